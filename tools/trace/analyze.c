// SPDX-License-Identifier: GPL-2.0
/*
 * analyze.c - from a stream of kvmmem-trace events to counts per
 * operation and result, latencies, mapping lifetimes, per-process totals
 * and leaks (see analysis.h).
 *
 * Pairing rules (docs/tracepoints.md): a start and its end are on the
 * same thread (map/unmap ioctl, a file's teardown, a hypercall); a
 * mapping lives from its successful map_end to the unmap_end or
 * teardown_unmap of the same id that succeeded, or to the page_leaked
 * of that id when the host failed to unmap it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "trace/analysis.h"
#include "util.h"

enum { P_MAP, P_UNMAP, P_TEARDOWN, P_HC, P_HOST_HC, P_NR };

struct kvmmem_trace_pending {
	uint64_t ts[P_NR];	/* start seen at; 0: none */
};

static const char *const op_names[KT_OP_NR] = {
	[KT_OP_MAP] = "map",
	[KT_OP_UNMAP] = "unmap",
	[KT_OP_TEARDOWN_UNMAP] = "teardown_unmap",
	[KT_OP_TEARDOWN] = "teardown",
	[KT_OP_HC_MAP] = "hypercall:" KVMMEM_HC_MAP_NAME,
	[KT_OP_HC_UNMAP] = "hypercall:" KVMMEM_HC_UNMAP_NAME,
	[KT_OP_HOST_HC_MAP] = "host:" KVMMEM_HC_MAP_NAME,
	[KT_OP_HOST_HC_UNMAP] = "host:" KVMMEM_HC_UNMAP_NAME,
	[KT_OP_TOKEN] = "host:token",
};

const char *kvmmem_trace_op_name(enum kvmmem_trace_op op)
{
	return (unsigned int)op < KT_OP_NR ? op_names[op] : "?";
}

/* ---------------------------------------------------------------- index */

static uint64_t hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

/* The slot of @key, or -1. */
static long index_find(const struct kvmmem_trace_index *x, uint64_t key)
{
	size_t i;

	if (!x->cap)
		return -1;
	for (i = hash64(key) & (x->cap - 1); x->vals[i];
	     i = (i + 1) & (x->cap - 1))
		if (x->keys[i] == key)
			return (long)x->vals[i] - 1;
	return -1;
}

static int index_put(struct kvmmem_trace_index *x, uint64_t key, uint32_t slot)
{
	size_t i;

	if (2 * (x->n + 1) > x->cap) {
		struct kvmmem_trace_index nx = { .cap = x->cap ? 2 * x->cap : 64 };

		nx.keys = calloc(nx.cap, sizeof(*nx.keys));
		nx.vals = calloc(nx.cap, sizeof(*nx.vals));
		if (!nx.keys || !nx.vals) {
			free(nx.keys);
			free(nx.vals);
			return -ENOMEM;
		}
		for (i = 0; i < x->cap; i++) {
			size_t j;

			if (!x->vals[i])
				continue;
			for (j = hash64(x->keys[i]) & (nx.cap - 1); nx.vals[j];
			     j = (j + 1) & (nx.cap - 1))
				;
			nx.keys[j] = x->keys[i];
			nx.vals[j] = x->vals[i];
		}
		nx.n = x->n;
		free(x->keys);
		free(x->vals);
		*x = nx;
	}
	for (i = hash64(key) & (x->cap - 1); x->vals[i]; i = (i + 1) & (x->cap - 1))
		;
	x->keys[i] = key;
	x->vals[i] = slot + 1;
	x->n++;
	return 0;
}

static void index_free(struct kvmmem_trace_index *x)
{
	free(x->keys);
	free(x->vals);
	memset(x, 0, sizeof(*x));
}

/* ---------------------------------------------------------------- tables */

static struct kvmmem_trace_proc *get_proc(struct kvmmem_trace_analysis *a,
					  uint32_t pid)
{
	long i = index_find(&a->proc_index, pid);

	if (i >= 0)
		return &a->procs[i];
	if (kvmmem_grow(&a->procs, &a->cap_procs, a->nr_procs + 1,
			sizeof(*a->procs)) ||
	    index_put(&a->proc_index, pid, (uint32_t)a->nr_procs))
		return NULL;
	a->procs[a->nr_procs].pid = pid;
	return &a->procs[a->nr_procs++];
}

struct kvmmem_trace_mapping *
kvmmem_trace_analysis_get_mapping(const struct kvmmem_trace_analysis *a,
				  uint64_t id)
{
	long i = index_find(&a->map_index, id);

	return i >= 0 ? &a->maps[i] : NULL;
}

static struct kvmmem_trace_mapping *new_mapping(struct kvmmem_trace_analysis *a,
						const struct kt_event *e)
{
	struct kvmmem_trace_mapping *m;

	if (kvmmem_grow(&a->maps, &a->cap_maps, a->nr_maps + 1,
			sizeof(*a->maps)) ||
	    index_put(&a->map_index, e->id, (uint32_t)a->nr_maps))
		return NULL;
	m = &a->maps[a->nr_maps++];
	memset(m, 0, sizeof(*m));
	m->id = e->id;
	m->owner = e->tgid;
	m->gva = e->a0;
	m->gpa = e->a1;
	m->pa = e->a2;
	return m;
}

static struct kvmmem_trace_pending *get_pending(struct kvmmem_trace_analysis *a,
						uint32_t tid)
{
	long i = index_find(&a->pending_index, tid);

	if (i >= 0)
		return &a->pending[i];
	if (kvmmem_grow(&a->pending, &a->cap_pending, a->nr_pending + 1,
		 sizeof(*a->pending)) ||
	    index_put(&a->pending_index, tid, (uint32_t)a->nr_pending))
		return NULL;
	return &a->pending[a->nr_pending++];
}

/* ---------------------------------------------------------------- events */

static int count_result(struct kvmmem_trace_op_stats *op, int64_t ret)
{
	struct kvmmem_trace_result *r;
	size_t i;

	op->count++;
	if (ret)
		op->errors++;
	for (i = 0; i < op->nr_results && op->results[i].ret < ret; i++)
		;
	if (i < op->nr_results && op->results[i].ret == ret) {
		op->results[i].count++;
		return 0;
	}
	r = realloc(op->results, (op->nr_results + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	op->results = r;
	memmove(r + i + 1, r + i, (op->nr_results - i) * sizeof(*r));
	r[i].ret = ret;
	r[i].count = 1;
	op->nr_results++;
	return 0;
}

/* An end event: count it, pair it with its start on the same thread. */
static int op_end(struct kvmmem_trace_analysis *a, enum kvmmem_trace_op op,
		  const struct kt_event *e, int slot, int64_t *latency)
{
	struct kvmmem_trace_pending *p = get_pending(a, e->tid);
	int err;

	if (!p)
		return -ENOMEM;
	err = count_result(&a->ops[op], e->ret);
	if (!err && p->ts[slot] && e->ts >= p->ts[slot]) {
		*latency = (int64_t)(e->ts - p->ts[slot]);
		err = kvmmem_samples_add(&a->ops[op].latency, (uint64_t)*latency);
	}
	p->ts[slot] = 0;
	return err;
}

static int op_start(struct kvmmem_trace_analysis *a, const struct kt_event *e,
		    int slot)
{
	struct kvmmem_trace_pending *p = get_pending(a, e->tid);

	if (!p)
		return -ENOMEM;
	p->ts[slot] = e->ts;
	return 0;
}

/* A mapping stops being live: unmapped, torn down or leaked. */
static int mapping_end(struct kvmmem_trace_analysis *a,
		       struct kvmmem_trace_mapping *m, const struct kt_event *e,
		       enum kvmmem_trace_mapping_state state)
{
	struct kvmmem_trace_proc *owner;
	int err = 0;

	if (m->state != KT_MAPPING_LIVE)
		return 0;
	owner = get_proc(a, m->owner);
	if (!owner)
		return -ENOMEM;
	if (a->live)
		a->live--;
	if (owner->live)
		owner->live--;
	m->state = state;
	m->end_ts = e->ts;
	if (m->map_ts && e->ts >= m->map_ts && state != KT_MAPPING_LEAKED)
		err = kvmmem_samples_add(&a->lifetime, e->ts - m->map_ts);
	/* released after its owner exited, by someone else */
	if (m->owner_exit_ts && e->pid != m->owner)
		m->orphaned = true;
	return err;
}

static int map_ok(struct kvmmem_trace_analysis *a, const struct kt_event *e)
{
	struct kvmmem_trace_mapping *m = kvmmem_trace_analysis_get_mapping(a, e->id);
	struct kvmmem_trace_proc *owner = get_proc(a, e->tgid);

	if (!m)
		m = new_mapping(a, e);
	if (!m || !owner)
		return -ENOMEM;
	/* the same id mapped twice cannot happen; if it does, start over */
	memcpy(m->comm, e->comm, sizeof(m->comm));
	m->owner = e->tgid;
	m->gva = e->a0;
	m->gpa = e->a1;
	m->pa = e->a2;
	m->map_ts = e->ts;
	m->end_ts = 0;
	m->state = KT_MAPPING_LIVE;
	m->owner_exit_ts = 0;
	m->orphaned = false;
	a->live++;
	if (a->live > a->live_max)
		a->live_max = a->live;
	owner->live++;
	return 0;
}

/* unmap_end, teardown_unmap with ret 0, or page_leaked: a mapping ends. */
static int mapping_gone(struct kvmmem_trace_analysis *a, const struct kt_event *e,
			enum kvmmem_trace_mapping_state state)
{
	struct kvmmem_trace_mapping *m = kvmmem_trace_analysis_get_mapping(a, e->id);

	if (!m) {
		/* mapped before the recording started */
		a->unknown_ends++;
		m = new_mapping(a, e);
		if (!m)
			return -ENOMEM;
		memcpy(m->comm, e->comm, sizeof(m->comm));
		m->state = state;
		m->end_ts = e->ts;
		return 0;
	}
	return mapping_end(a, m, e, state);
}

static void owner_exited(struct kvmmem_trace_analysis *a, uint32_t pid,
			 uint64_t ts)
{
	size_t i;

	for (i = 0; i < a->nr_maps; i++)
		if (a->maps[i].state == KT_MAPPING_LIVE && a->maps[i].owner == pid &&
		    !a->maps[i].owner_exit_ts)
			a->maps[i].owner_exit_ts = ts;
}

/* ---------------------------------------------------------------- host */

struct kvmmem_trace_vm *
kvmmem_trace_analysis_get_vm(const struct kvmmem_trace_analysis *a,
			     uint32_t pid)
{
	long i = index_find(&a->vm_index, pid);

	return i >= 0 ? &a->vms[i] : NULL;
}

static struct kvmmem_trace_vm *get_vm(struct kvmmem_trace_analysis *a,
				      const struct kt_event *e)
{
	struct kvmmem_trace_vm *vm = kvmmem_trace_analysis_get_vm(a, e->pid);

	if (vm)
		return vm;
	if (kvmmem_grow(&a->vms, &a->cap_vms, a->nr_vms + 1, sizeof(*a->vms)) ||
	    index_put(&a->vm_index, e->pid, (uint32_t)a->nr_vms))
		return NULL;
	vm = &a->vms[a->nr_vms++];
	vm->pid = e->pid;
	memcpy(vm->comm, e->comm, sizeof(vm->comm));
	vm->comm[KT_COMM_LEN - 1] = '\0';
	snprintf(vm->name, sizeof(vm->name), "%s", vm->comm);
	return vm;
}

static struct kvmmem_trace_vcpu *get_vcpu(struct kvmmem_trace_analysis *a,
					  struct kvmmem_trace_vm *vm,
					  const struct kt_event *e)
{
	long i = index_find(&a->vcpu_index, e->tid);
	struct kvmmem_trace_vcpu *v;

	if (i >= 0)
		return &a->vcpus[i];
	if (kvmmem_grow(&a->vcpus, &a->cap_vcpus, a->nr_vcpus + 1,
			sizeof(*a->vcpus)) ||
	    index_put(&a->vcpu_index, e->tid, (uint32_t)a->nr_vcpus))
		return NULL;
	v = &a->vcpus[a->nr_vcpus++];
	v->vm = vm->pid;
	v->tid = e->tid;
	v->vcpu_id = e->id;
	vm->nr_vcpus++;
	return v;
}

struct kvmmem_trace_host_map *
kvmmem_trace_host_map_get(const struct kvmmem_trace_vm *vm, uint64_t gpa)
{
	long i = index_find(&vm->map_index, gpa);

	return i >= 0 ? &vm->maps[i] : NULL;
}

/* The host answered a MEM_MAP or MEM_UNMAP: follow the local GPA. */
static int host_map_answer(struct kvmmem_trace_vm *vm, const struct kt_event *e)
{
	struct kvmmem_trace_host_map *m;
	uint64_t gpa = e->tgid == KVM_HC_MEM_MAP ? e->a2 : e->a0;

	if (e->ret)	/* refused (or unknown): nothing changed */
		return 0;
	m = kvmmem_trace_host_map_get(vm, gpa);
	if (e->tgid == KVM_HC_MEM_UNMAP) {
		if (m && m->live) {
			m->live = false;
			vm->live--;
		} else {
			vm->unknown_unmaps++;
		}
		return 0;
	}
	if (!m) {
		if (kvmmem_grow(&vm->maps, &vm->cap_maps, vm->nr_maps + 1,
			 sizeof(*vm->maps)) ||
		    index_put(&vm->map_index, gpa, (uint32_t)vm->nr_maps))
			return -ENOMEM;
		m = &vm->maps[vm->nr_maps++];
		m->gpa = gpa;
	}
	if (m->live)
		vm->remaps++;
	else
		vm->live++;
	m->remote_gpa = e->a1;
	m->map_ts = e->ts;
	m->live = true;
	if (vm->live > vm->live_max)
		vm->live_max = vm->live;
	return 0;
}

/*
 * KT_KVM_HC_* and KT_HOST_HC_*: the host's side of a hypercall. The
 * exit is paired with the enter on the same (vCPU) thread.
 */
static int host_hc(struct kvmmem_trace_analysis *a, const struct kt_event *e,
		   int64_t *lat)
{
	enum kvmmem_trace_hc hc = e->tgid == KVM_HC_MEM_MAP ? KT_HC_MEM_MAP : KT_HC_MEM_UNMAP;
	bool enter = e->kind == KT_KVM_HC_ENTER || e->kind == KT_HOST_HC_ENTER;
	struct kvmmem_trace_vm *vm;
	struct kvmmem_trace_vcpu *vcpu;
	int err;

	if (e->tgid != KVM_HC_MEM_MAP && e->tgid != KVM_HC_MEM_UNMAP)
		return 0;
	vm = get_vm(a, e);
	vcpu = vm ? get_vcpu(a, vm, e) : NULL;
	if (!vcpu)
		return -ENOMEM;
	if (enter)
		return op_start(a, e, P_HOST_HC);
	err = op_end(a, hc == KT_HC_MEM_MAP ? KT_OP_HOST_HC_MAP : KT_OP_HOST_HC_UNMAP,
		     e, P_HOST_HC, lat);
	if (!err)
		err = count_result(&vm->hc[hc], e->ret);
	vcpu->hypercalls++;
	if (!err && *lat >= 0) {
		vcpu->host_ns += (uint64_t)*lat;
		err = kvmmem_samples_add(&vm->hc[hc].latency, (uint64_t)*lat);
	}
	return err ? err : host_map_answer(vm, e);
}

void kvmmem_trace_analysis_name_vms(struct kvmmem_trace_analysis *a,
				    const struct kvmmem_trace_name *names,
				    size_t n)
{
	struct kvmmem_trace_vm *vm;
	size_t i;

	for (i = 0; i < n; i++) {
		vm = kvmmem_trace_analysis_get_vm(a, names[i].pid);
		if (vm && names[i].name[0])
			snprintf(vm->name, sizeof(vm->name), "%s", names[i].name);
	}
}

void kvmmem_trace_analysis_init(struct kvmmem_trace_analysis *a)
{
	memset(a, 0, sizeof(*a));
}

int kvmmem_trace_analysis_add(struct kvmmem_trace_analysis *a,
			      const struct kt_event *e, int64_t *latency_ns)
{
	struct kvmmem_trace_proc *proc, *owner;
	struct kvmmem_trace_vm *vm;
	enum kvmmem_trace_op op;
	int64_t lat = -1;
	int err = 0;

	if (latency_ns)
		*latency_ns = -1;
	if (!e->kind || e->kind >= KT_NR_KINDS)
		return 0;
	proc = get_proc(a, e->pid);
	if (!proc)
		return -ENOMEM;
	if (!proc->comm[0])
		memcpy(proc->comm, e->comm, sizeof(proc->comm));
	proc->comm[KT_COMM_LEN - 1] = '\0';
	if (!a->nr_events++)
		a->first_ts = e->ts;
	if (e->ts > a->last_ts)
		a->last_ts = e->ts;
	a->kinds[e->kind]++;

	switch (e->kind) {
	case KT_MAP_START:
		err = op_start(a, e, P_MAP);
		break;
	case KT_MAP_END:
		err = op_end(a, KT_OP_MAP, e, P_MAP, &lat);
		if (e->ret)
			proc->map_errors++;
		else
			proc->maps++;
		if (!err && !e->ret && e->id)
			err = map_ok(a, e);
		break;
	case KT_UNMAP_START:
		err = op_start(a, e, P_UNMAP);
		break;
	case KT_UNMAP_END:
		err = op_end(a, KT_OP_UNMAP, e, P_UNMAP, &lat);
		if (e->ret)
			proc->unmap_errors++;
		else
			proc->unmaps++;
		/* a failed UNMAP that leaked was closed by page_leaked */
		if (!err && !e->ret && e->id)
			err = mapping_gone(a, e, KT_MAPPING_UNMAPPED);
		break;
	case KT_TEARDOWN_UNMAP:
		err = count_result(&a->ops[KT_OP_TEARDOWN_UNMAP], e->ret);
		owner = get_proc(a, e->tgid);
		if (!owner)
			return -ENOMEM;
		if (!e->ret)
			owner->teardown_unmaps++;
		if (!err && !e->ret)
			err = mapping_gone(a, e, KT_MAPPING_TORN_DOWN);
		break;
	case KT_PAGE_LEAKED:
		owner = get_proc(a, e->tgid);
		if (!owner)
			return -ENOMEM;
		owner->leaked++;
		err = mapping_gone(a, e, KT_MAPPING_LEAKED);
		if (!err) {
			struct kvmmem_trace_mapping *m =
				kvmmem_trace_analysis_get_mapping(a, e->id);

			if (m)
				m->leak_errno = (int32_t)e->ret;
		}
		break;
	case KT_TEARDOWN_START:
		err = op_start(a, e, P_TEARDOWN);
		break;
	case KT_TEARDOWN_END:
		err = op_end(a, KT_OP_TEARDOWN, e, P_TEARDOWN, &lat);
		break;
	case KT_HC_ENTER:
		err = op_start(a, e, P_HC);
		break;
	case KT_HC_EXIT:
		op = e->tgid == KVM_HC_MEM_MAP ? KT_OP_HC_MAP : KT_OP_HC_UNMAP;
		err = op_end(a, op, e, P_HC, &lat);
		if (lat >= 0) {
			proc->hypercalls++;
			proc->hypercall_ns += (uint64_t)lat;
		}
		break;
	case KT_HOST_HC_ENTER:
	case KT_HOST_HC_EXIT:
	case KT_KVM_HC_ENTER:
	case KT_KVM_HC_EXIT:
		err = host_hc(a, e, &lat);
		break;
	case KT_HOST_TOKEN:
		err = count_result(&a->ops[KT_OP_TOKEN], e->ret);
		break;
	case KT_PROC_EXIT:
		owner = get_proc(a, e->tgid);
		if (!owner)
			return -ENOMEM;
		owner->exit_ts = e->ts;
		if (owner->live)
			owner_exited(a, e->tgid, e->ts);
		vm = kvmmem_trace_analysis_get_vm(a, e->tgid);
		if (vm)
			vm->exit_ts = e->ts;
		break;
	}
	if (latency_ns)
		*latency_ns = lat;
	return err;
}

void kvmmem_trace_analysis_finish(struct kvmmem_trace_analysis *a,
				  uint64_t end_ts)
{
	size_t i;

	a->end_ts = end_ts > a->last_ts ? end_ts : a->last_ts;
	for (i = 0; i < a->nr_maps; i++)
		if (a->maps[i].state == KT_MAPPING_LIVE && a->maps[i].owner_exit_ts)
			a->maps[i].orphaned = true;
	/* owners known only from teardowns: take the comm of their mappings */
	for (i = 0; i < a->nr_maps; i++) {
		struct kvmmem_trace_mapping *m = &a->maps[i];
		long p = index_find(&a->proc_index, m->owner);

		if (p >= 0 && !a->procs[p].comm[0] && m->comm[0])
			memcpy(a->procs[p].comm, m->comm, KT_COMM_LEN);
	}
	/* what a VM left mapped when it died: its leaked pages */
	for (i = 0; i < a->nr_vms; i++)
		a->vms[i].leaked = a->vms[i].exit_ts ? a->vms[i].live : 0;
}

void kvmmem_trace_analysis_free(struct kvmmem_trace_analysis *a)
{
	unsigned int hc;
	size_t i;

	for (i = 0; i < KT_OP_NR; i++) {
		free(a->ops[i].results);
		kvmmem_samples_free(&a->ops[i].latency);
	}
	kvmmem_samples_free(&a->lifetime);
	for (i = 0; i < a->nr_vms; i++) {
		for (hc = 0; hc < KT_HC_NR; hc++) {
			free(a->vms[i].hc[hc].results);
			kvmmem_samples_free(&a->vms[i].hc[hc].latency);
		}
		free(a->vms[i].maps);
		index_free(&a->vms[i].map_index);
	}
	free(a->vms);
	free(a->vcpus);
	index_free(&a->vm_index);
	index_free(&a->vcpu_index);
	free(a->maps);
	free(a->procs);
	free(a->pending);
	index_free(&a->map_index);
	index_free(&a->proc_index);
	index_free(&a->pending_index);
	memset(a, 0, sizeof(*a));
}
