#!/usr/bin/env python3
"""The library at scale: index build, unchanged update against `find`, and search latency,
on SQLite and on PostgreSQL.

    library_scale.py IMGEDA N [--queries-runs R] [--orders O,O…] [--postgres URL|auto] [--real DIR] [--flat-base M]

Writes bench-data/library-N/.imgeda/manifest.jsonl with N synthetic records (paths under the
library's root, EXIF-like cameras and lenses, dates in file names, sha256, 256-bit pHash,
a few flags), a sidecar for one image in 50 (tags, captions, statuses), then:

  1. `imgeda library rebuild DIR` under peakmem.py: index build time and peak memory from the
     manifest and sidecars alone (the files do not exist; rebuild never opens them);
  2. each query of QUERIES R times as `imgeda search DIR Q --limit 50` (a first page, as the
     web UI asks for it) in each order of --orders (default `path`, the command's default;
     `--orders path,newest,quality,size,pixels` adds the gallery's), and the process start-up
     floor (`imgeda --version`), reporting median and p95 wall time per query, with the floor
     and without it;
  3. with --postgres, 1 and 2 again with `--db URL?schema=bench_N` (`auto` starts a
     throwaway server on 127.0.0.1:55490 with .ci/start-postgres and stops it at the end);
  4. with --real DIR (a folder of real images, e.g. bench-data/mixed10k), `library init`
     (state kept in bench-data/runs/library-real-state), then R unchanged `library update`s
     against R `find DIR -type f -printf '%s %T@ %p\\n'` over the same tree: an unchanged update only stats (compared
     without imgeda's start-up floor, as the searches are);

  5. memory flat: when N is larger than M (--flat-base, default 100000), the SQLite rebuild
     of an M-record library too, and the ratio of the two peaks.

Goals (issue 11), one PASS/FAIL line each at the end (exit 1 when one fails unless
BENCH_STRICT=0): the build of N records under 60 s per million (SQLite and PostgreSQL);
search p95 under 50 ms once the start-up floor is taken off; an unchanged update within 2x
`find`; peak memory at N within 1.3x of the peak at M.
Times are wall clock: note the machine's load (printed) beside them; run it on a quiet
machine with a release build, e.g.
    python3 Benchmarks/library_scale.py .build/release/imgeda 1000000 --postgres auto --real bench-data/mixed10k
"""
import glob
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time

QUERIES = [
    "tag:beach",
    "sunset",
    'camera:"Canon EOS R6"',
    "date:2023-07",
    "format:png width>=1024",
    "is:blurry",
    "status:rejected",
    "beach -is:blurry quality>=50",
    "path:2021/",
    '"golden hour"',
]

CAMERAS = [("Canon", "Canon EOS R6"), ("NIKON CORPORATION", "NIKON Z 6"), ("SONY", "ILCE-7M3"), ("Apple", "iPhone 13"), (None, None)]
LENSES = ["RF50mm F1.8 STM", "NIKKOR Z 24-70mm f/4 S", "FE 35mm F1.8", None]
TAGS = ["beach", "sunset", "family", "city", "mountain", "food", "place:Lisbon", "place:Porto", "person:Ana"]


GOALS = {"build_s_per_million": 60.0, "search_p95_ms": 50.0, "update_over_find": 2.0, "memory_flat": 1.3}


def timed(args, env=None):
    t = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"{args}: {r.stderr}")
    return (time.perf_counter() - t) * 1000, r.stdout


def peak(here, args):
    """Runs args under peakmem.py; returns (measured, stdout)."""
    r = subprocess.run([sys.executable, os.path.join(here, "peakmem.py"), "--"] + args, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{args}: {r.stderr}")
    return json.loads(r.stderr.strip().splitlines()[-1]), r.stdout


def write_library(root, n):
    state = os.path.join(root, ".imgeda")
    manifest = os.path.join(state, "manifest.jsonl")
    rng = random.Random(11)
    if os.path.exists(manifest):
        return
    os.makedirs(os.path.join(state, "sidecars"), exist_ok=True)
    started = time.time()
    with open(manifest + ".tmp", "w") as out:
        out.write(json.dumps({"__manifest_meta__": True, "schema_version": 1, "input_dir": root, "input_dirs": [root],
                              "settings": {}, "total_files": n, "created_at": "2026-11-27T00:00:00+00:00",
                              "tool": "imgeda-swift", "tool_version": "bench"}) + "\n")
        for i in range(n):
            year = 2015 + i % 10
            month = 1 + (i // 7) % 12
            day = 1 + (i // 3) % 28
            name = f"IMG_{year}{month:02d}{day:02d}_{i % 24:02d}{i % 60:02d}{(i * 7) % 60:02d}.jpg"
            path = f"{root}/{year}/{month:02d}/{name[:-4]}_{i}.jpg"
            make, model = CAMERAS[i % len(CAMERAS)]
            sha = hashlib.sha256(str(i).encode()).hexdigest()
            blur = rng.uniform(10, 900)
            record = {
                "path": path, "filename": os.path.basename(path), "file_size_bytes": 200_000 + i % 5_000_000,
                "mtime": 1_600_000_000 + i, "width": [640, 1024, 4000, 6000][i % 4], "height": [480, 768, 3000, 4000][i % 4],
                "format": "PNG" if i % 13 == 0 else "JPEG", "color_mode": "RGB", "num_channels": 3, "aspect_ratio": 1.3333,
                "camera_make": make, "camera_model": model, "lens_model": LENSES[i % len(LENSES)],
                "datetime_original": f"{year}:{month:02d}:{day:02d} 12:00:00" if i % 3 else None,
                "has_gps_data": i % 5 == 0,
                "pixel_stats": {"mean_r": 110.0, "mean_g": 115.0, "mean_b": 120.0, "std_r": 40.0, "std_g": 41.0, "std_b": 42.0,
                                "mean_brightness": 115.0, "min_val": 0, "max_val": 255},
                "phash": "%064x" % rng.getrandbits(256), "dhash": "%064x" % rng.getrandbits(256),
                "blur_score": round(blur, 2), "is_blurry": blur < 100, "is_corrupt": False, "is_dark": False,
                "is_overexposed": False, "has_border_artifact": False, "analyzed_at": "2026-11-27T00:00:00+00:00",
                "analyzer_version": "bench", "sha256": sha,
            }
            out.write(json.dumps(record) + "\n")
            if i % 50 == 0:
                tags = [{"category": t.split(":")[0] if ":" in t else "tag", "value": t.split(":")[-1]}
                        for t in rng.sample(TAGS, 2)]
                sidecar = {"version": 1, "sha256": sha, "tags": tags,
                           "caption": "golden hour at the beach" if i % 150 == 0 else None,
                           "status": ["active", "selected", "rejected"][i % 3], "rating": i % 6 or None}
                folder = os.path.join(state, "sidecars", sha[:2])
                os.makedirs(folder, exist_ok=True)
                with open(os.path.join(folder, sha + ".json"), "w") as f:
                    json.dump(sidecar, f)
    os.rename(manifest + ".tmp", manifest)
    print(f"wrote {n:,} records in {time.time() - started:.1f} s", file=sys.stderr)


ORDERS = ["path"]


def build_and_search(here, imgeda, root, n, runs, label, db_args):
    """Rebuilds the index, then times the queries; returns (build seconds, p95 without the floor, peak MB)."""
    state = os.path.join(root, ".imgeda")
    if not db_args:
        for f in ["index.sqlite", "index.sqlite-wal", "index.sqlite-shm"]:
            try:
                os.unlink(os.path.join(state, f))
            except FileNotFoundError:
                pass
    load = os.getloadavg()
    measured, out = peak(here, [imgeda, "library", "rebuild", root, "--json"] + db_args)
    result = json.loads(out)
    size = f"; index {os.path.getsize(os.path.join(state, 'index.sqlite')) / 1e6:.0f} MB" if not db_args else ""
    print(f"[{label}] load average before: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"[{label}] rebuild: {result['images']:,} images, {result['sidecars']:,} sidecars, "
          f"{result['duplicate_groups']:,} duplicate groups; wall {measured['wall_s']:.1f} s, cpu {measured['cpu_s']:.1f} s, "
          f"peak RSS {measured['peak_rss_mb']:.0f} MB{size}")
    floor = statistics.median(timed([imgeda, "--version"])[0] for _ in range(runs))
    print(f"[{label}] process start-up floor (imgeda --version): median {floor:.1f} ms")
    all_ms = []
    for order in ORDERS:
        for q in QUERIES:
            samples = []
            out = ""
            for _ in range(runs):
                ms, out = timed([imgeda, "search", root, q, "--limit", "50", "--order", order] + db_args)
                samples.append(ms)
            hits = out.count("\n")
            samples.sort()
            all_ms += samples
            print(f"[{label}]   {q:40s} {order:8s} first page {hits:3d} hits   median {statistics.median(samples):7.1f} ms   "
                  f"max {samples[-1]:7.1f} ms")
    all_ms.sort()
    p95 = all_ms[int(0.95 * (len(all_ms) - 1))]
    print(f"[{label}] search, {len(QUERIES)} queries x {len(ORDERS)} orders x {runs}: median {statistics.median(all_ms):.1f} ms, p95 {p95:.1f} ms "
          f"(start-up floor {floor:.1f} ms included; p95 without it {p95 - floor:.1f} ms; load {os.getloadavg()[0]:.1f})")
    return measured["wall_s"], p95 - floor, measured["peak_rss_mb"]


def rebuild_peak(here, imgeda, n):
    """Peak memory of a SQLite rebuild of an n-record library (for the memory-flat goal)."""
    root = os.path.abspath(os.path.join(here, "..", "bench-data", f"library-{n}"))
    write_library(root, n)
    for f in ["index.sqlite", "index.sqlite-wal", "index.sqlite-shm"]:
        try:
            os.unlink(os.path.join(root, ".imgeda", f))
        except FileNotFoundError:
            pass
    measured, _ = peak(here, [imgeda, "library", "rebuild", root, "--json"])
    print(f"[sqlite] rebuild of {n:,} records: wall {measured['wall_s']:.1f} s, peak RSS {measured['peak_rss_mb']:.0f} MB")
    return measured["peak_rss_mb"]


def start_postgres(here):
    env = dict(os.environ, PGPORT="55490")
    r = subprocess.run(["bash", os.path.join(here, "..", ".ci", "start-postgres")], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"cannot start PostgreSQL: {r.stderr}")
    data = r.stderr.split("data in ")[1].split(" ")[0]
    return r.stdout.strip(), data


def real_folder(here, imgeda, folder, runs):
    """Indexes a folder of real images, then compares unchanged updates with `find`."""
    state = os.path.abspath(os.path.join(here, "..", "bench-data", "runs", "library-real-state"))
    os.makedirs(os.path.dirname(state), exist_ok=True)
    measured, out = peak(here, [imgeda, "library", "init", folder, "--state", state, "--json", "--quiet"])
    made = json.loads(out)
    print(f"[real] library init {folder}: {made['images']:,} images; wall {measured['wall_s']:.1f} s, "
          f"cpu {measured['cpu_s']:.1f} s, peak RSS {measured['peak_rss_mb']:.0f} MB")
    updates, finds = [], []
    for _ in range(runs):
        ms, out = timed([imgeda, "library", "update", folder, "--state", state, "--json", "--quiet"])
        sync = json.loads(out)
        if sync["added"] or sync["changed"] or sync["removed"]:
            raise SystemExit(f"an unchanged update changed something: {sync}")
        updates.append(ms)
        # `find` stats every file too (size and time printed), as the update must.
        finds.append(timed(["find", folder, "-type", "f", "-printf", "%s %T@ %p\n"])[0])
    update, find = statistics.median(updates), statistics.median(finds)
    # Like the searches, the update is judged without the process's start-up (what
    # `imgeda --version` costs), which no walk of the tree can avoid and `find` hardly has.
    floor = statistics.median(timed([imgeda, "--version"])[0] for _ in range(runs))
    print(f"[real] unchanged update: median {update:.1f} ms; find over the same tree: median {find:.1f} ms; "
          f"ratio {update / find:.1f}x; start-up floor {floor:.1f} ms; without it {(update - floor) / find:.1f}x "
          f"(load {os.getloadavg()[0]:.1f})")
    return max(0.0, update - floor) / find


def main():
    if "-h" in sys.argv or "--help" in sys.argv:
        print(__doc__)
        sys.exit(0)
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    imgeda, n = sys.argv[1], int(sys.argv[2])
    runs = int(sys.argv[sys.argv.index("--queries-runs") + 1]) if "--queries-runs" in sys.argv else 5
    if "--orders" in sys.argv:
        ORDERS[:] = sys.argv[sys.argv.index("--orders") + 1].split(",")
    postgres = sys.argv[sys.argv.index("--postgres") + 1] if "--postgres" in sys.argv else None
    real = sys.argv[sys.argv.index("--real") + 1] if "--real" in sys.argv else None
    flat_base = int(sys.argv[sys.argv.index("--flat-base") + 1]) if "--flat-base" in sys.argv else 100_000
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(os.path.join(here, "..", "bench-data", f"library-{n}"))
    write_library(root, n)
    results = []  # (goal, passed, measured)
    build_limit = GOALS["build_s_per_million"] * n / 1_000_000
    build_s, p95, peak_n = build_and_search(here, imgeda, root, n, runs, "sqlite", [])
    results.append((f"sqlite build of {n:,} records < {build_limit:.1f} s", build_s < build_limit, f"{build_s:.1f} s"))
    results.append((f"sqlite search p95 < {GOALS['search_p95_ms']:.0f} ms", p95 < GOALS["search_p95_ms"], f"{p95:.1f} ms"))
    if n > flat_base:
        peak_base = rebuild_peak(here, imgeda, flat_base)
        ratio = peak_n / peak_base
        results.append((f"memory flat: peak at {n:,} <= {GOALS['memory_flat']}x peak at {flat_base:,}", ratio <= GOALS["memory_flat"],
                        f"{peak_n:.0f} MB / {peak_base:.0f} MB = {ratio:.2f}x"))
    if postgres:
        data = None
        url = postgres
        if postgres == "auto":
            url, data = start_postgres(here)
        try:
            db = url + ("&" if "?" in url else "?") + f"schema=bench_{n}"
            build_s, p95, pg_peak = build_and_search(here, imgeda, root, n, runs, "postgresql", ["--db", db])
            results.append((f"postgresql build of {n:,} records < {build_limit:.1f} s", build_s < build_limit,
                            f"{build_s:.1f} s, imgeda peak {pg_peak:.0f} MB"))
            results.append((f"postgresql search p95 < {GOALS['search_p95_ms']:.0f} ms", p95 < GOALS["search_p95_ms"], f"{p95:.1f} ms"))
        finally:
            if data:
                pg_ctl = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
                subprocess.run(["runuser", "-u", "postgres", "--", pg_ctl, "-D", data, "stop", "-m", "fast"], capture_output=True)
    if real:
        ratio = real_folder(here, imgeda, os.path.abspath(real), runs)
        results.append((f"unchanged update <= {GOALS['update_over_find']:.0f}x find (start-up floor off)", ratio <= GOALS["update_over_find"],
                        f"{ratio:.2f}x"))
    for goal, passed, measured in results:
        print(f"{'PASS' if passed else 'FAIL'}  {goal}: {measured}")
    failures = [goal for goal, passed, _ in results if not passed]
    print("library goals: " + ("all met" if not failures else "missed: " + "; ".join(failures)))
    sys.exit(1 if failures and os.environ.get("BENCH_STRICT", "1") != "0" else 0)


if __name__ == "__main__":
    main()
