# The statements behind Rujukan's lists as diesel sends them (printed by
# `RUJUKAN_SHOW_STATEMENTS=1 cargo nextest run --no-capture -E 'test(budget)'` or read from
# src/db/handoffs.rs, src/db/cases/list.rs, src/db/audit.rs, src/db/nav_counts.rs), with the
# values bound for the rows of fill-*.sql. Only the select lists are shortened to `t.*` (diesel
# names every column of the row; no plan here can be index-only either way). PostgreSQL binds
# lists as arrays (`= ANY($1)`, `!= ALL($1)`), SQLite as `IN (?, ?)`, `NOT IN (?, ?)`.
# Sourced by explain.sh: `queries sqlite|postgres` prints `-- name:` blocks for plans.py.

# The agencies and people asked about: agency 1 is a service unit owning 10 000 cases (province
# 33), agency 6 a police station receiving 22 066 handoffs, user 1 one of agency 1's five
# caseworkers; "now" is the end of the synthetic period.
OWNER=1
POLICE=6
USER=1
NOW="'2026-12-02 12:00:00'"

queries() {
  BACKEND="$1"
  local party="((\"cases\".\"owner_agency_id\" = \$A) OR (EXISTS (SELECT \"handoffs\".* FROM \"handoffs\" WHERE ((((\"handoffs\".\"case_id\" = \"cases\".\"id\") AND (\"handoffs\".\"to_agency_id\" = \$A)) AND (\"handoffs\".\"status\" $(none_of "'declined'", "'withdrawn'"))) AND (\"handoffs\".\"access_ended_at\" IS NULL))))) OR (EXISTS (SELECT \"handoffs\".* FROM \"handoffs\" WHERE ((((\"handoffs\".\"case_id\" = \"cases\".\"id\") AND (\"handoffs\".\"from_agency_id\" = \$A)) AND (\"handoffs\".\"kind\" = 'transfer')) AND (\"handoffs\".\"status\" $(any_of "'accepted'", "'completed'")))))"
  cat <<SQL
-- name: inbox (GET /api/v1/handoffs, police station)
SELECT "handoffs".* FROM "handoffs" WHERE ("handoffs"."to_agency_id" = $POLICE) ORDER BY "handoffs"."id" DESC LIMIT 50;

-- name: inbox status=pending (GET /api/v1/handoffs?status=pending; page /inbox, LIMIT 100)
SELECT "handoffs".* FROM "handoffs" WHERE (("handoffs"."to_agency_id" = $POLICE) AND ("handoffs"."status" = 'pending')) ORDER BY "handoffs"."id" DESC LIMIT 100;

-- name: inbox status=accepted, next page (GET /api/v1/handoffs?status=accepted&cursor=…)
SELECT "handoffs".* FROM "handoffs" WHERE ((("handoffs"."to_agency_id" = $POLICE) AND ("handoffs"."status" = 'accepted')) AND ("handoffs"."id" < 400000)) ORDER BY "handoffs"."id" DESC LIMIT 50;

-- name: sent (GET /api/v1/handoffs?box=outgoing; page /sent, LIMIT 100)
SELECT "handoffs".* FROM "handoffs" WHERE ("handoffs"."from_agency_id" = $OWNER) ORDER BY "handoffs"."id" DESC LIMIT 100;

-- name: sent status=declined (GET /api/v1/handoffs?box=outgoing&status=declined)
SELECT "handoffs".* FROM "handoffs" WHERE (("handoffs"."from_agency_id" = $OWNER) AND ("handoffs"."status" = 'declined')) ORDER BY "handoffs"."id" DESC LIMIT 50;

-- name: menu counts (every page: incoming pending, overdue, answered since Sent was last seen)
SELECT (SELECT COUNT(*) FROM "handoffs" WHERE (("handoffs"."to_agency_id" = $POLICE) AND ("handoffs"."status" = 'pending')) LIMIT 1), (SELECT COUNT(*) FROM "handoffs" WHERE ((("handoffs"."to_agency_id" = $POLICE) AND ("handoffs"."status" = 'pending')) AND ("handoffs"."respond_by" < $NOW)) LIMIT 1), (SELECT COUNT(*) FROM "handoffs" WHERE (((("handoffs"."from_agency_id" = $OWNER) AND ("handoffs"."updated_at" > coalesce((SELECT "user_marks"."sent_seen_at" FROM "user_marks" WHERE ("user_marks"."user_id" = $USER) LIMIT 1), (SELECT "users"."created_at" FROM "users" WHERE ("users"."id" = $USER) LIMIT 1)))) AND ("handoffs"."status" $(any_of "'accepted'", "'declined'", "'completed'"))) AND (("handoffs"."decided_at" > coalesce((SELECT "user_marks"."sent_seen_at" FROM "user_marks" WHERE ("user_marks"."user_id" = $USER) LIMIT 1), (SELECT "users"."created_at" FROM "users" WHERE ("users"."id" = $USER) LIMIT 1))) OR ("handoffs"."completed_at" > coalesce((SELECT "user_marks"."sent_seen_at" FROM "user_marks" WHERE ("user_marks"."user_id" = $USER) LIMIT 1), (SELECT "users"."created_at" FROM "users" WHERE ("users"."id" = $USER) LIMIT 1))))) LIMIT 1);

-- name: cases, owned stream, service unit (GET /api/v1/cases: the cases it owns)
SELECT "cases".* FROM "cases" WHERE ("cases"."owner_agency_id" = $OWNER) ORDER BY "cases"."id" DESC LIMIT 50;

-- name: cases, received stream, police (the cases its received handoffs still reach)
SELECT "cases".* FROM ("handoffs" INNER JOIN "cases" ON ("handoffs"."case_id" = "cases"."id")) WHERE (("handoffs"."to_agency_id" = $POLICE) AND ("handoffs"."status" $(none_of "'declined'", "'withdrawn'"))) AND ("handoffs"."access_ended_at" IS NULL) ORDER BY "handoffs"."case_id" DESC LIMIT 50;

-- name: cases, received stream, police, next page (cursor deep in the list)
SELECT "cases".* FROM ("handoffs" INNER JOIN "cases" ON ("handoffs"."case_id" = "cases"."id")) WHERE ((("handoffs"."to_agency_id" = $POLICE) AND ("handoffs"."status" $(none_of "'declined'", "'withdrawn'"))) AND ("handoffs"."access_ended_at" IS NULL)) AND ("handoffs"."case_id" < 300000) ORDER BY "handoffs"."case_id" DESC LIMIT 50;

-- name: cases, transferred-away stream, service unit
SELECT "cases".* FROM ("handoffs" INNER JOIN "cases" ON ("handoffs"."case_id" = "cases"."id")) WHERE (("handoffs"."from_agency_id" = $OWNER) AND ("handoffs"."kind" = 'transfer')) AND ("handoffs"."status" $(any_of "'accepted'", "'completed'")) ORDER BY "handoffs"."case_id" DESC LIMIT 50;

-- name: cases, received stream, police, status=open risk_level=high
SELECT "cases".* FROM ("handoffs" INNER JOIN "cases" ON ("handoffs"."case_id" = "cases"."id")) WHERE (((("handoffs"."to_agency_id" = $POLICE) AND ("handoffs"."status" $(none_of "'declined'", "'withdrawn'"))) AND ("handoffs"."access_ended_at" IS NULL)) AND ("cases"."risk_level" = 'high')) AND ("cases"."status" = 'open') ORDER BY "handoffs"."case_id" DESC LIMIT 50;

-- name: cases assigned=me (GET /api/v1/cases?assigned=me as a caseworker of the service unit: one statement, party checked per case)
SELECT "cases".* FROM "cases" WHERE (${party//\$A/$OWNER}) AND ("cases"."id" $(in_sub) (SELECT "case_assignments"."case_id" FROM "case_assignments" WHERE ("case_assignments"."user_id" = $USER))) ORDER BY "cases"."id" DESC LIMIT 50;

-- name: deadline worklist, police (GET /api/v1/deadlines: every running clock of the agency)
SELECT "handoffs".* FROM "handoffs" WHERE (("handoffs"."access_ended_at" IS NULL) AND ("handoffs"."status" $(any_of "'pending'", "'accepted'"))) AND (("handoffs"."from_agency_id" = $POLICE) OR ("handoffs"."to_agency_id" = $POLICE)) ORDER BY "handoffs"."id" ASC;

-- name: deadline worklist, owner (GET /api/v1/deadlines as the service unit)
SELECT "handoffs".* FROM "handoffs" WHERE (("handoffs"."access_ended_at" IS NULL) AND ("handoffs"."status" $(any_of "'pending'", "'accepted'"))) AND (("handoffs"."from_agency_id" = $OWNER) OR ("handoffs"."to_agency_id" = $OWNER)) ORDER BY "handoffs"."id" ASC;

-- name: audit search, national, no filter (GET /api/v1/audit)
SELECT "audit_events".* FROM "audit_events" ORDER BY "audit_events"."id" DESC LIMIT 50;

-- name: audit search, user (GET /api/v1/audit?user=user17)
SELECT "audit_events".* FROM "audit_events" WHERE ("audit_events"."actor_username" = 'user17') ORDER BY "audit_events"."id" DESC LIMIT 50;

-- name: audit search, agency and action (GET /api/v1/audit?agency=AG-7&action=handoff.accepted)
SELECT "audit_events".* FROM "audit_events" WHERE (("audit_events"."actor_agency_id" = 7) AND ("audit_events"."action" = 'handoff.accepted')) ORDER BY "audit_events"."id" DESC LIMIT 50;

-- name: audit search, one week (GET /api/v1/audit?from=2025-03-01&to=2025-03-07)
SELECT "audit_events".* FROM "audit_events" WHERE (("audit_events"."occurred_at" >= '2025-03-01 00:00:00') AND ("audit_events"."occurred_at" < '2025-03-08 00:00:00')) ORDER BY "audit_events"."id" DESC LIMIT 50;

-- name: audit search, case (GET /api/v1/audit?case=JT-2026-0123456)
SELECT "audit_events".* FROM "audit_events" WHERE ("audit_events"."case_id" = 123456) ORDER BY "audit_events"."id" DESC LIMIT 50;

-- name: audit search, provincial auditor (GET /api/v1/audit as the auditor of province 52)
SELECT "audit_events".* FROM "audit_events" WHERE ((EXISTS (SELECT 1 FROM cases WHERE cases.id = audit_events.case_id AND cases.province = '52')) OR ("audit_events"."actor_agency_id" $(in_sub) (SELECT "agencies"."id" FROM "agencies" WHERE ("agencies"."province" = '52')))) ORDER BY "audit_events"."id" DESC LIMIT 50;

-- name: audit search, provincial auditor, user (GET /api/v1/audit?user=user17 as the auditor of 52)
SELECT "audit_events".* FROM "audit_events" WHERE (("audit_events"."actor_username" = 'user17') AND ((EXISTS (SELECT 1 FROM cases WHERE cases.id = audit_events.case_id AND cases.province = '52')) OR ("audit_events"."actor_agency_id" $(in_sub) (SELECT "agencies"."id" FROM "agencies" WHERE ("agencies"."province" = '52'))))) ORDER BY "audit_events"."id" DESC LIMIT 50;
SQL
}

# A list bound as diesel binds it: `= ANY($1)` on PostgreSQL, `IN (?, ?)` on SQLite.
any_of() {
  if [ "$BACKEND" = postgres ]; then echo "= ANY(ARRAY[$*])"; else echo "IN ($*)"; fi
}

# `!= ALL($1)` on PostgreSQL, `NOT IN (?, ?)` on SQLite.
none_of() {
  if [ "$BACKEND" = postgres ]; then echo "!= ALL(ARRAY[$*])"; else echo "NOT IN ($*)"; fi
}

# `IN (subquery)` as diesel writes it: `= ANY(SELECT …)` on PostgreSQL, `IN (SELECT …)` on SQLite.
in_sub() {
  if [ "$BACKEND" = postgres ]; then echo "= ANY"; else echo "IN"; fi
}
