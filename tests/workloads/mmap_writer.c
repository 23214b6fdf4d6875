// SPDX-License-Identifier: MIT
/*
 * mmap_writer - writes a file through a MAP_SHARED writable mapping.
 *
 * Usage: mmap_writer [-n pages] [-s seed] DIR
 *
 * WHY: stores into a shared file mapping are file writes no wrapper sees.
 * The recorder can only capture them at msync/munmap (by hashing or copying
 * the mapped range), so this program writes a file through memory in
 * several rounds: some ranges are msync'ed with MS_SYNC, one with MS_ASYNC,
 * some not at all before munmap.  It then reads the file back with read()
 * and compares it with what it stored.  The btrfs seed (a direct write whose
 * buffer is an mmap of the file being written) starts from such a mapping.
 *
 * Prints: the msync results, the checksum of the expected content and the
 * checksum read back; they must match.
 * Exit: 0 match, 1 the file read back differs from what was stored.
 */
#include "wl.h"

#include <sys/mman.h>

int main(int argc, char **argv)
{
	unsigned long pages = 16, seed = 3, i;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len;
	unsigned char *map, *expect, *got;
	uint64_t h_expect, h_got;
	ssize_t r;
	size_t off;
	int fd, opt;

	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		switch (opt) {
		case 'n':
			pages = wl_num("n", optarg);
			break;
		case 's':
			seed = wl_num("s", optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || pages < 4)
		goto usage;
	wl_enter_dir(argv[optind]);
	len = pages * pg;

	fd = open("mapped.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		wl_fail("open mapped.dat: %s", strerror(errno));
	if (ftruncate(fd, (off_t)len) < 0)
		wl_fail("ftruncate: %s", strerror(errno));
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		wl_fail("mmap: %s", strerror(errno));
	expect = calloc(1, len);
	got = malloc(len);
	if (!expect || !got)
		wl_fail("out of memory");

	/* round 1: every page, then msync the first half synchronously */
	wl_fill(expect, len, seed);
	memcpy(map, expect, len);
	wl_rep("msync(first half,MS_SYNC)", msync(map, len / 2, MS_SYNC));

	/* round 2: rewrite odd pages, msync each one on its own */
	for (i = 1; i < pages; i += 2) {
		off = i * pg;
		wl_fill(expect + off, pg, seed * 1000 + i);
		memcpy(map + off, expect + off, pg);
		if (msync(map + off, pg, MS_SYNC) < 0)
			wl_fail("msync page %lu: %s", i, strerror(errno));
	}
	printf("msync(odd pages,MS_SYNC)         = %lu pages\n", pages / 2);

	/* round 3: a sub-page store and an MS_ASYNC msync */
	memset(expect + pg + 100, 0xab, 200);
	memset(map + pg + 100, 0xab, 200);
	wl_rep("msync(page 1,MS_ASYNC)", msync(map + pg, pg, MS_ASYNC));

	/* round 4: the last page is stored and never msync'ed before munmap */
	off = len - pg;
	wl_fill(expect + off, pg, seed * 7777);
	memcpy(map + off, expect + off, pg);
	wl_rep("msync(unaligned addr)", msync(map + 1, pg, MS_SYNC));
	wl_rep("munmap", munmap(map, len));

	if (lseek(fd, 0, SEEK_SET) < 0)
		wl_fail("lseek: %s", strerror(errno));
	r = read(fd, got, len);
	if (r < 0)
		wl_fail("read: %s", strerror(errno));
	if ((size_t)r != len)
		wl_fail("read returned %zd of %zu bytes", r, len);
	h_expect = wl_hash(WL_HASH_INIT, expect, len);
	h_got = wl_hash(WL_HASH_INIT, got, len);
	printf("pages %lu bytes %zu\n", pages, len);
	printf("expected hash %016llx\n", (unsigned long long)h_expect);
	printf("read hash     %016llx\n", (unsigned long long)h_got);
	wl_rep("fsync", fsync(fd));
	close(fd);
	wl_print_file(AT_FDCWD, "mapped.dat");
	if (memcmp(expect, got, len)) {
		for (off = 0; off < len && expect[off] == got[off]; off++)
			;
		wl_fail("file differs from what was stored, first at byte %zu",
			off);
	}
	free(expect);
	free(got);
	return WL_EXIT_OK;
usage:
	fprintf(stderr, "usage: %s [-n pages(>=4)] [-s seed] DIR\n", argv[0]);
	return WL_EXIT_USAGE;
}
