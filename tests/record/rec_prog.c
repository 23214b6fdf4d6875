/* SPDX-License-Identifier: MIT */
/*
 * rec_prog MODE DIR: small workloads for the recorder tests.  Each prints
 * a deterministic summary (no pids, fds or addresses) that must be the
 * same with and without `iorr record`.
 *
 *   threads   4 threads pwrite their own file under a mutex, joined
 *   forkexec  fork; the child writes, execs `rec_prog child DIR`, which
 *             writes again; the parent waits
 *   errno     failing and succeeding calls: results and errno as seen
 *   kill      writes forever, printing the count of completed writes
 *   mmap      a shared writable mapping, stored into, msync, munmap
 *   stdio     fopen/fprintf/fputs/fgets/fread/fclose
 *   syscall   read/write/pwrite/fsync through syscall()
 *   daemon    a grandchild that closes every fd, then writes a file
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

static const char *dir;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void die(const char *what)
{
	fprintf(stderr, "rec_prog: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *writer(void *arg)
{
	long id = (long)arg;
	char path[4096], buf[512];
	int fd;

	snprintf(path, sizeof(path), "%s/t%ld", dir, id);
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0)
		die("open");
	for (int i = 0; i < 100; i++) {
		memset(buf, 'a' + (int)id, sizeof(buf));
		snprintf(buf, sizeof(buf), "%ld:%d", id, i);
		if (pwrite(fd, buf, sizeof(buf), (off_t)i * 512) != 512)
			die("pwrite");
		pthread_mutex_lock(&mu);
		total += 512;
		pthread_mutex_unlock(&mu);
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		die("fsync/close");
	return NULL;
}

static int do_threads(void)
{
	pthread_t th[4];

	for (long i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, writer, (void *)i))
			die("pthread_create");
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("threads total=%ld\n", total);
	return 0;
}

static void write_file(const char *name, const char *text)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    close(fd) < 0)
		die(name);
}

static int do_forkexec(const char *self)
{
	int st;
	pid_t p = fork();

	if (p < 0)
		die("fork");
	if (p == 0) {
		write_file("before-exec", "child before exec\n");
		execl(self, self, "child", dir, (char *)NULL);
		_exit(127);
	}
	write_file("parent", "parent\n");
	if (waitpid(p, &st, 0) != p)
		die("waitpid");
	printf("forkexec child status=%d\n", WEXITSTATUS(st));
	return 0;
}

static int do_child(void)
{
	write_file("after-exec", "child after exec\n");
	return 5;
}

#define REP(name, call)							\
	do {								\
		errno = 4242;						\
		long r_ = (long)(call);					\
		printf("%s = %ld errno=%d\n", name, r_,			\
		       r_ < 0 ? errno : errno == 4242 ? 0 : -errno);	\
	} while (0)

static int do_errno(void)
{
	char path[4096], buf[16];
	int fd;

	snprintf(path, sizeof(path), "%s/e", dir);
	REP("open missing", open("/nonexistent/x", O_RDONLY));
	REP("close bad", close(9999));
	REP("read bad", read(9999, buf, 1));
	fd = open(path, O_CREAT | O_RDWR, 0600);
	REP("write", write(fd, "abc", 3));
	REP("pread", pread(fd, buf, 16, 0));
	REP("pread past eof", pread(fd, buf, 16, 100));
	REP("lseek bad whence", lseek(fd, 0, 99));
	REP("fallocate bad", fallocate(fd, 0, 0, -1));
	REP("posix_fallocate bad", posix_fallocate(fd, -1, 1));
	REP("ftruncate", ftruncate(fd, 1));
	REP("fsync", fsync(fd));
	REP("rename missing", rename("/nonexistent/a", path));
	REP("unlink missing", unlink("/nonexistent/a"));
	REP("close", close(fd));
	REP("close again", close(fd));
	return 0;
}

static __attribute__((noreturn)) int do_kill(void)
{
	char path[4096], buf[64];
	long n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/k", dir);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		die("open");
	for (;;) {
		snprintf(buf, sizeof(buf), "%ld\n", n);
		if (write(fd, buf, strlen(buf)) < 0)
			die("write");
		n++;
		if (n % 1000 == 0) {
			printf("%ld\n", n);
			fflush(stdout);
			usleep(1000);
		}
	}
}

static int do_mmap(void)
{
	char path[4096];
	char *m;
	int fd;

	snprintf(path, sizeof(path), "%s/m", dir);
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0 || ftruncate(fd, 8192) < 0)
		die("open");
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	memcpy(m + 100, "hello mmap", 10);
	if (msync(m, 8192, MS_SYNC) < 0)
		die("msync");
	memcpy(m + 5000, "second", 6);
	if (munmap(m, 8192) < 0)
		die("munmap");
	close(fd);
	printf("mmap done\n");
	return 0;
}

static int do_stdio(void)
{
	char path[4096], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/s", dir);
	f = fopen(path, "w");
	if (!f)
		die("fopen");
	fprintf(f, "line %d\n", 1);
	fputs("line 2\n", f);
	fputc('x', f);
	fwrite("\n", 1, 1, f);
	if (fclose(f))
		die("fclose");
	f = fopen(path, "r");
	if (!f)
		die("fopen r");
	while (fgets(line, sizeof(line), f))
		printf("got %s", line);
	fclose(f);
	return 0;
}

static int do_syscall(void)
{
	char path[4096], buf[8];
	long fd;

	snprintf(path, sizeof(path), "%s/y", dir);
	fd = syscall(SYS_openat, AT_FDCWD, path, O_CREAT | O_RDWR, 0644);
	if (fd < 0)
		die("openat");
	printf("write %ld\n", syscall(SYS_write, fd, "syscall!", 8));
	printf("pwrite %ld\n", syscall(SYS_pwrite64, fd, "S", 1, 0));
	printf("fsync %ld\n", syscall(SYS_fsync, fd));
	printf("pread %ld\n", syscall(SYS_pread64, fd, buf, 8, 0));
	printf("close %ld\n", syscall(SYS_close, fd));
	errno = 0;
	printf("close again %ld errno=%d\n", syscall(SYS_close, fd), errno);
	return 0;
}

static int do_daemon(void)
{
	pid_t p = fork();

	if (p < 0)
		die("fork");
	if (p == 0) {
		if (fork() != 0)
			_exit(0);
		setsid();
		for (int fd = 0; fd < 1024; fd++)
			close(fd);
		usleep(200000);		/* outlive the parent */
		write_file("daemon", "written by the daemon\n");
		_exit(0);
	}
	waitpid(p, NULL, 0);
	printf("daemon started\n");
	return 0;
}

/*
 * File metadata: umask, chmod/fchmod/fchmodat, the utime family, chown
 * (to our own ids: allowed without privilege), raw syscall() forms, and
 * failures.  Prints each result, errno and the modes it leaves.
 */
static void show(const char *what, long r)
{
	printf("%s = %ld%s%s\n", what, r, r < 0 ? " " : "",
	       r < 0 ? strerror(errno) : "");
}

static void show_mode(const char *name)
{
	char p[4096];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (lstat(p, &sb) == 0)
		printf("%s: 0%o size %lld mtime %lld\n", name,
		       (unsigned)sb.st_mode & 07777, (long long)sb.st_size,
		       sb.st_mtime < 100000000 ? (long long)sb.st_mtime : 0);
}

static int do_meta(void)
{
	char a[4096], b[4096], c[4096], d[4096];
	struct timespec ts[2] = { { 1000000, 5 }, { 2000000, 7 } };
	struct timeval tv[2] = { { 3000000, 0 }, { 4000000, 0 } };
	struct utimbuf ub = { 5000000, 6000000 };
	int fd, dfd;

	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(c, sizeof(c), "%s/sub", dir);
	snprintf(d, sizeof(d), "%s/sub/c", dir);
	printf("umask old 0%o\n", (unsigned)umask(027));
	fd = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0666);	/* 0640 */
	show("write", write(fd, "hello\n", 6));
	show("fchmod", fchmod(fd, 0604));
	show("futimens", futimens(fd, ts));
	show("fchown", fchown(fd, getuid(), (gid_t)-1));
	close(fd);
	show("mkdir", mkdir(c, 0777));			/* 0750 */
	snprintf(b, sizeof(b), "%s/e", dir);
	close(creat(b, 0666));				/* 0640 */
	snprintf(b, sizeof(b), "%s/b", dir);
	printf("umask old 0%o\n", (unsigned)syscall(SYS_umask, 077));
	fd = open(b, O_CREAT | O_WRONLY | O_TRUNC, 0666);	/* 0600 */
	show("write", write(fd, "world\n", 6));
	close(fd);
	show("chmod", chmod(b, 0755));
	show("utimes", utimes(b, tv));
	show("utime", utime(a, &ub));
	show("utimensat now", utimensat(AT_FDCWD, a, NULL, 0));
	dfd = open(c, O_RDONLY | O_DIRECTORY);
	fd = openat(dfd, "c", O_CREAT | O_WRONLY, 0644);	/* 0600 */
	close(fd);
	show("fchmodat", fchmodat(dfd, "c", 0640, 0));
	show("fchownat", fchownat(dfd, "c", (uid_t)-1, getgid(), 0));
	show("chown", chown(d, getuid(), getgid()));
	show("lchown", lchown(d, (uid_t)-1, (gid_t)-1));
	show("sys_chmod", syscall(SYS_chmod, d, 0444));
	show("sys_fchmodat", syscall(SYS_fchmodat, dfd, "c", 0400));
	show("sys_utimensat", syscall(SYS_utimensat, dfd, "c", ts, 0));
	close(dfd);
	show("chmod missing", chmod("/nonexistent/x", 0600));
	show("chmod missing2", chmod(c, 0700) ? -1 : chmod(d, 0644));
	printf("umask old 0%o\n", (unsigned)umask(022));
	show_mode("a");
	show_mode("b");
	show_mode("e");
	show_mode("sub");
	show_mode("sub/c");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: rec_prog MODE DIR\n");
		return 2;
	}
	dir = argv[2];
	if (!strcmp(argv[1], "threads"))
		return do_threads();
	if (!strcmp(argv[1], "forkexec"))
		return do_forkexec(argv[0]);
	if (!strcmp(argv[1], "child"))
		return do_child();
	if (!strcmp(argv[1], "errno"))
		return do_errno();
	if (!strcmp(argv[1], "kill"))
		return do_kill();
	if (!strcmp(argv[1], "mmap"))
		return do_mmap();
	if (!strcmp(argv[1], "stdio"))
		return do_stdio();
	if (!strcmp(argv[1], "syscall"))
		return do_syscall();
	if (!strcmp(argv[1], "meta"))
		return do_meta();
	if (!strcmp(argv[1], "daemon"))
		return do_daemon();
	fprintf(stderr, "rec_prog: %s: unknown mode\n", argv[1]);
	return 2;
}
