// SPDX-License-Identifier: MIT
/*
 * bench/uring-randio: fio's 4 KiB random I/O job through liburing, for
 * bench/replay to record.
 *
 *   uring-randio FILE SIZE COUNT randread|randwrite IODEPTH
 *
 * Opens FILE (it must exist and hold SIZE bytes), keeps IODEPTH 4 KiB
 * requests in flight until COUNT have completed, each at a uniformly random
 * 4 KiB block of [0, SIZE) (no random map, so blocks repeat, like fio's
 * --norandommap), from a fixed seed.  Like fio's io_uring engine with
 * --iodepth=IODEPTH: the first IODEPTH requests are submitted together,
 * then each completion (io_uring_wait_cqe + io_uring_cqe_seen) is followed
 * by the submission of one new request in its slot.  Each slot has its own
 * buffer, filled once with fixed bytes for writes (like fio's
 * --scramble_buffers=0).
 *
 * WHY: fio's io_uring engine calls io_uring_setup/enter through syscall(2)
 * itself, which the recorder of this version only detects; this program
 * does the same job through liburing, which it records.
 *
 * Prints one line: "ios N ns T" (the I/O loop, CLOCK_MONOTONIC).
 * Exit 0, 1 on an error or a short I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BS 4096u

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int die(const char *what, int err)
{
	fprintf(stderr, "uring-randio: %s: %s\n", what, strerror(err));
	return 1;
}

/* Queue the read or write of buffer @s at @off (tagged @s). */
static void queue_io(struct io_uring *ring, int fd, bool wr, uint8_t *bufs,
		     unsigned s, uint64_t off)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (wr)
		io_uring_prep_write(sqe, fd, bufs + (size_t)s * BS, BS, off);
	else
		io_uring_prep_read(sqe, fd, bufs + (size_t)s * BS, BS, off);
	io_uring_sqe_set_data64(sqe, s);
}

int main(int argc, char **argv)
{
	struct io_uring ring;
	uint64_t size, count, nblk, seed = 0x5eed, sent = 0, done = 0;
	unsigned depth;
	bool wr;
	uint8_t *bufs;
	int fd, k;

	if (argc != 6 || (strcmp(argv[4], "randread") &&
			  strcmp(argv[4], "randwrite"))) {
		fprintf(stderr, "usage: uring-randio FILE SIZE COUNT "
			"randread|randwrite IODEPTH\n");
		return 2;
	}
	size = strtoull(argv[2], NULL, 0);
	count = strtoull(argv[3], NULL, 0);
	depth = (unsigned)strtoul(argv[5], NULL, 0);
	wr = !strcmp(argv[4], "randwrite");
	nblk = size / BS;
	if (!nblk || !count || depth < 1 || depth > 4096) {
		fprintf(stderr, "uring-randio: bad SIZE, COUNT or IODEPTH\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		return die(argv[1], errno);
	bufs = aligned_alloc(BS, (size_t)depth * BS);
	if (!bufs)
		return die("buffers", ENOMEM);
	for (size_t j = 0; j < (size_t)depth * BS; j += 8) {
		uint64_t v = splitmix(&seed);

		memcpy(bufs + j, &v, 8);
	}
	k = io_uring_queue_init(depth, &ring, 0);
	if (k < 0)
		return die("io_uring_queue_init", -k);

	uint64_t t0 = now_ns();

	for (unsigned s = 0; s < depth && sent < count; s++, sent++)
		queue_io(&ring, fd, wr, bufs, s, splitmix(&seed) % nblk * BS);
	k = io_uring_submit(&ring);
	if (k < 0)
		return die("io_uring_submit", -k);
	while (done < count) {
		struct io_uring_cqe *cqe;

		k = io_uring_wait_cqe(&ring, &cqe);
		if (k == -EINTR)
			continue;
		if (k < 0)
			return die("io_uring_wait_cqe", -k);
		if (cqe->res != (int)BS)
			return die("short or failed I/O",
				   cqe->res < 0 ? -cqe->res : EIO);
		unsigned s = (unsigned)io_uring_cqe_get_data64(cqe);

		io_uring_cqe_seen(&ring, cqe);
		done++;
		if (sent == count)
			continue;
		queue_io(&ring, fd, wr, bufs, s,
			 splitmix(&seed) % nblk * BS);
		sent++;
		k = io_uring_submit(&ring);
		if (k < 0)
			return die("io_uring_submit", -k);
	}
	uint64_t t1 = now_ns();

	io_uring_queue_exit(&ring);
	close(fd);
	free(bufs);
	printf("ios %" PRIu64 " ns %" PRIu64 "\n", done, t1 - t0);
	return 0;
}
