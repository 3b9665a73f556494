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
# 3. Prepares the second guest kernel, the current LTS that Debian 12
#    ships in bookworm-backports (6.12), the same way in its own cache
#    (default $TOP/.cache/guest-6.12, override with KVMMEM_CACHE_612;
#    `vmrun --kernel 6.12` boots it). It is resolved from the backports'
#    linux-image-amd64/linux-headers-amd64 through a private apt (sources,
#    lists and downloads under that cache): the system's apt sources are
#    not touched, nothing of it is installed. Its headers (with the
#    linux-headers-*-common and linux-kbuild-* they need) are unpacked
#    into the release directory: 6.12's headers carry a BTF vmlinux and
#    the real resolve_btfids, so they build modules with BTF as they are.
#    Its modules are unpacked from .ko.xz, so that vmrun reads their
#    .modinfo and busybox loads them.
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
#   KVMMEM_CACHE_612        the 6.12 cache (default $TOP/.cache/guest-6.12)
#   KVMMEM_DEBIAN_MIRROR    where bookworm-backports is (default
#                           http://deb.debian.org/debian)
#   KVMMEM_NO_612           1 = skip the 6.12 kernel

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${KVMMEM_CACHE:-$TOP/.cache/guest}
APT_MAX_AGE_H=${KVMMEM_APT_MAX_AGE_H:-24}
# Bump when the layout of a release directory changes, to force a rebuild.
CACHE_FORMAT=2

PACKAGES=(
	build-essential qemu-system-x86 bpftool libbpf-dev libelf-dev libdw-dev
	zlib1g-dev clang llvm dwarves sparse trace-cmd bpftrace tmux
	libcriterion-dev busybox-static cpio kmod xz-utils pkg-config
	libncurses-dev python3 linux-source-6.1
	# promtool for the unit tests; the guest lane's Prometheus server
	prometheus curl
	# the 32-bit (-m32 -static) client of the compat ioctl test
	gcc-multilib
	# the debug guest kernel (scripts/debug-kernel.sh)
	bc bison flex libssl-dev
	# man pages (docs/man/*.scd) and their test (groff -ww, man)
	scdoc groff-base man-db
	# the install lane's DKMS build (kernel/dkms.conf.in)
	dkms
	# checkpatch's SPDX check of make kernel-patch's series (spdxcheck.py)
	python3-ply python3-git
	# make coverage: the merged gcov report (scripts/coverage.sh)
	gcovr
	# make deb (debian/, scripts/deb.sh) and its check; dpkg-dev and
	# fakeroot come with build-essential
	debhelper dh-dkms lintian
	# used by these scripts themselves
	binutils coreutils findutils grep
)

# depmod, ldconfig and friends live in sbin, which users' PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

CACHE_612=${KVMMEM_CACHE_612:-$TOP/.cache/guest-6.12}
MIRROR=${KVMMEM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# apt-get/apt-cache options: empty for the system's apt; bpo_apt sets the
# private one of bookworm-backports
APT_X=()

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
	SUDO=(sudo)
fi

log() { echo "deps: $*" >&2; }
die() { echo "deps: error: $*" >&2; exit 1; }

usage() {
	sed -n '4,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
	echo "Usage: ${0##*/} [packages] [-h|--help]"
	echo "  packages  step 1 only: the Debian packages (make check starts the"
	echo "            debug kernel's build after it, beside the guest kernels)"
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
	cand=$(apt-cache "${APT_X[@]}" policy "$meta" 2>/dev/null |
		awk '/Candidate:/ {print $2}')
	[[ -n "$cand" && "$cand" != "(none)" ]] || return 1
	# awk reads all its input: no early exit, no SIGPIPE under pipefail.
	apt-cache "${APT_X[@]}" show "$meta=$cand" 2>/dev/null | awk -v prefix="$prefix" '
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

# resolve_kernel [SERIES]: set IMG_PKG, IMG_VER, HDR_PKG, REL from the
# metapackages (of APT_X's apt), for kernels of SERIES (default 6.1).
resolve_kernel() {
	local img hdr hdr_ver series=${1:-6.1}
	img=$(candidate_dep linux-image-amd64 "linux-image-$series.") || img=
	hdr=$(candidate_dep linux-headers-amd64 "linux-headers-$series.") || hdr=
	[[ -n "$img" && -n "$hdr" ]] ||
		die "cannot resolve a $series kernel from linux-image-amd64/linux-headers-amd64 (apt lists missing?)"
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
	if readelf -S -W "$last" 2>/dev/null | grep ' \.BTF_ids ' >/dev/null; then
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

# stale_release DIR: must DIR be (re)built for $STAMP?
stale_release() {
	[[ "${KVMMEM_FORCE:-0}" == 1 || ! -f "$1/stamp" ||
		"$(cat "$1/stamp")" != "$STAMP" ]]
}

# finish_release TMP DIR: stamp the finished TMP and swap it in as DIR (a
# rebuild replaces the old one only now, so running VMs lose it for a
# moment at most).
finish_release() {
	local tmp=$1 dir=$2
	echo "$STAMP" >"$tmp/stamp"
	rm -rf "$dir.old"
	[[ -e "$dir" ]] && mv "$dir" "$dir.old"
	mv "$tmp" "$dir"
	rm -rf "$dir.old"
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
	finish_release "$tmp" "$dir"
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
	if stale_release "$dir"; then
		prepare_release "$dir"
	fi
	switch_release "$dir"
	log "guest kernel $REL ready: $CACHE/vmlinux, kbuild: $CACHE/kbuild"
}

# ------------------------------------------------ second kernel: 6.12 ----

# bpo_apt: APT_X = a private apt that sees bookworm-backports only, its
# state under CACHE_612/.apt; refresh its lists when missing or stale.
bpo_apt() {
	local d=$CACHE_612/.apt
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	echo "deb $MIRROR bookworm-backports main" >"$d/sources.list"
	APT_X=(-o "Dir::Etc::SourceList=$d/sources.list"
		-o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$d/lists"
		-o "Dir::Cache=$d/cache" -o Dir::State::status=/dev/null
		-o APT::Sandbox::User=root)
	if ! compgen -G "$d/lists/*_Packages*" >/dev/null ||
		[[ ! -e $d/updated || -n "$(find "$d/updated" -mmin "+$((APT_MAX_AGE_H * 60))")" ]]; then
		log "apt-get update (bookworm-backports, private lists in $d)"
		apt-get "${APT_X[@]}" update -qq ||
			die "cannot reach bookworm-backports at $MIRROR (KVMMEM_NO_612=1 skips the 6.12 kernel)"
		touch "$d/updated"
	fi
}

# prepare_bpo_release DIR: the 6.12 image and headers unpacked in DIR.
prepare_bpo_release() {
	local dir=$1 tmp base=${REL%-amd64} deb pkg hdrs
	local pkgs=("$IMG_PKG" "$HDR_PKG" "linux-headers-$base-common" "linux-kbuild-$base")
	log "preparing guest kernel $REL ($IMG_PKG $IMG_VER) in $dir"
	tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp/debs"
	(cd "$tmp/debs" && apt-get "${APT_X[@]}" download -qq \
		"${pkgs[@]/%/=$IMG_VER}" >/dev/null) ||
		die "apt-get download ${pkgs[*]} ($IMG_VER, bookworm-backports) failed"
	for pkg in "${pkgs[@]}"; do
		deb=$(compgen -G "$tmp/debs/${pkg}_*.deb" | head -n1)
		[[ -n "$deb" ]] || die "apt-get download left no $pkg .deb"
		if [[ $pkg == "$IMG_PKG" ]]; then
			dpkg-deb -x "$deb" "$tmp/root"
		else
			dpkg-deb -x "$deb" "$tmp/hdrs"
		fi
	done
	rm -rf "$tmp/debs"
	find "$tmp/root/lib/modules/$REL" -name '*.ko.xz' -print0 |
		xargs -0 -r xz -d
	depmod -b "$tmp/root" "$REL"
	[[ -f "$tmp/root/boot/vmlinuz-$REL" ]] || die "$IMG_PKG has no boot/vmlinuz-$REL"
	"$TOP/scripts/extract-vmlinux.sh" --require-btf "$tmp/root/boot/vmlinuz-$REL" \
		"$tmp/vmlinux"
	# The headers' Makefile includes the -common tree by its absolute
	# path under /usr/src: include it next to this Makefile instead.
	hdrs=$tmp/hdrs/usr/src/linux-headers-$REL
	[[ -f $hdrs/Makefile && -d $tmp/hdrs/usr/src/linux-headers-$base-common ]] ||
		die "$HDR_PKG: no headers tree for $REL"
	# shellcheck disable=SC2016 # make's $(...), not the shell's
	printf 'include $(dir $(realpath $(lastword $(MAKEFILE_LIST))))../%s/Makefile\n' \
		"linux-headers-$base-common" >"$hdrs/Makefile"
	ln -s "hdrs/usr/src/linux-headers-$REL" "$tmp/kbuild"
	verify_module_btf "$tmp/kbuild" "$tmp/vmlinux"
	finish_release "$tmp" "$dir"
}

# prepare_612: the second guest kernel, in CACHE_612.
prepare_612() {
	local dir
	bpo_apt
	resolve_kernel 6.12
	dir=$CACHE_612/$REL
	STAMP="format=$CACHE_FORMAT image=$IMG_PKG=$IMG_VER headers=$HDR_PKG=$IMG_VER suite=bookworm-backports"
	if stale_release "$dir"; then
		prepare_bpo_release "$dir"
	fi
	CACHE=$CACHE_612 switch_release "$dir"
	APT_X=()
	log "guest kernel $REL ready: $CACHE_612/vmlinux, kbuild: $CACHE_612/kbuild"
}

main() {
	local what=${1:-all}
	case "$what" in
	-h | --help) usage; exit 0 ;;
	all | packages) ;;
	*) usage >&2; exit 2 ;;
	esac
	mkdir -p "$CACHE"
	if ! apt_lists_present || apt_lists_stale; then
		apt_update
	fi
	install_packages "${PACKAGES[@]}"
	[[ $what == all ]] || return 0
	prepare_guest_kernel
	[[ ${KVMMEM_NO_612:-0} == 1 ]] || prepare_612
}

main "$@"
