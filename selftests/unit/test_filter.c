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

/*
 * -p tests pids only: a hypercall's tgid field is its nr (32, 33), a
 * token's the tokens outstanding, and neither names a process.
 */
Test(filter, pid_matches_processes_not_nr_or_token_counts)
{
	struct kvmmem_trace_filter f = { .pid = 32 };
	static const uint16_t not_pids[] = { KT_HC_ENTER, KT_HC_EXIT,
		KT_HOST_HC_ENTER, KT_HOST_HC_EXIT, KT_HOST_TOKEN,
		KT_KVM_HC_ENTER, KT_KVM_HC_EXIT };
	static const uint16_t pids[] = { KT_MAP_START, KT_MAP_END,
		KT_UNMAP_START, KT_UNMAP_END, KT_TEARDOWN_UNMAP,
		KT_PAGE_LEAKED, KT_TEARDOWN_START, KT_TEARDOWN_END,
		KT_PROC_EXIT };
	struct kt_event e;
	size_t i;

	for (i = 0; i < sizeof(not_pids) / sizeof(not_pids[0]); i++) {
		e = ev(not_pids[i], 500, 32, 2000000000ULL, "other");
		cr_assert_not(kvmmem_trace_filter_match(&f, &e),
			      "kind %u: tgid 32 is not a process", not_pids[i]);
		e = ev(not_pids[i], 32, 33, 2000000000ULL, "mine");
		cr_assert(kvmmem_trace_filter_match(&f, &e),
			  "kind %u made by pid 32", not_pids[i]);
	}
	for (i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		e = ev(pids[i], 500, 32, 2000000000ULL, "other");
		cr_assert(kvmmem_trace_filter_match(&f, &e),
			  "kind %u: tgid 32 is the process", pids[i]);
	}
	f.pid = 1;
	e = ev(KT_HOST_TOKEN, 500, 1, 2000000000ULL, "other");
	cr_assert_not(kvmmem_trace_filter_match(&f, &e), "1 token outstanding");
	e = ev(99, 500, 1, 2000000000ULL, "other");
	cr_assert_not(kvmmem_trace_filter_match(&f, &e), "an unknown kind");
}

/* The BPF filter's mask (KT_PID_KINDS) and the shapes agree. */
Test(filter, pid_kinds_are_the_shapes_whose_tgid_is_a_process)
{
	cr_assert_eq(KT_PID_KINDS,
		     KT_KIND_BIT(KT_MAP_START) | KT_KIND_BIT(KT_MAP_END) |
		     KT_KIND_BIT(KT_UNMAP_START) | KT_KIND_BIT(KT_UNMAP_END) |
		     KT_KIND_BIT(KT_TEARDOWN_UNMAP) | KT_KIND_BIT(KT_PAGE_LEAKED) |
		     KT_KIND_BIT(KT_TEARDOWN_START) | KT_KIND_BIT(KT_TEARDOWN_END) |
		     KT_KIND_BIT(KT_PROC_EXIT));
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
