DROP INDEX handoffs_from_kind_case_idx;
DROP INDEX handoffs_to_case_idx;
