#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# coverage.sh - make coverage: which lines of the driver, hostsim and tools
# the tests reach.
#
#   1. the debug kernel (CONFIG_GCOV_KERNEL; built if the cache has none)
#      and both modules built against it with gcov (KVMMEM_COVERAGE=1,
#      kernel/Kbuild) in $COV/debug-modules;
#   2. the tools, libkvmmem, the in-guest test programs and the unit tests
#      built with --coverage in $COV (never in the normal build/);
#   3. the unit tests (plain build) on the build machine;
#   4. the VM boots, each collecting its counters before power-off (vmrun
#      KVMMEM_GCOV_OUT): the guest lane's driver, leak and backend boots
#      and the debug lane's faults (KUnit, munmap-first, the init error
#      paths, fault matrix) and
#      stress boots (here the fuzzer and the kill storm in a boot each) on
#      the debug kernel; the tool boots
#      (trace-btf, trace-raw, top, top-prom), which do not run on the debug
#      kernel, on Debian's 6.1 with the normal modules (their kernel side
#      counts for nothing, their tools' side counts);
#   5. one report merged with gcovr (scripts/coverage-report.py) in
#      $OUT/coverage (logs in $OUT/cov/logs): index.html, summary.txt (per file: lines, branches),
#      uncovered.txt (every line of the driver and hostsim no test
#      reached, with why, from selftests/coverage/unreached.txt) and the
#      line "coverage: driver N%, hostsim N%, tools N%".
# A step that fails fails the run (exit 1), and the figures are still
# written from what ran, marked incomplete.
#
# Usage: coverage.sh [STEP...]: the steps above are kernel, build, unit,
# debug (the debug-kernel boots), tools (the tool boots) and report; all
# of them by default, in that order. faults, fuzz and killstorm are the
# boots of debug after the guest lane's, one each (to run one again: a
# boot or lane that passes takes its earlier failure off the list). The counters of a run accumulate in
# $OUT/cov-data until the build step starts afresh, so
# `coverage.sh report` rewrites the report, and `coverage.sh tools
# report` adds another run of the tool boots.
#
# Environment: OUT (default $TOP/build); KVMMEM_FUZZ_IOCTLS (default
# 1000000) and KVMMEM_KILLSTORM_PROCS (default 1000), the stress boot's
# sizes (the debug lane's); KVMMEM_SEED.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/build}
COV=$OUT/cov
# the saved counters, apart from the build (whose .gcda files come and go)
DATA=$OUT/cov-data
REPORT=$OUT/coverage
LOG=$COV/logs
VMRUN=$TOP/selftests/vm/vmrun
CFLAGS_COV="-O0 -g --coverage"
IOCTLS=${KVMMEM_FUZZ_IOCTLS:-1000000}
PROCS=${KVMMEM_KILLSTORM_PROCS:-1000}
export KVMMEM_SEED=${KVMMEM_SEED:-$(date +%s)}

failed=0
note() { echo "coverage: $*"; }
# a failure is kept with the counters: the report says it is incomplete
step_fail() {
	echo "coverage: FAIL $*"
	echo "$*" >>"$DATA/failures"
	failed=$((failed + 1))
}

STEPS=("$@")
((${#STEPS[@]})) || STEPS=(kernel build unit debug tools report)
for s in "${STEPS[@]}"; do
	case $s in
	kernel | build | unit | debug | faults | fuzz | killstorm | tools | report) ;;
	*) echo "usage: coverage.sh [kernel|build|unit|debug|faults|fuzz|killstorm|tools|report]..." >&2; exit 2 ;;
	esac
done

command -v gcovr >/dev/null || {
	echo "coverage: FAIL gcovr is missing: run make deps" >&2
	exit 1
}
mkdir -p "$LOG" "$DATA"
start=$SECONDS

UNIT_BINS=()
for t in "$TOP"/selftests/unit/test_*.c; do
	t=${t##*/}
	UNIT_BINS+=("$COV/unit/${t%.c}")
done

# 1. the kernel side
step_kernel() {
	if ! "$TOP/scripts/debug-kernel.sh" kernel >"$LOG/debug-kernel.log" 2>&1; then
		tail -n 20 "$LOG/debug-kernel.log"
		echo "coverage: FAIL no debug kernel (see $LOG/debug-kernel.log)"
		exit 1
	fi
	if ! OUT=$COV KVMMEM_COVERAGE=1 "$TOP/scripts/debug-kernel.sh" modules \
		>"$LOG/modules.log" 2>&1; then
		tail -n 20 "$LOG/modules.log"
		echo "coverage: FAIL the modules do not build with gcov (see $LOG/modules.log)"
		exit 1
	fi
	note "modules with gcov built in $COV/debug-modules"
}

# 2. user space, in its own build directory; the normal modules for the
# tool boots on Debian's kernel. The counters of earlier runs go.
build() {
	nice -n 10 make -s -C "$TOP/$1" OUT="$COV" CFLAGS="$CFLAGS_COV" \
		"${@:2}" >>"$LOG/build.log" 2>&1
}
step_build() {
	: >"$LOG/build.log"
	if ! build tools || ! build selftests/vm || ! build selftests/vm/reliability ||
		! build selftests/unit "${UNIT_BINS[@]}" ||
		! nice -n 10 make -s -C "$TOP" modules >>"$LOG/build.log" 2>&1; then
		tail -n 30 "$LOG/build.log"
		echo "coverage: FAIL the --coverage build failed (see $LOG/build.log)"
		exit 1
	fi
	rm -rf "$DATA" "$REPORT"
	mkdir -p "$DATA"
	find "$COV" -name '*.gcda' -delete
	note "user space built with --coverage in $COV ($((SECONDS - start)) s so far)"
}

# 3. the unit tests, on the build machine: their counters go to $COV
# directly; saved like a boot's
step_unit() {
	find "$COV" -name '*.gcda' -delete
	if "$TOP/selftests/unit/run.sh" "${UNIT_BINS[@]}" >"$LOG/unit.log" 2>&1; then
		note "$(tail -n 1 "$LOG/unit.log")"
	else
		step_fail "$(tail -n 1 "$LOG/unit.log") (see $LOG/unit.log)"
	fi
	rm -rf "$DATA/unit"
	mkdir -p "$DATA/unit"
	(cd / && find "${COV#/}" -name '*.gcda' -print0 |
		tar --null -T - -cf "$DATA/unit/user.tar") ||
		step_fail "saving the unit tests' counters"
	echo "unit tests (selftests/unit/run.sh, plain build)" >"$DATA/unit/cmd"
	find "$COV" -name '*.gcda' -delete
}

# 4. the boots: every one saves its counters in $DATA (vmrun fails a
# boot that saved none)
export KVMMEM_GCOV_OUT=$DATA KVMMEM_GCOV_TREE=$COV KVMMEM_OUT=$COV

# lane LOGNAME CLOSING-LABEL COMMAND...: run a lane script, take its
# closing line
lane() {
	local name=$1 label=$2 line
	shift 2
	"$@" >"$LOG/$name.log" 2>&1
	line=$(grep -E "^$label: [0-9]+ passed, [0-9]+ failed$" "$LOG/$name.log" | tail -n 1)
	if [[ -z $line ]]; then
		step_fail "$name: ended without its closing line (see $LOG/$name.log)"
	elif [[ $line != *", 0 failed" ]]; then
		step_fail "$name: $line (see $LOG/$name.log)"
	else
		note "$name: $line"
		# run again after a failure: that failure is over
		[[ -f $DATA/failures ]] && sed -i "/^$name: /d" "$DATA/failures"
	fi
}

# boot NAME TIMEOUT COMMAND...: one debug-kernel guest, as the debug lane's
boot() {
	local name=$1 timeout=$2 rc p f
	shift 2
	OUT=$COV "$VMRUN" --kernel debug --timeout "$timeout" -- "$@" \
		>"$LOG/$name.log" 2>&1
	rc=$?
	p=$(grep -c -E '^[^ ]+: ok$' "$LOG/$name.log")
	f=$(grep -c -E '^[^ ]+: FAIL' "$LOG/$name.log")
	if ((rc != 0 || f != 0 || p == 0)); then
		step_fail "boot $name: vmrun exited $rc, $p passed, $f failed (see $LOG/$name.log)"
	else
		note "boot $name: $p passed, 0 failed"
		# run again after a failure: that failure is over
		[[ -f $DATA/failures ]] && sed -i "/^boot $name: /d" "$DATA/failures"
	fi
}

step_debug() {
	# the guest lane's boots on the debug kernel (driver, leak, backend)
	OUT=$COV lane guest-debug guest "$TOP/selftests/vm/guest-lane.sh" --kernel debug
	step_faults
	# the stress boot's two programs in a boot each: what the fuzzer
	# alone reaches is in summary.txt
	step_fuzz
	step_killstorm
}

step_faults() {
	boot faults 1200 "$TOP/selftests/vm/reliability/run.sh" faults
}

# 1,000,000 ioctls took 1067 s on an idle machine and did not finish in
# 1800 s beside other builds and guests (2026-12-02); 1000 processes
# killed took 252 s (2026-12-02) and more than 1800 s (900 killed in
# 1533 s, 2026-12-03, partly beside other guests). Both print progress.
step_fuzz() {
	boot fuzz 3600 "$TOP/selftests/vm/reliability/run.sh" fuzz "$IOCTLS"
}

step_killstorm() {
	boot killstorm 3600 "$TOP/selftests/vm/reliability/run.sh" killstorm "$PROCS"
}

# the tool boots, on Debian's kernel
step_tools() {
	OUT=$COV lane guest-tools guest "$TOP/selftests/vm/guest-lane.sh" \
		--only trace-btf,trace-raw,top,top-prom
}

# 5. the report
step_report() {
	local incomplete=() n=0
	[[ -f $DATA/failures ]] && n=$(wc -l <"$DATA/failures")
	((n == 0)) || incomplete=(--incomplete "$n")
	if ! "$TOP/scripts/coverage-report.py" --top "$TOP" --cov "$COV" \
		--data "$DATA" --out "$REPORT" "${incomplete[@]}" \
		--ktree "$("$TOP/scripts/debug-kernel.sh" dir)/src/linux-source-6.1"; then
		step_fail "the report (scripts/coverage-report.py)"
	fi
	note "report in $REPORT (index.html, summary.txt, uncovered.txt)"
}

for s in "${STEPS[@]}"; do
	"step_$s"
	note "step $s done ($((SECONDS - start)) s)"
done
if ((failed)); then
	note "$failed step(s) failed: the figures are incomplete"
	exit 1
fi
