// SPDX-License-Identifier: GPL-2.0
/*
 * symbolize.h: user addresses (this binary, PIE; libc; sym_helper, non-PIE,
 * and its stripped copy), the mappings' text form, kernel addresses.
 * Built with -g; sym_helper's path and build id come from the Makefile.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "common/symbolize.h"

#ifndef SYM_HELPER
#error "SYM_HELPER: the path of sym_helper (selftests/unit/Makefile)"
#endif

/* ------------------------------------------------- this binary's code -- */

static __attribute__((noinline)) unsigned long long return_address(void)
{
	return (unsigned long long)__builtin_return_address(0);
}

/* called through volatile pointers: no inlining, no clones */
static unsigned long long (*volatile ret_addr)(void) = return_address;

static __attribute__((noinline)) unsigned long long marker_static(int *line)
{
	unsigned long long ip = ret_addr(); *line = __LINE__;

	return ip - 1;
}

__attribute__((noinline)) unsigned long long sym_test_marker_global(int *line);
__attribute__((noinline)) unsigned long long sym_test_marker_global(int *line)
{
	unsigned long long ip = ret_addr(); *line = __LINE__;

	return ip - 1;
}

static unsigned long long (*volatile call_static)(int *) = marker_static;
static unsigned long long (*volatile call_global)(int *) = sym_test_marker_global;

static const char *base(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

static char *self_exe(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	cr_assert_gt(n, 0);
	path[n] = '\0';
	return path;
}

/* Symbolize @ip in this process. */
static void sym_self(struct symbolizer *s, unsigned long long ip, struct sym_frame *f)
{
	struct sym_maps *m = sym_maps_read(getpid());

	cr_assert_not_null(m, "sym_maps_read: %s", strerror(errno));
	cr_assert_eq(sym_user(s, m, ip, f), 0);
	sym_maps_free(m);
}

static void assert_marker(unsigned long long (*fn)(int *), const char *name)
{
	struct symbolizer *s = symbolizer_new();
	unsigned long long ip;
	struct sym_frame f;
	int line = 0;

	cr_assert_not_null(s);
	ip = fn(&line);
	sym_self(s, ip, &f);
	cr_assert_str_eq(f.module, self_exe());
	cr_assert_str_eq(f.func, name);
	cr_assert_eq(f.func_off, ip - (unsigned long long)fn);
	cr_assert_str_eq(base(f.file), "test_symbolize.c");
	cr_assert_eq(f.line, line);
	cr_assert_not_null(f.build_id);
	cr_assert_eq(strspn(f.build_id, "0123456789abcdef"), strlen(f.build_id));
	cr_assert_gt(strlen(f.build_id), 0);
	symbolizer_free(s);
}

Test(symbolize, static_function_of_this_pie_has_name_offset_and_line)
{
	assert_marker(call_static, "marker_static");
}

Test(symbolize, global_function_of_this_pie_has_name_offset_and_line)
{
	assert_marker(call_global, "sym_test_marker_global");
}

Test(symbolize, function_start_has_func_off_0_and_the_pie_offset)
{
	struct symbolizer *s = symbolizer_new();
	unsigned long long ip = (unsigned long long)call_static;
	struct sym_frame f;
	Dl_info dl;

	cr_assert_not_null(s);
	sym_self(s, ip, &f);
	cr_assert_str_eq(f.func, "marker_static");
	cr_assert_eq(f.func_off, 0);
	/* GNU ld's PIE: first PT_LOAD at vaddr 0, loaded at dli_fbase */
	cr_assert_neq(dladdr((void *)call_static, &dl), 0);
	cr_assert_neq(dl.dli_fbase, NULL);
	cr_assert_neq(f.offset, ip, "this test binary is not a PIE");
	cr_assert_eq(f.offset, ip - (unsigned long long)dl.dli_fbase);
	symbolizer_free(s);
}

Test(symbolize, shared_library_function_is_named_by_its_preferred_alias)
{
	struct symbolizer *s = symbolizer_new();
	unsigned long long ip = (unsigned long long)&getpid;
	struct sym_frame f;
	Dl_info dl;

	cr_assert_not_null(s);
	cr_assert_neq(dladdr((void *)&getpid, &dl), 0);
	sym_self(s, ip + 2, &f);
	cr_assert_str_eq(base(f.module), base(dl.dli_fname));
	/* glibc's getpid is also __getpid: the fewest underscores win */
	cr_assert_str_eq(f.func, "getpid");
	cr_assert_eq(f.func_off, 2);
	cr_assert_eq(f.offset, ip + 2 - (unsigned long long)dl.dli_fbase);
	symbolizer_free(s);
}

Test(symbolize, address_in_no_mapping_has_no_module)
{
	struct symbolizer *s = symbolizer_new();
	struct sym_frame f;
	char buf[64];

	cr_assert_not_null(s);
	sym_self(s, 0x10, &f);
	cr_assert_null(f.module);
	cr_assert_null(f.func);
	cr_assert_eq(f.ip, 0x10);
	sym_frame_format(&f, buf, sizeof(buf));
	cr_assert_str_eq(buf, "0x10");
	symbolizer_free(s);
}

/* ---------------------------------------------------------- sym_helper -- */

struct helper {
	pid_t pid;
	int in;
	FILE *out;
	unsigned long long fn_static, fn_global, marker;
	int line;
};

static void helper_start(struct helper *h, const char *path)
{
	int in[2], out[2];

	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	h->pid = fork();
	cr_assert_geq(h->pid, 0);
	if (!h->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	h->in = in[1];
	h->out = fdopen(out[0], "r");
	cr_assert_not_null(h->out);
	cr_assert_eq(fscanf(h->out, "%llx %llx %llx %d", &h->fn_static,
			    &h->fn_global, &h->marker, &h->line), 4,
		     "%s printed no addresses", path);
}

static void helper_stop(struct helper *h)
{
	int status;

	close(h->in);
	fclose(h->out);
	cr_assert_eq(waitpid(h->pid, &status, 0), h->pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The file offset of @ip in @pid's maps, read here independently. */
static unsigned long long file_offset(pid_t pid, unsigned long long ip)
{
	unsigned long long start, end, pgoff;
	char path[64], line[4352];
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fp = fopen(path, "r");
	cr_assert_not_null(fp);
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "%llx-%llx %*s %llx", &start, &end, &pgoff) == 3 &&
		    ip >= start && ip < end) {
			fclose(fp);
			return ip - start + pgoff;
		}
	cr_assert_fail("%llx in no mapping of %d", ip, pid);
	return 0;
}

Test(symbolize, non_pie_helper_has_names_lines_and_its_build_id)
{
	struct symbolizer *s = symbolizer_new();
	char buf[256], want[256];
	struct sym_frame f;
	struct sym_maps *m;
	struct helper h;

	cr_assert_not_null(s);
	helper_start(&h, SYM_HELPER);
	m = sym_maps_read(h.pid);
	cr_assert_not_null(m);

	cr_assert_eq(sym_user(s, m, h.fn_static, &f), 0);
	cr_assert_str_eq(f.module, SYM_HELPER);
	cr_assert_str_eq(f.build_id, SYM_HELPER_BUILD_ID);
	cr_assert_str_eq(f.func, "helper_static");
	cr_assert_eq(f.func_off, 0);
	/* non-PIE: the ELF address is the address */
	cr_assert_eq(f.offset, h.fn_static);

	cr_assert_eq(sym_user(s, m, h.fn_global, &f), 0);
	cr_assert_str_eq(f.func, "helper_global");
	cr_assert_eq(f.func_off, 0);

	cr_assert_eq(sym_user(s, m, h.marker, &f), 0);
	cr_assert_str_eq(f.func, "helper_static");
	cr_assert_eq(f.func_off, h.marker - h.fn_static);
	cr_assert_str_eq(base(f.file), "sym_helper.c");
	cr_assert_eq(f.line, h.line);
	sym_frame_format(&f, buf, sizeof(buf));
	snprintf(want, sizeof(want), "helper_static+0x%llx (sym_helper.c:%d)",
		 h.marker - h.fn_static, h.line);
	cr_assert_str_eq(buf, want);
	sym_maps_free(m);
	helper_stop(&h);
	symbolizer_free(s);
}

Test(symbolize, stripped_helper_gives_module_plus_offset)
{
	struct symbolizer *s = symbolizer_new();
	struct sym_frame f;
	struct sym_maps *m;
	struct helper h;
	char buf[256], want[256];

	cr_assert_not_null(s);
	helper_start(&h, SYM_HELPER ".stripped");
	m = sym_maps_read(h.pid);
	cr_assert_not_null(m);
	cr_assert_eq(sym_user(s, m, h.marker, &f), 0);
	cr_assert_str_eq(f.module, SYM_HELPER ".stripped");
	/* strip keeps the note: the same build id as the unstripped file */
	cr_assert_str_eq(f.build_id, SYM_HELPER_BUILD_ID);
	cr_assert_null(f.func);
	cr_assert_null(f.file);
	cr_assert_eq(f.line, 0);
	cr_assert_eq(f.offset, h.marker);
	sym_frame_format(&f, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s+0x%llx", base(SYM_HELPER ".stripped"), h.marker);
	cr_assert_str_eq(buf, want);
	sym_maps_free(m);
	helper_stop(&h);
	symbolizer_free(s);
}

static void assert_frames_eq(const struct sym_frame *a, const struct sym_frame *b)
{
	cr_assert_eq(a->ip, b->ip);
	cr_assert_str_eq(a->module, b->module);
	cr_assert_eq(a->offset, b->offset);
	cr_assert_str_eq(a->build_id, b->build_id);
	cr_assert_str_eq(a->func, b->func);
	cr_assert_eq(a->func_off, b->func_off);
	cr_assert_str_eq(a->file, b->file);
	cr_assert_eq(a->line, b->line);
}

Test(symbolize, recorded_maps_symbolize_after_the_process_exited)
{
	struct symbolizer *live = symbolizer_new(), *later = symbolizer_new();
	struct sym_frame direct[3], after[3];
	unsigned long long ips[3];
	struct sym_maps *m;
	struct helper h;
	char *text;
	size_t len;
	int i;

	cr_assert(live && later);
	helper_start(&h, SYM_HELPER);
	ips[0] = h.fn_static;
	ips[1] = h.fn_global;
	ips[2] = h.marker;
	m = sym_maps_read(h.pid);
	cr_assert_not_null(m);
	for (i = 0; i < 3; i++)
		cr_assert_eq(sym_user(live, m, ips[i], &direct[i]), 0);
	cr_assert_eq(sym_maps_format(m, &text, &len), 0);
	cr_assert_eq(strlen(text), len);
	sym_maps_free(m);
	helper_stop(&h);
	cr_assert_eq(kill(h.pid, 0), -1, "the helper is gone");

	m = sym_maps_parse(text, len);
	cr_assert_not_null(m, "sym_maps_parse: %s\n%s", strerror(errno), text);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(sym_user(later, m, ips[i], &after[i]), 0);
		assert_frames_eq(&after[i], &direct[i]);
	}
	cr_assert_str_eq(after[2].func, "helper_static");
	sym_maps_free(m);
	free(text);
	symbolizer_free(later);
	symbolizer_free(live);
}

Test(symbolize, deleted_file_gives_module_plus_file_offset)
{
	char tmp[] = "/tmp/sym_helper-XXXXXX", buf[4096], want[4096];
	struct symbolizer *s = symbolizer_new();
	int in, out = mkostemp(tmp, O_CLOEXEC);
	struct sym_frame f;
	struct sym_maps *m;
	struct helper h;
	ssize_t n;

	cr_assert_not_null(s);
	cr_assert_geq(out, 0);
	in = open(SYM_HELPER, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(in, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, (size_t)n), n);
	close(in);
	cr_assert_eq(fchmod(out, 0700), 0);
	close(out);
	helper_start(&h, tmp);
	cr_assert_eq(unlink(tmp), 0);
	m = sym_maps_read(h.pid);
	cr_assert_not_null(m);
	cr_assert_eq(sym_user(s, m, h.marker, &f), 0);
	snprintf(want, sizeof(want), "%s (deleted)", tmp);
	cr_assert_str_eq(f.module, want);
	cr_assert_null(f.func);
	cr_assert_null(f.file);
	cr_assert_eq(f.offset, file_offset(h.pid, h.marker));
	sym_frame_format(&f, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s (deleted)+0x%llx", base(tmp), f.offset);
	cr_assert_str_eq(buf, want);
	sym_maps_free(m);
	helper_stop(&h);
	symbolizer_free(s);
}

/* Symbolize @ip with mappings parsed from @text. */
static void sym_text(const char *text, unsigned long long ip, char *buf, size_t size)
{
	struct sym_maps *m = sym_maps_parse(text, strlen(text));
	struct symbolizer *s = symbolizer_new();
	struct sym_frame f;

	cr_assert_not_null(m, "%s: %s", text, strerror(errno));
	cr_assert_not_null(s);
	cr_assert_eq(sym_user(s, m, ip, &f), 0);
	sym_frame_format(&f, buf, size);
	symbolizer_free(s);
	sym_maps_free(m);
}

Test(symbolize, missing_file_gives_module_plus_offset)
{
	char buf[256];

	sym_text("kvmmem-maps 1\n"
		 "7f0000001000-7f0000003000 2000 - /nonexistent/libgone.so\n",
		 0x7f0000001234, buf, sizeof(buf));
	cr_assert_str_eq(buf, "libgone.so+0x2234");
}

Test(symbolize, fifo_or_directory_is_not_opened_as_an_object)
{
	char dir[] = "/tmp/sym_fifo-XXXXXX", text[256], fifo[64], buf[256], want[64];

	alarm(10);	/* a blocked open() uses no CPU: Criterion's timeout misses it */
	cr_assert_not_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	/* would block in open() without a writer */
	snprintf(text, sizeof(text), "kvmmem-maps 1\n1000-2000 0 - %s\n3000-4000 0 - %s\n",
		 fifo, dir);
	sym_text(text, 0x1010, buf, sizeof(buf));
	cr_assert_str_eq(buf, "fifo+0x10");
	sym_text(text, 0x3020, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s+0x20", base(dir));
	cr_assert_str_eq(buf, want);
	cr_assert_eq(unlink(fifo), 0);
	cr_assert_eq(rmdir(dir), 0);
}

Test(symbolize, replaced_file_with_another_build_id_gives_module_plus_offset)
{
	struct symbolizer *s = symbolizer_new();
	struct sym_frame f;
	struct sym_maps *m;
	struct helper h;
	char *text, *id;
	size_t len;

	cr_assert_not_null(s);
	helper_start(&h, SYM_HELPER);
	m = sym_maps_read(h.pid);
	cr_assert_not_null(m);
	cr_assert_eq(sym_maps_format(m, &text, &len), 0);
	sym_maps_free(m);
	/* as if another build had been at that path when the maps were read */
	id = strstr(text, SYM_HELPER_BUILD_ID);
	cr_assert_not_null(id, "%s", text);
	memset(id, 'f', strlen(SYM_HELPER_BUILD_ID));
	m = sym_maps_parse(text, len);
	cr_assert_not_null(m);
	cr_assert_eq(sym_user(s, m, h.fn_static, &f), 0);
	cr_assert_str_eq(f.module, SYM_HELPER);
	cr_assert_null(f.func);
	cr_assert_eq(f.offset, file_offset(h.pid, h.fn_static));
	cr_assert_eq(strspn(f.build_id, "f"), strlen(SYM_HELPER_BUILD_ID));
	sym_maps_free(m);
	free(text);
	helper_stop(&h);
	symbolizer_free(s);
}

/* ----------------------------------------------------------- text form -- */

Test(symbolize, parse_then_format_gives_the_same_text)
{
	const char *text = "kvmmem-maps 1\n"
			   "401000-402000 1000 0123456789abcdef /usr/bin/with space\n"
			   "7f0000001000-7f0000003000 2000 - /lib/x.so (deleted)\n"
			   "ffffffffff600000-ffffffffff601000 0 ab /x\n";
	struct sym_maps *m = sym_maps_parse(text, strlen(text));
	char *out;
	size_t len;

	cr_assert_not_null(m);
	cr_assert_eq(sym_maps_format(m, &out, &len), 0);
	cr_assert_str_eq(out, text);
	cr_assert_eq(len, strlen(text));
	free(out);
	sym_maps_free(m);
}

Test(symbolize, header_only_is_no_mappings)
{
	struct sym_maps *m = sym_maps_parse("kvmmem-maps 1\n", 14);
	struct symbolizer *s = symbolizer_new();
	struct sym_frame f;

	cr_assert_not_null(m);
	cr_assert_eq(sym_user(s, m, 0x401000, &f), 0);
	cr_assert_null(f.module);
	symbolizer_free(s);
	sym_maps_free(m);
}

Test(symbolize, bad_text_is_einval)
{
	static const char *const bad[] = {
		"",
		"kvmmem-maps 2\n",
		"kvmmem-maps 1",
		"kvmmem-maps 1\n401000-402000 1000 - /x",		/* no '\n' */
		"kvmmem-maps 1\n402000-401000 1000 - /x\n",		/* end < start */
		"kvmmem-maps 1\n401000-401000 1000 - /x\n",		/* empty */
		"kvmmem-maps 1\n401000-402000 1000 - x\n",		/* relative */
		"kvmmem-maps 1\n401000-402000 1000 - \n",		/* no path */
		"kvmmem-maps 1\n401000-402000 1000 -\n",
		"kvmmem-maps 1\n401000-402000 1000 abc /x\n",		/* odd id */
		"kvmmem-maps 1\n401000-402000 1000 ABCD /x\n",		/* uppercase */
		"kvmmem-maps 1\n0x401000-402000 1000 - /x\n",
		"kvmmem-maps 1\n401000-402000 -1000 - /x\n",
		"kvmmem-maps 1\n401000 402000 1000 - /x\n",
		"kvmmem-maps 1\n10000000000000000-10000000000000001 0 - /x\n",
		"kvmmem-maps 1\n00000000000401000-402000 0 - /x\n",	/* 17 digits */
		"kvmmem-maps 1\n401000-403000 0 - /x\n402000-404000 0 - /y\n",
		"kvmmem-maps 1\n501000-502000 0 - /x\n401000-402000 0 - /y\n",
		"kvmmem-maps 1\n\n",
	};
	static const char nul[] = "kvmmem-maps 1\n401000-402000 1000 - /x\0y\n";
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		cr_assert_null(sym_maps_parse(bad[i], strlen(bad[i])), "accepted: %s", bad[i]);
		cr_assert_eq(errno, EINVAL, "%s: errno %d", bad[i], errno);
	}
	errno = 0;
	cr_assert_null(sym_maps_parse(nul, sizeof(nul) - 1));
	cr_assert_eq(errno, EINVAL);
}

Test(symbolize, frame_format_has_its_three_forms)
{
	struct sym_frame f = {
		.ip = 0x401234, .module = "/usr/bin/prog", .offset = 0x1234,
		.func = "main", .func_off = 0x1c, .file = "/src/prog.c", .line = 42,
	};
	char buf[64];

	cr_assert_eq(sym_frame_format(&f, buf, sizeof(buf)), 21);
	cr_assert_str_eq(buf, "main+0x1c (prog.c:42)");
	f.file = NULL;
	sym_frame_format(&f, buf, sizeof(buf));
	cr_assert_str_eq(buf, "main+0x1c");
	f.func = NULL;
	sym_frame_format(&f, buf, sizeof(buf));
	cr_assert_str_eq(buf, "prog+0x1234");
	cr_assert_eq(sym_frame_format(&f, buf, 4), 11);
	cr_assert_str_eq(buf, "pro");
}

/* -------------------------------------------------------------- kernel -- */

/* A skip, shown as such: Criterion lists skips only with --verbose. */
#define skip_loudly(why) do { \
	cr_log_warn("SKIP %s: %s", __func__, why); \
	cr_skip_test("%s", why); \
} while (0)

/*
 * The first text symbol of /proc/kallsyms that matches: @name (NULL: any)
 * in @module (NULL: the kernel itself, "": any module). 0: not found.
 */
static unsigned long long kallsyms_find(const char *name, const char *module,
					char *found, char *found_module)
{
	char line[1024], type, sym[512], mod[512];
	unsigned long long addr;
	FILE *fp = fopen("/proc/kallsyms", "r");
	int n;

	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		mod[0] = '\0';
		n = sscanf(line, "%llx %c %511s %511s", &addr, &type, sym, mod);
		if (n < 3 || !strchr("tT", type) || (name && strcmp(sym, name)))
			continue;
		if (module ? (module[0] ? strcmp(mod, module) : !mod[0]) : mod[0])
			continue;
		fclose(fp);
		if (found)
			strcpy(found, sym);
		if (found_module)
			strcpy(found_module, mod);
		return addr ? addr : 1;
	}
	fclose(fp);
	return 0;
}

/* Is there a text symbol @name at @addr? */
static bool kallsyms_has(unsigned long long addr, const char *name)
{
	char line[1024], type, sym[512];
	unsigned long long a;
	FILE *fp = fopen("/proc/kallsyms", "r");
	bool found = false;

	cr_assert_not_null(fp);
	while (!found && fgets(line, sizeof(line), fp))
		found = sscanf(line, "%llx %c %511s", &a, &type, sym) == 3 &&
			a == addr && !strcmp(sym, name);
	fclose(fp);
	return found;
}

Test(symbolize, kernel_function_is_named_from_kallsyms)
{
	struct symbolizer *s = symbolizer_new();
	unsigned long long addr = kallsyms_find("schedule", NULL, NULL, NULL);
	struct sym_frame f;
	char buf[64];

	cr_assert_not_null(s);
	if (!addr)
		skip_loudly("/proc/kallsyms unreadable or without schedule");
	if (addr == 1) {
		cr_assert_eq(sym_kernel(s, 0xffffffff81000000ull, &f), -EPERM);
		skip_loudly("kptr_restrict hides kernel addresses (sym_kernel gave -EPERM)");
	}
	cr_assert_eq(sym_kernel(s, addr + 4, &f), 0);
	cr_assert_str_eq(f.module, "kernel");
	cr_assert_str_eq(f.func, "schedule");
	cr_assert_eq(f.func_off, 4);
	cr_assert_eq(f.ip, addr + 4);
	sym_frame_format(&f, buf, sizeof(buf));
	cr_assert_str_eq(buf, "schedule+0x4");
	symbolizer_free(s);
}

Test(symbolize, kernel_module_function_is_named_with_its_module)
{
	struct symbolizer *s = symbolizer_new();
	char name[512], module[512];
	unsigned long long addr = kallsyms_find(NULL, "", name, module);
	struct sym_frame f;

	cr_assert_not_null(s);
	if (!addr)
		skip_loudly("no module symbols in /proc/kallsyms");
	if (addr == 1)
		skip_loudly("kptr_restrict hides kernel addresses");
	cr_assert_eq(sym_kernel(s, addr, &f), 0);
	cr_assert_str_eq(f.module, module);
	cr_assert_eq(f.func_off, 0);
	cr_assert(kallsyms_has(addr, f.func), "%s is not at %llx", f.func, addr);
	symbolizer_free(s);
}
