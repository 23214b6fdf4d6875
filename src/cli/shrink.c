/* SPDX-License-Identifier: MIT */
/*
 * iorr shrink: delta debugging of a diverging trace (iorr-shrink(1)).
 *
 * The target is the first divergence of the first diverging seed of
 * S, S+1, ... S+K-1: its kind, class, file, observed op and writer op
 * (original seqs: the candidates keep the original seqs, with gaps).
 * Candidates are subsets of the trace's events closed under the
 * dependencies that keep a trace well formed (what created each fd an op
 * uses, the lifecycle of kept threads and processes, an async submission
 * with its submit call, completion and reap, the aio/uring setup of a
 * context, a mapping's mmap, the lock and unlock around a kept op).
 * Events that must stay together (a submit call and its requests, a reap
 * and its completions, a lock and its unlock) form one unit.
 *
 * Passes: the target's ops alone (with the conflicting pair), whole
 * threads, whole files, then classic ddmin over the units with
 * granularity doubling.  Each candidate is written with the rewriter,
 * its checks are recomputed by the content model in recorded order
 * (iorr_replay_recheck: read results and hashes, final states), and it is
 * replayed in a forked child with seeds S .. S+K-1 until the target
 * reproduces.  Children keep the parent free of replay state (and of
 * what an LD_PRELOADed fault injector did in an earlier run).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "iorr/replay.h"
#include "iorr/rewrite.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iorr shrink [OPTIONS] -o MIN TRACE\n"
		"\n"
		"Reduce a diverging TRACE to a small trace MIN that still\n"
		"diverges the same way (same kind, class, file, observed op\n"
		"and writer op) under the given replay options.\n"
		"\n"
		"  -o, --output MIN        the shrunk trace (required)\n"
		"  --seed S                first seed (default 0)\n"
		"  --tries K               seeds S..S+K-1 tried per candidate\n"
		"                          (default 8; 1 for recorded order)\n"
		"  --time DURATION         stop shrinking after DURATION\n"
		"                          (30s, 5m), keeping the best so far\n"
		"  --order recorded|free|random|pct:D   (default recorded)\n"
		"  --jitter uniform:A-B|exp:MEAN   --flip-conflicts\n"
		"  --perturb dropcache:P[:global]|fsync:P|reap-delay:D|short:P\n"
		"  --scratch FS[:MKFS_OPTS]  --allow-missing-initial\n"
		"                          as in iorr replay\n"
		"  -h, --help              this text\n"
		"\n"
		"Exit status: 0 shrunk, 1 TRACE does not diverge under these\n"
		"options, 2 usage, input or environment error.\n");
}

/* ---- the trace in memory -------------------------------------------- */

struct sev {
	uint64_t seq;
	int64_t result;
	uint32_t err, thread;
	int32_t pid;
	uint16_t op;
	uint64_t f[IORR_MAX_FIELDS];
};

struct vec32 {
	uint32_t *v;
	size_t n, cap;
};

static int vpush(struct vec32 *a, uint32_t x)
{
	if (a->n == a->cap) {
		size_t c = a->cap ? a->cap * 2 : 4;
		uint32_t *n = realloc(a->v, c * sizeof(*n));

		if (!n)
			return -ENOMEM;
		a->v = n;
		a->cap = c;
	}
	a->v[a->n++] = x;
	return 0;
}

/* Divergence identity and what a child reports. */
struct verdict {
	int32_t status;		/* 0 not reproduced, 1 reproduced, 2 error */
	int32_t kind, cls;
	uint64_t seed, seq, writer, pair0, pair1, racing, off, len;
	char path[512];
	char msg[512];
};

struct shrink {
	const char *trace, *out;
	struct iorr_replay_opts o;
	unsigned tries;
	uint64_t time_ns, t0;
	struct cli_replay_args ra;	/* to repeat in commands */
	bool tty;

	struct sev *ev;
	uint32_t nev;
	uint32_t *uf;		/* union-find parent */
	struct vec32 *req;	/* per event: events it requires */
	struct vec32 *members;	/* per root: its events */
	uint32_t *file;		/* path id of the file an event touches, or
				 * UINT32_MAX */
	uint32_t nthreads;

	struct verdict target;
	uint8_t *forced;	/* target ops */
	uint8_t *keep;		/* current best */
	uint32_t nkeep;
	uint64_t best_seed;
	char *dir;		/* temp dir */
	char *best;		/* best candidate path */
	unsigned ntests, pass;
	uint64_t *seen;		/* hashes of tested keep sets */
	size_t nseen, seencap;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t find(uint32_t *uf, uint32_t x)
{
	while (uf[x] != x) {
		uf[x] = uf[uf[x]];
		x = uf[x];
	}
	return x;
}

static void unite(uint32_t *uf, uint32_t a, uint32_t b)
{
	a = find(uf, a);
	b = find(uf, b);
	if (a != b)
		uf[a > b ? a : b] = a < b ? a : b;
}

static uint32_t by_seq(const struct shrink *s, uint64_t seq)
{
	uint32_t lo = 0, hi = s->nev;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->ev[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nev && s->ev[lo].seq == seq ? lo : UINT32_MAX;
}

static int fidx(const struct sev *e, const char *name)
{
	return iorr_op_field_index(e->op, name);
}

static uint64_t fval(const struct sev *e, const char *name, uint64_t dflt)
{
	int k = fidx(e, name);

	return k < 0 ? dflt : e->f[k];
}

static int load(struct shrink *s)
{
	struct iorr_reader *r = cli_open_trace(s->trace);
	struct iorr_error err;
	struct iorr_event ev;
	size_t cap = 0;
	int k;

	if (!r)
		return -1;
	while ((k = iorr_reader_next(r, &ev, &err)) > 0) {
		if (s->nev == cap) {
			cap = cap ? cap * 2 : 1024;
			struct sev *n = realloc(s->ev, cap * sizeof(*n));

			if (!n) {
				k = -ENOMEM;
				break;
			}
			s->ev = n;
		}
		struct sev *e = &s->ev[s->nev++];
		const struct iorr_thread *t = iorr_reader_thread(r, ev.thread);

		e->seq = ev.seq;
		e->result = ev.result;
		e->err = ev.err;
		e->thread = ev.thread;
		e->pid = t ? t->pid : 0;
		e->op = ev.op;
		memcpy(e->f, ev.f, sizeof(e->f));
	}
	if (k < 0) {
		cli_trace_error(s->trace, &err);
		iorr_reader_close(r);
		return -1;
	}
	s->nthreads = iorr_reader_nthreads(r);
	iorr_reader_close(r);
	return 0;
}

/* ---- dependencies ------------------------------------------------------ */

struct fdtab {
	int32_t pid;
	uint32_t *cr;		/* fd -> creating event + 1 */
	size_t n;
};

static uint32_t *fd_slot(struct fdtab **t, size_t *nt, int32_t pid,
			 int64_t fd)
{
	struct fdtab *p = NULL;

	if (fd < 0 || fd > (1 << 20))
		return NULL;
	for (size_t i = 0; i < *nt; i++)
		if ((*t)[i].pid == pid)
			p = &(*t)[i];
	if (!p) {
		struct fdtab *n = realloc(*t, (*nt + 1) * sizeof(*n));

		if (!n)
			return NULL;
		*t = n;
		p = &n[(*nt)++];
		memset(p, 0, sizeof(*p));
		p->pid = pid;
	}
	if ((size_t)fd >= p->n) {
		size_t nn = (size_t)fd + 64;
		uint32_t *c = realloc(p->cr, nn * sizeof(*c));

		if (!c)
			return NULL;
		memset(c + p->n, 0, (nn - p->n) * sizeof(*c));
		p->cr = c;
		p->n = nn;
	}
	return &p->cr[fd];
}

/* An (object id, event) map, linear but only over live objects. */
struct idmap {
	uint64_t *id;
	uint32_t *ev;
	size_t n, cap;
};

static uint32_t id_get(const struct idmap *m, uint64_t id)
{
	for (size_t i = m->n; i-- > 0;)
		if (m->id[i] == id)
			return m->ev[i];
	return UINT32_MAX;
}

static int id_put(struct idmap *m, uint64_t id, uint32_t ev)
{
	if (m->n == m->cap) {
		size_t c = m->cap ? m->cap * 2 : 16;
		uint64_t *a = realloc(m->id, c * sizeof(*a));
		uint32_t *b = a ? realloc(m->ev, c * sizeof(*b)) : NULL;

		if (a)
			m->id = a;
		if (!b)
			return -ENOMEM;
		m->ev = b;
		m->cap = c;
	}
	m->id[m->n] = id;
	m->ev[m->n++] = ev;
	return 0;
}

static bool creates_fd(const struct sev *e)
{
	switch (e->op) {
	case IORR_OP_open: case IORR_OP_openat: case IORR_OP_openat2:
	case IORR_OP_creat: case IORR_OP_fopen: case IORR_OP_fdopen:
	case IORR_OP_dup: case IORR_OP_dup2: case IORR_OP_dup3:
		return e->result >= 0;
	case IORR_OP_fcntl:
		return e->result >= 0 && (e->f[1] == F_DUPFD ||
					  e->f[1] == F_DUPFD_CLOEXEC);
	default:
		return false;
	}
}

static int analyze(struct shrink *s)
{
	uint32_t n = s->nev;
	struct fdtab *fdt = NULL;
	size_t nfdt = 0;
	struct idmap ctx = { 0 }, reqs = { 0 }, maps = { 0 };
	/* per thread: last aio_submit call, pending uring SQEs, held locks */
	uint32_t *last_aio = malloc((s->nthreads + 1) * sizeof(uint32_t));
	struct vec32 *sqes = calloc(s->nthreads + 1, sizeof(*sqes));
	struct vec32 *held = calloc(s->nthreads + 1, sizeof(*held));
	uint32_t *tstart = malloc((s->nthreads + 1) * sizeof(uint32_t));
	struct vec32 *tlife = calloc(s->nthreads + 1, sizeof(*tlife));
	int ret = 0;

	s->uf = malloc((n + 1) * sizeof(*s->uf));
	s->req = calloc(n + 1, sizeof(*s->req));
	s->members = calloc(n + 1, sizeof(*s->members));
	s->file = malloc((n + 1) * sizeof(*s->file));
	if (!last_aio || !sqes || !held || !tstart || !tlife || !s->uf ||
	    !s->req || !s->members || !s->file) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t t = 0; t < s->nthreads; t++)
		last_aio[t] = UINT32_MAX;
	for (uint32_t i = 0; i < n; i++) {
		s->uf[i] = i;
		s->file[i] = UINT32_MAX;
	}
	/* lifecycle events per thread and per process */
	for (uint32_t i = 0; i < n; i++) {
		struct sev *e = &s->ev[i];
		uint32_t t = UINT32_MAX;

		switch (e->op) {
		case IORR_OP_thread_start:
		case IORR_OP_thread_exit:
		case IORR_OP_proc_start:
		case IORR_OP_proc_exit:
			t = e->thread;
			break;
		case IORR_OP_thread_create:
		case IORR_OP_thread_join:
			t = (uint32_t)e->f[0];
			break;
		case IORR_OP_fork:
		case IORR_OP_wait:
			/* the child process's threads */
			for (uint32_t j = 0; j < n; j++)
				if (s->ev[j].pid == (int32_t)e->f[0] &&
				    s->ev[j].pid != e->pid) {
					t = s->ev[j].thread;
					break;
				}
			break;
		default:
			break;
		}
		if (t < s->nthreads && vpush(&tlife[t], i) < 0) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (uint32_t i = 0; i < n && !ret; i++) {
		struct sev *e = &s->ev[i];
		const struct iorr_op_desc *d = iorr_op_get(e->op);
		uint32_t t = e->thread < s->nthreads ? e->thread : 0;

		/* the thread's lifecycle (and its process's, via the thread
		 * that starts it: proc_start is in the process's first thread) */
		for (size_t k = 0; k < tlife[t].n; k++)
			if (tlife[t].v[k] != i)
				ret |= vpush(&s->req[i], tlife[t].v[k]);
		for (uint32_t u = 0; u < s->nthreads; u++)
			if (u != t && s->ev[i].pid != 0)
				for (size_t k = 0; k < tlife[u].n; k++) {
					struct sev *l = &s->ev[tlife[u].v[k]];

					if (l->op == IORR_OP_proc_start &&
					    l->pid == e->pid)
						ret |= vpush(&s->req[i],
							     tlife[u].v[k]);
				}
		/* critical sections around the op */
		for (size_t k = 0; k < held[t].n; k++)
			ret |= vpush(&s->req[i], held[t].v[k]);
		/* fds it uses */
		for (unsigned f = 0; d && f < d->nfields; f++) {
			if (d->fields[f].type != IORR_FT_FD)
				continue;
			if (creates_fd(e) && e->op >= IORR_OP_dup2 &&
			    e->op <= IORR_OP_dup3 && f == 1)
				continue;	/* dup2's newfd */
			uint32_t *c = fd_slot(&fdt, &nfdt, e->pid,
					      (int64_t)e->f[f]);

			if (c && *c) {
				ret |= vpush(&s->req[i], *c - 1);
				if (s->file[i] == UINT32_MAX)
					s->file[i] = s->file[*c - 1];
			}
		}
		for (unsigned f = 0; d && f < d->nfields; f++)
			if (d->fields[f].type == IORR_FT_PATH &&
			    s->file[i] == UINT32_MAX &&
			    e->op != IORR_OP_proc_start &&
			    e->op != IORR_OP_exec)
				s->file[i] = (uint32_t)e->f[f];
		/* ring / context setup */
		uint64_t cid = fval(e, "ctx", fval(e, "ring", 0));

		if (cid && (e->op == IORR_OP_aio_setup ||
			    e->op == IORR_OP_uring_setup)) {
			ret |= id_put(&ctx, cid, i);
		} else if (cid) {
			uint32_t c = id_get(&ctx, cid);

			if (c != UINT32_MAX)
				ret |= vpush(&s->req[i], c);
		}
		/* mappings */
		if (e->op == IORR_OP_mmap) {
			ret |= id_put(&maps, e->f[0], i);
		} else if (e->op == IORR_OP_msync || e->op == IORR_OP_munmap ||
			   e->op == IORR_OP_mmap_write) {
			uint32_t c = id_get(&maps, e->f[0]);

			if (c != UINT32_MAX) {
				ret |= vpush(&s->req[i], c);
				s->file[i] = s->file[c];
			}
		}
		/* async: submit call + requests + completion + reap */
		if (e->op == IORR_OP_aio_submit)
			last_aio[t] = i;
		if (d && d->kind == IORR_KIND_SUBMIT) {
			uint64_t rq = fval(e, "req", 0);

			ret |= id_put(&reqs, rq, i);
			if (iorr_op_get(e->op)->name[0] == 'a') {
				if (last_aio[t] != UINT32_MAX)
					unite(s->uf, i, last_aio[t]);
			} else {
				ret |= vpush(&sqes[t], i);
			}
		}
		if (e->op == IORR_OP_uring_submit) {
			for (size_t k = 0; k < sqes[t].n; k++)
				unite(s->uf, i, sqes[t].v[k]);
			sqes[t].n = 0;
		}
		if ((d && d->kind == IORR_KIND_COMPLETE) ||
		    e->op == IORR_OP_aio_cancel) {
			uint32_t sb = id_get(&reqs, fval(e, "req", 0));
			uint64_t reap = fval(e, "reap", 0);
			uint32_t rr = reap ? by_seq(s, reap) : UINT32_MAX;

			if (sb != UINT32_MAX) {
				unite(s->uf, i, sb);
				s->file[i] = s->file[sb];
			}
			if (rr != UINT32_MAX)
				unite(s->uf, i, rr);
			if (e->op == IORR_OP_uring_cqe && sb != UINT32_MAX &&
			    s->ev[sb].op == IORR_OP_uring_openat &&
			    e->result >= 0) {
				uint32_t *c = fd_slot(&fdt, &nfdt, e->pid,
						      e->result);

				if (c)
					*c = i + 1;
			}
		}
		/* locks: the unlock goes with its lock; ops inside need both */
		bool lock = e->op == IORR_OP_mutex_lock ||
			    e->op == IORR_OP_rwlock_rdlock ||
			    e->op == IORR_OP_rwlock_wrlock ||
			    (e->op == IORR_OP_mutex_trylock && e->result == 0) ||
			    (e->op == IORR_OP_flock && !(e->f[1] & 8) &&
			     e->result == 0);
		bool unlock = e->op == IORR_OP_mutex_unlock ||
			      e->op == IORR_OP_rwlock_unlock ||
			      (e->op == IORR_OP_flock && (e->f[1] & 8));

		if (lock) {
			ret |= vpush(&held[t], i);
		} else if (unlock) {
			for (size_t k = held[t].n; k-- > 0;) {
				struct sev *l = &s->ev[held[t].v[k]];

				if (l->f[0] != e->f[0] ||
				    (l->op == IORR_OP_flock) !=
				    (e->op == IORR_OP_flock))
					continue;
				unite(s->uf, i, held[t].v[k]);
				memmove(&held[t].v[k], &held[t].v[k + 1],
					(held[t].n - k - 1) *
					sizeof(uint32_t));
				held[t].n--;
				break;
			}
		}
		/* what the op leaves in the fd table */
		if (creates_fd(e)) {
			uint32_t *c = fd_slot(&fdt, &nfdt, e->pid, e->result);

			if (c)
				*c = i + 1;
		} else if (e->op == IORR_OP_fd_path) {
			uint32_t *c = fd_slot(&fdt, &nfdt, e->pid,
					      (int64_t)e->f[0]);

			if (c)
				*c = i + 1;
			s->file[i] = (uint32_t)e->f[1];
		}
		if (e->op == IORR_OP_fork) {
			/* the child starts with a copy of the parent's fds */
			struct fdtab *p = NULL;

			for (size_t k = 0; k < nfdt; k++)
				if (fdt[k].pid == e->pid)
					p = &fdt[k];
			for (size_t fd = 0; p && fd < p->n; fd++) {
				if (!p->cr[fd])
					continue;
				uint32_t v = p->cr[fd];
				uint32_t *c = fd_slot(&fdt, &nfdt,
						      (int32_t)e->f[0],
						      (int64_t)fd);

				for (size_t k = 0; k < nfdt; k++)
					if (fdt[k].pid == e->pid)
						p = &fdt[k];
				if (c)
					*c = v;
			}
		}
	}
	if (ret) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		if (vpush(&s->members[find(s->uf, i)], i) < 0) {
			ret = -ENOMEM;
			goto out;
		}
out:
	for (size_t k = 0; k < nfdt; k++)
		free(fdt[k].cr);
	free(fdt);
	for (uint32_t t = 0; t < s->nthreads + 1 && sqes && held && tlife;
	     t++) {
		free(sqes[t].v);
		free(held[t].v);
		free(tlife[t].v);
	}
	free(sqes);
	free(held);
	free(tlife);
	free(tstart);
	free(last_aio);
	free(ctx.id);
	free(ctx.ev);
	free(reqs.id);
	free(reqs.ev);
	free(maps.id);
	free(maps.ev);
	return ret;
}

/* Close @k (0/1 per event) under the groups and the requirements. */
static uint32_t closure(struct shrink *s, uint8_t *k)
{
	uint32_t *work = malloc((s->nev + 1) * sizeof(*work));
	uint8_t *in = calloc(s->nev + 1, 1);
	size_t nw = 0;
	uint32_t cnt = 0;

	if (!work || !in) {
		free(work);
		free(in);
		return UINT32_MAX;
	}
	for (uint32_t i = 0; i < s->nev; i++)
		if (k[i] || s->forced[i])
			work[nw++] = i;
	while (nw) {
		uint32_t i = work[--nw];

		if (in[i])
			continue;
		in[i] = 1;
		cnt++;
		struct vec32 *g = &s->members[find(s->uf, i)];

		for (size_t m = 0; m < g->n; m++)
			if (!in[g->v[m]]) {
				/* grow the stack only as needed */
				uint32_t *nwk = work;

				if (nw >= s->nev) {
					nwk = realloc(work, (nw + s->nev + 1) *
						      sizeof(*work));
					if (!nwk)
						break;
					work = nwk;
				}
				work[nw++] = g->v[m];
			}
		for (size_t r = 0; r < s->req[i].n; r++)
			if (!in[s->req[i].v[r]]) {
				if (nw >= s->nev) {
					uint32_t *nwk = realloc(work,
						(nw + s->nev + 1) *
						sizeof(*work));

					if (!nwk)
						break;
					work = nwk;
				}
				work[nw++] = s->req[i].v[r];
			}
	}
	memcpy(k, in, s->nev);
	free(work);
	free(in);
	return cnt;
}

/* ---- trying a candidate ------------------------------------------------ */

static bool same_target(const struct verdict *t, const struct iorr_divergence
			*d)
{
	return (int)d->kind == t->kind && (int)d->cls == t->cls &&
	       d->seq == t->seq && d->writer_seq == t->writer &&
	       !strcmp(d->path ? d->path : "", t->path);
}

/* In a child: replay @trace with the tries; fill @v. */
static void child_run(const struct shrink *s, const char *trace, bool find,
		      struct verdict *v)
{
	struct iorr_replay_opts o = s->o;
	struct iorr_replay *rp = NULL;
	char msg[512];
	unsigned tries = s->tries;

	o.trace = trace;
	o.quiet_limits = true;
	o.progress = NULL;
	if (iorr_replay_prepare(&o, &rp, msg, sizeof(msg)) < 0) {
		v->status = 2;
		snprintf(v->msg, sizeof(v->msg), "%s", msg);
		iorr_replay_free(rp);
		return;
	}
	for (unsigned t = 0; t < tries; t++) {
		const struct iorr_replay_report *rep;
		uint64_t seed = s->o.seed + t;

		if ((t && iorr_replay_reset(rp, seed, msg, sizeof(msg)) < 0) ||
		    iorr_replay_run(rp, &rep, msg, sizeof(msg)) < 0) {
			v->status = 2;
			snprintf(v->msg, sizeof(v->msg), "%s", msg);
			break;
		}
		for (uint64_t k = 0; k < rep->ndiv; k++) {
			const struct iorr_divergence *d = &rep->divs[k];

			if (!find && !same_target(&s->target, d))
				continue;
			v->status = 1;
			v->seed = seed;
			v->kind = d->kind;
			v->cls = d->cls;
			v->seq = d->seq;
			v->writer = d->writer_seq;
			v->pair0 = d->pair[0];
			v->pair1 = d->pair[1];
			v->racing = d->racing_seq;
			v->off = d->off;
			v->len = d->len;
			snprintf(v->path, sizeof(v->path), "%s",
				 d->path ? d->path : "");
			snprintf(v->msg, sizeof(v->msg), "%s", d->what);
			break;
		}
		if (v->status)
			break;
	}
	iorr_replay_free(rp);
}

static int run_child(const struct shrink *s, const char *trace, bool find,
		     struct verdict *v)
{
	int p[2], st;
	ssize_t got = 0;

	memset(v, 0, sizeof(*v));
	fflush(NULL);
	if (pipe(p) < 0)
		return -errno;
	pid_t pid = fork();

	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		struct verdict x = { 0 };

		close(p[0]);
		child_run(s, trace, find, &x);
		if (write(p[1], &x, sizeof(x)) != (ssize_t)sizeof(x))
			_exit(EXIT_ERROR);
		_exit(EXIT_OK);
	}
	close(p[1]);
	while (got < (ssize_t)sizeof(*v)) {
		ssize_t k = read(p[0], (char *)v + got, sizeof(*v) - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += k;
	}
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(*v)) {
		memset(v, 0, sizeof(*v));
		v->status = 2;
		snprintf(v->msg, sizeof(v->msg), "the replaying child %s",
			 WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) :
			 "failed");
	}
	return 0;
}

struct filt {
	const uint8_t *keep;
	uint32_t next;
};

static int filt_event(void *arg, const struct iorr_reader *r,
		      struct iorr_event *ev)
{
	struct filt *f = arg;

	(void)r;
	(void)ev;
	return f->keep[f->next++];
}

/* Write the candidate @k (closed) to @path with recomputed checks. */
static int write_candidate(struct shrink *s, const uint8_t *k,
			   const char *path)
{
	char tmp[4096], msg[1024];
	struct filt f = { k, 0 };
	struct iorr_rewrite rw = { .arg = &f, .event = filt_event };

	snprintf(tmp, sizeof(tmp), "%s/filtered.iorr", s->dir);
	if (iorr_rewrite_trace(s->trace, tmp, &rw, NULL, msg,
			       sizeof(msg)) < 0 ||
	    iorr_replay_recheck(tmp, path, IORR_RECHECK_DROP_FINALS, NULL,
				msg, sizeof(msg)) < 0) {
		cli_error("shrink: writing a candidate: %s", msg);
		return -1;
	}
	return 0;
}

static uint64_t set_hash(const struct shrink *s, const uint8_t *k)
{
	return iorr_hash64(k, s->nev);
}

static bool timed_out(const struct shrink *s)
{
	return s->time_ns && mono_ns() - s->t0 >= s->time_ns;
}

static void progress(struct shrink *s, bool final)
{
	static const char *const names[] = {
		"target ops", "threads", "files", "byte range", "ops (ddmin)",
	};

	if (!s->tty)
		return;
	fprintf(stderr, "\r\033[Kiorr: shrink: %s: %" PRIu32 " of %" PRIu32
		" ops, %u tests, %.1f s", names[s->pass], s->nkeep, s->nev,
		s->ntests, (double)(mono_ns() - s->t0) / 1e9);
	if (final)
		fputc('\n', stderr);
}

/*
 * Try the candidate @k (closed here).  @return 1 and make it the best when
 * the target reproduces, 0 when not (or already tried or no smaller),
 * -1 on error.
 */
static int try_keep(struct shrink *s, uint8_t *k)
{
	char path[4096];
	struct verdict v;
	uint32_t n = closure(s, k);

	if (n == UINT32_MAX)
		return -1;
	if (n >= s->nkeep || timed_out(s))
		return 0;
	uint64_t h = set_hash(s, k);

	for (size_t i = 0; i < s->nseen; i++)
		if (s->seen[i] == h)
			return 0;
	if (s->nseen == s->seencap) {
		size_t c = s->seencap ? s->seencap * 2 : 64;
		uint64_t *nn = realloc(s->seen, c * sizeof(*nn));

		if (!nn)
			return -1;
		s->seen = nn;
		s->seencap = c;
	}
	s->seen[s->nseen++] = h;
	snprintf(path, sizeof(path), "%s/cand.iorr", s->dir);
	if (write_candidate(s, k, path) < 0)
		return -1;
	s->ntests++;
	if (run_child(s, path, false, &v) < 0) {
		cli_error("shrink: fork: %s", strerror(errno));
		return -1;
	}
	progress(s, false);
	if (v.status != 1)
		return 0;	/* errors of a candidate: not reproducing */
	if (rename(path, s->best) < 0) {
		cli_error("shrink: %s: %s", s->best, strerror(errno));
		return -1;
	}
	memcpy(s->keep, k, s->nev);
	s->nkeep = n;
	s->best_seed = v.seed;
	progress(s, false);
	return 1;
}

/* ---- passes ---------------------------------------------------------- */

/* Keep only the target's ops and the conflicting pair. */
static int pass_target(struct shrink *s)
{
	uint8_t *k = calloc(s->nev + 1, 1);
	uint64_t extra[] = { s->target.pair0, s->target.pair1,
			     s->target.racing };
	int r;

	if (!k)
		return -1;
	for (size_t e = 0; e < 3; e++) {
		uint32_t i = extra[e] != UINT64_MAX ? by_seq(s, extra[e]) :
			     UINT32_MAX;

		if (i != UINT32_MAX)
			k[i] = 1;
	}
	r = try_keep(s, k);
	free(k);
	return r < 0 ? -1 : 0;
}

/* Drop whole threads (@by_file false) or files, one at a time. */
static int pass_groups(struct shrink *s, bool by_file)
{
	uint32_t nkeys = by_file ? 0 : s->nthreads;
	uint8_t *k = malloc(s->nev + 1);

	if (!k)
		return -1;
	if (by_file)
		for (uint32_t i = 0; i < s->nev; i++)
			if (s->file[i] != UINT32_MAX && s->file[i] >= nkeys)
				nkeys = s->file[i] + 1;
	for (uint32_t key = 0; key < nkeys && !timed_out(s); key++) {
		bool any = false;

		memcpy(k, s->keep, s->nev);
		for (uint32_t i = 0; i < s->nev; i++) {
			uint32_t x = by_file ? s->file[i] : s->ev[i].thread;

			if (k[i] && x == key && !s->forced[i]) {
				k[i] = 0;
				any = true;
			}
		}
		if (any && try_keep(s, k) < 0) {
			free(k);
			return -1;
		}
	}
	free(k);
	return 0;
}

/* Drop data ops on the target's file that miss its byte range. */
static int pass_range(struct shrink *s)
{
	uint8_t *k = malloc(s->nev + 1);
	uint64_t a = s->target.off, b = s->target.off + s->target.len;
	bool any = false;
	int r = 0;

	if (!k)
		return -1;
	memcpy(k, s->keep, s->nev);
	for (uint32_t i = 0; i < s->nev; i++) {
		const struct sev *e = &s->ev[i];
		const struct iorr_op_desc *d = iorr_op_get(e->op);
		int fo = fidx(e, "off"), fl = fidx(e, "len");

		if (!k[i] || s->forced[i] || !d || fo < 0 || fl < 0 ||
		    (d->cls != IORR_CLASS_READ && d->cls != IORR_CLASS_WRITE) ||
		    (int64_t)e->f[fo] < 0)
			continue;
		if (e->f[fo] + e->f[fl] <= a || e->f[fo] >= b) {
			k[i] = 0;
			any = true;
		}
	}
	if (any && s->target.len)
		r = try_keep(s, k);
	free(k);
	return r < 0 ? -1 : 0;
}

/* Classic ddmin over the units (groups) of the current best. */
static int pass_ddmin(struct shrink *s)
{
	uint32_t *u = malloc((s->nev + 1) * sizeof(*u));
	uint8_t *k = malloc(s->nev + 1);
	size_t nu = 0, gran = 2;
	int ret = 0;

	if (!u || !k) {
		free(u);
		free(k);
		return -1;
	}
	for (;;) {
		nu = 0;
		for (uint32_t i = 0; i < s->nev; i++)
			if (s->keep[i] && !s->forced[i] && find(s->uf, i) == i)
				u[nu++] = i;
		if (nu < 1 || timed_out(s))
			break;
		if (gran > nu)
			gran = nu;
		bool progress_made = false;

		/* a chunk alone, then everything but a chunk */
		for (int phase = 0; phase < 2 && !progress_made; phase++) {
			for (size_t c = 0; c < gran && !progress_made; c++) {
				size_t lo = c * nu / gran,
				       hi = (c + 1) * nu / gran;

				if (phase == 0 && gran == 1)
					continue;
				if (phase == 0) {
					memset(k, 0, s->nev);
					for (size_t x = lo; x < hi; x++)
						for (size_t m = 0; m <
						     s->members[u[x]].n; m++)
							k[s->members[u[x]].v[m]] = 1;
				} else {
					memcpy(k, s->keep, s->nev);
					for (size_t x = lo; x < hi; x++)
						for (size_t m = 0; m <
						     s->members[u[x]].n; m++)
							k[s->members[u[x]].v[m]] = 0;
				}
				int r = try_keep(s, k);

				if (r < 0) {
					ret = -1;
					goto out;
				}
				if (r > 0) {
					progress_made = true;
					gran = phase == 0 ? 2 :
					       (gran > 2 ? gran - 1 : 2);
				}
			}
		}
		if (progress_made)
			continue;
		if (gran >= nu)
			break;
		gran = gran * 2 < nu ? gran * 2 : nu;
	}
out:
	free(u);
	free(k);
	return ret;
}

/* ---- the command ----------------------------------------------------- */

static char *repro(const struct shrink *s, uint64_t seed)
{
	return cli_replay_repro(&s->ra, cli_replay_seeded(&s->o), seed,
				s->out);
}

static int rm_dir(const char *dir)
{
	char p[4096];
	const char *names[] = { "filtered.iorr", "cand.iorr", "best.iorr" };

	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	return rmdir(dir);
}

static void shrink_free(struct shrink *s)
{
	for (uint32_t i = 0; i <= s->nev; i++) {	/* arrays of nev + 1 */
		if (s->req)
			free(s->req[i].v);
		if (s->members)
			free(s->members[i].v);
	}
	free(s->ev);
	free(s->uf);
	free(s->req);
	free(s->members);
	free(s->file);
	free(s->forced);
	free(s->keep);
	free(s->seen);
}

static int shrink_run(struct shrink *s)
{
	struct verdict v;
	char tmpl[4096], msg[1024], best[4096];
	const char *td = getenv("TMPDIR");
	int ret = EXIT_ERROR;

	s->t0 = mono_ns();
	s->tty = isatty(2);
	if (load(s) < 0)
		return EXIT_ERROR;
	if (analyze(s) < 0) {
		cli_error("shrink: out of memory");
		return EXIT_ERROR;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/iorr-shrink.XXXXXX",
		 td && *td ? td : "/tmp");
	s->dir = mkdtemp(tmpl);
	if (!s->dir) {
		cli_error("shrink: %s: %s", tmpl, strerror(errno));
		return EXIT_ERROR;
	}
	snprintf(best, sizeof(best), "%s/best.iorr", s->dir);
	s->best = best;

	/* the original: which divergence to keep */
	if (run_child(s, s->trace, true, &v) < 0) {
		cli_error("shrink: fork: %s", strerror(errno));
		goto out;
	}
	s->ntests++;
	if (v.status == 2) {
		cli_error("%s: %s", s->trace, v.msg);
		goto out;
	}
	if (v.status == 0) {
		fprintf(stderr, "iorr: shrink: %s does not diverge under these "
			"options (seeds %" PRIu64 "..%" PRIu64 "): nothing to "
			"shrink\n", s->trace, s->o.seed,
			s->o.seed + s->tries - 1);
		ret = EXIT_DIVERGED;
		goto out;
	}
	s->target = v;
	s->best_seed = v.seed;
	s->forced = calloc(s->nev + 1, 1);
	s->keep = malloc(s->nev + 1);
	if (!s->forced || !s->keep) {
		cli_error("shrink: out of memory");
		goto out;
	}
	memset(s->keep, 1, s->nev);
	s->nkeep = s->nev;
	uint64_t tops[] = { v.seq, v.writer };

	for (size_t t = 0; t < 2; t++) {
		uint32_t i = tops[t] != UINT64_MAX ? by_seq(s, tops[t]) :
			     UINT32_MAX;

		if (i != UINT32_MAX)
			s->forced[i] = 1;
	}
	/* the original itself, as the first best (checks recomputed) */
	if (iorr_rewrite_trace(s->trace, best, NULL, NULL, msg,
			       sizeof(msg)) < 0) {
		cli_error("shrink: %s", msg);
		goto out;
	}
	progress(s, false);
	int k = 0;

	for (s->pass = 0; s->pass < 5 && k == 0; s->pass++) {
		switch (s->pass) {
		case 0:
			k = pass_target(s);
			break;
		case 1:
			k = pass_groups(s, false);
			break;
		case 2:
			k = pass_groups(s, true);
			break;
		case 3:
			k = pass_range(s);
			break;
		case 4:
			k = pass_ddmin(s);
			break;
		}
	}
	s->pass = 4;
	progress(s, true);
	if (k < 0)
		goto out;
	{
		const char *kn[] = { "shrunk" };
		char val[1024];
		const char *kv[] = { val };
		struct iorr_rewrite rw = { .note_keys = kn, .note_values = kv,
					   .nnotes = 1 };

		snprintf(val, sizeof(val), "{\"ops_before\":%" PRIu32
			 ",\"ops_after\":%" PRIu32 ",\"seed\":%" PRIu64 "}",
			 s->nev, s->nkeep, s->best_seed);
		if (iorr_rewrite_trace(best, s->out, &rw, NULL, msg,
				       sizeof(msg)) < 0) {
			cli_error("shrink: %s", msg);
			goto out;
		}
	}
	char *cmd = repro(s, s->best_seed);

	printf("shrink: %s: %" PRIu32 " ops -> %" PRIu32 " ops in %u "
	       "replays (%.2f s): %s\n", s->trace, s->nev, s->nkeep,
	       s->ntests, (double)(mono_ns() - s->t0) / 1e9, s->out);
	printf("divergence: %s, %s, %s, seq %s, writer %s\n",
	       iorr_div_kind_name(s->target.kind),
	       iorr_div_class_name(s->target.cls),
	       s->target.path[0] ? s->target.path : "-",
	       s->target.seq == UINT64_MAX ? "final" :
	       (snprintf(msg, 32, "%" PRIu64, s->target.seq), msg),
	       s->target.writer == UINT64_MAX ? "none" :
	       (snprintf(msg + 32, 32, "%" PRIu64, s->target.writer),
		msg + 32));
	printf("reproduce: %s\n", cmd ? cmd : "");
	free(cmd);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("stdout: write failed");
		goto out;
	}
	ret = EXIT_OK;
out:
	rm_dir(s->dir);
	return ret;
}

static int shrink_main(struct shrink *s)
{
	int ret = shrink_run(s);

	shrink_free(s);
	return ret;
}

int cmd_shrink(int argc, char **argv)
{
	enum { OPT_TRIES = 256, OPT_TIME };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "tries", required_argument, NULL, OPT_TRIES },
		{ "time", required_argument, NULL, OPT_TIME },
		CLI_REPLAY_OPTIONS,
		CLI_REPLAY_SEED_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct shrink s = {
		.o = { .timing_scale = 1.0, .order = IORR_ORDER_RECORDED },
		.tries = 0,
	};
	uint64_t v;
	int c, k;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			s.out = optarg;
			break;
		case OPT_TRIES:
			if (cli_parse_u64(optarg, &v) < 0 || !v || v > 100000) {
				cli_error("--tries %s: expected 1..100000",
					  optarg);
				return EXIT_ERROR;
			}
			s.tries = (unsigned)v;
			break;
		case OPT_TIME: {
			size_t n = strlen(optarg);
			double x;
			char *end;

			if (n > 1 && optarg[n - 1] == 'm') {
				x = strtod(optarg, &end);
				if (end != optarg + n - 1 || !(x > 0)) {
					cli_error("--time %s: expected a "
						  "duration (30s, 5m)", optarg);
					return EXIT_ERROR;
				}
				s.time_ns = (uint64_t)(x * 60e9);
			} else if (iorr_parse_duration(optarg, &s.time_ns) < 0
				   || !s.time_ns) {
				cli_error("--time %s: expected a duration "
					  "(30s, 5m)", optarg);
				return EXIT_ERROR;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			k = cli_replay_parse_args(c, optarg, &s.o, &s.ra);
			if (k < 0)
				return EXIT_ERROR;
			if (k > 0) {
				usage(stderr);
				return EXIT_ERROR;
			}
		}
	}
	if (optind != argc - 1 || !s.out) {
		if (!s.out && optind == argc - 1)
			cli_error("shrink: -o MIN is required");
		usage(stderr);
		return EXIT_ERROR;
	}
	if (cli_replay_check_opts(&s.o) < 0)
		return EXIT_ERROR;
	if (!s.tries)
		s.tries = cli_replay_seeded(&s.o) ||
			  s.o.order == IORR_ORDER_FREE ? 8 : 1;
	s.trace = argv[optind];
	if (access(s.trace, R_OK) < 0) {
		cli_error("%s: %s", s.trace, strerror(errno));
		return EXIT_ERROR;
	}
	signal(SIGPIPE, SIG_IGN);
	return shrink_main(&s);
}
