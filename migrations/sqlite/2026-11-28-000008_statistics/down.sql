ALTER TABLE deadline_notices DROP COLUMN agency_id;
ALTER TABLE deadline_notices DROP COLUMN outcome;
ALTER TABLE deadline_notices DROP COLUMN rule;
DROP TABLE stats_rollup;
