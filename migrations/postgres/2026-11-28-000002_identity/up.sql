-- Agencies, users and their roles, sessions and refresh tokens, login throttling, and the audit
-- table (the audit issue adds its hash chain).

CREATE TABLE agencies (
    id          BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        TEXT      NOT NULL UNIQUE CHECK (length(code) BETWEEN 2 AND 40),
    name        TEXT      NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        TEXT      NOT NULL CHECK (kind IN ('service_unit','disnaker','bp3mi','police','prosecutor','court','health','shelter','legal_aid','lpsk','social_affairs','ngo','mission_abroad')),
    level       TEXT      NOT NULL CHECK (level IN ('national', 'province', 'regency')),
    province    TEXT      NULL CHECK (province IS NULL OR length(province) = 2),
    region      TEXT      NULL CHECK (region IS NULL OR length(region) = 4),
    parent_id   BIGINT    NULL REFERENCES agencies (id),
    email       TEXT      NULL,
    unverified  BOOLEAN   NOT NULL DEFAULT FALSE,
    active      BOOLEAN   NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CHECK (level = 'national' OR province IS NOT NULL)
);

CREATE TABLE users (
    id                  BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username            TEXT      NOT NULL UNIQUE CHECK (length(username) BETWEEN 3 AND 64),
    display_name        TEXT      NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    email               TEXT      NULL,
    agency_id           BIGINT    NOT NULL REFERENCES agencies (id),
    language            TEXT      NOT NULL DEFAULT 'id' CHECK (language IN ('id', 'en')),
    active              BOOLEAN   NOT NULL DEFAULT TRUE,
    password_hash       TEXT      NOT NULL,
    password_changed_at TIMESTAMP NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX users_agency_idx ON users (agency_id);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT   NOT NULL CHECK (role IN ('caseworker','supervisor','investigator','prosecutor','court_clerk','agency_admin','auditor','sysadmin')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    id             TEXT      NOT NULL PRIMARY KEY,
    user_id        BIGINT    NOT NULL REFERENCES users (id),
    kind           TEXT      NOT NULL CHECK (kind IN ('api', 'web')),
    secret_hash    TEXT      NULL UNIQUE,
    created_at     TIMESTAMP NOT NULL,
    last_seen_at   TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP NULL,
    revoked_reason TEXT      NULL,
    client_ip      TEXT      NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE refresh_tokens (
    token_hash TEXT      NOT NULL PRIMARY KEY,
    session_id TEXT      NOT NULL REFERENCES sessions (id),
    created_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP NULL
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

CREATE TABLE login_throttle (
    username          TEXT      NOT NULL PRIMARY KEY,
    failures          INTEGER   NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    locked_until      TIMESTAMP NULL
);

CREATE TABLE audit_events (
    id              BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     TIMESTAMP NOT NULL,
    stream          TEXT      NOT NULL,
    action          TEXT      NOT NULL,
    actor_user_id   BIGINT    NULL,
    actor_username  TEXT      NULL,
    actor_agency_id BIGINT    NULL,
    actor_roles     TEXT      NULL,
    subject_type    TEXT      NULL,
    subject_id      TEXT      NULL,
    case_id         BIGINT    NULL,
    request_id      TEXT      NULL,
    client_ip       TEXT      NULL,
    details         TEXT      NOT NULL,
    seq             BIGINT    NOT NULL,
    prev_hash       TEXT      NOT NULL,
    hash            TEXT      NOT NULL,
    UNIQUE (stream, seq)
);
CREATE INDEX audit_events_stream_idx ON audit_events (stream, id);
CREATE INDEX audit_events_case_idx ON audit_events (case_id, id);
