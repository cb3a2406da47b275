#!/usr/bin/env bash
# The query plans of Rujukan's lists at about a million cases (docs/PERFORMANCE.md, "Query plans at
# one million cases"):
#   scripts/bench/explain.sh [sqlite|postgres]
# Creates a scratch database with the real migrations (`rujukan migrate`), fills it with synthetic
# rows in SQL (fill-sqlite.sql / fill-postgres.sql: CASES cases over 120 agencies, one handoff for
# 65 % of them, AUDIT audit entries), runs ANALYZE, then prints the plan of each list's statement
# (queries.sh: the SQL diesel sends, with realistic values bound) and how long it took.
#   PostgreSQL: EXPLAIN (ANALYZE, BUFFERS), after one warm-up run.
#   SQLite:     EXPLAIN QUERY PLAN, and the median of five runs after one warm-up run.
# Environment:
#   CASES=1000000 AUDIT=3000000   sizes
#   KEEP=1                        keep the scratch database (its path or name is printed)
#   DB=<file or database name>    use (and keep) this database; if it is already filled, only the
#                                 pending migrations run, then ANALYZE and the plans (so a new
#                                 index migration can be compared on the same rows)
#   ONLY=<name>                   only the queries whose name contains this
# PostgreSQL: the local server on 127.0.0.1:5432 (user postgres).
set -euo pipefail
cd "$(dirname "$0")/../.."
backend="${1:-sqlite}"
case "$backend" in sqlite | postgres) ;; *)
  echo "usage: scripts/bench/explain.sh [sqlite|postgres]" >&2
  exit 2
  ;;
esac
cases="${CASES:-1000000}"
audit="${AUDIT:-3000000}"
cargo build --quiet --bin rujukan
bin="${CARGO_TARGET_DIR:-target}/debug/rujukan"
export RUJUKAN_ENV=development RUST_LOG=warn

if [ "$backend" = sqlite ]; then
  if [ -n "${DB:-}" ]; then
    file="$DB"
  else
    file="$(mktemp -d)/explain.db"
    [ -n "${KEEP:-}" ] || trap 'rm -rf "$(dirname "$file")"' EXIT
  fi
  url="sqlite://$file"
  run_sql() { sqlite3 -bail "$file"; }
  count() { sqlite3 "$file" "SELECT count(*) FROM $1"; }
else
  name="${DB:-rujukan_explain_$$}"
  if [ -z "${DB:-}" ] && [ -z "${KEEP:-}" ]; then
    trap 'psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1' EXIT
  fi
  psql -h 127.0.0.1 -U postgres -qtc "SELECT 1 FROM pg_database WHERE datname = '$name'" |
    grep -q 1 || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $name"
  url="postgres://postgres@127.0.0.1:5432/$name"
  run_sql() { psql -h 127.0.0.1 -U postgres -d "$name" -q -v ON_ERROR_STOP=1 "$@"; }
  count() { psql -h 127.0.0.1 -U postgres -d "$name" -qtAc "SELECT count(*) FROM $1"; }
fi
echo "database: $url"
$bin migrate --database-url "$url" >/dev/null

if [ "$(count cases)" = 0 ]; then
  echo "filling $cases cases, their handoffs and $audit audit entries…"
  start=$(date +%s)
  if [ "$backend" = sqlite ]; then
    sed -e "s/@CASES@/$cases/g" -e "s/@AUDIT@/$audit/g" scripts/bench/fill-sqlite.sql | run_sql
  else
    run_sql -1 -v cases="$cases" -v audit="$audit" -f scripts/bench/fill-postgres.sql >/dev/null
  fi
  echo "filled in $(($(date +%s) - start)) s"
fi
for table in cases handoffs audit_events case_assignments; do
  echo "  $table: $(count "$table") rows"
done
if [ "$backend" = sqlite ]; then
  echo "ANALYZE;" | run_sql
else
  run_sql -c "VACUUM ANALYZE"
fi

# shellcheck source=queries.sh
. scripts/bench/queries.sh
queries "$backend" | python3 scripts/bench/plans.py "$backend" "${file:-${name:-}}" "${ONLY:-}"
