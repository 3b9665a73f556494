/* SPDX-License-Identifier: GPL-2.0 */
/*
 * session.h - a BPF session that sends struct kt_event (its own
 * archive, libkvmmem-session.a, built only for the tools that link
 * libbpf, since it includes the BPF skeletons): in a guest, kvmmem_trace.bpf.c on the
 * kvmmem (and kvmmem_hostsim) tracepoints, tp_btf or raw_tp; on a KVM
 * host, kvmmem_host.bpf.c on KVM's tracepoints. Events are drained from
 * the ring buffer on a timer, never one wakeup per event.
 * kvmmem-trace records them; kvmmem-top --host aggregates them.
 */
#ifndef KVMMEM_TRACE_SESSION_H
#define KVMMEM_TRACE_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmmem_trace.h"	/* bpf/: struct kt_event */

#ifdef __cplusplus
extern "C" {
#endif

struct kvmmem_session_opts {
	uint32_t pid;		/* 0: every process (host: every VMM) */
	uint32_t kinds;		/* KT_KIND_BIT()s */
	uint64_t buffer_bytes;	/* ring buffer size, a power of two */
	unsigned int drain_ms;	/* drain the buffer this often */
	bool force_raw_tp;	/* raw_tp even when tp_btf would work */
	/*
	 * Guest: a program on every tracepoint wanted, as a generic tracer
	 * has, instead of one per operation (its end brings back its start
	 * and hypercalls: expand.h). The events are the same; it costs more.
	 */
	bool every_tracepoint;
	bool host;		/* KVM host: kvmmem_host.bpf.c */
	/*
	 * Host: the first way to see the calls to try, then the next ones:
	 * KVMMEM_ANSWER_FEXIT (0, the default: fentry + fexit of
	 * kvm_emulate_hypercall()), _KRETPROBE (kprobe + kretprobe of it),
	 * or _NONE (KVM's tracepoints; answers recorded as unknown).
	 */
	unsigned int host_answer;
	bool verbose;		/* libbpf's messages, the verifier's log */
	const char *prog;	/* the tool's name, for messages */
	/*
	 * Guest: the stacks of the MAPs' callers, kept per live mapping and
	 * handed to stack_cb for those that leak, are torn down (see
	 * struct kt_stack_ref), and at a process's first MAP.
	 */
	bool stacks;
	bool kernel_stacks;	/* with stacks: the kernel stack too */
	int (*stack_cb)(void *ctx, const struct kt_stack_ref *r);
};

enum {
	KVMMEM_ANSWER_FEXIT,
	KVMMEM_ANSWER_KRETPROBE,
	KVMMEM_ANSWER_NONE,
};

/* Called for each event drained; non-zero stops the drain. */
typedef int (*kvmmem_session_cb)(void *ctx, const struct kt_event *e);

struct kvmmem_session;

/**
 * kvmmem_session_open() - load and attach
 *
 * On failure says why on stderr (not root, module not loaded, no BTF
 * ...). Return: 0 or a negative errno.
 */
int kvmmem_session_open(const struct kvmmem_session_opts *opts,
			kvmmem_session_cb cb, void *ctx,
			struct kvmmem_session **sp);

/** kvmmem_session_poll() - wait up to drain_ms, then drain: 0, -EINTR, or a cb's value */
int kvmmem_session_poll(struct kvmmem_session *s);

/** kvmmem_session_drain() - drain what is buffered now */
int kvmmem_session_drain(struct kvmmem_session *s);

/**
 * kvmmem_session_finish() - the last drain: what is buffered now, and
 * the events held back to be put in order (expand.h)
 */
int kvmmem_session_finish(struct kvmmem_session *s);

/**
 * kvmmem_session_drops() - events lost so far: the ring buffer full, or
 * process exits not tracked (more processes with mappings than the
 * table of them holds)
 */
uint64_t kvmmem_session_drops(struct kvmmem_session *s);

/**
 * kvmmem_session_warn_drops() - say on stderr which events were lost and
 * what to do about it; nothing if none were
 */
void kvmmem_session_warn_drops(struct kvmmem_session *s);

/**
 * kvmmem_session_run_stats() - the session's programs' run time and runs
 * so far (kvmmem_bpf_run_stats(): 0 unless BPF statistics are enabled)
 */
int kvmmem_session_run_stats(const struct kvmmem_session *s, uint64_t *run_ns,
			     uint64_t *runs);

/**
 * kvmmem_session_attach() - how the programs are attached: "tp_btf" or
 * "raw_tp"; on a host "fentry+fexit", "kprobes" (kprobe + kretprobe) or
 * "tp" (KVM's tracepoints, answers unknown)
 */
const char *kvmmem_session_attach(const struct kvmmem_session *s);

/**
 * kvmmem_session_stack() - the frames of stack map id @stack (a struct
 * kt_stack_ref's ustack or kstack): at most @max instruction pointers,
 * innermost first, into @ips. Return: their number (0: none, or a stack
 * id < 0), or a negative errno.
 */
int kvmmem_session_stack(struct kvmmem_session *s, int32_t stack,
			 uint64_t *ips, size_t max);

/**
 * kvmmem_session_live_stacks() - @cb with a struct kt_stack_ref (why
 * KT_STACK_LIVE) for each mapping whose stacks the kernel still holds:
 * the mappings live now. Return: 0, a negative errno, or @cb's value.
 */
int kvmmem_session_live_stacks(struct kvmmem_session *s,
			       int (*cb)(void *ctx, const struct kt_stack_ref *r),
			       void *ctx);

/* What --stacks lost (counters of the BPF programs). */
struct kvmmem_session_stack_drops {
	uint64_t stack;		/* stacks not taken: bpf_get_stackid() failed */
	uint64_t table;		/* mappings not kept: kt_stack_of was full */
	uint64_t ref;		/* references lost: the ring buffer was full */
};

/** kvmmem_session_stack_drops() - what --stacks lost so far */
void kvmmem_session_stack_drops(struct kvmmem_session *s,
				struct kvmmem_session_stack_drops *d);

/** kvmmem_session_close() - detach and free (NULL is fine) */
void kvmmem_session_close(struct kvmmem_session *s);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TRACE_SESSION_H */
