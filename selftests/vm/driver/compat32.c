// SPDX-License-Identifier: GPL-2.0
/*
 * compat32 - a 32-bit client of /dev/kvmmem, built -m32 -static and run
 * in the guest by driver/run.sh: MAP, then UNMAP with the 32-bit command
 * number (the seed's _IOW('i', 0x02, unsigned long) encodes a 4-byte
 * size here), which the driver must handle in its compat_ioctl.
 *
 * Only libc: libkvmmem is built 64-bit. Prints one line per case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvmmem.h>
#include <linux/kvmmem_hostsim.h>

#define GPA	0x8000ULL

static int failed;

static void result(const char *name, int ok, const char *why)
{
	if (ok) {
		printf("%s: ok\n", name);
	} else {
		printf("%s: FAIL %s (%s)\n", name, why, strerror(errno));
		failed = 1;
	}
}

static int shows_remote(const uint64_t *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] != ((GPA + 8 * i) ^ KVMMEM_HOSTSIM_PATTERN))
			return 0;
	return 1;
}

int main(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct kvmi_mem_map req;
	int fd, hs, ok;
	uint64_t *page;

	_Static_assert(sizeof(unsigned long) == 4, "build with -m32");
	_Static_assert(sizeof(struct kvmi_mem_map) == 48, "ABI size");

	fd = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);
	hs = open("/dev/kvmmem-hostsim", O_RDWR | O_CLOEXEC);
	page = mmap(NULL, ps, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (fd < 0 || hs < 0 || page == MAP_FAILED) {
		result("compat32_setup", 0, "open or mmap");
		return 1;
	}
	memset(page, 0x5c, ps);
	memset(&req, 0, sizeof(req));
	req.gpa = GPA;
	req.gva = (uintptr_t)page;

	ok = ioctl(hs, KVMMEM_HOSTSIM_GET_TOKEN, &req.token) == 0;
	result("compat32_token", ok, "KVMMEM_HOSTSIM_GET_TOKEN");
	ok = ok && ioctl(fd, KVM_INTRO_MEM_MAP, &req) == 0;
	result("compat32_map", ok && shows_remote(page, ps / 8),
	       "MAP, or the page does not show the remote page");
	ok = ioctl(fd, KVM_INTRO_MEM_UNMAP, (unsigned long)page) == 0;
	result("compat32_unmap_32bit_number", ok &&
	       ((unsigned char *)page)[ps - 1] == 0x5c,
	       "UNMAP, or the page's own content is not back");
	ok = ioctl(fd, KVM_INTRO_MEM_UNMAP, (unsigned long)page) == -1 &&
	     errno == ENOENT;
	result("compat32_unmap_again_is_enoent", ok, "expected ENOENT");
	ok = ioctl(fd, _IOW('i', 0x03, unsigned long), 0) == -1 &&
	     errno == ENOTTY;
	result("compat32_i_0x03_is_enotty", ok, "expected ENOTTY");
	return failed;
}
