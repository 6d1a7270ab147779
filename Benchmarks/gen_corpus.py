#!/usr/bin/env python3
"""Generate the benchmark corpora from real photos unpacked from Debian wallpaper packages.

Called by corpus.sh with the reference venv's Python (it needs Pillow). Deterministic: every
output file depends only on its index and the source photos, so an interrupted run resumes
and a rerun with the same parameters does nothing.

Corpora (under --out):
  photos/    --photos-n JPEGs of 8 MP or more.
             * The real photos of 8 MP or more are copied untouched ("orig_*"): with the
               bookworm packages that is 6 files (Bridge 4352x2448, Dragonfly 4224x3168,
               Wine 2560x3837, seeding 5312x2988, sunset 4272x2848, Kleiber 6028x3391).
             * The rest ("v###_*") are variants of all 38 real photos: a random crop of 80-100%
               of the frame, a horizontal flip for about half, a bicubic resize to the target
               size (every third variant 6000x4000 or 4000x6000 = 24 MP, the others 8.5-16 MP;
               most sources are smaller, so this is mostly an upscale), luminance grain
               (Gaussian, sigma 3-6) so the files carry camera-like entropy instead of the
               smoothness of an upscale, then JPEG quality 85-95 with mixed chroma subsampling;
               the source's EXIF and ICC profile are kept.
             So only the 6 originals are pure camera/wallpaper files; the variants are real
             photo content at synthetic sizes.
  dataset/   --dataset-n dataset-sized images: a random crop (25-100% of the largest crop of a
             random aspect ratio between 1:2 and 2:1) of a real photo, resized so the long
             side is 256-800 px. About 90% JPEG (quality 75-95, 8% progressive, 4% greyscale,
             some 4:4:4), about 10% PNG (RGB, some greyscale and RGBA). Laid out as
             {train,val,test}/cls<k>/<index>.<ext>.
  mixed10k/  --mixed-n paths for the memory check: hard links to the dataset (as many whole
             copies as fit in 90% of the count) and to the photos (cycled), including every
             24 MP photo several times.
"""
import argparse
import hashlib
import io
import json
import os
import random
import shutil
import sys
import time

from PIL import Image, ImageChops, ImageOps

GEN_VERSION = 1

# (package, path inside the package, licence as stated in the package's copyright file)
LOMIRI16 = "usr/share/backgrounds/"
MATE = "usr/share/backgrounds/mate/nature/"
SOURCES = [
    ("lomiri-wallpapers-16.04", LOMIRI16 + "Bridge_by_Sander_Klootwijk.jpg", "CC-BY-SA-4.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "Dragonfly_by_Bolly.jpg", "CC-BY-SA-4.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "Picture_0B_by_freespace.jpg", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "Picture_1A_by_freespace.jpg", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "Wine_by_Jakkub_Mede.jpg", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "aitzgorri_by_Aitzol_Berasategi.jpg", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "analogpattern_by_Peter_Nerlich.jpg", "CC-BY-SA-4.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "free_by_Peter_Nerlich.jpg", "CC-BY-SA-4.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "friends_by_Aitzol_Berasategi.jpg", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "greentock_by_Peter_Nerlich.jpg", "CC-BY-SA-4.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "life_by_Aitzol_Berasategi.jpg", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "picosdeeuropa_by_Aitzol_Berasategi.jpg", "CC-BY-4.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "seeding_by_Clements_Engelhardt.jpg", "CC0-1.0"),
    ("lomiri-wallpapers-16.04", LOMIRI16 + "sunset_by_Aitzol_Berasategi.jpg", "CC-BY-4.0"),
    ("lomiri-wallpapers-20.04", "usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg", "CC-BY-SA-3.0"),
] + [
    ("mate-backgrounds", MATE + n + ".jpg", "GPL-2+")
    for n in ("Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow", "LadyBird",
              "RainDrops", "Storm", "TwoWings", "Wood", "YellowFlower")
] + [
    # KDE's photographic wallpapers; the largest size of each (2560x1600). The licence is
    # read from the wallpaper's metadata.json (LGPLv3 in 5.27).
    ("plasma-workspace-wallpapers", "usr/share/wallpapers/%s/contents/images/2560x1600.jpg" % n, None)
    for n in ("BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow",
              "FallenLeaf", "Grey", "Kite", "OneStandsOut", "Path", "summer_1am")
]

ORIGINAL_MIN_PIXELS = 8_000_000


def log(*a):
    print("[corpus]", *a, file=sys.stderr, flush=True)


def label_of(pkg, rel):
    if pkg == "plasma-workspace-wallpapers":
        return rel.split("/")[3]
    name = os.path.splitext(os.path.basename(rel))[0]
    return name.split("_by_")[0]


def plasma_licence(extract, rel):
    meta = os.path.join(extract, "plasma-workspace-wallpapers", *rel.split("/")[:4], "metadata.json")
    try:
        with open(meta) as f:
            return json.load(f)["KPlugin"].get("License", "see package copyright")
    except (OSError, ValueError, KeyError):
        return "GPL-2+ (package copyright)"


def load_sources(extract):
    out = []
    for pkg, rel, lic in SOURCES:
        path = os.path.join(extract, pkg, rel)
        if not os.path.exists(path):
            log("warning: missing source", pkg, rel)
            continue
        with Image.open(path) as im:
            w, h = im.size
        out.append({
            "package": pkg, "path": rel, "file": os.path.realpath(path),
            "label": label_of(pkg, rel), "width": w, "height": h,
            "licence": lic or plasma_licence(extract, rel),
        })
    if len(out) < 20:
        sys.exit("too few source photos found (%d); is the extract directory right?" % len(out))
    return out


def write_atomic(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = os.path.join(os.path.dirname(path), ".tmp-" + os.path.basename(path))
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def open_rgb(src):
    im = Image.open(src["file"])
    info = {"exif": im.info.get("exif"), "icc_profile": im.info.get("icc_profile")}
    im = im.convert("RGB")
    return im, info


def stamp_ok(dirpath, params):
    try:
        with open(os.path.join(dirpath, ".complete")) as f:
            return json.load(f) == params
    except (OSError, ValueError):
        return False


def write_stamp(dirpath, params):
    with open(os.path.join(dirpath, ".complete"), "w") as f:
        json.dump(params, f)


def prune(dirpath, expected):
    """Remove files under dirpath that are not expected (leftovers of other parameters)."""
    removed = 0
    for root, dirs, files in os.walk(dirpath, topdown=False):
        for fn in files:
            p = os.path.join(root, fn)
            if fn == ".complete":
                continue
            if os.path.relpath(p, dirpath) not in expected:
                os.remove(p)
                removed += 1
        if root != dirpath and not os.listdir(root):
            os.rmdir(root)
    if removed:
        log("removed %d stale files from %s" % (removed, dirpath))


# ---------------------------------------------------------------- photos

def photo_plan(sources, n):
    originals = [s for s in sources if s["width"] * s["height"] >= ORIGINAL_MIN_PIXELS]
    plan = []
    for s in originals[:n]:
        plan.append({"name": "orig_%s.jpg" % s["label"], "src": s, "kind": "original"})
    nvar = n - len(plan)
    for j in range(nvar):
        rng = random.Random("photo-%d" % j)
        s = sources[j % len(sources)]
        portrait = s["height"] > s["width"]
        if j % 3 == 0:
            w, h = 6000, 4000
        else:
            mp = rng.uniform(8.5e6, 16e6)
            aspect = rng.choice([s["width"] / s["height"] if not portrait else s["height"] / s["width"],
                                 3 / 2, 4 / 3, 16 / 9])
            h = int((mp / aspect) ** 0.5)
            w = int(h * aspect)
        if portrait:
            w, h = h, w
        plan.append({
            "name": "v%03d_%s_%dx%d.jpg" % (j, s["label"], w, h), "src": s, "kind": "variant",
            "w": w, "h": h, "crop": rng.uniform(0.8, 1.0), "cx": rng.random(), "cy": rng.random(),
            "flip": rng.random() < 0.5, "sigma": rng.uniform(3, 6),
            "quality": rng.randint(85, 95),
            "subsampling": rng.choices([2, 1, 0], weights=[6, 3, 1])[0],
        })
    return plan


def crop_box(sw, sh, w, h, frac, cx, cy):
    """Largest box of aspect w:h inside sw x sh, scaled by frac, placed at (cx, cy) in [0,1]."""
    a = w / h
    if sw / sh > a:
        ch = sh
        cw = sh * a
    else:
        cw = sw
        ch = sw / a
    cw *= frac
    ch *= frac
    x0 = (sw - cw) * cx
    y0 = (sh - ch) * cy
    return (int(x0), int(y0), int(x0 + cw), int(y0 + ch))


def make_photos(out, sources, n):
    d = os.path.join(out, "photos")
    plan = photo_plan(sources, n)
    params = {"v": GEN_VERSION, "n": n, "names": [p["name"] for p in plan]}
    if stamp_ok(d, params):
        log("photos: up to date (%d files)" % n)
        return plan
    os.makedirs(d, exist_ok=True)
    prune(d, {p["name"] for p in plan})
    t0 = time.time()
    done = 0
    # Group by source so that each source is decoded once.
    by_src = {}
    for p in plan:
        by_src.setdefault(p["src"]["file"], []).append(p)
    for srcfile, items in by_src.items():
        todo = [p for p in items if not os.path.exists(os.path.join(d, p["name"]))]
        if not todo:
            continue
        im = info = None
        for p in todo:
            target = os.path.join(d, p["name"])
            if p["kind"] == "original":
                tmp = os.path.join(d, ".tmp-" + p["name"])
                shutil.copyfile(srcfile, tmp)
                os.replace(tmp, target)
            else:
                if im is None:
                    im, info = open_rgb(p["src"])
                box = crop_box(im.width, im.height, p["w"], p["h"], p["crop"], p["cx"], p["cy"])
                v = im.crop(box)
                if p["flip"]:
                    v = ImageOps.mirror(v)
                v = v.resize((p["w"], p["h"]), Image.BICUBIC)
                # Luminance grain, centred on 128 by effect_noise.
                noise = Image.effect_noise(v.size, p["sigma"]).convert("RGB")
                v = ImageChops.add(v, noise, 1.0, -128)
                kw = {"quality": p["quality"], "subsampling": p["subsampling"]}
                if info["exif"]:
                    kw["exif"] = info["exif"]
                if info["icc_profile"]:
                    kw["icc_profile"] = info["icc_profile"]
                buf = io.BytesIO()
                v.save(buf, "JPEG", **kw)
                write_atomic(target, buf.getvalue())
                del v, noise
            done += 1
            if done % 10 == 0:
                log("photos: %d written (%.0f s)" % (done, time.time() - t0))
        del im
    write_stamp(d, params)
    log("photos: %d files ready (%d written in %.0f s)" % (n, done, time.time() - t0))
    return plan


# ---------------------------------------------------------------- dataset

CLASSES = 6


def dataset_item(i, nsrc):
    rng = random.Random("dataset-%d" % i)
    r = rng.random()
    split = "train" if r < 0.8 else ("val" if r < 0.9 else "test")
    si = rng.randrange(nsrc)
    cls = "cls%d" % (si % CLASSES)
    png = rng.random() < 0.10
    long_side = rng.randint(256, 800)
    aspect = 2 ** rng.uniform(-1, 1)  # 1:2 .. 2:1
    if aspect >= 1:
        w, h = long_side, max(16, round(long_side / aspect))
    else:
        w, h = max(16, round(long_side * aspect)), long_side
    item = {
        "i": i, "si": si, "w": w, "h": h,
        "crop": rng.uniform(0.25, 1.0), "cx": rng.random(), "cy": rng.random(),
        "flip": rng.random() < 0.3,
        "resample": rng.choice([Image.BILINEAR, Image.BICUBIC, Image.LANCZOS]),
    }
    if png:
        m = rng.random()
        item["mode"] = "L" if m < 0.15 else ("RGBA" if m < 0.30 else "RGB")
        item["ext"] = "png"
    else:
        item["mode"] = "L" if rng.random() < 0.04 else "RGB"
        item["ext"] = "jpg"
        item["quality"] = rng.randint(75, 95)
        item["progressive"] = rng.random() < 0.08
        item["subsampling"] = rng.choices([2, 1, 0], weights=[8, 1, 1])[0]
    item["rel"] = "%s/%s/%05d.%s" % (split, cls, i, item["ext"])
    return item


def make_dataset(out, sources, n):
    d = os.path.join(out, "dataset")
    items = [dataset_item(i, len(sources)) for i in range(n)]
    params = {"v": GEN_VERSION, "n": n, "sources": [s["label"] for s in sources]}
    if stamp_ok(d, params):
        log("dataset: up to date (%d files)" % n)
        return items
    os.makedirs(d, exist_ok=True)
    prune(d, {it["rel"] for it in items})
    t0 = time.time()
    done = 0
    by_src = {}
    for it in items:
        by_src.setdefault(it["si"], []).append(it)
    for si in sorted(by_src):
        todo = [it for it in by_src[si] if not os.path.exists(os.path.join(d, it["rel"]))]
        if not todo:
            continue
        src = sources[si]
        master = Image.open(src["file"])
        master.draft("RGB", (2048, 2048))  # JPEG shrink-on-load; crops stay >= 256 px
        master = master.convert("RGB")
        if max(master.size) > 2400:
            master.thumbnail((2400, 2400), Image.BICUBIC)
        for it in todo:
            box = crop_box(master.width, master.height, it["w"], it["h"], it["crop"], it["cx"], it["cy"])
            v = master.crop(box)
            if it["flip"]:
                v = ImageOps.mirror(v)
            v = v.resize((it["w"], it["h"]), it["resample"], reducing_gap=3.0)
            if it["mode"] == "L":
                v = v.convert("L")
            elif it["mode"] == "RGBA":
                # A radial-ish alpha so the channel is not constant.
                alpha = Image.radial_gradient("L").resize(v.size).point(lambda p: 255 - p // 2)
                v = v.copy()
                v.putalpha(alpha)
            buf = io.BytesIO()
            if it["ext"] == "png":
                v.save(buf, "PNG", compress_level=6)
            else:
                kw = {"quality": it["quality"], "progressive": it["progressive"]}
                if it["mode"] == "RGB":
                    kw["subsampling"] = it["subsampling"]
                v.save(buf, "JPEG", **kw)
            write_atomic(os.path.join(d, it["rel"]), buf.getvalue())
            done += 1
            if done % 500 == 0:
                log("dataset: %d written (%.0f s)" % (done, time.time() - t0))
    write_stamp(d, params)
    log("dataset: %d files ready (%d written in %.0f s)" % (n, done, time.time() - t0))
    return items


# ---------------------------------------------------------------- mixed10k

def make_mixed(out, items, plan, n):
    d = os.path.join(out, "mixed10k")
    ds_copies = max(1, int(0.9 * n) // max(1, len(items)))
    links = []  # (rel in mixed, source path)
    for k in range(ds_copies):
        for it in items:
            if len(links) >= n:
                break
            links.append(("ds%d/%s" % (k, it["rel"]), os.path.join(out, "dataset", it["rel"])))
    photos = sorted(p["name"] for p in plan)
    j = 0
    while len(links) < n and photos:
        name = photos[j % len(photos)]
        links.append(("photos%d/%s" % (j // len(photos), name), os.path.join(out, "photos", name)))
        j += 1
    params = {"v": GEN_VERSION, "n": n, "dataset_n": len(items), "photos": photos}
    if stamp_ok(d, params):
        log("mixed10k: up to date (%d paths)" % len(links))
        return links
    os.makedirs(d, exist_ok=True)
    prune(d, {rel for rel, _ in links})
    made = 0
    for rel, src in links:
        target = os.path.join(d, rel)
        if os.path.exists(target):
            if os.path.samefile(target, src):
                continue
            os.remove(target)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        try:
            os.link(src, target)
        except OSError:
            shutil.copyfile(src, target)
        made += 1
    write_stamp(d, params)
    log("mixed10k: %d paths ready (%d dataset copies + %d photo links; %d new)"
        % (len(links), ds_copies, j, made))
    return links


# ---------------------------------------------------------------- summary

def summarise(out, sources, plan, items, links):
    def size_of(paths):
        return sum(os.path.getsize(p) for p in paths)
    pdir = os.path.join(out, "photos")
    photo_info = []
    for p in plan:
        path = os.path.join(pdir, p["name"])
        with Image.open(path) as im:
            photo_info.append((p["name"], im.size[0], im.size[1], os.path.getsize(path)))
    mp = [w * h / 1e6 for _, w, h, _ in photo_info]
    summary = {
        "generator_version": GEN_VERSION,
        "sources": [{k: s[k] for k in ("package", "path", "label", "width", "height", "licence")}
                    for s in sources],
        "photos": {
            "count": len(plan),
            "originals": sum(1 for p in plan if p["kind"] == "original"),
            "variants": sum(1 for p in plan if p["kind"] == "variant"),
            "count_24mp": sum(1 for _, w, h, _ in photo_info if w * h >= 24e6),
            "min_mp": round(min(mp), 2), "max_mp": round(max(mp), 2),
            "mean_mp": round(sum(mp) / len(mp), 2),
            "bytes": sum(b for *_, b in photo_info),
        },
        "dataset": {
            "count": len(items),
            "jpeg": sum(1 for it in items if it["ext"] == "jpg"),
            "png": sum(1 for it in items if it["ext"] == "png"),
            "bytes": size_of(os.path.join(out, "dataset", it["rel"]) for it in items),
        },
        "mixed10k": {
            "count": len(links),
            "photo_paths": sum(1 for rel, _ in links if rel.startswith("photos")),
            "photo_paths_24mp": sum(1 for rel, _ in links if rel.startswith("photos")
                                    and ("_6000x4000" in rel or "_4000x6000" in rel)),
        },
    }
    with open(os.path.join(out, "corpus.json"), "w") as f:
        json.dump(summary, f, indent=1)
    p, ds, mx = summary["photos"], summary["dataset"], summary["mixed10k"]
    log("photos: %d (%d originals, %d variants, %d at 24 MP; %.1f-%.1f MP, %.0f MB)"
        % (p["count"], p["originals"], p["variants"], p["count_24mp"], p["min_mp"], p["max_mp"],
           p["bytes"] / 1e6))
    log("dataset: %d (%d JPEG, %d PNG, %.0f MB)" % (ds["count"], ds["jpeg"], ds["png"], ds["bytes"] / 1e6))
    log("mixed10k: %d paths (%d photo paths, %d of them 24 MP)"
        % (mx["count"], mx["photo_paths"], mx["photo_paths_24mp"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--extract", required=True, help="directory with one dpkg -x tree per package")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dataset-n", type=int, default=3000)
    ap.add_argument("--photos-n", type=int, default=128)
    ap.add_argument("--mixed-n", type=int, default=10000)
    a = ap.parse_args()
    sources = load_sources(a.extract)
    log("%d real source photos" % len(sources))
    plan = make_photos(a.out, sources, a.photos_n)
    items = make_dataset(a.out, sources, a.dataset_n)
    links = make_mixed(a.out, items, plan, a.mixed_n)
    summarise(a.out, sources, plan, items, links)


if __name__ == "__main__":
    main()
