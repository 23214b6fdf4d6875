// SPDX-License-Identifier: MIT
/*
 * aio_calls - the libaio calls the recorder wraps, buffered and O_DIRECT.
 *
 * Usage: aio_calls [-n iterations] [-q depth] [-b] DIR
 *
 * WHY: databases (MariaDB/InnoDB) do their I/O through libaio, and rr and
 * friends refuse it, so the app silently falls back to synchronous I/O and
 * the bug under study disappears.  iorr must record io_setup, each iocb of
 * io_submit (opcode, fd, offset, length, buffer address and alignment), the
 * events each io_getevents returned (by libaio's function and by the raw
 * syscall(SYS_io_getevents) MariaDB uses), io_cancel and io_destroy.
 *
 * Each iteration submits, on 4 blocks of its own: a batch of writes
 * (IOCB_CMD_PWRITE 4 KiB, PWRITEV 2 x 2 KiB, PWRITE 8 KiB) reaped with
 * io_getevents(); a batch of FSYNC and FDSYNC reaped with
 * syscall(SYS_io_getevents); a batch of reads (PREAD, PREADV, PREAD 8 KiB),
 * an io_cancel attempt on the first read (normal file I/O cannot be
 * cancelled: the kernel says EINVAL, or EAGAIN, and the event still comes),
 * then the reads reaped one syscall at a time.  Events come back in any
 * order; results are tallied per request type so the output does not
 * depend on it.  This runs once buffered and once with O_DIRECT (4096-aligned
 * buffers); where O_DIRECT is refused (EINVAL) a note says so and only the
 * buffered pass runs.  -b runs only the buffered pass.
 *
 * Prints: per pass and per request type the number of successes, bytes and
 * the first error; the io_cancel results; the file's checksum.
 * Exit: 0, 1 a request failed or data read back differs, 77 the kernel has
 * no native AIO (ENOSYS) or refuses a context (aio-max-nr).
 */
#include "wl.h"

#include <libaio.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#define BLK	4096
#define NBLK	4	/* blocks per iteration */

enum req {
	R_PWRITE, R_PWRITEV, R_PWRITE8K, R_FSYNC, R_FDSYNC,
	R_PREAD, R_PREADV, R_PREAD8K, R_NR
};

static const char *const req_name[R_NR] = {
	"PWRITE", "PWRITEV", "PWRITE(8K)", "FSYNC", "FDSYNC",
	"PREAD", "PREADV", "PREAD(8K)",
};

struct tally {
	unsigned long ok;
	unsigned long long bytes;
	long first_err;
};

static struct tally tally[R_NR];
static unsigned long cancel_res[256];

static long expected_res(enum req r)
{
	switch (r) {
	case R_PWRITE8K:
	case R_PREAD8K:
		return 2 * BLK;
	case R_FSYNC:
	case R_FDSYNC:
		return 0;
	default:
		return BLK;
	}
}

static void account(struct io_event *ev, long n)
{
	long i, res;
	enum req r;

	for (i = 0; i < n; i++) {
		r = (enum req)(uintptr_t)ev[i].data;
		res = (long)ev[i].res;
		if (res == expected_res(r)) {
			tally[r].ok++;
			tally[r].bytes += (unsigned long long)res;
		} else if (!tally[r].first_err) {
			tally[r].first_err = res < 0 ? res : -1000 - res;
		}
	}
}

static int submit_all(io_context_t ctx, struct iocb **cbs, long n)
{
	long done = 0;
	int r;

	while (done < n) {
		r = io_submit(ctx, n - done, cbs + done);
		if (r < 0)
			return r;
		done += r;
	}
	return 0;
}

/* Reap @n events with libaio's io_getevents(). */
static void reap_libaio(io_context_t ctx, long n)
{
	struct io_event ev[8];
	long got = 0;
	int r;

	while (got < n) {
		r = io_getevents(ctx, 1, n - got, ev, NULL);
		if (r == -EINTR)
			continue;
		if (r < 0)
			wl_fail("io_getevents: %s", wl_errname(-r));
		account(ev, r);
		got += r;
	}
}

/* Reap @n events one raw syscall at a time, as MariaDB does. */
static void reap_syscall(io_context_t ctx, long n)
{
	struct timespec ts = { 5, 0 };
	struct io_event ev[8];
	long got = 0, r;

	while (got < n) {
		r = syscall(SYS_io_getevents, ctx, 1L, 1L, ev, &ts);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			wl_fail("syscall(io_getevents): %s", wl_errname(errno));
		if (r == 0)
			wl_fail("syscall(io_getevents): timed out");
		account(ev, r);
		got += r;
	}
}

static void check_block(const unsigned char *got, size_t n, uint64_t seed,
			const char *what)
{
	unsigned char want[2 * BLK];

	wl_fill(want, n, seed);
	if (memcmp(got, want, n))
		wl_fail("%s: data read back differs from data written", what);
}

static int run_pass(const char *mode, int oflags, unsigned long iters,
		    unsigned int depth)
{
	unsigned char *wb = wl_alloc_aligned(NBLK * BLK);
	unsigned char *rb = wl_alloc_aligned(NBLK * BLK);
	struct iocb cb[3], *cbs[3];
	struct iovec wiov[2], riov[2];
	struct io_event cev;
	io_context_t ctx = 0;
	char path[64];
	unsigned long k;
	uint64_t seed;
	off_t base;
	int fd, r, i;

	memset(tally, 0, sizeof(tally));
	memset(cancel_res, 0, sizeof(cancel_res));
	snprintf(path, sizeof(path), "aio.%s.dat", mode);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | oflags, 0644);
	if (fd < 0 && (oflags & O_DIRECT) && errno == EINVAL) {
		printf("pass %s: O_DIRECT refused (EINVAL) on this "
		       "filesystem, skipped\n", mode);
		free(wb);
		free(rb);
		return 0;
	}
	if (fd < 0)
		wl_fail("open %s: %s", path, strerror(errno));
	printf("pass %s\n", mode);
	r = io_setup((int)depth, &ctx);
	wl_negres("io_setup", r);
	if (r == -ENOSYS)
		wl_skip("no native AIO in this kernel");
	if (r == -EAGAIN)
		wl_skip("io_setup: aio-max-nr reached");
	if (r < 0)
		wl_fail("io_setup: %s", wl_errname(-r));
	for (i = 0; i < 3; i++)
		cbs[i] = &cb[i];

	for (k = 0; k < iters; k++) {
		base = (off_t)(k * NBLK * BLK);
		seed = (oflags & O_DIRECT ? 1000000 : 0) + k * 10;

		wl_fill(wb, BLK, seed);
		wl_fill(wb + BLK, BLK, seed + 1);
		wl_fill(wb + 2 * BLK, 2 * BLK, seed + 2);
		io_prep_pwrite(&cb[0], fd, wb, BLK, base);
		cb[0].data = (void *)(uintptr_t)R_PWRITE;
		wiov[0] = (struct iovec){ wb + BLK, BLK / 2 };
		wiov[1] = (struct iovec){ wb + BLK + BLK / 2, BLK / 2 };
		io_prep_pwritev(&cb[1], fd, wiov, 2, base + BLK);
		cb[1].data = (void *)(uintptr_t)R_PWRITEV;
		io_prep_pwrite(&cb[2], fd, wb + 2 * BLK, 2 * BLK,
			       base + 2 * BLK);
		cb[2].data = (void *)(uintptr_t)R_PWRITE8K;
		r = submit_all(ctx, cbs, 3);
		if (r < 0)
			wl_fail("io_submit(writes): %s", wl_errname(-r));
		reap_libaio(ctx, 3);

		io_prep_fsync(&cb[0], fd);
		cb[0].data = (void *)(uintptr_t)R_FSYNC;
		io_prep_fdsync(&cb[1], fd);
		cb[1].data = (void *)(uintptr_t)R_FDSYNC;
		for (i = 0; i < 2; i++) {
			r = io_submit(ctx, 1, &cbs[i]);
			if (r == -EINVAL) {
				/* kernels before 4.18 have no aio fsync */
				tally[R_FSYNC + i].first_err = r;
				continue;
			}
			if (r != 1)
				wl_fail("io_submit(%s): %s",
					req_name[R_FSYNC + i],
					wl_errname(-r));
			reap_syscall(ctx, 1);
		}

		memset(rb, 0, NBLK * BLK);
		io_prep_pread(&cb[0], fd, rb, BLK, base);
		cb[0].data = (void *)(uintptr_t)R_PREAD;
		riov[0] = (struct iovec){ rb + BLK, BLK / 2 };
		riov[1] = (struct iovec){ rb + BLK + BLK / 2, BLK / 2 };
		io_prep_preadv(&cb[1], fd, riov, 2, base + BLK);
		cb[1].data = (void *)(uintptr_t)R_PREADV;
		io_prep_pread(&cb[2], fd, rb + 2 * BLK, 2 * BLK,
			      base + 2 * BLK);
		cb[2].data = (void *)(uintptr_t)R_PREAD8K;
		r = submit_all(ctx, cbs, 3);
		if (r < 0)
			wl_fail("io_submit(reads): %s", wl_errname(-r));
		r = io_cancel(ctx, &cb[0], &cev);
		cancel_res[-r > 0 && -r < 256 ? -r : 0]++;
		if (r == 0)
			account(&cev, 1);
		reap_syscall(ctx, r == 0 ? 2 : 3);
		if (r != 0)	/* not cancelled */
			check_block(rb, BLK, seed, "PREAD");
		check_block(rb + BLK, BLK, seed + 1, "PREADV");
		check_block(rb + 2 * BLK, 2 * BLK, seed + 2, "PREAD(8K)");
	}

	for (i = 0; i < R_NR; i++) {
		printf("  %-10s ok %lu bytes %llu error %s\n", req_name[i],
		       tally[i].ok, tally[i].bytes,
		       !tally[i].first_err ? "-" :
		       tally[i].first_err <= -1000 ? "short" :
		       wl_errname((int)-tally[i].first_err));
	}
	for (i = 0; i < 256; i++)
		if (cancel_res[i])
			printf("  io_cancel(PREAD) = %s x %lu\n",
			       i ? wl_errname(i) : "0/other", cancel_res[i]);
	wl_negres("io_destroy", io_destroy(ctx));
	close(fd);
	wl_print_file(AT_FDCWD, path);
	free(wb);
	free(rb);
	for (i = 0; i < R_NR; i++) {
		if (tally[i].first_err &&
		    !((i == R_FSYNC || i == R_FDSYNC) &&
		      tally[i].first_err == -EINVAL))
			wl_fail("%s requests failed", req_name[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long iters = 4, depth = 16;
	int opt, buffered_only = 0;

	while ((opt = getopt(argc, argv, "n:q:b")) != -1) {
		switch (opt) {
		case 'n':
			iters = wl_num("n", optarg);
			break;
		case 'q':
			depth = wl_num("q", optarg);
			break;
		case 'b':
			buffered_only = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || depth < 3 || depth > 65536)
		goto usage;
	wl_enter_dir(argv[optind]);

	run_pass("buffered", 0, iters, (unsigned int)depth);
	if (!buffered_only)
		run_pass("direct", O_DIRECT, iters, (unsigned int)depth);
	return WL_EXIT_OK;
usage:
	fprintf(stderr, "usage: %s [-n iterations] [-q depth(>=3)] [-b] DIR\n",
		argv[0]);
	return WL_EXIT_USAGE;
}
