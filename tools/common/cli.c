// SPDX-License-Identifier: GPL-2.0
/*
 * cli.c - messages, numeric options and stop signals of the kvmmem
 * command-line tools (see cli.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/timefmt.h"
#include "util.h"

#ifndef KVMMEM_VERSION
#error "KVMMEM_VERSION: build with tools/lib/lib.mk (it comes from VERSION)"
#endif

const char kvmmem_version[] = KVMMEM_VERSION;

const char *kvmmem_prog = "kvmmem";

void kvmmem_vwarn(const char *prog, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void kvmmem_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvmmem_vwarn(kvmmem_prog, fmt, ap);
	va_end(ap);
}

uint64_t kvmmem_argp_u64(struct argp_state *state, const char *what,
			 const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = 0;
	int err;

	err = kvmmem_parse_u64_range(s, min, max, &v);
	if (err == -ERANGE)
		argp_error(state, "%s '%s': must be between %" PRIu64 " and %" PRIu64,
			   what, s, min, max);
	else if (err)
		argp_error(state, "%s '%s': not a number (decimal, or hex with 0x)",
			   what, s);
	return v;
}

void kvmmem_cli_init(const char *prog, char **argv, int exit_usage)
{
	static char version[64];

	kvmmem_prog = prog;
	argv[0] = (char *)prog;
	snprintf(version, sizeof(version), "%s %s", prog, KVMMEM_VERSION);
	argp_program_version = version;
	argp_err_exit_status = exit_usage;
}

int kvmmem_cli_dispatch(const struct kvmmem_cli_command *cmds, size_t n,
			int argc, char **argv, int index, int exit_usage)
{
	static char name[64];
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(argv[index], cmds[i].name))
			continue;
		snprintf(name, sizeof(name), "%s %s", kvmmem_prog, cmds[i].name);
		argv[index] = name;
		return cmds[i].fn(argc - index, argv + index);
	}
	fprintf(stderr, "%s: unknown command '%s'\n"
		"Try '%s --help' for the list of commands.\n", kvmmem_prog,
		argv[index], kvmmem_prog);
	return exit_usage;
}

uint64_t kvmmem_argp_duration(struct argp_state *state, const char *what,
			      const char *s, uint64_t unit_ns, uint64_t min_ns,
			      uint64_t max_ns)
{
	char lo[32], hi[32];
	uint64_t v = 0;

	if (kvmmem_parse_duration(s, unit_ns, &v) || v < min_ns || v > max_ns)
		argp_error(state, "%s '%s': a duration between %s and %s (a "
			   "number of %s, or with a unit: ns, us, ms, s, m, h; "
			   "e.g. 0.5, 500ms, 2m)", what, s,
			   kvmmem_fmt_ns(lo, min_ns), kvmmem_fmt_ns(hi, max_ns),
			   unit_ns == 1000000000 ? "seconds" :
			   unit_ns == 1000000 ? "milliseconds" :
			   unit_ns == 1000 ? "microseconds" : "nanoseconds");
	return v;
}

volatile sig_atomic_t kvmmem_stop_signal;

static void on_stop_signal(int sig)
{
	kvmmem_stop_signal = sig;
}

void kvmmem_catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

FILE *kvmmem_tmpfile_beside(const char *path, mode_t mode, char **tmp)
{
	FILE *f = NULL;
	int fd, e;

	if (asprintf(tmp, "%s.XXXXXX", path) < 0) {
		*tmp = NULL;
		errno = ENOMEM;
		return NULL;
	}
	fd = mkstemp(*tmp);
	if (fd >= 0 && !fchmod(fd, mode))
		f = fdopen(fd, "w");
	if (f)
		return f;
	e = errno;
	if (fd >= 0) {
		close(fd);
		unlink(*tmp);
	}
	free(*tmp);
	*tmp = NULL;
	errno = e;
	return NULL;
}
