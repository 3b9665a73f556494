// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - kvmmem-trace report and dump: what a recording says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json.h"
#include "common/timefmt.h"
#include "kvmmem-trace.h"

/* Each event of a chunk into the analysis. */
static int analyze_events(void *ctx, const struct kt_event *ev, size_t n)
{
	struct kvmmem_trace_analysis *a = ctx;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = kvmmem_trace_analysis_add(a, &ev[i], NULL);
		if (err)
			return err;
	}
	return 0;
}

/* ------------------------------------------------------------- filters */

struct kvmmem_trace_filter file_filter;

#define OPT_SINCE	1300
#define OPT_UNTIL	1301

static const struct argp_option filter_options[] = {
	{ "pid", 'p', "PID", 0, "Only the events of process PID (and its "
	  "mappings' teardowns; in a host recording, a VMM's)", 2 },
	{ "comm", 'c', "COMM", 0, "Only the events of processes named COMM", 2 },
	{ "events", 'e', "KINDS", 0, "Only these event kinds (as live mode's "
	  "-e: map, unmap, ..., or kind names)", 2 },
	{ "since", OPT_SINCE, "TIME", 0, "From TIME: seconds since the "
	  "recording started (1.5, 500ms, 2m), or a wall-clock time "
	  "(HH:MM:SS[.frac], YYYY-MM-DD HH:MM:SS, @EPOCH)", 2 },
	{ "until", OPT_UNTIL, "TIME", 0, "Up to TIME (as --since), not "
	  "included", 2 },
	{},
};

static error_t filter_parse(int key, char *arg, struct argp_state *state)
{
	struct kvmmem_trace_filter *f = &file_filter;

	switch (key) {
	case 'p':
		f->pid = (uint32_t)kvmmem_argp_u64(state, "--pid", arg, 1, INT32_MAX);
		break;
	case 'c':
		if (!arg[0] || strlen(arg) > KT_COMM_LEN - 1)
			argp_error(state, "--comm '%s': a process name of 1 to %d "
				   "characters", arg, KT_COMM_LEN - 1);
		snprintf(f->comm, sizeof(f->comm), "%s", arg);
		break;
	case 'e':
		if (kvmmem_trace_parse_kinds(arg, &f->kinds) || !f->kinds)
			argp_error(state, "--events '%s': a comma-separated list of "
				   "groups (map, unmap, teardown, leak, hypercall, "
				   "exit, host, token, kvm, all) or kind names", arg);
		break;
	case OPT_SINCE:
		f->since = arg;
		break;
	case OPT_UNTIL:
		f->until = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp filter_argp = { .options = filter_options,
				  .parser = filter_parse };

int filter_events(void *ctx, const struct kt_event *ev, size_t n)
{
	struct filtered *fl = ctx;
	struct kt_event *p;
	size_t i, m = 0;

	if (!fl->resolved) {
		if (kvmmem_trace_filter_resolve(&file_filter, &fl->tf->info,
						fl->msg, sizeof(fl->msg)))
			return -ECANCELED;	/* filter_done() says why */
		fl->resolved = true;
	}
	if (!kvmmem_trace_filter_active(&file_filter))
		return fl->next(fl->next_ctx, ev, n);
	if (n > fl->cap) {
		p = realloc(fl->buf, n * sizeof(*p));
		if (!p)
			return -ENOMEM;
		fl->buf = p;
		fl->cap = n;
	}
	for (i = 0; i < n; i++)
		if (kvmmem_trace_filter_match(&file_filter, &ev[i]))
			fl->buf[m++] = ev[i];
	return m ? fl->next(fl->next_ctx, fl->buf, m) : 0;
}

int filter_done(struct filtered *fl, const char *path)
{
	int err = 0;

	/* a recording without events: check the times all the same */
	if (!fl->resolved && !fl->msg[0])
		kvmmem_trace_filter_resolve(&file_filter, &fl->tf->info, fl->msg,
					    sizeof(fl->msg));
	if (fl->msg[0]) {
		kvmmem_warn("%s: %s", path, fl->msg);
		err = -EINVAL;
	}
	free(fl->buf);
	fl->buf = NULL;
	return err;
}

/* ------------------------------------------------------------- options */

static struct {
	const char *file;
	bool json;
	bool wall;		/* dump -T */
} rep_args;

static error_t file_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'j':
		rep_args.json = true;
		break;
	case 'T':
		rep_args.wall = true;
		break;
	case ARGP_KEY_ARG:
		if (rep_args.file)
			argp_error(state, "one FILE only ('%s' is extra)", arg);
		rep_args.file = arg;
		break;
	case ARGP_KEY_END:
		if (!rep_args.file)
			argp_error(state, "FILE (a recording) is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option file_options[] = {
	{ "json", 'j', NULL, 0, "JSON instead of text", 0 },
	{},
};

static const struct argp_option dump_options[] = {
	{ "json", 'j', NULL, 0, "JSON lines instead of text", 0 },
	{ "timestamp", 'T', NULL, 0, "Wall-clock times (the recording's start "
	  "plus its clock): HH:MM:SS.us, local time; JSON: real_ns too", 0 },
	{},
};

static const struct argp_child file_children[] = {
	{ &filter_argp, 0, "Which events:", 2 },
	{},
};

/* ------------------------------------------------------------- helpers */

struct leak_lists {
	const struct kvmmem_trace_mapping **live, **orphaned, **leaked, **torn;
	size_t nr_live, nr_orphaned, nr_leaked, nr_torn;
};

/* record --stacks: the call sites, or NULL (a recording without stacks) */
static const struct callsites *report_sites;

static int collect_leaks(const struct kvmmem_trace_analysis *a,
			 struct leak_lists *l)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	l->live = calloc(a->nr_maps + 1, sizeof(*l->live));
	l->orphaned = calloc(a->nr_maps + 1, sizeof(*l->orphaned));
	l->leaked = calloc(a->nr_maps + 1, sizeof(*l->leaked));
	l->torn = calloc(a->nr_maps + 1, sizeof(*l->torn));
	if (!l->live || !l->orphaned || !l->leaked || !l->torn)
		return -ENOMEM;
	for (i = 0; i < a->nr_maps; i++) {
		const struct kvmmem_trace_mapping *m = &a->maps[i];

		if (m->orphaned)
			l->orphaned[l->nr_orphaned++] = m;
		else if (m->state == KT_MAPPING_LIVE)
			l->live[l->nr_live++] = m;
		if (m->state == KT_MAPPING_LEAKED)
			l->leaked[l->nr_leaked++] = m;
		/* mapped in the recording, never unmapped: a teardown's */
		if (m->state == KT_MAPPING_TORN_DOWN && !m->orphaned && m->map_ts)
			l->torn[l->nr_torn++] = m;
	}
	return 0;
}

static void free_leaks(struct leak_lists *l)
{
	free(l->live);
	free(l->orphaned);
	free(l->leaked);
	free(l->torn);
}

/* Age of a mapping at the end of the recording; -1 if mapped before it. */
static int64_t mapping_age(const struct kvmmem_trace_analysis *a,
			   const struct kvmmem_trace_mapping *m)
{
	return m->map_ts && a->end_ts >= m->map_ts ?
	       (int64_t)(a->end_ts - m->map_ts) : -1;
}

static uint64_t op_count_ok(const struct kvmmem_trace_analysis *a,
			    enum kvmmem_trace_op op)
{
	return a->ops[op].count - a->ops[op].errors;
}

static void comm_copy(char *dst, const char *comm, bool blanks_ok)
{
	size_t i;

	for (i = 0; i < KT_COMM_LEN - 1 && comm[i]; i++)
		dst[i] = !blanks_ok && (comm[i] == ' ' || comm[i] == '\t') ?
			 '_' : comm[i];
	if (!i && !blanks_ok)
		dst[i++] = '?';
	dst[i] = '\0';
}

/* Which kind's result names apply to an operation. */
static unsigned int op_kind(enum kvmmem_trace_op op)
{
	switch (op) {
	case KT_OP_HC_MAP:
	case KT_OP_HC_UNMAP:
		return KT_HC_EXIT;
	case KT_OP_HOST_HC_MAP:
	case KT_OP_HOST_HC_UNMAP:
		return KT_HOST_HC_EXIT;
	default:
		return KT_MAP_END;
	}
}

/* ---------------------------------------------------------------- text */

static void print_latency(FILE *f, struct kvmmem_trace_op_stats *op,
			  const char *title, const char *what)
{
	uint64_t slots[KVMMEM_LOG2_SLOTS];
	char b50[32], b90[32], b99[32], bmax[32];
	struct kvmmem_samples *s = &op->latency;

	if (!s->n)
		return;
	fprintf(f, "\n%s: %zu %s, p50 %s, p90 %s, p99 %s, max %s\n", title, s->n,
		what, kvmmem_fmt_ns(b50, kvmmem_samples_percentile(s, 50)),
		kvmmem_fmt_ns(b90, kvmmem_samples_percentile(s, 90)),
		kvmmem_fmt_ns(b99, kvmmem_samples_percentile(s, 99)),
		kvmmem_fmt_ns(bmax, kvmmem_samples_max(s)));
	kvmmem_samples_log2(s, 1000, slots);
	kvmmem_print_log2_hist(f, slots, KVMMEM_LOG2_SLOTS, "usecs");
}

static void print_leaks(FILE *f, const struct kvmmem_trace_analysis *a,
			const struct kvmmem_trace_mapping **list, size_t n,
			const char *title, bool leaked)
{
	char *text = NULL, comm[KT_COMM_LEN + 1], age[32], ebuf[32], site[24];
	size_t size = 0, i;
	FILE *t;

	fprintf(f, "  %s: %zu\n", title, n);
	if (!n)
		return;
	t = open_memstream(&text, &size);
	if (!t)
		return;
	fprintf(t, "ID PID COMM GVA GPA PA AGE%s%s\n", leaked ? " ERROR" : "",
		report_sites ? " CALL_SITE" : "");
	for (i = 0; i < n; i++) {
		const struct kvmmem_trace_mapping *m = list[i];
		int64_t ns = mapping_age(a, m);

		comm_copy(comm, m->comm, false);
		fprintf(t, "%" PRIu64 " %" PRIu32 " %s 0x%" PRIx64 " 0x%" PRIx64
			" 0x%" PRIx64 " %s", m->id, m->owner, comm, m->gva, m->gpa,
			m->pa, ns < 0 ? "?" : kvmmem_fmt_ns(age, (uint64_t)ns));
		if (leaked)
			fprintf(t, " %s", kvmmem_trace_result_name(KT_PAGE_LEAKED,
								   m->leak_errno, ebuf));
		if (report_sites)
			fprintf(t, " %s", callsites_site_name(report_sites, m->id, site));
		fputc('\n', t);
	}
	fclose(t);
	kvmmem_print_columns(f, text, "      ");
	free(text);
}

static int cmp_proc(const void *x, const void *y)
{
	const struct kvmmem_trace_proc *p = x, *q = y;

	return p->pid < q->pid ? -1 : p->pid > q->pid;
}

static void print_procs(FILE *f, struct kvmmem_trace_analysis *a)
{
	char *text = NULL, comm[KT_COMM_LEN + 1], avg[32];
	size_t size = 0, i;
	FILE *t;

	qsort(a->procs, a->nr_procs, sizeof(*a->procs), cmp_proc);
	/* the index is stale after sorting: nothing looks procs up anymore */
	t = open_memstream(&text, &size);
	if (!t)
		return;
	fprintf(t, "PID COMM MAPS MAP_ERRS UNMAPS UNMAP_ERRS TEARDOWN LEAKED "
		"LIVE HCALLS HC_AVG EXITED\n");
	for (i = 0; i < a->nr_procs; i++) {
		const struct kvmmem_trace_proc *p = &a->procs[i];

		comm_copy(comm, p->comm, false);
		fprintf(t, "%" PRIu32 " %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %"
			PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
			" %s %s\n", p->pid, comm, p->maps, p->map_errors, p->unmaps,
			p->unmap_errors, p->teardown_unmaps, p->leaked, p->live,
			p->hypercalls, p->hypercalls ?
			kvmmem_fmt_ns(avg, p->hypercall_ns / p->hypercalls) : "-",
			p->exit_ts ? "yes" : "no");
	}
	fclose(t);
	kvmmem_print_columns(f, text, "  ");
	free(text);
}

static void print_header(FILE *f, const char *path,
			 const struct kvmmem_trace_file *tf,
			 const struct kvmmem_trace_analysis *a)
{
	const struct kvmmem_trace_info *in = &tf->info;
	time_t secs = (time_t)(in->start_real_ns / 1000000000ULL);
	char when[64] = "?";
	struct tm tm;

	if (gmtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(f, "kvmmem-trace report: %s\n", path);
	fprintf(f, "  host %s, kernel %s, boot %s\n", in->hostname, in->kernel,
		in->boot_id);
	fprintf(f, "  started %s, %.3f s, clock %s, attached as %s\n", when,
		(double)(a->end_ts - (in->start_mono_ns < a->end_ts ?
				      in->start_mono_ns : a->end_ts)) / 1e9,
		in->clock, in->attach);
	fprintf(f, "  %zu events, %" PRIu64 " dropped%s", tf->nr_events, tf->drops,
		tf->drops ? " (counts below miss them)" : "");
	if (in->pid_filter)
		fprintf(f, ", pid %" PRIu32 " only", in->pid_filter);
	fputc('\n', f);
	if (tf->cost.runs)
		fprintf(f, "  in-kernel cost of the recorder %.3f ms: %" PRIu64
			" program runs, %.0f ns a run, %.0f ns an event (bpf_stats)\n",
			(double)tf->cost.run_ns / 1e6, tf->cost.runs,
			(double)tf->cost.run_ns / (double)tf->cost.runs,
			tf->cost.events ? (double)tf->cost.run_ns /
					  (double)tf->cost.events : 0.0);
	if (!tf->complete)
		fprintf(f, "  INCOMPLETE: %s\n", tf->msg);
}

/* ----------------------------------------------------------- host side */

static const char *const hc_names[KT_HC_NR] = {
	[KT_HC_MEM_MAP] = KVMMEM_HC_MAP_NAME,
	[KT_HC_MEM_UNMAP] = KVMMEM_HC_UNMAP_NAME,
};

static int cmp_vm(const void *x, const void *y)
{
	const struct kvmmem_trace_vm *p = x, *q = y;

	return p->pid < q->pid ? -1 : p->pid > q->pid;
}

static int cmp_vcpu(const void *x, const void *y)
{
	const struct kvmmem_trace_vcpu *p = x, *q = y;

	if (p->vm != q->vm)
		return p->vm < q->vm ? -1 : 1;
	return p->vcpu_id < q->vcpu_id ? -1 : p->vcpu_id > q->vcpu_id;
}

/* The VM and vCPU tables sorted by pid (their indexes go stale). */
static void sort_host(struct kvmmem_trace_analysis *a)
{
	qsort(a->vms, a->nr_vms, sizeof(*a->vms), cmp_vm);
	qsort(a->vcpus, a->nr_vcpus, sizeof(*a->vcpus), cmp_vcpu);
}

static double duration_s(const struct kvmmem_trace_file *tf,
			 const struct kvmmem_trace_analysis *a)
{
	uint64_t t0 = tf->info.start_mono_ns;

	return a->end_ts > t0 ? (double)(a->end_ts - t0) / 1e9 : 0;
}

static double per_s(uint64_t n, double secs)
{
	return secs > 0 ? (double)n / secs : 0;
}

/* "KVM_ENOSYS:50,ok:3" */
static void results_list(FILE *t, const struct kvmmem_trace_op_stats *op)
{
	char rbuf[32];
	size_t i;

	for (i = 0; i < op->nr_results; i++)
		fprintf(t, "%s%s:%" PRIu64, i ? "," : "",
			kvmmem_trace_result_name(KT_KVM_HC_EXIT, op->results[i].ret,
						 rbuf), op->results[i].count);
	if (!op->nr_results)
		fputc('-', t);
}

/* A local GPA still mapped, and how long it has been. */
static void host_map_age(const struct kvmmem_trace_analysis *a,
			 const struct kvmmem_trace_host_map *m, char buf[32])
{
	if (m->map_ts && a->end_ts >= m->map_ts)
		kvmmem_fmt_ns(buf, a->end_ts - m->map_ts);
	else
		snprintf(buf, 32, "?");
}

static void print_host(FILE *f, const struct kvmmem_trace_file *tf,
		       struct kvmmem_trace_analysis *a)
{
	char *text = NULL, name[KVMMEM_TRACE_NAME_LEN + 1], b[3][32];
	uint64_t calls = 0, leaked = 0;
	double secs = duration_s(tf, a);
	size_t size = 0, i, j;
	unsigned int hc;
	FILE *t;

	if (!a->nr_vms)
		return;
	sort_host(a);
	for (i = 0; i < a->nr_vms; i++) {
		calls += a->vms[i].hc[0].count + a->vms[i].hc[1].count;
		leaked += a->vms[i].leaked;
	}
	fprintf(f, "\nHost side: %zu VMs, %zu vCPUs, %" PRIu64 " hypercalls "
		"answered, %" PRIu64 " pages left mapped by VMs that exited\n",
		a->nr_vms, a->nr_vcpus, calls, leaked);

	t = open_memstream(&text, &size);
	if (!t)
		return;
	fprintf(t, "PID NAME VCPUS HYPERCALL CALLS PER_S P50 P99 RESULTS LIVE "
		"LEAKED EXITED\n");
	for (i = 0; i < a->nr_vms; i++) {
		struct kvmmem_trace_vm *vm = &a->vms[i];

		/* one word in the table */
		snprintf(name, sizeof(name), "%s", vm->name[0] ? vm->name : "?");
		for (j = 0; name[j]; j++)
			if (name[j] == ' ' || name[j] == '\t')
				name[j] = '_';
		for (hc = 0; hc < KT_HC_NR; hc++) {
			struct kvmmem_samples *lat = &vm->hc[hc].latency;

			fprintf(t, "%" PRIu32 " %s %" PRIu32 " %s %" PRIu64 " %.1f %s %s ",
				vm->pid, name, vm->nr_vcpus, hc_names[hc],
				vm->hc[hc].count, per_s(vm->hc[hc].count, secs),
				lat->n ? kvmmem_fmt_ns(b[0], kvmmem_samples_percentile(lat, 50)) : "-",
				lat->n ? kvmmem_fmt_ns(b[1], kvmmem_samples_percentile(lat, 99)) : "-");
			results_list(t, &vm->hc[hc]);
			fprintf(t, " %" PRIu64 " %" PRIu64 " %s\n", vm->live, vm->leaked,
				vm->exit_ts ? "yes" : "no");
		}
	}
	fclose(t);
	kvmmem_print_columns(f, text, "  ");
	free(text);

	fprintf(f, "\nvCPUs:\n");
	text = NULL;
	t = open_memstream(&text, &size);
	if (!t)
		return;
	fprintf(t, "PID VCPU TID HYPERCALLS HOST_AVG\n");
	for (i = 0; i < a->nr_vcpus; i++) {
		const struct kvmmem_trace_vcpu *v = &a->vcpus[i];

		fprintf(t, "%" PRIu32 " %" PRIu64 " %" PRIu32 " %" PRIu64 " %s\n",
			v->vm, v->vcpu_id, v->tid, v->hypercalls, v->hypercalls ?
			kvmmem_fmt_ns(b[0], v->host_ns / v->hypercalls) : "-");
	}
	fclose(t);
	kvmmem_print_columns(f, text, "  ");
	free(text);

	fprintf(f, "\nHost-side mappings (local GPA backed by a remote page):\n");
	for (i = 0; i < a->nr_vms; i++) {
		const struct kvmmem_trace_vm *vm = &a->vms[i];

		fprintf(f, "  VM %" PRIu32 " (%s): %s %" PRIu64 " %s\n", vm->pid,
			vm->name, vm->exit_ts ? "exited," : "running,", vm->live,
			vm->exit_ts ? "pages still mapped at its exit (leaked)" :
			"pages mapped at the end of the recording");
		if (!vm->live)
			continue;
		text = NULL;
		t = open_memstream(&text, &size);
		if (!t)
			return;
		fprintf(t, "GPA REMOTE_GPA AGE\n");
		for (j = 0; j < vm->nr_maps; j++) {
			if (!vm->maps[j].live)
				continue;
			host_map_age(a, &vm->maps[j], b[2]);
			fprintf(t, "0x%" PRIx64 " 0x%" PRIx64 " %s\n", vm->maps[j].gpa,
				vm->maps[j].remote_gpa, b[2]);
		}
		fclose(t);
		kvmmem_print_columns(f, text, "      ");
		free(text);
	}
}

/* A host recording: the host's latency histograms and the VM tables. */
static void print_host_report(FILE *f, const struct kvmmem_trace_file *tf,
			      struct kvmmem_trace_analysis *a)
{
	print_latency(f, &a->ops[KT_OP_HOST_HC_MAP], "Host MEM_MAP handling "
		      "(VM exit to VM entry)", "calls");
	print_latency(f, &a->ops[KT_OP_HOST_HC_UNMAP], "Host MEM_UNMAP handling "
		      "(VM exit to VM entry)", "calls");
	if (!a->nr_vms)
		fprintf(f, "\nHost side: no kvmmem hypercall seen\n");
	print_host(f, tf, a);
}

static void report_text(FILE *f, const char *path,
			const struct kvmmem_trace_file *tf,
			struct kvmmem_trace_analysis *a, const struct leak_lists *l)
{
	char *text = NULL, rbuf[32];
	uint64_t slots[KVMMEM_LOG2_SLOTS], errors;
	size_t size = 0, i;
	unsigned int op;
	FILE *t;

	print_header(f, path, tf, a);
	if (!(tf->info.kinds & ~KVMMEM_TRACE_HOST_KINDS)) {
		/* a host recording (--host): no guest driver events */
		print_host_report(f, tf, a);
		return;
	}

	errors = a->ops[KT_OP_MAP].errors + a->ops[KT_OP_UNMAP].errors +
		 a->ops[KT_OP_TEARDOWN_UNMAP].errors;
	fprintf(f, "\nSummary: %" PRIu64 " maps, %" PRIu64 " unmaps, %" PRIu64
		" teardown unmaps, %" PRIu64 " errors, %zu leaked pages, %zu live "
		"at end, %zu orphaned\n", op_count_ok(a, KT_OP_MAP),
		op_count_ok(a, KT_OP_UNMAP), op_count_ok(a, KT_OP_TEARDOWN_UNMAP),
		errors, l->nr_leaked, l->nr_live, l->nr_orphaned);

	fprintf(f, "\nOperations:\n");
	t = open_memstream(&text, &size);
	if (t) {
		fprintf(t, "OPERATION RESULT COUNT\n");
		for (op = 0; op < KT_OP_NR; op++)
			for (i = 0; i < a->ops[op].nr_results; i++)
				fprintf(t, "%s %s %" PRIu64 "\n", kvmmem_trace_op_name(op),
					kvmmem_trace_result_name(op_kind(op),
						a->ops[op].results[i].ret, rbuf),
					a->ops[op].results[i].count);
		fclose(t);
		kvmmem_print_columns(f, text, "  ");
		free(text);
	}

	print_latency(f, &a->ops[KT_OP_HC_MAP], "Hypercall MEM_MAP latency", "calls");
	print_latency(f, &a->ops[KT_OP_HC_UNMAP], "Hypercall MEM_UNMAP latency", "calls");
	print_latency(f, &a->ops[KT_OP_HOST_HC_MAP], "Host MEM_MAP handling", "calls");
	print_latency(f, &a->ops[KT_OP_HOST_HC_UNMAP], "Host MEM_UNMAP handling", "calls");
	print_latency(f, &a->ops[KT_OP_MAP], "MAP ioctl latency", "calls");
	print_latency(f, &a->ops[KT_OP_UNMAP], "UNMAP ioctl latency", "calls");
	print_latency(f, &a->ops[KT_OP_TEARDOWN], "File teardown latency", "teardowns");

	if (a->lifetime.n) {
		struct kvmmem_trace_op_stats lt = { .latency = a->lifetime };
		bool ms = kvmmem_samples_max(&a->lifetime) >= 10000000000ULL;

		if (!ms) {
			print_latency(f, &lt, "Mapping lifetime (map to unmap or teardown)",
				      "mappings");
		} else {
			char b[4][32];

			fprintf(f, "\nMapping lifetime (map to unmap or teardown): %zu "
				"mappings, p50 %s, p90 %s, p99 %s, max %s\n",
				lt.latency.n,
				kvmmem_fmt_ns(b[0], kvmmem_samples_percentile(&lt.latency, 50)),
				kvmmem_fmt_ns(b[1], kvmmem_samples_percentile(&lt.latency, 90)),
				kvmmem_fmt_ns(b[2], kvmmem_samples_percentile(&lt.latency, 99)),
				kvmmem_fmt_ns(b[3], kvmmem_samples_max(&lt.latency)));
			kvmmem_samples_log2(&lt.latency, 1000000, slots);
			kvmmem_print_log2_hist(f, slots, KVMMEM_LOG2_SLOTS, "msecs");
		}
		a->lifetime = lt.latency;	/* sorted by the percentiles */
	}

	print_host(f, tf, a);

	fprintf(f, "\nProcesses:\n");
	print_procs(f, a);

	fprintf(f, "\nLeaks:\n");
	print_leaks(f, a, l->live, l->nr_live,
		    "mappings still live at the end of the recording", false);
	print_leaks(f, a, l->orphaned, l->nr_orphaned,
		    "mappings whose owner exited while the file stayed open", false);
	print_leaks(f, a, l->leaked, l->nr_leaked,
		    "pages the driver reported leaked (host failed to unmap)", true);
	if (report_sites) {
		print_leaks(f, a, l->torn, l->nr_torn,
			    "mappings left to a teardown (never unmapped)", false);
		callsites_text(f, report_sites, tf, a);
	}
}

/* ---------------------------------------------------------------- JSON */

static void json_samples(struct kvmmem_json *j, const char *key,
			 struct kvmmem_trace_op_stats *op)
{
	uint64_t slots[KVMMEM_LOG2_SLOTS];
	struct kvmmem_samples *s = &op->latency;
	int i, last = -1;

	kvmmem_json_object(j, key);
	kvmmem_json_u64(j, "count", s->n);
	kvmmem_json_u64(j, "p50_ns", kvmmem_samples_percentile(s, 50));
	kvmmem_json_u64(j, "p90_ns", kvmmem_samples_percentile(s, 90));
	kvmmem_json_u64(j, "p99_ns", kvmmem_samples_percentile(s, 99));
	kvmmem_json_u64(j, "max_ns", kvmmem_samples_max(s));
	kvmmem_samples_log2(s, 1000, slots);
	for (i = 0; i < KVMMEM_LOG2_SLOTS; i++)
		if (slots[i])
			last = i;
	kvmmem_json_array(j, "log2_usecs");
	for (i = 0; i <= last; i++)
		kvmmem_json_u64(j, NULL, slots[i]);
	kvmmem_json_end(j);
	kvmmem_json_end(j);
}

static void json_mappings(struct kvmmem_json *j, const char *key,
			  const struct kvmmem_trace_analysis *a,
			  const struct kvmmem_trace_mapping **list, size_t n,
			  bool leaked)
{
	char ebuf[32];
	size_t i;

	kvmmem_json_array(j, key);
	for (i = 0; i < n; i++) {
		const struct kvmmem_trace_mapping *m = list[i];
		int64_t age = mapping_age(a, m);

		kvmmem_json_object(j, NULL);
		kvmmem_json_u64(j, "id", m->id);
		kvmmem_json_u64(j, "pid", m->owner);
		kvmmem_json_stringn(j, "comm", m->comm, KT_COMM_LEN);
		kvmmem_json_u64(j, "gva", m->gva);
		kvmmem_json_u64(j, "gpa", m->gpa);
		kvmmem_json_u64(j, "pa", m->pa);
		if (age >= 0)
			kvmmem_json_i64(j, "age_ns", age);
		else
			kvmmem_json_null(j, "age_ns");
		if (m->owner_exit_ts)
			kvmmem_json_u64(j, "owner_exit_ns", m->owner_exit_ts);
		if (leaked)
			kvmmem_json_string(j, "error",
					   kvmmem_trace_result_name(KT_PAGE_LEAKED,
								    m->leak_errno, ebuf));
		if (report_sites)
			callsites_json_mapping(j, report_sites, m->id);
		kvmmem_json_end(j);
	}
	kvmmem_json_end(j);
}

/* "results": {"ok": N, "EFAULT": N, ...} of @op, named as @kind's */
static void json_results(struct kvmmem_json *j, unsigned int kind,
			 const struct kvmmem_trace_op_stats *op)
{
	char rbuf[32];
	size_t i;

	kvmmem_json_object(j, "results");
	for (i = 0; i < op->nr_results; i++)
		kvmmem_json_u64(j, kvmmem_trace_result_name(kind, op->results[i].ret,
							    rbuf),
				op->results[i].count);
	kvmmem_json_end(j);
}

static void json_host(struct kvmmem_json *j, const struct kvmmem_trace_file *tf,
		      struct kvmmem_trace_analysis *a)
{
	double secs = duration_s(tf, a);
	unsigned int hc;
	size_t i, k;

	sort_host(a);
	kvmmem_json_array(j, "vms");
	for (i = 0; i < a->nr_vms; i++) {
		struct kvmmem_trace_vm *vm = &a->vms[i];

		kvmmem_json_object(j, NULL);
		kvmmem_json_u64(j, "pid", vm->pid);
		kvmmem_json_stringn(j, "name", vm->name, sizeof(vm->name));
		kvmmem_json_stringn(j, "comm", vm->comm, KT_COMM_LEN);
		kvmmem_json_object(j, "hypercalls");
		for (hc = 0; hc < KT_HC_NR; hc++) {
			kvmmem_json_object(j, hc_names[hc]);
			kvmmem_json_u64(j, "count", vm->hc[hc].count);
			kvmmem_json_u64(j, "errors", vm->hc[hc].errors);
			kvmmem_json_double(j, "per_s", 3, per_s(vm->hc[hc].count, secs));
			json_results(j, KT_KVM_HC_EXIT, &vm->hc[hc]);
			json_samples(j, "latency", &vm->hc[hc]);
			kvmmem_json_end(j);
		}
		kvmmem_json_end(j);
		kvmmem_json_u64(j, "live", vm->live);
		kvmmem_json_u64(j, "live_max", vm->live_max);
		kvmmem_json_u64(j, "leaked", vm->leaked);
		kvmmem_json_u64(j, "remaps", vm->remaps);
		kvmmem_json_u64(j, "unknown_unmaps", vm->unknown_unmaps);
		kvmmem_json_bool(j, "exited", vm->exit_ts);
		kvmmem_json_array(j, "vcpus");
		for (k = 0; k < a->nr_vcpus; k++) {
			const struct kvmmem_trace_vcpu *v = &a->vcpus[k];

			if (v->vm != vm->pid)
				continue;
			kvmmem_json_object(j, NULL);
			kvmmem_json_u64(j, "vcpu_id", v->vcpu_id);
			kvmmem_json_u64(j, "tid", v->tid);
			kvmmem_json_u64(j, "hypercalls", v->hypercalls);
			kvmmem_json_u64(j, "host_ns", v->host_ns);
			kvmmem_json_end(j);
		}
		kvmmem_json_end(j);
		kvmmem_json_array(j, "mapped");
		for (k = 0; k < vm->nr_maps; k++) {
			const struct kvmmem_trace_host_map *m = &vm->maps[k];

			if (!m->live)
				continue;
			kvmmem_json_object(j, NULL);
			kvmmem_json_u64(j, "gpa", m->gpa);
			kvmmem_json_u64(j, "remote_gpa", m->remote_gpa);
			kvmmem_json_u64(j, "age_ns", m->map_ts && a->end_ts >= m->map_ts ?
					a->end_ts - m->map_ts : 0);
			kvmmem_json_end(j);
		}
		kvmmem_json_end(j);
		kvmmem_json_end(j);
	}
	kvmmem_json_end(j);
}

static void report_json(FILE *f, const char *path,
			const struct kvmmem_trace_file *tf,
			struct kvmmem_trace_analysis *a, const struct leak_lists *l)
{
	const struct kvmmem_trace_info *in = &tf->info;
	struct kvmmem_trace_op_stats lt = { .latency = a->lifetime };
	struct kvmmem_json j;
	unsigned int op;
	size_t i;

	kvmmem_json_init(&j, f);
	kvmmem_json_object(&j, NULL);
	kvmmem_json_string(&j, "file", path);
	kvmmem_json_bool(&j, "complete", tf->complete);
	kvmmem_json_u64(&j, "lost_bytes", tf->lost_bytes);
	kvmmem_json_u64(&j, "events", tf->nr_events);
	kvmmem_json_u64(&j, "drops", tf->drops);
	if (tf->cost.runs) {
		kvmmem_json_object(&j, "cost");
		kvmmem_json_u64(&j, "run_ns", tf->cost.run_ns);
		kvmmem_json_u64(&j, "runs", tf->cost.runs);
		kvmmem_json_u64(&j, "events", tf->cost.events);
		kvmmem_json_end(&j);
	}
	kvmmem_json_u64(&j, "duration_ns", a->end_ts > in->start_mono_ns ?
			a->end_ts - in->start_mono_ns : 0);
	kvmmem_json_object(&j, "header");
	kvmmem_json_u64(&j, "version", in->version);
	kvmmem_json_stringn(&j, "clock", in->clock, sizeof(in->clock));
	kvmmem_json_stringn(&j, "boot_id", in->boot_id, sizeof(in->boot_id));
	kvmmem_json_stringn(&j, "kernel", in->kernel, sizeof(in->kernel));
	kvmmem_json_stringn(&j, "hostname", in->hostname, sizeof(in->hostname));
	kvmmem_json_stringn(&j, "attach", in->attach, sizeof(in->attach));
	kvmmem_json_u64(&j, "start_mono_ns", in->start_mono_ns);
	kvmmem_json_u64(&j, "start_real_ns", in->start_real_ns);
	kvmmem_json_u64(&j, "pid_filter", in->pid_filter);
	kvmmem_json_u64(&j, "kinds", in->kinds);
	kvmmem_json_end(&j);

	kvmmem_json_object(&j, "totals");
	kvmmem_json_u64(&j, "maps", op_count_ok(a, KT_OP_MAP));
	kvmmem_json_u64(&j, "map_errors", a->ops[KT_OP_MAP].errors);
	kvmmem_json_u64(&j, "unmaps", op_count_ok(a, KT_OP_UNMAP));
	kvmmem_json_u64(&j, "unmap_errors", a->ops[KT_OP_UNMAP].errors);
	kvmmem_json_u64(&j, "teardown_unmaps", op_count_ok(a, KT_OP_TEARDOWN_UNMAP));
	kvmmem_json_u64(&j, "teardown_unmap_errors",
			a->ops[KT_OP_TEARDOWN_UNMAP].errors);
	kvmmem_json_u64(&j, "teardowns", a->ops[KT_OP_TEARDOWN].count);
	kvmmem_json_u64(&j, "errors", a->ops[KT_OP_MAP].errors +
			a->ops[KT_OP_UNMAP].errors +
			a->ops[KT_OP_TEARDOWN_UNMAP].errors);
	kvmmem_json_u64(&j, "leaked_pages", l->nr_leaked);
	kvmmem_json_u64(&j, "live_at_end", l->nr_live);
	kvmmem_json_u64(&j, "orphaned", l->nr_orphaned);
	kvmmem_json_u64(&j, "live_max", a->live_max);
	kvmmem_json_u64(&j, "unknown_mappings", a->unknown_ends);
	kvmmem_json_end(&j);

	kvmmem_json_array(&j, "operations");
	for (op = 0; op < KT_OP_NR; op++) {
		kvmmem_json_object(&j, NULL);
		kvmmem_json_string(&j, "op", kvmmem_trace_op_name(op));
		kvmmem_json_u64(&j, "count", a->ops[op].count);
		kvmmem_json_u64(&j, "errors", a->ops[op].errors);
		json_results(&j, op_kind(op), &a->ops[op]);
		json_samples(&j, "latency", &a->ops[op]);
		kvmmem_json_end(&j);
	}
	kvmmem_json_end(&j);
	json_samples(&j, "lifetime", &lt);
	a->lifetime = lt.latency;

	qsort(a->procs, a->nr_procs, sizeof(*a->procs), cmp_proc);
	kvmmem_json_array(&j, "processes");
	for (i = 0; i < a->nr_procs; i++) {
		const struct kvmmem_trace_proc *p = &a->procs[i];

		kvmmem_json_object(&j, NULL);
		kvmmem_json_u64(&j, "pid", p->pid);
		kvmmem_json_stringn(&j, "comm", p->comm, KT_COMM_LEN);
		kvmmem_json_u64(&j, "maps", p->maps);
		kvmmem_json_u64(&j, "map_errors", p->map_errors);
		kvmmem_json_u64(&j, "unmaps", p->unmaps);
		kvmmem_json_u64(&j, "unmap_errors", p->unmap_errors);
		kvmmem_json_u64(&j, "teardown_unmaps", p->teardown_unmaps);
		kvmmem_json_u64(&j, "leaked", p->leaked);
		kvmmem_json_u64(&j, "live", p->live);
		kvmmem_json_u64(&j, "hypercalls", p->hypercalls);
		kvmmem_json_u64(&j, "hypercall_ns", p->hypercall_ns);
		kvmmem_json_bool(&j, "exited", p->exit_ts);
		kvmmem_json_end(&j);
	}
	kvmmem_json_end(&j);
	kvmmem_json_object(&j, "leaks");
	json_mappings(&j, "live_at_end", a, l->live, l->nr_live, false);
	json_mappings(&j, "orphaned", a, l->orphaned, l->nr_orphaned, false);
	json_mappings(&j, "leaked_pages", a, l->leaked, l->nr_leaked, true);
	if (report_sites)
		json_mappings(&j, "teardown", a, l->torn, l->nr_torn, false);
	kvmmem_json_end(&j);
	if (report_sites)
		callsites_json(&j, report_sites, tf);
	json_host(&j, tf, a);
	kvmmem_json_end(&j);
	fputc('\n', f);
}

/* -------------------------------------------------------------- report */

static const char report_doc[] =
"What a recording says: counts per operation and result; hypercall (and "
"ioctl, teardown) latency as log2 histograms with p50/p90/p99/max; the "
"mapping lifetime histogram; a per-process table; and leaks: mappings "
"still live at the end, mappings whose owner exited while the file stayed "
"open, and pages the driver reported leaked, each with owner pid/comm, "
"gva, gpa and age (at the end of the recording).\n"
"\v"
"EXAMPLES:\n"
"    kvmmem-trace report k.ktr\n"
"    kvmmem-trace report --json k.ktr | python3 -m json.tool\n";

int cmd_report(int argc, char **argv)
{
	const struct argp argp = {
		.options = file_options, .parser = file_parse,
		.args_doc = "FILE", .doc = report_doc, .children = file_children,
	};
	struct kvmmem_trace_analysis a;
	struct kvmmem_trace_file tf;
	struct filtered fl = { .tf = &tf };
	struct leak_lists l = { 0 };
	struct callsites cs = { 0 };
	int err, ret = EXIT_FAIL;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	kvmmem_trace_analysis_init(&a);
	fl.next = analyze_events;
	fl.next_ctx = &a;
	err = stream_recording(rep_args.file, filter_events, &fl, &tf);
	if (filter_done(&fl, rep_args.file)) {
		ret = EXIT_USAGE;
		goto cleanup;
	}
	if (err < 0)
		goto cleanup;
	kvmmem_trace_analysis_finish(&a, tf.end_ts);
	kvmmem_trace_analysis_name_vms(&a, tf.names, tf.nr_names);
	if (collect_leaks(&a, &l)) {
		kvmmem_warn("out of memory");
		goto cleanup;
	}
	if (tf.info.stacks || tf.nr_refs) {
		if (callsites_build(&cs, &tf)) {
			kvmmem_warn("out of memory");
			goto cleanup;
		}
		report_sites = &cs;
	}
	if (rep_args.json)
		report_json(stdout, rep_args.file, &tf, &a, &l);
	else
		report_text(stdout, rep_args.file, &tf, &a, &l);
	ret = fflush(stdout) ? EXIT_FAIL : load_status(err);
cleanup:
	report_sites = NULL;
	callsites_free(&cs);
	free_leaks(&l);
	kvmmem_trace_analysis_free(&a);
	kvmmem_trace_file_free(&tf);
	return ret;
}

/* ---------------------------------------------------------------- dump */

static const char dump_doc[] =
"One event per line, in recording order, with the latency of each end "
"event whose start was recorded (TIME is seconds since the recording "
"started).\n"
"\v"
"EXAMPLES:\n"
"    kvmmem-trace dump k.ktr | grep page_leaked\n"
"    kvmmem-trace dump --json k.ktr\n";

struct dump {
	const struct kvmmem_trace_file *tf;
	struct kvmmem_trace_analysis a;
	bool header;		/* the text header is printed */
};

/* Print a chunk's events as they come, with their latencies. */
static int dump_events(void *ctx, const struct kt_event *ev, size_t n)
{
	struct dump *d = ctx;
	const struct kvmmem_trace_clock c = {
		.t0 = d->tf->info.start_mono_ns,
		.real0 = rep_args.wall ? d->tf->info.start_real_ns : 0,
	};
	int64_t lat;
	size_t i;

	if (!rep_args.json && !d->header) {
		kvmmem_trace_print_header(stdout, &c);
		d->header = true;
	}
	for (i = 0; i < n; i++) {
		if (kvmmem_trace_analysis_add(&d->a, &ev[i], &lat))
			lat = -1;
		if (rep_args.json)
			kvmmem_trace_print_event_json(stdout, &ev[i], &c, lat);
		else
			kvmmem_trace_print_event(stdout, &ev[i], &c, lat);
	}
	return ferror(stdout) ? -EIO : 0;
}

int cmd_dump(int argc, char **argv)
{
	const struct argp argp = {
		.options = dump_options, .parser = file_parse,
		.args_doc = "FILE", .doc = dump_doc, .children = file_children,
	};
	struct kvmmem_trace_file tf;
	struct dump d = { .tf = &tf };
	struct filtered fl = { .tf = &tf, .next = dump_events, .next_ctx = &d };
	int err, ret = EXIT_FAIL;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	kvmmem_trace_analysis_init(&d.a);
	err = stream_recording(rep_args.file, filter_events, &fl, &tf);
	if (filter_done(&fl, rep_args.file)) {
		ret = EXIT_USAGE;
		goto cleanup;
	}
	if (err < 0)
		goto cleanup;
	if (!rep_args.json && !d.header)
		kvmmem_trace_print_header(stdout, &(struct kvmmem_trace_clock){
			.real0 = rep_args.wall });
	ret = fflush(stdout) ? EXIT_FAIL : load_status(err);
cleanup:
	kvmmem_trace_analysis_free(&d.a);
	kvmmem_trace_file_free(&tf);
	return ret;
}
