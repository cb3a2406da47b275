ALTER TABLE agencies DROP COLUMN audits;
ALTER TABLE handoffs DROP COLUMN receiver_records_consent;
