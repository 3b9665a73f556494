# SPDX-License-Identifier: GPL-2.0
#
# Criterion TAP report -> one line per case, "suite/name: ok" or
# "suite/name: FAIL why". A skipped test is a failure: nothing may pass
# without running. Usage: awk -f criterion-cases.awk REPORT.tap
/^ok - / {
	name = $3
	sub("::", "/", name)
	if ($0 ~ /# SKIP/)
		print name ": FAIL skipped"
	else
		print name ": ok"
	next
}
/^not ok - / {
	name = $4
	sub("::", "/", name)
	why = $0
	sub(/^not ok - [^ ]+ ?/, "", why)
	print name ": FAIL " (why == "" ? "failed" : why)
	next
}
/^  [^ ]/ && name != "" {
	# Criterion indents assertion messages under a failed test.
	print "    " substr($0, 3)
}
