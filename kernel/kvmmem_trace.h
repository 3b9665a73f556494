/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the kvmmem driver. See docs/tracepoints.md.
 *
 * All arguments are scalars, and the end-of-operation events' timings a
 * pointer to a fixed-layout struct (kvmmem_op_times.h), so that raw_tp
 * programs work without module BTF. Every mapping carries a 64-bit id,
 * unique for the module's life, so that lifetimes join even when a gva
 * is reused.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvmmem

#if !defined(_KVMMEM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KVMMEM_TRACE_H

#include <linux/tracepoint.h>

#include "kvmmem_op_times.h"

#define kvmmem_show_hc(nr)					\
	__print_symbolic(nr,					\
			 { KVM_HC_MEM_MAP, "MEM_MAP" },		\
			 { KVM_HC_MEM_UNMAP, "MEM_UNMAP" })

DECLARE_EVENT_CLASS(kvmmem_mapping_class,
		    TP_PROTO(u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret),
		    TP_ARGS(id, tgid, gva, gpa, pa, ret),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(u32, tgid)
				     __field(int, ret)
				     __field(u64, gva)
				     __field(u64, gpa)
				     __field(u64, pa)),
		    TP_fast_assign(__entry->id = id;
				   __entry->tgid = tgid;
				   __entry->ret = ret;
				   __entry->gva = gva;
				   __entry->gpa = gpa;
				   __entry->pa = pa;),
		    TP_printk("id=%llu tgid=%u gva=0x%llx gpa=0x%llx pa=0x%llx ret=%d",
			      __entry->id, __entry->tgid, __entry->gva, __entry->gpa,
			      __entry->pa, __entry->ret));

/*
 * The end of an operation: the mapping's fields and result, and by
 * pointer the timings the driver measured while this event was enabled
 * (struct kvmmem_op_times): the start, and each hypercall with its
 * arguments and answer. The event records the start and the first
 * hypercall's times; a BPF program reads the whole struct.
 */
DECLARE_EVENT_CLASS(kvmmem_op_class,
		    TP_PROTO(u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret,
			     const struct kvmmem_op_times *t),
		    TP_ARGS(id, tgid, gva, gpa, pa, ret, t),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(u32, tgid)
				     __field(int, ret)
				     __field(u64, gva)
				     __field(u64, gpa)
				     __field(u64, pa)
				     __field(u64, start_ns)
				     __field(u64, hc_enter_ns)
				     __field(u64, hc_exit_ns)
				     __field(u32, nr_hc)),
		    TP_fast_assign(__entry->id = id;
				   __entry->tgid = tgid;
				   __entry->ret = ret;
				   __entry->gva = gva;
				   __entry->gpa = gpa;
				   __entry->pa = pa;
				   __entry->start_ns = t->start_ns;
				   __entry->nr_hc = t->nr_hc;
				   __entry->hc_enter_ns = t->nr_hc ? t->hc[0].enter_ns : 0;
				   __entry->hc_exit_ns = t->nr_hc ? t->hc[0].exit_ns : 0;),
		    TP_printk("id=%llu tgid=%u gva=0x%llx gpa=0x%llx pa=0x%llx ret=%d start=%llu hc_enter=%llu hc_exit=%llu nr_hc=%u",
			      __entry->id, __entry->tgid, __entry->gva, __entry->gpa,
			      __entry->pa, __entry->ret, __entry->start_ns,
			      __entry->hc_enter_ns, __entry->hc_exit_ns,
			      __entry->nr_hc));

/* MAP ioctl: start before the page is pinned (pa is 0), end with result. */
DEFINE_EVENT(kvmmem_mapping_class, kvmmem_map_start,
	     TP_PROTO(u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret),
	     TP_ARGS(id, tgid, gva, gpa, pa, ret));

DEFINE_EVENT(kvmmem_op_class, kvmmem_map_end,
	     TP_PROTO(u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret,
		      const struct kvmmem_op_times *t),
	     TP_ARGS(id, tgid, gva, gpa, pa, ret, t));

/* UNMAP ioctl: id is 0 when no mapping was found at gva. */
DEFINE_EVENT(kvmmem_mapping_class, kvmmem_unmap_start,
	     TP_PROTO(u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret),
	     TP_ARGS(id, tgid, gva, gpa, pa, ret));

DEFINE_EVENT(kvmmem_op_class, kvmmem_unmap_end,
	     TP_PROTO(u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret,
		      const struct kvmmem_op_times *t),
	     TP_ARGS(id, tgid, gva, gpa, pa, ret, t));

/* One mapping released by the teardown of its file (close, exit). */
DEFINE_EVENT(kvmmem_op_class, kvmmem_teardown_unmap,
	     TP_PROTO(u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret,
		      const struct kvmmem_op_times *t),
	     TP_ARGS(id, tgid, gva, gpa, pa, ret, t));

/* The host failed to unmap: the page stays pinned for good. */
DEFINE_EVENT(kvmmem_mapping_class, kvmmem_page_leaked,
	     TP_PROTO(u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret),
	     TP_ARGS(id, tgid, gva, gpa, pa, ret));

DECLARE_EVENT_CLASS(kvmmem_teardown_class,
		    TP_PROTO(u64 file_id, u32 tgid, u64 live, u64 unmapped, u64 leaked),
		    TP_ARGS(file_id, tgid, live, unmapped, leaked),
		    TP_STRUCT__entry(__field(u64, file_id)
				     __field(u32, tgid)
				     __field(u64, live)
				     __field(u64, unmapped)
				     __field(u64, leaked)),
		    TP_fast_assign(__entry->file_id = file_id;
				   __entry->tgid = tgid;
				   __entry->live = live;
				   __entry->unmapped = unmapped;
				   __entry->leaked = leaked;),
		    TP_printk("file=%llu tgid=%u live=%llu unmapped=%llu leaked=%llu",
			      __entry->file_id, __entry->tgid, __entry->live,
			      __entry->unmapped, __entry->leaked));

/* Release of a file: live mappings at start, their fate at end. */
DEFINE_EVENT(kvmmem_teardown_class, kvmmem_teardown_start,
	     TP_PROTO(u64 file_id, u32 tgid, u64 live, u64 unmapped, u64 leaked),
	     TP_ARGS(file_id, tgid, live, unmapped, leaked));

DEFINE_EVENT(kvmmem_teardown_class, kvmmem_teardown_end,
	     TP_PROTO(u64 file_id, u32 tgid, u64 live, u64 unmapped, u64 leaked),
	     TP_ARGS(file_id, tgid, live, unmapped, leaked));

DECLARE_EVENT_CLASS(kvmmem_hypercall_class,
		    TP_PROTO(u64 id, u32 nr, u64 a0, u64 a1, u64 a2, long ret),
		    TP_ARGS(id, nr, a0, a1, a2, ret),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(u32, nr)
				     __field(long, ret)
				     __field(u64, a0)
				     __field(u64, a1)
				     __field(u64, a2)),
		    TP_fast_assign(__entry->id = id;
				   __entry->nr = nr;
				   __entry->ret = ret;
				   __entry->a0 = a0;
				   __entry->a1 = a1;
				   __entry->a2 = a2;),
		    TP_printk("id=%llu nr=%s a0=0x%llx a1=0x%llx a2=0x%llx ret=%ld",
			      __entry->id, kvmmem_show_hc(__entry->nr), __entry->a0,
			      __entry->a1, __entry->a2, __entry->ret));

/* ret is the host's raw answer: 0 or a negative KVM error code. */
DEFINE_EVENT(kvmmem_hypercall_class, kvmmem_hypercall_enter,
	     TP_PROTO(u64 id, u32 nr, u64 a0, u64 a1, u64 a2, long ret),
	     TP_ARGS(id, nr, a0, a1, a2, ret));

DEFINE_EVENT(kvmmem_hypercall_class, kvmmem_hypercall_exit,
	     TP_PROTO(u64 id, u32 nr, u64 a0, u64 a1, u64 a2, long ret),
	     TP_ARGS(id, nr, a0, a1, a2, ret));

#endif /* _KVMMEM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kvmmem_trace
#include <trace/define_trace.h>
