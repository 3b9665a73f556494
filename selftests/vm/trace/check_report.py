#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""check_report.py - compare a kvmmem-trace report with what the workload
and the driver counted. Prints nothing and exits 0 when everything is
equal; otherwise one line per difference, exit 1.

Usage: check_report.py REPORT.json STRESS.out STATS.before STATS.after
       [--attach tp_btf|raw_tp] [--expect-leaks N] [--killed]
"""
import json
import re
import sys


def stats(path):
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and re.fullmatch(r'-?\d+', parts[1]):
                out[parts[0]] = int(parts[1])
    return out


def stress(path):
    """The counts kvmmem-ctl stress printed."""
    text = open(path).read()

    def num(label):
        m = re.search(r'^\s+' + label + r'\s+(\d+)', text, re.M)
        if not m:
            raise SystemExit(f'stress output has no "{label}" line')
        return int(m.group(1))
    errors = {}
    m = re.search(r'^\s+errors\s+(.*)$', text, re.M)
    if m and m.group(1).strip() != 'none':
        words = m.group(1).split()
        errors = {words[i]: int(words[i + 1]) for i in range(0, len(words), 2)}
    return {'maps': num('maps ok'), 'unmaps': num('unmaps ok'),
            'left': num('left to teardown'), 'errors': errors,
            'ok': bool(re.search(r'^stress: ok$', text, re.M))}


def main():
    args = sys.argv[1:]
    attach, expect_leaks, killed = None, 0, False
    if '--attach' in args:
        i = args.index('--attach')
        attach = args[i + 1]
        del args[i:i + 2]
    if '--expect-leaks' in args:
        i = args.index('--expect-leaks')
        expect_leaks = int(args[i + 1])
        del args[i:i + 2]
    if '--killed' in args:
        args.remove('--killed')
        killed = True
    rep = json.load(open(args[0]))
    st = stress(args[1])
    before, after = stats(args[2]), stats(args[3])
    delta = {k: after[k] - before.get(k, 0) for k in after}
    t = rep['totals']
    ops = {o['op']: o for o in rep['operations']}
    bad = []

    def eq(what, got, want):
        if got != want:
            bad.append(f'{what}: report {got}, expected {want}')

    eq('stress reported ok', st['ok'], True)
    eq('recording complete', rep['complete'], True)
    eq('drops', rep['drops'], 0)
    if attach:
        eq('attach', rep['header']['attach'], attach)
    # maps
    eq('maps vs stress', t['maps'], st['maps'])
    eq('maps vs driver', t['maps'], delta['maps'])
    eq('map errors vs driver', t['map_errors'], delta['map_errors'])
    # unmaps and their errors
    eq('unmaps vs stress', t['unmaps'], st['unmaps'])
    eq('unmaps vs driver', t['unmaps'], delta['unmaps'])
    eq('unmap errors vs driver', t['unmap_errors'], delta['unmap_errors'])
    # errors by errno: the report's map/unmap results against stress's
    got = {}
    for op in ('map', 'unmap'):
        for name, n in ops[op]['results'].items():
            if name != 'ok':
                got[name] = got.get(name, 0) + n
    eq('errors by errno vs stress', got, st['errors'])
    for name, n in got.items():
        eq(f'errors_{name} vs driver', n, delta.get(f'errors_{name}'))
    eq('errors total', t['errors'], sum(st['errors'].values()) +
       t['teardown_unmap_errors'])
    # teardown
    teardown_leaks = expect_leaks - t['unmap_errors']
    eq('teardown unmaps vs stress', t['teardown_unmaps'], st['left'] - teardown_leaks)
    eq('teardown unmaps vs driver', t['teardown_unmaps'], delta['teardown_unmaps'])
    eq('teardowns (files) vs driver', t['teardowns'], delta['teardowns'])
    # leaks
    eq('leaked pages vs workload', t['leaked_pages'], expect_leaks)
    eq('leaked pages vs driver', t['leaked_pages'], delta['leaked_pages'])
    for leak in rep['leaks']['leaked_pages']:
        eq('leaked page comm', leak['comm'], 'kvmmem-ctl')
        if not leak['gva'] or not leak['pid'] or leak['age_ns'] is None:
            bad.append(f'leaked page without gva, pid or age: {leak}')
    eq('live at end', t['live_at_end'], 0)
    eq('orphaned', t['orphaned'], 0)
    # lifetimes: every mapping made was released (or leaked)
    eq('lifetimes', rep['lifetime']['count'],
       t['unmaps'] + t['teardown_unmaps'])
    # hypercalls: one MEM_MAP per map, one MEM_UNMAP per release attempt
    eq('MEM_MAP hypercalls', ops['hypercall:MEM_MAP']['count'], t['maps'])
    eq('MEM_UNMAP hypercalls', ops['hypercall:MEM_UNMAP']['count'],
       t['unmaps'] + t['unmap_errors'] + t['teardown_unmaps'] +
       t['teardown_unmap_errors'])
    if ops['hypercall:MEM_MAP']['latency']['count'] != t['maps']:
        bad.append('MEM_MAP latencies: not one per hypercall')
    # per process: the sum over processes is the total
    procs = rep['processes']
    eq('per-process maps', sum(p['maps'] for p in procs), t['maps'])
    eq('per-process teardown unmaps', sum(p['teardown_unmaps'] for p in procs),
       t['teardown_unmaps'])
    if killed:
        eq('killed: all torn down', t['teardown_unmaps'], t['maps'])
    for line in bad:
        print(line)
    return 1 if bad else 0


sys.exit(main())
