#!/usr/bin/env bash
# Duplicate ground truth: precision and recall of duplicate finding on real photo edits.
#
#   Benchmarks/dupbench.sh PATH/TO/imgeda        # e.g. .build/release/imgeda
#
# 1. Fetches the Debian bookworm wallpaper packages that corpus.sh uses (`apt-get download`,
#    `dpkg -x`, same cache under bench-data/cache/, nothing installed) and builds, once,
#    bench-data/dupbench/: non-overlapping tiles of the real photos as originals (JPEG q92,
#    long side <= 1000 px; featureless tiles skipped), each with 10 variants -- byte-identical
#    copy, 50% resize, JPEG q40, 5% crop from every side, brightness +15%, Gaussian blur
#    (sigma 1), small watermark text, grayscale, horizontal flip, 90-degree rotation, and the
#    harder edits of issue 15 -- 10% crop from every side, one corner's 80%, letterbox and
#    pillarbox bars, a caption band, a logo over a fifth, a 3-5 degree rotation (straightened),
#    mirrored + cropped, a strong hue shift -- plus burst-like negatives (two frames of one
#    scene overlapping by half) under random names in images/, and the ground truth in
#    truth.json (see dup_corpus.py).
# 2. Runs on that folder, one after the other:
#      ours        BIN scan images -o ours.jsonl --workers 2 --quiet        (window hashes: default)
#                  BIN check duplicates -m ours.jsonl --json                (> ours.json)
#                  BIN check duplicates -m ours.jsonl --json --transforms   (> ours_t.json)
#                  and both again with --threshold 16 20 28 32 40 and with
#                  --window-threshold -1 8 10 12 14 (group-level sweeps)
#      scan cost   BIN scan images --workers 2 --quiet, three times each with and without
#                  --no-window-hashes, alternating: the window hashes' share of the scan's
#                  wall time (medians; issue 15: on by default within 10%)
#      reference   imgeda 0.1.0 (PyPI): imgeda scan images -o ref.jsonl --workers 2
#                  imgeda check duplicates -m ref.jsonl -o ref_dups.json
#      imagededup  PHash().find_duplicates(image_dir=images, max_distance_threshold=10)
#                  (imagededup from PyPI without its torch dependencies; see dup_score.py)
# 3. Scores them (dup_score.py): pairwise precision over all pairs inside reported groups,
#    recall per transform, PASS/FAIL for ours, our pHash distances per transform and recall
#    against threshold; writes bench-data/dupbench.json. Exits 1 if a target of ours fails
#    or a run errs (BENCH_STRICT=0 to always exit 0).
#
# The tools and scorer run in their own venv, bench-data/dupvenv (python3 -m venv; imgeda 0.1.0
# brings Pillow, numpy, scipy, PyWavelets; plus imagededup --no-deps, scikit-learn, tqdm).
# Raw outputs go to bench-data/dupbench/runs/.
#
# Environment: BENCH_DATA=DIR (default <repo>/bench-data), BENCH_STRICT=0,
# DUPBENCH_SKIP_REF=1, DUPBENCH_SKIP_IDD=1 (skip the reference / imagededup).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=common.sh
source "$HERE/common.sh"
BIN=$(require_binary dupbench "${1:-}")
DATA=${BENCH_DATA:-$ROOT/bench-data}
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)
STRICT=${BENCH_STRICT:-1}
IDD_VERSION=0.3.3.post2

log() { echo "[dupbench] $*" >&2; }

# ---- the venv: reference imgeda 0.1.0 + imagededup's hashing (no torch)
VENV=$DATA/dupvenv
ensure_dupvenv() {
    if [ -e "$VENV/.ready" ] && "$VENV/bin/python" -c 'import PIL, numpy, pywt, scipy, sklearn, tqdm, imagededup' 2>/dev/null; then
        return 0
    fi
    log "creating $VENV (imgeda==0.1.0, imagededup==$IDD_VERSION --no-deps, scikit-learn, tqdm)"
    make_venv "$VENV"
    local pip=("$VENV/bin/pip" install --quiet --disable-pip-version-check)
    "${pip[@]}" imgeda==0.1.0 >&2
    # imagededup requires torch and torchvision for its CNN method only; its hashing module
    # needs numpy, scipy, PyWavelets, Pillow (all from imgeda), scikit-learn and tqdm.
    "${pip[@]}" scikit-learn tqdm >&2
    "${pip[@]}" --no-deps "imagededup==$IDD_VERSION" >&2
    touch "$VENV/.ready"
}
ensure_dupvenv
PY=$VENV/bin/python

# ---- the photos: the same packages and cache as corpus.sh (the list comes from gen_corpus.py)
PACKAGES=$(cd "$HERE" && "$PY" -c 'import gen_corpus; print(" ".join(sorted({s[0] for s in gen_corpus.SOURCES})))')
# shellcheck disable=SC2086 # a list of package names
fetch_packages "$DATA" $PACKAGES
EXTRACT=$DATA/cache/extract

# ---- the ground-truth set (idempotent)
SET=$DATA/dupbench
"$PY" "$HERE/dup_corpus.py" --extract "$EXTRACT" --out "$SET"

# ---- the runs (paths in the outputs are relative to $SET; the scorer matches file names)
RUNS=$SET/runs
rm -rf "$RUNS"
mkdir -p "$RUNS"
cd "$SET"
failed=0
run() {  # run NAME CMD...: stdout to runs/NAME.out, stderr to runs/NAME.err, wall time logged
    local name=$1
    shift
    local t0 t1 rc=0
    t0=$EPOCHREALTIME
    "$@" > "$RUNS/$name.out" 2> "$RUNS/$name.err" || rc=$?
    t1=$EPOCHREALTIME
    log "$(awk -v n="$name" -v a="$t0" -v b="$t1" -v r="$rc" 'BEGIN { printf "%-13s %6.1f s  exit %d", n, b - a, r }')"
    if [ $rc -ne 0 ]; then
        failed=1
        log "$name failed: $(tail -n 3 "$RUNS/$name.err" | tr '\n' ' ')"
    fi
    return 0
}

run ours_scan "$BIN" scan images -o "$RUNS/ours.jsonl" --workers 2 --quiet
# What the window hashes (on by default) cost a scan: alternating runs with and without them,
# each into a fresh manifest (no records reused), wall times to runs/scan_cost.txt.
: > "$RUNS/scan_cost.txt"
for k in 1 2 3; do
    for mode in off on; do
        rm -f "$RUNS/cost.jsonl"
        flags=(--quiet)
        [ "$mode" = off ] && flags+=(--no-window-hashes)
        t0=$EPOCHREALTIME
        "$BIN" scan images -o "$RUNS/cost.jsonl" --workers 2 "${flags[@]}" > /dev/null 2>> "$RUNS/scan_cost.err" || failed=1
        t1=$EPOCHREALTIME
        awk -v m="$mode" -v a="$t0" -v b="$t1" 'BEGIN { printf "%s %.3f\n", m, b - a }' >> "$RUNS/scan_cost.txt"
    done
done
rm -f "$RUNS/cost.jsonl"
"$PY" - "$RUNS/scan_cost.txt" "$DATA/dupbench-scan-cost.json" <<'PYEOF' || rc_cost=1
import json, statistics, sys
runs = {"on": [], "off": []}
for line in open(sys.argv[1]):
    mode, seconds = line.split()
    runs[mode].append(float(seconds))
on, off = statistics.median(runs["on"]), statistics.median(runs["off"])
share = on / off - 1
json.dump({"with_window_hashes_s": on, "without_s": off, "runs": runs, "added": share}, open(sys.argv[2], "w"), indent=1)
print("scan of the ground truth, medians of 3: %.2f s with window hashes, %.2f s without (+%.1f%%)" % (on, off, 100 * share))
print("%s  scan  window hashes within 10%% of the scan without them" % ("PASS" if share <= 0.10 else "FAIL"))
sys.exit(0 if share <= 0.10 else 1)
PYEOF
run ours_check "$BIN" check duplicates -m "$RUNS/ours.jsonl" --json
mv "$RUNS/ours_check.out" "$RUNS/ours.json"
run ours_check_t "$BIN" check duplicates -m "$RUNS/ours.jsonl" --json --transforms
mv "$RUNS/ours_check_t.out" "$RUNS/ours_t.json"
# The same manifest grouped at other thresholds, for choosing the defaults (about a second each).
for T in 16 20 28 32 40; do
    "$BIN" check duplicates -m "$RUNS/ours.jsonl" --json --threshold $T > "$RUNS/ours_T$T.json" 2>> "$RUNS/sweep.err" || failed=1
    "$BIN" check duplicates -m "$RUNS/ours.jsonl" --json --threshold $T --transforms > "$RUNS/ours_t_T$T.json" 2>> "$RUNS/sweep.err" || failed=1
done
# ... and at other window thresholds (-1: no window matching, as before issue 15).
for W in -1 8 10 12 14; do
    "$BIN" check duplicates -m "$RUNS/ours.jsonl" --json --window-threshold=$W > "$RUNS/ours_W$W.json" 2>> "$RUNS/sweep.err" || failed=1
    "$BIN" check duplicates -m "$RUNS/ours.jsonl" --json --window-threshold=$W --transforms > "$RUNS/ours_t_W$W.json" 2>> "$RUNS/sweep.err" || failed=1
done
if [ "${DUPBENCH_SKIP_REF:-0}" != 1 ]; then
    run ref_scan "$VENV/bin/imgeda" scan images -o "$RUNS/ref.jsonl" --workers 2
    run ref_check "$VENV/bin/imgeda" check duplicates -m "$RUNS/ref.jsonl" -o "$RUNS/ref_dups.json"
fi
if [ "${DUPBENCH_SKIP_IDD:-0}" != 1 ]; then
    run imagededup "$PY" "$HERE/dup_score.py" imagededup images "$RUNS/idd.json"
fi

# ---- the score
rc=0
"$PY" "$HERE/dup_score.py" score --truth "$SET/truth.json" --manifest "$RUNS/ours.jsonl" \
    --ours "$RUNS/ours.json" --ours-t "$RUNS/ours_t.json" \
    --ref "$RUNS/ref_dups.json" --idd "$RUNS/idd.json" --sweep-dir "$RUNS" --json-out "$DATA/dupbench.json" || rc=$?
if [ $failed -ne 0 ]; then
    log "a run failed (see $RUNS/*.err)"
    rc=1
fi
[ "${rc_cost:-0}" = 0 ] || rc=1
if [ "$STRICT" = 0 ]; then
    exit 0
fi
exit $rc
