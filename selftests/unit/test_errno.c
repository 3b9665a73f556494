// SPDX-License-Identifier: GPL-2.0
/* errno names: kvmmem_errno_name() / kvmmem_errno_from_name(). */
#include <errno.h>

#include <criterion/criterion.h>

#include "util.h"

Test(errno_name, names_ekeyrejected)
{
	cr_assert_str_eq(kvmmem_errno_name(EKEYREJECTED), "EKEYREJECTED");
}

Test(errno_name, accepts_negative_errno)
{
	cr_assert_str_eq(kvmmem_errno_name(-ENOSPC), "ENOSPC");
}

Test(errno_name, names_every_driver_errno)
{
	cr_assert_str_eq(kvmmem_errno_name(EFAULT), "EFAULT");
	cr_assert_str_eq(kvmmem_errno_name(EINVAL), "EINVAL");
	cr_assert_str_eq(kvmmem_errno_name(EACCES), "EACCES");
	cr_assert_str_eq(kvmmem_errno_name(EEXIST), "EEXIST");
	cr_assert_str_eq(kvmmem_errno_name(ENOMEM), "ENOMEM");
	cr_assert_str_eq(kvmmem_errno_name(ENODEV), "ENODEV");
	cr_assert_str_eq(kvmmem_errno_name(EBUSY), "EBUSY");
	cr_assert_str_eq(kvmmem_errno_name(EIO), "EIO");
	cr_assert_str_eq(kvmmem_errno_name(ENOENT), "ENOENT");
	cr_assert_str_eq(kvmmem_errno_name(EPERM), "EPERM");
	cr_assert_str_eq(kvmmem_errno_name(ENOTTY), "ENOTTY");
}

Test(errno_name, ewouldblock_is_named_eagain)
{
	cr_assert_str_eq(kvmmem_errno_name(EWOULDBLOCK), "EAGAIN");
}

Test(errno_name, enotsup_is_named_eopnotsupp)
{
	cr_assert_str_eq(kvmmem_errno_name(ENOTSUP), "EOPNOTSUPP");
}

Test(errno_name, edeadlock_is_named_edeadlk)
{
	cr_assert_str_eq(kvmmem_errno_name(EDEADLOCK), "EDEADLK");
}

Test(errno_name, last_linux_errno_has_a_name)
{
	cr_assert_str_eq(kvmmem_errno_name(133), "EHWPOISON");
}

Test(errno_name, zero_has_no_name)
{
	cr_assert_null(kvmmem_errno_name(0));
}

Test(errno_name, unknown_value_has_no_name)
{
	cr_assert_null(kvmmem_errno_name(4242));
}

Test(errno_name, every_value_from_1_to_133_except_gaps_has_a_name)
{
	int err, unnamed = 0;

	/* Linux leaves 41 (EWOULDBLOCK slot) and 58 (EDEADLOCK slot) unused */
	for (err = 1; err <= 133; err++)
		if (!kvmmem_errno_name(err))
			unnamed++;
	cr_assert_eq(unnamed, 2);
	cr_assert_null(kvmmem_errno_name(41));
	cr_assert_null(kvmmem_errno_name(58));
}

Test(errno_from_name, finds_ekeyrejected)
{
	cr_assert_eq(kvmmem_errno_from_name("EKEYREJECTED"), EKEYREJECTED);
}

Test(errno_from_name, accepts_alias)
{
	cr_assert_eq(kvmmem_errno_from_name("EWOULDBLOCK"), EAGAIN);
}

Test(errno_from_name, is_case_sensitive)
{
	cr_assert_eq(kvmmem_errno_from_name("enoent"), -EINVAL);
}

Test(errno_from_name, unknown_name_is_einval)
{
	cr_assert_eq(kvmmem_errno_from_name("EWHATEVER"), -EINVAL);
}

Test(errno_from_name, null_is_einval)
{
	cr_assert_eq(kvmmem_errno_from_name(NULL), -EINVAL);
}

Test(errno_name, round_trips_through_from_name)
{
	int err;
	const char *name;

	for (err = 1; err <= 133; err++) {
		name = kvmmem_errno_name(err);
		if (name)
			cr_assert_eq(kvmmem_errno_from_name(name), err, "%s", name);
	}
}
