/* SPDX-License-Identifier: MIT */
/*
 * The sandbox: every recorded path is mapped under one root directory and
 * resolved by the kernel with openat2(RESOLVE_IN_ROOT), so absolute paths,
 * "..", and symlinks planted by the trace all stay inside it.  Ops that act
 * on a last component (unlink, rename, link, symlink, mkdir) resolve the
 * parent that way and act with *at() on a single checked name.
 *
 * RATIONALE: traces come from strangers.  Nothing here follows a path the
 * trace controls without RESOLVE_IN_ROOT, and nothing here trusts a file
 * type it has not checked on an fd it holds.
 *
 * With --scratch the root is the mount point of a fresh loop filesystem,
 * made by mkfs and removed afterwards (rp_sandbox_close), also on failure.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uthash.h>

#include "replay/replay_int.h"

#define SB_RESOLVE (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

char *rp_path_join(const char *base, const char *path)
{
	char *s;

	if (path[0] == '/')
		return strdup(path);
	if (asprintf(&s, "%s/%s", base, path) < 0)
		return NULL;
	return s;
}

/*
 * Lexical normal form of a sandbox path: absolute, no "." or "..", no
 * double or trailing slashes; ".." at the root stays at the root, as
 * RESOLVE_IN_ROOT does.  Symlinks are not followed (the model's view).
 */
char *rp_path_norm(const char *spath)
{
	size_t n = strlen(spath);
	char *out = malloc(n + 2);
	size_t o = 0;
	const char *p = spath;

	if (!out)
		return NULL;
	while (*p) {
		while (*p == '/')
			p++;
		const char *c = p;

		while (*p && *p != '/')
			p++;
		size_t cl = (size_t)(p - c);

		if (cl == 0 || (cl == 1 && c[0] == '.'))
			continue;
		if (cl == 2 && c[0] == '.' && c[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, c, cl);
		o += cl;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

int rp_sb_open(struct replay *rp, const char *spath, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(unsigned)flags | O_CLOEXEC,
		.mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode & 07777 : 0,
		.resolve = SB_RESOLVE,
	};

	if (!spath[0])
		return -ENOENT;
	for (;;) {
		long fd = syscall(SYS_openat2, rp->rootfd, spath, &how,
				  sizeof(how));

		if (fd >= 0)
			return (int)fd;
		/* RESOLVE_IN_ROOT races with renames: the kernel says EAGAIN */
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
	}
}

int rp_sb_parent(struct replay *rp, const char *spath, int *dirfd,
		 char **name)
{
	size_t n = strlen(spath);

	*dirfd = -1;
	*name = NULL;
	while (n > 1 && spath[n - 1] == '/')
		n--;
	size_t b = n;

	while (b > 0 && spath[b - 1] != '/')
		b--;
	size_t cl = n - b;

	if (cl == 0 || (cl == 1 && spath[b] == '.') ||
	    (cl == 2 && spath[b] == '.' && spath[b + 1] == '.') ||
	    cl > NAME_MAX)
		return -RP_EREFUSED;
	char *dir = strndup(spath, b ? b : 0);

	*name = strndup(spath + b, cl);
	if (!dir || !*name) {
		free(dir);
		free(*name);
		*name = NULL;
		return -ENOMEM;
	}
	int fd = rp_sb_open(rp, b ? dir : ".", O_PATH | O_DIRECTORY, 0);

	free(dir);
	if (fd < 0) {
		free(*name);
		*name = NULL;
		return fd;
	}
	*dirfd = fd;
	return 0;
}

/* rm -rf of @name in @dirfd without following symlinks or crossing mounts. */
int rp_remove_tree(int dfd, const char *name)
{
	struct stat st, dst;
	int ret = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) < 0 ? -errno : 0;
	if (fstat(dfd, &dst) == 0 && dst.st_dev != st.st_dev)
		return -EXDEV;	/* a mount point: leave it */
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);

	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);

	if (!d) {
		close(fd);
		return -errno;
	}
	struct dirent *de;

	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		int k = rp_remove_tree(dirfd(d), de->d_name);

		if (k < 0 && !ret)
			ret = k;
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && !ret)
		ret = -errno;
	return ret;
}

int rp_sandbox_clear(struct replay *rp, char *msg, size_t len)
{
	int fd = openat(rp->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;
	DIR *d;
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(msg, len, "%s: %s", rp->root, strerror(-ret));
		return ret;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (rp->scratch_mnt && !strcmp(de->d_name, "lost+found")))
			continue;
		int k = rp_remove_tree(dirfd(d), de->d_name);

		if (k < 0 && !ret) {
			ret = k;
			snprintf(msg, len, "%s/%s: cannot remove it: %s",
				 rp->root, de->d_name, strerror(-k));
		}
	}
	closedir(d);
	return ret;
}

/* Run argv quietly; @return its exit status, or -errno. */
static int run_quiet(char *const argv[], char *msg, size_t len)
{
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();

	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	char out[512];
	size_t o = 0;
	ssize_t k;

	while ((k = read(pfd[0], out + o, sizeof(out) - 1 - o)) > 0) {
		o += (size_t)k;
		if (o == sizeof(out) - 1)
			o = 0;	/* keep the tail */
	}
	out[o] = '\0';
	close(pfd[0]);
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	char *nl = strrchr(out, '\n');

	while (nl && nl[1] == '\0' && nl > out) {
		*nl = '\0';
		nl = strrchr(out, '\n');
	}
	snprintf(msg, len, "%s failed (%s%d)%s%s", argv[0],
		 WIFEXITED(status) ? "exit " : "signal ",
		 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		 out[0] ? ": " : "", nl ? nl + 1 : out);
	return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT :
	       -EIO;
}

/* "btrfs|xfs|ext4[:MKFS_OPTIONS]": make, loop-mount and own a scratch fs. */
static int scratch_setup(struct replay *rp, const char *spec, char *msg,
			 size_t len)
{
	char fstype[16];
	const char *colon = strchr(spec, ':');
	size_t tl = colon ? (size_t)(colon - spec) : strlen(spec);

	if (tl >= sizeof(fstype)) {
		snprintf(msg, len, "--scratch %s: unknown filesystem", spec);
		return -EINVAL;
	}
	memcpy(fstype, spec, tl);
	fstype[tl] = '\0';
	if (strcmp(fstype, "ext4") && strcmp(fstype, "xfs") &&
	    strcmp(fstype, "btrfs")) {
		snprintf(msg, len, "--scratch %s: unknown filesystem (btrfs, "
			 "xfs or ext4)", fstype);
		return -EINVAL;
	}
	if (geteuid() != 0) {
		snprintf(msg, len, "--scratch needs root (mkfs, loop mount)");
		return -EPERM;
	}
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];

	snprintf(tmpl, sizeof(tmpl), "%s/iorr-scratch.XXXXXX",
		 tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(tmpl)) {
		snprintf(msg, len, "%s: %s", tmpl, strerror(errno));
		return -errno;
	}
	rp->scratch_mnt = strdup(tmpl);
	if (asprintf(&rp->scratch_img, "%s.img", tmpl) < 0) {
		rp->scratch_img = NULL;
		return -ENOMEM;
	}
	int fd = open(rp->scratch_img, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		      0600);

	/* btrfs wants >= 114 MiB; xfs >= 300 MiB: sparse, so it is cheap */
	if (fd < 0 || ftruncate(fd, 512ll << 20) < 0) {
		snprintf(msg, len, "%s: %s", rp->scratch_img, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	close(fd);

	char mkfs[32];
	char *argv[64];
	int ac = 0;
	char *opts = colon ? strdup(colon + 1) : NULL;

	snprintf(mkfs, sizeof(mkfs), "mkfs.%s", fstype);
	argv[ac++] = mkfs;
	if (!strcmp(fstype, "ext4"))
		argv[ac++] = "-qF";
	else if (!strcmp(fstype, "xfs"))
		argv[ac++] = "-qf";
	else
		argv[ac++] = "-qf";
	for (char *sv = NULL, *t = opts ? strtok_r(opts, " ,", &sv) : NULL;
	     t && ac < 60; t = strtok_r(NULL, " ,", &sv))
		argv[ac++] = t;
	argv[ac++] = rp->scratch_img;
	argv[ac] = NULL;
	int k = run_quiet(argv, msg, len);

	free(opts);
	if (k < 0) {
		if (k == -ENOENT)
			snprintf(msg, len, "--scratch %s: %s not installed",
				 fstype, mkfs);
		return k;
	}
	char *lo[] = { "losetup", "--find", "--show", rp->scratch_img, NULL };
	int pfd[2];

	/* losetup prints the device: read it back */
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();

	if (pid == 0) {
		dup2(pfd[1], 1);
		execvp(lo[0], lo);
		_exit(127);
	}
	close(pfd[1]);
	char dev[128] = "";
	ssize_t n = pid > 0 ? read(pfd[0], dev, sizeof(dev) - 1) : -1;
	int status = 0;

	close(pfd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(msg, len, "--scratch: losetup %s failed",
			 rp->scratch_img);
		return -EIO;
	}
	dev[n] = '\0';
	dev[strcspn(dev, "\n")] = '\0';
	rp->scratch_dev = strdup(dev);
	if (mount(rp->scratch_dev, rp->scratch_mnt, fstype, 0, NULL) < 0) {
		snprintf(msg, len, "--scratch: mount %s on %s: %s",
			 rp->scratch_dev, rp->scratch_mnt, strerror(errno));
		return -errno;
	}
	rp->scratch_mounted = true;
	return 0;
}

static void scratch_teardown(struct replay *rp)
{
	char m[256];

	if (rp->scratch_mounted) {
		for (int i = 0; i < 50; i++) {
			if (umount2(rp->scratch_mnt, 0) == 0)
				break;
			if (errno != EBUSY) {
				umount2(rp->scratch_mnt, MNT_DETACH);
				break;
			}
			usleep(100000);
		}
		rp->scratch_mounted = false;
	}
	if (rp->scratch_dev) {
		char *argv[] = { "losetup", "-d", rp->scratch_dev, NULL };

		run_quiet(argv, m, sizeof(m));
	}
	if (rp->scratch_img)
		unlink(rp->scratch_img);
	if (rp->scratch_mnt)
		rmdir(rp->scratch_mnt);
	free(rp->scratch_img);
	free(rp->scratch_dev);
	free(rp->scratch_mnt);
	rp->scratch_img = rp->scratch_dev = rp->scratch_mnt = NULL;
}

int rp_sandbox_open(struct replay *rp, char *msg, size_t len)
{
	int k;

	rp->rootfd = -1;
	if (rp->o.scratch) {
		if (rp->o.root) {
			snprintf(msg, len, "--scratch and --root exclude each "
				 "other");
			return -EINVAL;
		}
		k = scratch_setup(rp, rp->o.scratch, msg, len);
		if (k < 0) {
			scratch_teardown(rp);
			return k;
		}
		rp->root = strdup(rp->scratch_mnt);
	} else if (rp->o.root) {
		if (mkdir(rp->o.root, 0755) < 0 && errno != EEXIST) {
			snprintf(msg, len, "--root %s: %s", rp->o.root,
				 strerror(errno));
			return -errno;
		}
		rp->root = realpath(rp->o.root, NULL);
		if (!rp->root) {
			snprintf(msg, len, "--root %s: %s", rp->o.root,
				 strerror(errno));
			return -errno;
		}
	} else {
		const char *tmp = getenv("TMPDIR");
		char tmpl[PATH_MAX];

		snprintf(tmpl, sizeof(tmpl), "%s/iorr-replay.XXXXXX",
			 tmp && tmp[0] ? tmp : "/tmp");
		if (!mkdtemp(tmpl)) {
			snprintf(msg, len, "%s: %s", tmpl, strerror(errno));
			return -errno;
		}
		rp->root = strdup(tmpl);
		rp->root_created = true;
	}
	if (!rp->root)
		return -ENOMEM;
	rp->rootfd = open(rp->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rp->rootfd < 0) {
		snprintf(msg, len, "%s: %s", rp->root, strerror(errno));
		return -errno;
	}
	rp->rep.root = rp->root;
	return 0;
}

void rp_sandbox_close(struct replay *rp)
{
	if (rp->rootfd >= 0)
		close(rp->rootfd);
	rp->rootfd = -1;
	if (rp->scratch_mnt) {
		scratch_teardown(rp);
	} else if (rp->root && rp->root_created && !rp->o.keep) {
		char *slash = strrchr(rp->root, '/');
		char *parent = strndup(rp->root, (size_t)(slash - rp->root));
		int dfd = parent ? open(parent[0] ? parent : "/",
					O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;

		if (dfd >= 0) {
			rp_remove_tree(dfd, slash + 1);
			close(dfd);
		}
		free(parent);
	}
}

/* mkdir -p of @spath inside the root (each step resolved in the root). */
static int mkdir_p(struct replay *rp, const char *spath)
{
	char *n = rp_path_norm(spath);
	int ret = 0;

	if (!n)
		return -ENOMEM;
	for (char *p = n + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (n[1]) {
			int dfd;
			char *name;

			ret = rp_sb_parent(rp, n, &dfd, &name);
			if (ret == 0) {
				if (mkdirat(dfd, name, 0755) < 0 &&
				    errno != EEXIST)
					ret = -errno;
				close(dfd);
				free(name);
			}
			if (ret < 0)
				break;
		}
		*p = c;
		if (!c)
			break;
	}
	free(n);
	return ret;
}

static char *parent_of(const char *spath)
{
	char *n = rp_path_norm(spath);
	char *s = n ? strrchr(n, '/') : NULL;

	if (s)
		s[s == n ? 1 : 0] = '\0';
	return n;
}

static int materialize_one(struct replay *rp, const struct iorr_file_state *st,
			   char *msg, size_t len)
{
	const char *rec = iorr_reader_path(rp->r, st->path);
	char *spath = rp_path_join(rp->trace_cwd, rec);
	char *par = spath ? parent_of(spath) : NULL;
	int ret = 0, fd = -1, dfd = -1;
	char *name = NULL;

	if (!spath || !par) {
		ret = -ENOMEM;
		goto out;
	}
	if (!(st->flags & IORR_FS_EXISTS))
		goto out;
	ret = mkdir_p(rp, par);
	if (ret < 0)
		goto fail;
	if (st->link || S_ISLNK(st->mode)) {
		ret = rp_sb_parent(rp, spath, &dfd, &name);
		if (ret == 0 && symlinkat(st->link ? st->link : "", dfd,
					  name) < 0 && errno != EEXIST)
			ret = -errno;
		goto fail;
	}
	if (S_ISDIR(st->mode)) {
		ret = mkdir_p(rp, spath);
		if (ret == 0) {
			fd = rp_sb_open(rp, spath, O_RDONLY | O_DIRECTORY, 0);
			if (fd >= 0 && fchmod(fd, st->mode & 07777) < 0)
				ret = -errno;
		}
		goto fail;
	}
	if (S_ISSOCK(st->mode) || S_ISFIFO(st->mode)) {
		/*
		 * A bound unix socket (a server's, unlinked at its exit) or a
		 * FIFO: a node of that type, nobody listening or reading; the
		 * trace's ops only name it (stat, unlink, rename).
		 */
		ret = rp_sb_parent(rp, spath, &dfd, &name);
		if (ret == 0 && mknodat(dfd, name, st->mode & (S_IFMT | 07777),
					0) < 0 && errno != EEXIST)
			ret = -errno;
		goto fail;
	}
	if (!S_ISREG(st->mode) && st->mode) {
		rp_limit(rp, "%s: initial file type 0%o is not materialized",
			 rec, st->mode & S_IFMT);
		goto out;
	}
	if ((st->flags & IORR_FS_CONTENT_MISSING) && !rp->o.allow_missing_initial) {
		snprintf(msg, len, "%s: the trace lacks this file's initial "
			 "content (recorded size %" PRIu64 "); "
			 "--allow-missing-initial replays it as zeros",
			 rec, st->size);
		ret = -ENODATA;
		goto out;
	}
	fd = rp_sb_open(rp, spath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW,
			0600);
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	for (uint32_t x = 0; x < st->nextents; x++) {
		const struct iorr_extent *e = &st->extents[x];
		const struct iorr_blob *b = iorr_reader_blob(rp->r, e->blob);
		uint8_t *gen = NULL;
		const uint8_t *data = b->data;

		if (!data) {
			/* hash-only content: stand-in bytes (see model.c) */
			gen = malloc(e->len ? e->len : 1);
			if (!gen) {
				ret = -ENOMEM;
				goto fail;
			}
			for (uint64_t j = 0; j < e->len; j++)
				gen[j] = rp_gen_byte(e->blob, j);
			data = gen;
		}
		for (uint64_t done = 0; done < e->len;) {
			ssize_t k = pwrite(fd, data + done, e->len - done,
					   (off_t)(e->off + done));

			if (k <= 0) {
				ret = k < 0 ? -errno : -EIO;
				free(gen);
				goto fail;
			}
			done += (uint64_t)k;
		}
		free(gen);
	}
	if (ftruncate(fd, (off_t)st->size) < 0 ||
	    fchmod(fd, st->mode & 07777) < 0)
		ret = -errno;
fail:
	if (ret < 0 && !msg[0])
		snprintf(msg, len, "%s: cannot materialize the initial state: "
			 "%s", rec, ret == -RP_EREFUSED ?
			 "the sandbox refused the path" : strerror(-ret));
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(name);
	free(par);
	free(spath);
	return ret;
}

struct dirset {
	UT_hash_handle hh;
	char path[];
};

static bool dirset_has(struct dirset *set, const char *path)
{
	struct dirset *d;

	HASH_FIND_STR(set, path, d);
	return d != NULL;
}

static int dirset_add(struct dirset **set, const char *path)
{
	size_t n = strlen(path);
	struct dirset *d;

	if (dirset_has(*set, path))
		return 0;
	d = malloc(sizeof(*d) + n + 1);
	if (!d)
		return -ENOMEM;
	memcpy(d->path, path, n + 1);
	HASH_ADD_STR(*set, path, d);
	return 0;
}

/*
 * Directories the recording needed but the initial state does not list:
 * the recorder snapshots files, not the directories they are in.  A
 * directory must have existed if a call on a path in it (or chdir into it)
 * succeeded before any traced call created it; every such directory is
 * made, so that a workload that ran in a directory of its own replays.
 * RATIONALE: only successful calls count, and a directory the trace itself
 * creates (mkdir, mkdirat) is never made in advance, so its mkdir replays
 * as recorded.
 */
static int materialize_dirs(struct replay *rp, char *msg, size_t len)
{
	struct dirset *created = NULL, *needed = NULL, *d, *t;
	int k = 0;

	for (uint32_t i = 0; i < rp->nev && k == 0; i++) {
		const struct iorr_event *e = &rp->ev[i].e;
		const struct iorr_op_desc *desc = iorr_op_get(e->op);

		if (e->err || e->result < 0)
			continue;
		for (unsigned f = 0; f < desc->nfields && k == 0; f++) {
			if (desc->fields[f].type != IORR_FT_PATH)
				continue;
			const char *rec = iorr_reader_path(rp->r,
							   (uint32_t)e->f[f]);
			char *path = rec ? rp_path_norm(rec) : NULL;
			char *dir = NULL;

			if (!path || path[0] != '/') {
				free(path);
				continue;
			}
			if (e->op == IORR_OP_chdir)
				dir = strdup(path);
			else if (strcmp(path, "/") != 0)
				dir = parent_of(path);
			if (dir && !dirset_has(created, dir))
				k = dirset_add(&needed, dir);
			if (k == 0 && (e->op == IORR_OP_mkdir ||
				       e->op == IORR_OP_mkdirat))
				k = dirset_add(&created, path);
			free(dir);
			free(path);
		}
	}
	HASH_ITER(hh, needed, d, t) {
		if (k == 0 && (k = mkdir_p(rp, d->path)) < 0)
			snprintf(msg, len, "%s: cannot create a directory the "
				 "recording used: %s", d->path, strerror(-k));
		HASH_DEL(needed, d);
		free(d);
	}
	HASH_ITER(hh, created, d, t) {
		HASH_DEL(created, d);
		free(d);
	}
	if (k == -ENOMEM)
		snprintf(msg, len, "out of memory");
	return k;
}

int rp_materialize(struct replay *rp, char *msg, size_t len)
{
	size_t n = iorr_reader_nstates(rp->r, IORR_STATE_INITIAL);
	int k;

	msg[0] = '\0';
	k = mkdir_p(rp, rp->trace_cwd);
	if (k < 0) {
		snprintf(msg, len, "%s: cannot create the recorded cwd in the "
			 "sandbox: %s", rp->trace_cwd, strerror(-k));
		return k;
	}
	k = materialize_dirs(rp, msg, len);
	if (k < 0)
		return k;
	/* directories first, so that files and links land in them */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct iorr_file_state *st =
				iorr_reader_state(rp->r, IORR_STATE_INITIAL, i);

			if (!!S_ISDIR(st->mode) != !pass)
				continue;
			k = materialize_one(rp, st, msg, len);
			if (k < 0)
				return k;
		}
	}
	return 0;
}
