#!/usr/bin/env bash
# The benchmark of issue 18 (docs/PERFORMANCE.md, "The benchmark (scripts/bench/run.sh)"):
#   scripts/bench/run.sh sqlite|postgres
#
# 1. Uses the seeded database DB, or seeds a scratch one with `rujukan demo seed --cases CASES`.
# 2. Adds two benchmark users with a known password (bench.caseworker of UPTD-PPA-JATENG,
#    bench.investigator of POLDA-JATENG) unless they exist, starts `rujukan serve` (release) on a
#    free loopback port, times start-up to the first 200 of /readyz, logs both users in through
#    the API (tokens) and through the web login form (session cookies).
# 3. Reads with wrk (-t2 -c32, DURATION s each, ROUNDS rounds round-robin over the endpoints,
#    medians reported, the load average recorded before each round): the API case read over many
#    case ids, the API inbox and case list of the police, the web inbox and the web case page.
# 4. Handoff create + accept pairs/s at 1, 4 and 16 concurrent clients (pairs.py).
# 5. The same writes as minimal SQL on a copy of the database (baseline.py), and the ratios.
# 6. Peak memory (VmHWM) of `serve`.
# 7. A Markdown table on standard output and in OUT.
#
# Environment:
#   DB=<file or name>   an existing seeded database (SQLite file / PostgreSQL database name on
#                       127.0.0.1:5432, user postgres); it keeps the benchmark's users and cases
#   DATA_DIR=<dir>      the storage.data_dir whose secrets/data_key sealed DB's rows (default: the
#                       scratch run's own folder; with DB, ./data, where `rujukan` run from the
#                       repository keeps it)
#   CASES=1000000       cases to seed when DB is not given
#   KEEP=1              keep the scratch database this run seeded (its path or name is printed)
#   DURATION=10         seconds per wrk run          ROUNDS=3     rounds of the reads
#   IDS=2000            case ids the case reads rotate through
#   PAIRS=320           handoff pairs per client level   LEVELS=1,4,16   client levels
#   BASELINE=0          skip the minimal-SQL baseline    NO_BUILD=1   use the binary as it is
#   OUT=<file>          the report (default /tmp/rujukan-bench-<backend>-<time>.md)
# Needs wrk, curl, python3 (and psycopg for the PostgreSQL baseline: pip install "psycopg[binary]"),
# sqlite3 or psql.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$(pwd)"
backend="${1:-}"
case "$backend" in sqlite | postgres) ;; *)
  echo "usage: scripts/bench/run.sh sqlite|postgres   (options in the environment: see the script)" >&2
  exit 2
  ;;
esac
for tool in wrk curl python3 "$([ "$backend" = sqlite ] && echo sqlite3 || echo psql)"; do
  command -v "$tool" >/dev/null || {
    echo "missing $tool (apt-get install -y wrk curl sqlite3 postgresql-client)" >&2
    exit 1
  }
done

cases="${CASES:-1000000}"
duration="${DURATION:-10}"
rounds="${ROUNDS:-3}"
id_count="${IDS:-2000}"
pairs="${PAIRS:-320}"
levels="${LEVELS:-1,4,16}"
started_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
out="${OUT:-/tmp/rujukan-bench-$backend-$(date -u +%Y%m%dT%H%M%SZ).md}"
work="$(mktemp -d /tmp/rujukan-bench.XXXXXX)"
password="bench kopi tubruk di pelabuhan tanjung emas 2026"
pg=(-h 127.0.0.1 -U postgres)
say() { echo "== $*" >&2; }
die() {
  echo "error: $*" >&2
  exit 1
}
meta() { printf '%s\t%s\n' "$1" "$2" >>"$work/meta.tsv"; }

# The release binary (a no-op when it is up to date).
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin rujukan
bin="${CARGO_TARGET_DIR:-$repo/target}/release/rujukan"
case "$bin" in /*) ;; *) bin="$repo/$bin" ;; esac
[ -x "$bin" ] || die "no release binary at $bin"
export RUJUKAN_ENV=development RUST_LOG=warn

# --- 1. The database: given, or seeded now ---------------------------------------------------
seeded_here=""
if [ "$backend" = sqlite ]; then
  if [ -n "${DB:-}" ]; then
    file="$(realpath "$DB")"
    [ -f "$file" ] || die "no SQLite file $DB"
  else
    file="$work/bench.db"
    seeded_here=1
  fi
  url="sqlite://$file"
  sql() { sqlite3 -bail "$file" "$1"; }
else
  if [ -n "${DB:-}" ]; then
    name="$DB"
    psql "${pg[@]}" -qAtc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 ||
      die "no PostgreSQL database $name"
  else
    name="rujukan_bench_$$"
    psql "${pg[@]}" -qc "CREATE DATABASE $name"
    seeded_here=1
  fi
  url="postgres://postgres@127.0.0.1:5432/$name"
  sql() { psql "${pg[@]}" -d "$name" -qAtc "$1"; }
fi
if [ -n "${DATA_DIR:-}" ]; then
  data_dir="$(realpath -m "$DATA_DIR")"
elif [ -n "$seeded_here" ]; then
  data_dir="$work/data"
else
  data_dir="$repo/data"
fi
export RUJUKAN_DATABASE__URL="$url" RUJUKAN_STORAGE__DATA_DIR="$data_dir"

server=""
copy=""
cleanup() {
  local status=$?
  if [ "$status" != 0 ] && [ -s "$work/serve.log" ]; then
    echo "-- last lines of the server's log:" >&2
    tail -20 "$work/serve.log" >&2
  fi
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [ "$backend" = postgres ] && [ -n "$copy" ]; then
    psql "${pg[@]}" -qc "DROP DATABASE IF EXISTS $copy" >/dev/null 2>&1 || true
  fi
  if [ -n "$seeded_here" ] && [ -z "${KEEP:-}" ]; then
    [ "$backend" = postgres ] && psql "${pg[@]}" -qc "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1
    rm -rf "$work"
  elif [ -n "$seeded_here" ]; then
    echo "kept: ${file:-$name} (data dir $data_dir); rerun with DB=${file:-$name} DATA_DIR=$data_dir" >&2
    rm -f "$work"/*.tsv "$work"/*.json "$work"/*.out "$work"/*.txt
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

if [ -n "$seeded_here" ]; then
  say "seeding $cases cases into $url"
  t0=$(date +%s)
  "$bin" demo seed --cases "$cases" --database-url "$url" >"$work/seed.log"
  meta seed "$cases cases in $(($(date +%s) - t0)) s ($(tail -1 "$work/seed.log"))"
fi
meta backend "$backend"
meta when "$started_at"
meta database "${file:-$name}"
meta cases "$(sql "SELECT count(*) FROM cases") / $(sql "SELECT count(*) FROM handoffs") / $(sql "SELECT count(*) FROM audit_events")"
meta commit "$(git rev-parse --short HEAD)"
meta machine "$(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, server and load generator on the same cores"
meta rounds "$rounds"
meta pairs "$pairs"
meta wrk "wrk -t2 -c32 -d${duration}s --latency (--timeout 10s)"

# --- 2. Users, server, logins ------------------------------------------------------------------
# Two users with a known password: `user add` reads it from standard input; a later run on the
# same database finds them and uses the same password.
add_user() {
  if [ "$(sql "SELECT count(*) FROM users WHERE username = '$1'")" = 0 ]; then
    echo "$password" | "$bin" user add --username "$1" --agency "$2" --role "$3" >/dev/null
  fi
}
add_user bench.caseworker UPTD-PPA-JATENG caseworker
add_user bench.investigator POLDA-JATENG investigator

# The cases the caseworker's case reads rotate through: a random sample of her agency's cases.
sql "SELECT c.id FROM cases c JOIN agencies a ON a.id = c.owner_agency_id
     WHERE a.code = 'UPTD-PPA-JATENG' ORDER BY random() LIMIT $id_count" >"$work/ids.txt"
[ -s "$work/ids.txt" ] || die "no case of UPTD-PPA-JATENG in the database"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
say "serving $url on $base (data dir $data_dir)"
t0=$(date +%s%N)
"$bin" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
until curl -fs -o /dev/null "$base/readyz"; do
  kill -0 "$server" 2>/dev/null || {
    tail -5 "$work/serve.log" >&2
    die "serve exited"
  }
  [ $((($(date +%s%N) - t0) / 1000000000)) -lt 300 ] || die "not ready within 300 s"
  sleep 0.01
done
ready_ms=$((($(date +%s%N) - t0) / 1000000))
meta ready_ms "$ready_ms ms (polled every 10 ms)"
say "ready in $ready_ms ms"

# A busy server may answer 503 (no pooled connection within 3 s): try up to ten times.
api_login() {
  local answer
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    if answer=$(curl -fsS "$base/api/v1/auth/login" -H 'content-type: application/json' \
      -d "{\"username\":\"$1\",\"password\":\"$password\"}"); then
      python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' <<<"$answer"
      return
    fi
    sleep 2
  done
  die "could not log $1 in"
}
# The web login form: GET /login sets a CSRF cookie equal to the form's hidden field; the POST
# answers 303 with the session cookie.
web_login() {
  local token
  token=$(curl -fsS "$base/login" | grep -o 'name="csrf_token" value="[^"]*"' | sed 's/.*value="//; s/"$//')
  curl -sS -o /dev/null -D - "$base/login" -H "Cookie: rujukan_login_csrf=$token" \
    --data-urlencode "csrf_token=$token" --data-urlencode "username=$1" \
    --data-urlencode "password=$password" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(rujukan_session=[^;]*\).*/\1/p'
}
cw_token=$(api_login bench.caseworker)
inv_token=$(api_login bench.investigator)
cw_cookie=$(web_login bench.caseworker)
inv_cookie=$(web_login bench.investigator)
[ -n "$cw_cookie" ] && [ -n "$inv_cookie" ] || die "web login gave no session cookie"

# One request of each kind first: a case the server cannot open (DATA_DIR of another data key)
# or a refused page would otherwise only show as non-2xx counts.
check() {
  local code
  code=$(curl -s -o "$work/check.out" -w '%{http_code}' "$@")
  [ "$code" = 200 ] || {
    head -c 400 "$work/check.out" >&2
    echo >&2
    die "${*: -1} answered $code (is DATA_DIR the data dir whose key sealed this database?)"
  }
}
first_id=$(head -1 "$work/ids.txt")
check -H "authorization: Bearer $cw_token" "$base/api/v1/cases/$first_id"
check -H "authorization: Bearer $inv_token" "$base/api/v1/handoffs"
check -H "authorization: Bearer $inv_token" "$base/api/v1/cases"
check -H "Cookie: $inv_cookie" "$base/inbox"
check -H "Cookie: $cw_cookie" "$base/cases/$first_id"

# --- 3. Reads: ROUNDS rounds, each endpoint once per round, in the same order -------------------
# Before each wrk run, wait (up to 60 s) until /readyz answers within 50 ms: requests left in the
# server by the previous run (a slow list) would otherwise be served during this one.
settle() {
  local waited=0
  until [ "$(curl -s -o /dev/null -w '%{time_total}' "$base/readyz" | awk '{print ($1 < 0.05)}')" = 1 ]; do
    sleep 0.5
    waited=$((waited + 1))
    [ "$waited" -lt 120 ] || break
  done
}
measure() { # key round url auth cookie ids-file
  settle
  BENCH_AUTH="$4" BENCH_COOKIE="$5" BENCH_IDS="$6" \
    wrk -t2 -c32 -d"${duration}s" --timeout 10s --latency -s scripts/bench/wrk.lua "$3" >"$work/wrk.out"
  local rps p50 p99 non2xx timeouts
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.out")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.out")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.out")
  timeouts=$(sed -n 's/.*timeout \([0-9]*\).*/\1/p' "$work/wrk.out")
  statuses=$(sed -n 's/^statuses other than 2xx: //p' "$work/wrk.out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$rps" "$p50" "$p99" "${non2xx:-0}" "${timeouts:-0}" \
    "${statuses:-none}" >>"$work/reads.tsv"
  say "round $2 $1: $rps req/s, p50 $p50, p99 $p99, non-2xx ${non2xx:-0} (${statuses:-none}), timeouts ${timeouts:-0}"
}
for round in $(seq 1 "$rounds"); do
  printf '%s\t%s\n' "$round" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$work/loads.tsv"
  # Access tokens last 15 minutes: a fresh pair each round, once the server is idle.
  settle
  cw_token=$(api_login bench.caseworker)
  inv_token=$(api_login bench.investigator)
  measure api_case "$round" "$base/api/v1/cases/" "Bearer $cw_token" "" "$work/ids.txt"
  measure api_inbox "$round" "$base/api/v1/handoffs" "Bearer $inv_token" "" ""
  measure api_cases "$round" "$base/api/v1/cases" "Bearer $inv_token" "" ""
  measure web_inbox "$round" "$base/inbox" "" "$inv_cookie" ""
  measure web_case "$round" "$base/cases/" "" "$cw_cookie" "$work/ids.txt"
done
hwm_reads=$(awk '/^VmHWM/ {print $2}' "/proc/$server/status")

# --- 4. Writes through the API: create + accept pairs -------------------------------------------
meta load_writes "$(cut -d' ' -f1-3 /proc/loadavg)"
say "handoff pairs through the API ($pairs per level, clients $levels)"
cw_token=$(api_login bench.caseworker)
inv_token=$(api_login bench.investigator)
python3 scripts/bench/pairs.py --base "$base" --caseworker-token "$cw_token" \
  --investigator-token "$inv_token" --levels "$levels" --pairs "$pairs" >"$work/pairs.json" ||
  say "some pairs failed (see the errors column)"

# --- 6. Peak memory, then stop the server -----------------------------------------------------
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$server/status")
meta rss "$((hwm / 1024)) MB over the whole run ($((hwm_reads / 1024)) MB after the reads)"
kill -TERM "$server"
wait "$server" || true
server=""

# --- 5. The minimal-SQL baseline, on a copy (audit entries cannot be deleted) --------------------
if [ "${BASELINE:-1}" != 0 ]; then
  say "minimal-SQL baseline on a copy of the database"
  if [ "$backend" = sqlite ]; then
    copy="$work/baseline.db"
    sqlite3 "$file" ".backup '$copy'"
    target="$copy"
  else
    copy="${name}_baseline_$$"
    psql "${pg[@]}" -qc "CREATE DATABASE $copy TEMPLATE $name"
    target="host=127.0.0.1 user=postgres dbname=$copy"
  fi
  python3 scripts/bench/baseline.py "$backend" "$target" <"$work/pairs.json" >"$work/baseline.json" ||
    say "some baseline pairs failed"
  if [ "$backend" = sqlite ]; then
    rm -f "$copy" "$copy-wal" "$copy-shm"
  else
    psql "${pg[@]}" -qc "DROP DATABASE $copy"
  fi
  copy=""
fi

# --- 7. The report ----------------------------------------------------------------------------
python3 scripts/bench/report.py "$work" | tee "$out"
echo "report written to $out" >&2
