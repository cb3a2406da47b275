#!/usr/bin/env bash
# Load test of a release build on this machine (loopback only, bounded in time).
#   scripts/load.sh [sqlite|postgres]
# Needs wrk (apt-get install wrk) and, for postgres, the local server on 127.0.0.1:5432.
# Prints requests/second and latency percentiles for: /healthz, /readyz, reading one case, taking a case
# in (POST /api/v1/cases), and the login time of a known user with a wrong password vs an unknown user.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
duration="${DURATION:-10s}"
command -v wrk >/dev/null || { echo "install wrk first: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
work="$(mktemp -d)"
port=18080
case "$backend" in
  sqlite) url="sqlite://$work/rujukan.db" ;;
  postgres)
    db="rujukan_load_$$"
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
    url="postgres://postgres@127.0.0.1:5432/$db" ;;
  *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac
export RUJUKAN_ENV=development RUJUKAN_STORAGE__DATA_DIR="$work/data" RUJUKAN_DATABASE__URL="$url" RUST_LOG=warn
bin=target/release/rujukan
password="kopi tubruk di pelabuhan tanjung emas"
$bin agency import >/dev/null
echo "$password" | $bin user add --username load.cw --agency UPTD-PPA-JATENG --role caseworker >/dev/null
$bin serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; [ "$backend" = postgres ] && psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db"; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
base="http://127.0.0.1:$port"
token=$(curl -fs "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"load.cw\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
case_id=$(curl -fs "$base/api/v1/cases" -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"survivor":{"full_name":"Load Test","nik":"3374015703940001"},"incidents":[{"forms":["physical"]}]}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $token"
wrk.body = '{"survivor":{"full_name":"Load Test Survivor","date_of_birth":"1994-03-17"},"risk_level":"high","incidents":[{"forms":["physical","sexual"],"country":"MY"}]}'
LUA
run() { echo "== $1"; shift; wrk --latency -t2 -c16 -d"$duration" "$@" | grep -E 'Requests/sec|50%|90%|99%|Non-2xx'; }
echo "backend: $backend ($(nproc) cores)"
run "GET /healthz" "$base/healthz"
run "GET /readyz" "$base/readyz"
run "GET /api/v1/cases/{id}" -H "authorization: Bearer $token" "$base/api/v1/cases/$case_id"
run "POST /api/v1/cases (intake)" -s "$work/post.lua" "$base/api/v1/cases"
echo "== login timing (4 each, ms): known user + wrong password vs unknown user"
python3 - "$base" <<'PY'
import json, statistics, sys, time, urllib.request, urllib.error
base = sys.argv[1]
def login(user):
    body = json.dumps({"username": user, "password": "definitely wrong pass"}).encode()
    req = urllib.request.Request(base + "/api/v1/auth/login", data=body, headers={"content-type": "application/json"})
    t = time.perf_counter()
    try:
        urllib.request.urlopen(req)
    except urllib.error.HTTPError as e:
        assert e.code in (401, 423), e.code
    return (time.perf_counter() - t) * 1000
# New usernames each time, so lockout does not interfere.
known = [login("load.cw") for _ in range(4)]
unknown = [login(f"nobody{i}") for i in range(4)]
print(f"known user, wrong password: median {statistics.median(known):.1f} ms over {len(known)} (lockout stops more)")
print(f"unknown user:               median {statistics.median(unknown):.1f} ms over {len(unknown)}")
PY
