"""Plots and report: speed against the Python imgeda 0.1.0 on the same manifest, and a
1,000,000-record report (time, peak memory, file size).

    report_bench.py BIN REFERENCE_IMGEDA MANIFEST [N]

MANIFEST is a manifest of the benchmark's dataset corpus (made by `imgeda scan`); both tools
read it (the reference reads our manifests). N (default 1,000,000) synthetic records for
the scale run. Prints a table and PASS/FAIL lines; exits 1 if a target is missed."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
binary, reference, manifest = sys.argv[1:4]
n = int(sys.argv[4]) if len(sys.argv) > 4 else 1_000_000
work = tempfile.mkdtemp(prefix="imgeda-report-")


def timed(cmd):
    start = time.monotonic()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print("command failed:", " ".join(cmd), r.stderr[-800:], file=sys.stderr)
    return time.monotonic() - start, r.returncode


def median_of(repeat, cmd):
    """The median wall time of `repeat` runs, interleaved by the caller's order."""
    runs = [timed(cmd) for _ in range(repeat)]
    times = sorted(t for t, _ in runs)
    return times[len(times) // 2], max(code for _, code in runs)


repeat = int(os.environ.get("BENCH_REPEAT", "3"))
ours_plot, s1 = median_of(repeat, [binary, "plot", "all", "-m", manifest, "-o", os.path.join(work, "ours-plots")])
ours_report, s2 = median_of(repeat, [binary, "report", "-m", manifest, "-o", os.path.join(work, "ours.html")])
ref_plot, s3 = median_of(repeat, [reference, "plot", "all", "-m", manifest, "-o", os.path.join(work, "ref-plots")])
ref_report, s4 = median_of(repeat, [reference, "report", "-m", manifest, "-o", os.path.join(work, "ref.html")])
ours_total, ref_total = ours_plot + ours_report, ref_plot + ref_report
ratio = ref_total / ours_total if ours_total > 0 else 0

# The scale run: N records with random hashes and realistic spreads.
big = os.path.join(work, "big.jsonl")
with open(big, "w") as f:
    f.write(json.dumps({"__manifest_meta__": True, "input_dir": "/data", "schema_version": 1, "settings": {}}) + "\n")
    for i in range(n):
        h = hashlib.sha256(str(i).encode()).hexdigest()
        corrupt = i % 199 == 0
        f.write(json.dumps({
            "path": f"/nonexistent/data/img_{i:07d}.jpg", "filename": f"img_{i:07d}.jpg", "file_size_bytes": 20_000 + (i * 7919) % 2_000_000,
            "mtime": 1.7e9, "width": 200 + (i * 31) % 4000, "height": 150 + (i * 17) % 3000, "format": "JPEG", "color_mode": "RGB",
            "num_channels": 3, "aspect_ratio": 1.33, "camera_model": ["Canon EOS R6", "iPhone 14", None][i % 3],
            "focal_length_35mm": 24 + i % 100, "iso_speed": 100 * (1 + i % 32), "has_gps_data": i % 9 == 0,
            "pixel_stats": None if corrupt else {"mean_r": i % 256, "mean_g": (i * 3) % 256, "mean_b": (i * 7) % 256, "std_r": 40, "std_g": 41,
                                                 "std_b": 42, "mean_brightness": (i * 11) % 256, "min_val": 0, "max_val": 255},
            "corner_stats": None if corrupt else {"corner_mean": 100, "center_mean": 110, "border_mean": 105, "delta": i % 120},
            "phash": h, "phash_center": hashlib.sha256(str(-i).encode()).hexdigest(), "blur_score": float(1 + (i * 13) % 5000),
            "is_blurry": (i * 13) % 5000 < 99, "is_corrupt": corrupt, "corrupt_reason": "truncated JPEG" if corrupt else None,
            "is_dark": (i * 11) % 256 < 40, "is_overexposed": (i * 11) % 256 > 220, "has_border_artifact": i % 120 > 50,
            "sha256": h if i % 50 else hashlib.sha256(str(i - 1).encode()).hexdigest(), "analyzer_version": "swift-2",
        }) + "\n")
mem_json = os.path.join(work, "mem.json")
run = subprocess.run([sys.executable, os.path.join(here, "peakmem.py"), "--json", mem_json, "--",
                      binary, "report", "-m", big, "-o", os.path.join(work, "big.html")], capture_output=True, text=True)
mem = json.load(open(mem_json))
size_mb = os.path.getsize(os.path.join(work, "big.html")) / 1e6 if os.path.exists(os.path.join(work, "big.html")) else 0

print()
print("plots and report on %s (median of %d runs each)" % (manifest, repeat))
print("  ours        plot all %.2f s + report %.2f s = %.2f s" % (ours_plot, ours_report, ours_total))
print("  reference   plot all %.2f s + report %.2f s = %.2f s" % (ref_plot, ref_report, ref_total))
print("report of %d records: %.1f s, peak %d MB, %.1f MB of HTML" % (n, mem["wall_s"], mem["peak_rss_mb"], size_mb))
checks = [
    (ratio >= 10 and s1 == s2 == 0, "plot all + report at least 10x the reference (%.1fx)" % ratio),
    (mem["wall_s"] < 60 and run.returncode == 0, "report of %d records under 60 s (%.1f s)" % (n, mem["wall_s"])),
    (mem["peak_rss_mb"] < 1000, "report memory under 1 GB (%d MB)" % mem["peak_rss_mb"]),
    (0 < size_mb < 15, "report HTML under 15 MB (%.1f MB)" % size_mb),
]
for ok, what in checks:
    print("%s  report  %s" % ("PASS" if ok else "FAIL", what))
json.dump({"ours_seconds": ours_total, "reference_seconds": ref_total, "ratio": ratio, "scale": {"records": n, **mem, "html_mb": size_mb}},
          open(os.path.join(os.path.dirname(here), "bench-data", "report-bench.json") if os.path.isdir(os.path.join(os.path.dirname(here), "bench-data")) else os.devnull, "w"))
shutil.rmtree(work, ignore_errors=True)
sys.exit(0 if all(ok for ok, _ in checks) else 1)
