// SPDX-License-Identifier: GPL-2.0
/*
 * session.c - load kvmmem_trace.bpf.c (guest: tp_btf or raw_tp) or
 * kvmmem_host.bpf.c (host: KVM's tracepoints, and fexit or kretprobe
 * for the answers), attach it, and drain its ring buffer on a timer
 * (see session.h). Built only by tools/Makefile: it includes the
 * BPF skeletons.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "common/bpfutil.h"
#include "common/cli.h"
#include "trace/expand.h"
#include "trace/kinds.h"
#include "trace/session.h"
#include "kvmmem_trace.skel.h"
#include "kvmmem_host.skel.h"

/*
 * The guest's tracepoints, and the kind each emits: every kind of
 * KT_KINDS() that is not a KVM host's, in its order (filled once).
 */
static struct kvmmem_bpf_tp tracepoints[KT_NR_KINDS];
static enum kt_kind kinds[KT_NR_KINDS];
static size_t nr_tracepoints;

static void list_tracepoints(void)
{
	const struct kvmmem_trace_kind *k;
	unsigned int i;

	if (nr_tracepoints)
		return;
	for (i = 1; i < KT_NR_KINDS; i++) {
		k = kvmmem_trace_kind(i);
		if (k->host)
			continue;
		tracepoints[nr_tracepoints].tp = k->tp;
		tracepoints[nr_tracepoints].module = k->module;
		kinds[nr_tracepoints++] = (enum kt_kind)i;
	}
}

struct kvmmem_session {
	struct kvmmem_trace_bpf *skel;	/* guest */
	struct kvmmem_host_bpf *host;	/* --host */
	struct bpf_map *events, *drops;
	struct ring_buffer *rb;
	struct kvmmem_expand expand;	/* records to events */
	const char *prog;		/* for messages */
	unsigned int drain_ms;
	const char *attach;		/* how the programs are attached */
	uint32_t max_owners;		/* processes whose exit is tracked */
	int (*stack_cb)(void *ctx, const struct kt_stack_ref *r);
	void *ctx;			/* stack_cb's */
	uint32_t max_stack_maps;	/* kt_stack_of's size */
	uint32_t stack_depth;		/* frames per stack in kt_stacks */
};

_Static_assert(sizeof(struct kt_stack_ref) == KT_STACK_REF_SIZE,
	       "a stack reference is told apart by its size");
_Static_assert(KT_STACK_REF_SIZE != KT_EVENT_SIZE &&
	       KT_STACK_REF_SIZE != KT_OP_EVENT_SIZE &&
	       KT_STACK_REF_SIZE != KT_OP_EVENT_SHORT,
	       "the ring buffer's records differ in size");

/*
 * *@size = @map's entries: the BPF object's, or the environment
 * variable @name's decimal N (1 to UINT32_MAX; else -EINVAL), a test's
 * way to fill a table without that many events.
 */
static int size_from_env(struct bpf_map *map, const char *name,
			 uint32_t *size)
{
	const char *env = getenv(name);
	unsigned long n;
	char *end;

	*size = bpf_map__max_entries(map);
	if (!env)
		return 0;
	errno = 0;
	n = strtoul(env, &end, 10);
	if (errno || end == env || *end || !n || n > UINT32_MAX)
		return -EINVAL;
	*size = (uint32_t)n;
	return bpf_map__set_max_entries(map, *size);
}

/*
 * Size the --stacks maps: one entry each (of one frame) without it:
 * nothing to keep; with it, stacks as deep as the kernel takes them,
 * and KVMMEM_TEST_STACK_TABLE=N sizes kt_stack_of (a test's way to
 * fill it), else the BPF object's sizes.
 */
static int size_stacks(struct kvmmem_session *s, bool stacks)
{
	struct kvmmem_trace_bpf *k = s->skel;
	int err;

	s->stack_depth = stacks ?
			 kvmmem_bpf_max_stack_depth(KT_STACK_DEPTH) : 1;
	err = bpf_map__set_value_size(k->maps.kt_stacks,
				      s->stack_depth * sizeof(uint64_t));
	if (err)
		return err;
	if (!stacks) {
		err = bpf_map__set_max_entries(k->maps.kt_stacks, 1);
		if (!err)
			err = bpf_map__set_max_entries(k->maps.kt_stack_of, 1);
		if (!err)
			err = bpf_map__set_max_entries(k->maps.kt_stack_procs, 1);
		return err;
	}
	return size_from_env(k->maps.kt_stack_of, "KVMMEM_TEST_STACK_TABLE",
			     &s->max_stack_maps);
}

/*
 * Size the table of processes whose exit is recorded (kt_owners):
 * KVMMEM_TEST_MAX_OWNERS=N, a test's way to fill it without N
 * processes, or the BPF object's size.
 */
static int size_owners(struct kvmmem_session *s, struct bpf_map *owners)
{
	return size_from_env(owners, "KVMMEM_TEST_MAX_OWNERS", &s->max_owners);
}

__attribute__((format(printf, 2, 3)))
static void swarn(const struct kvmmem_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvmmem_vwarn(s->prog, fmt, ap);
	va_end(ap);
}

/*
 * How the host programs see the calls, best first: each is tried until
 * one loads and attaches. The first two run at the start and the return
 * of kvm_emulate_hypercall() only; the last runs on KVM's tracepoints,
 * on every exit, and reads no answer ("unknown").
 */
static const struct {
	const char *attach;	/* the recording's attach field (< 16 chars) */
	const char *progs[3];	/* programs of kvmmem_host.bpf.c it loads */
} host_answers[] = {
	{ "fentry+fexit", { "kh_emulate_hypercall_fentry",
			    "kh_emulate_hypercall_fexit" } },
	{ "kprobes", { "kh_emulate_hypercall_kprobe",
		       "kh_emulate_hypercall_kretprobe" } },
	{ "tp", { "kh_kvm_exit", "kh_kvm_hypercall", "kh_kvm_entry" } },
};

#define NR_HOST_ANSWERS	(sizeof(host_answers) / sizeof(host_answers[0]))
_Static_assert(NR_HOST_ANSWERS == KVMMEM_ANSWER_NONE + 1,
	       "one entry per KVMMEM_ANSWER_*, in their order");

/* Load and attach kvmmem_host.bpf.c with answer reader @how. */
static int host_try(struct kvmmem_session *s,
		    const struct kvmmem_session_opts *opts, size_t how)
{
	struct kvmmem_host_bpf *skel;
	struct bpf_program *p;
	const char *name;
	size_t i;
	bool load;
	int err;

	skel = kvmmem_host_bpf__open();
	if (!skel) {
		err = -errno;
		swarn(s, "cannot open the BPF object: %s", strerror(errno));
		return err;
	}
	skel->rodata->targ_tgid = opts->pid;
	skel->rodata->targ_kinds = opts->kinds;
	skel->rodata->wakeup_bytes = opts->buffer_bytes / 2;
	err = bpf_map__set_max_entries(skel->maps.kt_events,
				       (uint32_t)opts->buffer_bytes);
	if (err) {
		swarn(s, "bad ring buffer size %llu: %s",
		      (unsigned long long)opts->buffer_bytes, strerror(-err));
		goto err_destroy;
	}
	err = size_owners(s, skel->maps.kt_owners);
	if (err) {
		swarn(s, "bad KVMMEM_TEST_MAX_OWNERS: %s", strerror(-err));
		goto err_destroy;
	}
	bpf_object__for_each_program(p, skel->obj) {
		name = bpf_program__name(p);
		load = false;
		if (!strncmp(name, "kh_", 3)) {
			for (i = 0; i < sizeof(host_answers[how].progs) /
					 sizeof(host_answers[how].progs[0]); i++)
				if (host_answers[how].progs[i] &&
				    !strcmp(name, host_answers[how].progs[i]))
					load = true;
		} else if (!strcmp(name, "sched_process_exit_btf")) {
			load = opts->kinds & KT_KIND_BIT(KT_PROC_EXIT);
		}
		bpf_program__set_autoload(p, load);
	}
	err = kvmmem_host_bpf__load(skel);
	if (!err)
		err = kvmmem_host_bpf__attach(skel);
	if (err)
		goto err_destroy;
	s->host = skel;
	s->events = skel->maps.kt_events;
	s->drops = skel->maps.kt_drops;
	s->attach = host_answers[how].attach;
	return 0;

err_destroy:
	kvmmem_host_bpf__destroy(skel);
	return err;
}

static int host_open(struct kvmmem_session *s,
		     const struct kvmmem_session_opts *opts)
{
	size_t how;
	int err;

	if (opts->host_answer >= NR_HOST_ANSWERS)
		return -EINVAL;
	err = kvmmem_bpf_preflight_kvm(s->prog);
	if (err)
		return err;
	kvmmem_bpf_set_print(opts->verbose);
	for (how = opts->host_answer; how < NR_HOST_ANSWERS; how++) {
		/* libbpf's warnings only for the last way (-v: for all) */
		kvmmem_bpf_set_quiet(how + 1 < NR_HOST_ANSWERS);
		err = host_try(s, opts, how);
		kvmmem_bpf_set_quiet(false);
		if (!err)
			break;
		if (opts->verbose && how + 1 < NR_HOST_ANSWERS)
			swarn(s, "%s failed (%s): trying %s", host_answers[how].attach,
			      strerror(-err), host_answers[how + 1].attach);
	}
	if (err) {
		swarn(s, "cannot load or attach the host programs, neither at "
		      "kvm_emulate_hypercall() nor on KVM's tracepoints "
		      "(kvm:kvm_exit, kvm:kvm_hypercall, kvm:kvm_entry): %s; "
		      "run with -v for libbpf's reasons", strerror(-err));
		return err;
	}
	if (how == KVMMEM_ANSWER_NONE && opts->host_answer != KVMMEM_ANSWER_NONE)
		swarn(s, "cannot attach fentry/fexit or kprobe/kretprobe to "
		      "kvm_emulate_hypercall: on KVM's tracepoints instead, "
		      "the answers the guests get are recorded as unknown");
	return 0;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct kvmmem_session *s = ctx;
	struct kt_stack_ref r;

	if (size == sizeof(r)) {
		if (!s->stack_cb)
			return 0;
		memcpy(&r, data, sizeof(r));
		return s->stack_cb(s->ctx, &r);
	}
	return kvmmem_expand_record(&s->expand, data, size);
}

static int check_environment(const struct kvmmem_session *s,
			     const struct kvmmem_session_opts *opts)
{
	int err = kvmmem_bpf_preflight(s->prog);
	uint32_t hostsim = 0;
	size_t i;

	if (err)
		return err;
	for (i = 0; i < nr_tracepoints; i++)
		if (tracepoints[i].module &&
		    !strcmp(tracepoints[i].module, "kvmmem_hostsim"))
			hostsim |= KT_KIND_BIT(kinds[i]);
	if ((opts->kinds & hostsim) && !kvmmem_module_loaded("kvmmem_hostsim"))
		swarn(s, "kvmmem_hostsim is not loaded: no host-side events "
		      "(they exist only with the emulated host)");
	return 0;
}

/*
 * The end kind whose program brings back each kind that only comes from
 * an operation's end when one program runs per operation.
 */
static const struct {
	enum kt_kind end;
	uint32_t kinds;
} op_ends[] = {
	{ KT_MAP_END, KT_MAP_OP_KINDS },
	{ KT_UNMAP_END, KT_UNMAP_OP_KINDS },
	{ KT_TEARDOWN_UNMAP, KT_TEARDOWN_OP_KINDS },
};

#define NR_OP_ENDS	(sizeof(op_ends) / sizeof(op_ends[0]))

/*
 * The kinds the BPF programs keep. One program per operation: a page
 * leak is put back in its place among its operation's events (expand.c),
 * so the operations that may leak a page must send their end.
 */
static uint32_t bpf_kinds(const struct kvmmem_session_opts *opts)
{
	uint32_t kinds = opts->kinds;
	size_t i;

	if (!opts->every_tracepoint && (kinds & KT_KIND_BIT(KT_PAGE_LEAKED)))
		for (i = 0; i < NR_OP_ENDS; i++)
			kinds |= op_ends[i].kinds;
	return kinds;
}

/* Does the guest session attach a program to @k's tracepoint? */
static bool guest_wants(const struct kvmmem_session_opts *opts, enum kt_kind k)
{
	uint32_t kinds = bpf_kinds(opts);
	size_t i;

	/* map_end feeds the set of processes whose exit matters */
	if (k == KT_MAP_END && (kinds & KT_KIND_BIT(KT_PROC_EXIT)))
		return true;
	/* --stacks: where a mapping begins, and the three ways it ends */
	if (opts->stacks && (k == KT_MAP_END || k == KT_UNMAP_END ||
			     k == KT_TEARDOWN_UNMAP || k == KT_PAGE_LEAKED))
		return true;
	if (opts->every_tracepoint)
		return kinds & KT_KIND_BIT(k);
	if (KT_OP_ONLY_KINDS & KT_KIND_BIT(k))
		return false;
	for (i = 0; i < NR_OP_ENDS; i++)
		if (op_ends[i].end == k)
			return kinds & op_ends[i].kinds;
	return kinds & KT_KIND_BIT(k);
}

/*
 * Open, load and attach kvmmem_trace.bpf.c's @want programs as raw_tp
 * (@raw_tp) or tp_btf. On failure the skeleton is gone; only a raw_tp
 * failure is said here (a tp_btf one is the caller's to fall back from).
 */
static int guest_load(struct kvmmem_session *s,
		      const struct kvmmem_session_opts *opts, const bool *want,
		      bool raw_tp)
{
	const char *attach = raw_tp ? "raw_tp" : "tp_btf";
	int err;

	s->skel = kvmmem_trace_bpf__open();
	if (!s->skel) {
		err = -errno;
		swarn(s, "cannot open the BPF object: %s", strerror(errno));
		return err;
	}
	s->skel->rodata->targ_tgid = opts->pid;
	s->skel->rodata->targ_kinds = bpf_kinds(opts);
	s->skel->rodata->targ_ops = !opts->every_tracepoint;
	s->skel->rodata->targ_stacks = opts->stacks;
	s->skel->rodata->targ_kstacks = opts->stacks && opts->kernel_stacks;
	s->skel->rodata->wakeup_bytes = opts->buffer_bytes / 2;
	err = bpf_map__set_max_entries(s->skel->maps.kt_events,
				       (uint32_t)opts->buffer_bytes);
	if (err) {
		swarn(s, "bad ring buffer size %llu: %s",
		      (unsigned long long)opts->buffer_bytes, strerror(-err));
		goto err_destroy;
	}
	err = size_owners(s, s->skel->maps.kt_owners);
	if (err) {
		swarn(s, "bad KVMMEM_TEST_MAX_OWNERS: %s", strerror(-err));
		goto err_destroy;
	}
	err = size_stacks(s, opts->stacks);
	if (err) {
		swarn(s, "bad KVMMEM_TEST_STACK_TABLE: %s", strerror(-err));
		goto err_destroy;
	}
	kvmmem_bpf_autoload(s->skel->obj, tracepoints, want, nr_tracepoints,
			    raw_tp);
	if (!raw_tp)
		kvmmem_bpf_test_break_tp_btf(s->skel->obj);

	err = kvmmem_trace_bpf__load(s->skel);
	if (err) {
		if (raw_tp) {
			swarn(s, "cannot load the BPF programs (%s): %s; run with "
			      "-v for the verifier's log", attach, strerror(-err));
			kvmmem_bpf_note_lockdown(s->prog);
		}
		goto err_destroy;
	}
	err = kvmmem_trace_bpf__attach(s->skel);
	if (err) {
		if (raw_tp)
			swarn(s, "cannot attach to the kvmmem tracepoints (%s): %s",
			      attach, strerror(-err));
		goto err_destroy;
	}
	s->attach = attach;
	return 0;

err_destroy:
	kvmmem_trace_bpf__destroy(s->skel);
	s->skel = NULL;
	return err;
}

static int guest_open(struct kvmmem_session *s,
		      const struct kvmmem_session_opts *opts)
{
	bool want[KT_NR_KINDS] = { false };
	bool raw_tp;
	size_t i;
	int err;

	list_tracepoints();
	err = check_environment(s, opts);
	if (err)
		return err;
	kvmmem_bpf_set_print(opts->verbose);

	for (i = 0; i < nr_tracepoints; i++) {
		const char *mod = tracepoints[i].module;
		enum kt_kind k = kinds[i];

		want[i] = guest_wants(opts, k) &&
			  (!mod || kvmmem_module_loaded(mod));
	}
	raw_tp = opts->force_raw_tp ||
		 !kvmmem_bpf_tp_btf_usable(tracepoints, want, nr_tracepoints,
					   s->prog, opts->verbose);
	kvmmem_bpf_set_quiet(!raw_tp);
	err = guest_load(s, opts, want, raw_tp);
	kvmmem_bpf_set_quiet(false);
	if (err && !raw_tp) {
		/* BTF there but unusable (stale module BTF, an old kernel) */
		kvmmem_bpf_note_raw_tp_fallback(s->prog, err);
		err = guest_load(s, opts, want, true);
	}
	if (err)
		return err;
	s->events = s->skel->maps.kt_events;
	s->drops = s->skel->maps.kt_drops;
	return 0;
}

int kvmmem_session_open(const struct kvmmem_session_opts *opts,
			kvmmem_session_cb cb, void *ctx,
			struct kvmmem_session **sp)
{
	struct kvmmem_session *s;
	int err;

	*sp = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	kvmmem_expand_init(&s->expand, opts->kinds, opts->pid,
			   !opts->host && !opts->every_tracepoint, cb, ctx);
	s->prog = opts->prog ? opts->prog : "kvmmem";
	s->drain_ms = opts->drain_ms;
	if (opts->stacks && opts->host) {
		swarn(s, "--stacks is for a guest's recording, not --host");
		free(s);
		return -EINVAL;
	}
	s->stack_cb = opts->stacks ? opts->stack_cb : NULL;
	s->ctx = ctx;

	err = opts->host ? host_open(s, opts) : guest_open(s, opts);
	if (err)
		goto err_close;
	s->rb = ring_buffer__new(bpf_map__fd(s->events), handle_event, s, NULL);
	if (!s->rb) {
		err = -errno;
		swarn(s, "cannot set up the ring buffer: %s", strerror(errno));
		goto err_close;
	}
	if (opts->verbose)
		swarn(s, "attached as %s, %llu-byte ring buffer, drained every %u ms",
		      s->attach, (unsigned long long)opts->buffer_bytes,
		      opts->drain_ms);
	*sp = s;
	return 0;

err_close:
	kvmmem_session_close(s);
	return err;
}

int kvmmem_session_drain(struct kvmmem_session *s)
{
	int n = ring_buffer__consume(s->rb);

	return n < 0 ? n : 0;
}

int kvmmem_session_finish(struct kvmmem_session *s)
{
	int err = kvmmem_session_drain(s);

	return err ? err : kvmmem_expand_flush(&s->expand);
}

int kvmmem_session_poll(struct kvmmem_session *s)
{
	int n;

	/* Returns early only when BPF forced a wakeup (buffer half full). */
	n = ring_buffer__poll(s->rb, (int)s->drain_ms);
	if (n < 0)
		return n;
	return kvmmem_session_drain(s);
}

/* The drops of slot @why (enum kt_drop), over every CPU. */
static uint64_t drops_of(struct kvmmem_session *s, uint32_t why)
{
	uint64_t sum = 0;

	if (kvmmem_bpf_percpu_sum(s->drops, &why, sizeof(why), &sum, 1))
		return 0;
	return sum;
}

uint64_t kvmmem_session_drops(struct kvmmem_session *s)
{
	return drops_of(s, KT_DROP_RING) + drops_of(s, KT_DROP_EXIT);
}

void kvmmem_session_warn_drops(struct kvmmem_session *s)
{
	uint64_t ring = drops_of(s, KT_DROP_RING), exits = drops_of(s, KT_DROP_EXIT);

	if (ring)
		swarn(s, "%" PRIu64 " events were dropped (ring buffer full): use a "
		      "bigger --buffer or a shorter --drain-ms", ring);
	if (exits)
		swarn(s, "%" PRIu64 " process exits were dropped: more than %u "
		      "processes had mappings", exits, s->max_owners);
	if (s->skel && s->stack_cb) {
		struct kvmmem_session_stack_drops d;

		kvmmem_session_stack_drops(s, &d);
		if (d.stack)
			swarn(s, "%" PRIu64 " stacks could not be taken (the stack "
			      "map full, or a hash collision in it): their "
			      "mappings have no stack", d.stack);
		if (d.table)
			swarn(s, "%" PRIu64 " mappings got no stack: more than %u "
			      "were live at once", d.table, s->max_stack_maps);
		if (d.ref)
			swarn(s, "%" PRIu64 " stack references were dropped (ring "
			      "buffer full): use a bigger --buffer", d.ref);
	}
}

void kvmmem_session_stack_drops(struct kvmmem_session *s,
				struct kvmmem_session_stack_drops *d)
{
	d->stack = drops_of(s, KT_DROP_STACK);
	d->table = drops_of(s, KT_DROP_STACK_TABLE);
	d->ref = drops_of(s, KT_DROP_STACK_REF);
}

int kvmmem_session_stack(struct kvmmem_session *s, int32_t stack,
			 uint64_t *ips, size_t max)
{
	uint64_t frames[KT_STACK_DEPTH];
	uint32_t key;
	size_t n;

	if (stack < 0 || !s->skel)
		return 0;
	key = (uint32_t)stack;
	if (bpf_map__lookup_elem(s->skel->maps.kt_stacks, &key, sizeof(key),
				 frames, s->stack_depth * sizeof(uint64_t), 0))
		return -errno;
	for (n = 0; n < s->stack_depth && n < max && frames[n]; n++)
		ips[n] = frames[n];
	return (int)n;
}

int kvmmem_session_live_stacks(struct kvmmem_session *s,
			       int (*cb)(void *ctx, const struct kt_stack_ref *r),
			       void *ctx)
{
	struct bpf_map *m;
	struct kt_stack_val v;
	struct kt_stack_ref r;
	uint64_t key, next, left;
	void *prev = NULL;
	int err;

	if (!s->skel)
		return 0;
	m = s->skel->maps.kt_stack_of;
	/* a key deleted meanwhile restarts the walk: bound it */
	left = 2 * (uint64_t)bpf_map__max_entries(m);
	while (left-- &&
	       !(err = bpf_map__get_next_key(m, prev, &next, sizeof(next)))) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(m, &key, sizeof(key), &v, sizeof(v), 0))
			continue;	/* gone meanwhile: unmapped */
		r = (struct kt_stack_ref){ .id = key, .tgid = v.tgid,
					   .ustack = v.ustack, .kstack = v.kstack,
					   .why = KT_STACK_LIVE };
		err = cb(ctx, &r);
		if (err)
			return err;
	}
	return err == -ENOENT || left == UINT64_MAX ? 0 : err;
}

int kvmmem_session_run_stats(const struct kvmmem_session *s, uint64_t *run_ns,
			     uint64_t *runs)
{
	return kvmmem_bpf_run_stats(s->skel ? s->skel->obj : s->host->obj,
				    run_ns, runs);
}

const char *kvmmem_session_attach(const struct kvmmem_session *s)
{
	return s->attach;
}

void kvmmem_session_close(struct kvmmem_session *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	kvmmem_trace_bpf__destroy(s->skel);
	kvmmem_host_bpf__destroy(s->host);
	free(s);
}
