// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem-ctl - drive /dev/kvmmem from the shell: tokens, map, read,
 * unmap, scripted sequences on one fd, a multi-process stress and the
 * driver's debugfs statistics.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "ctl.h"

/* Keys of long-only options (-V is argp's --version). */
#define OPT_VERIFY	1000

struct ctl_env env;

/* ------------------------------------------------------------ messages */

const char *err_name(int err)
{
	const char *name = kvmmem_errno_name(err);

	return name ? name : "unknown error";
}

/* "EKEYREJECTED (Key was rejected by service)" */
const char *err_str(int err)
{
	static char buf[128];

	if (err < 0)
		err = -err;
	snprintf(buf, sizeof(buf), "%s (%s)", err_name(err), strerror(err));
	return buf;
}

/* Why opening the driver failed, and what to do about it. */
void explain_open(int err)
{
	const char *path = env.dev_path ? env.dev_path : KVMMEM_DEV_PATH;

	switch (-err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		kvmmem_warn("cannot open %s: %s: load the driver (insmod kernel/kvmmem.ko)",
		      path, err_str(err));
		break;
	case EACCES:
	case EPERM:
		kvmmem_warn("cannot open %s: %s: run as root or as a member of group "
		      "kvmmem (the udev rule 60-kvmmem.rules makes the device "
		      "root:kvmmem 0660; without it, it is root's, 0600)",
		      path, err_str(err));
		break;
	default:
		kvmmem_warn("cannot open %s: %s", path, err_str(err));
	}
}

/* Why getting a token from hostsim failed, and what to do about it. */
void explain_token(int err)
{
	const char *path = env.hostsim_path ? env.hostsim_path :
		KVMMEM_HOSTSIM_DEV_PATH;

	switch (-err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		kvmmem_warn("no token: cannot open %s: %s: load the host emulator "
		      "(insmod kernel/kvmmem_hostsim.ko); on a real KVMI host "
		      "tokens come from the introspection socket, not from here",
		      path, err_str(err));
		break;
	case EACCES:
	case EPERM:
		kvmmem_warn("no token: cannot open %s: %s: run as root or as a "
		      "member of group kvmmem (60-kvmmem.rules)", path,
		      err_str(err));
		break;
	case EAGAIN:
		kvmmem_warn("no token: hostsim still had %d unused tokens out after "
		      "%d ms: something is taking tokens without using them",
		      KVMMEM_HOSTSIM_MAX_TOKENS, KVMMEM_TOKEN_WAIT_MS);
		break;
	default:
		kvmmem_warn("no token from %s: %s", path, err_str(err));
	}
}

/* What a MAP errno means for the user. */
static const char *map_hint(int err)
{
	switch (-err) {
	case ENODEV:
		return "kvmmem has no host backend: load kernel/kvmmem_hostsim.ko "
		       "(tests) or run on a KVMI host";
	case EOPNOTSUPP:
		return "the host has no KVMI (a stock KVM host answers ENOSYS); "
		       "for tests load kernel/kvmmem_hostsim.ko";
	case EKEYREJECTED:
		return "the host rejected the token (unknown, already used or expired)";
	case EINVAL:
		return "gpa not page-aligned or outside the introspected VM's memory";
	case ENOSPC:
		return "this fd reached the driver's mapping cap "
		       "(/sys/module/kvmmem/parameters/max_mappings)";
	case ENOMEM:
		return "out of memory, or vm.max_map_count reached (one VMA per page)";
	case EAGAIN:
	case EBUSY:
		return "the host stayed busy through every retry";
	case EEXIST:
		return "that page is already mapped through this fd";
	default:
		return NULL;
	}
}

void explain_map(uint64_t gpa, int err)
{
	const char *hint = map_hint(err);

	if (-err == ENOENT || -err == EACCES || -err == EPERM) {
		explain_token(err);	/* only the token device fails so */
		return;
	}
	if (hint)
		kvmmem_warn("map 0x%" PRIx64 ": %s: %s", gpa, err_str(err), hint);
	else
		kvmmem_warn("map 0x%" PRIx64 ": %s", gpa, err_str(err));
}

/* ------------------------------------------------------------- parsing */

const char *parse_errmsg(int err)
{
	return err == -ERANGE ? "out of range" :
		"not a number (decimal, or hex with 0x)";
}

uint64_t parse_bytes(struct argp_state *state, const char *what,
			    const char *s, uint64_t min, uint64_t max)
{
	uint64_t v;
	int err;

	err = kvmmem_parse_size(s, &v);
	if (!err && (v < min || v > max))
		err = -ERANGE;
	if (err == -ERANGE)
		argp_error(state, "%s '%s': must be between %" PRIu64 " and %" PRIu64
			   " bytes", what, s, min, max);
	else if (err)
		argp_error(state, "%s '%s': not a size (a number, optionally "
			   "followed by k, M or G)", what, s);
	return v;
}

static uint64_t parse_page_aligned(struct argp_state *state, const char *what,
				   const char *s)
{
	uint64_t page = sysconf(_SC_PAGESIZE);
	uint64_t v = kvmmem_argp_u64(state, what, s, 0, UINT64_MAX);

	if (v % page)
		argp_error(state, "%s '%s' is not page-aligned (a multiple of 0x%"
			   PRIx64 ")", what, s, page);
	return v;
}

/* --token: every map uses the token given on the command line. */
static int fixed_token(void *ctx, struct kvmi_map_mem_token *tok)
{
	*tok = *(const struct kvmi_map_mem_token *)ctx;
	return 0;
}

int open_kvmmem(struct kvmmem **kmp)
{
	KVMMEM_OPTS(opts, .dev_path = env.dev_path,
		    .hostsim_path = env.hostsim_path);
	int err;

	if (env.have_token) {
		opts.get_token = fixed_token;
		opts.token_ctx = &env.token;
	}

	if (env.verbose)
		kvmmem_warn("opening %s; tokens %s%s", env.dev_path ? env.dev_path :
			    KVMMEM_DEV_PATH, env.have_token ? "from --token" :
			    "from ", env.have_token ? "" : env.hostsim_path ?
			    env.hostsim_path : KVMMEM_HOSTSIM_DEV_PATH);
	err = kvmmem_open(&opts, kmp);
	if (err)
		explain_open(err);
	return err;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Print the first @n words of a mapped page with their remote gpa. */
static void print_words(const void *page, uint64_t gpa, unsigned int n)
{
	const uint64_t *w = page;
	unsigned int i;

	for (i = 0; i < n; i++)
		printf("  0x%08" PRIx64 ": 0x%016" PRIx64 "%s\n", gpa + 8 * i, w[i],
		       w[i] == kvmmem_hostsim_word(gpa + 8 * i) ?
		       "  (hostsim pattern)" : "");
}

/* -------------------------------------------------------------- token */

static const char token_doc[] =
"Print a fresh token from the host emulator (/dev/kvmmem-hostsim) as 64\n"
"hex digits: its 32 bytes in memory order.\n"
"\n"
"A token is single use and expires after 3 s; hostsim hands out at most 8\n"
"unused ones at a time (this waits up to 4 s for a free slot). Needs\n"
"kvmmem_hostsim.ko; a real KVMI host gives tokens over its socket.\n"
"\n"
"EXAMPLES:\n"
"    kvmmem-ctl token            # 3f9c...e1 (64 hex digits)\n";

static error_t token_parse(int key, char *arg, struct argp_state *state)
{
	if (key == ARGP_KEY_ARG)
		argp_error(state, "unexpected argument '%s'", arg);
	return ARGP_ERR_UNKNOWN;
}

static int cmd_token(int argc, char **argv)
{
	const struct argp argp = {
		.parser = token_parse,
		.doc = token_doc,
	};
	struct kvmi_map_mem_token tok;
	char hex[KVMMEM_TOKEN_HEX_LEN + 1];
	int fd, err;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);

	fd = kvmmem_hostsim_open(env.hostsim_path);
	if (fd < 0) {
		explain_token(fd);
		return EXIT_FAIL;
	}
	err = kvmmem_hostsim_token(fd, &tok, KVMMEM_TOKEN_WAIT_MS);
	close(fd);
	if (err) {
		explain_token(err);
		return EXIT_FAIL;
	}
	printf("%s\n", kvmmem_token_to_hex(&tok, hex));
	return 0;
}

/* ---------------------------------------------------------------- map */

static struct {
	uint64_t gpa;
	uint64_t hold_s;
	bool hold_forever;
	bool verify;
} map_args;

static const char map_doc[] =
"Map the remote page at GPA onto a new page of this process, print its\n"
"address (gva) and first words, hold it, then unmap it.\n"
"\n"
"Holds until --hold SECONDS have passed (default: forever) or SIGINT or\n"
"SIGTERM arrives (Ctrl-C unmaps). While it holds, the mapping shows in\n"
"/sys/kernel/debug/kvmmem/files and in the tracepoints. The token comes\n"
"from kvmmem_hostsim.\n"
"\n"
"EXAMPLES:\n"
"    kvmmem-ctl map 0x1000 --hold 10     # hold gpa 0x1000 for 10 s\n"
"    kvmmem-ctl map 0x200000 --verify    # check the hostsim pattern, hold\n";

static const struct argp_option map_options[] = {
	{ "hold", 'H', "SECONDS", 0, "Unmap after SECONDS (0: at once)", 0 },
	{ "verify", OPT_VERIFY, NULL, 0, "Check the page against the hostsim pattern", 0 },
	{},
};

static error_t map_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'H':
		map_args.hold_s =
			kvmmem_argp_u64(state, "--hold", arg, 0, 1000000000);
		map_args.hold_forever = false;
		break;
	case OPT_VERIFY:
		map_args.verify = true;
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num)
			argp_error(state, "unexpected argument '%s'", arg);
		map_args.gpa = parse_page_aligned(state, "GPA", arg);
		break;
	case ARGP_KEY_END:
		if (!state->arg_num)
			argp_error(state, "missing GPA");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Block SIGINT and SIGTERM so that they can be waited for. */
static void block_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigprocmask(SIG_BLOCK, set, NULL);
}

static int verify_page(const void *page, size_t len, uint64_t gpa)
{
	size_t bad = 0;
	uint64_t word;

	if (!kvmmem_hostsim_verify(page, len, gpa, &bad))
		return 0;
	memcpy(&word, (const char *)page + bad, sizeof(word));
	printf("verify gpa 0x%" PRIx64 ": FAIL at 0x%" PRIx64 ": read 0x%016"
	       PRIx64 ", expected 0x%016" PRIx64 "\n", gpa, gpa + bad, word,
	       kvmmem_hostsim_word(gpa + bad));
	return -EBADMSG;
}

static int cmd_map(int argc, char **argv)
{
	const struct argp argp = {
		.options = map_options, .parser = map_parse,
		.args_doc = "GPA", .doc = map_doc,
	};
	struct timespec timeout;
	struct kvmmem *km;
	sigset_t stop;
	void *page;
	int err, sig, ret = 0;

	map_args.hold_forever = true;
	argp_parse(&argp, argc, argv, 0, NULL, NULL);

	block_stop_signals(&stop);
	if (open_kvmmem(&km))
		return EXIT_FAIL;
	err = kvmmem_map(km, NULL, map_args.gpa, &page);
	if (err) {
		explain_map(map_args.gpa, err);
		ret = EXIT_FAIL;
		goto out_close;
	}
	printf("mapped gpa 0x%" PRIx64 " at gva %p (pid %d)\n", map_args.gpa,
	       page, getpid());
	print_words(page, map_args.gpa, 4);
	if (map_args.verify) {
		if (verify_page(page, kvmmem_page_size(km), map_args.gpa))
			ret = EXIT_FAIL;
		else
			printf("verify gpa 0x%" PRIx64 ": ok\n", map_args.gpa);
	}

	if (map_args.hold_forever) {
		printf("holding until SIGINT/SIGTERM\n");
		fflush(stdout);
		sig = sigwaitinfo(&stop, NULL);
	} else if (map_args.hold_s) {
		printf("holding for %" PRIu64 " s (SIGINT/SIGTERM unmaps now)\n",
		       map_args.hold_s);
		fflush(stdout);
		timeout.tv_sec = map_args.hold_s;
		timeout.tv_nsec = 0;
		do {
			sig = sigtimedwait(&stop, NULL, &timeout);
		} while (sig < 0 && errno == EINTR);
	} else {
		sig = -1;
	}
	if (sig > 0)
		printf("%s: unmapping\n", strsignal(sig));

	err = kvmmem_unmap(km, page);
	if (err) {
		kvmmem_warn("unmap gva %p: %s", page, err_str(err));
		ret = EXIT_FAIL;
	} else {
		printf("unmapped gva %p\n", page);
	}
out_close:
	kvmmem_close(km);
	return ret;
}

/* --------------------------------------------------------------- read */

static struct {
	uint64_t gpa;
	uint64_t len;
	bool len_set;
	bool verify;
	bool quiet;
} read_args;

static const char read_doc[] =
"Map the page(s) holding GPA .. GPA+LEN-1, hexdump those bytes (the\n"
"addresses shown are remote gpas), unmap.\n"
"\n"
"LEN defaults to the rest of GPA's page. With --verify every mapped page\n"
"is checked in full against the hostsim pattern (each 64-bit word at gpa\n"
"g reads g ^ 0x6b766d6d656d2121); the exit status is 1 on a mismatch.\n"
"\n"
"EXAMPLES:\n"
"    kvmmem-ctl read 0x1000 --len 64\n"
"    kvmmem-ctl read 0x1000 --verify\n"
"    kvmmem-ctl read 0x0 --len 1M --verify --quiet\n";

static const struct argp_option read_options[] = {
	{ "len", 'l', "N", 0, "Bytes to read (k, M, G suffixes)", 0 },
	{ "verify", OPT_VERIFY, NULL, 0, "Check against the hostsim pattern", 0 },
	{ "quiet", 'q', NULL, 0, "No hexdump (with --verify)", 0 },
	{},
};

static error_t read_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'l':
		read_args.len = parse_bytes(state, "--len", arg, 1, 1ULL << 40);
		read_args.len_set = true;
		break;
	case OPT_VERIFY:
		read_args.verify = true;
		break;
	case 'q':
		read_args.quiet = true;
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num)
			argp_error(state, "unexpected argument '%s'", arg);
		read_args.gpa =
			kvmmem_argp_u64(state, "GPA", arg, 0, UINT64_MAX);
		break;
	case ARGP_KEY_END:
		if (!state->arg_num)
			argp_error(state, "missing GPA");
		if (read_args.len_set && read_args.len - 1 > UINT64_MAX - read_args.gpa)
			argp_error(state, "GPA + LEN overflows 64 bits");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/*
 * Map the page at @page_gpa, dump [from, to) of it, verify it if asked,
 * unmap. Returns 0, -EBADMSG on a pattern mismatch or a map/unmap errno.
 */
static int read_page(struct kvmmem *km, uint64_t page_gpa, uint64_t from,
		     uint64_t to, bool verify, bool quiet)
{
	void *page;
	int err, ret = 0;

	err = kvmmem_map(km, NULL, page_gpa, &page);
	if (err) {
		explain_map(page_gpa, err);
		return err;
	}
	if (!quiet)
		kvmmem_hexdump(stdout, (char *)page + (from - page_gpa), to - from,
			       from);
	if (verify)
		ret = verify_page(page, kvmmem_page_size(km), page_gpa);
	err = kvmmem_unmap(km, page);
	if (err) {
		kvmmem_warn("unmap gva %p (gpa 0x%" PRIx64 "): %s", page, page_gpa,
		      err_str(err));
		ret = err;
	}
	return ret;
}

static int cmd_read(int argc, char **argv)
{
	const struct argp argp = {
		.options = read_options, .parser = read_parse,
		.args_doc = "GPA", .doc = read_doc,
	};
	uint64_t page_size, page_gpa, end, from, to, pages = 0;
	struct kvmmem *km;
	int err = 0;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (open_kvmmem(&km))
		return EXIT_FAIL;
	page_size = kvmmem_page_size(km);
	if (!read_args.len_set)
		read_args.len = page_size - read_args.gpa % page_size;
	end = read_args.gpa + (read_args.len - 1);	/* inclusive */

	page_gpa = read_args.gpa - read_args.gpa % page_size;
	for (;;) {
		from = page_gpa > read_args.gpa ? page_gpa : read_args.gpa;
		to = end - page_gpa < page_size ? end + 1 : page_gpa + page_size;
		err = read_page(km, page_gpa, from, to, read_args.verify,
				read_args.quiet);
		if (err)
			break;
		pages++;
		if (end - page_gpa < page_size)
			break;
		page_gpa += page_size;
	}
	kvmmem_close(km);
	if (read_args.verify && !err)
		printf("verify: ok, %" PRIu64 " page%s checked against the hostsim pattern\n",
		       pages, pages == 1 ? "" : "s");
	return err ? EXIT_FAIL : 0;
}

/* -------------------------------------------------------------- unmap */

static uint64_t unmap_gva;

static const char unmap_doc[] =
"Issue KVM_INTRO_MEM_UNMAP for GVA on a FRESH /dev/kvmmem fd and print the\n"
"driver's answer.\n"
"\n"
"This cannot undo a mapping made by another command or process: mappings\n"
"belong to the fd (and the process) that made them, and a fresh fd owns\n"
"none, so the answer is ENOENT for an aligned GVA and EINVAL for an\n"
"unaligned one. It exists to show those error paths. To unmap what you\n"
"mapped, use 'run' (one fd for a whole sequence); its 'child-unmap'\n"
"command shows EPERM (a forked child unmapping its parent's page).\n"
"Exit status 0 only if the driver said 0.\n"
"\n"
"EXAMPLES:\n"
"    kvmmem-ctl unmap 0x7f0000000000     # UNMAP 0x7f0000000000: ENOENT\n"
"    kvmmem-ctl unmap 0x7f0000000010     # EINVAL (unaligned)\n";

static error_t unmap_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_ARG:
		if (state->arg_num)
			argp_error(state, "unexpected argument '%s'", arg);
		unmap_gva = kvmmem_argp_u64(state, "GVA", arg, 0, UINT64_MAX);
		break;
	case ARGP_KEY_END:
		if (!state->arg_num)
			argp_error(state, "missing GVA");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int cmd_unmap(int argc, char **argv)
{
	const struct argp argp = {
		.parser = unmap_parse,
		.args_doc = "GVA", .doc = unmap_doc,
	};
	struct kvmmem *km;
	int err;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (open_kvmmem(&km))
		return EXIT_FAIL;
	err = kvmmem_unmap_at(km, (void *)(uintptr_t)unmap_gva);
	kvmmem_close(km);
	printf("UNMAP 0x%" PRIx64 ": %s\n", unmap_gva, err ? err_str(err) : "ok");
	return err ? EXIT_FAIL : 0;
}

/* -------------------------------------------------------------- stats */

static const char stats_doc[] =
"Show the driver's global counters and backend (sysfs: " KVMMEM_SYSFS_DIR "),\n"
"its open files and leaked pages (debugfs: " KVMMEM_DEBUGFS_DIR "),\n"
"and hostsim's statistics if loaded. The global counters need neither\n"
"root nor debugfs and are there under lockdown; the per-file and leaked\n"
"lists need root and debugfs: when they cannot be read, stats says why\n"
"and still prints the rest (exit status 0).\n"
"\n"
"\v"
"EXAMPLES:\n"
"    kvmmem-ctl stats\n"
"    kvmmem-ctl stats -j | python3 -m json.tool\n";

static bool stats_json;

static const struct argp_option stats_options[] = {
	{ "json", 'j', NULL, 0, "One JSON object: each file by name, \"key "
	  "value\" files as objects, tables as arrays of rows (numbers as "
	  "numbers)", 0 },
	{},
};

static error_t stats_parse(int key, char *arg, struct argp_state *state)
{
	if (key == 'j') {
		stats_json = true;
		return 0;
	}
	if (key == ARGP_KEY_ARG)
		argp_error(state, "unexpected argument '%s'", arg);
	return ARGP_ERR_UNKNOWN;
}

/* A field as a JSON number if it is one, else as a string. */
static void json_field(struct kvmmem_json *j, const char *key, const char *v)
{
	uint64_t n;

	if (!kvmmem_parse_u64(v, &n))
		kvmmem_json_u64(j, key, n);
	else
		kvmmem_json_string(j, key, v);
}

/* Warns that debugfs file @path (@what) could not be read, and why. */
static void warn_debugfs(const char *what, const char *path, long err)
{
	kvmmem_warn("%s: %s: %s: %s (the %s is only in debugfs)", what, path,
		    err_str(err), kvmmem_debugfs_why(err), what);
}

/* The global counters from sysfs; explains a failure. */
static int read_global_stats(struct kvmmem_stats *st)
{
	int err = kvmmem_stats_read_sysfs(NULL, st);

	if (err == -ENOENT)
		kvmmem_warn("%s: %s: load kernel/kvmmem.ko", KVMMEM_SYSFS_DIR,
			    err_str(err));
	else if (err)
		kvmmem_warn("%s: %s", KVMMEM_SYSFS_DIR, err_str(err));
	return err;
}

/* A debugfs table file as JSON member @key: the first line names the columns. */
static int json_table_file(struct kvmmem_json *j, const char *key,
			   const char *path)
{
	char *text, *line, *save = NULL, *f, *fsave, *cols[64];
	unsigned int n, c;
	long len;

	len = kvmmem_read_file(path, &text);
	if (len < 0)
		return len;
	kvmmem_json_array(j, key);
	for (n = 0, line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!n) {
			for (f = strtok_r(line, " \t", &fsave); f && n < 64;
			     f = strtok_r(NULL, " \t", &fsave))
				cols[n++] = f;
			continue;
		}
		kvmmem_json_object(j, NULL);
		for (c = 0, f = strtok_r(line, " \t", &fsave); f && c < n;
		     f = strtok_r(NULL, " \t", &fsave))
			json_field(j, cols[c++], f);
		kvmmem_json_end(j);
	}
	kvmmem_json_end(j);
	free(text);
	return 0;
}

/* "key value" items as JSON member @key. */
static void json_stats(struct kvmmem_json *j, const char *key,
		       const struct kvmmem_stats *st)
{
	size_t i;

	kvmmem_json_object(j, key);
	for (i = 0; i < st->n; i++)
		json_field(j, st->items[i].key, st->items[i].value);
	kvmmem_json_end(j);
}

static const struct {
	const char *key, *title, *path;
} debugfs_tables[] = {
	{ "files", "per-file list", KVMMEM_FILES_PATH },
	{ "leaked", "leaked list", KVMMEM_LEAKED_PATH },
};
#define NR_DEBUGFS_TABLES	(sizeof(debugfs_tables) / sizeof(debugfs_tables[0]))

static int show_stats_json(void)
{
	long errs[NR_DEBUGFS_TABLES];
	struct kvmmem_stats st;
	struct kvmmem_json j;
	bool missing = false;
	size_t i;
	char buf[256];

	if (read_global_stats(&st))
		return -1;
	kvmmem_json_init(&j, stdout);
	kvmmem_json_object(&j, NULL);
	json_stats(&j, "kvmmem", &st);
	kvmmem_stats_free(&st);
	for (i = 0; i < NR_DEBUGFS_TABLES; i++) {
		errs[i] = json_table_file(&j, debugfs_tables[i].key,
					  debugfs_tables[i].path);
		if (errs[i]) {
			warn_debugfs(debugfs_tables[i].title,
				     debugfs_tables[i].path, errs[i]);
			missing = true;
		}
	}
	if (!kvmmem_stats_read(HOSTSIM_STATS_PATH, &st)) {
		json_stats(&j, "hostsim", &st);
		kvmmem_stats_free(&st);
	}
	/* what could not be read, and why: "files": "EPERM: refused ..." */
	if (missing) {
		kvmmem_json_object(&j, "unavailable");
		for (i = 0; i < NR_DEBUGFS_TABLES; i++) {
			if (!errs[i])
				continue;
			snprintf(buf, sizeof(buf), "%s: %s", err_str(errs[i]),
				 kvmmem_debugfs_why(errs[i]));
			kvmmem_json_string(&j, debugfs_tables[i].key, buf);
		}
		kvmmem_json_end(&j);
	}
	kvmmem_json_end(&j);
	fputc('\n', stdout);
	return 0;
}

int print_global_stats(void)
{
	struct kvmmem_stats st;
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;

	if (read_global_stats(&st))
		return -1;
	f = open_memstream(&text, &len);
	if (!f) {
		kvmmem_stats_free(&st);
		kvmmem_warn("open_memstream: %s", err_str(-errno));
		return -1;
	}
	for (i = 0; i < st.n; i++)
		fprintf(f, "%s %s\n", st.items[i].key, st.items[i].value);
	fclose(f);
	kvmmem_stats_free(&st);
	printf("kvmmem (%s):\n", KVMMEM_SYSFS_DIR);
	kvmmem_print_columns(stdout, text, "  ");
	free(text);
	return 0;
}

/* Print a debugfs "key value" or table file in columns under @title. */
int print_stats_file(const char *title, const char *path, bool required)
{
	char *text;
	long len;

	len = kvmmem_read_file(path, &text);
	if (len < 0) {
		if (required)
			warn_debugfs(title, path, len);
		return len;
	}
	printf("%s (%s):\n", title, path);
	kvmmem_print_columns(stdout, text, "  ");
	free(text);
	return 0;
}

static int show_stats(void)
{
	size_t i;

	if (print_global_stats())
		return -1;
	/* debugfs only: said when missing, never fatal */
	for (i = 0; i < NR_DEBUGFS_TABLES; i++)
		if (!print_stats_file(debugfs_tables[i].title,
				      debugfs_tables[i].path, true))
			printf("\n");
	if (!access(HOSTSIM_STATS_PATH, F_OK)) {
		printf("\n");
		print_stats_file("hostsim", HOSTSIM_STATS_PATH, false);
	}
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	const struct argp argp = {
		.options = stats_options, .parser = stats_parse,
		.doc = stats_doc,
	};

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (stats_json)
		return show_stats_json() ? EXIT_FAIL : 0;
	return show_stats() ? EXIT_FAIL : 0;
}

/* --------------------------------------------------------------- main */

static const struct kvmmem_cli_command commands[] = {
	{ "token", cmd_token },
	{ "map", cmd_map },
	{ "read", cmd_read },
	{ "unmap", cmd_unmap },
	{ "run", cmd_run },
	{ "stress", cmd_stress },
	{ "stats", cmd_stats },
};

const char *argp_program_bug_address = "the kvmmem issue tracker";

static const char main_doc[] =
"Drive the kvmmem guest driver (/dev/kvmmem) from the shell.\n"
"\n"
"COMMANDS:\n"
"  token                 print a fresh hostsim token (64 hex digits)\n"
"  map GPA [--hold S]    map a remote page, show it, hold, unmap\n"
"  read GPA [--len N]    map, hexdump, unmap (--verify: hostsim pattern)\n"
"  unmap GVA             UNMAP on a fresh fd: shows ENOENT/EINVAL, nothing\n"
"                        else (see 'unmap --help')\n"
"  run                   map/unmap/read/... commands from stdin, one fd\n"
"  stress -P P -m M      P processes x M mappings, exact summary\n"
"  stats                 the driver's counters (sysfs) and lists (debugfs)\n"
"'kvmmem-ctl COMMAND --help' describes each. Numbers are decimal or hex\n"
"with 0x. Needs read/write access to the devices (root, or group kvmmem\n"
"with the udev rule), kvmmem.ko and, for tokens, kvmmem_hostsim.ko.\n"
"Exit status: 0 ok, 1 an operation failed, 2 bad usage.\n"
"\n"
"EXAMPLES:\n"
"    kvmmem-ctl read 0x1000 --verify\n"
"    kvmmem-ctl map 0x1000 --hold 30 &  kvmmem-ctl stats\n"
"    printf 'map 0x1000\\nunmap 0x1000\\n' | kvmmem-ctl run\n"
"    kvmmem-ctl stress -P 4 -m 200 --leave 20\n"
"    kvmmem-ctl stats -j\n";

static const struct argp_option main_options[] = {
	{ "device", OPT_DEVICE, "PATH", 0, "The driver's device (default "
	  "/dev/kvmmem)", 0 },
	{ "hostsim", OPT_HOSTSIM, "PATH", 0,
	  "The host emulator's device (default /dev/kvmmem-hostsim)", 0 },
	{ "verbose", 'v', NULL, 0, "Say on stderr which devices and tokens are "
	  "used", 0 },
	{ "token", 't', "HEX", 0,
	  "Map with this token (64 hex digits, its bytes in memory order) "
	  "instead of one from kvmmem_hostsim: for a real KVMI host, whose "
	  "tokens come from the host side", 0 },
	{},
};

static struct {
	int cmd_index;
} main_args = { -1 };

static error_t main_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_DEVICE:
		env.dev_path = arg;
		break;
	case OPT_HOSTSIM:
		env.hostsim_path = arg;
		break;
	case 'v':
		env.verbose = true;
		break;
	case 't':
		if (kvmmem_token_from_hex(arg, &env.token))
			argp_error(state, "--token needs 64 hex digits, got '%s'", arg);
		env.have_token = true;
		break;
	case ARGP_KEY_ARG:
		/* The command: the rest of argv is its own. */
		main_args.cmd_index = state->next - 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (main_args.cmd_index < 0)
			argp_error(state, "missing COMMAND");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct argp argp = {
		.options = main_options, .parser = main_parse,
		.args_doc = "COMMAND [ARG...]", .doc = main_doc,
	};

	kvmmem_cli_init("kvmmem-ctl", argv, EXIT_USAGE);
	argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL);

	return kvmmem_cli_dispatch(commands, sizeof(commands) / sizeof(commands[0]),
				   argc, argv, main_args.cmd_index, EXIT_USAGE);
}
