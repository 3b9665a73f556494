// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's lockdown mode as the BPF tools read it to explain a load
 * failure (common/caps.h: kvmmem_lockdown()).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "common/caps.h"

static char path[] = "/tmp/kvmmem-lockdown-XXXXXX";

/* A lockdown file holding @text; removed by the suite's fini. */
static void lockdown_file(const char *text)
{
	int fd;

	strcpy(path, "/tmp/kvmmem-lockdown-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void remove_file(void)
{
	unlink(path);
}

TestSuite(lockdown, .fini = remove_file);

Test(lockdown, each_mode_in_brackets_is_read)
{
	static const char *const files[][2] = {
		{ "[none] integrity confidentiality\n", "none" },
		{ "none [integrity] confidentiality\n", "integrity" },
		{ "none integrity [confidentiality]\n", "confidentiality" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < 3; i++) {
		lockdown_file(files[i][0]);
		cr_assert_eq(kvmmem_lockdown(path, buf, sizeof(buf)), buf);
		cr_assert_str_eq(buf, files[i][1]);
		unlink(path);
	}
}

Test(lockdown, no_brackets_is_unknown)
{
	char buf[32];

	lockdown_file("none integrity confidentiality\n");
	cr_assert_null(kvmmem_lockdown(path, buf, sizeof(buf)));
}

Test(lockdown, empty_brackets_are_unknown)
{
	char buf[32];

	lockdown_file("none [] integrity\n");
	cr_assert_null(kvmmem_lockdown(path, buf, sizeof(buf)));
}

Test(lockdown, mode_too_long_for_the_buffer_is_unknown)
{
	char buf[8];

	lockdown_file("none integrity [confidentiality]\n");
	cr_assert_null(kvmmem_lockdown(path, buf, sizeof(buf)));
}

Test(lockdown, missing_file_is_unknown)
{
	char buf[32];

	cr_assert_null(kvmmem_lockdown("/nonexistent/lockdown", buf,
				       sizeof(buf)));
}
