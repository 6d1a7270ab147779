#!/usr/bin/env bash
# S3 scan benchmark: one machine's scan throughput from S3 (moto's server on 127.0.0.1)
# against a scan of the same files on disk, in one run.
#
#   Benchmarks/s3bench.sh PATH/TO/imgeda        # e.g. .build/release/imgeda
#
# 1. Starts moto's S3 server (from the test venv, .build/testvenv: moto[server], boto3) on
#    127.0.0.1 with an ephemeral port, and uploads the real images of bench-data/dataset/
#    (made by corpus.sh if missing) to s3://imgeda-bench/dataset/ with boto3.
# 2. Runs, one after the other, each under peakmem.py (wall time, peak memory of every
#    process of the tool):
#      imgeda scan bench-data/dataset -o disk.jsonl --workers W --force
#      imgeda scan s3://imgeda-bench/dataset -o s3.jsonl --workers W --force
# 3. Prints images/s of both, their ratio, and checks that the two manifests hold the same
#    records (by path relative to the root: sha256, phash, dhash).
# 4. Memory flat in the bucket's size: scans of N and of 4N tiny objects (copies of the
#    smallest JPEG of `imgeda example`; N = S3BENCH_TINY, default 25000: the gather-first
#    listing it replaced held about 300 bytes a key, so 100,000 keys would show), each under
#    peakmem.py; the listing is streamed into the analysis, so the larger scan's peak must
#    stay within 15% + 8 MB of the smaller's.
# Prints PASS/FAIL for each goal (same records; every tiny object once; memory flat) and
# exits 1 on a miss (BENCH_STRICT=0: the memory goal only reported).
#
# moto is a Python server: the S3 figure measures imgeda against a server slower than S3
# itself, so it is a floor for what a real bucket gives (the gap to disk is the price of
# listing, HTTP and staging). Everything stays on 127.0.0.1; the metadata service is disabled.
#
# Environment: S3BENCH_WORKERS (all cores), S3BENCH_TINY (25000), BENCH_DATA (<repo>/bench-data), S3BENCH_CORPUS
# (BENCH_DATA/dataset), IMGEDA_TEST_PYTHON (<repo>/.build/testvenv/bin/python).
# Raw outputs go to BENCH_DATA/s3bench/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=common.sh
source "$HERE/common.sh"
BIN=$(require_binary s3bench "${1:-}")
DATA=${BENCH_DATA:-$ROOT/bench-data}
CORPUS=${S3BENCH_CORPUS:-$DATA/dataset}
WORKERS=${S3BENCH_WORKERS:-$(nproc)}
PY=${IMGEDA_TEST_PYTHON:-$ROOT/.build/testvenv/bin/python}
WORK=$DATA/s3bench
if [ ! -x "$PY" ]; then
    echo "s3bench: $PY is missing (make test builds the test venv with moto and boto3)" >&2
    exit 2
fi
if [ ! -d "$CORPUS" ]; then
    echo "[s3bench] no corpus at $CORPUS; building it with corpus.sh" >&2
    bash "$HERE/corpus.sh" "$DATA" >&2
fi
TINY=${S3BENCH_TINY:-25000}
rm -rf "$WORK"
mkdir -p "$WORK"
"$BIN" example "$WORK/example" > /dev/null
TINYFILE=$(find "$WORK/example" -name '*.jpg' -not -path '*broken*' -size +100c -printf '%s %p\n' | sort -n | head -n 1 | cut -d' ' -f2-)

# The server, its endpoint and key on its first line; it ends with this script.
coproc MOTO { "$PY" "$HERE/s3server.py" --upload "$CORPUS" --bucket imgeda-bench --prefix dataset/ \
    --copies "$TINYFILE:tiny-1/:$TINY" --copies "$TINYFILE:tiny-4/:$((TINY * 4))" 2>"$WORK/moto.log"; }
read -r -u "${MOTO[0]}" LINE
ENDPOINT=$(echo "$LINE" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["endpoint"])')
KEY=$(echo "$LINE" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_key_id"])')
SECRET=$(echo "$LINE" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["secret_access_key"])')
trap 'kill $MOTO_PID 2>/dev/null || true' EXIT

export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL=$ENDPOINT AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET
export AWS_REGION=us-east-1 AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent
unset AWS_PROFILE AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_WEB_IDENTITY_TOKEN_FILE

python3 "$HERE/peakmem.py" --json "$WORK/disk.json" -- "$BIN" scan "$CORPUS" -o "$WORK/disk.jsonl" --workers "$WORKERS" --force --quiet
python3 "$HERE/peakmem.py" --json "$WORK/s3.json" -- "$BIN" scan s3://imgeda-bench/dataset -o "$WORK/s3.jsonl" --workers "$WORKERS" --force --quiet

for n in 1 4; do
    python3 "$HERE/peakmem.py" --json "$WORK/tiny-$n.json" -- "$BIN" scan "s3://imgeda-bench/tiny-$n/" -o "$WORK/tiny-$n.jsonl" \
        --workers "$WORKERS" --force --quiet
done

python3 - "$WORK" "$CORPUS" "$TINY" <<'PY'
import json, os, sys
work, corpus, tiny = sys.argv[1], sys.argv[2].rstrip("/"), int(sys.argv[3])
strict = os.environ.get("BENCH_STRICT", "1") != "0"
def load(name):
    out = {}
    with open(os.path.join(work, name)) as f:
        for line in f:
            r = json.loads(line)
            if r.get("__manifest_meta__"):
                continue
            path = r["path"]
            path = path[len(corpus) + 1:] if path.startswith(corpus + "/") else path
            out[path] = (r.get("sha256"), r.get("phash"), r.get("dhash"))
    return out
disk, s3 = load("disk.jsonl"), load("s3.jsonl")
d, s = (json.load(open(os.path.join(work, n))) for n in ("disk.json", "s3.json"))
n = len(disk)
print(f"[s3bench] {n} images, {os.environ.get('S3BENCH_WORKERS') or os.cpu_count()} workers")
print(f"  disk : {n / d['wall_s']:8.1f} img/s  {d['wall_s']:7.1f} s  peak {d['peak_rss_mb']:7.0f} MB")
print(f"  s3   : {n / s['wall_s']:8.1f} img/s  {s['wall_s']:7.1f} s  peak {s['peak_rss_mb']:7.0f} MB")
print(f"  s3/disk throughput ratio: {d['wall_s'] / s['wall_s']:.2f}")
same = disk == s3
print(f"  {'PASS' if same else 'FAIL'} same records (sha256, phash, dhash by relative path)")
t1, t4 = (json.load(open(os.path.join(work, f"tiny-{n}.json"))) for n in (1, 4))
def count(name):
    with open(os.path.join(work, name)) as f:
        return sum(1 for line in f) - 1
c1, c4 = count("tiny-1.jsonl"), count("tiny-4.jsonl")
print(f"  tiny objects: {tiny:7d} -> {c1} records, peak {t1['peak_rss_mb']:6.0f} MB, {c1 / t1['wall_s']:7.1f} img/s")
print(f"                {tiny * 4:7d} -> {c4} records, peak {t4['peak_rss_mb']:6.0f} MB, {c4 / t4['wall_s']:7.1f} img/s")
complete = c1 == tiny and c4 == 4 * tiny
print(f"  {'PASS' if complete else 'FAIL'} every tiny object scanned once")
flat = t4["peak_rss_mb"] <= t1["peak_rss_mb"] * 1.15 + 8
print(f"  {'PASS' if flat else 'FAIL'} memory flat: 4x the objects peak at {t4['peak_rss_mb'] / t1['peak_rss_mb']:.2f}x (goal <= 1.15x + 8 MB)")
sys.exit(0 if same and complete and (flat or not strict) else 1)
PY
