DROP INDEX case_perpetrators_case_idx;
DROP TABLE case_perpetrators;
DROP TABLE case_trafficking;
