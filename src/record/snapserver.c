/* SPDX-License-Identifier: MIT */
/*
 * First-touch copies, made by `iorr record` for the workload.
 *
 * A workload thread about to touch a pre-existing file for the first time
 * posts the file's path in a request slot of the shared area and waits on
 * the slot (src/record/preload.c, snap_request()).  This thread, in the
 * `iorr record` process, copies the file to <snap_dir>/<id> -- a reflink
 * where the filesystem has them, data extents only otherwise, so holes stay
 * holes -- and answers.
 *
 * RATIONALE: the copy used to run in the workload thread, holding two file
 * descriptors for its duration; another thread of the workload opening a
 * file meanwhile got a different number than it gets untraced.  Here the
 * workload holds nothing; it pays two futex round trips per first touch.
 * The path is opened through /proc/<pid>/root so that a chroot()ed
 * workload's paths mean what they mean to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "record/snapserver.h"

struct iorr_snapserver {
	struct iorr_shm *shm;
	pthread_t thread;
	_Atomic int stop;
	uint8_t *bounce;
};

#define BOUNCE_SIZE (1u << 20)

static void futex_wake_all(_Atomic uint32_t *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Copy [off, off + len) of @src to the same offsets of @dst. */
static int copy_range(struct iorr_snapserver *s, int src, int dst,
		      uint64_t off, uint64_t len)
{
	while (len) {
		loff_t in = (loff_t)off, out = (loff_t)off;
		ssize_t r = copy_file_range(src, &in, dst, &out, len, 0);

		if (r > 0) {
			off += (uint64_t)r;
			len -= (uint64_t)r;
			continue;
		}
		if (r == 0)
			return 0;	/* the file shrank meanwhile */
		if (errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP &&
		    errno != ENOSYS)
			return -errno;
		break;		/* no copy_file_range here: bounce */
	}
	if (len && !s->bounce && !(s->bounce = malloc(BOUNCE_SIZE)))
		return -ENOMEM;
	while (len) {
		size_t n = len < BOUNCE_SIZE ? (size_t)len : BOUNCE_SIZE;
		ssize_t r = pread(src, s->bounce, n, (off_t)off), w;

		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		w = pwrite(dst, s->bounce, (size_t)r, (off_t)off);
		if (w != r)
			return w < 0 ? -errno : -EIO;
		off += (uint64_t)r;
		len -= (uint64_t)r;
	}
	return 0;
}

/* Copy @src's data extents (holes stay holes) to @dst, of size @size. */
static int copy_file(struct iorr_snapserver *s, int src, int dst,
		     uint64_t size)
{
	int r;

	if (ioctl(dst, FICLONE, src) == 0)
		return 0;
	for (uint64_t off = 0; off < size;) {
		off_t d = lseek(src, (off_t)off, SEEK_DATA), e;

		if (d < 0 && errno == ENXIO)
			break;
		if (d < 0) {	/* no SEEK_DATA: all data */
			r = copy_range(s, src, dst, off, size - off);
			if (r < 0)
				return r;
			break;
		}
		e = lseek(src, d, SEEK_HOLE);
		if (e < 0 || (uint64_t)e > size)
			e = (off_t)size;
		r = copy_range(s, src, dst, (uint64_t)d, (uint64_t)(e - d));
		if (r < 0)
			return r;
		off = (uint64_t)e;
	}
	return ftruncate(dst, (off_t)size) ? -errno : 0;
}

static int open_as_workload(pid_t pid, const char *path)
{
	char p[sizeof(((struct iorr_snap_req *)0)->path) + 32];
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/root%s", (int)pid, path);
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == EACCES)	/* not ptrace-readable: setuid */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

static void serve(struct iorr_snapserver *s, struct iorr_snap_req *q)
{
	char dst[sizeof(s->shm->snap_dir) + 24];
	struct stat st;
	int in, out, r;

	snprintf(dst, sizeof(dst), "%s/%llu", s->shm->snap_dir,
		 (unsigned long long)q->id);
	q->size = 0;
	in = open_as_workload(q->pid, q->path);
	if (in < 0) {
		q->err = -in;
		return;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		r = -errno;
	else if (fstat(in, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else
		r = copy_file(s, in, out, (uint64_t)st.st_size);
	if (out >= 0 && close(out) < 0 && r == 0)
		r = -errno;
	close(in);
	if (r == 0)
		q->size = (uint64_t)st.st_size;
	q->err = -r;
}

static void *server(void *arg)
{
	struct iorr_snapserver *s = arg;
	struct iorr_shm *h = s->shm;

	for (;;) {
		uint32_t gen = atomic_load(&h->snap_gen);
		bool any = false;

		for (unsigned i = 0; i < IORR_SNAP_REQS; i++) {
			struct iorr_snap_req *q = &h->snap_reqs[i];

			if (atomic_load_explicit(&q->state,
						 memory_order_acquire) !=
			    IORR_SREQ_POSTED)
				continue;
			serve(s, q);
			atomic_store_explicit(&q->state, IORR_SREQ_DONE,
					      memory_order_release);
			futex_wake_all(&q->state);
			any = true;
		}
		if (any)
			continue;
		if (atomic_load(&s->stop))
			break;
		/* a request posted after the scan bumped gen: no sleep */
		struct timespec ts = { 0, 200000000 };

		syscall(SYS_futex, &h->snap_gen, FUTEX_WAIT, gen, &ts, NULL,
			0);
	}
	return NULL;
}

int iorr_snapserver_start(struct iorr_shm *shm, struct iorr_snapserver **out)
{
	struct iorr_snapserver *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->shm = shm;
	r = pthread_create(&s->thread, NULL, server, s);
	if (r) {
		free(s);
		return -r;
	}
	*out = s;
	return 0;
}

void iorr_snapserver_stop(struct iorr_snapserver *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, 1);
	atomic_fetch_add(&s->shm->snap_gen, 1);
	futex_wake_all(&s->shm->snap_gen);
	pthread_join(s->thread, NULL);
	free(s->bounce);
	free(s);
}
