// SPDX-License-Identifier: GPL-2.0
/*
 * stacks.c - a --stacks recording's mappings by call site (see stacks.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "trace/stacks.h"

const char *kvmmem_trace_stack_why_name(uint32_t why)
{
	switch (why) {
	case KVMMEM_TRACE_STACK_LEAKED:
		return "leaked";
	case KVMMEM_TRACE_STACK_TEARDOWN:
		return "teardown";
	case KVMMEM_TRACE_STACK_LIVE:
		return "live";
	default:
		return "?";
	}
}

/* A reference and its place in the file, to sort by id stably. */
struct ordered {
	struct kvmmem_trace_stack_ref r;
	size_t pos;
};

static int cmp_ordered(const void *x, const void *y)
{
	const struct ordered *a = x, *b = y;

	if (a->r.id != b->r.id)
		return a->r.id < b->r.id ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static int cmp_site(const void *x, const void *y)
{
	const struct kvmmem_trace_site *a = x, *b = y;

	if (a->count[KT_STACK_LEAKED] != b->count[KT_STACK_LEAKED])
		return a->count[KT_STACK_LEAKED] > b->count[KT_STACK_LEAKED] ? -1 : 1;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return a->first_id < b->first_id ? -1 : a->first_id > b->first_id;
}

/* A site and where it was before sorting. */
struct ranked {
	struct kvmmem_trace_site site;
	size_t old;
};

static int cmp_ranked(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;

	return cmp_site(&a->site, &b->site);
}

/* Are stacks @a and @b (ids, 0: unknown) one site? */
static bool same_site(const struct kvmmem_trace_file *tf,
		      const char *const *keys, uint32_t a, uint32_t b)
{
	const struct kvmmem_trace_stack *sa, *sb;

	if (!a || !b || !keys)
		return a == b;
	sa = kvmmem_trace_file_stack(tf, a);
	sb = kvmmem_trace_file_stack(tf, b);
	return !strcmp(keys[sa - tf->stacks], keys[sb - tf->stacks]);
}

int kvmmem_trace_sites_build(struct kvmmem_trace_sites *s,
			     const struct kvmmem_trace_file *tf,
			     const char *const *keys)
{
	struct kvmmem_trace_site *site;
	const struct kvmmem_trace_stack *st;
	struct ordered *o = NULL;
	struct ranked *tmp = NULL;
	uint32_t *rank = NULL;
	size_t i, j, n = 0;

	memset(s, 0, sizeof(*s));
	if (!tf->nr_refs)
		return 0;
	o = calloc(tf->nr_refs, sizeof(*o));
	s->refs = calloc(tf->nr_refs, sizeof(*s->refs));
	s->sites = calloc(tf->nr_refs, sizeof(*s->sites));
	if (!o || !s->refs || !s->sites)
		goto nomem;
	for (i = 0; i < tf->nr_refs; i++)
		o[i] = (struct ordered){ tf->refs[i], i };
	qsort(o, tf->nr_refs, sizeof(*o), cmp_ordered);
	for (i = 0; i < tf->nr_refs; i++) {
		uint32_t stack = o[i].r.stack;

		if (n && o[i].r.id == s->refs[n - 1].id)
			continue;	/* the first reference counts */
		st = stack ? kvmmem_trace_file_stack(tf, stack) : NULL;
		if (!st)
			stack = 0;
		for (j = 0; j < s->nr_sites; j++)
			if (same_site(tf, keys, s->sites[j].stack, stack))
				break;
		site = &s->sites[j];
		if (j == s->nr_sites) {
			s->nr_sites++;
			site->stack = stack;
			site->first_id = o[i].r.id;
			site->key = st && keys ? keys[st - tf->stacks] : NULL;
		}
		site->count[o[i].r.why]++;
		site->total++;
		s->refs[n++] = (struct kvmmem_trace_site_ref){
			.id = o[i].r.id, .site = (uint32_t)j, .why = o[i].r.why,
			.stack = stack,
		};
	}
	s->nr_refs = n;
	free(o);
	o = NULL;

	/* sort the sites, and renumber the references' */
	tmp = calloc(s->nr_sites, sizeof(*tmp));
	rank = calloc(s->nr_sites, sizeof(*rank));
	if (!tmp || !rank)
		goto nomem;
	for (i = 0; i < s->nr_sites; i++) {
		tmp[i].site = s->sites[i];
		tmp[i].old = i;
	}
	qsort(tmp, s->nr_sites, sizeof(*tmp), cmp_ranked);
	for (i = 0; i < s->nr_sites; i++) {
		s->sites[i] = tmp[i].site;
		rank[tmp[i].old] = (uint32_t)i;
	}
	for (i = 0; i < s->nr_refs; i++)
		s->refs[i].site = rank[s->refs[i].site];
	free(tmp);
	free(rank);
	return 0;

nomem:
	free(o);
	free(tmp);
	free(rank);
	kvmmem_trace_sites_free(s);
	return -ENOMEM;
}

const struct kvmmem_trace_site_ref *
kvmmem_trace_sites_find(const struct kvmmem_trace_sites *s, uint64_t id)
{
	size_t lo = 0, hi = s->nr_refs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->refs[mid].id == id)
			return &s->refs[mid];
		if (s->refs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void kvmmem_trace_sites_free(struct kvmmem_trace_sites *s)
{
	free(s->sites);
	free(s->refs);
	memset(s, 0, sizeof(*s));
}
