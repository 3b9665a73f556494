#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""An independent reader of kvmmem-trace recordings, written from
docs/trace-format.md alone (not from tools/lib): if the page and the C
reader drift apart, this reader and `kvmmem-trace dump --json` disagree
and the docs lane fails.

    ktr.py FILE...     print what the page says each file is, and its events

Used as a module by check_reader.py."""

import struct
import sys
import zlib

MAGIC = b'KVMMTRC\0'
VERSIONS = (1, 2)     # 2: recorded with --stacks (chunks 6-9, key stacks)
CHUNK_MAGIC = 0x4b43544b
CHUNK_HDR = struct.Struct('<IIIIII')         # magic type len count pcrc hcrc
EVENT = struct.Struct('<QIIHHIQQQQq16s')     # struct kt_event, 80 bytes
STATS = struct.Struct('<QQQQ')               # ts events drops reserved
NAME = struct.Struct('<II64s')               # pid reserved name
MAX_PAYLOAD = 4 << 20
T_EVENTS, T_STATS, T_END, T_NAME = 1, 2, 3, 4
REQUIRED = ('clock', 'start_mono_ns', 'event_size', 'nr_kinds')


class Recording:
    """What a reader following the page makes of one file.

    status: 'complete', 'incomplete' (no end chunk, its last chunk cut
    or zero-filled, or damaged chunks skipped: every other chunk is kept)
    or 'error' (the read stops there: what came before it is all there
    is); msg says why, for the last two."""

    def __init__(self):
        self.status = 'error'
        self.msg = ''
        self.header = {}
        self.kinds = {}          # kind number -> schema words
        self.events = []         # dicts of the raw struct fields
        self.stats = []          # (ts, events, drops)
        self.names = {}          # pid -> VMM name
        self.end = None
        self.damage = []         # (offset, bytes skipped, why)
        self.lost_events = 0     # counted by stats chunks, not read


def number(text):
    """A header number: decimal or 0x hex."""
    return int(text, 16) if text.lower().startswith('0x') else int(text)


def read_header(data, rec):
    """The header's length, or None with rec.msg set."""
    if not data:
        rec.msg = 'empty file'
        return None
    if len(data) < 16:
        rec.msg = 'truncated header'
        return None
    if data[:8] != MAGIC:
        rec.msg = 'not a kvmmem-trace recording'
        return None
    version, hlen = struct.unpack_from('<II', data, 8)
    if version not in VERSIONS:
        rec.msg = (f'format version {version}, this reader reads versions '
                   f'1 and 2')
        return None
    if hlen % 8 or not 24 <= hlen <= 65536:
        rec.msg = f'corrupt header length {hlen}'
        return None
    if len(data) < hlen:
        rec.msg = 'truncated header'
        return None
    (crc,) = struct.unpack_from('<I', data, hlen - 4)
    if zlib.crc32(data[:hlen - 4]) != crc:
        rec.msg = 'corrupt header: CRC mismatch'
        return None
    text = data[16:hlen - 4]
    if b'\0' not in text:
        rec.msg = 'corrupt header: no NUL after the text'
        return None
    text = text[:text.index(b'\0')]
    if text.rstrip(b'\0') and not text.endswith(b'\n'):
        rec.msg = 'corrupt header: a line without its newline'
        return None
    for line in text.decode('ascii').split('\n')[:-1]:
        key, sep, value = line.partition('=')   # values may hold '='
        if not sep or not key:
            rec.msg = f'corrupt header line {line!r}'
            return None
        rec.header[key] = value
    for key in REQUIRED:
        if key not in rec.header:
            rec.msg = f'corrupt header: no {key}'
            return None
    if number(rec.header['event_size']) != EVENT.size:
        rec.msg = f'event size {rec.header["event_size"]}, not {EVENT.size}'
        return None
    nr = number(rec.header['nr_kinds'])
    if not 2 <= nr <= 32:
        rec.msg = f'corrupt header: nr_kinds {nr}'
        return None
    for k in range(1, nr):
        schema = rec.header.get(f'kind.{k}')
        if schema is None:
            rec.msg = f'corrupt header: no kind.{k}'
            return None
        rec.kinds[k] = schema.split()
    return hlen


def event_dict(raw):
    (ts, pid, tid, kind, cpu, tgid, eid, a0, a1, a2, ret,
     comm) = EVENT.unpack(raw)
    return {'ts': ts, 'pid': pid, 'tid': tid, 'kind': kind, 'cpu': cpu,
            'tgid': tgid, 'id': eid, 'a0': a0, 'a1': a1, 'a2': a2,
            'ret': ret, 'comm': comm.split(b'\0', 1)[0].decode('latin-1')}


def usable_header(data, off):
    """The chunk header at off if its magic and CRC are right and its
    length within the limit, else None."""
    if len(data) - off < CHUNK_HDR.size:
        return None
    h = CHUNK_HDR.unpack_from(data, off)
    if (h[0] != CHUNK_MAGIC or zlib.crc32(data[off:off + 20]) != h[5] or
            h[2] > MAX_PAYLOAD):
        return None
    return h


def read(data):
    """Read one recording (bytes) the way the page describes."""
    rec = Recording()
    off = read_header(data, rec)
    if off is None:
        return rec
    nr = len(rec.kinds) + 1
    read_events = 0
    while off < len(data):
        left = len(data) - off
        if rec.end is not None:
            return fail(rec, f'corrupt: data after the end chunk at offset {off}')
        if left < CHUNK_HDR.size:
            return cut(rec, left, off)      # cut in a chunk header
        magic, ctype, length, count, pcrc, hcrc = CHUNK_HDR.unpack_from(data, off)
        if magic != CHUNK_MAGIC or zlib.crc32(data[off:off + 20]) != hcrc:
            # look for the next valid chunk header, byte by byte
            nxt = off + 1
            while nxt < len(data) and usable_header(data, nxt) is None:
                nxt += 1
            if nxt >= len(data) or usable_header(data, nxt) is None:
                if not any(data[off:]):
                    return cut(rec, left, off)      # zeros to the end
                return fail(rec, f'corrupt chunk header at offset {off}')
            rec.damage.append((off, nxt - off, 'bad chunk header'))
            off = nxt
            continue
        if length > MAX_PAYLOAD:
            return fail(rec, f'corrupt chunk length {length} at offset {off}')
        if left < CHUNK_HDR.size + length:
            return cut(rec, left, off)      # its payload cut
        payload = data[off + CHUNK_HDR.size:off + CHUNK_HDR.size + length]
        if zlib.crc32(payload) != pcrc:
            # the header is good, so is its length: only this chunk is lost
            rec.damage.append((off, CHUNK_HDR.size + length,
                               'payload CRC mismatch'))
            off += CHUNK_HDR.size + length
            continue
        if ctype == T_EVENTS:
            if length != count * EVENT.size:
                return fail(rec, f'corrupt event count at offset {off}')
            chunk = [event_dict(payload[i * EVENT.size:(i + 1) * EVENT.size])
                     for i in range(count)]
            for e in chunk:
                if not 1 <= e['kind'] < nr:
                    return fail(rec, f'corrupt: event of unknown kind '
                                f'{e["kind"]} at offset {off}')
            rec.events.extend(chunk)
            read_events += count
        elif ctype in (T_STATS, T_END):
            if length != STATS.size or count:
                return fail(rec, f'corrupt stats chunk at offset {off}')
            ts, events, drops, _ = STATS.unpack(payload)
            if events != read_events and (not rec.damage or events < read_events):
                return fail(rec, f'corrupt stats chunk at offset {off}: it '
                            f'counts {events} events, the file has {read_events}')
            rec.lost_events += events - read_events
            read_events = events
            rec.stats.append((ts, events, drops))
            if ctype == T_END:
                rec.end = (ts, events, drops)
        elif ctype == T_NAME:
            if length != NAME.size or count:
                return fail(rec, f'corrupt name chunk at offset {off}')
            pid, _, name = NAME.unpack(payload)
            rec.names[pid] = name.split(b'\0', 1)[0].decode('latin-1')
        # other types: skipped, as the page says readers do
        off += CHUNK_HDR.size + length
    if rec.end is None:
        rec.status = 'incomplete'
        rec.msg = 'no end marker: events after its last flush are lost'
    else:
        rec.status = 'complete'
    return damage(rec)


def damage(rec):
    """A damaged chunk costs only itself: the rest is kept, incomplete."""
    if rec.damage:
        off, length, what = rec.damage[0]
        rec.status = 'incomplete'
        rec.msg = (f'damaged data: {length} bytes at offset {off} ({what}) '
                   f'skipped' + (f'; {rec.msg}' if rec.msg else ''))
    return rec


def cut(rec, left, off):
    rec.status = 'incomplete'
    rec.msg = f'cut short: its last chunk is lost ({left} bytes at offset {off})'
    return damage(rec)


def fail(rec, msg):
    """An error: the read stops. The reader streams, so the events of the
    chunks before it have been handed on (dump printed them)."""
    rec.status = 'error'
    rec.msg = msg
    return rec


def kind_name(rec, kind):
    return rec.kinds[kind][0]


def main(argv):
    for path in argv[1:]:
        with open(path, 'rb') as f:
            rec = read(f.read())
        print(f'{path}: {rec.status}{": " + rec.msg if rec.msg else ""}; '
              f'{len(rec.events)} events')
        for e in rec.events:
            print(f'  {e["ts"]} {e["pid"]}/{e["tid"]} {kind_name(rec, e["kind"])} '
                  f'id={e["id"]} tgid={e["tgid"]} a0={e["a0"]:#x} '
                  f'a1={e["a1"]:#x} a2={e["a2"]:#x} ret={e["ret"]} {e["comm"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
