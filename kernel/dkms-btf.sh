#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dkms-btf.sh KERNELRELEASE MODULE.ko...: give DKMS-built modules their
# BTF, which tp_btf programs need (raw_tp ones do not). kbuild adds it
# only when $(objtree)/vmlinux exists, and Debian's headers have none:
# this runs what kbuild would (scripts/Makefile.modfinal: pahole -J
# --btf_base), against the running kernel's own BTF,
# /sys/kernel/btf/vmlinux. Module BTF is only valid on the exact BTF it
# was split from, so for any other kernel (DKMS building for a newly
# installed one) the modules are left without BTF, and say so; the next
# `dkms build` under that kernel adds it. KVMMEM_BTF_BASE=FILE (a vmlinux
# or raw BTF) overrides the base. Never fails the build: without BTF the
# tools use raw_tp.
release=$1
shift
base=${KVMMEM_BTF_BASE:-}
if [ -z "$base" ]; then
	if [ "$release" != "$(uname -r)" ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
		echo "dkms-btf: building for $release, not the running kernel" \
		     "(or it has no /sys/kernel/btf/vmlinux): modules without BTF" \
		     "(kvmmem-trace uses raw_tp); rebuild under $release for BTF" >&2
		exit 0
	fi
	base=/sys/kernel/btf/vmlinux
fi
if ! command -v pahole >/dev/null 2>&1; then
	echo "dkms-btf: no pahole (package dwarves): modules without BTF" >&2
	exit 0
fi
for ko in "$@"; do
	# the flags kbuild's scripts/pahole-flags.sh gives pahole >= 1.22
	if ! LLVM_OBJCOPY=${OBJCOPY:-objcopy} pahole -J --btf_gen_floats -j \
		--btf_base "$base" "$ko"; then
		echo "dkms-btf: pahole failed on $ko: left without BTF" >&2
	fi
done
exit 0
