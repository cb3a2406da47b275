-- Referral letters (surat rujukan): a postal address for each agency's letterhead and the number
-- each handoff's letter was given (the yearly counter of each sending agency is a row of
-- case_number_counters, prefix 'letter:<agency id>').
ALTER TABLE agencies ADD COLUMN address TEXT NULL;

CREATE TABLE handoff_letters (
    handoff_id BIGINT    NOT NULL PRIMARY KEY REFERENCES handoffs (id),
    number     TEXT      NOT NULL UNIQUE,
    agency_id  BIGINT    NOT NULL REFERENCES agencies (id),
    year       INTEGER   NOT NULL,
    seq        BIGINT    NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (agency_id, year, seq)
);
