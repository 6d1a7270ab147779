#!/usr/bin/env python3
"""Summarise a bench.sh run: table, ratios, PASS/FAIL, results.json. Standard library only.

Reads RUNS/corpora.jsonl, RUNS/<corpus>.<tool>.<rep>.json (peakmem.py output), the
manifests RUNS/ours-<corpus>.jsonl and RUNS/ref-<corpus>.jsonl, and RUNS/env.txt.
"""
import argparse
import datetime
import glob
import json
import os
import statistics
import sys

# Targets from the issue "scan foundation".
SPEEDUP_MIN = 10.0       # ours images/s >= 10x the reference's, on dataset and on photos
FLOOR_RATIO_MAX = 1.5    # ours time <= 1.5x djpeg -scale 1/8 (2 at a time), on photos
PEAK_MB_MAX = 300.0      # ours peak RSS (all processes) < 300 MB on mixed10k

TOOLS = [("ours", "ours"), ("reference", "reference (py 0.1.0)"), ("floor", "djpeg -scale 1/8")]


def load_runs(runs):
    out = {}
    for path in glob.glob(os.path.join(runs, "*.json")):
        name = os.path.basename(path)[:-5]
        parts = name.split(".")
        if len(parts) != 3:
            continue
        corpus, tool, rep = parts
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        if lines:
            out.setdefault((corpus, tool), []).append(dict(lines[-1], rep=int(rep)))
    return out


def median_run(runs):
    """The run with the median wall time (the lower median for an even count)."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    return ordered[(len(ordered) - 1) // 2]


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return sum(1 for line in f if line.strip())
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()

    corpora = []
    with open(os.path.join(a.runs, "corpora.jsonl")) as f:
        corpora = [json.loads(line) for line in f if line.strip()]
    runs = load_runs(a.runs)
    env = {}
    try:
        with open(os.path.join(a.runs, "env.txt")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                env[k] = v.rstrip(", ")
    except OSError:
        pass

    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "env": env, "repeat": a.repeat, "workers": 2,
        "targets": {"speedup_min": SPEEDUP_MIN, "floor_ratio_max": FLOOR_RATIO_MAX,
                    "peak_mb_max": PEAK_MB_MAX},
        "corpora": {}, "checks": [],
    }
    failed = False

    print()
    print("imgeda bench  (%s cores, load %s -> %s, git %s)" % (
        env.get("nproc", "?"), env.get("start_loadavg", "?"), env.get("end_loadavg", "?"),
        env.get("git_rev", "?")))
    print("reference: %s; %s" % (env.get("reference", "?"), env.get("djpeg", "?")))
    hdr = "%-9s %-21s %7s %9s %9s %10s %9s %8s %s" % (
        "corpus", "tool", "images", "wall s", "images/s", "peak RSS", "peak PSS", "CPU s", "note")
    print(hdr)
    print("-" * len(hdr))

    for c in corpora:
        name = c["corpus"]
        entry = {"dir": c["dir"], "images": c["images"], "jpegs": c["jpegs"], "tools": {}}
        results["corpora"][name] = entry
        for tool, label in TOOLS:
            rs = runs.get((name, tool))
            if not rs:
                continue
            m = median_run(rs)
            n = c["jpegs"] if tool == "floor" else c["images"]
            ips = n / m["wall_s"] if m["wall_s"] > 0 else float("inf")
            note = []
            rows = None
            if tool in ("ours", "reference"):
                manifest = os.path.join(a.runs, "%s-%s.jsonl" % ("ours" if tool == "ours" else "ref", name))
                rows = count_lines(manifest)
                if rows is not None and rows < n:
                    note.append("manifest has %d lines" % rows)
                elif rows is None:
                    note.append("no manifest")
            if tool == "floor":
                note.append("JPEGs only")
            bad = [r for r in rs if r["exit"] != 0]
            if bad:
                note.append("EXIT %s" % ",".join(str(r["exit"]) for r in bad))
                failed = True
            if len(rs) > 1:
                walls = [r["wall_s"] for r in rs]
                note.append("median of %d (%.2f-%.2f s)" % (len(rs), min(walls), max(walls)))
            entry["tools"][tool] = {
                "images": n, "wall_s": m["wall_s"], "images_per_s": round(ips, 2),
                "peak_rss_mb": m["peak_rss_mb"], "peak_pss_mb": m.get("peak_pss_mb"),
                "cpu_s": m.get("cpu_s"), "exit": m["exit"], "manifest_lines": rows,
                "runs": [{k: r.get(k) for k in ("rep", "wall_s", "peak_rss_mb", "peak_pss_mb", "cpu_s", "exit")}
                         for r in sorted(rs, key=lambda r: r["rep"])],
                "cmd": m.get("cmd"),
            }
            print("%-9s %-21s %7d %9.2f %9.1f %7.0f MB %6s MB %8.1f %s" % (
                name, label, n, m["wall_s"], ips, m["peak_rss_mb"],
                "%.0f" % m["peak_pss_mb"] if m.get("peak_pss_mb") is not None else "-",
                m.get("cpu_s") or 0.0, "; ".join(note)))

    print()

    def check(corpus, what, value, target, ok, fmt):
        nonlocal failed
        status = "PASS" if ok else "FAIL"
        if not ok:
            failed = True
        results["checks"].append({"corpus": corpus, "check": what, "value": value,
                                  "target": target, "status": status})
        print("%-4s  %-9s %-44s %s  (target %s)" % (status, corpus, what, fmt % value, target))

    def info(corpus, what, value, fmt):
        results["checks"].append({"corpus": corpus, "check": what, "value": value, "status": "info"})
        print("%-4s  %-9s %-44s %s" % ("info", corpus, what, fmt % value))

    for name in ("dataset", "photos"):
        t = results["corpora"].get(name, {}).get("tools", {})
        ours, ref, floor = t.get("ours"), t.get("reference"), t.get("floor")
        if ours and ref:
            sp = ours["images_per_s"] / ref["images_per_s"] if ref["images_per_s"] else float("inf")
            check(name, "speed, ours / reference (images/s)", round(sp, 2),
                  ">= %gx" % SPEEDUP_MIN, sp >= SPEEDUP_MIN and ours["exit"] == 0, "%.1fx")
        elif ours:
            print("----  %-9s speed, ours / reference: reference skipped" % name)
        if ours and floor:
            # Time per image relative to the floor's (on photos every file is a JPEG, so this
            # is simply ours' wall time over the floor's).
            fr = floor["images_per_s"] / ours["images_per_s"] if ours["images_per_s"] else float("inf")
            if name == "photos":
                check(name, "time per image, ours / djpeg -scale 1/8", round(fr, 3),
                      "<= %gx" % FLOOR_RATIO_MAX, fr <= FLOOR_RATIO_MAX and ours["exit"] == 0, "%.2fx")
            else:
                info(name, "time per image, ours / djpeg -scale 1/8", round(fr, 3), "%.2fx")
    mixed = results["corpora"].get("mixed10k", {}).get("tools", {}).get("ours")
    if mixed:
        n = results["corpora"]["mixed10k"]["images"]
        check("mixed10k", "peak RSS of ours, %d images" % n, mixed["peak_rss_mb"],
              "< %g MB" % PEAK_MB_MAX, mixed["peak_rss_mb"] < PEAK_MB_MAX and mixed["exit"] == 0, "%.0f MB")
        if n < 10000:
            print("      (mixed10k has %d images here, not 10,000: a trial run)" % n)
        info("mixed10k", "ours images/s", mixed["images_per_s"], "%.1f")

    results["pass"] = not failed
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)
    print()
    print("%s; results in %s" % ("ALL TARGETS MET" if not failed else "SOME TARGETS NOT MET", a.out))
    strict = os.environ.get("BENCH_STRICT", "1") != "0"
    sys.exit(1 if failed and strict else 0)


if __name__ == "__main__":
    main()
