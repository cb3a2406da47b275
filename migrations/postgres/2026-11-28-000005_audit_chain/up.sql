-- The head (last sequence number and hash) of each audit stream, so appends are serialised per
-- stream, and triggers that refuse any change to audit rows: the trail is append-only.

CREATE TABLE audit_stream_heads (
    stream TEXT   NOT NULL PRIMARY KEY,
    seq    BIGINT NOT NULL,
    hash   TEXT   NOT NULL
);

CREATE FUNCTION rujukan_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION rujukan_audit_append_only();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION rujukan_audit_append_only();
