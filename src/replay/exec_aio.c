/* SPDX-License-Identifier: MIT */
/*
 * The libaio executor: contexts as recorded (io_setup with the recorded
 * nr_events), io_submit with the recorded batch (the aio_* SUBMIT records
 * that follow an aio_submit), io_getevents until the completions the
 * recording reaped in that call have arrived, and each aio_complete record
 * checked against the completion the kernel gave.
 *
 * Completions that arrive before the recording reaped them wait in their
 * request (rp_req.done); a request's buffer lives until its completion
 * record has been checked.
 */
#include <errno.h>
#include <inttypes.h>
#include <libaio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "replay/replay_int.h"

static struct rp_aioctx *ctx_get(struct replay *rp, uint64_t id)
{
	struct rp_aioctx *c;

	pthread_mutex_lock(&rp->aio_lock);
	HASH_FIND(hh, rp->aio, &id, sizeof(id), c);
	pthread_mutex_unlock(&rp->aio_lock);
	return c;
}

static void ctx_destroy(struct rp_aioctx *c)
{
	struct rp_req *q, *tmp;

	io_destroy((io_context_t)c->ctx);
	HASH_ITER(hh, c->reqs, q, tmp) {
		HASH_DEL(c->reqs, q);
		rp_req_free(q);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void rp_aio_free(struct replay *rp)
{
	struct rp_aioctx *c, *tmp;

	HASH_ITER(hh, rp->aio, c, tmp) {
		HASH_DEL(rp->aio, c);
		ctx_destroy(c);
	}
}

/*
 * Reap whatever has completed into the requests, waiting at most 10 ms.
 * RATIONALE: in free order several workers wait on one context; one of
 * them can take the completion another waits for, which must then look at
 * its request again instead of sleeping in io_getevents for a completion
 * that will never come.
 */
static int reap_some(struct rp_aioctx *c)
{
	struct io_event evs[64];
	struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
	int n;

	do
		n = io_getevents((io_context_t)c->ctx, 1, 64, evs, &ts);
	while (n == -EINTR);
	if (n < 0)
		return n;
	pthread_mutex_lock(&c->lock);
	for (int k = 0; k < n; k++) {
		struct rp_req *q = evs[k].data;

		q->done = true;
		q->res = (int64_t)(long)evs[k].res;
		q->res2 = (int64_t)(long)evs[k].res2;
	}
	pthread_mutex_unlock(&c->lock);
	return n;
}

static struct rp_req *req_find(struct rp_aioctx *c, uint64_t id)
{
	struct rp_req *q;

	pthread_mutex_lock(&c->lock);
	HASH_FIND(hh, c->reqs, &id, sizeof(id), q);
	pthread_mutex_unlock(&c->lock);
	return q;
}

/* Give up after a minute without any completion on the context. */
static int wait_req(struct rp_aioctx *c, struct rp_req *q)
{
	unsigned idle = 0;

	for (;;) {
		pthread_mutex_lock(&c->lock);
		bool done = q->done;

		pthread_mutex_unlock(&c->lock);
		if (done)
			return 0;
		int k = reap_some(c);

		if (k < 0)
			return k;
		if (k > 0)
			idle = 0;
		else if (++idle >= 6000)
			return -ETIMEDOUT;
	}
}

/* Build the iocb of one SUBMIT record. */
static int prep(struct rp_worker *w, uint32_t s, struct rp_req **out)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[s];
	struct rp_proc *p = &rp->procs[ev->proc];
	struct rp_req *q = calloc(1, sizeof(*q));
	struct iocb *cb = calloc(1, sizeof(*cb));
	int fd = rp_fd_get(rp, p, (int32_t)rp_fu(ev, "fd"));
	uint64_t len = 0;

	*out = q;
	if (!q || !cb) {
		free(cb);
		return -ENOMEM;
	}
	q->iocb = cb;
	q->id = rp_fu(ev, "req");
	q->submit = s;
	if (rp_field(ev, "len", &len) < 0)
		for (uint32_t k = 0; k < ev->e.nvec; k++)
			len += ev->e.vec[k];
	if (len > (1ull << 30))
		return -EFBIG;
	q->len = (size_t)len;
	q->buf = rp_alloc_aligned(q->len, rp_fu(ev, "buf"), &q->mem);
	if (!q->buf)
		return -ENOMEM;
	if (iorr_op_get(ev->e.op)->cls == IORR_CLASS_WRITE) {
		/* the payload is on the completion record (ops.def) */
		if (ev->complete != RP_NONE)
			rp_fill_payload(rp, &rp->ev[ev->complete], q->buf,
					q->len);
		else
			memset(q->buf, 0, q->len);
	}
	long long off = (long long)rp_fu(ev, "off");
	int flags = (int)rp_fu(ev, "rw_flags");

	switch (ev->e.op) {
	case IORR_OP_aio_pread:
		io_prep_pread(cb, fd, q->buf, q->len, off);
		cb->aio_rw_flags = flags;
		break;
	case IORR_OP_aio_pwrite:
		io_prep_pwrite(cb, fd, q->buf, q->len, off);
		cb->aio_rw_flags = flags;
		break;
	case IORR_OP_aio_preadv:
	case IORR_OP_aio_pwritev: {
		struct iovec *iov = calloc(ev->e.nvec ? ev->e.nvec : 1,
					   sizeof(*iov));
		size_t t = 0;

		if (!iov)
			return -ENOMEM;
		for (uint32_t k = 0; k < ev->e.nvec; k++) {
			iov[k].iov_base = q->buf + t;
			iov[k].iov_len = (size_t)ev->e.vec[k];
			t += (size_t)ev->e.vec[k];
		}
		q->iov = iov;
		if (ev->e.op == IORR_OP_aio_preadv)
			io_prep_preadv2(cb, fd, iov, (int)ev->e.nvec, off,
					flags);
		else
			io_prep_pwritev2(cb, fd, iov, (int)ev->e.nvec, off,
					 flags);
		break;
	}
	case IORR_OP_aio_fsync:
		io_prep_fsync(cb, fd);
		break;
	case IORR_OP_aio_fdsync:
		io_prep_fdsync(cb, fd);
		break;
	case IORR_OP_aio_poll:
		if (fd < 0 && (int64_t)rp_fu(ev, "fd") >= 0) {
			/*
			 * No replay fd (a pipe or socket the recording saw
			 * only as a number): the recorded outcome is kept.
			 */
			const struct rp_ev *c = ev->complete != RP_NONE ?
						&rp->ev[ev->complete] : NULL;

			rp_limit(rp, "libaio POLL of an fd the replay does "
				 "not have: recorded outcome kept");
			q->forced = true;
			q->done = true;
			q->res = c ? c->e.result : 0;
			q->res2 = c ? rp_fsigned(c, "res2") : 0;
			break;
		}
		io_prep_poll(cb, fd, (int)rp_fu(ev, "events"));
		break;
	default:
		return -ENOTSUP;
	}
	cb->data = q;
	return 0;
}

static int do_submit(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_aioctx *c = ctx_get(rp, rp->ev[i].e.f[0]);
	struct iocb *cbs[1024];
	struct rp_req *qs[1024];
	int n = 0, ret = 0, nforced = 0, ncb = 0;

	for (uint32_t s = i + 1; s < rp->nev && n < 1024; s++) {
		if (rp->ev[s].e.thread != rp->ev[i].e.thread)
			continue;
		if (rp->ev[s].submit_call != i)
			break;
		ret = prep(w, s, &qs[n]);
		if (ret < 0) {
			if (qs[n])
				rp_req_free(qs[n]);
			goto out;
		}
		if (qs[n]->forced)
			nforced++;	/* complete already, never submitted */
		else
			cbs[ncb++] = qs[n]->iocb;
		n++;
	}
	if (!c) {
		rp->out[i] = (struct rp_out){ .state = RP_DONE, .result = -1,
					      .err = EINVAL };
		goto out;
	}
	pthread_mutex_lock(&c->lock);
	for (int k = 0; k < n; k++)
		HASH_ADD(hh, c->reqs, id, sizeof(qs[k]->id), qs[k]);
	pthread_mutex_unlock(&c->lock);
	int r = ncb ? io_submit((io_context_t)c->ctx, ncb, cbs) : 0;

	if (r == ncb) {
		/*
		 * iocbs the recorder did not trace (an fd it does not follow)
		 * have no SUBMIT record: they count as recorded.
		 */
		r += nforced;
		if (rp->ev[i].e.result > n && !rp->ev[i].e.err) {
			rp_limit(rp, "libaio requests on untraced fds are not "
				 "in the trace: counted as recorded");
			r = (int)rp->ev[i].e.result;
		}
	}

	/* libaio returns -errno; the program saw -1/errno via syscall() or
	 * libaio's -errno: compare in the recorded form */
	if (r < 0 && rp->ev[i].e.result < 0 && !rp->ev[i].e.err)
		rp->out[i] = (struct rp_out){ .state = RP_DONE, .result = r };
	else if (r < 0)
		rp->out[i] = (struct rp_out){ .state = RP_DONE, .result = -1,
					      .err = -r };
	else
		rp->out[i] = (struct rp_out){ .state = RP_DONE, .result = r };
	pthread_mutex_lock(&c->lock);
	for (int k = r < 0 ? 0 : r; k < n; k++) {
		/* never handed to the kernel: complete them as failed */
		if (qs[k]->forced)
			continue;
		qs[k]->done = true;
		qs[k]->res = r < 0 ? r : -EAGAIN;
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
out:
	for (int k = 0; k < n; k++)
		rp_req_free(qs[k]);
	return ret;
}

/*
 * io_cancel of a replayed request, for real.  Whether a cancel finds its
 * request still cancellable depends on timing (it raced in the recording
 * too), so the outcome is compared by class: cancelled (0, the completion
 * delivered by the call) or not (-EINVAL/-EAGAIN: already done, or not
 * cancellable).  A different class is reported with the actual result.
 */
static int do_cancel(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	struct rp_aioctx *c = ctx_get(rp, ev->e.f[0]);
	struct rp_req *q = c ? req_find(c, ev->e.f[1]) : NULL;
	struct io_event done;
	int r;

	if (!c)
		r = -EINVAL;
	else if (!q || !q->iocb)
		r = -EINVAL;	/* never submitted, or already reaped */
	else
		r = io_cancel((io_context_t)c->ctx, q->iocb, &done);
	if (r == 0 && q) {
		pthread_mutex_lock(&c->lock);
		q->done = true;
		q->res = (int64_t)(long)done.res;
		q->res2 = (int64_t)(long)done.res2;
		pthread_mutex_unlock(&c->lock);
	}
	/* the recorded form: libaio's -errno, or -1/errno via syscall() */
	bool rec_ok = ev->e.result == 0;

	if ((r == 0) == rec_ok) {
		rp->out[i] = (struct rp_out){ .state = RP_DONE,
					      .result = ev->e.result,
					      .err = (int)ev->e.err };
	} else if (ev->e.err) {
		rp->out[i] = (struct rp_out){ .state = RP_DONE,
					      .result = r < 0 ? -1 : r,
					      .err = r < 0 ? -r : 0 };
	} else {
		rp->out[i] = (struct rp_out){ .state = RP_DONE, .result = r };
	}
	return 0;
}

int rp_exec_aio(struct rp_worker *w, uint32_t i)
{
	struct replay *rp = w->rp;
	struct rp_ev *ev = &rp->ev[i];
	struct rp_aioctx *c;

	switch (ev->e.op) {
	case IORR_OP_aio_setup: {
		io_context_t ctx = 0;
		int r;

		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		r = io_setup((int)ev->e.f[1], &ctx);
		if (r < 0) {
			free(c);
			rp->out[i] = (struct rp_out){ .state = RP_DONE,
						      .result = -1, .err = -r };
			return 0;
		}
		c->id = ev->e.f[0];
		c->ctx = (unsigned long)ctx;
		pthread_mutex_init(&c->lock, NULL);
		pthread_mutex_lock(&rp->aio_lock);
		HASH_ADD(hh, rp->aio, id, sizeof(c->id), c);
		pthread_mutex_unlock(&rp->aio_lock);
		rp->out[i] = (struct rp_out){ .state = RP_DONE,
					      .result = ev->e.result };
		return 0;
	}
	case IORR_OP_aio_destroy:
		c = ctx_get(rp, ev->e.f[0]);
		if (c) {
			pthread_mutex_lock(&rp->aio_lock);
			HASH_DEL(rp->aio, c);
			pthread_mutex_unlock(&rp->aio_lock);
			ctx_destroy(c);
		}
		rp->out[i] = (struct rp_out){ .state = RP_DONE,
					      .result = c ? 0 : -1,
					      .err = c ? 0 : EINVAL };
		return 0;
	case IORR_OP_aio_submit:
		return do_submit(w, i);
	case IORR_OP_aio_cancel:
		return do_cancel(w, i);
	case IORR_OP_aio_getevents: {
		c = ctx_get(rp, ev->e.f[0]);
		if (ev->e.result < 0 || ev->e.err || !c) {
			/* -EINTR, a timeout: nothing was reaped */
			rp->out[i] = (struct rp_out){ .state = RP_EMULATED,
				.result = ev->e.result, .err = (int)ev->e.err };
			return 0;
		}
		int64_t n = 0, nrec = 0;

		for (uint32_t k = ev->first_reaped; k != RP_NONE;
		     k = rp->ev[k].next_reaped) {
			struct rp_req *q = req_find(c, rp_fu(&rp->ev[k],
							     "req"));

			nrec++;
			if (q && wait_req(c, q) == 0)
				n++;
		}
		/* events of untraced requests (see do_submit) */
		if (n == nrec && ev->e.result > nrec)
			n = ev->e.result;
		rp->out[i] = (struct rp_out){ .state = RP_DONE, .result = n };
		return 0;
	}
	case IORR_OP_aio_complete: {
		c = ctx_get(rp, ev->e.f[0]);
		struct rp_req *q = c ? req_find(c, ev->e.f[1]) : NULL;

		if (!q) {
			rp->out[i] = (struct rp_out){ .state = RP_DONE,
						      .result = -EBADF };
			return 0;
		}
		int k = wait_req(c, q);

		if (k < 0)
			return k;
		rp->out[i] = (struct rp_out){ .state = RP_DONE,
					      .result = q->res };
		struct rp_ev *s = &rp->ev[q->submit];

		if (iorr_op_get(s->e.op)->cls == IORR_CLASS_READ && q->res >= 0)
			rp_check_read(rp, i, q->buf, (size_t)q->res,
				      rp_fu(s, "off"), rp_fu(ev, "hash"));
		pthread_mutex_lock(&c->lock);
		HASH_DEL(c->reqs, q);
		pthread_mutex_unlock(&c->lock);
		rp_req_free(q);
		return 0;
	}
	default:
		if (iorr_op_get(ev->e.op)->kind == IORR_KIND_SUBMIT) {
			/* issued by its aio_submit call */
			rp->out[i] = (struct rp_out){ .state = RP_EMULATED,
				.result = ev->e.result, .err = (int)ev->e.err };
			return 0;
		}
		return -ENOTSUP;
	}
}
