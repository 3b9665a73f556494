// SPDX-License-Identifier: GPL-2.0
/*
 * print.c - events as text, JSON and Perfetto arguments, by shape (see
 * print.h). The shapes and which kind has which are in
 * bpf/kvmmem_kinds.h.
 */
#include <inttypes.h>
#include <string.h>

#include "common/timefmt.h"
#include "trace/print.h"
#include "util.h"

#define F(text, json, src, tfmt, jfmt) \
	{ text, json, KT_SRC_##src, KT_FMT_##tfmt, KT_FMT_##jfmt }

static const struct kvmmem_trace_field mapping_fields[] = {
	F("id", "id", ID, DEC, DEC),
	F("tgid", "tgid", TGID, DEC, DEC),
	F("gva", "gva", A0, HEX, HEX),
	F("gpa", "gpa", A1, HEX, HEX),
	F("pa", "pa", A2, HEX, HEX),
	F("ret", NULL, RET, RESULT, NONE),
};

static const struct kvmmem_trace_field teardown_fields[] = {
	F("file", "file", ID, DEC, DEC),
	F("tgid", "tgid", TGID, DEC, DEC),
	F("live", "live", A0, DEC, DEC),
	F("unmapped", "unmapped", A1, DEC, DEC),
	F("leaked", "leaked", A2, DEC, DEC),
};

/* a hypercall's number and arguments, after what identifies the call */
#define HC_FIELDS							\
	F("nr", "nr", TGID, HC, DEC),					\
	F(NULL, "hypercall", TGID, NONE, HC),				\
	F("a0", "a0", A0, HEX, HEX),					\
	F("a1", "a1", A1, HEX, HEX),					\
	F("a2", "a2", A2, HEX, HEX),					\
	F("ret", NULL, RET, RESULT, NONE)

static const struct kvmmem_trace_field hc_fields[] = {
	F("id", "id", ID, DEC, DEC),
	HC_FIELDS,
};

static const struct kvmmem_trace_field host_hc_fields[] = {
	HC_FIELDS,
};

static const struct kvmmem_trace_field kvm_hc_fields[] = {
	F("vcpu", "vcpu_id", ID, DEC, DEC),
	HC_FIELDS,
};

static const struct kvmmem_trace_field token_fields[] = {
	F("outstanding", "outstanding", TGID, DEC, DEC),
	F("ret", NULL, RET, RESULT, NONE),
};

static const struct kvmmem_trace_field exit_fields[] = {
	F("pid", "exit_pid", TGID, DEC, DEC),
	F("exit_code", NULL, RET, HEX, NONE),
};

#undef F

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	const struct kvmmem_trace_field *f;
	unsigned int n;
} shapes[KT_NR_SHAPES] = {
	[KT_SHAPE_MAPPING] = { mapping_fields, N(mapping_fields) },
	[KT_SHAPE_OP] = { mapping_fields, N(mapping_fields) },
	[KT_SHAPE_TEARDOWN] = { teardown_fields, N(teardown_fields) },
	[KT_SHAPE_HC] = { hc_fields, N(hc_fields) },
	[KT_SHAPE_HOST_HC] = { host_hc_fields, N(host_hc_fields) },
	[KT_SHAPE_TOKEN] = { token_fields, N(token_fields) },
	[KT_SHAPE_EXIT] = { exit_fields, N(exit_fields) },
	[KT_SHAPE_KVM_HC] = { kvm_hc_fields, N(kvm_hc_fields) },
};

const struct kvmmem_trace_field *
kvmmem_trace_shape_fields(enum kvmmem_trace_shape shape, unsigned int *n)
{
	if ((unsigned int)shape >= KT_NR_SHAPES) {
		*n = 0;
		return NULL;
	}
	*n = shapes[shape].n;
	return shapes[shape].f;
}

static uint64_t field_value(const struct kt_event *e, enum kvmmem_trace_src src)
{
	switch (src) {
	case KT_SRC_ID:
		return e->id;
	case KT_SRC_TGID:
		return e->tgid;
	case KT_SRC_A0:
		return e->a0;
	case KT_SRC_A1:
		return e->a1;
	case KT_SRC_A2:
		return e->a2;
	case KT_SRC_RET:
		return (uint64_t)e->ret;
	}
	return 0;
}

/* The fields of @e's kind, or none for a kind this build does not know. */
static const struct kvmmem_trace_field *fields_of(const struct kt_event *e,
						  unsigned int *n)
{
	const struct kvmmem_trace_kind *k = kvmmem_trace_kind(e->kind);

	if (!k) {
		*n = 0;
		return NULL;
	}
	return kvmmem_trace_shape_fields(k->shape, n);
}

static const char *kind_name(unsigned int kind)
{
	const char *name = kvmmem_trace_kind_name(kind);

	return name ? name : "?";
}

static double rel_s(uint64_t ts, uint64_t t0)
{
	return ts >= t0 ? (double)(ts - t0) / 1e9 : -(double)(t0 - ts) / 1e9;
}

/* CLOCK_REALTIME of @ts. */
static uint64_t real_ns(const struct kvmmem_trace_clock *c, uint64_t ts)
{
	return ts >= c->t0 ? c->real0 + (ts - c->t0) : c->real0 - (c->t0 - ts);
}

void kvmmem_trace_print_header(FILE *f, const struct kvmmem_trace_clock *c)
{
	fprintf(f, "%-*s %-7s %-7s %-16s %-20s %s\n", c->real0 ? 15 : 12,
		c->real0 ? "TIME" : "TIME(s)", "PID", "TID", "COMM", "EVENT",
		"DETAILS");
}

void kvmmem_trace_print_event(FILE *f, const struct kt_event *e,
			      const struct kvmmem_trace_clock *c,
			      int64_t latency_ns)
{
	const struct kvmmem_trace_field *fl;
	char buf[32], comm[KT_COMM_LEN + 1];
	unsigned int i, n;
	const char *sep = "";
	uint64_t v;

	memcpy(comm, e->comm, KT_COMM_LEN);
	comm[KT_COMM_LEN] = '\0';
	if (c->real0)
		fprintf(f, "%-15s ", kvmmem_fmt_clock(buf, real_ns(c, e->ts)));
	else
		fprintf(f, "%-12.6f ", rel_s(e->ts, c->t0));
	fprintf(f, "%-7" PRIu32 " %-7" PRIu32 " %-16s %-20s ", e->pid, e->tid,
		comm, kind_name(e->kind));
	fl = fields_of(e, &n);
	for (i = 0; i < n; i++) {
		if (!fl[i].text || fl[i].text_fmt == KT_FMT_NONE)
			continue;
		v = field_value(e, fl[i].src);
		fprintf(f, "%s%s=", sep, fl[i].text);
		sep = " ";
		switch (fl[i].text_fmt) {
		case KT_FMT_HEX:
			fprintf(f, "0x%" PRIx64, v);
			break;
		case KT_FMT_HC:
			fputs(kvmmem_hypercall_name(v), f);
			break;
		case KT_FMT_RESULT:
			fputs(kvmmem_trace_result_name(e->kind, e->ret, buf), f);
			break;
		default:
			fprintf(f, "%" PRIu64, v);
		}
	}
	if (latency_ns >= 0)
		fprintf(f, " lat=%s", kvmmem_fmt_ns(buf, (uint64_t)latency_ns));
	fputc('\n', f);
}

/* The shape's JSON fields; KT_FMT_HEX as a number or a "0x..." string. */
static void json_fields(struct kvmmem_json *j, const struct kt_event *e,
			bool hex_strings)
{
	const struct kvmmem_trace_field *fl;
	unsigned int i, n;
	char buf[32];
	uint64_t v;

	fl = fields_of(e, &n);
	for (i = 0; i < n; i++) {
		if (!fl[i].json || fl[i].json_fmt == KT_FMT_NONE)
			continue;
		v = field_value(e, fl[i].src);
		switch (fl[i].json_fmt) {
		case KT_FMT_HEX:
			if (hex_strings)
				kvmmem_json_hex(j, fl[i].json, v);
			else
				kvmmem_json_u64(j, fl[i].json, v);
			break;
		case KT_FMT_HC:
			kvmmem_json_string(j, fl[i].json, kvmmem_hypercall_name(v));
			break;
		case KT_FMT_RESULT:
			kvmmem_json_string(j, fl[i].json,
					   kvmmem_trace_result_name(e->kind, e->ret, buf));
			break;
		default:
			kvmmem_json_u64(j, fl[i].json, v);
		}
	}
}

void kvmmem_trace_print_event_json(FILE *f, const struct kt_event *e,
				   const struct kvmmem_trace_clock *c,
				   int64_t latency_ns)
{
	struct kvmmem_json j;
	char buf[32];

	kvmmem_json_init(&j, f);
	kvmmem_json_object(&j, NULL);
	kvmmem_json_u64(&j, "ts_ns", e->ts);
	kvmmem_json_double(&j, "time_s", 9, rel_s(e->ts, c->t0));
	if (c->real0)
		kvmmem_json_u64(&j, "real_ns", real_ns(c, e->ts));
	kvmmem_json_u64(&j, "pid", e->pid);
	kvmmem_json_u64(&j, "tid", e->tid);
	kvmmem_json_u64(&j, "cpu", e->cpu);
	kvmmem_json_stringn(&j, "comm", e->comm, KT_COMM_LEN);
	kvmmem_json_string(&j, "event", kind_name(e->kind));
	json_fields(&j, e, false);
	kvmmem_json_i64(&j, "ret", e->ret);
	kvmmem_json_string(&j, "result",
			   kvmmem_trace_result_name(e->kind, e->ret, buf));
	if (latency_ns >= 0)
		kvmmem_json_i64(&j, "latency_ns", latency_ns);
	kvmmem_json_end(&j);
	fputc('\n', f);
}

void kvmmem_trace_json_args(struct kvmmem_json *j, const struct kt_event *e,
			    bool hex_strings)
{
	char buf[32];

	json_fields(j, e, hex_strings);
	kvmmem_json_string(j, "result",
			   kvmmem_trace_result_name(e->kind, e->ret, buf));
}
