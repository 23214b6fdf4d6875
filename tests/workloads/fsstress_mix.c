// SPDX-License-Identifier: MIT
/*
 * fsstress_mix - a seeded fsstress-like mix of write paths from several
 * processes.
 *
 * Usage: fsstress_mix [-p procs] [-n ops] [-s seed] DIR
 *
 * WHY: seeds/000 is a btrfs corruption found by `fsstress -p 7 -n 50 -s
 * <seed>`: buffered writes, writev, direct writes, fallocate in every mode,
 * copy_file_range (fsstress calls it through syscall()), FICLONERANGE, aio
 * and io_uring writes, all on a few files.  Replaying such a run with iorr
 * needs every one of those paths recorded, from several processes, with
 * their results (EOPNOTSUPP, EINVAL, ... included).  This is the same mix,
 * small and seeded, so the recording is reproducible.
 *
 * Each of -p processes (fork) works in its own directory p<i> on files
 * f0..f2 and does -n operations chosen by a generator seeded from -s and
 * its index: write, writev, dwrite (O_DIRECT, aligned; buffered when
 * O_DIRECT is refused, counted apart), fallocate (0, KEEP_SIZE, PUNCH_HOLE,
 * ZERO_RANGE, COLLAPSE_RANGE, INSERT_RANGE), copy_file_range via
 * syscall(SYS_copy_file_range), FICLONERANGE, aio write (libaio), io_uring
 * write, truncate, read and fsync.  Since no two processes share a file,
 * every result and the final content are determined by the seed and the
 * filesystem.
 *
 * Prints: per operation type the number of successes and of each errno,
 * per process a checksum of all data its reads returned, then every file's
 * size and checksum.  Same seed, same filesystem type: same output.
 * Exit: 0, 1 a process failed (a setup error, or an error no filesystem
 * should give, such as io_getevents failing).
 */
#include "wl.h"

#include <libaio.h>
#include <liburing.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define NFILES		3
#define BLK		4096
#define MAXOFF		(1 << 20)
#define MAXLEN		(64 * 1024)
#define MAXERRNO	140
#define MAXPROCS	64

enum op {
	OP_WRITE, OP_WRITEV, OP_DWRITE, OP_DWRITE_FALLBACK,
	OP_FALLOC, OP_PUNCH, OP_ZERO, OP_COLLAPSE, OP_INSERT,
	OP_COPYRANGE, OP_CLONERANGE, OP_AIO_WRITE, OP_URING_WRITE,
	OP_TRUNCATE, OP_READ, OP_FSYNC, OP_NR
};

static const char *const op_name[OP_NR] = {
	"write", "writev", "dwrite", "dwrite(buffered)",
	"fallocate", "punch_hole", "zero_range", "collapse_range",
	"insert_range", "copy_range", "clone_range", "aio_write",
	"uring_write", "truncate", "read", "fsync",
};

/* Per-process results, in a shared anonymous mapping the parent reads. */
struct stats {
	unsigned long ok[OP_NR];
	unsigned long err[OP_NR][MAXERRNO];
	uint64_t read_hash;
};

struct proc {
	int fd[NFILES], dfd[NFILES];
	io_context_t aio;
	int have_aio;
	struct io_uring ring;
	int have_uring;
	uint64_t rng;
	unsigned char *buf;	/* MAXLEN, 4096-aligned */
	struct stats *st;
};

static void count(struct proc *p, enum op op, long res)
{
	int e;

	if (res >= 0) {
		p->st->ok[op]++;
		return;
	}
	e = (int)-res;
	p->st->err[op][e > 0 && e < MAXERRNO ? e : 0]++;
}

static off_t file_size(int fd)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		wl_fail("fstat: %s", strerror(errno));
	return sb.st_size;
}

static long sys_res(long r)
{
	return r < 0 ? -errno : r;
}

static void do_write(struct proc *p, int f)
{
	off_t off = (off_t)wl_randn(&p->rng, MAXOFF);
	size_t len = 1 + wl_randn(&p->rng, MAXLEN);

	wl_fill(p->buf, len, wl_rand(&p->rng));
	count(p, OP_WRITE, sys_res(pwrite(p->fd[f], p->buf, len, off)));
}

static void do_writev(struct proc *p, int f)
{
	struct iovec iov[8];
	int n = 1 + (int)wl_randn(&p->rng, 8), i;
	size_t pos = 0, len;

	wl_fill(p->buf, MAXLEN, wl_rand(&p->rng));
	for (i = 0; i < n; i++) {
		len = 1 + wl_randn(&p->rng, MAXLEN / 8);
		iov[i] = (struct iovec){ p->buf + pos, len };
		pos += len;
	}
	if (lseek(p->fd[f], (off_t)wl_randn(&p->rng, MAXOFF), SEEK_SET) < 0)
		wl_fail("lseek: %s", strerror(errno));
	count(p, OP_WRITEV, sys_res(writev(p->fd[f], iov, n)));
}

static void do_dwrite(struct proc *p, int f)
{
	off_t off = (off_t)wl_randn(&p->rng, MAXOFF / BLK) * BLK;
	size_t len = (1 + wl_randn(&p->rng, MAXLEN / BLK)) * BLK;

	wl_fill(p->buf, len, wl_rand(&p->rng));
	if (p->dfd[f] < 0) {
		count(p, OP_DWRITE_FALLBACK,
		      sys_res(pwrite(p->fd[f], p->buf, len, off)));
		return;
	}
	count(p, OP_DWRITE, sys_res(pwrite(p->dfd[f], p->buf, len, off)));
}

static void do_fallocate(struct proc *p, int f)
{
	static const struct { enum op op; int mode; } modes[] = {
		{ OP_FALLOC, 0 },
		{ OP_FALLOC, FALLOC_FL_KEEP_SIZE },
		{ OP_PUNCH, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE },
		{ OP_ZERO, FALLOC_FL_ZERO_RANGE },
		{ OP_ZERO, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE },
		{ OP_COLLAPSE, FALLOC_FL_COLLAPSE_RANGE },
		{ OP_INSERT, FALLOC_FL_INSERT_RANGE },
	};
	unsigned long m = wl_randn(&p->rng, sizeof(modes) / sizeof(modes[0]));
	off_t off = (off_t)wl_randn(&p->rng, MAXOFF);
	off_t len = (off_t)(1 + wl_randn(&p->rng, MAXLEN));

	/* collapse and insert work on whole blocks, as fsstress rounds */
	if (modes[m].op == OP_COLLAPSE || modes[m].op == OP_INSERT) {
		off &= ~(off_t)(BLK - 1);
		len = (len + BLK - 1) & ~(off_t)(BLK - 1);
		/* keep files bounded: insert only into small files */
		if (modes[m].op == OP_INSERT &&
		    file_size(p->fd[f]) > 2 * MAXOFF)
			len = BLK;
	}
	count(p, modes[m].op,
	      sys_res(fallocate(p->fd[f], modes[m].mode, off, len)));
}

static void do_copy_range(struct proc *p, int f)
{
	int g = (int)wl_randn(&p->rng, NFILES);
	off_t size = file_size(p->fd[g]);
	loff_t in = size ? (loff_t)wl_randn(&p->rng, (uint64_t)size) : 0;
	loff_t out = (loff_t)wl_randn(&p->rng, MAXOFF);
	size_t len = 1 + wl_randn(&p->rng, MAXLEN);

	count(p, OP_COPYRANGE,
	      sys_res(syscall(SYS_copy_file_range, p->fd[g], &in, p->fd[f],
			      &out, len, 0)));
}

static void do_clone_range(struct proc *p, int f)
{
	int g = (int)wl_randn(&p->rng, NFILES);
	off_t size = file_size(p->fd[g]);
	struct file_clone_range fcr = {
		.src_fd = p->fd[g],
		.src_offset = size >= BLK ?
			wl_randn(&p->rng, (uint64_t)size / BLK) * BLK : 0,
		.src_length = (1 + wl_randn(&p->rng, MAXLEN / BLK)) * BLK,
		.dest_offset = wl_randn(&p->rng, MAXOFF / BLK) * BLK,
	};

	count(p, OP_CLONERANGE,
	      sys_res(ioctl(p->fd[f], FICLONERANGE, &fcr)));
}

static void do_aio_write(struct proc *p, int f)
{
	off_t off = (off_t)wl_randn(&p->rng, MAXOFF);
	size_t len = 1 + wl_randn(&p->rng, MAXLEN);
	struct iocb cb, *cbs[1] = { &cb };
	struct io_event ev;
	int r;

	wl_fill(p->buf, len, wl_rand(&p->rng));
	if (!p->have_aio) {
		count(p, OP_AIO_WRITE, -ENOSYS);
		return;
	}
	io_prep_pwrite(&cb, p->fd[f], p->buf, len, off);
	r = io_submit(p->aio, 1, cbs);
	if (r != 1) {
		count(p, OP_AIO_WRITE, r < 0 ? r : -EIO);
		return;
	}
	do
		r = io_getevents(p->aio, 1, 1, &ev, NULL);
	while (r == -EINTR);
	if (r != 1)
		wl_fail("io_getevents: %s", wl_errname(-r));
	count(p, OP_AIO_WRITE, (long)ev.res);
}

static void do_uring_write(struct proc *p, int f)
{
	off_t off = (off_t)wl_randn(&p->rng, MAXOFF);
	size_t len = 1 + wl_randn(&p->rng, MAXLEN);
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int r;

	wl_fill(p->buf, len, wl_rand(&p->rng));
	if (!p->have_uring) {
		count(p, OP_URING_WRITE, -ENOSYS);
		return;
	}
	sqe = io_uring_get_sqe(&p->ring);
	io_uring_prep_write(sqe, p->fd[f], p->buf, (unsigned int)len,
			    (__u64)off);
	r = io_uring_submit(&p->ring);
	if (r != 1)
		wl_fail("io_uring_submit: %s", wl_errname(-r));
	do
		r = io_uring_wait_cqe(&p->ring, &cqe);
	while (r == -EINTR);
	if (r < 0)
		wl_fail("io_uring_wait_cqe: %s", wl_errname(-r));
	count(p, OP_URING_WRITE, cqe->res);
	io_uring_cqe_seen(&p->ring, cqe);
}

static void do_read(struct proc *p, int f)
{
	off_t size = file_size(p->fd[f]);
	off_t off = size ? (off_t)wl_randn(&p->rng, (uint64_t)size) : 0;
	size_t len = 1 + wl_randn(&p->rng, MAXLEN);

	ssize_t r = pread(p->fd[f], p->buf, len, off);

	count(p, OP_READ, sys_res(r));
	if (r > 0)
		p->st->read_hash = wl_hash(p->st->read_hash, p->buf,
					   (size_t)r);
}

static void child(int idx, unsigned long nops, unsigned long seed,
		  struct stats *st)
{
	struct proc p = { .st = st };
	char path[32];
	unsigned long i;
	int f, r;

	st->read_hash = WL_HASH_INIT;
	p.rng = seed * 1000003ULL + (uint64_t)idx;
	snprintf(path, sizeof(path), "p%d", idx);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		wl_fail("mkdir %s: %s", path, strerror(errno));
	wl_enter_dir(path);
	for (f = 0; f < NFILES; f++) {
		snprintf(path, sizeof(path), "f%d", f);
		p.fd[f] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (p.fd[f] < 0)
			wl_fail("open %s: %s", path, strerror(errno));
		p.dfd[f] = open(path, O_RDWR | O_DIRECT);
		if (p.dfd[f] < 0 && errno != EINVAL)
			wl_fail("open %s O_DIRECT: %s", path, strerror(errno));
	}
	p.buf = wl_alloc_aligned(MAXLEN);
	p.have_aio = io_setup(4, &p.aio) == 0;
	p.have_uring = io_uring_queue_init(4, &p.ring, 0) == 0;

	for (i = 0; i < nops; i++) {
		f = (int)wl_randn(&p.rng, NFILES);
		switch (wl_randn(&p.rng, 11)) {
		case 0:
			do_write(&p, f);
			break;
		case 1:
			do_writev(&p, f);
			break;
		case 2:
			do_dwrite(&p, f);
			break;
		case 3:
			do_fallocate(&p, f);
			break;
		case 4:
			do_copy_range(&p, f);
			break;
		case 5:
			do_clone_range(&p, f);
			break;
		case 6:
			do_aio_write(&p, f);
			break;
		case 7:
			do_uring_write(&p, f);
			break;
		case 8:
			r = ftruncate(p.fd[f],
				      (off_t)wl_randn(&p.rng, MAXOFF));
			count(&p, OP_TRUNCATE, sys_res(r));
			break;
		case 9:
			do_read(&p, f);
			break;
		default:
			count(&p, OP_FSYNC, sys_res(fsync(p.fd[f])));
			break;
		}
	}
	if (p.have_aio)
		io_destroy(p.aio);
	if (p.have_uring)
		io_uring_queue_exit(&p.ring);
	for (f = 0; f < NFILES; f++) {
		close(p.fd[f]);
		if (p.dfd[f] >= 0)
			close(p.dfd[f]);
	}
	free(p.buf);
}

int main(int argc, char **argv)
{
	unsigned long nprocs = 4, nops = 100, seed = 1, i, total;
	struct stats *st, sum;
	pid_t pids[MAXPROCS];
	char path[32];
	int opt, status, failed = 0, o, e, f;

	while ((opt = getopt(argc, argv, "p:n:s:")) != -1) {
		switch (opt) {
		case 'p':
			nprocs = wl_num("p", optarg);
			break;
		case 'n':
			nops = wl_num("n", optarg);
			break;
		case 's':
			seed = wl_num("s", optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || !nprocs || nprocs > MAXPROCS)
		goto usage;
	wl_enter_dir(argv[optind]);

	st = mmap(NULL, nprocs * sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		wl_fail("mmap: %s", strerror(errno));
	fflush(stdout);
	for (i = 0; i < nprocs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			wl_fail("fork: %s", strerror(errno));
		if (pids[i] == 0) {
			child((int)i, nops, seed, &st[i]);
			_exit(0);
		}
	}
	for (i = 0; i < nprocs; i++) {
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			fprintf(stderr, "%s: process %lu failed\n",
				program_invocation_short_name, i);
			failed = 1;
		}
	}

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < nprocs; i++) {
		for (o = 0; o < OP_NR; o++) {
			sum.ok[o] += st[i].ok[o];
			for (e = 0; e < MAXERRNO; e++)
				sum.err[o][e] += st[i].err[o][e];
		}
	}
	printf("procs %lu ops %lu seed %lu\n", nprocs, nops, seed);
	for (o = 0; o < OP_NR; o++) {
		total = sum.ok[o];
		for (e = 0; e < MAXERRNO; e++)
			total += sum.err[o][e];
		if (!total)
			continue;
		printf("  %-16s ok %lu", op_name[o], sum.ok[o]);
		for (e = 0; e < MAXERRNO; e++)
			if (sum.err[o][e])
				printf(" %s %lu", e ? wl_errname(e) : "E?",
				       sum.err[o][e]);
		printf("\n");
	}
	for (i = 0; i < nprocs; i++)
		printf("p%lu read data hash %016llx\n", i,
		       (unsigned long long)st[i].read_hash);
	for (i = 0; i < nprocs; i++) {
		for (f = 0; f < NFILES; f++) {
			snprintf(path, sizeof(path), "p%lu/f%d", i, f);
			wl_print_file(AT_FDCWD, path);
		}
	}
	munmap(st, nprocs * sizeof(*st));
	if (failed)
		wl_fail("a process failed");
	return WL_EXIT_OK;
usage:
	fprintf(stderr, "usage: %s [-p procs(1-64)] [-n ops] [-s seed] DIR\n",
		argv[0]);
	return WL_EXIT_USAGE;
}
