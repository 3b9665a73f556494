#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check_options.py - docs/tools.md against each tool's --help.

Usage: check_options.py TOP BUILD_DIR

For each tool (kvmmem-ctl, kvmmem-trace, kvmmem-top) the options are
read from `TOOL --help` and from `TOOL COMMAND --help` for every command
its --help lists (a line indented two spaces under a line ending in
"commands:", any case, whose first word answers `TOOL WORD --help` with
"Usage: TOOL WORD"). Nothing here names an option: a new one shows up by
itself.

What tools.md documents for a tool: the options written in code (inline
`...` and fenced blocks) in the tool's section (`## TOOL ...` down to the
next `## `), leaving out code that runs another program (`trace-cmd
record -e ...`, `... | python3 -m json.tool`, the command after `--`),
plus the rows of the option table of "One command-line language" whose
column for the tool is not empty. Its commands: the first word of the
first column of the tables headed "command" in its section.

Cases, per tool:
  docs/options/TOOL/help-in-docs     every option and command of the
                                     --help pages is documented
  docs/options/TOOL/docs-in-help     every option and command documented
                                     is in a --help page, except the old
                                     spellings (below)
  docs/options/old-spellings         each row of the table under "Old
                                     spellings": a "kept" one is still
                                     accepted, a "gone" one refused, any
                                     other is in --help (its new meaning)

  docs/options/TOOL/per-command      every option of `TOOL C --help` is
                                     documented where C is (see
                                     per_command()), and the option
                                     table gives C no option C lacks

  docs/options/TOOL/man               once a man page TOOL.1 (or TOOL.1.md,
                                     ...) is tracked: every option and
                                     command of the --help pages is in it

Limits: "where C is" is a paragraph or table row that names C, so an
option written in a paragraph that names two commands counts for both;
the table's rows are the only per-command claims checked in the other
direction; an option written only in prose, outside code, does not
count.
"""
import os
import re
import subprocess
import sys

TOP, BUILD = sys.argv[1], os.path.abspath(sys.argv[2])
TOOLS = ("kvmmem-ctl", "kvmmem-trace", "kvmmem-top")
OPT_RE = re.compile(r"(?<![\w\-/.])(--[a-z][a-z0-9-]*|-[A-Za-z](?![\w])|-\?(?!\w))")
ok = True
PER_CMD = {}  # tool -> {command ("" for the tool's own --help): options}
STANDARD = {"-?", "--help", "--usage", "-V", "--version"}


def case(name, problems):
    global ok
    if problems:
        ok = False
        print(f"docs/options/{name}: FAIL {'; '.join(problems)}")
    else:
        print(f"docs/options/{name}: ok")


def run(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10,
                           stdin=subprocess.DEVNULL, cwd="/tmp")
        return p.returncode, p.stdout, p.stderr
    except (OSError, subprocess.TimeoutExpired) as e:
        return -1, "", str(e)


def help_options(text):
    """Options of an argp --help page: its lines '  -x, --long=ARG  ...'."""
    opts = set()
    for line in text.splitlines():
        m = re.match(r"^\s{2,}(-.*?)(?:\s{2,}|$)", line)
        if not m or not re.match(r"^\s{2,}-", line):
            continue
        for spec in m.group(1).split(","):
            spec = spec.strip().split("=")[0].split("[")[0].split()[0] if spec.strip() else ""
            if re.fullmatch(r"--[a-z][a-z0-9-]*|-[A-Za-z?]", spec):
                opts.add(spec)
    return opts


def help_commands(tool, text):
    cmds, listing = [], False
    for line in text.splitlines():
        if re.search(r"commands:\s*$", line, re.I):
            listing = True
            continue
        if listing:
            if not line.strip():
                if cmds:
                    listing = False
                continue
            m = re.match(r"^  ([a-z][a-z0-9-]*)\b", line)
            if m:
                cmds.append(m.group(1))
    real = []
    for c in cmds:
        rc, out, _ = run([os.path.join(BUILD, tool), c, "--help"])
        if rc == 0 and out.startswith(f"Usage: {tool} {c}"):
            real.append(c)
    return real


def tool_help(tool):
    """({option: [where]}, [commands], problems)"""
    path = os.path.join(BUILD, tool)
    rc, out, err = run([path, "--help"])
    if rc != 0:
        return {}, [], [f"{path} --help exited {rc} ({err.strip()[:80]}; make?)"]
    opts = {o: ["--help"] for o in help_options(out)}
    cmds = help_commands(tool, out)
    PER_CMD[tool] = {"": help_options(out)}
    for c in cmds:
        _, sub, _ = run([path, c, "--help"])
        PER_CMD[tool][c] = help_options(sub)
        for o in help_options(sub):
            opts.setdefault(o, []).append(f"{c} --help")
    return opts, cmds, []


# ------------------------------------------------------------------ docs
with open(os.path.join(TOP, "docs/tools.md"), encoding="utf-8") as f:
    DOC = f.read()


def sections():
    """{heading: text} of the '## ' sections."""
    res, cur = {}, None
    for line in DOC.splitlines():
        if line.startswith("## "):
            cur = line[3:].strip()
            res[cur] = []
        elif cur:
            res[cur].append(line)
    return {k: "\n".join(v) for k, v in res.items()}


def code_spans(text):
    """Inline code and the lines of fenced blocks."""
    spans, fenced = [], False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            spans.append(line.split("#")[0])
        else:
            spans += re.findall(r"`([^`]+)`", line)
    return spans


def span_options(span, tool, cmds):
    """Options of a code span, leaving out what other programs are given."""
    opts = set()
    for seg in re.split(r"\s--\s|\||;|&&|\$\(", span):
        words = seg.split()
        if not words:
            continue
        first = words[0]
        if not (first.startswith("-") or first == tool or first in cmds
                or first.isupper() or first.startswith("[")):
            continue
        opts |= set(OPT_RE.findall(seg))
    return opts


def tables(text):
    """Tables as (header cells, rows of cells)."""
    out, cur = [], None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cur is None:
                cur = (cells, [])
                out.append(cur)
            elif not set("".join(cells)) <= set("-: "):
                cur[1].append(cells)
        else:
            cur = None
    return out


def doc_for(tool, cmds, secs):
    opts, doc_cmds = set(), set()
    body = "\n".join(v for k, v in secs.items() if k.split()[0] == tool)
    if not body:
        return None, None
    old = secs.get("Old spellings", "")
    for span in code_spans(body):
        opts |= span_options(span, tool, cmds)
    for head, rows in tables(body):
        if head and head[0] == "command":
            for r in rows:
                w = re.findall(r"`([^`]+)`", r[0])
                if w and re.match(r"[a-z]", w[0]):
                    doc_cmds.add(w[0].split()[0])
    for head, rows in tables(secs.get("One command-line language", "")):
        if tool in head:
            col = head.index(tool)
            for r in rows:
                if col < len(r) and r[col]:
                    opts |= set(OPT_RE.findall(" ".join(re.findall(r"`([^`]+)`", r[0]))))
    return opts, doc_cmds, old


def blocks(text):
    """Paragraphs, and each table row on its own."""
    out = []
    for para in re.split(r"\n\s*\n", text):
        if para.lstrip().startswith("|"):
            out += [line for line in para.splitlines() if line.startswith("|")]
        else:
            out.append(para)
    return out


def per_command(tool, cmds, secs):
    """Problems: options of `TOOL C --help` not documented where C is.

    Where C is: the blocks of the tool's section that name it (`C ...`
    in code, or C in a list such as "(live and record)"), and the rows
    of the option table whose column for the tool names C (outside
    parentheses), or names no command at all (then the row is for all
    of them). Conversely, a row
    that names C must only hold options `C --help` has ("live": the
    tool's own --help)."""
    body = "\n".join(v for k, v in secs.items() if k.split()[0] == tool)
    lang = tables(secs.get("One command-line language", ""))
    problems = []
    names = {"live": ""} | {c: c for c in cmds}
    for head, rows in lang:
        if tool not in head:
            continue
        col = head.index(tool)
        for r in rows:
            if col >= len(r):
                continue
            words = set(re.findall(r"[a-z][a-z0-9-]*", re.sub(r"\([^)]*\)", "", r[col])))
            row_opts = set(OPT_RE.findall(" ".join(re.findall(r"`([^`]+)`", r[0]))))
            for w in sorted(words & set(names)):
                lacking = row_opts - PER_CMD[tool].get(names[w], set())
                if lacking:
                    problems.append(f"the option table gives {w} {', '.join(sorted(lacking))}, "
                                    f"not in '{tool} {names[w]} --help'".replace("  ", " "))
    for c in cmds:
        pat = re.compile(r"`" + re.escape(c) + r"\b|[(,] ?" + re.escape(c) +
                         r"\b|\band " + re.escape(c) + r"\b")
        doc = set()
        for b in blocks(body):
            if pat.search(b):
                for span in code_spans(b):
                    doc |= span_options(span, tool, cmds)
        for head, rows in lang:
            if tool not in head:
                continue
            col = head.index(tool)
            for r in rows:
                if col >= len(r) or not r[col]:
                    continue
                words = set(re.findall(r"[a-z][a-z0-9-]*", re.sub(r"\([^)]*\)", "", r[col])))
                if c in words or not words & set(names):
                    doc |= set(OPT_RE.findall(" ".join(re.findall(r"`([^`]+)`", r[0]))))
        lacking = PER_CMD[tool][c] - STANDARD - doc
        if lacking:
            problems.append(f"{c}: {', '.join(sorted(lacking))} not documented where {c} is")
    return problems


def man_pages(tool):
    """Tracked man page sources of tool: TOOL.1, TOOL.1.md, TOOL.1.scd..."""
    out = subprocess.run(["git", "-C", TOP, "ls-files"], capture_output=True,
                         text=True).stdout.split()
    return [f for f in out if re.search(r"(^|/)" + re.escape(tool) + r"\.1(\.\w+)?$", f)]


def man_problems(tool, page, opts, cmds):
    with open(os.path.join(TOP, page), encoding="utf-8", errors="replace") as f:
        text = f.read()
    # roff: \- is a minus, \fB...\fR fonts; markdown and scdoc: as is
    text = re.sub(r"\\f[BIRP]|\\f\(\w\w|\\&", "", text).replace("\\-", "-")
    found = set(OPT_RE.findall(text))
    missing = [o for o in sorted(opts) if o not in found]
    missing += [f"command {c}" for c in cmds if not re.search(r"\b" + re.escape(c) + r"\b", text)]
    return [f"not in {page}: {', '.join(missing)}"] if missing else []


def old_spellings(secs):
    """Rows (tool, command or None, [spellings], state) of the table."""
    rows = []
    for head, body in tables(secs.get("Old spellings", "")):
        for r in body:
            words = r[0].replace("`", "").split()
            spell = OPT_RE.findall(" ".join(re.findall(r"`([^`]+)`", r[1])))
            state = r[2].split(":")[0].split()[0].lower() if r[2] else ""
            rows.append((words[0], words[1] if len(words) > 1 else None, spell, state))
    return rows


def accepted(tool, cmd, opt):
    argv = [os.path.join(BUILD, tool)] + ([cmd] if cmd else []) + [opt, "--usage"]
    rc, out, err = run(argv)
    return not re.search(r"invalid option|unrecognized option", err), rc, err


secs = sections()
helps = {}
old_rows = old_spellings(secs)
old_opts = {(t, o) for (t, _, spells, _) in old_rows for o in spells}
for tool in TOOLS:
    opts, cmds, problems = tool_help(tool)
    helps[tool] = opts
    documented, doc_cmds, _ = doc_for(tool, cmds, secs)
    if documented is None:
        case(f"{tool}/help-in-docs", [f"no '## {tool}' section in docs/tools.md"])
        continue
    missing = [f"{o} ({', '.join(opts[o])})" for o in sorted(opts) if o not in documented]
    missing += [f"command {c}" for c in cmds if c not in doc_cmds]
    case(f"{tool}/help-in-docs",
         problems + ([f"not in docs/tools.md: {', '.join(missing)}"] if missing else []))
    extra = [o for o in sorted(documented) if o not in opts and (tool, o) not in old_opts]
    extra_cmds = [c for c in sorted(doc_cmds) if c not in cmds]
    msg = []
    if extra:
        msg.append(f"documented, in no --help of {tool}: {', '.join(extra)}")
    if extra_cmds:
        msg.append(f"commands documented, not in --help: {', '.join(extra_cmds)}")
    case(f"{tool}/docs-in-help", problems + msg)
    if cmds:
        case(f"{tool}/per-command", per_command(tool, cmds, secs))
    for page in man_pages(tool):
        case(f"{tool}/man", problems + man_problems(tool, page, opts, cmds))

problems = []
if not old_rows:
    problems.append("no table under '## Old spellings' in docs/tools.md")
for tool, cmd, spells, state in old_rows:
    where = f"{tool}{' ' + cmd if cmd else ''}"
    for o in spells:
        if state == "kept":
            yes, rc, err = accepted(tool, cmd, o)
            if not yes:
                problems.append(f"{where} {o} is 'kept' but refused: {err.strip()[:80]}")
        elif state == "gone":
            yes, rc, err = accepted(tool, cmd, o)
            if yes:
                problems.append(f"{where} {o} is 'gone' but accepted (exit {rc})")
        elif o not in helps.get(tool, {}):
            problems.append(f"{where} {o} ({state}) is in no --help of {tool}")
case("old-spellings", problems)
sys.exit(0 if ok else 1)
