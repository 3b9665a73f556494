// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem_test - map a page of the emulated introspected VM through
 * /dev/kvmmem and unmap it again (needs kvmmem and kvmmem_hostsim).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvmmem.h>
#include <linux/kvmmem_hostsim.h>

#include "../kselftest_harness.h"

#define REMOTE_GPA	0x100000ULL

FIXTURE(kvmmem) {
	int fd;
	int hostsim;
	uint64_t *page;
	long page_size;
};

FIXTURE_SETUP(kvmmem)
{
	self->page_size = sysconf(_SC_PAGESIZE);
	self->hostsim = open("/dev/kvmmem-hostsim", O_RDONLY | O_CLOEXEC);
	if (self->hostsim < 0)
		SKIP(return, "no /dev/kvmmem-hostsim (load kvmmem_hostsim)");
	self->fd = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->page = mmap(NULL, self->page_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->page);
}

FIXTURE_TEARDOWN(kvmmem)
{
	if (self->hostsim < 0)
		return;
	munmap(self->page, self->page_size);
	close(self->fd);
	close(self->hostsim);
}

TEST_F(kvmmem, map_read_unmap)
{
	struct kvmi_mem_map map = {
		.gpa = REMOTE_GPA,
		.gva = (uintptr_t)self->page,
	};
	size_t i, words = self->page_size / sizeof(uint64_t);

	memset(self->page, 0x5a, self->page_size);
	ASSERT_EQ(0, ioctl(self->hostsim, KVMMEM_HOSTSIM_GET_TOKEN, &map.token));
	ASSERT_EQ(0, ioctl(self->fd, KVM_INTRO_MEM_MAP, &map));
	for (i = 0; i < words; i++)
		ASSERT_EQ((REMOTE_GPA + i * 8) ^ KVMMEM_HOSTSIM_PATTERN,
			  self->page[i]);
	ASSERT_EQ(0, ioctl(self->fd, KVM_INTRO_MEM_UNMAP, map.gva));
	for (i = 0; i < words; i++)
		ASSERT_EQ(0x5a5a5a5a5a5a5a5aULL, self->page[i]);
}

TEST_F(kvmmem, unmap_unmapped)
{
	ASSERT_EQ(-1, ioctl(self->fd, KVM_INTRO_MEM_UNMAP,
			    (unsigned long)self->page));
	ASSERT_EQ(ENOENT, errno);
}

TEST_F(kvmmem, token_single_use)
{
	struct kvmi_mem_map map = {
		.gpa = REMOTE_GPA,
		.gva = (uintptr_t)self->page,
	};

	ASSERT_EQ(0, ioctl(self->hostsim, KVMMEM_HOSTSIM_GET_TOKEN, &map.token));
	ASSERT_EQ(0, ioctl(self->fd, KVM_INTRO_MEM_MAP, &map));
	ASSERT_EQ(0, ioctl(self->fd, KVM_INTRO_MEM_UNMAP, map.gva));
	ASSERT_EQ(-1, ioctl(self->fd, KVM_INTRO_MEM_MAP, &map));
	ASSERT_EQ(EKEYREJECTED, errno);
}

TEST_HARNESS_MAIN
