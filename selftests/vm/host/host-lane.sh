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
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OUT=${OUT:-$TOP/build}
LOG=$OUT/host-lane
MAPS=${KVMMEM_HOST_MAPS:-1000}
mkdir -p "$LOG"
export KVMMEM_HOST_LOG=$LOG

"$TOP/selftests/vm/vmrun" --nested --timeout 600 -- \
	"$TOP/selftests/vm/host/l1.sh" "$MAPS" 2>&1 | tee "$LOG/l1.log"
rc=${PIPESTATUS[0]}

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
	echo "host: FAIL no test case ran"
	failed=$((failed + 1))
fi
echo "host: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
