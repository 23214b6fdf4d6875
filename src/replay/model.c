/* SPDX-License-Identifier: MIT */
/*
 * The content model: an in-memory model of every file's bytes as the
 * recorded execution left them, driven by the trace in seq order (fsx's
 * good buffer, generalized to many files, fds, processes and threads).
 *
 * Each file is a sorted array of extents covering [0, size); an extent says
 * where its bytes come from (zeros, a blob at an offset, stand-in bytes, or
 * unknown) and which op (seq) last wrote them.  The model uses recorded
 * results (a short write changes only the bytes it wrote) and follows the
 * namespace (rename, link, unlink) lexically, with the symlinks the trace
 * made or the initial state had (a symlink is a file whose target the
 * model keeps; see follow()).
 *
 * The model is stepped in the order the replay issued the events (the
 * recorded order, a planned serial order, or, in free order, the order of
 * issue times); racing windows use the replay's times when it reordered.
 *
 * For reads that overlapped writes of other threads in recorded time, the
 * legal content of a page is the serial content or that page with any one
 * of the racing writes undone (earlier in seq) or applied (later in seq).
 * NOTE: combinations of several racing writes on one page are not
 * enumerated; undo information is kept for the last UNDO_N writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "replay/replay_int.h"

enum { K_ZERO, K_BLOB, K_GEN, K_UNKNOWN };

struct ext {
	uint64_t off, len;
	uint8_t kind;
	uint32_t id;		/* blob id, or stand-in id */
	uint64_t boff;		/* offset of the first byte in the source */
	uint64_t seq;		/* writer; UINT64_MAX: initial state */
};

struct ino {
	uint64_t size;
	struct ext *e;
	size_t n, cap;
	bool isdir;
	char *link;		/* a symlink: its target, as given */
};

struct name {
	UT_hash_handle hh;
	char *path;
	uint32_t ino;
};

struct ofd {
	uint32_t ino;
	uint64_t pos;
	bool append;
	int refs;
};

struct mfd {
	UT_hash_handle hh;
	int32_t fd;
	struct ofd *ofd;
	char *path;
};

struct mproc {
	struct mfd *fds;
	char *cwd;
};

#define UNDO_N 64

struct undo {
	uint32_t ev;		/* the write */
	uint32_t ino;
	uint64_t off, len;
	uint8_t *before;	/* content before it, or NULL */
	uint8_t *after;
};

/* A file mapping (mmap record): its mmap_write records write the file. */
struct mmap_ino {
	UT_hash_handle hh;
	uint64_t id;
	uint32_t ino;
};

struct rp_model {
	struct replay *rp;
	struct ino *inos;
	uint32_t ninos, cap;
	struct name *names;
	struct mproc *procs;
	char **missing;
	size_t nmissing;
	struct undo undo[UNDO_N];
	unsigned undo_pos;
	/* read/write context of the event being stepped */
	uint32_t last_ino;
	int err;
	struct mmap_ino *maps;	/* file mappings: id -> file */
};

static uint32_t ino_new(struct rp_model *m)
{
	if (m->ninos == m->cap) {
		uint32_t c = m->cap ? m->cap * 2 : 64;
		void *p = realloc(m->inos, c * sizeof(*m->inos));

		if (!p) {
			m->err = -ENOMEM;
			return RP_NONE;
		}
		m->inos = p;
		m->cap = c;
	}
	memset(&m->inos[m->ninos], 0, sizeof(m->inos[0]));
	return m->ninos++;
}

static int ext_reserve(struct ino *f, size_t need)
{
	if (need <= f->cap)
		return 0;
	size_t c = f->cap ? f->cap * 2 : 8;

	while (c < need)
		c *= 2;
	void *p = realloc(f->e, c * sizeof(*f->e));

	if (!p)
		return -ENOMEM;
	f->e = p;
	f->cap = c;
	return 0;
}

/*
 * The extents are sorted and do not overlap, so both their starts and their
 * ends increase: lookups are binary searches (a file written at random has
 * one extent per written block, tens of thousands).
 */
/* Index of the first extent that ends after @off, or f->n. */
static size_t ext_after(const struct ino *f, uint64_t off)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->e[mid].off + f->e[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the first extent that starts at or after @off, or f->n. */
static size_t ext_from(const struct ino *f, uint64_t off)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->e[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Split so that an extent boundary lies at @off (< size). */
static int split_at(struct ino *f, uint64_t off)
{
	size_t k = ext_after(f, off);

	if (k >= f->n || off <= f->e[k].off)
		return 0;	/* past the end, or already a boundary */
	if (ext_reserve(f, f->n + 1) < 0)
		return -ENOMEM;
	memmove(&f->e[k + 1], &f->e[k], (f->n - k) * sizeof(f->e[0]));
	f->n++;
	uint64_t d = off - f->e[k].off;

	f->e[k].len = d;
	f->e[k + 1].off = off;
	f->e[k + 1].len -= d;
	if (f->e[k + 1].kind != K_ZERO)
		f->e[k + 1].boff += d;
	return 0;
}

static int set_size(struct ino *f, uint64_t size, uint64_t seq)
{
	if (size > f->size) {
		if (ext_reserve(f, f->n + 1) < 0)
			return -ENOMEM;
		f->e[f->n++] = (struct ext){ f->size, size - f->size, K_ZERO,
					     0, 0, seq };
	} else if (size < f->size) {
		if (split_at(f, size) < 0)
			return -ENOMEM;
		while (f->n && f->e[f->n - 1].off >= size)
			f->n--;
	}
	f->size = size;
	return 0;
}

/* Replace [off, off+len) with @src (src.off/len are ignored). */
static int set_range(struct ino *f, uint64_t off, uint64_t len, struct ext src)
{
	if (len == 0)
		return 0;
	if (off + len > f->size && set_size(f, off + len, src.seq) < 0)
		return -ENOMEM;
	if (split_at(f, off) < 0 || split_at(f, off + len) < 0)
		return -ENOMEM;
	size_t a = ext_from(f, off), b = ext_from(f, off + len);

	/* [a, b) are covered: replace them by one */
	if (a == b && ext_reserve(f, f->n + 1) < 0)
		return -ENOMEM;
	if (a == b) {
		memmove(&f->e[a + 1], &f->e[a], (f->n - a) * sizeof(src));
		f->n++;
	} else if (b - a > 1) {
		memmove(&f->e[a + 1], &f->e[b], (f->n - b) * sizeof(src));
		f->n -= b - a - 1;
	}
	src.off = off;
	src.len = len;
	f->e[a] = src;
	return 0;
}

/* Extents of [off, off+len) (clipped to the size), as a new array. */
static struct ext *get_range(struct ino *f, uint64_t off, uint64_t len,
			     size_t *n)
{
	struct ext *out = malloc((f->n + 1) * sizeof(*out));

	*n = 0;
	if (!out)
		return NULL;
	for (size_t k = ext_after(f, off); k < f->n && f->e[k].off < off + len;
	     k++) {
		struct ext x = f->e[k];
		uint64_t a = x.off > off ? x.off : off;
		uint64_t b = x.off + x.len < off + len ? x.off + x.len :
			     off + len;

		if (a >= b)
			continue;
		if (x.kind != K_ZERO)
			x.boff += a - x.off;
		x.off = a;
		x.len = b - a;
		out[(*n)++] = x;
	}
	return out;
}

static bool bytes_of(struct rp_model *m, const struct ext *x, uint64_t from,
		     uint64_t n, uint8_t *out)
{
	const struct iorr_blob *b;

	switch (x->kind) {
	case K_ZERO:
		memset(out, 0, n);
		return true;
	case K_BLOB:
		b = iorr_reader_blob(m->rp->r, x->id);
		if (b && b->data && x->boff + from + n <= b->size) {
			memcpy(out, b->data + x->boff + from, n);
			return true;
		}
		/* hash-only blob: stand-in bytes */
		/* fall through */
	case K_GEN:
		for (uint64_t k = 0; k < n; k++)
			out[k] = rp_gen_byte(x->id, x->boff + from + k);
		return true;
	default:
		memset(out, 0, n);
		return false;
	}
}

/* Bytes of [off, off+len) of @f (zeros past the size).  @return known. */
static bool read_bytes(struct rp_model *m, struct ino *f, uint64_t off,
		       uint64_t len, uint8_t *out)
{
	bool known = true;

	memset(out, 0, len);
	for (size_t k = ext_after(f, off); k < f->n && f->e[k].off < off + len;
	     k++) {
		struct ext *x = &f->e[k];
		uint64_t a = x->off > off ? x->off : off;
		uint64_t b = x->off + x->len < off + len ? x->off + x->len :
			     off + len;

		if (a >= b)
			continue;
		if (!bytes_of(m, x, a - x->off, b - a, out + (a - off)))
			known = false;
	}
	return known;
}

/* ---- namespace ------------------------------------------------------ */

static struct mproc *mproc(struct rp_model *m, uint32_t i)
{
	return &m->procs[m->rp->ev[i].proc];
}

static char *follow(struct rp_model *m, char *path, bool last);

static char *norm_in(struct rp_model *m, uint32_t i, int64_t dirfd,
		     uint64_t pathid)
{
	struct mproc *p = mproc(m, i);
	const char *rec = iorr_reader_path(m->rp->r, (uint32_t)pathid);
	const char *base = p->cwd ? p->cwd : m->rp->trace_cwd;
	struct mfd *f;

	if (!rec)
		return NULL;
	if (rec[0] != '/' && dirfd != AT_FDCWD) {
		int32_t fd = (int32_t)dirfd;

		HASH_FIND_INT(p->fds, &fd, f);
		if (!f || !f->path)
			return NULL;
		base = f->path;
	}
	char *j = rp_path_join(base, rec);
	char *n = j ? rp_path_norm(j) : NULL;

	free(j);
	return n ? follow(m, n, false) : NULL;
}

static struct name *lookup(struct rp_model *m, const char *path)
{
	struct name *x;

	HASH_FIND_STR(m->names, path, x);
	return x;
}

#define MAXLINKS 40	/* as the kernel's ELOOP limit */

/*
 * Resolve the symlinks the model knows in normalized @path (consumed):
 * every directory component, and the last one too when @last.  A symlink
 * is replaced by its target (absolute, or relative to its directory), as
 * the kernel does under RESOLVE_IN_ROOT.  A loop leaves the path as it is
 * after MAXLINKS expansions.
 */
static char *follow(struct rp_model *m, char *path, bool last)
{
	int hops = 0;
	size_t at = 1;	/* start of the component to look at */

	while (path && path[at - 1] && hops < MAXLINKS) {
		char *end = strchr(path + at, '/');
		size_t pl = end ? (size_t)(end - path) : strlen(path);
		struct name *x;
		char save = path[pl];

		if (!end && !last)
			break;
		path[pl] = 0;
		x = lookup(m, path);
		path[pl] = save;
		if (!x || x->ino == RP_NONE || !m->inos[x->ino].link) {
			if (!end)
				break;
			at = pl + 1;
			continue;
		}
		/* dir of the link + target + rest */
		const char *tgt = m->inos[x->ino].link;
		char *dir = strndup(path, pl), *slash, *j, *n, *full;

		if (!dir)
			break;
		slash = strrchr(dir, '/');
		if (slash)
			slash[slash == dir ? 1 : 0] = 0;
		j = rp_path_join(dir, tgt);
		free(dir);
		if (!j || asprintf(&full, "%s%s", j, path + pl) < 0) {
			free(j);
			break;
		}
		free(j);
		n = rp_path_norm(full);
		free(full);
		if (!n)
			break;
		free(path);
		path = n;
		at = 1;
		hops++;
	}
	return path;
}

static void name_set(struct rp_model *m, const char *path, uint32_t ino)
{
	struct name *x = lookup(m, path);

	if (x) {
		x->ino = ino;
		return;
	}
	x = calloc(1, sizeof(*x));
	if (!x || !(x->path = strdup(path))) {
		free(x);
		m->err = -ENOMEM;
		return;
	}
	x->ino = ino;
	HASH_ADD_KEYPTR(hh, m->names, x->path, strlen(x->path), x);
}

static void name_del(struct rp_model *m, const char *path)
{
	struct name *x = lookup(m, path);

	if (x) {
		HASH_DEL(m->names, x);
		free(x->path);
		free(x);
	}
}

/* @path is a directory on the way to a known name (or the cwd). */
static bool is_ancestor(struct rp_model *m, const char *path)
{
	size_t l = strlen(path);
	struct name *x, *tmp;
	const char *cwd = m->rp->trace_cwd;

	if (l == 1)
		return true;
	if (!strncmp(cwd, path, l) && (cwd[l] == '/' || !cwd[l]))
		return true;
	HASH_ITER(hh, m->names, x, tmp)
		if (!strncmp(x->path, path, l) && x->path[l] == '/')
			return true;
	return false;
}

/* A file the trace uses: known, created, or missing (unknown content). */
static uint32_t resolve(struct rp_model *m, const char *path, bool create,
			bool *created)
{
	struct name *x = lookup(m, path);

	if (created)
		*created = false;
	if (x)
		return x->ino;
	uint32_t ino = ino_new(m);

	if (ino == RP_NONE)
		return ino;
	if (!create && is_ancestor(m, path)) {
		m->inos[ino].isdir = true;
	} else if (!create) {
		/* opened but neither recorded nor created: content unknown */
		char **p = realloc(m->missing, (m->nmissing + 1) *
				   sizeof(*p));

		if (p) {
			m->missing = p;
			m->missing[m->nmissing++] = strdup(path);
		}
		m->inos[ino].size = UINT64_MAX / 4;
		m->inos[ino].e = calloc(1, sizeof(struct ext));
		if (m->inos[ino].e) {
			m->inos[ino].e[0] = (struct ext){ 0, UINT64_MAX / 4,
							  K_UNKNOWN, 0, 0,
							  UINT64_MAX };
			m->inos[ino].n = m->inos[ino].cap = 1;
		}
	} else if (created) {
		*created = true;
	}
	name_set(m, path, ino);
	return ino;
}

static void fd_install(struct rp_model *m, struct mproc *p, int32_t fd,
		       struct ofd *o, const char *path)
{
	struct mfd *f;

	HASH_FIND_INT(p->fds, &fd, f);
	if (f) {
		HASH_DEL(p->fds, f);
		if (--f->ofd->refs == 0)
			free(f->ofd);
		free(f->path);
		free(f);
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		m->err = -ENOMEM;
		return;
	}
	f->fd = fd;
	f->ofd = o;
	f->path = path ? strdup(path) : NULL;
	o->refs++;
	HASH_ADD_INT(p->fds, fd, f);
}

static void fd_remove(struct mproc *p, int32_t fd)
{
	struct mfd *f;

	HASH_FIND_INT(p->fds, &fd, f);
	if (!f)
		return;
	HASH_DEL(p->fds, f);
	if (--f->ofd->refs == 0)
		free(f->ofd);
	free(f->path);
	free(f);
}

static struct mfd *fd_of(struct rp_model *m, uint32_t i, int64_t fd)
{
	struct mfd *f;
	int32_t k = (int32_t)fd;

	HASH_FIND_INT(mproc(m, i)->fds, &k, f);
	return f;
}

/*
 * The initial state's symlinks whose targets are in it too: the link's
 * name is another name of the target (opening the link opens it).  The
 * recorder keeps the target of a symlink it saw first-touched; chains are
 * resolved a few links deep.
 */
static void link_initial(struct rp_model *m)
{
	struct replay *rp = m->rp;
	size_t n = iorr_reader_nstates(rp->r, IORR_STATE_INITIAL);

	for (int pass = 0; pass < 8; pass++) {
		bool more = false;

		for (size_t k = 0; k < n; k++) {
			const struct iorr_file_state *st =
				iorr_reader_state(rp->r, IORR_STATE_INITIAL, k);

			if (!(st->flags & IORR_FS_EXISTS) || !st->link)
				continue;
			char *j = rp_path_join(rp->trace_cwd,
					       iorr_reader_path(rp->r,
								st->path));
			char *p = j ? rp_path_norm(j) : NULL;
			char *d = p ? strdup(p) : NULL;
			char *t = NULL, *tn = NULL;

			free(j);
			if (d) {
				char *sl = strrchr(d, '/');

				if (sl)
					sl[sl == d] = '\0';	/* dirname */
				t = rp_path_join(d, st->link);
				tn = t ? rp_path_norm(t) : NULL;
			}
			struct name *x = tn ? lookup(m, tn) : NULL;

			if (x && p && !lookup(m, p)) {
				name_set(m, p, x->ino);
				more = true;
			}
			free(p);
			free(d);
			free(t);
			free(tn);
		}
		if (!more)
			break;
	}
}

struct rp_model *rp_model_new(struct replay *rp)
{
	struct rp_model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->rp = rp;
	m->procs = calloc(rp->nprocs ? rp->nprocs : 1, sizeof(*m->procs));
	if (!m->procs) {
		free(m);
		return NULL;
	}
	/* the initial state */
	size_t n = iorr_reader_nstates(rp->r, IORR_STATE_INITIAL);

	for (size_t k = 0; k < n; k++) {
		const struct iorr_file_state *st =
			iorr_reader_state(rp->r, IORR_STATE_INITIAL, k);
		char *j = rp_path_join(rp->trace_cwd,
				       iorr_reader_path(rp->r, st->path));
		char *p = j ? rp_path_norm(j) : NULL;

		free(j);
		if (p && (st->flags & IORR_FS_EXISTS) && st->link) {
			uint32_t ino = ino_new(m);

			if (ino != RP_NONE) {
				m->inos[ino].link = strdup(st->link);
				name_set(m, p, ino);
			}
		}
		if (!p || !(st->flags & IORR_FS_EXISTS) || st->link) {
			free(p);
			continue;
		}
		uint32_t ino = ino_new(m);

		if (ino == RP_NONE) {
			free(p);
			break;
		}
		struct ino *f = &m->inos[ino];

		f->isdir = S_ISDIR(st->mode);
		if (!f->isdir && st->size) {
			set_size(f, st->size, UINT64_MAX);
			f->e[0].kind = (st->flags & IORR_FS_CONTENT_MISSING) ?
				       K_UNKNOWN : K_ZERO;
			for (uint32_t x = 0; x < st->nextents; x++)
				set_range(f, st->extents[x].off,
					  st->extents[x].len,
					  (struct ext){ .kind = K_BLOB,
						.id = st->extents[x].blob,
						.seq = UINT64_MAX });
		}
		name_set(m, p, ino);
		free(p);
	}
	link_initial(m);
	return m;
}

void rp_model_free(struct rp_model *m)
{
	struct name *x, *tmp;

	if (!m)
		return;
	HASH_ITER(hh, m->names, x, tmp) {
		HASH_DEL(m->names, x);
		free(x->path);
		free(x);
	}
	for (uint32_t p = 0; p < m->rp->nprocs; p++) {
		struct mfd *f, *ft;

		HASH_ITER(hh, m->procs[p].fds, f, ft)
			fd_remove(&m->procs[p], f->fd);
		free(m->procs[p].cwd);
	}
	for (uint32_t k = 0; k < m->ninos; k++) {
		free(m->inos[k].e);
		free(m->inos[k].link);
	}
	for (size_t k = 0; k < m->nmissing; k++)
		free(m->missing[k]);
	for (unsigned k = 0; k < UNDO_N; k++) {
		free(m->undo[k].before);
		free(m->undo[k].after);
	}
	struct mmap_ino *mp, *mt;

	HASH_ITER(hh, m->maps, mp, mt) {
		HASH_DEL(m->maps, mp);
		free(mp);
	}
	free(m->missing);
	free(m->inos);
	free(m->procs);
	free(m);
}

int rp_model_missing(struct rp_model *m, char ***paths, size_t *n)
{
	*paths = m->missing;
	*n = m->nmissing;
	return 0;
}

/* Remember the bytes a write replaces, for racing reads. */
static void undo_push(struct rp_model *m, uint32_t i, uint32_t ino,
		      uint64_t off, uint64_t len)
{
	struct undo *u = &m->undo[m->undo_pos];

	if (len > (1u << 20))
		return;
	free(u->before);
	free(u->after);
	u->after = NULL;
	u->ev = i;
	u->ino = ino;
	u->off = off;
	u->len = len;
	u->before = malloc(len ? len : 1);
	if (u->before)
		read_bytes(m, &m->inos[ino], off, len, u->before);
	m->undo_pos = (m->undo_pos + 1) % UNDO_N;
}

static void undo_after(struct rp_model *m, uint32_t i)
{
	unsigned k = (m->undo_pos + UNDO_N - 1) % UNDO_N;
	struct undo *u = &m->undo[k];

	if (u->ev != i || !u->before)
		return;
	u->after = malloc(u->len ? u->len : 1);
	if (u->after)
		read_bytes(m, &m->inos[u->ino], u->off, u->len, u->after);
}

/* A write of @n bytes from event @i's payload at @off (position used). */
static void do_write(struct rp_model *m, uint32_t i, uint32_t ino,
		     uint64_t off, uint64_t n, const struct rp_ev *pay)
{
	uint64_t data = rp_fu(pay, "data");
	const struct iorr_blob *b = data ? iorr_reader_blob(m->rp->r,
					   (uint32_t)(data - 1)) : NULL;
	struct ext src = {
		.kind = b ? K_BLOB : K_GEN,
		.id = b ? b->id : (uint32_t)(0x80000000u | pay->e.seq),
		.seq = m->rp->ev[i].e.seq,
	};
	struct ino *f = &m->inos[ino];

	if (ino == RP_NONE || n == 0)
		return;
	undo_push(m, i, ino, off, n);
	if (b && b->size < n) {
		/* past the stored payload: the replay writes zeros */
		set_range(f, off, b->size, src);
		set_range(f, off + b->size, n - b->size,
			  (struct ext){ .kind = K_ZERO, .seq = src.seq });
	} else {
		set_range(f, off, n, src);
	}
	undo_after(m, i);
}

static void copy_range(struct rp_model *m, uint32_t i, uint32_t sino,
		       uint64_t soff, uint32_t dino, uint64_t doff,
		       uint64_t n)
{
	size_t cnt;
	struct ext *x;

	if (sino == RP_NONE || dino == RP_NONE || n == 0)
		return;
	x = get_range(&m->inos[sino], soff, n, &cnt);
	if (!x)
		return;
	undo_push(m, i, dino, doff, n);
	for (size_t k = 0; k < cnt; k++) {
		x[k].seq = m->rp->ev[i].e.seq;
		set_range(&m->inos[dino], doff + (x[k].off - soff), x[k].len,
			  x[k]);
	}
	undo_after(m, i);
	free(x);
}

static void falloc(struct rp_model *m, uint32_t i, uint32_t ino, int mode,
		   uint64_t off, uint64_t len)
{
	struct ino *f = &m->inos[ino];
	uint64_t seq = m->rp->ev[i].e.seq;
	struct ext zero = { .kind = K_ZERO, .seq = seq };

	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		uint64_t end = off + len;

		if ((mode & FALLOC_FL_KEEP_SIZE) || (mode &
						      FALLOC_FL_PUNCH_HOLE))
			end = end > f->size ? f->size : end;
		if (end > off) {
			undo_push(m, i, ino, off, end - off);
			set_range(f, off, end - off, zero);
			undo_after(m, i);
		}
		if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > f->size)
			set_size(f, off + len, seq);
	} else if (mode & FALLOC_FL_COLLAPSE_RANGE) {
		size_t cnt;
		struct ext *tail = get_range(f, off + len, f->size - off - len,
					     &cnt);

		if (!tail)
			return;
		set_size(f, off, seq);
		for (size_t k = 0; k < cnt; k++)
			set_range(f, tail[k].off - len, tail[k].len, tail[k]);
		free(tail);
	} else if (mode & FALLOC_FL_INSERT_RANGE) {
		size_t cnt;
		struct ext *tail = get_range(f, off, f->size - off, &cnt);
		uint64_t old = f->size;

		if (!tail)
			return;
		set_size(f, off, seq);
		set_size(f, old + len, seq);
		for (size_t k = 0; k < cnt; k++)
			set_range(f, tail[k].off + len, tail[k].len, tail[k]);
		free(tail);
	} else if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > f->size) {
		set_size(f, off + len, seq);
	}
}

static bool ok(const struct rp_ev *ev)
{
	return ev->e.result >= 0 && !ev->e.err;
}

static void open_file(struct rp_model *m, uint32_t i, int64_t dirfd,
		      uint64_t pathid, uint64_t flags)
{
	struct rp_ev *ev = &m->rp->ev[i];
	char *p = norm_in(m, i, dirfd, pathid);
	bool created;

	if (p && !(flags & O_NOFOLLOW))
		p = follow(m, p, true);
	if (!p)
		return;
	if (!ok(ev)) {
		free(p);
		return;
	}
	struct name *x = lookup(m, p);
	uint32_t ino;

	if (!x && (flags & O_DIRECTORY)) {
		/* a directory: content is not modelled */
		ino = ino_new(m);
		if (ino != RP_NONE) {
			m->inos[ino].isdir = true;
			name_set(m, p, ino);
		}
	} else {
		ino = resolve(m, p, flags & O_CREAT, &created);
	}
	if (ino == RP_NONE) {
		free(p);
		return;
	}
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY &&
	    !m->inos[ino].isdir) {
		undo_push(m, i, ino, 0, 0);
		set_size(&m->inos[ino], 0, ev->e.seq);
	}
	struct ofd *o = calloc(1, sizeof(*o));

	if (o) {
		o->ino = ino;
		o->append = flags & O_APPEND;
		fd_install(m, mproc(m, i), (int32_t)ev->e.result, o, p);
	}
	m->last_ino = ino;
	free(p);
}

static void ns_op(struct rp_model *m, uint32_t i)
{
	struct rp_ev *ev = &m->rp->ev[i];
	const uint64_t *f = ev->e.f;
	char *a = NULL, *b = NULL;
	struct name *x;

	if (!ok(ev))
		return;
	switch (ev->e.op) {
	case IORR_OP_rename:
	case IORR_OP_renameat:
	case IORR_OP_renameat2: {
		bool at = ev->e.op != IORR_OP_rename;
		unsigned fl = ev->e.op == IORR_OP_renameat2 ?
			      (unsigned)f[4] : 0;

		a = norm_in(m, i, at ? (int64_t)f[0] : AT_FDCWD,
			    at ? f[1] : f[0]);
		b = norm_in(m, i, at ? (int64_t)f[2] : AT_FDCWD,
			    at ? f[3] : f[1]);
		if (!a || !b)
			break;
		/* the entries under a renamed directory move with it */
		size_t al = strlen(a);
		struct name *tmp;
		struct name *moved = NULL;

		HASH_ITER(hh, m->names, x, tmp) {
			if (strncmp(x->path, a, al) || (x->path[al] &&
							x->path[al] != '/'))
				continue;
			HASH_DEL(m->names, x);
			x->hh.next = moved;
			moved = x;
		}
		if (fl & 2 /* RENAME_EXCHANGE */) {
			/* swap: the target's entries move to the source */
			size_t bl = strlen(b);

			HASH_ITER(hh, m->names, x, tmp) {
				if (strncmp(x->path, b, bl) ||
				    (x->path[bl] && x->path[bl] != '/'))
					continue;
				char *np;

				if (asprintf(&np, "%s%s", a, x->path + bl) < 0)
					continue;
				uint32_t ino = x->ino;

				name_del(m, x->path);
				name_set(m, np, ino);
				free(np);
			}
		} else {
			name_del(m, b);
		}
		while (moved) {
			struct name *nx = moved->hh.next;
			char *np;

			if (asprintf(&np, "%s%s", b, moved->path + al) >= 0) {
				name_set(m, np, moved->ino);
				free(np);
			}
			free(moved->path);
			free(moved);
			moved = nx;
		}
		break;
	}
	case IORR_OP_unlink:
	case IORR_OP_unlinkat:
	case IORR_OP_rmdir: {
		bool at = ev->e.op == IORR_OP_unlinkat;

		a = norm_in(m, i, at ? (int64_t)f[0] : AT_FDCWD,
			    at ? f[1] : f[0]);
		if (a)
			name_del(m, a);
		break;
	}
	case IORR_OP_link:
	case IORR_OP_linkat: {
		bool at = ev->e.op == IORR_OP_linkat;

		a = norm_in(m, i, at ? (int64_t)f[0] : AT_FDCWD,
			    at ? f[1] : f[0]);
		b = norm_in(m, i, at ? (int64_t)f[2] : AT_FDCWD,
			    at ? f[3] : f[1]);
		if (a && at && (f[4] & AT_SYMLINK_FOLLOW))
			a = follow(m, a, true);
		if (a && b && (x = lookup(m, a)))
			name_set(m, b, x->ino);
		break;
	}
	case IORR_OP_mkdir:
	case IORR_OP_mkdirat: {
		bool at = ev->e.op == IORR_OP_mkdirat;

		a = norm_in(m, i, at ? (int64_t)f[0] : AT_FDCWD,
			    at ? f[1] : f[0]);
		if (a) {
			uint32_t ino = ino_new(m);

			if (ino != RP_NONE) {
				m->inos[ino].isdir = true;
				name_set(m, a, ino);
			}
		}
		break;
	}
	case IORR_OP_symlink:
	case IORR_OP_symlinkat: {
		bool at = ev->e.op == IORR_OP_symlinkat;
		const char *tgt = iorr_reader_path(m->rp->r, (uint32_t)f[0]);

		a = norm_in(m, i, at ? (int64_t)f[1] : AT_FDCWD,
			    at ? f[2] : f[1]);
		if (a && tgt) {
			uint32_t ino = ino_new(m);

			if (ino != RP_NONE) {
				m->inos[ino].link = strdup(tgt);
				name_set(m, a, ino);
			}
		}
		break;
	}
	case IORR_OP_chdir:
		a = norm_in(m, i, AT_FDCWD, f[0]);
		if (a)
			a = follow(m, a, true);
		if (a) {
			free(mproc(m, i)->cwd);
			mproc(m, i)->cwd = a;
			a = NULL;
		}
		break;
	case IORR_OP_fchdir: {
		struct mfd *d = fd_of(m, i, (int64_t)f[0]);

		if (d && d->path) {
			free(mproc(m, i)->cwd);
			mproc(m, i)->cwd = strdup(d->path);
		}
		break;
	}
	default:
		break;
	}
	free(a);
	free(b);
}

/* Position-or-offset of a data op and advance the position. */
static uint64_t io_pos(struct rp_model *m, struct mfd *fd,
		       const struct rp_ev *ev, uint64_t n, bool write)
{
	uint64_t off;

	if (rp_field(ev, "off", &off) == 0 && (int64_t)off >= 0)
		return off;
	off = fd->ofd->pos;
	if (write && fd->ofd->append)
		off = m->inos[fd->ofd->ino].size;
	fd->ofd->pos = off + n;
	return off;
}

static uint64_t req_len(const struct rp_ev *ev)
{
	uint64_t l;

	if (rp_field(ev, "len", &l) == 0)
		return l;
	l = 0;
	for (uint32_t k = 0; k < ev->e.nvec; k++)
		l += ev->e.vec[k];
	return l;
}

/* Where a data op moves @n bytes on @fd: @off, or the position (moved). */
static uint64_t pos_or(struct rp_model *m, struct mfd *fd, uint64_t off,
		       uint64_t n, bool write)
{
	uint64_t o;

	if ((int64_t)off >= 0)
		return off;
	o = fd->ofd->pos;
	if (write && fd->ofd->append)
		o = m->inos[fd->ofd->ino].size;
	fd->ofd->pos = o + n;
	return o;
}

/*
 * splice and sendfile (a copy between two traced files, a write of the
 * trace's payload when only the destination is traced, a read when only
 * the source is), mmap and mmap_write (a write through the mapping's
 * file).  @return true when @i was one of them.
 */
static bool step_move_map(struct rp_model *m, uint32_t i)
{
	struct rp_ev *ev = &m->rp->ev[i];
	const uint64_t *f = ev->e.f;
	struct mfd *in, *out;
	struct mmap_ino *mp;
	uint64_t inoff, outoff, n;

	switch (ev->e.op) {
	case IORR_OP_mmap:
		in = fd_of(m, i, (int64_t)f[1]);
		if (!in || !ok(ev) || in->ofd->ino == RP_NONE)
			return true;
		HASH_FIND(hh, m->maps, &f[0], sizeof(f[0]), mp);
		if (!mp) {
			mp = calloc(1, sizeof(*mp));
			if (!mp) {
				m->err = -ENOMEM;
				return true;
			}
			mp->id = f[0];
			HASH_ADD(hh, m->maps, id, sizeof(mp->id), mp);
		}
		mp->ino = in->ofd->ino;
		return true;
	case IORR_OP_mmap_write:
		HASH_FIND(hh, m->maps, &f[0], sizeof(f[0]), mp);
		if (mp && ok(ev) && ev->e.result > 0)
			do_write(m, i, mp->ino, f[1], (uint64_t)ev->e.result,
				 ev);
		return true;
	case IORR_OP_splice:
		in = fd_of(m, i, (int64_t)f[0]);
		out = fd_of(m, i, (int64_t)f[2]);
		inoff = f[1];
		outoff = f[3];
		break;
	case IORR_OP_sendfile:
		in = fd_of(m, i, (int64_t)f[1]);
		out = fd_of(m, i, (int64_t)f[0]);
		inoff = f[2];
		outoff = (uint64_t)-1;
		break;
	default:
		return false;
	}
	if (!ok(ev) || ev->e.result <= 0)
		return true;
	n = (uint64_t)ev->e.result;
	if (in)
		inoff = pos_or(m, in, inoff, n, false);
	if (out)
		outoff = pos_or(m, out, outoff, n, true);
	if (in && out)
		copy_range(m, i, in->ofd->ino, inoff, out->ofd->ino, outoff,
			   n);
	else if (out)
		do_write(m, i, out->ofd->ino, outoff, n, ev);
	return true;
}

/*
 * io_uring completions of requests that are not plain reads and writes:
 * OPENAT (the fd it returned opens the file, as openat), CLOSE, and SPLICE
 * (into a traced file: a write of the CQE's payload; out of one: the
 * position moves).  @return true when @i was one of them.
 */
static bool step_uring_misc(struct rp_model *m, uint32_t i)
{
	struct rp_ev *ev = &m->rp->ev[i];
	struct rp_ev *s;

	if (ev->e.op != IORR_OP_uring_cqe || ev->submit == RP_NONE)
		return false;
	s = &m->rp->ev[ev->submit];
	switch (s->e.op) {
	case IORR_OP_uring_openat:
		open_file(m, i, rp_fsigned(s, "dirfd"), rp_fu(s, "path"),
			  rp_fu(s, "flags"));
		return true;
	case IORR_OP_uring_close:
		if (ok(ev))
			fd_remove(mproc(m, i), (int32_t)rp_fsigned(s, "fd"));
		return true;
	case IORR_OP_uring_splice: {
		struct mfd *in = fd_of(m, ev->submit, rp_fsigned(s, "fd_in"));
		struct mfd *out = fd_of(m, ev->submit,
					rp_fsigned(s, "fd_out"));
		uint64_t n = ok(ev) ? (uint64_t)ev->e.result : 0;

		if (!n)
			return true;
		uint64_t inoff = rp_fu(s, "off_in"), outoff = rp_fu(s,
								    "off_out");

		if (in)
			inoff = pos_or(m, in, inoff, n, false);
		if (out)
			outoff = pos_or(m, out, outoff, n, true);
		if (in && out)
			copy_range(m, i, in->ofd->ino, inoff, out->ofd->ino,
				   outoff, n);
		else if (out)
			do_write(m, i, out->ofd->ino, outoff, n, ev);
		return true;
	}
	case IORR_OP_uring_statx:
	case IORR_OP_uring_cancel:
	case IORR_OP_uring_nop:
	case IORR_OP_uring_timeout:
		return true;
	default:
		return false;
	}
}

int rp_model_step(struct rp_model *m, uint32_t i)
{
	struct replay *rp = m->rp;
	struct rp_ev *ev = &rp->ev[i];
	const struct iorr_op_desc *d = iorr_op_get(ev->e.op);
	const uint64_t *f = ev->e.f;
	struct mfd *fd;

	if (step_move_map(m, i) || step_uring_misc(m, i))
		return m->err;
	switch (ev->e.op) {
	case IORR_OP_open:
		open_file(m, i, AT_FDCWD, f[0], f[1]);
		break;
	case IORR_OP_openat:
	case IORR_OP_openat2:
		open_file(m, i, (int64_t)f[0], f[1], f[2]);
		break;
	case IORR_OP_creat:
		open_file(m, i, AT_FDCWD, f[0], O_CREAT | O_WRONLY | O_TRUNC);
		break;
	case IORR_OP_fopen:
		open_file(m, i, AT_FDCWD, f[0], f[1]);
		break;
	case IORR_OP_fd_path: {
		char *p = norm_in(m, i, AT_FDCWD, f[1]);
		struct ofd *o = p ? calloc(1, sizeof(*o)) : NULL;

		if (o) {
			o->ino = resolve(m, p, false, NULL);
			o->append = f[2] & O_APPEND;
			fd_install(m, mproc(m, i), (int32_t)f[0], o, p);
		}
		free(p);
		break;
	}
	case IORR_OP_close:
	case IORR_OP_fclose:
		fd_remove(mproc(m, i), (int32_t)f[0]);
		break;
	case IORR_OP_close_range: {
		struct mfd *x, *tmp;

		if (f[2] & 4)
			break;
		HASH_ITER(hh, mproc(m, i)->fds, x, tmp)
			if ((uint64_t)(uint32_t)x->fd >= f[0] &&
			    (uint64_t)(uint32_t)x->fd <= f[1])
				fd_remove(mproc(m, i), x->fd);
		break;
	}
	case IORR_OP_dup:
	case IORR_OP_dup2:
	case IORR_OP_dup3:
	case IORR_OP_fcntl:
		if (ev->e.op == IORR_OP_fcntl && f[1] != F_DUPFD &&
		    f[1] != F_DUPFD_CLOEXEC) {
			if (f[1] == F_SETFL && (fd = fd_of(m, i, (int64_t)f[0])))
				fd->ofd->append = f[2] & O_APPEND;
			break;
		}
		fd = fd_of(m, i, (int64_t)f[0]);
		if (fd && ok(ev))
			fd_install(m, mproc(m, i), (int32_t)ev->e.result,
				   fd->ofd, fd->path);
		else if (!fd && ok(ev) && ev->e.op != IORR_OP_dup &&
			 ev->e.op != IORR_OP_fcntl)
			fd_remove(mproc(m, i), (int32_t)f[1]);
		break;
	case IORR_OP_fork:
		for (uint32_t p = 0; p < rp->nprocs; p++) {
			struct mfd *x, *tmp;
			struct mproc *c = &m->procs[p];

			if (rp->procs[p].pid != (int32_t)f[0] ||
			    c == mproc(m, i))
				continue;
			free(c->cwd);
			c->cwd = mproc(m, i)->cwd ?
				 strdup(mproc(m, i)->cwd) : NULL;
			HASH_ITER(hh, mproc(m, i)->fds, x, tmp)
				fd_install(m, c, x->fd, x->ofd, x->path);
		}
		break;
	case IORR_OP_lseek:
	case IORR_OP_fseek:
		fd = fd_of(m, i, (int64_t)f[0]);
		if (fd && ok(ev)) {
			if (ev->e.op == IORR_OP_lseek) {
				fd->ofd->pos = (uint64_t)ev->e.result;
			} else if (f[2] == SEEK_SET) {
				fd->ofd->pos = f[1];
			} else if (f[2] == SEEK_CUR) {
				fd->ofd->pos += f[1];
			} else if (f[2] == SEEK_END) {
				fd->ofd->pos = m->inos[fd->ofd->ino].size +
					       f[1];
			}
		}
		break;
	case IORR_OP_ftruncate:
		fd = fd_of(m, i, (int64_t)f[0]);
		if (fd && ok(ev)) {
			undo_push(m, i, fd->ofd->ino, 0, 0);
			set_size(&m->inos[fd->ofd->ino], f[1], ev->e.seq);
		}
		break;
	case IORR_OP_truncate: {
		char *p = norm_in(m, i, AT_FDCWD, f[0]);

		p = p ? follow(m, p, true) : NULL;
		struct name *x = p ? lookup(m, p) : NULL;

		if (x && ok(ev))
			set_size(&m->inos[x->ino], f[1], ev->e.seq);
		free(p);
		break;
	}
	case IORR_OP_fallocate:
	case IORR_OP_posix_fallocate:
		fd = fd_of(m, i, (int64_t)f[0]);
		if (fd && ok(ev)) {
			if (ev->e.op == IORR_OP_fallocate)
				falloc(m, i, fd->ofd->ino, (int)f[1], f[2],
				       f[3]);
			else
				falloc(m, i, fd->ofd->ino, 0, f[1], f[2]);
		}
		break;
	case IORR_OP_copy_file_range: {
		struct mfd *in = fd_of(m, i, (int64_t)f[0]);
		struct mfd *out = fd_of(m, i, (int64_t)f[2]);

		if (!in || !out || !ok(ev))
			break;
		uint64_t n = (uint64_t)ev->e.result;
		uint64_t so = (int64_t)f[1] >= 0 ? f[1] : in->ofd->pos;
		uint64_t doff = (int64_t)f[3] >= 0 ? f[3] : out->ofd->pos;

		if ((int64_t)f[1] < 0)
			in->ofd->pos += n;
		if ((int64_t)f[3] < 0)
			out->ofd->pos += n;
		copy_range(m, i, in->ofd->ino, so, out->ofd->ino, doff, n);
		break;
	}
	case IORR_OP_ficlone:
	case IORR_OP_ficlonerange: {
		struct mfd *dst = fd_of(m, i, (int64_t)f[0]);
		struct mfd *src = fd_of(m, i, (int64_t)f[1]);

		if (!dst || !src || !ok(ev))
			break;
		if (ev->e.op == IORR_OP_ficlone) {
			uint64_t n = m->inos[src->ofd->ino].size;

			set_size(&m->inos[dst->ofd->ino], 0, ev->e.seq);
			copy_range(m, i, src->ofd->ino, 0, dst->ofd->ino, 0, n);
		} else {
			uint64_t n = f[3] ? f[3] :
				     m->inos[src->ofd->ino].size - f[2];

			copy_range(m, i, src->ofd->ino, f[2], dst->ofd->ino,
				   f[4], n);
		}
		break;
	}
	case IORR_OP_aio_complete:
	case IORR_OP_uring_cqe: {
		if (ev->submit == RP_NONE || ev->e.result <= 0)
			break;
		struct rp_ev *s = &rp->ev[ev->submit];
		const struct iorr_op_desc *sd = iorr_op_get(s->e.op);
		uint64_t sfd = rp_fu(s, "fd");
		uint64_t off = rp_fu(s, "off");

		fd = fd_of(m, ev->submit, (int64_t)sfd);
		if (!fd)
			break;
		if (sd->cls == IORR_CLASS_WRITE && s->e.op !=
		    IORR_OP_uring_fallocate)
			do_write(m, i, fd->ofd->ino, off,
				 (uint64_t)ev->e.result, ev);
		else if (s->e.op == IORR_OP_uring_fallocate)
			falloc(m, i, fd->ofd->ino, (int)rp_fu(s, "mode"),
			       off, rp_fu(s, "len"));
		break;
	}
	default:
		if (d->cls == IORR_CLASS_NS) {
			ns_op(m, i);
			break;
		}
		if (d->kind != IORR_KIND_SYNC || (d->cls != IORR_CLASS_READ &&
						  d->cls != IORR_CLASS_WRITE))
			break;
		fd = fd_of(m, i, (int64_t)f[0]);
		if (!fd || !ok(ev))
			break;
		uint64_t n = (uint64_t)ev->e.result;

		if (ev->e.op == IORR_OP_fread || ev->e.op == IORR_OP_fwrite)
			n *= rp_fu(ev, "size");
		uint64_t off = io_pos(m, fd, ev, n,
				      d->cls == IORR_CLASS_WRITE);

		if (d->cls == IORR_CLASS_WRITE)
			do_write(m, i, fd->ofd->ino, off, n, ev);
		break;
	}
	(void)req_len;
	return m->err;
}

/* The file a data event reads (sync read or async read completion). */
static struct mfd *read_fd(struct rp_model *m, uint32_t i)
{
	struct rp_ev *ev = &m->rp->ev[i];

	if (ev->submit != RP_NONE)
		return fd_of(m, ev->submit,
			     (int64_t)rp_fu(&m->rp->ev[ev->submit], "fd"));
	return fd_of(m, i, (int64_t)ev->e.f[0]);
}

static const char *ino_path(struct rp_model *m, uint32_t ino)
{
	struct name *x, *tmp;

	HASH_ITER(hh, m->names, x, tmp)
		if (x->ino == ino)
			return x->path;
	return NULL;
}

int rp_model_expect(struct rp_model *m, uint32_t i, uint64_t off,
		    uint64_t len, struct rp_expect *x)
{
	struct mfd *fd = read_fd(m, i);

	memset(x, 0, sizeof(*x));
	if (!fd || fd->ofd->ino == RP_NONE)
		return -ENOENT;
	struct ino *f = &m->inos[fd->ofd->ino];
	const char *p = ino_path(m, fd->ofd->ino);

	x->path = strdup(p ? p : fd->path ? fd->path : "?");
	x->size = f->size;
	x->off = off;
	x->len = len;
	x->bytes = malloc(len ? len : 1);
	if (!x->path || !x->bytes) {
		rp_expect_free(x);
		return -ENOMEM;
	}
	x->known = read_bytes(m, f, off, len, x->bytes);
	return 0;
}

void rp_expect_free(struct rp_expect *x)
{
	free(x->path);
	free(x->bytes);
	memset(x, 0, sizeof(*x));
}

uint64_t rp_model_writer(struct rp_model *m, const char *path, uint64_t off)
{
	struct name *x = lookup(m, path);

	if (!x)
		return UINT64_MAX;
	struct ino *f = &m->inos[x->ino];

	size_t k = ext_after(f, off);

	if (k < f->n && off >= f->e[k].off)
		return f->e[k].seq;
	return UINT64_MAX;
}

/*
 * Time and order of event @i for the racing-write windows: the replay's own
 * when it reordered (rp->xpos set), else the recording's.
 */
static uint64_t t_start(const struct replay *rp, uint32_t i)
{
	return rp->xpos ? rp->out[i].issue_ns : rp->ev[i].e.start_ns;
}

static uint64_t t_end(const struct replay *rp, uint32_t i)
{
	return rp->xpos ? rp->out[i].end_ns : rp->ev[i].e.end_ns;
}

static uint32_t xpos(const struct replay *rp, uint32_t i)
{
	return rp->xpos ? rp->xpos[i] : i;
}

int rp_model_page_candidates(struct rp_model *m, uint32_t i, uint64_t poff,
			     uint64_t plen, uint8_t **cand, int max)
{
	struct replay *rp = m->rp;
	struct rp_ev *r = &rp->ev[i];
	struct mfd *fd = read_fd(m, i);
	uint64_t rs = t_start(rp, r->submit != RP_NONE ? r->submit : i);
	int n = 0;

	if (!fd)
		return 0;
	uint32_t ino = fd->ofd->ino;
	struct ino *f = &m->inos[ino];

	cand[n] = malloc(plen);
	if (!cand[n])
		return 0;
	read_bytes(m, f, poff, plen, cand[n++]);
	/* earlier racing writes undone */
	for (unsigned k = 0; k < UNDO_N && n < max; k++) {
		struct undo *u = &m->undo[k];

		if (!u->before || u->ino != ino ||
		    xpos(rp, u->ev) >= xpos(rp, i) ||
		    rp->ev[u->ev].e.thread == r->e.thread ||
		    t_end(rp, u->ev) < rs ||
		    u->off >= poff + plen || poff >= u->off + u->len)
			continue;
		cand[n] = malloc(plen);
		if (!cand[n])
			break;
		memcpy(cand[n], cand[0], plen);
		uint64_t a = u->off > poff ? u->off : poff;
		uint64_t b = u->off + u->len < poff + plen ? u->off + u->len :
			     poff + plen;

		memcpy(cand[n] + (a - poff), u->before + (a - u->off), b - a);
		n++;
	}
	/* later racing writes applied: sync writes that started before the
	 * read ended */
	for (uint32_t p = xpos(rp, i) + 1; p < rp->nev && n < max; p++) {
		uint32_t j = rp->xorder ? rp->xorder[p] : p;
		struct rp_ev *w = &rp->ev[j];
		const struct iorr_op_desc *d = iorr_op_get(w->e.op);

		if (t_start(rp, j) > t_end(rp, i))
			break;
		if (d->kind != IORR_KIND_SYNC || d->cls != IORR_CLASS_WRITE ||
		    w->e.thread == r->e.thread || w->e.result <= 0)
			continue;
		struct mfd *wf = fd_of(m, j, (int64_t)w->e.f[0]);
		uint64_t woff;

		if (!wf || wf->ofd->ino != ino ||
		    rp_field(w, "off", &woff) < 0 || (int64_t)woff < 0)
			continue;
		uint64_t wl = (uint64_t)w->e.result;

		if (woff >= poff + plen || poff >= woff + wl)
			continue;
		uint64_t data = rp_fu(w, "data");
		struct ext src = {
			.kind = data ? K_BLOB : K_GEN,
			.id = data ? (uint32_t)(data - 1) :
			      (uint32_t)(0x80000000u | w->e.seq),
		};
		uint64_t a = woff > poff ? woff : poff;
		uint64_t b = woff + wl < poff + plen ? woff + wl : poff + plen;

		cand[n] = malloc(plen);
		if (!cand[n])
			break;
		memcpy(cand[n], cand[0], plen);
		bytes_of(m, &src, a - woff, b - a, cand[n] + (a - poff));
		n++;
	}
	return n;
}

int rp_model_final(struct rp_model *m, const char *path, uint8_t **bytes,
		   uint64_t *size, bool *known)
{
	struct name *x = lookup(m, path);

	*bytes = NULL;
	if (!x || m->inos[x->ino].isdir)
		return -ENOENT;
	struct ino *f = &m->inos[x->ino];

	*size = f->size;
	if (f->size > (1ull << 30))
		return -EFBIG;
	*bytes = malloc(f->size ? f->size : 1);
	if (!*bytes)
		return -ENOMEM;
	*known = read_bytes(m, f, 0, f->size, *bytes);
	return 0;
}

int rp_model_fd_at(struct rp_model *m, uint32_t i, int64_t fd,
		   uint64_t *pos, uint64_t *size)
{
	struct mfd *f = fd_of(m, i, fd);

	if (!f || f->ofd->ino == RP_NONE || m->inos[f->ofd->ino].isdir)
		return -ENOENT;
	*pos = f->ofd->pos;
	*size = m->inos[f->ofd->ino].size;
	return 0;
}
