// SPDX-License-Identifier: MIT
/*
 * uring_mt - several threads sharing one io_uring.
 *
 * Usage: uring_mt [-t threads] [-n writes] DIR
 *
 * WHY: liburing leaves locking to the program: threads that share a ring
 * serialize their submissions (SQ) and their reaping (CQ) with their own
 * locks, and a CQE is reaped by whichever thread gets there, not by the
 * thread that submitted the request.  The replay must then run the
 * threads' submissions and reaps on one ring in free order without a
 * waiting thread keeping the others from submitting.  A timeout with a
 * completion count makes one CQE depend on the other threads' requests:
 * it completes (0) when all the writes have, long before its time runs out
 * (-ETIME), so a replay that stalls the submitters shows.
 *
 * Thread 0 first submits the timeout (count: every write, 20 s).  Each
 * thread then writes its own -n blocks of the file with one SQE each
 * (under sq_lock: get_sqe, prep, submit) and reaps CQEs (under cq_lock),
 * whichever requests they belong to, until every write and the timeout
 * have completed (a thread that exits with requests in flight gets them
 * cancelled).  After the join, main checks every result and reads the
 * file back with io_uring.
 *
 * Prints: the number of writes, the timeout's result, the file's size and
 * checksum (deterministic).
 * Exit: 0, 1 a result or the data read back is wrong, 77 no io_uring.
 */
#include "wl.h"

#include <liburing.h>
#include <pthread.h>

#define BS 4096
#define TIMEOUT_ID UINT64_MAX

static unsigned long nthreads = 4, nwrites = 16;
static struct io_uring ring;
static pthread_mutex_t sq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cq_lock = PTHREAD_MUTEX_INITIALIZER;
static int fd;
static int *results;		/* by request id, under cq_lock */
static int timeout_res = 1;	/* 1: not reaped yet */
static unsigned long writes_done;	/* CQEs of writes reaped, cq_lock */
static struct __kernel_timespec timeout_ts = { .tv_sec = 20 };

static void submit_one(unsigned long id, const unsigned char *buf)
{
	struct io_uring_sqe *sqe;
	int r;

	pthread_mutex_lock(&sq_lock);
	sqe = io_uring_get_sqe(&ring);
	if (!sqe)
		wl_fail("io_uring_get_sqe: SQ full");
	if (id == TIMEOUT_ID)
		io_uring_prep_timeout(sqe, &timeout_ts,
				      (unsigned)(nthreads * nwrites), 0);
	else
		io_uring_prep_write(sqe, fd, buf, BS, (__u64)id * BS);
	io_uring_sqe_set_data64(sqe, id);
	r = io_uring_submit(&ring);
	pthread_mutex_unlock(&sq_lock);
	if (r != 1)
		wl_fail("io_uring_submit: %s", wl_errname(-r));
}

/*
 * Reap one CQE unless every write has completed.  @return false when
 * they have.  Under cq_lock, so one thread waits in the kernel at a time.
 */
static bool reap_one(void)
{
	struct io_uring_cqe *cqe;
	uint64_t id;
	int r;

	pthread_mutex_lock(&cq_lock);
	if (writes_done == nthreads * nwrites && timeout_res != 1) {
		pthread_mutex_unlock(&cq_lock);
		return false;
	}
	do
		r = io_uring_wait_cqe(&ring, &cqe);
	while (r == -EINTR);
	if (r < 0)
		wl_fail("io_uring_wait_cqe: %s", wl_errname(-r));
	id = io_uring_cqe_get_data64(cqe);
	if (id == TIMEOUT_ID) {
		timeout_res = cqe->res;
	} else if (id < nthreads * nwrites) {
		results[id] = cqe->res;
		writes_done++;
	} else {
		wl_fail("a CQE of an unknown request %llu",
			(unsigned long long)id);
	}
	io_uring_cqe_seen(&ring, cqe);
	pthread_mutex_unlock(&cq_lock);
	return true;
}

static void *worker(void *arg)
{
	unsigned long t = (unsigned long)arg, k;
	unsigned char *buf = wl_alloc_aligned(nwrites * BS);

	for (k = 0; k < nwrites; k++) {
		unsigned long id = t * nwrites + k;

		wl_fill(buf + k * BS, BS, id + 1);
		submit_one(id, buf + k * BS);
	}
	/*
	 * Reap until every request is done, whichever thread's: io_uring
	 * cancels a task's requests still in flight when it exits
	 * (-ECANCELED), so no thread may leave before its writes complete.
	 */
	while (reap_one())
		;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t *th;
	unsigned char *buf, *want;
	unsigned long t, n;
	int opt, r;

	while ((opt = getopt(argc, argv, "t:n:")) != -1) {
		switch (opt) {
		case 't':
			nthreads = wl_num("-t", optarg);
			break;
		case 'n':
			nwrites = wl_num("-n", optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || !nthreads || !nwrites ||
	    nthreads * nwrites > 4096)
		goto usage;
	wl_enter_dir(argv[optind]);
	n = nthreads * nwrites;
	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		wl_fail("open data: %s", strerror(errno));
	r = io_uring_queue_init(64, &ring, 0);
	if (r == -ENOSYS || r == -EPERM)
		wl_exit(WL_EXIT_SKIP, "io_uring: %s", wl_errname(-r));
	if (r < 0)
		wl_fail("io_uring_queue_init: %s", wl_errname(-r));
	results = calloc(n, sizeof(*results));
	th = calloc(nthreads, sizeof(*th));
	if (!results || !th)
		wl_fail("out of memory");
	submit_one(TIMEOUT_ID, NULL);
	for (t = 0; t < nthreads; t++)
		if (pthread_create(&th[t], NULL, worker, (void *)t))
			wl_fail("pthread_create");
	for (t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	for (t = 0; t < n; t++)
		if (results[t] != BS)
			wl_fail("write %lu: result %d", t, results[t]);
	printf("writes %lu\n", n);
	printf("timeout %s\n", timeout_res == 0 ? "0 (count reached)" :
	       wl_errname(-timeout_res));
	if (timeout_res != 0)
		wl_fail("the timeout did not complete by its count");

	/* read back through the ring, one thread */
	buf = wl_alloc_aligned(n * BS);
	want = wl_alloc_aligned(BS);
	for (t = 0; t < n; t++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		struct io_uring_cqe *cqe;

		io_uring_prep_read(sqe, fd, buf + t * BS, BS, (__u64)t * BS);
		io_uring_sqe_set_data64(sqe, t);
		if ((r = io_uring_submit(&ring)) != 1)
			wl_fail("io_uring_submit: %s", wl_errname(-r));
		do
			r = io_uring_wait_cqe(&ring, &cqe);
		while (r == -EINTR);
		if (r < 0 || cqe->res != BS)
			wl_fail("read %lu: %s", t, wl_errname(r < 0 ? -r :
							      -cqe->res));
		io_uring_cqe_seen(&ring, cqe);
		wl_fill(want, BS, t + 1);
		if (memcmp(buf + t * BS, want, BS))
			wl_fail("block %lu reads back wrong", t);
	}
	io_uring_queue_exit(&ring);
	close(fd);
	wl_print_file(AT_FDCWD, "data");
	return WL_EXIT_OK;
usage:
	fprintf(stderr, "usage: %s [-t threads] [-n writes] DIR\n", argv[0]);
	return WL_EXIT_USAGE;
}
