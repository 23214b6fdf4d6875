/* SPDX-License-Identifier: MIT */
/*
 * The io_uring executor: a ring per recorded ring, set up with the recorded
 * entries, CQ size and setup flags; each uring_* SUBMIT record becomes an
 * SQE with the recorded SQE flags (links, drain, async) and rw flags, and
 * the uring_submit call that follows them submits the batch.  Each
 * uring_cqe record waits for its request's CQE and checks it.
 *
 * user_data of a replayed SQE is the trace's request id (the recorded
 * user_data was an address of the program's).
 *
 * OPENAT is issued as IORING_OP_OPENAT2 on the sandbox root with
 * RESOLVE_IN_ROOT (the sandbox path, as a synchronous open); the fd its CQE
 * returns maps to the recorded number.  CLOSE closes the mapped fd (the
 * table forgets it when the CQE says it was closed).  STATX is issued on
 * an O_PATH fd of the path resolved in the root (AT_EMPTY_PATH) and its
 * result checked.  SPLICE between a traced file and a pipe the recording
 * did not trace goes through a pipe of ours (as splice in exec_ops.c): into
 * the file, the CQE's payload is written to the pipe first; out of it, the
 * bytes are drained and hashed.  ASYNC_CANCEL targets the request whose
 * recorded user_data it named (the latest one of the ring) and its result
 * is compared by class, as io_cancel's (found and cancelled, or not found
 * or already done: order-dependent).  IORING_OP_* opcodes recorded as
 * uring_other are refused (see rp_uring_other_name()).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liburing.h>
#include <poll.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "replay/replay_int.h"

struct rp_ring {
	UT_hash_handle hh;
	uint64_t id;
	struct io_uring ring;
	pthread_mutex_t lock;
	struct rp_req *reqs;
	unsigned pending;	/* SQEs prepared, not yet submitted */
	/* registered files and buffers (see fixed_file/fixed_buf) */
	struct fslot { int fd, refs; } *files;
	unsigned nfiles;
	bool *bufs;		/* slot in use */
	unsigned nbufs, rec_nbufs;
	uint64_t nprepared;	/* SQEs prepared so far (rp_req.sqe_no) */
	uint64_t nsubmitted;	/* of which submitted: the SQ is FIFO */
	unsigned early;		/* submitted before their uring_submit ran */
};

/* Setup flags a replay can honour as recorded. */
#define SETUP_OK (IORING_SETUP_IOPOLL | IORING_SETUP_SQPOLL | \
		  IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | \
		  IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | \
		  IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SINGLE_ISSUER | \
		  IORING_SETUP_DEFER_TASKRUN)

static struct rp_ring *ring_get(struct replay *rp, uint64_t id)
{
	struct rp_ring *r;

	pthread_mutex_lock(&rp->ring_lock);
	HASH_FIND(hh, rp->rings, &id, sizeof(id), r);
	pthread_mutex_unlock(&rp->ring_lock);
	return r;
}

static void ring_destroy(struct rp_ring *r)
{
	struct rp_req *q, *tmp;

	io_uring_queue_exit(&r->ring);
	free(r->files);
	free(r->bufs);
	HASH_ITER(hh, r->reqs, q, tmp) {
		HASH_DEL(r->reqs, q);
		rp_req_free(q);
	}
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void rp_uring_free(struct replay *rp)
{
	struct rp_ring *r, *tmp;

	HASH_ITER(hh, rp->rings, r, tmp) {
		HASH_DEL(rp->rings, r);
		ring_destroy(r);
	}
}

/*
 * Registered files and buffers.  The trace records what a registration
 * call did (opcode, count, result) and, for each SQE, the file a fixed
 * index referred to (fd), but not the index-to-file table itself nor the
 * buffers' addresses.  The replay registers a table of the recorded size
 * (files: all empty; buffers: sparse, at least FIXED_BUFS slots) and puts
 * in it, with IORING_REGISTER_FILES_UPDATE / BUFFERS_UPDATE, the file or
 * buffer of each fixed SQE when it is prepared: the kernel goes through
 * its fixed-file and registered-buffer paths as in the recording, at other
 * indexes.  A file keeps its slot while requests use it; a buffer slot
 * holds the request's own buffer until its completion is checked.
 */
#define FIXED_BUFS 1024u
#define NO_SLOT 0x7fffffff	/* an index nothing is registered at */

static int ring_register(struct replay *rp, uint32_t i)
{
	struct rp_ev *ev = &rp->ev[i];
	struct rp_ring *r = ring_get(rp, rp_fu(ev, "ring"));
	unsigned opc = (unsigned)rp_fu(ev, "opcode");
	unsigned nr = (unsigned)rp_fu(ev, "nr_args");
	int k;

	if (!r) {
		rp->out[i] = (struct rp_out){ .state = RP_DONE, .result = -1,
					      .err = EBADF };
		return 0;
	}
	pthread_mutex_lock(&r->lock);
	switch (opc) {
	case IORING_REGISTER_FILES:
	case IORING_REGISTER_FILES2: {
		int *fds = malloc((nr ? nr : 1) * sizeof(*fds));
		struct fslot *sl = calloc(nr ? nr : 1, sizeof(*sl));

		if (!fds || !sl) {
			free(fds);
			free(sl);
			pthread_mutex_unlock(&r->lock);
			return -ENOMEM;
		}
		for (unsigned x = 0; x < nr; x++)
			fds[x] = sl[x].fd = -1;
		k = io_uring_register_files(&r->ring, fds, nr);
		free(fds);
		if (k == 0) {
			free(r->files);
			r->files = sl;
			r->nfiles = nr;
		} else {
			free(sl);
		}
		break;
	}
	case IORING_UNREGISTER_FILES:
		k = io_uring_unregister_files(&r->ring);
		if (k == 0) {
			free(r->files);
			r->files = NULL;
			r->nfiles = 0;
		}
		break;
	case IORING_REGISTER_BUFFERS:
	case IORING_REGISTER_BUFFERS2: {
		unsigned n = nr > FIXED_BUFS ? nr : FIXED_BUFS;
		bool *b = calloc(n, sizeof(*b));

		if (!b) {
			pthread_mutex_unlock(&r->lock);
			return -ENOMEM;
		}
		/* a table the recording could not register fails alike */
		k = nr ? io_uring_register_buffers_sparse(&r->ring, nr) :
		    -EINVAL;
		if (k == 0 && n > nr) {
			io_uring_unregister_buffers(&r->ring);
			k = io_uring_register_buffers_sparse(&r->ring, n);
		}
		if (k == 0) {
			free(r->bufs);
			r->bufs = b;
			r->nbufs = n;
			r->rec_nbufs = nr;
		} else {
			free(b);
		}
		break;
	}
	case IORING_UNREGISTER_BUFFERS:
		k = io_uring_unregister_buffers(&r->ring);
		if (k == 0) {
			free(r->bufs);
			r->bufs = NULL;
			r->nbufs = r->rec_nbufs = 0;
		}
		break;
	default:
		/*
		 * FILES_UPDATE and others: the table's content is not in the
		 * trace (each fixed SQE's file is put in place when it is
		 * prepared); the recorded outcome is kept.
		 */
		pthread_mutex_unlock(&r->lock);
		rp->out[i] = (struct rp_out){ .state = RP_EMULATED,
					      .result = ev->e.result,
					      .err = (int)ev->e.err };
		return 0;
	}
	pthread_mutex_unlock(&r->lock);
	/* liburing returns -errno, as the recording saw it */
	rp->out[i] = (struct rp_out){ .state = RP_DONE, .result = k };
	if (ev->e.err && k < 0)
		rp->out[i] = (struct rp_out){ .state = RP_DONE, .result = -1,
					      .err = -k };
	return 0;
}

/* The fixed-file index for replay @fd (lock held); NO_SLOT if none. */
static int fixed_file(struct rp_ring *r, int fd, struct rp_req *q)
{
	int free_slot = -1;

	if (fd < 0 || fd == NO_SLOT)
		return NO_SLOT;
	for (unsigned x = 0; x < r->nfiles; x++) {
		if (r->files[x].fd == fd && r->files[x].refs > 0) {
			r->files[x].refs++;
			q->fslot = (int)x + 1;
			return (int)x;
		}
		if (free_slot < 0 && r->files[x].refs == 0)
			free_slot = (int)x;
	}
	/* NOTE: a slot whose requests are done is refilled (fd reuse) */
	if (free_slot < 0 || io_uring_register_files_update(
			&r->ring, (unsigned)free_slot, &fd, 1) != 1)
		return NO_SLOT;
	r->files[free_slot].fd = fd;
	r->files[free_slot].refs = 1;
	q->fslot = free_slot + 1;
	return free_slot;
}

/* A registered-buffer index holding @q's buffer (lock held). */
static int fixed_buf(struct rp_ring *r, struct rp_req *q, unsigned rec_index)
{
	struct iovec iov = { q->buf, q->len ? q->len : 1 };

	if (rec_index >= r->rec_nbufs)
		return NO_SLOT & 0xffff;	/* EFAULT, as recorded */
	for (unsigned x = 0; x < r->nbufs; x++) {
		if (r->bufs[x])
			continue;
		if (io_uring_register_buffers_update_tag(&r->ring, x, &iov,
							 NULL, 1) != 1)
			return NO_SLOT & 0xffff;
		r->bufs[x] = true;
		q->bslot = (int)x + 1;
		return (int)x;
	}
	return NO_SLOT & 0xffff;
}

/* Give back @q's fixed slots (lock held). */
static void fixed_release(struct rp_ring *r, struct rp_req *q)
{
	if (q->fslot && (unsigned)q->fslot <= r->nfiles &&
	    r->files[q->fslot - 1].refs > 0)
		r->files[q->fslot - 1].refs--;
	if (q->bslot && (unsigned)q->bslot <= r->nbufs) {
		struct iovec none = { NULL, 0 };

		(void)io_uring_register_buffers_update_tag(
			&r->ring, (unsigned)q->bslot - 1, &none, NULL, 1);
		r->bufs[q->bslot - 1] = false;
	}
	q->fslot = q->bslot = 0;
}

/* Flags our own pipes can take (never non-blocking). */
#define OWN_SPLICE_FLAGS (SPLICE_F_MOVE | SPLICE_F_MORE)

/* A pipe of ours holding up to @len bytes (capacity in *cap). */
static int own_pipe(int p[2], size_t len, size_t *cap)
{
	int k;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if (len > 65536)
		(void)fcntl(p[1], F_SETPIPE_SZ, len > (1u << 20) ? 1u << 20 :
			    (unsigned)len);
	k = fcntl(p[1], F_GETPIPE_SZ);
	*cap = k > 0 ? (size_t)k : 65536;
	return 0;
}

struct openat_mem {
	struct open_how how;
	char path[];
};

/*
 * Before the SQE: resolve what OPENAT, CLOSE, STATX, SPLICE and
 * ASYNC_CANCEL need (paths in the sandbox, pipes of ours, the target
 * request) into @q.  @key: ASYNC_CANCEL's key.  @return 0 or -errno (fatal).
 */
static int setup_misc(struct rp_worker *w, uint32_t i, struct rp_req *q,
		      uint64_t *key)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	struct rp_proc *p = &rp->procs[ev->proc];

	switch (ev->e.op) {
	case IORR_OP_uring_openat: {
		int err;
		char *sp = rp_map_path(rp, i, rp_fsigned(ev, "dirfd"),
				       rp_fu(ev, "path"), &err);
		struct openat_mem *om;
		int fl = (int)rp_fu(ev, "flags") & ~O_CLOEXEC;

		if (!sp) {
			q->forced = true;
			q->xres = err;
			return 0;
		}
		om = calloc(1, sizeof(*om) + strlen(sp) + 1);
		if (!om) {
			free(sp);
			return -ENOMEM;
		}
		strcpy(om->path, sp);
		free(sp);
		om->how.flags = (uint64_t)(unsigned)fl | O_CLOEXEC;
		om->how.mode = (fl & (O_CREAT | __O_TMPFILE)) ?
			       rp_fu(ev, "mode") & 07777 &
			       ~rp_umask_at(rp, i) : 0;
		om->how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
		q->xmem = om;
		return 0;
	}
	case IORR_OP_uring_close:
		q->xrfd = (int)rp_fsigned(ev, "fd");
		q->xcfd = rp_fd_get(rp, p, q->xrfd);
		/* closing it drops the process's POSIX locks on the file */
		if (q->xcfd >= 0)
			rp_fd_locks_drop(p, q->xcfd);
		return 0;
	case IORR_OP_uring_statx: {
		int err, fd;
		uint64_t fl = rp_fu(ev, "flags");
		const char *rec = iorr_reader_path(rp->r,
						   (uint32_t)rp_fu(ev, "path"));
		char *sp;

		q->xmem = calloc(1, sizeof(struct statx));
		if (!q->xmem)
			return -ENOMEM;
		if (rec && !rec[0] && (fl & AT_EMPTY_PATH)) {
			fd = rp_fd_get(rp, p, (int32_t)rp_fsigned(ev,
								  "dirfd"));
			fd = fd < 0 ? -EBADF : fcntl(fd, F_DUPFD_CLOEXEC, 0);
		} else {
			sp = rp_map_path(rp, i, rp_fsigned(ev, "dirfd"),
					 rp_fu(ev, "path"), &err);
			fd = sp ? rp_sb_open(rp, sp, O_PATH |
					     ((fl & AT_SYMLINK_NOFOLLOW) ?
					      O_NOFOLLOW : 0), 0) : err;
			free(sp);
		}
		if (fd < 0) {
			q->forced = true;
			q->xres = fd;
		} else {
			q->xfd[0] = fd + 1;
		}
		return 0;
	}
	case IORR_OP_uring_splice: {
		int in = -1, out = -1, pp[2];
		int64_t rin = rp_fsigned(ev, "fd_in");
		int64_t rout = rp_fsigned(ev, "fd_out");
		size_t cap = 0;

		if (rin >= 0)
			in = rp_fd_get(rp, p, (int32_t)rin);
		if (rout >= 0)
			out = rp_fd_get(rp, p, (int32_t)rout);
		if ((in >= 0) == (out >= 0))
			return 0;	/* both ends ours, or EBADF */
		int k = own_pipe(pp, q->len, &cap);

		if (k < 0)
			return k;
		q->xcap = cap;
		if (in >= 0) {
			/* file -> our pipe: drained at the completion */
			q->xfd[0] = pp[1] + 1;
			q->xfd[1] = pp[0] + 1;
			if (q->len > cap)
				rp_limit(rp, "io_uring SPLICE of more than %zu "
					 "bytes out of a file: cut", cap);
			return 0;
		}
		/* our pipe -> file: the bytes it moved, then EOF */
		size_t n = ev->complete != RP_NONE &&
			   rp->ev[ev->complete].e.result > 0 ?
			   (size_t)rp->ev[ev->complete].e.result : 0;

		if (n > q->len)
			n = q->len;
		if (n > cap) {
			rp_limit(rp, "io_uring SPLICE of more than %zu bytes "
				 "into a file: cut", cap);
			n = cap;
		}
		if (n && write(pp[1], q->buf, n) != (ssize_t)n) {
			k = -errno;
			close(pp[0]);
			close(pp[1]);
			return k ? k : -EIO;
		}
		close(pp[1]);
		q->xfd[0] = pp[0] + 1;
		return 0;
	}
	case IORR_OP_uring_cancel: {
		uint64_t ring = rp_fu(ev, "ring");
		uint64_t target = rp_fu(ev, "target");

		*key = UINT64_MAX;	/* nothing: -ENOENT, as recorded */
		for (uint32_t k = i; k-- > 0;) {
			struct rp_ev *e = &rp->ev[k];

			if (iorr_op_get(e->e.op)->kind != IORR_KIND_SUBMIT ||
			    e->e.op < IORR_OP_uring_setup ||
			    e->e.op > IORR_OP_uring_missed ||
			    rp_fu(e, "ring") != ring ||
			    rp_fu(e, "user_data") != target)
				continue;
			*key = rp_fu(e, "req");
			break;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/* The SQE of OPENAT, CLOSE, STATX, SPLICE, ASYNC_CANCEL (lock held). */
static void prep_misc(struct replay *rp, struct rp_ev *ev,
		      struct io_uring_sqe *sqe, struct rp_req *q, int fd,
		      uint64_t key)
{
	if (q->forced) {
		io_uring_prep_nop(sqe);
		return;
	}
	switch (ev->e.op) {
	case IORR_OP_uring_openat: {
		struct openat_mem *om = q->xmem;

		io_uring_prep_openat2(sqe, rp->rootfd, om->path, &om->how);
		break;
	}
	case IORR_OP_uring_close:
		io_uring_prep_close(sqe, fd);
		break;
	case IORR_OP_uring_statx:
		io_uring_prep_statx(sqe, q->xfd[0] - 1, "",
				    (int)rp_fu(ev, "flags") | AT_EMPTY_PATH,
				    (unsigned)rp_fu(ev, "mask"), q->xmem);
		break;
	case IORR_OP_uring_splice: {
		struct rp_proc *p = &rp->procs[ev->proc];
		int64_t rin = rp_fsigned(ev, "fd_in");
		int64_t rout = rp_fsigned(ev, "fd_out");
		int in = rin >= 0 ? rp_fd_get(rp, p, (int32_t)rin) : -1;
		int out = rout >= 0 ? rp_fd_get(rp, p, (int32_t)rout) : -1;
		int64_t oin = rp_fsigned(ev, "off_in");
		int64_t oout = rp_fsigned(ev, "off_out");
		unsigned fl = (unsigned)rp_fu(ev, "flags");
		unsigned len = (unsigned)q->len;

		if (in >= 0 && out < 0 && q->xfd[0]) {
			out = q->xfd[0] - 1;
			oout = -1;
			fl &= OWN_SPLICE_FLAGS;
			/* never more than our pipe holds: it would block */
			if (len > q->xcap)
				len = (unsigned)q->xcap;
		} else if (out >= 0 && in < 0 && q->xfd[0]) {
			in = q->xfd[0] - 1;
			oin = -1;
			fl &= OWN_SPLICE_FLAGS;
		}
		if (in < 0)
			in = NO_SLOT;	/* EBADF from the kernel */
		if (out < 0)
			out = NO_SLOT;
		io_uring_prep_splice(sqe, in, oin, out, oout, len, fl);
		break;
	}
	case IORR_OP_uring_cancel: {
		unsigned fl = (unsigned)rp_fu(ev, "flags");

		if (fl & IORING_ASYNC_CANCEL_FD) {
			struct rp_proc *p = &rp->procs[ev->proc];
			int cfd = rp_fd_get(rp, p, (int32_t)rp_fu(ev,
								  "target"));

			io_uring_prep_cancel_fd(sqe, cfd < 0 ? NO_SLOT : cfd,
						fl & ~IORING_ASYNC_CANCEL_FD_FIXED);
		} else {
			io_uring_prep_cancel64(sqe, key, fl);
		}
		break;
	}
	default:
		io_uring_prep_nop(sqe);
		break;
	}
}

/*
 * The completion of OPENAT, CLOSE, STATX, SPLICE, ASYNC_CANCEL: what the
 * replay keeps of it and the outcome to compare (rp->out[i] set before).
 */
static void complete_misc(struct rp_worker *w, uint32_t i, struct rp_req *q)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	struct rp_ev *s = &rp->ev[q->submit];
	struct rp_proc *p = &rp->procs[s->proc];
	int64_t res = q->forced ? q->xres : q->res;

	if (s->e.op != IORR_OP_uring_openat && s->e.op != IORR_OP_uring_close &&
	    s->e.op != IORR_OP_uring_statx && s->e.op != IORR_OP_uring_splice &&
	    s->e.op != IORR_OP_uring_cancel)
		return;
	rp->out[i].result = res;
	switch (s->e.op) {
	case IORR_OP_uring_openat:
		if (res < 0)
			break;
		if (ev->e.result < 0) {
			/* failed when recorded: no number to map */
			close((int)res);
			break;
		}
		rp_fdmap_set(p, (int32_t)ev->e.result, (int)res,
			     ((struct openat_mem *)q->xmem)->path,
			     rp_fu(s, "flags") & O_CLOEXEC);
		rp->out[i].result = ev->e.result;	/* a number of ours */
		break;
	case IORR_OP_uring_close:
		if (res == 0)
			rp_fd_forget(p, q->xrfd, q->xcfd);
		break;
	case IORR_OP_uring_splice:
		if (res > 0 && q->xfd[1]) {
			/* out of the file into our pipe: the bytes read */
			int64_t off = rp_fsigned(s, "off_in");
			size_t n = 0;

			while (n < (size_t)res && n < q->len) {
				ssize_t k = read(q->xfd[1] - 1, q->buf + n,
						 q->len - n);

				if (k <= 0)
					break;
				n += (size_t)k;
			}
			if (off < 0) {
				int in = rp_fd_get(rp, p, (int32_t)rp_fsigned(
							   s, "fd_in"));
				off_t cur = in >= 0 ? lseek(in, 0, SEEK_CUR) :
					    -1;

				off = cur >= (off_t)n ? cur - (off_t)n : 0;
			}
			rp_check_read(rp, i, q->buf, n, (uint64_t)off,
				      rp_fu(ev, "hash"));
		}
		break;
	case IORR_OP_uring_cancel:
		/* found (0, or a count) or not (-ENOENT, -EALREADY): timing */
		if ((res >= 0) == (ev->e.result >= 0))
			rp->out[i].result = ev->e.result;
		break;
	default:
		break;
	}
}

static int prep(struct rp_worker *w, struct rp_ring *r, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	struct rp_proc *p = &rp->procs[ev->proc];
	unsigned sqe_flags = (unsigned)rp_fu(ev, "sqe_flags");
	struct rp_req *q;
	struct io_uring_sqe *sqe;
	uint64_t len = 0, fdv = 0;
	int fd = -1;

	if (sqe_flags & IOSQE_BUFFER_SELECT)
		return -ENOTSUP;
	if (rp_field(ev, "fd", &fdv) == 0) {
		fd = rp_fd_get(rp, p, (int32_t)fdv);
		if (fd < 0)
			fd = (int)0x7fffffff;	/* EBADF from the kernel */
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->id = rp_fu(ev, "req");
	q->submit = i;
	if (rp_field(ev, "len", &len) < 0)
		for (uint32_t k = 0; k < ev->e.nvec; k++)
			len += ev->e.vec[k];
	if (ev->e.op == IORR_OP_uring_fallocate)
		len = 0;
	if (len > (1ull << 30)) {
		free(q);
		return -EFBIG;
	}
	q->len = (size_t)len;
	q->buf = rp_alloc_aligned(q->len, rp_fu(ev, "buf"), &q->mem);
	if (!q->buf) {
		free(q);
		return -ENOMEM;
	}
	if (iorr_op_get(ev->e.op)->cls == IORR_CLASS_WRITE && q->len) {
		if (ev->complete != RP_NONE)
			rp_fill_payload(rp, &rp->ev[ev->complete], q->buf,
					q->len);
		else
			memset(q->buf, 0, q->len);
	}
	uint64_t cancel_key = 0;
	int sk = setup_misc(w, i, q, &cancel_key);

	if (sk < 0) {
		rp_req_free(q);
		return sk;
	}
	pthread_mutex_lock(&r->lock);
	sqe = io_uring_get_sqe(&r->ring);
	if (!sqe) {
		/* SQ full: the recording's ring had room, flush ours */
		int k = io_uring_submit(&r->ring);

		if (k >= 0) {
			r->pending = 0;
			r->nsubmitted = r->nprepared;
			r->early += (unsigned)k;
		}
		sqe = io_uring_get_sqe(&r->ring);
	}
	if (!sqe) {
		pthread_mutex_unlock(&r->lock);
		rp_req_free(q);
		return -EBUSY;
	}
	uint64_t off = rp_fu(ev, "off");

	if (sqe_flags & IOSQE_FIXED_FILE)
		fd = fixed_file(r, fd, q);
	switch (ev->e.op) {
	case IORR_OP_uring_read_fixed:
	case IORR_OP_uring_write_fixed: {
		int bi = fixed_buf(r, q, (unsigned)rp_fu(ev, "buf_index"));

		if (ev->e.op == IORR_OP_uring_read_fixed)
			io_uring_prep_read_fixed(sqe, fd, q->buf,
						 (unsigned)q->len, off, bi);
		else
			io_uring_prep_write_fixed(sqe, fd, q->buf,
						  (unsigned)q->len, off, bi);
		break;
	}
	case IORR_OP_uring_read:
		io_uring_prep_read(sqe, fd, q->buf, (unsigned)q->len, off);
		break;
	case IORR_OP_uring_write:
		io_uring_prep_write(sqe, fd, q->buf, (unsigned)q->len, off);
		break;
	case IORR_OP_uring_readv:
	case IORR_OP_uring_writev: {
		struct iovec *iov = calloc(ev->e.nvec ? ev->e.nvec : 1,
					   sizeof(*iov));
		size_t t = 0;

		if (!iov)
			break;
		for (uint32_t k = 0; k < ev->e.nvec; k++) {
			iov[k].iov_base = q->buf + t;
			iov[k].iov_len = (size_t)ev->e.vec[k];
			t += (size_t)ev->e.vec[k];
		}
		q->iov = iov;
		if (ev->e.op == IORR_OP_uring_readv)
			io_uring_prep_readv(sqe, fd, iov, ev->e.nvec, off);
		else
			io_uring_prep_writev(sqe, fd, iov, ev->e.nvec, off);
		break;
	}
	case IORR_OP_uring_fsync:
		io_uring_prep_fsync(sqe, fd, (unsigned)rp_fu(ev, "fsync_flags"));
		break;
	case IORR_OP_uring_fallocate:
		io_uring_prep_fallocate(sqe, fd, (int)rp_fu(ev, "mode"), off,
					rp_fu(ev, "len"));
		break;
	case IORR_OP_uring_nop:
		io_uring_prep_nop(sqe);
		break;
	case IORR_OP_uring_openat:
	case IORR_OP_uring_close:
	case IORR_OP_uring_statx:
	case IORR_OP_uring_splice:
	case IORR_OP_uring_cancel:
		prep_misc(rp, ev, sqe, q, fd, cancel_key);
		break;
	case IORR_OP_uring_timeout: {
		struct __kernel_timespec *ts = calloc(1, sizeof(*ts));
		int64_t ns = (int64_t)rp_fu(ev, "timeout_ns");

		if (!ts)
			break;
		ts->tv_sec = ns / 1000000000;
		ts->tv_nsec = ns % 1000000000;
		q->iocb = ts;
		io_uring_prep_timeout(sqe, ts, (unsigned)rp_fu(ev, "count"),
				      (unsigned)rp_fu(ev, "flags"));
		break;
	}
	default:
		io_uring_prep_nop(sqe);
		break;
	}
	if (iorr_op_get(ev->e.op)->cls == IORR_CLASS_READ ||
	    iorr_op_get(ev->e.op)->cls == IORR_CLASS_WRITE)
		sqe->rw_flags = (int)rp_fu(ev, "rw_flags");
	sqe->flags |= (uint8_t)sqe_flags;
	io_uring_sqe_set_data64(sqe, q->id);
	HASH_ADD(hh, r->reqs, id, sizeof(q->id), q);
	q->sqe_no = r->nprepared++;
	r->pending++;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/* Move every CQE the ring holds into its request.  Under r->lock. */
static void reap_ready(struct rp_ring *r)
{
	struct io_uring_cqe *cqe;

	while (io_uring_peek_cqe(&r->ring, &cqe) == 0 && cqe) {
		uint64_t id = io_uring_cqe_get_data64(cqe);
		struct rp_req *x;

		HASH_FIND(hh, r->reqs, &id, sizeof(id), x);
		if (x) {
			x->done = true;
			x->res = cqe->res;
			x->cflags = cqe->flags;
		}
		io_uring_cqe_seen(&r->ring, cqe);
	}
}

/* Give up on a CQE after this long without any completion on its ring. */
#define WAIT_IDLE_MS (60 * 1000)
#define WAIT_POLL_MS 10

/*
 * Wait for request @q's CQE, collecting others on the way.
 *
 * RATIONALE: r->lock is never held while blocking.  In free order several
 * workers use one ring: one waiting in the kernel for its CQE while
 * holding the lock kept every other worker from preparing and submitting,
 * and a CQE that needs another worker's submission (a timeout counting
 * completions, a linked request, a read of what another thread writes)
 * never came.  The waiter polls the ring fd, which touches no ring memory,
 * and reaps under the lock; whoever reaps marks the request done for its
 * waiter, which looks again at least every WAIT_POLL_MS.
 */
static int wait_req(struct rp_ring *r, struct rp_req *q)
{
	unsigned idle = 0;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		reap_ready(r);
		if (q->done) {
			pthread_mutex_unlock(&r->lock);
			return 0;
		}
		if (q->sqe_no >= r->nsubmitted) {
			/*
			 * Its CQE was seen before the uring_submit that
			 * submitted it returned (the recorder reads the CQ
			 * ring in any thread's wrapped call, and a request
			 * can complete inside io_uring_enter): submit it now,
			 * on behalf of that uring_submit, which counts it.
			 */
			int k = io_uring_submit(&r->ring);

			if (k >= 0) {
				r->pending = 0;
				r->nsubmitted = r->nprepared;
				r->early += (unsigned)k;
			}
		}
		pthread_mutex_unlock(&r->lock);

		struct pollfd pfd = { .fd = r->ring.ring_fd, .events = POLLIN };
		int n = poll(&pfd, 1, WAIT_POLL_MS);

		if (n > 0)
			idle = 0;
		else if (n == 0 && ++idle * WAIT_POLL_MS >= WAIT_IDLE_MS)
			return -ETIMEDOUT;
	}
}

int rp_exec_uring(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	struct rp_ring *r;

	switch (ev->e.op) {
	case IORR_OP_uring_setup: {
		struct io_uring_params p = { 0 };
		unsigned flags = (unsigned)rp_fu(ev, "flags");
		int k;

		if (ev->e.result < 0) {
			/*
			 * It failed in the recording (a kernel or a seccomp
			 * filter without io_uring: MariaDB then falls back
			 * to libaio); the program never used that ring.
			 */
			rp->out[i] = (struct rp_out){ .state = RP_EMULATED,
						      .result = ev->e.result,
						      .err = (int)ev->e.err };
			return 0;
		}
		if (flags & ~SETUP_OK)
			rp_limit(rp, "io_uring setup flags 0x%x are not "
				 "replayed", flags & ~SETUP_OK);
		r = calloc(1, sizeof(*r));
		if (!r)
			return -ENOMEM;
		/*
		 * Completion delivery hints are not honoured: with them a CQE
		 * waits for its submitter to enter the kernel (or only the
		 * ring's creator may submit), and the replay's waiter is often
		 * another worker.  Results are the same without them.
		 */
		p.flags = flags & SETUP_OK & ~(IORING_SETUP_COOP_TASKRUN |
					       IORING_SETUP_TASKRUN_FLAG |
					       IORING_SETUP_SINGLE_ISSUER |
					       IORING_SETUP_DEFER_TASKRUN);
		if (p.flags & IORING_SETUP_CQSIZE)
			p.cq_entries = (unsigned)rp_fu(ev, "cq_entries");
		k = io_uring_queue_init_params((unsigned)rp_fu(ev, "entries"),
					       &r->ring, &p);
		if (k < 0) {
			free(r);
			rp->out[i] = (struct rp_out){ .state = RP_DONE,
						      .result = k < 0 &&
						      ev->e.result < 0 &&
						      !ev->e.err ? k : -1,
						      .err = ev->e.result < 0 &&
						      !ev->e.err ? 0 : -k };
			return 0;
		}
		r->id = rp_fu(ev, "ring");
		pthread_mutex_init(&r->lock, NULL);
		pthread_mutex_lock(&rp->ring_lock);
		HASH_ADD(hh, rp->rings, id, sizeof(r->id), r);
		pthread_mutex_unlock(&rp->ring_lock);
		rp->out[i] = (struct rp_out){ .state = RP_DONE,
					      .result = ev->e.result,
					      .err = (int)ev->e.err };
		return 0;
	}
	case IORR_OP_uring_exit:
		r = ring_get(rp, rp_fu(ev, "ring"));
		if (r) {
			pthread_mutex_lock(&rp->ring_lock);
			HASH_DEL(rp->rings, r);
			pthread_mutex_unlock(&rp->ring_lock);
			ring_destroy(r);
		}
		rp->out[i] = (struct rp_out){ .state = RP_EMULATED,
					      .result = ev->e.result };
		return 0;
	case IORR_OP_uring_submit: {
		r = ring_get(rp, rp_fu(ev, "ring"));
		if (!r) {
			rp->out[i] = (struct rp_out){ .state = RP_DONE,
						      .result = -EBADF };
			return 0;
		}
		pthread_mutex_lock(&r->lock);
		int k = io_uring_submit(&r->ring);

		r->pending = 0;
		if (k >= 0) {
			r->nsubmitted = r->nprepared;
			/* and what was submitted for it before it ran */
			k += (int)r->early;
			r->early = 0;
		}
		pthread_mutex_unlock(&r->lock);
		/*
		 * NOTE: wait_nr is not waited for here: the uring_cqe records
		 * that follow wait for exactly the CQEs the recording saw.
		 */
		rp->out[i] = (struct rp_out){ .state = RP_DONE, .result = k };
		return 0;
	}
	case IORR_OP_uring_cqe: {
		r = ring_get(rp, rp_fu(ev, "ring"));
		struct rp_req *q = NULL;
		uint64_t id = rp_fu(ev, "req");

		if (r) {
			pthread_mutex_lock(&r->lock);
			HASH_FIND(hh, r->reqs, &id, sizeof(id), q);
			pthread_mutex_unlock(&r->lock);
		}
		if (!q) {
			rp->out[i] = (struct rp_out){ .state = RP_DONE,
						      .result = -EBADF };
			return 0;
		}
		int k = wait_req(r, q);

		if (k < 0)
			return k;
		rp->out[i] = (struct rp_out){ .state = RP_DONE,
					      .result = q->res };
		struct rp_ev *s = &rp->ev[q->submit];

		if (iorr_op_get(s->e.op)->cls == IORR_CLASS_READ && q->res >= 0)
			rp_check_read(rp, i, q->buf, (size_t)q->res,
				      rp_fu(s, "off"), rp_fu(ev, "hash"));
		complete_misc(w, i, q);
		pthread_mutex_lock(&r->lock);
		HASH_DEL(r->reqs, q);
		fixed_release(r, q);
		pthread_mutex_unlock(&r->lock);
		rp_req_free(q);
		return 0;
	}
	case IORR_OP_uring_register:
		return ring_register(rp, i);
	case IORR_OP_uring_missed:
		rp->out[i] = (struct rp_out){ .state = RP_EMULATED };
		return 0;
	default:
		if (iorr_op_get(ev->e.op)->kind != IORR_KIND_SUBMIT)
			return -ENOTSUP;
		r = ring_get(rp, rp_fu(ev, "ring"));
		if (!r) {
			rp->out[i] = (struct rp_out){ .state = RP_EMULATED };
			return 0;
		}
		int k = prep(w, r, i);

		if (k < 0)
			return k;
		rp->out[i] = (struct rp_out){ .state = RP_EMULATED,
					      .result = ev->e.result,
					      .err = (int)ev->e.err };
		return 0;
	}
}
