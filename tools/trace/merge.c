// SPDX-License-Identifier: GPL-2.0
/*
 * merge.c - pair a guest's hypercalls with the host's handling of
 * them and align the two clocks (see merge.h).
 *
 * Everything works on sorted arrays: O(n log n), no hash tables, so a
 * recording of a million calls merges in a second.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "trace/merge.h"
#include "util.h"

/* ------------------------------------------------------------ extraction */

struct ev_ref {
	uint32_t tid;
	uint64_t ts;
	size_t i;
};

static int cmp_ev_ref(const void *pa, const void *pb)
{
	const struct ev_ref *a = pa, *b = pb;

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static int cmp_call_enter(const void *pa, const void *pb)
{
	const struct kvmmem_hc_call *a = pa, *b = pb;

	if (a->enter != b->enter)
		return a->enter < b->enter ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

static bool is_op_start(unsigned int kind)
{
	return kind == KT_MAP_START || kind == KT_UNMAP_START;
}

static bool is_op_end(unsigned int kind)
{
	return kind == KT_MAP_END || kind == KT_UNMAP_END;
}

/* What a thread has open: a hypercall's enter, and the ioctl around it. */
struct hc_thread {
	uint32_t tid;
	bool used;
	bool entered;
	uint64_t enter_ts;
	uint32_t enter_nr;
	uint64_t op_start;		/* 0: no ioctl open */
	size_t op_first, op_calls;	/* its first call (index), how many */
};

int kvmmem_hc_builder_init(struct kvmmem_hc_builder *b, unsigned int enter_kind,
			   unsigned int exit_kind, uint32_t pid)
{
	memset(b, 0, sizeof(*b));
	if (!enter_kind || enter_kind >= KT_NR_KINDS ||
	    !exit_kind || exit_kind >= KT_NR_KINDS || enter_kind == exit_kind)
		return -EINVAL;
	b->enter_kind = enter_kind;
	b->exit_kind = exit_kind;
	b->pid = pid;
	b->guest = enter_kind == KT_HC_ENTER;
	return 0;
}

static size_t tid_slot(uint32_t tid, size_t cap)
{
	return (size_t)((tid * 2654435761U) & (cap - 1));
}

/* The state of thread @tid (created, all zero, if new); NULL: no memory. */
static struct hc_thread *hc_thread(struct kvmmem_hc_builder *b, uint32_t tid)
{
	struct hc_thread *t;
	size_t i;

	if (b->nr_threads * 2 >= b->cap_threads) {
		size_t cap = b->cap_threads ? b->cap_threads * 2 : 64, k;
		struct hc_thread *nt = calloc(cap, sizeof(*nt));

		if (!nt)
			return NULL;
		for (k = 0; k < b->cap_threads; k++) {
			struct hc_thread *o = &b->threads[k];

			if (!o->used)
				continue;
			for (i = tid_slot(o->tid, cap); nt[i].used; i = (i + 1) & (cap - 1))
				;
			nt[i] = *o;
		}
		free(b->threads);
		b->threads = nt;
		b->cap_threads = cap;
	}
	for (i = tid_slot(tid, b->cap_threads);; i = (i + 1) & (b->cap_threads - 1)) {
		t = &b->threads[i];
		if (t->used && t->tid == tid)
			return t;
		if (!t->used)
			break;
	}
	t->used = true;
	t->tid = tid;
	b->nr_threads++;
	return t;
}

static struct kvmmem_hc_call *new_call(struct kvmmem_hc_builder *b)
{
	if (kvmmem_grow(&b->calls, &b->cap, b->nr + 1, sizeof(*b->calls)))
		return NULL;
	return &b->calls[b->nr++];
}

/* Is @e one of the events @b follows? */
static bool hc_relevant(const struct kvmmem_hc_builder *b,
			const struct kt_event *e)
{
	if (b->pid && e->pid != b->pid)
		return false;
	return e->kind == b->enter_kind || e->kind == b->exit_kind ||
	       (b->guest && (is_op_start(e->kind) || is_op_end(e->kind)));
}

/* One event of its thread, in that thread's order. */
static int hc_step(struct kvmmem_hc_builder *b, const struct kt_event *e)
{
	struct kvmmem_hc_call *call;
	struct hc_thread *t = hc_thread(b, e->tid);

	if (!t)
		return -ENOMEM;
	if (is_op_start(e->kind) && b->guest) {
		t->op_start = e->ts;
		t->op_calls = 0;
	} else if (is_op_end(e->kind) && b->guest) {
		/* only an ioctl of one call splits cleanly */
		if (t->op_start && t->op_calls == 1)
			b->calls[t->op_first].op_end = e->ts;
		t->op_start = 0;
		t->op_calls = 0;
	} else if (e->kind == b->enter_kind) {
		t->entered = true;
		t->enter_ts = e->ts;
		t->enter_nr = e->tgid;
	} else if (t->entered && t->enter_nr == e->tgid) {
		call = new_call(b);
		if (!call)
			return -ENOMEM;
		call->enter = t->enter_ts;
		call->exit = e->ts;
		call->op_start = t->op_start;
		call->op_end = 0;
		call->a0 = e->a0;
		call->a1 = e->a1;
		call->a2 = e->a2;
		call->ret = e->ret;
		call->id = e->id;
		call->nr = e->tgid;
		call->pid = e->pid;
		call->tid = e->tid;
		memcpy(call->comm, e->comm, KT_COMM_LEN);
		call->match = -1;
		if (t->op_start && !t->op_calls++)
			t->op_first = b->nr - 1;	/* other threads' calls interleave */
		t->entered = false;
	} else {
		t->entered = false;	/* an exit without its enter */
	}
	return 0;
}

int kvmmem_hc_builder_add(struct kvmmem_hc_builder *b, const struct kt_event *ev,
			  size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		if (!hc_relevant(b, &ev[i]))
			continue;
		err = hc_step(b, &ev[i]);
		if (err)
			return err;
	}
	return 0;
}

void kvmmem_hc_builder_finish(struct kvmmem_hc_builder *b,
			      struct kvmmem_hc_call **calls, size_t *nr)
{
	if (b->nr)
		qsort(b->calls, b->nr, sizeof(*b->calls), cmp_call_enter);
	*calls = b->calls;
	*nr = b->nr;
	b->calls = NULL;
	b->nr = b->cap = 0;
}

void kvmmem_hc_builder_free(struct kvmmem_hc_builder *b)
{
	free(b->calls);
	free(b->threads);
	memset(b, 0, sizeof(*b));
}

int kvmmem_hc_calls(const struct kt_event *ev, size_t n, unsigned int enter_kind,
		    unsigned int exit_kind, uint32_t pid,
		    struct kvmmem_hc_call **calls, size_t *nr)
{
	struct kvmmem_hc_builder b;
	struct ev_ref *refs;
	size_t nrefs = 0, i;
	int err;

	*calls = NULL;
	*nr = 0;
	err = kvmmem_hc_builder_init(&b, enter_kind, exit_kind, pid);
	if (err)
		return err;
	/* each thread's events in time order (file order for equal times) */
	refs = calloc(n ? n : 1, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (hc_relevant(&b, &ev[i]))
			refs[nrefs++] = (struct ev_ref){ ev[i].tid, ev[i].ts, i };
	qsort(refs, nrefs, sizeof(*refs), cmp_ev_ref);
	for (i = 0; i < nrefs && !err; i++)
		err = hc_step(&b, &ev[refs[i].i]);
	free(refs);
	if (!err)
		kvmmem_hc_builder_finish(&b, calls, nr);
	kvmmem_hc_builder_free(&b);
	return err;
}

/* -------------------------------------------------------------- pairing */


/* qsort has no context argument: sort (key, enter, index) records. */
struct keyed {
	uint64_t a0, a1, a2, enter;
	uint32_t nr;
	size_t i;
};

static int cmp_key(const struct keyed *a, const struct keyed *b)
{
	if (a->nr != b->nr)
		return a->nr < b->nr ? -1 : 1;
	if (a->a0 != b->a0)
		return a->a0 < b->a0 ? -1 : 1;
	if (a->a1 != b->a1)
		return a->a1 < b->a1 ? -1 : 1;
	if (a->a2 != b->a2)
		return a->a2 < b->a2 ? -1 : 1;
	return 0;
}

static int cmp_keyed(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	int r = cmp_key(a, b);

	if (r)
		return r;
	if (a->enter != b->enter)
		return a->enter < b->enter ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static struct keyed *keyed_sort(const struct kvmmem_hc_call *c, size_t n)
{
	struct keyed *k = calloc(n ? n : 1, sizeof(*k));
	size_t i;

	if (!k)
		return NULL;
	for (i = 0; i < n; i++)
		k[i] = (struct keyed){ c[i].a0, c[i].a1, c[i].a2, c[i].enter,
				       c[i].nr, i };
	qsort(k, n, sizeof(*k), cmp_keyed);
	return k;
}

/* End of the group of equal keys that starts at @i. */
static size_t group_end(const struct keyed *k, size_t n, size_t i)
{
	size_t j = i + 1;

	while (j < n && !cmp_key(&k[i], &k[j]))
		j++;
	return j;
}

/* Offsets a pair allows: host handling inside the guest call. */
struct interval {
	int64_t lo, hi;
};

static struct interval pair_interval(const struct kvmmem_hc_call *g,
				     const struct kvmmem_hc_call *h)
{
	return (struct interval){
		.lo = (int64_t)(h->exit - g->exit),
		.hi = (int64_t)(h->enter - g->enter),
	};
}

struct sweep_point {
	int64_t x;
	int delta;	/* +1 opens, -1 closes */
};

static int cmp_sweep(const void *pa, const void *pb)
{
	const struct sweep_point *a = pa, *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	return b->delta - a->delta;	/* opens first: intervals are closed */
}

/*
 * The offset inside the most intervals (the middle of the first segment
 * where the count is highest), and that count.
 */
static int most_covered(const struct interval *iv, size_t n, int64_t *best,
			size_t *count)
{
	struct sweep_point *p = calloc(2 * n + 1, sizeof(*p));
	size_t i, cur = 0, max = 0;

	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		/* an inverted interval (a pair inside the tolerance only)
		 * counts as its middle point */
		int64_t lo = iv[i].lo, hi = iv[i].hi;

		if (lo > hi)
			lo = hi = lo + (hi - lo) / 2;
		p[2 * i] = (struct sweep_point){ lo, 1 };
		p[2 * i + 1] = (struct sweep_point){ hi, -1 };
	}
	qsort(p, 2 * n, sizeof(*p), cmp_sweep);
	*best = 0;
	for (i = 0; i < 2 * n; i++) {
		if (p[i].delta > 0) {
			/* an open is never last: its close sorts after it */
			cur++;
			if (cur > max) {
				/* the segment runs to the next point */
				max = cur;
				*best = p[i].x + (p[i + 1].x - p[i].x) / 2;
			}
		} else {
			cur--;
		}
	}
	free(p);
	*count = max;
	return 0;
}

static void add_interval(struct interval *iv, size_t max, size_t *niv,
			 const struct kvmmem_hc_call *g,
			 const struct kvmmem_hc_call *h)
{
	struct interval v = pair_interval(g, h);

	if (v.lo <= v.hi && *niv < max)
		iv[(*niv)++] = v;
}

/*
 * Candidate pairs for the first estimate, per group of equal arguments:
 * in order when both sides saw the group as often; else in order from
 * the first calls and, again, from the last ones (one recording started
 * or stopped before the other: one of the two is right, and the true
 * offset is the one most candidates agree on).
 */
static void anchor_intervals(const struct kvmmem_hc_call *g,
			     const struct keyed *kg, size_t ng,
			     const struct kvmmem_hc_call *h,
			     const struct keyed *kh, size_t nh,
			     struct interval *iv, size_t max, size_t *niv)
{
	size_t i = 0, j = 0;

	*niv = 0;
	while (i < ng && j < nh) {
		int r = cmp_key(&kg[i], &kh[j]);
		size_t ie, je, cg, ch, n, a;

		if (r < 0) {
			i = group_end(kg, ng, i);
			continue;
		}
		if (r > 0) {
			j = group_end(kh, nh, j);
			continue;
		}
		ie = group_end(kg, ng, i);
		je = group_end(kh, nh, j);
		cg = ie - i;
		ch = je - j;
		n = cg < ch ? cg : ch;
		for (a = 0; a < n; a++)
			add_interval(iv, max, niv, &g[kg[i + a].i], &h[kh[j + a].i]);
		if (cg != ch)
			for (a = 1; a <= n; a++)
				add_interval(iv, max, niv, &g[kg[ie - a].i],
					     &h[kh[je - a].i]);
		i = ie;
		j = je;
	}
}

/*
 * The clock offset over guest time: knots (guest enter, offset) of paired
 * calls in time order, interpolated between two knots, the nearest one's
 * outside them; without knots, @constant.
 */
struct track {
	uint64_t *t;
	int64_t *off;
	size_t n;
	int64_t constant;
};

/*
 * At or beyond the end knots: on the line through knots @a and @b (@a
 * before @b), no further from the nearer one than they are apart. @t is
 * at or after @b's time, or at or before @a's: at a knot's own time,
 * that knot's offset.
 */
static int64_t extrapolate(const struct track *tr, size_t a, size_t b,
			   uint64_t t)
{
	uint64_t span = tr->t[b] - tr->t[a];
	double slope, dt;

	if (!span)
		return t < tr->t[a] ? tr->off[a] : tr->off[b];
	slope = (double)(tr->off[b] - tr->off[a]) / (double)span;
	if (t >= tr->t[b]) {
		dt = (double)(t - tr->t[b] < span ? t - tr->t[b] : span);
		return tr->off[b] + (int64_t)(slope * dt);
	}
	dt = (double)(tr->t[a] - t < span ? tr->t[a] - t : span);
	return tr->off[a] - (int64_t)(slope * dt);
}

static int64_t offset_at(const struct track *tr, uint64_t t)
{
	size_t lo = 0, hi, mid, w = KVMMEM_MERGE_TRACK_WINDOW;
	uint64_t span;

	if (!tr->n)
		return tr->constant;
	hi = tr->n - 1;
	if (t <= tr->t[0])
		return extrapolate(tr, 0, hi < w ? hi : w, t);
	if (t >= tr->t[hi])
		return extrapolate(tr, hi > w ? hi - w : 0, hi, t);
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (tr->t[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	span = tr->t[hi] - tr->t[lo];
	if (!span)
		return tr->off[lo];
	return tr->off[lo] + (int64_t)((double)(tr->off[hi] - tr->off[lo]) *
				       (double)(t - tr->t[lo]) / (double)span);
}

/*
 * Pair calls of equal keys, in order, whose host part fits the guest's;
 * @keep: keep the pairs made so far and pair only the calls left over.
 * Return: the pairs made.
 */
static size_t match(struct kvmmem_hc_call *g, const struct keyed *kg, size_t ng,
		    struct kvmmem_hc_call *h, const struct keyed *kh, size_t nh,
		    const struct track *tr, uint64_t tol, bool keep)
{
	size_t i = 0, j = 0, pairs = 0, k;

	for (k = 0; !keep && k < ng; k++)
		g[kg[k].i].match = -1;
	for (k = 0; !keep && k < nh; k++)
		h[kh[k].i].match = -1;
	while (i < ng && j < nh) {
		int r = cmp_key(&kg[i], &kh[j]);
		size_t ie, je;

		if (r) {
			if (r < 0)
				i = group_end(kg, ng, i);
			else
				j = group_end(kh, nh, j);
			continue;
		}
		ie = group_end(kg, ng, i);
		je = group_end(kh, nh, j);
		while (i < ie && j < je) {
			struct kvmmem_hc_call *gc = &g[kg[i].i], *hc = &h[kh[j].i];
			int64_t offset = offset_at(tr, gc->enter);
			int64_t a = (int64_t)(hc->enter - gc->enter) - offset;
			int64_t b = (int64_t)(hc->exit - gc->exit) - offset;

			if (gc->match >= 0) {
				i++;	/* paired before (@keep) */
			} else if (hc->match >= 0) {
				j++;
			} else if (a >= -(int64_t)tol && b <= (int64_t)tol) {
				gc->match = (long)kh[j].i;
				hc->match = (long)kg[i].i;
				pairs++;
				i++;
				j++;
			} else if (a < -(int64_t)tol) {
				j++;	/* the host call is earlier */
			} else {
				i++;	/* the guest call is earlier */
			}
		}
		i = ie;
		j = je;
	}
	return pairs;
}

/* Final offset from the matched pairs. */
static int settle(const struct kvmmem_hc_call *g, size_t ng,
		  const struct kvmmem_hc_call *h, struct kvmmem_merge *m)
{
	struct interval *iv;
	size_t i, n = 0, covered;
	int64_t best;

	m->lo = INT64_MIN;
	m->hi = INT64_MAX;
	m->violations = 0;
	m->max_violation_ns = 0;
	iv = calloc(ng ? ng : 1, sizeof(*iv));
	if (!iv)
		return -ENOMEM;
	for (i = 0; i < ng; i++) {
		if (g[i].match < 0)
			continue;
		iv[n] = pair_interval(&g[i], &h[g[i].match]);
		if (iv[n].lo > m->lo)
			m->lo = iv[n].lo;
		if (iv[n].hi < m->hi)
			m->hi = iv[n].hi;
		n++;
	}
	m->consistent = n && m->lo <= m->hi;
	if (m->consistent) {
		m->offset = m->lo + (m->hi - m->lo) / 2;
	} else if (n) {
		if (most_covered(iv, n, &best, &covered)) {
			free(iv);
			return -ENOMEM;
		}
		m->offset = best;
		for (i = 0; i < n; i++) {
			uint64_t d = 0;

			if (best < iv[i].lo)
				d = (uint64_t)(iv[i].lo - best);
			else if (best > iv[i].hi)
				d = (uint64_t)(best - iv[i].hi);
			if (d) {
				m->violations++;
				if (d > m->max_violation_ns)
					m->max_violation_ns = d;
			}
		}
	}
	free(iv);
	return 0;
}

static int cmp_s64(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return (a > b) - (a < b);
}

/*
 * The local offset of every pair (the middle of what the pairs around it
 * allow together), as knots of @tr, and how well it fits, into @m: the
 * offset followed over time.
 */
static int follow(const struct kvmmem_hc_call *g, size_t ng,
		  const struct kvmmem_hc_call *h, struct track *tr,
		  struct kvmmem_merge *m)
{
	struct interval *iv = calloc(ng ? ng : 1, sizeof(*iv));
	int64_t *sorted = calloc(ng ? ng : 1, sizeof(*sorted));
	size_t i, k, n = 0, w, half = KVMMEM_MERGE_TRACK_WINDOW / 2;

	if (!iv || !sorted) {
		free(iv);
		free(sorted);
		return -ENOMEM;
	}
	for (i = 0; i < ng; i++) {
		if (g[i].match < 0)
			continue;
		iv[n] = pair_interval(&g[i], &h[g[i].match]);
		tr->t[n++] = g[i].enter;
	}
	tr->n = n;
	for (k = 0; k < n; k++) {
		int64_t lo, hi;

		/* the widest centred window whose pairs agree, down to the
		 * pair alone */
		w = half;
		if (w > k)
			w = k;
		if (w > n - 1 - k)
			w = n - 1 - k;
		for (;; w /= 2) {
			lo = INT64_MIN;
			hi = INT64_MAX;
			for (i = k - w; i <= k + w; i++) {
				if (iv[i].lo > lo)
					lo = iv[i].lo;
				if (iv[i].hi < hi)
					hi = iv[i].hi;
			}
			if (lo <= hi || !w)
				break;
		}
		/* a pair that fits only within the tolerance: its middle */
		tr->off[k] = lo + (hi - lo) / 2;
	}
	/*
	 * Near the ends the window cannot be centred and shrinks to the pair
	 * alone, whose interval can be wide (a slow first call): there, the
	 * offset of the nearest pair with a whole window, as far as the
	 * pair's own interval allows.
	 */
	for (k = 0; n > 2 * half && k < n; k++) {
		size_t e = k < half ? half : n - 1 - half;

		if ((k >= half && k < n - half) || iv[k].lo > iv[k].hi)
			continue;
		tr->off[k] = tr->off[e] < iv[k].lo ? iv[k].lo :
			     tr->off[e] > iv[k].hi ? iv[k].hi : tr->off[e];
	}
	m->violations = 0;
	m->max_violation_ns = 0;
	for (k = 0; k < n; k++) {
		int64_t d = 0;

		if (tr->off[k] < iv[k].lo)
			d = iv[k].lo - tr->off[k];
		else if (tr->off[k] > iv[k].hi)
			d = tr->off[k] - iv[k].hi;
		if (d) {
			m->violations++;
			if ((uint64_t)d > m->max_violation_ns)
				m->max_violation_ns = (uint64_t)d;
		}
		sorted[k] = tr->off[k];
	}
	m->pairs = n;
	m->tracked = true;
	m->consistent = false;
	if (n) {
		qsort(sorted, n, sizeof(*sorted), cmp_s64);
		m->offset = sorted[n / 2];
		m->track_lo = sorted[0];
		m->track_hi = sorted[n - 1];
	}
	free(iv);
	free(sorted);
	return 0;
}

/* Is the tracked result @f better than @m: more pairs, or a closer fit? */
static bool better(const struct kvmmem_merge *f, const struct kvmmem_merge *m)
{
	if (f->pairs != m->pairs)
		return f->pairs > m->pairs;
	if (m->consistent)
		return false;
	return f->violations < m->violations ||
	       (f->violations == m->violations &&
		f->max_violation_ns < m->max_violation_ns);
}

static void save_matches(long *to, const struct kvmmem_hc_call *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		to[i] = c[i].match;
}

static void restore_matches(struct kvmmem_hc_call *c, const long *from,
			    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		c[i].match = from[i];
}

/* The calls of @k that are not paired yet, in the same order. */
static size_t unpaired(const struct keyed *k, size_t n,
		       const struct kvmmem_hc_call *c, struct keyed *out)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (c[k[i].i].match < 0)
			out[m++] = k[i];
	return m;
}

/*
 * The calls left over after a jump of the clock: estimate their own
 * offset as the first estimate does for all calls, and pair them with it.
 */
static int reanchor(struct kvmmem_hc_call *g, const struct keyed *kg,
		    size_t ng, struct kvmmem_hc_call *h, const struct keyed *kh,
		    size_t nh, uint64_t tol, struct keyed *ug, struct keyed *uh,
		    struct interval *iv, size_t *made)
{
	size_t nug = unpaired(kg, ng, g, ug), nuh = unpaired(kh, nh, h, uh);
	size_t max = nug > nuh ? nug : nuh, niv = 0, covered;
	struct track tr = { 0 };
	int err;

	*made = 0;
	anchor_intervals(g, ug, nug, h, uh, nuh, iv, 2 * max, &niv);
	if (!niv)
		return 0;
	err = most_covered(iv, niv, &tr.constant, &covered);
	if (err)
		return err;
	*made = match(g, ug, nug, h, uh, nuh, &tr, tol, true);
	return 0;
}

/*
 * Keep @tr's local offsets in @f, by host time, for
 * kvmmem_merge_offset_at(): the knots are in follow()'s order, that of
 * the paired guest calls. 0 or -ENOMEM (@f then holds none).
 */
static int keep_knots(struct kvmmem_merge *f, const struct kvmmem_hc_call *g,
		      size_t ng, const struct kvmmem_hc_call *h,
		      const struct track *tr)
{
	size_t i, k = 0;

	f->knot_host_ts = calloc(tr->n ? tr->n : 1, sizeof(*f->knot_host_ts));
	f->knot_offset = calloc(tr->n ? tr->n : 1, sizeof(*f->knot_offset));
	if (!f->knot_host_ts || !f->knot_offset) {
		kvmmem_merge_free(f);
		return -ENOMEM;
	}
	for (i = 0; i < ng && k < tr->n; i++) {
		if (g[i].match < 0)
			continue;
		f->knot_host_ts[k] = h[g[i].match].enter;
		f->knot_offset[k] = tr->off[k];
		k++;
	}
	f->nr_knots = k;
	return 0;
}

/*
 * When no single offset pairs every call, follow the offset over time:
 * knots from the pairs so far, the calls left over paired at the offset
 * the knots give them; when that pairs nothing more, the left-over calls'
 * own estimate (after a jump of a clock); until nothing pairs. Kept if
 * better than the single offset (better()).
 */
static int follow_clock(struct kvmmem_hc_call *g, const struct keyed *kg,
			size_t ng, struct kvmmem_hc_call *h,
			const struct keyed *kh, size_t nh, uint64_t tol,
			struct kvmmem_merge *m)
{
	size_t max = ng > nh ? ng : nh, made;
	struct track tr = { .constant = m->offset };
	long *bg = calloc(ng ? ng : 1, sizeof(*bg));
	long *bh = calloc(nh ? nh : 1, sizeof(*bh));
	struct keyed *ug = calloc(ng ? ng : 1, sizeof(*ug));
	struct keyed *uh = calloc(nh ? nh : 1, sizeof(*uh));
	struct interval *iv = calloc(2 * max + 1, sizeof(*iv));
	struct kvmmem_merge f = *m;
	unsigned int round;
	int err = -ENOMEM;

	tr.t = calloc(ng ? ng : 1, sizeof(*tr.t));
	tr.off = calloc(ng ? ng : 1, sizeof(*tr.off));
	if (!bg || !bh || !ug || !uh || !iv || !tr.t || !tr.off)
		goto out;
	save_matches(bg, g, ng);
	save_matches(bh, h, nh);
	for (round = 0; round < KVMMEM_MERGE_TRACK_ROUNDS; round++) {
		err = follow(g, ng, h, &tr, &f);
		if (err)
			goto out;
		made = match(g, kg, ng, h, kh, nh, &tr, tol, true);
		if (!made) {
			err = reanchor(g, kg, ng, h, kh, nh, tol, ug, uh, iv,
				       &made);
			if (err)
				goto out;
		}
		if (!made)
			break;
	}
	err = follow(g, ng, h, &tr, &f);
	if (err)
		goto out;
	if (better(&f, m)) {
		err = keep_knots(&f, g, ng, h, &tr);
		if (!err) {
			*m = f;
			goto out;
		}
	}
	restore_matches(g, bg, ng);
	restore_matches(h, bh, nh);
out:
	free(bg);
	free(bh);
	free(ug);
	free(uh);
	free(iv);
	free(tr.t);
	free(tr.off);
	return err;
}

int kvmmem_merge_pair(struct kvmmem_hc_call *g, size_t ng,
		      struct kvmmem_hc_call *h, size_t nh, uint64_t tolerance,
		      struct kvmmem_merge *m)
{
	size_t max = ng > nh ? ng : nh, niv = 0, covered, round;
	struct keyed *kg = keyed_sort(g, ng), *kh = keyed_sort(h, nh);
	struct interval *iv = calloc(2 * max + 1, sizeof(*iv));
	int64_t offset;
	int err = -ENOMEM;

	memset(m, 0, sizeof(*m));
	if (!kg || !kh || !iv)
		goto out;
	anchor_intervals(g, kg, ng, h, kh, nh, iv, 2 * max, &niv);
	err = -ENOENT;
	if (!niv)
		goto out;
	err = most_covered(iv, niv, &offset, &covered);
	if (err)
		goto out;
	m->anchors = covered;
	/* pair with the estimate, then again with the settled offset */
	for (round = 0; round < 2; round++) {
		struct track tr = { .constant = offset };

		m->pairs = match(g, kg, ng, h, kh, nh, &tr, tolerance, false);
		err = settle(g, ng, h, m);
		if (err)
			goto out;
		if (!m->pairs) {
			err = -ENOENT;
			goto out;
		}
		offset = m->offset;
	}
	if (!m->consistent || m->pairs < ng) {
		err = follow_clock(g, kg, ng, h, kh, nh, tolerance, m);
		if (err)
			goto out;
	}
	m->unmatched_guest = ng - m->pairs;
	m->unmatched_host = nh - m->pairs;
	err = 0;
out:
	free(kg);
	free(kh);
	free(iv);
	return err;
}

int64_t kvmmem_merge_offset_at(const struct kvmmem_merge *m, uint64_t host_ts)
{
	const struct track tr = {
		.t = m->knot_host_ts, .off = m->knot_offset,
		.n = m->tracked ? m->nr_knots : 0, .constant = m->offset,
	};

	return offset_at(&tr, host_ts);
}

void kvmmem_merge_free(struct kvmmem_merge *m)
{
	free(m->knot_host_ts);
	free(m->knot_offset);
	m->knot_host_ts = NULL;
	m->knot_offset = NULL;
	m->nr_knots = 0;
}

/* ----------------------------------------------------------- time split */

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static int split_add(struct kvmmem_samples *s, uint64_t *sum, uint64_t v)
{
	*sum += v;
	return kvmmem_samples_add(s, v);
}

int kvmmem_time_split(const struct kvmmem_hc_call *g, size_t ng,
		      const struct kvmmem_hc_call *h,
		      struct kvmmem_time_split split[2])
{
	size_t i;

	memset(split, 0, 2 * sizeof(*split));
	split[0].nr = KVM_HC_MEM_MAP;
	split[1].nr = KVM_HC_MEM_UNMAP;
	for (i = 0; i < ng; i++) {
		const struct kvmmem_hc_call *gc = &g[i], *hc;
		struct kvmmem_time_split *s;
		uint64_t call, host;

		if (gc->match < 0 || (gc->nr != KVM_HC_MEM_MAP && gc->nr != KVM_HC_MEM_UNMAP))
			continue;
		hc = &h[gc->match];
		s = &split[gc->nr - KVM_HC_MEM_MAP];
		call = gc->exit - gc->enter;
		host = hc->exit - hc->enter;
		s->calls++;
		if (split_add(&s->hypercall, &s->sum_hypercall, call) ||
		    split_add(&s->host, &s->sum_host, host) ||
		    split_add(&s->transition, &s->sum_transition,
			      sub0(call, host)))
			return -ENOMEM;
		if (!gc->op_start || !gc->op_end)
			continue;
		s->with_ioctl++;
		if (split_add(&s->ioctl, &s->sum_ioctl,
			      gc->op_end - gc->op_start) ||
		    split_add(&s->driver, &s->sum_driver,
			      sub0(gc->op_end - gc->op_start, call)))
			return -ENOMEM;
	}
	return 0;
}

void kvmmem_time_split_free(struct kvmmem_time_split split[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		kvmmem_samples_free(&split[i].ioctl);
		kvmmem_samples_free(&split[i].driver);
		kvmmem_samples_free(&split[i].hypercall);
		kvmmem_samples_free(&split[i].transition);
		kvmmem_samples_free(&split[i].host);
	}
}
