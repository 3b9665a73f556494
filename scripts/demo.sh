#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what `make demo` runs. On the build machine: boot the guest VM
# (kvmmem + the emulated host loaded) and run this script again inside it
# with --guest. In the guest: read a remote page, then record a known
# introspection workload with kvmmem-trace, with one injected unmap
# failure so that a leaked page shows; print kvmmem-trace's report and
# what the driver counted, and export the recording for Perfetto; then
# show a few kvmmem-top batch frames of a workload running live.
# The recording and the Perfetto trace are left in build/demo/.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/build}
DEMO=$OUT/demo
CTL=$OUT/kvmmem-ctl
TRACE=$OUT/kvmmem-trace
KTOP=$OUT/kvmmem-top
HOSTSIM=/sys/kernel/debug/kvmmem_hostsim

guest() {
	echo "== the active backend"
	cat /sys/class/misc/kvmmem/backend

	echo
	echo "== a remote page, read through /dev/kvmmem and checked against the hostsim pattern"
	"$CTL" read 0x1000 --len 64 --verify

	echo
	echo "== workload: 4 processes x 64 mappings, 8 each left to teardown, the host fails one unmap"
	echo "== recorded with: kvmmem-trace record -o $DEMO/demo.ktr -- kvmmem-ctl stress ..."
	echo 14 >"$HOSTSIM/fail_unmap_error"	# KVM_EFAULT
	echo 1 >"$HOSTSIM/fail_unmap_count"
	"$TRACE" record -o "$DEMO/demo.ktr" -- \
		"$CTL" stress -P 4 -m 64 --leave 8 --seed 42 --expect-leaks 1

	echo
	echo "== kvmmem-trace report $DEMO/demo.ktr"
	"$TRACE" report "$DEMO/demo.ktr"

	"$TRACE" export --perfetto "$DEMO/demo.ktr" -o "$DEMO/demo.perfetto.json"

	echo
	echo "== the driver's counters (kvmmem-ctl stats)"
	"$CTL" stats

	echo
	echo "== leaked pages (/sys/kernel/debug/kvmmem/leaked)"
	cat /sys/kernel/debug/kvmmem/leaked

	echo
	echo "== kvmmem-top -b -i 1 -n 3, live: two processes hold 3 and 1 mappings,"
	echo "== kvmmem-ctl stress -P 2 -m 200 --leave 10 maps and unmaps meanwhile"
	"$KTOP" -b -i 1 -n 3 >"$DEMO/top.txt" &
	local top=$!
	sleep 0.8	# attached
	printf 'map 0x100000\nmap 0x101000\nmap 0x102000\nsleep 4000\n' |
		"$CTL" run >"$DEMO/hold1.out" &
	printf 'map 0x200000\nsleep 4000\n' | "$CTL" run >"$DEMO/hold2.out" &
	# stress checks that the driver's counters move by its own maps only:
	# start it once both holders hold theirs (a result line per map)
	while [[ $(cat "$DEMO/hold1.out" "$DEMO/hold2.out" | wc -l) -lt 4 ]]; do
		sleep 0.1
	done
	"$CTL" stress -P 2 -m 200 --leave 10 --seed 7 >/dev/null
	wait "$top"
	wait
	cat "$DEMO/top.txt"
}

if [[ ${1:-} == --guest ]]; then
	guest
	exit 0
fi

mkdir -p "$DEMO"
"$TOP/selftests/vm/vmrun" -- "$TOP/scripts/demo.sh" --guest
echo
echo "demo: recording in $DEMO/demo.ktr (build/kvmmem-trace report|dump $DEMO/demo.ktr)"
echo "demo: Perfetto trace in $DEMO/demo.perfetto.json: open it in https://ui.perfetto.dev"
echo "demo: kvmmem-top's frames in $DEMO/top.txt (live: sudo build/kvmmem-top)"
