/* SPDX-License-Identifier: GPL-2.0 */
/*
 * symbolize.h - process memory maps and stack frame symbolization.
 *
 * TEMPORARY STUB (branch h18): the API tools/common/symbolize.{h,c}
 * (branch h18sym) provides, so that kvmmem-trace --stacks builds before
 * it lands. Replace with h18sym's on merge.
 */
#ifndef KVMMEM_SYMBOLIZE_H
#define KVMMEM_SYMBOLIZE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sym_maps;
struct symbolizer;

struct sym_maps *sym_maps_read(int pid);
struct sym_maps *sym_maps_parse(const char *text, size_t len);
int sym_maps_format(const struct sym_maps *m, char **text, size_t *len);
void sym_maps_free(struct sym_maps *m);

struct sym_frame {
	unsigned long long ip;
	const char *module;
	unsigned long long offset;
	const char *build_id;
	const char *func;
	unsigned long long func_off;
	const char *file;
	int line;
};

struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *s);
int sym_user(struct symbolizer *s, const struct sym_maps *m,
	     unsigned long long ip, struct sym_frame *f);
int sym_kernel(struct symbolizer *s, unsigned long long ip,
	       struct sym_frame *f);
int sym_frame_format(const struct sym_frame *f, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_SYMBOLIZE_H */
