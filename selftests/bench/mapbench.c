// SPDX-License-Identifier: GPL-2.0
/*
 * mapbench - does the cost of MAP + UNMAP depend on how many mappings an
 * fd already holds? (The seed kept a linear list: O(n) unmap. kvmmem
 * keeps an xarray, so it should not.)
 *
 * On ONE /dev/kvmmem fd, for each level L (default 16, 1000, 10000,
 * 100000; going up, then down again) hold L live mappings, then time P
 * map+unmap pairs of one extra page, and print pairs/s per level side by
 * side and the slowdown of the largest level against the smallest
 * (goal <= 1.30).
 *
 * A benchmark, not a test: it needs kvmmem.ko and kvmmem_hostsim.ko (in
 * the guest: selftests/vm/vmrun -- build/bench/mapbench) and
 * exits 0 whenever it could measure, unless --strict and the goal missed.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "libkvmmem.h"

#define MAX_LEVELS	16
#define MAX_ROUNDS	101
#define GOAL		1.30

#define MEMINFO_PATH		"/proc/meminfo"
#define MAX_MAPPINGS_PATH	"/sys/module/kvmmem/parameters/max_mappings"

static struct {
	uint64_t levels[MAX_LEVELS];
	unsigned int nr_levels;
	uint64_t pairs;
	uint64_t rounds;
	uint64_t gpa_range;
	bool strict;
} args = {
	.levels = { 16, 1000, 10000, 100000 },
	.nr_levels = 4,
	.pairs = 11000,
	.rounds = 11,
	.gpa_range = 64 << 20,
};

/* What was measured at one level; times are mean us per pair of a round. */
struct level_result {
	uint64_t live;
	double fill_s;		/* mapping the pages added on the way up */
	double drain_s;		/* unmapping the pages removed on the way down */
	double round_us[2 * MAX_ROUNDS];	/* up pass, then down pass */
	double up_us, down_us;	/* median of each pass */
	double pair_us;		/* median of both passes */
	double best_us;		/* fastest round */
};

const char *argp_program_version = "mapbench 0.1";

static const char doc[] =
"Time MAP+UNMAP pairs on one /dev/kvmmem fd while it holds L live\n"
"mappings, for several L, and compare.\n"
"\n"
"Going up through the levels the fd is filled to L mappings (one large\n"
"shared anonymous region, so no VMA per page), then PAIRS map+unmap\n"
"pairs of one extra page are timed in ROUNDS rounds after an untimed\n"
"warm-up round; then the same coming down, unmapping to each level, so\n"
"that drift over time does not pass for a trend. The median of both\n"
"passes' rounds is reported. Only the two ioctls are timed: getting each\n"
"pair's hostsim token is not. The last line is the slowdown of the\n"
"largest level against the smallest (goal <= 1.30). Fill and drain\n"
"times are those of reaching each level from the previous one.\n"
"\n"
"Needs root, kvmmem.ko and kvmmem_hostsim.ko, i.e. the guest VM, and\n"
"memory for 2 pages per live mapping (the page and hostsim's saved\n"
"copy): about 800 MiB for 100000 (checked against MemAvailable first).\n"
"\n"
"EXAMPLES:\n"
"    selftests/vm/vmrun -- build/bench/mapbench\n"
"    mapbench -l 16,1000 -p 500          # quick\n"
"    mapbench -l 16,100000 -p 10000 -r 9 --strict\n";

static const struct argp_option options[] = {
	{ "levels", 'l', "L,L,...", 0,
	  "Live mappings held while timing (default 16,1000,10000,100000)", 0 },
	{ "pairs", 'p', "P", 0, "Timed map+unmap pairs per level (default 11000)", 0 },
	{ "rounds", 'r', "R", 0, "Split the pairs into R rounds, report the "
	  "median (default 11)", 0 },
	{ "gpa-range", 'g', "BYTES", 0, "Remote gpas of the live mappings cycle "
	  "through [0, BYTES) (default 64M)", 0 },
	{ "strict", 's', NULL, 0, "Exit 3 if the slowdown misses the goal", 0 },
	{},
};

static int cmp_u64(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static int cmp_double(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static void parse_levels(struct argp_state *state, char *arg)
{
	char *tok, *save;
	uint64_t v;
	int err;

	args.nr_levels = 0;
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (args.nr_levels == MAX_LEVELS)
			argp_error(state, "--levels: at most %d levels", MAX_LEVELS);
		err = kvmmem_parse_u64_range(tok, 1, 10000000, &v);
		if (err)
			argp_error(state, "--levels: '%s' is not a number from 1 to "
				   "10000000", tok);
		args.levels[args.nr_levels++] = v;
	}
	if (!args.nr_levels)
		argp_error(state, "--levels: empty list");
	qsort(args.levels, args.nr_levels, sizeof(args.levels[0]), cmp_u64);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	int err;

	switch (key) {
	case 'l':
		parse_levels(state, arg);
		break;
	case 'p':
		if (kvmmem_parse_u64_range(arg, 1, 100000000, &args.pairs))
			argp_error(state, "--pairs '%s': not a number from 1 to "
				   "100000000", arg);
		break;
	case 'r':
		if (kvmmem_parse_u64_range(arg, 1, MAX_ROUNDS, &args.rounds))
			argp_error(state, "--rounds '%s': not a number from 1 to %d",
				   arg, MAX_ROUNDS);
		break;
	case 'g':
		err = kvmmem_parse_size(arg, &args.gpa_range);
		if (err || args.gpa_range < (uint64_t)sysconf(_SC_PAGESIZE))
			argp_error(state, "--gpa-range '%s': not a size of at least "
				   "one page (k, M, G suffixes)", arg);
		break;
	case 's':
		args.strict = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (args.pairs < args.rounds)
			argp_error(state, "--pairs must be at least --rounds");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* A number from a small file (sysfs, procfs), or -1. */
static int64_t read_number(const char *path)
{
	uint64_t v;
	char *text;
	long len;
	int err;

	len = kvmmem_read_file(path, &text);
	if (len < 0)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	err = kvmmem_parse_u64(text, &v);
	free(text);
	return err || v > INT64_MAX ? -1 : (int64_t)v;
}

/* MemAvailable in bytes, or -1. */
static int64_t mem_available(void)
{
	unsigned long long kb;
	char *text, *p;
	int64_t ret = -1;

	if (kvmmem_read_file(MEMINFO_PATH, &text) < 0)
		return -1;
	p = strstr(text, "MemAvailable:");
	if (p && sscanf(p, "MemAvailable: %llu kB", &kb) == 1)
		ret = (int64_t)kb * 1024;
	free(text);
	return ret;
}

/* Refuse early, with a reason, what would fail half way through. */
static int check_resources(uint64_t max_live, size_t page_size)
{
	int64_t cap = read_number(MAX_MAPPINGS_PATH);
	int64_t avail = mem_available();
	uint64_t need = (max_live + 1) * page_size * 2;

	if (cap >= 0 && (uint64_t)cap < max_live + 1) {
		fprintf(stderr, "mapbench: %" PRIu64 " live mappings + 1 exceed the "
			"driver's per-fd cap of %" PRId64 ": reload kvmmem.ko with "
			"max_mappings=%" PRIu64 " (KVMMEM_ARGS for vmrun) or lower -l\n",
			max_live, cap, max_live + 1);
		return -ENOSPC;
	}
	if (avail >= 0 && (uint64_t)avail < need + (64 << 20)) {
		fprintf(stderr, "mapbench: %" PRIu64 " live mappings need about %"
			PRIu64 " MiB (each page plus hostsim's saved copy) but "
			"MemAvailable is %" PRId64 " MiB: give the guest more "
			"memory (vmrun --mem 2048) or lower -l\n", max_live,
			need >> 20, avail >> 20);
		return -ENOMEM;
	}
	return 0;
}

static void explain(const char *what, int err)
{
	const char *name = kvmmem_errno_name(err);
	const char *hint = "";

	if (!strcmp(what, "open /dev/kvmmem") && (err == -ENOENT || err == -ENODEV))
		hint = ": load kvmmem.ko (run in the guest: selftests/vm/vmrun)";
	else if (err == -EACCES || err == -EPERM)
		hint = ": run as root";
	else if (err == -ENOENT)
		hint = ": load kvmmem_hostsim.ko (run in the guest: selftests/vm/vmrun)";
	else if (err == -ENOSPC)
		hint = ": the driver's per-fd cap (max_mappings) was reached";
	fprintf(stderr, "mapbench: %s: %s (%s)%s\n", what, name ? name : "?",
		strerror(-err), hint);
}

/* Map live pages [*live, target) of @region. */
static int fill_to(struct kvmmem *km, char *region, uint64_t *live,
		   uint64_t target, uint64_t range_pages)
{
	const size_t page_size = kvmmem_page_size(km);
	char what[64];
	int err;

	for (; *live < target; (*live)++) {
		err = kvmmem_map_at(km, NULL, *live % range_pages * page_size,
				    region + *live * page_size);
		if (err) {
			snprintf(what, sizeof(what), "map live page %" PRIu64, *live);
			explain(what, err);
			return err;
		}
	}
	return 0;
}

/* Unmap live pages [target, *live) of @region, last first. */
static int drain_to(struct kvmmem *km, char *region, uint64_t *live,
		    uint64_t target)
{
	const size_t page_size = kvmmem_page_size(km);
	char what[64];
	int err;

	for (; *live > target; (*live)--) {
		err = kvmmem_unmap_at(km, region + (*live - 1) * page_size);
		if (err) {
			snprintf(what, sizeof(what), "unmap live page %" PRIu64,
				 *live - 1);
			explain(what, err);
			return err;
		}
	}
	return 0;
}

/*
 * Time args.rounds rounds of map+unmap pairs of @extra, after one untimed
 * warm-up round; store each round's mean pair time in @round_us.
 */
static int time_rounds(struct kvmmem *km, void *extra, double *round_us)
{
	const uint64_t per_round = args.pairs / args.rounds;
	const uint64_t gpa = kvmmem_page_size(km);	/* any valid page */
	struct kvmi_map_mem_token tok;
	double spent, t0;
	uint64_t r, i;
	int err;

	for (r = 0; r <= args.rounds; r++) {	/* round 0 is the warm-up */
		spent = 0;
		for (i = 0; i < per_round; i++) {
			err = kvmmem_get_token(km, &tok);
			if (err) {
				explain("get a hostsim token", err);
				return err;
			}
			t0 = now_us();
			err = kvmmem_map_at(km, &tok, gpa, extra);
			if (!err)
				err = kvmmem_unmap_at(km, extra);
			spent += now_us() - t0;
			if (err) {
				explain("timed map+unmap", err);
				return err;
			}
		}
		if (r)
			round_us[r - 1] = spent / per_round;
	}
	return 0;
}

static double median(const double *v, size_t n, double *min)
{
	double sorted[2 * MAX_ROUNDS];

	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	if (min)
		*min = sorted[0];
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

enum row { ROW_LIVE, ROW_RATE, ROW_US, ROW_UP, ROW_DOWN, ROW_BEST, ROW_FILL,
	   ROW_DRAIN };

static void print_row(const char *label, const struct level_result *res,
		      unsigned int n, enum row row)
{
	unsigned int i;

	printf("%-20s", label);
	for (i = 0; i < n; i++) {
		switch (row) {
		case ROW_LIVE:
			printf("%12" PRIu64, res[i].live);
			break;
		case ROW_RATE:
			printf("%12.0f", 1e6 / res[i].pair_us);
			break;
		case ROW_US:
			printf("%12.2f", res[i].pair_us);
			break;
		case ROW_UP:
			printf("%12.2f", res[i].up_us);
			break;
		case ROW_DOWN:
			printf("%12.2f", res[i].down_us);
			break;
		case ROW_BEST:
			printf("%12.2f", res[i].best_us);
			break;
		case ROW_FILL:
			printf("%12.2f", res[i].fill_s);
			break;
		case ROW_DRAIN:
			printf("%12.2f", res[i].drain_s);
			break;
		}
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	const struct argp argp = { .options = options, .parser = parse_opt,
				   .doc = doc };
	struct level_result res[MAX_LEVELS] = { { 0 } };
	uint64_t max_live, live = 0, range_pages;
	char *region = MAP_FAILED;
	double t0, slowdown;
	struct kvmmem *km = NULL;
	size_t page_size = 0, region_len = 0;
	unsigned int l;
	void *extra = MAP_FAILED;
	int err, fd, ret = 1;

	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	max_live = args.levels[args.nr_levels - 1];

	err = kvmmem_open(NULL, &km);
	if (err) {
		explain("open /dev/kvmmem", err);
		return 1;
	}
	fd = kvmmem_hostsim_open(NULL);
	if (fd < 0) {
		explain("open /dev/kvmmem-hostsim", fd);
		goto out;
	}
	close(fd);
	page_size = kvmmem_page_size(km);
	range_pages = args.gpa_range / page_size;
	if (check_resources(max_live, page_size))
		goto out;

	region_len = max_live * page_size;
	region = mmap(NULL, region_len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	extra = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (region == MAP_FAILED || extra == MAP_FAILED) {
		explain("mmap the pages", -errno);
		goto out;
	}

	printf("mapbench: %" PRIu64 " timed map+unmap pairs per level and pass, "
	       "%" PRIu64 " rounds, one fd, page %zu, pid %d\n",
	       args.pairs / args.rounds * args.rounds, args.rounds, page_size,
	       getpid());
	fflush(stdout);
	for (l = 0; l < args.nr_levels; l++) {
		res[l].live = args.levels[l];
		t0 = now_us();
		if (fill_to(km, region, &live, args.levels[l], range_pages))
			goto out;
		res[l].fill_s = (now_us() - t0) / 1e6;
		if (time_rounds(km, extra, res[l].round_us))
			goto out;
		res[l].up_us = median(res[l].round_us, args.rounds, NULL);
		printf("  up:   %7" PRIu64 " live, %.2f us/pair\n", res[l].live,
		       res[l].up_us);
		fflush(stdout);
	}
	for (l = args.nr_levels; l-- > 0;) {
		t0 = now_us();
		if (drain_to(km, region, &live, args.levels[l]))
			goto out;
		res[l].drain_s = (now_us() - t0) / 1e6;
		if (time_rounds(km, extra, res[l].round_us + args.rounds))
			goto out;
		res[l].down_us = median(res[l].round_us + args.rounds, args.rounds,
					NULL);
		res[l].pair_us = median(res[l].round_us, 2 * args.rounds,
					&res[l].best_us);
		printf("  down: %7" PRIu64 " live, %.2f us/pair\n", res[l].live,
		       res[l].down_us);
		fflush(stdout);
	}

	print_row("live mappings", res, args.nr_levels, ROW_LIVE);
	print_row("pairs/s (median)", res, args.nr_levels, ROW_RATE);
	print_row("us/pair (median)", res, args.nr_levels, ROW_US);
	print_row("us/pair (up pass)", res, args.nr_levels, ROW_UP);
	print_row("us/pair (down pass)", res, args.nr_levels, ROW_DOWN);
	print_row("us/pair (best)", res, args.nr_levels, ROW_BEST);
	print_row("fill time (s)", res, args.nr_levels, ROW_FILL);
	print_row("drain time (s)", res, args.nr_levels, ROW_DRAIN);

	ret = 0;
	if (args.nr_levels > 1) {
		slowdown = res[args.nr_levels - 1].pair_us / res[0].pair_us;
		printf("slowdown %" PRIu64 " vs %" PRIu64 " live mappings: %.2fx "
		       "(goal <= %.2f): %s\n", res[args.nr_levels - 1].live,
		       res[0].live, slowdown, GOAL,
		       slowdown <= GOAL ? "met" : "MISSED");
		if (slowdown > GOAL && args.strict)
			ret = 3;
	}
out:
	kvmmem_close(km);	/* tears down what is still mapped */
	if (region != MAP_FAILED)
		munmap(region, region_len);
	if (extra != MAP_FAILED)
		munmap(extra, page_size);
	return ret;
}
