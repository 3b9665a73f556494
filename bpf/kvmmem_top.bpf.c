// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem_top.bpf.c - in-kernel aggregation for kvmmem-top: per-process
 * counters, per-process per-operation log2 latency histograms, a table of
 * live mappings with their map time, and system-wide counters.
 *
 * Nothing goes to user space per event: kvmmem-top reads the maps once
 * per interval. Updates that do not fit (a map full) are counted in
 * KTOP_C_DROPS, which kvmmem-top shows.
 *
 * Cost: the hot path reads no clock but jiffies (inlined by the
 * verifier). Hypercall latency needs two bpf_ktime_get_ns() calls,
 * which cost ~1 us each where the clocksource is HPET (QEMU TCG): so
 * a call is timed only if no call of its operation was timed on this
 * CPU in the last time_gap_jiffies jiffies (see kvmmem_top.h).
 *
 * The MAP and UNMAP ioctls are not timed (their _start tracepoints are
 * not attached: two programs fewer per map+unmap pair); the hypercalls,
 * which is where the host answers, are.
 *
 * Each program exists as tp_btf and as raw_tp (all tracepoint arguments
 * are scalars); user space loads one set (kvmmem_bpf_autoload()).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kvmmem_top.h"
#include "kvmmem_uapi.bpf.h"

/* Time at most one call per op per CPU per this many jiffies; 0: all. */
const volatile __u64 time_gap_jiffies = 1;

/* Per-CPU system-wide counters, indexed by enum ktop_ctr. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KTOP_NR_CTRS);
	__type(key, __u32);
	__type(value, __s64);
} ktop_ctrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct ktop_proc);
} ktop_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192 * KTOP_NR_OPS);
	__type(key, struct ktop_hist_key);
	__type(value, struct ktop_hist);
} ktop_hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KTOP_MAX_RESULTS);
	__type(key, struct ktop_result_key);
	__type(value, __u64);
} ktop_results SEC(".maps");

/*
 * Live mappings made while traced, a slot per mapping id modulo the
 * size (a power of two, set by user space: --max-live): an array is a
 * lookup the verifier inlines, where a hash table insert and delete per
 * mapping cost more than everything else here. User space mmaps it.
 */
const volatile __u32 live_mask = 262144 - 1;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 262144);
	__type(key, __u32);
	__type(value, struct ktop_live);
} ktop_live SEC(".maps");

/*
 * Start time of a timed call in progress: key (thread id << 8) | op. LRU:
 * a start whose end this CPU did not see (the thread migrated) ages out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} ktop_start SEC(".maps");

/* Per CPU and op: when the next call may be timed, and one in flight. */
struct ktop_gate {
	__u64 next_jiffies[KTOP_NR_OPS];
	__u32 timing[KTOP_NR_OPS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ktop_gate);
} ktop_gates SEC(".maps");

/* [0]: the first (jiffies, ns) pair taken, [1]: the latest. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct ktop_clock);
} ktop_clock SEC(".maps");

static __always_inline void ktop_count(enum ktop_ctr c, __s64 n)
{
	__u32 key = c;
	__s64 *v = bpf_map_lookup_elem(&ktop_ctrs, &key);

	if (v)
		*v += n;
}

/* floor(log2(v)), 0 for 0 and 1: as libbpf-tools' bits.bpf.h log2l(). */
static __always_inline __u32 ktop_log2(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 ktop_start_key(enum ktop_op op)
{
	return ((bpf_get_current_pid_tgid() & 0xffffffffULL) << 8) | op;
}

static __always_inline struct ktop_gate *ktop_gate(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ktop_gates, &zero);
}

/* Keep (jiffies, ns) pairs for user space to convert jiffies with. */
static __always_inline void ktop_clock_pair(__u64 jiffies, __u64 ns)
{
	struct ktop_clock *c;
	__u32 key = 0;

	c = bpf_map_lookup_elem(&ktop_clock, &key);
	if (c && !c->ns) {
		c->jiffies = jiffies;
		c->ns = ns;
	}
	key = 1;
	c = bpf_map_lookup_elem(&ktop_clock, &key);
	if (c) {
		c->jiffies = jiffies;
		c->ns = ns;
	}
}

/* A call of @op starts in the current thread: time it, if its turn. */
static __always_inline void ktop_op_start(enum ktop_op op)
{
	struct ktop_gate *g = ktop_gate();
	__u64 key, ts, now = bpf_jiffies64();

	if (!g || op >= KTOP_NR_OPS)
		return;
	if (time_gap_jiffies && now < g->next_jiffies[op])
		return;
	g->next_jiffies[op] = now + time_gap_jiffies;
	key = ktop_start_key(op);
	ts = bpf_ktime_get_ns();
	ktop_clock_pair(now, ts);
	if (bpf_map_update_elem(&ktop_start, &key, &ts, BPF_ANY))
		ktop_count(KTOP_C_DROPS, 1);
	else
		g->timing[op] = 1;
}

/* The end of @op in the current thread: into its process's histogram. */
static __always_inline void ktop_op_end(enum ktop_op op)
{
	struct ktop_hist_key hk = {
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.op = op,
	};
	struct ktop_gate *g = ktop_gate();
	__u64 key, *start, delta, slot;
	struct ktop_hist *h;

	if (!g || op >= KTOP_NR_OPS || !g->timing[op])
		return;		/* no timed call in flight on this CPU */
	g->timing[op] = 0;
	key = ktop_start_key(op);
	start = bpf_map_lookup_elem(&ktop_start, &key);
	if (!start)
		return;		/* another thread's, or before we attached */
	delta = bpf_ktime_get_ns() - *start;
	bpf_map_delete_elem(&ktop_start, &key);

	h = bpf_map_lookup_elem(&ktop_hists, &hk);
	if (!h) {
		static const struct ktop_hist zero;

		bpf_map_update_elem(&ktop_hists, &hk, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&ktop_hists, &hk);
		if (!h) {
			ktop_count(KTOP_C_DROPS, 1);
			return;
		}
	}
	slot = ktop_log2(delta);
	if (slot >= KTOP_SLOTS)
		slot = KTOP_SLOTS - 1;
	/* the mask is a no-op the verifier needs to bound the index */
	__sync_fetch_and_add(&h->slots[slot & (KTOP_SLOTS - 1)], 1);
	__sync_fetch_and_add(&h->sum_ns, delta);
}

/* One more answer @ret to @op (enum ktop_rop). */
static __always_inline void ktop_result(__u32 op, long ret)
{
	struct ktop_result_key k = { .op = op, .ret = (__s32)ret };
	static const __u64 zero;
	__u64 *n = bpf_map_lookup_elem(&ktop_results, &k);

	if (!n) {
		bpf_map_update_elem(&ktop_results, &k, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(&ktop_results, &k);
		if (!n) {
			ktop_count(KTOP_C_DROPS, 1);
			return;
		}
	}
	__sync_fetch_and_add(n, 1);
}

/* The counters of process @tgid, created on first use. */
static __always_inline struct ktop_proc *ktop_proc(__u32 tgid)
{
	struct ktop_proc *p = bpf_map_lookup_elem(&ktop_procs, &tgid);
	struct ktop_proc init = {};

	if (p)
		return p;
	if ((bpf_get_current_pid_tgid() >> 32) == tgid)
		bpf_get_current_comm(init.comm, sizeof(init.comm));
	bpf_map_update_elem(&ktop_procs, &tgid, &init, BPF_NOEXIST);
	p = bpf_map_lookup_elem(&ktop_procs, &tgid);
	if (!p)
		ktop_count(KTOP_C_DROPS, 1);
	return p;
}

static __always_inline int ktop_map_end(__u64 id, __u32 tgid, int ret)
{
	__u32 slot = id & live_mask;
	struct ktop_live *l;
	struct ktop_proc *p;

	p = ktop_proc(tgid);
	if (ret) {
		ktop_count(KTOP_C_ERRORS, 1);
		ktop_result(KTOP_R_MAP, ret);
		if (p)
			__sync_fetch_and_add(&p->errors, 1);
		return 0;
	}
	ktop_count(KTOP_C_MAPS, 1);
	ktop_count(KTOP_C_LIVE, 1);
	if (p) {
		__sync_fetch_and_add(&p->maps, 1);
		__sync_fetch_and_add(&p->live, 1);
	}
	l = bpf_map_lookup_elem(&ktop_live, &slot);
	if (!l)
		return 0;
	if (l->id)
		ktop_count(KTOP_C_DROPS, 1);	/* a live one's age is lost */
	l->jiffies = bpf_jiffies64();
	l->tgid = tgid;
	l->id = id;
	return 0;
}

/* Mapping @id of @tgid is gone (unmapped, torn down or leaked). */
static __always_inline struct ktop_proc *ktop_gone(__u64 id, __u32 tgid)
{
	struct ktop_proc *p = ktop_proc(tgid);
	__u32 slot = id & live_mask;
	struct ktop_live *l;

	ktop_count(KTOP_C_LIVE, -1);
	if (p)
		__sync_fetch_and_add(&p->live, -1);
	l = bpf_map_lookup_elem(&ktop_live, &slot);
	if (l && l->id == id)
		l->id = 0;
	return p;
}

static __always_inline int ktop_unmap_end(__u64 id, __u32 tgid, int ret)
{
	struct ktop_proc *p;

	if (ret) {
		/* a host failure was already counted by kvmmem_page_leaked */
		ktop_count(KTOP_C_ERRORS, 1);
		ktop_result(KTOP_R_UNMAP, ret);
		p = ktop_proc(tgid);
		if (p)
			__sync_fetch_and_add(&p->errors, 1);
		return 0;
	}
	ktop_count(KTOP_C_UNMAPS, 1);
	p = ktop_gone(id, tgid);
	if (p)
		__sync_fetch_and_add(&p->unmaps, 1);
	return 0;
}

static __always_inline int ktop_teardown_unmap(__u64 id, __u32 owner, int ret)
{
	struct ktop_proc *p;

	if (ret)
		return 0;	/* leaked: counted by kvmmem_page_leaked */
	ktop_count(KTOP_C_TEARDOWNS, 1);
	p = ktop_gone(id, owner);
	if (p)
		__sync_fetch_and_add(&p->teardowns, 1);
	return 0;
}

static __always_inline int ktop_page_leaked(__u64 id, __u32 owner)
{
	struct ktop_proc *p;

	ktop_count(KTOP_C_LEAKED, 1);
	p = ktop_gone(id, owner);
	if (p)
		__sync_fetch_and_add(&p->leaked, 1);
	return 0;
}

static __always_inline enum ktop_op ktop_hc_op(__u32 nr)
{
	return nr == KVM_HC_MEM_MAP ? KTOP_OP_HC_MAP : KTOP_OP_HC_UNMAP;
}

static __always_inline void ktop_hc_exit(__u32 nr, long ret)
{
	ktop_count(nr == KVM_HC_MEM_MAP ? KTOP_C_HC_MAP : KTOP_C_HC_UNMAP, 1);
	ktop_result(nr == KVM_HC_MEM_MAP ? KTOP_R_HC_MAP : KTOP_R_HC_UNMAP, ret);
	ktop_op_end(ktop_hc_op(nr));
}

/*
 * KTOP_PROG(tracepoint, args, body): the tp_btf and the raw_tp program of
 * one tracepoint, both doing the same.
 */
_Static_assert((KTOP_SLOTS & (KTOP_SLOTS - 1)) == 0, "KTOP_SLOTS: a power of 2");

#define KTOP_PROG(tp, body, args...)					\
SEC("tp_btf/" #tp)							\
int BPF_PROG(tp##_btf, args) { body; return 0; }			\
SEC("raw_tp/" #tp)							\
int BPF_PROG(tp##_raw, args) { body; return 0; }

#define MAPPING_ARGS	u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret
#define HC_ARGS		u64 id, u32 nr, u64 a0, u64 a1, u64 a2, long ret

KTOP_PROG(kvmmem_map_end, ktop_map_end(id, tgid, ret), MAPPING_ARGS)
KTOP_PROG(kvmmem_unmap_end, ktop_unmap_end(id, tgid, ret), MAPPING_ARGS)
KTOP_PROG(kvmmem_teardown_unmap, ktop_teardown_unmap(id, tgid, ret),
	  MAPPING_ARGS)
KTOP_PROG(kvmmem_page_leaked, ktop_page_leaked(id, tgid), MAPPING_ARGS)
KTOP_PROG(kvmmem_hypercall_enter, ktop_op_start(ktop_hc_op(nr)), HC_ARGS)
KTOP_PROG(kvmmem_hypercall_exit, ktop_hc_exit(nr, ret), HC_ARGS)

char LICENSE[] SEC("license") = "GPL";
