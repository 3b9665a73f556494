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

/* A mapping event; a successful map makes its process's exit worth one. */
static __always_inline int kt_mapping(bool btf, enum kt_kind kind, __u64 id,
				      __u32 tgid, __u64 gva, __u64 gpa,
				      __u64 pa, int ret)
{
	if (kind == KT_MAP_END && !ret)
		kt_own(tgid);
	return kt_emit_as(btf, kind, id, tgid, gva, gpa, pa, ret);
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
