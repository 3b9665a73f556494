/* SPDX-License-Identifier: GPL-2.0 */
/*
 * reader.h - reading a kvmmem-trace recording back (reader.c), with a message
 * that says what is wrong with a damaged one.
 */
#ifndef KVMMEM_TRACE_READER_H
#define KVMMEM_TRACE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Damaged bytes the reader skipped, and what it found there. */
struct kvmmem_trace_damage {
	uint64_t off;		/* file offset of the first damaged byte */
	uint64_t len;		/* bytes skipped up to the next good chunk */
	const char *what;	/* "bad chunk header", "payload CRC mismatch" */
};

/* --stacks: a process's memory map, as a maps chunk holds it. */
struct kvmmem_trace_procmaps {
	uint32_t pid;
	uint64_t ts;
	char *text;		/* NUL-terminated */
	size_t len;		/* without the NUL */
};

/* --stacks: a stack chunk. */
struct kvmmem_trace_stack {
	uint32_t id;		/* > 0, ascending in the file */
	uint32_t pid;
	uint16_t nr_user, nr_kernel;
	uint64_t *ips;		/* nr_user user frames, then the kernel's */
	size_t maps;		/* index in procmaps of its process's map
				 * (the last read before it), or SIZE_MAX */
};

/* A recording read back. */
struct kvmmem_trace_file {
	struct kvmmem_trace_info info;
	struct kt_event *events;	/* parse() and load() only */
	size_t nr_events;		/* events read (streamed or kept) */
	uint64_t drops;		/* from the last stats or end chunk */
	struct kvmmem_trace_name *names;	/* name chunks, in file order */
	size_t nr_names, cap_names;
	uint64_t end_ts;	/* end chunk's clock, else last seen */
	bool complete;		/* the end chunk was read, and nothing damaged */
	uint64_t good_bytes;	/* header and whole good chunks */
	uint64_t lost_bytes;	/* what followed them (a cut last chunk) */
	/* damaged regions skipped, each up to the next good chunk header */
	struct kvmmem_trace_damage *damage;
	size_t nr_damage, cap_damage;
	uint64_t damaged_bytes;
	uint64_t lost_events;	/* events that stats chunks count, but were lost */
	/* the cost chunk, if any (runs 0: none) */
	struct kvmmem_trace_cost_payload cost;
	/* --stacks (info.stacks): maps, stacks and references, file order */
	struct kvmmem_trace_procmaps *procmaps;
	size_t nr_procmaps, cap_procmaps;
	struct kvmmem_trace_stack *stacks;
	size_t nr_stacks, cap_stacks;
	struct kvmmem_trace_stack_ref *refs;
	size_t nr_refs, cap_refs;
	struct kvmmem_trace_stack_lost_payload stack_lost;
	char msg[512];		/* the error, or why the file is incomplete */
};

/*
 * Result of a read whose data is good but not whole: the file was cut,
 * or has no end chunk, or damaged chunks were skipped.
 */
#define KVMMEM_TRACE_INCOMPLETE	1

/* Called with each events chunk, in file order; non-zero stops the read. */
typedef int (*kvmmem_trace_events_cb)(void *ctx, const struct kt_event *ev,
				      size_t n);

/**
 * kvmmem_trace_read_fd() - read a recording from @fd as a stream
 * @fd:   a file, a pipe, a socket: read to its end, never seeked
 * @cb:   receives the events, one chunk at a time
 * @ctx:  for @cb
 * @tf:   receives the header, names, drops, the damage and the message
 *        (its events stay NULL); free with kvmmem_trace_file_free()
 *        whatever the result
 *
 * Memory: one chunk (KVMMEM_TRACE_MAX_CHUNK at most) and the header,
 * whatever the size of the recording.
 *
 * A damaged chunk costs only itself: a chunk whose payload CRC is wrong
 * is skipped (its header says how long it is); after a chunk header that
 * is wrong, the reader looks for the next valid one. Each region skipped
 * is in @tf->damage, with its offset; the events of every other chunk
 * reach @cb. A tail without any valid chunk (zeros, a cut chunk) is lost
 * as a cut file's last chunk.
 *
 * Return:
 *  0                         complete recording;
 *  KVMMEM_TRACE_INCOMPLETE   no end chunk, a cut last chunk (kill -9, full
 *                            disk) or damaged chunks skipped: everything
 *                            else was read, @tf->msg says what is lost;
 *  -EINVAL                   not a kvmmem-trace file (magic);
 *  -EPROTONOSUPPORT          a version other than 1 and 2;
 *  -EBADMSG                  corrupt beyond damage: the header (cut, CRC,
 *                            schema), or a chunk whose CRCs are right but
 *                            whose content is not (a length over the
 *                            limit, an unknown kind, an event count or
 *                            stats that do not match, data after the end);
 *  -ENOMEM; -errno of read(); or what @cb returned (if negative).
 */
int kvmmem_trace_read_fd(int fd, kvmmem_trace_events_cb cb, void *ctx,
			 struct kvmmem_trace_file *tf);

/**
 * kvmmem_trace_stream() - kvmmem_trace_read_fd() of the file at @path
 * @path: a file, a FIFO, /dev/stdin, or "-" for standard input
 *
 * Return: as kvmmem_trace_read_fd(), or -errno of open().
 */
int kvmmem_trace_stream(const char *path, kvmmem_trace_events_cb cb,
			void *ctx, struct kvmmem_trace_file *tf);

/**
 * kvmmem_trace_parse() - read a recording from memory, keeping its events
 * @buf: the file's bytes
 * @len: their number
 * @tf:  as for kvmmem_trace_read_fd(), and @tf->events holds every event
 *
 * Return: as kvmmem_trace_read_fd().
 */
int kvmmem_trace_parse(const void *buf, size_t len,
		       struct kvmmem_trace_file *tf);

/**
 * kvmmem_trace_load() - kvmmem_trace_stream() of @path, keeping its
 * events in @tf->events (for consumers that need them all at once)
 */
int kvmmem_trace_load(const char *path, struct kvmmem_trace_file *tf);

/**
 * kvmmem_trace_file_stack() - the stack chunk of id @id, or NULL (0, or
 * a stack lost to damage)
 */
const struct kvmmem_trace_stack *
kvmmem_trace_file_stack(const struct kvmmem_trace_file *tf, uint32_t id);

/** kvmmem_trace_file_free() - release what parse/load allocated */
void kvmmem_trace_file_free(struct kvmmem_trace_file *tf);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TRACE_READER_H */
