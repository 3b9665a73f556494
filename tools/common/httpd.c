// SPDX-License-Identifier: GPL-2.0
/*
 * httpd.c - a small poll()-based HTTP/1.x server for metrics (httpd.h).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd.h"
#include "util.h"

struct conn {
	int fd;			/* -1: a free slot */
	uint64_t start_ns;	/* accepted */
	char *in;		/* the request so far, NUL-terminated */
	size_t in_len;
	char *out;		/* the answer; NULL while reading */
	size_t out_len, out_off;
};

struct kvmmem_httpd {
	int fd;				/* listening */
	uint16_t port;
	struct kvmmem_httpd_opts o;
	kvmmem_httpd_handler handler;
	void *ctx;
	struct conn *conns;		/* o.max_conns slots */
	struct pollfd *pfd;		/* o.max_conns + 1 */
	unsigned int nr_conns;
};

int kvmmem_httpd_parse_addr(const char *s, char *addr, size_t len,
			    uint16_t *port)
{
	const char *colon, *p;
	uint64_t v;

	if (!s || len < 64)
		return -EINVAL;
	if (s[0] == '[') {		/* [IPv6]:PORT */
		p = strchr(s, ']');
		if (!p || p[1] != ':' || (size_t)(p - s - 1) >= len)
			return -EINVAL;
		snprintf(addr, len, "%.*s", (int)(p - s - 1), s + 1);
		p += 2;
	} else if ((colon = strrchr(s, ':'))) {
		if ((size_t)(colon - s) >= len || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;	/* a bare IPv6 address needs [] */
		snprintf(addr, len, "%.*s", (int)(colon - s), s);
		p = colon + 1;
	} else {
		addr[0] = '\0';
		p = s;
	}
	if (!addr[0])
		snprintf(addr, len, "127.0.0.1");
	if (!*p || *p == '+' || *p == '-' || kvmmem_parse_u64(p, &v) ||
	    v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int kvmmem_httpd_open(struct kvmmem_httpd **hp, const char *listen_at,
		      const struct kvmmem_httpd_opts *opts,
		      kvmmem_httpd_handler handler, void *ctx)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	struct kvmmem_httpd *h;
	char addr[64];
	uint16_t port;
	unsigned int i;
	int err, one = 1;

	*hp = NULL;
	err = kvmmem_httpd_parse_addr(listen_at, addr, sizeof(addr), &port);
	if (err)
		return err;
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		sl = sizeof(*in4);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		sl = sizeof(*in6);
	} else {
		return -EINVAL;
	}

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = -1;
	if (opts)
		h->o = *opts;
	if (!h->o.max_conns)
		h->o.max_conns = KVMMEM_HTTPD_MAX_CONNS;
	if (!h->o.max_request)
		h->o.max_request = KVMMEM_HTTPD_MAX_REQUEST;
	if (!h->o.timeout_ms)
		h->o.timeout_ms = KVMMEM_HTTPD_TIMEOUT_MS;
	h->handler = handler;
	h->ctx = ctx;
	h->conns = calloc(h->o.max_conns, sizeof(*h->conns));
	h->pfd = calloc(h->o.max_conns + 1, sizeof(*h->pfd));
	if (!h->conns || !h->pfd) {
		err = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < h->o.max_conns; i++)
		h->conns[i].fd = -1;

	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->fd < 0) {
		err = -errno;
		goto err_free;
	}
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(h->fd, (struct sockaddr *)&ss, sl) || listen(h->fd, 128)) {
		err = -errno;
		goto err_free;
	}
	sl = sizeof(ss);
	if (getsockname(h->fd, (struct sockaddr *)&ss, &sl)) {
		err = -errno;
		goto err_free;
	}
	h->port = ntohs(ss.ss_family == AF_INET ? in4->sin_port : in6->sin6_port);
	*hp = h;
	return 0;

err_free:
	kvmmem_httpd_close(h);
	return err;
}

uint16_t kvmmem_httpd_port(const struct kvmmem_httpd *h)
{
	return h->port;
}

unsigned int kvmmem_httpd_conns(const struct kvmmem_httpd *h)
{
	return h->nr_conns;
}

static void conn_close(struct kvmmem_httpd *h, struct conn *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	h->nr_conns--;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

/* Make @c's answer; it owns @body. */
static void answer(struct conn *c, int status, const char *ctype, char *body,
		   size_t len, bool head)
{
	char hdr[256];
	int n;

	n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n", status,
		     reason(status), ctype ? ctype : "text/plain; charset=utf-8",
		     len);
	if (n < 0 || (size_t)n >= sizeof(hdr))
		n = 0;
	if (head)
		len = 0;
	c->out = malloc((size_t)n + len + 1);
	if (!c->out) {
		c->out_len = 0;
	} else {
		memcpy(c->out, hdr, (size_t)n);
		if (len)
			memcpy(c->out + n, body, len);
		c->out_len = (size_t)n + len;
	}
	c->out_off = 0;
	free(body);
}

static void answer_text(struct conn *c, int status, const char *text)
{
	char *body = strdup(text);

	answer(c, status, NULL, body, body ? strlen(body) : 0, false);
}

/* Is the request complete (its blank line arrived)? */
static bool request_done(const struct conn *c)
{
	return strstr(c->in, "\r\n\r\n") || strstr(c->in, "\n\n");
}

/* The value of header @name in @hdrs (lines after the request line). */
static char *header(char *hdrs, const char *name)
{
	size_t n = strlen(name);
	char *line, *save = NULL, *v;

	for (line = strtok_r(hdrs, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (strncasecmp(line, name, n) || line[n] != ':')
			continue;
		for (v = line + n + 1; *v == ' ' || *v == '\t'; v++)
			;
		return v;
	}
	return NULL;
}

static void handle(struct kvmmem_httpd *h, struct conn *c)
{
	struct kvmmem_http_reply r = { 0 };
	char *method, *path, *version, *rest, *q, *accept;
	bool head;

	rest = strpbrk(c->in, "\r\n");
	*rest++ = '\0';		/* request_done(): there is a line end */
	method = strtok_r(c->in, " ", &q);
	path = method ? strtok_r(NULL, " ", &q) : NULL;
	version = path ? strtok_r(NULL, " ", &q) : NULL;
	if (!version || strtok_r(NULL, " ", &q) || path[0] != '/' ||
	    strncmp(version, "HTTP/", 5)) {
		answer_text(c, 400, "bad request: expected GET /metrics HTTP/1.1\n");
		return;
	}
	if (strcmp(version, "HTTP/1.0") && strcmp(version, "HTTP/1.1")) {
		answer_text(c, 505, "HTTP/1.0 or HTTP/1.1 only\n");
		return;
	}
	head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET")) {
		answer_text(c, 405, "GET or HEAD only\n");
		return;
	}
	q = strchr(path, '?');
	if (q)
		*q = '\0';
	accept = header(rest, "Accept");
	if (h->handler(h->ctx, path, accept, &r) || !r.status) {
		free(r.body);
		answer_text(c, 500, "internal error\n");
		return;
	}
	answer(c, r.status, r.content_type, r.body, r.len, head);
}

static void conn_read(struct kvmmem_httpd *h, struct conn *c)
{
	size_t room = h->o.max_request - c->in_len, i;
	bool bad = false;
	ssize_t n;

	if (!c->in) {
		c->in = malloc(h->o.max_request + 1);
		if (!c->in) {
			conn_close(h, c);
			return;
		}
	}
	n = recv(c->fd, c->in + c->in_len, room, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(h, c);	/* the client went away, or an error */
		return;
	}
	/* a NUL or another control character: not HTTP (TLS, junk) */
	for (i = c->in_len; i < c->in_len + (size_t)n; i++)
		if ((unsigned char)c->in[i] < 0x20 && c->in[i] != '\r' &&
		    c->in[i] != '\n' && c->in[i] != '\t')
			bad = true;
	c->in_len += (size_t)n;
	c->in[c->in_len] = '\0';
	if (bad)
		answer_text(c, 400, "bad request: control characters\n");
	else if (request_done(c))
		handle(h, c);
	else if (c->in_len == h->o.max_request)
		answer_text(c, 431, "request too large\n");
	else
		return;
	if (!c->out)
		conn_close(h, c);	/* no memory for the answer */
}

static void conn_write(struct kvmmem_httpd *h, struct conn *c)
{
	ssize_t n;

	if (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			conn_close(h, c);
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off >= c->out_len) {
		/* done: no more reading; the client sees the end */
		shutdown(c->fd, SHUT_WR);
		conn_close(h, c);
	}
}

static struct conn *free_slot(struct kvmmem_httpd *h, uint64_t now)
{
	struct conn *oldest = NULL;
	unsigned int i;

	for (i = 0; i < h->o.max_conns; i++)
		if (h->conns[i].fd < 0)
			return &h->conns[i];
	/* full: the oldest one still sending its request, if it is slow */
	for (i = 0; i < h->o.max_conns; i++) {
		struct conn *c = &h->conns[i];

		if (!c->out && (!oldest || c->start_ns < oldest->start_ns))
			oldest = c;
	}
	if (!oldest || now - oldest->start_ns < KVMMEM_HTTPD_EVICT_MS * 1000000ULL)
		return NULL;
	conn_close(h, oldest);
	return oldest;
}

static void accept_all(struct kvmmem_httpd *h, uint64_t now)
{
	struct conn *c;
	int fd;

	while ((c = free_slot(h, now))) {
		fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;		/* EAGAIN: none left; else try later */
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->start_ns = now;
		h->nr_conns++;
	}
}

int kvmmem_httpd_poll(struct kvmmem_httpd *h, int timeout_ms)
{
	uint64_t now, limit = (uint64_t)h->o.timeout_ms * 1000000ULL;
	unsigned int i, n = 0;
	int ret, err = 0;

	h->pfd[n++] = (struct pollfd){ .fd = h->fd, .events = POLLIN };
	for (i = 0; i < h->o.max_conns; i++) {
		struct conn *c = &h->conns[i];

		h->pfd[n++] = (struct pollfd){
			.fd = c->fd,	/* negative: ignored */
			.events = c->out ? POLLOUT : POLLIN,
		};
	}
	ret = poll(h->pfd, n, timeout_ms);
	if (ret < 0)
		err = -errno;
	now = kvmmem_mono_ns();
	for (i = 0; ret > 0 && i < h->o.max_conns; i++) {
		struct conn *c = &h->conns[i];
		short rev = h->pfd[i + 1].revents;

		if (c->fd < 0 || c->fd != h->pfd[i + 1].fd || !rev)
			continue;
		if (c->out)
			conn_write(h, c);
		else
			conn_read(h, c);
		if (c->fd >= 0 && c->out)
			conn_write(h, c);	/* most answers fit the socket */
	}
	for (i = 0; i < h->o.max_conns; i++) {
		struct conn *c = &h->conns[i];

		if (c->fd >= 0 && now - c->start_ns > limit)
			conn_close(h, c);	/* too slow: no answer */
	}
	if (ret > 0 && (h->pfd[0].revents & POLLIN))
		accept_all(h, now);
	return err;
}

void kvmmem_httpd_close(struct kvmmem_httpd *h)
{
	unsigned int i;

	if (!h)
		return;
	for (i = 0; h->conns && i < h->o.max_conns; i++)
		conn_close(h, &h->conns[i]);
	if (h->fd >= 0)
		close(h->fd);
	free(h->conns);
	free(h->pfd);
	free(h);
}
