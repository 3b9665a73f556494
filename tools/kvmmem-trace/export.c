// SPDX-License-Identifier: GPL-2.0
/*
 * export.c - kvmmem-trace export --perfetto: a recording as a Chrome JSON
 * trace (the "Trace Event Format"), which ui.perfetto.dev and
 * chrome://tracing open:
 *   - each mapping an async slice on its owner's process track, from map
 *     to unmap, teardown or leak (or the end of the recording);
 *   - MAP/UNMAP ioctls, hypercalls and teardowns as slices on their
 *     thread, hypercalls nested in the ioctl that made them;
 *   - a counter track "live mappings";
 *   - instant events for leaked pages and exits of processes with mappings.
 * Times are microseconds since the recording started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kvmmem-trace.h"
#include "options.h"

/* The process that holds the counter track. */
#define COUNTER_PID	0

static struct {
	const char *file;
	const char *output;
	bool perfetto;
} exp_args;

static const char export_doc[] =
"Convert a recording for a trace viewer. --perfetto writes the Chrome JSON "
"trace format, which ui.perfetto.dev opens: each mapping is an async slice "
"on its process's track (map to unmap, teardown or leak), ioctls, "
"hypercalls and teardowns are slices on their threads, a counter track "
"shows the live mappings, and leaked pages and owner exits are instant "
"events.\n"
"\v"
"EXAMPLES:\n"
"    kvmmem-trace export --perfetto k.ktr -o k.json\n"
"    python3 -m json.tool k.json > /dev/null && echo valid\n";

static const struct argp_option export_options[] = {
	{ "perfetto", OPT_PERFETTO, NULL, 0, "Chrome JSON trace for "
	  "ui.perfetto.dev (the only format so far; required)", 0 },
	{ "output", 'o', "OUT", 0, "Write to OUT (required)", 0 },
	{},
};

static error_t export_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_PERFETTO:
		exp_args.perfetto = true;
		break;
	case 'o':
		exp_args.output = arg;
		break;
	case ARGP_KEY_ARG:
		if (exp_args.file)
			argp_error(state, "one FILE only ('%s' is extra)", arg);
		exp_args.file = arg;
		break;
	case ARGP_KEY_END:
		if (!exp_args.perfetto)
			argp_error(state, "say which format: --perfetto");
		if (!exp_args.file || !exp_args.output)
			argp_error(state, "FILE and -o OUT are required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct exporter {
	FILE *f;
	uint64_t t0;
	bool first;
};

static double us(const struct exporter *x, uint64_t ts)
{
	return ts >= x->t0 ? (double)(ts - x->t0) / 1000.0 : 0.0;
}

static void sep(struct exporter *x)
{
	fputs(x->first ? "\n" : ",\n", x->f);
	x->first = false;
}

static const char *hc_name(uint32_t nr)
{
	return nr == 32 ? "MEM_MAP" : nr == 33 ? "MEM_UNMAP" : "hypercall";
}

/* A complete slice ("X") that ends at @e, @lat ns long. */
static void slice(struct exporter *x, const struct kt_event *e, int64_t lat,
		  const char *cat, const char *name)
{
	char rbuf[32];

	sep(x);
	fprintf(x->f, "{\"ph\":\"X\",\"cat\":\"%s\",\"name\":\"%s\",\"pid\":%"
		PRIu32 ",\"tid\":%" PRIu32 ",\"ts\":%.3f,\"dur\":%.3f,\"args\":{",
		cat, name, e->pid, e->tid, us(x, e->ts - (uint64_t)lat),
		(double)lat / 1000.0);
	switch (e->kind) {
	case KT_TEARDOWN_END:
		fprintf(x->f, "\"file\":%llu,\"live\":%llu,\"unmapped\":%llu"
			",\"leaked\":%llu", e->id, e->a0, e->a1, e->a2);
		break;
	case KT_HOST_HC_EXIT:
		fprintf(x->f, "\"a0\":\"0x%llx\",\"result\":\"%s\"", e->a0,
			kvmmem_trace_result_name(e->kind, e->ret, rbuf));
		break;
	default:
		fprintf(x->f, "\"id\":%llu,\"a0\":\"0x%llx\",\"a1\":\"0x%llx"
			"\",\"result\":\"%s\"", e->id, e->a0, e->a1,
			kvmmem_trace_result_name(e->kind, e->ret, rbuf));
	}
	fputs("}}", x->f);
}

static void instant(struct exporter *x, const struct kt_event *e, uint32_t pid,
		    const char *name)
{
	char rbuf[32];

	sep(x);
	fprintf(x->f, "{\"ph\":\"i\",\"s\":\"p\",\"cat\":\"kvmmem\",\"name\":\"%s\","
		"\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"ts\":%.3f,\"args\":{"
		"\"id\":%llu,\"gva\":\"0x%llx\",\"gpa\":\"0x%llx"
		"\",\"result\":\"%s\"}}", name, pid, e->kind == KT_PROC_EXIT ?
		pid : e->tid, us(x, e->ts), e->id, e->a0, e->a1,
		kvmmem_trace_result_name(e->kind, e->ret, rbuf));
}

static void counter(struct exporter *x, uint64_t ts, uint64_t live)
{
	sep(x);
	fprintf(x->f, "{\"ph\":\"C\",\"name\":\"live mappings\",\"pid\":%d,"
		"\"ts\":%.3f,\"args\":{\"live\":%" PRIu64 "}}", COUNTER_PID,
		us(x, ts), live);
}

static void event(struct exporter *x, const struct kt_event *e, int64_t lat)
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

static void mapping(struct exporter *x, const struct kvmmem_trace_analysis *a,
		    const struct kvmmem_trace_mapping *m)
{
	uint64_t begin = m->map_ts ? m->map_ts : x->t0;
	uint64_t end = m->end_ts ? m->end_ts : a->end_ts;

	sep(x);
	fprintf(x->f, "{\"ph\":\"b\",\"cat\":\"mapping\",\"name\":\"gpa 0x%" PRIx64
		"\",\"id\":\"0x%" PRIx64 "\",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32
		",\"ts\":%.3f,\"args\":{\"id\":%" PRIu64 ",\"gva\":\"0x%" PRIx64
		"\",\"gpa\":\"0x%" PRIx64 "\",\"pa\":\"0x%" PRIx64 "\",\"end\":\"%s\"%s}}",
		m->gpa, m->id, m->owner, m->owner, us(x, begin), m->id, m->gva,
		m->gpa, m->pa, end_name(m->state),
		m->orphaned ? ",\"orphaned\":true" : "");
	sep(x);
	fprintf(x->f, "{\"ph\":\"e\",\"cat\":\"mapping\",\"name\":\"gpa 0x%" PRIx64
		"\",\"id\":\"0x%" PRIx64 "\",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32
		",\"ts\":%.3f}", m->gpa, m->id, m->owner, m->owner, us(x, end));
}

static void metadata(struct exporter *x, const struct kvmmem_trace_analysis *a)
{
	size_t i;

	sep(x);
	fprintf(x->f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,"
		"\"args\":{\"name\":\"kvmmem\"}}", COUNTER_PID);
	for (i = 0; i < a->nr_procs; i++) {
		const struct kvmmem_trace_proc *p = &a->procs[i];

		sep(x);
		fprintf(x->f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%"
			PRIu32 ",\"args\":{\"name\":", p->pid);
		kvmmem_json_string(x->f, p->comm[0] ? p->comm : "?", KT_COMM_LEN);
		fputs("}}", x->f);
	}
}

int cmd_export(int argc, char **argv)
{
	const struct argp argp = {
		.options = export_options, .parser = export_parse,
		.args_doc = "FILE", .doc = export_doc,
	};
	struct exporter x = { .first = true };
	struct kvmmem_trace_analysis a;
	struct kvmmem_trace_file tf;
	uint64_t live = 0;
	int64_t lat;
	size_t i;
	int err, ret = EXIT_FAIL;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	err = load_recording(exp_args.file, &tf);
	kvmmem_trace_analysis_init(&a);
	if (err < 0)
		goto cleanup;
	x.f = fopen(exp_args.output, "w");
	if (!x.f) {
		warn("cannot create %s: %s", exp_args.output, strerror(errno));
		goto cleanup;
	}
	x.t0 = tf.info.start_mono_ns;
	if (tf.nr_events && tf.events[0].ts < x.t0)
		x.t0 = tf.events[0].ts;

	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", x.f);
	counter(&x, x.t0, 0);
	for (i = 0; i < tf.nr_events; i++) {
		if (kvmmem_trace_analysis_add(&a, &tf.events[i], &lat)) {
			warn("out of memory");
			fclose(x.f);
			goto cleanup;
		}
		event(&x, &tf.events[i], lat);
		if (a.live != live) {
			live = a.live;
			counter(&x, tf.events[i].ts, live);
		}
	}
	kvmmem_trace_analysis_finish(&a, tf.end_ts);
	for (i = 0; i < a.nr_maps; i++)
		mapping(&x, &a, &a.maps[i]);
	metadata(&x, &a);
	fputs("\n],\"otherData\":{\"source\":", x.f);
	kvmmem_json_string(x.f, exp_args.file, strlen(exp_args.file));
	fprintf(x.f, ",\"kernel\":");
	kvmmem_json_string(x.f, tf.info.kernel, sizeof(tf.info.kernel));
	fprintf(x.f, ",\"complete\":\"%s\"}}\n", tf.complete ? "yes" : "no");
	if (fclose(x.f)) {
		warn("%s: %s", exp_args.output, strerror(errno));
		goto cleanup;
	}
	ret = load_status(err);
cleanup:
	kvmmem_trace_analysis_free(&a);
	kvmmem_trace_file_free(&tf);
	return ret;
}
