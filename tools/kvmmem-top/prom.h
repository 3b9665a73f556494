/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prom.h - kvmmem-top's model as Prometheus metrics (kvmmem-top
 * --prometheus, --textfile): no BPF, no sockets, the unit tests run it.
 *
 * prom_update() folds each frame of the model into series whose
 * counters never go backwards; prom_write() prints them in the
 * OpenMetrics text format or the classic Prometheus one.
 *
 * Cardinality: at most top_n rows (processes, or VMs with --host) get
 * their own series, labelled with their id and name; every other row,
 * and every row that left (a process that exited, a row evicted from
 * the top), is in one `other` series. A series' counter only counts what
 * happened while the row had that series: a row that gets its own series
 * starts it at 0, and what it had counted until then stays in `other`;
 * a row that loses it (exit, eviction) takes nothing away from `other`,
 * which then holds that row's counts too. So each counter's series add
 * up to the system-wide total, and none goes backwards.
 */
#ifndef KVMMEM_PROM_H
#define KVMMEM_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "top.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PROM_TOP_N_DEFAULT	10

/* A row with its own series. */
struct prom_series {
	uint32_t id;
	char name[TOP_NAME_LEN];
	uint64_t base[TOP_NR_CNTS];	/* its counts when the series began */
	uint64_t last[TOP_NR_CNTS];	/* at the latest frame */
	uint64_t activity;		/* counts over the latest interval */
	int64_t live;
	uint64_t pinned;
	uint64_t leaked;
	uint64_t age_ns;
};

struct prom_state {
	const struct top_desc *d;
	const char *id_label;		/* "pid"; --host: "vmm_pid" */
	const char *name_label;		/* "comm"; --host: "vm" */
	unsigned int top_n;		/* rows with their own series */
	struct prom_series *series;	/* top_n slots, n used */
	size_t n;
	uint32_t *seen;			/* ids of the latest frame, sorted */
	size_t nr_seen;
	bool have_frame;
	/* the `other` series */
	uint64_t other[TOP_NR_CNTS];
	int64_t other_live;
	uint64_t other_pinned;
	uint64_t other_leaked;
	uint64_t other_age_ns;
	/* system-wide, cumulative since the first frame */
	uint64_t cnt[TOP_NR_CNTS];
	uint64_t drops;
	uint64_t calls[TOP_MAX_OPS];
	uint64_t hist[TOP_MAX_OPS][TOP_SLOTS];
	uint64_t hist_sum_ns[TOP_MAX_OPS];
	uint64_t lifetime[TOP_SLOTS];	/* the latest frame's, cumulative */
	uint64_t lifetime_sum_us;
	bool have_lifetime;
	struct top_answer answers[TOP_MAX_ANSWERS];	/* sorted: op, ret */
	size_t nr_answers;
	uint64_t frames;		/* prom_update() calls that worked */
};

/* What the exporter says about itself. */
struct prom_self {
	const char *version;	/* kvmmem_build_info{version} */
	const char *attach;	/* ... {attach}: "tp_btf", "raw_tp" */
	uint64_t scrapes;	/* HTTP requests for /metrics answered */
	uint64_t bpf_run_ns;	/* in-kernel run time of its programs */
	uint64_t bpf_runs;	/* and their runs */
	bool have_bpf_run;	/* false: kernel.bpf_stats_enabled is 0 */
};

enum prom_format {
	PROM_OPENMETRICS,	/* application/openmetrics-text 1.0.0 */
	PROM_TEXT,		/* text/plain 0.0.4, the classic format */
};

/**
 * prom_init() - an empty state
 * @d:     the source's description (ops, names)
 * @top_n: rows with their own series, 0 to 1000 (0: only `other`)
 * @host:  label the rows vmm_pid and vm (true) or pid and comm
 *
 * Return: 0 or -ENOMEM (free with prom_free() either way).
 */
int prom_init(struct prom_state *p, const struct top_desc *d,
	      unsigned int top_n, bool host);

/** prom_free() - release everything; @p is empty afterwards */
void prom_free(struct prom_state *p);

/**
 * prom_update() - account one frame of the model
 * @f: a frame from top_frame_build(); every frame from the first one (a
 *     frame without a previous sample) on, so that the histograms'
 *     interval counts add up to the cumulative ones
 *
 * The rows that get their own series are the most active ones (counts
 * over the interval, then pinned pages, then id): a row keeps its series
 * until it leaves the frame or another row was strictly more active over
 * the interval. A row whose counters went down (its id was reused) starts
 * over as a new row.
 *
 * Return: 0 or -ENOMEM (then @p is as before).
 */
int prom_update(struct prom_state *p, const struct top_frame *f);

/**
 * prom_write() - the exposition of @p
 * @out:  where to write
 * @self: the exporter's own metrics
 * @fmt:  OpenMetrics (ends with "# EOF") or the classic text format
 *
 * Latency histograms: the log2 slot i ([2^i, 2^(i+1)) ns, integers) is
 * the bucket le=(2^(i+1) - 1) ns, in seconds, printed exactly
 * ("0.000001023"); the last slot holds the rest, so it is only in +Inf.
 * The mapping lifetime histogram's slots count whole microseconds: slot
 * i is le=(2^(i+1) * 1000 - 1) ns, by the same rule.
 *
 * Return: 0 or -EIO.
 */
int prom_write(FILE *out, const struct prom_state *p,
	       const struct prom_self *self, enum prom_format fmt);

/**
 * prom_fmt_seconds() - @ns as seconds, exactly, in @buf: "0", "1.5",
 * "0.000000001" (no exponent, no trailing zeros)
 */
const char *prom_fmt_seconds(char buf[32], uint64_t ns);

/**
 * prom_escape_label() - a label value for the exposition, quotes not
 * included: \ " and newline escaped, bytes that are not UTF-8 and other
 * control characters replaced by '?'
 * @s:   the value; at most @len bytes are read, up to a NUL
 * @buf: receives the result, NUL-terminated, truncated to @size - 1
 *       between characters
 */
void prom_escape_label(const char *s, size_t len, char *buf, size_t size);

/* Content types of the formats, for an HTTP answer. */
extern const char prom_ctype_openmetrics[];
extern const char prom_ctype_text[];

/**
 * prom_format_of() - the format an Accept header asks for
 * @accept: the header's value, NULL if none
 *
 * Return: PROM_OPENMETRICS if @accept names application/openmetrics-text
 * (what Prometheus sends first), else PROM_TEXT.
 */
enum prom_format prom_format_of(const char *accept);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_PROM_H */
