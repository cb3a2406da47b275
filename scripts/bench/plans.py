#!/usr/bin/env python3
"""Prints the plan and timing of each query read from standard input (scripts/bench/explain.sh).

Input: blocks that start with a line `-- name: <name>` followed by one SQL statement.
    plans.py sqlite <database file> [only]
    plans.py postgres <database name> [only]
PostgreSQL: EXPLAIN (ANALYZE, BUFFERS) after one warm-up run of the same EXPLAIN.
SQLite: EXPLAIN QUERY PLAN as a tree, then the statement run six times: the first discarded, the
median of the other five reported with the number of rows.
"""

import sqlite3
import statistics
import subprocess
import sys
import time


def blocks(text):
    """(name, sql) pairs from the input."""
    name, lines = None, []
    for line in text.splitlines():
        if line.startswith("-- name:"):
            if name:
                yield name, "\n".join(lines).strip().rstrip(";")
            name, lines = line[len("-- name:"):].strip(), []
        elif name:
            lines.append(line)
    if name:
        yield name, "\n".join(lines).strip().rstrip(";")


def sqlite_plan(con, sql):
    """EXPLAIN QUERY PLAN as indented lines."""
    rows = con.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    depth = {0: -1}
    out = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        out.append("  " * depth[node] + detail)
    return out


def sqlite_run(con, sql):
    """(median seconds of five runs after a warm-up, rows)."""
    times, count = [], 0
    for _ in range(6):
        start = time.perf_counter()
        count = len(con.execute(sql).fetchall())
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:]), count


def postgres_explain(database, sql):
    """The output of EXPLAIN (ANALYZE, BUFFERS), second run."""
    command = ["psql", "-X", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qAt", "-c",
               "EXPLAIN (ANALYZE, BUFFERS) " + sql]
    subprocess.run(command, check=True, capture_output=True)
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def main():
    backend, database = sys.argv[1], sys.argv[2]
    only = sys.argv[3] if len(sys.argv) > 3 else ""
    con = sqlite3.connect(database) if backend == "sqlite" else None
    for name, sql in blocks(sys.stdin.read()):
        if only and only not in name:
            continue
        print(f"=== {name}")
        print("    " + " ".join(sql.split()))
        if con is not None:
            for line in sqlite_plan(con, sql):
                print("  " + line)
            seconds, count = sqlite_run(con, sql)
            print(f"  -- {count} rows, median {seconds * 1000:.2f} ms")
        else:
            for line in postgres_explain(database, sql).splitlines():
                print("  " + line)
        print()


if __name__ == "__main__":
    main()
