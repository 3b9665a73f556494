// SPDX-License-Identifier: GPL-2.0
/*
 * session.c - load kvmmem_trace.bpf.c, attach it as tp_btf or raw_tp,
 * and drain its ring buffer on a timer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpfutil.h"
#include "kvmmem-trace.h"
#include "kvmmem_trace.skel.h"

/* The tracepoints kvmmem-trace attaches to, and the kind each emits. */
static const struct kvmmem_bpf_tp tracepoints[] = {
	{ "kvmmem_map_start", "kvmmem" },
	{ "kvmmem_map_end", "kvmmem" },
	{ "kvmmem_unmap_start", "kvmmem" },
	{ "kvmmem_unmap_end", "kvmmem" },
	{ "kvmmem_teardown_unmap", "kvmmem" },
	{ "kvmmem_page_leaked", "kvmmem" },
	{ "kvmmem_teardown_start", "kvmmem" },
	{ "kvmmem_teardown_end", "kvmmem" },
	{ "kvmmem_hypercall_enter", "kvmmem" },
	{ "kvmmem_hypercall_exit", "kvmmem" },
	{ "kvmmem_hostsim_hypercall_enter", "kvmmem_hostsim" },
	{ "kvmmem_hostsim_hypercall_exit", "kvmmem_hostsim" },
	{ "kvmmem_hostsim_token", "kvmmem_hostsim" },
	{ "sched_process_exit", NULL },
};

static const enum kt_kind kinds[] = {
	KT_MAP_START, KT_MAP_END, KT_UNMAP_START, KT_UNMAP_END,
	KT_TEARDOWN_UNMAP, KT_PAGE_LEAKED, KT_TEARDOWN_START, KT_TEARDOWN_END,
	KT_HC_ENTER, KT_HC_EXIT, KT_HOST_HC_ENTER, KT_HOST_HC_EXIT,
	KT_HOST_TOKEN, KT_PROC_EXIT,
};

#define NR_TRACEPOINTS	(sizeof(tracepoints) / sizeof(tracepoints[0]))
_Static_assert(sizeof(kinds) / sizeof(kinds[0]) == NR_TRACEPOINTS,
	       "one kind per tracepoint");

struct session {
	struct kvmmem_trace_bpf *skel;
	struct ring_buffer *rb;
	session_cb cb;
	void *ctx;
	unsigned int drain_ms;
	bool raw_tp;
};

static int handle_event(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;
	struct kt_event e;

	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	return s->cb(s->ctx, &e);
}

static int check_environment(const struct session_opts *opts)
{
	int err = kvmmem_bpf_preflight(prog);

	if (err)
		return err;
	if ((opts->kinds & (KT_KIND_BIT(KT_HOST_HC_ENTER) |
			    KT_KIND_BIT(KT_HOST_HC_EXIT) |
			    KT_KIND_BIT(KT_HOST_TOKEN))) &&
	    !kvmmem_module_loaded("kvmmem_hostsim"))
		warn("kvmmem_hostsim is not loaded: no host-side events "
		     "(they exist only with the emulated host)");
	return 0;
}

int session_open(const struct session_opts *opts, session_cb cb, void *ctx,
		 struct session **sp)
{
	bool want[NR_TRACEPOINTS] = { false };
	struct session *s;
	size_t i;
	int err;

	*sp = NULL;
	err = check_environment(opts);
	if (err)
		return err;
	kvmmem_bpf_set_print(verbose);

	for (i = 0; i < NR_TRACEPOINTS; i++) {
		const char *mod = tracepoints[i].module;
		enum kt_kind k = kinds[i];

		want[i] = (opts->kinds & KT_KIND_BIT(k)) &&
			  (!mod || kvmmem_module_loaded(mod));
		/* map_end feeds the set of processes whose exit matters */
		if (k == KT_MAP_END && (opts->kinds & KT_KIND_BIT(KT_PROC_EXIT)))
			want[i] = true;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cb = cb;
	s->ctx = ctx;
	s->drain_ms = opts->drain_ms;
	s->raw_tp = opts->force_raw_tp ||
		    !kvmmem_bpf_tp_btf_usable(tracepoints, want, NR_TRACEPOINTS,
					      prog, verbose);

	s->skel = kvmmem_trace_bpf__open();
	if (!s->skel) {
		err = -errno;
		warn("cannot open the BPF object: %s", strerror(errno));
		goto err_free;
	}
	s->skel->rodata->targ_tgid = opts->pid;
	s->skel->rodata->targ_kinds = opts->kinds;
	s->skel->rodata->wakeup_bytes = opts->buffer_bytes / 2;
	err = bpf_map__set_max_entries(s->skel->maps.kt_events,
				       (uint32_t)opts->buffer_bytes);
	if (err) {
		warn("bad ring buffer size %llu: %s",
		     (unsigned long long)opts->buffer_bytes, strerror(-err));
		goto err_destroy;
	}

	kvmmem_bpf_autoload(s->skel->obj, tracepoints, want, NR_TRACEPOINTS,
			    s->raw_tp);

	err = kvmmem_trace_bpf__load(s->skel);
	if (err) {
		warn("cannot load the BPF programs (%s): %s; run with -v for "
		     "the verifier's log%s", s->raw_tp ? "raw_tp" : "tp_btf",
		     strerror(-err), s->raw_tp ? "" :
		     ", or try --force-raw-tp");
		goto err_destroy;
	}
	err = kvmmem_trace_bpf__attach(s->skel);
	if (err) {
		warn("cannot attach to the kvmmem tracepoints (%s): %s",
		     s->raw_tp ? "raw_tp" : "tp_btf", strerror(-err));
		goto err_destroy;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.kt_events),
				 handle_event, s, NULL);
	if (!s->rb) {
		err = -errno;
		warn("cannot set up the ring buffer: %s", strerror(errno));
		goto err_destroy;
	}
	if (verbose)
		warn("attached as %s, %llu-byte ring buffer, drained every %u ms",
		     s->raw_tp ? "raw_tp" : "tp_btf",
		     (unsigned long long)opts->buffer_bytes, opts->drain_ms);
	*sp = s;
	return 0;

err_destroy:
	kvmmem_trace_bpf__destroy(s->skel);
err_free:
	free(s);
	return err;
}

int session_drain(struct session *s)
{
	int n = ring_buffer__consume(s->rb);

	return n < 0 ? n : 0;
}

int session_poll(struct session *s)
{
	int n;

	/* Returns early only when BPF forced a wakeup (buffer half full). */
	n = ring_buffer__poll(s->rb, (int)s->drain_ms);
	if (n < 0)
		return n;
	return session_drain(s);
}

uint64_t session_drops(struct session *s)
{
	uint64_t sum = 0;
	uint32_t zero = 0;

	if (kvmmem_bpf_percpu_u64_sum(s->skel->maps.kt_drops, &zero,
				      sizeof(zero), &sum))
		return 0;
	return sum;
}

const char *session_attach(const struct session *s)
{
	return s->raw_tp ? "raw_tp" : "tp_btf";
}

void session_close(struct session *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	kvmmem_trace_bpf__destroy(s->skel);
	free(s);
}
