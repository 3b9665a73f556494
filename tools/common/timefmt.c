// SPDX-License-Identifier: GPL-2.0
/*
 * timefmt.c - durations and times as text (see timefmt.h).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

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

char *kvmmem_fmt_clock(char buf[32], uint64_t real_ns)
{
	time_t t = (time_t)(real_ns / 1000000000ULL);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, 32, "%H:%M:%S", &tm))
		snprintf(buf, 32, "?");
	else
		snprintf(buf + 8, 24, ".%06u",
			 (unsigned int)(real_ns % 1000000000ULL / 1000));
	return buf;
}

char *kvmmem_fmt_iso(char buf[32], uint64_t real_ns)
{
	time_t t = (time_t)(real_ns / 1000000000ULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(buf, 32, "?");
	else
		snprintf(buf + 19, 13, ".%03uZ",
			 (unsigned int)(real_ns % 1000000000ULL / 1000000));
	return buf;
}
