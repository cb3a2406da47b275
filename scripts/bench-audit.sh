#!/usr/bin/env bash
# Measures `rujukan audit checkpoint` and `rujukan audit verify` on about ENTRIES audit entries
# (default 1 000 000), on SQLite and on PostgreSQL, with a release build on this machine.
#   scripts/bench-audit.sh [ENTRIES]
#   SQLITE_DB=seeded.db RUJUKAN_STORAGE__DATA_DIR=its/data scripts/bench-audit.sh   # reuse a seeded database and its keys
# The trail comes from `rujukan demo seed` on SQLite (about 3.2 entries per case). PostgreSQL gets
# the same rows copied in (COPY), which is much faster than seeding it again; their hashes are the
# same, so both databases verify the same chains. Needs the local PostgreSQL on 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
entries="${1:-1000000}"
cases=$(( entries * 10 / 32 ))
cargo build --release --quiet
work="$(mktemp -d)"
db="rujukan_bench_$$"
trap 'psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; rm -rf "$work"' EXIT
export RUJUKAN_ENV=development RUJUKAN_STORAGE__DATA_DIR="${RUJUKAN_STORAGE__DATA_DIR:-$work/data}" RUST_LOG=warn
bin=target/release/rujukan
sqlite="sqlite://$work/rujukan.db"
postgres="postgres://postgres@127.0.0.1:5432/$db"

if [ -n "${SQLITE_DB:-}" ]; then
  cp "$SQLITE_DB" "$work/rujukan.db"
else
  echo "seeding $cases cases into SQLite…"
  $bin demo seed --cases "$cases" --database-url "$sqlite" | tail -1
fi
echo "SQLite:"
/usr/bin/time -f "  first checkpoint: %e s wall" $bin audit checkpoint --database-url "$sqlite" >/dev/null
/usr/bin/time -f "  verify: %e s wall, %M KiB peak memory" $bin audit verify --database-url "$sqlite"

psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
$bin migrate --database-url "$postgres" >/dev/null
echo "copying the trail into PostgreSQL…"
python3 - "$work/rujukan.db" "$work" <<'PY'
import csv, sqlite3, sys
source, work = sys.argv[1], sys.argv[2]
con = sqlite3.connect(source)
for table in ["audit_events", "audit_stream_heads"]:
    cur = con.execute(f"SELECT * FROM {table} ORDER BY 1")
    with open(f"{work}/{table}.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([c[0] for c in cur.description])
        for row in cur:
            writer.writerow(["\\N" if v is None else v for v in row])
PY
for table in audit_events audit_stream_heads; do
  psql -h 127.0.0.1 -U postgres -d "$db" -qc "\\copy $table FROM '$work/$table.csv' WITH (FORMAT csv, HEADER true, NULL '\\N')"
done
psql -h 127.0.0.1 -U postgres -d "$db" -qc "SELECT setval(pg_get_serial_sequence('audit_events', 'id'), (SELECT max(id) FROM audit_events)); ANALYZE audit_events;" >/dev/null
echo "PostgreSQL:"
/usr/bin/time -f "  first checkpoint: %e s wall" $bin audit checkpoint --database-url "$postgres" >/dev/null
/usr/bin/time -f "  verify: %e s wall, %M KiB peak memory" $bin audit verify --database-url "$postgres"
