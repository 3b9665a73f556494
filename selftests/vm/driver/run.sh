#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - driver tests, run INSIDE the guest by selftests/vm/guest-lane.sh.
# Prints one line per case, "name: ok" or "name: FAIL why".
#
#   run.sh driver    behaviour and errno tests, then module unload
#   run.sh leak      injected unmap failures (leaves kvmmem loaded)
#   run.sh backend   started with --no-load: no backend, then hostsim
#   run.sh nonroot   only the non-root cases (also part of driver)
#   run.sh lockdown  sysfs counters against debugfs, then the tools with
#                    debugfs unmounted, as non-root, and under lockdown
#                    integrity, then confidentiality (which cannot be
#                    lowered again: this boot's last cases)
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OUT=${OUT:-$TOP/build}
AWK=$TOP/selftests/lib/criterion-cases.awk
# modules for the backend boot: the debug kernel's are elsewhere
MODDIR=${KVMMEM_MODULE_DIR:-$TOP/kernel}

# criterion BINARY: run a Criterion suite one test at a time, print its cases.
criterion() {
	local tap
	tap=$(mktemp)
	"$OUT/vm/$1" --jobs 1 --ascii --tap="$tap" >/dev/null 2>"$tap.err"
	if [[ ! -s $tap ]]; then
		echo "$1: FAIL no report"
		sed 's/^/    /' "$tap.err"
	fi
	awk -f "$AWK" "$tap"
	rm -f "$tap" "$tap.err"
}

# check NAME COMMAND...: one case from a command's exit status.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "$name: ok"
	else
		echo "$name: FAIL $(echo "$out" | tr '\n' ' ')"
	fi
}

backend_is() {
	local got
	got=$(cat /sys/class/misc/kvmmem/backend)
	[[ $got == "$1" ]] || { echo "backend is $got, expected $1"; return 1; }
}

token_is_hex() {
	local a b
	a=$("$OUT/kvmmem-ctl" token) && b=$("$OUT/kvmmem-ctl" token) || return 1
	[[ $a =~ ^[0-9a-f]{64}$ ]] || { echo "bad token '$a'"; return 1; }
	[[ $a != "$b" ]] || { echo "two tokens are equal"; return 1; }
}

run_script() {
	"$OUT/kvmmem-ctl" run <<-EOF
	map 0x1000
	verify 0x1000
	remap 0x1000 = EEXIST
	child-unmap 0x1000 = EPERM
	unmap 0x1000
	unmap 0x1000 = ENOENT
	unmap-gva 0x1001 = EINVAL
	EOF
}

load_then_backend_is() {
	insmod "$1" && backend_is "$2"
}

unload_then_backend_is() {
	rmmod "$1" && backend_is "$2"
}

unload() {
	rmmod kvmmem_hostsim && rmmod kvmmem &&
		[[ ! -e /dev/kvmmem && ! -e /dev/kvmmem-hostsim ]]
}

# The devices as kernel/60-kvmmem.rules makes them (no udevd in the
# guest, and the shared root's /etc/group is the build machine's: a
# numeric group stands for kvmmem), for a user that is not root.
NONROOT_GID=4242
as_group_devices() {
	chgrp "$NONROOT_GID" /dev/kvmmem /dev/kvmmem-hostsim &&
		chmod 0660 /dev/kvmmem /dev/kvmmem-hostsim
}
as_root_devices() {
	chgrp 0 /dev/kvmmem /dev/kvmmem-hostsim &&
		chmod 0600 /dev/kvmmem /dev/kvmmem-hostsim
}
# as_user GROUP COMMAND...: nobody, no capabilities, in GROUP ("": none)
as_user() {
	local groups=--clear-groups
	[[ -n $1 ]] && groups=--groups=$1
	shift
	setpriv --reuid=65534 --regid=65534 "$groups" --inh-caps=-all \
		--bounding-set=-all "$@"
}

group_member_maps_and_unmaps() {
	local out
	as_group_devices || return 1
	out=$(as_user "$NONROOT_GID" "$OUT/kvmmem-ctl" read 0x1000 --verify --quiet 2>&1)
	local rc=$?
	as_root_devices
	[[ $rc -eq 0 ]] || { echo "exit $rc: $out"; return 1; }
}

group_member_runs_a_script() {
	as_group_devices || return 1
	as_user "$NONROOT_GID" "$OUT/kvmmem-ctl" run <<-EOF
	map 0x2000
	verify 0x2000
	unmap 0x2000
	EOF
	local rc=$?
	as_root_devices
	return $rc
}

not_member_is_told_the_group() {
	local out rc
	as_group_devices || return 1
	out=$(as_user "" "$OUT/kvmmem-ctl" read 0x1000 2>&1)
	rc=$?
	as_root_devices
	[[ $rc -eq 1 && $out == *"EACCES"*"group kvmmem"* ]] ||
		{ echo "exit $rc: $out"; return 1; }
}

nonroot() {
	check nonroot_group_member_maps_and_unmaps group_member_maps_and_unmaps
	check nonroot_group_member_runs_a_script group_member_runs_a_script
	check nonroot_not_member_is_told_the_group not_member_is_told_the_group
}

# compat32: the 32-bit client prints its own cases; no output is a failure.
compat32() {
	local out rc
	out=$("$OUT/vm/compat32" 2>&1)
	rc=$?
	[[ -n $out ]] && echo "$out"
	if [[ $rc -ne 0 ]] && ! grep -q ': FAIL' <<<"$out"; then
		echo "compat32_client: FAIL exited $rc"
	fi
}

# abi_live: check_abi_live.py's cases; a checker that dies (a traceback,
# no FAIL line of its own) is a failure too.
abi_live() {
	local out rc
	out=$(python3 "$TOP/selftests/docs/check_abi_live.py" "$TOP" 2>&1)
	rc=$?
	echo "$out"
	if [[ $rc -ne 0 ]] && ! grep -q ': FAIL' <<<"$out"; then
		echo "abi_live_checker_ran: FAIL exit $rc"
	fi
}

# ---------------------------------------------------------------- lockdown

SYSFS=/sys/class/misc/kvmmem
DEBUGFS=/sys/kernel/debug
DSTATS=$DEBUGFS/kvmmem/stats
LOCKDOWN=/sys/kernel/security/lockdown
LD_DIR=$OUT/driver-lockdown

# sysfs_equals_debugfs: every key of debugfs stats is a sysfs file (the
# backend at the top, the rest in stats/) with the same value, mode 0444,
# and sysfs has no counter debugfs lacks. The counters must not move
# meanwhile (a mapping held, nothing else running).
sysfs_equals_debugfs() {
	local key val got f n=0 d
	d=$(cat "$DSTATS") || return 1
	while read -r key val; do
		if [[ $key == backend ]]; then
			f=$SYSFS/backend
		else
			f=$SYSFS/stats/$key
		fi
		got=$(cat "$f") || { echo "no $f for debugfs key $key"; return 1; }
		[[ $got == "$val" ]] ||
			{ echo "$key: sysfs $got, debugfs $val"; return 1; }
		[[ $(stat -c %a "$f") == 444 ]] ||
			{ echo "$f: mode $(stat -c %a "$f"), not 444"; return 1; }
		n=$((n + 1))
	done <<<"$d"
	for f in "$SYSFS"/stats/*; do
		grep -q "^${f##*/} " <<<"$d" ||
			{ echo "sysfs ${f##*/} is not a key of debugfs stats"; return 1; }
	done
	[[ $n -ge 30 ]] || { echo "only $n keys"; return 1; }
}

sysfs_is() {
	local got
	got=$(cat "$SYSFS/stats/$1") || return 1
	[[ $got == "$2" ]] || { echo "$1 is $got, expected $2"; return 1; }
}

# equal_while_a_mapping_is_held: errors of each kind run_script makes,
# then one mapping held while the two are compared.
equal_while_a_mapping_is_held() {
	local pid rc i e before=()
	local errnos=(EEXIST EPERM ENOENT EINVAL)
	for e in "${errnos[@]}"; do
		before+=("$(cat "$SYSFS/stats/errors_$e")") || return 1
	done
	run_script >/dev/null || { echo "run_script failed"; return 1; }
	for i in "${!errnos[@]}"; do
		sysfs_is "errors_${errnos[i]}" $((before[i] + 1)) || return 1
	done
	"$OUT/kvmmem-ctl" map 0x3000 --hold 60 >"$LD_DIR/hold.out" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[[ $(cat "$SYSFS/stats/live_mappings") == 1 ]] && break
		sleep 0.1
	done
	sysfs_is live_mappings 1 && sysfs_is pinned_pages 1 &&
		sysfs_equals_debugfs
	rc=$?
	kill "$pid"
	wait "$pid"
	sysfs_is live_mappings 0 || rc=1
	return $rc
}

# one_read_counts_one_map_and_one_unmap: the sysfs counters move.
one_read_counts_one_map_and_one_unmap() {
	local maps unmaps
	maps=$(cat "$SYSFS/stats/maps") && unmaps=$(cat "$SYSFS/stats/unmaps") &&
		"$OUT/kvmmem-ctl" read 0x1000 --verify --quiet >/dev/null &&
		sysfs_is maps $((maps + 1)) && sysfs_is unmaps $((unmaps + 1))
}

# stats_says WHO WHY [WHY...]: kvmmem-ctl stats as WHO (root or nobody)
# exits 0 and prints the global counters and backend; its stderr has
# each WHY (nothing if none is given).
stats_says() {
	local who=$1 rc
	shift
	if [[ $who == root ]]; then
		"$OUT/kvmmem-ctl" stats >"$LD_DIR/stats.out" 2>"$LD_DIR/stats.err"
	else
		as_user "" "$OUT/kvmmem-ctl" stats >"$LD_DIR/stats.out" \
			2>"$LD_DIR/stats.err"
	fi
	rc=$?
	[[ $rc -eq 0 ]] || { echo "exit $rc: $(cat "$LD_DIR/stats.err")"; return 1; }
	grep -q "^kvmmem ($SYSFS):" "$LD_DIR/stats.out" &&
		grep -Eq '^  backend +hostsim$' "$LD_DIR/stats.out" &&
		grep -Eq '^  maps +[1-9][0-9]*$' "$LD_DIR/stats.out" &&
		grep -Eq '^  errors_EINVAL +[0-9]+$' "$LD_DIR/stats.out" ||
		{ echo "no global counters: $(cat "$LD_DIR/stats.out")"; return 1; }
	if [[ $# -eq 0 && -s $LD_DIR/stats.err ]]; then
		echo "unexpected stderr: $(cat "$LD_DIR/stats.err")"
		return 1
	fi
	for why; do
		grep -qF -- "$why" "$LD_DIR/stats.err" ||
			{ echo "stderr lacks '$why': $(cat "$LD_DIR/stats.err")"; return 1; }
	done
}

# stats_json_without_debugfs: -j has the counters, and the lists under
# "unavailable" with their reason.
stats_json_without_debugfs() {
	"$OUT/kvmmem-ctl" stats -j >"$LD_DIR/stats.json" 2>/dev/null || return 1
	python3 - "$LD_DIR/stats.json" <<-'PYEOF'
	import json, sys
	j = json.load(open(sys.argv[1]))
	k, u = j['kvmmem'], j.get('unavailable', {})
	ok = (k['backend'] == 'hostsim' and k['maps'] >= 1 and
	      'files' not in j and 'debugfs is not mounted' in u.get('files', '') and
	      'debugfs is not mounted' in u.get('leaked', ''))
	sys.exit(0 if ok else f'bad: {j}')
	PYEOF
}

without_debugfs() {
	umount "$DEBUGFS" || return 1
	stats_says root \
		"per-file list: $DEBUGFS/kvmmem/files: ENOENT (No such file or directory): debugfs is not mounted" \
		"leaked list: $DEBUGFS/kvmmem/leaked: ENOENT (No such file or directory): debugfs is not mounted"
	local rc=$?
	stats_json_without_debugfs || rc=1
	mount -t debugfs debugfs "$DEBUGFS" || rc=1
	return $rc
}

lockdown_is() {
	local got
	got=$(cat "$LOCKDOWN") || return 1
	[[ $got == "$1" ]] || { echo "lockdown is '$got', expected '$1'"; return 1; }
}

raise_lockdown() {
	echo "$1" >"$LOCKDOWN" || return 1
	lockdown_is "$2"
}

# The driver's debugfs files are read-only and have no ioctl or mmap:
# debugfs_locked_down() lets them be read in either mode.
debugfs_readonly_files_readable() {
	cat "$DSTATS" "$DEBUGFS/kvmmem/files" "$DEBUGFS/kvmmem/leaked" \
		"$DEBUGFS/kvmmem_hostsim/stats" >/dev/null
}

# hostsim's fault-injection files are writable: refused, even for reading.
debugfs_writable_files_refused() {
	local out
	if out=$(cat "$DEBUGFS/kvmmem_hostsim/fail_unmap_count" 2>&1); then
		echo "read: $out"
		return 1
	fi
	[[ $out == *"Operation not permitted"* ]] || { echo "read: $out"; return 1; }
	if out=$( (echo 0 >"$DEBUGFS/kvmmem_hostsim/fail_unmap_count") 2>&1); then
		echo "write allowed"
		return 1
	fi
	[[ $out == *"Operation not permitted"* ]] || { echo "write: $out"; return 1; }
}

map_and_unmap_work() {
	run_script >/dev/null && "$OUT/kvmmem-ctl" read 0x1000 --verify --quiet
}

trace_record_works() {
	rm -f "$LD_DIR/$1.ktr"
	"$OUT/kvmmem-trace" record -o "$LD_DIR/$1.ktr" -- \
		"$OUT/kvmmem-ctl" read 0x1000 --quiet >/dev/null || return 1
	"$OUT/kvmmem-trace" report "$LD_DIR/$1.ktr" >"$LD_DIR/$1.txt" || return 1
	grep -q '^Summary: 1 maps, 1 unmaps, 0 teardown unmaps, 0 errors' "$LD_DIR/$1.txt" ||
		{ cat "$LD_DIR/$1.txt"; return 1; }
}

# Under confidentiality the kernel refuses bpf_probe_read_kernel: the
# recording fails, and says lockdown is why.
trace_record_fails_saying_lockdown() {
	local rc
	"$OUT/kvmmem-trace" record -o "$LD_DIR/conf.ktr" -- \
		"$OUT/kvmmem-ctl" read 0x1000 --quiet >/dev/null 2>"$LD_DIR/conf.err"
	rc=$?
	[[ $rc -ne 0 ]] || { echo "record worked"; return 1; }
	grep -qF "kvmmem-trace: the kernel is locked down (confidentiality" "$LD_DIR/conf.err" ||
		{ echo "exit $rc: $(tail -n 3 "$LD_DIR/conf.err")"; return 1; }
}

top_batch_works() {
	local out
	out=$("$OUT/kvmmem-top" -b -n 1 2>&1) || { echo "$out"; return 1; }
	[[ $out == *"Mappings: 0 live"* ]] || { echo "$out"; return 1; }
}

lowering_lockdown_refused() {
	if (echo none >"$LOCKDOWN") 2>/dev/null; then
		echo "lowered"
		return 1
	fi
	lockdown_is "none integrity [confidentiality]"
}

lockdown() {
	rm -rf "$LD_DIR"
	mkdir -p "$LD_DIR" || return 1
	check sysfs_counters_0444_equal_debugfs_key_by_key equal_while_a_mapping_is_held
	check sysfs_counters_count_one_map_and_unmap one_read_counts_one_map_and_one_unmap
	check stats_without_debugfs_prints_global_counters_says_why without_debugfs
	check stats_as_nonroot_prints_global_counters_says_why \
		stats_says nobody \
		"per-file list: $DEBUGFS/kvmmem/files: EACCES (Permission denied): debugfs needs root"
	mountpoint -q /sys/kernel/security ||
		mount -t securityfs securityfs /sys/kernel/security
	# Debian's 6.1 and 6.12 have the lockdown LSM first in CONFIG_LSM
	check lockdown_lsm_active_and_none \
		lockdown_is "[none] integrity confidentiality"

	check lockdown_integrity_raised \
		raise_lockdown integrity "none [integrity] confidentiality"
	check lockdown_integrity_debugfs_readonly_files_readable \
		debugfs_readonly_files_readable
	check lockdown_integrity_debugfs_writable_files_refused \
		debugfs_writable_files_refused
	check lockdown_integrity_map_unmap_work map_and_unmap_work
	check lockdown_integrity_sysfs_equal_debugfs equal_while_a_mapping_is_held
	check lockdown_integrity_stats_prints_everything stats_says root
	check lockdown_integrity_trace_record_works trace_record_works integrity
	check lockdown_integrity_top_batch_works top_batch_works

	check lockdown_confidentiality_raised \
		raise_lockdown confidentiality "none integrity [confidentiality]"
	check lockdown_confidentiality_debugfs_readonly_files_readable \
		debugfs_readonly_files_readable
	check lockdown_confidentiality_map_unmap_work map_and_unmap_work
	check lockdown_confidentiality_sysfs_equal_debugfs equal_while_a_mapping_is_held
	check lockdown_confidentiality_stats_prints_everything stats_says root
	check lockdown_confidentiality_trace_record_fails_saying_why \
		trace_record_fails_saying_lockdown
	check lockdown_confidentiality_top_batch_works top_batch_works
	check lockdown_cannot_be_lowered lowering_lockdown_refused
}

case ${1:-} in
driver)
	# first, while the modules are as loaded: docs/abi.md's and
	# docs/hostsim.md's files, parameters and keys are the kernel's
	abi_live
	criterion test_driver
	compat32
	check kvmmem_ctl_token_is_64_hex_digits token_is_hex
	check kvmmem_ctl_run_script_gets_each_expected_errno run_script
	check kvmmem_ctl_stress_counts_match_driver \
		"$OUT/kvmmem-ctl" stress -p 4 -m 100 --leave 10 --seed 1
	check kvmmem_ctl_stress_kill_9_leaves_nothing \
		"$OUT/kvmmem-ctl" stress -p 4 -m 100 --kill --seed 2
	nonroot
	check module_unload_after_use unload
	;;
nonroot)
	nonroot
	;;
lockdown)
	lockdown
	;;
leak)
	criterion test_leak
	;;
backend)
	check backend_none_without_kvm_or_hostsim \
		load_then_backend_is "$MODDIR/kvmmem.ko" none
	criterion test_nobackend
	check backend_hostsim_after_insmod \
		load_then_backend_is "$MODDIR/kvmmem_hostsim.ko" hostsim
	check backend_none_after_hostsim_rmmod \
		unload_then_backend_is kvmmem_hostsim none
	check module_unload_without_use \
		sh -c 'rmmod kvmmem && [ ! -e /dev/kvmmem ]'
	;;
*)
	echo "usage: $0 driver|leak|backend|nonroot|lockdown" >&2
	exit 2
	;;
esac
