DROP INDEX handoffs_from_updated_idx;
DROP TABLE user_marks;
