/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hist.h - log2 histograms and percentiles shared by the kvmmem tools.
 * Nothing here touches a device or prints except to a FILE * it is given.
 */
#ifndef KVMMEM_HIST_H
#define KVMMEM_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Slots of a log2 histogram: slot i holds [2^i, 2^(i+1)), slot 0 [0, 1]. */
#define KVMMEM_LOG2_SLOTS	64

/**
 * kvmmem_log2_slot() - the log2 histogram slot of a value
 *
 * Return: floor(log2(@v)), 0 for 0 and 1: the slot libbpf-tools' BPF
 * side (bits.bpf.h log2l()) puts @v in.
 */
unsigned int kvmmem_log2_slot(uint64_t v);

/**
 * kvmmem_print_log2_hist() - print a log2 histogram as libbpf-tools does
 * @f:        where to print
 * @vals:     @nr slot counts (slot i = [2^i, 2^(i+1)), slot 0 = [0, 1])
 * @nr:       number of slots, at most KVMMEM_LOG2_SLOTS
 * @val_type: the unit column's title ("usecs", "msecs")
 *
 * The exact layout of print_log2_hist() in bcc's libbpf-tools
 * trace_helpers.c: a header "     usecs               : count    distribution",
 * then one line per slot up to the last non-empty one,
 * "%*lld -> %-*lld : %-8llu |stars|", 40 stars (20 past slot 32) for the
 * largest count. Prints nothing if every slot is 0.
 *
 * Return: 0, or -EIO if writing to @f failed.
 */
int kvmmem_print_log2_hist(FILE *f, const uint64_t *vals, unsigned int nr,
			   const char *val_type);

/**
 * kvmmem_log2_percentile() - the p-th percentile of a log2 histogram
 * @slots: @nr slot counts (slot i = [2^i, 2^(i+1)), slot 0 = [0, 1]), e.g.
 *         read from a BPF map
 * @nr:    number of slots, at most KVMMEM_LOG2_SLOTS
 * @p:     percent, 0 < @p <= 100
 *
 * The slot holding the nearest-rank value (the ceil(p/100 * n)-th
 * smallest, as kvmmem_samples_percentile()) is found exactly; inside it
 * the value is interpolated linearly, each of the slot's c values taking
 * the centre of its 1/c share of [low, high). So one value in slot 10
 * ([1024, 2048)) is 1536; slot 0 spans [0, 2). Resolution: a factor of 2.
 *
 * Return: that estimate, rounded down; 0 if the histogram is empty or @p
 * is out of range.
 */
uint64_t kvmmem_log2_percentile(const uint64_t *slots, unsigned int nr,
				double p);

/* A growing set of values, for percentiles and histograms. */
struct kvmmem_samples {
	uint64_t *v;
	size_t n;
	size_t cap;
	bool sorted;
};

/**
 * kvmmem_samples_add() - append a value
 *
 * Return: 0 or -ENOMEM (then @s is unchanged).
 */
int kvmmem_samples_add(struct kvmmem_samples *s, uint64_t v);

/**
 * kvmmem_samples_percentile() - the p-th percentile, nearest rank
 * @s: the values (sorted in place on first use)
 * @p: percent, 0 < @p <= 100
 *
 * Nearest-rank definition: the smallest value such that at least @p
 * percent of the values are <= it, i.e. the ceil(p/100 * n)-th smallest
 * (1-based). p=100 is the maximum; p=50 of {1,2,3,4} is 2.
 *
 * Return: that value; 0 if @s is empty or @p is out of range.
 */
uint64_t kvmmem_samples_percentile(struct kvmmem_samples *s, double p);

/**
 * kvmmem_samples_max() - the largest value, 0 if empty
 */
uint64_t kvmmem_samples_max(const struct kvmmem_samples *s);

/**
 * kvmmem_samples_log2() - log2 histogram of the values divided by @unit
 * @s:     the values
 * @unit:  divisor (1000 for ns -> usecs); 0 counts as 1
 * @slots: receives KVMMEM_LOG2_SLOTS counts
 */
void kvmmem_samples_log2(const struct kvmmem_samples *s, uint64_t unit,
			 uint64_t slots[KVMMEM_LOG2_SLOTS]);

/** kvmmem_samples_free() - release the values; @s is empty afterwards */
void kvmmem_samples_free(struct kvmmem_samples *s);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_HIST_H */
