// SPDX-License-Identifier: MIT
/*
 * mt_writers - several threads writing one file with pwrite.
 *
 * Usage: mt_writers [-t threads] [-n chunks] [-c chunk_size] [-o | -l] DIR
 *
 * WHY: the replayer may overlap or reorder operations of different threads
 * only where the recording's happens-before edges allow it, and must call
 * the result of a reordering either legal (disjoint writes: any order gives
 * the same file) or order-dependent (an application race).  The three modes
 * give it one of each, plus the correctly synchronized version of the race:
 *
 *   default  each thread pwrites its own region of chunks: disjoint ranges,
 *            correct under any interleaving.
 *   -o       every thread adds its pattern into the SAME chunks with an
 *            unlocked read-modify-write (pread, add bytewise, pwrite): a
 *            lost-update race, for `iorr hunt`.  Lost updates are counted and
 *            printed but are not a failure: the race is the point.
 *   -l       as -o, but each read-modify-write holds a pthread mutex: correct
 *            under any interleaving (addition commutes).
 *
 * Prints: mode, the expected and actual checksum of the file, lost-update
 * chunks (always 0 in the default and -l modes).  Output is deterministic
 * except in -o mode.
 * Exit: 0 file as expected (or -o), 1 the file differs in a correct mode.
 */
#include "wl.h"

#include <pthread.h>
#include <sched.h>

enum mode { DISJOINT, OVERLAP_RACY, OVERLAP_LOCKED };

static enum mode mode = DISJOINT;
static unsigned long nthreads = 4, nchunks = 64, chunk = 4096;
static int fd;
static pthread_mutex_t rmw_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start;

static uint64_t chunk_seed(unsigned long t, unsigned long c)
{
	return (t + 1) * 1000003ULL + c;
}

/* Offset of chunk @c of thread @t. */
static off_t chunk_off(unsigned long t, unsigned long c)
{
	if (mode == DISJOINT)
		return (off_t)((t * nchunks + c) * chunk);
	return (off_t)(c * chunk);
}

static void add_bytes(unsigned char *dst, const unsigned char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = (unsigned char)(dst[i] + src[i]);
}

static void *writer(void *arg)
{
	unsigned long t = (unsigned long)arg, c;
	unsigned char *pat = malloc(chunk), *cur = malloc(chunk);

	if (!pat || !cur)
		wl_fail("out of memory");
	pthread_barrier_wait(&start);
	for (c = 0; c < nchunks; c++) {
		wl_fill(pat, chunk, chunk_seed(t, c));
		if (mode == DISJOINT) {
			wl_pwrite_all(fd, pat, chunk, chunk_off(t, c));
			continue;
		}
		if (mode == OVERLAP_LOCKED)
			pthread_mutex_lock(&rmw_lock);
		wl_pread_all(fd, cur, chunk, chunk_off(t, c));
		add_bytes(cur, pat, chunk);
		sched_yield();	/* widen the race window of -o */
		wl_pwrite_all(fd, cur, chunk, chunk_off(t, c));
		if (mode == OVERLAP_LOCKED)
			pthread_mutex_unlock(&rmw_lock);
	}
	free(pat);
	free(cur);
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const names[] = {
		"disjoint", "overlap-racy", "overlap-locked",
	};
	unsigned char *expect, *got, *pat;
	unsigned long t, c, lost = 0;
	size_t size;
	pthread_t *tids;
	int opt, err;

	while ((opt = getopt(argc, argv, "t:n:c:ol")) != -1) {
		switch (opt) {
		case 't':
			nthreads = wl_num("t", optarg);
			break;
		case 'n':
			nchunks = wl_num("n", optarg);
			break;
		case 'c':
			chunk = wl_num("c", optarg);
			break;
		case 'o':
			mode = OVERLAP_RACY;
			break;
		case 'l':
			mode = OVERLAP_LOCKED;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || !nthreads || !nchunks || !chunk ||
	    nthreads > 1024)
		goto usage;
	wl_enter_dir(argv[optind]);

	fd = open("mt.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		wl_fail("open mt.dat: %s", strerror(errno));
	size = (mode == DISJOINT ? nthreads : 1) * nchunks * chunk;
	expect = calloc(1, size);
	got = malloc(size);
	pat = malloc(chunk);
	tids = calloc(nthreads, sizeof(*tids));
	if (!expect || !got || !pat || !tids)
		wl_fail("out of memory");
	/* the RMW modes read every chunk: it must exist, as zeros */
	if (mode != DISJOINT)
		wl_pwrite_all(fd, expect, size, 0);

	pthread_barrier_init(&start, NULL, (unsigned)nthreads);
	for (t = 0; t < nthreads; t++) {
		err = pthread_create(&tids[t], NULL, writer, (void *)t);
		if (err)
			wl_fail("pthread_create: %s", strerror(err));
	}
	for (t = 0; t < nthreads; t++)
		pthread_join(tids[t], NULL);

	for (t = 0; t < nthreads; t++) {
		for (c = 0; c < nchunks; c++) {
			wl_fill(pat, chunk, chunk_seed(t, c));
			add_bytes(expect + chunk_off(t, c), pat, chunk);
		}
	}
	wl_pread_all(fd, got, size, 0);
	if (fsync(fd) < 0)
		wl_fail("fsync: %s", strerror(errno));
	close(fd);
	for (c = 0; c * chunk < size; c++)
		if (memcmp(expect + c * chunk, got + c * chunk, chunk))
			lost++;

	printf("mode %s threads %lu chunks %lu chunk_size %lu\n",
	       names[mode], nthreads, nchunks, chunk);
	printf("expected hash %016llx\n",
	       (unsigned long long)wl_hash(WL_HASH_INIT, expect, size));
	printf("file hash     %016llx\n",
	       (unsigned long long)wl_hash(WL_HASH_INIT, got, size));
	printf("lost-update chunks %lu\n", lost);
	if (lost && mode != OVERLAP_RACY)
		wl_fail("%lu chunks differ from the expected content", lost);
	free(expect);
	free(got);
	free(pat);
	free(tids);
	return WL_EXIT_OK;
usage:
	fprintf(stderr,
		"usage: %s [-t threads] [-n chunks] [-c chunk_size] "
		"[-o|-l] DIR\n", argv[0]);
	return WL_EXIT_USAGE;
}
