DROP TABLE handoff_letters;
DROP TABLE letter_counters;
ALTER TABLE agencies DROP COLUMN address;
