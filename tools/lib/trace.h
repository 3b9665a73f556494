/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - kvmmem-trace recordings (part of libkvmmem): the file format
 * (docs/trace-format.md), its writer and reader, and the analysis that
 * turns a stream of struct kt_event into counts, latencies, lifetimes,
 * per-process totals and leaks.
 *
 * Conventions as in util.h: 0 or a negative errno, never print except to
 * a FILE * given. Nothing here needs BPF or the driver: the unit tests
 * and the fuzzer run all of it.
 */
#ifndef KVMMEM_TRACE_LIB_H
#define KVMMEM_TRACE_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kvmmem_trace.h"	/* bpf/: struct kt_event, enum kt_kind */
#include "hist.h"

#ifdef __cplusplus
extern "C" {
#endif

_Static_assert(sizeof(struct kt_event) == KT_EVENT_SIZE,
	       "struct kt_event is the on-disk record: no padding");

/* ------------------------------------------------------------------ */
/* Event kinds                                                        */
/* ------------------------------------------------------------------ */

/**
 * kvmmem_trace_kind_name() - short name of an event kind ("map_start")
 *
 * Return: a static string, or NULL if @kind is not a known kind.
 */
const char *kvmmem_trace_kind_name(unsigned int kind);

/**
 * kvmmem_trace_kind_schema() - the schema line of a kind in file headers
 *
 * "kvmmem:kvmmem_map_start id tgid=owner a0=gva a1=gpa a2=pa ret=errno":
 * the tracepoint, then which event field holds which tracepoint
 * argument. The reader refuses a file whose schema differs.
 *
 * Return: a static string, or NULL if @kind is not a known kind.
 */
const char *kvmmem_trace_kind_schema(unsigned int kind);

/**
 * kvmmem_trace_parse_kinds() - parse a comma-separated list of kind groups
 * @s:     e.g. "map,unmap,hypercall"; groups: map (map_start, map_end),
 *         unmap, teardown (teardown_start/end, teardown_unmap), leak
 *         (page_leaked), hypercall (enter, exit), host (the hostsim
 *         hypercall events), token, exit (process exits), kvm (stock
 *         KVM's side of the hypercalls, host recordings), all; or any
 *         single kind name
 * @mask:  receives the KT_KIND_BIT()s
 *
 * Return: 0, or -EINVAL naming nothing known (an empty list included).
 */
int kvmmem_trace_parse_kinds(const char *s, uint32_t *mask);

/* Default kinds: everything the guest driver emits, plus process exits. */
#define KVMMEM_TRACE_DEFAULT_KINDS					\
	(KT_ALL_KINDS & ~(KT_KIND_BIT(KT_HOST_HC_ENTER) |		\
			  KT_KIND_BIT(KT_HOST_HC_EXIT) |			\
			  KT_KIND_BIT(KT_HOST_TOKEN) | KT_KVM_KINDS))

/* Default kinds of a host recording (--host): kvm, and VMM exits. */
#define KVMMEM_TRACE_HOST_KINDS	(KT_KVM_KINDS | KT_KIND_BIT(KT_PROC_EXIT))

/**
 * kvmmem_trace_result_name() - name of an event's result for reports
 * @kind: the event kind (hypercall kinds carry raw KVM codes, the
 *        others errno values)
 * @ret:  0 or negative
 * @buf:  scratch space for names that are not static
 *
 * Return: "ok", an errno name ("EFAULT"), a KVM code name ("KVM_ENOSYS",
 * "KVM_EFAULT"), "unknown" (KT_RET_UNKNOWN of a hypercall kind) or the
 * number as text.
 */
const char *kvmmem_trace_result_name(unsigned int kind, int64_t ret,
				     char buf[32]);

/* ------------------------------------------------------------------ */
/* File format                                                        */
/* ------------------------------------------------------------------ */

#define KVMMEM_TRACE_MAGIC		"KVMMTRC"	/* + NUL: 8 bytes */
#define KVMMEM_TRACE_VERSION		1
#define KVMMEM_TRACE_CHUNK_MAGIC	0x4b43544bU	/* "KTCK" little-endian */
#define KVMMEM_TRACE_MAX_HEADER		(64 * 1024)
#define KVMMEM_TRACE_MAX_CHUNK		(4 * 1024 * 1024)
#define KVMMEM_TRACE_CHUNK_EVENTS	4096	/* the writer's chunk size */

enum kvmmem_trace_chunk_type {
	KVMMEM_TRACE_CHUNK_EVENTS_T = 1,
	KVMMEM_TRACE_CHUNK_STATS = 2,
	KVMMEM_TRACE_CHUNK_END = 3,
	KVMMEM_TRACE_CHUNK_NAME = 4,	/* a process's name (host recordings) */
};

#define KVMMEM_TRACE_NAME_LEN	64

/* A process named in a recording: a VMM, named from its command line. */
struct kvmmem_trace_name {
	uint32_t pid;
	char name[KVMMEM_TRACE_NAME_LEN];	/* NUL-terminated */
};

/* What a recording's header says (all text in the file is ASCII). */
struct kvmmem_trace_info {
	uint32_t version;		/* filled by the reader */
	char clock[32];			/* "CLOCK_MONOTONIC" */
	char boot_id[40];		/* /proc/sys/kernel/random/boot_id */
	char kernel[72];		/* uname -r */
	char hostname[72];
	char tool[32];			/* "kvmmem-trace 1" */
	char attach[16];		/* "tp_btf" or "raw_tp" */
	uint64_t start_mono_ns;		/* clock at start of recording */
	uint64_t start_real_ns;		/* CLOCK_REALTIME at the same moment */
	uint32_t pid_filter;		/* 0: every process */
	uint32_t kinds;			/* KT_KIND_BIT()s recorded */
	uint32_t event_size;		/* KT_EVENT_SIZE */
	uint32_t nr_kinds;		/* KT_NR_KINDS */
};

/* Writing: header first, then chunks of events, stats and an end. */
struct kvmmem_trace_writer {
	int fd;
	struct kt_event *buf;		/* events of the next chunk */
	size_t n;
	uint64_t events;		/* events written, pending included */
	uint64_t bytes;			/* bytes written to fd */
	uint64_t chunks;
};

/**
 * kvmmem_trace_writer_init() - start a recording on @fd
 * @info: header fields; version, event_size and nr_kinds are set here
 *
 * Writes the header at once. Return: 0, -ENOMEM, or -errno of write()
 * (-ENOSPC: disk full).
 */
int kvmmem_trace_writer_init(struct kvmmem_trace_writer *w, int fd,
			     const struct kvmmem_trace_info *info);

/**
 * kvmmem_trace_writer_add() - append an event
 *
 * Buffered: a chunk is written every KVMMEM_TRACE_CHUNK_EVENTS events or
 * on kvmmem_trace_writer_flush(). Return: 0 or -errno of write().
 */
int kvmmem_trace_writer_add(struct kvmmem_trace_writer *w,
			    const struct kt_event *e);

/**
 * kvmmem_trace_writer_flush() - write the buffered events as one chunk
 *
 * Call it after each drain of the ring buffer: a recording cut by kill -9
 * then loses only what came after the last flush. Return: 0 or -errno.
 */
int kvmmem_trace_writer_flush(struct kvmmem_trace_writer *w);

/**
 * kvmmem_trace_writer_stats() - flush, then write a stats chunk
 * @ts:    the clock now
 * @drops: events lost so far (cumulative)
 */
int kvmmem_trace_writer_stats(struct kvmmem_trace_writer *w, uint64_t ts,
			      uint64_t drops);

/**
 * kvmmem_trace_writer_finish() - flush, then write the end chunk
 *
 * A file without an end chunk was cut short; the reader says so.
 */
int kvmmem_trace_writer_finish(struct kvmmem_trace_writer *w, uint64_t ts,
			       uint64_t drops);

/**
 * kvmmem_trace_writer_name() - name process @pid in the recording
 * @name: e.g. kvmmem_trace_vmm_name()'s; cut to KVMMEM_TRACE_NAME_LEN - 1
 *
 * Flushes the buffered events first, then writes a name chunk (readers
 * of version 1 that do not know it skip it). Return: 0 or -errno.
 */
int kvmmem_trace_writer_name(struct kvmmem_trace_writer *w, uint32_t pid,
			     const char *name);

/**
 * kvmmem_trace_vmm_name() - a VM's name from its VMM's command line
 * @cmdline: /proc/PID/cmdline: arguments separated by NULs
 * @len:     its length
 * @buf:     receives the name, printable ASCII (others become '?')
 *
 * QEMU's "-name guest=NAME,..." or "-name NAME,...", else argv[0]'s
 * basename, else "". Return: @buf.
 */
char *kvmmem_trace_vmm_name(const char *cmdline, size_t len,
			    char buf[KVMMEM_TRACE_NAME_LEN]);

/**
 * kvmmem_trace_vmm_name_of() - kvmmem_trace_vmm_name() of running process
 * @pid's /proc/PID/cmdline; "" if it is gone (or names nothing)
 *
 * Return: @buf.
 */
char *kvmmem_trace_vmm_name_of(uint32_t pid, char buf[KVMMEM_TRACE_NAME_LEN]);

/** kvmmem_trace_writer_free() - release the buffer (not the fd) */
void kvmmem_trace_writer_free(struct kvmmem_trace_writer *w);

/* A recording read back. */
struct kvmmem_trace_file {
	struct kvmmem_trace_info info;
	struct kt_event *events;
	size_t nr_events;
	uint64_t drops;		/* from the last stats or end chunk */
	struct kvmmem_trace_name *names;	/* name chunks, in file order */
	size_t nr_names;
	uint64_t end_ts;	/* end chunk's clock, else last seen */
	bool complete;		/* the end chunk was read */
	uint64_t good_bytes;	/* header and whole chunks */
	uint64_t lost_bytes;	/* what followed them (a cut last chunk) */
	char msg[256];		/* the error, or why the file is incomplete */
};

/* kvmmem_trace_parse() result: the data is good but the file was cut. */
#define KVMMEM_TRACE_INCOMPLETE	1

/**
 * kvmmem_trace_parse() - read a recording from memory
 * @buf: the file's bytes
 * @len: their number
 * @tf:  receives the header and events; free with kvmmem_trace_file_free()
 *       whatever the result. @tf->msg says what is wrong.
 *
 * Return:
 *  0                         complete recording;
 *  KVMMEM_TRACE_INCOMPLETE   no end chunk, or the last chunk is cut
 *                            (kill -9, full disk): everything before it
 *                            is in @tf, lost_bytes says how much is not;
 *  -EINVAL                   not a kvmmem-trace file (magic);
 *  -EPROTONOSUPPORT          a version this reader does not read;
 *  -EBADMSG                  corrupt: a CRC, length, kind or schema is
 *                            wrong, or the header is cut;
 *  -ENOMEM.
 */
int kvmmem_trace_parse(const void *buf, size_t len,
		       struct kvmmem_trace_file *tf);

/**
 * kvmmem_trace_load() - kvmmem_trace_parse() of the file at @path
 *
 * Return: as kvmmem_trace_parse(), or -errno of open/read.
 */
int kvmmem_trace_load(const char *path, struct kvmmem_trace_file *tf);

/** kvmmem_trace_file_free() - release what parse/load allocated */
void kvmmem_trace_file_free(struct kvmmem_trace_file *tf);

/** kvmmem_crc32() - CRC-32 (IEEE 802.3, zlib's crc32()) of @len bytes */
uint32_t kvmmem_crc32(uint32_t crc, const void *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Analysis                                                           */
/* ------------------------------------------------------------------ */

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

#endif /* KVMMEM_TRACE_LIB_H */
