/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmmem_op_times.h - what the end-of-operation tracepoints of kvmmem
 * (kvmmem_map_end, kvmmem_unmap_end, kvmmem_teardown_unmap) carry beside
 * their scalar arguments: when the operation started and each hypercall
 * it made, with its arguments and the host's answer. A consumer that
 * runs one program at the end of an operation has what the start and
 * hypercall tracepoints would have told it (docs/tracepoints.md).
 *
 * The driver measures only while the end tracepoint is enabled. The
 * layout is fixed (no pointers, no implicit padding) and shared with the
 * BPF programs of kvmmem-trace and kvmmem-top, which read it with or
 * without module BTF: changing it is an ABI change between the module
 * and the tools.
 */
#ifndef _KVMMEM_OP_TIMES_H
#define _KVMMEM_OP_TIMES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* An operation makes at most two hypercalls (a MAP the driver undoes). */
#define KVMMEM_OP_MAX_HC	2

/**
 * struct kvmmem_hc_times - one hypercall of an operation
 * @enter_ns: ktime_get_mono_fast_ns() just before the hypercall
 * @exit_ns:  ktime_get_mono_fast_ns() just after it
 * @nr:       KVM_HC_MEM_MAP or KVM_HC_MEM_UNMAP
 * @pad:      zero
 * @a0:       its first argument (MAP: the token's gpa; UNMAP: local gpa)
 * @a1:       its second (MAP: the remote gpa; UNMAP: 0)
 * @a2:       its third (MAP: the local gpa; UNMAP: 0)
 * @ret:      the host's raw answer: 0 or a negative KVM error code
 */
struct kvmmem_hc_times {
	__u64 enter_ns;
	__u64 exit_ns;
	__u32 nr;
	__u32 pad;
	__u64 a0;
	__u64 a1;
	__u64 a2;
	__s64 ret;
};

/**
 * struct kvmmem_op_times - the timings of one operation
 * @start_ns: ktime_get_mono_fast_ns() where its start tracepoint fires
 *            (kvmmem_map_start, kvmmem_unmap_start; for a teardown
 *            unmap, the start of that mapping's release); 0 if it was
 *            not measured (the end tracepoint was off at the start)
 * @nr_hc:    how many entries of @hc are filled
 * @pad:      zero
 * @hc:       the hypercalls, in the order they were made
 */
struct kvmmem_op_times {
	__u64 start_ns;
	__u32 nr_hc;
	__u32 pad;
	struct kvmmem_hc_times hc[KVMMEM_OP_MAX_HC];
};

#endif /* _KVMMEM_OP_TIMES_H */
