#!/usr/bin/env python3
"""Turns the raw output of bench/run.sh into the table and bench/results/latest.json.

usage: report.py WORK_DIR OUTPUT_JSON

The phases are those listed in WORK_DIR/phases.txt, in the order they ran; a phase's kind (password, refresh,
jwks) is its wrk script, its backend is recorded by run.sh. Targets whose phase did not run are reported as not
measured.

Exit status 0 when the measurement is usable (targets may be missed), 3 when the harness failed: a refresh chain
broke (a non-200 in a refresh phase), or a phase had no successful request. Socket errors and timeouts are figures.
"""

import datetime
import json
import os
import re
import subprocess
import sys

TARGETS = {
    "password_over_argon2_ceiling_min": 0.85,
    "sqlite_refresh_over_sign_ceiling_min": 0.45,
    "password_flooded_over_password_min": 0.8,
    # refresh-N-slow-heads against refresh-N (issue 16).
    "slow_heads_over_refresh_min": 0.8,
    "slow_heads_p99_over_refresh_max": 3.0,
    # Connections -> p99 in ms.
    "sqlite_refresh_p99_ms_max": {32: 25, 64: 60},
    "pg_refresh_over_sqlite_refresh_min": 0.55,
    "pg_refresh_p99_ms_max": {32: 40},
    "refresh_per_s_min": 2500,
    "jwks_per_s_min": 30000,
    "peak_rss_mib_max": 32,
}
SOCKET_ERRORS = ("connect", "read", "write", "timeout")


def read_meta(path):
    meta = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            if key:
                meta[key] = value
    return meta


def read_wrk(path):
    with open(path) as f:
        text = f.read()
    for line in text.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON ") :]), text
    raise SystemExit(f"report: no BENCH_JSON line in {path}")


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def wrk_latency_max_ms(text):
    """The Max column of wrk's "Latency  Avg  Stdev  Max  +/- Stdev" line, in ms (None if absent)."""
    m = re.search(r"^[ \t]*Latency[ \t]+\S+[ \t]+\S+[ \t]+([0-9.]+)(us|ms|s|m|h)[ \t]", text, re.MULTILINE)
    return float(m.group(1)) * UNITS_MS[m.group(2)] if m else None


def git(*args):
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def side_load(work, name):
    """The CLI writer of a refresh-N-cli phase: one line per command, "status wall user sys" (seconds)."""
    path = os.path.join(work, f"{name}.side.txt")
    if not os.path.exists(path):
        return None
    runs = []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) == 4:
                runs.append((int(fields[0]), *map(float, fields[1:])))
    walls = [r[1] for r in runs]
    errors = ""
    err_path = os.path.join(work, f"{name}.side.err")
    if os.path.exists(err_path):
        with open(err_path) as f:
            errors = f.read()
    cpu = sum(r[2] + r[3] for r in runs)
    return {
        "command": "latchkey users create --password-stdin",
        "commands": len(runs),
        "failed": sum(1 for r in runs if r[0] != 0),
        "wall_ms": {
            "mean": round(sum(walls) * 1000 / len(walls), 1) if walls else None,
            "max": round(max(walls) * 1000, 1) if walls else None,
        },
        "cpu_s": round(cpu, 2),
        # Only the last lines: a failure repeats itself.
        "stderr_tail": "\n".join(errors.strip().splitlines()[-5:]),
    }


def attack_result(work, name):
    """The slow-heads attacker's BENCH_ATTACK line of a refresh-N-slow-heads phase (None for other phases)."""
    path = os.path.join(work, f"{name}.attack.txt")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        for line in f:
            if line.startswith("BENCH_ATTACK "):
                return json.loads(line[len("BENCH_ATTACK ") :])
    return None


def phase_result(work, name):
    meta = read_meta(os.path.join(work, f"{name}.meta"))
    wrk, text = read_wrk(os.path.join(work, f"{name}.wrk.txt"))
    with open(os.path.join(work, f"{name}.wrk.err")) as f:
        stderr = f.read()
    seconds = wrk["duration_us"] / 1e6
    # sso.lua's first halves (303 with a code) are neither successes nor errors.
    errors = wrk["requests"] - wrk["ok"] - wrk.get("intermediate", 0)
    socket_errors = sum(wrk["errors"][k] for k in SOCKET_ERRORS)
    machine_total = float(meta["machine_total_s"]) or 1.0
    cores = machine_total / seconds if seconds else 0
    server_cpu, wrk_cpu = float(meta["server_cpu_s"]), float(meta["wrk_cpu_s"])
    db_cpu = float(meta.get("db_cpu_s", 0))
    busy = float(meta["machine_busy_s"])
    startup_hwm, hwm = int(meta["startup_hwm_kb"]) / 1024, int(meta["hwm_kb"]) / 1024
    reset = meta["hwm_reset"] == "yes"
    side = side_load(work, name)
    side_cpu = side["cpu_s"] if side else 0.0
    request_latency = {k: v / 1000 for k, v in wrk["latency_us"].items()}
    # wrk's own Max column (2 decimals); the histogram's exact maximum is the fallback.
    request_latency["max"] = wrk_latency_max_ms(text) or request_latency["max"]
    # Series a script timed itself (sign_in_totp.lua: whole sign-ins of two requests, and the second alone); the
    # script's operation, when it names one, is the phase's latency instead of wrk's per-request histogram.
    observed = {name: {k: (v if k == "count" else v / 1000) for k, v in series.items()}
                for name, series in wrk.get("observed_us", {}).items()}
    operation = wrk.get("operation")
    latency = dict(observed[operation]) if operation in observed else request_latency
    return {
        "kind": os.path.splitext(meta["script"])[0],
        "backend": meta["backend"],
        "ok_per_s": wrk["ok"] / seconds if seconds else 0.0,
        "ok": wrk["ok"],
        "requests": wrk["requests"],
        # Non-200 responses plus socket errors (connect, read, write, timeout).
        "errors": errors + socket_errors,
        "non_200": errors,
        "statuses": wrk["statuses"],
        "socket_errors": {k: wrk["errors"][k] for k in SOCKET_ERRORS},
        "latency_ms": latency,
        # What latency_ms times: "request" (wrk's histogram) or the script's operation (e.g. "sign_in").
        "latency_of": operation if operation in observed else "request",
        "request_latency_ms": request_latency,
        "observed_latency_ms": observed,
        "duration_s": seconds,
        "connections": int(meta["connections"]),
        "wrk_threads": int(meta["wrk_threads"]),
        # VmHWM of the phase's own server process, start-up included.
        "peak_rss_mib": max(startup_hwm, hwm),
        "startup_peak_rss_mib": startup_hwm,
        # VmHWM reset after start-up (clear_refs): the peak under load only; None if the reset was refused.
        "load_peak_rss_mib": hwm if reset else None,
        "final_rss_mib": int(meta["rss_kb"]) / 1024,
        "server_threads": int(meta["server_threads"]),
        "cpu": {
            # Seconds of CPU per second of wall time: 2.0 = both cores of a 2-core machine.
            "cores": round(cores, 2),
            "server": round(server_cpu / seconds, 2),
            "wrk": round(wrk_cpu / seconds, 2),
            # The PostgreSQL backends serving the bench database (0 on SQLite: it runs inside the server).
            "db": round(db_cpu / seconds, 2),
            # The CLI writer's processes (refresh-N-cli only).
            "cli": round(side_cpu / seconds, 2),
            "other": round(max(busy - server_cpu - wrk_cpu - db_cpu - side_cpu, 0) / seconds, 2),
            "idle": round((machine_total - busy) / seconds, 2),
            "server_cpu_ms_per_ok": round(server_cpu * 1000 / wrk["ok"], 3) if wrk["ok"] else None,
        },
        "cli_writer": side,
        # "slow-heads" when an attacker held connections during the phase (its figures in "attacker").
        "attack": meta.get("attack"),
        "attacker": attack_result(work, name),
        "chain_broken": "broken" in stderr,
        # A sign-in-totp thread stopped early (users exhausted, or no code for the step): the figure is too low.
        "stopped_early": "stopped:" in stderr,
        # sign-in-totp: the users enrolled for the phase (each signs in at most once per 30 s step).
        "users": int(meta["users"]) if "users" in meta else None,
        "wrk_stderr": stderr.strip()[:2000],
    }


def check(name, value, op, target):
    """One target row; value None = the phase it needs did not run."""
    passed = None if value is None else (value >= target if op == ">=" else value <= target)
    return {"name": name, "value": None if value is None else round(value, 3), "op": op, "target": target,
            "pass": passed}


def main():
    work, output = sys.argv[1], sys.argv[2]
    with open(os.path.join(work, "phases.txt")) as f:
        names = [line.strip() for line in f if line.strip()]
    phases = {name: phase_result(work, name) for name in names}
    with open(os.path.join(work, "ceilings.json")) as f:
        ceilings = json.loads(f.read().strip().splitlines()[-1])
    binary = read_meta(os.path.join(work, "binary.txt"))

    argon2, sign = ceilings["argon2_verify_per_s"], ceilings["rs256_sign_per_s"]
    verify = ceilings.get("rs256_verify_per_s")
    # A sign-in is one argon2 verification; a single-sign-on flow signs twice (access token and ID token); a
    # registration hashes once (a hash costs what a verification costs); a sign-in with a TOTP code verifies one
    # password too (its two requests are one sign-in, one "200").
    ceiling_of = {"password": ("argon2", argon2), "refresh": ("RS256", sign), "sign_in": ("argon2", argon2),
                  "register": ("argon2", argon2), "sign_in_totp": ("argon2", argon2),
                  "sso": ("RS256/2", sign / 2), "client_credentials": ("RS256", sign),
                  "introspect": ("RS256 verify", verify), "revoke": ("RS256 verify", verify),
                  "password_flooded": ("argon2", argon2)}
    for p in phases.values():
        label, rate = ceiling_of.get(p["kind"], (None, None))
        p["ceiling"] = label
        p["over_ceiling"] = round(p["ok_per_s"] / rate, 3) if rate else None

    def plain_refresh(backend):
        """Connections -> the refresh phase without side load, e.g. refresh-32 or pg-refresh-32."""
        return {p["connections"]: (n, p) for n, p in phases.items()
                if p["kind"] == "refresh" and p["backend"] == backend and not p["cli_writer"] and not p["attack"]}

    sqlite_rf, pg_rf = plain_refresh("sqlite"), plain_refresh("postgres")
    pg_over_sqlite = {
        f"{pg_rf[c][0]} / {sqlite_rf[c][0]}": round(pg_rf[c][1]["ok_per_s"] / sqlite_rf[c][1]["ok_per_s"], 3)
        for c in sorted(pg_rf) if c in sqlite_rf and sqlite_rf[c][1]["ok_per_s"]
    }

    checks = []
    for name, p in phases.items():
        if p["kind"] == "password":
            checks.append(check(f"{name} / argon2 ceiling", p["over_ceiling"], ">=",
                                TARGETS["password_over_argon2_ceiling_min"]))
        if p["kind"] == "password_flooded":
            unflooded = phases.get(name.replace("-flooded", ""))
            if unflooded and unflooded["ok_per_s"]:
                checks.append(check(f"{name} / {name.replace('-flooded', '')} (a guessing flood against another "
                                    "account)", round(p["ok_per_s"] / unflooded["ok_per_s"], 3), ">=",
                                    TARGETS["password_flooded_over_password_min"]))
    for name, p in phases.items():
        if p["attack"] == "slow-heads":
            plain = (sqlite_rf if p["backend"] == "sqlite" else pg_rf).get(p["connections"], (None, None))
            base_name, base = plain
            throughput = round(p["ok_per_s"] / base["ok_per_s"], 3) if base and base["ok_per_s"] else None
            p99 = (round(p["latency_ms"]["p99"] / base["latency_ms"]["p99"], 3)
                   if base and base["latency_ms"]["p99"] else None)
            checks.append(check(f"{name} / {base_name} throughput", throughput, ">=",
                                TARGETS["slow_heads_over_refresh_min"]))
            checks.append(check(f"{name} / {base_name} p99", p99, "<=",
                                TARGETS["slow_heads_p99_over_refresh_max"]))
    for c, (name, p) in sorted(sqlite_rf.items()):
        checks.append(check(f"{name} / RS256 ceiling", p["over_ceiling"], ">=",
                            TARGETS["sqlite_refresh_over_sign_ceiling_min"]))
    for c, limit in TARGETS["sqlite_refresh_p99_ms_max"].items():
        p = sqlite_rf.get(c, (None, None))[1]
        checks.append(check(f"refresh-{c} p99 ms", p and p["latency_ms"]["p99"], "<=", limit))
    for c, (name, p) in sorted(pg_rf.items()):
        ratio = pg_over_sqlite.get(f"{name} / {sqlite_rf[c][0]}") if c in sqlite_rf else None
        checks.append(check(f"{name} / refresh-{c} throughput", ratio, ">=",
                            TARGETS["pg_refresh_over_sqlite_refresh_min"]))
    for c, limit in TARGETS["pg_refresh_p99_ms_max"].items():
        p = pg_rf.get(c, (None, None))[1]
        checks.append(check(f"pg-refresh-{c} p99 ms", p and p["latency_ms"]["p99"], "<=", limit))
    for c, (name, p) in sorted(sqlite_rf.items()):
        checks.append(check(f"{name} grants/s", p["ok_per_s"], ">=", TARGETS["refresh_per_s_min"]))
    for name, p in phases.items():
        if p["kind"] in ("sign_in", "sign_in_totp", "register", "sso", "client_credentials", "introspect",
                         "revoke"):
            checks.append(check(f"{name} / {p['ceiling']} ceiling (info)", p["over_ceiling"], ">=", 0.0))
    for name, p in phases.items():
        plain = phases.get(name.replace("sign-in-totp", "sign-in"))
        if p["kind"] == "sign_in_totp" and plain and plain["ok_per_s"]:
            checks.append(check(f"{name} / {name.replace('sign-in-totp', 'sign-in')} (info)",
                                p["ok_per_s"] / plain["ok_per_s"], ">=", 0.0))
    for name, p in phases.items():
        if p["kind"] == "jwks":
            checks.append(check(f"{name} GETs/s", p["ok_per_s"], ">=", TARGETS["jwks_per_s_min"]))
    peak = max(p["peak_rss_mib"] for p in phases.values())
    load_peak = max((p["load_peak_rss_mib"] or p["peak_rss_mib"]) for p in phases.values())
    checks.append(check("peak RSS MiB (any phase, start-up incl.)", peak, "<=", TARGETS["peak_rss_mib_max"]))
    checks.append(check("peak RSS MiB (under load only)", load_peak, "<=", TARGETS["peak_rss_mib_max"]))

    # Contention-proof companions of the ceiling ratios: CPU per operation of the ceiling over server CPU per 200
    # (the ratio the grant would reach if it got as many cores as the ceiling did, and used them all). Not targets.
    normalised = {}
    cores_key = {"password": ("argon2_cores_used", "argon2_verify_per_s"),
                 "refresh": ("rs256_cores_used", "rs256_sign_per_s")}
    for name, p in phases.items():
        if p["kind"] not in cores_key:
            continue
        used_key, rate_key = cores_key[p["kind"]]
        used, per_op = ceilings.get(used_key), p["cpu"]["server_cpu_ms_per_ok"]
        if used and per_op:
            normalised[name] = round(used / ceilings[rate_key] * 1000 / per_op, 3)

    failures = []
    for name, p in phases.items():
        if p["ok"] == 0:
            failures.append(f"{name}: no successful request")
        # A non-200 breaks its chain (refresh.lua stops that thread): fewer chains than connections from then on.
        # A socket error alone does not: wrk counts a request older than --timeout but keeps waiting for it (its
        # answer still counts, its latency is left out of the histogram), and a connection that does drop presents
        # the same token again: if the server had rotated it, that reuse answers a non-200, caught here.
        if p["kind"] == "refresh" and (p["chain_broken"] or p["non_200"]):
            failures.append(f"{name}: {p['non_200']} non-200(s), a chain broke: {p['wrk_stderr'][:300]}")
        if p["stopped_early"]:
            failures.append(f"{name}: a thread stopped early: {p['wrk_stderr'][:300]}")

    # The tree as it was built (run.sh records it right after `cargo build`; for a prebuilt binary, the checkout
    # holding it as it is now): commit, then modified files.
    with open(os.path.join(work, "tree.txt")) as f:
        tree = f.read().split("\n")
    commit = tree[0].strip() or git("rev-parse", "--short", "HEAD")
    modified = [line.strip() for line in tree[1:] if line.strip()]
    dirty = bool(modified)
    report = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "worktree_dirty": dirty,
        "worktree_modified": modified,
        "binary": binary,
        "cores": os.cpu_count(),
        "phases": phases,
        "ceilings": ceilings,
        "pg_over_sqlite_refresh": pg_over_sqlite,
        "targets": checks,
        "cpu_normalised_ratios": normalised,
        "harness_failures": failures,
    }
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")

    mark = lambda ok: "n/a" if ok is None else "PASS" if ok else "FAIL"  # noqa: E731
    a = ceilings.get("argon2", {})
    seconds = next(iter(phases.values()))["duration_s"] if phases else 0
    print()
    print(
        f"Latchkey benchmark  {report['when']}  commit {commit}{' (dirty tree)' if dirty else ''}  "
        f"{report['cores']} cores  {seconds:.0f} s per phase"
    )
    if binary.get("from") == "prebuilt":
        print(f"prebuilt binary {binary.get('dir')}/latchkey (sha256 {binary.get('sha256')}…, built "
              f"{binary.get('modified')}); commit = the checkout holding it, now")
    if modified:
        print(("built with" if binary.get("from") != "prebuilt" else "checkout has") + " uncommitted changes: "
              + ", ".join(m.split()[-1] for m in modified))
    header = (
        f"{'phase':<22}{'conns':>6}{'wrk thr':>8}{'200s/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'errors':>8}{'/ceil':>7}{'peak RSS':>10}{'start-up':>10}{'load':>7}   CPU cores: server/wrk/db/cli/other/idle"
    )
    print(header)
    print("-" * len(header))
    for name, p in phases.items():
        c, lat = p["cpu"], p["latency_ms"]
        ratio = f"{p['over_ceiling']:.3f}" if p["over_ceiling"] is not None else "-"
        print(
            f"{name:<22}{p['connections']:>6}{p['wrk_threads']:>8}{p['ok_per_s']:>10,.1f}"
            f"{lat['p50']:>9.2f}{lat['p99']:>9.2f}{lat['max']:>9.2f}{p['errors']:>8}{ratio:>7}"
            f"{p['peak_rss_mib']:>10.1f}{p['startup_peak_rss_mib']:>10.1f}"
            f"{(p['load_peak_rss_mib'] or float('nan')):>7.1f}"
            f"   {c['server']:.2f}/{c['wrk']:.2f}/{c['db']:.2f}/{c['cli']:.2f}/{c['other']:.2f}/{c['idle']:.2f}"
            f"  ({c['server_cpu_ms_per_ok']} ms server CPU per 200)"
        )
    print(
        "/ceil = 200s/s over the ceiling of the grant (password, sign-in: argon2id verify; refresh: RS256 sign;"
        " sso: flows/s over half the RS256 signatures/s, two per flow; its 200s/s are flows/s;"
        " sign-in-totp: whole sign-ins/s (POST /login then POST /login/second-factor) over argon2id verify, p50/p99/max"
        " per whole sign-in;"
        " client-credentials: RS256 sign)."
        " RSS in MiB: peak = VmHWM of the phase's own server process; start-up = VmHWM once ready (before load);"
        " load = VmHWM reset after start-up (clear_refs), i.e. the peak under load only. CPU: db = the PostgreSQL"
        " backends of the bench database, cli = the CLI writer's commands."
    )
    for name, p in phases.items():
        w = p["cli_writer"]
        if not w:
            continue
        base = sqlite_rf.get(p["connections"], (None, None))
        line = (
            f"{name}: {w['commands']} × `{w['command']}` during the phase ({w['failed']} failed), wall mean "
            f"{w['wall_ms']['mean']} ms, max {w['wall_ms']['max']} ms, {w['cpu_s']} s CPU"
        )
        if base[1]:
            line += (f"; refresh {p['ok_per_s']:,.1f}/s p99 {p['latency_ms']['p99']:.2f} ms against {base[0]}'s "
                     f"{base[1]['ok_per_s']:,.1f}/s p99 {base[1]['latency_ms']['p99']:.2f} ms")
        print(line)
        if w["failed"]:
            print("  CLI errors (last lines): " + w["stderr_tail"].replace("\n", "\n    "))
    for name, p in phases.items():
        if p["kind"] != "sign_in_totp":
            continue
        factor = p["observed_latency_ms"].get("second_factor")
        line = f"{name}: {p['ok']} sign-ins of two requests each by {p['users']} users"
        if factor:
            line += (f"; the second-factor POST alone p50 {factor['p50']:.2f} / p99 {factor['p99']:.2f} / max "
                     f"{factor['max']:.2f} ms")
        plain = phases.get(name.replace("sign-in-totp", "sign-in"))
        if plain and plain["ok_per_s"]:
            line += (f"; against {name.replace('sign-in-totp', 'sign-in')}: throughput "
                     f"{p['ok_per_s'] / plain['ok_per_s']:.3f}, server CPU per sign-in "
                     f"{p['cpu']['server_cpu_ms_per_ok']} ms against {plain['cpu']['server_cpu_ms_per_ok']} ms")
        print(line)
    for name, p in phases.items():
        attacker = p["attacker"]
        if attacker:
            print(f"{name}: the attacker from {attacker['source']} ({attacker['connections']} connections) held "
                  f"{attacker['held_in_place']} when in place, at most {attacker['held_max']}, "
                  f"{attacker['held_at_stop']} at the end; the server refused {attacker['refused']} and closed "
                  f"{attacker['closed_held_by_server']} held ones; the attacker used "
                  f"{attacker.get('cpu_s', 0) / p['duration_s']:.2f} cores (part of 'other')")
    print()
    print(
        f"ceilings ({ceilings['threads']} threads): argon2id verify m={a.get('memory_kib')} KiB t={a.get('iterations')} "
        f"p={a.get('parallelism')}: {argon2:,.1f}/s   RS256 sign (key parsed once, {ceilings.get('jwt_bytes')} B JWT): "
        f"{sign:,.1f}/s   RS256 verify: {verify or 0:,.1f}/s   (CPU cores obtained: "
        f"{ceilings.get('argon2_cores_used')}, {ceilings.get('rs256_cores_used')}, {ceilings.get('rs256_verify_cores_used')})"
    )
    for name, ratio in pg_over_sqlite.items():
        print(f"  {name} throughput: {ratio:.3f}")
    for name, p in phases.items():
        if p["socket_errors"]["timeout"]:
            print(f"  note: {p['socket_errors']['timeout']} request(s) of the {name} phase waited longer than wrk's"
                  " --timeout (5 s): counted as errors and left out of the latency figures (so max is a floor)")
    for name, p in phases.items():
        if p["cpu"]["other"] >= 0.2:
            print(f"  note: other processes used {p['cpu']['other']:.2f} cores during the {name} phase")
    threads = ceilings["threads"]
    for key, label in (("argon2_cores_used", "argon2"), ("rs256_cores_used", "RS256")):
        used = ceilings.get(key)
        if used is not None and used < 0.9 * threads:
            print(
                f"  note: the {label} ceiling got {used:.2f} of {threads} cores (other processes took the rest):"
                " it is a floor, and the ratio against it is flattering"
            )
    print()
    for r in checks:
        if r["value"] is None:
            value = "not measured"
        else:
            value = f"{r['value']:,.3f}" if r["value"] < 100 else f"{r['value']:,.0f}"
        print(f"  {r['name']:<42}{value:>12}  target {r['op']} {r['target']:<8} {mark(r['pass'])}")
    for name, ratio in normalised.items():
        print(f"  {name} / ceiling per CPU-second (ceiling CPU per op / server CPU per 200): {ratio:.3f}  (info)")
    print()
    for name, p in phases.items():
        if p["non_200"] or any(p["socket_errors"].values()):
            print(f"  {name}: statuses {p['statuses']} socket errors {p['socket_errors']}")
    print(f"results: {output}")
    if failures:
        print("HARNESS FAILURE: " + "; ".join(failures), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
