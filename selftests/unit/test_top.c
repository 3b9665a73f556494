// SPDX-License-Identifier: GPL-2.0
/* top.h: kvmmem-top's rates, frames, percentiles, sorting and output. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kvmmem-top/top.h"

#define SEC	1000000000ULL

static const struct top_desc desc = {
	.title = "kvmmem-top",
	.id_col = "PID",
	.name_col = "COMMAND",
	.id_key = "pid",
	.name_key = "comm",
	.rows_key = "processes",
	.nr_ops = 2,
	.op_names = { "map", "MEM_MAP" },
	.row_ops = 1U << 1,	/* rows: MEM_MAP only */
};

static struct top_sample prev, cur;
static struct top_frame frame;

static void fini(void)
{
	top_sample_free(&prev);
	top_sample_free(&cur);
	top_frame_free(&frame);
}

static struct top_sample_row *row(struct top_sample *s, uint32_t id,
				  const char *name, uint64_t maps,
				  uint64_t unmaps, int64_t live)
{
	struct top_sample_row *r = top_sample_row_add(s, id);

	cr_assert_not_null(r);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->cnt[TOP_MAPS] = maps;
	r->cnt[TOP_UNMAPS] = unmaps;
	r->live = live;
	return r;
}

static const struct top_row *frame_row(uint32_t id)
{
	size_t i;

	for (i = 0; i < frame.n; i++)
		if (frame.rows[i].id == id)
			return &frame.rows[i];
	cr_assert_fail("no row %u", id);
	return NULL;
}

/* ---------------------------------------------------------------- rates */

Test(top_rate, counts_per_second_over_the_interval)
{
	cr_assert_float_eq(top_rate(100, 350, 2 * SEC), 125.0, 1e-9);
	cr_assert_float_eq(top_rate(0, 1, SEC / 4), 4.0, 1e-9);
	cr_assert_float_eq(top_rate(7, 7, SEC), 0.0, 1e-9);
}

Test(top_rate, zero_interval_is_a_rate_of_0)
{
	cr_assert_float_eq(top_rate(0, 1000, 0), 0.0, 1e-9);
}

Test(top_rate, a_counter_that_restarted_counts_from_0)
{
	cr_assert_float_eq(top_rate(500, 30, SEC), 30.0, 1e-9);
}

/* --------------------------------------------------------------- frames */

TestSuite(top_frame, .fini = fini);

Test(top_frame, rows_get_rates_from_the_previous_sample_of_the_same_id)
{
	prev.ts_ns = 10 * SEC;
	cur.ts_ns = 12 * SEC;
	row(&prev, 300, "b", 10, 4, 6);
	row(&prev, 200, "a", 100, 100, 0);
	row(&cur, 200, "a", 160, 120, 40);
	row(&cur, 300, "b", 10, 10, 0);

	cr_assert_eq(top_frame_build(&desc, &prev, &cur, 0, &frame), 0);
	cr_assert_eq(frame.interval_ns, 2 * SEC);
	cr_assert_eq(frame.n, 2);
	cr_assert_eq(frame.rows[0].id, 200, "rows keep the sample's order");
	cr_assert_float_eq(frame_row(200)->rate[TOP_MAPS], 30.0, 1e-9);
	cr_assert_float_eq(frame_row(200)->rate[TOP_UNMAPS], 10.0, 1e-9);
	cr_assert_eq(frame_row(200)->cnt[TOP_MAPS], 160);
	cr_assert_eq(frame_row(200)->live, 40);
	cr_assert_float_eq(frame_row(300)->rate[TOP_MAPS], 0.0, 1e-9);
	cr_assert_float_eq(frame_row(300)->rate[TOP_UNMAPS], 3.0, 1e-9);
}

Test(top_frame, a_new_row_counts_from_0)
{
	prev.ts_ns = 0;
	cur.ts_ns = SEC;
	row(&cur, 42, "new", 5, 0, 5);

	cr_assert_eq(top_frame_build(&desc, &prev, &cur, 0, &frame), 0);
	cr_assert_float_eq(frame_row(42)->rate[TOP_MAPS], 5.0, 1e-9);
}

Test(top_frame, without_a_previous_sample_rates_run_from_t0)
{
	cur.ts_ns = 5 * SEC;
	cur.cnt[TOP_ERRORS] = 8;
	row(&cur, 1, "x", 20, 0, 20);

	cr_assert_eq(top_frame_build(&desc, NULL, &cur, 1 * SEC, &frame), 0);
	cr_assert_eq(frame.interval_ns, 4 * SEC);
	cr_assert_float_eq(frame.rate[TOP_ERRORS], 2.0, 1e-9);
	cr_assert_float_eq(frame_row(1)->rate[TOP_MAPS], 5.0, 1e-9);
}

Test(top_frame, pinned_is_live_plus_leaked)
{
	struct top_sample_row *r;

	cur.ts_ns = SEC;
	r = row(&cur, 1, "x", 0, 0, 3);
	r->leaked = 2;
	cr_assert_eq(top_frame_build(&desc, NULL, &cur, 0, &frame), 0);
	cr_assert_eq(frame_row(1)->pinned, 5);
	cr_assert_eq(frame_row(1)->leaked, 2);
}

Test(top_frame, age_is_from_the_oldest_mapping_to_the_sample)
{
	struct top_sample_row *r;

	cur.ts_ns = 100 * SEC;
	r = row(&cur, 1, "x", 0, 0, 1);
	r->oldest_ns = 97 * SEC;
	r->oldest_partial = true;
	row(&cur, 2, "y", 0, 0, 0);
	cr_assert_eq(top_frame_build(&desc, NULL, &cur, 0, &frame), 0);
	cr_assert_eq(frame_row(1)->age_ns, 3 * SEC);
	cr_assert(frame_row(1)->age_partial);
	cr_assert_eq(frame_row(2)->age_ns, 0);
}

Test(top_frame, latency_is_the_interval_histogram_of_the_row_ops)
{
	struct top_sample_row *p, *c;

	prev.ts_ns = 0;
	cur.ts_ns = SEC;
	p = row(&prev, 1, "x", 0, 0, 0);
	c = row(&cur, 1, "x", 0, 0, 0);
	p->hist[1][20] = 50;	/* before the interval: not counted */
	c->hist[1][20] = 50;
	c->hist[1][10] = 1;	/* MEM_MAP: one call in [1024, 2048) */
	c->hist[0][15] = 7;	/* map: not a row op */

	cr_assert_eq(top_frame_build(&desc, &prev, &cur, 0, &frame), 0);
	cr_assert_eq(frame_row(1)->lat.timed, 1);
	cr_assert_eq(frame_row(1)->lat.p50_ns, 1536);
	cr_assert_eq(frame_row(1)->hist[1][20], 0);
	cr_assert_eq(frame.lat[0].timed, 7);
	cr_assert_eq(frame.lat[0].p50_ns, 3 << 14);	/* 4th of 7 in [2^15, 2^16) */
	cr_assert_eq(frame.lat[1].timed, 1);
}

Test(top_frame, system_latency_sums_the_rows_and_survives_a_dropped_row)
{
	struct top_sample_row *r;

	prev.ts_ns = 0;
	cur.ts_ns = SEC;
	r = row(&prev, 9, "gone", 0, 0, 0);
	r->hist[1][30] = 1000;	/* pruned by the source: no negative delta */
	r = row(&cur, 1, "a", 0, 0, 0);
	r->hist[1][12] = 3;
	r = row(&cur, 2, "b", 0, 0, 0);
	r->hist[1][12] = 1;

	cr_assert_eq(top_frame_build(&desc, &prev, &cur, 0, &frame), 0);
	cr_assert_eq(frame.hist[1][12], 4);
	cr_assert_eq(frame.hist[1][30], 0);
	cr_assert_eq(frame.lat[1].timed, 4);
}

Test(top_frame, calls_are_the_samples_difference_whatever_was_timed)
{
	struct top_sample_row *r;

	prev.ts_ns = 0;
	cur.ts_ns = SEC;
	prev.calls[1] = 100;
	cur.calls[1] = 160;	/* 60 calls, 2 of them timed */
	r = row(&cur, 1, "a", 0, 0, 0);
	r->hist[1][12] = 2;

	cr_assert_eq(top_frame_build(&desc, &prev, &cur, 0, &frame), 0);
	cr_assert_eq(frame.lat[1].calls, 60);
	cr_assert_eq(frame.lat[1].timed, 2);
	cr_assert_eq(frame.lat[0].calls, 0);
	cr_assert_eq(frame_row(1)->lat.calls, 0, "rows count timed calls only");
}

Test(top_frame, system_totals_come_from_the_samples)
{
	prev.ts_ns = 0;
	cur.ts_ns = 2 * SEC;
	prev.cnt[TOP_MAPS] = 10;
	cur.cnt[TOP_MAPS] = 30;
	cur.cnt[TOP_TEARDOWNS] = 4;
	cur.live = 7;
	cur.pinned = 9;
	cur.leaked = 2;
	cur.drops = 3;

	cr_assert_eq(top_frame_build(&desc, &prev, &cur, 0, &frame), 0);
	cr_assert_eq(frame.cnt[TOP_MAPS], 30);
	cr_assert_float_eq(frame.rate[TOP_MAPS], 10.0, 1e-9);
	cr_assert_float_eq(frame.rate[TOP_TEARDOWNS], 2.0, 1e-9);
	cr_assert_eq(frame.live, 7);
	cr_assert_eq(frame.pinned, 9);
	cr_assert_eq(frame.leaked, 2);
	cr_assert_eq(frame.drops, 3);
}

Test(top_sample, reset_keeps_the_memory_and_drops_the_rows)
{
	row(&cur, 1, "x", 1, 1, 1);
	cur.cnt[TOP_MAPS] = 5;
	top_sample_reset(&cur);
	cr_assert_eq(cur.n, 0);
	cr_assert_eq(cur.cnt[TOP_MAPS], 0);
	cr_assert_not_null(cur.rows);
	top_sample_free(&cur);
}

/* ------------------------------------------------------------ bpf cost */

Test(top_frame, bpf_cost_is_per_second_and_per_run_over_the_interval)
{
	prev.ts_ns = 0;
	cur.ts_ns = 2 * SEC;
	prev.bpf_stats = cur.bpf_stats = TOP_BPF_ON;
	prev.bpf_run_ns = 1000;
	prev.bpf_runs = 10;
	cur.bpf_run_ns = 9000;		/* 8000 ns in 2 s, 40 runs */
	cur.bpf_runs = 50;
	cr_assert_eq(top_frame_build(&desc, &prev, &cur, 0, &frame), 0);
	cr_assert_eq(frame.bpf_stats, TOP_BPF_ON);
	cr_assert_eq(frame.bpf_run_ns, 9000);
	cr_assert_eq(frame.bpf_runs, 50);
	cr_assert_float_eq(frame.bpf_ns_per_s, 4000.0, 1e-9);
	cr_assert_float_eq(frame.bpf_ns_per_run, 200.0, 1e-9);
}

Test(top_frame, bpf_cost_off_or_without_runs_has_no_figures)
{
	cur.ts_ns = SEC;
	cur.bpf_stats = TOP_BPF_OFF;
	cur.bpf_run_ns = 5;	/* left from before: not shown */
	cr_assert_eq(top_frame_build(&desc, NULL, &cur, 0, &frame), 0);
	cr_assert_eq(frame.bpf_stats, TOP_BPF_OFF);
	cr_assert_float_eq(frame.bpf_ns_per_s, 0.0, 1e-9);
	top_frame_free(&frame);
	cur.bpf_stats = TOP_BPF_ON;
	cur.bpf_run_ns = 0;
	cr_assert_eq(top_frame_build(&desc, NULL, &cur, 0, &frame), 0);
	cr_assert_float_eq(frame.bpf_ns_per_run, 0.0, 1e-9, "0 runs: 0, not NaN");
}

/* ------------------------------------------------------ sort and filter */

static struct top_row rows[4];

static void make_rows(void)
{
	memset(rows, 0, sizeof(rows));
	rows[0] = (struct top_row){ .id = 30, .name = "charlie", .live = 5,
		.pinned = 5, .rate = { 1, 9, 0, 0 }, .age_ns = 3 };
	rows[1] = (struct top_row){ .id = 10, .name = "alpha", .live = 1,
		.pinned = 8, .rate = { 7, 0, 1, 0 }, .age_ns = 9 };
	rows[2] = (struct top_row){ .id = 20, .name = "bravo", .live = 5,
		.pinned = 6, .rate = { 3, 0, 0, 2 }, .age_ns = 1 };
	rows[3] = (struct top_row){ .id = 40, .name = "delta", .live = 0,
		.pinned = 0, .rate = { 0, 0, 0, 5 } };
	rows[0].lat.p50_ns = 300; rows[0].lat.p99_ns = 100;
	rows[1].lat.p50_ns = 100; rows[1].lat.p99_ns = 900;
	rows[2].lat.p50_ns = 200; rows[2].lat.p99_ns = 500;
}

static void expect_order(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	cr_assert_eq(rows[0].id, a, "first %u, expected %u", rows[0].id, a);
	cr_assert_eq(rows[1].id, b, "second %u, expected %u", rows[1].id, b);
	cr_assert_eq(rows[2].id, c, "third %u, expected %u", rows[2].id, c);
	cr_assert_eq(rows[3].id, d, "fourth %u, expected %u", rows[3].id, d);
}

Test(top_sort, ids_and_names_ascend)
{
	make_rows();
	top_sort(rows, 4, TOP_COL_ID, false);
	expect_order(10, 20, 30, 40);
	top_sort(rows, 4, TOP_COL_NAME, false);
	expect_order(10, 20, 30, 40);
}

Test(top_sort, numbers_descend_and_ties_go_by_id)
{
	make_rows();
	top_sort(rows, 4, TOP_COL_LIVE, false);
	expect_order(20, 30, 10, 40);
	top_sort(rows, 4, TOP_COL_PINNED, false);
	expect_order(10, 20, 30, 40);
	top_sort(rows, 4, TOP_COL_MAP_S, false);
	expect_order(10, 20, 30, 40);
	top_sort(rows, 4, TOP_COL_P50, false);
	expect_order(30, 20, 10, 40);
	top_sort(rows, 4, TOP_COL_P99, false);
	expect_order(10, 20, 30, 40);
	top_sort(rows, 4, TOP_COL_AGE, false);
	expect_order(10, 30, 20, 40);
}

Test(top_sort, unmap_rate_counts_unmaps_and_teardowns)
{
	make_rows();	/* unmaps + teardowns: 9, 1, 0, 0 (ids 30, 10, 20, 40) */
	top_sort(rows, 4, TOP_COL_UNMAP_S, false);
	expect_order(30, 10, 20, 40);
	top_sort(rows, 4, TOP_COL_ERR_S, false);	/* 0, 0, 2, 5 */
	expect_order(40, 20, 10, 30);
}

Test(top_sort, reverse_is_the_exact_opposite)
{
	make_rows();
	top_sort(rows, 4, TOP_COL_LIVE, true);
	expect_order(40, 10, 30, 20);
}

Test(top_filter, keeps_only_the_id)
{
	make_rows();
	cr_assert_eq(top_filter(rows, 4, 20), 1);
	cr_assert_eq(rows[0].id, 20);
}

Test(top_filter, id_0_keeps_all_and_an_unknown_id_none)
{
	make_rows();
	cr_assert_eq(top_filter(rows, 4, 0), 4);
	cr_assert_eq(top_filter(rows, 4, 12345), 0);
}

Test(top_col, names_parse_to_columns_and_back)
{
	int c;

	for (c = 0; c < TOP_NR_COLS; c++)
		cr_assert_eq(top_col_parse(&desc, top_col_key(&desc, c)), c);
	cr_assert_eq(top_col_parse(&desc, "pid"), TOP_COL_ID);
	cr_assert_eq(top_col_parse(&desc, "comm"), TOP_COL_NAME);
	cr_assert_eq(top_col_parse(&desc, "p99"), TOP_COL_P99);
	cr_assert_eq(top_col_parse(&desc, "name"), TOP_COL_NAME,
		     "one key for the name column in every view");
	cr_assert_eq(top_col_parse(&desc, "vm"), TOP_COL_NAME);
	cr_assert_eq(top_col_parse(&desc, "PINNED"), -EINVAL);
	cr_assert_eq(top_col_parse(&desc, ""), -EINVAL);
}

/* ----------------------------------------------------------- formatting */

Test(top_fmt, column_titles_mark_the_sort_column)
{
	enum top_col sort = TOP_COL_PINNED;
	char buf[256];

	top_fmt_colhdr(&desc, &sort, buf, sizeof(buf));
	cr_assert_str_eq(buf, "    PID COMMAND             LIVE PINNED*     "
			 "MAP/s   UNMAP/s    ERR/s      P50      P99   OLDEST");
}

Test(top_fmt, a_row_lines_up_under_the_titles)
{
	struct top_row r = { .id = 1234, .name = "kvmmem-ctl", .live = 12,
		.pinned = 13, .rate = { 120.04, 100, 18, 0.25 },
		.age_ns = 3200000000ULL, .lat = { 0, 5, 12300, 45600 } };
	char buf[256], hdr[256];

	top_fmt_row(&r, buf, sizeof(buf));
	cr_assert_str_eq(buf, "   1234 kvmmem-ctl            12      13     "
			 "120.0     118.0      0.2   12.3us   45.6us    3.20s");
	top_fmt_colhdr(&desc, NULL, hdr, sizeof(hdr));
	cr_assert_eq(strlen(buf), strlen(hdr));
}

Test(top_fmt, no_call_and_no_mapping_print_dashes_and_a_bound_a_plus)
{
	struct top_row r = { .id = 7, .name = "idle" };
	char buf[256];

	top_fmt_row(&r, buf, sizeof(buf));
	cr_assert_str_eq(buf, "      7 idle                   0       0       "
			 "0.0       0.0      0.0        -        -        -");
	r.live = 1;
	r.age_ns = 61000000000ULL;
	r.age_partial = true;
	top_fmt_row(&r, buf, sizeof(buf));
	cr_assert(strstr(buf, " 61.0s+") != NULL, "%s", buf);
}

Test(top_fmt, a_long_name_is_cut_to_15_characters)
{
	struct top_row r = { .id = 1 };
	char buf[256];

	memcpy(r.name, "0123456789abcdefXYZ", TOP_NAME_LEN);
	top_fmt_row(&r, buf, sizeof(buf));
	cr_assert(strstr(buf, " 0123456789abcde  ") != NULL, "%s", buf);
}

Test(top_fmt, a_row_is_truncated_to_the_buffer)
{
	struct top_row r = { .id = 1, .name = "x" };
	char buf[10];

	top_fmt_row(&r, buf, sizeof(buf));
	cr_assert_str_eq(buf, "      1 x");
}

static void frame_for_text(void)
{
	frame.interval_ns = 2 * SEC;
	frame.live = 12;
	frame.pinned = 13;
	frame.leaked = 1;
	frame.drops = 0;
	frame.cnt[TOP_MAPS] = 103;
	frame.cnt[TOP_UNMAPS] = 91;
	frame.cnt[TOP_TEARDOWNS] = 10;
	frame.cnt[TOP_ERRORS] = 1;
	frame.rate[TOP_MAPS] = 51.5;
	frame.rate[TOP_UNMAPS] = 45;
	frame.rate[TOP_TEARDOWNS] = 5;
	frame.rate[TOP_ERRORS] = 0.5;
	frame.lat[1] = (struct top_lat){ 9, 3, 6340, 328000 };
}

Test(top_fmt, header_lines_in_order_then_none)
{
	char buf[256];

	frame_for_text();
	cr_assert(top_fmt_header(&desc, &frame, 0, "01:02:03", "attach tp_btf",
				 buf, sizeof(buf)));
	cr_assert_str_eq(buf, "kvmmem-top - 01:02:03  interval 2.00s  attach tp_btf");
	cr_assert(top_fmt_header(&desc, &frame, 1, NULL, NULL, buf, sizeof(buf)));
	cr_assert_str_eq(buf, "Mappings: 12 live, 13 pinned, 1 leaked   drops: 0");
	cr_assert(top_fmt_header(&desc, &frame, 2, NULL, NULL, buf, sizeof(buf)));
	cr_assert_str_eq(buf, "Ops/s: 51.5 map, 50.0 unmap, 0.5 errors   total: "
			 "103 maps, 91 unmaps, 10 teardowns, 1 errors");
	cr_assert(top_fmt_header(&desc, &frame, 3, NULL, NULL, buf, sizeof(buf)));
	cr_assert_str_eq(buf, "Latency p50/p99: map -/- MEM_MAP 6.34us/328us");
	cr_assert_not(top_fmt_header(&desc, &frame, 4, NULL, NULL, buf, sizeof(buf)));
}

Test(top_fmt, header_says_the_bpf_cost_or_that_it_is_not_counted)
{
	char buf[256];

	frame_for_text();
	frame.bpf_stats = TOP_BPF_ON;
	frame.bpf_ns_per_s = 12345.0;
	frame.bpf_ns_per_run = 410.4;
	cr_assert(top_fmt_header(&desc, &frame, 1, NULL, NULL, buf, sizeof(buf)));
	cr_assert_str_eq(buf, "Mappings: 12 live, 13 pinned, 1 leaked   drops: 0"
			 "   bpf: 12.3 us/s, 410 ns/run");
	frame.bpf_stats = TOP_BPF_OFF;
	cr_assert(top_fmt_header(&desc, &frame, 1, NULL, NULL, buf, sizeof(buf)));
	cr_assert_str_eq(buf, "Mappings: 12 live, 13 pinned, 1 leaked   drops: 0"
			 "   bpf: cost not counted (kernel.bpf_stats_enabled=0)");
}

/* A frame of @d's with @n rows @r, as JSON or as text. */
static char *capture(const struct top_desc *d, const struct top_row *r,
		     size_t n, bool json)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	cr_assert_not_null(f);
	if (json)
		cr_assert_eq(top_print_json(f, d, &frame, r, n, 3, "raw_tp"), 0);
	else
		cr_assert_eq(top_print_text(f, d, &frame, r, n, NULL, "x", NULL), 0);
	fclose(f);
	return text;
}

Test(top_json, one_object_on_one_line_with_totals_latency_and_rows)
{
	struct top_row r = { .id = 77, .name = "a\"b", .live = 2, .pinned = 3,
		.leaked = 1, .cnt = { 5, 3, 0, 1 }, .rate = { 2.5, 1.5, 0, 0.5 },
		.age_ns = 1000, .lat = { 0, 4, 1536, 3072 } };
	char *text;

	frame_for_text();
	frame.ts_ns = 99;
	text = capture(&desc, &r, 1, true);
	cr_assert_str_eq(text,
		"{\"seq\":3,\"ts_ns\":99,\"interval_s\":2.000000,\"attach\":\"raw_tp\","
		"\"totals\":{\"live\":12,\"pinned\":13,\"leaked\":1,\"drops\":0,"
		"\"maps\":103,\"unmaps\":91,\"teardowns\":10,\"errors\":1,"
		"\"map_s\":51.500,\"unmap_s\":50.000,\"errors_s\":0.500},"
		"\"latency\":{\"map\":{\"calls\":0,\"timed\":0,\"p50_ns\":0,"
		"\"p99_ns\":0},\"MEM_MAP\":{\"calls\":9,\"timed\":3,"
		"\"p50_ns\":6340,\"p99_ns\":328000}},"
		"\"processes\":[{\"pid\":77,\"comm\":\"a\\\"b\",\"live\":2,"
		"\"pinned\":3,\"leaked\":1,\"maps\":5,\"unmaps\":3,\"teardowns\":0,"
		"\"errors\":1,\"map_s\":2.500,\"unmap_s\":1.500,\"errors_s\":0.500,"
		"\"timed\":4,\"p50_ns\":1536,\"p99_ns\":3072,"
		"\"oldest_age_ns\":1000,\"oldest_partial\":false}]}\n");
	free(text);
}

Test(top_json, the_bpf_cost_is_an_object_with_stats_false_when_off)
{
	char *text;

	frame_for_text();
	frame.bpf_stats = TOP_BPF_ON;
	frame.bpf_run_ns = 7000;
	frame.bpf_runs = 20;
	frame.bpf_ns_per_s = 1750.0;
	frame.bpf_ns_per_run = 350.0;
	text = capture(&desc, NULL, 0, true);
	cr_assert_not_null(strstr(text, ",\"bpf\":{\"stats\":true,\"run_ns\":7000,"
				  "\"runs\":20,\"ns_per_s\":1750.0,"
				  "\"ns_per_run\":350.0},\"latency\":"), "%s", text);
	free(text);
	frame.bpf_stats = TOP_BPF_OFF;
	text = capture(&desc, NULL, 0, true);
	cr_assert_not_null(strstr(text, ",\"bpf\":{\"stats\":false},\"latency\":"),
			   "%s", text);
	free(text);
}

Test(top_json, a_frame_with_its_wall_clock_time_says_it)
{
	char *text;

	frame_for_text();
	frame.ts_ns = 99;
	frame.real_ns = 1700000000123456789ULL;	/* 2023-11-14T22:13:20.123Z */
	text = capture(&desc, NULL, 0, true);
	cr_assert(!strncmp(text, "{\"seq\":3,\"ts_ns\":99,\"real_ns\":"
			   "1700000000123456789,\"time\":\"2023-11-14T22:13:20.123Z\","
			   "\"interval_s\":", 80), "%s", text);
	free(text);
	frame.real_ns = 0;
}

static char *capture_csv(const struct top_row *r, size_t n, unsigned int seq)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	cr_assert_not_null(f);
	cr_assert_eq(top_print_csv(f, &desc, &frame, r, n, seq), 0);
	fclose(f);
	return text;
}

Test(top_csv, the_first_frame_has_the_header_then_a_line_per_row)
{
	struct top_row r[2] = {
		{ .id = 77, .name = "kvmmem-ctl", .live = 2, .pinned = 3,
		  .leaked = 1, .cnt = { 5, 3, 0, 1 }, .rate = { 2.5, 1.5, 0, 0.5 },
		  .age_ns = 1000, .lat = { 0, 4, 1536, 3072 } },
		{ .id = 78, .name = "a, \"b\"" },
	};
	char *text;

	frame_for_text();
	frame.real_ns = 1700000000123456789ULL;
	text = capture_csv(r, 2, 1);
	cr_assert_str_eq(text,
		"time,seq,pid,comm,live,pinned,leaked,maps,unmaps,teardowns,"
		"errors,map_s,unmap_s,errors_s,timed,p50_ns,p99_ns,oldest_age_ns\n"
		"2023-11-14T22:13:20.123Z,1,77,kvmmem-ctl,2,3,1,5,3,0,1,2.500,"
		"1.500,0.500,4,1536,3072,1000\n"
		"2023-11-14T22:13:20.123Z,1,78,\"a, \"\"b\"\"\",0,0,0,0,0,0,0,"
		"0.000,0.000,0.000,0,0,0,0\n");
	free(text);
	text = capture_csv(r, 1, 2);
	cr_assert(!strncmp(text, "2023-11-14T22:13:20.123Z,2,77,", 30),
		  "no header after the first frame: %s", text);
	free(text);
	frame.real_ns = 0;
}

Test(top_json, no_rows_is_an_empty_array)
{
	char *text;

	frame_for_text();
	text = capture(&desc, NULL, 0, true);
	cr_assert(strstr(text, "\"processes\":[]}\n") != NULL, "%s", text);
	free(text);
}

Test(top_text, a_frame_is_header_blank_titles_rows_blank)
{
	struct top_row r[2] = {
		{ .id = 1, .name = "one" }, { .id = 2, .name = "two" },
	};
	char *text, *line, *save = NULL;
	int nl = 0, lines = 0;

	frame_for_text();
	text = capture(&desc, r, 2, false);
	for (line = text; *line; line++)
		nl += *line == '\n';
	cr_assert_eq(nl, 4 + 1 + 1 + 2 + 1);
	cr_assert(strstr(text, "\n\n    PID COMMAND") != NULL);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		lines++;
	cr_assert_eq(lines, 4 + 1 + 2);
	free(text);
}

/* ------------------------------------------------------- answers by value */

static const char *rname(int64_t ret, char buf[32])
{
	if (!ret)
		return "ok";
	snprintf(buf, 32, "E%lld", (long long)-ret);
	return buf;
}

static const struct top_desc rdesc = {
	.title = "kvmmem-top --host", .id_col = "PID", .name_col = "VM",
	.id_key = "pid", .name_key = "vm", .rows_key = "vms", .nr_ops = 2,
	.op_names = { "MEM_MAP", "MEM_UNMAP" }, .row_ops = 3,
	.result_name = rname,
};

Test(top_results, most_frequent_first_ties_by_value_rest_in_other)
{
	const struct top_result all[] = {
		{ -1, 5 }, { 0, 9 }, { -7, 0 }, { -2, 5 }, { -3, 1 }, { -9, 2 },
		{ -4, 1 },
	};
	struct top_results res;

	top_results_set(&res, all, sizeof(all) / sizeof(all[0]));
	cr_assert_eq(res.r[0].ret, 0);
	cr_assert_eq(res.r[0].count, 9);
	cr_assert_eq(res.r[1].ret, -2, "5 calls each: the lower value first");
	cr_assert_eq(res.r[2].ret, -1);
	cr_assert_eq(res.r[3].ret, -9);
	cr_assert_eq(res.r[3].count, 2);
	cr_assert_eq(res.other, 2, "-3 and -4, once each; -7 had no call");
}

Test(top_results, fewer_answers_than_entries_leave_the_rest_unused)
{
	const struct top_result all[] = { { -1000, 3 } };
	struct top_results res;

	memset(&res, 0xff, sizeof(res));
	top_results_set(&res, all, 1);
	cr_assert_eq(res.r[0].ret, -1000);
	cr_assert_eq(res.r[0].count, 3);
	cr_assert_eq(res.r[1].count, 0);
	cr_assert_eq(res.other, 0);
	top_results_set(&res, NULL, 0);
	cr_assert_eq(res.r[0].count, 0);
}

Test(top_results, frames_carry_the_samples_answers)
{
	struct top_sample_row *c = row(&cur, 5, "vm", 3, 0, 0);

	c->results[0].r[0] = (struct top_result){ -1000, 3 };
	cur.ts_ns = 2 * SEC;
	cr_assert_eq(top_frame_build(&rdesc, NULL, &cur, SEC, &frame), 0);
	cr_assert_eq(frame_row(5)->results[0].r[0].ret, -1000);
	cr_assert_eq(frame_row(5)->results[0].r[0].count, 3, "cumulative");
}

Test(top_results, a_line_per_row_names_each_answer_of_each_op)
{
	struct top_row r = { .id = 42, .name = "l2" };
	char buf[256];

	r.results[0].r[0] = (struct top_result){ -1000, 7 };
	r.results[0].r[1] = (struct top_result){ 0, 2 };
	r.results[0].other = 1;
	r.results[1].r[0] = (struct top_result){ 0, 2 };
	cr_assert(top_fmt_results(&rdesc, &r, buf, sizeof(buf)));
	cr_assert_str_eq(buf, "     42 l2               "
			 "MEM_MAP: E1000 7, ok 2, other 1  MEM_UNMAP: ok 2");
	memset(r.results, 0, sizeof(r.results));
	cr_assert(top_fmt_results(&rdesc, &r, buf, sizeof(buf)));
	cr_assert_str_eq(buf, "     42 l2               -", "no call yet");
	cr_assert_not(top_fmt_results(&desc, &r, buf, sizeof(buf)),
		      "a source without answers");
	cr_assert_str_eq(buf, "");
}

Test(top_results, json_rows_have_results_only_for_a_source_with_answers)
{
	struct top_row r = { .id = 42, .name = "l2" };
	char *text;

	r.results[0].r[0] = (struct top_result){ -1000, 7 };
	r.results[0].other = 1;
	frame_for_text();
	text = capture(&rdesc, &r, 1, true);
	cr_assert(strstr(text, ",\"results\":{\"MEM_MAP\":{\"E1000\":7,"
			 "\"other\":1},\"MEM_UNMAP\":{}}}]}\n") != NULL, "%s", text);
	free(text);
	text = capture(&desc, &r, 1, true);
	cr_assert_null(strstr(text, "results"), "%s", text);
	free(text);
}

Test(top_results, text_frames_end_with_the_answers_of_each_row)
{
	struct top_row r = { .id = 42, .name = "l2" };
	char *text;

	r.results[0].r[0] = (struct top_result){ -1000, 7 };
	frame_for_text();
	text = capture(&rdesc, &r, 1, false);
	cr_assert(strstr(text, "\n\n    PID VM               ANSWERS (since start)\n"
			 "     42 l2               MEM_MAP: E1000 7\n\n") != NULL,
		  "%s", text);
	free(text);
	text = capture(&desc, &r, 1, false);
	cr_assert_null(strstr(text, "ANSWERS"), "%s", text);
	free(text);
}
