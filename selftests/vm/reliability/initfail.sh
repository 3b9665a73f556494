#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# initfail.sh - the init error paths of kvmmem.ko and kvmmem_hostsim.ko,
# run INSIDE the debug-kernel guest (run.sh faults), with kvmmem and
# kvmmem_hostsim loaded; it leaves them loaded again, with the parameters
# they had. Two test modules (selftests/vm/reliability/modules/, built
# by scripts/debug-kernel.sh in MODDIR/test-modules):
#
#   kvmmem_test_backend   a second backend: refused (-EBUSY) while
#                         hostsim is registered; loaded first, hostsim's
#                         insmod is refused (err_misc)
#   kvmmem_test_minors    holds every free dynamic misc minor: kvmmem's
#                         and hostsim's misc_register() fail with -EBUSY
#                         (their err_debugfs)
#
# And hostsim's mem_size_mb=0 refused (-EINVAL). After each refused
# insmod: no module left, no device node, no debugfs
# directory. One line per case, "initfail/NAME: ok" or "...: FAIL why".
#
# Usage: initfail.sh MODDIR (KVMMEM_TEST_MODULE_DIR: the test modules, if
# not in MODDIR/test-modules)
set -uo pipefail

MODDIR=${1:?usage: initfail.sh MODDIR}
TEST=${KVMMEM_TEST_MODULE_DIR:-$MODDIR/test-modules}
BACKEND=/sys/class/misc/kvmmem/backend
DBG=/sys/kernel/debug

ok() { echo "initfail/$1: ok"; }
fail() { echo "initfail/$1: FAIL ${*:2}"; }

# params MODULE: its parameters as insmod arguments (name=value)
params() {
	local p
	for p in /sys/module/"$1"/parameters/*; do
		[[ -r $p ]] && printf '%s=%s ' "${p##*/}" "$(cat "$p")"
	done
}

# refused CASE ERROR KO [ARG...]: insmod KO must fail with that error
# text and leave no module behind
refused() {
	local c=$1 want=$2 ko=$3 out mod
	shift 3
	mod=${ko##*/}
	mod=${mod%.ko}
	if out=$(insmod "$ko" "$@" 2>&1); then
		fail "$c" "insmod ${ko##*/} succeeded"
		rmmod "$mod"
		return 1
	elif [[ $out != *"$want"* ]]; then
		fail "$c" "insmod ${ko##*/}: '$out', not '$want'"
		return 1
	elif [[ -e /sys/module/$mod ]]; then
		fail "$c" "$mod is loaded after its refused insmod"
		return 1
	fi
	return 0
}

# gone CASE PATH...: none of PATH exists
gone() {
	local c=$1 p
	shift
	for p; do
		if [[ -e $p ]]; then
			fail "$c" "$p exists after the refused insmod"
			return 1
		fi
	done
	return 0
}

for ko in "$TEST/kvmmem_test_backend.ko" "$TEST/kvmmem_test_minors.ko"; do
	if [[ ! -f $ko ]]; then
		fail test_modules_built "no $ko (scripts/debug-kernel.sh builds it)"
		exit 0
	fi
done
if [[ ! -e /sys/module/kvmmem || ! -e /sys/module/kvmmem_hostsim ]]; then
	fail modules_loaded "kvmmem and kvmmem_hostsim must be loaded"
	exit 0
fi
kvmmem_args=$(params kvmmem)
hostsim_args=$(params kvmmem_hostsim)

# 1. a second backend while hostsim is registered: kvmmem_backend_register()
# says -EBUSY, and the backend stays hostsim
c=second_backend_refused
refused $c "Device or resource busy" "$TEST/kvmmem_test_backend.ko" &&
	if [[ $(cat $BACKEND) != hostsim ]]; then
		fail $c "backend '$(cat $BACKEND)', not hostsim"
	else
		ok $c
	fi

# 2. hostsim while another backend is registered: err_misc (its device
# deregistered, its debugfs removed)
c=hostsim_refused_beside_another_backend
if ! rmmod kvmmem_hostsim; then
	fail $c "rmmod kvmmem_hostsim failed"
elif ! out=$(insmod "$TEST/kvmmem_test_backend.ko" 2>&1); then
	fail $c "insmod kvmmem_test_backend.ko: $out"
else
	if [[ $(cat $BACKEND) != test ]]; then
		fail $c "backend '$(cat $BACKEND)' with kvmmem_test_backend loaded"
	else
		n=$(dmesg | wc -l)
		# shellcheck disable=SC2086
		if refused $c "Device or resource busy" \
			"$MODDIR/kvmmem_hostsim.ko" $hostsim_args &&
			gone $c /dev/kvmmem-hostsim /sys/class/misc/kvmmem-hostsim \
				$DBG/kvmmem_hostsim; then
			if dmesg | tail -n +"$((n + 1))" | grep 'another kvmmem backend' >/dev/null; then
				ok $c
			else
				fail $c "refused, but not by the backend registration"
			fi
		fi
	fi
	rmmod kvmmem_test_backend || fail $c "rmmod kvmmem_test_backend failed"
fi

# 2b. hostsim with no memory to emulate: refused by its init before
# anything is set up (kmod says "Invalid parameters" for any -EINVAL: the
# init's message tells it from a parameter that does not parse)
c=hostsim_mem_size_zero_refused
n=$(dmesg | wc -l)
if refused $c "Invalid parameters" "$MODDIR/kvmmem_hostsim.ko" mem_size_mb=0 &&
	gone $c /dev/kvmmem-hostsim $DBG/kvmmem_hostsim; then
	if dmesg | tail -n +"$((n + 1))" | grep 'mem_size_mb must be in' >/dev/null; then
		ok $c
	else
		fail $c "refused, but not by hostsim_init()'s mem_size_mb check"
	fi
fi

# 3. no dynamic misc minor left: hostsim's misc_register() fails
# (err_debugfs), not its backend registration; then, kvmmem unloaded
# (which frees its minor), kvmmem's (its err_debugfs)
c=hostsim_without_misc_minor
if ! out=$(insmod "$TEST/kvmmem_test_minors.ko" 2>&1); then
	fail $c "insmod kvmmem_test_minors.ko: $out"
else
	n=$(dmesg | wc -l)
	# shellcheck disable=SC2086
	if refused $c "Device or resource busy" \
		"$MODDIR/kvmmem_hostsim.ko" $hostsim_args &&
		gone $c /dev/kvmmem-hostsim $DBG/kvmmem_hostsim; then
		if dmesg | tail -n +"$((n + 1))" | grep 'another kvmmem backend' >/dev/null; then
			fail $c "refused by the backend registration, not misc_register()"
		else
			ok $c
		fi
	fi
	rmmod kvmmem_test_minors || fail $c "rmmod kvmmem_test_minors failed"
fi
c=kvmmem_without_misc_minor
if ! rmmod kvmmem; then
	fail $c "rmmod kvmmem failed"
elif ! out=$(insmod "$TEST/kvmmem_test_minors.ko" 2>&1); then
	fail $c "insmod kvmmem_test_minors.ko: $out"
else
	# shellcheck disable=SC2086
	refused $c "Device or resource busy" "$MODDIR/kvmmem.ko" $kvmmem_args &&
		gone $c /dev/kvmmem /sys/class/misc/kvmmem $DBG/kvmmem &&
		ok $c
	rmmod kvmmem_test_minors || fail $c "rmmod kvmmem_test_minors failed"
fi

# 4. both load again as they were (the rest of the boot uses them)
c=modules_load_again
# shellcheck disable=SC2086
if [[ ! -e /sys/module/kvmmem ]] &&
	! out=$(insmod "$MODDIR/kvmmem.ko" $kvmmem_args 2>&1); then
	fail $c "insmod kvmmem.ko: $out"
fi
# shellcheck disable=SC2086
if [[ ! -e /sys/module/kvmmem_hostsim ]] &&
	! out=$(insmod "$MODDIR/kvmmem_hostsim.ko" $hostsim_args 2>&1); then
	fail $c "insmod kvmmem_hostsim.ko: $out"
fi
if [[ ! -c /dev/kvmmem || ! -c /dev/kvmmem-hostsim ]]; then
	fail $c "no /dev/kvmmem or /dev/kvmmem-hostsim"
elif [[ $(cat $BACKEND) != hostsim ]]; then
	fail $c "backend '$(cat $BACKEND)', not hostsim"
elif [[ $(params kvmmem) != "$kvmmem_args" || $(params kvmmem_hostsim) != "$hostsim_args" ]]; then
	fail $c "parameters changed: '$(params kvmmem)' '$(params kvmmem_hostsim)'"
else
	ok $c
fi
