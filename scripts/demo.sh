#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what `make demo` runs. On the build machine: boot the guest VM
# (kvmmem + the emulated host loaded) and run this script again inside it
# with --guest. In the guest: read a remote page, then run a known
# introspection workload under trace-cmd, with one injected unmap failure
# so that a leaked page shows, and print what the driver counted.
# The recording is left in build/demo/.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/build}
DEMO=$OUT/demo
CTL=$OUT/kvmmem-ctl
HOSTSIM=/sys/kernel/debug/kvmmem_hostsim

guest() {
	echo "== the active backend"
	cat /sys/class/misc/kvmmem/backend

	echo
	echo "== a remote page, read through /dev/kvmmem and checked against the hostsim pattern"
	"$CTL" read 0x1000 --len 64 --verify

	echo
	echo "== workload: 4 processes x 64 mappings, 8 each left to teardown, the host fails one unmap"
	echo 14 >"$HOSTSIM/fail_unmap_error"	# KVM_EFAULT
	echo 1 >"$HOSTSIM/fail_unmap_count"
	cd /tmp
	trace-cmd record -q -e kvmmem -e kvmmem_hostsim -o "$DEMO/trace.dat" \
		"$CTL" stress -p 4 -m 64 --leave 8 --seed 42 --expect-leaks 1

	echo
	echo "== events recorded (trace-cmd report $DEMO/trace.dat)"
	trace-cmd report -i "$DEMO/trace.dat" 2>/dev/null |
		awk '$4 ~ /^kvmmem/ { sub(":", "", $4); n[$4]++ }
		     END { for (e in n) printf "%8d  %s\n", n[e], e }' | sort -k2

	echo
	echo "== the driver's counters (kvmmem-ctl stats)"
	"$CTL" stats

	echo
	echo "== leaked pages (/sys/kernel/debug/kvmmem/leaked)"
	cat /sys/kernel/debug/kvmmem/leaked
}

if [[ ${1:-} == --guest ]]; then
	guest
	exit 0
fi

mkdir -p "$DEMO"
"$TOP/selftests/vm/vmrun" -- "$TOP/scripts/demo.sh" --guest
echo
echo "demo: recording left in $DEMO/trace.dat (trace-cmd report -i $DEMO/trace.dat)"
