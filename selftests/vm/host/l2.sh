#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# l2.sh N - runs in the L2 guest (stock KVM host in L1, no KVMI): load
# kvmmem with the real kvmi backend, try N maps under kvmmem-trace (the
# guest's half of each hypercall, for L1 to compare with its half and to
# merge), check what the driver made of the host's -KVM_ENOSYS. One line
# per case; the recording goes to $KVMMEM_HOST_LOG/l2.ktr.
set -uo pipefail

N=${1:?usage: l2.sh N}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OUT=${OUT:-$TOP/build}
LOG=${KVMMEM_HOST_LOG:-$OUT/host-lane}
ZERO_TOKEN=$(printf '%064d' 0)

case_() {
	if [[ $2 == "$3" ]]; then
		echo "l2/$1: ok"
	else
		echo "l2/$1: FAIL got '$2', expected '$3'"
	fi
}

stat_() {
	awk -v k="$1" '$1 == k { print $2 }' /sys/kernel/debug/kvmmem/stats
}

insmod "$TOP/kernel/kvmmem.ko" || { echo "l2/insmod_kvmmem: FAIL"; exit 1; }
case_ backend_is_kvmi_under_kvm "$(cat /sys/class/misc/kvmmem/backend)" kvmi

script=$(for ((i = 0; i < N; i++)); do
	printf 'map 0x%x = EOPNOTSUPP\n' $((i * 4096))
done)
# quiet (-q): every character L2 prints costs a nested exit
"$OUT/kvmmem-trace" record -q -o "$LOG/l2.ktr" -- \
	"$OUT/kvmmem-ctl" --token "$ZERO_TOKEN" run <<<"$script" >/tmp/run.log 2>&1
case_ every_map_on_stock_kvm_is_eopnotsupp "$?" 0
case_ errors_counted_as_eopnotsupp "$(stat_ errors_EOPNOTSUPP)" "$N"
case_ nothing_live_after_failed_maps "$(stat_ live_mappings)" 0
case_ nothing_pinned_after_failed_maps "$(stat_ pinned_pages)" 0
case_ leaked_pages_none "$(stat_ leaked_pages)" 0
case_ enosys_logged_once \
	"$(dmesg | grep -c 'does not implement the KVMI memory hypercalls')" 1
rmmod kvmmem
case_ module_unloads "$?" 0
