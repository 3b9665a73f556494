// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - tokens as text, strict number parsing, errno names, hexdump
 * the hostsim pattern check and clocks. See util.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

static const char hex_digits[] = "0123456789abcdef";

char *kvmmem_token_to_hex(const struct kvmi_map_mem_token *tok,
			  char buf[KVMMEM_TOKEN_HEX_LEN + 1])
{
	const unsigned char *b = (const unsigned char *)tok;
	size_t i;

	for (i = 0; i < sizeof(*tok); i++) {
		buf[2 * i] = hex_digits[b[i] >> 4];
		buf[2 * i + 1] = hex_digits[b[i] & 0xf];
	}
	buf[KVMMEM_TOKEN_HEX_LEN] = '\0';
	return buf;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int kvmmem_token_from_hex(const char *s, struct kvmi_map_mem_token *tok)
{
	unsigned char b[sizeof(*tok)];
	size_t i;
	int hi, lo;

	if (!s || strnlen(s, KVMMEM_TOKEN_HEX_LEN + 1) != KVMMEM_TOKEN_HEX_LEN)
		return -EINVAL;
	for (i = 0; i < sizeof(b); i++) {
		hi = hex_value(s[2 * i]);
		lo = hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		b[i] = hi << 4 | lo;
	}
	memcpy(tok, b, sizeof(*tok));
	return 0;
}

/*
 * Parse the number at the start of @s; *@endp is set to the first
 * character after it. strtoull() alone would accept leading blanks, a
 * sign (and negate!), a second "0x" after ours, and octal.
 */
static int parse_number(const char *s, uint64_t *val, const char **endp)
{
	unsigned long long v;
	const char *digits;
	char *end;
	int base;

	if (!s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
		if (!isxdigit((unsigned char)digits[0]) ||
		    (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')))
			return -EINVAL;
	} else {
		digits = s;
		base = 10;
		if (!isdigit((unsigned char)digits[0]))
			return -EINVAL;
	}
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || end == digits)
		return -EINVAL;
	*val = v;
	*endp = end;
	return 0;
}

int kvmmem_parse_u64(const char *s, uint64_t *val)
{
	const char *end;
	uint64_t v;
	int err;

	err = parse_number(s, &v, &end);
	if (err)
		return err;
	if (*end)
		return -EINVAL;
	*val = v;
	return 0;
}

int kvmmem_parse_u64_range(const char *s, uint64_t min, uint64_t max,
			   uint64_t *val)
{
	uint64_t v;
	int err;

	err = kvmmem_parse_u64(s, &v);
	if (err)
		return err;
	if (v < min || v > max)
		return -ERANGE;
	*val = v;
	return 0;
}

int kvmmem_parse_size(const char *s, uint64_t *val)
{
	const char *end;
	unsigned int shift;
	uint64_t v;
	int err;

	err = parse_number(s, &v, &end);
	if (err)
		return err;
	switch (*end) {
	case '\0':
		shift = 0;
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (shift && end[1])
		return -EINVAL;
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	*val = v << shift;
	return 0;
}

/* Linux errno values and their names; aliases after the canonical name. */
#define E(name) { name, #name }
static const struct {
	int err;
	const char *name;
} errno_names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES),
	E(EFAULT), E(ENOTBLK), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV),
	E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
	E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK),
	E(EPIPE), E(EDOM), E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK),
	E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(ENOMSG), E(EIDRM), E(ECHRNG),
	E(EL2NSYNC), E(EL3HLT), E(EL3RST), E(ELNRNG), E(EUNATCH), E(ENOCSI),
	E(EL2HLT), E(EBADE), E(EBADR), E(EXFULL), E(ENOANO), E(EBADRQC),
	E(EBADSLT), E(EBFONT), E(ENOSTR), E(ENODATA), E(ETIME), E(ENOSR),
	E(ENONET), E(ENOPKG), E(EREMOTE), E(ENOLINK), E(EADV), E(ESRMNT),
	E(ECOMM), E(EPROTO), E(EMULTIHOP), E(EDOTDOT), E(EBADMSG),
	E(EOVERFLOW), E(ENOTUNIQ), E(EBADFD), E(EREMCHG), E(ELIBACC),
	E(ELIBBAD), E(ELIBSCN), E(ELIBMAX), E(ELIBEXEC), E(EILSEQ),
	E(ERESTART), E(ESTRPIPE), E(EUSERS), E(ENOTSOCK), E(EDESTADDRREQ),
	E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT), E(EPROTONOSUPPORT),
	E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EPFNOSUPPORT), E(EAFNOSUPPORT),
	E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH),
	E(ENETRESET), E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS), E(EISCONN),
	E(ENOTCONN), E(ESHUTDOWN), E(ETOOMANYREFS), E(ETIMEDOUT),
	E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH), E(EALREADY),
	E(EINPROGRESS), E(ESTALE), E(EUCLEAN), E(ENOTNAM), E(ENAVAIL),
	E(EISNAM), E(EREMOTEIO), E(EDQUOT), E(ENOMEDIUM), E(EMEDIUMTYPE),
	E(ECANCELED), E(ENOKEY), E(EKEYEXPIRED), E(EKEYREVOKED),
	E(EKEYREJECTED), E(EOWNERDEAD), E(ENOTRECOVERABLE), E(ERFKILL),
	E(EHWPOISON),
	/* aliases */
	E(EWOULDBLOCK), E(EDEADLOCK), E(ENOTSUP),
};
#undef E

const char *kvmmem_errno_name(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return NULL;
}

int kvmmem_errno_from_name(const char *name)
{
	size_t i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (!strcmp(errno_names[i].name, name))
			return errno_names[i].err;
	return -EINVAL;
}

int kvmmem_parse_duration(const char *s, uint64_t unit_ns, uint64_t *ns)
{
	static const struct { const char *name; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000ULL }, { "m", 60000000000ULL },
		{ "h", 3600000000000ULL },
	};
	const char *frac, *end;
	uint64_t whole = 0, unit = unit_ns, v, part, p10 = 1;
	size_t i, nfrac = 0;

	if (!s)
		return -EINVAL;
	for (end = s; *end >= '0' && *end <= '9'; end++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*end - '0');
	}
	frac = end;
	if (*end == '.')
		for (frac = ++end; *end >= '0' && *end <= '9'; end++)
			nfrac++;
	if (end == s || (end == s + 1 && *s == '.'))
		return -EINVAL;
	if (*end) {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(end, units[i].name))
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return -EINVAL;
		unit = units[i].ns;
	}
	if (unit && whole > UINT64_MAX / unit)
		return -ERANGE;
	v = whole * unit;
	/* each fraction digit d at place k adds d * unit / 10^k */
	for (i = 0; i < nfrac && p10 < unit; i++) {
		p10 *= 10;
		part = (uint64_t)(frac[i] - '0') * (unit / p10) +
		       (uint64_t)(frac[i] - '0') * (unit % p10) / p10;
		if (v + part < v)
			return -ERANGE;
		v += part;
	}
	*ns = v;
	return 0;
}

const char *kvmmem_hypercall_name(uint64_t nr)
{
	switch (nr) {
	case KVM_HC_MEM_MAP:
		return KVMMEM_HC_MAP_NAME;
	case KVM_HC_MEM_UNMAP:
		return KVMMEM_HC_UNMAP_NAME;
	default:
		return "hypercall";
	}
}

int kvmmem_hexdump(FILE *f, const void *buf, size_t len, uint64_t addr)
{
	const unsigned char *b = buf;
	size_t off, i, n;
	int width;

	width = len && len - 1 > 0xffffffffULL - addr ? 16 : 8;
	for (off = 0; off < len; off += 16) {
		n = len - off < 16 ? len - off : 16;
		fprintf(f, "%0*llx  ", width, (unsigned long long)(addr + off));
		for (i = 0; i < 16; i++) {
			if (i < n)
				fprintf(f, "%02x ", b[off + i]);
			else
				fputs("   ", f);
			if (i == 7)
				fputc(' ', f);
		}
		fputs(" |", f);
		for (i = 0; i < n; i++)
			fputc(b[off + i] >= 0x20 && b[off + i] < 0x7f ?
			      b[off + i] : '.', f);
		fputs("|\n", f);
	}
	return ferror(f) ? -EIO : 0;
}

#define MAX_COLUMNS 64

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The next field of the line at *@p (which stops at '\n' or NUL). */
static bool next_field(const char **p, const char **field, size_t *len)
{
	const char *s = *p;

	while (is_blank(*s))
		s++;
	if (!*s || *s == '\n') {
		*p = s;
		return false;
	}
	*field = s;
	while (*s && *s != '\n' && !is_blank(*s))
		s++;
	*len = s - *field;
	*p = s;
	return true;
}

static bool is_number(const char *s, size_t len)
{
	size_t i = 0;
	bool hex = false;

	if (len && s[0] == '-')
		i++;
	if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		hex = true;
		i += 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++)
		if (!(hex ? isxdigit((unsigned char)s[i]) :
			    isdigit((unsigned char)s[i])))
			return false;
	return true;
}

int kvmmem_print_columns(FILE *f, const char *text, const char *indent)
{
	size_t width[MAX_COLUMNS] = { 0 };
	bool text_seen[MAX_COLUMNS] = { false };
	bool number_seen[MAX_COLUMNS] = { false };
	const char *line, *p, *field;
	size_t len, col, ncols, row = 0;
	bool right;
	int pad;

	for (line = text; *line; line = *p ? p + 1 : p) {
		for (p = line, col = 0; next_field(&p, &field, &len); col++) {
			if (col == MAX_COLUMNS)
				return -EINVAL;
			if (len > width[col])
				width[col] = len;
			if (!row)
				continue;	/* maybe a header */
			if (is_number(field, len))
				number_seen[col] = true;
			else
				text_seen[col] = true;
		}
		if (col)
			row++;
	}

	for (line = text; *line; line = *p ? p + 1 : p) {
		p = line;
		for (ncols = 0; next_field(&p, &field, &len); ncols++)
			;
		if (!ncols)
			continue;
		fputs(indent ? indent : "", f);
		for (p = line, col = 0; next_field(&p, &field, &len); col++) {
			pad = (int)(width[col] - len);
			right = number_seen[col] && !text_seen[col];
			if (col)
				fputs("  ", f);
			if (right)
				fprintf(f, "%*s%.*s", pad, "", (int)len, field);
			else if (col + 1 < ncols)
				fprintf(f, "%.*s%*s", (int)len, field, pad, "");
			else
				fprintf(f, "%.*s", (int)len, field);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

int kvmmem_hostsim_verify(const void *buf, size_t len, uint64_t gpa,
			  size_t *bad_off)
{
	const unsigned char *b = buf;
	uint64_t word;
	size_t off;

	if (len % 8 || gpa % 8)
		return -EINVAL;
	for (off = 0; off < len; off += 8) {
		memcpy(&word, b + off, sizeof(word));
		if (word != kvmmem_hostsim_word(gpa + off)) {
			if (bad_off)
				*bad_off = off;
			return -EBADMSG;
		}
	}
	return 0;
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t kvmmem_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t kvmmem_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}
