#!/usr/bin/env bash
# Latchkey benchmark: a measurement, not a test.
#
#   bash bench/run.sh
#   BENCH_BIN_DIR=/path/to/target/release bash bench/run.sh      # a prebuilt binary, e.g. an older commit's
#
# Builds the release binaries (`cargo build --release --bins --examples`; skipped with BENCH_BIN_DIR), then, for
# each phase, starts a fresh release server (`latchkey serve`) listening on 127.0.0.1 only, with the default
# configuration (argon2id m=19456 KiB, t=2, p=1; workers and hashing concurrency = one per core), and loads it with
# wrk (Debian package `wrk`, installed with apt-get if missing) for BENCH_SECONDS each. On one SQLite database in a
# temporary folder:
#   password        POST /token grant_type=password, HTTP Basic client auth                     (bench/password.lua)
#   refresh-N       POST /token grant_type=refresh_token: one chain of single-use tokens per connection,
#                   wrk -t N -c N, seeded by password grants; a non-200 breaks a chain             (bench/refresh.lua)
#                   one phase per N of BENCH_REFRESH_CONNECTIONS
#   refresh-N-cli   refresh-N while a shell loop runs `latchkey users create --password-stdin` on the same database
#                   back to back (a second SQLite writer, as an operator's script would be): how long the CLI
#                   waits for the writer lock, and what it costs the grants. N = BENCH_CLI_CONNECTIONS
#   refresh-N-slow-heads  refresh-N while one attacker from 127.0.0.2 (bench/slow_heads.py) holds
#                   BENCH_SLOW_HEAD_CONNECTIONS connections, each after one complete request with one byte of a
#                   second request (issue 16), opening each again BENCH_SLOW_HEAD_RETRY seconds after the server
#                   refuses or closes it; wrk starts once every attacking connection was tried. Against refresh-N
#                   (N = the first of BENCH_REFRESH_CONNECTIONS): throughput >= 0.8, p99 <= 3x
#   sign-in         POST /login, the hosted sign-in form (argon2id, a session and a code each)   (bench/sign_in.lua)
#   sso-8           single sign-on flows: GET /authorize with a session, then the code at /token     (bench/sso.lua)
#   sign-in-totp    sign-ins with a password and a TOTP code (issue 20): POST /login (argon2id, a pending sign-in),
#                   then POST /login/second-factor with the code (303 to the client with a code); sign-ins/s over
#                   the argon2id ceiling, latency per whole sign-in; users enrolled through the account pages
#                   first (one argon2id verification each: ~3 × min(BENCH_SECONDS, 30) s of set-up)
#                                                                                             (bench/sign_in_totp.lua)
#   register        POST /register with open registration, a new address from a new source each   (bench/register.lua)
#   client-credentials  POST /token grant_type=client_credentials, 8 conns        (bench/client_credentials.lua)
#   jwks            GET /.well-known/jwks.json                                                      (bench/jwks.lua)
# then on a fresh PostgreSQL database `latchkey_bench_<random>`, created with psql from BENCH_POSTGRES_URL and
# dropped at exit, even on failure:
#   pg-password     as password
#   pg-refresh-N    as refresh-N, at the same concurrencies
#   pg-sign-in, pg-sso-8, pg-sign-in-totp, pg-register, pg-client-credentials, pg-introspect, pg-revoke
#                   as on SQLite
# Each database is migrated with `latchkey migrate` before any other command touches it (later versions will not
# migrate PostgreSQL implicitly); a user and a confidential client are then created with the CLI. The PostgreSQL
# processes get LATCHKEY_MASTER_KEY (32 random bytes, a key file is only created for an embedded database). Every
# process runs in the temporary folder with the LATCHKEY_* variables of the caller removed, so neither the tree's
# config/latchkey.toml (which a binary of another commit may reject: unknown keys are errors) nor the caller's
# environment changes the configuration; BENCH_CONFIG names a TOML file on purpose.
# Each phase gets its own server process so that its VmHWM (peak RSS, /proc/PID/status) belongs to that phase; the
# peak is also reset after start-up (/proc/PID/clear_refs) to separate the peak under load from the start-up peak.
# With the server stopped, the `ceilings` example (bench/ceilings.rs) then measures on all cores the argon2id
# verifications/s at the configured parameters and the RS256 signatures/s with a key parsed once.
# bench/report.py prints the table (throughput counts 200s only; p50/p99/max; errors = non-2xx + socket errors;
# peak RSS; CPU split; ratios to the ceilings and PostgreSQL to SQLite, against the targets) and writes
# bench/results/latest.json (git-ignored).
#
# Exit status: 0 when the measurement ran, whatever the figures; non-zero when the harness failed (build, wrk
# missing, PostgreSQL unreachable, migrate failed, server did not start, a sanity request or command failed, a
# refresh chain broke, a phase had no successful request). CLI commands that fail under load are a figure, not a
# harness failure (the one run before the load must succeed), nor are socket errors and wrk timeouts.
#
# Options (environment):
#   BENCH_SECONDS=10                 duration of each load phase (27 by default; the estimate is logged first)
#   BENCH_PHASES=                    a comma list of the phases to run, named as in the report, e.g.
#                                    sign-in,sign-in-totp,pg-sign-in-totp (default: all); the set-up they need and
#                                    the ceilings always run. A backend none of them names is skipped
#   BENCH_BIN_DIR=                   use the prebuilt `latchkey` and `examples/ceilings` in this folder (a
#                                    target/release) instead of building the repository
#   BENCH_CONCURRENCY=4,8,32         shorthand for password,refresh,jwks connections (one refresh value)
#   BENCH_PASSWORD_CONNECTIONS=4     4 = 2 argon2 verifications in flight (one per core) + 2 queued, so the hashing
#                                    pool never idles; more only adds queueing latency
#   BENCH_REFRESH_CONNECTIONS=8,32,64
#                                    one refresh phase per value (at most 6 values, each <= 64): chains = wrk
#                                    threads, as a chain needs its own thread. 8 keeps the single SQLite writer and
#                                    both cores busy; 32 and 64 show the queueing latency of a busier service
#   BENCH_CLI_CONNECTIONS=32         chains of the refresh-N-cli phase; 0 skips that phase
#   BENCH_SLOW_HEAD_CONNECTIONS=1000 attacking connections of the refresh-N-slow-heads phase; 0 skips that phase
#   BENCH_SLOW_HEAD_RETRY=1          seconds the attacker waits before it opens a refused or closed connection
#                                    again (with the per-source cap, most of its connections are refused: a short
#                                    wait makes it a connection flood too, whose CPU shares the 2 cores)
#   BENCH_SLOW_HEADS_ONLY=0          1: only what the slow-heads comparison needs (SQLite password phase for the
#                                    seeds, refresh-N, refresh-N-slow-heads, the ceilings): a short run
#   BENCH_JWKS_CONNECTIONS=32        saturates 2 cores; wrk shares them, so more connections only add latency
#   BENCH_WRK_THREADS=2              wrk threads for password and jwks (<= cores: wrk competes with the server)
#   BENCH_POSTGRES=1                 0 skips the PostgreSQL phases
#   BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres
#                                    a database of the server where the bench database is created (needs
#                                    CREATEDB) and dropped (WITH (FORCE): PostgreSQL >= 13)
#   BENCH_REDIS_URL=redis://127.0.0.1:6379
#                                    Redis for the PostgreSQL phases (empty: none); the SQLite phases never use it
#   BENCH_FLOOD_RATE=1000            guesses/s of the password-flooded phase's flood (4 connections; at most 4000;
#                                    0: as fast as the server answers, which measures the HTTP layer under a
#                                    request flood rather than the brute-force defence)
#   BENCH_REVOKE_TOKENS=4000         distinct access tokens the revoke phase revokes (then it revokes them again)
#   BENCH_TOTP_USERS=                users enrolled for each sign-in-totp phase (default: twice the sign-ins that
#                                    min(BENCH_SECONDS, 30) s allow at the best password or sign-in rate measured
#                                    on the backend so far, 60/s if none ran; at least 50). A user signs in once
#                                    per 30 s step; too few stop the phase with "users exhausted"
#   BENCH_CONFIG=                    a TOML configuration file for every process (default: none, i.e. defaults)
#   BENCH_CEILING_SECONDS=3          duration of each ceiling measurement
#   BENCH_PORT=18080                 loopback port of the server (127.0.0.1 only)
#   BENCH_KEEP_TMP=1                 keep the temporary folder (databases, logs, wrk output, perf data)
#   BENCH_PERF=1                     also profile the server with `perf record` during each phase (flat profile in
#                                    bench/results/perf-<phase>.txt; skews the figures by a few percent); or a comma
#                                    list of the phases to profile, e.g. BENCH_PERF=password,pg-password
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
REFRESH_CONNS=${BENCH_REFRESH_CONNECTIONS:-${REFRESH_CONNS:-8,32,64}}
CLI_CONNS=${BENCH_CLI_CONNECTIONS:-32}
SLOW_HEAD_CONNS=${BENCH_SLOW_HEAD_CONNECTIONS:-1000}
SLOW_HEADS_ONLY=${BENCH_SLOW_HEADS_ONLY:-0}
SLOW_HEAD_RETRY=${BENCH_SLOW_HEAD_RETRY:-1}
JWKS_CONNS=${BENCH_JWKS_CONNECTIONS:-${JWKS_CONNS:-32}}
POSTGRES=${BENCH_POSTGRES:-1}
POSTGRES_URL=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS_URL=${BENCH_REDIS_URL-redis://127.0.0.1:6379}
REVOKE_SEED=${BENCH_REVOKE_TOKENS:-4000}
FLOOD_RATE=${BENCH_FLOOD_RATE:-1000}
BIN_DIR=${BENCH_BIN_DIR:-}
PERF=${BENCH_PERF:-0}
PHASES=${BENCH_PHASES:-}
START_TIMEOUT=60

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "FAILED: $*"
    exit 1
}

IFS=, read -r -a REFRESH_LIST <<<"$REFRESH_CONNS"
for value in "$PORT" "$PHASE_SECONDS" "$CEILING_SECONDS" "$WRK_THREADS" "$PASSWORD_CONNS" "$JWKS_CONNS" \
    "${REFRESH_LIST[@]}"; do
    [[ $value =~ ^[1-9][0-9]*$ ]] || die "options must be positive integers (got '$value')"
done
[[ $CLI_CONNS =~ ^[0-9]+$ ]] || die "BENCH_CLI_CONNECTIONS must be an integer (got '$CLI_CONNS')"
[[ $SLOW_HEAD_CONNS =~ ^[0-9]+$ ]] && ((SLOW_HEAD_CONNS <= 4000)) ||
    die "BENCH_SLOW_HEAD_CONNECTIONS must be an integer <= 4000 (got '$SLOW_HEAD_CONNS')"
[[ $SLOW_HEADS_ONLY == 0 || $SLOW_HEADS_ONLY == 1 ]] || die "BENCH_SLOW_HEADS_ONLY must be 0 or 1"
[[ $SLOW_HEAD_RETRY =~ ^[1-9][0-9]*$ ]] || die "BENCH_SLOW_HEAD_RETRY must be a positive integer (seconds)"
((SLOW_HEADS_ONLY == 0 || SLOW_HEAD_CONNS > 0)) || die "BENCH_SLOW_HEADS_ONLY=1 needs BENCH_SLOW_HEAD_CONNECTIONS > 0"
((SLOW_HEADS_ONLY == 0)) || POSTGRES=0 # the attack is on the HTTP layer: one backend shows it
[[ $POSTGRES == 0 || $POSTGRES == 1 ]] || die "BENCH_POSTGRES must be 0 or 1"
((PORT < 65536)) || die "BENCH_PORT out of range"
((PHASE_SECONDS <= 600 && CEILING_SECONDS <= 60)) || die "BENCH_SECONDS <= 600 and BENCH_CEILING_SECONDS <= 60"
((WRK_THREADS <= PASSWORD_CONNS && WRK_THREADS <= JWKS_CONNS)) || die "wrk needs at least one connection per thread"
# Bounded run time: every value is one SQLite and one PostgreSQL phase.
((${#REFRESH_LIST[@]} >= 1 && ${#REFRESH_LIST[@]} <= 6)) || die "BENCH_REFRESH_CONNECTIONS: 1 to 6 values"
[[ $(printf '%s\n' "${REFRESH_LIST[@]}" | sort -u | wc -l) -eq ${#REFRESH_LIST[@]} ]] ||
    die "BENCH_REFRESH_CONNECTIONS has a value twice"
for value in "${REFRESH_LIST[@]}" "$CLI_CONNS"; do
    ((value <= 64)) || die "refresh connections <= 64 (one wrk thread each)"
done
[[ $PERF =~ ^[0-9a-z,-]+$ ]] || die "BENCH_PERF: 0, 1 or a comma list of phases"
[[ $PHASES =~ ^[0-9a-z,-]*$ ]] || die "BENCH_PHASES: a comma list of phase names"
IFS=, read -r -a PHASE_LIST <<<"$PHASES"
SQLITE=1
if [[ -n $PHASES ]]; then
    ((SLOW_HEADS_ONLY == 0)) || die "BENCH_PHASES and BENCH_SLOW_HEADS_ONLY=1: one or the other"
    SQLITE=0 # each backend runs only if a phase of it is named
    pg_named=0
    for name in "${PHASE_LIST[@]}"; do
        if [[ $name == pg-* ]]; then pg_named=1; else SQLITE=1; fi
    done
    ((pg_named)) || POSTGRES=0
fi
# Whether the phase named $1 is to run (every phase without BENCH_PHASES). The set-up a named phase needs from
# the backend's first server (migration, the bench user and client) runs whatever it names.
wanted() { [[ -z $PHASES || ,$PHASES, == *",$1,"* ]]; }
if [[ -n ${BENCH_TOTP_USERS:-} ]]; then
    [[ $BENCH_TOTP_USERS =~ ^[1-9][0-9]*$ ]] && ((BENCH_TOTP_USERS <= 100000)) ||
        die "BENCH_TOTP_USERS must be an integer from 1 to 100000"
fi
if [[ -n $BIN_DIR ]]; then
    BIN_DIR=$(cd "$BIN_DIR" 2>/dev/null && pwd) || die "BENCH_BIN_DIR is not a folder"
fi
if [[ -n ${BENCH_CONFIG:-} ]]; then
    BENCH_CONFIG=$(readlink -f "$BENCH_CONFIG") || die "BENCH_CONFIG is not a file"
    [[ -f $BENCH_CONFIG ]] || die "BENCH_CONFIG is not a file"
fi

# The caller's LATCHKEY_* variables would silently change the configuration under test (see the top).
while read -r name; do
    unset "$name"
done < <(compgen -e | grep '^LATCHKEY_' || true)

BASE_URL="http://$HOST:$PORT"
WORK=""
SERVER_PID=""
SIDE_PID=""
ATTACK_PID=""
PG_DB=""

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

# psql against BENCH_POSTGRES_URL (the maintenance database, not the bench one).
pg_admin() { timeout 60 psql -X -q -v ON_ERROR_STOP=1 -d "$POSTGRES_URL" "$@"; }

drop_pg_database() {
    [[ -n $PG_DB ]] || return 0
    # FORCE ends sessions left over by a server that was killed; without it the drop would fail on PostgreSQL < 13.
    if pg_admin -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" 2>/dev/null ||
        pg_admin -c "DROP DATABASE IF EXISTS \"$PG_DB\""; then
        log "dropped PostgreSQL database $PG_DB"
    else
        log "WARNING: could not drop PostgreSQL database $PG_DB: drop it by hand"
    fi
    PG_DB=""
}

cleanup() {
    local status=$?
    if [[ -n $SIDE_PID ]]; then
        kill -TERM "$SIDE_PID" 2>/dev/null || true
        wait "$SIDE_PID" 2>/dev/null || true
    fi
    if [[ -n $ATTACK_PID ]]; then
        kill -TERM "$ATTACK_PID" 2>/dev/null || true
        wait "$ATTACK_PID" 2>/dev/null || true
    fi
    stop_server
    drop_pg_database
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
for tool in curl python3 base64 sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
if [[ $POSTGRES == 1 ]]; then
    command -v psql >/dev/null 2>&1 || die "psql is required for the PostgreSQL phases (or set BENCH_POSTGRES=0)"
fi
if [[ $PERF != 0 ]]; then
    command -v perf >/dev/null 2>&1 || die "BENCH_PERF needs perf (Debian package linux-perf)"
fi

if [[ -z $BIN_DIR ]]; then
    command -v cargo >/dev/null 2>&1 || die "cargo is required (or set BENCH_BIN_DIR)"
    log "building: cargo build --release --bins --examples"
    (cd "$REPO" && timeout 3600 cargo build --release --bins --examples) || die "cargo build failed"
    BIN_DIR=${CARGO_TARGET_DIR:-$REPO/target}/release
    # What was built: the commit plus any uncommitted changes (other people may be editing the tree).
    BUILT_TREE=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null &&
        git status --porcelain --untracked-files=no 2>/dev/null) || BUILT_TREE="(not a git checkout)"
    BUILT_FROM=build
else
    # A prebuilt binary: the checkout holding it (target/ sits inside it) as it is now, which need not be what was
    # built; the binary's hash below identifies it exactly.
    BUILT_TREE=$(cd "$BIN_DIR" && git rev-parse --short HEAD 2>/dev/null &&
        git status --porcelain --untracked-files=no 2>/dev/null) || BUILT_TREE="(not in a git checkout)"
    BUILT_FROM=prebuilt
    log "prebuilt binaries from $BIN_DIR (no build)"
fi
BIN="$BIN_DIR/latchkey"
CEILINGS="$BIN_DIR/examples/ceilings"
[[ -x $BIN && -x $CEILINGS ]] || die "latchkey and examples/ceilings not found under $BIN_DIR"

if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
    die "something already listens on $HOST:$PORT (set BENCH_PORT)"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-bench.XXXXXX")
printf '%s\n' "$BUILT_TREE" >"$WORK/tree.txt"
cat >"$WORK/binary.txt" <<EOF
from=$BUILT_FROM
dir=$BIN_DIR
sha256=$(sha256sum "$BIN" | cut -c1-16)
modified=$(date -u -r "$BIN" +%Y-%m-%dT%H:%M:%SZ)
version=$("$BIN" --version 2>/dev/null || echo unknown)
EOF
: >"$WORK/phases.txt"
# Settings shared by every process; everything else is the default configuration (or BENCH_CONFIG).
# The per-address request limit is raised, not turned off, so its counting stays in every figure: all the load
# comes from 127.0.0.1, which the default (6000/min) would stop.
COMMON_ENV=("LATCHKEY_BIND=$HOST:$PORT" "RUST_LOG=info" "LATCHKEY_ADDRESS_REQUEST_LIMIT=1000000000")
if [[ -n ${BENCH_CONFIG:-} ]]; then COMMON_ENV+=("LATCHKEY_CONFIG=$BENCH_CONFIG"); fi
SQLITE_ENV=(
    "${COMMON_ENV[@]}"
    "LATCHKEY_DATABASE_URL=sqlite://$WORK/latchkey.db"
    "LATCHKEY_MASTER_KEY_FILE=$WORK/master.key"
)
LATCHKEY_ENV=("${SQLITE_ENV[@]}") # the backend in use: the server and the CLI follow it
latchkey() { (cd "$WORK" && timeout 120 env "${LATCHKEY_ENV[@]}" "$BIN" "$@"); }

# Created first, so that an unreachable server fails the run before minutes of SQLite phases.
if [[ $POSTGRES == 1 ]]; then
    PG_NAME=latchkey_bench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
    # The bench database's URL: BENCH_POSTGRES_URL with its path (the database) replaced.
    PG_BENCH_URL=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1])
print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$POSTGRES_URL" "$PG_NAME") ||
        die "BENCH_POSTGRES_URL is not a URL"
    [[ $PG_BENCH_URL == postgres://* || $PG_BENCH_URL == postgresql://* ]] ||
        die "BENCH_POSTGRES_URL must start with postgres:// or postgresql://"
    pg_admin -c "CREATE DATABASE \"$PG_NAME\"" ||
        die "cannot create a PostgreSQL database via $POSTGRES_URL (set BENCH_POSTGRES_URL, or BENCH_POSTGRES=0)"
    PG_DB=$PG_NAME # from here on the exit trap drops it
    log "created PostgreSQL database $PG_NAME"
    PG_ENV=(
        "${COMMON_ENV[@]}"
        "LATCHKEY_DATABASE_URL=$PG_BENCH_URL"
        "LATCHKEY_MASTER_KEY=$(head -c 32 /dev/urandom | base64 -w0)"
    )
    # PostgreSQL runs as production replicas would: with Redis (denylist, shared rate limits) when it answers.
    if [[ -n $REDIS_URL ]]; then
        redis-cli -u "$REDIS_URL" ping 2>/dev/null | grep -q PONG ||
            die "Redis does not answer at $REDIS_URL (set BENCH_REDIS_URL, or BENCH_REDIS_URL= to run without)"
        PG_ENV+=("LATCHKEY_REDIS_URL=$REDIS_URL" "LATCHKEY_REDIS_PREFIX=$PG_NAME")
        log "PostgreSQL phases use Redis at $REDIS_URL (key prefix $PG_NAME)"
    fi
fi

# password, password-flooded, refresh-N..., [refresh-N-cli], [refresh-N-slow-heads], then sign-in, sso-8,
# sign-in-totp, register, client-credentials, introspect, revoke, jwks; on PostgreSQL the same but the CLI writer,
# the slow heads and jwks.
totp_count=0
if ((SLOW_HEADS_ONLY)); then
    phase_count=3
elif [[ -n $PHASES ]]; then
    phase_count=${#PHASE_LIST[@]}
    for name in sign-in-totp pg-sign-in-totp; do
        if [[ ,$PHASES, == *",$name,"* ]]; then totp_count=$((totp_count + 1)); fi
    done
else
    phase_count=$((2 + ${#REFRESH_LIST[@]} + (CLI_CONNS > 0 ? 1 : 0) + (SLOW_HEAD_CONNS > 0 ? 1 : 0) + 8))
    totp_count=1
    ((POSTGRES == 0)) || phase_count=$((phase_count + 2 + ${#REFRESH_LIST[@]} + 7)) totp_count=2
fi
# A sign-in-totp set-up enrols about 2 × 60/s × min(BENCH_SECONDS, 30) users at an argon2id verification each.
totp_setup=$((totp_count * (3 * (PHASE_SECONDS < 30 ? PHASE_SECONDS : 30) + 10)))
log "$phase_count phases of ${PHASE_SECONDS}s, then 2 ceilings of ${CEILING_SECONDS}s: about" \
    "$(((phase_count * (PHASE_SECONDS + 3) + totp_setup + 2 * CEILING_SECONDS + 59) / 60)) min"

# ---------------------------------------------------------------------------------------------------------------
# Server and measurement helpers

status_kb() { awk -v field="$2:" '$1 == field { print $2 }' "/proc/$1/status"; }
proc_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Busy and total jiffies of the whole machine.
machine_cpu() { awk '$1 == "cpu" { total = 0; for (i = 2; i <= NF; i++) total += $i; print total - $5 - $6, total }' /proc/stat; }

start_server() { # $1 = phase name
    local log_file="$WORK/server-$1.log" started
    started=$(date +%s)
    (cd "$WORK" && exec env "${LATCHKEY_ENV[@]}" "$BIN" serve) >"$log_file" 2>&1 &
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

# CPU ticks of the PostgreSQL backends serving the bench database (0 on SQLite), found by their process title
# "postgres: USER DATABASE HOST(PORT) STATE": on PostgreSQL, the database's share of the CPU split. Backends
# started during the phase count in full; one that exits before its end is missed (the pool keeps them).
db_cpu_ticks() {
    local dir title stat fields total=0
    if [[ $BACKEND == postgres ]]; then
        for dir in /proc/[0-9]*; do
            title=""
            read -r -d '' title 2>/dev/null <"$dir/cmdline" || true
            [[ $title == "postgres: "*" $PG_NAME "* ]] || continue
            read -r stat 2>/dev/null <"$dir/stat" || continue
            # utime and stime are fields 14 and 15, counted from the state (field 3) after the command name.
            read -r -a fields <<<"${stat##*) }"
            total=$((total + fields[11] + fields[12]))
        done
    fi
    echo "$total"
}

perf_wanted() { [[ $PERF == 1 || ,$PERF, == *",$1,"* ]]; }

# Runs one wrk phase against the running server and writes $WORK/<phase>.meta (key=value) and <phase>.wrk.txt.
# With $5, the name of a function, runs `$5 PHASE DEADLINE_US` in the background during the load (a second client
# of the database); it must stop by itself at the deadline.
run_phase() { # $1 = phase, $2 = wrk threads, $3 = connections, $4 = lua script, [$5 = side load]
    local phase=$1 threads=$2 conns=$3 script=$4 side=${5:-} startup_hwm reset=yes cpu0 cpu1 db0 db1 m0 m1 wrk_cpu
    startup_hwm=$(status_kb "$SERVER_PID" VmHWM)
    # "5" resets VmHWM to the current RSS (Linux >= 4.0), so the phase's own peak can be told from start-up's.
    echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || reset=no
    cpu0=$(proc_cpu_ticks "$SERVER_PID")
    db0=$(db_cpu_ticks)
    read -r -a m0 < <(machine_cpu)
    log "$phase: wrk -t$threads -c$conns -d${PHASE_SECONDS}s${side:+ with $side}"
    local perf_pid=""
    if perf_wanted "$phase"; then
        # A flat CPU profile of the server during the phase (perf samples are cheap at 499 Hz).
        timeout $((PHASE_SECONDS + 30)) perf record -q -F 499 -p "$SERVER_PID" -o "$WORK/perf-$phase.data" \
            -- sleep "$PHASE_SECONDS" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    if [[ -n $side ]]; then
        "$side" "$phase" $((${EPOCHREALTIME//[!0-9]/} + PHASE_SECONDS * 1000000)) &
        SIDE_PID=$!
    fi
    # `time` in a subshell: in this shell it would also count the background jobs (side load, perf) reaped while
    # wrk runs.
    local TIMEFORMAT='%U %S'
    if ! (time timeout $((PHASE_SECONDS + 60)) \
        wrk -t"$threads" -c"$conns" -d"${PHASE_SECONDS}s" --timeout 5s --latency -s "$BENCH_DIR/$script" \
        "$BASE_URL" >"$WORK/$phase.wrk.txt" 2>"$WORK/$phase.wrk.err") 2>"$WORK/$phase.time"; then
        cat "$WORK/$phase.wrk.err" >&2
        die "wrk failed in the $phase phase"
    fi
    cpu1=$(proc_cpu_ticks "$SERVER_PID")
    db1=$(db_cpu_ticks)
    read -r -a m1 < <(machine_cpu)
    if [[ -n $SIDE_PID ]]; then
        # Its last command may end after wrk; its CPU is in <phase>.side.txt, out of these machine figures.
        wait "$SIDE_PID" || die "the $side loop failed in the $phase phase"
        SIDE_PID=""
    fi
    if [[ -n $perf_pid ]]; then
        wait "$perf_pid" || true
        mkdir -p "$RESULTS_DIR"
        timeout 120 perf report -q -i "$WORK/perf-$phase.data" --sort dso,symbol --percent-limit 0.5 --stdio \
            2>/dev/null | sed -E 's/[[:space:]]+(-[[:space:]]+)*$//' >"$RESULTS_DIR/perf-$phase.txt" || true
        log "$phase: CPU profile of the server in $RESULTS_DIR/perf-$phase.txt"
    fi
    wrk_cpu=$(awk '{ print $1 + $2 }' "$WORK/$phase.time")
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server died during the $phase phase"
    cat >"$WORK/$phase.meta" <<EOF
phase=$phase
script=$script
backend=$BACKEND
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
db_cpu_s=$(awk -v a="$db0" -v b="$db1" -v hz="$(getconf CLK_TCK)" 'BEGIN { print (b - a) / hz }')
machine_busy_s=$(awk -v a="${m0[0]}" -v b="${m1[0]}" -v hz="$(getconf CLK_TCK)" 'BEGIN { print (b - a) / hz }')
machine_total_s=$(awk -v a="${m0[1]}" -v b="${m1[1]}" -v hz="$(getconf CLK_TCK)" 'BEGIN { print (b - a) / hz }')
EOF
    printf '%s\n' "$phase" >>"$WORK/phases.txt"
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

# Writes $1 fresh refresh tokens (password grants, PASSWORD_CONNS at a time: argon2 bounds them) to $2.
seed_chains() { # $1 = count, $2 = output file
    log "seeding $1 refresh chains with password grants ($(basename "$2"))"
    python3 -B - "$BASE_URL/token" "$1" "$PASSWORD_CONNS" >"$2" <<'PY' || die "seeding the refresh chains failed"
import concurrent.futures, json, os, sys, urllib.error, urllib.request

url, count, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
headers = {"Authorization": "Basic " + os.environ["BENCH_BASIC"],
           "Content-Type": "application/x-www-form-urlencoded"}

def grant(_):
    request = urllib.request.Request(url, os.environ["BENCH_PASSWORD_BODY"].encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["refresh_token"]
    except urllib.error.HTTPError as e:
        raise SystemExit(f"seed: HTTP {e.code} {e.read()[:300]!r}")

with concurrent.futures.ThreadPoolExecutor(workers) as pool:
    print("\n".join(pool.map(grant, range(count))))
PY
}

# The backend's first phase: migrate, start a server, create the user and the client with the CLI, check one
# grant, run the password phase, then seed the chains of the refresh phases (on this server, so that the refresh
# servers start clean). Sets BASIC and exports BENCH_BASIC / BENCH_PASSWORD_BODY for the wrk scripts.
password_phase() { # $1 = phase; then one PHASE:CHAINS per refresh phase to seed
    local phase=$1 spec code
    shift
    # Explicitly, before any other command: later versions refuse to migrate PostgreSQL implicitly.
    latchkey migrate >"$WORK/$phase.migrate.txt" 2>&1 || {
        cat "$WORK/$phase.migrate.txt" >&2
        die "latchkey migrate failed ($BACKEND)"
    }
    log "$BACKEND: $(tail -n 1 "$WORK/$phase.migrate.txt")"
    start_server "$phase"
    printf '%s' "$PASSWORD" | latchkey users create --email bench@example.test --username "$USERNAME" \
        --password-stdin --json >"$WORK/$phase.user.json" || die "users create failed ($BACKEND)"
    latchkey clients create --id bench-client --grant password --grant refresh_token --scope read --json \
        >"$WORK/$phase.client.json" || die "clients create failed ($BACKEND)"
    local client_id client_secret
    client_id=$(json_field "$WORK/$phase.client.json" client_id)
    client_secret=$(json_field "$WORK/$phase.client.json" client_secret)
    # RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding; both are URL-safe here.
    [[ $client_id$client_secret$PASSWORD =~ ^[A-Za-z0-9_.~-]+$ ]] || die "unexpected characters in the credentials"
    BASIC=$(printf '%s:%s' "$client_id" "$client_secret" | base64 -w0)
    export BENCH_BASIC=$BASIC BENCH_PASSWORD_BODY="grant_type=password&username=$USERNAME&password=$PASSWORD&scope=read"

    code=$(token_request "$BENCH_PASSWORD_BODY" "$WORK/sanity.json") || die "sanity password grant: curl failed"
    [[ $code == 200 ]] || die "sanity password grant answered HTTP $code: $(cat "$WORK/sanity.json")"

    if wanted "$phase"; then
        run_phase "$phase" "$WRK_THREADS" "$PASSWORD_CONNS" password.lua
    fi
    for spec in "$@"; do
        seed_chains "${spec#*:}" "$WORK/tokens-${spec%%:*}.txt"
    done
    stop_server
}

# One refresh phase on its own server: one wrk thread and one connection per chain.
refresh_phase() { # $1 = phase, $2 = chains, [$3 = side load, as in run_phase]
    start_server "$1"
    if [[ -n ${3:-} ]]; then
        cli_sanity
    fi
    export BENCH_TOKENS_FILE="$WORK/tokens-$1.txt"
    run_phase "$1" "$2" "$2" refresh.lua "${3:-}"
    stop_server
}

# The side load of refresh-N-cli: `latchkey users create` back to back until the deadline, each a new process (as
# an operator's script would run them) with the password on standard input. One line per command in
# <phase>.side.txt: exit status, wall, user and system seconds (children included: bash `time`).
CLI_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
cli_writer() { # $1 = phase, $2 = deadline (µs since the epoch)
    local phase=$1 deadline=$2 i=0 status TIMEFORMAT='%3R %3U %3S'
    set +e # a failed command is a figure here, not the end of the loop
    : >"$WORK/$phase.side.txt"
    while ((${EPOCHREALTIME//[!0-9]/} < deadline)); do
        i=$((i + 1))
        { time latchkey users create --email "u$i@bench.test" --password-stdin <<<"$CLI_PASSWORD" \
            >/dev/null 2>>"$WORK/$phase.side.err"; } 2>"$WORK/$phase.side.time"
        status=$?
        printf '%s %s\n' "$status" "$(cat "$WORK/$phase.side.time")" >>"$WORK/$phase.side.txt"
    done
}
# The same command once before the load, so that a broken invocation fails the harness, not the figures.
cli_sanity() {
    latchkey users create --email u0@bench.test --password-stdin <<<"$CLI_PASSWORD" >/dev/null ||
        die "latchkey users create (CLI writer) failed before the load"
}

# refresh-N-slow-heads: the attacker (bench/slow_heads.py, from 127.0.0.2: another source than wrk's 127.0.0.1)
# is put in place first, then refresh-N runs while it holds what it can; it stops with the phase. Its figures go to
# <phase>.attack.txt (a BENCH_ATTACK JSON line) and the phase's meta records attack=slow-heads.
SLOW_HEAD_SOURCE=127.0.0.2
slow_heads_phase() { # $1 = phase, $2 = chains
    local phase=$1 ready="$WORK/$1.attack.ready" waited=0
    start_server "$phase"
    log "$phase: $SLOW_HEAD_CONNS attacking connections from $SLOW_HEAD_SOURCE"
    python3 -B "$BENCH_DIR/slow_heads.py" "$SLOW_HEAD_SOURCE" "$HOST" "$PORT" "$SLOW_HEAD_CONNS" \
        $(($(date +%s) + PHASE_SECONDS + 120)) "$ready" "$SLOW_HEAD_RETRY" >"$WORK/$phase.attack.txt" 2>"$WORK/$phase.attack.err" &
    ATTACK_PID=$!
    until [[ -s $ready ]]; do
        kill -0 "$ATTACK_PID" 2>/dev/null || {
            cat "$WORK/$phase.attack.err" >&2
            die "the slow-heads attacker exited before it was in place"
        }
        ((waited++ < 600)) || die "the slow-heads attack was not in place within 60 s"
        sleep 0.1
    done
    log "$phase: attack in place, $(cat "$ready") connections held"
    export BENCH_TOKENS_FILE="$WORK/tokens-$phase.txt"
    run_phase "$phase" "$2" "$2" refresh.lua
    echo "attack=slow-heads" >>"$WORK/$phase.meta"
    kill -TERM "$ATTACK_PID" 2>/dev/null || true
    wait "$ATTACK_PID" || die "the slow-heads attacker failed: $(tail -n 3 "$WORK/$phase.attack.err")"
    ATTACK_PID=""
    grep -h BENCH_ATTACK "$WORK/$phase.attack.txt" | sed 's/^BENCH_ATTACK /  attack: /' >&2 || true
    stop_server
}

# The hosted sign-in phases on a running server: an authorization-code client is registered, one sign-in page is
# fetched (its form and anonymous cookie make every request of the sign-in phase a complete, valid sign-in), and
# one sign-in is made for real to get the session cookie that the single-sign-on phase sends.
#   sign-in    POST /login: argon2id + a session and a code per request, 303 to the client  (bench/sign_in.lua)
#   sso-N      GET /authorize with the session (303 with a code), then POST /token with the code and its PKCE
#              verifier: two RS256 signatures per flow; N chains, one per wrk thread          (bench/sso.lua)
SSO_CONNS=8
hosted_phases() { # $1 = phase name prefix ("" or "pg-")
    local prefix=$1 code
    start_server "${prefix}sign-in"
    latchkey clients create --id "bench-web" --grant authorization_code --scope read \
        --redirect-uri "http://127.0.0.1:9/cb" --json >"$WORK/${prefix}web-client.json" ||
        die "clients create (authorization code) failed ($BACKEND)"
    BENCH_WEB_BASIC=$(printf '%s:%s' bench-web "$(json_field "$WORK/${prefix}web-client.json" client_secret)" |
        base64 -w0)
    python3 -B - "$BASE_URL" "$USERNAME" "$PASSWORD" >"$WORK/${prefix}hosted.env" <<'PY' ||
import base64, hashlib, html, http.client, re, secrets, shlex, sys, urllib.parse as up
base, username, password = sys.argv[1:4]
host = up.urlsplit(base)
verifier = secrets.token_urlsafe(32)
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
query = up.urlencode({"response_type": "code", "client_id": "bench-web", "redirect_uri": "http://127.0.0.1:9/cb",
                      "scope": "openid read", "state": "bench", "nonce": "bench", "code_challenge": challenge,
                      "code_challenge_method": "S256"})
def call(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    c.request(method, path, body, headers or {})
    r = c.getresponse()
    return r.status, r.getheaders(), r.read().decode()
def cookie(headers):
    for k, v in headers:
        if k.lower() == "set-cookie" and v.startswith("latchkey="):
            return v.split(";")[0]
    raise SystemExit("no latchkey cookie")
status, headers, page = call("GET", "/authorize?" + query)
if status != 200:
    raise SystemExit(f"GET /authorize answered {status}")
anon = cookie(headers)
fields = [(html.unescape(n), html.unescape(v))
          for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)]
body = up.urlencode(fields + [("username", username), ("password", password)])
form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": anon, "Origin": base}
status, headers, _ = call("POST", "/login", body, form)
if status != 303:
    raise SystemExit(f"sanity sign-in answered {status}")
session = cookie(headers)
code_body = up.urlencode({"grant_type": "authorization_code", "redirect_uri": "http://127.0.0.1:9/cb",
                          "code_verifier": verifier})
for name, value in [("BENCH_SIGNIN_BODY", body), ("BENCH_ANON_COOKIE", anon), ("BENCH_ORIGIN", base),
                    ("BENCH_SESSION_COOKIE", session), ("BENCH_AUTHORIZE_PATH", "/authorize?" + query),
                    ("BENCH_CODE_BODY", code_body)]:
    print(f"{name}={shlex.quote(value)}")
PY
        die "hosted sign-in setup failed ($BACKEND)"
    set -a
    # shellcheck disable=SC1090
    source "$WORK/${prefix}hosted.env"
    set +a
    export BENCH_WEB_BASIC
    if wanted "${prefix}sign-in"; then
        run_phase "${prefix}sign-in" "$WRK_THREADS" "$PASSWORD_CONNS" sign_in.lua
    fi
    stop_server
    wanted "${prefix}sso-$SSO_CONNS" || return 0
    start_server "${prefix}sso-$SSO_CONNS"
    code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "Cookie: $BENCH_SESSION_COOKIE" \
        "$BASE_URL$BENCH_AUTHORIZE_PATH") || die "SSO sanity request failed"
    [[ $code == 303 ]] || die "SSO sanity request answered HTTP $code (expected a redirect with a code)"
    run_phase "${prefix}sso-$SSO_CONNS" "$SSO_CONNS" "$SSO_CONNS" sso.lua
    stop_server
}

# register: POST /register with open registration (LATCHKEY_REGISTRATION=open), 4 connections like sign-in: one
# argon2id hash and one queued request per registration; the server trusts 127.0.0.1 as its proxy so that each
# request can come from its own address (bench/register.lua). The form and cookie come from one GET /register.
register_phase() { # $1 = phase name
    local saved=("${LATCHKEY_ENV[@]}")
    LATCHKEY_ENV+=("LATCHKEY_REGISTRATION=open" "LATCHKEY_TRUSTED_PROXIES=127.0.0.1/32")
    start_server "$1"
    python3 -B - "$BASE_URL" >"$WORK/$1.env" <<'PY' ||
import html, http.client, re, shlex, sys, urllib.parse as up
base = sys.argv[1]
host = up.urlsplit(base)
c = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
c.request("GET", "/register")
r = c.getresponse()
page = r.read().decode()
if r.status != 200:
    raise SystemExit(f"GET /register answered {r.status}")
anon = next((v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("latchkey=")),
            None) or sys.exit("no latchkey cookie")
fields = [(html.unescape(n), html.unescape(v))
          for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)]
body = up.urlencode(fields)
sanity = body + "&" + up.urlencode({"email": "sanity@example.test", "password": "a long enough passphrase",
                                    "password_again": "a long enough passphrase"})
c = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
c.request("POST", "/register", sanity, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": anon,
                                        "Origin": base})
r = c.getresponse()
r.read()
if r.status != 200:
    raise SystemExit(f"sanity registration answered {r.status}")
for name, value in [("BENCH_REGISTER_BODY", body), ("BENCH_ANON_COOKIE", anon), ("BENCH_ORIGIN", base)]:
    print(f"{name}={shlex.quote(value)}")
PY
        die "registration setup failed ($BACKEND)"
    set -a
    # shellcheck disable=SC1090
    source "$WORK/$1.env"
    set +a
    run_phase "$1" "$WRK_THREADS" "$PASSWORD_CONNS" register.lua
    stop_server
    LATCHKEY_ENV=("${saved[@]}")
}

# sign-in-totp: hosted sign-ins with a password and a TOTP code (issue 20), each two requests (bench/sign_in_totp.lua:
# POST /login, then POST /login/second-factor with the code), 4 connections like sign-in, one wrk thread each.
# Set up on a server of its own, stopped before the phase's starts:
#   - TOTP_USERS users imported with `latchkey users import` and the argon2id hash the CLI made for the bench user
#     (the configured parameters, so signing in never rehashes; read from the database, which no API shows);
#   - each enrolled through the account pages as a person would: signed in on /login, enrolment started, the key
#     read from the page, confirmed with the previous step's code (one step of skew), so that the phase's codes,
#     from the current step on, are later than the one used;
#   - a fresh sign-in page per user for an authorization-code client (its own anonymous cookie and CSRF token);
#   - one more user signs in for real through the step page, with a wrong code then the right one: the answers the
#     script tells apart, and the step page's form being the one the script posts.
# Every user's codes are computed (RFC 6238 with hmac and hashlib) for every step from then to past the phase's end.
# A user signs in at most once per 30 s step (the server refuses a code's replay); the users needed are twice what
# the phase could do in min(BENCH_SECONDS, 30) seconds at the fastest password or sign-in rate measured so far on
# this backend (60/s if none ran), or BENCH_TOTP_USERS. Enrolling costs one argon2id verification per user.
TOTP_REDIRECT=http://127.0.0.1:9/cb
totp_users() { # $1 = phase name prefix: how many users the phase needs
    if [[ -n ${BENCH_TOTP_USERS:-} ]]; then
        echo "$BENCH_TOTP_USERS"
        return
    fi
    python3 -B - "$PHASE_SECONDS" "$WORK/${1}password.wrk.txt" "$WORK/${1}sign-in.wrk.txt" <<'PY'
import json, math, os, sys
seconds, rate = int(sys.argv[1]), 60.0
measured = []
for path in sys.argv[2:]:
    if os.path.exists(path):
        for line in open(path):
            if line.startswith("BENCH_JSON "):
                run = json.loads(line[len("BENCH_JSON "):])
                measured.append(run["ok"] / (run["duration_us"] / 1e6))
rate = max(measured) if measured else rate
print(max(50, math.ceil(2 * rate * min(seconds, 30))))
PY
}
sign_in_totp_phase() { # $1 = phase name prefix ("" or "pg-")
    local phase="${1}sign-in-totp" users hash started
    users=$(totp_users "$1") || die "sizing the $phase users failed"
    if [[ $BACKEND == sqlite ]]; then
        hash=$(python3 -B -c 'import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(db.execute("SELECT password_hash FROM users WHERE username = ?", (sys.argv[2],)).fetchone()[0])' \
            "$WORK/latchkey.db" "$USERNAME") || die "reading the bench user's hash failed ($BACKEND)"
    else
        hash=$(timeout 60 psql -X -q -At -v ON_ERROR_STOP=1 -d "$PG_BENCH_URL" \
            -c "SELECT password_hash FROM users WHERE username = '$USERNAME'") ||
            die "reading the bench user's hash failed ($BACKEND)"
    fi
    [[ $hash == "\$argon2id\$"* ]] || die "the bench user's hash is not argon2id ($BACKEND)"
    # User 0 is the sanity check's; 1..users are the phase's.
    python3 -B - "$hash" "$users" >"$WORK/$phase.import.jsonl" <<'PY'
import json, sys
for i in range(int(sys.argv[2]) + 1):
    print(json.dumps({"email": f"totp-{i}@bench.test", "username": f"totp-{i}", "email_verified": True,
                      "password_hash": sys.argv[1]}))
PY
    latchkey users import "$WORK/$phase.import.jsonl" --json >"$WORK/$phase.import.json" ||
        die "users import failed ($BACKEND)"
    latchkey clients create --id "bench-totp" --grant authorization_code --scope read \
        --redirect-uri "$TOTP_REDIRECT" --json >"$WORK/$phase.client.json" ||
        die "clients create (TOTP sign-ins) failed ($BACKEND)"
    start_server "$phase-setup"
    log "$phase: enrolling $users users through the account pages ($PASSWORD_CONNS at a time)"
    started=$(date +%s)
    timeout $((300 + users)) python3 -B - "$BASE_URL" "$PASSWORD" "$users" "$PASSWORD_CONNS" "$TOTP_REDIRECT" \
        $((PHASE_SECONDS + START_TIMEOUT + 60)) >"$WORK/$phase.users" <<'PY' ||
import base64, concurrent.futures, hashlib, hmac, html, http.client, re, secrets, struct, sys, time
import urllib.parse as up

base, password, users, workers, redirect, horizon = sys.argv[1:7]
users, workers, horizon = int(users), int(workers), int(horizon)
host = up.urlsplit(base)
STEP = 30


def totp(key, step):
    """RFC 6238 with SHA-1 and 6 digits (RFC 4226 §5.3 dynamic truncation)."""
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


assert totp(b"12345678901234567890", 59 // STEP) == "287082"  # RFC 6238 Appendix B, last six digits


def fields(page):
    """The hidden fields of the page's forms, each name once (every form repeats the CSRF token)."""
    seen = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page):
        seen.setdefault(html.unescape(name), html.unescape(value))
    return list(seen.items())


class Browser:
    """One browser: its latchkey cookie, replaced whenever the server sets a new one."""

    def __init__(self, cookie=None):
        self.cookie = cookie

    def call(self, method, path, form=None):
        headers, body = {}, None
        if self.cookie:
            headers["Cookie"] = self.cookie
        if form is not None:
            body = up.urlencode(form)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": base})
        c = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        try:
            c.request(method, path, body, headers)
            r = c.getresponse()
            text = r.read().decode()
        finally:
            c.close()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and v.startswith("latchkey="):
                self.cookie = v.split(";")[0]
        return r.status, r.getheader("Location") or "", text


def expect(ok, what):
    if not ok:
        raise SystemExit(f"sign-in-totp setup: {what}")


def enrol(username):
    """Signs in on /login and enrols an authenticator on the account page: the secret the page shows."""
    b = Browser()
    status, _, page = b.call("GET", "/login")
    expect(status == 200, f"GET /login answered {status}")
    status, location, _ = b.call("POST", "/login", fields(page) + [("username", username), ("password", password)])
    expect(status == 303 and location.startswith("/account"), f"{username}: sign-in answered {status} {location}")
    status, _, page = b.call("GET", "/account")
    expect(status == 200, f"{username}: GET /account answered {status}")
    status, location, _ = b.call("POST", "/account/two-step/start", [("csrf_token", dict(fields(page))["csrf_token"])])
    expect(status == 303 and location == "/account/two-step", f"{username}: start answered {status} {location}")
    status, _, page = b.call("GET", "/account/two-step")
    expect(status == 200, f"{username}: the enrolment page answered {status}")
    key = re.search(r'<p class="secret-key"[^>]*><code>([A-Z2-7 ]+)</code>', page)
    expect(key, f"{username}: no key on the enrolment page")
    key = key.group(1).replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    form = fields(page)
    for _ in range(3):
        # The previous step's code: accepted (one step of skew), and every step the phase uses is later.
        status, location, _ = b.call("POST", "/account/two-step/confirm",
                                     form + [("code", totp(secret, int(time.time()) // STEP - 1))])
        if status == 200:
            return secret
        # A 303 back to the page: the step turned between the code and its check.
    raise SystemExit(f"sign-in-totp setup: {username}: the enrolment was not confirmed ({status} {location})")


verifier = secrets.token_urlsafe(32)
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
authorize = "/authorize?" + up.urlencode({
    "response_type": "code", "client_id": "bench-totp", "redirect_uri": redirect, "scope": "openid read",
    "state": "bench", "nonce": "bench", "code_challenge": challenge, "code_challenge_method": "S256"})


def sign_in_form():
    """A new browser's sign-in page for the authorization request: its cookie and the form's hidden fields."""
    b = Browser()
    status, _, page = b.call("GET", authorize)
    expect(status == 200 and b.cookie, f"GET /authorize answered {status}")
    return b.cookie, fields(page)


def prepare(i):
    username = f"totp-{i}"
    secret = enrol(username)
    cookie, form = sign_in_form()
    return secret, cookie, form, form + [("username", username), ("password", password)]


started = time.time()
with concurrent.futures.ThreadPoolExecutor(workers) as pool:
    prepared = list(pool.map(prepare, range(users + 1)))
print(f"sign-in-totp setup: {users + 1} users enrolled and given a sign-in page in {time.time() - started:.1f} s",
      file=sys.stderr)

# The sanity sign-in, as a browser makes it: password, the step page, a wrong code, the right one.
secret, cookie, form, login = prepared[0]
b = Browser(cookie)
status, location, _ = b.call("POST", "/login", login)
expect(status == 303 and location.startswith("/login/second-factor?"),
       f"sanity: the password answered {status} {location} (expected the second-factor step)")
expect(b.cookie == cookie, "sanity: the password step replaced the browser cookie")
status, _, page = b.call("GET", location)
expect(status == 200, f"sanity: the step page answered {status}")
expect(sorted(fields(page)) == sorted(form), "sanity: the step page's form is not the sign-in form's hidden fields")
now = int(time.time()) // STEP
wrong = next(c for c in (f"{n:06d}" for n in range(1_000_000))
             if c not in {totp(secret, s) for s in range(now - 2, now + 3)})
status, location, _ = b.call("POST", "/login/second-factor", form + [("code", wrong)])
expect(status == 303 and location.startswith("/login/second-factor?") and "problem=code" in location,
       f"sanity: a wrong code answered {status} {location}")
status, location, _ = b.call("POST", "/login/second-factor", form + [("code", totp(secret, int(time.time()) // STEP))])
expect(status == 303 and location.startswith(redirect + "?") and "code=" in location,
       f"sanity: the right code answered {status} {location}")

# The phase's users: the codes of every step from now to past the phase's end.
first = int(time.time()) // STEP
last = (int(time.time()) + horizon) // STEP + 1
print(first)
for secret, cookie, form, login in prepared[1:]:
    codes = " ".join(totp(secret, s) for s in range(first, last + 1))
    print(f"{cookie} {up.urlencode(login)} {up.urlencode(form)} {codes}")
PY
        die "$phase set-up failed ($BACKEND)"
    log "$phase: set up in $(($(date +%s) - started)) s"
    stop_server
    start_server "$phase"
    export BENCH_TOTP_USERS_FILE="$WORK/$phase.users" BENCH_TOTP_THREADS=$PASSWORD_CONNS BENCH_ORIGIN=$BASE_URL \
        BENCH_TOTP_REDIRECT=$TOTP_REDIRECT
    run_phase "$phase" "$PASSWORD_CONNS" "$PASSWORD_CONNS" sign_in_totp.lua
    echo "users=$users" >>"$WORK/$phase.meta"
    stop_server
}

# client-credentials: POST /token grant_type=client_credentials by a service client (bench/client_credentials.lua),
# 8 connections: one RS256 signature per request, nothing stored.
client_credentials_phase() { # $1 = phase name
    local code
    start_server "$1"
    latchkey clients create --id "bench-service-$1" --grant client_credentials --scope read --json \
        >"$WORK/$1.client.json" || die "clients create (client_credentials) failed ($BACKEND)"
    BENCH_SERVICE_BASIC=$(printf '%s:%s' "bench-service-$1" "$(json_field "$WORK/$1.client.json" client_secret)" |
        base64 -w0)
    export BENCH_SERVICE_BASIC
    code=$(curl -sS --max-time 10 -o "$WORK/$1.sanity.json" -w '%{http_code}' \
        -H "Authorization: Basic $BENCH_SERVICE_BASIC" -d grant_type=client_credentials "$BASE_URL/token") ||
        die "client_credentials sanity request failed"
    [[ $code == 200 ]] || die "client_credentials sanity request answered HTTP $code"
    run_phase "$1" "$SSO_CONNS" "$SSO_CONNS" client_credentials.lua
    stop_server
}

# password-flooded: the password phase again while bench/guess.lua floods wrong passwords for another account
# from random addresses (X-Forwarded-For; this server trusts 127.0.0.1 as its proxy). The account locks for
# unknown sources after login_failure_limit guesses and the rest are refused without argon2: the legitimate
# logins must keep >= 0.8 of the unflooded password phase's throughput. The flood is bounded (BENCH_FLOOD_RATE,
# 1000 guesses/s: some 50 times what argon2 could check on 2 cores); an unbounded one measures how fast the HTTP
# layer refuses requests, a denial of service that per-address limits stop for few sources and a load balancer or
# WAF for many.
guess_flood() { # $1 = phase, $2 = deadline (µs since the epoch)
    local seconds=$((($2 - ${EPOCHREALTIME//[!0-9]/}) / 1000000))
    ((seconds > 0)) || return 0
    BENCH_FLOOD_DELAY_MS=$((FLOOD_RATE > 0 ? 4000 / FLOOD_RATE : 0)) \
        timeout $((seconds + 30)) wrk -t1 -c4 -d"${seconds}s" -s "$BENCH_DIR/guess.lua" "$BASE_URL" \
        >"$WORK/$1.flood.txt" 2>&1 || true
}
flood_phase() { # $1 = phase
    local saved=("${LATCHKEY_ENV[@]}")
    LATCHKEY_ENV+=("LATCHKEY_TRUSTED_PROXIES=127.0.0.1/32")
    printf '%s' "$PASSWORD" | latchkey users create --email "victim-$1@example.test" --username "victim-$1" \
        --password-stdin --json >/dev/null || die "users create (victim) failed ($BACKEND)"
    export BENCH_VICTIM="victim-$1"
    start_server "$1"
    run_phase "$1" "$WRK_THREADS" "$PASSWORD_CONNS" password_flooded.lua guess_flood
    stop_server
    LATCHKEY_ENV=("${saved[@]}")
    grep -h BENCH_JSON "$WORK/$1.flood.txt" | sed 's/^BENCH_JSON /  flood: /' >&2 || true
}

# introspect: POST /introspect by a resource server for one live access token (an RS256 verification and a
# denylist lookup per request); revoke: POST /revoke of distinct access tokens by their client (a verification and
# a revocation-log write, plus a Redis write with Redis). 8 connections each, ratios to the RS256 verify ceiling.
revocation_phases() { # $1 = phase name prefix ("" or "pg-")
    local prefix=$1 code
    start_server "${prefix}introspect"
    latchkey clients create --id "bench-rs-${prefix}x" --can-introspect --json >"$WORK/${prefix}rs.json" ||
        die "clients create --can-introspect failed ($BACKEND)"
    latchkey clients create --id "bench-holder-${prefix}x" --grant client_credentials --scope read --json \
        >"$WORK/${prefix}holder.json" || die "clients create (token holder) failed ($BACKEND)"
    BENCH_RS_BASIC=$(printf '%s:%s' "bench-rs-${prefix}x" "$(json_field "$WORK/${prefix}rs.json" client_secret)" |
        base64 -w0)
    BENCH_SERVICE_BASIC=$(printf '%s:%s' "bench-holder-${prefix}x" \
        "$(json_field "$WORK/${prefix}holder.json" client_secret)" | base64 -w0)
    export BENCH_RS_BASIC BENCH_SERVICE_BASIC
    code=$(curl -sS --max-time 10 -o "$WORK/${prefix}holder-token.json" -w '%{http_code}' \
        -H "Authorization: Basic $BENCH_SERVICE_BASIC" -d grant_type=client_credentials "$BASE_URL/token") ||
        die "token for introspection: curl failed"
    [[ $code == 200 ]] || die "token for introspection answered HTTP $code"
    BENCH_ACCESS_TOKEN=$(json_field "$WORK/${prefix}holder-token.json" access_token)
    export BENCH_ACCESS_TOKEN
    curl -sS --max-time 10 -H "Authorization: Basic $BENCH_RS_BASIC" -d "token=$BENCH_ACCESS_TOKEN" \
        "$BASE_URL/introspect" | grep -q '"active":true' || die "introspection sanity request: not active"
    if wanted "${prefix}introspect"; then
        run_phase "${prefix}introspect" "$SSO_CONNS" "$SSO_CONNS" introspect.lua
    fi
    stop_server

    wanted "${prefix}revoke" || return 0
    start_server "${prefix}revoke"
    log "issuing $REVOKE_SEED access tokens to revoke"
    python3 -B - "$BASE_URL/token" "$REVOKE_SEED" >"$WORK/${prefix}revoke-tokens.txt" <<'PY' ||
import concurrent.futures, json, os, sys, urllib.request
url, count = sys.argv[1], int(sys.argv[2])
headers = {"Authorization": "Basic " + os.environ["BENCH_SERVICE_BASIC"],
           "Content-Type": "application/x-www-form-urlencoded"}
def grant(_):
    request = urllib.request.Request(url, b"grant_type=client_credentials", headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["access_token"]
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    print("\n".join(pool.map(grant, range(count))))
PY
        die "issuing the tokens to revoke failed"
    export BENCH_TOKENS_FILE="$WORK/${prefix}revoke-tokens.txt" BENCH_REVOKE_THREADS=$SSO_CONNS
    run_phase "${prefix}revoke" "$SSO_CONNS" "$SSO_CONNS" revoke.lua
    stop_server
}

USERNAME=bench
PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
seeds=()
for n in "${REFRESH_LIST[@]}"; do
    if wanted "refresh-$n"; then seeds+=("refresh-$n:$n"); fi
done

# ---------------------------------------------------------------------------------------------------------------
# SQLite: password grants (then the seeds), refresh phases, the CLI writer under load, JWKS.

BACKEND=sqlite
LATCHKEY_ENV=("${SQLITE_ENV[@]}")
sqlite_seeds=("${seeds[@]}")
SLOW_HEAD_CHAINS=${REFRESH_LIST[0]}
if ((SLOW_HEADS_ONLY)); then
    sqlite_seeds=("refresh-$SLOW_HEAD_CHAINS:$SLOW_HEAD_CHAINS")
elif ((CLI_CONNS > 0)) && wanted "refresh-$CLI_CONNS-cli"; then
    sqlite_seeds+=("refresh-$CLI_CONNS-cli:$CLI_CONNS")
fi
if ((SLOW_HEAD_CONNS > 0)) && wanted "refresh-$SLOW_HEAD_CHAINS-slow-heads"; then
    sqlite_seeds+=("refresh-$SLOW_HEAD_CHAINS-slow-heads:$SLOW_HEAD_CHAINS")
fi
if ((SQLITE == 0)); then
    : # BENCH_PHASES names PostgreSQL phases only
elif ((SLOW_HEADS_ONLY)); then
    password_phase password "${sqlite_seeds[@]}"
    refresh_phase "refresh-$SLOW_HEAD_CHAINS" "$SLOW_HEAD_CHAINS"
    slow_heads_phase "refresh-$SLOW_HEAD_CHAINS-slow-heads" "$SLOW_HEAD_CHAINS"
else
    password_phase password "${sqlite_seeds[@]}"
    if wanted password-flooded; then flood_phase password-flooded; fi
    for n in "${REFRESH_LIST[@]}"; do
        if wanted "refresh-$n"; then refresh_phase "refresh-$n" "$n"; fi
    done
    if ((CLI_CONNS > 0)) && wanted "refresh-$CLI_CONNS-cli"; then
        refresh_phase "refresh-$CLI_CONNS-cli" "$CLI_CONNS" cli_writer
    fi
    if ((SLOW_HEAD_CONNS > 0)) && wanted "refresh-$SLOW_HEAD_CHAINS-slow-heads"; then
        slow_heads_phase "refresh-$SLOW_HEAD_CHAINS-slow-heads" "$SLOW_HEAD_CHAINS"
    fi

    if wanted sign-in || wanted "sso-$SSO_CONNS"; then hosted_phases ""; fi
    if wanted sign-in-totp; then sign_in_totp_phase ""; fi
    if wanted register; then register_phase register; fi
    if wanted client-credentials; then client_credentials_phase client-credentials; fi
    if wanted introspect || wanted revoke; then revocation_phases ""; fi

    if wanted jwks; then
        start_server jwks
        code=$(curl -sS --max-time 10 -o "$WORK/jwks.json" -w '%{http_code}' "$BASE_URL/.well-known/jwks.json") ||
            die "JWKS sanity request failed"
        [[ $code == 200 ]] || die "JWKS answered HTTP $code"
        run_phase jwks "$WRK_THREADS" "$JWKS_CONNS" jwks.lua
        stop_server
    fi
fi

# ---------------------------------------------------------------------------------------------------------------
# PostgreSQL: the same password and refresh phases on the fresh database.

if [[ $POSTGRES == 1 ]]; then
    BACKEND=postgres
    LATCHKEY_ENV=("${PG_ENV[@]}")
    pg_seeds=()
    for n in "${REFRESH_LIST[@]}"; do
        if wanted "pg-refresh-$n"; then pg_seeds+=("pg-refresh-$n:$n"); fi
    done
    password_phase pg-password "${pg_seeds[@]}"
    if wanted pg-password-flooded; then flood_phase pg-password-flooded; fi
    for n in "${REFRESH_LIST[@]}"; do
        if wanted "pg-refresh-$n"; then refresh_phase "pg-refresh-$n" "$n"; fi
    done
    if wanted pg-sign-in || wanted "pg-sso-$SSO_CONNS"; then hosted_phases pg-; fi
    if wanted pg-sign-in-totp; then sign_in_totp_phase pg-; fi
    if wanted pg-register; then register_phase pg-register; fi
    if wanted pg-client-credentials; then client_credentials_phase pg-client-credentials; fi
    if wanted pg-introspect || wanted pg-revoke; then revocation_phases pg-; fi
    LATCHKEY_ENV=("${SQLITE_ENV[@]}")
    drop_pg_database
fi

# ---------------------------------------------------------------------------------------------------------------
# Ceilings on all cores, with the server stopped; then the report.

log "ceilings: argon2id verify and RS256 sign, ${CEILING_SECONDS}s each on all cores"
(cd "$WORK" && timeout $((CEILING_SECONDS * 2 + 120)) env "${COMMON_ENV[@]}" "$CEILINGS" --seconds "$CEILING_SECONDS") \
    >"$WORK/ceilings.json" || die "the ceilings program failed"

for name in "${PHASE_LIST[@]}"; do
    grep -qx -- "$name" "$WORK/phases.txt" || log "BENCH_PHASES: no phase named $name ran"
done
[[ -s $WORK/phases.txt ]] || die "no phase ran (BENCH_PHASES=$PHASES)"

mkdir -p "$RESULTS_DIR"
python3 -B "$BENCH_DIR/report.py" "$WORK" "$RESULTS_DIR/latest.json"
