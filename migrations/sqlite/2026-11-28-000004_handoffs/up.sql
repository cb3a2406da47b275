-- Agreement versions in force (kept so every handoff names the exact text that allowed it) and
-- handoffs between agencies with their snapshot, consent or override, clocks and decisions.

CREATE TABLE agreement_versions (
    id             INTEGER   PRIMARY KEY,
    agreement_id   TEXT      NOT NULL,
    version        INTEGER   NOT NULL,
    title          TEXT      NOT NULL,
    content_hash   TEXT      NOT NULL,
    content        TEXT      NOT NULL,
    effective_from DATE      NOT NULL,
    loaded_at      TIMESTAMP NOT NULL,
    UNIQUE (agreement_id, version)
);

CREATE TABLE handoffs (
    id                    INTEGER   PRIMARY KEY,
    case_id               BIGINT    NOT NULL REFERENCES cases (id),
    kind                  TEXT      NOT NULL CHECK (kind IN ('referral', 'transfer', 'notice')),
    rule_id               TEXT      NOT NULL,
    agreement_version_id  BIGINT    NOT NULL REFERENCES agreement_versions (id),
    from_agency_id        BIGINT    NOT NULL REFERENCES agencies (id),
    to_agency_id          BIGINT    NOT NULL REFERENCES agencies (id),
    owner_agency_id       BIGINT    NOT NULL REFERENCES agencies (id),
    created_by            BIGINT    NOT NULL REFERENCES users (id),
    status                TEXT      NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn', 'completed', 'delivered', 'read')),
    shares                TEXT      NOT NULL,
    consent_purpose       TEXT      NULL,
    consent_id            BIGINT    NULL REFERENCES consents (id),
    override_legal_basis  TEXT      NULL,
    override_reason       TEXT      NULL,
    message_ciphertext    TEXT      NULL,
    key_id                TEXT      NULL,
    respond_by            TIMESTAMP NULL,
    complete_by           TIMESTAMP NULL,
    decided_by            BIGINT    NULL REFERENCES users (id),
    decided_at            TIMESTAMP NULL,
    decision_reason       TEXT      NULL,
    completed_at          TIMESTAMP NULL,
    outcome               TEXT      NULL,
    access_ended_at       TIMESTAMP NULL,
    access_ended_reason   TEXT      NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX handoffs_case_idx ON handoffs (case_id, id);
CREATE INDEX handoffs_to_idx ON handoffs (to_agency_id, status, id);
CREATE INDEX handoffs_from_idx ON handoffs (from_agency_id, status, id);
