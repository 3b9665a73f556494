// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem-ctl run - commands from standard input, executed on one fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "common/array.h"
#include "ctl.h"

static const char run_doc[] =
"Read commands from standard input, one per line, and run them on ONE\n"
"/dev/kvmmem fd, so that map/unmap sequences (and their errors) can be\n"
"scripted from the shell. Each line prints one result line.\n"
"\n"
"Commands (GPA, GVA, MS, LEN: numbers, decimal or 0x hex):\n"
"  map GPA          map GPA onto a new page (fresh hostsim token)\n"
"  read GPA [LEN]   hexdump GPA's page (maps it for the time if needed)\n"
"  verify GPA [LEN] check GPA's page against the hostsim pattern\n"
"  unmap GPA        unmap the latest mapping of GPA made by this script;\n"
"                   once unmapped, UNMAP its gva again (ENOENT)\n"
"  remap GPA        MAP again onto that page: EEXIST while mapped,\n"
"                   EFAULT once unmapped (the page is gone)\n"
"  child-unmap GPA  fork; the child UNMAPs GPA's page on the shared fd\n"
"                   (another process: EPERM)\n"
"  unmap-gva GVA    raw UNMAP of any address (ENOENT, EINVAL)\n"
"  reopen           close the fd (the driver tears down what is left)\n"
"                   and open a new one\n"
"  stats            print the global counters (" KVMMEM_SYSFS_DIR ")\n"
"  sleep MS         sleep MS milliseconds\n"
"'#' starts a comment. A command may end in '= ERRNO' (e.g. '= EEXIST')\n"
"or '= ok' (the default): the result it should have. The exit status is 0\n"
"if every command had its expected result, 1 if not, 2 on a syntax error\n"
"(which stops the script). Mappings left at the end are torn down by\n"
"close.\n"
"\n"
"EXAMPLES:\n"
"    kvmmem-ctl run <<EOF\n"
"    map 0x1000\n"
"    remap 0x1000 = EEXIST     # same gva again\n"
"    child-unmap 0x1000 = EPERM\n"
"    unmap 0x1000\n"
"    unmap 0x1000 = ENOENT     # already gone\n"
"    stats\n"
"    EOF\n";

static error_t run_parse(int key, char *arg, struct argp_state *state)
{
	if (key == ARGP_KEY_ARG)
		argp_error(state, "unexpected argument '%s' (commands come from "
			   "standard input)", arg);
	return ARGP_ERR_UNKNOWN;
}

/*
 * What the script mapped. An unmapped entry is kept (with live = false)
 * so that a later command on the same gpa targets the same gva: a second
 * "unmap GPA" then shows the driver's ENOENT, "remap GPA" its EFAULT.
 */
struct run_mapping {
	uint64_t gpa;
	void *page;
	bool live;
};

struct run_state {
	struct kvmmem *km;
	struct run_mapping *maps;
	size_t n, cap;
	unsigned int lineno;
	unsigned int expected, unexpected;
};

/* The latest live mapping of @gpa, else its latest dead one, else NULL. */
static struct run_mapping *run_find(struct run_state *rs, uint64_t gpa)
{
	struct run_mapping *dead = NULL;
	size_t i;

	for (i = rs->n; i > 0; i--) {
		if (rs->maps[i - 1].gpa != gpa)
			continue;
		if (rs->maps[i - 1].live)
			return &rs->maps[i - 1];
		if (!dead)
			dead = &rs->maps[i - 1];
	}
	return dead;
}

static int run_add(struct run_state *rs, uint64_t gpa, void *page)
{
	if (kvmmem_grow(&rs->maps, &rs->cap, rs->n + 1, sizeof(*rs->maps)))
		return -ENOMEM;
	rs->maps[rs->n].gpa = gpa;
	rs->maps[rs->n].page = page;
	rs->maps[rs->n].live = true;
	rs->n++;
	return 0;
}

static void syntax_error(struct run_state *rs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
static void syntax_error(struct run_state *rs, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: run: line %u: ", kvmmem_prog, rs->lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

static uint64_t run_number(struct run_state *rs, const char *what, const char *s)
{
	uint64_t v;
	int err;

	err = kvmmem_parse_u64(s, &v);
	if (err)
		syntax_error(rs, "%s '%s': %s", what, s, parse_errmsg(err));
	return v;
}

/* The script's mapping of @gpa, for commands that need one. */
static struct run_mapping *run_mapping(struct run_state *rs, const char *cmd,
				       uint64_t gpa)
{
	struct run_mapping *m = run_find(rs, gpa);

	if (!m)
		syntax_error(rs, "%s: gpa 0x%" PRIx64 " was never mapped by this "
			     "script (unmap-gva issues raw UNMAPs)", cmd, gpa);
	return m;
}

/* Fork; the child UNMAPs @page on the inherited fd; return its errno. */
static int child_unmap(struct kvmmem *km, void *page)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(-kvmmem_unmap_at(km, page));
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}

/*
 * Each command gets its parsed arguments and appends to @what (which
 * already holds the command line) anything worth showing, e.g. the gva.
 * It returns 0 or the operation's negative errno.
 */
struct run_ctx {
	struct run_state *rs;
	uint64_t arg[2];
	int nargs;
	char *what;
	size_t what_len;
};

static void run_say(struct run_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void run_say(struct run_ctx *c, const char *fmt, ...)
{
	size_t len = strlen(c->what);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->what + len, c->what_len - len, fmt, ap);
	va_end(ap);
}

static int run_map(struct run_ctx *c)
{
	struct run_state *rs = c->rs;
	void *page;
	int err;

	err = kvmmem_map(rs->km, NULL, c->arg[0], &page);
	if (err)
		return err;
	err = run_add(rs, c->arg[0], page);
	if (err) {
		kvmmem_unmap(rs->km, page);
		return err;
	}
	run_say(c, " (gva %p)", page);
	return 0;
}

/* read and verify: on the script's live mapping, or a temporary one. */
static int run_read_or_verify(struct run_ctx *c, bool verify)
{
	struct run_state *rs = c->rs;
	const uint64_t page_size = kvmmem_page_size(rs->km);
	const uint64_t gpa = c->arg[0];
	const uint64_t page_gpa = gpa - gpa % page_size;
	const uint64_t off = gpa - page_gpa;
	uint64_t len = page_size - off;
	struct run_mapping *m;
	void *page;
	int err, unmap_err;

	if (c->nargs == 2) {
		len = c->arg[1];
		if (!len || len > page_size - off)
			syntax_error(rs, "LEN %" PRIu64 ": must be 1 to %" PRIu64
				     " (the rest of the page)", len, page_size - off);
	}
	if (verify && (off % 8 || len % 8))
		syntax_error(rs, "verify: GPA and LEN must be multiples of 8");

	m = run_find(rs, page_gpa);
	if (m && m->live) {
		page = m->page;
		run_say(c, " (gva %p)", page);
	} else {
		m = NULL;
		err = kvmmem_map(rs->km, NULL, page_gpa, &page);
		if (err)
			return err;
		run_say(c, " (mapped for the time)");
	}
	if (verify) {
		err = kvmmem_hostsim_verify((char *)page + off, len, gpa, NULL);
	} else {
		printf("%s:\n", c->what);
		err = kvmmem_hexdump(stdout, (char *)page + off, len, gpa);
	}
	if (!m) {
		unmap_err = kvmmem_unmap(rs->km, page);
		if (!err)
			err = unmap_err;
	}
	return err;
}

static int run_read(struct run_ctx *c)
{
	return run_read_or_verify(c, false);
}

static int run_verify(struct run_ctx *c)
{
	return run_read_or_verify(c, true);
}

static int run_unmap(struct run_ctx *c)
{
	struct run_mapping *m = run_mapping(c->rs, "unmap", c->arg[0]);

	run_say(c, " (gva %p)", m->page);
	if (!m->live)	/* already munmapped: just ask the driver again */
		return kvmmem_unmap_at(c->rs->km, m->page);
	/* the page goes whatever the driver says, as with libkvmi */
	m->live = false;
	return kvmmem_unmap(c->rs->km, m->page);
}

static int run_remap(struct run_ctx *c)
{
	struct run_mapping *m = run_mapping(c->rs, "remap", c->arg[0]);
	struct kvmi_map_mem_token tok;
	int err;

	run_say(c, " (gva %p)", m->page);
	err = kvmmem_get_token(c->rs->km, &tok);
	return err ? err : kvmmem_map_at(c->rs->km, &tok, c->arg[0], m->page);
}

static int run_child_unmap(struct run_ctx *c)
{
	struct run_mapping *m = run_mapping(c->rs, "child-unmap", c->arg[0]);

	run_say(c, " (gva %p)", m->page);
	return child_unmap(c->rs->km, m->page);
}

static int run_unmap_gva(struct run_ctx *c)
{
	return kvmmem_unmap_at(c->rs->km, (void *)(uintptr_t)c->arg[0]);
}

static int run_reopen(struct run_ctx *c)
{
	struct run_state *rs = c->rs;
	const size_t page_size = kvmmem_page_size(rs->km);
	size_t i;

	/* the driver tears down on close; then our pages can go */
	kvmmem_close(rs->km);
	rs->km = NULL;
	for (i = 0; i < rs->n; i++) {
		if (rs->maps[i].live)
			munmap(rs->maps[i].page, page_size);
		rs->maps[i].live = false;
	}
	return open_kvmmem(&rs->km);
}

static int run_stats(struct run_ctx *c)
{
	printf("%s:\n", c->what);
	return print_global_stats();
}

static int run_sleep(struct run_ctx *c)
{
	struct timespec ts = {
		.tv_sec = c->arg[0] / 1000,
		.tv_nsec = (long)(c->arg[0] % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	return 0;
}

static const struct {
	const char *name;
	const char *args;	/* names of the arguments, for messages */
	int min_args, max_args;
	int (*fn)(struct run_ctx *c);
} run_commands[] = {
	{ "map", "GPA", 1, 1, run_map },
	{ "read", "GPA LEN", 1, 2, run_read },
	{ "verify", "GPA LEN", 1, 2, run_verify },
	{ "unmap", "GPA", 1, 1, run_unmap },
	{ "remap", "GPA", 1, 1, run_remap },
	{ "child-unmap", "GPA", 1, 1, run_child_unmap },
	{ "unmap-gva", "GVA", 1, 1, run_unmap_gva },
	{ "reopen", "", 0, 0, run_reopen },
	{ "stats", "", 0, 0, run_stats },
	{ "sleep", "MS", 1, 1, run_sleep },
};

static int run_command(struct run_state *rs, char **words, int nwords,
		       char *what, size_t what_len)
{
	struct run_ctx c = { .rs = rs, .nargs = nwords - 1, .what = what,
			     .what_len = what_len };
	char names[32], *name, *save;
	size_t i;
	int a;

	for (i = 0; i < sizeof(run_commands) / sizeof(run_commands[0]); i++)
		if (!strcmp(words[0], run_commands[i].name))
			break;
	if (i == sizeof(run_commands) / sizeof(run_commands[0]))
		syntax_error(rs, "unknown command '%s' (see kvmmem-ctl run --help)",
			     words[0]);
	if (c.nargs < run_commands[i].min_args ||
	    c.nargs > run_commands[i].max_args)
		syntax_error(rs, "usage: %s %s", run_commands[i].name,
			     run_commands[i].args);

	snprintf(names, sizeof(names), "%s", run_commands[i].args);
	name = strtok_r(names, " ", &save);
	for (a = 0; a < c.nargs; a++, name = strtok_r(NULL, " ", &save))
		c.arg[a] = run_number(rs, name, words[1 + a]);

	what[0] = '\0';
	for (a = 0; a < nwords; a++)
		run_say(&c, "%s%s", a ? " " : "", words[a]);
	return run_commands[i].fn(&c);
}

int cmd_run(int argc, char **argv)
{
	const struct argp argp = {
		.parser = run_parse,
		.doc = run_doc,
	};
	struct run_state rs = { 0 };
	char *line = NULL, *p, *save, *words[8], what[256];
	size_t cap = 0;
	int nwords, want, err;
	bool failed_reopen = false;

	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (open_kvmmem(&rs.km))
		return EXIT_FAIL;

	while (getline(&line, &cap, stdin) > 0) {
		rs.lineno++;
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		nwords = 0;
		for (p = strtok_r(line, " \t\r\n", &save); p;
		     p = strtok_r(NULL, " \t\r\n", &save)) {
			if (nwords == (int)(sizeof(words) / sizeof(words[0])))
				syntax_error(&rs, "too many words");
			words[nwords++] = p;
		}
		if (!nwords)
			continue;

		want = 0;
		if (nwords >= 2 && !strcmp(words[nwords - 2], "=")) {
			p = words[nwords - 1];
			if (strcmp(p, "ok")) {
				want = kvmmem_errno_from_name(p);
				if (want < 0)
					syntax_error(&rs, "'= %s': neither ok nor an "
						     "errno name such as EEXIST", p);
			}
			nwords -= 2;
			if (!nwords)
				syntax_error(&rs, "'=' without a command");
		}

		err = run_command(&rs, words, nwords, what, sizeof(what));
		if (-err == want) {
			rs.expected++;
			printf("%s: %s\n", what, err ? err_name(err) : "ok");
		} else {
			rs.unexpected++;
			printf("%s: %s, UNEXPECTED (line %u wants %s)\n", what,
			       err ? err_str(err) : "ok", rs.lineno,
			       want ? err_name(want) : "ok");
		}
		fflush(stdout);
		if (!rs.km) {
			kvmmem_warn("run: line %u: no fd after a failed reopen, stopping",
			      rs.lineno);
			failed_reopen = true;
			break;
		}
	}
	free(line);
	/* What is still mapped is the driver's to tear down on close. */
	kvmmem_close(rs.km);
	free(rs.maps);
	printf("run: %u commands, %u with the expected result, %u not\n",
	       rs.expected + rs.unexpected, rs.expected, rs.unexpected);
	return rs.unexpected || failed_reopen ? EXIT_FAIL : 0;
}
