#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-lane.sh - the guest VM lane: kvmmem and kvmmem_hostsim in QEMU
# (TCG) with the Debian kernel, driver behaviour tested end to end.
#
# Each mode of driver/run.sh gets a boot of its own: the leak tests keep
# the modules loaded for good, and the backend tests load them by hand.
# A boot is a case too: vmrun fails it when the guest kernel logged a
# WARN, BUG, Oops, bad page state, lockup or hung task.
#
# Prints one line per case and "guest: N passed, N failed"; exits
# non-zero on any failure.
#
# Usage: guest-lane.sh [--kernel stock|6.12|debug]. With debug, the same
# boots run on the debug kernel (make debug-kernel) with the modules built
# against it; vmrun also fails them on KASAN, lockdep and kmemleak reports.
# With 6.12, the boots driver, leak, trace-btf, trace-raw and top (the
# others with --only) run on bookworm-backports' 6.12 kernel with the
# modules of `make modules-6.12` and the very same tool binaries and BPF
# objects; the closing line is then "guest-6.12: ...".
# --only MODE[,MODE...] runs just those boots (driver, leak, backend,
# trace-btf, trace-raw, top, top-prom; make coverage runs the tool boots
# on the stock kernel this way).
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMRUN=$TOP/selftests/vm/vmrun
OUT=${OUT:-$TOP/build}
LOG=$OUT/guest-lane
KERNEL=stock
ONLY=
while (($#)); do
	case $1 in
	--kernel) KERNEL=${2:-} ;;
	--only) ONLY=,${2:-}, ;;
	*)
		echo "usage: guest-lane.sh [--kernel stock|6.12|debug] [--only MODE,...]" >&2
		exit 2
		;;
	esac
	shift 2 || shift
done
NAME=guest
MODDIR=$TOP/kernel
case $KERNEL in
stock) ;;
debug)
	MODDIR=$OUT/debug-modules
	LOG=$OUT/guest-lane-debug
	;;
6.12)
	NAME=guest-6.12
	MODDIR=$OUT/modules-6.12
	LOG=$OUT/guest-lane-6.12
	# The named subset of make check (issue 22 allows one when the whole
	# lane would push make check too long; 6.12 runs on one vCPU, see
	# vmrun's kernel_612): the driver's ABI and teardown, the leaks, and
	# each tool end to end on both attach paths. Left out, as the same
	# code paths: backend (module load order), lockdown (its driver and
	# tool cases), top-prom (kvmmem-top's exporter on top's BPF).
	# --only names any of them, or all.
	if [[ -z $ONLY ]]; then
		ONLY=,driver,leak,trace-btf,trace-raw,top,
		echo "# guest-6.12: the make check subset: ${ONLY//,/ }(--only for others)"
	fi
	;;
*)
	echo "guest-lane.sh: unknown --kernel '$KERNEL' (stock, 6.12 or debug)" >&2
	exit 2
	;;
esac
# driver/run.sh and top/run.sh load the modules by hand in some cases
[[ $KERNEL == stock ]] || export KVMMEM_MODULE_DIR=$MODDIR
mkdir -p "$LOG"

passed=0
failed=0
booted=0

count() {
	local p f
	p=$(grep -c -E '^[^ ]+: ok$' "$1")
	f=$(grep -c -E '^[^ ]+: FAIL' "$1")
	passed=$((passed + p))
	failed=$((failed + f))
	if [[ $((p + f)) -eq 0 ]]; then
		echo "boot $2: FAIL no test case ran"
		failed=$((failed + 1))
	fi
}

# boot MODE [VMRUN OPTION...]: one guest running driver/run.sh MODE,
# trace/run.sh X for MODE trace-X (kvmmem-trace), top/run.sh for MODE
# top (kvmmem-top), top/prom.sh for MODE top-prom (its exporter), or
# deb/run.sh for MODE deb (the Debian packages installed and used).
boot() {
	local mode=$1 rc script=$TOP/selftests/vm/driver/run.sh arg=("$1")
	local start=$SECONDS
	shift
	[[ -z $ONLY || $ONLY == *",$mode,"* ]] || return 0
	booted=$((booted + 1))
	if [[ $mode == trace-* ]]; then
		script=$TOP/selftests/vm/trace/run.sh
		arg=("${mode#trace-}")
	elif [[ $mode == top ]]; then
		script=$TOP/selftests/vm/top/run.sh
		arg=()
	elif [[ $mode == top-prom ]]; then
		script=$TOP/selftests/vm/top/prom.sh
		arg=()
	elif [[ $mode == deb ]]; then
		script=$TOP/selftests/vm/deb/run.sh
		arg=()
	fi
	"$VMRUN" --kernel "$KERNEL" --timeout 600 "$@" -- \
		"$script" "${arg[@]}" 2>&1 | tee "$LOG/$mode.log"
	rc=${PIPESTATUS[0]}
	count "$LOG/$mode.log" "$mode"
	echo "# boot $mode took $((SECONDS - start)) s"
	if [[ $rc -eq 0 ]]; then
		echo "boot $mode: ok"
		passed=$((passed + 1))
	else
		echo "boot $mode: FAIL vmrun exited $rc"
		failed=$((failed + 1))
	fi
}

if [[ ! -f $MODDIR/kvmmem.ko || ! -x $OUT/vm/test_driver || ! -x $OUT/kvmmem-trace ||
      ! -x $OUT/kvmmem-top ]]; then
	echo "$NAME: FAIL not built: run make (for 6.12: make modules-6.12)" >&2
	echo "$NAME: 0 passed, 1 failed"
	exit 1
fi

# The tools and BPF objects this lane runs: the 6.12 lane must run the
# very files the stock lane ran (one build, CO-RE), not a build of its own.
(cd "$OUT" && sha256sum kvmmem-ctl kvmmem-trace kvmmem-top bpf/*.bpf.o) \
	>"$LOG/tools.sha256"
if [[ $KERNEL == 6.12 ]]; then
	if [[ ! -f $OUT/guest-lane/tools.sha256 ]]; then
		echo "tools_same_as_stock_lane: FAIL no $OUT/guest-lane/tools.sha256 (run the stock guest lane first)"
		failed=$((failed + 1))
	elif cmp -s "$OUT/guest-lane/tools.sha256" "$LOG/tools.sha256"; then
		echo "tools_same_as_stock_lane: ok"
		passed=$((passed + 1))
	else
		echo "tools_same_as_stock_lane: FAIL the tools or BPF objects differ from the stock lane's:"
		diff "$OUT/guest-lane/tools.sha256" "$LOG/tools.sha256" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
fi

boot driver
boot leak
boot backend --no-load
if [[ $KERNEL != debug ]]; then
	# sysfs counters equal debugfs; kvmmem-ctl stats without debugfs, as
	# non-root; the driver and the BPF tools under lockdown integrity,
	# then confidentiality (never lowered again: a boot of its own)
	boot lockdown
	# kvmmem-trace: its report must equal a known workload, tp_btf and raw_tp
	boot trace-btf
	boot trace-raw
	# kvmmem-top: batch and JSON numbers equal a known workload; the
	# interactive view in tmux; rmmod/insmod while it runs
	boot top
	# kvmmem-top --prometheus scraped by a real Prometheus server: its
	# totals equal a known workload; hostile clients; --textfile
	boot top-prom
fi
if [[ $KERNEL == stock ]]; then
	# the packages of `make deb` (the install lane makes them) on an
	# overlay root that never saw the checkout: DKMS builds the modules
	# for this kernel (its headers are the build machine's), modprobe,
	# the tools from PATH. Stock only: DKMS needs the running kernel's
	# headers in /lib/modules/RELEASE/build, and the root has only 6.1's.
	boot deb --no-load --timeout 2400
fi

if ((booted == 0)); then
	echo "boots: FAIL --only '${ONLY//,/ }' names no boot of this lane on $KERNEL"
	failed=$((failed + 1))
fi
echo "$NAME: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
