#!/usr/bin/env python3
"""`imgeda serve` at scale: gallery pages, searches and image pages on a library of N synthetic records.

    serve_bench.py IMGEDA [N ...] [--requests R] [--wrk-seconds S]

For each N (default 100000 and 1000000, to show memory flat in library size):
  1. makes bench-data/library-N with Benchmarks/library_scale.py (synthetic manifest and
     sidecars; the index is built by `imgeda library rebuild`; the image files do not exist,
     so thumbnails are not part of this benchmark);
  2. starts `imgeda serve DIR --port 0` on 127.0.0.1;
  3. server-side time: R sequential requests of each route, reading the `Server-Timing`
     header the server sets (time inside the app, without the network), median and p95;
  4. under load: wrk from 127.0.0.1 (2 threads, 8 connections, S seconds, --latency) on the
     gallery (the HTML page and a deep keyset page of the JSON API), on searches and on
     image pages (HTML, with their neighbours; the requests cycle through 120 images):
     p50/p95/p99 as wrk measures them;
  5. the overview once (one pass over the index, then served from its cache), and its first
     request on a restarted server (the overview the first one saved in the library);
  6. the server's peak memory (VmHWM from /proc) after all of that.

Goals (issue 12), checked at the end: every p95 under load below 50 ms, and memory flat in
library size (the peak at the largest N within 1.3x the peak at the smallest). Exit status 1
when one is missed (BENCH_STRICT=0 reports without failing). Wall-clock numbers: run on a
quiet machine with a release build (the load average is printed beside them).
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
GOALS = {"p95_ms": 50.0, "memory_ratio": 1.3}


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def get(base, path):
    with urllib.request.urlopen(base + path, timeout=600) as reply:
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


# wrk prints 50/75/90/99%; this script makes it print the 95th percentile too (microseconds),
# and, given PATHS, cycles through them (one image page after another).
WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  if #paths == 0 then return wrk.format(nil) end
  i = i %% #paths + 1
  return wrk.format(nil, paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("PCT 50 %%d\\nPCT 95 %%d\\nPCT 99 %%d\\nERRORS %%d\\n", latency:percentile(50),
    latency:percentile(95), latency:percentile(99), summary.errors.status + summary.errors.timeout + summary.errors.connect))
end
"""


def wrk(base, path, seconds, paths=()):
    """p50/p95/p99 in ms, requests per second and errors of wrk on `path` (or cycling through `paths`)."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench-data", "serve_wrk.lua")
    os.makedirs(os.path.dirname(script), exist_ok=True)
    with open(script, "w") as f:
        f.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "10s", "-s", script, base + path],
                         capture_output=True, text=True).stdout
    found = {k: int(v) / 1000 for k, v in re.findall(r"^PCT (\d+) (\d+)", out, re.M)}
    rate = re.search(r"Requests/sec:\s+(\S+)", out)
    errors = re.search(r"^ERRORS (\d+)", out, re.M)
    return found, rate.group(1) if rate else "?", int(errors.group(1)) if errors else -1


def ensure_library(here, imgeda, n):
    root = os.path.abspath(os.path.join(here, "..", "bench-data", f"library-{n}"))
    if not os.path.exists(os.path.join(root, ".imgeda", "index.sqlite")):
        # library_scale.py writes the records and builds the index; its own goals are its report's.
        env = dict(os.environ, BENCH_STRICT="0")
        subprocess.run([sys.executable, os.path.join(here, "library_scale.py"), imgeda, str(n), "--queries-runs", "1"],
                       check=True, env=env)
    return root


def start_server(imgeda, root):
    """A server on the library and its base URL, once it serves."""
    server = subprocess.Popen([imgeda, "serve", root, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True)
    line = ""
    while not line.startswith("Serving "):
        line = server.stdout.readline()
        if not line and server.poll() is not None:
            sys.exit("imgeda serve did not start")
    return server, line.split(" at ")[1].strip().rstrip("/")


def saved_overview(imgeda, root):
    """The overview's first request on a restarted server (the overview the previous one saved), in ms."""
    server, base = start_server(imgeda, root)
    try:
        started = time.perf_counter()
        get(base, "/api/overview")
        return (time.perf_counter() - started) * 1000
    finally:
        server.terminate()
        server.wait(timeout=60)


def measure(imgeda, root, n, requests, seconds, failures):
    """Runs the server on one library; returns its peak memory in MiB."""
    # The first server makes the overview from the index (nothing saved from an earlier run).
    if os.path.exists(os.path.join(root, ".imgeda", "overview.json")):
        os.remove(os.path.join(root, ".imgeda", "overview.json"))
    server, base = start_server(imgeda, root)
    try:
        first = json.loads(get(base, "/api/images?limit=60")[0])
        ids = [image["id"] for image in first["images"]]
        cursor = first.get("next")
        for _ in range(19):
            page = json.loads(get(base, "/api/images?limit=60&after=" + urllib.parse.quote(cursor))[0])
            ids += [image["id"] for image in page["images"]][:3]
            cursor = page.get("next") or cursor
        deep = "/api/images?limit=60&after=" + urllib.parse.quote(cursor)
        by_size = json.loads(get(base, "/api/images?limit=60&order=size")[0])
        ids += [image["id"] for image in by_size["images"]]
        image_pages = [f"/image/{i}" for i in ids[:120]]

        routes = [("gallery page 1 (JSON)", "/api/images?limit=60"),
                  ("gallery page 21 (JSON, keyset)", deep),
                  ("gallery page 1 (HTML)", "/"),
                  ("gallery by file size (JSON)", "/api/images?limit=60&order=size"),
                  ("image page (HTML, neighbours)", image_pages[len(image_pages) // 2]),
                  ("image (JSON, neighbours by size)", f"/api/images/{ids[-1]}?order=size")]
        routes += [(f"search {q}", "/api/images?limit=60&q=" + urllib.parse.quote(q)) for q in SEARCHES]
        print(f"\n{n:,} records — server-side time (Server-Timing), {requests} sequential requests each")
        for name, path in routes:
            median, p95 = server_side(base, path, requests)
            print(f"  {name:45s} median {median:7.2f} ms   p95 {p95:7.2f} ms")

        print(f"under load: wrk -t2 -c8 -d{seconds}s --timeout 10s from 127.0.0.1 (p95 goal < {GOALS['p95_ms']:.0f} ms)")
        loads = [("gallery page 1 (HTML)", "/", ()),
                 ("gallery page 21 (JSON, keyset)", deep, ()),
                 ("gallery by file size (JSON)", "/api/images?limit=60&order=size", ()),
                 ("search tag:beach", "/api/images?limit=60&q=tag%3Abeach", ()),
                 ("search beach -is:blurry quality>=50", "/api/images?limit=60&q=" + urllib.parse.quote(SEARCHES[-1]), ()),
                 ("image pages (HTML, 120 images in turn)", "/", image_pages)]
        for name, path, paths in loads:
            latency, rate, errors = wrk(base, path, seconds, paths)
            p95 = latency.get("95")
            ok = p95 is not None and p95 < GOALS["p95_ms"] and errors == 0
            if not ok:
                failures.append(f"{n:,}: {name} p95 {p95} ms, {errors} errors")

            def ms(key):
                return f"{latency[key]:.2f}ms" if key in latency else "?"
            print(f"  {name:45s} p50 {ms('50'):>9s}  p95 {ms('95'):>9s}  p99 {ms('99'):>9s}  {rate:>9s} req/s  "
                  f"{errors} errors  {'pass' if ok else 'MISS'}")

        started = time.perf_counter()
        get(base, "/api/overview")
        first_overview = time.perf_counter() - started
        _, again = get(base, "/api/overview")
        print(f"  overview: first {first_overview:.2f} s (one pass over the index), then {again:.2f} ms (cached)")
        status = open(f"/proc/{server.pid}/status").read()
        peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
        print(f"  server peak memory (VmHWM): {peak:.0f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=60)
    print(f"  overview on a restarted server (saved by the first): {saved_overview(imgeda, root):.2f} ms")
    return peak


def main():
    args = sys.argv[1:]
    if not args or not os.path.exists(args[0]):
        sys.exit(__doc__)
    imgeda = os.path.abspath(args[0])
    requests = int(args[args.index("--requests") + 1]) if "--requests" in args else 200
    seconds = int(args[args.index("--wrk-seconds") + 1]) if "--wrk-seconds" in args else 10
    options = {args.index(o) + 1 for o in ("--requests", "--wrk-seconds") if o in args}
    sizes = [int(a) for i, a in enumerate(args[1:], 1) if a.isdigit() and i not in options] or [100_000, 1_000_000]
    here = os.path.dirname(os.path.abspath(__file__))
    print(f"load average: {os.getloadavg()}")
    failures = []
    peaks = {}
    for n in sizes:
        root = ensure_library(here, imgeda, n)
        peaks[n] = measure(imgeda, root, n, requests, seconds, failures)
    if len(peaks) > 1:
        small, large = min(peaks), max(peaks)
        ratio = peaks[large] / peaks[small]
        ok = ratio <= GOALS["memory_ratio"]
        print(f"\nmemory: {peaks[large]:.0f} MiB at {large:,} records, {peaks[small]:.0f} MiB at {small:,}: "
              f"{ratio:.2f}x (goal <= {GOALS['memory_ratio']}x) {'pass' if ok else 'MISS'}")
        if not ok:
            failures.append(f"memory {ratio:.2f}x from {small:,} to {large:,} records")
    print("serve goals: " + ("all met" if not failures else "missed: " + "; ".join(failures)))
    sys.exit(1 if failures and os.environ.get("BENCH_STRICT", "1") != "0" else 0)


if __name__ == "__main__":
    main()
