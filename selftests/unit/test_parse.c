// SPDX-License-Identifier: GPL-2.0
/* Strict number parsing: kvmmem_parse_u64(), _range(), _size(). */
#include <errno.h>
#include <stdint.h>

#include <criterion/criterion.h>

#include "util.h"

static uint64_t val;

static void poison(void)
{
	val = 0xdeadbeef;
}

TestSuite(parse_u64, .init = poison);
TestSuite(parse_u64_range, .init = poison);
TestSuite(parse_size, .init = poison);

Test(parse_u64, reads_decimal)
{
	cr_assert_eq(kvmmem_parse_u64("4096", &val), 0);
	cr_assert_eq(val, 4096);
}

Test(parse_u64, reads_zero)
{
	cr_assert_eq(kvmmem_parse_u64("0", &val), 0);
	cr_assert_eq(val, 0);
}

Test(parse_u64, reads_hex_with_0x)
{
	cr_assert_eq(kvmmem_parse_u64("0x1000", &val), 0);
	cr_assert_eq(val, 0x1000);
}

Test(parse_u64, reads_hex_with_0X_and_uppercase_digits)
{
	cr_assert_eq(kvmmem_parse_u64("0XABCdef", &val), 0);
	cr_assert_eq(val, 0xabcdef);
}

Test(parse_u64, leading_zero_is_decimal_not_octal)
{
	cr_assert_eq(kvmmem_parse_u64("010", &val), 0);
	cr_assert_eq(val, 10);
}

Test(parse_u64, reads_uint64_max_decimal)
{
	cr_assert_eq(kvmmem_parse_u64("18446744073709551615", &val), 0);
	cr_assert_eq(val, UINT64_MAX);
}

Test(parse_u64, reads_uint64_max_hex)
{
	cr_assert_eq(kvmmem_parse_u64("0xffffffffffffffff", &val), 0);
	cr_assert_eq(val, UINT64_MAX);
}

Test(parse_u64, decimal_overflow_is_erange)
{
	cr_assert_eq(kvmmem_parse_u64("18446744073709551616", &val), -ERANGE);
	cr_assert_eq(val, 0xdeadbeef);
}

Test(parse_u64, hex_overflow_is_erange)
{
	cr_assert_eq(kvmmem_parse_u64("0x10000000000000000", &val), -ERANGE);
}

Test(parse_u64, rejects_empty_string)
{
	cr_assert_eq(kvmmem_parse_u64("", &val), -EINVAL);
}

Test(parse_u64, rejects_null)
{
	cr_assert_eq(kvmmem_parse_u64(NULL, &val), -EINVAL);
}

Test(parse_u64, rejects_minus_sign)
{
	/* strtoull() alone would return 2^64 - 1 */
	cr_assert_eq(kvmmem_parse_u64("-1", &val), -EINVAL);
	cr_assert_eq(val, 0xdeadbeef);
}

Test(parse_u64, rejects_plus_sign)
{
	cr_assert_eq(kvmmem_parse_u64("+1", &val), -EINVAL);
}

Test(parse_u64, rejects_leading_space)
{
	cr_assert_eq(kvmmem_parse_u64(" 1", &val), -EINVAL);
}

Test(parse_u64, rejects_trailing_space)
{
	cr_assert_eq(kvmmem_parse_u64("1 ", &val), -EINVAL);
}

Test(parse_u64, rejects_trailing_garbage)
{
	cr_assert_eq(kvmmem_parse_u64("12abc", &val), -EINVAL);
	cr_assert_eq(val, 0xdeadbeef);
}

Test(parse_u64, rejects_bare_0x)
{
	cr_assert_eq(kvmmem_parse_u64("0x", &val), -EINVAL);
}

Test(parse_u64, rejects_0x_minus)
{
	cr_assert_eq(kvmmem_parse_u64("0x-1", &val), -EINVAL);
}

Test(parse_u64, rejects_double_0x)
{
	/* strtoull(base 16) would skip the second "0x" */
	cr_assert_eq(kvmmem_parse_u64("0x0x10", &val), -EINVAL);
}

Test(parse_u64, rejects_hex_digits_without_0x)
{
	cr_assert_eq(kvmmem_parse_u64("ff", &val), -EINVAL);
}

Test(parse_u64, rejects_size_suffix)
{
	cr_assert_eq(kvmmem_parse_u64("4k", &val), -EINVAL);
}

Test(parse_u64_range, accepts_both_bounds)
{
	cr_assert_eq(kvmmem_parse_u64_range("1", 1, 8, &val), 0);
	cr_assert_eq(val, 1);
	cr_assert_eq(kvmmem_parse_u64_range("8", 1, 8, &val), 0);
	cr_assert_eq(val, 8);
}

Test(parse_u64_range, below_min_is_erange)
{
	cr_assert_eq(kvmmem_parse_u64_range("0", 1, 8, &val), -ERANGE);
	cr_assert_eq(val, 0xdeadbeef);
}

Test(parse_u64_range, above_max_is_erange)
{
	cr_assert_eq(kvmmem_parse_u64_range("9", 1, 8, &val), -ERANGE);
}

Test(parse_u64_range, malformed_is_einval_not_erange)
{
	cr_assert_eq(kvmmem_parse_u64_range("x", 1, 8, &val), -EINVAL);
}

Test(parse_size, plain_number_is_bytes)
{
	cr_assert_eq(kvmmem_parse_size("4096", &val), 0);
	cr_assert_eq(val, 4096);
}

Test(parse_size, lowercase_k_is_1024)
{
	cr_assert_eq(kvmmem_parse_size("4k", &val), 0);
	cr_assert_eq(val, 4096);
}

Test(parse_size, uppercase_K_is_1024)
{
	cr_assert_eq(kvmmem_parse_size("4K", &val), 0);
	cr_assert_eq(val, 4096);
}

Test(parse_size, M_is_2_to_the_20)
{
	cr_assert_eq(kvmmem_parse_size("16M", &val), 0);
	cr_assert_eq(val, 16ULL << 20);
}

Test(parse_size, G_is_2_to_the_30)
{
	cr_assert_eq(kvmmem_parse_size("2G", &val), 0);
	cr_assert_eq(val, 2ULL << 30);
}

Test(parse_size, hex_takes_a_suffix)
{
	cr_assert_eq(kvmmem_parse_size("0x10M", &val), 0);
	cr_assert_eq(val, 16ULL << 20);
}

Test(parse_size, lowercase_m_is_rejected)
{
	cr_assert_eq(kvmmem_parse_size("1m", &val), -EINVAL);
}

Test(parse_size, unknown_suffix_is_rejected)
{
	cr_assert_eq(kvmmem_parse_size("1T", &val), -EINVAL);
}

Test(parse_size, two_suffixes_are_rejected)
{
	cr_assert_eq(kvmmem_parse_size("1kk", &val), -EINVAL);
}

Test(parse_size, suffix_without_number_is_rejected)
{
	cr_assert_eq(kvmmem_parse_size("k", &val), -EINVAL);
}

Test(parse_size, iB_spelling_is_rejected)
{
	cr_assert_eq(kvmmem_parse_size("4KiB", &val), -EINVAL);
}

Test(parse_size, largest_G_that_fits_is_accepted)
{
	cr_assert_eq(kvmmem_parse_size("17179869183G", &val), 0);
	cr_assert_eq(val, 17179869183ULL << 30);
}

Test(parse_size, suffix_overflow_is_erange)
{
	cr_assert_eq(kvmmem_parse_size("17179869184G", &val), -ERANGE);
	cr_assert_eq(val, 0xdeadbeef);
}

static uint64_t dur(const char *s, uint64_t unit)
{
	uint64_t ns = 12345;

	cr_assert_eq(kvmmem_parse_duration(s, unit, &ns), 0, "'%s'", s);
	return ns;
}

Test(parse_duration, numbers_count_the_default_unit)
{
	cr_assert_eq(dur("2", 1000000000), 2000000000);
	cr_assert_eq(dur("0.5", 1000000000), 500000000);
	cr_assert_eq(dur(".25", 1000000000), 250000000);
	cr_assert_eq(dur("3.", 1000000000), 3000000000);
	cr_assert_eq(dur("100", 1), 100, "ns by default (--tolerance)");
	cr_assert_eq(dur("1.5", 1000000), 1500000, "ms by default (--drain-ms)");
}

Test(parse_duration, units_override_the_default)
{
	cr_assert_eq(dur("500ms", 1000000000), 500000000);
	cr_assert_eq(dur("1.5s", 1), 1500000000);
	cr_assert_eq(dur("2m", 1), 120000000000ULL);
	cr_assert_eq(dur("1h", 1), 3600000000000ULL);
	cr_assert_eq(dur("0.001h", 1), 3600000000ULL);
	cr_assert_eq(dur("10us", 1000000000), 10000);
	cr_assert_eq(dur("7ns", 1000000000), 7);
	cr_assert_eq(dur("1.123456789123s", 1), 1123456789, "down to the ns");
}

Test(parse_duration, anything_else_is_refused_and_leaves_the_value)
{
	const char *bad[] = { "", ".", "-1", "+1", "1e3", " 1", "1 ", "1sec",
			      "1S", "0x10", "1..2", "ms", "1.5.s" };
	uint64_t ns = 7;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(kvmmem_parse_duration(bad[i], 1, &ns), -EINVAL,
			     "'%s'", bad[i]);
		cr_assert_eq(ns, 7);
	}
	cr_assert_eq(kvmmem_parse_duration(NULL, 1, &ns), -EINVAL);
	cr_assert_eq(kvmmem_parse_duration("18446744073709551616", 1, &ns), -ERANGE);
	cr_assert_eq(kvmmem_parse_duration("6000000000h", 1, &ns), -ERANGE);
	cr_assert_eq(ns, 7);
}
