/* SPDX-License-Identifier: MIT */
/*
 * wl.h - helpers shared by the workload programs in tests/workloads/.
 *
 * The workloads are what the recorder and replayer tests record.  Each one
 * prints a summary that must be byte-identical whether or not it runs under
 * `iorr record`: that is how a test sees that the recorder was transparent.
 * So everything printed here is deterministic: errno *names* rather than
 * messages, checksums of data rather than data, and never fd numbers, pids,
 * addresses or paths (the recorder may hold fds of its own, so the numbers
 * the workload gets can differ).
 *
 * Exit status of every workload: 0 success, 1 self-check failure or
 * unexpected error, 2 usage, 77 the kernel or filesystem refuses a feature
 * the program cannot do without.
 *
 * Header-only (static inline) so each workload stays one standalone program.
 * Include it first: it defines _GNU_SOURCE.
 */
#ifndef IORR_TESTS_WORKLOADS_WL_H
#define IORR_TESTS_WORKLOADS_WL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define WL_EXIT_OK	0
#define WL_EXIT_FAIL	1
#define WL_EXIT_USAGE	2
#define WL_EXIT_SKIP	77

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC	0x01021994
#endif

/* Print to stderr with the program's name and exit with @status. */
static inline void __attribute__((noreturn, format(printf, 2, 3)))
wl_exit(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: %s: ", program_invocation_short_name,
		status == WL_EXIT_SKIP ? "skip" : "error");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

#define wl_fail(...)	wl_exit(WL_EXIT_FAIL, __VA_ARGS__)
#define wl_skip(...)	wl_exit(WL_EXIT_SKIP, __VA_ARGS__)

/* The symbolic name of an errno value ("ENOENT"), "OK" for 0. */
static inline const char *wl_errname(int err)
{
	const char *s;

	if (err == 0)
		return "OK";
	s = strerrorname_np(err);
	return s ? s : "E?";
}

/*
 * Report a call that returns -1 and sets errno: "name = ret ERRNO".
 * @err is errno as saved right after the call.
 */
static inline void wl_res(const char *name, long long ret, int err)
{
	printf("%-32s = %lld %s\n", name, ret,
	       ret < 0 ? wl_errname(err) : "OK");
}

/* Like wl_res() for calls that return a new fd: prints "fd", not its number. */
static inline void wl_fdres(const char *name, long long ret, int err)
{
	if (ret >= 0)
		printf("%-32s = fd OK\n", name);
	else
		printf("%-32s = -1 %s\n", name, wl_errname(err));
}

/*
 * Report a -1/errno call and return its result: wl_rep("write", write(...)).
 * errno is read before anything else runs, and preserved.
 */
static inline long long wl_rep(const char *name, long long ret)
{
	int e = errno;

	wl_res(name, ret, e);
	errno = e;
	return ret;
}

/* wl_rep() for calls returning a new fd. */
static inline int wl_repfd(const char *name, int ret)
{
	int e = errno;

	wl_fdres(name, ret, e);
	errno = e;
	return ret;
}

/* Report a call that returns 0 or a positive error number (posix_fadvise). */
static inline void wl_errres(const char *name, int ret)
{
	printf("%-32s = %d %s\n", name, ret, wl_errname(ret));
}

/* Report a call that returns a result or -errno (libaio, liburing). */
static inline void wl_negres(const char *name, long long ret)
{
	printf("%-32s = %lld %s\n", name, ret,
	       ret < 0 ? wl_errname((int)-ret) : "OK");
}

/* FNV-1a, 64 bit: a checksum of data read, to print and compare. */
#define WL_HASH_INIT	0xcbf29ce484222325ULL

static inline uint64_t wl_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* splitmix64: a seeded generator, the same sequence on every machine. */
static inline uint64_t wl_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A value in [0, n). */
static inline uint64_t wl_randn(uint64_t *state, uint64_t n)
{
	return n ? wl_rand(state) % n : 0;
}

/* Fill @buf with bytes that depend only on @seed and the byte offset. */
static inline void wl_fill(void *buf, size_t n, uint64_t seed)
{
	unsigned char *p = buf;
	uint64_t st = seed, v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((i & 7) == 0)
			v = wl_rand(&st);
		p[i] = (unsigned char)(v >> ((i & 7) * 8));
	}
}

/*
 * Read a whole file with read() and hash it.  Returns 0 and sets *size and
 * *hash, or -errno.
 */
static inline int wl_file_hash(int dirfd, const char *path, uint64_t *size,
			       uint64_t *hash)
{
	char buf[65536];
	uint64_t h = WL_HASH_INIT, n = 0;
	ssize_t r;
	int fd, err;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		h = wl_hash(h, buf, (size_t)r);
		n += (uint64_t)r;
	}
	err = r < 0 ? -errno : 0;
	close(fd);
	*size = n;
	*hash = h;
	return err;
}

/* Print "file NAME size N hash H", or the error reading it. */
static inline void wl_print_file(int dirfd, const char *path)
{
	uint64_t size = 0, hash = 0;
	int err = wl_file_hash(dirfd, path, &size, &hash);

	if (err)
		printf("file %s: %s\n", path, wl_errname(-err));
	else
		printf("file %s size %llu hash %016llx\n", path,
		       (unsigned long long)size, (unsigned long long)hash);
}

/* pwrite/pread the whole buffer or fail: a short transfer is unexpected. */
static inline void wl_pwrite_all(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t r = pwrite(fd, buf, n, off);

	if (r < 0)
		wl_fail("pwrite %zu at %lld: %s", n, (long long)off,
			strerror(errno));
	if ((size_t)r != n)
		wl_fail("pwrite %zu at %lld: short write %zd", n,
			(long long)off, r);
}

static inline void wl_pread_all(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r = pread(fd, buf, n, off);

	if (r < 0)
		wl_fail("pread %zu at %lld: %s", n, (long long)off,
			strerror(errno));
	if ((size_t)r != n)
		wl_fail("pread %zu at %lld: short read %zd", n, (long long)off,
			r);
}

/* Read @n bytes at @off of @fd: they must be @want ("WHAT = ok"). */
static inline void wl_check(int fd, const void *want, size_t n, off_t off,
			    const char *what)
{
	unsigned char *got = malloc(n);

	if (!got)
		wl_fail("out of memory");
	wl_pread_all(fd, got, n, off);
	if (memcmp(got, want, n))
		wl_fail("%s: content differs", what);
	printf("%-40s = ok\n", what);
	free(got);
}

/* Make @dir the cwd: every workload does its I/O under the given directory. */
static inline void wl_enter_dir(const char *dir)
{
	if (chdir(dir) < 0)
		wl_fail("chdir %s: %s", dir, strerror(errno));
}

/* Parse a non-negative number option or exit with a usage error. */
static inline unsigned long wl_num(const char *opt, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "%s: bad number for -%s: '%s'\n",
			program_invocation_short_name, opt, s);
		exit(WL_EXIT_USAGE);
	}
	return v;
}

/* True when @fd lives on tmpfs, whose O_DIRECT is buffered I/O in disguise. */
static inline int wl_on_tmpfs(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == TMPFS_MAGIC;
}

/* A buffer aligned for O_DIRECT; exits on failure. */
static inline void *wl_alloc_aligned(size_t n)
{
	void *p;

	if (posix_memalign(&p, 4096, n))
		wl_fail("posix_memalign %zu failed", n);
	memset(p, 0, n);
	return p;
}

#endif /* IORR_TESTS_WORKLOADS_WL_H */
