#!/usr/bin/env python3
"""Run a command and report its wall time and the peak memory of its whole process tree.

    peakmem.py [--interval S] [--json FILE] [--no-pss] -- CMD ARGS...

Every --interval seconds (default 0.05) it sums the resident memory of every process
descended from the command (the command itself, its children, their children, ...), and
keeps the largest sum seen. It makes itself a child subreaper (prctl), so grandchildren
orphaned by an exiting parent still count. Two sums are kept:

  peak_rss_mb  sum of RSS (VmRSS: anonymous + file + shmem resident pages) -- what the
               targets use; pages shared between processes (libraries, fork copy-on-write)
               are counted once per process, so this is an upper bound
  peak_pss_mb  sum of Pss from /proc/PID/smaps_rollup (shared pages split between sharers)

When the command exits, one JSON line is printed to stderr (or appended to --json FILE):
  {"wall_s": ..., "peak_rss_mb": ..., "peak_pss_mb": ..., "max_procs": ..., "samples": ...,
   "cpu_s": ..., "exit": ..., "cmd": [...]}
cpu_s is user+system time of the command and the descendants it waited for. The exit status
of the command is passed through (128+N if it was killed by signal N).
Linux only; standard library only.
"""
import ctypes
import json
import os
import signal
import sys
import time

PAGE = os.sysconf("SC_PAGE_SIZE")
PR_SET_CHILD_SUBREAPER = 36


def parse_args(argv):
    opts = {"interval": 0.05, "json": None, "pss": True}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return opts, argv[i + 1:]
        if a == "--interval":
            opts["interval"] = float(argv[i + 1]); i += 2
        elif a == "--json":
            opts["json"] = argv[i + 1]; i += 2
        elif a == "--no-pss":
            opts["pss"] = False; i += 1
        elif a in ("-h", "--help"):
            print(__doc__); sys.exit(0)
        elif a.startswith("-"):
            sys.exit("peakmem.py: unknown option %s" % a)
        else:
            return opts, argv[i:]
    return opts, []


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def children_of(pid):
    """Direct children of pid, via /proc/PID/task/*/children (needs CONFIG_PROC_CHILDREN)."""
    kids = []
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return kids
    for tid in tids:
        data = read("/proc/%d/task/%s/children" % (pid, tid))
        if data:
            kids.extend(int(x) for x in data.split())
    return kids


def all_ppids():
    """pid -> ppid for every process (fallback when the children files are unavailable)."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        data = read("/proc/%s/stat" % name)
        if not data:
            continue
        # comm may contain spaces and parentheses: split after the last ')'.
        rest = data[data.rfind(b")") + 2:].split()
        table[int(name)] = int(rest[1])
    return table


HAVE_CHILDREN_FILE = os.path.exists("/proc/self/task/%d/children" % os.getpid())


def descendants(root):
    if HAVE_CHILDREN_FILE:
        out, stack = [], children_of(root)
        while stack:
            p = stack.pop()
            out.append(p)
            stack.extend(children_of(p))
        return out
    table = all_ppids()
    kids = {}
    for p, pp in table.items():
        kids.setdefault(pp, []).append(p)
    out, stack = [], list(kids.get(root, []))
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(kids.get(p, []))
    return out


def rss_bytes(pid):
    data = read("/proc/%d/stat" % pid)
    if not data:
        return 0
    rest = data[data.rfind(b")") + 2:].split()
    # Field 24 of stat (rss, in pages) is rest[21]: rest starts at field 3 (state).
    return int(rest[21]) * PAGE


def pss_bytes(pid):
    data = read("/proc/%d/smaps_rollup" % pid)
    if not data:
        return 0
    for line in data.split(b"\n"):
        if line.startswith(b"Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def main():
    opts, cmd = parse_args(sys.argv[1:])
    if not cmd:
        sys.exit("usage: peakmem.py [--interval S] [--json FILE] [--no-pss] -- CMD ARGS...")
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    use_pss = opts["pss"] and os.path.exists("/proc/self/smaps_rollup")
    me = os.getpid()

    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        except OSError as e:
            sys.stderr.write("peakmem.py: cannot run %s: %s\n" % (cmd[0], e))
        os._exit(127)

    def forward(sig, _frame):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, forward)

    peak_rss = peak_pss = 0
    max_procs = samples = 0
    status = None
    cpu = 0.0
    while status is None:
        procs = descendants(me)
        rss = sum(rss_bytes(p) for p in procs)
        peak_rss = max(peak_rss, rss)
        # Pss walks every mapping of every process: far costlier than VmRSS. Sample it on
        # every fifth tick only, so the sampler steals little CPU from what it measures.
        if use_pss and samples % 5 == 0:
            peak_pss = max(peak_pss, sum(pss_bytes(p) for p in procs))
        max_procs = max(max_procs, len(procs))
        samples += 1
        # Reap the command and any orphans handed to us as subreaper.
        while True:
            try:
                p, st, ru = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if p == 0:
                break
            if p == pid:
                status = st
                cpu = ru.ru_utime + ru.ru_stime
                break
        if status is None:
            time.sleep(opts["interval"])
    wall = time.monotonic() - t0

    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
    elif os.WIFSIGNALED(status):
        code = 128 + os.WTERMSIG(status)
    else:
        code = 1
    result = {
        "wall_s": round(wall, 3),
        "peak_rss_mb": round(peak_rss / 1e6, 1),
        "peak_pss_mb": round(peak_pss / 1e6, 1) if use_pss else None,
        "max_procs": max_procs,
        "samples": samples,
        "cpu_s": round(cpu, 3),
        "exit": code,
        "cmd": cmd,
    }
    line = json.dumps(result)
    if opts["json"]:
        with open(opts["json"], "a") as f:
            f.write(line + "\n")
    else:
        sys.stderr.write(line + "\n")
    sys.exit(code)


if __name__ == "__main__":
    main()
