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

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kvmmem-trace.h"
#include "kvmmem_trace.skel.h"

#define SYS_MODULE	"/sys/module/"
#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"

/* Which kind each traced tracepoint emits, and the module it is in. */
static const struct {
	const char *tp;
	enum kt_kind kind;
	const char *module;	/* NULL: the kernel */
} tracepoints[] = {
	{ "kvmmem_map_start", KT_MAP_START, "kvmmem" },
	{ "kvmmem_map_end", KT_MAP_END, "kvmmem" },
	{ "kvmmem_unmap_start", KT_UNMAP_START, "kvmmem" },
	{ "kvmmem_unmap_end", KT_UNMAP_END, "kvmmem" },
	{ "kvmmem_teardown_unmap", KT_TEARDOWN_UNMAP, "kvmmem" },
	{ "kvmmem_page_leaked", KT_PAGE_LEAKED, "kvmmem" },
	{ "kvmmem_teardown_start", KT_TEARDOWN_START, "kvmmem" },
	{ "kvmmem_teardown_end", KT_TEARDOWN_END, "kvmmem" },
	{ "kvmmem_hypercall_enter", KT_HC_ENTER, "kvmmem" },
	{ "kvmmem_hypercall_exit", KT_HC_EXIT, "kvmmem" },
	{ "kvmmem_hostsim_hypercall_enter", KT_HOST_HC_ENTER, "kvmmem_hostsim" },
	{ "kvmmem_hostsim_hypercall_exit", KT_HOST_HC_EXIT, "kvmmem_hostsim" },
	{ "kvmmem_hostsim_token", KT_HOST_TOKEN, "kvmmem_hostsim" },
	{ "sched_process_exit", KT_PROC_EXIT, NULL },
};

#define NR_TRACEPOINTS	(sizeof(tracepoints) / sizeof(tracepoints[0]))

struct session {
	struct kvmmem_trace_bpf *skel;
	struct ring_buffer *rb;
	session_cb cb;
	void *ctx;
	unsigned int drain_ms;
	bool raw_tp;
	int nr_cpus;
};

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	if (!verbose && level == LIBBPF_INFO)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), SYS_MODULE "%s", name);
	return !access(path, F_OK);
}

/* Does @module's BTF describe tracepoint @tp (btf_trace_<tp>)? */
static bool tp_has_btf(struct btf *vmlinux, const char *module, const char *tp)
{
	char name[128];
	struct btf *btf = vmlinux;
	bool found;

	if (module) {
		btf = btf__load_module_btf(module, vmlinux);
		if (!btf)
			return false;
	}
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	found = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
	if (module)
		btf__free(btf);
	return found;
}

/* tp_btf for every wanted tracepoint, or raw_tp for all. */
static bool can_use_tp_btf(const bool *want)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool ok = vmlinux != NULL;
	size_t i;

	for (i = 0; ok && i < NR_TRACEPOINTS; i++) {
		if (!want[i])
			continue;
		ok = tp_has_btf(vmlinux, tracepoints[i].module, tracepoints[i].tp);
		if (!ok && verbose)
			warn("no BTF for tracepoint %s (%s): using raw_tp",
			     tracepoints[i].tp, tracepoints[i].module ?
			     tracepoints[i].module : "vmlinux");
	}
	btf__free(vmlinux);
	return ok;
}

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
	if (geteuid() != 0) {
		warn("needs root (BPF programs and tracepoints need CAP_BPF and "
		     "CAP_PERFMON): run it with sudo");
		return -EPERM;
	}
	if (!module_loaded("kvmmem")) {
		warn("the kvmmem module is not loaded: insmod kernel/kvmmem.ko "
		     "(and kernel/kvmmem_hostsim.ko for the emulated host)");
		return -ENOENT;
	}
	if (access(VMLINUX_BTF, R_OK)) {
		warn("this kernel has no BTF (%s is missing): kvmmem-trace's CO-RE "
		     "programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y",
		     VMLINUX_BTF);
		return -ENOENT;
	}
	if ((opts->kinds & (KT_KIND_BIT(KT_HOST_HC_ENTER) |
			    KT_KIND_BIT(KT_HOST_HC_EXIT) |
			    KT_KIND_BIT(KT_HOST_TOKEN))) &&
	    !module_loaded("kvmmem_hostsim"))
		warn("kvmmem_hostsim is not loaded: no host-side events "
		     "(they exist only with the emulated host)");
	return 0;
}

int session_open(const struct session_opts *opts, session_cb cb, void *ctx,
		 struct session **sp)
{
	bool want[NR_TRACEPOINTS] = { false };
	struct bpf_program *prog;
	struct session *s;
	const char *name;
	size_t i, len;
	int err;

	*sp = NULL;
	err = check_environment(opts);
	if (err)
		return err;
	libbpf_set_print(libbpf_print);

	for (i = 0; i < NR_TRACEPOINTS; i++) {
		const char *mod = tracepoints[i].module;
		enum kt_kind k = tracepoints[i].kind;

		want[i] = (opts->kinds & KT_KIND_BIT(k)) && (!mod || module_loaded(mod));
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
	s->raw_tp = opts->force_raw_tp || !can_use_tp_btf(want);
	s->nr_cpus = libbpf_num_possible_cpus();
	if (s->nr_cpus <= 0) {
		warn("cannot count the possible CPUs: %s", strerror(-s->nr_cpus));
		err = s->nr_cpus ? s->nr_cpus : -EINVAL;
		goto err_free;
	}

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

	bpf_object__for_each_program(prog, s->skel->obj) {
		bool load = false;

		name = bpf_program__name(prog);
		len = strlen(name);
		for (i = 0; i < NR_TRACEPOINTS; i++) {
			size_t tl = strlen(tracepoints[i].tp);

			if (len == tl + 4 && !strncmp(name, tracepoints[i].tp, tl)) {
				load = want[i] &&
				       !strcmp(name + tl, s->raw_tp ? "_raw" : "_btf");
				break;
			}
		}
		bpf_program__set_autoload(prog, load);
	}

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
	uint64_t *vals, sum = 0;
	uint32_t zero = 0;
	int i;

	vals = calloc((size_t)s->nr_cpus, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map__lookup_elem(s->skel->maps.kt_drops, &zero, sizeof(zero),
				  vals, (size_t)s->nr_cpus * sizeof(*vals), 0))
		for (i = 0; i < s->nr_cpus; i++)
			sum += vals[i];
	free(vals);
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
