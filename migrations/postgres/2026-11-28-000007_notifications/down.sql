DROP INDEX handoffs_complete_idx;
DROP INDEX handoffs_respond_idx;
DROP INDEX cases_created_idx;
DROP INDEX consents_withdrawn_idx;
DROP INDEX case_stage_changes_trigger_idx;
DROP TABLE outbox;
DROP TABLE deadline_notices;
