#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - reliability cases, run INSIDE the debug-kernel guest by
# debug-lane.sh. Prints one line per case, "name: ok" or "name: FAIL why",
# plus the programs' "*-result:" lines.
#
#   run.sh faults                 KUnit results, munmap-first tests, the
#                                 fault matrix, then a kmemleak scan
#   run.sh stress IOCTLS PROCS    the ioctl fuzzer (IOCTLS ioctls), the
#                                 kill storm (PROCS processes), kmemleak
#   run.sh fuzz IOCTLS, run.sh killstorm PROCS
#                                 one of the two, then kmemleak (make
#                                 coverage: what each reaches alone)
#
# Environment: KVMMEM_SEED (default: from the clock; printed),
# KVMMEM_FUZZ_CHURN (per mille, default 5), KVMMEM_FUZZ_LEAKS (default 3).
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OUT=${OUT:-$TOP/build}
BIN=$OUT/reliability
AWK=$TOP/selftests/lib/criterion-cases.awk
KMEMLEAK=/sys/kernel/debug/kmemleak
SUITES=(kvmmem_errno kvmmem_table kvmmem_teardown kvmmem_hostsim)
# the debug kernel's modules (vmrun --kernel debug loads kvmmem and hostsim)
MODDIR=${KVMMEM_MODULE_DIR:-$OUT/debug-modules}

# kunit: load the KUnit modules (never part of kvmmem.ko or
# kvmmem_hostsim.ko), then read the KTAP results of their suites.
kunit() {
	local s f m out
	for m in kvmmem_kunit kvmmem_hostsim_kunit; do
		if ! out=$(insmod "$MODDIR/$m.ko" 2>&1); then
			echo "kunit/$m: FAIL insmod: $out"
		fi
	done
	# the suites' names must not be in the production modules
	if grep -aqE 'kvmmem_test_|hostsim_test_' \
		"$MODDIR/kvmmem.ko" "$MODDIR/kvmmem_hostsim.ko"; then
		echo "kunit/not_in_production_modules: FAIL suites in kvmmem.ko or kvmmem_hostsim.ko"
	else
		echo "kunit/not_in_production_modules: ok"
	fi
	for s in "${SUITES[@]}"; do
		f=/sys/kernel/debug/kunit/$s/results
		if [[ ! -r $f ]]; then
			echo "kunit/$s: FAIL no results (modules built without KUnit?)"
			continue
		fi
		awk -v suite="$s" '
			/^    (not )?ok [0-9]+ / {
				ok = $1 == "ok"
				name = ok ? $3 : $4
				n++
				if (!ok)
					print "kunit/" suite "/" name ": FAIL see the KTAP report"
				else if ($0 ~ /# SKIP/)
					print "kunit/" suite "/" name ": FAIL skipped"
				else
					print "kunit/" suite "/" name ": ok"
			}
			/^    # .*EXPECTATION FAILED|^    # .*ASSERTION FAILED/ {
				print "    " $0
			}
			END { if (!n) print "kunit/" suite ": FAIL no test case in the report" }
		' "$f"
	done
}

# kmemleak_clear / kmemleak_check NAME: no unreferenced object allocated
# since the clear (objects younger than 5 s are not reported: wait).
kmemleak_clear() {
	echo clear >"$KMEMLEAK" 2>/dev/null
}

kmemleak_check() {
	local leaks
	if ! echo scan >"$KMEMLEAK" 2>/dev/null; then
		echo "$1: FAIL kmemleak is not running (disabled after an error?)"
		return
	fi
	sleep 6
	echo scan >"$KMEMLEAK"
	leaks=$(cat "$KMEMLEAK")
	if [[ -z $leaks ]]; then
		echo "$1: ok"
	else
		echo "$1: FAIL $(grep -c '^unreferenced object' <<<"$leaks") unreferenced objects"
		head -n 40 <<<"$leaks" | sed 's/^/    /'
	fi
}

criterion() {
	local tap
	tap=$(mktemp)
	"$BIN/$1" --jobs 1 --ascii --tap="$tap" >/dev/null 2>"$tap.err"
	if [[ ! -s $tap ]]; then
		echo "$1: FAIL no report"
		sed 's/^/    /' "$tap.err"
	fi
	awk -f "$AWK" "$tap"
	rm -f "$tap" "$tap.err"
}

seed=${KVMMEM_SEED:-$(date +%s)}

fuzz() {
	"$BIN/fuzz" -s "$seed" -n "$1" -p 4 -t 4 -k 300 \
		--churn "${KVMMEM_FUZZ_CHURN:-5}" --leaks "${KVMMEM_FUZZ_LEAKS:-3}" \
		--timeout 3600
}

killstorm() {
	"$BIN/killstorm" -s "$seed" -n "$1" -c 16 -d 20
}

case ${1:-} in
faults)
	kmemleak_clear
	kunit
	criterion test_munmap
	"$BIN/faults"
	kmemleak_check faults_kmemleak_scan_clean
	;;
stress)
	(($# == 3)) || { echo "usage: $0 stress IOCTLS PROCS" >&2; exit 2; }
	kmemleak_clear
	echo "# seed $seed (KVMMEM_SEED=$seed reproduces the choices)"
	fuzz "$2"
	killstorm "$3"
	kmemleak_check stress_kmemleak_scan_clean
	;;
fuzz | killstorm)
	(($# == 2)) || { echo "usage: $0 $1 N" >&2; exit 2; }
	kmemleak_clear
	echo "# seed $seed (KVMMEM_SEED=$seed reproduces the choices)"
	"$1" "$2"
	kmemleak_check "$1_kmemleak_scan_clean"
	;;
*)
	echo "usage: $0 faults | stress IOCTLS PROCS | fuzz IOCTLS | killstorm PROCS" >&2
	exit 2
	;;
esac
