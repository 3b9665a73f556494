// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem-trace analysis on synthetic event streams: pairing of starts
 * and ends, lifetimes, per-process totals, and the three kinds of leak.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "trace/analysis.h"

static struct kvmmem_trace_analysis a;
static uint64_t now;

static void setup(void)
{
	kvmmem_trace_analysis_init(&a);
	now = 1000000;
}

static void teardown(void)
{
	kvmmem_trace_analysis_free(&a);
}

TestSuite(analyze, .init = setup, .fini = teardown);

/* Feed one event @dt ns after the previous one; return its latency. */
static int64_t ev(uint64_t dt, enum kt_kind kind, uint32_t pid, uint32_t tid,
		  uint64_t id, uint32_t tgid, uint64_t gva, uint64_t gpa,
		  uint64_t pa, int64_t ret)
{
	struct kt_event e = {
		.ts = now += dt, .pid = pid, .tid = tid, .kind = (uint16_t)kind,
		.tgid = tgid, .id = id, .a0 = gva, .a1 = gpa, .a2 = pa, .ret = ret,
	};
	int64_t lat;

	snprintf(e.comm, sizeof(e.comm), "p%u", pid);
	cr_assert_eq(kvmmem_trace_analysis_add(&a, &e, &lat), 0);
	return lat;
}

#define GVA(id)	(0x7f0000000000ULL + (id) * 4096)
#define GPA(id)	((id) * 0x10000)
#define PA(id)	(0x100000 + (id) * 4096)

/* A whole MAP ioctl of mapping @id by process @pid: 10 + 20 + 30 ns. */
static void do_map(uint32_t pid, uint64_t id, int ret)
{
	ev(100, KT_MAP_START, pid, pid, id, pid, GVA(id), GPA(id), 0, 0);
	ev(10, KT_HC_ENTER, pid, pid, id, 32, 0xa, GPA(id), PA(id), 0);
	ev(20, KT_HC_EXIT, pid, pid, id, 32, 0xa, GPA(id), PA(id), ret == -EKEYREJECTED ? -1 : 0);
	ev(30, KT_MAP_END, pid, pid, id, pid, GVA(id), GPA(id), PA(id), ret);
}

/* A whole UNMAP ioctl; @hc is the host's answer (a leak if not 0). */
static void do_unmap(uint32_t pid, uint64_t id, long hc)
{
	ev(100, KT_UNMAP_START, pid, pid, id, pid, GVA(id), GPA(id), PA(id), 0);
	ev(10, KT_HC_ENTER, pid, pid, id, 33, PA(id), 0, 0, 0);
	ev(40, KT_HC_EXIT, pid, pid, id, 33, PA(id), 0, 0, hc);
	if (hc)
		ev(5, KT_PAGE_LEAKED, pid, pid, id, pid, GVA(id), GPA(id), PA(id), -EFAULT);
	ev(50, KT_UNMAP_END, pid, pid, id, pid, GVA(id), GPA(id), PA(id), hc ? -EFAULT : 0);
}

/* The teardown of a file by @closer, releasing mappings of @owner. */
static void do_teardown(uint32_t closer, uint32_t owner, const uint64_t *ids,
			size_t n, long hc)
{
	size_t i;

	ev(100, KT_TEARDOWN_START, closer, closer, 1, closer, n, 0, 0, 0);
	for (i = 0; i < n; i++) {
		ev(10, KT_HC_ENTER, closer, closer, ids[i], 33, PA(ids[i]), 0, 0, 0);
		ev(10, KT_HC_EXIT, closer, closer, ids[i], 33, PA(ids[i]), 0, 0, hc);
		if (hc)
			ev(5, KT_PAGE_LEAKED, closer, closer, ids[i], owner, GVA(ids[i]),
			   GPA(ids[i]), PA(ids[i]), -EFAULT);
		ev(10, KT_TEARDOWN_UNMAP, closer, closer, ids[i], owner, GVA(ids[i]),
		   GPA(ids[i]), PA(ids[i]), hc ? -EFAULT : 0);
	}
	ev(10, KT_TEARDOWN_END, closer, closer, 1, closer, n, hc ? 0 : n, hc ? n : 0, 0);
}

static void proc_exit(uint32_t pid)
{
	ev(100, KT_PROC_EXIT, pid, pid, 0, pid, 0, 0, 0, 0);
}

static const struct kvmmem_trace_proc *proc(uint32_t pid)
{
	size_t i;

	for (i = 0; i < a.nr_procs; i++)
		if (a.procs[i].pid == pid)
			return &a.procs[i];
	cr_assert_fail("no process %u", pid);
	return NULL;
}

Test(analyze, map_then_unmap_pairs_latencies_and_lifetime)
{
	struct kvmmem_trace_mapping *m;

	do_map(10, 1, 0);
	do_unmap(10, 1, 0);
	kvmmem_trace_analysis_finish(&a, 0);

	cr_assert_eq(a.ops[KT_OP_MAP].count, 1);
	cr_assert_eq(a.ops[KT_OP_MAP].latency.n, 1);
	cr_assert_eq(a.ops[KT_OP_MAP].latency.v[0], 60);
	cr_assert_eq(a.ops[KT_OP_HC_MAP].latency.v[0], 20);
	cr_assert_eq(a.ops[KT_OP_HC_UNMAP].latency.v[0], 40);
	cr_assert_eq(a.ops[KT_OP_UNMAP].latency.v[0], 100);
	/* map_end to unmap_end: 100 + 10 + 40 + 50 */
	cr_assert_eq(a.lifetime.n, 1);
	cr_assert_eq(a.lifetime.v[0], 200);
	m = kvmmem_trace_analysis_get_mapping(&a, 1);
	cr_assert_not_null(m);
	cr_assert_eq(m->state, KT_MAPPING_UNMAPPED);
	cr_assert_eq(m->gva, GVA(1));
	cr_assert_eq(m->gpa, GPA(1));
	cr_assert_eq(m->pa, PA(1));
	cr_assert_str_eq(m->comm, "p10");
	cr_assert_eq(a.live, 0);
	cr_assert_eq(a.live_max, 1);
}

Test(analyze, end_event_returns_its_latency_start_returns_minus_one)
{
	cr_assert_eq(ev(5, KT_HC_ENTER, 1, 1, 1, 32, 0, 0, 0, 0), -1);
	cr_assert_eq(ev(7, KT_HC_EXIT, 1, 1, 1, 32, 0, 0, 0, 0), 7);
	/* an exit without its enter: no latency, still counted */
	cr_assert_eq(ev(7, KT_HC_EXIT, 1, 1, 1, 32, 0, 0, 0, 0), -1);
	cr_assert_eq(a.ops[KT_OP_HC_MAP].count, 2);
	cr_assert_eq(a.ops[KT_OP_HC_MAP].latency.n, 1);
}

Test(analyze, interleaved_threads_pair_by_thread)
{
	ev(0, KT_HC_ENTER, 1, 11, 1, 32, 0, 0, 0, 0);
	ev(5, KT_HC_ENTER, 1, 12, 2, 32, 0, 0, 0, 0);
	cr_assert_eq(ev(100, KT_HC_EXIT, 1, 11, 1, 32, 0, 0, 0, 0), 105);
	cr_assert_eq(ev(1, KT_HC_EXIT, 1, 12, 2, 32, 0, 0, 0, 0), 101);
}

Test(analyze, results_are_counted_per_errno_errors_first)
{
	do_map(10, 1, 0);
	do_map(10, 2, -EKEYREJECTED);
	do_map(10, 3, -EKEYREJECTED);
	do_map(10, 4, -EINVAL);
	cr_assert_eq(a.ops[KT_OP_MAP].count, 4);
	cr_assert_eq(a.ops[KT_OP_MAP].errors, 3);
	cr_assert_eq(a.ops[KT_OP_MAP].nr_results, 3);
	cr_assert_eq(a.ops[KT_OP_MAP].results[0].ret, -EKEYREJECTED);
	cr_assert_eq(a.ops[KT_OP_MAP].results[0].count, 2);
	cr_assert_eq(a.ops[KT_OP_MAP].results[1].ret, -EINVAL);
	cr_assert_eq(a.ops[KT_OP_MAP].results[1].count, 1);
	cr_assert_eq(a.ops[KT_OP_MAP].results[2].ret, 0);
	cr_assert_eq(a.ops[KT_OP_MAP].results[2].count, 1);
	/* failed maps make no mapping */
	cr_assert_eq(a.nr_maps, 1);
	cr_assert_eq(proc(10)->maps, 1);
	cr_assert_eq(proc(10)->map_errors, 3);
	/* hypercall answers are KVM codes: -1 is KVM_EPERM */
	cr_assert_eq(a.ops[KT_OP_HC_MAP].results[0].ret, -1);
	cr_assert_eq(a.ops[KT_OP_HC_MAP].results[0].count, 2);
}

Test(analyze, failed_unmap_with_page_leaked_is_a_leak_not_a_lifetime)
{
	struct kvmmem_trace_mapping *m;

	do_map(10, 1, 0);
	do_unmap(10, 1, -14);
	kvmmem_trace_analysis_finish(&a, now + 1000);
	m = kvmmem_trace_analysis_get_mapping(&a, 1);
	cr_assert_eq(m->state, KT_MAPPING_LEAKED);
	cr_assert_eq(m->leak_errno, -EFAULT);
	cr_assert_eq(a.lifetime.n, 0);
	cr_assert_eq(a.live, 0);
	cr_assert_eq(a.ops[KT_OP_UNMAP].errors, 1);
	cr_assert_eq(proc(10)->leaked, 1);
	cr_assert_eq(proc(10)->unmap_errors, 1);
	cr_assert_eq(proc(10)->live, 0);
	cr_assert_not(m->orphaned);
}

Test(analyze, teardown_by_the_owners_own_exit_is_not_orphaned)
{
	uint64_t ids[] = { 1, 2 };

	do_map(10, 1, 0);
	do_map(10, 2, 0);
	/* kill -9: the exit tracepoint comes before the file's release */
	proc_exit(10);
	do_teardown(10, 10, ids, 2, 0);
	kvmmem_trace_analysis_finish(&a, 0);
	cr_assert_eq(a.ops[KT_OP_TEARDOWN_UNMAP].count, 2);
	cr_assert_eq(a.ops[KT_OP_TEARDOWN].count, 1);
	cr_assert_eq(a.ops[KT_OP_TEARDOWN].latency.n, 1);
	cr_assert_eq(a.lifetime.n, 2);
	cr_assert_eq(proc(10)->teardown_unmaps, 2);
	cr_assert_neq(proc(10)->exit_ts, 0);
	cr_assert_not(kvmmem_trace_analysis_get_mapping(&a, 1)->orphaned);
	cr_assert_not(kvmmem_trace_analysis_get_mapping(&a, 2)->orphaned);
	cr_assert_eq(kvmmem_trace_analysis_get_mapping(&a, 1)->state,
		     KT_MAPPING_TORN_DOWN);
}

Test(analyze, owner_exit_with_file_held_elsewhere_is_orphaned)
{
	uint64_t ids[] = { 1 };
	struct kvmmem_trace_mapping *m;

	do_map(10, 1, 0);
	proc_exit(10);
	/* the fd lived on in process 11, whose close released the mapping */
	do_teardown(11, 10, ids, 1, 0);
	kvmmem_trace_analysis_finish(&a, 0);
	m = kvmmem_trace_analysis_get_mapping(&a, 1);
	cr_assert(m->orphaned);
	cr_assert_eq(m->state, KT_MAPPING_TORN_DOWN);
	cr_assert_neq(m->owner_exit_ts, 0);
	/* the teardown counts for the owner, not for the closer */
	cr_assert_eq(proc(10)->teardown_unmaps, 1);
	cr_assert_eq(proc(11)->teardown_unmaps, 0);
}

Test(analyze, owner_exited_and_mapping_still_live_at_end_is_orphaned)
{
	do_map(10, 1, 0);
	proc_exit(10);
	kvmmem_trace_analysis_finish(&a, 0);
	cr_assert(kvmmem_trace_analysis_get_mapping(&a, 1)->orphaned);
	cr_assert_eq(kvmmem_trace_analysis_get_mapping(&a, 1)->state, KT_MAPPING_LIVE);
}

Test(analyze, exit_after_the_mapping_is_gone_changes_nothing)
{
	do_map(10, 1, 0);
	do_unmap(10, 1, 0);
	proc_exit(10);
	kvmmem_trace_analysis_finish(&a, 0);
	cr_assert_not(kvmmem_trace_analysis_get_mapping(&a, 1)->orphaned);
	cr_assert_eq(kvmmem_trace_analysis_get_mapping(&a, 1)->owner_exit_ts, 0);
}

Test(analyze, live_at_end_keeps_state_and_end_time)
{
	struct kvmmem_trace_mapping *m;
	uint64_t mapped;

	do_map(10, 1, 0);
	mapped = now;
	do_map(10, 2, 0);
	do_unmap(10, 2, 0);
	kvmmem_trace_analysis_finish(&a, now + 5000);
	m = kvmmem_trace_analysis_get_mapping(&a, 1);
	cr_assert_eq(m->state, KT_MAPPING_LIVE);
	cr_assert_eq(m->map_ts, mapped);
	cr_assert_eq(m->end_ts, 0);
	cr_assert_not(m->orphaned);
	cr_assert_eq(a.end_ts, now + 5000);
	cr_assert_eq(a.live, 1);
	cr_assert_eq(a.live_max, 2);
	cr_assert_eq(proc(10)->live, 1);
}

Test(analyze, leaked_in_teardown_counts_for_the_owner)
{
	uint64_t ids[] = { 1, 2 };

	do_map(10, 1, 0);
	do_map(10, 2, 0);
	do_teardown(10, 10, ids, 2, -14);
	kvmmem_trace_analysis_finish(&a, 0);
	cr_assert_eq(a.ops[KT_OP_TEARDOWN_UNMAP].errors, 2);
	cr_assert_eq(proc(10)->leaked, 2);
	cr_assert_eq(proc(10)->teardown_unmaps, 0);
	cr_assert_eq(kvmmem_trace_analysis_get_mapping(&a, 2)->state,
		     KT_MAPPING_LEAKED);
	cr_assert_eq(a.live, 0);
	cr_assert_eq(a.lifetime.n, 0);
}

Test(analyze, unmap_of_a_mapping_made_before_the_recording)
{
	do_unmap(10, 77, 0);
	kvmmem_trace_analysis_finish(&a, 0);
	cr_assert_eq(a.unknown_ends, 1);
	cr_assert_eq(a.live, 0);
	cr_assert_eq(a.lifetime.n, 0);
	cr_assert_eq(kvmmem_trace_analysis_get_mapping(&a, 77)->map_ts, 0);
	cr_assert_eq(kvmmem_trace_analysis_get_mapping(&a, 77)->state,
		     KT_MAPPING_UNMAPPED);
}

Test(analyze, failed_unmap_without_leak_keeps_the_mapping)
{
	/* EPERM: another process tried; the mapping stays live */
	do_map(10, 1, 0);
	ev(100, KT_UNMAP_START, 11, 11, 1, 11, GVA(1), GPA(1), PA(1), 0);
	ev(10, KT_UNMAP_END, 11, 11, 1, 11, GVA(1), GPA(1), PA(1), -EPERM);
	kvmmem_trace_analysis_finish(&a, 0);
	cr_assert_eq(kvmmem_trace_analysis_get_mapping(&a, 1)->state, KT_MAPPING_LIVE);
	cr_assert_eq(a.live, 1);
	cr_assert_eq(proc(11)->unmap_errors, 1);
}

Test(analyze, many_mappings_and_processes_add_up)
{
	uint64_t id = 1, leave[4][8], n = 0;
	uint32_t p;
	int i;

	for (p = 0; p < 4; p++) {
		for (i = 0; i < 64; i++)
			do_map(100 + p, id + i, 0);
		for (i = 8; i < 64; i++)
			do_unmap(100 + p, id + i, p == 3 && i == 8 ? -14 : 0);
		for (i = 0; i < 8; i++)
			leave[p][i] = id + i;
		do_teardown(100 + p, 100 + p, leave[p], 8, 0);
		id += 64;
	}
	kvmmem_trace_analysis_finish(&a, 0);
	for (p = 0; p < 4; p++)
		n += proc(100 + p)->maps;
	cr_assert_eq(n, 256);
	cr_assert_eq(a.ops[KT_OP_MAP].count, 256);
	cr_assert_eq(a.ops[KT_OP_UNMAP].count - a.ops[KT_OP_UNMAP].errors, 223);
	cr_assert_eq(a.ops[KT_OP_UNMAP].errors, 1);
	cr_assert_eq(a.ops[KT_OP_TEARDOWN_UNMAP].count, 32);
	cr_assert_eq(a.kinds[KT_PAGE_LEAKED], 1);
	cr_assert_eq(a.lifetime.n, 255);
	cr_assert_eq(a.live, 0);
	cr_assert_eq(a.live_max, 64);
	cr_assert_eq(a.nr_maps, 256);
}

Test(analyze, unknown_kinds_are_ignored)
{
	struct kt_event e = { .kind = KT_NR_KINDS, .ts = 5 };

	cr_assert_eq(kvmmem_trace_analysis_add(&a, &e, NULL), 0);
	cr_assert_eq(a.nr_events, 0);
}

/* ------------------------------------------------------------ host side */

#define LGPA(i)	(0x40000000ULL + (i) * 4096)	/* local GPA */
#define RGPA(i)	(0x1000ULL * (i))		/* remote GPA */

/*
 * One hypercall as the host saw it: @kind_enter/@kind_exit are the KVM
 * or the emulated host's kinds; VMM @vm, vCPU thread @tid (vcpu_id
 * tid % 8); @hold ns of host handling; the guest got @ret.
 */
static void host_call(enum kt_kind kind_enter, enum kt_kind kind_exit,
		      uint32_t vm, uint32_t tid, uint32_t nr, uint64_t i,
		      uint64_t hold, int64_t ret)
{
	uint64_t a0 = nr == 32 ? 0xa000 : LGPA(i);
	uint64_t a1 = nr == 32 ? RGPA(i) : 0;
	uint64_t a2 = nr == 32 ? LGPA(i) : 0;

	cr_assert_eq(ev(100, kind_enter, vm, tid, tid % 8, nr, a0, a1, a2, 0), -1);
	cr_assert_eq(ev(hold, kind_exit, vm, tid, tid % 8, nr, a0, a1, a2, ret),
		     (int64_t)hold);
}

static void kvm_call(uint32_t vm, uint32_t tid, uint32_t nr, uint64_t i,
		     uint64_t hold, int64_t ret)
{
	host_call(KT_KVM_HC_ENTER, KT_KVM_HC_EXIT, vm, tid, nr, i, hold, ret);
}

static uint64_t result_count(const struct kvmmem_trace_op_stats *op, int64_t ret)
{
	size_t i;

	for (i = 0; i < op->nr_results; i++)
		if (op->results[i].ret == ret)
			return op->results[i].count;
	return 0;
}

Test(analyze, host_calls_are_counted_per_vm_nr_and_result)
{
	struct kvmmem_trace_vm *vm1, *vm2;

	kvm_call(500, 501, 32, 1, 3000, -1000);
	kvm_call(500, 502, 32, 2, 5000, -1000);
	kvm_call(500, 501, 33, 1, 1000, -1000);
	kvm_call(600, 601, 32, 1, 7000, 0);
	kvmmem_trace_analysis_finish(&a, 0);

	cr_assert_eq(a.nr_vms, 2);
	vm1 = kvmmem_trace_analysis_get_vm(&a, 500);
	vm2 = kvmmem_trace_analysis_get_vm(&a, 600);
	cr_assert_not_null(vm1);
	cr_assert_not_null(vm2);
	cr_assert_str_eq(vm1->comm, "p500");
	cr_assert_str_eq(vm1->name, "p500");
	cr_assert_eq(vm1->hc[KT_HC_MEM_MAP].count, 2);
	cr_assert_eq(vm1->hc[KT_HC_MEM_MAP].errors, 2);
	cr_assert_eq(result_count(&vm1->hc[KT_HC_MEM_MAP], -1000), 2);
	cr_assert_eq(vm1->hc[KT_HC_MEM_UNMAP].count, 1);
	cr_assert_eq(vm1->hc[KT_HC_MEM_MAP].latency.n, 2);
	cr_assert_eq(kvmmem_samples_percentile(&vm1->hc[KT_HC_MEM_MAP].latency, 50), 3000);
	cr_assert_eq(kvmmem_samples_max(&vm1->hc[KT_HC_MEM_MAP].latency), 5000);
	cr_assert_eq(vm1->nr_vcpus, 2);
	cr_assert_eq(vm1->live, 0, "refused maps are not live");
	cr_assert_eq(vm2->hc[KT_HC_MEM_MAP].count, 1);
	cr_assert_eq(result_count(&vm2->hc[KT_HC_MEM_MAP], 0), 1);
	cr_assert_eq(vm2->live, 1);
	/* the machine-wide host operations see all of them */
	cr_assert_eq(a.ops[KT_OP_HOST_HC_MAP].count, 3);
	cr_assert_eq(a.ops[KT_OP_HOST_HC_UNMAP].count, 1);
	cr_assert_eq(a.kinds[KT_KVM_HC_ENTER], 4);
	cr_assert_eq(a.kinds[KT_KVM_HC_EXIT], 4);
}

Test(analyze, host_vcpus_count_their_calls_and_time)
{
	size_t i;
	const struct kvmmem_trace_vcpu *v = NULL;

	kvm_call(500, 503, 32, 1, 3000, 0);
	kvm_call(500, 503, 33, 1, 2000, 0);
	kvmmem_trace_analysis_finish(&a, 0);
	cr_assert_eq(a.nr_vcpus, 1);
	for (i = 0; i < a.nr_vcpus; i++)
		if (a.vcpus[i].tid == 503)
			v = &a.vcpus[i];
	cr_assert_not_null(v);
	cr_assert_eq(v->vm, 500);
	cr_assert_eq(v->vcpu_id, 503 % 8);
	cr_assert_eq(v->hypercalls, 2);
	cr_assert_eq(v->host_ns, 5000);
}

Test(analyze, host_mappings_follow_the_local_gpa)
{
	const struct kvmmem_trace_vm *vm;
	const struct kvmmem_trace_host_map *m;

	kvm_call(500, 501, 32, 1, 10, 0);
	kvm_call(500, 501, 32, 2, 10, 0);
	kvm_call(500, 501, 32, 3, 10, 0);
	kvm_call(500, 501, 33, 2, 10, 0);	/* unmap's a0 is map's a2 */
	kvm_call(500, 501, 33, 3, 10, -14);	/* refused: still mapped */
	kvmmem_trace_analysis_finish(&a, 0);

	vm = kvmmem_trace_analysis_get_vm(&a, 500);
	cr_assert_not_null(vm);
	cr_assert_eq(vm->live, 2);
	cr_assert_eq(vm->live_max, 3);
	m = kvmmem_trace_host_map_get(vm, LGPA(2));
	cr_assert_not_null(m);
	cr_assert(!m->live);
	m = kvmmem_trace_host_map_get(vm, LGPA(3));
	cr_assert_not_null(m);
	cr_assert(m->live);
	cr_assert_eq(m->remote_gpa, RGPA(3));
	cr_assert_eq(vm->leaked, 0, "the VM has not exited");
}

Test(analyze, host_mappings_live_when_the_vm_exits_are_its_leaked_pages)
{
	const struct kvmmem_trace_vm *vm;

	kvm_call(500, 501, 32, 1, 10, 0);
	kvm_call(500, 501, 32, 2, 10, 0);
	kvm_call(500, 501, 33, 1, 10, 0);
	proc_exit(500);
	kvmmem_trace_analysis_finish(&a, 0);

	vm = kvmmem_trace_analysis_get_vm(&a, 500);
	cr_assert_not_null(vm);
	cr_assert_neq(vm->exit_ts, 0);
	cr_assert_eq(vm->leaked, 1);
	cr_assert(kvmmem_trace_host_map_get(vm, LGPA(2))->live);
}

Test(analyze, host_vm_exit_with_nothing_mapped_leaks_nothing)
{
	const struct kvmmem_trace_vm *vm;

	kvm_call(500, 501, 32, 1, 10, -1000);
	proc_exit(500);
	kvmmem_trace_analysis_finish(&a, 0);
	vm = kvmmem_trace_analysis_get_vm(&a, 500);
	cr_assert_neq(vm->exit_ts, 0);
	cr_assert_eq(vm->leaked, 0);
}

Test(analyze, host_unmaps_after_the_exit_event_are_not_leaks)
{
	const struct kvmmem_trace_vm *vm;

	/* the emulated host: a process's files are torn down after its
	 * sched_process_exit, and the teardown unmaps reach the host */
	host_call(KT_HOST_HC_ENTER, KT_HOST_HC_EXIT, 700, 700, 32, 1, 10, 0);
	proc_exit(700);
	host_call(KT_HOST_HC_ENTER, KT_HOST_HC_EXIT, 700, 700, 33, 1, 10, 0);
	kvmmem_trace_analysis_finish(&a, 0);
	vm = kvmmem_trace_analysis_get_vm(&a, 700);
	cr_assert_eq(vm->live, 0);
	cr_assert_eq(vm->leaked, 0);
}

Test(analyze, hostsim_events_feed_the_same_per_vm_analysis)
{
	const struct kvmmem_trace_vm *vm;

	host_call(KT_HOST_HC_ENTER, KT_HOST_HC_EXIT, 700, 701, 32, 1, 400, 0);
	host_call(KT_HOST_HC_ENTER, KT_HOST_HC_EXIT, 700, 701, 33, 1, 300, -14);
	kvmmem_trace_analysis_finish(&a, 0);
	vm = kvmmem_trace_analysis_get_vm(&a, 700);
	cr_assert_not_null(vm);
	cr_assert_eq(vm->hc[KT_HC_MEM_MAP].count, 1);
	cr_assert_eq(result_count(&vm->hc[KT_HC_MEM_UNMAP], -14), 1);
	cr_assert_eq(vm->hc[KT_HC_MEM_UNMAP].latency.v[0], 300);
	cr_assert_eq(vm->live, 1, "the host failed the unmap: still mapped");
	cr_assert_eq(a.ops[KT_OP_HOST_HC_UNMAP].errors, 1);
}

Test(analyze, host_unknown_answer_is_its_own_result_and_maps_nothing)
{
	const struct kvmmem_trace_vm *vm;

	kvm_call(500, 501, 32, 1, 10, KT_RET_UNKNOWN);
	kvmmem_trace_analysis_finish(&a, 0);
	vm = kvmmem_trace_analysis_get_vm(&a, 500);
	cr_assert_eq(result_count(&vm->hc[KT_HC_MEM_MAP], KT_RET_UNKNOWN), 1);
	cr_assert_eq(vm->live, 0);
}

Test(analyze, host_unmap_of_an_unseen_gpa_is_counted_not_negative)
{
	const struct kvmmem_trace_vm *vm;

	kvm_call(500, 501, 33, 9, 10, 0);
	kvmmem_trace_analysis_finish(&a, 0);
	vm = kvmmem_trace_analysis_get_vm(&a, 500);
	cr_assert_eq(vm->unknown_unmaps, 1);
	cr_assert_eq(vm->live, 0);
}

Test(analyze, host_remap_of_a_live_gpa_is_counted_once)
{
	const struct kvmmem_trace_vm *vm;

	kvm_call(500, 501, 32, 1, 10, 0);
	kvm_call(500, 501, 32, 1, 10, 0);
	kvmmem_trace_analysis_finish(&a, 0);
	vm = kvmmem_trace_analysis_get_vm(&a, 500);
	cr_assert_eq(vm->live, 1);
	cr_assert_eq(vm->remaps, 1);
}

Test(analyze, host_exit_without_enter_has_no_latency_but_counts)
{
	const struct kvmmem_trace_vm *vm;

	cr_assert_eq(ev(10, KT_KVM_HC_EXIT, 500, 501, 0, 32, 0, RGPA(1), LGPA(1),
			-1000), -1);
	kvmmem_trace_analysis_finish(&a, 0);
	vm = kvmmem_trace_analysis_get_vm(&a, 500);
	cr_assert_eq(vm->hc[KT_HC_MEM_MAP].count, 1);
	cr_assert_eq(vm->hc[KT_HC_MEM_MAP].latency.n, 0);
}

Test(analyze, host_names_from_the_recording_replace_the_comm)
{
	const struct kvmmem_trace_name names[] = {
		{ .pid = 500, .name = "l2-guest" },
		{ .pid = 999, .name = "not-a-vm" },
	};

	kvm_call(500, 501, 32, 1, 10, 0);
	kvmmem_trace_analysis_finish(&a, 0);
	kvmmem_trace_analysis_name_vms(&a, names, 2);
	cr_assert_str_eq(kvmmem_trace_analysis_get_vm(&a, 500)->name, "l2-guest");
	cr_assert_null(kvmmem_trace_analysis_get_vm(&a, 999));
}

Test(analyze, other_hypercall_numbers_make_no_vm)
{
	ev(10, KT_KVM_HC_ENTER, 500, 501, 0, 12, 0, 0, 0, 0);
	ev(10, KT_KVM_HC_EXIT, 500, 501, 0, 12, 0, 0, 0, 0);
	kvmmem_trace_analysis_finish(&a, 0);
	cr_assert_eq(a.nr_vms, 0);
}
