#!/usr/bin/env bash
# `make bench`: our scan vs the Python reference (imgeda 0.1.0) vs the JPEG decode floor.
#
#   Benchmarks/bench.sh PATH/TO/imgeda        # e.g. .build/release/imgeda
#
# For each corpus (dataset: 3,000 images of 256-800 px; photos: 128 JPEGs of 8-24 MP) it
# runs, on the same files and one after the other:
#   ours       BIN scan DIR -o OUT --workers 2 --quiet
#   reference  bench-data/refvenv/bin/imgeda scan DIR -o OUT --workers 2     (its defaults)
#   floor      find DIR -name '*.jpg' -print0 | xargs -0 -n 1 -P 2 djpeg -scale 1/8 -outfile /dev/null
# each under peakmem.py (wall time, peak RSS of the whole process tree), with the manifest
# deleted before every run, then scans mixed10k (10,000 paths including 24 MP photos) with
# ours alone for the memory target. Prints a table with the ratios and PASS/FAIL, and
# writes bench-data/results.json. Exits 1 if a target fails or a command errs
# (BENCH_STRICT=0 to always exit 0).
#
# Environment:
#   BENCH_DATA=DIR         corpora and results (default <repo>/bench-data)
#   BENCH_DATASET_N=N      use only N of the dataset images (an evenly spaced hard-link subset)
#   BENCH_PHOTOS_N=N       likewise for the photos
#   BENCH_MIXED_N=N        likewise for mixed10k
#   BENCH_REPEAT=N         runs of ours and of the floor per corpus; the median is reported
#                          (default 3; the reference runs once, it is slow)
#   BENCH_SKIP_REF=1       skip the reference (its ratios are then not checked)
#   BENCH_SKIP_MIXED=1     skip the mixed10k memory run
#   BENCH_SKIP_SCALE=1     skip the 1,000,000-hash near-duplicate run (BENCH_SCALE_N=N to change its size)
#   BENCH_OURS_ARGS="..."  extra arguments for our scan
#   BENCH_STRICT=0         exit 0 even when a target fails
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=common.sh
source "$HERE/common.sh"
BIN=$(require_binary bench "${1:-}")
DATA=${BENCH_DATA:-$ROOT/bench-data}
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)
REPEAT=${BENCH_REPEAT:-3}
WORKERS=2
PY=python3
PEAKMEM=("$PY" "$HERE/peakmem.py")

# ---- prerequisites: corpora (cached), the reference venv, djpeg
"$HERE/corpus.sh" "$DATA"
VENV=$DATA/refvenv
ensure_refvenv "$VENV"
ensure_djpeg

RUNS=$DATA/runs
rm -rf "$RUNS"
mkdir -p "$RUNS"

# subset NAME N: print a directory holding N images of corpus NAME, evenly spaced in path
# order (so a trial keeps the corpus' mix), as hard links under bench-data/subsets; the
# corpus itself when N is unset or not smaller than the corpus.
subset() {
    local name=$1 n=${2:-} src=$DATA/$1
    local total
    total=$(find "$src" -type f ! -name '.*' | wc -l)
    if [ -z "$n" ] || [ "$n" -ge "$total" ]; then
        echo "$src"
        return
    fi
    local dst=$DATA/subsets/$name-$n
    if [ ! -e "$dst/.complete" ] || [ "$src/.complete" -nt "$dst/.complete" ]; then
        rm -rf "$dst"
        mkdir -p "$dst"
        (cd "$src" && find . -type f ! -name '.*' | LC_ALL=C sort |
            awk -v n="$n" -v t="$total" 'int(NR * n / t) > int((NR - 1) * n / t)') |
            while IFS= read -r rel; do
                mkdir -p "$dst/$(dirname "$rel")"
                ln "$src/$rel" "$dst/$rel" 2>/dev/null || cp "$src/$rel" "$dst/$rel"
            done
        touch "$dst/.complete"
    fi
    echo "$dst"
}

count_images() { find "$1" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | wc -l; }
count_jpegs() { find "$1" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) | wc -l; }

# Read every file once so that no tool pays for the disk.
warm() { find "$1" -type f -print0 | xargs -0 cat > /dev/null; }

# measure CORPUS TOOL REP CMD...: run under peakmem, keep its JSON line and the output.
measure() {
    local corpus=$1 tool=$2 rep=$3
    shift 3
    local tag=$corpus.$tool.$rep
    echo "[bench] $corpus: $tool (run $rep)" >&2
    set +e
    "${PEAKMEM[@]}" --json "$RUNS/$tag.json" -- "$@" < /dev/null > "$RUNS/$tag.stdout" 2> "$RUNS/$tag.stderr"
    local rc=$?
    set -e
    if [ $rc -ne 0 ]; then
        echo "[bench]   exit status $rc; last lines of stderr:" >&2
        tail -n 5 "$RUNS/$tag.stderr" >&2 || true
    fi
}

floor_cmd() {
    # shellcheck disable=SC2016
    "${PEAKMEM[@]}" --json "$RUNS/$1.floor.$2.json" -- sh -c \
        'find "$1" -type f \( -iname "*.jpg" -o -iname "*.jpeg" \) -print0 | xargs -0 -n 1 -P "$2" djpeg -scale 1/8 -outfile /dev/null' \
        sh "$3" "$WORKERS" < /dev/null > "$RUNS/$1.floor.$2.stdout" 2> "$RUNS/$1.floor.$2.stderr" || {
            echo "[bench]   floor exited non-zero" >&2
        }
}

# shellcheck disable=SC2206
OURS_EXTRA=(${BENCH_OURS_ARGS:-})

run_corpus() {
    local corpus=$1 dir=$2
    local images jpegs
    images=$(count_images "$dir")
    jpegs=$(count_jpegs "$dir")
    echo "[bench] $corpus: $dir ($images images, $jpegs JPEG)" >&2
    printf '{"corpus": "%s", "dir": "%s", "images": %d, "jpegs": %d}\n' \
        "$corpus" "$dir" "$images" "$jpegs" >> "$RUNS/corpora.jsonl"
    warm "$dir"
    local rep
    for rep in $(seq 1 "$REPEAT"); do
        echo "[bench] $corpus: floor, djpeg -scale 1/8 (run $rep)" >&2
        floor_cmd "$corpus" "$rep" "$dir"
        rm -f "$RUNS/ours-$corpus.jsonl"
        measure "$corpus" ours "$rep" "$BIN" scan "$dir" -o "$RUNS/ours-$corpus.jsonl" \
            --workers "$WORKERS" --quiet "${OURS_EXTRA[@]}"
    done
    if [ "${BENCH_SKIP_REF:-0}" != 1 ]; then
        rm -f "$RUNS/ref-$corpus.jsonl"
        measure "$corpus" reference 1 "$VENV/bin/imgeda" scan "$dir" -o "$RUNS/ref-$corpus.jsonl" \
            --workers "$WORKERS"
    fi
}

START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
run_corpus dataset "$(subset dataset "${BENCH_DATASET_N:-}")"
run_corpus photos "$(subset photos "${BENCH_PHOTOS_N:-}")"

if [ "${BENCH_SKIP_MIXED:-0}" != 1 ]; then
    dir=$(subset mixed10k "${BENCH_MIXED_N:-}")
    images=$(count_images "$dir")
    echo "[bench] mixed10k: $dir ($images images), ours only" >&2
    printf '{"corpus": "mixed10k", "dir": "%s", "images": %d, "jpegs": %d}\n' \
        "$dir" "$images" "$(count_jpegs "$dir")" >> "$RUNS/corpora.jsonl"
    warm "$dir"
    rm -f "$RUNS/ours-mixed10k.jsonl"
    measure mixed10k ours 1 "$BIN" scan "$dir" -o "$RUNS/ours-mixed10k.jsonl" \
        --workers "$WORKERS" --quiet "${OURS_EXTRA[@]}"
fi

# ---- environment, for the record
{
    echo "start_loadavg=$START_LOAD"
    echo "end_loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "nproc=$(nproc)"
    echo "kernel=$(uname -r)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "git_rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "bin=$BIN"
    echo "reference=$("$VENV/bin/pip" list --disable-pip-version-check 2>/dev/null |
        awk 'tolower($1) ~ /^(imgeda|pillow|numpy|imagehash|scipy)$/ {printf "%s %s, ", $1, $2}')"
    echo "python=$("$VENV/bin/python" -V 2>&1)"
    echo "djpeg=$(djpeg -version 2>&1 | head -n 1)"
} > "$RUNS/env.txt"

status=0
"$PY" "$HERE/report.py" --runs "$RUNS" --out "$DATA/results.json" --repeat "$REPEAT" || status=$?

# ---- near-duplicate grouping at scale: 1,000,000 random hashes with planted near copies
if [ "${BENCH_SKIP_SCALE:-0}" != 1 ]; then
    echo "[bench] building the duplicate-scale benchmark (nested package, release)" >&2
    swift build -c release --package-path "$HERE" --product duplicate-scale >&2
    scale_n=${BENCH_SCALE_N:-1000000}
    line=$("$HERE/.build/release/duplicate-scale" "$scale_n") || true
    echo "$line" > "$DATA/duplicate-scale.json"
    "$PY" - "$line" <<'PYEOF' || status=1
import json, sys
r = json.loads(sys.argv[1])
ok_time, ok_mem, ok_found = r["seconds"] < 60, r["peak_rss_mb"] < 2000, r["planted_found"] == r["planted_pairs"]
print()
print("near-duplicate groups of %d hashes (threshold %d): %.1f s, peak %d MB, planted pairs found %d of %d" % (
    r["hashes"], r["threshold"], r["seconds"], r["peak_rss_mb"], r["planted_found"], r["planted_pairs"]))
for ok, what in ((ok_time, "under 60 s"), (ok_mem, "under 2 GB"), (ok_found, "every planted pair found")):
    print("%s  scale  %s" % ("PASS" if ok else "FAIL", what))
sys.exit(0 if ok_time and ok_mem and ok_found else 1)
PYEOF
fi
exit $status
