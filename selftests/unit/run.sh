#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run Criterion test binaries, show their output, and end with exactly one
# line "unit: N passed, N failed" summed from each binary's Synthesis line.
# Exit 1 if anything failed or crashed, a binary gave no Synthesis line,
# or no test ran at all.
#
# usage: run.sh TEST_BINARY...

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

passed=0
failed=0
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT

for bin in "$@"; do
	echo "== $bin"
	"$bin" --color=never --timeout 60 >"$log" 2>&1
	rc=$?
	cat "$log"
	# [====] Synthesis: Tested: 12 | Passing: 12 | Failing: 0 | Crashing: 0
	line=$(grep 'Synthesis:' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$bin: no Synthesis line (exit $rc): counted as 1 failure"
		failed=$((failed + 1))
		continue
	fi
	p=$(echo "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	f=$(echo "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	c=$(echo "$line" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${c:-0}))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ] && [ "${c:-0}" -eq 0 ]; then
		echo "$bin: exit $rc with no failing test: counted as 1 failure"
		failed=$((failed + 1))
	fi
done

echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
