#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# l2-busy.sh - runs in an L2 guest that L1 kills in the middle of its
# work: load kvmmem (kvmi backend), say so through a file on the shared
# tree ($KVMMEM_HOST_LOG/l2-busy.started), then map without end. Never
# returns on its own.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OUT=${OUT:-$TOP/build}
LOG=${KVMMEM_HOST_LOG:-$OUT/host-lane}
ZERO_TOKEN=$(printf '%064d' 0)

insmod "$TOP/kernel/kvmmem.ko" || exit 1
echo mapping >"$LOG/l2-busy.started"
for ((i = 0; ; i++)); do
	printf 'map 0x%x = EOPNOTSUPP\n' $(((i % 4096) * 4096))
done | "$OUT/kvmmem-ctl" --token "$ZERO_TOKEN" run >/dev/null 2>&1
