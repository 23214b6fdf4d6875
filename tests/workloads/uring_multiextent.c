// SPDX-License-Identifier: MIT
/*
 * uring_multiextent - io_uring O_DIRECT read of a multi-extent range into a
 * buffer whose pages are not faulted in: the MariaDB short-read pattern.
 *
 * Usage: uring_multiextent [-e extents] [-n repeats] [-F] DIR
 *
 * WHY: seeds/004: on btrfs in 5.16, an io_uring O_DIRECT read of 16 KiB over
 * four 4 KiB extents, into a buffer only partly faulted in, completed with
 * res 4096: the direct read disabled page faults, submitted a bio for the
 * first extent, hit -EFAULT on the second page and returned a partial
 * result that io_uring reported as final.  MariaDB saw a short read inside
 * i_size and called it corruption.  A faithful replay of such a recording
 * must re-create the extents, the buffer's alignment and its fault state.
 *
 * The file gets -e blocks of 4 KiB, each written and fsynced separately,
 * last block first (so most filesystems give each its own extent); with -F
 * the range is fallocated first and the blocks then written one by one
 * (unwritten extents converted piecewise).  Then, -n times: drop the file's
 * cache, mmap a fresh anonymous buffer, touch only its first page, and read
 * the whole range with one IORING_OP_READ on an O_DIRECT fd.  The CQE's res
 * must be the full length and the data what was written.
 *
 * Prints: parameters, each distinct CQE result with its count, short reads
 * (0 on a good kernel) and the data check.  The extent count from FIEMAP
 * goes to stderr (it depends on the filesystem).
 * Exit: 0, 1 a short read or wrong data, 77 no io_uring or no O_DIRECT.
 */
#include "wl.h"

#include <liburing.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define BLK 4096

static int count_extents(int fd)
{
	struct fiemap *fm;
	int n;

	fm = calloc(1, sizeof(*fm) + 64 * sizeof(struct fiemap_extent));
	if (!fm)
		wl_fail("out of memory");
	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = 64;
	n = ioctl(fd, FS_IOC_FIEMAP, fm) < 0 ? -errno :
		(int)fm->fm_mapped_extents;
	free(fm);
	return n;
}

int main(int argc, char **argv)
{
	unsigned long next = 2, repeats = 8, r, i, shorts = 0, full = 0;
	long other_res = 0;
	unsigned char *want, *buf;
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	size_t len;
	int fd, dfd, opt, falloc = 0, ret, bad_data = 0, n;

	while ((opt = getopt(argc, argv, "e:n:F")) != -1) {
		switch (opt) {
		case 'e':
			next = wl_num("e", optarg);
			break;
		case 'n':
			repeats = wl_num("n", optarg);
			break;
		case 'F':
			falloc = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || next < 2 || next > 256 || !repeats)
		goto usage;
	wl_enter_dir(argv[optind]);
	len = next * BLK;

	fd = open("multi.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		wl_fail("open multi.dat: %s", strerror(errno));
	want = malloc(len);
	if (!want)
		wl_fail("out of memory");
	wl_fill(want, len, 4004);
	if (falloc && fallocate(fd, 0, 0, (off_t)len) < 0)
		wl_skip("fallocate: %s", strerror(errno));
	for (i = next; i-- > 0;) {
		wl_pwrite_all(fd, want + i * BLK, BLK, (off_t)(i * BLK));
		if (fsync(fd) < 0)
			wl_fail("fsync: %s", strerror(errno));
	}
	n = count_extents(fd);
	if (n < 0)
		fprintf(stderr, "%s: FIEMAP: %s\n",
			program_invocation_short_name, wl_errname(-n));
	else
		fprintf(stderr, "%s: multi.dat has %d extents\n",
			program_invocation_short_name, n);

	dfd = open("multi.dat", O_RDONLY | O_DIRECT);
	if (dfd < 0 && errno == EINVAL)
		wl_skip("O_DIRECT refused by this filesystem");
	if (dfd < 0)
		wl_fail("open multi.dat O_DIRECT: %s", strerror(errno));
	if (wl_on_tmpfs(dfd))
		fprintf(stderr, "%s: note: tmpfs O_DIRECT is buffered I/O\n",
			program_invocation_short_name);
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret == -ENOSYS || ret == -EPERM)
		wl_skip("io_uring unavailable: %s", wl_errname(-ret));
	if (ret < 0)
		wl_fail("io_uring_queue_init: %s", wl_errname(-ret));

	for (r = 0; r < repeats; r++) {
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED)
			wl_fail("mmap: %s", strerror(errno));
		buf[0] = 0xff;	/* fault in page 0 only */
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_read(sqe, dfd, buf, (unsigned int)len, 0);
		ret = io_uring_submit(&ring);
		if (ret != 1)
			wl_fail("io_uring_submit: %s", wl_errname(-ret));
		do
			ret = io_uring_wait_cqe(&ring, &cqe);
		while (ret == -EINTR);
		if (ret < 0)
			wl_fail("io_uring_wait_cqe: %s", wl_errname(-ret));
		ret = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		if (ret == (int)len) {
			full++;
			if (memcmp(buf, want, len))
				bad_data++;
		} else if (ret >= 0 && (size_t)ret < len) {
			shorts++;
			fprintf(stderr, "short read: res %d of %zu (repeat "
				"%lu)\n", ret, len, r);
		} else {
			other_res = ret;
		}
		munmap(buf, len);
	}
	if (other_res == -EINVAL)
		wl_skip("io_uring O_DIRECT read refused: EINVAL");

	printf("extents %lu length %zu repeats %lu%s\n", next, len, repeats,
	       falloc ? " fallocated" : "");
	printf("res %zu x %lu\n", len, full);
	printf("short reads %lu\n", shorts);
	if (other_res)
		printf("error res %ld %s\n", other_res,
		       wl_errname((int)-other_res));
	printf("data %s\n", bad_data ? "WRONG" : "ok");
	io_uring_queue_exit(&ring);
	close(dfd);
	close(fd);
	free(want);
	if (shorts || bad_data || other_res)
		wl_fail("%lu short reads, %d with wrong data, error %ld",
			shorts, bad_data, other_res);
	return WL_EXIT_OK;
usage:
	fprintf(stderr, "usage: %s [-e extents(2-256)] [-n repeats] [-F] DIR\n",
		argv[0]);
	return WL_EXIT_USAGE;
}
