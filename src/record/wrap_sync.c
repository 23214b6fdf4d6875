/* SPDX-License-Identifier: MIT */
/*
 * pthread synchronization (--sync=pthread): mutexes, rwlocks, condition
 * variables, semaphores and barriers order I/O between threads, so they
 * are happens-before edges for the replayer.  The object's address goes
 * into the ring; the consumer numbers objects per process (ID fields).
 *
 * Calls that return an error number (pthread_*) are recorded with that
 * number as result; sem_* with -1 and errno.
 */
#include "config.h"
#undef _FORTIFY_SOURCE

#include <pthread.h>
#include <semaphore.h>

#include "record/wrap_common.h"

static inline bool sync_on(void)
{
	return iorr_on() && iorr_g.sync_prims;
}

#define PRIM1(name, op, type)						\
	int name(type *obj)						\
	{								\
		REAL(name);						\
		struct iorr_ev e;					\
		int r;							\
									\
		if (unlikely(!real_##name))				\
			return 0;	/* bootstrap: single thread */	\
		if (!sync_on())						\
			return real_##name(obj);			\
		iorr_ev_begin(&e, IORR_OP_##op, IORR_NF_##op);		\
		r = real_##name(obj);					\
		iorr_ev_end_errnum(&e, r);				\
		e.f[0] = (uint64_t)(uintptr_t)obj;			\
		iorr_emit(&e);						\
		return r;						\
	}

PRIM1(pthread_mutex_lock, mutex_lock, pthread_mutex_t)
PRIM1(pthread_mutex_trylock, mutex_trylock, pthread_mutex_t)
PRIM1(pthread_mutex_unlock, mutex_unlock, pthread_mutex_t)
PRIM1(pthread_rwlock_rdlock, rwlock_rdlock, pthread_rwlock_t)
PRIM1(pthread_rwlock_wrlock, rwlock_wrlock, pthread_rwlock_t)
PRIM1(pthread_rwlock_unlock, rwlock_unlock, pthread_rwlock_t)
PRIM1(pthread_cond_signal, cond_signal, pthread_cond_t)
PRIM1(pthread_cond_broadcast, cond_broadcast, pthread_cond_t)
PRIM1(pthread_barrier_wait, barrier_wait, pthread_barrier_t)

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	REAL(pthread_cond_wait);
	struct iorr_ev e;
	int r;

	if (unlikely(!real_pthread_cond_wait))
		return 0;
	if (!sync_on())
		return real_pthread_cond_wait(c, m);
	iorr_ev_begin(&e, IORR_OP_cond_wait, IORR_NF_cond_wait);
	r = real_pthread_cond_wait(c, m);
	iorr_ev_end_errnum(&e, r);
	e.f[0] = (uint64_t)(uintptr_t)c;
	e.f[1] = (uint64_t)(uintptr_t)m;
	iorr_emit(&e);
	return r;
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
			   const struct timespec *ts)
{
	REAL(pthread_cond_timedwait);
	struct iorr_ev e;
	int r;

	if (unlikely(!real_pthread_cond_timedwait))
		return 0;
	if (!sync_on())
		return real_pthread_cond_timedwait(c, m, ts);
	iorr_ev_begin(&e, IORR_OP_cond_wait, IORR_NF_cond_wait);
	r = real_pthread_cond_timedwait(c, m, ts);
	iorr_ev_end_errnum(&e, r);
	e.f[0] = (uint64_t)(uintptr_t)c;
	e.f[1] = (uint64_t)(uintptr_t)m;
	iorr_emit(&e);
	return r;
}

#define SEM1(name, op)							\
	int name(sem_t *s)						\
	{								\
		REAL(name);						\
		struct iorr_ev e;					\
		int r;							\
									\
		if (unlikely(!real_##name))				\
			return 0;					\
		if (!sync_on())						\
			return real_##name(s);				\
		iorr_ev_begin(&e, IORR_OP_##op, IORR_NF_##op);		\
		r = real_##name(s);					\
		iorr_ev_end(&e, r);					\
		e.f[0] = (uint64_t)(uintptr_t)s;			\
		iorr_emit(&e);						\
		return r;						\
	}

SEM1(sem_wait, sem_wait)
SEM1(sem_trywait, sem_wait)
SEM1(sem_post, sem_post)

int sem_timedwait(sem_t *s, const struct timespec *ts)
{
	REAL(sem_timedwait);
	struct iorr_ev e;
	int r;

	if (unlikely(!real_sem_timedwait))
		return 0;
	if (!sync_on())
		return real_sem_timedwait(s, ts);
	iorr_ev_begin(&e, IORR_OP_sem_wait, IORR_NF_sem_wait);
	r = real_sem_timedwait(s, ts);
	iorr_ev_end(&e, r);
	e.f[0] = (uint64_t)(uintptr_t)s;
	iorr_emit(&e);
	return r;
}
