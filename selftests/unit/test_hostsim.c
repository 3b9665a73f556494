// SPDX-License-Identifier: GPL-2.0
/* The hostsim pattern: kvmmem_hostsim_word() / kvmmem_hostsim_verify(). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "util.h"

#define PAGE	4096

Test(hostsim_word, of_gpa_0_is_the_pattern)
{
	cr_assert_eq(kvmmem_hostsim_word(0), 0x6b766d6d656d2121ULL);
}

Test(hostsim_word, is_gpa_xor_pattern)
{
	cr_assert_eq(kvmmem_hostsim_word(0x1000), 0x6b766d6d656d3121ULL);
	cr_assert_eq(kvmmem_hostsim_word(0x1ff8), 0x6b766d6d656d3ed9ULL);
}

/* A page as hostsim shows gpa @gpa. */
static void fill(uint64_t *page, uint64_t gpa)
{
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		page[i] = kvmmem_hostsim_word(gpa + 8 * i);
}

Test(hostsim_verify, accepts_a_correct_page)
{
	static uint64_t page[PAGE / 8];

	fill(page, 0x5000);
	cr_assert_eq(kvmmem_hostsim_verify(page, PAGE, 0x5000, NULL), 0);
}

Test(hostsim_verify, rejects_the_right_page_at_the_wrong_gpa)
{
	static uint64_t page[PAGE / 8];
	size_t bad = 4242;

	fill(page, 0x5000);
	cr_assert_eq(kvmmem_hostsim_verify(page, PAGE, 0x6000, &bad), -EBADMSG);
	cr_assert_eq(bad, 0);
}

Test(hostsim_verify, reports_offset_of_first_bad_word)
{
	static uint64_t page[PAGE / 8];
	size_t bad = 4242;

	fill(page, 0x5000);
	((unsigned char *)page)[0x123] ^= 1;
	((unsigned char *)page)[0x200] ^= 1;
	cr_assert_eq(kvmmem_hostsim_verify(page, PAGE, 0x5000, &bad), -EBADMSG);
	cr_assert_eq(bad, 0x120);
}

Test(hostsim_verify, rejects_a_zero_page)
{
	static uint64_t page[PAGE / 8];

	cr_assert_eq(kvmmem_hostsim_verify(page, PAGE, 0, NULL), -EBADMSG);
}

Test(hostsim_verify, checks_a_range_inside_a_page)
{
	static uint64_t page[PAGE / 8];

	fill(page, 0x5000);
	cr_assert_eq(kvmmem_hostsim_verify(&page[4], 16, 0x5020, NULL), 0);
}

Test(hostsim_verify, works_on_unaligned_buffers)
{
	static unsigned char buf[17];
	uint64_t word = kvmmem_hostsim_word(0x8);

	memcpy(buf + 1, &word, 8);
	cr_assert_eq(kvmmem_hostsim_verify(buf + 1, 8, 0x8, NULL), 0);
}

Test(hostsim_verify, length_not_multiple_of_8_is_einval)
{
	static uint64_t page[PAGE / 8];

	fill(page, 0);
	cr_assert_eq(kvmmem_hostsim_verify(page, 12, 0, NULL), -EINVAL);
}

Test(hostsim_verify, unaligned_gpa_is_einval)
{
	static uint64_t page[PAGE / 8];

	cr_assert_eq(kvmmem_hostsim_verify(page, 8, 4, NULL), -EINVAL);
}

Test(hostsim_verify, empty_range_is_fine)
{
	cr_assert_eq(kvmmem_hostsim_verify("", 0, 0, NULL), 0);
}
