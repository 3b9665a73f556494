#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# extract-vmlinux.sh - extract the uncompressed ELF vmlinux from a bzImage.
#
# Debian's kbuild package does not ship scripts/extract-vmlinux, so this is
# our own: find each compressed-stream magic inside the bzImage, try to
# decompress from there, and keep the first result that is an ELF image.
# QEMU boots the ELF directly through its PVH entry point, which skips the
# in-guest decompression (~2.5 s under TCG), and kbuild/bpftool need it as
# the BTF base for module BTF.
#
# Usage: scripts/extract-vmlinux.sh [--require-btf] BZIMAGE OUTPUT

set -euo pipefail

usage() {
	cat <<-EOF
	Usage: ${0##*/} [--require-btf] BZIMAGE OUTPUT

	Extract the uncompressed ELF vmlinux from BZIMAGE (xz, gzip or zstd
	payload) into OUTPUT. With --require-btf, also fail unless the result
	has a .BTF section.
	EOF
}

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# is_elf FILE: true if FILE starts with the ELF magic.
is_elf() {
	[[ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" == 7f454c46 ]]
}

# try_decompress IMAGE OUT MAGIC_REGEX CMD...: for each offset at which the
# magic occurs, feed the rest of IMAGE to CMD; succeed on the first output
# that is an ELF file. Trailing data after the stream (the bzImage tail, a
# signature) makes the decompressors complain, so their status is ignored
# and the ELF check decides.
try_decompress() {
	local image=$1 out=$2 magic=$3 off
	shift 3
	for off in $(LC_ALL=C grep -obUaP "$magic" "$image" | cut -d: -f1); do
		tail -c "+$((off + 1))" "$image" | "$@" >"$out" 2>/dev/null || true
		if [[ -s "$out" ]] && is_elf "$out"; then
			return 0
		fi
	done
	return 1
}

main() {
	local require_btf=0
	case "${1:-}" in
	-h | --help) usage; exit 0 ;;
	--require-btf) require_btf=1; shift ;;
	esac
	[[ $# -eq 2 ]] || { usage >&2; exit 2; }

	local image=$1 out=$2 tmp
	[[ -r "$image" ]] || die "cannot read $image"
	tmp=$(mktemp "${out}.XXXXXX")
	trap 'rm -f "$tmp"' EXIT

	if is_elf "$image"; then
		cp "$image" "$tmp"   # already an ELF vmlinux
	elif try_decompress "$image" "$tmp" '\xFD7zXZ\x00' xz -dc --single-stream ||
	     try_decompress "$image" "$tmp" '\x1F\x8B\x08' gzip -dc ||
	     try_decompress "$image" "$tmp" '\x28\xB5\x2F\xFD' zstd -dcq; then
		:
	else
		die "no xz/gzip/zstd-compressed ELF found in $image"
	fi

	if ((require_btf)) && ! readelf -S -W "$tmp" | grep ' \.BTF ' >/dev/null; then
		die "$image: extracted vmlinux has no .BTF section"
	fi
	chmod 0644 "$tmp"
	mv "$tmp" "$out"
	trap - EXIT
}

main "$@"
