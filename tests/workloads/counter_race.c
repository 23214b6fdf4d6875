// SPDX-License-Identifier: MIT
/*
 * counter_race - threads incrementing an 8-byte counter kept in a file.
 *
 * Usage: counter_race [-t threads] [-n iterations] [-l | -f] DIR
 *
 * WHY: the smallest application race there is.  Each thread does, K times,
 * pread the counter, add one, pwrite it back.  Without a lock two threads
 * can read the same value and one increment is lost; `iorr hunt` must find
 * orders that lose updates in a recording where none were lost, and report
 * the conflicting pread/pwrite pair.  With -l (pthread mutex) or -f (flock on
 * a per-thread open file description, so the lock really excludes the other
 * threads) the replayer must see the lock as a happens-before edge and never
 * report a divergence.  A sched_yield() between the read and the write
 * widens the window, so an unlocked run (or a broken lock) loses updates on
 * nearly every run, not only now and then.
 *
 * Prints: mode, final counter, expected counter (threads * iterations) and
 * the number of lost updates.  Deterministic except unlocked.
 * Exit: 0, or 1 when a locked mode loses an update.
 */
#include "wl.h"

#include <pthread.h>
#include <sched.h>
#include <sys/file.h>

enum mode { UNLOCKED, MUTEX, FLOCK };

static enum mode mode = UNLOCKED;
static unsigned long iters = 1000;
static int shared_fd;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start;

static void *incrementer(void *arg)
{
	uint64_t v;
	unsigned long i;
	int fd = shared_fd;

	/* flock locks belong to the open file description: one per thread */
	if (mode == FLOCK) {
		fd = open("counter", O_RDWR);
		if (fd < 0)
			wl_fail("open counter: %s", strerror(errno));
	}
	pthread_barrier_wait(&start);
	for (i = 0; i < iters; i++) {
		if (mode == MUTEX)
			pthread_mutex_lock(&lock);
		else if (mode == FLOCK && flock(fd, LOCK_EX) < 0)
			wl_fail("flock: %s", strerror(errno));
		wl_pread_all(fd, &v, sizeof(v), 0);
		v++;
		/* widen the window, so that unlocked runs lose updates */
		sched_yield();
		wl_pwrite_all(fd, &v, sizeof(v), 0);
		if (mode == MUTEX)
			pthread_mutex_unlock(&lock);
		else if (mode == FLOCK && flock(fd, LOCK_UN) < 0)
			wl_fail("flock: %s", strerror(errno));
	}
	if (mode == FLOCK)
		close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "unlocked", "mutex", "flock" };
	unsigned long nthreads = 2, t;
	uint64_t v = 0, expect;
	pthread_t *tids;
	int opt, err;

	while ((opt = getopt(argc, argv, "t:n:lf")) != -1) {
		switch (opt) {
		case 't':
			nthreads = wl_num("t", optarg);
			break;
		case 'n':
			iters = wl_num("n", optarg);
			break;
		case 'l':
			mode = MUTEX;
			break;
		case 'f':
			mode = FLOCK;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || !nthreads || nthreads > 1024)
		goto usage;
	wl_enter_dir(argv[optind]);

	shared_fd = open("counter", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (shared_fd < 0)
		wl_fail("open counter: %s", strerror(errno));
	wl_pwrite_all(shared_fd, &v, sizeof(v), 0);

	tids = calloc(nthreads, sizeof(*tids));
	if (!tids)
		wl_fail("out of memory");
	pthread_barrier_init(&start, NULL, (unsigned)nthreads);
	for (t = 0; t < nthreads; t++) {
		err = pthread_create(&tids[t], NULL, incrementer, NULL);
		if (err)
			wl_fail("pthread_create: %s", strerror(err));
	}
	for (t = 0; t < nthreads; t++)
		pthread_join(tids[t], NULL);

	wl_pread_all(shared_fd, &v, sizeof(v), 0);
	close(shared_fd);
	expect = (uint64_t)nthreads * iters;
	printf("mode %s threads %lu iterations %lu\n", names[mode], nthreads,
	       iters);
	printf("counter %llu expected %llu lost %llu\n",
	       (unsigned long long)v, (unsigned long long)expect,
	       (unsigned long long)(expect - v));
	free(tids);
	if (v > expect)
		wl_fail("counter %llu exceeds %llu increments",
			(unsigned long long)v, (unsigned long long)expect);
	if (v != expect && mode != UNLOCKED)
		wl_fail("%s mode lost %llu updates", names[mode],
			(unsigned long long)(expect - v));
	return WL_EXIT_OK;
usage:
	fprintf(stderr, "usage: %s [-t threads] [-n iterations] [-l|-f] DIR\n",
		argv[0]);
	return WL_EXIT_USAGE;
}
