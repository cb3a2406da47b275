DROP INDEX handoffs_from_id_idx;
DROP INDEX handoffs_to_id_idx;
