#!/usr/bin/env bash
# The import rate for 10,000 bcrypt users (issue 18), on SQLite and on PostgreSQL (+ Redis): once through the admin
# API (one POST of 10,000 JSON lines) and once through `latchkey users import FILE`, each on a fresh database.
#
#   bash bench/import.sh                                   # builds the release binary first
#   BENCH_BIN_DIR=/work/bench-target/release bash bench/import.sh
#
# Options (environment): BENCH_IMPORT_USERS=10000, BENCH_PORT=18091, BENCH_POSTGRES=1,
# BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres, BENCH_REDIS_URL=redis://127.0.0.1:6379.
#
# The hashes are well-formed bcrypt strings of cost 12 with random salts and outputs: an import checks each hash's
# format and cost and stores it, it never computes one, so whether a hash is anyone's password does not change the
# rate (the tests sign in with real ones: tests/api/user_import.rs). Everything runs against 127.0.0.1 and every
# step has a timeout. The result is printed and written to bench/results/import-latest.json.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
USERS=${BENCH_IMPORT_USERS:-10000}
HOST=127.0.0.1
PORT=${BENCH_PORT:-18091}
POSTGRES=${BENCH_POSTGRES:-1}
POSTGRES_URL=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS_URL=${BENCH_REDIS_URL-redis://127.0.0.1:6379}
BIN_DIR=${BENCH_BIN_DIR:-}
BASE_URL="http://$HOST:$PORT"

log() { printf '[import bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

if [[ -z $BIN_DIR ]]; then
    log "building: cargo build --release --bins"
    (cd "$REPO" && timeout 3600 cargo build --release --bins) || die "cargo build failed"
    BIN_DIR=${CARGO_TARGET_DIR:-$REPO/target}/release
fi
BIN="$BIN_DIR/latchkey"
[[ -x $BIN ]] || die "no latchkey binary in $BIN_DIR"
if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then die "something listens on $HOST:$PORT (set BENCH_PORT)"; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-import-bench.XXXXXX")
SERVER_PID=""
PG_DB=""
cleanup() {
    if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [[ -n $PG_DB ]]; then
        timeout 60 psql -X -q -d "$POSTGRES_URL" -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Two files of $USERS rows each (one per surface, so that both create every user), in JSON lines.
python3 - "$WORK" "$USERS" <<'PY'
import json, os, random, string, sys
work, users = sys.argv[1], int(sys.argv[2])
alphabet = "./" + string.ascii_letters + string.digits
rnd = random.SystemRandom()
for surface in ("api", "cli"):
    with open(os.path.join(work, f"{surface}.jsonl"), "w") as out:
        for i in range(users):
            hash_ = "$2b$12$" + "".join(rnd.choice(alphabet) for _ in range(53))
            row = {"email": f"{surface}-user-{i}@example.org", "username": f"{surface}_user_{i}",
                   "roles": ["customer"], "password_hash": hash_}
            out.write(json.dumps(row) + "\n")
PY

now_ms() { date +%s%3N; }

start_server() {
    (cd "$WORK" && exec env "${ENV[@]}" "$BIN" serve) >"$WORK/server-$BACKEND.log" 2>&1 &
    SERVER_PID=$!
    local started
    started=$(date +%s)
    until curl -fsS --max-time 2 -o /dev/null "$BASE_URL/readyz" 2>/dev/null; do
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$WORK/server-$BACKEND.log" >&2; die "the server exited"; }
        (($(date +%s) - started < 60)) || die "the server was not ready within 60 s"
        sleep 0.2
    done
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

cli() { (cd "$WORK" && timeout 300 env "${ENV[@]}" "$BIN" "$@"); }

# Runs both imports on the backend in $ENV and prints one JSON object.
measure() {
    start_server
    cli clients create --id "bench-admin" --grant client_credentials --scope latchkey:admin \
        --audience "$BASE_URL/admin" --json >"$WORK/admin.json" || die "clients create failed"
    local secret token started api_ms cli_ms
    secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_secret"])' "$WORK/admin.json")
    token=$(curl -sS --max-time 10 -u "bench-admin:$secret" -d grant_type=client_credentials "$BASE_URL/token" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') || die "no admin token"
    started=$(now_ms)
    curl -sS --max-time 120 -o "$WORK/api-report.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/x-ndjson' --data-binary "@$WORK/api.jsonl" \
        "$BASE_URL/admin/v1/users/import" >"$WORK/api-status.txt" || die "the import request failed"
    api_ms=$(($(now_ms) - started))
    [[ $(cat "$WORK/api-status.txt") == 200 ]] || die "the import answered HTTP $(cat "$WORK/api-status.txt")"
    started=$(now_ms)
    cli users import "$WORK/cli.jsonl" --json >"$WORK/cli-report.json" || die "users import failed"
    cli_ms=$(($(now_ms) - started))
    stop_server
    python3 - "$WORK" "$BACKEND" "$api_ms" "$cli_ms" "$USERS" <<'PY'
import json, sys
work, backend, api_ms, cli_ms, users = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
for surface in ("api", "cli"):
    report = json.load(open(f"{work}/{surface}-report.json"))
    assert report["created"] == users and report["invalid"] == 0, (surface, {k: report[k] for k in ("created", "exists", "invalid")})
print(json.dumps({"backend": backend, "users": users,
                  "admin_api": {"seconds": api_ms / 1000, "users_per_s": round(users / (api_ms / 1000))},
                  "cli": {"seconds": cli_ms / 1000, "users_per_s": round(users / (cli_ms / 1000))}}))
PY
}

COMMON=("LATCHKEY_BIND=$HOST:$PORT" "RUST_LOG=warn" "LATCHKEY_ADDRESS_REQUEST_LIMIT=1000000000")
results=()
BACKEND=sqlite
ENV=("${COMMON[@]}" "LATCHKEY_DATABASE_URL=sqlite://$WORK/latchkey.db" "LATCHKEY_MASTER_KEY_FILE=$WORK/master.key")
log "SQLite: $USERS users through the admin API, then $USERS through the CLI"
results+=("$(measure)")

if [[ $POSTGRES == 1 ]]; then
    BACKEND=postgres
    PG_DB=latchkey_import_bench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
    timeout 60 psql -X -q -v ON_ERROR_STOP=1 -d "$POSTGRES_URL" -c "CREATE DATABASE \"$PG_DB\"" ||
        die "cannot create a PostgreSQL database via $POSTGRES_URL (or set BENCH_POSTGRES=0)"
    PG_URL=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1])
print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$POSTGRES_URL" "$PG_DB")
    ENV=("${COMMON[@]}" "LATCHKEY_DATABASE_URL=$PG_URL" "LATCHKEY_MASTER_KEY=$(head -c 32 /dev/urandom | base64 -w0)")
    if [[ -n $REDIS_URL ]]; then ENV+=("LATCHKEY_REDIS_URL=$REDIS_URL" "LATCHKEY_REDIS_PREFIX=$PG_DB"); fi
    cli migrate >/dev/null || die "migrate failed"
    log "PostgreSQL: $USERS users through the admin API, then $USERS through the CLI"
    results+=("$(measure)")
fi

mkdir -p "$REPO/bench/results"
printf '%s\n' "${results[@]}" | python3 -c 'import json, sys; print(json.dumps([json.loads(l) for l in sys.stdin], indent=2))' |
    tee "$REPO/bench/results/import-latest.json"
