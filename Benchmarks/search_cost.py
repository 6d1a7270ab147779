#!/usr/bin/env python3
"""What one search costs, measured in ways a loaded machine repeats: CPU time (user + system,
the least of R runs) and the pages SQLite reads (`pread64` calls, counted by `strace -c`), for
each query of library_scale.py's QUERIES in each order, as `imgeda search DIR Q --limit 50`
(a first page). The floor line is the same command finding nothing through no index
(`path:~none/`): the process's start-up and the index's opening.

    search_cost.py IMGEDA DIR [--state STATE] [--runs R] [--orders O,O…]

DIR is a library made by library_scale.py (e.g. bench-data/library-1000000); --state points
at a copy of its state folder when the library itself must stay untouched (a newer imgeda
migrates the index it opens). Wall-clock latency is library_scale.py's and serve_bench.py's,
on a quiet machine.
"""
import os
import re
import resource
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from library_scale import QUERIES  # noqa: E402

ORDERS = ["path", "newest", "quality", "size", "pixels"]


def option(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def cpu_ms(args, runs):
    best = None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(args, capture_output=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent = ((after.ru_utime - before.ru_utime) * 1000, (after.ru_stime - before.ru_stime) * 1000)
        if best is None or sum(spent) < sum(best):
            best = spent
    return best


def page_reads(args):
    r = subprocess.run(["strace", "-f", "-c", "-e", "trace=pread64"] + args, capture_output=True, text=True)
    for line in r.stderr.splitlines():
        fields = line.split()
        if fields and fields[-1] == "pread64":
            return int(fields[3])
    return 0


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    imgeda, library = sys.argv[1], sys.argv[2]
    runs = int(option("--runs", "3"))
    orders = option("--orders", ",".join(ORDERS)).split(",")
    base = [imgeda, "search", library] + (["--state", option("--state", "")] if "--state" in sys.argv else [])
    user, system = cpu_ms(base + ["path:~none/", "--limit", "50"], runs)
    print(f"floor: {user:.0f}+{system:.0f} ms CPU (user+system), {page_reads(base + ['path:~none/', '--limit', '50'])} pages")
    print("query: per order, CPU ms user+system / pages read")
    for query in QUERIES:
        cells = []
        for order in orders:
            args = base + [query, "--limit", "50", "--order", order]
            user, system = cpu_ms(args, runs)
            cells.append(f"{order} {user:.0f}+{system:.0f}/{page_reads(args)}")
        print(f"{query:30s} " + "  ".join(cells), flush=True)


if __name__ == "__main__":
    main()
