// SPDX-License-Identifier: GPL-2.0
/*
 * top.c - kvmmem-top's model: frames from samples, sorting, and the
 * text and JSON outputs (see top.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/hist.h"
#include "common/json.h"
#include "common/timefmt.h"
#include "top.h"

_Static_assert(TOP_SLOTS <= KVMMEM_LOG2_SLOTS, "slots fit a log2 histogram");

struct top_sample_row *top_sample_row_add(struct top_sample *s, uint32_t id)
{
	struct top_sample_row *r;

	if (kvmmem_grow(&s->rows, &s->cap, s->n + 1, sizeof(*r)))
		return NULL;
	r = &s->rows[s->n++];
	memset(r, 0, sizeof(*r));
	r->id = id;
	return r;
}

void top_sample_reset(struct top_sample *s)
{
	struct top_stack_count *stacks = s->stacks;
	struct top_sample_row *rows = s->rows;
	size_t cap = s->cap, stacks_cap = s->stacks_cap;

	memset(s, 0, sizeof(*s));
	s->rows = rows;
	s->cap = cap;
	s->stacks = stacks;
	s->stacks_cap = stacks_cap;
}

void top_sample_free(struct top_sample *s)
{
	free(s->rows);
	free(s->stacks);
	memset(s, 0, sizeof(*s));
}

struct top_stack_count *top_sample_stack_add(struct top_sample *s,
					      uint32_t pid, int32_t stack)
{
	struct top_stack_count *c;
	size_t i;

	for (i = 0; i < s->nr_stacks; i++)
		if (s->stacks[i].pid == pid && s->stacks[i].stack == stack)
			return &s->stacks[i];
	if (kvmmem_grow(&s->stacks, &s->stacks_cap, s->nr_stacks + 1,
			sizeof(*c)))
		return NULL;
	c = &s->stacks[s->nr_stacks++];
	*c = (struct top_stack_count){ .pid = pid, .stack = stack };
	return c;
}

static int cmp_site(const void *pa, const void *pb)
{
	const struct top_site *a = pa, *b = pb;
	uint64_t ta = a->live + a->leaked, tb = b->live + b->leaked;

	if (ta != tb)
		return ta > tb ? -1 : 1;
	if (a->leaked != b->leaked)
		return a->leaked > b->leaked ? -1 : 1;
	return strcmp(a->frames, b->frames);
}

int top_sites_build(const struct top_stack_count *c, size_t n,
		    struct top_site **sites, size_t *nr)
{
	struct top_site *s = NULL;
	size_t i, j, k, m = 0;
	const char *frames;
	bool seen;

	*sites = NULL;
	*nr = 0;
	if (n) {
		s = calloc(n, sizeof(*s));
		if (!s)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (!c[i].live && !c[i].leaked)
			continue;
		frames = c[i].frames && c[i].frames[0] ? c[i].frames :
			 "(no stack)";
		for (j = 0; j < m; j++)
			if (!strncmp(s[j].frames, frames, TOP_SITE_LEN - 1))
				break;
		if (j == m)
			snprintf(s[m++].frames, TOP_SITE_LEN, "%s", frames);
		s[j].live += c[i].live;
		s[j].leaked += c[i].leaked;
		/* a process counts once per site */
		seen = false;
		for (k = 0; k < i && !seen; k++) {
			const char *fk = c[k].frames && c[k].frames[0] ?
					 c[k].frames : "(no stack)";

			seen = c[k].pid == c[i].pid &&
			       (c[k].live || c[k].leaked) &&
			       !strncmp(fk, s[j].frames, TOP_SITE_LEN - 1);
		}
		if (!seen)
			s[j].procs++;
	}
	if (m)
		qsort(s, m, sizeof(*s), cmp_site);
	if (!m) {
		free(s);
		s = NULL;
	}
	*sites = s;
	*nr = m;
	return 0;
}

void top_fmt_site_colhdr(char *buf, size_t len)
{
	snprintf(buf, len, "%7s %7s %5s  %s", "LIVE", "LEAKED", "PROCS",
		 "CALL SITE (MAP's user stack, innermost first)");
}

void top_fmt_site(const struct top_site *s, char *buf, size_t len)
{
	snprintf(buf, len, "%7" PRIu64 " %7" PRIu64 " %5" PRIu32 "  %s",
		 s->live, s->leaked, s->procs, s->frames);
}

void top_fmt_sites_info(const struct top_frame *f, char *buf, size_t len)
{
	if (!f->have_stacks) {
		snprintf(buf, len, "Call sites: stacks are off (run kvmmem-top "
			 "with --stacks)");
		return;
	}
	snprintf(buf, len, "Call sites holding the most live and leaked pages: "
		 "%zu   lost: %" PRIu64 " stacks not taken, %" PRIu64
		 " leaks not counted by site, %" PRIu64 " processes' maps "
		 "unread", f->nr_sites, f->stack_failed, f->stack_full,
		 f->stack_nomaps);
}

double top_rate(uint64_t prev, uint64_t cur, uint64_t interval_ns)
{
	uint64_t d = cur >= prev ? cur - prev : cur;

	if (!interval_ns)
		return 0;
	return (double)d * 1e9 / (double)interval_ns;
}

static uint64_t delta(uint64_t prev, uint64_t cur)
{
	return cur >= prev ? cur - prev : cur;
}

static void lat_of(struct top_lat *l, const uint64_t *slots)
{
	unsigned int i;

	l->timed = 0;
	for (i = 0; i < TOP_SLOTS; i++)
		l->timed += slots[i];
	l->p50_ns = kvmmem_log2_percentile(slots, TOP_SLOTS, 50);
	l->p99_ns = kvmmem_log2_percentile(slots, TOP_SLOTS, 99);
}

static int cmp_row_id(const void *a, const void *b)
{
	uint32_t x = ((const struct top_sample_row *)a)->id;
	uint32_t y = ((const struct top_sample_row *)b)->id;

	return x < y ? -1 : x > y;
}

int top_frame_build(const struct top_desc *d, const struct top_sample *prev,
		    const struct top_sample *cur, uint64_t t0,
		    struct top_frame *f)
{
	struct top_sample_row *sorted = NULL;
	unsigned int op, i, k;
	size_t j;

	memset(f, 0, sizeof(*f));
	f->ts_ns = cur->ts_ns;
	f->interval_ns = delta(prev ? prev->ts_ns : t0, cur->ts_ns);
	if (cur->n) {
		f->rows = calloc(cur->n, sizeof(*f->rows));
		if (!f->rows)
			return -ENOMEM;
	}
	if (prev && prev->n) {
		sorted = malloc(prev->n * sizeof(*sorted));
		if (!sorted) {
			free(f->rows);
			f->rows = NULL;
			return -ENOMEM;
		}
		memcpy(sorted, prev->rows, prev->n * sizeof(*sorted));
		qsort(sorted, prev->n, sizeof(*sorted), cmp_row_id);
	}

	for (k = 0; k < TOP_NR_CNTS; k++) {
		f->cnt[k] = cur->cnt[k];
		f->rate[k] = top_rate(prev ? prev->cnt[k] : 0, cur->cnt[k],
				      f->interval_ns);
	}
	f->live = cur->live;
	f->pinned = cur->pinned;
	f->leaked = cur->leaked;
	f->drops = cur->drops;
	memcpy(f->lifetime, cur->lifetime, sizeof(f->lifetime));
	f->lifetime_sum_us = cur->lifetime_sum_us;
	f->have_lifetime = cur->have_lifetime;
	f->bpf_stats = cur->bpf_stats;
	f->bpf_run_ns = cur->bpf_run_ns;
	f->bpf_runs = cur->bpf_runs;
	if (cur->bpf_stats == TOP_BPF_ON) {
		uint64_t ns = delta(prev ? prev->bpf_run_ns : 0, cur->bpf_run_ns);
		uint64_t runs = delta(prev ? prev->bpf_runs : 0, cur->bpf_runs);

		f->bpf_ns_per_s = top_rate(0, ns, f->interval_ns);
		f->bpf_ns_per_run = runs ? (double)ns / (double)runs : 0;
	}
	memcpy(f->answers, cur->answers, sizeof(f->answers));
	f->nr_answers = cur->nr_answers;
	f->have_stacks = cur->have_stacks;
	f->stack_failed = cur->stack_failed;
	f->stack_full = cur->stack_full;
	f->stack_nomaps = cur->stack_nomaps;
	if (cur->have_stacks &&
	    top_sites_build(cur->stacks, cur->nr_stacks, &f->sites,
			    &f->nr_sites)) {
		free(f->rows);
		f->rows = NULL;
		free(sorted);
		return -ENOMEM;
	}

	for (j = 0; j < cur->n; j++) {
		const struct top_sample_row *c = &cur->rows[j], *p = NULL;
		struct top_row *r = &f->rows[f->n++];
		uint64_t lat[TOP_SLOTS] = { 0 };

		if (sorted)
			p = bsearch(c, sorted, prev->n, sizeof(*sorted),
				    cmp_row_id);
		r->id = c->id;
		memcpy(r->name, c->name, sizeof(r->name));
		r->name[TOP_NAME_LEN - 1] = '\0';
		for (k = 0; k < TOP_NR_CNTS; k++) {
			r->cnt[k] = c->cnt[k];
			r->rate[k] = top_rate(p ? p->cnt[k] : 0, c->cnt[k],
					      f->interval_ns);
		}
		r->live = c->live;
		r->leaked = c->leaked;
		r->pinned = (uint64_t)(c->live > 0 ? c->live : 0) + c->leaked;
		if (c->oldest_ns && c->oldest_ns <= cur->ts_ns)
			r->age_ns = cur->ts_ns - c->oldest_ns;
		r->age_partial = c->oldest_partial;
		for (op = 0; op < d->nr_ops && op < TOP_MAX_OPS; op++) {
			for (i = 0; i < TOP_SLOTS; i++) {
				uint64_t v = delta(p ? p->hist[op][i] : 0,
						   c->hist[op][i]);

				r->hist[op][i] = v;
				f->hist[op][i] += v;
				if (d->row_ops & (1U << op))
					lat[i] += v;
			}
			f->hist_sum_ns[op] += delta(p ? p->hist_sum_ns[op] : 0,
						    c->hist_sum_ns[op]);
		}
		lat_of(&r->lat, lat);
		memcpy(r->results, c->results, sizeof(r->results));
	}
	for (op = 0; op < d->nr_ops && op < TOP_MAX_OPS; op++) {
		lat_of(&f->lat[op], f->hist[op]);
		f->lat[op].calls = delta(prev ? prev->calls[op] : 0,
					 cur->calls[op]);
	}
	free(sorted);
	return 0;
}

void top_frame_free(struct top_frame *f)
{
	free(f->rows);
	free(f->sites);
	memset(f, 0, sizeof(*f));
}

/* ------------------------------------------------------------- columns */

static const struct {
	const char *key;	/* NULL: the desc's */
	const char *title;	/* NULL: the desc's */
	int width;		/* negative: left-aligned */
} cols[TOP_NR_COLS] = {
	[TOP_COL_ID]		= { NULL, NULL, 7 },
	[TOP_COL_NAME]		= { NULL, NULL, -16 },
	[TOP_COL_LIVE]		= { "live", "LIVE", 7 },
	[TOP_COL_PINNED]	= { "pinned", "PINNED", 7 },
	[TOP_COL_MAP_S]		= { "map", "MAP/s", 9 },
	[TOP_COL_UNMAP_S]	= { "unmap", "UNMAP/s", 9 },
	[TOP_COL_ERR_S]		= { "errors", "ERR/s", 8 },
	[TOP_COL_P50]		= { "p50", "P50", 8 },
	[TOP_COL_P99]		= { "p99", "P99", 8 },
	[TOP_COL_AGE]		= { "age", "OLDEST", 8 },
};

const char *top_col_key(const struct top_desc *d, enum top_col col)
{
	if (col == TOP_COL_ID)
		return d->id_key;
	if (col == TOP_COL_NAME)
		return d->name_key;
	return col < TOP_NR_COLS ? cols[col].key : NULL;
}

int top_col_parse(const struct top_desc *d, const char *name)
{
	int c;

	for (c = 0; c < TOP_NR_COLS; c++)
		if (!strcmp(name, top_col_key(d, (enum top_col)c)))
			return c;
	/* the name column by any of its names, whatever the rows are */
	if (!strcmp(name, "name") || !strcmp(name, "comm") || !strcmp(name, "vm"))
		return TOP_COL_NAME;
	return -EINVAL;
}

static double unmap_rate(const struct top_row *r)
{
	return r->rate[TOP_UNMAPS] + r->rate[TOP_TEARDOWNS];
}

/* Compare on @col, biggest number first, names and ids ascending. */
static int cmp_col(const struct top_row *a, const struct top_row *b,
		   enum top_col col)
{
	double x = 0, y = 0;

	switch (col) {
	case TOP_COL_ID:
		return 0;	/* the tie-break does it */
	case TOP_COL_NAME:
		return strncmp(a->name, b->name, TOP_NAME_LEN);
	case TOP_COL_LIVE:
		x = (double)a->live; y = (double)b->live;
		break;
	case TOP_COL_PINNED:
		x = (double)a->pinned; y = (double)b->pinned;
		break;
	case TOP_COL_MAP_S:
		x = a->rate[TOP_MAPS]; y = b->rate[TOP_MAPS];
		break;
	case TOP_COL_UNMAP_S:
		x = unmap_rate(a); y = unmap_rate(b);
		break;
	case TOP_COL_ERR_S:
		x = a->rate[TOP_ERRORS]; y = b->rate[TOP_ERRORS];
		break;
	case TOP_COL_P50:
		x = (double)a->lat.p50_ns; y = (double)b->lat.p50_ns;
		break;
	case TOP_COL_P99:
		x = (double)a->lat.p99_ns; y = (double)b->lat.p99_ns;
		break;
	case TOP_COL_AGE:
		x = (double)a->age_ns; y = (double)b->age_ns;
		break;
	default:
		return 0;
	}
	return x > y ? -1 : x < y;
}

static enum top_col sort_col;
static bool sort_reverse;

static int cmp_rows(const void *pa, const void *pb)
{
	const struct top_row *a = pa, *b = pb;
	int c = cmp_col(a, b, sort_col);

	if (!c)
		c = a->id < b->id ? -1 : a->id > b->id;
	return sort_reverse ? -c : c;
}

void top_sort(struct top_row *rows, size_t n, enum top_col col, bool reverse)
{
	sort_col = col;
	sort_reverse = reverse;
	if (n > 1)
		qsort(rows, n, sizeof(*rows), cmp_rows);
}

size_t top_filter(struct top_row *rows, size_t n, uint32_t id)
{
	size_t i, kept = 0;

	if (!id)
		return n;
	for (i = 0; i < n; i++)
		if (rows[i].id == id)
			rows[kept++] = rows[i];
	return kept;
}

/* -------------------------------------------------------------- text */

/* kvmmem_fmt_ns(), or "-" for 0 (no call). */
static const char *fmt_lat(char buf[32], uint64_t ns, bool have)
{
	if (!have)
		return strcpy(buf, "-");
	return kvmmem_fmt_ns(buf, ns);
}

/* Append to buf (size len, used *pos) without overflowing it. */
static void __attribute__((format(printf, 4, 5)))
add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos = *pos + (size_t)n < len ? *pos + (size_t)n : len - 1;
}

bool top_fmt_header(const struct top_desc *d, const struct top_frame *f,
		    unsigned int line, const char *clock, const char *extra,
		    char *buf, size_t len)
{
	char a[32], b[32];
	size_t pos = 0;
	unsigned int op;

	if (!len)
		return false;
	buf[0] = '\0';
	switch (line) {
	case 0:
		add(buf, len, &pos, "%s", d->title);
		if (clock)
			add(buf, len, &pos, " - %s", clock);
		add(buf, len, &pos, "  interval %.2fs",
		    (double)f->interval_ns / 1e9);
		if (extra && *extra)
			add(buf, len, &pos, "  %s", extra);
		return true;
	case 1:
		add(buf, len, &pos, "Mappings: %" PRId64 " live, %" PRIu64
		    " pinned, %" PRIu64 " leaked   drops: %" PRIu64, f->live,
		    f->pinned, f->leaked, f->drops);
		if (f->bpf_stats == TOP_BPF_ON)
			add(buf, len, &pos, "   bpf: %.1f us/s, %.0f ns/run",
			    f->bpf_ns_per_s / 1e3, f->bpf_ns_per_run);
		else if (f->bpf_stats == TOP_BPF_OFF)
			add(buf, len, &pos, "   bpf: cost not counted "
			    "(kernel.bpf_stats_enabled=0)");
		return true;
	case 2:
		add(buf, len, &pos, "Ops/s: %.1f map, %.1f unmap, %.1f errors"
		    "   total: %" PRIu64 " maps, %" PRIu64 " unmaps, %" PRIu64
		    " teardowns, %" PRIu64 " errors",
		    f->rate[TOP_MAPS], f->rate[TOP_UNMAPS] + f->rate[TOP_TEARDOWNS],
		    f->rate[TOP_ERRORS], f->cnt[TOP_MAPS], f->cnt[TOP_UNMAPS],
		    f->cnt[TOP_TEARDOWNS], f->cnt[TOP_ERRORS]);
		return true;
	case 3:
		add(buf, len, &pos, "Latency p50/p99:");
		for (op = 0; op < d->nr_ops && op < TOP_MAX_OPS; op++)
			add(buf, len, &pos, " %s %s/%s", d->op_names[op],
			    fmt_lat(a, f->lat[op].p50_ns, f->lat[op].timed),
			    fmt_lat(b, f->lat[op].p99_ns, f->lat[op].timed));
		return true;
	default:
		return false;
	}
}

void top_fmt_colhdr(const struct top_desc *d, const enum top_col *sort,
		    char *buf, size_t len)
{
	size_t pos = 0;
	int c;

	if (!len)
		return;
	buf[0] = '\0';
	for (c = 0; c < TOP_NR_COLS; c++) {
		const char *t = c == TOP_COL_ID ? d->id_col :
				c == TOP_COL_NAME ? d->name_col : cols[c].title;
		char title[32];

		snprintf(title, sizeof(title), "%s%s", t,
			 sort && (int)*sort == c ? "*" : "");
		add(buf, len, &pos, "%s%*s", c ? " " : "", cols[c].width, title);
	}
}

void top_fmt_row(const struct top_row *r, char *buf, size_t len)
{
	char p50[32], p99[32], age[32];
	size_t pos = 0;

	if (!len)
		return;
	buf[0] = '\0';
	fmt_lat(p50, r->lat.p50_ns, r->lat.timed);
	fmt_lat(p99, r->lat.p99_ns, r->lat.timed);
	fmt_lat(age, r->age_ns, r->age_ns || r->live > 0);
	if (r->age_partial && (r->age_ns || r->live > 0))
		strcat(age, "+");
	add(buf, len, &pos, "%*" PRIu32 " %*.*s %*" PRId64 " %*" PRIu64
	    " %*.1f %*.1f %*.1f %*s %*s %*s",
	    cols[TOP_COL_ID].width, r->id,
	    cols[TOP_COL_NAME].width, TOP_NAME_LEN - 1, r->name,
	    cols[TOP_COL_LIVE].width, r->live,
	    cols[TOP_COL_PINNED].width, r->pinned,
	    cols[TOP_COL_MAP_S].width, r->rate[TOP_MAPS],
	    cols[TOP_COL_UNMAP_S].width, unmap_rate(r),
	    cols[TOP_COL_ERR_S].width, r->rate[TOP_ERRORS],
	    cols[TOP_COL_P50].width, p50,
	    cols[TOP_COL_P99].width, p99,
	    cols[TOP_COL_AGE].width, age);
}

/* More calls first; among equals the lower (more negative) answer. */
static int cmp_result(const void *pa, const void *pb)
{
	const struct top_result *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return (a->ret > b->ret) - (a->ret < b->ret);
}

void top_results_set(struct top_results *res, const struct top_result *all,
		     size_t n)
{
	struct top_result best[TOP_MAX_RESULTS + 1];
	size_t i, k, kept = 0;

	memset(res, 0, sizeof(*res));
	/* insertion into a small sorted array: no allocation */
	for (i = 0; i < n; i++) {
		if (!all[i].count)
			continue;
		k = kept;
		best[k] = all[i];
		while (k > 0 && cmp_result(&best[k], &best[k - 1]) < 0) {
			struct top_result t = best[k - 1];

			best[k - 1] = best[k];
			best[k] = t;
			k--;
		}
		if (kept < TOP_MAX_RESULTS)
			kept++;
		else
			res->other += best[TOP_MAX_RESULTS].count;
	}
	memcpy(res->r, best, kept * sizeof(best[0]));
}

void top_fmt_results_colhdr(const struct top_desc *d, char *buf, size_t len)
{
	size_t pos = 0;

	if (!len)
		return;
	buf[0] = '\0';
	add(buf, len, &pos, "%*s %*s ANSWERS (since start)",
	    cols[TOP_COL_ID].width, d->id_col, cols[TOP_COL_NAME].width,
	    d->name_col);
}

bool top_fmt_results(const struct top_desc *d, const struct top_row *r,
		     char *buf, size_t len)
{
	const char *sep = "";
	unsigned int op, i;
	size_t pos = 0;
	char name[32];

	if (!len)
		return false;
	buf[0] = '\0';
	if (!d->result_name)
		return false;
	add(buf, len, &pos, "%*" PRIu32 " %*.*s ", cols[TOP_COL_ID].width,
	    r->id, cols[TOP_COL_NAME].width, TOP_NAME_LEN - 1, r->name);
	for (op = 0; op < d->nr_ops && op < TOP_MAX_OPS; op++) {
		const struct top_results *res = &r->results[op];

		if (!res->r[0].count && !res->other)
			continue;
		add(buf, len, &pos, "%s%s:", sep, d->op_names[op]);
		for (i = 0; i < TOP_MAX_RESULTS && res->r[i].count; i++)
			add(buf, len, &pos, "%s %s %" PRIu64, i ? "," : "",
			    d->result_name(res->r[i].ret, name), res->r[i].count);
		if (res->other)
			add(buf, len, &pos, "%s other %" PRIu64, i ? "," : "",
			    res->other);
		sep = "  ";
	}
	if (!*sep)
		add(buf, len, &pos, "-");
	return true;
}

int top_print_text(FILE *out, const struct top_desc *d,
		   const struct top_frame *f, const struct top_row *rows,
		   size_t n, const enum top_col *sort, const char *clock,
		   const char *extra)
{
	char line[512];
	unsigned int l;
	size_t i;

	for (l = 0; top_fmt_header(d, f, l, clock, extra, line, sizeof(line)); l++)
		fprintf(out, "%s\n", line);
	fputc('\n', out);
	top_fmt_colhdr(d, sort, line, sizeof(line));
	fprintf(out, "%s\n", line);
	for (i = 0; i < n; i++) {
		top_fmt_row(&rows[i], line, sizeof(line));
		fprintf(out, "%s\n", line);
	}
	fputc('\n', out);
	if (d->result_name && n) {
		top_fmt_results_colhdr(d, line, sizeof(line));
		fprintf(out, "%s\n", line);
		for (i = 0; i < n; i++) {
			top_fmt_results(d, &rows[i], line, sizeof(line));
			fprintf(out, "%s\n", line);
		}
		fputc('\n', out);
	}
	if (f->have_stacks) {
		top_fmt_sites_info(f, line, sizeof(line));
		fprintf(out, "%s\n", line);
		top_fmt_site_colhdr(line, sizeof(line));
		fprintf(out, "%s\n", line);
		for (i = 0; i < f->nr_sites; i++) {
			top_fmt_site(&f->sites[i], line, sizeof(line));
			fprintf(out, "%s\n", line);
		}
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}

/* -------------------------------------------------------------- JSON */

static void json_rates(struct kvmmem_json *j, const uint64_t *cnt,
		       const double *rate)
{
	kvmmem_json_u64(j, "maps", cnt[TOP_MAPS]);
	kvmmem_json_u64(j, "unmaps", cnt[TOP_UNMAPS]);
	kvmmem_json_u64(j, "teardowns", cnt[TOP_TEARDOWNS]);
	kvmmem_json_u64(j, "errors", cnt[TOP_ERRORS]);
	kvmmem_json_double(j, "map_s", 3, rate[TOP_MAPS]);
	kvmmem_json_double(j, "unmap_s", 3, rate[TOP_UNMAPS] + rate[TOP_TEARDOWNS]);
	kvmmem_json_double(j, "errors_s", 3, rate[TOP_ERRORS]);
}

static void json_results(struct kvmmem_json *j, const struct top_desc *d,
			 const struct top_row *r)
{
	unsigned int op, i;
	char name[32];

	kvmmem_json_object(j, "results");
	for (op = 0; op < d->nr_ops && op < TOP_MAX_OPS; op++) {
		const struct top_results *res = &r->results[op];

		kvmmem_json_object(j, d->op_names[op]);
		for (i = 0; i < TOP_MAX_RESULTS && res->r[i].count; i++)
			kvmmem_json_u64(j, d->result_name(res->r[i].ret, name),
					res->r[i].count);
		if (res->other)
			kvmmem_json_u64(j, "other", res->other);
		kvmmem_json_end(j);
	}
	kvmmem_json_end(j);
}

/* --stacks: what was lost, and the sites with their frames. */
static void json_sites(struct kvmmem_json *j, const struct top_frame *f)
{
	const size_t sep = strlen(TOP_SITE_SEP);
	const char *p, *e;
	size_t i;

	kvmmem_json_object(j, "stacks");
	kvmmem_json_u64(j, "failed", f->stack_failed);
	kvmmem_json_u64(j, "table_full", f->stack_full);
	kvmmem_json_u64(j, "no_maps", f->stack_nomaps);
	kvmmem_json_end(j);
	kvmmem_json_array(j, "sites");
	for (i = 0; i < f->nr_sites; i++) {
		const struct top_site *s = &f->sites[i];

		kvmmem_json_object(j, NULL);
		kvmmem_json_u64(j, "live", s->live);
		kvmmem_json_u64(j, "leaked", s->leaked);
		kvmmem_json_u64(j, "processes", s->procs);
		kvmmem_json_string(j, "site", s->frames);
		kvmmem_json_array(j, "frames");
		for (p = s->frames; *p; p = e + sep) {
			e = strstr(p, TOP_SITE_SEP);
			if (!e) {
				kvmmem_json_string(j, NULL, p);
				break;
			}
			kvmmem_json_stringn(j, NULL, p, (size_t)(e - p));
		}
		kvmmem_json_end(j);
		kvmmem_json_end(j);
	}
	kvmmem_json_end(j);
}

int top_print_json(FILE *out, const struct top_desc *d,
		   const struct top_frame *f, const struct top_row *rows,
		   size_t n, unsigned int seq, const char *attach)
{
	struct kvmmem_json j;
	unsigned int op;
	char iso[32];
	size_t i;

	kvmmem_json_init(&j, out);
	kvmmem_json_object(&j, NULL);
	kvmmem_json_u64(&j, "seq", seq);
	kvmmem_json_u64(&j, "ts_ns", f->ts_ns);
	if (f->real_ns) {
		kvmmem_json_u64(&j, "real_ns", f->real_ns);
		kvmmem_json_string(&j, "time", kvmmem_fmt_iso(iso, f->real_ns));
	}
	kvmmem_json_double(&j, "interval_s", 6, (double)f->interval_ns / 1e9);
	kvmmem_json_string(&j, "attach", attach ? attach : "");
	kvmmem_json_object(&j, "totals");
	kvmmem_json_i64(&j, "live", f->live);
	kvmmem_json_u64(&j, "pinned", f->pinned);
	kvmmem_json_u64(&j, "leaked", f->leaked);
	kvmmem_json_u64(&j, "drops", f->drops);
	json_rates(&j, f->cnt, f->rate);
	kvmmem_json_end(&j);
	if (f->bpf_stats != TOP_BPF_NONE) {
		/* the source's own cost; "stats": false, no figures, when off */
		kvmmem_json_object(&j, "bpf");
		kvmmem_json_bool(&j, "stats", f->bpf_stats == TOP_BPF_ON);
		if (f->bpf_stats == TOP_BPF_ON) {
			kvmmem_json_u64(&j, "run_ns", f->bpf_run_ns);
			kvmmem_json_u64(&j, "runs", f->bpf_runs);
			kvmmem_json_double(&j, "ns_per_s", 1, f->bpf_ns_per_s);
			kvmmem_json_double(&j, "ns_per_run", 1, f->bpf_ns_per_run);
		}
		kvmmem_json_end(&j);
	}
	kvmmem_json_object(&j, "latency");
	for (op = 0; op < d->nr_ops && op < TOP_MAX_OPS; op++) {
		kvmmem_json_object(&j, d->op_names[op]);
		kvmmem_json_u64(&j, "calls", f->lat[op].calls);
		kvmmem_json_u64(&j, "timed", f->lat[op].timed);
		kvmmem_json_u64(&j, "p50_ns", f->lat[op].p50_ns);
		kvmmem_json_u64(&j, "p99_ns", f->lat[op].p99_ns);
		kvmmem_json_end(&j);
	}
	kvmmem_json_end(&j);
	kvmmem_json_array(&j, d->rows_key);
	for (i = 0; i < n; i++) {
		const struct top_row *r = &rows[i];

		kvmmem_json_object(&j, NULL);
		kvmmem_json_u64(&j, d->id_key, r->id);
		kvmmem_json_stringn(&j, d->name_key, r->name, TOP_NAME_LEN);
		kvmmem_json_i64(&j, "live", r->live);
		kvmmem_json_u64(&j, "pinned", r->pinned);
		kvmmem_json_u64(&j, "leaked", r->leaked);
		json_rates(&j, r->cnt, r->rate);
		kvmmem_json_u64(&j, "timed", r->lat.timed);
		kvmmem_json_u64(&j, "p50_ns", r->lat.p50_ns);
		kvmmem_json_u64(&j, "p99_ns", r->lat.p99_ns);
		kvmmem_json_u64(&j, "oldest_age_ns", r->age_ns);
		kvmmem_json_bool(&j, "oldest_partial", r->age_partial);
		if (d->result_name)
			json_results(&j, d, r);
		kvmmem_json_end(&j);
	}
	kvmmem_json_end(&j);
	if (f->have_stacks)
		json_sites(&j, f);
	kvmmem_json_end(&j);
	fputc('\n', out);
	fflush(out);
	return ferror(out) ? -EIO : 0;
}

/* -------------------------------------------------------------- CSV */

/* @s as one CSV field: quoted if it must be (RFC 4180). */
static void csv_field(FILE *out, const char *s, size_t len)
{
	size_t i, n = strnlen(s, len);
	bool quote = false;

	for (i = 0; i < n; i++)
		quote |= s[i] == ',' || s[i] == '"' || s[i] == ' ' ||
			 s[i] == '\t' || s[i] == '\r' || s[i] == '\n';
	if (!quote) {
		fprintf(out, "%.*s", (int)n, s);
		return;
	}
	fputc('"', out);
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			fputc('"', out);
		fputc(s[i], out);
	}
	fputc('"', out);
}

int top_print_csv(FILE *out, const struct top_desc *d,
		  const struct top_frame *f, const struct top_row *rows,
		  size_t n, unsigned int seq)
{
	char iso[32];
	size_t i;

	if (seq == 1)
		fprintf(out, "time,seq,%s,%s,live,pinned,leaked,maps,unmaps,"
			"teardowns,errors,map_s,unmap_s,errors_s,timed,p50_ns,"
			"p99_ns,oldest_age_ns\n", d->id_key, d->name_key);
	for (i = 0; i < n; i++) {
		const struct top_row *r = &rows[i];

		fprintf(out, "%s,%u,%" PRIu32 ",",
			f->real_ns ? kvmmem_fmt_iso(iso, f->real_ns) : "", seq,
			r->id);
		csv_field(out, r->name, TOP_NAME_LEN);
		fprintf(out, ",%" PRId64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.3f,%.3f,%.3f,%"
			PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", r->live,
			r->pinned, r->leaked, r->cnt[TOP_MAPS], r->cnt[TOP_UNMAPS],
			r->cnt[TOP_TEARDOWNS], r->cnt[TOP_ERRORS], r->rate[TOP_MAPS],
			r->rate[TOP_UNMAPS] + r->rate[TOP_TEARDOWNS],
			r->rate[TOP_ERRORS], r->lat.timed, r->lat.p50_ns,
			r->lat.p99_ns, r->age_ns);
	}
	fflush(out);
	return ferror(out) ? -EIO : 0;
}
