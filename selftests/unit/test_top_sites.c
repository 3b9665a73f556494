// SPDX-License-Identifier: GPL-2.0
/* top.h: kvmmem-top --stacks, the call sites view and its JSON. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kvmmem-top/top.h"

#define LEAK	"ioctl <- leak_chain_c <- leak_chain_b <- leak_chain_a"
#define HOLD	"ioctl <- hold_inner <- main"

static struct top_site *sites;
static size_t nr;

static void fini(void)
{
	free(sites);
	sites = NULL;
	nr = 0;
}

TestSuite(top_sites, .fini = fini);

Test(top_sites, most_pages_first_live_and_leaked_together)
{
	const struct top_stack_count c[] = {
		{ .pid = 10, .stack = 1, .live = 1, .frames = HOLD },
		{ .pid = 10, .stack = 2, .leaked = 2, .frames = LEAK },
		{ .pid = 11, .stack = 7, .live = 3, .frames = "ioctl <- other" },
	};

	cr_assert_eq(top_sites_build(c, 3, &sites, &nr), 0);
	cr_assert_eq(nr, 3);
	cr_assert_str_eq(sites[0].frames, "ioctl <- other");
	cr_assert_eq(sites[0].live, 3);
	cr_assert_str_eq(sites[1].frames, LEAK);
	cr_assert_eq(sites[1].leaked, 2);
	cr_assert_eq(sites[1].live, 0);
	cr_assert_str_eq(sites[2].frames, HOLD);
}

Test(top_sites, equal_totals_put_the_most_leaked_first_then_by_frames)
{
	const struct top_stack_count c[] = {
		{ .pid = 1, .stack = 1, .live = 2, .frames = "b" },
		{ .pid = 1, .stack = 2, .live = 1, .leaked = 1, .frames = "z" },
		{ .pid = 1, .stack = 3, .live = 2, .frames = "a" },
	};

	cr_assert_eq(top_sites_build(c, 3, &sites, &nr), 0);
	cr_assert_eq(nr, 3);
	cr_assert_str_eq(sites[0].frames, "z");
	cr_assert_str_eq(sites[1].frames, "a");
	cr_assert_str_eq(sites[2].frames, "b");
}

Test(top_sites, stacks_of_equal_frames_are_one_site_counting_each_process_once)
{
	const struct top_stack_count c[] = {
		{ .pid = 5, .stack = 1, .live = 1, .frames = LEAK },
		{ .pid = 6, .stack = 9, .leaked = 2, .frames = LEAK },
		{ .pid = 5, .stack = 4, .leaked = 1, .frames = LEAK },
	};

	cr_assert_eq(top_sites_build(c, 3, &sites, &nr), 0);
	cr_assert_eq(nr, 1);
	cr_assert_eq(sites[0].live, 1);
	cr_assert_eq(sites[0].leaked, 3);
	cr_assert_eq(sites[0].procs, 2);
}

Test(top_sites, stackless_pages_are_one_no_stack_site_and_empty_counts_none)
{
	const struct top_stack_count c[] = {
		{ .pid = 5, .stack = -1, .live = 1 },
		{ .pid = 6, .stack = 3, .leaked = 1 },	/* frames unknown */
		{ .pid = 7, .stack = 2, .frames = LEAK },	/* nothing held */
	};

	cr_assert_eq(top_sites_build(c, 3, &sites, &nr), 0);
	cr_assert_eq(nr, 1);
	cr_assert_str_eq(sites[0].frames, "(no stack)");
	cr_assert_eq(sites[0].live, 1);
	cr_assert_eq(sites[0].leaked, 1);
	cr_assert_eq(sites[0].procs, 2);
}

Test(top_sites, no_counts_no_sites)
{
	cr_assert_eq(top_sites_build(NULL, 0, &sites, &nr), 0);
	cr_assert_eq(nr, 0);
	cr_assert_null(sites);
}

Test(top_sites, a_site_lines_up_under_the_titles)
{
	struct top_site s = { .frames = LEAK, .live = 12, .leaked = 2,
			      .procs = 1 };
	char hdr[256], line[256];

	top_fmt_site_colhdr(hdr, sizeof(hdr));
	top_fmt_site(&s, line, sizeof(line));
	cr_assert_str_eq(hdr, "   LIVE  LEAKED PROCS  CALL SITE (MAP's user "
			 "stack, innermost first)");
	cr_assert_str_eq(line, "     12       2     1  " LEAK);
}

Test(top_sites, without_stacks_the_view_says_how_to_turn_them_on)
{
	struct top_frame f = { 0 };
	char line[256];

	top_fmt_sites_info(&f, line, sizeof(line));
	cr_assert_str_eq(line, "Call sites: stacks are off (run kvmmem-top "
			 "with --stacks)");
}

Test(top_sites, with_stacks_the_view_says_what_was_lost)
{
	struct top_frame f = { .have_stacks = true, .nr_sites = 2,
			       .stack_failed = 3, .stack_full = 1,
			       .stack_nomaps = 4 };
	char line[256];

	top_fmt_sites_info(&f, line, sizeof(line));
	cr_assert_str_eq(line, "Call sites holding the most live and leaked "
			 "pages: 2   lost: 3 stacks not taken, 1 leaks not "
			 "counted by site, 4 processes' maps unread");
}

static const struct top_desc desc = {
	.title = "kvmmem-top", .id_col = "PID", .name_col = "COMMAND",
	.id_key = "pid", .name_key = "comm", .rows_key = "processes",
	.nr_ops = 1, .op_names = { "map" },
};

static char *json_of(const struct top_frame *f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	cr_assert_not_null(out);
	cr_assert_eq(top_print_json(out, &desc, f, NULL, 0, 1, "tp_btf"), 0);
	fclose(out);
	return text;
}

Test(top_sites, json_frames_carry_the_sites_and_their_frames_in_order)
{
	struct top_sample s = { 0 };
	struct top_stack_count *c;
	struct top_frame f = { 0 };
	char *text;

	s.have_stacks = true;
	s.stack_failed = 1;
	c = top_sample_stack_add(&s, 42, 3);
	cr_assert_not_null(c);
	c->leaked = 2;
	c->frames = "ioctl <- leak_chain_c <- leak_chain_b";
	cr_assert_eq(top_sample_stack_add(&s, 42, 3), c, "one slot per pair");
	cr_assert_eq(top_frame_build(&desc, NULL, &s, 0, &f), 0);
	text = json_of(&f);
	cr_assert(strstr(text, "\"processes\":[],\"stacks\":{\"failed\":1,"
			 "\"table_full\":0,\"no_maps\":0},\"sites\":[{\"live\":0,"
			 "\"leaked\":2,\"processes\":1,\"site\":\"ioctl <- "
			 "leak_chain_c <- leak_chain_b\",\"frames\":[\"ioctl\","
			 "\"leak_chain_c\",\"leak_chain_b\"]}]}\n"), "%s", text);
	free(text);
	top_frame_free(&f);
	top_sample_free(&s);
}

Test(top_sites, json_without_stacks_has_no_sites)
{
	struct top_frame f = { 0 };
	char *text = json_of(&f);

	cr_assert_null(strstr(text, "sites"), "%s", text);
	cr_assert_null(strstr(text, "stacks"), "%s", text);
	free(text);
}

Test(top_sites, text_frames_end_with_the_sites_only_with_stacks)
{
	struct top_site site = { .frames = LEAK, .leaked = 2, .procs = 1 };
	struct top_frame f = { .have_stacks = true, .sites = &site,
			       .nr_sites = 1 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	cr_assert_not_null(out);
	cr_assert_eq(top_print_text(out, &desc, &f, NULL, 0, NULL, "x", NULL), 0);
	fclose(out);
	cr_assert(strstr(text, "\n\nCall sites holding the most live and leaked "
			 "pages: 1   lost: 0 stacks not taken, 0 leaks not "
			 "counted by site, 0 processes' maps unread\n"
			 "   LIVE  LEAKED PROCS  CALL SITE (MAP's user stack, "
			 "innermost first)\n"
			 "      0       2     1  " LEAK "\n\n") != NULL, "%s", text);
	free(text);
	f.have_stacks = false;
	out = open_memstream(&text, &len);
	cr_assert_eq(top_print_text(out, &desc, &f, NULL, 0, NULL, "x", NULL), 0);
	fclose(out);
	cr_assert_null(strstr(text, "Call sites"), "%s", text);
	free(text);
}
