// SPDX-License-Identifier: GPL-2.0
/*
 * host.c - kvmmem-top --host: the source of rows per VM on a KVM host.
 *
 * The host's kvmmem hypercalls are rare events (a few per map), so this
 * source uses the host session kvmmem-trace --host uses (the tools'
 * trace/session.c: kvmmem_host.bpf.c, ring buffer without wakeups) and
 * drains it once per frame into top_host (top_host.c), which
 * keeps the trace analysis's per-VM view: calls, answers, host latency
 * histograms, local GPAs mapped and what an exited VM left mapped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bpfutil.h"
#include "kvmmem-top.h"
#include "common/vmm.h"
#include "trace/analysis.h"
#include "trace/kinds.h"
#include "trace/session.h"
#include "util.h"

struct host {
	struct top_source src;
	struct kvmmem_session *session;
	struct top_host model;
	int err;		/* first error of the event callback */
};

/* A VM's first hypercall: its name, from its VMM's command line. */
static void name_vm(struct host *h, uint32_t pid)
{
	char name[KVMMEM_VMM_NAME_LEN];

	if (kvmmem_vmm_name_of(pid, name)[0])
		top_host_name(&h->model, pid, name);
}

static int host_event(void *ctx, const struct kt_event *e)
{
	struct host *h = ctx;
	bool new_vm = e->kind == KT_KVM_HC_ENTER &&
		      !kvmmem_trace_analysis_get_vm(h->model.a, e->pid);
	int err;

	if (h->err)
		return 0;
	err = top_host_add(&h->model, e);
	if (err)
		h->err = err;
	else if (new_vm)
		name_vm(h, e->pid);
	return 0;
}

static int host_sample(struct top_source *src, struct top_sample *s)
{
	struct host *h = (struct host *)src;
	int err = kvmmem_session_drain(h->session);

	if (!err)
		err = h->err;
	return err ? err : top_host_sample(&h->model, kvmmem_mono_ns(),
					   kvmmem_session_drops(h->session), s);
}

static int host_check(struct top_source *src, char *why, size_t len)
{
	(void)src;
	/* the attached programs hold a reference on kvm: only rmmod -f */
	if (kvmmem_module_loaded("kvm"))
		return 0;
	snprintf(why, len, "the kvm module was unloaded: nothing left to watch");
	return -ENODEV;
}

static void host_close(struct top_source *src)
{
	struct host *h = (struct host *)src;

	if (!h)
		return;
	kvmmem_session_close(h->session);
	top_host_free(&h->model);
	free(h);
}

int host_source_open(struct top_source **srcp)
{
	struct kvmmem_session_opts opts = {
		.kinds = KVMMEM_TRACE_HOST_KINDS,
		.buffer_bytes = 8 << 20,
		.drain_ms = 100,
		.host = true,
		.verbose = verbose,
		.prog = kvmmem_prog,
	};
	struct host *h;
	int err;

	*srcp = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->src.desc = &top_host_desc;
	h->src.sample = host_sample;
	h->src.check = host_check;
	h->src.close = host_close;
	err = top_host_init(&h->model);
	if (!err)
		err = kvmmem_session_open(&opts, host_event, h, &h->session);
	if (err) {
		host_close(&h->src);
		return err;
	}
	h->src.attach = kvmmem_session_attach(h->session);
	*srcp = &h->src;
	return 0;
}
