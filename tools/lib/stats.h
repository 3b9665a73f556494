/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats.h - the driver's counters read and parsed (part of libkvmmem;
 * stats.c): the global ones and the backend from sysfs, which lockdown
 * and an unmounted debugfs leave alone; the per-file and leaked lists
 * from debugfs (files, leaked), the only place they are. Conventions as
 * in util.h.
 */
#ifndef KVMMEM_STATS_H
#define KVMMEM_STATS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* debugfs and sysfs stats                                            */
/* ------------------------------------------------------------------ */

/* The misc device: "backend", and "stats/<key>", one value a file. */
#define KVMMEM_SYSFS_DIR	"/sys/class/misc/kvmmem"
#define KVMMEM_SYSFS_STATS	KVMMEM_SYSFS_DIR "/stats"
#define KVMMEM_SYSFS_BACKEND	KVMMEM_SYSFS_DIR "/backend"

#define KVMMEM_DEBUGFS_DIR	"/sys/kernel/debug/kvmmem"
#define KVMMEM_STATS_PATH	KVMMEM_DEBUGFS_DIR "/stats"
#define KVMMEM_FILES_PATH	KVMMEM_DEBUGFS_DIR "/files"
#define KVMMEM_LEAKED_PATH	KVMMEM_DEBUGFS_DIR "/leaked"

/* One "key value" line of the stats file. */
struct kvmmem_stat {
	char *key;	/* no whitespace */
	char *value;	/* the rest of the line, trimmed; never empty */
};

/* The whole stats file, in file order. */
struct kvmmem_stats {
	struct kvmmem_stat *items;
	size_t n;
	unsigned int bad_line;	/* 1-based line of a parse error, else 0 */
};

/**
 * kvmmem_stats_parse() - parse the text of the debugfs stats file
 * @text: NUL-terminated; lines are "key value": a key without whitespace,
 *        then one or more blanks (space or tab), then the value (which may
 *        contain blanks; trailing blanks and '\r' are dropped). Empty and
 *        all-blank lines are skipped; the last line may lack its '\n'.
 * @st:   receives the items; free with kvmmem_stats_free() on success.
 *        On error it holds no items, and st->bad_line is the first bad
 *        line for -EINVAL (0 for other errors).
 *
 * Duplicate keys are kept; lookups find the first.
 *
 * Return: 0; -EINVAL if a line has a key but no value; -ENOMEM.
 */
int kvmmem_stats_parse(const char *text, struct kvmmem_stats *st);

/**
 * kvmmem_stats_read() - read and parse the global counters
 * @path: NULL for sysfs (kvmmem_stats_read_sysfs(NULL, @st)); else a
 *        "key value" file such as KVMMEM_STATS_PATH (debugfs)
 * @st:   as for kvmmem_stats_parse()
 *
 * Return: 0; -errno from open/read (-ENOENT: kvmmem not loaded, or for
 * a debugfs path debugfs not mounted; -EACCES: not root; -EPERM: refused
 * by lockdown); or as kvmmem_stats_parse() and kvmmem_stats_read_sysfs().
 */
int kvmmem_stats_read(const char *path, struct kvmmem_stats *st);

/**
 * kvmmem_stats_read_sysfs() - the global counters and backend from sysfs
 * @dir: the device's sysfs directory; NULL for KVMMEM_SYSFS_DIR
 * @st:  receives "backend" (the content of @dir/backend) first, then one
 *       item for each file of @dir/stats (its name and its content) in
 *       name order; free with kvmmem_stats_free() on success. On error it
 *       holds no items.
 *
 * The keys and values are those of the debugfs stats file: the driver
 * prints the same table in both.
 *
 * Return: 0; -ENOENT if @dir/stats or @dir/backend is missing (kvmmem not
 * loaded, or older than its sysfs counters); -EINVAL if a file holds not
 * exactly one non-empty line (st->bad_line stays 0); another -errno from
 * opendir/open/read; -ENOMEM.
 */
int kvmmem_stats_read_sysfs(const char *dir, struct kvmmem_stats *st);

/**
 * kvmmem_debugfs_why() - why a driver's debugfs file could not be read
 * @err: the negative errno of the read (kvmmem_read_file())
 *
 * For the user, after the path: -ENOENT with the device in sysfs is
 * "debugfs is not mounted", without it "kvmmem is not loaded"; -EACCES
 * "debugfs needs root"; -EPERM "refused by the kernel (locked down?)".
 *
 * Return: a static string, never NULL.
 */
const char *kvmmem_debugfs_why(int err);

/**
 * kvmmem_stats_get() - value of @key as text
 *
 * Return: the value of the first item named @key, or NULL.
 */
const char *kvmmem_stats_get(const struct kvmmem_stats *st, const char *key);

/**
 * kvmmem_stats_get_u64() - value of @key as a number
 * @val: receives the value (parsed with kvmmem_parse_u64())
 *
 * Return: 0; -ENOENT if there is no such key; -EINVAL or -ERANGE if its
 * value is not a number.
 */
int kvmmem_stats_get_u64(const struct kvmmem_stats *st, const char *key,
			 uint64_t *val);

/**
 * kvmmem_stats_free() - release what kvmmem_stats_parse() allocated
 *
 * Leaves @st empty; safe to call twice.
 */
void kvmmem_stats_free(struct kvmmem_stats *st);

/**
 * kvmmem_read_file() - read a whole (small, e.g. debugfs) file
 * @path: the file
 * @textp: receives a malloc'ed NUL-terminated copy of its content
 *
 * Return: the number of bytes read; -errno from open/read; -ENOMEM;
 * -EFBIG past 16 MiB.
 */
long kvmmem_read_file(const char *path, char **textp);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_STATS_H */
