#!/usr/bin/env bash
# Latchkey benchmark: a measurement, not a test.
#
#   bash bench/run.sh
#
# Builds the release binaries (`cargo build --release --bins --examples`), then, for each phase, starts a fresh
# release server (`latchkey serve`) on one SQLite database in a temporary folder, listening on 127.0.0.1 only, with
# the default configuration (argon2id m=19456 KiB, t=2, p=1; workers and hashing concurrency = one per core), and
# loads it with wrk (Debian package `wrk`, installed with apt-get if missing) for BENCH_SECONDS each:
#   password  POST /token grant_type=password, HTTP Basic client auth                         (bench/password.lua)
#   refresh   POST /token grant_type=refresh_token: one chain of single-use tokens per connection,
#             wrk -t C -c C, seeded by password grants; a non-200 breaks a chain                 (bench/refresh.lua)
#   jwks      GET /.well-known/jwks.json                                                          (bench/jwks.lua)
# A user and a confidential client are created with the CLI against the same database. Each phase gets its own
# server process so that its VmHWM (peak RSS, /proc/PID/status) belongs to that phase; the peak is also reset after
# start-up (/proc/PID/clear_refs) to separate the peak under load from the start-up peak. With the server stopped,
# `cargo run --release --example ceilings` (bench/ceilings.rs) then measures on all cores the argon2id
# verifications/s at the configured parameters and the RS256 signatures/s with a key parsed once.
# bench/report.py prints the table (throughput counts 200s only; p50/p99; errors = non-2xx + socket errors; peak
# RSS; ratios to the ceilings against the targets) and writes bench/results/latest.json (git-ignored).
#
# Exit status: 0 when the measurement ran, whatever the figures; non-zero when the harness failed (build, wrk
# missing, server did not start, a sanity request failed, a refresh chain broke, a phase had no successful request).
#
# Options (environment):
#   BENCH_SECONDS=10                 duration of each load phase
#   BENCH_CONCURRENCY=4,8,32         connections for password,refresh,jwks (or the three variables below)
#   BENCH_PASSWORD_CONNECTIONS=4     4 = 2 argon2 verifications in flight (one per core) + 2 queued, so the hashing
#                                    pool never idles; more only adds queueing latency
#   BENCH_REFRESH_CONNECTIONS=8      chains (= wrk threads: a chain needs its own thread); enough to keep the
#                                    single SQLite writer and both cores busy without drowning them in wrk threads
#   BENCH_JWKS_CONNECTIONS=32        saturates 2 cores; wrk shares them, so more connections only add latency
#   BENCH_WRK_THREADS=2              wrk threads for password and jwks (<= cores: wrk competes with the server)
#   BENCH_CEILING_SECONDS=3          duration of each ceiling measurement
#   BENCH_PORT=18080                 loopback port of the server (127.0.0.1 only)
#   BENCH_KEEP_TMP=1                 keep the temporary folder (database, logs, wrk output)
#   BENCH_PERF=1                     also profile the server with `perf record` during each phase (flat profile in
#                                    bench/results/perf-<phase>.txt; skews the figures by a few percent)
# The machine has 2 cores shared by the server and wrk (and by whatever else runs): the report shows how the CPU
# was split during each phase.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export BENCH_DIR # the wrk scripts load bench/common.lua from it
REPO=$(dirname "$BENCH_DIR")
RESULTS_DIR="$BENCH_DIR/results"

HOST=127.0.0.1
PORT=${BENCH_PORT:-18080}
PHASE_SECONDS=${BENCH_SECONDS:-10}
CEILING_SECONDS=${BENCH_CEILING_SECONDS:-3}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
if [[ -n ${BENCH_CONCURRENCY:-} ]]; then
    IFS=, read -r PASSWORD_CONNS REFRESH_CONNS JWKS_CONNS <<<"$BENCH_CONCURRENCY"
fi
PASSWORD_CONNS=${BENCH_PASSWORD_CONNECTIONS:-${PASSWORD_CONNS:-4}}
REFRESH_CONNS=${BENCH_REFRESH_CONNECTIONS:-${REFRESH_CONNS:-8}}
JWKS_CONNS=${BENCH_JWKS_CONNECTIONS:-${JWKS_CONNS:-32}}
START_TIMEOUT=60

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "FAILED: $*"
    exit 1
}

for value in "$PORT" "$PHASE_SECONDS" "$CEILING_SECONDS" "$WRK_THREADS" "$PASSWORD_CONNS" "$REFRESH_CONNS" "$JWKS_CONNS"; do
    [[ $value =~ ^[1-9][0-9]*$ ]] || die "options must be positive integers (got '$value')"
done
((PORT < 65536)) || die "BENCH_PORT out of range"
((PHASE_SECONDS <= 600 && CEILING_SECONDS <= 60)) || die "BENCH_SECONDS <= 600 and BENCH_CEILING_SECONDS <= 60"
((WRK_THREADS <= PASSWORD_CONNS && WRK_THREADS <= JWKS_CONNS)) || die "wrk needs at least one connection per thread"
((REFRESH_CONNS <= 64)) || die "BENCH_REFRESH_CONNECTIONS <= 64 (one wrk thread each)"

BASE_URL="http://$HOST:$PORT"
WORK=""
SERVER_PID=""

stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            log "server $SERVER_PID ignored SIGTERM for 10 s; sending SIGKILL"
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

cleanup() {
    local status=$?
    stop_server
    if [[ -n $WORK && -d $WORK ]]; then
        mkdir -p "$RESULTS_DIR"
        cat "$WORK"/server-*.log >"$RESULTS_DIR/server.log" 2>/dev/null || true
        if [[ ${BENCH_KEEP_TMP:-0} == 1 || $status -ne 0 ]]; then
            log "kept $WORK"
        else
            rm -rf -- "$WORK"
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------------------------
# Tools and build

if ! command -v wrk >/dev/null 2>&1; then
    log "wrk not found: installing it with apt-get"
    command -v apt-get >/dev/null 2>&1 || die "wrk is missing and apt-get is not available"
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo -n); fi
    timeout 600 "${sudo_cmd[@]}" apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive timeout 600 "${sudo_cmd[@]}" apt-get install -y -qq wrk >/dev/null ||
        die "apt-get install wrk failed"
fi
command -v wrk >/dev/null 2>&1 || die "wrk is still missing"
for tool in curl python3 cargo base64; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done

log "building: cargo build --release --bins --examples"
(cd "$REPO" && timeout 3600 cargo build --release --bins --examples) || die "cargo build failed"
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
# What was built: the commit plus any uncommitted changes (other people may be editing the tree).
BUILT_TREE=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null && git status --porcelain --untracked-files=no 2>/dev/null) ||
    BUILT_TREE="(not a git checkout)"
BIN="$TARGET_DIR/release/latchkey"
CEILINGS="$TARGET_DIR/release/examples/ceilings"
[[ -x $BIN && -x $CEILINGS ]] || die "release binaries not found under $TARGET_DIR/release"

if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
    die "something already listens on $HOST:$PORT (set BENCH_PORT)"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-bench.XXXXXX")
printf '%s\n' "$BUILT_TREE" >"$WORK/tree.txt"
# Settings shared by the server, the CLI and the ceilings program; everything else is the default configuration.
LATCHKEY_ENV=(
    "LATCHKEY_BIND=$HOST:$PORT"
    "LATCHKEY_DATABASE_URL=sqlite://$WORK/latchkey.db"
    "LATCHKEY_MASTER_KEY_FILE=$WORK/master.key"
    "RUST_LOG=info"
)
latchkey() { (cd "$REPO" && timeout 120 env "${LATCHKEY_ENV[@]}" "$BIN" "$@"); }

# ---------------------------------------------------------------------------------------------------------------
# Server and measurement helpers

status_kb() { awk -v field="$2:" '$1 == field { print $2 }' "/proc/$1/status"; }
proc_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Busy and total jiffies of the whole machine.
machine_cpu() { awk '$1 == "cpu" { total = 0; for (i = 2; i <= NF; i++) total += $i; print total - $5 - $6, total }' /proc/stat; }

start_server() { # $1 = phase name
    local log_file="$WORK/server-$1.log" started
    started=$(date +%s)
    (cd "$REPO" && exec env "${LATCHKEY_ENV[@]}" "$BIN" serve) >"$log_file" 2>&1 &
    SERVER_PID=$!
    until curl -fsS --max-time 2 -o /dev/null "$BASE_URL/readyz" 2>/dev/null; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            tail -n 20 "$log_file" >&2 || true
            SERVER_PID=""
            die "the server exited during start-up (log above)"
        fi
        (($(date +%s) - started < START_TIMEOUT)) || die "the server was not ready within ${START_TIMEOUT}s"
        sleep 0.2
    done
    [[ $(readlink "/proc/$SERVER_PID/exe") == "$(readlink -f "$BIN")" ]] || die "PID $SERVER_PID is not the server"
    log "server ready (pid $SERVER_PID) for the $1 phase"
}

# Runs one wrk phase against the running server and writes $WORK/<phase>.meta (key=value) and <phase>.wrk.txt.
run_phase() { # $1 = phase, $2 = wrk threads, $3 = connections, $4 = lua script
    local phase=$1 threads=$2 conns=$3 script=$4 startup_hwm reset=yes cpu0 cpu1 m0 m1 wrk_cpu
    startup_hwm=$(status_kb "$SERVER_PID" VmHWM)
    # "5" resets VmHWM to the current RSS (Linux >= 4.0), so the phase's own peak can be told from start-up's.
    echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || reset=no
    cpu0=$(proc_cpu_ticks "$SERVER_PID")
    read -r -a m0 < <(machine_cpu)
    log "$phase: wrk -t$threads -c$conns -d${PHASE_SECONDS}s"
    local perf_pid=""
    if [[ ${BENCH_PERF:-0} == 1 ]]; then
        # A flat CPU profile of the server during the phase (perf samples are cheap at 499 Hz).
        timeout $((PHASE_SECONDS + 30)) perf record -q -F 499 -p "$SERVER_PID" -o "$WORK/perf-$phase.data" \
            -- sleep "$PHASE_SECONDS" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    local TIMEFORMAT='%U %S'
    if ! { time timeout $((PHASE_SECONDS + 60)) \
        wrk -t"$threads" -c"$conns" -d"${PHASE_SECONDS}s" --timeout 5s --latency -s "$BENCH_DIR/$script" \
        "$BASE_URL" >"$WORK/$phase.wrk.txt" 2>"$WORK/$phase.wrk.err"; } 2>"$WORK/$phase.time"; then
        cat "$WORK/$phase.wrk.err" >&2
        die "wrk failed in the $phase phase"
    fi
    cpu1=$(proc_cpu_ticks "$SERVER_PID")
    if [[ -n $perf_pid ]]; then
        wait "$perf_pid" || true
        mkdir -p "$RESULTS_DIR"
        timeout 120 perf report -q -i "$WORK/perf-$phase.data" --sort dso,symbol --percent-limit 0.5 --stdio \
            2>/dev/null | sed -E 's/[[:space:]]+(-[[:space:]]+)*$//' >"$RESULTS_DIR/perf-$phase.txt" || true
        log "$phase: CPU profile of the server in $RESULTS_DIR/perf-$phase.txt"
    fi
    read -r -a m1 < <(machine_cpu)
    wrk_cpu=$(awk '{ print $1 + $2 }' "$WORK/$phase.time")
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server died during the $phase phase"
    cat >"$WORK/$phase.meta" <<EOF
phase=$phase
wrk_threads=$threads
connections=$conns
seconds=$PHASE_SECONDS
server_pid=$SERVER_PID
startup_hwm_kb=$startup_hwm
hwm_reset=$reset
hwm_kb=$(status_kb "$SERVER_PID" VmHWM)
rss_kb=$(status_kb "$SERVER_PID" VmRSS)
server_threads=$(status_kb "$SERVER_PID" Threads)
server_cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" 'BEGIN { print (b - a) / hz }')
wrk_cpu_s=$wrk_cpu
machine_busy_s=$(awk -v a="${m0[0]}" -v b="${m1[0]}" -v hz="$(getconf CLK_TCK)" 'BEGIN { print (b - a) / hz }')
machine_total_s=$(awk -v a="${m0[1]}" -v b="${m1[1]}" -v hz="$(getconf CLK_TCK)" 'BEGIN { print (b - a) / hz }')
EOF
    if [[ -s $WORK/$phase.wrk.err ]]; then
        head -n 5 "$WORK/$phase.wrk.err" >&2
    fi
}

# POST /token with the bench client; prints the HTTP status, the body goes to $2.
token_request() { # $1 = form body, $2 = output file
    curl -sS --max-time 30 -o "$2" -w '%{http_code}' -H "Authorization: Basic $BASIC" \
        -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$1" "$BASE_URL/token"
}
json_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# ---------------------------------------------------------------------------------------------------------------
# Phase 1: password grants (server A), then seed the refresh chains on the same database.

start_server password
USERNAME=bench
PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
printf '%s' "$PASSWORD" | latchkey users create --email bench@example.test --username "$USERNAME" --password-stdin \
    --json >"$WORK/user.json" || die "users create failed"
latchkey clients create --id bench-client --grant password --grant refresh_token --scope read --json \
    >"$WORK/client.json" || die "clients create failed"
CLIENT_ID=$(json_field "$WORK/client.json" client_id)
CLIENT_SECRET=$(json_field "$WORK/client.json" client_secret)
# RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding; both are URL-safe here.
[[ $CLIENT_ID$CLIENT_SECRET$PASSWORD =~ ^[A-Za-z0-9_.~-]+$ ]] || die "unexpected characters in the credentials"
BASIC=$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)
PASSWORD_BODY="grant_type=password&username=$USERNAME&password=$PASSWORD&scope=read"
export BENCH_BASIC=$BASIC BENCH_PASSWORD_BODY=$PASSWORD_BODY

code=$(token_request "$PASSWORD_BODY" "$WORK/sanity.json") || die "sanity password grant: curl failed"
[[ $code == 200 ]] || die "sanity password grant answered HTTP $code: $(cat "$WORK/sanity.json")"

run_phase password "$WRK_THREADS" "$PASSWORD_CONNS" password.lua

log "seeding $REFRESH_CONNS refresh chains with password grants"
: >"$WORK/tokens.txt"
for i in $(seq "$REFRESH_CONNS"); do
    code=$(token_request "$PASSWORD_BODY" "$WORK/seed.json") || die "seed $i: curl failed"
    [[ $code == 200 ]] || die "seed $i answered HTTP $code: $(cat "$WORK/seed.json")"
    json_field "$WORK/seed.json" refresh_token >>"$WORK/tokens.txt"
done
stop_server

# ---------------------------------------------------------------------------------------------------------------
# Phase 2: refresh chains (server B), one wrk thread and one connection per chain.

start_server refresh
export BENCH_TOKENS_FILE="$WORK/tokens.txt"
run_phase refresh "$REFRESH_CONNS" "$REFRESH_CONNS" refresh.lua
stop_server

# ---------------------------------------------------------------------------------------------------------------
# Phase 3: JWKS (server C).

start_server jwks
code=$(curl -sS --max-time 10 -o "$WORK/jwks.json" -w '%{http_code}' "$BASE_URL/.well-known/jwks.json") ||
    die "JWKS sanity request failed"
[[ $code == 200 ]] || die "JWKS answered HTTP $code"
run_phase jwks "$WRK_THREADS" "$JWKS_CONNS" jwks.lua
stop_server

# ---------------------------------------------------------------------------------------------------------------
# Ceilings on all cores, with the server stopped; then the report.

log "ceilings: argon2id verify and RS256 sign, ${CEILING_SECONDS}s each on all cores"
(cd "$REPO" && timeout $((CEILING_SECONDS * 2 + 120)) env "${LATCHKEY_ENV[@]}" "$CEILINGS" --seconds "$CEILING_SECONDS") \
    >"$WORK/ceilings.json" || die "the ceilings program failed"

mkdir -p "$RESULTS_DIR"
python3 -B "$BENCH_DIR/report.py" "$WORK" "$RESULTS_DIR/latest.json"
