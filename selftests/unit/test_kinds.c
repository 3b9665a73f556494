// SPDX-License-Identifier: GPL-2.0
/*
 * The table of event kinds (bpf/kvmmem_kinds.h) and every consumer the
 * tools build from it (tools/trace/kinds.c, print.c): each kind has a
 * name, a schema, a group, a tracepoint, a shape whose fields the text
 * and JSON printers print, and a Perfetto role. A kind added to the
 * table without what a consumer needs fails here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "trace/kinds.h"
#include "trace/print.h"
#include "util.h"

static char *text;
static size_t size;

static void teardown(void)
{
	free(text);
	text = NULL;
}

TestSuite(kinds, .fini = teardown);

/* Times since 1 s on the monotonic clock. */
static const struct kvmmem_trace_clock rel = { .t0 = 1000000000 };

static struct kt_event event_of(unsigned int kind)
{
	struct kt_event e = {
		.ts = 2000000000, .pid = 7, .tid = 8, .kind = (uint16_t)kind,
		.cpu = 1, .tgid = KVM_HC_MEM_MAP, .id = 5, .a0 = 0x1000,
		.a1 = 0x2000, .a2 = 0x3000, .ret = 0, .comm = "proc",
	};

	return e;
}

Test(kinds, numbered_one_to_nr_kinds_as_the_file_format_says)
{
	cr_assert_eq(KT_MAP_START, 1);
	cr_assert_eq(KT_PROC_EXIT, 14);
	cr_assert_eq(KT_KVM_HC_EXIT, 16);
	cr_assert_eq(KT_NR_KINDS, 17);
	cr_assert_null(kvmmem_trace_kind(0));
	cr_assert_null(kvmmem_trace_kind(KT_NR_KINDS));
}

Test(kinds, every_kind_has_a_name_schema_group_tracepoint_and_shape)
{
	unsigned int k, l, n;

	for (k = 1; k < KT_NR_KINDS; k++) {
		const struct kvmmem_trace_kind *r = kvmmem_trace_kind(k);

		cr_assert_not_null(r, "kind %u", k);
		cr_assert(r->name && r->name[0], "kind %u has no name", k);
		cr_assert_str_eq(kvmmem_trace_kind_name(k), r->name);
		cr_assert(r->schema && strstr(r->schema, r->tp),
			  "kind %s: schema '%s' names another tracepoint than %s",
			  r->name, r->schema, r->tp);
		cr_assert_str_eq(kvmmem_trace_kind_schema(k), r->schema);
		cr_assert(r->group && r->group[0], "kind %s has no group", r->name);
		cr_assert((unsigned int)r->shape < KT_NR_SHAPES, "kind %s", r->name);
		cr_assert_not_null(kvmmem_trace_shape_fields(r->shape, &n));
		cr_assert_gt(n, 0, "kind %s: its shape prints nothing", r->name);
		for (l = 1; l < k; l++)
			cr_assert_str_neq(kvmmem_trace_kind(l)->name, r->name,
					  "kinds %u and %u share a name", l, k);
	}
}

Test(kinds, the_host_kinds_are_the_kvm_kinds)
{
	uint32_t host = 0;
	unsigned int k;

	for (k = 1; k < KT_NR_KINDS; k++) {
		const struct kvmmem_trace_kind *r = kvmmem_trace_kind(k);

		if (r->host)
			host |= KT_KIND_BIT(k);
		else if (strcmp(r->tp, "sched_process_exit"))
			cr_assert_not_null(r->module, "kind %s: a kvmmem tracepoint "
					   "without its module", r->name);
	}
	cr_assert_eq(host, KT_KVM_KINDS);
}

Test(kinds, every_kind_has_a_perfetto_role_and_every_start_its_end)
{
	unsigned int k, l;

	for (k = 1; k < KT_NR_KINDS; k++) {
		const struct kvmmem_trace_kind *r = kvmmem_trace_kind(k);
		bool closed = false;

		switch (r->pf_role) {
		case KT_PF_SLICE:
		case KT_PF_INSTANT:
			cr_assert(r->pf_name[0], "kind %s: no Perfetto name", r->name);
			/* fall through */
		case KT_PF_HC_SLICE:
			cr_assert(r->pf_cat[0], "kind %s: no Perfetto category",
				  r->name);
			break;
		case KT_PF_OPENS:
			/* the slice it opens is drawn by an end of its group */
			for (l = 1; l < KT_NR_KINDS; l++) {
				const struct kvmmem_trace_kind *o = kvmmem_trace_kind(l);

				closed |= !strcmp(o->group, r->group) &&
					  (o->pf_role == KT_PF_SLICE ||
					   o->pf_role == KT_PF_HC_SLICE);
			}
			cr_assert(closed, "kind %s opens a slice nothing draws",
				  r->name);
			break;
		case KT_PF_NONE:
			break;
		default:
			cr_assert(false, "kind %s: Perfetto role %d", r->name, r->pf_role);
		}
	}
}

Test(kinds, every_kind_prints_as_text_with_its_name_and_fields)
{
	unsigned int k;

	for (k = 1; k < KT_NR_KINDS; k++) {
		struct kt_event e = event_of(k);
		const struct kvmmem_trace_field *fl;
		char want[64];
		unsigned int n;
		FILE *f = open_memstream(&text, &size);

		kvmmem_trace_print_event(f, &e, &rel, -1);
		fclose(f);
		cr_assert(strstr(text, kvmmem_trace_kind_name(k)), "%s", text);
		fl = kvmmem_trace_shape_fields(kvmmem_trace_kind(k)->shape, &n);
		snprintf(want, sizeof(want), " %s=", fl[0].text ? fl[0].text : "");
		cr_assert(strstr(text, want), "kind %u: '%s' lacks '%s'", k, text,
			  want);
		cr_assert(strstr(text, "1.000000 "), "%s", text);
		free(text);
		text = NULL;
	}
}

Test(kinds, every_kind_prints_as_one_json_line)
{
	unsigned int k;

	for (k = 1; k < KT_NR_KINDS; k++) {
		struct kt_event e = event_of(k);
		char want[64];
		FILE *f = open_memstream(&text, &size);

		kvmmem_trace_print_event_json(f, &e, &rel, 12);
		fclose(f);
		snprintf(want, sizeof(want), ",\"event\":\"%s\",",
			 kvmmem_trace_kind_name(k));
		cr_assert(strstr(text, want), "%s", text);
		cr_assert(strstr(text, "\"ret\":0,\"result\":\"ok\","
				 "\"latency_ns\":12}\n"), "%s", text);
		cr_assert_eq(strchr(text, '\n'), text + strlen(text) - 1, "%s", text);
		free(text);
		text = NULL;
	}
}

Test(kinds, the_printers_keep_the_formats_users_parse)
{
	struct kt_event e = event_of(KT_MAP_END);
	FILE *f = open_memstream(&text, &size);

	kvmmem_trace_print_event(f, &e, &rel, 1500);
	fclose(f);
	cr_assert_str_eq(text, "1.000000     7       8       proc             "
			 "map_end              id=5 tgid=32 gva=0x1000 "
			 "gpa=0x2000 pa=0x3000 ret=ok lat=1.50us\n");
	free(text);
	e = event_of(KT_KVM_HC_EXIT);
	e.ret = -EFAULT;
	f = open_memstream(&text, &size);
	kvmmem_trace_print_event_json(f, &e, &rel, -1);
	fclose(f);
	cr_assert_str_eq(text, "{\"ts_ns\":2000000000,\"time_s\":1.000000000,"
			 "\"pid\":7,\"tid\":8,\"cpu\":1,\"comm\":\"proc\","
			 "\"event\":\"kvm_hypercall_exit\",\"vcpu_id\":5,\"nr\":32,"
			 "\"hypercall\":\"MEM_MAP\",\"a0\":4096,\"a1\":8192,"
			 "\"a2\":12288,\"ret\":-14,\"result\":\"KVM_EFAULT\"}\n");
}

Test(kinds, groups_and_names_parse_to_the_kinds_of_the_table)
{
	uint32_t m, want;
	unsigned int k, l;

	for (k = 1; k < KT_NR_KINDS; k++) {
		const struct kvmmem_trace_kind *r = kvmmem_trace_kind(k);

		cr_assert_eq(kvmmem_trace_parse_kinds(r->name, &m), 0, "%s", r->name);
		cr_assert(m & KT_KIND_BIT(k), "%s", r->name);
		want = 0;
		for (l = 1; l < KT_NR_KINDS; l++)
			if (!strcmp(kvmmem_trace_kind(l)->group, r->group))
				want |= KT_KIND_BIT(l);
		cr_assert_eq(kvmmem_trace_parse_kinds(r->group, &m), 0);
		cr_assert_eq(m, want, "group %s: 0x%x, want 0x%x", r->group, m, want);
	}
	cr_assert_eq(kvmmem_trace_parse_kinds("all", &m), 0);
	cr_assert_eq(m, KT_ALL_KINDS);
	cr_assert_eq(kvmmem_trace_parse_kinds("map,nosuch", &m), -EINVAL);
}

Test(kinds, hypercall_kinds_are_the_hypercall_shapes)
{
	cr_assert(kvmmem_trace_kind_is_hypercall(KT_HC_EXIT));
	cr_assert(kvmmem_trace_kind_is_hypercall(KT_HOST_HC_ENTER));
	cr_assert(kvmmem_trace_kind_is_hypercall(KT_KVM_HC_EXIT));
	cr_assert_not(kvmmem_trace_kind_is_hypercall(KT_MAP_END));
	cr_assert_not(kvmmem_trace_kind_is_hypercall(0));
}

Test(kinds, hypercall_names_come_from_the_uapi_numbers)
{
	cr_assert_eq(KVM_HC_MEM_MAP, 32);
	cr_assert_eq(KVM_HC_MEM_UNMAP, 33);
	cr_assert_str_eq(kvmmem_hypercall_name(KVM_HC_MEM_MAP), "MEM_MAP");
	cr_assert_str_eq(kvmmem_hypercall_name(KVM_HC_MEM_UNMAP), "MEM_UNMAP");
	cr_assert_str_eq(kvmmem_hypercall_name(34), "hypercall");
}

Test(kinds, wall_clock_times_are_the_start_plus_the_clock)
{
	/* 2023-11-14 22:13:20 UTC at t0; the event 1 s later */
	const struct kvmmem_trace_clock wall = {
		.t0 = 1000000000, .real0 = 1700000000000000000ULL,
	};
	struct kt_event e = event_of(KT_MAP_END);
	FILE *f;

	setenv("TZ", "UTC", 1);
	tzset();
	f = open_memstream(&text, &size);
	kvmmem_trace_print_header(f, &wall);
	kvmmem_trace_print_event(f, &e, &wall, -1);
	fclose(f);
	cr_assert(!strncmp(text, "TIME            PID", 19), "%s", text);
	cr_assert(strstr(text, "\n22:13:21.000000 7       8"), "%s", text);
	free(text);
	f = open_memstream(&text, &size);
	kvmmem_trace_print_event_json(f, &e, &wall, -1);
	fclose(f);
	cr_assert(strstr(text, ",\"time_s\":1.000000000,\"real_ns\":"
			 "1700000001000000000,"), "%s", text);
}
