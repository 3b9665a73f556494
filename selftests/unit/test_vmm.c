// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's name from its VMM's command line (tools/common/vmm.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "common/vmm.h"

static const char *vmm_name(const char *cmdline, size_t len)
{
	static char buf[KVMMEM_VMM_NAME_LEN];

	return kvmmem_vmm_name(cmdline, len, buf);
}

#define CMDLINE(s)	s, sizeof(s)

Test(vmm, vmm_name_is_qemus_name_or_argv0)
{
	cr_assert_str_eq(vmm_name(CMDLINE("/usr/bin/qemu-system-x86_64\0-m\0"
					  "128\0-name\0l2,debug-threads=on")), "l2");
	cr_assert_str_eq(vmm_name(CMDLINE("qemu\0-name\0guest=win10,process=x")),
			 "win10");
	cr_assert_str_eq(vmm_name(CMDLINE("/usr/bin/qemu-system-x86_64\0-m\0128")),
			 "qemu-system-x86_64");
	cr_assert_str_eq(vmm_name(CMDLINE("./a/b/vmm")), "vmm");
	cr_assert_str_eq(vmm_name(CMDLINE("qemu\0-name")), "qemu",
			 "-name without a value");
	cr_assert_str_eq(vmm_name("", 0), "");
	cr_assert_str_eq(vmm_name(CMDLINE("vm\0-name\0a\tb")), "a?b");
}

Test(vmm, vmm_name_does_not_read_past_the_end)
{
	const char unterminated[] = { 'q', 'e', 'm', 'u' };

	cr_assert_str_eq(vmm_name(unterminated, sizeof(unterminated)), "qemu");
}

Test(vmm, vmm_name_of_a_running_process_and_of_none)
{
	char buf[KVMMEM_VMM_NAME_LEN];

	/* this test binary: argv[0]'s basename */
	cr_assert_str_eq(kvmmem_vmm_name_of((uint32_t)getpid(), buf),
			 program_invocation_short_name);
	cr_assert_str_eq(kvmmem_vmm_name_of(0x7ffffffe, buf), "");
}
