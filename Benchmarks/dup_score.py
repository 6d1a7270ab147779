#!/usr/bin/env python3
"""Score duplicate finders against the ground truth made by dup_corpus.py.

    dup_score.py score --truth T --manifest ours.jsonl [--ours ours.json] [--ours-t ours_t.json]
                       [--ref ref_dups.json] [--idd idd.json] [--json-out dupbench.json]
    dup_score.py imagededup IMAGE_DIR OUT.json     # run imagededup's PHash with its defaults

Run with the benchmark venv's Python (numpy; the imagededup mode also needs imagededup).

Groups. A tool's reported groups are merged where they share a file (union-find), then every
pair of files inside one merged group is a reported pair:
  ours        every "exact_groups" and "near_groups" entry (keeper + remove_candidates). A near
              group holds one representative of an exact group, so the two overlap through that
              path; merging joins them (the other copies are paired with the near members too).
  reference   Python imgeda 0.1.0 `check duplicates -o`: a list of {"type": "exact" (equal
              pHash) | "near" (connected components at distance <= 8), "paths"}; exact groups
              are subsets of near ones.
  imagededup  PHash().find_duplicates(): filename -> list of duplicates (edges). Scored on the
              connected components of the edge graph (pairs inside a reported group), and,
              for information, on its edges as pairs.
Scores:
  precision   true pairs / all reported pairs (all transforms together); a pair is true when
              both files come from the same original (any transform or copy).
  recall(T)   the fraction of (original, T-variant) pairs inside one reported group; pooled
              over the non-geometric transforms and over flip + rot90.
  copies      ours: pairs inside "exact_groups" (SHA-256) that are (original, copy) / all its
              exact pairs, and the fraction of (original, copy) pairs found there. The
              reference's "exact" groups (equal pHash) are scored the same way for comparison.
Distances (ours, recomputed from the manifest's 256-bit `phash`, and `phash_center` if present)
for every (original, variant) pair, with recall and false pairs at several thresholds.
"""
import argparse
import json
import os
import sys

EARLIER = ["resize50", "q40", "crop5", "bright15", "blur", "watermark", "gray"]
HARDER = ["crop10", "corner80", "letterbox", "pillarbox", "caption", "logo", "rotsmall", "hue"]
NONGEO = EARLIER + HARDER
GEO = ["flip", "rot90", "flipcrop"]
VARIANTS = ["copy"] + NONGEO + GEO
THRESHOLDS = [16, 20, 24, 28, 32, 40]
WINDOW_THRESHOLDS = [8, 10, 12, 14, 15]
TARGET_P, TARGET_R_NONGEO, TARGET_R_GEO = 0.99, 0.95, 0.90


# ------------------------------------------------------------------ imagededup runner

def run_imagededup(image_dir, out):
    """imagededup's PHash with its defaults (64-bit hash, max_distance_threshold=10).

    Installed with --no-deps (its requirements pull torch): the packages imagededup.methods
    and imagededup.utils import the CNN/torch code in their __init__, so they are registered
    as bare namespace modules and only the hashing module and its helpers are imported.
    """
    import importlib.util
    import types
    root = os.path.dirname(importlib.util.find_spec("imagededup").origin)
    for sub in ("methods", "utils"):
        m = types.ModuleType("imagededup." + sub)
        m.__path__ = [os.path.join(root, sub)]
        sys.modules["imagededup." + sub] = m
    from imagededup.methods.hashing import PHash
    assert "torch" not in sys.modules
    ph = PHash(verbose=False)
    # Worker counts only change the speed (2 cores here); everything else is the default.
    dups = ph.find_duplicates(image_dir=image_dir, max_distance_threshold=10,
                              num_enc_workers=2, num_dist_workers=2)
    with open(out, "w") as f:
        json.dump(dups, f)


# ------------------------------------------------------------------ helpers

def components(groups):
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for g in groups:
        g = list(g)
        for x in g:
            find(x)
        for x in g[1:]:
            ra, rb = find(g[0]), find(x)
            if ra != rb:
                parent[ra] = rb
    comps = {}
    for x in parent:
        comps.setdefault(find(x), []).append(x)
    return [c for c in comps.values() if len(c) > 1]


def base(p):
    return os.path.basename(p)


def pct(values, q):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


class Truth:
    def __init__(self, path):
        with open(path) as f:
            t = json.load(f)
        self.files = t["files"]                      # name -> {original, transform}
        self.originals = t["originals"]
        self.bursts = t.get("bursts", {})            # burst frame id -> {...source}
        self.burst_pairs = [tuple(p) for p in t.get("burst_pairs", [])]
        self.transforms = [x for x in VARIANTS if x in t.get("transforms", VARIANTS)]
        self.by = {}                                 # (original, transform) -> name
        for n, v in self.files.items():
            self.by[(v["original"], v["transform"])] = n

    def info(self, oid):
        return self.originals.get(oid) or self.bursts[oid]

    def is_burst(self, name):
        return self.files[name]["transform"] == "burst"

    def orig(self, name):
        return self.files[name]["original"]

    def photo(self, name):
        return self.info(self.orig(name))["path"]


def score_groups(truth, groups, edges=None):
    """Precision over pairs inside merged groups, recall per transform."""
    groups = [[base(p) for p in g] for g in groups]
    unknown = {p for g in groups for p in g if p not in truth.files}
    groups = [[p for p in g if p in truth.files] for g in groups]
    comps = components(groups)
    comp_of = {}
    for i, c in enumerate(comps):
        for p in c:
            comp_of[p] = i
    total = true = 0
    false_examples = []
    false_same_photo = 0
    for c in comps:
        n = len(c)
        total += n * (n - 1) // 2
        by_o = {}
        for p in c:
            by_o.setdefault(truth.orig(p), []).append(p)
        t = sum(len(v) * (len(v) - 1) // 2 for v in by_o.values())
        true += t
        if len(by_o) > 1:
            ks = sorted(by_o)
            photos = {truth.info(k)["label"] for k in ks}
            # count false pairs between originals cut from the same photo
            for i in range(len(ks)):
                for j in range(i + 1, len(ks)):
                    if truth.info(ks[i])["path"] == truth.info(ks[j])["path"]:
                        false_same_photo += len(by_o[ks[i]]) * len(by_o[ks[j]])
            if len(false_examples) < 5:
                false_examples.append({
                    "group_size": n,
                    "originals": {k: sorted(truth.files[p]["transform"] for p in by_o[k]) for k in ks},
                    "photos": sorted(photos)})
    bursts_grouped = [list(p) for p in truth.burst_pairs if p[0] in comp_of and comp_of.get(p[1]) == comp_of[p[0]]]
    burst_frames_grouped = sum(1 for n in truth.files if truth.is_burst(n) and n in comp_of)
    recall = {}
    for tr in truth.transforms:
        hit = n = 0
        for oid in truth.originals:
            a, b = truth.by[(oid, "original")], truth.by[(oid, tr)]
            n += 1
            if a in comp_of and comp_of.get(b) == comp_of[a]:
                hit += 1
        recall[tr] = (hit, n)
    res = {
        "groups": len(comps), "files_in_groups": sum(len(c) for c in comps),
        "largest_group": max((len(c) for c in comps), default=0),
        "pairs": total, "true_pairs": true, "false_pairs": total - true,
        "false_pairs_same_photo": false_same_photo,
        "precision": true / total if total else None,
        "recall": {k: h / n for k, (h, n) in recall.items()},
        "recall_counts": recall,
        "false_examples": false_examples,
        "unknown_paths": len(unknown),
        "burst_pairs": len(truth.burst_pairs), "burst_pairs_grouped": len(bursts_grouped),
        "burst_frames_in_groups": burst_frames_grouped,
    }
    for key, trs in (("recall_nongeo", NONGEO), ("recall_geo", GEO), ("recall_earlier", EARLIER),
                     ("recall_harder", HARDER)):
        trs = [t for t in trs if t in recall]
        h = sum(recall[t][0] for t in trs)
        n = sum(recall[t][1] for t in trs)
        res[key] = h / n if n else None
    if edges is not None:
        es = {tuple(sorted((base(a), base(b)))) for a, b in edges if a != b}
        es = {e for e in es if e[0] in truth.files and e[1] in truth.files}
        et = sum(1 for a, b in es if truth.orig(a) == truth.orig(b))
        er = {}
        for tr in truth.transforms:
            hit = sum(1 for oid in truth.originals
                      if tuple(sorted((truth.by[(oid, "original")], truth.by[(oid, tr)]))) in es)
            er[tr] = hit / len(truth.originals)
        res["edges"] = {"pairs": len(es), "true_pairs": et, "precision": et / len(es) if es else None,
                        "recall": er,
                        "recall_nongeo": sum(er[t] for t in NONGEO if t in er) / len([t for t in NONGEO if t in er]),
                        "recall_geo": sum(er[t] for t in GEO if t in er) / len([t for t in GEO if t in er])}
    return res


def score_copies(truth, exact_groups):
    """Pairs inside exact groups that are (original, copy), and recall of (original, copy)."""
    total = good = 0
    comp_of = {}
    for i, g in enumerate(exact_groups):
        g = [base(p) for p in g if base(p) in truth.files]
        n = len(g)
        total += n * (n - 1) // 2
        for a in range(n):
            for b in range(a + 1, n):
                ta, tb = truth.files[g[a]], truth.files[g[b]]
                if ta["original"] == tb["original"] and {ta["transform"], tb["transform"]} == {"original", "copy"}:
                    good += 1
        for p in g:
            comp_of[p] = i
    hit = 0
    for oid in truth.originals:
        a, b = truth.by[(oid, "original")], truth.by[(oid, "copy")]
        if a in comp_of and comp_of.get(b) == comp_of[a]:
            hit += 1
    return {"pairs": total, "precision": good / total if total else None,
            "recall": hit / len(truth.originals)}


# ------------------------------------------------------------------ tool outputs

def load_ours(path):
    with open(path) as f:
        d = json.load(f)
    exact = [[g["keeper"]] + list(g["remove_candidates"]) for g in d.get("exact_groups", [])]
    near = [[g["keeper"]] + list(g["remove_candidates"]) for g in d.get("near_groups", [])]
    return {"exact": exact, "near": near, "near_blank": [base(p) for p in d.get("near_blank", [])],
            "threshold": d.get("threshold"), "transforms": d.get("transforms"),
            "near_keepers": [base(g["keeper"]) for g in d.get("near_groups", [])]}


def load_ref(path):
    with open(path) as f:
        d = json.load(f)
    exact = [g["paths"] for g in d if g.get("type") == "exact"]
    near = [g["paths"] for g in d if g.get("type") == "near"]
    return {"exact": exact, "near": near}


def load_idd(path):
    with open(path) as f:
        d = json.load(f)
    edges = [(k, v if isinstance(v, str) else v[0]) for k, vs in d.items() for v in vs]
    return {"edges": edges}


# ------------------------------------------------------------------ hash distances

def parse_rows(h):
    return [int(h[4 * r:4 * r + 4], 16) for r in range(16)]


def orientations(h):
    """The hex hashes of the 8 orientations (HashTransform in DuplicateFinder's Hash256.swift)."""
    rows = parse_rows(h)
    out = []
    for swap, odd_cols, odd_rows in [(False, False, False), (False, True, False), (False, False, True),
                                     (False, True, True), (True, False, False), (True, True, False),
                                     (True, False, True), (True, True, True)]:
        r = rows
        if swap:
            r = [sum(((r[k] >> (15 - c)) & 1) << (15 - k) for k in range(16)) for c in range(16)]
        if odd_cols:
            r = [x ^ 0x5555 for x in r]
        if odd_rows:
            r = [x ^ 0xFFFF if i % 2 else x for i, x in enumerate(r)]
        out.append("".join("%04x" % x for x in r))
    return out


class Hashes:
    """Hash matrices (N x 4 uint64) for fast all-pairs minimum distances with numpy."""

    def __init__(self, names, full, center):
        import numpy as np
        self.np = np
        self.names = names
        self.idx = {n: i for i, n in enumerate(names)}

        def mat(hexes):
            return np.array([[int(h[16 * w:16 * w + 16], 16) for w in range(4)] for h in hexes], dtype=np.uint64)

        self.F = mat(full)
        fo = [orientations(h) for h in full]
        self.FO = [mat([x[o] for x in fo]) for o in range(8)]
        self.C = self.CO = None
        if center:
            self.C = mat(center)
            co = [orientations(h) for h in center]
            self.CO = [mat([x[o] for x in co]) for o in range(8)]

    def pop(self, x):
        np = self.np
        if hasattr(np, "bitwise_count"):
            return np.bitwise_count(x).sum(axis=-1).astype(np.int32)
        v = x.view(np.uint8)
        table = np.array([bin(i).count("1") for i in range(256)], dtype=np.int32)
        return table[v].reshape(x.shape[:-1] + (-1,)).sum(axis=-1)

    def dist(self, ia, ib, mode):
        """Distances between index arrays ia and ib (broadcast), by mode."""
        np = self.np
        F, C = self.F, self.C
        if mode == "full":
            return self.pop(F[ia] ^ F[ib])
        if mode == "orient":
            return np.min([self.pop(self.FO[o][ia] ^ F[ib]) for o in range(8)], axis=0)
        if mode == "center":
            return np.min([self.pop(F[ia] ^ F[ib]), self.pop(C[ia] ^ F[ib]), self.pop(F[ia] ^ C[ib])], axis=0)
        if mode == "center_orient":
            return np.min([d for o in range(8) for d in (self.pop(self.FO[o][ia] ^ F[ib]),
                                                           self.pop(self.CO[o][ia] ^ F[ib]),
                                                           self.pop(self.FO[o][ia] ^ C[ib]))], axis=0)
        raise ValueError(mode)


def distance_study(truth, manifest):
    import numpy as np
    rec = {}
    with open(manifest) as f:
        for line in f:
            r = json.loads(line)
            if r.get("__manifest_meta__"):
                continue
            if r.get("phash") and len(r["phash"]) == 64:
                rec[base(r["path"])] = r
    names = sorted(n for n in rec if n in truth.files and not truth.is_burst(n))
    has_center = bool(names) and all(len(rec[n].get("phash_center") or "") == 64 for n in names)
    H = Hashes(names, [rec[n]["phash"] for n in names], [rec[n]["phash_center"] for n in names] if has_center else None)
    modes = ["full", "orient"] + (["center", "center_orient"] if has_center else [])
    # (original, variant) distances per transform and mode
    per = {}
    for tr in truth.transforms:
        ia, ib = [], []
        for oid in truth.originals:
            a, b = truth.by[(oid, "original")], truth.by[(oid, tr)]
            if a in H.idx and b in H.idx:
                ia.append(H.idx[a])
                ib.append(H.idx[b])
        ia, ib = np.array(ia), np.array(ib)
        per[tr] = {m: H.dist(ia, ib, m).tolist() for m in modes}
    # all pairs of files from different originals: counts of distances (0..256) per mode,
    # split by same source photo (neighbouring tiles) or not; and the same for true pairs
    orig_ids = sorted(truth.originals)
    oi = {o: i for i, o in enumerate(orig_ids)}
    photo_ids = {p: i for i, p in enumerate(sorted({v["path"] for v in truth.originals.values()}))}
    o_of = np.array([oi[truth.orig(n)] for n in names])
    p_of = np.array([photo_ids[truth.photo(n)] for n in names])
    hist = {m: {"false_other": np.zeros(257, np.int64), "false_same_photo": np.zeros(257, np.int64),
                "true": np.zeros(257, np.int64)} for m in modes}
    n = len(names)
    block = 128
    for s in range(0, n, block):
        ia = np.arange(s, min(n, s + block))[:, None]
        ib = np.arange(n)[None, :]
        upper = ib > ia
        same_o = o_of[ia] == o_of[ib]
        same_p = p_of[ia] == p_of[ib]
        for m in modes:
            d = H.dist(np.broadcast_to(ia, upper.shape), np.broadcast_to(ib, upper.shape), m)
            hist[m]["true"] += np.bincount(d[upper & same_o], minlength=257)
            hist[m]["false_same_photo"] += np.bincount(d[upper & ~same_o & same_p], minlength=257)
            hist[m]["false_other"] += np.bincount(d[upper & ~same_o & ~same_p], minlength=257)
    return {"modes": modes, "has_center": has_center, "per": per,
            "hist": {m: {k: v.tolist() for k, v in h.items()} for m, h in hist.items()}}


CROP_WINDOWS = [1, 2, 3, 4, 5, 10, 11]    # HashWindow raw values: centre80, four 80% corners, rotations
SAME_WINDOWS = [6, 7, 8, 9]               # the four 60% corners
WINDOW_NAMES = ["whole", "centre_80", "top_left_80", "top_right_80", "bottom_left_80", "bottom_right_80",
                "top_left_60", "top_right_60", "bottom_left_60", "bottom_right_60", "rotated_-4", "rotated_+4"]


def window_study(truth, manifest):
    """Distances of the window rules (upright only), from the manifest's window_hashes.

    crop  = min over the crop windows w of d(whole_a, w_b) and d(w_a, whole_b), with the
            dHash distance (64 bits) of the pair that gave it;
    same  = the second smallest d(w_a, w_b) over the four 50% corners (two must agree).
    For every (original, variant) pair and, as histograms, every pair of files of different
    originals (burst frames included) and the burst pairs themselves.
    """
    import base64
    import numpy as np
    rec = {}
    with open(manifest) as f:
        for line in f:
            r = json.loads(line)
            if r.get("__manifest_meta__") or not r.get("window_hashes"):
                continue
            rec[base(r["path"])] = r["window_hashes"]
    names = sorted(n for n in rec if n in truth.files)
    if not names:
        return None
    n = len(names)
    P = np.zeros((n, 12, 4), dtype=np.uint64)
    D = np.zeros((n, 12), dtype=np.uint64)
    trimmed = np.zeros(n, dtype=bool)
    for i, name in enumerate(names):
        b = base64.b64decode(rec[name])
        trimmed[i] = any(b[1:5])
        for w in range(12):
            at = 5 + 40 * w
            for k in range(4):
                P[i, w, k] = int.from_bytes(b[at + 8 * k:at + 8 * k + 8], "big")
            D[i, w] = int.from_bytes(b[at + 32:at + 40], "big")
    valid = P.any(axis=2)                       # flat windows are stored as zeros

    def pop(x):
        return np.bitwise_count(x).sum(axis=-1).astype(np.int32)

    def rules(ia, ib):
        """crop, crop_dhash, same, whole for index arrays of equal shape."""
        big = 999
        whole = np.where(valid[ia, 0] & valid[ib, 0], pop(P[ia, 0] ^ P[ib, 0]), big)
        best = np.full(ia.shape, big, np.int32)
        bestd = np.full(ia.shape, 64, np.int32)
        for w in CROP_WINDOWS:
            for x, y, wx, wy in ((ia, ib, w, 0), (ia, ib, 0, w)):
                ok = valid[x, wx] & valid[y, wy]
                d = np.where(ok, pop(P[x, wx] ^ P[y, wy]), big)
                dd = np.bitwise_count(D[x, wx] ^ D[y, wy]).astype(np.int32)
                better = d < best
                best = np.where(better, d, best)
                bestd = np.where(better, dd, bestd)
        same = np.stack([np.where(valid[ia, w] & valid[ib, w], pop(P[ia, w] ^ P[ib, w]), big) for w in SAME_WINDOWS])
        same2 = np.sort(same, axis=0)[1]
        return best, bestd, same2, whole

    idx = {nm: i for i, nm in enumerate(names)}
    per = {}
    for tr in truth.transforms:
        ia, ib = [], []
        for oid in truth.originals:
            a, b = truth.by.get((oid, "original")), truth.by.get((oid, tr))
            if a in idx and b in idx:
                ia.append(idx[a])
                ib.append(idx[b])
        if ia:
            c, cd, sm, wh = rules(np.array(ia), np.array(ib))
            per[tr] = {"crop": c.tolist(), "crop_dhash": cd.tolist(), "same": sm.tolist(), "whole": wh.tolist()}
    orig_of = np.array([hash(truth.orig(nm)) for nm in names])
    hist = {k: np.zeros(1000, np.int64) for k in ("crop", "same", "whole")}
    # false pairs with a crop distance <= 20: their dHash distances (for the verification threshold)
    close_dhash = np.zeros((21, 65), np.int64)
    block = 16
    for s0 in range(0, n, block):
        ia = np.arange(s0, min(n, s0 + block))[:, None]
        ib = np.arange(n)[None, :]
        ia2, ib2 = np.broadcast_arrays(ia, ib)
        mask = (ib2 > ia2) & (orig_of[ia2] != orig_of[ib2])
        c, cd, sm, wh = rules(ia2, ib2)
        hist["crop"] += np.bincount(np.minimum(c[mask], 999), minlength=1000)
        hist["same"] += np.bincount(np.minimum(sm[mask], 999), minlength=1000)
        hist["whole"] += np.bincount(np.minimum(wh[mask], 999), minlength=1000)
        close = mask & (c <= 20)
        np.add.at(close_dhash, (c[close], cd[close]), 1)
    bursts = []
    for a, b in truth.burst_pairs:
        if a in idx and b in idx:
            c, cd, sm, wh = rules(np.array([idx[a]]), np.array([idx[b]]))
            bursts.append({"crop": int(c[0]), "crop_dhash": int(cd[0]), "same": int(sm[0]), "whole": int(wh[0])})
    return {"per": per, "hist": {k: v.tolist() for k, v in hist.items()}, "close_dhash": close_dhash.tolist(),
            "bursts": bursts, "trimmed": {tr: int(sum(trimmed[idx[truth.by[(o, tr)]]] for o in truth.originals
                                                      if truth.by.get((o, tr)) in idx)) for tr in truth.transforms}}


def print_window_study(ws):
    print("\nOurs: window rules (upright), min / median / p90 / max over (original, variant) pairs;"
          " crop = best crop window vs whole, dh = its 64-bit dHash distance, same = 2nd best 60% corner")
    print("%-10s %18s %18s %18s %18s %8s" % ("transform", "whole", "crop", "dh", "same", "trimmed"))
    for tr, v in ws["per"].items():
        cells = []
        for k in ("whole", "crop", "crop_dhash", "same"):
            x = v[k]
            cells.append("%d / %d / %d / %d" % (min(x), pct(x, 0.5), pct(x, 0.9), max(x)))
        print("%-10s %18s %18s %18s %18s %8d" % ((tr,) + tuple(cells) + (ws["trimmed"].get(tr, 0),)))
    for k in ("whole", "crop", "same"):
        hs = hist_stats(ws["hist"][k])
        print("false pairs, %-5s: min %s, p0.1 %s, p1 %s, median %s (n %s)"
              % (k, hs.get("min"), hs.get("p0.1"), hs.get("p1"), hs.get("median"), hs.get("n")))
    cd = ws["close_dhash"]
    for T in WINDOW_THRESHOLDS:
        row = [sum(cd[c][d] for c in range(T + 1)) for d in range(65)]
        print("false pairs with crop <= %2d: %d; of which dHash <= 8/12/16/20: %d/%d/%d/%d"
              % (T, sum(row), sum(row[:9]), sum(row[:13]), sum(row[:17]), sum(row[:21])))
    print("burst pairs (crop, dh, same, whole): " + ", ".join(
        "(%d,%d,%d,%d)" % (b["crop"], b["crop_dhash"], b["same"], b["whole"]) for b in ws["bursts"]))
    print("window-rule recall at T (crop <= T and dHash <= 16, or same <= T; upright):")
    for T in WINDOW_THRESHOLDS:
        line = "  T=%2d " % T
        for tr, v in ws["per"].items():
            ok = sum(1 for c, d, s in zip(v["crop"], v["crop_dhash"], v["same"]) if (c <= T and d <= 16) or s <= T)
            line += " %s %.2f" % (tr, ok / max(1, len(v["crop"])))
        print(line)


def hist_stats(h):
    total = sum(h)
    if not total:
        return {}
    out, cum = {}, 0
    marks = {"min": 0, "p0.1": 0.001, "p1": 0.01, "median": 0.5}
    for d, c in enumerate(h):
        if c and "min" not in out:
            out["min"] = d
        cum += c
        for k, q in marks.items():
            if k not in out and cum >= q * total and cum > 0:
                out[k] = d
    out["n"] = total
    return out


# ------------------------------------------------------------------ report

def fmt(v, digits=3):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return "%.*f" % (digits, v)
    return str(v)


def main_score(a):
    truth = Truth(a.truth)
    no = len(truth.originals)
    out = {"originals": no, "files": len(truth.files), "tools": {}, "checks": {}}
    tools = []
    for key, label, path in (("ours", "ours", a.ours), ("ours_t", "ours --transforms", a.ours_t)):
        if path and os.path.exists(path) and os.path.getsize(path) > 0:
            try:
                o = load_ours(path)
            except (ValueError, KeyError) as e:
                print("warning: cannot read %s: %s" % (path, e), file=sys.stderr)
                continue
            r = score_groups(truth, o["exact"] + o["near"])
            r["copies"] = score_copies(truth, o["exact"])
            r["near_blank"] = len(o["near_blank"])
            r["threshold"] = o["threshold"]
            kt = {}
            for k in o["near_keepers"]:
                if k in truth.files:
                    t = truth.files[k]["transform"]
                    kt[t] = kt.get(t, 0) + 1
            r["near_keepers_by_transform"] = dict(sorted(kt.items(), key=lambda x: -x[1]))
            label = "%s (t=%s)" % (label, o["threshold"])
            tools.append((key, label, r))
    if a.ref and os.path.exists(a.ref):
        o = load_ref(a.ref)
        r = score_groups(truth, o["exact"] + o["near"])
        r["copies"] = score_copies(truth, o["exact"])
        tools.append(("reference", "ref imgeda 0.1.0", r))
    if a.idd and os.path.exists(a.idd):
        o = load_idd(a.idd)
        r = score_groups(truth, o["edges"], edges=o["edges"])
        tools.append(("imagededup", "imagededup PHash", r))
    for key, label, r in tools:
        r["label"] = label
        out["tools"][key] = r

    print("\nDuplicate ground truth: %d originals (non-overlapping tiles of %d real photos), %d files"
          % (no, len({v["path"] for v in truth.originals.values()}), len(truth.files)))
    print("Pairs inside reported groups (merged where they share a file); recall = (original, variant) in one group.\n")
    w = max([18] + [len(l) for _, l, _ in tools])
    head = "%-26s" % "" + "".join("%*s" % (w + 2, l) for _, l, _ in tools)
    print(head)
    rows = [("groups", lambda r: r["groups"]), ("files in groups", lambda r: r["files_in_groups"]),
            ("largest group", lambda r: r["largest_group"]),
            ("pairs (false)", lambda r: "%d (%d)" % (r["pairs"], r["false_pairs"])),
            ("  false, same photo", lambda r: r["false_pairs_same_photo"]),
            ("PRECISION", lambda r: fmt(r["precision"]))]
    rows += [("recall %s" % t, (lambda t: lambda r: fmt(r["recall"][t]))(t)) for t in truth.transforms]
    rows += [("RECALL earlier edits", lambda r: fmt(r["recall_earlier"])),
             ("RECALL harder edits", lambda r: fmt(r["recall_harder"])),
             ("RECALL non-geometric", lambda r: fmt(r["recall_nongeo"])),
             ("RECALL flip+rot90+flipcrop", lambda r: fmt(r["recall_geo"])),
             ("burst pairs grouped", lambda r: "%d of %d" % (r["burst_pairs_grouped"], r["burst_pairs"])),
             ("exact groups: precision", lambda r: fmt(r["copies"]["precision"]) if "copies" in r else "-"),
             ("exact groups: copy recall", lambda r: fmt(r["copies"]["recall"]) if "copies" in r else "-"),
             ("near-blank (ours)", lambda r: r.get("near_blank", "-"))]
    for name, f in rows:
        print("%-26s" % name + "".join("%*s" % (w + 2, f(r)) for _, _, r in tools))
    for _, label, r in tools:
        if r.get("near_keepers_by_transform"):
            print("%s: near-group keepers by transform: %s" % (label, ", ".join(
                "%s %d" % kv for kv in r["near_keepers_by_transform"].items())))
    for _, label, r in tools:
        if "edges" in r:
            e = r["edges"]
            print("\n%s counted on its edges instead of components: %d pairs, precision %s, recall "
                  "non-geometric %s, flip+rot90 %s, copy %s, crop5 %s"
                  % (label, e["pairs"], fmt(e["precision"]), fmt(e["recall_nongeo"]), fmt(e["recall_geo"]),
                     fmt(e["recall"]["copy"]), fmt(e["recall"]["crop5"])))

    # checks
    checks = []
    if "ours" in out["tools"]:
        r = out["tools"]["ours"]
        checks += [("ours: precision >= %.2f" % TARGET_P, r["precision"], r["precision"] is not None and r["precision"] >= TARGET_P),
                   ("ours: recall non-geometric >= %.2f" % TARGET_R_NONGEO, r["recall_nongeo"], r["recall_nongeo"] >= TARGET_R_NONGEO),
                   ("ours: byte-identical copies P = R = 1", (r["copies"]["precision"], r["copies"]["recall"]),
                    r["copies"]["precision"] == 1.0 and r["copies"]["recall"] == 1.0),
                   ("ours: no burst-like pair grouped", r["burst_pairs_grouped"], r["burst_pairs_grouped"] == 0)]
    else:
        checks.append(("ours: default run", None, False))
    if "ours_t" in out["tools"]:
        r = out["tools"]["ours_t"]
        checks += [("ours --transforms: precision >= %.2f" % TARGET_P, r["precision"], r["precision"] is not None and r["precision"] >= TARGET_P),
                   ("ours --transforms: recall flip+rot90+flipcrop >= %.2f" % TARGET_R_GEO, r["recall_geo"], r["recall_geo"] >= TARGET_R_GEO),
                   ("ours --transforms: recall flipcrop >= %.2f" % TARGET_R_GEO, r["recall"].get("flipcrop"),
                    r["recall"].get("flipcrop", 0) >= TARGET_R_GEO),
                   ("ours --transforms: no burst-like pair grouped", r["burst_pairs_grouped"], r["burst_pairs_grouped"] == 0),
                   ("ours --transforms: byte-identical copies P = R = 1", (r["copies"]["precision"], r["copies"]["recall"]),
                    r["copies"]["precision"] == 1.0 and r["copies"]["recall"] == 1.0)]
    else:
        checks.append(("ours --transforms run", None, False))
    print()
    for name, v, ok in checks:
        vs = "/".join(fmt(x) for x in v) if isinstance(v, tuple) else fmt(v)
        print("%-52s %-12s %s" % (name, vs, "PASS" if ok else "FAIL"))
        out["checks"][name] = {"value": v, "pass": ok}
    for key, label, r in tools:
        if r["false_examples"]:
            print("\n%s: first mixed groups (original -> transforms):" % label)
            for ex in r["false_examples"][:3]:
                print("  size %d: %s  [%s]" % (ex["group_size"], json.dumps(ex["originals"]), ", ".join(ex["photos"])))

    # group-level threshold sweep of ours (check duplicates --threshold T)
    if a.sweep_dir:
        sweep = []
        for T in THRESHOLDS:
            row = {"threshold": T}
            for key, pattern in (("plain", "ours_T%d.json"), ("transforms", "ours_t_T%d.json")):
                p = os.path.join(a.sweep_dir, pattern % T)
                if T == 24 and not os.path.exists(p):
                    p = os.path.join(a.sweep_dir, "ours.json" if key == "plain" else "ours_t.json")
                if os.path.exists(p) and os.path.getsize(p) > 0:
                    o = load_ours(p)
                    row[key] = score_groups(truth, o["exact"] + o["near"])
                    del row[key]["false_examples"]
            if len(row) > 1:
                sweep.append(row)
        if sweep:
            out["group_threshold_sweep"] = sweep
            print("\nOurs, group level: `check duplicates --threshold T` (left) and with --transforms (right)")
            print("%4s %7s" % ("T", "prec") + "".join("%10s" % t for t in NONGEO) + "%8s" % "nongeo"
                  + " |%7s%8s%8s%8s%8s" % ("prec", "nongeo", "flip", "rot90", "geo"))
            for row in sweep:
                p, q = row.get("plain"), row.get("transforms")
                line = "%4d " % row["threshold"]
                line += ("%7s" % fmt(p["precision"]) + "".join("%10.3f" % p["recall"][t] for t in NONGEO)
                         + "%8.3f" % p["recall_nongeo"]) if p else " n/a"
                line += (" |%7s%8.3f%8.3f%8.3f%8.3f" % (fmt(q["precision"]), q["recall_nongeo"], q["recall"]["flip"],
                                                         q["recall"]["rot90"], q["recall_geo"])) if q else " | n/a"
                print(line)

    # window-threshold sweep (check duplicates --window-threshold W)
    if a.sweep_dir:
        wsweep = []
        for W in [-1, 8, 10, 12, 14]:
            row = {"window_threshold": W}
            for key, pattern in (("plain", "ours_W%d.json"), ("transforms", "ours_t_W%d.json")):
                p = os.path.join(a.sweep_dir, pattern % W)
                if os.path.exists(p) and os.path.getsize(p) > 0:
                    o = load_ours(p)
                    row[key] = score_groups(truth, o["exact"] + o["near"])
                    del row[key]["false_examples"]
            if len(row) > 1:
                wsweep.append(row)
        if wsweep:
            out["window_threshold_sweep"] = wsweep
            print("\nOurs, group level: `check duplicates --window-threshold W` (-1 = no windows); --transforms right")
            print("%4s %7s %8s %8s %7s" % ("W", "prec", "earlier", "harder", "bursts")
                  + "".join("%10s" % t for t in HARDER) + " |%7s%9s%7s" % ("prec", "geo", "bursts"))
            for row in wsweep:
                p, q = row.get("plain"), row.get("transforms")
                line = "%4d " % row["window_threshold"]
                line += ("%7s %8.3f %8.3f %7d" % (fmt(p["precision"]), p["recall_earlier"], p["recall_harder"],
                                                  p["burst_pairs_grouped"])
                         + "".join("%10.3f" % p["recall"].get(t, 0) for t in HARDER)) if p else " n/a"
                line += (" |%7s%9.3f%7d" % (fmt(q["precision"]), q["recall_geo"], q["burst_pairs_grouped"])) if q else " | n/a"
                print(line)

    # distances
    if a.manifest and os.path.exists(a.manifest):
        ds = distance_study(truth, a.manifest)
        out["distances"] = {"modes": ds["modes"], "per_transform": ds["per"], "histograms": ds["hist"]}
        mode_names = {"full": "full pHash", "orient": "min over 8 orientations",
                      "center": "min(d(F,F'), d(C,F'), d(F,C'))", "center_orient": "center combo, min over orientations"}
        print("\nOurs: pHash distance (of 256 bits) from the original, min / median / p90 / max")
        print("%-10s" % "transform" + "".join("%22s" % m for m in ds["modes"]))
        for tr in truth.transforms:
            cells = []
            for m in ds["modes"]:
                v = ds["per"][tr][m]
                cells.append("%d / %d / %d / %d" % (min(v), pct(v, 0.5), pct(v, 0.9), max(v)) if v else "n/a")
            print("%-10s" % tr + "".join("%22s" % c for c in cells))
        for m in ds["modes"]:
            hs = {k: hist_stats(h) for k, h in ds["hist"][m].items()}
            print("%-10s" % ("unrelated" if m == "full" else "") + " %-14s other photos: min %s, p0.1 %s, p1 %s, median %s;"
                  " neighbouring tiles: min %s, p1 %s, median %s"
                  % (m, hs["false_other"].get("min"), hs["false_other"].get("p0.1"), hs["false_other"].get("p1"),
                     hs["false_other"].get("median"), hs["false_same_photo"].get("min"),
                     hs["false_same_photo"].get("p1"), hs["false_same_photo"].get("median")))
        print("(modes: " + "; ".join("%s = %s" % (m, mode_names[m]) for m in ds["modes"]) + "; F = phash, C = phash_center)")

        def thr_table(m_ng, m_geo, title):
            print("\n" + title)
            print("%5s" % "T" + "".join("%10s" % t for t in NONGEO) + "%8s" % "nongeo" + "%8s" % "flip" + "%8s" % "rot90"
                  + "%9s" % "geo" + "%12s" % "false pairs" + "%9s" % "(+orient)")
            out_rows = []
            for T in THRESHOLDS:
                rc = {t: sum(1 for d in ds["per"][t][m_ng] if d <= T) / max(1, len(ds["per"][t][m_ng])) for t in NONGEO}
                rg = {t: sum(1 for d in ds["per"][t][m_geo] if d <= T) / max(1, len(ds["per"][t][m_geo])) for t in GEO}
                ng = sum(sum(1 for d in ds["per"][t][m_ng] if d <= T) for t in NONGEO) / max(1, sum(len(ds["per"][t][m_ng]) for t in NONGEO))
                geo = sum(sum(1 for d in ds["per"][t][m_geo] if d <= T) for t in GEO) / max(1, sum(len(ds["per"][t][m_geo]) for t in GEO))
                fp = sum(ds["hist"][m_ng]["false_other"][:T + 1]) + sum(ds["hist"][m_ng]["false_same_photo"][:T + 1])
                fpo = sum(ds["hist"][m_geo]["false_other"][:T + 1]) + sum(ds["hist"][m_geo]["false_same_photo"][:T + 1])
                print("%5d" % T + "".join("%10.3f" % rc[t] for t in NONGEO) + "%8.3f" % ng
                      + "%8.3f" % rg["flip"] + "%8.3f" % rg["rot90"] + "%9.3f" % geo + "%12d" % fp + "%9d" % fpo)
                out_rows.append({"threshold": T, "recall": rc, "recall_nongeo": ng, "recall_geo_orient": rg,
                                 "recall_geo": geo, "false_pairs": fp, "false_pairs_orient": fpo})
            return out_rows

        out["threshold_table"] = thr_table(
            "full", "orient", "Ours, recall vs threshold from the manifest (pair level, no grouping); flip/rot90 "
            "with the min over orientations; false pairs = all file pairs from different originals within T")
        if ds["has_center"]:
            out["threshold_table_center"] = thr_table(
                "center", "center_orient", "Same with phash_center: d = min(d(F,F'), d(C,F'), d(F,C')) (flip/rot90: min over orientations too)")
    if a.manifest and os.path.exists(a.manifest):
        ws = window_study(truth, a.manifest)
        if ws:
            out["windows"] = ws
            print_window_study(ws)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(out, f, indent=1, default=str)
        print("\nwritten: %s" % a.json_out)
    return 0 if all(ok for _, _, ok in checks) else 1


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "imagededup":
        if len(sys.argv) != 4:
            sys.exit("usage: dup_score.py imagededup IMAGE_DIR OUT.json")
        run_imagededup(sys.argv[2], sys.argv[3])
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["score"])
    ap.add_argument("--truth", required=True)
    ap.add_argument("--manifest", help="ours.jsonl, for the distance study")
    ap.add_argument("--ours")
    ap.add_argument("--ours-t")
    ap.add_argument("--ref")
    ap.add_argument("--idd")
    ap.add_argument("--sweep-dir", help="folder with ours_T<T>.json / ours_t_T<T>.json (check at other thresholds)")
    ap.add_argument("--json-out")
    return main_score(ap.parse_args())


if __name__ == "__main__":
    sys.exit(main())
