-- Cases: intake record with survivor identity encrypted (AES-256-GCM) and blind indexes of NIK and
-- passport number, incidents, stage history per track, consents, agency-private notes, documents.
-- JSON lists are TEXT; codes are checked by the application against the classification lists.

CREATE TABLE case_number_counters (
    prefix      TEXT    NOT NULL,
    year        INTEGER NOT NULL,
    last_number BIGINT  NOT NULL,
    PRIMARY KEY (prefix, year)
);

CREATE TABLE cases (
    id                      BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_number             TEXT      NOT NULL UNIQUE,
    province                TEXT      NOT NULL CHECK (length(province) = 2),
    owner_agency_id         BIGINT    NOT NULL REFERENCES agencies (id),
    created_by              BIGINT    NOT NULL REFERENCES users (id),
    status                  TEXT      NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closure_reason          TEXT      NULL,
    closed_at               TIMESTAMP NULL,
    version                 INTEGER   NOT NULL DEFAULT 1,
    identity_ciphertext     TEXT      NOT NULL,
    identity_key_id         TEXT      NOT NULL,
    nik_index               TEXT      NULL,
    passport_index          TEXT      NULL,
    age_band                TEXT      NULL,
    sex                     TEXT      NULL,
    disabilities            TEXT      NOT NULL DEFAULT '[]',
    nationality             TEXT      NULL,
    home_province           TEXT      NULL,
    home_district           TEXT      NULL,
    migration_stage         TEXT      NULL,
    placement_channel       TEXT      NULL,
    destination_country     TEXT      NULL,
    sector                  TEXT      NULL,
    p3mi                    TEXT      NULL,
    employer_abroad         TEXT      NULL,
    bp2mi_complaint_number  TEXT      NULL,
    risk_level              TEXT      NULL,
    safety_plan             TEXT      NULL,
    legal_basis             TEXT      NOT NULL DEFAULT '[]',
    procedural_regime       TEXT      NULL,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL,
    CHECK (status = 'open' OR closure_reason IS NOT NULL)
);
CREATE INDEX cases_owner_idx ON cases (owner_agency_id, id);
CREATE INDEX cases_nik_idx ON cases (nik_index);
CREATE INDEX cases_passport_idx ON cases (passport_index);
CREATE INDEX cases_province_idx ON cases (province, created_at);

CREATE TABLE case_tracks (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    track   TEXT   NOT NULL CHECK (track IN ('service', 'justice', 'protection', 'migrant_complaint')),
    stage   TEXT   NOT NULL,
    PRIMARY KEY (case_id, track)
);

CREATE TABLE case_incidents (
    id                   BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id              BIGINT    NOT NULL REFERENCES cases (id),
    position             INTEGER   NOT NULL,
    occurred_on          DATE      NULL,
    place                TEXT      NULL,
    country              TEXT      NULL,
    forms                TEXT      NOT NULL,
    tpks_forms           TEXT      NOT NULL,
    pkdrt_forms          TEXT      NOT NULL,
    tppo_elements        TEXT      NOT NULL,
    gbvims_type          TEXT      NULL,
    gbvims_contexts      TEXT      NOT NULL,
    perpetrator_relation TEXT      NULL
);
CREATE INDEX case_incidents_case_idx ON case_incidents (case_id, position);

CREATE TABLE case_stage_changes (
    id         BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    BIGINT    NOT NULL REFERENCES cases (id),
    track      TEXT      NOT NULL,
    from_stage TEXT      NOT NULL,
    to_stage   TEXT      NOT NULL,
    changed_by BIGINT    NOT NULL REFERENCES users (id),
    agency_id  BIGINT    NOT NULL REFERENCES agencies (id),
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX case_stage_changes_case_idx ON case_stage_changes (case_id, id);

CREATE TABLE consents (
    id                  BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id             BIGINT    NOT NULL REFERENCES cases (id),
    purpose             TEXT      NOT NULL,
    recipient_agency_id BIGINT    NULL REFERENCES agencies (id),
    given               BOOLEAN   NOT NULL,
    method              TEXT      NOT NULL,
    given_by            TEXT      NOT NULL CHECK (given_by IN ('survivor', 'guardian', 'legal_basis')),
    legal_basis         TEXT      NULL,
    recorded_by         BIGINT    NOT NULL REFERENCES users (id),
    agency_id           BIGINT    NOT NULL REFERENCES agencies (id),
    recorded_at         TIMESTAMP NOT NULL,
    CHECK (given_by <> 'legal_basis' OR legal_basis IS NOT NULL)
);
CREATE INDEX consents_case_idx ON consents (case_id, purpose, id);

CREATE TABLE case_notes (
    id              BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id         BIGINT    NOT NULL REFERENCES cases (id),
    agency_id       BIGINT    NOT NULL REFERENCES agencies (id),
    author_id       BIGINT    NOT NULL REFERENCES users (id),
    body_ciphertext TEXT      NOT NULL,
    key_id          TEXT      NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX case_notes_case_idx ON case_notes (case_id, agency_id, id);

CREATE TABLE documents (
    id                  BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id             BIGINT    NOT NULL REFERENCES cases (id),
    agency_id           BIGINT    NOT NULL REFERENCES agencies (id),
    uploaded_by         BIGINT    NOT NULL REFERENCES users (id),
    filename_ciphertext TEXT      NOT NULL,
    key_id              TEXT      NOT NULL,
    content_type        TEXT      NOT NULL,
    size_bytes          BIGINT    NOT NULL,
    sha256              TEXT      NOT NULL,
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX documents_case_idx ON documents (case_id, id);
