/* SPDX-License-Identifier: MIT */
/*
 * The synchronous executor: re-issue one recorded call with the recorded
 * flags, mapped fds and sandboxed paths, buffers at the recorded address
 * alignment, payloads from the trace's blobs; record the outcome and hand
 * reads to the oracle.
 *
 * Recorded processes are thread groups of the replayer: each has its own
 * table mapping recorded fd numbers to replay fds, and its own cwd.  fork
 * copies the table with dup(), so parent and child share open file
 * descriptions (and offsets) as they did.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "replay/replay_int.h"

#define ALIGN_SPAN 65536u	/* BUF holds the low 16 bits of the address */

void *rp_alloc_aligned(size_t len, uint64_t bufaddr, void **mem)
{
	size_t sz = (len + 2 * ALIGN_SPAN - 1) & ~(size_t)(ALIGN_SPAN - 1);
	void *m = aligned_alloc(ALIGN_SPAN, sz);

	*mem = m;
	if (!m)
		return NULL;
	return (uint8_t *)m + (bufaddr & (ALIGN_SPAN - 1));
}

void *rp_buf(struct rp_worker *w, size_t len, uint64_t bufaddr)
{
	if (len + ALIGN_SPAN > w->bufcap) {
		void *mem;

		free(w->bufmem);
		w->bufmem = NULL;
		w->bufcap = 0;
		if (!rp_alloc_aligned(len, 0, &mem))
			return NULL;
		w->bufmem = mem;
		w->bufcap = ((len + 2 * ALIGN_SPAN - 1) &
			     ~(size_t)(ALIGN_SPAN - 1));
	}
	return (uint8_t *)w->bufmem + (bufaddr & (ALIGN_SPAN - 1));
}

uint8_t rp_gen_byte(uint32_t blob, uint64_t off)
{
	uint64_t z = ((uint64_t)blob << 40) ^ (off >> 3) ^ 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (uint8_t)(z >> ((off & 7) * 8));
}

/*
 * The bytes a write carries: its blob, or stand-in bytes when the trace
 * has only the blob's hash (or no payload), past the blob's end zeros.
 */
void rp_req_free(struct rp_req *q)
{
	free(q->mem);
	free(q->iov);
	free(q->iocb);
	free(q->xmem);
	for (int k = 0; k < 2; k++)
		if (q->xfd[k] > 0)
			close(q->xfd[k] - 1);
	free(q);
}

void rp_fill_payload(struct replay *rp, const struct rp_ev *ev, uint8_t *buf,
		     size_t len)
{
	uint64_t data = rp_fu(ev, "data");
	const struct iorr_blob *b = data ? iorr_reader_blob(rp->r,
					   (uint32_t)(data - 1)) : NULL;
	uint32_t id = b ? b->id : (uint32_t)(0x80000000u | ev->e.seq);
	size_t n = b ? (b->size < len ? (size_t)b->size : len) : len;

	if (b && b->data)
		memcpy(buf, b->data, n);
	else
		for (size_t j = 0; j < n; j++)
			buf[j] = rp_gen_byte(id, j);
	if (n < len)
		memset(buf + n, 0, len - n);
}

static struct rp_proc *proc_of(struct replay *rp, uint32_t i)
{
	return &rp->procs[rp->ev[i].proc];
}

int rp_fd_get(struct replay *rp, struct rp_proc *p, int32_t rfd)
{
	struct rp_fd *f;
	int fd = -1;

	pthread_mutex_lock(&p->lock);
	HASH_FIND_INT(p->fds, &rfd, f);
	if (f)
		fd = f->fd;
	pthread_mutex_unlock(&p->lock);
	return fd;
}

static char *fd_spath(struct replay *rp, struct rp_proc *p, int32_t rfd)
{
	struct rp_fd *f;
	char *s = NULL;

	pthread_mutex_lock(&p->lock);
	HASH_FIND_INT(p->fds, &rfd, f);
	if (f && f->spath)
		s = strdup(f->spath);
	pthread_mutex_unlock(&p->lock);
	return s;
}

/*
 * POSIX record locks (fcntl F_SETLK/F_SETLKW/F_GETLK, lockf) belong to a
 * process, and the recorded processes are threads of one replaying
 * process, where they would never conflict.  Each recorded process gets,
 * per file it locks, an open file description of its own (a reopen of the
 * fd through /proc/self/fd) and its POSIX lock ops become OFD lock ops on
 * it: the locks of two recorded processes conflict, those of one process
 * merge and split as POSIX locks do, and they conflict with the program's
 * own OFD locks as POSIX locks do.  As with POSIX locks, closing any fd of
 * the file, the process's exit and its fork (the child starts without
 * locks) are followed: the description is closed, which drops its locks.
 * NOTE: F_GETLK's l_pid of a conflicting lock is not compared (not in the
 * trace).
 */
struct rp_lockfd {
	UT_hash_handle hh;
	struct lock_key { dev_t dev; ino_t ino; } key;
	int fd;
};

/* The lock owner description of @p for the file of replay @fd (locked). */
static int lock_owner_locked(struct rp_proc *p, int fd)
{
	struct rp_lockfd *l;
	struct lock_key k = { 0 };
	struct stat st;
	char path[64];
	int o;

	if (fstat(fd, &st) < 0)
		return -errno;
	k.dev = st.st_dev;
	k.ino = st.st_ino;
	HASH_FIND(hh, p->lockfds, &k, sizeof(k), l);
	if (l)
		return l->fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	o = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (o < 0)
		o = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (o < 0)
		o = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (o < 0)
		return -errno;
	l = calloc(1, sizeof(*l));
	if (!l) {
		close(o);
		return -ENOMEM;
	}
	l->key = k;
	l->fd = o;
	HASH_ADD(hh, p->lockfds, key, sizeof(l->key), l);
	return o;
}

/* Closing replay @fd drops @p's POSIX locks on its file (locked). */
static void lock_drop_file_locked(struct rp_proc *p, int fd)
{
	struct rp_lockfd *l;
	struct lock_key k = { 0 };
	struct stat st;

	if (!p->lockfds || fstat(fd, &st) < 0)
		return;
	k.dev = st.st_dev;
	k.ino = st.st_ino;
	HASH_FIND(hh, p->lockfds, &k, sizeof(k), l);
	if (l) {
		HASH_DEL(p->lockfds, l);
		close(l->fd);
		free(l);
	}
}

void rp_fd_locks_drop(struct rp_proc *p, int fd)
{
	pthread_mutex_lock(&p->lock);
	lock_drop_file_locked(p, fd);
	pthread_mutex_unlock(&p->lock);
}

void rp_proc_locks_free(struct rp_proc *p)
{
	struct rp_lockfd *l, *tmp;

	HASH_ITER(hh, p->lockfds, l, tmp) {
		HASH_DEL(p->lockfds, l);
		close(l->fd);
		free(l);
	}
}

static void fd_drop_locked(struct rp_proc *p, struct rp_fd *f)
{
	lock_drop_file_locked(p, f->fd);
	HASH_DEL(p->fds, f);
	close(f->fd);
	free(f->spath);
	free(f);
}

static int fdmap_set(struct rp_proc *p, int32_t rfd, int fd, const char *spath,
		     bool cloexec);

int rp_fdmap_set(struct rp_proc *p, int32_t rfd, int fd, const char *spath,
		 bool cloexec)
{
	return fdmap_set(p, rfd, fd, spath, cloexec);
}

void rp_fd_forget(struct rp_proc *p, int32_t rfd, int fd)
{
	struct rp_fd *f;

	pthread_mutex_lock(&p->lock);
	HASH_FIND_INT(p->fds, &rfd, f);
	if (f && f->fd == fd) {
		HASH_DEL(p->fds, f);
		free(f->spath);
		free(f);
	}
	pthread_mutex_unlock(&p->lock);
}

/* Map recorded @rfd to replay @fd (closing what it mapped before). */
static int fdmap_set(struct rp_proc *p, int32_t rfd, int fd, const char *spath,
		  bool cloexec)
{
	struct rp_fd *f = calloc(1, sizeof(*f)), *old;

	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->rfd = rfd;
	f->fd = fd;
	f->cloexec = cloexec;
	f->spath = spath ? strdup(spath) : NULL;
	pthread_mutex_lock(&p->lock);
	HASH_FIND_INT(p->fds, &rfd, old);
	if (old)
		fd_drop_locked(p, old);
	HASH_ADD_INT(p->fds, rfd, f);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static int fd_close(struct rp_proc *p, int32_t rfd)
{
	struct rp_fd *f;
	int ret = -EBADF;

	pthread_mutex_lock(&p->lock);
	HASH_FIND_INT(p->fds, &rfd, f);
	if (f) {
		fd_drop_locked(p, f);
		ret = 0;
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

/* The sandbox path of a recorded (dirfd, path) pair, or NULL (+*err). */
static char *map_path(struct replay *rp, uint32_t i, int64_t dirfd,
		      uint64_t pathid, int *err)
{
	struct rp_proc *p = proc_of(rp, i);
	const char *rec = iorr_reader_path(rp->r, (uint32_t)pathid);
	char *base, *s;

	*err = 0;
	if (!rec) {
		*err = -EFAULT;
		return NULL;
	}
	if (rec[0] == '/' || dirfd == AT_FDCWD) {
		pthread_mutex_lock(&p->lock);
		base = strdup(p->cwd ? p->cwd : rp->trace_cwd);
		pthread_mutex_unlock(&p->lock);
	} else {
		base = fd_spath(rp, p, (int32_t)dirfd);
		if (!base) {
			*err = -EBADF;
			return NULL;
		}
	}
	s = base ? rp_path_join(base, rec) : NULL;
	free(base);
	if (!s)
		*err = -ENOMEM;
	return s;
}

char *rp_map_path(struct replay *rp, uint32_t i, int64_t dirfd,
		  uint64_t pathid, int *err)
{
	return map_path(rp, i, dirfd, pathid, err);
}

static void set_out(struct replay *rp, uint32_t i, int64_t res, int err)
{
	struct rp_out *o = &rp->out[i];

	o->state = RP_DONE;
	o->result = res;
	o->err = err;
}

/* For calls returning -1/errno. */
static void set_sys(struct replay *rp, uint32_t i, int64_t res)
{
	set_out(rp, i, res < 0 ? -1 : res, res < 0 ? errno : 0);
}

/* For a -errno of our own (a call we could not even issue). */
static void set_neg(struct replay *rp, uint32_t i, int k)
{
	set_out(rp, i, -1, -k);
}

static void emulate(struct replay *rp, uint32_t i)
{
	struct rp_out *o = &rp->out[i];

	o->state = RP_EMULATED;
	o->result = rp->ev[i].e.result;
	o->err = (int32_t)rp->ev[i].e.err;
}

/* Copy a fd table for fork. */
static int proc_fork(struct replay *rp, uint32_t i, int32_t child)
{
	struct rp_proc *p = proc_of(rp, i), *c = NULL;
	struct rp_fd *f, *tmp;

	for (uint32_t k = 0; k < rp->nprocs; k++)
		if (rp->procs[k].pid == child)
			c = &rp->procs[k];
	if (!c || c == p)
		return 0;
	pthread_mutex_lock(&p->lock);
	free(c->cwd);
	c->cwd = strdup(p->cwd ? p->cwd : rp->trace_cwd);
	HASH_ITER(hh, p->fds, f, tmp) {
		int fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 0);

		if (fd >= 0)
			fdmap_set(c, f->rfd, fd, f->spath, f->cloexec);
	}
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void proc_exec(struct rp_proc *p)
{
	struct rp_fd *f, *tmp;

	pthread_mutex_lock(&p->lock);
	HASH_ITER(hh, p->fds, f, tmp)
		if (f->cloexec)
			fd_drop_locked(p, f);
	pthread_mutex_unlock(&p->lock);
}

/* @to relative to directory @from (sandbox paths, normalized here). */
static char *rel_path(const char *from, const char *to)
{
	char *a = rp_path_norm(from), *b = rp_path_norm(to), *out = NULL;
	const char *pa = a, *pb = b;
	size_t ups = 0;

	if (!a || !b)
		goto done;
	for (;;) {
		while (*pa == '/')
			pa++;
		while (*pb == '/')
			pb++;
		size_t la = strcspn(pa, "/"), lb = strcspn(pb, "/");

		if (!la || la != lb || strncmp(pa, pb, la))
			break;
		pa += la;
		pb += lb;
	}
	for (const char *c = pa; *c; ) {
		size_t l = strcspn(c, "/");

		ups += l > 0;
		c += l;
		while (*c == '/')
			c++;
	}
	out = malloc(ups * 3 + strlen(pb) + 2);
	if (!out)
		goto done;
	out[0] = 0;
	for (size_t u = 0; u < ups; u++)
		strcat(out, "../");
	strcat(out, pb);
	if (!out[0])
		strcpy(out, ".");
	else if (!*pb)
		out[strlen(out) - 1] = 0;
done:
	free(a);
	free(b);
	return out;
}

static int do_open(struct rp_worker *w, uint32_t i, int64_t dirfd,
		   uint64_t path, uint64_t flags, uint64_t mode,
		   uint64_t resolve)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	int err;
	char *s = map_path(rp, i, dirfd, path, &err);

	if (!s) {
		set_neg(rp, i, err);
		return 0;
	}
	int fl = (int)flags & ~O_CLOEXEC;
	struct open_how how = {
		.flags = (uint64_t)(unsigned)fl | O_CLOEXEC,
		.mode = (fl & (O_CREAT | __O_TMPFILE)) ?
			mode & 07777 & ~rp_umask_at(rp, i) : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
			   (resolve & (RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS |
				       RESOLVE_CACHED)),
	};
	long fd;
	int at = rp->rootfd;
	char *rel = NULL;

	int own_dfd = -1;

	if (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) {
		/*
		 * Scoped to the dirfd: resolved from the replay dirfd with
		 * the recorded scope (both keep the walk inside it, so
		 * inside the root), the path made relative to the dirfd's
		 * (the trace has it absolute): a path outside comes back
		 * with "..", and fails as recorded (EXDEV).
		 */
		struct rp_proc *p = proc_of(rp, i);
		char *ds;
		int dfd;

		if (dirfd == AT_FDCWD) {
			/* scoped to the cwd: a dirfd of ours on it */
			pthread_mutex_lock(&p->lock);
			ds = strdup(p->cwd ? p->cwd : rp->trace_cwd);
			pthread_mutex_unlock(&p->lock);
			dfd = own_dfd = ds ? rp_sb_open(rp, ds, O_PATH |
							O_DIRECTORY, 0) : -1;
		} else {
			ds = fd_spath(rp, p, (int32_t)dirfd);
			dfd = rp_fd_get(rp, p, (int32_t)dirfd);
		}

		rel = ds && dfd >= 0 ? rel_path(ds, s) : NULL;
		free(ds);
		if (rel) {
			at = dfd;
			how.resolve = RESOLVE_NO_MAGICLINKS |
				      (resolve & (RESOLVE_BENEATH |
						  RESOLVE_IN_ROOT |
						  RESOLVE_NO_XDEV |
						  RESOLVE_NO_SYMLINKS |
						  RESOLVE_CACHED));
		}
	}
	do
		fd = syscall(SYS_openat2, at, rel ? rel : s, &how,
			     sizeof(how));
	while (fd < 0 && (errno == EAGAIN || errno == EINTR) &&
	       !(resolve & RESOLVE_CACHED));
	free(rel);
	if (own_dfd >= 0) {
		int e = errno;

		close(own_dfd);
		errno = e;
	}
	if (fd < 0) {
		set_sys(rp, i, -1);
	} else if (ev->e.result < 0 || ev->e.err) {
		/* it failed when recorded: do not map a number it never had */
		close((int)fd);
		set_out(rp, i, fd, 0);
	} else {
		set_out(rp, i, fd, 0);
		fdmap_set(proc_of(rp, i), (int32_t)ev->e.result, (int)fd, s,
		       flags & O_CLOEXEC);
	}
	free(s);
	return 0;
}

/* Parent dir fd and last component of a recorded path (refusals noted). */
static int map_parent(struct replay *rp, uint32_t i, int64_t dirfd,
		      uint64_t path, int *pfd, char **name)
{
	int err;
	char *s = map_path(rp, i, dirfd, path, &err);

	*pfd = -1;
	*name = NULL;
	if (!s)
		return err;
	err = rp_sb_parent(rp, s, pfd, name);
	free(s);
	return err;
}

static int do_ns(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	const uint64_t *f = ev->e.f;
	int pfd = -1, pfd2 = -1, k = 0;
	char *name = NULL, *name2 = NULL;
	long r = -1;

	switch (ev->e.op) {
	case IORR_OP_rename:
	case IORR_OP_renameat:
	case IORR_OP_renameat2: {
		bool at = ev->e.op != IORR_OP_rename;
		int64_t d1 = at ? (int64_t)f[0] : AT_FDCWD;
		int64_t d2 = at ? (int64_t)f[2] : AT_FDCWD;
		uint64_t p1 = at ? f[1] : f[0], p2 = at ? f[3] : f[1];
		unsigned fl = ev->e.op == IORR_OP_renameat2 ?
			      (unsigned)f[4] : 0;

		k = map_parent(rp, i, d1, p1, &pfd, &name);
		if (!k)
			k = map_parent(rp, i, d2, p2, &pfd2, &name2);
		if (!k)
			r = renameat2(pfd, name, pfd2, name2, fl);
		break;
	}
	case IORR_OP_unlink:
	case IORR_OP_unlinkat:
	case IORR_OP_rmdir: {
		bool at = ev->e.op == IORR_OP_unlinkat;

		k = map_parent(rp, i, at ? (int64_t)f[0] : AT_FDCWD,
			       at ? f[1] : f[0], &pfd, &name);
		if (!k)
			r = unlinkat(pfd, name, ev->e.op == IORR_OP_rmdir ?
				     AT_REMOVEDIR : at ?
				     (int)(f[2] & AT_REMOVEDIR) : 0);
		break;
	}
	case IORR_OP_mkdir:
	case IORR_OP_mkdirat: {
		bool at = ev->e.op == IORR_OP_mkdirat;

		k = map_parent(rp, i, at ? (int64_t)f[0] : AT_FDCWD,
			       at ? f[1] : f[0], &pfd, &name);
		if (!k)
			r = mkdirat(pfd, name, (mode_t)(at ? f[2] : f[1]) &
				    07777 & ~rp_umask_at(rp, i));
		break;
	}
	case IORR_OP_link:
	case IORR_OP_linkat: {
		bool at = ev->e.op == IORR_OP_linkat;
		int fl = at ? (int)f[4] : 0;
		int src;

		/*
		 * NOTE: linkat() on a path would follow the trace's symlinks
		 * outside the root (AT_SYMLINK_FOLLOW): resolve the source in
		 * the root first and link the fd.
		 */
		int err;
		char *s = map_path(rp, i, at ? (int64_t)f[0] : AT_FDCWD,
				   at ? f[1] : f[0], &err);

		if (!s) {
			k = err;
			break;
		}
		src = rp_sb_open(rp, s, O_PATH | ((fl & AT_SYMLINK_FOLLOW) ?
					       0 : O_NOFOLLOW), 0);
		free(s);
		if (src < 0) {
			errno = -src;
			break;
		}
		k = map_parent(rp, i, at ? (int64_t)f[2] : AT_FDCWD,
			       at ? f[3] : f[1], &pfd2, &name2);
		if (!k) {
			r = linkat(src, "", pfd2, name2, AT_EMPTY_PATH);
			if (r < 0 && (errno == ENOENT || errno == EPERM)) {
				char proc[64];

				snprintf(proc, sizeof(proc),
					 "/proc/self/fd/%d", src);
				r = linkat(AT_FDCWD, proc, pfd2, name2,
					   AT_SYMLINK_FOLLOW);
			}
		}
		close(src);
		break;
	}
	case IORR_OP_symlink:
	case IORR_OP_symlinkat: {
		bool at = ev->e.op == IORR_OP_symlinkat;
		const char *target = iorr_reader_path(rp->r, (uint32_t)f[0]);

		/* the target is stored as text; it is resolved in the root */
		k = map_parent(rp, i, at ? (int64_t)f[1] : AT_FDCWD,
			       at ? f[2] : f[1], &pfd, &name);
		if (!k)
			r = symlinkat(target, pfd, name);
		break;
	}
	case IORR_OP_chdir:
	case IORR_OP_fchdir: {
		struct rp_proc *p = proc_of(rp, i);
		int err = 0;
		char *s = ev->e.op == IORR_OP_chdir ?
			  map_path(rp, i, AT_FDCWD, f[0], &err) :
			  fd_spath(rp, p, (int32_t)f[0]);

		if (!s) {
			k = err ? err : -EBADF;
			break;
		}
		int d = rp_sb_open(rp, s, O_PATH | O_DIRECTORY, 0);

		if (d < 0) {
			free(s);
			errno = -d;
			break;
		}
		close(d);
		pthread_mutex_lock(&p->lock);
		free(p->cwd);
		p->cwd = s;
		pthread_mutex_unlock(&p->lock);
		r = 0;
		break;
	}
	}
	if (k == -RP_EREFUSED) {
		rp->out[i].state = RP_DONE;
		rp->out[i].result = -1;
		rp->out[i].err = RP_EREFUSED;
	} else if (k < 0) {
		set_neg(rp, i, k);
	} else {
		set_sys(rp, i, r);
	}
	if (pfd >= 0)
		close(pfd);
	if (pfd2 >= 0)
		close(pfd2);
	free(name);
	free(name2);
	return 0;
}

/* Build iovecs over one contiguous buffer of the vector's total length. */
static struct iovec *make_iov(const struct rp_ev *ev, uint8_t *buf,
			      size_t *total)
{
	struct iovec *iov = calloc(ev->e.nvec ? ev->e.nvec : 1, sizeof(*iov));
	size_t t = 0;

	if (!iov)
		return NULL;
	for (uint32_t k = 0; k < ev->e.nvec; k++) {
		iov[k].iov_base = buf + t;
		iov[k].iov_len = (size_t)ev->e.vec[k];
		t += (size_t)ev->e.vec[k];
	}
	*total = t;
	return iov;
}

static size_t vec_total(const struct rp_ev *ev)
{
	size_t t = 0;

	for (uint32_t k = 0; k < ev->e.nvec; k++)
		t += (size_t)ev->e.vec[k];
	return t;
}

/* Cap on one op's buffer: a hostile trace must not make us allocate TBs. */
#define MAX_IO (1ull << 30)

/*
 * The short:P perturbation: one read or write issued as two calls covering
 * exactly its range, the second only when the first was complete, so the
 * result and the bytes are what one call gives on a correct system.  With
 * O_DIRECT the split point is a multiple of 4096 (and there is no split
 * when the op is no longer than that); an O_APPEND write is never split,
 * since another appender could land between the halves.
 */
static ssize_t split_rw(struct replay *rp, uint32_t i, int fd, uint8_t *buf,
			size_t len, bool has_off, off_t off, bool rd)
{
	int fl = fcntl(fd, F_GETFL);
	size_t a = (size_t)((uint64_t)len * rp->plan.split[i] / 65536);
	ssize_t r1, r2;

	if (fl >= 0 && (fl & O_DIRECT))
		a &= ~(size_t)4095;
	if (a == 0 || a >= len || (fl >= 0 && !rd && !has_off &&
				   (fl & O_APPEND)))
		return has_off ? (rd ? pread(fd, buf, len, off) :
				  pwrite(fd, buf, len, off)) :
		       (rd ? read(fd, buf, len) : write(fd, buf, len));
	r1 = has_off ? (rd ? pread(fd, buf, a, off) : pwrite(fd, buf, a, off)) :
	     (rd ? read(fd, buf, a) : write(fd, buf, a));
	if (r1 < 0 || (size_t)r1 < a)
		return r1;
	r2 = has_off ? (rd ? pread(fd, buf + a, len - a, off + (off_t)a) :
			pwrite(fd, buf + a, len - a, off + (off_t)a)) :
	     (rd ? read(fd, buf + a, len - a) : write(fd, buf + a, len - a));
	if (r2 < 0)
		return (ssize_t)a;	/* as one call: the part done */
	return (ssize_t)a + r2;
}

static int do_rw(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	const struct iorr_op_desc *d = iorr_op_get(ev->e.op);
	struct rp_proc *p = proc_of(rp, i);
	int fd = rp_fd_get(rp, p, (int32_t)ev->e.f[0]);
	bool rd = d->cls == IORR_CLASS_READ;
	bool vec = iorr_op_vec_field(d) >= 0;
	bool stdio = ev->e.op == IORR_OP_fread || ev->e.op == IORR_OP_fwrite;
	uint64_t offv = 0;
	bool has_off = rp_field(ev, "off", &offv) == 0 && (int64_t)offv >= 0;
	size_t len;

	if (vec)
		len = vec_total(ev);
	else if (stdio)
		len = (size_t)(rp_fu(ev, "size") * rp_fu(ev, "nmemb"));
	else
		len = (size_t)rp_fu(ev, "len");
	/*
	 * fgets, getline and getc are recorded as an fread of what they
	 * returned: consume that much, so the stream position stays right.
	 * A real fread came up short only at the end of the file, where
	 * asking for less reads the same bytes.
	 */
	if (ev->e.op == IORR_OP_fread && ev->e.result >= 0 &&
	    (uint64_t)ev->e.result < rp_fu(ev, "nmemb"))
		len = (size_t)(rp_fu(ev, "size") * (uint64_t)ev->e.result);
	if (len > MAX_IO) {
		set_neg(rp, i, -EFBIG);
		return 0;
	}
	if (fd < 0) {
		set_neg(rp, i, -EBADF);
		return 0;
	}
	uint8_t *buf = rp_buf(w, len, rp_fu(ev, "buf"));

	if (!buf)
		return -ENOMEM;
	if (!rd)
		rp_fill_payload(rp, ev, buf, len);
	else
		memset(buf, 0, len);
	uint64_t pos = has_off ? offv : 0;

	if (rd && !has_off) {
		off_t cur = lseek(fd, 0, SEEK_CUR);

		pos = cur < 0 ? 0 : (uint64_t)cur;
	}
	struct iovec *iov = NULL;
	ssize_t r;
	int flags = (int)rp_fu(ev, "flags");

	if (vec) {
		size_t t;

		iov = make_iov(ev, buf, &t);
		if (!iov)
			return -ENOMEM;
	}
	if (rp->plan.inj && (rp->plan.inj[i] & RP_INJ_SHORT) && !vec &&
	    !stdio) {
		r = split_rw(rp, i, fd, buf, len, has_off, (off_t)offv, rd);
		goto done;
	}
	switch (ev->e.op) {
	case IORR_OP_read:
		r = read(fd, buf, len);
		break;
	case IORR_OP_pread:
		r = pread(fd, buf, len, (off_t)offv);
		break;
	case IORR_OP_readv:
		r = readv(fd, iov, (int)ev->e.nvec);
		break;
	case IORR_OP_preadv:
		r = has_off ? preadv(fd, iov, (int)ev->e.nvec, (off_t)offv) :
		    readv(fd, iov, (int)ev->e.nvec);
		break;
	case IORR_OP_preadv2:
		r = preadv2(fd, iov, (int)ev->e.nvec, has_off ? (off_t)offv :
			    -1, flags);
		break;
	case IORR_OP_write:
		r = write(fd, buf, len);
		break;
	case IORR_OP_pwrite:
		r = pwrite(fd, buf, len, (off_t)offv);
		break;
	case IORR_OP_writev:
		r = writev(fd, iov, (int)ev->e.nvec);
		break;
	case IORR_OP_pwritev:
		r = has_off ? pwritev(fd, iov, (int)ev->e.nvec, (off_t)offv) :
		    writev(fd, iov, (int)ev->e.nvec);
		break;
	case IORR_OP_pwritev2:
		r = pwritev2(fd, iov, (int)ev->e.nvec, has_off ? (off_t)offv :
			     -1, flags);
		break;
	case IORR_OP_fread:
	case IORR_OP_fwrite: {
		/* stdio: whole items, like the library loop did */
		size_t done = 0, sz = (size_t)rp_fu(ev, "size");

		r = 0;
		while (done < len) {
			ssize_t k = rd ? read(fd, buf + done, len - done) :
				    write(fd, buf + done, len - done);

			if (k < 0) {
				if (errno == EINTR)
					continue;
				r = done ? 0 : -1;
				break;
			}
			if (k == 0)
				break;
			done += (size_t)k;
		}
		if (r == 0)
			r = sz ? (ssize_t)(done / sz) : 0;
		if (rd && r >= 0) {
			/* the hash covers the bytes the program got */
			int e = errno;

			rp->out[i].state = RP_DONE;
			rp->out[i].result = r;
			rp->out[i].err = 0;
			rp_check_read(rp, i, buf, sz * (size_t)r, pos,
				      rp_fu(ev, "hash"));
			errno = e;
			free(iov);
			return 0;
		}
		break;
	}
	default:
		r = -1;
		errno = ENOSYS;
	}
done:
	set_sys(rp, i, r);
	if (rd && r >= 0)
		rp_check_read(rp, i, buf, (size_t)r, pos, rp_fu(ev, "hash"));
	free(iov);
	return 0;
}

static int lock_cmd(struct replay *rp, int cmd)
{
	/* one op at a time: a wait could never end, so ask instead */
	if (rp->o.order == IORR_ORDER_FREE)
		return cmd;
	if (cmd == F_SETLKW)
		return F_SETLK;
	if (cmd == F_OFD_SETLKW)
		return F_OFD_SETLK;
	return cmd;
}

/*
 * A call that changes a file's extents and that the recording's
 * filesystem refused: EOPNOTSUPP (tmpfs has no collapse/insert/zero
 * range, ext4 no clone), ENOSYS, ENOTTY, EXDEV.  The filesystem under the
 * replay may support it, and the call would then change the file where
 * the recording's did not, making every later read of those bytes
 * diverge.  It is not reissued: it fails as recorded, and the replay says
 * how many were kept so.
 */
static bool fs_refused(const struct rp_ev *ev)
{
	switch (ev->e.op) {
	case IORR_OP_fallocate:
	case IORR_OP_copy_file_range:
	case IORR_OP_ficlone:
	case IORR_OP_ficlonerange:
	case IORR_OP_fidedupe:
		break;
	default:
		return false;
	}
	if (ev->e.result >= 0)
		return false;
	switch (ev->e.err) {
	case EOPNOTSUPP:
	case ENOSYS:
	case ENOTTY:
	case EXDEV:
		return true;
	default:
		return false;
	}
}

static bool posix_lock_cmd(int cmd)
{
	return cmd == F_SETLK || cmd == F_SETLKW || cmd == F_GETLK;
}

/* A POSIX lock op of @p on replay @fd, on its lock owner (see above). */
static long posix_lock(struct replay *rp, struct rp_proc *p, int fd, int cmd,
		       struct flock *fl)
{
	int acc = fcntl(fd, F_GETFL), o;
	long r;

	if (acc < 0)
		return -1;
	acc &= O_ACCMODE;
	/* the fd's own access mode decides, as for a POSIX lock */
	if (cmd != F_GETLK && ((fl->l_type == F_RDLCK && acc == O_WRONLY) ||
			       (fl->l_type == F_WRLCK && acc == O_RDONLY))) {
		errno = EBADF;
		return -1;
	}
	if (fl->l_whence == SEEK_CUR) {
		off_t cur = lseek(fd, 0, SEEK_CUR);

		if (cur >= 0) {
			fl->l_whence = SEEK_SET;
			fl->l_start += cur;
		}
	}
	fl->l_pid = 0;
	pthread_mutex_lock(&p->lock);
	o = lock_owner_locked(p, fd);
	pthread_mutex_unlock(&p->lock);
	if (o < 0) {
		errno = -o;
		return -1;
	}
	cmd = cmd == F_GETLK ? F_OFD_GETLK : cmd == F_SETLKW ? F_OFD_SETLKW :
	      F_OFD_SETLK;
	r = fcntl(o, lock_cmd(rp, cmd), fl);
	return r;
}

/* lockf(3) of @p: a POSIX lock from the fd's position (see above). */
static long posix_lockf(struct replay *rp, struct rp_proc *p, int fd, int cmd,
			off_t len)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_CUR,
			    .l_len = len };

	switch (cmd) {
	case F_TEST:
		fl.l_type = F_RDLCK;	/* glibc asks with F_RDLCK */
		if (posix_lock(rp, p, fd, F_GETLK, &fl) < 0)
			return -1;
		if (fl.l_type == F_UNLCK)
			return 0;
		errno = EACCES;
		return -1;
	case F_ULOCK:
		fl.l_type = F_UNLCK;
		return posix_lock(rp, p, fd, F_SETLK, &fl);
	case F_LOCK:
		return posix_lock(rp, p, fd, F_SETLKW, &fl);
	case F_TLOCK:
		return posix_lock(rp, p, fd, F_SETLK, &fl);
	default:
		errno = EINVAL;
		return -1;
	}
}

static int do_fdop(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	const uint64_t *f = ev->e.f;
	struct rp_proc *p = proc_of(rp, i);
	int fd = -1;
	long r = -1;
	bool ok_rec = ev->e.result >= 0 && !ev->e.err;

	if (ev->e.op != IORR_OP_close_range && ev->e.op != IORR_OP_sync) {
		fd = rp_fd_get(rp, p, (int32_t)f[0]);
		if (fd < 0 && (ev->e.op == IORR_OP_dup2 ||
			       ev->e.op == IORR_OP_dup3) && ok_rec) {
			/*
			 * An fd the recorder did not trace (a pipe, a tty)
			 * duplicated over a traced number: the number leaves
			 * the replay's view.
			 */
			fd_close(p, (int32_t)f[1]);
			emulate(rp, i);
			return 0;
		}
		if (fd < 0) {
			set_neg(rp, i, -EBADF);
			return 0;
		}
	}
	if (fs_refused(ev)) {
		__atomic_fetch_add(&rp->fs_refused, 1, __ATOMIC_RELAXED);
		emulate(rp, i);
		return 0;
	}
	switch (ev->e.op) {
	case IORR_OP_close:
	case IORR_OP_fclose:
		set_out(rp, i, fd_close(p, (int32_t)f[0]), 0);
		return 0;
	case IORR_OP_dup:
	case IORR_OP_dup2:
	case IORR_OP_dup3: {
		bool cloexec = ev->e.op == IORR_OP_dup3 &&
			       (f[2] & O_CLOEXEC);

		if (ev->e.op != IORR_OP_dup && f[0] == f[1]) {
			/*
			 * The same number twice: dup2 checks the fd and does
			 * nothing, dup3 fails with EINVAL; issued as such on
			 * the one replay fd (the table does not change).
			 */
			r = ev->e.op == IORR_OP_dup2 ? dup2(fd, fd) :
			    dup3(fd, fd, (int)f[2]);
			set_sys(rp, i, r < 0 ? -1 : (int64_t)(int32_t)f[1]);
			return 0;
		}
		int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

		if (nfd < 0) {
			set_sys(rp, i, -1);
		} else if (!ok_rec) {
			close(nfd);
			set_out(rp, i, nfd, 0);
		} else {
			char *s = fd_spath(rp, p, (int32_t)f[0]);

			set_out(rp, i, ev->e.result, 0);
			fdmap_set(p, (int32_t)ev->e.result, nfd, s, cloexec);
			free(s);
		}
		return 0;
	}
	case IORR_OP_fcntl: {
		int cmd = (int)f[1];

		switch (cmd) {
		case F_DUPFD:
		case F_DUPFD_CLOEXEC: {
			int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

			if (nfd < 0) {
				set_sys(rp, i, -1);
			} else if (!ok_rec) {
				close(nfd);
				set_out(rp, i, nfd, 0);
			} else {
				char *s = fd_spath(rp, p, (int32_t)f[0]);

				fdmap_set(p, (int32_t)ev->e.result, nfd, s,
				       cmd == F_DUPFD_CLOEXEC);
				free(s);
				set_out(rp, i, ev->e.result, 0);
			}
			return 0;
		}
		case F_SETFD: {
			struct rp_fd *x;
			int32_t rfd = (int32_t)f[0];

			pthread_mutex_lock(&p->lock);
			HASH_FIND_INT(p->fds, &rfd, x);
			if (x)
				x->cloexec = f[2] & FD_CLOEXEC;
			pthread_mutex_unlock(&p->lock);
			set_out(rp, i, 0, 0);
			return 0;
		}
		case F_GETFD:
			set_out(rp, i, ev->e.result, 0);
			return 0;
		case F_GETFL:
		case F_SETFL:
		case F_GETPIPE_SZ:
		case F_GET_SEALS:
		case F_GETLEASE:
			r = fcntl(fd, cmd, (int)f[2]);
			break;
		default:
			emulate(rp, i);
			return 0;
		}
		break;
	}
	case IORR_OP_fcntl_lock: {
		struct flock fl = {
			.l_type = (short)f[2],
			.l_whence = (short)f[3],
			.l_start = (off_t)f[4],
			.l_len = (off_t)f[5],
		};

		if (posix_lock_cmd((int)f[1])) {
			r = posix_lock(rp, p, fd, (int)f[1], &fl);
			break;
		}
		r = fcntl(fd, lock_cmd(rp, (int)f[1]), &fl);
		break;
	}
	case IORR_OP_flock: {
		int op = (int)f[1];

		if (rp->o.order != IORR_ORDER_FREE)
			op |= LOCK_NB;
		r = flock(fd, op);
		break;
	}
	case IORR_OP_lockf:
		r = posix_lockf(rp, p, fd, (int)f[1], (off_t)f[2]);
		break;
	case IORR_OP_lseek:
	case IORR_OP_fseek:
		r = lseek(fd, (off_t)f[1], (int)f[2]);
		if (ev->e.op == IORR_OP_fseek && r >= 0)
			r = 0;
		break;
	case IORR_OP_fsync:
		r = fsync(fd);
		break;
	case IORR_OP_fdatasync:
		r = fdatasync(fd);
		break;
	case IORR_OP_syncfs:
		r = syncfs(fd);
		break;
	case IORR_OP_sync:
		sync();
		r = 0;
		break;
	case IORR_OP_fflush:
		r = 0;
		break;
	case IORR_OP_sync_file_range:
		r = sync_file_range(fd, (off_t)f[1], (off_t)f[2],
				    (unsigned)f[3]);
		break;
	case IORR_OP_ftruncate:
		r = ftruncate(fd, (off_t)f[1]);
		break;
	case IORR_OP_fallocate:
		r = fallocate(fd, (int)f[1], (off_t)f[2], (off_t)f[3]);
		break;
	case IORR_OP_posix_fallocate:
	case IORR_OP_fadvise: {
		int k = ev->e.op == IORR_OP_fadvise ?
			posix_fadvise(fd, (off_t)f[1], (off_t)f[2], (int)f[3]) :
			posix_fallocate(fd, (off_t)f[1], (off_t)f[2]);

		set_out(rp, i, k ? -1 : 0, k);
		return 0;
	}
	case IORR_OP_copy_file_range: {
		int ofd = rp_fd_get(rp, p, (int32_t)f[2]);
		loff_t oi = (loff_t)f[1], oo = (loff_t)f[3];

		if (ofd < 0) {
			set_neg(rp, i, -EBADF);
			return 0;
		}
		r = copy_file_range(fd, (int64_t)f[1] < 0 ? NULL : &oi, ofd,
				    (int64_t)f[3] < 0 ? NULL : &oo,
				    (size_t)f[4], (unsigned)f[5]);
		break;
	}
	case IORR_OP_ficlone:
	case IORR_OP_ficlonerange: {
		int sfd = rp_fd_get(rp, p, (int32_t)f[1]);

		if (sfd < 0) {
			set_neg(rp, i, -EBADF);
			return 0;
		}
		if (ev->e.op == IORR_OP_ficlone) {
			r = ioctl(fd, FICLONE, sfd);
		} else {
			struct file_clone_range cr = {
				.src_fd = sfd,
				.src_offset = f[2],
				.src_length = f[3],
				.dest_offset = f[4],
			};

			r = ioctl(fd, FICLONERANGE, &cr);
		}
		break;
	}
	case IORR_OP_fidedupe: {
		int dfd = rp_fd_get(rp, p, (int32_t)f[3]);
		struct {
			struct file_dedupe_range r;
			struct file_dedupe_range_info info;
		} dr = { 0 };

		if (dfd < 0) {
			set_neg(rp, i, -EBADF);
			return 0;
		}
		dr.r.src_offset = f[1];
		dr.r.src_length = f[2];
		dr.r.dest_count = 1;
		dr.info.dest_fd = dfd;
		dr.info.dest_offset = f[4];
		r = ioctl(fd, FIDEDUPERANGE, &dr);
		if (r == 0)
			r = dr.info.status;
		break;
	}
	default:
		r = -1;
		errno = ENOSYS;
	}
	set_sys(rp, i, r);
	return 0;
}

static int do_truncate(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	int err;
	char *s = map_path(rp, i, AT_FDCWD, ev->e.f[0], &err);

	if (!s) {
		set_neg(rp, i, err);
		return 0;
	}
	int fd = rp_sb_open(rp, s, O_WRONLY, 0);

	free(s);
	if (fd < 0) {
		set_neg(rp, i, fd);
		return 0;
	}
	set_sys(rp, i, ftruncate(fd, (off_t)ev->e.f[1]));
	close(fd);
	return 0;
}

/* A recorded time (ns; -1 now, -2 omit) as a timespec. */
static struct timespec rec_time(uint64_t v)
{
	int64_t ns = (int64_t)v;

	if (ns == -1)
		return (struct timespec){ .tv_nsec = UTIME_NOW };
	if (ns == -2)
		return (struct timespec){ .tv_nsec = UTIME_OMIT };
	int64_t sec = ns / 1000000000, rem = ns % 1000000000;

	if (rem < 0) {
		rem += 1000000000;
		sec--;
	}
	return (struct timespec){ .tv_sec = sec, .tv_nsec = rem };
}

/*
 * chmod, chown and the utime family, on a path resolved in the root (an
 * O_PATH fd of ours, so that no symlink leads out of it) or on a mapped
 * fd; umask.  Owners change only when we run as root (the loader notes
 * the limit otherwise): the recorded outcome is kept.
 */
static int do_meta(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	const uint64_t *f = ev->e.f;
	unsigned op = ev->e.op;
	bool is_chown = op == IORR_OP_chown || op == IORR_OP_lchown ||
			op == IORR_OP_fchownat || op == IORR_OP_fchown;
	bool byfd = op == IORR_OP_fchmod || op == IORR_OP_fchown ||
		    op == IORR_OP_futimens;
	bool at = op == IORR_OP_fchmodat || op == IORR_OP_fchownat ||
		  op == IORR_OP_utimensat;
	int fd = -1, own = -1, flags = 0;
	char proc[64];
	long r;

	if (op == IORR_OP_umask) {
		/* the old mask; the new one is applied by rp_umask_at() */
		set_out(rp, i, rp_umask_at(rp, i), 0);
		return 0;
	}
	if (is_chown && geteuid() != 0) {
		emulate(rp, i);
		return 0;
	}
	if (byfd) {
		fd = rp_fd_get(rp, proc_of(rp, i), (int32_t)f[0]);
		if (fd < 0) {
			set_neg(rp, i, -EBADF);
			return 0;
		}
	} else {
		int err;
		char *s = map_path(rp, i, at ? (int64_t)f[0] : AT_FDCWD,
				   at ? f[1] : f[0], &err);

		if (!s) {
			set_neg(rp, i, err);
			return 0;
		}
		if (at)
			flags = (int)f[op == IORR_OP_fchmodat ? 3 : 4];
		if (op == IORR_OP_lchown)
			flags = AT_SYMLINK_NOFOLLOW;
		own = fd = rp_sb_open(rp, s, O_PATH |
				      ((flags & AT_SYMLINK_NOFOLLOW) ?
				       O_NOFOLLOW : 0), 0);
		free(s);
		if (fd < 0) {
			set_neg(rp, i, fd);
			return 0;
		}
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	switch (op) {
	case IORR_OP_chmod:
	case IORR_OP_fchmodat:
	case IORR_OP_fchmod: {
		mode_t mode = (mode_t)f[op == IORR_OP_chmod ? 1 :
					op == IORR_OP_fchmod ? 1 : 2];
		struct stat sb;

		if (own >= 0 && (flags & AT_SYMLINK_NOFOLLOW) &&
		    !fstat(fd, &sb) && S_ISLNK(sb.st_mode)) {
			r = -1;
			errno = EOPNOTSUPP;
		} else {
			r = own >= 0 ? chmod(proc, mode) : fchmod(fd, mode);
		}
		break;
	}
	case IORR_OP_chown:
	case IORR_OP_lchown:
	case IORR_OP_fchownat:
	case IORR_OP_fchown: {
		unsigned k = op == IORR_OP_fchownat ? 2 : 1;

		r = fchownat(fd, "", (uid_t)f[k], (gid_t)f[k + 1],
			     AT_EMPTY_PATH);
		break;
	}
	case IORR_OP_utimensat:
	case IORR_OP_futimens: {
		unsigned k = op == IORR_OP_utimensat ? 2 : 1;
		struct timespec ts[2] = { rec_time(f[k]), rec_time(f[k + 1]) };

		r = own >= 0 && (flags & AT_SYMLINK_NOFOLLOW) ?
		    utimensat(fd, "", ts, AT_EMPTY_PATH) :
		    utimensat(AT_FDCWD, proc, ts, 0);
		break;
	}
	default:
		r = -1;
		errno = ENOSYS;
	}
	set_sys(rp, i, r);
	if (own >= 0)
		close(own);
	return 0;
}

bool rp_op_replayable(unsigned op)
{
	switch (op) {
	case IORR_OP_uring_other:	/* see rp_uring_other_name() */
		return false;
	default:
		return true;
	}
}

int rp_exec_event(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	const struct iorr_op_desc *d = iorr_op_get(ev->e.op);
	const uint64_t *f = ev->e.f;

	if (ev->e.op >= IORR_OP_aio_setup && ev->e.op <= IORR_OP_aio_cancel)
		return rp_exec_aio(w, i);
	if (ev->e.op >= IORR_OP_uring_setup && ev->e.op <= IORR_OP_uring_missed)
		return rp_exec_uring(w, i);
	switch (ev->e.op) {
	case IORR_OP_open:
		return do_open(w, i, AT_FDCWD, f[0], f[1], f[2], 0);
	case IORR_OP_openat:
		return do_open(w, i, (int64_t)f[0], f[1], f[2], f[3], 0);
	case IORR_OP_openat2:
		return do_open(w, i, (int64_t)f[0], f[1], f[2], f[3], f[4]);
	case IORR_OP_creat:
		return do_open(w, i, AT_FDCWD, f[0],
			       O_CREAT | O_WRONLY | O_TRUNC, f[1], 0);
	case IORR_OP_fopen:
		/* a mode string libc refused: recorded with no access mode */
		if ((f[1] & O_ACCMODE) == O_ACCMODE) {
			set_neg(rp, i, -EINVAL);
			return 0;
		}
		return do_open(w, i, AT_FDCWD, f[0], f[1], 0666, 0);
	case IORR_OP_chmod:
	case IORR_OP_fchmodat:
	case IORR_OP_fchmod:
	case IORR_OP_chown:
	case IORR_OP_lchown:
	case IORR_OP_fchownat:
	case IORR_OP_fchown:
	case IORR_OP_utimensat:
	case IORR_OP_futimens:
	case IORR_OP_umask:
		return do_meta(w, i);
	case IORR_OP_fd_path: {
		/* an fd the process had before the recording saw it */
		int err;
		char *s = map_path(rp, i, AT_FDCWD, f[1], &err);
		int fd = s ? rp_sb_open(rp, s, (int)f[2] & ~(O_CREAT | O_TRUNC |
					O_EXCL | O_CLOEXEC), 0) : err;

		if (fd >= 0)
			fdmap_set(proc_of(rp, i), (int32_t)f[0], fd, s,
			       f[2] & O_CLOEXEC);
		free(s);
		emulate(rp, i);
		return 0;
	}
	case IORR_OP_truncate:
		return do_truncate(w, i);
	case IORR_OP_fork:
		proc_fork(rp, i, (int32_t)f[0]);
		emulate(rp, i);
		return 0;
	case IORR_OP_exec:
		proc_exec(proc_of(rp, i));
		emulate(rp, i);
		return 0;
	case IORR_OP_proc_exit: {
		/* its POSIX locks go with it */
		struct rp_proc *p = proc_of(rp, i);

		pthread_mutex_lock(&p->lock);
		rp_proc_locks_free(p);
		pthread_mutex_unlock(&p->lock);
		emulate(rp, i);
		return 0;
	}
	case IORR_OP_fdopen:
		emulate(rp, i);
		return 0;
	case IORR_OP_close_range: {
		struct rp_proc *p = proc_of(rp, i);
		struct rp_fd *x, *tmp;

		pthread_mutex_lock(&p->lock);
		HASH_ITER(hh, p->fds, x, tmp) {
			if ((uint64_t)(uint32_t)x->rfd < f[0] ||
			    (uint64_t)(uint32_t)x->rfd > f[1])
				continue;
			if (f[2] & 4 /* CLOSE_RANGE_CLOEXEC */)
				x->cloexec = true;
			else
				fd_drop_locked(p, x);
		}
		pthread_mutex_unlock(&p->lock);
		set_out(rp, i, 0, 0);
		return 0;
	}
	case IORR_OP_splice:
		return rp_exec_splice(w, i);
	case IORR_OP_sendfile:
		return rp_exec_sendfile(w, i);
	case IORR_OP_mmap:
	case IORR_OP_mmap_write:
	case IORR_OP_msync:
	case IORR_OP_munmap:
		return rp_exec_map(w, i);
	case IORR_OP_dioinfo:
	case IORR_OP_fiemap:
	case IORR_OP_ioctl:
		/* read-only: not reissued */
		rp->out[i].state = RP_SKIPPED;
		return 0;
	default:
		break;
	}
	if (d->kind == IORR_KIND_META || d->kind == IORR_KIND_PRIM) {
		emulate(rp, i);
		return 0;
	}
	switch (d->cls) {
	case IORR_CLASS_NS:
		return do_ns(w, i);
	case IORR_CLASS_READ:
	case IORR_CLASS_WRITE:
		if (ev->e.op == IORR_OP_copy_file_range ||
		    ev->e.op == IORR_OP_ftruncate ||
		    ev->e.op == IORR_OP_fallocate ||
		    ev->e.op == IORR_OP_posix_fallocate ||
		    ev->e.op == IORR_OP_ficlone ||
		    ev->e.op == IORR_OP_ficlonerange ||
		    ev->e.op == IORR_OP_fidedupe)
			return do_fdop(w, i);
		return do_rw(w, i);
	default:
		return do_fdop(w, i);
	}
}
