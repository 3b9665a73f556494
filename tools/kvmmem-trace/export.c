// SPDX-License-Identifier: GPL-2.0
/*
 * export.c - kvmmem-trace export --perfetto: a recording as a Chrome JSON
 * trace, written by perfetto.c (which says what is in it). Times are
 * microseconds since the recording started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

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
	struct kvmmem_trace_analysis a;
	struct kvmmem_trace_file tf;
	struct perfetto x;
	uint64_t t0;
	FILE *f;
	int err, ret = EXIT_FAIL;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	err = load_recording(exp_args.file, &tf);
	kvmmem_trace_analysis_init(&a);
	if (err < 0)
		goto cleanup;
	if (filter_loaded(&tf, exp_args.file)) {
		ret = EXIT_USAGE;
		goto cleanup;
	}
	f = fopen(exp_args.output, "w");
	if (!f) {
		kvmmem_warn("cannot create %s: %s", exp_args.output, strerror(errno));
		goto cleanup;
	}
	t0 = tf.info.start_mono_ns;
	if (tf.nr_events && tf.events[0].ts < t0)
		t0 = tf.events[0].ts;
	perfetto_begin(&x, f, t0);
	if (perfetto_recording(&x, &tf, &a)) {
		kvmmem_warn("out of memory");
		fclose(f);
		goto cleanup;
	}
	perfetto_other_data(&x);
	kvmmem_json_string(&x.j, "source", exp_args.file);
	kvmmem_json_stringn(&x.j, "kernel", tf.info.kernel, sizeof(tf.info.kernel));
	kvmmem_json_string(&x.j, "complete", tf.complete ? "yes" : "no");
	perfetto_end(&x);
	if (fclose(f)) {
		kvmmem_warn("%s: %s", exp_args.output, strerror(errno));
		goto cleanup;
	}
	ret = load_status(err);
cleanup:
	kvmmem_trace_analysis_free(&a);
	kvmmem_trace_file_free(&tf);
	return ret;
}
