// SPDX-License-Identifier: GPL-2.0
/*
 * sym_helper.c - a process for test_symbolize to symbolize: built non-PIE
 * with a fixed build id, and as a stripped copy (selftests/unit/Makefile).
 *
 * Prints "STATIC GLOBAL MARKER LINE" (hex addresses of a static and of a
 * global function, an address in the static one's call on line LINE), then
 * waits for EOF on stdin, and exits 0.
 */
#include <stdio.h>

static __attribute__((noinline)) unsigned long long return_address(void)
{
	return (unsigned long long)__builtin_return_address(0);
}

/* called through volatile pointers: no inlining, no clones */
static unsigned long long (*volatile ret_addr)(void) = return_address;

static __attribute__((noinline)) unsigned long long helper_static(int *line)
{
	unsigned long long ip = ret_addr(); *line = __LINE__;

	return ip - 1;
}

__attribute__((noinline)) unsigned long long helper_global(int *line);
__attribute__((noinline)) unsigned long long helper_global(int *line)
{
	static unsigned long long (*volatile fn)(int *) = helper_static;

	return fn(line);
}

int main(void)
{
	unsigned long long (*volatile fn)(int *) = helper_global;
	unsigned long long marker;
	int line;

	marker = fn(&line);
	printf("%llx %llx %llx %d\n", (unsigned long long)helper_static,
	       (unsigned long long)helper_global, marker, line);
	fflush(stdout);
	while (getchar() != EOF)
		;
	return 0;
}
