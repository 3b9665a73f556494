// SPDX-License-Identifier: GPL-2.0
/*
 * vmm.c - a VM's name from its VMM's command line (see vmm.h).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/vmm.h"

char *kvmmem_vmm_name(const char *cmdline, size_t len,
		      char buf[KVMMEM_VMM_NAME_LEN])
{
	const char *arg = cmdline, *end = cmdline + len, *name = NULL;
	const char *argv0 = NULL, *next, *slash;
	size_t n, i;

	buf[0] = '\0';
	for (; arg < end; arg = next) {
		next = memchr(arg, '\0', (size_t)(end - arg));
		next = next ? next + 1 : end;
		if (!argv0)
			argv0 = arg;
		if ((!strcmp(arg, "-name") || !strcmp(arg, "--name")) && next < end) {
			name = next;
			if (!strncmp(name, "guest=", 6))
				name += 6;
		}
	}
	if (!name && argv0) {
		slash = memrchr(argv0, '/', strnlen(argv0, (size_t)(end - argv0)));
		name = slash ? slash + 1 : argv0;
	}
	if (!name)
		return buf;
	/* up to a NUL or QEMU's ',' (a literal comma is ",,": kept simple) */
	for (n = 0; name + n < end && name[n] && name[n] != ','; n++)
		;
	if (n > KVMMEM_VMM_NAME_LEN - 1)
		n = KVMMEM_VMM_NAME_LEN - 1;
	for (i = 0; i < n; i++)
		buf[i] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
	buf[n] = '\0';
	return buf;
}

char *kvmmem_vmm_name_of(uint32_t pid, char buf[KVMMEM_VMM_NAME_LEN])
{
	char path[64], cmdline[4096];
	ssize_t len = 0;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	len = read(fd, cmdline, sizeof(cmdline));
	close(fd);
	return len > 0 ? kvmmem_vmm_name(cmdline, (size_t)len, buf) : buf;
}

