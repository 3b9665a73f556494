/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of kvmmem_hostsim, the host side of each emulated
 * hypercall. They mirror what a real host offers (kvm:kvm_hypercall for
 * the call, the handler's return for the answer), so host-side analysis
 * runs unchanged in a single guest. See docs/tracepoints.md.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvmmem_hostsim

#if !defined(_KVMMEM_HOSTSIM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KVMMEM_HOSTSIM_TRACE_H

#include <linux/tracepoint.h>

#define kvmmem_hostsim_show_hc(nr)				\
	__print_symbolic(nr,					\
			 { KVM_HC_MEM_MAP, "MEM_MAP" },		\
			 { KVM_HC_MEM_UNMAP, "MEM_UNMAP" })

DECLARE_EVENT_CLASS(kvmmem_hostsim_hypercall_class,
		    TP_PROTO(u32 nr, u64 a0, u64 a1, u64 a2, long ret),
		    TP_ARGS(nr, a0, a1, a2, ret),
		    TP_STRUCT__entry(__field(u32, nr)
				     __field(long, ret)
				     __field(u64, a0)
				     __field(u64, a1)
				     __field(u64, a2)),
		    TP_fast_assign(__entry->nr = nr;
				   __entry->ret = ret;
				   __entry->a0 = a0;
				   __entry->a1 = a1;
				   __entry->a2 = a2;),
		    TP_printk("nr=%s a0=0x%llx a1=0x%llx a2=0x%llx ret=%ld",
			      kvmmem_hostsim_show_hc(__entry->nr),
			      __entry->a0, __entry->a1, __entry->a2, __entry->ret));

/* The emulated host receives a hypercall (like kvm:kvm_hypercall). */
DEFINE_EVENT(kvmmem_hostsim_hypercall_class, kvmmem_hostsim_hypercall_enter,
	     TP_PROTO(u32 nr, u64 a0, u64 a1, u64 a2, long ret),
	     TP_ARGS(nr, a0, a1, a2, ret));

/* ... and answers it: ret is 0 or a negative KVM error code. */
DEFINE_EVENT(kvmmem_hostsim_hypercall_class, kvmmem_hostsim_hypercall_exit,
	     TP_PROTO(u32 nr, u64 a0, u64 a1, u64 a2, long ret),
	     TP_ARGS(nr, a0, a1, a2, ret));

/* A token was requested: outstanding tokens after the call, 0 or -errno. */
TRACE_EVENT(kvmmem_hostsim_token,
	    TP_PROTO(u32 outstanding, int ret),
	    TP_ARGS(outstanding, ret),
	    TP_STRUCT__entry(__field(u32, outstanding)
			     __field(int, ret)),
	    TP_fast_assign(__entry->outstanding = outstanding;
			   __entry->ret = ret;),
	    TP_printk("outstanding=%u ret=%d", __entry->outstanding, __entry->ret));

#endif /* _KVMMEM_HOSTSIM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kvmmem_hostsim_trace
#include <trace/define_trace.h>
