#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check_reader.py KVMMEM_TRACE FILE...: for each recording, and for
damaged copies of the first complete one, the independent reader (ktr.py,
from docs/trace-format.md alone) and `kvmmem-trace dump --json` must agree:
the same verdict (complete: exit 0, incomplete: exit 3, error: exit 1), the
message of docs/trace-format.md's damage table for that row, and, event for
event, the same time, process, thread, CPU, comm, kind name, result and
field values. One line per case: "docs/reader_<what>: ok" or "... FAIL why".
"""

import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktr  # noqa: E402

EXIT = {'complete': 0, 'incomplete': 3, 'error': 1}
# the words of the damage table's "reader" column, per verdict message
PHRASES = ('damaged data', 'no end marker', 'cut short',
           'its last chunk is lost',
           'empty file', 'truncated header', 'not a kvmmem-trace recording',
           'format version', 'corrupt')
GENERIC = {'ts_ns', 'time_s', 'pid', 'tid', 'cpu', 'ret', 'latency_ns'}
FAILS = 0


def case(name, why=None):
    global FAILS
    if why:
        FAILS += 1
        print(f'docs/reader_{name}: FAIL {why}')
    else:
        print(f'docs/reader_{name}: ok')


def dump(tool, path):
    p = subprocess.run([tool, 'dump', '--json', path], capture_output=True,
                       text=True, errors='replace')
    events = []
    for line in p.stdout.splitlines():
        events.append(json.loads(line))
    return p.returncode, events, p.stderr


def schema_values(rec, e):
    """The raw fields the kind's schema gives a meaning to."""
    fields = [w.split('=', 1)[0] for w in rec.kinds[e['kind']][2:]]
    return sorted(e[f] for f in fields if f in ('id', 'tgid', 'a0', 'a1', 'a2'))


def compare_events(rec, got):
    if len(rec.events) != len(got):
        return f'{len(rec.events)} events by the page, {len(got)} by dump'
    for i, (e, j) in enumerate(zip(rec.events, got)):
        want = (e['ts'], e['pid'], e['tid'], e['cpu'], e['comm'],
                ktr.kind_name(rec, e['kind']), e['ret'])
        have = (j.get('ts_ns'), j.get('pid'), j.get('tid'), j.get('cpu'),
                j.get('comm'), j.get('event'), j.get('ret'))
        if want != have:
            return f'event {i}: page {want}, dump {have}'
        vals = sorted(v for k, v in j.items()
                      if k not in GENERIC and isinstance(v, int) and
                      not isinstance(v, bool))
        if vals != schema_values(rec, e):
            return (f'event {i} ({want[5]}): schema fields '
                    f'{schema_values(rec, e)}, dump {vals}')
    return None


def check(tool, name, path):
    with open(path, 'rb') as f:
        rec = ktr.read(f.read())
    rc, got, err = dump(tool, path)
    if rc != EXIT[rec.status]:
        return case(name, f'the page says {rec.status} ({rec.msg}), dump '
                    f'exited {rc}: {err.strip()[:200]}')
    if rec.msg:
        phrases = [p for p in PHRASES if p in rec.msg]
        missing = [p for p in phrases if p not in err]
        if missing:
            return case(name, f'dump says {err.strip()[:200]!r}, the table '
                        f'says {missing}')
    why = compare_events(rec, got)
    return case(name, why)


def chunks(data):
    """(offset, length incl. header, type) of each chunk of a good file."""
    (hlen,) = struct.unpack_from('<I', data, 12)
    off, out = hlen, []
    while off < len(data):
        _, ctype, length = struct.unpack_from('<III', data, off)
        out.append((off, 24 + length, ctype))
        off += 24 + length
    return hlen, out


def damaged(data):
    """(name, bytes) of one damaged copy per row of the damage table."""
    hlen, ch = chunks(data)
    last = ch[-1][0]
    ev = [c for c in ch if c[2] == ktr.T_EVENTS and c[1] > 24]
    out = [('empty', b''),
           ('cut_in_header', data[:hlen // 2]),
           ('not_a_recording', b'XVMMTRC\0' + data[8:]),
           ('another_version', data[:8] + struct.pack('<I', 3) + data[12:]),
           ('header_byte_flipped', data[:20] + bytes([data[20] ^ 1]) + data[21:]),
           ('no_end_chunk', data[:last]),
           ('last_chunk_cut', data[:last] + data[last:last + 10]),
           ('zero_filled_tail', data[:last] + bytes(4096)),
           ('data_after_end', data + data[ch[0][0]:ch[0][0] + ch[0][1]])]
    if ev:
        o = ev[0][0] + 24 + 7
        out.append(('event_byte_flipped', data[:o] + bytes([data[o] ^ 1]) +
                    data[o + 1:]))
        o = ev[0][0] + 5
        out.append(('chunk_header_byte_flipped', data[:o] +
                    bytes([data[o] ^ 1]) + data[o + 1:]))
    o = ch[0][0]
    out.append(('garbage_tail', data[:o] + b'\xab' * (len(data) - o)))
    return out


def main(argv):
    tool, files = argv[1], argv[2:]
    good = None
    for path in files:
        name = os.path.basename(path).replace('.ktr', '').replace('-', '_')
        check(tool, name, path)
        if good is None:
            with open(path, 'rb') as f:
                data = f.read()
            if ktr.read(data).status == 'complete':
                good = (name, data)
    if good is None:
        case('damage_table', 'no complete recording to damage')
    else:
        with tempfile.TemporaryDirectory() as tmp:
            for what, data in damaged(good[1]):
                p = os.path.join(tmp, what + '.ktr')
                with open(p, 'wb') as f:
                    f.write(data)
                check(tool, f'{good[0]}_{what}', p)
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
