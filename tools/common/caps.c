// SPDX-License-Identifier: GPL-2.0
/*
 * caps.c - the capabilities the kvmmem BPF tools need (see caps.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "common/caps.h"
#include "stats.h"

int kvmmem_caps_effective(uint64_t *caps)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	*caps = (uint64_t)data[1].effective << 32 | data[0].effective;
	return 0;
}

int kvmmem_caps_missing(uint64_t caps, enum kvmmem_caps_use use, char *buf,
			size_t size)
{
	static const struct {
		int cap;
		const char *name;
		bool host_only;
	} need[] = {
		{ KVMMEM_CAP_BPF, "CAP_BPF", false },
		{ KVMMEM_CAP_PERFMON, "CAP_PERFMON", false },
		{ KVMMEM_CAP_SYS_ADMIN, "CAP_SYS_ADMIN", true },
	};
	size_t i, len = 0;
	int missing = 0;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (need[i].host_only && use != KVMMEM_CAPS_HOST)
			continue;
		if (caps & KVMMEM_CAP_BIT(need[i].cap))
			continue;
		if (len < size)
			len += snprintf(buf + len, size - len, "%s%s",
					missing ? "," : "", need[i].name);
		missing++;
	}
	return missing;
}

bool kvmmem_caps_module_btf(uint64_t caps)
{
	return caps & KVMMEM_CAP_BIT(KVMMEM_CAP_SYS_ADMIN);
}

const char *kvmmem_lockdown(const char *path, char *buf, size_t len)
{
	char *text, *open_b, *close_b;
	const char *ret = NULL;

	if (kvmmem_read_file(path ? path : KVMMEM_LOCKDOWN_PATH, &text) < 0)
		return NULL;
	open_b = strchr(text, '[');
	close_b = open_b ? strchr(open_b, ']') : NULL;
	if (close_b && close_b - open_b - 1 > 0 &&
	    (size_t)(close_b - open_b - 1) < len) {
		memcpy(buf, open_b + 1, close_b - open_b - 1);
		buf[close_b - open_b - 1] = '\0';
		ret = buf;
	}
	free(text);
	return ret;
}
