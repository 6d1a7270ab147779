#!/usr/bin/env bash
# Download benchmark: imgeda download against img2dataset on the same URL list, in one run.
#
#   Benchmarks/downloadbench.sh PATH/TO/imgeda        # e.g. .build/release/imgeda
#
# 1. Starts faultserver.py (aiohttp, 127.0.0.1 only) serving DLBENCH_N (10,000) URLs of the
#    real images of bench-data/dataset/ (made by corpus.sh if missing) with latency and
#    faults: 404s, 503 then OK, 429 with Retry-After then OK, slow bodies, truncated bodies,
#    HTML instead of an image (see faultserver.py for the shares); it writes the list
#    (urls.csv) and the ground truth (truth.json).
# 2. Runs, one after the other on that list, each under peakmem.py (wall time, peak memory
#    of every process of the tool):
#      img2dataset  --input_format csv --url_col url --caption_col caption --output_format files
#                   --resize_mode no --processes_count 2 --thread_count 32
#                   --number_sample_per_shard 1000 --retries 2
#      imgeda       BIN download urls.csv -o DIR --allow-private-network --url-column url
#                   --concurrency 64      (the same 2 x 32 connections)
#    The server forgets its transient faults between the two (GET /reset).
# 3. Scores both against the truth (download_score.py): images/s, peak memory, URLs lost
#    (no outcome, or a good URL that ended failed) and misreported (a bad URL saved as an
#    image, or a saved image whose bytes differ from what was served).
#
# Environment: DLBENCH_N (10000), DLBENCH_CONCURRENCY (64, split as 2 processes x N/2 threads
# for img2dataset), DLBENCH_LATENCY_MS (20), BENCH_DATA (<repo>/bench-data),
# DLBENCH_CORPUS (BENCH_DATA/dataset), DLBENCH_SKIP_IMG2DATASET=1, DLBENCH_SKIP_IMGEDA=1.
# The venvs live in .build/: faultserver-venv (aiohttp) and img2dataset-venv (img2dataset,
# its own, as it pins many packages). Raw outputs go to BENCH_DATA/dlbench/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=common.sh
source "$HERE/common.sh"
BIN=$(require_binary downloadbench "${1:-}")
DATA=${BENCH_DATA:-$ROOT/bench-data}
N=${DLBENCH_N:-10000}
CONCURRENCY=${DLBENCH_CONCURRENCY:-64}
LATENCY=${DLBENCH_LATENCY_MS:-20}
CORPUS=${DLBENCH_CORPUS:-$DATA/dataset}
WORK=$DATA/dlbench
SERVER_VENV=$ROOT/.build/faultserver-venv
I2D_VENV=$ROOT/.build/img2dataset-venv

if [ ! -d "$CORPUS" ]; then
    echo "[dlbench] no corpus at $CORPUS; building it with corpus.sh" >&2
    bash "$HERE/corpus.sh" "$DATA" >&2
fi
if ! "$SERVER_VENV/bin/python" -c 'import aiohttp' 2>/dev/null; then
    echo "[dlbench] creating $SERVER_VENV (pip install aiohttp)" >&2
    make_venv "$SERVER_VENV"
    "$SERVER_VENV/bin/pip" install --quiet --disable-pip-version-check aiohttp >&2
fi
if [ "${DLBENCH_SKIP_IMG2DATASET:-0}" != 1 ] && [ ! -x "$I2D_VENV/bin/img2dataset" ]; then
    echo "[dlbench] creating $I2D_VENV (pip install img2dataset; a few minutes)" >&2
    make_venv "$I2D_VENV"
    "$I2D_VENV/bin/pip" install --quiet --disable-pip-version-check img2dataset >&2
fi

rm -rf "$WORK"
mkdir -p "$WORK/runs"
"$SERVER_VENV/bin/python" "$HERE/faultserver.py" --corpus "$CORPUS" --count "$N" --out "$WORK" \
    --latency-ms "$LATENCY" 2>"$WORK/runs/server.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
    [ -e "$WORK/port" ] && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/runs/server.log" >&2; echo "[dlbench] the server did not start" >&2; exit 1; }
    sleep 0.1
done
PORT=$(cat "$WORK/port")
echo "[dlbench] serving $N URLs on 127.0.0.1:$PORT (latency up to $((2 * LATENCY)) ms, faults on about 20%)" >&2

SCORE_ARGS=()
if [ "${DLBENCH_SKIP_IMG2DATASET:-0}" != 1 ]; then
    echo "[dlbench] img2dataset: 2 processes x $((CONCURRENCY / 2)) threads" >&2
    rm -f "$WORK/runs/img2dataset.peak.json"
    python3 "$HERE/peakmem.py" --json "$WORK/runs/img2dataset.peak.json" -- \
        "$I2D_VENV/bin/img2dataset" --url_list "$WORK/urls.csv" --input_format csv --url_col url \
        --caption_col caption --output_format files --output_folder "$WORK/img2dataset" --resize_mode no \
        --processes_count 2 --thread_count $((CONCURRENCY / 2)) --number_sample_per_shard 1000 --retries 2 \
        >"$WORK/runs/img2dataset.log" 2>&1 || echo "[dlbench] img2dataset exited with an error (see $WORK/runs/img2dataset.log)" >&2
    SCORE_ARGS+=(--img2dataset "$WORK/img2dataset" "$WORK/runs/img2dataset.peak.json")
fi

python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/reset').read()"

if [ "${DLBENCH_SKIP_IMGEDA:-0}" != 1 ]; then
    echo "[dlbench] imgeda download: --concurrency $CONCURRENCY" >&2
    rm -f "$WORK/runs/imgeda.peak.json"
    python3 "$HERE/peakmem.py" --json "$WORK/runs/imgeda.peak.json" -- \
        "$BIN" download "$WORK/urls.csv" -o "$WORK/imgeda" --allow-private-network --url-column url \
        --concurrency "$CONCURRENCY" >"$WORK/runs/imgeda.log" 2>&1 || echo "[dlbench] imgeda download exited with an error (see $WORK/runs/imgeda.log)" >&2
    SCORE_ARGS+=(--imgeda "$WORK/imgeda" "$WORK/runs/imgeda.peak.json")
fi

# img2dataset's venv has pyarrow, which reading its shards needs.
SCORER=python3
[ -x "$I2D_VENV/bin/python" ] && SCORER=$I2D_VENV/bin/python
"$SCORER" "$HERE/download_score.py" "$WORK/truth.json" "${SCORE_ARGS[@]}" --json "$DATA/dlbench.json"
