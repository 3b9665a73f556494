#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh - tests of selftests/vm/vmrun itself.
#
# Each case boots a guest (~2-4 s under TCG) and prints "name: ok" or
# "name: FAIL why"; the last line is "runner: N passed, N failed" and the
# exit status is non-zero if any case failed.
#
# Usage: selftests/vm/runner/run-tests.sh [-l|--list] [CASE...]
# Needs: make deps (the guest kernel cache). Builds warnmod/ itself.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
TOP=$(cd "$HERE/../../.." && pwd -P)
VMRUN=$TOP/selftests/vm/vmrun
CACHE=${KVMMEM_CACHE:-$TOP/.cache/guest}
export KVMMEM_CACHE=$CACHE

CASES=(
	uname_is_guest_release
	false_exits_1
	exit_status_passes_through
	stdout_and_stderr_are_separate
	streams_are_byte_transparent
	cwd_follows_caller_inside_checkout
	cwd_is_checkout_from_outside
	timeout_kills_qemu
	warning_fails_successful_command
	panic_is_reported
	nested_has_dev_kvm_and_one_cpu
	bpftool_runs_from_shared_root
	checkout_is_writable
	host_root_is_readonly
	project_modules_load_with_args
	missing_project_module_is_clear
	failed_insmod_fails_run
	unknown_option_is_rejected
	missing_cache_says_run_make_deps
	closed_stdout_ends_the_run
	lost_status_is_taken_from_the_console_loudly
	reset_before_the_end_is_a_death
	qemu_killed_from_outside_is_not_a_timeout
	kernel_612_boots_with_9p_and_btf
	kernel_612_runs_the_driver_and_the_bpf_tools
	kernel_612_is_one_cpu_and_survives_static_key_flips
)

# --------------------------------------------------------------- helpers ----

# run_vm [VMRUN ARGS...]: run vmrun; sets RC, OUT, ERR (file contents).
run_vm() {
	RC=0
	"${VMRUN_CMD:-$VMRUN}" "$@" >"$WORK/out" 2>"$WORK/err" || RC=$?
	OUT=$(<"$WORK/out")
	ERR=$(<"$WORK/err")
}

# Assertions: print why and return 1 on mismatch.
want_rc() {
	[[ "$RC" == "$1" ]] && return 0
	echo "exit status $RC, want $1 (stderr: $(tail -n 3 "$WORK/err" | tr '\n' '|'))"
	return 1
}

want_out() {
	[[ "$OUT" == "$1" ]] && return 0
	echo "stdout '$(head -c 200 <<<"$OUT")', want '$1'"
	return 1
}

want_err_match() {
	grep -Eq -- "$1" "$WORK/err" && return 0
	echo "stderr has no /$1/ (stderr: $(tail -n 3 "$WORK/err" | tr '\n' '|'))"
	return 1
}

# fake_checkout: a minimal checkout under $WORK (vmrun + init only, so
# TOP is there) sharing the real guest kernel cache; prints its path. It
# lives below /tmp, which the guest covers with a tmpfs: this also checks
# that the checkout is mounted over that.
fake_checkout() {
	local fake=$WORK/fake
	rm -rf "$fake"
	mkdir -p "$fake/selftests/vm/init" "$fake/kernel"
	cp "$VMRUN" "$fake/selftests/vm/vmrun"
	cp "$TOP/selftests/vm/init/init" "$fake/selftests/vm/init/init"
	echo "$fake"
}

build_warnmod() {
	[[ -n "${WARNMOD_BUILT:-}" ]] && return 0
	if ! make -s -C "$HERE/warnmod" KDIR="$CACHE/kbuild" >"$WORK/make.log" 2>&1; then
		echo "cannot build warnmod: $(tail -n 3 "$WORK/make.log" | tr '\n' '|')"
		return 1
	fi
	WARNMOD_BUILT=1
}

# ----------------------------------------------------------------- cases ----

case_uname_is_guest_release() {
	run_vm --no-load -- uname -r
	want_rc 0 && want_out "$(<"$CACHE/release")"
}

case_false_exits_1() {
	run_vm --no-load -- false
	want_rc 1
}

case_exit_status_passes_through() {
	run_vm --no-load -- exit 7
	want_rc 7
}

case_stdout_and_stderr_are_separate() {
	run_vm --no-load -- sh -c 'echo to-out; echo to-err >&2; echo out-2'
	want_rc 0 && want_out $'to-out\nout-2' || return 1
	[[ "$ERR" == to-err ]] || { echo "stderr '$ERR', want 'to-err'"; return 1; }
}

# Raw ttys: CR, LF, ^C, ^S, NUL and high bytes arrive unchanged.
case_streams_are_byte_transparent() {
	local data=$TOP/.cache/runner-bytes.$$
	mkdir -p "$TOP/.cache"
	{ printf 'a\r\nb\n\x03\x11\x13\x00\x7f'; head -c 4096 /dev/urandom; } >"$data"
	run_vm --no-load -- cat "$data"
	want_rc 0 || { rm -f "$data"; return 1; }
	cmp -s "$data" "$WORK/out" || { echo "stdout differs from the file sent"; rm -f "$data"; return 1; }
	rm -f "$data"
}

case_cwd_follows_caller_inside_checkout() {
	(cd "$TOP/selftests/vm" && run_vm --no-load -- pwd && want_rc 0 && want_out "$TOP/selftests/vm")
}

case_cwd_is_checkout_from_outside() {
	(cd / && run_vm --no-load -- pwd && want_rc 0 && want_out "$TOP")
}

case_timeout_kills_qemu() {
	local t0=$SECONDS
	run_vm --no-load --timeout 5 -- sleep 60
	want_rc 124 && want_err_match '^vmrun: timeout after 5 s: killed QEMU$' || return 1
	((SECONDS - t0 < 30)) || { echo "took $((SECONDS - t0)) s"; return 1; }
}

case_warning_fails_successful_command() {
	build_warnmod || return 1
	run_vm --no-load -- sh -c "insmod $HERE/warnmod/warnmod.ko &&
		echo 1 >/sys/module/warnmod/parameters/trigger && echo triggered"
	want_rc 125 && want_out triggered &&
		want_err_match '^vmrun: kernel: .*WARNING: .*warnmod'
}

case_panic_is_reported() {
	run_vm --no-load -- sh -c 'echo c >/proc/sysrq-trigger'
	want_rc 125 && want_err_match 'guest died without finishing COMMAND' &&
		want_err_match '^vmrun: kernel: .*Kernel panic'
}

case_lost_status_is_taken_from_the_console_loudly() {
	KVMMEM_TEST_LOSE_STATUS=1 run_vm --no-load -- sh -c 'exit 7'
	want_rc 7 &&
		want_err_match '^vmrun: NOTE the guest finished \(status 7\) but the status file is missing' &&
		want_err_match '^vmrun: guest logs kept in'
}

case_reset_before_the_end_is_a_death() {
	run_vm --no-load -- sh -c 'echo b >/proc/sysrq-trigger; sleep 30'
	want_rc 125 && want_err_match 'guest died without finishing COMMAND'
}

case_qemu_killed_from_outside_is_not_a_timeout() {
	local i q=
	("${VMRUN_CMD:-$VMRUN}" --no-load --name vmrun-killme -- sleep 60 \
		>"$WORK/out" 2>"$WORK/err"; echo $? >"$WORK/rc") &
	for ((i = 0; i < 300; i++)); do
		[[ -z $q ]] || break
		sleep 0.1
		q=$(pgrep -f -- '-name guest=vmrun-killme$' | while read -r p; do
			[[ $(cat "/proc/$p/comm" 2>/dev/null) == qemu-system-* ]] && echo "$p"
		done)
	done
	[[ -n $q ]] || { echo "QEMU of vmrun-killme not found"; return 1; }
	kill -9 "$q"
	wait
	RC=$(<"$WORK/rc")
	want_rc 125 && want_err_match 'died without finishing COMMAND.*QEMU exit 137' ||
		return 1
	if grep -q '^vmrun: timeout' "$WORK/err"; then
		echo "a QEMU killed after a few seconds was called a timeout"
		return 1
	fi
}

case_kernel_612_boots_with_9p_and_btf() {
	local want
	want=$(<"${KVMMEM_CACHE_612:-$TOP/.cache/guest-6.12}/release") || return 1
	run_vm --kernel 6.12 --no-load -- sh -c 'uname -r; test -e /sys/kernel/btf/vmlinux && echo btf'
	want_rc 0 && want_out "$want"$'\n'btf
}

# the same driver source and the same CO-RE BPF objects on 6.12
case_kernel_612_runs_the_driver_and_the_bpf_tools() {
	local ktr=/tmp/k612.ktr	# the guest's own /tmp
	run_vm --kernel 6.12 -- sh -c "'$TOP/build/kvmmem-ctl' read 0x1000 --verify | tail -n 1;
		'$TOP/build/kvmmem-trace' record -q -o '$ktr' -- '$TOP/build/kvmmem-ctl' stress -p 2 -m 10 >/dev/null &&
		'$TOP/build/kvmmem-trace' report '$ktr' | grep -E '^Summary|attached as' | sed 's/.*attached/attached/'"
	want_rc 0 && want_out "verify: ok, 1 page checked against the hostsim pattern
attached as tp_btf
Summary: 20 maps, 20 unmaps, 0 teardown unmaps, 0 errors, 0 leaked pages, 0 live at end, 0 orphaned"
}

# 6.12 boots with one vCPU unless --smp says otherwise: with two under
# multi-threaded TCG, a static key flipped while the other vCPU runs its
# code kills it ("Oops: int3"; vmrun's kernel_612). Flip the scheduler's
# tracepoints 100 times with a busy loop beside: on two vCPUs that died
# within 150 rounds in 3 boots of 3.
case_kernel_612_is_one_cpu_and_survives_static_key_flips() {
	run_vm --kernel 6.12 --no-load -- sh -c 'nproc
		T=/sys/kernel/tracing; (while :; do :; done) & b=$!
		i=0; while [ $i -lt 100 ]; do i=$((i + 1))
			for e in sched_switch sched_wakeup; do
				echo 1 >$T/events/sched/$e/enable
				echo 0 >$T/events/sched/$e/enable
			done
		done; kill $b; echo flipped $i'
	want_rc 0 && want_out "1"$'\n'"flipped 100"
}

# --nested boots one vCPU unless --smp says otherwise: a KVM host with
# two under multi-threaded TCG went wrong in 3 boots of 9 (vmrun's main)
case_nested_has_dev_kvm_and_one_cpu() {
	run_vm --nested --no-load -- sh -c 'test -c /dev/kvm && nproc'
	want_rc 0 && want_out "1"
}

case_bpftool_runs_from_shared_root() {
	run_vm --no-load -- bpftool version
	want_rc 0 || return 1
	grep -q '^bpftool v' <<<"$OUT" ||
		{ echo "no 'bpftool v' line in: $(head -n 1 <<<"$OUT")"; return 1; }
}

case_checkout_is_writable() {
	local f=$TOP/.cache/runner-write.$$
	mkdir -p "$TOP/.cache"
	rm -f "$f"
	run_vm --no-load -- sh -c "echo written-in-guest >$f"
	want_rc 0 || return 1
	[[ "$(cat "$f" 2>/dev/null)" == written-in-guest ]] ||
		{ echo "$f not visible on the host"; return 1; }
	rm -f "$f"
}

case_host_root_is_readonly() {
	local f=/etc/vmrun-readonly-test.$$
	run_vm --no-load -- sh -c "touch $f; echo \$?"
	rm -f "$f"	# in case it went through
	want_rc 0 && want_out 1 && want_err_match 'Read-only file system'
}

case_project_modules_load_with_args() {
	local fake
	build_warnmod || return 1
	fake=$(fake_checkout)
	cp "$HERE/warnmod/warnmod.ko" "$fake/kernel/kvmmem.ko"
	KVMMEM_ARGS="value=42" VMRUN_CMD=$fake/selftests/vm/vmrun \
		run_vm -- cat /sys/module/warnmod/parameters/value
	want_rc 0 && want_out 42
}

case_missing_project_module_is_clear() {
	local fake
	fake=$(fake_checkout)
	VMRUN_CMD=$fake/selftests/vm/vmrun run_vm -- true
	[[ "$RC" != 0 ]] || { echo "exit status 0 without kernel/kvmmem.ko"; return 1; }
	want_err_match 'kernel/kvmmem.ko is missing: run make'
}

case_failed_insmod_fails_run() {
	local fake
	fake=$(fake_checkout)
	echo "not a module" >"$fake/kernel/kvmmem.ko"
	VMRUN_CMD=$fake/selftests/vm/vmrun run_vm -- echo should-not-run
	want_rc 125 && want_out "" && want_err_match 'insmod kernel/kvmmem.ko .*failed'
}

case_unknown_option_is_rejected() {
	run_vm --bogus -- true
	want_rc 2 && want_err_match 'unknown option'
}

case_missing_cache_says_run_make_deps() {
	KVMMEM_CACHE=$WORK/no-cache run_vm --no-load -- true
	want_rc 125 && want_err_match 'run make deps'
}

# A reader that goes away ("vmrun ... | head") must not leave the guest
# blocked on a full FIFO until --timeout.
case_closed_stdout_ends_the_run() {
	local t0=$SECONDS rc
	"$VMRUN" --no-load --timeout 120 -- yes 2>"$WORK/err" | head -c 5 >"$WORK/out"
	rc=${PIPESTATUS[0]}
	[[ "$(<"$WORK/out")" == $'y\ny\ny' ]] || { echo "stdout '$(<"$WORK/out")'"; return 1; }
	((SECONDS - t0 < 60)) || { echo "took $((SECONDS - t0)) s"; return 1; }
	[[ "$rc" == 141 ]] || { echo "exit status $rc, want 141"; return 1; }
}

# ------------------------------------------------------------------ main ----

main() {
	local c why passed=0 failed=0 selected=()
	case "${1:-}" in
	-h | --help) sed -n '4,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-l | --list) printf '%s\n' "${CASES[@]}"; exit 0 ;;
	esac
	selected=("$@")
	((${#selected[@]})) || selected=("${CASES[@]}")

	if [[ ! -f "$CACHE/release" ]]; then
		echo "runner: no guest kernel in $CACHE: run make deps" >&2
		echo "runner: 0 passed, 1 failed"
		exit 1
	fi
	# vmrun's job directories (kept on failure) go here, removed at exit.
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmrun-tests.XXXXXX")
	export TMPDIR=$WORK
	trap 'rm -rf "$WORK"' EXIT

	for c in "${selected[@]}"; do
		if ! declare -F "case_$c" >/dev/null; then
			echo "$c: FAIL no such case"
			failed=$((failed + 1))
			continue
		fi
		if why=$("case_$c" 2>&1); then
			echo "$c: ok"
			passed=$((passed + 1))
		else
			echo "$c: FAIL ${why:-returned non-zero}" | head -n 1
			failed=$((failed + 1))
		fi
	done
	echo "runner: $passed passed, $failed failed"
	((failed == 0))
}

main "$@"
