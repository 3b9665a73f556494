// SPDX-License-Identifier: GPL-2.0
/* array.h: kvmmem_grow(). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "common/array.h"

struct elem {
	uint64_t a;
	uint32_t b;
};

Test(array, grow_appends_keep_contents_and_zero_new_room)
{
	struct elem *v = NULL;
	size_t cap = 0, n, i, reallocs = 0, last_cap = 0;

	for (n = 0; n < 10000; n++) {
		cr_assert_eq(kvmmem_grow(&v, &cap, n + 1, sizeof(*v)), 0);
		cr_assert_gt(cap, n);
		if (cap != last_cap) {
			reallocs++;
			/* the room it made is zeroed */
			for (i = n; i < cap; i++)
				cr_assert(v[i].a == 0 && v[i].b == 0);
			last_cap = cap;
		}
		v[n] = (struct elem){ .a = n * 3, .b = (uint32_t)n };
	}
	for (i = 0; i < n; i++)
		cr_assert(v[i].a == i * 3 && v[i].b == i);
	/* doubling: 16, 32, ... 16384 */
	cr_assert_eq(cap, 16384);
	cr_assert_eq(reallocs, 11);
	free(v);
}

Test(array, grow_with_room_left_changes_nothing)
{
	uint32_t *v = NULL, *before;
	size_t cap = 0;

	cr_assert_eq(kvmmem_grow(&v, &cap, 1, sizeof(*v)), 0);
	before = v;
	cr_assert_eq(kvmmem_grow(&v, &cap, cap, sizeof(*v)), 0);
	cr_assert_eq(v, before);
	cr_assert_eq(cap, 16);
	free(v);
}

Test(array, grow_to_a_far_index_makes_room_for_it)
{
	uint8_t *v = NULL;
	size_t cap = 0;

	cr_assert_eq(kvmmem_grow(&v, &cap, 1001, 1), 0);
	cr_assert_eq(cap, 1024);
	v[1000] = 1;
	free(v);
}

Test(array, grow_refuses_sizes_that_overflow_and_leaves_the_array)
{
	uint64_t *v = NULL;
	size_t cap = 0;

	cr_assert_eq(kvmmem_grow(&v, &cap, 4, sizeof(*v)), 0);
	v[3] = 42;
	cr_assert_eq(kvmmem_grow(&v, &cap, SIZE_MAX / 4 + 1,
				 sizeof(*v)), -ENOMEM);
	cr_assert_eq(kvmmem_grow(&v, &cap, SIZE_MAX, 1), -ENOMEM);
	cr_assert_eq(kvmmem_grow(&v, &cap, 17, 0), -EINVAL);
	cr_assert_eq(cap, 16);
	cr_assert_eq(v[3], 42);
	free(v);
}
