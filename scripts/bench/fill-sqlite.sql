-- Synthetic rows for the query plans of scripts/bench/explain.sh on SQLite: the same rows as
-- fill-postgres.sql (read its comments), from recursive CTEs. explain.sh replaces @CASES@ and
-- @AUDIT@ with the sizes.
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA foreign_keys = OFF;
PRAGMA cache_size = -262144;
BEGIN;

WITH RECURSIVE s(a) AS (SELECT 1 UNION ALL SELECT a + 1 FROM s WHERE a < 120)
INSERT INTO agencies (id, code, name, kind, level, province, region, created_at, updated_at)
SELECT a, 'AG-' || a, 'Agency ' || a,
       CASE a % 6 WHEN 0 THEN 'police' WHEN 1 THEN 'service_unit' WHEN 2 THEN 'health'
                  WHEN 3 THEN 'shelter' WHEN 4 THEN 'legal_aid' ELSE 'social_affairs' END,
       'regency', CASE WHEN a <= 80 THEN '33' ELSE '52' END,
       CASE WHEN a <= 80 THEN '33' ELSE '52' END || printf('%02d', a % 30 + 1),
       '2024-01-01 00:00:00', '2024-01-01 00:00:00'
FROM s;

WITH RECURSIVE s(u) AS (SELECT 1 UNION ALL SELECT u + 1 FROM s WHERE u < 600)
INSERT INTO users (id, username, display_name, agency_id, password_hash, password_changed_at,
                   created_at, updated_at)
SELECT u, 'user' || u, 'User ' || u, (u - 1) / 5 + 1, 'x', '2024-01-01 00:00:00',
       '2024-01-01 00:00:00', '2024-01-01 00:00:00'
FROM s;

INSERT INTO agreement_versions (id, agreement_id, version, title, content_hash, content,
                                effective_from, loaded_at)
VALUES (1, 'bench', 1, 'Bench', 'x', 'x', '2024-01-01', '2024-01-01 00:00:00');

WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < @CASES@),
o(i, o) AS (SELECT i, (i % 100 / 5) * 6 + i % 100 % 5 + 1 FROM s)
INSERT INTO cases (id, case_number, province, owner_agency_id, created_by, status, closure_reason,
                   identity_ciphertext, identity_key_id, risk_level, legal_basis, created_at,
                   updated_at)
SELECT i, 'JT-2026-' || printf('%07d', i), CASE WHEN o <= 80 THEN '33' ELSE '52' END, o,
       (o - 1) * 5 + 1 + (i / 100) % 5,
       CASE WHEN i <= @CASES@ * 7 / 10 THEN 'closed' ELSE 'open' END,
       CASE WHEN i <= @CASES@ * 7 / 10 THEN 'services_completed' END,
       printf('%.220c', 'x'), 'k1',
       CASE i % 3 WHEN 0 THEN 'low' WHEN 1 THEN 'medium' ELSE 'high' END, '["TPKS"]',
       datetime('2024-01-01', '+' || (i * 92) || ' seconds'),
       datetime('2024-01-01', '+' || (i * 92) || ' seconds')
FROM o;

INSERT INTO case_assignments (case_id, user_id, assigned_at, assigned_by)
SELECT id, created_by, created_at, created_by FROM cases;

INSERT INTO handoffs (case_id, kind, rule_id, agreement_version_id, from_agency_id, to_agency_id,
                      owner_agency_id, created_by, status, shares, respond_by, complete_by,
                      decided_at, access_ended_at, created_at, updated_at)
SELECT id, h_kind, 'r1', 1, owner_agency_id, to_agency, owner_agency_id, created_by, h_status,
       '["identity","incident"]', datetime(at, '+3 days'),
       CASE WHEN h_status IN ('accepted', 'completed') THEN datetime(at, '+30 days') END,
       CASE WHEN h_status NOT IN ('pending', 'delivered') THEN datetime(at, '+1 day') END,
       CASE WHEN h_status IN ('accepted', 'completed') AND id % 37 = 0
            THEN datetime(at, '+40 days') END,
       at, datetime(at, '+1 day')
FROM (SELECT c.id, c.owner_agency_id, c.created_by, datetime(c.created_at, '+1 hour') AS at,
             CASE WHEN c.id % 109 < 11 THEN 'transfer' WHEN c.id % 109 < 16 THEN 'notice'
                  ELSE 'referral' END AS h_kind,
             CASE WHEN c.id % 103 < 62 THEN 6 * (1 + c.id % 107 % 20)
                  ELSE (((c.id % 100 + 1 + c.id % 53) % 100) / 5) * 6
                       + ((c.id % 100 + 1 + c.id % 53) % 100) % 5 + 1 END AS to_agency,
             CASE WHEN c.id % 109 BETWEEN 11 AND 15 THEN
                       CASE WHEN c.id > @CASES@ * 985 / 1000 THEN 'delivered' ELSE 'read' END
                  WHEN c.id > @CASES@ * 985 / 1000 THEN 'pending'
                  WHEN c.id % 113 < 17 THEN 'declined'
                  WHEN c.id % 113 < 23 THEN 'withdrawn'
                  WHEN c.id % 113 < 46 THEN 'accepted'
                  ELSE 'completed' END AS h_status
      FROM cases c WHERE c.id % 101 < 66 ORDER BY c.id);

WITH RECURSIVE s(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM s WHERE j < @AUDIT@),
e(j, u, c) AS (
    SELECT j, 1 + j % 599,
           CASE WHEN j % 11 <> 0 THEN min(@CASES@, 1 + (j * @CASES@) / @AUDIT@) END
    FROM s)
INSERT INTO audit_events (occurred_at, stream, action, actor_user_id, actor_username,
                          actor_agency_id, actor_roles, subject_type, subject_id, case_id,
                          request_id, client_ip, details, seq, prev_hash, hash)
SELECT datetime('2024-01-01', '+' || (j * 307 / 10) || ' seconds'),
       CASE WHEN c IS NULL THEN 'system' ELSE 'case:' || c END,
       CASE WHEN c IS NULL THEN 'auth.login'
            ELSE CASE j % 8 WHEN 0 THEN 'case.created' WHEN 4 THEN 'handoff.created'
                            WHEN 5 THEN 'handoff.accepted' WHEN 6 THEN 'consent.recorded'
                            WHEN 7 THEN 'case.updated' ELSE 'case.viewed' END END,
       u, 'user' || u, (u - 1) / 5 + 1, 'caseworker',
       CASE WHEN c IS NOT NULL THEN 'case' END, CAST(c AS TEXT), c,
       printf('%032x', j), '10.0.0.1', '{"categories":["identity"]}', j,
       printf('%.64c', '0'), printf('%.64c', 'f')
FROM e;

COMMIT;
