/* SPDX-License-Identifier: MIT */
/*
 * File metadata (format 1.2): chmod, chown and the utime family on traced
 * paths and fds, and umask() (always: it decides the mode of every file
 * the process creates later).  Each wrapper calls the real function and
 * returns its result and errno unchanged.
 */
#include "config.h"
#undef _FORTIFY_SOURCE

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

#include "record/wrap_common.h"

/* ---- time values as recorded: ns since the epoch, -1 now, -2 omit ---- */
#define T_NOW	((uint64_t)-1)
#define T_OMIT	((uint64_t)-2)

static uint64_t ts_ns(const struct timespec *ts)
{
	if (ts->tv_nsec == UTIME_NOW)
		return T_NOW;
	if (ts->tv_nsec == UTIME_OMIT)
		return T_OMIT;
	return (uint64_t)((int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec);
}

static void times_ts(const struct timespec *ts, uint64_t *a, uint64_t *m)
{
	*a = ts ? ts_ns(&ts[0]) : T_NOW;
	*m = ts ? ts_ns(&ts[1]) : T_NOW;
}

static void times_tv(const struct timeval *tv, uint64_t *a, uint64_t *m)
{
	*a = tv ? (uint64_t)((int64_t)tv[0].tv_sec * 1000000000 +
			     (int64_t)tv[0].tv_usec * 1000) : T_NOW;
	*m = tv ? (uint64_t)((int64_t)tv[1].tv_sec * 1000000000 +
			     (int64_t)tv[1].tv_usec * 1000) : T_NOW;
}

/* glibc declares some path arguments nonnull; syscall() may pass NULL */
static bool null_ptr(const char *p)
{
	const char *volatile q = p;

	return q == NULL;
}

/* Record a path op (fields filled by @fill) when the path is traced. */
#define PATH_OP(op, dirfd, path, call, fill)				\
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

/* Record an fd op (fields filled by @fill) when the fd is traced. */
#define FD_OP(op, fd, call, fill)					\
	do {								\
		struct iorr_ev e;					\
		int r;							\
									\
		if (!iorr_on() || !iorr_fd_traced(fd))			\
			return call;					\
		iorr_ev_begin(&e, IORR_OP_##op, IORR_NF_##op);		\
		r = call;						\
		iorr_ev_end(&e, r);					\
		fill;							\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

/* ---- chmod ------------------------------------------------------------- */
int chmod(const char *path, mode_t mode)
{
	REAL(chmod);
	if (unlikely(!real_chmod))
		return (int)iorr_rawret(iorr_sys(SYS_fchmodat, AT_FDCWD, path,
						 mode));
	PATH_OP(chmod, AT_FDCWD, path, real_chmod(path, mode),
		(e.f[0] = 0, e.f[1] = mode, iorr_ev_path(&e, 0, a.abs)));
}

int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	REAL(fchmodat);
	if (unlikely(!real_fchmodat))
		return (int)iorr_rawret(iorr_sys(SYS_fchmodat, dirfd, path,
						 mode));
	PATH_OP(fchmodat, dirfd, path, real_fchmodat(dirfd, path, mode, flags),
		(e.f[0] = iorr_i64(dirfd), e.f[1] = 0, e.f[2] = mode,
		 e.f[3] = (unsigned)flags, iorr_ev_path(&e, 1, a.abs)));
}

int fchmod(int fd, mode_t mode)
{
	REAL(fchmod);
	if (unlikely(!real_fchmod))
		return (int)iorr_rawret(iorr_sys(SYS_fchmod, fd, mode, 0));
	FD_OP(fchmod, fd, real_fchmod(fd, mode),
	      (e.f[0] = iorr_i64(fd), e.f[1] = mode));
}

/* ---- chown ------------------------------------------------------------- */
#define ID(v) iorr_i64((int64_t)(int)(v))

int chown(const char *path, uid_t uid, gid_t gid)
{
	REAL(chown);
	if (unlikely(!real_chown))
		return (int)iorr_rawret(iorr_sys6(SYS_fchownat, AT_FDCWD,
						  (long)path, uid, gid, 0, 0));
	PATH_OP(chown, AT_FDCWD, path, real_chown(path, uid, gid),
		(e.f[0] = 0, e.f[1] = ID(uid), e.f[2] = ID(gid),
		 iorr_ev_path(&e, 0, a.abs)));
}

int lchown(const char *path, uid_t uid, gid_t gid)
{
	REAL(lchown);
	if (unlikely(!real_lchown))
		return (int)iorr_rawret(iorr_sys6(SYS_fchownat, AT_FDCWD,
						  (long)path, uid, gid,
						  AT_SYMLINK_NOFOLLOW, 0));
	PATH_OP(lchown, AT_FDCWD, path, real_lchown(path, uid, gid),
		(e.f[0] = 0, e.f[1] = ID(uid), e.f[2] = ID(gid),
		 iorr_ev_path(&e, 0, a.abs)));
}

int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	REAL(fchownat);
	if (unlikely(!real_fchownat))
		return (int)iorr_rawret(iorr_sys6(SYS_fchownat, dirfd,
						  (long)path, uid, gid, flags,
						  0));
	if ((flags & AT_EMPTY_PATH) && !null_ptr(path) && !path[0])
		FD_OP(fchown, dirfd,
		      real_fchownat(dirfd, path, uid, gid, flags),
		      (e.f[0] = iorr_i64(dirfd), e.f[1] = ID(uid),
		       e.f[2] = ID(gid)));
	PATH_OP(fchownat, dirfd, path,
		real_fchownat(dirfd, path, uid, gid, flags),
		(e.f[0] = iorr_i64(dirfd), e.f[1] = 0, e.f[2] = ID(uid),
		 e.f[3] = ID(gid), e.f[4] = (unsigned)flags,
		 iorr_ev_path(&e, 1, a.abs)));
}

int fchown(int fd, uid_t uid, gid_t gid)
{
	REAL(fchown);
	if (unlikely(!real_fchown))
		return (int)iorr_rawret(iorr_sys(SYS_fchown, fd, uid, gid));
	FD_OP(fchown, fd, real_fchown(fd, uid, gid),
	      (e.f[0] = iorr_i64(fd), e.f[1] = ID(uid), e.f[2] = ID(gid)));
}

/* ---- times ------------------------------------------------------------- */
#define UTIMENS_FILL(dirfd, at, mt, flags)				\
	(e.f[0] = iorr_i64(dirfd), e.f[1] = 0, e.f[2] = (at),		\
	 e.f[3] = (mt), e.f[4] = (unsigned)(flags),			\
	 iorr_ev_path(&e, 1, a.abs))

int utimensat(int dirfd, const char *path, const struct timespec times[2],
	      int flags)
{
	uint64_t at, mt;

	REAL(utimensat);
	if (unlikely(!real_utimensat))
		return (int)iorr_rawret(iorr_sys4(SYS_utimensat, dirfd,
						  path, times, flags));
	times_ts(times, &at, &mt);
	if (null_ptr(path) || ((flags & AT_EMPTY_PATH) && !path[0]))
		FD_OP(futimens, dirfd,
		      real_utimensat(dirfd, path, times, flags),
		      (e.f[0] = iorr_i64(dirfd), e.f[1] = at, e.f[2] = mt));
	PATH_OP(utimensat, dirfd, path,
		real_utimensat(dirfd, path, times, flags),
		UTIMENS_FILL(dirfd, at, mt, flags));
}

int futimens(int fd, const struct timespec times[2])
{
	uint64_t at, mt;

	REAL(futimens);
	if (unlikely(!real_futimens))
		return (int)iorr_rawret(iorr_sys4(SYS_utimensat, fd, NULL,
						  times, 0));
	times_ts(times, &at, &mt);
	FD_OP(futimens, fd, real_futimens(fd, times),
	      (e.f[0] = iorr_i64(fd), e.f[1] = at, e.f[2] = mt));
}

int utime(const char *path, const struct utimbuf *t)
{
	uint64_t at = T_NOW, mt = T_NOW;

	REAL(utime);
	if (unlikely(!real_utime))
		return (int)iorr_rawret(iorr_sys(SYS_utime, path, t, 0));
	if (t) {
		at = (uint64_t)((int64_t)t->actime * 1000000000);
		mt = (uint64_t)((int64_t)t->modtime * 1000000000);
	}
	PATH_OP(utimensat, AT_FDCWD, path, real_utime(path, t),
		UTIMENS_FILL(AT_FDCWD, at, mt, 0));
}

int utimes(const char *path, const struct timeval tv[2])
{
	uint64_t at, mt;

	REAL(utimes);
	if (unlikely(!real_utimes))
		return (int)iorr_rawret(iorr_sys(SYS_utimes, path, tv, 0));
	times_tv(tv, &at, &mt);
	PATH_OP(utimensat, AT_FDCWD, path, real_utimes(path, tv),
		UTIMENS_FILL(AT_FDCWD, at, mt, 0));
}

int lutimes(const char *path, const struct timeval tv[2])
{
	uint64_t at, mt;

	REAL(lutimes);
	if (unlikely(!real_lutimes)) {
		errno = ENOSYS;
		return -1;
	}
	times_tv(tv, &at, &mt);
	PATH_OP(utimensat, AT_FDCWD, path, real_lutimes(path, tv),
		UTIMENS_FILL(AT_FDCWD, at, mt, AT_SYMLINK_NOFOLLOW));
}

int futimesat(int dirfd, const char *path, const struct timeval tv[2])
{
	uint64_t at, mt;

	REAL(futimesat);
	if (unlikely(!real_futimesat))
		return (int)iorr_rawret(iorr_sys(SYS_futimesat, dirfd, path,
						 tv));
	times_tv(tv, &at, &mt);
	if (!path)
		FD_OP(futimens, dirfd, real_futimesat(dirfd, path, tv),
		      (e.f[0] = iorr_i64(dirfd), e.f[1] = at, e.f[2] = mt));
	PATH_OP(utimensat, dirfd, path, real_futimesat(dirfd, path, tv),
		UTIMENS_FILL(dirfd, at, mt, 0));
}

int futimes(int fd, const struct timeval tv[2])
{
	uint64_t at, mt;

	REAL(futimes);
	if (unlikely(!real_futimes))
		return (int)iorr_rawret(iorr_sys(SYS_futimesat, fd, NULL, tv));
	times_tv(tv, &at, &mt);
	FD_OP(futimens, fd, real_futimes(fd, tv),
	      (e.f[0] = iorr_i64(fd), e.f[1] = at, e.f[2] = mt));
}

/* ---- umask: recorded whenever the library is on ----------------------- */
mode_t umask(mode_t mask)
{
	struct iorr_ev e;
	mode_t old;

	REAL(umask);
	if (unlikely(!real_umask))
		return (mode_t)iorr_sys(SYS_umask, mask, 0, 0);
	if (!iorr_on())
		return real_umask(mask);
	iorr_ev_begin(&e, IORR_OP_umask, IORR_NF_umask);
	old = real_umask(mask);
	iorr_ev_end(&e, (int64_t)old);
	e.f[0] = mask & 07777;
	iorr_emit(&e);
	return old;
}
