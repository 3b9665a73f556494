#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh - build the debug guest kernel (KASAN, lockdep, kmemleak,
# KUnit, fault injection, DEBUG_VM, BTF) from Debian's linux-source-6.1 and
# the project's modules against it.
#
# The kernel is x86_64 defconfig + kvm_guest.config + the fragment
# selftests/debug-kernel/debug.config, built with make -j$(nproc) in a
# cache OUTSIDE the checkout, one directory per key:
#
#   $KVMMEM_DEBUG_CACHE (default /var/cache/kvmmem/debug-kernel)
#     <key>/                key = <linux-source version>-<hash of fragment,
#                           recipe, compiler, pahole>
#       src/linux-source-6.1/   the build tree (module builds use it)
#       bzImage             what vmrun --kernel debug boots (6.1's PVH
#                           entry faults under KASAN, so not vmlinux)
#       vmlinux             BTF base for bpftool -B
#       root/lib/modules/<release>/   modules_install of the kernel's =m
#       release, config, build.log, build-seconds
#       stamp               written last: the key is complete
#     current -> <key>      what vmrun --kernel debug uses
#
# A finished key is never rebuilt (no relink: a relink changes vmlinux's
# BTF, since pahole -j is not reproducible). Other keys are deleted once a
# new one is complete. Concurrent runs serialise on a lock.
#
# The project's modules are then copied (kernel/) to $OUT/debug-modules
# and built from clean against that tree, so their BTF matches the
# vmlinux that boots; $OUT/debug-modules/kernel-key records the key.
# The test modules of selftests/vm/reliability/modules/ are built beside
# them, in $OUT/debug-modules/test-modules.
#
# Usage: debug-kernel.sh [all|kernel|modules|key|dir]
#   all       (default) kernel if needed, then modules
#   kernel    the kernel only
#   modules   the modules only (the kernel must exist)
#   key, dir  print the key / the directory of the current config
#
# Environment:
#   KVMMEM_DEBUG_CACHE   cache root (default /var/cache/kvmmem/debug-kernel)
#   KVMMEM_DEBUG_JOBS    make -j (default nproc)
#   OUT                  build output (default $TOP/build)
#   KVMMEM_COVERAGE      1 = build the modules with gcov and KCOV
#                        instrumentation (kernel/Kbuild; make coverage),
#                        in place in $OUT/debug-modules, where their .gcno
#                        files and the sources they name stay
#
# Measured on the 2-core build machine: ~9-10 min from scratch (peak
# ~0.75 GB RAM, ~3 GB disk per key), a few seconds when cached; modules
# from clean ~30 s.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_ROOT=${KVMMEM_DEBUG_CACHE:-/var/cache/kvmmem/debug-kernel}
OUT=${OUT:-$TOP/build}
JOBS=${KVMMEM_DEBUG_JOBS:-$(nproc)}
FRAGMENT=$TOP/selftests/debug-kernel/debug.config
SRC_PKG=linux-source-6.1
TARBALL=/usr/src/$SRC_PKG.tar.xz
MODOUT=$OUT/debug-modules
# Bump when the recipe below changes in a way that changes the kernel.
RECIPE=1

log() { echo "debug-kernel: $*" >&2; }
die() { echo "debug-kernel: error: $*" >&2; exit 1; }

# compute_key: set KEY and DIR.
compute_key() {
	local ver hash
	ver=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) ||
		die "$SRC_PKG is not installed: run make deps"
	[[ -f "$TARBALL" ]] || die "$TARBALL missing: reinstall $SRC_PKG"
	hash=$( {
		echo "recipe $RECIPE"
		cat "$FRAGMENT"
		gcc --version | head -n 1
		pahole --version
	} | sha256sum | cut -c1-12)
	KEY=$ver-$hash
	DIR=$CACHE_ROOT/$KEY
}

# check_config CONFIG: every line of the fragment took effect (a
# dependency we missed would otherwise drop KASAN or KUNIT silently).
check_config() {
	local cfg=$1 line name want bad=0
	while IFS= read -r line; do
		[[ "$line" =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]] || continue
		name=${BASH_REMATCH[1]}
		want=${BASH_REMATCH[2]}
		if [[ "$want" == n ]]; then
			if grep -Eq "^$name=" "$cfg"; then
				log "config: $name is $(grep -E "^$name=" "$cfg"), wanted n"
				bad=1
			fi
		elif ! grep -Fxq "$name=$want" "$cfg"; then
			log "config: $name=$want did not take effect" \
				"($(grep -E "^(# )?${name}[= ]" "$cfg" || echo unset))"
			bad=1
		fi
	done <"$FRAGMENT"
	((bad == 0)) || die "the fragment does not apply cleanly: fix $FRAGMENT"
}

build_kernel() {
	local tree start rel
	[[ -f "$DIR/stamp" ]] && { log "cached: $DIR"; return 0; }
	start=$SECONDS
	log "building $KEY in $DIR (~10 min on 2 cores; log: $DIR/build.log)"
	rm -rf "$DIR"
	mkdir -p "$DIR/src"
	tar -xf "$TARBALL" -C "$DIR/src"
	tree=$DIR/src/$SRC_PKG
	[[ -f "$tree/Makefile" ]] || die "$TARBALL did not unpack to $SRC_PKG/"
	{
		make -C "$tree" defconfig
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" \
			"$tree/.config" "$tree/kernel/configs/kvm_guest.config" \
			"$FRAGMENT"
		make -C "$tree" olddefconfig
	} >"$DIR/build.log" 2>&1 || {
		tail -n 30 "$DIR/build.log" >&2
		die "configuring the kernel failed"
	}
	check_config "$tree/.config"
	if ! make -C "$tree" -j"$JOBS" all >>"$DIR/build.log" 2>&1; then
		grep -E 'error|Error' "$DIR/build.log" | tail -n 20 >&2
		die "kernel build failed (log: $DIR/build.log)"
	fi
	make -C "$tree" INSTALL_MOD_PATH="$DIR/root" INSTALL_MOD_STRIP=1 \
		modules_install >>"$DIR/build.log" 2>&1 ||
		die "modules_install failed (log: $DIR/build.log)"
	rel=$(make -s -C "$tree" kernelrelease)
	mkdir -p "$DIR/root/lib/modules/$rel/kernel"
	cp "$tree/arch/x86/boot/bzImage" "$DIR/bzImage"
	ln -sfn "src/$SRC_PKG/vmlinux" "$DIR/vmlinux"
	cp "$tree/.config" "$DIR/config"
	echo "$rel" >"$DIR/release"
	echo $((SECONDS - start)) >"$DIR/build-seconds"
	echo "$KEY" >"$DIR/stamp"
	log "built $rel in $((SECONDS - start)) s"
}

# switch_current: point current at DIR, delete the other keys.
switch_current() {
	local old
	ln -sfn "$KEY" "$CACHE_ROOT/current.new"
	mv -T "$CACHE_ROOT/current.new" "$CACHE_ROOT/current"
	for old in "$CACHE_ROOT"/*/; do
		old=${old%/}
		[[ "$old" == "$DIR" || -L "$old" ]] && continue
		log "removing old debug kernel ${old##*/}"
		rm -rf "$old"
	done
}

# build_modules: kernel/ copied to $MODOUT and built there from clean, so a
# module never outlives the vmlinux it was built against.
build_modules() {
	local tree=$DIR/src/$SRC_PKG tmp cov=()
	[[ -f "$DIR/stamp" ]] || die "no debug kernel for $KEY: run make debug-kernel"
	mkdir -p "$OUT"
	if [[ ${KVMMEM_COVERAGE:-} == 1 ]]; then
		grep -Fxq CONFIG_GCOV_KERNEL=y "$DIR/config" ||
			die "debug kernel $KEY has no CONFIG_GCOV_KERNEL: no coverage"
		cov=(KVMMEM_COVERAGE=1)
		# the gcov data names the directory the modules were built in
		tmp=$MODOUT
		rm -rf "$tmp"
		mkdir -p "$tmp"
	else
		tmp=$(mktemp -d "$OUT/debug-modules.XXXXXX")
	fi
	cp -r "$TOP/kernel/." "$tmp/"
	find "$tmp" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o \
		-name '*.mod.c' -o -name '.*.cmd' -o -name modules.order -o \
		-name Module.symvers \) -delete
	if ! make -C "$tree" M="$tmp" -j"$JOBS" "${cov[@]}" modules \
		>"$tmp/build.log" 2>&1; then
		cat "$tmp/build.log" >&2
		rm -rf "$tmp"
		die "modules do not build against the debug kernel"
	fi
	# the test modules of the init error paths (reliability/initfail.sh),
	# against these modules' exports; never gcov-instrumented
	mkdir -p "$tmp/test-modules"
	cp "$TOP/selftests/vm/reliability/modules/Kbuild" \
		"$TOP"/selftests/vm/reliability/modules/*.c "$tmp/test-modules/"
	if ! make -C "$tree" M="$tmp/test-modules" -j"$JOBS" \
		KBUILD_EXTRA_SYMBOLS="$tmp/Module.symvers" modules \
		>>"$tmp/build.log" 2>&1; then
		cat "$tmp/build.log" >&2
		rm -rf "$tmp"
		die "the test modules do not build against the debug kernel"
	fi
	if ! bpftool btf dump file "$tmp/kvmmem.ko" -B "$DIR/vmlinux" 2>&1 |
		grep "STRUCT 'kvmmem_file'" >/dev/null; then
		rm -rf "$tmp"
		die "kvmmem.ko has no BTF usable against $DIR/vmlinux"
	fi
	if ((${#cov[@]})); then
		nm "$tmp/kvmmem.ko" | grep __gcov_init >/dev/null ||
			die "kvmmem.ko has no gcov counters (KVMMEM_COVERAGE ignored?)"
		echo "$KEY" >"$tmp/kernel-key"
		log "modules built with coverage against $KEY in $MODOUT"
		return 0
	fi
	echo "$KEY" >"$tmp/kernel-key"
	rm -rf "$MODOUT.old"
	[[ -e "$MODOUT" ]] && mv "$MODOUT" "$MODOUT.old"
	mv "$tmp" "$MODOUT"
	rm -rf "$MODOUT.old"
	log "modules built against $KEY in $MODOUT"
}

main() {
	local what=${1:-all}
	case "$what" in
	all | kernel | modules | key | dir) ;;
	-h | --help) sed -n '4,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) die "unknown command '$what' (all|kernel|modules|key|dir)" ;;
	esac
	compute_key
	case "$what" in
	key) echo "$KEY"; return ;;
	dir) echo "$DIR"; return ;;
	esac
	mkdir -p "$CACHE_ROOT"
	exec 9>"$CACHE_ROOT/.lock"
	flock 9
	if [[ "$what" != modules ]]; then
		build_kernel
		switch_current
	fi
	if [[ "$what" != kernel ]]; then
		build_modules
	fi
}

main "$@"
