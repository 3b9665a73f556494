/* SPDX-License-Identifier: GPL-2.0 */
/*
 * caps.h - the capabilities the kvmmem BPF tools need, checked instead of
 * uid 0 (the tools' shared code; no libbpf, so the unit tests link it).
 *
 * What Linux 6.1 asks for (kernel/bpf/syscall.c, kernel/events/core.c):
 * - CAP_BPF: BPF_PROG_LOAD of any tracing program, BPF_MAP_CREATE of the
 *   ring buffer and hash maps, BPF_BTF_LOAD of the programs' BTF;
 * - CAP_PERFMON: BPF_PROG_LOAD of raw_tp, tp_btf, fexit and kprobe
 *   programs (is_perfmon_prog_type());
 * - CAP_SYS_ADMIN: BPF_BTF_GET_NEXT_ID and BPF_BTF_GET_FD_BY_ID, through
 *   which libbpf finds a module's BTF. Without it libbpf skips module
 *   BTF ("missing privileges"), so a module's tp_btf and fexit programs
 *   and CO-RE against a module's types cannot load: kvmmem's tracepoints
 *   fall back to raw_tp (which needs no BTF), and --host, which reads
 *   KVM's records through the kvm module's BTF, needs CAP_SYS_ADMIN.
 *   (Debian's perf_event_paranoid=3 also makes perf_event_open(), used
 *   for kretprobes, ask for CAP_SYS_ADMIN.)
 * Loading and attaching needs nothing else: raw_tp and tp_btf attach
 * with BPF_RAW_TRACEPOINT_OPEN, no tracefs or debugfs is read, and 6.1
 * charges BPF memory to the memory cgroup, not RLIMIT_MEMLOCK.
 */
#ifndef KVMMEM_CAPS_H
#define KVMMEM_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Capability numbers (linux/capability.h), as bits of a caps mask. */
#define KVMMEM_CAP_SYS_ADMIN	21
#define KVMMEM_CAP_PERFMON	38
#define KVMMEM_CAP_BPF		39
#define KVMMEM_CAP_BIT(c)	(1ULL << (c))

/* What a tool is about to do. */
enum kvmmem_caps_use {
	KVMMEM_CAPS_GUEST,	/* kvmmem's tracepoints (raw_tp or tp_btf) */
	KVMMEM_CAPS_HOST,	/* --host: KVM's tracepoints and functions */
};

/**
 * kvmmem_caps_effective() - this thread's effective capabilities
 * @caps: receives them, bit n = capability n (KVMMEM_CAP_BIT())
 *
 * Return: 0 or a negative errno from capget(2).
 */
int kvmmem_caps_effective(uint64_t *caps);

/**
 * kvmmem_caps_missing() - which capabilities @use lacks
 * @caps: effective capabilities (kvmmem_caps_effective())
 * @use:  what the tool does
 * @buf:  receives the missing ones by name, comma-separated
 *        ("CAP_BPF,CAP_PERFMON"), "" if none
 * @size: size of @buf (40 is enough for all three)
 *
 * Return: the number of missing capabilities (0: go ahead).
 */
int kvmmem_caps_missing(uint64_t caps, enum kvmmem_caps_use use, char *buf,
			size_t size);

/**
 * kvmmem_caps_module_btf() - can libbpf read a module's BTF with @caps?
 *
 * Return: true with CAP_SYS_ADMIN (see the top of this file): only then
 * can a module's tracepoints be attached as tp_btf.
 */
bool kvmmem_caps_module_btf(uint64_t caps);

#define KVMMEM_LOCKDOWN_PATH	"/sys/kernel/security/lockdown"

/**
 * kvmmem_lockdown() - the kernel's lockdown mode (what else, besides the
 * capabilities, decides what the BPF tools may do)
 * @path: NULL for KVMMEM_LOCKDOWN_PATH (securityfs), or a file in its
 *        format: the modes, the active one in brackets
 *        ("none integrity [confidentiality]")
 * @buf:  receives the active mode ("none", "integrity", "confidentiality")
 * @len:  size of @buf
 *
 * Return: @buf, or NULL if unknown (securityfs not mounted, no lockdown
 * LSM, no mode in brackets, or it does not fit in @buf).
 */
const char *kvmmem_lockdown(const char *path, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_CAPS_H */
