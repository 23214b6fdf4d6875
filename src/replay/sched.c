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
 * RATIONALE: a later seeded order (random, PCT) is one more serial policy:
 * "which enabled event runs next" becomes a pure function of (trace,
 * options, seed) computed in rp_sched_done(), with the same turn hand-off;
 * the happens-before edges built here are its enabled-set constraints.
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

#include "replay/replay_int.h"

static void fwait(_Atomic uint32_t *w, uint32_t v)
{
	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void kick(struct replay *rp, uint32_t thread)
{
	struct rp_worker *w = &rp->workers[thread];

	atomic_fetch_add(&w->wake, 1);
	syscall(SYS_futex, &w->wake, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void pace(struct replay *rp, uint32_t i)
{
	if (rp->o.timing != IORR_TIMING_RECORDED)
		return;
	uint64_t rel = rp->ev[i].e.start_ns - rp->ev[0].e.start_ns;
	uint64_t target = rp->start_ns + (uint64_t)((double)rel *
						    rp->o.timing_scale);
	uint64_t now = rp_now_ns();

	if (now < target) {
		struct timespec ts = {
			.tv_sec = (time_t)(target / 1000000000ull),
			.tv_nsec = (long)(target % 1000000000ull),
		};

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
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
			fwait(&w->wake, v);
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
				fwait(&w->wake, v);
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

/* ---- happens-before edges for free order ---------------------------- */

struct edges {
	uint32_t *from, *to;
	size_t n, cap;
	int err;
};

static void edge(struct replay *rp, struct edges *e, uint32_t from,
		 uint32_t to)
{
	if (from == RP_NONE || to == RP_NONE || from >= to ||
	    rp->ev[from].e.thread == rp->ev[to].e.thread)
		return;
	if (e->n == e->cap) {
		size_t c = e->cap ? e->cap * 2 : 1024;
		uint32_t *a = realloc(e->from, c * sizeof(*a));
		uint32_t *b = a ? realloc(e->to, c * sizeof(*b)) : NULL;

		if (a)
			e->from = a;
		if (!a || !b) {
			e->err = -ENOMEM;
			return;
		}
		e->to = b;
		e->cap = c;
	}
	e->from[e->n] = from;
	e->to[e->n] = to;
	e->n++;
}

/* Per-key chains: the last event seen under a key (locks, paths). */
struct chain {
	UT_hash_handle hh;
	char *key;
	uint32_t last;
	/* recent data ops on the file, for conflict edges */
	uint32_t recent[64];
	uint64_t roff[64], rend[64];
	bool rwrite[64];
	unsigned nrecent, pos;
};

struct fdkey {
	UT_hash_handle hh;
	uint64_t key;		/* proc << 32 | fd */
	uint32_t creator;
	uint32_t *uses;
	size_t nuses, cap;
	uint32_t closer;
	char *file;		/* normalized path key */
};

static struct chain *chain_get(struct chain **h, const char *key)
{
	struct chain *c;

	HASH_FIND_STR(*h, key, c);
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = strdup(key);
	c->last = RP_NONE;
	if (!c->key) {
		free(c);
		return NULL;
	}
	HASH_ADD_KEYPTR(hh, *h, c->key, strlen(c->key), c);
	return c;
}

static struct fdkey *fd_get(struct fdkey **h, uint32_t proc, int64_t fd,
			    bool create)
{
	uint64_t key = (uint64_t)proc << 32 | (uint32_t)fd;
	struct fdkey *f;

	HASH_FIND(hh, *h, &key, sizeof(key), f);
	if (f || !create)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->key = key;
	f->creator = f->closer = RP_NONE;
	HASH_ADD(hh, *h, key, sizeof(key), f);
	return f;
}

static char *path_key(struct replay *rp, uint64_t pathid)
{
	const char *rec = iorr_reader_path(rp->r, (uint32_t)pathid);
	char *j = rec ? rp_path_join(rp->trace_cwd, rec) : NULL;
	char *n = j ? rp_path_norm(j) : NULL;

	free(j);
	return n;
}

static bool op_creates_fd(const struct rp_ev *ev)
{
	switch (ev->e.op) {
	case IORR_OP_open: case IORR_OP_openat: case IORR_OP_openat2:
	case IORR_OP_creat: case IORR_OP_fopen: case IORR_OP_dup:
	case IORR_OP_dup2: case IORR_OP_dup3:
		return ev->e.result >= 0 && !ev->e.err;
	case IORR_OP_fcntl:
		return (ev->e.f[1] == F_DUPFD ||
			ev->e.f[1] == F_DUPFD_CLOEXEC) && ev->e.result >= 0;
	default:
		return false;
	}
}

/* Data range an op touches in its file, for conflict edges. */
static bool data_range(const struct rp_ev *ev, uint64_t *off, uint64_t *end,
		       bool *write)
{
	const struct iorr_op_desc *d = iorr_op_get(ev->e.op);
	uint64_t o, l = 0;

	if (d->cls != IORR_CLASS_READ && d->cls != IORR_CLASS_WRITE)
		return false;
	*write = d->cls == IORR_CLASS_WRITE;
	if (rp_field(ev, "off", &o) < 0 || (int64_t)o < 0 ||
	    ev->e.op == IORR_OP_ftruncate || ev->e.op == IORR_OP_fallocate) {
		*off = 0;
		*end = UINT64_MAX;
		return true;
	}
	if (rp_field(ev, "len", &l) < 0) {
		for (uint32_t k = 0; k < ev->e.nvec; k++)
			l += ev->e.vec[k];
	}
	*off = o;
	*end = o + l < o ? UINT64_MAX : o + l;
	return true;
}

static void conflict_edges(struct replay *rp, struct edges *e,
			   struct chain *c, uint32_t i)
{
	uint64_t off, end;
	bool wr;

	if (!data_range(&rp->ev[i], &off, &end, &wr))
		return;
	/*
	 * Keep the recorded order of conflicting ops that did not overlap in
	 * time (DESIGN.md): only what really could race is made to race.
	 * NOTE: only the last 64 data ops per file are considered.
	 */
	for (unsigned k = 0; k < c->nrecent; k++) {
		uint32_t j = c->recent[k];

		if (!(wr || c->rwrite[k]) || c->roff[k] >= end ||
		    off >= c->rend[k])
			continue;
		if (rp->ev[j].e.end_ns <= rp->ev[i].e.start_ns)
			edge(rp, e, j, i);
	}
	c->recent[c->pos] = i;
	c->roff[c->pos] = off;
	c->rend[c->pos] = end;
	c->rwrite[c->pos] = wr;
	c->pos = (c->pos + 1) % 64;
	if (c->nrecent < 64)
		c->nrecent++;
}

static int build_edges(struct replay *rp, struct edges *e)
{
	uint32_t *first = malloc(rp->nthreads * sizeof(*first) + 1);
	uint32_t *last = malloc(rp->nthreads * sizeof(*last) + 1);
	struct chain *chains = NULL, *c, *ctmp;
	struct fdkey *fds = NULL, *f, *ftmp;

	if (!first || !last) {
		free(first);
		free(last);
		return -ENOMEM;
	}
	memset(first, 0xff, rp->nthreads * sizeof(*first));
	memset(last, 0xff, rp->nthreads * sizeof(*last));
	for (uint32_t i = 0; i < rp->nev; i++) {
		uint32_t t = rp->ev[i].e.thread;

		if (first[t] == RP_NONE)
			first[t] = i;
		last[t] = i;
	}
	/* thread creation by the thread table when no event says it */
	for (uint32_t t = 0; t < rp->nthreads; t++) {
		const struct iorr_thread *th = iorr_reader_thread(rp->r, t);

		if (th->parent == UINT32_MAX || first[t] == RP_NONE)
			continue;
		uint32_t best = RP_NONE;

		for (uint32_t i = first[t]; i-- > 0;)
			if (rp->ev[i].e.thread == th->parent) {
				best = i;
				break;
			}
		edge(rp, e, best, first[t]);
	}
	for (uint32_t i = 0; i < rp->nev && !e->err; i++) {
		struct rp_ev *ev = &rp->ev[i];
		const struct iorr_op_desc *d = iorr_op_get(ev->e.op);
		const uint64_t *fv = ev->e.f;
		char key[64];

		switch (ev->e.op) {
		case IORR_OP_thread_create:
			if (fv[0] < rp->nthreads)
				edge(rp, e, i, first[fv[0]]);
			break;
		case IORR_OP_thread_join:
			if (fv[0] < rp->nthreads)
				edge(rp, e, last[fv[0]], i);
			break;
		case IORR_OP_fork:
		case IORR_OP_wait:
			for (uint32_t t = 0; t < rp->nthreads; t++) {
				if (iorr_reader_thread(rp->r, t)->pid !=
				    (int32_t)fv[0])
					continue;
				if (ev->e.op == IORR_OP_fork)
					edge(rp, e, i, first[t]);
				else
					edge(rp, e, last[t], i);
			}
			break;
		case IORR_OP_aio_complete:
		case IORR_OP_uring_cqe:
			edge(rp, e, ev->submit_call, i);
			break;
		default:
			break;
		}
		/* lock objects keep their recorded order */
		if (d->kind == IORR_KIND_PRIM && d->cls == IORR_CLASS_LOCK) {
			snprintf(key, sizeof(key), "obj#%" PRIu64, fv[0]);
			c = chain_get(&chains, key);
			if (!c)
				goto oom;
			edge(rp, e, c->last, i);
			c->last = i;
			if (ev->e.op == IORR_OP_cond_wait) {
				snprintf(key, sizeof(key), "obj#%" PRIu64,
					 fv[1]);
				c = chain_get(&chains, key);
				if (!c)
					goto oom;
				edge(rp, e, c->last, i);
				c->last = i;
			}
		}
		/* fd lifetimes: open before use before close */
		for (unsigned k = 0; k < d->nfields; k++) {
			if (d->fields[k].type != IORR_FT_FD ||
			    (int64_t)fv[k] == AT_FDCWD)
				continue;
			if (ev->e.op == IORR_OP_fd_path)
				continue;
			f = fd_get(&fds, ev->proc, (int64_t)fv[k], true);
			if (!f)
				goto oom;
			edge(rp, e, f->creator, i);
			if (f->nuses == f->cap) {
				size_t cap = f->cap ? f->cap * 2 : 8;
				uint32_t *u = realloc(f->uses,
						      cap * sizeof(*u));

				if (!u)
					goto oom;
				f->uses = u;
				f->cap = cap;
			}
			f->uses[f->nuses++] = i;
			/* file locks and data conflicts, per file */
			if (f->file) {
				c = chain_get(&chains, f->file);
				if (!c)
					goto oom;
				if (d->cls == IORR_CLASS_LOCK) {
					edge(rp, e, c->last, i);
					c->last = i;
				} else if (k == 0) {
					conflict_edges(rp, e, c, i);
				}
			}
		}
		if (ev->e.op == IORR_OP_close || ev->e.op == IORR_OP_fclose) {
			f = fd_get(&fds, ev->proc, (int64_t)fv[0], false);
			if (f) {
				for (size_t k = 0; k < f->nuses; k++)
					edge(rp, e, f->uses[k], i);
				f->nuses = 0;
				f->closer = i;
				f->creator = RP_NONE;
			}
		}
		/* namespace entries: recorded order per path */
		for (unsigned k = 0; k < d->nfields; k++) {
			if (d->fields[k].type != IORR_FT_PATH ||
			    (d->cls != IORR_CLASS_NS &&
			     d->cls != IORR_CLASS_OPEN &&
			     ev->e.op != IORR_OP_truncate))
				continue;
			char *pk = path_key(rp, fv[k]);

			if (!pk)
				goto oom;
			/* after what created or moved its directories */
			for (char *sl = strchr(pk + 1, '/'); sl;
			     sl = strchr(sl + 1, '/')) {
				struct chain *anc;

				*sl = '\0';
				HASH_FIND_STR(chains, pk, anc);
				*sl = '/';
				if (anc)
					edge(rp, e, anc->last, i);
			}
			c = chain_get(&chains, pk);
			free(pk);
			if (!c)
				goto oom;
			edge(rp, e, c->last, i);
			c->last = i;
		}
		if (op_creates_fd(ev) || ev->e.op == IORR_OP_fd_path) {
			int64_t nfd = ev->e.op == IORR_OP_fd_path ?
				      (int64_t)fv[0] : ev->e.result;

			f = fd_get(&fds, ev->proc, nfd, true);
			if (!f)
				goto oom;
			edge(rp, e, f->closer, i);
			for (size_t k = 0; k < f->nuses; k++)
				edge(rp, e, f->uses[k], i);
			f->nuses = 0;
			f->creator = i;
			free(f->file);
			f->file = NULL;
			int pf = iorr_op_field_index(ev->e.op, "path");

			if (pf >= 0) {
				f->file = path_key(rp, fv[pf]);
			} else {
				struct fdkey *src = fd_get(&fds, ev->proc,
							   (int64_t)fv[0],
							   false);

				if (src && src->file)
					f->file = strdup(src->file);
			}
		}
	}
	free(first);
	free(last);
	HASH_ITER(hh, chains, c, ctmp) {
		HASH_DEL(chains, c);
		free(c->key);
		free(c);
	}
	HASH_ITER(hh, fds, f, ftmp) {
		HASH_DEL(fds, f);
		free(f->uses);
		free(f->file);
		free(f);
	}
	return e->err;
oom:
	e->err = -ENOMEM;
	free(first);
	free(last);
	HASH_ITER(hh, chains, c, ctmp) {
		HASH_DEL(chains, c);
		free(c->key);
		free(c);
	}
	HASH_ITER(hh, fds, f, ftmp) {
		HASH_DEL(fds, f);
		free(f->uses);
		free(f->file);
		free(f);
	}
	return -ENOMEM;
}

/* CSR arrays of predecessors and successors from an edge list. */
static int to_csr(struct replay *rp, const struct edges *e)
{
	size_t n = rp->nev;

	rp->pred_off = calloc(n + 1, sizeof(uint32_t));
	rp->succ_off = calloc(n + 1, sizeof(uint32_t));
	rp->pred = malloc((e->n ? e->n : 1) * sizeof(uint32_t));
	rp->succ = malloc((e->n ? e->n : 1) * sizeof(uint32_t));
	rp->done = calloc(n ? n : 1, 1);
	if (!rp->pred_off || !rp->succ_off || !rp->pred || !rp->succ ||
	    !rp->done)
		return -ENOMEM;
	for (size_t k = 0; k < e->n; k++) {
		rp->pred_off[e->to[k] + 1]++;
		rp->succ_off[e->from[k] + 1]++;
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
	for (size_t k = 0; k < e->n; k++) {
		rp->pred[rp->pred_off[e->to[k]] + pp[e->to[k]]++] = e->from[k];
		rp->succ[rp->succ_off[e->from[k]] + sp[e->from[k]]++] = e->to[k];
	}
	free(pp);
	free(sp);
	return 0;
}

int rp_sched_init(struct replay *rp, char *msg, size_t len)
{
	struct edges e = { 0 };
	int k;

	atomic_store(&rp->turn, 0);
	if (rp->o.order == IORR_ORDER_RECORDED)
		return 0;
	k = build_edges(rp, &e);
	if (!k)
		k = to_csr(rp, &e);
	free(e.from);
	free(e.to);
	if (k < 0)
		snprintf(msg, len, "out of memory building the schedule");
	return k;
}

void rp_sched_free(struct replay *rp)
{
	free(rp->pred);
	free(rp->pred_off);
	free(rp->succ);
	free(rp->succ_off);
	free((void *)rp->done);
}
