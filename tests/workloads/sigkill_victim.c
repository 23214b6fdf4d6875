// SPDX-License-Identifier: MIT
/*
 * sigkill_victim - writes numbered records until it is killed.
 *
 * Usage: sigkill_victim [-n records] [-w wrap] DIR     write
 *        sigkill_victim -c [-w wrap] DIR               check after a kill
 *
 * WHY: a workload killed by SIGKILL gets no chance to flush anything, so
 * the recorder must already have handed every completed operation to the
 * `iorr record` process (the per-thread shared-memory rings are there for
 * this).  This program pwrites 4 KiB records, record i at slot i % wrap of
 * records.dat (the file stays bounded however long it runs), each beginning
 * with "rec <i>".  After every 16 records it fsyncs records.dat and then
 * stores the number of records completed in the side file "count" (fixed
 * width, one pwrite at offset 0).  A test kills it with SIGKILL once count
 * reaches N and then checks that every record below count is in the trace.
 *
 * Without -n it runs until killed.  With -n it stops after that many
 * records and prints "records N hash H" (the checksum of all record data).
 * With -c it checks DIR after a kill: every record below count that a later
 * record cannot have overwritten must be intact in records.dat; it prints
 * "count C checked K" and exits 1 on a bad record.
 *
 * Exit: 0, 1 an I/O error or (with -c) a damaged record.
 */
#include "wl.h"

#define REC		4096
#define BATCH		16
#define COUNT_LEN	11	/* "%010lu\n" */

static void make_record(unsigned char *buf, unsigned long i)
{
	int n = snprintf((char *)buf, REC, "rec %010lu\n", i);

	wl_fill(buf + n, REC - (size_t)n, 0x5eed0000ULL + i);
}

static void store_count(int fd, unsigned long count)
{
	char s[COUNT_LEN + 1];

	snprintf(s, sizeof(s), "%010lu\n", count);
	wl_pwrite_all(fd, s, COUNT_LEN, 0);
}

static int check(unsigned long wrap)
{
	unsigned char want[REC], got[REC];
	char s[COUNT_LEN + 1] = "";
	unsigned long count, i, first, checked = 0;
	int fd, cfd;

	cfd = open("count", O_RDONLY);
	if (cfd < 0)
		wl_fail("open count: %s", strerror(errno));
	wl_pread_all(cfd, s, COUNT_LEN, 0);
	close(cfd);
	s[COUNT_LEN - 1] = '\0';
	count = wl_num("count file", s);

	fd = open("records.dat", O_RDONLY);
	if (fd < 0)
		wl_fail("open records.dat: %s", strerror(errno));
	/* records up to count + BATCH - 1 may have been written after it */
	first = count + BATCH > wrap ? count + BATCH - wrap : 0;
	for (i = first; i < count; i++) {
		make_record(want, i);
		wl_pread_all(fd, got, REC, (off_t)((i % wrap) * REC));
		if (memcmp(want, got, REC))
			wl_fail("record %lu (slot %lu) is damaged", i,
				i % wrap);
		checked++;
	}
	close(fd);
	printf("count %lu checked %lu\n", count, checked);
	return WL_EXIT_OK;
}

int main(int argc, char **argv)
{
	unsigned long max = 0, wrap = 4096, i;
	unsigned char buf[REC];
	uint64_t h = WL_HASH_INIT;
	int fd, cfd, opt, check_mode = 0;

	while ((opt = getopt(argc, argv, "n:w:c")) != -1) {
		switch (opt) {
		case 'n':
			max = wl_num("n", optarg);
			break;
		case 'w':
			wrap = wl_num("w", optarg);
			break;
		case 'c':
			check_mode = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || wrap < BATCH * 2)
		goto usage;
	wl_enter_dir(argv[optind]);
	if (check_mode)
		return check(wrap);

	fd = open("records.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	cfd = open("count", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || cfd < 0)
		wl_fail("open: %s", strerror(errno));
	store_count(cfd, 0);
	for (i = 0; !max || i < max; i++) {
		make_record(buf, i);
		wl_pwrite_all(fd, buf, REC, (off_t)((i % wrap) * REC));
		h = wl_hash(h, buf, REC);
		if ((i + 1) % BATCH == 0 || i + 1 == max) {
			if (fsync(fd) < 0)
				wl_fail("fsync: %s", strerror(errno));
			store_count(cfd, i + 1);
		}
	}
	close(fd);
	close(cfd);
	printf("records %lu hash %016llx\n", max, (unsigned long long)h);
	return WL_EXIT_OK;
usage:
	fprintf(stderr,
		"usage: %s [-n records] [-w wrap(>=32)] DIR\n"
		"       %s -c [-w wrap] DIR\n", argv[0], argv[0]);
	return WL_EXIT_USAGE;
}
