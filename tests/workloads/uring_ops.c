// SPDX-License-Identifier: MIT
/*
 * uring_ops - the io_uring requests that are not plain reads and writes,
 * and libaio POLL, for the replayer: OPENAT, then a WRITE on the fd it
 * returned and CLOSE of it; SPLICE from a pipe into a file at an offset
 * and from a file into a pipe; STATX; a TIMEOUT cancelled by
 * ASYNC_CANCEL; IOCB_CMD_POLL on a traced file and on a pipe.
 *
 * Usage: uring_ops DIR
 *
 * WHY: tests/replay/uring_ops.sh records this program and replays it: the
 * replay must issue each request for real (the opened fd mapped to the
 * recorded number, the spliced bytes in the file) and its content model
 * must see what OPENAT+WRITE and SPLICE wrote: the program reads the files
 * back at the end with pread() of sizes used nowhere else (the test's
 * fault injection keys on them).
 *
 * Prints: each request's result and the checksums of the files.
 * Exit: 0, 1 a result or a file read back differs, 77 io_uring or libaio
 * unavailable.
 */
#include "wl.h"

#include <libaio.h>
#include <liburing.h>
#include <poll.h>

#define BLK 4096

static struct io_uring ring;

/* Submit what is queued and reap @n CQEs into res[user_data]. */
static void reap(int n, int *res)
{
	struct io_uring_cqe *cqe;
	int r;

	wl_negres("io_uring_submit", r = io_uring_submit(&ring));
	if (r < 0)
		wl_fail("io_uring_submit: %s", wl_errname(-r));
	while (n-- > 0) {
		do
			r = io_uring_wait_cqe(&ring, &cqe);
		while (r == -EINTR);
		if (r < 0)
			wl_fail("io_uring_wait_cqe: %s", wl_errname(-r));
		if (cqe->user_data >= 8)
			wl_fail("unexpected user_data");
		res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
}

static void expect(const char *what, int got, int want)
{
	printf("%-40s = %d\n", what, got);
	if (got != want)
		wl_fail("%s: %d, expected %d", what, got, want);
}

static void do_aio_poll(int file)
{
	io_context_t ctx = 0;
	struct iocb cb[2], *cbs[2] = { &cb[0], &cb[1] };
	struct io_event ev[2];
	int p[2], r, n = 0;

	if (pipe(p) < 0)
		wl_fail("pipe: %s", strerror(errno));
	r = io_setup(4, &ctx);
	if (r < 0)
		wl_skip("io_setup: %s", strerror(-r));
	if (write(p[1], "x", 1) != 1)
		wl_fail("write pipe: %s", strerror(errno));
	io_prep_poll(&cb[0], file, POLLIN | POLLOUT);
	io_prep_poll(&cb[1], p[0], POLLIN);
	r = io_submit(ctx, 2, cbs);
	if (r == -EINVAL) {
		/* a kernel without IOCB_CMD_POLL */
		printf("%-40s = refused\n", "io_submit(POLL)");
		io_destroy(ctx);
		close(p[0]);
		close(p[1]);
		return;
	}
	expect("io_submit(POLL file, POLL pipe)", r, 2);
	while (n < 2) {
		r = io_getevents(ctx, 1, 2 - n, ev + n, NULL);
		if (r < 0 && r != -EINTR)
			wl_fail("io_getevents: %s", strerror(-r));
		n += r > 0 ? r : 0;
	}
	for (int k = 0; k < 2; k++)
		printf("%-40s = 0x%lx\n", ev[k].obj == &cb[0] ?
		       "POLL(file)" : "POLL(pipe)", (long)ev[k].res);
	io_destroy(ctx);
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	static struct __kernel_timespec long_ts = { 10, 0 };
	unsigned char *own = wl_alloc_aligned(2 * BLK);
	unsigned char *spl = wl_alloc_aligned(BLK);
	unsigned char *src = wl_alloc_aligned(4 * BLK);
	unsigned char *drained = wl_alloc_aligned(BLK);
	struct io_uring_sqe *sqe;
	struct statx stx;
	int res[8], s, d, fd2, p[2], r;

	if (argc != 2) {
		fprintf(stderr, "usage: uring_ops DIR\n");
		return WL_EXIT_USAGE;
	}
	wl_enter_dir(argv[1]);
	wl_fill(src, 4 * BLK, 20);
	wl_fill(own, 2 * BLK, 21);
	wl_fill(spl, BLK, 22);
	s = open("src.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	d = open("dst.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (s < 0 || d < 0)
		wl_fail("open: %s", strerror(errno));
	wl_pwrite_all(s, src, 4 * BLK, 0);
	r = io_uring_queue_init(8, &ring, 0);
	if (r == -ENOSYS || r == -EPERM)
		wl_skip("io_uring unavailable: %s", wl_errname(-r));
	if (r < 0)
		wl_fail("io_uring_queue_init: %s", wl_errname(-r));

	/* OPENAT, then WRITE -> CLOSE on the fd it returned */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_openat(sqe, AT_FDCWD, "opened.dat", O_CREAT | O_RDWR |
			     O_TRUNC, 0644);
	io_uring_sqe_set_data64(sqe, 0);
	reap(1, res);
	fd2 = res[0];
	expect("OPENAT(opened.dat) >= 0", fd2 >= 0, 1);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write(sqe, fd2, own, 2 * BLK, 0);
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data64(sqe, 1);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_close(sqe, fd2);
	io_uring_sqe_set_data64(sqe, 2);
	reap(2, res);
	expect("WRITE(opened fd,8192@0)", res[1], 2 * BLK);
	expect("CLOSE(opened fd)", res[2], 0);

	/* SPLICE pipe -> dst.dat at 4096, and src.dat@8192 -> pipe */
	if (pipe(p) < 0)
		wl_fail("pipe: %s", strerror(errno));
	if (write(p[1], spl, BLK) != BLK)
		wl_fail("write pipe: %s", strerror(errno));
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_splice(sqe, p[0], -1, d, BLK, BLK, 0);
	io_uring_sqe_set_data64(sqe, 3);
	reap(1, res);
	expect("SPLICE(pipe->dst,4096@4096)", res[3], BLK);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_splice(sqe, s, 2 * BLK, p[1], -1, BLK, 0);
	io_uring_sqe_set_data64(sqe, 4);
	reap(1, res);
	expect("SPLICE(src@8192->pipe)", res[4], BLK);
	if (read(p[0], drained, BLK) != BLK || memcmp(drained, src + 2 * BLK,
						      BLK))
		wl_fail("SPLICE to a pipe: wrong bytes");
	close(p[0]);
	close(p[1]);

	/* STATX, and a TIMEOUT cancelled by ASYNC_CANCEL */
	memset(&stx, 0, sizeof(stx));
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_statx(sqe, AT_FDCWD, "src.dat", 0, STATX_SIZE, &stx);
	io_uring_sqe_set_data64(sqe, 5);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_timeout(sqe, &long_ts, 0, 0);
	io_uring_sqe_set_data64(sqe, 6);
	reap(1, res);
	expect("STATX(src.dat)", res[5], 0);
	expect("statx size", (int)stx.stx_size, 4 * BLK);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 6, 0);
	io_uring_sqe_set_data64(sqe, 7);
	reap(2, res);
	expect("ASYNC_CANCEL(timeout)", res[7], 0);
	expect("TIMEOUT(10s) cancelled", res[6], -ECANCELED);
	io_uring_queue_exit(&ring);

	do_aio_poll(s);

	/* the final checks: pread sizes used nowhere else */
	fd2 = open("opened.dat", O_RDONLY);
	if (fd2 < 0)
		wl_fail("open opened.dat: %s", strerror(errno));
	wl_check(fd2, own, 2 * BLK - 5, 0, "opened.dat after OPENAT+WRITE");
	wl_check(d, spl, BLK - 6, BLK, "dst.dat[4096,8186) after SPLICE");
	close(fd2);
	close(s);
	close(d);
	wl_print_file(AT_FDCWD, "opened.dat");
	wl_print_file(AT_FDCWD, "dst.dat");
	return WL_EXIT_OK;
}
