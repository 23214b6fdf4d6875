/* SPDX-License-Identifier: MIT */
/*
 * overlap_shim: an LD_PRELOAD library for the hunt tests that plays a
 * filesystem with a race bug: a pread() of the watched range returns half
 * its bytes, but only while a pwrite() of the watched range is in flight
 * in another thread.  A correct filesystem never returns a short read
 * inside the file's size, so iorr must call it an impossible outcome and
 * name the pwrite that ran at the same time.
 *
 *   IORR_SHIM_WOFF=N IORR_SHIM_WLEN=L	the pwrite watched (off, len)
 *   IORR_SHIM_ROFF=N IORR_SHIM_RLEN=L	the pread watched
 *   IORR_SHIM_SLEEP_US=U		the watched pwrite takes U us longer
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static _Atomic int writing;

static int match(const char *eo, const char *el, off_t off, size_t n)
{
	const char *o = getenv(eo), *l = getenv(el);

	return o && l && strtoll(o, NULL, 0) == (long long)off &&
	       strtoull(l, NULL, 0) == n;
}

static ssize_t do_pwrite(ssize_t (*real)(int, const void *, size_t, off_t),
			 int fd, const void *buf, size_t n, off_t off)
{
	const char *us = getenv("IORR_SHIM_SLEEP_US");
	ssize_t r;

	if (!match("IORR_SHIM_WOFF", "IORR_SHIM_WLEN", off, n))
		return real(fd, buf, n, off);
	atomic_fetch_add(&writing, 1);
	if (us) {
		long u = atol(us);
		struct timespec ts = { u / 1000000, (u % 1000000) * 1000 };

		nanosleep(&ts, NULL);
	}
	r = real(fd, buf, n, off);
	atomic_fetch_sub(&writing, 1);
	return r;
}

static ssize_t do_pread(ssize_t (*real)(int, void *, size_t, off_t), int fd,
			void *buf, size_t n, off_t off)
{
	int racing = atomic_load(&writing) > 0;
	ssize_t r = real(fd, buf, n, off);

	if (r > 1 && (racing || atomic_load(&writing) > 0) &&
	    match("IORR_SHIM_ROFF", "IORR_SHIM_RLEN", off, n))
		return r / 2;
	return r;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, off_t))
		       dlsym(RTLD_NEXT, "pwrite");
	return do_pwrite(real, fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, off_t))
		       dlsym(RTLD_NEXT, "pwrite64");
	return do_pwrite(real, fd, buf, n, off);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);

	if (!real)
		real = (ssize_t (*)(int, void *, size_t, off_t))
		       dlsym(RTLD_NEXT, "pread");
	return do_pread(real, fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);

	if (!real)
		real = (ssize_t (*)(int, void *, size_t, off_t))
		       dlsym(RTLD_NEXT, "pread64");
	return do_pread(real, fd, buf, n, off);
}
