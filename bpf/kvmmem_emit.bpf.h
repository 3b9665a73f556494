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
 * The current task's comm into @dst. @btf (a constant after inlining):
 * the program is a tracing one (tp_btf), which may load task->comm
 * directly: two 8-byte loads instead of bpf_get_current_comm(), which
 * measured ~90 of the ~530 ns an event costs under TCG. Other programs
 * (raw_tp, classic tracepoints) use the helper.
 */
static __always_inline void kt_comm(char *dst, bool btf)
{
	if (btf) {
		struct task_struct *t = bpf_get_current_task_btf();
		const __u64 *src = (const __u64 *)t->comm;

		((__u64 *)dst)[0] = src[0];
		((__u64 *)dst)[1] = src[1];
		return;
	}
	bpf_get_current_comm(dst, KT_COMM_LEN);
}

/* Fill @e, an event of @kind with timestamp @ts (see struct kt_event). */
static __always_inline void kt_fill(struct kt_event *e, __u64 pid_tgid,
				    __u64 ts, bool btf, enum kt_kind kind,
				    __u64 id, __u32 tgid, __u64 a0, __u64 a1,
				    __u64 a2, __s64 ret)
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
	kt_comm(e->comm, btf);
}

/* Submit a filled record, waking user space only past wakeup_bytes. */
static __always_inline void kt_submit(void *e)
{
	__u64 flags;

	flags = bpf_ringbuf_query(&kt_events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
		BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
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
	kt_fill(e, pid_tgid, ts, btf, kind, id, tgid, a0, a1, a2, ret);
	kt_submit(e);
	return 0;
}

/* One event with timestamp @ts, from any kind of program. */
static __always_inline int kt_emit_ts(__u64 ts, enum kt_kind kind, __u64 id,
				      __u32 tgid, __u64 a0, __u64 a1, __u64 a2,
				      __s64 ret)
{
	return kt_record(ts, false, kind, id, tgid, a0, a1, a2, ret);
}

/* One event now; @btf: from a tracing (tp_btf) program, see kt_comm(). */
static __always_inline int kt_emit_as(bool btf, enum kt_kind kind, __u64 id,
				      __u32 tgid, __u64 a0, __u64 a1, __u64 a2,
				      __s64 ret)
{
	return kt_record(bpf_ktime_get_ns(), btf, kind, id, tgid, a0, a1, a2,
			 ret);
}

/*
 * Process @pid's exit is worth an event (if exits are recorded). If
 * kt_owners is full, that exit event is lost: count it now.
 */
static __always_inline void kt_own(__u32 pid)
{
	__u8 one = 1;

	if ((targ_kinds & KT_KIND_BIT(KT_PROC_EXIT)) &&
	    !bpf_map_lookup_elem(&kt_owners, &pid) &&
	    bpf_map_update_elem(&kt_owners, &pid, &one, BPF_ANY))
		kt_drop(KT_DROP_EXIT);
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
SEC("tp_btf/sched_process_exit")					\
int BPF_PROG(sched_process_exit_btf, struct task_struct *p)		\
{ return kt_proc_exit(true); }						\
SEC("raw_tp/sched_process_exit")					\
int BPF_PROG(sched_process_exit_raw, struct task_struct *p)		\
{ return kt_proc_exit(false); }

#endif /* KVMMEM_EMIT_BPF_H */
