/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmmem-top.h - what the parts of kvmmem-top share: the source
 * interface (where samples come from) and the two ways of showing them.
 *
 * The outputs (batch text, JSON, the curses view) know only struct
 * top_source and the model in top.h: a new source (e.g. the
 * host's KVM tracepoints) plugs in without touching them.
 */
#ifndef KVMMEM_TOP_TOOL_H
#define KVMMEM_TOP_TOOL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cli.h"
#include "top.h"

/* Exit status. */
#define EXIT_FAIL	1	/* an error: said on stderr */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_GONE	3	/* the traced module went away: said on stderr */

extern bool verbose;

/* "kvmmem-top: " + message + newline, on stderr. */

/* Where the numbers come from. */
struct top_source {
	const struct top_desc *desc;
	const char *attach;	/* for the header: "tp_btf", "raw_tp" */
	/* Fill @s (reset by the caller) with a sample; 0 or -errno. */
	int (*sample)(struct top_source *src, struct top_sample *s);
	/*
	 * Is what the source traces still there? 0; or -ENODEV when it is
	 * gone for good, with @why set to one line saying so.
	 */
	int (*check)(struct top_source *src, char *why, size_t len);
	void (*close)(struct top_source *src);
};

struct guest_opts {
	uint32_t max_live;	/* slots of the live table, a power of 2 */
	bool force_raw_tp;
	bool time_all;		/* time every hypercall, not a sample */
	bool stacks;		/* --stacks: pages by the MAP's call site */
};

/* The guest: kvmmem's tracepoints, aggregated by kvmmem_top.bpf.c. */
extern const struct top_desc guest_top_desc;
int guest_source_open(const struct guest_opts *opts, struct top_source **src);

/*
 * The host (--host): KVM's side of every VM's kvmmem hypercalls, a row
 * per VM (host.c).
 */
int host_source_open(struct top_source **src);

/* What the outputs show, and how. */
struct view_opts {
	uint64_t interval_ns;
	uint64_t count;		/* frames; 0: until a signal (or q) */
	uint64_t duration_ns;	/* stop after; 0: until a signal (or q) */
	uint32_t pid;		/* filter; 0: every row */
	enum top_col sort;
	bool reverse;
};

enum top_output { TOP_OUT_TEXT, TOP_OUT_JSON, TOP_OUT_CSV };

/*
 * Batch (plain-text frames, like top -b), JSON (one object per frame) or
 * CSV (a line per row per frame) until @o->count frames, @o->duration_ns
 * or a signal. Return the exit status.
 */
int run_batch(struct top_source *src, const struct view_opts *o,
	      enum top_output out);

/* The full-screen view until q or a signal. Return the exit status. */
int run_view(struct top_source *src, const struct view_opts *o);

/*
 * Sampling shared by both: take a sample into @cur, build the frame from
 * @prev (NULL: since @t0), and check the source. Return 0, -ENODEV (the
 * source is gone: @why says so) or another -errno (said on stderr).
 */
int take_frame(struct top_source *src, struct top_sample *prev,
	       struct top_sample *cur, uint64_t t0, struct top_frame *f,
	       char *why, size_t len);

/* The wall-clock time now as "HH:MM:SS" in @buf. */
const char *clock_now(char buf[16]);

#endif /* KVMMEM_TOP_TOOL_H */
