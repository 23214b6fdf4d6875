// SPDX-License-Identifier: MIT
/*
 * fork_exec - a chain of processes created by fork+exec, posix_spawn and
 * vfork+exec, all appending to one file.
 *
 * Usage: fork_exec [-d depth] DIR
 *
 * WHY: the recorder must follow a workload into every process it creates:
 * the preload library is inherited across fork, re-initialised after exec
 * (LD_PRELOAD stays in the environment), must survive vfork (the child
 * shares the parent's memory until it execs) and posix_spawn (glibc uses
 * clone(CLONE_VM|CLONE_VFORK) internally).  The trace must hold every
 * process's writes with process-creation and wait edges, so a replay keeps
 * the order the waits enforce.
 *
 * The parent writes chain.log; then, three times, it starts a child running
 * this program again (execve of /proc/self/exe, with its own argv[0]) in
 * child mode, by fork+execve, posix_spawn and vfork+execve.  A child appends
 * a line, starts a grandchild the same way (down to -d levels), waits for it
 * and appends a "done" line.  Each process waits for its children, so the
 * file content is fully determined.
 *
 * Prints: each line of chain.log and its checksum.
 * Exit: 0, 1 a child failed or chain.log is not what the waits imply.
 */
#include "wl.h"

#include <spawn.h>
#include <sys/wait.h>

#define LOG "chain.log"

static const char *self_argv0;

/* Append one line to the log: O_APPEND, so every process adds at the end. */
static void append(const char *line)
{
	size_t n = strlen(line);
	int fd;

	fd = open(LOG, O_WRONLY | O_APPEND);
	if (fd < 0)
		wl_fail("open %s: %s", LOG, strerror(errno));
	if (write(fd, line, n) != (ssize_t)n)
		wl_fail("append to %s: %s", LOG, strerror(errno));
	close(fd);
}

static int wait_ok(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			wl_fail("waitpid: %s", strerror(errno));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/*
 * Start this program in child mode at @level by @how ("fork", "spawn" or
 * "vfork") and wait for it.  Returns 1 if it exited 0.
 */
static int run_child(const char *how, unsigned long level,
		     unsigned long depth)
{
	char lv[24], dp[24];
	char *args[7];
	pid_t pid;
	int err;

	snprintf(lv, sizeof(lv), "%lu", level);
	snprintf(dp, sizeof(dp), "%lu", depth);
	args[0] = (char *)self_argv0;
	args[1] = (char *)"--child";
	args[2] = (char *)how;
	args[3] = lv;
	args[4] = dp;
	args[5] = (char *)".";
	args[6] = NULL;
	fflush(stdout);

	if (!strcmp(how, "spawn")) {
		err = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args,
				  environ);
		if (err)
			wl_fail("posix_spawn: %s", strerror(err));
	} else if (!strcmp(how, "vfork")) {
		pid = vfork();
		if (pid == 0) {
			execve("/proc/self/exe", args, environ);
			_exit(127);
		}
	} else {
		pid = fork();
		if (pid == 0) {
			execve("/proc/self/exe", args, environ);
			fprintf(stderr, "execve: %s\n", strerror(errno));
			_exit(127);
		}
	}
	if (pid < 0)
		wl_fail("%s: %s", how, strerror(errno));
	return wait_ok(pid);
}

static int child_main(char **argv)
{
	const char *how = argv[2];
	unsigned long level = wl_num("level", argv[3]);
	unsigned long depth = wl_num("depth", argv[4]);
	char line[128];
	int ok = 1;

	wl_enter_dir(argv[5]);
	snprintf(line, sizeof(line), "%s level %lu\n", how, level);
	append(line);
	if (level < depth)
		ok = run_child(how, level + 1, depth);
	snprintf(line, sizeof(line), "%s level %lu done\n", how, level);
	append(line);
	return ok ? WL_EXIT_OK : WL_EXIT_FAIL;
}

/* The log the waits imply, for one child chain started by @how. */
static size_t expect_chain(char *buf, size_t cap, const char *how,
			   unsigned long level, unsigned long depth)
{
	size_t n;

	n = (size_t)snprintf(buf, cap, "%s level %lu\n", how, level);
	if (level < depth)
		n += expect_chain(buf + n, cap - n, how, level + 1, depth);
	n += (size_t)snprintf(buf + n, cap - n, "%s level %lu done\n", how,
			      level);
	return n;
}

int main(int argc, char **argv)
{
	static const char *const hows[] = { "fork", "spawn", "vfork" };
	unsigned long depth = 2;
	char *expect, *got, *line, *save;
	size_t cap, n = 0, i;
	ssize_t r;
	int fd, opt, ok;

	self_argv0 = argv[0];
	if (argc == 6 && !strcmp(argv[1], "--child"))
		return child_main(argv);

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd')
			goto usage;
		depth = wl_num("d", optarg);
	}
	if (optind != argc - 1 || depth < 1 || depth > 16)
		goto usage;
	wl_enter_dir(argv[optind]);

	fd = open(LOG, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		wl_fail("open %s: %s", LOG, strerror(errno));
	if (write(fd, "parent start\n", 13) != 13)
		wl_fail("write %s: %s", LOG, strerror(errno));
	close(fd);
	for (i = 0; i < 3; i++)
		if (!run_child(hows[i], 1, depth))
			wl_fail("the %s child chain failed", hows[i]);
	append("parent end\n");

	cap = 64 * (depth * 2 * 3 + 2);
	expect = malloc(cap);
	got = calloc(1, cap + 1);
	if (!expect || !got)
		wl_fail("out of memory");
	n = (size_t)snprintf(expect, cap, "parent start\n");
	for (i = 0; i < 3; i++)
		n += expect_chain(expect + n, cap - n, hows[i], 1, depth);
	n += (size_t)snprintf(expect + n, cap - n, "parent end\n");

	fd = open(LOG, O_RDONLY);
	if (fd < 0)
		wl_fail("open %s: %s", LOG, strerror(errno));
	r = read(fd, got, cap);
	if (r < 0)
		wl_fail("read %s: %s", LOG, strerror(errno));
	close(fd);
	ok = (size_t)r == n && memcmp(got, expect, n) == 0;
	printf("depth %lu processes %lu\n", depth, 3 * depth + 1);
	printf("%s checksum %016llx bytes %zd\n", LOG,
	       (unsigned long long)wl_hash(WL_HASH_INIT, got, (size_t)r), r);
	for (line = strtok_r(got, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("  %s\n", line);
	if (!ok)
		wl_fail("%s is not what the waits imply", LOG);
	free(expect);
	free(got);
	return WL_EXIT_OK;
usage:
	fprintf(stderr, "usage: %s [-d depth(1-16)] DIR\n", argv[0]);
	return WL_EXIT_USAGE;
}
