// SPDX-License-Identifier: GPL-2.0
/*
 * An operation's end record back into the events of its tracepoints
 * (tools/trace/expand.c): what kvmmem_map_start, the hypercall
 * tracepoints and the end would each have sent, in time order, filtered
 * like the session's programs filter, with page leaks put back in place.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <linux/kvmmem.h>

#include "trace/expand.h"

#define MAX_OUT	64

struct sink {
	struct kt_event ev[MAX_OUT];
	size_t n;
	int stop_at;		/* return 1 on this event (1-based); 0: never */
};

static int collect(void *ctx, const struct kt_event *e)
{
	struct sink *s = ctx;

	cr_assert_lt(s->n, MAX_OUT);
	s->ev[s->n++] = *e;
	return s->stop_at && (int)s->n == s->stop_at;
}

static struct kt_event event(enum kt_kind kind, uint64_t ts, uint64_t id,
			     uint32_t tid, int64_t ret)
{
	struct kt_event e = {
		.ts = ts, .pid = 100, .tid = tid, .kind = kind, .cpu = 1,
		.tgid = 100, .id = id, .a0 = 0x7f0000001000ULL,
		.a1 = 0x5000, .a2 = 0x123000, .ret = ret,
	};

	memcpy(e.comm, "introspect", 11);
	return e;
}

static struct kvmmem_hc_times hc(uint32_t nr, uint64_t enter, uint64_t exit,
				 int64_t ret)
{
	struct kvmmem_hc_times h = {
		.enter_ns = enter, .exit_ns = exit, .nr = nr,
		.a0 = nr == KVM_HC_MEM_MAP ? 0xabc0 : 0x123000,
		.a1 = nr == KVM_HC_MEM_MAP ? 0x5000 : 0,
		.a2 = nr == KVM_HC_MEM_MAP ? 0x123000 : 0, .ret = ret,
	};

	return h;
}

static struct kt_op_event map_op(uint64_t id, uint32_t tid, uint64_t start)
{
	struct kt_op_event op = { .end = event(KT_MAP_END, start + 900, id, tid, 0) };

	op.t.start_ns = start;
	op.t.nr_hc = 1;
	op.t.hc[0] = hc(KVM_HC_MEM_MAP, start + 300, start + 700, 0);
	return op;
}

/* Owner 100's mapping torn down by closer 200 (another process). */
static struct kt_op_event teardown_op(void)
{
	struct kt_op_event op = { .end = event(KT_TEARDOWN_UNMAP, 5000, 3, 200, 0) };

	op.end.pid = 200;
	op.t.start_ns = 4000;
	op.t.nr_hc = 1;
	op.t.hc[0] = hc(KVM_HC_MEM_UNMAP, 4100, 4800, 0);
	return op;
}

static int feed(struct kvmmem_expand *x, const void *rec, size_t size)
{
	return kvmmem_expand_record(x, rec, size);
}

Test(expand, map_becomes_start_hypercall_end)
{
	struct kt_op_event op = map_op(7, 101, 1000);
	struct kvmmem_expand x;
	struct sink s = { 0 };

	kvmmem_expand_init(&x, 0, 0, true, collect, &s);
	cr_assert_eq(feed(&x, &op, sizeof(op)), 0);
	cr_assert_eq(s.n, 4);
	cr_assert_eq(s.ev[0].kind, KT_MAP_START);
	cr_assert_eq(s.ev[0].ts, 1000);
	cr_assert_eq(s.ev[0].a2, 0, "map_start has no page yet");
	cr_assert_eq(s.ev[0].a0, op.end.a0);
	cr_assert_eq(s.ev[0].id, 7);
	cr_assert_eq(s.ev[1].kind, KT_HC_ENTER);
	cr_assert_eq(s.ev[1].ts, 1300);
	cr_assert_eq(s.ev[1].tgid, KVM_HC_MEM_MAP, "a hypercall's tgid is its nr");
	cr_assert_eq(s.ev[1].a0, 0xabc0);
	cr_assert_eq(s.ev[1].ret, 0);
	cr_assert_eq(s.ev[2].kind, KT_HC_EXIT);
	cr_assert_eq(s.ev[2].ts, 1700);
	cr_assert_eq(s.ev[3].kind, KT_MAP_END);
	cr_assert_eq(s.ev[3].ts, 1900);
	cr_assert_eq(s.ev[3].a2, 0x123000);
	for (size_t i = 0; i < s.n; i++) {
		cr_assert_eq(s.ev[i].pid, 100);
		cr_assert_eq(s.ev[i].tid, 101);
		cr_assert_eq(s.ev[i].cpu, 1);
		cr_assert_str_eq(s.ev[i].comm, "introspect");
	}
}

Test(expand, failed_map_answer_and_its_undoing)
{
	struct kt_op_event op = map_op(9, 101, 1000);
	struct kt_event leak = event(KT_PAGE_LEAKED, 2500, 9, 101, -5);
	struct kvmmem_expand x;
	struct sink s = { 0 };
	static const enum kt_kind want[] = {
		KT_MAP_START, KT_HC_ENTER, KT_HC_EXIT, KT_HC_ENTER,
		KT_HC_EXIT, KT_PAGE_LEAKED, KT_MAP_END,
	};

	/* an answer the driver does not know, its UNMAP refused: leaked */
	op.t.hc[0].ret = 4242;
	op.t.nr_hc = 2;
	op.t.hc[1] = hc(KVM_HC_MEM_UNMAP, 1800, 2200, -1000);
	op.end.ts = 3000;
	op.end.ret = -5;
	kvmmem_expand_init(&x, 0, 0, true, collect, &s);
	/* page_leaked fires before the end's program: it comes first */
	cr_assert_eq(feed(&x, &leak, sizeof(leak)), 0);
	cr_assert_eq(s.n, 0, "held until its operation ends");
	cr_assert_eq(feed(&x, &op, sizeof(op)), 0);
	cr_assert_eq(s.n, 7);
	for (size_t i = 0; i < s.n; i++)
		cr_assert_eq(s.ev[i].kind, want[i], "event %zu", i);
	cr_assert_eq(s.ev[3].tgid, KVM_HC_MEM_UNMAP);
	cr_assert_eq(s.ev[4].ret, -1000);
	cr_assert_eq(s.ev[2].ret, 4242);
	for (size_t i = 1; i < s.n; i++)
		cr_assert_geq(s.ev[i].ts, s.ev[i - 1].ts);
	cr_assert_eq(x.nr_held, 0);
}

Test(expand, teardown_unmap_has_no_start)
{
	struct kt_op_event op = teardown_op();
	struct kvmmem_expand x;
	struct sink s = { 0 };

	kvmmem_expand_init(&x, 0, 0, true, collect, &s);
	cr_assert_eq(feed(&x, &op, sizeof(op)), 0);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.ev[0].kind, KT_HC_ENTER);
	cr_assert_eq(s.ev[1].kind, KT_HC_EXIT);
	cr_assert_eq(s.ev[2].kind, KT_TEARDOWN_UNMAP);
	cr_assert_eq(s.ev[2].tgid, 100, "the owner");
}

Test(expand, untimed_operation_is_only_its_end)
{
	struct kt_op_event op = map_op(7, 101, 1000);
	struct kvmmem_expand x;
	struct sink s = { 0 };

	op.t.start_ns = 0;	/* the tracepoint was enabled mid-operation */
	kvmmem_expand_init(&x, 0, 0, true, collect, &s);
	cr_assert_eq(feed(&x, &op, sizeof(op)), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.ev[0].kind, KT_MAP_END);
}

Test(expand, kinds_filter_each_event)
{
	struct kt_op_event op = map_op(7, 101, 1000);
	struct kvmmem_expand x;
	struct sink s = { 0 };

	kvmmem_expand_init(&x, KT_KIND_BIT(KT_HC_ENTER) | KT_KIND_BIT(KT_HC_EXIT),
			   0, true, collect, &s);
	cr_assert_eq(feed(&x, &op, sizeof(op)), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.ev[0].kind, KT_HC_ENTER);
	cr_assert_eq(s.ev[1].kind, KT_HC_EXIT);
}

Test(expand, pid_filter_tests_pids_not_hypercall_numbers)
{
	struct kt_op_event op = teardown_op();
	struct kvmmem_expand x;
	struct sink s = { 0 };

	/* filter on the owner */
	kvmmem_expand_init(&x, 0, 100, true, collect, &s);
	cr_assert_eq(feed(&x, &op, sizeof(op)), 0);
	/* the hypercalls are the closer's: as with a program on each */
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.ev[0].kind, KT_TEARDOWN_UNMAP);

	/* -p 33 (MEM_UNMAP's nr) matches nobody here */
	s.n = 0;
	kvmmem_expand_init(&x, 0, KVM_HC_MEM_UNMAP, true, collect, &s);
	cr_assert_eq(feed(&x, &op, sizeof(op)), 0);
	cr_assert_eq(s.n, 0);
}

Test(expand, plain_events_pass_and_leaks_are_not_held_without_ops)
{
	struct kt_event leak = event(KT_PAGE_LEAKED, 2500, 9, 101, -5);
	struct kt_event start = event(KT_MAP_START, 1000, 9, 101, 0);
	struct kvmmem_expand x;
	struct sink s = { 0 };

	kvmmem_expand_init(&x, 0, 0, false, collect, &s);
	cr_assert_eq(feed(&x, &start, sizeof(start)), 0);
	cr_assert_eq(feed(&x, &leak, sizeof(leak)), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.ev[1].kind, KT_PAGE_LEAKED);
	/* a record of another size is not an event */
	cr_assert_eq(feed(&x, &start, sizeof(start) - 8), 0);
	cr_assert_eq(s.n, 2);
}

Test(expand, other_threads_leaks_stay_held_and_flush_sends_them)
{
	struct kt_event leak = event(KT_PAGE_LEAKED, 2500, 9, 555, -5);
	struct kt_op_event op = map_op(7, 101, 1000);
	struct kvmmem_expand x;
	struct sink s = { 0 };

	kvmmem_expand_init(&x, 0, 0, true, collect, &s);
	cr_assert_eq(feed(&x, &leak, sizeof(leak)), 0);
	cr_assert_eq(feed(&x, &op, sizeof(op)), 0);
	cr_assert_eq(s.n, 4, "thread 555's leak waits for thread 555's end");
	cr_assert_eq(kvmmem_expand_flush(&x), 0);
	cr_assert_eq(s.n, 5);
	cr_assert_eq(s.ev[4].kind, KT_PAGE_LEAKED);
	cr_assert_eq(x.nr_held, 0);
}

Test(expand, a_full_hold_sends_its_oldest)
{
	struct kvmmem_expand x;
	struct sink s = { 0 };
	struct kt_event leak;
	size_t i;

	kvmmem_expand_init(&x, 0, 0, true, collect, &s);
	for (i = 0; i < KVMMEM_EXPAND_HELD + 2; i++) {
		leak = event(KT_PAGE_LEAKED, 1000 + i, 10 + i, 300 + (uint32_t)i, -5);
		cr_assert_eq(feed(&x, &leak, sizeof(leak)), 0);
	}
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.ev[0].id, 10);
	cr_assert_eq(s.ev[1].id, 11);
	cr_assert_eq(x.nr_held, KVMMEM_EXPAND_HELD);
}

Test(expand, a_callbacks_stop_is_returned)
{
	struct kt_op_event op = map_op(7, 101, 1000);
	struct kvmmem_expand x;
	struct sink s = { .stop_at = 2 };

	kvmmem_expand_init(&x, 0, 0, true, collect, &s);
	cr_assert_eq(feed(&x, &op, sizeof(op)), 1);
	cr_assert_eq(s.n, 2);
}

Test(expand, a_bad_hypercall_count_is_bounded)
{
	struct kt_op_event op = map_op(7, 101, 1000);
	struct kvmmem_expand x;
	struct sink s = { 0 };

	op.t.nr_hc = 1000;
	op.t.hc[1] = hc(KVM_HC_MEM_UNMAP, 1750, 1800, 0);
	kvmmem_expand_init(&x, 0, 0, true, collect, &s);
	cr_assert_eq(feed(&x, &op, sizeof(op)), 0);
	cr_assert_eq(s.n, 2 + 2 * KVMMEM_OP_MAX_HC);
}

Test(expand, a_short_record_has_one_hypercall_at_most)
{
	struct kt_op_event op = map_op(7, 101, 1000);
	struct kvmmem_expand x;
	struct sink s = { 0 };

	/* tp_btf sends an operation of one hypercall without hc[1] */
	op.t.hc[1] = hc(KVM_HC_MEM_UNMAP, 1750, 1800, 0);
	kvmmem_expand_init(&x, 0, 0, true, collect, &s);
	cr_assert_eq(feed(&x, &op, KT_OP_EVENT_SHORT), 0);
	cr_assert_eq(s.n, 4);
	cr_assert_eq(s.ev[3].kind, KT_MAP_END);

	op.t.nr_hc = 2;		/* a lie: it has no room for a second */
	s.n = 0;
	cr_assert_eq(feed(&x, &op, KT_OP_EVENT_SHORT), 0);
	cr_assert_eq(s.n, 4);
}
