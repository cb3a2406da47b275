#!/usr/bin/env bash
# API conformance: serves Rujukan with the demo data on SQLite and on PostgreSQL and runs schemathesis
# against the served /api/v1/openapi.json. It fails when an operation answers a server error (5xx other
# than the documented 503), a status or a content type the document does not declare, or a JSON body
# that does not match the declared schema.
#
#   scripts/api-conformance.sh                     # both backends
#   scripts/api-conformance.sh sqlite              # one of them
#
# Settings (environment):
#   RUJUKAN_BIN                  the binary to serve (default: target/debug/rujukan, brought up to date
#                                with `cargo test --no-run`, a no-op right after the test suite)
#   CONFORMANCE_POSTGRES_URL     a PostgreSQL server to create and drop a scratch database on
#                                (default postgres://postgres@127.0.0.1:5432/postgres)
#   CONFORMANCE_EXAMPLES         examples per operation (default 25)
#   CONFORMANCE_SEED             the generator's seed (default 20261201)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"

SCHEMATHESIS_VERSION="4.32.5"
BIN="${RUJUKAN_BIN:-}"
PG_ADMIN_URL="${CONFORMANCE_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
EXAMPLES="${CONFORMANCE_EXAMPLES:-25}"
SEED="${CONFORMANCE_SEED:-20261201}"
BACKENDS=("$@")
[ ${#BACKENDS[@]} -gt 0 ] || BACKENDS=(sqlite postgres)

say() { printf '== %s\n' "$*"; }

# schemathesis from PyPI, at the version the checks below were written for.
if [ "$(python3 -c 'import schemathesis; print(schemathesis.__version__)' 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ]; then
    say "installing schemathesis $SCHEMATHESIS_VERSION"
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
SCHEMATHESIS=(python3 -c 'import sys; from schemathesis.cli import schemathesis as cli; sys.argv[0] = "schemathesis"; sys.exit(cli())')

if [ -z "$BIN" ]; then
    # The debug binary as the test suite builds it: `cargo build` would compile the dependencies
    # again with other features (those of the dev-dependencies are left out), and the next test
    # run would compile them back.
    cargo test --no-run --quiet
    BIN="${CARGO_TARGET_DIR:-target}/debug/rujukan"
fi
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 1; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

WORK="$(mktemp -d -t rujukan-conformance.XXXXXX)"
SERVER_PID=""
CHECKER_PID=""
SCRATCH_DB=""
stop_checker() {
    if [ -n "$CHECKER_PID" ]; then
        kill "$CHECKER_PID" 2>/dev/null || true
        wait "$CHECKER_PID" 2>/dev/null || true
        CHECKER_PID=""
    fi
}
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
drop_scratch_db() {
    if [ -n "$SCRATCH_DB" ]; then
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$SCRATCH_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
        SCRATCH_DB=""
    fi
}
cleanup() {
    stop_checker
    stop_server
    drop_scratch_db
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Logs in and prints the access token.
token() {
    local address="$1" username="$2" password="$3"
    curl -sf -X POST "$address/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"username\": \"$username\", \"password\": \"$password\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Stateless phases; the seed and the number of examples make a run repeatable. It runs in the
# background so that an interrupt stops it at once (the trap cleans up).
run_schemathesis() {
    local address="$1" bearer="$2" status=0
    shift 2
    (cd "$WORK" && exec "${SCHEMATHESIS[@]}" run "$address/api/v1/openapi.json" \
        --header "Authorization: Bearer $bearer" \
        --checks "$CHECKS" \
        --phases examples,coverage,fuzzing \
        --max-examples "$EXAMPLES" \
        --seed "$SEED" \
        --generation-database none \
        --workers 2 \
        --request-timeout 30 \
        --no-color \
        "$@") &
    CHECKER_PID=$!
    wait "$CHECKER_PID" || status=$?
    CHECKER_PID=""
    return "$status"
}

# One backend: a fresh database with the demo data and a user of its own, the server, schemathesis.
# (Called as a condition, where `set -e` does not apply: each step checks its own failure.)
conform() {
    local backend="$1" dir="$WORK/$1" url
    mkdir -p "$dir"
    case "$backend" in
        sqlite) url="sqlite://$dir/rujukan.db" ;;
        postgres)
            SCRATCH_DB="rujukan_conformance_$$_$(date +%s)"
            psql "$PG_ADMIN_URL" -qc "CREATE DATABASE \"$SCRATCH_DB\"" >/dev/null || return 1
            url="${PG_ADMIN_URL%/*}/$SCRATCH_DB"
            ;;
        *) echo "unknown backend $backend (sqlite or postgres)" >&2; return 2 ;;
    esac
    local port address
    port="$(free_port)"
    address="http://127.0.0.1:$port"
    export RUJUKAN_DATABASE__URL="$url" RUJUKAN_STORAGE__DATA_DIR="$dir/data" \
        RUJUKAN_SERVER__BIND="127.0.0.1:$port" RUJUKAN_SERVER__SHUTDOWN_TIMEOUT_SECS=5 \
        RUJUKAN_LOG__FILTER="warn" RUJUKAN_LOG__FORMAT="pretty"

    say "$backend: demo data"
    "$BIN" demo seed --cases 24 --seed 2026 >"$dir/seed.log" || return 1
    # The run's own account: it takes cases in, supervises and administers its agency, so that
    # most operations answer more than 403. Its password is read from standard input.
    local password
    password="conformance $(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
    printf '%s\n' "$password" | "$BIN" user add --username conformance.check --agency UPTD-PPA-JATENG \
        --role caseworker --role supervisor --role agency_admin >/dev/null || return 1

    say "$backend: serving on $address"
    "$BIN" serve >"$dir/server.log" 2>&1 &
    SERVER_PID=$!
    local ready=""
    for _ in $(seq 1 120); do
        if curl -sf "$address/readyz" >/dev/null 2>&1; then ready=yes; break; fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.5
    done
    if [ -z "$ready" ]; then
        echo "$backend: the server did not become ready; its log:" >&2
        tail -n 40 "$dir/server.log" >&2
        return 1
    fi

    # Two sessions: one for every operation, one for the operations that end the session.
    local main ending status=0
    main="$(token "$address" conformance.check "$password")" || return 1
    ending="$(token "$address" conformance.check "$password")" || return 1
    say "$backend: schemathesis ($EXAMPLES examples per operation, seed $SEED)"
    run_schemathesis "$address" "$main" \
        --exclude-operation-id logout --exclude-operation-id close_web_session || status=$?
    if [ "$status" -eq 0 ]; then
        say "$backend: schemathesis on the operations that end the session"
        run_schemathesis "$address" "$ending" \
            --include-operation-id logout --include-operation-id close_web_session || status=$?
    fi
    if grep -q "panicked" "$dir/server.log"; then
        echo "$backend: the server log shows a panic" >&2
        status=1
    fi
    if [ "$status" -ne 0 ]; then
        echo "$backend: errors in the server log:" >&2
        grep -E "ERROR|panicked" "$dir/server.log" | tail -n 20 >&2 || true
    fi
    stop_server
    drop_scratch_db
    return "$status"
}

passed=0
failed=0
started=$(date +%s)
for backend in "${BACKENDS[@]}"; do
    if conform "$backend"; then
        passed=$((passed + 1))
        say "$backend: conforms"
    else
        failed=$((failed + 1))
        say "$backend: FAILED"
    fi
done
say "API conformance took $(($(date +%s) - started)) s"
echo "api-conformance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
