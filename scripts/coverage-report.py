#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""coverage-report.py - the report of make coverage (scripts/coverage.sh).

Reads the counters each test run saved (DATA/<run>/: user.tar, the .gcda
files of the --coverage programs, and kernel/, /sys/kernel/debug/gcov of
the guest), puts each run's beside the .gcno files of COV in turn, has
gcovr turn them into a JSON tracefile per run, and merges those into OUT:

  index.html      gcovr's HTML, a page per file (lines and branches)
  summary.txt     per file: lines and branches covered; the goals; what
                  each run alone reaches of the driver
  uncovered.txt   every line of kernel/ no test reached, each with why
                  (selftests/coverage/unreached.txt) or "no test yet",
                  and the error-unwind labels no test reached
  runs/*.json     the per-run tracefiles; merged.json

and prints "coverage: driver N%, hostsim N%, tools N%".
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time

DRIVER = "kernel/kvmmem_main.c"
HOSTSIM = "kernel/kvmmem_hostsim.c"
KERNEL_FILES = ("kvmmem_main.c", "kvmmem_hostsim.c")
GOALS = ((DRIVER, 95.0), (HOSTSIM, 90.0), ("tools/lib/", 90.0))
LABEL = re.compile(r"^\s*((?:err|out|fail|unwind)\w*):")


def die(msg):
    print("coverage-report: error: " + msg, file=sys.stderr)
    sys.exit(1)


def drop_counters(cov, keep):
    """Remove the .gcda files of COV, but not the saved ones under KEEP."""
    for old in glob.glob(os.path.join(cov, "**", "*.gcda"), recursive=True):
        if not os.path.realpath(old).startswith(keep + "/"):
            os.unlink(old)


def place_run(run, cov, keep):
    """Put RUN's .gcda files beside COV's .gcno files; return how many."""
    drop_counters(cov, keep)
    placed = 0
    tar = os.path.join(run, "user.tar")
    if os.path.exists(tar):
        with tarfile.open(tar) as t:
            for m in t.getmembers():
                if not m.isfile() or not m.name.endswith(".gcda") or m.size == 0:
                    continue
                dest = os.path.normpath("/" + m.name)
                if not dest.startswith(cov + "/"):
                    continue
                if not os.path.exists(dest[:-5] + ".gcno"):
                    continue
                src = t.extractfile(m)
                with open(dest, "wb") as f:
                    shutil.copyfileobj(src, f)
                placed += 1
    mods = os.path.join(cov, "debug-modules")
    for g in glob.glob(os.path.join(run, "kernel", "**", "*.gcda"), recursive=True):
        dest = os.path.join(mods, os.path.basename(g))
        if os.path.getsize(g) and os.path.exists(dest[:-5] + ".gcno"):
            shutil.copyfile(g, dest)
            placed += 1
    return placed


def rename_modules(doc, top, cov):
    """debug-modules/X.c is a copy of kernel/X.c: name it so."""
    rel = os.path.relpath(os.path.join(cov, "debug-modules"), top) + "/"
    for f in doc["files"]:
        if f["file"].startswith(rel):
            name = f["file"][len(rel):]
            ours = os.path.join(top, "kernel", name)
            theirs = os.path.join(top, f["file"])
            if os.path.exists(ours) and os.path.exists(theirs):
                with open(ours, "rb") as a, open(theirs, "rb") as b:
                    if a.read() == b.read():
                        f["file"] = "kernel/" + name
    return doc


def gcovr(top, args):
    cmd = ["gcovr", "-r", top] + args
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, check=False)
    if r.returncode != 0:
        die("%s failed: %s" % (" ".join(cmd), r.stderr.strip()[-2000:]))
    return r.stdout


def line_stats(files, pred):
    """(covered, total, branches taken, branches) of the files PRED picks."""
    lc = lt = bc = bt = 0
    for f in files:
        if not pred(f["file"]):
            continue
        for ln in f["lines"]:
            if ln.get("gcovr/noncode"):
                continue
            lt += 1
            lc += ln["count"] > 0
            for b in ln.get("branches", []):
                bt += 1
                bc += b["count"] > 0
    return lc, lt, bc, bt


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def covered_lines(doc, name):
    for f in doc["files"]:
        if f["file"] == name:
            return {ln["line_number"] for ln in f["lines"]
                    if not ln.get("gcovr/noncode") and ln["count"] > 0}
    return set()


def code_lines(doc, name):
    for f in doc["files"]:
        if f["file"] == name:
            return {ln["line_number"]: ln["count"] for ln in f["lines"]
                    if not ln.get("gcovr/noncode")}
    return {}


def read_reasons(path):
    """selftests/coverage/unreached.txt: FILE|FUNCTION|TEXT|WHY lines."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for raw in f:
            raw = raw.rstrip("\n")
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            parts = raw.split("|", 3)
            if len(parts) != 4:
                die("%s: not FILE|FUNCTION|TEXT|WHY: %s" % (path, raw))
            out.append([p.strip() for p in parts])
    return out


def functions_of(src):
    """line -> name of the C function whose body holds it (column-0 braces)."""
    owner = {}
    name = None
    head = re.compile(r"^[A-Za-z_].*?\b([A-Za-z_]\w*)\s*\(")
    pending = None
    for i, text in enumerate(src, 1):
        m = head.match(text)
        if m and not text.rstrip().endswith(";"):
            pending = m.group(1)
        if text.startswith("{") and pending:
            name = pending
            pending = None
        owner[i] = name or pending
        if text.startswith("}"):
            name = None
    return owner


def kernel_report(top, doc, reasons):
    """The text of uncovered.txt, and (labels reached, labels)."""
    lines = []
    lab_ok = lab_all = 0
    unreached_labels = []
    for name in (DRIVER, HOSTSIM):
        counts = code_lines(doc, name)
        path = os.path.join(top, name)
        if not counts or not os.path.exists(path):
            lines.append("%s: no counters (the file did not run)" % name)
            continue
        with open(path) as f:
            src = f.read().split("\n")
        owner = functions_of(src)
        base = os.path.basename(name)
        miss = sorted(n for n, c in counts.items() if c == 0)
        lines.append("== %s: %d of %d lines not reached" % (name, len(miss), len(counts)))
        for n in miss:
            text = src[n - 1].strip() if n <= len(src) else ""
            fn = owner.get(n) or "?"
            why = "no test reaches it yet"
            for rf, rfn, rtext, rwhy in reasons:
                if rf == base and rfn in (fn, "*") and rtext in text:
                    why = rwhy
                    break
            lines.append("%s:%d %s(): %s\n    why: %s" % (name, n, fn, text, why))
        # error-unwind labels: reached when the first line of code after
        # the label ran
        for i, text in enumerate(src, 1):
            m = LABEL.match(text)
            if not m:
                continue
            nxt = next((k for k in range(i, min(i + 6, len(src)) + 1) if k in counts), None)
            if nxt is None:
                continue
            lab_all += 1
            if counts[nxt] > 0:
                lab_ok += 1
            else:
                unreached_labels.append("%s:%d %s() %s" % (
                    name, i, owner.get(i) or "?", m.group(1)))
    lines.append("== error-unwind labels: %d of %d reached" % (lab_ok, lab_all))
    lines.extend("not reached: " + x for x in unreached_labels)
    return "\n".join(lines) + "\n", lab_ok, lab_all


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", required=True)
    ap.add_argument("--cov", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ktree", default="/var/cache/kvmmem/debug-kernel/current/src/linux-source-6.1",
                    help="the kernel tree the modules were built against")
    ap.add_argument("--incomplete", type=int, default=0)
    a = ap.parse_args()
    top, cov = os.path.realpath(a.top), os.path.realpath(a.cov)
    data = os.path.realpath(a.data)
    ktree = os.path.realpath(a.ktree)
    runs_dir = os.path.join(a.out, "runs")
    shutil.rmtree(runs_dir, ignore_errors=True)
    os.makedirs(runs_dir)

    runs = sorted(d for d in glob.glob(os.path.join(data, "*")) if os.path.isdir(d))
    if not runs:
        die("no counters in %s" % data)
    traces = []
    labels = {}
    for run in runs:
        rid = os.path.basename(run)
        cmd = ""
        if os.path.exists(os.path.join(run, "cmd")):
            with open(os.path.join(run, "cmd")) as f:
                cmd = [x for x in f.read().strip().split("\n") if x][-1]
        n = place_run(run, cov, data)
        if n == 0:
            die("run %s (%s) left no counters" % (rid, cmd))
        # user space, then the modules: gcov resolves the kernel
        # headers' relative names from the kernel tree they were built in
        out = os.path.join(runs_dir, rid + ".json")
        mods = os.path.join(cov, "debug-modules")
        gcovr(top, [cov, "--json", out, "-j", "2",
                    "--exclude-directories", re.escape(data),
                    "--exclude-directories", re.escape(mods),
                    "--filter", re.escape(top) + "/tools/"])
        kout = os.path.join(runs_dir, rid + ".kernel.json")
        gcovr(top, [mods, "--json", kout, "--object-directory", ktree,
                    "--filter", re.escape(mods) + "/kvmmem_(main|hostsim)\\.c$"])
        with open(out) as f:
            doc = json.load(f)
        with open(kout) as f:
            doc["files"] += rename_modules(json.load(f), top, cov)["files"]
        os.unlink(kout)
        with open(out, "w") as f:
            json.dump(doc, f)
        traces.append(out)
        labels[rid] = (cmd, doc)
    drop_counters(cov, data)

    adds = []
    for t in traces:
        adds += ["-a", t]
    merged = os.path.join(a.out, "merged.json")
    gcovr(top, adds + ["--json", merged])
    gcovr(top, adds + ["--html-details", os.path.join(a.out, "index.html"),
                       "--html-title", "kvmmem coverage"])
    lines_txt = gcovr(top, adds + ["--txt"])
    branches_txt = gcovr(top, adds + ["--txt", "-b"])
    with open(merged) as f:
        doc = json.load(f)
    files = doc["files"]

    def fig(pred):
        lc, lt, bc, bt = line_stats(files, pred)
        return pct(lc, lt), lc, lt, pct(bc, bt), bc, bt

    drv = fig(lambda n: n == DRIVER)
    hs = fig(lambda n: n == HOSTSIM)
    tools = fig(lambda n: n.startswith("tools/"))
    headline = "coverage: driver %.1f%%, hostsim %.1f%%, tools %.1f%%" % (
        drv[0], hs[0], tools[0])
    if a.incomplete:
        headline += " (incomplete: %d step(s) failed)" % a.incomplete

    reasons = read_reasons(os.path.join(top, "selftests/coverage/unreached.txt"))
    unc, lab_ok, lab_all = kernel_report(top, doc, reasons)
    with open(os.path.join(a.out, "uncovered.txt"), "w") as f:
        f.write(unc)

    s = [headline, ""]
    s.append("%-28s %6s %13s %8s %13s" % ("", "lines", "", "branches", ""))
    for label, pred in (("kernel/kvmmem_main.c", lambda n: n == DRIVER),
                        ("kernel/kvmmem_hostsim.c", lambda n: n == HOSTSIM),
                        ("tools/ (all)", lambda n: n.startswith("tools/")),
                        ("tools/lib/", lambda n: n.startswith("tools/lib/")),
                        ("tools/common/", lambda n: n.startswith("tools/common/")),
                        ("tools/trace/", lambda n: n.startswith("tools/trace/")),
                        ("tools/kvmmem-ctl/", lambda n: n.startswith("tools/kvmmem-ctl/")),
                        ("tools/kvmmem-trace/", lambda n: n.startswith("tools/kvmmem-trace/")),
                        ("tools/kvmmem-top/", lambda n: n.startswith("tools/kvmmem-top/"))):
        p, lc, lt, bp, bc, bt = fig(pred)
        s.append("%-28s %5.1f%% %6d/%-6d %7.1f%% %6d/%-6d" % (label, p, lc, lt, bp, bc, bt))
    s.append("")
    s.append("goals:")
    for name, goal in GOALS:
        p = fig(lambda n, name=name: n == name or (name.endswith("/") and n.startswith(name)))[0]
        s.append("  %-26s >= %4.1f%%: %5.1f%% %s" % (name, goal, p, "met" if p >= goal else "MISSED"))
    s.append("  %-26s every one: %d of %d %s" % (
        "error-unwind labels", lab_ok, lab_all, "met" if lab_all and lab_ok == lab_all else "MISSED"))
    s.append("")
    s.append("what each run reaches alone of %s (lines), and lines no other run reaches:" % DRIVER)
    allcode = len(code_lines(doc, DRIVER))
    sets = {rid: covered_lines(d, DRIVER) for rid, (_, d) in labels.items()}
    for rid, (cmd, d) in labels.items():
        others = set().union(*[v for k, v in sets.items() if k != rid]) if len(sets) > 1 else set()
        only = sorted(sets[rid] - others)
        s.append("  %5.1f%% %3d only here  %s" % (
            pct(len(sets[rid]), allcode), len(only), cmd[-110:]))
    s.append("")
    s.append("per file, lines:")
    s.append(lines_txt)
    s.append("per file, branches:")
    s.append(branches_txt)
    with open(os.path.join(a.out, "summary.txt"), "w") as f:
        f.write("\n".join(s))
    commit = subprocess.run(["git", "-C", top, "describe", "--always", "--dirty"],
                            stdout=subprocess.PIPE, text=True, check=False).stdout.strip()
    with open(os.path.join(a.out, "headline"), "w") as f:
        f.write("%s  (make coverage, %s, at %s)\n" % (
            headline, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), commit or "?"))
    print("\n".join(s[:s.index("per file, lines:")]))
    print(headline)


if __name__ == "__main__":
    main()
