/* SPDX-License-Identifier: GPL-2.0 */
/*
 * expand.h - from what kvmmem_trace.bpf.c sends to the events a
 * recording holds (expand.c). With one program per operation, the end of
 * a map, unmap or teardown unmap arrives as struct kt_op_event, which
 * carries the operation's start and hypercalls: they come back as the
 * events their own tracepoints would have sent, in time order, each
 * kept or not by the session's filter (kinds, process). A page_leaked
 * event, sent before the end of the operation that leaked the page but
 * later than its hypercalls, is held until that end arrives and put back
 * in its place, so that every thread's events stay in time order.
 */
#ifndef KVMMEM_TRACE_EXPAND_H
#define KVMMEM_TRACE_EXPAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvmmem_trace.h"	/* bpf/: struct kt_event, kt_op_event */
#include "trace/filter.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Leaks held at once, at most; a fuller hold sends its oldest on. */
#define KVMMEM_EXPAND_HELD	64

/* Called for each event; non-zero stops and is returned. */
typedef int (*kvmmem_expand_cb)(void *ctx, const struct kt_event *e);

struct kvmmem_expand {
	struct kvmmem_trace_filter filter;	/* kinds and pid only */
	bool ops;			/* struct kt_op_event may come */
	kvmmem_expand_cb cb;
	void *ctx;
	struct kt_event held[KVMMEM_EXPAND_HELD];
	size_t nr_held;
};

/**
 * kvmmem_expand_init() - an expander for a session's records
 * @kinds: the KT_KIND_BIT()s wanted (0: all)
 * @pid:   the process wanted, as -p matches it (0: all)
 * @ops:   the end programs send struct kt_op_event
 */
void kvmmem_expand_init(struct kvmmem_expand *x, uint32_t kinds, uint32_t pid,
			bool ops, kvmmem_expand_cb cb, void *ctx);

/**
 * kvmmem_expand_record() - one record of the ring buffer
 * @data, @size: a struct kt_event or a struct kt_op_event (by size);
 *               anything else is ignored
 *
 * Return: 0, or the callback's non-zero value.
 */
int kvmmem_expand_record(struct kvmmem_expand *x, const void *data, size_t size);

/**
 * kvmmem_expand_flush() - send the held events (the end of a session,
 * or of an operation that was lost)
 */
int kvmmem_expand_flush(struct kvmmem_expand *x);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TRACE_EXPAND_H */
