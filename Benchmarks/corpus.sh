#!/usr/bin/env bash
# Build (or reuse) the benchmark corpora.
#
#   Benchmarks/corpus.sh [DIR]          # DIR defaults to <repo>/bench-data (git-ignored)
#
# Produces, under DIR:
#   photos/    128 JPEG photos of 8 MP or more (6 untouched originals + 122 variants, 41 of
#              them 6000x4000 = 24 MP); see gen_corpus.py for exactly how they are made.
#   dataset/   3,000 dataset-sized images (long side 256-800 px), ~90% JPEG / ~10% PNG,
#              under train|val|test/<class>/, cut from the same real photos.
#   mixed10k/  10,000 paths for the memory check: the dataset 3x plus the photos repeated,
#              as hard links (byte-identical files under different names).
#   cache/     the downloaded .deb files and their extracted contents.
#
# The real photos come from Debian bookworm wallpaper packages fetched with
# `apt-get download` and unpacked with `dpkg -x` (nothing is installed). Generation runs in
# one Python process (Pillow from the reference venv, which this script creates if missing)
# and is deterministic. Idempotent: finished corpora are recorded in DIR/<corpus>/.complete
# and skipped; an interrupted run resumes where it stopped.
#
# Environment (for quick trials): CORPUS_DATASET_N (3000), CORPUS_PHOTOS_N (128),
# CORPUS_MIXED_N (10000).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DATA=${1:-$ROOT/bench-data}
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)
# shellcheck source=common.sh
source "$HERE/common.sh"

# Debian packages with real photographs among their wallpapers (bookworm):
#   lomiri-wallpapers-16.04      Ubuntu community photo contest 2018 (CC-BY / CC-BY-SA / CC0)
#   lomiri-wallpapers-20.04      one more photo (Kleiber, 6028x3391, CC-BY-SA-3.0)
#   mate-backgrounds             the "nature" set (GPL-2+)
#   plasma-workspace-wallpapers  the photographic KDE wallpapers (LGPLv3 per metadata.json)
# Other wallpaper packages in bookworm (gnome-backgrounds, ukui-wallpapers, sway-backgrounds,
# xfdesktop4-data, desktop-base, ...) hold only artwork, so they are not used.
PACKAGES="lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 mate-backgrounds plasma-workspace-wallpapers"

# shellcheck disable=SC2086 # a list of package names
fetch_packages "$DATA" $PACKAGES
EXTRACT=$DATA/cache/extract

VENV=$DATA/refvenv
ensure_refvenv "$VENV"

exec "$VENV/bin/python" "$HERE/gen_corpus.py" \
    --extract "$EXTRACT" --out "$DATA" \
    --dataset-n "${CORPUS_DATASET_N:-3000}" \
    --photos-n "${CORPUS_PHOTOS_N:-128}" \
    --mixed-n "${CORPUS_MIXED_N:-10000}"
