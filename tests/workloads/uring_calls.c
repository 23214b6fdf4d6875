// SPDX-License-Identifier: MIT
/*
 * uring_calls - liburing requests of every kind the recorder decodes.
 *
 * Usage: uring_calls [-b] DIR
 *
 * WHY: liburing's get_sqe, prep_* and most of the completion side are
 * inline, so the recorder can only read SQEs out of the ring in its
 * io_uring_submit* wrappers and CQEs out of the CQ ring at each wrapped call.
 * This program gives it each request type it must decode (READ, WRITE,
 * READV, WRITEV, READ_FIXED, WRITE_FIXED on a registered buffer and a
 * registered file, FSYNC, FALLOCATE, OPENAT, CLOSE, STATX, SPLICE, NOP,
 * TIMEOUT, ASYNC_CANCEL), IOSQE_IO_LINK chains (one that completes and one
 * whose head fails, so the rest are cancelled), and the ways completions
 * are reaped: io_uring_wait_cqe + io_uring_cqe_seen, io_uring_submit_and_wait
 * + io_uring_peek_batch_cqe + io_uring_cq_advance.
 *
 * Runs a buffered pass and an O_DIRECT pass (4096-aligned buffers); where
 * O_DIRECT is refused (EINVAL) a note says so.  -b: buffered pass only.
 *
 * Prints: per pass, one line per request in request order (completions
 * arrive in any order): id, opcode, res and errno name; then the statx size
 * and the files' checksums.
 * Exit: 0, 1 a request's result is not the expected one or data read back
 * differs, 77 io_uring is unavailable (ENOSYS, or EPERM from
 * kernel.io_uring_disabled or a seccomp filter).
 */
#include "wl.h"

#include <limits.h>
#include <liburing.h>
#include <sys/uio.h>

#define BLK	4096
#define NREQ	24
#define NO_ALT	INT_MIN	/* a request with one acceptable result */

struct req {
	const char *name;
	int expect;	/* expected res */
	int alt;	/* another acceptable res (unsupported), or NO_ALT */
	int res;
	int done;
};

static struct req reqs[NREQ];
static struct io_uring ring;
static unsigned int pending;

static struct io_uring_sqe *new_sqe(int id, const char *name, int expect,
				    int alt)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	if (!sqe)
		wl_fail("io_uring_get_sqe: ring full");
	reqs[id] = (struct req){ .name = name, .expect = expect, .alt = alt };
	io_uring_sqe_set_data64(sqe, (__u64)id);
	pending++;
	return sqe;
}

static void complete(struct io_uring_cqe *cqe)
{
	__u64 id = io_uring_cqe_get_data64(cqe);

	if (id >= NREQ || !reqs[id].name || reqs[id].done)
		wl_fail("unexpected completion user_data %llu",
			(unsigned long long)id);
	reqs[id].res = cqe->res;
	reqs[id].done = 1;
	pending--;
}

static void submit(void)
{
	int r = io_uring_submit(&ring);

	if (r < 0)
		wl_fail("io_uring_submit: %s", wl_errname(-r));
}

/* Reap everything pending with io_uring_wait_cqe and io_uring_cqe_seen. */
static void reap_wait(void)
{
	struct io_uring_cqe *cqe;
	int r;

	while (pending) {
		r = io_uring_wait_cqe(&ring, &cqe);
		if (r == -EINTR)
			continue;
		if (r < 0)
			wl_fail("io_uring_wait_cqe: %s", wl_errname(-r));
		complete(cqe);
		io_uring_cqe_seen(&ring, cqe);
	}
}

/* Submit and reap with submit_and_wait, peek_batch and cq_advance. */
static void submit_reap_batch(void)
{
	struct io_uring_cqe *cqes[NREQ];
	unsigned int n, i;
	int r;

	r = io_uring_submit_and_wait(&ring, pending);
	if (r < 0)
		wl_fail("io_uring_submit_and_wait: %s", wl_errname(-r));
	while (pending) {
		n = io_uring_peek_batch_cqe(&ring, cqes, NREQ);
		if (!n) {
			r = io_uring_wait_cqe(&ring, &cqes[0]);
			if (r < 0 && r != -EINTR)
				wl_fail("io_uring_wait_cqe: %s",
					wl_errname(-r));
			continue;
		}
		for (i = 0; i < n; i++)
			complete(cqes[i]);
		io_uring_cq_advance(&ring, n);
	}
}

static void check_data(const unsigned char *got, size_t n, uint64_t seed,
		       const char *what)
{
	unsigned char want[BLK];

	wl_fill(want, n, seed);
	if (memcmp(got, want, n))
		wl_fail("%s: data read back differs from data written", what);
}

static void run_pass(const char *mode, int oflags)
{
	static struct __kernel_timespec short_ts = { 0, 10 * 1000 * 1000 };
	static struct __kernel_timespec long_ts = { 10, 0 };
	unsigned char *buf[6], *fixed[2];
	struct iovec wiov[2], riov[2], regs[2];
	struct io_uring_params p;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct statx stx;
	char path[64];
	int fd, bfd, fd2 = -1, pipefd[2], r, i, bad = 0, have_fixed = 1;
	uint64_t seed = oflags & O_DIRECT ? 500 : 100;

	memset(reqs, 0, sizeof(reqs));
	snprintf(path, sizeof(path), "uring.%s.dat", mode);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | oflags, 0644);
	if (fd < 0 && (oflags & O_DIRECT) && errno == EINVAL) {
		printf("pass %s: O_DIRECT refused (EINVAL) on this "
		       "filesystem, skipped\n", mode);
		return;
	}
	if (fd < 0)
		wl_fail("open %s: %s", path, strerror(errno));
	/* a buffered fd on the same file for SPLICE: pages, not DIO */
	bfd = open(path, O_RDWR);
	if (bfd < 0)
		wl_fail("open %s: %s", path, strerror(errno));
	printf("pass %s\n", mode);

	memset(&p, 0, sizeof(p));
	r = io_uring_queue_init_params(32, &ring, &p);
	wl_negres("io_uring_queue_init_params", r);
	if (r == -ENOSYS || r == -EPERM)
		wl_skip("io_uring unavailable: %s", wl_errname(-r));
	if (r < 0)
		wl_fail("io_uring_queue_init_params: %s", wl_errname(-r));
	for (i = 0; i < 6; i++)
		buf[i] = wl_alloc_aligned(BLK);
	for (i = 0; i < 2; i++) {
		fixed[i] = wl_alloc_aligned(BLK);
		regs[i] = (struct iovec){ fixed[i], BLK };
	}
	wl_negres("io_uring_register_files", r = io_uring_register_files(
			  &ring, &fd, 1));
	if (r < 0)
		wl_fail("io_uring_register_files: %s", wl_errname(-r));
	r = io_uring_register_buffers(&ring, regs, 2);
	wl_negres("io_uring_register_buffers", r);
	if (r < 0) {
		printf("  registered buffers refused: no READ/WRITE_FIXED\n");
		have_fixed = 0;
	}

	/* 1: a chain WRITE -> WRITEV -> FSYNC -> READ, reaped one by one */
	wl_fill(buf[0], BLK, seed);
	wl_fill(buf[1], BLK, seed + 1);
	sqe = new_sqe(1, "WRITE", BLK, NO_ALT);
	io_uring_prep_write(sqe, fd, buf[0], BLK, 0);
	sqe->flags |= IOSQE_IO_LINK;
	wiov[0] = (struct iovec){ buf[1], BLK / 2 };
	wiov[1] = (struct iovec){ buf[1] + BLK / 2, BLK / 2 };
	sqe = new_sqe(2, "WRITEV", BLK, NO_ALT);
	io_uring_prep_writev(sqe, fd, wiov, 2, BLK);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = new_sqe(3, "FSYNC", 0, NO_ALT);
	io_uring_prep_fsync(sqe, fd, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = new_sqe(4, "READ", BLK, NO_ALT);
	io_uring_prep_read(sqe, fd, buf[2], BLK, 0);
	submit();
	reap_wait();

	/* 2: fixed buffers and file, READV, FALLOCATE, batch-reaped */
	if (have_fixed) {
		wl_fill(fixed[0], BLK, seed + 2);
		sqe = new_sqe(5, "WRITE_FIXED", BLK, NO_ALT);
		io_uring_prep_write_fixed(sqe, 0, fixed[0], BLK, 2 * BLK, 0);
		sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_LINK;
		sqe = new_sqe(6, "READ_FIXED", BLK, NO_ALT);
		io_uring_prep_read_fixed(sqe, fd, fixed[1], BLK, 2 * BLK, 1);
	}
	riov[0] = (struct iovec){ buf[3], BLK / 2 };
	riov[1] = (struct iovec){ buf[3] + BLK / 2, BLK / 2 };
	sqe = new_sqe(7, "READV", BLK, NO_ALT);
	io_uring_prep_readv(sqe, fd, riov, 2, BLK);
	sqe = new_sqe(8, "FALLOCATE", 0, -EOPNOTSUPP);
	io_uring_prep_fallocate(sqe, fd, 0, 4 * BLK, 4 * BLK);
	submit_reap_batch();

	/* 3: OPENAT, then WRITE -> CLOSE on the fd it returned; STATX, NOP */
	sqe = new_sqe(9, "OPENAT", 0, NO_ALT);
	io_uring_prep_openat(sqe, AT_FDCWD, "uring.opened", O_CREAT | O_RDWR |
			     O_TRUNC, 0644);
	submit();
	reap_wait();
	fd2 = reqs[9].res;
	if (fd2 >= 0) {
		/* an fd: print it as 0, not its number */
		reqs[9].res = 0;
		wl_fill(buf[4], BLK, seed + 4);
		sqe = new_sqe(10, "WRITE(opened)", BLK, NO_ALT);
		io_uring_prep_write(sqe, fd2, buf[4], BLK, 0);
		sqe->flags |= IOSQE_IO_LINK;
		sqe = new_sqe(11, "CLOSE", 0, NO_ALT);
		io_uring_prep_close(sqe, fd2);
	}
	memset(&stx, 0, sizeof(stx));
	sqe = new_sqe(12, "STATX", 0, NO_ALT);
	io_uring_prep_statx(sqe, AT_FDCWD, path, 0, STATX_SIZE, &stx);
	sqe = new_sqe(13, "NOP", 0, NO_ALT);
	io_uring_prep_nop(sqe);
	submit();
	reap_wait();

	/* 4: SPLICE file -> pipe -> file, linked */
	if (pipe(pipefd) < 0)
		wl_fail("pipe: %s", strerror(errno));
	sqe = new_sqe(14, "SPLICE(file->pipe)", BLK, NO_ALT);
	io_uring_prep_splice(sqe, bfd, 0, pipefd[1], -1, BLK, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = new_sqe(15, "SPLICE(pipe->file)", BLK, NO_ALT);
	io_uring_prep_splice(sqe, pipefd[0], -1, bfd, 3 * BLK, BLK, 0);
	submit();
	reap_wait();
	close(pipefd[0]);
	close(pipefd[1]);

	/* 5: TIMEOUT expiring, TIMEOUT cancelled by ASYNC_CANCEL */
	sqe = new_sqe(16, "TIMEOUT(10ms)", -ETIME, NO_ALT);
	io_uring_prep_timeout(sqe, &short_ts, 0, 0);
	sqe = new_sqe(17, "TIMEOUT(10s)", -ECANCELED, NO_ALT);
	io_uring_prep_timeout(sqe, &long_ts, 0, 0);
	submit();
	sqe = new_sqe(18, "ASYNC_CANCEL", 0, NO_ALT);
	io_uring_prep_cancel64(sqe, 17, 0);
	submit();
	reap_wait();

	/* 6: a chain whose head fails: the linked NOP is cancelled */
	sqe = new_sqe(19, "READ(fixed file 7)", -EBADF, NO_ALT);
	io_uring_prep_read(sqe, 7, buf[5], BLK, 0);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_LINK;
	sqe = new_sqe(20, "NOP(linked)", -ECANCELED, NO_ALT);
	io_uring_prep_nop(sqe);
	submit();
	reap_wait();

	/* nothing may be left over in the CQ ring */
	if (io_uring_peek_cqe(&ring, &cqe) == 0)
		wl_fail("a completion nobody asked for");

	for (i = 0; i < NREQ; i++) {
		if (!reqs[i].name)
			continue;
		printf("  %2d %-20s res %6d %s\n", i, reqs[i].name,
		       reqs[i].res,
		       reqs[i].res < 0 ? wl_errname(-reqs[i].res) : "OK");
		if (reqs[i].res != reqs[i].expect &&
		    reqs[i].res != reqs[i].alt) {
			fprintf(stderr, "%s: request %d %s: res %d, expected "
				"%d\n", program_invocation_short_name, i,
				reqs[i].name, reqs[i].res, reqs[i].expect);
			bad++;
		}
	}
	if (bad)
		wl_fail("%d requests had unexpected results", bad);
	check_data(buf[2], BLK, seed, "READ");
	check_data(buf[3], BLK, seed + 1, "READV");
	if (have_fixed)
		check_data(fixed[1], BLK, seed + 2, "READ_FIXED");
	printf("  statx size %llu\n", (unsigned long long)stx.stx_size);

	io_uring_queue_exit(&ring);
	close(fd);
	close(bfd);
	wl_print_file(AT_FDCWD, path);
	wl_print_file(AT_FDCWD, "uring.opened");
	for (i = 0; i < 6; i++)
		free(buf[i]);
	free(fixed[0]);
	free(fixed[1]);
}

int main(int argc, char **argv)
{
	int opt, buffered_only = 0;

	while ((opt = getopt(argc, argv, "b")) != -1) {
		if (opt != 'b')
			goto usage;
		buffered_only = 1;
	}
	if (optind != argc - 1)
		goto usage;
	wl_enter_dir(argv[optind]);
	run_pass("buffered", 0);
	if (!buffered_only)
		run_pass("direct", O_DIRECT);
	return WL_EXIT_OK;
usage:
	fprintf(stderr, "usage: %s [-b] DIR\n", argv[0]);
	return WL_EXIT_USAGE;
}
