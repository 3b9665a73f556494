#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh - install the build/test dependencies and prepare the guest kernel.
#
# 1. Installs the Debian packages the project needs (skips apt entirely when
#    dpkg-query says they are all installed).
# 2. Resolves the CURRENT Debian 6.1 kernel through the linux-image-amd64 /
#    linux-headers-amd64 metapackages, installs the matching headers, and
#    prepares the guest kernel cache (default $TOP/.cache/guest, override
#    with KVMMEM_CACHE):
#
#      release                 current release, e.g. "6.1.0-56-amd64"
#      vmlinux, kbuild, root   symlinks into the current release's directory
#      <release>/
#        linux-image-*.deb     the image package (apt-get download)
#        root/                 its contents (dpkg-deb -x): boot/, lib/modules/
#                              (plus modules.dep from depmod)
#        vmlinux               uncompressed ELF (PVH boot, BTF base)
#        kbuild/               shadow objtree for `make -C kbuild M=... modules`
#        stamp                 what this directory was built from
#
# The cache is keyed by release (and the image's package version): when the
# metapackage moves to a new kernel, the next run builds the new directory,
# switches the symlinks and deletes the old release directories.
#
# Module BTF: kbuild's Makefile.modfinal runs pahole and then
# $(objtree)/tools/bpf/resolve_btfids/resolve_btfids, which Debian does not
# ship. The shadow objtree provides a stub at that path (see
# write_resolve_btfids_stub): resolve_btfids only patches the .BTF_ids
# section, which modules get from BTF_ID()/BTF_SET_START() (kfunc sets);
# our modules use none, so for them the real tool is a no-op. The stub
# fails the build if a module ever does have a .BTF_ids section.
#
# Environment:
#   KVMMEM_CACHE            cache directory (default $TOP/.cache/guest)
#   KVMMEM_APT_MAX_AGE_H    refresh apt lists older than this many hours
#                           (default 24; 0 = never refresh just for age)
#   KVMMEM_FORCE            1 = rebuild the current release directory

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${KVMMEM_CACHE:-$TOP/.cache/guest}
APT_MAX_AGE_H=${KVMMEM_APT_MAX_AGE_H:-24}
# Bump when the layout of a release directory changes, to force a rebuild.
CACHE_FORMAT=2

PACKAGES=(
	build-essential qemu-system-x86 bpftool libbpf-dev libelf-dev
	zlib1g-dev clang llvm dwarves sparse trace-cmd bpftrace tmux
	libcriterion-dev busybox-static cpio kmod xz-utils pkg-config
	libncurses-dev python3 linux-source-6.1
	# the debug guest kernel (scripts/debug-kernel.sh)
	bc bison flex libssl-dev
	# used by these scripts themselves
	binutils coreutils findutils grep
)

# depmod, ldconfig and friends live in sbin, which users' PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
	SUDO=(sudo)
fi

log() { echo "deps: $*" >&2; }
die() { echo "deps: error: $*" >&2; exit 1; }

usage() {
	sed -n '4,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
	echo "Usage: ${0##*/} [-h|--help]"
}

# ---------------------------------------------------------------- apt ----

APT_UPDATED=0
APT_STAMP=$CACHE/.apt-updated

apt_lists_present() {
	compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

# apt_lists_stale: true when our last `apt-get update` is older than
# APT_MAX_AGE_H (apt keeps the server's mtimes on the lists, so we keep our
# own stamp).
apt_lists_stale() {
	((APT_MAX_AGE_H > 0)) || return 1
	[[ -e "$APT_STAMP" ]] || return 0
	[[ -n "$(find "$APT_STAMP" -mmin "+$((APT_MAX_AGE_H * 60))")" ]]
}

apt_update() {
	((APT_UPDATED)) && return 0
	log "apt-get update"
	"${SUDO[@]}" apt-get update -qq
	APT_UPDATED=1
	mkdir -p "$CACHE"
	touch "$APT_STAMP"
}

apt_install() {
	log "apt-get install $*"
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# install_packages PKG[=VERSION]...: install the ones that are missing (or
# installed at another version), if any. One dpkg-query for all of them.
install_packages() {
	local -A installed=()
	local missing=() p pkg status ver
	while IFS=$'\t' read -r pkg status ver; do
		[[ "$status" == ii* ]] && installed[$pkg]=$ver
	done < <(dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\t${Version}\n' \
		"${@%%=*}" 2>/dev/null || true)
	for p in "$@"; do
		pkg=${p%%=*}
		if [[ -z "${installed[$pkg]+set}" ]] ||
			[[ "$p" == *=* && "${installed[$pkg]}" != "${p#*=}" ]]; then
			missing+=("$p")
		fi
	done
	((${#missing[@]})) || return 0
	apt_update
	apt_install "${missing[@]}"
}

# ------------------------------------------------------ kernel resolve ----

# candidate_dep METAPKG PREFIX: print "PACKAGE VERSION" of the dependency of
# METAPKG's candidate version whose name starts with PREFIX (the metapackage
# pins it with "(= VERSION)").
candidate_dep() {
	local meta=$1 prefix=$2 cand
	cand=$(apt-cache policy "$meta" 2>/dev/null | awk '/Candidate:/ {print $2}')
	[[ -n "$cand" && "$cand" != "(none)" ]] || return 1
	# awk reads all its input: no early exit, no SIGPIPE under pipefail.
	apt-cache show "$meta=$cand" 2>/dev/null | awk -v prefix="$prefix" '
		/^Depends:/ && !found {
			sub(/^Depends: */, "")
			n = split($0, deps, / *, */)
			for (i = 1; i <= n; i++) {
				if (index(deps[i], prefix) == 1 &&
				    match(deps[i], /\(= *[^)]*\)/)) {
					split(deps[i], name, " ")
					ver = substr(deps[i], RSTART + 2, RLENGTH - 3)
					gsub(/ /, "", ver)
					print name[1], ver
					found = 1
					break
				}
			}
		}'
}

# resolve_kernel: set IMG_PKG, IMG_VER, HDR_PKG, REL from the metapackages.
resolve_kernel() {
	local img hdr hdr_ver
	img=$(candidate_dep linux-image-amd64 linux-image-6.1) || img=
	hdr=$(candidate_dep linux-headers-amd64 linux-headers-6.1) || hdr=
	[[ -n "$img" && -n "$hdr" ]] ||
		die "cannot resolve the kernel from linux-image-amd64/linux-headers-amd64 (apt lists missing?)"
	read -r IMG_PKG IMG_VER <<<"$img"
	read -r HDR_PKG hdr_ver <<<"$hdr"
	# linux-image-6.1.0-NN-amd64[-unsigned] -> 6.1.0-NN-amd64
	REL=${IMG_PKG#linux-image-}
	REL=${REL%-unsigned}
	[[ "$HDR_PKG" == "linux-headers-$REL" ]] ||
		die "metapackages disagree: $IMG_PKG vs $HDR_PKG"
	[[ "$hdr_ver" == "$IMG_VER" ]] ||
		log "note: headers metapackage wants $hdr_ver, image is $IMG_VER; using $IMG_VER for both"
}

# ------------------------------------------------------- guest kernel ----

# write_resolve_btfids_stub PATH: see the header comment (module BTF).
write_resolve_btfids_stub() {
	mkdir -p "$(dirname "$1")"
	cat >"$1" <<-'EOF'
	#!/bin/sh
	# Stand-in for the kernel's tools/bpf/resolve_btfids, which Debian does
	# not ship (written by kvmmem scripts/deps.sh). kbuild calls it as
	# "resolve_btfids -b vmlinux MODULE.ko" after pahole added the module's
	# BTF. The real tool only fills in the .BTF_ids section (BTF_ID sets,
	# kfunc sets); a module without that section needs nothing, so succeed.
	# Refuse modules that have one instead of producing wrong IDs.
	for last; do :; done
	if readelf -S -W "$last" 2>/dev/null | grep -q ' \.BTF_ids '; then
		echo "resolve_btfids stub: $last has a .BTF_ids section;" \
		     "the real resolve_btfids is needed (build it from linux-source)" >&2
		exit 1
	fi
	exit 0
	EOF
	chmod 0755 "$1"
}

# make_shadow_objtree HEADERS_DIR VMLINUX OUT: a directory of symlinks to
# every entry of HEADERS_DIR, plus vmlinux (so kbuild generates module BTF)
# and tools/ as a real directory (HEADERS_DIR/tools is a symlink into the
# read-only linux-kbuild package) holding the resolve_btfids stub.
make_shadow_objtree() {
	local hdrs=$1 vmlinux=$2 out=$3 entry name
	rm -rf "$out"
	mkdir -p "$out/tools"
	for entry in "$hdrs"/* "$hdrs"/.[!.]*; do
		[[ -e "$entry" ]] || continue
		name=${entry##*/}
		[[ "$name" == tools ]] && continue
		ln -s "$entry" "$out/$name"
	done
	for entry in "$hdrs"/tools/*; do
		[[ -e "$entry" ]] && ln -s "$(readlink -f "$entry")" "$out/tools/${entry##*/}"
	done
	write_resolve_btfids_stub "$out/tools/bpf/resolve_btfids/resolve_btfids"
	ln -s "$vmlinux" "$out/vmlinux"   # relative: the cache can move
}

# verify_module_btf KBUILD VMLINUX: build a trivial module against the shadow
# objtree and check that it carries BTF split against the guest vmlinux.
verify_module_btf() {
	local kbuild=$1 vmlinux=$2 dir out
	dir=$(mktemp -d)
	cat >"$dir/btfcheck.c" <<-'EOF'
	#include <linux/module.h>
	struct btfcheck_probe { int value; };
	static struct btfcheck_probe btfcheck_probe_var;
	static int __init btfcheck_init(void) { return btfcheck_probe_var.value; }
	static void __exit btfcheck_exit(void) { }
	module_init(btfcheck_init);
	module_exit(btfcheck_exit);
	MODULE_LICENSE("GPL");
	EOF
	echo 'obj-m := btfcheck.o' >"$dir/Kbuild"
	if ! out=$(make -C "$kbuild" M="$dir" modules 2>&1); then
		echo "$out" >&2
		rm -rf "$dir"
		die "trivial module does not build against $kbuild"
	fi
	# (no "| grep -q": with pipefail, bpftool's SIGPIPE would fail it)
	if ! bpftool btf dump file "$dir/btfcheck.ko" -B "$vmlinux" 2>&1 |
		grep "STRUCT 'btfcheck_probe'" >/dev/null; then
		echo "$out" >&2
		rm -rf "$dir"
		die "module built against $kbuild has no usable BTF"
	fi
	rm -rf "$dir"
}

# prepare_release DIR: download + extract the image, extract vmlinux,
# build the shadow objtree, verify module BTF.
prepare_release() {
	local dir=$1 tmp deb vmlinuz hdrs=/usr/src/linux-headers-$REL
	[[ -d "$hdrs" ]] || die "$hdrs missing after installing $HDR_PKG"
	log "preparing guest kernel $REL ($IMG_PKG $IMG_VER) in $dir"
	tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"

	# As root, apt's download sandbox user (_apt) may not be able to
	# write into the cache; skip the sandbox in that case.
	if ! (cd "$tmp" && "${SUDO[@]}" apt-get download -qq \
		-o APT::Sandbox::User=root "$IMG_PKG=$IMG_VER" >/dev/null); then
		# The archive may have moved on since our lists: refresh once.
		apt_update
		resolve_kernel
		(cd "$tmp" && "${SUDO[@]}" apt-get download -qq \
			-o APT::Sandbox::User=root "$IMG_PKG=$IMG_VER" >/dev/null) ||
			die "apt-get download $IMG_PKG=$IMG_VER failed"
	fi
	deb=$(compgen -G "$tmp/${IMG_PKG}_*.deb" | head -n1)
	[[ -n "$deb" ]] || die "apt-get download left no $IMG_PKG .deb"
	[[ -z "${SUDO[*]}" ]] || "${SUDO[@]}" chown "$(id -u):$(id -g)" "$deb"

	dpkg-deb -x "$deb" "$tmp/root"
	# The image ships no modules.dep (postinst makes it): make one so
	# that modprobe works in the guest (vmrun mounts this tree at
	# /lib/modules/$REL there).
	depmod -b "$tmp/root" "$REL"
	vmlinuz=$tmp/root/boot/vmlinuz-$REL
	[[ -f "$vmlinuz" ]] || die "$deb has no boot/vmlinuz-$REL"
	"$TOP/scripts/extract-vmlinux.sh" --require-btf "$vmlinuz" "$tmp/vmlinux"

	make_shadow_objtree "$hdrs" ../vmlinux "$tmp/kbuild"
	verify_module_btf "$tmp/kbuild" "$tmp/vmlinux"
	echo "$STAMP" >"$tmp/stamp"
	# Swap in the finished directory (a rebuild replaces the old one only
	# now, so running VMs lose it for a moment at most).
	rm -rf "$dir.old"
	[[ -e "$dir" ]] && mv "$dir" "$dir.old"
	mv "$tmp" "$dir"
	rm -rf "$dir.old"
}

# switch_release DIR: point release + symlinks at DIR, drop older releases.
switch_release() {
	local dir=$1 name old
	for name in vmlinux kbuild root; do
		ln -sfn "$REL/$name" "$CACHE/$name.new"
		mv -T "$CACHE/$name.new" "$CACHE/$name"
	done
	echo "$REL" >"$CACHE/release.new"
	mv "$CACHE/release.new" "$CACHE/release"
	for old in "$CACHE"/*/stamp; do
		[[ -e "$old" ]] || continue
		old=${old%/stamp}
		[[ "$old" == "$dir" ]] && continue
		log "removing old guest kernel ${old##*/}"
		rm -rf "$old"
	done
}

prepare_guest_kernel() {
	local dir
	resolve_kernel
	# Headers of exactly the image's version (Module.symvers must match).
	install_packages "$HDR_PKG=$IMG_VER"
	dir=$CACHE/$REL
	STAMP="format=$CACHE_FORMAT image=$IMG_PKG=$IMG_VER headers=$HDR_PKG=$IMG_VER"
	if [[ "${KVMMEM_FORCE:-0}" == 1 || ! -f "$dir/stamp" ||
		"$(cat "$dir/stamp")" != "$STAMP" ]]; then
		prepare_release "$dir"
	fi
	switch_release "$dir"
	log "guest kernel $REL ready: $CACHE/vmlinux, kbuild: $CACHE/kbuild"
}

main() {
	case "${1:-}" in
	-h | --help) usage; exit 0 ;;
	"") ;;
	*) usage >&2; exit 2 ;;
	esac
	mkdir -p "$CACHE"
	if ! apt_lists_present || apt_lists_stale; then
		apt_update
	fi
	install_packages "${PACKAGES[@]}"
	prepare_guest_kernel
}

main "$@"
