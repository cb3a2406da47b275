-- Referral letters (surat rujukan): a postal address for each agency's letterhead, the yearly
-- letter counter of each sending agency, and the number each handoff's letter was given.
ALTER TABLE agencies ADD COLUMN address TEXT NULL;

CREATE TABLE letter_counters (
    agency_id   BIGINT  NOT NULL REFERENCES agencies (id),
    year        INTEGER NOT NULL,
    last_number BIGINT  NOT NULL,
    PRIMARY KEY (agency_id, year)
);

CREATE TABLE handoff_letters (
    handoff_id BIGINT    NOT NULL PRIMARY KEY REFERENCES handoffs (id),
    number     TEXT      NOT NULL UNIQUE,
    agency_id  BIGINT    NOT NULL REFERENCES agencies (id),
    year       INTEGER   NOT NULL,
    seq        BIGINT    NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (agency_id, year, seq)
);
