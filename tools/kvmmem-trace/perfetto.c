// SPDX-License-Identifier: GPL-2.0
/*
 * perfetto.c - recordings as a Chrome JSON trace (the "Trace Event
 * Format"), which ui.perfetto.dev and chrome://tracing open. Used by
 * export (one recording) and merge (a guest and a host recording on one
 * timeline, with flows between them):
 *   - each mapping an async slice on its owner's process track, from map
 *     to unmap, teardown or leak (or the end of the recording);
 *   - MAP/UNMAP ioctls, hypercalls and teardowns as slices on their
 *     thread, hypercalls nested in the ioctl that made them;
 *   - a counter track "live mappings";
 *   - instant events for leaked pages and exits of processes with mappings.
 * Times are microseconds since the output's time 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/json.h"
#include "kvmmem-trace.h"

/* A recording's pid that holds its counter track. */
#define COUNTER_PID	0

/* Output microseconds of @ts, a timestamp of the current recording. */
static double us(const struct perfetto *x, uint64_t ts)
{
	int64_t shift = x->shift_at ? x->shift_at(x->shift_ctx, ts) : x->shift;
	int64_t t = (int64_t)(ts - x->t0) - shift;

	return t > 0 ? (double)t / 1000.0 : 0.0;
}

/* Open an event object: its phase, and pid (with the recording's base). */
static void begin_event(struct perfetto *x, const char *ph, uint32_t pid)
{
	kvmmem_json_object(&x->j, NULL);
	kvmmem_json_string(&x->j, "ph", ph);
	kvmmem_json_u64(&x->j, "pid", x->pid_base + pid);
}

/* A complete slice ("X") that ends at @e, @lat ns long. */
static void slice(struct perfetto *x, const struct kt_event *e, int64_t lat,
		  const char *cat, const char *name)
{
	begin_event(x, "X", e->pid);
	kvmmem_json_string(&x->j, "cat", cat);
	kvmmem_json_string(&x->j, "name", name);
	kvmmem_json_u64(&x->j, "tid", x->pid_base + e->tid);
	kvmmem_json_double(&x->j, "ts", 3, us(x, e->ts - (uint64_t)lat));
	kvmmem_json_double(&x->j, "dur", 3, (double)lat / 1000.0);
	kvmmem_json_object(&x->j, "args");
	kvmmem_trace_json_args(&x->j, e, true);
	kvmmem_json_end(&x->j);
	kvmmem_json_end(&x->j);
}

/*
 * An instant event on @pid's track (the owner's, for a mapping's kinds);
 * with @stack (record --stacks), its frames, and @site its call site.
 */
static void instant_stack(struct perfetto *x, const struct kt_event *e,
			  uint32_t pid, const char *cat, const char *name,
			  const struct cs_stack *stack, uint32_t site)
{
	size_t i;

	begin_event(x, "i", pid);
	kvmmem_json_string(&x->j, "s", "p");
	kvmmem_json_string(&x->j, "cat", cat);
	kvmmem_json_string(&x->j, "name", name);
	kvmmem_json_u64(&x->j, "tid", x->pid_base +
			(e->kind == KT_PROC_EXIT ? pid : e->tid));
	kvmmem_json_double(&x->j, "ts", 3, us(x, e->ts));
	kvmmem_json_object(&x->j, "args");
	kvmmem_trace_json_args(&x->j, e, true);
	if (site)
		kvmmem_json_u64(&x->j, "call_site", site);
	if (stack) {
		char buf[600];

		kvmmem_json_array(&x->j, "stack");
		for (i = 0; i < (size_t)stack->nr_user + stack->nr_kernel; i++) {
			snprintf(buf, sizeof(buf), "%s%s", i < stack->nr_user ?
				 "" : "[k] ", stack->frames[i].text);
			kvmmem_json_string(&x->j, NULL, buf);
		}
		kvmmem_json_end(&x->j);
	}
	kvmmem_json_end(&x->j);
	kvmmem_json_end(&x->j);
}

/* An instant event on @pid's track (the owner's, for a mapping's kinds). */
static void instant(struct perfetto *x, const struct kt_event *e, uint32_t pid,
		    const char *cat, const char *name)
{
	instant_stack(x, e, pid, cat, name, NULL, 0);
}

static void counter(struct perfetto *x, uint64_t ts, uint64_t live)
{
	begin_event(x, "C", COUNTER_PID);
	kvmmem_json_string(&x->j, "name", "live mappings");
	kvmmem_json_double(&x->j, "ts", 3, us(x, ts));
	kvmmem_json_object(&x->j, "args");
	kvmmem_json_u64(&x->j, "live", live);
	kvmmem_json_end(&x->j);
	kvmmem_json_end(&x->j);
}

static int defer_leak(struct perfetto *x, const struct kt_event *e)
{
	if (kvmmem_grow(&x->leaks, &x->cap_leaks, x->nr_leaks + 1, sizeof(*e)))
		return -ENOMEM;	/* written now, without its stack */
	x->leaks[x->nr_leaks++] = *e;
	return 0;
}

/* The leaks held back, each with its mapping's stack if it has one. */
static void write_leaks(struct perfetto *x, const struct kvmmem_trace_file *tf)
{
	const struct kvmmem_trace_kind *k = kvmmem_trace_kind(KT_PAGE_LEAKED);
	const struct kvmmem_trace_site_ref *r;
	struct callsites cs = { 0 };
	bool stacks;
	size_t i;

	stacks = tf->nr_refs && !callsites_build(&cs, tf);
	for (i = 0; i < x->nr_leaks; i++) {
		const struct kt_event *e = &x->leaks[i];

		r = stacks ? kvmmem_trace_sites_find(&cs.sites, e->id) : NULL;
		instant_stack(x, e, e->tgid, k->pf_cat, k->pf_name,
			      r ? callsites_stack(&cs, tf, r->stack) : NULL,
			      r ? r->site + 1 : 0);
	}
	callsites_free(&cs);
	free(x->leaks);
	x->leaks = NULL;
	x->nr_leaks = x->cap_leaks = 0;
}

/* What @e draws: its kind's Perfetto role (bpf/kvmmem_kinds.h). */
static void event(struct perfetto *x, const struct kt_event *e, int64_t lat)
{
	const struct kvmmem_trace_kind *k = kvmmem_trace_kind(e->kind);
	char name[64];

	if (!k)
		return;
	switch (k->pf_role) {
	case KT_PF_SLICE:
		if (lat >= 0)
			slice(x, e, lat, k->pf_cat, k->pf_name);
		break;
	case KT_PF_HC_SLICE:
		snprintf(name, sizeof(name), "%s%s", k->pf_name,
			 kvmmem_hypercall_name(e->tgid));
		if (lat >= 0)
			slice(x, e, lat, k->pf_cat, name);
		break;
	case KT_PF_INSTANT:
		/* a leak: at the end, when its stack is known */
		if (e->kind == KT_PAGE_LEAKED && !defer_leak(x, e))
			break;
		/* on the track of the process the event is about */
		instant(x, e, e->tgid, k->pf_cat, k->pf_name);
		break;
	case KT_PF_OPENS:
	case KT_PF_NONE:
		break;
	}
}

static const char *end_name(enum kvmmem_trace_mapping_state s)
{
	switch (s) {
	case KT_MAPPING_UNMAPPED:
		return "unmapped";
	case KT_MAPPING_TORN_DOWN:
		return "torn down";
	case KT_MAPPING_LEAKED:
		return "leaked";
	default:
		return "live at end";
	}
}

static void mapping(struct perfetto *x, const struct kvmmem_trace_analysis *a,
		    const struct kvmmem_trace_mapping *m, uint64_t start)
{
	uint64_t begin = m->map_ts ? m->map_ts : start;
	uint64_t end = m->end_ts ? m->end_ts : a->end_ts;
	char name[32];
	unsigned int i;

	snprintf(name, sizeof(name), "gpa 0x%" PRIx64, m->gpa);
	for (i = 0; i < 2; i++) {
		begin_event(x, i ? "e" : "b", m->owner);
		kvmmem_json_string(&x->j, "cat", "mapping");
		kvmmem_json_string(&x->j, "name", name);
		kvmmem_json_hex(&x->j, "id", m->id);
		kvmmem_json_u64(&x->j, "tid", x->pid_base + m->owner);
		kvmmem_json_double(&x->j, "ts", 3, us(x, i ? end : begin));
		if (!i) {
			kvmmem_json_object(&x->j, "args");
			kvmmem_json_u64(&x->j, "id", m->id);
			kvmmem_json_hex(&x->j, "gva", m->gva);
			kvmmem_json_hex(&x->j, "gpa", m->gpa);
			kvmmem_json_hex(&x->j, "pa", m->pa);
			kvmmem_json_string(&x->j, "end", end_name(m->state));
			if (m->orphaned)
				kvmmem_json_bool(&x->j, "orphaned", true);
			kvmmem_json_end(&x->j);
		}
		kvmmem_json_end(&x->j);
	}
}

static void process_name(struct perfetto *x, uint32_t pid, const char *name,
			 size_t len)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "%s%.*s", x->label, (int)strnlen(name, len),
		 name);
	begin_event(x, "M", pid);
	kvmmem_json_string(&x->j, "name", "process_name");
	kvmmem_json_object(&x->j, "args");
	kvmmem_json_string(&x->j, "name", buf);
	kvmmem_json_end(&x->j);
	kvmmem_json_end(&x->j);
}

static void metadata(struct perfetto *x, const struct kvmmem_trace_analysis *a)
{
	size_t i;

	process_name(x, COUNTER_PID, "kvmmem", sizeof("kvmmem"));
	for (i = 0; i < a->nr_procs; i++) {
		const struct kvmmem_trace_proc *p = &a->procs[i];
		const struct kvmmem_trace_vm *vm = NULL;
		char name[KVMMEM_TRACE_NAME_LEN + 4];

		/* a VMM of a host recording: its VM's name */
		if (a->kinds[KT_KVM_HC_EXIT])
			vm = kvmmem_trace_analysis_get_vm(a, p->pid);
		if (vm) {
			snprintf(name, sizeof(name), "VM %s", vm->name);
			process_name(x, p->pid, name, sizeof(name));
		} else {
			process_name(x, p->pid, p->comm[0] ? p->comm : "?",
				     KT_COMM_LEN);
		}
	}
}

void perfetto_begin(struct perfetto *x, FILE *f, uint64_t t0)
{
	memset(x, 0, sizeof(*x));
	kvmmem_json_init(&x->j, f);
	x->t0 = t0;
	x->label = "";
	kvmmem_json_object(&x->j, NULL);
	kvmmem_json_string(&x->j, "displayTimeUnit", "ns");
	kvmmem_json_array(&x->j, "traceEvents");
}

void perfetto_stream_start(struct perfetto *x, uint64_t start)
{
	x->start = start;
	x->live = 0;
	counter(x, start, 0);
}

int perfetto_stream_events(struct perfetto *x, struct kvmmem_trace_analysis *a,
			   const struct kt_event *ev, size_t n)
{
	int64_t lat;
	size_t i;

	for (i = 0; i < n; i++) {
		if (kvmmem_trace_analysis_add(a, &ev[i], &lat))
			return -ENOMEM;
		event(x, &ev[i], lat);
		if (a->live != x->live) {
			x->live = a->live;
			counter(x, ev[i].ts, x->live);
		}
	}
	return 0;
}

void perfetto_stream_finish(struct perfetto *x, const struct kvmmem_trace_file *tf,
			    struct kvmmem_trace_analysis *a)
{
	size_t i;

	kvmmem_trace_analysis_finish(a, tf->end_ts);
	kvmmem_trace_analysis_name_vms(a, tf->names, tf->nr_names);
	for (i = 0; i < a->nr_maps; i++)
		mapping(x, a, &a->maps[i], x->start);
	write_leaks(x, tf);
	metadata(x, a);
}

void perfetto_flow(struct perfetto *x, bool start, uint64_t id,
		   const char *name, uint32_t pid, uint32_t tid, uint64_t ts)
{
	begin_event(x, start ? "s" : "f", pid);
	if (!start)
		kvmmem_json_string(&x->j, "bp", "e");
	kvmmem_json_string(&x->j, "cat", "flow");
	kvmmem_json_string(&x->j, "name", name);
	kvmmem_json_u64(&x->j, "id", id);
	kvmmem_json_u64(&x->j, "tid", x->pid_base + tid);
	kvmmem_json_double(&x->j, "ts", 3, us(x, ts));
	kvmmem_json_end(&x->j);
}

void perfetto_other_data(struct perfetto *x)
{
	kvmmem_json_end(&x->j);
	kvmmem_json_object(&x->j, "otherData");
}

void perfetto_end(struct perfetto *x)
{
	kvmmem_json_end(&x->j);
	kvmmem_json_end(&x->j);
	fputc('\n', x->j.f);
}
