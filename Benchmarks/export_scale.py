"""Parquet export at scale: writes a synthetic manifest of N records, exports it with
`imgeda export parquet` under peakmem.py, then reads every column back with pyarrow and
with duckdb and compares it with the values the manifest was generated from.

    export_scale.py BIN PYTHON_WITH_PYARROW_AND_DUCKDB [N]   (default N = 1,000,000)

Prints a JSON line and PASS/FAIL lines (memory under 500 MB, every column equal)."""
import json
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
binary, python = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
work = tempfile.mkdtemp(prefix="imgeda-export-")
manifest = os.path.join(work, "m.jsonl")
parquet = os.path.join(work, "m.parquet")

FORMATS = ["JPEG", "PNG", "WEBP"]


def record(i):
    corrupt = i % 97 == 0
    return {
        "path": f"data/split{i % 3}/img_{i:07d}.jpg", "filename": f"img_{i:07d}.jpg",
        "file_size_bytes": 1000 + i, "mtime": 1.7e9 + i / 8, "width": 100 + i % 900, "height": 80 + i % 700,
        "format": FORMATS[i % 3], "color_mode": "RGB", "num_channels": 3, "aspect_ratio": round((100 + i % 900) / (80 + i % 700), 4),
        "camera_make": "Canon" if i % 5 == 0 else None, "camera_model": None, "lens_model": None,
        "focal_length_mm": 35.0 if i % 5 == 0 else None, "focal_length_35mm": 50 if i % 5 == 0 else None,
        "iso_speed": 100 + i % 3200 if i % 5 == 0 else None, "f_number": None, "exposure_time_sec": None,
        "datetime_original": None, "orientation_tag": 1 if i % 5 == 0 else None, "has_gps_data": i % 11 == 0,
        "distortion_risk": None,
        "pixel_stats": None if corrupt else {"mean_r": i % 256 + 0.5, "mean_g": 1.25, "mean_b": 2.5, "std_r": 3.0, "std_g": 4.0,
                                             "std_b": 5.0, "mean_brightness": 7.75, "min_val": 0, "max_val": 255},
        "corner_stats": None if corrupt else {"corner_mean": 1.0, "center_mean": 2.0, "border_mean": 3.0, "delta": 1.0},
        "phash": f"{i:064x}", "dhash": None, "blur_score": None if corrupt else float(i % 1000),
        "is_blurry": i % 7 == 0, "is_corrupt": corrupt, "is_dark": i % 13 == 0, "is_overexposed": False,
        "has_border_artifact": False, "analyzed_at": "2026-11-21T00:00:00+00:00", "analyzer_version": "swift-2",
        "corrupt_reason": "truncated JPEG" if corrupt else None, "sha256": f"{i:064x}",
    }


with open(manifest, "w") as f:
    f.write(json.dumps({"__manifest_meta__": True, "input_dir": "data", "schema_version": 1, "settings": {}}) + "\n")
    for i in range(n):
        f.write(json.dumps(record(i)) + "\n")

measure = subprocess.run([sys.executable, os.path.join(here, "peakmem.py"), "--json", os.path.join(work, "mem.json"), "--",
                          binary, "export", "parquet", "-m", manifest, "-o", parquet], capture_output=True, text=True)
mem = json.load(open(os.path.join(work, "mem.json")))

check = r'''
import sys, json, math
import pyarrow.parquet as pq, duckdb
sys.path.insert(0, sys.argv[3])
from export_scale_records import flat
path, n = sys.argv[1], int(sys.argv[2])
t = pq.read_table(path)
problems = []
if t.num_rows != n: problems.append(f"pyarrow rows {t.num_rows}")
# Every column, every value (pyarrow), against the generator.
cols = {name: t.column(name).to_pylist() for name in t.column_names}
for i in range(n):
    want = flat(i)
    for name, values in cols.items():
        a, b = values[i], want.get(name)
        if a != b and not (isinstance(a, float) and isinstance(b, (int, float)) and a == float(b)):
            problems.append(f"pyarrow row {i} {name}: {a!r} != {b!r}")
            if len(problems) > 10: break
    if len(problems) > 10: break
# duckdb: every column through an aggregate and its type.
types = dict(duckdb.sql(f"select column_name, column_type from (describe select * from read_parquet('{path}'))").fetchall())
for name in ["width", "file_size_bytes", "pixel_stats.min_val"]:
    if types[name] != "BIGINT": problems.append(f"duckdb type {name} {types[name]}")
for name in ["mtime", "blur_score"]:
    if types[name] != "DOUBLE": problems.append(f"duckdb type {name} {types[name]}")
for name in ["is_corrupt", "has_gps_data"]:
    if types[name] != "BOOLEAN": problems.append(f"duckdb type {name} {types[name]}")
if types["path"] != "VARCHAR": problems.append(f"duckdb type path {types['path']}")
for name in t.column_names:
    got = duckdb.sql(f"""select count("{name}") from read_parquet('{path}')""").fetchall()[0][0]
    want = sum(1 for v in cols[name] if v is not None)
    if got != want: problems.append(f"duckdb non-null count of {name}: {got} != {want}")
got = duckdb.sql(f"select sum(file_size_bytes), sum(width), count(*) filter (where is_corrupt) from read_parquet('{path}')").fetchall()[0]
want = (sum(1000 + i for i in range(n)), sum(100 + i % 900 for i in range(n)), sum(1 for i in range(n) if i % 97 == 0))
if tuple(got) != want: problems.append(f"duckdb sums {got} != {want}")
print(json.dumps({"rows": t.num_rows, "columns": t.num_columns, "problems": problems[:10]}))
'''
with open(os.path.join(work, "export_scale_records.py"), "w") as f:
    # The checker regenerates the expected values with the same generator.
    f.write('FORMATS = ["JPEG", "PNG", "WEBP"]\n\n')
    src = open(__file__).read()
    start = src.index("def record(i):")
    end = src.index("with open(manifest")
    f.write(src[start:end])
    f.write('''
def flat(i):
    r = record(i)
    out = {}
    for k, v in r.items():
        if k in ("pixel_stats", "corner_stats"):
            names = {"pixel_stats": ["mean_r", "mean_g", "mean_b", "std_r", "std_g", "std_b", "mean_brightness", "min_val", "max_val"],
                     "corner_stats": ["corner_mean", "center_mean", "border_mean", "delta"]}[k]
            for name in names:
                out[f"{k}.{name}"] = None if v is None else v[name]  # the reference's Parquet names
        else:
            out[k] = v
    for extra in ("frame_count", "phash_center", "path_raw", "split", "class_name"):
        out.setdefault(extra, None)
    return out
''')
result = subprocess.run([python, "-c", check, parquet, str(n), work], capture_output=True, text=True)
try:
    read = json.loads(result.stdout.strip().splitlines()[-1])
except Exception:
    read = {"problems": [result.stdout[-500:] + result.stderr[-1500:]]}
line = {"records": n, "export_exit": measure.returncode, "export_seconds": round(mem["wall_s"], 2),
        "peak_rss_mb": round(mem["peak_rss_mb"]), "parquet_mb": round(os.path.getsize(parquet) / 1e6, 1) if os.path.exists(parquet) else 0,
        **read}
print(json.dumps(line))
ok_mem = mem["peak_rss_mb"] < 500 and measure.returncode == 0
ok_read = not read.get("problems")
print("%s  export  peak memory under 500 MB (%d MB, %.1f s for %d records)" % ("PASS" if ok_mem else "FAIL", mem["peak_rss_mb"], mem["wall_s"], n))
print("%s  export  pyarrow and duckdb read every column with the right types and values" % ("PASS" if ok_read else "FAIL"))
sys.exit(0 if ok_mem and ok_read else 1)
