/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl.h - what the parts of kvmmem-ctl share: messages that say what to
 * do, strict argument parsing with argp, and the subcommands.
 */
#ifndef KVMMEM_CTL_H
#define KVMMEM_CTL_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cli.h"
#include "libkvmmem.h"

/* Long-only global options: their letters mean other things elsewhere. */
enum { OPT_DEVICE = 1200, OPT_HOSTSIM };

/* Exit status: 0 done, 1 an operation failed, 2 bad usage. */
#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define HOSTSIM_STATS_PATH	"/sys/kernel/debug/kvmmem_hostsim/stats"

/* Global options. */
struct ctl_env {
	const char *dev_path;		/* NULL: KVMMEM_DEV_PATH */
	const char *hostsim_path;	/* NULL: KVMMEM_HOSTSIM_DEV_PATH */
	bool have_token;		/* --token: use @token, not hostsim */
	bool verbose;			/* -v: say what is used, on stderr */
	struct kvmi_map_mem_token token;
};
extern struct ctl_env env;

/* "EKEYREJECTED", or "unknown error". */
const char *err_name(int err);
/* "EKEYREJECTED (Key was rejected by service)"; a static buffer. */
const char *err_str(int err);

/* Say on stderr why this failed and what to do about it. */
void explain_open(int err);
void explain_token(int err);
void explain_map(uint64_t gpa, int err);

/* Why kvmmem_parse_*() refused a number. */
const char *parse_errmsg(int err);
uint64_t parse_bytes(struct argp_state *state, const char *what, const char *s,
		     uint64_t min, uint64_t max);

/* kvmmem_open() with the global options; explains failures. */
int open_kvmmem(struct kvmmem **kmp);
/* Monotonic seconds. */
double now_s(void);
/*
 * Print a debugfs "key value" or table file in columns under @title;
 * when it cannot be read, say why if @required. Returns 0 or -errno.
 */
int print_stats_file(const char *title, const char *path, bool required);
/* Print the global counters (sysfs) in columns; explains a failure. */
int print_global_stats(void);

/* Subcommands: argv[0] is "kvmmem-ctl NAME"; return the exit status. */
int cmd_run(int argc, char **argv);
int cmd_stress(int argc, char **argv);

#endif /* KVMMEM_CTL_H */
