/* SPDX-License-Identifier: MIT */
/*
 * mkhunt: write one race-hunting test scenario as a trace, with the
 * writer API.  Each scenario is what a recorder would have seen of a
 * small multi-threaded program on a lucky run: the recorded results are
 * those of the recorded (seq) order.
 *
 *   mkhunt SCENARIO OUT.iorr [ITERATIONS]
 *
 * Scenarios (cwd /work, pid 100; thread 0 starts threads 1 and 2):
 *   counter		threads 1 and 2 each do ITERATIONS (default 4)
 *			unlocked pread/+1/pwrite of an 8-byte counter file
 *			through a shared fd; no update was lost
 *   counter_mutex	the same inside a recorded pthread mutex
 *   counter_flock	the same, each thread with its own open file and
 *			flock(LOCK_EX) .. flock(LOCK_UN) around it
 *   counter_basic	counter, recorded with --sync=basic (no pthread ops)
 *   overlap		thread 1 writes bytes 0..8191, thread 2 bytes
 *			4096..12287 of one file, unsynchronized
 *   overlap_mutex	the same, each write inside a recorded mutex
 *   overlap_rw		thread 1 rewrites bytes 0..4095 of an 8 KiB file with
 *			the bytes already there while thread 2 preads all
 *			8 KiB: no order changes any result (the fault shim
 *			test makes the pread short only when they overlap)
 *   bench		100 ops: two threads each pwrite and pread 24 times
 *			in their own 4 KiB of one file
 *
 * Exit 0, 1 on error, 2 on usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "iorr/trace.h"
#include "mkevents.h"

/* op, thread, start, duration, result, then "field", value..., NULL */
static void E(const char *op, uint32_t thread, uint64_t start, uint64_t dur,
	      int64_t result, ...)
{
	va_list ap;

	va_start(ap, result);
	mk_eventv(op, thread, start, dur, result, 0, ap);
	va_end(ap);
}

#define P(s) mk_path(s)
#define B(p, n) mk_blob(p, n)

static void state(enum iorr_state_kind kind, const char *path,
		  const void *data, uint64_t len)
{
	if (kind == IORR_STATE_INITIAL)
		mk_initial(path, 0100644, len, data, len);
	else
		mk_final(path, 0100644, data, len, true);
}

static void threads(void)
{
	mk_thread(100, 100, UINT32_MAX);
	mk_thread(100, 101, 0);
	mk_thread(100, 102, 0);
}

enum lock { NONE, MUTEX, FLOCK };

static void counter(enum lock lk, unsigned iters)
{
	uint64_t v = 0, t = 1000000;
	int fds[3] = { 3, 3, 3 };

	state(IORR_STATE_INITIAL, "/work/counter", &v, 8);
	threads();
	E("open", 0, t, 2000, 3, "path", P("counter"), "flags", U(O_RDWR),
	  NULL);
	E("thread_create", 0, t + 3000, 1000, 0, "child", U(1), NULL);
	E("thread_create", 0, t + 5000, 1000, 0, "child", U(2), NULL);
	t += 10000;
	if (lk == FLOCK) {
		for (uint32_t th = 1; th <= 2; th++) {
			fds[th] = 3 + (int)th;
			E("open", th, t, 2000, fds[th], "path", P("counter"),
			  "flags", U(O_RDWR), NULL);
			t += 3000;
		}
	}
	/*
	 * The two threads run at the same time; each iteration of thread 2
	 * starts while thread 1's is still writing, but read what thread 1
	 * wrote: a lucky run that lost no update.
	 */
	for (unsigned i = 0; i < iters; i++) {
		for (uint32_t th = 1; th <= 2; th++) {
			/* locked: thread 2 waits until thread 1 unlocks */
			uint64_t b = t + (th - 1) * (lk ? 14000 : 10000);
			uint64_t nv = v + 1;

			if (lk == MUTEX)
				E("mutex_lock", th, b - 3000, 3000, 0, "obj",
				  U(1), NULL);
			if (lk == FLOCK)
				E("flock", th, b - 3000, 3000, 0, "fd",
				  U(fds[th]), "op", U(LOCK_EX), NULL);
			E("pread", th, b, 6000, 8, "fd", U(fds[th]), "len",
			  U(8), "off", U(0), "hash", iorr_hash64(&v, 8),
			  NULL);
			E("pwrite", th, b + 6000, 6000, 8, "fd", U(fds[th]),
			  "len", U(8), "off", U(0), "data", B(&nv, 8), NULL);
			if (lk == MUTEX)
				E("mutex_unlock", th, b + 12000, 500, 0, "obj",
				  U(1), NULL);
			if (lk == FLOCK)
				E("flock", th, b + 12000, 500, 0, "fd",
				  U(fds[th]), "op", U(LOCK_UN), NULL);
			v = nv;
		}
		t += lk ? 28000 : 20000;
	}
	if (lk == FLOCK)
		for (uint32_t th = 1; th <= 2; th++)
			E("close", th, t + th * 1000, 500, 0, "fd",
			  U(fds[th]), NULL);
	E("thread_exit", 1, t + 4000, 100, 0, NULL);
	E("thread_exit", 2, t + 5000, 100, 0, NULL);
	E("thread_join", 0, t + 6000, 1000, 0, "target", U(1), NULL);
	E("thread_join", 0, t + 8000, 1000, 0, "target", U(2), NULL);
	E("close", 0, t + 10000, 1000, 0, "fd", U(3), NULL);
	state(IORR_STATE_FINAL, "/work/counter", &v, 8);
}

static void overlap(bool mutex)
{
	static uint8_t a[8192], b[8192], fin[12288];
	uint64_t t = 1000000;

	for (int i = 0; i < 8192; i++) {
		a[i] = (uint8_t)('A' + i % 26);
		b[i] = (uint8_t)('a' + i % 23);
	}
	threads();
	E("open", 0, t, 2000, 3, "path", P("out"), "flags",
	  U(O_CREAT | O_RDWR | O_TRUNC), "mode", U(0644), NULL);
	E("thread_create", 0, t + 3000, 1000, 0, "child", U(1), NULL);
	E("thread_create", 0, t + 5000, 1000, 0, "child", U(2), NULL);
	t += 10000;
	if (mutex)
		E("mutex_lock", 1, t - 500, 500, 0, "obj", U(7), NULL);
	E("pwrite", 1, t, 20000, 8192, "fd", U(3), "len", U(8192), "off",
	  U(0), "data", B(a, 8192), NULL);
	if (mutex) {
		E("mutex_unlock", 1, t + 20000, 500, 0, "obj", U(7), NULL);
		E("mutex_lock", 2, t + 2000, 19000, 0, "obj", U(7), NULL);
	}
	E("pwrite", 2, t + (mutex ? 21000 : 5000), 20000, 8192, "fd", U(3),
	  "len", U(8192), "off", U(4096), "data", B(b, 8192), NULL);
	if (mutex)
		E("mutex_unlock", 2, t + 41000, 500, 0, "obj", U(7), NULL);
	E("thread_exit", 1, t + 50000, 100, 0, NULL);
	E("thread_exit", 2, t + 51000, 100, 0, NULL);
	E("thread_join", 0, t + 52000, 1000, 0, "target", U(1), NULL);
	E("thread_join", 0, t + 54000, 1000, 0, "target", U(2), NULL);
	E("close", 0, t + 56000, 1000, 0, "fd", U(3), NULL);
	memcpy(fin, a, 8192);
	memcpy(fin + 4096, b, 8192);
	state(IORR_STATE_FINAL, "/work/out", fin, sizeof(fin));
}

static void overlap_rw(void)
{
	static uint8_t d[8192];
	uint64_t t = 1000000;

	for (int i = 0; i < 8192; i++)
		d[i] = (uint8_t)(i * 13 + 7);
	state(IORR_STATE_INITIAL, "/work/data", d, sizeof(d));
	threads();
	E("open", 0, t, 2000, 3, "path", P("data"), "flags", U(O_RDWR),
	  NULL);
	E("thread_create", 0, t + 3000, 1000, 0, "child", U(1), NULL);
	E("thread_create", 0, t + 5000, 1000, 0, "child", U(2), NULL);
	t += 10000;
	E("pwrite", 1, t, 20000, 4096, "fd", U(3), "len", U(4096), "off",
	  U(0), "data", B(d, 4096), NULL);
	E("pread", 2, t + 5000, 20000, 8192, "fd", U(3), "len", U(8192),
	  "off", U(0), "hash", iorr_hash64(d, sizeof(d)), NULL);
	E("thread_exit", 1, t + 50000, 100, 0, NULL);
	E("thread_exit", 2, t + 51000, 100, 0, NULL);
	E("thread_join", 0, t + 52000, 1000, 0, "target", U(1), NULL);
	E("thread_join", 0, t + 54000, 1000, 0, "target", U(2), NULL);
	E("close", 0, t + 56000, 1000, 0, "fd", U(3), NULL);
	state(IORR_STATE_FINAL, "/work/data", d, sizeof(d));
}

static void bench(void)
{
	static uint8_t fin[8192], blk[2][4096];
	uint64_t t = 1000000;

	threads();
	E("open", 0, t, 2000, 3, "path", P("bench"), "flags",
	  U(O_CREAT | O_RDWR | O_TRUNC), "mode", U(0644), NULL);
	E("thread_create", 0, t + 3000, 1000, 0, "child", U(1), NULL);
	E("thread_create", 0, t + 5000, 1000, 0, "child", U(2), NULL);
	t += 10000;
	for (int i = 0; i < 24; i++) {
		for (uint32_t th = 1; th <= 2; th++) {
			uint64_t off = (th - 1) * 4096;

			memset(blk[th - 1], 'a' + (i + (int)th) % 26, 4096);
			E("pwrite", th, t, 3000, 4096, "fd", U(3), "len",
			  U(4096), "off", U(off), "data",
			  B(blk[th - 1], 4096), NULL);
			E("pread", th, t + 3000, 2000, 4096, "fd", U(3), "len",
			  U(4096), "off", U(off), "hash",
			  iorr_hash64(blk[th - 1], 4096), NULL);
			t += 6000;
		}
	}
	E("thread_join", 0, t + 1000, 1000, 0, "target", U(1), NULL);
	E("thread_join", 0, t + 3000, 1000, 0, "target", U(2), NULL);
	E("close", 0, t + 5000, 1000, 0, "fd", U(3), NULL);
	memcpy(fin, blk[0], 4096);
	memcpy(fin + 4096, blk[1], 4096);
	state(IORR_STATE_FINAL, "/work/bench", fin, sizeof(fin));
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mkhunt SCENARIO OUT [ITERATIONS]\n");
		return 2;
	}
	const char *sc = argv[1];
	unsigned iters = argc > 3 ? (unsigned)atoi(argv[3]) : 4;
	bool basic = !strcmp(sc, "counter_basic");
	mk_open("mkhunt", argv[2], basic ?
		"{\"cwd\":\"/work\",\"umask\":18,"
		"\"options\":{\"sync\":\"basic\"}}" :
		"{\"cwd\":\"/work\",\"umask\":18,"
		"\"options\":{\"sync\":\"pthread\"}}");
	if (iters < 1 || iters > 100000) {
		fprintf(stderr, "mkhunt: ITERATIONS must be 1..100000\n");
		return 2;
	}
	if (!strcmp(sc, "counter") || basic)
		counter(NONE, iters);
	else if (!strcmp(sc, "counter_mutex"))
		counter(MUTEX, iters);
	else if (!strcmp(sc, "counter_flock"))
		counter(FLOCK, iters);
	else if (!strcmp(sc, "overlap"))
		overlap(false);
	else if (!strcmp(sc, "overlap_mutex"))
		overlap(true);
	else if (!strcmp(sc, "overlap_rw"))
		overlap_rw();
	else if (!strcmp(sc, "bench"))
		bench();
	else {
		fprintf(stderr, "mkhunt: unknown scenario %s\n", sc);
		return 2;
	}
	mk_close();
	return 0;
}
