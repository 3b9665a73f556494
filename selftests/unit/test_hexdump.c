// SPDX-License-Identifier: GPL-2.0
/* kvmmem_hexdump(): the exact "hexdump -C" layout. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "util.h"

static char *text;
static size_t text_len;
static FILE *out;

static void open_out(void)
{
	out = open_memstream(&text, &text_len);
	cr_assert_not_null(out);
}

static void close_out(void)
{
	if (out)
		fclose(out);
	free(text);
}

TestSuite(hexdump, .init = open_out, .fini = close_out);

/* Run the dump and return what it printed. */
static const char *dump(const void *buf, size_t len, uint64_t addr)
{
	cr_assert_eq(kvmmem_hexdump(out, buf, len, addr), 0);
	fflush(out);
	return text;
}

Test(hexdump, full_line_matches_hexdump_C)
{
	cr_assert_str_eq(dump("0123456789abcdef", 16, 0),
		"00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n");
}

Test(hexdump, short_line_is_padded_like_hexdump_C)
{
	cr_assert_str_eq(dump("abc\n", 4, 0),
		"00000000  61 62 63 0a                                       |abc.|\n");
}

Test(hexdump, eight_bytes_keep_the_group_gap)
{
	cr_assert_str_eq(dump("01234567", 8, 0),
		"00000000  30 31 32 33 34 35 36 37                           |01234567|\n");
}

Test(hexdump, second_line_address_advances_by_16)
{
	cr_assert_str_eq(dump("0123456789abcdefXYZ", 19, 0),
		"00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n"
		"00000010  58 59 5a                                          |XYZ|\n");
}

Test(hexdump, prints_addr_for_first_byte)
{
	cr_assert_str_eq(dump("A", 1, 0x1000),
		"00001000  41                                                |A|\n");
}

Test(hexdump, address_widens_to_16_digits_past_4_GiB)
{
	cr_assert_str_eq(dump("AB", 2, 0xffffffffULL),
		"00000000ffffffff  41 42                                             |AB|\n");
}

Test(hexdump, address_stays_8_digits_when_last_byte_is_below_4_GiB)
{
	cr_assert_str_eq(dump("A", 1, 0xffffffffULL),
		"ffffffff  41                                                |A|\n");
}

Test(hexdump, non_printable_bytes_show_as_dots)
{
	static const unsigned char b[] = { 0x00, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff };

	cr_assert_str_eq(dump(b, sizeof(b), 0),
		"00000000  00 1f 20 7e 7f 80 ff                              |.. ~...|\n");
}

Test(hexdump, hostsim_word_reads_as_kvmmem_backwards)
{
	uint64_t word = kvmmem_hostsim_word(0);

	/* little endian: "kvmmem!!" stored as a number reads backwards */
	cr_assert_str_eq(dump(&word, sizeof(word), 0),
		"00000000  21 21 6d 65 6d 6d 76 6b                           |!!memmvk|\n");
}

Test(hexdump, zero_length_prints_nothing)
{
	cr_assert_str_eq(dump("", 0, 0), "");
}

Test(hexdump, write_error_is_eio)
{
	FILE *ro = fopen("/dev/null", "r");

	cr_assert_not_null(ro);
	cr_assert_eq(kvmmem_hexdump(ro, "abc", 3, 0), -EIO);
	fclose(ro);
}
