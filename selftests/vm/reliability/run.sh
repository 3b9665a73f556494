#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - reliability cases, run INSIDE the debug-kernel guest by
# debug-lane.sh. Prints one line per case, "name: ok" or "name: FAIL why",
# plus the programs' "*-result:" lines.
#
#   run.sh faults                 KUnit results, munmap-first tests, the
#                                 init error paths (initfail.sh), the
#                                 fault matrix, then a kmemleak scan
#   run.sh stress IOCTLS PROCS    the ioctl fuzzer (IOCTLS ioctls), the
#                                 kill storm (PROCS processes), kmemleak
#   run.sh intree                 the modules built in-tree from make
#                                 kernel-patch's series: loaded, KUnit,
#                                 map/read/unmap, the kselftest, kmemleak
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

# intree_loaded MODULE: the module vmrun loaded is the one in MODDIR
# (same GNU build id) and was built in-tree (no out-of-tree taint, O).
intree_loaded() {
	local ko=$MODDIR/$1.ko note=/sys/module/$1/notes/.note.gnu.build-id taint
	if [[ ! -r $note ]]; then
		echo "intree/$1_loaded: FAIL $1 is not loaded (or has no build id)"
	elif ! objcopy -O binary --only-section=.note.gnu.build-id "$ko" \
		/dev/stdout 2>/dev/null | cmp -s - "$note"; then
		echo "intree/$1_loaded: FAIL the loaded $1 is not $ko"
	else
		echo "intree/$1_loaded: ok"
	fi
	taint=$(cat "/sys/module/$1/taint" 2>/dev/null) || taint=unreadable
	if [[ $taint == *O* || $taint == unreadable ]]; then
		echo "intree/$1_in_tree: FAIL taint '$taint' (O: built out of tree)"
	else
		echo "intree/$1_in_tree: ok"
	fi
}

# kselftest PROGRAM: the kselftest harness's TAP, one case per test; a
# skipped test is a failure here (the lane provides what it needs).
kselftest() {
	local out rc
	out=$("$1" 2>&1)
	rc=$?
	awk -v prog="${1##*/}" '
		/^(not )?ok [0-9]+ / {
			ok = $1 == "ok"
			name = ok ? $3 : $4
			n++
			if (!ok)
				print "intree/" prog "/" name ": FAIL see its output"
			else if ($0 ~ /# SKIP/)
				print "intree/" prog "/" name ": FAIL skipped: " $0
			else
				print "intree/" prog "/" name ": ok"
		}
		/^# / { print "    " $0 }
		END { if (!n) print "intree/" prog ": FAIL no test in its output" }
	' <<<"$out"
	((rc == 0)) || echo "intree/${1##*/}_exit: FAIL exited $rc"
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
	# the modules' init error paths (insmod refused); reloads both.
	# Before the fault matrix, whose pages leaked by design keep
	# hostsim from unloading.
	"$TOP/selftests/vm/reliability/initfail.sh" "$MODDIR"
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
intree)
	# the modules built in-tree from make kernel-patch's series
	# (KVMMEM_MODULE_DIR, loaded by vmrun with KVMMEM_DEBUG_MODULES)
	kmemleak_clear
	intree_loaded kvmmem
	intree_loaded kvmmem_hostsim
	kunit
	if "$OUT/kvmmem-ctl" run <<-EOF
	map 0x1000
	verify 0x1000
	unmap 0x1000
	unmap 0x1000 = ENOENT
	EOF
	then
		echo "intree/ctl_map_verify_unmap: ok"
	else
		echo "intree/ctl_map_verify_unmap: FAIL kvmmem-ctl run"
	fi
	if "$OUT/kvmmem-ctl" read 0x200000 --len 64k --verify --quiet; then
		echo "intree/ctl_read_verify: ok"
	else
		echo "intree/ctl_read_verify: FAIL kvmmem-ctl read --verify"
	fi
	kselftest "$MODDIR/kvmmem_test"
	kmemleak_check intree_kmemleak_scan_clean
	;;
fuzz | killstorm)
	(($# == 2)) || { echo "usage: $0 $1 N" >&2; exit 2; }
	kmemleak_clear
	echo "# seed $seed (KVMMEM_SEED=$seed reproduces the choices)"
	"$1" "$2"
	kmemleak_check "$1_kmemleak_scan_clean"
	;;
*)
	echo "usage: $0 faults | stress IOCTLS PROCS | fuzz IOCTLS | killstorm PROCS | intree" >&2
	exit 2
	;;
esac
