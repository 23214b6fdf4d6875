// SPDX-License-Identifier: MIT
/*
 * dio_vs_buffered - O_DIRECT writes racing buffered reads of the same
 * blocks: the fstests generic/418 pattern.
 *
 * Usage: dio_vs_buffered [-n iterations] [-B blocks] [-b block_size]
 *                        [-r readers] DIR
 *
 * WHY: seeds/003 (ext4, 1k blocks) is a buffered read that returns zeros for
 * a block a direct write had already completed: the direct write must
 * invalidate the page cache, and a concurrent buffered read must never
 * instantiate a stale page after that.  iorr replays such recordings with
 * perturbation (reordering, cache drops) to make the window show; this is
 * the workload to record, and it is also a check of its own.
 *
 * One writer thread overwrites each block of dio.dat with O_DIRECT, -n
 * times, and after each write publishes "block b holds iteration i".
 * Reader threads pread random blocks through a buffered fd (dropping the
 * file's cache with POSIX_FADV_DONTNEED every 32 reads).  Every 512-byte
 * sector carries a tag (iteration, block, sector) and tag-derived bytes, so
 * a reader can tell, sector by sector, whether what it read is at least as
 * new as what was published before the read began.  A newer sector is fine
 * (the next write may be in flight); zeros in a published block, an older
 * iteration, or bytes matching no tag are not.
 *
 * Needs a filesystem with real direct I/O (ext4, xfs, btrfs): exits 77 on
 * tmpfs (whose O_DIRECT is the page cache) or where O_DIRECT is refused.
 *
 * Prints: the parameters, counts of zero, stale and corrupt sector reads
 * (0, 0, 0 when the filesystem is right) and the final file check; the
 * number of reads done, which depends on timing, goes to stderr.
 * Exit: 0, 1 a bad read or a wrong final file, 77 no usable O_DIRECT.
 */
#include "wl.h"

#include <pthread.h>
#include <stdatomic.h>

#define SECTOR 512

static unsigned long iters = 8, nblocks = 64, bsize = 4096, nreaders = 2;
static int dfd, bfd;
static _Atomic unsigned long *published;
static atomic_int writer_done;
static atomic_ulong zero_reads, stale_reads, corrupt_reads, reads_done;

static uint64_t sector_tag(unsigned long it, unsigned long b, unsigned long s)
{
	return ((uint64_t)it << 40) | ((uint64_t)b << 16) | s;
}

static void make_block(unsigned char *buf, unsigned long it, unsigned long b)
{
	unsigned long s;
	uint64_t tag;

	for (s = 0; s < bsize / SECTOR; s++) {
		tag = sector_tag(it, b, s);
		memcpy(buf + s * SECTOR, &tag, sizeof(tag));
		wl_fill(buf + s * SECTOR + 8, SECTOR - 8, tag);
	}
}

static void *writer(void *arg)
{
	unsigned char *buf = wl_alloc_aligned(bsize);
	unsigned long it, b;

	for (it = 1; it <= iters; it++) {
		for (b = 0; b < nblocks; b++) {
			make_block(buf, it, b);
			wl_pwrite_all(dfd, buf, bsize, (off_t)(b * bsize));
			atomic_store_explicit(&published[b], it,
					      memory_order_release);
		}
	}
	atomic_store(&writer_done, 1);
	free(buf);
	return NULL;
}

/*
 * Check one sector read after @pub was published for its block.
 * Returns NULL when good, else the counter to bump.
 */
static atomic_ulong *check_sector(const unsigned char *sec, unsigned long b,
				  unsigned long s, unsigned long pub)
{
	unsigned char want[SECTOR];
	uint64_t tag;
	unsigned long it;
	size_t i;

	memcpy(&tag, sec, sizeof(tag));
	if (tag == 0) {
		for (i = 0; i < SECTOR && !sec[i]; i++)
			;
		if (i < SECTOR)
			return &corrupt_reads;
		return pub ? &zero_reads : NULL;
	}
	it = (unsigned long)(tag >> 40);
	if (tag != sector_tag(it, b, s) || it > iters)
		return &corrupt_reads;
	memcpy(want, &tag, sizeof(tag));
	wl_fill(want + 8, SECTOR - 8, tag);
	if (memcmp(sec, want, SECTOR))
		return &corrupt_reads;
	return it < pub ? &stale_reads : NULL;
}

static void *reader(void *arg)
{
	uint64_t rng = 77 + (uintptr_t)arg;
	unsigned char *buf = malloc(bsize);
	unsigned long b, s, pub, n = 0;
	atomic_ulong *bad;
	int last = 0;

	if (!buf)
		wl_fail("out of memory");
	while (!last) {
		/* one more pass after the writer finished */
		last = atomic_load(&writer_done);
		b = (unsigned long)wl_randn(&rng, nblocks);
		pub = atomic_load_explicit(&published[b],
					   memory_order_acquire);
		wl_pread_all(bfd, buf, bsize, (off_t)(b * bsize));
		for (s = 0; s < bsize / SECTOR; s++) {
			bad = check_sector(buf + s * SECTOR, b, s, pub);
			if (bad) {
				atomic_fetch_add(bad, 1);
				fprintf(stderr, "bad read: block %lu sector "
					"%lu published %lu (%s)\n", b, s, pub,
					bad == &zero_reads ? "zeros" :
					bad == &stale_reads ? "stale" :
					"corrupt");
			}
		}
		if (++n % 32 == 0)
			posix_fadvise(bfd, 0, 0, POSIX_FADV_DONTNEED);
	}
	atomic_fetch_add(&reads_done, n);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t wt, *rt;
	unsigned char *buf, *want;
	unsigned long b, i, final_bad = 0;
	int opt, err;

	while ((opt = getopt(argc, argv, "n:B:b:r:")) != -1) {
		switch (opt) {
		case 'n':
			iters = wl_num("n", optarg);
			break;
		case 'B':
			nblocks = wl_num("B", optarg);
			break;
		case 'b':
			bsize = wl_num("b", optarg);
			break;
		case 'r':
			nreaders = wl_num("r", optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || !iters || iters >= (1UL << 20) || !nblocks ||
	    nblocks >= (1UL << 24) || bsize < SECTOR || bsize % SECTOR ||
	    bsize > (1UL << 20) || !nreaders || nreaders > 64)
		goto usage;
	wl_enter_dir(argv[optind]);

	dfd = open("dio.dat", O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0644);
	if (dfd < 0 && errno == EINVAL)
		wl_skip("O_DIRECT refused by this filesystem");
	if (dfd < 0)
		wl_fail("open dio.dat: %s", strerror(errno));
	if (wl_on_tmpfs(dfd))
		wl_skip("tmpfs: its O_DIRECT is buffered I/O, no race");
	bfd = open("dio.dat", O_RDONLY);
	if (bfd < 0)
		wl_fail("open dio.dat: %s", strerror(errno));
	/* probe: a direct write of one block of this size must work */
	buf = wl_alloc_aligned(bsize);
	if (pwrite(dfd, buf, bsize, 0) < 0) {
		if (errno == EINVAL)
			wl_skip("O_DIRECT write of %lu bytes refused", bsize);
		wl_fail("pwrite: %s", strerror(errno));
	}
	/* start from holes: readers may see zeros only before a publish */
	if (ftruncate(dfd, 0) < 0 ||
	    ftruncate(dfd, (off_t)(nblocks * bsize)) < 0)
		wl_fail("ftruncate: %s", strerror(errno));

	published = calloc(nblocks, sizeof(*published));
	rt = calloc(nreaders, sizeof(*rt));
	want = malloc(bsize);
	if (!published || !rt || !want)
		wl_fail("out of memory");
	err = pthread_create(&wt, NULL, writer, NULL);
	for (i = 0; !err && i < nreaders; i++)
		err = pthread_create(&rt[i], NULL, reader, (void *)i);
	if (err)
		wl_fail("pthread_create: %s", strerror(err));
	pthread_join(wt, NULL);
	for (i = 0; i < nreaders; i++)
		pthread_join(rt[i], NULL);

	/* every block must now hold the last iteration, through the cache */
	for (b = 0; b < nblocks; b++) {
		make_block(want, iters, b);
		wl_pread_all(bfd, buf, bsize, (off_t)(b * bsize));
		if (memcmp(buf, want, bsize))
			final_bad++;
	}
	fprintf(stderr, "%s: %lu buffered reads checked\n",
		program_invocation_short_name,
		(unsigned long)atomic_load(&reads_done));
	printf("iterations %lu blocks %lu block_size %lu readers %lu\n",
	       iters, nblocks, bsize, nreaders);
	printf("direct writes %lu\n", iters * nblocks);
	printf("zero sector reads %lu\n", (unsigned long)zero_reads);
	printf("stale sector reads %lu\n", (unsigned long)stale_reads);
	printf("corrupt sector reads %lu\n", (unsigned long)corrupt_reads);
	printf("final file %s\n", final_bad ? "WRONG" : "ok");
	close(dfd);
	close(bfd);
	if (zero_reads || stale_reads || corrupt_reads || final_bad)
		wl_fail("buffered reads saw data older than a completed direct "
			"write");
	free(buf);
	free(want);
	free(published);
	free(rt);
	return WL_EXIT_OK;
usage:
	fprintf(stderr, "usage: %s [-n iterations] [-B blocks] [-b block_size"
		"(n*512)] [-r readers] DIR\n", argv[0]);
	return WL_EXIT_USAGE;
}
