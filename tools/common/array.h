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
 * kvmmem_grow() - make room for @need elements in a growing array
 * @arr:  the array, NULL before the first call; replaced when it moves
 * @cap:  its capacity in elements (0 before the first call); updated
 * @need: elements it must hold: to append one, the count in use + 1
 * @size: an element's size in bytes
 *
 * When @need <= *@cap nothing changes. Otherwise the capacity doubles
 * (16 elements the first time) until it holds @need, and the new
 * elements are zeroed.
 *
 * Return: 0; -ENOMEM (out of memory, or the size would overflow); or
 * -EINVAL for a @size of 0. On an error *@arr and *@cap are as they were.
 */
int kvmmem_grow(void *arr, size_t *cap, size_t need, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_ARRAY_H */
