// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmem_top.bpf.c - in-kernel aggregation for kvmmem-top: per-process
 * counters, per-process per-operation log2 latency histograms, a table of
 * live mappings with their map time, a histogram of mapping lifetimes,
 * and system-wide counters.
 *
 * Nothing goes to user space per event: kvmmem-top reads the maps once
 * per interval. Updates that do not fit (a map full) are counted in
 * KTOP_C_DROPS, which kvmmem-top shows.
 *
 * One program run per operation: only the end tracepoints are attached
 * (kvmmem_map_end, kvmmem_unmap_end, kvmmem_teardown_unmap, and
 * kvmmem_page_leaked). Their struct kvmmem_op_times argument carries
 * what the driver measured while they were enabled: the operation's
 * start and each hypercall's enter and exit time, arguments and answer
 * (kernel/kvmmem_op_times.h). So every hypercall is timed and counted
 * without a program on the hypercall tracepoints and without a clock
 * read here; the live table keeps a mapping's time from the same clock.
 * Only the ioctls' own latency (end - start_ns) needs a clock read at
 * the end, which costs ~1 us where the clocksource is HPET (QEMU TCG):
 * so an ioctl is timed only if no ioctl of its kind was timed on this
 * CPU in the last time_gap_jiffies jiffies (see kvmmem_top.h).
 *
 * Each program exists as tp_btf and as raw_tp; both read the timings
 * with bpf_probe_read_kernel() (raw_tp has no BTF to read them with).
 * User space loads one set (kvmmem_bpf_autoload()).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kvmmem_top.h"
#include "kvmmem_uapi.bpf.h"
#include "kvmmem_stacks.bpf.h"
#include "kvmmem_tp.bpf.h"
#include "../kernel/kvmmem_op_times.h"

/* Time at most one ioctl per op per CPU per this many jiffies; 0: all. */
const volatile __u64 time_gap_jiffies = 1;

/*
 * Per CPU, one entry: the system-wide counters and when the next ioctl
 * may be timed. A program run looks it up once (a helper call in 6.1,
 * where an array per counter cost a call per counter).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ktop_cpu);
} ktop_cpus SEC(".maps");

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

/* Lifetimes of the mappings made and gone while traced (slot: log2 us). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ktop_hist);
} ktop_lifetime SEC(".maps");

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
 * Set before load: --stacks. False: the stack code below is pruned by
 * the verifier, and its maps are resized to one entry (of one frame).
 */
const volatile bool targ_stacks = false;

/* The MAP callers' user stacks, by id. */
KVMMEM_STACK_MAP(ktop_stacks, KTOP_STACK_DEPTH);
_Static_assert(KTOP_NO_STACK == KVMMEM_NO_STACK, "one no-stack id");

/* Leaked pages per (owner, user stack at MAP time); resized by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KTOP_MAX_LEAK_STACKS);
	__type(key, struct ktop_stack_key);
	__type(value, __u64);
} ktop_leak_stacks SEC(".maps");

/* This CPU's counters (never NULL: one entry, key 0). */
static __always_inline struct ktop_cpu *ktop_this_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ktop_cpus, &zero);
}

static __always_inline void ktop_count(struct ktop_cpu *c, enum ktop_ctr ctr,
				       __s64 n)
{
	if (ctr < KTOP_NR_CTRS)
		c->ctrs[ctr] += n;
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

/* One value @v into histogram @h: its log2 slot, and the sum. */
static __always_inline void ktop_hist_add(struct ktop_hist *h, __u64 v)
{
	__u64 slot = ktop_log2(v);

	if (slot >= KTOP_SLOTS)
		slot = KTOP_SLOTS - 1;
	/* the mask is a no-op the verifier needs to bound the index */
	__sync_fetch_and_add(&h->slots[slot & (KTOP_SLOTS - 1)], 1);
	__sync_fetch_and_add(&h->sum_ns, v);
}

/* A latency of @op in process @tgid: into its histogram. */
static __always_inline void ktop_latency(struct ktop_cpu *c, __u32 tgid,
					 enum ktop_op op, __u64 delta)
{
	struct ktop_hist_key hk = { .tgid = tgid, .op = op };
	struct ktop_hist *h;

	h = bpf_map_lookup_elem(&ktop_hists, &hk);
	if (!h) {
		static const struct ktop_hist zero;

		bpf_map_update_elem(&ktop_hists, &hk, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&ktop_hists, &hk);
		if (!h) {
			ktop_count(c, KTOP_C_DROPS, 1);
			return;
		}
	}
	ktop_hist_add(h, delta);
}

/*
 * One more at @key of @map, a hash of __u64 counters, created on first
 * use; when @map is full, one more of counter @full instead.
 */
static __always_inline void ktop_hash_inc(struct ktop_cpu *c, void *map,
					  const void *key, __u32 full)
{
	static const __u64 zero;
	__u64 *n = bpf_map_lookup_elem(map, key);

	if (!n) {
		bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(map, key);
		if (!n) {
			ktop_count(c, full, 1);
			return;
		}
	}
	__sync_fetch_and_add(n, 1);
}

/* One more answer @ret to @op (enum ktop_rop). */
static __always_inline void ktop_result(struct ktop_cpu *c, __u32 op,
				       long ret)
{
	struct ktop_result_key k = { .op = op, .ret = (__s32)ret };

	ktop_hash_inc(c, &ktop_results, &k, KTOP_C_DROPS);
}

/* The counters of process @tgid, created on first use. */
static __always_inline struct ktop_proc *ktop_proc(struct ktop_cpu *c,
						   __u32 tgid)
{
	struct ktop_proc *p = bpf_map_lookup_elem(&ktop_procs, &tgid);
	static const struct ktop_proc zero;	/* too big for the stack */

	if (p)
		return p;
	bpf_map_update_elem(&ktop_procs, &tgid, &zero, BPF_NOEXIST);
	p = bpf_map_lookup_elem(&ktop_procs, &tgid);
	if (!p) {
		ktop_count(c, KTOP_C_DROPS, 1);
		return NULL;
	}
	if ((bpf_get_current_pid_tgid() >> 32) == tgid && !p->comm[0])
		bpf_get_current_comm(p->comm, sizeof(p->comm));
	return p;
}

/*
 * What kvmmem-top needs of the ending operation's timings: its start and
 * each hypercall's nr, times and answer (not the arguments).
 */
struct ktop_times {
	__u64 start_ns;
	__u32 nr_hc;
	struct {
		__u64 enter_ns, exit_ns;
		__s64 ret;
		__u32 nr;
	} hc[KVMMEM_OP_MAX_HC];
};

/*
 * The timings @tp into @t (0s: none): tp_btf reads the fields it needs
 * through BTF (plain loads), raw_tp copies the struct's first hypercall
 * with bpf_probe_read_kernel() (it has no BTF), and the second only
 * when there is one (a MAP the driver undid).
 */
static __always_inline void ktop_times(bool btf, struct ktop_times *t,
				       const struct kvmmem_op_times *tp)
{
	struct kvmmem_hc_times hc;
	__u64 head[2];
	int i;

	__builtin_memset(t, 0, sizeof(*t));
	if (btf) {
		/* 6.12's verifier types a tracepoint's pointer maybe-NULL */
		if (!tp)
			return;
		t->start_ns = tp->start_ns;
		t->nr_hc = tp->nr_hc;
		#pragma unroll
		for (i = 0; i < KVMMEM_OP_MAX_HC; i++) {
			if (i >= t->nr_hc)
				break;
			t->hc[i].enter_ns = tp->hc[i].enter_ns;
			t->hc[i].exit_ns = tp->hc[i].exit_ns;
			t->hc[i].ret = tp->hc[i].ret;
			t->hc[i].nr = tp->hc[i].nr;
		}
		return;
	}
	if (bpf_probe_read_kernel(head, sizeof(head), tp))
		return;
	t->start_ns = head[0];
	t->nr_hc = (__u32)head[1];
	#pragma unroll
	for (i = 0; i < KVMMEM_OP_MAX_HC; i++) {
		if (i >= t->nr_hc)
			break;
		if (bpf_probe_read_kernel(&hc, sizeof(hc), &tp->hc[i])) {
			t->nr_hc = i;
			break;
		}
		t->hc[i].enter_ns = hc.enter_ns;
		t->hc[i].exit_ns = hc.exit_ns;
		t->hc[i].ret = hc.ret;
		t->hc[i].nr = hc.nr;
	}
}

/*
 * The hypercalls of the ending operation: every one counted, by result
 * (0 in a per-CPU counter, the rest by value), and timed into the
 * histograms of @p, the process whose mapping it was.
 */
static __always_inline void ktop_hcs(struct ktop_cpu *c,
				     const struct ktop_times *t,
				     struct ktop_proc *p)
{
	__u64 enter, exit;
	bool map;
	int i;

	#pragma unroll
	for (i = 0; i < KVMMEM_OP_MAX_HC; i++) {
		if (i >= t->nr_hc)
			break;
		map = t->hc[i].nr == KVM_HC_MEM_MAP;
		ktop_count(c, map ? KTOP_C_HC_MAP : KTOP_C_HC_UNMAP, 1);
		if (t->hc[i].ret)
			ktop_result(c, map ? KTOP_R_HC_MAP : KTOP_R_HC_UNMAP,
				    t->hc[i].ret);
		else
			ktop_count(c, map ? KTOP_C_HC_MAP_OK : KTOP_C_HC_UNMAP_OK, 1);
		enter = t->hc[i].enter_ns;
		exit = t->hc[i].exit_ns;
		if (p && enter && exit >= enter)
			ktop_hist_add(&p->hc[map ? KTOP_OP_HC_MAP : KTOP_OP_HC_UNMAP],
				      exit - enter);
	}
}

/*
 * The ioctl @op of process @tgid that started at @start_ns (0: not
 * measured, counted but not timed) ends now: timed if its turn.
 */
static __always_inline void ktop_ioctl(struct ktop_cpu *c, enum ktop_op op,
				       __u32 tgid, __u64 start_ns)
{
	__u64 now, end;

	ktop_count(c, op == KTOP_OP_MAP ? KTOP_C_MAP_CALLS : KTOP_C_UNMAP_CALLS, 1);
	if (!start_ns)
		return;
	if (op >= KTOP_NR_OPS)
		return;
	if (time_gap_jiffies) {
		now = bpf_jiffies64();
		if (now < c->next_jiffies[op])
			return;
		c->next_jiffies[op] = now + time_gap_jiffies;
	}
	end = bpf_ktime_get_ns();
	if (end >= start_ns)
		ktop_latency(c, tgid, op, end - start_ns);
}

/* When the mapping was made: the host's answer, else the ioctl's start. */
static __always_inline __u64 ktop_made_ns(const struct ktop_times *t)
{
	__u32 n = t->nr_hc;

	if (n == 1)
		return t->hc[0].exit_ns;
	if (n == 2)
		return t->hc[1].exit_ns;
	return t->start_ns ? t->start_ns : bpf_ktime_get_ns();
}

/* --stacks: the user stack of the MAP's caller (this ioctl's), or none. */
static __always_inline __s32 ktop_map_stack(struct ktop_cpu *c, void *ctx)
{
	bool failed = false;
	__s32 id;

	id = kvmmem_stack_take(ctx, &ktop_stacks, BPF_F_USER_STACK, &failed);
	if (failed)
		ktop_count(c, KTOP_C_STACK_FAILED, 1);
	return id;
}

/* --stacks: one more leaked page of @owner's MAP stack @ustack. */
static __always_inline void ktop_leak_stack(struct ktop_cpu *c, __u32 owner,
					    __s32 ustack)
{
	struct ktop_stack_key k = { .tgid = owner, .ustack = ustack };

	ktop_hash_inc(c, &ktop_leak_stacks, &k, KTOP_C_STACK_FULL);
}

static __always_inline int ktop_map_end(struct ktop_cpu *c, void *ctx,
					bool btf, __u64 id, __u32 tgid, int ret,
					const struct kvmmem_op_times *tp)
{
	__u32 slot = id & live_mask;
	struct ktop_times t;
	struct ktop_live *l;
	struct ktop_proc *p;

	ktop_times(btf, &t, tp);
	p = ktop_proc(c, tgid);
	ktop_hcs(c, &t, p);
	ktop_ioctl(c, KTOP_OP_MAP, tgid, t.start_ns);
	if (ret) {
		ktop_count(c, KTOP_C_ERRORS, 1);
		ktop_result(c, KTOP_R_MAP, ret);
		if (p)
			__sync_fetch_and_add(&p->errors, 1);
		return 0;
	}
	ktop_count(c, KTOP_C_MAPS, 1);
	ktop_count(c, KTOP_C_LIVE, 1);
	if (p) {
		__sync_fetch_and_add(&p->maps, 1);
		__sync_fetch_and_add(&p->live, 1);
	}
	l = bpf_map_lookup_elem(&ktop_live, &slot);
	if (!l)
		return 0;
	if (l->id)
		ktop_count(c, KTOP_C_DROPS, 1);	/* a live one's age is lost */
	l->map_ns = ktop_made_ns(&t);
	l->tgid = tgid;
	if (targ_stacks)
		l->ustack = ktop_map_stack(c, ctx);
	l->id = id;
	return 0;
}

/*
 * Mapping @id of process @p (NULL: its counters are lost) is gone
 * (unmapped, torn down or leaked), at @gone_ns (0: not known): a
 * lifetime, if it was made while traced.
 */
static __always_inline void ktop_gone(struct ktop_cpu *c, struct ktop_proc *p,
				      __u64 id, __u64 gone_ns)
{
	__u32 slot = id & live_mask, zero = 0;
	struct ktop_hist *h;
	struct ktop_live *l;

	ktop_count(c, KTOP_C_LIVE, -1);
	if (p)
		__sync_fetch_and_add(&p->live, -1);
	l = bpf_map_lookup_elem(&ktop_live, &slot);
	if (!l || l->id != id)
		return;
	l->id = 0;
	if (!gone_ns || !l->map_ns || gone_ns < l->map_ns)
		return;
	h = bpf_map_lookup_elem(&ktop_lifetime, &zero);
	if (h)
		ktop_hist_add(h, (gone_ns - l->map_ns) / 1000);
}

/* When the mapping went: its unmap hypercall, else the start (0: none). */
static __always_inline __u64 ktop_gone_ns(const struct ktop_times *t)
{
	return t->nr_hc ? t->hc[0].enter_ns : t->start_ns;
}

static __always_inline int ktop_unmap_end(struct ktop_cpu *c, bool btf,
					  __u64 id, __u32 tgid, int ret,
					  const struct kvmmem_op_times *tp)
{
	struct ktop_times t;
	struct ktop_proc *p;

	ktop_times(btf, &t, tp);
	p = ktop_proc(c, tgid);
	ktop_hcs(c, &t, p);
	ktop_ioctl(c, KTOP_OP_UNMAP, tgid, t.start_ns);
	if (ret) {
		/* a host failure was already counted by kvmmem_page_leaked */
		ktop_count(c, KTOP_C_ERRORS, 1);
		ktop_result(c, KTOP_R_UNMAP, ret);
		if (p)
			__sync_fetch_and_add(&p->errors, 1);
		return 0;
	}
	ktop_count(c, KTOP_C_UNMAPS, 1);
	ktop_gone(c, p, id, ktop_gone_ns(&t));
	if (p)
		__sync_fetch_and_add(&p->unmaps, 1);
	return 0;
}

static __always_inline int ktop_teardown_unmap(struct ktop_cpu *c, bool btf,
					       __u64 id, __u32 owner, int ret,
					       const struct kvmmem_op_times *tp)
{
	struct ktop_times t;
	struct ktop_proc *p;

	ktop_times(btf, &t, tp);
	p = ktop_proc(c, owner);
	ktop_hcs(c, &t, p);
	if (ret)
		return 0;	/* leaked: counted by kvmmem_page_leaked */
	ktop_count(c, KTOP_C_TEARDOWNS, 1);
	ktop_gone(c, p, id, ktop_gone_ns(&t));
	if (p)
		__sync_fetch_and_add(&p->teardowns, 1);
	return 0;
}

static __always_inline int ktop_page_leaked(struct ktop_cpu *c, __u64 id,
					    __u32 owner)
{
	__u32 slot = id & live_mask;
	struct ktop_live *l;
	struct ktop_proc *p;

	ktop_count(c, KTOP_C_LEAKED, 1);
	if (targ_stacks) {
		/* its MAP's stack, before ktop_gone() frees the slot */
		l = bpf_map_lookup_elem(&ktop_live, &slot);
		ktop_leak_stack(c, owner, l && l->id == id ? l->ustack :
				KTOP_NO_STACK);
	}
	p = ktop_proc(c, owner);
	ktop_gone(c, p, id, 0);
	if (p)
		__sync_fetch_and_add(&p->leaked, 1);
	return 0;
}

_Static_assert((KTOP_SLOTS & (KTOP_SLOTS - 1)) == 0, "KTOP_SLOTS: a power of 2");

/*
 * KTOP_PROG(tracepoint, call, args): the tp_btf and the raw_tp program of
 * one tracepoint, both returning @call, in which c is this CPU's counters
 * (never NULL: one entry, key 0; the verifier needs the test).
 */
#define KTOP_PROG(tp, call, args...)					\
	KVMMEM_TP_PROGS(tp, struct ktop_cpu *c = ktop_this_cpu();	\
			return c ? (call) : 0, args)

#define MAPPING_ARGS	u64 id, u32 tgid, u64 gva, u64 gpa, u64 pa, int ret
#define OP_ARGS		MAPPING_ARGS, const struct kvmmem_op_times *t

KTOP_PROG(kvmmem_map_end, ktop_map_end(c, ctx, BTF, id, tgid, ret, t), OP_ARGS)
KTOP_PROG(kvmmem_unmap_end, ktop_unmap_end(c, BTF, id, tgid, ret, t), OP_ARGS)
KTOP_PROG(kvmmem_teardown_unmap, ktop_teardown_unmap(c, BTF, id, tgid, ret, t),
	  OP_ARGS)
KTOP_PROG(kvmmem_page_leaked, ktop_page_leaked(c, id, tgid), MAPPING_ARGS)

char LICENSE[] SEC("license") = "GPL";
