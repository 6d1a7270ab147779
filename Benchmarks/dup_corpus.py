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
Harder edits (issue 15: what people do when they re-post a picture):
  crop10      10% cut from every side (the central 80% x 80%)
  corner80    the 80% x 80% of one corner (the corner is chosen per original, recorded)
  letterbox   black bars above and below (each 15% of the height): a video frame
  pillarbox   white bars left and right (each 15% of the width): a screenshot, a post
  caption     an opaque dark band with white text over the bottom fifth of the height
  logo        an opaque coloured box with text over a fifth of the area, in one corner
  rotsmall    rotated by 3 to 5 degrees either way (per original, recorded) and cropped to
              the largest centred rectangle of the same aspect ratio (a straightened photo)
  flipcrop    mirrored left-right and 10% cut from every side
  hue         hue rotated by 90 to 150 degrees (per original, recorded) in HSV
Burst-like negatives (must NOT be grouped): every fifth source photo is kept out of the
originals and cut into non-overlapping cells of 1.5 x 1 tiles (alternately 1 x 1.5); each
cell gives two frames, its first and last two thirds along the long side, which overlap by
half -- the same scene, shifted, as in a burst of shots. Frames are saved like originals.

All files sit in one folder under random-looking names (12 hex digits of a salted SHA-1) that
reveal neither the original nor the transform. The ground truth goes to truth.json:
{"files": {name: {"original": id, "transform": t}}, "originals": {id: {...source, box...}},
 "bursts": {id: {...source, box, pair}}, "burst_pairs": [[name, name], ...]}; a burst frame's
file entry is {"original": its burst id, "transform": "burst"}.

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

VERSION = 2
TILE = 800          # target tile side in source pixels
MAX_SIDE = 1000     # long side of an original
MIN_STD = 12.0      # luma standard deviation below which a tile is too featureless
QUALITY = 92
SALT = "imgeda-dupbench-v1"
TRANSFORMS = ["original", "copy", "resize50", "q40", "crop5", "bright15", "blur",
              "watermark", "gray", "flip", "rot90",
              "crop10", "corner80", "letterbox", "pillarbox", "caption", "logo", "rotsmall", "flipcrop", "hue"]
BURST_EVERY = 5     # every fifth source photo (index % 5 == 2) gives burst-like negatives only
CORNERS = ["top_left", "top_right", "bottom_left", "bottom_right"]
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


def params_of(oid):
    """Per-original choices (corner, angle, hue shift), deterministic from the id."""
    d = hashlib.sha1(("%s/params/%s" % (SALT, oid)).encode()).digest()
    angle = (3 + d[1] % 3) * (1 if d[2] % 2 else -1)
    return {"corner": CORNERS[d[0] % 4], "angle": angle, "hue": 90 + d[3] % 61}


def caption(im):
    im = im.copy()
    band = round(im.height / 5)
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, im.height - band, im.width, im.height), fill=(28, 28, 32))
    font = ImageFont.load_default(size=max(8, round(band * 0.35)))
    draw.text((round(im.width * 0.04), im.height - band + round(band * 0.3)), "When we went to the lake, 2019",
              font=font, fill=(255, 255, 255))
    return im


def logo(im, corner):
    im = im.copy()
    f = 0.2 ** 0.5  # a fifth of the area
    bw, bh = round(im.width * f), round(im.height * f)
    x0 = 0 if corner.endswith("left") else im.width - bw
    y0 = 0 if corner.startswith("top") else im.height - bh
    draw = ImageDraw.Draw(im)
    draw.rounded_rectangle((x0, y0, x0 + bw, y0 + bh), radius=max(2, bw // 10), fill=(200, 40, 50))
    font = ImageFont.load_default(size=max(8, bh // 4))
    draw.text((x0 + bw // 8, y0 + bh // 3), "LOGO", font=font, fill=(255, 255, 255))
    return im


def straighten(im, degrees):
    """Rotate and crop to the largest centred rectangle of the same aspect ratio."""
    import math
    w, h = im.size
    a = math.radians(abs(degrees))
    # the centred w' x h' (w'/h' = w/h) rectangle inside the rotated w x h one
    s = min(w / (w * math.cos(a) + h * math.sin(a)), h / (w * math.sin(a) + h * math.cos(a)))
    r = im.rotate(degrees, resample=Image.BICUBIC, expand=False)
    cw, ch = w * s, h * s
    return r.crop((round((w - cw) / 2), round((h - ch) / 2), round((w + cw) / 2), round((h + ch) / 2)))


def hue_shift(im, degrees):
    hsv = im.convert("HSV")
    hch, sch, vch = hsv.split()
    shift = round(degrees * 256 / 360)
    hch = hch.point(lambda v: (v + shift) % 256)
    return Image.merge("HSV", (hch, sch, vch)).convert("RGB")


def variant(im, t, p=None):
    w, h = im.size
    p = p or {}
    if t == "crop10":
        return jpeg(im.crop((round(w * 0.1), round(h * 0.1), round(w * 0.9), round(h * 0.9))))
    if t == "corner80":
        c = p["corner"]
        x0 = 0 if c.endswith("left") else round(w * 0.2)
        y0 = 0 if c.startswith("top") else round(h * 0.2)
        return jpeg(im.crop((x0, y0, x0 + round(w * 0.8), y0 + round(h * 0.8))))
    if t == "letterbox":
        bar = round(h * 0.15)
        out = Image.new("RGB", (w, h + 2 * bar), (0, 0, 0))
        out.paste(im, (0, bar))
        return jpeg(out)
    if t == "pillarbox":
        bar = round(w * 0.15)
        out = Image.new("RGB", (w + 2 * bar, h), (255, 255, 255))
        out.paste(im, (bar, 0))
        return jpeg(out)
    if t == "caption":
        return jpeg(caption(im))
    if t == "logo":
        return jpeg(logo(im, p["corner"]))
    if t == "rotsmall":
        return jpeg(straighten(im, p["angle"]))
    if t == "flipcrop":
        return jpeg(ImageOps.mirror(im).crop((round(w * 0.1), round(h * 0.1), round(w * 0.9), round(h * 0.9))))
    if t == "hue":
        return jpeg(hue_shift(im, p["hue"]))
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


def is_burst_source(si):
    return si % BURST_EVERY == 2


def burst_cells(w, h):
    """Non-overlapping cells of 1.5 x 1 tiles (alternating with 1 x 1.5), each giving a pair."""
    cells, k = [], 0
    y = 0
    while y + TILE <= h:
        x = 0
        row_h = TILE
        while True:
            horizontal = k % 2 == 0
            cw, ch = (TILE * 3 // 2, TILE) if horizontal else (TILE, TILE * 3 // 2)
            if y + ch > h:
                horizontal, cw, ch = True, TILE * 3 // 2, TILE
            if x + cw > w:
                break
            cells.append((x, y, x + cw, y + ch, horizontal))
            row_h = max(row_h, ch)
            x += cw
            k += 1
        y += TILE * 3 // 2
    return cells


def plan_bursts(sources):
    bursts, pairs = [], []
    for si, s in enumerate(sources):
        if not is_burst_source(si):
            continue
        with Image.open(s["file"]) as src:
            im = ImageOps.exif_transpose(src).convert("RGB")
        for ci, (x0, y0, x1, y1, horizontal) in enumerate(burst_cells(im.width, im.height)):
            if ImageStat.Stat(im.crop((x0, y0, x1, y1)).convert("L")).stddev[0] < MIN_STD:
                continue
            if horizontal:
                third = (x1 - x0) // 3
                boxes = [(x0, y0, x1 - third, y1), (x0 + third, y0, x1, y1)]
            else:
                third = (y1 - y0) // 3
                boxes = [(x0, y0, x1, y1 - third), (x0, y0 + third, x1, y1)]
            ids = []
            for fi, box in enumerate(boxes):
                bid = "b%03d%s" % (len(pairs), "ab"[fi])
                bursts.append({"id": bid, "package": s["package"], "path": s["path"], "label": s["label"],
                               "box": list(box), "_src": si})
                ids.append(bid)
            pairs.append(ids)
    return bursts, pairs


def plan_originals(sources):
    """Cut every source into tiles and keep those with enough content (decodes each once)."""
    originals = []
    for si, s in enumerate(sources):
        if is_burst_source(si):
            continue
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
              "transforms": TRANSFORMS, "burst_every": BURST_EVERY, "sources": [s["path"] for s in sources]}
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
    bursts, burst_pairs = plan_bursts(sources)
    log("%d originals (tiles with luma std >= %g) from %d photos; %d burst pairs"
        % (len(originals), MIN_STD, len(sources), len(burst_pairs)))
    files = {}
    for o in originals:
        o["params"] = params_of(o["id"])
        for t in TRANSFORMS:
            files[name_of(o["id"], t)] = {"original": o["id"], "transform": t}
    for b in bursts:
        files[name_of(b["id"], "burst")] = {"original": b["id"], "transform": "burst"}
    # Remove leftovers of other parameters.
    for fn in os.listdir(imgdir):
        if fn not in files:
            os.remove(os.path.join(imgdir, fn))
    cur_src, src_im = None, None

    def source_image(si):
        nonlocal cur_src, src_im
        if cur_src != si:
            with Image.open(sources[si]["file"]) as src:
                src_im = ImageOps.exif_transpose(src).convert("RGB")
            cur_src = si
        return src_im

    def shrink(tile):
        if max(tile.size) > MAX_SIDE:
            f = MAX_SIDE / max(tile.size)
            tile = tile.resize((round(tile.width * f), round(tile.height * f)), Image.LANCZOS)
        return tile

    for b in bursts:
        p = os.path.join(imgdir, name_of(b["id"], "burst"))
        if not os.path.exists(p):
            write_atomic(p, jpeg(shrink(source_image(b["_src"]).crop(tuple(b["box"])))))
    for k, o in enumerate(originals):
        names = {t: name_of(o["id"], t) for t in TRANSFORMS}
        if all(os.path.exists(os.path.join(imgdir, n)) for n in names.values()):
            continue
        opath = os.path.join(imgdir, names["original"])
        if not os.path.exists(opath):
            write_atomic(opath, jpeg(shrink(source_image(o["_src"]).crop(tuple(o["box"])))))
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
                write_atomic(p, variant(im, t, o["params"]))
        if (k + 1) % 25 == 0:
            log("%d/%d originals done (%.0f s)" % (k + 1, len(originals), time.time() - t0))
    for o in originals:
        with Image.open(os.path.join(imgdir, name_of(o["id"], "original"))) as f:
            o["size"] = list(f.size)
        del o["_src"]
    for b in bursts:
        del b["_src"]
    truth = {"version": VERSION, "params": params, "transforms": TRANSFORMS,
             "originals": {o["id"]: {k: v for k, v in o.items() if k != "id"} for o in originals},
             "bursts": {b["id"]: {k: v for k, v in b.items() if k != "id"} for b in bursts},
             "burst_pairs": [[name_of(x, "burst") for x in pair] for pair in burst_pairs],
             "files": dict(sorted(files.items()))}
    write_atomic(os.path.join(a.out, "truth.json"), json.dumps(truth, indent=1).encode())
    with open(stamp, "w") as f:
        json.dump(params, f)
    log("ground-truth set: %d originals, %d burst frames, %d files in %s (%.0f s)"
        % (len(originals), len(bursts), len(files), imgdir, time.time() - t0))


if __name__ == "__main__":
    main()
