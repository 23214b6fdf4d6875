/* SPDX-License-Identifier: MIT */
/*
 * Consumer of the recorder's rings (see consumer.h and ring.h).
 *
 * Records are parsed as soon as they are drained: paths are interned,
 * write payloads become blobs and read bytes become their xxh3-64, so a
 * pending event is a few words.  Pending events wait in a min-heap until
 * every smaller seq is in; seqs are dense, so the contiguous prefix is
 * written as soon as it exists.
 *
 * NOTE: a seq is taken after the producer reserved ring space, so a seq
 * is missing only while its producer writes the record, or forever when
 * the producer died in between.  Such gaps are skipped (and counted) when
 * the producer is seen dead, after GAP_TIMEOUT_NS, and at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <uthash.h>

#include "record/consumer.h"

#define GAP_TIMEOUT_NS (5ull * 1000000000ull)
#define RESERVE_BYTES (4u << 20)
#define STATE_BLOB_MAX (64u << 20)

/* One pending event, ready to write but for thread and object ids. */
struct pev {
	uint64_t seq;
	uint16_t type;
	uint8_t nf;
	int32_t pid, tid;
	uint64_t start, end;
	int64_t result;
	int32_t err;
	uint64_t f[IORR_MAX_FIELDS];
	uint32_t nvec;
	uint64_t *vec;
};

/* Payload fragments waiting for their record. */
struct frag {
	uint16_t tag, field;
	uint8_t *p;
	size_t len, cap;
};

struct cring {
	int32_t pid, tid;
	uint32_t frag_id;
	struct frag fr[2];
	unsigned nfr;
	bool frag_bad;
};

struct tkey {
	int32_t pid, tid;
};

/* What the producers said about a thread (HELLO) and its trace index. */
struct tinfo {
	UT_hash_handle hh;
	struct tkey k;
	int32_t ppid, ptid;
	uint32_t hflags;
	int64_t index;		/* -1: not defined yet */
	bool exited;		/* thread_exit written: a reuse of the tid
				 * by a new thread gets a new index */
};

struct pinfo {
	UT_hash_handle hh;
	int32_t pid;
};

struct okey {
	int32_t pid;
	uint32_t pad;
	uint64_t addr;
};

struct oinfo {
	UT_hash_handle hh;
	struct okey k;
	uint64_t id;
};

struct sinfo {			/* first-touch state of a path */
	UT_hash_handle hh;
	uint64_t flags, mode, size, id;
	char *link;
	char path[];
};

struct touched {
	UT_hash_handle hh;
	char path[];
};

struct note {
	UT_hash_handle hh;
	char *value;
	char key[];
};

struct iorr_consumer {
	struct iorr_shm *shm;
	struct iorr_writer *w;
	int trace_fd;
	struct cring *rings;

	struct pev **heap;
	size_t nheap, capheap;
	uint64_t next_seq;
	uint64_t stuck_since;	/* ns; 0: not stuck */

	struct tinfo *threads;
	struct tinfo *tlast;	/* last tinfo_get() answer (never freed) */
	struct pinfo *procs;
	struct oinfo *objs;
	uint64_t next_obj;
	struct sinfo *snaps;
	struct touched *touched;
	struct note *notes;
	const char **paths;

	int write_err;
	uint64_t reserved_to;
	bool reserve_ok;
	struct iorr_consumer_stats st;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool tid_dead(int pid, int tid)
{
	return syscall(SYS_tgkill, pid, tid, 0) < 0 && errno == ESRCH;
}

/* ------------------------------------------------------------------ */
/* Heap of pending events by seq                                        */
/* ------------------------------------------------------------------ */

static int heap_push(struct iorr_consumer *c, struct pev *e)
{
	size_t i;

	if (c->nheap == c->capheap) {
		size_t cap = c->capheap ? c->capheap * 2 : 1024;
		struct pev **p = realloc(c->heap, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->heap = p;
		c->capheap = cap;
	}
	i = c->nheap++;
	while (i && c->heap[(i - 1) / 2]->seq > e->seq) {
		c->heap[i] = c->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	c->heap[i] = e;
	return 0;
}

static struct pev *heap_pop(struct iorr_consumer *c)
{
	struct pev *top = c->heap[0], *last = c->heap[--c->nheap];
	size_t i = 0;

	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l >= c->nheap)
			break;
		m = l;
		if (l + 1 < c->nheap && c->heap[l + 1]->seq < c->heap[l]->seq)
			m = l + 1;
		if (c->heap[m]->seq >= last->seq)
			break;
		c->heap[i] = c->heap[m];
		i = m;
	}
	if (c->nheap)
		c->heap[i] = last;
	return top;
}

/* ------------------------------------------------------------------ */
/* Threads, processes, objects                                          */
/* ------------------------------------------------------------------ */

static struct tinfo *tinfo_get(struct iorr_consumer *c, int32_t pid,
			       int32_t tid)
{
	struct tkey k = { pid, tid };
	struct tinfo *t = c->tlast;

	/* nearly every event is from the thread of the one before */
	if (t && t->k.pid == pid && t->k.tid == tid)
		return t;
	HASH_FIND(hh, c->threads, &k, sizeof(k), t);
	if (t)
		return c->tlast = t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->k = k;
	t->index = -1;
	HASH_ADD(hh, c->threads, k, sizeof(t->k), t);
	return c->tlast = t;
}

static bool proc_known(struct iorr_consumer *c, int32_t pid)
{
	struct pinfo *p;

	HASH_FIND_INT(c->procs, &pid, p);
	return p != NULL;
}

static void proc_add(struct iorr_consumer *c, int32_t pid)
{
	struct pinfo *p;

	if (proc_known(c, pid))
		return;
	p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->pid = pid;
	HASH_ADD_INT(c->procs, pid, p);
	c->st.processes++;
}

static int64_t thread_index(struct iorr_consumer *c, int32_t pid,
			    int32_t tid, int depth);

/* The trace index of a thread's creator, from the HELLO hints. */
static uint32_t parent_index(struct iorr_consumer *c, struct tinfo *t,
			     int depth)
{
	int64_t p = -1;

	if (depth > 4)
		return UINT32_MAX;
	if (t->hflags & IORR_HELLO_THREAD) {
		p = thread_index(c, t->k.pid, t->ptid, depth + 1);
	} else if (t->ppid > 0) {
		struct tkey k = { t->ppid, t->ptid ? t->ptid : t->ppid };
		struct tinfo *pt;

		HASH_FIND(hh, c->threads, &k, sizeof(k), pt);
		if (pt && pt->index >= 0)
			p = pt->index;
	}
	if (p < 0 && !(t->hflags & IORR_HELLO_THREAD) && t->k.tid != t->k.pid) {
		/* a thread we did not see created: its process's leader */
		struct tkey k = { t->k.pid, t->k.pid };
		struct tinfo *pt;

		HASH_FIND(hh, c->threads, &k, sizeof(k), pt);
		if (pt && pt->index >= 0)
			p = pt->index;
	}
	return p < 0 ? UINT32_MAX : (uint32_t)p;
}

static int64_t thread_index(struct iorr_consumer *c, int32_t pid,
			    int32_t tid, int depth)
{
	struct tinfo *t = tinfo_get(c, pid, tid);
	int r;

	if (!t)
		return -ENOMEM;
	if (t->index >= 0)
		return t->index;
	r = iorr_writer_thread(c->w, pid, tid, parent_index(c, t, depth));
	if (r < 0)
		return r;
	t->index = r;
	c->st.threads++;
	return r;
}

static uint64_t obj_id(struct iorr_consumer *c, int32_t pid, uint64_t addr)
{
	struct okey k = { pid, 0, addr };
	struct oinfo *o;

	HASH_FIND(hh, c->objs, &k, sizeof(k), o);
	if (o)
		return o->id;
	o = calloc(1, sizeof(*o));
	if (!o)
		return 0;
	o->k = k;
	o->id = ++c->next_obj;
	HASH_ADD(hh, c->objs, k, sizeof(o->k), o);
	return o->id;
}

static void touch(struct iorr_consumer *c, const char *path)
{
	struct touched *t;
	size_t n = strlen(path);

	if (path[0] != '/')
		return;
	HASH_FIND(hh, c->touched, path, n, t);
	if (t)
		return;
	t = malloc(sizeof(*t) + n + 1);
	if (!t)
		return;
	memcpy(t->path, path, n + 1);
	HASH_ADD_KEYPTR(hh, c->touched, t->path, n, t);
}

static void set_note(struct iorr_consumer *c, const char *key,
		     const char *value)
{
	struct note *n;
	size_t kl = strlen(key);

	HASH_FIND(hh, c->notes, key, kl, n);
	if (!n) {
		n = calloc(1, sizeof(*n) + kl + 1);
		if (!n)
			return;
		memcpy(n->key, key, kl + 1);
		HASH_ADD_KEYPTR(hh, c->notes, n->key, kl, n);
	}
	free(n->value);
	n->value = strdup(value);
}

/* ------------------------------------------------------------------ */
/* Writing events                                                       */
/* ------------------------------------------------------------------ */

static bool is_prim_obj(unsigned op)
{
	const struct iorr_op_desc *d = iorr_op_get(op);

	return d && d->kind == IORR_KIND_PRIM && d->cls == IORR_CLASS_LOCK;
}

static void note_write_error(struct iorr_consumer *c, int r)
{
	if (!c->write_err)
		c->write_err = r;
}

/* Count what the io_uring support could not record (uring_missed). */
static void account_async(struct iorr_consumer *c, const struct iorr_event *ev)
{
	if (ev->op == IORR_OP_uring_cqe) {
		c->st.uring_late_cqes += ev->f[7] != 0;
		return;
	}
	if (ev->op != IORR_OP_uring_missed)
		return;
	/* ring cqes sqes reason */
	switch (ev->f[3]) {
	case 2:
		c->st.uring_sqpoll_rings++;
		break;
	case 3:
		c->st.uring_raw_rings++;
		break;
	case 5:
		c->st.uring_inflight += ev->f[2];
		return;
	}
	c->st.uring_missed_cqes += ev->f[1];
	c->st.uring_missed_sqes += ev->f[2];
}

/* The note stating the io_uring gaps, if any. */
static void async_note(struct iorr_consumer *c)
{
	const struct iorr_consumer_stats *s = &c->st;
	char buf[512];

	if (!s->uring_missed_cqes && !s->uring_missed_sqes &&
	    !s->uring_late_cqes && !s->uring_raw_rings &&
	    !s->uring_sqpoll_rings && !s->uring_inflight)
		return;
	snprintf(buf, sizeof(buf),
		 "{\"missed_cqes\":%" PRIu64 ",\"missed_sqes\":%" PRIu64
		 ",\"late_cqes\":%" PRIu64 ",\"raw_rings\":%" PRIu64
		 ",\"sqpoll_rings\":%" PRIu64 ",\"inflight_at_exit\":%" PRIu64
		 ",\"see\":\"iorr-record(1), ASYNCHRONOUS I/O\"}",
		 s->uring_missed_cqes, s->uring_missed_sqes, s->uring_late_cqes,
		 s->uring_raw_rings, s->uring_sqpoll_rings, s->uring_inflight);
	set_note(c, "uring_gaps", buf);
}

static void write_event(struct iorr_consumer *c, struct pev *p)
{
	struct iorr_event ev = { 0 };
	const struct iorr_op_desc *d;
	int64_t ti;
	unsigned op = p->type;

	if (op == IORR_REC_IMAGE) {
		/* a new image: exec if the process was known, else a start */
		if (proc_known(c, p->pid)) {
			op = IORR_OP_exec;
			p->f[0] = p->f[1];
		} else {
			op = IORR_OP_proc_start;
		}
		p->nf = 2;
		if (op == IORR_OP_exec)
			p->nf = 1;
		proc_add(c, p->pid);
	} else if (op == IORR_OP_proc_start) {
		proc_add(c, p->pid);
	}
	d = iorr_op_get(op);
	if (!d || p->nf != d->nfields)
		return;		/* cannot happen with a matching library */
	if (c->write_err) {
		c->st.disk_dropped++;
		return;
	}
	{
		struct tinfo *t = tinfo_get(c, p->pid, p->tid);

		if (t && t->exited) {
			t->exited = false;
			t->index = -1;
			t->ptid = 0;
			t->hflags = 0;
		}
	}
	ti = thread_index(c, p->pid, p->tid, 0);
	if (ti < 0) {
		note_write_error(c, (int)ti);
		return;
	}
	ev.seq = p->seq;
	ev.start_ns = p->start;
	ev.end_ns = p->end < p->start ? p->start : p->end;
	ev.result = p->result;
	ev.err = (uint32_t)p->err;
	ev.thread = (uint32_t)ti;
	ev.op = (uint16_t)op;
	ev.nfields = d->nfields;
	for (unsigned i = 0; i < d->nfields; i++) {
		uint64_t v = p->f[i];

		if (d->fields[i].type == IORR_FT_THREAD) {
			int64_t x;

			if (op == IORR_OP_thread_create) {
				struct tinfo *t = tinfo_get(c, p->pid,
							    (int32_t)v);

				if (t && t->index < 0 && !t->ptid) {
					t->hflags = IORR_HELLO_THREAD;
					t->ptid = p->tid;
				}
			}
			x = thread_index(c, p->pid, (int32_t)v, 0);
			if (x < 0) {
				note_write_error(c, (int)x);
				return;
			}
			v = (uint64_t)x;
		} else if (d->fields[i].type == IORR_FT_ID && is_prim_obj(op)) {
			v = obj_id(c, p->pid, v);
		}
		ev.f[i] = v;
	}
	ev.nvec = p->nvec;
	ev.vec = p->vec;
	int r = iorr_writer_event(c->w, &ev);

	if (r < 0) {
		note_write_error(c, r);
		return;
	}
	c->st.events++;
	account_async(c, &ev);
	if (op == IORR_OP_thread_exit) {
		struct tinfo *t = tinfo_get(c, p->pid, p->tid);

		if (t)
			t->exited = true;
	}
}

static void pev_free(struct pev *p)
{
	free(p->vec);
	free(p);
}

/* Write the pending events whose seq is next, in order. */
static void write_ready(struct iorr_consumer *c)
{
	while (c->nheap && c->heap[0]->seq <= c->next_seq) {
		struct pev *p = heap_pop(c);

		if (p->seq < c->next_seq) {
			c->st.late++;	/* its gap was given up */
		} else {
			write_event(c, p);
			c->next_seq++;
		}
		pev_free(p);
	}
}

/* Write every pending event whose seq is next. */
static void emit_ready(struct iorr_consumer *c)
{
	write_ready(c);
	c->stuck_since = 0;
	if (c->nheap)
		c->stuck_since = now_ns();
}

/* ------------------------------------------------------------------ */
/* Parsing records                                                      */
/* ------------------------------------------------------------------ */

static struct frag *frag_for(struct cring *r, unsigned tag, unsigned field)
{
	for (unsigned i = 0; i < r->nfr; i++)
		if (r->fr[i].tag == tag && r->fr[i].field == field)
			return &r->fr[i];
	if (r->nfr == 2)
		return NULL;
	/* reuse the slot's buffer */
	r->fr[r->nfr].tag = (uint16_t)tag;
	r->fr[r->nfr].field = (uint16_t)field;
	r->fr[r->nfr].len = 0;
	return &r->fr[r->nfr++];
}

static void frags_reset(struct cring *r)
{
	for (unsigned i = 0; i < r->nfr; i++)
		r->fr[i].len = 0;
	r->nfr = 0;
	r->frag_bad = false;
}

static void on_frag(struct cring *r, const struct iorr_rec *h)
{
	const struct iorr_rvar *v = (const void *)(h + 1);
	struct frag *f;

	if (h->frag != r->frag_id) {
		frags_reset(r);
		r->frag_id = h->frag;
	}
	if (h->nvar != 1 || sizeof(*h) + sizeof(*v) + v->len > h->size) {
		r->frag_bad = true;
		return;
	}
	f = frag_for(r, v->tag, v->field);
	if (!f) {
		r->frag_bad = true;
		return;
	}
	if (f->len + v->len > f->cap) {
		size_t cap = (f->len + v->len) * 2;
		uint8_t *p = realloc(f->p, cap);

		if (!p) {
			r->frag_bad = true;
			return;
		}
		f->p = p;
		f->cap = cap;
	}
	memcpy(f->p + f->len, v + 1, v->len);
	f->len += v->len;
}

/* A DATA part: the blob id + 1 for the DATA field. */
static uint64_t data_field(struct iorr_consumer *c, const void *p, size_t n)
{
	int64_t id;

	if (c->write_err)
		return 0;
	if (c->shm->data_mode == IORR_DATA_HASH) {
		struct iorr_hash128 h = iorr_hash128(p, n);

		id = iorr_writer_blob_hash(c->w, &h, n);
	} else {
		id = iorr_writer_blob(c->w, p, n);
	}
	if (id == -EFBIG) {
		/* beyond the format's blob limit: keep the hash only */
		struct iorr_hash128 h = iorr_hash128(p, n);

		id = iorr_writer_blob_hash(c->w, &h, n);
	}
	if (id < 0) {
		note_write_error(c, (int)id);
		return 0;
	}
	return (uint64_t)id + 1;
}

static uint64_t path_field(struct iorr_consumer *c, const char *s, size_t n,
			   bool is_touch)
{
	char buf[4097];
	int64_t id;

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (is_touch)
		touch(c, buf);
	id = iorr_writer_path(c->w, buf);
	if (id < 0) {
		note_write_error(c, (int)id);
		return 0;
	}
	return (uint64_t)id;
}

static void on_snap(struct iorr_consumer *c, const struct iorr_rec *h,
		    const uint64_t *f, const uint8_t *q, const uint8_t *end)
{
	const char *path = NULL, *link = NULL;
	size_t plen = 0, llen = 0;
	struct sinfo *s;

	for (unsigned i = 0; i < h->nvar && q + sizeof(struct iorr_rvar) <= end;
	     i++) {
		const struct iorr_rvar *v = (const void *)q;

		q += sizeof(*v);
		if (q + v->len > end)
			return;
		if (v->tag == IORR_VAR_PATH) {
			path = (const char *)q;
			plen = v->len;
		} else if (v->tag == IORR_VAR_LINK) {
			link = (const char *)q;
			llen = v->len;
		}
		q += iorr_align8(v->len);
	}
	if (!path || h->nfields < 4)
		return;
	HASH_FIND(hh, c->snaps, path, plen, s);
	if (s)
		return;		/* first touch wins */
	s = calloc(1, sizeof(*s) + plen + 1);
	if (!s)
		return;
	memcpy(s->path, path, plen);
	s->flags = f[0];
	s->mode = f[1];
	s->size = f[2];
	s->id = f[3];
	if (link)
		s->link = strndup(link, llen);
	HASH_ADD_KEYPTR(hh, c->snaps, s->path, plen, s);
	touch(c, s->path);
}

static void on_note(struct iorr_consumer *c, const struct iorr_rec *h,
		    const uint8_t *q, const uint8_t *end)
{
	char key[128], val[1024];

	key[0] = val[0] = '\0';
	for (unsigned i = 0; i < h->nvar && q + sizeof(struct iorr_rvar) <= end;
	     i++) {
		const struct iorr_rvar *v = (const void *)q;
		char *dst = v->tag == IORR_VAR_KEY ? key : val;
		size_t cap = v->tag == IORR_VAR_KEY ? sizeof(key) : sizeof(val);
		size_t n = v->len < cap - 1 ? v->len : cap - 1;

		q += sizeof(*v);
		if (q + v->len > end)
			return;
		memcpy(dst, q, n);
		dst[n] = '\0';
		q += iorr_align8(v->len);
	}
	if (key[0] && val[0])
		set_note(c, key, val);
}

/* Is PATH field @i of @op a file the workload touched (final state)? */
static bool touches(unsigned op, unsigned i)
{
	switch (op) {
	case IORR_OP_exec:
	case IORR_OP_proc_start:
	case IORR_OP_chdir:
	case IORR_REC_IMAGE:
		return false;
	case IORR_OP_symlink:
	case IORR_OP_symlinkat:
		return i != 0;	/* the target is a string, not a file */
	}
	return true;
}

static int on_event(struct iorr_consumer *c, struct cring *r,
		    const struct iorr_rec *h)
{
	const uint64_t *f = (const void *)(h + 1);
	const uint8_t *q = (const uint8_t *)(f + h->nfields);
	const uint8_t *end = (const uint8_t *)h + h->size;
	struct pev tmp, *p;

	if (h->nfields > IORR_MAX_FIELDS || q > end)
		return 0;
	if (h->type == IORR_REC_SNAP) {
		on_snap(c, h, f, q, end);
		return 0;
	}
	if (h->type == IORR_REC_NOTE) {
		on_note(c, h, q, end);
		return 0;
	}
	if (!h->seq)
		return 0;
	/*
	 * RATIONALE: the event is parsed on the stack; when its seq is the
	 * next to write (one thread: always) it is written at once, without
	 * an allocation or a trip through the heap (O(log n) with a ring's
	 * worth of events in it).  Only events that arrive ahead of their
	 * turn are copied to the heap.
	 */
	p = &tmp;
	p->nvec = 0;
	p->vec = NULL;
	p->seq = h->seq;
	p->type = h->type;
	p->nf = h->nfields;
	p->pid = r->pid;
	p->tid = r->tid;
	p->start = h->start;
	p->end = h->end;
	p->result = h->result;
	p->err = h->err;
	memcpy(p->f, f, 8u * h->nfields);
	memset(p->f + h->nfields, 0, 8u * (IORR_MAX_FIELDS - h->nfields));
	for (unsigned i = 0; i < h->nvar && q + sizeof(struct iorr_rvar) <= end;
	     i++) {
		const struct iorr_rvar *v = (const void *)q;
		unsigned field = v->field & ~IORR_VARF_FRAGGED;
		bool fragged = v->field & IORR_VARF_FRAGGED;
		const uint8_t *data = q + sizeof(*v);
		size_t len = v->len;

		q = data + (fragged ? 0 : iorr_align8(v->len));
		if (q > end || field >= IORR_MAX_FIELDS)
			break;
		if (fragged) {
			struct frag *fr = h->frag == r->frag_id ?
					  frag_for(r, v->tag, field) : NULL;

			if (!fr || r->frag_bad || fr->len != len ||
			    (h->flags & IORR_RECF_DROPPED_FRAGS)) {
				set_note(c, "payload_lost",
					 "\"some large payloads could not be "
					 "stored (ring full in drop mode)\"");
				continue;
			}
			data = fr->p;
		}
		switch (v->tag) {
		case IORR_VAR_PATH:
			p->f[field] = path_field(c, (const char *)data, len,
						 touches(h->type, field));
			break;
		case IORR_VAR_DATA:
			p->f[field] = data_field(c, data, len);
			break;
		case IORR_VAR_READ:
			p->f[field] = iorr_hash64(data, len);
			break;
		case IORR_VAR_VEC:
			free(p->vec);
			p->nvec = (uint32_t)(len / 8);
			p->vec = malloc(len ? len : 1);
			if (p->vec)
				memcpy(p->vec, data, len);
			else
				p->nvec = 0;
			break;
		}
	}
	if (h->frag)
		frags_reset(r);
	if (p->seq == c->next_seq) {
		write_event(c, p);
		c->next_seq++;
		free(p->vec);
		write_ready(c);
		return 0;
	}
	p = malloc(sizeof(*p));
	if (!p) {
		free(tmp.vec);
		return -ENOMEM;
	}
	*p = tmp;
	if (heap_push(c, p) < 0) {
		pev_free(p);
		return -ENOMEM;
	}
	return 0;
}

static void on_hello(struct iorr_consumer *c, struct cring *r,
		     const struct iorr_rec *h)
{
	const uint64_t *f = (const void *)(h + 1);
	struct tinfo *t;

	if (h->nfields < 5)
		return;
	r->pid = (int32_t)f[0];
	r->tid = (int32_t)f[1];
	frags_reset(r);
	t = tinfo_get(c, r->pid, r->tid);
	if (t && t->index < 0) {
		t->ppid = (int32_t)f[2];
		if (f[3]) {
			t->ptid = (int32_t)f[3];
			t->hflags = (uint32_t)f[4];
		}
	}
}

/* Drain ring @i.  @return records consumed. */
static int drain(struct iorr_consumer *c, unsigned i)
{
	struct iorr_ring_ctl *ctl = iorr_shm_ctl(c->shm, i);
	struct cring *r = &c->rings[i];
	uint8_t *data = iorr_shm_ring(c->shm, i);
	uint64_t size = c->shm->ring_size, mask = size - 1;
	uint32_t state = atomic_load(&ctl->state);
	uint64_t tail = atomic_load_explicit(&ctl->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&ctl->head, memory_order_acquire);
	int n = 0;

	if (state == IORR_RING_FREE)
		return 0;
	while (tail < head) {
		const struct iorr_rec *h = (const void *)(data + (tail & mask));
		uint64_t room = size - (tail & mask);

		if (h->size < 8 || h->size % 8 || h->size > room ||
		    h->size > head - tail) {
			/* corrupt: give the ring up */
			set_note(c, "ring_corrupt",
				 "\"a recorder ring was corrupt; its remaining "
				 "records were dropped\"");
			tail = head;
			break;
		}
		if (h->type == IORR_REC_HELLO)
			on_hello(c, r, h);
		else if (h->type == IORR_REC_FRAG)
			on_frag(r, h);
		else if (h->type != IORR_REC_PAD)
			on_event(c, r, h);
		tail += h->size;
		n++;
	}
	atomic_store_explicit(&ctl->tail, tail, memory_order_release);
	if (state == IORR_RING_RELEASED &&
	    tail == atomic_load_explicit(&ctl->head, memory_order_acquire)) {
		frags_reset(r);
		r->pid = r->tid = 0;
		atomic_store(&ctl->state, IORR_RING_FREE);
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* API                                                                  */
/* ------------------------------------------------------------------ */

struct iorr_consumer *iorr_consumer_new(struct iorr_shm *shm,
					struct iorr_writer *w, int trace_fd)
{
	struct iorr_consumer *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->rings = calloc(shm->nrings, sizeof(*c->rings));
	if (!c->rings) {
		free(c);
		return NULL;
	}
	c->shm = shm;
	c->w = w;
	c->trace_fd = trace_fd;
	c->next_seq = 1;
	c->reserve_ok = trace_fd >= 0;
	return c;
}

int iorr_consumer_poll(struct iorr_consumer *c)
{
	int n = 0;

	for (unsigned i = 0; i < c->shm->nrings; i++)
		n += drain(c, i);
	if (n)
		emit_ready(c);
	atomic_store(&c->shm->heartbeat_ns, now_ns());
	return c->write_err && !n ? c->write_err : n;
}

/* Give up seq next_seq if its producer is dead or it is overdue. */
static void check_gap(struct iorr_consumer *c, bool final)
{
	uint64_t want = c->next_seq;
	bool skip = final;

	if (!c->nheap)
		return;
	if (!skip && c->stuck_since &&
	    now_ns() - c->stuck_since > GAP_TIMEOUT_NS)
		skip = true;
	for (unsigned i = 0; i < c->shm->nrings && !skip; i++) {
		struct iorr_ring_ctl *ctl = iorr_shm_ctl(c->shm, i);

		if (atomic_load(&ctl->inflight) == want &&
		    tid_dead(ctl->pid, ctl->tid))
			skip = true;
	}
	if (!skip)
		return;
	while (c->nheap && c->heap[0]->seq > c->next_seq) {
		c->st.gaps += c->heap[0]->seq - c->next_seq;
		c->next_seq = c->heap[0]->seq;
		emit_ready(c);
		if (!final)
			break;
	}
}

/*
 * Keep RESERVE_BYTES allocated past the end of the trace, so that when
 * the disk fills the trace can still be closed with its notes.
 */
static void reserve(struct iorr_consumer *c)
{
	struct iorr_writer_stats ws;

	if (!c->reserve_ok || c->write_err)
		return;
	iorr_writer_get_stats(c->w, &ws);
	if (ws.file_bytes + RESERVE_BYTES / 2 < c->reserved_to)
		return;
	if (fallocate(c->trace_fd, FALLOC_FL_KEEP_SIZE, (off_t)ws.file_bytes,
		      RESERVE_BYTES) == 0) {
		c->reserved_to = ws.file_bytes + RESERVE_BYTES;
		return;
	}
	if (errno == ENOSPC || errno == EDQUOT)
		c->write_err = -ENOSPC;	/* stop writing events now */
	else
		c->reserve_ok = false;	/* not supported here */
}

void iorr_consumer_tick(struct iorr_consumer *c)
{
	/* free the rings of threads that died without releasing them */
	for (unsigned i = 0; i < c->shm->nrings; i++) {
		struct iorr_ring_ctl *ctl = iorr_shm_ctl(c->shm, i);
		uint32_t exp = IORR_RING_OWNED;

		if (atomic_load(&ctl->state) != IORR_RING_OWNED ||
		    atomic_load(&ctl->head) != atomic_load(&ctl->tail) ||
		    !tid_dead(ctl->pid, ctl->tid))
			continue;
		atomic_compare_exchange_strong(&ctl->state, &exp,
					       IORR_RING_RELEASED);
	}
	check_gap(c, false);
	if (!c->write_err) {
		int r = iorr_writer_flush(c->w);

		if (r < 0)
			note_write_error(c, r);
	}
	reserve(c);
}

/* ---- initial and final state ------------------------------------- */

/* Read [off, off+len) of @fd into blobs of at most STATE_BLOB_MAX. */
static int add_extents(struct iorr_consumer *c, int fd, uint64_t off,
		       uint64_t len, struct iorr_extent **ext, uint32_t *n,
		       uint32_t *cap)
{
	while (len) {
		size_t k = len < STATE_BLOB_MAX ? (size_t)len : STATE_BLOB_MAX;
		uint8_t *buf = malloc(k);
		size_t got = 0;
		int64_t id;

		if (!buf)
			return -ENOMEM;
		while (got < k) {
			ssize_t r = pread(fd, buf + got, k - got,
					  (off_t)(off + got));

			if (r <= 0) {
				free(buf);
				return r < 0 ? -errno : -EIO;
			}
			got += (size_t)r;
		}
		id = iorr_writer_blob(c->w, buf, k);
		free(buf);
		if (id < 0)
			return (int)id;
		if (*n == *cap) {
			uint32_t nc = *cap ? *cap * 2 : 8;
			struct iorr_extent *p = realloc(*ext, nc * sizeof(*p));

			if (!p)
				return -ENOMEM;
			*ext = p;
			*cap = nc;
		}
		(*ext)[(*n)++] = (struct iorr_extent){ off, k, (uint32_t)id };
		off += k;
		len -= k;
	}
	return 0;
}

static int snapshot_extents(struct iorr_consumer *c, const char *file,
			    uint64_t size, struct iorr_extent **ext,
			    uint32_t *n)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	uint32_t cap = 0;
	int r = 0;

	*ext = NULL;
	*n = 0;
	if (fd < 0)
		return -errno;
	for (uint64_t off = 0; off < size && r == 0;) {
		off_t d = lseek(fd, (off_t)off, SEEK_DATA), e;

		if (d < 0 && errno == ENXIO)
			break;
		if (d < 0) {
			r = add_extents(c, fd, off, size - off, ext, n, &cap);
			break;
		}
		e = lseek(fd, d, SEEK_HOLE);
		if (e < 0 || (uint64_t)e > size)
			e = (off_t)size;
		r = add_extents(c, fd, (uint64_t)d, (uint64_t)(e - d), ext, n,
				&cap);
		off = (uint64_t)e;
	}
	close(fd);
	return r;
}

static int write_initial(struct iorr_consumer *c, const char *snap_dir)
{
	struct sinfo *s, *tmp;

	HASH_ITER(hh, c->snaps, s, tmp) {
		struct iorr_file_state st = { 0 };
		struct iorr_extent *ext = NULL;
		int64_t pid = iorr_writer_path(c->w, s->path);
		int r;

		if (pid < 0)
			return (int)pid;
		st.path = (uint32_t)pid;
		st.mode = (uint32_t)s->mode;
		st.size = s->size;
		st.link = s->link;
		if (s->flags & IORR_SNAPF_EXISTS)
			st.flags |= IORR_FS_EXISTS;
		if (s->flags & IORR_SNAPF_MISSING)
			st.flags |= IORR_FS_CONTENT_MISSING;
		if ((s->flags & IORR_SNAPF_COPIED) && snap_dir) {
			char file[4200];

			snprintf(file, sizeof(file), "%s/%" PRIu64, snap_dir,
				 s->id);
			r = snapshot_extents(c, file, s->size, &ext,
					     &st.nextents);
			if (r == -ENOMEM || r == -ENOSPC)
				return r;
			if (r < 0) {
				st.flags |= IORR_FS_CONTENT_MISSING;
				st.nextents = 0;
			}
			st.extents = ext;
		}
		r = iorr_writer_state(c->w, IORR_STATE_INITIAL, &st);
		free(ext);
		if (r < 0)
			return r;
	}
	return 0;
}

static int hash_file(const char *path, uint64_t size, struct iorr_hash128 *h)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	void *m;

	if (fd < 0)
		return -errno;
	if (size == 0) {
		close(fd);
		*h = iorr_hash128("", 0);
		return 0;
	}
	m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -errno;
	*h = iorr_hash128(m, size);
	munmap(m, size);
	return 0;
}

static int write_final(struct iorr_consumer *c)
{
	struct touched *t, *tmp;

	HASH_ITER(hh, c->touched, t, tmp) {
		struct iorr_file_state st = { 0 };
		char link[4097];
		struct stat sb;
		int64_t pid = iorr_writer_path(c->w, t->path);
		int r;

		if (pid < 0)
			return (int)pid;
		st.path = (uint32_t)pid;
		if (lstat(t->path, &sb) == 0) {
			st.flags = IORR_FS_EXISTS;
			st.mode = sb.st_mode;
			st.size = S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
			if (S_ISREG(sb.st_mode) &&
			    hash_file(t->path, st.size, &st.hash) == 0)
				st.flags |= IORR_FS_HASHED;
			if (S_ISLNK(sb.st_mode)) {
				ssize_t n = readlink(t->path, link,
						     sizeof(link) - 1);

				if (n >= 0) {
					link[n] = '\0';
					st.link = link;
				}
			}
		}
		r = iorr_writer_state(c->w, IORR_STATE_FINAL, &st);
		if (r < 0)
			return r;
	}
	return 0;
}

int iorr_consumer_finish(struct iorr_consumer *c, const char *snap_dir)
{
	char buf[256];
	struct note *n, *tmp;
	uint64_t lost;
	int r = 0;

	while (iorr_consumer_poll(c) > 0)
		;
	check_gap(c, true);
	emit_ready(c);
	lost = atomic_load(&c->shm->lost_events);
	c->st.dropped = lost;
	if (atomic_load(&c->shm->snap_full))
		set_note(c, "snapshot_table_full",
			 "\"more files than the first-touch table holds: "
			 "some initial states are missing\"");
	if (lost || c->st.gaps || c->st.late) {
		snprintf(buf, sizeof(buf),
			 "{\"events\":%" PRIu64 ",\"gaps\":%" PRIu64
			 ",\"late\":%" PRIu64 ",\"reasons\":%" PRIu64 "}",
			 lost, c->st.gaps, c->st.late,
			 (uint64_t)atomic_load(&c->shm->lost_reasons));
		set_note(c, "loss", buf);
	}
	if (c->write_err) {
		snprintf(buf, sizeof(buf),
			 "{\"reason\":\"%s\",\"events_not_written\":%" PRIu64
			 "}", strerror(-c->write_err), c->st.disk_dropped);
		/*
		 * The writer's error is sticky: when it failed, these
		 * notes cannot be written; when only the reservation
		 * failed, they can (into the reserved space).
		 */
		set_note(c, "partial", buf);
	}
	c->st.partial = lost || c->st.gaps || c->st.late || c->write_err;
	async_note(c);
	if (!c->write_err) {
		if ((r = write_initial(c, snap_dir)) < 0 ||
		    (r = write_final(c)) < 0)
			note_write_error(c, r);
	}
	HASH_ITER(hh, c->notes, n, tmp) {
		int k = iorr_writer_note(c->w, n->key, n->value);

		if (k < 0 && !r)
			r = k;
	}
	return c->write_err ? c->write_err : r;
}

const char *const *iorr_consumer_paths(struct iorr_consumer *c)
{
	struct touched *t, *tmp;
	size_t n = HASH_COUNT(c->touched), i = 0;

	free(c->paths);
	c->paths = calloc(n + 1, sizeof(*c->paths));
	if (!c->paths)
		return NULL;
	HASH_ITER(hh, c->touched, t, tmp)
		c->paths[i++] = t->path;
	return c->paths;
}

void iorr_consumer_stats(const struct iorr_consumer *c,
			 struct iorr_consumer_stats *st)
{
	*st = c->st;
	st->dropped = atomic_load(&c->shm->lost_events);
}

void iorr_consumer_free(struct iorr_consumer *c)
{
	struct tinfo *t, *tt;
	struct pinfo *p, *pt;
	struct oinfo *o, *ot;
	struct sinfo *s, *st;
	struct touched *x, *xt;
	struct note *n, *nt;

	if (!c)
		return;
	while (c->nheap)
		pev_free(heap_pop(c));
	free(c->heap);
	HASH_ITER(hh, c->threads, t, tt) {
		HASH_DEL(c->threads, t);
		free(t);
	}
	HASH_ITER(hh, c->procs, p, pt) {
		HASH_DEL(c->procs, p);
		free(p);
	}
	HASH_ITER(hh, c->objs, o, ot) {
		HASH_DEL(c->objs, o);
		free(o);
	}
	HASH_ITER(hh, c->snaps, s, st) {
		HASH_DEL(c->snaps, s);
		free(s->link);
		free(s);
	}
	HASH_ITER(hh, c->touched, x, xt) {
		HASH_DEL(c->touched, x);
		free(x);
	}
	HASH_ITER(hh, c->notes, n, nt) {
		HASH_DEL(c->notes, n);
		free(n->value);
		free(n);
	}
	for (unsigned i = 0; i < c->shm->nrings; i++)
		for (unsigned k = 0; k < 2; k++)
			free(c->rings[i].fr[k].p);
	free(c->rings);
	free(c->paths);
	free(c);
}
