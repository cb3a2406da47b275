DROP INDEX audit_events_time_idx;
DROP INDEX audit_events_action_idx;
DROP INDEX audit_events_agency_idx;
DROP INDEX audit_events_actor_idx;
DROP TABLE audit_checkpoints;
