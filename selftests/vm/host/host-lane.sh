#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# host-lane.sh - the host VM lane: L1 is a QEMU TCG guest with -cpu max
# running stock KVM (vmrun --nested); inside it L2 guests run kvmmem with
# the real kvmi backend (vmrun --accel kvm). Stock KVM answers the KVMI
# hypercalls with -KVM_ENOSYS: the driver must say so once, fail every
# map with EOPNOTSUPP and leak nothing; L1's `kvmmem-trace record --host`
# must count every call L2's `kvmmem-trace record` saw, with the same
# answers, and report the exit of an L2 whose QEMU it kills (l1.sh).
# Recordings, reports and logs stay in build/host-lane.
#
# Prints one line per case and "host: N passed, N failed".
#
# Usage: host-lane.sh [--l1-kernel stock|6.12]. With 6.12, L1 (the KVM
# host, where the host recorders and kvmmem-top --host run) boots
# bookworm-backports' 6.12 kernel, with the same tool binaries and BPF
# objects; the L2 guests stay on the stock kernel. The closing line is
# then "host-6.12: ...", the logs in build/host-lane-6.12.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OUT=${OUT:-$TOP/build}
L1_KERNEL=stock
if [[ ${1:-} == --l1-kernel ]]; then
	L1_KERNEL=${2:-}
fi
case $L1_KERNEL in
# L1 has one vCPU (vmrun --nested): a 6.1 L1 took ~255 s with another
# one running beside it, a 6.12 one ~200 s idle
stock) NAME=host LOG=$OUT/host-lane L1_TIMEOUT=900 ;;
6.12) NAME=host-6.12 LOG=$OUT/host-lane-6.12 L1_TIMEOUT=900 ;;
*)
	echo "host-lane.sh: unknown --l1-kernel '$L1_KERNEL' (stock or 6.12)" >&2
	exit 2
	;;
esac
MAPS=${KVMMEM_HOST_MAPS:-1000}
mkdir -p "$LOG"
export KVMMEM_HOST_LOG=$LOG
# the logs of any VM that fails, L1's or an L2's (whose job directory is
# in L1's RAM), are copied here and shown at the end (show_kept)
KEPT=$LOG/kept
rm -rf "$KEPT"
export KVMMEM_KEEP_DIR=$KEPT

# show_kept: the console tail of every VM whose logs vmrun kept, so that
# CI's log holds what went wrong, not only a file on a machine now gone.
show_kept() {
	local d
	for d in "$KEPT"/*/; do
		[[ -d $d ]] || continue
		echo "$NAME: kept logs of a failed VM: $d"
		tail -n 40 "$d/console.log" 2>/dev/null | tr -d '\r' |
			sed "s|^|$NAME:   ${d%/}: console: |"
	done
}

# run_l1: boot L1 and run l1.sh in it; vmrun's exit status
run_l1() {
	"$TOP/selftests/vm/vmrun" --kernel "$L1_KERNEL" --nested --timeout "$L1_TIMEOUT" -- \
		"$TOP/selftests/vm/host/l1.sh" "$MAPS" 2>&1 | tee "$LOG/l1.log"
	return "${PIPESTATUS[0]}"
}

run_l1
rc=$?
# Known, cause not found: now and then L1 (TCG, -cpu max, KVM inside)
# soft-locked on both vCPUs right after the host recorders attach (two
# vCPUs; since 2026-12-03 L1 has one, see vmrun's main), before
# L2 runs (docs/testing.md, "Known issues"). Such a boot tested nothing:
# say so, keep its log, and boot L1 once more; any other failure stands,
# and so does a second hang.
retried=
if [[ $rc -ne 0 ]] && ! grep -q '^l1/l2_guest_ran:' "$LOG/l1.log" &&
	grep -q 'soft lockup\|rcu_preempt detected stalls' "$LOG/l1.log"; then
	mv "$LOG/l1.log" "$LOG/l1-hung.log"
	echo "$NAME: L1 hung before L2 ran (vmrun exited $rc; kernel lockup," \
		"log in $LOG/l1-hung.log): booting L1 once more" >&2
	retried="$NAME: NOTE L1 booted twice: the first boot hung before L2 ran ($LOG/l1-hung.log)"
	run_l1
	rc=$?
fi

passed=$(grep -c -E '^[^ ]+: ok$' "$LOG/l1.log")
failed=$(grep -c -E '^[^ ]+: FAIL' "$LOG/l1.log")
if [[ $rc -eq 0 ]]; then
	echo "boot l1: ok"
	passed=$((passed + 1))
else
	echo "boot l1: FAIL vmrun exited $rc"
	failed=$((failed + 1))
fi
if [[ $((passed + failed)) -le 1 ]]; then
	echo "$NAME: FAIL no test case ran"
	failed=$((failed + 1))
fi
if [[ $failed -ne 0 || -n $retried ]]; then
	show_kept
fi
[[ -n $retried ]] && echo "$retried"
echo "$NAME: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
