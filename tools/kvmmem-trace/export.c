// SPDX-License-Identifier: GPL-2.0
/*
 * export.c - kvmmem-trace export --perfetto: a recording as a Chrome JSON
 * trace, written by perfetto.c (which says what is in it). Times are
 * microseconds since the recording started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json.h"
#include "kvmmem-trace.h"
#include "options.h"

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

/* The streamed export: the output is begun at the first event. */
struct export_stream {
	struct perfetto x;
	struct kvmmem_trace_analysis a;
	const struct kvmmem_trace_file *tf;
	FILE *f;
	bool started;
};

static void export_start(struct export_stream *es, uint64_t first)
{
	uint64_t start = es->tf->info.start_mono_ns;

	if (first < start)
		start = first;
	perfetto_begin(&es->x, es->f, start);
	perfetto_stream_start(&es->x, start);
	es->started = true;
}

static int export_events(void *ctx, const struct kt_event *ev, size_t n)
{
	struct export_stream *es = ctx;

	if (!es->started)
		export_start(es, ev[0].ts);
	return perfetto_stream_events(&es->x, &es->a, ev, n);
}

/*
 * Where the trace is written while the recording is read: a temporary
 * file beside @out, renamed over it once the read is done, so that a
 * recording that turns out unreadable leaves no half trace. An @out that
 * exists and is not a regular file (/dev/stdout, a FIFO) is written to
 * directly. Return the stream, with *@tmp the name to rename (or NULL).
 */
static FILE *open_output(const char *out, char **tmp)
{
	struct stat st;

	*tmp = NULL;
	if (!stat(out, &st) && !S_ISREG(st.st_mode))
		return fopen(out, "w");
	return kvmmem_tmpfile_beside(out, 0644, tmp);
}

int cmd_export(int argc, char **argv)
{
	const struct argp_child children[] = {
		{ &filter_argp, 0, "Which events:", 2 },
		{},
	};
	const struct argp argp = {
		.options = export_options, .parser = export_parse,
		.args_doc = "FILE", .doc = export_doc, .children = children,
	};
	struct kvmmem_trace_file tf;
	struct export_stream es = { .tf = &tf };
	struct filtered fl = { .tf = &tf, .next = export_events, .next_ctx = &es };
	char *tmp = NULL;
	int err, werr, ret = EXIT_FAIL;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	kvmmem_trace_analysis_init(&es.a);
	es.f = open_output(exp_args.output, &tmp);
	if (!es.f) {
		kvmmem_warn("cannot create %s: %s", exp_args.output, strerror(errno));
		memset(&tf, 0, sizeof(tf));
		goto cleanup;
	}
	err = stream_recording(exp_args.file, filter_events, &fl, &tf);
	if (filter_done(&fl, exp_args.file)) {
		ret = EXIT_USAGE;
		goto cleanup;
	}
	if (err == -ENOMEM)
		kvmmem_warn("out of memory");
	if (err < 0)
		goto cleanup;
	if (!es.started)
		export_start(&es, tf.info.start_mono_ns);
	perfetto_stream_finish(&es.x, &tf, &es.a);
	perfetto_other_data(&es.x);
	kvmmem_json_string(&es.x.j, "source", exp_args.file);
	kvmmem_json_stringn(&es.x.j, "kernel", tf.info.kernel, sizeof(tf.info.kernel));
	kvmmem_json_string(&es.x.j, "complete", tf.complete ? "yes" : "no");
	perfetto_end(&es.x);
	werr = fclose(es.f) ? errno : 0;
	es.f = NULL;
	if (!werr && tmp && rename(tmp, exp_args.output))
		werr = errno;
	if (werr) {
		kvmmem_warn("%s: %s", exp_args.output, strerror(werr));
		goto cleanup;
	}
	free(tmp);
	tmp = NULL;
	ret = load_status(err);
cleanup:
	if (es.f)
		fclose(es.f);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	kvmmem_trace_analysis_free(&es.a);
	kvmmem_trace_file_free(&tf);
	return ret;
}
