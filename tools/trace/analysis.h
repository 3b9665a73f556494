/* SPDX-License-Identifier: GPL-2.0 */
/*
 * analysis.h - the analysis that turns a stream of struct kt_event into counts,
 * latencies, lifetimes, per-process totals, the host's view per VM and
 * leaks (analyze.c). Nothing here needs BPF or the driver: the unit tests
 * and the fuzzer run all of it.
 */
#ifndef KVMMEM_TRACE_ANALYSIS_H
#define KVMMEM_TRACE_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvmmem_trace.h"	/* bpf/: struct kt_event, enum kt_kind */
#include "common/hist.h"
#include "trace/format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Operations counted per result, with latency where bracketed. */
enum kvmmem_trace_op {
	KT_OP_MAP,		/* MAP ioctl: map_start -> map_end */
	KT_OP_UNMAP,		/* UNMAP ioctl: unmap_start -> unmap_end */
	KT_OP_TEARDOWN_UNMAP,	/* one mapping released by a teardown */
	KT_OP_TEARDOWN,		/* a file's teardown: start -> end */
	KT_OP_HC_MAP,		/* hypercall MEM_MAP: enter -> exit */
	KT_OP_HC_UNMAP,		/* hypercall MEM_UNMAP */
	KT_OP_HOST_HC_MAP,	/* the emulated host's side of MEM_MAP */
	KT_OP_HOST_HC_UNMAP,
	KT_OP_TOKEN,		/* hostsim token requests */
	KT_OP_NR,
};

/** kvmmem_trace_op_name() - "map", "unmap", "hypercall:MEM_MAP", ... (no blanks) */
const char *kvmmem_trace_op_name(enum kvmmem_trace_op op);

struct kvmmem_trace_result {
	int64_t ret;		/* 0 or negative (errno, or KVM code) */
	uint64_t count;
};

struct kvmmem_trace_op_stats {
	uint64_t count;		/* end events */
	uint64_t errors;	/* end events with ret != 0 */
	struct kvmmem_trace_result *results;	/* ascending ret: errors, then 0 */
	size_t nr_results;
	struct kvmmem_samples latency;	/* ns, ends whose start was seen */
};

enum kvmmem_trace_mapping_state {
	KT_MAPPING_LIVE,	/* mapped, no end seen */
	KT_MAPPING_UNMAPPED,	/* UNMAP succeeded */
	KT_MAPPING_TORN_DOWN,	/* released by a teardown */
	KT_MAPPING_LEAKED,	/* the host failed to unmap: page_leaked */
};

struct kvmmem_trace_mapping {
	uint64_t id;
	uint32_t owner;			/* tgid that mapped it */
	char comm[KT_COMM_LEN];		/* owner's comm ("" if not seen) */
	uint64_t gva, gpa, pa;
	uint64_t map_ts;		/* map_end; 0: mapped before recording */
	uint64_t end_ts;		/* 0 while live */
	enum kvmmem_trace_mapping_state state;
	int32_t leak_errno;		/* page_leaked's ret */
	uint64_t owner_exit_ts;		/* owner exited while this was live */
	bool orphaned;			/* ... and its own exit did not release it */
};

struct kvmmem_trace_proc {
	uint32_t pid;
	char comm[KT_COMM_LEN];
	uint64_t maps, map_errors;
	uint64_t unmaps, unmap_errors;
	uint64_t teardown_unmaps;	/* its mappings released by teardowns */
	uint64_t leaked;		/* its mappings that became leaked pages */
	uint64_t live;			/* its mappings live now / at the end */
	uint64_t hypercalls, hypercall_ns;	/* paired hypercalls it made */
	uint64_t exit_ts;		/* 0: no exit seen */
};

/* Open-addressing index from a 64-bit key to an array slot. */
struct kvmmem_trace_index {
	uint64_t *keys;
	uint32_t *vals;		/* slot + 1; 0 = empty */
	size_t cap;		/* power of two */
	size_t n;
};

/*
 * The host's side of the hypercalls, per VM. A "VM" is the process in
 * whose context the host handled the call: the VMM (QEMU) for stock KVM
 * (KT_KVM_HC_*), the calling process for the emulated host in the guest
 * (KT_HOST_HC_*). Both kinds feed the same code.
 */
enum kvmmem_trace_hc {
	KT_HC_MEM_MAP,		/* nr 32 */
	KT_HC_MEM_UNMAP,	/* nr 33 */
	KT_HC_NR,
};

/* A local GPA the host was asked to back with a remote page. */
struct kvmmem_trace_host_map {
	uint64_t gpa;		/* local GPA: MEM_MAP's a2, MEM_UNMAP's a0 */
	uint64_t remote_gpa;	/* MEM_MAP's a1 */
	uint64_t map_ts;	/* the MEM_MAP's exit */
	bool live;		/* mapped (answer 0), not unmapped since */
};

struct kvmmem_trace_vcpu {
	uint32_t vm;		/* VMM pid */
	uint32_t tid;		/* the vCPU thread */
	uint64_t vcpu_id;	/* KVM's vcpu_id (0 for the emulated host) */
	uint64_t hypercalls;	/* hypercalls whose exit was seen */
	uint64_t host_ns;	/* host handling of those paired, summed */
};

struct kvmmem_trace_vm {
	uint32_t pid;
	char comm[KT_COMM_LEN];
	char name[KVMMEM_TRACE_NAME_LEN];	/* from a name chunk, else comm */
	/* per hypercall: answers by value, host latency (enter -> exit) */
	struct kvmmem_trace_op_stats hc[KT_HC_NR];
	uint64_t live, live_max;	/* local GPAs mapped */
	uint64_t remaps;		/* MEM_MAP of a GPA already live */
	uint64_t unknown_unmaps;	/* MEM_UNMAP ok of a GPA not seen mapped */
	uint64_t exit_ts;		/* 0: no exit seen */
	uint64_t leaked;		/* set by finish: live at the end of a
					 * VM that exited */
	uint32_t nr_vcpus;
	struct kvmmem_trace_host_map *maps;	/* every GPA seen mapped */
	size_t nr_maps, cap_maps;
	struct kvmmem_trace_index map_index;	/* gpa -> maps[] */
};

struct kvmmem_trace_analysis {
	uint64_t nr_events;
	uint64_t first_ts, last_ts, end_ts;
	uint64_t kinds[KT_NR_KINDS];	/* events per kind */
	struct kvmmem_trace_op_stats ops[KT_OP_NR];
	struct kvmmem_samples lifetime;	/* ns, mapped and released in the recording */
	uint64_t live, live_max;	/* mappings live (that we saw mapped) */
	uint64_t unknown_ends;		/* ends of mappings made before recording */

	struct kvmmem_trace_mapping *maps;
	size_t nr_maps, cap_maps;
	struct kvmmem_trace_index map_index;	/* id -> maps[] */

	struct kvmmem_trace_proc *procs;
	size_t nr_procs, cap_procs;
	struct kvmmem_trace_index proc_index;	/* pid -> procs[] */

	/* start timestamps waiting for their end, per thread */
	struct kvmmem_trace_pending *pending;
	size_t nr_pending, cap_pending;
	struct kvmmem_trace_index pending_index;	/* tid -> pending[] */

	/* host side: VMs and their vCPUs */
	struct kvmmem_trace_vm *vms;
	size_t nr_vms, cap_vms;
	struct kvmmem_trace_index vm_index;	/* pid -> vms[] */
	struct kvmmem_trace_vcpu *vcpus;
	size_t nr_vcpus, cap_vcpus;
	struct kvmmem_trace_index vcpu_index;	/* tid -> vcpus[] */
};

/**
 * kvmmem_trace_analysis_init() - an empty analysis
 */
void kvmmem_trace_analysis_init(struct kvmmem_trace_analysis *a);

/**
 * kvmmem_trace_analysis_add() - account one event (in timestamp order)
 * @latency_ns: if not NULL, receives the duration the event closes (an
 *              end/exit event whose start on the same thread was seen),
 *              or -1
 *
 * Return: 0 or -ENOMEM.
 */
int kvmmem_trace_analysis_add(struct kvmmem_trace_analysis *a,
			      const struct kt_event *e, int64_t *latency_ns);

/**
 * kvmmem_trace_analysis_finish() - close the books at @end_ts
 *
 * Mappings still live whose owner exited become orphaned. @end_ts is
 * the end of the recording (ages are measured to it); 0 means the last
 * event's time.
 */
void kvmmem_trace_analysis_finish(struct kvmmem_trace_analysis *a,
				  uint64_t end_ts);

/**
 * kvmmem_trace_analysis_get_mapping() - a mapping by id, NULL if unseen
 */
struct kvmmem_trace_mapping *
kvmmem_trace_analysis_get_mapping(const struct kvmmem_trace_analysis *a,
				  uint64_t id);

/**
 * kvmmem_trace_analysis_get_vm() - a VM (host side) by VMM pid, NULL if unseen
 */
struct kvmmem_trace_vm *
kvmmem_trace_analysis_get_vm(const struct kvmmem_trace_analysis *a,
			     uint32_t pid);

/**
 * kvmmem_trace_analysis_name_vms() - apply a recording's name chunks
 *
 * Each VM named in @names gets that name (the last one wins); the others
 * keep their comm. Call after kvmmem_trace_analysis_finish().
 */
void kvmmem_trace_analysis_name_vms(struct kvmmem_trace_analysis *a,
				    const struct kvmmem_trace_name *names,
				    size_t n);

/**
 * kvmmem_trace_host_map_get() - VM @vm's record of local GPA @gpa, or NULL
 */
struct kvmmem_trace_host_map *
kvmmem_trace_host_map_get(const struct kvmmem_trace_vm *vm, uint64_t gpa);

/** kvmmem_trace_analysis_free() - release everything */
void kvmmem_trace_analysis_free(struct kvmmem_trace_analysis *a);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TRACE_ANALYSIS_H */
