// SPDX-License-Identifier: GPL-2.0
/*
 * trace_file.c - the kvmmem-trace recording format: writer and reader.
 * The format is described in docs/trace-format.md; keep them in step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "trace.h"
#include "util.h"

#define HDR_FIXED	16	/* magic[8], version, header length */
#define CHUNK_HDR	24

struct chunk_hdr {
	uint32_t magic;
	uint32_t type;
	uint32_t len;		/* payload bytes */
	uint32_t count;		/* events in an events chunk, else 0 */
	uint32_t payload_crc;
	uint32_t hdr_crc;	/* of the 20 bytes before it */
};

struct stats_payload {
	uint64_t ts;
	uint64_t events;	/* written before this chunk, cumulative */
	uint64_t drops;		/* cumulative */
	uint64_t reserved;
};

struct name_payload {
	uint32_t pid;
	uint32_t reserved;
	char name[KVMMEM_TRACE_NAME_LEN];	/* NUL-terminated, NUL-padded */
};

_Static_assert(sizeof(struct chunk_hdr) == CHUNK_HDR, "chunk header layout");
_Static_assert(sizeof(struct stats_payload) == 32, "stats payload layout");
_Static_assert(sizeof(struct name_payload) == 72, "name payload layout");

/* ---------------------------------------------------------------- kinds */

static const struct {
	const char *name;
	const char *schema;
} kinds[KT_NR_KINDS] = {
	[KT_MAP_START] = { "map_start",
		"kvmmem:kvmmem_map_start id tgid=caller a0=gva a1=gpa a2=pa ret=errno" },
	[KT_MAP_END] = { "map_end",
		"kvmmem:kvmmem_map_end id tgid=caller a0=gva a1=gpa a2=pa ret=errno" },
	[KT_UNMAP_START] = { "unmap_start",
		"kvmmem:kvmmem_unmap_start id tgid=caller a0=gva a1=gpa a2=pa ret=errno" },
	[KT_UNMAP_END] = { "unmap_end",
		"kvmmem:kvmmem_unmap_end id tgid=caller a0=gva a1=gpa a2=pa ret=errno" },
	[KT_TEARDOWN_UNMAP] = { "teardown_unmap",
		"kvmmem:kvmmem_teardown_unmap id tgid=owner a0=gva a1=gpa a2=pa ret=errno" },
	[KT_PAGE_LEAKED] = { "page_leaked",
		"kvmmem:kvmmem_page_leaked id tgid=owner a0=gva a1=gpa a2=pa ret=errno" },
	[KT_TEARDOWN_START] = { "teardown_start",
		"kvmmem:kvmmem_teardown_start id=file tgid=closer a0=live a1=unmapped a2=leaked ret=0" },
	[KT_TEARDOWN_END] = { "teardown_end",
		"kvmmem:kvmmem_teardown_end id=file tgid=closer a0=live a1=unmapped a2=leaked ret=0" },
	[KT_HC_ENTER] = { "hypercall_enter",
		"kvmmem:kvmmem_hypercall_enter id tgid=nr a0 a1 a2 ret=kvm" },
	[KT_HC_EXIT] = { "hypercall_exit",
		"kvmmem:kvmmem_hypercall_exit id tgid=nr a0 a1 a2 ret=kvm" },
	[KT_HOST_HC_ENTER] = { "host_hypercall_enter",
		"kvmmem_hostsim:kvmmem_hostsim_hypercall_enter tgid=nr a0 a1 a2 ret=kvm" },
	[KT_HOST_HC_EXIT] = { "host_hypercall_exit",
		"kvmmem_hostsim:kvmmem_hostsim_hypercall_exit tgid=nr a0 a1 a2 ret=kvm" },
	[KT_HOST_TOKEN] = { "host_token",
		"kvmmem_hostsim:kvmmem_hostsim_token tgid=outstanding ret=errno" },
	[KT_PROC_EXIT] = { "exit",
		"sched:sched_process_exit tgid=process ret=exit_code" },
	[KT_KVM_HC_ENTER] = { "kvm_hypercall_enter",
		"kvm:kvm_exit+kvm:kvm_hypercall id=vcpu_id tgid=nr a0 a1 a2 ret=0" },
	[KT_KVM_HC_EXIT] = { "kvm_hypercall_exit",
		"kvm:kvm_entry id=vcpu_id tgid=nr a0 a1 a2 ret=rax" },
};

const char *kvmmem_trace_kind_name(unsigned int kind)
{
	return kind && kind < KT_NR_KINDS ? kinds[kind].name : NULL;
}

const char *kvmmem_trace_kind_schema(unsigned int kind)
{
	return kind && kind < KT_NR_KINDS ? kinds[kind].schema : NULL;
}

static const struct {
	const char *name;
	uint32_t mask;
} kind_groups[] = {
	{ "map", KT_KIND_BIT(KT_MAP_START) | KT_KIND_BIT(KT_MAP_END) },
	{ "unmap", KT_KIND_BIT(KT_UNMAP_START) | KT_KIND_BIT(KT_UNMAP_END) },
	{ "teardown", KT_KIND_BIT(KT_TEARDOWN_START) | KT_KIND_BIT(KT_TEARDOWN_END) |
		      KT_KIND_BIT(KT_TEARDOWN_UNMAP) },
	{ "leak", KT_KIND_BIT(KT_PAGE_LEAKED) },
	{ "hypercall", KT_KIND_BIT(KT_HC_ENTER) | KT_KIND_BIT(KT_HC_EXIT) },
	{ "host", KT_KIND_BIT(KT_HOST_HC_ENTER) | KT_KIND_BIT(KT_HOST_HC_EXIT) },
	{ "token", KT_KIND_BIT(KT_HOST_TOKEN) },
	{ "kvm", KT_KVM_KINDS },
	{ "all", KT_ALL_KINDS },
	{ "default", KVMMEM_TRACE_DEFAULT_KINDS },
};

int kvmmem_trace_parse_kinds(const char *s, uint32_t *mask)
{
	uint32_t m = 0;
	const char *p = s;
	size_t len, i;
	unsigned int k;
	bool found;

	if (!s || !*s)
		return -EINVAL;
	while (*p) {
		len = strcspn(p, ",");
		found = false;
		for (i = 0; i < sizeof(kind_groups) / sizeof(kind_groups[0]); i++) {
			if (strlen(kind_groups[i].name) == len &&
			    !strncmp(p, kind_groups[i].name, len)) {
				m |= kind_groups[i].mask;
				found = true;
			}
		}
		for (k = 1; k < KT_NR_KINDS && !found; k++) {
			if (strlen(kinds[k].name) == len && !strncmp(p, kinds[k].name, len)) {
				m |= KT_KIND_BIT(k);
				found = true;
			}
		}
		if (!found)
			return -EINVAL;
		p += len;
		if (*p == ',' && *++p == '\0')
			return -EINVAL;
	}
	*mask = m;
	return 0;
}

static bool kind_is_hypercall(unsigned int kind)
{
	return kind == KT_HC_ENTER || kind == KT_HC_EXIT ||
	       kind == KT_HOST_HC_ENTER || kind == KT_HOST_HC_EXIT ||
	       kind == KT_KVM_HC_ENTER || kind == KT_KVM_HC_EXIT;
}

const char *kvmmem_trace_result_name(unsigned int kind, int64_t ret,
				     char buf[32])
{
	const char *name;

	if (!ret)
		return "ok";
	if (ret == KT_RET_UNKNOWN && kind_is_hypercall(kind))
		return "unknown";
	if (ret < 0 && ret >= -4095) {
		if (kind_is_hypercall(kind)) {
			/* KVM codes are errno values, except ENOSYS */
			name = ret == -1000 ? "ENOSYS" : kvmmem_errno_name((int)ret);
			if (name) {
				snprintf(buf, 32, "KVM_%s", name);
				return buf;
			}
		} else {
			name = kvmmem_errno_name((int)ret);
			if (name)
				return name;
		}
	}
	snprintf(buf, 32, "%" PRId64, ret);
	return buf;
}

/* ---------------------------------------------------------------- CRC-32 */

uint32_t kvmmem_crc32(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	static bool ready;
	const unsigned char *p = buf;
	uint32_t c;
	unsigned int i, j;

	if (!ready) {
		for (i = 0; i < 256; i++) {
			c = i;
			for (j = 0; j < 8; j++)
				c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = true;
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---------------------------------------------------------------- writer */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Append "key=value\n" to a growing text; on overflow, mark it. */
struct text {
	char buf[KVMMEM_TRACE_MAX_HEADER];
	size_t len;
	bool overflow;
};

__attribute__((format(printf, 2, 3)))
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(t->buf) - t->len)
		t->overflow = true;
	else
		t->len += (size_t)n;
}

static bool text_is_clean(const char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '=' || (unsigned char)*s < 0x20 ||
		    (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int write_chunk(struct kvmmem_trace_writer *w, uint32_t type,
		       const void *payload, uint32_t len, uint32_t count)
{
	struct chunk_hdr h = {
		.magic = KVMMEM_TRACE_CHUNK_MAGIC,
		.type = type,
		.len = len,
		.count = count,
		.payload_crc = kvmmem_crc32(0, payload, len),
	};
	int err;

	h.hdr_crc = kvmmem_crc32(0, &h, offsetof(struct chunk_hdr, hdr_crc));
	err = write_all(w->fd, &h, sizeof(h));
	if (!err)
		err = write_all(w->fd, payload, len);
	if (err)
		return err;
	w->bytes += sizeof(h) + len;
	w->chunks++;
	return 0;
}

int kvmmem_trace_writer_init(struct kvmmem_trace_writer *w, int fd,
			     const struct kvmmem_trace_info *info)
{
	struct text *t;
	uint32_t v, hlen, crc;
	unsigned int k;
	int err;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->buf = calloc(KVMMEM_TRACE_CHUNK_EVENTS, sizeof(*w->buf));
	t = calloc(1, sizeof(*t));
	if (!w->buf || !t) {
		err = -ENOMEM;
		goto out;
	}
	if (!text_is_clean(info->clock) || !text_is_clean(info->boot_id) ||
	    !text_is_clean(info->kernel) || !text_is_clean(info->hostname) ||
	    !text_is_clean(info->tool) || !text_is_clean(info->attach)) {
		err = -EINVAL;
		goto out;
	}

	/* magic, version, header length: filled in below */
	t->len = HDR_FIXED;
	text_add(t, "clock=%s\n", info->clock);
	text_add(t, "start_mono_ns=%" PRIu64 "\n", info->start_mono_ns);
	text_add(t, "start_real_ns=%" PRIu64 "\n", info->start_real_ns);
	text_add(t, "boot_id=%s\n", info->boot_id);
	text_add(t, "kernel=%s\n", info->kernel);
	text_add(t, "hostname=%s\n", info->hostname);
	text_add(t, "tool=%s\n", info->tool);
	text_add(t, "attach=%s\n", info->attach);
	text_add(t, "pid_filter=%" PRIu32 "\n", info->pid_filter);
	text_add(t, "kinds=0x%" PRIx32 "\n", info->kinds);
	text_add(t, "event_size=%u\n", (unsigned int)KT_EVENT_SIZE);
	text_add(t, "nr_kinds=%u\n", (unsigned int)KT_NR_KINDS);
	for (k = 1; k < KT_NR_KINDS; k++)
		text_add(t, "kind.%u=%s %s\n", k, kinds[k].name, kinds[k].schema);
	if (t->overflow || t->len + 1 + 8 + 4 > sizeof(t->buf)) {
		err = -E2BIG;
		goto out;
	}
	/* NUL, then pad with NULs so that the length with the CRC is 8n */
	t->buf[t->len++] = '\0';
	while ((t->len + 4) % 8)
		t->buf[t->len++] = '\0';
	hlen = (uint32_t)(t->len + 4);
	memcpy(t->buf, KVMMEM_TRACE_MAGIC, 8);	/* with its NUL */
	v = KVMMEM_TRACE_VERSION;
	memcpy(t->buf + 8, &v, 4);
	memcpy(t->buf + 12, &hlen, 4);
	crc = kvmmem_crc32(0, t->buf, t->len);
	memcpy(t->buf + t->len, &crc, 4);
	err = write_all(fd, t->buf, hlen);
	if (!err)
		w->bytes = hlen;
out:
	free(t);
	if (err) {
		free(w->buf);
		w->buf = NULL;
	}
	return err;
}

int kvmmem_trace_writer_flush(struct kvmmem_trace_writer *w)
{
	int err;

	if (!w->n)
		return 0;
	err = write_chunk(w, KVMMEM_TRACE_CHUNK_EVENTS_T, w->buf,
			  (uint32_t)(w->n * sizeof(*w->buf)), (uint32_t)w->n);
	if (!err)
		w->n = 0;
	return err;
}

int kvmmem_trace_writer_add(struct kvmmem_trace_writer *w,
			    const struct kt_event *e)
{
	int err;

	if (w->n == KVMMEM_TRACE_CHUNK_EVENTS) {
		err = kvmmem_trace_writer_flush(w);
		if (err)
			return err;
	}
	w->buf[w->n++] = *e;
	w->events++;
	return 0;
}

static int write_stats(struct kvmmem_trace_writer *w, uint32_t type,
		       uint64_t ts, uint64_t drops)
{
	struct stats_payload p = { .ts = ts, .events = w->events, .drops = drops };
	int err;

	err = kvmmem_trace_writer_flush(w);
	return err ? err : write_chunk(w, type, &p, sizeof(p), 0);
}

int kvmmem_trace_writer_stats(struct kvmmem_trace_writer *w, uint64_t ts,
			      uint64_t drops)
{
	return write_stats(w, KVMMEM_TRACE_CHUNK_STATS, ts, drops);
}

int kvmmem_trace_writer_finish(struct kvmmem_trace_writer *w, uint64_t ts,
			       uint64_t drops)
{
	return write_stats(w, KVMMEM_TRACE_CHUNK_END, ts, drops);
}

int kvmmem_trace_writer_name(struct kvmmem_trace_writer *w, uint32_t pid,
			     const char *name)
{
	struct name_payload p = { .pid = pid };
	int err;

	snprintf(p.name, sizeof(p.name), "%s", name);
	err = kvmmem_trace_writer_flush(w);
	return err ? err : write_chunk(w, KVMMEM_TRACE_CHUNK_NAME, &p, sizeof(p), 0);
}

char *kvmmem_trace_vmm_name(const char *cmdline, size_t len,
			    char buf[KVMMEM_TRACE_NAME_LEN])
{
	const char *arg = cmdline, *end = cmdline + len, *name = NULL;
	const char *argv0 = NULL, *next, *slash;
	size_t n, i;

	buf[0] = '\0';
	for (; arg < end; arg = next) {
		next = memchr(arg, '\0', (size_t)(end - arg));
		next = next ? next + 1 : end;
		if (!argv0)
			argv0 = arg;
		if ((!strcmp(arg, "-name") || !strcmp(arg, "--name")) && next < end) {
			name = next;
			if (!strncmp(name, "guest=", 6))
				name += 6;
		}
	}
	if (!name && argv0) {
		slash = memrchr(argv0, '/', strnlen(argv0, (size_t)(end - argv0)));
		name = slash ? slash + 1 : argv0;
	}
	if (!name)
		return buf;
	/* up to a NUL or QEMU's ',' (a literal comma is ",,": kept simple) */
	for (n = 0; name + n < end && name[n] && name[n] != ','; n++)
		;
	if (n > KVMMEM_TRACE_NAME_LEN - 1)
		n = KVMMEM_TRACE_NAME_LEN - 1;
	for (i = 0; i < n; i++)
		buf[i] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
	buf[n] = '\0';
	return buf;
}

char *kvmmem_trace_vmm_name_of(uint32_t pid, char buf[KVMMEM_TRACE_NAME_LEN])
{
	char path[64], cmdline[4096];
	ssize_t len = 0;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	len = read(fd, cmdline, sizeof(cmdline));
	close(fd);
	return len > 0 ? kvmmem_trace_vmm_name(cmdline, (size_t)len, buf) : buf;
}

void kvmmem_trace_writer_free(struct kvmmem_trace_writer *w)
{
	free(w->buf);
	w->buf = NULL;
	w->n = 0;
}

/* ---------------------------------------------------------------- reader */

/*
 * The fuzzer cannot forge CRCs: in its build (selftests/fuzz) every CRC
 * passes, so that it reaches what the CRCs guard.
 */
static bool crc_ok(uint32_t stored, uint32_t computed)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	(void)stored;
	(void)computed;
	return true;
#else
	return stored == computed;
#endif
}

__attribute__((format(printf, 3, 4)))
static int fail(struct kvmmem_trace_file *tf, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tf->msg, sizeof(tf->msg), fmt, ap);
	va_end(ap);
	return err;
}

static int parse_u64_field(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t x;

	if (kvmmem_parse_u64(v, &x) || x > max)
		return -EINVAL;
	*out = x;
	return 0;
}

static void copy_field(char *dst, size_t size, const char *v)
{
	snprintf(dst, size, "%s", v);
}

/* Parse the key=value lines of the header into tf->info. */
static int parse_header_text(struct kvmmem_trace_file *tf, char *text)
{
	struct kvmmem_trace_info *info = &tf->info;
	unsigned int seen = 0, schema_seen = 0;
	char *line, *save = NULL, *eq;
	uint64_t x;
	unsigned int k;

	enum { S_CLOCK = 1, S_EVSIZE = 2, S_NRKINDS = 4, S_START = 8 };

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		eq = strchr(line, '=');
		if (!eq)
			return fail(tf, -EBADMSG, "corrupt header: line '%.40s' is not key=value",
				    line);
		*eq++ = '\0';
		if (!strcmp(line, "clock")) {
			copy_field(info->clock, sizeof(info->clock), eq);
			seen |= S_CLOCK;
		} else if (!strcmp(line, "start_mono_ns")) {
			if (parse_u64_field(eq, UINT64_MAX, &info->start_mono_ns))
				goto bad_value;
			seen |= S_START;
		} else if (!strcmp(line, "start_real_ns")) {
			if (parse_u64_field(eq, UINT64_MAX, &info->start_real_ns))
				goto bad_value;
		} else if (!strcmp(line, "boot_id")) {
			copy_field(info->boot_id, sizeof(info->boot_id), eq);
		} else if (!strcmp(line, "kernel")) {
			copy_field(info->kernel, sizeof(info->kernel), eq);
		} else if (!strcmp(line, "hostname")) {
			copy_field(info->hostname, sizeof(info->hostname), eq);
		} else if (!strcmp(line, "tool")) {
			copy_field(info->tool, sizeof(info->tool), eq);
		} else if (!strcmp(line, "attach")) {
			copy_field(info->attach, sizeof(info->attach), eq);
		} else if (!strcmp(line, "pid_filter")) {
			if (parse_u64_field(eq, UINT32_MAX, &x))
				goto bad_value;
			info->pid_filter = (uint32_t)x;
		} else if (!strcmp(line, "kinds")) {
			if (parse_u64_field(eq, UINT32_MAX, &x))
				goto bad_value;
			info->kinds = (uint32_t)x;
		} else if (!strcmp(line, "event_size")) {
			if (parse_u64_field(eq, UINT32_MAX, &x))
				goto bad_value;
			info->event_size = (uint32_t)x;
			seen |= S_EVSIZE;
		} else if (!strcmp(line, "nr_kinds")) {
			if (parse_u64_field(eq, UINT32_MAX, &x))
				goto bad_value;
			info->nr_kinds = (uint32_t)x;
			seen |= S_NRKINDS;
		} else if (!strncmp(line, "kind.", 5)) {
			if (parse_u64_field(line + 5, 31, &x) || !x)
				goto bad_value;
			k = (unsigned int)x;
			/* kinds this reader knows must mean the same */
			if (k < KT_NR_KINDS) {
				size_t nl = strlen(kinds[k].name);

				if (strncmp(eq, kinds[k].name, nl) || eq[nl] != ' ' ||
				    strcmp(eq + nl + 1, kinds[k].schema))
					return fail(tf, -EBADMSG,
						    "event schema mismatch for kind %u: "
						    "the file has '%.80s', this reader "
						    "knows '%s %s'", k, eq, kinds[k].name,
						    kinds[k].schema);
				schema_seen |= 1U << k;
			}
		}
		/* unknown keys: a newer writer of the same version; ignored */
		continue;
bad_value:
		return fail(tf, -EBADMSG, "corrupt header: bad value for '%s'", line);
	}

	if ((seen & (S_CLOCK | S_EVSIZE | S_NRKINDS | S_START)) !=
	    (S_CLOCK | S_EVSIZE | S_NRKINDS | S_START))
		return fail(tf, -EBADMSG, "corrupt header: a required key "
			    "(clock, start_mono_ns, event_size, nr_kinds) is missing");
	if (info->event_size != KT_EVENT_SIZE)
		return fail(tf, -EBADMSG, "event size %" PRIu32 " in the header, "
			    "this reader reads %u-byte events", info->event_size,
			    (unsigned int)KT_EVENT_SIZE);
	if (info->nr_kinds < 2 || info->nr_kinds > 32)
		return fail(tf, -EBADMSG, "corrupt header: nr_kinds %" PRIu32,
			    info->nr_kinds);
	for (k = 1; k < KT_NR_KINDS && k < info->nr_kinds; k++)
		if (!(schema_seen & (1U << k)))
			return fail(tf, -EBADMSG, "corrupt header: no schema for kind %u", k);
	return 0;
}

static bool all_zero(const unsigned char *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

static int add_name(struct kvmmem_trace_file *tf, const unsigned char *p,
		    uint32_t len, uint64_t off)
{
	struct kvmmem_trace_name *n;
	struct name_payload np;

	if (len != sizeof(np))
		return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
			    ": bad name length", off);
	memcpy(&np, p, sizeof(np));
	if (np.name[sizeof(np.name) - 1])
		return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
			    ": name not terminated", off);
	n = realloc(tf->names, (tf->nr_names + 1) * sizeof(*n));
	if (!n)
		return fail(tf, -ENOMEM, "out of memory");
	tf->names = n;
	n += tf->nr_names++;
	n->pid = np.pid;
	memcpy(n->name, np.name, sizeof(n->name));
	return 0;
}

static int add_events(struct kvmmem_trace_file *tf, const unsigned char *p,
		      uint32_t count, size_t *cap, uint64_t off)
{
	struct kt_event *ev;
	uint32_t i;

	if (!count)
		return 0;
	if (tf->nr_events + count > *cap) {
		size_t ncap = *cap ? *cap : 4096;

		while (ncap < tf->nr_events + count)
			ncap *= 2;
		ev = realloc(tf->events, ncap * sizeof(*ev));
		if (!ev)
			return fail(tf, -ENOMEM, "out of memory");
		tf->events = ev;
		*cap = ncap;
	}
	ev = tf->events + tf->nr_events;
	memcpy(ev, p, (size_t)count * sizeof(*ev));
	for (i = 0; i < count; i++) {
		/* kinds the file says exist and this reader knows */
		if (!ev[i].kind || ev[i].kind >= KT_NR_KINDS ||
		    ev[i].kind >= tf->info.nr_kinds)
			return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
				    ": event %u has unknown kind %u (a kind this "
				    "reader does not know: recorded by a newer "
				    "kvmmem-trace?)", off, i, ev[i].kind);
	}
	tf->nr_events += count;
	if (ev[count - 1].ts > tf->end_ts)
		tf->end_ts = ev[count - 1].ts;
	return 0;
}

int kvmmem_trace_parse(const void *buf, size_t len, struct kvmmem_trace_file *tf)
{
	const unsigned char *b = buf;
	struct chunk_hdr h;
	struct stats_payload sp;
	uint32_t version, hlen, crc;
	uint64_t off, events_read = 0;
	size_t cap = 0;
	char *text;
	int err;

	memset(tf, 0, sizeof(*tf));
	if (!len)
		return fail(tf, -EBADMSG, "empty file: not even a header was "
			    "written (recorder killed at once, or disk full)");
	if (len < 8 || memcmp(b, KVMMEM_TRACE_MAGIC, 8)) {
		if (len < 8 && !memcmp(b, KVMMEM_TRACE_MAGIC, len))
			return fail(tf, -EBADMSG, "truncated header: the file has "
				    "only %zu bytes", len);
		return fail(tf, -EINVAL, "not a kvmmem-trace recording "
			    "(no \"KVMMTRC\" magic at the start)");
	}
	if (len < HDR_FIXED)
		return fail(tf, -EBADMSG, "truncated header: the file has only %zu bytes",
			    len);
	memcpy(&version, b + 8, 4);
	memcpy(&hlen, b + 12, 4);
	if (version != KVMMEM_TRACE_VERSION)
		return fail(tf, -EPROTONOSUPPORT, "format version %" PRIu32
			    ", this reader reads version %d: use the kvmmem-trace "
			    "that recorded it", version, KVMMEM_TRACE_VERSION);
	if (hlen < HDR_FIXED + 8 || hlen > KVMMEM_TRACE_MAX_HEADER || hlen % 8)
		return fail(tf, -EBADMSG, "corrupt header: length %" PRIu32, hlen);
	if (hlen > len)
		return fail(tf, -EBADMSG, "truncated header: %" PRIu32 " bytes, "
			    "the file has %zu", hlen, len);
	memcpy(&crc, b + hlen - 4, 4);
	if (!crc_ok(crc, kvmmem_crc32(0, b, hlen - 4)))
		return fail(tf, -EBADMSG, "corrupt header: CRC mismatch");
	if (b[hlen - 5] != '\0')
		return fail(tf, -EBADMSG, "corrupt header: text not terminated");
	text = strndup((const char *)b + HDR_FIXED, hlen - 4 - HDR_FIXED);
	if (!text)
		return fail(tf, -ENOMEM, "out of memory");
	err = parse_header_text(tf, text);
	free(text);
	if (err)
		return err;
	tf->info.version = version;
	tf->end_ts = tf->info.start_mono_ns;

	for (off = hlen; off < len; ) {
		size_t left = len - off;

		if (left < CHUNK_HDR || all_zero(b + off, left)) {
			tf->lost_bytes = left;
			break;
		}
		memcpy(&h, b + off, sizeof(h));
		if (h.magic != KVMMEM_TRACE_CHUNK_MAGIC ||
		    !crc_ok(h.hdr_crc, kvmmem_crc32(0, &h, offsetof(struct chunk_hdr, hdr_crc))))
			return fail(tf, -EBADMSG, "corrupt chunk header at offset %"
				    PRIu64 " (bad magic or CRC)", off);
		if (h.len > KVMMEM_TRACE_MAX_CHUNK)
			return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
				    ": length %" PRIu32 " is over the limit", off, h.len);
		if (h.len > left - CHUNK_HDR) {
			tf->lost_bytes = left;
			break;
		}
		if (!crc_ok(h.payload_crc, kvmmem_crc32(0, b + off + CHUNK_HDR, h.len)))
			return fail(tf, -EBADMSG, "corrupt chunk at offset %" PRIu64
				    ": payload CRC mismatch", off);
		switch (h.type) {
		case KVMMEM_TRACE_CHUNK_EVENTS_T:
			if ((uint64_t)h.count * KT_EVENT_SIZE != h.len)
				return fail(tf, -EBADMSG, "corrupt chunk at offset %"
					    PRIu64 ": %" PRIu32 " events in %" PRIu32
					    " bytes", off, h.count, h.len);
			err = add_events(tf, b + off + CHUNK_HDR, h.count, &cap, off);
			if (err)
				return err;
			events_read += h.count;
			break;
		case KVMMEM_TRACE_CHUNK_STATS:
		case KVMMEM_TRACE_CHUNK_END:
			if (h.len != sizeof(sp) || h.count)
				return fail(tf, -EBADMSG, "corrupt chunk at offset %"
					    PRIu64 ": bad stats length", off);
			memcpy(&sp, b + off + CHUNK_HDR, sizeof(sp));
			if (sp.events != events_read)
				return fail(tf, -EBADMSG, "corrupt chunk at offset %"
					    PRIu64 ": it counts %" PRIu64 " events "
					    "before it, the file has %" PRIu64, off,
					    sp.events, events_read);
			tf->drops = sp.drops;
			if (sp.ts > tf->end_ts)
				tf->end_ts = sp.ts;
			if (h.type == KVMMEM_TRACE_CHUNK_END) {
				if (off + CHUNK_HDR + h.len != len)
					return fail(tf, -EBADMSG, "corrupt file: %" PRIu64
						    " bytes after the end chunk",
						    len - off - CHUNK_HDR - h.len);
				tf->complete = true;
			}
			break;
		case KVMMEM_TRACE_CHUNK_NAME:
			err = add_name(tf, b + off + CHUNK_HDR, h.len, off);
			if (err)
				return err;
			break;
		default:
			/* a chunk type from a newer writer: skip it */
			break;
		}
		off += CHUNK_HDR + h.len;
	}
	tf->good_bytes = len - tf->lost_bytes;
	if (tf->complete)
		return 0;
	if (tf->lost_bytes)
		fail(tf, 0, "the recording was cut short (killed, or the disk "
		     "filled): its last chunk is lost (%" PRIu64 " bytes at "
		     "offset %" PRIu64 "); %zu events before it are intact",
		     tf->lost_bytes, tf->good_bytes, tf->nr_events);
	else
		fail(tf, 0, "the recording has no end marker (the recorder was "
		     "killed): events after its last flush are lost; %zu events "
		     "before it are intact", tf->nr_events);
	return KVMMEM_TRACE_INCOMPLETE;
}

int kvmmem_trace_load(const char *path, struct kvmmem_trace_file *tf)
{
	char *buf;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, err;

	memset(tf, 0, sizeof(*tf));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(tf, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		err = fail(tf, -errno, "%s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return fail(tf, -ENOMEM, "%s: out of memory", path);
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = fail(tf, -errno, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	err = kvmmem_trace_parse(buf, len, tf);
out:
	free(buf);
	close(fd);
	return err;
}

void kvmmem_trace_file_free(struct kvmmem_trace_file *tf)
{
	free(tf->events);
	tf->events = NULL;
	tf->nr_events = 0;
	free(tf->names);
	tf->names = NULL;
	tf->nr_names = 0;
}
