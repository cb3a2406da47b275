DROP TABLE session_reveals;
DROP TABLE case_assignments;
