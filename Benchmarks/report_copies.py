"""`report` on a manifest of N records in train/val/test where every picture is copied
COPIES times (same bytes, same hashes): the case where cross-split pairs outnumber the
images by hundreds, which leakage must count without storing them.

    report_copies.py BIN [N] [COPIES]      (defaults: 1,000,000 and 333)

Prints the wall time and peak memory of the whole process tree (peakmem.py) as one JSON
line; exits 1 if the report fails, takes 60 s or more, or peaks at 1 GB or more (not with
BENCH_STRICT=0). With REPORT_COPIES_KEEP=FILE the manifest is written to FILE and kept."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
binary = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
copies = int(sys.argv[3]) if len(sys.argv) > 3 else 333
work = tempfile.mkdtemp(prefix="imgeda-copies-")
manifest = os.environ.get("REPORT_COPIES_KEEP") or os.path.join(work, "copies.jsonl")

with open(manifest, "w") as f:
    f.write(json.dumps({"__manifest_meta__": True, "input_dir": "/data", "schema_version": 1, "settings": {}}) + "\n")
    for i in range(n):
        picture = i // copies
        h = hashlib.sha256(str(picture).encode()).hexdigest()
        split = ["train"] * 7 + ["val"] * 2 + ["test"]
        f.write(json.dumps({
            "path": f"/nonexistent/data/{split[i % 10]}/img_{i:07d}.jpg", "filename": f"img_{i:07d}.jpg",
            "file_size_bytes": 20_000 + picture % 2_000_000, "mtime": 1.7e9, "width": 200 + picture % 4000,
            "height": 150 + picture % 3000, "format": "JPEG", "color_mode": "RGB", "num_channels": 3, "aspect_ratio": 1.33,
            "pixel_stats": {"mean_r": picture % 256, "mean_g": (picture * 3) % 256, "mean_b": (picture * 7) % 256, "std_r": 40,
                            "std_g": 41, "std_b": 42, "mean_brightness": (picture * 11) % 256, "min_val": 0, "max_val": 255},
            "corner_stats": {"corner_mean": 100, "center_mean": 110, "border_mean": 105, "delta": picture % 120},
            "phash": h, "phash_center": hashlib.sha256(str(-picture).encode()).hexdigest(),
            "blur_score": float(1 + (picture * 13) % 5000), "is_blurry": False, "is_corrupt": False,
            "is_dark": False, "is_overexposed": False, "has_border_artifact": False,
            "sha256": h, "split": split[i % 10], "analyzer_version": "swift-2",
        }) + "\n")

mem_json = os.path.join(work, "mem.json")
run = subprocess.run([sys.executable, os.path.join(here, "peakmem.py"), "--json", mem_json, "--",
                      binary, "report", "-m", manifest, "-o", os.path.join(work, "copies.html"), "--no-thumbnails"],
                     capture_output=True, text=True)
mem = json.load(open(mem_json))
print(json.dumps({"records": n, "copies": copies, "exit": run.returncode, **mem}))
if run.returncode != 0:
    print(run.stderr[-800:], file=sys.stderr)
shutil.rmtree(work, ignore_errors=True)
ok = run.returncode == 0 and mem["wall_s"] < 60 and mem["peak_rss_mb"] < 1000
print("%s  report  %d records in groups of %d copies, with splits: %.1f s, %d MB (targets 60 s, 1 GB)"
      % ("PASS" if ok else "FAIL", n, copies, mem["wall_s"], mem["peak_rss_mb"]))
sys.exit(0 if ok or os.environ.get("BENCH_STRICT", "1") == "0" else 1)
