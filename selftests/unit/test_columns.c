// SPDX-License-Identifier: GPL-2.0
/* kvmmem_print_columns(): debugfs tables, aligned. */
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

TestSuite(columns, .init = open_out, .fini = close_out);

static const char *columns(const char *in, const char *indent)
{
	cr_assert_eq(kvmmem_print_columns(out, in, indent), 0);
	fflush(out);
	return text;
}

Test(columns, numbers_right_words_left)
{
	cr_assert_str_eq(columns("id n\n1 100\n22 7\n", NULL),
			 "id    n\n"
			 " 1  100\n"
			 "22    7\n");
}

Test(columns, mixed_column_is_left_aligned)
{
	cr_assert_str_eq(columns("k v\nmaps 10\nbackend hostsim\n", NULL),
			 "k        v\n"
			 "maps     10\n"
			 "backend  hostsim\n");
}

Test(columns, words_are_left_aligned_and_last_column_is_not_padded)
{
	cr_assert_str_eq(columns("file comm x\n1 bash 2\n10 kvmmem-ctl 3\n", NULL),
			 "file  comm        x\n"
			 "   1  bash        2\n"
			 "  10  kvmmem-ctl  3\n");
}

Test(columns, hex_and_negative_numbers_are_right_aligned)
{
	cr_assert_str_eq(columns("gva err\n0x1000 -5\n0x7f0000 0\n", NULL),
			 "     gva  err\n"
			 "  0x1000   -5\n"
			 "0x7f0000    0\n");
}

Test(columns, runs_of_blanks_and_tabs_separate_fields)
{
	cr_assert_str_eq(columns("a \t b\nccc    d\n", NULL),
			 "a    b\n"
			 "ccc  d\n");
}

Test(columns, blank_lines_are_dropped)
{
	cr_assert_str_eq(columns("\na b\n   \nc d", NULL),
			 "a  b\n"
			 "c  d\n");
}

Test(columns, indent_prefixes_every_line)
{
	cr_assert_str_eq(columns("a 1\nbb 2\n", "  "),
			 "  a   1\n"
			 "  bb  2\n");
}

Test(columns, short_row_has_no_trailing_blanks)
{
	cr_assert_str_eq(columns("id tgid comm\n7\n", NULL),
			 "id  tgid  comm\n"
			 " 7\n");
}

Test(columns, empty_text_prints_nothing)
{
	cr_assert_str_eq(columns("", NULL), "");
}

Test(columns, more_than_64_fields_is_einval)
{
	char line[65 * 2 + 1] = "";
	int i;

	for (i = 0; i < 65; i++)
		strcat(line, "x ");
	cr_assert_eq(kvmmem_print_columns(out, line, NULL), -EINVAL);
}
