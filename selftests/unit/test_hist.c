// SPDX-License-Identifier: GPL-2.0
/* hist.h: log2 slots, print_log2_hist, percentiles, formatting. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "common/hist.h"
#include "common/timefmt.h"

Test(hist, log2_slot_is_floor_log2_with_0_and_1_in_slot_0)
{
	cr_assert_eq(kvmmem_log2_slot(0), 0);
	cr_assert_eq(kvmmem_log2_slot(1), 0);
	cr_assert_eq(kvmmem_log2_slot(2), 1);
	cr_assert_eq(kvmmem_log2_slot(3), 1);
	cr_assert_eq(kvmmem_log2_slot(4), 2);
	cr_assert_eq(kvmmem_log2_slot(1023), 9);
	cr_assert_eq(kvmmem_log2_slot(1024), 10);
	cr_assert_eq(kvmmem_log2_slot(UINT64_MAX), 63);
}

/* Run kvmmem_print_log2_hist into a string. */
static char *hist_text(const uint64_t *vals, unsigned int nr, const char *type)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	cr_assert_not_null(f);
	cr_assert_eq(kvmmem_print_log2_hist(f, vals, nr, type), 0);
	fclose(f);
	return text;
}

Test(hist, print_log2_hist_matches_libbpf_tools_layout)
{
	uint64_t vals[4] = { 0, 5, 10, 0 };
	char *text = hist_text(vals, 4, "usecs");

	cr_assert_str_eq(text,
		"     usecs               : count    distribution\n"
		"         0 -> 1          : 0        |                                        |\n"
		"         2 -> 3          : 5        |********************                    |\n"
		"         4 -> 7          : 10       |****************************************|\n");
	free(text);
}

Test(hist, print_log2_hist_prints_nothing_when_empty)
{
	uint64_t vals[8] = { 0 };
	char *text = hist_text(vals, 8, "usecs");

	cr_assert_str_eq(text, "");
	free(text);
}

Test(hist, print_log2_hist_past_slot_32_uses_wide_columns_and_20_stars)
{
	uint64_t vals[KVMMEM_LOG2_SLOTS] = { 0 };
	char *text, *last;

	vals[33] = 2;
	text = hist_text(vals, KVMMEM_LOG2_SLOTS, "nsecs");
	cr_assert(!strncmp(text, "               nsecs                         : count    distribution\n",
			   strlen("               nsecs                         : count    distribution\n")));
	last = strrchr(text, '\n');
	*last = '\0';
	last = strrchr(text, '\n') + 1;
	cr_assert_str_eq(last, "          8589934592 -> 17179869183          : 2        |********************|");
	free(text);
}

static struct kvmmem_samples s;

static void free_samples(void)
{
	kvmmem_samples_free(&s);
}

TestSuite(percentile, .fini = free_samples);

Test(percentile, one_to_hundred_nearest_rank)
{
	uint64_t i;

	for (i = 100; i >= 1; i--)	/* unsorted on purpose */
		cr_assert_eq(kvmmem_samples_add(&s, i), 0);
	cr_assert_eq(kvmmem_samples_percentile(&s, 50), 50);
	cr_assert_eq(kvmmem_samples_percentile(&s, 90), 90);
	cr_assert_eq(kvmmem_samples_percentile(&s, 99), 99);
	cr_assert_eq(kvmmem_samples_percentile(&s, 100), 100);
	cr_assert_eq(kvmmem_samples_percentile(&s, 0.5), 1);
	cr_assert_eq(kvmmem_samples_max(&s), 100);
}

Test(percentile, p50_of_four_values_is_the_second)
{
	kvmmem_samples_add(&s, 4);
	kvmmem_samples_add(&s, 1);
	kvmmem_samples_add(&s, 3);
	kvmmem_samples_add(&s, 2);
	cr_assert_eq(kvmmem_samples_percentile(&s, 50), 2);
	cr_assert_eq(kvmmem_samples_percentile(&s, 75), 3);
	cr_assert_eq(kvmmem_samples_percentile(&s, 76), 4);
}

Test(percentile, ten_values_p90_is_the_ninth_p99_the_tenth)
{
	uint64_t i;

	for (i = 1; i <= 10; i++)
		kvmmem_samples_add(&s, i * 10);
	cr_assert_eq(kvmmem_samples_percentile(&s, 90), 90);
	cr_assert_eq(kvmmem_samples_percentile(&s, 99), 100);
}

Test(percentile, single_value_is_every_percentile)
{
	kvmmem_samples_add(&s, 7);
	cr_assert_eq(kvmmem_samples_percentile(&s, 1), 7);
	cr_assert_eq(kvmmem_samples_percentile(&s, 50), 7);
	cr_assert_eq(kvmmem_samples_percentile(&s, 100), 7);
}

Test(percentile, empty_or_out_of_range_is_0)
{
	cr_assert_eq(kvmmem_samples_percentile(&s, 50), 0);
	cr_assert_eq(kvmmem_samples_max(&s), 0);
	kvmmem_samples_add(&s, 5);
	cr_assert_eq(kvmmem_samples_percentile(&s, 0), 0);
	cr_assert_eq(kvmmem_samples_percentile(&s, 100.5), 0);
	cr_assert_eq(kvmmem_samples_percentile(&s, -1), 0);
}

Test(percentile, log2_divides_by_unit_before_slotting)
{
	uint64_t slots[KVMMEM_LOG2_SLOTS];

	kvmmem_samples_add(&s, 999);	/* 0 us */
	kvmmem_samples_add(&s, 1000);	/* 1 us */
	kvmmem_samples_add(&s, 2500);	/* 2 us */
	kvmmem_samples_add(&s, 7999);	/* 7 us */
	kvmmem_samples_add(&s, 8000);	/* 8 us */
	kvmmem_samples_log2(&s, 1000, slots);
	cr_assert_eq(slots[0], 2);
	cr_assert_eq(slots[1], 1);
	cr_assert_eq(slots[2], 1);
	cr_assert_eq(slots[3], 1);
	cr_assert_eq(slots[4], 0);
}

Test(fmt, durations_have_three_significant_digits)
{
	char b[32];

	cr_assert_str_eq(kvmmem_fmt_ns(b, 0), "0ns");
	cr_assert_str_eq(kvmmem_fmt_ns(b, 999), "999ns");
	cr_assert_str_eq(kvmmem_fmt_ns(b, 1000), "1.00us");
	cr_assert_str_eq(kvmmem_fmt_ns(b, 12345), "12.3us");
	cr_assert_str_eq(kvmmem_fmt_ns(b, 4560000), "4.56ms");
	cr_assert_str_eq(kvmmem_fmt_ns(b, 305000), "305us");
	cr_assert_str_eq(kvmmem_fmt_ns(b, 7890000000ULL), "7.89s");
	cr_assert_str_eq(kvmmem_fmt_ns(b, 1234000000000ULL), "1234s");
}

Test(log2_percentile, one_value_is_the_centre_of_its_slot)
{
	uint64_t slots[32] = { 0 };

	slots[10] = 1;		/* [1024, 2048) */
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 50), 1536);
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 99), 1536);
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 100), 1536);
}

Test(log2_percentile, nearest_rank_picks_the_slot_then_interpolates)
{
	uint64_t slots[32] = { 0 };

	slots[3] = 2;		/* [8, 16): ranks 1-2 at 10, 14 */
	slots[6] = 2;		/* [64, 128): ranks 3-4 at 80, 112 */
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 25), 10);
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 50), 14);
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 51), 80);
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 99), 112);
}

Test(log2_percentile, p99_of_100_values_is_in_the_slot_of_the_99th)
{
	uint64_t slots[32] = { 0 };

	slots[12] = 99;		/* [4096, 8192) */
	slots[20] = 1;		/* one slow call */
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 99),
		     4096 + (uint64_t)(4096 * 98.5 / 99));
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 100), 1536 << 10);
}

Test(log2_percentile, slot_0_spans_0_to_2)
{
	uint64_t slots[32] = { 0 };

	slots[0] = 4;		/* 0.25, 0.75, 1.25, 1.75 */
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 25), 0);
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 75), 1);
}

Test(log2_percentile, empty_or_out_of_range_is_0)
{
	uint64_t slots[32] = { 0 };

	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 50), 0);
	slots[5] = 1;
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 0), 0);
	cr_assert_eq(kvmmem_log2_percentile(slots, 32, 100.5), 0);
	cr_assert_eq(kvmmem_log2_percentile(slots, 0, 50), 0);
}

Test(log2_percentile, agrees_with_samples_on_which_slot)
{
	struct kvmmem_samples s = { 0 };
	uint64_t slots[KVMMEM_LOG2_SLOTS] = { 0 };
	uint64_t v, exact, est;
	double p;
	int i;

	for (i = 1; i <= 1000; i++) {
		v = (uint64_t)i * i * 37;
		cr_assert_eq(kvmmem_samples_add(&s, v), 0);
		slots[kvmmem_log2_slot(v)]++;
	}
	for (p = 1; p <= 100; p += 7) {
		exact = kvmmem_samples_percentile(&s, p);
		est = kvmmem_log2_percentile(slots, KVMMEM_LOG2_SLOTS, p);
		cr_assert_eq(kvmmem_log2_slot(est), kvmmem_log2_slot(exact),
			     "p%.0f: estimate %lu, exact %lu", p,
			     (unsigned long)est, (unsigned long)exact);
	}
	kvmmem_samples_free(&s);
}
