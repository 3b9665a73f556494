// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem-ctl stress - many processes mapping, verifying, unmapping, and
 * leaving or being killed with mappings for the driver to tear down.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "ctl.h"

#define MAX_MAP_COUNT_PATH	"/proc/sys/vm/max_map_count"

#define STRESS_ERRNO_MAX	160	/* counts[0]: errno beyond this */

static struct {
	uint64_t procs;
	uint64_t mappings;
	uint64_t gpa_range;
	uint64_t leave;
	uint64_t seed;
	uint64_t expect_leaks;
	bool kill;
	bool seed_set;
} stress_args = {
	.gpa_range = 16 << 20,
};

/* What one child did; sent to the parent through a pipe in one write. */
struct stress_result {
	pid_t pid;
	unsigned int index;
	uint64_t maps_ok;
	uint64_t unmaps_ok;
	uint64_t left;
	uint64_t verify_failed;
	uint64_t unmap_failed;	/* UNMAP failed: a leaked page */
	uint32_t errors[STRESS_ERRNO_MAX];
};

_Static_assert(sizeof(struct stress_result) <= PIPE_BUF,
	       "stress results must be written atomically");

static const char stress_doc[] =
"Fork PROCS children; each opens /dev/kvmmem, maps MAPPINGS random pages\n"
"of the first --gpa-range bytes of remote memory with fresh hostsim\n"
"tokens, checks each against the hostsim pattern, then unmaps all but\n"
"--leave of them and exits, leaving those to the driver's teardown on\n"
"close. With --kill each child is killed with SIGKILL while holding all\n"
"its mappings.\n"
"\n"
"The parent prints exact counts (maps ok, unmaps ok, left to teardown,\n"
"errors by errno name, elapsed) and, if debugfs is readable, checks the\n"
"driver's counters moved by exactly as much and that live_mappings and\n"
"pinned_pages are back where they started. Exit status 1 on any error,\n"
"pattern mismatch or counter mismatch.\n"
"\n"
"--expect-leaks N says the host was made to fail N unmaps (hostsim fault\n"
"injection): N pages must leak, whether in UNMAP or in teardown, and\n"
"the UNMAP errors that leaked them are expected, not failures.\n"
"\n"
"Each mapping is its own VMA: MAPPINGS must stay below vm.max_map_count.\n"
"\n"
"EXAMPLES:\n"
"    kvmmem-ctl stress -P 4 -m 100\n"
"    kvmmem-ctl stress -P 8 -m 500 --leave 50 --seed 42\n"
"    kvmmem-ctl stress -P 2 -m 1000 --kill --gpa-range 1G\n"
"    echo 1 > /sys/kernel/debug/kvmmem_hostsim/fail_unmap_count\n"
"    kvmmem-ctl stress -P 4 -m 64 --leave 8 --expect-leaks 1\n";

/* Long-only: their letters mean something else in the other tools. */
enum { OPT_GPA_RANGE = 1100, OPT_LEAVE, OPT_SEED };

static const struct argp_option stress_options[] = {
	{ "procs", 'P', "PROCS", 0, "Child processes (1-1024)", 0 },
	/* -p was --procs before -p meant a PID in every tool: kept for scripts */
	{ NULL, 'p', "PROCS", OPTION_HIDDEN, NULL, 0 },
	{ "mappings", 'm', "MAPPINGS", 0, "Mappings per child (1-1000000)", 0 },
	{ "gpa-range", OPT_GPA_RANGE, "BYTES", 0,
	  "Remote gpas are drawn from [0, BYTES) (default 16M; k, M, G)", 0 },
	{ "leave", OPT_LEAVE, "N", 0, "Leave N mappings per child to teardown", 0 },
	{ "kill", 'k', NULL, 0, "SIGKILL each child while it holds its mappings", 0 },
	{ "seed", OPT_SEED, "S", 0, "Random seed (default: from the clock, printed)", 0 },
	{ "expect-leaks", 'L', "N", 0,
	  "N unmaps were made to fail on the host: expect N leaked pages", 0 },
	{},
};

static error_t stress_parse(int key, char *arg, struct argp_state *state)
{
	uint64_t page = sysconf(_SC_PAGESIZE);

	switch (key) {
	case 'P':
	case 'p':
		stress_args.procs =
			kvmmem_argp_u64(state, "--procs", arg, 1, 1024);
		break;
	case 'm':
		stress_args.mappings =
			kvmmem_argp_u64(state, "--mappings", arg, 1, 1000000);
		break;
	case OPT_GPA_RANGE:
		stress_args.gpa_range = parse_bytes(state, "--gpa-range", arg, page,
						    UINT64_MAX);
		break;
	case OPT_LEAVE:
		stress_args.leave =
			kvmmem_argp_u64(state, "--leave", arg, 0, 1000000);
		break;
	case 'k':
		stress_args.kill = true;
		break;
	case 'L':
		stress_args.expect_leaks =
			kvmmem_argp_u64(state, "--expect-leaks", arg, 0, UINT32_MAX);
		break;
	case OPT_SEED:
		stress_args.seed =
			kvmmem_argp_u64(state, "--seed", arg, 0, UINT64_MAX);
		stress_args.seed_set = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (!stress_args.procs || !stress_args.mappings)
			argp_error(state, "-P PROCS and -m MAPPINGS are required");
		if (stress_args.kill && stress_args.leave)
			argp_error(state, "--leave and --kill exclude each other "
				   "(--kill leaves everything)");
		if (stress_args.leave > stress_args.mappings)
			argp_error(state, "--leave %" PRIu64 " is more than -m %" PRIu64,
				   stress_args.leave, stress_args.mappings);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void count_error(struct stress_result *res, int err)
{
	err = -err;
	res->errors[err > 0 && err < STRESS_ERRNO_MAX ? err : 0]++;
}

static void write_result(int fd, const struct stress_result *res)
{
	ssize_t n;

	do {
		n = write(fd, res, sizeof(*res));
	} while (n < 0 && errno == EINTR);
}

static void stress_child(unsigned int index, int result_fd)
{
	struct stress_result res = { .pid = getpid(), .index = index };
	uint64_t rng = stress_args.seed * 1000003 + index;
	uint64_t range_pages, gpa, i, n = 0;
	KVMMEM_OPTS(opts, .dev_path = env.dev_path,
		    .hostsim_path = env.hostsim_path);
	struct kvmmem *km;
	size_t page_size;
	void **pages;
	int err;

	/* never outlive the parent, e.g. paused in --kill mode */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pages = calloc(stress_args.mappings, sizeof(*pages));
	if (!pages) {
		count_error(&res, -ENOMEM);
		goto out;
	}
	err = kvmmem_open(&opts, &km);
	if (err) {
		count_error(&res, err);
		goto out;
	}
	page_size = kvmmem_page_size(km);
	range_pages = stress_args.gpa_range / page_size;

	for (i = 0; i < stress_args.mappings; i++) {
		gpa = splitmix64(&rng) % range_pages * page_size;
		err = kvmmem_map(km, NULL, gpa, &pages[n]);
		if (err) {
			count_error(&res, err);
			continue;
		}
		res.maps_ok++;
		if (kvmmem_hostsim_verify(pages[n], page_size, gpa, NULL))
			res.verify_failed++;
		n++;
	}

	if (stress_args.kill) {
		res.left = n;
		write_result(result_fd, &res);
		for (;;)
			pause();	/* until the parent's SIGKILL */
	}

	for (i = stress_args.leave; i < n; i++) {
		err = kvmmem_unmap(km, pages[i]);
		if (err) {
			count_error(&res, err);
			res.unmap_failed++;
		} else
			res.unmaps_ok++;
	}
	res.left = n < stress_args.leave ? n : stress_args.leave;
	/* the driver tears down what is left when the fd closes */
	kvmmem_close(km);
out:
	write_result(result_fd, &res);
	free(pages);
	_exit(0);
}

/* Driver counters compared before and after a stress run. */
static const char *const stress_keys[] = {
	"live_mappings", "pinned_pages", "maps", "unmaps", "teardown_unmaps",
	"leaked_pages",
};
#define NR_STRESS_KEYS	(sizeof(stress_keys) / sizeof(stress_keys[0]))

static bool read_counters(uint64_t *vals)
{
	struct kvmmem_stats st;
	bool ok = true;
	size_t i;

	if (kvmmem_stats_read(NULL, &st))
		return false;
	for (i = 0; i < NR_STRESS_KEYS; i++)
		if (kvmmem_stats_get_u64(&st, stress_keys[i], &vals[i]))
			ok = false;
	kvmmem_stats_free(&st);
	return ok;
}

static long read_max_map_count(void)
{
	char *text;
	uint64_t v = 0;
	long len;

	len = kvmmem_read_file(MAX_MAP_COUNT_PATH, &text);
	if (len < 0)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	if (kvmmem_parse_u64(text, &v) || v > LONG_MAX)
		v = 0;
	free(text);
	return v ? (long)v : -1;
}

int cmd_stress(int argc, char **argv)
{
	const struct argp argp = {
		.options = stress_options, .parser = stress_parse,
		.doc = stress_doc,
	};
	uint64_t before[NR_STRESS_KEYS], after[NR_STRESS_KEYS], want[NR_STRESS_KEYS];
	struct stress_result total = { 0 }, res;
	uint64_t reported = 0, bad_children = 0, unexpected;
	bool have_counters;
	pid_t *pids, pid;
	int fds[2], status, err, ret = 0;
	long max_map_count;
	double t0, elapsed;
	unsigned int i, e, shown;
	struct kvmmem *km;
	ssize_t n;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (!stress_args.seed_set)
		stress_args.seed = (uint64_t)time(NULL) ^ getpid();
	max_map_count = read_max_map_count();
	if (max_map_count > 0 && stress_args.mappings + 1000 > (uint64_t)max_map_count) {
		kvmmem_warn("stress: -m %" PRIu64 " needs one VMA per mapping but "
		      "vm.max_map_count is %ld: lower -m or raise it (sysctl "
		      "vm.max_map_count=%" PRIu64 ")", stress_args.mappings,
		      max_map_count, 2 * stress_args.mappings + 1000);
		return EXIT_USAGE;
	}

	/* Fail early, with the right message, if the basics are missing. */
	if (open_kvmmem(&km))
		return EXIT_FAIL;
	kvmmem_close(km);
	err = kvmmem_hostsim_open(env.hostsim_path);
	if (err < 0) {
		explain_token(err);
		return EXIT_FAIL;
	}
	close(err);

	pids = calloc(stress_args.procs, sizeof(*pids));
	if (!pids || pipe(fds)) {
		kvmmem_warn("stress: %s", err_str(pids ? -errno : -ENOMEM));
		free(pids);
		return EXIT_FAIL;
	}

	have_counters = read_counters(before);
	printf("stress: %" PRIu64 " processes x %" PRIu64 " mappings, gpa range "
	       "0x%" PRIx64 ", %s, seed %" PRIu64 "\n", stress_args.procs,
	       stress_args.mappings, stress_args.gpa_range,
	       stress_args.kill ? "killed while holding" : "unmap", stress_args.seed);
	fflush(stdout);

	t0 = now_s();
	for (i = 0; i < stress_args.procs; i++) {
		pid = fork();
		if (pid < 0) {
			kvmmem_warn("stress: fork: %s", err_str(-errno));
			ret = EXIT_FAIL;
			break;
		}
		if (!pid) {
			close(fds[0]);
			stress_child(i, fds[1]);
		}
		pids[i] = pid;
	}
	close(fds[1]);

	while ((n = read(fds[0], &res, sizeof(res))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(res)) {
			kvmmem_warn("stress: short read of a child's result");
			ret = EXIT_FAIL;
			break;
		}
		reported++;
		if (stress_args.kill)
			kill(res.pid, SIGKILL);
		total.maps_ok += res.maps_ok;
		total.unmaps_ok += res.unmaps_ok;
		total.left += res.left;
		total.verify_failed += res.verify_failed;
		total.unmap_failed += res.unmap_failed;
		for (e = 0; e < STRESS_ERRNO_MAX; e++)
			total.errors[e] += res.errors[e];
	}
	close(fds[0]);

	for (i = 0; i < stress_args.procs && pids[i]; i++) {
		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		if (stress_args.kill ? !(WIFSIGNALED(status) &&
					 WTERMSIG(status) == SIGKILL) :
		    !(WIFEXITED(status) && !WEXITSTATUS(status))) {
			bad_children++;
			if (WIFSIGNALED(status))
				kvmmem_warn("stress: child %d died of %s", pids[i],
				      strsignal(WTERMSIG(status)));
			else
				kvmmem_warn("stress: child %d exited with %d", pids[i],
				      WEXITSTATUS(status));
		}
	}
	elapsed = now_s() - t0;
	free(pids);

	unexpected = total.verify_failed + bad_children +
		     (stress_args.procs - reported);
	printf("  maps ok           %" PRIu64 "\n", total.maps_ok);
	printf("  unmaps ok         %" PRIu64 "\n", total.unmaps_ok);
	printf("  left to teardown  %" PRIu64 "%s\n", total.left,
	       stress_args.kill ? " (killed)" : "");
	printf("  pattern failures  %" PRIu64 "\n", total.verify_failed);
	printf("  errors           ");
	for (e = 0, shown = 0; e < STRESS_ERRNO_MAX; e++) {
		if (!total.errors[e])
			continue;
		printf(" %s %u", e ? err_name(e) : "other", total.errors[e]);
		unexpected += total.errors[e];
		shown++;
	}
	printf("%s\n", shown ? "" : " none");
	if (stress_args.expect_leaks) {
		/* The UNMAP errors that leaked the injected pages. */
		uint64_t expected = total.unmap_failed < stress_args.expect_leaks ?
				    total.unmap_failed : stress_args.expect_leaks;

		printf("  expected leaks    %" PRIu64 " (%" PRIu64
		       " in UNMAP, the rest in teardown)\n",
		       stress_args.expect_leaks, expected);
		unexpected -= expected;
	}
	if (reported != stress_args.procs)
		printf("  children without a report  %" PRIu64 "\n",
		       stress_args.procs - reported);
	printf("  elapsed           %.3f s (%.0f maps/s)\n", elapsed,
	       elapsed > 0 ? total.maps_ok / elapsed : 0.0);

	if (!have_counters || !read_counters(after)) {
		printf("  driver counters   not checked (%s unreadable: mount "
		       "debugfs, run as root)\n", KVMMEM_STATS_PATH);
	} else {
		want[0] = before[0];
		/* Injected failures not seen in UNMAP leaked in teardown. */
		uint64_t teardown_leaks = stress_args.expect_leaks > total.unmap_failed ?
					  stress_args.expect_leaks - total.unmap_failed : 0;

		want[1] = before[1] + stress_args.expect_leaks;
		want[2] = before[2] + total.maps_ok;
		want[3] = before[3] + total.unmaps_ok;
		want[4] = before[4] + total.left - teardown_leaks;
		want[5] = before[5] + stress_args.expect_leaks;
		printf("  driver counters   (before -> after, expected after)\n");
		for (i = 0; i < NR_STRESS_KEYS; i++) {
			printf("    %-16s %10" PRIu64 " -> %-10" PRIu64 " %s\n",
			       stress_keys[i], before[i], after[i],
			       after[i] == want[i] ? "ok" : "MISMATCH");
			if (after[i] != want[i]) {
				printf("    %-16s expected %" PRIu64 "\n", "", want[i]);
				unexpected++;
			}
		}
	}

	if (unexpected || ret) {
		printf("stress: FAILED (%" PRIu64 " unexpected results)\n", unexpected);
		return EXIT_FAIL;
	}
	printf("stress: ok\n");
	return 0;
}
