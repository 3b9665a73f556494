// SPDX-License-Identifier: GPL-2.0
/*
 * test_cli.c - the command-line language of the three tools, run as a
 * user runs them: options that conflict, options a subcommand does not
 * take and values that do not parse are refused with exit 2 and a message
 * that names the option, before anything touches the driver or BPF (so
 * these run on any machine, without the module). The tools are the ones
 * `make` built in KVMMEM_BUILD_DIR.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef KVMMEM_BUILD_DIR
#error "KVMMEM_BUILD_DIR: where make built the tools"
#endif

#define CORPUS KVMMEM_SOURCE_DIR "/selftests/fuzz/corpus/trace/"
#define SMALL CORPUS "complete-small.ktr"

struct result {
	int status;		/* exit status, or 128 + signal */
	char err[4096];		/* what it wrote on stderr */
};

/* Run build/@argv[0] with @argv, stdin from /dev/null, stdout discarded. */
static void run(const char *const *argv, struct result *r)
{
	char path[4096], tmpl[] = "/tmp/test_cli.XXXXXX";
	int fd, st;
	ssize_t n;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", KVMMEM_BUILD_DIR, argv[0]);
	cr_assert(access(path, X_OK) == 0,
		  "%s is not built: run make first", path);
	fd = mkstemp(tmpl);
	cr_assert(fd >= 0);
	unlink(tmpl);
	pid = fork();
	cr_assert(pid >= 0);
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(fd, 2);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	cr_assert(waitpid(pid, &st, 0) == pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	n = pread(fd, r->err, sizeof(r->err) - 1, 0);
	r->err[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* @argv must be refused as a usage error whose message contains @msg. */
static void refused(const char *msg, const char *const *argv)
{
	struct result r;

	run(argv, &r);
	cr_expect_eq(r.status, 2, "%s ...: exit %d, not 2 (usage); stderr: %s",
		     argv[1] ? argv[1] : argv[0], r.status, r.err);
	cr_expect(strstr(r.err, msg), "stderr has no '%s': %s", msg, r.err);
}

#define REFUSED(msg, ...) refused(msg, (const char *const[]){ __VA_ARGS__, NULL })

Test(cli, options_a_subcommand_does_not_take_are_refused)
{
	REFUSED("unrecognized option '--force'",
		"kvmmem-trace", "report", "--force", SMALL);
	REFUSED("invalid option -- 'o'", "kvmmem-trace", "dump", "-o", "x", SMALL);
	REFUSED("invalid option -- 'd'", "kvmmem-trace", "report", "-d", "1", SMALL);
	REFUSED("unrecognized option '--csv'", "kvmmem-trace", "dump", "--csv", SMALL);
	REFUSED("unrecognized option '--comm'", "kvmmem-trace", "record", "-o",
		"/tmp/test_cli.ktr", "--host", "--comm", "x", "--", "true");
	REFUSED("unrecognized option '--force'",
		"kvmmem-ctl", "map", "--force", "0x1000");
	REFUSED("invalid option -- 'i'", "kvmmem-ctl", "-i", "1", "stats");
}

Test(cli, options_that_exclude_each_other_are_refused)
{
	REFUSED("choose one", "kvmmem-top", "-b", "--csv", "-j");
	REFUSED("choose one", "kvmmem-top", "--csv", "-j");
	REFUSED("exclude each other", "kvmmem-ctl", "stress", "-P", "1", "-m",
		"2", "--leave", "1", "--kill");
	REFUSED("is not after", "kvmmem-trace", "dump", "--since", "5",
		"--until", "2", SMALL);
}

Test(cli, an_unknown_subcommand_is_named)
{
	REFUSED("unknown command 'bogus'", "kvmmem-trace", "bogus");
	REFUSED("unknown command 'bogus'", "kvmmem-ctl", "bogus");
}

Test(cli, what_is_required_is_asked_for)
{
	REFUSED("-o FILE is required", "kvmmem-trace", "record", "--", "true");
	REFUSED("say which format", "kvmmem-trace", "export", SMALL, "-o", "x");
	REFUSED("FILE and -o OUT are required", "kvmmem-trace", "export",
		"--perfetto", SMALL);
	REFUSED("GUEST and HOST", "kvmmem-trace", "merge", SMALL);
	REFUSED("is required", "kvmmem-trace", "report");
	REFUSED("missing GPA", "kvmmem-ctl", "map");
	REFUSED("are required", "kvmmem-ctl", "stress", "-P", "2");
}

/* The same letter is the same option, with the same message, everywhere. */
Test(cli, the_same_letter_means_the_same_everywhere)
{
	REFUSED("--pid 'abc': not a number", "kvmmem-trace", "-p", "abc");
	REFUSED("--pid 'abc': not a number", "kvmmem-top", "-p", "abc");
	REFUSED("--pid 'abc': not a number", "kvmmem-trace", "report", "-p",
		"abc", SMALL);
	REFUSED("--pid 'abc': not a number", "kvmmem-trace", "dump", "-p",
		"abc", SMALL);
	REFUSED("a duration between", "kvmmem-top", "-d", "0");
	REFUSED("a duration between", "kvmmem-trace", "-d", "0");
	REFUSED("a duration between", "kvmmem-top", "-i", "1parsec");
	REFUSED("a duration between", "kvmmem-trace", "record", "-o",
		"/tmp/test_cli.ktr", "-d", "soon", "--", "true");
}

Test(cli, record_never_overwrites_without_force)
{
	char tmpl[] = "/tmp/test_cli_exists.XXXXXX";
	int fd = mkstemp(tmpl);
	struct stat st;

	cr_assert(fd >= 0);
	cr_assert(write(fd, "keep", 4) == 4);
	close(fd);
	REFUSED("not overwritten", "kvmmem-trace", "record", "-o", tmpl,
		"--", "true");
	cr_expect(stat(tmpl, &st) == 0 && st.st_size == 4,
		  "the refused record touched %s", tmpl);
	unlink(tmpl);
}

Test(cli, every_tool_and_subcommand_has_help_and_version)
{
	static const char *const cmds[][3] = {
		{ "kvmmem-ctl" }, { "kvmmem-trace" }, { "kvmmem-top" },
		{ "kvmmem-ctl", "map" }, { "kvmmem-ctl", "stress" },
		{ "kvmmem-trace", "record" }, { "kvmmem-trace", "report" },
		{ "kvmmem-trace", "dump" }, { "kvmmem-trace", "export" },
		{ "kvmmem-trace", "merge" },
	};
	struct result r;
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const char *argv[4] = { cmds[i][0], cmds[i][1] ? cmds[i][1] : "--help",
					cmds[i][1] ? "--help" : NULL, NULL };

		run(argv, &r);
		cr_expect_eq(r.status, 0, "%s %s --help: exit %d: %s", cmds[i][0],
			     cmds[i][1] ? cmds[i][1] : "", r.status, r.err);
	}
	for (i = 0; i < 3; i++) {
		const char *argv[3] = { cmds[i][0], "-V", NULL };

		run(argv, &r);
		cr_expect_eq(r.status, 0, "%s -V: exit %d: %s", cmds[i][0],
			     r.status, r.err);
	}
}
