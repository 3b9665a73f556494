/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmmem_kinds.h - every kind of event kvmmem-trace records, once.
 *
 * The BPF programs' enum kt_kind, kvmmem_trace.bpf.c's programs, the
 * session's tracepoint list, the file format's kind names and schemas,
 * the --events groups, the text and JSON printers and the Perfetto
 * export are all generated from KT_KINDS(): adding a kind touches this
 * table, the BPF program that emits it (if its shape is new) and
 * docs/trace-format.md. selftests/unit/test_kinds.c fails if a consumer
 * misses a kind.
 *
 * X(kind, nr, name, shape, group, module, tp, perfetto, schema):
 *   kind      KT_<kind>, in enum kt_kind
 *   nr        its number in recordings: never renumber, add at the end
 *             (and see docs/trace-format.md on compatibility)
 *   name      its short name: dump's "event", --events, the file header
 *   shape     which fields of struct kt_event mean what (KT_SHAPE_*,
 *             below): the BPF program's arguments, the printers' fields,
 *             the Perfetto arguments
 *   group     the --events group it belongs to
 *   module    who defines the tracepoint: kvmmem, kvmmem_hostsim,
 *             vmlinux (the kernel), or kvm (a KVM host's tracepoints:
 *             kvmmem_host.bpf.c, not the guest session)
 *   tp        the tracepoint (for the guest's kinds, also the BPF
 *             program names: <tp>_btf and <tp>_raw)
 *   perfetto  (role, category, name) in a Perfetto export: SLICE ends a
 *             slice its start kind OPENS; HC_SLICE is a SLICE named
 *             by the hypercall (name is a prefix); INSTANT an instant
 *             event; NONE nothing of its own (a mapping's lifetime is
 *             drawn from the analysis)
 *   schema    the schema line in a recording's header: the reader
 *             refuses a file whose schema of a kind differs
 */
#ifndef KVMMEM_KINDS_H
#define KVMMEM_KINDS_H

#define KT_KINDS(X)							\
	X(MAP_START, 1, map_start, MAPPING, map, kvmmem,		\
	  kvmmem_map_start, (OPENS, "", ""),				\
	  "kvmmem:kvmmem_map_start id tgid=caller a0=gva a1=gpa a2=pa ret=errno") \
	X(MAP_END, 2, map_end, OP, map, kvmmem,			\
	  kvmmem_map_end, (SLICE, "ioctl", "MAP"),			\
	  "kvmmem:kvmmem_map_end id tgid=caller a0=gva a1=gpa a2=pa ret=errno") \
	X(UNMAP_START, 3, unmap_start, MAPPING, unmap, kvmmem,		\
	  kvmmem_unmap_start, (OPENS, "", ""),				\
	  "kvmmem:kvmmem_unmap_start id tgid=caller a0=gva a1=gpa a2=pa ret=errno") \
	X(UNMAP_END, 4, unmap_end, OP, unmap, kvmmem,		\
	  kvmmem_unmap_end, (SLICE, "ioctl", "UNMAP"),			\
	  "kvmmem:kvmmem_unmap_end id tgid=caller a0=gva a1=gpa a2=pa ret=errno") \
	X(TEARDOWN_UNMAP, 5, teardown_unmap, OP, teardown, kvmmem, \
	  kvmmem_teardown_unmap, (NONE, "", ""),			\
	  "kvmmem:kvmmem_teardown_unmap id tgid=owner a0=gva a1=gpa a2=pa ret=errno") \
	X(PAGE_LEAKED, 6, page_leaked, MAPPING, leak, kvmmem,		\
	  kvmmem_page_leaked, (INSTANT, "kvmmem", "page leaked"),	\
	  "kvmmem:kvmmem_page_leaked id tgid=owner a0=gva a1=gpa a2=pa ret=errno") \
	X(TEARDOWN_START, 7, teardown_start, TEARDOWN, teardown, kvmmem, \
	  kvmmem_teardown_start, (OPENS, "", ""),			\
	  "kvmmem:kvmmem_teardown_start id=file tgid=closer a0=live a1=unmapped a2=leaked ret=0") \
	X(TEARDOWN_END, 8, teardown_end, TEARDOWN, teardown, kvmmem,	\
	  kvmmem_teardown_end, (SLICE, "teardown", "teardown"),		\
	  "kvmmem:kvmmem_teardown_end id=file tgid=closer a0=live a1=unmapped a2=leaked ret=0") \
	X(HC_ENTER, 9, hypercall_enter, HC, hypercall, kvmmem,		\
	  kvmmem_hypercall_enter, (OPENS, "", ""),			\
	  "kvmmem:kvmmem_hypercall_enter id tgid=nr a0 a1 a2 ret=kvm")	\
	X(HC_EXIT, 10, hypercall_exit, HC, hypercall, kvmmem,		\
	  kvmmem_hypercall_exit, (HC_SLICE, "hypercall", ""),		\
	  "kvmmem:kvmmem_hypercall_exit id tgid=nr a0 a1 a2 ret=kvm")	\
	X(HOST_HC_ENTER, 11, host_hypercall_enter, HOST_HC, host,	\
	  kvmmem_hostsim, kvmmem_hostsim_hypercall_enter, (OPENS, "", ""), \
	  "kvmmem_hostsim:kvmmem_hostsim_hypercall_enter tgid=nr a0 a1 a2 ret=kvm") \
	X(HOST_HC_EXIT, 12, host_hypercall_exit, HOST_HC, host,		\
	  kvmmem_hostsim, kvmmem_hostsim_hypercall_exit,		\
	  (HC_SLICE, "host", "host "),					\
	  "kvmmem_hostsim:kvmmem_hostsim_hypercall_exit tgid=nr a0 a1 a2 ret=kvm") \
	X(HOST_TOKEN, 13, host_token, TOKEN, token, kvmmem_hostsim,	\
	  kvmmem_hostsim_token, (NONE, "", ""),				\
	  "kvmmem_hostsim:kvmmem_hostsim_token tgid=outstanding ret=errno") \
	X(PROC_EXIT, 14, exit, EXIT, exit, vmlinux,			\
	  sched_process_exit, (INSTANT, "kvmmem", "owner exited"),	\
	  "sched:sched_process_exit tgid=process ret=exit_code")	\
	/* 15, 16: kvmmem_host.bpf.c's, from kvm_emulate_hypercall() or, the \
	 * fallback, the tracepoints named here; the schemas keep naming     \
	 * those (the fields are the same), so older recordings still read */ \
	X(KVM_HC_ENTER, 15, kvm_hypercall_enter, KVM_HC, kvm, kvm,	\
	  kvm_exit, (OPENS, "", ""),					\
	  "kvm:kvm_exit+kvm:kvm_hypercall id=vcpu_id tgid=nr a0 a1 a2 ret=0") \
	X(KVM_HC_EXIT, 16, kvm_hypercall_exit, KVM_HC, kvm, kvm,	\
	  kvm_entry, (HC_SLICE, "host", "host "),			\
	  "kvm:kvm_entry id=vcpu_id tgid=nr a0 a1 a2 ret=rax")

/*
 * Shapes: which fields of an event mean what (see the table in
 * kvmmem_trace.h). The BPF program of a shape takes its tracepoint's
 * arguments; the printers print its fields (tools/trace/print.c).
 *   MAPPING   id=mapping tgid=owner/caller a0=gva a1=gpa a2=pa ret=errno
 *   OP        a MAPPING event that ends an operation: its tracepoint
 *             also carries the operation's timings (struct
 *             kvmmem_op_times), from which one program run recovers
 *             the start and hypercall events (bpf/kvmmem_trace.h)
 *   TEARDOWN  id=file tgid=closer a0=live a1=unmapped a2=leaked
 *   HC        id=mapping tgid=nr a0..a2 ret=the host's answer
 *   HOST_HC   tgid=nr a0..a2 ret=the host's answer
 *   TOKEN     tgid=outstanding tokens ret=errno
 *   EXIT      tgid=the process ret=exit code
 *   KVM_HC    id=vcpu_id tgid=nr a0..a2 ret=the guest's RAX
 */
#define KT_SHAPES(X)	X(MAPPING) X(OP) X(TEARDOWN) X(HC) X(HOST_HC) X(TOKEN) \
			X(EXIT) X(KVM_HC)

/*
 * Does a shape's tgid field name a process (1) or hold something else,
 * a hypercall nr or a count of tokens (0)? A pid filter (-p, --pid)
 * tests the tgid field only where it is a process: -p 32 must not let
 * every MEM_MAP hypercall (nr 32) through.
 */
#define KT_TGID_IS_PID_MAPPING	1	/* the mapping's owner / the caller */
#define KT_TGID_IS_PID_OP	1	/* the same */
#define KT_TGID_IS_PID_TEARDOWN	1	/* the process closing the file */
#define KT_TGID_IS_PID_HC	0	/* nr */
#define KT_TGID_IS_PID_HOST_HC	0	/* nr */
#define KT_TGID_IS_PID_TOKEN	0	/* tokens outstanding */
#define KT_TGID_IS_PID_EXIT	1	/* the process that exited */
#define KT_TGID_IS_PID_KVM_HC	0	/* nr */

#define KT_PID_KIND_BIT(kind, nr, name, shape, ...)			\
	| (KT_TGID_IS_PID_##shape ? 1U << (nr) : 0U)
/* The kinds whose tgid field is a process: a mask of 1 << kind. */
#define KT_PID_KINDS	(0U KT_KINDS(KT_PID_KIND_BIT))

#endif /* KVMMEM_KINDS_H */
