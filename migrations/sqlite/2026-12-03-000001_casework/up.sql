-- Who works each case: one caseworker (or supervisor) of the owning agency. Set at intake to the
-- person who took the case in, changed by a supervisor (audited as `case.assigned`), and moved to
-- the accepting user when a transfer gives the case to another agency.
CREATE TABLE case_assignments (
    case_id     BIGINT    PRIMARY KEY REFERENCES cases (id),
    user_id     BIGINT    NOT NULL REFERENCES users (id),
    assigned_at TIMESTAMP NOT NULL,
    assigned_by BIGINT    NOT NULL REFERENCES users (id)
);
-- "My cases" and the caseload per person read by assignee.
CREATE INDEX case_assignments_user_idx ON case_assignments (user_id, case_id);
-- Cases taken in before assignments existed belong to whoever took them in.
INSERT INTO case_assignments (case_id, user_id, assigned_at, assigned_by)
SELECT id, created_by, created_at, created_by FROM cases;

-- The identities a web session revealed with a purpose: shown again on the case page for the rest
-- of the visit (the session) without a new `identity.revealed` entry, until hidden or the session
-- ends.
CREATE TABLE session_reveals (
    session_id  TEXT      NOT NULL REFERENCES sessions (id),
    case_id     BIGINT    NOT NULL REFERENCES cases (id),
    purpose     TEXT      NOT NULL,
    revealed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, case_id)
);
