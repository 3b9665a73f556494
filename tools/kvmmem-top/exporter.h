/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exporter.h - kvmmem-top --prometheus / --textfile: sample a source
 * every interval into prom.h's series and serve them over HTTP, or write
 * them to a file for node_exporter's textfile collector, or both.
 *
 * One thread: the HTTP server is polled between samples and never
 * blocks, so a slow or hostile client delays neither the sampling nor
 * the other clients (common/httpd.h has the limits).
 */
#ifndef KVMMEM_EXPORTER_H
#define KVMMEM_EXPORTER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/httpd.h"
#include "kvmmem-top.h"
#include "prom.h"

struct exporter_opts {
	const char *listen;	/* [ADDR:]PORT; NULL: no HTTP */
	const char *textfile;	/* NULL: none */
	unsigned int top_n;	/* rows with their own series */
	bool host;		/* rows are VMs */
	uint64_t interval_ns;	/* between samples */
	uint64_t duration_ns;	/* stop after; 0: at SIGINT/SIGTERM */
	struct kvmmem_httpd_opts http;	/* limits; zeros: the defaults */
};

struct exporter;

/**
 * exporter_open() - listen (if @o->listen) and prepare the series
 * @d: the description of the source that exporter_run() will sample
 *
 * Opened before the source, so that a port in use is said before BPF is
 * loaded. Return: 0 or -errno, said on stderr.
 */
int exporter_open(struct exporter **e, const struct exporter_opts *o,
		  const struct top_desc *d);

/** exporter_port() - the HTTP port (0: no HTTP) */
uint16_t exporter_port(const struct exporter *e);

/**
 * exporter_run() - sample @src until @o->duration_ns or a stop signal
 *
 * Return: the exit status (0; EXIT_GONE when the source went away;
 * EXIT_FAIL).
 */
int exporter_run(struct exporter *e, struct top_source *src);

/** exporter_close() - close the server, free everything (NULL: nothing) */
void exporter_close(struct exporter *e);

#endif /* KVMMEM_EXPORTER_H */
