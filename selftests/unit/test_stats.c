// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs and sysfs stats: kvmmem_stats_parse(), _read(), _read_sysfs(),
 * _get(), _get_u64(), kvmmem_debugfs_why().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "util.h"

static const char sample[] =
	"backend hostsim\n"
	"live_mappings 3\n"
	"pinned_pages 4\n"
	"maps 10\n"
	"unmaps 6\n"
	"teardowns 1\n"
	"leaked_pages 1\n"
	"errors_EKEYREJECTED 2\n";

static struct kvmmem_stats st;

static void free_stats(void)
{
	kvmmem_stats_free(&st);
}

TestSuite(stats, .fini = free_stats);

Test(stats, sample_has_eight_items_in_file_order)
{
	cr_assert_eq(kvmmem_stats_parse(sample, &st), 0);
	cr_assert_eq(st.n, 8);
	cr_assert_str_eq(st.items[0].key, "backend");
	cr_assert_str_eq(st.items[0].value, "hostsim");
	cr_assert_str_eq(st.items[7].key, "errors_EKEYREJECTED");
	cr_assert_str_eq(st.items[7].value, "2");
}

Test(stats, get_u64_reads_a_counter)
{
	uint64_t v = 0;

	cr_assert_eq(kvmmem_stats_parse(sample, &st), 0);
	cr_assert_eq(kvmmem_stats_get_u64(&st, "live_mappings", &v), 0);
	cr_assert_eq(v, 3);
}

Test(stats, get_returns_text_value)
{
	cr_assert_eq(kvmmem_stats_parse(sample, &st), 0);
	cr_assert_str_eq(kvmmem_stats_get(&st, "backend"), "hostsim");
}

Test(stats, missing_key_is_enoent)
{
	uint64_t v = 77;

	cr_assert_eq(kvmmem_stats_parse(sample, &st), 0);
	cr_assert_null(kvmmem_stats_get(&st, "nope"));
	cr_assert_eq(kvmmem_stats_get_u64(&st, "nope", &v), -ENOENT);
	cr_assert_eq(v, 77);
}

Test(stats, key_lookup_is_exact_not_prefix)
{
	cr_assert_eq(kvmmem_stats_parse(sample, &st), 0);
	cr_assert_null(kvmmem_stats_get(&st, "map"));
	cr_assert_null(kvmmem_stats_get(&st, "maps "));
}

Test(stats, text_value_as_number_is_einval)
{
	uint64_t v;

	cr_assert_eq(kvmmem_stats_parse(sample, &st), 0);
	cr_assert_eq(kvmmem_stats_get_u64(&st, "backend", &v), -EINVAL);
}

Test(stats, tabs_and_runs_of_blanks_separate_key_and_value)
{
	uint64_t v;

	cr_assert_eq(kvmmem_stats_parse("maps\t\t 12\n", &st), 0);
	cr_assert_eq(kvmmem_stats_get_u64(&st, "maps", &v), 0);
	cr_assert_eq(v, 12);
}

Test(stats, value_keeps_inner_blanks)
{
	cr_assert_eq(kvmmem_stats_parse("backend kvmi (no host)\n", &st), 0);
	cr_assert_str_eq(kvmmem_stats_get(&st, "backend"), "kvmi (no host)");
}

Test(stats, trailing_blanks_and_cr_are_dropped)
{
	cr_assert_eq(kvmmem_stats_parse("maps 5 \t\r\n", &st), 0);
	cr_assert_str_eq(kvmmem_stats_get(&st, "maps"), "5");
}

Test(stats, blank_lines_are_skipped)
{
	cr_assert_eq(kvmmem_stats_parse("\nmaps 1\n  \n\nunmaps 2\n", &st), 0);
	cr_assert_eq(st.n, 2);
	cr_assert_str_eq(st.items[1].key, "unmaps");
}

Test(stats, last_line_without_newline_counts)
{
	cr_assert_eq(kvmmem_stats_parse("maps 1\nunmaps 2", &st), 0);
	cr_assert_eq(st.n, 2);
	cr_assert_str_eq(kvmmem_stats_get(&st, "unmaps"), "2");
}

Test(stats, empty_text_has_no_items)
{
	cr_assert_eq(kvmmem_stats_parse("", &st), 0);
	cr_assert_eq(st.n, 0);
	cr_assert_eq(st.bad_line, 0);
}

Test(stats, key_without_value_is_einval_with_its_line)
{
	cr_assert_eq(kvmmem_stats_parse("maps 1\n\nunmaps\nteardowns 0\n", &st),
		     -EINVAL);
	cr_assert_eq(st.bad_line, 3);
	cr_assert_eq(st.n, 0);
	cr_assert_null(st.items);
}

Test(stats, duplicate_key_finds_the_first)
{
	cr_assert_eq(kvmmem_stats_parse("maps 1\nmaps 2\n", &st), 0);
	cr_assert_eq(st.n, 2);
	cr_assert_str_eq(kvmmem_stats_get(&st, "maps"), "1");
}

Test(stats, many_lines_are_all_kept)
{
	char text[64 * 16] = "";
	char line[16];
	uint64_t v;
	int i;

	for (i = 0; i < 50; i++) {
		snprintf(line, sizeof(line), "k%d %d\n", i, i * 2);
		strcat(text, line);
	}
	cr_assert_eq(kvmmem_stats_parse(text, &st), 0);
	cr_assert_eq(st.n, 50);
	cr_assert_eq(kvmmem_stats_get_u64(&st, "k49", &v), 0);
	cr_assert_eq(v, 98);
}

Test(stats, free_twice_is_safe)
{
	cr_assert_eq(kvmmem_stats_parse(sample, &st), 0);
	kvmmem_stats_free(&st);
	kvmmem_stats_free(&st);
	cr_assert_eq(st.n, 0);
}

/* Write @text to a new temporary file; returns its path (static). */
static const char *tmp_file(const char *text, size_t len)
{
	static char path[] = "/tmp/kvmmem-unit-XXXXXX";
	int fd;

	strcpy(path, "/tmp/kvmmem-unit-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

Test(stats, read_parses_a_file)
{
	const char *path = tmp_file(sample, strlen(sample));
	uint64_t v;

	cr_assert_eq(kvmmem_stats_read(path, &st), 0);
	unlink(path);
	cr_assert_eq(st.n, 8);
	cr_assert_eq(kvmmem_stats_get_u64(&st, "leaked_pages", &v), 0);
	cr_assert_eq(v, 1);
}

Test(stats, read_of_missing_file_is_enoent)
{
	cr_assert_eq(kvmmem_stats_read("/nonexistent/kvmmem/stats", &st), -ENOENT);
	cr_assert_eq(st.n, 0);
}

Test(read_file, reads_past_the_first_buffer)
{
	static char big[10000];
	const char *path;
	char *text = NULL;

	memset(big, 'x', sizeof(big));
	path = tmp_file(big, sizeof(big));
	cr_assert_eq(kvmmem_read_file(path, &text), (long)sizeof(big));
	unlink(path);
	cr_assert_eq(strlen(text), sizeof(big));
	cr_assert_arr_eq(text, big, sizeof(big));
	free(text);
}

Test(read_file, empty_file_gives_empty_string)
{
	const char *path = tmp_file("", 0);
	char *text = NULL;

	cr_assert_eq(kvmmem_read_file(path, &text), 0);
	unlink(path);
	cr_assert_str_eq(text, "");
	free(text);
}

/* ------------------------------------------------------------ sysfs */

/* A fake device directory: DIR/backend and DIR/stats/<key>. */
static char sysdir[] = "/tmp/kvmmem-sysfs-XXXXXX";

static void put_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sysdir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* The sysfs form of @text ("key value" lines; "backend" to its file). */
static void make_sysdir(const char *text)
{
	char *copy = strdup(text), *line, *save = NULL, *sp, name[128], val[128];

	strcpy(sysdir, "/tmp/kvmmem-sysfs-XXXXXX");
	cr_assert_not_null(mkdtemp(sysdir));
	snprintf(name, sizeof(name), "%s/stats", sysdir);
	cr_assert_eq(mkdir(name, 0755), 0);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		cr_assert_not_null(sp);
		*sp = '\0';
		snprintf(val, sizeof(val), "%s\n", sp + 1);
		snprintf(name, sizeof(name), "%s%s",
			 strcmp(line, "backend") ? "stats/" : "", line);
		put_file(name, val);
	}
	free(copy);
}

static void remove_sysdir(void)
{
	char cmd[300];

	kvmmem_stats_free(&st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysdir);
	if (system(cmd))
		cr_log_warn("could not remove %s", sysdir);
}

TestSuite(sysfs, .fini = remove_sysdir);

Test(sysfs, backend_first_then_stats_in_name_order)
{
	static const char *const order[] = {
		"backend", "errors_EKEYREJECTED", "leaked_pages",
		"live_mappings", "maps", "pinned_pages", "teardowns", "unmaps",
	};
	size_t i;

	make_sysdir(sample);
	cr_assert_eq(kvmmem_stats_read_sysfs(sysdir, &st), 0);
	cr_assert_eq(st.n, 8);
	for (i = 0; i < 8; i++)
		cr_assert_str_eq(st.items[i].key, order[i]);
	cr_assert_str_eq(st.items[0].value, "hostsim");
}

Test(sysfs, every_key_and_value_equals_the_debugfs_text)
{
	struct kvmmem_stats text;
	size_t i;

	make_sysdir(sample);
	cr_assert_eq(kvmmem_stats_read_sysfs(sysdir, &st), 0);
	cr_assert_eq(kvmmem_stats_parse(sample, &text), 0);
	cr_assert_eq(st.n, text.n);
	for (i = 0; i < text.n; i++)
		cr_assert_str_eq(kvmmem_stats_get(&st, text.items[i].key),
				 text.items[i].value, "%s", text.items[i].key);
	kvmmem_stats_free(&text);
}

Test(sysfs, value_without_newline_is_kept)
{
	uint64_t v = 0;

	make_sysdir("backend none\n");
	put_file("stats/maps", "12");
	cr_assert_eq(kvmmem_stats_read_sysfs(sysdir, &st), 0);
	cr_assert_eq(kvmmem_stats_get_u64(&st, "maps", &v), 0);
	cr_assert_eq(v, 12);
}

Test(sysfs, missing_stats_directory_is_enoent)
{
	char path[300];

	make_sysdir("backend kvmi\n");
	snprintf(path, sizeof(path), "%s/stats", sysdir);
	cr_assert_eq(rmdir(path), 0);
	cr_assert_eq(kvmmem_stats_read_sysfs(sysdir, &st), -ENOENT);
	cr_assert_eq(st.n, 0);
}

Test(sysfs, missing_backend_is_enoent)
{
	make_sysdir("maps 1\n");
	cr_assert_eq(kvmmem_stats_read_sysfs(sysdir, &st), -ENOENT);
	cr_assert_eq(st.n, 0);
}

Test(sysfs, file_of_two_lines_is_einval)
{
	make_sysdir("backend kvmi\nmaps 1\n");
	put_file("stats/unmaps", "1\n2\n");
	cr_assert_eq(kvmmem_stats_read_sysfs(sysdir, &st), -EINVAL);
	cr_assert_eq(st.n, 0);
	cr_assert_eq(st.bad_line, 0);
}

Test(sysfs, empty_file_is_einval)
{
	make_sysdir("backend kvmi\n");
	put_file("stats/maps", "\n");
	cr_assert_eq(kvmmem_stats_read_sysfs(sysdir, &st), -EINVAL);
	cr_assert_eq(st.n, 0);
}

Test(sysfs, many_counters_are_all_read)
{
	char name[32], val[32];
	uint64_t v = 0;
	int i;

	make_sysdir("backend hostsim\n");
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "stats/c%03d", i);
		snprintf(val, sizeof(val), "%d\n", i * 7);
		put_file(name, val);
	}
	cr_assert_eq(kvmmem_stats_read_sysfs(sysdir, &st), 0);
	cr_assert_eq(st.n, 201);
	cr_assert_str_eq(st.items[200].key, "c199");
	cr_assert_eq(kvmmem_stats_get_u64(&st, "c123", &v), 0);
	cr_assert_eq(v, 861);
}

Test(debugfs_why, says_root_lockdown_or_what)
{
	cr_assert_str_eq(kvmmem_debugfs_why(-EACCES), "debugfs needs root");
	cr_assert_not_null(strstr(kvmmem_debugfs_why(-EPERM), "locked down"));
	cr_assert_str_eq(kvmmem_debugfs_why(-EIO), "cannot be read");
	cr_assert_not_null(kvmmem_debugfs_why(-ENOENT));
}
