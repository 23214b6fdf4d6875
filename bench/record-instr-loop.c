/* SPDX-License-Identifier: MIT */
/*
 * The workload of bench/record-instr:
 *	record-instr-loop pwrite|pread|aio|uring N FILE
 * N 4 KiB ops at random 4 KiB offsets of the 64 MiB FILE; aio and uring
 * submit 16 writes at once and reap them.  Buffers are like fio's: random
 * once, 8 bytes changed per op.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libaio.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdint.h>
static uint64_t rng = 88172645463325252ull;
static uint64_t xr(void){rng^=rng<<13;rng^=rng>>7;rng^=rng<<17;return rng;}
int main(int argc, char **argv)
{
	const char *mode = argv[1];
	long n = atol(argv[2]);
	int fd = open(argv[3], O_RDWR | O_CREAT, 0644);
	static char buf[16][4096] __attribute__((aligned(4096)));
	for (int b = 0; b < 16; b++) for (int i = 0; i < 4096; i += 8) *(uint64_t *)&buf[b][i] = xr();
	if (ftruncate(fd, 64 << 20)) return 1;
	if (!strcmp(mode, "pwrite") || !strcmp(mode, "pread")) {
		int w = mode[1] == 'w';
		for (long i = 0; i < n; i++) {
			off_t off = (xr() % 16384) * 4096;
			*(uint64_t *)&buf[0][(i * 8) & 4095] = xr();
			if ((w ? pwrite(fd, buf[0], 4096, off) : pread(fd, buf[0], 4096, off)) != 4096) return 2;
		}
	} else if (!strcmp(mode, "aio")) {
		io_context_t ctx = 0; struct iocb cb[16], *cbp[16]; struct io_event ev[16];
		if (io_setup(16, &ctx)) return 3;
		for (long i = 0; i < n; i += 16) {
			for (int j = 0; j < 16; j++) { *(uint64_t *)&buf[j][(i * 8) & 4095] = xr();
				io_prep_pwrite(&cb[j], fd, buf[j], 4096, (xr() % 16384) * 4096); cbp[j] = &cb[j]; }
			if (io_submit(ctx, 16, cbp) != 16) return 4;
			int got = 0; while (got < 16) { int r = io_getevents(ctx, 1, 16, ev, NULL); if (r < 0) return 5; got += r; }
		}
		io_destroy(ctx);
	} else {
		struct io_uring ring; struct io_uring_cqe *cqe;
		if (io_uring_queue_init(16, &ring, 0)) return 6;
		for (long i = 0; i < n; i += 16) {
			for (int j = 0; j < 16; j++) { *(uint64_t *)&buf[j][(i * 8) & 4095] = xr();
				io_uring_prep_write(io_uring_get_sqe(&ring), fd, buf[j], 4096, (xr() % 16384) * 4096); }
			io_uring_submit(&ring);
			for (int j = 0; j < 16; j++) { if (io_uring_wait_cqe(&ring, &cqe) || cqe->res != 4096) return 7; io_uring_cqe_seen(&ring, cqe); }
		}
		io_uring_queue_exit(&ring);
	}
	close(fd);
	return 0;
}
