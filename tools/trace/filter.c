// SPDX-License-Identifier: GPL-2.0
/*
 * filter.c - events by process, comm, kind and time (see filter.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "trace/filter.h"
#include "trace/kinds.h"
#include "util.h"

/* "[.digits]" at @s: ns, and where it ends; -1 if malformed. */
static int64_t fraction_ns(const char *s, const char **end)
{
	int64_t ns = 0, scale = 100000000;

	*end = s;
	if (*s != '.')
		return 0;
	for (s++; *s >= '0' && *s <= '9'; s++) {
		ns += (*s - '0') * scale;
		scale /= 10;
	}
	if (s == *end + 1)
		return -1;
	*end = s;
	return ns;
}

/* A wall-clock time (local) as CLOCK_REALTIME ns; -EINVAL if it is not one. */
static int wall_ns(const char *s, uint64_t start_real_ns, uint64_t *real)
{
	static const char *const formats[] = {
		"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%H:%M:%S",
	};
	size_t i;
	time_t start = (time_t)(start_real_ns / 1000000000ULL), t;
	const char *end;
	struct tm tm;
	int64_t frac;

	if (s[0] == '@') {
		uint64_t ns;

		if (kvmmem_parse_duration(s + 1, 1000000000ULL, &ns))
			return -EINVAL;
		*real = ns;
		return 0;
	}
	end = NULL;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]) && !end; i++) {
		/* the start's day, for a time of day; a failed try may
		 * have changed some fields */
		if (!localtime_r(&start, &tm))
			return -EINVAL;
		end = strptime(s, formats[i], &tm);
	}
	if (!end)
		return -EINVAL;
	frac = fraction_ns(end, &end);
	if (frac < 0 || *end)
		return -EINVAL;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1 || t < 0)
		return -EINVAL;
	*real = (uint64_t)t * 1000000000ULL + (uint64_t)frac;
	return 0;
}

int kvmmem_trace_parse_time(const char *s, const struct kvmmem_trace_info *info,
			    uint64_t *ts)
{
	uint64_t v;

	if (!s)
		return -EINVAL;
	if (!kvmmem_parse_duration(s, 1000000000ULL, &v)) {
		*ts = info->start_mono_ns + v;
		return 0;
	}
	if (!info->start_real_ns || wall_ns(s, info->start_real_ns, &v))
		return -EINVAL;
	/* the same instant on the recording's monotonic clock */
	if (v >= info->start_real_ns)
		*ts = info->start_mono_ns + (v - info->start_real_ns);
	else if (info->start_real_ns - v <= info->start_mono_ns)
		*ts = info->start_mono_ns - (info->start_real_ns - v);
	else
		*ts = 0;
	return 0;
}

int kvmmem_trace_filter_resolve(struct kvmmem_trace_filter *f,
				const struct kvmmem_trace_info *info,
				char *msg, size_t len)
{
	const char *what = NULL, *bad = NULL;

	f->since_ts = 0;
	f->until_ts = 0;
	if (f->since && kvmmem_trace_parse_time(f->since, info, &f->since_ts)) {
		what = "--since";
		bad = f->since;
	} else if (f->until &&
		   kvmmem_trace_parse_time(f->until, info, &f->until_ts)) {
		what = "--until";
		bad = f->until;
	}
	if (what) {
		snprintf(msg, len, "%s '%s': seconds since the recording started "
			 "(1.5, 500ms, 2m), a wall-clock time (HH:MM:SS[.frac], "
			 "YYYY-MM-DD HH:MM:SS) or @EPOCH-SECONDS", what, bad);
		return -EINVAL;
	}
	if (f->until && f->until_ts <= f->since_ts) {
		snprintf(msg, len, "--until '%s' is not after --since '%s'",
			 f->until, f->since ? f->since : "0");
		return -EINVAL;
	}
	return 0;
}

/* Does @e's tgid name a process (its owner, its closer, the one that exited)? */
static bool tgid_is_a_process(const struct kt_event *e)
{
	return e->kind < 32 && (KT_PID_KINDS & KT_KIND_BIT(e->kind));
}

bool kvmmem_trace_filter_match(const struct kvmmem_trace_filter *f,
			       const struct kt_event *e)
{
	if (f->kinds && !(f->kinds & KT_KIND_BIT(e->kind)))
		return false;
	if (f->pid && e->pid != f->pid &&
	    !(tgid_is_a_process(e) && e->tgid == f->pid))
		return false;
	if (f->comm[0] && strncmp(e->comm, f->comm, KT_COMM_LEN))
		return false;
	if (e->ts < f->since_ts)
		return false;
	return !f->until_ts || e->ts < f->until_ts;
}

bool kvmmem_trace_filter_active(const struct kvmmem_trace_filter *f)
{
	return f->pid || f->comm[0] || f->kinds || f->since || f->until;
}
