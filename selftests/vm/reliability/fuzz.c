// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz - hostile clients of /dev/kvmmem, run inside the guest.
 *
 * PROCS worker processes of THREADS threads each issue kvmmem ioctls until
 * IOCTLS have been made in total: valid MAPs (with fresh hostsim tokens)
 * and UNMAPs mixed with mutated ones (random or unaligned gva and gpa,
 * kernel and unmapped addresses, stale, random and zero tokens, bad
 * request pointers, foreign ioctl numbers and sizes), interleaved with
 * fork (the child uses inherited files, which are its parent's: EPERM,
 * and some children map through a file of their own, then execve keeping
 * both), close/reopen with live mappings, munmap and re-mmap of mapped
 * pages, mprotect, pages of a regular file, and kill -9 of whole workers
 * by the parent (which then starts a replacement). The two files of a
 * thread share its pages: a page mapped through one is EEXIST through
 * the other.
 * --leaks N makes the host refuse N unmaps, so exactly N pages must end
 * up leaked.
 *
 * Afterwards, with every client gone: no live mapping, exactly N pinned
 * (leaked) pages in the driver, in hostsim and in the kernel's pin count,
 * no open file, the counters balanced, and every ioctl error one the ABI
 * documents. One line per check ("name: ok" / "name: FAIL why"), then a
 * "fuzz-result:" summary line. Every random choice comes from --seed: a
 * failure prints the command that replays the same choices (the
 * interleaving of threads, processes and kills still varies).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rel.h"
#include "util.h"

#define MAX_PROCS	64
#define MAX_THREADS	16
#define REGION_PAGES	32
#define MAX_ERRNO	256
#define FLUSH_EVERY	256

struct shared {
	atomic_llong ioctls;		/* on /dev/kvmmem files */
	atomic_llong token_ioctls;	/* on /dev/kvmmem-hostsim */
	atomic_llong maps_ok;
	atomic_llong unmaps_ok;
	atomic_llong forks;
	atomic_llong munmaps;
	atomic_llong mprotects;
	atomic_llong reopens;
	atomic_llong child_kills;
	atomic_llong execs;
	atomic_llong errnos[MAX_ERRNO];
	atomic_int stop;
};

static struct shared *sh;
static long page_size;
static uint64_t seed;

/* Errors the ABI documents for MAP/UNMAP and unknown ioctls (docs/abi.md). */
static bool documented(int err)
{
	switch (err) {
	case EINVAL: case EFAULT: case EACCES: case EEXIST: case ENOENT:
	case EPERM: case ENOSPC: case ENOMEM: case ENODEV: case EOPNOTSUPP:
	case EKEYREJECTED: case EAGAIN: case EBUSY: case E2BIG: case EIO:
	case ENOTTY: case EDQUOT: case EINTR:
		return true;
	}
	return false;
}

/* Per-thread state; counts are flushed to the shared page now and then. */
struct worker {
	uint64_t rng;
	int shared_fd;		/* the process's file, shared by its threads */
	int own_fd;		/* this thread's file: closed and reopened */
	int hostsim_fd;
	char *region;		/* REGION_PAGES pages, then a guard page */
	char *noaccess;		/* a PROT_NONE page */
	char *filepage;		/* a shared page of a regular file */
	struct kvmi_map_mem_token stale;
	long long ioctls, errnos[MAX_ERRNO];
};

static void flush(struct worker *w)
{
	int i;

	atomic_fetch_add(&sh->ioctls, w->ioctls);
	w->ioctls = 0;
	for (i = 0; i < MAX_ERRNO; i++) {
		if (w->errnos[i]) {
			atomic_fetch_add(&sh->errnos[i], w->errnos[i]);
			w->errnos[i] = 0;
		}
	}
}

static void counted(struct worker *w, int ret)
{
	w->ioctls++;
	if (ret)
		w->errnos[errno < MAX_ERRNO ? errno : 0]++;
	if (w->ioctls >= FLUSH_EVERY)
		flush(w);
}

static int pick_fd(struct worker *w)
{
	return rel_below(&w->rng, 2) ? w->shared_fd : w->own_fd;
}

static uint64_t region_page(struct worker *w)
{
	return (uint64_t)(uintptr_t)w->region +
	       rel_below(&w->rng, REGION_PAGES) * page_size;
}

static uint64_t valid_gpa(struct worker *w)
{
	return rel_below(&w->rng, 1024ULL * 1024 * 1024 / 4096) * 4096;
}

/*
 * A token is single use, and hostsim has only 8 outstanding for 3 s: try
 * other pages while the driver refuses before asking the host, so that
 * the token is not left to expire.
 */
static void do_valid_map(struct worker *w)
{
	struct kvmi_mem_map req = { .gpa = valid_gpa(w) };
	int ret, tries = 8;

	atomic_fetch_add(&sh->token_ioctls, 1);
	if (rel_token(w->hostsim_fd, &req.token))
		return;
	w->stale = req.token;
	do {
		req.gva = region_page(w);
		ret = ioctl(pick_fd(w), KVM_INTRO_MEM_MAP, &req);
		counted(w, ret);
	} while (ret && (errno == EEXIST || errno == EACCES) && --tries);
	if (!ret)
		atomic_fetch_add(&sh->maps_ok, 1);
}

static void do_valid_unmap(struct worker *w)
{
	int ret = ioctl(pick_fd(w), KVM_INTRO_MEM_UNMAP,
			(unsigned long)region_page(w));

	counted(w, ret);
	if (!ret)
		atomic_fetch_add(&sh->unmaps_ok, 1);
}

static uint64_t hostile_address(struct worker *w)
{
	switch (rel_below(&w->rng, 9)) {
	case 0: return rel_rand(&w->rng);
	case 1: return region_page(w) + 1 + rel_below(&w->rng, page_size - 1);
	case 2: return 0xffff888000000000ULL + rel_below(&w->rng, 1 << 20) * 4096;
	case 3: return 0;
	case 4: return (uint64_t)(uintptr_t)w->noaccess;
	case 5: return (uint64_t)(uintptr_t)w->region + REGION_PAGES * page_size;
	case 6: return -(uint64_t)page_size;
	case 7: return (uint64_t)(uintptr_t)w->filepage;
	default: return 0x7ffffffff000ULL;
	}
}

static void do_mutated_map(struct worker *w)
{
	struct kvmi_mem_map *req, local = { .gva = region_page(w),
					    .gpa = valid_gpa(w) };
	unsigned long arg;
	unsigned int n = 1 + rel_below(&w->rng, 3), cmd = KVM_INTRO_MEM_MAP;
	int ret;

	req = &local;
	arg = (unsigned long)req;
	local.token = w->stale;
	if (rel_below(&w->rng, 4) == 0) {
		/* a fresh token with a remote gpa the host refuses, using it up */
		atomic_fetch_add(&sh->token_ioctls, 1);
		if (rel_token(w->hostsim_fd, &local.token))
			return;
		local.gpa = rel_below(&w->rng, 2) ?
			    (rel_rand(&w->rng) & ~0xfffULL) | 1ULL << 63 :
			    1ULL << (30 + rel_below(&w->rng, 34));
		n = 0;
	}
	while (n--) {
		switch (rel_below(&w->rng, 10)) {
		case 0: local.gva = hostile_address(w); break;
		case 1: local.gpa = rel_rand(&w->rng); break;
		case 2: local.gpa |= 1 + rel_below(&w->rng, 4095); break;
		case 3:
			local.token.token[rel_below(&w->rng, 4)] = rel_rand(&w->rng);
			break;
		case 4: memset(&local.token, 0, sizeof(local.token)); break;
		case 5: arg = hostile_address(w); break;
		case 6:
			/* the request straddles the guard page */
			req = (void *)(w->region + REGION_PAGES * page_size -
				       1 - rel_below(&w->rng, sizeof(*req) - 1));
			memcpy(req, &local, (char *)w->region +
			       REGION_PAGES * page_size - (char *)req);
			arg = (unsigned long)req;
			break;
		case 7:
			cmd = _IOC(rel_below(&w->rng, 4), 'i', 1,
				   rel_below(&w->rng, 128));
			break;
		case 8: local.gpa = 1ULL << (30 + rel_below(&w->rng, 34)); break;
		default: local.gva = region_page(w); break;
		}
	}
	ret = ioctl(pick_fd(w), cmd, arg);
	counted(w, ret);
	if (!ret && cmd == KVM_INTRO_MEM_MAP)
		atomic_fetch_add(&sh->maps_ok, 1);
}

static void do_mutated_unmap(struct worker *w)
{
	unsigned int cmd = KVM_INTRO_MEM_UNMAP;
	int ret;

	if (rel_below(&w->rng, 4) == 0)
		cmd = _IOC(rel_below(&w->rng, 4), 'i', 2, rel_below(&w->rng, 64));
	ret = ioctl(pick_fd(w), cmd, (unsigned long)hostile_address(w));
	counted(w, ret);
	if (!ret && cmd == KVM_INTRO_MEM_UNMAP)
		atomic_fetch_add(&sh->unmaps_ok, 1);
}

static void do_foreign_ioctl(struct worker *w)
{
	/* type 'i' with other numbers, or plain garbage of type 'k' */
	unsigned int cmd = rel_below(&w->rng, 2) ?
		_IOC(rel_below(&w->rng, 4), 'i', 3 + rel_below(&w->rng, 253),
		     rel_below(&w->rng, 1 << 14)) :
		_IOC(rel_below(&w->rng, 4), 'k', rel_below(&w->rng, 256),
		     rel_below(&w->rng, 1 << 14));
	int ret = ioctl(pick_fd(w), cmd, (unsigned long)rel_rand(&w->rng));

	counted(w, ret);
}

static void do_munmap(struct worker *w)
{
	void *page = (void *)(uintptr_t)region_page(w);

	/* a mapped page's VMA goes away; a fresh page takes its place */
	if (mmap(page, page_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		abort();
	atomic_fetch_add(&sh->munmaps, 1);
}

/* Not the last page: mutated requests are written there. */
static void do_mprotect(struct worker *w)
{
	static const int prots[] = { PROT_READ, PROT_NONE, PROT_READ | PROT_WRITE,
				     PROT_READ | PROT_WRITE };
	char *page = w->region + rel_below(&w->rng, REGION_PAGES - 1) * page_size;

	mprotect(page, page_size, prots[rel_below(&w->rng, 4)]);
	atomic_fetch_add(&sh->mprotects, 1);
}

static void do_reopen(struct worker *w)
{
	close(w->own_fd);
	w->own_fd = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);
	if (w->own_fd < 0)
		abort();
	atomic_fetch_add(&sh->reopens, 1);
}

static void one_op(struct worker *w, bool child);

/*
 * In a fork child: map a few pages through a file of its own, then
 * execve with that file and the parent's still open: the exec ends the
 * address space the mappings belong to, whoever holds the files.
 */
static void fork_exec(struct worker *w)
{
	int fd = open("/dev/kvmmem", O_RDWR), i;

	if (fd < 0)
		_exit(3);
	/* the parent's file goes through the exec too */
	fcntl(w->shared_fd, F_SETFD, 0);
	w->own_fd = fd;
	w->shared_fd = fd;
	for (i = 0; i < 3; i++)
		do_valid_map(w);
	flush(w);
	atomic_fetch_add(&sh->execs, 1);
	execl("/bin/true", "true", (char *)NULL);
	_exit(3);
}

/* The child shares the files and a copy of the address space. */
static void do_fork(struct worker *w)
{
	pid_t pid;
	int i;

	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		int n = rel_below(&w->rng, 64);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* rare: an exec over 9p is slow on the debug kernel */
		if (rel_below(&w->rng, 16) == 0)
			fork_exec(w);
		/* the parent's unflushed counts are the parent's */
		w->ioctls = 0;
		memset(w->errnos, 0, sizeof(w->errnos));
		w->rng ^= 0x5a5a5a5a;
		for (i = 0; i < n; i++)
			one_op(w, true);
		flush(w);
		_exit(0);
	}
	atomic_fetch_add(&sh->forks, 1);
	if (rel_below(&w->rng, 2)) {
		usleep(rel_below(&w->rng, 2000));
		kill(pid, SIGKILL);
		atomic_fetch_add(&sh->child_kills, 1);
	}
	waitpid(pid, NULL, 0);
}

/* Per mille of the operations that change files, processes or memory. */
static unsigned int churn = 50;

static void one_op(struct worker *w, bool child)
{
	unsigned int op = rel_below(&w->rng, 1000);

	if (op < churn) {
		switch (rel_below(&w->rng, child ? 2 : 4)) {
		case 0: do_munmap(w); break;
		case 1: do_mprotect(w); break;
		case 2: do_reopen(w); break;
		default: do_fork(w); break;
		}
		return;
	}
	op = rel_below(&w->rng, 100);
	if (op < 30)
		do_valid_map(w);
	else if (op < 55)
		do_valid_unmap(w);
	else if (op < 75)
		do_mutated_map(w);
	else if (op < 88)
		do_mutated_unmap(w);
	else
		do_foreign_ioctl(w);
}

struct thread_arg {
	struct worker w;
	pthread_t tid;
};

static void *thread_main(void *p)
{
	struct worker *w = &((struct thread_arg *)p)->w;

	w->own_fd = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);
	if (w->own_fd < 0)
		abort();
	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed))
		one_op(w, false);
	flush(w);
	return NULL;
}

/* A shared page of a regular file next to this program (9p, not tmpfs). */
static char *file_page(void)
{
	char path[4096], *dir, *p;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	int fd;

	if (n <= 0)
		_exit(3);
	path[n] = 0;
	dir = strrchr(path, '/');
	snprintf(dir, 32, "/fuzz-page.%d", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, page_size))
		_exit(3);
	p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	unlink(path);
	close(fd);
	if (p == MAP_FAILED)
		_exit(3);
	return p;
}

static void worker_main(unsigned int slot, unsigned int gen, unsigned int threads)
{
	struct thread_arg *t = calloc(threads, sizeof(*t));
	int shared_fd, hostsim_fd;
	char *region, *filepage;
	unsigned int i;

	shared_fd = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);
	hostsim_fd = open("/dev/kvmmem-hostsim", O_RDWR | O_CLOEXEC);
	region = mmap(NULL, (REGION_PAGES + 2) * page_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!t || shared_fd < 0 || hostsim_fd < 0 || region == MAP_FAILED)
		_exit(3);
	/* guard page after the region, then a PROT_NONE page */
	munmap(region + REGION_PAGES * page_size, page_size);
	mprotect(region + (REGION_PAGES + 1) * page_size, page_size, PROT_NONE);
	filepage = file_page();

	for (i = 0; i < threads; i++) {
		struct worker *w = &t[i].w;

		w->rng = rel_substream(seed, slot * 65536 + gen, i);
		w->shared_fd = shared_fd;
		w->hostsim_fd = hostsim_fd;
		w->region = region;
		w->noaccess = region + (REGION_PAGES + 1) * page_size;
		w->filepage = filepage;
	}
	for (i = 1; i < threads; i++)
		if (pthread_create(&t[i].tid, NULL, thread_main, &t[i]))
			_exit(3);
	thread_main(&t[0]);
	for (i = 1; i < threads; i++)
		pthread_join(t[i].tid, NULL);
	_exit(0);
}

static pid_t spawn(unsigned int slot, unsigned int gen, unsigned int threads)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_main(slot, gen, threads);
	return pid;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fuzz [-s SEED] [-n IOCTLS] [-p PROCS] [-t THREADS]\n"
		"            [-k KILL_MS] [--leaks N] [--timeout S] [--churn PERMILLE]\n"
		"  --churn: share of operations (per mille, default 50) that\n"
		"  munmap, mprotect, close/reopen or fork instead of an ioctl\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "ioctls", required_argument, NULL, 'n' },
		{ "procs", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "kill-ms", required_argument, NULL, 'k' },
		{ "leaks", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "churn", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	uint64_t ioctls = 1000000, procs = 4, threads = 4, kill_ms = 200;
	uint64_t leaks = 0, timeout = 1200, v;
	struct rel_counters before, after;
	pid_t pids[MAX_PROCS];
	unsigned int gens[MAX_PROCS];
	long long kills = 0, total, bad_errnos = 0, step, next_mark;
	double start, elapsed;
	uint64_t rng;
	char bad[256] = "";
	int c, i;

	seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	while ((c = getopt_long(argc, argv, "s:n:p:t:k:h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == '?' || kvmmem_parse_u64(optarg, &v)) {
			usage(stderr);
			return 2;
		}
		switch (c) {
		case 's': seed = v; break;
		case 'n': ioctls = v; break;
		case 'p': procs = v; break;
		case 't': threads = v; break;
		case 'k': kill_ms = v; break;
		case 'l': leaks = v; break;
		case 'T': timeout = v; break;
		case 'c': churn = v; break;
		}
	}
	if (!procs || procs > MAX_PROCS || !threads || threads > MAX_THREADS ||
	    !kill_ms) {
		fprintf(stderr, "fuzz: 1 <= PROCS <= %d, 1 <= THREADS <= %d, KILL_MS >= 1\n",
			MAX_PROCS, MAX_THREADS);
		return 2;
	}
	page_size = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	printf("fuzz: seed %llu, %llu ioctls, %llu processes x %llu threads, kill -9 every ~%llu ms, churn %u/1000, %llu injected leaks\n",
	       (unsigned long long)seed, (unsigned long long)ioctls,
	       (unsigned long long)procs, (unsigned long long)threads,
	       (unsigned long long)kill_ms, churn, (unsigned long long)leaks);

	/* orphaned grandchildren come to us: all are reaped before the checks */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	rel_counters_read(&before);
	if (leaks) {
		rel_write_ll(REL_HOSTSIM_DEBUGFS "fail_unmap_error", REL_KVM_EBUSY);
		rel_write_ll(REL_HOSTSIM_DEBUGFS "fail_unmap_count", leaks);
	}

	rng = rel_substream(seed, 0xffff, 0);
	step = ioctls >= 10 ? (long long)ioctls / 10 : 1;
	next_mark = step;
	start = rel_now();
	for (i = 0; i < (int)procs; i++) {
		gens[i] = 0;
		pids[i] = spawn(i, 0, threads);
	}
	while ((total = atomic_load(&sh->ioctls)) < (long long)ioctls &&
	       rel_now() - start < timeout) {
		/* a line per tenth: a slow run is told from a hung one */
		if (total >= next_mark) {
			printf("fuzz: %lld of %llu ioctls, %.1f s, %lld kills\n",
			       total, (unsigned long long)ioctls,
			       rel_now() - start, kills);
			fflush(stdout);
			while (next_mark <= total)
				next_mark += step;
		}
		usleep(1000 * (kill_ms / 2 + rel_below(&rng, kill_ms)));
		i = rel_below(&rng, procs);
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
		kills++;
		pids[i] = spawn(i, ++gens[i], threads);
	}
	atomic_store(&sh->stop, 1);
	for (i = 0; i < (int)procs; i++)
		waitpid(pids[i], NULL, 0);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	elapsed = rel_now() - start;
	total = atomic_load(&sh->ioctls);
	rel_counters_read(&after);
	if (leaks)
		rel_write_ll(REL_HOSTSIM_DEBUGFS "fail_unmap_count", 0);

	for (i = 0; i < MAX_ERRNO; i++) {
		long long n = atomic_load(&sh->errnos[i]);
		const char *name = kvmmem_errno_name(i);

		if (n && !documented(i)) {
			bad_errnos += n;
			snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad),
				 " %s(%d)x%lld", name ? name : "?", i, n);
		}
	}

	rel_check(total >= (long long)ioctls, "fuzz_made_all_ioctls",
	      "%lld of %llu ioctls in %.0f s (timeout)", total,
	      (unsigned long long)ioctls, elapsed);
	rel_check(bad_errnos == 0, "fuzz_errnos_are_documented",
	      "undocumented errors:%s", bad);
	rel_check(after.live == 0, "fuzz_no_live_mapping_left",
	      "live_mappings %lld", after.live);
	rel_check(after.files == 0, "fuzz_no_file_left", "%lld files open", after.files);
	rel_check(after.leaked - before.leaked == (long long)leaks,
	      "fuzz_leaked_exactly_the_injected", "leaked %lld, injected %llu",
	      after.leaked - before.leaked, (unsigned long long)leaks);
	rel_check(after.pinned == after.leaked, "fuzz_pinned_pages_are_the_leaked",
	      "pinned_pages %lld, leaked_pages %lld", after.pinned, after.leaked);
	rel_check(after.pins - before.pins == (long long)leaks,
	      "fuzz_kernel_pin_count_balanced",
	      "nr_foll_pin acquired-released grew by %lld, %llu leaks injected",
	      after.pins - before.pins, (unsigned long long)leaks);
	rel_check(after.maps - before.maps ==
	      (after.unmaps - before.unmaps) +
	      (after.teardown_unmaps - before.teardown_unmaps) +
	      (after.leaked - before.leaked),
	      "fuzz_every_map_undone_once",
	      "maps %lld != unmaps %lld + teardown_unmaps %lld + leaked %lld",
	      after.maps - before.maps, after.unmaps - before.unmaps,
	      after.teardown_unmaps - before.teardown_unmaps,
	      after.leaked - before.leaked);
	rel_check((after.host_maps - before.host_maps) -
	      (after.host_unmaps - before.host_unmaps) == (long long)leaks,
	      "fuzz_host_holds_only_the_leaked",
	      "hostsim maps %lld - unmaps %lld != %llu",
	      after.host_maps - before.host_maps,
	      after.host_unmaps - before.host_unmaps, (unsigned long long)leaks);
	rel_check(atomic_load(&sh->execs) > 0, "fuzz_forks_execed_with_mappings",
	      "no fork child exec'd");
	rel_check(atomic_load(&sh->maps_ok) > 0 && atomic_load(&sh->unmaps_ok) > 0,
	      "fuzz_valid_requests_succeeded", "maps ok %lld, unmaps ok %lld",
	      (long long)atomic_load(&sh->maps_ok),
	      (long long)atomic_load(&sh->unmaps_ok));

	printf("fuzz-result: seed=%llu ioctls=%lld token_ioctls=%lld seconds=%.1f ioctls_per_s=%.0f procs=%llu threads=%llu kills=%lld forks=%lld child_kills=%lld execs=%lld reopens=%lld munmaps=%lld mprotects=%lld maps_ok=%lld unmaps_ok=%lld teardown_unmaps=%lld leaks=%llu\n",
	       (unsigned long long)seed, total,
	       (long long)atomic_load(&sh->token_ioctls), elapsed,
	       total / elapsed, (unsigned long long)procs,
	       (unsigned long long)threads, kills,
	       (long long)atomic_load(&sh->forks),
	       (long long)atomic_load(&sh->child_kills),
	       (long long)atomic_load(&sh->execs),
	       (long long)atomic_load(&sh->reopens),
	       (long long)atomic_load(&sh->munmaps),
	       (long long)atomic_load(&sh->mprotects),
	       (long long)atomic_load(&sh->maps_ok),
	       (long long)atomic_load(&sh->unmaps_ok),
	       after.teardown_unmaps - before.teardown_unmaps,
	       (unsigned long long)leaks);
	printf("fuzz-errnos:");
	for (i = 0; i < MAX_ERRNO; i++) {
		long long n = atomic_load(&sh->errnos[i]);
		const char *name = kvmmem_errno_name(i);

		if (n)
			printf(" %s=%lld", name ? name : "?", n);
	}
	printf("\n");
	if (rel_failures)
		printf("fuzz: %d checks failed; replay with: fuzz -s %llu -n %llu -p %llu -t %llu -k %llu --leaks %llu --churn %u\n",
		       rel_failures, (unsigned long long)seed,
		       (unsigned long long)ioctls, (unsigned long long)procs,
		       (unsigned long long)threads, (unsigned long long)kill_ms,
		       (unsigned long long)leaks, churn);
	return rel_failures ? 1 : 0;
}
