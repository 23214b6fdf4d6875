// SPDX-License-Identifier: MIT
/*
 * posix_calls - one call of every POSIX file operation the recorder wraps.
 *
 * Usage: posix_calls DIR
 *
 * WHY: the recorder's wrappers are mostly generated from src/ops.def, and a
 * wrapper that is missing, mis-decodes its arguments or clobbers errno shows
 * only when a real program calls it.  This program calls each wrapped
 * function (and the 64-bit and syscall() forms programs really use) once,
 * including error cases, and prints one line per call:
 *
 *	name = result ERRNO
 *
 * where results that are fd numbers print as "fd" (the recorder may own fds
 * of its own) and errno is its symbolic name.  Run traced and untraced the
 * output must be identical.  Operations a filesystem may refuse (fallocate
 * modes, reflink, dedupe, SEEK_DATA) are reported as they come: the point is
 * identical behaviour, not a particular result.
 *
 * Exit: 0 done, 1 a call every Linux filesystem supports failed or data
 * read back differs from data written.
 */
#include "wl.h"

#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define BLK 4096

static unsigned char wbuf[4 * BLK], rbuf[4 * BLK];

/* A call that succeeds on every Linux filesystem: failure is a bug. */
static long long must(long long ret)
{
	if (ret < 0)
		wl_fail("a call that cannot fail failed: %s",
			wl_errname(errno));
	return ret;
}

/* Report a read: its result and the checksum of the bytes it returned. */
static void rep_read(const char *name, long long ret, const void *buf)
{
	int e = errno;

	wl_res(name, ret, e);
	if (ret > 0)
		printf("%-32s   data %016llx\n", "",
		       (unsigned long long)wl_hash(WL_HASH_INIT, buf,
						    (size_t)ret));
}

/* Check that @n bytes read at @off of a file match wbuf at @woff. */
static void check_data(const char *what, const void *got, size_t n,
		       size_t woff)
{
	if (memcmp(got, wbuf + woff, n))
		wl_fail("%s: data read back differs from data written", what);
}

static void print_flock(const char *name, const struct flock *fl)
{
	printf("%-32s   l_type %s start %lld len %lld\n", name,
	       fl->l_type == F_UNLCK ? "F_UNLCK" :
	       fl->l_type == F_WRLCK ? "F_WRLCK" : "F_RDLCK",
	       (long long)fl->l_start, (long long)fl->l_len);
}

static void open_calls(int dirfd, int *fd, int *fd2)
{
	struct open_how how = { .flags = O_RDWR, .resolve = RESOLVE_BENEATH };
	int t;

	*fd = must(wl_repfd("open(a.dat,O_CREAT|O_TRUNC)",
			 open("a.dat", O_CREAT | O_RDWR | O_TRUNC, 0644)));
	*fd2 = must(wl_repfd("openat(b.dat,O_CREAT)",
			  openat(dirfd, "b.dat", O_CREAT | O_RDWR | O_TRUNC,
				 0644)));
	t = wl_repfd("openat2(a.dat,RESOLVE_BENEATH)",
		  (int)syscall(SYS_openat2, dirfd, "a.dat", &how, sizeof(how)));
	if (t >= 0)
		wl_rep("close(openat2)", close(t));
	wl_rep("openat2(../x,RESOLVE_BENEATH)",
	    syscall(SYS_openat2, dirfd, "../x", &how, sizeof(how)));
	t = must(wl_repfd("creat(c.dat)", creat("c.dat", 0644)));
	wl_rep("write(c.dat)", write(t, "c file\n", 7));
	wl_rep("close(c.dat)", close(t));
	t = must(wl_repfd("open64(a.dat,O_RDONLY)", open64("a.dat", O_RDONLY)));
	wl_rep("write(O_RDONLY fd)", write(t, "x", 1));
	wl_rep("close(open64)", close(t));
	t = must(wl_repfd("creat64(e.dat)", creat64("e.dat", 0600)));
	wl_rep("close(creat64)", close(t));
	t = must(wl_repfd("openat64(e.dat)",
		       openat64(dirfd, "e.dat", O_RDONLY | O_CLOEXEC)));
	wl_rep("close(openat64)", close(t));
	wl_repfd("open(missing)", open("missing", O_RDONLY));
	wl_repfd("open(a.dat,O_CREAT|O_EXCL)",
	      open("a.dat", O_CREAT | O_EXCL | O_RDWR, 0644));
	wl_rep("close(9999)", close(9999));
	wl_rep("read(9999)", read(9999, rbuf, 1));
}

static void rw_calls(int fd)
{
	struct iovec iov[3];
	long long r;

	r = must(wl_rep("write(a.dat,4096)", write(fd, wbuf, BLK)));
	r = must(wl_rep("pwrite(a.dat,4096@4096)",
		     pwrite(fd, wbuf + BLK, BLK, BLK)));
	r = must(wl_rep("pwrite64(a.dat,4096@8192)",
		     pwrite64(fd, wbuf + 2 * BLK, BLK, 2 * BLK)));
	/* the file position is 4096: writev overwrites bytes 4096..4695 */
	iov[0] = (struct iovec){ wbuf + BLK, 100 };
	iov[1] = (struct iovec){ wbuf + BLK + 100, 200 };
	iov[2] = (struct iovec){ wbuf + BLK + 300, 300 };
	must(wl_rep("writev(a.dat,3 iov)", writev(fd, iov, 3)));
	iov[0] = (struct iovec){ wbuf + 3 * BLK, 1000 };
	iov[1] = (struct iovec){ wbuf + 3 * BLK + 1000, 3096 };
	must(wl_rep("pwritev(a.dat,2 iov@12288)",
		    pwritev(fd, iov, 2, 3 * BLK)));
	must(wl_rep("pwritev64(a.dat,2 iov@12288)",
		 pwritev64(fd, iov, 2, 3 * BLK)));
	wl_rep("pwritev2(a.dat,RWF_DSYNC@12288)",
	    pwritev2(fd, iov, 2, 3 * BLK, RWF_DSYNC));
	/* the position is 4696 after writev: write the matching bytes */
	iov[0] = (struct iovec){ wbuf + BLK + 600, 1000 };
	wl_rep("pwritev2(a.dat,off -1)", pwritev2(fd, iov, 1, -1, 0));
	wl_rep("lseek(a.dat,0,SEEK_CUR)", lseek(fd, 0, SEEK_CUR));
	wl_rep("ftruncate(a.dat,16384)", ftruncate(fd, 4 * BLK));

	must(wl_rep("lseek(a.dat,0,SEEK_SET)", lseek(fd, 0, SEEK_SET)));
	r = must(read(fd, rbuf, 1000));
	rep_read("read(a.dat,1000)", r, rbuf);
	check_data("read", rbuf, (size_t)r, 0);
	r = must(pread(fd, rbuf, BLK, BLK));
	rep_read("pread(a.dat,4096@4096)", r, rbuf);
	check_data("pread", rbuf, BLK, BLK);
	r = must(pread64(fd, rbuf, BLK, 2 * BLK));
	rep_read("pread64(a.dat,4096@8192)", r, rbuf);
	check_data("pread64", rbuf, BLK, 2 * BLK);
	iov[0] = (struct iovec){ rbuf, 24 };
	iov[1] = (struct iovec){ rbuf + 24, 1000 };
	r = must(readv(fd, iov, 2));	/* from position 1000 */
	rep_read("readv(a.dat,2 iov)", r, rbuf);
	check_data("readv", rbuf, (size_t)r, 1000);
	iov[0] = (struct iovec){ rbuf, BLK / 2 };
	iov[1] = (struct iovec){ rbuf + BLK / 2, BLK / 2 };
	r = must(preadv(fd, iov, 2, 3 * BLK));
	rep_read("preadv(a.dat,2 iov@12288)", r, rbuf);
	check_data("preadv", rbuf, BLK, 3 * BLK);
	r = must(preadv64(fd, iov, 2, 3 * BLK));
	rep_read("preadv64(a.dat,2 iov@12288)", r, rbuf);
	r = preadv2(fd, iov, 2, 3 * BLK, RWF_HIPRI);
	rep_read("preadv2(a.dat,RWF_HIPRI@12288)", r, rbuf);
	r = preadv2(fd, iov, 1, -1, 0);
	rep_read("preadv2(a.dat,off -1)", r, rbuf);
	wl_rep("read(a.dat,at EOF)",
	    (lseek(fd, 0, SEEK_END), read(fd, rbuf, 10)));
	wl_rep("pread(a.dat,past EOF)", pread(fd, rbuf, 10, 1 << 20));
	wl_rep("pread(a.dat,offset -1)", pread(fd, rbuf, 10, -1));
}

static void seek_sync_calls(int fd, int fd2)
{
	must(wl_rep("pwrite(b.dat,4096@0)", pwrite(fd2, wbuf, BLK, 0)));
	must(wl_rep("pwrite(b.dat,4096@1M)", pwrite(fd2, wbuf, BLK, 1 << 20)));
	wl_rep("fsync(b.dat)", fsync(fd2));
	wl_rep("lseek(b.dat,0,SEEK_END)", lseek(fd2, 0, SEEK_END));
	wl_rep("lseek(b.dat,-100,SEEK_CUR)", lseek(fd2, -100, SEEK_CUR));
	wl_rep("lseek64(b.dat,10,SEEK_SET)", lseek64(fd2, 10, SEEK_SET));
	wl_rep("lseek(b.dat,0,SEEK_HOLE)", lseek(fd2, 0, SEEK_HOLE));
	wl_rep("lseek(b.dat,8192,SEEK_DATA)", lseek(fd2, 2 * BLK, SEEK_DATA));
	wl_rep("lseek(b.dat,2M,SEEK_DATA)", lseek(fd2, 2 << 20, SEEK_DATA));
	wl_rep("lseek(b.dat,-1,SEEK_SET)", lseek(fd2, -1, SEEK_SET));
	wl_rep("fdatasync(a.dat)", fdatasync(fd));
	wl_rep("syncfs(a.dat)", syncfs(fd));
	wl_rep("sync_file_range(a.dat)",
	       sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE |
			       SYNC_FILE_RANGE_WRITE |
			       SYNC_FILE_RANGE_WAIT_AFTER));
	wl_rep("fsync(9999)", fsync(9999));
	wl_rep("ftruncate(b.dat,2M)", ftruncate(fd2, 2 << 20));
	wl_rep("ftruncate64(b.dat,1M+8192)",
	       ftruncate64(fd2, (1 << 20) + 2 * BLK));
	wl_rep("truncate(b.dat,1M+4096)", truncate("b.dat", (1 << 20) + BLK));
	wl_rep("truncate64(e.dat,100)", truncate64("e.dat", 100));
	wl_rep("truncate(missing)", truncate("missing", 0));
}

static void fallocate_calls(int dirfd)
{
	int fd = must(wl_repfd("open(f.dat,O_CREAT)",
			    open("f.dat", O_CREAT | O_RDWR | O_TRUNC, 0644)));
	unsigned char big[16 * BLK];

	wl_fill(big, sizeof(big), 42);
	wl_rep("fallocate(f.dat,0,0,64K)", fallocate(fd, 0, 0, 16 * BLK));
	must(wl_rep("pwrite(f.dat,64K@0)", pwrite(fd, big, sizeof(big), 0)));
	wl_rep("fallocate(KEEP_SIZE,64K,64K)",
	    fallocate(fd, FALLOC_FL_KEEP_SIZE, 16 * BLK, 16 * BLK));
	wl_rep("fallocate(PUNCH_HOLE|KEEP_SIZE)",
	    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, BLK,
		      BLK));
	wl_rep("fallocate(PUNCH_HOLE) no KEEP",
	    fallocate(fd, FALLOC_FL_PUNCH_HOLE, BLK, BLK));
	wl_rep("fallocate(ZERO_RANGE,8192,4096)",
	    fallocate(fd, FALLOC_FL_ZERO_RANGE, 2 * BLK, BLK));
	wl_rep("fallocate(COLLAPSE_RANGE)",
	    fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 4 * BLK, BLK));
	wl_rep("fallocate(INSERT_RANGE)",
	    fallocate(fd, FALLOC_FL_INSERT_RANGE, 4 * BLK, BLK));
	wl_rep("fallocate(COLLAPSE_RANGE,unaligned)",
	    fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 100, BLK));
	wl_rep("fallocate64(f.dat,0,64K,4096)",
	    fallocate64(fd, 0, 16 * BLK, BLK));
	wl_errres("posix_fallocate(f.dat,0,96K)",
		  posix_fallocate(fd, 0, 24 * BLK));
	wl_errres("posix_fallocate64(f.dat,0,100K)",
		  posix_fallocate64(fd, 0, 25 * BLK));
	wl_errres("posix_fallocate(9999)", posix_fallocate(9999, 0, 1));
	wl_rep("close(f.dat)", close(fd));
	wl_print_file(dirfd, "f.dat");
}

static void copy_calls(int fd)
{
	int g, p[2];
	loff_t in = 0, out = 0;
	off_t soff;

	g = must(wl_repfd("open(g.dat,O_CREAT)",
		       open("g.dat", O_CREAT | O_RDWR | O_TRUNC, 0644)));
	wl_rep("copy_file_range(a->g,8192)",
	    copy_file_range(fd, &in, g, &out, 2 * BLK, 0));
	in = BLK;
	out = 2 * BLK;
	wl_rep("syscall(copy_file_range,a->g)",
	    syscall(SYS_copy_file_range, fd, &in, g, &out, 2 * BLK, 0));
	printf("%-32s   off_in %lld off_out %lld\n", "", (long long)in,
	       (long long)out);
	wl_rep("copy_file_range(9999)",
	    copy_file_range(9999, NULL, g, NULL, 10, 0));
	must(wl_rep("pipe", pipe(p)));
	in = 0;
	wl_rep("splice(a.dat->pipe,4096)",
	    splice(fd, &in, p[1], NULL, BLK, 0));
	out = 4 * BLK;
	wl_rep("splice(pipe->g.dat,4096@16K)",
	    splice(p[0], NULL, g, &out, BLK, 0));
	close(p[0]);
	close(p[1]);
	soff = 2 * BLK;
	wl_rep("lseek(g.dat,0,SEEK_END)", lseek(g, 0, SEEK_END));
	wl_rep("sendfile(a.dat->g.dat,4096)", sendfile(g, fd, &soff, BLK));
	printf("%-32s   offset %lld\n", "", (long long)soff);
	wl_rep("close(g.dat)", close(g));
}

static void clone_calls(int fd)
{
	struct file_clone_range fcr = {
		.src_fd = fd, .src_offset = 0, .src_length = BLK,
		.dest_offset = BLK,
	};
	struct file_dedupe_range *fdr;
	int h;

	h = must(wl_repfd("open(h.dat,O_CREAT)",
		       open("h.dat", O_CREAT | O_RDWR | O_TRUNC, 0644)));
	wl_rep("ioctl(h.dat,FICLONE,a.dat)", ioctl(h, FICLONE, fd));
	wl_rep("ioctl(h.dat,FICLONERANGE)", ioctl(h, FICLONERANGE, &fcr));
	fcr.src_offset = 100;	/* unaligned: EINVAL where reflink works */
	wl_rep("ioctl(FICLONERANGE,unaligned)", ioctl(h, FICLONERANGE, &fcr));
	must(wl_rep("pwrite(h.dat,4096@0)", pwrite(h, wbuf, BLK, 0)));
	fdr = calloc(1, sizeof(*fdr) + sizeof(fdr->info[0]));
	if (!fdr)
		wl_fail("out of memory");
	fdr->src_offset = 0;
	fdr->src_length = BLK;
	fdr->dest_count = 1;
	fdr->info[0].dest_fd = h;
	fdr->info[0].dest_offset = 0;
	wl_rep("ioctl(a.dat,FIDEDUPERANGE)", ioctl(fd, FIDEDUPERANGE, fdr));
	printf("%-32s   status %d bytes_deduped %llu\n", "",
	       fdr->info[0].status,
	       (unsigned long long)fdr->info[0].bytes_deduped);
	free(fdr);
	wl_rep("close(h.dat)", close(h));
}

/*
 * The kernel sets O_LARGEFILE in F_GETFL on 64-bit, but glibc defines it as
 * 0 there: mask the kernel's bit so the printed flags are the program's.
 */
static int strip_largefile(int flags)
{
	return flags < 0 ? flags : flags & ~0100000;
}

static void fd_calls(int fd)
{
	int a, b, flags;

	a = wl_repfd("dup(a.dat)", dup(fd));
	wl_rep("close(dup)", close(a));
	wl_rep("dup2(a.dat,200)", dup2(fd, 200));
	wl_rep("dup3(a.dat,201,O_CLOEXEC)", dup3(fd, 201, O_CLOEXEC));
	wl_rep("dup2(a.dat,202)", dup2(fd, 202));
	wl_rep("dup3(same fd)", dup3(fd, fd, 0));
	wl_rep("close_range(200,202,CLOEXEC)",
	    close_range(200, 202, CLOSE_RANGE_CLOEXEC));
	wl_rep("close_range(200,202,0)", close_range(200, 202, 0));
	wl_rep("close(200) after close_range", close(200));
	wl_rep("dup(9999)", dup(9999));

	a = wl_repfd("fcntl(F_DUPFD,100)", fcntl(fd, F_DUPFD, 100));
	b = wl_repfd("fcntl(F_DUPFD_CLOEXEC,0)", fcntl(fd, F_DUPFD_CLOEXEC, 0));
	wl_rep("fcntl(dup,F_GETFD)", fcntl(b, F_GETFD));
	wl_rep("close(F_DUPFD)", close(a));
	wl_rep("close(F_DUPFD_CLOEXEC)", close(b));
	a = must(wl_repfd("open(a.dat,O_WRONLY)", open("a.dat", O_WRONLY)));
	flags = (int)wl_rep("fcntl(F_GETFL)",
			    strip_largefile(fcntl(a, F_GETFL)));
	wl_rep("fcntl64(F_GETFL)", strip_largefile(fcntl64(a, F_GETFL)));
	wl_rep("fcntl(F_SETFL,O_APPEND)", fcntl(a, F_SETFL, flags | O_APPEND));
	wl_rep("write(O_APPEND,10)", write(a, "appended\n\n", 10));
	wl_rep("lseek(O_APPEND fd,0,SEEK_CUR)", lseek(a, 0, SEEK_CUR));
	wl_rep("close(O_WRONLY)", close(a));
	wl_rep("fcntl(9999,F_GETFL)", fcntl(9999, F_GETFL));
}

/* In a child: a process that does not own the locks sees them. */
static void lock_probe_child(void)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = 0, .l_len = 100 };
	int fd = open("a.dat", O_RDWR);

	wl_repfd("child: open(a.dat)", fd);
	wl_rep("child: fcntl(F_GETLK,0,100)", fcntl(fd, F_GETLK, &fl));
	print_flock("child: F_GETLK", &fl);
	wl_rep("child: fcntl(F_SETLK) conflict",
	    fcntl(fd, F_SETLK, &(struct flock){ .l_type = F_RDLCK,
						 .l_whence = SEEK_SET,
						 .l_len = 100 }));
	wl_rep("child: lockf(F_TEST,400)",
	    (lseek(fd, 0, SEEK_SET), lockf(fd, F_TEST, 400)));
	wl_rep("child: flock(LOCK_EX|LOCK_NB)", flock(fd, LOCK_EX | LOCK_NB));
	close(fd);
	fflush(stdout);
	_exit(0);
}

static void lock_calls(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = 0, .l_len = 100 };
	int b, c, st;
	pid_t pid;

	wl_rep("fcntl(F_SETLK,WRLCK 0,100)", fcntl(fd, F_SETLK, &fl));
	b = must(wl_repfd("open(a.dat) for OFD", open("a.dat", O_RDWR)));
	c = must(wl_repfd("open(a.dat) for OFD 2", open("a.dat", O_RDWR)));
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET,
			     .l_start = 200, .l_len = 100 };
	wl_rep("fcntl(F_OFD_SETLK,WRLCK 200,100)", fcntl(b, F_OFD_SETLK, &fl));
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET,
			     .l_start = 200, .l_len = 100 };
	wl_rep("fcntl(F_OFD_SETLK) conflict", fcntl(c, F_OFD_SETLK, &fl));
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET,
			     .l_start = 200, .l_len = 100 };
	wl_rep("fcntl(F_GETLK,200,100)", fcntl(fd, F_GETLK, &fl));
	print_flock("F_GETLK", &fl);
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET,
			     .l_start = 0, .l_len = 100 };
	wl_rep("fcntl(F_OFD_GETLK,0,100)", fcntl(c, F_OFD_GETLK, &fl));
	print_flock("F_OFD_GETLK", &fl);
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET,
			     .l_start = 300, .l_len = 100 };
	wl_rep("fcntl(F_OFD_SETLKW,300,100)", fcntl(c, F_OFD_SETLKW, &fl));
	fl.l_type = F_UNLCK;
	wl_rep("fcntl(F_OFD_SETLK,UNLCK)", fcntl(c, F_OFD_SETLK, &fl));
	/* drop b's OFD lock: lockf(F_LOCK) below would wait for it forever */
	fl = (struct flock){ .l_type = F_UNLCK, .l_whence = SEEK_SET,
			     .l_start = 200, .l_len = 100 };
	wl_rep("fcntl(F_OFD_SETLK,UNLCK 200,100)", fcntl(b, F_OFD_SETLK, &fl));
	wl_rep("flock(a.dat,LOCK_EX)", flock(fd, LOCK_EX));
	wl_rep("flock(other OFD,LOCK_SH|NB)", flock(c, LOCK_SH | LOCK_NB));
	wl_rep("lseek(a.dat,0,SEEK_SET)", lseek(fd, 0, SEEK_SET));
	wl_rep("lockf(F_LOCK,400)", lockf(fd, F_LOCK, 400));
	wl_rep("lockf(F_TEST,400) own", lockf(fd, F_TEST, 400));
	wl_rep("lockf64(F_TLOCK,400)", lockf64(fd, F_TLOCK, 400));

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		wl_fail("fork: %s", strerror(errno));
	if (pid == 0)
		lock_probe_child();
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		wl_fail("lock probe child failed");

	wl_rep("lockf(F_ULOCK,400)", lockf(fd, F_ULOCK, 400));
	wl_rep("flock(a.dat,LOCK_UN)", flock(fd, LOCK_UN));
	wl_rep("flock(other OFD,LOCK_SH|NB)", flock(c, LOCK_SH | LOCK_NB));
	wl_rep("flock(other OFD,LOCK_UN)", flock(c, LOCK_UN));
	fl = (struct flock){ .l_type = F_UNLCK, .l_whence = SEEK_SET };
	wl_rep("fcntl(F_SETLKW,UNLCK all)", fcntl(fd, F_SETLKW, &fl));
	wl_rep("flock(9999)", flock(9999, LOCK_EX));
	wl_rep("close(OFD)", close(b));
	wl_rep("close(OFD 2)", close(c));
}

static void namespace_calls(int dirfd)
{
	int fd;
	long long r;

	wl_rep("mkdir(d1)", mkdir("d1", 0755));
	wl_rep("mkdirat(d2)", mkdirat(dirfd, "d2", 0755));
	wl_rep("mkdir(d1) again", mkdir("d1", 0755));
	wl_rep("rename(c.dat,d1/c.dat)", rename("c.dat", "d1/c.dat"));
	wl_rep("renameat(d1/c.dat,c2.dat)",
	    renameat(dirfd, "d1/c.dat", dirfd, "c2.dat"));
	wl_rep("renameat2(c2,a.dat,NOREPLACE)",
	    renameat2(dirfd, "c2.dat", dirfd, "a.dat", RENAME_NOREPLACE));
	wl_rep("renameat2(c2,c3,NOREPLACE)",
	    renameat2(dirfd, "c2.dat", dirfd, "c3.dat", RENAME_NOREPLACE));
	wl_rep("renameat2(c3,g.dat,EXCHANGE)",
	    renameat2(dirfd, "c3.dat", dirfd, "g.dat", RENAME_EXCHANGE));
	wl_rep("rename(missing,x)", rename("missing", "x"));
	wl_rep("link(a.dat,a.lnk)", link("a.dat", "a.lnk"));
	wl_rep("link(a.dat,a.lnk) again", link("a.dat", "a.lnk"));
	wl_rep("linkat(a.dat,d2/a.lnk2)",
	    linkat(dirfd, "a.dat", dirfd, "d2/a.lnk2", 0));
	wl_rep("symlink(a.dat,a.sym)", symlink("a.dat", "a.sym"));
	wl_rep("symlinkat(../a.dat,d2/a.sym2)",
	    symlinkat("../a.dat", dirfd, "d2/a.sym2"));
	fd = must(wl_repfd("open(d2/a.sym2)", open("d2/a.sym2", O_RDONLY)));
	r = read(fd, rbuf, 100);
	rep_read("read(via symlink)", r, rbuf);
	wl_rep("close(symlink)", close(fd));
	wl_rep("rmdir(d2) not empty", rmdir("d2"));
	wl_rep("unlink(a.lnk)", unlink("a.lnk"));
	wl_rep("unlink(a.sym)", unlink("a.sym"));
	wl_rep("unlinkat(d2/a.lnk2)", unlinkat(dirfd, "d2/a.lnk2", 0));
	wl_rep("unlinkat(d2/a.sym2)", unlinkat(dirfd, "d2/a.sym2", 0));
	wl_rep("unlinkat(d2,AT_REMOVEDIR)",
	       unlinkat(dirfd, "d2", AT_REMOVEDIR));
	wl_rep("unlink(missing)", unlink("missing"));
	wl_rep("rmdir(missing)", rmdir("missing"));
	wl_rep("chdir(d1)", chdir("d1"));
	fd = wl_repfd("open(../e.dat) from d1", open("../e.dat", O_RDONLY));
	if (fd >= 0)
		close(fd);
	wl_rep("fchdir(workdir)", fchdir(dirfd));
	wl_rep("chdir(missing)", chdir("missing"));
	wl_rep("rmdir(d1)", rmdir("d1"));
}

static void fadvise_calls(int fd)
{
	wl_errres("posix_fadvise(SEQUENTIAL)",
		  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
	wl_errres("posix_fadvise(WILLNEED)",
		  posix_fadvise(fd, 0, BLK, POSIX_FADV_WILLNEED));
	wl_errres("posix_fadvise64(DONTNEED)",
		  posix_fadvise64(fd, 0, 0, POSIX_FADV_DONTNEED));
	wl_errres("posix_fadvise(bad advice)", posix_fadvise(fd, 0, 0, 99));
	wl_errres("posix_fadvise(9999)",
		  posix_fadvise(9999, 0, 0, POSIX_FADV_NORMAL));
}

int main(int argc, char **argv)
{
	static const char *const files[] = {
		"a.dat", "b.dat", "c3.dat", "e.dat", "f.dat", "g.dat", "h.dat",
	};
	int dirfd, fd, fd2;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return WL_EXIT_USAGE;
	}
	wl_enter_dir(argv[1]);
	wl_fill(wbuf, sizeof(wbuf), 1);

	dirfd = must(wl_repfd("open(.,O_DIRECTORY)",
			   open(".", O_RDONLY | O_DIRECTORY)));
	open_calls(dirfd, &fd, &fd2);
	rw_calls(fd);
	seek_sync_calls(fd, fd2);
	fallocate_calls(dirfd);
	copy_calls(fd);
	clone_calls(fd);
	fd_calls(fd);
	lock_calls(fd);
	fadvise_calls(fd);
	wl_rep("close(a.dat)", close(fd));
	wl_rep("close(b.dat)", close(fd2));
	wl_rep("close(a.dat) again", close(fd));
	namespace_calls(dirfd);
	wl_rep("close(dir)", close(dirfd));

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		wl_print_file(AT_FDCWD, files[i]);
	return WL_EXIT_OK;
}
