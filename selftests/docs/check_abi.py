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
  docs/abi/stats         the keys of debugfs kvmmem/stats, which are the
                         sysfs stats/ files (counter names,
                         per-op and per-errno counters) and the columns of
                         kvmmem/files and kvmmem/leaked, as the code prints
                         them, against abi.md; the errnos counted one by
                         one are the ioctl errnos of kernel/errnos.txt
  docs/abi/sysfs         the device attributes and attribute group
                         directories against abi.md's
                         /sys/class/misc/kvmmem/ files

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


# ---------------------------------------------------- stats, files, sysfs
def section(text, heading):
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith("#"):
            inside = line.lstrip("#").strip() == heading
        elif inside:
            out.append(line)
    return "\n".join(out)


def func_body(src, name):
    m = re.search(r"\b" + name + r"\([^)]*\)\s*\{(.*?)\n\}", src, re.S)
    return m.group(1) if m else ""


def check_stats(lst):
    src = strip_c_comments(read("kernel/kvmmem_main.c"))
    doc = read("docs/abi.md")
    sec = section(doc, "Counters (sysfs and debugfs)")
    ctrs = re.findall(r"\[KVMMEM_CTR_\w+\]\s*=\s*\"(\w+)\"", src)
    ops = re.findall(r"\[KVMMEM_OP_\w+\]\s*=\s*\"(\w+)\"", src)
    counted = set(re.findall(r"\{\s*E\w+,\s*\"(E\w+)\"\s*\}", src))
    body = func_body(src, "kvmmem_stats_show")
    init = func_body(src, "kvmmem_stats_init")
    problems = []
    # debugfs stats prints the backend, then the table of the sysfs
    # attributes that kvmmem_stats_init() fills: a literal name, or a
    # format over one of the name arrays
    keys = set(re.findall(r"seq_printf\(s,\s*\"(\w+) %", body))
    for fmt, arg in re.findall(r'kvmmem_stat_add\([^,]+,[^,]+,\s*"([^"]+)"'
                               r'\s*(?:,\s*([\w\[\].]+))?\)', init):
        if fmt == "%s" and arg.startswith("kvmmem_ctr_names"):
            keys |= set(ctrs)
        elif fmt == "%s_errors" and arg.startswith("kvmmem_op_names"):
            keys |= {o + "_errors" for o in ops}
        elif fmt == "errors_%s" and arg.startswith("kvmmem_errnos"):
            pass    # errors_<ERRNO>: checked against errnos.txt below
        elif "%" not in fmt and not arg:
            keys.add(fmt)
        else:
            problems.append(f"kvmmem_stats_init(): cannot read the key of "
                            f"kvmmem_stat_add(\"{fmt}\", {arg})")
    if not ctrs or not ops or not counted or not body or not init:
        problems.append("cannot find the counters in kernel/kvmmem_main.c")
    doc_keys = set()
    for r in md_tables(sec, "Counters (sysfs and debugfs)") or [
            [c.strip() for c in l.strip().strip("|").split("|")]
            for l in sec.splitlines() if l.startswith("|")]:
        if r[0] != "key" and not set(r[0]) <= set("-: "):
            doc_keys |= set(ticks(r[0]))
    doc_keys.discard("errors_<ERRNO>")
    keys.discard("errors_other")
    if "errors_other" not in sec:
        problems.append("errors_other is not in abi.md's counters")
    for k in sorted(keys - doc_keys):
        problems.append(f"stats key {k} is not in abi.md's counters table")
    for k in sorted(doc_keys - keys):
        problems.append(f"abi.md's counters table has {k}, which stats does not print")
    ioctl = {e for (f, cs, e, _) in lst if f == "kvmmem_main.c"
             and cs & {"MAP", "UNMAP", "any"}}
    for e in sorted(ioctl - counted):
        problems.append(f"{e} (an ioctl errno of kernel/errnos.txt) has no errors_{e} counter")
    for e in sorted(counted - ioctl):
        problems.append(f"errors_{e} counts an errno no ioctl returns (kernel/errnos.txt)")
    for fn, first in (("kvmmem_files_show", "file"), ("kvmmem_leaked_show", "id")):
        b = func_body(src, fn)
        # the header: its seq_puts() strings, and the counter names
        # where a loop prints kvmmem_ctr_names[] between them
        head = b.split("_lock(")[0]
        parts = re.findall(r"seq_puts\(s,\s*\"([^\"]*)\"|(kvmmem_ctr_names\[)", head)
        cols = []
        for text, names in parts:
            cols += ctrs if names else text.replace("\\n", " ").split()
        m = re.search(r"`(" + first + r" tgid [^`]*)`", sec)
        documented = m.group(1).split() if m else []
        if cols != documented:
            problems.append(f"{fn}'s columns are '{' '.join(cols)}', abi.md says '{' '.join(documented)}'")
    case("abi/stats", problems)


def check_sysfs():
    src = strip_c_comments(read("kernel/kvmmem_main.c"))
    made = set(re.findall(r"DEVICE_ATTR_\w+\((\w+)\)", src))
    # named attribute groups are directories (stats/)
    made |= set(re.findall(r"struct attribute_group \w+ = \{[^}]*\.name\s*=\s*\"(\w+)\"",
                           src))
    documented = set(re.findall(r"/sys/class/misc/kvmmem/(\w+)", read("docs/abi.md")))
    problems = [f"{n} is created, not in abi.md" for n in sorted(made - documented)]
    problems += [f"{n} is in abi.md, not created" for n in sorted(documented - made)]
    case("abi/sysfs", problems)


check_params()
lst = errno_list()
check_stats(lst)
check_sysfs()
check_errnos(lst)
check_errnos_code(lst)
check_debugfs()
sys.exit(0 if all(results) else 1)
