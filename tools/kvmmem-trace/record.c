// SPDX-License-Identifier: GPL-2.0
/*
 * record.c - kvmmem-trace record: events to a file, one chunk per drain
 * of the ring buffer, so that a recording cut by kill -9 or a full disk
 * loses at most its last chunk.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "common/vmm.h"
#include "kvmmem-trace.h"
#include "options.h"

_Static_assert(KVMMEM_VMM_NAME_LEN == KVMMEM_TRACE_NAME_LEN,
	       "a VMM's name fits a name chunk");

#define BOOT_ID_PATH	"/proc/sys/kernel/random/boot_id"

static struct {
	const char *output;
	bool quiet;
	bool force;		/* overwrite an existing FILE */
	char **cmd;		/* COMMAND [ARG...], or NULL */
} rec_args;

static const char record_doc[] =
"Record kvmmem events to FILE until Ctrl-C, --duration, or the end of "
"COMMAND (started once tracing is on; its exit status is checked). The "
"file is written one chunk per drain of the ring buffer: if the recorder "
"is killed or the disk fills, only the last chunk is lost, and readers "
"say so. On exit a summary line: events, drops, bytes, duration. With "
"--host, each VM's VMM is named in the recording, at its first hypercall, "
"from its command line (QEMU's -name, else argv[0]).\n"
"\v"
"EXAMPLES:\n"
"    kvmmem-trace record -o k.ktr                 # until Ctrl-C\n"
"    kvmmem-trace record -f -o k.ktr -d 1.5       # 1.5 s, replacing k.ktr\n"
"    kvmmem-trace record -o k.ktr -d 30 -p 1234   # one process, 30 s\n"
"    kvmmem-trace record -o k.ktr -e all -- kvmmem-ctl stress -P 4 -m 64\n"
"    kvmmem-trace record -o k.ktr --force-raw-tp -- ./my-introspector\n"
"    kvmmem-trace record --host -o h.ktr -d 60    # on a KVM host: every VM\n";

static const struct argp_option record_options[] = {
	{ "output", 'o', "FILE", 0, "Write the recording to FILE (required)", 0 },
	{ "quiet", 'q', NULL, 0, "No summary line", 0 },
	{ "force", 'f', NULL, 0, "Overwrite FILE if it exists (without -f, an "
	  "existing recording is never replaced)", 0 },
	{},
};

static error_t record_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'o':
		rec_args.output = arg;
		break;
	case 'q':
		rec_args.quiet = true;
		break;
	case 'f':
		rec_args.force = true;
		break;
	case ARGP_KEY_ARG:
		/* COMMAND: the rest of argv is its own */
		rec_args.cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!rec_args.output)
			argp_error(state, "-o FILE is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct recorder {
	struct kvmmem_trace_writer w;
	int err;		/* first write error */
	uint32_t *named;	/* VMMs named in the recording */
	size_t nr_named;
};

/*
 * A VMM's first hypercall: name it in the recording from its command
 * line, read now, while it runs (its exit is what the report is about).
 */
static int name_vmm(struct recorder *r, uint32_t pid)
{
	char name[KVMMEM_VMM_NAME_LEN];
	uint32_t *named;
	size_t i;

	for (i = 0; i < r->nr_named; i++)
		if (r->named[i] == pid)
			return 0;
	named = realloc(r->named, (r->nr_named + 1) * sizeof(*named));
	if (!named)
		return -ENOMEM;
	r->named = named;
	r->named[r->nr_named++] = pid;
	/* gone already: the report uses its comm */
	if (!kvmmem_vmm_name_of(pid, name)[0])
		return 0;
	return kvmmem_trace_writer_name(&r->w, pid, name);
}

static int record_event(void *ctx, const struct kt_event *e)
{
	struct recorder *r = ctx;
	int err;

	if (r->err)
		return 0;
	err = kvmmem_trace_writer_add(&r->w, e);
	if (!err && e->kind == KT_KVM_HC_ENTER)
		err = name_vmm(r, e->pid);
	if (err)
		r->err = err;
	return 0;
}

static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void fill_info(struct kvmmem_trace_info *info, const char *attach,
		      uint64_t start_mono, uint64_t start_real)
{
	struct utsname u;

	memset(info, 0, sizeof(*info));
	snprintf(info->clock, sizeof(info->clock), "CLOCK_MONOTONIC");
	read_line(BOOT_ID_PATH, info->boot_id, sizeof(info->boot_id));
	if (!uname(&u)) {
		snprintf(info->kernel, sizeof(info->kernel), "%s", u.release);
		snprintf(info->hostname, sizeof(info->hostname), "%s", u.nodename);
	}
	snprintf(info->tool, sizeof(info->tool), "kvmmem-trace %s", kvmmem_version);
	snprintf(info->attach, sizeof(info->attach), "%s", attach);
	info->start_mono_ns = start_mono;
	info->start_real_ns = start_real;
	info->pid_filter = sopts.pid;
	info->kinds = sopts.kinds;
}

static void on_child(int sig)
{
	(void)sig;	/* only to cut the wait for the ring buffer short */
}

static pid_t start_command(char **cmd)
{
	struct sigaction sa = { .sa_handler = on_child };
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	pid = fork();

	if (pid == 0) {
		execvp(cmd[0], cmd);
		fprintf(stderr, "%s: cannot run %s: %s\n", kvmmem_prog, cmd[0],
			strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		kvmmem_warn("fork: %s", strerror(errno));
	return pid;
}

/*
 * What the programs cost in the kernel over the recording, from the BPF
 * statistics: only when they are on (kernel.bpf_stats_enabled=1), since
 * turning them on costs two clock reads per program run.
 */
static void print_run_stats(const struct kvmmem_session *s, uint64_t events)
{
	uint64_t ns, runs;

	if (kvmmem_session_run_stats(s, &ns, &runs) || !runs || !ns)
		return;
	fprintf(stderr, "%s: in-kernel cost %.3f ms: %" PRIu64 " program runs, "
		"%.0f ns a run", kvmmem_prog, (double)ns / 1e6, runs,
		(double)ns / (double)runs);
	if (events)
		fprintf(stderr, ", %.0f ns an event", (double)ns / (double)events);
	fprintf(stderr, " (bpf_stats)\n");
}

static void explain_write(int err, const char *path)
{
	if (err == -ENOSPC)
		kvmmem_warn("%s: disk full: recording stopped; the file holds every "
		     "chunk written before (readers report it as cut short)", path);
	else
		kvmmem_warn("%s: write failed: %s; recording stopped", path, strerror(-err));
}

int cmd_record(int argc, char **argv)
{
	const struct argp_child children[] = {
		{ &session_argp, 0, "Tracing options:", 1 },
		{},
	};
	const struct argp argp = {
		.options = record_options, .parser = record_parse,
		.args_doc = "[-- COMMAND [ARG...]]", .doc = record_doc,
		.children = children,
	};
	struct kvmmem_trace_info info;
	struct recorder r = { .err = 0 };
	struct kvmmem_session *s = NULL;
	uint64_t deadline = 0, drops = 0, last_drops = 0, t_end;
	uint64_t start_mono, start_real, run_ns = 0, runs = 0;
	int fd = -1, err, status = 0, ret = EXIT_FAIL;
	pid_t child = 0;
	bool child_done = false;

	argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL);
	/* say so before tracing starts; O_EXCL below closes the race */
	if (!rec_args.force && !access(rec_args.output, F_OK)) {
		kvmmem_warn("%s exists: not overwritten (give another -o FILE, "
			    "or -f to replace it)", rec_args.output);
		return EXIT_USAGE;
	}

	/* before attaching: no event is older than the start */
	start_mono = kvmmem_mono_ns();
	start_real = kvmmem_real_ns();
	err = kvmmem_session_open(&sopts, record_event, &r, &s);
	if (err)
		return EXIT_FAIL;
	kvmmem_catch_stop_signals();

	fd = open(rec_args.output, O_WRONLY | O_CREAT | O_CLOEXEC |
		  (rec_args.force ? O_TRUNC : O_EXCL), 0644);
	if (fd < 0 && errno == EEXIST) {
		kvmmem_warn("%s exists: not overwritten (give another -o FILE, "
			    "or -f to replace it)", rec_args.output);
		goto cleanup;
	}
	if (fd < 0) {
		kvmmem_warn("cannot create %s: %s", rec_args.output, strerror(errno));
		goto cleanup;
	}
	fill_info(&info, kvmmem_session_attach(s), start_mono, start_real);
	err = kvmmem_trace_writer_init(&r.w, fd, &info);
	if (err) {
		explain_write(err, rec_args.output);
		goto cleanup;
	}
	if (opt_duration_ns)
		deadline = info.start_mono_ns + opt_duration_ns;
	if (rec_args.cmd) {
		child = start_command(rec_args.cmd);
		if (child < 0)
			goto cleanup;
	}

	ret = 0;
	while (!kvmmem_stop_signal && !child_done && !r.err &&
	       (!deadline || kvmmem_mono_ns() < deadline)) {
		err = kvmmem_session_poll(s);
		if (err && err != -EINTR) {
			kvmmem_warn("reading the ring buffer: %s", strerror(-err));
			ret = EXIT_FAIL;
			break;
		}
		if (child > 0 && waitpid(child, &status, WNOHANG) == child)
			child_done = true;
		/* one chunk per drain; a stats chunk when drops move */
		if (!r.err)
			r.err = kvmmem_trace_writer_flush(&r.w);
		drops = kvmmem_session_drops(s);
		if (!r.err && drops != last_drops) {
			r.err = kvmmem_trace_writer_stats(&r.w, kvmmem_mono_ns(), drops);
			last_drops = drops;
		}
	}
	/* everything the command did is in the buffer once it has exited */
	kvmmem_session_finish(s);
	drops = kvmmem_session_drops(s);
	t_end = kvmmem_mono_ns();
	if (!r.err && !kvmmem_session_run_stats(s, &run_ns, &runs) && runs)
		r.err = kvmmem_trace_writer_cost(&r.w, run_ns, runs);
	if (!r.err)
		r.err = kvmmem_trace_writer_finish(&r.w, t_end, drops);
	if (r.err) {
		explain_write(r.err, rec_args.output);
		ret = EXIT_FAIL;
	}
	if (!rec_args.quiet)
		fprintf(stderr, "%s: %" PRIu64 " events, %" PRIu64 " dropped, %"
			PRIu64 " bytes, %.3f s -> %s (%s)\n", kvmmem_prog, r.w.events,
			drops, r.w.bytes, (double)(t_end - info.start_mono_ns) / 1e9,
			rec_args.output, kvmmem_session_attach(s));
	kvmmem_session_warn_drops(s);
	if (!rec_args.quiet)
		print_run_stats(s, r.w.events);

	if (child > 0) {
		if (!child_done) {
			/* stopped by a signal or --duration: stop COMMAND too */
			kill(child, kvmmem_stop_signal ? kvmmem_stop_signal : SIGTERM);
			while (waitpid(child, &status, 0) < 0 && errno == EINTR)
				;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status)) {
			kvmmem_warn("%s exited with status %d", rec_args.cmd[0],
			     WEXITSTATUS(status));
			ret = EXIT_FAIL;
		} else if (WIFSIGNALED(status) && child_done) {
			kvmmem_warn("%s was killed by %s", rec_args.cmd[0],
			     strsignal(WTERMSIG(status)));
			ret = EXIT_FAIL;
		}
	}

cleanup:
	kvmmem_trace_writer_free(&r.w);
	free(r.named);
	if (fd >= 0 && close(fd) && !ret) {
		kvmmem_warn("%s: %s", rec_args.output, strerror(errno));
		ret = EXIT_FAIL;
	}
	kvmmem_session_close(s);
	return ret;
}
