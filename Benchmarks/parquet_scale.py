#!/usr/bin/env python3
"""Peak memory of reading a large URL list from Parquet: imgeda's reader against pyarrow.

    parquet_scale.py PARQUET_SCALE_BIN PYTHON_WITH_PYARROW [--rows N] [--out DIR]

Writes, with pyarrow, a LAION-like table of N rows (default 2,000,000): url (unique, about
70 bytes), caption (about 60 bytes, 10% null), similarity (double), width (int32, nullable),
Snappy-compressed, twice: as one row group (pyarrow's default before version 15) and in row
groups of 100,000. Then reads the url and caption columns of each file, under peakmem.py,
with imgeda's reader (the parquet-scale executable of this nested package) and with
pyarrow's ParquetFile.iter_batches (65,536 rows a batch), checks that both count the same
rows, non-null values and bytes, and prints peak RSS. Wall times are printed too, but only
mean something on an idle machine.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

WRITE = r"""
import sys, random
import pyarrow as pa, pyarrow.parquet as pq
n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(1)
words = ["a", "photo", "of", "the", "cat", "dog", "on", "beach", "red", "car", "house", "café", "☕"]
def batch(start, count):
    urls = ["https://images%d.example.com/%08d/%s.jpg" % (i % 97, i, "x" * (i % 23)) for i in range(start, start + count)]
    caps = [None if rng.random() < 0.1 else " ".join(rng.choice(words) for _ in range(rng.randrange(3, 15))) for _ in range(count)]
    sims = [rng.random() for _ in range(count)]
    widths = [None if rng.random() < 0.05 else rng.randrange(64, 4096) for _ in range(count)]
    return pa.table({"url": urls, "caption": caps, "similarity": sims, "width": pa.array(widths, pa.int32())})
schema = batch(0, 1).schema
for name, group in (("one_group", n), ("groups_100k", 100_000)):
    with pq.ParquetWriter("%s/%s.parquet" % (out, name), schema, compression="snappy") as w:
        # The writer cuts row groups at row_group_size; tables are fed in slices of 200,000.
        rows = []
        for start in range(0, n, 200_000):
            rows.append(batch(start, min(200_000, n - start)))
        w.write_table(pa.concat_tables(rows), row_group_size=group)
"""

READ = r"""
import sys, json, pyarrow.parquet as pq
f = pq.ParquetFile(sys.argv[1])
rows = values = nbytes = 0
for b in f.iter_batches(batch_size=65536, columns=["url", "caption"]):
    rows += b.num_rows
    for col in b.columns:
        for v in col.to_pylist():
            if v is not None:
                values += 1
                nbytes += len(v.encode())
print(json.dumps({"rows": rows, "values": values, "bytes": nbytes, "row_groups": f.metadata.num_row_groups}))
"""


def peak(cmd, tag, out):
    log = os.path.join(out, tag + ".peak.json")
    if os.path.exists(log):
        os.remove(log)
    result = subprocess.run([sys.executable, os.path.join(HERE, "peakmem.py"), "--json", log, "--"] + cmd,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("%s failed: %s" % (tag, result.stderr))
    with open(log) as f:
        measured = json.loads(f.read().splitlines()[-1])
    return json.loads(result.stdout.strip().splitlines()[-1]), measured


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, python = sys.argv[1], sys.argv[2]
    rows = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else 2_000_000
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else os.path.join(HERE, "..", "bench-data", "parquet-scale")
    os.makedirs(out, exist_ok=True)
    subprocess.run([python, "-c", WRITE, str(rows), out], check=True)
    print("%d rows; reading url and caption" % rows)
    print("%-12s %-8s %10s %10s %8s" % ("file", "reader", "peak RSS", "file size", "wall s"))
    failed = False
    for name in ("one_group", "groups_100k"):
        path = os.path.join(out, name + ".parquet")
        ours, ours_peak = peak([binary, path, "url", "caption"], "ours-" + name, out)
        theirs, theirs_peak = peak([python, "-c", READ, path], "pyarrow-" + name, out)
        size = os.path.getsize(path) / 1e6
        for tag, counted, p in (("imgeda", ours, ours_peak), ("pyarrow", theirs, theirs_peak)):
            print("%-12s %-8s %7.0f MB %7.0f MB %8.1f" % (name, tag, p["peak_rss_mb"], size, p["wall_s"]))
        same = {k: ours[k] for k in ("rows", "values", "bytes")} == {k: theirs[k] for k in ("rows", "values", "bytes")}
        if not same:
            failed = True
            print("  MISMATCH: imgeda %s, pyarrow %s" % (ours, theirs))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
