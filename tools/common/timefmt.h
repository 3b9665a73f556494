/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timefmt.h - durations and times as text, for every tool's output.
 */
#ifndef KVMMEM_TIMEFMT_H
#define KVMMEM_TIMEFMT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * kvmmem_fmt_ns() - a duration in ns as short text
 * @buf: receives "812ns", "12.3us", "4.56ms", "7.89s" (3 significant
 *       digits, the unit chosen so the number is below 1000, s above)
 *
 * Return: @buf.
 */
char *kvmmem_fmt_ns(char buf[32], uint64_t ns);

/**
 * kvmmem_fmt_clock() - a CLOCK_REALTIME time as local time of day
 * @buf: receives "HH:MM:SS.uuuuuu" (microseconds), "?" if it cannot be
 *       converted
 *
 * Return: @buf.
 */
char *kvmmem_fmt_clock(char buf[32], uint64_t real_ns);

/**
 * kvmmem_fmt_iso() - a CLOCK_REALTIME time as ISO 8601, UTC
 * @buf: receives "2026-12-01T23:59:59.123Z" (milliseconds)
 *
 * Return: @buf.
 */
char *kvmmem_fmt_iso(char buf[32], uint64_t real_ns);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TIMEFMT_H */
