/* SPDX-License-Identifier: MIT */
/*
 * File accesses and conflicting unordered pairs (conflicts.h).
 *
 * Three kinds of state are kept while the events stream by:
 *   descriptors	(pid, fd) -> open file description (file, position,
 *			O_APPEND), shared by dup and fork as in the kernel;
 *   clocks		a vector clock per thread, per lock object, per file
 *			(file locks), per forked pid and per request in flight;
 *   windows		the last CLI_CONFLICTS_WINDOW accesses of each file,
 *			each with the (thread, clock) at which it completed.
 *
 * An access E happens before a later access N iff N's acquire clock (the
 * thread's clock at N's call, or at the SUBMIT of an async N) has seen E's
 * release point: N.acq[E.thread] >= E.clock.  The converse cannot hold for
 * an access completed earlier in the trace's order, so one test per pair
 * decides "unordered".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "cli/conflicts.h"

struct vclock {
	uint32_t n;
	uint32_t *v;
};

/* An open file description: what dup() and fork() share. */
struct ofd {
	uint32_t refs;
	uint32_t file;		/* path id */
	bool append;
	uint64_t pos;
};

struct fd_ent {
	UT_hash_handle hh;
	uint64_t key;		/* pid << 32 | fd */
	struct ofd *o;
};

/* A keyed clock: lock objects, file locks, forked pids. */
struct key_clock {
	UT_hash_handle hh;
	uint64_t key;
	struct vclock vc;
};

struct map_ent {
	UT_hash_handle hh;
	uint64_t id;
	uint32_t file;
};

/* An async request between its SUBMIT and its completion. */
struct req {
	UT_hash_handle hh;
	uint64_t id;
	struct vclock acq;	/* the submitter's clock at the SUBMIT */
	struct cli_access acc[2];
	int nacc;
};

struct win_ent {
	uint64_t seq;
	uint64_t off, end;
	uint64_t start_ns, end_ns;
	uint32_t thread, clock;	/* release point */
	bool write;
};

struct file_state {
	bool known;
	uint64_t size;		/* current size as far as the trace shows */
	uint64_t extent;	/* largest offset seen */
	struct win_ent win[CLI_CONFLICTS_WINDOW];
	unsigned nwin, pos;
};

struct thread_state {
	struct vclock vc;
	struct vclock spawn;	/* from thread_create, joined at the start */
	bool started;
};

/* Field names the tracker reads, looked up once per op. */
enum {
	F_FD, F_OFF, F_LEN, F_IOV, F_PATH, F_DATA, F_REQ, F_MAP, F_WHENCE,
	F_FLAGS, F_OLDFD, F_FD_IN, F_OFF_IN, F_FD_OUT, F_OFF_OUT, F_SRC_FD,
	F_SRC_OFF, F_DEST_FD, F_DEST_OFF, F_IN_FD, F_SIZE, F_OBJ, F_COND,
	F_MUTEX, F_CMD, F_PID, F_FIRST, F_LAST, F__COUNT
};

static const char *const field_names[F__COUNT] = {
	"fd", "off", "len", "iov", "path", "data", "req", "map", "whence",
	"flags", "oldfd", "fd_in", "off_in", "fd_out", "off_out", "src_fd",
	"src_off", "dest_fd", "dest_off", "in_fd", "size", "obj", "cond",
	"mutex", "cmd", "pid", "first", "last",
};

struct cli_conflicts {
	int8_t fidx[IORR_OP__COUNT][F__COUNT];
	struct thread_state *threads;
	uint32_t nthreads;
	struct fd_ent *fds;
	struct key_clock *locks, *pids;
	struct map_ent *maps;
	struct req *reqs;
	struct file_state *files;
	uint32_t nfiles;
	bool states_read;
	struct cli_conflict *list;
	size_t nlist, cap, max_pairs;
	uint64_t total;
};

/* ---- vector clocks -------------------------------------------------- */

static int vc_reserve(struct vclock *a, uint32_t n)
{
	if (n <= a->n)
		return 0;
	uint32_t *v = realloc(a->v, n * sizeof(*v));

	if (!v)
		return -ENOMEM;
	memset(v + a->n, 0, (n - a->n) * sizeof(*v));
	a->v = v;
	a->n = n;
	return 0;
}

static int vc_join(struct vclock *dst, const struct vclock *src)
{
	if (vc_reserve(dst, src->n) < 0)
		return -ENOMEM;
	for (uint32_t i = 0; i < src->n; i++)
		if (src->v[i] > dst->v[i])
			dst->v[i] = src->v[i];
	return 0;
}

static int vc_copy(struct vclock *dst, const struct vclock *src)
{
	if (vc_reserve(dst, src->n) < 0)
		return -ENOMEM;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	memset(dst->v + src->n, 0, (dst->n - src->n) * sizeof(*dst->v));
	return 0;
}

static uint32_t vc_get(const struct vclock *a, uint32_t i)
{
	return i < a->n ? a->v[i] : 0;
}

/* ---- lookups -------------------------------------------------------- */

int cli_conflicts_new(size_t max_pairs, struct cli_conflicts **out)
{
	struct cli_conflicts *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	for (unsigned op = 0; op < IORR_OP__COUNT; op++)
		for (unsigned k = 0; k < F__COUNT; k++)
			c->fidx[op][k] = (int8_t)iorr_op_field_index(
				op, field_names[k]);
	c->max_pairs = max_pairs;
	*out = c;
	return 0;
}

static bool has(const struct cli_conflicts *c, const struct iorr_event *ev,
		int k)
{
	return c->fidx[ev->op][k] >= 0;
}

static uint64_t fv(const struct cli_conflicts *c, const struct iorr_event *ev,
		   int k)
{
	int i = c->fidx[ev->op][k];

	return i >= 0 ? ev->f[i] : 0;
}

static int64_t fs(const struct cli_conflicts *c, const struct iorr_event *ev,
		  int k)
{
	return (int64_t)fv(c, ev, k);
}

static struct key_clock *key_clock(struct key_clock **h, uint64_t key,
				   bool create)
{
	struct key_clock *k;

	HASH_FIND(hh, *h, &key, sizeof(key), k);
	if (k || !create)
		return k;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->key = key;
	HASH_ADD(hh, *h, key, sizeof(k->key), k);
	return k;
}

static struct file_state *file_get(struct cli_conflicts *c,
				   const struct iorr_reader *r, uint32_t file)
{
	if (file >= c->nfiles) {
		uint32_t n = c->nfiles ? c->nfiles : 16;

		while (n <= file)
			n *= 2;
		struct file_state *f = realloc(c->files, n * sizeof(*f));

		if (!f)
			return NULL;
		memset(f + c->nfiles, 0, (n - c->nfiles) * sizeof(*f));
		c->files = f;
		c->nfiles = n;
	}
	struct file_state *f = &c->files[file];

	if (!f->known) {
		/* the initial state precedes the events that use it */
		size_t n = iorr_reader_nstates(r, IORR_STATE_INITIAL);

		f->known = true;
		for (size_t i = 0; i < n; i++) {
			const struct iorr_file_state *s = iorr_reader_state(
				r, IORR_STATE_INITIAL, i);

			if (s->path == file && (s->flags & IORR_FS_EXISTS)) {
				f->size = f->extent = s->size;
				break;
			}
		}
	}
	return f;
}

static struct ofd *fd_find(struct cli_conflicts *c, int32_t pid, int64_t fd)
{
	uint64_t key = (uint64_t)(uint32_t)pid << 32 | (uint32_t)fd;
	struct fd_ent *e;

	if (fd < 0 || fd > INT32_MAX)
		return NULL;
	HASH_FIND(hh, c->fds, &key, sizeof(key), e);
	return e ? e->o : NULL;
}

static void ofd_put(struct ofd *o)
{
	if (o && --o->refs == 0)
		free(o);
}

static void fd_drop(struct cli_conflicts *c, int32_t pid, int64_t fd)
{
	uint64_t key = (uint64_t)(uint32_t)pid << 32 | (uint32_t)fd;
	struct fd_ent *e;

	if (fd < 0 || fd > INT32_MAX)
		return;
	HASH_FIND(hh, c->fds, &key, sizeof(key), e);
	if (!e)
		return;
	HASH_DEL(c->fds, e);
	ofd_put(e->o);
	free(e);
}

/* Point (pid, fd) at @o (taking a reference). */
static int fd_assign(struct cli_conflicts *c, int32_t pid, int64_t fd,
		  struct ofd *o)
{
	struct fd_ent *e;

	if (fd < 0 || fd > INT32_MAX)
		return 0;
	o->refs++;
	fd_drop(c, pid, fd);
	e = calloc(1, sizeof(*e));
	if (!e) {
		o->refs--;	/* the caller still owns an unused @o */
		return -ENOMEM;
	}
	e->key = (uint64_t)(uint32_t)pid << 32 | (uint32_t)fd;
	e->o = o;
	HASH_ADD(hh, c->fds, key, sizeof(e->key), e);
	return 0;
}

static int fd_new(struct cli_conflicts *c, int32_t pid, int64_t fd,
		   uint32_t file, uint64_t flags)
{
	struct ofd *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	o->file = file;
	o->append = flags & O_APPEND;
	int k = fd_assign(c, pid, fd, o);

	if (o->refs == 0)
		free(o);	/* not stored: a bad fd or no memory */
	return k;
}

/* ---- conflicts ------------------------------------------------------ */

static int add_conflict(struct cli_conflicts *c, const struct win_ent *e,
			const struct cli_access *n, uint64_t nend)
{
	c->total++;
	if (c->max_pairs && c->nlist >= c->max_pairs)
		return 0;
	if (c->nlist == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct cli_conflict *l = realloc(c->list, cap * sizeof(*l));

		if (!l)
			return -ENOMEM;
		c->list = l;
		c->cap = cap;
	}
	uint64_t lo = e->off > n->off ? e->off : n->off;
	uint64_t hi = e->end < nend ? e->end : nend;

	c->list[c->nlist++] = (struct cli_conflict){
		.a = e->seq, .b = n->seq, .file = n->file, .off = lo,
		.len = hi == UINT64_MAX ? CLI_ACCESS_TO_END : hi - lo,
		.a_write = e->write, .b_write = n->write,
		.overlapped = e->start_ns < n->end_ns &&
			      n->start_ns < e->end_ns,
	};
	return 0;
}

/*
 * Compare access @n, acquired at @acq and released at (thread, clock), with
 * the window of its file, then enter it into the window.
 */
static int check_access(struct cli_conflicts *c, struct file_state *f,
			const struct cli_access *n, const struct vclock *acq,
			uint32_t thread, uint32_t clock)
{
	uint64_t end = n->len == CLI_ACCESS_TO_END || n->off + n->len < n->off
		       ? UINT64_MAX : n->off + n->len;

	for (unsigned k = 0; k < f->nwin; k++) {
		const struct win_ent *e = &f->win[k];

		if (!(e->write || n->write) || e->off >= end || n->off >= e->end)
			continue;
		if (vc_get(acq, e->thread) >= e->clock)
			continue;	/* e happens before n */
		if (add_conflict(c, e, n, end) < 0)
			return -ENOMEM;
	}
	f->win[f->pos] = (struct win_ent){
		.seq = n->seq, .off = n->off, .end = end,
		.start_ns = n->start_ns, .end_ns = n->end_ns,
		.thread = thread, .clock = clock, .write = n->write,
	};
	f->pos = (f->pos + 1) % CLI_CONFLICTS_WINDOW;
	if (f->nwin < CLI_CONFLICTS_WINDOW)
		f->nwin++;
	return 0;
}

/* Account for the access in the file's size and extent. */
static void file_note(struct file_state *f, const struct cli_access *a,
		      bool truncate)
{
	if (truncate) {
		f->size = a->off;
		if (a->off > f->extent)
			f->extent = a->off;
		return;
	}
	if (a->len == CLI_ACCESS_TO_END)
		return;
	if (a->write && a->off + a->len > f->size)
		f->size = a->off + a->len;
	if (a->off + a->len > f->extent)
		f->extent = a->off + a->len;
}

/* ---- resolving data ops to accesses -------------------------------- */

static uint64_t iov_total(const struct iorr_event *ev)
{
	uint64_t n = 0;

	for (uint32_t k = 0; k < ev->nvec; k++)
		n += ev->vec[k];
	return n;
}

/*
 * Fill @a for @len bytes at @off (-1: the descriptor's position, which
 * advances) of descriptor @fd of @pid.  @return 1, or 0 when the fd is not
 * a traced file.
 */
static int at_fd(struct cli_conflicts *c, const struct iorr_reader *r,
		 int32_t pid, int64_t fd, int64_t off, uint64_t len,
		 bool write, bool advance, struct cli_access *a)
{
	struct ofd *o = fd_find(c, pid, fd);
	struct file_state *f;

	if (!o || !(f = file_get(c, r, o->file)))
		return 0;
	a->file = o->file;
	a->write = write;
	if (off >= 0) {
		a->off = (uint64_t)off;
	} else {
		a->off = write && o->append ? f->size : o->pos;
		if (advance)
			o->pos = a->off + len;
	}
	a->len = len;
	return 1;
}

static uint64_t result_bytes(const struct iorr_event *ev)
{
	return ev->err || ev->result <= 0 ? 0 : (uint64_t)ev->result;
}

/*
 * The accesses of a sync data call (@sync) or of an async SUBMIT (its
 * requested range; trimmed to the result at completion).
 * @return their number; *@trunc set for a truncation.
 */
static int resolve(struct cli_conflicts *c, const struct iorr_reader *r,
		   const struct iorr_event *ev, int32_t pid,
		   struct cli_access a[2], bool *trunc)
{
	const struct iorr_op_desc *d = iorr_op_get(ev->op);
	bool sync = d->kind == IORR_KIND_SYNC;
	uint64_t n = sync ? result_bytes(ev) : 0;
	int k = 0;

	*trunc = false;
	if (sync && (ev->err || ev->result < 0))
		return 0;
	switch (ev->op) {
	case IORR_OP_open:
	case IORR_OP_openat:
	case IORR_OP_openat2:
	case IORR_OP_fopen:
		if (!(fv(c, ev, F_FLAGS) & O_TRUNC))
			return 0;
		/* fall through */
	case IORR_OP_creat:
		/* O_TRUNC: the file is cut to 0 */
		a[0].file = (uint32_t)fv(c, ev, F_PATH);
		a[0].off = 0;
		a[0].len = CLI_ACCESS_TO_END;
		a[0].write = true;
		*trunc = true;
		return 1;
	case IORR_OP_truncate:
		a[0].file = (uint32_t)fv(c, ev, F_PATH);
		a[0].off = fv(c, ev, F_LEN);
		a[0].len = CLI_ACCESS_TO_END;
		a[0].write = true;
		*trunc = true;
		return 1;
	case IORR_OP_ftruncate:
		k = at_fd(c, r, pid, fs(c, ev, F_FD), (int64_t)fv(c, ev, F_LEN),
			  CLI_ACCESS_TO_END, true, false, a);
		*trunc = k > 0;
		return k;
	case IORR_OP_fallocate:
	case IORR_OP_posix_fallocate:
	case IORR_OP_uring_fallocate:
		return at_fd(c, r, pid, fs(c, ev, F_FD), fs(c, ev, F_OFF) < 0 ?
			     0 : fs(c, ev, F_OFF), fv(c, ev, F_LEN), true,
			     false, a);
	case IORR_OP_fread:
	case IORR_OP_fwrite:
		return at_fd(c, r, pid, fs(c, ev, F_FD), -1,
			     n * fv(c, ev, F_SIZE), d->cls == IORR_CLASS_WRITE,
			     true, a);
	case IORR_OP_sendfile:
		return at_fd(c, r, pid, fs(c, ev, F_IN_FD), fs(c, ev, F_OFF), n,
			     false, true, a);
	case IORR_OP_copy_file_range:
	case IORR_OP_splice:
	case IORR_OP_uring_splice:
		if (!sync)
			n = fv(c, ev, F_LEN);
		k = at_fd(c, r, pid, fs(c, ev, F_FD_IN), fs(c, ev, F_OFF_IN), n,
			  false, true, &a[0]);
		k += at_fd(c, r, pid, fs(c, ev, F_FD_OUT),
			   fs(c, ev, F_OFF_OUT), n, true, true, &a[k]);
		return k;
	case IORR_OP_ficlone:
		k = at_fd(c, r, pid, fs(c, ev, F_SRC_FD), 0, CLI_ACCESS_TO_END,
			  false, false, &a[0]);
		k += at_fd(c, r, pid, fs(c, ev, F_FD), 0, CLI_ACCESS_TO_END,
			   true, false, &a[k]);
		return k;
	case IORR_OP_ficlonerange: {
		uint64_t l = fv(c, ev, F_LEN) ? fv(c, ev, F_LEN) :
			     CLI_ACCESS_TO_END;

		k = at_fd(c, r, pid, fs(c, ev, F_SRC_FD), fs(c, ev, F_SRC_OFF),
			  l, false, false, &a[0]);
		k += at_fd(c, r, pid, fs(c, ev, F_FD), fs(c, ev, F_DEST_OFF),
			   l, true, false, &a[k]);
		return k;
	}
	case IORR_OP_fidedupe:
		/* dedupe leaves the content as it was: two reads */
		k = at_fd(c, r, pid, fs(c, ev, F_SRC_FD), fs(c, ev, F_SRC_OFF),
			  fv(c, ev, F_LEN), false, false, &a[0]);
		k += at_fd(c, r, pid, fs(c, ev, F_DEST_FD),
			   fs(c, ev, F_DEST_OFF), fv(c, ev, F_LEN), false,
			   false, &a[k]);
		return k;
	case IORR_OP_mmap_write: {
		uint64_t id = fv(c, ev, F_MAP);
		struct map_ent *m;

		HASH_FIND(hh, c->maps, &id, sizeof(id), m);
		if (!m || !file_get(c, r, m->file))
			return 0;
		a[0].file = m->file;
		a[0].off = fv(c, ev, F_OFF);
		a[0].len = n;
		a[0].write = true;
		return 1;
	}
	default:
		break;
	}
	if ((d->cls != IORR_CLASS_READ && d->cls != IORR_CLASS_WRITE) ||
	    !has(c, ev, F_FD))
		return 0;
	if (!sync)
		n = has(c, ev, F_LEN) ? fv(c, ev, F_LEN) : iov_total(ev);
	return at_fd(c, r, pid, fs(c, ev, F_FD),
		     has(c, ev, F_OFF) ? fs(c, ev, F_OFF) : -1, n,
		     d->cls == IORR_CLASS_WRITE, true, a);
}

/* ---- descriptors ---------------------------------------------------- */

static int track_fds(struct cli_conflicts *c, const struct iorr_reader *r,
		     const struct iorr_event *ev, int32_t pid)
{
	struct ofd *o;

	if (ev->err || ev->result < 0)
		return 0;
	switch (ev->op) {
	case IORR_OP_open:
	case IORR_OP_openat:
	case IORR_OP_openat2:
	case IORR_OP_fopen:
		return fd_new(c, pid, ev->result, (uint32_t)fv(c, ev, F_PATH),
			       fv(c, ev, F_FLAGS));
	case IORR_OP_creat:
		return fd_new(c, pid, ev->result, (uint32_t)fv(c, ev, F_PATH),
			       0);
	case IORR_OP_fd_path:
		return fd_new(c, pid, fs(c, ev, F_FD),
			       (uint32_t)fv(c, ev, F_PATH), fv(c, ev, F_FLAGS));
	case IORR_OP_fdopen:
		o = fd_find(c, pid, fs(c, ev, F_FD));
		return o ? fd_assign(c, pid, ev->result, o) : 0;
	case IORR_OP_dup:
	case IORR_OP_dup2:
	case IORR_OP_dup3:
		o = fd_find(c, pid, fs(c, ev, F_OLDFD));
		return o ? fd_assign(c, pid, ev->result, o) : 0;
	case IORR_OP_fcntl:
		if (fv(c, ev, F_CMD) != F_DUPFD &&
		    fv(c, ev, F_CMD) != F_DUPFD_CLOEXEC)
			return 0;
		o = fd_find(c, pid, fs(c, ev, F_FD));
		return o ? fd_assign(c, pid, ev->result, o) : 0;
	case IORR_OP_close:
	case IORR_OP_fclose:
		fd_drop(c, pid, fs(c, ev, F_FD));
		return 0;
	case IORR_OP_close_range: {
		struct fd_ent *e, *t;

		HASH_ITER(hh, c->fds, e, t) {
			uint32_t fd = (uint32_t)e->key;

			if ((int32_t)(e->key >> 32) == pid &&
			    fd >= fv(c, ev, F_FIRST) && fd <= fv(c, ev, F_LAST))
				fd_drop(c, pid, fd);
		}
		return 0;
	}
	case IORR_OP_lseek:
		o = fd_find(c, pid, fs(c, ev, F_FD));
		if (o)
			o->pos = (uint64_t)ev->result;
		return 0;
	case IORR_OP_fseek: {
		int64_t off = fs(c, ev, F_OFF);
		struct file_state *f;

		o = fd_find(c, pid, fs(c, ev, F_FD));
		if (!o || !(f = file_get(c, r, o->file)))
			return 0;
		if (fv(c, ev, F_WHENCE) == SEEK_CUR)
			off += (int64_t)o->pos;
		else if (fv(c, ev, F_WHENCE) == SEEK_END)
			off += (int64_t)f->size;
		o->pos = off < 0 ? 0 : (uint64_t)off;
		return 0;
	}
	case IORR_OP_fork: {
		/* the child starts with its parent's descriptors */
		int32_t child = (int32_t)fv(c, ev, 0);
		struct fd_ent *e, *t, **copy;
		size_t n = 0, i;
		int err = 0;

		if (child == pid)
			return 0;
		copy = malloc((HASH_COUNT(c->fds) + 1) * sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		/* collect first: fd_assign() changes the table */
		HASH_ITER(hh, c->fds, e, t)
			if ((int32_t)(e->key >> 32) == pid)
				copy[n++] = e;
		for (i = 0; i < n && !err; i++)
			err = fd_assign(c, child, (int64_t)(uint32_t)copy[i]->key,
				     copy[i]->o);
		free(copy);
		return err;
	}
	case IORR_OP_mmap: {
		uint64_t id = fv(c, ev, 0);
		struct map_ent *m;

		o = fd_find(c, pid, fs(c, ev, F_FD));
		if (!o)
			return 0;
		HASH_FIND(hh, c->maps, &id, sizeof(id), m);
		if (!m) {
			m = calloc(1, sizeof(*m));
			if (!m)
				return -ENOMEM;
			m->id = id;
			HASH_ADD(hh, c->maps, id, sizeof(m->id), m);
		}
		m->file = o->file;
		return 0;
	}
	default:
		return 0;
	}
}

/* ---- happens-before ------------------------------------------------- */

static int threads_reserve(struct cli_conflicts *c, uint32_t n)
{
	if (n <= c->nthreads)
		return 0;
	struct thread_state *t = realloc(c->threads, n * sizeof(*t));

	if (!t)
		return -ENOMEM;
	memset(t + c->nthreads, 0, (n - c->nthreads) * sizeof(*t));
	c->threads = t;
	c->nthreads = n;
	return 0;
}

/* Join what this event acquires into its thread's clock. */
static int acquire(struct cli_conflicts *c, const struct iorr_reader *r,
		   const struct iorr_event *ev, int32_t pid, struct req *rq)
{
	struct thread_state *ts = &c->threads[ev->thread];
	const struct iorr_op_desc *d = iorr_op_get(ev->op);
	struct key_clock *k;

	if (!ts->started) {
		const struct iorr_thread *th = iorr_reader_thread(r,
								  ev->thread);

		ts->started = true;
		k = key_clock(&c->pids, (uint32_t)pid, false);
		if (ts->spawn.n) {
			if (vc_join(&ts->vc, &ts->spawn) < 0)
				return -ENOMEM;
		} else if (k) {
			if (vc_join(&ts->vc, &k->vc) < 0)
				return -ENOMEM;
		} else if (th && th->parent < c->nthreads) {
			/* no thread_create seen: the thread table's parent */
			if (vc_join(&ts->vc, &c->threads[th->parent].vc) < 0)
				return -ENOMEM;
		}
	}
	switch (ev->op) {
	case IORR_OP_thread_join: {
		uint64_t t = ev->f[0];

		if (t < c->nthreads &&
		    vc_join(&ts->vc, &c->threads[t].vc) < 0)
			return -ENOMEM;
		break;
	}
	case IORR_OP_wait: {
		int32_t wpid = ev->result > 0 ? (int32_t)ev->result :
			       (int32_t)fv(c, ev, F_PID);

		for (uint32_t t = 0; t < c->nthreads; t++) {
			const struct iorr_thread *th = iorr_reader_thread(r, t);

			if (th && th->pid == wpid && t != ev->thread &&
			    vc_join(&ts->vc, &c->threads[t].vc) < 0)
				return -ENOMEM;
		}
		break;
	}
	default:
		break;
	}
	if (rq && vc_join(&ts->vc, &rq->acq) < 0)
		return -ENOMEM;
	if (d->cls == IORR_CLASS_LOCK) {
		/* lock objects and file locks keep their recorded order */
		uint64_t keys[2];
		int nk = 0;

		if (d->kind == IORR_KIND_PRIM) {
			keys[nk++] = ev->f[0];
			if (ev->op == IORR_OP_cond_wait)
				keys[nk++] = fv(c, ev, F_MUTEX);
		} else {
			struct ofd *o = fd_find(c, pid, fs(c, ev, F_FD));

			if (o)
				keys[nk++] = (uint64_t)1 << 63 | o->file;
		}
		for (int i = 0; i < nk; i++) {
			k = key_clock(&c->locks, keys[i], true);
			if (!k || vc_join(&ts->vc, &k->vc) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* Publish this event's clock where later events acquire it. */
static int release(struct cli_conflicts *c, const struct iorr_event *ev,
		   int32_t pid)
{
	struct thread_state *ts = &c->threads[ev->thread];
	const struct iorr_op_desc *d = iorr_op_get(ev->op);
	struct key_clock *k;

	switch (ev->op) {
	case IORR_OP_thread_create:
		if (ev->f[0] < c->nthreads &&
		    vc_copy(&c->threads[ev->f[0]].spawn, &ts->vc) < 0)
			return -ENOMEM;
		break;
	case IORR_OP_fork:
		k = key_clock(&c->pids, (uint32_t)ev->f[0], true);
		if (!k || vc_copy(&k->vc, &ts->vc) < 0)
			return -ENOMEM;
		break;
	default:
		break;
	}
	if (d->cls == IORR_CLASS_LOCK) {
		uint64_t keys[2];
		int nk = 0;

		if (d->kind == IORR_KIND_PRIM) {
			keys[nk++] = ev->f[0];
			if (ev->op == IORR_OP_cond_wait)
				keys[nk++] = fv(c, ev, F_MUTEX);
		} else {
			struct ofd *o = fd_find(c, pid, fs(c, ev, F_FD));

			if (o)
				keys[nk++] = (uint64_t)1 << 63 | o->file;
		}
		for (int i = 0; i < nk; i++) {
			k = key_clock(&c->locks, keys[i], true);
			if (!k || vc_copy(&k->vc, &ts->vc) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* ---- the feed ------------------------------------------------------- */

static int finish_access(struct cli_conflicts *c, const struct iorr_reader *r,
			 struct cli_access *a, const struct vclock *acq,
			 uint32_t thread, uint32_t clock, bool trunc)
{
	struct file_state *f = file_get(c, r, a->file);

	if (!f)
		return -ENOMEM;
	if (a->len == 0 && !trunc)
		return 0;
	file_note(f, a, trunc);
	return check_access(c, f, a, acq, thread, clock) < 0 ? -ENOMEM : 1;
}

int cli_conflicts_event(struct cli_conflicts *c, const struct iorr_reader *r,
			const struct iorr_event *ev, struct cli_access acc[2])
{
	const struct iorr_op_desc *d = iorr_op_get(ev->op);
	const struct iorr_thread *th = iorr_reader_thread(r, ev->thread);
	int32_t pid = th ? th->pid : -1;
	struct req *rq = NULL;
	int nacc = 0, k;
	bool trunc = false;

	if (!d || !th)
		return 0;
	if (threads_reserve(c, iorr_reader_nthreads(r)) < 0)
		return -ENOMEM;
	if (d->kind == IORR_KIND_COMPLETE && has(c, ev, F_REQ)) {
		uint64_t id = fv(c, ev, F_REQ);

		HASH_FIND(hh, c->reqs, &id, sizeof(id), rq);
		if (rq)
			HASH_DEL(c->reqs, rq);
	}
	if (acquire(c, r, ev, pid, rq) < 0)
		goto oom;
	struct thread_state *ts = &c->threads[ev->thread];

	if (vc_reserve(&ts->vc, ev->thread + 1) < 0)
		goto oom;
	ts->vc.v[ev->thread]++;
	uint32_t clock = ts->vc.v[ev->thread];

	if (release(c, ev, pid) < 0)
		goto oom;

	if (rq) {
		/* the request's access completes with this event */
		for (int i = 0; i < rq->nacc; i++) {
			struct cli_access a = rq->acc[i];

			if (ev->result < 0) {
				continue;
			} else if ((uint64_t)ev->result < a.len &&
				   a.len != CLI_ACCESS_TO_END) {
				a.len = (uint64_t)ev->result;
			}
			a.done_seq = ev->seq;
			a.end_ns = ev->end_ns;
			if (has(c, ev, F_DATA) && fv(c, ev, F_DATA))
				a.data = fv(c, ev, F_DATA);
			k = finish_access(c, r, &a, &rq->acq, ev->thread, clock,
					  false);
			if (k < 0)
				goto oom;
			if (k)
				acc[nacc++] = a;
		}
		free(rq->acq.v);
		free(rq);
		rq = NULL;
	} else if (d->kind == IORR_KIND_SYNC || d->kind == IORR_KIND_SUBMIT) {
		struct cli_access a[2];

		memset(a, 0, sizeof(a));
		int n = resolve(c, r, ev, pid, a, &trunc);

		for (int i = 0; i < n; i++) {
			a[i].seq = a[i].done_seq = ev->seq;
			a[i].thread = ev->thread;
			a[i].start_ns = ev->start_ns;
			a[i].end_ns = ev->end_ns;
			a[i].data = a[i].write && has(c, ev, F_DATA) ?
				    fv(c, ev, F_DATA) : 0;
		}
		if (d->kind == IORR_KIND_SUBMIT && has(c, ev, F_REQ)) {
			struct req *q = calloc(1, sizeof(*q));

			if (!q || vc_copy(&q->acq, &ts->vc) < 0) {
				free(q);
				goto oom;
			}
			q->id = fv(c, ev, F_REQ);
			memcpy(q->acc, a, sizeof(a));
			q->nacc = n;
			HASH_FIND(hh, c->reqs, &q->id, sizeof(q->id), rq);
			if (rq) {
				/* a request id reused before completion */
				HASH_DEL(c->reqs, rq);
				free(rq->acq.v);
				free(rq);
				rq = NULL;
			}
			HASH_ADD(hh, c->reqs, id, sizeof(q->id), q);
		} else {
			for (int i = 0; i < n; i++) {
				k = finish_access(c, r, &a[i], &ts->vc,
						  ev->thread, clock, trunc);
				if (k < 0)
					goto oom;
				if (k)
					acc[nacc++] = a[i];
			}
		}
	}
	if (track_fds(c, r, ev, pid) < 0)
		goto oom;
	return nacc;
oom:
	if (rq) {
		free(rq->acq.v);
		free(rq);
	}
	return -ENOMEM;
}

const struct cli_conflict *cli_conflicts_list(const struct cli_conflicts *c,
					      size_t *n)
{
	*n = c->nlist;
	return c->list;
}

uint64_t cli_conflicts_total(const struct cli_conflicts *c)
{
	return c->total;
}

uint64_t cli_conflicts_file_extent(const struct cli_conflicts *c,
				   uint32_t file)
{
	if (file >= c->nfiles || !c->files[file].known)
		return 0;
	return c->files[file].extent > c->files[file].size ?
	       c->files[file].extent : c->files[file].size;
}

static void free_keys(struct key_clock **h)
{
	struct key_clock *k, *t;

	HASH_ITER(hh, *h, k, t) {
		HASH_DEL(*h, k);
		free(k->vc.v);
		free(k);
	}
}

void cli_conflicts_free(struct cli_conflicts *c)
{
	struct fd_ent *e, *et;
	struct map_ent *m, *mt;
	struct req *q, *qt;

	if (!c)
		return;
	HASH_ITER(hh, c->fds, e, et) {
		HASH_DEL(c->fds, e);
		ofd_put(e->o);
		free(e);
	}
	HASH_ITER(hh, c->maps, m, mt) {
		HASH_DEL(c->maps, m);
		free(m);
	}
	HASH_ITER(hh, c->reqs, q, qt) {
		HASH_DEL(c->reqs, q);
		free(q->acq.v);
		free(q);
	}
	free_keys(&c->locks);
	free_keys(&c->pids);
	for (uint32_t t = 0; t < c->nthreads; t++) {
		free(c->threads[t].vc.v);
		free(c->threads[t].spawn.v);
	}
	free(c->threads);
	free(c->files);
	free(c->list);
	free(c);
}
