// SPDX-License-Identifier: MIT
/*
 * rec_uring_gaps - io_uring usage the recorder cannot fully see, to check
 * that it says so (tests/record/async.sh).
 *
 * 1. A TIMEOUT completes after io_uring_submit returned; the program spins
 *    on the inline io_uring_peek_cqe and consumes it: the next wrapped call
 *    sees it after the fact (uring_cqe late=1).
 * 2. Three batches of 4 NOPs are flushed by hand and submitted with
 *    io_uring_enter(), which the recorder does not wrap, and consumed
 *    inline: 12 SQEs never seen (uring_missed reason 4), and more CQEs
 *    than the CQ ring holds (reason 1).
 * Prints "ok" and exits 0; 77 when io_uring is not available.
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>

static void consume_all(struct io_uring *ring, unsigned n)
{
	struct io_uring_cqe *cqe;

	while (n) {
		/* inline spin: io_uring_peek_cqe would call the library's
		 * __io_uring_get_cqe (wrapped) when the ring is empty */
		if (!io_uring_cq_ready(ring))
			continue;
		if (io_uring_peek_cqe(ring, &cqe) != 0)
			continue;
		io_uring_cqe_seen(ring, cqe);
		n--;
	}
}

int main(void)
{
	struct __kernel_timespec ts = { 0, 1000000 };
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	int r = io_uring_queue_init(4, &ring, 0);

	if (r == -ENOSYS || r == -EPERM)
		return 77;
	if (r < 0) {
		fprintf(stderr, "queue_init: %d\n", r);
		return 1;
	}
	/* 1: a late completion */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_timeout(sqe, &ts, 0, 0);
	io_uring_sqe_set_data64(sqe, 100);
	if (io_uring_submit(&ring) != 1)
		return 1;
	consume_all(&ring, 1);
	io_uring_submit(&ring);		/* sees the consumed CQE */

	/* 2: submissions behind the recorder's back */
	for (int b = 0; b < 3; b++) {
		for (int i = 0; i < 4; i++) {
			sqe = io_uring_get_sqe(&ring);
			io_uring_prep_nop(sqe);
			io_uring_sqe_set_data64(sqe, 200 + b * 4 + i);
		}
		/* what liburing's flush does, by hand */
		ring.sq.sqe_head = ring.sq.sqe_tail;
		io_uring_smp_store_release(ring.sq.ktail, ring.sq.sqe_tail);
		r = io_uring_enter(ring.ring_fd, 4, 4, IORING_ENTER_GETEVENTS,
				   NULL);
		if (r != 4) {
			fprintf(stderr, "io_uring_enter: %d\n", r);
			return 1;
		}
		consume_all(&ring, 4);
	}
	io_uring_submit(&ring);		/* sees the gap */
	io_uring_queue_exit(&ring);
	printf("ok\n");
	return 0;
}
