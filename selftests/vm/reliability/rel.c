// SPDX-License-Identifier: GPL-2.0
/*
 * rel.c - helpers shared by the reliability programs, see rel.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "rel.h"
#include "util.h"

static void die(const char *what, const char *path, int err)
{
	fprintf(stderr, "rel: %s %s: %s\n", what, path, strerror(err));
	exit(2);
}

char *rel_read_text(const char *path)
{
	char *text = NULL;

	if (kvmmem_read_file(path, &text) < 0)
		return NULL;
	return text;
}

static long long get(const struct kvmmem_stats *st, const char *key)
{
	uint64_t v;

	if (kvmmem_stats_get_u64(st, key, &v)) {
		fprintf(stderr, "rel: no counter %s\n", key);
		exit(2);
	}
	return (long long)v;
}

static long long stats_file_get(const char *path, const char *key)
{
	struct kvmmem_stats st;
	long long v;
	int err;

	err = kvmmem_stats_read(path, &st);
	if (err)
		die("read", path, -err);
	v = get(&st, key);
	kvmmem_stats_free(&st);
	return v;
}

long long rel_stat(const char *key)
{
	return stats_file_get(REL_KVMMEM_DEBUGFS "stats", key);
}

static long long vmstat(const char *key)
{
	char *text = rel_read_text("/proc/vmstat"), *p;
	size_t len = strlen(key);
	long long v = -1;

	if (!text)
		die("read", "/proc/vmstat", errno);
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, len) && p[len] == ' ') {
			v = atoll(p + len + 1);
			break;
		}
	}
	free(text);
	if (v < 0) {
		fprintf(stderr, "rel: no %s in /proc/vmstat\n", key);
		exit(2);
	}
	return v;
}

static long long count_file_lines(const char *path)
{
	char *text = rel_read_text(path), *p;
	long long n = 0;

	if (!text)
		die("read", path, errno);
	for (p = text; *p; p++)
		n += *p == '\n';
	free(text);
	return n;
}

void rel_counters_read(struct rel_counters *c)
{
	struct kvmmem_stats st;
	int err;

	err = kvmmem_stats_read(REL_KVMMEM_DEBUGFS "stats", &st);
	if (err)
		die("read", REL_KVMMEM_DEBUGFS "stats", -err);
	c->live = get(&st, "live_mappings");
	c->maps = get(&st, "maps");
	c->unmaps = get(&st, "unmaps");
	c->teardown_unmaps = get(&st, "teardown_unmaps");
	c->leaked = get(&st, "leaked_pages");
	c->errors = get(&st, "errors");
	c->pinned = get(&st, "pinned_pages");
	c->teardowns = get(&st, "teardowns");
	c->map_errors = get(&st, "map_errors");
	c->unmap_errors = get(&st, "unmap_errors");
	c->other_errors = get(&st, "other_errors");
	kvmmem_stats_free(&st);

	c->host_maps = stats_file_get(REL_HOSTSIM_DEBUGFS "stats", "maps");
	c->host_unmaps = stats_file_get(REL_HOSTSIM_DEBUGFS "stats", "unmaps");
	/* fold the per-CPU deltas into the totals /proc/vmstat shows */
	rel_write("/proc/sys/vm/stat_refresh", "1");
	c->pins = vmstat("nr_foll_pin_acquired") - vmstat("nr_foll_pin_released");
	/* the header line is not a file */
	c->files = count_file_lines(REL_KVMMEM_DEBUGFS "files") - 1;
}

void rel_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t len = (ssize_t)strlen(val);

	if (fd < 0)
		die("open", path, errno);
	if (write(fd, val, len) != len)
		die("write", path, errno);
	close(fd);
}

void rel_write_ll(const char *path, long long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", val);
	rel_write(path, buf);
}

long long rel_read_ll(const char *path)
{
	char *text = rel_read_text(path);
	long long v;

	if (!text)
		die("read", path, errno);
	v = atoll(text);
	free(text);
	return v;
}

int rel_token(int hostsim_fd, struct kvmi_map_mem_token *tok)
{
	return ioctl(hostsim_fd, KVMMEM_HOSTSIM_GET_TOKEN, tok) ? errno : 0;
}

int rel_token_wait(int hostsim_fd, struct kvmi_map_mem_token *tok)
{
	double end = rel_now() + KVMMEM_HOSTSIM_TOKEN_TTL_MS / 1000.0 + 1;
	int err;

	while ((err = rel_token(hostsim_fd, tok)) == EAGAIN && rel_now() < end)
		usleep(2000);
	return err;
}

int rel_map(int fd, const struct kvmi_map_mem_token *tok, uint64_t gva,
	    uint64_t gpa)
{
	struct kvmi_mem_map req = { .token = *tok, .gpa = gpa, .gva = gva };

	return ioctl(fd, KVM_INTRO_MEM_MAP, &req) ? errno : 0;
}

int rel_unmap(int fd, uint64_t gva)
{
	return ioctl(fd, KVM_INTRO_MEM_UNMAP, (unsigned long)gva) ? errno : 0;
}

double rel_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void rel_trace_start(void)
{
	rel_write(REL_TRACEFS "events/kvmmem/enable", "1");
	rel_trace_clear();
}

void rel_trace_stop(void)
{
	rel_write(REL_TRACEFS "events/kvmmem/enable", "0");
}

void rel_trace_clear(void)
{
	rel_write(REL_TRACEFS "trace", "");
}

bool rel_trace_has(const char *event, ...)
{
	char *text = rel_read_text(REL_TRACEFS "trace"), *line, *save = NULL;
	char tag[64];
	bool found = false;

	if (!text)
		return false;
	snprintf(tag, sizeof(tag), " %s: ", event);
	for (line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *needle;
		va_list ap;

		if (!strstr(line, tag))
			continue;
		found = true;
		va_start(ap, event);
		while ((needle = va_arg(ap, const char *)))
			if (!strstr(line, needle))
				found = false;
		va_end(ap);
	}
	free(text);
	return found;
}

int rel_failures;

void rel_check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("%s: ok\n", name);
		return;
	}
	rel_failures++;
	printf("%s: FAIL ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}
