/* SPDX-License-Identifier: GPL-2.0 */
/*
 * format.h - the kvmmem-trace recording format (docs/trace-format.md): what
 * the writer (writer.h) and the reader (reader.h) agree on (format.c).
 */
#ifndef KVMMEM_TRACE_FORMAT_H
#define KVMMEM_TRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "kvmmem_trace.h"	/* bpf/: struct kt_event, the on-disk record */

#ifdef __cplusplus
extern "C" {
#endif

_Static_assert(sizeof(struct kt_event) == KT_EVENT_SIZE,
	       "struct kt_event is the on-disk record: no padding");

#define KVMMEM_TRACE_MAGIC		"KVMMTRC"	/* + NUL: 8 bytes */
/*
 * Format versions: 1 is every recording made without --stacks (byte for
 * byte as before); 2 is a recording made with record --stacks (the stacks
 * header key and chunks 6-9). The reader reads both (docs/trace-format.md,
 * "Versioning").
 */
#define KVMMEM_TRACE_VERSION_1		1
#define KVMMEM_TRACE_VERSION_STACKS	2
#define KVMMEM_TRACE_VERSION_MAX	KVMMEM_TRACE_VERSION_STACKS
#define KVMMEM_TRACE_CHUNK_MAGIC	0x4b43544bU	/* "KTCK" little-endian */
#define KVMMEM_TRACE_MAX_HEADER		(64 * 1024)
#define KVMMEM_TRACE_MAX_CHUNK		(4 * 1024 * 1024)
#define KVMMEM_TRACE_CHUNK_EVENTS	4096	/* the writer's chunk size */

enum kvmmem_trace_chunk_type {
	KVMMEM_TRACE_CHUNK_EVENTS_T = 1,
	KVMMEM_TRACE_CHUNK_STATS = 2,
	KVMMEM_TRACE_CHUNK_END = 3,
	KVMMEM_TRACE_CHUNK_NAME = 4,	/* a process's name (host recordings) */
	KVMMEM_TRACE_CHUNK_COST = 5,	/* what the recorder's programs cost */
	/* record --stacks: */
	KVMMEM_TRACE_CHUNK_MAPS = 6,	/* a process's memory map */
	KVMMEM_TRACE_CHUNK_STACK = 7,	/* a stack's frames */
	KVMMEM_TRACE_CHUNK_STACK_REFS = 8, /* mappings and their stacks */
	KVMMEM_TRACE_CHUNK_STACK_LOST = 9, /* what --stacks could not keep */
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
	uint32_t stacks;		/* 1: recorded with --stacks */
};

/* On-disk layout of the parts after the header's text. */
#define KVMMEM_TRACE_HDR_FIXED	16	/* magic[8], version, header length */
#define KVMMEM_TRACE_CHUNK_HDR	24

struct kvmmem_trace_chunk_hdr {
	uint32_t magic;
	uint32_t type;
	uint32_t len;		/* payload bytes */
	uint32_t count;		/* events in an events chunk, else 0 */
	uint32_t payload_crc;
	uint32_t hdr_crc;	/* of the 20 bytes before it */
};

/* The payload of a stats and of an end chunk. */
struct kvmmem_trace_stats_payload {
	uint64_t ts;
	uint64_t events;	/* written before this chunk, cumulative */
	uint64_t drops;		/* cumulative */
	uint64_t reserved;
};

/*
 * The payload of a cost chunk: the recorder's BPF programs' run time
 * and runs over the recording (BPF statistics), written before the end
 * chunk when kernel.bpf_stats_enabled was on.
 */
struct kvmmem_trace_cost_payload {
	uint64_t run_ns;	/* sum of run_time_ns of every program */
	uint64_t runs;		/* sum of run_cnt */
	uint64_t events;	/* events written before this chunk */
	uint64_t reserved;	/* 0 */
};

/* The payload of a name chunk. */
struct kvmmem_trace_name_payload {
	uint32_t pid;
	uint32_t reserved;
	char name[KVMMEM_TRACE_NAME_LEN];	/* NUL-terminated, NUL-padded */
};

/*
 * --stacks. A maps chunk: this header, then a process's memory map as
 * text (symbolize.h's sym_maps_format(): /proc/PID/maps with build ids),
 * read at its first MAP and again when one of its stacks has a frame
 * outside the map read before. The last one read before a stack's
 * chunk is that stack's.
 */
struct kvmmem_trace_maps_hdr {
	uint32_t pid;
	uint32_t reserved;	/* 0 */
	uint64_t ts;		/* the clock when it was read */
};

/*
 * A stack chunk: this header, then nr_user + nr_kernel u64 instruction
 * pointers, the user stack's then the kernel stack's, innermost first.
 * @stack is the recording's own id of the stack (1, 2, ... in file
 * order), one per distinct (pid, user stack, kernel stack).
 */
struct kvmmem_trace_stack_hdr {
	uint32_t stack;
	uint32_t pid;
	uint16_t nr_user;	/* at most KT_STACK_DEPTH */
	uint16_t nr_kernel;	/* at most KT_STACK_DEPTH */
	uint32_t reserved;	/* 0 */
};

/* Why a mapping's stack is in the recording (enum kt_stack_why). */
enum kvmmem_trace_stack_why {
	KVMMEM_TRACE_STACK_LEAKED = KT_STACK_LEAKED,	 /* its page leaked */
	KVMMEM_TRACE_STACK_TEARDOWN = KT_STACK_TEARDOWN, /* left to a teardown */
	KVMMEM_TRACE_STACK_LIVE = KT_STACK_LIVE,	 /* live at the end */
};

/*
 * A stack refs chunk: count of these. @stack 0: the mapping's stack
 * could not be taken (KT_DROP_STACK).
 */
struct kvmmem_trace_stack_ref {
	uint64_t id;		/* the mapping */
	uint32_t pid;		/* its owner */
	uint32_t stack;		/* a stack chunk's id, or 0 */
	uint32_t why;		/* enum kvmmem_trace_stack_why */
	uint32_t reserved;	/* 0 */
};

/* The stack lost chunk, written once before the end (cumulative). */
struct kvmmem_trace_stack_lost_payload {
	uint64_t stacks;	/* stacks the kernel could not take */
	uint64_t table;		/* mappings not kept: the table was full */
	uint64_t refs;		/* references lost: the ring buffer full */
	uint64_t maps;		/* processes whose memory map was not read */
};

_Static_assert(sizeof(struct kvmmem_trace_maps_hdr) == 16, "maps chunk layout");
_Static_assert(sizeof(struct kvmmem_trace_stack_hdr) == 16, "stack chunk layout");
_Static_assert(sizeof(struct kvmmem_trace_stack_ref) == 24, "stack ref layout");
_Static_assert(sizeof(struct kvmmem_trace_stack_lost_payload) == 32,
	       "stack lost layout");
_Static_assert(sizeof(struct kvmmem_trace_chunk_hdr) == KVMMEM_TRACE_CHUNK_HDR,
	       "chunk header layout");
_Static_assert(sizeof(struct kvmmem_trace_stats_payload) == 32,
	       "stats payload layout");
_Static_assert(sizeof(struct kvmmem_trace_cost_payload) == 32,
	       "cost payload layout");
_Static_assert(sizeof(struct kvmmem_trace_name_payload) == 72,
	       "name payload layout");

/** kvmmem_crc32() - zlib's crc32() (CRC-32, IEEE 802.3) of @len bytes */
uint32_t kvmmem_crc32(uint32_t crc, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TRACE_FORMAT_H */
