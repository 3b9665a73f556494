#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel-patch.sh - the upstream form of kvmmem: a patch series against
# Debian's linux-source-6.1 (the kernel the debug lane builds), made from
# the tree's current sources, so that it never drifts from them.
#
#   kernel/*.c, kernel/*.h          -> drivers/virt/kvmmem/ (unchanged)
#   kernel/uapi/linux/*.h           -> include/uapi/linux/ (unchanged)
#   kernel/upstream/Kconfig, Makefile   the in-tree Kconfig and Makefile
#   kernel/upstream/selftests/      -> tools/testing/selftests/kvmmem/
#   docs/abi.md                     -> Documentation/userspace-api/kvmmem.rst
#                                      (scripts/md2rst.py)
#
# The series (one commit per step in a git copy of the source, then git
# format-patch with a cover letter):
#   1 uapi header + ioctl-number.rst + MAINTAINERS entry
#   2 the driver (drivers/virt/kvmmem, CONFIG_KVMMEM) + drivers/virt hooks
#   3 the emulated host (CONFIG_KVMMEM_HOSTSIM) + its uapi header
#   4 KUnit suites (CONFIG_KVMMEM_KUNIT_TEST) + a kselftest
#   5 Documentation/userspace-api/kvmmem.rst
# Each patch that adds files adds their MAINTAINERS lines.
#
# Usage: kernel-patch.sh [series|check|intree]
#   series  (default) write $OUT/kernel-patch/*.patch
#   check   series, then checkpatch.pl --strict on every patch, run from
#           the kernel source; one "kpatch/checkpatch NNNN: ok" line each
#   intree  series, then build it in-tree from the git copy in an O=
#           directory ($OUT/intree-kernel) with the debug kernel's config
#           (the cache is only read: config, vmlinux, vmlinux.o),
#           CONFIG_KVMMEM=m, CONFIG_KVMMEM_HOSTSIM=m,
#           CONFIG_KVMMEM_KUNIT_TEST=m, olddefconfig, and build only the
#           driver's modules in-tree; they go to $OUT/intree-modules with
#           the debug kernel's key (vmrun --kernel debug loads them with
#           KVMMEM_DEBUG_MODULES=$OUT/intree-modules)
#
# Environment: OUT (default $TOP/build), KVMMEM_DEBUG_CACHE (as
# debug-kernel.sh). The unpacked source in git is kept in
# $OUT/kernel-patch-src (~1.5 GB; first run ~2 min, then ~10 s).

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/build}
SRC_PKG=linux-source-6.1
TARBALL=/usr/src/$SRC_PKG.tar.xz
BASE=$OUT/kernel-patch-src
TREE=$BASE/$SRC_PKG
SERIES=$OUT/kernel-patch
UP=$TOP/kernel/upstream
DEBUG_CACHE=${KVMMEM_DEBUG_CACHE:-/var/cache/kvmmem/debug-kernel}
INTREE=$OUT/intree-kernel
INTREE_MODS=$OUT/intree-modules
DRV=drivers/virt/kvmmem

log() { echo "kernel-patch: $*" >&2; }
die() { echo "kernel-patch: error: $*" >&2; exit 1; }

# kernel/ file -> its place in the kernel tree (also the paths md2rst
# rewrites in the rst page)
declare -A PLACE=(
	[kernel/uapi/linux/kvmmem.h]=include/uapi/linux/kvmmem.h
	[kernel/uapi/linux/kvmmem_hostsim.h]=include/uapi/linux/kvmmem_hostsim.h
	[kernel/kvmmem.h]=$DRV/kvmmem.h
	[kernel/kvmmem_main.c]=$DRV/kvmmem_main.c
	[kernel/kvmmem_trace.h]=$DRV/kvmmem_trace.h
	[kernel/kvmmem_op_times.h]=$DRV/kvmmem_op_times.h
	[kernel/kvmmem_hostsim.c]=$DRV/kvmmem_hostsim.c
	[kernel/kvmmem_hostsim_trace.h]=$DRV/kvmmem_hostsim_trace.h
	[kernel/kvmmem_kunit.c]=$DRV/kvmmem_kunit.c
	[kernel/kvmmem_hostsim_kunit.c]=$DRV/kvmmem_hostsim_kunit.c
)

# Who the patches are from: the project's git identity, and the date of
# its last commit, so that the same tree gives the same series.
identity() {
	local name email date
	name=$(git -C "$TOP" config user.name || git -C "$TOP" log -1 --format=%an)
	email=$(git -C "$TOP" config user.email || git -C "$TOP" log -1 --format=%ae)
	date=$(git -C "$TOP" log -1 --format=%ad --date=raw)
	export GIT_AUTHOR_NAME=$name GIT_COMMITTER_NAME=$name
	export GIT_AUTHOR_EMAIL=$email GIT_COMMITTER_EMAIL=$email
	export GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date
	SOB="Signed-off-by: $name <$email>"
}

g() { git -C "$TREE" -c core.autocrlf=false -c advice.detachedHead=false "$@"; }

# prepare_base: the pristine source in git, tagged "base" (once per
# version of the source package).
prepare_base() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) ||
		die "$SRC_PKG is not installed: run make deps"
	[[ -f $TARBALL ]] || die "$TARBALL missing: reinstall $SRC_PKG"
	if [[ -f $BASE/stamp && $(<"$BASE/stamp") == "$ver" ]]; then
		g reset -q --hard base
		g clean -q -fdx
		return
	fi
	log "unpacking $SRC_PKG $ver into $BASE (once)"
	rm -rf "$BASE"
	mkdir -p "$BASE"
	tar -xf "$TARBALL" -C "$BASE"
	[[ -f $TREE/Makefile ]] || die "$TARBALL did not unpack to $SRC_PKG/"
	g init -q
	g add -A -f .
	g commit -q --no-verify -m "$SRC_PKG $ver"
	g tag base
	echo "$ver" >"$BASE/stamp"
}

# put FILE...: copy kernel/ files to their places.
put() {
	local f
	for f; do
		[[ -n ${PLACE[$f]:-} ]] || die "no place in the kernel tree for $f"
		mkdir -p "$(dirname "$TREE/${PLACE[$f]}")"
		cp "$TOP/$f" "$TREE/${PLACE[$f]}"
	done
}

# upto FILE REGEX N: FILE up to (not including) the line that starts its
# (N+1)-th block, a block starting at each line matching REGEX; no
# trailing blank line. The Kconfig and Makefile grow a block per patch.
upto() {
	awk -v re="$2" -v n="$3" '
		$0 ~ re && ++blocks > n { exit }
		/^$/ { blank++; next }
		{ while (blank) { print ""; blank-- } print }
	' "$1"
}

# grow N: the Kconfig and Makefile of the first N parts (blocks: a
# Kconfig entry, a paragraph of the Makefile); the last part, all of
# kernel/upstream's files.
grow() {
	local n=$1
	[[ $n == last ]] && n=1000000
	upto "$UP/Kconfig" '^config ' "$n" >"$TREE/$DRV/Kconfig"
	awk -v n="$n" '
		/^$/ { blank++; next }
		blank && ++paras > n { exit }
		{ while (blank) { print ""; blank-- } print }
	' "$UP/Makefile" >"$TREE/$DRV/Makefile"
	if [[ $1 == last ]]; then
		if ! cmp -s "$UP/Kconfig" "$TREE/$DRV/Kconfig" ||
			! cmp -s "$UP/Makefile" "$TREE/$DRV/Makefile"; then
			die "kernel/upstream/Kconfig or Makefile has more parts than the series uses"
		fi
	fi
}

# insert_after FILE REGEX TEXT: TEXT as lines after the first line
# matching REGEX (which must exist).
insert_after() {
	awk -v re="$2" -v text="$3" '
		{ print }
		!done && $0 ~ re { print text; done = 1 }
		END { if (!done) exit 1 }
	' "$TREE/$1" >"$TREE/$1.new" || die "$1: no line matches $2"
	mv "$TREE/$1.new" "$TREE/$1"
}

# insert_before FILE REGEX TEXT
insert_before() {
	awk -v re="$2" -v text="$3" '
		!done && $0 ~ re { print text; done = 1 }
		{ print }
		END { if (!done) exit 1 }
	' "$TREE/$1" >"$TREE/$1.new" || die "$1: no line matches $2"
	mv "$TREE/$1.new" "$TREE/$1"
}

# maintainers_add PATTERN: an F: line in our entry, in order.
maintainers_add() {
	awk -v f="F:	$1" '
		/^KVMMEM KVMI GUEST DRIVER$/ { in_entry = 1 }
		in_entry && /^F:/ && !done && $0 > f { print f; done = 1 }
		in_entry && /^$/ { if (!done) print f; done = 1; in_entry = 0 }
		{ print }
	' "$TREE/MAINTAINERS" >"$TREE/MAINTAINERS.new"
	mv "$TREE/MAINTAINERS.new" "$TREE/MAINTAINERS"
}

# commit SUBJECT BODY: commit every change of the tree.
commit() {
	g add -A -f .
	g commit -q --no-verify -F - <<-EOF
	$1

	$2

	$SOB
	EOF
}

make_series() {
	local f
	# every source of the modules has its place: none is left out
	for f in $(git -C "$TOP" ls-files ':(glob)kernel/*.[ch]' ':(glob)kernel/uapi/linux/*.h'); do
		[[ -n ${PLACE[$f]:-} ]] || die "$f has no place in the series (PLACE)"
	done
	local rst
	identity
	prepare_base

	# 1. the ABI
	put kernel/uapi/linux/kvmmem.h
	insert_after Documentation/userspace-api/ioctl/ioctl-number.rst \
		"^'i'   00-3F  linux/i2o-dev.h" \
		"'i'   01-02  linux/kvmmem.h                                            conflict!"
	insert_before MAINTAINERS '^KERNFS$' "KVMMEM KVMI GUEST DRIVER
M:	$GIT_AUTHOR_NAME <$GIT_AUTHOR_EMAIL>
L:	kvm@vger.kernel.org
S:	Maintained
F:	include/uapi/linux/kvmmem.h
"
	commit "kvmmem: add the uapi header of the KVMI guest memory driver" \
"/dev/kvmmem lets an introspection process running in a KVM guest have
pages of another VM mapped into its address space: with a one-time
token from the host, it asks for a remote guest-physical page to back
one of its own anonymous pages (KVM_INTRO_MEM_MAP), and gives the page
its memory back with KVM_INTRO_MEM_UNMAP. The guest asks the host
through two hypercalls, KVM_HC_MEM_MAP (32) and KVM_HC_MEM_UNMAP (33).

The ioctl numbers are those of the KVMI v4 guest driver (2017) that
existing clients such as libkvmi use: 'i' 0x01 and 0x02, inside ranges
the ioctl-number table already marks as conflicting. They are kept so
that those clients work unchanged; every other 'i' command answers
ENOTTY."

	# 2. the driver
	put kernel/kvmmem.h kernel/kvmmem_main.c kernel/kvmmem_trace.h \
		kernel/kvmmem_op_times.h
	grow 1
	insert_before drivers/virt/Kconfig '^source "drivers/virt/coco/sev-guest/Kconfig"' \
		'source "drivers/virt/kvmmem/Kconfig"
'
	# shellcheck disable=SC2016 # make's $(...), not the shell's
	insert_after drivers/virt/Makefile '^obj-\$\(CONFIG_ACRN_HSM\)' \
		'obj-$(CONFIG_KVMMEM)		+= kvmmem/'
	maintainers_add "$DRV/"
	commit "virt: kvmmem: add the KVMI guest memory driver" \
"kvmmem is a misc device, /dev/kvmmem, bound to the address space of
the process that opens it. KVM_INTRO_MEM_MAP checks the target page
(writable anonymous memory only), charges it (pinned_vm, and
RLIMIT_MEMLOCK without CAP_IPC_LOCK), pins it with
pin_user_pages(FOLL_LONGTERM), records it in a per-file xarray and in
a module-wide index by pfn (a page is mapped once), and asks the host
with KVM_HC_MEM_MAP; the token is passed by guest-physical address.
KVM_INTRO_MEM_UNMAP, the last close of the file or the end of the
opener's address space unmap with KVM_HC_MEM_UNMAP and unpin. A page
the host fails to unmap may still show another VM's memory: it is never
returned to the allocator but kept pinned and listed in debugfs, at
most max_leaked_pages of them.

The host is reached through a small backend interface; the built-in
one issues the hypercalls when a KVM hypervisor is present and is
refused in a confidential guest. Tracepoints cover every call.

The driver is x86-64 only: the hypercalls pass guest-physical
addresses in 64-bit registers."

	# 3. the emulated host
	put kernel/kvmmem_hostsim.c kernel/kvmmem_hostsim_trace.h \
		kernel/uapi/linux/kvmmem_hostsim.h
	grow 2
	insert_before Documentation/userspace-api/ioctl/ioctl-number.rst \
		'^0xB3  00     linux/mmc/ioctl.h' \
		'0xB2  01     linux/kvmmem_hostsim.h'
	maintainers_add include/uapi/linux/kvmmem_hostsim.h
	commit "virt: kvmmem: add an emulated KVMI host as a test backend" \
"kvmmem_hostsim registers as kvmmem's backend and answers the memory
hypercalls the way a KVMI host does, so that the driver, its clients
and its tests run without a KVMI hypervisor (in any guest, or under
QEMU TCG): tokens come from /dev/kvmmem-hostsim (random, single use,
expiring), the simulated VM's memory reads as a known pattern, and
faults and latency can be injected through debugfs.

It is a test backend, not for production use (CONFIG_KVMMEM_HOSTSIM)."

	# 4. tests
	put kernel/kvmmem_kunit.c kernel/kvmmem_hostsim_kunit.c
	grow last
	mkdir -p "$TREE/tools/testing/selftests/kvmmem"
	cp "$UP/selftests/Makefile" "$UP/selftests/config" \
		"$UP/selftests/kvmmem_test.c" "$TREE/tools/testing/selftests/kvmmem/"
	printf '/kvmmem_test\n' >"$TREE/tools/testing/selftests/kvmmem/.gitignore"
	insert_after tools/testing/selftests/Makefile '^TARGETS \+= kvm$' \
		'TARGETS += kvmmem'
	maintainers_add tools/testing/selftests/kvmmem/
	commit "virt: kvmmem: add KUnit suites and a selftest" \
"Two KUnit modules (CONFIG_KVMMEM_KUNIT_TEST): the driver's internals
(host error translation, the per-file table, teardown order, against
a host double) and the emulated host's. Each includes the source it
tests for a private copy of it, so it loads beside the real modules
without touching their state. They must be modules: the cases pin pages
of the address space of the process that loads them.

The kselftest maps a page of the emulated host's VM through
/dev/kvmmem, checks its content and unmaps it; it needs kvmmem and
kvmmem_hostsim loaded."

	# 5. documentation
	local args=() f
	for f in "${!PLACE[@]}"; do
		args+=("$f=${PLACE[$f]}")
	done
	rst=Documentation/userspace-api/kvmmem.rst
	python3 "$TOP/scripts/md2rst.py" "$TOP/docs/abi.md" "${args[@]}" \
		>"$TREE/$rst" || die "docs/abi.md: md2rst failed"
	insert_after Documentation/userspace-api/index.rst '^   iommu$' \
		'   kvmmem'
	maintainers_add "$rst"
	commit "Documentation: userspace-api: describe /dev/kvmmem" \
"The ioctls of /dev/kvmmem, what the driver does for each, its errors,
its backends, its debugfs counters and its module parameters."

	cover
}

cover() {
	local ver
	ver=$(<"$TOP/VERSION")
	rm -rf "$SERIES"
	g format-patch -q --cover-letter --signature="kvmmem $ver" \
		-o "$SERIES" base..HEAD
	python3 - "$SERIES"/0000-cover-letter.patch <<-'EOF'
	import sys
	path = sys.argv[1]
	text = open(path).read()
	text = text.replace('*** SUBJECT HERE ***',
	    'kvmmem: a KVM guest driver mapping pages of other VMs for introspection')
	text = text.replace('*** BLURB HERE ***', '''\
	kvmmem lets an introspection tool running in a dedicated KVM guest map
	pages of other VMs into its address space, through /dev/kvmmem and two
	hypercalls answered by a KVMI host. The ioctl ABI is that of the KVMI v4
	guest driver (2017), so libkvmi works unchanged.

	1 adds the uapi header, 2 the driver under drivers/virt/kvmmem, 3 an
	emulated host (a test backend, so that everything runs without a KVMI
	hypervisor), 4 KUnit suites and a kselftest, 5 the userspace-api page.

	This series is generated from the kvmmem tree (make kernel-patch),
	where the same sources also build out of tree; against Debian's
	linux-source-6.1, on which it is built in-tree and tested.''')
	open(path, 'w').write(text)
	EOF
	log "wrote $(find "$SERIES" -name '*.patch' | wc -l) files in $SERIES"
}

# check: checkpatch --strict on every patch but the cover letter.
check_series() {
	local p name bad=0 n=0 log
	log=$(mktemp)
	for p in "$SERIES"/0*.patch; do
		name=${p##*/}
		[[ $name == 0000-* ]] && continue
		n=$((n + 1))
		# checkpatch runs scripts/spdxcheck.py with python3 from PATH:
		# Debian's, which has python3-ply; a Traceback means no SPDX check
		if (cd "$TREE" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl \
			--strict --terse --show-types "$p") >"$log" 2>&1 &&
			! grep -q Traceback "$log"; then
			echo "kpatch/checkpatch_${name%%-*}: ok"
		else
			echo "kpatch/checkpatch_${name%%-*}: FAIL $name"
			sed 's/^/    /' "$log" | head -40
			bad=1
		fi
	done
	# the rst page parses without a warning (docutils; the kernel's
	# Sphinx build is not run)
	if python3 -c '
import sys, docutils.core
docutils.core.publish_string(open(sys.argv[1]).read(), writer_name="null",
    settings_overrides={"halt_level": 2, "report_level": 2})
' "$TREE/Documentation/userspace-api/kvmmem.rst" >"$log" 2>&1; then
		echo "kpatch/rst_page: ok"
	else
		echo "kpatch/rst_page: FAIL Documentation/userspace-api/kvmmem.rst"
		sed 's/^/    /' "$log" | tail -n 20
		bad=1
	fi
	rm -f "$log"
	((n > 0)) || { echo "kpatch/checkpatch: FAIL no patch"; bad=1; }
	return "$bad"
}

# intree: the series as the git copy's HEAD is, built in-tree in an
# out-of-source build directory (O=) with the debug kernel's config; the
# cache is only read (its config, and vmlinux and vmlinux.o, for modpost
# and the modules' BTF, through symlinks).
intree() {
	local dir obj key start m
	dir=$(readlink -f "$DEBUG_CACHE/current") || true
	[[ -n $dir && -f $dir/stamp ]] ||
		die "no debug kernel: run make debug-kernel"
	key=$(<"$dir/stamp")
	start=$SECONDS
	rm -rf "$INTREE"
	obj=$INTREE/obj
	mkdir -p "$obj"
	cp "$dir/config" "$obj/.config"
	ln -s "$dir/src/$SRC_PKG/vmlinux" "$obj/vmlinux"
	ln -s "$dir/src/$SRC_PKG/vmlinux.o" "$obj/vmlinux.o"
	# the debug kernel has no VIRT_DRIVERS menu; VMGENID, which it would
	# bring (default y), stays off: nothing else of the config may change
	"$TREE/scripts/config" --file "$obj/.config" -e VIRT_DRIVERS \
		-d VMGENID -m KVMMEM -m KVMMEM_HOSTSIM -m KVMMEM_KUNIT_TEST
	# LOCALVERSION set (empty): no "+" for the git copy, so that the
	# release, and the modules' vermagic, are the debug kernel's
	kmake() { nice -n 10 make -C "$TREE" O="$obj" LOCALVERSION= "$@"; }
	kmake -s olddefconfig >"$INTREE/build.log" 2>&1 ||
		die "olddefconfig failed (log: $INTREE/build.log)"
	m=$(diff <(grep '^CONFIG_' "$dir/config") <(grep '^CONFIG_' "$obj/.config") |
		sed -n 's/^[<>] //p' | grep -v -E '^CONFIG_(VIRT_DRIVERS|KVMMEM[A-Z_]*)=' || true)
	[[ -z $m ]] || die "olddefconfig changed more than kvmmem's options: $m"
	for m in KVMMEM KVMMEM_HOSTSIM KVMMEM_KUNIT_TEST; do
		grep -qx "CONFIG_$m=m" "$obj/.config" ||
			die "CONFIG_$m=m did not take effect ($(grep "CONFIG_${m}[= ]" "$obj/.config" || echo unset))"
	done
	if ! kmake -j"$(nproc)" \
		"$DRV/kvmmem.ko" "$DRV/kvmmem_hostsim.ko" \
		"$DRV/kvmmem_kunit.ko" "$DRV/kvmmem_hostsim_kunit.ko" \
		>>"$INTREE/build.log" 2>&1; then
		grep -E 'error|Error' "$INTREE/build.log" | tail -n 20 >&2
		die "the in-tree build failed (log: $INTREE/build.log)"
	fi
	m=$(kmake -s kernelrelease 2>/dev/null)
	[[ $m == "$(<"$dir/release")" ]] ||
		die "release $m is not the debug kernel's $(<"$dir/release")"
	if grep -E 'warning:|WARNING:' "$INTREE/build.log" >&2; then
		die "the in-tree build warns (log: $INTREE/build.log)"
	fi
	rm -rf "$INTREE_MODS"
	mkdir -p "$INTREE_MODS" "$INTREE/hdr/linux"
	for m in kvmmem kvmmem_hostsim kvmmem_kunit kvmmem_hostsim_kunit; do
		cp "$obj/$DRV/$m.ko" "$INTREE_MODS/"
	done
	# the kselftest, against the series' uapi headers (the rest of
	# <linux/...> from the build machine's 6.1 linux-libc-dev)
	cp "$TREE"/include/uapi/linux/kvmmem*.h "$INTREE/hdr/linux/"
	make -C "$TREE/tools/testing/selftests/kvmmem" OUTPUT="$INTREE_MODS" \
		KHDR_INCLUDES="-isystem $INTREE/hdr" >>"$INTREE/build.log" 2>&1 ||
		die "the kselftest does not build (log: $INTREE/build.log)"
	[[ -z $(g status --porcelain) ]] ||
		die "the in-tree build wrote into the source: $(g status --porcelain | head -n 5)"
	echo "$key" >"$INTREE_MODS/kernel-key"
	log "in-tree modules built against $key in $((SECONDS - start)) s: $INTREE_MODS"
}

main() {
	local what=${1:-series}
	case $what in
	series) make_series ;;
	check) make_series; check_series ;;
	intree) make_series; intree ;;
	-h | --help) sed -n '4,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" ;;
	*) die "unknown command '$what' (series|check|intree)" ;;
	esac
}

main "$@"
