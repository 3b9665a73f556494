// SPDX-License-Identifier: GPL-2.0
/*
 * merge.c - kvmmem-trace merge GUEST HOST: pair every hypercall of a
 * guest recording with its handling in a host recording, align the two
 * clocks, report where the time of each call went, and (-o) write both
 * machines on one Perfetto timeline with a flow from each guest call to
 * its host handling. The method is in trace/merge.h / docs/tools.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/timefmt.h"
#include "kvmmem-trace.h"
#include "options.h"
#include "trace/merge.h"

/* Host pids and tids are shifted by this in the JSON: above any pid_max. */
#define HOST_PID_BASE	(1U << 22)

static struct {
	const char *guest, *host, *output;
	uint32_t vm;
	uint64_t tolerance_ns;
	bool json;
} mrg_args = { .tolerance_ns = 10000 };

static const char merge_doc[] =
"Put a guest recording and a host recording of the same hypercalls on one "
"timeline. Every hypercall the guest made (kvmmem-trace record, default "
"events) is paired with its handling on the host (kvmmem-trace record "
"--host; or the hostsim events of a guest recording, -e host): the two "
"clocks are aligned so that each host handling falls inside its guest "
"call (followed over time when one offset does not fit them all), the "
"calls are paired by their arguments and that alignment, and "
"the time of each call is split into guest driver work, transitions "
"(VM exit and entry, and what the guest does around the hypercall) and "
"host work. With -o, writes a Chrome JSON trace for ui.perfetto.dev with "
"both machines' tracks and a flow from each guest call to its host "
"handling.\n"
"\n"
"Exit status: 0 every guest call in the host's time range was paired, "
"1 an error or no pair at all, 3 a recording was cut short.\n"
"\v"
"EXAMPLES:\n"
"    kvmmem-trace merge guest.ktr host.ktr -o both.json\n"
"    kvmmem-trace merge --json guest.ktr host.ktr\n"
"    kvmmem-trace merge -p 4242 --tolerance 50us guest.ktr host.ktr\n"
"    kvmmem-trace record -e all -o g.ktr -- kvmmem-ctl stress  # hostsim\n"
"    kvmmem-trace merge g.ktr g.ktr -o g.json\n";

#define OPT_TOLERANCE	1101

static const struct argp_option merge_options[] = {
	{ "output", 'o', "OUT", 0, "Write the Perfetto (Chrome JSON) trace to OUT",
	  0 },
	{ "json", 'j', NULL, 0, "The report as one JSON object", 0 },
	{ "pid", 'p', "PID", 0, "Host side: only the VM whose VMM process is "
	  "PID (default: every process)", 0 },
	{ "vm", 0, NULL, OPTION_ALIAS, NULL, 0 },
	{ "tolerance", OPT_TOLERANCE, "DURATION", 0, "How far an aligned host "
	  "handling may stick out of its guest call and still pair (a clock "
	  "that stepped during the call; ns, or with a unit; default 10us)", 0 },
	{},
};

static error_t merge_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'o':
		mrg_args.output = arg;
		break;
	case 'j':
		mrg_args.json = true;
		break;
	case 'p':
		mrg_args.vm = (uint32_t)kvmmem_argp_u64(state, "--pid", arg, 1, INT32_MAX);
		break;
	case OPT_TOLERANCE:
		mrg_args.tolerance_ns = kvmmem_argp_duration(state, "--tolerance",
						arg, 1, 0, 1000000000ULL);
		break;
	case ARGP_KEY_ARG:
		if (!mrg_args.guest)
			mrg_args.guest = arg;
		else if (!mrg_args.host)
			mrg_args.host = arg;
		else
			argp_error(state, "two recordings only ('%s' is extra)", arg);
		break;
	case ARGP_KEY_END:
		if (!mrg_args.host)
			argp_error(state, "GUEST and HOST recordings are required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The enter/exit kinds of the host's side of hypercalls in @tf. */
static bool host_kinds(const struct kvmmem_trace_file *tf, unsigned int *enter,
		       unsigned int *exit)
{
	size_t i;

	for (i = 0; i < tf->nr_events; i++) {
		if (tf->events[i].kind == KT_HOST_HC_EXIT) {
			*enter = KT_HOST_HC_ENTER;
			*exit = KT_HOST_HC_EXIT;
			return true;
		}
		if (tf->events[i].kind == KT_KVM_HC_EXIT) {	/* --host */
			*enter = KT_KVM_HC_ENTER;
			*exit = KT_KVM_HC_EXIT;
			return true;
		}
	}
	return false;
}

static uint64_t start_of(const struct kvmmem_trace_file *tf)
{
	uint64_t t = tf->info.start_mono_ns;

	if (tf->nr_events && tf->events[0].ts < t)
		t = tf->events[0].ts;
	return t;
}

/* ------------------------------------------------------------- output */

static const char *const part_names[] = {
	"ioctl", "guest driver", "guest hypercall", "transitions", "host work",
};

static struct kvmmem_samples *part(struct kvmmem_time_split *s, int i,
				   uint64_t *sum)
{
	struct kvmmem_samples *v[] = { &s->ioctl, &s->driver, &s->hypercall,
				       &s->transition, &s->host };
	uint64_t sums[] = { s->sum_ioctl, s->sum_driver, s->sum_hypercall,
			    s->sum_transition, s->sum_host };

	*sum = sums[i];
	return v[i];
}

/* The whole of a call: driver + guest hypercall (its ioctl when seen). */
static uint64_t whole(const struct kvmmem_time_split *s)
{
	return s->sum_driver + s->sum_hypercall;
}

/* Host timestamp @ts on the guest's clock. */
static uint64_t guest_time(const struct kvmmem_merge *m, uint64_t ts)
{
	return ts - (uint64_t)kvmmem_merge_offset_at(m, ts);
}

/* Unpaired guest calls made while the host was recording. */
static size_t unpaired_in_range(const struct kvmmem_hc_call *g, size_t ng,
				const struct kvmmem_trace_file *hf,
				const struct kvmmem_merge *m)
{
	uint64_t from = guest_time(m, start_of(hf));
	uint64_t to = guest_time(m, hf->end_ts);
	size_t i, n = 0;

	for (i = 0; i < ng; i++)
		if (g[i].match < 0 && g[i].enter >= from && g[i].exit <= to)
			n++;
	return n;
}

static size_t in_range;

static void print_text(FILE *f, const struct kvmmem_merge *m, size_t ng,
		       size_t nh, struct kvmmem_time_split split[2])
{
	char a[32], b[32], c[32];
	int i, p;

	fprintf(f, "guest %s: %zu hypercalls; host %s: %zu\n", mrg_args.guest,
		ng, mrg_args.host, nh);
	fprintf(f, "paired: %zu (%.1f%% of the guest's); unpaired: guest %zu "
		"(%zu while the host recorded), host %zu\n", m->pairs,
		ng ? 100.0 * (double)m->pairs / (double)ng : 0.0,
		m->unmatched_guest, in_range, m->unmatched_host);
	fprintf(f, "clock: host = guest %s %" PRId64 " ns", m->offset < 0 ? "-" : "+",
		m->offset < 0 ? -m->offset : m->offset);
	if (m->consistent)
		fprintf(f, ", +/- %s: every pair's host handling fits inside its "
			"guest call for offsets in [%" PRId64 ", %" PRId64 "]\n",
			kvmmem_fmt_ns(a, (uint64_t)(m->hi - m->lo) / 2), m->lo, m->hi);
	else if (m->tracked)
		fprintf(f, " (median): no single offset fits every pair, so it was "
			"followed over time, within [%" PRId64 ", %" PRId64 "] "
			"(%s); %zu pairs stick out of their local offset, by at "
			"most %s\n", m->track_lo, m->track_hi,
			kvmmem_fmt_ns(a, (uint64_t)(m->track_hi - m->track_lo)),
			m->violations, kvmmem_fmt_ns(b, m->max_violation_ns));
	else
		fprintf(f, ": no offset fits every pair; %zu pairs stick out, by "
			"at most %s (within --tolerance)\n", m->violations,
			kvmmem_fmt_ns(a, m->max_violation_ns));
	for (i = 0; i < 2; i++) {
		struct kvmmem_time_split *s = &split[i];

		if (!s->calls)
			continue;
		fprintf(f, "\n%s: %" PRIu64 " pairs (%" PRIu64 " with their ioctl)\n",
			kvmmem_hypercall_name(s->nr), s->calls, s->with_ioctl);
		fprintf(f, "  %-16s %10s %10s %10s %7s\n", "part", "mean", "p50",
			"p99", "share");
		for (p = 0; p < 5; p++) {
			uint64_t sum;
			struct kvmmem_samples *v = part(s, p, &sum);

			if (!v->n)
				continue;
			fprintf(f, "  %-16s %10s %10s %10s", part_names[p],
				kvmmem_fmt_ns(a, sum / v->n),
				kvmmem_fmt_ns(b, kvmmem_samples_percentile(v, 50)),
				kvmmem_fmt_ns(c, kvmmem_samples_percentile(v, 99)));
			if (p >= 1 && p != 2 && whole(s))
				fprintf(f, " %6.1f%%", 100.0 * (double)sum /
					(double)whole(s));
			fputc('\n', f);
		}
	}
}

static void print_json(FILE *f, const struct kvmmem_merge *m, size_t ng,
		       size_t nh, struct kvmmem_time_split split[2])
{
	static const char *const keys[] = {
		"ioctl", "driver", "hypercall", "transitions", "host",
	};
	struct kvmmem_json j;
	int i, p;

	kvmmem_json_init(&j, f);
	kvmmem_json_object(&j, NULL);
	kvmmem_json_string(&j, "guest", mrg_args.guest);
	kvmmem_json_string(&j, "host", mrg_args.host);
	kvmmem_json_u64(&j, "guest_calls", ng);
	kvmmem_json_u64(&j, "host_calls", nh);
	kvmmem_json_u64(&j, "pairs", m->pairs);
	kvmmem_json_u64(&j, "unpaired_guest", m->unmatched_guest);
	kvmmem_json_u64(&j, "unpaired_guest_in_host_range", in_range);
	kvmmem_json_u64(&j, "unpaired_host", m->unmatched_host);
	kvmmem_json_u64(&j, "anchors", m->anchors);
	kvmmem_json_i64(&j, "offset_ns", m->offset);
	kvmmem_json_i64(&j, "offset_lo_ns", m->consistent ? m->lo : 0);
	kvmmem_json_i64(&j, "offset_hi_ns", m->consistent ? m->hi : 0);
	kvmmem_json_bool(&j, "consistent", m->consistent);
	kvmmem_json_u64(&j, "violations", m->violations);
	kvmmem_json_u64(&j, "max_violation_ns", m->max_violation_ns);
	kvmmem_json_u64(&j, "tolerance_ns", mrg_args.tolerance_ns);
	kvmmem_json_bool(&j, "tracked", m->tracked);
	kvmmem_json_i64(&j, "track_lo_ns", m->tracked ? m->track_lo : 0);
	kvmmem_json_i64(&j, "track_hi_ns", m->tracked ? m->track_hi : 0);
	kvmmem_json_array(&j, "split");
	for (i = 0; i < 2; i++) {
		struct kvmmem_time_split *s = &split[i];

		kvmmem_json_object(&j, NULL);
		kvmmem_json_u64(&j, "nr", s->nr);
		kvmmem_json_string(&j, "name", kvmmem_hypercall_name(s->nr));
		kvmmem_json_u64(&j, "pairs", s->calls);
		kvmmem_json_u64(&j, "with_ioctl", s->with_ioctl);
		for (p = 0; p < 5; p++) {
			uint64_t sum;
			struct kvmmem_samples *v = part(s, p, &sum);

			kvmmem_json_object(&j, keys[p]);
			kvmmem_json_u64(&j, "n", v->n);
			kvmmem_json_u64(&j, "sum_ns", sum);
			kvmmem_json_u64(&j, "mean_ns", v->n ? sum / v->n : 0);
			kvmmem_json_u64(&j, "p50_ns", kvmmem_samples_percentile(v, 50));
			kvmmem_json_u64(&j, "p99_ns", kvmmem_samples_percentile(v, 99));
			kvmmem_json_end(&j);
		}
		kvmmem_json_end(&j);
	}
	kvmmem_json_end(&j);
	kvmmem_json_end(&j);
	fputc('\n', f);
}

/* The host's clock onto the guest's, where the offset was followed. */
static int64_t host_shift(const void *ctx, uint64_t ts)
{
	return kvmmem_merge_offset_at(ctx, ts);
}

/* Both recordings and the flows between them, as one Chrome JSON trace. */
static int write_perfetto(const struct kvmmem_trace_file *gf,
			  const struct kvmmem_trace_file *hf,
			  const struct kvmmem_hc_call *g, size_t ng,
			  const struct kvmmem_hc_call *h,
			  const struct kvmmem_merge *m)
{
	struct kvmmem_trace_analysis ga, ha;
	uint64_t t0 = start_of(gf), ht0 = guest_time(m, start_of(hf));
	struct perfetto x;
	size_t i;
	FILE *f;
	int err = -ENOMEM;

	f = fopen(mrg_args.output, "w");
	if (!f) {
		err = -errno;
		kvmmem_warn("cannot create %s: %s", mrg_args.output, strerror(errno));
		return err;
	}
	kvmmem_trace_analysis_init(&ga);
	kvmmem_trace_analysis_init(&ha);
	perfetto_begin(&x, f, ht0 < t0 ? ht0 : t0);
	x.label = "guest ";
	if (perfetto_recording(&x, gf, &ga))
		goto out;
	x.label = "host ";
	x.pid_base = HOST_PID_BASE;
	x.shift_at = host_shift;
	x.shift_ctx = m;
	if (perfetto_recording(&x, hf, &ha))
		goto out;
	for (i = 0; i < ng; i++) {
		const struct kvmmem_hc_call *hc;

		if (g[i].match < 0)
			continue;
		hc = &h[g[i].match];
		x.pid_base = 0;
		x.shift_at = NULL;
		perfetto_flow(&x, true, i + 1, kvmmem_hypercall_name(g[i].nr), g[i].pid,
			      g[i].tid, g[i].enter);
		x.pid_base = HOST_PID_BASE;
		x.shift_at = host_shift;
		perfetto_flow(&x, false, i + 1, kvmmem_hypercall_name(g[i].nr), hc->pid,
			      hc->tid, hc->enter);
	}
	perfetto_other_data(&x);
	kvmmem_json_string(&x.j, "guest", mrg_args.guest);
	kvmmem_json_string(&x.j, "host", mrg_args.host);
	kvmmem_json_i64(&x.j, "clock_offset_ns", m->offset);
	kvmmem_json_u64(&x.j, "pairs", m->pairs);
	kvmmem_json_u64(&x.j, "host_pid_base", HOST_PID_BASE);
	perfetto_end(&x);
	err = 0;
out:
	if (err)
		kvmmem_warn("out of memory");
	if (fclose(f) && !err) {
		err = -errno;
		kvmmem_warn("%s: %s", mrg_args.output, strerror(errno));
	}
	kvmmem_trace_analysis_free(&ga);
	kvmmem_trace_analysis_free(&ha);
	return err;
}

int cmd_merge(int argc, char **argv)
{
	const struct argp argp = {
		.options = merge_options, .parser = merge_parse,
		.args_doc = "GUEST HOST", .doc = merge_doc,
	};
	struct kvmmem_hc_call *g = NULL, *h = NULL;
	struct kvmmem_trace_file gf = { 0 }, hf = { 0 };
	struct kvmmem_time_split split[2] = { 0 };
	unsigned int enter = 0, exit = 0;
	struct kvmmem_merge m = { 0 };
	size_t ng = 0, nh = 0;
	int gerr, herr, err, ret = EXIT_FAIL;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	gerr = load_recording(mrg_args.guest, &gf);
	if (gerr < 0)
		goto out;
	herr = load_recording(mrg_args.host, &hf);
	if (herr < 0)
		goto out;
	if (!host_kinds(&hf, &enter, &exit)) {
		kvmmem_warn("%s has no host side of any hypercall: record it with "
		     "'kvmmem-trace record --host' on the host (or -e host in a "
		     "guest with kvmmem_hostsim)", mrg_args.host);
		goto out;
	}
	err = kvmmem_hc_calls(gf.events, gf.nr_events, KT_HC_ENTER, KT_HC_EXIT,
			      0, &g, &ng);
	if (!err)
		err = kvmmem_hc_calls(hf.events, hf.nr_events, enter, exit,
				      mrg_args.vm, &h, &nh);
	if (err) {
		kvmmem_warn("out of memory");
		goto out;
	}
	if (!ng) {
		kvmmem_warn("%s has no guest hypercall (record the guest with the "
		     "default events, or -e hypercall)", mrg_args.guest);
		goto out;
	}
	err = kvmmem_merge_pair(g, ng, h, nh, mrg_args.tolerance_ns, &m);
	if (err == -ENOENT) {
		kvmmem_warn("no hypercall of %s has its arguments in %s: are they "
		     "recordings of the same VM, at the same time?%s",
		     mrg_args.guest, mrg_args.host, mrg_args.vm ? "" :
		     " (-p PID picks one VM)");
		goto out;
	}
	if (err || kvmmem_time_split(g, ng, h, split)) {
		kvmmem_warn("out of memory");
		goto out;
	}
	in_range = unpaired_in_range(g, ng, &hf, &m);
	if (mrg_args.json)
		print_json(stdout, &m, ng, nh, split);
	else
		print_text(stdout, &m, ng, nh, split);
	if (mrg_args.output && write_perfetto(&gf, &hf, g, ng, h, &m))
		goto out;
	ret = load_status(gerr) ? load_status(gerr) : load_status(herr);
	if (!ret && in_range) {
		kvmmem_warn("%zu guest hypercalls made while the host recorded have no "
		     "host side (another VM's recording? raise --tolerance?)",
		     in_range);
		ret = EXIT_FAIL;
	}
out:
	kvmmem_time_split_free(split);
	kvmmem_merge_free(&m);
	free(g);
	free(h);
	kvmmem_trace_file_free(&gf);
	kvmmem_trace_file_free(&hf);
	return ret;
}
