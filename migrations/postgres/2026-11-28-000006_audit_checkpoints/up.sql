-- Signed checkpoints of the audit trail (see docs/AUDIT.md): each states how far the trail went and
-- where the streams that changed since the previous checkpoint ended, and is signed with Ed25519.
-- Append-only like the trail itself.

CREATE TABLE audit_checkpoints (
    number     BIGINT    NOT NULL PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    up_to_id   BIGINT    NOT NULL,
    entries    BIGINT    NOT NULL,
    prev_hash  TEXT      NOT NULL,
    heads      TEXT      NOT NULL,
    hash       TEXT      NOT NULL,
    public_key TEXT      NOT NULL,
    signature  TEXT      NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION rujukan_audit_append_only();
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION rujukan_audit_append_only();

-- Audit search for auditors: by user, agency, action and time, newest first.
CREATE INDEX audit_events_actor_idx ON audit_events (actor_username, id);
CREATE INDEX audit_events_agency_idx ON audit_events (actor_agency_id, id);
CREATE INDEX audit_events_action_idx ON audit_events (action, id);
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at);
