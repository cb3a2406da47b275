-- Access that holds.
-- Consent purposes an agreement lets a handoff's receiver record.
ALTER TABLE handoffs ADD COLUMN receiver_records_consent TEXT NOT NULL DEFAULT '[]';
-- Agencies designated to audit: only their users may hold the auditor role.
ALTER TABLE agencies ADD COLUMN audits BOOLEAN NOT NULL DEFAULT FALSE;
-- Who set a user's current password (NULL: the command line; the user's own id: the user).
ALTER TABLE users ADD COLUMN password_set_by BIGINT;
-- Who granted each role, and whether a role that reads cases, granted by the person who set the
-- account's password, has been confirmed by someone else (separation of duties).
ALTER TABLE user_roles ADD COLUMN granted_by BIGINT;
ALTER TABLE user_roles ADD COLUMN confirmed BOOLEAN NOT NULL DEFAULT TRUE;
