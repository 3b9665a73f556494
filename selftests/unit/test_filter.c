// SPDX-License-Identifier: GPL-2.0
/*
 * The filters of report, dump and export (tools/trace/filter.c): which
 * events a process, a comm, kinds and a time window keep, and the times
 * --since and --until accept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "trace/filter.h"

/* Started at 1 s on the monotonic clock, 2023-11-14 22:13:20 UTC. */
static const struct kvmmem_trace_info info = {
	.start_mono_ns = 1000000000ULL,
	.start_real_ns = 1700000000000000000ULL,
};

static void utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

TestSuite(filter, .init = utc);

static uint64_t at(const char *s)
{
	uint64_t ts = 0;

	cr_assert_eq(kvmmem_trace_parse_time(s, &info, &ts), 0, "'%s'", s);
	return ts;
}

Test(filter, times_are_relative_seconds_or_wall_clock)
{
	cr_assert_eq(at("0"), 1000000000ULL);
	cr_assert_eq(at("1.5"), 2500000000ULL);
	cr_assert_eq(at("500ms"), 1500000000ULL);
	cr_assert_eq(at("22:13:21"), 2000000000ULL, "the start's day");
	cr_assert_eq(at("22:13:20.25"), 1250000000ULL);
	cr_assert_eq(at("2023-11-14 22:13:22"), 3000000000ULL);
	cr_assert_eq(at("2023-11-14T22:13:22.5"), 3500000000ULL);
	cr_assert_eq(at("@1700000001"), 2000000000ULL);
	cr_assert_eq(at("22:13:19.5"), 500000000ULL, "before the start");
}

Test(filter, other_times_are_refused)
{
	const char *bad[] = { "", "x", "-1", "22:13", "25:00:00", "22:13:20.",
			      "2023-11-14", "@x", "1 s" };
	uint64_t ts = 7;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(kvmmem_trace_parse_time(bad[i], &info, &ts), -EINVAL,
			     "'%s'", bad[i]);
}

static struct kt_event ev(uint16_t kind, uint32_t pid, uint32_t tgid,
			  uint64_t ts, const char *comm)
{
	struct kt_event e = { .ts = ts, .pid = pid, .tid = pid, .kind = kind,
			      .tgid = tgid };

	strncpy(e.comm, comm, sizeof(e.comm));
	return e;
}

Test(filter, pid_comm_kinds_and_window_each_narrow)
{
	struct kvmmem_trace_filter f = { 0 };
	char msg[256];
	struct kt_event mine = ev(KT_MAP_END, 10, 10, 2000000000ULL, "a"),
		teardown = ev(KT_TEARDOWN_UNMAP, 20, 10, 2000000000ULL, "b"),
		hc = ev(KT_HC_EXIT, 20, 10, 2000000000ULL, "b"),
		late = ev(KT_MAP_END, 10, 10, 9000000000ULL, "a");

	cr_assert_not(kvmmem_trace_filter_active(&f));
	cr_assert_eq(kvmmem_trace_filter_resolve(&f, &info, msg, sizeof(msg)), 0);
	cr_assert(kvmmem_trace_filter_match(&f, &hc), "no filter: all");

	f.pid = 10;
	cr_assert(kvmmem_trace_filter_match(&f, &mine));
	cr_assert(kvmmem_trace_filter_match(&f, &teardown), "its mapping's teardown");
	cr_assert_not(kvmmem_trace_filter_match(&f, &hc),
		      "a hypercall's tgid is its nr, not a process");
	f.pid = 0;

	snprintf(f.comm, sizeof(f.comm), "b");
	cr_assert_not(kvmmem_trace_filter_match(&f, &mine));
	cr_assert(kvmmem_trace_filter_match(&f, &teardown));
	f.comm[0] = '\0';

	f.kinds = KT_KIND_BIT(KT_MAP_END);
	cr_assert(kvmmem_trace_filter_match(&f, &mine));
	cr_assert_not(kvmmem_trace_filter_match(&f, &teardown));
	f.kinds = 0;

	f.since = "0.5";
	f.until = "2";
	cr_assert(kvmmem_trace_filter_active(&f));
	cr_assert_eq(kvmmem_trace_filter_resolve(&f, &info, msg, sizeof(msg)), 0);
	cr_assert(kvmmem_trace_filter_match(&f, &mine));
	cr_assert_not(kvmmem_trace_filter_match(&f, &late));
	f.since = "1.000000001";
	cr_assert_eq(kvmmem_trace_filter_resolve(&f, &info, msg, sizeof(msg)), 0);
	cr_assert_not(kvmmem_trace_filter_match(&f, &mine), "before --since");
}

Test(filter, a_bad_window_says_which_bound)
{
	struct kvmmem_trace_filter f = { .since = "5", .until = "2" };
	char msg[256];

	cr_assert_eq(kvmmem_trace_filter_resolve(&f, &info, msg, sizeof(msg)),
		     -EINVAL);
	cr_assert(strstr(msg, "--until '2' is not after --since '5'"), "%s", msg);
	f.since = "soon";
	cr_assert_eq(kvmmem_trace_filter_resolve(&f, &info, msg, sizeof(msg)),
		     -EINVAL);
	cr_assert(strstr(msg, "--since 'soon'"), "%s", msg);
}
