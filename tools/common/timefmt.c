// SPDX-License-Identifier: GPL-2.0
/*
 * timefmt.c - durations and times as text (see timefmt.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "common/timefmt.h"

char *kvmmem_fmt_ns(char buf[32], uint64_t ns)
{
	static const struct { uint64_t div; const char *unit; } units[] = {
		{ 1, "ns" }, { 1000, "us" }, { 1000000, "ms" }, { 1000000000, "s" },
	};
	unsigned int u = 0;
	double v;

	while (u < 3 && ns >= 1000 * units[u].div)
		u++;
	if (u == 0) {
		snprintf(buf, 32, "%" PRIu64 "ns", ns);
		return buf;
	}
	v = (double)ns / (double)units[u].div;
	snprintf(buf, 32, "%.*f%s", v >= 100 ? 0 : v >= 10 ? 1 : 2, v,
		 units[u].unit);
	return buf;
}
