// SPDX-License-Identifier: GPL-2.0
/*
 * callsites.c - what kvmmem-trace report, dump and export show of a
 * record --stacks recording: each stack symbolized once, from the
 * recording alone (the memory maps it holds: the process may be long
 * gone), and the mappings grouped by call site (trace/stacks.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/symbolize.h"
#include "kvmmem-trace.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void frame_free(struct cs_frame *f)
{
	free(f->module);
	free(f->build_id);
	free(f->func);
	free(f->file);
	free(f->text);
}

/*
 * @f from the symbolizer's frame @sf of @ip: its own copies. The key is
 * what two processes running the same code share: function and module,
 * or module and offset; never the address.
 */
static int frame_set(struct cs_frame *f, const struct sym_frame *sf,
		     uint64_t ip, bool resolved, FILE *key)
{
	char buf[512];

	memset(f, 0, sizeof(*f));
	f->ip = ip;
	if (resolved) {
		f->module = dup_or_null(sf->module);
		f->offset = sf->offset;
		f->build_id = dup_or_null(sf->build_id);
		f->func = dup_or_null(sf->func);
		f->func_off = sf->func_off;
		f->file = dup_or_null(sf->file);
		f->line = sf->line;
	}
	if (f->func || f->module) {
		struct sym_frame g = *sf;

		g.ip = ip;
		sym_frame_format(&g, buf, sizeof(buf));
	} else {
		snprintf(buf, sizeof(buf), "0x%" PRIx64, ip);
	}
	f->text = strdup(buf);
	if (!f->text)
		return -ENOMEM;
	if (f->func)
		fprintf(key, "%s+0x%llx@%s<", f->func, (unsigned long long)f->func_off,
			f->module ? f->module : "");
	else if (f->module)
		fprintf(key, "%s+0x%llx<", f->module, (unsigned long long)f->offset);
	else
		fprintf(key, "0x%" PRIx64 "<", ip);
	return 0;
}

/*
 * Symbolize stack @st (every frame after the first is a return address:
 * it is looked up one byte back, inside the call) with @maps, its
 * process's memory map (NULL: none was read).
 */
static int symbolize_stack(struct symbolizer *sym, const struct sym_maps *maps,
			   bool kernel, const struct kvmmem_trace_stack *st,
			   struct cs_stack *cs, char **key)
{
	size_t n = (size_t)st->nr_user + st->nr_kernel, i, klen;
	struct sym_frame sf;
	FILE *k;
	int err = 0;

	cs->frames = calloc(n ? n : 1, sizeof(*cs->frames));
	if (!cs->frames)
		return -ENOMEM;
	cs->nr_user = st->nr_user;
	cs->nr_kernel = st->nr_kernel;
	k = open_memstream(key, &klen);
	if (!k)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		uint64_t ip = st->ips[i], look = ip;
		bool user = i < st->nr_user, ok;

		if (i != 0 && i != st->nr_user && look)
			look--;
		memset(&sf, 0, sizeof(sf));
		if (user)
			ok = maps && !sym_user(sym, maps, look, &sf) && sf.module;
		else
			ok = kernel && !sym_kernel(sym, look, &sf) && sf.func;
		if (!user && i == st->nr_user)
			fputc('|', k);
		if (ok && look != ip) {
			sf.func_off++;
			sf.offset++;
		}
		err = frame_set(&cs->frames[i], &sf, ip, ok, k);
	}
	fclose(k);
	return err;
}

/*
 * Was @tf recorded in this boot? Then this kernel's symbols are its
 * kernel frames' (kallsyms is not in the recording); else they stay
 * addresses.
 */
static bool same_boot(const struct kvmmem_trace_file *tf)
{
	char id[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	if (!f)
		return false;
	if (!fgets(id, sizeof(id), f))
		id[0] = '\0';
	fclose(f);
	id[strcspn(id, "\n")] = '\0';
	return id[0] && !strcmp(id, tf->info.boot_id);
}

int callsites_build(struct callsites *c, const struct kvmmem_trace_file *tf)
{
	bool kernel = same_boot(tf);
	struct sym_maps **maps = NULL;
	struct symbolizer *sym = NULL;
	size_t i;
	int err = -ENOMEM;

	memset(c, 0, sizeof(*c));
	if (!tf->nr_refs && !tf->nr_stacks)
		return 0;
	c->stacks = calloc(tf->nr_stacks + 1, sizeof(*c->stacks));
	c->keys = calloc(tf->nr_stacks + 1, sizeof(*c->keys));
	maps = calloc(tf->nr_procmaps + 1, sizeof(*maps));
	sym = symbolizer_new();
	if (!c->stacks || !c->keys || !maps || !sym)
		goto out;
	c->nr_stacks = tf->nr_stacks;
	/* each map parsed once, each stack symbolized once */
	for (i = 0; i < tf->nr_stacks; i++) {
		const struct kvmmem_trace_stack *st = &tf->stacks[i];
		const struct sym_maps *m = NULL;

		if (st->maps != SIZE_MAX) {
			if (!maps[st->maps])
				maps[st->maps] = sym_maps_parse(tf->procmaps[st->maps].text,
								tf->procmaps[st->maps].len);
			m = maps[st->maps];
		}
		err = symbolize_stack(sym, m, kernel, st, &c->stacks[i], &c->keys[i]);
		if (err)
			goto out;
	}
	err = kvmmem_trace_sites_build(&c->sites, tf, (const char *const *)c->keys);
out:
	for (i = 0; maps && i < tf->nr_procmaps; i++)
		sym_maps_free(maps[i]);
	free(maps);
	symbolizer_free(sym);
	if (err)
		callsites_free(c);
	return err;
}

void callsites_free(struct callsites *c)
{
	size_t i, j;

	for (i = 0; c->stacks && i < c->nr_stacks; i++) {
		struct cs_stack *s = &c->stacks[i];

		for (j = 0; s->frames && j < (size_t)s->nr_user + s->nr_kernel; j++)
			frame_free(&s->frames[j]);
		free(s->frames);
	}
	for (i = 0; c->keys && i < c->nr_stacks; i++)
		free(c->keys[i]);
	free(c->stacks);
	free(c->keys);
	kvmmem_trace_sites_free(&c->sites);
	memset(c, 0, sizeof(*c));
}

const struct cs_stack *callsites_stack(const struct callsites *c,
				       const struct kvmmem_trace_file *tf,
				       uint32_t stack)
{
	const struct kvmmem_trace_stack *st = kvmmem_trace_file_stack(tf, stack);

	return st && c->stacks ? &c->stacks[st - tf->stacks] : NULL;
}

/* ---------------------------------------------------------------- text */

static void print_frames(FILE *f, const struct cs_stack *s, const char *indent)
{
	size_t i;

	for (i = 0; i < (size_t)s->nr_user + s->nr_kernel; i++) {
		const struct cs_frame *fr = &s->frames[i];

		if (i == s->nr_user)
			fprintf(f, "%skernel:\n", indent);
		fprintf(f, "%s  %s\n", indent, fr->text);
	}
	if (!s->nr_user)
		fprintf(f, "%s  (no user stack: the process has no frame "
			"pointers, or it could not be read)\n", indent);
}

void callsites_text(FILE *f, const struct callsites *c,
		    const struct kvmmem_trace_file *tf,
		    const struct kvmmem_trace_analysis *a)
{
	const struct kvmmem_trace_stack_lost_payload *lost = &tf->stack_lost;
	size_t i, j, shown;

	fprintf(f, "\nTop leaking call sites (record --stacks): %zu mappings, "
		"%zu call sites, %zu distinct stacks\n", c->sites.nr_refs,
		c->sites.nr_sites, tf->nr_stacks);
	if (lost->stacks || lost->table || lost->refs || lost->maps)
		fprintf(f, "  LOST: %" PRIu64 " stacks not taken, %" PRIu64
			" mappings not kept (table full), %" PRIu64 " references "
			"dropped (ring buffer full), %" PRIu64 " processes' memory "
			"maps not read\n", lost->stacks, lost->table, lost->refs,
			lost->maps);
	for (i = 0; i < c->sites.nr_sites; i++) {
		const struct kvmmem_trace_site *s = &c->sites.sites[i];
		const struct kvmmem_trace_mapping *m =
			kvmmem_trace_analysis_get_mapping(a, s->first_id);
		const struct cs_stack *cs = callsites_stack(c, tf, s->stack);
		char comm[KT_COMM_LEN + 1] = "?";

		if (m && m->comm[0])
			snprintf(comm, sizeof(comm), "%.*s", KT_COMM_LEN, m->comm);
		fprintf(f, "  #%zu: %" PRIu64 " mappings: %" PRIu64 " leaked, %"
			PRIu64 " left to teardown, %" PRIu64 " live at end (%s)\n",
			i + 1, s->total, s->count[KT_STACK_LEAKED],
			s->count[KT_STACK_TEARDOWN], s->count[KT_STACK_LIVE], comm);
		fprintf(f, "      mappings:");
		for (j = 0, shown = 0; j < c->sites.nr_refs; j++) {
			if (c->sites.refs[j].site != i)
				continue;
			if (shown++ == 16) {
				fprintf(f, " ...");
				break;
			}
			fprintf(f, " %" PRIu64 "(%s)", c->sites.refs[j].id,
				kvmmem_trace_stack_why_name(c->sites.refs[j].why));
		}
		fputc('\n', f);
		if (cs)
			print_frames(f, cs, "      ");
		else
			fprintf(f, "        (no stack: not taken, or lost)\n");
	}
}

/* "#N" of mapping @id's call site, or "-". */
const char *callsites_site_name(const struct callsites *c, uint64_t id,
				char buf[24])
{
	const struct kvmmem_trace_site_ref *r = kvmmem_trace_sites_find(&c->sites, id);

	if (!r)
		return "-";
	snprintf(buf, 24, "#%" PRIu32, r->site + 1);
	return buf;
}

/* ---------------------------------------------------------------- JSON */

static void json_frame(struct kvmmem_json *j, const struct cs_frame *f)
{
	kvmmem_json_object(j, NULL);
	kvmmem_json_hex(j, "ip", f->ip);
	if (f->module) {
		kvmmem_json_string(j, "module", f->module);
		kvmmem_json_hex(j, "offset", f->offset);
	}
	if (f->build_id)
		kvmmem_json_string(j, "build_id", f->build_id);
	if (f->func) {
		kvmmem_json_string(j, "func", f->func);
		kvmmem_json_hex(j, "func_off", f->func_off);
	}
	if (f->file) {
		kvmmem_json_string(j, "file", f->file);
		kvmmem_json_i64(j, "line", f->line);
	}
	kvmmem_json_string(j, "text", f->text);
	kvmmem_json_end(j);
}

void callsites_json_stack(struct kvmmem_json *j, const char *key,
			  const struct cs_stack *s)
{
	size_t i;

	kvmmem_json_object(j, key);
	kvmmem_json_array(j, "user");
	for (i = 0; i < s->nr_user; i++)
		json_frame(j, &s->frames[i]);
	kvmmem_json_end(j);
	kvmmem_json_array(j, "kernel");
	for (i = s->nr_user; i < (size_t)s->nr_user + s->nr_kernel; i++)
		json_frame(j, &s->frames[i]);
	kvmmem_json_end(j);
	kvmmem_json_end(j);
}

void callsites_json(struct kvmmem_json *j, const struct callsites *c,
		    const struct kvmmem_trace_file *tf)
{
	const struct kvmmem_trace_stack_lost_payload *lost = &tf->stack_lost;
	size_t i, k;

	kvmmem_json_object(j, "stacks");
	kvmmem_json_bool(j, "recorded", tf->info.stacks);
	kvmmem_json_object(j, "lost");
	kvmmem_json_u64(j, "stacks", lost->stacks);
	kvmmem_json_u64(j, "table_full", lost->table);
	kvmmem_json_u64(j, "refs", lost->refs);
	kvmmem_json_u64(j, "maps", lost->maps);
	kvmmem_json_end(j);
	kvmmem_json_array(j, "stacks");
	for (i = 0; i < tf->nr_stacks; i++) {
		kvmmem_json_object(j, NULL);
		kvmmem_json_u64(j, "stack", tf->stacks[i].id);
		kvmmem_json_u64(j, "pid", tf->stacks[i].pid);
		callsites_json_stack(j, "frames", &c->stacks[i]);
		kvmmem_json_end(j);
	}
	kvmmem_json_end(j);
	kvmmem_json_array(j, "call_sites");
	for (i = 0; i < c->sites.nr_sites; i++) {
		const struct kvmmem_trace_site *s = &c->sites.sites[i];
		const struct cs_stack *cs = callsites_stack(c, tf, s->stack);

		kvmmem_json_object(j, NULL);
		kvmmem_json_u64(j, "site", i + 1);
		if (s->stack)
			kvmmem_json_u64(j, "stack", s->stack);
		else
			kvmmem_json_null(j, "stack");
		kvmmem_json_u64(j, "mappings", s->total);
		kvmmem_json_u64(j, "leaked", s->count[KT_STACK_LEAKED]);
		kvmmem_json_u64(j, "teardown", s->count[KT_STACK_TEARDOWN]);
		kvmmem_json_u64(j, "live", s->count[KT_STACK_LIVE]);
		kvmmem_json_array(j, "ids");
		for (k = 0; k < c->sites.nr_refs; k++)
			if (c->sites.refs[k].site == i)
				kvmmem_json_u64(j, NULL, c->sites.refs[k].id);
		kvmmem_json_end(j);
		if (cs)
			callsites_json_stack(j, "frames", cs);
		kvmmem_json_end(j);
	}
	kvmmem_json_end(j);
	kvmmem_json_end(j);
}

/* A mapping's "site" and "stack" members (nothing if it has none). */
void callsites_json_mapping(struct kvmmem_json *j, const struct callsites *c,
			    uint64_t id)
{
	const struct kvmmem_trace_site_ref *r = kvmmem_trace_sites_find(&c->sites, id);

	if (!r)
		return;
	kvmmem_json_u64(j, "site", r->site + 1);
	if (r->stack)
		kvmmem_json_u64(j, "stack", r->stack);
	else
		kvmmem_json_null(j, "stack");
}
