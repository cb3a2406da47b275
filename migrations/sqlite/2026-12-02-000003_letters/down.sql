DROP TABLE handoff_letters;
ALTER TABLE agencies DROP COLUMN address;
