// SPDX-License-Identifier: GPL-2.0
/*
 * reader.c - reading a kvmmem-trace recording (see reader.h). The format
 * is described in docs/trace-format.md; keep them in step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "trace/kinds.h"
#include "trace/reader.h"
#include "util.h"

/*
 * The fuzzer cannot forge CRCs: in its build (selftests/fuzz) every CRC
 * passes, so that it reaches what the CRCs guard.
 */
static bool crc_ok(uint32_t stored, uint32_t computed)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	(void)stored;
	(void)computed;
	return true;
#else
	return stored == computed;
#endif
}

__attribute__((format(printf, 3, 4)))
static int fail(struct kvmmem_trace_file *tf, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tf->msg, sizeof(tf->msg), fmt, ap);
	va_end(ap);
	return err;
}

static int parse_u64_field(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t x;

	if (kvmmem_parse_u64(v, &x) || x > max)
		return -EINVAL;
	*out = x;
	return 0;
}

static void copy_field(char *dst, size_t size, const char *v)
{
	snprintf(dst, size, "%s", v);
}

/* Parse the key=value lines of the header into tf->info. */
static int parse_header_text(struct kvmmem_trace_file *tf, char *text)
{
	struct kvmmem_trace_info *info = &tf->info;
	unsigned int seen = 0, schema_seen = 0;
	char *line, *save = NULL, *eq;
	uint64_t x;
	unsigned int k;

	enum { S_CLOCK = 1, S_EVSIZE = 2, S_NRKINDS = 4, S_START = 8 };

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		eq = strchr(line, '=');
		if (!eq)
			return fail(tf, -EBADMSG, "corrupt header: line '%.40s' is not key=value",
				    line);
		*eq++ = '\0';
		if (!strcmp(line, "clock")) {
			copy_field(info->clock, sizeof(info->clock), eq);
			seen |= S_CLOCK;
		} else if (!strcmp(line, "start_mono_ns")) {
			if (parse_u64_field(eq, UINT64_MAX, &info->start_mono_ns))
				goto bad_value;
			seen |= S_START;
		} else if (!strcmp(line, "start_real_ns")) {
			if (parse_u64_field(eq, UINT64_MAX, &info->start_real_ns))
				goto bad_value;
		} else if (!strcmp(line, "boot_id")) {
			copy_field(info->boot_id, sizeof(info->boot_id), eq);
		} else if (!strcmp(line, "kernel")) {
			copy_field(info->kernel, sizeof(info->kernel), eq);
		} else if (!strcmp(line, "hostname")) {
			copy_field(info->hostname, sizeof(info->hostname), eq);
		} else if (!strcmp(line, "tool")) {
			copy_field(info->tool, sizeof(info->tool), eq);
		} else if (!strcmp(line, "attach")) {
			copy_field(info->attach, sizeof(info->attach), eq);
		} else if (!strcmp(line, "pid_filter")) {
			if (parse_u64_field(eq, UINT32_MAX, &x))
				goto bad_value;
			info->pid_filter = (uint32_t)x;
		} else if (!strcmp(line, "kinds")) {
			if (parse_u64_field(eq, UINT32_MAX, &x))
				goto bad_value;
			info->kinds = (uint32_t)x;
		} else if (!strcmp(line, "event_size")) {
			if (parse_u64_field(eq, UINT32_MAX, &x))
				goto bad_value;
			info->event_size = (uint32_t)x;
			seen |= S_EVSIZE;
		} else if (!strcmp(line, "nr_kinds")) {
			if (parse_u64_field(eq, UINT32_MAX, &x))
				goto bad_value;
			info->nr_kinds = (uint32_t)x;
			seen |= S_NRKINDS;
		} else if (!strncmp(line, "kind.", 5)) {
			if (parse_u64_field(line + 5, 31, &x) || !x)
				goto bad_value;
			k = (unsigned int)x;
			/* kinds this reader knows must mean the same */
			if (k < KT_NR_KINDS) {
				const char *name = kvmmem_trace_kind_name(k);
				const char *schema = kvmmem_trace_kind_schema(k);
				size_t nl = strlen(name);

				if (strncmp(eq, name, nl) || eq[nl] != ' ' ||
				    strcmp(eq + nl + 1, schema))
					return fail(tf, -EBADMSG,
						    "event schema mismatch for kind %u: "
						    "the file has '%.80s', this reader "
						    "knows '%s %s'", k, eq, name, schema);
				schema_seen |= 1U << k;
			}
		}
		/* unknown keys: a newer writer of the same version; ignored */
		continue;
bad_value:
		return fail(tf, -EBADMSG, "corrupt header: bad value for '%s'", line);
	}

	if ((seen & (S_CLOCK | S_EVSIZE | S_NRKINDS | S_START)) !=
	    (S_CLOCK | S_EVSIZE | S_NRKINDS | S_START))
		return fail(tf, -EBADMSG, "corrupt header: a required key "
			    "(clock, start_mono_ns, event_size, nr_kinds) is missing");
	if (info->event_size != KT_EVENT_SIZE)
		return fail(tf, -EBADMSG, "event size %" PRIu32 " in the header, "
			    "this reader reads %u-byte events", info->event_size,
			    (unsigned int)KT_EVENT_SIZE);
	if (info->nr_kinds < 2 || info->nr_kinds > 32)
		return fail(tf, -EBADMSG, "corrupt header: nr_kinds %" PRIu32,
			    info->nr_kinds);
	for (k = 1; k < KT_NR_KINDS && k < info->nr_kinds; k++)
		if (!(schema_seen & (1U << k)))
			return fail(tf, -EBADMSG, "corrupt header: no schema for kind %u", k);
	return 0;
}

static bool all_zero(const unsigned char *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

static int add_name(struct kvmmem_trace_file *tf, const unsigned char *p,
		    uint32_t len, uint64_t off)
{
	struct kvmmem_trace_name *n;
	struct kvmmem_trace_name_payload np;

	if (len != sizeof(np))
		return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
			    ": bad name length", off);
	memcpy(&np, p, sizeof(np));
	if (np.name[sizeof(np.name) - 1])
		return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
			    ": name not terminated", off);
	n = realloc(tf->names, (tf->nr_names + 1) * sizeof(*n));
	if (!n)
		return fail(tf, -ENOMEM, "out of memory");
	tf->names = n;
	n += tf->nr_names++;
	n->pid = np.pid;
	memcpy(n->name, np.name, sizeof(n->name));
	return 0;
}

static int add_events(struct kvmmem_trace_file *tf, const unsigned char *p,
		      uint32_t count, size_t *cap, uint64_t off)
{
	struct kt_event *ev;
	uint32_t i;

	if (!count)
		return 0;
	if (tf->nr_events + count > *cap) {
		size_t ncap = *cap ? *cap : 4096;

		while (ncap < tf->nr_events + count)
			ncap *= 2;
		ev = realloc(tf->events, ncap * sizeof(*ev));
		if (!ev)
			return fail(tf, -ENOMEM, "out of memory");
		tf->events = ev;
		*cap = ncap;
	}
	ev = tf->events + tf->nr_events;
	memcpy(ev, p, (size_t)count * sizeof(*ev));
	for (i = 0; i < count; i++) {
		/* kinds the file says exist and this reader knows */
		if (!ev[i].kind || ev[i].kind >= KT_NR_KINDS ||
		    ev[i].kind >= tf->info.nr_kinds)
			return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
				    ": event %u has unknown kind %u (a kind this "
				    "reader does not know: recorded by a newer "
				    "kvmmem-trace?)", off, i, ev[i].kind);
	}
	tf->nr_events += count;
	if (ev[count - 1].ts > tf->end_ts)
		tf->end_ts = ev[count - 1].ts;
	return 0;
}

int kvmmem_trace_parse(const void *buf, size_t len, struct kvmmem_trace_file *tf)
{
	const unsigned char *b = buf;
	struct kvmmem_trace_chunk_hdr h;
	struct kvmmem_trace_stats_payload sp;
	uint32_t version, hlen, crc;
	uint64_t off, events_read = 0;
	size_t cap = 0;
	char *text;
	int err;

	memset(tf, 0, sizeof(*tf));
	if (!len)
		return fail(tf, -EBADMSG, "empty file: not even a header was "
			    "written (recorder killed at once, or disk full)");
	if (len < 8 || memcmp(b, KVMMEM_TRACE_MAGIC, 8)) {
		if (len < 8 && !memcmp(b, KVMMEM_TRACE_MAGIC, len))
			return fail(tf, -EBADMSG, "truncated header: the file has "
				    "only %zu bytes", len);
		return fail(tf, -EINVAL, "not a kvmmem-trace recording "
			    "(no \"KVMMTRC\" magic at the start)");
	}
	if (len < KVMMEM_TRACE_HDR_FIXED)
		return fail(tf, -EBADMSG, "truncated header: the file has only %zu bytes",
			    len);
	memcpy(&version, b + 8, 4);
	memcpy(&hlen, b + 12, 4);
	if (version != KVMMEM_TRACE_VERSION)
		return fail(tf, -EPROTONOSUPPORT, "format version %" PRIu32
			    ", this reader reads version %d: use the kvmmem-trace "
			    "that recorded it", version, KVMMEM_TRACE_VERSION);
	if (hlen < KVMMEM_TRACE_HDR_FIXED + 8 || hlen > KVMMEM_TRACE_MAX_HEADER || hlen % 8)
		return fail(tf, -EBADMSG, "corrupt header: length %" PRIu32, hlen);
	if (hlen > len)
		return fail(tf, -EBADMSG, "truncated header: %" PRIu32 " bytes, "
			    "the file has %zu", hlen, len);
	memcpy(&crc, b + hlen - 4, 4);
	if (!crc_ok(crc, kvmmem_crc32(0, b, hlen - 4)))
		return fail(tf, -EBADMSG, "corrupt header: CRC mismatch");
	if (b[hlen - 5] != '\0')
		return fail(tf, -EBADMSG, "corrupt header: text not terminated");
	text = strndup((const char *)b + KVMMEM_TRACE_HDR_FIXED, hlen - 4 - KVMMEM_TRACE_HDR_FIXED);
	if (!text)
		return fail(tf, -ENOMEM, "out of memory");
	err = parse_header_text(tf, text);
	free(text);
	if (err)
		return err;
	tf->info.version = version;
	tf->end_ts = tf->info.start_mono_ns;

	for (off = hlen; off < len; ) {
		size_t left = len - off;

		if (left < KVMMEM_TRACE_CHUNK_HDR || all_zero(b + off, left)) {
			tf->lost_bytes = left;
			break;
		}
		memcpy(&h, b + off, sizeof(h));
		if (h.magic != KVMMEM_TRACE_CHUNK_MAGIC ||
		    !crc_ok(h.hdr_crc, kvmmem_crc32(0, &h, offsetof(struct kvmmem_trace_chunk_hdr, hdr_crc))))
			return fail(tf, -EBADMSG, "corrupt chunk header at offset %"
				    PRIu64 " (bad magic or CRC)", off);
		if (h.len > KVMMEM_TRACE_MAX_CHUNK)
			return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
				    ": length %" PRIu32 " is over the limit", off, h.len);
		if (h.len > left - KVMMEM_TRACE_CHUNK_HDR) {
			tf->lost_bytes = left;
			break;
		}
		if (!crc_ok(h.payload_crc, kvmmem_crc32(0, b + off + KVMMEM_TRACE_CHUNK_HDR, h.len)))
			return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
				    ": payload CRC mismatch", off);
		switch (h.type) {
		case KVMMEM_TRACE_CHUNK_EVENTS_T:
			if ((uint64_t)h.count * KT_EVENT_SIZE != h.len)
				return fail(tf, -EBADMSG, "corrupt chunk at offset %"
					    PRIu64 ": %" PRIu32 " events in %" PRIu32
					    " bytes", off, h.count, h.len);
			err = add_events(tf, b + off + KVMMEM_TRACE_CHUNK_HDR, h.count, &cap, off);
			if (err)
				return err;
			events_read += h.count;
			break;
		case KVMMEM_TRACE_CHUNK_STATS:
		case KVMMEM_TRACE_CHUNK_END:
			if (h.len != sizeof(sp) || h.count)
				return fail(tf, -EBADMSG, "corrupt chunk at offset %"
					    PRIu64 ": bad stats length", off);
			memcpy(&sp, b + off + KVMMEM_TRACE_CHUNK_HDR, sizeof(sp));
			if (sp.events != events_read)
				return fail(tf, -EBADMSG, "corrupt chunk at offset %"
					    PRIu64 ": it counts %" PRIu64 " events "
					    "before it, the file has %" PRIu64, off,
					    sp.events, events_read);
			tf->drops = sp.drops;
			if (sp.ts > tf->end_ts)
				tf->end_ts = sp.ts;
			if (h.type == KVMMEM_TRACE_CHUNK_END) {
				if (off + KVMMEM_TRACE_CHUNK_HDR + h.len != len)
					return fail(tf, -EBADMSG, "corrupt file: %" PRIu64
						    " bytes after the end chunk",
						    len - off - KVMMEM_TRACE_CHUNK_HDR - h.len);
				tf->complete = true;
			}
			break;
		case KVMMEM_TRACE_CHUNK_NAME:
			err = add_name(tf, b + off + KVMMEM_TRACE_CHUNK_HDR, h.len, off);
			if (err)
				return err;
			break;
		default:
			/* a chunk type from a newer writer: skip it */
			break;
		}
		off += KVMMEM_TRACE_CHUNK_HDR + h.len;
	}
	tf->good_bytes = len - tf->lost_bytes;
	if (tf->complete)
		return 0;
	if (tf->lost_bytes)
		fail(tf, 0, "the recording was cut short (killed, or the disk "
		     "filled): its last chunk is lost (%" PRIu64 " bytes at "
		     "offset %" PRIu64 "); %zu events before it are intact",
		     tf->lost_bytes, tf->good_bytes, tf->nr_events);
	else
		fail(tf, 0, "the recording has no end marker (the recorder was "
		     "killed): events after its last flush are lost; %zu events "
		     "before it are intact", tf->nr_events);
	return KVMMEM_TRACE_INCOMPLETE;
}

int kvmmem_trace_load(const char *path, struct kvmmem_trace_file *tf)
{
	char *buf;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, err;

	memset(tf, 0, sizeof(*tf));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(tf, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		err = fail(tf, -errno, "%s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return fail(tf, -ENOMEM, "%s: out of memory", path);
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = fail(tf, -errno, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	err = kvmmem_trace_parse(buf, len, tf);
out:
	free(buf);
	close(fd);
	return err;
}

void kvmmem_trace_file_free(struct kvmmem_trace_file *tf)
{
	free(tf->events);
	tf->events = NULL;
	tf->nr_events = 0;
	free(tf->names);
	tf->names = NULL;
	tf->nr_names = 0;
}
