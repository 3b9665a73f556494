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

#include "common/array.h"
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
		} else if (!strcmp(line, "stacks")) {
			if (parse_u64_field(eq, 1, &x))
				goto bad_value;
			info->stacks = (uint32_t)x;
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
	if (kvmmem_grow(&tf->names, &tf->cap_names, tf->nr_names + 1,
			sizeof(*n)))
		return fail(tf, -ENOMEM, "out of memory");
	n = &tf->names[tf->nr_names++];
	n->pid = np.pid;
	memcpy(n->name, np.name, sizeof(n->name));
	return 0;
}

/* ----------------------------------------------------------- stacks */

static int add_procmaps(struct kvmmem_trace_file *tf, const unsigned char *p,
			uint32_t len, uint64_t off)
{
	struct kvmmem_trace_procmaps *m;
	struct kvmmem_trace_maps_hdr h;
	size_t n;

	if (len < sizeof(h))
		return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
			    ": bad maps length", off);
	memcpy(&h, p, sizeof(h));
	n = len - sizeof(h);
	if (!h.pid || memchr(p + sizeof(h), '\0', n))
		return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
			    ": bad maps chunk (pid 0, or a NUL in its text)", off);
	if (kvmmem_grow(&tf->procmaps, &tf->cap_procmaps, tf->nr_procmaps + 1,
			sizeof(*m)))
		return fail(tf, -ENOMEM, "out of memory");
	m = &tf->procmaps[tf->nr_procmaps];
	m->text = malloc(n + 1);
	if (!m->text)
		return fail(tf, -ENOMEM, "out of memory");
	memcpy(m->text, p + sizeof(h), n);
	m->text[n] = '\0';
	m->len = n;
	m->pid = h.pid;
	m->ts = h.ts;
	tf->nr_procmaps++;
	return 0;
}

static int add_stack(struct kvmmem_trace_file *tf, const unsigned char *p,
		     uint32_t len, uint64_t off)
{
	struct kvmmem_trace_stack_hdr h;
	struct kvmmem_trace_stack *st;
	size_t i, n;

	if (len < sizeof(h))
		return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
			    ": bad stack length", off);
	memcpy(&h, p, sizeof(h));
	n = (size_t)h.nr_user + h.nr_kernel;
	if (h.nr_user > KT_STACK_DEPTH || h.nr_kernel > KT_STACK_DEPTH ||
	    len != sizeof(h) + n * sizeof(uint64_t))
		return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
			    ": bad stack length (%u + %u frames in %" PRIu32
			    " bytes)", off, h.nr_user, h.nr_kernel, len);
	if (!h.stack || (tf->nr_stacks && h.stack <= tf->stacks[tf->nr_stacks - 1].id))
		return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
			    ": stack id %" PRIu32 " is not above the last one",
			    off, h.stack);
	if (kvmmem_grow(&tf->stacks, &tf->cap_stacks, tf->nr_stacks + 1,
			sizeof(*st)))
		return fail(tf, -ENOMEM, "out of memory");
	st = &tf->stacks[tf->nr_stacks];
	st->ips = malloc(n ? n * sizeof(uint64_t) : 1);
	if (!st->ips)
		return fail(tf, -ENOMEM, "out of memory");
	if (n)
		memcpy(st->ips, p + sizeof(h), n * sizeof(uint64_t));
	st->id = h.stack;
	st->pid = h.pid;
	st->nr_user = h.nr_user;
	st->nr_kernel = h.nr_kernel;
	st->maps = SIZE_MAX;
	for (i = tf->nr_procmaps; i-- > 0;)
		if (tf->procmaps[i].pid == h.pid) {
			st->maps = i;
			break;
		}
	tf->nr_stacks++;
	return 0;
}

static int add_refs(struct kvmmem_trace_file *tf, const unsigned char *p,
		    const struct kvmmem_trace_chunk_hdr *h, uint64_t off)
{
	struct kvmmem_trace_stack_ref *r;
	uint32_t i;

	if (!h->count || (uint64_t)h->count * sizeof(*r) != h->len)
		return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
			    ": %" PRIu32 " stack references in %" PRIu32
			    " bytes", off, h->count, h->len);
	if (kvmmem_grow(&tf->refs, &tf->cap_refs, tf->nr_refs + h->count,
			sizeof(*r)))
		return fail(tf, -ENOMEM, "out of memory");
	r = &tf->refs[tf->nr_refs];
	memcpy(r, p, h->len);
	for (i = 0; i < h->count; i++)
		if (r[i].why < KVMMEM_TRACE_STACK_LEAKED ||
		    r[i].why > KVMMEM_TRACE_STACK_LIVE)
			return fail(tf, -EBADMSG, "corrupt chunk at offset %"
				    PRIu64 ": stack reference %" PRIu32
				    " has unknown reason %" PRIu32, off, i,
				    r[i].why);
	tf->nr_refs += h->count;
	return 0;
}

const struct kvmmem_trace_stack *
kvmmem_trace_file_stack(const struct kvmmem_trace_file *tf, uint32_t id)
{
	size_t lo = 0, hi = tf->nr_stacks, mid;

	/* ascending ids */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (tf->stacks[mid].id == id)
			return &tf->stacks[mid];
		if (tf->stacks[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ------------------------------------------------------------ input */

/*
 * Where the bytes come from: a file descriptor read into a buffer that
 * holds at most one chunk (and what was read ahead), or memory.
 */
struct input {
	int fd;				/* -1: memory */
	const unsigned char *p;		/* the bytes from file offset off */
	size_t n;			/* how many are there */
	uint64_t off;			/* file offset of p[0] */
	unsigned char *buf;		/* fd: the buffer p points into */
	size_t cap;
	bool eof;
};

#define READ_SIZE	(64 * 1024)

/* Make at least @want bytes available at in->p; fewer only at the end. */
static int need(struct input *in, size_t want)
{
	size_t room;
	ssize_t r;

	while (in->n < want && !in->eof) {
		if (in->fd < 0) {
			in->eof = true;
			break;
		}
		if (in->p != in->buf) {
			memmove(in->buf, in->p, in->n);
			in->p = in->buf;
		}
		if (in->cap < want + READ_SIZE) {
			unsigned char *nb = realloc(in->buf, want + READ_SIZE);

			if (!nb)
				return -ENOMEM;
			in->buf = nb;
			in->p = nb;
			in->cap = want + READ_SIZE;
		}
		room = in->cap - in->n;
		r = read(in->fd, in->buf + in->n, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			in->eof = true;
		in->n += (size_t)r;
	}
	return 0;
}

/* Drop @len available bytes. */
static void skip(struct input *in, size_t len)
{
	in->p += len;
	in->n -= len;
	in->off += len;
}

/* ----------------------------------------------------------- chunks */

struct reader {
	struct input in;
	struct kvmmem_trace_file *tf;
	kvmmem_trace_events_cb cb;
	void *ctx;
	struct kt_event *ev;		/* one chunk's events, aligned */
	size_t ev_cap;
	uint64_t events_read;		/* events of the chunks read */
	bool end_seen;
};

static int add_damage(struct reader *r, uint64_t off, uint64_t len,
		      const char *what)
{
	struct kvmmem_trace_file *tf = r->tf;

	if (kvmmem_grow(&tf->damage, &tf->cap_damage, tf->nr_damage + 1,
			sizeof(*tf->damage)))
		return fail(tf, -ENOMEM, "out of memory");
	tf->damage[tf->nr_damage++] =
		(struct kvmmem_trace_damage){ off, len, what };
	tf->damaged_bytes += len;
	return 0;
}

/* Is there a valid chunk header at in->p (KVMMEM_TRACE_CHUNK_HDR bytes)? */
static bool good_header(const unsigned char *p, struct kvmmem_trace_chunk_hdr *h)
{
	memcpy(h, p, sizeof(*h));
	return h->magic == KVMMEM_TRACE_CHUNK_MAGIC &&
	       crc_ok(h->hdr_crc, kvmmem_crc32(0, h, offsetof(struct kvmmem_trace_chunk_hdr,
							     hdr_crc)));
}

/* A chunk header the reader can trust: magic, CRC, a length in bounds. */
static bool usable_header(const unsigned char *p, struct kvmmem_trace_chunk_hdr *h)
{
	return good_header(p, h) && h->len <= KVMMEM_TRACE_MAX_CHUNK;
}

/*
 * The chunk header at in->p is bad: skip to the next usable one. Return 1
 * if one was found (in->p is on it): the bytes skipped are damage. At
 * the end of the input without one, return 0 if what was skipped is all
 * zeros (a crash's zero-filled tail: lost, as a cut file's last chunk),
 * else -EBADMSG: that is no recording's tail. Or a negative error.
 */
static int resync(struct reader *r, const char *what)
{
	struct input *in = &r->in;
	struct kvmmem_trace_chunk_hdr h;
	uint64_t start = in->off;
	bool zeros = true;
	size_t i;
	int err;

	do {
		zeros &= !in->p[0];
		skip(in, 1);
		err = need(in, KVMMEM_TRACE_CHUNK_HDR);
		if (err)
			return fail(r->tf, err, "reading the recording: %s",
				    strerror(-err));
		if (in->n < KVMMEM_TRACE_CHUNK_HDR) {
			for (i = 0; i < in->n; i++)
				zeros &= !in->p[i];
			skip(in, in->n);
			if (!zeros)
				return fail(r->tf, -EBADMSG, "corrupt chunk header "
					    "at offset %" PRIu64 " (bad magic or "
					    "CRC)", start);
			r->tf->lost_bytes = in->off - start;
			return 0;
		}
	} while (!usable_header(in->p, &h));
	err = add_damage(r, start, in->off - start, what);
	return err ? err : 1;
}

static int add_events(struct reader *r, const unsigned char *p,
		      uint32_t count, uint64_t off)
{
	struct kvmmem_trace_file *tf = r->tf;
	struct kt_event *ev;
	uint32_t i;
	int err;

	if (!count)
		return 0;
	if (count > r->ev_cap) {
		ev = realloc(r->ev, (size_t)count * sizeof(*ev));
		if (!ev)
			return fail(tf, -ENOMEM, "out of memory");
		r->ev = ev;
		r->ev_cap = count;
	}
	ev = r->ev;
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
	if (r->cb) {
		err = r->cb(r->ctx, ev, count);
		if (err)
			return fail(tf, err < 0 ? err : -ECANCELED, "the events "
				    "of the chunk at offset %" PRIu64 ": %s", off,
				    strerror(err < 0 ? -err : ECANCELED));
	}
	return 0;
}

/* One chunk whose header @h is valid and whose payload is at @p. */
static int read_chunk(struct reader *r, const struct kvmmem_trace_chunk_hdr *h,
		      const unsigned char *p, uint64_t off)
{
	struct kvmmem_trace_file *tf = r->tf;
	struct kvmmem_trace_stats_payload sp;
	int err;

	switch (h->type) {
	case KVMMEM_TRACE_CHUNK_EVENTS_T:
		if ((uint64_t)h->count * KT_EVENT_SIZE != h->len)
			return fail(tf, -EBADMSG, "corrupt chunk at offset %"
				    PRIu64 ": %" PRIu32 " events in %" PRIu32
				    " bytes", off, h->count, h->len);
		err = add_events(r, p, h->count, off);
		if (err)
			return err;
		r->events_read += h->count;
		break;
	case KVMMEM_TRACE_CHUNK_STATS:
	case KVMMEM_TRACE_CHUNK_END:
		if (h->len != sizeof(sp) || h->count)
			return fail(tf, -EBADMSG, "corrupt chunk at offset %"
				    PRIu64 ": bad stats length", off);
		memcpy(&sp, p, sizeof(sp));
		/* after damage, the events it counts include the lost ones */
		if (sp.events != r->events_read &&
		    (!tf->nr_damage || sp.events < r->events_read))
			return fail(tf, -EBADMSG, "corrupt chunk at offset %"
				    PRIu64 ": it counts %" PRIu64 " events "
				    "before it, the file has %" PRIu64, off,
				    sp.events, r->events_read);
		tf->lost_events += sp.events - r->events_read;
		r->events_read = sp.events;
		tf->drops = sp.drops;
		if (sp.ts > tf->end_ts)
			tf->end_ts = sp.ts;
		if (h->type == KVMMEM_TRACE_CHUNK_END)
			r->end_seen = true;
		break;
	case KVMMEM_TRACE_CHUNK_NAME:
		return add_name(tf, p, h->len, off);
	case KVMMEM_TRACE_CHUNK_COST:
		if (h->len != sizeof(tf->cost) || h->count)
			return fail(tf, -EBADMSG, "corrupt chunk at offset %"
				    PRIu64 ": bad cost length", off);
		memcpy(&tf->cost, p, sizeof(tf->cost));
		break;
	case KVMMEM_TRACE_CHUNK_MAPS:
		if (h->count)
			return fail(tf, -EBADMSG, "corrupt chunk at offset %"
				    PRIu64 ": bad maps chunk", off);
		return add_procmaps(tf, p, h->len, off);
	case KVMMEM_TRACE_CHUNK_STACK:
		if (h->count)
			return fail(tf, -EBADMSG, "corrupt chunk at offset %"
				    PRIu64 ": bad stack chunk", off);
		return add_stack(tf, p, h->len, off);
	case KVMMEM_TRACE_CHUNK_STACK_REFS:
		return add_refs(tf, p, h, off);
	case KVMMEM_TRACE_CHUNK_STACK_LOST:
		if (h->len != sizeof(tf->stack_lost) || h->count)
			return fail(tf, -EBADMSG, "corrupt chunk at offset %"
				    PRIu64 ": bad stack lost length", off);
		memcpy(&tf->stack_lost, p, sizeof(tf->stack_lost));
		break;
	default:
		/* a chunk type from a newer writer: skip it */
		break;
	}
	return 0;
}

/* The header: magic, version, length, CRC, then its key=value text. */
static int read_header(struct reader *r)
{
	struct kvmmem_trace_file *tf = r->tf;
	struct input *in = &r->in;
	uint32_t version, hlen, crc;
	char *text;
	int err;

	err = need(in, KVMMEM_TRACE_HDR_FIXED);
	if (err)
		return fail(tf, err, "reading the recording: %s", strerror(-err));
	if (!in->n)
		return fail(tf, -EBADMSG, "empty file: not even a header was "
			    "written (recorder killed at once, or disk full)");
	if (in->n < 8 || memcmp(in->p, KVMMEM_TRACE_MAGIC, 8)) {
		if (in->n < 8 && !memcmp(in->p, KVMMEM_TRACE_MAGIC, in->n))
			return fail(tf, -EBADMSG, "truncated header: the file has "
				    "only %zu bytes", in->n);
		return fail(tf, -EINVAL, "not a kvmmem-trace recording "
			    "(no \"KVMMTRC\" magic at the start)");
	}
	if (in->n < KVMMEM_TRACE_HDR_FIXED)
		return fail(tf, -EBADMSG, "truncated header: the file has only %zu bytes",
			    in->n);
	memcpy(&version, in->p + 8, 4);
	memcpy(&hlen, in->p + 12, 4);
	if (version < KVMMEM_TRACE_VERSION_1 || version > KVMMEM_TRACE_VERSION_MAX)
		return fail(tf, -EPROTONOSUPPORT, "format version %" PRIu32
			    ", this reader reads versions %d and %d: use the "
			    "kvmmem-trace that recorded it", version,
			    KVMMEM_TRACE_VERSION_1, KVMMEM_TRACE_VERSION_STACKS);
	if (hlen < KVMMEM_TRACE_HDR_FIXED + 8 || hlen > KVMMEM_TRACE_MAX_HEADER ||
	    hlen % 8)
		return fail(tf, -EBADMSG, "corrupt header: length %" PRIu32, hlen);
	err = need(in, hlen);
	if (err)
		return fail(tf, err, "reading the recording: %s", strerror(-err));
	if (hlen > in->n)
		return fail(tf, -EBADMSG, "truncated header: %" PRIu32 " bytes, "
			    "the file has %zu", hlen, in->n);
	memcpy(&crc, in->p + hlen - 4, 4);
	if (!crc_ok(crc, kvmmem_crc32(0, in->p, hlen - 4)))
		return fail(tf, -EBADMSG, "corrupt header: CRC mismatch");
	if (in->p[hlen - 5] != '\0')
		return fail(tf, -EBADMSG, "corrupt header: text not terminated");
	text = strndup((const char *)in->p + KVMMEM_TRACE_HDR_FIXED,
		       hlen - 4 - KVMMEM_TRACE_HDR_FIXED);
	if (!text)
		return fail(tf, -ENOMEM, "out of memory");
	err = parse_header_text(tf, text);
	free(text);
	if (err)
		return err;
	tf->info.version = version;
	tf->end_ts = tf->info.start_mono_ns;
	skip(in, hlen);
	return 0;
}

__attribute__((format(printf, 2, 3)))
static void msg_add(struct kvmmem_trace_file *tf, const char *fmt, ...)
{
	size_t len = strlen(tf->msg);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tf->msg + len, sizeof(tf->msg) - len, fmt, ap);
	va_end(ap);
}

/* What is lost, in tf->msg; the return value of a good read. */
static int summary(struct reader *r)
{
	struct kvmmem_trace_file *tf = r->tf;
	const struct kvmmem_trace_damage *d = tf->damage;

	tf->good_bytes = r->in.off - tf->lost_bytes - tf->damaged_bytes;
	tf->complete = r->end_seen && !tf->nr_damage;
	if (tf->complete)
		return 0;
	tf->msg[0] = '\0';
	if (tf->nr_damage) {
		msg_add(tf, "damaged data: %" PRIu64 " bytes at offset %" PRIu64
			" (%s) skipped", d[0].len, d[0].off, d[0].what);
		if (tf->nr_damage > 1)
			msg_add(tf, ", and %zu more damaged regions (%" PRIu64
				" bytes in all)", tf->nr_damage - 1,
				tf->damaged_bytes);
		if (tf->lost_events)
			msg_add(tf, "; %" PRIu64 " events lost there",
				tf->lost_events);
		msg_add(tf, "; ");
	}
	if (tf->lost_bytes)
		msg_add(tf, "the recording was cut short (killed, or the disk "
			"filled): its last chunk is lost (%" PRIu64 " bytes at "
			"offset %" PRIu64 "); ", tf->lost_bytes,
			r->in.off - tf->lost_bytes);
	else if (!r->end_seen)
		msg_add(tf, "the recording has no end marker (the recorder was "
			"killed): events after its last flush are lost; ");
	msg_add(tf, "%zu events %s intact", tf->nr_events,
		tf->nr_damage ? "in the other chunks are" : "before it are");
	return KVMMEM_TRACE_INCOMPLETE;
}

static int read_all(struct reader *r)
{
	struct kvmmem_trace_file *tf = r->tf;
	struct input *in = &r->in;
	struct kvmmem_trace_chunk_hdr h;
	uint64_t off;
	int err;

	err = read_header(r);
	if (err)
		return err;
	for (;;) {
		err = need(in, KVMMEM_TRACE_CHUNK_HDR);
		if (err)
			return fail(tf, err, "reading the recording: %s",
				    strerror(-err));
		if (!in->n)
			break;
		off = in->off;
		if (r->end_seen)
			return fail(tf, -EBADMSG, "corrupt file: bytes after the "
				    "end chunk (at offset %" PRIu64 ")", off);
		if (in->n < KVMMEM_TRACE_CHUNK_HDR) {
			tf->lost_bytes = in->n;
			skip(in, in->n);
			break;
		}
		if (!good_header(in->p, &h)) {
			err = resync(r, "bad chunk header");
			if (err < 0)
				return err;
			if (!err)
				break;
			continue;
		}
		if (h.len > KVMMEM_TRACE_MAX_CHUNK)
			return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
				    ": length %" PRIu32 " is over the limit", off, h.len);
		err = need(in, KVMMEM_TRACE_CHUNK_HDR + (size_t)h.len);
		if (err)
			return fail(tf, err, "reading the recording: %s",
				    strerror(-err));
		if (in->n < KVMMEM_TRACE_CHUNK_HDR + (size_t)h.len) {
			tf->lost_bytes = in->n;
			skip(in, in->n);
			break;
		}
		if (!crc_ok(h.payload_crc, kvmmem_crc32(0, in->p + KVMMEM_TRACE_CHUNK_HDR,
							h.len))) {
			/* the header is good: so is the length, skip just this */
			skip(in, KVMMEM_TRACE_CHUNK_HDR + (size_t)h.len);
			err = add_damage(r, off, KVMMEM_TRACE_CHUNK_HDR + (uint64_t)h.len,
					 "payload CRC mismatch");
			if (err)
				return err;
			continue;
		}
		err = read_chunk(r, &h, in->p + KVMMEM_TRACE_CHUNK_HDR, off);
		if (err)
			return err;
		skip(in, KVMMEM_TRACE_CHUNK_HDR + (size_t)h.len);
	}
	return summary(r);
}

static int read_input(struct input *in, kvmmem_trace_events_cb cb, void *ctx,
		      struct kvmmem_trace_file *tf)
{
	struct reader r = { .in = *in, .tf = tf, .cb = cb, .ctx = ctx };
	int err;

	err = read_all(&r);
	free(r.in.buf);
	free(r.ev);
	return err;
}

int kvmmem_trace_read_fd(int fd, kvmmem_trace_events_cb cb, void *ctx,
			 struct kvmmem_trace_file *tf)
{
	struct input in = { .fd = fd };

	memset(tf, 0, sizeof(*tf));
	return read_input(&in, cb, ctx, tf);
}

int kvmmem_trace_stream(const char *path, kvmmem_trace_events_cb cb,
			void *ctx, struct kvmmem_trace_file *tf)
{
	int fd, err;

	memset(tf, 0, sizeof(*tf));
	if (!strcmp(path, "-"))
		return kvmmem_trace_read_fd(STDIN_FILENO, cb, ctx, tf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(tf, -errno, "%s: %s", path, strerror(errno));
	err = kvmmem_trace_read_fd(fd, cb, ctx, tf);
	close(fd);
	return err;
}

/* Keep every event in tf->events (the file the callback is given). */
struct keep {
	struct kvmmem_trace_file *tf;
	struct kt_event *events;
	size_t n, cap;
};

static int keep_events(void *ctx, const struct kt_event *ev, size_t n)
{
	struct keep *k = ctx;
	if (kvmmem_grow(&k->events, &k->cap, k->n + n, sizeof(*k->events)))
		return fail(k->tf, -ENOMEM, "out of memory");
	memcpy(k->events + k->n, ev, n * sizeof(*ev));
	k->n += n;
	return 0;
}

static int kept(struct keep *k, int err)
{
	k->tf->events = k->events;
	return err;
}

int kvmmem_trace_parse(const void *buf, size_t len, struct kvmmem_trace_file *tf)
{
	struct keep k = { .tf = tf };
	struct input in = { .fd = -1, .p = buf, .n = len };

	memset(tf, 0, sizeof(*tf));
	return kept(&k, read_input(&in, keep_events, &k, tf));
}

int kvmmem_trace_load(const char *path, struct kvmmem_trace_file *tf)
{
	struct keep k = { .tf = tf };
	int err = kvmmem_trace_stream(path, keep_events, &k, tf);

	return kept(&k, err);
}

void kvmmem_trace_file_free(struct kvmmem_trace_file *tf)
{
	size_t i;

	free(tf->events);
	tf->events = NULL;
	tf->nr_events = 0;
	free(tf->names);
	tf->names = NULL;
	tf->nr_names = 0;
	tf->cap_names = 0;
	free(tf->damage);
	tf->damage = NULL;
	tf->nr_damage = 0;
	tf->cap_damage = 0;
	for (i = 0; i < tf->nr_procmaps; i++)
		free(tf->procmaps[i].text);
	free(tf->procmaps);
	tf->procmaps = NULL;
	tf->nr_procmaps = 0;
	tf->cap_procmaps = 0;
	for (i = 0; i < tf->nr_stacks; i++)
		free(tf->stacks[i].ips);
	free(tf->stacks);
	tf->stacks = NULL;
	tf->nr_stacks = 0;
	tf->cap_stacks = 0;
	free(tf->refs);
	tf->refs = NULL;
	tf->nr_refs = 0;
	tf->cap_refs = 0;
}
