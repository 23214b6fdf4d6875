/* SPDX-License-Identifier: MIT */
/*
 * mktrace: write one named replay test scenario as a trace, with the writer
 * API, and the files a faithful replay must leave behind.
 *
 *   mktrace SCENARIO OUT.iorr [EXPECT_DIR [CANARY_DIR]]
 *
 * The recorded cwd is /work; EXPECT_DIR receives the expected final content
 * of each file the scenario names (relative to /work), for cmp.  Hostile
 * scenarios aim at CANARY_DIR (absolute), which must stay untouched.
 *
 * Scenarios:
 *   sync	pwrite/pread/ftruncate/fallocate/rename/unlink on one thread
 *   aio	a libaio batch (write + read), getevents, completions
 *   uring	io_uring write linked to fsync, then a read
 *   threads	two threads writing halves of a file, create/join
 *   racy	a read that overlapped a write of another thread in time and
 *		saw the old bytes, though the write has the smaller seq
 *   missing	opens a file that has no initial state
 *   condvar	producer/consumer: the consumer waits on a condition
 *		variable while the producer locks the mutex, writes, signals
 *		and unlocks; the consumer's read after the wait sees the write
 *   hbcycle	an impossible recording (an unlock that started before the
 *		write before it ended): its happens-before graph has a cycle
 *   hashonly	like sync, but the write payloads are hash-only blobs
 *   h_dotdot	creates "../../<canary>/x" from /work
 *   h_abs	truncates and writes "<canary>/f" (absolute)
 *   h_symlink	plants a symlink to "<canary>/f", writes through it
 *   h_link	hard-links "<canary>/f", writes through the link
 *   h_rename_root renames a file over "/"
 *
 * Exit 0, 1 on error, 2 on usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iorr/trace.h"
#include "mkevents.h"

static uint64_t now = 1000000;
static const char *expect_dir;

#define die(what, r) mk_die(what, r)

static uint32_t P(const char *s)
{
	return (uint32_t)mk_path(s);
}

#define B(p, n) mk_blob(p, n)	/* DATA field value */

/*
 * Append an event: op, thread, start (0: now), duration, result, errno,
 * then "field", value pairs, NULL.
 */
static uint64_t E(const char *op, uint32_t thread, uint64_t start,
		  uint64_t dur, int64_t result, uint32_t err, ...)
{
	va_list ap;

	if (!start) {
		start = now;
		now += dur + 1000;
	}
	va_start(ap, err);
	uint64_t s = mk_eventv(op, thread, start, dur, result, err, ap);

	va_end(ap);
	return s;
}

#define initial(path, mode, size, data, dlen) \
	mk_initial(path, mode, size, data, dlen)

/* Final state of @path (relative to /work), and its expected file. */
static void final(const char *path, uint32_t mode, const void *data,
		  uint64_t len, bool exists)
{
	char full[512];

	snprintf(full, sizeof(full), "/work/%s", path);
	mk_final(full, mode, data, len, exists);
	if (!expect_dir || !exists)
		return;
	snprintf(full, sizeof(full), "%s/%s", expect_dir, path);
	char *slash = strrchr(full, '/');

	/* one level of subdirectory is all the scenarios use */
	*slash = '\0';
	mkdir(full, 0755);
	*slash = '/';
	FILE *f = fopen(full, "w");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		die(full, -errno);
}

static uint8_t A[4096], Bb[4096], X[4096];

static void fill(void)
{
	for (int i = 0; i < 4096; i++) {
		A[i] = (uint8_t)('A' + i % 26);
		Bb[i] = (uint8_t)('a' + i % 23);
		X[i] = (uint8_t)(0x80 | (i * 7));
	}
}

static void sc_sync(bool hashonly)
{
	uint8_t cur[8192] = { 0 };
	uint64_t bdata;

	initial("/work/data.bin", 0100644, 8192, A, 4096);
	if (hashonly) {
		struct iorr_hash128 h = iorr_hash128(Bb, 4096);
		int64_t r = iorr_writer_blob_hash(mk_w, &h, 4096);

		if (r < 0)
			die("blob", r);
		bdata = U(r + 1);
	} else {
		bdata = B(Bb, 4096);
	}
	mk_thread(100, 100, UINT32_MAX);
	memcpy(cur, A, 4096);
	E("open", 0, 0, 1000, 3, 0, "path", U(P("data.bin")), "flags",
	  U(O_RDWR), "mode", U(0), NULL);
	E("pread", 0, 0, 1000, 4096, 0, "fd", U(3), "len", U(4096), "off",
	  U(0), "hash", iorr_hash64(A, 4096), NULL);
	E("pwrite", 0, 0, 1000, 4096, 0, "fd", U(3), "len", U(4096), "off",
	  U(4096), "buf", U(0x1000), "data", bdata, NULL);
	memcpy(cur + 4096, Bb, 4096);
	E("pread", 0, 0, 1000, 8192, 0, "fd", U(3), "len", U(8192), "off",
	  U(0), "buf", U(0x200), "hash", iorr_hash64(cur, 8192), NULL);
	/* the read the fault shim corrupts: offset 4096, 4096 bytes */
	E("pread", 0, 0, 1000, 4096, 0, "fd", U(3), "len", U(4096), "off",
	  U(4096), "hash", iorr_hash64(Bb, 4096), NULL);
	E("ftruncate", 0, 0, 1000, 0, 0, "fd", U(3), "len", U(6000), NULL);
	E("fallocate", 0, 0, 1000, 0, 0, "fd", U(3), "mode",
	  U(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE), "off", U(0), "len",
	  U(4096), NULL);
	memset(cur, 0, 4096);
	E("pread", 0, 0, 1000, 6000, 0, "fd", U(3), "len", U(8192), "off",
	  U(0), "hash", iorr_hash64(cur, 6000), NULL);
	E("open", 0, 0, 1000, 4, 0, "path", U(P("new.txt")), "flags",
	  U(O_CREAT | O_WRONLY | O_TRUNC), "mode", U(0644), NULL);
	E("write", 0, 0, 1000, 11, 0, "fd", U(4), "len", U(11), "data",
	  B("hello world", 11), NULL);
	E("lseek", 0, 0, 1000, 6, 0, "fd", U(4), "off", U(6), "whence",
	  U(SEEK_SET), NULL);
	E("write", 0, 0, 1000, 5, 0, "fd", U(4), "len", U(5), "data",
	  B("WORLD", 5), NULL);
	E("close", 0, 0, 1000, 0, 0, "fd", U(4), NULL);
	E("rename", 0, 0, 1000, 0, 0, "oldpath", U(P("new.txt")), "newpath",
	  U(P("/work/renamed.txt")), NULL);
	E("open", 0, 0, 1000, 4, 0, "path", U(P("tmp")), "flags",
	  U(O_CREAT | O_WRONLY), "mode", U(0600), NULL);
	E("close", 0, 0, 1000, 0, 0, "fd", U(4), NULL);
	E("unlink", 0, 0, 1000, 0, 0, "path", U(P("tmp")), NULL);
	E("unlink", 0, 0, 1000, -1, ENOENT, "path", U(P("tmp")), NULL);
	E("mkdir", 0, 0, 1000, 0, 0, "path", U(P("sub")), "mode", U(0755),
	  NULL);
	E("openat", 0, 0, 1000, 5, 0, "dirfd", U(AT_FDCWD), "path",
	  U(P("sub/../sub/f")), "flags", U(O_CREAT | O_RDWR), "mode",
	  U(0640), NULL);
	E("copy_file_range", 0, 0, 1000, 100, 0, "fd_in", U(3), "off_in",
	  U(4096), "fd_out", U(5), "off_out", U(10), "len", U(100), "flags",
	  U(0), NULL);
	E("close", 0, 0, 1000, 0, 0, "fd", U(5), NULL);
	E("close", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
	if (hashonly) {
		/* stand-in bytes: no expected files, the model checks */
		expect_dir = NULL;
	}
	final("data.bin", 0100644, cur, 6000, true);
	final("renamed.txt", 0100644, "hello WORLD", 11, true);
	final("new.txt", 0, NULL, 0, false);
	final("tmp", 0, NULL, 0, false);
	uint8_t sf[110] = { 0 };

	memcpy(sf + 10, Bb, 100);
	final("sub/f", 0100640, sf, 110, true);
}

static void sc_aio(void)
{
	uint8_t cur[12288] = { 0 };

	initial("/work/db", 0100600, 12288, A, 4096);
	mk_thread(100, 100, UINT32_MAX);
	memcpy(cur, A, 4096);
	E("open", 0, 0, 1000, 3, 0, "path", U(P("/work/db")), "flags",
	  U(O_RDWR), "mode", U(0), NULL);
	E("aio_setup", 0, 0, 1000, 0, 0, "ctx", U(1), "nr_events", U(8),
	  NULL);
	E("aio_submit", 0, 0, 1000, 2, 0, "ctx", U(1), "nr", U(2), NULL);
	E("aio_pwrite", 0, 0, 0, 0, 0, "ctx", U(1), "req", U(1), "fd", U(3),
	  "len", U(4096), "off", U(8192), "buf", U(0), NULL);
	E("aio_pread", 0, 0, 0, 0, 0, "ctx", U(1), "req", U(2), "fd", U(3),
	  "len", U(4096), "off", U(0), "buf", U(0x200), NULL);
	uint64_t g = E("aio_getevents", 0, 0, 1000, 2, 0, "ctx", U(1),
		       "min_nr", U(2), "nr", U(8), "timeout_ns", U(-1), NULL);
	E("aio_complete", 0, 0, 0, 4096, 0, "ctx", U(1), "req", U(2), "reap",
	  g, "hash", iorr_hash64(A, 4096), NULL);
	E("aio_complete", 0, 0, 0, 4096, 0, "ctx", U(1), "req", U(1), "reap",
	  g, "data", B(X, 4096), NULL);
	memcpy(cur + 8192, X, 4096);
	E("aio_submit", 0, 0, 1000, 1, 0, "ctx", U(1), "nr", U(1), NULL);
	E("aio_pread", 0, 0, 0, 0, 0, "ctx", U(1), "req", U(3), "fd", U(3),
	  "len", U(8192), "off", U(4096), NULL);
	E("aio_getevents", 0, 0, 1000, -1, EINTR, "ctx", U(1), "min_nr",
	  U(1), "nr", U(8), "timeout_ns", U(-1), NULL);
	g = E("aio_getevents", 0, 0, 1000, 1, 0, "ctx", U(1), "min_nr",
	      U(1), "nr", U(8), "timeout_ns", U(-1), NULL);
	E("aio_complete", 0, 0, 0, 8192, 0, "ctx", U(1), "req", U(3), "reap",
	  g, "hash", iorr_hash64(cur + 4096, 8192), NULL);
	E("aio_destroy", 0, 0, 1000, 0, 0, "ctx", U(1), NULL);
	E("close", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
	final("db", 0100600, cur, 12288, true);
}

static void sc_uring(void)
{
	uint8_t cur[8192] = { 0 };

	initial("/work/db", 0100644, 4096, A, 4096);
	mk_thread(100, 100, UINT32_MAX);
	memcpy(cur, A, 4096);
	E("open", 0, 0, 1000, 3, 0, "path", U(P("db")), "flags",
	  U(O_RDWR), "mode", U(0), NULL);
	E("uring_setup", 0, 0, 1000, 0, 0, "ring", U(1), "entries", U(8),
	  "flags", U(0), "sq_entries", U(8), "cq_entries", U(16), NULL);
	E("uring_write", 0, 0, 0, 0, 0, "ring", U(1), "req", U(1),
	  "sqe_flags", U(0x04 /* IOSQE_IO_LINK */), "fd", U(3), "len",
	  U(4096), "off", U(4096), "user_data", U(0xdead), NULL);
	E("uring_fsync", 0, 0, 0, 0, 0, "ring", U(1), "req", U(2), "fd",
	  U(3), "user_data", U(0xbeef), NULL);
	uint64_t s = E("uring_submit", 0, 0, 1000, 2, 0, "ring", U(1),
		       "wait_nr", U(0), NULL);
	E("uring_cqe", 0, 0, 0, 4096, 0, "ring", U(1), "req", U(1),
	  "user_data", U(0xdead), "reap", s, "data", B(X, 4096), NULL);
	E("uring_cqe", 0, 0, 0, 0, 0, "ring", U(1), "req", U(2),
	  "user_data", U(0xbeef), "reap", s, NULL);
	memcpy(cur + 4096, X, 4096);
	E("uring_read", 0, 0, 0, 0, 0, "ring", U(1), "req", U(3), "fd", U(3),
	  "len", U(8192), "off", U(0), "buf", U(0x800), NULL);
	s = E("uring_submit", 0, 0, 1000, 1, 0, "ring", U(1), "wait_nr",
	      U(1), NULL);
	E("uring_cqe", 0, 0, 0, 8192, 0, "ring", U(1), "req", U(3), "reap",
	  s, "hash", iorr_hash64(cur, 8192), NULL);
	E("uring_exit", 0, 0, 1000, 0, 0, "ring", U(1), NULL);
	E("close", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
	final("db", 0100644, cur, 8192, true);
}

static void sc_threads(void)
{
	uint8_t cur[8192];

	mk_thread(100, 100, UINT32_MAX);
	mk_thread(100, 101, 0);
	E("open", 0, 0, 1000, 3, 0, "path", U(P("out")), "flags",
	  U(O_CREAT | O_RDWR | O_TRUNC), "mode", U(0644), NULL);
	E("thread_create", 0, 0, 1000, 0, 0, "child", U(1), NULL);
	E("thread_start", 1, 0, 100, 0, 0, "parent", U(0), NULL);
	E("pwrite", 1, 0, 1000, 4096, 0, "fd", U(3), "len", U(4096), "off",
	  U(4096), "data", B(Bb, 4096), NULL);
	E("pwrite", 0, 0, 1000, 4096, 0, "fd", U(3), "len", U(4096), "off",
	  U(0), "data", B(A, 4096), NULL);
	E("thread_exit", 1, 0, 100, 0, 0, NULL);
	E("thread_join", 0, 0, 1000, 0, 0, "target", U(1), NULL);
	memcpy(cur, A, 4096);
	memcpy(cur + 4096, Bb, 4096);
	E("pread", 0, 0, 1000, 8192, 0, "fd", U(3), "len", U(8192), "off",
	  U(0), "hash", iorr_hash64(cur, 8192), NULL);
	E("fsync", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
	E("close", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
	final("out", 0100644, cur, 8192, true);
}

static void sc_racy(void)
{
	initial("/work/shared", 0100644, 4096, A, 4096);
	mk_thread(100, 100, UINT32_MAX);
	mk_thread(100, 101, 0);
	E("open", 0, 0, 1000, 3, 0, "path", U(P("shared")), "flags",
	  U(O_RDWR), "mode", U(0), NULL);
	E("thread_create", 0, 0, 1000, 0, 0, "child", U(1), NULL);
	uint64_t t = now;

	now += 100000;
	/* the write (seq first) and the read overlap in time */
	E("pwrite", 1, t, 50000, 4096, 0, "fd", U(3), "len", U(4096), "off",
	  U(0), "data", B(X, 4096), NULL);
	E("pread", 0, t + 1000, 10000, 4096, 0, "fd", U(3), "len", U(4096),
	  "off", U(0), "hash", iorr_hash64(A, 4096), NULL);
	E("thread_join", 0, 0, 1000, 0, 0, "target", U(1), NULL);
	E("close", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
	final("shared", 0100644, X, 4096, true);
}

static void sc_condvar(void)
{
	initial("/work/q", 0100644, 4096, A, 4096);
	mk_thread(100, 100, UINT32_MAX);
	mk_thread(100, 101, 0);
	E("open", 0, 0, 1000, 3, 0, "path", U(P("q")), "flags", U(O_RDWR),
	  "mode", U(0), NULL);
	E("thread_create", 0, 0, 1000, 0, 0, "child", U(1), NULL);
	E("thread_start", 1, 0, 100, 0, 0, "parent", U(0), NULL);
	/* consumer: lock, then wait (sequenced when the wait returns) */
	E("mutex_lock", 0, 0, 100, 0, 0, "obj", U(8), NULL);
	uint64_t wait_start = now;

	now += 1000;
	/* producer, while the consumer waits */
	E("mutex_lock", 1, 0, 100, 0, 0, "obj", U(8), NULL);
	E("pwrite", 1, 0, 1000, 4096, 0, "fd", U(3), "len", U(4096), "off",
	  U(0), "data", B(X, 4096), NULL);
	E("cond_signal", 1, 0, 100, 0, 0, "cond", U(9), NULL);
	E("mutex_unlock", 1, 0, 100, 0, 0, "obj", U(8), NULL);
	E("cond_wait", 0, wait_start, now - wait_start, 0, 0, "cond", U(9),
	  "mutex", U(8), NULL);
	now += 1000;
	E("pread", 0, 0, 1000, 4096, 0, "fd", U(3), "len", U(4096), "off",
	  U(0), "hash", iorr_hash64(X, 4096), NULL);
	E("mutex_unlock", 0, 0, 100, 0, 0, "obj", U(8), NULL);
	E("thread_exit", 1, 0, 100, 0, 0, NULL);
	E("thread_join", 0, 0, 1000, 0, 0, "target", U(1), NULL);
	E("close", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
	final("q", 0100644, X, 4096, true);
}

static void sc_hbcycle(void)
{
	initial("/work/c", 0100644, 4096, A, 4096);
	mk_thread(100, 100, UINT32_MAX);
	mk_thread(100, 101, 0);
	E("open", 0, 10, 40, 3, 0, "path", U(P("c")), "flags", U(O_RDWR),
	  "mode", U(0), NULL);
	/* B locks (by the times, after A's unlock began) and writes */
	E("mutex_lock", 1, 100, 100, 0, 0, "obj", U(8), NULL);
	E("pwrite", 1, 210, 40, 4096, 0, "fd", U(3), "len", U(4096), "off",
	  U(0), "data", B(X, 4096), NULL);
	/* A writes after B's write, then unlocks from before that write */
	E("pwrite", 0, 300, 100, 4096, 0, "fd", U(3), "len", U(4096), "off",
	  U(0), "data", B(A, 4096), NULL);
	E("mutex_unlock", 0, 150, 350, 0, 0, "obj", U(8), NULL);
	final("c", 0100644, A, 4096, true);
}

static void sc_missing(void)
{
	mk_thread(100, 100, UINT32_MAX);
	E("open", 0, 0, 1000, 3, 0, "path", U(P("/work/unknown")), "flags",
	  U(O_RDONLY), "mode", U(0), NULL);
	E("pread", 0, 0, 1000, 10, 0, "fd", U(3), "len", U(10), "off", U(0),
	  "hash", U(12345), NULL);
	E("close", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
}

static void hostile(const char *sc, const char *canary)
{
	char p[512];

	mk_thread(100, 100, UINT32_MAX);
	if (!strcmp(sc, "h_dotdot")) {
		/* /work/../..<canary>/x: climbs to the root, stays in it */
		snprintf(p, sizeof(p), "../..%s/x", canary);
		E("open", 0, 0, 1000, 3, 0, "path", U(P(p)), "flags",
		  U(O_CREAT | O_WRONLY | O_TRUNC), "mode", U(0644), NULL);
		E("write", 0, 0, 1000, 4, 0, "fd", U(3), "len", U(4),
		  "data", B("evil", 4), NULL);
		E("close", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
	} else if (!strcmp(sc, "h_abs")) {
		snprintf(p, sizeof(p), "%s/f", canary);
		E("open", 0, 0, 1000, 3, 0, "path", U(P(p)), "flags",
		  U(O_CREAT | O_WRONLY | O_TRUNC), "mode", U(0644), NULL);
		E("write", 0, 0, 1000, 4, 0, "fd", U(3), "len", U(4),
		  "data", B("evil", 4), NULL);
		E("close", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
		snprintf(p, sizeof(p), "%s/g", canary);
		E("unlink", 0, 0, 1000, 0, 0, "path", U(P(p)), NULL);
	} else if (!strcmp(sc, "h_symlink")) {
		snprintf(p, sizeof(p), "%s/f", canary);
		E("symlink", 0, 0, 1000, 0, 0, "target", U(P(p)), "linkpath",
		  U(P("lnk")), NULL);
		E("open", 0, 0, 1000, 3, 0, "path", U(P("lnk")), "flags",
		  U(O_CREAT | O_WRONLY | O_TRUNC), "mode", U(0644), NULL);
		E("write", 0, 0, 1000, 4, 0, "fd", U(3), "len", U(4),
		  "data", B("evil", 4), NULL);
		E("close", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
		E("symlink", 0, 0, 1000, 0, 0, "target", U(P(canary)),
		  "linkpath", U(P("dirlnk")), NULL);
		E("unlink", 0, 0, 1000, 0, 0, "path", U(P("dirlnk/g")), NULL);
		E("rename", 0, 0, 1000, 0, 0, "oldpath", U(P("dirlnk/g")),
		  "newpath", U(P("stolen")), NULL);
	} else if (!strcmp(sc, "h_link")) {
		snprintf(p, sizeof(p), "%s/f", canary);
		E("link", 0, 0, 1000, 0, 0, "oldpath", U(P(p)), "newpath",
		  U(P("hard")), NULL);
		E("symlink", 0, 0, 1000, 0, 0, "target", U(P(p)), "linkpath",
		  U(P("soft")), NULL);
		E("linkat", 0, 0, 1000, 0, 0, "olddirfd", U(AT_FDCWD),
		  "oldpath", U(P("soft")), "newdirfd", U(AT_FDCWD), "newpath",
		  U(P("hard2")), "flags", U(AT_SYMLINK_FOLLOW), NULL);
		E("open", 0, 0, 1000, 3, 0, "path", U(P("hard2")), "flags",
		  U(O_WRONLY | O_TRUNC), "mode", U(0), NULL);
		E("write", 0, 0, 1000, 4, 0, "fd", U(3), "len", U(4),
		  "data", B("evil", 4), NULL);
		E("close", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
	} else if (!strcmp(sc, "h_rename_root")) {
		E("open", 0, 0, 1000, 3, 0, "path", U(P("a")), "flags",
		  U(O_CREAT | O_WRONLY), "mode", U(0644), NULL);
		E("close", 0, 0, 1000, 0, 0, "fd", U(3), NULL);
		E("rename", 0, 0, 1000, 0, 0, "oldpath", U(P("a")),
		  "newpath", U(P("/")), NULL);
		E("rename", 0, 0, 1000, 0, 0, "oldpath", U(P("..")),
		  "newpath", U(P("b")), NULL);
	} else {
		fprintf(stderr, "mktrace: unknown scenario %s\n", sc);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mktrace SCENARIO OUT [EXPECT_DIR "
			"[CANARY_DIR]]\n");
		return 2;
	}
	const char *sc = argv[1];

	expect_dir = argc > 3 ? argv[3] : NULL;
	fill();
	mk_open("mktrace", argv[2], "{\"cwd\":\"/work\",\"umask\":18}");
	if (!strcmp(sc, "sync"))
		sc_sync(false);
	else if (!strcmp(sc, "hashonly"))
		sc_sync(true);
	else if (!strcmp(sc, "aio"))
		sc_aio();
	else if (!strcmp(sc, "uring"))
		sc_uring();
	else if (!strcmp(sc, "threads"))
		sc_threads();
	else if (!strcmp(sc, "racy"))
		sc_racy();
	else if (!strcmp(sc, "condvar"))
		sc_condvar();
	else if (!strcmp(sc, "hbcycle"))
		sc_hbcycle();
	else if (!strcmp(sc, "missing"))
		sc_missing();
	else if (!strncmp(sc, "h_", 2) && argc > 4)
		hostile(sc, argv[4]);
	else {
		fprintf(stderr, "mktrace: unknown scenario %s (hostile ones "
			"need a canary dir)\n", sc);
		return 2;
	}
	mk_close();
	return 0;
}
