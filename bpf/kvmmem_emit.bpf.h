/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmmem_emit.bpf.h - what every kvmmem BPF program that records events
 * shares (kvmmem_trace.bpf.c in the guest, kvmmem_host.bpf.c on a KVM
 * host): the filters, the ring buffer of struct kt_event, the drop
 * counter, and the process-exit event. Include after vmlinux.h, the
 * libbpf headers and kvmmem_trace.h.
 *
 * Overhead: no wakeup per event (BPF_RB_NO_WAKEUP); user space drains the
 * buffer on a timer, and is woken early only when the buffer is more
 * than wakeup_bytes full. Events that do not fit are counted in
 * kt_drops, which user space always reports.
 */
#ifndef KVMMEM_EMIT_BPF_H
#define KVMMEM_EMIT_BPF_H

#include "kvmmem_tp.bpf.h"

/* Filters, set before load. */
const volatile __u32 targ_tgid = 0;		/* 0: every process */
const volatile __u32 targ_kinds = KT_ALL_KINDS;	/* KT_KIND_BIT()s */
const volatile __u64 wakeup_bytes = 1 << 20;	/* wake user space above this */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);	/* resized by user space */
} kt_events SEC(".maps");

/* Events lost, per enum kt_drop: counters per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KT_NR_DROPS);
	__type(key, __u32);
	__type(value, __u64);
} kt_drops SEC(".maps");

/*
 * Processes whose exit is worth an event: those that made a mapping
 * (guest), or a kvmmem hypercall (host: VMMs). A process that does not
 * fit is counted in kt_drops[KT_DROP_EXIT]: its exit is an event lost.
 * User space may resize it before load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} kt_owners SEC(".maps");

/*
 * Does the filter keep an event of @kind made by process @pid, whose
 * tgid field is @tgid? The process is matched on @pid, and on @tgid
 * only for kinds whose tgid is a process (KT_PID_KINDS: a mapping's
 * owner, a file's closer, an exited process): for hypercalls it is the
 * nr, for tokens a count. @kind is a constant after inlining.
 */
static __always_inline bool kt_wanted(enum kt_kind kind, __u32 pid, __u32 tgid)
{
	if (!(targ_kinds & KT_KIND_BIT(kind)))
		return false;
	return !targ_tgid || pid == targ_tgid ||
	       ((KT_PID_KINDS & KT_KIND_BIT(kind)) && tgid == targ_tgid);
}

/*
 * The same for an operation's end event that brings back the kinds
 * @kinds (KT_*_OP_KINDS): kept if any of them may be. User space
 * filters the events it expands into one by one (tools/trace/expand.c).
 */
static __always_inline bool kt_op_wanted(__u32 kinds, __u32 pid, __u32 tgid)
{
	if (!(targ_kinds & kinds))
		return false;
	return !targ_tgid || pid == targ_tgid || tgid == targ_tgid;
}

static __always_inline void kt_drop(enum kt_drop why)
{
	__u32 key = why;
	__u64 *n = bpf_map_lookup_elem(&kt_drops, &key);

	if (n)
		*n += 1;
}

/*
 * The current task in a tracing (tp_btf) program (@btf, a constant after
 * inlining), which may read it directly: its comm is two loads instead
 * of bpf_get_current_comm() (~90 of the ~530 ns an event cost under
 * TCG). Other programs (raw_tp, classic tracepoints) get NULL and use
 * the helpers.
 */
static __always_inline struct task_struct *kt_task(bool btf)
{
	return btf ? bpf_get_current_task_btf() : NULL;
}

/* @task's comm into @dst. */
static __always_inline void kt_comm(char *dst, struct task_struct *task,
				    bool btf)
{
	if (btf) {
		const __u64 *src = (const __u64 *)task->comm;

		((__u64 *)dst)[0] = src[0];
		((__u64 *)dst)[1] = src[1];
		return;
	}
	bpf_get_current_comm(dst, KT_COMM_LEN);
}

/* Fill @e, an event of @kind with timestamp @ts (see struct kt_event). */
static __always_inline void kt_fill(struct kt_event *e, __u64 pid_tgid,
				    struct task_struct *task, __u64 ts, bool btf,
				    enum kt_kind kind, __u64 id, __u32 tgid,
				    __u64 a0, __u64 a1, __u64 a2, __s64 ret)
{
	e->ts = ts;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->kind = kind;
	e->cpu = bpf_get_smp_processor_id();
	e->tgid = tgid;
	e->id = id;
	e->a0 = a0;
	e->a1 = a1;
	e->a2 = a2;
	e->ret = ret;
	kt_comm(e->comm, task, btf);
}

/*
 * Submit a filled record; wake user space only when the buffer holds more
 * than wakeup_bytes, which is looked at if @check (a helper call: an
 * operation's end looks on one mapping id in 16, other records always).
 * The threshold is half the buffer: a few records past it are nothing.
 */
static __always_inline void kt_submit(void *e, bool check)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (check &&
	    bpf_ringbuf_query(&kt_events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/* One event with timestamp @ts (see struct kt_event for the fields). */
static __always_inline int kt_record(__u64 ts, bool btf, enum kt_kind kind,
				     __u64 id, __u32 tgid, __u64 a0, __u64 a1,
				     __u64 a2, __s64 ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct kt_event *e;

	if (!kt_wanted(kind, pid_tgid >> 32, tgid))
		return 0;

	e = bpf_ringbuf_reserve(&kt_events, sizeof(*e), 0);
	if (!e) {
		kt_drop(KT_DROP_RING);
		return 0;
	}
	kt_fill(e, pid_tgid, kt_task(btf), ts, btf, kind, id, tgid, a0, a1, a2,
		ret);
	kt_submit(e, true);
	return 0;
}

/* One event with timestamp @ts, from any kind of program. */
static __always_inline int kt_emit_ts(__u64 ts, enum kt_kind kind, __u64 id,
				      __u32 tgid, __u64 a0, __u64 a1, __u64 a2,
				      __s64 ret)
{
	return kt_record(ts, false, kind, id, tgid, a0, a1, a2, ret);
}

/* One event now; @btf: from a tracing (tp_btf) program, see kt_task(). */
static __always_inline int kt_emit_as(bool btf, enum kt_kind kind, __u64 id,
				      __u32 tgid, __u64 a0, __u64 a1, __u64 a2,
				      __s64 ret)
{
	return kt_record(bpf_ktime_get_ns(), btf, kind, id, tgid, a0, a1, a2,
			 ret);
}

/*
 * The process last put in kt_owners, so that a process mapping again
 * skips the hash lookup (~150 instructions a MAP): its leader's start
 * time xor its tgid << 32, in one word so that a CPU never reads half of
 * another's update. A reused pid has another start time; two processes
 * share a key only if their start times (ns) differ in exactly the bits
 * of their tgids' difference << 32 and in no other: then the second one's
 * exit could go unrecorded. kt_owners stays the truth.
 */
__u64 kt_last_owner = 0;

/*
 * The current process (@pid) made a mapping: its exit is worth an event
 * (if exits are recorded). If kt_owners is full, that exit event is
 * lost: count it now. @task: kt_task(@btf), with which the tracing
 * programs use kt_last_owner.
 */
static __always_inline void kt_own(__u32 pid, struct task_struct *task,
				   bool btf)
{
	__u64 key = 0;
	__u8 one = 1;

	if (!(targ_kinds & KT_KIND_BIT(KT_PROC_EXIT)))
		return;
	if (btf) {
		key = task->group_leader->start_time ^ ((__u64)pid << 32);
		if (key && *(volatile __u64 *)&kt_last_owner == key)
			return;
	}
	if (!bpf_map_lookup_elem(&kt_owners, &pid) &&
	    bpf_map_update_elem(&kt_owners, &pid, &one, BPF_ANY)) {
		kt_drop(KT_DROP_EXIT);
		return;
	}
	if (key)
		*(volatile __u64 *)&kt_last_owner = key;
}

static __always_inline int kt_proc_exit(bool btf)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	/* the last thread: do_exit() dropped signal->live to 0 before */
	if (BPF_CORE_READ(task, signal, live.counter))
		return 0;
	if (!bpf_map_lookup_elem(&kt_owners, &pid))
		return 0;
	bpf_map_delete_elem(&kt_owners, &pid);
	return kt_emit_as(btf, KT_PROC_EXIT, 0, pid, 0, 0, 0,
			  BPF_CORE_READ(task, exit_code));
}

/* The sched_process_exit programs (tp_btf and raw_tp) of an object. */
#define KT_PROC_EXIT_PROGS						\
	KVMMEM_TP_PROGS(sched_process_exit, return kt_proc_exit(BTF),	\
			struct task_struct *p)

#endif /* KVMMEM_EMIT_BPF_H */
