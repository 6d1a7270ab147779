#!/usr/bin/env python3
"""`imgeda merge` of PARTS partial manifests totalling N records (copies of a real record of
this build with their own paths and hashes, shuffled within each part as a multi-worker scan
writes them, each part a shard I/PARTS): wall time and the
peak memory of the process tree (peakmem.py), and a check that the output holds every record
once, in path order.

    merge_bench.py BIN [N] [PARTS]      (defaults: 1,000,000 and 100)

The comparison: GNU sort of the same parts' record lines (`tail -q -n +2 PARTS | LC_ALL=C
sort`, its default buffer, under peakmem.py), the floor of any sort-merge of the bytes. It
does less than `imgeda merge`: no header or settings checks, doubled paths kept, no newest
record picked, lines compared whole rather than by path. The Python imgeda has no merge.

Prints one JSON line, then PASS/FAIL for each goal (every record once, in path order; peak
below 512 MB, not with BENCH_STRICT=0: the merge's memory must not grow with N) and exits 1
on a miss. MERGE_BENCH_KEEP=DIR keeps the parts and the output in DIR."""
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
binary = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
parts = int(sys.argv[3]) if len(sys.argv) > 3 else 100
strict = os.environ.get("BENCH_STRICT", "1") != "0"
work = os.environ.get("MERGE_BENCH_KEEP") or tempfile.mkdtemp(prefix="imgeda-merge-")
os.makedirs(work, exist_ok=True)

settings = {"include_hashes": True, "skip_pixel_stats": False, "skip_exif": False, "skip_blur": False,
            "dark_threshold": 40.0, "overexposed_threshold": 220.0, "artifact_threshold": 50.0,
            "blur_threshold": 100.0, "corner_patch_fraction": 0.1, "hash_size": 16,
            "max_image_dimension": 256, "max_pixels": 250000000}
rng = random.Random(14)


# The template: a real record of this build (so the lines are exactly what a scan writes and
# what the fast record parser reads), from a scan of the example dataset.
template_dir = os.path.join(work, "template")
subprocess.run([binary, "example", template_dir], check=True, stdout=subprocess.DEVNULL)
subprocess.run([binary, "scan", template_dir, "-o", os.path.join(work, "template.jsonl"), "--workers", "1", "--quiet"], check=True)
template = None
with open(os.path.join(work, "template.jsonl")) as f:
    next(f)
    for line in f:
        candidate = json.loads(line)
        if not candidate.get("is_corrupt") and candidate.get("phash"):
            template = candidate
            break
shutil.rmtree(template_dir, ignore_errors=True)
os.remove(os.path.join(work, "template.jsonl"))


def record(i):
    r = dict(template)
    h = "%064x" % rng.getrandbits(256)
    r["path"] = "/data/d%03d/img_%07d.jpg" % (i % 997, i)
    r["filename"] = "img_%07d.jpg" % i
    r["file_size_bytes"] = 20000 + i % 5000
    r["mtime"] = 1795758946.5 + i
    r["phash"] = h
    r["dhash"] = h[::-1]
    r["sha256"] = "%064x" % rng.getrandbits(256)
    return r


files = []
per_part = [[] for _ in range(parts)]
for i in range(n):
    per_part[rng.randrange(parts)].append(i)
for p, indices in enumerate(per_part):
    rng.shuffle(indices)
    path = os.path.join(work, "part-%03d.jsonl" % (p + 1))
    with open(path, "w") as f:
        f.write(json.dumps({"__manifest_meta__": True, "input_dir": "/data", "schema_version": 1, "settings": settings,
                            "total_files": len(indices), "created_at": "2026-11-27T00:00:00Z", "input_dirs": ["/data"],
                            "tool": "imgeda-swift", "tool_version": "0.1.0", "shard": "%d/%d" % (p + 1, parts)}) + "\n")
        for i in indices:
            f.write(json.dumps(record(i), ensure_ascii=False) + "\n")
    files.append(path)
part_bytes = sum(os.path.getsize(f) for f in files)

output = os.path.join(work, "merged.jsonl")
stats_file = os.path.join(work, "peak.json")
if os.path.exists(stats_file):
    os.remove(stats_file)
run = subprocess.run([sys.executable, os.path.join(here, "peakmem.py"), "--json", stats_file, "--",
                      binary, "merge", os.path.join(work, "part-*.jsonl"), "-o", output, "--quiet"])
stats = json.loads(open(stats_file).read().strip().splitlines()[-1])

# Every record once, in path order.
count = 0
previous = None
ordered = True
seen_ok = run.returncode == 0
if seen_ok:
    with open(output, "rb") as f:
        next(f)
        for line in f:
            path = json.loads(line)["path"]
            if previous is not None and path.encode() <= previous:
                ordered = False
            previous = path.encode()
            count += 1
# The floor: GNU sort of the record lines.
sort_stats_file = os.path.join(work, "sort.json")
if os.path.exists(sort_stats_file):
    os.remove(sort_stats_file)
sorted_out = os.path.join(work, "sorted.txt")
command = "tail -q -n +2 %s | LC_ALL=C sort -T %s -o %s" % (
    " ".join(shlex.quote(f) for f in files), shlex.quote(work), shlex.quote(sorted_out))
subprocess.run([sys.executable, os.path.join(here, "peakmem.py"), "--json", sort_stats_file, "--", "sh", "-c", command],
               check=True)
sort_stats = json.loads(open(sort_stats_file).read().strip().splitlines()[-1])

result = {"bench": "merge", "records": n, "parts": parts, "part_mb": round(part_bytes / 1e6, 1),
          "bytes_per_record": round(part_bytes / n), "wall_s": stats["wall_s"], "cpu_s": stats.get("cpu_s"),
          "peak_rss_mb": stats["peak_rss_mb"], "output_records": count, "ordered": ordered, "exit": run.returncode,
          "sort_wall_s": sort_stats["wall_s"], "sort_cpu_s": sort_stats.get("cpu_s"),
          "sort_peak_rss_mb": sort_stats["peak_rss_mb"]}
print(json.dumps(result))
if not os.environ.get("MERGE_BENCH_KEEP"):
    shutil.rmtree(work, ignore_errors=True)
complete = run.returncode == 0 and count == n and ordered
small = stats["peak_rss_mb"] < 512
print(f"[merge] {n:,} records in {parts} parts ({part_bytes / 1e6:.0f} MB): imgeda merge {stats['wall_s']:.1f} s, "
      f"peak {stats['peak_rss_mb']:.0f} MB; GNU sort of the lines {sort_stats['wall_s']:.1f} s, peak {sort_stats['peak_rss_mb']:.0f} MB "
      f"(merge/sort time {stats['wall_s'] / max(sort_stats['wall_s'], 1e-9):.2f}x)")
print(f"  {'PASS' if complete else 'FAIL'} every record once, in path order ({count:,} of {n:,})")
print(f"  {'PASS' if small else 'FAIL'} peak memory below 512 MB ({stats['peak_rss_mb']:.0f} MB)")
sys.exit(0 if complete and (small or not strict) else 1)
