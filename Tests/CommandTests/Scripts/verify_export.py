"""Compares a Parquet and a CSV export with the manifest they came from, value by value,
reading the Parquet file with pyarrow and with duckdb. Every field of the manifest must have
a column, named as the reference implementation (imgeda 0.1.0, installed in this venv) names
it in that format, and the reference's columns must come first, in its order. Prints OK or
the mismatches."""
import csv
import json
import math
import sys

import duckdb
import pyarrow.parquet as pq
from imgeda.io import csv_io, parquet_io
from imgeda.models.manifest import ImageRecord

manifest, parquet, csv_path = sys.argv[1:4]
# Optionally, the Parquet columns expected, comma-separated.
expected_columns = sys.argv[4].split(",") if len(sys.argv) > 4 else None

# How the reference names a nested field's column: Parquet keeps the object's name; CSV
# drops it, and calls the corners' delta corner_delta.
def parquet_name(obj, key):
    return f"{obj}.{key}"

def csv_name(obj, key):
    return "corner_delta" if (obj, key) == ("corner_stats", "delta") else key

def flatten(d, name):
    flat = {}
    for k, v in d.items():
        if isinstance(v, dict):
            for k2, v2 in v.items():
                flat[name(k, k2)] = v2
        elif k in ("pixel_stats", "corner_stats"):
            pass
        else:
            flat[k] = v
    return flat

records = []
with open(manifest) as f:
    for line in f:
        d = json.loads(line)
        if d.get("__manifest_meta__"):
            continue
        records.append(d)
rows = [flatten(d, parquet_name) for d in records]
csv_rows = [flatten(d, csv_name) for d in records]

problems = []
table = pq.read_table(parquet)

# The reference's own column lists, from its export code.
reference_parquet = list(parquet_io._flatten_record(ImageRecord()).keys())
reference_csv = list(csv_io._flatten_record(ImageRecord()).keys())
if table.column_names[: len(reference_parquet)] != reference_parquet:
    problems.append(f"parquet columns do not start with the reference's: {table.column_names[:len(reference_parquet)]} != {reference_parquet}")
if expected_columns is not None and table.column_names != expected_columns:
    problems.append(f"parquet columns {table.column_names} != {expected_columns}")
for row in rows:
    for name in row:
        if name not in table.column_names:
            problems.append(f"manifest field {name} has no parquet column")
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
    csv_columns = reader.fieldnames or []
    if csv_columns[: len(reference_csv)] != reference_csv:
        problems.append(f"csv columns do not start with the reference's: {csv_columns[:len(reference_csv)]} != {reference_csv}")
    if len(csv_columns) != len(columns) or len(set(csv_columns)) != len(csv_columns):
        problems.append(f"csv has {len(csv_columns)} columns ({len(set(csv_columns))} distinct), parquet {len(columns)}")
    for row in csv_rows:
        for name in row:
            if name not in csv_columns:
                problems.append(f"manifest field {name} has no csv column")
    for i, row in enumerate(reader):
        for name in csv_columns:
            want = csv_rows[i].get(name)
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
