/* SPDX-License-Identifier: MIT */
/*
 * The executor of splice, sendfile and shared file mappings.
 *
 * splice and sendfile are reissued as the real calls between the replay
 * fds.  An end the recording did not trace (a pipe or socket) has no replay
 * fd: the replayer puts a pipe of its own there, so the traced file's side
 * still goes through the kernel's splice path.  Bytes that came out of the
 * file are drained from that pipe and hashed (the recording has no hash of
 * them: the read counts as unchecked; the byte count is checked).  Bytes
 * that went into the file are the trace's payload (the recorder reads them
 * back from the file), written into the pipe and spliced into the file.
 *
 * A mapping (mmap record) is replayed as a real mmap of the replay fd with
 * the recorded length, protection, type (MAP_SHARED/MAP_PRIVATE) and
 * offset.  An mmap_write record (the content of a dirty range, captured by
 * the recorder at msync/munmap/exit) is a memcpy of its bytes into that
 * mapping, so the data reaches the file through the page cache as the
 * program's stores did; msync and munmap are the real calls on the same
 * range.  Stores past the end of the file (which would fault) are cut at
 * the file's current size, and the cut shows as a short result.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay/replay_int.h"

#define MAX_MOVE (1ull << 30)	/* cap on one op's bytes (hostile traces) */

struct rp_map {
	UT_hash_handle hh;
	uint64_t id;		/* trace-wide mapping id */
	uint8_t *addr;
	size_t len;
	int64_t off;		/* file offset of addr */
	int fd;			/* own dup of the file, for its size */
	bool writable;		/* PROT_WRITE and MAP_SHARED */
	bool dead;		/* partly unmapped: no more stores */
};

static void out_set(struct replay *rp, uint32_t i, int64_t res, int err)
{
	struct rp_out *o = &rp->out[i];

	o->state = RP_DONE;
	o->result = res;
	o->err = err;
}

/* For calls returning -1/errno. */
static void out_sys(struct replay *rp, uint32_t i, int64_t res)
{
	out_set(rp, i, res < 0 ? -1 : res, res < 0 ? errno : 0);
}

static int map_fd(struct replay *rp, uint32_t i, uint64_t rfd)
{
	if ((int64_t)rfd < 0)
		return -1;
	return rp_fd_get(rp, &rp->procs[rp->ev[i].proc], (int32_t)rfd);
}

/* How many bytes the replay moves: what the recording moved. */
static size_t want_len(const struct rp_ev *ev, uint64_t len)
{
	uint64_t n = ev->e.result > 0 ? (uint64_t)ev->e.result :
		     ev->e.result == 0 ? 0 : len;

	return (size_t)(n > MAX_MOVE ? MAX_MOVE : n);
}

/* A pipe as large as the system allows; its capacity in *cap. */
static int big_pipe(int p[2], size_t *cap)
{
	int k;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	(void)fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	k = fcntl(p[1], F_GETPIPE_SZ);
	*cap = k > 0 ? (size_t)k : 65536;
	return 0;
}

static size_t drain(int fd, uint8_t *buf, size_t n)
{
	size_t t = 0;

	while (t < n) {
		ssize_t k = read(fd, buf + t, n - t);

		if (k <= 0)
			break;
		t += (size_t)k;
	}
	return t;
}

/*
 * File -> a pipe of ours: @move(pipe write end, chunk) issues the real
 * call; the bytes are drained into @buf.  Returns the total or -1/errno
 * when the first call failed.
 */
struct mover {
	int fd;			/* the file side */
	loff_t off, *offp;
	unsigned flags;
	bool sendfile;
};

static ssize_t move_once(struct mover *m, int in, int out, size_t n)
{
	if (m->sendfile) {
		off_t o = (off_t)m->off;
		ssize_t k = sendfile(out, in, m->offp ? &o : NULL, n);

		if (m->offp && k > 0)
			m->off = o;
		return k;
	}
	if (in == m->fd)
		return splice(in, m->offp, out, NULL, n, m->flags);
	return splice(in, NULL, out, m->offp, n, m->flags);
}

/* Close a pipe of ours; errno is kept. */
static void close_pipe(const int p[2])
{
	int e = errno;

	close(p[0]);
	close(p[1]);
	errno = e;
}

static ssize_t from_file(struct mover *m, uint8_t *buf, size_t n)
{
	int p[2];
	size_t cap, t = 0;
	int k = big_pipe(p, &cap);

	if (k < 0) {
		errno = -k;
		return -1;
	}
	do {
		size_t c = n - t < cap ? n - t : cap;
		ssize_t r = move_once(m, m->fd, p[1], c);

		if (r < 0 && t == 0) {
			close_pipe(p);
			return -1;
		}
		if (r <= 0)
			break;
		t += drain(p[0], buf + t, (size_t)r);
	} while (t < n);
	close_pipe(p);
	return (ssize_t)t;
}

/* @buf through a pipe of ours into the file (splice only). */
static ssize_t into_file(struct mover *m, const uint8_t *buf, size_t n)
{
	int p[2];
	size_t cap, t = 0;
	int k = big_pipe(p, &cap);

	if (k < 0) {
		errno = -k;
		return -1;
	}
	do {
		size_t c = n - t < cap ? n - t : cap;
		ssize_t w = write(p[1], buf + t, c);
		ssize_t r;

		if (w <= 0)
			break;
		r = move_once(m, p[0], m->fd, (size_t)w);
		if (r < 0 && t == 0) {
			close_pipe(p);
			return -1;
		}
		if (r <= 0)
			break;
		t += (size_t)r;
		if (r < w)
			break;
	} while (t < n);
	close_pipe(p);
	return (ssize_t)t;
}

/*
 * Op @i reads the file side of @m into a pipe or socket the recording did
 * not trace: read it through a pipe of ours and check the bytes as a read
 * at @off.
 */
static void untraced_out(struct replay *rp, uint32_t i, struct mover *m,
			 uint8_t *buf, size_t n, uint64_t off)
{
	ssize_t r = from_file(m, buf, n);

	out_sys(rp, i, r);
	if (r >= 0)
		rp_check_read(rp, i, buf, (size_t)r, off, 0);
}

/* Flags our own pipes can take: never non-blocking. */
#define SPLICE_KEEP (SPLICE_F_MOVE | SPLICE_F_MORE)

int rp_exec_splice(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	const uint64_t *f = ev->e.f;
	int in = map_fd(rp, i, f[0]), out = map_fd(rp, i, f[2]);
	loff_t oin = (loff_t)f[1], oout = (loff_t)f[3];
	unsigned flags = (unsigned)f[5];
	size_t n = want_len(ev, f[4]);
	ssize_t r;

	if (in >= 0 && out >= 0) {
		r = splice(in, (int64_t)f[1] >= 0 ? &oin : NULL, out,
			   (int64_t)f[3] >= 0 ? &oout : NULL, (size_t)f[4],
			   flags);
		out_sys(rp, i, r);
		return 0;
	}
	if (in < 0 && out < 0) {
		out_set(rp, i, -1, EBADF);
		return 0;
	}
	uint8_t *buf = rp_buf(w, n, 0);

	if (!buf)
		return -ENOMEM;
	if (in >= 0) {
		struct mover m = { .fd = in, .off = oin, .flags = flags &
				   SPLICE_KEEP, .offp = (int64_t)f[1] >= 0 ?
				   &m.off : NULL };

		untraced_out(rp, i, &m, buf, n,
			     (int64_t)f[1] >= 0 ? f[1] : 0);
		return 0;
	}
	struct mover m = { .fd = out, .off = oout, .flags = flags &
			   SPLICE_KEEP, .offp = (int64_t)f[3] >= 0 ?
			   &m.off : NULL };

	rp_fill_payload(rp, ev, buf, n);
	out_sys(rp, i, into_file(&m, buf, n));
	return 0;
}

int rp_exec_sendfile(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	const uint64_t *f = ev->e.f;
	int out = map_fd(rp, i, f[0]), in = map_fd(rp, i, f[1]);
	bool has_off = (int64_t)f[2] >= 0;
	off_t o = (off_t)f[2];
	size_t n = want_len(ev, f[3]);
	ssize_t r;

	if (in >= 0 && out >= 0) {
		r = sendfile(out, in, has_off ? &o : NULL, (size_t)f[3]);
		out_sys(rp, i, r);
		return 0;
	}
	if (in < 0 && out < 0) {
		out_set(rp, i, -1, EBADF);
		return 0;
	}
	uint8_t *buf = rp_buf(w, n, 0);

	if (!buf)
		return -ENOMEM;
	if (in >= 0) {
		/* to a socket or pipe the recording did not trace */
		struct mover m = { .fd = in, .off = o, .sendfile = true,
				   .offp = has_off ? &m.off : NULL };

		untraced_out(rp, i, &m, buf, n, has_off ? f[2] : 0);
		return 0;
	}
	/*
	 * From a file the recording did not trace: its bytes are not in the
	 * trace; stand-in bytes are spliced into the file (the model writes
	 * the same ones).
	 */
	rp_limit(rp, "sendfile from an untraced file: stand-in bytes written");
	struct mover m = { .fd = out, .flags = 0 };

	rp_fill_payload(rp, ev, buf, n);
	out_sys(rp, i, into_file(&m, buf, n));
	return 0;
}

/* ---- mappings ------------------------------------------------------------ */

static struct rp_map *map_find(struct replay *rp, uint64_t id)
{
	struct rp_map *m;

	pthread_mutex_lock(&rp->map_lock);
	HASH_FIND(hh, rp->maps, &id, sizeof(id), m);
	pthread_mutex_unlock(&rp->map_lock);
	return m;
}

static void map_drop(struct replay *rp, struct rp_map *m)
{
	pthread_mutex_lock(&rp->map_lock);
	HASH_DEL(rp->maps, m);
	pthread_mutex_unlock(&rp->map_lock);
	if (m->addr && !m->dead)
		munmap(m->addr, m->len);
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

void rp_maps_free(struct replay *rp)
{
	struct rp_map *m, *tmp;

	HASH_ITER(hh, rp->maps, m, tmp)
		map_drop(rp, m);
}

static int do_mmap(struct replay *rp, uint32_t i)
{
	const uint64_t *f = rp->ev[i].e.f;
	int fd = map_fd(rp, i, f[1]);
	int prot = (int)f[3] & (PROT_READ | PROT_WRITE);
	/* MAP_SYNC: a program probing for pmem gets its EOPNOTSUPP again */
	int flags = (int)f[4] & (MAP_TYPE | MAP_SYNC | MAP_POPULATE |
				 MAP_NORESERVE);
	struct rp_map *m, *old;
	void *a;

	if (fd < 0) {
		out_set(rp, i, -1, EBADF);
		return 0;
	}
	if ((uint64_t)f[2] > SIZE_MAX / 2) {
		out_set(rp, i, -1, ENOMEM);
		return 0;
	}
	a = mmap(NULL, (size_t)f[2], prot, flags, fd, (off_t)f[5]);
	if (a == MAP_FAILED) {
		out_sys(rp, i, -1);
		return 0;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		munmap(a, (size_t)f[2]);
		return -ENOMEM;
	}
	m->id = f[0];
	m->addr = a;
	m->len = (size_t)f[2];
	m->off = (int64_t)f[5];
	m->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	m->writable = (prot & PROT_WRITE) && (flags & MAP_TYPE) != MAP_PRIVATE;
	if ((old = map_find(rp, m->id)))
		map_drop(rp, old);
	pthread_mutex_lock(&rp->map_lock);
	HASH_ADD(hh, rp->maps, id, sizeof(m->id), m);
	pthread_mutex_unlock(&rp->map_lock);
	out_set(rp, i, 0, 0);
	return 0;
}

static int do_mmap_write(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	const uint64_t *f = ev->e.f;
	struct rp_map *m = map_find(rp, f[0]);
	int64_t foff = (int64_t)f[1];
	uint64_t len = f[2];
	struct stat st;

	if (!m || m->dead || !m->writable || m->fd < 0) {
		out_set(rp, i, -1, m ? EACCES : EBADF);
		return 0;
	}
	if (foff < m->off || len > m->len ||
	    (uint64_t)(foff - m->off) > m->len - len) {
		out_set(rp, i, -1, EFAULT);
		return 0;
	}
	if (fstat(m->fd, &st) < 0) {
		out_sys(rp, i, -1);
		return 0;
	}
	/* a store past the end of the file would fault (SIGBUS) */
	if (foff >= st.st_size)
		len = 0;
	else if ((int64_t)len > st.st_size - foff)
		len = (uint64_t)(st.st_size - foff);
	uint8_t *buf = rp_buf(w, (size_t)len, 0);

	if (!buf)
		return -ENOMEM;
	rp_fill_payload(rp, ev, buf, (size_t)len);
	memcpy(m->addr + (foff - m->off), buf, (size_t)len);
	out_set(rp, i, (int64_t)len, 0);
	return 0;
}

static int do_msync_munmap(struct replay *rp, uint32_t i)
{
	const uint64_t *f = rp->ev[i].e.f;
	struct rp_map *m = map_find(rp, f[0]);
	uint64_t moff = f[1], len = f[2];

	if (!m || m->dead || moff > m->len) {
		out_set(rp, i, -1, m ? EFAULT : EINVAL);
		return 0;
	}
	if (len > m->len - moff)
		len = m->len - moff;	/* never beyond our own mapping */
	if (rp->ev[i].e.op == IORR_OP_msync) {
		out_sys(rp, i, msync(m->addr + moff, (size_t)len, (int)f[3]));
		return 0;
	}
	int r = munmap(m->addr + moff, (size_t)len);

	out_sys(rp, i, r);
	if (r == 0) {
		if (moff == 0 && len == m->len)
			m->addr = NULL;
		else
			m->dead = true;	/* a part is left mapped: kept */
		if (!m->addr)
			map_drop(rp, m);
	}
	return 0;
}

int rp_exec_map(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;

	switch (rp->ev[i].e.op) {
	case IORR_OP_mmap:
		return do_mmap(rp, i);
	case IORR_OP_mmap_write:
		return do_mmap_write(w, i);
	case IORR_OP_msync:
	case IORR_OP_munmap:
		return do_msync_munmap(rp, i);
	default:
		return -ENOTSUP;
	}
}
