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

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TRACE_READER_H */
