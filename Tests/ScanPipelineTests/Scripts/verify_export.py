"""Compares a Parquet and a CSV export with the manifest they came from, value by value,
reading the Parquet file with pyarrow and with duckdb. Prints OK or the mismatches."""
import csv
import json
import math
import sys

import duckdb
import pyarrow.parquet as pq

manifest, parquet, csv_path = sys.argv[1:4]
rows = []
with open(manifest) as f:
    for line in f:
        d = json.loads(line)
        if d.get("__manifest_meta__"):
            continue
        flat = {}
        for k, v in d.items():
            if isinstance(v, dict):
                for k2, v2 in v.items():
                    flat[f"{k}_{k2}"] = v2
            elif k in ("pixel_stats", "corner_stats"):
                pass
            else:
                flat[k] = v
        rows.append(flat)

problems = []
table = pq.read_table(parquet)
expected_types = {"width": "int64", "path": "string", "is_corrupt": "bool", "blur_score": "double"}
for name, kind in expected_types.items():
    if str(table.schema.field(name).type) != kind:
        problems.append(f"pyarrow type of {name}: {table.schema.field(name).type}")
columns = table.column_names
py = table.to_pylist()
dk = duckdb.sql(f"select * from read_parquet('{parquet}')").fetchall()
dk_cols = [c[0] for c in duckdb.sql(f"describe select * from read_parquet('{parquet}')").fetchall()]
if len(py) != len(rows) or len(dk) != len(rows):
    problems.append(f"row counts: manifest {len(rows)}, pyarrow {len(py)}, duckdb {len(dk)}")

def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=0)
    return a == b

for i, expect in enumerate(rows):
    for name in columns:
        want = expect.get(name)
        if not same(want, py[i][name]):
            problems.append(f"pyarrow row {i} {name}: {py[i][name]!r} != {want!r}")
        got = dk[i][dk_cols.index(name)]
        if not same(want, got):
            problems.append(f"duckdb row {i} {name}: {got!r} != {want!r}")

with open(csv_path, newline="") as f:
    reader = csv.DictReader(f)
    if reader.fieldnames != columns:
        problems.append("csv header differs from parquet columns")
    for i, row in enumerate(reader):
        for name in columns:
            want = rows[i].get(name)
            got = row[name]
            if want is None:
                ok = got == ""
            elif isinstance(want, bool):
                ok = got == ("true" if want else "false")
            elif isinstance(want, (int, float)):
                ok = got != "" and float(got) == float(want)
            else:
                ok = got == want
            if not ok:
                problems.append(f"csv row {i} {name}: {got!r} != {want!r}")

print("OK" if not problems else "\n".join(problems[:20]))
