#!/usr/bin/env python3
"""Where an `imgeda search --db postgresql://…` spends its time: per query and order, the
server's own time (parse, bind — which plans —, execute, summed over the statements the search
sent), the number of statements, the connection's session time and the process's wall time.

    postgres_search_split.py IMGEDA LIBRARY URL SERVER_LOG [--runs R] [--label NAME]

LIBRARY is a library already indexed at URL (e.g. the one `library_scale.py` builds:
bench-data/library-1000000 with `--db URL?schema=bench_1000000`); SERVER_LOG is the server's
log file (`.ci/start-postgres` prints it). The script turns statement logging on for the
server (`ALTER SYSTEM SET log_min_duration_statement = 0`, `log_connections`,
`log_disconnections`; a throwaway server's superuser) and reads each search's lines back. The
queries are library_scale.py's; the best of R runs is kept (server time varies with load, the
statements do not). Server times are read from the server's clock, so they are comparable
between two builds run one after the other on the same machine even under load, unlike wall
times (printed too). Example, a build against the release one on the same index:

    python3 Benchmarks/postgres_search_split.py .build/release/imgeda bench-data/library-1000000 \\
        "postgresql://postgres@127.0.0.1:55490/postgres?schema=bench_1000000" /tmp/imgeda-postgres.X/server.log
"""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from library_scale import QUERIES  # noqa: E402

ORDERS = ["path", "newest", "quality", "size", "pixels"]
DURATION = re.compile(r"duration: ([0-9.]+) ms  (parse|bind|execute)")
SESSION = re.compile(r"session time: (\d+):(\d+):([0-9.]+)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("imgeda")
    parser.add_argument("library")
    parser.add_argument("url")
    parser.add_argument("log")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--label", default="split")
    args = parser.parse_args()
    server_url = args.url.split("?")[0]
    for setting in ["log_min_duration_statement = 0", "log_connections = on", "log_disconnections = on"]:
        subprocess.run(["psql", "-q", server_url, "-c", f"ALTER SYSTEM SET {setting}"], check=True)
    subprocess.run(["psql", "-q", server_url, "-c", "SELECT pg_reload_conf()"], check=True, capture_output=True)
    time.sleep(0.5)
    rows = []
    for query in QUERIES:
        for order in ORDERS:
            best = None
            for _ in range(args.runs):
                start = os.path.getsize(args.log)
                began = time.time()
                out = subprocess.run(
                    [args.imgeda, "search", args.library, query, "--limit", "50", "--order", order, "--db", args.url],
                    capture_output=True, text=True)
                wall = (time.time() - began) * 1000
                time.sleep(0.05)  # the disconnection line
                with open(args.log) as log:
                    log.seek(start)
                    text = log.read()
                parts = {"parse": 0.0, "bind": 0.0, "execute": 0.0}
                statements = 0
                for match in DURATION.finditer(text):
                    parts[match.group(2)] += float(match.group(1))
                    statements += match.group(2) == "execute"
                session = SESSION.search(text)
                session_ms = (int(session.group(1)) * 3600 + int(session.group(2)) * 60 + float(session.group(3))) * 1000 if session else 0
                run = (sum(parts.values()), parts["execute"], parts["parse"] + parts["bind"], statements, session_ms, wall,
                       len(out.stdout.splitlines()), out.returncode)
                if best is None or run[0] < best[0]:
                    best = run
            rows.append(best)
            print(f"[{args.label}] {query:32s} {order:8s} server {best[0]:7.1f} ms (execute {best[1]:7.1f}, parse+bind {best[2]:5.1f}) "
                  f"statements {best[3]}  session {best[4]:6.1f} ms  wall {best[5]:6.1f} ms  hits {best[6]}"
                  + ("" if best[7] == 0 else f"  exit {best[7]}"), flush=True)
    server = sorted(row[0] for row in rows)
    print(f"[{args.label}] server time per search, {len(rows)} searches: median {server[len(server) // 2]:.1f} ms, "
          f"p95 {server[max(0, int(round(len(server) * 0.95)) - 1)]:.1f} ms, max {server[-1]:.1f} ms")


if __name__ == "__main__":
    main()
