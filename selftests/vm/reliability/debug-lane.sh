#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-lane.sh - the debug lane: everything on the debug guest kernel
# (KASAN, lockdep, kmemleak, KUnit, fault injection; scripts/debug-kernel.sh).
#
#   1. the debug kernel (built if the cache has none: ~8-10 min on 2
#      cores) and the project's modules, from clean, against it;
#   1b. make kernel-patch's series built in-tree (CONFIG_KVMMEM=m, ...)
#      on a copy of the debug kernel's tree, and one boot with those
#      modules: loaded, KUnit, map/read/unmap, the kselftest;
#   2. the guest VM lane's boots on the debug kernel (make check: driver
#      and backend; --long: all three);
#   3. one boot: KUnit results, munmap-first tests, the fault matrix;
#   4. one boot: the ioctl fuzzer and the kill storm.
# Every boot is a case too: vmrun fails it on any KASAN, lockdep, kmemleak,
# DEBUG_VM, WARN or BUG report. Prints one line per case and
# "debug: N passed, N failed"; a step that cannot run is a failure.
#
# Usage: debug-lane.sh [--long] [--report FILE]
#   --long         the make reliability sizes (default: the make check ones)
#   --report FILE  write the table of docs/reliability.md to FILE
#
# Environment: KVMMEM_SEED (fuzzer/kill storm seed; default from the
# clock), KVMMEM_FUZZ_IOCTLS, KVMMEM_KILLSTORM_PROCS (override the sizes).
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OUT=${OUT:-$TOP/build}
LOG=$OUT/debug-lane
VMRUN=$TOP/selftests/vm/vmrun
export OUT

LONG=0
REPORT=
while (($#)); do
	case $1 in
	--long) LONG=1 ;;
	--report) REPORT=${2:?--report needs a file}; shift ;;
	*) echo "usage: $0 [--long] [--report FILE]" >&2; exit 2 ;;
	esac
	shift
done
if ((LONG)); then
	LOG=$OUT/reliability-run	# apart from make check's logs
	IOCTLS=${KVMMEM_FUZZ_IOCTLS:-5000000}
	PROCS=${KVMMEM_KILLSTORM_PROCS:-5000}
	STRESS_TIMEOUT=7200
	GUEST_BOOTS=()
else
	# make check's: a tenth of issue 7's million ioctls and 1000-process
	# storm, which make reliability (5M, 5000) and make coverage (1M,
	# 1000) run in full. On the debug kernel under TCG the fuzzer makes
	# ~1000 ioctls/s and the storm kills ~1 process/s (in a fresh make
	# check 500k and 500 took 625 s and 577 s, and CI ran out of its 90
	# minutes in that boot): ~2 min each here.
	IOCTLS=${KVMMEM_FUZZ_IOCTLS:-100000}
	PROCS=${KVMMEM_KILLSTORM_PROCS:-100}
	STRESS_TIMEOUT=900
	# not the leak boot (137 s): the fuzzer's injected leaks take the
	# leak path under KASAN and kmemleak here; what only the leak boot
	# does, unloading with leaked pages, is checked on the debug kernel
	# by make reliability, and on the stock and 6.12 kernels by make check
	GUEST_BOOTS=(--only "driver,backend")
fi
export KVMMEM_SEED=${KVMMEM_SEED:-$(date +%s)}

rm -rf "$LOG"
mkdir -p "$LOG"
passed=0
failed=0

ok() { echo "$1: ok"; passed=$((passed + 1)); }
fail() { echo "$1: FAIL $2"; failed=$((failed + 1)); }

finish() {
	echo "debug: $passed passed, $failed failed"
	[[ $failed -eq 0 ]]
	exit
}

# count FILE: add FILE's case lines to our totals.
count() {
	local p f
	p=$(grep -c -E '^[^ ]+: ok$' "$1")
	f=$(grep -c -E '^[^ ]+: FAIL' "$1")
	passed=$((passed + p))
	failed=$((failed + f))
	return $((p + f == 0))
}

# boot NAME TIMEOUT COMMAND...: one debug-kernel guest; its cases count,
# and the boot is a case (vmrun's exit status: kernel reports included).
boot() {
	local name=$1 timeout=$2 rc start=$SECONDS
	shift 2
	"$VMRUN" --kernel debug --timeout "$timeout" -- "$@" 2>&1 |
		tee "$LOG/$name.log"
	rc=${PIPESTATUS[0]}
	count "$LOG/$name.log" || fail "boot_$name" "no test case ran"
	if [[ $rc -eq 0 ]]; then
		ok "boot_$name"
	else
		fail "boot_$name" "vmrun exited $rc"
	fi
	echo "# boot $name: $((SECONDS - start)) s"
}

start=$SECONDS
if scripts_out=$("$TOP/scripts/debug-kernel.sh" 2>&1); then
	echo "$scripts_out" | grep '^debug-kernel:'
	ok debug_kernel_and_modules_built
else
	echo "$scripts_out" | tail -n 30
	fail debug_kernel_and_modules_built "scripts/debug-kernel.sh failed"
	finish
fi
echo "# debug kernel and modules: $((SECONDS - start)) s"

if make -s -C "$TOP" tools >"$LOG/build.log" 2>&1 &&
	make -s -C "$TOP/selftests/vm" >>"$LOG/build.log" 2>&1 &&
	make -s -C "$TOP/selftests/vm/reliability" >>"$LOG/build.log" 2>&1; then
	ok reliability_programs_built
else
	tail -n 30 "$LOG/build.log"
	fail reliability_programs_built "see $LOG/build.log"
	finish
fi

# 1b. the upstream form: make kernel-patch's series applied to a copy of
# the debug kernel's tree and the driver built in-tree from it (=m), then
# one boot with those modules (so the in-tree and out-of-tree builds
# cannot drift)
start=$SECONDS
if "$TOP/scripts/kernel-patch.sh" intree >"$LOG/intree-build.log" 2>&1; then
	grep '^kernel-patch:' "$LOG/intree-build.log"
	ok intree_modules_built
	echo "# in-tree build from the series: $((SECONDS - start)) s"
	KVMMEM_DEBUG_MODULES=$OUT/intree-modules \
	KVMMEM_MODULE_DIR=$OUT/intree-modules \
		boot intree 600 "$TOP/selftests/vm/reliability/run.sh" intree
else
	tail -n 30 "$LOG/intree-build.log"
	fail intree_modules_built "scripts/kernel-patch.sh intree failed"
	fail boot_intree "no in-tree modules to boot"
fi

# 2. the guest lane's boots (lockdep-sensitive driver cases first: a
# KASAN report would switch lockdep off for the rest of a boot)
start=$SECONDS
"$TOP/selftests/vm/guest-lane.sh" --kernel debug "${GUEST_BOOTS[@]}" 2>&1 | tee "$LOG/guest.log"
line=$(grep -E '^guest: [0-9]+ passed, [0-9]+ failed$' "$LOG/guest.log" | tail -n 1)
if [[ -z $line ]]; then
	fail guest_lane_on_debug_kernel "ended without its closing line"
else
	# shellcheck disable=SC2086 # split "guest: N passed, N failed"
	set -- $line
	passed=$((passed + $2))
	failed=$((failed + $4))
fi
echo "# guest lane on the debug kernel: $((SECONDS - start)) s"

# 3. and 4.
boot faults 900 "$TOP/selftests/vm/reliability/run.sh" faults
boot stress "$STRESS_TIMEOUT" "$TOP/selftests/vm/reliability/run.sh" stress \
	"$IOCTLS" "$PROCS"

if [[ -n $REPORT ]]; then
	if "$TOP/selftests/vm/reliability/report.sh" "$LOG" >"$REPORT.tmp"; then
		mv "$REPORT.tmp" "$REPORT"
		ok report_written
	else
		rm -f "$REPORT.tmp"
		fail report_written "report.sh failed"
	fi
fi
finish
