/* SPDX-License-Identifier: GPL-2.0 */
/*
 * options.h - the tracing options live mode and record share.
 */
#ifndef KVMMEM_TRACE_OPTIONS_H
#define KVMMEM_TRACE_OPTIONS_H

#include <argp.h>
#include <signal.h>

#include "kvmmem-trace.h"

/* Keys of long-only options. */
#define OPT_DRAIN_MS		1000
#define OPT_FORCE_RAW_TP	1001
#define OPT_PERFETTO		1002
#define OPT_HOST		1003
#define OPT_ANSWER_VIA		1004
#define OPT_BUFFER		1005
#define OPT_EVERY_TP		1006

/* Set by session_argp (a child of the live and record parsers). */
extern struct kvmmem_session_opts sopts;
extern uint64_t opt_duration_ns;
/* An option of session_argp was given (the first one, for messages). */
extern const char *session_opt_given;
extern const struct argp session_argp;

#endif /* KVMMEM_TRACE_OPTIONS_H */
