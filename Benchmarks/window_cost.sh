#!/usr/bin/env bash
# What window hashes cost against the rest of a scan, in instructions (valgrind callgrind:
# repeatable on a loaded machine, unlike wall-clock time).
#
#   Benchmarks/window_cost.sh PATH/TO/imgeda        # a release build: .build/release/imgeda
#
# Scans every 170th file of the duplicate ground truth (bench-data/dupbench/images, made by
# dupbench.sh: 31 JPEGs) with `scan --window-hashes --workers 1` under callgrind (a copy of
# the binary stripped with `strip -g`: valgrind 3.19 cannot read its DWARF 5 debug info;
# `--timeout 600`, as callgrind is some 50 times slower than the decoder's default limit
# allows) and prints, per image: the worker's analysis of a file without the window hashes,
# the window hashes, and their share. Window hashes can be on by default when the share is
# within 10% (issue 15).
#
# Environment: BENCH_DATA=DIR (default <repo>/bench-data).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BIN=${1:?usage: window_cost.sh PATH/TO/imgeda}
DATA=${BENCH_DATA:-$ROOT/bench-data}
IMAGES=$DATA/dupbench/images
[ -d "$IMAGES" ] || { echo "window_cost: no $IMAGES; run Benchmarks/dupbench.sh first" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "window_cost: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/set"
# shellcheck disable=SC2012 # plain file names made by dup_corpus.py
ls "$IMAGES" | sort | awk 'NR % 170 == 1' | while read -r name; do cp "$IMAGES/$name" "$WORK/set/"; done
COUNT=$(ls "$WORK/set" | wc -l)
strip -g -o "$WORK/imgeda" "$BIN"
valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$WORK/cg.%p" \
    "$WORK/imgeda" scan "$WORK/set" -o "$WORK/out.jsonl" --workers 1 --timeout 600 --window-hashes --quiet 2>"$WORK/valgrind.err"
# The per-file analysis and the window hashes, inclusive, summed over the processes.
inclusive() {
    local total=0 f v
    for f in "$WORK"/cg.*; do
        v=$(callgrind_annotate --inclusive=yes "$f" 2>/dev/null | grep -E "$1" | head -1 | awk '{gsub(",", "", $1); print $1}')
        total=$((total + ${v:-0}))
    done
    echo "$total"
}
ANALYSIS=$(inclusive 'FileAnalyzerV7analyzey')
WINDOWS=$(inclusive 'WindowHashesV7compute')
python3 - "$COUNT" "$ANALYSIS" "$WINDOWS" <<'PY'
import sys
n, analysis, windows = (int(x) for x in sys.argv[1:])
rest = analysis - windows
print(f"{n} files: analysis without window hashes {rest / n / 1e6:.2f} M instructions per image, "
      f"window hashes {windows / n / 1e6:.2f} M ({100 * windows / max(1, rest):.1f}% more; on by default needs <= 10%)")
PY
