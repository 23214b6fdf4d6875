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
 */
#include <errno.h>
#include <inttypes.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "replay/replay_int.h"

struct rp_ring {
	UT_hash_handle hh;
	uint64_t id;
	struct io_uring ring;
	pthread_mutex_t lock;
	struct rp_req *reqs;
	unsigned pending;	/* SQEs prepared, not yet submitted */
	unsigned early;		/* SQEs submitted early by wait_req */
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

	if (sqe_flags & (IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT))
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
	pthread_mutex_lock(&r->lock);
	sqe = io_uring_get_sqe(&r->ring);
	if (!sqe) {
		/* SQ full: the recording's ring had room, flush ours */
		io_uring_submit(&r->ring);
		r->pending = 0;
		sqe = io_uring_get_sqe(&r->ring);
	}
	if (!sqe) {
		pthread_mutex_unlock(&r->lock);
		rp_req_free(q);
		return -EBUSY;
	}
	uint64_t off = rp_fu(ev, "off");

	switch (ev->e.op) {
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
	q->queued = true;
	HASH_ADD(hh, r->reqs, id, sizeof(q->id), q);
	r->pending++;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/* Submit the ring's prepared SQEs (r->lock held). */
static int submit_queued(struct rp_ring *r)
{
	struct rp_req *x, *tmp;
	int k = io_uring_submit(&r->ring);

	if (k >= 0) {
		HASH_ITER(hh, r->reqs, x, tmp)
			x->queued = false;
		r->pending = 0;
	}
	return k;
}

/* Wait for request @q's CQE, collecting others on the way. */
static int wait_req(struct rp_ring *r, struct rp_req *q)
{
	for (;;) {
		struct io_uring_cqe *cqe;
		int k;

		pthread_mutex_lock(&r->lock);
		if (q->done) {
			pthread_mutex_unlock(&r->lock);
			return 0;
		}
		/*
		 * The recorder sequences a submitting call's SQEs when the
		 * call starts and the call itself when it returns; another
		 * thread can reap a CQE in between (MariaDB's InnoDB does),
		 * so the CQE comes before the uring_submit in recorded order.
		 * Its SQE is then still queued here: submit it now, and
		 * count it to the uring_submit record that follows.
		 */
		if (q->queued) {
			k = submit_queued(r);
			if (k < 0) {
				pthread_mutex_unlock(&r->lock);
				return k;
			}
			r->early += (unsigned)k;
		}
		k = io_uring_wait_cqe(&r->ring, &cqe);
		if (k == -EINTR || k == -EAGAIN || k == -ETIME) {
			pthread_mutex_unlock(&r->lock);
			continue;
		}
		if (k < 0) {
			pthread_mutex_unlock(&r->lock);
			return k;
		}
		uint64_t id = io_uring_cqe_get_data64(cqe);
		struct rp_req *x;

		HASH_FIND(hh, r->reqs, &id, sizeof(id), x);
		if (x) {
			x->done = true;
			x->res = cqe->res;
			x->cflags = cqe->flags;
		}
		io_uring_cqe_seen(&r->ring, cqe);
		pthread_mutex_unlock(&r->lock);
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
		p.flags = flags & SETUP_OK;
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
		int k = submit_queued(r);

		if (k >= 0) {	/* with what a CQE wait submitted early */
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
		pthread_mutex_lock(&r->lock);
		HASH_DEL(r->reqs, q);
		pthread_mutex_unlock(&r->lock);
		rp_req_free(q);
		return 0;
	}
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
