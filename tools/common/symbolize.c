// SPDX-License-Identifier: GPL-2.0
/*
 * symbolize.c - TEMPORARY STUB of branch h18sym's symbolizer (see
 * symbolize.h): /proc/PID/maps kept as text, ELF symbol tables through
 * libelf, no build ids, no DWARF, no kernel symbols. Replaced by
 * h18sym's on merge.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/symbolize.h"

struct sym_map {
	unsigned long long start, end, pgoff;
	char *path;
};

struct sym_maps {
	char *text;
	size_t len;
	struct sym_map *v;
	size_t n;
};

struct symbolizer {
	char func[256];
};

struct sym_maps *sym_maps_parse(const char *text, size_t len)
{
	struct sym_maps *m = calloc(1, sizeof(*m));
	char *line, *save = NULL, *copy;

	if (!m)
		return NULL;
	m->text = malloc(len + 1);
	copy = malloc(len + 1);
	if (!m->text || !copy)
		goto err;
	memcpy(m->text, text, len);
	m->text[len] = '\0';
	m->len = len;
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long s, e, off;
		struct sym_map *v;
		int pos = 0;

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &s, &e, &off,
			   &pos) < 3 || !pos || line[pos] != '/')
			continue;
		v = realloc(m->v, (m->n + 1) * sizeof(*v));
		if (!v)
			goto err;
		m->v = v;
		v[m->n] = (struct sym_map){ s, e, off, strdup(line + pos) };
		if (!v[m->n].path)
			goto err;
		m->n++;
	}
	free(copy);
	return m;
err:
	free(copy);
	sym_maps_free(m);
	return NULL;
}

struct sym_maps *sym_maps_read(int pid)
{
	char path[64], *text = NULL;
	size_t len = 0, cap = 0;
	struct sym_maps *m;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (len + 4096 > cap) {
			char *p = realloc(text, cap + 65536);

			if (!p) {
				free(text);
				close(fd);
				return NULL;
			}
			text = p;
			cap += 65536;
		}
		r = read(fd, text + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	m = r < 0 || !len ? NULL : sym_maps_parse(text, len);
	free(text);
	return m;
}

int sym_maps_format(const struct sym_maps *m, char **text, size_t *len)
{
	*text = malloc(m->len + 1);
	if (!*text)
		return -ENOMEM;
	memcpy(*text, m->text, m->len + 1);
	*len = m->len;
	return 0;
}

void sym_maps_free(struct sym_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	free(m->text);
	free(m);
}

struct symbolizer *symbolizer_new(void)
{
	elf_version(EV_CURRENT);
	return calloc(1, sizeof(struct symbolizer));
}

void symbolizer_free(struct symbolizer *s)
{
	free(s);
}

/* The function of @path holding file offset @off, into s->func. */
static int elf_func(struct symbolizer *s, const char *path,
		    unsigned long long off, unsigned long long *func_off)
{
	unsigned long long vaddr = 0;
	bool found = false, have = false;
	Elf_Scn *scn = NULL;
	GElf_Phdr ph;
	size_t i, n;
	Elf *e;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_getphdrnum(e, &n))
		goto out;
	for (i = 0; i < n; i++)
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    off >= ph.p_offset && off < ph.p_offset + ph.p_filesz) {
			vaddr = off - ph.p_offset + ph.p_vaddr;
			have = true;
			break;
		}
	while (have && !found && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		GElf_Sym sym;
		size_t k;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		d = elf_getdata(scn, NULL);
		for (k = 0; d && sh.sh_entsize && k < sh.sh_size / sh.sh_entsize; k++) {
			const char *name;

			if (!gelf_getsym(d, (int)k, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    vaddr < sym.st_value || vaddr >= sym.st_value + sym.st_size)
				continue;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!name)
				continue;
			snprintf(s->func, sizeof(s->func), "%s", name);
			*func_off = vaddr - sym.st_value;
			found = true;
			break;
		}
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return found ? 0 : -ENOENT;
}

int sym_user(struct symbolizer *s, const struct sym_maps *m,
	     unsigned long long ip, struct sym_frame *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->ip = ip;
	for (i = 0; m && i < m->n; i++) {
		const struct sym_map *v = &m->v[i];

		if (ip < v->start || ip >= v->end)
			continue;
		f->module = v->path;
		f->offset = ip - v->start + v->pgoff;
		if (!elf_func(s, v->path, f->offset, &f->func_off))
			f->func = s->func;
		return 0;
	}
	return 0;	/* in no mapping: no module */
}

int sym_kernel(struct symbolizer *s, unsigned long long ip, struct sym_frame *f)
{
	(void)s;
	memset(f, 0, sizeof(*f));
	f->ip = ip;
	return -ENOENT;
}

int sym_frame_format(const struct sym_frame *f, char *buf, size_t size)
{
	const char *mod;

	if (f->func && f->module) {
		mod = strrchr(f->module, '/');
		return snprintf(buf, size, "%s+0x%llx (%s)", f->func, f->func_off,
				mod ? mod + 1 : f->module);
	}
	if (f->module)
		return snprintf(buf, size, "%s+0x%llx", f->module, f->offset);
	return snprintf(buf, size, "0x%llx", f->ip);
}
