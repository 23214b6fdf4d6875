/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the asynchronous I/O wrappers (wrap_aio.c for libaio,
 * wrap_uring.c for liburing): request tables, small spinlocks, memory from
 * the kernel, and the capture of a completed request's bytes.
 *
 * A request table maps the program's identity of an in-flight request (the
 * iocb address for libaio, user_data for io_uring) to what its completion
 * needs: the trace-wide request id, the submission time, the buffer or the
 * iovecs (copied: the program may free its iovec array once the request is
 * submitted), the op.  Open addressing with linear probing and
 * backward-shift deletion; its memory comes from mmap at context/ring setup,
 * so the fast path never allocates.
 */
#ifndef IORR_RECORD_WRAP_ASYNC_H
#define IORR_RECORD_WRAP_ASYNC_H

#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "record/wrap_common.h"

/* iovecs kept per request; longer vectors: the bytes are not captured */
#define IORR_AREQ_IOV 8

struct iorr_areq {
	uint64_t key;		/* iocb address / user_data */
	uint64_t req;		/* trace-wide id; 0: empty slot */
	uint64_t t_submit;	/* CLOCK_MONOTONIC ns */
	uint64_t len;		/* bytes (contiguous buffer) */
	const void *buf;	/* contiguous buffer, or NULL: v[] */
	uint16_t op;		/* IORR_OP_* of the SUBMIT record */
	uint8_t nvec;		/* v[] entries used; 0xff: too many */
	uint8_t state;		/* IORR_AREQ_* */
	int32_t fd;		/* opened fd (openat), closed fd (close) */
	struct iovec v[IORR_AREQ_IOV];
};

enum {
	IORR_AREQ_PENDING = 1,	/* SUBMIT records not emitted yet */
	IORR_AREQ_LIVE,		/* SUBMIT record in the trace */
};

struct iorr_atab {
	struct iorr_areq *slot;
	uint32_t mask;		/* capacity - 1 (power of two) */
	uint32_t count;
	uint64_t bytes;		/* mapping size */
};

/* Field count of an op (the preload library links no op table). */
static inline unsigned iorr_op_nf(unsigned op)
{
	static const uint8_t nf[] = {
#define OP(name, kind, cls, fields) [IORR_OP_##name] = IORR_NF_##name,
#include "ops.def"
#undef OP
	};

	return op < sizeof(nf) ? nf[op] : 0;
}

/* ---- spinlock: the holders never block for long --------------------- */
static inline bool iorr_spin_trylock(_Atomic int *l)
{
	return atomic_exchange_explicit(l, 1, memory_order_acquire) == 0;
}

static inline void iorr_spin_lock(_Atomic int *l)
{
	unsigned spins = 0;

	while (atomic_exchange_explicit(l, 1, memory_order_acquire)) {
		while (atomic_load_explicit(l, memory_order_relaxed))
			if (++spins > 100)
				iorr_sys(SYS_sched_yield, 0, 0, 0);
	}
}

static inline void iorr_spin_unlock(_Atomic int *l)
{
	atomic_store_explicit(l, 0, memory_order_release);
}

/* ---- memory --------------------------------------------------------- */
static inline void *iorr_map(uint64_t bytes)
{
	long p = iorr_sys6(SYS_mmap, 0, (long)bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p < 0 && p > -4096 ? NULL : (void *)p;
}

static inline void iorr_unmap(void *p, uint64_t bytes)
{
	if (p)
		iorr_sys(SYS_munmap, p, bytes, 0);
}

/* A table for at least @n requests in flight.  @return 0 or -ENOMEM. */
static inline int iorr_atab_init(struct iorr_atab *t, uint64_t n)
{
	uint64_t cap = 64;

	while (cap < 2 * n && cap < (1u << 22))
		cap <<= 1;
	t->bytes = cap * sizeof(struct iorr_areq);
	t->slot = iorr_map(t->bytes);
	if (!t->slot)
		return -ENOMEM;
	t->mask = (uint32_t)cap - 1;
	t->count = 0;
	return 0;
}

static inline void iorr_atab_free(struct iorr_atab *t)
{
	iorr_unmap(t->slot, t->bytes);
	t->slot = NULL;
	t->count = 0;
}

static inline uint32_t iorr_atab_hash(const struct iorr_atab *t, uint64_t k)
{
	k ^= k >> 29;
	k *= 0xbf58476d1ce4e5b9ull;
	k ^= k >> 32;
	return (uint32_t)k & t->mask;
}

/*
 * Slot for a new request with @key (a duplicate key is a separate entry:
 * io_uring allows the same user_data on several requests).  @return NULL
 * when the table is full.
 */
static inline struct iorr_areq *iorr_atab_add(struct iorr_atab *t,
					      uint64_t key)
{
	uint32_t i;

	if (!t->slot || t->count >= t->mask)
		return NULL;
	for (i = iorr_atab_hash(t, key); t->slot[i].req; i = (i + 1) & t->mask)
		;
	t->count++;
	t->slot[i].key = key;
	return &t->slot[i];
}

/* The oldest (smallest request id) in-flight request with @key, or NULL. */
static inline struct iorr_areq *iorr_atab_find(struct iorr_atab *t,
					       uint64_t key)
{
	struct iorr_areq *best = NULL;

	if (!t->slot)
		return NULL;
	for (uint32_t i = iorr_atab_hash(t, key); t->slot[i].req;
	     i = (i + 1) & t->mask)
		if (t->slot[i].key == key &&
		    (!best || t->slot[i].req < best->req))
			best = &t->slot[i];
	return best;
}

/* Remove @e (a slot of @t), keeping every probe chain intact. */
static inline void iorr_atab_del(struct iorr_atab *t, struct iorr_areq *e)
{
	uint32_t i = (uint32_t)(e - t->slot), j = i;

	t->count--;
	for (;;) {
		j = (j + 1) & t->mask;
		if (!t->slot[j].req)
			break;
		uint32_t h = iorr_atab_hash(t, t->slot[j].key);

		/* can slot j move to the hole at i? (h cyclically in (i, j]) */
		if ((j > i && (h <= i || h > j)) ||
		    (j < i && h <= i && h > j)) {
			t->slot[i] = t->slot[j];
			i = j;
		}
	}
	t->slot[i].req = 0;
}

/*
 * Remember the buffer of a request: a contiguous @buf of @len bytes, or
 * @n iovecs at @iov (copied; NULL when it cannot be read).
 */
static inline void iorr_areq_iov(struct iorr_areq *e, const struct iovec *iov,
				 uint64_t n)
{
	e->buf = NULL;
	e->len = 0;
	if (!iov || n > IORR_AREQ_IOV) {
		e->nvec = 0xff;
		return;
	}
	e->nvec = (uint8_t)n;
	for (uint64_t i = 0; i < n; i++) {
		e->v[i] = iov[i];
		e->len += iov[i].iov_len;
	}
}

/*
 * Attach the bytes a completed request moved: @res bytes of its buffer,
 * as the payload (DATA field @df, writes) or for the hash (HASH field
 * @hf, reads).  Either field is -1 when the op has none.
 */
static inline void iorr_areq_bytes(struct iorr_ev *e, const struct iorr_areq *q,
				   bool write, int df, int hf, int64_t res)
{
	if (df >= 0)
		e->f[df] = 0;
	if (hf >= 0)
		e->f[hf] = 0;
	if (res <= 0 || iorr_g.data_mode == IORR_DATA_NONE || q->nvec == 0xff)
		return;
	if ((uint64_t)res > q->len)
		res = (int64_t)q->len;
	if (write && df >= 0) {
		if (q->buf)
			iorr_ev_var(e, IORR_VAR_DATA, (unsigned)df, q->buf,
				    (size_t)res);
		else
			iorr_ev_var_iov(e, IORR_VAR_DATA, (unsigned)df, q->v,
					q->nvec, (size_t)res);
	} else if (!write && hf >= 0) {
		if (q->buf)
			iorr_ev_var(e, IORR_VAR_READ, (unsigned)hf, q->buf,
				    (size_t)res);
		else
			iorr_ev_var_iov(e, IORR_VAR_READ, (unsigned)hf, q->v,
					q->nvec, (size_t)res);
	}
}

#endif /* IORR_RECORD_WRAP_ASYNC_H */
