-- Synthetic rows for the query plans of scripts/bench/explain.sh on PostgreSQL: :cases cases
-- over 120 agencies and 36 months, one handoff for 65 % of them, :audit audit entries. The rows
-- are plausible for the planner (sizes, spreads, correlations of ids with time), not valid for the
-- application (no real ciphertext, hashes or chains). The same rows as fill-sqlite.sql.
\set ON_ERROR_STOP on
SET session_replication_role = replica;  -- no foreign-key triggers while filling

-- 120 agencies: every sixth is a police station (20), the others own cases (100); 1–80 in Jawa
-- Tengah (33), 81–120 in NTB (52).
INSERT INTO agencies (id, code, name, kind, level, province, region, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT a, 'AG-' || a, 'Agency ' || a,
       (ARRAY['police','service_unit','health','shelter','legal_aid','social_affairs'])[a % 6 + 1],
       'regency', CASE WHEN a <= 80 THEN '33' ELSE '52' END,
       CASE WHEN a <= 80 THEN '33' ELSE '52' END || lpad((a % 30 + 1)::text, 2, '0'),
       timestamp '2024-01-01', timestamp '2024-01-01'
FROM generate_series(1, 120) a;

-- Five users per agency: user 5(a-1)+1 … 5a.
INSERT INTO users (id, username, display_name, agency_id, password_hash, password_changed_at,
                   created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT u, 'user' || u, 'User ' || u, (u - 1) / 5 + 1, 'x', timestamp '2024-01-01',
       timestamp '2024-01-01', timestamp '2024-01-01'
FROM generate_series(1, 600) u;

INSERT INTO agreement_versions (id, agreement_id, version, title, content_hash, content,
                                effective_from, loaded_at)
OVERRIDING SYSTEM VALUE
VALUES (1, 'bench', 1, 'Bench', 'x', 'x', date '2024-01-01', timestamp '2024-01-01');

-- Cases: owner i mod 100 among the 100 non-police agencies (10 000 each), taken in by one of its
-- five users, one every 92 s from 2024-01-01 (ids grow with time, as they do), the older 70 %
-- closed. Each property below comes from the id modulo a different prime, so that they do not
-- depend on each other.
INSERT INTO cases (id, case_number, province, owner_agency_id, created_by, status, closure_reason,
                   identity_ciphertext, identity_key_id, risk_level, legal_basis, created_at,
                   updated_at)
OVERRIDING SYSTEM VALUE
SELECT i, 'JT-2026-' || lpad(i::text, 7, '0'), CASE WHEN o <= 80 THEN '33' ELSE '52' END, o,
       (o - 1) * 5 + 1 + (i / 100) % 5,
       CASE WHEN i <= :cases * 7 / 10 THEN 'closed' ELSE 'open' END,
       CASE WHEN i <= :cases * 7 / 10 THEN 'services_completed' END,
       repeat('x', 220), 'k1', (ARRAY['low','medium','high'])[i % 3 + 1], '["TPKS"]',
       timestamp '2024-01-01' + i * interval '92 seconds',
       timestamp '2024-01-01' + i * interval '92 seconds'
FROM (SELECT i, (i % 100 / 5) * 6 + i % 100 % 5 + 1 AS o
      FROM generate_series(1::bigint, :cases) i) s;

-- Each case's assignee: one of the owner's five users.
INSERT INTO case_assignments (case_id, user_id, assigned_at, assigned_by)
SELECT id, created_by, created_at, created_by FROM cases;

-- One handoff for 65 % of the cases, an hour after intake: 60 % to one of the 20 police stations
-- (16 000–23 000 each), the rest to another agency; 10 % transfers, 5 % notices; the newest 1.5 %
-- pending, the others decided (15 % declined, 5 % withdrawn, 20 % accepted, 60 % completed); the
-- access of every 37th accepted or completed one ended.
INSERT INTO handoffs (case_id, kind, rule_id, agreement_version_id, from_agency_id, to_agency_id,
                      owner_agency_id, created_by, status, shares, respond_by, complete_by,
                      decided_at, access_ended_at, created_at, updated_at)
SELECT id, h_kind, 'r1', 1, owner_agency_id, to_agency, owner_agency_id, created_by, h_status,
       '["identity","incident"]', at + interval '3 days',
       CASE WHEN h_status IN ('accepted', 'completed') THEN at + interval '30 days' END,
       CASE WHEN h_status NOT IN ('pending', 'delivered') THEN at + interval '1 day' END,
       CASE WHEN h_status IN ('accepted', 'completed') AND id % 37 = 0 THEN at + interval '40 days' END,
       at, at + interval '1 day'
FROM (SELECT c.id, c.owner_agency_id, c.created_by, c.created_at + interval '1 hour' AS at,
             CASE WHEN c.id % 109 < 11 THEN 'transfer' WHEN c.id % 109 < 16 THEN 'notice'
                  ELSE 'referral' END AS h_kind,
             CASE WHEN c.id % 103 < 62 THEN 6 * (1 + c.id % 107 % 20)
                  ELSE (((c.id % 100 + 1 + c.id % 53) % 100) / 5) * 6
                       + ((c.id % 100 + 1 + c.id % 53) % 100) % 5 + 1 END AS to_agency,
             CASE WHEN c.id % 109 BETWEEN 11 AND 15 THEN
                       CASE WHEN c.id > :cases * 985 / 1000 THEN 'delivered' ELSE 'read' END
                  WHEN c.id > :cases * 985 / 1000 THEN 'pending'
                  WHEN c.id % 113 < 17 THEN 'declined'
                  WHEN c.id % 113 < 23 THEN 'withdrawn'
                  WHEN c.id % 113 < 46 THEN 'accepted'
                  ELSE 'completed' END AS h_status
      FROM cases c WHERE c.id % 101 < 66 ORDER BY c.id) h;

-- Audit entries: one every 30.7 s; 91 % in case streams (about three per case, in case order), 9 %
-- in the system stream (logins); actors spread over the users.
INSERT INTO audit_events (occurred_at, stream, action, actor_user_id, actor_username,
                          actor_agency_id, actor_roles, subject_type, subject_id, case_id,
                          request_id, client_ip, details, seq, prev_hash, hash)
SELECT timestamp '2024-01-01' + j * interval '30.7 seconds',
       CASE WHEN c IS NULL THEN 'system' ELSE 'case:' || c END,
       CASE WHEN c IS NULL THEN 'auth.login'
            ELSE (ARRAY['case.created','case.viewed','case.viewed','case.viewed','handoff.created',
                        'handoff.accepted','consent.recorded','case.updated'])[j % 8 + 1] END,
       u, 'user' || u, (u - 1) / 5 + 1, 'caseworker',
       CASE WHEN c IS NOT NULL THEN 'case' END, c::text, c,
       md5(j::text), '10.0.0.1', '{"categories":["identity"]}', j,
       repeat('0', 64), repeat('f', 64)
FROM (SELECT j, 1 + j % 599 AS u,
             CASE WHEN j % 11 <> 0 THEN least(:cases, 1 + (j::bigint * :cases) / :audit) END AS c
      FROM generate_series(1::bigint, :audit) j) s;

SELECT setval(pg_get_serial_sequence('agencies', 'id'), 120);
SELECT setval(pg_get_serial_sequence('users', 'id'), 600);
SELECT setval(pg_get_serial_sequence('cases', 'id'), :cases);
SELECT setval(pg_get_serial_sequence('agreement_versions', 'id'), 1);
SET session_replication_role = DEFAULT;
