#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# drivers.sh - the map benchmark against several versions of the driver,
# side by side in one boot, on the instruction-count clock. A benchmark,
# not a test: it prints, it never fails on a number.
#
# On the build machine: each COMMIT's kernel/ is taken from git (git
# archive) and built out of tree against the guest kernel headers in
# $OUT/drivers/<commit>/ (its own kvmmem.ko and kvmmem_hostsim.ko; the
# seed's MAP/UNMAP and hostsim's token ioctl are those of today's
# mapbench for every commit since 5769a39). Then one vmrun --icount
# --no-load boot: ROUNDS times, for each commit in turn, its modules are
# loaded and mapbench runs as tracebench's "untraced" configuration does
# (--levels 16 --pairs PAIRS --rounds 11; its median us/pair, i.e.
# kinstr/pair under icount); the table gives each commit's minimum over
# the rounds (the statistic of selftests/vm/trace/bench.sh), spread and
# change against the first commit. With RATIO="C1 C2 ...", mapbench also
# runs once at its default levels (16 .. 100000 live mappings) for those
# commits: the 100k/16 ratio (goal <= 1.3).
#
#   selftests/bench/drivers.sh 5769a39 HEAD
#   PAIRS=4000 ROUNDS=5 RATIO="5769a39 HEAD" selftests/bench/drivers.sh 5769a39 HEAD
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${OUT:-$TOP/build}
DRV=$OUT/drivers
MAPBENCH=$OUT/bench/mapbench
PAIRS=${PAIRS:-4000}
ROUNDS=${ROUNDS:-5}
RATIO=${RATIO:-}

# ------------------------------------------------- on the build machine ----

if [[ ! -d /run/vmrun ]]; then
	(($#)) || { echo "usage: ${0##*/} COMMIT..." >&2; exit 2; }
	kdir=${KDIR:-$TOP/.cache/guest/kbuild}
	make -C "$TOP/selftests/bench" >/dev/null || exit 1
	names=() ratio=()
	for c in "$@" $RATIO; do
		s=$(git -C "$TOP" rev-parse --short=7 "$c^{commit}") || exit 1
		d=$DRV/$s
		if [[ ! -f $d/kernel/kvmmem.ko || ! -f $d/kernel/kvmmem_hostsim.ko ]]; then
			rm -rf "$d" && mkdir -p "$d" || exit 1
			git -C "$TOP" archive "$s" kernel | tar -x -C "$d" || exit 1
			if ! make -C "$kdir" M="$d/kernel" modules >"$d/build.log" 2>&1; then
				echo "drivers: $c does not build (see $d/build.log)" >&2
				exit 1
			fi
		fi
	done
	for c in "$@"; do names+=("$(git -C "$TOP" rev-parse --short=7 "$c^{commit}")"); done
	for c in $RATIO; do ratio+=("$(git -C "$TOP" rev-parse --short=7 "$c^{commit}")"); done
	echo "drivers: ${names[*]}; PAIRS=$PAIRS ROUNDS=$ROUNDS; ratio: ${ratio[*]:-none}"
	res=$OUT/bench/drivers.out
	"$TOP/selftests/vm/vmrun" --no-load --icount --mem 2048 \
		--timeout "${BENCH_TIMEOUT:-2400}" -- env PAIRS="$PAIRS" ROUNDS="$ROUNDS" \
		DRIVERS="${names[*]}" RATIO="${ratio[*]:-}" "$0" | tee "$res" ||
		echo "drivers: the boot failed" >&2
	echo
	printf '%-8s %11s %8s %8s %9s   %s\n' commit "kinstr/pair" spread median "vs first" rounds
	awk '$1 == "res" { v[$3] = v[$3] " " $4; if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 } }
	     END {
		for (i = 1; i <= n; i++) {
			k = split(v[order[i]], a, " ")
			for (x = 1; x <= k; x++) for (y = x + 1; y <= k; y++)
				if (a[y] + 0 < a[x] + 0) { t = a[x]; a[x] = a[y]; a[y] = t }
			if (i == 1) base = a[1]
			printf "%-8s %11.2f %7.1f%% %8.2f %+8.1f%%  %s\n", order[i], a[1],
				(a[k] - a[1]) / a[1] * 100, a[int((k + 1) / 2)],
				(a[1] / base - 1) * 100, v[order[i]]
		}
	     }' "$res"
	grep -E '^  [0-9a-f]+ slowdown' "$res"
	exit 0
fi

# -------------------------------------------------------- in the guest ----

read -r -a VS <<<"$DRIVERS"
read -r -a RVS <<<"$RATIO"

load() {
	rmmod kvmmem_hostsim 2>/dev/null
	rmmod kvmmem 2>/dev/null
	insmod "$DRV/$1/kernel/kvmmem.ko" && insmod "$DRV/$1/kernel/kvmmem_hostsim.ko"
}

echo "clock ${KVMMEM_VM_CLOCK:-?}"
for ((r = 1; r <= ROUNDS; r++)); do
	for v in "${VS[@]}"; do
		load "$v" || { echo "load $v failed"; continue; }
		out=$("$MAPBENCH" --levels 16 --pairs "$PAIRS" --rounds 11 2>&1)
		echo "res $r $v $(awk '/^us\/pair \(median\)/ { print $NF }' <<<"$out")"
	done
done
for v in "${RVS[@]}"; do
	load "$v" || { echo "load $v failed"; continue; }
	"$MAPBENCH" 2>&1 | sed "s/^/  $v /"
done
rmmod kvmmem_hostsim 2>/dev/null
rmmod kvmmem 2>/dev/null
exit 0
