#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# check_man.py - the man pages stay true: each page of docs/man, as built
# in OUT/man, renders with `groff -ww -z -man` without a warning; every
# option (long and short) in the --help of every tool and of each of its
# commands appears in its page as an option (bold: *--hold*, *-H*); every
# function libkvmmem.h declares is in libkvmmem(3); every errno of
# docs/abi.md's error table is in kvmmem(4).
#
# usage: check_man.py TOP OUT
# Prints one line per case, "docs/man/...: ok" or "docs/man/...: FAIL why";
# exits 1 if a case failed.
import os
import re
import subprocess
import sys

TOP, OUT = sys.argv[1], sys.argv[2]
MAN_SRC = os.path.join(TOP, 'docs', 'man')
failed = 0

# tool -> its commands (each has its own --help); None: the tool itself
TOOLS = {
    'kvmmem-ctl': [None, 'token', 'map', 'read', 'unmap', 'run', 'stress',
                   'stats'],
    'kvmmem-trace': [None, 'record', 'report', 'dump', 'export', 'merge'],
    'kvmmem-top': [None],
}
OPT = re.compile(r'(?<![\w-])(--?[A-Za-z0-9?][\w-]*)')


def case(name, why):
    global failed
    if why:
        failed += 1
        print(f'docs/man/{name}: FAIL {why}')
    else:
        print(f'docs/man/{name}: ok')


def help_options(tool, command):
    argv = [os.path.join(OUT, tool)] + ([command] if command else []) + ['--help']
    out = subprocess.run(argv, capture_output=True, text=True).stdout
    opts = set()
    for line in out.splitlines():
        m = re.match(r'^ {1,8}(-.*)$', line)
        if not m:
            continue
        column = re.split(r'\s{2,}', m.group(1))[0]
        opts.update(OPT.findall(column))
    return opts


def source(page):
    with open(os.path.join(MAN_SRC, page + '.scd')) as f:
        return f.read()


pages = sorted(p[:-4] for p in os.listdir(MAN_SRC) if p.endswith('.scd'))
for page in pages:
    built = os.path.join(OUT, 'man', page)
    if not os.path.exists(built):
        case(f'{page}/built', f'{built} missing (make man)')
        continue
    r = subprocess.run(['groff', '-ww', '-z', '-man', built],
                       capture_output=True, text=True)
    warn = (r.stderr.strip().splitlines() or [''])[0]
    case(f'{page}/renders-without-warning',
         f'groff exit {r.returncode}: {warn}' if r.returncode or r.stderr else '')

for tool, commands in TOOLS.items():
    page = tool + '.8'
    text = source(page)
    for command in commands:
        opts = help_options(tool, command)
        missing = sorted(o for o in opts if f'*{o}*' not in text)
        name = f'{page}/{command or "tool"}-options'
        if not opts:
            case(name, f'no option found in {tool} {command or ""} --help')
        else:
            case(name, f'not in the page: {" ".join(missing)}' if missing else '')

with open(os.path.join(TOP, 'tools', 'lib', 'libkvmmem.h')) as f:
    funcs = set(re.findall(r'^[a-z][\w\s\*]*?\b(kvmmem_\w+)\(', f.read(), re.M))
text = source('libkvmmem.3')
missing = sorted(fn for fn in funcs if f'{fn}(' not in text)
case('libkvmmem.3/every-libkvmmem.h-function',
     f'not in the page: {" ".join(missing)}' if missing else
     ('' if funcs else 'no function found in libkvmmem.h'))

with open(os.path.join(TOP, 'docs', 'abi.md')) as f:
    abi = f.read()
table = abi[abi.index('## Errors'):]
table = table[:table.index('\n\n', table.index('| errno'))]
errnos = set(re.findall(r'`(E[A-Z0-9]+)`', ' '.join(
    line.split('|')[1] for line in table.splitlines() if line.startswith('| `'))))
text = source('kvmmem.4')
missing = sorted(e for e in errnos if f'*{e}*' not in text)
case('kvmmem.4/every-abi.md-errno',
     f'not in the page: {" ".join(missing)}' if missing else
     ('' if errnos else 'no errno found in docs/abi.md'))

sys.exit(1 if failed else 0)
