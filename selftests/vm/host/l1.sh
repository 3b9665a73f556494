#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# l1.sh N - runs in the L1 guest (vmrun --nested: TCG, -cpu max, stock
# KVM loaded). Traces kvm:kvm_hypercall, boots an L2 guest under KVM
# (vmrun --accel kvm) that runs l2.sh N, then checks that L1 saw exactly
# the hypercalls L2 made. One line per case.
set -uo pipefail

N=${1:?usage: l1.sh N}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
T=/sys/kernel/tracing

echo 0 >"$T/tracing_on"
echo >"$T/trace"
echo 4096 >"$T/buffer_size_kb"
echo 1 >"$T/events/kvm/kvm_hypercall/enable"
echo 1 >"$T/tracing_on"

# L2 is quiet: every character it prints costs a nested exit.
"$TOP/selftests/vm/vmrun" --accel kvm --no-load --mem 256 --smp 1 \
	--timeout 300 -- "$TOP/selftests/vm/host/l2.sh" "$N"
rc=$?
echo 0 >"$T/tracing_on"
if [[ $rc -eq 0 ]]; then
	echo "l1/l2_guest_ran: ok"
else
	echo "l1/l2_guest_ran: FAIL vmrun exited $rc"
fi

# kvm_hypercall: "nr 0x20 a0 0x... a1 0x1000 a2 0x... a3 0x0"
seen=$(grep -c 'kvm_hypercall: nr 0x20 ' "$T/trace")
if [[ $seen -eq $N ]]; then
	echo "l1/host_saw_every_map_hypercall: ok"
else
	echo "l1/host_saw_every_map_hypercall: FAIL saw $seen MEM_MAP hypercalls, L2 made $N"
fi
gpas=$(grep -o 'kvm_hypercall: nr 0x20 a0 0x[0-9a-f]* a1 0x[0-9a-f]*' "$T/trace" |
	awk '{ print $NF }' | sort -u | wc -l)
if [[ $gpas -eq $N ]]; then
	echo "l1/host_saw_each_remote_gpa: ok"
else
	echo "l1/host_saw_each_remote_gpa: FAIL $gpas distinct a1 values, expected $N"
fi
