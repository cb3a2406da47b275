ALTER TABLE user_roles DROP COLUMN confirmed;
ALTER TABLE user_roles DROP COLUMN granted_by;
ALTER TABLE users DROP COLUMN password_set_by;
ALTER TABLE agencies DROP COLUMN audits;
ALTER TABLE handoffs DROP COLUMN receiver_records_consent;
