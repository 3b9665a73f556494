// SPDX-License-Identifier: GPL-2.0
/*
 * array.c - growing arrays for the tools (array.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"

#define KVMMEM_GROW_FIRST	16

int kvmmem_grow(void *arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : KVMMEM_GROW_FIRST / 2;
	void **p = arr;
	void *q;

	if (need <= *cap)
		return 0;
	if (!size)
		return -EINVAL;
	do {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	} while (ncap < need);
	if (ncap > SIZE_MAX / size)
		return -ENOMEM;
	q = realloc(*p, ncap * size);
	if (!q)
		return -ENOMEM;
	memset((char *)q + *cap * size, 0, (ncap - *cap) * size);
	*p = q;
	*cap = ncap;
	return 0;
}
