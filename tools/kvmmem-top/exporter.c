// SPDX-License-Identifier: GPL-2.0
/*
 * exporter.c - kvmmem-top --prometheus / --textfile (exporter.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/cli.h"
#include "exporter.h"
#include "util.h"

struct exporter {
	struct exporter_opts o;
	struct prom_state st;
	struct prom_self self;
	struct kvmmem_httpd *http;
	bool textfile_failed;	/* said once, until it works again */
};

static const char index_page[] =
	"kvmmem-top --prometheus: the metrics are at /metrics\n";

static int serve(void *ctx, const char *path, const char *accept,
		 struct kvmmem_http_reply *r)
{
	struct exporter *e = ctx;
	enum prom_format fmt;
	size_t len = 0;
	FILE *f;

	if (!strcmp(path, "/")) {
		r->status = 200;
		r->body = strdup(index_page);
		r->len = r->body ? strlen(r->body) : 0;
		return r->body ? 0 : -ENOMEM;
	}
	if (strcmp(path, "/metrics")) {
		r->status = 404;
		r->body = strdup("not found: the metrics are at /metrics\n");
		r->len = r->body ? strlen(r->body) : 0;
		return r->body ? 0 : -ENOMEM;
	}
	fmt = prom_format_of(accept);
	e->self.scrapes++;
	f = open_memstream(&r->body, &len);
	if (!f)
		return -errno;
	if (prom_write(f, &e->st, &e->self, fmt)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	r->len = len;
	r->status = 200;
	r->content_type = fmt == PROM_OPENMETRICS ? prom_ctype_openmetrics :
						    prom_ctype_text;
	return 0;
}

int exporter_open(struct exporter **ep, const struct exporter_opts *o,
		  const struct top_desc *d)
{
	struct exporter *e;
	int err;

	*ep = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->o = *o;
	e->self.version = kvmmem_version;
	err = prom_init(&e->st, d, o->top_n, o->host);
	if (err) {
		kvmmem_warn("%s", strerror(-err));
		goto err_close;
	}
	if (o->listen) {
		err = kvmmem_httpd_open(&e->http, o->listen, &o->http, serve, e);
		if (err == -EINVAL) {
			kvmmem_warn("--prometheus '%s': [ADDR:]PORT, e.g. 9469, "
				    "0.0.0.0:9469 or [::1]:9469", o->listen);
			goto err_close;
		}
		if (err) {
			kvmmem_warn("cannot listen on %s: %s%s", o->listen,
				    strerror(-err), err == -EADDRINUSE ?
				    " (another exporter? choose a port with "
				    "--prometheus ADDR:PORT)" : "");
			goto err_close;
		}
	}
	*ep = e;
	return 0;

err_close:
	exporter_close(e);
	return err;
}

uint16_t exporter_port(const struct exporter *e)
{
	return e->http ? kvmmem_httpd_port(e->http) : 0;
}

/* The exposition in PATH, atomically: a temporary file, then rename(). */
static int write_textfile(struct exporter *e)
{
	const char *path = e->o.textfile;
	char *tmp = NULL;
	FILE *f;
	int err = 0;

	/* mode 0644: node_exporter may run as another user */
	f = kvmmem_tmpfile_beside(path, 0644, &tmp);
	if (!f) {
		err = -errno;
		goto out;
	}
	err = prom_write(f, &e->st, &e->self, PROM_TEXT);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
out:
	if (err && !e->textfile_failed)
		kvmmem_warn("cannot write --textfile %s: %s (will try again every "
			    "interval)", path, strerror(-err));
	e->textfile_failed = err != 0;
	free(tmp);
	return err;
}

/* One sample into the series. Return 0, -ENODEV (gone: said) or -errno. */
static int sample(struct exporter *e, struct top_source *src,
		  struct top_sample *prev, struct top_sample *cur, bool first)
{
	struct top_frame f = { 0 };
	char why[256];
	int err;

	err = src->check(src, why, sizeof(why));
	if (err) {
		kvmmem_warn("%s", why);
		return err;
	}
	top_sample_reset(cur);
	err = src->sample(src, cur);
	if (err) {
		kvmmem_warn("reading the BPF maps: %s", strerror(-err));
		return err;
	}
	e->self.have_bpf_run = cur->bpf_stats == TOP_BPF_ON;
	e->self.bpf_run_ns = cur->bpf_run_ns;
	e->self.bpf_runs = cur->bpf_runs;
	/* the first frame has every count since the programs were loaded */
	err = top_frame_build(src->desc, first ? NULL : prev, cur, cur->ts_ns, &f);
	if (!err)
		err = prom_update(&e->st, &f);
	top_frame_free(&f);
	if (err)
		kvmmem_warn("building the metrics: %s", strerror(-err));
	return err;
}

int exporter_run(struct exporter *e, struct top_source *src)
{
	struct top_sample samples[2] = { 0 }, *prev = &samples[0],
			  *cur = &samples[1], *tmp;
	uint64_t t0 = kvmmem_mono_ns(), next = t0, now;
	bool first = true;
	int err = 0, ms;

	e->self.attach = src->attach;
	while (!kvmmem_stop_signal) {
		now = kvmmem_mono_ns();
		if (e->o.duration_ns && now - t0 >= e->o.duration_ns)
			break;
		if (now >= next) {
			err = sample(e, src, prev, cur, first);
			if (err)
				break;
			first = false;
			tmp = prev;
			prev = cur;
			cur = tmp;
			if (e->o.textfile)
				write_textfile(e);
			next += e->o.interval_ns;
			if (next <= now)	/* we fell behind: skip, don't burst */
				next = now + e->o.interval_ns;
			continue;
		}
		ms = (int)((next - now + 999999) / 1000000);
		if (e->o.duration_ns && t0 + e->o.duration_ns < next)
			ms = (int)((t0 + e->o.duration_ns - now + 999999) / 1000000);
		if (e->http)
			err = kvmmem_httpd_poll(e->http, ms);
		else
			err = poll(NULL, 0, ms) < 0 ? -errno : 0;
		if (err == -EINTR)
			err = 0;	/* a signal: the loop checks */
		if (err) {
			kvmmem_warn("poll: %s", strerror(-err));
			break;
		}
	}
	top_sample_free(&samples[0]);
	top_sample_free(&samples[1]);
	return err == -ENODEV ? EXIT_GONE : err ? EXIT_FAIL : 0;
}

void exporter_close(struct exporter *e)
{
	if (!e)
		return;
	kvmmem_httpd_close(e->http);
	prom_free(&e->st);
	free(e);
}
