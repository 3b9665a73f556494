// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - read and parse the driver's counters: sysfs and debugfs.
 * See stats.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"
#include "util.h"

#define READ_FILE_MAX	(16 << 20)

long kvmmem_read_file(const char *path, char **textp)
{
	size_t len = 0, cap = 4096;
	char *text, *bigger;
	ssize_t n;
	long ret;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	text = malloc(cap);
	if (!text) {
		ret = -ENOMEM;
		goto err_close;
	}
	for (;;) {
		if (cap - len < 2) {
			if (cap >= READ_FILE_MAX) {
				ret = -EFBIG;
				goto err_free;
			}
			bigger = realloc(text, cap * 2);
			if (!bigger) {
				ret = -ENOMEM;
				goto err_free;
			}
			text = bigger;
			cap *= 2;
		}
		n = read(fd, text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto err_free;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	text[len] = '\0';
	*textp = text;
	return len;

err_free:
	free(text);
err_close:
	close(fd);
	return ret;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int stats_add(struct kvmmem_stats *st, size_t *cap,
		     const char *key, size_t key_len,
		     const char *value, size_t value_len)
{
	struct kvmmem_stat *items, *it;

	if (st->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		items = realloc(st->items, *cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		st->items = items;
	}
	it = &st->items[st->n];
	it->key = strndup(key, key_len);
	it->value = strndup(value, value_len);
	if (!it->key || !it->value) {
		free(it->key);
		free(it->value);
		return -ENOMEM;
	}
	st->n++;
	return 0;
}

int kvmmem_stats_parse(const char *text, struct kvmmem_stats *st)
{
	const char *line, *eol, *key, *key_end, *value, *end;
	unsigned int lineno = 0;
	size_t cap = 0;
	int err = 0;

	memset(st, 0, sizeof(*st));
	for (line = text; *line && !err; line = *eol ? eol + 1 : eol) {
		eol = strchrnul(line, '\n');
		lineno++;

		end = eol;
		while (end > line && (is_blank(end[-1]) || end[-1] == '\r'))
			end--;
		key = line;
		while (key < end && is_blank(*key))
			key++;
		if (key == end)
			continue;		/* blank line */

		key_end = key;
		while (key_end < end && !is_blank(*key_end))
			key_end++;
		value = key_end;
		while (value < end && is_blank(*value))
			value++;
		if (value == end) {
			st->bad_line = lineno;
			err = -EINVAL;
			break;
		}
		err = stats_add(st, &cap, key, key_end - key, value, end - value);
	}
	if (err) {
		lineno = st->bad_line;
		kvmmem_stats_free(st);
		st->bad_line = lineno;
	}
	return err;
}

int kvmmem_stats_read(const char *path, struct kvmmem_stats *st)
{
	char *text;
	long len;
	int err;

	if (!path)
		return kvmmem_stats_read_sysfs(NULL, st);
	memset(st, 0, sizeof(*st));
	len = kvmmem_read_file(path, &text);
	if (len < 0)
		return len;
	err = kvmmem_stats_parse(text, st);
	free(text);
	return err;
}

/* Adds @key with the content of @path: exactly one non-empty line. */
static int stats_add_file(struct kvmmem_stats *st, size_t *cap,
			  const char *key, const char *path)
{
	char *text;
	size_t n;
	long len;
	int err;

	len = kvmmem_read_file(path, &text);
	if (len < 0)
		return len;
	n = len;
	if (n && text[n - 1] == '\n')
		n--;
	if (!n || memchr(text, '\n', n) || strlen(text) != (size_t)len) {
		free(text);
		return -EINVAL;
	}
	err = stats_add(st, cap, key, strlen(key), text, n);
	free(text);
	return err;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kvmmem_stats_read_sysfs(const char *dir, struct kvmmem_stats *st)
{
	char *path = NULL, **names = NULL, **more;
	size_t cap = 0, n = 0, ncap = 0, i;
	struct dirent *de;
	int err;
	DIR *d;

	memset(st, 0, sizeof(*st));
	if (!dir)
		dir = KVMMEM_SYSFS_DIR;
	if (asprintf(&path, "%s/backend", dir) < 0)
		return -ENOMEM;
	err = stats_add_file(st, &cap, "backend", path);
	free(path);
	if (err)
		goto out;

	if (asprintf(&path, "%s/stats", dir) < 0) {
		err = -ENOMEM;
		goto out;
	}
	d = opendir(path);
	free(path);
	if (!d) {
		err = -errno;
		goto out;
	}
	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == ncap) {
			ncap = ncap ? ncap * 2 : 64;
			more = realloc(names, ncap * sizeof(*names));
			if (!more) {
				err = -ENOMEM;
				break;
			}
			names = more;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	if (!err && errno)
		err = -errno;
	closedir(d);

	if (!err)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && !err; i++) {
		if (asprintf(&path, "%s/stats/%s", dir, names[i]) < 0) {
			err = -ENOMEM;
			break;
		}
		err = stats_add_file(st, &cap, names[i], path);
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
out:
	if (err)
		kvmmem_stats_free(st);
	return err;
}

const char *kvmmem_debugfs_why(int err)
{
	switch (err) {
	case -ENOENT:
		if (!access(KVMMEM_SYSFS_STATS, F_OK))
			return "debugfs is not mounted (mount -t debugfs none /sys/kernel/debug)";
		return "kvmmem is not loaded";
	case -EACCES:
		return "debugfs needs root";
	case -EPERM:
		return "refused by the kernel (locked down?)";
	default:
		return "cannot be read";
	}
}

const char *kvmmem_stats_get(const struct kvmmem_stats *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->items[i].key, key))
			return st->items[i].value;
	return NULL;
}

int kvmmem_stats_get_u64(const struct kvmmem_stats *st, const char *key,
			 uint64_t *val)
{
	const char *value = kvmmem_stats_get(st, key);

	if (!value)
		return -ENOENT;
	return kvmmem_parse_u64(value, val);
}

void kvmmem_stats_free(struct kvmmem_stats *st)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		free(st->items[i].key);
		free(st->items[i].value);
	}
	free(st->items);
	memset(st, 0, sizeof(*st));
}
