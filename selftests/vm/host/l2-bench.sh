#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# l2-bench.sh PHASES MAPS - the load of the host-side tracing benchmark,
# in an L2 guest (bench.sh runs in L1). For each phase 1..PHASES: wait
# for $KVMMEM_HOST_LOG/bench/go.N (L1 has set up that phase's tracer),
# make MAPS maps (each one MEM_MAP hypercall; stock KVM answers
# -KVM_ENOSYS, the driver EOPNOTSUPP: there is nothing to unmap), and
# write the elapsed ns to done.N. Silent: console output costs exits.
set -uo pipefail

PHASES=${1:?usage: l2-bench.sh PHASES MAPS}
MAPS=${2:?usage: l2-bench.sh PHASES MAPS}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OUT=${OUT:-$TOP/build}
B=${KVMMEM_HOST_LOG:-$OUT/host-lane}/bench
ZERO_TOKEN=$(printf '%064d' 0)

insmod "$TOP/kernel/kvmmem.ko" || exit 1
for ((i = 0; i < MAPS; i++)); do
	printf 'map 0x%x = EOPNOTSUPP\n' $(((i % 4096) * 4096))
done >/tmp/maps
for ((p = 1; p <= PHASES; p++)); do
	while [[ ! -e $B/go.$p ]]; do sleep 0.05; done
	t0=$(date +%s%N)
	"$OUT/kvmmem-ctl" --token "$ZERO_TOKEN" run </tmp/maps >/dev/null 2>&1 ||
		exit 1
	t1=$(date +%s%N)
	echo $((t1 - t0)) >"$B/done.$p"
done
