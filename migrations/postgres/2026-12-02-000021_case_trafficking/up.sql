-- Trafficking (TPPO) intake: how the complaint came in, the repatriation facts and the chronology
-- (sealed like notes), one row per case; the perpetrators and intermediaries, each with a role code
-- and a sealed name. The cases table is full (diesel's 32 columns), so these live beside it.
CREATE TABLE case_trafficking (
    case_id               BIGINT    PRIMARY KEY REFERENCES cases (id),
    intake_channel        TEXT      NULL,
    return_date           DATE      NULL,
    debarkation_point     TEXT      NULL,
    chronology_ciphertext TEXT      NULL,
    chronology_key_id     TEXT      NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE TABLE case_perpetrators (
    id              BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id         BIGINT    NOT NULL REFERENCES cases (id),
    role            TEXT      NOT NULL,
    name_ciphertext TEXT      NOT NULL,
    key_id          TEXT      NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    created_by      BIGINT    NOT NULL REFERENCES users (id)
);
CREATE INDEX case_perpetrators_case_idx ON case_perpetrators (case_id, id);
