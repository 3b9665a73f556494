/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmmem-trace.h - what the parts of kvmmem-trace share.
 */
#ifndef KVMMEM_TRACE_TOOL_H
#define KVMMEM_TRACE_TOOL_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/cli.h"
#include "common/json.h"
#include "trace/analysis.h"
#include "trace/filter.h"
#include "trace/kinds.h"
#include "trace/print.h"
#include "trace/reader.h"
#include "trace/writer.h"
#include "trace/session.h"
#include "trace/stacks.h"
#include "util.h"

/* Exit status. */
#define EXIT_FAIL		1	/* an error: said on stderr */
#define EXIT_USAGE		2	/* bad command line */
#define EXIT_INCOMPLETE		3	/* the recording was cut short; the
					 * output covers what survived */

extern bool verbose;

/* "kvmmem-trace: " + message + newline, on stderr. */


/* The BPF session: trace/session.h. */

/* ------------------------------------------------------------- output */

/* Events as text and JSON: trace/print.h. */

/*
 * --pid, --comm, --events, --since, --until of report, dump and export:
 * an argp child, what it parsed, and a stream callback that hands @next
 * the events that pass (resolving the times once the header is read;
 * -ECANCELED if they do not parse: filter_done() says so).
 */
extern const struct argp filter_argp;
extern struct kvmmem_trace_filter file_filter;

struct filtered {
	const struct kvmmem_trace_file *tf;
	kvmmem_trace_events_cb next;
	void *next_ctx;
	bool resolved;
	struct kt_event *buf;
	size_t cap;
	char msg[256];		/* a --since/--until that does not parse */
};

int filter_events(void *ctx, const struct kt_event *ev, size_t n);
/* After the read: 0, or -EINVAL if the filter's times were bad (said). */
int filter_done(struct filtered *fl, const char *path);

/*
 * Read FILE ("-": standard input), handing @cb the events one chunk at a
 * time (memory: one chunk) and saying on stderr what is wrong; return 0,
 * INCOMPLETE or <0. stream_recording_fd() reads an open @fd, named @name
 * in the messages.
 */
int stream_recording(const char *path, kvmmem_trace_events_cb cb, void *ctx,
		     struct kvmmem_trace_file *tf);
int stream_recording_fd(const char *name, int fd, kvmmem_trace_events_cb cb,
			void *ctx, struct kvmmem_trace_file *tf);
/* Exit status for a recording that loaded: 0, or EXIT_INCOMPLETE. */
int load_status(int err);

/* ------------------------------------------- record --stacks (callsites.c) */

/* A frame symbolized, with its own copies of the symbolizer's strings. */
struct cs_frame {
	uint64_t ip;
	char *module;		/* NULL: not in the recorded memory map */
	uint64_t offset;	/* in module */
	char *build_id;
	char *func;		/* NULL: no symbol (stripped) */
	uint64_t func_off;
	char *file;
	int line;
	char *text;		/* as sym_frame_format() says it, else 0x... */
};

/* A stack of the recording, symbolized: user frames, then kernel frames. */
struct cs_stack {
	struct cs_frame *frames;
	uint16_t nr_user, nr_kernel;
};

struct callsites {
	struct cs_stack *stacks;	/* one per tf->stacks[i] */
	char **keys;			/* what makes two stacks one site */
	size_t nr_stacks;
	struct kvmmem_trace_sites sites;
};

/* Symbolize @tf's stacks (once each) and group its mappings by site. */
int callsites_build(struct callsites *c, const struct kvmmem_trace_file *tf);
void callsites_free(struct callsites *c);
/* Stack @stack (a stack chunk's id) symbolized, or NULL. */
const struct cs_stack *callsites_stack(const struct callsites *c,
				       const struct kvmmem_trace_file *tf,
				       uint32_t stack);
/* The report's section: the call sites, most mappings first. */
void callsites_text(FILE *f, const struct callsites *c,
		    const struct kvmmem_trace_file *tf,
		    const struct kvmmem_trace_analysis *a);
/* "#N": mapping @id's call site in the report, or "-". */
const char *callsites_site_name(const struct callsites *c, uint64_t id,
				char buf[24]);
/* JSON: the "stacks" member of the report; a mapping's site and stack;
 * a stack as {"user": [...], "kernel": [...]}. */
void callsites_json(struct kvmmem_json *j, const struct callsites *c,
		    const struct kvmmem_trace_file *tf);
void callsites_json_mapping(struct kvmmem_json *j, const struct callsites *c,
			    uint64_t id);
void callsites_json_stack(struct kvmmem_json *j, const char *key,
			  const struct cs_stack *s);

/* ---------------------------------------------------- Perfetto (JSON) */

/*
 * A Chrome JSON trace being written (perfetto.c). Several recordings can
 * go into one trace: before each, set shift (subtracted from its
 * timestamps, to bring its clock onto the output's; or shift_at, if set,
 * gives it per timestamp), pid_base (added to its pids and tids, so two
 * machines' pids do not collide) and label (prefixed to its process
 * names).
 */
struct perfetto {
	struct kvmmem_json j;
	uint64_t t0;		/* output time 0, in the output's clock */
	int64_t shift;
	int64_t (*shift_at)(const void *ctx, uint64_t ts);
	const void *shift_ctx;
	uint32_t pid_base;
	const char *label;
	uint64_t start;		/* the current recording's first time */
	uint64_t live;		/* its live mappings, last written */
	/* its page leaks, written at its end with their stacks (--stacks) */
	struct kt_event *leaks;
	size_t nr_leaks, cap_leaks;
};

/* Open the trace object and its event array. */
void perfetto_begin(struct perfetto *x, FILE *f, uint64_t t0);
/*
 * One recording, streamed: start at @start (its start or first event,
 * whichever is earlier), then its events in file order through @a
 * (initialised by the caller), then finish with what only the whole
 * recording tells (mappings, names). Memory: @a's, not the events'.
 */
void perfetto_stream_start(struct perfetto *x, uint64_t start);
int perfetto_stream_events(struct perfetto *x, struct kvmmem_trace_analysis *a,
			   const struct kt_event *ev, size_t n);
void perfetto_stream_finish(struct perfetto *x, const struct kvmmem_trace_file *tf,
			    struct kvmmem_trace_analysis *a);
/* One end of a flow arrow (start: "s", else "f") at @ts on pid/tid. */
void perfetto_flow(struct perfetto *x, bool start, uint64_t id,
		   const char *name, uint32_t pid, uint32_t tid, uint64_t ts);
/* Close the event array and open "otherData": the caller writes its
 * members with x->j, then calls perfetto_end(). */
void perfetto_other_data(struct perfetto *x);
/* Close "otherData" and the trace object. */
void perfetto_end(struct perfetto *x);

/* Subcommands: argv[0] is "kvmmem-trace NAME"; return the exit status. */
int cmd_live(const struct kvmmem_session_opts *opts, bool json, bool wall,
	     uint64_t duration_ns);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_merge(int argc, char **argv);

#endif /* KVMMEM_TRACE_TOOL_H */
