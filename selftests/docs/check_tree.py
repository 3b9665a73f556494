#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check_tree.py - docs/architecture.md's tree table against git ls-files.

Usage: check_tree.py TOP

At directory level, first and second: every directory the table names
(a `path/` in the first column of the table under "## Tree", or the
first two levels of a deeper one such as `kernel/uapi/linux/`) is a
directory of tracked files, and every directory of tracked files at
those levels is in the table. A file the table names (`vmlinux.h`) must
be tracked. Files inside the directories are not checked.
Prints "docs/arch/tree: ok" or "docs/arch/tree: FAIL why".
"""
import os
import re
import subprocess
import sys

TOP = sys.argv[1]
files = subprocess.run(["git", "-C", TOP, "ls-files"], capture_output=True,
                       text=True, check=True).stdout.split()
tracked_dirs = set()
for f in files:
    parts = f.split("/")[:-1]
    for depth in (1, 2):
        if len(parts) >= depth:
            tracked_dirs.add("/".join(parts[:depth]))

with open(os.path.join(TOP, "docs/architecture.md"), encoding="utf-8") as fh:
    text = fh.read()
rows, inside = [], False
for line in text.splitlines():
    if line.startswith("#"):
        inside = line.lstrip("#").strip() == "Tree"
    elif inside and line.startswith("|"):
        rows.append(line.strip().strip("|").split("|")[0].strip())

problems = []
table_dirs, table_files = set(), set()
for cell in rows:
    for path in re.findall(r"`([^`]+)`", cell):
        if path.endswith("/"):
            parts = path.rstrip("/").split("/")
            for depth in (1, 2):
                if len(parts) >= depth:
                    table_dirs.add("/".join(parts[:depth]))
        else:
            table_files.add(path)
if not rows:
    problems.append("no table under '## Tree' in docs/architecture.md")
for d in sorted(table_dirs - tracked_dirs):
    problems.append(f"{d}/ is in the table, but no tracked file is under it")
for d in sorted(tracked_dirs - table_dirs):
    problems.append(f"{d}/ has tracked files, but is not in the table")
for f in sorted(table_files - set(files)):
    problems.append(f"{f} is in the table, but not tracked")
print(f"docs/arch/tree: FAIL {'; '.join(problems)}" if problems else "docs/arch/tree: ok")
sys.exit(1 if problems else 0)
