// SPDX-License-Identifier: MIT
/*
 * daemon_closefds - a daemon that closes every fd it did not open, then
 * does file I/O.
 *
 * Usage: daemon_closefds [-n records] [-w wait_ms] DIR
 *
 * WHY: daemons (and many servers at startup) double-fork, setsid, chdir("/")
 * and close every fd: close_range(3, ~0U, 0) on new systems, a close() loop
 * up to RLIMIT_NOFILE on old ones, both here.  That also closes whatever the
 * preload library had open (its shared-memory area, a log fd), and the
 * recorder must survive it and keep recording the daemon's writes, which
 * happen afterwards in an orphaned process the recorder did not wait for.
 *
 * The daemon writes daemon.out (records of a known pattern, by absolute
 * path, since its cwd is "/"), fsyncs it, and then signals completion by
 * creating daemon.done with rename() (so it appears whole).  The parent,
 * which is not the daemon's parent any more, polls for daemon.done for at
 * most -w milliseconds and checks daemon.out.
 *
 * Prints: the daemon's report and daemon.out's size and checksum.
 * Exit: 0, 1 timeout, a daemon error, or daemon.out not as written.
 */
#include "wl.h"

#include <limits.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#define REC	4096

static char out_path[PATH_MAX + 32], done_path[PATH_MAX + 32],
	tmp_path[PATH_MAX + 32];

/* In the daemon: record a failure where the parent will look, and exit. */
static void __attribute__((noreturn)) daemon_die(const char *what, int err)
{
	char msg[256];
	int fd, n;

	n = snprintf(msg, sizeof(msg), "error %s %s\n", what, wl_errname(err));
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, msg, (size_t)n) < 0)
			_exit(1);
		close(fd);
		rename(tmp_path, done_path);
	}
	_exit(1);
}

static void __attribute__((noreturn)) daemon_main(unsigned long nrec)
{
	unsigned char buf[REC];
	uint64_t h = WL_HASH_INIT;
	struct rlimit rl;
	unsigned long i, fd, max;
	char msg[128];
	int out, n, nul;

	if (setsid() < 0)
		daemon_die("setsid", errno);
	if (chdir("/") < 0)
		daemon_die("chdir", errno);
	umask(022);
	/* close everything, twice over, the way daemons do */
	if (close_range(3, ~0U, 0) < 0 && errno != ENOSYS)
		daemon_die("close_range", errno);
	max = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = rl.rlim_cur;
	if (max > (1UL << 20))
		max = 1UL << 20;
	for (fd = 0; fd < max; fd++)
		close((int)fd);
	nul = open("/dev/null", O_RDWR);	/* becomes fd 0 */
	if (nul != 0 || dup(0) != 1 || dup(0) != 2)
		daemon_die("reopen stdio", errno);

	out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		daemon_die("open daemon.out", errno);
	for (i = 0; i < nrec; i++) {
		wl_fill(buf, REC, 5000 + i);
		if (write(out, buf, REC) != REC)
			daemon_die("write daemon.out", errno);
		h = wl_hash(h, buf, REC);
	}
	if (fsync(out) < 0)
		daemon_die("fsync daemon.out", errno);
	close(out);

	n = snprintf(msg, sizeof(msg), "done records %lu hash %016llx\n", nrec,
		     (unsigned long long)h);
	out = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0 || write(out, msg, (size_t)n) != n || fsync(out) < 0)
		daemon_die("write daemon.done", errno);
	close(out);
	if (rename(tmp_path, done_path) < 0)
		daemon_die("rename daemon.done", errno);
	_exit(0);
}

int main(int argc, char **argv)
{
	unsigned long nrec = 16, wait_ms = 5000, waited = 0;
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	char cwd[PATH_MAX], report[256];
	uint64_t size, hash;
	ssize_t r;
	pid_t pid;
	int fd, opt, st;

	while ((opt = getopt(argc, argv, "n:w:")) != -1) {
		switch (opt) {
		case 'n':
			nrec = wl_num("n", optarg);
			break;
		case 'w':
			wait_ms = wl_num("w", optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	wl_enter_dir(argv[optind]);
	if (!getcwd(cwd, sizeof(cwd)))
		wl_fail("getcwd: %s", strerror(errno));
	snprintf(out_path, sizeof(out_path), "%s/daemon.out", cwd);
	snprintf(done_path, sizeof(done_path), "%s/daemon.done", cwd);
	snprintf(tmp_path, sizeof(tmp_path), "%s/daemon.done.tmp", cwd);
	if ((unlink(done_path) < 0 && errno != ENOENT) ||
	    (unlink(out_path) < 0 && errno != ENOENT))
		wl_fail("unlink old results: %s", strerror(errno));

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		wl_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		/* first child: fork the daemon and go away */
		pid = fork();
		if (pid == 0)
			daemon_main(nrec);
		_exit(pid < 0 ? 1 : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		wl_fail("the first child failed to fork the daemon");

	while (access(done_path, F_OK) < 0) {
		if (errno != ENOENT)
			wl_fail("access daemon.done: %s", strerror(errno));
		if (waited >= wait_ms)
			wl_fail("no daemon.done after %lu ms", wait_ms);
		nanosleep(&tick, NULL);
		waited += 10;
	}
	fd = open(done_path, O_RDONLY);
	if (fd < 0)
		wl_fail("open daemon.done: %s", strerror(errno));
	r = read(fd, report, sizeof(report) - 1);
	if (r < 0)
		wl_fail("read daemon.done: %s", strerror(errno));
	close(fd);
	report[r] = '\0';
	printf("daemon: %s", report);
	if (strncmp(report, "done ", 5))
		wl_fail("the daemon failed: %s", report);

	st = wl_file_hash(AT_FDCWD, "daemon.out", &size, &hash);
	if (st)
		wl_fail("read daemon.out: %s", strerror(-st));
	printf("daemon.out size %llu hash %016llx\n",
	       (unsigned long long)size, (unsigned long long)hash);
	snprintf(cwd, sizeof(cwd), "done records %lu hash %016llx\n", nrec,
		 (unsigned long long)hash);
	if (size != nrec * REC || strcmp(report, cwd))
		wl_fail("daemon.out is not what the daemon wrote");
	return WL_EXIT_OK;
usage:
	fprintf(stderr, "usage: %s [-n records] [-w wait_ms] DIR\n", argv[0]);
	return WL_EXIT_USAGE;
}
