/* SPDX-License-Identifier: MIT */
/*
 * The happens-before graph of a trace, and its candidate races.
 *
 * Edges come from what the recording proves about order:
 *
 *   program order	implicit: each worker runs its thread's events in order
 *   threads		thread_create -> first event of the child, last event
 *			of a thread -> thread_join; fork -> the child's first
 *			event, the child's last event -> wait
 *   fd lifetimes	open/dup -> every use -> close -> the next open that
 *			got the same number (per recorded process)
 *   rings		aio_setup/uring_setup -> every use -> destroy/exit;
 *			async submit call -> completion, and -> the call that
 *			reaped it (a reap can only wait for what was submitted)
 *   file locks		per file (flock, fcntl and OFD record locks, lockf):
 *			the unlock that handed it over -> the next lock
 *   pthread objects	per mutex, rwlock, condvar, semaphore: the release
 *			that handed it over -> the next acquisition (by the
 *			recorded times, not seq); a cond_wait releases its
 *			mutex at its start and reacquires it at its return,
 *			and a signal during the wait -> the wait; a barrier
 *			episode orders every arrival before every departure
 *
 * A recorded execution is a valid order, so the graph has no cycle: every
 * edge goes forward in seq, or (a pure release -> an acquisition) from a
 * call that started before the acquisition returned.  A cond_wait is a
 * release at its start but an event at its return, so it is never the
 * source of a backward edge (issue #5: that made cycles).  sched.c still
 * checks, for traces with impossible times.
 *
 * Conflict edges are not happens-before: they keep the recorded order of
 * two conflicting ops (overlapping bytes of one file, or one path's
 * namespace entry, or one open file description's offset; at least one
 * changing it).  The scheduler keeps or drops them by policy; each carries
 * whether the two ops overlapped in recorded time.
 *
 * Every edge joins two threads (program order is never stored) and, but
 * for release -> acquisition edges (sync_edges()), goes from a smaller to
 * a larger event index.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "replay/replay_int.h"

/* An edge in either direction of the trace (see sync_edges()). */
static void edge_any(struct replay *rp, struct rp_hb *g, uint32_t from,
		     uint32_t to, uint8_t kind)
{
	if (from == RP_NONE || to == RP_NONE || from == to ||
	    rp->ev[from].e.thread == rp->ev[to].e.thread)
		return;
	if (g->n == g->cap) {
		size_t c = g->cap ? g->cap * 2 : 1024;
		uint32_t *a = realloc(g->from, c * sizeof(*a));
		uint32_t *b = a ? realloc(g->to, c * sizeof(*b)) : NULL;
		uint8_t *k = b ? realloc(g->kind, c) : NULL;

		if (a)
			g->from = a;
		if (b)
			g->to = b;
		if (!a || !b || !k) {
			g->err = -ENOMEM;
			return;
		}
		g->kind = k;
		g->cap = c;
	}
	g->from[g->n] = from;
	g->to[g->n] = to;
	g->kind[g->n] = kind;
	g->n++;
}

static void edge(struct replay *rp, struct rp_hb *g, uint32_t from,
		 uint32_t to, uint8_t kind)
{
	if (from < to || from == RP_NONE || to == RP_NONE)
		edge_any(rp, g, from, to, kind);
}

void rp_hb_free(struct rp_hb *g)
{
	free(g->from);
	free(g->to);
	free(g->kind);
	free(g->acc);
	for (uint32_t k = 0; g->fnames && k < g->nfiles; k++)
		free(g->fnames[k]);
	free(g->fnames);
	memset(g, 0, sizeof(*g));
}

/* ---- accesses: what an event reads or changes ---------------------- */

/* Recent accesses kept per key for conflict and lock edges. */
#define RECENT 64

struct chain {
	UT_hash_handle hh;
	char *key;
	uint32_t last;		/* last event in the per-key total order */
	uint32_t recent[RECENT];
	uint64_t roff[RECENT], rend[RECENT];
	bool rwrite[RECENT];
	unsigned nrecent, pos;
	uint32_t file;		/* dense file number (accesses) */
	uint64_t id;		/* creation number */
};

struct fdkey {
	UT_hash_handle hh;
	uint64_t key;		/* proc << 32 | fd */
	uint32_t creator;
	uint32_t *uses;
	size_t nuses, cap;
	uint32_t closer;
	char *file;		/* normalized path key */
	uint32_t ofd;		/* event that opened the file description */
	uint64_t pos;		/* recorded file position (approximate) */
	bool append;
};

/* One release or acquisition of a synchronization object. */
struct syncop {
	uint32_t ev;
	bool release;		/* else an acquisition */
	/*
	 * A cond_wait's release of its mutex is at the call's start, before
	 * the call blocks: what the wait released is what its thread did
	 * before it, not the event (sequenced when it returned, after the
	 * lockers that ran while it waited).
	 */
	bool at_start;
	/* a cond_wait's wakeup: only a signal after the wait began counts */
	bool wakeup;
	uint64_t t;		/* release: call start; acquisition: return */
};

struct syncobj {
	UT_hash_handle hh;
	uint64_t obj;
	struct syncop *ops;
	size_t n, cap;
};

/* A file mapping: its mmap event and file (mmap_write accesses it). */
struct mapkey {
	UT_hash_handle hh;
	uint64_t id;
	uint32_t mmap_ev;
	char *file;
};

struct builder {
	struct mapkey *maps;
	struct syncobj *objs;
	struct replay *rp;
	struct rp_hb *g;
	struct chain *chains;
	struct fdkey *fds;
	uint32_t nfiles;
	char **fnames;		/* file number -> key */
	size_t fcap;
	uint64_t nchains;
};

static struct chain *chain_get(struct builder *b, const char *key)
{
	struct chain *c;

	HASH_FIND_STR(b->chains, key, c);
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = strdup(key);
	c->last = RP_NONE;
	c->file = RP_NONE;
	c->id = b->nchains++;
	if (!c->key) {
		free(c);
		return NULL;
	}
	HASH_ADD_KEYPTR(hh, b->chains, c->key, strlen(c->key), c);
	return c;
}

static struct fdkey *fd_get(struct builder *b, uint32_t proc, int64_t fd,
			    bool create)
{
	uint64_t key = (uint64_t)proc << 32 | (uint32_t)fd;
	struct fdkey *f;

	HASH_FIND(hh, b->fds, &key, sizeof(key), f);
	if (f || !create)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->key = key;
	f->creator = f->closer = f->ofd = RP_NONE;
	HASH_ADD(hh, b->fds, key, sizeof(key), f);
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

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t io_len(const struct rp_ev *ev)
{
	uint64_t l = 0;

	if (ev->e.op == IORR_OP_fread || ev->e.op == IORR_OP_fwrite)
		return rp_fu(ev, "size") * rp_fu(ev, "nmemb");
	if (rp_field(ev, "len", &l) == 0)
		return l;
	for (uint32_t k = 0; k < ev->e.nvec; k++)
		l = sat_add(l, ev->e.vec[k]);
	return l;
}

/* Record one access of event @i in the access list (for conflicts). */
static int acc_add(struct builder *b, struct chain *c, uint32_t i,
		   uint64_t off, uint64_t end, uint8_t flags)
{
	struct rp_hb *g = b->g;

	if (c->file == RP_NONE) {
		if (b->nfiles == b->fcap) {
			size_t n = b->fcap ? b->fcap * 2 : 64;
			char **p = realloc(b->fnames, n * sizeof(*p));

			if (!p)
				return -ENOMEM;
			b->fnames = p;
			b->fcap = n;
		}
		b->fnames[b->nfiles] = c->key;
		c->file = b->nfiles++;
	}
	if (g->nacc == g->acap) {
		size_t n = g->acap ? g->acap * 2 : 1024;
		struct rp_access *p = realloc(g->acc, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		g->acc = p;
		g->acap = n;
	}
	g->acc[g->nacc++] = (struct rp_access){
		.ev = i, .file = c->file, .off = off, .end = end,
		.flags = flags,
	};
	return 0;
}

/*
 * A data access of event @i to key @c: conflict edges from the recent
 * conflicting accesses of other threads, then remember it.
 */
static int access(struct builder *b, struct chain *c, uint32_t i,
		  uint64_t off, uint64_t end, bool wr, uint8_t aflags)
{
	struct replay *rp = b->rp;

	if (end <= off)
		end = off + 1;
	/* conflict edges order a replay's schedule: none for an analysis */
	for (unsigned k = 0; !rp->analysis && k < c->nrecent; k++) {
		uint32_t j = c->recent[k];

		if (!(wr || c->rwrite[k]) || c->roff[k] >= end ||
		    off >= c->rend[k])
			continue;
		edge(rp, b->g, j, i, RP_EDGE_CONFLICT |
		     (rp->ev[j].e.end_ns > rp->ev[i].e.start_ns ?
		      RP_EDGE_OVERLAP : 0));
	}
	c->recent[c->pos] = i;
	c->roff[c->pos] = off;
	c->rend[c->pos] = end;
	c->rwrite[c->pos] = wr;
	c->pos = (c->pos + 1) % RECENT;
	if (c->nrecent < RECENT)
		c->nrecent++;
	return acc_add(b, c, i, off, end, (uint8_t)((wr ? RP_ACC_WRITE : 0) |
						   aflags));
}

static int sync_add(struct builder *b, uint64_t obj, uint32_t i, bool rel);

/*
 * File locks as release/acquire pairs too (see sync_edges()): LOCK_UN,
 * F_UNLCK and F_ULOCK release; a successful lock acquires.  Per file,
 * whatever the range.
 */
static int file_lock_note(struct builder *b, struct chain *c, uint32_t i)
{
	const struct rp_ev *ev = &b->rp->ev[i];
	bool ok = ev->e.result >= 0 && !ev->e.err;
	uint64_t obj = (1ull << 63) | c->id;
	const uint64_t *f = ev->e.f;

	if (!ok)
		return 0;
	switch (ev->e.op) {
	case IORR_OP_flock:
		return sync_add(b, obj, i, (f[1] & LOCK_UN) != 0);
	case IORR_OP_fcntl_lock:
		if (f[1] != F_SETLK && f[1] != F_SETLKW &&
		    f[1] != F_OFD_SETLK && f[1] != F_OFD_SETLKW)
			return 0;
		return sync_add(b, obj, i, f[2] == F_UNLCK);
	case IORR_OP_lockf:
		if (f[1] == F_TEST)
			return 0;
		return sync_add(b, obj, i, f[1] == F_ULOCK);
	default:
		return 0;
	}
}

static struct chain *key_chain(struct builder *b, const char *prefix,
			       const char *name)
{
	char *k;
	struct chain *c;

	if (!prefix[0])
		return chain_get(b, name);
	if (asprintf(&k, "%s%s", prefix, name) < 0)
		return NULL;
	c = chain_get(b, k);
	free(k);
	return c;
}

/* The byte range event @i reads or writes through fd field @k. */
static int data_access(struct builder *b, uint32_t i, struct fdkey *f,
		       unsigned k, bool async)
{
	struct replay *rp = b->rp;
	struct rp_ev *ev = &rp->ev[i];
	const struct iorr_op_desc *d = iorr_op_get(ev->e.op);
	const char *fname = d->fields[k].name;
	bool wr = d->cls == IORR_CLASS_WRITE;
	uint64_t off = 0, end = UINT64_MAX, o;
	bool pos_used = false;
	struct chain *c;

	if (!f->file)
		return 0;
	switch (ev->e.op) {
	case IORR_OP_copy_file_range:
		wr = !strcmp(fname, "fd_out");
		o = ev->e.f[wr ? 3 : 1];
		if ((int64_t)o < 0) {
			pos_used = true;
			o = f->pos;
		}
		off = o;
		end = sat_add(o, ev->e.f[4]);
		break;
	case IORR_OP_ficlone:
	case IORR_OP_ficlonerange:
	case IORR_OP_fidedupe:
		wr = !strcmp(fname, "fd") || !strcmp(fname, "dest_fd");
		if (ev->e.op == IORR_OP_ficlonerange) {
			off = ev->e.f[wr ? 4 : 2];
			end = ev->e.f[3] ? sat_add(off, ev->e.f[3]) :
			      UINT64_MAX;
		} else if (ev->e.op == IORR_OP_fidedupe) {
			off = ev->e.f[wr ? 4 : 1];
			end = sat_add(off, ev->e.f[2]);
		}
		break;
	case IORR_OP_ftruncate:
		off = ev->e.f[1];
		break;
	case IORR_OP_fallocate:
		off = ev->e.f[2];
		if ((ev->e.f[1] & FALLOC_FL_KEEP_SIZE) &&
		    !(ev->e.f[1] & (FALLOC_FL_COLLAPSE_RANGE |
				    FALLOC_FL_INSERT_RANGE)))
			end = sat_add(off, ev->e.f[3]);
		break;
	case IORR_OP_posix_fallocate:
		off = ev->e.f[1];
		break;
	case IORR_OP_splice:
		wr = !strcmp(fname, "fd_out");
		o = ev->e.f[wr ? 3 : 1];
		if ((int64_t)o < 0) {
			pos_used = true;
			o = wr && f->append ? 0 : f->pos;
		}
		off = o;
		end = wr && f->append && (int64_t)ev->e.f[3] < 0 ? UINT64_MAX :
		      sat_add(o, ev->e.f[4]);
		break;
	case IORR_OP_sendfile:
		if (!strcmp(fname, "out_fd")) {
			/* written at the position */
			pos_used = true;
			off = f->pos;
			end = sat_add(off, ev->e.f[3]);
			break;
		}
		wr = false;
		o = ev->e.f[2];
		if ((int64_t)o < 0) {
			pos_used = true;
			o = f->pos;
		}
		off = o;
		end = sat_add(o, ev->e.f[3]);
		break;
	default:
		if (d->cls != IORR_CLASS_READ && d->cls != IORR_CLASS_WRITE)
			return 0;
		if (async && ev->e.op == IORR_OP_uring_fallocate) {
			off = rp_fu(ev, "off");
			break;
		}
		if (rp_field(ev, "off", &o) == 0 && (int64_t)o >= 0) {
			off = o;
			end = sat_add(o, io_len(ev));
		} else if (wr && f->append) {
			pos_used = true;	/* at the end: any byte */
		} else {
			pos_used = true;
			off = f->pos;
			end = sat_add(off, io_len(ev));
		}
		break;
	}
	if (pos_used && !async && ev->e.result > 0) {
		uint64_t n = (uint64_t)ev->e.result;

		if (ev->e.op == IORR_OP_fread || ev->e.op == IORR_OP_fwrite)
			n *= rp_fu(ev, "size");
		f->pos = sat_add(f->pos, n);
	}
	c = key_chain(b, "", f->file);
	if (!c)
		return -ENOMEM;
	if (access(b, c, i, off, end, wr, async ? RP_ACC_ASYNC : 0) < 0)
		return -ENOMEM;
	if (pos_used && f->ofd != RP_NONE) {
		/* the shared offset of an open file description */
		char k2[64];

		snprintf(k2, sizeof(k2), "%" PRIu32, f->ofd);
		c = key_chain(b, "ofd:", k2);
		if (!c || access(b, c, i, 0, UINT64_MAX, true, RP_ACC_OFD) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Namespace entries: per path, and after what made its directories. */
static int ns_access(struct builder *b, uint32_t i, unsigned k, bool change)
{
	struct replay *rp = b->rp;
	char *pk = path_key(rp, rp->ev[i].e.f[k]);
	struct chain *c;

	if (!pk)
		return -ENOMEM;
	for (char *sl = strchr(pk + 1, '/'); sl; sl = strchr(sl + 1, '/')) {
		*sl = '\0';
		c = key_chain(b, "ns:", pk);
		if (c && c->nrecent)
			access(b, c, i, 0, 1, false, RP_ACC_NS);
		*sl = '/';
	}
	c = key_chain(b, "ns:", pk);
	free(pk);
	if (!c)
		return -ENOMEM;
	return access(b, c, i, 0, 1, change, RP_ACC_NS);
}

/* Does op @ev change the namespace entry named by its PATH field @k? */
static bool ns_changes(const struct rp_ev *ev, unsigned k)
{
	const struct iorr_op_desc *d = iorr_op_get(ev->e.op);
	int fl;

	if (ev->e.result < 0 || ev->e.err)
		return false;
	switch (ev->e.op) {
	case IORR_OP_chdir:
		return false;
	case IORR_OP_symlink:
	case IORR_OP_symlinkat:
		return k != 0;	/* the target is text */
	case IORR_OP_link:
	case IORR_OP_linkat:
		return strcmp(d->fields[k].name, "oldpath") != 0;
	case IORR_OP_truncate:
		return true;
	case IORR_OP_creat:
		return true;
	default:
		if (d->cls == IORR_CLASS_NS)
			return true;
		fl = iorr_op_field_index(ev->e.op, "flags");
		return fl >= 0 && (ev->e.f[fl] & (O_CREAT | O_TRUNC));
	}
}

static int sync_add_ex(struct builder *b, uint64_t obj, uint32_t i,
		       bool rel, bool at_start, bool wakeup);

static int sync_add(struct builder *b, uint64_t obj, uint32_t i, bool rel)
{
	return sync_add_ex(b, obj, i, rel, false, false);
}

static int sync_add_ex(struct builder *b, uint64_t obj, uint32_t i,
		       bool rel, bool at_start, bool wakeup)
{
	const struct rp_ev *ev = &b->rp->ev[i];
	struct syncobj *o;

	HASH_FIND(hh, b->objs, &obj, sizeof(obj), o);
	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o)
			return -ENOMEM;
		o->obj = obj;
		HASH_ADD(hh, b->objs, obj, sizeof(o->obj), o);
	}
	if (o->n == o->cap) {
		size_t c = o->cap ? o->cap * 2 : 16;
		struct syncop *p = realloc(o->ops, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		o->ops = p;
		o->cap = c;
	}
	o->ops[o->n++] = (struct syncop){ i, rel, at_start, wakeup,
					  rel ? ev->e.start_ns :
					  ev->e.end_ns };
	return 0;
}

/*
 * What a pthread op releases (unlock, post, signal; cond_wait releases
 * its mutex on entry) and acquires (a successful lock or wait; cond_wait
 * reacquires its mutex on return).
 */
static int sync_note(struct builder *b, uint32_t i)
{
	const struct rp_ev *ev = &b->rp->ev[i];
	bool ok = ev->e.result == 0 && !ev->e.err;
	const uint64_t *f = ev->e.f;

	switch (ev->e.op) {
	case IORR_OP_mutex_unlock:
	case IORR_OP_rwlock_unlock:
	case IORR_OP_sem_post:
	case IORR_OP_cond_signal:
	case IORR_OP_cond_broadcast:
		return sync_add(b, f[0], i, true);
	case IORR_OP_mutex_lock:
	case IORR_OP_mutex_trylock:
	case IORR_OP_rwlock_rdlock:
	case IORR_OP_rwlock_wrlock:
	case IORR_OP_sem_wait:
		return ok ? sync_add(b, f[0], i, false) : 0;
	case IORR_OP_cond_wait:
		/*
		 * Release the mutex at the start, reacquire it at the return
		 * (even on a timeout); woken by a signal only on success.
		 */
		if (sync_add_ex(b, f[1], i, true, true, false) < 0 ||
		    sync_add(b, f[1], i, false) < 0)
			return -ENOMEM;
		return ok ? sync_add_ex(b, f[0], i, false, false, true) : 0;
	default:
		return 0;
	}
}

static uint32_t prev_in_thread(struct replay *rp, uint32_t i)
{
	for (uint32_t j = i; j-- > 0;)
		if (rp->ev[j].e.thread == rp->ev[i].e.thread)
			return j;
	return RP_NONE;
}

static int cmp_syncop(const void *x, const void *y)
{
	const struct syncop *a = x, *b = y;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->ev < b->ev ? -1 : a->ev > b->ev;
}

/*
 * Release -> acquisition: everything the releasing thread did before the
 * release happens before the acquisition that followed it.  The release
 * that handed an object over is the last one that started before the
 * acquisition returned.
 *
 * NOTE: a recorder numbers events as they end, and an unlock can end
 * after the next holder's lock and first ops: the edge from the release
 * itself can point back in the trace (the replay needs it: a real file
 * lock cannot be taken before the unlock ran).  The one from the op
 * before the release cannot, and is what the vector clocks of
 * rp_conflicts() see.
 */
static void sync_edges(struct builder *b)
{
	struct replay *rp = b->rp;
	struct syncobj *o, *tmp;

	HASH_ITER(hh, b->objs, o, tmp) {
		const struct syncop *last = NULL;

		qsort(o->ops, o->n, sizeof(*o->ops), cmp_syncop);
		for (size_t k = 0; k < o->n; k++) {
			const struct syncop *x = &o->ops[k];

			if (x->release) {
				last = x;
				continue;
			}
			if (!last || last->ev == x->ev ||
			    rp->ev[last->ev].e.thread ==
			    rp->ev[x->ev].e.thread)
				continue;
			/* a signal before the wait began woke another */
			if (x->wakeup &&
			    last->t < rp->ev[x->ev].e.start_ns)
				continue;
			edge(rp, b->g, prev_in_thread(rp, last->ev), x->ev,
			     RP_EDGE_HB);
			/*
			 * The release itself only when it is nothing but a
			 * release: a cond_wait's release point is its start,
			 * and the event (its return) may come after the
			 * acquisition and depend on it (the signal).
			 */
			if (!last->at_start)
				edge_any(rp, b->g, last->ev, x->ev,
					 RP_EDGE_HB);
		}
		HASH_DEL(b->objs, o);
		free(o->ops);
		free(o);
	}
}

static void free_builder(struct builder *b)
{
	struct chain *c, *ctmp;
	struct fdkey *f, *ftmp;
	struct syncobj *o, *otmp;

	HASH_ITER(hh, b->objs, o, otmp) {
		HASH_DEL(b->objs, o);
		free(o->ops);
		free(o);
	}

	HASH_ITER(hh, b->chains, c, ctmp) {
		HASH_DEL(b->chains, c);
		free(c->key);
		free(c);
	}
	HASH_ITER(hh, b->fds, f, ftmp) {
		HASH_DEL(b->fds, f);
		free(f->uses);
		free(f->file);
		free(f);
	}
	struct mapkey *m, *mtmp;

	HASH_ITER(hh, b->maps, m, mtmp) {
		HASH_DEL(b->maps, m);
		free(m->file);
		free(m);
	}
}

/*
 * Mappings: mmap before the records of the mapping; an mmap_write writes
 * its range of the mapped file (the mmap's fd may be closed by then).
 */
static int map_note(struct builder *b, uint32_t i)
{
	struct rp_ev *ev = &b->rp->ev[i];
	uint64_t id = ev->e.f[0];
	struct mapkey *m;
	struct fdkey *f;
	struct chain *c;

	HASH_FIND(hh, b->maps, &id, sizeof(id), m);
	if (ev->e.op == IORR_OP_mmap) {
		f = fd_get(b, ev->proc, (int64_t)ev->e.f[1], false);
		if (!f || !f->file)
			return 0;
		if (!m) {
			m = calloc(1, sizeof(*m));
			if (!m)
				return -ENOMEM;
			m->id = id;
			HASH_ADD(hh, b->maps, id, sizeof(m->id), m);
		}
		free(m->file);
		m->file = strdup(f->file);
		m->mmap_ev = i;
		return m->file ? 0 : -ENOMEM;
	}
	if (!m)
		return 0;
	edge(b->rp, b->g, m->mmap_ev, i, RP_EDGE_HB);
	if (ev->e.op != IORR_OP_mmap_write)
		return 0;
	c = key_chain(b, "", m->file);
	if (!c)
		return -ENOMEM;
	return access(b, c, i, ev->e.f[1], sat_add(ev->e.f[1], ev->e.f[2]),
		      true, 0);
}

/* Barrier episodes: every arrival happens before every departure. */
struct barrier {
	UT_hash_handle hh;
	uint64_t obj;
	uint32_t ev[64];
	unsigned n;
	uint64_t min_end;
};

static uint32_t next_in_thread(struct replay *rp, uint32_t i)
{
	for (uint32_t j = i + 1; j < rp->nev; j++)
		if (rp->ev[j].e.thread == rp->ev[i].e.thread)
			return j;
	return RP_NONE;
}

static void barrier_flush(struct builder *b, struct barrier *x)
{
	for (unsigned p = 0; p < x->n; p++) {
		for (unsigned q = 0; q < x->n; q++) {
			if (p == q)
				continue;
			edge(b->rp, b->g, x->ev[p],
			     next_in_thread(b->rp, x->ev[q]), RP_EDGE_HB);
			/*
			 * Kept when the one above points back (p's wait
			 * returned late): p's thread before it arrived
			 * happens before q's departure.
			 */
			edge(b->rp, b->g, prev_in_thread(b->rp, x->ev[p]),
			     x->ev[q], RP_EDGE_HB);
		}
	}
	x->n = 0;
}

static void barrier_arrive(struct builder *b, struct barrier **h, uint32_t i)
{
	struct rp_ev *ev = &b->rp->ev[i];
	struct barrier *x;

	HASH_FIND(hh, *h, &ev->e.f[0], sizeof(uint64_t), x);
	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x) {
			b->g->err = -ENOMEM;
			return;
		}
		x->obj = ev->e.f[0];
		HASH_ADD(hh, *h, obj, sizeof(x->obj), x);
	}
	/* an arrival after a departure starts the next episode */
	if (x->n && (ev->e.start_ns > x->min_end || x->n == 64))
		barrier_flush(b, x);
	if (!x->n || ev->e.end_ns < x->min_end)
		x->min_end = ev->e.end_ns;
	x->ev[x->n++] = i;
}

static int fd_use(struct builder *b, struct fdkey *f, uint32_t i)
{
	edge(b->rp, b->g, f->creator, i, RP_EDGE_HB);
	if (f->nuses == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		uint32_t *u = realloc(f->uses, cap * sizeof(*u));

		if (!u)
			return -ENOMEM;
		f->uses = u;
		f->cap = cap;
	}
	f->uses[f->nuses++] = i;
	return 0;
}

static void copy_fds_for_fork(struct builder *b, uint32_t i, uint32_t child)
{
	struct fdkey *f, *tmp, *n;
	uint32_t proc = b->rp->ev[i].proc;

	HASH_ITER(hh, b->fds, f, tmp) {
		if ((uint32_t)(f->key >> 32) != proc || f->creator == RP_NONE)
			continue;
		n = fd_get(b, child, (int32_t)(uint32_t)f->key, true);
		if (!n || n == f)
			continue;
		n->creator = i;
		n->nuses = 0;
		n->ofd = f->ofd;
		n->pos = f->pos;
		n->append = f->append;
		free(n->file);
		n->file = f->file ? strdup(f->file) : NULL;
	}
}

int rp_hb_build(struct replay *rp, struct rp_hb *g)
{
	struct builder b = { .rp = rp, .g = g };
	struct barrier *bars = NULL, *bx, *btmp;
	uint32_t *first = malloc((rp->nthreads + 1) * sizeof(*first));
	uint32_t *last = malloc((rp->nthreads + 1) * sizeof(*last));
	struct chain *c;
	struct fdkey *f;

	memset(g, 0, sizeof(*g));
	if (!first || !last) {
		free(first);
		free(last);
		return -ENOMEM;
	}
	memset(first, 0xff, (rp->nthreads + 1) * sizeof(*first));
	memset(last, 0xff, (rp->nthreads + 1) * sizeof(*last));
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
		edge(rp, g, best, first[t], RP_EDGE_HB);
	}
	for (uint32_t i = 0; i < rp->nev && !g->err; i++) {
		struct rp_ev *ev = &rp->ev[i];
		const struct iorr_op_desc *d = iorr_op_get(ev->e.op);
		const uint64_t *fv = ev->e.f;
		char key[64];

		switch (ev->e.op) {
		case IORR_OP_thread_create:
			if (fv[0] < rp->nthreads)
				edge(rp, g, i, first[fv[0]], RP_EDGE_HB);
			break;
		case IORR_OP_thread_join:
			if (fv[0] < rp->nthreads)
				edge(rp, g, last[fv[0]], i, RP_EDGE_HB);
			break;
		case IORR_OP_fork:
		case IORR_OP_wait:
			for (uint32_t t = 0; t < rp->nthreads; t++) {
				if (iorr_reader_thread(rp->r, t)->pid !=
				    (int32_t)fv[0])
					continue;
				if (ev->e.op == IORR_OP_fork) {
					edge(rp, g, i, first[t], RP_EDGE_HB);
					copy_fds_for_fork(&b, i,
							  rp->thread_proc[t]);
				} else {
					edge(rp, g, last[t], i, RP_EDGE_HB);
				}
			}
			break;
		case IORR_OP_aio_complete:
		case IORR_OP_uring_cqe:
			/*
			 * The request record comes first: a CQE seen (in any
			 * thread) while the submitting io_uring_enter was still
			 * running is recorded before that submit call, so the
			 * call's edge goes backwards and is not kept.
			 */
			edge(rp, g, ev->submit, i, RP_EDGE_HB);
			edge(rp, g, ev->submit_call, i, RP_EDGE_HB);
			edge(rp, g, ev->submit_call, ev->reap, RP_EDGE_HB);
			break;
		case IORR_OP_barrier_wait:
			barrier_arrive(&b, &bars, i);
			break;
		default:
			break;
		}
		/* synchronization objects: releases and acquisitions */
		if (d->kind == IORR_KIND_PRIM && d->cls == IORR_CLASS_LOCK &&
		    ev->e.op != IORR_OP_barrier_wait && sync_note(&b, i) < 0)
			goto oom;
		/* rings and aio contexts: setup -> uses -> exit */
		if (d->cls == IORR_CLASS_AIO || d->kind == IORR_KIND_SUBMIT) {
			bool uring = ev->e.op >= IORR_OP_uring_setup;

			snprintf(key, sizeof(key), "%s#%" PRIu64,
				 uring ? "ring" : "ctx", fv[0]);
			c = chain_get(&b, key);
			if (!c)
				goto oom;
			if (ev->e.op == IORR_OP_aio_setup ||
			    ev->e.op == IORR_OP_uring_setup) {
				c->nrecent = 0;
				edge(rp, g, c->last, i, RP_EDGE_HB);
				c->last = i;	/* the setup */
			} else if (ev->e.op == IORR_OP_aio_destroy ||
				   ev->e.op == IORR_OP_uring_exit) {
				for (unsigned k = 0; k < c->nrecent; k++)
					edge(rp, g, c->recent[k], i,
					     RP_EDGE_HB);
				c->nrecent = 0;
				c->last = i;
			} else {
				edge(rp, g, c->last, i, RP_EDGE_HB);
				/* keep the last use per thread for the exit */
				unsigned k;

				for (k = 0; k < c->nrecent; k++)
					if (rp->ev[c->recent[k]].e.thread ==
					    ev->e.thread)
						break;
				if (k < c->nrecent)
					c->recent[k] = i;
				else if (c->nrecent < RECENT)
					c->recent[c->nrecent++] = i;
			}
		}
		/* fd lifetimes: open before use before close */
		for (unsigned k = 0; k < d->nfields; k++) {
			if (d->fields[k].type != IORR_FT_FD ||
			    (int64_t)fv[k] == AT_FDCWD)
				continue;
			if (ev->e.op == IORR_OP_fd_path)
				continue;
			f = fd_get(&b, ev->proc, (int64_t)fv[k], true);
			if (!f || fd_use(&b, f, i) < 0)
				goto oom;
			if (!f->file)
				continue;
			if (d->cls == IORR_CLASS_LOCK) {
				c = key_chain(&b, "lock:", f->file);
				if (!c || file_lock_note(&b, c, i) < 0)
					goto oom;
			} else if (data_access(&b, i, f, k, d->kind ==
					       IORR_KIND_SUBMIT) < 0) {
				goto oom;
			}
		}
		if ((ev->e.op == IORR_OP_mmap || ev->e.op == IORR_OP_mmap_write ||
		     ev->e.op == IORR_OP_msync || ev->e.op == IORR_OP_munmap) &&
		    map_note(&b, i) < 0)
			goto oom;
		if (ev->e.op == IORR_OP_close || ev->e.op == IORR_OP_fclose) {
			f = fd_get(&b, ev->proc, (int64_t)fv[0], false);
			if (f) {
				for (size_t k = 0; k < f->nuses; k++)
					edge(rp, g, f->uses[k], i, RP_EDGE_HB);
				f->nuses = 0;
				f->closer = i;
				f->creator = RP_NONE;
			}
		}
		/* namespace entries */
		for (unsigned k = 0; k < d->nfields; k++) {
			if (d->fields[k].type != IORR_FT_PATH ||
			    (d->cls != IORR_CLASS_NS &&
			     d->cls != IORR_CLASS_OPEN &&
			     ev->e.op != IORR_OP_truncate) ||
			    ev->e.op == IORR_OP_exec)
				continue;
			if (ev->e.op == IORR_OP_symlink && k == 0)
				continue;
			if (ev->e.op == IORR_OP_symlinkat && k == 0)
				continue;
			if (ns_access(&b, i, k, ns_changes(ev, k)) < 0)
				goto oom;
			if (ev->e.op == IORR_OP_truncate) {
				char *pk = path_key(rp, fv[0]);

				c = pk ? key_chain(&b, "", pk) : NULL;
				free(pk);
				if (!c || access(&b, c, i, fv[1], UINT64_MAX,
						 true, 0) < 0)
					goto oom;
			}
		}
		if (op_creates_fd(ev) || ev->e.op == IORR_OP_fd_path) {
			int64_t nfd = ev->e.op == IORR_OP_fd_path ?
				      (int64_t)fv[0] : ev->e.result;
			struct fdkey *src = NULL;

			if (iorr_op_field_index(ev->e.op, "path") < 0)
				src = fd_get(&b, ev->proc, (int64_t)fv[0],
					     false);
			f = fd_get(&b, ev->proc, nfd, true);
			if (!f)
				goto oom;
			edge(rp, g, f->closer, i, RP_EDGE_HB);
			for (size_t k = 0; k < f->nuses; k++)
				edge(rp, g, f->uses[k], i, RP_EDGE_HB);
			f->nuses = 0;
			f->creator = i;
			f->pos = 0;
			f->ofd = i;
			f->append = false;
			free(f->file);
			f->file = NULL;
			int pf = iorr_op_field_index(ev->e.op, "path");
			int ff = iorr_op_field_index(ev->e.op, "flags");

			if (pf >= 0) {
				f->file = path_key(rp, fv[pf]);
				if (ff >= 0)
					f->append = fv[ff] & O_APPEND;
			} else if (src && src != f) {
				if (src->file)
					f->file = strdup(src->file);
				f->ofd = src->ofd;
				f->pos = src->pos;
				f->append = src->append;
			}
		}
		if (ev->e.op == IORR_OP_lseek && ev->e.result >= 0) {
			f = fd_get(&b, ev->proc, (int64_t)fv[0], false);
			if (f)
				f->pos = (uint64_t)ev->e.result;
		}
		if (ev->e.op == IORR_OP_fcntl && fv[1] == F_SETFL) {
			f = fd_get(&b, ev->proc, (int64_t)fv[0], false);
			if (f)
				f->append = fv[2] & O_APPEND;
		}
	}
	HASH_ITER(hh, bars, bx, btmp) {
		barrier_flush(&b, bx);
		HASH_DEL(bars, bx);
		free(bx);
	}
	sync_edges(&b);
	g->nfiles = b.nfiles;
	g->fnames = calloc(b.nfiles ? b.nfiles : 1, sizeof(char *));
	if (!g->fnames)
		goto oom;
	for (uint32_t k = 0; k < b.nfiles; k++) {
		g->fnames[k] = strdup(b.fnames[k]);
		if (!g->fnames[k])
			goto oom;
	}
	free(b.fnames);
	free(first);
	free(last);
	free_builder(&b);
	return g->err;
oom:
	HASH_ITER(hh, bars, bx, btmp) {
		HASH_DEL(bars, bx);
		free(bx);
	}
	g->err = -ENOMEM;
	free(b.fnames);
	free(first);
	free(last);
	free_builder(&b);
	return -ENOMEM;
}

/* ---- candidate races ----------------------------------------------- */

/*
 * Vector clocks over the happens-before edges only.  Row r of vc holds,
 * per thread, how many of that thread's events happen before or are the
 * event; rows exist for the events that need them (accesses and edge
 * sources), found through row[].
 */
struct clocks {
	uint32_t nth;
	uint32_t *row;		/* event -> row, or RP_NONE */
	uint32_t *vc;		/* rows * nth */
	uint32_t *ppos;		/* event -> 1-based position in its thread */
};

static void clocks_free(struct clocks *k)
{
	free(k->row);
	free(k->vc);
	free(k->ppos);
}

static int clocks_build(struct replay *rp, const struct rp_hb *g,
			struct clocks *k)
{
	uint32_t n = rp->nev, nth = rp->nthreads ? rp->nthreads : 1;
	uint32_t *poff = calloc((size_t)n + 1, sizeof(*poff));
	uint32_t *pred = NULL;
	uint32_t *cnt = calloc(nth, sizeof(*cnt));
	size_t rows = 0;
	int ret = -ENOMEM;

	memset(k, 0, sizeof(*k));
	k->nth = nth;
	k->row = malloc(((size_t)n + 1) * sizeof(*k->row));
	k->ppos = malloc(((size_t)n + 1) * sizeof(*k->ppos));
	if (!poff || !cnt || !k->row || !k->ppos)
		goto out;
	memset(k->row, 0xff, ((size_t)n + 1) * sizeof(*k->row));
	for (size_t e = 0; e < g->n; e++) {
		if (g->kind[e] != RP_EDGE_HB)
			continue;
		poff[g->to[e] + 1]++;
		k->row[g->from[e]] = 0;
	}
	for (size_t a = 0; a < g->nacc; a++)
		k->row[g->acc[a].ev] = 0;
	for (uint32_t i = 0; i < n; i++) {
		poff[i + 1] += poff[i];
		if (k->row[i] == 0)
			k->row[i] = (uint32_t)rows++;
	}
	if ((uint64_t)rows * nth > (1ull << 28)) {
		ret = -EFBIG;
		goto out;
	}
	pred = malloc((poff[n] ? poff[n] : 1) * sizeof(*pred));
	k->vc = calloc(rows ? rows * nth : 1, sizeof(*k->vc));
	if (!pred || !k->vc)
		goto out;
	{
		uint32_t *fill = calloc((size_t)n + 1, sizeof(*fill));

		if (!fill)
			goto out;
		for (size_t e = 0; e < g->n; e++)
			if (g->kind[e] == RP_EDGE_HB)
				pred[poff[g->to[e]] + fill[g->to[e]]++] =
					g->from[e];
		free(fill);
	}
	/*
	 * cur[] is a thread's running clock: one clock per thread kept in
	 * rows of its own, so walking in index order (every edge goes
	 * forward) sees each predecessor's row complete.
	 */
	uint32_t *tclk = calloc((size_t)nth * nth, sizeof(*tclk));

	if (!tclk)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t t = rp->ev[i].e.thread;
		uint32_t *c = &tclk[(size_t)t * nth];

		for (uint32_t p = poff[i]; p < poff[i + 1]; p++) {
			const uint32_t *pc = &k->vc[(size_t)k->row[pred[p]] *
						    nth];

			for (uint32_t u = 0; u < nth; u++)
				if (pc[u] > c[u])
					c[u] = pc[u];
		}
		c[t] = ++cnt[t];
		k->ppos[i] = cnt[t];
		if (k->row[i] != RP_NONE)
			memcpy(&k->vc[(size_t)k->row[i] * nth], c,
			       nth * sizeof(*c));
	}
	free(tclk);
	ret = 0;
out:
	free(poff);
	free(pred);
	free(cnt);
	if (ret < 0)
		clocks_free(k);
	return ret;
}

/*
 * An access as the sweep compares it: what ordered() needs, kept inline
 * so that comparing two accesses touches no event.
 */
struct sweep_acc {
	uint64_t off, end;
	uint32_t ev;		/* the access's event */
	uint32_t beg, fin;	/* the events that begin and end it */
	uint32_t tbeg, tfin;	/* their threads */
	uint32_t rbeg;		/* clock row of beg, or RP_NONE */
	uint32_t pfin;		/* position of fin in its thread */
	uint8_t flags;		/* RP_ACC_* */
};

static void sweep_acc(const struct replay *rp, const struct clocks *k,
		      const struct rp_access *a, struct sweep_acc *s)
{
	const struct rp_ev *ev = &rp->ev[a->ev];

	s->off = a->off;
	s->end = a->end;
	s->ev = s->beg = s->fin = a->ev;
	if ((a->flags & RP_ACC_ASYNC) && ev->complete != RP_NONE)
		s->fin = ev->complete;
	s->tbeg = ev->e.thread;
	s->tfin = rp->ev[s->fin].e.thread;
	s->rbeg = k->row[s->beg];
	s->pfin = k->ppos[s->fin];
	s->flags = a->flags;
}

/* The end of @x happens before the beginning of @y. */
static bool ends_before(const struct clocks *k, const struct sweep_acc *x,
			const struct sweep_acc *y)
{
	if (x->fin == y->beg)
		return false;
	if (x->tfin == y->tbeg)
		return x->fin < y->beg;
	if (y->rbeg == RP_NONE)
		return false;
	return k->vc[(size_t)y->rbeg * k->nth + x->tfin] >= x->pfin;
}

static bool ordered(const struct clocks *k, const struct sweep_acc *a,
		    const struct sweep_acc *b)
{
	if (a->fin == b->beg || b->fin == a->beg)
		return true;
	if (!((a->flags | b->flags) & RP_ACC_ASYNC) && a->tbeg == b->tbeg)
		return true;
	return ends_before(k, a, b) || ends_before(k, b, a);
}

/* The sweep's order of the accesses: by file, then start, then event. */
struct sweep_key {
	uint64_t off;
	uint32_t file;
	uint32_t idx;		/* index in rp_hb.acc */
};

/* Byte @d of a key's (file, off): 0..7 of off, 8..11 of file. */
static unsigned key_byte(const struct sweep_key *k, unsigned d)
{
	return d < 8 ? (unsigned)(k->off >> (8 * d)) & 0xff :
	       (k->file >> (8 * (d - 8))) & 0xff;
}

/*
 * Sort @n keys (given in idx order) by file, then off, then idx: a stable
 * LSD radix sort over the 12 bytes of (file, off), skipping the bytes all
 * keys share (most, for offsets in a few MiB of a few files).
 * @return 0 or -ENOMEM.
 */
static int sort_keys(struct sweep_key *key, size_t n)
{
	size_t (*cnt)[256] = calloc(12, sizeof(*cnt));
	struct sweep_key *tmp = malloc((n ? n : 1) * sizeof(*tmp));
	struct sweep_key *src = key, *dst = tmp;

	if (!cnt || !tmp) {
		free(cnt);
		free(tmp);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < 12; d++)
			cnt[d][key_byte(&key[i], d)]++;
	for (unsigned d = 0; d < 12; d++) {
		size_t sum = 0;

		if (n && cnt[d][key_byte(&key[0], d)] == n)
			continue;	/* one value: the order stays */
		for (unsigned v = 0; v < 256; v++) {
			size_t c = cnt[d][v];

			cnt[d][v] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[d][key_byte(&src[i], d)]++] = src[i];
		struct sweep_key *t = src;

		src = dst;
		dst = t;
	}
	if (src != key)
		memcpy(key, src, n * sizeof(*key));
	free(cnt);
	free(tmp);
	return 0;
}

int rp_conflicts(struct replay *rp, const struct rp_hb *g, size_t max_pairs,
		 uint64_t count_max, unsigned flags,
		 struct iorr_conflict **out, size_t *nout, uint64_t *total,
		 bool *exact)
{
	struct clocks k;
	struct sweep_key *key;
	struct iorr_conflict *v = NULL;
	size_t n = 0, cap = 0, nacc = 0;
	struct sweep_acc *active = NULL;	/* the accesses still open */
	size_t nact = 0, acap = 0;
	uint8_t skip = flags & IORR_CONFLICT_BYTES ? RP_ACC_NS | RP_ACC_OFD :
		       0;
	int ret;

	*out = NULL;
	*nout = 0;
	*total = 0;
	*exact = true;
	if (count_max && count_max < max_pairs)
		count_max = max_pairs;
	ret = clocks_build(rp, g, &k);
	if (ret < 0)
		return ret;
	key = malloc((g->nacc ? g->nacc : 1) * sizeof(*key));
	if (!key) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t a = 0; a < g->nacc; a++)
		if (!(g->acc[a].flags & skip))
			key[nacc++] = (struct sweep_key){
				.off = g->acc[a].off, .file = g->acc[a].file,
				.idx = (uint32_t)a,
			};
	ret = sort_keys(key, nacc);
	if (ret < 0)
		goto out;
	/*
	 * Sweep each file's accesses by start offset, keeping the ones whose
	 * range is still open: each access meets only the accesses that
	 * overlap it, never the whole file.  (A stopped count never looks
	 * at the accesses past the stop.)
	 */
	for (size_t a = 0; a < nacc; a++) {
		struct sweep_acc xa;
		const struct sweep_acc *x = &xa;

		sweep_acc(rp, &k, &g->acc[key[a].idx], &xa);
		if (a && key[a - 1].file != key[a].file)
			nact = 0;
		size_t w = 0;

		for (size_t q = 0; q < nact; q++)
			if (active[q].end > x->off)
				active[w++] = active[q];
		nact = w;
		for (size_t q = 0; q < nact; q++) {
			const struct sweep_acc *y = &active[q];

			if (!((x->flags | y->flags) & RP_ACC_WRITE) ||
			    x->ev == y->ev || ordered(&k, x, y))
				continue;
			if (count_max && *total == count_max) {
				/* one more than counted: stop here */
				*exact = false;
				goto done;
			}
			(*total)++;
			if (n >= max_pairs)
				continue;
			if (n == cap) {
				size_t c = cap ? cap * 2 : 64;
				void *p = realloc(v, c * sizeof(*v));

				if (!p) {
					ret = -ENOMEM;
					goto out;
				}
				v = p;
				cap = c;
			}
			const struct sweep_acc *lo = y->ev < x->ev ? y : x;
			const struct sweep_acc *hi = lo == x ? y : x;
			struct iorr_conflict *c = &v[n++];

			memset(c, 0, sizeof(*c));
			c->file = g->fnames[key[a].file];
			for (int s = 0; s < 2; s++) {
				const struct sweep_acc *z = s ? hi : lo;

				c->seq[s] = rp->ev[z->ev].e.seq;
				c->thread[s] = z->tbeg;
				c->off[s] = z->off;
				c->end[s] = z->end;
				c->write[s] = z->flags & RP_ACC_WRITE;
			}
			c->ns = x->flags & RP_ACC_NS;
			c->ofd = x->flags & RP_ACC_OFD;
			c->overlapped = rp->ev[lo->ev].e.end_ns >
					rp->ev[hi->ev].e.start_ns;
		}
		if (nact == acap) {
			size_t c = acap ? acap * 2 : 64;
			struct sweep_acc *p = realloc(active, c * sizeof(*p));

			if (!p) {
				ret = -ENOMEM;
				goto out;
			}
			active = p;
			acap = c;
		}
		active[nact++] = xa;
	}
done:
	ret = 0;
out:
	free(active);
	free(key);
	clocks_free(&k);
	if (ret < 0) {
		free(v);
		return ret;
	}
	*out = v;
	*nout = n;
	return 0;
}
