#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the docs lane: tests that fail when the docs drift from the
# code. An independent reader of the recording format, written
# from docs/trace-format.md alone (ktr.py), must agree with
# `kvmmem-trace dump --json` on every corpus file, on every recording the
# other lanes left in the build directory, and on a damaged copy per row
# of the page's damage table (check_reader.py). The man pages render
# without a groff warning and name every option of every --help, every
# libkvmmem function and every errno of docs/abi.md (check_man.py).
#
# Prints one line per case and "docs: N passed, N failed".
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${OUT:-$TOP/build}
TOOL=$OUT/kvmmem-trace

log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
if [[ ! -x $TOOL ]]; then
	echo "docs/reader: FAIL $TOOL not built (make)"
	echo "docs: 0 passed, 1 failed"
	exit 1
fi
mapfile -t corpus < <(ls "$TOP"/selftests/fuzz/corpus/trace/*.ktr)
# recordings the guest, host and demo runs leave behind (none if they did not run)
mapfile -t made < <(find "$OUT" -name '*.ktr' -newer "$TOOL" \
	-not -path '*/flake-check/*' 2>/dev/null | sort)
python3 "$TOP/selftests/docs/check_reader.py" "$TOOL" "${corpus[@]}" \
	"${made[@]}" >"$log" 2>&1
rc=$?
[[ $rc -le 1 ]] || echo "docs/reader: FAIL check_reader.py exited $rc" >>"$log"
python3 "$TOP/selftests/docs/check_man.py" "$TOP" "$OUT" >>"$log" 2>&1
rc=$?
[[ $rc -le 1 ]] || echo "docs/man: FAIL check_man.py exited $rc" >>"$log"
cat "$log"
echo "docs: NOTE ${#corpus[@]} corpus files and ${#made[@]} recordings of this build's lanes read"
passed=$(grep -c ': ok$' "$log")
failed=$(grep -c ': FAIL' "$log")
echo "docs: $passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
