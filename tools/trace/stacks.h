/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stacks.h - a --stacks recording's mappings grouped by the call site
 * that made them (stacks.c): the "top leaking call sites" of
 * kvmmem-trace report. Nothing here symbolizes: the caller gives each
 * stack's key (its symbolized text, so that the stacks of two processes
 * running the same code are one site), or none (one site per stack).
 */
#ifndef KVMMEM_TRACE_STACKS_H
#define KVMMEM_TRACE_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include "trace/reader.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The mappings of one call site. */
struct kvmmem_trace_site {
	const char *key;	/* the caller's key of its stacks, or NULL */
	uint32_t stack;		/* its first stack (a stack chunk's id); 0:
				 * the mappings whose stack is unknown */
	uint64_t first_id;	/* its first mapping (lowest id) */
	uint64_t count[KT_STACK_NR_WHY];	/* mappings, by why */
	uint64_t total;
};

/* A mapping of the recording's stack references, and its site. */
struct kvmmem_trace_site_ref {
	uint64_t id;
	uint32_t site;		/* index in sites */
	uint32_t why;		/* enum kvmmem_trace_stack_why */
	uint32_t stack;		/* 0: unknown */
};

struct kvmmem_trace_sites {
	/* most leaked pages first; then most mappings; then lowest first id */
	struct kvmmem_trace_site *sites;
	size_t nr_sites;
	struct kvmmem_trace_site_ref *refs;	/* ascending id, each once */
	size_t nr_refs;
};

/**
 * kvmmem_trace_sites_build() - group @tf's stack references by site
 * @keys: NULL (a site per stack), or one string per @tf->stacks[i]:
 *        stacks with equal keys are one site
 *
 * A mapping referenced twice counts once (its first reference). A
 * reference whose stack is 0 or not in @tf (lost to damage) goes to
 * the site of stack 0. Return: 0 or -ENOMEM.
 */
int kvmmem_trace_sites_build(struct kvmmem_trace_sites *s,
			     const struct kvmmem_trace_file *tf,
			     const char *const *keys);

/** kvmmem_trace_sites_find() - mapping @id's reference, or NULL */
const struct kvmmem_trace_site_ref *
kvmmem_trace_sites_find(const struct kvmmem_trace_sites *s, uint64_t id);

/** kvmmem_trace_stack_why_name() - "leaked", "teardown", "live" */
const char *kvmmem_trace_stack_why_name(uint32_t why);

void kvmmem_trace_sites_free(struct kvmmem_trace_sites *s);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TRACE_STACKS_H */
