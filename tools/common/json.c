// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - the streaming JSON writer (see json.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "common/json.h"

void kvmmem_json_quote(FILE *f, const char *s, size_t len)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < len && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void kvmmem_json_init(struct kvmmem_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->nonempty = 0;
	j->is_object = 0;
}

/* The separator and key before a value in the current container. */
static void member(struct kvmmem_json *j, const char *key)
{
	uint32_t bit;

	if (j->depth && j->depth <= KVMMEM_JSON_MAX_DEPTH) {
		bit = 1U << (j->depth - 1);
		if (j->nonempty & bit)
			fputc(',', j->f);
		j->nonempty |= bit;
	}
	if (key) {
		kvmmem_json_quote(j->f, key, SIZE_MAX);
		fputc(':', j->f);
	}
}

static void container_open(struct kvmmem_json *j, const char *key, char c,
			   bool object)
{
	uint32_t bit;

	member(j, key);
	fputc(c, j->f);
	if (j->depth < KVMMEM_JSON_MAX_DEPTH) {
		bit = 1U << j->depth;
		j->nonempty &= ~bit;
		if (object)
			j->is_object |= bit;
		else
			j->is_object &= ~bit;
	}
	j->depth++;
}

void kvmmem_json_object(struct kvmmem_json *j, const char *key)
{
	container_open(j, key, '{', true);
}

void kvmmem_json_array(struct kvmmem_json *j, const char *key)
{
	container_open(j, key, '[', false);
}

void kvmmem_json_end(struct kvmmem_json *j)
{
	if (!j->depth)
		return;
	j->depth--;
	fputc(j->depth < KVMMEM_JSON_MAX_DEPTH &&
	      !(j->is_object & (1U << j->depth)) ? ']' : '}', j->f);
}

void kvmmem_json_u64(struct kvmmem_json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void kvmmem_json_i64(struct kvmmem_json *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void kvmmem_json_bool(struct kvmmem_json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void kvmmem_json_null(struct kvmmem_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void kvmmem_json_double(struct kvmmem_json *j, const char *key, int prec,
			double v)
{
	member(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.*f", prec, v);
	else
		fputs("null", j->f);
}

void kvmmem_json_hex(struct kvmmem_json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void kvmmem_json_string(struct kvmmem_json *j, const char *key, const char *s)
{
	member(j, key);
	kvmmem_json_quote(j->f, s, SIZE_MAX);
}

void kvmmem_json_stringn(struct kvmmem_json *j, const char *key,
			 const char *s, size_t len)
{
	member(j, key);
	kvmmem_json_quote(j->f, s, len);
}
