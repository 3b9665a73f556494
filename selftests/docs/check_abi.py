#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check_abi.py - docs/abi.md and docs/hostsim.md against the modules.

Usage: check_abi.py TOP [KO_DIR]

Cases (one line each, "docs/NAME: ok" or "docs/NAME: FAIL why"):
  docs/abi/params/MODULE   the module parameters table of docs/abi.md equals
                         what `modinfo` says of MODULE.ko (name, type, the
                         default its description states) and the mode of
                         its module_param() line in kernel/
  docs/abi/errnos/FILE   the errno table of docs/abi.md (kvmmem_main.c) or
                         docs/hostsim.md (kvmmem_hostsim.c) equals the
                         lines of kernel/errnos.txt for FILE
  docs/abi/errnos-code/FILE   the errnos of the "code" lines of kernel/errnos.txt
                         for FILE equal the -E... constants in kernel/FILE
  docs/abi/debugfs/FILE   the debugfs files FILE creates are the ones its
                         page documents, and no other

The code check is grep-level: it sees which -E constants a file writes,
not which call returns them (a constant in a comparison, `ret == -EBUSY`,
counts as written), and it cannot see errors passed through from kernel
functions: those are the "passed" lines, checked only against the docs.
"""
import os
import re
import shutil
import subprocess
import sys

TOP = sys.argv[1]
KO_DIR = sys.argv[2] if len(sys.argv) > 2 else os.path.join(TOP, "kernel")
results = []


def case(name, problems):
    if problems:
        print(f"docs/{name}: FAIL {'; '.join(problems)}")
    else:
        print(f"docs/{name}: ok")
    results.append(not problems)


def read(rel):
    with open(os.path.join(TOP, rel), encoding="utf-8") as f:
        return f.read()


def md_tables(text, heading):
    """Rows (lists of cells) of the tables in the section titled heading."""
    rows, inside = [], False
    for line in text.splitlines():
        if line.startswith("#"):
            inside = line.lstrip("#").strip() == heading
            continue
        if inside and line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if set("".join(cells)) <= set("-: "):
                continue
            rows.append(cells)
    return rows


def ticks(cell):
    return re.findall(r"`([^`]*)`", cell)


def calls(cell):
    return {c.strip() for c in cell.split(",") if c.strip()}


def strip_c_comments(src):
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    return re.sub(r"//[^\n]*", " ", src)


# ------------------------------------------------------------ parameters
def modinfo(ko, field):
    tool = shutil.which("modinfo") or "/sbin/modinfo"
    out = subprocess.run([tool, "-F", field, ko], capture_output=True,
                         text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        name, _, val = line.partition(":")
        res[name] = val
    return res


def check_params():
    rows = md_tables(read("docs/abi.md"), "Module parameters")
    if rows and rows[0][0] == "module":
        rows = rows[1:]
    doc = {}
    for r in rows:
        mod, par = ticks(r[0])[0], ticks(r[1])[0]
        doc.setdefault(mod, {})[par] = (r[2], r[3], r[4])
    for mod in ("kvmmem", "kvmmem_hostsim"):
        problems = []
        ko = os.path.join(KO_DIR, mod + ".ko")
        if not os.path.exists(ko):
            case(f"abi/params/{mod}", [f"{ko} not built (make)"])
            continue
        types = modinfo(ko, "parmtype")
        descs = modinfo(ko, "parm")
        src = read(f"kernel/{'kvmmem_main' if mod == 'kvmmem' else mod}.c")
        modes = dict(re.findall(r"module_param\((\w+),\s*\w+,\s*(\w+)\)", src))
        mine = doc.get(mod, {})
        for par in sorted(set(types) - set(mine)):
            problems.append(f"{par} (modinfo) is not in abi.md's table")
        for par in sorted(set(mine) - set(types)):
            problems.append(f"{par} (abi.md) is no parameter of {mod}.ko")
        for par in sorted(set(mine) & set(types)):
            typ, default, mode = mine[par]
            if typ != types[par]:
                problems.append(f"{par}: type {typ} in abi.md, {types[par]} in modinfo")
            m = re.search(r"\(default (\w+)", descs.get(par, ""))
            if not m:
                problems.append(f"{par}: its description states no default")
            elif m.group(1) != default:
                problems.append(f"{par}: default {default} in abi.md, {m.group(1)} in modinfo")
            if modes.get(par) != mode:
                problems.append(f"{par}: mode {mode} in abi.md, {modes.get(par)} in module_param()")
        case(f"abi/params/{mod}", problems)


# ---------------------------------------------------------------- errnos
def errno_list():
    rows = []
    for line in read("kernel/errnos.txt").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split(None, 4)
        if len(f) < 4 or f[3] not in ("code", "passed"):
            rows.append(("?", set(), line, "?"))
            continue
        rows.append((f[0], calls(f[1]), f[2], f[3]))
    return rows


def doc_errnos(page):
    """{(errno, call)} of the errno table of page (section "Errors")."""
    pairs = set()
    for r in md_tables(read(page), "Errors"):
        if r[0] == "errno" or len(r) < 3:
            continue
        for e in ticks(r[0]):
            for c in calls(r[1]):
                pairs.add((e, c))
    return pairs


def check_errnos(lst):
    bad = [line for (f, _, line, how) in lst if f == "?"]
    for file, page in (("kvmmem_main.c", "docs/abi.md"),
                       ("kvmmem_hostsim.c", "docs/hostsim.md")):
        problems = [f"kernel/errnos.txt: cannot parse '{b.strip()}'" for b in bad]
        listed = {(e, c) for (f, cs, e, _) in lst if f == file
                  for c in cs if c != "internal"}
        documented = doc_errnos(page)
        if not documented:
            problems.append(f"no errno table in a section 'Errors' of {page}")
        for e, c in sorted(listed - documented):
            problems.append(f"{e} ({c}) is in kernel/errnos.txt, not in {page}")
        for e, c in sorted(documented - listed):
            problems.append(f"{e} ({c}) is in {page}, not in kernel/errnos.txt")
        case(f"abi/errnos/{file}", problems)


def check_errnos_code(lst):
    for file in ("kvmmem_main.c", "kvmmem_hostsim.c"):
        src = strip_c_comments(read(f"kernel/{file}"))
        used = set(re.findall(r"(?<![\w])-(E[A-Z0-9]+)\b", src))
        coded = {e for (f, _, e, how) in lst if f == file and how == "code"}
        problems = []
        for e in sorted(used - coded):
            problems.append(f"-{e} is written in kernel/{file}, not listed as code in kernel/errnos.txt")
        for e in sorted(coded - used):
            problems.append(f"{e} is listed as code for {file}, but kernel/{file} never writes -{e}")
        case(f"abi/errnos-code/{file}", problems)


# --------------------------------------------------------------- debugfs
def check_debugfs():
    for file, page, doc_re in (
            ("kvmmem_main.c", "docs/abi.md",
             r"/sys/kernel/debug/kvmmem/(\w+)"),
            ("kvmmem_hostsim.c", "docs/hostsim.md", None)):
        src = strip_c_comments(read(f"kernel/{file}"))
        made = set(re.findall(r'debugfs_create_\w+\(\s*"(\w+)"', src))
        text = read(page)
        if doc_re:
            documented = set(re.findall(doc_re, text))
        else:
            documented = {ticks(r[0])[0] for r in
                          md_tables(text, "Fault injection and latency (debugfs)")
                          if ticks(r[0])}
        problems = [f"{n} is created by kernel/{file}, not documented in {page}"
                    for n in sorted(made - documented)]
        problems += [f"{n} is documented in {page}, not created by kernel/{file}"
                     for n in sorted(documented - made)]
        case(f"abi/debugfs/{file}", problems)


check_params()
lst = errno_list()
check_errnos(lst)
check_errnos_code(lst)
check_debugfs()
sys.exit(0 if all(results) else 1)
