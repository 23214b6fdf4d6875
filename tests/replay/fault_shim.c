/* SPDX-License-Identifier: MIT */
/*
 * fault_shim: an LD_PRELOAD library for the replay tests that makes one
 * pread() of the replayer return what a buggy filesystem would, so the
 * tests can check that the oracles catch it and name the right op.
 *
 *   IORR_FAULT_OFF=N IORR_FAULT_LEN=L IORR_FAULT=zero|short
 *
 * The first pread of L bytes at offset N gets its first 4096 bytes zeroed
 * (zero) or is cut to half its length (short).  Everything else passes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int fired;

static ssize_t fault(void *buf, size_t n, off_t off, ssize_t r)
{
	const char *o = getenv("IORR_FAULT_OFF");
	const char *l = getenv("IORR_FAULT_LEN");
	const char *mode = getenv("IORR_FAULT");

	if (fired || r <= 0 || !o || !l || !mode ||
	    strtoll(o, NULL, 0) != (long long)off ||
	    strtoull(l, NULL, 0) != n)
		return r;
	fired = 1;
	if (!strcmp(mode, "short"))
		return r / 2;
	memset(buf, 0, r < 4096 ? (size_t)r : 4096);
	return r;
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);

	if (!real)
		real = (ssize_t (*)(int, void *, size_t, off_t))
		       dlsym(RTLD_NEXT, "pread");
	return fault(buf, n, off, real(fd, buf, n, off));
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);

	if (!real)
		real = (ssize_t (*)(int, void *, size_t, off_t))
		       dlsym(RTLD_NEXT, "pread64");
	return fault(buf, n, off, real(fd, buf, n, off));
}
