// SPDX-License-Identifier: GPL-2.0
/*
 * exporter.h and common/httpd.h: kvmmem-top --prometheus's loop over a
 * fake source (no BPF), served to well-behaved and hostile clients.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "common/cli.h"
#include "kvmmem-top/exporter.h"
#include "util.h"

static const struct top_desc desc = {
	.title = "kvmmem-top",
	.id_col = "PID",
	.name_col = "COMMAND",
	.id_key = "pid",
	.name_key = "comm",
	.rows_key = "processes",
	.nr_ops = 1,
	.op_names = { "MEM_MAP" },
};

/* A source whose one process maps once per sample. */
struct fake {
	struct top_source src;
	uint64_t n;
};

static bool with_run_time;

static int fake_sample(struct top_source *src, struct top_sample *s)
{
	struct fake *f = (struct fake *)src;
	struct top_sample_row *r;

	f->n++;
	/* as if kernel.bpf_stats_enabled were 1: 1.5 us, 3 runs a sample */
	s->bpf_stats = with_run_time ? TOP_BPF_ON : TOP_BPF_OFF;
	s->bpf_run_ns = with_run_time ? f->n * 1500 : 0;
	s->bpf_runs = with_run_time ? f->n * 3 : 0;
	/* a mapping of 3 ms gone per sample, since the first one */
	s->have_lifetime = true;
	s->lifetime[11] = f->n;		/* [2048, 4095] us */
	s->lifetime_sum_us = f->n * 3000;
	s->ts_ns = kvmmem_mono_ns();
	r = top_sample_row_add(s, 1234);
	if (!r)
		return -ENOMEM;
	snprintf(r->name, sizeof(r->name), "fake");
	r->cnt[TOP_MAPS] = f->n;
	s->cnt[TOP_MAPS] = f->n;
	return 0;
}

static int fake_check(struct top_source *src, char *why, size_t len)
{
	(void)src;
	(void)why;
	(void)len;
	return 0;
}

static pid_t child = -1;
static uint16_t port;
static char textfile[64];

/* Run the exporter in a child, on a free loopback port. */
static void start(const char *tf, unsigned int timeout_ms)
{
	struct exporter_opts o = {
		.listen = "127.0.0.1:0",
		.textfile = tf,
		.top_n = 5,
		.interval_ns = 50000000,	/* 50 ms */
		.http = { .timeout_ms = timeout_ms },
	};
	struct exporter *e;

	cr_assert_eq(exporter_open(&e, &o, &desc), 0);
	port = exporter_port(e);
	cr_assert_neq(port, 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (!child) {
		struct fake f = { .src = { .desc = &desc, .attach = "fake",
					   .sample = fake_sample,
					   .check = fake_check } };
		int status;

		kvmmem_catch_stop_signals();
		status = exporter_run(e, &f.src);
		exporter_close(e);
		_exit(status);
	}
	exporter_close(e);	/* the child has its own copy of the socket */
}

static void stop(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
	if (textfile[0]) {
		unlink(textfile);
		textfile[0] = '\0';
	}
}

TestSuite(exporter, .fini = stop, .timeout = 30);

static int connect_to(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s",
		     strerror(errno));
	return fd;
}

static void send_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		cr_assert_gt(n, 0, "%s", strerror(errno));
		s += n;
		len -= (size_t)n;
	}
}

/* Everything until the server closes; malloc()ed, NUL-terminated. */
static char *recv_all(int fd)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap + 1);
	ssize_t n;

	cr_assert_not_null(buf);
	while ((n = recv(fd, buf + len, cap - len, 0)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			cr_assert_not_null(buf);
		}
	}
	buf[len] = '\0';
	return buf;
}

static char *request(const char *req, size_t len)
{
	int fd = connect_to();
	char *resp;

	send_all(fd, req, len);
	resp = recv_all(fd);
	close(fd);
	return resp;
}

static char *get(const char *path, const char *accept)
{
	char req[512];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n%s%s%s\r\n",
		 path, accept ? "Accept: " : "", accept ? accept : "",
		 accept ? "\r\n" : "");
	return request(req, strlen(req));
}

/* The value of the sample line that starts with @series + ' ' in @t. */
static long long value_in(const char *t, const char *series)
{
	size_t n = strlen(series);
	const char *s;

	for (s = t; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
		if (!strncmp(s, series, n) && s[n] == ' ')
			return strtoll(s + n + 1, NULL, 10);
	return -1;
}

static long long samples_now(void)
{
	char *r = get("/metrics", NULL);
	long long v = value_in(strstr(r, "\r\n\r\n"), "kvmmem_exporter_samples_total");

	free(r);
	return v;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

Test(exporter, serves_openmetrics_when_asked)
{
	char want[128];
	char *r;

	start(NULL, 0);
	r = get("/metrics", "application/openmetrics-text;version=1.0.0,"
		"text/plain;version=0.0.4;q=0.5");
	cr_assert(!strncmp(r, "HTTP/1.1 200 OK\r\n", 17), "%.80s", r);
	cr_assert_not_null(strstr(r, "\r\nContent-Type: application/openmetrics-text; "
				  "version=1.0.0; charset=utf-8\r\n"));
	cr_assert_not_null(strstr(r, "\nkvmmem_maps_total{pid=\"1234\",comm=\"fake\"} "));
	snprintf(want, sizeof(want), "kvmmem_build_info{version=\"%s\",attach=\"fake\"} 1\n",
		 kvmmem_version);
	cr_assert_not_null(strstr(r, want), "no %s", want);
	cr_assert_str_eq(r + strlen(r) - 6, "# EOF\n");
	free(r);
}

Test(exporter, serves_the_classic_format_by_default)
{
	char *r;

	start(NULL, 0);
	r = get("/metrics", NULL);
	cr_assert(!strncmp(r, "HTTP/1.1 200 OK\r\n", 17), "%.80s", r);
	cr_assert_not_null(strstr(r, "\r\nContent-Type: text/plain; version=0.0.4; "
				  "charset=utf-8\r\n"));
	cr_assert_not_null(strstr(r, "# TYPE kvmmem_maps_total counter\n"));
	cr_assert_null(strstr(r, "# EOF"));
	free(r);
}

Test(exporter, no_bpf_run_time_while_the_kernel_does_not_count_it)
{
	char *r;

	start(NULL, 0);
	r = get("/metrics", NULL);
	cr_assert_null(strstr(r, "kvmmem_bpf_run_seconds_total"));
	cr_assert_null(strstr(r, "kvmmem_bpf_runs_total"));
	free(r);
}

Test(exporter, bpf_run_time_in_seconds_when_the_source_has_it)
{
	char *r, *v;

	with_run_time = true;
	start(NULL, 0);
	r = get("/metrics", NULL);
	v = strstr(r, "\nkvmmem_bpf_run_seconds_total 0.0000");
	cr_assert_not_null(v, "%s", r);
	cr_assert_not_null(strstr(r, "# TYPE kvmmem_bpf_run_seconds_total counter\n"));
	cr_assert_not_null(strstr(r, "\nkvmmem_bpf_runs_total "), "%s", r);
	cr_assert_null(strstr(r, "\nkvmmem_bpf_runs_total 0\n"), "runs are counted");
	free(r);
}

Test(exporter, the_sources_mapping_lifetimes_are_a_histogram_in_seconds)
{
	char *r;

	start(NULL, 0);
	r = get("/metrics", NULL);
	cr_assert_not_null(strstr(r, "# TYPE kvmmem_mapping_lifetime_seconds histogram\n"),
			   "%s", r);
	cr_assert_not_null(strstr(r, "\nkvmmem_mapping_lifetime_seconds_bucket{le=\"0.002047999\"} 0\n"),
			   "%s", r);
	cr_assert_null(strstr(r, "\nkvmmem_mapping_lifetime_seconds_bucket{le=\"0.004095999\"} 0\n"),
		       "the 3 ms lifetimes are in the 4.095999 ms bucket: %s", r);
	free(r);
}

Test(exporter, head_has_no_body_and_counts_scrapes)
{
	char *r;

	start(NULL, 0);
	free(get("/metrics", NULL));
	r = request("HEAD /metrics HTTP/1.0\r\n\r\n", 26);
	cr_assert(!strncmp(r, "HTTP/1.1 200 OK\r\n", 17), "%.80s", r);
	cr_assert_str_eq(strstr(r, "\r\n\r\n"), "\r\n\r\n");
	free(r);
	r = get("/metrics?x=1", NULL);
	cr_assert_eq(value_in(strstr(r, "\r\n\r\n") + 4,
			      "kvmmem_exporter_scrapes_total"), 3);
	free(r);
}

Test(exporter, other_paths_and_methods_are_refused)
{
	char *r;

	start(NULL, 0);
	r = get("/nope", NULL);
	cr_assert(!strncmp(r, "HTTP/1.1 404 ", 13), "%.80s", r);
	free(r);
	r = request("POST /metrics HTTP/1.1\r\n\r\n", 26);
	cr_assert(!strncmp(r, "HTTP/1.1 405 ", 13), "%.80s", r);
	free(r);
	r = request("GET /metrics HTTP/2.0\r\n\r\n", 25);
	cr_assert(!strncmp(r, "HTTP/1.1 505 ", 13), "%.80s", r);
	free(r);
}

Test(exporter, garbage_gets_400_and_the_exporter_keeps_serving)
{
	static const char *const junk[] = {
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",	/* TLS */
		"GET\r\n\r\n",
		"GET /metrics\r\n\r\n",
		"GET metrics HTTP/1.1\r\n\r\n",
		"GET /metrics HTTP/1.1 extra\r\n\r\n",
		"\r\n\r\n",
		"\n\n",
	};
	size_t i;
	char *r;

	start(NULL, 0);
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		r = request(junk[i], strlen(junk[i]));
		cr_assert(!strncmp(r, "HTTP/1.1 400 ", 13), "junk %zu: %.80s", i, r);
		free(r);
	}
	r = request("GET /\0metrics HTTP/1.1\r\n\r\n", 27);	/* a NUL */
	cr_assert(!strncmp(r, "HTTP/1.1 400 ", 13), "%.80s", r);
	free(r);
	cr_assert_gt(samples_now(), 0);
}

Test(exporter, an_oversized_request_gets_431)
{
	size_t len = 20000;
	char *req = malloc(len), *r;
	int fd;

	cr_assert_not_null(req);
	memset(req, 'a', len);
	memcpy(req, "GET /metrics HTTP/1.1\r\nX: ", 26);
	start(NULL, 0);
	fd = connect_to();
	send(fd, req, len, MSG_NOSIGNAL);	/* may be cut short: we are answered */
	r = recv_all(fd);
	close(fd);
	cr_assert(!strncmp(r, "HTTP/1.1 431 ", 13), "%.80s", r);
	free(r);
	free(req);
	cr_assert_gt(samples_now(), 0);
}

Test(exporter, a_client_that_never_finishes_stops_neither_others_nor_sampling)
{
	long long before, after = 0;
	char buf[16];
	int slow, i;

	start(NULL, 1000);
	slow = connect_to();
	send_all(slow, "GET /metr", 9);
	before = samples_now();
	/* sampling goes on (polled, not slept: a busy machine is slow) */
	for (i = 0; i < 500 && (after = samples_now()) <= before; i++)
		sleep_ms(20);
	cr_assert_gt(after, before, "samples %lld then %lld", before, after);
	/* after its second, the slow one is closed without an answer */
	cr_assert_eq(recv(slow, buf, sizeof(buf), 0), 0);
	close(slow);
}

Test(exporter, many_clients_that_never_finish_do_not_lock_out_a_scrape)
{
	int fds[80], i;

	start(NULL, 0);		/* 5 s per request, 64 connections */
	for (i = 0; i < 80; i++) {
		fds[i] = connect_to();
		send_all(fds[i], "GET /", 5);
	}
	sleep_ms(600);		/* older than KVMMEM_HTTPD_EVICT_MS */
	cr_assert_gt(samples_now(), 0);
	for (i = 0; i < 80; i++)
		close(fds[i]);
}

Test(exporter, answers_100_parallel_connections)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\n\r\n";
	int fds[100], i;
	char *r;

	start(NULL, 0);
	for (i = 0; i < 100; i++)
		fds[i] = connect_to();
	for (i = 0; i < 100; i++)
		send_all(fds[i], req, sizeof(req) - 1);
	for (i = 0; i < 100; i++) {
		r = recv_all(fds[i]);
		cr_assert(!strncmp(r, "HTTP/1.1 200 OK\r\n", 17), "client %d: %.80s",
			  i, r);
		free(r);
		close(fds[i]);
	}
}

Test(exporter, sigterm_exits_cleanly)
{
	int status;

	start(NULL, 0);
	free(get("/metrics", NULL));
	cr_assert_eq(kill(child, SIGTERM), 0);
	cr_assert_eq(waitpid(child, &status, 0), child);
	child = -1;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x",
		  status);
}

/*
 * The textfile's text once its samples counter is above @after (-1: as
 * soon as it exists), polling for up to @ms; NULL if it never is.
 */
static char *read_textfile_after(long long after, unsigned int ms)
{
	unsigned int waited;

	for (waited = 0; waited < ms; waited += 20, sleep_ms(20)) {
		char *t = NULL;
		size_t n = 0;
		FILE *f = fopen(textfile, "r");

		if (!f)
			continue;
		if (getdelim(&t, &n, '\0', f) > 0 &&
		    value_in(t, "kvmmem_exporter_samples_total") > after) {
			fclose(f);
			return t;
		}
		fclose(f);
		free(t);
	}
	return NULL;
}

Test(exporter, the_textfile_is_replaced_atomically_each_interval)
{
	char *a, *b, cmd[128];
	struct stat st;
	int status;
	long long va, vb;

	snprintf(textfile, sizeof(textfile), "/tmp/test_exporter.%d.prom",
		 (int)getpid());
	start(textfile, 0);
	/* the first file, then a later one (waits, not sleeps: a busy
	 * machine may not run the exporter for a while) */
	a = read_textfile_after(-1, 20000);
	cr_assert_not_null(a, "no %s within 20 s", textfile);
	cr_assert_eq(stat(textfile, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644);
	va = value_in(a, "kvmmem_exporter_samples_total");
	cr_assert_gt(va, 0);
	b = read_textfile_after(va, 20000);
	cr_assert_not_null(b, "%s not rewritten within 20 s", textfile);
	vb = value_in(b, "kvmmem_exporter_samples_total");
	cr_assert_gt(vb, va);
	cr_assert_not_null(strstr(b, "# TYPE kvmmem_maps_total counter\n"));
	/*
	 * No temporary file is left beside it once the exporter has ended
	 * as a service ends, with SIGTERM: the write it is in finishes. (A
	 * SIGKILL between mkstemp() and rename() leaves one, as it would
	 * for any program: this test once did that itself.)
	 */
	cr_assert_eq(kill(child, SIGTERM), 0);
	cr_assert_eq(waitpid(child, &status, 0), child);
	child = -1;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
	snprintf(cmd, sizeof(cmd), "ls %s.* 2>/dev/null | grep -q .", textfile);
	cr_assert_neq(system(cmd), 0, "a temporary file is left beside %s", textfile);
	stop();
	free(a);
	free(b);
}

Test(exporter, listen_addresses_parse)
{
	char addr[64];
	uint16_t p;

	cr_assert_eq(kvmmem_httpd_parse_addr("9469", addr, sizeof(addr), &p), 0);
	cr_assert_str_eq(addr, "127.0.0.1");
	cr_assert_eq(p, 9469);
	cr_assert_eq(kvmmem_httpd_parse_addr("0.0.0.0:80", addr, sizeof(addr), &p), 0);
	cr_assert_str_eq(addr, "0.0.0.0");
	cr_assert_eq(p, 80);
	cr_assert_eq(kvmmem_httpd_parse_addr("[::1]:9", addr, sizeof(addr), &p), 0);
	cr_assert_str_eq(addr, "::1");
	cr_assert_eq(kvmmem_httpd_parse_addr(":9", addr, sizeof(addr), &p), 0);
	cr_assert_str_eq(addr, "127.0.0.1");
	cr_assert_eq(kvmmem_httpd_parse_addr("::1:9", addr, sizeof(addr), &p), -EINVAL);
	cr_assert_eq(kvmmem_httpd_parse_addr("70000", addr, sizeof(addr), &p), -EINVAL);
	cr_assert_eq(kvmmem_httpd_parse_addr("1.2.3.4:", addr, sizeof(addr), &p), -EINVAL);
	cr_assert_eq(kvmmem_httpd_parse_addr("x:-1", addr, sizeof(addr), &p), -EINVAL);
}

Test(exporter, a_port_in_use_is_refused)
{
	struct exporter_opts o = { .listen = "127.0.0.1:0", .interval_ns = 1 };
	struct exporter *e, *e2;
	char listen[32];

	cr_assert_eq(exporter_open(&e, &o, &desc), 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", exporter_port(e));
	o.listen = listen;
	cr_assert_eq(exporter_open(&e2, &o, &desc), -EADDRINUSE);
	cr_assert_null(e2);
	exporter_close(e);
}
