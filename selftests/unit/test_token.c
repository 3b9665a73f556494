// SPDX-License-Identifier: GPL-2.0
/* Tokens as text: kvmmem_token_to_hex() / kvmmem_token_from_hex(). */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "util.h"

#define HEX_0_TO_31 \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static struct kvmi_map_mem_token counting_token(void)
{
	struct kvmi_map_mem_token tok;
	unsigned char *b = (unsigned char *)&tok;
	size_t i;

	for (i = 0; i < sizeof(tok); i++)
		b[i] = i;
	return tok;
}

Test(token_hex, is_64_lowercase_digits_in_memory_order)
{
	struct kvmi_map_mem_token tok = counting_token();
	char buf[KVMMEM_TOKEN_HEX_LEN + 1];

	cr_assert_str_eq(kvmmem_token_to_hex(&tok, buf), HEX_0_TO_31);
}

Test(token_hex, length_constant_is_64)
{
	cr_assert_eq(KVMMEM_TOKEN_HEX_LEN, 64);
}

Test(token_hex, does_not_depend_on_word_endianness)
{
	struct kvmi_map_mem_token tok = { .token = { 0 } };
	char buf[KVMMEM_TOKEN_HEX_LEN + 1];

	((unsigned char *)&tok)[0] = 0xab;
	cr_assert_str_eq(kvmmem_token_to_hex(&tok, buf),
			 "ab000000000000000000000000000000"
			 "00000000000000000000000000000000");
}

Test(token_hex, round_trips_every_byte_value)
{
	struct kvmi_map_mem_token tok, back;
	char buf[KVMMEM_TOKEN_HEX_LEN + 1];
	unsigned char *b = (unsigned char *)&tok;
	size_t i, round;

	for (round = 0; round < 8; round++) {
		for (i = 0; i < sizeof(tok); i++)
			b[i] = (unsigned char)(round * sizeof(tok) + i);
		kvmmem_token_to_hex(&tok, buf);
		cr_assert_eq(kvmmem_token_from_hex(buf, &back), 0);
		cr_assert_arr_eq(&back, &tok, sizeof(tok));
	}
}

Test(token_from_hex, accepts_uppercase_digits)
{
	struct kvmi_map_mem_token tok, want = counting_token();
	char upper[] = HEX_0_TO_31;
	size_t i;

	for (i = 0; upper[i]; i++)
		if (upper[i] >= 'a' && upper[i] <= 'f')
			upper[i] -= 'a' - 'A';
	cr_assert_eq(kvmmem_token_from_hex(upper, &tok), 0);
	cr_assert_arr_eq(&tok, &want, sizeof(tok));
}

Test(token_from_hex, rejects_63_digits)
{
	struct kvmi_map_mem_token tok;

	cr_assert_eq(kvmmem_token_from_hex(HEX_0_TO_31 + 1, &tok), -EINVAL);
}

Test(token_from_hex, rejects_65_digits)
{
	struct kvmi_map_mem_token tok;

	cr_assert_eq(kvmmem_token_from_hex(HEX_0_TO_31 "0", &tok), -EINVAL);
}

Test(token_from_hex, rejects_empty_string)
{
	struct kvmi_map_mem_token tok;

	cr_assert_eq(kvmmem_token_from_hex("", &tok), -EINVAL);
}

Test(token_from_hex, rejects_null)
{
	struct kvmi_map_mem_token tok;

	cr_assert_eq(kvmmem_token_from_hex(NULL, &tok), -EINVAL);
}

Test(token_from_hex, rejects_non_hex_digit)
{
	struct kvmi_map_mem_token tok;
	char s[] = HEX_0_TO_31;

	s[63] = 'g';
	cr_assert_eq(kvmmem_token_from_hex(s, &tok), -EINVAL);
}

Test(token_from_hex, rejects_0x_prefix)
{
	struct kvmi_map_mem_token tok;
	char s[] = HEX_0_TO_31;

	/* still 64 characters, but the first two are "0x" */
	s[0] = '0';
	s[1] = 'x';
	cr_assert_eq(kvmmem_token_from_hex(s, &tok), -EINVAL);
}

Test(token_from_hex, rejects_trailing_newline)
{
	struct kvmi_map_mem_token tok;

	cr_assert_eq(kvmmem_token_from_hex(HEX_0_TO_31 "\n", &tok), -EINVAL);
}

Test(token_from_hex, leaves_token_untouched_on_error)
{
	struct kvmi_map_mem_token tok, before;
	char s[] = HEX_0_TO_31;

	memset(&tok, 0x5a, sizeof(tok));
	before = tok;
	s[10] = ' ';
	cr_assert_eq(kvmmem_token_from_hex(s, &tok), -EINVAL);
	cr_assert_arr_eq(&tok, &before, sizeof(tok));
}
