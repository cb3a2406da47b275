DROP TRIGGER audit_events_no_delete ON audit_events;
DROP TRIGGER audit_events_no_update ON audit_events;
DROP FUNCTION rujukan_audit_append_only();
DROP TABLE audit_stream_heads;
