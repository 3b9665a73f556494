// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem_trace.bpf.c - every kvmmem (and kvmmem_hostsim) tracepoint hit,
 * sent as one struct kt_event through a ring buffer.
 *
 * Each program exists twice: as tp_btf (needs the modules' BTF) and as
 * raw_tp (needs none: all tracepoint arguments are scalars). User space
 * loads one set and disables the other with bpf_program__set_autoload().
 *
 * Overhead: no wakeup per event (BPF_RB_NO_WAKEUP); user space drains the
 * buffer on a timer, and is woken early only when the buffer is more
 * than wakeup_bytes full. Events that do not fit are counted in
 * kt_drops, which user space always reports.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kvmmem_trace.h"

/* Filters, set before load. */
const volatile __u32 targ_tgid = 0;		/* 0: every process */
const volatile __u32 targ_kinds = KT_ALL_KINDS;	/* KT_KIND_BIT()s */
const volatile __u64 wakeup_bytes = 1 << 20;	/* wake user space above this */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);	/* resized by user space */
} kt_events SEC(".maps");

/* Events lost because the ring buffer was full: one counter per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} kt_drops SEC(".maps");

/* Processes that made a mapping: only their exit is worth an event. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} kt_owners SEC(".maps");

static __always_inline bool kt_wanted(enum kt_kind kind, __u32 pid, __u32 tgid)
{
	if (!(targ_kinds & KT_KIND_BIT(kind)))
		return false;
	return !targ_tgid || pid == targ_tgid || tgid == targ_tgid;
}

static __always_inline void kt_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&kt_drops, &zero);

	if (n)
		*n += 1;
}

static __always_inline int kt_emit(enum kt_kind kind, __u64 id, __u32 tgid,
				   __u64 a0, __u64 a1, __u64 a2, __s64 ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 pid = pid_tgid >> 32;
	struct kt_event *e;
	__u64 flags;

	if (!kt_wanted(kind, pid, tgid))
		return 0;

	e = bpf_ringbuf_reserve(&kt_events, sizeof(*e), 0);
	if (!e) {
		kt_drop();
		return 0;
	}
	e->ts = bpf_ktime_get_ns();
	e->pid = pid;
	e->tid = (__u32)pid_tgid;
	e->kind = kind;
	e->cpu = bpf_get_smp_processor_id();
	e->tgid = tgid;
	e->id = id;
	e->a0 = a0;
	e->a1 = a1;
	e->a2 = a2;
	e->ret = ret;
	bpf_get_current_comm(e->comm, sizeof(e->comm));

	flags = bpf_ringbuf_query(&kt_events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
		BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
	return 0;
}

static __always_inline int kt_map_end(__u64 id, __u32 tgid, __u64 gva,
				      __u64 gpa, __u64 pa, int ret)
{
	__u8 one = 1;

	if (!ret && (targ_kinds & KT_KIND_BIT(KT_PROC_EXIT)) &&
	    !bpf_map_lookup_elem(&kt_owners, &tgid))
		bpf_map_update_elem(&kt_owners, &tgid, &one, BPF_ANY);
	return kt_emit(KT_MAP_END, id, tgid, gva, gpa, pa, ret);
}

static __always_inline int kt_proc_exit(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	/* the last thread: do_exit() dropped signal->live to 0 before */
	if (BPF_CORE_READ(task, signal, live.counter))
		return 0;
	if (!bpf_map_lookup_elem(&kt_owners, &pid))
		return 0;
	bpf_map_delete_elem(&kt_owners, &pid);
	return kt_emit(KT_PROC_EXIT, 0, pid, 0, 0, 0,
		       BPF_CORE_READ(task, exit_code));
}

/*
 * KT_*_PROG(tracepoint, ...): the tp_btf and the raw_tp program of one
 * tracepoint, one per argument list, both doing the same.
 */
#define KT_MAPPING_PROG(tp, body)					\
SEC("tp_btf/" #tp)							\
int BPF_PROG(tp##_btf, u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret) \
{ return body; }							\
SEC("raw_tp/" #tp)							\
int BPF_PROG(tp##_raw, u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret) \
{ return body; }

#define KT_TEARDOWN_PROG(tp, kind)					\
SEC("tp_btf/" #tp)							\
int BPF_PROG(tp##_btf, u64 file_id, u32 tgid, u64 live, u64 unmapped,	\
	     u64 leaked)						\
{ return kt_emit(kind, file_id, tgid, live, unmapped, leaked, 0); }	\
SEC("raw_tp/" #tp)							\
int BPF_PROG(tp##_raw, u64 file_id, u32 tgid, u64 live, u64 unmapped,	\
	     u64 leaked)						\
{ return kt_emit(kind, file_id, tgid, live, unmapped, leaked, 0); }

#define KT_HC_PROG(tp, kind)						\
SEC("tp_btf/" #tp)							\
int BPF_PROG(tp##_btf, u64 id, u32 nr, u64 a0, u64 a1, u64 a2, long ret) \
{ return kt_emit(kind, id, nr, a0, a1, a2, ret); }			\
SEC("raw_tp/" #tp)							\
int BPF_PROG(tp##_raw, u64 id, u32 nr, u64 a0, u64 a1, u64 a2, long ret) \
{ return kt_emit(kind, id, nr, a0, a1, a2, ret); }

#define KT_HOST_HC_PROG(tp, kind)					\
SEC("tp_btf/" #tp)							\
int BPF_PROG(tp##_btf, u32 nr, u64 a0, u64 a1, u64 a2, long ret)	\
{ return kt_emit(kind, 0, nr, a0, a1, a2, ret); }			\
SEC("raw_tp/" #tp)							\
int BPF_PROG(tp##_raw, u32 nr, u64 a0, u64 a1, u64 a2, long ret)	\
{ return kt_emit(kind, 0, nr, a0, a1, a2, ret); }

KT_MAPPING_PROG(kvmmem_map_start,
		kt_emit(KT_MAP_START, id, tgid, gva, gpa, pa, ret))
KT_MAPPING_PROG(kvmmem_map_end, kt_map_end(id, tgid, gva, gpa, pa, ret))
KT_MAPPING_PROG(kvmmem_unmap_start,
		kt_emit(KT_UNMAP_START, id, tgid, gva, gpa, pa, ret))
KT_MAPPING_PROG(kvmmem_unmap_end,
		kt_emit(KT_UNMAP_END, id, tgid, gva, gpa, pa, ret))
KT_MAPPING_PROG(kvmmem_teardown_unmap,
		kt_emit(KT_TEARDOWN_UNMAP, id, tgid, gva, gpa, pa, ret))
KT_MAPPING_PROG(kvmmem_page_leaked,
		kt_emit(KT_PAGE_LEAKED, id, tgid, gva, gpa, pa, ret))

KT_TEARDOWN_PROG(kvmmem_teardown_start, KT_TEARDOWN_START)
KT_TEARDOWN_PROG(kvmmem_teardown_end, KT_TEARDOWN_END)

KT_HC_PROG(kvmmem_hypercall_enter, KT_HC_ENTER)
KT_HC_PROG(kvmmem_hypercall_exit, KT_HC_EXIT)

KT_HOST_HC_PROG(kvmmem_hostsim_hypercall_enter, KT_HOST_HC_ENTER)
KT_HOST_HC_PROG(kvmmem_hostsim_hypercall_exit, KT_HOST_HC_EXIT)

SEC("tp_btf/kvmmem_hostsim_token")
int BPF_PROG(kvmmem_hostsim_token_btf, u32 outstanding, int ret)
{
	return kt_emit(KT_HOST_TOKEN, 0, outstanding, 0, 0, 0, ret);
}

SEC("raw_tp/kvmmem_hostsim_token")
int BPF_PROG(kvmmem_hostsim_token_raw, u32 outstanding, int ret)
{
	return kt_emit(KT_HOST_TOKEN, 0, outstanding, 0, 0, 0, ret);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit_btf, struct task_struct *p)
{
	return kt_proc_exit();
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(sched_process_exit_raw, struct task_struct *p)
{
	return kt_proc_exit();
}

char LICENSE[] SEC("license") = "GPL";
