-- Deadline sweeps and notifications (docs/DEADLINES.md, docs/NOTIFICATIONS.md).
-- deadline_notices: one row per deadline and step (reminded, breached, escalated); its primary key
-- makes each step happen once even when several instances sweep at the same time.
-- outbox: e-mails written in the same transaction as the event that causes them, delivered by a
-- worker with retries; a stable message id per row.

CREATE TABLE deadline_notices (
    deadline_key TEXT      NOT NULL,
    kind         TEXT      NOT NULL CHECK (kind IN ('reminded', 'breached', 'escalated')),
    case_id      BIGINT    NOT NULL REFERENCES cases (id),
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (deadline_key, kind)
);

CREATE TABLE outbox (
    id                INTEGER   PRIMARY KEY,
    created_at        TIMESTAMP NOT NULL,
    kind              TEXT      NOT NULL,
    case_id           BIGINT    NULL REFERENCES cases (id),
    recipient_user_id BIGINT    NOT NULL REFERENCES users (id),
    recipient_email   TEXT      NULL,
    language          TEXT      NOT NULL CHECK (language IN ('id', 'en')),
    params            TEXT      NOT NULL,
    message_id        TEXT      NOT NULL UNIQUE,
    status            TEXT      NOT NULL CHECK (status IN ('pending', 'sent', 'dead', 'no_address')),
    attempts          INTEGER   NOT NULL DEFAULT 0,
    next_attempt_at   TIMESTAMP NOT NULL,
    last_error        TEXT      NULL,
    sent_at           TIMESTAMP NULL
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient_idx ON outbox (recipient_user_id);

-- Sweeps look up the cases whose statutory clocks may be running: by trigger and time.
CREATE INDEX case_stage_changes_trigger_idx ON case_stage_changes (track, to_stage, changed_at);
CREATE INDEX consents_withdrawn_idx ON consents (given, recorded_at);
CREATE INDEX cases_created_idx ON cases (created_at);
CREATE INDEX handoffs_respond_idx ON handoffs (status, respond_by);
CREATE INDEX handoffs_complete_idx ON handoffs (status, complete_by);
