/* SPDX-License-Identifier: GPL-2.0 */
/*
 * array.h - growing arrays for the tools: room for one more element,
 * the capacity doubled when it runs out, so that appending n elements
 * copies O(n) bytes in all (a realloc() per element copies O(n^2)).
 */
#ifndef KVMMEM_ARRAY_H
#define KVMMEM_ARRAY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * kvmmem_grow() - make room for element @n of a growing array
 * @arr:  the array, NULL before the first call; replaced when it moves
 * @cap:  its capacity in elements (0 before the first call); updated
 * @n:    elements in use: the one to append goes at index @n
 * @size: an element's size in bytes
 *
 * When @n < *@cap nothing changes. Otherwise the capacity doubles (16
 * elements the first time) and the new elements are zeroed.
 *
 * Return: 0, or -ENOMEM (out of memory, or the size would overflow), with
 * *@arr and *@cap as they were.
 */
int kvmmem_grow(void *arr, size_t *cap, size_t n, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_ARRAY_H */
