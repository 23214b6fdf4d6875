/* SPDX-License-Identifier: MIT */
/*
 * Internals of the LD_PRELOAD recorder (libiorr-record.so), shared by its
 * wrapper files.  Nothing here is exported: the library's dynamic symbols
 * are exactly the wrapped names (libiorr-record.ver).
 *
 * Rules every wrapper follows:
 *  - call the real function through a pointer from iorr_real(), never a
 *    wrapped name (calls inside this library would bind to our own
 *    wrappers); internal I/O uses iorr_sys*() raw system calls;
 *  - take the start time, call, take the end time and save errno, emit,
 *    restore errno, return the real result unchanged;
 *  - no malloc, no locks, no syscalls on the fast path; never print, never
 *    exit; on an internal failure record nothing more (iorr_disable()).
 */
#ifndef IORR_RECORD_PRELOAD_H
#define IORR_RECORD_PRELOAD_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "iorr/ops.h"
#include "record/ring.h"

#define IORR_HIDDEN __attribute__((visibility("hidden")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Field counts per op, from src/ops.def. */
enum {
#define FLD(n, t, x) + 1
#define OP(name, kind, cls, fields) IORR_NF_##name = 0 fields,
#include "ops.def"
#undef OP
#undef FLD
};

/* ---- raw system calls (no errno, no wrappers): return -errno ---------- */
IORR_HIDDEN long iorr_sys6(long nr, long a, long b, long c, long d, long e,
			   long f);
#define iorr_sys(nr, a, b, c) iorr_sys6(nr, (long)(a), (long)(b), (long)(c), \
					0, 0, 0)
#define iorr_sys4(nr, a, b, c, d) iorr_sys6(nr, (long)(a), (long)(b), \
					    (long)(c), (long)(d), 0, 0)

/* ---- process-wide state ------------------------------------------------ */
struct iorr_state {
	struct iorr_shm *shm;	/* NULL: not recording */
	bool disabled;		/* internal failure: stop recording */
	bool sync_prims;	/* --sync=pthread */
	uint32_t data_mode;
	int pid;		/* getpid() of this process, updated on fork */
	int ppid;		/* the forking parent (fork child), else 0 */
	uint32_t max_payload;	/* bytes of payload per record before frags */
};
extern struct iorr_state iorr_g IORR_HIDDEN;

/* Per-thread state.  Initial-exec TLS: no allocation, no lock. */
#define IORR_NEST 4
struct iorr_tls {
	int tid;		/* 0: not known yet */
	int ptid;		/* creating thread (trampoline), or 0 */
	int guard;		/* > 0: inside the library, pass through */
	unsigned nest;		/* emits in progress (signal handlers) */
	int ring[IORR_NEST];	/* claimed ring index + 1, 0: none */
	uint64_t cached_tail[IORR_NEST];
	uint32_t frag;		/* last frag id used */
	bool keyed;		/* pthread key value set (thread_exit) */
	bool exiting;
	void *uring_peek;	/* io_uring ring this thread used (CQ peek) */
	uint64_t id_next, id_end;	/* block of request ids */
};
extern __thread struct iorr_tls iorr_t
	__attribute__((tls_model("initial-exec"))) IORR_HIDDEN;

/* Resolve the real @name (dlsym RTLD_NEXT), or NULL while bootstrapping. */
IORR_HIDDEN void *iorr_real(const char *name);

#define REAL(fn) \
	static __typeof__(fn) *real_##fn; \
	if (unlikely(!real_##fn)) \
		real_##fn = (__typeof__(fn) *)iorr_real(#fn)

IORR_HIDDEN bool iorr_on_slow(void);
IORR_HIDDEN bool iorr_on_peek(void);

/*
 * True when this call may be recorded (library on, not re-entered).  The
 * first call attaches the library if its constructor has not run yet.
 * In a thread that used an io_uring ring, every wrapped call first looks
 * at that ring's CQ (two loads when nothing is new): completions the
 * program consumes inline are seen as early as possible (wrap_uring.c).
 */
static inline bool iorr_on(void)
{
	if (likely(iorr_g.shm != NULL)) {
		if (unlikely(iorr_t.uring_peek != NULL))
			return iorr_on_peek();
		return !iorr_g.disabled && iorr_t.guard == 0;
	}
	return iorr_on_slow();
}

/* ---- timing and the call frame ---------------------------------------- */
static inline uint64_t iorr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One event being built. */
struct iorr_var {
	uint16_t tag, field;
	uint32_t len;			/* bytes */
	const void *p;			/* contiguous source, or */
	const struct iovec *iov;	/* gather from iov[0..iovcnt) */
	int iovcnt;
};

#define IORR_MAX_VARS 4
struct iorr_ev {
	uint16_t op;
	uint8_t nf, nv;
	uint64_t start, end;
	int64_t result;
	int err;		/* errno for the trace (0 unless failed) */
	int saved_errno;	/* errno as the call left it, restored */
	uint64_t f[IORR_MAX_FIELDS];
	struct iorr_var v[IORR_MAX_VARS];
};

static inline void iorr_ev_begin(struct iorr_ev *e, unsigned op, unsigned nf)
{
	e->op = (uint16_t)op;
	e->nf = (uint8_t)nf;
	e->nv = 0;
	e->err = 0;
	e->start = iorr_now();
}

/* Take the end time and the call's outcome; errno is saved in e->err. */
static inline void iorr_ev_end(struct iorr_ev *e, int64_t result)
{
	e->saved_errno = errno;
	e->err = result < 0 ? e->saved_errno : 0;
	e->end = iorr_now();
	e->result = result;
}

/* As iorr_ev_end() for calls that return an error number (posix_*). */
static inline void iorr_ev_end_errnum(struct iorr_ev *e, int ret)
{
	e->saved_errno = errno;
	e->end = iorr_now();
	e->result = ret;
	e->err = 0;
}

static inline void iorr_ev_var(struct iorr_ev *e, unsigned tag, unsigned field,
			       const void *p, size_t len)
{
	struct iorr_var *v = &e->v[e->nv++];

	v->tag = (uint16_t)tag;
	v->field = (uint16_t)field;
	v->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	v->p = p;
	v->iov = NULL;
	v->iovcnt = 0;
}

static inline void iorr_ev_var_iov(struct iorr_ev *e, unsigned tag,
				   unsigned field, const struct iovec *iov,
				   int iovcnt, size_t len)
{
	iorr_ev_var(e, tag, field, NULL, len);
	e->v[e->nv - 1].iov = iov;
	e->v[e->nv - 1].iovcnt = iovcnt;
}

/* Attach a path (absolute, from iorr_abspath) to PATH field @field. */
static inline void iorr_ev_path(struct iorr_ev *e, unsigned field,
				const char *abs)
{
	size_t n = 0;

	while (abs[n])
		n++;
	iorr_ev_var(e, IORR_VAR_PATH, field, abs, n);
}

/* Payload of a write: stored unless --data=none. */
static inline void iorr_ev_data(struct iorr_ev *e, unsigned field,
				const void *p, int64_t len)
{
	e->f[field] = 0;
	if (iorr_g.data_mode != IORR_DATA_NONE && len > 0)
		iorr_ev_var(e, IORR_VAR_DATA, field, p, (size_t)len);
}

/* Bytes returned by a read: hashed by the consumer unless --data=none. */
static inline void iorr_ev_read(struct iorr_ev *e, unsigned field,
				const void *p, int64_t len)
{
	e->f[field] = 0;
	if (iorr_g.data_mode != IORR_DATA_NONE && len > 0)
		iorr_ev_var(e, IORR_VAR_READ, field, p, (size_t)len);
}

static inline uint64_t iorr_buf16(const void *p)
{
	return (uint64_t)(uintptr_t)p & 0xffff;
}

/*
 * Append @e to this thread's ring (claiming one on first use), then set
 * errno back to e->saved_errno.  @return the seq given to the event, 0 if
 * it was not recorded.
 */
IORR_HIDDEN uint64_t iorr_emit(struct iorr_ev *e);

/* Append an unsequenced internal record (HELLO, SNAP, NOTE). */
IORR_HIDDEN void iorr_emit_internal(struct iorr_ev *e);

/* Emit a note (key, JSON value) for the trace. */
IORR_HIDDEN void iorr_note(const char *key, const char *json);

/* Stop recording in this process (internal failure). */
IORR_HIDDEN void iorr_disable(uint64_t reason);

/* Release this thread's rings (thread or process end, exec). */
IORR_HIDDEN void iorr_release_rings(void);

/* Get our kernel thread id (cached). */
IORR_HIDDEN int iorr_gettid(void);

/* ---- fds and paths ----------------------------------------------------- */
enum { IORR_FD_UNKNOWN, IORR_FD_TRACED, IORR_FD_IGNORED };

/*
 * @return true if @fd refers to a traced file.  An fd not seen before
 * (inherited, or opened before the library loaded) is resolved here once
 * through /proc/self/fd and announced with an fd_path event.
 */
IORR_HIDDEN bool iorr_fd_traced(int fd);

/* Set what is known about @fd (after open, dup, close). */
IORR_HIDDEN void iorr_fd_set(int fd, unsigned state);
IORR_HIDDEN unsigned iorr_fd_get(int fd);
IORR_HIDDEN void iorr_fd_forget_range(unsigned first, unsigned last);

#define IORR_PATH_BUF 4096
#define IORR_MAX_IOV_REC 1024u	/* iovec lengths kept per event */

/*
 * Make @path (relative to @dirfd, AT_FDCWD for the cwd) absolute and
 * lexically normal in @out (IORR_PATH_BUF bytes).  @return 0, or -errno
 * when it cannot be resolved (the call is then not recorded).
 */
IORR_HIDDEN int iorr_abspath(int dirfd, const char *path, char *out);

/* @return true if @abs is inside the traced prefixes. */
IORR_HIDDEN bool iorr_path_included(const char *abs);

/*
 * After a successful open of @abs as @fd: decide whether the fd is traced
 * (regular file, directory or block device inside the prefixes).
 */
IORR_HIDDEN bool iorr_fd_opened(int fd, const char *abs);

/*
 * First touch of @abs: claim it in the shared table and, when this
 * process is the first, record its initial state (copy of the content into
 * the snapshot directory).  Called before the call that may change it.
 */
IORR_HIDDEN void iorr_first_touch(const char *abs);

/* ---- libaio and io_uring (wrap_aio.c, wrap_uring.c) -------------------- */

/* A new trace-wide id (contexts, rings, requests): never 0. */
IORR_HIDDEN uint64_t iorr_new_id(void);

/* syscall(SYS_io_*, a[0..5]) from wrap_syscall.c; @return as syscall(). */
IORR_HIDDEN long iorr_aio_syscall(long nr, const long *a);
IORR_HIDDEN long iorr_uring_syscall(long nr, const long *a);

/* Rings set up by syscall(SYS_io_uring_setup) being tracked; close() of
 * such a ring's fd: stop tracking it (wrap_uring.c). */
extern _Atomic unsigned iorr_uring_raw_n IORR_HIDDEN;
IORR_HIDDEN void iorr_uring_closed(int fd);

/* Process exit: observe every ring one last time, count what is in
 * flight.  Fork child: forget the parent's rings for this thread. */
IORR_HIDDEN void iorr_async_exit(void);
IORR_HIDDEN void iorr_async_after_fork(void);

/* ---- lifecycle, shared between wrapper files -------------------------- */
IORR_HIDDEN void iorr_child_after_fork(int ptid);
IORR_HIDDEN void iorr_proc_exit(int status);
IORR_HIDDEN void iorr_mmap_flush_all(void);

/* Environment for a new image: envp with our variables added when the
 * program removed them.  @return envp itself or a new array. */
IORR_HIDDEN char *const *iorr_fix_env(char *const *envp);
IORR_HIDDEN void iorr_free_env(char *const *fixed, char *const *envp);

#endif /* IORR_RECORD_PRELOAD_H */
