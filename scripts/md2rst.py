#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""md2rst.py - the subset of Markdown docs/abi.md uses, as kernel rst.

Usage: md2rst.py IN.md [OLD=NEW ...] > OUT.rst

Headings (#, ##, ###), fenced code blocks, pipe tables (as list-table),
lists and paragraphs; inline `code`, **bold**, *emphasis* and links (a
link to another page of docs/ becomes its text: the kernel has no such
page). Each OLD=NEW rewrites the path OLD inside inline code, for the
files that live elsewhere in the kernel tree (kernel/kvmmem.h ->
drivers/virt/kvmmem/kvmmem.h). Anything else fails loudly, so that a new
construct in docs/abi.md cannot slip into the page unconverted.
"""
import re
import sys

HEADING_CHARS = {1: '=', 2: '=', 3: '-'}


def die(msg):
    sys.exit('md2rst: ' + msg)


def inline(text, paths):
    out = []
    pos = 0
    # `code`, or a [text](target) link; the rest passes through
    for m in re.finditer(r'`([^`]+)`|\[([^\]]+)\]\(([^)]+)\)', text):
        out.append(text[pos:m.start()])
        if m.group(1) is not None:
            code = m.group(1)
            for old, new in paths:
                if code == old or code.startswith(old + ':'):
                    code = new + code[len(old):]
            piece = '``' + code + '``'
        elif re.match(r'https?://', m.group(3)):
            piece = '`%s <%s>`_' % (m.group(2), m.group(3))
        else:
            piece = inline(m.group(2), paths)
        # rst inline markup must end before a space or punctuation
        nxt = text[m.end():m.end() + 1]
        if nxt and (nxt.isalnum() or nxt == '_'):
            piece += '\\ '
        prev = text[m.start() - 1:m.start()] if m.start() else ''
        if prev and (prev.isalnum() or prev == '_'):
            piece = '\\ ' + piece
        out.append(piece)
        pos = m.end()
    out.append(text[pos:])
    return ''.join(out)


def split_row(line):
    if not (line.startswith('|') and line.rstrip().endswith('|')):
        die('table row without its pipes: ' + line)
    cells, cur, code = [], '', False
    for ch in line.strip()[1:-1]:
        if ch == '`':
            code = not code
        if ch == '|' and not code:
            cells.append(cur.strip())
            cur = ''
        else:
            cur += ch
    cells.append(cur.strip())
    return cells


def convert(lines, paths):
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r'(#{1,3}) (.*)$', line)
        if line.startswith('```'):
            lang = line[3:].strip()
            out.append('.. code-block:: %s' % lang if lang else '::')
            out.append('')
            i += 1
            while i < len(lines) and not lines[i].startswith('```'):
                out.append(('   ' + lines[i]).rstrip())
                i += 1
            if i == len(lines):
                die('unterminated code block')
        elif m:
            level = len(m.group(1))
            title = inline(m.group(2), paths)
            bar = HEADING_CHARS[level] * len(title)
            if level == 1:
                out.append(bar)
            out += [title, bar]
        elif line.startswith('|'):
            rows = []
            while i < len(lines) and lines[i].startswith('|'):
                rows.append(split_row(lines[i]))
                i += 1
            i -= 1
            if len(rows) < 2 or not all(re.fullmatch(r':?-+:?', c)
                                        for c in rows[1]):
                die('a table without its header separator')
            ncol = len(rows[0])
            out += ['.. list-table::', '   :header-rows: 1', '']
            for row in [rows[0]] + rows[2:]:
                if len(row) != ncol:
                    die('table row with %d cells, not %d' % (len(row), ncol))
                for j, cell in enumerate(row):
                    lead = '   * - ' if j == 0 else '     - '
                    out.append(lead + inline(cell, paths))
        elif line.startswith('    ') and not out[-1:] == ['']:
            out.append(inline(line, paths))  # continuation of a list item
        elif line.startswith('    '):
            die('indented code block (use a fence): ' + line)
        else:
            out.append(inline(line, paths))
        i += 1
    return out


def main():
    if len(sys.argv) < 2:
        die('usage: md2rst.py IN.md [OLD=NEW ...]')
    paths = [tuple(a.split('=', 1)) for a in sys.argv[2:]]
    with open(sys.argv[1], encoding='utf-8') as f:
        lines = f.read().split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    out = ['.. SPDX-License-Identifier: GPL-2.0', ''] + convert(lines, paths)
    # one blank line at most, none at the end
    text = re.sub(r'\n{3,}', '\n\n', '\n'.join(out)).rstrip('\n') + '\n'
    sys.stdout.write(text)


if __name__ == '__main__':
    main()
