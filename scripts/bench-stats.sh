#!/usr/bin/env bash
# Measures every statistics indicator at CASES cases (default 1 000 000) on SQLite and PostgreSQL,
# with a release build on this machine, and how long `rujukan stats rebuild` takes.
#   scripts/bench-stats.sh [CASES]
#   SQLITE_DB=seeded.db scripts/bench-stats.sh     # reuse a database filled by `rujukan demo seed`
#   SYNTHETIC_CASES=0 scripts/bench-stats.sh        # skip the synthetic spread
# The cases come from `rujukan demo seed` on SQLite, which keeps the counts as each case and handoff
# is written (through the same services as the API). PostgreSQL gets the agencies and the kept counts
# copied in (COPY): an answer reads only those. Needs the local PostgreSQL on 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-1000000}"
cargo build --release --quiet --bench stats
work="$(mktemp -d)"
db="rujukan_stats_bench_$$"
trap 'psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; rm -rf "$work"' EXIT
export RUJUKAN_ENV=development RUJUKAN_STORAGE__DATA_DIR="$work/data" RUST_LOG=warn
bin=target/release/rujukan
bench="$(ls -t target/release/deps/stats-* | grep -v '\.d$' | head -1)"
sqlite="sqlite://$work/rujukan.db"
postgres="postgres://postgres@127.0.0.1:5432/$db"

if [ -n "${SQLITE_DB:-}" ]; then
  cp "$SQLITE_DB" "$work/rujukan.db"
else
  echo "seeding $cases cases into SQLite…"
  /usr/bin/time -f "  seeding: %e s wall" $bin demo seed --cases "$cases" --database-url "$sqlite" | tail -1
fi
python3 - "$work/rujukan.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
print("  cases:", con.execute("SELECT COUNT(*) FROM cases").fetchone()[0],
      "handoffs:", con.execute("SELECT COUNT(*) FROM handoffs").fetchone()[0],
      "count rows:", con.execute("SELECT COUNT(*) FROM stats_rollup").fetchone()[0])
PY
echo "SQLite:"
/usr/bin/time -f "  rebuild: %e s wall, %M KiB peak memory" $bin stats rebuild --database-url "$sqlite"
RUJUKAN_BENCH_DATABASE_URL="$sqlite" "$bench" | sed 's/^/  /'

psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
$bin migrate --database-url "$postgres" >/dev/null
python3 - "$work/rujukan.db" "$work" <<'PY'
import csv, sqlite3, sys
source, work = sys.argv[1], sys.argv[2]
con = sqlite3.connect(source)
for table in ["agencies", "stats_rollup"]:
    cur = con.execute(f"SELECT * FROM {table}")
    with open(f"{work}/{table}.csv", "w", newline="") as f:
        w = csv.writer(f)
        for row in cur:
            w.writerow(["\\N" if v is None else v for v in row])
PY
for table in agencies stats_rollup; do
  psql -h 127.0.0.1 -U postgres -d "$db" -qc "\\copy $table FROM '$work/$table.csv' WITH (FORMAT csv, NULL '\\N')"
done
psql -h 127.0.0.1 -U postgres -d "$db" -qc "ANALYZE"
echo "PostgreSQL:"
RUJUKAN_BENCH_DATABASE_URL="$postgres" "$bench" | sed 's/^/  /'

# The demo data comes from one province, two agencies and sixty days: few count rows. The same
# measurements on the counts of a million synthetic cases spread over 36 months, 2 provinces, 120
# agencies and 60 districts (about 1.2 million count rows) show the cost at a real spread.
synthetic="${SYNTHETIC_CASES:-1000000}"
[ "$synthetic" -gt 0 ] || exit 0
echo "synthetic counts of $synthetic cases, SQLite:"
$bin migrate --database-url "sqlite://$work/synthetic.db" >/dev/null
RUJUKAN_BENCH_SYNTHETIC_CASES="$synthetic" RUJUKAN_BENCH_DATABASE_URL="sqlite://$work/synthetic.db" "$bench" | grep -v '^suppress' | sed 's/^/  /'
echo "synthetic counts of $synthetic cases, PostgreSQL:"
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE ${db}_syn"
trap 'psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS ${db}_syn" >/dev/null 2>&1; rm -rf "$work"' EXIT
$bin migrate --database-url "${postgres}_syn" >/dev/null
RUJUKAN_BENCH_SYNTHETIC_CASES="$synthetic" RUJUKAN_BENCH_DATABASE_URL="${postgres}_syn" "$bench" | grep -v '^suppress' | sed 's/^/  /'
