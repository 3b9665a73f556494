// SPDX-License-Identifier: GPL-2.0
/*
 * mapone - the smallest libkvmmem client, built by the install test
 * against an installed libkvmmem with `pkg-config --cflags --libs
 * libkvmmem` (never with the tree's -I flags): maps one hostsim page,
 * checks it against the hostsim pattern, unmaps it.
 *
 *   mapone [DEVICE [GPA]]    default /dev/kvmmem, 0x1000
 *
 * Prints "mapone: ok" and exits 0; on an error prints the failing call
 * and the errno's name ("mapone: kvmmem_open: ENOENT") and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <libkvmmem.h>

static int fail(const char *what, int err)
{
	printf("mapone: %s: %s\n", what, kvmmem_errno_name(err));
	return 1;
}

int main(int argc, char **argv)
{
	KVMMEM_OPTS(opts, .dev_path = argc > 1 ? argv[1] : KVMMEM_DEV_PATH);
	uint64_t gpa = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x1000;
	struct kvmmem *km;
	void *page;
	int err;

	err = kvmmem_open(&opts, &km);
	if (err)
		return fail("kvmmem_open", err);
	err = kvmmem_map(km, NULL, gpa, &page);
	if (err) {
		kvmmem_close(km);
		return fail("kvmmem_map", err);
	}
	err = kvmmem_hostsim_verify(page, kvmmem_page_size(km), gpa, NULL);
	if (err) {
		kvmmem_unmap(km, page);
		kvmmem_close(km);
		return fail("kvmmem_hostsim_verify", err);
	}
	err = kvmmem_unmap(km, page);
	kvmmem_close(km);
	if (err)
		return fail("kvmmem_unmap", err);
	printf("mapone: ok\n");
	return 0;
}
