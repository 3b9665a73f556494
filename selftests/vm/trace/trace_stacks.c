// SPDX-License-Identifier: GPL-2.0
/*
 * trace_stacks.c - three call chains that map pages, for record --stacks
 * (selftests/vm/trace/run.sh). Built -O0 -g with frame pointers, and a
 * stripped copy beside it.
 *
 *   leak_outer > leak_inner > map_pages: 2 pages, then UNMAPs them (the
 *       test makes the host fail both: 2 pages leak)
 *   teardown_outer > teardown_inner > map_pages: 3 pages on a file of
 *       their own, which is closed without UNMAP: a teardown releases them
 *   clean_outer > clean_inner > map_pages: 4 pages, UNMAPped
 *
 * The stack at MAP time: the ioctl wrapper, then the callers of
 * map_pages (the wrapper has no frame of its own, so map_pages, its
 * caller, is not in it), outermost last. Prints "done PID" and exits
 * after 300 ms, or after the argument's milliseconds (kvmmem-top's lane:
 * alive until a sample has seen it).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvmmem.h>
#include <linux/kvmmem_hostsim.h>

#define MAX_PAGES	4

static uint64_t next_gpa = 0x200000;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int open_dev(void)
{
	int fd = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("/dev/kvmmem");
	return fd;
}

/* Map @n fresh pages on @fd; their addresses into @gva. */
static void map_pages(int fd, int n, unsigned long *gva)
{
	struct kvmi_mem_map req;
	int hs, i;

	hs = open("/dev/kvmmem-hostsim", O_RDONLY | O_CLOEXEC);
	if (hs < 0)
		die("/dev/kvmmem-hostsim");
	for (i = 0; i < n; i++) {
		char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (page == MAP_FAILED)
			die("mmap");
		page[0] = 0;	/* populate */
		if (ioctl(hs, KVMMEM_HOSTSIM_GET_TOKEN, &req.token))
			die("KVMMEM_HOSTSIM_GET_TOKEN");
		req.gpa = next_gpa;
		next_gpa += 4096;
		req.gva = (uintptr_t)page;
		if (ioctl(fd, KVM_INTRO_MEM_MAP, &req))
			die("KVM_INTRO_MEM_MAP");
		gva[i] = (uintptr_t)page;
	}
	close(hs);
}

/* UNMAP @n pages: how many failed. */
static int unmap_pages(int fd, int n, const unsigned long *gva)
{
	int i, failed = 0;

	for (i = 0; i < n; i++)
		if (ioctl(fd, KVM_INTRO_MEM_UNMAP, gva[i]))
			failed++;
	return failed;
}

static int leak_inner(int fd)
{
	unsigned long gva[MAX_PAGES];

	map_pages(fd, 2, gva);
	return unmap_pages(fd, 2, gva);
}

static int leak_outer(int fd)
{
	return leak_inner(fd);
}

static void teardown_inner(void)
{
	unsigned long gva[MAX_PAGES];
	int fd = open_dev();

	map_pages(fd, 3, gva);
	close(fd);	/* the last close: a teardown unmaps them */
}

static void teardown_outer(void)
{
	teardown_inner();
}

static int clean_inner(int fd)
{
	unsigned long gva[MAX_PAGES];

	map_pages(fd, 4, gva);
	return unmap_pages(fd, 4, gva);
}

static int clean_outer(int fd)
{
	return clean_inner(fd);
}

int main(int argc, char **argv)
{
	int fd = open_dev(), leaked, failed;
	bool wait = argc > 1 && !strcmp(argv[1], "wait");
	long linger_ms = argc > 1 && !wait ? strtol(argv[1], NULL, 10) : 300;

	leaked = leak_outer(fd);
	teardown_outer();
	failed = clean_outer(fd);
	close(fd);
	printf("done %d leaked %d clean_failed %d\n", (int)getpid(), leaked,
	       failed);
	fflush(stdout);
	if (wait) {
		pause();	/* the default action of the signal ends it */
		return 1;
	}
	/* no race with the recorder's read of /proc/PID/maps on a slow VM */
	usleep((useconds_t)(linger_ms > 0 ? linger_ms : 300) * 1000);
	return failed ? 1 : 0;
}
