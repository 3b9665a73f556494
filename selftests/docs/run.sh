#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the docs lane: tests that fail when the docs drift from the
# code, the binaries and the tree. Runs on the build machine, no VM:
#  - check_reader.py: an independent reader of the recording format,
#    written from docs/trace-format.md alone (ktr.py), must agree with
#    `kvmmem-trace dump --json` on every corpus file, on every recording
#    the other lanes left in the build directory, and on a damaged copy
#    per row of the page's damage table;
#  - check_abi.py: docs/abi.md's module parameters against modinfo of
#    the built modules, the errno tables of docs/abi.md and
#    docs/hostsim.md against kernel/errnos.txt and that list against the
#    -E constants of kernel/*.c, the debugfs and sysfs files, the stats
#    keys and the files/leaked columns against the code;
#  - check_tree.py: docs/architecture.md's tree table against git
#    ls-files, at directory level.
#  - check_options.py: every option and command of each built tool's
#    --help (and its commands') is in docs/tools.md, and every one
#    documented there is in a --help, or is an old spelling still
#    accepted (or refused) as its table says.
#  - check_man.py: the man pages render without a groff warning and name
#    every option of every --help, every libkvmmem function and every
#    errno of docs/abi.md.
#
# Prints one line per case and "docs: N passed, N failed".
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${OUT:-$TOP/build}
TOOL=$OUT/kvmmem-trace

log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT

# Each check prints its own cases and exits 1 if one failed; any other
# exit (a Python traceback exits 1 too, printing no case) is a crash.
check() {
	local name=$1 rc out
	shift
	out=$(python3 "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" >>"$log"
	if [[ $rc -gt 1 || ( $rc -ne 0 && $out != *": FAIL"* ) ]]; then
		echo "docs/$name: FAIL ${1##*/} exited $rc" >>"$log"
	fi
}

if [[ -x $TOOL ]]; then
	mapfile -t corpus < <(ls "$TOP"/selftests/fuzz/corpus/trace/*.ktr)
	# recordings the guest, host and demo runs leave behind (none if they did not run)
	mapfile -t made < <(find "$OUT" -name '*.ktr' -newer "$TOOL" \
		-not -path '*/flake-check/*' 2>/dev/null | sort)
	check reader "$TOP/selftests/docs/check_reader.py" "$TOOL" "${corpus[@]}" \
		"${made[@]}"
	echo "docs: NOTE ${#corpus[@]} corpus files and ${#made[@]} recordings of this build's lanes read" >>"$log"
else
	echo "docs/reader: FAIL $TOOL not built (make)" >>"$log"
fi

check abi "$TOP/selftests/docs/check_abi.py" "$TOP" "$TOP/kernel"
check tree "$TOP/selftests/docs/check_tree.py" "$TOP"
check options "$TOP/selftests/docs/check_options.py" "$TOP" "$OUT"
check man "$TOP/selftests/docs/check_man.py" "$TOP" "$OUT"

cat "$log"
passed=$(grep -c ': ok$' "$log")
failed=$(grep -c ': FAIL' "$log")
echo "docs: $passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
