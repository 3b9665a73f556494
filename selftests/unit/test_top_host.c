// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem-top --host's model (top_host.c) on synthetic host events: rows
 * per VM with hypercall counts, errors, host latency histograms, mapped
 * GPAs, and what an exited VM left mapped as leaked.
 */
#define _GNU_SOURCE
#include <string.h>

#include <criterion/criterion.h>

#include "common/hist.h"
#include "kvmmem-top/prom.h"
#include "kvmmem-top/top.h"
#include "trace/analysis.h"

static struct top_host h;
static struct top_sample s;
static uint64_t now = 1000000;

static void setup(void)
{
	cr_assert_eq(top_host_init(&h), 0);
}

static void teardown(void)
{
	top_host_free(&h);
	top_sample_free(&s);
}

TestSuite(top_host, .init = setup, .fini = teardown);

static void ev(uint64_t dt, enum kt_kind kind, uint32_t vm, uint32_t tid,
	       uint32_t nr, uint64_t gpa, int64_t ret)
{
	struct kt_event e = {
		.ts = now += dt, .pid = vm, .tid = tid, .kind = (uint16_t)kind,
		.tgid = nr, .a0 = nr == 32 ? 0xa000 : gpa, .a2 = nr == 32 ? gpa : 0,
		.ret = ret,
	};

	snprintf(e.comm, sizeof(e.comm), "qemu%u", vm);
	cr_assert_eq(top_host_add(&h, &e), 0);
}

/* A hypercall the host held for @hold ns and answered @ret. */
static void call(uint32_t vm, uint32_t nr, uint64_t gpa, uint64_t hold,
		 int64_t ret)
{
	ev(100, KT_KVM_HC_ENTER, vm, vm + 1, nr, gpa, 0);
	ev(hold, KT_KVM_HC_EXIT, vm, vm + 1, nr, gpa, ret);
}

static const struct top_sample_row *row(uint32_t id)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if (s.rows[i].id == id)
			return &s.rows[i];
	cr_assert_fail("no row %u", id);
	return NULL;
}

Test(top_host, a_row_per_vm_counts_calls_and_errors)
{
	const struct top_sample_row *r;

	call(500, 32, 0x1000, 3000, -1000);
	call(500, 32, 0x2000, 3000, -1000);
	call(600, 32, 0x1000, 3000, 0);
	call(600, 33, 0x1000, 3000, 0);
	cr_assert_eq(top_host_sample(&h, now, 7, &s), 0);

	cr_assert_eq(s.n, 2);
	r = row(500);
	cr_assert_str_eq(r->name, "qemu500");
	cr_assert_eq(r->cnt[TOP_MAPS], 2);
	cr_assert_eq(r->cnt[TOP_UNMAPS], 0);
	cr_assert_eq(r->cnt[TOP_ERRORS], 2);
	cr_assert_eq(r->live, 0);
	r = row(600);
	cr_assert_eq(r->cnt[TOP_MAPS], 1);
	cr_assert_eq(r->cnt[TOP_UNMAPS], 1);
	cr_assert_eq(r->cnt[TOP_ERRORS], 0);
	cr_assert_eq(s.cnt[TOP_MAPS], 3);
	cr_assert_eq(s.cnt[TOP_ERRORS], 2);
	cr_assert_eq(s.calls[0], 3, "MEM_MAP calls");
	cr_assert_eq(s.calls[1], 1, "MEM_UNMAP calls");
	cr_assert_eq(s.drops, 7);
	cr_assert_eq(s.ts_ns, now);
}

Test(top_host, host_latency_lands_in_its_log2_slot_per_op)
{
	const struct top_sample_row *r;

	call(500, 32, 0x1000, 3000, 0);
	call(500, 33, 0x1000, 70000, 0);
	cr_assert_eq(top_host_sample(&h, now, 0, &s), 0);
	r = row(500);
	cr_assert_eq(r->hist[0][kvmmem_log2_slot(3000)], 1);
	cr_assert_eq(r->hist[1][kvmmem_log2_slot(70000)], 1);
	cr_assert_eq(r->hist[0][kvmmem_log2_slot(70000)], 0);
}

Test(top_host, mapped_gpas_are_live_with_their_age)
{
	const struct top_sample_row *r;
	uint64_t first;

	call(500, 32, 0x1000, 10, 0);
	first = now;
	call(500, 32, 0x2000, 10, 0);
	call(500, 33, 0x1000, 10, 0);
	cr_assert_eq(top_host_sample(&h, now, 0, &s), 0);
	r = row(500);
	cr_assert_eq(r->live, 1);
	cr_assert_eq(r->leaked, 0);
	cr_assert_gt(r->oldest_ns, first, "0x1000 was unmapped");
	cr_assert_eq(s.live, 1);
	cr_assert_eq(s.pinned, 1);
}

Test(top_host, what_an_exited_vm_left_mapped_is_leaked)
{
	const struct top_sample_row *r;

	call(500, 32, 0x1000, 10, 0);
	call(500, 32, 0x2000, 10, 0);
	ev(10, KT_PROC_EXIT, 500, 500, 500, 0, 9);
	cr_assert_eq(top_host_sample(&h, now, 0, &s), 0);
	r = row(500);
	cr_assert_eq(r->live, 0);
	cr_assert_eq(r->leaked, 2);
	cr_assert_eq(r->oldest_ns, 0);
	cr_assert_eq(s.leaked, 2);
	cr_assert_eq(s.pinned, 2);
}

Test(top_host, vms_are_named_from_their_command_line)
{
	call(500, 32, 0x1000, 10, -1000);
	top_host_name(&h, 500, "a-rather-long-vm-name");
	top_host_name(&h, 999, "no-such-vm");
	cr_assert_eq(top_host_sample(&h, now, 0, &s), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(row(500)->name, "a-rather-long-v", "cut to the row's 15");
}

Test(top_host, many_vms_keep_their_own_histograms)
{
	uint32_t vm;

	for (vm = 1; vm <= 40; vm++)
		call(vm * 10, 32, 0x1000, vm * 1000, -1000);
	cr_assert_eq(top_host_sample(&h, now, 0, &s), 0);
	cr_assert_eq(s.n, 40);
	for (vm = 1; vm <= 40; vm++)
		cr_assert_eq(row(vm * 10)->hist[0][kvmmem_log2_slot(vm * 1000)], 1,
			     "vm %u", vm);
}

Test(top_host, description_names_the_host_columns)
{
	cr_assert_str_eq(top_host_desc.rows_key, "vms");
	cr_assert_str_eq(top_host_desc.name_key, "vm");
	cr_assert_eq(top_col_parse(&top_host_desc, "vm"), TOP_COL_NAME);
	cr_assert_str_eq(top_host_desc.op_names[0], "MEM_MAP");
	cr_assert_str_eq(top_host_desc.op_names[1], "MEM_UNMAP");
}

Test(top_host, answers_by_value_per_vm_and_op)
{
	const struct top_sample_row *r;
	char buf[32];
	int i;

	for (i = 0; i < 5; i++)
		call(500, 32, 0x1000 + i, 10, -1000);
	call(500, 32, 0x9000, 10, 0);
	call(500, 33, 0x9000, 10, 0);
	cr_assert_eq(top_host_sample(&h, now, 0, &s), 0);
	r = row(500);
	cr_assert_eq(r->results[0].r[0].ret, -1000);
	cr_assert_eq(r->results[0].r[0].count, 5);
	cr_assert_eq(r->results[0].r[1].ret, 0);
	cr_assert_eq(r->results[0].r[1].count, 1);
	cr_assert_eq(r->results[0].r[2].count, 0);
	cr_assert_eq(r->results[1].r[0].ret, 0);
	cr_assert_eq(r->results[1].r[0].count, 1);
	cr_assert_str_eq(top_host_desc.result_name(-1000, buf), "KVM_ENOSYS");
	cr_assert_str_eq(top_host_desc.result_name(0, buf), "ok");
}

/* --host --prometheus: the answers of every VM, by op and KVM's result. */
Test(top_host, answers_of_every_vm_are_the_exporters_results)
{
	struct top_frame f = { 0 };
	struct prom_state p;
	char *text = NULL;
	size_t len;
	FILE *out;
	int i;

	for (i = 0; i < 3; i++)
		call(500, 32, 0x1000 + i, 10, -1000);
	call(501, 32, 0x9000, 10, -1000);
	call(501, 32, 0xa000, 10, 0);
	call(501, 33, 0xa000, 10, 0);
	cr_assert_eq(top_host_sample(&h, now, 0, &s), 0);
	cr_assert_eq(s.nr_answers, 3);
	cr_assert_eq(top_frame_build(&top_host_desc, NULL, &s, 0, &f), 0);
	cr_assert_eq(prom_init(&p, &top_host_desc, 2, true), 0);
	cr_assert_eq(prom_update(&p, &f), 0);
	out = open_memstream(&text, &len);
	cr_assert_not_null(out);
	cr_assert_eq(prom_write(out, &p, &(struct prom_self){ .version = "1" },
			       PROM_TEXT), 0);
	fclose(out);
	cr_assert_not_null(strstr(text, "kvmmem_hypercall_results_total{op=\"MEM_MAP\","
				  "result=\"KVM_ENOSYS\"} 4\n"), "%s", text);
	cr_assert_not_null(strstr(text, "kvmmem_hypercall_results_total{op=\"MEM_MAP\","
				  "result=\"ok\"} 1\n"));
	cr_assert_not_null(strstr(text, "kvmmem_hypercall_results_total{op=\"MEM_UNMAP\","
				  "result=\"ok\"} 1\n"));
	cr_assert_null(strstr(text, "kvmmem_ioctl_errors"), "no ioctls on a host");
	free(text);
	prom_free(&p);
	top_frame_free(&f);
}

/* --host --prometheus: a series per VM, labelled vmm_pid and vm. */
Test(top_host, prometheus_series_per_vm_with_exact_latency_sums)
{
	struct top_frame f = { 0 };
	struct prom_state p;
	struct prom_self self = { .version = "1" };
	char *text = NULL;
	size_t len;
	FILE *out;

	call(500, 32, 0x1000, 3000, -1000);
	call(500, 32, 0x2000, 3000, -1000);
	call(600, 32, 0x1000, 2500, 0);
	call(600, 33, 0x1000, 1500, 0);
	top_host_name(&h, 600, "introspected");
	cr_assert_eq(top_host_sample(&h, now, 0, &s), 0);
	cr_assert_eq(top_frame_build(&top_host_desc, NULL, &s, s.ts_ns, &f), 0);
	cr_assert_eq(prom_init(&p, &top_host_desc, 10, true), 0);
	cr_assert_eq(prom_update(&p, &f), 0);
	out = open_memstream(&text, &len);
	cr_assert_not_null(out);
	cr_assert_eq(prom_write(out, &p, &self, PROM_TEXT), 0);
	fclose(out);
	cr_assert_not_null(strstr(text, "\nkvmmem_maps_total{vmm_pid=\"500\",vm=\"qemu500\"} 2\n"),
			   "%s", text);
	cr_assert_not_null(strstr(text, "\nkvmmem_errors_total{vmm_pid=\"500\",vm=\"qemu500\"} 2\n"));
	cr_assert_not_null(strstr(text, "\nkvmmem_maps_total{vmm_pid=\"600\",vm=\"introspected\"} 1\n"));
	cr_assert_not_null(strstr(text, "\nkvmmem_unmaps_total{vmm_pid=\"600\",vm=\"introspected\"} 1\n"));
	cr_assert_not_null(strstr(text, "\nkvmmem_maps_total{vm=\"other\"} 0\n"));
	cr_assert_not_null(strstr(text, "\nkvmmem_hypercall_duration_seconds_sum{op=\"MEM_MAP\"} 0.0000085\n"));
	cr_assert_not_null(strstr(text, "\nkvmmem_hypercall_duration_seconds_count{op=\"MEM_MAP\"} 3\n"));
	cr_assert_not_null(strstr(text, "\nkvmmem_hypercalls_total{op=\"MEM_UNMAP\"} 1\n"));
	cr_assert_null(strstr(text, "kvmmem_ioctl_errors"));	/* guest only */
	free(text);
	prom_free(&p);
	top_frame_free(&f);
}
