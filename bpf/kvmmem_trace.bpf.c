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
#include "kvmmem_tp.bpf.h"
#include "kvmmem_emit.bpf.h"
#include "kvmmem_stacks.bpf.h"

/*
 * Set before load: the end-of-operation programs send struct
 * kt_op_event, which carries the operation's start and hypercalls, and
 * user space attaches no program to those tracepoints (the default: one
 * program run per operation). 0: every tracepoint has its own program
 * and the end programs send a plain struct kt_event.
 */
const volatile bool targ_ops = false;

/*
 * Set before load: --stacks (see struct kt_stack_ref). False: none of
 * the code below runs, and its maps are resized to one entry.
 */
const volatile bool targ_stacks = false;
/* --kernel-stacks: the kernel stack too (the MAP ioctl's path) */
const volatile bool targ_kstacks = false;

/* The stacks, by id: user and kernel stacks of the MAPs' callers. */
KVMMEM_STACK_MAP(kt_stacks, KT_STACK_DEPTH);
_Static_assert(KT_NO_STACK == KVMMEM_NO_STACK, "one no-stack id");

/* Each live mapping's stacks, by mapping id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);	/* resized by user space */
	__type(key, __u64);
	__type(value, struct kt_stack_val);
} kt_stack_of SEC(".maps");

/* Processes whose first MAP was told (tgid -> its leader's start time). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);	/* resized by user space */
	__type(key, __u32);
	__type(value, __u64);
} kt_stack_procs SEC(".maps");

static __always_inline void kt_stack_send(__u64 id, __u32 tgid, __s32 ustack,
					  __s32 kstack, __u32 why, bool wake)
{
	struct kt_stack_ref *r;

	r = bpf_ringbuf_reserve(&kt_events, sizeof(*r), 0);
	if (!r) {
		kt_drop(KT_DROP_STACK_REF);
		return;
	}
	r->id = id;
	r->tgid = tgid;
	r->ustack = ustack;
	r->kstack = kstack;
	r->why = why;
	if (wake)
		bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	else
		kt_submit(r, true);
}

/*
 * Process @tgid mapped: if it is its first MAP, wake user space now, so
 * that it reads /proc/@tgid/maps while the process lives. A reused pid
 * is told apart by its leader's start time.
 */
static __always_inline void kt_stack_proc(__u32 tgid)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 start = BPF_CORE_READ(task, group_leader, start_time);
	__u64 *seen = bpf_map_lookup_elem(&kt_stack_procs, &tgid);

	if (seen && *seen == start)
		return;
	bpf_map_update_elem(&kt_stack_procs, &tgid, &start, BPF_ANY);
	kt_stack_send(0, tgid, KT_NO_STACK, KT_NO_STACK, KT_STACK_PROC, true);
}

/*
 * --stacks, at the end of a mapping operation @kind of mapping @id:
 * a MAP that succeeded keeps its caller's stacks (it runs in the
 * caller's ioctl: the user stack is the MAP's caller's); a leak tells
 * the mapping's stacks; a teardown that released it tells them and
 * forgets them; an UNMAP forgets them (a failed one has leaked the page,
 * told already). @ctx: the program's context, for bpf_get_stackid().
 */
static __always_inline void kt_stack_op(void *ctx, enum kt_kind kind, __u64 id,
					__u32 tgid, int ret)
{
	struct kt_stack_val v = {}, *p;
	bool failed = false;
	__u32 pid;

	if (!targ_stacks || !id)
		return;
	if (kind == KT_MAP_END) {
		if (ret)
			return;
		pid = bpf_get_current_pid_tgid() >> 32;
		if (targ_tgid && pid != targ_tgid && tgid != targ_tgid)
			return;
		v.ustack = kvmmem_stack_take(ctx, &kt_stacks, BPF_F_USER_STACK,
					     &failed);
		v.kstack = KT_NO_STACK;
		if (targ_kstacks)
			v.kstack = kvmmem_stack_take(ctx, &kt_stacks, 0,
						     &failed);
		if (failed)
			kt_drop(KT_DROP_STACK);
		v.tgid = tgid;
		if (bpf_map_update_elem(&kt_stack_of, &id, &v, BPF_ANY))
			kt_drop(KT_DROP_STACK_TABLE);
		kt_stack_proc(pid);
		return;
	}
	if (kind != KT_PAGE_LEAKED && kind != KT_UNMAP_END &&
	    kind != KT_TEARDOWN_UNMAP)
		return;
	p = bpf_map_lookup_elem(&kt_stack_of, &id);
	if (!p)
		return;
	v = *p;
	if (kind == KT_PAGE_LEAKED) {
		/* the UNMAP or teardown that leaked it forgets it */
		kt_stack_send(id, v.tgid, v.ustack, v.kstack, KT_STACK_LEAKED,
			      false);
		return;
	}
	if (kind == KT_TEARDOWN_UNMAP && !ret)
		kt_stack_send(id, v.tgid, v.ustack, v.kstack, KT_STACK_TEARDOWN,
			      false);
	bpf_map_delete_elem(&kt_stack_of, &id);
}

/* A mapping event; a successful map makes its process's exit worth one. */
static __always_inline int kt_mapping(void *ctx, bool btf, enum kt_kind kind,
				      __u64 id, __u32 tgid, __u64 gva,
				      __u64 gpa, __u64 pa, int ret)
{
	kt_stack_op(ctx, kind, id, tgid, ret);
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
static __always_inline int kt_op(void *ctx, bool btf, enum kt_kind kind,
				 __u64 id, __u32 tgid, __u64 gva, __u64 gpa,
				 __u64 pa, int ret,
				 const struct kvmmem_op_times *t)
{
	struct task_struct *task;
	__u64 pid_tgid, now;
	struct kt_op_event *e;
	__u32 n = 0;

	if (!targ_ops)
		return kt_mapping(ctx, btf, kind, id, tgid, gva, gpa, pa, ret);
	kt_stack_op(ctx, kind, id, tgid, ret);
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
 * one tracepoint, one macro per shape (argument list). Every kind of
 * KT_KINDS() gets the programs of its shape.
 */
#define MAPPING_ARGS	u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret

#define KT_MAPPING_PROG(tp, kind)					\
	KVMMEM_TP_PROGS(tp, return kt_mapping(ctx, BTF, kind, id, tgid,	\
					      gva, gpa, pa, ret),	\
			MAPPING_ARGS)

#define KT_OP_PROG(tp, kind)						\
	KVMMEM_TP_PROGS(tp, return kt_op(ctx, BTF, kind, id, tgid, gva,	\
					 gpa, pa, ret, t),		\
			MAPPING_ARGS, const struct kvmmem_op_times *t)

#define KT_TEARDOWN_PROG(tp, kind)					\
	KVMMEM_TP_PROGS(tp, return kt_emit_as(BTF, kind, file_id, tgid,	\
					      live, unmapped, leaked, 0), \
			u64 file_id, u32 tgid, u64 live, u64 unmapped,	\
			u64 leaked)

#define KT_HC_PROG(tp, kind)						\
	KVMMEM_TP_PROGS(tp, return kt_emit_as(BTF, kind, id, nr, a0, a1, \
					      a2, ret),			\
			u64 id, u32 nr, u64 a0, u64 a1, u64 a2, long ret)

#define KT_HOST_HC_PROG(tp, kind)					\
	KVMMEM_TP_PROGS(tp, return kt_emit_as(BTF, kind, 0, nr, a0, a1,	\
					      a2, ret),			\
			u32 nr, u64 a0, u64 a1, u64 a2, long ret)

#define KT_TOKEN_PROG(tp, kind)						\
	KVMMEM_TP_PROGS(tp, return kt_emit_as(BTF, kind, 0, outstanding, \
					      0, 0, 0, ret),		\
			u32 outstanding, int ret)

/* sched_process_exit: kvmmem_emit.bpf.h's programs */
#define KT_EXIT_PROG(tp, kind)	KT_PROC_EXIT_PROGS

/* A KVM host's kinds come from kvmmem_host.bpf.c. */
#define KT_KVM_HC_PROG(tp, kind)

#define KT_PROG(kind, nr, name, shape, group, module, tp, ...)		\
	KT_##shape##_PROG(tp, KT_##kind)
KT_KINDS(KT_PROG)

char LICENSE[] SEC("license") = "GPL";
