// SPDX-License-Identifier: GPL-2.0
/*
 * The kvmmem-trace file format: a round trip through the writer and the
 * reader, and every way a file can be cut or corrupted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "trace/format.h"
#include "trace/kinds.h"
#include "trace/reader.h"
#include "trace/writer.h"

#define HDR_FIXED	16
#define CHUNK_HDR	24

static struct kvmmem_trace_file tf;
static unsigned char *file;	/* the recording made by make_file() */
static size_t file_len;

static void cleanup(void)
{
	kvmmem_trace_file_free(&tf);
	free(file);
	file = NULL;
}

TestSuite(trace_file, .fini = cleanup);

static struct kvmmem_trace_info test_info(void)
{
	struct kvmmem_trace_info in = {
		.start_mono_ns = 1000000,
		.start_real_ns = 1700000000000000000ULL,
		.pid_filter = 42,
		.kinds = KVMMEM_TRACE_DEFAULT_KINDS,
	};

	strcpy(in.clock, "CLOCK_MONOTONIC");
	strcpy(in.boot_id, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	strcpy(in.kernel, "6.1.0-56-amd64");
	strcpy(in.hostname, "guest");
	strcpy(in.tool, "kvmmem-trace 1");
	strcpy(in.attach, "tp_btf");
	return in;
}

static struct kt_event test_event(uint64_t i)
{
	struct kt_event e = {
		.ts = 2000000 + i * 1000,
		.pid = 100 + (uint32_t)(i % 3),
		.tid = 200 + (uint32_t)(i % 5),
		.kind = (uint16_t)(1 + i % (KT_NR_KINDS - 1)),
		.cpu = (uint16_t)(i % 2),
		.tgid = 100,
		.id = i,
		.a0 = 0x7f0000000000ULL + i * 4096,
		.a1 = i * 4096,
		.a2 = 0x100000 + i * 4096,
		.ret = i % 7 ? 0 : -14,
	};

	snprintf(e.comm, sizeof(e.comm), "proc%llu", (unsigned long long)i);
	return e;
}

/* Slurp what was written to @fd. */
static void slurp(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);

	cr_assert_geq(len, 0);
	file_len = (size_t)len;
	file = malloc(file_len + 1);
	cr_assert_not_null(file);
	cr_assert_eq(pread(fd, file, file_len, 0), (ssize_t)file_len);
	close(fd);
}

/* A recording of @n events with a stats chunk after the first 10. */
static void make_file(size_t n, bool finish)
{
	struct kvmmem_trace_info in = test_info();
	struct kvmmem_trace_writer w;
	struct kt_event e;
	FILE *tmp = tmpfile();
	int fd;
	size_t i;

	cr_assert_not_null(tmp);
	fd = dup(fileno(tmp));
	fclose(tmp);
	cr_assert_eq(kvmmem_trace_writer_init(&w, fd, &in), 0);
	for (i = 0; i < n; i++) {
		e = test_event(i);
		cr_assert_eq(kvmmem_trace_writer_add(&w, &e), 0);
		if (i == 9)
			cr_assert_eq(kvmmem_trace_writer_stats(&w, 3000000, 5), 0);
	}
	if (finish)
		cr_assert_eq(kvmmem_trace_writer_finish(&w, 9000000000ULL, 7), 0);
	else
		cr_assert_eq(kvmmem_trace_writer_flush(&w), 0);
	cr_assert_eq(w.bytes, (uint64_t)lseek(fd, 0, SEEK_END));
	kvmmem_trace_writer_free(&w);
	slurp(fd);
}

static uint32_t get32(size_t off)
{
	uint32_t v;

	memcpy(&v, file + off, 4);
	return v;
}

static void put32(size_t off, uint32_t v)
{
	memcpy(file + off, &v, 4);
}

static size_t header_len(void)
{
	return get32(12);
}

/* Offsets of the chunks, in order; returns their number. */
static size_t chunks(size_t *offs, size_t max)
{
	size_t off = header_len(), n = 0;

	while (off + CHUNK_HDR <= file_len && n < max) {
		offs[n++] = off;
		off += CHUNK_HDR + get32(off + 8);
	}
	return n;
}

/* After editing a chunk, make its CRCs right again. */
static void fix_chunk_crcs(size_t off)
{
	put32(off + 16, kvmmem_crc32(0, file + off + CHUNK_HDR, get32(off + 8)));
	put32(off + 20, kvmmem_crc32(0, file + off, 20));
}

static void fix_header_crc(void)
{
	size_t h = header_len();

	put32(h - 4, kvmmem_crc32(0, file, h - 4));
}

static int parse(void)
{
	kvmmem_trace_file_free(&tf);
	return kvmmem_trace_parse(file, file_len, &tf);
}

Test(trace_file, crc32_is_zlibs)
{
	cr_assert_eq(kvmmem_crc32(0, "123456789", 9), 0xcbf43926U);
	cr_assert_eq(kvmmem_crc32(0, "", 0), 0);
}

Test(trace_file, round_trip_keeps_header_and_every_event)
{
	struct kvmmem_trace_info in = test_info();
	struct kt_event e;
	size_t i, n = 2 * KVMMEM_TRACE_CHUNK_EVENTS + 17;

	make_file(n, true);
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert(tf.complete);
	cr_assert_eq(tf.info.version, 1);
	cr_assert_eq(tf.info.stacks, 0);
	cr_assert_str_eq(tf.info.clock, in.clock);
	cr_assert_str_eq(tf.info.boot_id, in.boot_id);
	cr_assert_str_eq(tf.info.kernel, in.kernel);
	cr_assert_str_eq(tf.info.hostname, in.hostname);
	cr_assert_str_eq(tf.info.tool, in.tool);
	cr_assert_str_eq(tf.info.attach, in.attach);
	cr_assert_eq(tf.info.start_mono_ns, in.start_mono_ns);
	cr_assert_eq(tf.info.start_real_ns, in.start_real_ns);
	cr_assert_eq(tf.info.pid_filter, 42);
	cr_assert_eq(tf.info.kinds, KVMMEM_TRACE_DEFAULT_KINDS);
	cr_assert_eq(tf.info.event_size, KT_EVENT_SIZE);
	cr_assert_eq(tf.info.nr_kinds, KT_NR_KINDS);
	cr_assert_eq(tf.nr_events, n);
	for (i = 0; i < n; i++) {
		e = test_event(i);
		cr_assert_eq(memcmp(&tf.events[i], &e, sizeof(e)), 0, "event %zu", i);
	}
	cr_assert_eq(tf.drops, 7);
	cr_assert_eq(tf.end_ts, 9000000000ULL);
	cr_assert_eq(tf.lost_bytes, 0);
	cr_assert_eq(tf.good_bytes, file_len);
}

Test(trace_file, header_is_8_byte_aligned_with_magic_and_version)
{
	make_file(0, true);
	cr_assert_eq(memcmp(file, "KVMMTRC\0", 8), 0);
	cr_assert_eq(get32(8), 1);
	cr_assert_eq(header_len() % 8, 0);
	/* header, stats-less file: just the end chunk of 32 bytes */
	cr_assert_eq(file_len, header_len() + CHUNK_HDR + 32);
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_eq(tf.nr_events, 0);
}

Test(trace_file, missing_end_chunk_is_incomplete_and_keeps_events)
{
	make_file(25, false);
	cr_assert_eq(parse(), KVMMEM_TRACE_INCOMPLETE);
	cr_assert_not(tf.complete);
	cr_assert_eq(tf.nr_events, 25);
	cr_assert_eq(tf.drops, 5);	/* from the stats chunk */
	cr_assert_eq(tf.lost_bytes, 0);
	cr_assert(strstr(tf.msg, "no end marker"), "%s", tf.msg);
}

Test(trace_file, truncated_chunk_is_reported_and_only_it_is_lost)
{
	size_t offs[16], n, last_start, cut;

	make_file(30, true);
	n = chunks(offs, 16);
	cr_assert_eq(n, 4);	/* 10 events, stats, 20 events, end */
	last_start = offs[2];	/* the chunk of the last 20 events */
	for (cut = last_start + 1; cut < offs[3]; cut += 7) {
		file_len = cut;
		cr_assert_eq(parse(), KVMMEM_TRACE_INCOMPLETE, "cut at %zu", cut);
		cr_assert_eq(tf.nr_events, 10, "cut at %zu", cut);
		cr_assert_eq(tf.lost_bytes, cut - last_start);
		cr_assert_eq(tf.good_bytes, last_start);
		cr_assert(strstr(tf.msg, "cut short"), "%s", tf.msg);
	}
}

Test(trace_file, every_truncation_is_an_error_or_incomplete_never_more)
{
	size_t full, cut;
	int err;

	make_file(12, true);
	full = file_len;
	for (cut = 0; cut < full; cut++) {
		file_len = cut;
		err = parse();
		if (cut < header_len())
			cr_assert_eq(err, -EBADMSG, "cut at %zu: %d", cut, err);
		else
			cr_assert_eq(err, KVMMEM_TRACE_INCOMPLETE, "cut at %zu", cut);
		cr_assert_leq(tf.nr_events, 12);
		cr_assert_neq(tf.msg[0], '\0');
	}
}

Test(trace_file, empty_file_is_an_error)
{
	make_file(0, true);
	file_len = 0;
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "empty"), "%s", tf.msg);
}

Test(trace_file, bad_magic_is_not_a_recording)
{
	make_file(3, true);
	file[0] = 'X';
	cr_assert_eq(parse(), -EINVAL);
	cr_assert(strstr(tf.msg, "not a kvmmem-trace recording"), "%s", tf.msg);
}

Test(trace_file, text_file_is_not_a_recording)
{
	file = (unsigned char *)strdup("hello, world\n");
	file_len = strlen((char *)file);
	cr_assert_eq(parse(), -EINVAL);
}

Test(trace_file, wrong_version_says_which)
{
	make_file(3, true);
	put32(8, 3);
	fix_header_crc();
	cr_assert_eq(parse(), -EPROTONOSUPPORT);
	cr_assert(strstr(tf.msg, "format version 3,"), "%s", tf.msg);
	cr_assert(strstr(tf.msg, "reads versions 1 and 2"), "%s", tf.msg);
}

Test(trace_file, version_0_is_refused)
{
	make_file(3, true);
	put32(8, 0);
	fix_header_crc();
	cr_assert_eq(parse(), -EPROTONOSUPPORT);
	cr_assert(strstr(tf.msg, "format version 0,"), "%s", tf.msg);
}

Test(trace_file, recording_without_stacks_is_version_1)
{
	make_file(3, true);
	cr_assert_eq(get32(8), 1);
	cr_assert_null(memmem(file, get32(12), "stacks=", 7));
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_eq(tf.info.version, 1);
}

Test(trace_file, version_2_without_stack_chunks_is_read)
{
	/* a version 2 file need not hold any stack (none was left) */
	make_file(3, true);
	put32(8, 2);
	fix_header_crc();
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_eq(tf.info.version, 2);
	cr_assert_eq(tf.nr_events, 3);
}

Test(trace_file, header_crc_mismatch_is_corrupt)
{
	make_file(3, true);
	file[HDR_FIXED + 3] ^= 0x20;
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "CRC"), "%s", tf.msg);
}

Test(trace_file, header_length_out_of_range_is_corrupt)
{
	make_file(3, true);
	put32(12, 12);
	cr_assert_eq(parse(), -EBADMSG);
	put32(12, KVMMEM_TRACE_MAX_HEADER + 8);
	cr_assert_eq(parse(), -EBADMSG);
	put32(12, 1001);	/* not a multiple of 8 */
	cr_assert_eq(parse(), -EBADMSG);
}

/* Replace @from by @to (same length) in the header text, fix the CRC. */
static void edit_header(const char *from, const char *to)
{
	unsigned char *p = memmem(file, header_len(), from, strlen(from));

	cr_assert_not_null(p, "'%s' not in the header", from);
	cr_assert_eq(strlen(from), strlen(to));
	memcpy(p, to, strlen(to));
	fix_header_crc();
}

Test(trace_file, schema_mismatch_is_refused)
{
	make_file(3, true);
	edit_header("a0=gva a1=gpa", "a0=gpa a1=gva");
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "schema mismatch"), "%s", tf.msg);
}

Test(trace_file, other_event_size_is_refused)
{
	make_file(3, true);
	edit_header("event_size=80", "event_size=96");
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "event size 96"), "%s", tf.msg);
}

Test(trace_file, missing_required_key_is_corrupt)
{
	make_file(3, true);
	edit_header("clock=", "clocc=");
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "missing"), "%s", tf.msg);
}

Test(trace_file, bad_number_in_header_is_corrupt)
{
	make_file(3, true);
	edit_header("pid_filter=42", "pid_filter=4x");
	cr_assert_eq(parse(), -EBADMSG);
}

Test(trace_file, line_without_equals_is_corrupt)
{
	make_file(3, true);
	edit_header("hostname=guest", "hostname guest");
	cr_assert_eq(parse(), -EBADMSG);
}

Test(trace_file, unknown_header_keys_are_ignored)
{
	make_file(3, true);
	edit_header("hostname=", "hostnamf=");
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_str_eq(tf.info.hostname, "");
}

Test(trace_file, chunk_header_crc_mismatch_costs_only_its_chunk)
{
	char want[64];
	size_t offs[8];

	make_file(3, true);
	chunks(offs, 8);
	file[offs[0] + 12] ^= 1;	/* the event count */
	cr_assert_eq(parse(), KVMMEM_TRACE_INCOMPLETE);
	cr_assert_eq(tf.nr_events, 0);
	cr_assert_eq(tf.nr_damage, 1);
	cr_assert_eq(tf.damage[0].off, offs[0]);
	cr_assert_eq(tf.damage[0].len, offs[1] - offs[0]);
	cr_assert_eq(tf.lost_events, 3, "the end chunk counts them");
	cr_assert_not(tf.complete);
	snprintf(want, sizeof(want), "at offset %zu (bad chunk header)", offs[0]);
	cr_assert(strstr(tf.msg, want), "%s", tf.msg);
}

Test(trace_file, chunk_magic_mismatch_costs_only_its_chunk)
{
	size_t offs[8];

	make_file(3, true);
	chunks(offs, 8);
	put32(offs[0], 0x12345678);
	fix_chunk_crcs(offs[0]);
	cr_assert_eq(parse(), KVMMEM_TRACE_INCOMPLETE);
	cr_assert_eq(tf.nr_damage, 1);
	cr_assert_eq(tf.damage[0].off, offs[0]);
}

Test(trace_file, payload_crc_mismatch_costs_only_its_chunk)
{
	char want[64];
	size_t offs[8];

	make_file(3, true);
	chunks(offs, 8);
	file[offs[0] + CHUNK_HDR + 40] ^= 0x80;
	cr_assert_eq(parse(), KVMMEM_TRACE_INCOMPLETE);
	cr_assert_eq(tf.nr_events, 0);
	cr_assert_eq(tf.nr_damage, 1);
	cr_assert_eq(tf.damage[0].len, CHUNK_HDR + 3 * KT_EVENT_SIZE);
	snprintf(want, sizeof(want), "at offset %zu (payload CRC mismatch)",
		 offs[0]);
	cr_assert(strstr(tf.msg, want), "%s", tf.msg);
}

Test(trace_file, payload_crc_mismatch_in_the_end_chunk_loses_the_end)
{
	size_t offs[8], n;

	make_file(3, true);
	n = chunks(offs, 8);
	file[offs[n - 1] + CHUNK_HDR] ^= 1;	/* the end chunk's ts */
	cr_assert_eq(parse(), KVMMEM_TRACE_INCOMPLETE);
	cr_assert_eq(tf.nr_events, 3);
	cr_assert_not(tf.complete);
	cr_assert(strstr(tf.msg, "no end marker"), "%s", tf.msg);
}

Test(trace_file, garbage_without_a_chunk_after_it_is_corrupt)
{
	size_t offs[8];

	make_file(3, false);
	chunks(offs, 8);
	memset(file + offs[0], 0xab, file_len - offs[0]);
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "corrupt chunk header"), "%s", tf.msg);
}

/* A recording of @nchunks events chunks of @per events each, and an end. */
static void make_chunked(size_t nchunks, size_t per)
{
	struct kvmmem_trace_info in = test_info();
	struct kvmmem_trace_writer w;
	struct kt_event e;
	FILE *tmp = tmpfile();
	size_t i;
	int fd;

	cr_assert_not_null(tmp);
	fd = dup(fileno(tmp));
	fclose(tmp);
	cr_assert_eq(kvmmem_trace_writer_init(&w, fd, &in), 0);
	for (i = 0; i < nchunks * per; i++) {
		e = test_event(i);
		cr_assert_eq(kvmmem_trace_writer_add(&w, &e), 0);
		if ((i + 1) % per == 0)
			cr_assert_eq(kvmmem_trace_writer_flush(&w), 0);
	}
	cr_assert_eq(kvmmem_trace_writer_finish(&w, 9000000000ULL, 0), 0);
	kvmmem_trace_writer_free(&w);
	slurp(fd);
}

Test(trace_file, one_byte_flipped_in_each_chunk_keeps_every_other_chunks_events)
{
	size_t offs[16], n, c, at, i, j, per = 7;
	size_t where[] = { 0, 5, 13, 21, CHUNK_HDR, CHUNK_HDR + 100 };
	unsigned char saved;

	make_chunked(6, per);
	n = chunks(offs, 16);
	cr_assert_eq(n, 7, "six events chunks and the end");
	for (c = 0; c < 6; c++) {
		for (j = 0; j < sizeof(where) / sizeof(where[0]); j++) {
			at = offs[c] + where[j];
			saved = file[at];
			file[at] ^= 0x10;
			cr_assert_eq(parse(), KVMMEM_TRACE_INCOMPLETE,
				     "chunk %zu byte %zu", c, where[j]);
			cr_assert_eq(tf.nr_events, 5 * per, "chunk %zu byte %zu",
				     c, where[j]);
			for (i = 0; i < tf.nr_events; i++)
				cr_assert_eq(tf.events[i].id,
					     i < c * per ? i : i + per,
					     "chunk %zu byte %zu: event %zu", c,
					     where[j], i);
			cr_assert_eq(tf.nr_damage, 1);
			cr_assert_eq(tf.damage[0].off, offs[c]);
			cr_assert_eq(tf.damage[0].len, offs[c + 1] - offs[c]);
			cr_assert_eq(tf.lost_events, per, "the end chunk counts them");
			cr_assert_eq(tf.drops, 0);
			file[at] = saved;
		}
	}
	cr_assert_eq(parse(), 0, "and untouched, it is whole");
}

Test(trace_file, damage_in_two_chunks_is_reported_twice)
{
	size_t offs[16];

	make_chunked(4, 5);
	chunks(offs, 16);
	file[offs[1] + CHUNK_HDR + 1] ^= 1;
	file[offs[3] + 2] ^= 1;
	cr_assert_eq(parse(), KVMMEM_TRACE_INCOMPLETE);
	cr_assert_eq(tf.nr_events, 10);
	cr_assert_eq(tf.nr_damage, 2);
	cr_assert_eq(tf.damage[0].off, offs[1]);
	cr_assert_eq(tf.damage[1].off, offs[3]);
	cr_assert(strstr(tf.msg, "1 more damaged region"), "%s", tf.msg);
}

/* Write the recording into a pipe from a child; return the read end. */
static int pipe_of_file(void)
{
	int p[2];
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		size_t off = 0;
		ssize_t w;

		close(p[0]);
		while (off < file_len) {
			/* small, uneven writes: reads see every boundary */
			w = write(p[1], file + off, file_len - off < 4093 ?
				  file_len - off : 4093);
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

struct seen {
	uint64_t next_id;
	size_t calls, max_chunk;
};

static int check_order(void *ctx, const struct kt_event *ev, size_t n)
{
	struct seen *s = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		if (ev[i].id != s->next_id++)
			return -EPROTO;
	s->calls++;
	if (n > s->max_chunk)
		s->max_chunk = n;
	return 0;
}

Test(trace_file, a_recording_larger_than_the_buffer_streams_from_a_pipe)
{
	struct seen s = { 0 };
	int fd;

	/* 40 chunks of 1000 events: 3.2 MB, fifty times the read size */
	make_chunked(40, 1000);
	cr_assert_gt(file_len, 3000000);
	fd = pipe_of_file();
	cr_assert_eq(kvmmem_trace_read_fd(fd, check_order, &s, &tf), 0, "%s",
		     tf.msg);
	close(fd);
	cr_assert_eq(s.next_id, 40000);
	cr_assert_eq(s.calls, 40, "one call per chunk");
	cr_assert_eq(s.max_chunk, 1000);
	cr_assert_null(tf.events, "a stream keeps no events");
	cr_assert_eq(tf.nr_events, 40000);
	cr_assert(tf.complete);
}

Test(trace_file, damage_read_from_a_pipe_is_what_it_is_in_memory)
{
	size_t offs[64];
	int fd;

	make_chunked(40, 1000);
	chunks(offs, 64);
	file[offs[20] + CHUNK_HDR + 5000] ^= 4;	/* chunk 20's payload */
	file[offs[30] + 3] ^= 4;		/* chunk 30's magic */
	fd = pipe_of_file();
	cr_assert_eq(kvmmem_trace_read_fd(fd, NULL, NULL, &tf),
		     KVMMEM_TRACE_INCOMPLETE);
	close(fd);
	cr_assert_eq(tf.nr_events, 38000);
	cr_assert_eq(tf.nr_damage, 2);
	cr_assert_eq(tf.damage[0].off, offs[20]);
	cr_assert_eq(tf.damage[1].off, offs[30]);
	cr_assert_eq(tf.lost_events, 2000);
}

Test(trace_file, dash_reads_standard_input)
{
	int fd;

	make_chunked(3, 10);
	fd = pipe_of_file();
	cr_assert_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	cr_assert_eq(kvmmem_trace_load("-", &tf), 0, "%s", tf.msg);
	cr_assert_eq(tf.nr_events, 30);
	cr_assert_eq(tf.events[29].id, 29);
}

Test(trace_file, a_callback_error_stops_the_read)
{
	struct seen s = { .next_id = 1 };	/* the first event is 0: refused */
	char path[] = "/tmp/kvmmem-test-XXXXXX";
	int fd;

	make_chunked(3, 10);
	cr_assert_eq(kvmmem_trace_stream("/dev/null", check_order, &s, &tf),
		     -EBADMSG, "empty");
	kvmmem_trace_file_free(&tf);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, file, file_len), (ssize_t)file_len);
	close(fd);
	cr_assert_eq(kvmmem_trace_stream(path, check_order, &s, &tf), -EPROTO);
	cr_assert_eq(s.calls, 0);
	unlink(path);
}

Test(trace_file, unknown_event_kind_is_corrupt)
{
	size_t offs[8];
	uint16_t kind = KT_NR_KINDS;

	make_file(3, true);
	chunks(offs, 8);
	memcpy(file + offs[0] + CHUNK_HDR + KT_EVENT_SIZE + 16, &kind, 2);
	fix_chunk_crcs(offs[0]);
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "unknown kind"), "%s", tf.msg);
	kind = 0;
	memcpy(file + offs[0] + CHUNK_HDR + KT_EVENT_SIZE + 16, &kind, 2);
	fix_chunk_crcs(offs[0]);
	cr_assert_eq(parse(), -EBADMSG);
}

Test(trace_file, event_count_not_matching_length_is_corrupt)
{
	size_t offs[8];

	make_file(3, true);
	chunks(offs, 8);
	put32(offs[0] + 12, 2);
	fix_chunk_crcs(offs[0]);
	cr_assert_eq(parse(), -EBADMSG);
}

Test(trace_file, chunk_over_the_size_limit_is_corrupt)
{
	size_t offs[8];

	make_file(3, true);
	chunks(offs, 8);
	put32(offs[0] + 8, KVMMEM_TRACE_MAX_CHUNK + 80);
	put32(offs[0] + 20, kvmmem_crc32(0, file + offs[0], 20));
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "over the limit"), "%s", tf.msg);
}

Test(trace_file, stats_counting_other_events_is_corrupt)
{
	size_t offs[8];
	uint64_t events = 11;

	make_file(12, true);
	chunks(offs, 8);
	/* offs[1] is the stats chunk after 10 events */
	cr_assert_eq(get32(offs[1] + 4), KVMMEM_TRACE_CHUNK_STATS);
	memcpy(file + offs[1] + CHUNK_HDR + 8, &events, 8);
	fix_chunk_crcs(offs[1]);
	cr_assert_eq(parse(), -EBADMSG);
}

Test(trace_file, data_after_end_chunk_is_corrupt)
{
	make_file(3, true);
	file = realloc(file, file_len + 8);
	memset(file + file_len, 0xab, 8);
	file_len += 8;
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "after the end chunk"), "%s", tf.msg);
}

Test(trace_file, zero_filled_tail_is_a_lost_last_chunk)
{
	size_t offs[8], n;

	make_file(30, true);
	n = chunks(offs, 8);
	/* a crash left the last chunks' blocks allocated but zero */
	memset(file + offs[n - 2], 0, file_len - offs[n - 2]);
	cr_assert_eq(parse(), KVMMEM_TRACE_INCOMPLETE);
	cr_assert_eq(tf.nr_events, 10);
}

Test(trace_file, unknown_chunk_type_is_skipped)
{
	size_t offs[8];

	make_file(12, true);
	chunks(offs, 8);
	put32(offs[1] + 4, 99);		/* the stats chunk */
	fix_chunk_crcs(offs[1]);
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_eq(tf.nr_events, 12);
}

Test(trace_file, writer_reports_a_full_disk)
{
	struct kvmmem_trace_info in = test_info();
	struct kvmmem_trace_writer w;
	int fd = open("/dev/full", O_WRONLY);

	if (fd < 0)
		cr_skip_test("no /dev/full");
	cr_assert_eq(kvmmem_trace_writer_init(&w, fd, &in), -ENOSPC);
	close(fd);
}

Test(trace_file, writer_refuses_newlines_in_header_text)
{
	struct kvmmem_trace_info in = test_info();
	struct kvmmem_trace_writer w;

	strcpy(in.hostname, "a\nkinds=0");
	cr_assert_eq(kvmmem_trace_writer_init(&w, -1, &in), -EINVAL);
}

Test(trace_file, load_of_a_missing_file_is_enoent)
{
	cr_assert_eq(kvmmem_trace_load("/nonexistent/x.ktr", &tf), -ENOENT);
	cr_assert(strstr(tf.msg, "/nonexistent/x.ktr"), "%s", tf.msg);
}

Test(trace_kinds, groups_and_names_parse)
{
	uint32_t m;

	cr_assert_eq(kvmmem_trace_parse_kinds("map", &m), 0);
	cr_assert_eq(m, KT_KIND_BIT(KT_MAP_START) | KT_KIND_BIT(KT_MAP_END));
	cr_assert_eq(kvmmem_trace_parse_kinds("leak,exit", &m), 0);
	cr_assert_eq(m, KT_KIND_BIT(KT_PAGE_LEAKED) | KT_KIND_BIT(KT_PROC_EXIT));
	cr_assert_eq(kvmmem_trace_parse_kinds("all", &m), 0);
	cr_assert_eq(m, KT_ALL_KINDS);
	cr_assert_eq(kvmmem_trace_parse_kinds("default", &m), 0);
	cr_assert_eq(m, KVMMEM_TRACE_DEFAULT_KINDS);
	cr_assert_eq(kvmmem_trace_parse_kinds("hypercall_exit,token", &m), 0);
	cr_assert_eq(m, KT_KIND_BIT(KT_HC_EXIT) | KT_KIND_BIT(KT_HOST_TOKEN));
}

Test(trace_kinds, unknown_or_empty_is_einval)
{
	uint32_t m = 123;

	cr_assert_eq(kvmmem_trace_parse_kinds("", &m), -EINVAL);
	cr_assert_eq(kvmmem_trace_parse_kinds("maps", &m), -EINVAL);
	cr_assert_eq(kvmmem_trace_parse_kinds("map,", &m), -EINVAL);
	cr_assert_eq(kvmmem_trace_parse_kinds(",map", &m), -EINVAL);
	cr_assert_eq(m, 123);
}

Test(trace_kinds, result_names)
{
	char b[32];

	cr_assert_str_eq(kvmmem_trace_result_name(KT_MAP_END, 0, b), "ok");
	cr_assert_str_eq(kvmmem_trace_result_name(KT_UNMAP_END, -14, b), "EFAULT");
	cr_assert_str_eq(kvmmem_trace_result_name(KT_HC_EXIT, -1000, b), "KVM_ENOSYS");
	cr_assert_str_eq(kvmmem_trace_result_name(KT_HC_EXIT, -14, b), "KVM_EFAULT");
	cr_assert_str_eq(kvmmem_trace_result_name(KT_HOST_HC_EXIT, -1, b), "KVM_EPERM");
	cr_assert_str_eq(kvmmem_trace_result_name(KT_MAP_END, -5000, b), "-5000");
	cr_assert_str_eq(kvmmem_trace_result_name(KT_PROC_EXIT, 9, b), "9");
}

Test(trace_kinds, every_kind_has_a_name_and_schema)
{
	unsigned int k;

	for (k = 1; k < KT_NR_KINDS; k++) {
		cr_assert_not_null(kvmmem_trace_kind_name(k));
		cr_assert_not_null(kvmmem_trace_kind_schema(k));
	}
	cr_assert_null(kvmmem_trace_kind_name(0));
	cr_assert_null(kvmmem_trace_kind_name(KT_NR_KINDS));
}

Test(trace_file, empty_events_chunk_is_fine)
{
	size_t h, old_len;
	unsigned char *bigger;

	make_file(0, true);
	h = header_len();
	old_len = file_len;
	bigger = malloc(old_len + CHUNK_HDR);
	cr_assert_not_null(bigger);
	memcpy(bigger, file, h);
	memcpy(bigger + h + CHUNK_HDR, file + h, old_len - h);
	free(file);
	file = bigger;
	file_len = old_len + CHUNK_HDR;
	put32(h, KVMMEM_TRACE_CHUNK_MAGIC);
	put32(h + 4, KVMMEM_TRACE_CHUNK_EVENTS_T);
	put32(h + 8, 0);
	put32(h + 12, 0);
	fix_chunk_crcs(h);
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_eq(tf.nr_events, 0);
}

/* A writer on a temporary file, header written; returns the fd. */
static int start_writer(struct kvmmem_trace_writer *w)
{
	struct kvmmem_trace_info in = test_info();
	FILE *tmp = tmpfile();
	int fd;

	cr_assert_not_null(tmp);
	fd = dup(fileno(tmp));
	fclose(tmp);
	cr_assert_eq(kvmmem_trace_writer_init(w, fd, &in), 0);
	return fd;
}

Test(trace_file, name_chunks_round_trip_in_order)
{
	struct kvmmem_trace_writer w;
	struct kt_event e = test_event(1);
	int fd = start_writer(&w);

	cr_assert_eq(kvmmem_trace_writer_add(&w, &e), 0);
	cr_assert_eq(kvmmem_trace_writer_name(&w, 1234, "l2"), 0);
	cr_assert_eq(w.n, 0, "the name flushed the events before it");
	cr_assert_eq(kvmmem_trace_writer_name(&w, 99,
		"a-name-longer-than-sixty-four-characters-is-cut-to-fit-the-chunk-ok"), 0);
	cr_assert_eq(kvmmem_trace_writer_finish(&w, 9000000, 0), 0);
	kvmmem_trace_writer_free(&w);
	slurp(fd);

	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_eq(tf.nr_events, 1);
	cr_assert_eq(tf.nr_names, 2);
	cr_assert_eq(tf.names[0].pid, 1234);
	cr_assert_str_eq(tf.names[0].name, "l2");
	cr_assert_eq(tf.names[1].pid, 99);
	cr_assert_eq(strlen(tf.names[1].name), KVMMEM_TRACE_NAME_LEN - 1);
}

Test(trace_file, cost_chunk_round_trips_and_a_file_without_one_has_none)
{
	struct kvmmem_trace_writer w;
	struct kt_event e = test_event(1);
	size_t offs[4];
	int fd = start_writer(&w);

	cr_assert_eq(kvmmem_trace_writer_add(&w, &e), 0);
	cr_assert_eq(kvmmem_trace_writer_add(&w, &e), 0);
	cr_assert_eq(kvmmem_trace_writer_cost(&w, 123456, 42), 0);
	cr_assert_eq(w.n, 0, "the cost flushed the events before it");
	cr_assert_eq(kvmmem_trace_writer_finish(&w, 9000000, 0), 0);
	kvmmem_trace_writer_free(&w);
	slurp(fd);

	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_eq(tf.nr_events, 2);
	cr_assert_eq(tf.cost.run_ns, 123456);
	cr_assert_eq(tf.cost.runs, 42);
	cr_assert_eq(tf.cost.events, 2);

	/* a bad length is corrupt, not misread */
	cr_assert_eq(chunks(offs, 4), 3);
	put32(offs[1] + 8, 24);
	fix_chunk_crcs(offs[1]);
	cr_assert_eq(parse(), -EBADMSG);

	free(file);		/* make_file() slurps a new one */
	file = NULL;
	make_file(3, true);
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_eq(tf.cost.runs, 0, "no cost chunk: no cost");
}

Test(trace_file, unterminated_name_is_corrupt)
{
	struct kvmmem_trace_writer w;
	size_t offs[4];
	int fd = start_writer(&w);

	cr_assert_eq(kvmmem_trace_writer_name(&w, 1, "x"), 0);
	cr_assert_eq(kvmmem_trace_writer_finish(&w, 9000000, 0), 0);
	kvmmem_trace_writer_free(&w);
	slurp(fd);
	cr_assert_eq(chunks(offs, 4), 2);
	memset(file + offs[0] + CHUNK_HDR + 8, 'x', KVMMEM_TRACE_NAME_LEN);
	fix_chunk_crcs(offs[0]);
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "name not terminated"), "%s", tf.msg);
}

Test(trace_file, file_from_before_the_kvm_kinds_is_read)
{
	char nr[32];

	/* events of kinds 1 ... 14 only, as the writer of 15 kinds made */
	make_file(14, true);
	snprintf(nr, sizeof(nr), "nr_kinds=%u\n", (unsigned int)KT_NR_KINDS);
	edit_header(nr, "nr_kinds=15\n");
	edit_header("kind.15=", "xkind15=");
	edit_header("kind.16=", "xkind16=");
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_eq(tf.info.nr_kinds, 15);
	cr_assert_eq(tf.nr_events, 14);
}

Test(trace_file, event_of_a_kind_the_file_does_not_declare_is_refused)
{
	size_t offs[8];
	uint16_t kind = KT_KVM_HC_ENTER;
	char nr[32];

	make_file(14, true);
	snprintf(nr, sizeof(nr), "nr_kinds=%u\n", (unsigned int)KT_NR_KINDS);
	edit_header(nr, "nr_kinds=15\n");
	chunks(offs, 8);
	memcpy(file + offs[0] + CHUNK_HDR + 16, &kind, 2);
	fix_chunk_crcs(offs[0]);
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "unknown kind 15"), "%s", tf.msg);
	cr_assert(strstr(tf.msg, "newer kvmmem-trace"), "%s", tf.msg);
}

Test(trace_kinds, kvm_group_and_unknown_answers)
{
	uint32_t m;
	char b[32];

	cr_assert_eq(kvmmem_trace_parse_kinds("kvm,exit", &m), 0);
	cr_assert_eq(m, KVMMEM_TRACE_HOST_KINDS);
	cr_assert_eq(m & KVMMEM_TRACE_DEFAULT_KINDS, KT_KIND_BIT(KT_PROC_EXIT));
	cr_assert_str_eq(kvmmem_trace_result_name(KT_KVM_HC_EXIT, KT_RET_UNKNOWN, b),
			 "unknown");
	cr_assert_str_eq(kvmmem_trace_result_name(KT_KVM_HC_EXIT, -1000, b),
			 "KVM_ENOSYS");
	cr_assert_eq(KT_KVM_HC_ENTER, 15, "the event contract's numbers");
	cr_assert_eq(KT_KVM_HC_EXIT, 16);
}
