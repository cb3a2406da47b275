#!/usr/bin/env python3
"""Handoff create + accept pairs per second through the API (scripts/bench/run.sh, step 4).

Before the timed phase, the caseworker takes in fresh cases (POST /api/v1/cases, with an incident
date, which the rule requires) and records the survivor's consent to a police report on each
(POST /api/v1/cases/{id}/consents): a case holds one open report-to-police handoff to the police at
a time, so every pair gets a case of its own, and every client its own cases.

Timed, for each number of concurrent clients: each client (a thread with its own keep-alive
connection) sends the handoff as the caseworker (POST /api/v1/cases/{id}/handoffs, rule
report-to-police to POLDA-JATENG) and has the investigator accept it
(POST /api/v1/handoffs/{id}/accept), one case after the other. Pairs/s = pairs / wall time.

Prints one JSON object: per level the pairs, seconds, pairs/s, create and accept p50/p99 (ms),
errors; and the case ids used per level (the minimal-SQL baseline reuses them).
Only the standard library.
"""

import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor


class Client:
    """One keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.conn = None

    def post(self, path, token, body=None):
        data = json.dumps(body if body is not None else {}).encode()
        headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request("POST", path, body=data, headers=headers)
                answer = self.conn.getresponse()
                text = answer.read()
                return answer.status, text
            except (http.client.HTTPException, ConnectionError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def prepare_cases(base, token, count, workers=4):
    """Takes in `count` cases with consent to a police report; returns their ids."""

    def one(n):
        client = Client(base)
        intake = {
            "survivor": {"full_name": f"Bench Survivor {n}", "sex": "female"},
            "incidents": [{"date": "2026-11-01", "forms": ["physical"], "country": "MY"}],
            "risk_level": "medium",
        }
        status, text = client.post("/api/v1/cases", token, intake)
        if status != 201:
            raise SystemExit(f"intake answered {status}: {text[:300]!r}")
        case_id = json.loads(text)["id"]
        consent = {"purpose": "police_report", "given": True, "method": "written"}
        status, text = client.post(f"/api/v1/cases/{case_id}/consents", token, consent)
        if status != 201:
            raise SystemExit(f"consent answered {status}: {text[:300]!r}")
        return case_id

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(count)))


def run_level(base, cw_token, inv_token, cases, clients):
    """Sends and accepts one handoff on each case, the cases split among `clients` threads."""
    shares = [cases[i::clients] for i in range(clients)]
    creates, accepts, errors = [], [], []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    body = {
        "handoff": "report-to-police",
        "to_agency": "POLDA-JATENG",
        "message": "Korban bersedia melapor; mohon dijadwalkan pemeriksaan (benchmark).",
    }

    def client(mine):
        http_client = Client(base)
        mine_creates, mine_accepts, mine_errors = [], [], []
        start.wait()
        for case_id in mine:
            t0 = time.perf_counter()
            status, text = http_client.post(f"/api/v1/cases/{case_id}/handoffs", cw_token, body)
            t1 = time.perf_counter()
            if status != 201:
                mine_errors.append(f"create {case_id}: {status} {text[:200]!r}")
                continue
            handoff_id = json.loads(text)["id"]
            status, text = http_client.post(f"/api/v1/handoffs/{handoff_id}/accept", inv_token)
            t2 = time.perf_counter()
            if status != 200:
                mine_errors.append(f"accept {handoff_id}: {status} {text[:200]!r}")
                continue
            mine_creates.append((t1 - t0) * 1000)
            mine_accepts.append((t2 - t1) * 1000)
        with lock:
            creates.extend(mine_creates)
            accepts.extend(mine_accepts)
            errors.extend(mine_errors)

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    done = len(creates)
    return {
        "clients": clients,
        "pairs": done,
        "seconds": round(seconds, 3),
        "pairs_per_s": round(done / seconds, 1) if seconds > 0 else 0.0,
        "create_p50_ms": round(percentile(creates, 0.50), 1),
        "create_p99_ms": round(percentile(creates, 0.99), 1),
        "accept_p50_ms": round(percentile(accepts, 0.50), 1),
        "accept_p99_ms": round(percentile(accepts, 0.99), 1),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "case_ids": cases,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--caseworker-token", required=True)
    parser.add_argument("--investigator-token", required=True)
    parser.add_argument("--levels", default="1,4,16", help="numbers of concurrent clients")
    parser.add_argument("--pairs", type=int, default=320, help="pairs per level")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    t0 = time.perf_counter()
    cases = prepare_cases(args.base, args.caseworker_token, args.pairs * len(levels))
    prepared = time.perf_counter() - t0
    print(f"  prepared {len(cases)} cases with consent in {prepared:.1f} s", file=sys.stderr)

    results = []
    for n, clients in enumerate(levels):
        mine = cases[n * args.pairs : (n + 1) * args.pairs]
        result = run_level(
            args.base, args.caseworker_token, args.investigator_token, mine, clients
        )
        print(
            f"  {clients:>2} clients: {result['pairs']} pairs in {result['seconds']} s = "
            f"{result['pairs_per_s']} pairs/s (create p50 {result['create_p50_ms']} ms, "
            f"accept p50 {result['accept_p50_ms']} ms, errors {result['errors']})",
            file=sys.stderr,
        )
        if result["first_error"]:
            print(f"    first error: {result['first_error']}", file=sys.stderr)
        results.append(result)
    json.dump({"prepare_seconds": round(prepared, 1), "levels": results}, sys.stdout)
    print()
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
