/* SPDX-License-Identifier: GPL-2.0 */
/*
 * httpd.h - a small HTTP/1.x server for the tools' metrics: one thread,
 * poll(), GET and HEAD only, one request per connection.
 *
 * Built to sit in a tool's sampling loop without ever stalling it: every
 * socket is non-blocking, a request is bounded in size and in time from
 * accept to the last byte of the answer, connections are bounded in
 * number (when full, the oldest one still sending its request after
 * KVMMEM_HTTPD_EVICT_MS makes room for a new one), and anything that is
 * not a well-formed request gets a 4xx answer and is closed.
 */
#ifndef KVMMEM_HTTPD_H
#define KVMMEM_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KVMMEM_HTTPD_PORT_DEFAULT	9469
#define KVMMEM_HTTPD_MAX_CONNS		64
#define KVMMEM_HTTPD_MAX_REQUEST	8192	/* bytes of request line + headers */
#define KVMMEM_HTTPD_TIMEOUT_MS		5000	/* accept to the answer's end */
#define KVMMEM_HTTPD_EVICT_MS		500

/* What a handler answers. */
struct kvmmem_http_reply {
	int status;			/* 200, 404 ... */
	const char *content_type;	/* NULL: text/plain */
	char *body;			/* malloc()ed; the server frees it */
	size_t len;
};

/*
 * The handler of a well-formed GET or HEAD: fill @r (status 0 is taken
 * as 500). @path has no query string; @accept is the Accept header's
 * value, NULL without one. Return 0, or -errno for a 500.
 */
typedef int (*kvmmem_httpd_handler)(void *ctx, const char *path,
				    const char *accept,
				    struct kvmmem_http_reply *r);

struct kvmmem_httpd_opts {
	unsigned int max_conns;		/* 0: KVMMEM_HTTPD_MAX_CONNS */
	size_t max_request;		/* 0: KVMMEM_HTTPD_MAX_REQUEST */
	unsigned int timeout_ms;	/* 0: KVMMEM_HTTPD_TIMEOUT_MS */
};

struct kvmmem_httpd;

/**
 * kvmmem_httpd_parse_addr() - "[ADDR:]PORT" as an address and a port
 * @s:    "9469", "127.0.0.1:9469", "0.0.0.0:9469", "[::1]:9469", ":9469"
 *        (no ADDR, or an empty one: 127.0.0.1, loopback only)
 * @addr: receives the address, at least 64 bytes
 * @port: receives the port (0: any free one)
 *
 * Return: 0 or -EINVAL.
 */
int kvmmem_httpd_parse_addr(const char *s, char *addr, size_t len,
			    uint16_t *port);

/**
 * kvmmem_httpd_open() - listen on [ADDR:]PORT
 * @h:       receives the server
 * @listen:  kvmmem_httpd_parse_addr()'s syntax
 * @opts:    limits; NULL: the defaults
 * @handler: answers the requests
 * @ctx:     its first argument
 *
 * Return: 0, or -errno (-EINVAL: a bad @listen; -EADDRINUSE ...).
 */
int kvmmem_httpd_open(struct kvmmem_httpd **h, const char *listen,
		      const struct kvmmem_httpd_opts *opts,
		      kvmmem_httpd_handler handler, void *ctx);

/** kvmmem_httpd_port() - the port it listens on (useful after port 0) */
uint16_t kvmmem_httpd_port(const struct kvmmem_httpd *h);

/**
 * kvmmem_httpd_poll() - serve for at most @timeout_ms
 *
 * One poll() over the listening socket and the connections (returning
 * early when one is ready), then whatever is ready is done: new
 * connections accepted, requests read and answered, answers written,
 * expired connections closed.
 *
 * Return: 0; -EINTR if a signal interrupted poll(); another -errno if
 * poll() failed.
 */
int kvmmem_httpd_poll(struct kvmmem_httpd *h, int timeout_ms);

/** kvmmem_httpd_conns() - connections open now */
unsigned int kvmmem_httpd_conns(const struct kvmmem_httpd *h);

/** kvmmem_httpd_close() - close every socket and free @h (NULL: nothing) */
void kvmmem_httpd_close(struct kvmmem_httpd *h);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_HTTPD_H */
