// SPDX-License-Identifier: GPL-2.0
/*
 * munmap before UNMAP (docs/abi.md, "munmap before UNMAP"): a mapping
 * belongs to the file and the page, not to the VMA. When the client
 * munmaps the page first, the mapping stays in the file's table and the
 * page stays pinned (the host may still back it with remote memory) until
 * UNMAP of that gva or the last close; a new page mmapped at that gva
 * gets EEXIST from MAP; UNMAP still works and unpins.
 *
 * Run inside the guest with kvmmem and kvmmem_hostsim loaded, --jobs 1
 * (the tests compare module-wide counters).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rel.h"
#include "util.h"

static long page_size;
static int hostsim_fd = -1;

static void setup(void)
{
	page_size = sysconf(_SC_PAGESIZE);
	hostsim_fd = open("/dev/kvmmem-hostsim", O_RDWR | O_CLOEXEC);
	cr_assert_geq(hostsim_fd, 0, "open hostsim: %s", strerror(errno));
}

static void teardown(void)
{
	close(hostsim_fd);
}

TestSuite(munmap_first, .init = setup, .fini = teardown);

static int open_kvmmem(void)
{
	int fd = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);

	cr_assert_geq(fd, 0, "open /dev/kvmmem: %s", strerror(errno));
	return fd;
}

static char *page_at(void *where)
{
	char *p = mmap(where, page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | (where ? MAP_FIXED_NOREPLACE : 0),
		       -1, 0);

	cr_assert_neq(p, MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 0x11, page_size);
	return p;
}

static int map(int fd, char *page)
{
	struct kvmi_map_mem_token tok;

	cr_assert_eq(rel_token_wait(hostsim_fd, &tok), 0);
	return rel_map(fd, &tok, (uintptr_t)page, 0x20000);
}

Test(munmap_first, page_stays_pinned_and_mapped)
{
	struct rel_counters b, a;
	int fd = open_kvmmem();
	char *page = page_at(NULL);

	cr_assert_eq(map(fd, page), 0);
	rel_counters_read(&b);
	cr_assert_eq(munmap(page, page_size), 0);
	rel_counters_read(&a);
	cr_expect_eq(a.live - b.live, 0, "live %+lld", a.live - b.live);
	cr_expect_eq(a.pinned - b.pinned, 0, "pinned %+lld", a.pinned - b.pinned);
	cr_expect_eq(a.pins - b.pins, 0, "kernel pins %+lld", a.pins - b.pins);
	cr_expect_eq(a.host_unmaps - b.host_unmaps, 0);
	cr_expect_eq(rel_unmap(fd, (uintptr_t)page), 0);
	close(fd);
}

Test(munmap_first, new_page_at_that_gva_gets_eexist)
{
	int fd = open_kvmmem();
	char *page = page_at(NULL);

	cr_assert_eq(map(fd, page), 0);
	cr_assert_eq(munmap(page, page_size), 0);
	cr_assert_eq(page_at(page), page);
	cr_expect_eq(map(fd, page), EEXIST);
	/* after UNMAP the new page maps */
	cr_expect_eq(rel_unmap(fd, (uintptr_t)page), 0);
	cr_expect_eq(map(fd, page), 0);
	cr_expect_eq(rel_unmap(fd, (uintptr_t)page), 0);
	munmap(page, page_size);
	close(fd);
}

Test(munmap_first, unmap_without_vma_unpins)
{
	struct rel_counters b, a;
	int fd = open_kvmmem();
	char *page = page_at(NULL);

	rel_counters_read(&b);
	cr_assert_eq(map(fd, page), 0);
	cr_assert_eq(munmap(page, page_size), 0);
	cr_expect_eq(rel_unmap(fd, (uintptr_t)page), 0);
	rel_counters_read(&a);
	cr_expect_eq(a.live - b.live, 0, "live %+lld", a.live - b.live);
	cr_expect_eq(a.pins - b.pins, 0, "kernel pins %+lld", a.pins - b.pins);
	cr_expect_eq(a.unmaps - b.unmaps, 1);
	cr_expect_eq(a.host_unmaps - b.host_unmaps, 1);
	cr_expect_eq(rel_unmap(fd, (uintptr_t)page), ENOENT);
	close(fd);
}

Test(munmap_first, close_unpins)
{
	struct rel_counters b, a;
	int fd = open_kvmmem();
	char *page = page_at(NULL);

	rel_counters_read(&b);
	cr_assert_eq(map(fd, page), 0);
	cr_assert_eq(munmap(page, page_size), 0);
	close(fd);
	rel_counters_read(&a);
	cr_expect_eq(a.live - b.live, 0, "live %+lld", a.live - b.live);
	cr_expect_eq(a.pins - b.pins, 0, "kernel pins %+lld", a.pins - b.pins);
	cr_expect_eq(a.teardown_unmaps - b.teardown_unmaps, 1);
	cr_expect_eq(a.leaked - b.leaked, 0);
}

Test(munmap_first, exit_unpins)
{
	struct rel_counters b, a;
	int status;
	pid_t pid;

	rel_counters_read(&b);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open("/dev/kvmmem", O_RDWR);
		char *page = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct kvmi_map_mem_token tok;

		if (fd < 0 || page == MAP_FAILED ||
		    rel_token_wait(hostsim_fd, &tok) ||
		    rel_map(fd, &tok, (uintptr_t)page, 0) ||
		    munmap(page, page_size))
			_exit(1);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	rel_counters_read(&a);
	cr_expect_eq(a.live - b.live, 0);
	cr_expect_eq(a.pins - b.pins, 0, "kernel pins %+lld", a.pins - b.pins);
	cr_expect_eq(a.teardown_unmaps - b.teardown_unmaps, 1);
}

Test(munmap_first, mprotect_read_only_keeps_mapping)
{
	struct rel_counters b, a;
	int fd = open_kvmmem();
	char *page = page_at(NULL);

	cr_assert_eq(map(fd, page), 0);
	rel_counters_read(&b);
	cr_assert_eq(mprotect(page, page_size, PROT_READ), 0);
	/* still the remote page's content, readable */
	cr_expect_eq(*(volatile uint64_t *)page, kvmmem_hostsim_word(0x20000));
	cr_expect_eq(rel_unmap(fd, (uintptr_t)page), 0);
	rel_counters_read(&a);
	cr_expect_eq(a.unmaps - b.unmaps, 1);
	cr_expect_eq(a.pins - b.pins, -1);
	munmap(page, page_size);
	close(fd);
}
