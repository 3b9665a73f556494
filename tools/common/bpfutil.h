/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpfutil.h - BPF plumbing shared by the kvmmem BPF tools (the tools'
 * shared code, in its own object file: only tools that link libbpf use it,
 * so kvmmem-ctl and the unit tests never pull libbpf in).
 *
 * The tools follow the libbpf-tools pattern: every program of a
 * foo.bpf.c exists as "<tracepoint>_btf" (SEC("tp_btf/...")) and as
 * "<tracepoint>_raw" (SEC("raw_tp/...")); the tool checks once whether
 * BTF describes every tracepoint it wants, and loads one set.
 *
 * Messages go to stderr, prefixed with the tool's name.
 */
#ifndef KVMMEM_BPFUTIL_H
#define KVMMEM_BPFUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_object;
struct bpf_map;

#ifdef __cplusplus
extern "C" {
#endif

/* A tracepoint a tool attaches to. */
struct kvmmem_bpf_tp {
	const char *tp;		/* "kvmmem_map_start" */
	const char *module;	/* module that defines it; NULL: the kernel */
};

/**
 * kvmmem_bpf_set_print() - route libbpf's messages to stderr
 * @verbose: true: every message (debug and the verifier's log);
 *           false: warnings only
 */
void kvmmem_bpf_set_print(bool verbose);

/**
 * kvmmem_bpf_set_quiet() - silence libbpf's warnings too (unless verbose)
 * @quiet: true while trying something whose failure the tool handles
 *         (loading tp_btf programs, with raw_tp to fall back to)
 */
void kvmmem_bpf_set_quiet(bool quiet);

/**
 * kvmmem_module_loaded() - is module @name loaded (/sys/module/@name)?
 */
bool kvmmem_module_loaded(const char *name);

/**
 * kvmmem_bpf_note_lockdown() - after BPF programs failed to load: say on
 * stderr if lockdown is why
 * @prog: the tool's name, for the message
 *
 * In confidentiality mode the kernel refuses BPF programs that read
 * kernel memory (bpf_probe_read_kernel(), which BPF_CORE_READ uses): says
 * so, and that integrity mode allows them. Prints nothing otherwise.
 */
void kvmmem_bpf_note_lockdown(const char *prog);

/**
 * kvmmem_bpf_preflight() - can @prog load its programs here?
 * @prog: the tool's name, for messages
 *
 * Checks, in this order, and says on stderr what to do about the first
 * that fails: the capabilities BPF tracing needs (CAP_BPF, CAP_PERFMON:
 * common/caps.h), named if missing; the kvmmem module loaded; the
 * kernel's BTF (/sys/kernel/btf/vmlinux) present, which CO-RE needs.
 *
 * Return: 0; -EPERM (a capability missing); -ENOENT (module or BTF
 * missing).
 */
int kvmmem_bpf_preflight(const char *prog);

/**
 * kvmmem_bpf_preflight_kvm() - kvmmem_bpf_preflight() for a KVM host
 * @prog: the tool's name, for messages
 *
 * The same checks with the kvm module instead of kvmmem, and
 * CAP_SYS_ADMIN too (libbpf needs it to read a module's BTF), then the
 * kvm module's BTF (/sys/kernel/btf/kvm), which the host programs
 * relocate KVM's tracepoint records against.
 *
 * Return: 0; -EPERM (a capability missing); -ENOENT (kvm, or a BTF,
 * missing).
 */
int kvmmem_bpf_preflight_kvm(const char *prog);

/**
 * kvmmem_bpf_tp_btf_usable() - can every wanted tracepoint use tp_btf?
 * @tps:     @n tracepoints
 * @want:    @n flags; tracepoints not wanted are not checked
 * @n:       how many
 * @prog:    the tool's name, for messages
 * @verbose: say which tracepoint lacks BTF
 *
 * A tracepoint can use tp_btf when its module's BTF (or the kernel's)
 * has the type btf_trace_<tp> and, for a module's, the process has
 * CAP_SYS_ADMIN (without it libbpf cannot find module BTF: caps.h).
 *
 * Return: true if all can; false (use raw_tp for all) otherwise.
 */
bool kvmmem_bpf_tp_btf_usable(const struct kvmmem_bpf_tp *tps,
			      const bool *want, size_t n, const char *prog,
			      bool verbose);

/**
 * kvmmem_bpf_autoload() - load "<tp>_btf" or "<tp>_raw" of wanted tracepoints
 * @obj:    the opened, not yet loaded, object
 * @tps:    @n tracepoints
 * @want:   @n flags
 * @n:      how many
 * @raw_tp: load the "_raw" programs, else the "_btf" ones
 *
 * Sets autoload on every program of @obj: true for the chosen variant
 * of a wanted tracepoint, false for everything else (programs named
 * after no tracepoint of @tps included).
 */
void kvmmem_bpf_autoload(struct bpf_object *obj,
			 const struct kvmmem_bpf_tp *tps, const bool *want,
			 size_t n, bool raw_tp);

/**
 * kvmmem_bpf_test_break_tp_btf() - make the tp_btf programs of @obj fail to load
 * @obj: the opened, not yet loaded, object, autoload set
 *
 * A test's hook: only if KVMMEM_TEST_BREAK_TP_BTF is set in the
 * environment, every tp_btf program to be loaded is made an fentry
 * program of a function named after its tracepoint, which does not
 * exist: its load fails (as a tp_btf load does where a module's BTF
 * does not match the kernel), and the tool's fallback to raw_tp can be
 * tested on any kernel. Otherwise does nothing.
 */
void kvmmem_bpf_test_break_tp_btf(struct bpf_object *obj);

/**
 * kvmmem_bpf_note_raw_tp_fallback() - say once that tp_btf failed, raw_tp is used
 * @prog: the tool's name
 * @err:  the tp_btf load's or attach's error (negative errno)
 */
void kvmmem_bpf_note_raw_tp_fallback(const char *prog, int err);

/**
 * kvmmem_bpf_run_stats() - what @obj's loaded programs cost so far
 * @obj:    a loaded object
 * @run_ns: receives the sum of their run_time_ns
 * @runs:   receives the sum of their run_cnt
 *
 * The kernel counts both only while BPF statistics are enabled
 * (kernel.bpf_stats_enabled=1, or a BPF_ENABLE_STATS fd): otherwise
 * both are 0, or what was counted while they were.
 *
 * Return: 0, or a negative errno from reading a program's info.
 */
int kvmmem_bpf_run_stats(struct bpf_object *obj, uint64_t *run_ns,
			 uint64_t *runs);

/**
 * kvmmem_bpf_percpu_sum() - per-CPU __u64 counters summed over the CPUs
 * @map:      a BPF_MAP_TYPE_PERCPU_ARRAY or _HASH whose values begin with
 *            (or are) __u64 counters
 * @key:      the key
 * @key_size: its size
 * @sums:     receives the first @n __u64 of the value, each summed over
 *            the possible CPUs (signed counters: cast back, the sum wraps)
 * @n:        how many: at least 1, at most the value's size in __u64s
 *
 * Return: 0; -EINVAL for a bad @n; -ENOMEM; or libbpf's error from the
 * lookup (-ENOENT if @key is not in @map). @sums is written only on 0.
 */
int kvmmem_bpf_percpu_sum(const struct bpf_map *map, const void *key,
			  size_t key_size, uint64_t *sums, size_t n);

/**
 * kvmmem_bpf_max_stack_depth() - frames of the deepest stack the kernel
 * takes: kernel.perf_event_max_stack (127 by default), 1 to @max. A
 * stack map whose stacks are deeper cannot be created.
 */
uint32_t kvmmem_bpf_max_stack_depth(uint32_t max);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_BPFUTIL_H */
