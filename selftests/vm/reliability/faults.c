// SPDX-License-Identifier: GPL-2.0
/*
 * faults - the fault matrix, run inside the guest (debug kernel).
 *
 * Every hostsim fault against every operation:
 *   - each host error on map (fail_map_*) x MAP, UNMAP, close;
 *   - each host error on unmap (fail_unmap_*) x MAP, UNMAP, close, exit;
 *   - host latency x MAP, UNMAP, close;
 * and allocation failures (failslab, fail_page_alloc) at every injection
 * point, one at a time through /proc/thread-self/fail-nth, during open,
 * MAP (of a touched and of a fresh page), UNMAP and close.
 *
 * Each case checks the errno, the counters (driver, hostsim, the kernel's
 * pin count) and the kvmmem tracepoints. One line per case, then a
 * "faults-result:" line. Pages the host refused to unmap stay leaked (the
 * driver's design): the last case checks that exactly those are pinned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rel.h"
#include "util.h"

#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define FAIL_PAGE_ALLOC	"/sys/kernel/debug/fail_page_alloc/"
#define LATENCY_US	20000
#define MAX_NTH		200

static long page_size;
static int hostsim_fd;
static int passed, failed;
static long long expected_leaks;
static char why[512];

/* Record the first reason a case fails. */
static bool expect(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok || why[0])
		return ok;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return ok;
}

static void report(const char *fmt, ...)
{
	char name[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (why[0]) {
		printf("%s: FAIL %s\n", name, why);
		failed++;
	} else {
		printf("%s: ok\n", name);
		passed++;
	}
	why[0] = 0;
}

struct host_error {
	const char *name;
	int code;	/* positive KVM code */
	int err;	/* what the caller sees */
};

static const struct host_error host_errors[] = {
	{ "ENOSYS", REL_KVM_ENOSYS, EOPNOTSUPP },
	{ "EOPNOTSUPP", REL_KVM_EOPNOTSUPP, EOPNOTSUPP },
	{ "EPERM", REL_KVM_EPERM, EKEYREJECTED },
	{ "EINVAL", REL_KVM_EINVAL, EINVAL },
	{ "EFAULT", REL_KVM_EFAULT, EFAULT },
	{ "E2BIG", REL_KVM_E2BIG, E2BIG },
	{ "EAGAIN", REL_KVM_EAGAIN, EAGAIN },
	{ "EBUSY", REL_KVM_EBUSY, EBUSY },
	{ "ENOMEM", REL_KVM_ENOMEM, ENOMEM },
	{ "unknown_5", 5, EIO },
};

static int open_kvmmem(void)
{
	int fd = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		perror("open /dev/kvmmem");
		exit(2);
	}
	return fd;
}

static char *new_page(bool touch)
{
	char *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	if (touch)
		memset(p, 0x5a, page_size);
	return p;
}

static uint64_t gva(const char *p)
{
	return (uintptr_t)p;
}

/* MAP with a fresh token; 0 or the errno. */
static int map_page(int fd, char *page, struct kvmi_map_mem_token *tokp)
{
	struct kvmi_map_mem_token tok;
	int err = rel_token_wait(hostsim_fd, &tok);

	if (err) {
		fprintf(stderr, "faults: no token: %s\n", strerror(err));
		exit(2);
	}
	if (tokp)
		*tokp = tok;
	return rel_map(fd, &tok, gva(page), 0x10000);
}

static char *str_ret(int err)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), " ret=%d", -err);
	return buf;
}

static char *str_hc(int code)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), " ret=%d", -code);
	return buf;
}

static void set_map_fault(int code, int count)
{
	rel_write_ll(REL_HOSTSIM_DEBUGFS "fail_map_error", code);
	rel_write_ll(REL_HOSTSIM_DEBUGFS "fail_map_count", count);
}

static void set_unmap_fault(int code, int count)
{
	rel_write_ll(REL_HOSTSIM_DEBUGFS "fail_unmap_error", code);
	rel_write_ll(REL_HOSTSIM_DEBUGFS "fail_unmap_count", count);
}

#define D(field) (a.field - b.field)

/* ------------------------------------------------- host errors on map */

static void map_error_on_map(const struct host_error *he)
{
	bool unknown = he->err == EIO;
	struct kvmi_map_mem_token tok;
	struct rel_counters b, a;
	char *page = new_page(true);
	int fd = open_kvmmem(), err;
	char errkey[64];
	long long errs;

	snprintf(errkey, sizeof(errkey), "errors_%s",
		 he->err == EIO ? "EIO" : kvmmem_errno_name(he->err));
	errs = rel_stat(errkey);
	rel_counters_read(&b);
	set_map_fault(he->code, 1);
	rel_trace_clear();
	err = map_page(fd, page, &tok);
	rel_counters_read(&a);
	expect(err == he->err, "MAP gave %s, expected %s", kvmmem_errno_name(err),
	       kvmmem_errno_name(he->err));
	/*
	 * An answer the driver does not know: the host may have mapped, so
	 * the driver unmaps; hostsim mapped nothing and refuses, so the page
	 * is quarantined (leaked), pinned for good.
	 */
	if (unknown)
		expected_leaks++;
	expect(D(live) == 0 && D(maps) == 0 && D(pins) == unknown &&
	       D(leaked) == unknown && D(host_maps) == 0,
	       "live %+lld maps %+lld pins %+lld leaked %+lld host maps %+lld",
	       D(live), D(maps), D(pins), D(leaked), D(host_maps));
	expect(D(errors) == 1 && D(map_errors) == 1 && rel_stat(errkey) == errs + 1,
	       "errors %+lld map_errors %+lld %s %+lld", D(errors),
	       D(map_errors), errkey, rel_stat(errkey) - errs);
	expect(rel_read_ll(REL_HOSTSIM_DEBUGFS "fail_map_count") == 0,
	       "the fault was not consumed");
	expect(rel_trace_has("kvmmem_hypercall_exit", "nr=MEM_MAP", str_hc(he->code),
			     NULL), "no kvmmem_hypercall_exit with%s", str_hc(he->code));
	expect(rel_trace_has("kvmmem_map_end", str_ret(he->err), NULL),
	       "no kvmmem_map_end with%s", str_ret(he->err));
	/* the host failed before reading the token: it is still good */
	if (unknown) {
		expect(rel_map(fd, &tok, gva(page), 0x10000) == EEXIST,
		       "a quarantined page could be mapped again");
		page = new_page(true);
	}
	err = rel_map(fd, &tok, gva(page), 0x10000);
	expect(err == 0, "MAP retried with the same token gave %s",
	       kvmmem_errno_name(err));
	expect(rel_unmap(fd, gva(page)) == 0, "UNMAP after the retry failed");
	close(fd);
	munmap(page, page_size);
	report("hostsim_map_%s/map", he->name);
}

/* An armed map fault does not touch UNMAP or close. */
static void map_error_on_other(const struct host_error *he, bool use_close)
{
	struct rel_counters b, a;
	char *page = new_page(true);
	int fd = open_kvmmem(), err;

	err = map_page(fd, page, NULL);
	expect(err == 0, "MAP gave %s", kvmmem_errno_name(err));
	rel_counters_read(&b);
	set_map_fault(he->code, 1);
	rel_trace_clear();
	if (use_close) {
		close(fd);
		rel_counters_read(&a);
		expect(D(teardown_unmaps) == 1 && D(pins) == -1 && D(live) == -1,
		       "teardown_unmaps %+lld pins %+lld live %+lld",
		       D(teardown_unmaps), D(pins), D(live));
		expect(rel_trace_has("kvmmem_teardown_end", "unmapped=1",
				     "leaked=0", NULL), "no teardown_end unmapped=1");
	} else {
		err = rel_unmap(fd, gva(page));
		rel_counters_read(&a);
		expect(err == 0, "UNMAP gave %s", kvmmem_errno_name(err));
		expect(D(unmaps) == 1 && D(pins) == -1 && D(live) == -1,
		       "unmaps %+lld pins %+lld live %+lld", D(unmaps), D(pins),
		       D(live));
		expect(rel_trace_has("kvmmem_unmap_end", " ret=0", NULL),
		       "no kvmmem_unmap_end ret=0");
		close(fd);
	}
	expect(rel_read_ll(REL_HOSTSIM_DEBUGFS "fail_map_count") == 1,
	       "the map fault fired on %s", use_close ? "close" : "UNMAP");
	set_map_fault(he->code, 0);
	munmap(page, page_size);
	report("hostsim_map_%s/%s", he->name, use_close ? "close" : "unmap");
}

/* ----------------------------------------------- host errors on unmap */

static bool leaked_listed(uint64_t page, int code)
{
	char *text = rel_read_text(REL_KVMMEM_DEBUGFS "leaked"), needle[64];
	bool found;

	if (!text)
		return false;
	snprintf(needle, sizeof(needle), " 0x%llx ", (unsigned long long)page);
	found = strstr(text, needle) != NULL;
	snprintf(needle, sizeof(needle), " %d ", -code);
	found = found && strstr(strstr(text, " 0x"), needle);
	free(text);
	return found;
}

static void unmap_error_on_unmap(const struct host_error *he)
{
	struct rel_counters b, a;
	char *page = new_page(true);
	int fd = open_kvmmem(), err;

	err = map_page(fd, page, NULL);
	expect(err == 0, "MAP gave %s", kvmmem_errno_name(err));
	rel_counters_read(&b);
	set_unmap_fault(he->code, 1);
	rel_trace_clear();
	err = rel_unmap(fd, gva(page));
	rel_counters_read(&a);
	expected_leaks++;
	/* EIO whatever the host said: a host failure, not a caller's mistake */
	expect(err == EIO, "UNMAP gave %s, expected EIO", kvmmem_errno_name(err));
	/* out of the table, still pinned, listed as leaked */
	expect(D(live) == -1 && D(leaked) == 1 && D(pinned) == 0 && D(pins) == 0 &&
	       D(unmaps) == 0 && D(unmap_errors) == 1,
	       "live %+lld leaked %+lld pinned %+lld pins %+lld unmaps %+lld unmap_errors %+lld",
	       D(live), D(leaked), D(pinned), D(pins), D(unmaps), D(unmap_errors));
	expect(leaked_listed(gva(page), he->code), "not in debugfs leaked");
	expect(rel_trace_has("kvmmem_page_leaked", NULL), "no kvmmem_page_leaked");
	expect(rel_trace_has("kvmmem_unmap_end", str_ret(EIO), NULL),
	       "no kvmmem_unmap_end with%s", str_ret(EIO));
	expect(rel_unmap(fd, gva(page)) == ENOENT, "second UNMAP is not ENOENT");
	close(fd);
	munmap(page, page_size);
	report("hostsim_unmap_%s/unmap", he->name);
}

static void unmap_error_on_close(const struct host_error *he)
{
	struct rel_counters b, a;
	char *p1 = new_page(true), *p2 = new_page(true);
	int fd = open_kvmmem();

	expect(map_page(fd, p1, NULL) == 0 && map_page(fd, p2, NULL) == 0,
	       "MAP failed");
	rel_counters_read(&b);
	set_unmap_fault(he->code, 1);
	rel_trace_clear();
	close(fd);
	rel_counters_read(&a);
	expected_leaks++;
	expect(D(live) == -2 && D(leaked) == 1 && D(teardown_unmaps) == 1 &&
	       D(pins) == -1 && D(teardowns) == 1 && D(files) == -1,
	       "live %+lld leaked %+lld teardown_unmaps %+lld pins %+lld teardowns %+lld files %+lld",
	       D(live), D(leaked), D(teardown_unmaps), D(pins), D(teardowns),
	       D(files));
	expect(rel_trace_has("kvmmem_teardown_end", "live=2", "unmapped=1",
			     "leaked=1", NULL), "no teardown_end live=2 unmapped=1 leaked=1");
	expect(rel_trace_has("kvmmem_teardown_unmap", str_ret(EIO), NULL),
	       "no teardown_unmap with%s", str_ret(EIO));
	munmap(p1, page_size);
	munmap(p2, page_size);
	report("hostsim_unmap_%s/close", he->name);
}

static void unmap_error_on_exit(const struct host_error *he)
{
	struct rel_counters b, a;
	int ready[2], status;
	pid_t pid;
	char c;

	if (pipe(ready))
		exit(2);
	rel_counters_read(&b);
	pid = fork();
	if (pid == 0) {
		int fd = open_kvmmem();
		char *page = new_page(true);

		c = map_page(fd, page, NULL) ? 'x' : 'm';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1)
		c = '?';
	set_unmap_fault(he->code, 1);
	rel_trace_clear();
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	rel_counters_read(&a);
	expected_leaks++;
	expect(c == 'm', "the child could not map");
	expect(D(live) == 0 && D(leaked) == 1 && D(teardown_unmaps) == 0 &&
	       D(pins) == 1 && D(files) == 0 && D(teardowns) == 1,
	       "live %+lld leaked %+lld teardown_unmaps %+lld pins %+lld files %+lld teardowns %+lld",
	       D(live), D(leaked), D(teardown_unmaps), D(pins), D(files),
	       D(teardowns));
	expect(rel_trace_has("kvmmem_teardown_end", "unmapped=0", "leaked=1",
			     NULL), "no teardown_end leaked=1");
	close(ready[0]);
	close(ready[1]);
	report("hostsim_unmap_%s/exit", he->name);
}

static void unmap_error_on_map(const struct host_error *he)
{
	char *page = new_page(true);
	int fd = open_kvmmem(), err;

	set_unmap_fault(he->code, 1);
	err = map_page(fd, page, NULL);
	expect(err == 0, "MAP gave %s", kvmmem_errno_name(err));
	expect(rel_read_ll(REL_HOSTSIM_DEBUGFS "fail_unmap_count") == 1,
	       "the unmap fault fired on MAP");
	set_unmap_fault(he->code, 0);
	expect(rel_unmap(fd, gva(page)) == 0, "UNMAP failed");
	close(fd);
	munmap(page, page_size);
	report("hostsim_unmap_%s/map", he->name);
}

/* ------------------------------------------------------------- latency */

static void latency(const char *op)
{
	struct rel_counters b, a;
	char *page = new_page(true);
	int fd = open_kvmmem(), err = 0;
	double t;

	if (strcmp(op, "map")) {
		err = map_page(fd, page, NULL);
		expect(err == 0, "MAP gave %s", kvmmem_errno_name(err));
	}
	rel_counters_read(&b);
	rel_write_ll(REL_HOSTSIM_DEBUGFS "latency_us", LATENCY_US);
	rel_trace_clear();
	t = rel_now();
	if (!strcmp(op, "map"))
		err = map_page(fd, page, NULL);
	else if (!strcmp(op, "unmap"))
		err = rel_unmap(fd, gva(page));
	else
		close(fd);
	t = rel_now() - t;
	rel_write_ll(REL_HOSTSIM_DEBUGFS "latency_us", 0);
	rel_counters_read(&a);
	expect(err == 0, "%s gave %s", op, kvmmem_errno_name(err));
	expect(t >= LATENCY_US / 1e6, "took %.1f ms, latency is %d ms",
	       t * 1e3, LATENCY_US / 1000);
	expect(rel_trace_has("kvmmem_hypercall_enter", NULL) &&
	       rel_trace_has("kvmmem_hypercall_exit", " ret=0", NULL),
	       "no hypercall enter/exit pair");
	if (!strcmp(op, "map")) {
		expect(D(maps) == 1 && D(live) == 1 && D(pins) == 1,
		       "maps %+lld live %+lld pins %+lld", D(maps), D(live), D(pins));
		expect(rel_unmap(fd, gva(page)) == 0, "UNMAP failed");
	} else if (!strcmp(op, "unmap")) {
		expect(D(unmaps) == 1 && D(live) == -1 && D(pins) == -1,
		       "unmaps %+lld live %+lld pins %+lld", D(unmaps), D(live),
		       D(pins));
	} else {
		expect(D(teardown_unmaps) == 1 && D(live) == -1 && D(pins) == -1,
		       "teardown_unmaps %+lld live %+lld pins %+lld",
		       D(teardown_unmaps), D(live), D(pins));
	}
	if (strcmp(op, "close"))
		close(fd);
	munmap(page, page_size);
	report("hostsim_latency/%s", op);
}

/* ---------------------------------------------- allocation failures */

static int fail_nth_fd;

static void arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(fail_nth_fd, buf, len, 0) != len) {
		perror("fail-nth");
		exit(2);
	}
}

/* 0 if the armed fault was injected; disarms it otherwise. */
static unsigned int disarm(void)
{
	char buf[16] = "";
	unsigned int left;

	if (pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		exit(2);
	left = strtoul(buf, NULL, 10);
	if (left)
		arm(0);
	return left;
}

enum alloc_op { OP_OPEN, OP_MAP_TOUCHED, OP_MAP_FRESH, OP_UNMAP, OP_CLOSE };
static const char * const alloc_op_names[] = {
	"open", "map_touched_page", "map_fresh_page", "unmap", "close",
};

/*
 * Only @which reaches should_fail(): the other one ignores every request.
 * No cache filter (6.1 sets SLAB_FAILSLAB only at boot): every slab
 * allocation of the syscall counts, kmemleak's own metadata included
 * (kmemleak falls back to its memory pool when that one fails).
 */
static void alloc_faults_for(const char *which)
{
	bool slab = !strcmp(which, "failslab");

	rel_write(FAILSLAB "verbose", "0");
	rel_write(FAILSLAB "times", "-1");
	rel_write(FAILSLAB "cache-filter", "N");
	rel_write(FAILSLAB "ignore-gfp-wait", slab ? "N" : "Y");
	rel_write(FAIL_PAGE_ALLOC "verbose", "0");
	rel_write(FAIL_PAGE_ALLOC "times", "-1");
	rel_write(FAIL_PAGE_ALLOC "ignore-gfp-wait", slab ? "Y" : "N");
	rel_write(FAIL_PAGE_ALLOC "ignore-gfp-highmem", "N");
	rel_write(FAIL_PAGE_ALLOC "min-order", slab ? "11" : "0");
}

/*
 * Fail the 1st, 2nd, ... allocation of @op until it runs without reaching
 * the Nth. Each failed run must fail with ENOMEM (or survive the failure)
 * and leave the counters exactly as the result says.
 */
static void alloc_case(const char *which, enum alloc_op op)
{
	unsigned int n, injected = 0, enomem = 0;
	struct rel_counters b, a;

	for (n = 1; n <= MAX_NTH; n++) {
		char *page = new_page(op != OP_MAP_FRESH);
		int fd = op == OP_OPEN ? -1 : open_kvmmem(), err = 0, ret;
		struct kvmi_map_mem_token tok;
		unsigned int left;

		if (op == OP_UNMAP || op == OP_CLOSE)
			expect(map_page(fd, page, NULL) == 0, "MAP failed");
		if (op == OP_MAP_TOUCHED || op == OP_MAP_FRESH)
			expect(rel_token_wait(hostsim_fd, &tok) == 0, "no token");
		rel_counters_read(&b);
		rel_trace_clear();

		arm(n);
		switch (op) {
		case OP_OPEN:
			ret = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);
			err = ret < 0 ? errno : 0;
			fd = ret;
			break;
		case OP_MAP_TOUCHED:
		case OP_MAP_FRESH:
			err = rel_map(fd, &tok, gva(page), 0x10000);
			break;
		case OP_UNMAP:
			err = rel_unmap(fd, gva(page));
			break;
		case OP_CLOSE:
			close(fd);
			fd = -1;
			break;
		}
		left = disarm();
		rel_counters_read(&a);

		if (left)
			expect(err == 0, "%s failed (%s) without an injected fault",
			       alloc_op_names[op], kvmmem_errno_name(err));
		else
			injected++;
		expect(err == 0 || err == ENOMEM, "fault %u: %s gave %s", n,
		       alloc_op_names[op], kvmmem_errno_name(err));
		enomem += err == ENOMEM;
		switch (op) {
		case OP_OPEN:
			expect(D(files) == (err ? 0 : 1), "fault %u: files %+lld",
			       n, D(files));
			break;
		case OP_MAP_TOUCHED:
		case OP_MAP_FRESH:
			expect(D(live) == (err ? 0 : 1) && D(pins) == D(live) &&
			       D(maps) == D(live) && D(host_maps) == D(live) &&
			       D(map_errors) == (err ? 1 : 0),
			       "fault %u (%s): live %+lld pins %+lld maps %+lld host maps %+lld map_errors %+lld",
			       n, kvmmem_errno_name(err), D(live), D(pins),
			       D(maps), D(host_maps), D(map_errors));
			if (err)
				expect(rel_trace_has("kvmmem_map_end", " ret=-12",
						     NULL), "no map_end ret=-12");
			else
				expect(rel_unmap(fd, gva(page)) == 0, "UNMAP failed");
			break;
		case OP_UNMAP:
			expect(D(unmaps) == 1 && D(pins) == -1 && D(live) == -1,
			       "unmaps %+lld pins %+lld", D(unmaps), D(pins));
			break;
		case OP_CLOSE:
			expect(D(teardown_unmaps) == 1 && D(pins) == -1 &&
			       D(files) == -1, "teardown_unmaps %+lld pins %+lld",
			       D(teardown_unmaps), D(pins));
			break;
		}
		if (fd >= 0)
			close(fd);
		munmap(page, page_size);
		if (left || why[0])
			break;
	}
	expect(n <= MAX_NTH, "still failing after %d injected faults", MAX_NTH);
	/* open and MAP allocate: at least one failure must reach the caller */
	if (op == OP_OPEN && !strcmp(which, "failslab"))
		expect(enomem >= 1, "no injected fault made open fail");
	if ((op == OP_MAP_TOUCHED || op == OP_MAP_FRESH))
		expect(enomem >= 1, "no injected fault made MAP fail");
	if (op == OP_MAP_FRESH && !strcmp(which, "fail_page_alloc"))
		expect(injected >= 1, "the fresh page was never allocated");
	/* no injection: the operation reached no allocation of this kind,
	 * and the case proved it completes with the counters right */
	printf("# %s/%s: %u faults injected, %u gave ENOMEM%s\n", which,
	       alloc_op_names[op], injected, enomem, injected ? "" :
	       " (it allocates nothing of this kind: ran once, unfailed)");
	report("%s/%s", which, alloc_op_names[op]);
}

int main(void)
{
	struct rel_counters start, end;
	unsigned int i;

	page_size = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	hostsim_fd = open("/dev/kvmmem-hostsim", O_RDWR | O_CLOEXEC);
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (hostsim_fd < 0 || fail_nth_fd < 0) {
		perror("faults: open hostsim / fail-nth");
		return 2;
	}
	rel_counters_read(&start);
	rel_trace_start();

	for (i = 0; i < sizeof(host_errors) / sizeof(host_errors[0]); i++) {
		map_error_on_map(&host_errors[i]);
		map_error_on_other(&host_errors[i], false);
		map_error_on_other(&host_errors[i], true);
	}
	for (i = 0; i < sizeof(host_errors) / sizeof(host_errors[0]); i++) {
		unmap_error_on_map(&host_errors[i]);
		unmap_error_on_unmap(&host_errors[i]);
		unmap_error_on_close(&host_errors[i]);
		unmap_error_on_exit(&host_errors[i]);
	}
	latency("map");
	latency("unmap");
	latency("close");

	alloc_faults_for("failslab");
	for (i = OP_OPEN; i <= OP_CLOSE; i++)
		alloc_case("failslab", i);
	alloc_faults_for("fail_page_alloc");
	for (i = OP_OPEN; i <= OP_CLOSE; i++)
		alloc_case("fail_page_alloc", i);
	rel_write(FAILSLAB "ignore-gfp-wait", "Y");
	rel_write(FAIL_PAGE_ALLOC "ignore-gfp-wait", "Y");
	rel_write(FAIL_PAGE_ALLOC "min-order", "1");
	rel_trace_stop();

	rel_counters_read(&end);
	expect(end.live == 0 && end.files == 0, "live %lld files %lld", end.live,
	       end.files);
	expect(end.leaked - start.leaked == expected_leaks &&
	       end.pinned - start.pinned == expected_leaks &&
	       end.pins - start.pins == expected_leaks,
	       "leaked %+lld pinned %+lld pins %+lld, expected %lld",
	       end.leaked - start.leaked, end.pinned - start.pinned,
	       end.pins - start.pins, expected_leaks);
	report("afterwards_only_the_refused_pages_stay_pinned");
	printf("faults-result: cases=%d passed=%d failed=%d leaked_by_design=%lld\n",
	       passed + failed, passed, failed, expected_leaks);
	return failed ? 1 : 0;
}
