// SPDX-License-Identifier: MIT
/*
 * replay_ops - the calls that move file data without a plain read or
 * write: splice (file to pipe, pipe to file at an offset and at the file
 * position), sendfile (file to file, file to pipe), stores through a shared
 * mapping (msync MS_SYNC, munmap), io_cancel of a libaio request, and
 * io_uring with registered files and buffers (READ_FIXED, WRITE_FIXED,
 * IOSQE_FIXED_FILE).
 *
 * Usage: replay_ops DIR
 *
 * WHY: the replayer reissues each of these as the real call and its content
 * model must see the bytes they move; tests/replay/ops.sh records this
 * program, replays it, and checks that a wrong byte in a range one of them
 * wrote is caught.  The program reads each file back at the end with
 * pread() of a size used nowhere else (the test's fault injection keys on
 * it) and compares with what it expects.
 *
 * Prints: each call's result and the checksums of the files.
 * Exit: 0, 1 a file read back differs, 77 io_uring or libaio unavailable.
 */
#include "wl.h"

#include <libaio.h>
#include <liburing.h>
#include <sys/mman.h>
#include <sys/sendfile.h>

#define BLK 4096
#define SRC_LEN (64 * 1024)
#define MAP_LEN (8 * BLK)

static unsigned char src[SRC_LEN];

static void do_splice_sendfile(int s, int d)
{
	unsigned char *own = malloc(BLK), *drained = malloc(BLK);
	unsigned char *want = calloc(1, 4 * BLK);
	loff_t in = 0, out = 0;
	off_t soff;
	int p[2];

	if (!own || !drained || !want || pipe(p) < 0)
		wl_fail("setup: %s", strerror(errno));
	wl_fill(own, BLK, 11);
	/* file -> pipe -> file at an offset */
	wl_rep("splice(src->pipe,8192@0)",
	       splice(s, &in, p[1], NULL, 2 * BLK, 0));
	wl_rep("splice(pipe->dst,8192@0)",
	       splice(p[0], NULL, d, &out, 2 * BLK, 0));
	memcpy(want, src, 2 * BLK);
	/* bytes of our own through a pipe, into dst at its position */
	wl_rep("lseek(dst,8192)", lseek(d, 2 * BLK, SEEK_SET));
	if (write(p[1], own, BLK) != BLK)
		wl_fail("write pipe: %s", strerror(errno));
	wl_rep("splice(pipe->dst,4096@pos)",
	       splice(p[0], NULL, d, NULL, BLK, 0));
	memcpy(want + 2 * BLK, own, BLK);
	/* file -> file at dst's position (12288) */
	soff = 4 * BLK;
	wl_rep("sendfile(src->dst,4096@16384)", sendfile(d, s, &soff, BLK));
	memcpy(want + 3 * BLK, src + 4 * BLK, BLK);
	/* file -> pipe: a read of src */
	soff = 5 * BLK;
	wl_rep("sendfile(src->pipe,4096@20480)", sendfile(p[1], s, &soff,
							   BLK));
	if (read(p[0], drained, BLK) != BLK || memcmp(drained, src + 5 * BLK,
						      BLK))
		wl_fail("sendfile to pipe: wrong bytes");
	close(p[0]);
	close(p[1]);
	wl_check(d, want, 3 * BLK, 0, "dst.dat[0,12288) after splice");
	wl_check(d, want + 3 * BLK, BLK - 1, 3 * BLK,
	      "dst.dat[12288,16383) after sendfile");
	free(own);
	free(drained);
	free(want);
}

static void do_mmap(void)
{
	unsigned char *want = calloc(1, MAP_LEN), *map;
	int fd = open("map.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || !want || ftruncate(fd, MAP_LEN) < 0)
		wl_fail("map.dat: %s", strerror(errno));
	map = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		wl_fail("mmap: %s", strerror(errno));
	wl_fill(want, MAP_LEN, 12);
	memcpy(map, want, MAP_LEN / 2);
	wl_rep("msync(map,first half,MS_SYNC)", msync(map, MAP_LEN / 2,
						     MS_SYNC));
	memcpy(map + MAP_LEN / 2, want + MAP_LEN / 2, MAP_LEN / 2);
	wl_rep("munmap(map)", munmap(map, MAP_LEN));
	wl_check(fd, want, MAP_LEN - 3, 0, "map.dat after mmap stores");
	close(fd);
	free(want);
}

static void do_aio(int d)
{
	io_context_t ctx = 0;
	struct iocb cb, *cbs[1] = { &cb };
	struct io_event ev;
	unsigned char *buf = wl_alloc_aligned(BLK);
	int r;

	r = io_setup(8, &ctx);
	if (r < 0)
		wl_skip("io_setup: %s", strerror(-r));
	wl_fill(buf, BLK, 13);
	io_prep_pwrite(&cb, d, buf, BLK, 6 * BLK);
	wl_negres("io_submit(pwrite)", io_submit(ctx, 1, cbs));
	/* buffered file I/O is not cancellable: -EINVAL or -EAGAIN */
	r = io_cancel(ctx, &cb, &ev);
	printf("%-40s = %s\n", "io_cancel(pwrite)",
	       r == 0 ? "cancelled" : "not cancelled");
	if (r != 0)
		wl_negres("io_getevents", io_getevents(ctx, 1, 1, &ev, NULL));
	io_destroy(ctx);
	wl_check(d, buf, BLK - 2, 6 * BLK, "dst.dat[24576,28670) after aio");
	free(buf);
}

static void do_uring(int s, int d)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct iovec regs[2];
	unsigned char *buf[3];
	int fds[2] = { d, s }, r;

	r = io_uring_queue_init(8, &ring, 0);
	if (r < 0)
		wl_skip("io_uring_queue_init: %s", strerror(-r));
	for (int k = 0; k < 3; k++)
		buf[k] = wl_alloc_aligned(BLK);
	for (int k = 0; k < 2; k++)
		regs[k] = (struct iovec){ buf[k], BLK };
	wl_fill(buf[0], BLK, 14);
	wl_negres("io_uring_register_files", io_uring_register_files(
			  &ring, fds, 2));
	wl_negres("io_uring_register_buffers", io_uring_register_buffers(
			  &ring, regs, 2));
	/* WRITE_FIXED to dst (file index 0) from buffer 0 */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write_fixed(sqe, 0, buf[0], BLK, 8 * BLK, 0);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_LINK;
	/* READ_FIXED of src (file index 1) into buffer 1 */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, 1, buf[1], BLK, 7 * BLK, 1);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_LINK;
	/* a plain READ through the fixed file table */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, 0, buf[2], BLK, 8 * BLK);
	sqe->flags |= IOSQE_FIXED_FILE;
	wl_negres("io_uring_submit", io_uring_submit(&ring));
	for (int k = 0; k < 3; k++) {
		r = io_uring_wait_cqe(&ring, &cqe);
		if (r < 0)
			wl_fail("io_uring_wait_cqe: %s", strerror(-r));
		if (cqe->res != BLK)
			wl_fail("cqe %d: %d", k, cqe->res);
		io_uring_cqe_seen(&ring, cqe);
	}
	if (memcmp(buf[1], src + 7 * BLK, BLK))
		wl_fail("READ_FIXED: wrong bytes");
	printf("%-40s = ok\n", "READ_FIXED/WRITE_FIXED/FIXED_FILE");
	wl_negres("io_uring_unregister_buffers",
		  io_uring_unregister_buffers(&ring));
	wl_negres("io_uring_unregister_files",
		  io_uring_unregister_files(&ring));
	io_uring_queue_exit(&ring);
	wl_check(d, buf[0], BLK - 4, 8 * BLK, "dst.dat[32768,36860) after uring");
	for (int k = 0; k < 3; k++)
		free(buf[k]);
}

int main(int argc, char **argv)
{
	int s, d;

	if (argc != 2) {
		fprintf(stderr, "usage: replay_ops DIR\n");
		return WL_EXIT_USAGE;
	}
	wl_enter_dir(argv[1]);
	wl_fill(src, SRC_LEN, 10);
	s = open("src.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	d = open("dst.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (s < 0 || d < 0)
		wl_fail("open: %s", strerror(errno));
	wl_pwrite_all(s, src, SRC_LEN, 0);
	do_splice_sendfile(s, d);
	do_mmap();
	do_aio(d);
	do_uring(s, d);
	close(s);
	close(d);
	wl_print_file(AT_FDCWD, "src.dat");
	wl_print_file(AT_FDCWD, "dst.dat");
	wl_print_file(AT_FDCWD, "map.dat");
	return WL_EXIT_OK;
}
