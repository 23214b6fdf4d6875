/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: when may a worker issue its next event?
 *
 *   recorded	a global turn counter holds the index of the one event that
 *		may run; a worker waits for its event's turn, runs it, and
 *		passes the turn to the owner of the next event.
 *   free	a worker waits until every cross-thread happens-before
 *		predecessor of its event is done (program order is the
 *		worker's own loop).
 *
 * Waiting is on a per-worker futex word that whoever may unblock the
 * worker increments, so each step wakes exactly the workers concerned.
 *
 *   random, pct:D  one op at a time in a planned order: the whole issue
 *		order is computed before the run (rp_sched_plan) from the
 *		happens-before graph (hb.c) and the seed, and one driver
 *		thread issues it (rp_sched_run_serial).
 *
 * RATIONALE: in a serial order the enabled set after each step depends
 * only on the steps before it, so the schedule is a pure function of
 * (trace, options, seed) and can be planned, hashed and printed before
 * anything runs.  Delays (jitter, reap-delay) and injections are planned
 * the same way for every order, from per-purpose seeded streams.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "replay/replay_int.h"
#include "util/rng.h"

/*
 * Sleep on @w's futex word unless it moved from @v.  The waiter count
 * lets kick() skip the FUTEX_WAKE system call when nobody sleeps (the
 * common case: the next event is the same worker's, or its worker has
 * not gone to sleep yet).  No wakeup is lost: the waiter counts itself
 * before it sleeps and sleeps only if the word is still @v, and kick()
 * moves the word before it looks at the count (both sequentially
 * consistent), so either the waiter sees the new word or kick() sees the
 * waiter.
 */
static void fwait(struct rp_worker *w, uint32_t v)
{
	atomic_fetch_add(&w->waiters, 1);
	syscall(SYS_futex, &w->wake, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
	atomic_fetch_sub(&w->waiters, 1);
}

static void kick(struct replay *rp, uint32_t thread)
{
	struct rp_worker *w = &rp->workers[thread];

	atomic_fetch_add(&w->wake, 1);
	if (atomic_load(&w->waiters))
		syscall(SYS_futex, &w->wake, FUTEX_WAKE_PRIVATE, 1, NULL,
			NULL, 0);
}

/* Paced timing: spin for the last part of each wait (see pace()). */
#define SPIN_NS 50000ull

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static void pace(struct replay *rp, uint32_t i)
{
	if (rp->o.timing != IORR_TIMING_RECORDED)
		return;
	uint64_t s = rp->ev[i].e.start_ns, s0 = rp->ev[0].e.start_ns;
	uint64_t rel = rp->due ? rp->due[i] : s > s0 ? s - s0 : 0;
	uint64_t target = rp->start_ns + (uint64_t)((double)rel *
						    rp->o.timing_scale);
	uint64_t now = rp_now_ns();

	/*
	 * Sleep to an absolute deadline SPIN_NS before the target (no drift
	 * accumulates from op to op), then spin on the clock: a timer wakeup
	 * is late by tens of microseconds (the timer slack, which the workers
	 * set to 1 ns, and the wakeup latency), the spin is not.
	 */
	if (now + SPIN_NS < target) {
		uint64_t wake = target - SPIN_NS;
		struct timespec ts = {
			.tv_sec = (time_t)(wake / 1000000000ull),
			.tv_nsec = (long)(wake % 1000000000ull),
		};

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
		now = rp_now_ns();
	}
	while (now < target) {
		cpu_relax();
		now = rp_now_ns();
	}
	pthread_mutex_lock(&rp->skew_lock);
	hist_add(&rp->skew, now - target);
	pthread_mutex_unlock(&rp->skew_lock);
}

void rp_sched_wait(struct replay *rp, struct rp_worker *w, uint32_t i)
{
	if (rp->o.order == IORR_ORDER_RECORDED) {
		for (;;) {
			uint32_t v = atomic_load(&w->wake);

			if (atomic_load(&rp->turn) == i ||
			    atomic_load(&rp->stop))
				break;
			fwait(w, v);
		}
	} else {
		for (uint32_t k = rp->pred_off[i]; k < rp->pred_off[i + 1];
		     k++) {
			uint32_t p = rp->pred[k];

			for (;;) {
				uint32_t v = atomic_load(&w->wake);

				if (atomic_load(&rp->done[p]) ||
				    atomic_load(&rp->stop))
					break;
				fwait(w, v);
			}
		}
	}
	if (!atomic_load(&rp->stop))
		pace(rp, i);
}

void rp_sched_done(struct replay *rp, struct rp_worker *w, uint32_t i)
{
	atomic_fetch_add(&rp->ndone, 1);
	if (rp->o.order == IORR_ORDER_RECORDED) {
		atomic_store(&rp->turn, i + 1);
		if (i + 1 < rp->nev)
			kick(rp, rp->ev[i + 1].e.thread);
		return;
	}
	atomic_store(&rp->done[i], 1);
	for (uint32_t k = rp->succ_off[i]; k < rp->succ_off[i + 1]; k++)
		kick(rp, rp->ev[rp->succ[k]].e.thread);
}

void rp_sched_abort(struct replay *rp)
{
	atomic_store(&rp->stop, 1);
	for (uint32_t t = 0; t < rp->nthreads; t++)
		kick(rp, t);
}

/* Does the order policy keep edge @e? */
static bool keep_edge(const struct replay *rp, uint8_t kind)
{
	if (kind == RP_EDGE_HB)
		return true;
	if (rp->o.flip_conflicts)
		return false;
	if (rp->serial)
		return rp->keep_all_conflicts;
	/* free: only what overlapped in recorded time may race */
	return !(kind & RP_EDGE_OVERLAP);
}

/* CSR arrays of predecessors and successors of the kept edges. */
static int to_csr(struct replay *rp, const struct rp_hb *g)
{
	size_t n = rp->nev, m = 0;

	rp->pred_off = calloc(n + 1, sizeof(uint32_t));
	rp->succ_off = calloc(n + 1, sizeof(uint32_t));
	rp->pred = malloc((g->n ? g->n : 1) * sizeof(uint32_t));
	rp->succ = malloc((g->n ? g->n : 1) * sizeof(uint32_t));
	rp->done = calloc(n ? n : 1, 1);
	if (!rp->pred_off || !rp->succ_off || !rp->pred || !rp->succ ||
	    !rp->done)
		return -ENOMEM;
	for (size_t k = 0; k < g->n; k++) {
		if (!keep_edge(rp, g->kind[k]))
			continue;
		rp->pred_off[g->to[k] + 1]++;
		rp->succ_off[g->from[k] + 1]++;
		m++;
	}
	for (size_t i = 0; i < n; i++) {
		rp->pred_off[i + 1] += rp->pred_off[i];
		rp->succ_off[i + 1] += rp->succ_off[i];
	}
	uint32_t *pp = calloc(n + 1, sizeof(uint32_t));
	uint32_t *sp = calloc(n + 1, sizeof(uint32_t));

	if (!pp || !sp) {
		free(pp);
		free(sp);
		return -ENOMEM;
	}
	for (size_t k = 0; k < g->n; k++) {
		if (!keep_edge(rp, g->kind[k]))
			continue;
		rp->pred[rp->pred_off[g->to[k]] + pp[g->to[k]]++] = g->from[k];
		rp->succ[rp->succ_off[g->from[k]] + sp[g->from[k]]++] =
			g->to[k];
	}
	free(pp);
	free(sp);
	(void)m;
	return 0;
}

/*
 * Was the trace recorded with pthread synchronization?  The recorder says
 * so in its metadata (options.sync); without it, any pthread op is
 * evidence.  Without it, two conflicting ops may have been ordered by a
 * lock nobody saw: the seeded serial orders keep their recorded order.
 */
static bool sync_recorded(struct replay *rp)
{
	json_error_t je;
	json_t *m = json_loads(iorr_reader_metadata(rp->r), 0, &je);
	json_t *o = m ? json_object_get(m, "options") : NULL;
	json_t *sy = o ? json_object_get(o, "sync") : NULL;
	int verdict = -1;

	if (json_is_string(sy))
		verdict = !strcmp(json_string_value(sy), "pthread");
	json_decref(m);
	if (verdict >= 0)
		return verdict;
	for (uint32_t i = 0; i < rp->nev; i++) {
		const struct iorr_op_desc *d = iorr_op_get(rp->ev[i].e.op);

		if (d->kind == IORR_KIND_PRIM && d->cls == IORR_CLASS_LOCK)
			return true;
	}
	return false;
}

/*
 * Paced recorded order: when each event is due, relative to the first
 * event's start.  Events are in the order they returned, so a call that
 * blocked (a cond_wait, a read of a pipe) started before events that come
 * before it, and in recorded order it cannot be issued before they are
 * done: it is due at its recorded start, or at the latest recorded end of
 * the events before it if that is later.  Its skew is then measured from
 * a time it could have been issued at.
 */
static int due_times(struct replay *rp)
{
	uint64_t t0 = rp->nev ? rp->ev[0].e.start_ns : 0, last = t0;

	free(rp->due);
	rp->due = malloc((rp->nev ? rp->nev : 1) * sizeof(*rp->due));
	if (!rp->due)
		return -ENOMEM;
	for (uint32_t i = 0; i < rp->nev; i++) {
		uint64_t s = rp->ev[i].e.start_ns;

		rp->due[i] = (s > last ? s : last) - t0;
		if (rp->ev[i].e.end_ns > last)
			last = rp->ev[i].e.end_ns;
	}
	return 0;
}

/*
 * Is the graph of the kept edges plus program order acyclic?  Kahn's
 * algorithm over the threads' next events; if some event never becomes
 * ready, walk back from it through the not-run predecessors to a cycle
 * and describe it in @msg.  A free-order replay would wait forever on
 * one, a serial plan would find no enabled thread.
 * @return 0, -EDEADLK (a cycle) or -ENOMEM.
 */
static int check_acyclic(struct replay *rp, char *msg, size_t len)
{
	uint32_t n = rp->nev, nt = rp->nthreads ? rp->nthreads : 1;
	uint32_t *left = malloc((n ? n : 1) * sizeof(*left));
	uint32_t *nxt = malloc((n ? n : 1) * sizeof(*nxt));
	uint32_t *head = malloc(nt * sizeof(*head));
	uint32_t *tail = malloc(nt * sizeof(*tail));
	uint32_t *stack = malloc((n ? n : 1) * sizeof(*stack));
	uint32_t *prevt = malloc((n ? n : 1) * sizeof(*prevt));
	uint8_t *ran = calloc(n ? n : 1, 1);
	uint32_t sp = 0, nran = 0;
	int ret = -ENOMEM;

	if (!left || !nxt || !head || !tail || !stack || !prevt || !ran)
		goto out;
	memset(head, 0xff, nt * sizeof(*head));
	memset(tail, 0xff, nt * sizeof(*tail));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t t = rp->ev[i].e.thread;

		left[i] = rp->pred_off[i + 1] - rp->pred_off[i];
		nxt[i] = RP_NONE;
		prevt[i] = tail[t];
		if (tail[t] == RP_NONE)
			head[t] = i;
		else
			nxt[tail[t]] = i;
		tail[t] = i;
	}
	/* a thread's next event is ready when its cross edges are done */
	for (uint32_t t = 0; t < nt; t++)
		if (head[t] != RP_NONE && !left[head[t]])
			stack[sp++] = head[t];
	while (sp) {
		uint32_t i = stack[--sp];

		ran[i] = 1;
		nran++;
		for (uint32_t k = rp->succ_off[i]; k < rp->succ_off[i + 1];
		     k++) {
			uint32_t j = rp->succ[k];

			/* ready: all cross edges done and its turn came */
			if (!--left[j] && (prevt[j] == RP_NONE ||
					   ran[prevt[j]]))
				stack[sp++] = j;
		}
		if (nxt[i] != RP_NONE && !left[nxt[i]])
			stack[sp++] = nxt[i];
	}
	ret = 0;
	if (nran == n)
		goto out;
	/*
	 * Walk back from the first blocked event: each not-run event waits
	 * for a not-run predecessor (its thread's previous event or a cross
	 * edge), so the walk must come back to an event it has seen.
	 */
	uint32_t i = RP_NONE;

	for (uint32_t t = 0; t < nt; t++) {
		uint32_t e = head[t];

		while (e != RP_NONE && ran[e])
			e = nxt[e];
		if (e != RP_NONE && (i == RP_NONE || e < i))
			i = e;
	}
	for (uint32_t k = 0; k < n; k++)
		left[k] = RP_NONE;	/* now: position in the walk */
	sp = 0;
	while (i != RP_NONE && left[i] == RP_NONE) {
		uint32_t w = RP_NONE;

		left[i] = sp;
		stack[sp++] = i;
		for (uint32_t k = rp->pred_off[i]; k < rp->pred_off[i + 1];
		     k++)
			if (!ran[rp->pred[k]]) {
				w = rp->pred[k];
				break;
			}
		if (w == RP_NONE && prevt[i] != RP_NONE && !ran[prevt[i]])
			w = prevt[i];
		i = w;
	}
	ret = -EDEADLK;
	if (i == RP_NONE) {
		snprintf(msg, len, "replay: happens-before cycle");
		goto out;
	}
	/* the cycle is stack[left[i]..sp-1]; print it in waits-for order */
	size_t o = 0;
	const struct rp_ev *e = &rp->ev[i];

	o += (size_t)snprintf(msg, len, "replay: happens-before cycle at seq "
			      "%" PRIu64 " (%s, thread %" PRIu32,
			      e->e.seq, iorr_op_get(e->e.op)->name,
			      e->e.thread);
	for (uint32_t k = left[i] + 1; k < sp && o < len; k++) {
		e = &rp->ev[stack[k]];
		o += (size_t)snprintf(msg + o, len - o, " waits for seq %"
				      PRIu64 " %s thread %" PRIu32, e->e.seq,
				      iorr_op_get(e->e.op)->name,
				      e->e.thread);
		if (k - left[i] == 8 && k + 1 < sp) {
			if (o < len)
				o += (size_t)snprintf(msg + o, len - o,
						      " ...");
			break;
		}
	}
	if (o < len)
		snprintf(msg + o, len - o, ")");
out:
	free(left);
	free(nxt);
	free(head);
	free(tail);
	free(stack);
	free(prevt);
	free(ran);
	return ret;
}

int rp_sched_init(struct replay *rp, char *msg, size_t len)
{
	int k;

	atomic_store(&rp->turn, 0);
	rp->serial = rp->o.order == IORR_ORDER_RANDOM ||
		     rp->o.order == IORR_ORDER_PCT;
	/*
	 * Per-op issue and end times cost two clock reads an op; only the
	 * model of a reordered run (free, serial orders), the racing report
	 * (free) and paced timing use them.
	 */
	rp->times = rp->o.order != IORR_ORDER_RECORDED ||
		    rp->o.timing == IORR_TIMING_RECORDED;
	if (rp->o.order == IORR_ORDER_RECORDED) {
		if (rp->o.timing == IORR_TIMING_RECORDED && due_times(rp) < 0) {
			snprintf(msg, len, "out of memory");
			return -ENOMEM;
		}
		return rp_sched_plan(rp, msg, len);
	}
	k = rp_hb_build(rp, &rp->hb);
	if (!k && rp->serial && !sync_recorded(rp)) {
		rp->keep_all_conflicts = true;
		rp->rep.conflicts_kept = !rp->o.flip_conflicts;
	}
	if (!k)
		k = to_csr(rp, &rp->hb);
	if (!k) {
		k = check_acyclic(rp, msg, len);
		if (k == -EDEADLK)
			return k;
	}
	if (k < 0) {
		snprintf(msg, len, "out of memory building the schedule");
		return k;
	}
	return rp_sched_plan(rp, msg, len);
}

/* ---- planning ---------------------------------------------------------- */

/* RNG streams: one per purpose, one per thread for jitter. */
enum {
	STREAM_ORDER = 1,
	STREAM_DROP,
	STREAM_FSYNC,
	STREAM_SHORT,
	STREAM_REAP,
	STREAM_JITTER = 1000,	/* + thread index */
};

static void plan_free(struct rp_plan *p)
{
	free(p->order);
	free(p->pos);
	free(p->delay);
	free(p->inj);
	free(p->split);
	memset(p, 0, sizeof(*p));
}

/* The order of a serial plan: random or PCT over the enabled threads. */
static int plan_order(struct replay *rp, struct rp_plan *p)
{
	uint32_t n = rp->nev, nt = rp->nthreads ? rp->nthreads : 1;
	uint32_t *left = malloc((n ? n : 1) * sizeof(*left));
	uint32_t *toff = calloc(nt + 1, sizeof(*toff));
	uint32_t *tev = malloc((n ? n : 1) * sizeof(*tev));
	uint32_t *cur = calloc(nt, sizeof(*cur));
	uint32_t *cand = malloc(nt * sizeof(*cand));
	uint64_t *prio = calloc(nt, sizeof(*prio));
	uint64_t *cp = NULL;
	unsigned d = rp->o.pct_depth ? rp->o.pct_depth : 1;
	struct rng r;
	int ret = -ENOMEM;

	if (!left || !toff || !tev || !cur || !cand || !prio)
		goto out;
	rng_init(&r, rp->o.seed, STREAM_ORDER);
	for (uint32_t i = 0; i < n; i++) {
		left[i] = rp->pred_off[i + 1] - rp->pred_off[i];
		toff[rp->ev[i].e.thread + 1]++;
	}
	for (uint32_t t = 0; t < nt; t++)
		toff[t + 1] += toff[t];
	for (uint32_t i = 0; i < n; i++)
		tev[toff[rp->ev[i].e.thread] + cur[rp->ev[i].e.thread]++] = i;
	memset(cur, 0, nt * sizeof(*cur));
	if (rp->o.order == IORR_ORDER_PCT) {
		/* distinct initial priorities d .. d+nt-1, shuffled */
		for (uint32_t t = 0; t < nt; t++)
			prio[t] = d + t;
		for (uint32_t t = nt; t > 1; t--) {
			uint32_t j = (uint32_t)rng_below(&r, t);
			uint64_t x = prio[t - 1];

			prio[t - 1] = prio[j];
			prio[j] = x;
		}
		cp = calloc(d, sizeof(*cp));
		if (!cp)
			goto out;
		/* d-1 change points over the k steps: k_i lowers to i */
		for (unsigned i = 1; i < d; i++)
			cp[i] = 1 + rng_below(&r, n ? n : 1);
	}
	for (uint32_t step = 0; step < n; step++) {
		uint32_t nc = 0, t = 0;

		for (uint32_t u = 0; u < nt; u++) {
			uint32_t c = toff[u] + cur[u];

			if (c < toff[u + 1] && !left[tev[c]])
				cand[nc++] = u;
		}
		if (!nc) {
			/* cannot happen: edges go forward in the trace */
			ret = -EDEADLK;
			goto out;
		}
		if (rp->o.order == IORR_ORDER_PCT) {
			t = cand[0];
			for (uint32_t c = 1; c < nc; c++)
				if (prio[cand[c]] > prio[t])
					t = cand[c];
			for (unsigned i = 1; i < d; i++)
				if (cp[i] == step + 1)
					prio[t] = i;
		} else {
			t = cand[rng_below(&r, nc)];
		}
		uint32_t i = tev[toff[t] + cur[t]++];

		p->order[step] = i;
		p->pos[i] = step;
		for (uint32_t k = rp->succ_off[i]; k < rp->succ_off[i + 1]; k++)
			left[rp->succ[k]]--;
	}
	ret = 0;
out:
	free(left);
	free(toff);
	free(tev);
	free(cur);
	free(cand);
	free(prio);
	free(cp);
	return ret;
}

/* The fd an op works on (its first FD field), or -1. */
static int64_t event_rfd(const struct rp_ev *ev)
{
	const struct iorr_op_desc *d = iorr_op_get(ev->e.op);

	for (unsigned k = 0; k < d->nfields; k++)
		if (d->fields[k].type == IORR_FT_FD &&
		    strcmp(d->fields[k].name, "dirfd") &&
		    strcmp(d->fields[k].name, "newdirfd") &&
		    strcmp(d->fields[k].name, "olddirfd"))
			return (int64_t)ev->e.f[k];
	return -1;
}

static bool is_data_op(const struct rp_ev *ev)
{
	const struct iorr_op_desc *d = iorr_op_get(ev->e.op);

	return (d->kind == IORR_KIND_SYNC || d->kind == IORR_KIND_SUBMIT) &&
	       (d->cls == IORR_CLASS_READ || d->cls == IORR_CLASS_WRITE) &&
	       event_rfd(ev) >= 0;
}

static bool splittable(const struct rp_ev *ev)
{
	switch (ev->e.op) {
	case IORR_OP_pread:
	case IORR_OP_pwrite:
	case IORR_OP_read:
	case IORR_OP_write:
		return ev->e.result > 1 && rp_fu(ev, "len") > 1;
	default:
		return false;
	}
}

static bool is_reap(const struct rp_ev *ev)
{
	return ev->e.op == IORR_OP_uring_cqe ||
	       (ev->e.op == IORR_OP_aio_getevents && ev->first_reaped !=
		RP_NONE);
}

static uint64_t jitter(struct replay *rp, struct rng *r)
{
	switch (rp->o.jitter) {
	case IORR_JITTER_UNIFORM:
		return rp->o.jitter_a + rng_below(r, rp->o.jitter_b -
						     rp->o.jitter_a + 1);
	case IORR_JITTER_EXP:
		return rng_exp(r, (double)rp->o.jitter_a);
	default:
		return 0;
	}
}

int rp_sched_plan(struct replay *rp, char *msg, size_t len)
{
	struct rp_plan *p = &rp->plan;
	const struct iorr_perturb *pt = &rp->o.perturb;
	uint32_t n = rp->nev;
	bool any_inj = pt->dropcache > 0 || pt->fsync > 0 || pt->shortio > 0 ||
		       pt->reap_delay_ns;
	struct rng rd, rf, rs, rr, *rj = NULL;
	int k = -ENOMEM;

	plan_free(p);
	if (rp->serial) {
		p->order = malloc((n ? n : 1) * sizeof(*p->order));
		p->pos = malloc((n ? n : 1) * sizeof(*p->pos));
		if (!p->order || !p->pos)
			goto fail;
		k = plan_order(rp, p);
		if (k < 0)
			goto fail;
		k = -ENOMEM;
	}
	if (any_inj || rp->o.jitter != IORR_JITTER_NONE) {
		p->delay = calloc(n ? n : 1, sizeof(*p->delay));
		p->inj = calloc(n ? n : 1, 1);
		p->split = calloc(n ? n : 1, sizeof(*p->split));
		rj = calloc(rp->nthreads ? rp->nthreads : 1, sizeof(*rj));
		if (!p->delay || !p->inj || !p->split || !rj)
			goto fail;
	}
	/*
	 * Each decision draws from its own stream in event order, so the
	 * plan of one perturbation does not depend on the others or on the
	 * issue order.
	 */
	rng_init(&rd, rp->o.seed, STREAM_DROP);
	rng_init(&rf, rp->o.seed, STREAM_FSYNC);
	rng_init(&rs, rp->o.seed, STREAM_SHORT);
	rng_init(&rr, rp->o.seed, STREAM_REAP);
	for (uint32_t t = 0; rj && t < rp->nthreads; t++)
		rng_init(&rj[t], rp->o.seed, STREAM_JITTER + t);
	for (uint32_t i = 0; p->inj && i < n; i++) {
		const struct rp_ev *ev = &rp->ev[i];
		const struct iorr_op_desc *d = iorr_op_get(ev->e.op);

		if (rp->o.jitter != IORR_JITTER_NONE)
			p->delay[i] = jitter(rp, &rj[ev->e.thread]);
		if (d->kind == IORR_KIND_SUBMIT)
			continue;	/* issued by their submit call */
		if (pt->dropcache > 0 && is_data_op(ev) &&
		    rng_chance(&rd, pt->dropcache))
			p->inj[i] |= RP_INJ_DROP;
		if (pt->fsync > 0 && is_data_op(ev) &&
		    d->cls == IORR_CLASS_WRITE && ev->e.result >= 0 &&
		    rng_chance(&rf, pt->fsync))
			p->inj[i] |= RP_INJ_FSYNC;
		if (pt->shortio > 0 && splittable(ev) &&
		    rng_chance(&rs, pt->shortio)) {
			p->inj[i] |= RP_INJ_SHORT;
			p->split[i] = (uint16_t)(1 + rng_below(&rs, 65535));
		}
		if (pt->reap_delay_ns && is_reap(ev)) {
			p->inj[i] |= RP_INJ_REAP;
			p->delay[i] += rng_below(&rr, pt->reap_delay_ns + 1);
		}
		if (p->inj[i])
			p->ninj++;
	}
	free(rj);
	rj = NULL;

	/* the schedule hash: (seq, delay, injection) in issue order */
	uint64_t *h = malloc((n ? n : 1) * 3 * sizeof(*h));

	if (!h)
		goto fail;
	for (uint32_t k2 = 0; k2 < n; k2++) {
		uint32_t i = p->order ? p->order[k2] : k2;

		h[3 * k2] = rp->ev[i].e.seq;
		h[3 * k2 + 1] = p->delay ? p->delay[i] : 0;
		h[3 * k2 + 2] = p->inj ? (uint64_t)p->inj[i] |
				(uint64_t)p->split[i] << 8 : 0;
	}
	p->hash = iorr_hash64(h, (size_t)n * 3 * sizeof(*h));
	free(h);
	rp->rep.sched_hash = p->hash;
	rp->rep.injections = p->ninj;
	rp->rep.reordered = 0;
	for (size_t e = 0; p->pos && e < rp->hb.n; e++)
		if ((rp->hb.kind[e] & RP_EDGE_CONFLICT) &&
		    p->pos[rp->hb.to[e]] < p->pos[rp->hb.from[e]])
			rp->rep.reordered++;
	return 0;
fail:
	free(rj);
	plan_free(p);
	snprintf(msg, len, k == -EDEADLK ? "internal error: the schedule "
		 "has a cycle" : "out of memory planning the schedule");
	return k;
}

uint64_t iorr_replay_sched_hash(const struct iorr_replay *x)
{
	return ((const struct replay *)x)->plan.hash;
}

/* ---- issuing ----------------------------------------------------------- */

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int replay_fd(struct replay *rp, uint32_t i)
{
	int64_t rfd = event_rfd(&rp->ev[i]);

	if (rfd < 0)
		return -1;
	return rp_fd_get(rp, &rp->procs[rp->ev[i].proc], (int32_t)rfd);
}

static void drop_cache(struct replay *rp, uint32_t i)
{
	int fd = replay_fd(rp, i);

	if (fd >= 0)
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (rp->o.perturb.dropcache_global && geteuid() == 0) {
		int d = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

		if (d >= 0) {
			if (write(d, "1", 1) < 0)
				rp_limit(rp, "dropcache:global: cannot write "
					 "/proc/sys/vm/drop_caches");
			close(d);
		}
	}
}

int rp_issue(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	uint8_t inj = rp->plan.inj ? rp->plan.inj[i] : 0;
	int ret;

	if (rp->plan.delay && rp->plan.delay[i])
		sleep_ns(rp->plan.delay[i]);
	if (inj & RP_INJ_DROP)
		drop_cache(rp, i);
	if (rp->times)
		rp->out[i].issue_ns = rp_now_ns() - rp->start_ns;
	ret = rp_exec_event(w, i);
	if (rp->times)
		rp->out[i].end_ns = rp_now_ns() - rp->start_ns;
	if (ret >= 0 && (inj & RP_INJ_FSYNC)) {
		int fd = replay_fd(rp, i);

		if (fd >= 0)
			fsync(fd);
	}
	return ret;
}

int rp_sched_run_serial(struct replay *rp)
{
	for (uint32_t k = 0; k < rp->nev; k++) {
		uint32_t i = rp->plan.order[k];
		struct rp_worker *w = &rp->workers[rp->ev[i].e.thread];
		int ret = rp_issue(w, i);

		if (ret < 0) {
			w->err = ret;
			snprintf(w->msg, sizeof(w->msg), "seq %" PRIu64 " (%s): "
				 "%s", rp->ev[i].e.seq,
				 iorr_op_get(rp->ev[i].e.op)->name,
				 ret == -ENOTSUP ? "not supported by replay yet"
				 : strerror(-ret));
			return ret;
		}
		rp_check_result(rp, i);
		uint64_t done = atomic_fetch_add(&rp->ndone, 1) + 1;

		if (rp->o.progress && (done % 256 == 0 || done == rp->nev))
			rp->o.progress(rp->o.progress_arg, done, rp->nev);
	}
	return 0;
}

/* Per-run scheduling state back to the start (the plan is redone). */
void rp_sched_reset(struct replay *rp)
{
	atomic_store(&rp->turn, 0);
	atomic_store(&rp->ndone, 0);
	atomic_store(&rp->stop, 0);
	if (rp->done)
		memset((void *)rp->done, 0, rp->nev ? rp->nev : 1);
}

void rp_sched_free(struct replay *rp)
{
	free(rp->due);
	free(rp->pred);
	free(rp->pred_off);
	free(rp->succ);
	free(rp->succ_off);
	free((void *)rp->done);
	rp_hb_free(&rp->hb);
	plan_free(&rp->plan);
}
