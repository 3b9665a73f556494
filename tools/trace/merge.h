/* SPDX-License-Identifier: GPL-2.0 */
/*
 * merge.h - guest and host recordings on one timeline: extract the
 * hypercalls each side saw, align the two clocks and pair every guest
 * hypercall with its host handling, then split the time of each call
 * into guest driver work, transitions and host work.
 * docs/tools.md ("kvmmem-trace merge") explains the method and its error.
 *
 * Conventions as in util.h: 0 or a negative errno, nothing printed.
 */
#ifndef KVMMEM_TRACE_MERGE_H
#define KVMMEM_TRACE_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/analysis.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One hypercall as one side saw it: an enter and its exit on one thread. */
struct kvmmem_hc_call {
	uint64_t enter, exit;		/* that side's clock, ns */
	uint64_t op_start, op_end;	/* guest: the MAP/UNMAP ioctl that made
					 * it (start, end); 0: not seen */
	uint64_t a0, a1, a2;		/* hypercall arguments */
	int64_t ret;			/* the answer (exit event's ret) */
	uint64_t id;			/* the exit event's id */
	uint32_t nr;			/* 32 MEM_MAP, 33 MEM_UNMAP */
	uint32_t pid, tid;		/* guest: caller; host: VMM, vCPU thread */
	char comm[KT_COMM_LEN];
	long match;			/* paired call on the other side, or -1 */
};

/*
 * The hypercalls of a recording, built as it streams: each thread's
 * events must come in that thread's order, as a recording holds them
 * (one ring buffer, each event reserved by the thread that made it).
 * Memory: the calls and one small state per thread, not the events.
 */
struct kvmmem_hc_builder {
	unsigned int enter_kind, exit_kind;
	uint32_t pid;
	bool guest;
	struct kvmmem_hc_call *calls;
	size_t nr, cap;
	struct hc_thread *threads;	/* open-addressed by tid */
	size_t nr_threads, cap_threads;
};

/* As kvmmem_hc_calls()'s kinds and @pid; 0 or -EINVAL. */
int kvmmem_hc_builder_init(struct kvmmem_hc_builder *b, unsigned int enter_kind,
			   unsigned int exit_kind, uint32_t pid);
/* Feed @n events in file order (a kvmmem_trace_events_cb's); 0 or -ENOMEM. */
int kvmmem_hc_builder_add(struct kvmmem_hc_builder *b, const struct kt_event *ev,
			  size_t n);
/* Hand over the calls in enter order (free() them); @b stays to be freed. */
void kvmmem_hc_builder_finish(struct kvmmem_hc_builder *b,
			      struct kvmmem_hc_call **calls, size_t *nr);
void kvmmem_hc_builder_free(struct kvmmem_hc_builder *b);

/**
 * kvmmem_hc_calls() - the hypercalls in a recording
 * @ev:         events in timestamp order
 * @n:          their number
 * @enter_kind: KT_HC_ENTER (guest), KT_HOST_HC_ENTER (hostsim), ...
 * @exit_kind:  the matching exit kind
 * @pid:        only calls of this process (host: the VMM); 0: all
 * @calls:      receives a malloc'ed array in enter order (free() it)
 * @nr:         receives its length
 *
 * An enter pairs with the next exit of the same nr on the same thread;
 * an enter without exit (cut recording) or an exit without enter
 * (recording started mid-call) is dropped. For guest kinds, the
 * MAP/UNMAP ioctl around each call gives op_start/op_end.
 *
 * Return: 0, -EINVAL for kinds that are not an enter/exit pair, -ENOMEM.
 */
int kvmmem_hc_calls(const struct kt_event *ev, size_t n, unsigned int enter_kind,
		    unsigned int exit_kind, uint32_t pid,
		    struct kvmmem_hc_call **calls, size_t *nr);

/*
 * Following the clock: a pair's local offset is the middle of what the
 * KVMMEM_MERGE_TRACK_WINDOW pairs around it allow together (fewer where
 * they disagree); at most KVMMEM_MERGE_TRACK_ROUNDS rounds of pairing.
 */
#define KVMMEM_MERGE_TRACK_WINDOW	32
#define KVMMEM_MERGE_TRACK_ROUNDS	64

/* The result of pairing guest calls with host calls. */
struct kvmmem_merge {
	/* host clock = guest clock + offset (ns) */
	int64_t offset;
	/* offsets every matched pair allows (its host handling inside its
	 * guest call): offset is the middle of [lo, hi]; if no offset suits
	 * every pair (lo > hi), the one most pairs allow */
	int64_t lo, hi;
	bool consistent;		/* lo <= hi */
	/*
	 * tracked: no single offset paired every call, so the offset was
	 * followed over time (each pair at its local offset, interpolated
	 * between pairs); offset is then the median local offset and
	 * [track_lo, track_hi] the range the local offsets moved in.
	 */
	bool tracked;
	int64_t track_lo, track_hi;
	/* tracked: the local offsets, by host time (the paired host calls'
	 * enters), for kvmmem_merge_offset_at(); kvmmem_merge_free() */
	uint64_t *knot_host_ts;
	int64_t *knot_offset;
	size_t nr_knots;
	size_t violations;		/* pairs the offset does not fit */
	uint64_t max_violation_ns;	/* ... by how much, at most */
	size_t anchors;			/* pairs the first estimate used */
	size_t pairs;
	size_t unmatched_guest, unmatched_host;
};

/**
 * kvmmem_merge_pair() - align the clocks and pair the calls
 * @g, @ng:     guest calls (kvmmem_hc_calls() order)
 * @h, @nh:     host calls
 * @tolerance:  ns a host call may stick out of its guest call, once
 *              aligned, and still pair (clock drift over the recording)
 * @m:          receives the result; g[].match and h[].match are set
 *
 * Two calls can pair only if they have the same nr and arguments. The
 * first estimate of the offset pairs calls of equal arguments in order
 * (from the first calls and from the last when one side saw more of
 * them, as when one recording started later) and takes the offset most
 * of these candidates' causality intervals [host exit - guest exit,
 * host enter - guest enter] contain. Then every guest call pairs, in
 * order, with the host call of the same arguments that fits inside it;
 * the final offset is the middle of what all pairs allow. If no single
 * offset fits every pair, or some guest calls stay unpaired, the offset
 * is followed over time (see KVMMEM_MERGE_TRACK_WINDOW), and that result
 * kept if it pairs more calls or fits the pairs better (m->tracked).
 *
 * @m is overwritten: release what a previous call left in it with
 * kvmmem_merge_free() first.
 *
 * Return: 0; -ENOENT if no call has arguments seen on both sides (the
 * recordings do not overlap, or are of different VMs); -ENOMEM.
 */
int kvmmem_merge_pair(struct kvmmem_hc_call *g, size_t ng,
		      struct kvmmem_hc_call *h, size_t nh, uint64_t tolerance,
		      struct kvmmem_merge *m);

/**
 * kvmmem_merge_offset_at() - the clock offset at a moment of the host
 * @m:       a result of kvmmem_merge_pair()
 * @host_ts: a host timestamp
 *
 * Return: m->offset, or if the offset was followed over time, the local
 * offset there (interpolated between paired calls, extrapolated a little
 * beyond them): guest time = @host_ts - the result.
 */
int64_t kvmmem_merge_offset_at(const struct kvmmem_merge *m, uint64_t host_ts);

/** kvmmem_merge_free() - release the knots of a followed offset */
void kvmmem_merge_free(struct kvmmem_merge *m);

/* Where the time of the paired calls of one nr went, in ns per call. */
struct kvmmem_time_split {
	uint32_t nr;
	uint64_t calls;			/* pairs */
	uint64_t with_ioctl;		/* pairs whose ioctl was seen */
	struct kvmmem_samples ioctl;	/* MAP/UNMAP ioctl, start to end */
	struct kvmmem_samples driver;	/* ioctl minus the guest's hypercall */
	struct kvmmem_samples hypercall;	/* guest enter to exit */
	struct kvmmem_samples transition;	/* hypercall minus host work */
	struct kvmmem_samples host;	/* host enter to exit */
	uint64_t sum_ioctl, sum_driver, sum_hypercall, sum_transition,
		 sum_host;		/* for means and shares */
};

/**
 * kvmmem_time_split() - split the paired calls' time, per nr
 * @split: two entries: [0] MEM_MAP (32), [1] MEM_UNMAP (33); freed with
 *         kvmmem_time_split_free()
 *
 * Differences are clamped at 0 (a host call that sticks out by less
 * than the tolerance).
 *
 * Return: 0 or -ENOMEM.
 */
int kvmmem_time_split(const struct kvmmem_hc_call *g, size_t ng,
		      const struct kvmmem_hc_call *h,
		      struct kvmmem_time_split split[2]);

/** kvmmem_time_split_free() - release the samples */
void kvmmem_time_split_free(struct kvmmem_time_split split[2]);

#ifdef __cplusplus
}
#endif

#endif /* KVMMEM_TRACE_MERGE_H */
