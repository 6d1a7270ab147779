#!/usr/bin/env python3
"""Score downloaders against the fault server's ground truth.

    download_score.py TRUTH.json [--img2dataset DIR PEAK.json] [--imgeda DIR PEAK.json] [--json OUT]

For each tool it finds every URL's final outcome in the tool's own output (img2dataset: the
shards' parquet files; imgeda: DIR/download.jsonl, the last line per index) and compares it
with the truth:
  lost         a URL the tool has no outcome for, or a good URL (transient faults
               included) that ended failed: an image the user does not get
  misreported  a bad URL reported as a success (a truncated body or an HTML page saved as
               an image), or a success whose file is missing or whose bytes differ from
               what the server sent (checked for imgeda, which keeps the bytes it received;
               img2dataset re-encodes, so only the file's presence is checked)
and prints one table with images/s (successes / wall time), peak memory of all processes
(from peakmem.py) and those counts. Exit status 0; the table is the result.
"""
import argparse
import glob
import hashlib
import json
import os
import sys


def img2dataset_outcomes(folder):
    import pyarrow.parquet as pq

    out = {}
    for shard in sorted(glob.glob(os.path.join(folder, "*.parquet"))):
        table = pq.read_table(shard, columns=["url", "key", "status", "error_message"]).to_pylist()
        base = shard[: -len(".parquet")]
        for row in table:
            ok = row["status"] == "success"
            files = glob.glob(os.path.join(base, row["key"] + ".*")) if ok else []
            images = [f for f in files if not f.endswith((".json", ".txt"))]
            out[row["url"]] = {"ok": ok, "file": images[0] if images else None, "reason": row["error_message"]}
    return out


def imgeda_outcomes(folder):
    out = {}
    path = os.path.join(folder, "download.jsonl")
    if not os.path.exists(path):
        return out
    with open(path, "rb") as f:
        for raw in f:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            ok = line.get("status") == "ok"
            file = line.get("file")
            out[line["url"]] = {
                "ok": ok,
                "file": os.path.join(folder, file) if ok and file else None,
                "reason": line.get("reason"),
            }
    return out


def score(truth, outcomes, check_bytes):
    counts = {"ok": 0, "lost": 0, "misreported": 0, "missing": 0, "good_failed": 0, "bad_success": 0, "bytes_differ": 0}
    by_fault = {}
    for t in truth:
        o = outcomes.get(t["url"])
        fault = by_fault.setdefault(t["fault"], {"urls": 0, "ok": 0})
        fault["urls"] += 1
        if o is None:
            counts["missing"] += 1
            counts["lost"] += 1
            continue
        if o["ok"]:
            counts["ok"] += 1
            fault["ok"] += 1
            if t["expect"] == "bad":
                counts["bad_success"] += 1
                counts["misreported"] += 1
            elif not o["file"] or not os.path.exists(o["file"]):
                counts["bytes_differ"] += 1
                counts["misreported"] += 1
            elif check_bytes:
                with open(o["file"], "rb") as f:
                    if hashlib.sha256(f.read()).hexdigest() != t["sha256"]:
                        counts["bytes_differ"] += 1
                        counts["misreported"] += 1
        elif t["expect"] == "good":
            counts["good_failed"] += 1
            counts["lost"] += 1
    counts["by_fault"] = by_fault
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("truth")
    ap.add_argument("--img2dataset", nargs=2, metavar=("DIR", "PEAK"))
    ap.add_argument("--imgeda", nargs=2, metavar=("DIR", "PEAK"))
    ap.add_argument("--json")
    args = ap.parse_args()
    with open(args.truth) as f:
        truth = json.load(f)
    good = sum(1 for t in truth if t["expect"] == "good")
    rows = []
    for name, spec, reader, check_bytes in (
        ("img2dataset", args.img2dataset, img2dataset_outcomes, False),
        ("imgeda", args.imgeda, imgeda_outcomes, True),
    ):
        if not spec:
            continue
        folder, peak_file = spec
        peak = {}
        if os.path.exists(peak_file):
            with open(peak_file) as f:
                lines = [l for l in f.read().splitlines() if l.strip()]
                peak = json.loads(lines[-1]) if lines else {}
        s = score(truth, reader(folder), check_bytes)
        wall = peak.get("wall_s") or 0
        s.update({
            "tool": name, "wall_s": wall, "images_per_s": s["ok"] / wall if wall else 0,
            "peak_rss_mb": peak.get("peak_rss_mb"), "peak_pss_mb": peak.get("peak_pss_mb"), "exit": peak.get("exit"),
        })
        rows.append(s)
    print("%d URLs: %d should end with the image, %d with a failure" % (len(truth), good, len(truth) - good))
    print("%-12s %8s %9s %10s %10s %6s %6s %12s" % ("tool", "wall s", "images/s", "peak RSS", "peak PSS", "lost", "misrep", "exit"))
    for r in rows:
        print("%-12s %8.1f %9.1f %8.0f MB %8.0f MB %6d %6d %12s" % (
            r["tool"], r["wall_s"], r["images_per_s"], r["peak_rss_mb"] or 0, r["peak_pss_mb"] or 0,
            r["lost"], r["misreported"], r["exit"]))
    for r in rows:
        detail = ", ".join("%s %d/%d" % (k, v["ok"], v["urls"]) for k, v in sorted(r["by_fault"].items()))
        print("  %s: missing %d, good but failed %d, bad but saved %d, file missing or bytes differ %d; saved per fault: %s" % (
            r["tool"], r["missing"], r["good_failed"], r["bad_success"], r["bytes_differ"], detail))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
