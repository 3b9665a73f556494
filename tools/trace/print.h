/* SPDX-License-Identifier: GPL-2.0 */
/*
 * print.h - events as text, as JSON, and as Perfetto arguments, from
 * their kind's shape (print.c): what each field of a shape is called and
 * how it prints is written once, for every kind of that shape.
 */
#ifndef KVMMEM_TRACE_PRINT_H
#define KVMMEM_TRACE_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvmmem_trace.h"	/* bpf/: struct kt_event */
#include "common/json.h"
#include "trace/kinds.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where a field of a shape comes from, and how it prints. */
enum kvmmem_trace_src { KT_SRC_ID, KT_SRC_TGID, KT_SRC_A0, KT_SRC_A1,
			KT_SRC_A2, KT_SRC_RET };
enum kvmmem_trace_fmt {
	KT_FMT_NONE,	/* not in this output */
	KT_FMT_DEC,	/* a number */
	KT_FMT_HEX,	/* text: 0x...; JSON: a number; Perfetto: "0x..." */
	KT_FMT_HC,	/* the hypercall's name (kvmmem_hypercall_name()) */
	KT_FMT_RESULT,	/* kvmmem_trace_result_name() */
};

struct kvmmem_trace_field {
	const char *text;	/* its name in text, NULL: not printed */
	const char *json;	/* its name in JSON and Perfetto, NULL: not */
	enum kvmmem_trace_src src;
	enum kvmmem_trace_fmt text_fmt;
	enum kvmmem_trace_fmt json_fmt;
};

/**
 * kvmmem_trace_shape_fields() - the fields of a shape, in print order
 * @n: receives their number
 *
 * Return: the fields, or NULL (and *@n = 0) for a shape out of range.
 */
const struct kvmmem_trace_field *
kvmmem_trace_shape_fields(enum kvmmem_trace_shape shape, unsigned int *n);

/*
 * The clock of the printed times: TIME is seconds since @t0 (a
 * CLOCK_MONOTONIC time, e.g. the recording's start); with @real0 (the
 * CLOCK_REALTIME of that same instant) set, the wall-clock time (-T).
 */
struct kvmmem_trace_clock {
	uint64_t t0;
	uint64_t real0;		/* 0: relative times */
};

/** kvmmem_trace_print_header() - the column titles of the text lines */
void kvmmem_trace_print_header(FILE *f, const struct kvmmem_trace_clock *c);

/**
 * kvmmem_trace_print_event() - one event as a line of text
 * @latency_ns: the duration the event closes, or -1
 *
 * TIME (seconds since c->t0, or with c->real0 the local time of day,
 * HH:MM:SS.uuuuuu), PID, TID, COMM, EVENT, then the shape's fields as
 * name=value, and lat= when @latency_ns >= 0.
 */
void kvmmem_trace_print_event(FILE *f, const struct kt_event *e,
			      const struct kvmmem_trace_clock *c,
			      int64_t latency_ns);

/**
 * kvmmem_trace_print_event_json() - one event as one JSON line
 *
 * ts_ns, time_s (since c->t0), real_ns (with c->real0: CLOCK_REALTIME),
 * pid, tid, cpu, comm, event, the shape's fields, ret, result, and
 * latency_ns when @latency_ns >= 0.
 */
void kvmmem_trace_print_event_json(FILE *f, const struct kt_event *e,
				   const struct kvmmem_trace_clock *c,
				   int64_t latency_ns);

/**
 * kvmmem_trace_json_args() - the shape's fields as members of the open
 * object of @j, then "result"
 * @hex_strings: KT_FMT_HEX fields as "0x..." strings (Perfetto shows
 *               them so), else numbers
 */
void kvmmem_trace_json_args(struct kvmmem_json *j, const struct kt_event *e,
			    bool hex_strings);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TRACE_PRINT_H */
