#!/usr/bin/env python3
"""`imgeda serve` at scale: gallery pages and searches on a library of N synthetic records.

    serve_bench.py IMGEDA [N ...] [--requests R] [--wrk-seconds S]

For each N (default 100000 and 1000000, to show memory flat in library size):
  1. makes bench-data/library-N with Benchmarks/library_scale.py (synthetic manifest and
     sidecars; the index is built by `imgeda library rebuild`; the image files do not exist,
     so thumbnails are not part of this benchmark);
  2. starts `imgeda serve DIR --port 0` on 127.0.0.1;
  3. server-side time: R sequential requests of each route, reading the `Server-Timing`
     header the server sets (time inside the app, without the network), median and p95:
     the gallery's first page, a deep page (a keyset cursor 20 pages in), the gallery page as
     HTML, and searches in the library's query language;
  4. under load: wrk from 127.0.0.1 (2 threads, 8 connections, S seconds, --latency) on the
     first page and on a search: p50/p95/p99 as wrk measures them;
  5. the server's peak memory (VmHWM from /proc) after all of that.

Goals (issue 12): p95 under 50 ms; memory flat in library size. Wall-clock numbers: run on a
quiet machine (the load average is printed beside them).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

SEARCHES = ["tag:beach", "sunset", 'camera:"Canon EOS R6"', "date:2023-07", "beach -is:blurry quality>=50"]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def get(base, path):
    with urllib.request.urlopen(base + path, timeout=60) as reply:
        body = reply.read()
        timing = reply.headers.get("Server-Timing", "")
        match = re.search(r"dur=([0-9.]+)", timing)
        return body, float(match.group(1)) if match else None


def server_side(base, path, requests):
    durations = []
    for _ in range(requests):
        _, ms = get(base, path)
        durations.append(ms)
    return statistics.median(durations), percentile(durations, 95)


# wrk prints 50/75/90/99%; this script makes it print the 95th percentile too (microseconds).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("PCT 50 %d\\nPCT 95 %d\\nPCT 99 %d\\n", latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def wrk(base, path, seconds):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench-data", "serve_pct.lua")
    os.makedirs(os.path.dirname(script), exist_ok=True)
    with open(script, "w") as f:
        f.write(WRK_SCRIPT)
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "10s", "-s", script, base + path],
                         capture_output=True, text=True).stdout
    found = {k: f"{int(v) / 1000:.2f}ms" for k, v in re.findall(r"^PCT (\d+) (\d+)", out, re.M)}
    rate = re.search(r"Requests/sec:\s+(\S+)", out)
    return found, rate.group(1) if rate else "?"


def main():
    args = sys.argv[1:]
    imgeda = os.path.abspath(args[0])
    requests = int(args[args.index("--requests") + 1]) if "--requests" in args else 200
    seconds = int(args[args.index("--wrk-seconds") + 1]) if "--wrk-seconds" in args else 10
    sizes = [int(a) for a in args[1:] if a.isdigit() and args[args.index(a) - 1] not in ("--requests", "--wrk-seconds")] or [100_000, 1_000_000]
    here = os.path.dirname(os.path.abspath(__file__))
    print(f"load average: {os.getloadavg()}")
    for n in sizes:
        root = os.path.abspath(os.path.join(here, "..", "bench-data", f"library-{n}"))
        if not os.path.exists(os.path.join(root, ".imgeda", "index.sqlite")):
            subprocess.run([sys.executable, os.path.join(here, "library_scale.py"), imgeda, str(n), "--queries-runs", "1", "--keep"], check=True)
        server = subprocess.Popen([imgeda, "serve", root, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = ""
            while not line.startswith("Serving "):
                line = server.stdout.readline()
                if not line and server.poll() is not None:
                    sys.exit("imgeda serve did not start")
            base = line.split(" at ")[1].strip().rstrip("/")
            first = json.loads(get(base, "/api/images?limit=60")[0])
            cursor = first.get("next")
            for _ in range(19):
                page = json.loads(get(base, "/api/images?limit=60&after=" + urllib.parse.quote(cursor))[0])
                cursor = page.get("next") or cursor
            routes = [("gallery page 1 (JSON)", "/api/images?limit=60"),
                      ("gallery page 21 (JSON, keyset)", "/api/images?limit=60&after=" + urllib.parse.quote(cursor)),
                      ("gallery page 1 (HTML)", "/")]
            routes += [(f"search {q}", "/api/images?limit=60&q=" + urllib.parse.quote(q)) for q in SEARCHES]
            print(f"\n{n:,} records — server-side time (Server-Timing), {requests} sequential requests each")
            for name, path in routes:
                median, p95 = server_side(base, path, requests)
                print(f"  {name:45s} median {median:7.2f} ms   p95 {p95:7.2f} ms")
            print(f"under load: wrk -t2 -c8 -d{seconds}s from 127.0.0.1")
            for name, path in [("gallery page 1", "/api/images?limit=60"), ("search tag:beach", "/api/images?limit=60&q=tag%3Abeach")]:
                latency, rate = wrk(base, path, seconds)
                print(f"  {name:45s} p50 {latency.get('50', '?'):>9s}  p95 {latency.get('95', '?'):>9s}  p99 {latency.get('99', '?'):>9s}  {rate} req/s")
            status = open(f"/proc/{server.pid}/status").read()
            peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024
            print(f"  server peak memory (VmHWM): {peak} MiB")
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
