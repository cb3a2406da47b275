-- Search without plaintext: a blind index (keyed hash) of each normalised word of the survivor's
-- name, and of her phone number (digits only, +62/62 written as 0). Filled at intake and on
-- identity change; `rujukan keys reindex` fills them for cases taken in before this migration.
CREATE TABLE case_name_tokens (
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    token_index TEXT   NOT NULL,
    PRIMARY KEY (case_id, token_index)
);
CREATE INDEX case_name_tokens_index_idx ON case_name_tokens (token_index);
CREATE TABLE case_phone_indexes (
    case_id     BIGINT PRIMARY KEY REFERENCES cases (id),
    phone_index TEXT   NOT NULL
);
CREATE INDEX case_phone_indexes_index_idx ON case_phone_indexes (phone_index);
