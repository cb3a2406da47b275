CREATE INDEX handoffs_from_updated_idx ON handoffs (from_agency_id, updated_at);
DROP INDEX handoffs_from_updated_cover_idx;
