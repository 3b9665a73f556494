/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmmem_trace.h - what kvmmem_trace.bpf.c sends to user space, shared by
 * the BPF programs, kvmmem-trace and libkvmmem's trace file code.
 *
 * One record per tracepoint hit, exactly as the tracepoint gave it: the
 * pairing of start/end events (latency, lifetimes) is done in user space,
 * so a recording can be replayed exactly. Plain fixed-size types, no
 * pointers, no implicit padding: the record is also the on-disk event
 * format (docs/trace-format.md), little-endian.
 */
#ifndef KVMMEM_TRACE_H
#define KVMMEM_TRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "kvmmem_kinds.h"
#include "../kernel/kvmmem_op_times.h"

#define KT_COMM_LEN	16

/*
 * Event kinds: one per tracepoint, numbered for the file format, all
 * listed once in KT_KINDS() (kvmmem_kinds.h): KT_MAP_START = 1, ...
 */
#define KT_KIND_ENUM(kind, nr, ...)	KT_##kind = nr,
enum kt_kind {
	KT_KINDS(KT_KIND_ENUM)
	KT_NR_KINDS,
};
#undef KT_KIND_ENUM

#define KT_KIND_BIT(k)	(1U << (k))
/* Every kind BPF can emit. */
#define KT_ALL_KINDS	(((1U << KT_NR_KINDS) - 1) & ~1U)
/* The kinds of a host (stock KVM) recording. */
#define KT_KVM_KINDS	(KT_KIND_BIT(KT_KVM_HC_ENTER) | KT_KIND_BIT(KT_KVM_HC_EXIT))

/*
 * KVM_HC_EXIT's ret when the guest's RAX could not be read (neither the
 * fexit nor the kretprobe on kvm_emulate_hypercall could be attached):
 * reports say "unknown".
 */
#define KT_RET_UNKNOWN	(-0x7fffffffffffffffLL - 1)

/* Exit reasons of a hypercall instruction in kvm:kvm_exit. */
#define KT_EXIT_VMX_VMCALL	18	/* Intel: EXIT_REASON_VMCALL */
#define KT_EXIT_SVM_VMMCALL	0x81	/* AMD: SVM_EXIT_VMMCALL (129) */

/*
 * One event. Which fields mean what depends on the kind:
 *
 * kind                     id       tgid        a0      a1      a2      ret
 * MAP_*, UNMAP_*,          mapping  owner/      gva     gpa     pa      0 / -errno
 * TEARDOWN_UNMAP,                   caller
 * PAGE_LEAKED
 * TEARDOWN_*               file id  closer      live    unmapped leaked 0
 * HC_ENTER/EXIT            mapping  nr (32/33)  a0      a1      a2      host answer
 * HOST_HC_ENTER/EXIT       0        nr (32/33)  a0      a1      a2      host answer
 * HOST_TOKEN               0        outstanding 0       0       0       0 / -errno
 * PROC_EXIT                0        the process 0       0       0       exit code
 * KVM_HC_ENTER             vcpu_id  nr (32/33)  a0      a1      a2      0
 * KVM_HC_EXIT              vcpu_id  nr (32/33)  a0      a1      a2      guest's RAX
 *
 * pid, tid and comm are the current task's (the process that hit the
 * tracepoint): for TEARDOWN_UNMAP and PAGE_LEAKED the process closing
 * the file, which is not always the mapping's owner (tgid); for the
 * KVM_HC_* kinds the VMM process (pid) and its vCPU thread (tid).
 * KVM_HC_ENTER's ts is the start of kvm_emulate_hypercall(), KVM_HC_EXIT's
 * its return, so their difference is the emulation of the call (on KVM's
 * tracepoints, the fallback: the hypercall's kvm:kvm_exit and the
 * kvm:kvm_entry which resumes the vCPU, the host's whole handling).
 */
struct kt_event {
	__u64 ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC, ns */
	__u32 pid;		/* current tgid */
	__u32 tid;		/* current pid (thread) */
	__u16 kind;		/* enum kt_kind */
	__u16 cpu;
	__u32 tgid;		/* see the table above */
	__u64 id;
	__u64 a0;
	__u64 a1;
	__u64 a2;
	__s64 ret;
	char comm[KT_COMM_LEN];
};

#define KT_EVENT_SIZE	80

/*
 * What one program run at the end of an operation sends (the default,
 * see KT_OP_KINDS): the end event, and the timings its tracepoint
 * carried. User space (tools/trace/expand.c) turns it back into the
 * events the start, hypercall and end tracepoints would have sent, so
 * a recording holds exactly what it would with a program on each
 * tracepoint: ts of the start is t.start_ns, of each hypercall's enter
 * and exit hc[i].enter_ns and exit_ns; pid, tid, comm and cpu are the
 * end event's. The ring buffer tells the records apart by size: a
 * struct kt_event, a struct kt_op_event, or one cut short of t.hc[1]
 * (KT_OP_EVENT_SHORT: an operation of at most one hypercall).
 */
struct kt_op_event {
	struct kt_event end;
	struct kvmmem_op_times t;
};

#define KT_OP_EVENT_SIZE	(KT_EVENT_SIZE + 16 + 56 * KVMMEM_OP_MAX_HC)
/* An operation of at most one hypercall may come without t.hc[1]. */
#define KT_OP_EVENT_SHORT	(KT_OP_EVENT_SIZE - 56)

/*
 * The kinds an operation's end event brings back (start, hypercalls and
 * its own), per end kind. Their start and hypercall tracepoints are not
 * attached when the end programs send struct kt_op_event.
 */
#define KT_HC_KINDS	(KT_KIND_BIT(KT_HC_ENTER) | KT_KIND_BIT(KT_HC_EXIT))
#define KT_MAP_OP_KINDS	(KT_KIND_BIT(KT_MAP_START) | KT_KIND_BIT(KT_MAP_END) | \
			 KT_HC_KINDS)
#define KT_UNMAP_OP_KINDS (KT_KIND_BIT(KT_UNMAP_START) |		\
			   KT_KIND_BIT(KT_UNMAP_END) | KT_HC_KINDS)
#define KT_TEARDOWN_OP_KINDS (KT_KIND_BIT(KT_TEARDOWN_UNMAP) | KT_HC_KINDS)
/* The kinds that only ever come from an end event in that mode. */
#define KT_OP_ONLY_KINDS (KT_KIND_BIT(KT_MAP_START) |			\
			  KT_KIND_BIT(KT_UNMAP_START) | KT_HC_KINDS)

/*
 * The slots of the kt_drops counters (kvmmem_emit.bpf.h): events lost
 * because the ring buffer was full; and process exits that will not be
 * recorded because the table of processes whose exit is worth an event
 * (kt_owners) was full when the process made its first mapping.
 */
enum kt_drop {
	KT_DROP_RING,
	KT_DROP_EXIT,
	KT_DROP_STACK,		/* --stacks: bpf_get_stackid() failed */
	KT_DROP_STACK_TABLE,	/* --stacks: kt_stack_of was full */
	KT_DROP_STACK_REF,	/* --stacks: a kt_stack_ref, ring buffer full */
	KT_NR_DROPS,
};

/*
 * --stacks (kvmmem-trace record --stacks): the stacks of a MAP's caller,
 * kept in the kernel per live mapping (kt_stack_of, keyed by mapping id,
 * holding ids of the kt_stacks stack map) and sent to user space only
 * for the mappings that matter: each page leaked, each mapping released
 * by a teardown; those still live at the end user space finds in
 * kt_stack_of. One struct kt_stack_ref per such mapping, in the same
 * ring buffer as the events (told apart by its size), and one with why
 * KT_STACK_PROC at a process's first MAP, sent with a wakeup, so that
 * user space reads its /proc/PID/maps while it lives.
 */
enum kt_stack_why {
	KT_STACK_PROC,		/* a process's first mapping: id 0 */
	KT_STACK_LEAKED,	/* page_leaked: the host failed to unmap */
	KT_STACK_TEARDOWN,	/* released by a teardown, never unmapped */
	KT_STACK_LIVE,		/* still mapped at the end of the recording */
	KT_STACK_NR_WHY,
};

/* A stack id that could not be taken (bpf_get_stackid() failed). */
#define KT_NO_STACK	(-1)

/* kt_stack_of's value: a live mapping's stacks (stack map ids). */
struct kt_stack_val {
	__s32 ustack;		/* user stack at MAP time, or < 0 */
	__s32 kstack;		/* kernel stack at MAP time, or < 0 */
	__u32 tgid;		/* the MAP's caller */
	__u32 pad;
};

struct kt_stack_ref {
	__u64 id;		/* the mapping (0 for KT_STACK_PROC) */
	__u32 tgid;		/* its owner */
	__s32 ustack;		/* stack map ids, or < 0 */
	__s32 kstack;
	__u32 why;		/* enum kt_stack_why */
};

#define KT_STACK_REF_SIZE	24
/* Frames per stack: the kernel's PERF_MAX_STACK_DEPTH. */
#define KT_STACK_DEPTH		127

#endif /* KVMMEM_TRACE_H */
