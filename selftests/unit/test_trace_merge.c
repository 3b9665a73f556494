// SPDX-License-Identifier: GPL-2.0
/*
 * test_trace_merge.c - hypercall extraction, clock alignment, pairing and
 * time split of kvmmem-trace merge (tools/lib/trace_merge.c).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace/merge.h"

/* ------------------------------------------------------------ extraction */

static struct kt_event evs[64];
static size_t nev;

static void add(uint64_t ts, enum kt_kind kind, uint32_t pid, uint32_t tid,
		uint32_t nr, uint64_t a0, int64_t ret)
{
	struct kt_event *e = &evs[nev++];

	memset(e, 0, sizeof(*e));
	e->ts = ts;
	e->kind = kind;
	e->pid = pid;
	e->tid = tid;
	e->tgid = nr;
	e->a0 = a0;
	e->ret = ret;
	e->id = a0 + 1;
	strcpy(e->comm, "tool");
}

static void reset(void)
{
	nev = 0;
}

TestSuite(calls, .init = reset);

Test(calls, enter_exit_pair_per_thread_and_carry_the_ioctl)
{
	struct kvmmem_hc_call *c;
	size_t n;

	add(100, KT_MAP_START, 1, 10, 0, 0, 0);
	add(110, KT_HC_ENTER, 1, 10, 32, 0xa, 0);
	add(115, KT_HC_ENTER, 1, 11, 33, 0xb, 0);	/* another thread */
	add(120, KT_HC_EXIT, 1, 10, 32, 0xa, -1000);
	add(125, KT_HC_EXIT, 1, 11, 33, 0xb, 0);
	add(130, KT_MAP_END, 1, 10, 0, 0, 0);
	cr_assert_eq(kvmmem_hc_calls(evs, nev, KT_HC_ENTER, KT_HC_EXIT, 0, &c, &n), 0);
	cr_assert_eq(n, 2);
	cr_expect_eq(c[0].enter, 110);
	cr_expect_eq(c[0].exit, 120);
	cr_expect_eq(c[0].nr, 32);
	cr_expect_eq(c[0].ret, -1000);
	cr_expect_eq(c[0].op_start, 100);
	cr_expect_eq(c[0].op_end, 130);
	cr_expect_eq(c[0].match, -1);
	cr_expect_eq(c[1].tid, 11);
	cr_expect_eq(c[1].op_start, 0, "no ioctl around the other thread's call");
	cr_expect_eq(c[1].op_end, 0);
	free(c);
}

/* What a streamed read (merge's) builds, chunk by chunk of @chunk events. */
static void build_streamed(size_t chunk, struct kvmmem_hc_call **c, size_t *n)
{
	struct kvmmem_hc_builder b;
	size_t i;

	cr_assert_eq(kvmmem_hc_builder_init(&b, KT_HC_ENTER, KT_HC_EXIT, 0), 0);
	for (i = 0; i < nev; i += chunk)
		cr_assert_eq(kvmmem_hc_builder_add(&b, evs + i,
				nev - i < chunk ? nev - i : chunk), 0);
	kvmmem_hc_builder_finish(&b, c, n);
	kvmmem_hc_builder_free(&b);
}

/*
 * Two threads each in a MAP ioctl of one call, their calls completing in
 * the other order: each ioctl's end goes to its own thread's call (a
 * streamed build once gave it to whichever call came next).
 */
Test(calls, interleaved_threads_keep_their_own_ioctl)
{
	struct kvmmem_hc_call *c, *s;
	size_t n, ns, chunk, i;

	add(100, KT_MAP_START, 1, 10, 0, 0, 0);
	add(101, KT_HC_ENTER, 1, 10, 32, 0xa, 0);	/* slow host */
	add(102, KT_MAP_START, 2, 20, 0, 0, 0);
	add(103, KT_HC_ENTER, 2, 20, 32, 0xb, 0);
	add(104, KT_HC_EXIT, 2, 20, 32, 0xb, 0);
	add(105, KT_MAP_END, 2, 20, 0, 0, 0);
	add(106, KT_MAP_START, 2, 20, 0, 0, 0);		/* two calls: no split */
	add(107, KT_HC_ENTER, 2, 20, 33, 0xc, 0);
	add(108, KT_HC_EXIT, 2, 20, 33, 0xc, 0);
	add(109, KT_HC_ENTER, 2, 20, 33, 0xd, 0);
	add(110, KT_HC_EXIT, 2, 20, 33, 0xd, 0);
	add(111, KT_MAP_END, 2, 20, 0, 0, 0);
	add(190, KT_HC_EXIT, 1, 10, 32, 0xa, 0);
	add(200, KT_MAP_END, 1, 10, 0, 0, 0);
	cr_assert_eq(kvmmem_hc_calls(evs, nev, KT_HC_ENTER, KT_HC_EXIT, 0, &c, &n), 0);
	cr_assert_eq(n, 4);
	cr_expect_eq(c[0].a0, 0xa);
	cr_expect_eq(c[0].op_start, 100);
	cr_expect_eq(c[0].op_end, 200);
	cr_expect_eq(c[1].a0, 0xb);
	cr_expect_eq(c[1].op_start, 102);
	cr_expect_eq(c[1].op_end, 105);
	cr_expect_eq(c[2].op_start, 106);
	cr_expect_eq(c[2].op_end, 0, "an ioctl of two calls does not split");
	cr_expect_eq(c[3].op_end, 0);
	for (chunk = 1; chunk <= nev; chunk++) {
		build_streamed(chunk, &s, &ns);
		cr_assert_eq(ns, n, "chunks of %zu", chunk);
		for (i = 0; i < n; i++)
			cr_expect(!memcmp(&s[i], &c[i], sizeof(c[i])),
				  "chunks of %zu: call %zu differs", chunk, i);
		free(s);
	}
	free(c);
}

Test(calls, the_builder_refuses_kinds_that_are_no_pair)
{
	struct kvmmem_hc_builder b;

	cr_expect_eq(kvmmem_hc_builder_init(&b, 0, KT_HC_EXIT, 0), -EINVAL);
	cr_expect_eq(kvmmem_hc_builder_init(&b, KT_HC_EXIT, KT_HC_EXIT, 0), -EINVAL);
	cr_expect_eq(kvmmem_hc_builder_init(&b, KT_NR_KINDS, KT_HC_EXIT, 0), -EINVAL);
}

Test(calls, unpaired_enters_and_exits_are_dropped)
{
	struct kvmmem_hc_call *c;
	size_t n;

	add(100, KT_HC_EXIT, 1, 10, 32, 0x1, 0);	/* started before */
	add(110, KT_HC_ENTER, 1, 10, 32, 0x2, 0);
	add(120, KT_HC_EXIT, 1, 10, 32, 0x2, 0);
	add(130, KT_HC_ENTER, 1, 10, 33, 0x3, 0);	/* cut off */
	cr_assert_eq(kvmmem_hc_calls(evs, nev, KT_HC_ENTER, KT_HC_EXIT, 0, &c, &n), 0);
	cr_assert_eq(n, 1);
	cr_expect_eq(c[0].a0, 0x2);
	free(c);
}

Test(calls, an_ioctl_with_two_calls_gives_neither_its_end)
{
	struct kvmmem_hc_call *c;
	size_t n;

	add(100, KT_MAP_START, 1, 10, 0, 0, 0);
	add(110, KT_HC_ENTER, 1, 10, 32, 0xa, 0);
	add(120, KT_HC_EXIT, 1, 10, 32, 0xa, 0);
	add(130, KT_HC_ENTER, 1, 10, 33, 0xa, 0);	/* rollback */
	add(140, KT_HC_EXIT, 1, 10, 33, 0xa, 0);
	add(150, KT_MAP_END, 1, 10, 0, 0, -14);
	cr_assert_eq(kvmmem_hc_calls(evs, nev, KT_HC_ENTER, KT_HC_EXIT, 0, &c, &n), 0);
	cr_assert_eq(n, 2);
	cr_expect_eq(c[0].op_end, 0);
	cr_expect_eq(c[1].op_end, 0);
	free(c);
}

Test(calls, pid_filter_and_host_kinds)
{
	struct kvmmem_hc_call *c;
	size_t n;

	add(100, KT_HOST_HC_ENTER, 7, 70, 32, 0x1, 0);
	add(105, KT_HOST_HC_ENTER, 8, 80, 32, 0x2, 0);
	add(110, KT_HOST_HC_EXIT, 7, 70, 32, 0x1, 0);
	add(115, KT_HOST_HC_EXIT, 8, 80, 32, 0x2, 0);
	add(120, KT_HC_ENTER, 7, 70, 32, 0x1, 0);	/* not a host kind */
	add(130, KT_HC_EXIT, 7, 70, 32, 0x1, 0);
	cr_assert_eq(kvmmem_hc_calls(evs, nev, KT_HOST_HC_ENTER, KT_HOST_HC_EXIT,
				     8, &c, &n), 0);
	cr_assert_eq(n, 1);
	cr_expect_eq(c[0].pid, 8);
	cr_expect_eq(c[0].a0, 0x2);
	free(c);
}

Test(calls, bad_kinds_are_refused)
{
	struct kvmmem_hc_call *c = (void *)1;
	size_t n = 1;

	cr_expect_eq(kvmmem_hc_calls(evs, 0, 0, KT_HC_EXIT, 0, &c, &n), -EINVAL);
	cr_expect_null(c);
	cr_expect_eq(n, 0);
	cr_expect_eq(kvmmem_hc_calls(evs, 0, KT_HC_EXIT, KT_HC_EXIT, 0, &c, &n),
		     -EINVAL);
	cr_expect_eq(kvmmem_hc_calls(evs, 0, KT_NR_KINDS, KT_HC_EXIT, 0, &c, &n),
		     -EINVAL);
}

/* -------------------------------------------------------------- pairing */

#define N	200
#define OFFSET	5000000000LL	/* host clock 5 s ahead */

static struct kvmmem_hc_call g[N], h[N];
static struct kvmmem_merge m;

static void merge_fini(void)
{
	kvmmem_merge_free(&m);
}

TestSuite(merge, .fini = merge_fini);

/*
 * Guest call i: enter at 1000 + 10000 i, 4000 ns long; the host handles
 * it from 1000 to 3000 ns into it, on its own clock. Arguments repeat
 * every @period calls (0: all distinct), as a loop over a few pages does.
 */
static void make_calls(size_t period, double rate)
{
	size_t i;

	for (i = 0; i < N; i++) {
		uint64_t t = 1000 + 10000 * i;
		uint64_t key = period ? i % period : i;

		memset(&g[i], 0, sizeof(g[i]));
		g[i].enter = t;
		g[i].exit = t + 4000;
		g[i].op_start = t - 500;
		g[i].op_end = t + 4700;
		g[i].nr = 32 + (uint32_t)(i & 1);
		g[i].a0 = 0x1000 * key;
		g[i].a1 = 0x7000;
		g[i].match = -1;
		h[i] = g[i];
		h[i].op_start = h[i].op_end = 0;
		h[i].enter = (uint64_t)((double)(t + 1000) * rate) + OFFSET;
		h[i].exit = (uint64_t)((double)(t + 3000) * rate) + OFFSET;
		h[i].pid = 4242;
	}
}

static void expect_identity(size_t from_g, size_t from_h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cr_expect_eq(g[from_g + i].match, (long)(from_h + i),
			     "guest call %zu paired with host %ld, not %zu",
			     from_g + i, g[from_g + i].match, from_h + i);
}

Test(merge, distinct_arguments_pair_all_and_find_the_offset)
{

	make_calls(0, 1.0);
	cr_assert_eq(kvmmem_merge_pair(g, N, h, N, 0, &m), 0);
	cr_expect_eq(m.pairs, N);
	cr_expect_eq(m.unmatched_guest, 0);
	cr_expect_eq(m.unmatched_host, 0);
	cr_expect(m.consistent);
	/* each pair allows [OFFSET - 1000, OFFSET + 1000] */
	cr_expect_eq(m.lo, OFFSET - 1000);
	cr_expect_eq(m.hi, OFFSET + 1000);
	cr_expect_eq(m.offset, OFFSET);
	cr_expect_eq(m.violations, 0);
	cr_expect_not(m.tracked);
	cr_expect_eq(kvmmem_merge_offset_at(&m, h[N / 2].enter), OFFSET);
	expect_identity(0, 0, N);
}

Test(merge, repeated_arguments_pair_in_time_order)
{

	make_calls(4, 1.0);
	cr_assert_eq(kvmmem_merge_pair(g, N, h, N, 0, &m), 0);
	cr_expect_eq(m.pairs, N);
	cr_expect_eq(m.offset, OFFSET);
	expect_identity(0, 0, N);
}

Test(merge, host_recording_that_started_late_leaves_the_first_calls_unpaired)
{

	make_calls(4, 1.0);
	/* the host missed its first 10 calls: keys repeat, so in-order
	 * pairing alone would be off by a few */
	cr_assert_eq(kvmmem_merge_pair(g, N, h + 10, N - 10, 0, &m), 0);
	cr_expect_eq(m.pairs, N - 10);
	cr_expect_eq(m.unmatched_guest, 10);
	cr_expect_eq(m.unmatched_host, 0);
	cr_expect_eq(m.offset, OFFSET);
	cr_expect_eq(g[9].match, -1);
	expect_identity(10, 0, N - 10);
}

Test(merge, calls_of_another_vm_stay_unpaired)
{
	size_t i;

	make_calls(0, 1.0);
	for (i = 0; i < N; i += 2)
		h[i].a1 = 0xdead000;	/* another guest's page */
	cr_assert_eq(kvmmem_merge_pair(g, N, h, N, 0, &m), 0);
	cr_expect_eq(m.pairs, N / 2);
	cr_expect_eq(m.unmatched_host, N / 2);
	cr_expect_eq(g[0].match, -1);
	cr_expect_eq(g[1].match, 1);
}

Test(merge, no_common_arguments_is_enoent)
{
	size_t i;

	make_calls(0, 1.0);
	for (i = 0; i < N; i++)
		h[i].a1 = 0xdead000;
	cr_expect_eq(kvmmem_merge_pair(g, N, h, N, 0, &m), -ENOENT);
	cr_expect_eq(kvmmem_merge_pair(g, 0, h, 0, 0, &m), -ENOENT);
}

Test(merge, drift_is_followed_over_time)
{

	/* host clock 1% fast: 20 us over the 2 ms of calls, more than the
	 * 1 us of slack each pair has: no single offset fits */
	make_calls(0, 1.01);
	cr_assert_eq(kvmmem_merge_pair(g, N, h, N, 0, &m), 0);
	cr_expect_eq(m.pairs, N, "followed, every call pairs without tolerance");
	cr_expect(m.tracked);
	cr_expect_not(m.consistent);
	cr_expect_eq(m.violations, 0);
	/* pair i allows OFFSET + [0.01 t - 970, 0.01 t + 1010], for t from
	 * 1000 to 1991000: the offset moved by ~20 us */
	cr_expect_geq(m.track_lo, OFFSET + 10 - 970);
	cr_expect_leq(m.track_lo, OFFSET + 10 + 1010);
	cr_expect_geq(m.track_hi, OFFSET + 19910 - 970);
	cr_expect_leq(m.track_hi, OFFSET + 19910 + 1010);
	/* at each host call, the offset puts it inside its guest call */
	for (size_t i = 0; i < N; i += 7) {
		int64_t off = kvmmem_merge_offset_at(&m, h[i].enter);

		cr_expect_geq(off, (int64_t)(h[i].exit - g[i].exit), "call %zu", i);
		cr_expect_leq(off, (int64_t)(h[i].enter - g[i].enter), "call %zu", i);
	}
	expect_identity(0, 0, N);
}

/*
 * What merge's Perfetto trace relies on: a pair the merge counts as no
 * violation has its host call inside its guest call at the offset
 * kvmmem_merge_offset_at() gives at the host call's enter, for every
 * pair, the first and the last included (the ends are extrapolated).
 */
static void expect_every_pair_nests(void)
{
	size_t i;

	cr_assert_eq(m.violations, 0);
	for (i = 0; i < N; i++) {
		int64_t off = kvmmem_merge_offset_at(&m, h[i].enter);

		cr_expect_geq(off, (int64_t)(h[i].exit - g[i].exit),
			      "call %zu of %d: host exit after the guest's", i, N);
		cr_expect_leq(off, (int64_t)(h[i].enter - g[i].enter),
			      "call %zu of %d: host enter before the guest's", i, N);
	}
}

Test(merge, drift_every_pair_nests_at_its_offset)
{
	make_calls(0, 1.01);
	cr_assert_eq(kvmmem_merge_pair(g, N, h, N, 0, &m), 0);
	cr_expect(m.tracked);
	expect_every_pair_nests();
}

Test(merge, slowing_clock_every_pair_nests_at_its_offset)
{
	make_calls(0, 0.99);
	cr_assert_eq(kvmmem_merge_pair(g, N, h, N, 0, &m), 0);
	cr_expect(m.tracked);
	expect_every_pair_nests();
}

Test(merge, sawtooth_every_pair_nests_at_its_offset)
{
	size_t i;

	make_calls(4, 1.0);
	for (i = 0; i < N; i++) {
		uint64_t saw = (g[i].enter % 500000) / 100;

		h[i].enter += saw;
		h[i].exit += saw;
	}
	cr_assert_eq(kvmmem_merge_pair(g, N, h, N, 0, &m), 0);
	cr_expect(m.tracked);
	expect_every_pair_nests();
}

Test(merge, with_tolerance_drift_still_fits_better_followed)
{

	make_calls(0, 1.01);
	cr_assert_eq(kvmmem_merge_pair(g, N, h, N, 50000, &m), 0);
	cr_expect_eq(m.pairs, N);
	cr_expect(m.tracked, "one offset pairs all, but many stick out");
	cr_expect_eq(m.violations, 0);
	cr_expect_eq(m.max_violation_ns, 0);
	expect_identity(0, 0, N);
}

Test(merge, a_sawtooth_clock_is_followed_across_its_jumps)
{
	size_t i;

	/* the host's clock gains 1% then jumps back 5 us, every 500 us (the
	 * kvmclock of a nested guest, in small) */
	make_calls(4, 1.0);
	for (i = 0; i < N; i++) {
		uint64_t t = g[i].enter;
		uint64_t saw = (t % 500000) / 100;

		h[i].enter += saw;
		h[i].exit += saw;
	}
	cr_assert_eq(kvmmem_merge_pair(g, N, h, N, 0, &m), 0);
	cr_expect_eq(m.pairs, N);
	cr_expect(m.tracked);
	cr_expect_eq(m.violations, 0);
	cr_expect_geq(m.track_hi - m.track_lo, 4000);
	cr_expect_leq(m.track_hi - m.track_lo, 6000);
	expect_identity(0, 0, N);
}

Test(merge, one_offset_that_fits_is_not_followed)
{

	make_calls(4, 1.0);
	cr_assert_eq(kvmmem_merge_pair(g, N, h + 10, N - 10, 0, &m), 0);
	cr_expect_not(m.tracked, "unpaired calls alone do not make it follow");
	cr_expect(m.consistent);
	cr_expect_eq(m.pairs, N - 10);
}

Test(merge, time_split_adds_up)
{
	struct kvmmem_time_split s[2];

	make_calls(0, 1.0);
	g[0].op_end = 0;	/* one ioctl not seen */
	cr_assert_eq(kvmmem_merge_pair(g, N, h, N, 0, &m), 0);
	cr_assert_eq(kvmmem_time_split(g, N, h, s), 0);
	cr_expect_eq(s[0].nr, 32);
	cr_expect_eq(s[0].calls, N / 2);
	cr_expect_eq(s[0].with_ioctl, N / 2 - 1);
	cr_expect_eq(s[1].calls, N / 2);
	cr_expect_eq(s[1].with_ioctl, N / 2);
	/* ioctl 5200 = driver 1200 + hypercall 4000 = transitions 2000 +
	 * host 2000 */
	cr_expect_eq(kvmmem_samples_percentile(&s[1].ioctl, 50), 5200);
	cr_expect_eq(kvmmem_samples_percentile(&s[1].driver, 50), 1200);
	cr_expect_eq(kvmmem_samples_percentile(&s[1].hypercall, 50), 4000);
	cr_expect_eq(kvmmem_samples_percentile(&s[1].transition, 50), 2000);
	cr_expect_eq(kvmmem_samples_percentile(&s[1].host, 50), 2000);
	cr_expect_eq(s[0].sum_host, 2000ULL * (N / 2));
	cr_expect_eq(s[0].sum_driver, 1200ULL * (N / 2 - 1));
	kvmmem_time_split_free(s);
}
