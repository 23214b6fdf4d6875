/* SPDX-License-Identifier: MIT */
/*
 * iorr record: run a program under the LD_PRELOAD recorder and write its
 * file I/O as a trace.
 *
 * The recording ends when the workload and every process it started have
 * exited: iorr record is a child subreaper, so daemonised grandchildren
 * become its children and are waited for too (--wait=main stops waiting
 * once the main process exited and the rings stayed idle for a second).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <dlfcn.h>
#include <link.h>

#include <jansson.h>

#include "cli/cli.h"
#include "config.h"
#include "record/consumer.h"
#include "record/snapserver.h"
#include "record/ring.h"

struct rec_opts {
	const char *out;
	uint32_t data_mode, sync_mode, on_full, snap_mode;
	uint64_t snap_max;
	uint64_t ring_size;
	unsigned nrings;
	bool wait_main;
	const char *prefixes[IORR_SHM_MAX_PREFIXES];
	char signs[IORR_SHM_MAX_PREFIXES];
	unsigned nprefixes;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iorr record -o TRACE [OPTIONS] -- COMMAND [ARGS...]\n"
		"\n"
		"Run COMMAND (a dynamically linked program) with the recorder\n"
		"preloaded and write the file I/O of it and of every process\n"
		"and thread it starts to TRACE.  Exits with COMMAND's status\n"
		"(128+N when killed by signal N).\n"
		"\n"
		"  -o, --output TRACE       the trace to write (required)\n"
		"  --data=full|hash|none    write payloads: stored (default),\n"
		"                           hashed only, or not at all; reads\n"
		"                           keep a hash unless none\n"
		"  --sync=pthread|basic     also record pthread mutexes, rwlocks,\n"
		"                           condvars, semaphores, barriers\n"
		"                           (default), or only process/thread\n"
		"                           lifecycle and file locks\n"
		"  --snapshot=first-touch|none\n"
		"                           keep each file's content as first\n"
		"                           touched (default), or not\n"
		"  --snapshot-max SIZE      larger files: no content (default 1G)\n"
		"  --include PATH           trace only under PATH (repeatable)\n"
		"  --exclude PATH           never trace under PATH (repeatable;\n"
		"                           /proc, /sys, /dev are excluded)\n"
		"  --on-full=wait|drop      when a ring is full the thread waits\n"
		"                           (default) or the record is lost and\n"
		"                           counted\n"
		"  --ring-size SIZE         bytes per thread ring (default 4M)\n"
		"  --rings N                rings, i.e. threads recorded at once\n"
		"                           (default 256)\n"
		"  --wait=all|main          end when every process exited\n"
		"                           (default), or when the main one did\n"
		"  -h, --help               this text\n"
		"\n"
		"One summary line goes to standard error; see iorr-record(1).\n");
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	case 't': case 'T': v <<= 40; end++; break;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int pick(const char *opt, const char *arg, const char *const *names,
		uint32_t *out)
{
	for (uint32_t i = 0; names[i]; i++) {
		if (strcmp(arg, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	cli_error("--%s=%s: unknown value (try 'iorr record --help')", opt,
		  arg);
	return -1;
}

/* Absolute, lexically normal form of @p (for prefixes). */
static char *abs_path(const char *p)
{
	char cwd[PATH_MAX], buf[2 * PATH_MAX + 2], *out;
	size_t n = 0;

	if (p[0] == '/') {
		snprintf(buf, sizeof(buf), "%s", p);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return NULL;
		snprintf(buf, sizeof(buf), "%s/%s", cwd, p);
	}
	out = malloc(strlen(buf) + 2);
	if (!out)
		return NULL;
	out[n++] = '/';
	for (char *s = buf, *tok; (tok = strtok_r(s, "/", &s));) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--;
			continue;
		}
		if (n > 1)
			out[n++] = '/';
		memcpy(out + n, tok, strlen(tok));
		n += strlen(tok);
	}
	out[n] = '\0';
	return out;
}

static int add_prefix(struct rec_opts *o, char sign, const char *p)
{
	if (o->nprefixes == IORR_SHM_MAX_PREFIXES) {
		cli_error("too many --include/--exclude (at most %d)",
			  IORR_SHM_MAX_PREFIXES);
		return -1;
	}
	o->signs[o->nprefixes] = sign;
	o->prefixes[o->nprefixes++] = p;
	return 0;
}

/* The prefixes are abs_path() copies owned by @o. */
static void free_prefixes(struct rec_opts *o)
{
	for (unsigned i = 0; i < o->nprefixes; i++)
		free((char *)o->prefixes[i]);
	o->nprefixes = 0;
}

/* ------------------------------------------------------------------ */
/* The shared area                                                      */
/* ------------------------------------------------------------------ */

static struct iorr_shm *make_area(const struct rec_opts *o, const char *trace,
				  const char *snap_dir, int *fdp)
{
	uint64_t ctl_off = (sizeof(struct iorr_shm) + 4095) & ~4095ull;
	uint64_t snap_off = ctl_off + (((uint64_t)o->nrings *
					sizeof(struct iorr_ring_ctl) + 4095) &
				       ~4095ull);
	uint32_t snap_slots = 1u << 18;
	uint64_t data_off = snap_off + snap_slots * 8ull;
	uint64_t size = data_off + o->nrings * o->ring_size;
	struct iorr_shm *h;
	char *p;
	int fd;

	fd = memfd_create("iorr-record", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		cli_error("shared memory: %s", strerror(errno));
		return NULL;
	}
	h = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		cli_error("shared memory: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	h->magic = IORR_SHM_MAGIC;
	h->version = IORR_SHM_VERSION;
	h->hdr_size = sizeof(*h);
	h->area_size = size;
	h->nrings = o->nrings;
	h->ring_size = (uint32_t)o->ring_size;
	h->ctl_off = ctl_off;
	h->snap_off = snap_off;
	h->snap_slots = snap_slots;
	h->data_off = data_off;
	h->data_mode = o->data_mode;
	h->sync_mode = o->sync_mode;
	h->on_full = o->on_full;
	h->snap_mode = o->snap_mode;
	h->snap_max = o->snap_max;
	h->recorder_pid = getpid();
	snprintf(h->snap_dir, sizeof(h->snap_dir), "%s", snap_dir);

	/* prefixes: defaults first, then the user's (longest match wins) */
	static const char *const defaults[] = { "/proc", "/sys", "/dev" };
	p = h->prefixes;
	for (unsigned i = 0; i < 3 + 2 + o->nprefixes; i++) {
		const char *s;
		char sign = '-';

		if (i < 3)
			s = defaults[i];
		else if (i == 3)
			s = trace;
		else if (i == 4)
			s = snap_dir;
		else {
			s = o->prefixes[i - 5];
			sign = o->signs[i - 5];
		}
		size_t l = strlen(s);

		if (p + l + 2 > h->prefixes + sizeof(h->prefixes) ||
		    h->nprefixes == IORR_SHM_MAX_PREFIXES) {
			cli_error("--include/--exclude: paths too long");
			return NULL;
		}
		*p++ = sign;
		memcpy(p, s, l + 1);
		p += l + 1;
		h->nprefixes++;
	}
	*fdp = fd;
	return h;
}

/* ------------------------------------------------------------------ */
/* Metadata                                                             */
/* ------------------------------------------------------------------ */

/* Version of the shared library @soname as installed, from its file name. */
static json_t *lib_version(const char *soname, const char *sym_major,
			   const char *sym_minor)
{
	void *h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
	struct link_map *lm = NULL;
	char real[PATH_MAX], buf[64];
	json_t *v;

	if (!h)
		return json_null();
	if (sym_major) {
		int (*maj)(void) = (int (*)(void))dlsym(h, sym_major);
		int (*min)(void) = (int (*)(void))dlsym(h, sym_minor);

		if (maj && min) {
			snprintf(buf, sizeof(buf), "%d.%d", maj(), min());
			dlclose(h);
			return json_string(buf);
		}
	}
	v = json_null();
	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name &&
	    realpath(lm->l_name, real)) {
		const char *so = strstr(real, ".so.");

		if (so)
			v = json_string(so + 4);
	}
	dlclose(h);
	return v;
}

static char *metadata(const struct rec_opts *o, int argc, char **argv)
{
	static const char *const data[] = { "full", "hash", "none" };
	static const char *const sync[] = { "pthread", "basic" };
	static const char *const full[] = { "wait", "drop" };
	static const char *const snap[] = { "first-touch", "none" };
	json_t *m = json_object(), *cmd = json_array(), *opts, *pre;
	struct utsname u;
	char cwd[PATH_MAX], host[256];
	char *s;

	for (int i = 0; i < argc; i++)
		json_array_append_new(cmd, json_string(argv[i]));
	json_object_set_new(m, "recorder", json_string("iorr record"));
	json_object_set_new(m, "iorr_version", json_string(PACKAGE_VERSION));
	json_object_set_new(m, "command", cmd);
	if (getcwd(cwd, sizeof(cwd)))
		json_object_set_new(m, "cwd", json_string(cwd));
	/* the umask COMMAND starts with (iorr replay creates files with it
	 * until a recorded umask() call changes it) */
	mode_t um = umask(022);

	umask(um);
	s = NULL;
	if (asprintf(&s, "%04o", (unsigned)um) > 0)
		json_object_set_new(m, "umask", json_string(s));
	free(s);
	if (uname(&u) == 0) {
		json_object_set_new(m, "kernel",
				    json_pack("{ss ss ss}", "sysname",
					      u.sysname, "release", u.release,
					      "version", u.version));
		json_object_set_new(m, "arch", json_string(u.machine));
	}
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		json_object_set_new(m, "hostname", json_string(host));
	}
	pre = json_array();
	for (unsigned i = 0; i < o->nprefixes; i++)
		json_array_append_new(pre, json_pack("{ss ss}", "kind",
						     o->signs[i] == '+' ?
						     "include" : "exclude",
						     "path", o->prefixes[i]));
	opts = json_pack("{ss ss ss ss sI sI sI ss so}",
			 "data", data[o->data_mode],
			 "sync", sync[o->sync_mode],
			 "on_full", full[o->on_full],
			 "snapshot", snap[o->snap_mode],
			 "snapshot_max", (json_int_t)o->snap_max,
			 "ring_size", (json_int_t)o->ring_size,
			 "rings", (json_int_t)o->nrings,
			 "wait", o->wait_main ? "main" : "all",
			 "prefixes", pre);
	json_object_set_new(m, "options", opts);
	json_object_set_new(m, "liburing",
			    lib_version("liburing.so.2",
					"io_uring_major_version",
					"io_uring_minor_version"));
	json_object_set_new(m, "libaio", lib_version("libaio.so.1", NULL,
						     NULL));
	json_object_set_new(m, "mounts_note",
			    json_string("per touched mount: the trace's "
					"\"mounts\" note"));
	s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(m);
	return s;
}

struct mnt {
	char *point, *fstype, *source, *opts, *super;
};

static char *unescape(const char *s)
{
	char *o = strdup(s), *d = o;

	if (!o)
		return NULL;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
	return o;
}

/* The "mounts" note: each mount holding a touched path. */
static char *mounts_note(const char *const *paths)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	struct mnt *m = NULL;
	size_t n = 0, cap = 0;
	char line[8192];
	json_t *arr = json_array();
	bool *used;
	char *s;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *fld[12], *save, *tok, *dash;
		int k = 0;

		dash = strstr(line, " - ");
		if (!dash)
			continue;
		*dash = '\0';
		for (tok = strtok_r(line, " \n", &save); tok && k < 6;
		     tok = strtok_r(NULL, " \n", &save))
			fld[k++] = tok;
		if (k < 6)
			continue;
		char *fst = strtok_r(dash + 3, " \n", &save);
		char *src = strtok_r(NULL, " \n", &save);
		char *sup = strtok_r(NULL, " \n", &save);

		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct mnt *p = realloc(m, cap * sizeof(*m));

			if (!p)
				break;
			m = p;
		}
		m[n].point = unescape(fld[4]);
		m[n].opts = strdup(fld[5]);
		m[n].fstype = strdup(fst ? fst : "");
		m[n].source = unescape(src ? src : "");
		m[n].super = strdup(sup ? sup : "");
		n++;
	}
	fclose(f);
	used = calloc(n + 1, 1);
	for (size_t i = 0; paths && paths[i] && used; i++) {
		size_t best = SIZE_MAX, bl = 0;

		for (size_t j = 0; j < n; j++) {
			size_t l = strlen(m[j].point);

			if (strncmp(paths[i], m[j].point, l) == 0 &&
			    (l == 1 || paths[i][l] == '/' ||
			     paths[i][l] == '\0') && l >= bl) {
				best = j;	/* later mounts shadow earlier */
				bl = l;
			}
		}
		if (best != SIZE_MAX)
			used[best] = true;
	}
	for (size_t j = 0; j < n; j++) {
		struct statfs sf;
		json_t *o;

		if (used && used[j]) {
			o = json_pack("{ss ss ss ss ss}", "mount", m[j].point,
				      "fstype", m[j].fstype, "source",
				      m[j].source, "options", m[j].opts,
				      "super_options", m[j].super);
			if (statfs(m[j].point, &sf) == 0)
				json_object_set_new(o, "block_size",
						    json_integer(sf.f_bsize));
			json_array_append_new(arr, o);
		}
		free(m[j].point);
		free(m[j].opts);
		free(m[j].fstype);
		free(m[j].source);
		free(m[j].super);
	}
	free(m);
	free(used);
	s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return s;
}

/* ------------------------------------------------------------------ */
/* Running the workload                                                 */
/* ------------------------------------------------------------------ */

static volatile sig_atomic_t child_pid;

static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* a terminal's signal reached the workload already */
	if (si->si_code == SI_USER && si->si_pid != child_pid && child_pid > 0)
		kill(child_pid, sig);
}

/* The preload library: IORR_PRELOAD, the build tree, or pkglibdir. */
static char *find_preload(void)
{
	const char *env = getenv("IORR_PRELOAD");
	char exe[PATH_MAX], buf[PATH_MAX + 64];
	ssize_t n;

	if (env && *env)
		return realpath(env, NULL);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* libtool wrapper scripts run .libs/lt-iorr */
			snprintf(buf, sizeof(buf), "%s/.libs/libiorr-record.so",
				 exe);
			if (access(buf, R_OK) == 0)
				return realpath(buf, NULL);
			snprintf(buf, sizeof(buf), "%s/libiorr-record.so", exe);
			if (strstr(exe, "/.libs") && access(buf, R_OK) == 0)
				return realpath(buf, NULL);
		}
	}
	snprintf(buf, sizeof(buf), "%s/libiorr-record.so", IORR_PKGLIBDIR);
	if (access(buf, R_OK) == 0)
		return strdup(buf);
	return NULL;
}

static void rm_snap_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	rmdir(dir);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * A program built with AddressSanitizer aborts when its runtime is not the
 * first library loaded, and the preloaded recorder is: tell ASan to accept
 * it (its interceptors then call our wrappers, which call libc).
 */
static void asan_allow_preload(void)
{
	static const char opt[] = "verify_asan_link_order=0";
	const char *old = getenv("ASAN_OPTIONS");
	char *s;

	if (!old || !*old) {
		setenv("ASAN_OPTIONS", opt, 1);
	} else if (!strstr(old, "verify_asan_link_order") &&
		   asprintf(&s, "%s:%s", old, opt) >= 0) {
		setenv("ASAN_OPTIONS", s, 1);
		free(s);
	}
}

static pid_t start_workload(char **argv, const char *preload, int shm_fd)
{
	char shm[64], *pre;
	const char *old = getenv("LD_PRELOAD");
	pid_t pid;

	snprintf(shm, sizeof(shm), "/proc/%d/fd/%d", (int)getpid(), shm_fd);
	if (old && *old) {
		pre = malloc(strlen(preload) + strlen(old) + 2);
		if (!pre)
			return -1;
		sprintf(pre, "%s:%s", preload, old);
	} else {
		pre = strdup(preload);
	}
	pid = fork();
	if (pid != 0) {
		free(pre);
		return pid;
	}
	setenv("LD_PRELOAD", pre, 1);
	setenv(IORR_SHM_ENV, shm, 1);
	asan_allow_preload();
	execvp(argv[0], argv);
	cli_error("%s: %s", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Once, what the io_uring support could not record (iorr-record(1)). */
static void warn_async(const struct iorr_consumer_stats *cs)
{
	if (cs->uring_raw_rings)
		cli_warn("%" PRIu64 " io_uring ring(s) set up by "
			 "syscall(SYS_io_uring_setup) could not be tracked "
			 "(IORING_SETUP_NO_MMAP is not supported yet): their "
			 "I/O is not recorded", cs->uring_raw_rings);
	if (cs->uring_sqpoll_rings)
		cli_warn("%" PRIu64 " SQPOLL io_uring ring(s): completions "
			 "the program consumes inline may be missed",
			 cs->uring_sqpoll_rings);
	if (cs->uring_missed_cqes || cs->uring_missed_sqes)
		cli_warn("io_uring: %" PRIu64 " completion(s) and %" PRIu64
			 " submission(s) were not seen by any wrapped liburing "
			 "call and are missing from the trace",
			 cs->uring_missed_cqes, cs->uring_missed_sqes);
	if (cs->uring_late_cqes)
		cli_warn("io_uring: %" PRIu64 " completion(s) were seen only "
			 "after the program consumed them inline (late=1): "
			 "their data were captured late", cs->uring_late_cqes);
}

int cmd_record(int argc, char **argv)
{
	enum { OPT_DATA = 256, OPT_SYNC, OPT_SNAP, OPT_SNAPMAX, OPT_INC,
	       OPT_EXC, OPT_FULL,
	       OPT_RSIZE, OPT_RINGS, OPT_WAIT };
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "data", required_argument, NULL, OPT_DATA },
		{ "sync", required_argument, NULL, OPT_SYNC },
		{ "snapshot", required_argument, NULL, OPT_SNAP },
		{ "snapshot-max", required_argument, NULL, OPT_SNAPMAX },
		{ "include", required_argument, NULL, OPT_INC },
		{ "exclude", required_argument, NULL, OPT_EXC },
		{ "on-full", required_argument, NULL, OPT_FULL },
		{ "ring-size", required_argument, NULL, OPT_RSIZE },
		{ "rings", required_argument, NULL, OPT_RINGS },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const char *const data_n[] = { "full", "hash", "none", NULL };
	static const char *const sync_n[] = { "pthread", "basic", NULL };
	static const char *const full_n[] = { "wait", "drop", NULL };
	static const char *const snap_n[] = { "first-touch", "none", NULL };
	static const char *const wait_n[] = { "all", "main", NULL };
	struct rec_opts o = { .snap_max = 1ull << 30, .ring_size = 4u << 20,
			      .nrings = 256 };
	struct iorr_consumer_stats cs;
	struct iorr_consumer *cons = NULL;
	struct iorr_snapserver *snaps = NULL;
	struct iorr_writer *w = NULL;
	struct iorr_shm *shm;
	struct sigaction sa;
	char *trace = NULL, *preload = NULL, *meta, *snap_dir = NULL;
	char tmpl[PATH_MAX + 32];
	uint32_t wait_mode = 0;
	uint64_t v, last_tick = 0, idle_since = 0, sleep_ns = 50000;
	int c, shm_fd = -1, trace_fd = -1, status = 0, ret = EXIT_ERROR;
	bool main_done = false;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "+o:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out = optarg;
			break;
		case OPT_DATA:
			if (pick("data", optarg, data_n, &o.data_mode) < 0)
				return EXIT_ERROR;
			break;
		case OPT_SYNC:
			if (pick("sync", optarg, sync_n, &o.sync_mode) < 0)
				return EXIT_ERROR;
			break;
		case OPT_SNAP:
			if (pick("snapshot", optarg, snap_n, &o.snap_mode) < 0)
				return EXIT_ERROR;
			break;
		case OPT_FULL:
			if (pick("on-full", optarg, full_n, &o.on_full) < 0)
				return EXIT_ERROR;
			break;
		case OPT_WAIT:
			if (pick("wait", optarg, wait_n, &wait_mode) < 0)
				return EXIT_ERROR;
			o.wait_main = wait_mode == 1;
			break;
		case OPT_SNAPMAX:
			if (parse_size(optarg, &o.snap_max) < 0) {
				cli_error("--snapshot-max %s: not a size",
					  optarg);
				return EXIT_ERROR;
			}
			break;
		case OPT_RSIZE:
			if (parse_size(optarg, &v) < 0 || v < (64u << 10) ||
			    v > (1u << 30) || (v & (v - 1))) {
				cli_error("--ring-size %s: a power of two "
					  "from 64K to 1G", optarg);
				return EXIT_ERROR;
			}
			o.ring_size = v;
			break;
		case OPT_RINGS:
			if (parse_size(optarg, &v) < 0 || v < 1 || v > 65536) {
				cli_error("--rings %s: 1 to 65536", optarg);
				return EXIT_ERROR;
			}
			o.nrings = (unsigned)v;
			break;
		case OPT_INC:
		case OPT_EXC: {
			char *p = abs_path(optarg);

			if (!p || add_prefix(&o, c == OPT_INC ? '+' : '-', p)) {
				free(p);
				free_prefixes(&o);
				return EXIT_ERROR;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (!o.out) {
		cli_error("record: -o TRACE is required");
		usage(stderr);
		goto out;
	}
	if (optind >= argc) {
		cli_error("record: no command to run");
		usage(stderr);
		goto out;
	}
	preload = find_preload();
	if (!preload) {
		cli_error("libiorr-record.so not found (set IORR_PRELOAD or "
			  "install iorr)");
		goto out;
	}
	trace_fd = open(o.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (trace_fd < 0) {
		cli_error("%s: %s", o.out, strerror(errno));
		goto out;
	}
	trace = abs_path(o.out);
	snprintf(tmpl, sizeof(tmpl), "%s.snap.XXXXXX", trace);
	if (o.snap_mode == IORR_SNAP_FIRST_TOUCH) {
		snap_dir = mkdtemp(tmpl);
		if (!snap_dir) {
			cli_error("%s: cannot create the snapshot directory: "
				  "%s", tmpl, strerror(errno));
			goto out;
		}
	}
	shm = make_area(&o, trace, snap_dir ? snap_dir : "/nonexistent",
			&shm_fd);
	if (!shm)
		goto out;
	meta = metadata(&o, argc - optind, argv + optind);
	c = iorr_writer_open_fd(trace_fd, meta, NULL, &w);
	free(meta);
	if (c < 0) {
		cli_error("%s: %s", o.out, strerror(-c));
		trace_fd = -1;
		goto out;
	}
	cons = iorr_consumer_new(shm, w, trace_fd);
	if (!cons) {
		cli_error("out of memory");
		goto out;
	}
	if (snap_dir && (c = iorr_snapserver_start(shm, &snaps)) < 0) {
		cli_error("cannot start the snapshot thread: %s",
			  strerror(-c));
		goto out;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		cli_warn("cannot become a subreaper (%s): daemonised "
			 "processes are not waited for", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);

	pid = start_workload(argv + optind, preload, shm_fd);
	if (pid < 0) {
		cli_error("fork: %s", strerror(errno));
		goto out;
	}
	child_pid = pid;

	/* Drain until every descendant is gone (see the header comment). */
	for (;;) {
		int n = iorr_consumer_poll(cons), st;
		uint64_t now = mono_ns();
		bool gone = false;
		pid_t p;

		while ((p = waitpid(-1, &st, WNOHANG)) != 0) {
			if (p < 0) {
				gone = errno == ECHILD;
				break;
			}
			if (p == pid) {
				status = st;
				main_done = true;
			}
		}
		if (now - last_tick > 100000000ull) {
			iorr_consumer_tick(cons);
			last_tick = now;
		}
		if (gone)
			break;
		if (n > 0) {
			idle_since = 0;
			sleep_ns = 50000;
			continue;
		}
		if (!idle_since)
			idle_since = now;
		if (o.wait_main && main_done &&
		    now - idle_since > 1000000000ull)
			break;
		struct timespec ts = { 0, (long)sleep_ns };

		nanosleep(&ts, NULL);
		if (sleep_ns < 1000000)
			sleep_ns *= 2;
	}
	atomic_store(&shm->consumer_gone, 1);
	iorr_snapserver_stop(snaps);
	snaps = NULL;
	c = iorr_consumer_finish(cons, snap_dir);
	{
		const char *const *paths = iorr_consumer_paths(cons);
		char *mn = paths ? mounts_note(paths) : NULL;

		if (mn) {
			iorr_writer_note(w, "mounts", mn);
			free(mn);
		}
	}
	iorr_consumer_stats(cons, &cs);
	int wc = iorr_writer_close(w);

	w = NULL;
	trace_fd = -1;
	if (c < 0 || wc < 0)
		cli_warn("%s: the trace is incomplete: %s", o.out,
			 strerror(-(c < 0 ? c : wc)));
	{
		struct stat sb;
		uint64_t bytes = 0;

		if (stat(o.out, &sb) == 0) {
			bytes = (uint64_t)sb.st_size;
			/* release the blocks reserved past the end */
			if (truncate(o.out, sb.st_size) < 0)
				cli_warn("%s: %s", o.out, strerror(errno));
		}
		fprintf(stderr,
			"iorr record: %" PRIu64 " processes, %" PRIu64
			" threads, %" PRIu64 " events, %" PRIu64
			" bytes written to %s, loss %" PRIu64 "\n",
			cs.processes, cs.threads, cs.events, bytes, o.out,
			cs.dropped + cs.gaps + cs.late + cs.disk_dropped);
	}
	warn_async(&cs);
	if (WIFEXITED(status))
		ret = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		ret = 128 + WTERMSIG(status);
	else
		ret = EXIT_ERROR;
out:
	iorr_snapserver_stop(snaps);
	if (cons)
		iorr_consumer_free(cons);
	if (w)
		iorr_writer_close(w);
	else if (trace_fd >= 0)
		close(trace_fd);
	if (snap_dir)
		rm_snap_dir(snap_dir);
	free(preload);
	free(trace);
	free_prefixes(&o);
	return ret;
}
