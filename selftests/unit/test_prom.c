// SPDX-License-Identifier: GPL-2.0
/* prom.h: kvmmem-top's model as OpenMetrics / Prometheus text. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "kvmmem-top/prom.h"

static const struct top_desc desc = {
	.title = "kvmmem-top",
	.id_col = "PID",
	.name_col = "COMMAND",
	.id_key = "pid",
	.name_key = "comm",
	.rows_key = "processes",
	.nr_ops = 2,
	.op_names = { "MEM_MAP", "MAP" },
	.hc_ops = 1,		/* MEM_MAP; MAP is an ioctl */
};

static const struct prom_self self = { .version = "1", .attach = "tp_btf",
				       .scrapes = 3 };

static struct prom_state st;
static struct top_row rows[8];
static struct top_frame frame;
static char *text;

static void fini(void)
{
	prom_free(&st);
	free(text);
	text = NULL;
}

/* A frame of @n rows (set in rows[] by row()) with system totals @maps. */
static void frame_of(size_t n, uint64_t maps, uint64_t unmaps)
{
	size_t i;

	memset(&frame, 0, sizeof(frame));
	frame.rows = rows;
	frame.n = n;
	frame.cnt[TOP_MAPS] = maps;
	frame.cnt[TOP_UNMAPS] = unmaps;
	for (i = 0; i < n; i++) {
		frame.live += rows[i].live;
		frame.pinned += rows[i].pinned;
		frame.leaked += rows[i].leaked;
	}
}

static void row(size_t i, uint32_t id, const char *name, uint64_t maps,
		double map_s, int64_t live)
{
	memset(&rows[i], 0, sizeof(rows[i]));
	rows[i].id = id;
	snprintf(rows[i].name, sizeof(rows[i].name), "%s", name);
	rows[i].cnt[TOP_MAPS] = maps;
	rows[i].rate[TOP_MAPS] = map_s;
	rows[i].live = live;
	rows[i].pinned = (uint64_t)live;
}

static const char *write_text(enum prom_format fmt)
{
	size_t len;
	FILE *f;

	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	cr_assert_eq(prom_write(f, &st, &self, fmt), 0);
	fclose(f);
	return text;
}

/* The value of the sample line that starts with @series + ' ', or -1. */
static long long value_of(const char *series)
{
	const char *s = write_text(PROM_TEXT);
	size_t n = strlen(series);

	for (; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
		if (!strncmp(s, series, n) && s[n] == ' ')
			return strtoll(s + n + 1, NULL, 10);
	return -1;
}

TestSuite(prom, .fini = fini);

static const char expected_om[] =
"# HELP kvmmem_maps MAP ioctls that succeeded\n"
"# TYPE kvmmem_maps counter\n"
"kvmmem_maps_total{pid=\"42\",comm=\"stress\"} 7\n"
"kvmmem_maps_total{comm=\"other\"} 3\n"
"# HELP kvmmem_unmaps UNMAP ioctls that succeeded\n"
"# TYPE kvmmem_unmaps counter\n"
"kvmmem_unmaps_total{pid=\"42\",comm=\"stress\"} 5\n"
"kvmmem_unmaps_total{comm=\"other\"} 1\n"
"# HELP kvmmem_teardown_unmaps Mappings unmapped by a file's teardown (close, exit)\n"
"# TYPE kvmmem_teardown_unmaps counter\n"
"kvmmem_teardown_unmaps_total{pid=\"42\",comm=\"stress\"} 0\n"
"kvmmem_teardown_unmaps_total{comm=\"other\"} 0\n"
"# HELP kvmmem_errors MAP and UNMAP ioctls that failed\n"
"# TYPE kvmmem_errors counter\n"
"kvmmem_errors_total{pid=\"42\",comm=\"stress\"} 0\n"
"kvmmem_errors_total{comm=\"other\"} 0\n"
"# HELP kvmmem_page_leaks Pages leaked: the host failed to unmap them, they stay pinned\n"
"# TYPE kvmmem_page_leaks counter\n"
"kvmmem_page_leaks_total{pid=\"42\",comm=\"stress\"} 1\n"
"kvmmem_page_leaks_total{comm=\"other\"} 0\n"
"# HELP kvmmem_live_mappings Live mappings\n"
"# TYPE kvmmem_live_mappings gauge\n"
"kvmmem_live_mappings{pid=\"42\",comm=\"stress\"} 2\n"
"kvmmem_live_mappings{comm=\"other\"} 2\n"
"# HELP kvmmem_pinned_pages Pinned pages: live mappings and leaked pages\n"
"# TYPE kvmmem_pinned_pages gauge\n"
"kvmmem_pinned_pages{pid=\"42\",comm=\"stress\"} 3\n"
"kvmmem_pinned_pages{comm=\"other\"} 2\n"
"# HELP kvmmem_leaked_pages Leaked pages now\n"
"# TYPE kvmmem_leaked_pages gauge\n"
"kvmmem_leaked_pages{pid=\"42\",comm=\"stress\"} 1\n"
"kvmmem_leaked_pages{comm=\"other\"} 0\n"
"# HELP kvmmem_oldest_mapping_age_seconds Age of the oldest live mapping (0: none)\n"
"# TYPE kvmmem_oldest_mapping_age_seconds gauge\n"
"# UNIT kvmmem_oldest_mapping_age_seconds seconds\n"
"kvmmem_oldest_mapping_age_seconds{pid=\"42\",comm=\"stress\"} 1.5\n"
"kvmmem_oldest_mapping_age_seconds{comm=\"other\"} 0.25\n"
"# HELP kvmmem_hypercalls Hypercalls made, by operation (all of them, timed or not)\n"
"# TYPE kvmmem_hypercalls counter\n"
"kvmmem_hypercalls_total{op=\"MEM_MAP\"} 12\n"
"# HELP kvmmem_ioctl_errors MAP and UNMAP ioctls that failed, by errno\n"
"# TYPE kvmmem_ioctl_errors counter\n"
"kvmmem_ioctl_errors_total{op=\"MAP\",errno=\"EEXIST\"} 1\n"
"kvmmem_ioctl_errors_total{op=\"UNMAP\",errno=\"ENOENT\"} 2\n"
"# HELP kvmmem_hypercall_results Hypercalls by operation and the host's answer\n"
"# TYPE kvmmem_hypercall_results counter\n"
"kvmmem_hypercall_results_total{op=\"MEM_MAP\",result=\"ok\"} 11\n"
"kvmmem_hypercall_results_total{op=\"MEM_MAP\",result=\"KVM_ENOSYS\"} 1\n"
"# HELP kvmmem_hypercall_duration_seconds kvmmem hypercalls, as the guest sees them (every one)\n"
"# TYPE kvmmem_hypercall_duration_seconds histogram\n"
"# UNIT kvmmem_hypercall_duration_seconds seconds\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000000001\"} 1\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000000003\"} 1\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000000007\"} 1\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000000015\"} 1\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000000031\"} 1\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000000063\"} 1\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000000127\"} 1\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000000255\"} 1\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000000511\"} 1\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000001023\"} 1\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000002047\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000004095\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000008191\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000016383\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000032767\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000065535\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000131071\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000262143\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.000524287\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.001048575\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.002097151\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.004194303\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.008388607\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.016777215\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.033554431\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.067108863\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.134217727\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.268435455\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"0.536870911\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"1.073741823\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"2.147483647\"} 11\n"
"kvmmem_hypercall_duration_seconds_bucket{op=\"MEM_MAP\",le=\"+Inf\"} 12\n"
"kvmmem_hypercall_duration_seconds_sum{op=\"MEM_MAP\"} 3.000015001\n"
"kvmmem_hypercall_duration_seconds_count{op=\"MEM_MAP\"} 12\n"
"# HELP kvmmem_ioctl_duration_seconds MAP and UNMAP ioctls, start to end (a sample unless --time-all)\n"
"# TYPE kvmmem_ioctl_duration_seconds histogram\n"
"# UNIT kvmmem_ioctl_duration_seconds seconds\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000000001\"} 0\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000000003\"} 0\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000000007\"} 0\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000000015\"} 0\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000000031\"} 0\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000000063\"} 0\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000000127\"} 0\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000000255\"} 0\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000000511\"} 0\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000001023\"} 0\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000002047\"} 0\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000004095\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000008191\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000016383\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000032767\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000065535\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000131071\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000262143\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.000524287\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.001048575\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.002097151\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.004194303\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.008388607\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.016777215\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.033554431\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.067108863\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.134217727\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.268435455\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"0.536870911\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"1.073741823\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"2.147483647\"} 2\n"
"kvmmem_ioctl_duration_seconds_bucket{op=\"MAP\",le=\"+Inf\"} 2\n"
"kvmmem_ioctl_duration_seconds_sum{op=\"MAP\"} 0.000005\n"
"kvmmem_ioctl_duration_seconds_count{op=\"MAP\"} 2\n"
"# HELP kvmmem_mapping_lifetime_seconds Lifetimes of the mappings made and unmapped (UNMAP or teardown) while traced, MAP's hypercall answer to the unmapping hypercall\n"
"# TYPE kvmmem_mapping_lifetime_seconds histogram\n"
"# UNIT kvmmem_mapping_lifetime_seconds seconds\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.000001999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.000003999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.000007999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.000015999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.000031999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.000063999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.000127999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.000255999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.000511999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.001023999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.002047999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.004095999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.008191999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.016383999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.032767999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.065535999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.131071999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.262143999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"0.524287999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"1.048575999\"} 1\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"2.097151999\"} 3\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"4.194303999\"} 3\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"8.388607999\"} 3\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"16.777215999\"} 3\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"33.554431999\"} 3\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"67.108863999\"} 3\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"134.217727999\"} 3\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"268.435455999\"} 3\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"536.870911999\"} 3\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"1073.741823999\"} 3\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"2147.483647999\"} 3\n"
"kvmmem_mapping_lifetime_seconds_bucket{le=\"+Inf\"} 4\n"
"kvmmem_mapping_lifetime_seconds_sum 2150.483648\n"
"kvmmem_mapping_lifetime_seconds_count 4\n"
"# HELP kvmmem_lost_updates Updates the BPF programs lost (a map was full)\n"
"# TYPE kvmmem_lost_updates counter\n"
"kvmmem_lost_updates_total 4\n"
"# HELP kvmmem_exporter_samples Samples of the BPF maps taken\n"
"# TYPE kvmmem_exporter_samples counter\n"
"kvmmem_exporter_samples_total 1\n"
"# HELP kvmmem_exporter_scrapes Requests for the metrics answered\n"
"# TYPE kvmmem_exporter_scrapes counter\n"
"kvmmem_exporter_scrapes_total 3\n"
"# HELP kvmmem_build The kvmmem tools' version\n"
"# TYPE kvmmem_build info\n"
"kvmmem_build_info{version=\"1\",attach=\"tp_btf\"} 1\n"
"# EOF\n";

/*
 * Two processes, one series: 42 (the most active) has its own, 7 is in
 * other with what the totals have beyond 42's (a map made before any
 * row existed).
 */
static void known_model(void)
{
	cr_assert_eq(prom_init(&st, &desc, 1, false), 0);
	row(0, 7, "idle", 2, 0.5, 2);
	rows[0].cnt[TOP_UNMAPS] = 1;
	rows[0].age_ns = 250000000;
	row(1, 42, "stress", 7, 3.0, 2);
	rows[1].cnt[TOP_UNMAPS] = 5;
	rows[1].cnt[TOP_LEAKS] = 1;
	rows[1].leaked = 1;
	rows[1].pinned = 3;
	rows[1].age_ns = 1500000000;
	frame_of(2, 10, 6);
	frame.drops = 4;
	frame.lat[0].calls = 12;
	frame.hist[0][0] = 1;		/* [0, 1] ns */
	frame.hist[0][10] = 10;		/* [1024, 2047] ns */
	frame.hist[0][31] = 1;		/* 2^31 ns and more */
	frame.hist_sum_ns[0] = 3000015001ULL;
	frame.lat[1].calls = 13;	/* MAP ioctls, 2 of them timed */
	frame.hist[1][11] = 2;		/* [2048, 4095] ns */
	frame.hist_sum_ns[1] = 5000;
	frame.have_lifetime = true;
	frame.lifetime[0] = 1;		/* [0, 1] us: [0, 1999] ns */
	frame.lifetime[20] = 2;		/* [2^20, 2^21 - 1] us */
	frame.lifetime[31] = 1;		/* 2^31 us and more */
	frame.lifetime_sum_us = 2147483648ULL + 3000000;
	/* in no order: the exposition sorts them */
	frame.answers[0] = (struct top_answer){ TOP_ANS_HC_MAP, -1000, 1 };
	frame.answers[1] = (struct top_answer){ TOP_ANS_UNMAP, -ENOENT, 2 };
	frame.answers[2] = (struct top_answer){ TOP_ANS_HC_MAP, 0, 11 };
	frame.answers[3] = (struct top_answer){ TOP_ANS_MAP, -EEXIST, 1 };
	frame.nr_answers = 4;
	cr_assert_eq(prom_update(&st, &frame), 0);
}

Test(prom, known_model_is_exactly_the_expected_openmetrics)
{
	known_model();
	cr_assert_str_eq(write_text(PROM_OPENMETRICS), expected_om);
}

Test(prom, classic_text_names_counters_with_total_and_has_no_unit_or_eof)
{
	const char *t;

	known_model();
	t = write_text(PROM_TEXT);
	cr_assert_not_null(strstr(t, "# HELP kvmmem_maps_total MAP ioctls that "
				  "succeeded\n# TYPE kvmmem_maps_total counter\n"
				  "kvmmem_maps_total{pid=\"42\",comm=\"stress\"} 7\n"));
	cr_assert_not_null(strstr(t, "# TYPE kvmmem_build_info gauge\n"
				  "kvmmem_build_info{version=\"1\",attach=\"tp_btf\"} 1\n"));
	cr_assert_null(strstr(t, "# UNIT"));
	cr_assert_null(strstr(t, "# EOF"));
	cr_assert_null(strstr(t, "# TYPE kvmmem_maps counter"));
}

Test(prom, first_and_last_slot_are_the_edge_buckets)
{
	cr_assert_eq(prom_init(&st, &desc, 0, false), 0);
	frame_of(0, 0, 0);
	frame.hist[0][0] = 2;
	frame.hist[0][30] = 3;		/* [2^30, 2^31 - 1] ns */
	frame.hist[0][31] = 5;
	frame.lat[0].calls = 10;
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_hypercall_duration_seconds_bucket"
			      "{op=\"MEM_MAP\",le=\"0.000000001\"}"), 2);
	cr_assert_eq(value_of("kvmmem_hypercall_duration_seconds_bucket"
			      "{op=\"MEM_MAP\",le=\"1.073741823\"}"), 2);
	cr_assert_eq(value_of("kvmmem_hypercall_duration_seconds_bucket"
			      "{op=\"MEM_MAP\",le=\"2.147483647\"}"), 5);
	cr_assert_eq(value_of("kvmmem_hypercall_duration_seconds_bucket"
			      "{op=\"MEM_MAP\",le=\"+Inf\"}"), 10);
	cr_assert_eq(value_of("kvmmem_hypercall_duration_seconds_count"
			      "{op=\"MEM_MAP\"}"), 10);
}

Test(prom, lifetime_slots_are_whole_microseconds_to_the_last_ns)
{
	cr_assert_eq(prom_init(&st, &desc, 0, false), 0);
	frame_of(0, 0, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_null(strstr(write_text(PROM_TEXT), "kvmmem_mapping_lifetime"),
		       "no lifetime histogram from a source without one");
	frame.have_lifetime = true;
	frame.lifetime[0] = 2;		/* 0 and 1 us: 0 to 1999 ns */
	frame.lifetime[30] = 3;		/* [2^30, 2^31 - 1] us */
	frame.lifetime[31] = 5;		/* 2^31 us and more */
	frame.lifetime_sum_us = 7;
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_mapping_lifetime_seconds_bucket{le=\"0.000001999\"}"), 2);
	cr_assert_eq(value_of("kvmmem_mapping_lifetime_seconds_bucket{le=\"1073.741823999\"}"), 2);
	cr_assert_eq(value_of("kvmmem_mapping_lifetime_seconds_bucket{le=\"2147.483647999\"}"), 5);
	cr_assert_eq(value_of("kvmmem_mapping_lifetime_seconds_bucket{le=\"+Inf\"}"), 10);
	cr_assert_eq(value_of("kvmmem_mapping_lifetime_seconds_count"), 10);
	cr_assert_not_null(strstr(write_text(PROM_TEXT),
				  "kvmmem_mapping_lifetime_seconds_sum 0.000007\n"));
	/* the kernel's histogram is cumulative: a later frame replaces it */
	frame.lifetime[31] = 6;
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_mapping_lifetime_seconds_count"), 11);
}

Test(prom, histograms_add_up_the_intervals_of_every_frame)
{
	cr_assert_eq(prom_init(&st, &desc, 0, false), 0);
	frame_of(0, 0, 0);
	frame.hist[0][10] = 2;
	frame.hist_sum_ns[0] = 3000;
	cr_assert_eq(prom_update(&st, &frame), 0);
	frame.hist[0][10] = 1;
	frame.hist_sum_ns[0] = 1500;
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_hypercall_duration_seconds_count"
			      "{op=\"MEM_MAP\"}"), 3);
	cr_assert_not_null(strstr(write_text(PROM_TEXT),
		"kvmmem_hypercall_duration_seconds_sum{op=\"MEM_MAP\"} 0.0000045\n"));
}

Test(prom, answers_are_cumulative_and_stay_when_a_sample_lacks_them)
{
	cr_assert_eq(prom_init(&st, &desc, 0, false), 0);
	frame_of(0, 0, 0);
	frame.answers[0] = (struct top_answer){ TOP_ANS_HC_UNMAP, -14, 3 };
	frame.nr_answers = 1;
	cr_assert_eq(prom_update(&st, &frame), 0);
	frame.answers[0] = (struct top_answer){ TOP_ANS_HC_UNMAP, 0, 5 };
	cr_assert_eq(prom_update(&st, &frame), 0);
	frame.answers[0] = (struct top_answer){ TOP_ANS_HC_UNMAP, -14, 2 };
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_hypercall_results_total{op=\"MEM_UNMAP\","
			      "result=\"KVM_EFAULT\"}"), 3);
	cr_assert_eq(value_of("kvmmem_hypercall_results_total{op=\"MEM_UNMAP\","
			      "result=\"ok\"}"), 5);
}

Test(prom, seconds_are_exact_decimals)
{
	char b[32];

	cr_assert_str_eq(prom_fmt_seconds(b, 0), "0");
	cr_assert_str_eq(prom_fmt_seconds(b, 1), "0.000000001");
	cr_assert_str_eq(prom_fmt_seconds(b, 1500000000ULL), "1.5");
	cr_assert_str_eq(prom_fmt_seconds(b, 3000000000ULL), "3");
	cr_assert_str_eq(prom_fmt_seconds(b, UINT64_MAX), "18446744073.709551615");
}

Test(prom, label_values_are_escaped)
{
	char b[64];

	prom_escape_label("a\"b\\c\nd", 16, b, sizeof(b));
	cr_assert_str_eq(b, "a\\\"b\\\\c\\nd");
}

Test(prom, label_values_keep_utf8_and_replace_the_rest)
{
	char b[64];

	prom_escape_label("caf\xc3\xa9", 16, b, sizeof(b));
	cr_assert_str_eq(b, "caf\xc3\xa9");
	/* a lone continuation byte, an overlong '/', a surrogate, a tab */
	prom_escape_label("\x80x\xc0\xafy\xed\xa0\x80z\t", 16, b, sizeof(b));
	cr_assert_str_eq(b, "?x??y???z?");
	/* a sequence cut by the end of the field */
	prom_escape_label("ab\xe2\x82", 4, b, sizeof(b));
	cr_assert_str_eq(b, "ab??");
}

Test(prom, label_values_are_truncated_between_characters)
{
	char b[4];

	prom_escape_label("ab\"cd", 16, b, sizeof(b));
	cr_assert_str_eq(b, "ab");	/* \" and a NUL do not fit after "ab" */
	prom_escape_label("a\xc3\xa9\xc3\xa9", 16, b, sizeof(b));
	cr_assert_str_eq(b, "a\xc3\xa9");
}

Test(prom, a_comm_with_a_quote_is_escaped_in_the_exposition)
{
	cr_assert_eq(prom_init(&st, &desc, 4, false), 0);
	row(0, 9, "a\"b\\", 1, 1, 0);
	frame_of(1, 1, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"9\",comm=\"a\\\"b\\\\\"}"), 1);
}

Test(prom, at_most_top_n_rows_have_series_and_other_has_the_rest)
{
	const char *t;
	size_t i, lines = 0;

	cr_assert_eq(prom_init(&st, &desc, 2, false), 0);
	for (i = 0; i < 6; i++)
		row(i, (uint32_t)(100 + i), "p", 10 * (i + 1), (double)i, 1);
	frame_of(6, 210, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	t = write_text(PROM_TEXT);
	for (; (t = strstr(t, "kvmmem_maps_total{")); t++)
		lines++;
	cr_assert_eq(lines, 3);		/* the 2 most active and other */
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"105\",comm=\"p\"}"), 60);
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"104\",comm=\"p\"}"), 50);
	cr_assert_eq(value_of("kvmmem_maps_total{comm=\"other\"}"), 100);
	cr_assert_eq(value_of("kvmmem_live_mappings{comm=\"other\"}"), 4);
}

Test(prom, top_n_zero_puts_everything_in_other)
{
	cr_assert_eq(prom_init(&st, &desc, 0, false), 0);
	row(0, 1, "a", 5, 1, 0);
	frame_of(1, 5, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"1\",comm=\"a\"}"), -1);
	cr_assert_eq(value_of("kvmmem_maps_total{comm=\"other\"}"), 5);
}

Test(prom, a_process_that_exits_folds_into_other)
{
	cr_assert_eq(prom_init(&st, &desc, 2, false), 0);
	row(0, 1, "a", 5, 1, 0);
	row(1, 2, "b", 3, 1, 0);
	frame_of(2, 9, 0);		/* 1 map of a process not in a row */
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"1\",comm=\"a\"}"), 5);
	cr_assert_eq(value_of("kvmmem_maps_total{comm=\"other\"}"), 1);

	row(0, 2, "b", 4, 1, 0);	/* 1 exited: its row is gone */
	frame_of(1, 10, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"1\",comm=\"a\"}"), -1);
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"2\",comm=\"b\"}"), 4);
	cr_assert_eq(value_of("kvmmem_maps_total{comm=\"other\"}"), 6);
}

Test(prom, a_row_given_a_series_late_leaves_its_past_in_other)
{
	cr_assert_eq(prom_init(&st, &desc, 1, false), 0);
	row(0, 1, "a", 5, 5, 0);
	row(1, 2, "b", 3, 1, 0);
	frame_of(2, 8, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_maps_total{comm=\"other\"}"), 3);

	row(0, 1, "a", 5, 0, 0);	/* b is now the more active */
	row(1, 2, "b", 6, 3, 0);
	frame_of(2, 11, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"2\",comm=\"b\"}"), 0);
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"1\",comm=\"a\"}"), -1);
	cr_assert_eq(value_of("kvmmem_maps_total{comm=\"other\"}"), 11);

	row(1, 2, "b", 8, 2, 0);
	frame_of(2, 13, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"2\",comm=\"b\"}"), 2);
	cr_assert_eq(value_of("kvmmem_maps_total{comm=\"other\"}"), 11);
}

Test(prom, a_series_is_kept_against_an_equally_active_row)
{
	cr_assert_eq(prom_init(&st, &desc, 1, false), 0);
	row(0, 5, "a", 1, 1, 0);
	frame_of(1, 1, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	row(0, 5, "a", 2, 1, 0);
	row(1, 1, "b", 1, 1, 0);	/* ranks first (lower id), same rate */
	frame_of(2, 3, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"5\",comm=\"a\"}"), 2);
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"1\",comm=\"b\"}"), -1);
}

Test(prom, a_reused_pid_does_not_make_its_counter_go_backwards)
{
	cr_assert_eq(prom_init(&st, &desc, 2, false), 0);
	row(0, 1, "a", 50, 1, 0);
	frame_of(1, 50, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	row(0, 1, "a2", 2, 1, 0);	/* another process, same pid */
	frame_of(1, 52, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_maps_total{pid=\"1\",comm=\"a2\"}"), 0);
	cr_assert_eq(value_of("kvmmem_maps_total{comm=\"other\"}"), 52);
}

/* Whatever the rows do, no counter in the exposition goes backwards. */
Test(prom, counters_never_go_backwards_through_churn)
{
	long long prev_other = 0, v;
	uint64_t total = 0, cnt[8] = { 0 };
	unsigned int step, i;

	cr_assert_eq(prom_init(&st, &desc, 2, false), 0);
	for (step = 0; step < 40; step++) {
		size_t n = 0;

		for (i = 0; i < 8; i++) {
			/* process i lives for steps [i, i + 10) */
			if (step < i || step >= i + 10)
				continue;
			uint64_t d = (step * 7 + i * 3) % 5;

			cnt[i] += d;
			total += d;
			row(n++, 10 + i, "p", cnt[i], (double)d, 0);
		}
		frame_of(n, total, 0);
		cr_assert_eq(prom_update(&st, &frame), 0);
		v = value_of("kvmmem_maps_total{comm=\"other\"}");
		cr_assert_geq(v, prev_other, "step %u: other %lld < %lld", step,
			      v, prev_other);
		prev_other = v;
	}
	cr_assert_eq((uint64_t)prev_other, total);	/* every process exited */
}

Test(prom, openmetrics_when_the_scraper_accepts_it)
{
	cr_assert_eq(prom_format_of("application/openmetrics-text;version=1.0.0,"
				    "application/openmetrics-text;version=0.0.1;"
				    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;"
				    "q=0.1"), PROM_OPENMETRICS);
	cr_assert_eq(prom_format_of("text/plain;version=0.0.4"), PROM_TEXT);
	cr_assert_eq(prom_format_of("*/*"), PROM_TEXT);
	cr_assert_eq(prom_format_of(NULL), PROM_TEXT);
}

Test(prom, host_rows_are_labelled_vm_and_vmm_pid)
{
	cr_assert_eq(prom_init(&st, &top_host_desc, 2, true), 0);
	row(0, 300, "l2a", 4, 1, 1);
	frame_of(1, 4, 0);
	cr_assert_eq(prom_update(&st, &frame), 0);
	cr_assert_eq(value_of("kvmmem_maps_total{vmm_pid=\"300\",vm=\"l2a\"}"), 4);
	cr_assert_eq(value_of("kvmmem_maps_total{vm=\"other\"}"), 0);
	cr_assert_null(strstr(write_text(PROM_TEXT), "teardown"));
}

/*
 * promtool check metrics (Debian's prometheus package, which make deps
 * installs) has no complaint: its output is only the exit status.
 */
Test(prom, promtool_check_metrics_has_no_complaint)
{
	char path[64], cmd[192], out[4096];
	size_t n;
	FILE *f;

	known_model();
	snprintf(path, sizeof(path), "/tmp/test_prom.%d", (int)getpid());
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(write_text(PROM_TEXT), f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics <%s 2>&1; echo \"exit $?\"",
		 path);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	unlink(path);
	cr_assert_str_eq(out, "exit 0\n", "promtool (from make deps): %s", out);
}

/* Run @cmd in the directory of this file; its output, then "exit N". */
static void run_in_here(const char *cmd, char *out, size_t size)
{
	char full[1024];
	size_t n;
	FILE *f;

	snprintf(full, sizeof(full), "cd \"$(dirname '%s')\" && %s 2>&1; "
		 "echo \"exit $?\"", __FILE__, cmd);
	f = popen(full, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	pclose(f);
}

Test(prom, the_alert_rules_pass_promtool_check_rules)
{
	char out[4096];

	run_in_here("promtool check rules "
		    "../../tools/kvmmem-top/prometheus/kvmmem-alerts.yml", out,
		    sizeof(out));
	cr_assert_not_null(strstr(out, "SUCCESS: 5 rules found\n"), "%s", out);
	cr_assert_not_null(strstr(out, "exit 0\n"), "%s", out);
}

/* kvmmem-alerts.test.yml: a leak fires KvmmemPageLeaked for an hour. */
Test(prom, the_alerts_fire_as_promtool_test_rules_expects)
{
	char out[4096];

	run_in_here("promtool test rules kvmmem-alerts.test.yml", out,
		    sizeof(out));
	cr_assert_not_null(strstr(out, "SUCCESS\n"), "%s", out);
	cr_assert_not_null(strstr(out, "exit 0\n"), "%s", out);
}
