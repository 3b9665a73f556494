// SPDX-License-Identifier: GPL-2.0
/*
 * record --stacks in the recording: the maps, stack, stack refs and
 * stack lost chunks through the writer and the reader, recordings made
 * before them, corrupt and damaged ones, and the grouping of mappings
 * by call site (trace/stacks.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "trace/format.h"
#include "trace/kinds.h"
#include "trace/reader.h"
#include "trace/stacks.h"
#include "trace/writer.h"

#ifndef KVMMEM_SOURCE_DIR
#error "KVMMEM_SOURCE_DIR: the checkout, for the corpus"
#endif
#define CORPUS KVMMEM_SOURCE_DIR "/selftests/fuzz/corpus/trace/"

#define CHUNK_HDR	24

static struct kvmmem_trace_file tf;
static struct kvmmem_trace_sites sites;
static unsigned char *file;
static size_t file_len;

static void cleanup(void)
{
	kvmmem_trace_sites_free(&sites);
	kvmmem_trace_file_free(&tf);
	free(file);
	file = NULL;
}

TestSuite(trace_stacks, .fini = cleanup);

static const char maps_text[] =
	"55d000000000-55d000001000 r--p 00000000 08:01 42 /usr/bin/prog\n"
	"55d000001000-55d000002000 r-xp 00001000 08:01 42 /usr/bin/prog\n";

static const uint64_t user_a[] = { 0x55d000001100, 0x55d000001200, 0x55d000001300 };
static const uint64_t user_b[] = { 0x55d000001400, 0x55d000001300 };
static const uint64_t kern[] = { 0xffffffff81000010ULL, 0xffffffff81000020ULL };

static struct kvmmem_trace_stack_ref ref(uint64_t id, uint32_t pid,
					 uint32_t stack, uint32_t why)
{
	return (struct kvmmem_trace_stack_ref){ .id = id, .pid = pid,
						.stack = stack, .why = why };
}

/*
 * A --stacks recording: 5 events, a maps chunk, stacks 1 (A) and 2 (B)
 * of pid 100 and 3 (A again, of pid 200), refs, lost counts, the end.
 */
static void make_file(void)
{
	struct kvmmem_trace_info in = {
		.start_mono_ns = 1000, .kinds = KVMMEM_TRACE_DEFAULT_KINDS,
		.stacks = 1,
	};
	struct kvmmem_trace_stack_lost_payload lost = { 1, 2, 3, 4 };
	struct kvmmem_trace_stack_ref refs[] = {
		ref(10, 100, 1, KVMMEM_TRACE_STACK_LEAKED),
		ref(11, 100, 1, KVMMEM_TRACE_STACK_LEAKED),
		ref(12, 100, 2, KVMMEM_TRACE_STACK_TEARDOWN),
		ref(13, 200, 3, KVMMEM_TRACE_STACK_TEARDOWN),
		ref(14, 100, 0, KVMMEM_TRACE_STACK_LIVE),
		ref(15, 100, 2, KVMMEM_TRACE_STACK_LIVE),
	};
	struct kvmmem_trace_writer w;
	struct kt_event e = { .kind = KT_MAP_END, .pid = 100, .tgid = 100 };
	FILE *tmp = tmpfile();
	off_t len;
	int fd, i;

	cr_assert_not_null(tmp);
	fd = dup(fileno(tmp));
	fclose(tmp);
	strcpy(in.clock, "CLOCK_MONOTONIC");
	cr_assert_eq(kvmmem_trace_writer_init(&w, fd, &in), 0);
	for (i = 0; i < 5; i++) {
		e.ts = 2000 + (uint64_t)i;
		e.id = 10 + (uint64_t)i;
		cr_assert_eq(kvmmem_trace_writer_add(&w, &e), 0);
	}
	cr_assert_eq(kvmmem_trace_writer_maps(&w, 100, 2100, maps_text,
					      strlen(maps_text)), 0);
	cr_assert_eq(kvmmem_trace_writer_stack(&w, 1, 100, user_a, 3, kern, 2), 0);
	cr_assert_eq(kvmmem_trace_writer_stack(&w, 2, 100, user_b, 2, NULL, 0), 0);
	cr_assert_eq(kvmmem_trace_writer_stack(&w, 3, 200, user_a, 3, kern, 2), 0);
	cr_assert_eq(kvmmem_trace_writer_stack_refs(&w, refs, 4), 0);
	cr_assert_eq(kvmmem_trace_writer_stack_refs(&w, refs + 4, 2), 0);
	cr_assert_eq(kvmmem_trace_writer_stack_lost(&w, &lost), 0);
	cr_assert_eq(kvmmem_trace_writer_finish(&w, 9000, 0), 0);
	kvmmem_trace_writer_free(&w);
	len = lseek(fd, 0, SEEK_END);
	cr_assert_gt(len, 0);
	file_len = (size_t)len;
	file = malloc(file_len);
	cr_assert_not_null(file);
	cr_assert_eq(pread(fd, file, file_len, 0), (ssize_t)file_len);
	close(fd);
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

/* The offset of the @nth chunk of type @type. */
static size_t chunk_of(uint32_t type, int nth)
{
	size_t off = get32(12);

	while (off + CHUNK_HDR <= file_len) {
		if (get32(off + 4) == type && !nth--)
			return off;
		off += CHUNK_HDR + get32(off + 8);
	}
	cr_assert_fail("no chunk of type %u", type);
	return 0;
}

static void fix_crcs(size_t off)
{
	put32(off + 16, kvmmem_crc32(0, file + off + CHUNK_HDR, get32(off + 8)));
	put32(off + 20, kvmmem_crc32(0, file + off, 20));
}

static int parse(void)
{
	kvmmem_trace_file_free(&tf);
	return kvmmem_trace_parse(file, file_len, &tf);
}

Test(trace_stacks, chunks_round_trip)
{
	const struct kvmmem_trace_stack *st;

	make_file();
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_eq(tf.info.stacks, 1);
	cr_assert_eq(tf.info.version, 2);
	cr_assert_eq(tf.nr_events, 5);
	cr_assert_eq(tf.nr_procmaps, 1);
	cr_assert_eq(tf.procmaps[0].pid, 100);
	cr_assert_eq(tf.procmaps[0].ts, 2100);
	cr_assert_str_eq(tf.procmaps[0].text, maps_text);
	cr_assert_eq(tf.nr_stacks, 3);
	st = kvmmem_trace_file_stack(&tf, 1);
	cr_assert_not_null(st);
	cr_assert_eq(st->pid, 100);
	cr_assert_eq(st->nr_user, 3);
	cr_assert_eq(st->nr_kernel, 2);
	cr_assert_eq(memcmp(st->ips, user_a, sizeof(user_a)), 0);
	cr_assert_eq(memcmp(st->ips + 3, kern, sizeof(kern)), 0);
	cr_assert_eq(st->maps, 0);
	st = kvmmem_trace_file_stack(&tf, 2);
	cr_assert_eq(st->nr_user, 2);
	cr_assert_eq(st->nr_kernel, 0);
	/* pid 200's map was never read */
	cr_assert_eq(kvmmem_trace_file_stack(&tf, 3)->maps, SIZE_MAX);
	cr_assert_null(kvmmem_trace_file_stack(&tf, 4));
	cr_assert_null(kvmmem_trace_file_stack(&tf, 0));
	cr_assert_eq(tf.nr_refs, 6);
	cr_assert_eq(tf.refs[2].id, 12);
	cr_assert_eq(tf.refs[2].stack, 2);
	cr_assert_eq(tf.refs[2].why, KVMMEM_TRACE_STACK_TEARDOWN);
	cr_assert_eq(tf.stack_lost.stacks, 1);
	cr_assert_eq(tf.stack_lost.table, 2);
	cr_assert_eq(tf.stack_lost.refs, 3);
	cr_assert_eq(tf.stack_lost.maps, 4);
}

Test(trace_stacks, recording_with_stacks_is_version_2)
{
	make_file();
	cr_assert_eq(get32(8), 2);
	cr_assert_not_null(memmem(file, get32(12), "\nstacks=1\n", 10));
}

Test(trace_stacks, version_1_recording_with_stack_chunks_keeps_them)
{
	/*
	 * kvmmem-trace 0.1.0 at 3c61a11 wrote record --stacks' chunks in
	 * version 1 files: read them, stacks and all.
	 */
	make_file();
	put32(8, 1);
	put32(get32(12) - 4, kvmmem_crc32(0, file, get32(12) - 4));
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_eq(tf.info.version, 1);
	cr_assert_eq(tf.info.stacks, 1);
	cr_assert_eq(tf.nr_stacks, 3);
	cr_assert_eq(tf.nr_refs, 6);
	cr_assert_eq(tf.stack_lost.maps, 4);
}

Test(trace_stacks, version_2_recording_of_the_corpus_is_read)
{
	/* trace_stacks under record --stacks, from the trace lane */
	size_t i, leaked = 0, torn = 0;

	cr_assert_eq(kvmmem_trace_load(CORPUS "complete-stacks-v2.ktr", &tf),
		     0, "%s", tf.msg);
	cr_assert_eq(tf.info.version, 2);
	cr_assert_eq(tf.info.stacks, 1);
	cr_assert_eq(tf.nr_stacks, 2);
	cr_assert_eq(tf.nr_procmaps, 1);
	cr_assert_eq(kvmmem_trace_sites_build(&sites, &tf, NULL), 0);
	cr_assert_eq(sites.nr_sites, 2);
	for (i = 0; i < sites.nr_sites; i++) {
		leaked += sites.sites[i].count[KVMMEM_TRACE_STACK_LEAKED];
		torn += sites.sites[i].count[KVMMEM_TRACE_STACK_TEARDOWN];
	}
	cr_assert_eq(leaked, 2);
	cr_assert_eq(torn, 3);
	kvmmem_trace_sites_free(&sites);
}

Test(trace_stacks, recording_from_before_stacks_is_read)
{
	/* version 1 recordings of the corpus, made before --stacks */
	static const char *const old[] = {
		CORPUS "complete-small.ktr", CORPUS "complete-leak-raw-tp.ktr",
		CORPUS "complete-kill.ktr",
	};
	size_t i;

	for (i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		kvmmem_trace_file_free(&tf);
		cr_assert_eq(kvmmem_trace_load(old[i], &tf), 0, "%s: %s", old[i],
			     tf.msg);
		cr_assert_eq(tf.info.version, 1);
		cr_assert_gt(tf.nr_events, 0, "%s", old[i]);
		cr_assert_eq(tf.info.stacks, 0);
		cr_assert_eq(tf.nr_procmaps + tf.nr_stacks + tf.nr_refs, 0);
		cr_assert_eq(kvmmem_trace_sites_build(&sites, &tf, NULL), 0);
		cr_assert_eq(sites.nr_sites, 0);
		kvmmem_trace_sites_free(&sites);
	}
}

Test(trace_stacks, stack_with_a_wrong_frame_count_is_corrupt)
{
	size_t off;

	make_file();
	off = chunk_of(KVMMEM_TRACE_CHUNK_STACK, 1);
	file[off + CHUNK_HDR + 8] = 3;	/* nr_user 2 -> 3, length unchanged */
	fix_crcs(off);
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "bad stack length"), "%s", tf.msg);
}

Test(trace_stacks, stack_ids_must_ascend)
{
	size_t off;

	make_file();
	off = chunk_of(KVMMEM_TRACE_CHUNK_STACK, 2);
	put32(off + CHUNK_HDR, 1);	/* stack 3 -> 1 */
	fix_crcs(off);
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "not above"), "%s", tf.msg);
}

Test(trace_stacks, reference_with_an_unknown_reason_is_corrupt)
{
	size_t off;

	make_file();
	off = chunk_of(KVMMEM_TRACE_CHUNK_STACK_REFS, 0);
	put32(off + CHUNK_HDR + 16, 7);	/* the first ref's why */
	fix_crcs(off);
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "unknown reason 7"), "%s", tf.msg);
}

Test(trace_stacks, refs_count_not_matching_length_is_corrupt)
{
	size_t off;

	make_file();
	off = chunk_of(KVMMEM_TRACE_CHUNK_STACK_REFS, 0);
	put32(off + 12, 3);
	fix_crcs(off);
	cr_assert_eq(parse(), -EBADMSG);
	cr_assert(strstr(tf.msg, "3 stack references in 96 bytes"), "%s", tf.msg);
}

Test(trace_stacks, maps_with_a_nul_is_corrupt)
{
	size_t off;

	make_file();
	off = chunk_of(KVMMEM_TRACE_CHUNK_MAPS, 0);
	file[off + CHUNK_HDR + 16 + 5] = '\0';
	fix_crcs(off);
	cr_assert_eq(parse(), -EBADMSG);
}

Test(trace_stacks, damaged_stack_costs_only_itself)
{
	size_t off;

	make_file();
	off = chunk_of(KVMMEM_TRACE_CHUNK_STACK, 0);
	file[off + CHUNK_HDR + 20] ^= 1;	/* a frame: payload CRC wrong */
	cr_assert_eq(parse(), KVMMEM_TRACE_INCOMPLETE);
	cr_assert_eq(tf.nr_damage, 1);
	cr_assert_eq(tf.nr_stacks, 2);
	cr_assert_null(kvmmem_trace_file_stack(&tf, 1));
	cr_assert_eq(tf.nr_refs, 6);
	cr_assert_eq(tf.nr_events, 5);
	/* its mappings go to the site of the unknown stack */
	cr_assert_eq(kvmmem_trace_sites_build(&sites, &tf, NULL), 0);
	cr_assert_eq(sites.sites[0].stack, 0);
	cr_assert_eq(sites.sites[0].total, 3);
}

Test(trace_stacks, sites_by_stack_id)
{
	make_file();
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	cr_assert_eq(kvmmem_trace_sites_build(&sites, &tf, NULL), 0);
	/* 1: 10, 11 leaked; 2: 12 teardown, 15 live; 3: 13; 0: 14 */
	cr_assert_eq(sites.nr_sites, 4);
	cr_assert_eq(sites.sites[0].stack, 1);	/* 2 mappings, both leaked */
	cr_assert_eq(sites.sites[0].count[KVMMEM_TRACE_STACK_LEAKED], 2);
	cr_assert_eq(sites.sites[1].stack, 2);
	cr_assert_eq(sites.sites[1].count[KVMMEM_TRACE_STACK_TEARDOWN], 1);
	cr_assert_eq(sites.sites[1].count[KVMMEM_TRACE_STACK_LIVE], 1);
	cr_assert_eq(sites.sites[2].stack, 3);
	cr_assert_eq(sites.sites[3].stack, 0);
	cr_assert_eq(sites.sites[3].first_id, 14);
	cr_assert_eq(sites.nr_refs, 6);
	cr_assert_eq(kvmmem_trace_sites_find(&sites, 13)->site, 2);
	cr_assert_eq(kvmmem_trace_sites_find(&sites, 15)->site, 1);
	cr_assert_eq(kvmmem_trace_sites_find(&sites, 15)->why,
		     KVMMEM_TRACE_STACK_LIVE);
	cr_assert_null(kvmmem_trace_sites_find(&sites, 16));
}

Test(trace_stacks, equal_keys_are_one_site_and_a_mapping_counts_once)
{
	/* stacks 1 and 3 are the same code in two processes */
	const char *const keys[] = { "main<a", "main<b", "main<a" };
	struct kvmmem_trace_stack_ref again = ref(12, 100, 1,
						  KVMMEM_TRACE_STACK_LIVE);

	make_file();
	cr_assert_eq(parse(), 0, "%s", tf.msg);
	/* mapping 12 referenced twice (the end's walk and a teardown) */
	tf.refs = realloc(tf.refs, (tf.nr_refs + 1) * sizeof(*tf.refs));
	cr_assert_not_null(tf.refs);
	tf.refs[tf.nr_refs++] = again;
	cr_assert_eq(kvmmem_trace_sites_build(&sites, &tf, keys), 0);
	cr_assert_eq(sites.nr_sites, 3);
	cr_assert_str_eq(sites.sites[0].key, "main<a");
	cr_assert_eq(sites.sites[0].total, 3);	/* 10, 11 leaked; 13 */
	cr_assert_eq(sites.sites[0].count[KVMMEM_TRACE_STACK_LEAKED], 2);
	cr_assert_eq(sites.sites[0].count[KVMMEM_TRACE_STACK_TEARDOWN], 1);
	cr_assert_str_eq(sites.sites[1].key, "main<b");
	cr_assert_eq(sites.sites[1].total, 2);	/* 12 once, as teardown */
	cr_assert_eq(sites.sites[1].count[KVMMEM_TRACE_STACK_TEARDOWN], 1);
	cr_assert_null(sites.sites[2].key);
	cr_assert_eq(sites.nr_refs, 6);
	cr_assert_eq(kvmmem_trace_sites_find(&sites, 12)->why,
		     KVMMEM_TRACE_STACK_TEARDOWN);
}

Test(trace_stacks, why_names)
{
	cr_assert_str_eq(kvmmem_trace_stack_why_name(KVMMEM_TRACE_STACK_LEAKED), "leaked");
	cr_assert_str_eq(kvmmem_trace_stack_why_name(KVMMEM_TRACE_STACK_TEARDOWN), "teardown");
	cr_assert_str_eq(kvmmem_trace_stack_why_name(KVMMEM_TRACE_STACK_LIVE), "live");
	cr_assert_str_eq(kvmmem_trace_stack_why_name(0), "?");
}
