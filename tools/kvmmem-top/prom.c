// SPDX-License-Identifier: GPL-2.0
/*
 * prom.c - kvmmem-top's model as Prometheus metrics: bounded series with
 * monotonic counters, and their exposition (see prom.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "prom.h"
#include "trace/kinds.h"
#include "util.h"

const char prom_ctype_openmetrics[] =
	"application/openmetrics-text; version=1.0.0; charset=utf-8";
const char prom_ctype_text[] = "text/plain; version=0.0.4; charset=utf-8";

int prom_init(struct prom_state *p, const struct top_desc *d,
	      unsigned int top_n, bool host)
{
	memset(p, 0, sizeof(*p));
	p->d = d;
	p->id_label = host ? "vmm_pid" : "pid";
	p->name_label = host ? "vm" : "comm";
	p->top_n = top_n;
	if (top_n) {
		p->series = calloc(top_n, sizeof(*p->series));
		if (!p->series)
			return -ENOMEM;
	}
	return 0;
}

void prom_free(struct prom_state *p)
{
	free(p->series);
	free(p->seen);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------- series */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool was_seen(const struct prom_state *p, uint32_t id)
{
	return p->seen && bsearch(&id, p->seen, p->nr_seen, sizeof(id), cmp_u32);
}

static const struct top_row *row_of(const struct top_frame *f, uint32_t id)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->rows[i].id == id)
			return &f->rows[i];
	return NULL;
}

/* How a row ranks for a series of its own: bigger is more deserving. */
struct rank {
	double rate;		/* counts per second over the interval */
	uint64_t pinned;
	uint64_t total;		/* counts since the start */
	uint32_t id;		/* lower wins */
};

static struct rank rank_of(const struct top_row *r)
{
	struct rank k = { 0, r->pinned, 0, r->id };
	unsigned int c;

	for (c = 0; c < TOP_NR_CNTS; c++) {
		k.rate += r->rate[c];
		k.total += r->cnt[c];
	}
	return k;
}

/* > 0: @a ranks above @b. */
static int cmp_rank(const struct rank *a, const struct rank *b)
{
	if (a->rate != b->rate)
		return a->rate > b->rate ? 1 : -1;
	if (a->pinned != b->pinned)
		return a->pinned > b->pinned ? 1 : -1;
	if (a->total != b->total)
		return a->total > b->total ? 1 : -1;
	return a->id < b->id ? 1 : a->id > b->id ? -1 : 0;
}

static int cmp_rows_by_rank(const void *pa, const void *pb)
{
	const struct top_row *a = *(const struct top_row *const *)pa;
	const struct top_row *b = *(const struct top_row *const *)pb;
	struct rank x = rank_of(a), y = rank_of(b);

	return -cmp_rank(&x, &y);	/* best first */
}

static int cmp_series_id(const void *a, const void *b)
{
	uint32_t x = ((const struct prom_series *)a)->id;
	uint32_t y = ((const struct prom_series *)b)->id;

	return x < y ? -1 : x > y;
}

static void series_set(struct prom_series *s, const struct top_row *r)
{
	memcpy(s->name, r->name, sizeof(s->name));
	s->name[TOP_NAME_LEN - 1] = '\0';
	memcpy(s->last, r->cnt, sizeof(s->last));
	s->live = r->live;
	s->pinned = r->pinned;
	s->leaked = r->leaked;
	s->age_ns = r->age_ns;
}

/*
 * Give row @r a series in slot @s: from 0 if the row is new (none of its
 * counts is in `other` yet), else from its counts now (they stay in
 * `other`).
 */
static void series_start(struct prom_state *p, struct prom_series *s,
			 const struct top_row *r)
{
	memset(s, 0, sizeof(*s));
	s->id = r->id;
	if (was_seen(p, r->id))
		memcpy(s->base, r->cnt, sizeof(s->base));
	series_set(s, r);
}

static bool restarted(const struct prom_series *s, const struct top_row *r)
{
	unsigned int c;

	for (c = 0; c < TOP_NR_CNTS; c++)
		if (r->cnt[c] < s->last[c])
			return true;
	return false;
}

static bool has_series(const struct prom_state *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->series[i].id == id)
			return true;
	return false;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* By op, then 0 (ok) first and the errors from the smallest code. */
static int cmp_answer(const void *pa, const void *pb)
{
	const struct top_answer *a = pa, *b = pb;

	if (a->op != b->op)
		return a->op < b->op ? -1 : 1;
	return a->ret > b->ret ? -1 : a->ret < b->ret;
}

/* The frame's answers into @p's: cumulative, so never below what was. */
static void update_answers(struct prom_state *p, const struct top_frame *f)
{
	size_t i, j;

	for (i = 0; i < f->nr_answers && i < TOP_MAX_ANSWERS; i++) {
		const struct top_answer *a = &f->answers[i];

		if (a->op >= TOP_NR_ANSWER_OPS)
			continue;
		for (j = 0; j < p->nr_answers; j++)
			if (p->answers[j].op == a->op && p->answers[j].ret == a->ret)
				break;
		if (j < p->nr_answers)
			p->answers[j].count = max_u64(p->answers[j].count, a->count);
		else if (p->nr_answers < TOP_MAX_ANSWERS)
			p->answers[p->nr_answers++] = *a;
	}
	qsort(p->answers, p->nr_answers, sizeof(p->answers[0]), cmp_answer);
}

int prom_update(struct prom_state *p, const struct top_frame *f)
{
	const struct top_row **cand = NULL;
	uint64_t labelled[TOP_NR_CNTS] = { 0 }, pinned = 0, leaked = 0;
	uint32_t *seen = NULL;
	size_t i, j, nc = 0, next;
	unsigned int c, op;
	int64_t live = 0;

	if (f->n) {
		seen = malloc(f->n * sizeof(*seen));
		cand = malloc(f->n * sizeof(*cand));
		if (!seen || !cand) {
			free(seen);
			free(cand);
			return -ENOMEM;
		}
		for (i = 0; i < f->n; i++)
			seen[i] = f->rows[i].id;
		qsort(seen, f->n, sizeof(*seen), cmp_u32);
	}

	/* the rows that left, or whose counters restarted, lose their series */
	for (i = 0, j = 0; i < p->n; i++) {
		struct prom_series *s = &p->series[i];
		const struct top_row *r = row_of(f, s->id);

		if (!r || restarted(s, r))
			continue;
		series_set(s, r);
		p->series[j++] = *s;
	}
	p->n = j;

	for (i = 0; i < f->n; i++)
		if (!has_series(p, f->rows[i].id))
			cand[nc++] = &f->rows[i];
	if (nc > 1)
		qsort(cand, nc, sizeof(*cand), cmp_rows_by_rank);
	next = 0;
	while (next < nc && p->n < p->top_n)
		series_start(p, &p->series[p->n++], cand[next++]);
	/* then a candidate more active than the least active series replaces it */
	while (next < nc && p->n) {
		struct rank worst = { 0 }, k = rank_of(cand[next]);
		size_t w = 0;

		for (i = 0; i < p->n; i++) {
			struct rank x = rank_of(row_of(f, p->series[i].id));

			if (!i || cmp_rank(&x, &worst) < 0) {
				worst = x;
				w = i;
			}
		}
		if (k.rate <= worst.rate)
			break;
		series_start(p, &p->series[w], cand[next++]);
	}
	if (p->n > 1)
		qsort(p->series, p->n, sizeof(*p->series), cmp_series_id);

	/* `other`: the totals less the series, never backwards */
	for (i = 0; i < p->n; i++) {
		const struct prom_series *s = &p->series[i];

		for (c = 0; c < TOP_NR_CNTS; c++)
			labelled[c] += s->last[c] - s->base[c];
		live += s->live;
		pinned += s->pinned;
		leaked += s->leaked;
	}
	for (c = 0; c < TOP_NR_CNTS; c++) {
		p->cnt[c] = max_u64(p->cnt[c], f->cnt[c]);
		if (p->cnt[c] > labelled[c])
			p->other[c] = max_u64(p->other[c], p->cnt[c] - labelled[c]);
	}
	p->other_live = f->live > live ? f->live - live : 0;
	p->other_pinned = f->pinned > pinned ? f->pinned - pinned : 0;
	p->other_leaked = f->leaked > leaked ? f->leaked - leaked : 0;
	p->other_age_ns = 0;
	for (i = 0; i < f->n; i++)
		if (!has_series(p, f->rows[i].id))
			p->other_age_ns = max_u64(p->other_age_ns, f->rows[i].age_ns);

	p->drops = max_u64(p->drops, f->drops);
	if (f->have_lifetime) {
		/* cumulative in the kernel, where it never restarts */
		memcpy(p->lifetime, f->lifetime, sizeof(p->lifetime));
		p->lifetime_sum_us = f->lifetime_sum_us;
		p->have_lifetime = true;
	}
	update_answers(p, f);
	for (op = 0; op < p->d->nr_ops && op < TOP_MAX_OPS; op++) {
		p->calls[op] += f->lat[op].calls;
		p->hist_sum_ns[op] += f->hist_sum_ns[op];
		for (i = 0; i < TOP_SLOTS; i++)
			p->hist[op][i] += f->hist[op][i];
	}

	free(p->seen);
	p->seen = seen;
	p->nr_seen = f->n;
	free(cand);
	p->frames++;
	return 0;
}

/* --------------------------------------------------------- exposition */

const char *prom_fmt_seconds(char buf[32], uint64_t ns)
{
	uint64_t sec = ns / 1000000000U, frac = ns % 1000000000U;
	int digits = 9;

	if (!frac) {
		snprintf(buf, 32, "%" PRIu64, sec);
		return buf;
	}
	while (!(frac % 10)) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, 32, "%" PRIu64 ".%0*" PRIu64, sec, digits, frac);
	return buf;
}

/* Bytes in the UTF-8 sequence at @s (at most @n of them), 0: not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;	/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;	/* above U+10FFFF */
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void prom_escape_label(const char *s, size_t len, char *buf, size_t size)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, pos = 0, n = strnlen(s, len), k;
	char tmp[5];
	const char *piece;

	if (!size)
		return;
	while (i < n) {
		k = 1;
		piece = tmp;
		tmp[1] = '\0';
		if (u[i] == '\\')
			piece = "\\\\";
		else if (u[i] == '"')
			piece = "\\\"";
		else if (u[i] == '\n')
			piece = "\\n";
		else if (u[i] < 0x20 || u[i] == 0x7f)
			tmp[0] = '?';
		else if (u[i] < 0x80)
			tmp[0] = (char)u[i];
		else if ((k = utf8_len(u + i, n - i))) {
			memcpy(tmp, u + i, k);
			tmp[k] = '\0';
		} else {
			k = 1;
			tmp[0] = '?';
		}
		if (pos + strlen(piece) >= size)
			break;
		memcpy(buf + pos, piece, strlen(piece));
		pos += strlen(piece);
		i += k;
	}
	buf[pos] = '\0';
}

enum prom_format prom_format_of(const char *accept)
{
	static const char om[] = "application/openmetrics-text";
	const char *s;

	for (s = accept; s && *s; s++)
		if (!strncasecmp(s, om, sizeof(om) - 1))
			return PROM_OPENMETRICS;
	return PROM_TEXT;
}

enum kind { COUNTER, GAUGE, HISTOGRAM, INFO };

/*
 * # HELP, # TYPE and (OpenMetrics, for a name ending in _seconds) # UNIT
 * of family @name: a counter's family is named without its _total in
 * OpenMetrics, with it in the classic format; an info metric is a gauge
 * there.
 */
static void family(FILE *out, enum prom_format fmt, const char *name,
		   enum kind kind, const char *help)
{
	static const char *const types[] = {
		[COUNTER] = "counter", [GAUGE] = "gauge",
		[HISTOGRAM] = "histogram", [INFO] = "info",
	};
	const char *total = kind == COUNTER && fmt == PROM_TEXT ? "_total" : "";
	const char *info = kind == INFO && fmt == PROM_TEXT ? "_info" : "";
	const char *type = kind == INFO && fmt == PROM_TEXT ? "gauge" : types[kind];
	size_t n = strlen(name);

	fprintf(out, "# HELP %s%s%s %s\n", name, total, info, help);
	fprintf(out, "# TYPE %s%s%s %s\n", name, total, info, type);
	if (fmt == PROM_OPENMETRICS && n > 8 && !strcmp(name + n - 8, "_seconds"))
		fprintf(out, "# UNIT %s seconds\n", name);
}

/* {id="..",name=".."} of a series, or {name="other"} (@s NULL). */
static void labels(FILE *out, const struct prom_state *p,
		   const struct prom_series *s)
{
	char name[4 * TOP_NAME_LEN + 1];

	if (!s) {
		fprintf(out, "{%s=\"other\"}", p->name_label);
		return;
	}
	prom_escape_label(s->name, sizeof(s->name), name, sizeof(name));
	fprintf(out, "{%s=\"%" PRIu32 "\",%s=\"%s\"}", p->id_label, s->id,
		p->name_label, name);
}

static void row_counter(FILE *out, const struct prom_state *p,
			enum prom_format fmt, const char *name,
			const char *help, enum top_cnt c)
{
	size_t i;

	family(out, fmt, name, COUNTER, help);
	for (i = 0; i < p->n; i++) {
		fprintf(out, "%s_total", name);
		labels(out, p, &p->series[i]);
		fprintf(out, " %" PRIu64 "\n",
			p->series[i].last[c] - p->series[i].base[c]);
	}
	fprintf(out, "%s_total", name);
	labels(out, p, NULL);
	fprintf(out, " %" PRIu64 "\n", p->other[c]);
}

enum gauge { G_LIVE, G_PINNED, G_LEAKED, G_AGE };

static void row_gauge(FILE *out, const struct prom_state *p,
		      enum prom_format fmt, const char *name,
		      const char *help, enum gauge g)
{
	const struct prom_series *s;
	char sec[32];
	size_t i;

	family(out, fmt, name, GAUGE, help);
	for (i = 0; i <= p->n; i++) {
		s = i < p->n ? &p->series[i] : NULL;
		fputs(name, out);
		labels(out, p, s);
		switch (g) {
		case G_LIVE:
			fprintf(out, " %" PRId64 "\n", s ? s->live : p->other_live);
			break;
		case G_PINNED:
			fprintf(out, " %" PRIu64 "\n", s ? s->pinned : p->other_pinned);
			break;
		case G_LEAKED:
			fprintf(out, " %" PRIu64 "\n", s ? s->leaked : p->other_leaked);
			break;
		case G_AGE:
			fprintf(out, " %s\n", prom_fmt_seconds(sec, s ? s->age_ns :
							       p->other_age_ns));
			break;
		}
	}
}

/*
 * The cumulative buckets of log2 slots @slots counting integers of
 * @unit_ns ns (slot i: [2^i, 2^(i+1)) units, the last one the rest):
 * le=(2^(i+1) * unit_ns - 1) ns, exactly; @op: the op label, or NULL.
 */
static void log2_buckets(FILE *out, const char *name, const char *op,
			 const uint64_t slots[TOP_SLOTS], uint64_t sum_ns,
			 uint64_t unit_ns)
{
	char sec[32], lab[64];
	unsigned int i;
	uint64_t cum;

	if (op)
		snprintf(lab, sizeof(lab), "op=\"%s\",", op);
	else
		lab[0] = '\0';
	for (i = 0, cum = 0; i < TOP_SLOTS - 1; i++) {
		cum += slots[i];
		fprintf(out, "%s_bucket{%sle=\"%s\"} %" PRIu64 "\n", name, lab,
			prom_fmt_seconds(sec, (2ULL << i) * unit_ns - 1), cum);
	}
	cum += slots[TOP_SLOTS - 1];
	fprintf(out, "%s_bucket{%sle=\"+Inf\"} %" PRIu64 "\n", name, lab, cum);
	if (op)
		snprintf(lab, sizeof(lab), "{op=\"%s\"}", op);
	fprintf(out, "%s_sum%s %s\n", name, lab, prom_fmt_seconds(sec, sum_ns));
	fprintf(out, "%s_count%s %" PRIu64 "\n", name, lab, cum);
}

/* The latency histograms of the ops that are (@hc) or are not hypercalls. */
static void histogram(FILE *out, const struct prom_state *p,
		      enum prom_format fmt, bool hc)
{
	const char *name = hc ? "kvmmem_hypercall_duration_seconds" :
			   "kvmmem_ioctl_duration_seconds";
	unsigned int op;

	if (!hc && !(((1U << p->d->nr_ops) - 1) & ~p->d->hc_ops))
		return;		/* no ioctl is timed */
	family(out, fmt, name, HISTOGRAM, hc ? (p->d == &top_host_desc ?
	       "The host's handling of kvmmem hypercalls, VM exit to VM entry" :
	       "kvmmem hypercalls, as the guest sees them (every one)") :
	       "MAP and UNMAP ioctls, start to end (a sample unless "
	       "--time-all)");
	for (op = 0; op < p->d->nr_ops && op < TOP_MAX_OPS; op++)
		if (!(p->d->hc_ops & (1U << op)) == !hc)
			log2_buckets(out, name, p->d->op_names[op], p->hist[op],
				     p->hist_sum_ns[op], 1);
}

/* Mapping lifetimes: the log2 slots count microseconds. */
static void lifetime(FILE *out, const struct prom_state *p,
		     enum prom_format fmt)
{
	static const char name[] = "kvmmem_mapping_lifetime_seconds";

	if (!p->have_lifetime)
		return;
	family(out, fmt, name, HISTOGRAM,
	       "Lifetimes of the mappings made and unmapped (UNMAP or teardown) "
	       "while traced, MAP's hypercall answer to the unmapping hypercall");
	log2_buckets(out, name, NULL, p->lifetime, p->lifetime_sum_us * 1000,
		     1000);
}

/*
 * Failed ioctls by errno (the guest only); hypercalls by the host's
 * answer, as the guest got it or (@host) as KVM returned it to the VM.
 */
static void answers(FILE *out, const struct prom_state *p, enum prom_format fmt,
		    bool host)
{
	static const char *const ops[TOP_NR_ANSWER_OPS] = {
		[TOP_ANS_MAP] = "MAP", [TOP_ANS_UNMAP] = "UNMAP",
		[TOP_ANS_HC_MAP] = KVMMEM_HC_MAP_NAME,
		[TOP_ANS_HC_UNMAP] = KVMMEM_HC_UNMAP_NAME,
	};
	const char *name;
	char buf[32];
	size_t i;

	if (host)
		goto hypercalls;
	family(out, fmt, "kvmmem_ioctl_errors", COUNTER,
	       "MAP and UNMAP ioctls that failed, by errno");
	for (i = 0; i < p->nr_answers; i++) {
		const struct top_answer *a = &p->answers[i];

		if (a->op != TOP_ANS_MAP && a->op != TOP_ANS_UNMAP)
			continue;
		name = kvmmem_trace_result_name(KT_MAP_END, a->ret, buf);
		fprintf(out, "kvmmem_ioctl_errors_total{op=\"%s\",errno=\"%s\"} %"
			PRIu64 "\n", ops[a->op], name, a->count);
	}
hypercalls:
	family(out, fmt, "kvmmem_hypercall_results", COUNTER,
	       "Hypercalls by operation and the host's answer");
	for (i = 0; i < p->nr_answers; i++) {
		const struct top_answer *a = &p->answers[i];

		if (a->op != TOP_ANS_HC_MAP && a->op != TOP_ANS_HC_UNMAP)
			continue;
		name = kvmmem_trace_result_name(host ? KT_KVM_HC_EXIT : KT_HC_EXIT,
						a->ret, buf);
		fprintf(out, "kvmmem_hypercall_results_total{op=\"%s\",result=\"%s\"} %"
			PRIu64 "\n", ops[a->op], name, a->count);
	}
}

int prom_write(FILE *out, const struct prom_state *p,
	       const struct prom_self *self, enum prom_format fmt)
{
	bool host = p->d == &top_host_desc;
	unsigned int op;
	char sec[32];

	row_counter(out, p, fmt, "kvmmem_maps", host ?
		    "MEM_MAP hypercalls, whatever the answer" :
		    "MAP ioctls that succeeded", TOP_MAPS);
	row_counter(out, p, fmt, "kvmmem_unmaps", host ?
		    "MEM_UNMAP hypercalls, whatever the answer" :
		    "UNMAP ioctls that succeeded", TOP_UNMAPS);
	if (!host)
		row_counter(out, p, fmt, "kvmmem_teardown_unmaps",
			    "Mappings unmapped by a file's teardown (close, exit)",
			    TOP_TEARDOWNS);
	row_counter(out, p, fmt, "kvmmem_errors", host ?
		    "MEM_MAP and MEM_UNMAP hypercalls answered with an error" :
		    "MAP and UNMAP ioctls that failed", TOP_ERRORS);
	row_counter(out, p, fmt, "kvmmem_page_leaks", host ?
		    "Local GPAs a VM that exited left mapped" :
		    "Pages leaked: the host failed to unmap them, they stay "
		    "pinned", TOP_LEAKS);
	row_gauge(out, p, fmt, "kvmmem_live_mappings", host ?
		  "Local GPAs the host backs with a remote page" :
		  "Live mappings", G_LIVE);
	row_gauge(out, p, fmt, "kvmmem_pinned_pages",
		  "Pinned pages: live mappings and leaked pages", G_PINNED);
	row_gauge(out, p, fmt, "kvmmem_leaked_pages",
		  "Leaked pages now", G_LEAKED);
	row_gauge(out, p, fmt, "kvmmem_oldest_mapping_age_seconds",
		  "Age of the oldest live mapping (0: none)", G_AGE);

	family(out, fmt, "kvmmem_hypercalls", COUNTER,
	       "Hypercalls made, by operation (all of them, timed or not)");
	for (op = 0; op < p->d->nr_ops && op < TOP_MAX_OPS; op++)
		if (p->d->hc_ops & (1U << op))
			fprintf(out, "kvmmem_hypercalls_total{op=\"%s\"} %" PRIu64
				"\n", p->d->op_names[op], p->calls[op]);
	answers(out, p, fmt, host);
	histogram(out, p, fmt, true);
	histogram(out, p, fmt, false);
	lifetime(out, p, fmt);
	family(out, fmt, "kvmmem_lost_updates", COUNTER, host ?
	       "Events the BPF session lost" :
	       "Updates the BPF programs lost (a map was full)");
	fprintf(out, "kvmmem_lost_updates_total %" PRIu64 "\n", p->drops);

	family(out, fmt, "kvmmem_exporter_samples", COUNTER,
	       "Samples of the BPF maps taken");
	fprintf(out, "kvmmem_exporter_samples_total %" PRIu64 "\n", p->frames);
	family(out, fmt, "kvmmem_exporter_scrapes", COUNTER,
	       "Requests for the metrics answered");
	fprintf(out, "kvmmem_exporter_scrapes_total %" PRIu64 "\n", self->scrapes);
	if (self->have_bpf_run) {
		family(out, fmt, "kvmmem_bpf_run_seconds", COUNTER,
		       "In-kernel run time of the exporter's BPF programs "
		       "(while sysctl kernel.bpf_stats_enabled is 1)");
		fprintf(out, "kvmmem_bpf_run_seconds_total %s\n",
			prom_fmt_seconds(sec, self->bpf_run_ns));
		family(out, fmt, "kvmmem_bpf_runs", COUNTER,
		       "Runs of the exporter's BPF programs (while sysctl "
		       "kernel.bpf_stats_enabled is 1): one per operation");
		fprintf(out, "kvmmem_bpf_runs_total %" PRIu64 "\n", self->bpf_runs);
	}
	family(out, fmt, "kvmmem_build", INFO, "The kvmmem tools' version");
	fprintf(out, "kvmmem_build_info{version=\"%s\",attach=\"%s\"} 1\n",
		self->version ? self->version : "",
		self->attach ? self->attach : "");
	if (fmt == PROM_OPENMETRICS)
		fputs("# EOF\n", out);
	fflush(out);
	return ferror(out) ? -EIO : 0;
}
