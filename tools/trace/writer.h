/* SPDX-License-Identifier: GPL-2.0 */
/*
 * writer.h - writing a kvmmem-trace recording (writer.c): a header, then
 * chunks of events, stats, names and an end.
 */
#ifndef KVMMEM_TRACE_WRITER_H
#define KVMMEM_TRACE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "trace/format.h"

#ifdef __cplusplus
extern "C" {
#endif

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
 * Writes the header at once: format version 2 if @info->stacks (record
 * --stacks), else version 1, the very bytes a writer before version 2
 * wrote. Return: 0, -ENOMEM, or -errno of write()
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
 * kvmmem_trace_writer_cost() - flush, then write a cost chunk: the
 * recorder's programs ran @runs times for @run_ns ns in all
 */
int kvmmem_trace_writer_cost(struct kvmmem_trace_writer *w, uint64_t run_ns,
			     uint64_t runs);

/**
 * kvmmem_trace_writer_name() - name process @pid in the recording
 * @name: e.g. kvmmem_vmm_name()'s; cut to KVMMEM_TRACE_NAME_LEN - 1
 *
 * Flushes the buffered events first, then writes a name chunk (readers
 * that do not know it skip it). Return: 0 or -errno.
 */
int kvmmem_trace_writer_name(struct kvmmem_trace_writer *w, uint32_t pid,
			     const char *name);

/**
 * kvmmem_trace_writer_maps() - process @pid's memory map, read at @ts
 * @text, @len: sym_maps_format()'s text
 *
 * --stacks. Flushes the buffered events, then writes a maps chunk.
 * Return: 0, -E2BIG (over the chunk limit), or -errno.
 */
int kvmmem_trace_writer_maps(struct kvmmem_trace_writer *w, uint32_t pid,
			     uint64_t ts, const char *text, size_t len);

/**
 * kvmmem_trace_writer_stack() - stack @stack (the recording's id, > 0
 * and above every one written before) of process @pid: @nr_user user
 * frames at @user, @nr_kernel kernel frames at @kernel (at most
 * KT_STACK_DEPTH each), innermost first. Return: 0, -EINVAL or -errno.
 */
int kvmmem_trace_writer_stack(struct kvmmem_trace_writer *w, uint32_t stack,
			      uint32_t pid, const uint64_t *user,
			      size_t nr_user, const uint64_t *kernel,
			      size_t nr_kernel);

/**
 * kvmmem_trace_writer_stack_refs() - @n mappings and their stacks, as
 * one chunk (@n at most KVMMEM_TRACE_CHUNK_REFS; 0 writes nothing)
 */
#define KVMMEM_TRACE_CHUNK_REFS	4096
int kvmmem_trace_writer_stack_refs(struct kvmmem_trace_writer *w,
				   const struct kvmmem_trace_stack_ref *refs,
				   size_t n);

/** kvmmem_trace_writer_stack_lost() - what --stacks lost, once, before the end */
int kvmmem_trace_writer_stack_lost(struct kvmmem_trace_writer *w,
				   const struct kvmmem_trace_stack_lost_payload *p);

/** kvmmem_trace_writer_free() - release the buffer (not the fd) */
void kvmmem_trace_writer_free(struct kvmmem_trace_writer *w);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TRACE_WRITER_H */
