DROP TABLE documents;
DROP TABLE case_notes;
DROP TABLE consents;
DROP TABLE case_stage_changes;
DROP TABLE case_incidents;
DROP TABLE case_tracks;
DROP TABLE cases;
DROP TABLE case_number_counters;
