#!/usr/bin/env python3
"""Build the duplicate ground-truth set from the real Debian wallpaper photos.

Called by dupbench.sh with the benchmark venv's Python (it needs Pillow). The source photos
are the ones gen_corpus.py uses (its SOURCES list, unpacked by dupbench.sh under --extract).

Originals: every photo is cut into a grid of NON-OVERLAPPING tiles of about TILE px (the
grid has round(W / TILE) x round(H / TILE) cells, so tiles are 600-1075 px and never share
pixels); a tile whose luma standard deviation is below MIN_STD (sky, blur, flat wall) is
skipped. Each tile is shrunk (Lanczos) to a long side of at most 1000 px if needed and saved
as JPEG quality 92: that file is the original.

Variants, each made from the decoded original file and saved as JPEG quality 92 unless said:
  resize50    50% size (Lanczos)
  q40         re-encoded at JPEG quality 40
  crop5       5% cut from every side (the central 90% x 90%)
  bright15    every channel x 1.15, clipped
  blur        Gaussian blur, sigma 1 px
  watermark   "(c) 2024 sample" in the bottom-right corner, text 4% of the height, white
              with a dark outline (Pillow's bundled font, so identical on every machine)
  gray        grayscale (single-channel JPEG)
  flip        horizontal mirror
  rot90       rotated 90 degrees clockwise
  copy        a byte-identical copy of the original file (cp)

All files sit in one folder under random-looking names (12 hex digits of a salted SHA-1) that
reveal neither the original nor the transform. The ground truth goes to truth.json:
{"files": {name: {"original": id, "transform": t}}, "originals": {id: {...source, box...}}}.

Deterministic and idempotent: a finished set is recorded in OUT/.complete (with the
parameters) and skipped; an interrupted run resumes (existing files are kept).
"""
import argparse
import hashlib
import io
import json
import os
import shutil
import sys
import time

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps, ImageStat

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_corpus import load_sources  # noqa: E402  (the same 38 photos as the other corpora)

VERSION = 1
TILE = 800          # target tile side in source pixels
MAX_SIDE = 1000     # long side of an original
MIN_STD = 12.0      # luma standard deviation below which a tile is too featureless
QUALITY = 92
SALT = "imgeda-dupbench-v1"
TRANSFORMS = ["original", "copy", "resize50", "q40", "crop5", "bright15", "blur",
              "watermark", "gray", "flip", "rot90"]
WATERMARK = "\u00a9 2024 sample"


def log(*a):
    print("[dupbench]", *a, file=sys.stderr, flush=True)


def name_of(oid, transform):
    return hashlib.sha1(("%s/%s/%s" % (SALT, oid, transform)).encode()).hexdigest()[:12] + ".jpg"


def tiles_of(w, h):
    cols, rows = max(1, round(w / TILE)), max(1, round(h / TILE))
    xs = [w * i // cols for i in range(cols + 1)]
    ys = [h * j // rows for j in range(rows + 1)]
    for j in range(rows):
        for i in range(cols):
            yield (xs[i], ys[j], xs[i + 1], ys[j + 1])


def jpeg(im, quality=QUALITY):
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def write_atomic(path, data):
    tmp = os.path.join(os.path.dirname(path), ".tmp-" + os.path.basename(path))
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def watermark(im):
    im = im.copy()
    size = max(8, round(im.height * 0.04))
    font = ImageFont.load_default(size=size)
    draw = ImageDraw.Draw(im)
    l, t, r, b = draw.textbbox((0, 0), WATERMARK, font=font, stroke_width=1)
    margin = round(im.height * 0.02)
    xy = (im.width - margin - (r - l) - l, im.height - margin - (b - t) - t)
    draw.text(xy, WATERMARK, font=font, fill=(255, 255, 255), stroke_width=1, stroke_fill=(40, 40, 40))
    return im


def variant(im, t):
    w, h = im.size
    if t == "resize50":
        return jpeg(im.resize((round(w / 2), round(h / 2)), Image.LANCZOS))
    if t == "q40":
        return jpeg(im, 40)
    if t == "crop5":
        return jpeg(im.crop((round(w * 0.05), round(h * 0.05), round(w * 0.95), round(h * 0.95))))
    if t == "bright15":
        return jpeg(im.point(lambda v: min(255, round(v * 1.15))))
    if t == "blur":
        return jpeg(im.filter(ImageFilter.GaussianBlur(1)))
    if t == "watermark":
        return jpeg(watermark(im))
    if t == "gray":
        return jpeg(im.convert("L"))
    if t == "flip":
        return jpeg(ImageOps.mirror(im))
    if t == "rot90":
        return jpeg(im.transpose(Image.Transpose.ROTATE_270))  # 90 degrees clockwise
    raise ValueError(t)


def plan_originals(sources):
    """Cut every source into tiles and keep those with enough content (decodes each once)."""
    originals = []
    for si, s in enumerate(sources):
        with Image.open(s["file"]) as src:
            im = ImageOps.exif_transpose(src).convert("RGB")
        for ti, box in enumerate(tiles_of(im.width, im.height)):
            tile = im.crop(box)
            std = ImageStat.Stat(tile.convert("L")).stddev[0]
            if std < MIN_STD:
                continue
            originals.append({"id": "o%03d" % len(originals), "package": s["package"], "path": s["path"],
                              "label": s["label"], "tile": ti, "box": list(box), "luma_std": round(std, 2),
                              "_src": si})
    return originals


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--extract", required=True, help="directory with one dpkg -x tree per package")
    ap.add_argument("--out", required=True, help="output directory (images/ and truth.json)")
    a = ap.parse_args()
    sources = load_sources(a.extract)
    params = {"v": VERSION, "tile": TILE, "max_side": MAX_SIDE, "min_std": MIN_STD, "quality": QUALITY,
              "transforms": TRANSFORMS, "sources": [s["path"] for s in sources]}
    stamp = os.path.join(a.out, ".complete")
    try:
        with open(stamp) as f:
            if json.load(f) == params:
                log("ground-truth set up to date (%s)" % a.out)
                return
    except (OSError, ValueError):
        pass
    imgdir = os.path.join(a.out, "images")
    os.makedirs(imgdir, exist_ok=True)
    t0 = time.time()
    originals = plan_originals(sources)
    log("%d originals (tiles with luma std >= %g) from %d photos" % (len(originals), MIN_STD, len(sources)))
    files = {}
    for o in originals:
        for t in TRANSFORMS:
            files[name_of(o["id"], t)] = {"original": o["id"], "transform": t}
    # Remove leftovers of other parameters.
    for fn in os.listdir(imgdir):
        if fn not in files:
            os.remove(os.path.join(imgdir, fn))
    cur_src, src_im = None, None
    for k, o in enumerate(originals):
        names = {t: name_of(o["id"], t) for t in TRANSFORMS}
        if all(os.path.exists(os.path.join(imgdir, n)) for n in names.values()):
            continue
        opath = os.path.join(imgdir, names["original"])
        if not os.path.exists(opath):
            if cur_src != o["_src"]:
                with Image.open(sources[o["_src"]]["file"]) as src:
                    src_im = ImageOps.exif_transpose(src).convert("RGB")
                cur_src = o["_src"]
            tile = src_im.crop(tuple(o["box"]))
            if max(tile.size) > MAX_SIDE:
                f = MAX_SIDE / max(tile.size)
                tile = tile.resize((round(tile.width * f), round(tile.height * f)), Image.LANCZOS)
            write_atomic(opath, jpeg(tile))
        with Image.open(opath) as f:
            im = f.convert("RGB")
        for t in TRANSFORMS[1:]:
            p = os.path.join(imgdir, names[t])
            if os.path.exists(p):
                continue
            if t == "copy":
                tmp = os.path.join(imgdir, ".tmp-" + names[t])
                shutil.copyfile(opath, tmp)
                os.replace(tmp, p)
            else:
                write_atomic(p, variant(im, t))
        if (k + 1) % 25 == 0:
            log("%d/%d originals done (%.0f s)" % (k + 1, len(originals), time.time() - t0))
    for o in originals:
        with Image.open(os.path.join(imgdir, name_of(o["id"], "original"))) as f:
            o["size"] = list(f.size)
        del o["_src"]
    truth = {"version": VERSION, "params": params, "transforms": TRANSFORMS,
             "originals": {o["id"]: {k: v for k, v in o.items() if k != "id"} for o in originals},
             "files": dict(sorted(files.items()))}
    write_atomic(os.path.join(a.out, "truth.json"), json.dumps(truth, indent=1).encode())
    with open(stamp, "w") as f:
        json.dump(params, f)
    log("ground-truth set: %d originals, %d files in %s (%.0f s)" % (len(originals), len(files), imgdir, time.time() - t0))


if __name__ == "__main__":
    main()
