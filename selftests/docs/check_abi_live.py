#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check_abi_live.py TOP - run in the guest with kvmmem and kvmmem_hostsim
loaded: the files docs/abi.md and docs/hostsim.md name are the files the
running modules make, and nothing more:

  abi/live/debugfs_kvmmem   /sys/kernel/debug/kvmmem/ against the files
                            abi.md names there (stats, files, leaked)
  abi/live/debugfs_hostsim  /sys/kernel/debug/kvmmem_hostsim/ against
                            hostsim.md's fault-injection table
  abi/live/parameters       /sys/module/{kvmmem,kvmmem_hostsim}/parameters/
                            against abi.md's module parameter table, with
                            each file's mode and value (the default)
  abi/live/stats_keys       the keys of debugfs kvmmem/stats against
                            abi.md's counter table (errors_<ERRNO> rows
                            against the errno names they list)
  abi/live/backend          /sys/class/misc/kvmmem/backend holds one of
                            the names abi.md gives
  abi/live/sysfs_stats      /sys/class/misc/kvmmem/stats/ against the
                            same table (all but backend), the keys of
                            debugfs stats and their values; each file 0444

One line per case, "name: ok" or "name: FAIL why"; exit 1 on a failure.
check_abi.py checks the same pages against the source and modinfo on
the build machine; this one against what the kernel really shows.
"""
import os
import re
import stat
import sys

TOP = sys.argv[1]
DEBUGFS = "/sys/kernel/debug"
failed = 0


def case(name, problems):
    global failed
    if problems:
        failed += 1
        print(f"{name}: FAIL " + "; ".join(problems))
    else:
        print(f"{name}: ok")


def doc(rel):
    with open(os.path.join(TOP, rel)) as f:
        return f.read()


def table_rows(text, heading):
    """The rows (lists of cells) of the first table after ## heading."""
    at = text.index("## " + heading)
    rows = []
    for line in text[at:].splitlines()[1:]:
        if line.startswith("## "):
            break
        if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            rows.append([c.strip() for c in line.strip("|").split("|")])
        elif rows and not line.startswith("|"):
            break
    return rows[1:]  # without the header row


def ticks(cell):
    return re.findall(r"`([^`]+)`", cell)


def compare(what, documented, found):
    problems = []
    for name in sorted(documented - found):
        problems.append(f"{what}: {name} is documented but does not exist")
    for name in sorted(found - documented):
        problems.append(f"{what}: {name} exists but is not documented")
    return problems


abi = doc("docs/abi.md")
hostsim = doc("docs/hostsim.md")

# debugfs kvmmem/: every file abi.md names under it
names = set(re.findall(r"/sys/kernel/debug/kvmmem/(\w+)", abi))
case("abi/live/debugfs_kvmmem",
     compare("debugfs kvmmem", names, set(os.listdir(f"{DEBUGFS}/kvmmem"))))

# debugfs kvmmem_hostsim/: hostsim.md's table
names = {ticks(r[0])[0] for r in table_rows(hostsim,
                                            "Fault injection and latency (debugfs)")}
case("abi/live/debugfs_hostsim",
     compare("debugfs kvmmem_hostsim", names,
             set(os.listdir(f"{DEBUGFS}/kvmmem_hostsim"))))

# module parameters: name, mode, default value
problems = []
params = {}
for r in table_rows(abi, "Module parameters"):
    mod, param, _type, default, mode = (ticks(r[0])[0], ticks(r[1])[0],
                                        r[2], r[3], r[4])
    params.setdefault(mod, {})[param] = (default, mode)
for mod, documented in params.items():
    d = f"/sys/module/{mod}/parameters"
    problems += compare(f"{mod} parameters", set(documented), set(os.listdir(d)))
    for param, (default, mode) in documented.items():
        path = f"{d}/{param}"
        if not os.path.exists(path):
            continue
        m = stat.S_IMODE(os.stat(path).st_mode)
        if f"{m:04o}" != mode:
            problems.append(f"{mod}.{param}: mode {m:04o}, documented {mode}")
        with open(path) as f:
            value = f.read().strip()
        if value != default:
            problems.append(f"{mod}.{param}: value {value}, documented "
                            f"default {default} (run this on freshly loaded "
                            f"modules)")
case("abi/live/parameters", problems)

# stats keys
documented, errno_names = set(), set()
for r in table_rows(abi, "Counters (sysfs and debugfs)"):
    keys = ticks(r[0])
    if keys == ["errors_<ERRNO>"]:
        errno_names = {k for k in ticks(r[1]) if k.startswith("errors_")}
        continue
    documented.update(keys)
with open(f"{DEBUGFS}/kvmmem/stats") as f:
    found = {line.split()[0] for line in f if line.strip()}
errno_found = {k for k in found if k.startswith("errors_")}
problems = compare("stats", documented, found - errno_found)
# the row lists examples ("errors_EINVAL, ..., errors_EDQUOT"): each one
# it names must exist; the full list is checked against kernel/errnos.txt
# by check_abi.py
for name in sorted(errno_names - errno_found):
    problems.append(f"stats: {name} is documented but does not exist")
if not errno_found:
    problems.append("stats: no errors_<ERRNO> key at all")
case("abi/live/stats_keys", problems)

# the sysfs counters: the same table but backend, the same keys and
# values as debugfs stats (the modules are idle while this runs), 0444
SYSFS = "/sys/class/misc/kvmmem"
problems = []
with open(f"{DEBUGFS}/kvmmem/stats") as f:
    values = dict(line.split(None, 1) for line in f if line.strip())
try:
    sysfs = set(os.listdir(f"{SYSFS}/stats"))
except OSError as e:
    sysfs = set()
    problems.append(f"{SYSFS}/stats: {e.strerror}")
sys_errno = {k for k in sysfs if k.startswith("errors_")}
problems += compare("sysfs stats", documented - {"backend"}, sysfs - sys_errno)
for name in sorted(errno_names - sys_errno):
    problems.append(f"sysfs stats: {name} is documented but does not exist")
problems += compare("sysfs stats against debugfs stats",
                    set(values) - {"backend"}, sysfs)
for name in sorted(sysfs):
    path = f"{SYSFS}/stats/{name}"
    m = stat.S_IMODE(os.stat(path).st_mode)
    if m != 0o444:
        problems.append(f"{path}: mode {m:04o}, documented 0444")
    with open(path) as f:
        value = f.read()
    if name in values and value.strip() != values[name].strip():
        problems.append(f"{name}: sysfs {value.strip()}, debugfs "
                        f"{values[name].strip()}")
case("abi/live/sysfs_stats", problems)

# the active backend
m = re.search(r"/sys/class/misc/kvmmem/backend` \(([^)]*)\)", abi)
names = set(ticks(m.group(1))) if m else set()
with open("/sys/class/misc/kvmmem/backend") as f:
    value = f.read().strip()
case("abi/live/backend",
     [] if value in names else
     [f"backend is '{value}', abi.md names {sorted(names) or 'none'}"])

sys.exit(1 if failed else 0)
