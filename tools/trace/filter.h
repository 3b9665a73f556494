/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filter.h - which events of a recording a command looks at (filter.c):
 * a process, a comm, event kinds, a time window. report, dump and export
 * share it (--pid, --comm, --events, --since, --until).
 */
#ifndef KVMMEM_TRACE_FILTER_H
#define KVMMEM_TRACE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvmmem_trace.h"	/* bpf/: struct kt_event */
#include "trace/format.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kvmmem_trace_filter {
	uint32_t pid;			/* 0: every process */
	char comm[KT_COMM_LEN + 1];	/* "": every comm */
	uint32_t kinds;			/* KT_KIND_BIT()s; 0: every kind */
	const char *since, *until;	/* as given; NULL: no bound */
	/* resolved against a recording by kvmmem_trace_filter_resolve() */
	uint64_t since_ts, until_ts;	/* CLOCK_MONOTONIC; until 0: none */
};

/**
 * kvmmem_trace_parse_time() - a point in a recording's time
 * @s:    a DURATION since the recording started (kvmmem_parse_duration(),
 *        seconds by default: "1.5", "500ms", "2m"); or a wall-clock time,
 *        local: "HH:MM:SS[.frac]" (the day the recording started),
 *        "YYYY-MM-DD HH:MM:SS[.frac]" or "YYYY-MM-DDTHH:MM:SS[.frac]";
 *        or "@SECONDS" since the epoch
 * @info: the recording's header (its start, in both clocks)
 * @ts:   receives the time on the recording's CLOCK_MONOTONIC
 *
 * Return: 0, or -EINVAL if @s is none of these (or wall-clock times
 * cannot be placed: the header has no start_real_ns).
 */
int kvmmem_trace_parse_time(const char *s, const struct kvmmem_trace_info *info,
			    uint64_t *ts);

/**
 * kvmmem_trace_filter_resolve() - place --since/--until in @info's time
 * @msg: receives what is wrong, on error
 *
 * Return: 0, or -EINVAL (a time that does not parse, or until <= since).
 */
int kvmmem_trace_filter_resolve(struct kvmmem_trace_filter *f,
				const struct kvmmem_trace_info *info,
				char *msg, size_t len);

/**
 * kvmmem_trace_filter_match() - does @e pass (after resolve)?
 *
 * The process matches as live mode's -p does: events it made, and those
 * whose tgid is it (its mappings' teardowns by another process).
 */
bool kvmmem_trace_filter_match(const struct kvmmem_trace_filter *f,
			       const struct kt_event *e);

/** kvmmem_trace_filter_active() - does @f filter anything at all? */
bool kvmmem_trace_filter_active(const struct kvmmem_trace_filter *f);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TRACE_FILTER_H */
