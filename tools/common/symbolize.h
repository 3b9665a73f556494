/* SPDX-License-Identifier: GPL-2.0 */
/*
 * symbolize.h - user and kernel addresses to "func+0x1c (file.c:42)"
 * (symbolize.c): a process's executable mappings, kept in a recording so
 * that its stacks can be symbolized after the process exited, and a cache
 * of the ELF objects (symbols via libelf, file:line via libdw) and of
 * /proc/kallsyms.
 */
#ifndef KVMMEM_SYMBOLIZE_H
#define KVMMEM_SYMBOLIZE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One process's executable file mappings, each with its object's build id. */
struct sym_maps;

/**
 * sym_maps_read() - the executable file mappings of a running process
 * @pid: the process
 *
 * Reads /proc/PID/maps; each object's build id is read from the mapped
 * file itself (/proc/PID/map_files, which needs privilege, else the path).
 *
 * Return: the mappings (sym_maps_free() them), or NULL with errno set.
 */
struct sym_maps *sym_maps_read(int pid);

/**
 * sym_maps_parse() - mappings back from sym_maps_format()'s text
 * @text: the text (need not be NUL-terminated)
 * @len:  its length
 *
 * Return: the mappings, or NULL with errno set (EINVAL: not that format).
 */
struct sym_maps *sym_maps_parse(const char *text, size_t len);

/**
 * sym_maps_format() - the mappings as text, to keep in a recording
 * @m:    the mappings
 * @text: receives the text (malloc'd, NUL-terminated)
 * @len:  receives its length, NUL not included
 *
 * The format (symbolize.c's header comment) is parsed back exactly by
 * sym_maps_parse().
 *
 * Return: 0 or -errno.
 */
int sym_maps_format(const struct sym_maps *m, char **text, size_t *len);

void sym_maps_free(struct sym_maps *m);

/* One symbolized address. Strings belong to the symbolizer. */
struct sym_frame {
	unsigned long long ip;
	/* the object's path ("... (deleted)" as the maps said), "kernel"
	 * or "[module]" for the kernel; NULL when ip is in no mapping
	 */
	const char *module;
	/* ip in the object: the ELF address its symbols use when the object
	 * could be read, else the file offset; for the kernel, ip itself
	 */
	unsigned long long offset;
	const char *build_id;	/* lowercase hex, NULL when none or unreadable */
	const char *func;	/* NULL when unresolved */
	unsigned long long func_off;
	const char *file;	/* source file from DWARF, NULL without debug info */
	int line;		/* 0 without */
};

/* Caches each ELF object (by path + build id) and /proc/kallsyms. */
struct symbolizer;

/* Return: a symbolizer, or NULL with errno set. */
struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *s);

/**
 * sym_user() - symbolize a user address
 * @s:  the symbolizer
 * @m:  the process's mappings (may be freed before @s)
 * @ip: the address; for a return address of a stack, pass ip - 1 to get
 *      the line of the call rather than of the instruction after it
 * @f:  receives the frame, its strings valid until symbolizer_free()
 *
 * An object that cannot be read, or whose build id is no longer the one
 * @m recorded (the file was replaced), gives module and offset only.
 *
 * Return: 0 (@f filled as far as known) or -errno (-ENOMEM; @f still
 * holds ip).
 */
int sym_user(struct symbolizer *s, const struct sym_maps *m,
	     unsigned long long ip, struct sym_frame *f);

/**
 * sym_kernel() - symbolize a kernel address from /proc/kallsyms
 * @s:  the symbolizer (reads /proc/kallsyms once, at the first call)
 * @ip: the address
 * @f:  receives the frame: module "kernel" or "[name]", func, func_off
 *
 * Return: 0 (func NULL when no symbol precedes @ip), -EPERM when
 * kptr_restrict hides the addresses, or another -errno (@f still holds ip).
 */
int sym_kernel(struct symbolizer *s, unsigned long long ip,
	       struct sym_frame *f);

/**
 * sym_frame_format() - a frame as one string
 * @f:    the frame
 * @buf:  receives "func+0x1c (file.c:42)", "func+0x1c", "module+0xoff"
 *        (module and file as base names) or "0xip"
 * @size: @buf's size
 *
 * Return: snprintf()'s value.
 */
int sym_frame_format(const struct sym_frame *f, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_SYMBOLIZE_H */
