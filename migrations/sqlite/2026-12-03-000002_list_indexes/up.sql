-- The inbox and the Sent page without a status filter list an agency's handoffs newest first:
-- (agency, id) serves that order without sorting every handoff the agency ever received or sent.
CREATE INDEX handoffs_to_id_idx ON handoffs (to_agency_id, id);
CREATE INDEX handoffs_from_id_idx ON handoffs (from_agency_id, id);
