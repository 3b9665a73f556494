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
	echo "usage: $0 driver|leak|backend|nonroot" >&2
	exit 2
	;;
esac
