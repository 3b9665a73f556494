#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - tracing overhead on the map/unmap benchmark, run INSIDE the
# guest (make bench: selftests/vm/vmrun -- selftests/vm/trace/bench.sh).
# A benchmark, not a test: it prints, it never fails on a number.
#
# One boot, side by side, ROUNDS times in turn: mapbench (16 live
# mappings, PAIRS map+unmap pairs) untraced; under kvmmem-trace record;
# with kvmmem-top --json running (its in-kernel aggregation, read once a
# second); under trace-cmd record -e kvmmem; under a bpftrace one-liner
# counting the same tracepoints. Prints the median us/pair of each, its
# ratio to untraced, and the events each tracer lost. Goals:
# kvmmem-trace <= 1.25x untraced, below trace-cmd and bpftrace, 0
# dropped; kvmmem-top <= 1.10x, 0 dropped.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OUT=${OUT:-$TOP/build}
MAPBENCH=$OUT/bench/mapbench
TRACE=$OUT/kvmmem-trace
KTOP=$OUT/kvmmem-top
PAIRS=${PAIRS:-22000}
ROUNDS=${ROUNDS:-3}
GOAL=1.25
GOAL_TOP=1.10
W=$(mktemp -d) || exit 1	# recordings in guest RAM, not on the 9p share
trap 'rm -rf "$W"' EXIT

[[ -x $MAPBENCH && -x $TRACE && -x $KTOP ]] || { echo "bench: build first (make bench)" >&2; exit 1; }
BENCH=("$MAPBENCH" --levels 16 --pairs "$PAIRS" --rounds 11)
CONFIGS=(untraced kvmmem-trace kvmmem-top trace-cmd bpftrace)
command -v trace-cmd >/dev/null || echo "bench: no trace-cmd"
command -v bpftrace >/dev/null || echo "bench: no bpftrace"

# us/pair of one mapbench output
us_per_pair() {
	awk '/^us\/pair \(median\)/ { print $NF }' "$1"
}

# run CONFIG ROUND: one mapbench run under CONFIG; us/pair and drops in $W
run() {
	local cfg=$1 r=$2 out=$W/$1.$2.out drops=-
	case $cfg in
	untraced)
		"${BENCH[@]}" >"$out" 2>&1
		;;
	kvmmem-trace)
		"$TRACE" record -o "$W/k.ktr" -- "${BENCH[@]}" >"$out" 2>"$W/k.err"
		drops=$(sed -n 's/^kvmmem-trace: [0-9]* events, \([0-9]*\) dropped.*/\1/p' "$W/k.err")
		sed -n 's/^kvmmem-trace: \([0-9]*\) events.*/\1/p' "$W/k.err" >"$W/$cfg.$r.events"
		rm -f "$W/k.ktr"
		;;
	kvmmem-top)
		# a fresh file: the wait below must not see the last round's
		rm -f "$W/top.jsonl"
		"$KTOP" --json -i 1 >"$W/top.jsonl" 2>"$W/top.err" &
		local top=$! i=0
		while [[ ! -s $W/top.jsonl ]] && ((i++ < 100)); do
			sleep 0.1	# until attached: its first frame
		done
		"${BENCH[@]}" >"$out" 2>&1
		kill -TERM "$top"
		wait "$top"
		# updates lost (a BPF map full), from its last frame
		drops=$(sed -n 's/.*"drops":\([0-9]*\).*/\1/p' "$W/top.jsonl" | tail -n 1)
		;;
	trace-cmd)
		(cd "$W" && trace-cmd record -q -e kvmmem -o "$W/t.dat" "${BENCH[@]}") >"$out" 2>&1
		# per-CPU "overrun: N" lines: events the ring buffer lost
		drops=$(trace-cmd report --stat -i "$W/t.dat" 2>/dev/null |
			awk '/^overrun:/ { n += $2 } END { print n + 0 }')
		rm -f "$W"/t.dat*
		;;
	bpftrace)
		bpftrace -e 'tracepoint:kvmmem:* { @[probe] = count(); }' \
			-c "${BENCH[*]}" >"$out" 2>&1
		drops=0	# counts in a BPF map: nothing to lose
		;;
	esac
	echo "$(us_per_pair "$out") $drops" >"$W/$cfg.$r.res"
}

echo "tracebench: mapbench, 16 live mappings, $PAIRS map+unmap pairs per run, $ROUNDS rounds"
for ((r = 1; r <= ROUNDS; r++)); do
	for cfg in "${CONFIGS[@]}"; do
		run "$cfg" "$r"
		read -r us drops <"$W/$cfg.$r.res"
		printf '  round %d %-13s %s us/pair, dropped %s\n' "$r" "$cfg" \
			"${us:-?}" "${drops:-?}"
	done
done

median() {	# median of the numbers on stdin
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

base=$(for ((r = 1; r <= ROUNDS; r++)); do cut -d' ' -f1 "$W/untraced.$r.res"; done | median)
echo
printf '%-14s %10s %8s %10s\n' "tracer" "us/pair" "ratio" "dropped"
for cfg in "${CONFIGS[@]}"; do
	us=$(for ((r = 1; r <= ROUNDS; r++)); do cut -d' ' -f1 "$W/$cfg.$r.res"; done | median)
	drops=$(for ((r = 1; r <= ROUNDS; r++)); do cut -d' ' -f2 "$W/$cfg.$r.res"; done |
		awk '$1 == "-" { print "-"; exit } { n += $1 } END { if (NR) print n }' | head -n 1)
	ratio=$(awk -v a="$us" -v b="$base" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else print "?" }')
	printf '%-14s %10s %8s %10s\n' "$cfg" "${us:-?}" "$ratio" "${drops:-?}"
	eval "us_${cfg//-/_}=\$us drops_${cfg//-/_}=\$drops"
done
echo
echo "goal: kvmmem-trace <= ${GOAL}x untraced and below trace-cmd and bpftrace, 0 dropped"
echo "goal: kvmmem-top <= ${GOAL_TOP}x untraced, 0 dropped"
# on the medians themselves, not the ratios rounded for printing
# shellcheck disable=SC2154
awk -v k="$us_kvmmem_trace" -v t="$us_trace_cmd" -v b="$us_bpftrace" -v u="$base" \
	-v d="$drops_kvmmem_trace" -v g=$GOAL 'BEGIN { printf "kvmmem-trace: %s\n",
		(u > 0 && k / u <= g && k < t && k < b && d == "0") ? "met" : "MISSED" }'
# shellcheck disable=SC2154
awk -v k="$us_kvmmem_top" -v u="$base" -v d="$drops_kvmmem_top" -v g=$GOAL_TOP \
	'BEGIN { printf "kvmmem-top: %s\n", (u > 0 && k / u <= g && d == "0") ? "met" : "MISSED" }'
exit 0
