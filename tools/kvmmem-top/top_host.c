// SPDX-License-Identifier: GPL-2.0
/*
 * top_host.c - kvmmem-top's host model (top.h): the events of a host
 * session, through the trace analysis, as samples of one row per VM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/hist.h"
#include "top.h"
#include "trace/analysis.h"
#include "trace/kinds.h"
#include "util.h"

/* Answers as the host's BPF saw them: raw KVM codes ("KVM_ENOSYS"). */
static const char *host_result_name(int64_t ret, char buf[32])
{
	return kvmmem_trace_result_name(KT_KVM_HC_EXIT, ret, buf);
}

const struct top_desc top_host_desc = {
	.title = "kvmmem-top --host",
	.id_col = "PID",
	.name_col = "VM",
	.id_key = "pid",
	.name_key = "vm",
	.rows_key = "vms",
	.nr_ops = 2,
	.op_names = { KVMMEM_HC_MAP_NAME, KVMMEM_HC_UNMAP_NAME },
	.row_ops = 0x3,
	.hc_ops = 0x3,
	.result_name = host_result_name,
};

static void results_of(struct top_results *res,
		       const struct kvmmem_trace_op_stats *st)
{
	struct top_result all[64];
	size_t i, n = 0;
	uint64_t rest = 0;

	/* more distinct answers than fit here: the rest go to "other" */
	for (i = 0; i < st->nr_results; i++) {
		if (n < sizeof(all) / sizeof(all[0]))
			all[n++] = (struct top_result){ st->results[i].ret,
							st->results[i].count };
		else
			rest += st->results[i].count;
	}
	top_results_set(res, all, n);
	res->other += rest;
}

/* Add @st's answers to @op (TOP_ANS_HC_*) to the system-wide ones. */
static void answers_of(struct top_sample *s, uint32_t op,
		       const struct kvmmem_trace_op_stats *st)
{
	size_t i, j;

	for (i = 0; i < st->nr_results; i++) {
		for (j = 0; j < s->nr_answers; j++)
			if (s->answers[j].op == op &&
			    s->answers[j].ret == st->results[i].ret)
				break;
		if (j < s->nr_answers)
			s->answers[j].count += st->results[i].count;
		else if (s->nr_answers < TOP_MAX_ANSWERS)
			s->answers[s->nr_answers++] = (struct top_answer){
				.op = op, .ret = st->results[i].ret,
				.count = st->results[i].count,
			};
	}
}

int top_host_init(struct top_host *h)
{
	memset(h, 0, sizeof(*h));
	h->a = calloc(1, sizeof(*h->a));
	if (!h->a)
		return -ENOMEM;
	kvmmem_trace_analysis_init(h->a);
	return 0;
}

int top_host_add(struct top_host *h, const struct kt_event *e)
{
	struct kvmmem_trace_vm *vm;
	unsigned int slot, op;
	int64_t lat;
	size_t i;
	int err;

	err = kvmmem_trace_analysis_add(h->a, e, &lat);
	if (err)
		return err;
	if (kvmmem_grow(&h->hist, &h->cap, h->a->nr_vms, sizeof(*h->hist)))
		return -ENOMEM;
	if (lat < 0 || (e->kind != KT_KVM_HC_EXIT && e->kind != KT_HOST_HC_EXIT))
		return 0;
	vm = kvmmem_trace_analysis_get_vm(h->a, e->pid);
	if (!vm)
		return 0;
	i = (size_t)(vm - h->a->vms);
	slot = kvmmem_log2_slot((uint64_t)lat);
	if (slot >= TOP_SLOTS)
		slot = TOP_SLOTS - 1;
	op = e->tgid == KVM_HC_MEM_MAP ? 0 : 1;
	h->hist[i].slots[op][slot]++;
	h->hist[i].sum_ns[op] += (uint64_t)lat;
	return 0;
}

void top_host_name(struct top_host *h, uint32_t pid, const char *name)
{
	struct kvmmem_trace_name n = { .pid = pid };

	snprintf(n.name, sizeof(n.name), "%s", name);
	kvmmem_trace_analysis_name_vms(h->a, &n, 1);
}

int top_host_sample(const struct top_host *h, uint64_t ts_ns, uint64_t drops,
		    struct top_sample *s)
{
	const struct kvmmem_trace_analysis *a = h->a;
	struct top_sample_row *r;
	size_t i, j;
	int op;

	s->ts_ns = ts_ns;
	s->drops = drops;
	for (i = 0; i < a->nr_vms; i++) {
		const struct kvmmem_trace_vm *vm = &a->vms[i];

		r = top_sample_row_add(s, vm->pid);
		if (!r)
			return -ENOMEM;
		snprintf(r->name, sizeof(r->name), "%.*s", TOP_NAME_LEN - 1, vm->name);
		r->cnt[TOP_MAPS] = vm->hc[KT_HC_MEM_MAP].count;
		r->cnt[TOP_UNMAPS] = vm->hc[KT_HC_MEM_UNMAP].count;
		r->cnt[TOP_ERRORS] = vm->hc[KT_HC_MEM_MAP].errors +
				     vm->hc[KT_HC_MEM_UNMAP].errors;
		r->cnt[TOP_LEAKS] = vm->exit_ts ? vm->live : 0;
		/* what a VM that exited left mapped is leaked, not live */
		if (vm->exit_ts)
			r->leaked = vm->live;
		else
			r->live = (int64_t)vm->live;
		for (j = 0; !vm->exit_ts && j < vm->nr_maps; j++)
			if (vm->maps[j].live && vm->maps[j].map_ts &&
			    (!r->oldest_ns || vm->maps[j].map_ts < r->oldest_ns))
				r->oldest_ns = vm->maps[j].map_ts;
		results_of(&r->results[0], &vm->hc[KT_HC_MEM_MAP]);
		results_of(&r->results[1], &vm->hc[KT_HC_MEM_UNMAP]);
		answers_of(s, TOP_ANS_HC_MAP, &vm->hc[KT_HC_MEM_MAP]);
		answers_of(s, TOP_ANS_HC_UNMAP, &vm->hc[KT_HC_MEM_UNMAP]);
		if (i < h->cap)
			for (op = 0; op < 2; op++) {
				memcpy(r->hist[op], h->hist[i].slots[op],
				       sizeof(r->hist[op]));
				r->hist_sum_ns[op] = h->hist[i].sum_ns[op];
			}
		for (op = 0; op < TOP_NR_CNTS; op++)
			s->cnt[op] += r->cnt[op];
		/* every call is timed here: the histograms hold them all */
		s->calls[0] += vm->hc[KT_HC_MEM_MAP].count;
		s->calls[1] += vm->hc[KT_HC_MEM_UNMAP].count;
		s->live += r->live;
		s->leaked += r->leaked;
	}
	s->pinned = (uint64_t)s->live + s->leaked;
	return 0;
}

void top_host_free(struct top_host *h)
{
	if (h->a)
		kvmmem_trace_analysis_free(h->a);
	free(h->a);
	free(h->hist);
	memset(h, 0, sizeof(*h));
}
