#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the Debian packages installed and used on a system that has
# never seen the checkout. Run INSIDE the guest by
# selftests/vm/guest-lane.sh (boot deb, vmrun --no-load), after `make
# deb` built OUT/deb/*.deb. One line per case, "deb_NAME: ok" or
# "deb_NAME: FAIL why".
#
# Outside (this script with no argument): a writable root, an overlay
# with a tmpfs upper over the guest's read-only root (the build
# machine's, over 9p), with the checkout and its kernel cache hidden
# under empty tmpfs mounts, the .debs and this script copied in. Inside
# (`run.sh inside`, chrooted there): dpkg -i the four packages (DKMS
# builds the modules for the running guest kernel against the Debian
# headers the build machine has in /lib/modules/RELEASE/build, module
# BTF from /sys/kernel/btf/vmlinux), modprobe both modules from
# updates/dkms, then the installed tools from PATH.
set -uo pipefail

fail_all() {	# a setup step failed: say so, as a case
	echo "deb_$1: FAIL $2"
	exit 1
}

failed=0

# check NAME COMMAND...: one case from a command's exit status and output.
check() {
	local name=deb_$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "$name: ok"
	else
		echo "$name: FAIL $(echo "$out" | tail -n 20 | tr '\n' ' ')"
		failed=$((failed + 1))
	fi
}

outside() {
	local top out new debs d cache
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
	out=${OUT:-$top/build}
	debs=("$out"/deb/*.deb)
	[[ ${#debs[@]} -eq 4 && -f ${debs[0]} ]] ||
		fail_all setup "expected 4 packages in $out/deb, found ${#debs[@]} (make deb first)"
	modprobe overlay || fail_all setup "modprobe overlay failed"
	d=$(mktemp -d) || fail_all setup "mktemp"
	mkdir -p "$d/upper" "$d/work" "$d/root"
	new=$d/root
	mount -t overlay overlay -o "lowerdir=/,upperdir=$d/upper,workdir=$d/work" "$new" ||
		fail_all setup "mount overlay over / failed"
	# the system mounts the new root needs (the lower / has only
	# directories there); tmpfs where a normal system has it
	mount --rbind /dev "$new/dev" &&
		mount -t proc proc "$new/proc" &&
		mount --rbind /sys "$new/sys" &&
		mount -t tmpfs -o mode=1777 tmp "$new/tmp" &&
		mount -t tmpfs -o mode=755 run "$new/run" ||
		fail_all setup "system mounts in the new root failed"
	# never seen the checkout: the checkout, and the kernel cache when it
	# lies outside it (.cache a symlink, as in a worktree), are empty
	# directories there. The cache first: under an empty checkout a
	# cache inside it has no mount point left.
	cache=$(readlink -f "$top/.cache")
	if [[ -d $cache && $cache != "$top"/* ]]; then
		mount -t tmpfs -o ro,mode=755 nocache "$new$cache" ||
			fail_all setup "hiding the kernel cache $cache failed"
	fi
	mount -t tmpfs -o ro,mode=755 nocheckout "$new$top" ||
		fail_all setup "hiding the checkout $top failed"
	mkdir -p "$new/root/debs" &&
		cp "${debs[@]}" "$new/root/debs/" &&
		cp "${BASH_SOURCE[0]}" "$new/root/deb-run.sh" ||
		fail_all setup "copying the packages in failed"
	chroot "$new" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb /bin/bash /root/deb-run.sh inside "$top"
}

inside() {
	local top=$1 rel t0 secs dir
	rel=$(uname -r)
	cd /root || exit 1
	check checkout_not_visible test -z "$(ls -A "$top")"
	# dpkg -i all four: the kvmmem-dkms postinst is where DKMS builds
	t0=$SECONDS
	check dpkg_install sh -c 'dpkg -i debs/kvmmem-dkms_*.deb debs/kvmmem-tools_*.deb \
		debs/libkvmmem0_*.deb debs/libkvmmem-dev_*.deb >/tmp/dpkg.log 2>&1 ||
		{ cat /tmp/dpkg.log; exit 1; }'
	secs=$((SECONDS - t0))
	echo "deb: dpkg -i with the DKMS build took $secs s"
	check packages_installed sh -c "dpkg-query -W -f='\${db:Status-Abbrev}\n' \
		kvmmem-dkms kvmmem-tools libkvmmem0 libkvmmem-dev | grep -vc '^ii ' | grep -qx 0"
	check dkms_status_installed sh -c "dkms status kvmmem | grep -F '$rel' | grep -q ': installed'"
	dir=/lib/modules/$rel/updates/dkms
	check modprobe_kvmmem_from_dkms sh -c "modprobe kvmmem &&
		test \"\$(modinfo -n kvmmem)\" = $dir/kvmmem.ko &&
		grep -q '^kvmmem ' /proc/modules"
	check modprobe_hostsim_from_dkms sh -c "modprobe kvmmem_hostsim &&
		test \"\$(modinfo -n kvmmem_hostsim)\" = $dir/kvmmem_hostsim.ko"
	check kvmmem_has_module_btf test -e /sys/kernel/btf/kvmmem
	# kvmmem-tools' postinst ran systemd-sysusers
	check group_kvmmem_from_sysusers getent group kvmmem
	for t in kvmmem-ctl kvmmem-trace kvmmem-top; do
		check "${t//-/_}_from_path" sh -c "test \"\$(command -v $t)\" = /usr/bin/$t"
	done
	check ctl_map_read_unmap sh -c "kvmmem-ctl read 0x1000 --verify | tail -n 1 |
		grep -qx 'verify: ok, 1 page checked against the hostsim pattern'"
	check trace_record_report sh -c "kvmmem-trace record -q -o /tmp/r.ktr -- \
		kvmmem-ctl stress -p 2 -m 10 >/dev/null &&
		kvmmem-trace report /tmp/r.ktr >/tmp/report.txt &&
		grep -q 'attached as tp_btf' /tmp/report.txt &&
		grep -q '^Summary: 20 maps, 20 unmaps, 0 teardown unmaps, 0 errors' /tmp/report.txt ||
		{ cat /tmp/report.txt; exit 1; }"
	check top_batch sh -c "kvmmem-top -b -n 1 >/tmp/top.txt && test -s /tmp/top.txt ||
		{ cat /tmp/top.txt; exit 1; }"
	check man_kvmmem_trace sh -c "man -P cat kvmmem-trace 2>&1 >/tmp/man.txt | { ! grep .; } &&
		grep -q 'kvmmem-trace' /tmp/man.txt"
	check pkg_config_finds_libkvmmem sh -c "test \"\$(pkg-config --modversion libkvmmem)\" = $(dpkg-query -W -f='${Version}' libkvmmem0)"
	rmmod kvmmem_hostsim kvmmem 2>/dev/null
	[[ $failed -eq 0 ]]
}

if [[ ${1:-} == inside ]]; then
	inside "$2"
else
	outside
fi
