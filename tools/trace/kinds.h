/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kinds.h - the event kinds of kvmmem-trace recordings, as the tools see
 * bpf/kvmmem_kinds.h's KT_KINDS() table: names, schemas, shapes, groups,
 * tracepoints, Perfetto roles, and how results read (kinds.c).
 * Conventions as in util.h: 0 or a negative errno, never print.
 */
#ifndef KVMMEM_TRACE_KINDS_H
#define KVMMEM_TRACE_KINDS_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmmem_trace.h"	/* bpf/: struct kt_event, enum kt_kind */

#ifdef __cplusplus
extern "C" {
#endif

/* KT_SHAPE_MAPPING, ...: which event fields mean what (kvmmem_kinds.h) */
#define KT_SHAPE_ENUM(shape)	KT_SHAPE_##shape,
enum kvmmem_trace_shape {
	KT_SHAPES(KT_SHAPE_ENUM)
	KT_NR_SHAPES,
};
#undef KT_SHAPE_ENUM

/* What a kind draws in a Perfetto export (kvmmem_kinds.h). */
enum kvmmem_trace_perfetto_role {
	KT_PF_NONE,	/* nothing of its own */
	KT_PF_OPENS,	/* the start of a slice its end kind draws */
	KT_PF_SLICE,	/* a slice, from its start kind to this event */
	KT_PF_HC_SLICE,	/* the same, named prefix + the hypercall's name */
	KT_PF_INSTANT,	/* an instant event */
};

/* One row of KT_KINDS(). */
struct kvmmem_trace_kind {
	const char *name;		/* "map_start" */
	const char *schema;		/* the header's schema line */
	const char *group;		/* its --events group: "map" */
	enum kvmmem_trace_shape shape;
	const char *tp;			/* tracepoint: "kvmmem_map_start" */
	const char *module;		/* its module; NULL: the kernel's */
	bool host;			/* a KVM host's kind (kvmmem_host.bpf.c) */
	enum kvmmem_trace_perfetto_role pf_role;
	const char *pf_cat;		/* Perfetto category: "ioctl" */
	const char *pf_name;		/* slice name (HC_SLICE: its prefix) */
};

/**
 * kvmmem_trace_kind() - the table row of @kind
 *
 * Return: the row, or NULL if @kind is not a known kind.
 */
const struct kvmmem_trace_kind *kvmmem_trace_kind(unsigned int kind);

/**
 * kvmmem_trace_kind_is_hypercall() - does @kind carry a hypercall
 * (shapes HC, HOST_HC, KVM_HC: tgid is the nr, ret a KVM answer)?
 */
bool kvmmem_trace_kind_is_hypercall(unsigned int kind);

/**
 * kvmmem_trace_kind_name() - short name of an event kind ("map_start")
 *
 * Return: a static string, or NULL if @kind is not a known kind.
 */
const char *kvmmem_trace_kind_name(unsigned int kind);

/**
 * kvmmem_trace_kind_schema() - the schema line of a kind in file headers
 *
 * "kvmmem:kvmmem_map_start id tgid=owner a0=gva a1=gpa a2=pa ret=errno":
 * the tracepoint, then which event field holds which tracepoint
 * argument. The reader refuses a file whose schema differs.
 *
 * Return: a static string, or NULL if @kind is not a known kind.
 */
const char *kvmmem_trace_kind_schema(unsigned int kind);

/**
 * kvmmem_trace_parse_kinds() - parse a comma-separated list of kind groups
 * @s:     e.g. "map,unmap,hypercall": the groups of KT_KINDS() (map:
 *         map_start, map_end; unmap; teardown: teardown_start/end,
 *         teardown_unmap; leak: page_leaked; hypercall: enter, exit;
 *         host: the hostsim hypercall events; token; exit: process
 *         exits; kvm: stock KVM's side of the hypercalls, host
 *         recordings), all, default; or any single kind name
 * @mask:  receives the KT_KIND_BIT()s
 *
 * Return: 0, or -EINVAL naming nothing known (an empty list included).
 */
int kvmmem_trace_parse_kinds(const char *s, uint32_t *mask);

/* Default kinds: everything the guest driver emits, plus process exits. */
#define KVMMEM_TRACE_DEFAULT_KINDS					\
	(KT_ALL_KINDS & ~(KT_KIND_BIT(KT_HOST_HC_ENTER) |		\
			  KT_KIND_BIT(KT_HOST_HC_EXIT) |			\
			  KT_KIND_BIT(KT_HOST_TOKEN) | KT_KVM_KINDS))

/* Default kinds of a host recording (--host): kvm, and VMM exits. */
#define KVMMEM_TRACE_HOST_KINDS	(KT_KVM_KINDS | KT_KIND_BIT(KT_PROC_EXIT))

/**
 * kvmmem_trace_result_name() - name of an event's result for reports
 * @kind: the event kind (hypercall kinds carry raw KVM codes, the
 *        others errno values)
 * @ret:  0 or negative
 * @buf:  scratch space for names that are not static
 *
 * Return: "ok", an errno name ("EFAULT"), a KVM code name ("KVM_ENOSYS",
 * "KVM_EFAULT"), "unknown" (KT_RET_UNKNOWN of a hypercall kind) or the
 * number as text.
 */
const char *kvmmem_trace_result_name(unsigned int kind, int64_t ret,
				     char buf[32]);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TRACE_KINDS_H */
