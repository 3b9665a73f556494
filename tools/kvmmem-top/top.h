/* SPDX-License-Identifier: GPL-2.0 */
/*
 * top.h - the model of kvmmem-top, independent of where the numbers come
 * from (no BPF, no curses: the unit tests run it).
 *
 * A source (the guest's BPF maps; later the host's) takes samples: per
 * row (a process) cumulative counters, cumulative log2 latency
 * histograms and gauges (live, leaked, oldest mapping). Two samples make
 * a frame: rates and latency percentiles over the interval between them,
 * which the batch, JSON and curses outputs print with the functions
 * below, so that every output shows the same numbers the same way.
 */
#ifndef KVMMEM_TOP_H_LIB
#define KVMMEM_TOP_H_LIB

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TOP_MAX_OPS	4	/* timed operations a source may have */
#define TOP_SLOTS	32	/* log2 ns slots; the last holds the rest */
#define TOP_NAME_LEN	16
#define TOP_MAX_RESULTS	4	/* answers by value kept per row and op */

/* How many calls of one op got one answer. */
struct top_result {
	int64_t ret;		/* 0 or negative */
	uint64_t count;		/* 0: an unused entry */
};

/* A row's answers to one op, cumulative: the most frequent first. */
struct top_results {
	struct top_result r[TOP_MAX_RESULTS];
	uint64_t other;		/* calls with any other answer */
};

/* Cumulative counters of a row and of the whole system. */
enum top_cnt {
	TOP_MAPS,	/* MAPs that succeeded */
	TOP_UNMAPS,	/* UNMAPs that succeeded */
	TOP_TEARDOWNS,	/* mappings unmapped by a teardown (close, exit) */
	TOP_ERRORS,	/* MAPs and UNMAPs that failed */
	TOP_LEAKS,	/* pages leaked (the host failed to unmap them) */
	TOP_NR_CNTS,
};

/* What a source measures: names for the outputs. */
struct top_desc {
	const char *title;	/* first word of the header: "kvmmem-top" */
	const char *id_col;	/* the row id's column: "PID" */
	const char *name_col;	/* the row name's column: "COMMAND" */
	const char *id_key;	/* JSON keys of both: "pid", "comm" */
	const char *name_key;
	const char *rows_key;	/* JSON key of the rows: "processes" */
	unsigned int nr_ops;
	const char *op_names[TOP_MAX_OPS];	/* "map", "MEM_MAP", ... */
	unsigned int row_ops;	/* bit i: op i counts in a row's P50/P99 */
	unsigned int hc_ops;	/* bit i: op i is a hypercall (the exporter's
				 * kvmmem_hypercall_duration_seconds; the
				 * others are ioctls) */
	/*
	 * The name of an answer ("ok", "KVM_ENOSYS"); NULL: the source does
	 * not see answers by value, rows have no results.
	 */
	const char *(*result_name)(int64_t ret, char buf[32]);
};

/*
 * Answers by value, system-wide and cumulative (the guest source only):
 * failed MAP and UNMAP ioctls by errno, hypercalls by result.
 */
enum top_answer_op {
	TOP_ANS_MAP,		/* MAP ioctls that failed: ret is -errno */
	TOP_ANS_UNMAP,		/* UNMAP ioctls that failed */
	TOP_ANS_HC_MAP,		/* MEM_MAP hypercalls: ret is the host's */
	TOP_ANS_HC_UNMAP,	/* MEM_UNMAP hypercalls */
	TOP_NR_ANSWER_OPS,
};

#define TOP_MAX_ANSWERS	64

struct top_answer {
	uint32_t op;		/* enum top_answer_op */
	int64_t ret;
	uint64_t count;
};

/* What a source says of its own in-kernel BPF cost. */
enum top_bpf_stats {
	TOP_BPF_NONE,	/* nothing: the source has no such figure */
	TOP_BPF_ON,	/* run time and runs counted (bpf_stats_enabled=1) */
	TOP_BPF_OFF,	/* the kernel counts nothing: sysctl
			 * kernel.bpf_stats_enabled=0 */
};

/* One row of a sample. */
struct top_sample_row {
	uint32_t id;				/* pid */
	char name[TOP_NAME_LEN];		/* comm, NUL-terminated */
	uint64_t cnt[TOP_NR_CNTS];		/* cumulative */
	int64_t live;				/* live mappings now */
	uint64_t leaked;			/* pages leaked (still pinned) */
	uint64_t oldest_ns;	/* CLOCK_MONOTONIC time its oldest live
				 * mapping was made; 0: none */
	bool oldest_partial;	/* some live mappings predate the source:
				 * the oldest is at least that old */
	uint64_t hist[TOP_MAX_OPS][TOP_SLOTS];	/* cumulative */
	uint64_t hist_sum_ns[TOP_MAX_OPS];	/* of what hist holds */
	struct top_results results[TOP_MAX_OPS];	/* if desc->result_name */
};

/*
 * --stacks: the pages of one process's mappings made from one user stack
 * (the source's stack id), with the stack symbolized: its frames,
 * innermost first, joined by " <- " ("ioctl <- leak_inner <- main"), a
 * frame being its function's name, else "module+0xoffset". Stacks of
 * equal frames are one call site (two processes running the same code).
 */
#define TOP_SITE_LEN	256
#define TOP_SITE_SEP	" <- "

struct top_stack_count {
	uint32_t pid;
	int32_t stack;		/* < 0: no stack (not taken, or made before) */
	uint64_t live;		/* live mappings (a page each) */
	uint64_t leaked;	/* leaked pages */
	const char *frames;	/* NULL: no stack; owned by the source */
};

/* A call site of a frame: the pages its stacks hold. */
struct top_site {
	char frames[TOP_SITE_LEN];	/* "(no stack)" for the stackless */
	uint64_t live;
	uint64_t leaked;
	uint32_t procs;		/* distinct processes */
};

/* A sample: what a source saw at one moment. */
struct top_sample {
	uint64_t ts_ns;			/* CLOCK_MONOTONIC */
	struct top_sample_row *rows;
	size_t n, cap;
	uint64_t cnt[TOP_NR_CNTS];	/* system-wide, cumulative */
	int64_t live;			/* system-wide gauges */
	uint64_t pinned;
	uint64_t leaked;
	uint64_t drops;			/* updates the source lost, cumulative */
	uint64_t calls[TOP_MAX_OPS];	/* calls of each op, cumulative, all
					 * of them (histograms may hold a
					 * sample) */
	struct top_answer answers[TOP_MAX_ANSWERS];
	size_t nr_answers;
	/* lifetimes of the mappings made and gone while traced, cumulative:
	 * slot i holds [2^i, 2^(i+1)) us (slot 0 [0, 1]), the last slot
	 * everything longer; only if have_lifetime (the guest source) */
	uint64_t lifetime[TOP_SLOTS];
	uint64_t lifetime_sum_us;
	bool have_lifetime;
	enum top_bpf_stats bpf_stats;	/* the source's own BPF cost: */
	uint64_t bpf_run_ns;		/* run_time_ns of its programs, */
	uint64_t bpf_runs;		/* and run_cnt, cumulative */
	/* --stacks (have_stacks): pages per process and stack, now */
	bool have_stacks;
	struct top_stack_count *stacks;
	size_t nr_stacks, stacks_cap;
	uint64_t stack_failed;	/* MAPs whose stack was not taken, cumulative */
	uint64_t stack_full;	/* leaked pages not counted by stack */
	uint64_t stack_nomaps;	/* processes whose maps could not be read */
};

/**
 * top_sample_stack_add() - a slot for @pid's stack @stack in @s, zeroed
 * on first use (the same slot for the same pair). NULL: no memory.
 */
struct top_stack_count *top_sample_stack_add(struct top_sample *s,
					      uint32_t pid, int32_t stack);

/**
 * top_sample_row_add() - append a zeroed row with @id to @s
 *
 * Return: the row, or NULL (-ENOMEM).
 */
struct top_sample_row *top_sample_row_add(struct top_sample *s, uint32_t id);

/** top_sample_reset() - drop the rows and zero the totals, keep the memory */
void top_sample_reset(struct top_sample *s);

/** top_sample_free() - release the rows; @s is empty afterwards */
void top_sample_free(struct top_sample *s);

/* Latency of one operation over an interval. */
struct top_lat {
	uint64_t calls;		/* calls made (system-wide only; 0 in rows) */
	uint64_t timed;		/* calls in the histogram */
	uint64_t p50_ns;	/* kvmmem_log2_percentile(); 0 if none timed */
	uint64_t p99_ns;
};

/* A row of a frame. */
struct top_row {
	uint32_t id;
	char name[TOP_NAME_LEN];
	uint64_t cnt[TOP_NR_CNTS];	/* cumulative */
	double rate[TOP_NR_CNTS];	/* per second, over the interval */
	int64_t live;
	uint64_t pinned;		/* live + leaked */
	uint64_t leaked;
	uint64_t age_ns;		/* of its oldest live mapping; 0: none */
	bool age_partial;		/* age is a lower bound */
	struct top_lat lat;		/* the desc's row_ops together */
	uint64_t hist[TOP_MAX_OPS][TOP_SLOTS];	/* over the interval */
	struct top_results results[TOP_MAX_OPS];	/* cumulative */
};

/* Two samples made into what the outputs show. */
struct top_frame {
	uint64_t ts_ns;			/* the later sample's time */
	uint64_t real_ns;		/* CLOCK_REALTIME then; 0: not known */
	uint64_t interval_ns;
	uint64_t cnt[TOP_NR_CNTS];	/* system-wide, cumulative */
	double rate[TOP_NR_CNTS];
	int64_t live;
	uint64_t pinned;
	uint64_t leaked;
	uint64_t drops;
	struct top_lat lat[TOP_MAX_OPS];	/* system-wide, per op */
	uint64_t hist[TOP_MAX_OPS][TOP_SLOTS];	/* system-wide, interval */
	uint64_t hist_sum_ns[TOP_MAX_OPS];	/* of hist's calls, interval */
	struct top_answer answers[TOP_MAX_ANSWERS];	/* the later sample's */
	size_t nr_answers;
	uint64_t lifetime[TOP_SLOTS];	/* the later sample's (cumulative) */
	uint64_t lifetime_sum_us;
	bool have_lifetime;
	/* the source's own BPF cost: the later sample's, and over the
	 * interval per second and per program run (0 runs: 0) */
	enum top_bpf_stats bpf_stats;
	uint64_t bpf_run_ns;
	uint64_t bpf_runs;
	double bpf_ns_per_s;
	double bpf_ns_per_run;
	struct top_row *rows;
	size_t n;
	/* --stacks (have_stacks): the later sample's, by call site */
	bool have_stacks;
	struct top_site *sites;	/* top_sites_build()'s order */
	size_t nr_sites;
	uint64_t stack_failed, stack_full, stack_nomaps;
};

/**
 * top_rate() - events per second between two cumulative counts
 * @prev: the earlier count
 * @cur:  the later one; below @prev (a counter that restarted) counts
 *        from 0
 * @interval_ns: time between them; 0 gives a rate of 0
 */
double top_rate(uint64_t prev, uint64_t cur, uint64_t interval_ns);

/**
 * top_frame_build() - rates and percentiles between two samples
 * @d:    the source's description (which ops make a row's latency)
 * @prev: the earlier sample; NULL: rates from 0 over @cur's ts_ns - @t0
 * @cur:  the later one
 * @t0:   with @prev NULL, when counting started (CLOCK_MONOTONIC)
 * @f:    receives the frame (free with top_frame_free()); one row per
 *        row of @cur, in @cur's order
 *
 * A row's interval values are its counters and histograms minus those of
 * the row with the same id in @prev (all of them if there is none). The
 * system-wide latency is the sum of the rows' interval histograms, so it
 * survives rows that the source dropped; the system-wide rates and call
 * counts come from the samples' own totals.
 *
 * Return: 0 or -ENOMEM.
 */
int top_frame_build(const struct top_desc *d, const struct top_sample *prev,
		    const struct top_sample *cur, uint64_t t0,
		    struct top_frame *f);

/**
 * top_sites_build() - stacks' pages grouped by call site
 * @c:     pages per process and stack
 * @n:     their number
 * @sites: receives the sites (free() them), most pages (live + leaked)
 *         first, then most leaked, then by frames; those with neither
 *         are left out. Stacks without frames are one "(no stack)" site.
 * @nr:    receives their number
 *
 * Return: 0 or -ENOMEM.
 */
int top_sites_build(const struct top_stack_count *c, size_t n,
		    struct top_site **sites, size_t *nr);

/* The sites view's column titles, and a site's line under them. */
void top_fmt_site_colhdr(char *buf, size_t len);
void top_fmt_site(const struct top_site *s, char *buf, size_t len);

/**
 * top_fmt_sites_info() - the line above the sites view: what --stacks
 * lost, or, without --stacks, that stacks are off and how to turn them
 * on (so that the view is never blank)
 */
void top_fmt_sites_info(const struct top_frame *f, char *buf, size_t len);

/** top_frame_free() - release the rows; @f is empty afterwards */
void top_frame_free(struct top_frame *f);

/* Columns of the row table, in display order. */
enum top_col {
	TOP_COL_ID,
	TOP_COL_NAME,
	TOP_COL_LIVE,
	TOP_COL_PINNED,
	TOP_COL_MAP_S,
	TOP_COL_UNMAP_S,	/* UNMAPs + teardowns per second */
	TOP_COL_ERR_S,
	TOP_COL_P50,
	TOP_COL_P99,
	TOP_COL_AGE,		/* of the oldest live mapping */
	TOP_NR_COLS,
};

/**
 * top_col_parse() - a column from its name, as --sort takes it
 * @name: "pid" (or the desc's id_key), "comm" (name_key), "live",
 *        "pinned", "map", "unmap", "errors", "p50", "p99", "age"
 *
 * Return: the column, or -EINVAL.
 */
int top_col_parse(const struct top_desc *d, const char *name);

/** top_col_key() - the name top_col_parse() takes for @col */
const char *top_col_key(const struct top_desc *d, enum top_col col);

/**
 * top_sort() - sort rows by a column
 * @rows: the rows
 * @n:    how many
 * @col:  the column
 * @reverse: false: the natural order of the column (id and name
 *        ascending, every number descending: biggest first); true: the
 *        opposite
 *
 * Ties are broken by id, ascending, so the order is stable.
 */
void top_sort(struct top_row *rows, size_t n, enum top_col col, bool reverse);

/**
 * top_filter() - keep only the rows whose id is @id (0: keep all)
 *
 * Return: the number of rows kept, moved to the front of @rows.
 */
size_t top_filter(struct top_row *rows, size_t n, uint32_t id);

/**
 * top_fmt_header() - the lines above the table, one at a time
 * @d:     the source's description
 * @f:     the frame
 * @line:  which line, from 0
 * @clock: wall-clock time of the frame as text ("12:34:56"), or NULL
 * @extra: appended to line 0 (attach mode, filter, a notice), or NULL
 * @buf:   receives the line, NUL-terminated, truncated to @len - 1
 * @len:   size of @buf
 *
 * Line 0: title, clock, interval, @extra. Line 1: live, pinned and
 * leaked mappings, drops, and the source's own in-kernel BPF cost over
 * the interval ("bpf: 12.3 us/s, 410 ns/run", or that the kernel's
 * BPF statistics are off). Line 2: map/s, unmap/s, errors/s and the
 * cumulative counts. Line 3: p50/p99 of every op over the interval
 * ("-" for an op without a call).
 *
 * Return: true if @line exists (and @buf was filled), false past the last.
 */
bool top_fmt_header(const struct top_desc *d, const struct top_frame *f,
		    unsigned int line, const char *clock, const char *extra,
		    char *buf, size_t len);

/**
 * top_fmt_colhdr() - the table's column titles
 * @sort: the sort column: its title is marked with '*' (NULL: none)
 */
void top_fmt_colhdr(const struct top_desc *d, const enum top_col *sort,
		    char *buf, size_t len);

/**
 * top_fmt_row() - one row of the table, aligned under top_fmt_colhdr()
 *
 * Rates with one decimal; latencies and ages as kvmmem_fmt_ns() ("-"
 * without a call or a live mapping; an age that is a lower bound ends
 * in '+').
 */
void top_fmt_row(const struct top_row *r, char *buf, size_t len);

/**
 * top_results_set() - a row's answers to one op, from all of them
 * @res:  receives the TOP_MAX_RESULTS most frequent answers (ties: the
 *        lower value first), the rest of the calls in res->other
 * @all:  every answer with its count, in any order; counts of 0 ignored
 * @n:    how many
 */
void top_results_set(struct top_results *res, const struct top_result *all,
		     size_t n);

/* top_fmt_results_colhdr() - the titles above top_fmt_results() lines */
void top_fmt_results_colhdr(const struct top_desc *d, char *buf, size_t len);

/**
 * top_fmt_results() - a row's answers since the start, as text
 *
 * "ID NAME OP: NAME COUNT, NAME COUNT  OP: ...", the ID and NAME aligned
 * as in top_fmt_row(); an op without a call is left out.
 *
 * Return: false (and an empty @buf) if the source has no answers by
 * value (desc->result_name NULL).
 */
bool top_fmt_results(const struct top_desc *d, const struct top_row *r,
		     char *buf, size_t len);

/**
 * top_print_text() - a whole frame as text, like one frame of top -b
 * @out:   where to print
 * @rows:  the rows to print (e.g. the frame's, sorted and filtered)
 * @n:     how many
 *
 * The header lines, a blank line, the column titles, the rows, a blank
 * line; for a source with answers by value, then "ANSWERS" and a
 * top_fmt_results() line per row, and a blank line; with --stacks (the
 * frame's have_stacks), then the sites view's lines (top_fmt_sites_info(),
 * the titles, a line per site) and a blank line.
 *
 * Return: 0 or -EIO.
 */
int top_print_text(FILE *out, const struct top_desc *d,
		   const struct top_frame *f, const struct top_row *rows,
		   size_t n, const enum top_col *sort, const char *clock,
		   const char *extra);

/**
 * top_print_json() - a frame as one JSON object on one line
 * @seq:   frame number, from 1
 * @attach: "tp_btf", "raw_tp" ...: printed as "attach"
 *
 * {"seq", "ts_ns", ["real_ns", "time": ISO 8601 UTC, when the frame has
 * a real_ns,] "interval_s", "attach", "totals": {live, pinned,
 * leaked, maps, unmaps, teardowns, errors, drops, map_s, unmap_s,
 * errors_s}, "latency": {OP: {calls, timed, p50_ns, p99_ns}}, ROWS:
 * [{ID, NAME, live, pinned, leaked, maps, unmaps, teardowns, errors,
 * map_s, unmap_s, errors_s, timed, p50_ns, p99_ns, oldest_age_ns,
 * oldest_partial[, results: {OP: {ANSWER: count, ..., [other: count]}}]}]
 * [, "stacks": {failed, table_full, no_maps}, "sites": [{live, leaked,
 * processes, site, frames: [FRAME, ...]}]]} where stacks and sites are
 * there only with --stacks (the frame's have_stacks), and OP, ROWS, ID and NAME are the desc's names, ANSWER the desc's
 * result_name() and results only for a source that has one; unmap_s counts
 * UNMAPs and teardowns, as the text does.
 *
 * Return: 0 or -EIO.
 */
int top_print_json(FILE *out, const struct top_desc *d,
		   const struct top_frame *f, const struct top_row *rows,
		   size_t n, unsigned int seq, const char *attach);

/**
 * top_print_csv() - a frame as CSV lines, one per row (kvm_stat -l -c style)
 * @seq:    frame number, from 1: frame 1 prints the header line first
 *
 * Columns: time (ISO 8601 UTC, from the frame's real_ns; empty if not
 * known), seq, ID, NAME (the desc's names), live, pinned, leaked, maps,
 * unmaps, teardowns, errors, map_s, unmap_s, errors_s, timed, p50_ns,
 * p99_ns, oldest_age_ns. NAME is quoted when it holds a comma, a quote
 * or a blank (RFC 4180). A frame without rows prints nothing but the
 * header.
 *
 * Return: 0 or -EIO.
 */
int top_print_csv(FILE *out, const struct top_desc *d,
		  const struct top_frame *f, const struct top_row *rows,
		  size_t n, unsigned int seq);

/* ------------------------------------------------------------ host */

struct kvmmem_trace_analysis;
struct kt_event;

/*
 * The host's rows (kvmmem-top --host): one per VM, from the events of a
 * host session (kvmmem_host.bpf.c) fed through the trace analysis, so
 * that VMs, vCPUs, answers and local GPAs mean exactly what they mean
 * in kvmmem-trace's report. Ops: 0 MEM_MAP, 1 MEM_UNMAP (host latency,
 * VM exit to VM entry). A row's MAPS and UNMAPS count the hypercalls,
 * whatever the answer; ERRORS those answered with an error; LIVE the
 * local GPAs the host backs with a remote page; LEAKED what a VM that
 * exited left mapped.
 */
struct top_host_hist {
	uint64_t slots[2][TOP_SLOTS];
	uint64_t sum_ns[2];
};

struct top_host {
	struct kvmmem_trace_analysis *a;
	struct top_host_hist *hist;	/* per VM, in a->vms order */
	size_t cap;
};

/* Its description: rows "vms", keyed "pid" and "vm". */
extern const struct top_desc top_host_desc;

/** top_host_init() - an empty host model; 0 or -ENOMEM */
int top_host_init(struct top_host *h);

/**
 * top_host_add() - account one event of a host session (other kinds too:
 * they go to the analysis); 0 or -ENOMEM
 */
int top_host_add(struct top_host *h, const struct kt_event *e);

/**
 * top_host_name() - name VM @pid (from its VMM's command line); a VM
 * not seen yet is ignored
 */
void top_host_name(struct top_host *h, uint32_t pid, const char *name);

/**
 * top_host_sample() - the host model as a sample at @ts_ns
 * @drops: events the session lost so far
 *
 * Return: 0 or -ENOMEM.
 */
int top_host_sample(const struct top_host *h, uint64_t ts_ns, uint64_t drops,
		    struct top_sample *s);

/** top_host_free() - release everything */
void top_host_free(struct top_host *h);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TOP_H_LIB */
