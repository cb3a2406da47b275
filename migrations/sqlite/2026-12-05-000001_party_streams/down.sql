DROP INDEX handoffs_to_respond_idx;
DROP INDEX deadline_notices_kind_created_idx;
DROP INDEX handoffs_from_kind_case_idx;
DROP INDEX handoffs_to_case_idx;
