// SPDX-License-Identifier: GPL-2.0
/*
 * expand.c - struct kt_op_event back into the events of the tracepoints
 * it stands for (see expand.h and docs/tracepoints.md).
 */
#include <string.h>

#include <linux/kvmmem.h>	/* KVM_HC_MEM_MAP, KVM_HC_MEM_UNMAP */

#include "trace/expand.h"

_Static_assert(sizeof(struct kt_op_event) == KT_OP_EVENT_SIZE,
	       "struct kt_op_event has no padding");
_Static_assert(sizeof(struct kvmmem_hc_times) == 56,
	       "struct kvmmem_hc_times: the module's layout");

void kvmmem_expand_init(struct kvmmem_expand *x, uint32_t kinds, uint32_t pid,
			bool ops, kvmmem_expand_cb cb, void *ctx)
{
	memset(x, 0, sizeof(*x));
	x->filter.kinds = kinds;
	x->filter.pid = pid;
	x->ops = ops;
	x->cb = cb;
	x->ctx = ctx;
}

static int send(struct kvmmem_expand *x, const struct kt_event *e)
{
	return kvmmem_trace_filter_match(&x->filter, e) ? x->cb(x->ctx, e) : 0;
}

/* Hold a page_leaked event until its operation's end comes. */
static int hold(struct kvmmem_expand *x, const struct kt_event *e)
{
	int err = 0;

	if (x->nr_held == KVMMEM_EXPAND_HELD) {
		err = send(x, &x->held[0]);
		memmove(&x->held[0], &x->held[1],
			(x->nr_held - 1) * sizeof(x->held[0]));
		x->nr_held--;
	}
	x->held[x->nr_held++] = *e;
	return err;
}

/* An event of the operation ending in @end, of @kind, at @ts. */
static void derive(struct kt_event *e, const struct kt_event *end,
		   enum kt_kind kind, uint64_t ts)
{
	*e = *end;
	e->kind = kind;
	e->ts = ts;
}

/* A hypercall's events, as kvmmem_hypercall_enter/exit send them. */
static void derive_hc(struct kt_event *enter, struct kt_event *exit,
		      const struct kt_event *end,
		      const struct kvmmem_hc_times *h)
{
	derive(enter, end, KT_HC_ENTER, h->enter_ns);
	enter->tgid = h->nr;
	enter->a0 = h->a0;
	enter->a1 = h->a1;
	enter->a2 = h->a2;
	enter->ret = 0;
	*exit = *enter;
	exit->kind = KT_HC_EXIT;
	exit->ts = h->exit_ns;
	exit->ret = h->ret;
}

/* Insert @e into @evs[0..n) by time, after any event of the same time. */
static void insert(struct kt_event *evs, size_t n, const struct kt_event *e)
{
	size_t i = n;

	while (i && evs[i - 1].ts > e->ts) {
		evs[i] = evs[i - 1];
		i--;
	}
	evs[i] = *e;
}

static int expand_op(struct kvmmem_expand *x, const struct kt_op_event *op)
{
	/* start, two events per hypercall, held leaks, the end */
	struct kt_event evs[2 + 2 * KVMMEM_OP_MAX_HC + KVMMEM_EXPAND_HELD];
	const struct kt_event *end = &op->end;
	const struct kvmmem_op_times *t = &op->t;
	uint32_t nr_hc = t->nr_hc;
	size_t n = 0, i, k;
	int err;

	if (nr_hc > KVMMEM_OP_MAX_HC)
		nr_hc = KVMMEM_OP_MAX_HC;
	/* not timed (the tracepoint was enabled during the operation) */
	if (!t->start_ns)
		nr_hc = 0;
	if (t->start_ns && end->kind != KT_TEARDOWN_UNMAP) {
		derive(&evs[n], end,
		       end->kind == KT_MAP_END ? KT_MAP_START : KT_UNMAP_START,
		       t->start_ns);
		/* what kvmmem_map_start had: no page yet, no result */
		if (end->kind == KT_MAP_END)
			evs[n].a2 = 0;
		evs[n++].ret = 0;
	}
	for (i = 0; i < nr_hc; i++) {
		derive_hc(&evs[n], &evs[n + 1], end, &t->hc[i]);
		n += 2;
	}
	/* this thread's leaks go back between the hypercalls and the end */
	for (i = 0, k = 0; i < x->nr_held; i++) {
		if (x->held[i].tid == end->tid && x->held[i].id == end->id)
			insert(evs, n++, &x->held[i]);
		else
			x->held[k++] = x->held[i];
	}
	x->nr_held = k;
	insert(evs, n++, end);
	for (i = 0; i < n; i++) {
		err = send(x, &evs[i]);
		if (err)
			return err;
	}
	return 0;
}

int kvmmem_expand_record(struct kvmmem_expand *x, const void *data, size_t size)
{
	struct kt_op_event op;
	struct kt_event e;

	if (size == sizeof(op) || size == KT_OP_EVENT_SHORT) {
		memset(&op, 0, sizeof(op));
		memcpy(&op, data, size);
		if (size == KT_OP_EVENT_SHORT && op.t.nr_hc > 1)
			op.t.nr_hc = 1;
		return expand_op(x, &op);
	}
	if (size != sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	if (x->ops && e.kind == KT_PAGE_LEAKED)
		return hold(x, &e);
	return send(x, &e);
}

int kvmmem_expand_flush(struct kvmmem_expand *x)
{
	size_t i;
	int err = 0;

	for (i = 0; i < x->nr_held && !err; i++)
		err = send(x, &x->held[i]);
	x->nr_held = 0;
	return err;
}
