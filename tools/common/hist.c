// SPDX-License-Identifier: GPL-2.0
/*
 * hist.c - log2 histograms and percentiles (see hist.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/hist.h"

unsigned int kvmmem_log2_slot(uint64_t v)
{
	unsigned int slot = 0;

	while (v > 1) {
		v >>= 1;
		slot++;
	}
	return slot;
}

static void print_stars(FILE *f, uint64_t val, uint64_t val_max, int width)
{
	int num_stars, i;

	num_stars = (int)((val < val_max ? val : val_max) * width / val_max);
	for (i = 0; i < num_stars; i++)
		fputc('*', f);
	for (i = num_stars; i < width; i++)
		fputc(' ', f);
	if (val > val_max)
		fputc('+', f);
}

int kvmmem_print_log2_hist(FILE *f, const uint64_t *vals, unsigned int nr,
			   const char *val_type)
{
	int idx_max = -1, stars_max = 40, stars, width, i;
	unsigned long long low, high;
	uint64_t val_max = 0;

	if (nr > KVMMEM_LOG2_SLOTS)
		nr = KVMMEM_LOG2_SLOTS;
	for (i = 0; i < (int)nr; i++) {
		if (vals[i] > 0)
			idx_max = i;
		if (vals[i] > val_max)
			val_max = vals[i];
	}
	if (idx_max < 0)
		return 0;

	stars = idx_max <= 32 ? stars_max : stars_max / 2;
	if (idx_max <= 32)
		fprintf(f, "%*s%-*s : count    distribution\n", 5, "", 19, val_type);
	else
		fprintf(f, "%*s%-*s : count    distribution\n", 15, "", 29, val_type);

	width = idx_max <= 32 ? 10 : 20;
	for (i = 0; i <= idx_max; i++) {
		low = (1ULL << (i + 1)) >> 1;
		high = i == 63 ? UINT64_MAX : (1ULL << (i + 1)) - 1;
		if (low == high)
			low -= 1;
		fprintf(f, "%*llu -> %-*llu : %-8" PRIu64 " |", width, low, width,
			high, vals[i]);
		print_stars(f, vals[i], val_max, stars);
		fprintf(f, "|\n");
	}
	return ferror(f) ? -EIO : 0;
}

/* 1-based nearest rank of percentile @p among @n values: ceil(p/100 * n). */
static uint64_t nearest_rank(double p, uint64_t n)
{
	double r = p / 100.0 * (double)n;
	uint64_t rank = (uint64_t)r;

	if ((double)rank < r)
		rank++;		/* ceil */
	if (rank < 1)
		rank = 1;
	return rank > n ? n : rank;
}

uint64_t kvmmem_log2_percentile(const uint64_t *slots, unsigned int nr,
				double p)
{
	uint64_t n = 0, rank, before = 0;
	double low, width;
	unsigned int i;

	if (nr > KVMMEM_LOG2_SLOTS)
		nr = KVMMEM_LOG2_SLOTS;
	for (i = 0; i < nr; i++)
		n += slots[i];
	if (!n || !(p > 0 && p <= 100))
		return 0;
	rank = nearest_rank(p, n);
	for (i = 0; before + slots[i] < rank; i++)
		before += slots[i];
	/* slot i is [2^i, 2^(i+1)), slot 0 [0, 2) */
	width = (double)(1ULL << i);
	low = i ? width : 0.0;
	if (!i)
		width = 2.0;
	return (uint64_t)(low + width * ((double)(rank - before) - 0.5) /
			  (double)slots[i]);
}

int kvmmem_samples_add(struct kvmmem_samples *s, uint64_t v)
{
	if (kvmmem_grow(&s->v, &s->cap, s->n + 1, sizeof(*s->v)))
		return -ENOMEM;
	s->v[s->n++] = v;
	s->sorted = false;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t kvmmem_samples_percentile(struct kvmmem_samples *s, double p)
{
	if (!s->n || !(p > 0 && p <= 100))
		return 0;
	if (!s->sorted) {
		qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
		s->sorted = true;
	}
	return s->v[nearest_rank(p, s->n) - 1];
}

uint64_t kvmmem_samples_max(const struct kvmmem_samples *s)
{
	uint64_t max = 0;
	size_t i;

	if (s->sorted && s->n)
		return s->v[s->n - 1];
	for (i = 0; i < s->n; i++)
		if (s->v[i] > max)
			max = s->v[i];
	return max;
}

void kvmmem_samples_log2(const struct kvmmem_samples *s, uint64_t unit,
			 uint64_t slots[KVMMEM_LOG2_SLOTS])
{
	size_t i;

	memset(slots, 0, KVMMEM_LOG2_SLOTS * sizeof(*slots));
	if (!unit)
		unit = 1;
	for (i = 0; i < s->n; i++)
		slots[kvmmem_log2_slot(s->v[i] / unit)]++;
}

void kvmmem_samples_free(struct kvmmem_samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
