// SPDX-License-Identifier: GPL-2.0
/*
 * cli.c - messages, numeric options and stop signals of the kvmmem
 * command-line tools (see cli.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "common/cli.h"
#include "util.h"

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
