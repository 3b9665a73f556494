// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem.ko alone in a guest with no KVM hypervisor (QEMU TCG) and no
 * hostsim: there is no host to answer, maps fail with ENODEV. Run by
 * run.sh backend, which loads the modules itself.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvmmem.h>

#include "util.h"

Test(nobackend, map_without_backend_is_enodev_and_leaks_nothing)
{
	long page_size = sysconf(_SC_PAGESIZE);
	struct kvmmem_stats st = { 0 };
	struct kvmi_mem_map req = { 0 };
	uint64_t live = 1;
	void *page;
	int fd;

	page = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	cr_assert_neq(page, MAP_FAILED);
	fd = open("/dev/kvmmem", O_RDWR);
	cr_assert_geq(fd, 0, "open /dev/kvmmem: %s", strerror(errno));
	req.gva = (uintptr_t)page;
	cr_assert_eq(ioctl(fd, KVM_INTRO_MEM_MAP, &req), -1);
	cr_assert_eq(errno, ENODEV);

	cr_assert_eq(kvmmem_stats_read(KVMMEM_STATS_PATH, &st), 0);
	cr_assert_str_eq(kvmmem_stats_get(&st, "backend"), "none");
	cr_assert_eq(kvmmem_stats_get_u64(&st, "live_mappings", &live), 0);
	cr_assert_eq(live, 0);
	kvmmem_stats_free(&st);
	close(fd);
}
