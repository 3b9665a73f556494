// SPDX-License-Identifier: GPL-2.0
/*
 * killstorm - kill -9 NPROCS kvmmem clients at random points, in the guest.
 *
 * CONCURRENT children at a time each open /dev/kvmmem and map and unmap
 * pages of their own in a loop; some fork once, either a grandchild that
 * maps through a file of its own, or a helper that inherits the file,
 * gets EPERM on it and sleeps, outliving its parent; some execve (keeping
 * the file) after mapping. The parent kills a random one after a random
 * delay and starts the next, until NPROCS have been killed. Afterwards,
 * while the helpers still hold their files: no live mapping, no pinned
 * page; then, the helpers killed: no open file, the kernel's pin count
 * back where it was, and every map undone exactly once. One line per
 * check, then a "killstorm-result:" summary line. Seeded (--seed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rel.h"
#include "util.h"

#define MAX_CONCURRENT	64
#define PAGES		16
#define MAX_HELPERS	512

struct shared {
	atomic_llong maps_ok;
	atomic_llong unmaps_ok;
	atomic_llong opened;
	atomic_llong forks;
	atomic_llong execs;
	atomic_llong helper_eperm;		/* helpers refused the file */
	atomic_int nr_helpers;
	atomic_int helpers_stop;		/* set at the end: helpers exit */
	atomic_int helpers[MAX_HELPERS];	/* their pids */
	atomic_int live[MAX_CONCURRENT];	/* per slot, as the child sees it */
};

static struct shared *sh;
static long page_size;

static void child_main(unsigned int slot, uint64_t rng)
{
	struct kvmi_map_mem_token tok;
	bool mapped[PAGES] = { false };
	pid_t me = getpid();
	int fd, hfd, i;
	char *region;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);
	hfd = open("/dev/kvmmem-hostsim", O_RDWR | O_CLOEXEC);
	region = mmap(NULL, PAGES * page_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || hfd < 0 || region == MAP_FAILED)
		_exit(3);
	atomic_fetch_add(&sh->opened, 1);
	/* a third fork once: a helper holding the file, or a grandchild */
	if (rel_below(&rng, 3) == 0 && fork() == 0) {
		if (rel_below(&rng, 2) == 0) {
			int h = atomic_fetch_add(&sh->nr_helpers, 1);

			/* outlives its parent (no PDEATHSIG): stopped at the end */
			if (h >= MAX_HELPERS)
				_exit(0);
			atomic_store(&sh->helpers[h], getpid());
			if (rel_unmap(fd, (uintptr_t)region) == EPERM)
				atomic_fetch_add(&sh->helper_eperm, 1);
			/* one not yet listed when the end comes still exits */
			while (!atomic_load(&sh->helpers_stop))
				usleep(100000);
			_exit(0);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* killed before the prctl: nobody would kill us any more */
		if (getppid() != me)
			_exit(0);
		atomic_fetch_add(&sh->forks, 1);
		/* the inherited file is the parent's: open our own */
		close(fd);
		fd = open("/dev/kvmmem", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(3);
		atomic_fetch_add(&sh->opened, 1);
		rng ^= 0xa5a5;
		memset(mapped, 0, sizeof(mapped));
	}
	atomic_store(&sh->live[slot], 0);
	for (;;) {
		/*
		 * slots 0, 4, 8 and 12 exec now and then once they have
		 * mappings, keeping the file: most of their processes do
		 * before they are killed (with slot 0 alone, 23 of the ~31
		 * of a 500-process storm), so a 100-process storm, 25 of
		 * them in those slots, is all but sure to see some
		 */
		if (atomic_load(&sh->live[slot]) >= 4 &&
		    rel_below(&rng, 256) == 0 && (slot & 3) == 0) {
			fcntl(fd, F_SETFD, 0);
			atomic_fetch_add(&sh->execs, 1);
			atomic_store(&sh->live[slot], 0);
			execl("/bin/sleep", "sleep", "3600", (char *)NULL);
			_exit(3);
		}
		i = rel_below(&rng, PAGES);
		if (!mapped[i]) {
			if (rel_token(hfd, &tok)) {
				usleep(500);
				continue;
			}
			if (!rel_map(fd, &tok, (uintptr_t)region + i * page_size,
				     rel_below(&rng, 1 << 18) * 4096)) {
				mapped[i] = true;
				atomic_fetch_add(&sh->live[slot], 1);
				atomic_fetch_add(&sh->maps_ok, 1);
				region[i * page_size] ^= 1;
			}
		} else if (rel_below(&rng, 4) == 0 &&
			   !rel_unmap(fd, (uintptr_t)region + i * page_size)) {
			mapped[i] = false;
			atomic_fetch_sub(&sh->live[slot], 1);
			atomic_fetch_add(&sh->unmaps_ok, 1);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "procs", required_argument, NULL, 'n' },
		{ "concurrent", required_argument, NULL, 'c' },
		{ "max-delay-ms", required_argument, NULL, 'd' },
		{}
	};
	uint64_t seed = (uint64_t)time(NULL), nprocs = 1000, conc = 16;
	uint64_t max_delay_ms = 20, v, rng;
	struct rel_counters before, after;
	pid_t pids[MAX_CONCURRENT];
	long long killed = 0, killed_mapped = 0, spawned = 0;
	unsigned int helpers;
	int alive = 0;
	double start, elapsed;
	unsigned int i;
	int c;

	while ((c = getopt_long(argc, argv, "s:n:c:d:", opts, NULL)) != -1) {
		if (c == '?' || kvmmem_parse_u64(optarg, &v)) {
			fprintf(stderr, "usage: killstorm [-s SEED] [-n NPROCS] [-c CONCURRENT] [-d MAX_DELAY_MS]\n");
			return 2;
		}
		switch (c) {
		case 's': seed = v; break;
		case 'n': nprocs = v; break;
		case 'c': conc = v; break;
		case 'd': max_delay_ms = v; break;
		}
	}
	if (!conc || conc > MAX_CONCURRENT || nprocs < conc) {
		fprintf(stderr, "killstorm: 1 <= CONCURRENT <= %d, CONCURRENT <= NPROCS\n",
			MAX_CONCURRENT);
		return 2;
	}
	page_size = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	printf("killstorm: seed %llu, %llu processes killed, %llu at a time, after 0-%llu ms each\n",
	       (unsigned long long)seed, (unsigned long long)nprocs,
	       (unsigned long long)conc, (unsigned long long)max_delay_ms);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	rel_counters_read(&before);
	rng = rel_substream(seed, 0, 0);
	start = rel_now();

	for (i = 0; i < conc; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			child_main(i, rel_substream(seed, 1, spawned));
		spawned++;
	}
	while (killed < (long long)nprocs) {
		do
			i = rel_below(&rng, conc);
		while (!pids[i]);
		usleep(rel_below(&rng, max_delay_ms * 1000 + 1));
		if (atomic_load(&sh->live[i]) > 0)
			killed_mapped++;
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
		killed++;
		/* a boot that times out shows how far the storm got, and how fast */
		if (killed % 100 == 0)
			printf("killstorm: %lld of %llu killed, %.1f s, %lld maps\n",
			       killed, (unsigned long long)nprocs, rel_now() - start,
			       (long long)atomic_load(&sh->maps_ok));
		pids[i] = 0;
		if (spawned < (long long)nprocs) {
			pids[i] = fork();
			if (pids[i] == 0)
				child_main(i, rel_substream(seed, 1, spawned));
			spawned++;
		}
	}
	/* grandchildren die with their parents (PDEATHSIG) */
	for (i = 0; i < 100; i++) {
		rel_counters_read(&after);
		if (!after.live)
			break;
		usleep(50000);
	}
	/* the helpers still hold their parents' files: not the mappings */
	helpers = (unsigned int)atomic_load(&sh->nr_helpers);
	if (helpers > MAX_HELPERS)
		helpers = MAX_HELPERS;
	for (i = 0; i < helpers; i++)
		alive += atomic_load(&sh->helpers[i]) > 0 &&
			 kill(atomic_load(&sh->helpers[i]), 0) == 0;
	rel_check(alive > 0 && after.live == 0 && after.pinned == before.pinned,
	      "killstorm_mappings_die_with_mapper_not_helper",
	      "%d helpers alive, live_mappings %lld, pinned_pages %lld (was %lld)",
	      alive, after.live, after.pinned, before.pinned);
	rel_check(atomic_load(&sh->helper_eperm) > 0 &&
	      atomic_load(&sh->helper_eperm) <= atomic_load(&sh->nr_helpers),
	      "killstorm_helpers_get_eperm", "%lld of %d helpers got EPERM",
	      (long long)atomic_load(&sh->helper_eperm),
	      atomic_load(&sh->nr_helpers));
	atomic_store(&sh->helpers_stop, 1);
	for (i = 0; i < helpers; i++)
		if (atomic_load(&sh->helpers[i]) > 0)
			kill(atomic_load(&sh->helpers[i]), SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	elapsed = rel_now() - start;
	rel_counters_read(&after);

	rel_check(after.live == 0, "killstorm_no_live_mapping_left",
	      "live_mappings %lld", after.live);
	rel_check(after.pinned == before.pinned, "killstorm_no_page_left_pinned",
	      "pinned_pages %lld, was %lld", after.pinned, before.pinned);
	rel_check(after.pins == before.pins, "killstorm_kernel_pin_count_balanced",
	      "nr_foll_pin acquired-released %lld, was %lld", after.pins,
	      before.pins);
	rel_check(after.files == 0, "killstorm_no_file_left", "%lld files open",
	      after.files);
	rel_check(after.leaked == before.leaked, "killstorm_nothing_leaked",
	      "leaked_pages %lld, was %lld", after.leaked, before.leaked);
	rel_check(after.maps - before.maps ==
	      (after.unmaps - before.unmaps) +
	      (after.teardown_unmaps - before.teardown_unmaps),
	      "killstorm_every_map_undone_once",
	      "maps %lld != unmaps %lld + teardown_unmaps %lld",
	      after.maps - before.maps, after.unmaps - before.unmaps,
	      after.teardown_unmaps - before.teardown_unmaps);
	/*
	 * A client killed between its MAP's return and its own count loses
	 * that one count: at most one per process.
	 */
	rel_check(after.maps - before.maps >= atomic_load(&sh->maps_ok) &&
	      after.maps - before.maps <= atomic_load(&sh->maps_ok) + spawned +
	      atomic_load(&sh->forks),
	      "killstorm_driver_counted_every_map",
	      "driver %lld, clients %lld, processes %lld",
	      after.maps - before.maps, (long long)atomic_load(&sh->maps_ok),
	      spawned + (long long)atomic_load(&sh->forks));
	/* a child killed before its open() returned has no file */
	rel_check(after.teardowns - before.teardowns >= atomic_load(&sh->opened) &&
	      after.teardowns - before.teardowns <= spawned +
	      atomic_load(&sh->forks),
	      "killstorm_every_file_torn_down",
	      "teardowns %lld, files opened %lld, processes %lld",
	      after.teardowns - before.teardowns,
	      (long long)atomic_load(&sh->opened), spawned);
	rel_check(killed_mapped > 0 && after.teardown_unmaps > before.teardown_unmaps,
	      "killstorm_killed_processes_held_mappings",
	      "killed with mappings %lld, teardown_unmaps %lld", killed_mapped,
	      after.teardown_unmaps - before.teardown_unmaps);
	rel_check(atomic_load(&sh->execs) > 0, "killstorm_some_processes_execed",
	      "no process execve'd with mappings");
	printf("killstorm-result: seed=%llu procs=%lld killed_with_mappings=%lld helpers=%d execs=%lld seconds=%.1f maps=%lld unmaps=%lld teardown_unmaps=%lld teardowns=%lld\n",
	       (unsigned long long)seed, spawned, killed_mapped,
	       atomic_load(&sh->nr_helpers), (long long)atomic_load(&sh->execs),
	       elapsed,
	       after.maps - before.maps, after.unmaps - before.unmaps,
	       after.teardown_unmaps - before.teardown_unmaps,
	       after.teardowns - before.teardowns);
	if (rel_failures)
		printf("killstorm: %d checks failed; replay with: killstorm -s %llu -n %llu -c %llu -d %llu\n",
		       rel_failures, (unsigned long long)seed,
		       (unsigned long long)nprocs, (unsigned long long)conc,
		       (unsigned long long)max_delay_ms);
	return rel_failures ? 1 : 0;
}
