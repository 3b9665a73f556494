#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh - what `make deb` runs: the Debian packages kvmmem-dkms,
# kvmmem-tools, libkvmmem0 and libkvmmem-dev (debian/) in OUT/deb, then
# lintian on them. The packages are built from a copy of the files git
# tracks (as they are in the work tree, changes included) in
# OUT/deb/src, so that nothing of the build lands in the tree.
#
# Refuses to build when debian/changelog's version is not VERSION's.
# Output: OUT/deb/*.deb, OUT/deb/*.changes, OUT/deb/build.log,
# OUT/deb/lintian.log. Exits non-zero when the build fails or lintian
# reports anything that is not overridden (debian/*.lintian-overrides).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/build}
DEB=$OUT/deb

die() {
	echo "deb: $*" >&2
	exit 1
}

version=$(cat "$TOP/VERSION")
changelog=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
[[ $changelog == "$version" ]] ||
	die "debian/changelog says $changelog, VERSION says $version: add a changelog entry (dch -v $version)"

for t in dpkg-buildpackage dh lintian; do
	command -v "$t" >/dev/null || die "no $t (make deps installs it)"
done

rm -rf "$DEB"
src=$DEB/src/kvmmem-$version
mkdir -p "$src"
# the tracked files that exist (a deletion not yet committed is gone)
(cd "$TOP" && git ls-files -z --cached --others --exclude-standard | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf -) | tar -C "$src" -xf -

# the man pages' date, as in the tree's own build (the commit's)
if epoch=$(git -C "$TOP" log -1 --format=%ct 2>/dev/null) && [[ -n $epoch ]]; then
	export SOURCE_DATE_EPOCH=$epoch
fi

# the four packages, no -dbgsym ones
export DEB_BUILD_OPTIONS="noautodbgsym${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}"
echo "deb: building in $src (log: $DEB/build.log)"
# The copy builds into its own build/: nothing of the caller's make
# (OUT, KDIR, MAKEFLAGS from `make deb`) may point it elsewhere.
if ! (cd "$src" && unset OUT KDIR CACHE CACHE_612 KVMMEM_CACHE KVMMEM_CACHE_612 \
	MAKEFLAGS MFLAGS MAKELEVEL && dpkg-buildpackage -us -uc -b -j"${JOBS:-$(nproc)}") >"$DEB/build.log" 2>&1; then
	tail -n 30 "$DEB/build.log" >&2
	die "dpkg-buildpackage failed (log: $DEB/build.log)"
fi
mv "$DEB"/src/*.deb "$DEB"/src/*.changes "$DEB"/src/*.buildinfo "$DEB"/
ls "$DEB"/*.deb

echo "deb: lintian (log: $DEB/lintian.log)"
rc=0
lintian --fail-on error,warning,info,pedantic --info --display-info --pedantic \
	"$DEB"/*.changes >"$DEB/lintian.log" 2>&1 || rc=$?
cat "$DEB/lintian.log"
[[ $rc -eq 0 ]] || die "lintian: not clean (exit $rc)"
echo "deb: lintian clean"
