#!/usr/bin/env python3
"""The Markdown report of scripts/bench/run.sh, from the files it left in its work folder:

  meta.tsv      key, value (backend, database, sizes, start-up time, peak memory, …)
  loads.tsv     round, load average (1, 5, 15 min) before the round
  reads.tsv     endpoint, round, req/s, p50, p99 (wrk units: us, ms, s), non-2xx, timeouts,
                the non-2xx statuses ("503=12 401=1" or "none")
  pairs.json    the API pairs (pairs.py)
  baseline.json the minimal-SQL pairs (baseline.py), if run

  scripts/bench/report.py WORK_DIR
"""

import json
import statistics
import sys
from pathlib import Path

ENDPOINTS = [
    ("api_case", "API case read `GET /api/v1/cases/{id}` (caseworker, rotating ids)"),
    ("api_inbox", "API inbox `GET /api/v1/handoffs` (investigator)"),
    ("api_cases", "API case list `GET /api/v1/cases` (investigator)"),
    ("web_inbox", "web inbox `/inbox` (investigator, cookie)"),
    ("web_case", "web case page `/cases/{id}` (caseworker, cookie, rotating ids)"),
]


def ms(text):
    """wrk's latency ("850.00us", "3.21ms", "1.02s", "1.5m") in milliseconds."""
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float("nan")


def fmt(value, digits=1):
    if value != value:  # NaN
        return "–"
    if value >= 100:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.{digits}f}"


def read_tsv(path):
    if not path.exists():
        return []
    return [line.split("\t") for line in path.read_text().splitlines() if line.strip()]


def main():
    work = Path(sys.argv[1])
    meta = dict(read_tsv(work / "meta.tsv"))
    loads = read_tsv(work / "loads.tsv")
    reads = read_tsv(work / "reads.tsv")
    out = []
    say = out.append

    say(f"## Benchmark: {meta.get('backend', '?')}, {meta.get('when', '?')}")
    say("")
    say("| | |")
    say("|---|---|")
    for key, label in (
        ("database", "database"),
        ("cases", "cases / handoffs / audit entries"),
        ("seed", "seeded by this run"),
        ("commit", "commit"),
        ("machine", "machine"),
        ("ready_ms", "`serve` start to `/readyz` 200 (target < 500 ms)"),
        ("wrk", "load generator"),
        ("loads", "load average (1/5/15 min) before each read round"),
        ("load_writes", "load average before the writes"),
        ("rss", "peak memory of `serve` (VmHWM)"),
    ):
        if key == "loads":
            value = "; ".join(f"round {r}: {a}" for r, a in loads)
        else:
            value = meta.get(key, "")
        if value:
            say(f"| {label} | {value} |")
    say("")

    rounds = meta.get("rounds", "3")
    say(f"Reads: median of {rounds} round{'' if rounds == '1' else 's'} (round-robin over the endpoints); "
        "p50 and p99 are the medians of each round's percentiles.")
    say("")
    say("| endpoint | req/s (median) | req/s per round | p50 ms | p99 ms | answers not 2xx / timeouts |")
    say("|---|---:|---|---:|---:|---|")
    for key, label in ENDPOINTS:
        rows = [r for r in reads if r[0] == key]
        if not rows:
            continue
        rps = [float(r[2]) for r in rows]
        p50 = [ms(r[3]) for r in rows]
        p99 = [ms(r[4]) for r in rows]
        bad = sum(int(r[5]) for r in rows), sum(int(r[6]) for r in rows)
        statuses = {}
        for r in rows:
            for part in (r[7].split() if len(r) > 7 and r[7] != "none" else []):
                status, n = part.split("=")
                statuses[status] = statuses.get(status, 0) + int(n)
        # wrk's own count leaves out 3xx (a page sending a signed-in user to /login is one).
        other = sum(statuses.values()) if statuses else bad[0]
        which = " (" + ", ".join(f"{n}× {s}" for s, n in sorted(statuses.items())) + ")" if statuses else ""
        say(
            f"| {label} | {fmt(statistics.median(rps))} | {' / '.join(fmt(x) for x in rps)} | "
            f"{fmt(statistics.median(p50), 2)} | {fmt(statistics.median(p99), 2)} | "
            f"{other}{which} / {bad[1]} |"
        )
    say("")

    pairs_file = work / "pairs.json"
    if pairs_file.exists():
        api = json.loads(pairs_file.read_text())
        base_file = work / "baseline.json"
        base = json.loads(base_file.read_text()) if base_file.exists() else {"levels": []}
        by_clients = {b["clients"]: b for b in base["levels"]}
        say("Handoff create + accept pairs (each pair on a fresh case with consent; "
            f"{meta.get('pairs', '?')} pairs per level; cases prepared in "
            f"{api.get('prepare_seconds', '?')} s):")
        say("")
        say("| clients | API pairs/s | create p50 / p99 ms | accept p50 / p99 ms | errors | "
            "minimal-SQL pairs/s | API / minimal SQL |")
        say("|---:|---:|---|---|---:|---:|---:|")
        for level in api["levels"]:
            b = by_clients.get(level["clients"])
            ratio = (f"{level['pairs_per_s'] / b['pairs_per_s']:.2f}"
                     if b and b["pairs_per_s"] else "–")
            say(
                f"| {level['clients']} | {fmt(level['pairs_per_s'])} | "
                f"{fmt(level['create_p50_ms'])} / {fmt(level['create_p99_ms'])} | "
                f"{fmt(level['accept_p50_ms'])} / {fmt(level['accept_p99_ms'])} | "
                f"{level['errors']} | {fmt(b['pairs_per_s']) if b else '–'} | {ratio} |"
            )
        levels = {lv["clients"]: lv["pairs_per_s"] for lv in api["levels"]}
        if 1 in levels and levels[1]:
            top = max(levels)
            say("")
            line = f"Scaling: API {top} clients / 1 client = {levels[top] / levels[1]:.2f}"
            if 1 in by_clients and top in by_clients and by_clients[1]["pairs_per_s"]:
                scale = by_clients[top]["pairs_per_s"] / by_clients[1]["pairs_per_s"]
                line += f"; minimal SQL {top} / 1 = {scale:.2f}"
            say(line + ".")
        say("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
