DROP INDEX case_phone_indexes_index_idx;
DROP TABLE case_phone_indexes;
DROP INDEX case_name_tokens_index_idx;
DROP TABLE case_name_tokens;
