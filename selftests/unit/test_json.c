// SPDX-License-Identifier: GPL-2.0
/*
 * The streaming JSON writer (tools/common/json.c): commas, nesting,
 * keys, escaping and numbers, each checked against the exact text.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "common/json.h"

static char *text;
static size_t size;
static FILE *out;
static struct kvmmem_json j;

static void setup(void)
{
	out = open_memstream(&text, &size);
	cr_assert(out);
	kvmmem_json_init(&j, out);
}

static void teardown(void)
{
	if (out)
		fclose(out);
	free(text);
	out = NULL;
	text = NULL;
}

/* The text written so far. */
static const char *written(void)
{
	fflush(out);
	return text;
}

TestSuite(json, .init = setup, .fini = teardown);

Test(json, quote_escapes_quotes_controls_and_high_bytes)
{
	kvmmem_json_quote(out, "a\"b\\c\nd\te\x01\xff", 64);
	kvmmem_json_quote(out, "abcdef", 3);
	cr_assert_str_eq(written(), "\"a\\\"b\\\\c\\nd\\te\\u0001\\u00ff\"\"abc\"");
}

Test(json, members_are_separated_by_one_comma_each)
{
	kvmmem_json_object(&j, NULL);
	kvmmem_json_u64(&j, "a", 1);
	kvmmem_json_i64(&j, "b", -2);
	kvmmem_json_bool(&j, "c", true);
	kvmmem_json_null(&j, "d");
	kvmmem_json_end(&j);
	cr_assert_str_eq(written(), "{\"a\":1,\"b\":-2,\"c\":true,\"d\":null}");
}

Test(json, nesting_restores_each_containers_commas)
{
	kvmmem_json_object(&j, NULL);
	kvmmem_json_array(&j, "x");
	kvmmem_json_u64(&j, NULL, 1);
	kvmmem_json_object(&j, NULL);
	kvmmem_json_end(&j);
	kvmmem_json_array(&j, NULL);
	kvmmem_json_end(&j);
	kvmmem_json_u64(&j, NULL, 2);
	kvmmem_json_end(&j);
	kvmmem_json_object(&j, "y");
	kvmmem_json_string(&j, "k", "v");
	kvmmem_json_end(&j);
	kvmmem_json_u64(&j, "z", 3);
	kvmmem_json_end(&j);
	cr_assert_str_eq(written(),
			 "{\"x\":[1,{},[],2],\"y\":{\"k\":\"v\"},\"z\":3}");
	cr_assert_eq(j.depth, 0);
}

Test(json, values_at_the_top_are_not_separated)
{
	/* JSON lines: the caller prints the newline between values */
	kvmmem_json_object(&j, NULL);
	kvmmem_json_end(&j);
	fputc('\n', out);
	kvmmem_json_object(&j, NULL);
	kvmmem_json_u64(&j, "n", 0);
	kvmmem_json_end(&j);
	cr_assert_str_eq(written(), "{}\n{\"n\":0}");
}

Test(json, keys_and_strings_are_escaped)
{
	kvmmem_json_object(&j, NULL);
	kvmmem_json_string(&j, "a\"b", "c\nd");
	kvmmem_json_stringn(&j, "comm", "abcdefgh", 4);
	kvmmem_json_end(&j);
	cr_assert_str_eq(written(), "{\"a\\\"b\":\"c\\nd\",\"comm\":\"abcd\"}");
}

Test(json, numbers_hex_and_doubles)
{
	kvmmem_json_array(&j, NULL);
	kvmmem_json_u64(&j, NULL, UINT64_MAX);
	kvmmem_json_i64(&j, NULL, INT64_MIN);
	kvmmem_json_hex(&j, NULL, 0x1000);
	kvmmem_json_double(&j, NULL, 3, 1.23456);
	kvmmem_json_double(&j, NULL, 1, NAN);
	kvmmem_json_double(&j, NULL, 1, INFINITY);
	kvmmem_json_end(&j);
	cr_assert_str_eq(written(), "[18446744073709551615,-9223372036854775808,"
			 "\"0x1000\",1.235,null,null]");
}

Test(json, end_with_nothing_open_writes_nothing)
{
	kvmmem_json_end(&j);
	cr_assert_str_eq(written(), "");
}
