// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem-trace - trace every kvmmem map, unmap, teardown and hypercall
 * with BPF: live, or recorded to a file for reports (latency, lifetimes,
 * leaks), dumps and a Perfetto export.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmmem-trace.h"
#include "options.h"

bool verbose;

/* ------------------------------------------------- options of sessions */

struct kvmmem_session_opts sopts = {
	.kinds = KVMMEM_TRACE_DEFAULT_KINDS,
	.buffer_bytes = 8 << 20,
	.drain_ms = 100,
	.prog = "kvmmem-trace",
};
uint64_t opt_duration_ns;
const char *session_opt_given;
static bool kinds_given;

static const struct argp_option session_options[] = {
	{ "pid", 'p', "PID", 0, "Only this process (its events, and its "
	  "mappings' teardowns)", 1 },
	{ "events", 'e', "KINDS", 0, "Event kinds, comma-separated: map, unmap, "
	  "teardown, leak, hypercall, exit, host, token, kvm, default, all "
	  "(default: all but host, token and kvm; with --host: kvm,exit)", 1 },
	{ "host", OPT_HOST, NULL, 0, "On a KVM host: the host's side of the "
	  "kvmmem hypercalls of every VM (kvm_emulate_hypercall(); needs the "
	  "kvm module, not kvmmem)", 1 },
	{ "answer-via", OPT_ANSWER_VIA, "HOW", 0, "With --host: see the calls "
	  "with fentry/fexit of kvm_emulate_hypercall() (fexit, the default), "
	  "kprobe/kretprobe (kretprobe), or KVM's tracepoints (none: the "
	  "answers recorded as unknown); if HOW cannot attach, the next one "
	  "is used", 1 },
	{ "duration", 'd', "DURATION", 0, "Stop after DURATION (seconds, or "
	  "with a unit: 500ms, 2m)", 1 },
	{ "buffer", OPT_BUFFER, "SIZE", 0, "Ring buffer size, a power of two "
	  "(k, M; default 8M)", 1 },
	{ "drain-ms", OPT_DRAIN_MS, "INTERVAL", 0, "Drain the ring buffer every "
	  "INTERVAL (milliseconds, or with a unit; default 100)", 1 },
	{ "force-raw-tp", OPT_FORCE_RAW_TP, NULL, 0, "Attach raw_tp programs "
	  "even when module BTF allows tp_btf", 1 },
	{ "every-tracepoint", OPT_EVERY_TP, NULL, 0, "A program on each "
	  "tracepoint, as generic tracers have, instead of one per operation "
	  "(whose end brings back its start and hypercalls): the same events, "
	  "at a higher cost; for checking", 1 },
	{ "verbose", 'v', NULL, 0, "libbpf's messages and the verifier's log", 1 },
	{},
};

/* "--pid" of @key in @opts. */
static const char *option_name(const struct argp_option *opts, int key)
{
	static char buf[64];

	for (; opts->name || opts->key; opts++)
		if (opts->key == key && opts->name) {
			snprintf(buf, sizeof(buf), "--%s", opts->name);
			return buf;
		}
	return "an option";
}

static error_t session_parse(int key, char *arg, struct argp_state *state)
{
	uint64_t v;
	uint32_t kinds;

	if (key > 0 && key < ARGP_KEY_END && !session_opt_given)
		session_opt_given = option_name(session_options, key);
	switch (key) {
	case 'p':
		sopts.pid = (uint32_t)kvmmem_argp_u64(state, "--pid", arg, 1, INT32_MAX);
		break;
	case 'e':
		if (kvmmem_trace_parse_kinds(arg, &kinds) || !kinds)
			argp_error(state, "--events '%s': a comma-separated list of "
				   "map, unmap, teardown, leak, hypercall, exit, "
				   "host, token, default, all", arg);
		sopts.kinds = kinds;
		kinds_given = true;
		break;
	case OPT_HOST:
		sopts.host = true;
		break;
	case OPT_ANSWER_VIA:
		if (!strcmp(arg, "fexit"))
			sopts.host_answer = KVMMEM_ANSWER_FEXIT;
		else if (!strcmp(arg, "kretprobe"))
			sopts.host_answer = KVMMEM_ANSWER_KRETPROBE;
		else if (!strcmp(arg, "none"))
			sopts.host_answer = KVMMEM_ANSWER_NONE;
		else
			argp_error(state, "--answer-via '%s': fexit, kretprobe or "
				   "none", arg);
		break;
	case ARGP_KEY_END:
		/* a host sees only kvm events and VMM exits, a guest none */
		if (sopts.host && !kinds_given)
			sopts.kinds = KVMMEM_TRACE_HOST_KINDS;
		sopts.kinds &= sopts.host ? KVMMEM_TRACE_HOST_KINDS : ~KT_KVM_KINDS;
		if (!sopts.kinds)
			argp_error(state, sopts.host ? "--host records only the "
				   "kinds kvm and exit" : "the kvm kinds need --host");
		if (sopts.host && sopts.every_tracepoint)
			argp_error(state, "--every-tracepoint is for a guest's "
				   "kvmmem tracepoints, not --host");
		break;
	case 'd':
		opt_duration_ns = kvmmem_argp_duration(state, "--duration", arg,
				1000000000ULL, 1000000ULL, UINT64_MAX / 2);
		break;
	case OPT_BUFFER:
		if (kvmmem_parse_size(arg, &v) || v < 4096 || v > (1ULL << 30) ||
		    (v & (v - 1)))
			argp_error(state, "--buffer '%s': a power of two between 4k "
				   "and 1G", arg);
		sopts.buffer_bytes = v;
		break;
	case OPT_DRAIN_MS:
		sopts.drain_ms = (unsigned int)(kvmmem_argp_duration(state,
				"--drain-ms", arg, 1000000, 1000000, 10000000000ULL) /
				1000000);
		break;
	case OPT_FORCE_RAW_TP:
		sopts.force_raw_tp = true;
		break;
	case OPT_EVERY_TP:
		sopts.every_tracepoint = true;
		break;
	case 'v':
		verbose = true;
		sopts.verbose = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp session_argp = {
	.options = session_options, .parser = session_parse,
};

/* ---------------------------------------------------------------- live */

struct live {
	bool json;
	struct kvmmem_trace_clock clock;
	bool wall;		/* -T */
	uint64_t events;
	struct kvmmem_trace_analysis a;
	int err;
};

static int live_event(void *ctx, const struct kt_event *e)
{
	struct live *l = ctx;
	int64_t lat;

	l->events++;
	if (kvmmem_trace_analysis_add(&l->a, e, &lat))
		lat = -1;
	if (l->json)
		kvmmem_trace_print_event_json(stdout, e, &l->clock, lat);
	else
		kvmmem_trace_print_event(stdout, e, &l->clock, lat);
	return 0;
}

int cmd_live(const struct kvmmem_session_opts *opts, bool json, bool wall,
	     uint64_t duration_ns)
{
	struct live l = { .json = json };
	struct kvmmem_session *s;
	uint64_t deadline = 0, drops;
	int err;

	kvmmem_trace_analysis_init(&l.a);
	err = kvmmem_session_open(opts, live_event, &l, &s);
	if (err)
		return EXIT_FAIL;
	kvmmem_catch_stop_signals();
	l.clock.t0 = kvmmem_mono_ns();
	l.clock.real0 = wall ? kvmmem_real_ns() : 0;
	if (duration_ns)
		deadline = l.clock.t0 + duration_ns;
	if (!json) {
		fprintf(stderr, "Tracing kvmmem (%s)... Hit Ctrl-C to end.\n",
			kvmmem_session_attach(s));
		kvmmem_trace_print_header(stdout, &l.clock);
	}
	while (!kvmmem_stop_signal && (!deadline || kvmmem_mono_ns() < deadline)) {
		err = kvmmem_session_poll(s);
		fflush(stdout);
		if (err && err != -EINTR) {
			kvmmem_warn("reading the ring buffer: %s", strerror(-err));
			break;
		}
	}
	kvmmem_session_finish(s);
	drops = kvmmem_session_drops(s);
	fflush(stdout);
	fprintf(stderr, "%s: %" PRIu64 " events, %" PRIu64 " dropped\n", kvmmem_prog,
		l.events, drops);
	kvmmem_session_warn_drops(s);
	kvmmem_session_close(s);
	kvmmem_trace_analysis_free(&l.a);
	return err && err != -EINTR ? EXIT_FAIL : 0;
}

/* ---------------------------------------------------------------- main */

static const char main_doc[] =
"Trace every map, unmap, teardown and hypercall of the kvmmem driver with "
"BPF.\n"
"\n"
"Without a command: print one line per event as it happens (--json: one "
"JSON object per line) until Ctrl-C or --duration. Commands:\n"
"\n"
"  record -o FILE [-- CMD...]  record to FILE (docs/trace-format.md)\n"
"  report FILE [--json]        counts, latency histograms, lifetimes, "
"processes, leaks\n"
"  dump FILE [--json]          one event per line\n"
"  export --perfetto FILE -o OUT   a trace for ui.perfetto.dev\n"
"  merge GUEST HOST [-o OUT]   pair guest hypercalls with the host's "
"handling: clock alignment, time split, one Perfetto trace\n"
"\n"
"Options before COMMAND are live mode's (and record's); every other "
"command takes its own after its name. DURATION: seconds, or with a "
"unit (500ms, 2m). The letters mean what they mean in kvmmem-top and "
"kvmmem-ctl (docs/tools.md). "
"'kvmmem-trace COMMAND --help' describes each. Live mode and record need "
"CAP_BPF and CAP_PERFMON (or root), kvmmem.ko and a kernel with BTF; "
"they use tp_btf when the modules have BTF and the process has "
"CAP_SYS_ADMIN (libbpf needs it to read module BTF), raw_tp otherwise. "
"With --host, on a KVM host (kvm module with BTF, no kvmmem; CAP_SYS_ADMIN "
"too): "
"the host's side of every VM's kvmmem hypercalls. Exit status: 0 ok, 1 "
"error, 2 bad usage, 3 the recording read was cut short (output covers "
"what survived).\n"
"\v"
"EXAMPLES:\n"
"    kvmmem-trace                       # live, every event\n"
"    kvmmem-trace -p 1234 --json        # live, one process, JSON lines\n"
"    kvmmem-trace -e map,unmap,leak     # only these kinds\n"
"    kvmmem-trace record -o k.ktr -d 10 # record 10 s\n"
"    kvmmem-trace record -o k.ktr -- kvmmem-ctl stress -P 4 -m 100\n"
"    kvmmem-trace record -f -o k.ktr -d 1.5s     # replace k.ktr\n"
"    cat k.ktr | kvmmem-trace dump -     # recordings read from pipes too\n"
"    kvmmem-trace report k.ktr\n"
"    kvmmem-trace report --json k.ktr\n"
"    kvmmem-trace dump k.ktr | head\n"
"    kvmmem-trace export --perfetto k.ktr -o k.json   # open in ui.perfetto.dev\n"
"    kvmmem-trace --host                # on a KVM host: every VM's hypercalls\n"
"    kvmmem-trace record --host -o h.ktr -d 60   # then: report h.ktr\n";

static const struct argp_option main_options[] = {
	{ "json", 'j', NULL, 0, "Live mode: JSON lines", 0 },
	{ "timestamp", 'T', NULL, 0, "Live mode: wall-clock times (HH:MM:SS.us; "
	  "JSON: real_ns too)", 0 },
	{},
};

static struct {
	bool json;
	bool wall;
	int cmd_index;
} main_args = { .cmd_index = -1 };

static error_t main_parse(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	switch (key) {
	case 'j':
		main_args.json = true;
		break;
	case 'T':
		main_args.wall = true;
		break;
	case ARGP_KEY_ARG:
		/* the command: the rest of argv is its own */
		main_args.cmd_index = state->next - 1;
		state->next = state->argc;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct kvmmem_cli_command commands[] = {
	{ "record", cmd_record },
	{ "report", cmd_report },
	{ "dump", cmd_dump },
	{ "export", cmd_export },
	{ "merge", cmd_merge },
};

int main(int argc, char **argv)
{
	const struct argp_child children[] = {
		{ &session_argp, 0, "Tracing options:", 1 },
		{},
	};
	const struct argp argp = {
		.options = main_options, .parser = main_parse,
		.args_doc = "[COMMAND [ARG...]]", .doc = main_doc,
		.children = children,
	};
	const char *cmd;

	kvmmem_cli_init("kvmmem-trace", argv, EXIT_USAGE);
	argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL);
	if (main_args.cmd_index < 0)
		return cmd_live(&sopts, main_args.json, main_args.wall,
				opt_duration_ns);
	/* what comes before COMMAND is live mode's: refuse it, not ignore it */
	cmd = argv[main_args.cmd_index];
	if (main_args.json || main_args.wall ||
	    (session_opt_given && strcmp(cmd, "record"))) {
		fprintf(stderr, "%s: %s before '%s' is an option of live mode%s: "
			"give %s's options after it ('%s %s --help' lists "
			"them)\n", kvmmem_prog, main_args.json ? "-j" :
			main_args.wall ? "-T" : session_opt_given, cmd,
			main_args.json || main_args.wall ? "" : " and record",
			cmd, kvmmem_prog, cmd);
		return EXIT_USAGE;
	}

	return kvmmem_cli_dispatch(commands, sizeof(commands) / sizeof(commands[0]),
				   argc, argv, main_args.cmd_index, EXIT_USAGE);
}
