-- Access that holds: consent purposes an agreement lets a handoff's receiver record, and the
-- agencies designated to audit (whose users may hold the auditor role).
ALTER TABLE handoffs ADD COLUMN receiver_records_consent TEXT NOT NULL DEFAULT '[]';
ALTER TABLE agencies ADD COLUMN audits BOOLEAN NOT NULL DEFAULT FALSE;
