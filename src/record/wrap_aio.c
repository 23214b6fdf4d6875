/* SPDX-License-Identifier: MIT */
/*
 * libaio: io_setup, io_submit, io_getevents, io_pgetevents, io_cancel and
 * io_destroy, whether called through libaio's exported functions or
 * through syscall(SYS_io_*) (MariaDB reaps with syscall(SYS_io_getevents)).
 *
 * What a call becomes in the trace (src/ops.def):
 *  - io_submit: one aio_submit event, then one aio_* SUBMIT record per
 *    iocb the kernel accepted, with a trace-wide request id;
 *  - io_getevents: one aio_getevents event (its result, -EINTR included),
 *    then one aio_complete per event returned, in the returned order, with
 *    reap = the aio_getevents seq.  The bytes of a completed write
 *    (payload) or read (hash) are taken here: until its completion the
 *    buffer belongs to the kernel, so it holds what was moved.
 *
 * NOTE: a request is entered in its context's table before the real
 * io_submit (another thread may reap it at once) and marked LIVE once its
 * SUBMIT record has a seq.  A reaper that meets a PENDING request waits
 * for it, so a completion never precedes its submission in the trace.
 *
 * The libaio entry points are versioned (io_getevents@@LIBAIO_0.4 ...);
 * ours are unversioned, which the dynamic linker binds to a versioned
 * reference.  dlsym(RTLD_NEXT) gives libaio's default versions.  Programs
 * built against the LIBAIO_0.1 compatibility versions are not supported.
 */
#include "config.h"
#undef _FORTIFY_SOURCE

#include <linux/aio_abi.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

#include "record/wrap_async.h"

/* libaio's entry points, with the kernel's types (same ABI). */
int io_setup(int maxevents, aio_context_t *ctxp);
int io_destroy(aio_context_t ctx);
int io_submit(aio_context_t ctx, long nr, struct iocb **ios);
int io_getevents(aio_context_t ctx, long min_nr, long nr,
		 struct io_event *events, struct timespec *timeout);
int io_pgetevents(aio_context_t ctx, long min_nr, long nr,
		  struct io_event *events, struct timespec *timeout,
		  sigset_t *sigmask);
int io_cancel(aio_context_t ctx, struct iocb *iocb, struct io_event *evt);

#define MAX_CTX 256

struct actx {
	_Atomic uint64_t key;	/* aio_context_t; 0: free slot */
	uint64_t id;		/* trace-wide id */
	_Atomic int lock;	/* protects tab */
	struct iorr_atab tab;
};

static struct actx ctxs[MAX_CTX];
static _Atomic int ctxs_lock;

uint64_t iorr_new_id(void)
{
	if (iorr_t.id_next == iorr_t.id_end) {
		uint64_t b = atomic_fetch_add(&iorr_g.shm->next_id, 64);

		iorr_t.id_next = b + 1;
		iorr_t.id_end = b + 65;
	}
	return iorr_t.id_next++;
}

static struct actx *ctx_find(aio_context_t key)
{
	static __thread struct actx *last
		__attribute__((tls_model("initial-exec")));

	if (!key)
		return NULL;
	if (last && atomic_load_explicit(&last->key, memory_order_acquire) ==
	    key)
		return last;
	for (unsigned i = 0; i < MAX_CTX; i++)
		if (atomic_load_explicit(&ctxs[i].key, memory_order_acquire) ==
		    key)
			return last = &ctxs[i];
	return NULL;
}

static struct actx *ctx_add(aio_context_t key, unsigned nr)
{
	struct actx *c = NULL;

	iorr_spin_lock(&ctxs_lock);
	for (unsigned i = 0; i < MAX_CTX && !c; i++)
		if (!atomic_load(&ctxs[i].key))
			c = &ctxs[i];
	if (c) {
		/*
		 * The kernel gives a context room for more than nr events
		 * (per-CPU slack): size the table for that.
		 */
		if (iorr_atab_init(&c->tab, (uint64_t)nr * 2 + 1024) < 0) {
			c = NULL;
		} else {
			c->id = iorr_new_id();
			atomic_store_explicit(&c->key, key,
					      memory_order_release);
		}
	}
	iorr_spin_unlock(&ctxs_lock);
	return c;
}

static void ctx_del(struct actx *c)
{
	iorr_spin_lock(&c->lock);
	atomic_store(&c->key, 0);
	iorr_atab_free(&c->tab);
	iorr_spin_unlock(&c->lock);
}

/* ---- real calls: libaio's functions, or the system call ------------- */

/*
 * How the program called: libaio returns -errno, syscall() returns -1 and
 * sets errno.  The trace keeps the form the program saw.
 */
enum via { VIA_LIBAIO, VIA_SYSCALL };

/*
 * libaio's functions make their system call through syscall(): inside
 * one of ours, the syscall() wrapper passes it through.
 */
static __thread unsigned aio_depth __attribute__((tls_model("initial-exec")));

#define LIBAIO(call) ({ __typeof__(call) r_; aio_depth++; r_ = (call); \
			aio_depth--; r_; })

/* ---- io_setup, io_destroy ------------------------------------------- */

static long do_setup(enum via via, int nr, aio_context_t *ctxp)
{
	REAL(io_setup);
	struct iorr_ev e;
	struct actx *c;
	long r;

	if (via == VIA_LIBAIO && !real_io_setup)
		return -ENOSYS;
	if (!iorr_on()) {
		if (via == VIA_LIBAIO)
			return LIBAIO(real_io_setup(nr, ctxp));
		return iorr_rawret(iorr_sys(SYS_io_setup, nr, ctxp, 0));
	}
	iorr_ev_begin(&e, IORR_OP_aio_setup, IORR_NF_aio_setup);
	if (via == VIA_LIBAIO)
		r = LIBAIO(real_io_setup(nr, ctxp));
	else
		r = iorr_rawret(iorr_sys(SYS_io_setup, nr, ctxp, 0));
	iorr_ev_end(&e, r);
	c = r == 0 ? ctx_add(*ctxp, nr < 0 ? 0 : (unsigned)nr) : NULL;
	e.f[0] = c ? c->id : 0;
	e.f[1] = (uint64_t)(unsigned)nr;
	if (r == 0 && !c)
		iorr_note("aio_untracked",
			  "\"an aio context could not be tracked (more than "
			  "256 contexts or no memory): its requests are not "
			  "recorded\"");
	iorr_emit(&e);
	return r;
}

static long do_destroy(enum via via, aio_context_t ctx)
{
	REAL(io_destroy);
	struct iorr_ev e;
	struct actx *c;
	long r;

	if (via == VIA_LIBAIO && !real_io_destroy)
		return -ENOSYS;
	if (!iorr_on()) {
		if (via == VIA_LIBAIO)
			return LIBAIO(real_io_destroy(ctx));
		return iorr_rawret(iorr_sys(SYS_io_destroy, ctx, 0, 0));
	}
	c = ctx_find(ctx);
	iorr_ev_begin(&e, IORR_OP_aio_destroy, IORR_NF_aio_destroy);
	if (via == VIA_LIBAIO)
		r = LIBAIO(real_io_destroy(ctx));
	else
		r = iorr_rawret(iorr_sys(SYS_io_destroy, ctx, 0, 0));
	iorr_ev_end(&e, r);
	e.f[0] = c ? c->id : 0;
	iorr_emit(&e);
	if (r == 0 && c)
		ctx_del(c);
	return r;
}

/* ---- io_submit ------------------------------------------------------- */

static unsigned submit_op(const struct iocb *cb)
{
	switch (cb->aio_lio_opcode) {
	case IOCB_CMD_PREAD:
		return IORR_OP_aio_pread;
	case IOCB_CMD_PWRITE:
		return IORR_OP_aio_pwrite;
	case IOCB_CMD_PREADV:
		return IORR_OP_aio_preadv;
	case IOCB_CMD_PWRITEV:
		return IORR_OP_aio_pwritev;
	case IOCB_CMD_FSYNC:
		return IORR_OP_aio_fsync;
	case IOCB_CMD_FDSYNC:
		return IORR_OP_aio_fdsync;
	case IOCB_CMD_POLL:
		return IORR_OP_aio_poll;
	}
	return 0;
}

/* Enter @cb in @c's table (PENDING).  @return false: not recorded. */
static bool submit_enter(struct actx *c, struct iocb *cb, uint64_t now)
{
	unsigned op = submit_op(cb);
	struct iorr_areq *q;

	if (!op || !iorr_fd_traced((int)cb->aio_fildes))
		return false;
	iorr_spin_lock(&c->lock);
	/* an iocb is in flight once: a stale entry is a request whose
	 * completion we never saw (destroyed context, untracked reap) */
	q = iorr_atab_find(&c->tab, (uint64_t)(uintptr_t)cb);
	if (q)
		iorr_atab_del(&c->tab, q);
	q = iorr_atab_add(&c->tab, (uint64_t)(uintptr_t)cb);
	if (q) {
		q->req = iorr_new_id();
		q->t_submit = now;
		q->op = (uint16_t)op;
		q->state = IORR_AREQ_PENDING;
		q->fd = (int32_t)cb->aio_fildes;
		if (op == IORR_OP_aio_preadv || op == IORR_OP_aio_pwritev) {
			iorr_areq_iov(q, (const struct iovec *)(uintptr_t)
					 cb->aio_buf, cb->aio_nbytes);
		} else {
			q->buf = (const void *)(uintptr_t)cb->aio_buf;
			q->len = cb->aio_nbytes;
			q->nvec = 0;
		}
	}
	iorr_spin_unlock(&c->lock);
	return q != NULL;
}

/* Emit the SUBMIT record of @cb (accepted by the kernel) and mark it LIVE,
 * or (@accepted false) drop it from the table. */
static void submit_leave(struct actx *c, struct iocb *cb, bool accepted,
			 uint64_t now)
{
	struct iorr_areq *q;
	struct iorr_ev e;
	static __thread uint64_t lens[IORR_MAX_IOV_REC]
		__attribute__((tls_model("initial-exec")));
	unsigned op, nf;

	iorr_spin_lock(&c->lock);
	q = iorr_atab_find(&c->tab, (uint64_t)(uintptr_t)cb);
	if (!q || q->state != IORR_AREQ_PENDING) {
		iorr_spin_unlock(&c->lock);
		return;
	}
	if (!accepted) {
		iorr_atab_del(&c->tab, q);
		iorr_spin_unlock(&c->lock);
		return;
	}
	op = q->op;
	e.f[1] = q->req;
	iorr_spin_unlock(&c->lock);

	nf = iorr_op_nf(op);
	iorr_ev_begin(&e, op, nf);
	e.start = e.end = now;
	e.result = 0;
	e.saved_errno = errno;
	e.f[0] = c->id;
	e.f[2] = (uint64_t)(int64_t)(int)cb->aio_fildes;
	switch (op) {
	case IORR_OP_aio_pread:
	case IORR_OP_aio_pwrite:
		/* ctx req fd len off buf rw_flags */
		e.f[3] = cb->aio_nbytes;
		e.f[4] = (uint64_t)cb->aio_offset;
		e.f[5] = iorr_buf16((const void *)(uintptr_t)cb->aio_buf);
		e.f[6] = (uint32_t)cb->aio_rw_flags;
		break;
	case IORR_OP_aio_preadv:
	case IORR_OP_aio_pwritev: {
		const struct iovec *iov =
			(const struct iovec *)(uintptr_t)cb->aio_buf;
		int n = (int)cb->aio_nbytes;

		/* ctx req fd iov off buf rw_flags */
		iorr_ev_iov(&e, 3, iov, n, lens);
		e.f[4] = (uint64_t)cb->aio_offset;
		e.f[5] = n > 0 ? iorr_buf16(iov[0].iov_base) : 0;
		e.f[6] = (uint32_t)cb->aio_rw_flags;
		break;
	}
	case IORR_OP_aio_poll:
		e.f[3] = cb->aio_buf;	/* the poll events */
		break;
	}
	/* iocb_flags resfd user_data: the last three fields of every op */
	e.f[nf - 3] = cb->aio_flags;
	e.f[nf - 2] = (uint64_t)(int64_t)(int32_t)cb->aio_resfd;
	e.f[nf - 1] = cb->aio_data;

	/* only this thread moves a PENDING request on: emit, then mark */
	iorr_emit(&e);
	iorr_spin_lock(&c->lock);
	q = iorr_atab_find(&c->tab, (uint64_t)(uintptr_t)cb);
	if (q && q->state == IORR_AREQ_PENDING)
		q->state = IORR_AREQ_LIVE;
	iorr_spin_unlock(&c->lock);
}

static long do_submit(enum via via, aio_context_t ctx, long nr,
		      struct iocb **cbs)
{
	REAL(io_submit);
	struct iorr_ev e;
	struct actx *c;
	uint64_t now;
	long r;

	if (via == VIA_LIBAIO && !real_io_submit)
		return -ENOSYS;
	if (!iorr_on() || !(c = ctx_find(ctx)) || nr <= 0) {
		if (via == VIA_LIBAIO)
			return LIBAIO(real_io_submit(ctx, nr, cbs));
		return iorr_rawret(iorr_sys(SYS_io_submit, ctx, nr, cbs));
	}
	iorr_ev_begin(&e, IORR_OP_aio_submit, IORR_NF_aio_submit);
	now = e.start;
	/* NOTE: the entries hold no lock across the real call */
	for (long i = 0; i < nr; i++)
		submit_enter(c, cbs[i], now);
	if (via == VIA_LIBAIO)
		r = LIBAIO(real_io_submit(ctx, nr, cbs));
	else
		r = iorr_rawret(iorr_sys(SYS_io_submit, ctx, nr, cbs));
	iorr_ev_end(&e, r);
	e.f[0] = c->id;
	e.f[1] = (uint64_t)nr;
	iorr_emit(&e);
	/* accepted: the first r (the kernel takes a prefix) */
	for (long i = 0; i < nr; i++)
		submit_leave(c, cbs[i], r > i, now);
	errno = e.saved_errno;
	return r;
}

/* ---- io_getevents, io_pgetevents, io_cancel ------------------------- */

/*
 * The table entry of a returned event, once its SUBMIT record is out.
 * @return a copy in *@out, removed from the table (@take) or not.
 */
static bool event_req(struct actx *c, const struct io_event *ev, bool take,
		      struct iorr_areq *out)
{
	unsigned spins = 0;

	for (;;) {
		struct iorr_areq *q;

		iorr_spin_lock(&c->lock);
		q = iorr_atab_find(&c->tab, ev->obj);
		if (!q) {
			iorr_spin_unlock(&c->lock);
			return false;
		}
		if (q->state == IORR_AREQ_LIVE || spins > 200000) {
			*out = *q;
			if (take)
				iorr_atab_del(&c->tab, q);
			iorr_spin_unlock(&c->lock);
			return true;
		}
		iorr_spin_unlock(&c->lock);
		/* its submitter is between the real io_submit and the
		 * SUBMIT record: microseconds */
		spins++;
		iorr_sys(SYS_sched_yield, 0, 0, 0);
	}
}

/* Emit the aio_complete of @ev, reaped by the call with seq @reap. */
static void emit_complete(struct actx *c, const struct io_event *ev,
			  uint64_t reap, uint64_t now)
{
	struct iorr_areq q;
	struct iorr_ev e;
	bool w;

	if (!event_req(c, ev, true, &q))
		return;
	w = q.op == IORR_OP_aio_pwrite || q.op == IORR_OP_aio_pwritev;
	iorr_ev_begin(&e, IORR_OP_aio_complete, IORR_NF_aio_complete);
	e.start = q.t_submit;
	e.end = now;
	e.result = ev->res;
	e.saved_errno = errno;
	/* ctx req res2 reap data hash */
	e.f[0] = c->id;
	e.f[1] = q.req;
	e.f[2] = (uint64_t)ev->res2;
	e.f[3] = reap;
	if (q.op == IORR_OP_aio_pread || q.op == IORR_OP_aio_preadv || w)
		iorr_areq_bytes(&e, &q, w, 4, 5, ev->res);
	else
		e.f[4] = e.f[5] = 0;
	iorr_emit(&e);
}

static uint64_t ts_ns(const struct timespec *ts)
{
	if (!ts)
		return (uint64_t)-1;
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

/* @sig: io_pgetevents' sigmask (libaio) or its usig argument (syscall). */
static long do_getevents(enum via via, bool pget, aio_context_t ctx,
			 long min_nr, long nr, struct io_event *evs,
			 struct timespec *ts, void *sig)
{
	REAL(io_getevents);
	REAL(io_pgetevents);
	struct iorr_ev e;
	struct actx *c;
	struct iorr_areq tmp;
	uint64_t seq;
	long r;

#define GETEV_REAL()							\
	(via == VIA_SYSCALL ?						\
	 iorr_rawret(pget ? iorr_sys6(SYS_io_pgetevents, (long)ctx,	\
				      min_nr, nr, (long)evs, (long)ts,	\
				      (long)sig) :				\
		     iorr_sys6(SYS_io_getevents, (long)ctx, min_nr, nr,	\
			       (long)evs, (long)ts, 0)) :		\
	 pget ? LIBAIO(real_io_pgetevents(ctx, min_nr, nr, evs, ts, sig)) : \
		LIBAIO(real_io_getevents(ctx, min_nr, nr, evs, ts)))

	if (via == VIA_LIBAIO && (pget ? !real_io_pgetevents :
				  !real_io_getevents))
		return -ENOSYS;
	if (!iorr_on() || !(c = ctx_find(ctx)))
		return GETEV_REAL();
	iorr_ev_begin(&e, IORR_OP_aio_getevents, IORR_NF_aio_getevents);
	r = GETEV_REAL();
	iorr_ev_end(&e, r);
#undef GETEV_REAL
	/* the reaped requests' SUBMIT records first (see NOTE above) */
	for (long i = 0; i < r; i++)
		event_req(c, &evs[i], false, &tmp);
	e.f[0] = c->id;
	e.f[1] = (uint64_t)min_nr;
	e.f[2] = (uint64_t)nr;
	e.f[3] = ts_ns(ts);
	seq = iorr_emit(&e);
	for (long i = 0; i < r; i++)
		emit_complete(c, &evs[i], seq, e.end);
	errno = e.saved_errno;
	return r;
}

static long do_cancel(enum via via, aio_context_t ctx, struct iocb *cb,
		      struct io_event *res)
{
	REAL(io_cancel);
	struct iorr_areq q;
	struct io_event key = { .obj = (uint64_t)(uintptr_t)cb };
	struct iorr_ev e;
	struct actx *c;
	uint64_t seq;
	long r;

	if (via == VIA_LIBAIO && !real_io_cancel)
		return -ENOSYS;
	if (!iorr_on() || !(c = ctx_find(ctx))) {
		if (via == VIA_LIBAIO)
			return LIBAIO(real_io_cancel(ctx, cb, res));
		return iorr_rawret(iorr_sys(SYS_io_cancel, ctx, cb, res));
	}
	iorr_ev_begin(&e, IORR_OP_aio_cancel, IORR_NF_aio_cancel);
	if (via == VIA_LIBAIO)
		r = LIBAIO(real_io_cancel(ctx, cb, res));
	else
		r = iorr_rawret(iorr_sys(SYS_io_cancel, ctx, cb, res));
	iorr_ev_end(&e, r);
	e.f[0] = c->id;
	e.f[1] = event_req(c, &key, false, &q) ? q.req : 0;
	seq = iorr_emit(&e);
	/* success hands the event over here, not through io_getevents */
	if (r == 0 && res)
		emit_complete(c, res, seq, e.end);
	errno = e.saved_errno;
	return r;
}

/* ---- entry points ----------------------------------------------------- */

int io_setup(int maxevents, aio_context_t *ctxp)
{
	return (int)do_setup(VIA_LIBAIO, maxevents, ctxp);
}

int io_destroy(aio_context_t ctx)
{
	return (int)do_destroy(VIA_LIBAIO, ctx);
}

int io_submit(aio_context_t ctx, long nr, struct iocb **ios)
{
	return (int)do_submit(VIA_LIBAIO, ctx, nr, ios);
}

int io_getevents(aio_context_t ctx, long min_nr, long nr,
		 struct io_event *events, struct timespec *timeout)
{
	return (int)do_getevents(VIA_LIBAIO, false, ctx, min_nr, nr, events,
				 timeout, NULL);
}

int io_pgetevents(aio_context_t ctx, long min_nr, long nr,
		  struct io_event *events, struct timespec *timeout,
		  sigset_t *sigmask)
{
	return (int)do_getevents(VIA_LIBAIO, true, ctx, min_nr, nr, events,
				 timeout, sigmask);
}

int io_cancel(aio_context_t ctx, struct iocb *iocb, struct io_event *evt)
{
	return (int)do_cancel(VIA_LIBAIO, ctx, iocb, evt);
}

long iorr_aio_syscall(long nr, const long *a)
{
	if (aio_depth)
		return iorr_rawret(iorr_sys6(nr, a[0], a[1], a[2], a[3], a[4],
					     a[5]));
	switch (nr) {
	case SYS_io_setup:
		return do_setup(VIA_SYSCALL, (int)a[0],
				(aio_context_t *)a[1]);
	case SYS_io_destroy:
		return do_destroy(VIA_SYSCALL, (aio_context_t)a[0]);
	case SYS_io_submit:
		return do_submit(VIA_SYSCALL, (aio_context_t)a[0], a[1],
				 (struct iocb **)a[2]);
	case SYS_io_getevents:
		return do_getevents(VIA_SYSCALL, false, (aio_context_t)a[0],
				    a[1], a[2], (struct io_event *)a[3],
				    (struct timespec *)a[4], NULL);
	case SYS_io_pgetevents:
		return do_getevents(VIA_SYSCALL, true, (aio_context_t)a[0],
				    a[1], a[2], (struct io_event *)a[3],
				    (struct timespec *)a[4], (void *)a[5]);
	case SYS_io_cancel:
		return do_cancel(VIA_SYSCALL, (aio_context_t)a[0],
				 (struct iocb *)a[1], (struct io_event *)a[2]);
	}
	return iorr_rawret(iorr_sys6(nr, a[0], a[1], a[2], a[3], a[4], a[5]));
}
