/* SPDX-License-Identifier: MIT */
/*
 * Wrappers of the POSIX file calls: open/close/dup, reads and writes,
 * seeking, durability and size, locks, ioctls that matter, namespace.
 *
 * Pattern of every wrapper: resolve the real function; pass through when
 * not recording or when the fd/path is not traced; otherwise time the real
 * call, fill the op's fields in src/ops.def order, emit, and return the
 * real result with errno as the real call left it.
 */
#include "config.h"
#undef _FORTIFY_SOURCE

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "record/wrap_common.h"

/* Fortified entry points (glibc bits/unistd.h, bits/fcntl2.h). */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off,
		      size_t buflen);

/* ------------------------------------------------------------------ */
/* open, creat                                                          */
/* ------------------------------------------------------------------ */

static mode_t open_mode(int flags, va_list ap)
{
	if ((flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE)
		return (mode_t)va_arg(ap, int);
	return 0;
}

/*
 * Common part of the open family.  @call performs the real open; op and
 * fields depend on the entry point (@op: open, openat or creat).
 */
struct open_args {
	int dirfd;
	const char *path;
	int flags;
	mode_t mode;
};

static void open_record(unsigned op, const struct open_args *a,
			struct iorr_patharg *pa, struct iorr_ev *e, int r)
{
	unsigned pf;

	if (r >= 0 && !iorr_fd_opened(r, pa->abs)) {
		/* a fifo, socket or tty: not traced */
		errno = e->saved_errno;
		return;
	}
	switch (op) {
	case IORR_OP_openat:
		e->f[0] = iorr_i64(a->dirfd);
		pf = 1;
		e->f[2] = (uint64_t)(unsigned)a->flags;
		e->f[3] = a->mode;
		break;
	case IORR_OP_creat:
		pf = 0;
		e->f[1] = a->mode;
		break;
	default:
		pf = 0;
		e->f[1] = (uint64_t)(unsigned)a->flags;
		e->f[2] = a->mode;
		break;
	}
	e->f[pf] = 0;
	iorr_ev_path(e, pf, pa->abs);
	iorr_emit(e);
}

/*
 * Before the real open: resolve the path and take the first-touch
 * snapshot (before O_TRUNC can destroy the content).  @return true if the
 * call is to be recorded.
 */
static bool open_pre(struct iorr_patharg *pa, const struct open_args *a)
{
	iorr_patharg(pa, a->dirfd, a->path);
	if (!pa->traced)
		return false;
	iorr_first_touch(pa->abs);
	return true;
}

#define OPEN_BODY(op, realcall, rawcall)				\
	do {								\
		struct iorr_patharg pa;					\
		struct iorr_ev e;					\
		int r;							\
									\
		if (unlikely(!real_fn))					\
			return (int)iorr_rawret(rawcall);		\
		if (!iorr_on())						\
			return realcall;				\
		if (!open_pre(&pa, &a)) {				\
			r = realcall;					\
			if (r >= 0)					\
				iorr_fd_set(r, IORR_FD_IGNORED);	\
			return r;					\
		}							\
		iorr_ev_begin(&e, op, op == IORR_OP_openat ?		\
			      IORR_NF_openat : op == IORR_OP_creat ?	\
			      IORR_NF_creat : IORR_NF_open);		\
		r = realcall;						\
		iorr_ev_end(&e, r);					\
		open_record(op, &a, &pa, &e, r);			\
		return r;						\
	} while (0)

#define RAW_OPENAT(a) \
	iorr_sys4(SYS_openat, (a).dirfd, (a).path, (a).flags, (a).mode)

int open(const char *path, int flags, ...)
{
	static __typeof__(open) *real_fn;
	struct open_args a = { AT_FDCWD, path, flags, 0 };
	va_list ap;

	va_start(ap, flags);
	a.mode = open_mode(flags, ap);
	va_end(ap);
	if (!real_fn)
		real_fn = iorr_real("open");
	OPEN_BODY(IORR_OP_open, real_fn(path, flags, a.mode), RAW_OPENAT(a));
}

int open64(const char *path, int flags, ...)
{
	static __typeof__(open64) *real_fn;
	struct open_args a = { AT_FDCWD, path, flags, 0 };
	va_list ap;

	va_start(ap, flags);
	a.mode = open_mode(flags, ap);
	va_end(ap);
	if (!real_fn)
		real_fn = iorr_real("open64");
	OPEN_BODY(IORR_OP_open, real_fn(path, flags, a.mode), RAW_OPENAT(a));
}

int __open_2(const char *path, int flags)
{
	static __typeof__(__open_2) *real_fn;
	struct open_args a = { AT_FDCWD, path, flags, 0 };

	if (!real_fn)
		real_fn = iorr_real("__open_2");
	OPEN_BODY(IORR_OP_open, real_fn(path, flags), RAW_OPENAT(a));
}

int __open64_2(const char *path, int flags)
{
	static __typeof__(__open64_2) *real_fn;
	struct open_args a = { AT_FDCWD, path, flags, 0 };

	if (!real_fn)
		real_fn = iorr_real("__open64_2");
	OPEN_BODY(IORR_OP_open, real_fn(path, flags), RAW_OPENAT(a));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	static __typeof__(openat) *real_fn;
	struct open_args a = { dirfd, path, flags, 0 };
	va_list ap;

	va_start(ap, flags);
	a.mode = open_mode(flags, ap);
	va_end(ap);
	if (!real_fn)
		real_fn = iorr_real("openat");
	OPEN_BODY(IORR_OP_openat, real_fn(dirfd, path, flags, a.mode),
		  RAW_OPENAT(a));
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	static __typeof__(openat64) *real_fn;
	struct open_args a = { dirfd, path, flags, 0 };
	va_list ap;

	va_start(ap, flags);
	a.mode = open_mode(flags, ap);
	va_end(ap);
	if (!real_fn)
		real_fn = iorr_real("openat64");
	OPEN_BODY(IORR_OP_openat, real_fn(dirfd, path, flags, a.mode),
		  RAW_OPENAT(a));
}

int __openat_2(int dirfd, const char *path, int flags)
{
	static __typeof__(__openat_2) *real_fn;
	struct open_args a = { dirfd, path, flags, 0 };

	if (!real_fn)
		real_fn = iorr_real("__openat_2");
	OPEN_BODY(IORR_OP_openat, real_fn(dirfd, path, flags), RAW_OPENAT(a));
}

int __openat64_2(int dirfd, const char *path, int flags)
{
	static __typeof__(__openat64_2) *real_fn;
	struct open_args a = { dirfd, path, flags, 0 };

	if (!real_fn)
		real_fn = iorr_real("__openat64_2");
	OPEN_BODY(IORR_OP_openat, real_fn(dirfd, path, flags), RAW_OPENAT(a));
}

int creat(const char *path, mode_t mode)
{
	static __typeof__(creat) *real_fn;
	struct open_args a = { AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC,
			       mode };

	if (!real_fn)
		real_fn = iorr_real("creat");
	OPEN_BODY(IORR_OP_creat, real_fn(path, mode), RAW_OPENAT(a));
}

int creat64(const char *path, mode_t mode)
{
	static __typeof__(creat64) *real_fn;
	struct open_args a = { AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC,
			       mode };

	if (!real_fn)
		real_fn = iorr_real("creat64");
	OPEN_BODY(IORR_OP_creat, real_fn(path, mode), RAW_OPENAT(a));
}

/* openat2 has no glibc wrapper: reached through syscall() only. */
long iorr_openat2(int dirfd, const char *path, const void *how, size_t size)
	IORR_HIDDEN;
long iorr_openat2(int dirfd, const char *path, const void *how, size_t size)
{
	const uint64_t *h = how;	/* struct open_how: flags, mode, resolve */
	struct iorr_patharg pa;
	struct iorr_ev e;
	long r;

	if (!iorr_on() || !how || size < 24 ||
	    !(iorr_patharg(&pa, dirfd, path), pa.traced)) {
		r = iorr_rawret(iorr_sys4(SYS_openat2, dirfd, path, how,
					  size));
		if (r >= 0 && iorr_g.shm)
			iorr_fd_set((int)r, IORR_FD_IGNORED);
		return r;
	}
	iorr_first_touch(pa.abs);
	iorr_ev_begin(&e, IORR_OP_openat2, IORR_NF_openat2);
	r = iorr_rawret(iorr_sys4(SYS_openat2, dirfd, path, how, size));
	iorr_ev_end(&e, r);
	if (r >= 0 && !iorr_fd_opened((int)r, pa.abs)) {
		errno = e.saved_errno;
		return r;
	}
	e.f[0] = iorr_i64(dirfd);
	e.f[1] = 0;
	e.f[2] = h[0];
	e.f[3] = h[1];
	e.f[4] = h[2];
	iorr_ev_path(&e, 1, pa.abs);
	iorr_emit(&e);
	return r;
}

/* ------------------------------------------------------------------ */
/* close, dup, fcntl                                                    */
/* ------------------------------------------------------------------ */

int close(int fd)
{
	REAL(close);
	struct iorr_ev e;
	int r;

	if (unlikely(!real_close))
		return (int)iorr_rawret(iorr_sys(SYS_close, fd, 0, 0));
	if (!iorr_on())
		return real_close(fd);
	if (iorr_fd_get(fd) != IORR_FD_TRACED) {
		if (unlikely(atomic_load_explicit(&iorr_uring_raw_n,
						  memory_order_relaxed)))
			iorr_uring_closed(fd);
		r = real_close(fd);
		iorr_fd_set(fd, IORR_FD_UNKNOWN);
		return r;
	}
	iorr_ev_begin(&e, IORR_OP_close, IORR_NF_close);
	r = real_close(fd);
	iorr_ev_end(&e, r);
	iorr_fd_set(fd, IORR_FD_UNKNOWN);
	e.f[0] = iorr_i64(fd);
	iorr_emit(&e);
	return r;
}

static void close_range_record(unsigned first, unsigned last, int flags,
			       struct iorr_ev *e, int r)
{
	if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
		iorr_fd_forget_range(first, last);
	e->f[0] = first;
	e->f[1] = last;
	e->f[2] = (unsigned)flags;
	iorr_emit(e);
}

int close_range(unsigned first, unsigned last, int flags)
{
	REAL(close_range);
	struct iorr_ev e;
	int r;

	if (unlikely(!real_close_range))
		return (int)iorr_rawret(iorr_sys(SYS_close_range, first, last,
						 flags));
	if (!iorr_on())
		return real_close_range(first, last, flags);
	iorr_ev_begin(&e, IORR_OP_close_range, IORR_NF_close_range);
	r = real_close_range(first, last, flags);
	iorr_ev_end(&e, r);
	close_range_record(first, last, flags, &e, r);
	return r;
}

void closefrom(int lowfd)
{
	REAL(closefrom);
	struct iorr_ev e;

	if (unlikely(!real_closefrom)) {
		iorr_sys(SYS_close_range, lowfd, ~0u, 0);
		return;
	}
	if (!iorr_on() || lowfd < 0) {
		real_closefrom(lowfd);
		return;
	}
	iorr_ev_begin(&e, IORR_OP_close_range, IORR_NF_close_range);
	real_closefrom(lowfd);
	iorr_ev_end(&e, 0);
	close_range_record((unsigned)lowfd, ~0u, 0, &e, 0);
}

/* After a dup of @oldfd to @newfd (r): copy what is known, record. */
static void dup_record(struct iorr_ev *e, int oldfd, int newfd_before,
		       unsigned oldstate, int r)
{
	bool traced = oldstate == IORR_FD_TRACED;

	if (newfd_before >= 0 && iorr_fd_get(newfd_before) == IORR_FD_TRACED)
		traced = true;
	if (r >= 0)
		iorr_fd_set(r, oldstate);
	if (!traced) {
		errno = e->saved_errno;
		return;
	}
	e->f[0] = iorr_i64(oldfd);
	iorr_emit(e);
}

int dup(int oldfd)
{
	REAL(dup);
	struct iorr_ev e;
	unsigned st;
	int r;

	if (unlikely(!real_dup))
		return (int)iorr_rawret(iorr_sys(SYS_dup, oldfd, 0, 0));
	if (!iorr_on())
		return real_dup(oldfd);
	st = iorr_fd_traced(oldfd) ? IORR_FD_TRACED : iorr_fd_get(oldfd);
	iorr_ev_begin(&e, IORR_OP_dup, IORR_NF_dup);
	r = real_dup(oldfd);
	iorr_ev_end(&e, r);
	dup_record(&e, oldfd, -1, st, r);
	return r;
}

int dup2(int oldfd, int newfd)
{
	REAL(dup2);
	struct iorr_ev e;
	unsigned st;
	bool was;
	int r;

	if (unlikely(!real_dup2))
		return (int)iorr_rawret(iorr_sys(SYS_dup3, oldfd, newfd, 0));
	if (!iorr_on())
		return real_dup2(oldfd, newfd);
	st = iorr_fd_traced(oldfd) ? IORR_FD_TRACED : iorr_fd_get(oldfd);
	was = oldfd != newfd && iorr_fd_get(newfd) == IORR_FD_TRACED;
	iorr_ev_begin(&e, IORR_OP_dup2, IORR_NF_dup2);
	r = real_dup2(oldfd, newfd);
	iorr_ev_end(&e, r);
	e.f[1] = iorr_i64(newfd);
	if (r >= 0 && oldfd != newfd)
		iorr_fd_set(newfd, st);
	if (st != IORR_FD_TRACED && !was) {
		errno = e.saved_errno;
		return r;
	}
	e.f[0] = iorr_i64(oldfd);
	iorr_emit(&e);
	return r;
}

int dup3(int oldfd, int newfd, int flags)
{
	REAL(dup3);
	struct iorr_ev e;
	unsigned st;
	bool was;
	int r;

	if (unlikely(!real_dup3))
		return (int)iorr_rawret(iorr_sys(SYS_dup3, oldfd, newfd,
						 flags));
	if (!iorr_on())
		return real_dup3(oldfd, newfd, flags);
	st = iorr_fd_traced(oldfd) ? IORR_FD_TRACED : iorr_fd_get(oldfd);
	was = iorr_fd_get(newfd) == IORR_FD_TRACED;
	iorr_ev_begin(&e, IORR_OP_dup3, IORR_NF_dup3);
	r = real_dup3(oldfd, newfd, flags);
	iorr_ev_end(&e, r);
	e.f[1] = iorr_i64(newfd);
	e.f[2] = (unsigned)flags;
	if (r >= 0)
		iorr_fd_set(newfd, st);
	if (st != IORR_FD_TRACED && !was) {
		errno = e.saved_errno;
		return r;
	}
	e.f[0] = iorr_i64(oldfd);
	iorr_emit(&e);
	return r;
}

static bool is_lock_cmd(int cmd)
{
	switch (cmd) {
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return true;
	}
	return false;
}

static int fcntl_common(int (*real)(int, int, ...), int fd, int cmd,
			void *arg)
{
	struct iorr_ev e;
	unsigned st;
	int r;

	if (!iorr_on() || !iorr_fd_traced(fd)) {
		r = real(fd, cmd, arg);
		if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) &&
		    iorr_g.shm)
			iorr_fd_set(r, iorr_fd_get(fd));
		return r;
	}
	if (is_lock_cmd(cmd)) {
		const struct flock *fl = arg;

		iorr_ev_begin(&e, IORR_OP_fcntl_lock, IORR_NF_fcntl_lock);
		r = real(fd, cmd, arg);
		iorr_ev_end(&e, r);
		e.f[0] = iorr_i64(fd);
		e.f[1] = (unsigned)cmd;
		e.f[2] = fl ? (uint64_t)fl->l_type : 0;
		e.f[3] = fl ? (uint64_t)fl->l_whence : 0;
		e.f[4] = fl ? iorr_i64(fl->l_start) : 0;
		e.f[5] = fl ? iorr_i64(fl->l_len) : 0;
		iorr_emit(&e);
		return r;
	}
	st = iorr_fd_get(fd);
	iorr_ev_begin(&e, IORR_OP_fcntl, IORR_NF_fcntl);
	r = real(fd, cmd, arg);
	iorr_ev_end(&e, r);
	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		iorr_fd_set(r, st);
	e.f[0] = iorr_i64(fd);
	e.f[1] = (unsigned)cmd;
	e.f[2] = iorr_i64((int64_t)(intptr_t)arg);
	iorr_emit(&e);
	return r;
}

int fcntl(int fd, int cmd, ...)
{
	REAL(fcntl);
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (unlikely(!real_fcntl))
		return (int)iorr_rawret(iorr_sys(SYS_fcntl, fd, cmd, arg));
	return fcntl_common(real_fcntl, fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	REAL(fcntl64);
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (unlikely(!real_fcntl64))
		return (int)iorr_rawret(iorr_sys(SYS_fcntl, fd, cmd, arg));
	return fcntl_common(real_fcntl64, fd, cmd, arg);
}

int flock(int fd, int op)
{
	REAL(flock);
	struct iorr_ev e;
	int r;

	if (unlikely(!real_flock))
		return (int)iorr_rawret(iorr_sys(SYS_flock, fd, op, 0));
	if (!iorr_on() || !iorr_fd_traced(fd))
		return real_flock(fd, op);
	iorr_ev_begin(&e, IORR_OP_flock, IORR_NF_flock);
	r = real_flock(fd, op);
	iorr_ev_end(&e, r);
	e.f[0] = iorr_i64(fd);
	e.f[1] = (unsigned)op;
	iorr_emit(&e);
	return r;
}

#define LOCKF_BODY(name)						\
	do {								\
		struct iorr_ev e;					\
		int r;							\
									\
		if (unlikely(!real_##name)) {				\
			errno = ENOSYS;					\
			return -1;					\
		}							\
		if (!iorr_on() || !iorr_fd_traced(fd))			\
			return real_##name(fd, cmd, len);		\
		iorr_ev_begin(&e, IORR_OP_lockf, IORR_NF_lockf);	\
		r = real_##name(fd, cmd, len);				\
		iorr_ev_end(&e, r);					\
		e.f[0] = iorr_i64(fd);					\
		e.f[1] = (unsigned)cmd;					\
		e.f[2] = iorr_i64(len);					\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

int lockf(int fd, int cmd, off_t len)
{
	REAL(lockf);
	LOCKF_BODY(lockf);
}

int lockf64(int fd, int cmd, off64_t len)
{
	REAL(lockf64);
	LOCKF_BODY(lockf64);
}

/* ------------------------------------------------------------------ */
/* Reads and writes                                                     */
/* ------------------------------------------------------------------ */

static void read_fields(struct iorr_ev *e, int fd, size_t n, const void *buf,
			ssize_t r)
{
	e->f[0] = iorr_i64(fd);
	e->f[1] = n;
	e->f[2] = iorr_buf16(buf);
	iorr_ev_read(e, 3, buf, r);
}

ssize_t read(int fd, void *buf, size_t n)
{
	REAL(read);
	struct iorr_ev e;
	ssize_t r;

	if (unlikely(!real_read))
		return iorr_rawret(iorr_sys(SYS_read, fd, buf, n));
	if (!iorr_on() || !iorr_fd_traced(fd))
		return real_read(fd, buf, n);
	iorr_ev_begin(&e, IORR_OP_read, IORR_NF_read);
	r = real_read(fd, buf, n);
	iorr_ev_end(&e, r);
	read_fields(&e, fd, n, buf, r);
	iorr_emit(&e);
	return r;
}

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	REAL(__read_chk);
	struct iorr_ev e;
	ssize_t r;

	if (unlikely(!real___read_chk))
		return iorr_rawret(iorr_sys(SYS_read, fd, buf, n));
	if (!iorr_on() || !iorr_fd_traced(fd))
		return real___read_chk(fd, buf, n, buflen);
	iorr_ev_begin(&e, IORR_OP_read, IORR_NF_read);
	r = real___read_chk(fd, buf, n, buflen);
	iorr_ev_end(&e, r);
	read_fields(&e, fd, n, buf, r);
	iorr_emit(&e);
	return r;
}

static void pread_fields(struct iorr_ev *e, int fd, size_t n, off64_t off,
			 const void *buf, ssize_t r)
{
	e->f[0] = iorr_i64(fd);
	e->f[1] = n;
	e->f[2] = iorr_i64(off);
	e->f[3] = iorr_buf16(buf);
	iorr_ev_read(e, 4, buf, r);
}

#define PREAD_BODY(realcall)						\
	do {								\
		struct iorr_ev e;					\
		ssize_t r;						\
									\
		if (unlikely(!real_fn))					\
			return iorr_rawret(iorr_sys4(SYS_pread64, fd,	\
						     buf, n, off));	\
		if (!iorr_on() || !iorr_fd_traced(fd))			\
			return realcall;				\
		iorr_ev_begin(&e, IORR_OP_pread, IORR_NF_pread);	\
		r = realcall;						\
		iorr_ev_end(&e, r);					\
		pread_fields(&e, fd, n, off, buf, r);			\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	static __typeof__(pread) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("pread");
	PREAD_BODY(real_fn(fd, buf, n, off));
}

ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	static __typeof__(pread64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("pread64");
	PREAD_BODY(real_fn(fd, buf, n, off));
}

ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	static __typeof__(__pread_chk) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("__pread_chk");
	PREAD_BODY(real_fn(fd, buf, n, off, buflen));
}

ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off,
		      size_t buflen)
{
	static __typeof__(__pread64_chk) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("__pread64_chk");
	PREAD_BODY(real_fn(fd, buf, n, off, buflen));
}

ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(write);
	struct iorr_ev e;
	ssize_t r;

	if (unlikely(!real_write))
		return iorr_rawret(iorr_sys(SYS_write, fd, buf, n));
	if (!iorr_on() || !iorr_fd_traced(fd))
		return real_write(fd, buf, n);
	iorr_ev_begin(&e, IORR_OP_write, IORR_NF_write);
	r = real_write(fd, buf, n);
	iorr_ev_end(&e, r);
	e.f[0] = iorr_i64(fd);
	e.f[1] = n;
	e.f[2] = iorr_buf16(buf);
	iorr_ev_data(&e, 3, buf, r);
	iorr_emit(&e);
	return r;
}

#define PWRITE_BODY(realcall)						\
	do {								\
		struct iorr_ev e;					\
		ssize_t r;						\
									\
		if (unlikely(!real_fn))					\
			return iorr_rawret(iorr_sys4(SYS_pwrite64, fd,	\
						     buf, n, off));	\
		if (!iorr_on() || !iorr_fd_traced(fd))			\
			return realcall;				\
		iorr_ev_begin(&e, IORR_OP_pwrite, IORR_NF_pwrite);	\
		r = realcall;						\
		iorr_ev_end(&e, r);					\
		e.f[0] = iorr_i64(fd);					\
		e.f[1] = n;						\
		e.f[2] = iorr_i64(off);					\
		e.f[3] = iorr_buf16(buf);				\
		iorr_ev_data(&e, 4, buf, r);				\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static __typeof__(pwrite) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("pwrite");
	PWRITE_BODY(real_fn(fd, buf, n, off));
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	static __typeof__(pwrite64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("pwrite64");
	PWRITE_BODY(real_fn(fd, buf, n, off));
}

/*
 * The vector calls.  @op's fields: fd, iov, [off], [flags], buf, hash|data.
 * @off < -1 means the op has no off field.
 */
static void vec_record(struct iorr_ev *e, int fd, const struct iovec *iov,
		       int cnt, int64_t off, bool has_off, int flags,
		       bool has_flags, bool is_read, ssize_t r)
{
	uint64_t lens[IORR_MAX_IOV_REC];
	unsigned k = 2;

	e->f[0] = iorr_i64(fd);
	iorr_ev_iov(e, 1, iov, cnt, lens);
	if (has_off)
		e->f[k++] = iorr_i64(off);
	if (has_flags)
		e->f[k++] = (unsigned)flags;
	e->f[k++] = cnt > 0 ? iorr_buf16(iov[0].iov_base) : 0;
	e->f[k] = 0;
	if (iorr_g.data_mode != IORR_DATA_NONE && r > 0)
		iorr_ev_var_iov(e, is_read ? IORR_VAR_READ : IORR_VAR_DATA, k,
				iov, cnt, (size_t)r);
	iorr_emit(e);
}

#define VEC_BODY(op, nf, realcall, rawcall, has_off, has_flags, is_read) \
	do {								\
		struct iorr_ev e;					\
		ssize_t r;						\
									\
		if (unlikely(!real_fn))					\
			return iorr_rawret(rawcall);			\
		if (!iorr_on() || !iorr_fd_traced(fd))			\
			return realcall;				\
		iorr_ev_begin(&e, op, nf);				\
		r = realcall;						\
		iorr_ev_end(&e, r);					\
		vec_record(&e, fd, iov, cnt, OFFV, has_off, FLAGSV,	\
			   has_flags, is_read, r);			\
		return r;						\
	} while (0)

#define OFFV 0
#define FLAGSV 0
ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	static __typeof__(readv) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("readv");
	VEC_BODY(IORR_OP_readv, IORR_NF_readv, real_fn(fd, iov, cnt),
		 iorr_sys(SYS_readv, fd, iov, cnt), false, false, true);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	static __typeof__(writev) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("writev");
	VEC_BODY(IORR_OP_writev, IORR_NF_writev, real_fn(fd, iov, cnt),
		 iorr_sys(SYS_writev, fd, iov, cnt), false, false, false);
}
#undef OFFV
#define OFFV off

ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	static __typeof__(preadv) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("preadv");
	VEC_BODY(IORR_OP_preadv, IORR_NF_preadv, real_fn(fd, iov, cnt, off),
		 iorr_sys4(SYS_preadv, fd, iov, cnt, off), true, false, true);
}

ssize_t preadv64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
	static __typeof__(preadv64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("preadv64");
	VEC_BODY(IORR_OP_preadv, IORR_NF_preadv, real_fn(fd, iov, cnt, off),
		 iorr_sys4(SYS_preadv, fd, iov, cnt, off), true, false, true);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	static __typeof__(pwritev) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("pwritev");
	VEC_BODY(IORR_OP_pwritev, IORR_NF_pwritev, real_fn(fd, iov, cnt, off),
		 iorr_sys4(SYS_pwritev, fd, iov, cnt, off), true, false,
		 false);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
	static __typeof__(pwritev64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("pwritev64");
	VEC_BODY(IORR_OP_pwritev, IORR_NF_pwritev, real_fn(fd, iov, cnt, off),
		 iorr_sys4(SYS_pwritev, fd, iov, cnt, off), true, false,
		 false);
}
#undef FLAGSV
#define FLAGSV flags

ssize_t preadv2(int fd, const struct iovec *iov, int cnt, off_t off,
		int flags)
{
	static __typeof__(preadv2) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("preadv2");
	VEC_BODY(IORR_OP_preadv2, IORR_NF_preadv2,
		 real_fn(fd, iov, cnt, off, flags),
		 iorr_sys6(SYS_preadv2, fd, (long)iov, cnt, off, 0, flags),
		 true, true, true);
}

ssize_t preadv64v2(int fd, const struct iovec *iov, int cnt, off64_t off,
		   int flags)
{
	static __typeof__(preadv64v2) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("preadv64v2");
	VEC_BODY(IORR_OP_preadv2, IORR_NF_preadv2,
		 real_fn(fd, iov, cnt, off, flags),
		 iorr_sys6(SYS_preadv2, fd, (long)iov, cnt, off, 0, flags),
		 true, true, true);
}

ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off,
		 int flags)
{
	static __typeof__(pwritev2) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("pwritev2");
	VEC_BODY(IORR_OP_pwritev2, IORR_NF_pwritev2,
		 real_fn(fd, iov, cnt, off, flags),
		 iorr_sys6(SYS_pwritev2, fd, (long)iov, cnt, off, 0, flags),
		 true, true, false);
}

ssize_t pwritev64v2(int fd, const struct iovec *iov, int cnt, off64_t off,
		    int flags)
{
	static __typeof__(pwritev64v2) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("pwritev64v2");
	VEC_BODY(IORR_OP_pwritev2, IORR_NF_pwritev2,
		 real_fn(fd, iov, cnt, off, flags),
		 iorr_sys6(SYS_pwritev2, fd, (long)iov, cnt, off, 0, flags),
		 true, true, false);
}
#undef OFFV
#undef FLAGSV

#define LSEEK_BODY()							\
	do {								\
		struct iorr_ev e;					\
									\
		if (unlikely(!real_fn))					\
			return iorr_rawret(iorr_sys(SYS_lseek, fd, off,	\
						    whence));		\
		if (!iorr_on() || !iorr_fd_traced(fd))			\
			return real_fn(fd, off, whence);		\
		iorr_ev_begin(&e, IORR_OP_lseek, IORR_NF_lseek);	\
		r = real_fn(fd, off, whence);				\
		iorr_ev_end(&e, r);					\
		e.f[0] = iorr_i64(fd);					\
		e.f[1] = iorr_i64(off);					\
		e.f[2] = (unsigned)whence;				\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

off_t lseek(int fd, off_t off, int whence)
{
	static __typeof__(lseek) *real_fn;
	off_t r;

	if (!real_fn)
		real_fn = iorr_real("lseek");
	LSEEK_BODY();
}

off64_t lseek64(int fd, off64_t off, int whence)
{
	static __typeof__(lseek64) *real_fn;
	off64_t r;

	if (!real_fn)
		real_fn = iorr_real("lseek64");
	LSEEK_BODY();
}

ssize_t copy_file_range(int fd_in, off64_t *off_in, int fd_out,
			off64_t *off_out, size_t len, unsigned flags)
{
	REAL(copy_file_range);
	struct iorr_ev e;
	int64_t oi, oo;
	ssize_t r;

	if (unlikely(!real_copy_file_range))
		return iorr_rawret(iorr_sys6(SYS_copy_file_range, fd_in,
					     (long)off_in, fd_out,
					     (long)off_out, (long)len, flags));
	if (!iorr_on() ||
	    (!iorr_fd_traced(fd_in) && !iorr_fd_traced(fd_out)))
		return real_copy_file_range(fd_in, off_in, fd_out, off_out,
					    len, flags);
	oi = off_in ? *off_in : -1;
	oo = off_out ? *off_out : -1;
	iorr_ev_begin(&e, IORR_OP_copy_file_range, IORR_NF_copy_file_range);
	r = real_copy_file_range(fd_in, off_in, fd_out, off_out, len, flags);
	iorr_ev_end(&e, r);
	e.f[0] = iorr_i64(fd_in);
	e.f[1] = iorr_i64(oi);
	e.f[2] = iorr_i64(fd_out);
	e.f[3] = iorr_i64(oo);
	e.f[4] = len;
	e.f[5] = flags;
	iorr_emit(&e);
	return r;
}

/*
 * The bytes a splice moved from an untraced pipe into traced file @fd (at
 * @off, or ending at the position now when @off is -1), read back from the
 * file into a scratch mapping (*@mem, @*bytes: unmap after the emit) and
 * attached as the payload.  A concurrent writer of the same range could
 * change them first: the recording says what the file held right after.
 */
static void splice_payload(struct iorr_ev *e, unsigned field, int fd,
			   int64_t off, ssize_t n, void **mem, size_t *bytes)
{
	long p, k;

	*mem = NULL;
	if (n <= 0 || iorr_g.data_mode == IORR_DATA_NONE)
		return;
	if (off < 0) {
		k = iorr_sys(SYS_lseek, fd, 0, SEEK_CUR);
		if (k < n)
			return;
		off = k - n;
	}
	*bytes = ((size_t)n + 4095) & ~(size_t)4095;
	p = iorr_sys6(SYS_mmap, 0, (long)*bytes, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p < 0 && p > -4096)
		return;
	*mem = (void *)p;
	k = iorr_sys4(SYS_pread64, fd, p, n, off);
	if (k > 0)
		iorr_ev_data(e, field, *mem, k);
}

ssize_t splice(int fd_in, off64_t *off_in, int fd_out, off64_t *off_out,
	       size_t len, unsigned flags)
{
	void *mem = NULL;
	size_t bytes = 0;
	REAL(splice);
	struct iorr_ev e;
	int64_t oi, oo;
	ssize_t r;

	if (unlikely(!real_splice))
		return iorr_rawret(iorr_sys6(SYS_splice, fd_in, (long)off_in,
					     fd_out, (long)off_out, (long)len,
					     flags));
	if (!iorr_on() ||
	    (!iorr_fd_traced(fd_in) && !iorr_fd_traced(fd_out)))
		return real_splice(fd_in, off_in, fd_out, off_out, len, flags);
	oi = off_in ? *off_in : -1;
	oo = off_out ? *off_out : -1;
	iorr_ev_begin(&e, IORR_OP_splice, IORR_NF_splice);
	r = real_splice(fd_in, off_in, fd_out, off_out, len, flags);
	iorr_ev_end(&e, r);
	e.f[0] = iorr_i64(fd_in);
	e.f[1] = iorr_i64(oi);
	e.f[2] = iorr_i64(fd_out);
	e.f[3] = iorr_i64(oo);
	e.f[4] = len;
	e.f[5] = flags;
	e.f[6] = 0;
	if (iorr_fd_traced(fd_out) && !iorr_fd_traced(fd_in))
		splice_payload(&e, 6, fd_out, oo, r, &mem, &bytes);
	iorr_emit(&e);
	if (mem)
		iorr_sys(SYS_munmap, mem, bytes, 0);
	return r;
}

#define SENDFILE_BODY()							\
	do {								\
		struct iorr_ev e;					\
		int64_t o;						\
		ssize_t r;						\
									\
		if (unlikely(!real_fn))					\
			return iorr_rawret(iorr_sys4(SYS_sendfile,	\
						     out_fd, in_fd,	\
						     off, n));		\
		if (!iorr_on() || (!iorr_fd_traced(in_fd) &&		\
				   !iorr_fd_traced(out_fd)))		\
			return real_fn(out_fd, in_fd, off, n);		\
		o = off ? *off : -1;					\
		iorr_ev_begin(&e, IORR_OP_sendfile, IORR_NF_sendfile);	\
		r = real_fn(out_fd, in_fd, off, n);			\
		iorr_ev_end(&e, r);					\
		e.f[0] = iorr_i64(out_fd);				\
		e.f[1] = iorr_i64(in_fd);				\
		e.f[2] = iorr_i64(o);					\
		e.f[3] = n;						\
		e.f[4] = 0;						\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

ssize_t sendfile(int out_fd, int in_fd, off_t *off, size_t n)
{
	static __typeof__(sendfile) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("sendfile");
	SENDFILE_BODY();
}

ssize_t sendfile64(int out_fd, int in_fd, off64_t *off, size_t n)
{
	static __typeof__(sendfile64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("sendfile64");
	SENDFILE_BODY();
}

/* ------------------------------------------------------------------ */
/* Durability and size                                                  */
/* ------------------------------------------------------------------ */

#define FD_ONLY(name, sysnr)						\
	int name(int fd)						\
	{								\
		REAL(name);						\
		struct iorr_ev e;					\
		int r;							\
									\
		if (unlikely(!real_##name))				\
			return (int)iorr_rawret(iorr_sys(sysnr, fd, 0,	\
							 0));		\
		if (!iorr_on() || !iorr_fd_traced(fd))			\
			return real_##name(fd);				\
		iorr_ev_begin(&e, IORR_OP_##name, IORR_NF_##name);	\
		r = real_##name(fd);					\
		iorr_ev_end(&e, r);					\
		e.f[0] = iorr_i64(fd);					\
		iorr_emit(&e);						\
		return r;						\
	}

FD_ONLY(fsync, SYS_fsync)
FD_ONLY(fdatasync, SYS_fdatasync)
FD_ONLY(syncfs, SYS_syncfs)

void sync(void)
{
	REAL(sync);
	struct iorr_ev e;

	if (unlikely(!real_sync)) {
		iorr_sys(SYS_sync, 0, 0, 0);
		return;
	}
	if (!iorr_on()) {
		real_sync();
		return;
	}
	iorr_ev_begin(&e, IORR_OP_sync, IORR_NF_sync);
	real_sync();
	iorr_ev_end(&e, 0);
	iorr_emit(&e);
}

int sync_file_range(int fd, off64_t off, off64_t len, unsigned flags)
{
	REAL(sync_file_range);
	struct iorr_ev e;
	int r;

	if (unlikely(!real_sync_file_range))
		return (int)iorr_rawret(iorr_sys4(SYS_sync_file_range, fd, off,
						  len, flags));
	if (!iorr_on() || !iorr_fd_traced(fd))
		return real_sync_file_range(fd, off, len, flags);
	iorr_ev_begin(&e, IORR_OP_sync_file_range, IORR_NF_sync_file_range);
	r = real_sync_file_range(fd, off, len, flags);
	iorr_ev_end(&e, r);
	e.f[0] = iorr_i64(fd);
	e.f[1] = iorr_i64(off);
	e.f[2] = iorr_i64(len);
	e.f[3] = flags;
	iorr_emit(&e);
	return r;
}

#define FTRUNCATE_BODY()						\
	do {								\
		struct iorr_ev e;					\
		int r;							\
									\
		if (unlikely(!real_fn))					\
			return (int)iorr_rawret(iorr_sys(SYS_ftruncate,	\
							 fd, len, 0));	\
		if (!iorr_on() || !iorr_fd_traced(fd))			\
			return real_fn(fd, len);			\
		iorr_ev_begin(&e, IORR_OP_ftruncate, IORR_NF_ftruncate); \
		r = real_fn(fd, len);					\
		iorr_ev_end(&e, r);					\
		e.f[0] = iorr_i64(fd);					\
		e.f[1] = iorr_i64(len);					\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

int ftruncate(int fd, off_t len)
{
	static __typeof__(ftruncate) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("ftruncate");
	FTRUNCATE_BODY();
}

int ftruncate64(int fd, off64_t len)
{
	static __typeof__(ftruncate64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("ftruncate64");
	FTRUNCATE_BODY();
}

#define TRUNCATE_BODY()							\
	do {								\
		struct iorr_patharg pa;					\
		struct iorr_ev e;					\
		int r;							\
									\
		if (unlikely(!real_fn))					\
			return (int)iorr_rawret(iorr_sys(SYS_truncate,	\
							 path, len, 0)); \
		if (!iorr_on())						\
			return real_fn(path, len);			\
		iorr_patharg(&pa, AT_FDCWD, path);			\
		if (!pa.traced)						\
			return real_fn(path, len);			\
		iorr_first_touch(pa.abs);				\
		iorr_ev_begin(&e, IORR_OP_truncate, IORR_NF_truncate);	\
		r = real_fn(path, len);					\
		iorr_ev_end(&e, r);					\
		e.f[0] = 0;						\
		e.f[1] = iorr_i64(len);					\
		iorr_ev_path(&e, 0, pa.abs);				\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

int truncate(const char *path, off_t len)
{
	static __typeof__(truncate) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("truncate");
	TRUNCATE_BODY();
}

int truncate64(const char *path, off64_t len)
{
	static __typeof__(truncate64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("truncate64");
	TRUNCATE_BODY();
}

#define FALLOCATE_BODY()						\
	do {								\
		struct iorr_ev e;					\
		int r;							\
									\
		if (unlikely(!real_fn))					\
			return (int)iorr_rawret(iorr_sys4(SYS_fallocate, \
							  fd, mode, off, \
							  len));	\
		if (!iorr_on() || !iorr_fd_traced(fd))			\
			return real_fn(fd, mode, off, len);		\
		iorr_ev_begin(&e, IORR_OP_fallocate, IORR_NF_fallocate); \
		r = real_fn(fd, mode, off, len);			\
		iorr_ev_end(&e, r);					\
		e.f[0] = iorr_i64(fd);					\
		e.f[1] = (unsigned)mode;				\
		e.f[2] = iorr_i64(off);					\
		e.f[3] = iorr_i64(len);					\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

int fallocate(int fd, int mode, off_t off, off_t len)
{
	static __typeof__(fallocate) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("fallocate");
	FALLOCATE_BODY();
}

int fallocate64(int fd, int mode, off64_t off, off64_t len)
{
	static __typeof__(fallocate64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("fallocate64");
	FALLOCATE_BODY();
}

/* posix_fallocate and posix_fadvise return an error number, not -1. */
#define PFALLOC_BODY()							\
	do {								\
		struct iorr_ev e;					\
		int r;							\
									\
		if (unlikely(!real_fn))					\
			return (int)-iorr_sys4(SYS_fallocate, fd, 0, off, \
					       len);			\
		if (!iorr_on() || !iorr_fd_traced(fd))			\
			return real_fn(fd, off, len);			\
		iorr_ev_begin(&e, IORR_OP_posix_fallocate,		\
			      IORR_NF_posix_fallocate);			\
		r = real_fn(fd, off, len);				\
		iorr_ev_end_errnum(&e, r);				\
		e.f[0] = iorr_i64(fd);					\
		e.f[1] = iorr_i64(off);					\
		e.f[2] = iorr_i64(len);					\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

int posix_fallocate(int fd, off_t off, off_t len)
{
	static __typeof__(posix_fallocate) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("posix_fallocate");
	PFALLOC_BODY();
}

int posix_fallocate64(int fd, off64_t off, off64_t len)
{
	static __typeof__(posix_fallocate64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("posix_fallocate64");
	PFALLOC_BODY();
}

#define FADVISE_BODY()							\
	do {								\
		struct iorr_ev e;					\
		int r;							\
									\
		if (unlikely(!real_fn))					\
			return (int)-iorr_sys4(SYS_fadvise64, fd, off,	\
					       len, advice);		\
		if (!iorr_on() || !iorr_fd_traced(fd))			\
			return real_fn(fd, off, len, advice);		\
		iorr_ev_begin(&e, IORR_OP_fadvise, IORR_NF_fadvise);	\
		r = real_fn(fd, off, len, advice);			\
		iorr_ev_end_errnum(&e, r);				\
		e.f[0] = iorr_i64(fd);					\
		e.f[1] = iorr_i64(off);					\
		e.f[2] = iorr_i64(len);					\
		e.f[3] = (unsigned)advice;				\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

int posix_fadvise(int fd, off_t off, off_t len, int advice)
{
	static __typeof__(posix_fadvise) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("posix_fadvise");
	FADVISE_BODY();
}

int posix_fadvise64(int fd, off64_t off, off64_t len, int advice)
{
	static __typeof__(posix_fadvise64) *real_fn;

	if (!real_fn)
		real_fn = iorr_real("posix_fadvise64");
	FADVISE_BODY();
}

/* ------------------------------------------------------------------ */
/* ioctl                                                                */
/* ------------------------------------------------------------------ */

struct iorr_dioattr {
	uint32_t d_mem, d_miniosz, d_maxiosz;
};
#define IORR_XFS_IOC_DIOINFO _IOR('X', 30, struct iorr_dioattr)

static void ioctl_record(struct iorr_ev *e, int fd, unsigned long req,
			 void *arg, int r)
{
	switch (req) {
	case FICLONE:
		e->op = IORR_OP_ficlone;
		e->nf = IORR_NF_ficlone;
		e->f[0] = iorr_i64(fd);
		e->f[1] = iorr_i64((int)(intptr_t)arg);
		break;
	case FICLONERANGE: {
		const struct file_clone_range *c = arg;

		e->op = IORR_OP_ficlonerange;
		e->nf = IORR_NF_ficlonerange;
		e->f[0] = iorr_i64(fd);
		e->f[1] = iorr_i64(c->src_fd);
		e->f[2] = c->src_offset;
		e->f[3] = c->src_length;
		e->f[4] = c->dest_offset;
		break;
	}
	case FIDEDUPERANGE: {
		const struct file_dedupe_range *d = arg;

		/* one event per destination; result is its status */
		for (unsigned i = 0; i < d->dest_count; i++) {
			const struct file_dedupe_range_info *in = &d->info[i];
			struct iorr_ev x = *e;

			x.op = IORR_OP_fidedupe;
			x.nf = IORR_NF_fidedupe;
			x.f[0] = iorr_i64(fd);
			x.f[1] = d->src_offset;
			x.f[2] = d->src_length;
			x.f[3] = iorr_i64(in->dest_fd);
			x.f[4] = in->dest_offset;
			x.f[5] = in->bytes_deduped;
			x.result = r < 0 ? r : in->status;
			iorr_emit(&x);
		}
		if (d->dest_count)
			return;
		e->op = IORR_OP_ioctl;
		e->nf = IORR_NF_ioctl;
		e->f[0] = iorr_i64(fd);
		e->f[1] = req;
		break;
	}
	case IORR_XFS_IOC_DIOINFO: {
		const struct iorr_dioattr *da = arg;

		e->op = IORR_OP_dioinfo;
		e->nf = IORR_NF_dioinfo;
		e->f[0] = iorr_i64(fd);
		e->f[1] = r == 0 ? da->d_mem : 0;
		e->f[2] = r == 0 ? da->d_miniosz : 0;
		e->f[3] = r == 0 ? da->d_maxiosz : 0;
		break;
	}
	case FS_IOC_FIEMAP: {
		const struct fiemap *fm = arg;

		e->op = IORR_OP_fiemap;
		e->nf = IORR_NF_fiemap;
		e->f[0] = iorr_i64(fd);
		e->f[1] = fm->fm_start;
		e->f[2] = fm->fm_length;
		e->f[3] = fm->fm_flags;
		e->f[4] = r == 0 ? fm->fm_mapped_extents : 0;
		e->f[5] = 0;
		/* the extents steer the program: stored in every data mode */
		if (r == 0 && fm->fm_extent_count && fm->fm_mapped_extents)
			iorr_ev_var(e, IORR_VAR_DATA, 5, fm->fm_extents,
				    fm->fm_mapped_extents *
				    sizeof(struct fiemap_extent));
		break;
	}
	default:
		e->op = IORR_OP_ioctl;
		e->nf = IORR_NF_ioctl;
		e->f[0] = iorr_i64(fd);
		e->f[1] = req;
		break;
	}
	iorr_emit(e);
}

int ioctl(int fd, unsigned long req, ...)
{
	REAL(ioctl);
	struct iorr_ev e;
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (unlikely(!real_ioctl))
		return (int)iorr_rawret(iorr_sys(SYS_ioctl, fd, req, arg));
	if (!iorr_on() || !iorr_fd_traced(fd))
		return real_ioctl(fd, req, arg);
	iorr_ev_begin(&e, IORR_OP_ioctl, IORR_NF_ioctl);
	r = real_ioctl(fd, req, arg);
	iorr_ev_end(&e, r);
	if (r < 0 && (req == FICLONERANGE || req == FIDEDUPERANGE ||
		      req == FS_IOC_FIEMAP || req == IORR_XFS_IOC_DIOINFO) &&
	    !arg)
		req = 0;	/* bad pointer: do not read it */
	ioctl_record(&e, fd, req, arg, r);
	return r;
}

/* ------------------------------------------------------------------ */
/* Namespace                                                            */
/* ------------------------------------------------------------------ */

/* Record a two-path op (rename, link) when either path is traced. */
#define TWO_PATH(op, olddirfd, oldpath, newdirfd, newpath, call, fill)	\
	do {								\
		struct iorr_patharg a, b;				\
		struct iorr_ev e;					\
		int r;							\
									\
		if (!iorr_on())						\
			return call;					\
		iorr_patharg(&a, olddirfd, oldpath);			\
		iorr_patharg(&b, newdirfd, newpath);			\
		if (!a.traced && !b.traced)				\
			return call;					\
		if (a.traced)						\
			iorr_first_touch(a.abs);			\
		if (b.traced)						\
			iorr_first_touch(b.abs);			\
		iorr_ev_begin(&e, IORR_OP_##op, IORR_NF_##op);		\
		r = call;						\
		iorr_ev_end(&e, r);					\
		fill;							\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

int rename(const char *oldpath, const char *newpath)
{
	REAL(rename);
	if (unlikely(!real_rename))
		return (int)iorr_rawret(iorr_sys4(SYS_renameat, AT_FDCWD,
						  oldpath, AT_FDCWD, newpath));
	TWO_PATH(rename, AT_FDCWD, oldpath, AT_FDCWD, newpath,
		 real_rename(oldpath, newpath),
		 (e.f[0] = e.f[1] = 0, iorr_ev_path(&e, 0, a.abs),
		  iorr_ev_path(&e, 1, b.abs)));
}

int renameat(int olddirfd, const char *oldpath, int newdirfd,
	     const char *newpath)
{
	REAL(renameat);
	if (unlikely(!real_renameat))
		return (int)iorr_rawret(iorr_sys4(SYS_renameat, olddirfd,
						  oldpath, newdirfd, newpath));
	TWO_PATH(renameat, olddirfd, oldpath, newdirfd, newpath,
		 real_renameat(olddirfd, oldpath, newdirfd, newpath),
		 (e.f[0] = iorr_i64(olddirfd), e.f[1] = 0,
		  e.f[2] = iorr_i64(newdirfd), e.f[3] = 0,
		  iorr_ev_path(&e, 1, a.abs), iorr_ev_path(&e, 3, b.abs)));
}

int renameat2(int olddirfd, const char *oldpath, int newdirfd,
	      const char *newpath, unsigned flags)
{
	REAL(renameat2);
	if (unlikely(!real_renameat2))
		return (int)iorr_rawret(iorr_sys6(SYS_renameat2, olddirfd,
						  (long)oldpath, newdirfd,
						  (long)newpath, flags, 0));
	TWO_PATH(renameat2, olddirfd, oldpath, newdirfd, newpath,
		 real_renameat2(olddirfd, oldpath, newdirfd, newpath, flags),
		 (e.f[0] = iorr_i64(olddirfd), e.f[1] = 0,
		  e.f[2] = iorr_i64(newdirfd), e.f[3] = 0, e.f[4] = flags,
		  iorr_ev_path(&e, 1, a.abs), iorr_ev_path(&e, 3, b.abs)));
}

int link(const char *oldpath, const char *newpath)
{
	REAL(link);
	if (unlikely(!real_link))
		return (int)iorr_rawret(iorr_sys6(SYS_linkat, AT_FDCWD,
						  (long)oldpath, AT_FDCWD,
						  (long)newpath, 0, 0));
	TWO_PATH(link, AT_FDCWD, oldpath, AT_FDCWD, newpath,
		 real_link(oldpath, newpath),
		 (e.f[0] = e.f[1] = 0, iorr_ev_path(&e, 0, a.abs),
		  iorr_ev_path(&e, 1, b.abs)));
}

int linkat(int olddirfd, const char *oldpath, int newdirfd,
	   const char *newpath, int flags)
{
	REAL(linkat);
	if (unlikely(!real_linkat))
		return (int)iorr_rawret(iorr_sys6(SYS_linkat, olddirfd,
						  (long)oldpath, newdirfd,
						  (long)newpath, flags, 0));
	TWO_PATH(linkat, olddirfd, oldpath, newdirfd, newpath,
		 real_linkat(olddirfd, oldpath, newdirfd, newpath, flags),
		 (e.f[0] = iorr_i64(olddirfd), e.f[1] = 0,
		  e.f[2] = iorr_i64(newdirfd), e.f[3] = 0,
		  e.f[4] = (unsigned)flags, iorr_ev_path(&e, 1, a.abs),
		  iorr_ev_path(&e, 3, b.abs)));
}

/* Record a one-path op when the path is traced. */
#define ONE_PATH(op, dirfd, path, call, fill)				\
	do {								\
		struct iorr_patharg a;					\
		struct iorr_ev e;					\
		int r;							\
									\
		if (!iorr_on())						\
			return call;					\
		iorr_patharg(&a, dirfd, path);				\
		if (!a.traced)						\
			return call;					\
		iorr_first_touch(a.abs);				\
		iorr_ev_begin(&e, IORR_OP_##op, IORR_NF_##op);		\
		r = call;						\
		iorr_ev_end(&e, r);					\
		fill;							\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

int unlink(const char *path)
{
	REAL(unlink);
	if (unlikely(!real_unlink))
		return (int)iorr_rawret(iorr_sys(SYS_unlinkat, AT_FDCWD, path,
						 0));
	ONE_PATH(unlink, AT_FDCWD, path, real_unlink(path),
		 (e.f[0] = 0, iorr_ev_path(&e, 0, a.abs)));
}

int unlinkat(int dirfd, const char *path, int flags)
{
	REAL(unlinkat);
	if (unlikely(!real_unlinkat))
		return (int)iorr_rawret(iorr_sys(SYS_unlinkat, dirfd, path,
						 flags));
	ONE_PATH(unlinkat, dirfd, path, real_unlinkat(dirfd, path, flags),
		 (e.f[0] = iorr_i64(dirfd), e.f[1] = 0,
		  e.f[2] = (unsigned)flags, iorr_ev_path(&e, 1, a.abs)));
}

int rmdir(const char *path)
{
	REAL(rmdir);
	if (unlikely(!real_rmdir))
		return (int)iorr_rawret(iorr_sys(SYS_unlinkat, AT_FDCWD, path,
						 AT_REMOVEDIR));
	ONE_PATH(rmdir, AT_FDCWD, path, real_rmdir(path),
		 (e.f[0] = 0, iorr_ev_path(&e, 0, a.abs)));
}

int mkdir(const char *path, mode_t mode)
{
	REAL(mkdir);
	if (unlikely(!real_mkdir))
		return (int)iorr_rawret(iorr_sys(SYS_mkdirat, AT_FDCWD, path,
						 mode));
	ONE_PATH(mkdir, AT_FDCWD, path, real_mkdir(path, mode),
		 (e.f[0] = 0, e.f[1] = mode, iorr_ev_path(&e, 0, a.abs)));
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	REAL(mkdirat);
	if (unlikely(!real_mkdirat))
		return (int)iorr_rawret(iorr_sys(SYS_mkdirat, dirfd, path,
						 mode));
	ONE_PATH(mkdirat, dirfd, path, real_mkdirat(dirfd, path, mode),
		 (e.f[0] = iorr_i64(dirfd), e.f[1] = 0, e.f[2] = mode,
		  iorr_ev_path(&e, 1, a.abs)));
}

static size_t cstrlen(const char *s)
{
	size_t n = 0;

	while (s && s[n])
		n++;
	return n;
}

int symlink(const char *target, const char *linkpath)
{
	REAL(symlink);
	if (unlikely(!real_symlink))
		return (int)iorr_rawret(iorr_sys(SYS_symlinkat, target,
						 AT_FDCWD, linkpath));
	ONE_PATH(symlink, AT_FDCWD, linkpath, real_symlink(target, linkpath),
		 (e.f[0] = e.f[1] = 0,
		  iorr_ev_var(&e, IORR_VAR_PATH, 0, target, cstrlen(target)),
		  iorr_ev_path(&e, 1, a.abs)));
}

int symlinkat(const char *target, int newdirfd, const char *linkpath)
{
	REAL(symlinkat);
	if (unlikely(!real_symlinkat))
		return (int)iorr_rawret(iorr_sys(SYS_symlinkat, target,
						 newdirfd, linkpath));
	ONE_PATH(symlinkat, newdirfd, linkpath,
		 real_symlinkat(target, newdirfd, linkpath),
		 (e.f[0] = 0, e.f[1] = iorr_i64(newdirfd), e.f[2] = 0,
		  iorr_ev_var(&e, IORR_VAR_PATH, 0, target, cstrlen(target)),
		  iorr_ev_path(&e, 2, a.abs)));
}

int chdir(const char *path)
{
	REAL(chdir);
	struct iorr_patharg a;
	struct iorr_ev e;
	int r;

	if (unlikely(!real_chdir))
		return (int)iorr_rawret(iorr_sys(SYS_chdir, path, 0, 0));
	if (!iorr_on())
		return real_chdir(path);
	iorr_patharg(&a, AT_FDCWD, path);
	if (!a.ok)
		return real_chdir(path);
	iorr_ev_begin(&e, IORR_OP_chdir, IORR_NF_chdir);
	r = real_chdir(path);
	iorr_ev_end(&e, r);
	e.f[0] = 0;
	iorr_ev_path(&e, 0, a.abs);
	iorr_emit(&e);
	return r;
}

int fchdir(int fd)
{
	REAL(fchdir);
	struct iorr_ev e;
	int r;

	if (unlikely(!real_fchdir))
		return (int)iorr_rawret(iorr_sys(SYS_fchdir, fd, 0, 0));
	if (!iorr_on() || !iorr_fd_traced(fd))
		return real_fchdir(fd);
	iorr_ev_begin(&e, IORR_OP_fchdir, IORR_NF_fchdir);
	r = real_fchdir(fd);
	iorr_ev_end(&e, r);
	e.f[0] = iorr_i64(fd);
	iorr_emit(&e);
	return r;
}
