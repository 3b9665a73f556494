// SPDX-License-Identifier: GPL-2.0
/*
 * guest.c - kvmmem-top's guest source: load kvmmem_top.bpf.c (tp_btf or
 * raw_tp), and turn its maps into samples, one read of each map per
 * interval.
 *
 * Mappings made before kvmmem-top started are invisible to BPF. So that
 * rows and totals still add up, the open files' live mappings are read
 * once from debugfs at start (per process: the base its BPF count is
 * added to), and the system-wide live, pinned and leaked numbers come
 * from the driver's own counters (debugfs stats) on every sample. A
 * process's oldest mapping is then known only to be at least as old as
 * kvmmem-top: its age is marked as a lower bound.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/array.h"
#include "common/bpfutil.h"
#include "common/symbolize.h"
#include "kvmmem-top.h"
#include "kvmmem_top.h"
#include "kvmmem_top.skel.h"
#include "util.h"

_Static_assert(KTOP_SLOTS == TOP_SLOTS, "one slot layout");
_Static_assert(KTOP_NR_OPS <= TOP_MAX_OPS, "every op has a histogram");
_Static_assert(KTOP_COMM_LEN == TOP_NAME_LEN, "comm fits a row name");
_Static_assert(sizeof(struct ktop_live) % 8 == 0, "mmapped slots are packed");

static const struct kvmmem_bpf_tp tracepoints[] = {
	{ "kvmmem_map_end", "kvmmem" },
	{ "kvmmem_unmap_end", "kvmmem" },
	{ "kvmmem_teardown_unmap", "kvmmem" },
	{ "kvmmem_page_leaked", "kvmmem" },
};

#define NR_TRACEPOINTS	(sizeof(tracepoints) / sizeof(tracepoints[0]))

const struct top_desc guest_top_desc = {
	.title = "kvmmem-top",
	.id_col = "PID",
	.name_col = "COMMAND",
	.id_key = "pid",
	.name_key = "comm",
	.rows_key = "processes",
	.nr_ops = KTOP_NR_OPS,
	.op_names = {
		[KTOP_OP_HC_MAP] = KVMMEM_HC_MAP_NAME,
		[KTOP_OP_HC_UNMAP] = KVMMEM_HC_UNMAP_NAME,
		[KTOP_OP_MAP] = "MAP",
		[KTOP_OP_UNMAP] = "UNMAP",
	},
	/* the exporter's kvmmem_hypercall_duration_seconds; the rest ioctls */
	.hc_ops = (1U << KTOP_OP_HC_MAP) | (1U << KTOP_OP_HC_UNMAP),
	/* a row's P50/P99: how fast the host answers that process */
	.row_ops = (1U << KTOP_OP_HC_MAP) | (1U << KTOP_OP_HC_UNMAP),
};

/* What of a process predates kvmmem-top (from debugfs). */
struct base {
	uint32_t tgid;
	int64_t live;		/* live mappings of its open files */
	uint64_t leaked;	/* pages it leaked */
	char comm[TOP_NAME_LEN];
};

struct guest {
	struct top_source src;
	struct kvmmem_top_bpf *skel;
	uint64_t t_start;	/* CLOCK_MONOTONIC when attached */
	struct base *base;
	size_t nr_base, cap_base;
	uint32_t *dead;		/* processes seen gone at the last sample */
	size_t nr_dead;
	const volatile struct ktop_live *live;	/* ktop_live, mmapped */
	size_t live_bytes;
	uint32_t max_live;	/* its slots */
	/* --stacks */
	bool stacks;
	uint32_t stack_depth;	/* frames per stack of ktop_stacks */
	struct symbolizer *sym;
	struct gproc *procs;	/* each process seen, its maps */
	size_t nr_procs, cap_procs;
	struct gstack *cache;	/* each (pid, stack) symbolized once */
	size_t nr_cache, cap_cache;
	uint64_t nomaps;	/* processes gone before their maps were read */
	int64_t ctrs[KTOP_NR_CTRS];	/* ktop_cpus summed, at this sample */
};

/* --stacks: a process's memory map, read the first time it is seen. */
struct gproc {
	uint32_t pid;
	struct sym_maps *maps;	/* NULL: it exited before */
};

/* --stacks: a stack of a process, symbolized (TOP_SITE_SEP-joined). */
struct gstack {
	uint32_t pid;
	int32_t stack;
	char frames[TOP_SITE_LEN];
};

static struct top_sample_row *row_of(struct top_sample *s, uint32_t tgid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->rows[i].id == tgid)
			return &s->rows[i];
	return top_sample_row_add(s, tgid);
}

static bool process_exists(uint32_t pid)
{
	return !kill((pid_t)pid, 0) || errno != ESRCH;
}

static void comm_of(uint32_t pid, char name[TOP_NAME_LEN])
{
	char path[64], *text = NULL;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	if (kvmmem_read_file(path, &text) <= 0) {
		snprintf(name, TOP_NAME_LEN, "(exited)");
		free(text);
		return;
	}
	n = strcspn(text, "\n");
	if (n >= TOP_NAME_LEN)
		n = TOP_NAME_LEN - 1;
	memcpy(name, text, n);
	name[n] = '\0';
	free(text);
}

/* The base of process @tgid, created with @comm if new; NULL: -ENOMEM. */
static struct base *base_of(struct guest *g, uint64_t tgid, const char *comm)
{
	struct base *b;
	size_t i;

	for (i = 0; i < g->nr_base; i++)
		if (g->base[i].tgid == tgid)
			return &g->base[i];
	if (kvmmem_grow(&g->base, &g->cap_base, g->nr_base + 1, sizeof(*b)))
		return NULL;
	b = &g->base[g->nr_base++];
	memset(b, 0, sizeof(*b));
	b->tgid = (uint32_t)tgid;
	snprintf(b->comm, sizeof(b->comm), "%s", comm ? comm : "");
	return b;
}

#define TABLE_COLS	3

/*
 * Read a debugfs table (a header line naming the columns, then one line
 * per item) and call @fn with the fields of the columns named @names
 * (NULL where a line has no such column). Comm fields cannot hold
 * blanks: the driver prints the task's comm as it is.
 */
static void read_table(struct guest *g, const char *path,
		       const char *const names[TABLE_COLS],
		       void (*fn)(struct guest *g, char *fields[TABLE_COLS]))
{
	int col_of[TABLE_COLS] = { -1, -1, -1 }, col;
	char *text = NULL, *line, *save = NULL;
	bool header = true;
	unsigned int k;

	if (kvmmem_read_file(path, &text) < 0) {
		if (verbose)
			kvmmem_warn("cannot read %s: what predates kvmmem-top is not in "
			     "the rows", path);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *field, *fsave = NULL, *fields[TABLE_COLS] = { NULL };

		for (col = 0, field = strtok_r(line, " \t", &fsave); field;
		     col++, field = strtok_r(NULL, " \t", &fsave))
			for (k = 0; k < TABLE_COLS; k++) {
				if (header && names[k] && !strcmp(field, names[k]))
					col_of[k] = col;
				else if (!header && col == col_of[k])
					fields[k] = field;
			}
		if (!header)
			fn(g, fields);
		header = false;
	}
	free(text);
}

/* debugfs files: tgid comm live_mappings, one line per open file. */
static void base_live(struct guest *g, char *f[TABLE_COLS])
{
	uint64_t tgid, live;
	struct base *b;

	if (!f[0] || !f[2] || kvmmem_parse_u64(f[0], &tgid) || !tgid ||
	    tgid > UINT32_MAX || kvmmem_parse_u64(f[2], &live) || !live)
		return;
	b = base_of(g, tgid, f[1]);
	if (b)
		b->live += (int64_t)live;
}

/* debugfs leaked: tgid, one line per leaked page. */
static void base_leaked(struct guest *g, char *f[TABLE_COLS])
{
	struct base *b;
	uint64_t tgid;

	if (!f[0] || kvmmem_parse_u64(f[0], &tgid) || !tgid || tgid > UINT32_MAX)
		return;
	b = base_of(g, tgid, NULL);
	if (b)
		b->leaked++;
}

/* What predates kvmmem-top, per process: the base its BPF counts add to. */
static void read_base(struct guest *g)
{
	static const char *const files[TABLE_COLS] = {
		"tgid", "comm", "live_mappings",
	};
	static const char *const leaked[TABLE_COLS] = { "tgid" };

	read_table(g, KVMMEM_FILES_PATH, files, base_live);
	read_table(g, KVMMEM_LEAKED_PATH, leaked, base_leaked);
}

static int64_t ctr(struct guest *g, enum ktop_ctr c)
{
	return c < KTOP_NR_CTRS ? g->ctrs[c] : 0;
}

/* The counters of every CPU, summed, into g->ctrs (0s if unreadable). */
static void read_ctrs(struct guest *g)
{
	uint64_t sums[KTOP_NR_CTRS];
	uint32_t zero = 0;
	int c;

	_Static_assert(offsetof(struct ktop_cpu, ctrs) == 0,
		       "struct ktop_cpu begins with its counters");
	if (kvmmem_bpf_percpu_sum(g->skel->maps.ktop_cpus, &zero, sizeof(zero),
				  sums, KTOP_NR_CTRS)) {
		memset(g->ctrs, 0, sizeof(g->ctrs));
		return;
	}
	for (c = 0; c < KTOP_NR_CTRS; c++)
		g->ctrs[c] = (int64_t)sums[c];
}

static int sample_procs(struct guest *g, struct top_sample *s)
{
	int fd = bpf_map__fd(g->skel->maps.ktop_procs);
	uint32_t key, next, *prev = NULL;
	struct top_sample_row *r;
	struct ktop_proc p;
	unsigned int op;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &p))
			continue;	/* deleted meanwhile */
		r = row_of(s, key);
		if (!r)
			return -ENOMEM;
		memcpy(r->name, p.comm, sizeof(r->name));
		r->cnt[TOP_MAPS] = p.maps;
		r->cnt[TOP_UNMAPS] = p.unmaps;
		r->cnt[TOP_TEARDOWNS] = p.teardowns;
		r->cnt[TOP_ERRORS] = p.errors;
		r->live = p.live;
		r->leaked = p.leaked;
		r->cnt[TOP_LEAKS] = p.leaked;
		for (op = 0; op < KTOP_NR_HC_OPS; op++) {
			memcpy(r->hist[op], p.hc[op].slots, sizeof(r->hist[op]));
			r->hist_sum_ns[op] = p.hc[op].sum_ns;
		}
	}
	return 0;
}

static int sample_hists(struct guest *g, struct top_sample *s)
{
	int fd = bpf_map__fd(g->skel->maps.ktop_hists);
	struct ktop_hist_key key, next, *prev = NULL;
	struct top_sample_row *r;
	struct ktop_hist h;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		/* the hypercalls' are in ktop_procs */
		if (key.op < KTOP_NR_HC_OPS || key.op >= KTOP_NR_OPS ||
		    bpf_map_lookup_elem(fd, &key, &h))
			continue;
		r = row_of(s, key.tgid);
		if (!r)
			return -ENOMEM;
		memcpy(r->hist[key.op], h.slots, sizeof(h.slots));
		r->hist_sum_ns[key.op] = h.sum_ns;
	}
	return 0;
}

_Static_assert((int)KTOP_R_MAP == (int)TOP_ANS_MAP &&
	       (int)KTOP_R_HC_UNMAP == (int)TOP_ANS_HC_UNMAP &&
	       (int)KTOP_NR_ROPS == (int)TOP_NR_ANSWER_OPS, "one list of answer ops");

/* The answers by value; beyond TOP_MAX_ANSWERS, the rest are dropped. */
static void sample_results(struct guest *g, struct top_sample *s)
{
	int fd = bpf_map__fd(g->skel->maps.ktop_results);
	struct ktop_result_key key, next, *prev = NULL;
	uint64_t n;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (key.op >= KTOP_NR_ROPS || bpf_map_lookup_elem(fd, &key, &n) ||
		    s->nr_answers == TOP_MAX_ANSWERS)
			continue;
		s->answers[s->nr_answers++] = (struct top_answer){
			.op = key.op, .ret = key.ret, .count = n,
		};
	}
	/* the hypercalls answered 0 are counted apart */
	if (s->nr_answers < TOP_MAX_ANSWERS && (n = (uint64_t)ctr(g, KTOP_C_HC_MAP_OK)))
		s->answers[s->nr_answers++] = (struct top_answer){
			.op = KTOP_R_HC_MAP, .ret = 0, .count = n,
		};
	if (s->nr_answers < TOP_MAX_ANSWERS && (n = (uint64_t)ctr(g, KTOP_C_HC_UNMAP_OK)))
		s->answers[s->nr_answers++] = (struct top_answer){
			.op = KTOP_R_HC_UNMAP, .ret = 0, .count = n,
		};
}

/* --stacks: the memory map of @pid, read the first time it is seen. */
static const struct sym_maps *maps_of(struct guest *g, uint32_t pid)
{
	struct gproc *p;
	size_t i;

	for (i = 0; i < g->nr_procs; i++)
		if (g->procs[i].pid == pid)
			return g->procs[i].maps;
	if (kvmmem_grow(&g->procs, &g->cap_procs, g->nr_procs + 1, sizeof(*p)))
		return NULL;
	p = &g->procs[g->nr_procs++];
	p->pid = pid;
	p->maps = sym_maps_read((int)pid);
	if (!p->maps) {
		g->nomaps++;
		if (verbose)
			kvmmem_warn("process %u: its memory map could not be read "
				    "(%s): its stacks show addresses", pid,
				    strerror(errno));
	}
	return p->maps;
}

/*
 * --stacks: stack @stack of @pid as its frames' functions ("module+0xoff"
 * where a frame has none), innermost first; symbolized once.
 */
static const char *stack_frames(struct guest *g, uint32_t pid, int32_t stack)
{
	uint64_t ips[KTOP_STACK_DEPTH] = { 0 };
	const struct sym_maps *m;
	struct sym_frame f;
	struct gstack *c;
	char one[160];
	uint32_t key = (uint32_t)stack, i;
	size_t pos = 0;

	if (stack < 0)
		return NULL;
	for (i = 0; i < g->nr_cache; i++)
		if (g->cache[i].pid == pid && g->cache[i].stack == stack)
			return g->cache[i].frames;
	if (bpf_map__lookup_elem(g->skel->maps.ktop_stacks, &key, sizeof(key),
				 ips, g->stack_depth * sizeof(ips[0]), 0))
		return NULL;
	if (kvmmem_grow(&g->cache, &g->cap_cache, g->nr_cache + 1, sizeof(*c)))
		return NULL;
	c = &g->cache[g->nr_cache++];
	c->pid = pid;
	c->stack = stack;
	c->frames[0] = '\0';
	m = maps_of(g, pid);
	for (i = 0; i < g->stack_depth && ips[i]; i++) {
		/* frames after the first are return addresses: the call
		 * is one byte back */
		unsigned long long ip = i ? ips[i] - 1 : ips[i];

		memset(&f, 0, sizeof(f));
		f.ip = ip;
		if (m)
			sym_user(g->sym, m, ip, &f);
		if (f.func)
			snprintf(one, sizeof(one), "%s", f.func);
		else
			sym_frame_format(&f, one, sizeof(one));
		pos += (size_t)snprintf(c->frames + pos, pos < TOP_SITE_LEN ?
					TOP_SITE_LEN - pos : 0, "%s%s",
					i ? TOP_SITE_SEP : "", one);
		if (pos >= TOP_SITE_LEN)
			break;	/* truncated: the innermost frames matter */
	}
	return c->frames;
}

/*
 * --stacks: the leaked pages per process and stack (ktop_leak_stacks),
 * and every counted stack's frames.
 */
static int sample_stacks(struct guest *g, struct top_sample *s)
{
	const struct bpf_map *map = g->skel->maps.ktop_leak_stacks;
	struct ktop_stack_key k, next, *prev = NULL;
	struct top_stack_count *c;
	uint64_t n;
	size_t i;

	while (!bpf_map__get_next_key(map, prev, &next, sizeof(next))) {
		k = next;
		prev = &k;
		if (bpf_map__lookup_elem(map, &k, sizeof(k), &n, sizeof(n), 0))
			continue;
		c = top_sample_stack_add(s, k.tgid, k.ustack);
		if (!c)
			return -ENOMEM;
		c->leaked += n;
	}
	for (i = 0; i < s->nr_stacks; i++)
		s->stacks[i].frames = stack_frames(g, s->stacks[i].pid,
						   s->stacks[i].stack);
	s->have_stacks = true;
	s->stack_failed = (uint64_t)ctr(g, KTOP_C_STACK_FAILED);
	s->stack_full = (uint64_t)ctr(g, KTOP_C_STACK_FULL);
	s->stack_nomaps = g->nomaps;
	return 0;
}

/*
 * The oldest live mapping per process: a pass over the mmapped slots;
 * with --stacks also the live mappings per process and stack.
 */
static int sample_live(struct guest *g, struct top_sample *s,
		       uint64_t *known)
{
	struct top_stack_count *c;
	uint64_t id, ts;
	uint32_t i, tgid;
	int32_t ustack;
	size_t j;

	for (i = 0; i < g->max_live; i++) {
		id = g->live[i].id;
		if (!id)
			continue;
		ts = g->live[i].map_ns;
		tgid = g->live[i].tgid;
		ustack = g->live[i].ustack;
		if (g->live[i].id != id)
			continue;	/* reused while we read it */
		if (g->stacks) {
			c = top_sample_stack_add(s, tgid, ustack);
			if (!c)
				return -ENOMEM;
			c->live++;
		}
		for (j = 0; j < s->n && s->rows[j].id != tgid; j++)
			;
		if (j == s->n)
			continue;	/* its row was pruned */
		known[j]++;
		if (!ts || ts < g->t_start)
			ts = g->t_start;	/* made after we attached */
		if (!s->rows[j].oldest_ns || ts < s->rows[j].oldest_ns)
			s->rows[j].oldest_ns = ts;
	}
	return 0;
}

/* The lifetimes of the mappings made and gone while traced. */
static void sample_lifetime(struct guest *g, struct top_sample *s)
{
	struct ktop_hist h;
	uint32_t key = 0;

	if (bpf_map__lookup_elem(g->skel->maps.ktop_lifetime, &key, sizeof(key),
				 &h, sizeof(h), 0))
		return;
	memcpy(s->lifetime, h.slots, sizeof(h.slots));
	s->lifetime_sum_us = h.sum_ns;
	s->have_lifetime = true;
}

/* The programs' own cost, if the kernel counts it (bpf_stats_enabled). */
static void sample_bpf_cost(struct guest *g, struct top_sample *s)
{
	char *text = NULL;
	bool on;

	on = kvmmem_read_file("/proc/sys/kernel/bpf_stats_enabled", &text) > 0 &&
	     text[0] != '0';
	free(text);
	s->bpf_stats = TOP_BPF_OFF;
	if (on && !kvmmem_bpf_run_stats(g->skel->obj, &s->bpf_run_ns,
					&s->bpf_runs))
		s->bpf_stats = TOP_BPF_ON;
}

static bool was_dead(struct guest *g, uint32_t tgid)
{
	size_t i;

	for (i = 0; i < g->nr_dead; i++)
		if (g->dead[i] == tgid)
			return true;
	return false;
}

static void forget_base(struct guest *g, uint32_t tgid)
{
	size_t i;

	for (i = 0; i < g->nr_base; i++)
		if (g->base[i].tgid == tgid)
			g->base[i] = g->base[--g->nr_base];
}

/*
 * Forget a gone process with nothing pinned one sample after it went, so
 * that its last interval still shows. g->dead lists the processes seen
 * gone at the previous sample; the new list is built beside it.
 */
static void prune(struct guest *g, struct top_sample *s)
{
	int procs = bpf_map__fd(g->skel->maps.ktop_procs);
	int hists = bpf_map__fd(g->skel->maps.ktop_hists);
	uint32_t *dead = calloc(s->n ? s->n : 1, sizeof(*dead));
	size_t i = 0, nr_dead = 0;
	unsigned int op;

	if (!dead)
		return;		/* prune next time */
	while (i < s->n) {
		struct top_sample_row *r = &s->rows[i];

		if (r->live > 0 || r->leaked || process_exists(r->id)) {
			i++;
			continue;
		}
		if (!was_dead(g, r->id)) {
			dead[nr_dead++] = r->id;	/* shown once more */
			i++;
			continue;
		}
		bpf_map_delete_elem(procs, &r->id);
		forget_base(g, r->id);
		for (op = KTOP_NR_HC_OPS; op < KTOP_NR_OPS; op++) {
			struct ktop_hist_key k = { .tgid = r->id, .op = op };

			bpf_map_delete_elem(hists, &k);
		}
		*r = s->rows[--s->n];
	}
	free(g->dead);
	g->dead = dead;
	g->nr_dead = nr_dead;
}

static int guest_sample(struct top_source *src, struct top_sample *s)
{
	struct guest *g = (struct guest *)src;
	struct kvmmem_stats st;
	uint64_t v, *known;
	size_t i, j;
	int err;

	s->ts_ns = kvmmem_mono_ns();
	read_ctrs(g);
	err = sample_procs(g, s);
	if (!err)
		err = sample_hists(g, s);
	sample_results(g, s);
	if (err)
		return err;
	/* the mappings that predate us, in the rows of their processes */
	for (i = 0; i < g->nr_base; i++) {
		struct top_sample_row *r = row_of(s, g->base[i].tgid);

		if (!r)
			return -ENOMEM;
		r->live += g->base[i].live;
		r->leaked += g->base[i].leaked;
		if (!r->name[0])
			memcpy(r->name, g->base[i].comm, sizeof(r->name));
	}
	prune(g, s);

	known = calloc(s->n ? s->n : 1, sizeof(*known));
	if (!known)
		return -ENOMEM;
	err = sample_live(g, s, known);
	if (!err && g->stacks)
		err = sample_stacks(g, s);
	if (err) {
		free(known);
		return err;
	}
	for (j = 0; j < s->n; j++) {
		struct top_sample_row *r = &s->rows[j];

		if (r->live > (int64_t)known[j]) {
			/* some predate kvmmem-top: at least that old */
			r->oldest_ns = g->t_start;
			r->oldest_partial = true;
		}
		if (!r->name[0])
			comm_of(r->id, r->name);
	}
	free(known);

	s->cnt[TOP_MAPS] = (uint64_t)ctr(g, KTOP_C_MAPS);
	s->cnt[TOP_UNMAPS] = (uint64_t)ctr(g, KTOP_C_UNMAPS);
	s->cnt[TOP_TEARDOWNS] = (uint64_t)ctr(g, KTOP_C_TEARDOWNS);
	s->cnt[TOP_ERRORS] = (uint64_t)ctr(g, KTOP_C_ERRORS);
	s->cnt[TOP_LEAKS] = (uint64_t)ctr(g, KTOP_C_LEAKED);
	s->drops = (uint64_t)ctr(g, KTOP_C_DROPS);
	s->calls[KTOP_OP_HC_MAP] = (uint64_t)ctr(g, KTOP_C_HC_MAP);
	s->calls[KTOP_OP_HC_UNMAP] = (uint64_t)ctr(g, KTOP_C_HC_UNMAP);
	s->calls[KTOP_OP_MAP] = (uint64_t)ctr(g, KTOP_C_MAP_CALLS);
	s->calls[KTOP_OP_UNMAP] = (uint64_t)ctr(g, KTOP_C_UNMAP_CALLS);
	sample_lifetime(g, s);
	sample_bpf_cost(g, s);
	/* system-wide gauges: the driver's, which count what predates us */
	if (!kvmmem_stats_read(NULL, &st)) {
		if (!kvmmem_stats_get_u64(&st, "live_mappings", &v))
			s->live = (int64_t)v;
		if (!kvmmem_stats_get_u64(&st, "pinned_pages", &v))
			s->pinned = v;
		if (!kvmmem_stats_get_u64(&st, "leaked_pages", &v))
			s->leaked = v;
		kvmmem_stats_free(&st);
	} else {
		s->live = ctr(g, KTOP_C_LIVE);
		s->leaked = (uint64_t)ctr(g, KTOP_C_LEAKED);
		s->pinned = (uint64_t)(s->live > 0 ? s->live : 0) + s->leaked;
	}
	return 0;
}

static int guest_check(struct top_source *src, char *why, size_t len)
{
	(void)src;
	/*
	 * The attached programs hold a reference on kvmmem, so rmmod fails
	 * (EBUSY) while we run; only a forced unload gets here.
	 */
	if (kvmmem_module_loaded("kvmmem"))
		return 0;
	snprintf(why, len, "the kvmmem module was unloaded: nothing left to "
		 "watch (load it and start kvmmem-top again)");
	return -ENODEV;
}

static void guest_close(struct top_source *src)
{
	struct guest *g = (struct guest *)src;

	if (!g)
		return;
	if (g->live)
		munmap((void *)g->live, g->live_bytes);
	kvmmem_top_bpf__destroy(g->skel);
	for (size_t i = 0; i < g->nr_procs; i++)
		sym_maps_free(g->procs[i].maps);
	free(g->procs);
	free(g->cache);
	symbolizer_free(g->sym);
	free(g->base);
	free(g->dead);
	free(g);
}

/*
 * Open, load and attach kvmmem_top.bpf.c's programs as raw_tp (@raw_tp)
 * or tp_btf into @g. On failure the skeleton is gone; only a raw_tp
 * failure is said here (a tp_btf one is the caller's to fall back from).
 */
static int guest_load(struct guest *g, const struct guest_opts *opts,
		      const bool *want, bool raw_tp)
{
	const char *attach = raw_tp ? "raw_tp" : "tp_btf";
	int err;

	g->skel = kvmmem_top_bpf__open();
	if (!g->skel) {
		err = -errno;
		kvmmem_warn("cannot open the BPF object: %s", strerror(errno));
		return err;
	}
	g->skel->rodata->time_gap_jiffies = opts->time_all ? 0 : 1;
	g->skel->rodata->live_mask = g->max_live - 1;	/* a power of 2 */
	err = bpf_map__set_max_entries(g->skel->maps.ktop_live, g->max_live);
	if (err) {
		kvmmem_warn("bad --max-live %u: %s", g->max_live, strerror(-err));
		goto err_destroy;
	}
	/* --stacks' maps: one entry (of one frame) each without it */
	g->skel->rodata->targ_stacks = g->stacks;
	err = bpf_map__set_value_size(g->skel->maps.ktop_stacks,
				      g->stack_depth * sizeof(uint64_t));
	if (!err && !g->stacks)
		err = bpf_map__set_max_entries(g->skel->maps.ktop_stacks, 1);
	if (!err && !g->stacks)
		err = bpf_map__set_max_entries(g->skel->maps.ktop_leak_stacks, 1);
	if (err) {
		kvmmem_warn("cannot size the stack maps: %s", strerror(-err));
		goto err_destroy;
	}
	kvmmem_bpf_autoload(g->skel->obj, tracepoints, want, NR_TRACEPOINTS,
			    raw_tp);
	if (!raw_tp)
		kvmmem_bpf_test_break_tp_btf(g->skel->obj);
	err = kvmmem_top_bpf__load(g->skel);
	if (err) {
		if (raw_tp) {
			kvmmem_warn("cannot load the BPF programs (%s): %s; run "
				    "with -v for the verifier's log", attach,
				    strerror(-err));
			kvmmem_bpf_note_lockdown(kvmmem_prog);
		}
		goto err_destroy;
	}
	err = kvmmem_top_bpf__attach(g->skel);
	if (err) {
		if (raw_tp)
			kvmmem_warn("cannot attach to the kvmmem tracepoints (%s): %s",
				    attach, strerror(-err));
		goto err_destroy;
	}
	return 0;

err_destroy:
	kvmmem_top_bpf__destroy(g->skel);
	g->skel = NULL;
	return err;
}

int guest_source_open(const struct guest_opts *opts, struct top_source **srcp)
{
	bool want[NR_TRACEPOINTS];
	bool raw_tp;
	struct guest *g;
	size_t i;
	int err;

	*srcp = NULL;
	err = kvmmem_bpf_preflight(kvmmem_prog);
	if (err)
		return err;
	kvmmem_bpf_set_print(verbose);
	for (i = 0; i < NR_TRACEPOINTS; i++)
		want[i] = true;
	raw_tp = opts->force_raw_tp ||
		 !kvmmem_bpf_tp_btf_usable(tracepoints, want, NR_TRACEPOINTS,
					   kvmmem_prog, verbose);

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->src.desc = &guest_top_desc;
	g->src.attach = raw_tp ? "raw_tp" : "tp_btf";
	g->src.sample = guest_sample;
	g->src.check = guest_check;
	g->src.close = guest_close;
	g->max_live = opts->max_live;
	g->stacks = opts->stacks;
	g->stack_depth = g->stacks ?
			 kvmmem_bpf_max_stack_depth(KTOP_STACK_DEPTH) : 1;
	if (g->stacks) {
		g->sym = symbolizer_new();
		if (!g->sym) {
			err = -errno;
			kvmmem_warn("cannot start the symbolizer: %s",
				    strerror(errno));
			free(g);
			return err;
		}
	}

	kvmmem_bpf_set_quiet(!raw_tp);
	err = guest_load(g, opts, want, raw_tp);
	kvmmem_bpf_set_quiet(false);
	if (err && !raw_tp) {
		/* BTF there but unusable (stale module BTF, an old kernel) */
		kvmmem_bpf_note_raw_tp_fallback(kvmmem_prog, err);
		raw_tp = true;
		g->src.attach = "raw_tp";
		err = guest_load(g, opts, want, raw_tp);
	}
	if (err)
		goto err_close;
	g->live_bytes = (size_t)g->max_live * sizeof(struct ktop_live);
	g->live = mmap(NULL, g->live_bytes, PROT_READ, MAP_SHARED,
		       bpf_map__fd(g->skel->maps.ktop_live), 0);
	if (g->live == MAP_FAILED) {
		err = -errno;
		g->live = NULL;
		kvmmem_warn("cannot mmap the live mapping table: %s", strerror(-err));
		goto err_close;
	}
	g->t_start = kvmmem_mono_ns();
	read_base(g);
	if (verbose)
		kvmmem_warn("attached as %s; %zu processes had live mappings before",
		     g->src.attach, g->nr_base);
	*srcp = &g->src;
	return 0;

err_close:
	guest_close(&g->src);
	return err;
}
