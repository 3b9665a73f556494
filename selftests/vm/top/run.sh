#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - kvmmem-top end to end, run INSIDE the guest by
# selftests/vm/guest-lane.sh (boot top). One line per case, "name: ok"
# or "name: FAIL why".
#
# The central cases run a workload of known counts (kvmmem-ctl run with
# scripted maps, unmaps, errors and one injected host unmap failure, and
# kvmmem-ctl stress) under kvmmem-top --json and -b, and require the
# numbers to EQUAL the workload's and the driver's. The interactive view
# is driven in tmux (send-keys; capture-pane checked for the rows).
#
# Order matters: the module reload case runs before anything leaks a
# page (a leaked page pins kvmmem for good).
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OUT=${OUT:-$TOP/build}
KTOP=$OUT/kvmmem-top
CTL=$OUT/kvmmem-ctl
MODDIR=${KVMMEM_MODULE_DIR:-$TOP/kernel}
HOSTSIM=/sys/kernel/debug/kvmmem_hostsim
STATS=/sys/kernel/debug/kvmmem/stats
PY=/usr/bin/python3

W=$OUT/top-lane
rm -rf "$W"
mkdir -p "$W"
cd "$W" || exit 1
# FIFOs and the tmux socket cannot live on the 9p share
TMP=$(mktemp -d) || exit 1
TMUX_SOCK=$TMP/tmux.sock
cleanup() {
	local f
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	for f in "$W"/*.pid; do		# holders still sleeping
		[[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

# check NAME COMMAND...: one case from a command's exit status and output.
check() {
	local name=top_$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "$name: ok"
	else
		echo "$name: FAIL $(echo "$out" | tail -n 20 | tr '\n' ' ')"
	fi
}

expect_eq() {	# expect_eq WHAT GOT WANT
	[[ $2 == "$3" ]] || { echo "$1: got '$2', expected '$3'"; return 1; }
}

stat_of() {	# stat_of KEY: the driver's counter
	awk -v k="$1" '$1 == k { print $2 }' "$STATS"
}

# wait_lines FILE N: until FILE has N lines (10 s at most)
wait_lines() {
	local i s=${3:-10}
	for ((i = 0; i < s * 10; i++)); do
		[[ -f $1 && $(wc -l <"$1") -ge $2 ]] && return 0
		sleep 0.1
	done
	echo "$1: fewer than $2 lines after $s s"
	return 1
}

# holder NAME SCRIPT: run kvmmem-ctl run with SCRIPT (its commands, then
# a long sleep) in the background; $NAME.pid holds its pid once every
# command before the sleep answered.
holder() {
	local name=$1 script=$2 n
	n=$(grep -c -v -E '^(#|$)' <<<"$script")
	{ printf '%s\n' "$script"; echo "sleep 600000"; } |
		"$CTL" run >"$name.out" 2>&1 &
	echo $! >"$name.pid"
	# 30 s: in one guest-6.12 run (one vCPU) a holder's second MAP had
	# not answered after 10 s, cause not found (a MAP can wait 4 s for a
	# token when 8 are out); on a timeout, say what it waits on
	wait_lines "$name.out" "$n" 30 && return 0
	echo "$name.out:"; sed 's/^/    /' "$name.out"
	echo "hostsim: $(cat "$HOSTSIM"/stats "$HOSTSIM"/fail_*_count \
		"$HOSTSIM"/latency_us 2>/dev/null | tr '\n' ' ')"
	echo "kvmmem-ctl's kernel stack:"; sed 's/^/    /' "/proc/$(cat "$name.pid")/stack"
	return 1
}

# until_json FILE EXPR WANT: until EXPR over FILE's frames is WANT (20 s
# at most). A workload's counts are in kvmmem-top's frames once a frame
# after its end is out: on a loaded machine that can take longer than a
# fixed number of frames lasts.
until_json() {
	local i got
	for ((i = 0; i < 200; i++)); do
		got=$(json "$1" "$2" 2>/dev/null)
		[[ $got == "$3" ]] && return 0
		sleep 0.1
	done
	echo "$2: got '$got', expected '$3' (after 20 s)"
	return 1
}

# stop_top PID: SIGINT, and its exit status must be 0
stop_top() {
	local rc
	kill -INT "$1"
	wait "$1"
	rc=$?
	expect_eq "kvmmem-top exit status after SIGINT" $rc 0
}

json() {	# json FILE EXPR: EXPR over the list of frames F in FILE
	$PY -c "import json,sys
F=[json.loads(l) for l in open(sys.argv[1])]
print($2)" "$1"
}

# ---------------------------------------------------------------- cases

not_root() {
	local out rc
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$KTOP" -b -n 1 2>&1)
	rc=$?
	expect_eq "exit status" $rc 1 || return 1
	[[ $out == *"missing CAP_BPF,CAP_PERFMON:"* ]] || { echo "$out"; return 1; }
	# CAP_BPF alone: the other one is named
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=+bpf --ambient-caps=+bpf "$KTOP" -b -n 1 2>&1)
	rc=$?
	expect_eq "exit status" $rc 1 || return 1
	[[ $out == *"missing CAP_PERFMON:"* ]] || { echo "$out"; return 1; }
}

not_a_terminal() {
	local out rc
	"$KTOP" >not-a-tty.out 2>&1
	rc=$?
	out=$(cat not-a-tty.out)
	expect_eq "exit status" $rc 2 || return 1
	[[ $out == *"not a terminal: use -b"* ]] || { echo "$out"; return 1; }
}

# kvmmem-top holds kvmmem: rmmod fails while it runs and works after;
# reloaded, kvmmem-top attaches to the new module; absent, it says so.
reload() {
	local pid rc out
	# no -n: on a loaded machine a fixed number of frames could end
	# before rmmod is tried; it is stopped with SIGINT instead
	"$KTOP" -b -i 0.5 >reload.txt 2>reload.err &
	pid=$!
	wait_lines reload.txt 4 || { kill "$pid"; return 1; }
	# kvmmem-top does not trace kvmmem_hostsim: that one goes
	rmmod kvmmem_hostsim || { echo "rmmod kvmmem_hostsim failed"; return 1; }
	if rmmod kvmmem 2>rmmod.err; then
		echo "rmmod kvmmem succeeded while kvmmem-top ran"
		return 1
	fi
	grep -q 'in use' rmmod.err || { echo "rmmod said:"; cat rmmod.err; kill "$pid"; return 1; }
	stop_top "$pid" || { cat reload.err; return 1; }
	[[ $(grep -c '^kvmmem-top - ' reload.txt) -ge 1 ]] || { echo "no frame"; return 1; }
	rmmod kvmmem || { echo "rmmod kvmmem failed after kvmmem-top ended"; return 1; }
	out=$("$KTOP" -b -n 1 2>&1)
	rc=$?
	expect_eq "exit status without the module" $rc 1 || return 1
	[[ $out == *"kvmmem module is not loaded"* ]] || { echo "$out"; return 1; }
	insmod "$MODDIR/kvmmem.ko" && insmod "$MODDIR/kvmmem_hostsim.ko" || return 1
	"$KTOP" --json -i 0.5 >reload.jsonl &
	pid=$!
	wait_lines reload.jsonl 1 || { kill "$pid"; return 1; }
	"$CTL" stress -P 1 -m 7 --seed 11 >/dev/null || { kill "$pid"; return 1; }
	until_json reload.jsonl "F[-1]['totals']['maps']" 7 || { kill "$pid"; return 1; }
	stop_top "$pid"
}

# The workload of known counts, watched by kvmmem-top --json.
#   holder: maps 5 pages (+1 EEXIST), UNMAPs 2 (the first fails in the
#   host: a leaked page) and 1 ENOENT, then holds 3 mappings
#   stress: 2 children x 20 maps, 17 UNMAPs, 3 torn down at exit
known_json() {
	local leaked0 pid
	leaked0=$(stat_of leaked_pages)
	"$KTOP" --json -i 0.5 >known.jsonl 2>known.err &
	pid=$!
	wait_lines known.jsonl 1 || { kill "$pid"; return 1; }
	echo 14 >"$HOSTSIM/fail_unmap_error" &&		# KVM_EFAULT
	echo 1 >"$HOSTSIM/fail_unmap_count" || return 1
	holder hold "map 0x1000
map 0x2000
map 0x3000
map 0x4000
map 0x5000
remap 0x3000 = EEXIST
unmap 0x1000 = EFAULT
unmap 0x2000
unmap 0x1000 = ENOENT" || return 1
	"$CTL" stress -P 2 -m 20 --leave 3 --seed 5 >stress.out 2>&1 ||
		{ cat stress.out; kill "$pid"; return 1; }
	# every count in a frame, however long the workload took, and the
	# exited stress children (20 maps each) pruned from it; then stop
	until_json known.jsonl "[F[-1]['totals'][k] for k in ('maps', 'unmaps', 'teardowns', 'errors')] + [sum(p['maps'] == 20 for p in F[-1]['processes'])]" \
		"[45, 35, 6, 3, 0]" || { kill "$pid"; return 1; }
	stop_top "$pid" || { cat known.err; return 1; }
	$PY - known.jsonl "$(cat hold.pid)" "$leaked0" "$(stat_of live_mappings)" \
		"$(stat_of pinned_pages)" <<-'PYEOF'
	import json, sys
	F = [json.loads(l) for l in open(sys.argv[1])]
	holder, leaked0, live, pinned = (int(a) for a in sys.argv[2:])
	bad = []
	def eq(what, got, want):
	    if got != want:
	        bad.append(f'{what}: {got}, expected {want}')
	last = F[-1]
	t = last['totals']
	eq('seq', [f['seq'] for f in F], list(range(1, len(F) + 1)))
	eq('maps', t['maps'], 5 + 40)
	eq('unmaps', t['unmaps'], 1 + 34)
	eq('teardowns', t['teardowns'], 6)
	eq('errors', t['errors'], 3)
	eq('drops', t['drops'], 0)
	eq('leaked', t['leaked'], leaked0 + 1)
	eq('live (the driver\'s)', t['live'], live)
	eq('pinned (the driver\'s)', t['pinned'], pinned)
	# rates x intervals add up to the counts
	for k, want in (('map_s', 45), ('unmap_s', 35 + 6), ('errors_s', 3)):
	    got = sum(f['totals'][k] * f['interval_s'] for f in F)
	    if abs(got - want) > 0.05:
	        bad.append(f'sum of {k} x interval: {got:.3f}, expected {want}')
	# every hypercall counted and timed (from the end tracepoints'
	# timings): MEM_MAP 45 (not the EEXIST one), MEM_UNMAP 2 + 34 + 6
	# teardowns; every ioctl counted (MAP 45 + EEXIST, UNMAP 35 + EFAULT
	# + ENOENT), a sample of them timed
	for op, want in (('MEM_MAP', 45), ('MEM_UNMAP', 42)):
	    calls = sum(f['latency'][op]['calls'] for f in F)
	    timed = sum(f['latency'][op]['timed'] for f in F)
	    eq(f'{op} calls', calls, want)
	    eq(f'{op} timed', timed, want)
	for op, want in (('MAP', 46), ('UNMAP', 37)):
	    calls = sum(f['latency'][op]['calls'] for f in F)
	    timed = sum(f['latency'][op]['timed'] for f in F)
	    eq(f'{op} calls', calls, want)
	    if not 0 < timed <= calls:
	        bad.append(f'{op}: {timed} timed of {calls}')
	rows = {p['pid']: p for p in last['processes']}
	h = rows.get(holder)
	if not h:
	    bad.append(f'no row for the holder {holder}: {sorted(rows)}')
	else:
	    for k, want in (('comm', 'kvmmem-ctl'), ('live', 3), ('pinned', 4),
	                    ('leaked', 1), ('maps', 5), ('unmaps', 1),
	                    ('teardowns', 0), ('errors', 3),
	                    ('oldest_partial', False)):
	        eq(f'holder {k}', h[k], want)
	    if not 0 < h['oldest_age_ns'] < 10e9:
	        bad.append(f'holder oldest_age_ns {h["oldest_age_ns"]}')
	# each stress child shows with its final counts in some frame
	kids = {}
	for f in F:
	    for p in f['processes']:
	        if p['pid'] != holder and p['maps'] == 20:
	            kids[p['pid']] = p
	eq('stress children seen', len(kids), 2)
	for pid, p in kids.items():
	    eq(f'child {pid}', (p['unmaps'], p['teardowns'], p['live'], p['errors']),
	       (17, 3, 0, 0))
	gone = [p for p in last['processes'] if p['pid'] in kids]
	eq('children still shown in the last frame', gone, [])
	sys.exit('; '.join(bad) if bad else 0)
	PYEOF
}

# -b: the holder's row and the header, as text.
known_batch() {
	local pid live pinned
	pid=$(cat hold.pid)
	"$KTOP" -b -i 0.5 -n 2 >batch.txt 2>batch.err || { cat batch.err; return 1; }
	expect_eq frames "$(grep -c '^kvmmem-top - ' batch.txt)" 2 || return 1
	grep -q -E "^Mappings: $(stat_of live_mappings) live, $(stat_of pinned_pages) pinned, $(stat_of leaked_pages) leaked   drops: 0   bpf: cost not counted \(kernel\.bpf_stats_enabled=0\)$" batch.txt ||
		{ echo "header:"; head -4 batch.txt; return 1; }
	grep -q -E '^ +PID COMMAND +LIVE PINNED\* ' batch.txt || { cat batch.txt; return 1; }
	read -r live pinned < <(awk -v p="$pid" '$1 == p { print $3, $4 }' batch.txt | tail -n 1)
	expect_eq "holder live" "$live" 3 && expect_eq "holder pinned" "$pinned" 4 || return 1
	# -p: that row only
	"$KTOP" -b -i 0.3 -n 1 -p "$pid" >pid.txt || return 1
	expect_eq "rows with -p" "$(awk '/^ +PID /{ t = 1; next } t && NF' pid.txt | awk '{ print $1 }' | sort -u | tr '\n' ' ')" "$pid "
}

# Its own in-kernel cost (issue 14 item 5): per second and per program
# run in the header and the JSON while the kernel counts it (one run per
# operation: as many runs as MAP and UNMAP ioctls); said to be not
# counted, with no figures, while kernel.bpf_stats_enabled=0.
bpf_cost() {
	local pid rc=0
	expect_eq "bpf_stats_enabled before" "$(cat /proc/sys/kernel/bpf_stats_enabled)" 0 || return 1
	"$KTOP" --json -i 0.3 -n 1 >cost-off.jsonl || return 1
	expect_eq "json when off" "$(json cost-off.jsonl "F[0]['bpf']")" "{'stats': False}" || return 1
	echo 1 >/proc/sys/kernel/bpf_stats_enabled || return 1
	"$KTOP" --json -i 0.5 >cost.jsonl 2>cost.err &
	pid=$!
	wait_lines cost.jsonl 1 || { kill "$pid"; echo 0 >/proc/sys/kernel/bpf_stats_enabled; return 1; }
	"$CTL" stress -P 1 -m 10 --seed 17 >/dev/null || rc=1
	until_json cost.jsonl "[F[-1]['totals']['maps'], F[-1]['totals']['unmaps'] + F[-1]['totals']['teardowns']]" \
		"[10, 10]" || rc=1
	stop_top "$pid" || rc=1
	"$KTOP" -b -i 0.3 -n 1 >cost.txt 2>&1 || rc=1
	echo 0 >/proc/sys/kernel/bpf_stats_enabled
	((rc == 0)) || { cat cost.err; return 1; }
	grep -q -E '^Mappings: .*   bpf: [0-9.]+ us/s, [0-9]+ ns/run$' cost.txt ||
		{ head -4 cost.txt; return 1; }
	$PY - cost.jsonl <<-'PYEOF'
	import json, sys
	F = [json.loads(l) for l in open(sys.argv[1])]
	b = F[-1]['bpf']
	bad = []
	if not b['stats']:
	    bad.append(f'stats off: {b}')
	# 10 MAPs, their 10 UNMAPs or teardowns: a run each, nothing more
	elif b['runs'] != 20 or b['run_ns'] <= 0:
	    bad.append(f'runs {b["runs"]} (expected 20), run_ns {b["run_ns"]}')
	elif not any(f['bpf']['ns_per_s'] > 0 and f['bpf']['ns_per_run'] > 0 for f in F):
	    bad.append('no frame with a cost per second and per run')
	sys.exit('; '.join(bad) if bad else 0)
	PYEOF
}

# --csv: a header, a line per row per frame with its wall-clock time;
# -d stops it; JSON frames carry the wall-clock time too.
csv_and_time() {
	local pid
	pid=$(cat hold.pid)
	"$KTOP" --csv -i 0.3 -d 0.7 >top.csv 2>csv.err || { cat csv.err; return 1; }
	$PY - top.csv "$pid" <<-'PYEOF' || return 1
	import csv, sys, datetime
	rows = list(csv.DictReader(open(sys.argv[1])))
	mine = [r for r in rows if r['pid'] == sys.argv[2]]
	seqs = sorted({r['seq'] for r in rows})
	if seqs != ['1', '2', '3'] or not mine or mine[-1]['live'] != '3':
	    sys.exit(f'frames {seqs}, holder rows {mine}')
	t = datetime.datetime.strptime(mine[-1]['time'], '%Y-%m-%dT%H:%M:%S.%fZ')
	if abs((datetime.datetime.utcnow() - t).total_seconds()) > 60:
	    sys.exit(f'time {t}')
	PYEOF
	"$KTOP" -j -i 0.3 -n 1 >time.jsonl || return 1
	expect_eq "time fields" "$(json time.jsonl "[isinstance(F[0]['real_ns'], int), F[0]['time'].endswith('Z')]")" "[True, True]"
}

# Mappings made before kvmmem-top started are in their process's row.
before_start() {
	local pid
	holder early "map 0x9000
map 0xa000" || return 1
	pid=$(cat early.pid)
	"$KTOP" --json -i 0.3 -n 1 >early.jsonl || return 1
	expect_eq live "$(json early.jsonl "[p['live'] for p in F[0]['processes'] if p['pid'] == $pid]")" "[2]" &&
	expect_eq partial "$(json early.jsonl "[p['oldest_partial'] for p in F[0]['processes'] if p['pid'] == $pid]")" "[True]"
	kill "$pid"
}

raw_tp() {
	local pid
	"$KTOP" --force-raw-tp --time-all --json -i 0.5 >raw.jsonl &
	pid=$!
	wait_lines raw.jsonl 1 || { kill "$pid"; return 1; }
	"$CTL" stress -P 1 -m 9 --seed 13 >/dev/null || { kill "$pid"; return 1; }
	until_json raw.jsonl "(F[-1]['totals']['maps'], sum(f['latency']['MEM_MAP']['calls'] for f in F))" \
		"(9, 9)" || { kill "$pid"; return 1; }
	stop_top "$pid" || return 1
	expect_eq attach "$(json raw.jsonl "F[-1]['attach']")" raw_tp &&
	expect_eq maps "$(json raw.jsonl "F[-1]['totals']['maps']")" 9 &&
	expect_eq "MEM_MAP calls" "$(json raw.jsonl "sum(f['latency']['MEM_MAP']['calls'] for f in F)")" 9 &&
	expect_eq "MEM_MAP timed" "$(json raw.jsonl "sum(f['latency']['MEM_MAP']['timed'] for f in F)")" 9 &&
	expect_eq "MAP timed (--time-all)" "$(json raw.jsonl "sum(f['latency']['MAP']['timed'] for f in F)")" 9
}

# Where the tp_btf programs fail to load (a test hook breaks them),
# kvmmem-top uses raw_tp on its own, and says so once.
tp_btf_fallback() {
	KVMMEM_TEST_BREAK_TP_BTF=1 "$KTOP" --json -i 0.3 -n 1 >fallback.jsonl \
		2>fallback.err || { cat fallback.err; return 1; }
	expect_eq "fallback notes" "$(grep -c 'tp_btf programs did not load or attach' fallback.err)" 1 &&
	expect_eq "libbpf's lines without -v" "$(grep -c '^libbpf:' fallback.err)" 0 &&
	expect_eq attach "$(json fallback.jsonl "F[-1]['attach']")" raw_tp
}

signal_stops() {
	local pid rc
	"$KTOP" -b -i 0.3 >sig.txt 2>&1 &
	pid=$!
	wait_lines sig.txt 4 || return 1
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	expect_eq "exit status after SIGTERM" $rc 0
}

# ----------------------------------------------------- interactive view

# --stacks while trace_stacks runs its three chains (leak: 2 pages leak
# through injected UNMAP failures; teardown: 3 released by a close;
# clean: 4 UNMAPped): the last JSON frame's only site is the leak chain,
# its functions in order, 2 leaked pages; and the s key shows it
stacks() {
	local pid held prog=$OUT/vm/trace_stacks PANE=sites
	[[ -x $prog ]] || { echo "$prog: not built (make -C selftests/vm)"; return 1; }
	printf 'set -g default-terminal screen\nset -g remain-on-exit on\n' >"$TMP/tmux.conf"
	# its exit status in a file: a second session's pane_dead_status
	# can read empty
	rm -f sites.rc
	tmx -f "$TMP/tmux.conf" new-session -d -s sites -x 160 -y 40 \
		"$KTOP --stacks -i 0.5; echo \$? >$W/sites.rc" || return 1
	"$KTOP" --stacks --json -i 0.5 >stacks.jsonl 2>stacks.err &
	pid=$!
	wait_lines stacks.jsonl 1 || { kill "$pid"; return 1; }
	echo 14 >"$HOSTSIM/fail_unmap_error" &&	# KVM_EFAULT
	echo 2 >"$HOSTSIM/fail_unmap_count" || { kill "$pid"; return 1; }
	# alive after its work until killed (at the end, or by cleanup
	# through stacks.pid): both kvmmem-tops read its maps meanwhile,
	# however slow their samples
	"$prog" wait >stacks.out 2>&1 &
	held=$!
	echo $held >stacks.pid
	wait_lines stacks.out 1 || { kill "$pid"; return 1; }
	grep -q '^done .* leaked 2 clean_failed 0$' stacks.out ||
		{ echo "the program did not leak 2 pages:"; cat stacks.out; kill "$pid"; return 1; }
	until_json stacks.jsonl "sum(s['leaked'] for s in F[-1]['sites'])" 2 ||
		{ kill "$pid"; return 1; }
	stop_top "$pid" || { cat stacks.err; return 1; }
	$PY - stacks.jsonl <<-'PYEOF' || return 1
	import json, sys
	F = [json.loads(l) for l in open(sys.argv[1])]
	last = F[-1]
	sites = last['sites']
	def fail(why):
	    sys.exit(why + ': ' + json.dumps(last.get('sites'), indent=1) +
	             ' stacks ' + json.dumps(last.get('stacks')))
	if not all('sites' in f and 'stacks' in f for f in F):
	    fail('a --stacks frame without sites or stacks')
	if any(last['stacks'].values()):
	    fail('--stacks lost something')
	if len(sites) != 1:
	    fail(f'{len(sites)} sites, expected 1 (the leak chain)')
	s = sites[0]
	if (s['leaked'], s['live'], s['processes']) != (2, 0, 1):
	    fail('leak chain: leaked, live, processes not 2, 0, 1')
	fs = s['frames']
	want = ['leak_inner', 'leak_outer', 'main']
	if [f for f in fs if f in want] != want:
	    fail(f'frames {fs}: not {want} in order')
	if s['site'] != ' <- '.join(fs):
	    fail('site is not its frames joined')
	if any('clean' in f or 'teardown' in f for f in fs):
	    fail('the clean or teardown chain is in a site')
	PYEOF
	tmx send-keys -t sites s
	wait_screen 'LEAKED PROCS +CALL SITE' || return 1
	wait_screen '^ +0 +2 +1 +.*leak_inner <- leak_outer <- main' || return 1
	! screen | grep -q -E 'clean_|teardown_' || { echo "clean chain shown"; screen; return 1; }
	tmx send-keys -t sites s
	wait_screen 'PID COMMAND' || return 1
	tmx send-keys -t sites q
	wait_lines sites.rc 1 || return 1
	expect_eq "the view's exit status" "$(cat sites.rc)" 0 || return 1
	kill "$held" && wait "$held"
	rm stacks.pid
}

# a run without --stacks has neither sites nor stacks (known_json's)
no_stacks_no_sites() {
	[[ -s known.jsonl ]] || { echo "no known.jsonl"; return 1; }
	expect_eq "frames with sites or stacks" \
		"$(json known.jsonl "sum('sites' in f or 'stacks' in f for f in F)")" 0
}

tmx() { tmux -S "$TMUX_SOCK" "$@"; }

# the pane of session $PANE (top unless a case sets it)
screen() { tmx capture-pane -p -t "${PANE:-top}"; }

# wait_screen REGEX: until the pane shows REGEX (10 s at most)
wait_screen() {
	local i
	for ((i = 0; i < 150; i++)); do	# 30 s: TCG on a loaded machine
		screen | grep -E "$1" >/dev/null && return 0
		sleep 0.2
	done
	echo "screen never showed /$1/:"
	screen
	return 1
}

# quit_view SESSION: q, and the view must exit with status 0 (10 s at most)
quit_view() {
	local dead status i
	tmx send-keys -t "$1" q
	for ((i = 0; i < 50; i++)); do
		dead=$(tmx display-message -p -t "$1" '#{pane_dead}')
		[[ $dead == 1 ]] && break
		sleep 0.2
	done
	status=$(tmx display-message -p -t "$1" '#{pane_dead_status}')
	expect_eq "exited on q" "$dead" 1 && expect_eq "exit status" "$status" 0
}

# the pids in the table, in order
table_pids() {
	screen | awk '/^ +PID /{ t = 1; next } t && $1 ~ /^[0-9]+$/ { print $1 }' | tr '\n' ' '
}

# before X Y: the table lists pid X above pid Y
before() {
	local pids
	pids=$(table_pids)
	awk -v x="$1" -v y="$2" '{ for (i = 1; i <= NF; i++) { if ($i == x) px = i;
		if ($i == y) py = i } } END { exit !(px && py && px < py) }' <<<"$pids" ||
		{ echo "not $1 above $2: $pids"; return 1; }
}

interactive() {
	local a b load i
	holder ia "map 0x11000
map 0x12000
map 0x13000" || return 1
	holder ib "map 0x14000" || return 1
	a=$(cat ia.pid)
	b=$(cat ib.pid)
	printf 'set -g default-terminal screen\nset -g remain-on-exit on\n' >"$TMP/tmux.conf"
	tmx -f "$TMP/tmux.conf" new-session -d -s top -x 132 -y 40 \
		"$KTOP -i 0.5" || return 1
	wait_screen 'PINNED\*' || return 1
	wait_screen "^ +$b " || return 1
	before "$a" "$b" || return 1		# default: pinned, most first
	tmx send-keys -t top '<'		# sort by LIVE
	wait_screen 'LIVE\* ' || return 1
	wait_screen 'sort live' || return 1
	tmx send-keys -t top r			# reversed: fewest first
	wait_screen 'sort live \(reversed\)' || return 1
	before "$b" "$a" || return 1
	tmx send-keys -t top p; sleep 0.3
	tmx send-keys -t top "$b" Enter		# filter: b only
	wait_screen "filter pid $b" || return 1
	expect_eq "rows with the filter" "$(table_pids)" "$b " || { screen; return 1; }
	tmx send-keys -t top p; sleep 0.3
	tmx send-keys -t top Enter		# empty: all again
	wait_screen "^ +$a " || return 1
	# histograms of the last interval: keep some calls coming
	(for ((i = 0; ; i++)); do
		"$CTL" stress -P 1 -m 10 --seed $i >/dev/null 2>&1
	done) &
	load=$!
	tmx send-keys -t top h
	wait_screen 'Latency histograms over the last interval' || return 1
	wait_screen 'nsecs +: count +distribution' || return 1
	kill "$load" 2>/dev/null
	wait "$load" 2>/dev/null
	tmx send-keys -t top h
	wait_screen 'PID COMMAND' || return 1
	tmx send-keys -t top s		# without --stacks: says so
	wait_screen 'Call sites: stacks are off \(run kvmmem-top with --stacks\)' || return 1
	tmx send-keys -t top s
	wait_screen 'PID COMMAND' || return 1
	tmx resize-window -t top -x 80 -y 20 || return 1
	wait_screen "^ +$a " || return 1
	[[ $(screen | awk '{ print length }' | sort -n | tail -n 1) -le 80 ]] ||
		{ echo "lines wider than 80 after the resize"; screen; return 1; }
	quit_view top
	kill "$a" "$b"
}

[[ -x $KTOP && -x $CTL ]] || { echo "top_built: FAIL build first"; exit 1; }
command -v tmux >/dev/null || echo "top_tmux_present: FAIL no tmux in the guest"

check not_root_says_so not_root
check not_a_terminal_says_use_b not_a_terminal
check rmmod_refused_while_running_then_reload_works reload
check json_numbers_equal_the_workload known_json
check batch_rows_and_header_equal_the_driver known_batch
check own_bpf_cost_in_header_and_json bpf_cost
check csv_and_wall_clock_time csv_and_time
check mappings_before_start_are_counted before_start
check raw_tp_counts_every_map raw_tp
check tp_btf_load_failure_falls_back_to_raw_tp tp_btf_fallback
check sigterm_ends_batch_cleanly signal_stops
check interactive_sort_filter_histograms_sites_off_resize_quit interactive
check stacks_sites_name_the_leak_chain_json_and_view stacks
check without_stacks_json_has_no_sites no_stacks_no_sites
