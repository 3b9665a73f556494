// SPDX-License-Identifier: GPL-2.0
/*
 * bpfutil.c - BPF plumbing shared by the kvmmem BPF tools. See bpfutil.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "common/bpfutil.h"
#include "common/caps.h"

#define SYS_MODULE	"/sys/module/"
#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"

static bool print_verbose;
static bool print_quiet;	/* not even warnings (unless verbose) */

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if ((level != LIBBPF_WARN || print_quiet) && !print_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void kvmmem_bpf_set_print(bool verbose)
{
	print_verbose = verbose;
	libbpf_set_print(libbpf_print);
}

void kvmmem_bpf_set_quiet(bool quiet)
{
	print_quiet = quiet;
}

void kvmmem_bpf_note_lockdown(const char *prog)
{
	char mode[32];

	if (!kvmmem_lockdown(NULL, mode, sizeof(mode)) ||
	    strcmp(mode, "confidentiality"))
		return;
	fprintf(stderr, "%s: the kernel is locked down (confidentiality: %s), "
		"which refuses BPF programs that read kernel memory "
		"(bpf_probe_read_kernel; dmesg says \"use of bpf to read "
		"kernel RAM is restricted\"): %s needs lockdown none or "
		"integrity\n", prog, KVMMEM_LOCKDOWN_PATH, prog);
}

bool kvmmem_module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), SYS_MODULE "%s", name);
	return !access(path, F_OK);
}

/* The capabilities @use needs, by name, and how to get them. */
static int check_caps(const char *prog, enum kvmmem_caps_use use)
{
	char missing[64];
	uint64_t caps;
	int err;

	err = kvmmem_caps_effective(&caps);
	if (err) {
		fprintf(stderr, "%s: cannot read my capabilities: %s\n", prog,
			strerror(-err));
		return err;
	}
	if (!kvmmem_caps_missing(caps, use, missing, sizeof(missing)))
		return 0;
	fprintf(stderr, "%s: missing %s: BPF tracing programs need CAP_BPF "
		"and CAP_PERFMON%s: run it as root, or with them, e.g. "
		"setcap cap_bpf,cap_perfmon%s+ep $(command -v %s)\n", prog,
		missing, use == KVMMEM_CAPS_HOST ?
		", and --host CAP_SYS_ADMIN (libbpf reads the kvm module's BTF "
		"by id)" : "", use == KVMMEM_CAPS_HOST ? ",cap_sys_admin" : "",
		prog);
	return -EPERM;
}

/* Capabilities, then @module (@missing says what to do), then the kernel's BTF. */
static int preflight(const char *prog, enum kvmmem_caps_use use,
		     const char *module, const char *missing)
{
	int err = check_caps(prog, use);

	if (err)
		return err;
	if (!kvmmem_module_loaded(module)) {
		fprintf(stderr, "%s: the %s module is not loaded: %s\n", prog,
			module, missing);
		return -ENOENT;
	}
	if (access(VMLINUX_BTF, R_OK)) {
		fprintf(stderr, "%s: this kernel has no BTF (%s is missing): "
			"%s's CO-RE programs need a kernel built with "
			"CONFIG_DEBUG_INFO_BTF=y\n", prog, VMLINUX_BTF, prog);
		return -ENOENT;
	}
	return 0;
}

int kvmmem_bpf_preflight(const char *prog)
{
	return preflight(prog, KVMMEM_CAPS_GUEST, "kvmmem", "insmod kernel/kvmmem.ko (and "
			 "kernel/kvmmem_hostsim.ko for the emulated host)");
}

int kvmmem_bpf_preflight_kvm(const char *prog)
{
	int err = preflight(prog, KVMMEM_CAPS_HOST, "kvm", "this is not a KVM host (modprobe "
			    "kvm-intel or kvm-amd), or run without --host in a "
			    "guest that has kvmmem");

	if (err)
		return err;
	if (access("/sys/kernel/btf/kvm", R_OK)) {
		fprintf(stderr, "%s: the kvm module has no BTF (/sys/kernel/btf/kvm "
			"is missing): the host programs read KVM's tracepoint "
			"records through it; a kernel built with "
			"CONFIG_DEBUG_INFO_BTF_MODULES=y has it\n", prog);
		return -ENOENT;
	}
	return 0;
}

/* Does @module's BTF describe tracepoint @tp (btf_trace_<tp>)? */
static bool tp_has_btf(struct btf *vmlinux, const char *module, const char *tp)
{
	char name[128];
	struct btf *btf = vmlinux;
	bool found;

	if (module) {
		btf = btf__load_module_btf(module, vmlinux);
		if (!btf)
			return false;
	}
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	found = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
	if (module)
		btf__free(btf);
	return found;
}

bool kvmmem_bpf_tp_btf_usable(const struct kvmmem_bpf_tp *tps,
			      const bool *want, size_t n, const char *prog,
			      bool verbose)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool ok = vmlinux != NULL;
	uint64_t caps = 0;
	size_t i;

	kvmmem_caps_effective(&caps);
	for (i = 0; ok && i < n; i++) {
		if (!want[i])
			continue;
		if (tps[i].module && !kvmmem_caps_module_btf(caps)) {
			if (verbose)
				fprintf(stderr, "%s: no CAP_SYS_ADMIN: libbpf "
					"cannot read the %s module's BTF: "
					"using raw_tp\n", prog, tps[i].module);
			ok = false;
			break;
		}
		ok = tp_has_btf(vmlinux, tps[i].module, tps[i].tp);
		if (!ok && verbose)
			fprintf(stderr, "%s: no BTF for tracepoint %s (%s): "
				"using raw_tp\n", prog, tps[i].tp,
				tps[i].module ? tps[i].module : "vmlinux");
	}
	btf__free(vmlinux);
	return ok;
}

void kvmmem_bpf_autoload(struct bpf_object *obj,
			 const struct kvmmem_bpf_tp *tps, const bool *want,
			 size_t n, bool raw_tp)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		const char *name = bpf_program__name(p);
		size_t len = strlen(name);
		bool load = false;
		size_t i;

		for (i = 0; i < n; i++) {
			size_t tl = strlen(tps[i].tp);

			if (len == tl + 4 && !strncmp(name, tps[i].tp, tl)) {
				load = want[i] &&
				       !strcmp(name + tl, raw_tp ? "_raw" : "_btf");
				break;
			}
		}
		bpf_program__set_autoload(p, load);
	}
}

void kvmmem_bpf_test_break_tp_btf(struct bpf_object *obj)
{
	struct bpf_program *p;

	if (!getenv("KVMMEM_TEST_BREAK_TP_BTF"))
		return;
	bpf_object__for_each_program(p, obj)
		if (bpf_program__autoload(p) &&
		    bpf_program__type(p) == BPF_PROG_TYPE_TRACING &&
		    bpf_program__expected_attach_type(p) == BPF_TRACE_RAW_TP)
			/* libbpf then looks for a function of the
			 * tracepoint's name, finds none: -ESRCH at load */
			bpf_program__set_expected_attach_type(p, BPF_TRACE_FENTRY);
}

void kvmmem_bpf_note_raw_tp_fallback(const char *prog, int err)
{
	fprintf(stderr, "%s: the tp_btf programs did not load or attach (%s): "
		"using raw_tp (run with -v for libbpf's reasons)\n", prog,
		strerror(-err));
}

int kvmmem_bpf_run_stats(struct bpf_object *obj, uint64_t *run_ns,
			 uint64_t *runs)
{
	struct bpf_program *p;

	*run_ns = 0;
	*runs = 0;
	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		if (fd < 0)
			continue;	/* not loaded */
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			return -errno;
		*run_ns += info.run_time_ns;
		*runs += info.run_cnt;
	}
	return 0;
}

int kvmmem_bpf_percpu_sum(const struct bpf_map *map, const void *key,
			  size_t key_size, uint64_t *sums, size_t n)
{
	size_t words = (bpf_map__value_size(map) + 7) / 8;
	int nr_cpus = libbpf_num_possible_cpus();
	uint64_t *vals;
	size_t j;
	int err, i;

	if (nr_cpus <= 0)
		return nr_cpus ? nr_cpus : -EINVAL;
	if (!n || n > words)
		return -EINVAL;
	/* the kernel hands each CPU's value rounded up to 8 bytes */
	vals = calloc((size_t)nr_cpus * words, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	err = bpf_map__lookup_elem(map, key, key_size, vals,
				   (size_t)nr_cpus * words * sizeof(*vals), 0);
	if (!err) {
		memset(sums, 0, n * sizeof(*sums));
		for (i = 0; i < nr_cpus; i++)
			for (j = 0; j < n; j++)
				sums[j] += vals[(size_t)i * words + j];
	}
	free(vals);
	return err;
}

uint32_t kvmmem_bpf_max_stack_depth(uint32_t max)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_stack", "r");
	unsigned int n = max;

	if (f) {
		if (fscanf(f, "%u", &n) != 1)
			n = max;
		fclose(f);
	}
	return n < 1 ? 1 : n > max ? max : n;
}
