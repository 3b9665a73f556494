// SPDX-License-Identifier: GPL-2.0
/*
 * The capabilities the BPF tools check instead of uid 0 (common/caps.h).
 */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "common/caps.h"

#define BIT KVMMEM_CAP_BIT
#define ALL (BIT(KVMMEM_CAP_BPF) | BIT(KVMMEM_CAP_PERFMON) | \
	     BIT(KVMMEM_CAP_SYS_ADMIN))

static int missing(uint64_t caps, enum kvmmem_caps_use use, char *buf)
{
	return kvmmem_caps_missing(caps, use, buf, 64);
}

Test(caps_missing, guest_with_bpf_and_perfmon_lacks_nothing)
{
	char buf[64];

	cr_assert_eq(missing(BIT(KVMMEM_CAP_BPF) | BIT(KVMMEM_CAP_PERFMON),
			     KVMMEM_CAPS_GUEST, buf), 0);
	cr_assert_str_eq(buf, "");
}

Test(caps_missing, guest_without_perfmon_names_it)
{
	char buf[64];

	cr_assert_eq(missing(BIT(KVMMEM_CAP_BPF), KVMMEM_CAPS_GUEST, buf), 1);
	cr_assert_str_eq(buf, "CAP_PERFMON");
}

Test(caps_missing, guest_without_bpf_names_it)
{
	char buf[64];

	cr_assert_eq(missing(BIT(KVMMEM_CAP_PERFMON) | BIT(KVMMEM_CAP_SYS_ADMIN),
			     KVMMEM_CAPS_GUEST, buf), 1);
	cr_assert_str_eq(buf, "CAP_BPF");
}

Test(caps_missing, guest_with_nothing_names_both)
{
	char buf[64];

	cr_assert_eq(missing(0, KVMMEM_CAPS_GUEST, buf), 2);
	cr_assert_str_eq(buf, "CAP_BPF,CAP_PERFMON");
}

Test(caps_missing, guest_does_not_need_sys_admin)
{
	char buf[64];

	cr_assert_eq(missing(ALL & ~BIT(KVMMEM_CAP_SYS_ADMIN),
			     KVMMEM_CAPS_GUEST, buf), 0);
}

Test(caps_missing, host_needs_sys_admin_too)
{
	char buf[64];

	cr_assert_eq(missing(BIT(KVMMEM_CAP_BPF) | BIT(KVMMEM_CAP_PERFMON),
			     KVMMEM_CAPS_HOST, buf), 1);
	cr_assert_str_eq(buf, "CAP_SYS_ADMIN");
	cr_assert_eq(missing(0, KVMMEM_CAPS_HOST, buf), 3);
	cr_assert_str_eq(buf, "CAP_BPF,CAP_PERFMON,CAP_SYS_ADMIN");
	cr_assert_eq(missing(ALL, KVMMEM_CAPS_HOST, buf), 0);
}

Test(caps_missing, short_buffer_is_cut_not_overrun)
{
	char buf[8] = "xxxxxxx";

	cr_assert_eq(kvmmem_caps_missing(0, KVMMEM_CAPS_HOST, buf, 5), 3);
	cr_assert_str_eq(buf, "CAP_");
	cr_assert_eq(kvmmem_caps_missing(0, KVMMEM_CAPS_HOST, buf, 0), 3);
	cr_assert_eq(buf[0], 'C');
}

Test(caps_module_btf, only_with_sys_admin)
{
	cr_assert(kvmmem_caps_module_btf(ALL));
	cr_assert_not(kvmmem_caps_module_btf(ALL & ~BIT(KVMMEM_CAP_SYS_ADMIN)));
}

Test(caps_effective, root_has_all_three_a_user_none)
{
	uint64_t caps = 0;

	cr_assert_eq(kvmmem_caps_effective(&caps), 0);
	if (geteuid() == 0)
		cr_assert_eq(caps & ALL, ALL);
	else
		cr_assert_eq(caps & ALL, 0, "a non-root test run with capabilities?");
}
