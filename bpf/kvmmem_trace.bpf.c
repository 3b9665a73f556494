// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem_trace.bpf.c - every kvmmem (and kvmmem_hostsim) tracepoint hit,
 * sent as one struct kt_event through a ring buffer.
 *
 * Each program exists twice: as tp_btf (needs the modules' BTF) and as
 * raw_tp (needs none: all tracepoint arguments are scalars). User space
 * loads one set and disables the other with bpf_program__set_autoload().
 * The ring buffer, filters and exit event are in kvmmem_emit.bpf.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kvmmem_trace.h"
#include "kvmmem_emit.bpf.h"

/*
 * Set before load: the end-of-operation programs send struct
 * kt_op_event, which carries the operation's start and hypercalls, and
 * user space attaches no program to those tracepoints (the default: one
 * program run per operation). 0: every tracepoint has its own program
 * and the end programs send a plain struct kt_event.
 */
const volatile bool targ_ops = false;

/* A mapping event; a successful map makes its process's exit worth one. */
static __always_inline int kt_mapping(bool btf, enum kt_kind kind, __u64 id,
				      __u32 tgid, __u64 gva, __u64 gpa,
				      __u64 pa, int ret)
{
	if (kind == KT_MAP_END && !ret)
		kt_own(tgid, kt_task(btf), btf);
	return kt_emit_as(btf, kind, id, tgid, gva, gpa, pa, ret);
}

/* The kinds an end event of @kind brings back; a constant once inlined. */
static __always_inline __u32 kt_op_kinds(enum kt_kind kind)
{
	return kind == KT_MAP_END ? KT_MAP_OP_KINDS :
	       kind == KT_UNMAP_END ? KT_UNMAP_OP_KINDS : KT_TEARDOWN_OP_KINDS;
}

/*
 * One hypercall's times, member by member: the verifier refuses a load
 * from a BTF pointer that spans two members (nr and pad), which a
 * struct copy makes.
 */
static __always_inline void kt_hc_times(struct kvmmem_hc_times *dst,
					const struct kvmmem_hc_times *h)
{
	dst->enter_ns = h->enter_ns;
	dst->exit_ns = h->exit_ns;
	dst->nr = h->nr;
	dst->pad = 0;
	dst->a0 = h->a0;
	dst->a1 = h->a1;
	dst->a2 = h->a2;
	dst->ret = h->ret;
}

/*
 * The end of an operation: a plain mapping event, or with targ_ops the
 * event and the timings @t of its tracepoint. tp_btf loads @t directly,
 * and sends an operation of one hypercall (nearly all) without the empty
 * second (KT_OP_EVENT_SHORT). A raw_tp program has no BTF for @t: it
 * copies all of it with bpf_probe_read_kernel() (~150 instructions
 * more) and always sends the whole record.
 */
static __always_inline int kt_op(bool btf, enum kt_kind kind, __u64 id,
				 __u32 tgid, __u64 gva, __u64 gpa, __u64 pa,
				 int ret, const struct kvmmem_op_times *t)
{
	struct task_struct *task;
	__u64 pid_tgid, now;
	struct kt_op_event *e;
	__u32 n = 0;

	if (!targ_ops)
		return kt_mapping(btf, kind, id, tgid, gva, gpa, pa, ret);
	task = kt_task(btf);
	if (kind == KT_MAP_END && !ret)
		kt_own(tgid, task, btf);
	pid_tgid = bpf_get_current_pid_tgid();
	if (!kt_op_wanted(kt_op_kinds(kind), pid_tgid >> 32, tgid))
		return 0;
	/* 6.12's verifier types a tracepoint's pointer maybe-NULL: the driver
	 * never passes NULL */
	if (btf && !t)
		return 0;
	now = bpf_ktime_get_ns();
	if (btf)
		n = t->nr_hc;
	if (btf && n <= 1) {
		/* one hypercall or none: without hc[1] */
		e = bpf_ringbuf_reserve(&kt_events, KT_OP_EVENT_SHORT, 0);
		if (!e)
			goto drop;
		kt_fill(&e->end, pid_tgid, task, now, btf, kind, id,
			tgid, gva, gpa, pa, ret);
		e->t.start_ns = t->start_ns;
		e->t.nr_hc = n;
		e->t.pad = 0;
		if (n)
			kt_hc_times(&e->t.hc[0], &t->hc[0]);
		else
			__builtin_memset(&e->t.hc[0], 0, sizeof(e->t.hc[0]));
		kt_submit(e, !(id & 15));
		return 0;
	}
	e = bpf_ringbuf_reserve(&kt_events, sizeof(*e), 0);
	if (!e)
		goto drop;
	kt_fill(&e->end, pid_tgid, task, now, btf, kind, id, tgid,
		gva, gpa, pa, ret);
	if (btf) {
		e->t.start_ns = t->start_ns;
		e->t.nr_hc = KVMMEM_OP_MAX_HC;
		e->t.pad = 0;
		kt_hc_times(&e->t.hc[0], &t->hc[0]);
		kt_hc_times(&e->t.hc[1], &t->hc[1]);
	} else if (bpf_probe_read_kernel(&e->t, sizeof(e->t), t)) {
		__builtin_memset(&e->t, 0, sizeof(e->t));
	}
	kt_submit(e, !(id & 15));
	return 0;
drop:
	kt_drop(KT_DROP_RING);
	return 0;
}

/*
 * KT_<shape>_PROG(tracepoint, kind): the tp_btf and the raw_tp program of
 * one tracepoint, one macro per shape (argument list), both doing the
 * same. Every kind of KT_KINDS() gets the programs of its shape.
 */
#define KT_MAPPING_PROG(tp, kind)					\
SEC("tp_btf/" #tp)							\
int BPF_PROG(tp##_btf, u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret) \
{ return kt_mapping(true, kind, id, tgid, gva, gpa, pa, ret); }	\
SEC("raw_tp/" #tp)							\
int BPF_PROG(tp##_raw, u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret) \
{ return kt_mapping(false, kind, id, tgid, gva, gpa, pa, ret); }

#define KT_OP_PROG(tp, kind)						\
SEC("tp_btf/" #tp)							\
int BPF_PROG(tp##_btf, u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret, \
	     const struct kvmmem_op_times *t)				\
{ return kt_op(true, kind, id, tgid, gva, gpa, pa, ret, t); }		\
SEC("raw_tp/" #tp)							\
int BPF_PROG(tp##_raw, u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret, \
	     const struct kvmmem_op_times *t)				\
{ return kt_op(false, kind, id, tgid, gva, gpa, pa, ret, t); }

#define KT_TEARDOWN_PROG(tp, kind)					\
SEC("tp_btf/" #tp)							\
int BPF_PROG(tp##_btf, u64 file_id, u32 tgid, u64 live, u64 unmapped,	\
	     u64 leaked)						\
{ return kt_emit_as(true, kind, file_id, tgid, live, unmapped, leaked, 0); } \
SEC("raw_tp/" #tp)							\
int BPF_PROG(tp##_raw, u64 file_id, u32 tgid, u64 live, u64 unmapped,	\
	     u64 leaked)						\
{ return kt_emit_as(false, kind, file_id, tgid, live, unmapped, leaked, 0); }

#define KT_HC_PROG(tp, kind)						\
SEC("tp_btf/" #tp)							\
int BPF_PROG(tp##_btf, u64 id, u32 nr, u64 a0, u64 a1, u64 a2, long ret) \
{ return kt_emit_as(true, kind, id, nr, a0, a1, a2, ret); }		\
SEC("raw_tp/" #tp)							\
int BPF_PROG(tp##_raw, u64 id, u32 nr, u64 a0, u64 a1, u64 a2, long ret) \
{ return kt_emit_as(false, kind, id, nr, a0, a1, a2, ret); }

#define KT_HOST_HC_PROG(tp, kind)					\
SEC("tp_btf/" #tp)							\
int BPF_PROG(tp##_btf, u32 nr, u64 a0, u64 a1, u64 a2, long ret)	\
{ return kt_emit_as(true, kind, 0, nr, a0, a1, a2, ret); }		\
SEC("raw_tp/" #tp)							\
int BPF_PROG(tp##_raw, u32 nr, u64 a0, u64 a1, u64 a2, long ret)	\
{ return kt_emit_as(false, kind, 0, nr, a0, a1, a2, ret); }

#define KT_TOKEN_PROG(tp, kind)						\
SEC("tp_btf/" #tp)							\
int BPF_PROG(tp##_btf, u32 outstanding, int ret)			\
{ return kt_emit_as(true, kind, 0, outstanding, 0, 0, 0, ret); }	\
SEC("raw_tp/" #tp)							\
int BPF_PROG(tp##_raw, u32 outstanding, int ret)			\
{ return kt_emit_as(false, kind, 0, outstanding, 0, 0, 0, ret); }

/* sched_process_exit: kvmmem_emit.bpf.h's programs */
#define KT_EXIT_PROG(tp, kind)	KT_PROC_EXIT_PROGS

/* A KVM host's kinds come from kvmmem_host.bpf.c. */
#define KT_KVM_HC_PROG(tp, kind)

#define KT_PROG(kind, nr, name, shape, group, module, tp, ...)		\
	KT_##shape##_PROG(tp, KT_##kind)
KT_KINDS(KT_PROG)

char LICENSE[] SEC("license") = "GPL";
