/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmmem_top.h - the maps kvmmem_top.bpf.c aggregates into, shared by
 * the BPF programs and kvmmem-top. Plain fixed-size types, no pointers.
 *
 * Nothing is sent per event: the programs count in maps, and kvmmem-top
 * reads them once per interval.
 */
#ifndef KVMMEM_TOP_H
#define KVMMEM_TOP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define KTOP_COMM_LEN	16
/* Latency slots: slot i holds [2^i, 2^(i+1)) ns, slot 0 [0, 1]; the last
 * slot also holds everything longer (2^31 ns, ~2.1 s, and above). */
#define KTOP_SLOTS	32

/*
 * Timed operations: one latency histogram each, per process. The
 * hypercalls are all timed, from the times the driver measured
 * (struct kvmmem_op_times: no clock read in BPF). The ioctls' own
 * latency needs a clock read at their end, slow where the clocksource
 * is (HPET under QEMU TCG: ~1 us): so at most one ioctl per operation
 * per CPU per `time_gap_jiffies` jiffies is timed (0: every one), and
 * their histograms are a sample. Calls are counted exactly
 * (KTOP_C_HC_*, KTOP_C_*_CALLS).
 */
enum ktop_op {
	KTOP_OP_HC_MAP,		/* hypercall KVM_HC_MEM_MAP: enter -> exit */
	KTOP_OP_HC_UNMAP,	/* hypercall KVM_HC_MEM_UNMAP (UNMAP ioctl
				 * and teardown): enter -> exit */
	KTOP_OP_MAP,		/* MAP ioctl: start -> end (a sample) */
	KTOP_OP_UNMAP,		/* UNMAP ioctl: start -> end (a sample) */
	KTOP_NR_OPS,
};

#define KTOP_NR_HC_OPS	2	/* the first ops are the hypercalls */

/* System-wide counters (struct ktop_cpu's ctrs, per CPU). */
enum ktop_ctr {
	KTOP_C_MAPS,		/* MAP ioctls that succeeded */
	KTOP_C_UNMAPS,		/* UNMAP ioctls that succeeded */
	KTOP_C_TEARDOWNS,	/* mappings unmapped by a file's teardown */
	KTOP_C_ERRORS,		/* MAP and UNMAP ioctls that failed */
	KTOP_C_LEAKED,		/* pages the host failed to unmap */
	KTOP_C_LIVE,		/* live mappings made while traced (+/-) */
	KTOP_C_DROPS,		/* updates lost: a map was full */
	KTOP_C_HC_MAP,		/* MEM_MAP hypercalls (all, timed or not) */
	KTOP_C_HC_UNMAP,	/* MEM_UNMAP hypercalls */
	KTOP_C_MAP_CALLS,	/* MAP ioctls (timed or not, any result) */
	KTOP_C_UNMAP_CALLS,	/* UNMAP ioctls */
	KTOP_C_HC_MAP_OK,	/* MEM_MAP hypercalls answered 0 (the others
				 * are in ktop_results by value) */
	KTOP_C_HC_UNMAP_OK,	/* MEM_UNMAP hypercalls answered 0 */
	KTOP_C_STACK_FAILED,	/* --stacks: MAPs whose user stack could not
				 * be taken (stack map full, or a collision) */
	KTOP_C_STACK_FULL,	/* --stacks: leaked pages not counted by
				 * call site (ktop_leak_stacks full) */
	KTOP_NR_CTRS,
};

/*
 * Per CPU (ktop_cpus, a per-CPU array of one entry): the counters, and
 * when this CPU may time its next ioctl of each op (jiffies).
 */
struct ktop_cpu {
	__s64 ctrs[KTOP_NR_CTRS];
	__u64 next_jiffies[KTOP_NR_OPS];
};

/*
 * A latency histogram of one operation of one process (ktop_hists), and
 * the system-wide histogram of mapping lifetimes (ktop_lifetime, one
 * entry: slots and sum in microseconds, from the MAP's hypercall answer
 * to the UNMAP's or teardown's hypercall, for the mappings both made
 * and gone while traced; leaked ones are not in it).
 */
struct ktop_hist_key {
	__u32 tgid;	/* the process in whose context the operation ran */
	__u32 op;	/* enum ktop_op */
};

struct ktop_hist {
	__u64 slots[KTOP_SLOTS];
	__u64 sum_ns;	/* of the values in slots, for Prometheus' _sum
			 * (ktop_lifetime: microseconds) */
};

/*
 * Per process (key: __u32 tgid, the mapping's owner): cumulative since
 * the programs were loaded. errors counts the process's own failed
 * ioctls; teardowns, live and leaked count its mappings, whoever closed
 * the file. Pinned pages = live + leaked.
 */
struct ktop_proc {
	__u64 maps;
	__u64 unmaps;
	__u64 teardowns;
	__u64 errors;
	__s64 live;
	__u64 leaked;
	char comm[KTOP_COMM_LEN];	/* the owner's, at its first map */
	/* its mappings' hypercalls (KTOP_OP_HC_MAP, KTOP_OP_HC_UNMAP),
	 * whoever made them: here rather than in ktop_hists, a hash
	 * lookup fewer per operation */
	struct ktop_hist hc[KTOP_NR_HC_OPS];
};

/*
 * Answers by value, system-wide (key: struct ktop_result_key, value: a
 * __u64 count): the failed MAP and UNMAP ioctls by errno, and every
 * hypercall by its result but 0 (counted in KTOP_C_HC_*_OK: a hash
 * lookup fewer per operation). Entries are never deleted.
 */
enum ktop_rop {
	KTOP_R_MAP,		/* MAP ioctl that failed: ret is -errno */
	KTOP_R_UNMAP,		/* UNMAP ioctl that failed */
	KTOP_R_HC_MAP,		/* MEM_MAP hypercall: ret is the host's */
	KTOP_R_HC_UNMAP,	/* MEM_UNMAP hypercall */
	KTOP_NR_ROPS,
};

struct ktop_result_key {
	__u32 op;	/* enum ktop_rop */
	__s32 ret;
};

#define KTOP_MAX_RESULTS	256

/*
 * A live mapping, in slot (id & live_mask) of the ktop_live array (ids
 * are a sequence, so a slot is reused only after live_mask + 1 more
 * mappings; a live one overwritten then is a drop). id 0: a free slot.
 */
struct ktop_live {
	__u64 id;
	__u64 map_ns;	/* CLOCK_MONOTONIC: the host's answer to its MAP */
	__u32 tgid;	/* owner */
	__s32 ustack;	/* --stacks: the MAP caller's user stack (an id of
			 * ktop_stacks), or KTOP_NO_STACK; without: 0 */
};

/*
 * --stacks (kvmmem-top --stacks): the user stack at MAP time is kept in
 * the mapping's ktop_live slot; its live pages per stack are counted by
 * user space from the slots, its leaked pages by the kernel in
 * ktop_leak_stacks (key: struct ktop_stack_key, value: a __u64 count of
 * pages, never deleted), when the page leaks and before the slot is
 * cleared. A leaked page whose mapping was not in the table (made before
 * kvmmem-top) counts under KTOP_NO_STACK.
 */
#define KTOP_NO_STACK		(-1)
/* Frames per stack: the kernel's PERF_MAX_STACK_DEPTH. */
#define KTOP_STACK_DEPTH	127
#define KTOP_MAX_LEAK_STACKS	4096

struct ktop_stack_key {
	__u32 tgid;	/* the mapping's owner */
	__s32 ustack;	/* its MAP's user stack, or KTOP_NO_STACK */
};

#endif /* KVMMEM_TOP_H */
