/* SPDX-License-Identifier: MIT */
/*
 * Load a whole trace into memory for replay: events (with copies of their
 * vectors, which the reader only lends until its next call), processes and
 * the links between async submissions, completions and the calls that
 * reaped them.  The reader stays open for path, thread and blob lookups.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "replay/replay_int.h"

/*
 * Field index by name, through a small per-thread cache keyed by (op, name
 * pointer): the executors look up a handful of fields by literal name for
 * every op, and each uncached lookup compares the name with each of the
 * op's fields.  A hit is checked with one strcmp, so a name at a reused
 * address cannot return a stale index; misses (-1) are not cached.
 */
#define FCACHE 64

static int field_index(unsigned op, const char *name)
{
	static __thread struct {
		const char *name;
		unsigned op;
		int idx;
	} c[FCACHE];
	size_t h = (((uintptr_t)name >> 3) ^ op * 0x9e37u) % FCACHE;
	int k;

	if (c[h].name == name && c[h].op == op &&
	    !strcmp(iorr_op_get(op)->fields[c[h].idx].name, name))
		return c[h].idx;
	k = iorr_op_field_index(op, name);
	if (k >= 0) {
		c[h].name = name;
		c[h].op = op;
		c[h].idx = k;
	}
	return k;
}

int rp_field(const struct rp_ev *ev, const char *name, uint64_t *v)
{
	int k = field_index(ev->e.op, name);

	if (k < 0)
		return -ENOENT;
	*v = ev->e.f[k];
	return 0;
}

uint64_t rp_fu(const struct rp_ev *ev, const char *name)
{
	uint64_t v = 0;

	rp_field(ev, name, &v);
	return v;
}

int64_t rp_fsigned(const struct rp_ev *ev, const char *name)
{
	return (int64_t)rp_fu(ev, name);
}

uint32_t rp_find_seq(const struct replay *rp, uint64_t seq)
{
	uint32_t lo = 0, hi = rp->nev;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rp->ev[mid].e.seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rp->nev && rp->ev[lo].e.seq == seq ? lo : RP_NONE;
}

static uint32_t proc_index(struct replay *rp, int32_t pid);

mode_t rp_umask_at(const struct replay *rp, uint32_t i)
{
	const struct rp_proc *p = &rp->procs[rp->ev[i].proc];
	uint32_t lo = 0, hi = p->numasks;

	/* the last change before event i */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (p->umasks[mid].ev < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? p->umasks[lo - 1].mask : p->umask0;
}

static int umask_push(struct rp_proc *p, uint32_t ev, mode_t mask)
{
	struct rp_umask *u;

	if (p->numasks && p->umasks[p->numasks - 1].mask == mask)
		return 0;
	u = realloc(p->umasks, (p->numasks + 1) * sizeof(*u));
	if (!u)
		return -ENOMEM;
	p->umasks = u;
	u[p->numasks++] = (struct rp_umask){ ev, mask };
	return 0;
}

/*
 * Each process's umask over the recorded order: the metadata's for the
 * processes the recording started with, the parent's at the fork for a
 * child, then its own umask() calls.  A umask() call of one thread
 * applies to the creating calls its process made after it in the
 * recording, whatever order the replay runs them in.
 */
static int umask_history(struct replay *rp)
{
	bool chown_seen = false;

	for (uint32_t p = 0; p < rp->nprocs; p++)
		rp->procs[p].umask0 = rp->umask;
	for (uint32_t i = 0; i < rp->nev; i++) {
		const struct iorr_event *e = &rp->ev[i].e;
		struct rp_proc *p = &rp->procs[rp->ev[i].proc];

		switch (e->op) {
		case IORR_OP_umask:
			if (e->result >= 0 &&
			    umask_push(p, i, (mode_t)e->f[0] & 0777) < 0)
				return -ENOMEM;
			break;
		case IORR_OP_fork: {
			uint32_t c = proc_index(rp, (int32_t)e->f[0]);

			if (c != RP_NONE && &rp->procs[c] != p &&
			    umask_push(&rp->procs[c], i,
				       rp_umask_at(rp, i)) < 0)
				return -ENOMEM;
			break;
		}
		case IORR_OP_chown:
		case IORR_OP_lchown:
		case IORR_OP_fchownat:
		case IORR_OP_fchown:
			chown_seen = true;
			break;
		default:
			break;
		}
	}
	if (chown_seen && geteuid() != 0)
		rp_limit(rp, "chown: not running as root: the recorded "
			 "owner changes are not made (results as recorded)");
	return 0;
}

/* The recorded cwd and umask from the metadata, when the recorder gave them. */
static void parse_metadata(struct replay *rp)
{
	json_error_t je;
	json_t *m = json_loads(iorr_reader_metadata(rp->r), 0, &je);
	const char *cwd = NULL;

	rp->umask = 022;
	if (m && json_is_object(m)) {
		json_t *c = json_object_get(m, "cwd");
		json_t *u = json_object_get(m, "umask");

		if (json_is_string(c) && json_string_value(c)[0] == '/')
			cwd = json_string_value(c);
		if (json_is_integer(u))
			rp->umask = (mode_t)json_integer_value(u) & 0777;
		else if (json_is_string(u))
			rp->umask = (mode_t)strtoul(json_string_value(u),
						    NULL, 8) & 0777;
	}
	rp->trace_cwd = strdup(cwd ? cwd : "/");
	json_decref(m);
}

static uint32_t proc_index(struct replay *rp, int32_t pid)
{
	for (uint32_t i = 0; i < rp->nprocs; i++)
		if (rp->procs[i].pid == pid)
			return i;
	return RP_NONE;
}

/* Request id -> SUBMIT record, for linking completions. */
struct reqmap {
	UT_hash_handle hh;
	uint64_t key;		/* (op family << 63) ^ id */
	uint32_t submit;
};

static bool is_reaping_completion(unsigned op)
{
	return op == IORR_OP_aio_complete || op == IORR_OP_uring_cqe;
}

static int link_async(struct replay *rp, char *msg, size_t len)
{
	struct reqmap *map = NULL, *x, *tmp;
	/* Last aio_submit/uring_submit call seen per thread, for SUBMITs. */
	int ret = 0;

	for (uint32_t i = 0; i < rp->nev; i++) {
		struct rp_ev *ev = &rp->ev[i];
		const struct iorr_op_desc *d = iorr_op_get(ev->e.op);
		uint64_t req;

		ev->submit = ev->submit_call = ev->reap = RP_NONE;
		ev->first_reaped = ev->next_reaped = RP_NONE;
		ev->complete = RP_NONE;
		if (d->kind == IORR_KIND_SUBMIT && rp_field(ev, "req", &req) == 0) {
			uint64_t key = req ^ ((uint64_t)(ev->e.op >=
					      IORR_OP_uring_setup) << 63);

			HASH_FIND(hh, map, &key, sizeof(key), x);
			if (!x) {
				x = calloc(1, sizeof(*x));
				if (!x) {
					ret = -ENOMEM;
					goto out;
				}
				x->key = key;
				HASH_ADD(hh, map, key, sizeof(key), x);
			}
			x->submit = i;
		}
	}
	/* The submit call of a SUBMIT: aio_submit follows its iocbs' records
	 * or precedes them; uring_submit follows its SQEs (ops.def). */
	for (uint32_t i = 0; i < rp->nev; i++) {
		struct rp_ev *ev = &rp->ev[i];

		if (iorr_op_get(ev->e.op)->kind != IORR_KIND_SUBMIT)
			continue;
		unsigned want = ev->e.op >= IORR_OP_uring_setup ?
				IORR_OP_uring_submit : IORR_OP_aio_submit;
		uint64_t obj = ev->e.f[0];

		if (want == IORR_OP_aio_submit) {
			/* the nearest earlier aio_submit of this thread/ctx */
			for (uint32_t j = i; j-- > 0;) {
				struct rp_ev *c = &rp->ev[j];

				if (c->e.thread != ev->e.thread)
					continue;
				if (c->e.op == want && c->e.f[0] == obj) {
					ev->submit_call = j;
					break;
				}
				if (iorr_op_get(c->e.op)->kind !=
				    IORR_KIND_SUBMIT)
					break;
			}
		} else {
			for (uint32_t j = i + 1; j < rp->nev; j++) {
				struct rp_ev *c = &rp->ev[j];

				if (c->e.thread != ev->e.thread)
					continue;
				if (c->e.op == want && c->e.f[0] == obj) {
					ev->submit_call = j;
					break;
				}
				if (iorr_op_get(c->e.op)->kind !=
				    IORR_KIND_SUBMIT)
					break;
			}
		}
		if (ev->submit_call == RP_NONE) {
			snprintf(msg, len, "event %" PRIu64 " (%s): no %s call "
				 "handed this request to the kernel",
				 ev->e.seq, iorr_op_get(ev->e.op)->name,
				 iorr_op_get(want)->name);
			ret = -EBADMSG;
			goto out;
		}
	}
	uint32_t *last = calloc(rp->nev ? rp->nev : 1, sizeof(*last));

	if (!last) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < rp->nev; i++) {
		struct rp_ev *ev = &rp->ev[i];

		if (!is_reaping_completion(ev->e.op))
			continue;
		uint64_t req = rp_fu(ev, "req");
		uint64_t key = req ^ ((uint64_t)(ev->e.op >=
				      IORR_OP_uring_setup) << 63);

		HASH_FIND(hh, map, &key, sizeof(key), x);
		if (!x || x->submit > i) {
			snprintf(msg, len, "event %" PRIu64 " (%s): request #%"
				 PRIu64 " was never submitted before it",
				 ev->e.seq, iorr_op_get(ev->e.op)->name, req);
			ret = -EBADMSG;
			free(last);
			goto out;
		}
		ev->submit = x->submit;
		rp->ev[x->submit].complete = i;
		ev->submit_call = rp->ev[x->submit].submit_call;
		uint32_t r = rp_find_seq(rp, rp_fu(ev, "reap"));

		if (r != RP_NONE && r != i) {
			ev->reap = r;
			if (rp->ev[r].first_reaped == RP_NONE)
				rp->ev[r].first_reaped = i;
			else
				rp->ev[last[r]].next_reaped = i;
			last[r] = i;
		}
	}
	free(last);
out:
	HASH_ITER(hh, map, x, tmp) {
		HASH_DEL(map, x);
		free(x);
	}
	return ret;
}

int rp_load(struct replay *rp, char *msg, size_t len)
{
	struct iorr_error e;
	struct iorr_event ev;
	size_t cap = 0, vcap = 0;
	int k;

	if (iorr_reader_open(rp->o.trace, NULL, &rp->r, &e) < 0) {
		snprintf(msg, len, "%s: %s%s", rp->o.trace,
			 e.offset ? "corrupt trace: " : "", e.msg);
		return e.code ? e.code : -EINVAL;
	}
	while ((k = iorr_reader_next(rp->r, &ev, &e)) > 0) {
		if (rp->nev >= RP_NONE - 1) {
			snprintf(msg, len, "%s: too many events", rp->o.trace);
			return -EFBIG;
		}
		if (rp->nev == cap) {
			size_t c = cap ? cap * 2 : 1024;
			void *p = realloc(rp->ev, c * sizeof(*rp->ev));

			if (!p)
				goto oom;
			rp->ev = p;
			cap = c;
		}
		struct rp_ev *x = &rp->ev[rp->nev++];

		memset(x, 0, sizeof(*x));
		x->e = ev;
		x->e.vec = NULL;
		if (ev.nvec) {
			if (rp->nvecs + ev.nvec > vcap) {
				size_t c = vcap ? vcap * 2 : 1024;

				while (c < rp->nvecs + ev.nvec)
					c *= 2;
				void *p = realloc(rp->vecs, c * sizeof(uint64_t));

				if (!p)
					goto oom;
				rp->vecs = p;
				vcap = c;
			}
			memcpy(rp->vecs + rp->nvecs, ev.vec,
			       ev.nvec * sizeof(uint64_t));
			/* an offset now; made a pointer once vecs stops moving */
			x->e.vec = (const uint64_t *)(uintptr_t)rp->nvecs;
			rp->nvecs += ev.nvec;
		}
	}
	if (k < 0) {
		snprintf(msg, len, "%s: corrupt trace at byte %" PRIu64 ": %s",
			 rp->o.trace, e.offset, e.msg);
		return k;
	}
	for (uint32_t i = 0; i < rp->nev; i++)
		if (rp->ev[i].e.nvec)
			rp->ev[i].e.vec = rp->vecs + (uintptr_t)rp->ev[i].e.vec;

	struct iorr_reader_status st;

	iorr_reader_status(rp->r, &st);
	if (!st.complete)
		rp_limit(rp, "the trace was cut off at byte %" PRIu64
			 ": no final state after that point",
			 st.truncated_at);
	parse_metadata(rp);
	for (uint32_t b = 0; b < iorr_reader_nblobs(rp->r); b++)
		if (iorr_reader_blob(rp->r, b)->flags & IORR_BLOB_HASH_ONLY)
			rp->hash_only = true;

	/* Processes: one per distinct pid of the thread table. */
	rp->nthreads = iorr_reader_nthreads(rp->r);
	rp->thread_proc = calloc(rp->nthreads ? rp->nthreads : 1,
				 sizeof(*rp->thread_proc));
	rp->procs = calloc(rp->nthreads ? rp->nthreads : 1,
			   sizeof(*rp->procs));
	if (!rp->thread_proc || !rp->procs)
		goto oom;
	for (uint32_t t = 0; t < rp->nthreads; t++) {
		const struct iorr_thread *th = iorr_reader_thread(rp->r, t);
		uint32_t p = proc_index(rp, th->pid);

		if (p == RP_NONE) {
			p = rp->nprocs++;
			rp->procs[p].pid = th->pid;
			pthread_mutex_init(&rp->procs[p].lock, NULL);
		}
		rp->thread_proc[t] = p;
	}
	for (uint32_t i = 0; i < rp->nev; i++)
		rp->ev[i].proc = rp->thread_proc[rp->ev[i].e.thread];
	if (umask_history(rp) < 0)
		goto oom;
	rp->rep.events = rp->nev;
	return link_async(rp, msg, len);
oom:
	snprintf(msg, len, "%s: out of memory loading the trace", rp->o.trace);
	return -ENOMEM;
}
