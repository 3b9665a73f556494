// SPDX-License-Identifier: GPL-2.0
/*
 * Driver tests, run inside the guest VM with kvmmem.ko and
 * kvmmem_hostsim.ko loaded (selftests/vm/guest-lane.sh). They talk to
 * /dev/kvmmem with raw ioctls: what is tested is the ABI.
 *
 * Tests compare module-wide counters before and after, so run them one
 * at a time (--jobs 1).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/kvmmem.h>
#include <linux/kvmmem_hostsim.h>

#include "libkvmmem.h"
#include "util.h"

#define HOSTSIM_DEBUGFS	"/sys/kernel/debug/kvmmem_hostsim/"
#define MAX_MAPPINGS	"/sys/module/kvmmem/parameters/max_mappings"
#define TRACEFS		"/sys/kernel/tracing/"

static long page_size;
static int hostsim_fd = -1;

static void setup(void)
{
	page_size = sysconf(_SC_PAGESIZE);
	hostsim_fd = kvmmem_hostsim_open(NULL);
	cr_assert_geq(hostsim_fd, 0, "open hostsim: %s", strerror(-hostsim_fd));
}

static void teardown(void)
{
	if (hostsim_fd >= 0)
		close(hostsim_fd);
}

TestSuite(driver, .init = setup, .fini = teardown);
TestSuite(lifetime, .init = setup, .fini = teardown);
TestSuite(accounting, .init = setup, .fini = teardown);
TestSuite(memory, .init = setup, .fini = teardown);
TestSuite(one_page, .init = setup, .fini = teardown);
TestSuite(ioctl, .init = setup, .fini = teardown);
TestSuite(killable, .init = setup, .fini = teardown);

static int open_kvmmem(void)
{
	int fd = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);

	cr_assert_geq(fd, 0, "open /dev/kvmmem: %s", strerror(errno));
	return fd;
}

static struct kvmi_map_mem_token token(void)
{
	struct kvmi_map_mem_token tok;
	int err = kvmmem_hostsim_token(hostsim_fd, &tok,
				       KVMMEM_HOSTSIM_TOKEN_TTL_MS + 1000);

	cr_assert_eq(err, 0, "get token: %s", strerror(-err));
	return tok;
}

/* MAP ioctl; returns 0 or the errno. */
static int map_tok(int fd, struct kvmi_map_mem_token tok, void *page,
		   uint64_t gpa)
{
	struct kvmi_mem_map req = {
		.token = tok,
		.gpa = gpa,
		.gva = (uintptr_t)page,
	};

	return ioctl(fd, KVM_INTRO_MEM_MAP, &req) ? errno : 0;
}

static int map(int fd, void *page, uint64_t gpa)
{
	return map_tok(fd, token(), page, gpa);
}

static int unmap(int fd, void *page)
{
	return ioctl(fd, KVM_INTRO_MEM_UNMAP, (unsigned long)page) ? errno : 0;
}

static void *anon_pages(size_t n, int prot, int flags)
{
	void *p = mmap(NULL, n * page_size, prot, flags | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

/* A shared anonymous page filled with @fill, as libkvmi maps it. */
static void *local_page(int fill)
{
	void *p = anon_pages(1, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_POPULATE);

	memset(p, fill, page_size);
	return p;
}

static uint64_t stat(const char *key)
{
	struct kvmmem_stats st = { 0 };
	uint64_t val;
	int err;

	err = kvmmem_stats_read(KVMMEM_STATS_PATH, &st);
	cr_assert_eq(err, 0, "read stats: %s", strerror(-err));
	err = kvmmem_stats_get_u64(&st, key, &val);
	cr_assert_eq(err, 0, "stat %s: %s", key, strerror(-err));
	kvmmem_stats_free(&st);
	return val;
}

static void write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
	cr_assert_geq(fputs(val, f), 0);
	cr_assert_eq(fclose(f), 0, "write %s: %s", path, strerror(errno));
}

static void assert_filled(const void *page, int fill)
{
	const unsigned char *b = page;
	long i;

	for (i = 0; i < page_size; i++)
		cr_assert_eq(b[i], (unsigned char)fill,
			     "byte %ld is 0x%02x, expected 0x%02x", i, b[i], fill);
}

static void assert_remote(const void *page, uint64_t gpa)
{
	size_t bad = 0;

	cr_assert_eq(kvmmem_hostsim_verify(page, page_size, gpa, &bad), 0,
		     "remote page 0x%llx differs at offset %zu",
		     (unsigned long long)gpa, bad);
}

/* ------------------------------------------------------------ behaviour */

Test(driver, map_shows_remote_page_and_unmap_restores_content)
{
	int fd = open_kvmmem();
	void *page = local_page(0xa5);

	cr_assert_eq(map(fd, page, 0x1000), 0);
	assert_remote(page, 0x1000);
	cr_assert_eq(unmap(fd, page), 0);
	assert_filled(page, 0xa5);
	close(fd);
}

Test(driver, private_anonymous_page_can_be_mapped)
{
	int fd = open_kvmmem();
	char *page = anon_pages(1, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	/* Never touched: the driver must break COW itself. */
	cr_assert_eq(map(fd, page, 0x7000), 0);
	assert_remote(page, 0x7000);
	cr_assert_eq(unmap(fd, page), 0);
	assert_filled(page, 0);
	close(fd);
}

Test(driver, counters_follow_map_and_unmap)
{
	uint64_t live = stat("live_mappings"), maps = stat("maps");
	uint64_t unmaps = stat("unmaps");
	int fd = open_kvmmem();
	void *page = local_page(1);

	cr_assert_eq(map(fd, page, 0), 0);
	cr_assert_eq(stat("live_mappings"), live + 1);
	cr_assert_eq(stat("pinned_pages"), live + 1 + stat("leaked_pages"));
	cr_assert_eq(stat("maps"), maps + 1);
	cr_assert_eq(unmap(fd, page), 0);
	cr_assert_eq(stat("live_mappings"), live);
	cr_assert_eq(stat("unmaps"), unmaps + 1);
	close(fd);
}

Test(driver, close_tears_down_every_mapping)
{
	uint64_t live = stat("live_mappings"), pinned = stat("pinned_pages");
	uint64_t torn = stat("teardown_unmaps");
	int fd = open_kvmmem();
	char *pages = anon_pages(16, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_POPULATE);
	int i;

	memset(pages, 0x3c, 16 * page_size);
	for (i = 0; i < 16; i++)
		cr_assert_eq(map(fd, pages + i * page_size, i * 0x1000), 0);
	cr_assert_eq(stat("live_mappings"), live + 16);
	close(fd);
	cr_assert_eq(stat("live_mappings"), live);
	cr_assert_eq(stat("pinned_pages"), pinned);
	cr_assert_eq(stat("teardown_unmaps"), torn + 16);
	for (i = 0; i < 16; i++)
		assert_filled(pages + i * page_size, 0x3c);
}

Test(driver, kill_9_tears_down_every_mapping)
{
	uint64_t live = stat("live_mappings"), pinned = stat("pinned_pages");
	int ready[2], status;
	pid_t pid;
	char c;

	cr_assert_eq(pipe(ready), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open_kvmmem();
		int i;

		for (i = 0; i < 8; i++)
			if (map(fd, local_page(i), i * 0x1000))
				_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	cr_assert_eq(read(ready[0], &c, 1), 1, "child failed to map");
	cr_assert_eq(stat("live_mappings"), live + 8);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	cr_assert_eq(stat("live_mappings"), live);
	cr_assert_eq(stat("pinned_pages"), pinned);
}

/* --------------------------------------------------------------- errors */

Test(driver, random_token_is_rejected)
{
	struct kvmi_map_mem_token tok = { .token = { 1, 2, 3, 4 } };
	uint64_t live = stat("live_mappings");
	int fd = open_kvmmem();

	cr_assert_eq(map_tok(fd, tok, local_page(0), 0), EKEYREJECTED);
	cr_assert_eq(stat("live_mappings"), live);
	close(fd);
}

Test(driver, reused_token_is_rejected)
{
	struct kvmi_map_mem_token tok = token();
	int fd = open_kvmmem();

	cr_assert_eq(map_tok(fd, tok, local_page(0), 0), 0);
	cr_assert_eq(map_tok(fd, tok, local_page(0), 0), EKEYREJECTED);
	close(fd);
}

Test(driver, expired_token_is_rejected)
{
	struct kvmi_map_mem_token tok = token();
	int fd = open_kvmmem();

	usleep((KVMMEM_HOSTSIM_TOKEN_TTL_MS + 300) * 1000);
	cr_assert_eq(map_tok(fd, tok, local_page(0), 0), EKEYREJECTED);
	close(fd);
}

Test(driver, ninth_outstanding_token_is_refused)
{
	struct kvmi_map_mem_token tok;
	int i, n = 0;

	/* Other tests' unused tokens may still be outstanding. */
	for (i = 0; i < KVMMEM_HOSTSIM_MAX_TOKENS + 1; i++)
		if (ioctl(hostsim_fd, KVMMEM_HOSTSIM_GET_TOKEN, &tok) == 0)
			n++;
	cr_assert_leq(n, KVMMEM_HOSTSIM_MAX_TOKENS);
	cr_assert_eq(ioctl(hostsim_fd, KVMMEM_HOSTSIM_GET_TOKEN, &tok), -1);
	cr_assert_eq(errno, EAGAIN);
	/* Let them expire for the tests that follow. */
	usleep((KVMMEM_HOSTSIM_TOKEN_TTL_MS + 300) * 1000);
}

Test(driver, unaligned_gva_is_einval)
{
	int fd = open_kvmmem();

	cr_assert_eq(map(fd, (char *)local_page(0) + 8, 0), EINVAL);
	close(fd);
}

Test(driver, unaligned_gpa_is_einval)
{
	int fd = open_kvmmem();

	cr_assert_eq(map(fd, local_page(0), 0x1008), EINVAL);
	close(fd);
}

Test(driver, gpa_outside_remote_vm_is_einval)
{
	int fd = open_kvmmem();

	cr_assert_eq(map(fd, local_page(0), 1ULL << 50), EINVAL);
	close(fd);
}

Test(driver, unmapped_gva_is_efault)
{
	int fd = open_kvmmem();
	void *page = anon_pages(1, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	cr_assert_eq(munmap(page, page_size), 0);
	cr_assert_eq(map(fd, page, 0), EFAULT);
	close(fd);
}

Test(driver, read_only_mapping_is_eacces)
{
	int fd = open_kvmmem();
	void *page = anon_pages(1, PROT_READ, MAP_PRIVATE);

	cr_assert_eq(map(fd, page, 0), EACCES);
	close(fd);
}

Test(driver, kernel_address_is_einval)
{
	int fd = open_kvmmem();

	cr_assert_eq(map(fd, (void *)0xffff888000000000UL, 0), EINVAL);
	close(fd);
}

Test(driver, duplicate_gva_is_eexist)
{
	int fd = open_kvmmem();
	void *page = local_page(0);

	cr_assert_eq(map(fd, page, 0), 0);
	cr_assert_eq(map(fd, page, 0x1000), EEXIST);
	assert_remote(page, 0);
	close(fd);
}

Test(driver, unmap_of_unknown_address_is_enoent)
{
	int fd = open_kvmmem();

	cr_assert_eq(unmap(fd, local_page(0)), ENOENT);
	close(fd);
}

Test(driver, unmap_of_unaligned_address_is_einval)
{
	int fd = open_kvmmem();

	cr_assert_eq(unmap(fd, (char *)local_page(0) + 1), EINVAL);
	close(fd);
}

Test(driver, unknown_ioctl_is_enotty)
{
	int fd = open_kvmmem();

	cr_assert_eq(ioctl(fd, _IO('i', 0x7f), 0), -1);
	cr_assert_eq(errno, ENOTTY);
	close(fd);
}

Test(driver, bad_argument_pointer_is_efault)
{
	int fd = open_kvmmem();

	cr_assert_eq(ioctl(fd, KVM_INTRO_MEM_MAP, (void *)16), -1);
	cr_assert_eq(errno, EFAULT);
	close(fd);
}

Test(driver, other_mm_cannot_unmap)
{
	int fd = open_kvmmem();
	void *page = local_page(0);
	int status;
	pid_t pid;

	cr_assert_eq(map(fd, page, 0x2000), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(unmap(fd, page));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), EPERM);
	assert_remote(page, 0x2000);
	cr_assert_eq(unmap(fd, page), 0);
	close(fd);
}

Test(driver, per_file_cap_is_enospc)
{
	int fd = open_kvmmem(), other = open_kvmmem();
	char old[32] = "";
	FILE *f = fopen(MAX_MAPPINGS, "r");

	cr_assert_not_null(f);
	cr_assert_not_null(fgets(old, sizeof(old), f));
	fclose(f);
	write_file(MAX_MAPPINGS, "2");
	cr_assert_eq(map(fd, local_page(0), 0), 0);
	cr_assert_eq(map(fd, local_page(0), 0), 0);
	cr_assert_eq(map(fd, local_page(0), 0), ENOSPC);
	/* The cap is per file. */
	cr_assert_eq(map(other, local_page(0), 0), 0);
	write_file(MAX_MAPPINGS, old);
	close(fd);
	close(other);
}

Test(driver, injected_map_error_leaks_nothing)
{
	uint64_t live = stat("live_mappings"), pinned = stat("pinned_pages");
	int fd = open_kvmmem();
	void *page = local_page(0x5a);

	write_file(HOSTSIM_DEBUGFS "fail_map_error", "1000");	/* KVM_ENOSYS */
	write_file(HOSTSIM_DEBUGFS "fail_map_count", "1");
	cr_assert_eq(map(fd, page, 0), EOPNOTSUPP);
	cr_assert_eq(stat("live_mappings"), live);
	cr_assert_eq(stat("pinned_pages"), pinned);
	assert_filled(page, 0x5a);
	/* Only the next map failed. */
	cr_assert_eq(map(fd, page, 0), 0);
	close(fd);
}

Test(driver, injected_transient_map_error_is_eagain)
{
	int fd = open_kvmmem();

	write_file(HOSTSIM_DEBUGFS "fail_map_error", "11");	/* KVM_EAGAIN */
	write_file(HOSTSIM_DEBUGFS "fail_map_count", "1");
	cr_assert_eq(map(fd, local_page(0), 0), EAGAIN);
	close(fd);
}

/* ---------------------------------------------------------------- races */

struct race {
	int fd;
	char *pages;
	int npages;
	unsigned int seed;
};

static void *race_worker(void *arg)
{
	struct race *r = arg;
	unsigned int seed = r->seed;
	struct kvmi_map_mem_token tok;
	int i, err = 0;

	for (i = 0; i < 400 && err != EBADF; i++) {
		char *page = r->pages + (rand_r(&seed) % r->npages) * page_size;

		if (rand_r(&seed) & 1) {
			/*
			 * A failed map wastes its token until it expires:
			 * use a real one only for a quarter of the maps.
			 */
			memset(&tok, 0, sizeof(tok));
			if (rand_r(&seed) % 4 == 0 &&
			    kvmmem_hostsim_token(hostsim_fd, &tok, 5000))
				continue;
			err = map_tok(r->fd, tok, page,
				      (rand_r(&seed) % 64) * 0x1000);
		} else {
			err = unmap(r->fd, page);
		}
	}
	return NULL;
}

static void *race_closer(void *arg)
{
	struct race *r = arg;

	usleep(20000);
	close(r->fd);
	return NULL;
}

Test(driver, threads_racing_map_unmap_and_close_leave_nothing)
{
	uint64_t live = stat("live_mappings"), pinned = stat("pinned_pages");
	struct race r[4];
	pthread_t t[5];
	char *pages = anon_pages(8, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_POPULATE);
	int fd = open_kvmmem();
	int i;

	for (i = 0; i < 4; i++) {
		r[i] = (struct race){ fd, pages, 8, 1234 + i };
		cr_assert_eq(pthread_create(&t[i], NULL, race_worker, &r[i]), 0);
	}
	cr_assert_eq(pthread_create(&t[4], NULL, race_closer, &r[0]), 0);
	for (i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(stat("live_mappings"), live);
	cr_assert_eq(stat("pinned_pages"), pinned);
}

/* -------------------------------------------- lifetime: bound to the mm */

/*
 * A file's mappings die with the address space that opened it, whoever
 * still holds the file. Other processes holding it get EPERM.
 */

/* Wait up to 5 s for the live mappings to be back at @want. */
static uint64_t live_settles_at(uint64_t want)
{
	uint64_t live = stat("live_mappings");
	int i;

	for (i = 0; i < 50 && live != want; i++) {
		usleep(100000);
		live = stat("live_mappings");
	}
	return live;
}

static void reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

Test(lifetime, kill_9_of_mapper_tears_down_while_helper_holds_the_file)
{
	uint64_t live = stat("live_mappings"), pinned = stat("pinned_pages");
	pid_t daemon, helper = 0;
	int ready[2], status;

	/* the helper is reparented to us when the daemon dies */
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	cr_assert_eq(pipe(ready), 0);
	daemon = fork();
	cr_assert_geq(daemon, 0);
	if (daemon == 0) {
		/* as libkvmi opens it: no O_CLOEXEC, helpers inherit it */
		int fd = open("/dev/kvmmem", O_RDWR);
		int i;

		for (i = 0; i < 4; i++)
			if (fd < 0 || map(fd, local_page(i), i * 0x1000))
				_exit(1);
		helper = fork();
		if (helper == 0) {
			pause();
			_exit(0);
		}
		if (write(ready[1], &helper, sizeof(helper)) != sizeof(helper))
			_exit(1);
		pause();
		_exit(0);
	}
	cr_assert_eq(read(ready[0], &helper, sizeof(helper)), sizeof(helper),
		     "daemon failed to map");
	cr_assert_eq(stat("live_mappings"), live + 4);
	kill(daemon, SIGKILL);
	cr_assert_eq(waitpid(daemon, &status, 0), daemon);
	cr_assert_eq(kill(helper, 0), 0, "the helper should still run");
	cr_expect_eq(live_settles_at(live), live);
	cr_expect_eq(stat("pinned_pages"), pinned);
	reap(helper);
}

Test(lifetime, execve_tears_down_the_old_address_space_mappings)
{
	uint64_t live = stat("live_mappings"), pinned = stat("pinned_pages");
	char path[64], comm[32] = "";
	int ready[2], i;
	pid_t pid;

	cr_assert_eq(pipe(ready), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open("/dev/kvmmem", O_RDWR);	/* kept across exec */

		for (i = 0; i < 4; i++)
			if (fd < 0 || map(fd, local_page(i), i * 0x1000))
				_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(1);
	}
	cr_assert_eq(read(ready[0], comm, 1), 1, "child failed to map");
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	for (i = 0; i < 50 && strcmp(comm, "sleep\n"); i++) {
		FILE *f = fopen(path, "r");

		usleep(100000);
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = 0;
			fclose(f);
		}
	}
	cr_assert_str_eq(comm, "sleep\n", "the child did not exec");
	cr_expect_eq(stat("live_mappings"), live);
	cr_expect_eq(stat("pinned_pages"), pinned);
	reap(pid);
}

static int recv_fd(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

static int send_fd(int sock, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

Test(lifetime, file_passed_over_unix_socket_dies_with_its_opener)
{
	uint64_t live = stat("live_mappings"), pinned = stat("pinned_pages");
	void *page = local_page(0x77);
	int sv[2], fd, status;
	uintptr_t gva;
	pid_t pid;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int kfd = open_kvmmem();
		char *p = local_page(1);
		char c;

		if (map(kfd, p, 0x4000) || send_fd(sv[1], kfd) ||
		    write(sv[1], &p, sizeof(p)) != sizeof(p) ||
		    read(sv[1], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	fd = recv_fd(sv[0]);
	cr_assert_geq(fd, 0, "no fd received");
	cr_assert_eq(read(sv[0], &gva, sizeof(gva)), sizeof(gva));
	cr_assert_eq(stat("live_mappings"), live + 1);
	/* not ours: the file belongs to the child's address space */
	cr_expect_eq(unmap(fd, (void *)gva), EPERM);
	cr_expect_eq(map(fd, page, 0), EPERM);
	cr_assert_eq(write(sv[0], "x", 1), 1);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* its opener is gone: so are its mappings, though we hold the file */
	cr_expect_eq(stat("live_mappings"), live);
	cr_expect_eq(stat("pinned_pages"), pinned);
	cr_expect_eq(map(fd, page, 0), EPERM);
	assert_filled(page, 0x77);
	close(fd);
}

Test(lifetime, fork_child_maps_its_own_copies_of_the_parents_pages)
{
	int fd = open_kvmmem();
	char *pages = anon_pages(4, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_POPULATE);
	int i, status;
	pid_t pid;

	for (i = 0; i < 4; i++)
		cr_assert_eq(map(fd, pages + i * page_size, i * 0x1000), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int cfd;

		/* the inherited file is the parent's */
		if (map(fd, pages, 0x10000) != EPERM)
			_exit(2);
		cfd = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);
		if (cfd < 0)
			_exit(3);
		/* same addresses, the child's own pages */
		for (i = 0; i < 4; i++)
			if (map(cfd, pages + i * page_size, 0x10000 + i * 0x1000))
				_exit(10 + i);
		for (i = 0; i < 4; i++)
			if (kvmmem_hostsim_verify(pages + i * page_size, page_size,
						  0x10000 + i * 0x1000, NULL))
				_exit(20 + i);
		for (i = 0; i < 4; i++)
			if (unmap(cfd, pages + i * page_size))
				_exit(30 + i);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0, "child failed at step %d",
		     WEXITSTATUS(status));
	for (i = 0; i < 4; i++)
		assert_remote(pages + i * page_size, i * 0x1000);
	for (i = 0; i < 4; i++)
		cr_assert_eq(unmap(fd, pages + i * page_size), 0);
	close(fd);
}

Test(lifetime, munmap_of_the_anchor_tears_down_and_later_maps_are_eio)
{
	uint64_t live = stat("live_mappings");
	int fd = open_kvmmem();
	char *page = local_page(0x12);
	unsigned long lo, hi;
	char line[256];
	void *anchor = NULL;
	FILE *maps;

	cr_assert_eq(map(fd, page, 0x1000), 0);
	maps = fopen("/proc/self/maps", "r");
	cr_assert_not_null(maps);
	while (fgets(line, sizeof(line), maps))
		if (strstr(line, "[kvmmem]") &&
		    sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			anchor = (void *)lo;
	fclose(maps);
	cr_assert_not_null(anchor, "no [kvmmem] anchor in /proc/self/maps");
	cr_assert_eq(hi - lo, (unsigned long)page_size);
	cr_assert_eq(munmap(anchor, page_size), 0);
	cr_expect_eq(stat("live_mappings"), live);
	assert_filled(page, 0x12);
	cr_expect_eq(map(fd, page, 0x1000), EIO);
	close(fd);
}

/* ------------------------------------------------------------ accounting */

static long vmpin_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	cr_assert_geq(kb, 0, "no VmPin in /proc/self/status");
	return kb;
}

Test(accounting, vmpin_grows_by_the_pinned_pages_and_returns)
{
	long before = vmpin_kb(), kb = page_size / 1024;
	int fd = open_kvmmem();
	void *a = local_page(0), *b = local_page(0), *c = local_page(0);

	cr_assert_eq(map(fd, a, 0), 0);
	cr_assert_eq(map(fd, b, 0), 0);
	cr_assert_eq(map(fd, c, 0), 0);
	cr_expect_eq(vmpin_kb(), before + 3 * kb);
	cr_assert_eq(unmap(fd, b), 0);
	cr_expect_eq(vmpin_kb(), before + 2 * kb);
	close(fd);
	cr_expect_eq(vmpin_kb(), before);
}

/* In a child of the test: become nobody (no capability left). */
static void become_nobody(void)
{
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		_exit(90);
}

/*
 * RLIMIT_MEMLOCK of 3 pages for an unprivileged user: the 4th pin is
 * ENOMEM, and a fork of that user shares the same 3 pages.
 */
Test(accounting, memlock_limit_is_enforced_per_user_across_forks)
{
	struct rlimit rl = { 3 * page_size, 3 * page_size };
	int status;
	pid_t pid;

	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int go[2], done[2], fd, gfd, i;
		char *pages = anon_pages(4, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_POPULATE);
		pid_t g;
		char c;

		if (setrlimit(RLIMIT_MEMLOCK, &rl) || pipe(go) || pipe(done))
			_exit(80);
		fd = open("/dev/kvmmem", O_RDWR);
		if (fd < 0)
			_exit(81);
		g = fork();
		if (g == 0) {
			/* the fork: its own file, its own mm, the same user */
			char *gp = local_page(0);

			gfd = open("/dev/kvmmem", O_RDWR);
			become_nobody();
			if (gfd < 0 || read(go[0], &c, 1) != 1)
				_exit(82);
			if (map(gfd, gp, 0) != ENOMEM)
				_exit(83);
			if (write(done[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(84);
			if (map(gfd, gp, 0))
				_exit(85);
			_exit(0);
		}
		become_nobody();
		for (i = 0; i < 3; i++)
			if (map(fd, pages + i * page_size, 0))
				_exit(40 + i);
		if (map(fd, pages + 3 * page_size, 0) != ENOMEM)
			_exit(50);
		/* the fork gets nothing more: the limit is the user's */
		if (write(go[1], "x", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(51);
		if (unmap(fd, pages))
			_exit(52);
		if (write(go[1], "x", 1) != 1 || waitpid(g, &status, 0) != g)
			_exit(53);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 99);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0, "failed at step %d",
		     WEXITSTATUS(status));
}

/* -------------------------------------------------- only anonymous memory */

/* A page of a regular file on the checkout (9p), mmapped with @flags. */
static void *file_page(int flags, int *fdp)
{
	char path[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	void *p;
	int fd;

	cr_assert_gt(n, 0);
	path[n] = 0;
	dir = strrchr(path, '/');
	cr_assert_not_null(dir);
	strcpy(dir, "/file-page.tmp");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0, "create %s: %s", path, strerror(errno));
	cr_assert_eq(ftruncate(fd, page_size), 0, "ftruncate: %s", strerror(errno));
	p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, flags, fd, 0);
	cr_assert_neq(p, MAP_FAILED, "mmap: %s", strerror(errno));
	memset(p, 0x42, page_size);
	unlink(path);
	*fdp = fd;
	return p;
}

Test(memory, shared_page_of_a_regular_file_is_einval)
{
	uint64_t maps = stat("maps"), pinned = stat("pinned_pages");
	int fd = open_kvmmem(), ffd;
	void *p = file_page(MAP_SHARED, &ffd);

	cr_expect_eq(map(fd, p, 0), EINVAL);
	cr_expect_eq(stat("maps"), maps);
	cr_expect_eq(stat("pinned_pages"), pinned);
	close(ffd);
	close(fd);
}

Test(memory, private_page_of_a_regular_file_is_einval)
{
	int fd = open_kvmmem(), ffd;
	void *p = file_page(MAP_PRIVATE, &ffd);

	cr_expect_eq(map(fd, p, 0), EINVAL);
	close(ffd);
	close(fd);
}

Test(memory, memfd_page_can_be_mapped)
{
	int fd = open_kvmmem(), mfd = memfd_create("kvmmem-test", MFD_CLOEXEC);
	void *p;

	cr_assert_geq(mfd, 0);
	cr_assert_eq(ftruncate(mfd, page_size), 0);
	p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	cr_assert_neq(p, MAP_FAILED);
	memset(p, 0x24, page_size);
	cr_assert_eq(map(fd, p, 0x9000), 0);
	assert_remote(p, 0x9000);
	cr_assert_eq(unmap(fd, p), 0);
	assert_filled(p, 0x24);
	close(mfd);
	close(fd);
}

Test(memory, page_of_an_mmapped_bpf_array_is_einval)
{
	union bpf_attr attr;
	int fd = open_kvmmem(), map_fd;
	void *p;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = page_size;
	attr.max_entries = 1;
	attr.map_flags = BPF_F_MMAPABLE;
	map_fd = syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	cr_assert_geq(map_fd, 0, "bpf map: %s", strerror(errno));
	p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	cr_assert_neq(p, MAP_FAILED, "mmap bpf map: %s", strerror(errno));
	cr_expect_eq(map(fd, p, 0), EINVAL);
	munmap(p, page_size);
	close(map_fd);
	close(fd);
}

/* ---------------------------------------------- one page, one mapping */

static void hostsim_trace(const char *on)
{
	write_file(TRACEFS "events/kvmmem_hostsim/kvmmem_hostsim_hypercall_enter/enable",
		   on);
}

Test(one_page, same_page_through_a_second_file_is_eexist_without_hypercall)
{
	int a = open_kvmmem(), b = open_kvmmem();
	void *page = local_page(0);
	char *trace = NULL;

	cr_assert_eq(map(a, page, 0x1000), 0);
	write_file(TRACEFS "trace", "");
	hostsim_trace("1");
	cr_expect_eq(map(b, page, 0x2000), EEXIST);
	hostsim_trace("0");
	cr_assert_geq(kvmmem_read_file(TRACEFS "trace", &trace), 0);
	cr_expect_null(strstr(trace, "kvmmem_hostsim_hypercall_enter"),
		       "the host was asked:\n%s", trace);
	free(trace);
	assert_remote(page, 0x1000);
	close(b);
	cr_assert_eq(unmap(a, page), 0);
	close(a);
}

Test(one_page, two_aliases_of_one_page_are_eexist)
{
	int fd = open_kvmmem(), mfd = memfd_create("kvmmem-alias", MFD_CLOEXEC);
	char *x, *y;

	cr_assert_geq(mfd, 0);
	cr_assert_eq(ftruncate(mfd, page_size), 0);
	x = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE, mfd, 0);
	y = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE, mfd, 0);
	cr_assert_neq(x, MAP_FAILED);
	cr_assert_neq(y, MAP_FAILED);
	cr_assert_eq(map(fd, x, 0x1000), 0);
	cr_expect_eq(map(fd, y, 0x2000), EEXIST);
	cr_assert_eq(unmap(fd, x), 0);
	/* free again once unmapped */
	cr_expect_eq(map(fd, y, 0x2000), 0);
	close(fd);
	close(mfd);
}

/* -------------------------------------------------------- ioctl numbers */

Test(ioctl, later_kvmi_probe_i_0x03_is_enotty_on_both_devices)
{
	int fd = open_kvmmem();

	cr_assert_eq(ioctl(fd, _IOW('i', 0x03, unsigned long), 0), -1);
	cr_assert_eq(errno, ENOTTY);
	cr_assert_eq(ioctl(hostsim_fd, _IOW('i', 0x03, unsigned long), 0), -1);
	cr_assert_eq(errno, ENOTTY);
	close(fd);
}

Test(ioctl, old_hostsim_token_number_is_enotty)
{
	struct kvmi_map_mem_token tok;
	int fd = open_kvmmem();

	cr_assert_eq(ioctl(hostsim_fd, _IOR('i', 0x40, struct kvmi_map_mem_token),
			   &tok), -1);
	cr_assert_eq(errno, ENOTTY);
	cr_assert_eq(ioctl(fd, _IOR('i', 0x40, struct kvmi_map_mem_token), &tok),
		     -1);
	cr_assert_eq(errno, ENOTTY);
	close(fd);
}

/* ------------------------------------------------------- slow host, kill */

static void no_latency(void)
{
	write_file(HOSTSIM_DEBUGFS "latency_us", "0");
}

struct slow_map {
	int fd;
	void *page;
	struct kvmi_map_mem_token tok;
};

static void *slow_mapper(void *arg)
{
	struct slow_map *s = arg;

	map_tok(s->fd, s->tok, s->page, 0);
	return NULL;
}

Test(killable, latency_above_the_bound_is_refused, .fini = no_latency)
{
	FILE *f = fopen(HOSTSIM_DEBUGFS "latency_us", "w");

	cr_assert_not_null(f);
	fputs("1000001", f);
	cr_expect_neq(fclose(f), 0, "latency_us accepted 1000001 us");
}

/*
 * Four threads map through one file while the host takes 1 s a call:
 * one is in the hypercall, three wait for the file's lock. kill -9 must
 * not wait for all four hypercalls (and their four teardown unmaps).
 */
Test(killable, threads_behind_a_1s_host_die_on_kill_9, .fini = no_latency)
{
	uint64_t live = stat("live_mappings");
	struct timespec t0, t1;
	int ready[2], status;
	double secs;
	pid_t pid;
	char c;

	cr_assert_eq(pipe(ready), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct slow_map s[4];
		pthread_t t[4];
		int fd = open_kvmmem(), i;

		for (i = 0; i < 4; i++) {
			s[i].fd = fd;
			s[i].page = local_page(i);
			s[i].tok = token();
		}
		write_file(HOSTSIM_DEBUGFS "latency_us", "1000000");
		for (i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, slow_mapper, &s[i]);
		usleep(300000);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		_exit(0);
	}
	cr_assert_eq(read(ready[0], &c, 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_assert(WIFSIGNALED(status));
	/* one hypercall in flight, its teardown unmap: ~2 s; not 8 */
	cr_expect_lt(secs, 3.5, "kill -9 took %.1f s", secs);
	write_file(HOSTSIM_DEBUGFS "latency_us", "0");
	cr_expect_eq(live_settles_at(live), live);
}
