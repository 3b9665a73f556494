#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the install lane (no VM): `make install DESTDIR=<tmp>` with the
# default PREFIX and with PREFIX=/usr, each checked against the exact
# listing below (every file where it belongs, its mode or symlink target,
# nothing else); the installed tools' --version; the shared library's
# soname; a program (mapone.c) built against the installed libkvmmem
# with pkg-config only (PKG_CONFIG_PATH and PKG_CONFIG_SYSROOT_DIR into
# DESTDIR), shared and static, which runs and fails as it should without
# a device; then `make uninstall` leaves no file behind. Then
# `make dkms-source` and a DKMS build from it (dkms_case below). Then
# `make deb` (deb_case below): the four packages, each one's exact file
# list, their version, lintian's verdict, and no file left in the tree.
#
# Prints one line per case and "install: N passed, N failed".
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${OUT:-$TOP/build}
export OUT
HERE=$TOP/selftests/install
VERSION=$(cat "$TOP/VERSION")
KO=$TOP/kernel/kvmmem.ko

passed=0
failed=0
ok() { echo "install/$1: ok"; passed=$((passed + 1)); }
fail() { echo "install/$1: FAIL $2"; failed=$((failed + 1)); }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# the release the modules were built for (kbuild installs by it)
krel=$(tr '\0' '\n' <"$KO" 2>/dev/null | sed -n 's/^vermagic=\([^ ]*\).*/\1/p')

# expected PREFIX UDEVDIR SYSUSERSDIR UNITDIR: the listing, "TYPE MODE PATH[ -> TARGET]"
expected() {
	local p=$1 udev=$2 sysusers=$3 units=$4 m
	{
		for m in kvmmem-ctl kvmmem-trace kvmmem-top; do
			echo "f 755 $p/bin/$m"
		done
		echo "f 755 $p/lib/libkvmmem.so.$VERSION"
		echo "l 777 $p/lib/libkvmmem.so.0 -> libkvmmem.so.$VERSION"
		echo "l 777 $p/lib/libkvmmem.so -> libkvmmem.so.$VERSION"
		echo "f 644 $p/lib/libkvmmem.a"
		echo "f 644 $p/lib/pkgconfig/libkvmmem.pc"
		for m in libkvmmem.h util.h stats.h; do
			echo "f 644 $p/include/kvmmem/$m"
		done
		echo "f 644 $p/include/linux/kvmmem.h"
		echo "f 644 $p/include/linux/kvmmem_hostsim.h"
		for m in $MAN_PAGES; do
			echo "f 644 $p/share/man/man${m##*.}/$m"
		done
		echo "f 644 $udev/60-kvmmem.rules"
		echo "f 644 $sysusers/kvmmem.conf"
		echo "f 644 $units/kvmmem-exporter.service"
		echo "f 644 /lib/modules/$krel/extra/kvmmem.ko"
		echo "f 644 /lib/modules/$krel/extra/kvmmem_hostsim.ko"
	} | sort
}
# the man pages the tree ships (docs/man/*.scd: NAME.SECTION.scd)
MAN_PAGES=$(cd "$TOP/docs/man" 2>/dev/null && ls *.scd 2>/dev/null | sed 's/\.scd$//')

# listing DESTDIR: what is there, in expected()'s form
listing() {
	(cd "$1" && find . ! -type d -printf '%y %m /%P -> %l\n') |
		sed -e 's/ -> $//' | sort
}

# install_case NAME PREFIX UDEVDIR SYSUSERSDIR UNITDIR: install, compare, uninstall
install_case() {
	local name=$1 prefix=$2 dest=$tmp/$1 log=$tmp/$1.log out
	if ! make -C "$TOP" install DESTDIR="$dest" PREFIX="$prefix" >"$log" 2>&1; then
		fail "$name/make-install" "exit $? (tail: $(tail -n 3 "$log" | tr '\n' ' '))"
		return
	fi
	ok "$name/make-install"
	if diff -u <(expected "$prefix" "$3" "$4" "$5") <(listing "$dest") >"$tmp/diff"; then
		ok "$name/listing"
	else
		fail "$name/listing" "differs (- expected, + installed):"
		sed 's/^/    /' "$tmp/diff"
	fi
	# the exporter's unit runs the kvmmem-top this install put in place
	if grep -qx "ExecStart=$prefix/bin/kvmmem-top --prometheus .*" \
		"$dest$5/kvmmem-exporter.service" 2>/dev/null; then
		ok "$name/exporter-unit-runs-installed-kvmmem-top"
	else
		fail "$name/exporter-unit-runs-installed-kvmmem-top" \
			"$(grep ExecStart "$dest$5/kvmmem-exporter.service" 2>&1)"
	fi
	# systemd's own reading of its sandbox (no root, capabilities only,
	# a read-only system): "OK" or better, exposure at most 3.0 of 10
	if out=$(systemd-analyze security --offline=yes --threshold=30 \
		"$dest$5/kvmmem-exporter.service" 2>&1); then
		ok "$name/exporter-unit-exposure-ok"
	else
		fail "$name/exporter-unit-exposure-ok" "$(tail -n 1 <<<"$out")"
	fi
	check_installed "$name" "$dest" "$prefix"
	if ! make -C "$TOP" uninstall DESTDIR="$dest" PREFIX="$prefix" >"$log" 2>&1; then
		fail "$name/make-uninstall" "exit $?"
		return
	fi
	local left
	left=$(cd "$dest" && find . ! -type d)
	if [[ -z $left ]]; then
		ok "$name/uninstall-leaves-no-file"
	else
		fail "$name/uninstall-leaves-no-file" "left: $(echo $left)"
	fi
}

# check_installed NAME DESTDIR PREFIX: use what was installed
check_installed() {
	local name=$1 dest=$2 prefix=$3 t v so pc cflags libs
	for t in kvmmem-ctl kvmmem-trace kvmmem-top; do
		v=$("$dest$prefix/bin/$t" --version 2>&1)
		if [[ $v == "$t $VERSION" ]]; then
			ok "$name/$t-version"
		else
			fail "$name/$t-version" "'$v', expected '$t $VERSION'"
		fi
	done
	# man finds the installed pages (as `man kvmmem-trace` does once
	# PREFIX/share/man is in its path)
	local page sect out
	for page in $MAN_PAGES; do
		sect=${page##*.}
		out=$(man -M "$dest$prefix/share/man" -w "$sect" "${page%.*}" 2>&1)
		[[ $out == "$dest$prefix/share/man/man$sect/$page" ]] &&
			ok "$name/man-$page" || fail "$name/man-$page" "man -w: '$out'"
	done
	so=$(readelf -d "$dest$prefix/lib/libkvmmem.so.$VERSION" 2>&1 |
		sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
	[[ $so == libkvmmem.so.0 ]] && ok "$name/soname" ||
		fail "$name/soname" "'$so', expected libkvmmem.so.0"

	export PKG_CONFIG_PATH=$dest$prefix/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
	export PKG_CONFIG_LIBDIR=$PKG_CONFIG_PATH
	pc=$(pkg-config --modversion libkvmmem 2>&1)
	[[ $pc == "$VERSION" ]] && ok "$name/pkg-config-version" ||
		fail "$name/pkg-config-version" "'$pc', expected '$VERSION'"
	cflags=$(pkg-config --cflags libkvmmem) libs=$(pkg-config --libs libkvmmem)
	# shared: links libkvmmem.so.0, runs against the installed copy
	if cc -std=c11 -Wall -Wextra -Werror $cflags -o "$tmp/mapone-$name" \
		"$HERE/mapone.c" $libs 2>"$tmp/cc.log"; then
		ok "$name/pkg-config-build-shared"
		grep -q 'NEEDED.*\[libkvmmem.so.0\]' <<<"$(readelf -d "$tmp/mapone-$name")" &&
			ok "$name/needs-soname" ||
			fail "$name/needs-soname" "mapone does not NEED libkvmmem.so.0"
		run_mapone "$name/shared-runs" env \
			LD_LIBRARY_PATH="$dest$prefix/lib" "$tmp/mapone-$name"
	else
		fail "$name/pkg-config-build-shared" "$(head -n 3 "$tmp/cc.log" | tr '\n' ' ')"
	fi
	# static: the archive, the same flags
	if cc -std=c11 -Wall -Wextra -Werror -static $cflags \
		-o "$tmp/mapone-$name-static" "$HERE/mapone.c" \
		$(pkg-config --static --libs libkvmmem) 2>"$tmp/cc.log"; then
		ok "$name/pkg-config-build-static"
		run_mapone "$name/static-runs" "$tmp/mapone-$name-static"
	else
		fail "$name/pkg-config-build-static" "$(head -n 3 "$tmp/cc.log" | tr '\n' ' ')"
	fi
	unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
}

# run_mapone CASE CMD...: no device here: kvmmem_open must say ENOENT
run_mapone() {
	local name=$1 out
	shift
	out=$("$@" "$tmp/no-such-device" 2>&1)
	if [[ $? -eq 1 && $out == "mapone: kvmmem_open: ENOENT" ]]; then
		ok "$name"
	else
		fail "$name" "'$out', expected 'mapone: kvmmem_open: ENOENT' and exit 1"
	fi
}

# dkms_case: `make dkms-source` into a DESTDIR (exact listing), then
# dkms add + build from there with private DKMS trees (nothing of the
# system's DKMS state changes but its MOK key, made on first use) for
# the guest kernel, with its vmlinux as BTF base: both modules built,
# for that release, with module BTF describing kvmmem's tracepoints.
# dkms_files DIR: the listing of the modules' DKMS sources in DIR (make
# dkms-source, and the kvmmem-dkms package), one list for both.
dkms_files() {
	local f
	for f in Kbuild dkms-btf.sh dkms.conf kvmmem.h kvmmem_main.c \
		kvmmem_trace.h kvmmem_op_times.h kvmmem_hostsim.c kvmmem_hostsim_trace.h \
		kvmmem_kunit.c kvmmem_hostsim_kunit.c \
		uapi/linux/kvmmem.h uapi/linux/kvmmem_hostsim.h; do
		echo "f 644 $1/$f"
	done
}

dkms_case() {
	local dest=$tmp/dkms-stage tree=$tmp/dkms-tree src f log=$tmp/dkms.log
	local vmlinux=$TOP/.cache/guest/vmlinux
	src=/usr/src/kvmmem-$VERSION
	if ! make -C "$TOP" dkms-source DESTDIR="$dest" >"$log" 2>&1; then
		fail dkms/make-dkms-source "exit $? (tail: $(tail -n 3 "$log" | tr '\n' ' '))"
		return
	fi
	ok dkms/make-dkms-source
	{
		dkms_files "$src"
	} | sort >"$tmp/dkms.expected"
	if diff -u "$tmp/dkms.expected" <(listing "$dest") >"$tmp/diff"; then
		ok dkms/source-listing
	else
		fail dkms/source-listing "differs (- expected, + installed):"
		sed 's/^/    /' "$tmp/diff"
	fi
	if ! command -v dkms >/dev/null; then
		fail dkms/build "dkms is not installed (scripts/deps.sh installs it)"
		return
	fi
	if [[ ! -d /lib/modules/$krel/build ]]; then
		fail dkms/build "no headers in /lib/modules/$krel/build (scripts/deps.sh installs them)"
		return
	fi
	mkdir -p "$tree"
	if ! dkms add --sourcetree "$dest/usr/src" --dkmstree "$tree" \
		"kvmmem/$VERSION" >"$log" 2>&1 ||
		! KVMMEM_BTF_BASE=$vmlinux dkms build --sourcetree "$dest/usr/src" \
		--dkmstree "$tree" "kvmmem/$VERSION" -k "$krel" >>"$log" 2>&1; then
		fail dkms/build "(tail: $(tail -n 5 "$log" | tr '\n' ' '))"
		return
	fi
	ok dkms/build
	local mod=$tree/kvmmem/$VERSION/$krel/$(uname -m)/module ko v
	for ko in kvmmem kvmmem_hostsim; do
		v=$(tr '\0' '\n' <"$mod/$ko.ko" 2>/dev/null | sed -n 's/^vermagic=\([^ ]*\).*/\1/p')
		[[ $v == "$krel" ]] && ok "dkms/$ko-built-for-$krel" ||
			fail "dkms/$ko-built-for-$krel" "vermagic '$v' ($mod/$ko.ko)"
	done
	# (not piped into grep -q: pipefail would see bpftool's SIGPIPE)
	bpftool btf dump file "$mod/kvmmem.ko" -B "$vmlinux" >"$tmp/btf" 2>&1
	if grep -q "'btf_trace_kvmmem_map_start'" "$tmp/btf"; then
		ok dkms/kvmmem-has-module-btf
	else
		fail dkms/kvmmem-has-module-btf "no btf_trace_kvmmem_map_start in $mod/kvmmem.ko's BTF"
	fi
}

# deb_listing DEB: its files in listing()'s form (no directories)
deb_listing() {
	dpkg-deb -c "$1" | awk '$1 !~ /^d/ {
		t = substr($1, 1, 1) == "l" ? "l" : "f"
		m = 0
		for (i = 2; i <= 10; i++) {
			c = substr($1, i, 1)
			m = m * 2 + (c != "-")
		}
		p = substr($6, 2)
		printf "%s %o %s%s\n", t, (t == "l" ? 511 : m), p, ($7 == "->" ? " -> " $8 : "")
	}' | sort
}

# deb_expected PACKAGE: what it must hold
deb_expected() {
	local pkg=$1 ma f m
	ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	{
		echo "f 644 /usr/share/doc/$pkg/changelog.gz"
		echo "f 644 /usr/share/doc/$pkg/copyright"
		case $pkg in
		kvmmem-dkms)
			dkms_files "/usr/src/kvmmem-$VERSION"
			;;
		kvmmem-tools)
			for m in kvmmem-ctl kvmmem-trace kvmmem-top; do
				echo "f 755 /usr/bin/$m"
			done
			for m in $MAN_PAGES; do
				[[ ${m##*.} == 3 ]] || echo "f 644 /usr/share/man/man${m##*.}/$m.gz"
			done
			echo "f 644 /usr/lib/udev/rules.d/60-kvmmem.rules"
			echo "f 644 /usr/lib/sysusers.d/kvmmem.conf"
			echo "f 644 /usr/lib/systemd/system/kvmmem-exporter.service"
			echo "f 644 /usr/share/lintian/overrides/kvmmem-tools"
			;;
		libkvmmem0)
			echo "f 644 /usr/lib/$ma/libkvmmem.so.$VERSION"
			echo "l 777 /usr/lib/$ma/libkvmmem.so.0 -> libkvmmem.so.$VERSION"
			;;
		libkvmmem-dev)
			for m in libkvmmem.h util.h stats.h; do
				echo "f 644 /usr/include/kvmmem/$m"
			done
			echo "f 644 /usr/include/linux/kvmmem.h"
			echo "f 644 /usr/include/linux/kvmmem_hostsim.h"
			echo "f 644 /usr/lib/$ma/libkvmmem.a"
			echo "l 777 /usr/lib/$ma/libkvmmem.so -> libkvmmem.so.$VERSION"
			echo "f 644 /usr/lib/$ma/pkgconfig/libkvmmem.pc"
			for m in $MAN_PAGES; do
				[[ ${m##*.} != 3 ]] || echo "f 644 /usr/share/man/man3/$m.gz"
			done
			;;
		esac
	} | sort
}

# deb_case: make deb, then what it made
deb_case() {
	local log=$tmp/deb.log before after pkg deb v f
	before=$(git -C "$TOP" status --porcelain --ignored -- . ':!build' 2>&1)
	if ! make -C "$TOP" deb >"$log" 2>&1; then
		fail deb/make-deb "exit $? (tail: $(tail -n 8 "$log" | tr '\n' ' '))"
		return
	fi
	ok deb/make-deb
	# make deb exits non-zero unless lintian is clean; say it as a case too
	if grep -qx 'deb: lintian clean' "$log" && [[ -s $OUT/deb/lintian.log ]] &&
		! grep -qE '^[EWIPX]: ' "$OUT/deb/lintian.log"; then
		ok deb/lintian-clean
	else
		fail deb/lintian-clean "$(grep -E '^[EWIPX]: ' "$OUT/deb/lintian.log" 2>&1 | head -n 5 | tr '\n' ' ')"
	fi
	# every override says why, in a comment right above it
	for f in "$TOP"/debian/*.lintian-overrides; do
		[[ -e $f ]] || continue
		if awk '/^[^#[:space:]]/ && prev !~ /^#/ && prev !~ /^[^#[:space:]]/ { bad = 1 }
			/^[^#[:space:]]/ && NR == 1 { bad = 1 }
			{ prev = $0 } END { exit bad }' "$f"; then
			ok "deb/${f##*/}-explained"
		else
			fail "deb/${f##*/}-explained" "an override without a comment above it"
		fi
	done
	after=$(git -C "$TOP" status --porcelain --ignored -- . ':!build' 2>&1)
	[[ $before == "$after" ]] && ok deb/tree-untouched ||
		fail deb/tree-untouched "git status changed: $(diff <(echo "$before") <(echo "$after") | tr '\n' ' ')"
	v=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
	[[ $v == "$VERSION" ]] && ok deb/changelog-is-VERSION ||
		fail deb/changelog-is-VERSION "debian/changelog $v, VERSION $VERSION"
	local n
	n=$(find "$OUT/deb" -maxdepth 1 -name '*.deb' | wc -l)
	[[ $n -eq 4 ]] && ok deb/four-packages || fail deb/four-packages "$n .deb files in $OUT/deb"
	for pkg in kvmmem-dkms kvmmem-tools libkvmmem0 libkvmmem-dev; do
		deb=$(ls "$OUT"/deb/"${pkg}"_*.deb 2>/dev/null | head -n 1)
		if [[ -z $deb ]]; then
			fail "deb/$pkg" "no $OUT/deb/${pkg}_*.deb"
			continue
		fi
		v=$(dpkg-deb -f "$deb" Version)
		[[ $v == "$VERSION" ]] && ok "deb/$pkg-version" ||
			fail "deb/$pkg-version" "'$v', expected '$VERSION'"
		if diff -u <(deb_expected "$pkg") <(deb_listing "$deb") >"$tmp/diff"; then
			ok "deb/$pkg-listing"
		else
			fail "deb/$pkg-listing" "differs (- expected, + packaged):"
			sed 's/^/    /' "$tmp/diff"
		fi
	done
	# kvmmem-tools makes the group when installed (dh_installsysusers)
	deb=$(ls "$OUT"/deb/kvmmem-tools_*.deb 2>/dev/null | head -n 1)
	if [[ -n $deb ]] && dpkg-deb -I "$deb" postinst 2>/dev/null |
		grep -q 'systemd-sysusers.* kvmmem.conf'; then
		ok deb/tools-postinst-runs-sysusers
	else
		fail deb/tools-postinst-runs-sysusers "kvmmem-tools' postinst does not run systemd-sysusers kvmmem.conf"
	fi
	# the packaged dkms.conf is kernel/dkms.conf.in, as make dkms-source's
	deb=$(ls "$OUT"/deb/kvmmem-dkms_*.deb 2>/dev/null | head -n 1)
	if [[ -n $deb ]] && dpkg-deb --fsys-tarfile "$deb" |
		tar -xOf - "./usr/src/kvmmem-$VERSION/dkms.conf" >"$tmp/deb-dkms.conf" &&
		sed -e "s|#MODULE_VERSION#|$VERSION|" "$TOP/kernel/dkms.conf.in" |
		cmp -s - "$tmp/deb-dkms.conf"; then
		ok deb/dkms-conf-is-kernel-dkms.conf.in
	else
		fail deb/dkms-conf-is-kernel-dkms.conf.in "the packaged dkms.conf differs"
	fi
}

if [[ -z $krel ]]; then
	fail modules "no vermagic in $KO (make first)"
else
	install_case local /usr/local /etc/udev/rules.d /etc/sysusers.d /etc/systemd/system
	install_case usr /usr /usr/lib/udev/rules.d /usr/lib/sysusers.d /usr/lib/systemd/system
	dkms_case
fi
deb_case

echo "install: $passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
