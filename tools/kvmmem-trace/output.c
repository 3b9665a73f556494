// SPDX-License-Identifier: GPL-2.0
/*
 * output.c - reading a recording with a message that says what is wrong.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kvmmem-trace.h"

/* Say on stderr what is wrong with the recording @path read with @err. */
static int said(const char *path, struct kvmmem_trace_file *tf, int err)
{
	if (err == -ECANCELED)
		return err;	/* a callback stopped the read, and says why */
	if (err == KVMMEM_TRACE_INCOMPLETE)
		kvmmem_warn("%s: warning: %s", path, tf->msg);
	else if (err == -EINVAL || err == -EPROTONOSUPPORT || err == -EBADMSG)
		kvmmem_warn("%s: %s", path, tf->msg);
	else if (err < 0)
		kvmmem_warn("cannot read %s", tf->msg[0] ? tf->msg : path);
	return err;
}

int stream_recording_fd(const char *name, int fd, kvmmem_trace_events_cb cb,
			void *ctx, struct kvmmem_trace_file *tf)
{
	memset(tf, 0, sizeof(*tf));
	return said(name, tf, kvmmem_trace_read_fd(fd, cb, ctx, tf));
}

int stream_recording(const char *path, kvmmem_trace_events_cb cb, void *ctx,
		     struct kvmmem_trace_file *tf)
{
	return said(path, tf, kvmmem_trace_stream(path, cb, ctx, tf));
}

int load_status(int err)
{
	return err == KVMMEM_TRACE_INCOMPLETE ? EXIT_INCOMPLETE : 0;
}
