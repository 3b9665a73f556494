/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - JSON output shared by every tool that prints JSON (json.c):
 * a small streaming writer that places the commas and escapes strings,
 * so no output places separators by hand.
 *
 *	struct kvmmem_json j;
 *
 *	kvmmem_json_init(&j, stdout);
 *	kvmmem_json_object(&j, NULL);		{
 *	kvmmem_json_u64(&j, "pid", 42);		"pid":42
 *	kvmmem_json_array(&j, "results");	,"results":[
 *	kvmmem_json_string(&j, NULL, "ok");	"ok"
 *	kvmmem_json_end(&j);			]
 *	kvmmem_json_end(&j);			}
 *
 * Output is compact (no blanks), one value per top-level call sequence:
 * callers print '\n' between JSON lines. A @key is required inside an
 * object and must be NULL elsewhere. Errors are the FILE's (ferror()).
 */
#ifndef KVMMEM_JSON_H
#define KVMMEM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KVMMEM_JSON_MAX_DEPTH	32

struct kvmmem_json {
	FILE *f;
	unsigned int depth;		/* open objects and arrays */
	uint32_t nonempty;		/* bit d: container d has a member */
	uint32_t is_object;		/* bit d: container d is an object */
};

/** kvmmem_json_init() - a writer on @f, nothing open */
void kvmmem_json_init(struct kvmmem_json *j, FILE *f);

/** kvmmem_json_object() - open an object (member @key of the container) */
void kvmmem_json_object(struct kvmmem_json *j, const char *key);

/** kvmmem_json_array() - open an array (member @key of the container) */
void kvmmem_json_array(struct kvmmem_json *j, const char *key);

/** kvmmem_json_end() - close the innermost object or array */
void kvmmem_json_end(struct kvmmem_json *j);

void kvmmem_json_u64(struct kvmmem_json *j, const char *key, uint64_t v);
void kvmmem_json_i64(struct kvmmem_json *j, const char *key, int64_t v);
void kvmmem_json_bool(struct kvmmem_json *j, const char *key, bool v);
void kvmmem_json_null(struct kvmmem_json *j, const char *key);

/**
 * kvmmem_json_double() - a number with @prec digits after the point
 *
 * NaN and infinities, which JSON cannot say, are written as null.
 */
void kvmmem_json_double(struct kvmmem_json *j, const char *key, int prec,
			double v);

/** kvmmem_json_hex() - @v as a string "0x..." (addresses, as Perfetto shows them) */
void kvmmem_json_hex(struct kvmmem_json *j, const char *key, uint64_t v);

/** kvmmem_json_string() - a NUL-terminated string, escaped */
void kvmmem_json_string(struct kvmmem_json *j, const char *key, const char *s);

/**
 * kvmmem_json_stringn() - at most @len bytes of @s (up to a NUL), escaped
 *
 * For fixed-size fields that need not be terminated (a comm).
 */
void kvmmem_json_stringn(struct kvmmem_json *j, const char *key,
			 const char *s, size_t len);

/**
 * kvmmem_json_quote() - print @s as a JSON string, quotes included
 *
 * Escapes '"', '\\' and control characters (\\n, \\t, \\u00XX); bytes
 * >= 0x80 are printed as \\u00XX too, so the output is valid JSON
 * (ASCII) whatever @s holds. @len bytes, or up to the first NUL. The
 * writer's strings and keys use it.
 */
void kvmmem_json_quote(FILE *f, const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_JSON_H */
