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
#include <string.h>

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

static void sep(struct perfetto *x)
{
	fputs(x->first ? "\n" : ",\n", x->f);
	x->first = false;
}

/* A complete slice ("X") that ends at @e, @lat ns long. */
static void slice(struct perfetto *x, const struct kt_event *e, int64_t lat,
		  const char *cat, const char *name)
{
	char rbuf[32];

	sep(x);
	fprintf(x->f, "{\"ph\":\"X\",\"cat\":\"%s\",\"name\":\"%s\",\"pid\":%"
		PRIu32 ",\"tid\":%" PRIu32 ",\"ts\":%.3f,\"dur\":%.3f,\"args\":{",
		cat, name, x->pid_base + e->pid, x->pid_base + e->tid,
		us(x, e->ts - (uint64_t)lat), (double)lat / 1000.0);
	switch (e->kind) {
	case KT_TEARDOWN_END:
		fprintf(x->f, "\"file\":%llu,\"live\":%llu,\"unmapped\":%llu"
			",\"leaked\":%llu", e->id, e->a0, e->a1, e->a2);
		break;
	case KT_HOST_HC_EXIT:
		fprintf(x->f, "\"a0\":\"0x%llx\",\"result\":\"%s\"", e->a0,
			kvmmem_trace_result_name(e->kind, e->ret, rbuf));
		break;
	case KT_KVM_HC_EXIT:
		fprintf(x->f, "\"vcpu\":%llu,\"a0\":\"0x%llx\",\"a1\":\"0x%llx\","
			"\"a2\":\"0x%llx\",\"result\":\"%s\"", e->id, e->a0, e->a1,
			e->a2, kvmmem_trace_result_name(e->kind, e->ret, rbuf));
		break;
	default:
		fprintf(x->f, "\"id\":%llu,\"a0\":\"0x%llx\",\"a1\":\"0x%llx"
			"\",\"result\":\"%s\"", e->id, e->a0, e->a1,
			kvmmem_trace_result_name(e->kind, e->ret, rbuf));
	}
	fputs("}}", x->f);
}

static void instant(struct perfetto *x, const struct kt_event *e, uint32_t pid,
		    const char *name)
{
	char rbuf[32];

	sep(x);
	fprintf(x->f, "{\"ph\":\"i\",\"s\":\"p\",\"cat\":\"kvmmem\",\"name\":\"%s\","
		"\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"ts\":%.3f,\"args\":{"
		"\"id\":%llu,\"gva\":\"0x%llx\",\"gpa\":\"0x%llx"
		"\",\"result\":\"%s\"}}", name, x->pid_base + pid,
		x->pid_base + (e->kind == KT_PROC_EXIT ? pid : e->tid),
		us(x, e->ts), e->id, e->a0, e->a1,
		kvmmem_trace_result_name(e->kind, e->ret, rbuf));
}

static void counter(struct perfetto *x, uint64_t ts, uint64_t live)
{
	sep(x);
	fprintf(x->f, "{\"ph\":\"C\",\"name\":\"live mappings\",\"pid\":%" PRIu32
		",\"ts\":%.3f,\"args\":{\"live\":%" PRIu64 "}}",
		x->pid_base + COUNTER_PID, us(x, ts), live);
}

static void event(struct perfetto *x, const struct kt_event *e, int64_t lat)
{
	switch (e->kind) {
	case KT_MAP_END:
		if (lat >= 0)
			slice(x, e, lat, "ioctl", "MAP");
		break;
	case KT_UNMAP_END:
		if (lat >= 0)
			slice(x, e, lat, "ioctl", "UNMAP");
		break;
	case KT_TEARDOWN_END:
		if (lat >= 0)
			slice(x, e, lat, "teardown", "teardown");
		break;
	case KT_HC_EXIT:
		if (lat >= 0)
			slice(x, e, lat, "hypercall", hc_name(e->tgid));
		break;
	case KT_HOST_HC_EXIT:
	case KT_KVM_HC_EXIT:
		if (lat >= 0)
			slice(x, e, lat, "host", e->tgid == 32 ? "host MEM_MAP" :
			      "host MEM_UNMAP");
		break;
	case KT_PAGE_LEAKED:
		instant(x, e, e->tgid, "page leaked");
		break;
	case KT_PROC_EXIT:
		instant(x, e, e->tgid, "owner exited");
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
	uint32_t pid = x->pid_base + m->owner;

	sep(x);
	fprintf(x->f, "{\"ph\":\"b\",\"cat\":\"mapping\",\"name\":\"gpa 0x%" PRIx64
		"\",\"id\":\"0x%" PRIx64 "\",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32
		",\"ts\":%.3f,\"args\":{\"id\":%" PRIu64 ",\"gva\":\"0x%" PRIx64
		"\",\"gpa\":\"0x%" PRIx64 "\",\"pa\":\"0x%" PRIx64 "\",\"end\":\"%s\"%s}}",
		m->gpa, m->id, pid, pid, us(x, begin), m->id, m->gva,
		m->gpa, m->pa, end_name(m->state),
		m->orphaned ? ",\"orphaned\":true" : "");
	sep(x);
	fprintf(x->f, "{\"ph\":\"e\",\"cat\":\"mapping\",\"name\":\"gpa 0x%" PRIx64
		"\",\"id\":\"0x%" PRIx64 "\",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32
		",\"ts\":%.3f}", m->gpa, m->id, pid, pid, us(x, end));
}

static void process_name(struct perfetto *x, uint32_t pid, const char *name,
			 size_t len)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "%s%.*s", x->label, (int)strnlen(name, len),
		 name);
	sep(x);
	fprintf(x->f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%"
		PRIu32 ",\"args\":{\"name\":", x->pid_base + pid);
	kvmmem_json_string(x->f, buf, sizeof(buf));
	fputs("}}", x->f);
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
	x->f = f;
	x->t0 = t0;
	x->first = true;
	x->label = "";
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", f);
}

int perfetto_recording(struct perfetto *x, const struct kvmmem_trace_file *tf,
		       struct kvmmem_trace_analysis *a)
{
	uint64_t start = tf->info.start_mono_ns, live = 0;
	int64_t lat;
	size_t i;

	if (tf->nr_events && tf->events[0].ts < start)
		start = tf->events[0].ts;
	counter(x, start, 0);
	for (i = 0; i < tf->nr_events; i++) {
		if (kvmmem_trace_analysis_add(a, &tf->events[i], &lat))
			return -ENOMEM;
		event(x, &tf->events[i], lat);
		if (a->live != live) {
			live = a->live;
			counter(x, tf->events[i].ts, live);
		}
	}
	kvmmem_trace_analysis_finish(a, tf->end_ts);
	kvmmem_trace_analysis_name_vms(a, tf->names, tf->nr_names);
	for (i = 0; i < a->nr_maps; i++)
		mapping(x, a, &a->maps[i], start);
	metadata(x, a);
	return 0;
}

void perfetto_flow(struct perfetto *x, bool start, uint64_t id,
		   const char *name, uint32_t pid, uint32_t tid, uint64_t ts)
{
	sep(x);
	fprintf(x->f, "{\"ph\":\"%s\",%s\"cat\":\"flow\",\"name\":\"%s\","
		"\"id\":%" PRIu64 ",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32
		",\"ts\":%.3f}", start ? "s" : "f", start ? "" : "\"bp\":\"e\",",
		name, id, x->pid_base + pid, x->pid_base + tid, us(x, ts));
}

void perfetto_finish(struct perfetto *x)
{
	fputs("\n],\"otherData\":{", x->f);
}
