// SPDX-License-Identifier: GPL-2.0
/*
 * Leaked pages: the host fails to unmap. Run in a boot of their own
 * (selftests/vm/guest-lane.sh): a leaked page keeps kvmmem loaded for
 * the rest of the boot, by design.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvmmem.h>
#include <linux/kvmmem_hostsim.h>

#include "libkvmmem.h"
#include "util.h"

#define HOSTSIM_DEBUGFS	"/sys/kernel/debug/kvmmem_hostsim/"
#define TRACEFS		"/sys/kernel/tracing/"

static long page_size;
static int hostsim_fd = -1;

static void setup(void)
{
	page_size = sysconf(_SC_PAGESIZE);
	hostsim_fd = kvmmem_hostsim_open(NULL);
	cr_assert_geq(hostsim_fd, 0, "open hostsim: %s", strerror(-hostsim_fd));
}

TestSuite(leak, .init = setup);

static void write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
	cr_assert_geq(fputs(val, f), 0);
	cr_assert_eq(fclose(f), 0, "write %s: %s", path, strerror(errno));
}

static char *read_all(const char *path)
{
	char *text = NULL;
	long n = kvmmem_read_file(path, &text);

	cr_assert_geq(n, 0, "read %s: %s", path, strerror((int)-n));
	return text;
}

static uint64_t stat(const char *key)
{
	struct kvmmem_stats st = { 0 };
	uint64_t val;

	cr_assert_eq(kvmmem_stats_read(KVMMEM_STATS_PATH, &st), 0);
	cr_assert_eq(kvmmem_stats_get_u64(&st, key, &val), 0, "stat %s", key);
	kvmmem_stats_free(&st);
	return val;
}

static int map(int fd, void *page, uint64_t gpa)
{
	struct kvmi_mem_map req = { .gpa = gpa, .gva = (uintptr_t)page };

	cr_assert_eq(kvmmem_hostsim_token(hostsim_fd, &req.token, 5000), 0);
	return ioctl(fd, KVM_INTRO_MEM_MAP, &req) ? errno : 0;
}

static void *local_page(void)
{
	void *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	return p;
}

static uint64_t hostsim_stat(const char *key)
{
	struct kvmmem_stats st = { 0 };
	uint64_t val;

	cr_assert_eq(kvmmem_stats_read(HOSTSIM_DEBUGFS "stats", &st), 0);
	cr_assert_eq(kvmmem_stats_get_u64(&st, key, &val), 0, "hostsim %s", key);
	kvmmem_stats_free(&st);
	return val;
}

static void fill(void *page, int c)
{
	memset(page, c, page_size);
}

static int filled_with(const unsigned char *p, int c)
{
	long i;

	for (i = 0; i < page_size; i++)
		if (p[i] != (unsigned char)c)
			return 0;
	return 1;
}

static void fail_next_unmap(const char *kvm_error)
{
	write_file(HOSTSIM_DEBUGFS "fail_unmap_error", kvm_error);
	write_file(HOSTSIM_DEBUGFS "fail_unmap_count", "1");
}

Test(leak, failed_unmap_keeps_page_pinned_counted_and_traced)
{
	uint64_t live = stat("live_mappings"), leaked = stat("leaked_pages");
	uint64_t pinned = stat("pinned_pages");
	int fd = open("/dev/kvmmem", O_RDWR);
	void *page = local_page();
	char *trace, *list;
	char needle[64];

	cr_assert_geq(fd, 0);
	write_file(TRACEFS "trace", "");
	write_file(TRACEFS "events/kvmmem/kvmmem_page_leaked/enable", "1");
	cr_assert_eq(map(fd, page, 0x3000), 0);
	fail_next_unmap("22");	/* KVM_EINVAL */
	cr_assert_eq(ioctl(fd, KVM_INTRO_MEM_UNMAP, (unsigned long)page), -1);
	/* EIO, whatever the host said: not a caller's mistake (EINVAL) */
	cr_assert_eq(errno, EIO);
	write_file(TRACEFS "events/kvmmem/kvmmem_page_leaked/enable", "0");

	cr_assert_eq(stat("live_mappings"), live);
	cr_assert_eq(stat("leaked_pages"), leaked + 1);
	cr_assert_eq(stat("pinned_pages"), pinned + 1);
	/* The gva is free again in this file. */
	cr_assert_eq(ioctl(fd, KVM_INTRO_MEM_UNMAP, (unsigned long)page), -1);
	cr_assert_eq(errno, ENOENT);

	snprintf(needle, sizeof(needle), "gva=0x%lx gpa=0x3000",
		 (unsigned long)page);
	trace = read_all(TRACEFS "trace");
	cr_assert_not_null(strstr(trace, needle), "no kvmmem_page_leaked event:\n%s",
			   trace);
	snprintf(needle, sizeof(needle), "0x%lx 0x3000", (unsigned long)page);
	list = read_all(KVMMEM_DEBUGFS_DIR "/leaked");
	cr_assert_not_null(strstr(list, needle), "not in leaked list:\n%s", list);
	free(trace);
	free(list);
	close(fd);
	cr_assert_eq(stat("leaked_pages"), leaked + 1);
}

Test(leak, failed_teardown_unmap_is_a_leaked_page)
{
	uint64_t leaked = stat("leaked_pages"), live = stat("live_mappings");
	uint64_t torn = stat("teardown_unmaps");
	int fd = open("/dev/kvmmem", O_RDWR);

	cr_assert_geq(fd, 0);
	cr_assert_eq(map(fd, local_page(), 0), 0);
	cr_assert_eq(map(fd, local_page(), 0), 0);
	fail_next_unmap("14");	/* KVM_EFAULT */
	close(fd);
	cr_assert_eq(stat("live_mappings"), live);
	cr_assert_eq(stat("leaked_pages"), leaked + 1);
	cr_assert_eq(stat("teardown_unmaps"), torn + 1);
}

Test(leak, leaked_pages_keep_the_modules_loaded)
{
	int fd = open("/dev/kvmmem", O_RDWR);
	void *page = local_page();

	cr_assert_geq(fd, 0);
	cr_assert_eq(map(fd, page, 0), 0);
	fail_next_unmap("1000");	/* KVM_ENOSYS */
	cr_assert_eq(ioctl(fd, KVM_INTRO_MEM_UNMAP, (unsigned long)page), -1);
	cr_assert_eq(errno, EIO);
	close(fd);
	cr_assert_gt(stat("leaked_pages"), 0);
	cr_assert_neq(system("rmmod kvmmem_hostsim 2>/dev/null"), 0);
	cr_assert_neq(system("rmmod kvmmem 2>/dev/null"), 0);
	cr_assert_eq(access("/dev/kvmmem", F_OK), 0);
}

/*
 * A MAP answer the driver does not know (4095 is no KVM error): the host
 * may have mapped the page, so the driver unmaps it before letting it go;
 * if the host refuses that too, the page is quarantined as leaked.
 */
static void unknown_map_answer(int after_mapping)
{
	write_file(HOSTSIM_DEBUGFS "fail_map_after", after_mapping ? "Y" : "N");
	write_file(HOSTSIM_DEBUGFS "fail_map_error", "4095");
	write_file(HOSTSIM_DEBUGFS "fail_map_count", "1");
}

static void host_tells_the_truth(void)
{
	write_file(HOSTSIM_DEBUGFS "fail_map_after", "N");
	write_file(HOSTSIM_DEBUGFS "fail_map_count", "0");
}

Test(leak, unknown_map_answer_after_a_map_is_unmapped_not_freed,
     .fini = host_tells_the_truth)
{
	uint64_t live = stat("live_mappings"), leaked = stat("leaked_pages");
	uint64_t pinned = stat("pinned_pages"), unmaps = hostsim_stat("unmaps");
	int fd = open("/dev/kvmmem", O_RDWR);
	void *page = local_page();

	cr_assert_geq(fd, 0);
	fill(page, 0x3e);
	unknown_map_answer(1);
	cr_assert_eq(map(fd, page, 0x6000), EIO);
	/* the driver asked the host to unmap, and it did */
	cr_expect_eq(hostsim_stat("unmaps"), unmaps + 1);
	cr_expect(filled_with(page, 0x3e), "the page's own content is not back");
	cr_expect_eq(stat("live_mappings"), live);
	cr_expect_eq(stat("leaked_pages"), leaked);
	cr_expect_eq(stat("pinned_pages"), pinned);
	/* the page is free for a real map */
	cr_expect_eq(map(fd, page, 0x6000), 0);
	close(fd);
}

Test(leak, unknown_map_answer_whose_unmap_fails_is_quarantined,
     .fini = host_tells_the_truth)
{
	uint64_t live = stat("live_mappings"), leaked = stat("leaked_pages");
	uint64_t pinned = stat("pinned_pages");
	int fd = open("/dev/kvmmem", O_RDWR);
	void *page = local_page();

	cr_assert_geq(fd, 0);
	/* the host mapped nothing, so its unmap fails: KVM_EINVAL */
	unknown_map_answer(0);
	cr_assert_eq(map(fd, page, 0x6000), EIO);
	cr_expect_eq(stat("live_mappings"), live);
	cr_expect_eq(stat("leaked_pages"), leaked + 1);
	cr_expect_eq(stat("pinned_pages"), pinned + 1);
	/* quarantined for good: the page cannot be mapped again */
	cr_expect_eq(map(fd, page, 0x6000), EEXIST);
	close(fd);
	cr_expect_eq(stat("leaked_pages"), leaked + 1);
}

static char old_budget[32];

static void restore_budget(void)
{
	write_file("/sys/module/kvmmem/parameters/max_leaked_pages", old_budget);
}

Test(leak, map_past_the_leaked_page_budget_is_edquot, .fini = restore_budget)
{
	const char *param = "/sys/module/kvmmem/parameters/max_leaked_pages";
	uint64_t leaked = stat("leaked_pages"), maps = stat("maps");
	int fd = open("/dev/kvmmem", O_RDWR);
	void *page = local_page();
	char *old = read_all(param);
	char val[32];

	cr_assert_geq(fd, 0);
	snprintf(old_budget, sizeof(old_budget), "%s", old);
	free(old);
	cr_assert_gt(leaked, 0, "the earlier cases leaked no page");
	snprintf(val, sizeof(val), "%llu", (unsigned long long)leaked);
	write_file(param, val);
	cr_expect_eq(map(fd, page, 0), EDQUOT);
	cr_expect_eq(stat("maps"), maps);
	/* still counted and listed */
	cr_expect_eq(stat("leaked_pages"), leaked);
	snprintf(val, sizeof(val), "%llu", (unsigned long long)leaked + 1);
	write_file(param, val);
	cr_expect_eq(map(fd, page, 0), 0);
	close(fd);
}
