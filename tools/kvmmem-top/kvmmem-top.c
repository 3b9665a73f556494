// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem-top - a live per-process view of kvmmem mappings, pinned pages,
 * hypercall latency and leaks, from BPF maps aggregated in the kernel.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cli.h"
#include "exporter.h"
#include "kvmmem-top.h"
#include "util.h"

bool verbose;

const char *clock_now(char buf[16])
{
	time_t t = time(NULL);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, 16, "%H:%M:%S", &tm))
		snprintf(buf, 16, "?");
	return buf;
}

int take_frame(struct top_source *src, struct top_sample *prev,
	       struct top_sample *cur, uint64_t t0, struct top_frame *f,
	       char *why, size_t len)
{
	int err;

	err = src->check(src, why, len);
	if (err)
		return err;
	top_sample_reset(cur);
	err = src->sample(src, cur);
	if (err) {
		kvmmem_warn("reading the BPF maps: %s", strerror(-err));
		return err;
	}
	top_frame_free(f);
	/* the first sample is the baseline: no interval, no rates yet */
	err = top_frame_build(src->desc, prev, cur, prev ? t0 : cur->ts_ns, f);
	f->real_ns = kvmmem_real_ns();
	if (err)
		kvmmem_warn("building a frame: %s", strerror(-err));
	return err;
}

/* Sleep until CLOCK_MONOTONIC @deadline_ns or a stop signal. */
static void sleep_until(uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000ULL),
		.tv_nsec = (long)(deadline_ns % 1000000000ULL),
	};

	while (!kvmmem_stop_signal &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int run_batch(struct top_source *src, const struct view_opts *o,
	      enum top_output out)
{
	struct top_sample samples[2] = { 0 }, *prev = &samples[0],
			  *cur = &samples[1], *tmp;
	struct top_frame f = { 0 };
	char why[256], clock[16], extra[128];
	int status = 0, err;
	uint64_t t0, seq, next;
	size_t n;

	t0 = kvmmem_mono_ns();
	err = take_frame(src, NULL, prev, t0, &f, why, sizeof(why));
	for (seq = 1; !err && (!o->count || seq <= o->count); seq++) {
		next = t0 + seq * o->interval_ns;
		/* --duration: the last frame at its end, however short */
		if (o->duration_ns && seq > 1 &&
		    (seq - 1) * o->interval_ns >= o->duration_ns)
			break;
		if (o->duration_ns && next > t0 + o->duration_ns)
			next = t0 + o->duration_ns;
		sleep_until(next);
		if (kvmmem_stop_signal)
			break;
		err = take_frame(src, prev, cur, t0, &f, why, sizeof(why));
		if (err)
			break;
		top_sort(f.rows, f.n, o->sort, o->reverse);
		n = top_filter(f.rows, f.n, o->pid);
		if (out == TOP_OUT_JSON) {
			err = top_print_json(stdout, src->desc, &f, f.rows, n,
					     (unsigned int)seq, src->attach);
		} else if (out == TOP_OUT_CSV) {
			err = top_print_csv(stdout, src->desc, &f, f.rows, n,
					    (unsigned int)seq);
		} else {
			snprintf(extra, sizeof(extra), "attach %s%s", src->attach,
				 o->pid ? "  filter" : "");
			if (o->pid)
				snprintf(extra + strlen(extra),
					 sizeof(extra) - strlen(extra),
					 " %s %" PRIu32, src->desc->id_key, o->pid);
			err = top_print_text(stdout, src->desc, &f, f.rows, n,
					     &o->sort, clock_now(clock), extra);
			fflush(stdout);
		}
		if (err) {
			kvmmem_warn("writing the output: %s", strerror(-err));
			break;
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	if (err == -ENODEV) {
		kvmmem_warn("%s", why);
		status = EXIT_GONE;
	} else if (err) {
		status = EXIT_FAIL;
	}
	top_frame_free(&f);
	top_sample_free(&samples[0]);
	top_sample_free(&samples[1]);
	return status;
}

/* ------------------------------------------------------------- options */

enum {
	OPT_MAX_LIVE = 1000,
	OPT_CSV,
	OPT_FORCE_RAW_TP,
	OPT_HOST,
	OPT_TIME_ALL,
	OPT_PROMETHEUS,
	OPT_TEXTFILE,
	OPT_TOP,
	OPT_STACKS,
};

static struct {
	struct view_opts view;
	struct guest_opts guest;
	struct exporter_opts prom;
	const char *sort;	/* parsed once the source is known */
	bool host;
	bool batch;
	bool json;
	bool csv;
} args = {
	.view = { .interval_ns = 1000000000ULL, .sort = TOP_COL_PINNED },
	.guest = { .max_live = 262144 },
	.prom = { .top_n = PROM_TOP_N_DEFAULT },
};

static const char doc[] =
"kvmmem-top: which process maps how much through /dev/kvmmem, how fast\n"
"the host answers, and whether pages leak - live, from BPF maps that the\n"
"kernel side aggregates (no event is sent to user space).\n"
"\n"
"The header has the totals: live mappings, pinned and leaked pages (the\n"
"driver's own counters), maps, unmaps and errors per second, p50/p99 of\n"
"the MEM_MAP and MEM_UNMAP hypercalls (every one) and of the MAP and\n"
"UNMAP ioctls (a sample: at most one per operation per CPU per jiffy is\n"
"timed, unless --time-all) over the interval, updates BPF lost (drops),\n"
"and kvmmem-top's own in-kernel BPF cost per second and per program run\n"
"(while sysctl kernel.bpf_stats_enabled=1). A row per process:\n"
"PID, COMMAND, LIVE mappings, PINNED pages (live + leaked), MAP/s,\n"
"UNMAP/s (UNMAPs + teardowns), ERR/s, P50/P99 of its hypercalls, and the\n"
"age of its OLDEST live mapping ('+': older than kvmmem-top).\n"
"\n"
"Keys (interactive view): < and > move the sort column, r reverses it,\n"
"p filters by pid (empty: all), h toggles latency histograms, s toggles\n"
"the call sites (with --stacks), q quits.\n"
"\n"
"--stacks keeps the user stack of each MAP's caller (the program needs\n"
"frame pointers) and shows the call sites holding the most live and\n"
"leaked pages: the interactive view's s key, and \"sites\" in --json.\n"
"\n"
"While kvmmem-top runs, its BPF programs hold a reference on kvmmem:\n"
"rmmod kvmmem fails with 'in use' until kvmmem-top exits. If the module\n"
"goes anyway (rmmod -f), kvmmem-top says so and exits with status 3.\n"
"Needs CAP_BPF and CAP_PERFMON (or root) and a kernel with BTF; tp_btf\n"
"only with CAP_SYS_ADMIN as well (raw_tp otherwise); --host needs\n"
"CAP_SYS_ADMIN too.\n"
"\n"
"--host, on a KVM host (the kvm module and its BTF; no kvmmem): a row per\n"
"VM instead, from KVM's tracepoints (the host side kvmmem-trace --host\n"
"records): PID of its VMM, VM (QEMU's -name, else the VMM's name), LIVE\n"
"local GPAs the host backs with a remote page, PINNED (LIVE + what an\n"
"exited VM left mapped, its leaked pages), MAP/s and UNMAP/s (MEM_MAP and\n"
"MEM_UNMAP hypercalls whatever the answer), ERR/s (answered with an\n"
"error), P50/P99 of the host's handling (VM exit to VM entry), OLDEST\n"
"mapped GPA. Sort keys: pid, vm and the rest as above.\n"
"\n"
"--prometheus [ADDR:]PORT serves the same numbers as metrics for\n"
"Prometheus at http://ADDR:PORT/metrics (ADDR 127.0.0.1 unless given:\n"
"0.0.0.0 or [::] for every interface), in the OpenMetrics text format\n"
"or the classic one, as the scraper asks; --textfile PATH writes them\n"
"every interval for node_exporter's textfile collector (PATH ending in\n"
".prom). The --top most active processes (VMs with --host) have their\n"
"own series; the rest, and those that exited, are in one 'other' series.\n"
"Both run until Ctrl-C or SIGTERM (or -d); docs/tools.md lists the\n"
"metrics.\n"
"\n"
"Options mean what they mean in kvmmem-trace and kvmmem-ctl (the table\n"
"in docs/tools.md): -p PID, -d DURATION (stop after), -i INTERVAL, -j,\n"
"-v, -V. DURATION and INTERVAL are seconds, with a fraction or a unit:\n"
"0.5, 500ms, 2m.\n"
"\v"
"EXAMPLES:\n"
"    kvmmem-top                      # full-screen, refreshed every second\n"
"    kvmmem-top -i 0.5 -s p99        # every 0.5 s, slowest processes first\n"
"    kvmmem-top -b -n 5              # 5 text frames, like top -b\n"
"    kvmmem-top -j -i 2 -d 1m        # a JSON object every 2 s for a minute\n"
"    kvmmem-top -b -n 1 -p 1234      # one frame, process 1234 only\n"
"    kvmmem-top --stacks             # then s: who holds the pages\n"
"    kvmmem-top --stacks -j -i 1     # ... \"sites\" in each JSON frame\n"
"    kvmmem-top --csv -i 5 -d 1h >top.csv   # an hour, a CSV line per row\n"
"    kvmmem-top --host               # on a KVM host: a row per VM\n"
"    kvmmem-top --host --json -n 5   # ... as JSON, 5 frames\n"
"    kvmmem-top --prometheus 9469    # metrics at 127.0.0.1:9469/metrics\n"
"    kvmmem-top --prometheus 0.0.0.0:9469 --top 20 -i 5\n"
"    kvmmem-top --textfile /var/lib/prometheus/node-exporter/kvmmem.prom\n"
"    kvmmem-top --host --prometheus 9469  # on a KVM host, per VM\n";

static const struct argp_option options[] = {
	{ "interval", 'i', "INTERVAL", 0, "Refresh every INTERVAL (100ms-1h, "
	  "default 1s)", 0 },
	{ "delay", 0, NULL, OPTION_ALIAS, NULL, 0 },
	{ "duration", 'd', "DURATION", 0, "Stop after DURATION (default: until "
	  "q or Ctrl-C)", 0 },
	{ "iterations", 'n', "COUNT", 0, "Stop after COUNT frames (default: "
	  "until q or Ctrl-C)", 0 },
	{ "batch", 'b', NULL, 0, "Plain-text frames on stdout, like top -b", 0 },
	{ "json", 'j', NULL, 0, "One JSON object per frame on stdout", 0 },
	{ "csv", OPT_CSV, NULL, 0, "Batch mode as CSV: a header, then a line "
	  "per row per frame, with the wall-clock time", 0 },
	{ "pid", 'p', "PID", 0, "Only this process's row (--host: the VM whose "
	  "VMM is PID)", 0 },
	{ "sort", 's', "COLUMN", 0, "Sort by pid, name (comm, vm), live, pinned "
	  "(default), map, unmap, errors, p50, p99 or age", 0 },
	{ "reverse", 'r', NULL, 0, "Reverse the sort order", 0 },
	{ "max-live", OPT_MAX_LIVE, "N", 0, "Slots of the live-mapping table, "
	  "a power of two (default 262144): a mapping that outlives N later "
	  "ones loses its age (a drop)", 0 },
	{ "time-all", OPT_TIME_ALL, NULL, 0, "Time every MAP and UNMAP ioctl "
	  "(default: at most one per operation per CPU per jiffy: the clock "
	  "may be slow to read; hypercalls are all timed either way)", 0 },
	{ "stacks", OPT_STACKS, NULL, 0, "Keep each MAP caller's user stack: "
	  "the call sites holding the most live and leaked pages (key s, "
	  "JSON sites)", 0 },
	{ "force-raw-tp", OPT_FORCE_RAW_TP, NULL, 0, "Attach raw_tp programs "
	  "even when module BTF allows tp_btf", 0 },
	{ "host", OPT_HOST, NULL, 0, "On a KVM host: a row per VM (its VMM "
	  "process), from KVM's tracepoints", 0 },
	{ "prometheus", OPT_PROMETHEUS, "[ADDR:]PORT", 0, "Serve Prometheus "
	  "metrics on ADDR:PORT (ADDR: 127.0.0.1 unless given)", 0 },
	{ "textfile", OPT_TEXTFILE, "PATH", 0, "Write the metrics to PATH every "
	  "interval, atomically (node_exporter's textfile collector)", 0 },
	{ "top", OPT_TOP, "N", 0, "With --prometheus or --textfile: series for "
	  "the N most active rows, the rest in 'other' (default 10)", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf's messages and the verifier's log", 0 },
	{},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	int col;

	switch (key) {
	case 'i':
		args.view.interval_ns = kvmmem_argp_duration(state, "--interval",
				arg, 1000000000ULL, 100000000ULL, 3600000000000ULL);
		break;
	case 'd':
		args.view.duration_ns = kvmmem_argp_duration(state, "--duration",
				arg, 1000000000ULL, 1000000ULL, UINT64_MAX);
		break;
	case 'n':
		args.view.count = kvmmem_argp_u64(state, "--iterations", arg, 1,
						  UINT32_MAX);
		break;
	case 'b':
		args.batch = true;
		break;
	case 'j':
		args.json = true;
		break;
	case OPT_CSV:
		args.csv = true;
		break;
	case 'p':
		args.view.pid = (uint32_t)kvmmem_argp_u64(state, "--pid", arg, 1,
							  INT32_MAX);
		break;
	case 's':
		args.sort = arg;
		break;
	case OPT_HOST:
		args.host = true;
		break;
	case ARGP_KEY_END:
		if (!args.sort)
			break;
		col = top_col_parse(args.host ? &top_host_desc : &guest_top_desc,
				    args.sort);
		if (col < 0)
			argp_error(state, "--sort '%s': one of pid, name (or %s), "
				   "live, pinned, map, unmap, errors, p50, p99, age",
				   args.sort, args.host ? "vm" : "comm");
		args.view.sort = (enum top_col)col;
		break;
	case 'r':
		args.view.reverse = true;
		break;
	case OPT_MAX_LIVE:
		args.guest.max_live = (uint32_t)kvmmem_argp_u64(state,
				"--max-live", arg, 1024, 1U << 24);
		if (args.guest.max_live & (args.guest.max_live - 1))
			argp_error(state, "--max-live '%s': a power of two", arg);
		break;
	case OPT_FORCE_RAW_TP:
		args.guest.force_raw_tp = true;
		break;
	case OPT_TIME_ALL:
		args.guest.time_all = true;
		break;
	case OPT_STACKS:
		args.guest.stacks = true;
		break;
	case OPT_PROMETHEUS:
		args.prom.listen = arg;
		break;
	case OPT_TEXTFILE:
		args.prom.textfile = arg;
		break;
	case OPT_TOP:
		args.prom.top_n = (unsigned int)kvmmem_argp_u64(state, "--top", arg,
								0, 1000);
		break;
	case 'v':
		verbose = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = options, .parser = parse_opt, .doc = doc,
	};
	struct top_source *src = NULL;
	struct exporter *exp = NULL;
	bool export;
	int err, status;

	kvmmem_cli_init("kvmmem-top", argv, EXIT_USAGE);
	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return EXIT_USAGE;
	export = args.prom.listen || args.prom.textfile;
	if (export && (args.batch || args.json || args.csv || args.view.count ||
		       args.view.pid)) {
		kvmmem_warn("--prometheus and --textfile export every row for as long "
			    "as they run: without -b, -j, --csv, -n or -p");
		return EXIT_USAGE;
	}
	if (args.guest.stacks && (args.host || export || args.csv)) {
		kvmmem_warn("--stacks is for the guest's view, -b and --json: not "
			    "with --host, --csv, --prometheus or --textfile");
		return EXIT_USAGE;
	}
	if (args.json + args.csv > 1 || (args.batch && args.json)) {
		kvmmem_warn("-b (--batch), -j (--json) and --csv (batch as CSV): "
			    "choose one");
		return EXIT_USAGE;
	}
	if (!export && !args.batch && !args.json && !args.csv &&
	    !isatty(STDOUT_FILENO)) {
		kvmmem_warn("standard output is not a terminal: use -b (text frames) "
		     "or -j (JSON)");
		return EXIT_USAGE;
	}

	if (export) {
		args.prom.host = args.host;
		args.prom.interval_ns = args.view.interval_ns;
		args.prom.duration_ns = args.view.duration_ns;
		/* the port first: a port in use is said before BPF is loaded */
		if (exporter_open(&exp, &args.prom, args.host ? &top_host_desc :
				  &guest_top_desc))
			return EXIT_FAIL;
	}
	err = args.host ? host_source_open(&src) :
			  guest_source_open(&args.guest, &src);
	if (err) {
		exporter_close(exp);
		return EXIT_FAIL;
	}
	kvmmem_catch_stop_signals();
	if (exp)
		status = exporter_run(exp, src);
	else if (args.batch || args.json || args.csv)
		status = run_batch(src, &args.view, args.json ? TOP_OUT_JSON :
				   args.csv ? TOP_OUT_CSV : TOP_OUT_TEXT);
	else
		status = run_view(src, &args.view);
	src->close(src);
	exporter_close(exp);
	return status;
}
