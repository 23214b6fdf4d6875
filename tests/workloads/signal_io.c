// SPDX-License-Identifier: MIT
/*
 * signal_io - file writes from signal handlers, interleaved with the main
 * thread's pwrite loop.
 *
 * Usage: signal_io [-n iterations] [-a] DIR
 *
 * WHY: a signal handler can run while the main thread is inside one of the
 * recorder's wrappers, and call a wrapped function itself (write() is
 * async-signal-safe, so handlers do).  The wrapper's re-entry guard must not
 * swallow the handler's write, the per-thread ring must not be corrupted by
 * the nested append, and errno must come back intact.  The fsstress seed
 * (aio buffer freed after io_getevents returned -EINTR) shows signals and
 * I/O do meet in real programs.
 *
 * The handlers for SIGUSR1 and SIGALRM append a line "<SIG> at <iteration>"
 * to sig.log with write(), formatted without stdio (async-signal-safe).  The
 * main thread pwrites 512-byte records to main.dat and, by default, sends
 * itself SIGUSR1 every 16 iterations and SIGALRM every 50 with raise(), so
 * the handlers run at fixed points and the output is deterministic.  With
 * -a, an interval timer also sends SIGALRM every 200 us, at arbitrary
 * points, possibly inside a wrapper: the number of signals then varies and
 * is not printed; the check is that sig.log is well formed.
 *
 * Prints: iterations, raised signals, handler writes, checksums of main.dat
 * and sig.log (the sig.log line only without -a).
 * Exit: 0, 1 main.dat or sig.log differs from what was written.
 */
#include "wl.h"

#include <signal.h>
#include <sys/time.h>

#define REC 512

static int log_fd = -1;
static volatile sig_atomic_t iteration, handled, handler_failed;

/* Append "<name> at <n>\n" to @buf without stdio; returns the length. */
static size_t fmt_line(char *buf, const char *name, unsigned long n)
{
	char digits[24];
	size_t len = 0, d = 0;

	while (*name)
		buf[len++] = *name++;
	memcpy(buf + len, " at ", 4);
	len += 4;
	do {
		digits[d++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (d)
		buf[len++] = digits[--d];
	buf[len++] = '\n';
	return len;
}

static void handler(int sig)
{
	int saved = errno;
	char line[64];
	size_t n;

	n = fmt_line(line, sig == SIGUSR1 ? "USR1" : "ALRM",
		     (unsigned long)iteration);
	if (write(log_fd, line, n) != (ssize_t)n)
		handler_failed = 1;
	handled++;
	errno = saved;
}

int main(int argc, char **argv)
{
	unsigned long iters = 256, i, raised = 0;
	unsigned char rec[REC], got[REC];
	struct sigaction sa;
	struct stat st;
	struct itimerval itv = { { 0, 200 }, { 0, 200 } };
	char *expect, line[64], *logbuf;
	size_t elen = 0, cap;
	uint64_t size, h_main = WL_HASH_INIT;
	int fd, opt, async = 0, err;
	ssize_t r;

	while ((opt = getopt(argc, argv, "n:a")) != -1) {
		switch (opt) {
		case 'n':
			iters = wl_num("n", optarg);
			break;
		case 'a':
			async = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	wl_enter_dir(argv[optind]);

	fd = open("main.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	log_fd = open("sig.log", O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd < 0 || log_fd < 0)
		wl_fail("open: %s", strerror(errno));
	cap = 32 * (iters / 16 + iters / 50 + 2);
	expect = malloc(cap);
	if (!expect)
		wl_fail("out of memory");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	/* the handlers must not nest: handled++ is not atomic against that */
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR1);
	sigaddset(&sa.sa_mask, SIGALRM);
	if (sigaction(SIGUSR1, &sa, NULL) < 0 ||
	    sigaction(SIGALRM, &sa, NULL) < 0)
		wl_fail("sigaction: %s", strerror(errno));
	if (async && setitimer(ITIMER_REAL, &itv, NULL) < 0)
		wl_fail("setitimer: %s", strerror(errno));

	for (i = 0; i < iters; i++) {
		iteration = (sig_atomic_t)i;
		wl_fill(rec, REC, 900 + i);
		wl_pwrite_all(fd, rec, REC, (off_t)(i * REC));
		h_main = wl_hash(h_main, rec, REC);
		if (i % 16 == 0) {
			raise(SIGUSR1);
			elen += fmt_line(expect + elen, "USR1", i);
			raised++;
		}
		/* a read between the raises: errno and data must survive */
		wl_pread_all(fd, got, REC, (off_t)(i * REC));
		if (memcmp(got, rec, REC))
			wl_fail("record %lu read back wrong", i);
		if (i % 50 == 0 && !async) {
			raise(SIGALRM);
			elen += fmt_line(expect + elen, "ALRM", i);
			raised++;
		}
	}
	if (async) {
		memset(&itv, 0, sizeof(itv));
		setitimer(ITIMER_REAL, &itv, NULL);
	}
	signal(SIGALRM, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	if (handler_failed)
		wl_fail("a handler's write failed or was short");

	err = wl_file_hash(AT_FDCWD, "main.dat", &size, &h_main);
	if (err)
		wl_fail("read main.dat: %s", strerror(-err));
	if (fstat(log_fd, &st) < 0)
		wl_fail("fstat sig.log: %s", strerror(errno));
	logbuf = malloc((size_t)st.st_size + 1);
	if (!logbuf)
		wl_fail("out of memory");
	r = pread(log_fd, logbuf, (size_t)st.st_size + 1, 0);
	if (r < 0)
		wl_fail("read sig.log: %s", strerror(errno));
	close(fd);
	close(log_fd);

	printf("iterations %lu raised %lu\n", iters, raised);
	printf("main.dat size %llu hash %016llx\n", (unsigned long long)size,
	       (unsigned long long)h_main);
	if (!async) {
		printf("handler writes %ld\n", (long)handled);
		printf("sig.log size %zd hash %016llx\n", r,
		       (unsigned long long)wl_hash(WL_HASH_INIT, logbuf,
						    (size_t)r));
		if ((size_t)r != elen || memcmp(logbuf, expect, elen))
			wl_fail("sig.log is not what the handlers wrote");
	} else {
		/* every line "USR1 at N" or "ALRM at N", N never decreasing */
		char *p = logbuf, *end = logbuf + r, *nl;
		unsigned long last = 0, n, lines = 0;

		while (p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (!nl || nl - p >= (ssize_t)sizeof(line))
				wl_fail("sig.log: unterminated or long line");
			memcpy(line, p, (size_t)(nl - p));
			line[nl - p] = '\0';
			if ((strncmp(line, "USR1 at ", 8) &&
			     strncmp(line, "ALRM at ", 8)))
				wl_fail("sig.log: bad line '%s'", line);
			n = wl_num("sig.log", line + 8);
			if (n < last)
				wl_fail("sig.log: iteration goes back");
			last = n;
			lines++;
			p = nl + 1;
		}
		if (lines != (unsigned long)handled)
			wl_fail("sig.log has %lu lines, handlers ran %ld times",
				lines, (long)handled);
		printf("sig.log well formed\n");
	}
	free(expect);
	free(logbuf);
	return WL_EXIT_OK;
usage:
	fprintf(stderr, "usage: %s [-n iterations] [-a] DIR\n", argv[0]);
	return WL_EXIT_USAGE;
}
