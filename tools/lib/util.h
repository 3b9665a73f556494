/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - helpers shared by every kvmmem tool (part of libkvmmem).
 *
 * Nothing here touches a device: these functions run anywhere, which is
 * why the unit tests cover all of them. Conventions, as in libbpf:
 * functions return 0 (or a count) on success and a negative errno on
 * failure, never set errno as their result, and never print except to a
 * FILE * they are given.
 */
#ifndef KVMMEM_UTIL_H
#define KVMMEM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/kvmmem.h>
#include <linux/kvmmem_hostsim.h>

/*
 * The debugfs stats API used to be declared here: callers that include
 * only util.h for it keep working. New code includes stats.h.
 */
#include "stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Tokens                                                             */
/* ------------------------------------------------------------------ */

/* Length of a token as text: its 32 bytes as 64 hex digits, no prefix. */
#define KVMMEM_TOKEN_HEX_LEN	(2 * sizeof(struct kvmi_map_mem_token))

/**
 * kvmmem_token_to_hex() - format a token as 64 lowercase hex digits
 * @tok: the token
 * @buf: receives KVMMEM_TOKEN_HEX_LEN digits and a terminating NUL
 *
 * The digits are the token's 32 bytes in memory order (byte 0 first),
 * i.e. what the host sees, independent of host endianness.
 *
 * Return: @buf.
 */
char *kvmmem_token_to_hex(const struct kvmi_map_mem_token *tok,
			  char buf[KVMMEM_TOKEN_HEX_LEN + 1]);

/**
 * kvmmem_token_from_hex() - parse what kvmmem_token_to_hex() prints
 * @s:   exactly 64 hex digits (either case); no "0x", no whitespace
 * @tok: receives the token; left untouched on error
 *
 * Return: 0, or -EINVAL if @s is not exactly 64 hex digits.
 */
int kvmmem_token_from_hex(const char *s, struct kvmi_map_mem_token *tok);

/* ------------------------------------------------------------------ */
/* Strict number parsing                                              */
/* ------------------------------------------------------------------ */

/**
 * kvmmem_parse_u64() - parse an unsigned 64-bit number, strictly
 * @s:   decimal digits ("4096"), or "0x"/"0X" and hex digits ("0x1000").
 *       No sign, no leading or trailing whitespace or other characters.
 *       A leading 0 does NOT mean octal: "010" is ten.
 * @val: receives the value; left untouched on error
 *
 * Return: 0; -EINVAL if @s is NULL, empty or not a number as described;
 * -ERANGE if the value does not fit in 64 bits.
 */
int kvmmem_parse_u64(const char *s, uint64_t *val);

/**
 * kvmmem_parse_u64_range() - kvmmem_parse_u64() plus bounds
 * @s:   as for kvmmem_parse_u64()
 * @min: smallest accepted value
 * @max: largest accepted value
 * @val: receives the value; left untouched on error
 *
 * Return: 0; -EINVAL as for kvmmem_parse_u64(); -ERANGE if the value
 * overflows or lies outside [@min, @max].
 */
int kvmmem_parse_u64_range(const char *s, uint64_t min, uint64_t max,
			   uint64_t *val);

/**
 * kvmmem_parse_size() - parse a byte count with an optional binary suffix
 * @s:   a number as for kvmmem_parse_u64(), optionally followed by one of
 *       k or K (2^10), M (2^20), G (2^30): "4k" = 4096, "0x10M", "1G".
 * @val: receives the value in bytes; left untouched on error
 *
 * Return: 0; -EINVAL on a malformed number or an unknown suffix;
 * -ERANGE if the number or number * suffix does not fit in 64 bits.
 */
int kvmmem_parse_size(const char *s, uint64_t *val);

/**
 * kvmmem_parse_duration() - parse a duration: a number, a unit
 * @s:       decimal digits with an optional fraction ("2", "0.5", ".25"),
 *           then optionally one of ns, us, ms, s, m (minutes), h:
 *           "500ms", "1.5s", "2m". No sign, no exponent, no blanks.
 * @unit_ns: what a number without a unit counts (1000000000: seconds)
 * @ns:      receives the duration in nanoseconds, rounded down; left
 *           untouched on error
 *
 * Return: 0; -EINVAL if @s is not a duration as described (an unknown
 * unit included); -ERANGE if it does not fit in 64 bits of ns.
 */
int kvmmem_parse_duration(const char *s, uint64_t unit_ns, uint64_t *ns);

/* ------------------------------------------------------------------ */
/* errno names                                                        */
/* ------------------------------------------------------------------ */

/**
 * kvmmem_errno_name() - symbolic name of an errno value
 * @err: the errno, positive or negative (-EKEYREJECTED works too)
 *
 * Aliases resolve to one name: EWOULDBLOCK gives "EAGAIN", ENOTSUP
 * gives "EOPNOTSUPP", EDEADLOCK gives "EDEADLK".
 *
 * Return: a static string such as "EKEYREJECTED", or NULL if @err is 0
 * or not a Linux errno.
 */
const char *kvmmem_errno_name(int err);

/**
 * kvmmem_errno_from_name() - errno value of a symbolic name
 * @name: "EKEYREJECTED" etc., exact case; aliases such as "EWOULDBLOCK"
 *        are accepted
 *
 * Return: the positive errno, or -EINVAL if @name is unknown.
 */
int kvmmem_errno_from_name(const char *name);

/* ------------------------------------------------------------------ */
/* Hypercalls                                                         */
/* ------------------------------------------------------------------ */

/* The hypercalls' names in output: KVM_HC_MEM_MAP without "KVM_HC_". */
#define KVMMEM_HC_MAP_NAME	"MEM_MAP"
#define KVMMEM_HC_UNMAP_NAME	"MEM_UNMAP"

/**
 * kvmmem_hypercall_name() - name of a kvmmem hypercall number
 * @nr: KVM_HC_MEM_MAP, KVM_HC_MEM_UNMAP (<linux/kvmmem.h>) or another
 *
 * Return: KVMMEM_HC_MAP_NAME, KVMMEM_HC_UNMAP_NAME, or "hypercall" for
 * any other @nr.
 */
const char *kvmmem_hypercall_name(uint64_t nr);

/* ------------------------------------------------------------------ */
/* Output                                                             */
/* ------------------------------------------------------------------ */

/**
 * kvmmem_hexdump() - print bytes as "hexdump -C" does
 * @f:    where to print
 * @buf:  the bytes
 * @len:  how many
 * @addr: address printed for buf[0] (e.g. the remote gpa)
 *
 * One line per 16 bytes: the address, 16 bytes in hex in two groups of
 * eight, and the printable ASCII between bars ('.' for the rest):
 *
 *   00001000  21 31 6d 65 6d 6d 76 6b  21 31 6d 65 6d 6d 76 6b  |!1memmvk!1memmvk|
 *
 * The address has 8 hex digits, or 16 if the last byte's address needs
 * more than 32 bits. A short last line is padded so its ASCII column
 * lines up. Unlike hexdump(1), repeated lines are not collapsed and no
 * trailing address line is printed. @len == 0 prints nothing.
 *
 * Return: 0, or -EIO if writing to @f failed.
 */
int kvmmem_hexdump(FILE *f, const void *buf, size_t len, uint64_t addr);

/**
 * kvmmem_print_columns() - print whitespace-separated text as a table
 * @f:      where to print
 * @text:   lines of fields separated by blanks (e.g. a debugfs file with
 *          a header line); blank lines are dropped
 * @indent: printed before each line; NULL for none
 *
 * Each column is as wide as its widest field; columns are separated by
 * two spaces. A column whose fields below the first line are all
 * numbers (decimal, or 0x and hex digits, optionally negative) is
 * right-aligned, header included; other columns are left-aligned. No
 * line ends in blanks. Example: "id n\n1 100\n22 7\n" prints
 *
 *   id    n
 *    1  100
 *   22    7
 *
 * Return: 0; -EINVAL if a line has more than 64 fields; -EIO if
 * writing to @f failed.
 */
int kvmmem_print_columns(FILE *f, const char *text, const char *indent);

/* ------------------------------------------------------------------ */
/* hostsim content                                                    */
/* ------------------------------------------------------------------ */

/**
 * kvmmem_hostsim_word() - what hostsim's simulated VM holds at @gpa
 * @gpa: 8-byte aligned remote guest-physical address
 *
 * Return: the 64-bit word (native endianness) stored at @gpa.
 */
static inline uint64_t kvmmem_hostsim_word(uint64_t gpa)
{
	return gpa ^ KVMMEM_HOSTSIM_PATTERN;
}

/**
 * kvmmem_hostsim_verify() - check memory against the hostsim pattern
 * @buf:     the bytes read, e.g. a mapped page
 * @len:     how many; a multiple of 8
 * @gpa:     remote gpa of buf[0]; 8-byte aligned
 * @bad_off: if not NULL and a word differs, receives the byte offset of
 *           the first differing word
 *
 * Return: 0 if every word equals kvmmem_hostsim_word() of its gpa;
 * -EBADMSG if one does not; -EINVAL if @len or @gpa is not a multiple
 * of 8.
 */
int kvmmem_hostsim_verify(const void *buf, size_t len, uint64_t gpa,
			  size_t *bad_off);

/* ------------------------------------------------------------------ */
/* Clocks                                                             */
/* ------------------------------------------------------------------ */

/**
 * kvmmem_mono_ns() - CLOCK_MONOTONIC in ns: the clock of
 * bpf_ktime_get_ns(), so BPF timestamps compare with it
 */
uint64_t kvmmem_mono_ns(void);

/** kvmmem_real_ns() - CLOCK_REALTIME in ns */
uint64_t kvmmem_real_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_UTIL_H */
