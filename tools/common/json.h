/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - JSON output shared by every tool that prints JSON.
 */
#ifndef KVMMEM_JSON_H
#define KVMMEM_JSON_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * kvmmem_json_string() - print @s as a JSON string, quotes included
 *
 * Escapes '"', '\\' and control characters (\\n, \\t, \\u00XX); bytes
 * >= 0x80 are printed as \\u00XX too, so the output is valid JSON
 * (ASCII) whatever @s holds. @len bytes, or up to the first NUL.
 */
void kvmmem_json_string(FILE *f, const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_JSON_H */
