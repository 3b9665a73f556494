// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem_host.bpf.c - the host's side of the kvmmem hypercalls on a
 * stock KVM host: for each MEM_MAP (32) or MEM_UNMAP (33) a guest makes,
 * one KT_KVM_HC_ENTER when its vCPU exits to the host and one
 * KT_KVM_HC_EXIT when the host resumes it, with the answer the guest
 * finds in RAX. Same ring buffer record as kvmmem_trace.bpf.c
 * (kvmmem_emit.bpf.h), so recordings read the same way.
 *
 * Best, one program at each end of kvm_emulate_hypercall() (fentry +
 * fexit, or where those cannot attach a kprobe + kretprobe pair), which
 * run for hypercalls only:
 *   entry   nr = the guest's RAX, a0..a2 its RBX, RCX, RDX: for nr
 *           32/33 emit ENTER (ts = now, id = vcpu_id) and remember the
 *           call per vCPU thread; any other nr returns at once
 *   return  the answer = the guest's RAX: emit EXIT (ts = now)
 * Host latency = the emulation of the call (kvm_emulate_hypercall()).
 * No program runs on the vCPU's other exits.
 *
 * The fallback, where neither pair attaches (no BTF for kvm, no
 * kprobes): KVM's tracepoints, per vCPU thread, in this order
 * (arch/x86/kvm, 6.1):
 *   kvm:kvm_exit      exit reason VMCALL (18, VMX) or VMMCALL (0x81, SVM):
 *                     remember the time
 *   kvm:kvm_hypercall nr 32/33: emit ENTER (ts = the exit's) with a0..a2;
 *                     any other nr: forget the vCPU
 *   kvm:kvm_entry     emit EXIT (ts = now), the answer KT_RET_UNKNOWN
 * Host latency there = VM exit to VM entry; kvm_exit and kvm_entry run
 * a program on every exit of every vCPU (a comparison, a load).
 *
 * The kvm tracepoints are classic (SEC("tracepoint/kvm/...")): their
 * records carry the exit reason that KVM decoded for us, which a tp_btf
 * program would have to dig out of vendor structures. The record
 * layouts are declared below with preserve_access_index, so libbpf
 * relocates each field against the kvm module's BTF (Debian ships it):
 * no layout is hard-coded, and a kernel whose record lacks a field fails
 * to load with libbpf naming the field, instead of reading garbage.
 * User space loads one set (tools/trace/session.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kvmmem_trace.h"
#include "kvmmem_uapi.bpf.h"
#include "kvmmem_emit.bpf.h"

#define KVM_ISA_VMX	1

/* The kvm tracepoint records (include/trace/events: trace_event_raw_*). */
struct trace_event_raw_kvm_exit___kh {
	unsigned int exit_reason;
	u32 isa;
	unsigned int vcpu_id;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_hypercall___kh {
	unsigned long nr;
	unsigned long a0;
	unsigned long a1;
	unsigned long a2;
} __attribute__((preserve_access_index));

/* A vCPU thread in a kvmmem hypercall (between its ENTER and its EXIT). */
enum kh_stage {
	KH_EXITED = 1,		/* kvm_exit of a hypercall seen */
	KH_CALLED,		/* a call 32/33: ENTER emitted */
};

struct kh_vcpu {
	__u64 enter_ts;		/* ENTER's ts */
	__u64 a0, a1, a2;
	__u64 vcpu;		/* struct kvm_vcpu *, for the kretprobe */
	__u32 nr;
	__u32 vcpu_id;
	__u32 stage;		/* enum kh_stage */
	__u32 pad;
};

/* Per vCPU thread (tid); LRU so that vCPUs that vanish cannot fill it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct kh_vcpu);
} kh_vcpus SEC(".maps");

/*
 * vCPUs between a hypercall exit and their next entry (approximate: an
 * entry evicted from the LRU is never subtracted, which only costs
 * lookups). kvm_entry fires on every VM entry: while this is 0 it skips
 * the map lookup.
 */
__u64 kh_inflight = 0;

static __always_inline void kh_forget(__u32 tid)
{
	if (!bpf_map_delete_elem(&kh_vcpus, &tid))
		__sync_fetch_and_add(&kh_inflight, -1);
}

static __always_inline bool kh_is_hypercall_exit(__u32 isa, __u32 reason)
{
	if (isa == KVM_ISA_VMX)
		return (reason & 0xffff) == KT_EXIT_VMX_VMCALL;
	return reason == KT_EXIT_SVM_VMMCALL;
}

SEC("tracepoint/kvm/kvm_exit")
int kh_kvm_exit(struct trace_event_raw_kvm_exit___kh *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct kh_vcpu v = {};

	if (!kh_is_hypercall_exit(ctx->isa,
				  ctx->exit_reason))
		return 0;
	if (targ_tgid && (pid_tgid >> 32) != targ_tgid)
		return 0;
	v.enter_ts = bpf_ktime_get_ns();
	v.vcpu_id = ctx->vcpu_id;
	v.stage = KH_EXITED;
	if (!bpf_map_update_elem(&kh_vcpus, &tid, &v, BPF_NOEXIST))
		__sync_fetch_and_add(&kh_inflight, 1);
	else
		bpf_map_update_elem(&kh_vcpus, &tid, &v, BPF_ANY);
	return 0;
}

SEC("tracepoint/kvm/kvm_hypercall")
int kh_kvm_hypercall(struct trace_event_raw_kvm_hypercall___kh *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 nr = ctx->nr;
	struct kh_vcpu *v = bpf_map_lookup_elem(&kh_vcpus, &tid);

	if (!v)
		return 0;	/* exit not seen (filtered, or before attach) */
	if (nr != KVM_HC_MEM_MAP && nr != KVM_HC_MEM_UNMAP) {
		kh_forget(tid);
		return 0;
	}
	v->nr = (__u32)nr;
	v->a0 = ctx->a0;
	v->a1 = ctx->a1;
	v->a2 = ctx->a2;
	v->stage = KH_CALLED;
	kt_own(bpf_get_current_pid_tgid() >> 32, NULL, false);
	return kt_emit_ts(v->enter_ts, KT_KVM_HC_ENTER, v->vcpu_id, v->nr,
			  v->a0, v->a1, v->a2, 0);
}

/*
 * The start of kvm_emulate_hypercall(@vcpu), whose registers hold the
 * call (@btf: read directly, else through CO-RE probe reads): a kvmmem
 * hypercall is remembered and its ENTER emitted.
 */
static __always_inline int kh_call(struct kvm_vcpu *vcpu, bool btf)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct kh_vcpu v = {};
	__u64 nr;

	if (!vcpu)
		return 0;
	nr = btf ? vcpu->arch.regs[VCPU_REGS_RAX] :
		   BPF_CORE_READ(vcpu, arch.regs[VCPU_REGS_RAX]);
	if (nr != KVM_HC_MEM_MAP && nr != KVM_HC_MEM_UNMAP)
		return 0;
	if (targ_tgid && (pid_tgid >> 32) != targ_tgid)
		return 0;
	v.enter_ts = bpf_ktime_get_ns();
	v.nr = (__u32)nr;
	if (btf) {
		v.vcpu_id = vcpu->vcpu_id;
		v.a0 = vcpu->arch.regs[VCPU_REGS_RBX];
		v.a1 = vcpu->arch.regs[VCPU_REGS_RCX];
		v.a2 = vcpu->arch.regs[VCPU_REGS_RDX];
	} else {
		v.vcpu_id = BPF_CORE_READ(vcpu, vcpu_id);
		v.a0 = BPF_CORE_READ(vcpu, arch.regs[VCPU_REGS_RBX]);
		v.a1 = BPF_CORE_READ(vcpu, arch.regs[VCPU_REGS_RCX]);
		v.a2 = BPF_CORE_READ(vcpu, arch.regs[VCPU_REGS_RDX]);
	}
	v.vcpu = (__u64)vcpu;
	v.stage = KH_CALLED;
	/* a thread is in one call at a time: a stale entry is replaced */
	if (bpf_map_update_elem(&kh_vcpus, &tid, &v, BPF_ANY))
		return 0;
	kt_own(pid_tgid >> 32, NULL, false);
	return kt_emit_ts(v.enter_ts, KT_KVM_HC_ENTER, v.vcpu_id, v.nr, v.a0,
			  v.a1, v.a2, 0);
}

/*
 * kvm_emulate_hypercall() returns: the guest's RAX is the answer; EXIT
 * emitted and the call forgotten. The kretprobe (!@btf) has no
 * arguments: it reads the vcpu kh_call() kept.
 */
static __always_inline int kh_return(struct kvm_vcpu *vcpu, bool btf)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct kh_vcpu *v = bpf_map_lookup_elem(&kh_vcpus, &tid);
	__s64 ret;

	if (!v)
		return 0;	/* not a kvmmem call, or filtered */
	if (btf) {
		ret = vcpu ? (__s64)vcpu->arch.regs[VCPU_REGS_RAX] : KT_RET_UNKNOWN;
	} else {
		/* out of the map value first: CO-RE relocates vcpu's type only */
		vcpu = (struct kvm_vcpu *)v->vcpu;
		ret = (__s64)BPF_CORE_READ(vcpu, arch.regs[VCPU_REGS_RAX]);
	}
	kt_emit_as(false, KT_KVM_HC_EXIT, v->vcpu_id, v->nr, v->a0, v->a1,
		   v->a2, ret);
	bpf_map_delete_elem(&kh_vcpus, &tid);
	return 0;
}

SEC("fentry/kvm_emulate_hypercall")
int BPF_PROG(kh_emulate_hypercall_fentry, struct kvm_vcpu *vcpu)
{
	return kh_call(vcpu, true);
}

SEC("fexit/kvm_emulate_hypercall")
int BPF_PROG(kh_emulate_hypercall_fexit, struct kvm_vcpu *vcpu, int ret)
{
	return kh_return(vcpu, true);
}

SEC("kprobe/kvm_emulate_hypercall")
int BPF_KPROBE(kh_emulate_hypercall_kprobe, struct kvm_vcpu *vcpu)
{
	return kh_call(vcpu, false);
}

SEC("kretprobe/kvm_emulate_hypercall")
int BPF_KRETPROBE(kh_emulate_hypercall_kretprobe)
{
	return kh_return(NULL, false);
}

SEC("tracepoint/kvm/kvm_entry")
int kh_kvm_entry(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct kh_vcpu *v;

	if (!kh_inflight)
		return 0;
	v = bpf_map_lookup_elem(&kh_vcpus, &tid);
	if (!v)
		return 0;
	if (v->stage == KH_CALLED)
		kt_emit_as(false, KT_KVM_HC_EXIT, v->vcpu_id, v->nr, v->a0,
			   v->a1, v->a2, KT_RET_UNKNOWN);
	kh_forget(tid);
	return 0;
}

KT_PROC_EXIT_PROGS

char LICENSE[] SEC("license") = "GPL";
