/* SPDX-License-Identifier: MIT */
/*
 * io_uring through liburing.  Only liburing's exported functions can be
 * wrapped; io_uring_get_sqe, the prep helpers, io_uring_peek_cqe,
 * io_uring_wait_cqe (when a CQE is ready) and io_uring_cqe_seen are
 * inline in the program.  So:
 *
 *  - SQEs are read out of the SQ ring by the calls that hand them to the
 *    kernel (io_uring_submit*, io_uring_wait_cqes with a timeout), between
 *    the position recorded last and the ring's sqe_tail, before the real
 *    call: one uring_* SUBMIT record each, then the uring_submit event;
 *  - CQEs are read out of the CQ ring between the position observed last
 *    and the kernel's tail, by every wrapped liburing call after the real
 *    call and, in a thread that used the ring, at the start of any other
 *    wrapped call (iorr_on()): one uring_cqe record each, with the bytes of
 *    a completed read (hash) or write (payload).  A per-ring table maps
 *    user_data to the request (id, buffer, iovecs copied at submission).
 *
 * What this cannot see is counted and recorded, never silent (uring_missed
 * events, reasons in src/ops.def; the consumer turns them into a note and
 * `iorr record` warns): CQEs the program consumed inline and the kernel
 * overwrote before any wrapped call looked (reason 1), SQPOLL rings (2),
 * rings set up with syscall(SYS_io_uring_setup) that cannot be mapped
 * (3: IORING_SETUP_NO_MMAP; other raw rings are recorded, see the end of
 * this file), SQEs submitted without a wrapped call (4), requests in
 * flight at teardown (5).  A CQE seen after the program consumed it is recorded
 * with late=1.
 *
 * liburing calls its own exported functions through the PLT
 * (io_uring_wait_cqe_timeout -> io_uring_wait_cqes -> __io_uring_get_cqe):
 * only the outermost wrapper records (uring_depth).
 */
#include "config.h"
#undef _FORTIFY_SOURCE

#include <liburing.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "record/wrap_async.h"

/* liburing >= 2.5; declared here so that the wrapper exists either way. */
int io_uring_queue_init_mem(unsigned entries, struct io_uring *ring,
			    struct io_uring_params *p, void *buf,
			    size_t buf_size);

#define MAX_RINGS 256

#if defined(__x86_64__)
#define TRAP_SUPPORTED 1
#else
#define TRAP_SUPPORTED 0
#endif
static bool trap_prepare(void);

/* Newer than some liburing headers (kernel 6.5/6.6/6.3 values). */
#ifndef IORING_SETUP_NO_MMAP
#define IORING_SETUP_NO_MMAP (1U << 14)
#endif
#ifndef IORING_SETUP_NO_SQARRAY
#define IORING_SETUP_NO_SQARRAY (1U << 16)
#endif
#ifndef IORING_REGISTER_USE_REGISTERED_RING
#define IORING_REGISTER_USE_REGISTERED_RING (1U << 31)
#endif

enum {
	MISS_INLINE = 1,	/* CQEs overwritten before they were seen */
	MISS_SQPOLL,		/* an SQPOLL ring */
	MISS_RAW,		/* a ring set up without liburing */
	MISS_UNSEEN,		/* SQEs/CQEs outside wrapped calls */
	MISS_INFLIGHT,		/* requests in flight at teardown */
};

struct uring {
	_Atomic(struct io_uring *) key;
	uint64_t id;
	_Atomic int lock;
	_Atomic bool live;
	unsigned sq_mask, sq_entries, cq_mask, cq_entries;
	unsigned sqe_shift, cqe_shift;
	unsigned sq_rec;	/* SQ position recorded up to */
	unsigned cq_seen;	/* CQ position observed up to */
	unsigned *cq_khead, *cq_ktail;
	struct io_uring_cqe *cqes;
	struct io_uring_sqe *sqes;
	/* a ring set up by syscall(SYS_io_uring_setup): our own mappings */
	bool raw;
	int fd;
	unsigned *sq_khead, *sq_ktail, *sq_array;	/* array NULL: none */
	void *map_sq, *map_cq, *map_sqes;
	uint64_t sz_sq, sz_cq, sz_sqes;
	int32_t *files;		/* registered files, -1: none */
	unsigned nfiles;
	uint64_t files_bytes;
	struct iorr_atab tab;
};

static struct uring rings[MAX_RINGS];
static _Atomic int rings_lock;
static __thread unsigned uring_depth
	__attribute__((tls_model("initial-exec")));

static struct uring *ring_find(struct io_uring *ring)
{
	struct uring *st = iorr_t.uring_peek;

	if (st && atomic_load_explicit(&st->key, memory_order_acquire) == ring)
		return st;
	for (unsigned i = 0; i < MAX_RINGS; i++)
		if (atomic_load_explicit(&rings[i].key,
					 memory_order_acquire) == ring)
			return &rings[i];
	return NULL;
}

/* ---- events ------------------------------------------------------------ */

static void emit_missed(struct uring *st, uint64_t id, uint64_t cqes,
			uint64_t sqes, unsigned reason)
{
	struct iorr_ev e;

	iorr_ev_begin(&e, IORR_OP_uring_missed, IORR_NF_uring_missed);
	e.end = e.start;
	e.result = 0;
	e.saved_errno = errno;
	e.f[0] = st ? st->id : id;
	e.f[1] = cqes;
	e.f[2] = sqes;
	e.f[3] = reason;
	iorr_emit(&e);
}

static bool op_reads(unsigned op)
{
	return op == IORR_OP_uring_read || op == IORR_OP_uring_readv ||
	       op == IORR_OP_uring_read_fixed;
}

static bool op_writes(unsigned op)
{
	return op == IORR_OP_uring_write || op == IORR_OP_uring_writev ||
	       op == IORR_OP_uring_write_fixed;
}

/*
 * A SPLICE from an untraced pipe into a traced file (fill_sqe left the
 * file in q->fd and off_out in q->len): the bytes it moved, read back from
 * the file (at off_out, or ending at the position when it was -1) into a
 * scratch mapping (*@mem, *@bytes: unmap after the emit), as the CQE's
 * payload, like a synchronous splice's.  The file may have changed since
 * the completion when the CQE is observed late: the recording says what
 * the file held when the recorder saw the CQE.
 */
static void splice_cqe_payload(struct iorr_ev *e, const struct iorr_areq *q,
			       int64_t res, void **mem, size_t *bytes)
{
	int64_t off = (int64_t)q->len;
	long p, k;

	*mem = NULL;
	if (res <= 0 || iorr_g.data_mode == IORR_DATA_NONE)
		return;
	if (off < 0) {
		k = iorr_sys(SYS_lseek, q->fd, 0, SEEK_CUR);
		if (k < res)
			return;
		off = k - res;
	}
	*bytes = ((size_t)res + 4095) & ~(size_t)4095;
	p = iorr_sys6(SYS_mmap, 0, (long)*bytes, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p < 0 && p > -4096)
		return;
	*mem = (void *)p;
	k = iorr_sys4(SYS_pread64, q->fd, p, res, off);
	if (k > 0)
		iorr_ev_data(e, 5, *mem, (size_t)k);
}

/*
 * One CQE at CQ position @pos (copied in @c) completes a request: emit its
 * uring_cqe.  Called with st->lock held.  @return false when no recorded
 * SQE matches it.
 */
static bool on_cqe(struct uring *st, const struct io_uring_cqe *c,
		   uint64_t reap, uint64_t now, bool late)
{
	struct iorr_areq *q = iorr_atab_find(&st->tab, c->user_data);
	struct iorr_areq copy;
	struct iorr_ev e;

	if (!q)
		return false;
	copy = *q;
	if (!(c->flags & IORING_CQE_F_MORE))
		iorr_atab_del(&st->tab, q);
	if (!copy.op)		/* an SQE on an fd that is not traced */
		return true;
	if (copy.op == IORR_OP_uring_openat && c->res >= 0)
		iorr_fd_set(c->res, IORR_FD_UNKNOWN);	/* resolved at use */
	if (copy.op == IORR_OP_uring_close && c->res == 0)
		iorr_fd_set(copy.fd, IORR_FD_UNKNOWN);
	iorr_ev_begin(&e, IORR_OP_uring_cqe, IORR_NF_uring_cqe);
	e.start = copy.t_submit;
	e.end = now;
	e.result = c->res;
	e.saved_errno = errno;
	/* ring req user_data cqe_flags reap data hash late */
	e.f[0] = st->id;
	e.f[1] = copy.req;
	e.f[2] = c->user_data;
	e.f[3] = c->flags;
	e.f[4] = reap;
	e.f[5] = e.f[6] = 0;
	e.f[7] = late;
	if (op_reads(copy.op) || op_writes(copy.op))
		iorr_areq_bytes(&e, &copy, op_writes(copy.op), 5, 6, c->res);
	if (copy.op == IORR_OP_uring_splice && copy.fd >= 0) {
		void *mem = NULL;
		size_t bytes = 0;

		splice_cqe_payload(&e, &copy, c->res, &mem, &bytes);
		iorr_emit(&e);
		if (mem)
			iorr_sys(SYS_munmap, mem, bytes, 0);
		return true;
	}
	iorr_emit(&e);
	return true;
}

/*
 * Read the CQ ring from the position observed last to the kernel's tail.
 * Called with st->lock held and the ring live.
 */
static void observe(struct uring *st, uint64_t reap)
{
	unsigned tail = atomic_load_explicit((_Atomic unsigned *)st->cq_ktail,
					     memory_order_acquire);
	unsigned head, pos = st->cq_seen;
	uint64_t lost = 0, unmatched = 0, now;

	if (tail == pos)
		return;
	now = iorr_now();
	head = atomic_load_explicit((_Atomic unsigned *)st->cq_khead,
				    memory_order_acquire);
	if (tail - pos > st->cq_entries) {
		lost = tail - st->cq_entries - pos;
		pos = tail - st->cq_entries;
	}
	for (; pos != tail; pos++) {
		struct io_uring_cqe c =
			st->cqes[(pos & st->cq_mask) << st->cqe_shift];
		bool late = (int)(head - pos) > 0;

		if (late) {
			/* consumed: the kernel may have reused the slot */
			unsigned t = atomic_load_explicit(
				(_Atomic unsigned *)st->cq_ktail,
				memory_order_acquire);

			if (t - pos > st->cq_entries) {
				lost++;
				continue;
			}
		}
		if (c.user_data == LIBURING_UDATA_TIMEOUT)
			continue;	/* liburing's own timeout SQE */
		if (!on_cqe(st, &c, reap, now, late))
			unmatched++;
	}
	st->cq_seen = tail;
	if (lost)
		emit_missed(st, 0, lost, 0, MISS_INLINE);
	if (unmatched)
		emit_missed(st, 0, unmatched, 0, MISS_UNSEEN);
}

/* ---- SQEs ----------------------------------------------------------------- */

static int32_t sqe_fd(const struct uring *st, const struct io_uring_sqe *s)
{
	if (!(s->flags & IOSQE_FIXED_FILE))
		return s->fd;
	if (s->fd >= 0 && (unsigned)s->fd < st->nfiles)
		return st->files[s->fd];
	return -1;
}

/*
 * Fill @e from SQE @s and note in @q what its completion needs.
 * @return false when the SQE is not recorded (an fd or path that is not
 * traced).
 */
static bool fill_sqe(struct uring *st, const struct io_uring_sqe *s,
		     struct iorr_ev *e, struct iorr_areq *q, uint64_t *lens,
		     char *path)
{
	int32_t fd = sqe_fd(st, s);
	unsigned op, nf;
	bool traced = true;

	q->buf = NULL;
	q->len = 0;
	q->nvec = 0;
	q->fd = fd;
	switch (s->opcode) {
	case IORING_OP_READ:
		op = IORR_OP_uring_read;
		break;
	case IORING_OP_WRITE:
		op = IORR_OP_uring_write;
		break;
	case IORING_OP_READV:
		op = IORR_OP_uring_readv;
		break;
	case IORING_OP_WRITEV:
		op = IORR_OP_uring_writev;
		break;
	case IORING_OP_READ_FIXED:
		op = IORR_OP_uring_read_fixed;
		break;
	case IORING_OP_WRITE_FIXED:
		op = IORR_OP_uring_write_fixed;
		break;
	case IORING_OP_FSYNC:
		op = IORR_OP_uring_fsync;
		break;
	case IORING_OP_FALLOCATE:
		op = IORR_OP_uring_fallocate;
		break;
	case IORING_OP_OPENAT:
		op = IORR_OP_uring_openat;
		break;
	case IORING_OP_CLOSE:
		op = IORR_OP_uring_close;
		break;
	case IORING_OP_STATX:
		op = IORR_OP_uring_statx;
		break;
	case IORING_OP_SPLICE:
		op = IORR_OP_uring_splice;
		break;
	case IORING_OP_NOP:
		op = IORR_OP_uring_nop;
		break;
	case IORING_OP_TIMEOUT:
		op = IORR_OP_uring_timeout;
		break;
	case IORING_OP_ASYNC_CANCEL:
		op = IORR_OP_uring_cancel;
		break;
	default:
		op = IORR_OP_uring_other;
		break;
	}
	nf = iorr_op_nf(op);
	iorr_ev_begin(e, op, nf);
	for (unsigned i = 0; i < nf; i++)
		e->f[i] = 0;
	e->f[0] = st->id;
	e->f[2] = s->flags;
	e->f[nf - 1] = s->user_data;
	switch (op) {
	case IORR_OP_uring_read:
	case IORR_OP_uring_write:
	case IORR_OP_uring_read_fixed:
	case IORR_OP_uring_write_fixed: {
		bool fixed = op == IORR_OP_uring_read_fixed ||
			     op == IORR_OP_uring_write_fixed;

		/* a fixed index nothing is registered at: EBADF, kept */
		traced = iorr_fd_traced(fd) ||
			 (fd < 0 && (s->flags & IOSQE_FIXED_FILE));
		e->f[3] = (uint64_t)(int64_t)fd;
		e->f[4] = s->len;
		e->f[5] = s->off;
		e->f[6] = iorr_buf16((const void *)(uintptr_t)s->addr);
		if (fixed)
			e->f[7] = s->buf_index;
		e->f[fixed ? 8 : 7] = (uint32_t)s->rw_flags;
		q->buf = (const void *)(uintptr_t)s->addr;
		q->len = s->len;
		break;
	}
	case IORR_OP_uring_readv:
	case IORR_OP_uring_writev: {
		const struct iovec *iov = (const void *)(uintptr_t)s->addr;

		traced = iorr_fd_traced(fd);
		if (!traced)
			break;
		e->f[3] = (uint64_t)(int64_t)fd;
		iorr_ev_iov(e, 4, iov, (int)s->len, lens);
		e->f[5] = s->off;
		e->f[6] = s->len ? iorr_buf16(iov[0].iov_base) : 0;
		e->f[7] = (uint32_t)s->rw_flags;
		iorr_areq_iov(q, iov, s->len);
		break;
	}
	case IORR_OP_uring_fsync:
		traced = iorr_fd_traced(fd);
		e->f[3] = (uint64_t)(int64_t)fd;
		e->f[4] = s->fsync_flags;
		break;
	case IORR_OP_uring_fallocate:
		/* liburing: len carries the mode, addr the length */
		traced = iorr_fd_traced(fd);
		e->f[3] = (uint64_t)(int64_t)fd;
		e->f[4] = s->len;
		e->f[5] = s->off;
		e->f[6] = s->addr;
		break;
	case IORR_OP_uring_openat:
	case IORR_OP_uring_statx:
		if (s->flags & IOSQE_FIXED_FILE ||
		    iorr_abspath(s->fd, (const char *)(uintptr_t)s->addr,
				 path) < 0 || !iorr_path_included(path)) {
			traced = false;
			break;
		}
		if (op == IORR_OP_uring_openat)
			iorr_first_touch(path);
		e->f[3] = (uint64_t)(int64_t)s->fd;
		iorr_ev_path(e, 4, path);
		if (op == IORR_OP_uring_openat) {
			e->f[5] = s->open_flags;
			e->f[6] = s->len;	/* mode */
		} else {
			e->f[5] = s->statx_flags;
			e->f[6] = s->len;	/* mask */
		}
		break;
	case IORR_OP_uring_close:
		traced = iorr_fd_traced(fd);
		e->f[3] = (uint64_t)(int64_t)fd;
		break;
	case IORR_OP_uring_splice:
		traced = iorr_fd_traced(s->splice_fd_in) ||
			 iorr_fd_traced(fd);
		e->f[3] = (uint64_t)(int64_t)s->splice_fd_in;
		e->f[4] = s->splice_off_in;
		e->f[5] = (uint64_t)(int64_t)fd;
		e->f[6] = s->off;
		e->f[7] = s->len;
		e->f[8] = s->splice_flags;
		/* into a traced file from a pipe: its CQE carries the bytes */
		q->fd = iorr_fd_traced(fd) && !iorr_fd_traced(
				s->splice_fd_in) ? fd : -1;
		q->len = s->off;
		break;
	case IORR_OP_uring_timeout: {
		const struct __kernel_timespec *ts =
			(const void *)(uintptr_t)s->addr;

		if (ts)
			e->f[3] = (uint64_t)ts->tv_sec * 1000000000ull +
				  (uint64_t)ts->tv_nsec;
		e->f[4] = s->off;
		e->f[5] = s->timeout_flags;
		break;
	}
	case IORR_OP_uring_cancel:
		e->f[3] = s->addr;
		e->f[4] = s->cancel_flags;
		break;
	case IORR_OP_uring_other:
		traced = fd < 0 || iorr_fd_traced(fd);
		e->f[3] = s->opcode;
		e->f[4] = (uint64_t)(int64_t)fd;
		e->f[5] = s->off;
		e->f[6] = s->len;
		break;
	}
	q->op = traced ? (uint16_t)op : 0;
	return traced;
}

/*
 * Record the SQEs the program queued since the last recorded position, up
 * to SQ position @tail (@head: the position the submitting side has
 * flushed up to), before the call that hands them to the kernel.  Called
 * with st->lock held.  @return the number of SUBMIT records.
 */
static unsigned record_sqes_at(struct uring *st, unsigned head, unsigned tail,
			       uint64_t now)
{
	static __thread uint64_t lens[IORR_MAX_IOV_REC]
		__attribute__((tls_model("initial-exec")));
	static __thread char path[IORR_PATH_BUF]
		__attribute__((tls_model("initial-exec")));
	unsigned n = 0, pos;

	if ((int)(head - st->sq_rec) > 0) {
		/* flushed behind our back: never seen */
		emit_missed(st, 0, 0, head - st->sq_rec, MISS_UNSEEN);
		st->sq_rec = head;
	}
	if (tail - st->sq_rec > st->sq_entries)
		st->sq_rec = tail - st->sq_entries;
	for (pos = st->sq_rec; pos != tail; pos++) {
		unsigned idx = pos & st->sq_mask;
		const struct io_uring_sqe *s;
		struct iorr_areq tmp, *q;
		struct iorr_ev e;
		bool traced;

		if (st->sq_array) {
			/* the kernel drops an index out of range too */
			idx = st->sq_array[idx];
			if (idx >= st->sq_entries)
				continue;
		}
		s = &st->sqes[idx << st->sqe_shift];
		traced = fill_sqe(st, s, &e, &tmp, lens, path);
		q = iorr_atab_add(&st->tab, s->user_data);
		if (!q) {
			if (traced)
				emit_missed(st, 0, 0, 1, MISS_UNSEEN);
			continue;
		}
		tmp.key = s->user_data;
		tmp.req = iorr_new_id();
		tmp.t_submit = now;
		tmp.state = IORR_AREQ_LIVE;
		*q = tmp;
		if (!traced)
			continue;
		e.f[1] = tmp.req;
		e.start = e.end = now;
		e.result = 0;
		e.saved_errno = errno;
		iorr_emit(&e);
		n++;
	}
	st->sq_rec = tail;
	return n;
}

static unsigned record_sqes(struct uring *st, struct io_uring *ring,
			    uint64_t now)
{
	return record_sqes_at(st, ring->sq.sqe_head, ring->sq.sqe_tail, now);
}

/* ---- the calls ------------------------------------------------------------ */

/*
 * Before a real call: take the ring (NULL: pass through), observe what
 * completed meanwhile and, when @submits, record the queued SQEs.
 */
static struct uring *enter(struct io_uring *ring, bool submits,
			   unsigned *nsqe, uint64_t *now)
{
	struct uring *st;

	*nsqe = 0;
	if (uring_depth || !iorr_on() || !(st = ring_find(ring)))
		return NULL;
	*now = iorr_now();
	iorr_spin_lock(&st->lock);
	if (!atomic_load(&st->live)) {
		iorr_spin_unlock(&st->lock);
		return NULL;
	}
	observe(st, 0);
	if (submits)
		*nsqe = record_sqes(st, ring, *now);
	iorr_spin_unlock(&st->lock);
	iorr_t.uring_peek = st;
	uring_depth++;
	return st;
}

/* After the real call: its event (if @op) and the CQEs now visible. */
static void leave(struct uring *st, struct io_uring *ring, unsigned op,
		  unsigned wait_nr, uint64_t start, int64_t r)
{
	uint64_t seq = 0;
	int saved = errno;

	uring_depth--;
	if (op) {
		struct iorr_ev e;

		iorr_ev_begin(&e, op, IORR_NF_uring_submit);
		e.start = start;
		iorr_ev_end_errnum(&e, (int)r);	/* -errno, as liburing */
		e.f[0] = st->id;
		e.f[1] = wait_nr;
		seq = iorr_emit(&e);
	}
	iorr_spin_lock(&st->lock);
	if (atomic_load(&st->live)) {
		observe(st, seq);
		/* SQEs liburing queued itself (a timeout) are no program's */
		if ((int)(ring->sq.sqe_head - st->sq_rec) > 0)
			st->sq_rec = ring->sq.sqe_head;
	}
	iorr_spin_unlock(&st->lock);
	errno = saved;
}

bool iorr_on_peek(void)
{
	struct uring *st = iorr_t.uring_peek;
	bool on = !iorr_g.disabled && iorr_t.guard == 0;

	if (on && !uring_depth && atomic_load_explicit(&st->live,
						       memory_order_relaxed) &&
	    iorr_spin_trylock(&st->lock)) {
		int saved = errno;

		if (atomic_load(&st->live))
			observe(st, 0);
		iorr_spin_unlock(&st->lock);
		errno = saved;
	}
	return on;
}

#define SUBMIT_CALL(real, op, wait_nr, submits)				\
	do {								\
		struct uring *st;					\
		unsigned nsqe;						\
		uint64_t now;						\
		int r;							\
									\
		if (unlikely(!real_##real))				\
			return -ENOSYS;					\
		st = enter(ring, submits, &nsqe, &now);			\
		if (!st)						\
			return real_##real CALL_ARGS;			\
		r = real_##real CALL_ARGS;				\
		leave(st, ring, op, wait_nr, now, r);			\
		return r;						\
	} while (0)

int io_uring_submit(struct io_uring *ring)
{
	REAL(io_uring_submit);
#define CALL_ARGS (ring)
	SUBMIT_CALL(io_uring_submit, IORR_OP_uring_submit, 0, true);
#undef CALL_ARGS
}

int io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr)
{
	REAL(io_uring_submit_and_wait);
#define CALL_ARGS (ring, wait_nr)
	SUBMIT_CALL(io_uring_submit_and_wait, IORR_OP_uring_submit, wait_nr,
		    true);
#undef CALL_ARGS
}

int io_uring_submit_and_wait_timeout(struct io_uring *ring,
				     struct io_uring_cqe **cqe_ptr,
				     unsigned wait_nr,
				     struct __kernel_timespec *ts,
				     sigset_t *sigmask)
{
	REAL(io_uring_submit_and_wait_timeout);
#define CALL_ARGS (ring, cqe_ptr, wait_nr, ts, sigmask)
	SUBMIT_CALL(io_uring_submit_and_wait_timeout, IORR_OP_uring_submit,
		    wait_nr, true);
#undef CALL_ARGS
}

int io_uring_submit_and_get_events(struct io_uring *ring)
{
	REAL(io_uring_submit_and_get_events);
#define CALL_ARGS (ring)
	SUBMIT_CALL(io_uring_submit_and_get_events, IORR_OP_uring_submit, 0,
		    true);
#undef CALL_ARGS
}

int io_uring_get_events(struct io_uring *ring)
{
	REAL(io_uring_get_events);
#define CALL_ARGS (ring)
	SUBMIT_CALL(io_uring_get_events, 0, 0, false);
#undef CALL_ARGS
}

int __io_uring_get_cqe(struct io_uring *ring, struct io_uring_cqe **cqe_ptr,
		       unsigned submit, unsigned wait_nr, sigset_t *sigmask)
{
	REAL(__io_uring_get_cqe);
#define CALL_ARGS (ring, cqe_ptr, submit, wait_nr, sigmask)
	SUBMIT_CALL(__io_uring_get_cqe, 0, wait_nr, false);
#undef CALL_ARGS
}

int io_uring_wait_cqes(struct io_uring *ring, struct io_uring_cqe **cqe_ptr,
		       unsigned wait_nr, struct __kernel_timespec *ts,
		       sigset_t *sigmask)
{
	REAL(io_uring_wait_cqes);
	struct uring *st;
	unsigned nsqe;
	uint64_t now;
	int r;

	if (unlikely(!real_io_uring_wait_cqes))
		return -ENOSYS;
	/* with a timeout, liburing flushes the queued SQEs */
	st = enter(ring, ts != NULL, &nsqe, &now);
	if (!st)
		return real_io_uring_wait_cqes(ring, cqe_ptr, wait_nr, ts,
					       sigmask);
	r = real_io_uring_wait_cqes(ring, cqe_ptr, wait_nr, ts, sigmask);
	leave(st, ring, nsqe ? IORR_OP_uring_submit : 0, wait_nr, now, r);
	return r;
}

unsigned io_uring_peek_batch_cqe(struct io_uring *ring,
				 struct io_uring_cqe **cqes, unsigned count)
{
	REAL(io_uring_peek_batch_cqe);
	struct uring *st;
	unsigned nsqe, r;
	uint64_t now;

	if (unlikely(!real_io_uring_peek_batch_cqe))
		return 0;
	st = enter(ring, false, &nsqe, &now);
	if (!st)
		return real_io_uring_peek_batch_cqe(ring, cqes, count);
	r = real_io_uring_peek_batch_cqe(ring, cqes, count);
	leave(st, ring, 0, 0, now, 0);
	return r;
}

/* ---- setup and teardown ------------------------------------------------- */

/* Start tracking @ring (set up by liburing) and emit its uring_setup. */
static void ring_add(struct io_uring *ring, struct iorr_ev *e, unsigned entries)
{
	struct uring *st = NULL;

	/* an image exec'd by a process that trapped io_uring_enter */
	if (TRAP_SUPPORTED && iorr_sys(SYS_prctl, PR_GET_SECCOMP, 0, 0) == 2)
		trap_prepare();

	iorr_spin_lock(&rings_lock);
	for (unsigned i = 0; i < MAX_RINGS && !st; i++)
		if (!atomic_load(&rings[i].key))
			st = &rings[i];
	if (st) {
		st->sq_mask = *ring->sq.kring_mask;
		st->sq_entries = *ring->sq.kring_entries;
		st->cq_mask = *ring->cq.kring_mask;
		st->cq_entries = *ring->cq.kring_entries;
		st->sqe_shift = ring->flags & IORING_SETUP_SQE128 ? 1 : 0;
		st->cqe_shift = ring->flags & IORING_SETUP_CQE32 ? 1 : 0;
		st->sq_rec = ring->sq.sqe_tail;
		st->cq_seen = *ring->cq.ktail;
		st->cq_khead = ring->cq.khead;
		st->cq_ktail = ring->cq.ktail;
		st->cqes = ring->cq.cqes;
		st->sqes = ring->sq.sqes;
		st->files = NULL;
		st->nfiles = 0;
		st->raw = false;
		st->sq_array = NULL;
		if (iorr_atab_init(&st->tab, 2ull * st->cq_entries +
				   st->sq_entries) < 0) {
			st = NULL;
		} else {
			st->id = iorr_new_id();
			atomic_store(&st->live, true);
			atomic_store(&st->key, ring);
		}
	}
	iorr_spin_unlock(&rings_lock);
	/* ring entries flags sq_entries cq_entries features */
	e->f[0] = st ? st->id : 0;
	e->f[1] = entries;
	e->f[2] = ring->flags;
	e->f[3] = *ring->sq.kring_entries;
	e->f[4] = *ring->cq.kring_entries;
	e->f[5] = ring->features;
	iorr_emit(e);
	if (!st) {
		iorr_note("uring_untracked",
			  "\"an io_uring ring could not be tracked (more than "
			  "256 rings or no memory): nothing on it is "
			  "recorded\"");
		emit_missed(NULL, 0, 0, 0, MISS_RAW);
	} else if (ring->flags & IORING_SETUP_SQPOLL) {
		emit_missed(st, 0, 0, 0, MISS_SQPOLL);
	}
}

#define SETUP_CALL(real, entries)					\
	do {								\
		struct iorr_ev e;					\
		int r;							\
									\
		if (unlikely(!real_##real))				\
			return -ENOSYS;					\
		if (uring_depth || !iorr_on())				\
			return real_##real CALL_ARGS;			\
		iorr_ev_begin(&e, IORR_OP_uring_setup,			\
			      IORR_NF_uring_setup);			\
		uring_depth++;						\
		r = real_##real CALL_ARGS;				\
		uring_depth--;						\
		iorr_ev_end_errnum(&e, r);				\
		if (r < 0) {						\
			for (unsigned i = 0; i < e.nf; i++)		\
				e.f[i] = 0;				\
			e.f[1] = entries;				\
			iorr_emit(&e);					\
			return r;					\
		}							\
		ring_add(ring, &e, entries);				\
		errno = e.saved_errno;					\
		return r;						\
	} while (0)

int io_uring_queue_init(unsigned entries, struct io_uring *ring,
			unsigned flags)
{
	REAL(io_uring_queue_init);
#define CALL_ARGS (entries, ring, flags)
	SETUP_CALL(io_uring_queue_init, entries);
#undef CALL_ARGS
}

int io_uring_queue_init_params(unsigned entries, struct io_uring *ring,
			       struct io_uring_params *p)
{
	REAL(io_uring_queue_init_params);
#define CALL_ARGS (entries, ring, p)
	SETUP_CALL(io_uring_queue_init_params, entries);
#undef CALL_ARGS
}

int io_uring_queue_init_mem(unsigned entries, struct io_uring *ring,
			    struct io_uring_params *p, void *buf,
			    size_t buf_size)
{
	REAL(io_uring_queue_init_mem);
#define CALL_ARGS (entries, ring, p, buf, buf_size)
	SETUP_CALL(io_uring_queue_init_mem, entries);
#undef CALL_ARGS
}

int io_uring_queue_mmap(int fd, struct io_uring_params *p,
			struct io_uring *ring)
{
	REAL(io_uring_queue_mmap);
#define CALL_ARGS (fd, p, ring)
	SETUP_CALL(io_uring_queue_mmap, p ? p->sq_entries : 0);
#undef CALL_ARGS
}

/* Unmap the rings of a raw ring (wrap_uring.c's own mappings). */
static void raw_unmap(struct uring *st)
{
	if (st->map_cq && st->map_cq != st->map_sq)
		iorr_unmap(st->map_cq, st->sz_cq);
	iorr_unmap(st->map_sq, st->sz_sq);
	iorr_unmap(st->map_sqes, st->sz_sqes);
	st->map_sq = st->map_cq = st->map_sqes = NULL;
	atomic_fetch_sub(&iorr_uring_raw_n, 1);
}

/* Stop tracking @st: last look at the CQ, count what is in flight. */
static void ring_drop(struct uring *st)
{
	uint64_t inflight = 0;

	iorr_spin_lock(&st->lock);
	if (!atomic_load(&st->live)) {
		iorr_spin_unlock(&st->lock);
		return;
	}
	observe(st, 0);
	for (uint32_t i = 0; st->tab.slot && i <= st->tab.mask; i++)
		if (st->tab.slot[i].req && st->tab.slot[i].op)
			inflight++;
	if (inflight)
		emit_missed(st, 0, 0, inflight, MISS_INFLIGHT);
	atomic_store(&st->live, false);
	iorr_atab_free(&st->tab);
	if (st->raw)
		raw_unmap(st);
	iorr_unmap(st->files, st->files_bytes);
	st->files = NULL;
	st->nfiles = 0;
	atomic_store(&st->key, NULL);
	iorr_spin_unlock(&st->lock);
}

/* Begin the uring_exit event @e of ring @st, and forget the ring. */
static void exit_begin(struct iorr_ev *e, struct uring *st)
{
	iorr_ev_begin(e, IORR_OP_uring_exit, IORR_NF_uring_exit);
	e->f[0] = st->id;
	ring_drop(st);
	if (iorr_t.uring_peek == st)
		iorr_t.uring_peek = NULL;
}

void io_uring_queue_exit(struct io_uring *ring)
{
	REAL(io_uring_queue_exit);
	struct uring *st;
	struct iorr_ev e;

	if (unlikely(!real_io_uring_queue_exit))
		return;
	if (uring_depth || !iorr_on() || !(st = ring_find(ring))) {
		real_io_uring_queue_exit(ring);
		return;
	}
	exit_begin(&e, st);
	uring_depth++;
	real_io_uring_queue_exit(ring);
	uring_depth--;
	iorr_ev_end_errnum(&e, 0);
	iorr_emit(&e);
}

void iorr_async_exit(void)
{
	for (unsigned i = 0; i < MAX_RINGS; i++)
		if (atomic_load(&rings[i].key))
			ring_drop(&rings[i]);
	iorr_t.uring_peek = NULL;
}

void iorr_async_after_fork(void)
{
	/*
	 * The child shares the parent's rings: only a ring the child itself
	 * uses through liburing is observed from it.
	 */
	iorr_t.uring_peek = NULL;
	iorr_t.id_next = iorr_t.id_end = 0;
	uring_depth = 0;
}

/* ---- registration ------------------------------------------------------- */

/* Set registered files [off, off + n) of @st to @fds (NULL: -1). */
static void files_set(struct uring *st, unsigned off, const int *fds,
		      unsigned n, bool reset)
{
	unsigned want = off + n;

	iorr_spin_lock(&st->lock);
	if (reset) {
		iorr_unmap(st->files, st->files_bytes);
		st->files = NULL;
		st->nfiles = 0;
	}
	if (want > st->nfiles) {
		uint64_t bytes = ((uint64_t)want * 4 + 4095) & ~4095ull;
		int32_t *p = iorr_map(bytes);

		if (p) {
			for (unsigned i = 0; i < want; i++)
				p[i] = i < st->nfiles ? st->files[i] : -1;
			iorr_unmap(st->files, st->files_bytes);
			st->files = p;
			st->files_bytes = bytes;
			st->nfiles = want;
		}
	}
	for (unsigned i = 0; i < n && off + i < st->nfiles; i++)
		st->files[off + i] = fds ? fds[i] : -1;
	iorr_spin_unlock(&st->lock);
}

static void emit_register(struct uring *st, unsigned opcode, unsigned nr,
			  uint64_t start, int r)
{
	struct iorr_ev e;

	iorr_ev_begin(&e, IORR_OP_uring_register, IORR_NF_uring_register);
	e.start = start;
	iorr_ev_end_errnum(&e, r);
	e.f[0] = st->id;
	e.f[1] = opcode;
	e.f[2] = nr;
	iorr_emit(&e);
}

/*
 * A registration call: @files (set when the call succeeds) are the fds
 * from @off; @reset: the table is replaced (register) or dropped
 * (unregister, files NULL and n 0).
 */
#define REGISTER_CALL(real, opcode, nr, off, files, nfd, reset)		\
	do {								\
		struct uring *st;					\
		uint64_t start;						\
		int r;							\
									\
		if (unlikely(!real_##real))				\
			return -ENOSYS;					\
		if (uring_depth || !iorr_on() ||			\
		    !(st = ring_find(ring)))				\
			return real_##real CALL_ARGS;			\
		start = iorr_now();					\
		uring_depth++;						\
		r = real_##real CALL_ARGS;				\
		uring_depth--;						\
		if (r >= 0 && (nfd || reset))				\
			files_set(st, off, files, nfd, reset);		\
		emit_register(st, opcode, nr, start, r);		\
		return r;						\
	} while (0)

int io_uring_register_files(struct io_uring *ring, const int *files,
			    unsigned nr_files)
{
	REAL(io_uring_register_files);
#define CALL_ARGS (ring, files, nr_files)
	REGISTER_CALL(io_uring_register_files, IORING_REGISTER_FILES,
		      nr_files, 0, files, nr_files, true);
#undef CALL_ARGS
}

int io_uring_register_files_tags(struct io_uring *ring, const int *files,
				 const __u64 *tags, unsigned nr)
{
	REAL(io_uring_register_files_tags);
#define CALL_ARGS (ring, files, tags, nr)
	REGISTER_CALL(io_uring_register_files_tags, IORING_REGISTER_FILES2,
		      nr, 0, files, nr, true);
#undef CALL_ARGS
}

int io_uring_register_files_sparse(struct io_uring *ring, unsigned nr)
{
	REAL(io_uring_register_files_sparse);
#define CALL_ARGS (ring, nr)
	REGISTER_CALL(io_uring_register_files_sparse, IORING_REGISTER_FILES2,
		      nr, 0, NULL, nr, true);
#undef CALL_ARGS
}

int io_uring_unregister_files(struct io_uring *ring)
{
	REAL(io_uring_unregister_files);
#define CALL_ARGS (ring)
	REGISTER_CALL(io_uring_unregister_files, IORING_UNREGISTER_FILES, 0,
		      0, NULL, 0, true);
#undef CALL_ARGS
}

int io_uring_register_files_update(struct io_uring *ring, unsigned off,
				   const int *files, unsigned nr_files)
{
	REAL(io_uring_register_files_update);
#define CALL_ARGS (ring, off, files, nr_files)
	REGISTER_CALL(io_uring_register_files_update,
		      IORING_REGISTER_FILES_UPDATE, nr_files, off, files,
		      nr_files, false);
#undef CALL_ARGS
}

int io_uring_register_files_update_tag(struct io_uring *ring, unsigned off,
				       const int *files, const __u64 *tags,
				       unsigned nr_files)
{
	REAL(io_uring_register_files_update_tag);
#define CALL_ARGS (ring, off, files, tags, nr_files)
	REGISTER_CALL(io_uring_register_files_update_tag,
		      IORING_REGISTER_FILES_UPDATE2, nr_files, off, files,
		      nr_files, false);
#undef CALL_ARGS
}

int io_uring_register_buffers(struct io_uring *ring,
			      const struct iovec *iovecs, unsigned nr_iovecs)
{
	REAL(io_uring_register_buffers);
#define CALL_ARGS (ring, iovecs, nr_iovecs)
	REGISTER_CALL(io_uring_register_buffers, IORING_REGISTER_BUFFERS,
		      nr_iovecs, 0, NULL, 0, false);
#undef CALL_ARGS
}

int io_uring_register_buffers_tags(struct io_uring *ring,
				   const struct iovec *iovecs,
				   const __u64 *tags, unsigned nr)
{
	REAL(io_uring_register_buffers_tags);
#define CALL_ARGS (ring, iovecs, tags, nr)
	REGISTER_CALL(io_uring_register_buffers_tags,
		      IORING_REGISTER_BUFFERS2, nr, 0, NULL, 0, false);
#undef CALL_ARGS
}

int io_uring_register_buffers_sparse(struct io_uring *ring, unsigned nr)
{
	REAL(io_uring_register_buffers_sparse);
#define CALL_ARGS (ring, nr)
	REGISTER_CALL(io_uring_register_buffers_sparse,
		      IORING_REGISTER_BUFFERS2, nr, 0, NULL, 0, false);
#undef CALL_ARGS
}

int io_uring_unregister_buffers(struct io_uring *ring)
{
	REAL(io_uring_unregister_buffers);
#define CALL_ARGS (ring)
	REGISTER_CALL(io_uring_unregister_buffers,
		      IORING_UNREGISTER_BUFFERS, 0, 0, NULL, 0, false);
#undef CALL_ARGS
}

/* ---- io_uring_enter issued without libc (fio) -------------------------- */
/*
 * fio (and liburing built without libc) issue io_uring_enter with an
 * inline syscall instruction: no function to wrap.  Once a process tracks
 * a raw ring, a seccomp filter makes io_uring_enter from anywhere but our
 * trampoline page raise SIGSYS; the handler records the call as
 * syscall(SYS_io_uring_enter) would be, makes it from the trampoline and
 * puts the result in the program's rax.  The trampoline lives at a fixed
 * address so that the filter (inherited by children and kept across
 * execve) still matches in a new image, which maps it again and installs
 * the handler before it sets up a ring.  x86-64 only.
 */
#if TRAP_SUPPORTED
#define TRAMP_ADDR 0x200000000000ul
#define TRAMP_IP (TRAMP_ADDR + 10)	/* after its syscall instruction */

static long (*tramp)(long, long, long, long, long, long);
static _Atomic int trap_state;	/* 0 not yet, 1 installed, -1 failed */

/* Map the trampoline (mov %rcx,%r10; mov $426,%eax; syscall; ret). */
static bool tramp_map(void)
{
	static const unsigned char code[] = {
		0x49, 0x89, 0xca, 0xb8, 0xaa, 0x01, 0x00, 0x00, 0x0f, 0x05,
		0xc3,
	};
	long p;

	if (tramp)
		return true;
	p = iorr_sys6(SYS_mmap, TRAMP_ADDR, 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == -EEXIST && !memcmp((void *)TRAMP_ADDR, code, sizeof(code))) {
		/* ours, inherited from the parent */
	} else if (p != (long)TRAMP_ADDR) {
		if (p > 0 || p < -4096)
			iorr_sys(SYS_munmap, p, 4096, 0);
		return false;
	} else {
		memcpy((void *)TRAMP_ADDR, code, sizeof(code));
		if (iorr_sys(SYS_mprotect, TRAMP_ADDR, 4096,
			     PROT_READ | PROT_EXEC) < 0)
			return false;
	}
	tramp = (long (*)(long, long, long, long, long, long))TRAMP_ADDR;
	return true;
}

static long raw_enter(const long *a, bool trapped);

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	greg_t *g = uc->uc_mcontext.gregs;
	int saved = errno;
	long a[6], r;

	if (si->si_code != 1 /* SYS_SECCOMP */ ||
	    si->si_syscall != SYS_io_uring_enter || !tramp) {
		/* not ours: as without a handler */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	a[0] = g[REG_RDI];
	a[1] = g[REG_RSI];
	a[2] = g[REG_RDX];
	a[3] = g[REG_R10];
	a[4] = g[REG_R8];
	a[5] = g[REG_R9];
	r = raw_enter(a, true);
	g[REG_RAX] = r;
	errno = saved;
}

/* In every image that uses io_uring: the trampoline and the handler. */
static bool trap_prepare(void)
{
	static _Atomic int handler;
	struct sigaction sa;

	if (!tramp_map())
		return false;
	if (atomic_exchange(&handler, 1))
		return true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL) == 0;
}

/* Once per process: the filter (all threads). */
static bool trap_install(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 7),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_enter, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, instruction_pointer) +
			 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TRAMP_IP >> 32, 0, 2),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, instruction_pointer)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)TRAMP_IP, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	int st = atomic_load(&trap_state);
	long r;

	if (st)
		return st > 0;
	if (!trap_prepare()) {
		atomic_store(&trap_state, -1);
		return false;
	}
	r = iorr_sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		     SECCOMP_FILTER_FLAG_TSYNC, &prog);
	if (r == -EACCES) {
		/* without CAP_SYS_ADMIN: no_new_privs first */
		iorr_sys6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
		r = iorr_sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			     SECCOMP_FILTER_FLAG_TSYNC, &prog);
	}
	atomic_store(&trap_state, r == 0 ? 1 : -1);
	return r == 0;
}

static long sys_enter(const long *a)
{
	if (tramp)
		return tramp(a[0], a[1], a[2], a[3], a[4], a[5]);
	return iorr_sys6(SYS_io_uring_enter, a[0], a[1], a[2], a[3], a[4],
			 a[5]);
}
#else
static bool trap_prepare(void) { return false; }
static bool trap_install(void) { return false; }
static long sys_enter(const long *a)
{
	return iorr_sys6(SYS_io_uring_enter, a[0], a[1], a[2], a[3], a[4],
			 a[5]);
}
#endif

/* ---- syscall(SYS_io_uring_*): rings liburing does not manage ------------ */
/*
 * fio's io_uring engine (and any program without liburing) sets up its
 * ring with syscall(SYS_io_uring_setup) and maps it itself.  At setup the
 * recorder maps the same rings (SQ ring, CQ ring, SQE array) read-only
 * from the ring fd; at every syscall(SYS_io_uring_enter) it records the
 * SQEs between the position recorded last and the SQ tail the program
 * published (before the call, through the SQ array unless
 * IORING_SETUP_NO_SQARRAY), then the CQEs up to the CQ tail (after it);
 * syscall(SYS_io_uring_register) of files and buffers is recorded as
 * uring_register.  The events are the liburing path's.  A ring's key is
 * its fd, odd so that it never equals a struct io_uring address.
 */
_Atomic unsigned iorr_uring_raw_n;

static struct io_uring *raw_key(long fd)
{
	return (struct io_uring *)(((uintptr_t)(unsigned)fd << 1) | 1);
}

static void *raw_mmap(int fd, uint64_t bytes, uint64_t off)
{
	long p = iorr_sys6(SYS_mmap, 0, (long)bytes, PROT_READ,
			   MAP_SHARED | MAP_POPULATE, fd, (long)off);

	return p < 0 && p > -4096 ? NULL : (void *)p;
}

/* Map ring @fd set up with @p into @st.  @return false on failure. */
static bool raw_map(struct uring *st, int fd, const struct io_uring_params *p)
{
	uint64_t cqe = sizeof(struct io_uring_cqe) <<
		       (p->flags & IORING_SETUP_CQE32 ? 1 : 0);
	uint64_t sqe = sizeof(struct io_uring_sqe) <<
		       (p->flags & IORING_SETUP_SQE128 ? 1 : 0);
	uint64_t sq_sz = (uint64_t)p->sq_off.array +
			 (uint64_t)p->sq_entries * sizeof(unsigned);
	uint64_t cq_sz = (uint64_t)p->cq_off.cqes + p->cq_entries * cqe;
	char *sq, *cq;

	if (p->flags & IORING_SETUP_NO_SQARRAY)
		sq_sz = p->sq_off.tail + sizeof(unsigned);
	if (p->features & IORING_FEAT_SINGLE_MMAP) {
		if (cq_sz > sq_sz)
			sq_sz = cq_sz;
		cq_sz = sq_sz;
	}
	st->map_sq = st->map_cq = st->map_sqes = NULL;
	st->sz_sq = sq_sz;
	st->sz_cq = cq_sz;
	st->sz_sqes = sqe * p->sq_entries;
	sq = st->map_sq = raw_mmap(fd, sq_sz, IORING_OFF_SQ_RING);
	if (!sq)
		return false;
	if (p->features & IORING_FEAT_SINGLE_MMAP)
		cq = st->map_cq = sq;
	else
		cq = st->map_cq = raw_mmap(fd, cq_sz, IORING_OFF_CQ_RING);
	st->map_sqes = raw_mmap(fd, st->sz_sqes, IORING_OFF_SQES);
	if (!cq || !st->map_sqes) {
		if (cq && cq != sq)
			iorr_unmap(cq, cq_sz);
		iorr_unmap(sq, sq_sz);
		iorr_unmap(st->map_sqes, st->sz_sqes);
		return false;
	}
	st->sq_mask = *(unsigned *)(sq + p->sq_off.ring_mask);
	st->sq_entries = *(unsigned *)(sq + p->sq_off.ring_entries);
	st->cq_mask = *(unsigned *)(cq + p->cq_off.ring_mask);
	st->cq_entries = *(unsigned *)(cq + p->cq_off.ring_entries);
	st->sqe_shift = p->flags & IORING_SETUP_SQE128 ? 1 : 0;
	st->cqe_shift = p->flags & IORING_SETUP_CQE32 ? 1 : 0;
	st->sq_khead = (unsigned *)(sq + p->sq_off.head);
	st->sq_ktail = (unsigned *)(sq + p->sq_off.tail);
	st->sq_array = p->flags & IORING_SETUP_NO_SQARRAY ? NULL :
		       (unsigned *)(sq + p->sq_off.array);
	st->cq_khead = (unsigned *)(cq + p->cq_off.head);
	st->cq_ktail = (unsigned *)(cq + p->cq_off.tail);
	st->cqes = (struct io_uring_cqe *)(cq + p->cq_off.cqes);
	st->sqes = st->map_sqes;
	st->sq_rec = atomic_load_explicit((_Atomic unsigned *)st->sq_ktail,
					  memory_order_acquire);
	st->cq_seen = atomic_load_explicit((_Atomic unsigned *)st->cq_ktail,
					   memory_order_acquire);
	return true;
}

/* Track raw ring @fd (set up with @p).  @return it, or NULL. */
static struct uring *raw_add(int fd, const struct io_uring_params *p)
{
	struct uring *st = NULL;

	iorr_spin_lock(&rings_lock);
	for (unsigned i = 0; i < MAX_RINGS && !st; i++)
		if (!atomic_load(&rings[i].key))
			st = &rings[i];
	if (st) {
		/* claimed: a key nobody looks up until the ring is live */
		atomic_store(&st->key, raw_key(-1));
	}
	iorr_spin_unlock(&rings_lock);
	if (!st)
		return NULL;
	st->raw = true;
	st->fd = fd;
	st->files = NULL;
	st->nfiles = 0;
	if (!raw_map(st, fd, p)) {
		atomic_store(&st->key, NULL);
		return NULL;
	}
	if (!trap_install())
		iorr_note("uring_enter_trap",
			  "\"io_uring_enter made without libc's syscall() "
			  "cannot be seen here (no seccomp trap): only "
			  "syscall(SYS_io_uring_enter) is recorded\"");
	if (iorr_atab_init(&st->tab, 2ull * st->cq_entries +
			   st->sq_entries) < 0) {
		st->map_cq = st->map_cq == st->map_sq ? NULL : st->map_cq;
		iorr_unmap(st->map_cq, st->sz_cq);
		iorr_unmap(st->map_sq, st->sz_sq);
		iorr_unmap(st->map_sqes, st->sz_sqes);
		atomic_store(&st->key, NULL);
		return NULL;
	}
	st->id = iorr_new_id();
	atomic_fetch_add(&iorr_uring_raw_n, 1);
	atomic_store(&st->live, true);
	atomic_store(&st->key, raw_key(fd));
	return st;
}

static long raw_setup(const long *a)
{
	struct io_uring_params *p = (struct io_uring_params *)a[1];
	struct uring *st = NULL;
	struct iorr_ev e;
	long r;

	iorr_ev_begin(&e, IORR_OP_uring_setup, IORR_NF_uring_setup);
	r = iorr_rawret(iorr_sys(SYS_io_uring_setup, a[0], a[1], 0));
	iorr_ev_end(&e, r);
	for (unsigned i = 0; i < e.nf; i++)
		e.f[i] = 0;
	e.f[1] = (uint64_t)(unsigned)a[0];
	if (r >= 0 && p && !(p->flags & IORING_SETUP_NO_MMAP))
		st = raw_add((int)r, p);
	e.f[0] = st ? st->id : r >= 0 ? iorr_new_id() : 0;
	if (r >= 0 && p) {
		e.f[2] = p->flags;
		e.f[3] = p->sq_entries;
		e.f[4] = p->cq_entries;
		e.f[5] = p->features;
	}
	iorr_emit(&e);
	if (r >= 0 && !st) {
		if (p && p->flags & IORING_SETUP_NO_MMAP)
			iorr_note("uring_no_mmap",
				  "\"an io_uring ring set up with "
				  "IORING_SETUP_NO_MMAP: not supported yet, "
				  "nothing on it is recorded\"");
		emit_missed(NULL, e.f[0], 0, 0, MISS_RAW);
	} else if (st && p->flags & IORING_SETUP_SQPOLL) {
		emit_missed(st, 0, 0, 0, MISS_SQPOLL);
	}
	errno = e.saved_errno;
	return r;
}

/*
 * syscall(SYS_io_uring_enter, fd, to_submit, min_complete, flags, arg, sz)
 * (@trapped: an inline one, from the SIGSYS handler).  @return as the
 * system call itself: -errno on failure.
 */
static long raw_enter(const long *a, bool trapped)
{
	struct uring *st;
	unsigned nsqe = 0, to_submit = (unsigned)a[1];
	unsigned flags = (unsigned)a[3];
	uint64_t now, seq = 0;
	struct iorr_ev e;
	long r;

	if ((trapped && (uring_depth || !iorr_on())) ||
	    flags & IORING_ENTER_REGISTERED_RING ||
	    !(st = ring_find(raw_key(a[0]))))
		return sys_enter(a);
	now = iorr_now();
	iorr_spin_lock(&st->lock);
	if (!atomic_load(&st->live)) {
		iorr_spin_unlock(&st->lock);
		return sys_enter(a);
	}
	observe(st, 0);
	if (to_submit)
		nsqe = record_sqes_at(st,
			atomic_load_explicit((_Atomic unsigned *)st->sq_khead,
					     memory_order_acquire),
			atomic_load_explicit((_Atomic unsigned *)st->sq_ktail,
					     memory_order_acquire), now);
	iorr_spin_unlock(&st->lock);
	iorr_t.uring_peek = st;
	uring_depth++;
	r = sys_enter(a);
	uring_depth--;
	if (to_submit || nsqe) {
		iorr_ev_begin(&e, IORR_OP_uring_submit, IORR_NF_uring_submit);
		e.start = now;
		/* -errno, as liburing's io_uring_submit* */
		iorr_ev_end_errnum(&e, (int)r);
		e.f[0] = st->id;
		e.f[1] = flags & IORING_ENTER_GETEVENTS ? (unsigned)a[2] : 0;
		seq = iorr_emit(&e);
	}
	iorr_spin_lock(&st->lock);
	if (atomic_load(&st->live))
		observe(st, seq);
	iorr_spin_unlock(&st->lock);
	return r;
}

/*
 * syscall(SYS_io_uring_register, fd, opcode, arg, nr_args): files (their
 * fds, for IOSQE_FIXED_FILE) and buffers; every opcode is recorded.
 */
static long raw_register(const long *a)
{
	unsigned opcode = (unsigned)a[1], nr = (unsigned)a[3];
	const void *arg = (const void *)a[2];
	struct uring *st;
	uint64_t start;
	long r;
	int saved;

	if (opcode & IORING_REGISTER_USE_REGISTERED_RING ||
	    !(st = ring_find(raw_key(a[0]))))
		return iorr_rawret(iorr_sys6(SYS_io_uring_register, a[0],
					     a[1], a[2], a[3], 0, 0));
	start = iorr_now();
	r = iorr_rawret(iorr_sys6(SYS_io_uring_register, a[0], a[1], a[2],
				  a[3], 0, 0));
	saved = errno;
	if (r >= 0) {
		switch (opcode) {
		case IORING_REGISTER_FILES:
			files_set(st, 0, arg, nr, true);
			break;
		case IORING_UNREGISTER_FILES:
			files_set(st, 0, NULL, 0, true);
			break;
		case IORING_REGISTER_FILES_UPDATE: {
			const struct io_uring_files_update *u = arg;

			if (u)
				files_set(st, u->offset,
					  (const int *)(uintptr_t)u->fds, nr,
					  false);
			break;
		}
		case IORING_REGISTER_FILES2: {
			const struct io_uring_rsrc_register *rr = arg;

			if (rr && nr == sizeof(*rr))
				files_set(st, 0,
					  (const int *)(uintptr_t)rr->data,
					  rr->nr, true);
			break;
		}
		case IORING_REGISTER_FILES_UPDATE2: {
			const struct io_uring_rsrc_update2 *u = arg;

			if (u && nr == sizeof(*u))
				files_set(st, u->offset,
					  (const int *)(uintptr_t)u->data,
					  u->nr, false);
			break;
		}
		}
	}
	emit_register(st, opcode, nr, start, r < 0 ? -saved : (int)r);
	errno = saved;
	return r;
}

long iorr_uring_syscall(long nr, const long *a)
{
	if (uring_depth)
		return iorr_rawret(iorr_sys6(nr, a[0], a[1], a[2], a[3], a[4],
					     a[5]));
	switch (nr) {
	case SYS_io_uring_setup:
		return raw_setup(a);
	case SYS_io_uring_enter: {
		int saved = errno;
		long r = raw_enter(a, false);

		errno = saved;
		return iorr_rawret(r);
	}
	case SYS_io_uring_register:
		return raw_register(a);
	}
	return iorr_rawret(iorr_sys6(nr, a[0], a[1], a[2], a[3], a[4], a[5]));
}

/* close() of a ring fd: the ring goes (our mappings would keep it). */
void iorr_uring_closed(int fd)
{
	struct uring *st = ring_find(raw_key(fd));
	struct iorr_ev e;

	if (!st)
		return;
	exit_begin(&e, st);
	iorr_ev_end_errnum(&e, 0);
	iorr_emit(&e);
}
