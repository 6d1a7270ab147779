#!/usr/bin/env python3
"""A fault-injecting image server for the download benchmark (aiohttp, 127.0.0.1 only).

    faultserver.py --corpus DIR --count N --out WORK [--seed S] [--latency-ms MS]

Serves N URLs http://127.0.0.1:PORT/img/<i>.jpg of the real images under DIR (cycled), and
writes, before it starts serving:
  WORK/urls.csv     the list (header "url,caption")
  WORK/truth.json   per URL: its fault, whether a correct downloader ends with the image
                    ("good") or with a failure ("bad"), and the SHA-256 of the image bytes
  WORK/port         the port it listens on (written last: its presence means "ready")
GET /stats returns the requests seen per fault; GET /reset forgets every request (so the
next downloader meets the transient faults afresh). It runs until SIGTERM or SIGINT.

Faults are drawn per URL with a fixed seed, so every run serves the same list:
  ok          200, the image, after 0-2x the latency                          good
  notfound    404                                                              bad
  unavailable 503 on the first request, then the image                         good (retry)
  ratelimit   429 with Retry-After: 1 on the first request, then the image     good (retry)
  slow        the image in 8 pieces over about 1.5 s                          good
  truncated   Content-Length of the whole image, half the bytes, then closed   bad
  html        200 text/html: a page, not an image                            bad
"""
import argparse
import asyncio
import csv
import hashlib
import json
import os
import random
import signal
import sys

from aiohttp import web

FAULTS = [  # (name, share)
    ("ok", 0.80),
    ("notfound", 0.04),
    ("unavailable", 0.03),
    ("ratelimit", 0.03),
    ("slow", 0.03),
    ("truncated", 0.03),
    ("html", 0.04),
]
GOOD = {"ok", "unavailable", "ratelimit", "slow"}
EXTENSIONS = (".jpg", ".jpeg", ".png")


def images(corpus):
    found = []
    for folder, _, names in os.walk(corpus):
        for name in names:
            if name.lower().endswith(EXTENSIONS):
                found.append(os.path.join(folder, name))
    found.sort()
    if not found:
        sys.exit("faultserver.py: no images under %s" % corpus)
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--latency-ms", type=float, default=20.0)
    args = ap.parse_args()

    files = images(args.corpus)
    rng = random.Random(args.seed)
    names = [n for n, _ in FAULTS]
    weights = [w for _, w in FAULTS]
    plan = []  # per index: (fault, file, delay)
    for i in range(args.count):
        fault = rng.choices(names, weights)[0]
        plan.append((fault, files[i % len(files)], rng.uniform(0, 2 * args.latency_ms) / 1000))
    cache = {}

    def body(path):
        data = cache.get(path)
        if data is None:
            with open(path, "rb") as f:
                data = f.read()
            cache[path] = data
        return data

    seen = {}  # index -> requests
    stats = {n: 0 for n in names}

    async def image(request):
        try:
            i = int(request.match_info["i"])
            fault, path, delay = plan[i]
        except (ValueError, IndexError):
            return web.Response(status=404)
        count = seen.get(i, 0) + 1
        seen[i] = count
        stats[fault] += 1
        await asyncio.sleep(delay)
        data = body(path)
        ctype = "image/png" if path.lower().endswith(".png") else "image/jpeg"
        if fault == "notfound":
            return web.Response(status=404, text="not found")
        if fault == "unavailable" and count == 1:
            return web.Response(status=503, text="try again")
        if fault == "ratelimit" and count == 1:
            return web.Response(status=429, headers={"Retry-After": "1"}, text="slow down")
        if fault == "html":
            return web.Response(status=200, content_type="text/html", text="<html><body>Image moved</body></html>")
        if fault in ("slow", "truncated"):
            response = web.StreamResponse(status=200, headers={"Content-Type": ctype, "Content-Length": str(len(data))})
            await response.prepare(request)
            if fault == "truncated":
                await response.write(data[: len(data) // 2])
                # Close the connection with the body cut short.
                if request.transport is not None:
                    request.transport.close()
                return response
            step = max(1, len(data) // 8)
            for start in range(0, len(data), step):
                await response.write(data[start:start + step])
                await asyncio.sleep(0.19)
            await response.write_eof()
            return response
        return web.Response(status=200, body=data, headers={"Content-Type": ctype})

    async def stats_page(request):
        return web.json_response({"requests": stats, "urls_requested": len(seen)})

    async def reset(request):
        # Between two downloaders: each meets the transient faults afresh.
        seen.clear()
        for n in stats:
            stats[n] = 0
        return web.json_response({"reset": True})

    os.makedirs(args.out, exist_ok=True)
    truth = []
    for i, (fault, path, _) in enumerate(plan):
        truth.append({
            "index": i, "fault": fault, "expect": "good" if fault in GOOD else "bad",
            "sha256": hashlib.sha256(body(path)).hexdigest(),
        })
    cache.clear()

    async def run():
        app = web.Application()
        app.router.add_get("/img/{i}.jpg", image)
        app.router.add_get("/stats", stats_page)
        app.router.add_get("/reset", reset)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        with open(os.path.join(args.out, "urls.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["url", "caption"])
            for i in range(args.count):
                w.writerow(["http://127.0.0.1:%d/img/%d.jpg" % (port, i), "image %d" % i])
        for t in truth:
            t["url"] = "http://127.0.0.1:%d/img/%d.jpg" % (port, t["index"])
        with open(os.path.join(args.out, "truth.json"), "w") as f:
            json.dump(truth, f)
        with open(os.path.join(args.out, "port.tmp"), "w") as f:
            f.write(str(port))
        os.rename(os.path.join(args.out, "port.tmp"), os.path.join(args.out, "port"))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for s in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(s, stop.set)
        await stop.wait()
        await runner.cleanup()

    asyncio.run(run())


if __name__ == "__main__":
    main()
