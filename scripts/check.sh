#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - what `make check` runs: set up (deps), build, then every test
# lane. Each lane prints one line per case and closes with
# "<lane>: N passed, N failed"; this script repeats those closing lines at
# the end and adds the overall one. A lane that cannot run, or that ends
# without its closing line, counts as a failure with its reason: never as
# a pass. Logs: build/check/<lane>.log.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/build}
LOG=$OUT/check
JOBS=${JOBS:-$(nproc)}
export OUT

passed=0
failed=0
summary=()
failed_lanes=()

# lane NAME COMMAND...: run a lane, keep its closing line.
lane() {
	local name=$1 line rc start
	shift
	start=$SECONDS
	echo "=== $name"
	"$@" 2>&1 | tee "$LOG/$name.log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" "$LOG/$name.log" | tail -n 1)
	if [[ -z $line ]]; then
		line="$name: 0 passed, 1 failed"
		echo "$name: FAIL lane ended (exit $rc) without its closing line"
	elif [[ $rc -ne 0 && $line == *", 0 failed" ]]; then
		line="${line%, 0 failed}, 1 failed"
		echo "$name: FAIL lane exited $rc"
	fi
	set -- $line
	passed=$((passed + $2))
	failed=$((failed + $4))
	[[ $4 -ne 0 ]] && failed_lanes+=("$name")
	summary+=("$line  ($((SECONDS - start)) s)")
}

build() {
	local ok=0
	make -C "$TOP" -j"$JOBS" all && make -C "$TOP" modules-6.12 && ok=1
	[[ $ok -eq 1 ]] && make -C "$TOP/selftests/vm" -j"$JOBS" || ok=0
	echo "build: $ok passed, $((1 - ok)) failed"
}

mkdir -p "$LOG"
deps_failed() {
	[[ -n ${debug_kernel_pid:-} ]] && kill "$debug_kernel_pid" 2>/dev/null
	echo "check: deps failed"
	echo "check: 0 passed, 1 failed"
	exit 1
}
"$TOP/scripts/deps.sh" packages || deps_failed

# The debug lane's kernel (~10 min of both cores from scratch; a few
# seconds when cached) builds in the background at the lowest priority
# from here on: beside the download of the guest kernels, then beside
# the lanes before the debug lane, which leave CPU idle (a guest VM waits
# on its tests) that it takes. The debug lane's own debug-kernel.sh
# waits on the cache's lock, then finds it built; if this build failed,
# the debug lane builds again and fails with the reason.
nice -n 19 "$TOP/scripts/debug-kernel.sh" kernel >"$LOG/debug-kernel.log" 2>&1 &
debug_kernel_pid=$!
debug_kernel_start=$SECONDS

"$TOP/scripts/deps.sh" || deps_failed

lane build build
lane lint "$TOP/scripts/lint.sh"
lane unit make -C "$TOP/selftests/unit" unit
lane install "$TOP/selftests/install/run.sh"
lane runner "$TOP/selftests/vm/runner/run-tests.sh"
lane guest "$TOP/selftests/vm/guest-lane.sh"
lane guest-6.12 "$TOP/selftests/vm/guest-lane.sh" --kernel 6.12
lane host "$TOP/selftests/vm/host/host-lane.sh"
lane host-6.12 "$TOP/selftests/vm/host/host-lane.sh" --l1-kernel 6.12
lane docs "$TOP/selftests/docs/run.sh"
if wait "$debug_kernel_pid"; then
	echo "debug kernel (background): ready $((SECONDS - debug_kernel_start)) s after the start"
else
	echo "debug kernel (background): FAILED, the debug lane tries again; its log:"
	tail -n 20 "$LOG/debug-kernel.log"
fi
lane debug "$TOP/selftests/vm/reliability/debug-lane.sh"

# what_failed LANE: a few lines saying why LANE failed, from its log: its
# failed cases, what vmrun said of a VM that went wrong, and the end of
# that VM's console. Printed just above the summary, so that the end of
# CI's output (often all of it one gets to read) holds the reasons.
what_failed() {
	local log=$LOG/$1.log
	grep -a -E ': FAIL|: NOTE|^vmrun: (timeout|the guest|kernel:|NOTE)' "$log" |
		head -n 8 | cut -c 1-300
	grep -a -E '^vmrun: console: |^[^ ]+:   [^ ]+: console: ' "$log" |
		grep -a -v -E '\] ([A-Z0-9]{2,4}|PKRU): +[0-9a-f]|\] Code: ' |
		tail -n 8 | cut -c 1-300
}

echo
if [[ ${#failed_lanes[@]} -ne 0 ]]; then
	echo "=== what failed (the lanes' logs: $LOG)"
	for l in "${failed_lanes[@]}"; do
		what_failed "$l" | sed "s|^|$l: |"
	done
fi
echo "=== summary"
printf '%s\n' "${summary[@]}"
# make coverage is not a lane (about an hour): its last figures
if [[ -f $OUT/coverage/headline ]]; then
	echo "$(<"$OUT/coverage/headline")"
fi
echo "check: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
