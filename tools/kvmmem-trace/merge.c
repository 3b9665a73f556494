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
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/*
 * One recording, as merge reads it: streamed once to build its hypercalls
 * (and, on the host side, to learn which kinds carry them), and once more
 * for -o, to write its events. A pipe or standard input is spooled to an
 * unlinked temporary file for that second read. Memory: the calls, not
 * the events.
 */
struct side {
	const char *path;
	int fd;
	bool host;
	struct kvmmem_trace_file tf;
	bool any;
	uint64_t first_ts;
	unsigned int host_exit;		/* the first host exit kind seen */
	struct kvmmem_hc_builder b[2];	/* guest; host: hostsim, --host */
	int nb;
};

static int side_events(void *ctx, const struct kt_event *ev, size_t n)
{
	struct side *sd = ctx;
	size_t i;
	int k, err;

	if (!sd->any) {
		sd->any = true;
		sd->first_ts = ev[0].ts;
	}
	for (i = 0; i < n && sd->host && !sd->host_exit; i++)
		if (ev[i].kind == KT_HOST_HC_EXIT || ev[i].kind == KT_KVM_HC_EXIT)
			sd->host_exit = ev[i].kind;
	for (k = 0; k < sd->nb; k++) {
		err = kvmmem_hc_builder_add(&sd->b[k], ev, n);
		if (err)
			return err;
	}
	return 0;
}

/* Copy the stream @fd to an unlinked temporary file; its fd, or -errno. */
static int spool(int fd)
{
	const char *dir = getenv("TMPDIR");
	char path[4096], buf[65536];
	ssize_t n, w, off;
	int t;

	snprintf(path, sizeof(path), "%s/kvmmem-merge.XXXXXX",
		 dir && *dir ? dir : "/tmp");
	t = mkstemp(path);
	if (t < 0)
		return -errno;
	unlink(path);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		for (off = 0; off < n; off += w) {
			w = write(t, buf + off, (size_t)(n - off));
			if (w < 0)
				goto fail;
		}
	}
	if (lseek(t, 0, SEEK_SET) == 0)
		return t;
fail:
	n = -errno;
	close(t);
	return (int)n;
}

/* Open @sd's recording (spooled if it cannot be read twice and @twice). */
static int side_open(struct side *sd, bool twice)
{
	struct stat st;
	int fd;

	fd = strcmp(sd->path, "-") ? open(sd->path, O_RDONLY | O_CLOEXEC) :
				     dup(STDIN_FILENO);
	if (fd < 0) {
		kvmmem_warn("cannot read %s: %s", sd->path, strerror(errno));
		return -errno;
	}
	if (twice && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
		int t = spool(fd);

		close(fd);
		if (t < 0) {
			kvmmem_warn("%s: cannot keep a copy to read it twice: %s",
				    sd->path, strerror(-t));
			return t;
		}
		fd = t;
	}
	sd->fd = fd;
	return 0;
}

/* The first read: 0, INCOMPLETE or <0 (said). */
static int side_read(struct side *sd, uint32_t vm)
{
	int err;

	if (sd->host) {
		kvmmem_hc_builder_init(&sd->b[0], KT_HOST_HC_ENTER, KT_HOST_HC_EXIT, vm);
		kvmmem_hc_builder_init(&sd->b[1], KT_KVM_HC_ENTER, KT_KVM_HC_EXIT, vm);
		sd->nb = 2;
	} else {
		kvmmem_hc_builder_init(&sd->b[0], KT_HC_ENTER, KT_HC_EXIT, 0);
		sd->nb = 1;
	}
	err = stream_recording_fd(sd->path, sd->fd, side_events, sd, &sd->tf);
	if (err == -ENOMEM)
		kvmmem_warn("out of memory");
	return err;
}

/* Its hypercalls (the host's: of the kinds it has); false: it has none. */
static bool side_calls(struct side *sd, struct kvmmem_hc_call **c, size_t *n)
{
	int k = sd->host && sd->host_exit == KT_KVM_HC_EXIT;

	if (sd->host && !sd->host_exit)
		return false;
	kvmmem_hc_builder_finish(&sd->b[k], c, n);
	return true;
}

static void side_free(struct side *sd)
{
	int k;

	for (k = 0; k < sd->nb; k++)
		kvmmem_hc_builder_free(&sd->b[k]);
	if (sd->fd >= 0)
		close(sd->fd);
	kvmmem_trace_file_free(&sd->tf);
}

/* Where its time starts: its start, or its first event if that is earlier. */
static uint64_t start_of(const struct side *sd)
{
	uint64_t t = sd->tf.info.start_mono_ns;

	if (sd->any && sd->first_ts < t)
		t = sd->first_ts;
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
				const struct side *hs,
				const struct kvmmem_merge *m)
{
	uint64_t from = guest_time(m, start_of(hs));
	uint64_t to = guest_time(m, hs->tf.end_ts);
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

struct perfetto_pass {
	struct perfetto *x;
	struct kvmmem_trace_analysis *a;
};

static int pass_events(void *ctx, const struct kt_event *ev, size_t n)
{
	struct perfetto_pass *p = ctx;

	return perfetto_stream_events(p->x, p->a, ev, n);
}

/* The second read of @sd: its events into @x, through @a. */
static int side_write(struct side *sd, struct perfetto *x,
		      struct kvmmem_trace_analysis *a)
{
	struct perfetto_pass p = { x, a };
	struct kvmmem_trace_file tf;
	int err;

	if (lseek(sd->fd, 0, SEEK_SET)) {
		kvmmem_warn("%s: cannot read it again: %s", sd->path, strerror(errno));
		return -errno;
	}
	perfetto_stream_start(x, start_of(sd));
	err = stream_recording_fd(sd->path, sd->fd, pass_events, &p, &tf);
	if (err == -ENOMEM)
		kvmmem_warn("out of memory");
	if (err >= 0)
		perfetto_stream_finish(x, &tf, a);
	kvmmem_trace_file_free(&tf);
	return err < 0 ? err : 0;
}

/* Both recordings and the flows between them, as one Chrome JSON trace. */
static int write_perfetto(struct side *gs, struct side *hs,
			  const struct kvmmem_hc_call *g, size_t ng,
			  const struct kvmmem_hc_call *h,
			  const struct kvmmem_merge *m)
{
	struct kvmmem_trace_analysis ga, ha;
	uint64_t t0 = start_of(gs), ht0 = guest_time(m, start_of(hs));
	struct perfetto x;
	size_t i;
	FILE *f;
	int err;

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
	err = side_write(gs, &x, &ga);
	if (err)
		goto out;
	x.label = "host ";
	x.pid_base = HOST_PID_BASE;
	x.shift_at = host_shift;
	x.shift_ctx = m;
	err = side_write(hs, &x, &ha);
	if (err)
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
out:
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
	struct side gs = { .fd = -1 }, hs = { .fd = -1, .host = true };
	struct kvmmem_time_split split[2] = { 0 };
	struct kvmmem_merge m = { 0 };
	size_t ng = 0, nh = 0;
	int gerr, herr, err, ret = EXIT_FAIL;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	gs.path = mrg_args.guest;
	hs.path = mrg_args.host;
	if (!strcmp(gs.path, "-") && !strcmp(hs.path, "-")) {
		kvmmem_warn("GUEST and HOST cannot both be standard input");
		return EXIT_USAGE;
	}
	if (side_open(&gs, mrg_args.output) || side_open(&hs, mrg_args.output))
		goto out;
	gerr = side_read(&gs, 0);
	if (gerr < 0)
		goto out;
	herr = side_read(&hs, mrg_args.vm);
	if (herr < 0)
		goto out;
	if (!side_calls(&hs, &h, &nh)) {
		kvmmem_warn("%s has no host side of any hypercall: record it with "
		     "'kvmmem-trace record --host' on the host (or -e host in a "
		     "guest with kvmmem_hostsim)", mrg_args.host);
		goto out;
	}
	side_calls(&gs, &g, &ng);
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
	in_range = unpaired_in_range(g, ng, &hs, &m);
	if (mrg_args.json)
		print_json(stdout, &m, ng, nh, split);
	else
		print_text(stdout, &m, ng, nh, split);
	if (mrg_args.output && write_perfetto(&gs, &hs, g, ng, h, &m))
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
	side_free(&gs);
	side_free(&hs);
	return ret;
}
