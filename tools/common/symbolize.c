// SPDX-License-Identifier: GPL-2.0
/*
 * symbolize.c - user and kernel addresses to functions, file:line and
 * module+offset (see symbolize.h).
 *
 * The mappings' text form, kept in a recording (sym_maps_format(),
 * sym_maps_parse()): a header line, then one line per executable file
 * mapping in ascending, non-overlapping address order:
 *
 *	kvmmem-maps 1
 *	START-END OFFSET BUILD_ID PATH
 *
 * START, END (exclusive) and OFFSET (the mapping's file offset) in
 * lowercase hex without "0x", 1 to 16 digits; BUILD_ID the object's
 * NT_GNU_BUILD_ID note in lowercase hex, or "-" when unknown; PATH the rest
 * of the line, as /proc/PID/maps shows it (absolute, may hold spaces and
 * end in " (deleted)", never a newline: the kernel escapes it). Every line
 * ends in '\n'.
 *
 * An address in a mapping is at file offset ip - START + OFFSET; the ELF
 * address its symbols and DWARF use is that offset moved by the PT_LOAD
 * segment holding it (p_vaddr - p_offset): this covers PIE and non-PIE
 * executables and shared libraries alike.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/libdw.h>

#include "common/symbolize.h"

#define SYM_MAPS_HEADER		"kvmmem-maps 1\n"
#define SYM_MAPS_MAX		65536	/* vm.max_map_count's default: 65530 */
#define SYM_PATH_MAX		4096
#define SYM_BUILD_ID_MAX	64	/* bytes; GNU ld's sha1 makes 20 */
#define SYM_SYMS_MAX		(16u << 20)	/* symbols of one object */
#define SYM_KALLSYMS_MAX	(256u << 20)	/* bytes of /proc/kallsyms */

struct sym_map {
	unsigned long long start, end, pgoff;
	char *path;
	char *build_id;		/* NULL: unknown */
};

struct sym_maps {
	size_t nr, cap;
	struct sym_map *maps;	/* by start, not overlapping */
};

struct sym {
	unsigned long long addr, size;	/* size 0: unknown */
	const char *name;
	const char *module;	/* kallsyms: "kernel" or "[name]" */
	unsigned char bind;	/* STB_*; kallsyms: STB_GLOBAL */
};

/* One ELF object, by path and the build id the maps recorded. */
struct sym_object {
	struct sym_object *next;
	char *path;
	char *want_id;		/* the maps' build id, NULL: unknown */
	char *build_id;		/* shown: want_id, else the file's */
	int fd;
	Elf *elf;		/* NULL: unreadable or another file now */
	Dwarf *dwarf;		/* NULL: no debug info */
	GElf_Phdr *loads;	/* PT_LOAD segments */
	size_t nr_loads;
	struct sym *syms;	/* by address, the preferred alias first */
	size_t nr_syms;
};

struct symbolizer {
	struct sym_object *objects;
	bool kallsyms_read;
	int kallsyms_err;
	char *kallsyms;		/* /proc/kallsyms, names cut out in place */
	struct sym *ksyms;
	size_t nr_ksyms;
};

/* ---------------------------------------------------------- build ids -- */

/* The NT_GNU_BUILD_ID note of @elf into @hex as lowercase hex, or "". */
static void elf_build_id(Elf *elf, char hex[2 * SYM_BUILD_ID_MAX + 1])
{
	size_t i, j, nr, off, next, name_off, desc_off;
	const unsigned char *desc;
	GElf_Phdr ph;
	GElf_Nhdr nh;
	Elf_Data *d;

	hex[0] = '\0';
	if (elf_getphdrnum(elf, &nr))
		return;
	for (i = 0; i < nr; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz,
					 ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
		for (off = 0; d && (next = gelf_getnote(d, off, &nh, &name_off,
							&desc_off)) > 0; off = next) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)d->d_buf + name_off, "GNU", 4) ||
			    !nh.n_descsz || nh.n_descsz > SYM_BUILD_ID_MAX)
				continue;
			desc = (const unsigned char *)d->d_buf + desc_off;
			for (j = 0; j < nh.n_descsz; j++)
				sprintf(hex + 2 * j, "%02x", desc[j]);
			return;
		}
	}
}

/*
 * Open @path read-only if it is a regular file: a recording's path may
 * name a FIFO (open would block) or a device by now. An fd or -1.
 */
static int open_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The build id of the file at @path into @hex, or "". */
static void file_build_id(const char *path, char hex[2 * SYM_BUILD_ID_MAX + 1])
{
	int fd = open_regular(path);
	Elf *elf;

	hex[0] = '\0';
	if (fd < 0)
		return;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF)
		elf_build_id(elf, hex);
	elf_end(elf);
	close(fd);
}

/* ----------------------------------------------------------- mappings -- */

void sym_maps_free(struct sym_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nr; i++) {
		free(m->maps[i].path);
		free(m->maps[i].build_id);
	}
	free(m->maps);
	free(m);
}

/* Append a mapping (@build_id "" or NULL: unknown); 0 or -errno. */
static int maps_add(struct sym_maps *m, unsigned long long start,
		    unsigned long long end, unsigned long long pgoff,
		    const char *path, size_t path_len, const char *build_id)
{
	struct sym_map *map;
	size_t cap;

	if (start >= end || !path_len || path_len >= SYM_PATH_MAX ||
	    path[0] != '/' || (m->nr && start < m->maps[m->nr - 1].end))
		return -EINVAL;
	if (m->nr == SYM_MAPS_MAX)
		return -E2BIG;
	if (m->nr == m->cap) {
		cap = m->cap ? 2 * m->cap : 16;
		map = reallocarray(m->maps, cap, sizeof(*map));
		if (!map)
			return -ENOMEM;
		m->maps = map;
		m->cap = cap;
	}
	map = &m->maps[m->nr];
	map->start = start;
	map->end = end;
	map->pgoff = pgoff;
	map->path = strndup(path, path_len);
	map->build_id = build_id && build_id[0] ? strdup(build_id) : NULL;
	if (!map->path || (build_id && build_id[0] && !map->build_id)) {
		free(map->path);
		free(map->build_id);
		return -ENOMEM;
	}
	m->nr++;
	return 0;
}

struct sym_maps *sym_maps_read(int pid)
{
	char file[64], id[2 * SYM_BUILD_ID_MAX + 1], perms[5], *line = NULL;
	unsigned long long start, end, pgoff;
	const struct sym_map *prev;
	struct sym_maps *m;
	size_t cap = 0, len;
	int n, err = 0;
	FILE *fp;

	elf_version(EV_CURRENT);
	snprintf(file, sizeof(file), "/proc/%d/maps", pid);
	fp = fopen(file, "re");
	if (!fp)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto out;
	}
	/* 55d0c1a00000-55d0c1a05000 r-xp 00002000 fd:01 1234   /usr/bin/x */
	while (!err && getline(&line, &cap, fp) > 0) {
		n = 0;
		if (sscanf(line, "%llx-%llx %4s %llx %*s %*s %n", &start, &end,
			   perms, &pgoff, &n) != 4 || !n ||
		    perms[2] != 'x' || line[n] != '/')
			continue;
		len = strcspn(line + n, "\n");
		if (len >= SYM_PATH_MAX)
			continue;
		prev = m->nr ? &m->maps[m->nr - 1] : NULL;
		if (prev && !strncmp(prev->path, line + n, len) && !prev->path[len]) {
			snprintf(id, sizeof(id), "%s", prev->build_id ? prev->build_id : "");
		} else {
			snprintf(file, sizeof(file), "/proc/%d/map_files/%llx-%llx",
				 pid, start, end);
			file_build_id(file, id);
			if (!id[0]) {
				line[n + len] = '\0';
				file_build_id(line + n, id);
			}
		}
		err = maps_add(m, start, end, pgoff, line + n, len, id);
	}
	if (!err && ferror(fp))
		err = -EIO;
out:
	free(line);
	fclose(fp);
	if (err) {
		sym_maps_free(m);
		errno = -err;
		return NULL;
	}
	return m;
}

int sym_maps_format(const struct sym_maps *m, char **text, size_t *len)
{
	const struct sym_map *map;
	FILE *fp = open_memstream(text, len);
	size_t i;
	int bad;

	if (!fp)
		return -errno;
	fputs(SYM_MAPS_HEADER, fp);
	for (i = 0; i < m->nr; i++) {
		map = &m->maps[i];
		fprintf(fp, "%llx-%llx %llx %s %s\n", map->start, map->end,
			map->pgoff, map->build_id ? map->build_id : "-", map->path);
	}
	bad = ferror(fp);
	if (fclose(fp) || bad) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* A lowercase hex number at *@p of 1 to 16 digits, then @sep; 0 or -EINVAL. */
static int take_hex(const char **p, const char *end, char sep,
		    unsigned long long *val)
{
	const char *s = *p;
	unsigned long long v = 0;
	int n;

	for (n = 0; s < end && n < 17; s++, n++) {
		if (*s >= '0' && *s <= '9')
			v = v << 4 | (unsigned long long)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			v = v << 4 | (unsigned long long)(*s - 'a' + 10);
		else
			break;
	}
	if (!n || n > 16 || s == end || *s != sep)
		return -EINVAL;
	*val = v;
	*p = s + 1;
	return 0;
}

/* One line without its '\n'; 0 or -errno. */
static int parse_line(struct sym_maps *m, const char *s, const char *end)
{
	char id[2 * SYM_BUILD_ID_MAX + 1];
	unsigned long long start, stop, pgoff;
	const char *sp;
	size_t n;

	if (take_hex(&s, end, '-', &start) || take_hex(&s, end, ' ', &stop) ||
	    take_hex(&s, end, ' ', &pgoff))
		return -EINVAL;
	sp = memchr(s, ' ', (size_t)(end - s));
	if (!sp)
		return -EINVAL;
	n = (size_t)(sp - s);
	if (n == 1 && s[0] == '-') {
		id[0] = '\0';
	} else {
		if (!n || n % 2 || n > 2 * SYM_BUILD_ID_MAX ||
		    strspn(s, "0123456789abcdef") < n)
			return -EINVAL;
		memcpy(id, s, n);
		id[n] = '\0';
	}
	return maps_add(m, start, stop, pgoff, sp + 1, (size_t)(end - sp - 1), id);
}

struct sym_maps *sym_maps_parse(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	size_t hlen = strlen(SYM_MAPS_HEADER);
	struct sym_maps *m;
	int err = 0;

	if (!text || len < hlen || memcmp(text, SYM_MAPS_HEADER, hlen) ||
	    memchr(text, '\0', len) || text[len - 1] != '\n') {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	for (p += hlen; !err && p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		err = parse_line(m, p, nl);
	}
	if (err) {
		sym_maps_free(m);
		errno = -err;
		return NULL;
	}
	return m;
}

/* The mapping holding @ip, or NULL. */
static const struct sym_map *maps_find(const struct sym_maps *m,
				       unsigned long long ip)
{
	size_t lo = 0, hi = m->nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->maps[mid].start <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && ip < m->maps[lo - 1].end ? &m->maps[lo - 1] : NULL;
}

/* ------------------------------------------------------------ symbols -- */

static unsigned int underscores(const char *name)
{
	return (unsigned int)strspn(name, "_");
}

/*
 * By address; among aliases at one address the preferred first: one with
 * a size, then the fewest leading underscores (glibc's "getpid" over
 * "__getpid"), then global or weak over local, then by name.
 */
static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (!x->size != !y->size)
		return x->size ? -1 : 1;
	if (underscores(x->name) != underscores(y->name))
		return underscores(x->name) < underscores(y->name) ? -1 : 1;
	if ((x->bind == STB_LOCAL) != (y->bind == STB_LOCAL))
		return x->bind == STB_LOCAL ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The symbol holding @addr (preceding it, when sizes are unknown), or NULL. */
static const struct sym *syms_find(const struct sym *syms, size_t nr,
				   unsigned long long addr)
{
	size_t lo = 0, hi = nr, mid;
	const struct sym *sym;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	sym = &syms[lo - 1];
	while (sym > syms && sym[-1].addr == sym->addr)
		sym--;
	return !sym->size || addr - sym->addr < sym->size ? sym : NULL;
}

/* The functions of symbol table @scn, if any; 0 or -errno. */
static int object_syms(struct sym_object *o, Elf_Scn *scn)
{
	size_t i, nr;
	const char *name;
	Elf_Data *data;
	GElf_Shdr sh;
	GElf_Sym es;
	int type;

	if (!scn || !gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return 0;
	data = elf_getdata(scn, NULL);
	nr = sh.sh_size / sh.sh_entsize;
	if (!data || nr > SYM_SYMS_MAX)
		return -EINVAL;
	o->syms = calloc(nr ? nr : 1, sizeof(*o->syms));
	if (!o->syms)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		if (!gelf_getsym(data, (int)i, &es))
			continue;
		type = GELF_ST_TYPE(es.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
		    es.st_shndx == SHN_UNDEF || !es.st_value)
			continue;
		name = elf_strptr(o->elf, sh.sh_link, es.st_name);
		if (!name || !name[0])
			continue;
		o->syms[o->nr_syms++] = (struct sym){
			.addr = es.st_value, .size = es.st_size, .name = name,
			.bind = (unsigned char)GELF_ST_BIND(es.st_info),
		};
	}
	qsort(o->syms, o->nr_syms, sizeof(*o->syms), sym_cmp);
	return 0;
}

static void object_close(struct sym_object *o)
{
	dwarf_end(o->dwarf);
	elf_end(o->elf);
	if (o->fd >= 0)
		close(o->fd);
	free(o->loads);
	free(o->syms);
	o->dwarf = NULL;
	o->elf = NULL;
	o->fd = -1;
	o->loads = NULL;
	o->syms = NULL;
	o->nr_loads = o->nr_syms = 0;
}

/*
 * Open the object: its segments, symbols (.symtab, else .dynsym) and
 * DWARF. Anything wrong (unreadable, not ELF, another build id, no
 * memory) leaves o->elf NULL: module+offset only.
 */
static void object_open(struct sym_object *o)
{
	char id[2 * SYM_BUILD_ID_MAX + 1];
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	GElf_Shdr sh;
	GElf_Phdr ph;
	size_t i, nr;

	o->fd = open_regular(o->path);
	if (o->fd < 0)
		return;
	o->elf = elf_begin(o->fd, ELF_C_READ, NULL);
	if (!o->elf || elf_kind(o->elf) != ELF_K_ELF || elf_getphdrnum(o->elf, &nr))
		goto err;
	elf_build_id(o->elf, id);
	if (o->want_id && strcmp(o->want_id, id))
		goto err;	/* the file was replaced since the maps were read */
	if (!o->want_id && id[0])
		o->build_id = strdup(id);	/* NULL: not shown */
	o->loads = calloc(nr ? nr : 1, sizeof(*o->loads));
	if (!o->loads)
		goto err;
	for (i = 0; i < nr; i++)
		if (gelf_getphdr(o->elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			o->loads[o->nr_loads++] = ph;
	while ((scn = elf_nextscn(o->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			symtab = scn;
		else if (sh.sh_type == SHT_DYNSYM)
			dynsym = scn;
	}
	if (object_syms(o, symtab))
		goto err;
	if (!o->nr_syms) {
		free(o->syms);
		o->syms = NULL;
		if (object_syms(o, dynsym))
			goto err;
	}
	o->dwarf = dwarf_begin_elf(o->elf, DWARF_C_READ, NULL);
	return;
err:
	object_close(o);
}

/* The cached object for (@path, @build_id), opened at its first use. */
static struct sym_object *object_get(struct symbolizer *s, const char *path,
				     const char *build_id)
{
	struct sym_object *o;

	for (o = s->objects; o; o = o->next)
		if (!strcmp(o->path, path) &&
		    (o->want_id ? build_id && !strcmp(o->want_id, build_id) : !build_id))
			return o;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->fd = -1;
	o->path = strdup(path);
	o->want_id = build_id ? strdup(build_id) : NULL;
	o->build_id = o->want_id;
	if (!o->path || (build_id && !o->want_id)) {
		free(o->path);
		free(o->want_id);
		free(o);
		return NULL;
	}
	object_open(o);
	o->next = s->objects;
	s->objects = o;
	return o;
}

/* File offset @foff as the ELF address of its PT_LOAD; false: in none. */
static bool object_addr(const struct sym_object *o, unsigned long long foff,
			unsigned long long *addr)
{
	const GElf_Phdr *ph;
	size_t i;

	for (i = 0; i < o->nr_loads; i++) {
		ph = &o->loads[i];
		if (foff >= ph->p_offset && foff - ph->p_offset < ph->p_filesz) {
			*addr = foff - ph->p_offset + ph->p_vaddr;
			return true;
		}
	}
	return false;
}

/* @f's file and line for ELF address @addr, from DWARF if there is any. */
static void object_line(const struct sym_object *o, unsigned long long addr,
			struct sym_frame *f)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die die;
	Dwarf_Line *line;
	const char *file;
	int lineno;

	if (!o->dwarf)
		return;
	/* .debug_aranges if there is one (gcc), else every unit (clang) */
	if (dwarf_addrdie(o->dwarf, addr, &die))
		goto found;
	while (!dwarf_get_units(o->dwarf, cu, &cu, NULL, NULL, &die, NULL))
		if (dwarf_haspc(&die, addr) > 0)
			goto found;
	return;
found:
	line = dwarf_getsrc_die(&die, addr);
	if (!line || dwarf_lineno(line, &lineno))
		return;
	file = dwarf_linesrc(line, NULL, NULL);
	if (!file)
		return;
	f->file = file;
	f->line = lineno;
}

/* ---------------------------------------------------------- symbolizer -- */

struct symbolizer *symbolizer_new(void)
{
	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = EINVAL;
		return NULL;
	}
	return calloc(1, sizeof(struct symbolizer));
}

void symbolizer_free(struct symbolizer *s)
{
	struct sym_object *o, *next;

	if (!s)
		return;
	for (o = s->objects; o; o = next) {
		next = o->next;
		object_close(o);
		if (o->build_id != o->want_id)
			free(o->build_id);
		free(o->want_id);
		free(o->path);
		free(o);
	}
	free(s->ksyms);
	free(s->kallsyms);
	free(s);
}

int sym_user(struct symbolizer *s, const struct sym_maps *m,
	     unsigned long long ip, struct sym_frame *f)
{
	const struct sym_map *map;
	const struct sym_object *o;
	const struct sym *sym;

	memset(f, 0, sizeof(*f));
	f->ip = ip;
	map = maps_find(m, ip);
	if (!map)
		return 0;
	o = object_get(s, map->path, map->build_id);
	if (!o)
		return -ENOMEM;
	f->module = o->path;
	f->build_id = o->build_id;
	f->offset = ip - map->start + map->pgoff;
	if (!o->elf || !object_addr(o, f->offset, &f->offset))
		return 0;
	sym = syms_find(o->syms, o->nr_syms, f->offset);
	if (sym) {
		f->func = sym->name;
		f->func_off = f->offset - sym->addr;
	}
	object_line(o, f->offset, f);
	return 0;
}

/* /proc/kallsyms, whole, into s->kallsyms; 0 or -errno. */
static int kallsyms_slurp(struct symbolizer *s, size_t *len)
{
	size_t cap = 1 << 20;
	int fd, err = 0;
	ssize_t n;
	char *p;

	fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*len = 0;
	s->kallsyms = malloc(cap);
	while (s->kallsyms) {
		if (cap - *len < 2) {
			p = cap < SYM_KALLSYMS_MAX ? realloc(s->kallsyms, 2 * cap) : NULL;
			if (!p) {
				err = cap < SYM_KALLSYMS_MAX ? -ENOMEM : -E2BIG;
				break;
			}
			s->kallsyms = p;
			cap *= 2;
		}
		n = read(fd, s->kallsyms + *len, cap - *len - 1);
		if (n <= 0) {
			err = n ? -errno : 0;
			break;
		}
		*len += (size_t)n;
	}
	if (!s->kallsyms)
		err = -ENOMEM;
	else
		s->kallsyms[*len] = '\0';
	close(fd);
	return err;
}

/* "ffffffff81000000 T _text" or "... t name\t[module]"; text symbols only. */
static int kallsyms_load(struct symbolizer *s)
{
	char *p, *nl, *name, *module, *end;
	size_t len, cap = 0, hidden = 0;
	unsigned long long addr;
	struct sym *syms;
	int err;

	err = kallsyms_slurp(s, &len);
	if (err)
		return err;
	for (p = s->kallsyms; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		addr = strtoull(p, &end, 16);
		if (end == p || end[0] != ' ' || !strchr("tTwW", end[1]) ||
		    !end[1] || end[2] != ' ')
			continue;
		name = end + 3;
		module = strchr(name, '\t');
		if (module)
			*module++ = '\0';
		if (!addr) {
			hidden++;
			continue;
		}
		if (s->nr_ksyms == cap) {
			cap = cap ? 2 * cap : 65536;
			syms = cap <= SYM_SYMS_MAX ?
				reallocarray(s->ksyms, cap, sizeof(*syms)) : NULL;
			if (!syms)
				return cap <= SYM_SYMS_MAX ? -ENOMEM : -E2BIG;
			s->ksyms = syms;
		}
		s->ksyms[s->nr_ksyms++] = (struct sym){
			.addr = addr, .name = name, .bind = STB_GLOBAL,
			.module = module ? module : "kernel",
		};
	}
	if (!s->nr_ksyms)
		return hidden ? -EPERM : -ENOENT;
	qsort(s->ksyms, s->nr_ksyms, sizeof(*s->ksyms), sym_cmp);
	return 0;
}

int sym_kernel(struct symbolizer *s, unsigned long long ip,
	       struct sym_frame *f)
{
	const struct sym *sym;

	memset(f, 0, sizeof(*f));
	f->ip = ip;
	f->offset = ip;
	if (!s->kallsyms_read) {
		s->kallsyms_err = kallsyms_load(s);
		s->kallsyms_read = true;
	}
	if (s->kallsyms_err)
		return s->kallsyms_err;
	sym = syms_find(s->ksyms, s->nr_ksyms, ip);
	if (sym) {
		f->module = sym->module;
		f->func = sym->name;
		f->func_off = ip - sym->addr;
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int sym_frame_format(const struct sym_frame *f, char *buf, size_t size)
{
	if (f->func && f->file)
		return snprintf(buf, size, "%s+0x%llx (%s:%d)", f->func,
				f->func_off, base_name(f->file), f->line);
	if (f->func)
		return snprintf(buf, size, "%s+0x%llx", f->func, f->func_off);
	if (f->module)
		return snprintf(buf, size, "%s+0x%llx", base_name(f->module),
				f->offset);
	return snprintf(buf, size, "0x%llx", f->ip);
}
