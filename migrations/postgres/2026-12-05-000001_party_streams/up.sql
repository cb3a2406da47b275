-- The case list reads the cases an agency received and the cases it transferred away in case
-- order, each cut at the page size (db::cases::list): these indexes give that order.
CREATE INDEX handoffs_to_case_idx ON handoffs (to_agency_id, case_id);
CREATE INDEX handoffs_from_kind_case_idx ON handoffs (from_agency_id, kind, case_id);
-- The supervisor's escalations, newest first, each checked for the agency's part in its case.
CREATE INDEX deadline_notices_kind_created_idx ON deadline_notices (kind, created_at);
-- The menu's overdue count on every page (db::nav_counts): the receiver's pending handoffs whose
-- answer clock has passed, counted from the index alone.
CREATE INDEX handoffs_to_respond_idx ON handoffs (to_agency_id, status, respond_by);
