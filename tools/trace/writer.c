// SPDX-License-Identifier: GPL-2.0
/*
 * writer.c - writing a kvmmem-trace recording (see writer.h). The format
 * is described in docs/trace-format.md; keep them in step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace/kinds.h"
#include "trace/writer.h"

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Append "key=value\n" to a growing text; on overflow, mark it. */
struct text {
	char buf[KVMMEM_TRACE_MAX_HEADER];
	size_t len;
	bool overflow;
};

__attribute__((format(printf, 2, 3)))
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(t->buf) - t->len)
		t->overflow = true;
	else
		t->len += (size_t)n;
}

static bool text_is_clean(const char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '=' || (unsigned char)*s < 0x20 ||
		    (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int write_chunk(struct kvmmem_trace_writer *w, uint32_t type,
		       const void *payload, uint32_t len, uint32_t count)
{
	struct kvmmem_trace_chunk_hdr h = {
		.magic = KVMMEM_TRACE_CHUNK_MAGIC,
		.type = type,
		.len = len,
		.count = count,
		.payload_crc = kvmmem_crc32(0, payload, len),
	};
	int err;

	h.hdr_crc = kvmmem_crc32(0, &h, offsetof(struct kvmmem_trace_chunk_hdr, hdr_crc));
	err = write_all(w->fd, &h, sizeof(h));
	if (!err)
		err = write_all(w->fd, payload, len);
	if (err)
		return err;
	w->bytes += sizeof(h) + len;
	w->chunks++;
	return 0;
}

int kvmmem_trace_writer_init(struct kvmmem_trace_writer *w, int fd,
			     const struct kvmmem_trace_info *info)
{
	struct text *t;
	uint32_t v, hlen, crc;
	unsigned int k;
	int err;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->buf = calloc(KVMMEM_TRACE_CHUNK_EVENTS, sizeof(*w->buf));
	t = calloc(1, sizeof(*t));
	if (!w->buf || !t) {
		err = -ENOMEM;
		goto out;
	}
	if (!text_is_clean(info->clock) || !text_is_clean(info->boot_id) ||
	    !text_is_clean(info->kernel) || !text_is_clean(info->hostname) ||
	    !text_is_clean(info->tool) || !text_is_clean(info->attach)) {
		err = -EINVAL;
		goto out;
	}

	/* magic, version, header length: filled in below */
	t->len = KVMMEM_TRACE_HDR_FIXED;
	text_add(t, "clock=%s\n", info->clock);
	text_add(t, "start_mono_ns=%" PRIu64 "\n", info->start_mono_ns);
	text_add(t, "start_real_ns=%" PRIu64 "\n", info->start_real_ns);
	text_add(t, "boot_id=%s\n", info->boot_id);
	text_add(t, "kernel=%s\n", info->kernel);
	text_add(t, "hostname=%s\n", info->hostname);
	text_add(t, "tool=%s\n", info->tool);
	text_add(t, "attach=%s\n", info->attach);
	text_add(t, "pid_filter=%" PRIu32 "\n", info->pid_filter);
	text_add(t, "kinds=0x%" PRIx32 "\n", info->kinds);
	text_add(t, "event_size=%u\n", (unsigned int)KT_EVENT_SIZE);
	text_add(t, "nr_kinds=%u\n", (unsigned int)KT_NR_KINDS);
	if (info->stacks)
		text_add(t, "stacks=1\n");
	for (k = 1; k < KT_NR_KINDS; k++)
		text_add(t, "kind.%u=%s %s\n", k, kvmmem_trace_kind_name(k),
			 kvmmem_trace_kind_schema(k));
	if (t->overflow || t->len + 1 + 8 + 4 > sizeof(t->buf)) {
		err = -E2BIG;
		goto out;
	}
	/* NUL, then pad with NULs so that the length with the CRC is 8n */
	t->buf[t->len++] = '\0';
	while ((t->len + 4) % 8)
		t->buf[t->len++] = '\0';
	hlen = (uint32_t)(t->len + 4);
	memcpy(t->buf, KVMMEM_TRACE_MAGIC, 8);	/* with its NUL */
	v = info->stacks ? KVMMEM_TRACE_VERSION_STACKS : KVMMEM_TRACE_VERSION_1;
	memcpy(t->buf + 8, &v, 4);
	memcpy(t->buf + 12, &hlen, 4);
	crc = kvmmem_crc32(0, t->buf, t->len);
	memcpy(t->buf + t->len, &crc, 4);
	err = write_all(fd, t->buf, hlen);
	if (!err)
		w->bytes = hlen;
out:
	free(t);
	if (err) {
		free(w->buf);
		w->buf = NULL;
	}
	return err;
}

int kvmmem_trace_writer_flush(struct kvmmem_trace_writer *w)
{
	int err;

	if (!w->n)
		return 0;
	err = write_chunk(w, KVMMEM_TRACE_CHUNK_EVENTS_T, w->buf,
			  (uint32_t)(w->n * sizeof(*w->buf)), (uint32_t)w->n);
	if (!err)
		w->n = 0;
	return err;
}

int kvmmem_trace_writer_add(struct kvmmem_trace_writer *w,
			    const struct kt_event *e)
{
	int err;

	if (w->n == KVMMEM_TRACE_CHUNK_EVENTS) {
		err = kvmmem_trace_writer_flush(w);
		if (err)
			return err;
	}
	w->buf[w->n++] = *e;
	w->events++;
	return 0;
}

static int write_stats(struct kvmmem_trace_writer *w, uint32_t type,
		       uint64_t ts, uint64_t drops)
{
	struct kvmmem_trace_stats_payload p = { .ts = ts, .events = w->events, .drops = drops };
	int err;

	err = kvmmem_trace_writer_flush(w);
	return err ? err : write_chunk(w, type, &p, sizeof(p), 0);
}

int kvmmem_trace_writer_stats(struct kvmmem_trace_writer *w, uint64_t ts,
			      uint64_t drops)
{
	return write_stats(w, KVMMEM_TRACE_CHUNK_STATS, ts, drops);
}

int kvmmem_trace_writer_finish(struct kvmmem_trace_writer *w, uint64_t ts,
			       uint64_t drops)
{
	return write_stats(w, KVMMEM_TRACE_CHUNK_END, ts, drops);
}

int kvmmem_trace_writer_cost(struct kvmmem_trace_writer *w, uint64_t run_ns,
			     uint64_t runs)
{
	struct kvmmem_trace_cost_payload p = { .run_ns = run_ns, .runs = runs };
	int err;

	err = kvmmem_trace_writer_flush(w);
	p.events = w->events;
	return err ? err : write_chunk(w, KVMMEM_TRACE_CHUNK_COST, &p, sizeof(p), 0);
}

int kvmmem_trace_writer_name(struct kvmmem_trace_writer *w, uint32_t pid,
			     const char *name)
{
	struct kvmmem_trace_name_payload p = { .pid = pid };
	int err;

	snprintf(p.name, sizeof(p.name), "%s", name);
	err = kvmmem_trace_writer_flush(w);
	return err ? err : write_chunk(w, KVMMEM_TRACE_CHUNK_NAME, &p, sizeof(p), 0);
}

int kvmmem_trace_writer_maps(struct kvmmem_trace_writer *w, uint32_t pid,
			     uint64_t ts, const char *text, size_t len)
{
	struct kvmmem_trace_maps_hdr h = { .pid = pid, .ts = ts };
	unsigned char *p;
	int err;

	if (len > KVMMEM_TRACE_MAX_CHUNK - sizeof(h))
		return -E2BIG;
	p = malloc(sizeof(h) + len);
	if (!p)
		return -ENOMEM;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), text, len);
	err = kvmmem_trace_writer_flush(w);
	if (!err)
		err = write_chunk(w, KVMMEM_TRACE_CHUNK_MAPS, p,
				  (uint32_t)(sizeof(h) + len), 0);
	free(p);
	return err;
}

int kvmmem_trace_writer_stack(struct kvmmem_trace_writer *w, uint32_t stack,
			      uint32_t pid, const uint64_t *user,
			      size_t nr_user, const uint64_t *kernel,
			      size_t nr_kernel)
{
	struct kvmmem_trace_stack_hdr h = {
		.stack = stack, .pid = pid,
		.nr_user = (uint16_t)nr_user, .nr_kernel = (uint16_t)nr_kernel,
	};
	unsigned char p[sizeof(h) + 2 * KT_STACK_DEPTH * sizeof(uint64_t)];
	size_t len = sizeof(h) + (nr_user + nr_kernel) * sizeof(uint64_t);
	int err;

	if (!stack || nr_user > KT_STACK_DEPTH || nr_kernel > KT_STACK_DEPTH)
		return -EINVAL;
	memcpy(p, &h, sizeof(h));
	if (nr_user)
		memcpy(p + sizeof(h), user, nr_user * sizeof(uint64_t));
	if (nr_kernel)
		memcpy(p + sizeof(h) + nr_user * sizeof(uint64_t), kernel,
		       nr_kernel * sizeof(uint64_t));
	err = kvmmem_trace_writer_flush(w);
	return err ? err : write_chunk(w, KVMMEM_TRACE_CHUNK_STACK, p,
				       (uint32_t)len, 0);
}

int kvmmem_trace_writer_stack_refs(struct kvmmem_trace_writer *w,
				   const struct kvmmem_trace_stack_ref *refs,
				   size_t n)
{
	int err;

	if (!n)
		return 0;
	if (n > KVMMEM_TRACE_CHUNK_REFS)
		return -EINVAL;
	err = kvmmem_trace_writer_flush(w);
	return err ? err : write_chunk(w, KVMMEM_TRACE_CHUNK_STACK_REFS, refs,
				       (uint32_t)(n * sizeof(*refs)),
				       (uint32_t)n);
}

int kvmmem_trace_writer_stack_lost(struct kvmmem_trace_writer *w,
				   const struct kvmmem_trace_stack_lost_payload *p)
{
	int err = kvmmem_trace_writer_flush(w);

	return err ? err : write_chunk(w, KVMMEM_TRACE_CHUNK_STACK_LOST, p,
				       sizeof(*p), 0);
}

void kvmmem_trace_writer_free(struct kvmmem_trace_writer *w)
{
	free(w->buf);
	w->buf = NULL;
	w->n = 0;
}

