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

#include "common/array.h"
#include "common/symbolize.h"
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
	bool stacks;		/* --stacks */
	bool kernel_stacks;	/* --kernel-stacks */
} rec_args;

#define OPT_STACKS		1400
#define OPT_KERNEL_STACKS	1401

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
"    kvmmem-trace record --stacks -o k.ktr -- ./my-introspector  # who leaks\n"
"    kvmmem-trace record --host -o h.ktr -d 60    # on a KVM host: every VM\n";

static const struct argp_option record_options[] = {
	{ "output", 'o', "FILE", 0, "Write the recording to FILE (required)", 0 },
	{ "quiet", 'q', NULL, 0, "No summary line", 0 },
	{ "force", 'f', NULL, 0, "Overwrite FILE if it exists (without -f, an "
	  "existing recording is never replaced)", 0 },
	{ "stacks", OPT_STACKS, NULL, 0, "Keep the user stack of "
	  "each MAP's caller, and record it, with the process's memory map, "
	  "for each mapping that leaks, is left to a teardown, or is still "
	  "live at the end: report shows who made them (the traced program "
	  "needs frame pointers)", 0 },
	{ "kernel-stacks", OPT_KERNEL_STACKS, NULL, 0, "--stacks, and the "
	  "kernel stack of each MAP too (its ioctl's path: the same for "
	  "nearly every MAP, and most of --stacks' cost)", 0 },
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
	case OPT_STACKS:
		rec_args.stacks = true;
		break;
	case OPT_KERNEL_STACKS:
		rec_args.stacks = true;
		rec_args.kernel_stacks = true;
		break;
	case ARGP_KEY_ARG:
		/* COMMAND: the rest of argv is its own */
		rec_args.cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!rec_args.output)
			argp_error(state, "-o FILE is required");
		if (rec_args.stacks && sopts.host)
			argp_error(state, "--stacks is for a guest's recording, "
				   "not --host");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* --stacks: a process's memory map as last read. */
struct rec_maps {
	uint32_t pid;
	struct sym_maps *m;	/* NULL: could not be read */
};

/* --stacks: a distinct stack, by the kernel's ids, and its own id. */
struct rec_stack {
	uint32_t pid;
	int32_t ustack, kstack;
	uint32_t id;		/* the recording's */
};

struct recorder {
	struct kvmmem_trace_writer w;
	int err;		/* first write error */
	uint32_t *named;	/* VMMs named in the recording */
	size_t nr_named, cap_named;
	/* --stacks */
	struct kvmmem_session *s;
	struct symbolizer *sym;	/* only to test frames against maps */
	struct rec_maps *maps;
	size_t nr_maps, cap_maps;
	struct rec_stack *stacks;
	size_t nr_stacks, cap_stacks;
	struct kvmmem_trace_stack_ref refs[KVMMEM_TRACE_CHUNK_REFS];
	size_t nr_refs;
	uint64_t maps_unread;	/* processes whose map could not be read */
};

static struct rec_maps *rec_maps_of(struct recorder *r, uint32_t pid)
{
	size_t i;

	for (i = 0; i < r->nr_maps; i++)
		if (r->maps[i].pid == pid)
			return &r->maps[i];
	return NULL;
}

/*
 * Read process @pid's memory map now and record it. One that cannot be
 * read (the process is gone) is counted once per process: its stacks
 * will show addresses only.
 */
static int snapshot_maps(struct recorder *r, uint32_t pid)
{
	struct rec_maps *rm = rec_maps_of(r, pid);
	struct sym_maps *m;
	size_t len;
	char *text;
	int err;

	if (!rm) {
		if (kvmmem_grow(&r->maps, &r->cap_maps, r->nr_maps + 1,
				sizeof(*rm)))
			return -ENOMEM;
		rm = &r->maps[r->nr_maps++];
		rm->pid = pid;
		rm->m = NULL;
	}
	m = sym_maps_read((int)pid);
	if (!m) {
		if (!rm->m)
			r->maps_unread++;
		return 0;
	}
	err = sym_maps_format(m, &text, &len);
	if (err) {
		sym_maps_free(m);
		return err;
	}
	err = kvmmem_trace_writer_maps(&r->w, pid, kvmmem_mono_ns(), text, len);
	free(text);
	if (err == -E2BIG) {
		kvmmem_warn("the memory map of process %" PRIu32 " is too big "
			    "to record: its stacks show addresses only", pid);
		err = 0;
	}
	if (err) {
		sym_maps_free(m);
		return err;
	}
	sym_maps_free(rm->m);
	rm->m = m;
	return 0;
}

/* Does @pid's map hold every frame of @ips? */
static bool maps_cover(struct recorder *r, uint32_t pid, const uint64_t *ips,
		       size_t n)
{
	struct rec_maps *rm = rec_maps_of(r, pid);
	struct sym_frame f;
	size_t i;

	if (!rm || !rm->m)
		return false;
	/* sym_user() says "in no mapping" with a frame without a module */
	for (i = 0; i < n; i++)
		if (sym_user(r->sym, rm->m, ips[i], &f) || !f.module)
			return false;
	return true;
}

/*
 * The recording's id of the stack of @ref, writing it (and its process's
 * memory map, read again if a frame falls outside the one read before)
 * the first time; 0 if the kernel could not take it.
 */
static int intern_stack(struct recorder *r, const struct kt_stack_ref *ref,
			uint32_t *id)
{
	uint64_t user[KT_STACK_DEPTH], kernel[KT_STACK_DEPTH];
	struct rec_stack *st;
	int nu, nk, err;
	size_t i;

	*id = 0;
	if (ref->ustack < 0 && ref->kstack < 0)
		return 0;
	for (i = 0; i < r->nr_stacks; i++)
		if (r->stacks[i].pid == ref->tgid &&
		    r->stacks[i].ustack == ref->ustack &&
		    r->stacks[i].kstack == ref->kstack) {
			*id = r->stacks[i].id;
			return 0;
		}
	nu = kvmmem_session_stack(r->s, ref->ustack, user, KT_STACK_DEPTH);
	nk = kvmmem_session_stack(r->s, ref->kstack, kernel, KT_STACK_DEPTH);
	if (nu < 0)
		nu = 0;
	if (nk < 0)
		nk = 0;
	if (nu && !maps_cover(r, ref->tgid, user, (size_t)nu)) {
		err = snapshot_maps(r, ref->tgid);
		if (err)
			return err;
	}
	if (kvmmem_grow(&r->stacks, &r->cap_stacks, r->nr_stacks + 1,
			sizeof(*st)))
		return -ENOMEM;
	st = &r->stacks[r->nr_stacks];
	*st = (struct rec_stack){ ref->tgid, ref->ustack, ref->kstack,
				  (uint32_t)r->nr_stacks + 1 };
	r->nr_stacks++;
	*id = st->id;
	return kvmmem_trace_writer_stack(&r->w, st->id, ref->tgid, user,
					 (size_t)nu, kernel, (size_t)nk);
}

static int flush_refs(struct recorder *r)
{
	int err = kvmmem_trace_writer_stack_refs(&r->w, r->refs, r->nr_refs);

	if (!err)
		r->nr_refs = 0;
	return err;
}

/* A struct kt_stack_ref from the kernel (or the end's walk of the table). */
static int record_stack(void *ctx, const struct kt_stack_ref *ref)
{
	struct recorder *r = ctx;
	uint32_t id;
	int err;

	if (r->err)
		return 0;
	if (ref->why == KT_STACK_PROC) {
		err = snapshot_maps(r, ref->tgid);
	} else if (ref->why < KT_STACK_NR_WHY) {
		err = intern_stack(r, ref, &id);
		if (!err && r->nr_refs == KVMMEM_TRACE_CHUNK_REFS)
			err = flush_refs(r);
		if (!err)
			r->refs[r->nr_refs++] = (struct kvmmem_trace_stack_ref){
				.id = ref->id, .pid = ref->tgid, .stack = id,
				.why = ref->why,
			};
	} else {
		err = 0;
	}
	if (err)
		r->err = err;
	return 0;
}

/* The end: the mappings still live, and what --stacks lost. */
static int finish_stacks(struct recorder *r)
{
	struct kvmmem_session_stack_drops d;
	struct kvmmem_trace_stack_lost_payload p;
	int err;

	err = kvmmem_session_live_stacks(r->s, record_stack, r);
	if (err < 0) {
		kvmmem_warn("reading the stacks of the live mappings: %s",
			    strerror(-err));
		return 0;
	}
	if (r->err)
		return r->err;
	err = flush_refs(r);
	if (err)
		return err;
	kvmmem_session_stack_drops(r->s, &d);
	p = (struct kvmmem_trace_stack_lost_payload){
		.stacks = d.stack, .table = d.table, .refs = d.ref,
		.maps = r->maps_unread,
	};
	if (r->maps_unread)
		kvmmem_warn("%" PRIu64 " processes exited before their memory "
			    "map could be read: their stacks show addresses "
			    "only", r->maps_unread);
	return kvmmem_trace_writer_stack_lost(&r->w, &p);
}

static void free_stacks(struct recorder *r)
{
	size_t i;

	for (i = 0; i < r->nr_maps; i++)
		sym_maps_free(r->maps[i].m);
	free(r->maps);
	free(r->stacks);
	symbolizer_free(r->sym);
}

/*
 * A VMM's first hypercall: name it in the recording from its command
 * line, read now, while it runs (its exit is what the report is about).
 */
static int name_vmm(struct recorder *r, uint32_t pid)
{
	char name[KVMMEM_VMM_NAME_LEN];
	size_t i;

	for (i = 0; i < r->nr_named; i++)
		if (r->named[i] == pid)
			return 0;
	if (kvmmem_grow(&r->named, &r->cap_named, r->nr_named + 1,
			sizeof(*r->named)))
		return -ENOMEM;
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
	info->stacks = rec_args.stacks;
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
	static struct recorder r;	/* big: its buffer of refs */
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
	if (rec_args.stacks) {
		sopts.stacks = true;
		sopts.kernel_stacks = rec_args.kernel_stacks;
		sopts.stack_cb = record_stack;
		r.sym = symbolizer_new();
		if (!r.sym) {
			kvmmem_warn("out of memory");
			return EXIT_FAIL;
		}
	}
	err = kvmmem_session_open(&sopts, record_event, &r, &s);
	if (err) {
		free_stacks(&r);
		return EXIT_FAIL;
	}
	r.s = s;
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
		if (!r.err)
			r.err = flush_refs(&r);
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
	if (!r.err && rec_args.stacks)
		r.err = finish_stacks(&r);
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
	free_stacks(&r);
	if (fd >= 0 && close(fd) && !ret) {
		kvmmem_warn("%s: %s", rec_args.output, strerror(errno));
		ret = EXIT_FAIL;
	}
	kvmmem_session_close(s);
	return ret;
}
