-- Indexes chosen from the query plans at one million cases (docs/PERFORMANCE.md, "Query plans at
-- one million cases").

-- The menu's "answered since you last looked at Sent" count (every page) reads an agency's sent
-- handoffs changed since the user's mark, then checks their status and decision times. With the
-- status and times in the index the count is answered from the index alone, instead of reading
-- each handoff row (a user who never opened Sent reads every handoff the agency sent: 6 500 rows
-- for a service unit at a million cases). It serves every lookup the narrower index served.
CREATE INDEX handoffs_from_updated_cover_idx
    ON handoffs (from_agency_id, updated_at, status, decided_at, completed_at);
DROP INDEX handoffs_from_updated_idx;
