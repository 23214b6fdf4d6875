/* SPDX-License-Identifier: MIT */
/*
 * syscall(): programs reach some calls only through it (fsstress calls
 * copy_file_range this way).  The numbers listed by SYSCALL() entries of
 * src/ops.def are recorded as their op by handing them to the matching
 * wrapper, which calls libc's function for that system call: the result
 * and errno the program sees are the same.  Every other number passes
 * through untouched.
 */
#include "config.h"
#undef _FORTIFY_SOURCE

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "record/wrap_common.h"

long iorr_openat2(int dirfd, const char *path, const void *how, size_t size)
	IORR_HIDDEN;

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452	/* Linux 6.6, the same on every ABI */
#endif

static long (*real_syscall)(long, ...);

static long pass(long nr, const long *a)
{
	return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

#define P(i, t) ((t)a[i])

static long sys_read(long nr, const long *a)
{
	(void)nr;
	return read(P(0, int), P(1, void *), P(2, size_t));
}

static long sys_pread(long nr, const long *a)
{
	(void)nr;
	return pread64(P(0, int), P(1, void *), P(2, size_t), P(3, off64_t));
}

static long sys_write(long nr, const long *a)
{
	(void)nr;
	return write(P(0, int), P(1, const void *), P(2, size_t));
}

static long sys_pwrite(long nr, const long *a)
{
	(void)nr;
	return pwrite64(P(0, int), P(1, const void *), P(2, size_t),
			P(3, off64_t));
}

static long sys_readv(long nr, const long *a)
{
	(void)nr;
	return readv(P(0, int), P(1, const struct iovec *), P(2, int));
}

static long sys_writev(long nr, const long *a)
{
	(void)nr;
	return writev(P(0, int), P(1, const struct iovec *), P(2, int));
}

/* NOTE: 64-bit ABIs pass the offset whole in pos_l; pos_h is ignored. */
static long sys_preadv(long nr, const long *a)
{
	(void)nr;
	return preadv64(P(0, int), P(1, const struct iovec *), P(2, int),
			P(3, off64_t));
}

static long sys_pwritev(long nr, const long *a)
{
	(void)nr;
	return pwritev64(P(0, int), P(1, const struct iovec *), P(2, int),
			 P(3, off64_t));
}

static long sys_preadv2(long nr, const long *a)
{
	(void)nr;
	return preadv64v2(P(0, int), P(1, const struct iovec *), P(2, int),
			  P(3, off64_t), P(5, int));
}

static long sys_pwritev2(long nr, const long *a)
{
	(void)nr;
	return pwritev64v2(P(0, int), P(1, const struct iovec *), P(2, int),
			   P(3, off64_t), P(5, int));
}

static long sys_openat(long nr, const long *a)
{
	(void)nr;
	return openat(P(0, int), P(1, const char *), P(2, int),
		      P(3, mode_t));
}

static long sys_openat2(long nr, const long *a)
{
	(void)nr;
	return iorr_openat2(P(0, int), P(1, const char *), P(2, const void *),
			    P(3, size_t));
}

static long sys_close(long nr, const long *a)
{
	(void)nr;
	return close(P(0, int));
}

static long sys_fsync(long nr, const long *a)
{
	(void)nr;
	return fsync(P(0, int));
}

static long sys_fdatasync(long nr, const long *a)
{
	(void)nr;
	return fdatasync(P(0, int));
}

static long sys_syncfs(long nr, const long *a)
{
	(void)nr;
	return syncfs(P(0, int));
}

static long sys_sync_file_range(long nr, const long *a)
{
	(void)nr;
	return sync_file_range(P(0, int), P(1, off64_t), P(2, off64_t),
			       P(3, unsigned));
}

static long sys_ftruncate(long nr, const long *a)
{
	(void)nr;
	return ftruncate64(P(0, int), P(1, off64_t));
}

static long sys_fallocate(long nr, const long *a)
{
	(void)nr;
	return fallocate64(P(0, int), P(1, int), P(2, off64_t),
			   P(3, off64_t));
}

static long sys_copy_file_range(long nr, const long *a)
{
	(void)nr;
	return copy_file_range(P(0, int), P(1, off64_t *), P(2, int),
			       P(3, off64_t *), P(4, size_t),
			       P(5, unsigned));
}

static long sys_splice(long nr, const long *a)
{
	(void)nr;
	return splice(P(0, int), P(1, off64_t *), P(2, int), P(3, off64_t *),
		      P(4, size_t), P(5, unsigned));
}

static long sys_renameat2(long nr, const long *a)
{
	(void)nr;
	return renameat2(P(0, int), P(1, const char *), P(2, int),
			 P(3, const char *), P(4, unsigned));
}

static long sys_unlinkat(long nr, const long *a)
{
	(void)nr;
	return unlinkat(P(0, int), P(1, const char *), P(2, int));
}

static long sys_fadvise(long nr, const long *a)
{
	int r;

	(void)nr;
	r = posix_fadvise64(P(0, int), P(1, off64_t), P(2, off64_t),
			    P(3, int));
	if (r) {
		errno = r;
		return -1;
	}
	return 0;
}

static long sys_chmod(long nr, const long *a)
{
	(void)nr;
	return chmod(P(0, const char *), P(1, mode_t));
}

static long sys_fchmod(long nr, const long *a)
{
	(void)nr;
	return fchmod(P(0, int), P(1, mode_t));
}

/* fchmodat takes no flags; fchmodat2 does (glibc's fchmodat emulates
 * AT_SYMLINK_NOFOLLOW; the raw call is what the program asked for) */
static long sys_fchmodat(long nr, const long *a)
{
	return fchmodat(P(0, int), P(1, const char *), P(2, mode_t),
			nr == SYS_fchmodat ? 0 : P(3, int));
}

static long sys_chown(long nr, const long *a)
{
	(void)nr;
	return chown(P(0, const char *), P(1, uid_t), P(2, gid_t));
}

static long sys_lchown(long nr, const long *a)
{
	(void)nr;
	return lchown(P(0, const char *), P(1, uid_t), P(2, gid_t));
}

static long sys_fchown(long nr, const long *a)
{
	(void)nr;
	return fchown(P(0, int), P(1, uid_t), P(2, gid_t));
}

static long sys_fchownat(long nr, const long *a)
{
	(void)nr;
	return fchownat(P(0, int), P(1, const char *), P(2, uid_t),
			P(3, gid_t), P(4, int));
}

static long sys_utimensat(long nr, const long *a)
{
	(void)nr;
	return utimensat(P(0, int), P(1, const char *),
			 P(2, const struct timespec *), P(3, int));
}

static long sys_umask(long nr, const long *a)
{
	(void)nr;
	return (long)umask(P(0, mode_t));
}

/*
 * libaio system calls (MariaDB reaps with syscall(SYS_io_getevents)) and
 * io_uring_setup/enter/register (a ring liburing does not manage):
 * wrap_aio.c and wrap_uring.c.
 */
#define sys_aio_setup iorr_aio_syscall
#define sys_aio_destroy iorr_aio_syscall
#define sys_aio_submit iorr_aio_syscall
#define sys_aio_getevents iorr_aio_syscall
#define sys_aio_cancel iorr_aio_syscall
#define sys_uring_setup iorr_uring_syscall
#define sys_uring_submit iorr_uring_syscall
#define sys_uring_register iorr_uring_syscall

long syscall(long nr, ...)
{
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (unlikely(!real_syscall)) {
		real_syscall = (long (*)(long, ...))iorr_real("syscall");
		if (!real_syscall)
			return iorr_rawret(iorr_sys6(nr, a[0], a[1], a[2],
						     a[3], a[4], a[5]));
	}
	if (!iorr_on())
		return pass(nr, a);
	switch (nr) {
#define SYSCALL(op, sysname) \
	case SYS_##sysname:  \
		return sys_##op(nr, a);
#define OP(name, kind, cls, fields)
#include "ops.def"
#undef OP
	default:
		return pass(nr, a);
	}
}
