/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli.h - what every kvmmem command-line tool does the same way (the
 * tools' shared code, not libkvmmem): messages on stderr prefixed with the tool's name, numeric
 * options parsed strictly for argp, and SIGINT/SIGTERM turned into a
 * flag the main loop polls.
 */
#ifndef KVMMEM_CLI_H
#define KVMMEM_CLI_H

#include <argp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The running tool's name, the prefix of its messages: each tool sets it
 * first thing in main() ("kvmmem-trace"), with kvmmem_cli_init(); "kvmmem"
 * until then.
 */
extern const char *kvmmem_prog;

/*
 * KVMMEM_VERSION, the version of the kvmmem tools (--version), is the
 * top-level VERSION file: tools/lib/lib.mk passes it to common/cli.c
 * only, so that changing it rebuilds one object; everyone else reads it
 * here.
 */
extern const char kvmmem_version[];

/**
 * kvmmem_cli_init() - what every tool's main() does first
 * @prog:       the tool's name, "kvmmem-top"
 * @argv:       main()'s; argv[0] becomes @prog, so that argp's and
 *              getopt's messages ("unrecognized option") name the tool
 *              as every other message does, not "./kvmmem-top"
 * @exit_usage: the exit status of a bad command line
 *
 * Also sets argp's --version (-V): "@prog KVMMEM_VERSION", e.g.
 * "kvmmem-top 0.1.0".
 */
void kvmmem_cli_init(const char *prog, char **argv, int exit_usage);

/**
 * kvmmem_argp_duration() - parse a duration option or argp_error() (exits)
 * @state:   argp's state
 * @what:    the option, for the message ("--interval")
 * @s:       kvmmem_parse_duration()'s syntax: "2", "0.5", "500ms", "1m"
 * @unit_ns: what a number without a unit counts
 * @min_ns:  shortest accepted
 * @max_ns:  longest accepted
 *
 * Return: the duration in ns.
 */
uint64_t kvmmem_argp_duration(struct argp_state *state, const char *what,
			      const char *s, uint64_t unit_ns, uint64_t min_ns,
			      uint64_t max_ns);

/**
 * kvmmem_vwarn() - print "@prog: " + message + newline on stderr
 */
void kvmmem_vwarn(const char *prog, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/**
 * kvmmem_warn() - print "kvmmem_prog: " + message + newline on stderr
 */
void kvmmem_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * kvmmem_argp_u64() - parse a numeric option or argp_error() (which exits)
 * @state: argp's state
 * @what:  the option, for the message ("--interval")
 * @s:     the text: decimal, or hex with 0x (kvmmem_parse_u64())
 * @min:   smallest accepted value
 * @max:   largest accepted value
 *
 * Return: the value.
 */
uint64_t kvmmem_argp_u64(struct argp_state *state, const char *what,
			 const char *s, uint64_t min, uint64_t max);

/* A subcommand: its name and its main(), argv[0] "tool NAME". */
struct kvmmem_cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/**
 * kvmmem_cli_dispatch() - run the subcommand named by @argv[@index]
 * @cmds:   the tool's subcommands
 * @n:      their number
 * @argc:   main()'s
 * @argv:   main()'s; the subcommand gets @argv + @index, its argv[0]
 *          "kvmmem-ctl map" so that its usage and errors name it so
 * @index:  where the subcommand's name is
 * @exit_usage: returned, with a message, for a name that is no subcommand
 *
 * Return: the subcommand's exit status.
 */
int kvmmem_cli_dispatch(const struct kvmmem_cli_command *cmds, size_t n,
			int argc, char **argv, int index, int exit_usage);

/**
 * kvmmem_tmpfile_beside() - a stream on a new temporary file beside @path,
 * to be renamed over it once written (so a reader never sees half a file)
 * @path: the file to replace
 * @mode: the temporary file's mode (mkstemp() makes it 0600)
 * @tmp:  receives its name (free() it; unlink() it if not renamed)
 *
 * Return: the stream, or NULL with errno set (and *@tmp NULL).
 */
FILE *kvmmem_tmpfile_beside(const char *path, mode_t mode, char **tmp);

/* The signal (SIGINT, SIGTERM) that asked to stop; 0 while none did. */
extern volatile sig_atomic_t kvmmem_stop_signal;

/**
 * kvmmem_catch_stop_signals() - make SIGINT and SIGTERM set
 * kvmmem_stop_signal instead of killing the process
 *
 * Without SA_RESTART: a blocking call (poll, nanosleep, read) returns
 * EINTR, so the loop notices at once.
 */
void kvmmem_catch_stop_signals(void);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_CLI_H */
