#!/usr/bin/env python3
"""Turns the raw output of bench/run.sh into the table and bench/results/latest.json.

usage: report.py WORK_DIR OUTPUT_JSON

Exit status 0 when the measurement is usable (targets may be missed), 3 when the harness failed: a refresh chain
broke, or a phase had no successful request.
"""

import datetime
import json
import os
import subprocess
import sys

PHASES = ("password", "refresh", "jwks")
TARGETS = {
    "password_over_argon2_ceiling_min": 0.85,
    "refresh_over_sign_ceiling_min": 0.40,
    "refresh_per_s_min": 2500,
    "jwks_per_s_min": 30000,
    "peak_rss_mib_max": 32,
}


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
        for line in f:
            if line.startswith("BENCH_JSON "):
                return json.loads(line[len("BENCH_JSON ") :])
    raise SystemExit(f"report: no BENCH_JSON line in {path}")


def git(*args):
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def phase_result(work, name):
    meta = read_meta(os.path.join(work, f"{name}.meta"))
    wrk = read_wrk(os.path.join(work, f"{name}.wrk.txt"))
    with open(os.path.join(work, f"{name}.wrk.err")) as f:
        stderr = f.read()
    seconds = wrk["duration_us"] / 1e6
    errors = wrk["requests"] - wrk["ok"]
    socket_errors = sum(wrk["errors"][k] for k in ("connect", "read", "write", "timeout"))
    machine_total = float(meta["machine_total_s"]) or 1.0
    cores = machine_total / seconds if seconds else 0
    server_cpu, wrk_cpu = float(meta["server_cpu_s"]), float(meta["wrk_cpu_s"])
    busy = float(meta["machine_busy_s"])
    startup_hwm, hwm = int(meta["startup_hwm_kb"]) / 1024, int(meta["hwm_kb"]) / 1024
    reset = meta["hwm_reset"] == "yes"
    return {
        "ok_per_s": wrk["ok"] / seconds if seconds else 0.0,
        "ok": wrk["ok"],
        "requests": wrk["requests"],
        # Non-200 responses plus socket errors (connect, read, write, timeout).
        "errors": errors + socket_errors,
        "non_200": errors,
        "statuses": wrk["statuses"],
        "socket_errors": {k: wrk["errors"][k] for k in ("connect", "read", "write", "timeout")},
        "latency_ms": {k: v / 1000 for k, v in wrk["latency_us"].items()},
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
            "other": round(max(busy - server_cpu - wrk_cpu, 0) / seconds, 2),
            "idle": round((machine_total - busy) / seconds, 2),
            "server_cpu_ms_per_ok": round(server_cpu * 1000 / wrk["ok"], 3) if wrk["ok"] else None,
        },
        "chain_broken": "broken" in stderr,
        "wrk_stderr": stderr.strip()[:2000],
    }


def main():
    work, output = sys.argv[1], sys.argv[2]
    phases = {name: phase_result(work, name) for name in PHASES}
    with open(os.path.join(work, "ceilings.json")) as f:
        ceilings = json.loads(f.read().strip().splitlines()[-1])

    pw, rf, jw = phases["password"], phases["refresh"], phases["jwks"]
    argon2, sign = ceilings["argon2_verify_per_s"], ceilings["rs256_sign_per_s"]
    peak = max(p["peak_rss_mib"] for p in phases.values())
    load_peak = max((p["load_peak_rss_mib"] or p["peak_rss_mib"]) for p in phases.values())
    checks = [
        ("password / argon2 ceiling", pw["ok_per_s"] / argon2, ">=", TARGETS["password_over_argon2_ceiling_min"]),
        ("refresh / sign ceiling", rf["ok_per_s"] / sign, ">=", TARGETS["refresh_over_sign_ceiling_min"]),
        ("refresh grants/s", rf["ok_per_s"], ">=", TARGETS["refresh_per_s_min"]),
        ("JWKS GETs/s", jw["ok_per_s"], ">=", TARGETS["jwks_per_s_min"]),
        ("peak RSS MiB (any phase, start-up incl.)", peak, "<=", TARGETS["peak_rss_mib_max"]),
        ("peak RSS MiB (under load only)", load_peak, "<=", TARGETS["peak_rss_mib_max"]),
    ]
    # Contention-proof companions of the two ratios: CPU per operation of the ceiling over server CPU per 200 (the
    # ratio the grant would reach if it got as many cores as the ceiling did, and used them all). Not targets.
    normalised = {}
    for phase, rate_key, cores_key in (("password", "argon2_verify_per_s", "argon2_cores_used"),
                                       ("refresh", "rs256_sign_per_s", "rs256_cores_used")):
        used, per_op = ceilings.get(cores_key), phases[phase]["cpu"]["server_cpu_ms_per_ok"]
        if used and per_op:
            normalised[phase] = round(used / ceilings[rate_key] * 1000 / per_op, 3)
    results = [
        {"name": n, "value": round(v, 3), "op": op, "target": t, "pass": v >= t if op == ">=" else v <= t}
        for n, v, op, t in checks
    ]

    failures = []
    for name, p in phases.items():
        if p["ok"] == 0:
            failures.append(f"{name}: no successful request")
    if rf["chain_broken"] or rf["errors"]:
        failures.append(f"refresh: {rf['errors']} error(s), a chain broke: {rf['wrk_stderr'][:300]}")

    # The tree as it was built (run.sh records it right after `cargo build`): commit, then modified files.
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
        "cores": os.cpu_count(),
        "phases": phases,
        "ceilings": ceilings,
        "targets": results,
        "cpu_normalised_ratios": normalised,
        "harness_failures": failures,
    }
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")

    mark = lambda ok: "PASS" if ok else "FAIL"  # noqa: E731
    a = ceilings.get("argon2", {})
    print()
    print(
        f"Latchkey benchmark  {report['when']}  commit {commit}{' (dirty tree)' if dirty else ''}  "
        f"{report['cores']} cores  {pw['duration_s']:.0f} s per phase"
    )
    header = (
        f"{'phase':<9}{'conns':>6}{'wrk thr':>8}{'200s/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'peak RSS':>10}{'start-up':>10}{'load':>7}   CPU cores: server/wrk/other/idle"
    )
    if modified:
        print("built with uncommitted changes: " + ", ".join(m.split()[-1] for m in modified))
    print(header)
    print("-" * len(header))
    for name, p in phases.items():
        c = p["cpu"]
        print(
            f"{name:<9}{p['connections']:>6}{p['wrk_threads']:>8}{p['ok_per_s']:>10,.1f}"
            f"{p['latency_ms']['p50']:>9.2f}{p['latency_ms']['p99']:>9.2f}{p['errors']:>8}"
            f"{p['peak_rss_mib']:>10.1f}{p['startup_peak_rss_mib']:>10.1f}"
            f"{(p['load_peak_rss_mib'] or float('nan')):>7.1f}"
            f"   {c['server']:.2f}/{c['wrk']:.2f}/{c['other']:.2f}/{c['idle']:.2f}"
            f"  ({c['server_cpu_ms_per_ok']} ms server CPU per 200)"
        )
    print(
        "RSS in MiB: peak = VmHWM of the phase's own server process; start-up = VmHWM once ready (before load);"
        " load = VmHWM reset after start-up (clear_refs), i.e. the peak under load only."
    )
    print()
    print(
        f"ceilings ({ceilings['threads']} threads): argon2id verify m={a.get('memory_kib')} KiB t={a.get('iterations')} "
        f"p={a.get('parallelism')}: {argon2:,.1f}/s   RS256 sign (key parsed once, {ceilings.get('jwt_bytes')} B JWT): "
        f"{sign:,.1f}/s   (CPU cores obtained: {ceilings.get('argon2_cores_used')} and {ceilings.get('rs256_cores_used')})"
    )
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
    for r in results:
        value = f"{r['value']:,.3f}" if r["value"] < 100 else f"{r['value']:,.0f}"
        print(f"  {r['name']:<42}{value:>12}  target {r['op']} {r['target']:<8} {mark(r['pass'])}")
    for phase, ratio in normalised.items():
        print(f"  {phase} / ceiling per CPU-second (ceiling CPU per op / server CPU per 200): {ratio:.3f}  (info)")
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
