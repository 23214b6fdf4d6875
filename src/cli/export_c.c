/* SPDX-License-Identifier: MIT */
/*
 * iorr export-c: a trace as a standalone C program (or a fio iolog).
 *
 * The program needs only libc (plus libaio/liburing when the trace used
 * them).  It makes the recorded initial state under the directory it is
 * given, runs each recorded thread as a pthread issuing the recorded calls
 * in the chosen schedule (a global turn counter: one call at a time, in the
 * order `iorr replay` would issue them for the seed), and checks every
 * result, every read's bytes and the final content of every touched file.
 *
 * RATIONALE: expected values are not taken from the trace alone (reads are
 * recorded as hashes): a faithful --order recorded replay of the trace is
 * run first, through the replay library, with a hook that captures the
 * bytes every read returned; the replay's oracles verify them against the
 * recorded hashes, and the final files against the recorded final state.
 * A trace that does not replay faithfully is refused: a reproducer whose
 * expectations are wrong is worse than none.
 *
 * Ops the generator cannot write yet are refused by name (exit 2), never
 * emitted approximately.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "iorr/replay.h"
#include "iorr/trace.h"
#include "iorr/xlat.h"

#define NONE32 UINT32_MAX
/* Content larger than this (literal bytes) is checked by hash. */
#define MAX_LITERAL (64 * 1024)

/* Bytes a read returned in the faithful replay. */
struct cap {
	uint64_t seq;
	uint8_t *b;
	size_t n;
};

struct caps {
	pthread_mutex_t lock;
	struct cap *v;
	size_t n, cap;
	int err;
};

struct xev {
	const struct iorr_event *e;
	uint32_t step;		/* position in the schedule, or NONE32 */
	uint64_t delay;		/* ns to wait before it */
	uint32_t call;		/* SUBMIT records: their submit call */
};

struct gen {
	const char *trace;
	struct iorr_replay *rp;
	const struct iorr_reader *r;
	struct xev *ev;
	uint32_t nev;
	struct caps caps;
	uint64_t t0;
	char *base;		/* recorded directory that becomes DIR */
	char **cwd;		/* per event: the process's cwd before it */
	char **file;		/* per event: the file its fd names, or NULL */
	/* what the program uses, for the helpers it needs */
	bool use_aio, use_uring, use_pattern, use_hash, use_delay;
	bool use_iov;
	int32_t *fds;		/* recorded fd numbers used */
	size_t nfds;
	uint64_t *rings, *ctxs;
	size_t nrings, nctxs;
	uint64_t maxreq;
	uint64_t buf_off, buf_len;	/* the thread's getbuf(), so far */
	char errbuf[256];
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iorr export-c [OPTIONS] TRACE -o FILE\n"
		"\n"
		"Write TRACE as a standalone C program that recreates its initial\n"
		"state under a directory, reissues its calls from one pthread per\n"
		"recorded thread in the chosen order, and checks every result,\n"
		"every read's bytes and the final files: exit 0 all matched, 1 a\n"
		"difference (printed), 2 setup error.  Build it with\n"
		"  cc repro.c -o repro -luring -laio -lpthread\n"
		"and run it as ./repro DIR.\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE    where to write (required)\n"
		"      --format c|fio   a C program (default) or a fio iolog v3\n"
		"      --order ORDER    recorded (default), random or pct:D: the\n"
		"                       issue order iorr replay uses for --seed\n"
		"      --seed S         seed of the order and the jitter\n"
		"      --jitter SPEC    uniform:A-B or exp:MEAN: fixed delays\n"
		"                       drawn from the seed, before each call\n"
		"      --flip-conflicts as iorr replay\n"
		"  -h, --help           this help\n"
		"\n"
		"The expected values come from a faithful --order recorded replay\n"
		"of TRACE; a trace that does not replay faithfully is refused.\n"
		"See iorr-export-c(1).\n");
}

/* ---- the faithful replay ------------------------------------------------ */

static void capture(void *arg, uint64_t seq, const void *buf, size_t len)
{
	struct caps *c = arg;

	pthread_mutex_lock(&c->lock);
	if (c->n == c->cap) {
		size_t nc = c->cap ? 2 * c->cap : 256;
		struct cap *v = realloc(c->v, nc * sizeof(*v));

		if (!v) {
			c->err = -ENOMEM;
			goto out;
		}
		c->v = v;
		c->cap = nc;
	}
	uint8_t *b = malloc(len ? len : 1);

	if (!b) {
		c->err = -ENOMEM;
		goto out;
	}
	memcpy(b, buf, len);
	c->v[c->n++] = (struct cap){ .seq = seq, .b = b, .n = len };
out:
	pthread_mutex_unlock(&c->lock);
}

static int cap_cmp(const void *a, const void *b)
{
	const struct cap *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const struct cap *cap_find(const struct gen *g, uint64_t seq)
{
	struct cap key = { .seq = seq };

	return bsearch(&key, g->caps.v, g->caps.n, sizeof(key), cap_cmp);
}

/* ---- paths -------------------------------------------------------------- */

/* Lexical normal form of an absolute path. */
static char *norm(const char *base, const char *p)
{
	char *j, *out;
	size_t o = 0;

	if (p[0] == '/')
		j = strdup(p);
	else if (asprintf(&j, "%s/%s", base, p) < 0)
		j = NULL;
	if (!j)
		return NULL;
	out = malloc(strlen(j) + 2);
	if (!out) {
		free(j);
		return NULL;
	}
	for (char *s = j; *s;) {
		while (*s == '/')
			s++;
		char *e = s;

		while (*e && *e != '/')
			e++;
		size_t n = (size_t)(e - s);

		if (!n)
			break;
		if (n == 1 && s[0] == '.') {
			/* nothing */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, s, n);
			o += n;
		}
		s = e;
	}
	if (!o)
		out[o++] = '/';
	out[o] = '\0';
	free(j);
	return out;
}

static char *parent(const char *p)
{
	char *s = strdup(p), *sl = s ? strrchr(s, '/') : NULL;

	if (sl && sl != s)
		*sl = '\0';
	else if (sl)
		sl[1] = '\0';
	return s;
}

/* Shrink @base to the longest common directory prefix with @dir. */
static void common(char **base, const char *dir)
{
	if (!*base) {
		*base = strdup(dir);
		return;
	}
	size_t i = 0, last = 0;
	const char *b = *base;

	while (b[i] && dir[i] && b[i] == dir[i]) {
		i++;
		if (b[i] == '/' || !b[i])
			if (dir[i] == '/' || !dir[i])
				last = i;
	}
	if (!b[i] && (dir[i] == '/' || !dir[i]))
		last = i;
	(*base)[last ? last : 1] = '\0';
}

/* The path relative to DIR for recorded absolute @p ("." for the base). */
static const char *rel(const struct gen *g, const char *p)
{
	size_t n = strlen(g->base);

	if (!strcmp(g->base, "/"))
		return p[1] ? p + 1 : ".";
	if (!strcmp(p, g->base))
		return ".";
	return p + n + 1;
}

/* ---- output helpers ----------------------------------------------------- */

/* A C string literal of @n bytes, wrapped after ~60 source chars. */
static void put_lit(FILE *f, const uint8_t *b, size_t n, const char *indent)
{
	size_t col = 0;
	bool hex = false;

	fputc('"', f);
	for (size_t k = 0; k < n; k++) {
		uint8_t c = b[k];

		if (col >= 60 && k < n) {
			fprintf(f, "\"\n%s\"", indent);
			col = 0;
			hex = false;
		}
		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
			col += 2;
			hex = false;
		} else if (c >= 0x20 && c < 0x7f && c != '?') {
			bool isx = (c >= '0' && c <= '9') ||
				   (c >= 'a' && c <= 'f') ||
				   (c >= 'A' && c <= 'F');

			if (hex && isx) {
				fputs("\" \"", f);
				col += 3;
			}
			fputc(c, f);
			col++;
			hex = false;
		} else {
			fprintf(f, "\\x%02x", c);
			col += 4;
			hex = true;
		}
	}
	fputc('"', f);
}

static bool all_same(const uint8_t *b, size_t n)
{
	for (size_t k = 1; k < n; k++)
		if (b[k] != b[0])
			return false;
	return true;
}

/* Smallest period <= 64 of @b (n >= 2 periods), or 0. */
static size_t period(const uint8_t *b, size_t n)
{
	for (size_t p = 2; p <= 64 && 2 * p <= n; p++) {
		if (memcmp(b, b + p, n - p) == 0)
			return p;
	}
	return 0;
}

/* Literal bytes fill_code() would embed for @b. */
static size_t literal_cost(const uint8_t *b, size_t n)
{
	if (n <= 64 || all_same(b, n) || period(b, n))
		return n <= 64 ? n : 64;
	size_t lit = 0;

	for (size_t k = 0; k < n;) {
		size_t e = k + 1;

		while (e < n && b[e] == b[k])
			e++;
		if (e - k < 32)
			lit += e - k;
		k = e;
	}
	return lit;
}

/*
 * Statements that fill @dst (a C expression) with @b: memset for runs of
 * one byte, pattern() for a short repeating pattern, memcpy of literals.
 */
static void fill_code(struct gen *g, FILE *f, const char *ind,
		      const char *dst, const uint8_t *b, size_t n)
{
	char ind2[64];

	snprintf(ind2, sizeof(ind2), "%s\t", ind);
	if (!n)
		return;
	if (n > 16 && all_same(b, n)) {
		fprintf(f, "%smemset(%s, 0x%02x, %zu);\n", ind, dst, b[0], n);
		return;
	}
	size_t p = n > 64 ? period(b, n) : 0;

	if (p) {
		g->use_pattern = true;
		fprintf(f, "%spattern(%s, %zu, ", ind, dst, n);
		put_lit(f, b, p, ind2);
		fprintf(f, ", %zu);\n", p);
		return;
	}
	for (size_t k = 0; k < n;) {
		size_t e = k + 1;

		while (e < n && b[e] == b[k])
			e++;
		if (e - k >= 32) {
			if (k)
				fprintf(f, "%smemset(%s + %zu, 0x%02x, %zu);\n",
					ind, dst, k, b[k], e - k);
			else
				fprintf(f, "%smemset(%s, 0x%02x, %zu);\n", ind,
					dst, b[k], e - k);
			k = e;
			continue;
		}
		/* a literal up to the next long run */
		size_t s = k;

		while (k < n) {
			e = k + 1;
			while (e < n && b[e] == b[k])
				e++;
			if (e - k >= 32)
				break;
			k = e;
		}
		if (s)
			fprintf(f, "%smemcpy(%s + %zu, ", ind, dst, s);
		else
			fprintf(f, "%smemcpy(%s, ", ind, dst);
		put_lit(f, b + s, k - s, ind2);
		fprintf(f, ", %zu);\n", k - s);
	}
}

static uint64_t fnv1a(const uint8_t *b, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t k = 0; k < n; k++) {
		h ^= b[k];
		h *= 0x100000001b3ull;
	}
	return h;
}

static const char *errname(uint32_t e, char *buf, size_t len)
{
	const char *s = iorr_errno_name((int)e);

	if (s)
		return s;
	snprintf(buf, len, "%u", e);
	return buf;
}

static void xlat(unsigned id, uint64_t v, char *buf, size_t len)
{
	iorr_xlat_format(id, v, buf, len);
	for (char *p = buf; *p; p++)
		if (*p == '|') {
			memmove(p + 3, p + 1, strlen(p + 1) + 1);
			memcpy(p, " | ", 3);
			p += 2;
		}
}

static int64_t fs(const struct iorr_event *e, const char *name)
{
	int k = iorr_op_field_index(e->op, name);

	return k < 0 ? 0 : (int64_t)e->f[k];
}

static bool has(const struct iorr_event *e, const char *name)
{
	return iorr_op_field_index(e->op, name) >= 0;
}

static int refuse(struct gen *g, const struct iorr_event *e, const char *why)
{
	snprintf(g->errbuf, sizeof(g->errbuf), "%s%s%s (seq %" PRIu64 ")",
		 iorr_op_get(e->op)->name, why ? ": " : "", why ? why : "",
		 e->seq);
	return -ENOTSUP;
}

/* ---- classification ----------------------------------------------------- */

enum role { R_SKIP, R_STEP, R_SUBREQ, R_REFUSE };

static enum role role_of(const struct iorr_event *e)
{
	const struct iorr_op_desc *d = iorr_op_get(e->op);

	switch (e->op) {
	case IORR_OP_proc_start:
	case IORR_OP_proc_exit:
	case IORR_OP_thread_start:
	case IORR_OP_thread_exit:
	case IORR_OP_marker:
	case IORR_OP_aio_getevents:	/* the completions reap */
	/*
	 * NOTE: a created thread may run before pthread_create returns (and
	 * is recorded): main() starts every thread first, each waits for
	 * its turns.
	 */
	case IORR_OP_thread_create:
		return R_SKIP;
	case IORR_OP_thread_join:
	case IORR_OP_open:
	case IORR_OP_openat:
	case IORR_OP_creat:
	case IORR_OP_close:
	case IORR_OP_dup:
	case IORR_OP_dup2:
	case IORR_OP_dup3:
	case IORR_OP_read:
	case IORR_OP_pread:
	case IORR_OP_readv:
	case IORR_OP_preadv:
	case IORR_OP_preadv2:
	case IORR_OP_write:
	case IORR_OP_pwrite:
	case IORR_OP_writev:
	case IORR_OP_pwritev:
	case IORR_OP_pwritev2:
	case IORR_OP_lseek:
	case IORR_OP_fsync:
	case IORR_OP_fdatasync:
	case IORR_OP_syncfs:
	case IORR_OP_sync:
	case IORR_OP_sync_file_range:
	case IORR_OP_ftruncate:
	case IORR_OP_truncate:
	case IORR_OP_fallocate:
	case IORR_OP_posix_fallocate:
	case IORR_OP_fadvise:
	case IORR_OP_copy_file_range:
	case IORR_OP_rename:
	case IORR_OP_unlink:
	case IORR_OP_rmdir:
	case IORR_OP_mkdir:
	case IORR_OP_link:
	case IORR_OP_symlink:
	case IORR_OP_chdir:
	case IORR_OP_flock:
	case IORR_OP_fd_path:
	case IORR_OP_fopen:
	case IORR_OP_fdopen:
	case IORR_OP_fclose:
	case IORR_OP_fread:
	case IORR_OP_fwrite:
	case IORR_OP_fflush:
	case IORR_OP_fseek:
	case IORR_OP_aio_setup:
	case IORR_OP_aio_destroy:
	case IORR_OP_aio_submit:
	case IORR_OP_aio_complete:
	case IORR_OP_uring_setup:
	case IORR_OP_uring_exit:
	case IORR_OP_uring_submit:
	case IORR_OP_uring_cqe:
		return R_STEP;
	case IORR_OP_aio_pread:
	case IORR_OP_aio_pwrite:
	case IORR_OP_aio_preadv:
	case IORR_OP_aio_pwritev:
	case IORR_OP_aio_fsync:
	case IORR_OP_aio_fdsync:
	case IORR_OP_uring_read:
	case IORR_OP_uring_write:
	case IORR_OP_uring_readv:
	case IORR_OP_uring_writev:
	case IORR_OP_uring_fsync:
	case IORR_OP_uring_fallocate:
	case IORR_OP_uring_nop:
		return R_SUBREQ;
	default:
		/* pthread primitives order the calls; the turn does that */
		if (d->kind == IORR_KIND_PRIM && d->cls == IORR_CLASS_LOCK)
			return R_SKIP;
		return R_REFUSE;
	}
}

static bool is_aio(unsigned op)
{
	return op >= IORR_OP_aio_setup && op <= IORR_OP_aio_cancel;
}

static void add_id(uint64_t **v, size_t *n, uint64_t id)
{
	for (size_t k = 0; k < *n; k++)
		if ((*v)[k] == id)
			return;
	uint64_t *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv) {
		*v = nv;
		nv[(*n)++] = id;
	}
}

static void add_fd(struct gen *g, int64_t fd)
{
	if (fd < 0)
		return;
	for (size_t k = 0; k < g->nfds; k++)
		if (g->fds[k] == fd)
			return;
	int32_t *nv = realloc(g->fds, (g->nfds + 1) * sizeof(*nv));

	if (nv) {
		g->fds = nv;
		nv[g->nfds++] = (int32_t)fd;
	}
}

/*
 * Check every event, track cwds, find the base directory, the submit call
 * of every async request and what the program will use.
 */
static int analyze(struct gen *g)
{
	const char *cwd0 = iorr_replay_cwd(g->rp);
	char *cwd = strdup(cwd0);
	int32_t pid = -1;

	char **fdname = calloc(1024, sizeof(*fdname));

	g->cwd = calloc(g->nev ? g->nev : 1, sizeof(*g->cwd));
	g->file = calloc(g->nev ? g->nev : 1, sizeof(*g->file));
	if (!cwd || !g->cwd || !g->file || !fdname) {
		free(fdname);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < g->nev; i++) {
		const struct iorr_event *e = g->ev[i].e;
		const struct iorr_op_desc *d = iorr_op_get(e->op);
		const struct iorr_thread *t = iorr_reader_thread(g->r,
								 e->thread);
		enum role ro = role_of(e);

		g->ev[i].call = NONE32;
		if (pid < 0)
			pid = t->pid;
		if (t->pid != pid)
			return refuse(g, e, "a second process (fork) is not "
				      "supported yet");
		if (ro == R_REFUSE)
			return refuse(g, e, NULL);
		g->cwd[i] = strdup(cwd);
		int64_t efd = has(e, "fd") ? fs(e, "fd") : has(e, "oldfd") ?
			      fs(e, "oldfd") : -1;

		if (efd >= 0 && efd < 1024 && fdname[efd])
			g->file[i] = strdup(fdname[efd]);
		if (e->result >= 0 && e->result < 1024 && !e->err &&
		    (e->op == IORR_OP_open || e->op == IORR_OP_openat ||
		     e->op == IORR_OP_creat || e->op == IORR_OP_fopen)) {
			char *p = norm(cwd, iorr_reader_path(g->r,
							     (uint32_t)e->f[
							     e->op ==
							     IORR_OP_openat]));

			free(fdname[e->result]);
			fdname[e->result] = p;
		}
		if (e->op == IORR_OP_fd_path && e->f[0] < 1024) {
			free(fdname[e->f[0]]);
			fdname[e->f[0]] = norm(cwd, iorr_reader_path(
						       g->r, (uint32_t)e->f[1]));
		}
		if (e->result >= 0 && e->result < 1024 && !e->err &&
		    g->file[i] && (e->op == IORR_OP_dup ||
				   e->op == IORR_OP_dup2 ||
				   e->op == IORR_OP_dup3)) {
			free(fdname[e->result]);
			fdname[e->result] = strdup(g->file[i]);
		}
		for (unsigned k = 0; k < d->nfields; k++) {
			const struct iorr_field_desc *fd = &d->fields[k];

			if (fd->type == IORR_FT_FD && e->op != IORR_OP_dup2 &&
			    e->op != IORR_OP_dup3 && strcmp(fd->name, "newfd"))
				add_fd(g, (int64_t)e->f[k]);
			if (fd->type == IORR_FT_FD &&
			    (!strcmp(fd->name, "dirfd") ||
			     !strcmp(fd->name, "newdirfd")) &&
			    (int64_t)e->f[k] != AT_FDCWD)
				return refuse(g, e, "paths relative to a "
					      "directory fd are not supported "
					      "yet");
			if (fd->type == IORR_FT_PATH &&
			    e->op != IORR_OP_proc_start &&
			    strcmp(fd->name, "target")) {
				char *p = norm(cwd, iorr_reader_path(
						       g->r, (uint32_t)e->f[k]));
				char *par = p ? parent(p) : NULL;

				if (!par) {
					free(p);
					return -ENOMEM;
				}
				common(&g->base, e->op == IORR_OP_chdir ? p :
				       par);
				free(p);
				free(par);
			}
			if (fd->type == IORR_FT_DATA && e->f[k]) {
				const struct iorr_blob *b = iorr_reader_blob(
					g->r, (uint32_t)(e->f[k] - 1));

				if (!b || !b->data)
					return refuse(g, e, "hash-only payloads "
						      "(--data=hash) are not "
						      "supported yet");
			}
		}
		if (e->result >= 0 && !e->err &&
		    (e->op == IORR_OP_open || e->op == IORR_OP_openat ||
		     e->op == IORR_OP_creat || e->op == IORR_OP_fopen ||
		     e->op == IORR_OP_dup ||
		     e->op == IORR_OP_dup2 || e->op == IORR_OP_dup3))
			add_fd(g, e->result);
		if (e->op == IORR_OP_chdir && e->result == 0) {
			char *p = norm(cwd, iorr_reader_path(g->r,
							     (uint32_t)e->f[0]));

			if (!p)
				return -ENOMEM;
			free(cwd);
			cwd = p;
		}
		if (is_aio(e->op)) {
			g->use_aio = true;
			add_id(&g->ctxs, &g->nctxs, e->f[0]);
		} else if (e->op >= IORR_OP_uring_setup &&
			   e->op <= IORR_OP_uring_missed) {
			g->use_uring = true;
			add_id(&g->rings, &g->nrings, e->f[0]);
		}
		if (ro == R_SUBREQ) {
			uint64_t req = (uint64_t)fs(e, "req");

			if (req > g->maxreq)
				g->maxreq = req;
			if (has(e, "iov"))
				g->use_iov = true;
			if (has(e, "sqe_flags") &&
			    (fs(e, "sqe_flags") & 1 /* IOSQE_FIXED_FILE */))
				return refuse(g, e, "registered files are "
					      "not supported yet");
			/* its submit call: the aio_submit before it, the
			 * uring_submit after it (loader.c) */
			bool aio = is_aio(e->op);

			for (uint32_t j = i; aio ? j-- > 0 : ++j < g->nev;) {
				const struct iorr_event *c = g->ev[j].e;

				if (c->thread != e->thread)
					continue;
				if (c->op == (aio ? IORR_OP_aio_submit :
					      IORR_OP_uring_submit) &&
				    c->f[0] == e->f[0]) {
					g->ev[i].call = j;
					break;
				}
				if (iorr_op_get(c->op)->kind !=
				    IORR_KIND_SUBMIT)
					break;
			}
			if (g->ev[i].call == NONE32)
				return refuse(g, e, "no submit call");
		}
	}
	free(cwd);
	for (size_t k = 0; k < 1024; k++)
		free(fdname[k]);
	free(fdname);
	for (size_t k = 0; k < iorr_reader_nstates(g->r, IORR_STATE_INITIAL);
	     k++) {
		const struct iorr_file_state *st = iorr_reader_state(
			g->r, IORR_STATE_INITIAL, k);
		char *p = norm(cwd0, iorr_reader_path(g->r, st->path));
		char *par = p ? parent(p) : NULL;

		if (par && (st->flags & IORR_FS_EXISTS))
			common(&g->base, S_ISDIR(st->mode) ? p : par);
		free(p);
		free(par);
	}
	if (!g->base)
		g->base = strdup(cwd0);
	return g->base ? 0 : -ENOMEM;
}

/* ---- the C program ------------------------------------------------------ */

static const char *fdvar(int64_t fd, char *buf, size_t len)
{
	snprintf(buf, len, "fd%" PRId64, fd);
	return buf;
}

static const char *tname(const struct gen *g, uint32_t thread, char *buf,
			 size_t len)
{
	const struct iorr_thread *t = iorr_reader_thread(g->r, thread);

	snprintf(buf, len, "thread_%d", t ? t->tid : (int)thread);
	return buf;
}

/* The comment naming the trace event. */
static void ev_comment(struct gen *g, FILE *f, const struct iorr_event *e)
{
	const struct iorr_thread *t = iorr_reader_thread(g->r, e->thread);

	fprintf(f, "\t/* seq %" PRIu64 ", tid %d, %.3f ms */\n", e->seq,
		t ? t->tid : -1, (double)(e->start_ns - g->t0) / 1e6);
}

static void want_code(FILE *f, const char *what, uint64_t seq,
		      const struct iorr_event *e, const char *var, bool isfd)
{
	char eb[32];

	if (e->err)
		fprintf(f, "\tres(%" PRIu64 ", \"%s\", %s, -1, %s);\n", seq,
			what, var, errname(e->err, eb, sizeof(eb)));
	else if (isfd)
		fprintf(f, "\tres(%" PRIu64 ", \"%s\", %s, ANY_FD, 0);\n", seq,
			what, var);
	else
		fprintf(f, "\tres(%" PRIu64 ", \"%s\", %s, %" PRId64 ", 0);\n",
			seq, what, var, e->result);
}

/* libaio returns -errno: compare in the recorded form. */
static void want_raw(FILE *f, const char *what, uint64_t seq,
		     const struct iorr_event *e, const char *var)
{
	int64_t want = e->err ? -(int64_t)e->err : e->result;

	fprintf(f, "\tres(%" PRIu64 ", \"%s\", %s, %" PRId64 ", 0);\n", seq,
		what, var, want);
}

/* Check the bytes a read got against the faithful replay's. */
static void read_check(struct gen *g, FILE *f, const struct iorr_event *e,
		       uint64_t capseq, const char *file, int64_t off,
		       const char *buf)
{
	const struct cap *c = cap_find(g, capseq);

	if (!c)
		return;
	if (c->n <= 128) {
		fprintf(f, "\tsame(%" PRIu64 ", \"%s\", %" PRId64 ", %s, r, ",
			e->seq, file, off, buf);
		put_lit(f, c->b, c->n, "\t\t");
		fprintf(f, ", %zu);\n", c->n);
	} else if (literal_cost(c->b, c->n) <= MAX_LITERAL) {
		fprintf(f, "\tw = getbuf(&W, %zu, 0);\n", c->n);
		fill_code(g, f, "\t", "w", c->b, c->n);
		fprintf(f, "\tsame(%" PRIu64 ", \"%s\", %" PRId64 ", %s, r, w, "
			"%zu);\n", e->seq, file, off, buf, c->n);
	} else {
		g->use_hash = true;
		fprintf(f, "\tsame_hash(%" PRIu64 ", \"%s\", %s, r, "
			"0x%016" PRIx64 "ull, %zu);\n", e->seq, file, buf,
			fnv1a(c->b, c->n), c->n);
	}
}

static const uint8_t *payload(struct gen *g, const struct iorr_event *e,
			      size_t *n)
{
	int k = iorr_op_field_index(e->op, "data");
	const struct iorr_blob *b;

	*n = 0;
	if (k < 0 || !e->f[k])
		return NULL;
	b = iorr_reader_blob(g->r, (uint32_t)(e->f[k] - 1));
	if (!b || !b->data)
		return NULL;
	*n = (size_t)b->size;
	return b->data;
}

static uint64_t total_len(const struct iorr_event *e)
{
	uint64_t n = 0;

	if (has(e, "len"))
		return (uint64_t)fs(e, "len");
	if (has(e, "nmemb")) {
		/* stdio: fgets and the like consumed what they returned */
		uint64_t nm = (uint64_t)fs(e, "nmemb");

		if (e->op == IORR_OP_fread && e->result >= 0 &&
		    (uint64_t)e->result < nm)
			nm = (uint64_t)e->result;
		return (uint64_t)fs(e, "size") * nm;
	}
	for (uint32_t k = 0; k < e->nvec; k++)
		n += e->vec[k];
	return n;
}

/* struct iovec NAME[] over buffer @buf with the event's lengths. */
static void iov_code(FILE *f, const struct iorr_event *e, const char *name,
		     const char *buf, bool global)
{
	uint64_t o = 0;

	if (!global)
		fprintf(f, "\tstruct iovec %s[%u];\n\n", name, e->nvec);
	for (uint32_t k = 0; k < e->nvec; k++) {
		fprintf(f, "\t%s[%u].iov_base = %s + %" PRIu64 ";\n", name, k,
			buf, o);
		fprintf(f, "\t%s[%u].iov_len = %" PRIu64 ";\n", name, k,
			e->vec[k]);
		o += e->vec[k];
	}
}

static const char *path_of(struct gen *g, uint32_t i, const char *field,
			   char *buf, size_t len)
{
	const struct iorr_event *e = g->ev[i].e;
	char *p = norm(g->cwd[i], iorr_reader_path(g->r,
						   (uint32_t)fs(e, field)));

	snprintf(buf, len, "%s", p ? rel(g, p) : "?");
	free(p);
	return buf;
}

static void step_begin(struct gen *g, FILE *f, uint32_t i)
{
	const struct iorr_event *e = g->ev[i].e;
	const struct iorr_thread *t = iorr_reader_thread(g->r, e->thread);

	fprintf(f, "\tstep(%u);\t/* seq %" PRIu64 ", tid %d, %.3f ms */\n",
		g->ev[i].step, e->seq, t ? t->tid : -1,
		(double)(e->start_ns - g->t0) / 1e6);
	if (g->ev[i].delay) {
		g->use_delay = true;
		fprintf(f, "\tpause_ns(%" PRIu64 ");\n", g->ev[i].delay);
	}
}

/* The SQE or iocb of SUBMIT record @s. */
static int subreq_code(struct gen *g, FILE *f, uint32_t s)
{
	const struct iorr_event *e = g->ev[s].e;
	uint64_t req = (uint64_t)fs(e, "req"), len = total_len(e);
	char v[32], fl[128], qn[32], iovn[32];
	bool aio = is_aio(e->op);
	const struct iorr_op_desc *d = iorr_op_get(e->op);
	int64_t off = fs(e, "off");

	fdvar(fs(e, "fd"), v, sizeof(v));
	snprintf(qn, sizeof(qn), "rq[%" PRIu64 "]", req);
	snprintf(iovn, sizeof(iovn), "iov_%" PRIu64, req);
	fprintf(f, "\t/* seq %" PRIu64 ": request %" PRIu64 ", %s */\n",
		e->seq, req, d->name);
	if (d->cls == IORR_CLASS_READ || d->cls == IORR_CLASS_WRITE) {
		if (e->op != IORR_OP_uring_fallocate)
			fprintf(f, "\t%s.buf = abuf(&%s.mem, %" PRIu64 ", 0x%"
				PRIx64 ");\n", qn, qn, len,
				(uint64_t)fs(e, "buf") & 0xfff);
	}
	if (d->cls == IORR_CLASS_WRITE && e->op != IORR_OP_uring_fallocate) {
		/* the payload is on the completion record (ops.def) */
		const struct iorr_event *c = NULL;
		size_t n;

		for (uint32_t j = s + 1; j < g->nev; j++) {
			const struct iorr_event *x = g->ev[j].e;

			if ((x->op == IORR_OP_aio_complete ||
			     x->op == IORR_OP_uring_cqe) &&
			    x->f[0] == e->f[0] && x->f[1] == e->f[1]) {
				c = x;
				break;
			}
		}
		const uint8_t *p = c ? payload(g, c, &n) : NULL;
		char dst[48];

		snprintf(dst, sizeof(dst), "%s.buf", qn);
		if (!p)
			fprintf(f, "\tmemset(%s, 0, %" PRIu64 ");\n", dst, len);
		else
			fill_code(g, f, "\t", dst, p, n < len ? n : len);
	}
	if (e->nvec) {
		snprintf(fl, sizeof(fl), "%s.buf", qn);
		iov_code(f, e, iovn, fl, true);
	}
	if (aio) {
		char cb[48];

		snprintf(cb, sizeof(cb), "&%s.cb", qn);
		switch (e->op) {
		case IORR_OP_aio_pread:
		case IORR_OP_aio_pwrite:
			fprintf(f, "\tio_prep_%s(%s, %s, %s.buf, %" PRIu64 ", %"
				PRId64 ");\n", e->op == IORR_OP_aio_pread ?
				"pread" : "pwrite", cb, v, qn, len, off);
			break;
		case IORR_OP_aio_preadv:
		case IORR_OP_aio_pwritev:
			fprintf(f, "\tio_prep_%s(%s, %s, %s, %u, %" PRId64
				");\n", e->op == IORR_OP_aio_preadv ?
				"preadv" : "pwritev", cb, v, iovn, e->nvec,
				off);
			break;
		case IORR_OP_aio_fsync:
			fprintf(f, "\tio_prep_fsync(%s, %s);\n", cb, v);
			break;
		default:
			fprintf(f, "\tio_prep_fdsync(%s, %s);\n", cb, v);
			break;
		}
		if (has(e, "rw_flags") && fs(e, "rw_flags")) {
			xlat(IORR_XLAT_RWF, (uint64_t)fs(e, "rw_flags"), fl,
			     sizeof(fl));
			fprintf(f, "\t%s.cb.aio_rw_flags = %s;\n", qn, fl);
		}
		fprintf(f, "\t%s.cb.data = &%s;\n", qn, qn);
		return 0;
	}
	fprintf(f, "\tsqe = io_uring_get_sqe(&ring%" PRIu64 ");\n", e->f[0]);
	switch (e->op) {
	case IORR_OP_uring_read:
	case IORR_OP_uring_write:
		fprintf(f, "\tio_uring_prep_%s(sqe, %s, %s.buf, %" PRIu64 ", %"
			PRId64 ");\n", e->op == IORR_OP_uring_read ? "read" :
			"write", v, qn, len, off);
		break;
	case IORR_OP_uring_readv:
	case IORR_OP_uring_writev:
		fprintf(f, "\tio_uring_prep_%s(sqe, %s, %s, %u, %" PRId64
			");\n", e->op == IORR_OP_uring_readv ? "readv" :
			"writev", v, iovn, e->nvec, off);
		break;
	case IORR_OP_uring_fsync:
		fprintf(f, "\tio_uring_prep_fsync(sqe, %s, %" PRId64 ");\n", v,
			fs(e, "fsync_flags"));
		break;
	case IORR_OP_uring_fallocate:
		xlat(IORR_XLAT_FALLOC, (uint64_t)fs(e, "mode"), fl,
		     sizeof(fl));
		fprintf(f, "\tio_uring_prep_fallocate(sqe, %s, %s, %" PRId64
			", %" PRId64 ");\n", v, fl, off, fs(e, "len"));
		break;
	default:
		fprintf(f, "\tio_uring_prep_nop(sqe);\n");
		break;
	}
	if (has(e, "rw_flags") && fs(e, "rw_flags")) {
		xlat(IORR_XLAT_RWF, (uint64_t)fs(e, "rw_flags"), fl,
		     sizeof(fl));
		fprintf(f, "\tsqe->rw_flags = %s;\n", fl);
	}
	if (fs(e, "sqe_flags")) {
		xlat(IORR_XLAT_IOSQE, (uint64_t)fs(e, "sqe_flags"), fl,
		     sizeof(fl));
		fprintf(f, "\tsqe->flags = %s;\n", fl);
	}
	fprintf(f, "\tsqe->user_data = %" PRIu64 ";\n", req);
	return 0;
}

static void flags_code(unsigned id, uint64_t v, char *buf, size_t len)
{
	xlat(id, v, buf, len);
}

/* Code of one scheduled event of thread code. */
static int event_code(struct gen *g, FILE *f, uint32_t i)
{
	const struct iorr_event *e = g->ev[i].e;
	const struct iorr_op_desc *d = iorr_op_get(e->op);
	char v[32], v2[32], fl[256], p1[1024], p2[1024], tn[48];
	int64_t fd = has(e, "fd") ? fs(e, "fd") : -1;
	const char *file = g->file[i] ? rel(g, g->file[i]) : "?";
	bool ok = e->result >= 0 && !e->err;

	if (fd >= 0)
		fdvar(fd, v, sizeof(v));
	step_begin(g, f, i);
	switch (e->op) {
	case IORR_OP_thread_create:
		tname(g, (uint32_t)e->f[0], tn, sizeof(tn));
		fprintf(f, "\tr = pthread_create(&th_%s, NULL, %s, NULL);\n",
			tn + 7, tn);
		fprintf(f, "\tres(%" PRIu64 ", \"pthread_create\", r, 0, 0);\n",
			e->seq);
		break;
	case IORR_OP_thread_join:
		tname(g, (uint32_t)e->f[0], tn, sizeof(tn));
		fprintf(f, "\tpthread_join(th_%s, NULL);\n", tn + 7);
		break;
	case IORR_OP_fd_path:
	case IORR_OP_fopen:
	case IORR_OP_open:
	case IORR_OP_openat:
	case IORR_OP_creat: {
		bool fdp = e->op == IORR_OP_fd_path;
		const char *dst = fdp ? fdvar(fs(e, "fd"), v2, sizeof(v2)) :
				  ok ? fdvar(e->result, v2, sizeof(v2)) : "r";
		uint64_t flags = e->op == IORR_OP_creat ?
				 (O_CREAT | O_WRONLY | O_TRUNC) :
				 (uint64_t)fs(e, "flags");
		uint64_t mode = e->op == IORR_OP_fopen ? 0666 :
				(uint64_t)fs(e, "mode");

		path_of(g, i, "path", p1, sizeof(p1));
		if (fdp) {
			/* already open when the recording began: reopen */
			flags &= ~(uint64_t)(O_CREAT | O_TRUNC | O_EXCL);
			ok = true;
		} else if (e->op == IORR_OP_fopen &&
			   (flags & O_ACCMODE) == O_ACCMODE) {
			fprintf(f, "\t/* fopen(P(\"%s\"), a mode string libc "
				"refuses) */\n\terrno = EINVAL;\n\tr = -1;\n",
				p1);
			want_code(f, d->name, e->seq, e, "r", false);
			break;
		} else if (e->op == IORR_OP_fopen) {
			fprintf(f, "\t/* fopen(): a FILE* in the program, "
				"used unbuffered on its fd here */\n");
		}
		flags_code(IORR_XLAT_OPEN, flags & ~(uint64_t)O_CLOEXEC, fl,
			   sizeof(fl));
		if (fdp)
			fprintf(f, "\t%s = open(P(\"%s\"), %s);\t/* already "
				"open when the recording began (stdout?) */\n",
				dst, p1, fl);
		else if (flags & (O_CREAT | __O_TMPFILE))
			fprintf(f, "\t%s = open(P(\"%s\"), %s, 0%" PRIo64 ");\n",
				dst, p1, fl, mode & 07777);
		else
			fprintf(f, "\t%s = open(P(\"%s\"), %s);\n", dst, p1, fl);
		want_code(f, fdp ? "open" : d->name, e->seq, e, dst, ok);
		if (!ok)
			fprintf(f, "\tif (r >= 0)\n\t\tclose(r);\n");
		break;
	}
	case IORR_OP_close:
	case IORR_OP_fclose:
		fprintf(f, "\tr = close(%s);%s\n", v, e->op == IORR_OP_fclose ?
			"\t/* fclose() of the FILE* on it */" : "");
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	case IORR_OP_fdopen:
		fprintf(f, "\t/* fdopen(%s): a FILE* on it, used unbuffered on "
			"%s here */\n", v, v);
		break;
	case IORR_OP_fflush:
		fprintf(f, "\t/* fflush() of the FILE* on %s: nothing is "
			"buffered here */\n", v);
		break;
	case IORR_OP_fseek:
		flags_code(IORR_XLAT_WHENCE, (uint64_t)fs(e, "whence"), fl,
			   sizeof(fl));
		fprintf(f, "\tr = lseek(%s, %" PRId64 ", %s) < 0 ? -1 : 0;"
			"\t/* fseek() of the FILE* */\n", v, fs(e, "off"), fl);
		want_code(f, "fseek", e->seq, e, "r", false);
		break;
	case IORR_OP_dup:
	case IORR_OP_dup2:
	case IORR_OP_dup3: {
		fdvar(fs(e, "oldfd"), v, sizeof(v));
		const char *dst = ok ? fdvar(e->result, v2, sizeof(v2)) : "r";

		fprintf(f, "\t%s = fcntl(%s, F_DUPFD, 0);\n", dst, v);
		want_code(f, d->name, e->seq, e, dst, ok);
		break;
	}
	case IORR_OP_read:
	case IORR_OP_pread:
	case IORR_OP_readv:
	case IORR_OP_preadv:
	case IORR_OP_preadv2:
	case IORR_OP_write:
	case IORR_OP_pwrite:
	case IORR_OP_writev:
	case IORR_OP_pwritev:
	case IORR_OP_pwritev2:
	case IORR_OP_fread:
	case IORR_OP_fwrite: {
		uint64_t len = total_len(e);
		bool rd = d->cls == IORR_CLASS_READ;
		int64_t off = has(e, "off") ? fs(e, "off") : -1;
		const char *name = d->name;

		uint64_t ba = (uint64_t)fs(e, "buf") & 0xfff;
		bool sio = e->op == IORR_OP_fread || e->op == IORR_OP_fwrite;

		if (sio)
			name = rd ? "read" : "write";

		/* the thread's buffer, as recorded: reused while it fits */
		if (ba != g->buf_off || len > g->buf_len) {
			fprintf(f, "\tb = getbuf(&B, %" PRIu64 ", 0x%" PRIx64
				");\n", len, ba);
			g->buf_off = ba;
			g->buf_len = len;
		}
		if (!rd) {
			size_t n;
			const uint8_t *p = payload(g, e, &n);

			if (p)
				fill_code(g, f, "\t", "b", p,
					  n < len ? n : len);
			else
				fprintf(f, "\tmemset(b, 0, %" PRIu64 ");\n",
					len);
		}
		if (e->nvec) {
			fprintf(f, "\t{\n");
			iov_code(f, e, "iov", "b", false);
		}
		switch (e->op) {
		case IORR_OP_fread:
		case IORR_OP_fwrite:
			/* the stream was a FILE* in the program */
			fprintf(f, "\tr = %s(%s, b, %" PRIu64 ");\t/* %s(b, %"
				PRId64 ", %" PRId64 ", FILE*), unbuffered */\n",
				name, v, len, d->name, fs(e, "size"),
				fs(e, "nmemb"));
			break;
		case IORR_OP_read:
		case IORR_OP_write:
			fprintf(f, "\tr = %s(%s, b, %" PRIu64 ");\n", name, v,
				len);
			break;
		case IORR_OP_pread:
		case IORR_OP_pwrite:
			fprintf(f, "\tr = %s(%s, b, %" PRIu64 ", %" PRId64
				");\n", name, v, len, off);
			break;
		case IORR_OP_readv:
		case IORR_OP_writev:
			fprintf(f, "\tr = %s(%s, iov, %u);\n", name, v,
				e->nvec);
			break;
		case IORR_OP_preadv:
		case IORR_OP_pwritev:
			if (off < 0)
				fprintf(f, "\tr = %s(%s, iov, %u);\n",
					rd ? "readv" : "writev", v, e->nvec);
			else
				fprintf(f, "\tr = %s(%s, iov, %u, %" PRId64
					");\n", name, v, e->nvec, off);
			break;
		default:
			flags_code(IORR_XLAT_RWF, (uint64_t)fs(e, "flags"),
				   fl, sizeof(fl));
			fprintf(f, "\tr = %s(%s, iov, %u, %" PRId64 ", %s);\n",
				name, v, e->nvec, off, fl);
			break;
		}
		if (e->nvec)
			fprintf(f, "\t}\n");
		/* same() checks the result with the bytes */
		if (sio && ok && (!rd || !cap_find(g, e->seq)))
			/* stdio counts items: the bytes they make */
			fprintf(f, "\tres(%" PRIu64 ", \"%s\", r, %" PRId64
				", 0);\n", e->seq, d->name,
				e->result * fs(e, "size"));
		else if (!rd || !cap_find(g, e->seq))
			want_code(f, name, e->seq, e, "r", false);
		if (rd)
			read_check(g, f, e, e->seq, file, off, "b");
		break;
	}
	case IORR_OP_lseek:
		flags_code(IORR_XLAT_WHENCE, (uint64_t)fs(e, "whence"), fl,
			   sizeof(fl));
		fprintf(f, "\tr = lseek(%s, %" PRId64 ", %s);\n", v,
			fs(e, "off"), fl);
		want_code(f, "lseek", e->seq, e, "r", false);
		break;
	case IORR_OP_fsync:
	case IORR_OP_fdatasync:
	case IORR_OP_syncfs:
		fprintf(f, "\tr = %s(%s);\n", d->name, v);
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	case IORR_OP_sync:
		fprintf(f, "\tsync();\n");
		break;
	case IORR_OP_sync_file_range:
		flags_code(IORR_XLAT_SFR, (uint64_t)fs(e, "flags"), fl,
			   sizeof(fl));
		fprintf(f, "\tr = sync_file_range(%s, %" PRId64 ", %" PRId64
			", %s);\n", v, fs(e, "off"), fs(e, "len"), fl);
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	case IORR_OP_ftruncate:
		fprintf(f, "\tr = ftruncate(%s, %" PRId64 ");\n", v,
			fs(e, "len"));
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	case IORR_OP_truncate:
		fprintf(f, "\tr = truncate(P(\"%s\"), %" PRId64 ");\n",
			path_of(g, i, "path", p1, sizeof(p1)), fs(e, "len"));
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	case IORR_OP_fallocate:
		flags_code(IORR_XLAT_FALLOC, (uint64_t)fs(e, "mode"), fl,
			   sizeof(fl));
		fprintf(f, "\tr = fallocate(%s, %s, %" PRId64 ", %" PRId64
			");\n", v, fl, fs(e, "off"), fs(e, "len"));
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	case IORR_OP_posix_fallocate:
		/* returns the error number, not -1/errno */
		fprintf(f, "\tr = posix_fallocate(%s, %" PRId64 ", %" PRId64
			");\n", v, fs(e, "off"), fs(e, "len"));
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	case IORR_OP_fadvise:
		flags_code(IORR_XLAT_FADV, (uint64_t)fs(e, "advice"), fl,
			   sizeof(fl));
		fprintf(f, "\tr = posix_fadvise(%s, %" PRId64 ", %" PRId64
			", %s);\n", v, fs(e, "off"), fs(e, "len"), fl);
		want_code(f, "posix_fadvise", e->seq, e, "r", false);
		break;
	case IORR_OP_copy_file_range: {
		int64_t oi = fs(e, "off_in"), oo = fs(e, "off_out");

		fdvar(fs(e, "fd_in"), v, sizeof(v));
		fdvar(fs(e, "fd_out"), v2, sizeof(v2));
		fprintf(f, "\t{\n\t\tloff_t oi = %" PRId64 ", oo = %" PRId64
			";\n\n", oi, oo);
		fprintf(f, "\t\tr = copy_file_range(%s, %s, %s, %s, %" PRId64
			", %" PRId64 ");\n\t}\n", v, oi < 0 ? "NULL" : "&oi",
			v2, oo < 0 ? "NULL" : "&oo", fs(e, "len"),
			fs(e, "flags"));
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	}
	case IORR_OP_rename:
	case IORR_OP_link:
		fprintf(f, "\tr = %s(P(\"%s\"), P2(\"%s\"));\n", d->name,
			path_of(g, i, "oldpath", p1, sizeof(p1)),
			path_of(g, i, "newpath", p2, sizeof(p2)));
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	case IORR_OP_symlink:
		fprintf(f, "\tr = symlink(\"%s\", P(\"%s\"));\n",
			iorr_reader_path(g->r, (uint32_t)fs(e, "target")),
			path_of(g, i, "linkpath", p1, sizeof(p1)));
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	case IORR_OP_unlink:
	case IORR_OP_rmdir:
	case IORR_OP_chdir:
		fprintf(f, "\tr = %s(P(\"%s\"));\n", d->name,
			path_of(g, i, "path", p1, sizeof(p1)));
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	case IORR_OP_mkdir:
		fprintf(f, "\tr = mkdir(P(\"%s\"), 0%" PRIo64 ");\n",
			path_of(g, i, "path", p1, sizeof(p1)),
			(uint64_t)fs(e, "mode") & 07777);
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	case IORR_OP_flock:
		flags_code(IORR_XLAT_FLOCK, (uint64_t)fs(e, "op") | LOCK_NB,
			   fl, sizeof(fl));
		/* one call at a time: a blocking wait could never end */
		fprintf(f, "\tr = flock(%s, %s);\n", v, fl);
		want_code(f, d->name, e->seq, e, "r", false);
		break;
	case IORR_OP_aio_setup:
		fprintf(f, "\tr = io_setup(%" PRIu64 ", &ctx%" PRIu64 ");\n",
			e->f[1], e->f[0]);
		want_raw(f, "io_setup", e->seq, e, "r");
		break;
	case IORR_OP_aio_destroy:
		fprintf(f, "\tr = io_destroy(ctx%" PRIu64 ");\n", e->f[0]);
		want_raw(f, "io_destroy", e->seq, e, "r");
		break;
	case IORR_OP_aio_submit:
	case IORR_OP_uring_submit: {
		bool aio = e->op == IORR_OP_aio_submit;
		uint32_t n = 0;

		for (uint32_t s = 0; s < g->nev; s++) {
			if (g->ev[s].call != i)
				continue;
			int k = subreq_code(g, f, s);

			if (k < 0)
				return k;
			n++;
		}
		if (aio) {
			fprintf(f, "\t{\n\t\tstruct iocb *cbs[] = {");
			for (uint32_t s = 0, c = 0; s < g->nev; s++)
				if (g->ev[s].call == i)
					fprintf(f, "%s&rq[%" PRId64 "].cb",
						c++ ? ", " : " ",
						fs(g->ev[s].e, "req"));
			fprintf(f, " };\n\n\t\tr = io_submit(ctx%" PRIu64
				", %u, cbs);\n\t}\n", e->f[0], n);
		} else if (e->f[1]) {
			fprintf(f, "\tr = io_uring_submit_and_wait(&ring%"
				PRIu64 ", %" PRIu64 ");\n", e->f[0], e->f[1]);
		} else {
			fprintf(f, "\tr = io_uring_submit(&ring%" PRIu64
				");\n", e->f[0]);
		}
		/* the requests the kernel took may be waited for */
		fprintf(f, "\tsubmitted(r, (int []){");
		for (uint32_t s = 0, c = 0; s < g->nev; s++)
			if (g->ev[s].call == i)
				fprintf(f, "%s%" PRId64, c++ ? ", " : " ",
					fs(g->ev[s].e, "req"));
		fprintf(f, " }, %u);\n", n);
		want_raw(f, aio ? "io_submit" : "io_uring_submit", e->seq, e,
			 "r");
		break;
	}
	case IORR_OP_aio_complete:
	case IORR_OP_uring_cqe: {
		uint64_t req = e->f[1];
		bool aio = e->op == IORR_OP_aio_complete;
		const struct iorr_event *s = NULL;
		const char *sfile = "?";

		for (uint32_t j = 0; j < g->nev; j++)
			if (g->ev[j].call != NONE32 &&
			    g->ev[j].e->f[0] == e->f[0] &&
			    (uint64_t)fs(g->ev[j].e, "req") == req) {
				s = g->ev[j].e;
				if (g->file[j])
					sfile = rel(g, g->file[j]);
			}
		if (aio)
			fprintf(f, "\tr = aio_wait(ctx%" PRIu64 ", %" PRIu64
				");\n", e->f[0], req);
		else
			fprintf(f, "\tr = uring_wait(&ring%" PRIu64 ", %" PRIu64
				");\n", e->f[0], req);
		snprintf(p1, sizeof(p1), "%s request %" PRIu64,
			 s ? iorr_op_get(s->op)->name : "?", req);
		if (!(s && iorr_op_get(s->op)->cls == IORR_CLASS_READ &&
		      cap_find(g, e->seq)))
			fprintf(f, "\tres(%" PRIu64 ", \"%s\", r, %" PRId64
				", 0);\n", e->seq, p1, e->result);
		if (s && iorr_op_get(s->op)->cls == IORR_CLASS_READ) {
			snprintf(v2, sizeof(v2), "rq[%" PRIu64 "].buf", req);
			read_check(g, f, e, e->seq, sfile, fs(s, "off"), v2);
		}
		fprintf(f, "\tfree(rq[%" PRIu64 "].mem);\n", req);
		break;
	}
	case IORR_OP_uring_setup:
		flags_code(IORR_XLAT_IORING_SETUP, e->f[2], fl, sizeof(fl));
		fprintf(f, "\tr = io_uring_queue_init(%" PRIu64 ", &ring%" PRIu64
			", %s);\n", e->f[1], e->f[0], fl);
		want_raw(f, "io_uring_queue_init", e->seq, e, "r");
		break;
	case IORR_OP_uring_exit:
		fprintf(f, "\tio_uring_queue_exit(&ring%" PRIu64 ");\n",
			e->f[0]);
		break;
	default:
		return refuse(g, e, NULL);
	}
	return 0;
}

/* Code of a scheduled event; the check of its result passes the turn. */
static int step_code(struct gen *g, FILE *f, uint32_t i)
{
	char *body = NULL;
	size_t blen = 0;
	FILE *m = open_memstream(&body, &blen);
	int k, checks = 0;

	if (!m)
		return -ENOMEM;
	k = event_code(g, m, i);
	fclose(m);
	for (const char *l = body; l && (l = strchr(l, '\n')); l++)
		checks += !strncmp(l, "\n\tres(", 6) ||
			  !strncmp(l, "\n\tsame(", 7) ||
			  !strncmp(l, "\n\tsame_hash(", 12);
	if (!k && checks > 1)
		k = refuse(g, g->ev[i].e, "more than one check in a step");
	if (!k)
		fprintf(f, "%s%s", body, checks ? "" : "\tnext();\n");
	free(body);
	return k;
}

static const char *helpers_vars =
"static const char *dir;\t\t/* argv[1] stands for the recorded directory */\n"
"static int fails;\t\t/* differences found */\n"
"static unsigned turn;\t\t/* the step that may issue its call now */\n"
"#define ANY_FD (-1000L)\t\t/* any fd: the number may differ */\n";

static const char *helper_p =
"\nstatic const char *P(const char *name)\t/* DIR/name */\n"
"{\n"
"\tstatic __thread char b[4096];\n"
"\n"
"\tsnprintf(b, sizeof(b), \"%s/%s\", dir, name);\n"
"\treturn b;\n"
"}\n";

static const char *helper_p2 =
"\nstatic const char *P2(const char *name)\t/* a call's second path */\n"
"{\n"
"\tstatic __thread char b[4096];\n"
"\n"
"\tsnprintf(b, sizeof(b), \"%s/%s\", dir, name);\n"
"\treturn b;\n"
"}\n";

static const char *helper_step =
"\n/* One call at a time, in the schedule's order: wait for turn k */\n"
"static void step(unsigned k)\n"
"{\n"
"\tunsigned t;\n"
"\n"
"\twhile ((t = __atomic_load_n(&turn, __ATOMIC_ACQUIRE)) != k)\n"
"\t\tsyscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, t, NULL, NULL, 0);\n"
"}\n"
"\n"
"static void next(void)\t/* pass the turn on */\n"
"{\n"
"\t__atomic_fetch_add(&turn, 1, __ATOMIC_RELEASE);\n"
"\tsyscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);\n"
"}\n";

static const char *helper_res =
"\n/* Call seq returned r (errno if -1), recorded want (werr); next turn */\n"
"static void res(unsigned long seq, const char *call, long r, long want,\n"
"\t\tint werr)\n"
"{\n"
"\tint e = r == -1 ? errno : 0;\n"
"\n"
"\tif ((want == ANY_FD ? r < 0 : r != want || e != werr) && fails++ < 20)\n"
"\t\tprintf(\"DIFF seq %lu %s: returned %ld %s, recorded %s%ld %s\\n\",\n"
"\t\t       seq, call, r, e ? strerror(e) : \"\", want == ANY_FD ?\n"
"\t\t       \"an fd \" : \"\", want, werr ? strerror(werr) : \"\");\n"
"\tnext();\n"
"}\n";

static const char *helper_same =
"\n/* A read of seq (0: a final file) got r bytes: the n recorded ones? */\n"
"static void same(unsigned long seq, const char *file, long off,\n"
"\t\t const unsigned char *got, long r, const void *want, long n)\n"
"{\n"
"\tconst unsigned char *w = want;\n"
"\tlong k = 0;\n"
"\tchar at[4200];\n"
"\n"
"\twhile (k < r && k < n && got[k] == w[k])\n"
"\t\tk++;\n"
"\tif (seq)\n"
"\t\tsnprintf(at, sizeof(at), \"seq %lu read of %s at %ld\", seq, file, off);\n"
"\telse\n"
"\t\tsnprintf(at, sizeof(at), \"final %s\", file);\n"
"\tif (r != n && fails++ < 20)\n"
"\t\tprintf(\"DIFF %s: returned %ld , recorded %ld\\n\", at, r, n);\n"
"\tif (k < r && k < n && fails++ < 20)\n"
"\t\tprintf(\"DIFF %s: byte %ld is 0x%02x, expected 0x%02x\\n\", at, k,\n"
"\t\t       got[k], w[k]);\n"
"\tif (seq)\n"
"\t\tnext();\n"
"}\n";

static const char *helper_abuf =
"\n/* n bytes at an address that is off modulo 4096, as recorded */\n"
"static unsigned char *abuf(void **mem, size_t n, size_t off)\n"
"{\n"
"\tif (posix_memalign(mem, 4096, n + 4096)) {\n"
"\t\tperror(\"posix_memalign\");\n"
"\t\texit(2);\n"
"\t}\n"
"\treturn (unsigned char *)*mem + off;\n"
"}\n";

static const char *helper_getbuf =
"\n/* A thread's buffers: B for its calls, W for expected bytes */\n"
"static __thread struct buf {\n"
"\tvoid *mem;\n"
"\tsize_t cap;\n"
"} B, W;\n"
"\n"
"/* n bytes at an address off modulo 4096, as recorded */\n"
"static unsigned char *getbuf(struct buf *b, size_t n, size_t off)\n"
"{\n"
"\tif (n > b->cap && (free(b->mem), b->cap = n,\n"
"\t\t\t    posix_memalign(&b->mem, 4096, n + 4096)))\n"
"\t\texit(2);\n"
"\treturn (unsigned char *)b->mem + off;\n"
"}\n";

static const char *helper_pattern =
"\n/* n bytes of a p-byte pattern repeated */\n"
"static void pattern(unsigned char *b, size_t n, const char *pat, size_t p)\n"
"{\n"
"\tfor (size_t k = 0; k < n; k++)\n"
"\t\tb[k] = (unsigned char)pat[k % p];\n"
"}\n";

static const char *helper_hash =
"\n/* FNV-1a 64 */\n"
"static unsigned long long fnv1a(const unsigned char *b, size_t n)\n"
"{\n"
"\tunsigned long long h = 0xcbf29ce484222325ull;\n"
"\n"
"\tfor (size_t k = 0; k < n; k++)\n"
"\t\th = (h ^ b[k]) * 0x100000001b3ull;\n"
"\treturn h;\n"
"}\n"
"\n"
"/* A read too large to embed: compared by hash */\n"
"static void same_hash(unsigned long seq, const char *file,\n"
"\t\t      const unsigned char *got, long r, unsigned long long want,\n"
"\t\t      long n)\n"
"{\n"
"\tif (r == n && fnv1a(got, (size_t)n) != want && fails++ < 20)\n"
"\t\tprintf(\"DIFF seq %lu read of %s: content hash %016llx, \"\n"
"\t\t       \"expected %016llx\\n\", seq, file, fnv1a(got, n), want);\n"
"\tres(seq, \"read\", r, n, 0);\n"
"}\n";

static const char *helper_delay =
"\nstatic void pause_ns(long ns)\n"
"{\n"
"\tstruct timespec ts = { ns / 1000000000L, ns % 1000000000L };\n"
"\n"
"\twhile (nanosleep(&ts, &ts) < 0 && errno == EINTR)\n"
"\t\t;\n"
"}\n";

static const char *helper_async =
"\n/* Asynchronous requests, by the trace's request id. */\n"
"struct req {\n"
"\tvoid *mem;\n"
"\tunsigned char *buf;\n"
"\tint submitted, done;\n"
"\tlong res;\n"
"%s"
"};\n";

static const char *helper_submitted =
"\n/* The first r of the n requests ids[] went to the kernel. */\n"
"static void submitted(long r, const int *ids, int n)\n"
"{\n"
"\tfor (int k = 0; k < n && k < r; k++)\n"
"\t\trq[ids[k]].submitted = 1;\n"
"}\n";

static const char *helper_aio =
"\n/* Wait for request id of ctx (others that complete are kept). */\n"
"static long aio_wait(io_context_t ctx, int id)\n"
"{\n"
"\tstruct io_event ev[16];\n"
"\n"
"\twhile (!rq[id].done) {\n"
"\t\tif (!rq[id].submitted)\n"
"\t\t\treturn -ECANCELED;\t/* never submitted */\n"
"\t\tint n = io_getevents(ctx, 1, 16, ev, NULL);\n"
"\n"
"\t\tif (n == -EINTR)\n"
"\t\t\tcontinue;\n"
"\t\tif (n < 0)\n"
"\t\t\treturn n;\n"
"\t\tfor (int k = 0; k < n; k++) {\n"
"\t\t\tstruct req *q = ev[k].data;\n"
"\n"
"\t\t\tq->done = 1;\n"
"\t\t\tq->res = (long)ev[k].res;\n"
"\t\t}\n"
"\t}\n"
"\treturn rq[id].res;\n"
"}\n";

static const char *helper_uring =
"\n/* Wait for request id of ring (user_data is the id). */\n"
"static long uring_wait(struct io_uring *ring, int id)\n"
"{\n"
"\tstruct io_uring_cqe *cqe;\n"
"\n"
"\twhile (!rq[id].done) {\n"
"\t\tif (!rq[id].submitted)\n"
"\t\t\treturn -ECANCELED;\t/* never submitted */\n"
"\t\tint k = io_uring_wait_cqe(ring, &cqe);\n"
"\n"
"\t\tif (k == -EINTR)\n"
"\t\t\tcontinue;\n"
"\t\tif (k < 0)\n"
"\t\t\treturn k;\n"
"\t\trq[cqe->user_data].done = 1;\n"
"\t\trq[cqe->user_data].res = cqe->res;\n"
"\t\tio_uring_cqe_seen(ring, cqe);\n"
"\t}\n"
"\treturn rq[id].res;\n"
"}\n";

static const char *helper_final =
"\n/* DIR/name must hold the n bytes want, with the mode recorded. */\n"
"static void final_file(const char *name, unsigned mode, const void *want,\n"
"\t\t       long n)\n"
"{\n"
"\tunsigned char *got = malloc(n + 1);\n"
"\tint fd = open(P(name), O_RDONLY);\n"
"\tlong r = fd < 0 ? -1 : read(fd, got, n + 1);\n"
"\tstruct stat st;\n"
"\n"
"\tif (fd >= 0 && !fstat(fd, &st) && (st.st_mode & 07777) != mode &&\n"
"\t    ++fails)\n"
"\t\tprintf(\"DIFF final %s: mode %o, expected %o\\n\", name,\n"
"\t\t       (unsigned)st.st_mode & 07777, mode);\n"
"\tsame(0, name, 0, got, r, want, n);\t/* seq 0: the final content */\n"
"\tif (fd >= 0)\n"
"\t\tclose(fd);\n"
"\tfree(got);\n"
"}\n";

static const char *helper_gone =
"\nstatic void final_gone(const char *name)\n"
"{\n"
"\tstruct stat st;\n"
"\n"
"\tif (lstat(P(name), &st) == 0) {\n"
"\t\tfails++;\n"
"\t\tprintf(\"DIFF final %s: exists, expected absent\\n\", name);\n"
"\t}\n"
"}\n";

static const char *helper_mkdirs =
"\n/* mkdir -p DIR/name */\n"
"static void mkdirs(const char *name)\n"
"{\n"
"\tchar p[4096];\n"
"\n"
"\tsnprintf(p, sizeof(p), \"%s/%s\", dir, name);\n"
"\tfor (char *s = p + 1;; s++) {\n"
"\t\tif (*s && *s != '/')\n"
"\t\t\tcontinue;\n"
"\t\tchar c = *s;\n"
"\n"
"\t\t*s = '\\0';\n"
"\t\tif (mkdir(p, 0755) < 0 && errno != EEXIST) {\n"
"\t\t\tperror(p);\n"
"\t\t\texit(2);\n"
"\t\t}\n"
"\t\tif (!(*s = c))\n"
"\t\t\tbreak;\n"
"\t}\n"
"}\n";

/* DIR/@rp as a directory: a mkdir, or mkdirs() for a deeper one */
static void mkdirs_code(FILE *f, const char *rp)
{
	if (strchr(rp, '/'))
		fprintf(f, "\tmkdirs(\"%s\");\n", rp);
	else
		fprintf(f, "\tmkdir(P(\"%s\"), 0755);\n", rp);
}

/* Is @p (absolute) created by a successful mkdir of the trace? */
static bool trace_makes(struct gen *g, const char *p)
{
	for (uint32_t i = 0; i < g->nev; i++) {
		const struct iorr_event *e = g->ev[i].e;

		if (e->op != IORR_OP_mkdir || e->result != 0)
			continue;
		char *q = norm(g->cwd[i], iorr_reader_path(g->r,
							   (uint32_t)e->f[0]));
		bool same = q && !strcmp(q, p);

		free(q);
		if (same)
			return true;
	}
	return false;
}

/* mkdirs() of the parent of @p unless the trace makes it. */
static void parent_dirs(struct gen *g, FILE *f, const char *p, char ***done,
			size_t *ndone)
{
	char *par = parent(p);

	if (!par)
		return;
	/* the deepest ancestor under the base the trace does not create */
	while (strlen(par) > strlen(g->base) && trace_makes(g, par)) {
		char *pp = parent(par);

		free(par);
		par = pp;
		if (!par)
			return;
	}
	if (strlen(par) <= strlen(g->base) ||
	    strncmp(par, g->base, strlen(g->base))) {
		free(par);
		return;
	}
	for (size_t k = 0; k < *ndone; k++)
		if (!strcmp((*done)[k], par)) {
			free(par);
			return;
		}
	char **nd = realloc(*done, (*ndone + 1) * sizeof(*nd));

	if (!nd) {
		free(par);
		return;
	}
	*done = nd;
	nd[(*ndone)++] = par;
	mkdirs_code(f, rel(g, par));
}

/* setup(): the recorded initial state. */
static int setup_code(struct gen *g, FILE *f)
{
	const char *cwd0 = iorr_replay_cwd(g->rp);
	char **done = NULL;
	size_t ndone = 0;

	FILE *out = f;
	char *body = NULL;
	size_t blen = 0;

	f = open_memstream(&body, &blen);
	if (!f)
		return -ENOMEM;
	fprintf(f, "\tumask(0%o);\t/* the recording's */\n",
		iorr_replay_umask(g->rp));
	for (size_t k = 0; k < iorr_reader_nstates(g->r, IORR_STATE_INITIAL);
	     k++) {
		const struct iorr_file_state *st = iorr_reader_state(
			g->r, IORR_STATE_INITIAL, k);
		char *p = norm(cwd0, iorr_reader_path(g->r, st->path));

		if (!p)
			return -ENOMEM;
		if (!(st->flags & IORR_FS_EXISTS) ||
		    strncmp(p, g->base, strlen(g->base)) || !strcmp(p, g->base)) {
			free(p);
			continue;
		}
		const char *rp = rel(g, p);

		if (S_ISDIR(st->mode)) {
			mkdirs_code(f, rp);
			fprintf(f, "\tchmod(P(\"%s\"), 0%o);\n", rp,
				st->mode & 07777);
		} else if (S_ISLNK(st->mode) && st->link) {
			parent_dirs(g, f, p, &done, &ndone);
			fprintf(f, "\tif (symlink(\"%s\", P(\"%s\")) < 0)\n"
				"\t\tperror(P(\"%s\"));\n", st->link, rp, rp);
		} else if (S_ISREG(st->mode)) {
			if (st->flags & IORR_FS_CONTENT_MISSING) {
				free(p);
				snprintf(g->errbuf, sizeof(g->errbuf),
					 "%s: the trace lacks its initial "
					 "content", rp);
				return -ENOTSUP;
			}
			parent_dirs(g, f, p, &done, &ndone);
			fprintf(f, "\tfd = open(P(\"%s\"), O_WRONLY | O_CREAT | "
				"O_TRUNC, 0%o);\n", rp, st->mode & 07777);
			fprintf(f, "\tif (fd < 0 || fchmod(fd, 0%o) < 0 || "
				"ftruncate(fd, %" PRIu64 ") < 0) {\n"
				"\t\tperror(P(\"%s\"));\n\t\texit(2);\n\t}\n",
				st->mode & 07777, st->size, rp);
			for (uint32_t x = 0; x < st->nextents; x++) {
				const struct iorr_extent *ex = &st->extents[x];
				const struct iorr_blob *bl = iorr_reader_blob(
					g->r, ex->blob);

				if (!bl || !bl->data) {
					free(p);
					snprintf(g->errbuf, sizeof(g->errbuf),
						 "%s: hash-only initial "
						 "content", rp);
					return -ENOTSUP;
				}
				fprintf(f, "\tb = getbuf(&B, %" PRIu64 ", 0);\n",
					ex->len);
				fill_code(g, f, "\t", "b", bl->data,
					  (size_t)ex->len);
				fprintf(f, "\tif (pwrite(fd, b, %" PRIu64 ", %"
					PRIu64 ") != %" PRIu64 ") {\n"
					"\t\tperror(P(\"%s\"));\n\t\texit(2);\n"
					"\t}\n", ex->len, ex->off, ex->len, rp);
			}
			fprintf(f, "\tclose(fd);\n");
		}
		free(p);
	}
	/* directories the recorded paths lived in */
	for (uint32_t i = 0; i < g->nev; i++) {
		const struct iorr_event *e = g->ev[i].e;
		const struct iorr_op_desc *d = iorr_op_get(e->op);

		for (unsigned k = 0; k < d->nfields; k++) {
			if (d->fields[k].type != IORR_FT_PATH ||
			    e->op == IORR_OP_proc_start ||
			    !strcmp(d->fields[k].name, "target"))
				continue;
			char *p = norm(g->cwd[i], iorr_reader_path(
					       g->r, (uint32_t)e->f[k]));

			if (p && e->op == IORR_OP_chdir && !trace_makes(g, p)) {
				char *q;

				if (asprintf(&q, "%s/x", p) > 0) {
					parent_dirs(g, f, q, &done, &ndone);
					free(q);
				}
			} else if (p) {
				parent_dirs(g, f, p, &done, &ndone);
			}
			free(p);
		}
	}
	for (size_t k = 0; k < ndone; k++)
		free(done[k]);
	free(done);
	fclose(f);
	fprintf(out, "\n/* The initial state the trace recorded. */\n"
		"static void setup(void)\n{\n");
	if (strstr(body, "getbuf("))
		fprintf(out, "\tunsigned char *b;\n");
	if (strstr(body, "fd = "))
		fprintf(out, "\tint fd;\n");
	fprintf(out, "%s%s}\n", strstr(body, "getbuf(") ||
		strstr(body, "fd = ") ? "\n" : "", body);
	free(body);
	return 0;
}

/* check_final(): every touched file as the faithful replay left it. */
static int final_code(struct gen *g, FILE *f)
{
	const char *cwd0 = iorr_replay_cwd(g->rp);

	FILE *out = f;
	char *body = NULL;
	size_t blen = 0;

	f = open_memstream(&body, &blen);
	if (!f)
		return -ENOMEM;
	for (size_t k = 0; k < iorr_reader_nstates(g->r, IORR_STATE_FINAL);
	     k++) {
		const struct iorr_file_state *st = iorr_reader_state(
			g->r, IORR_STATE_FINAL, k);
		char *p = norm(cwd0, iorr_reader_path(g->r, st->path));

		if (!p)
			return -ENOMEM;
		if (strncmp(p, g->base, strlen(g->base)) ||
		    !strcmp(p, g->base)) {
			free(p);
			continue;
		}
		const char *rp = rel(g, p);

		if (!(st->flags & IORR_FS_EXISTS)) {
			fprintf(f, "\tfinal_gone(\"%s\");\n", rp);
		} else if (S_ISREG(st->mode)) {
			uint8_t *b;
			size_t n;
			int x = iorr_replay_read_file(g->rp, p, &b, &n);

			if (x < 0) {
				snprintf(g->errbuf, sizeof(g->errbuf),
					 "%s: cannot read the replayed file: "
					 "%s", rp, strerror(-x));
				free(p);
				return x;
			}
			if (n <= 128) {
				fprintf(f, "\tfinal_file(\"%s\", 0%o, ", rp,
					st->mode & 07777);
				put_lit(f, b, n, "\t\t");
				fprintf(f, ", %zu);\n", n);
			} else {
				fprintf(f, "\tw = getbuf(&W, %zu, 0);\n", n);
				fill_code(g, f, "\t", "w", b, n);
				fprintf(f, "\tfinal_file(\"%s\", 0%o, w, %zu);\n",
					rp, st->mode & 07777, n);
			}
			free(b);
		}
		free(p);
	}
	fclose(f);
	bool uw = strstr(body, "getbuf(") != NULL;

	fprintf(out, "\n/* The final state of every touched file. */\n"
		"static void check_final(void)\n{\n%s%s}\n",
		uw ? "\tunsigned char *w;\n\n" : "", body);
	free(body);
	return 0;
}

static int thread_code(struct gen *g, FILE *f, uint32_t t, bool main)
{
	char tn[48], *body = NULL;
	size_t blen = 0;
	FILE *b = open_memstream(&body, &blen);
	int k = 0;

	if (!b)
		return -ENOMEM;
	g->buf_off = g->buf_len = UINT64_MAX;
	g->buf_len = 0;
	for (uint32_t i = 0; i < g->nev && !k; i++) {
		const struct iorr_event *e = g->ev[i].e;

		if (e->thread != t)
			continue;
		if (e->op == IORR_OP_aio_getevents && (e->err ||
						       e->result < 0)) {
			char eb[32];

			ev_comment(g, b, e);
			fprintf(b, "\t/* io_getevents returned %s when recorded:"
				" nothing to reissue */\n\n",
				errname(e->err ? e->err : (uint32_t)-e->result,
					eb, sizeof(eb)));
		}
		if (g->ev[i].step != NONE32)
			k = step_code(g, b, i);
	}
	fclose(b);
	if (k < 0) {
		free(body);
		return k;
	}
	bool ub = strstr(body, "b = getbuf(&B") != NULL;
	bool uw = strstr(body, "w = getbuf(&W") != NULL;

	tname(g, t, tn, sizeof(tn));
	fprintf(f, "\n/* Recorded thread %d%s. */\nstatic void *%s(void *arg)\n"
		"{\n", iorr_reader_thread(g->r, t)->tid, main ? " (main)" : "",
		tn);
	if (ub)
		fprintf(f, "\tunsigned char *b;\n");
	if (uw)
		fprintf(f, "\tunsigned char *w;\n");
	if (strstr(body, "sqe"))
		fprintf(f, "\tstruct io_uring_sqe *sqe;\n");
	if (strstr(body, "r = ") || strstr(body, ", r,"))
		fprintf(f, "\tlong r;\n");
	fprintf(f, "\n%s", body);
	fprintf(f, "\treturn NULL;\n}\n");
	free(body);
	return 0;
}

/* Helper functions of the program, emitted when the code calls them. */
struct helper {
	const char *name;	/* "name(" is searched for */
	const char *text;
};

static int c_program(struct gen *g, FILE *out, const char *cmdline,
		     const struct iorr_replay_opts *o)
{
	char *body = NULL, *setup = NULL;
	size_t blen = 0, slen = 0;
	FILE *f = open_memstream(&body, &blen);
	FILE *s = open_memstream(&setup, &slen);
	uint32_t nthreads = iorr_reader_nthreads(g->r), main_t = NONE32;
	int k = 0;

	if (!f || !s)
		return -ENOMEM;
	for (uint32_t i = 0; i < g->nev && main_t == NONE32; i++)
		main_t = g->ev[i].e->thread;
	/* every other thread must be created by a recorded pthread_create */
	for (uint32_t t = 0; t < nthreads; t++) {
		bool created = t == main_t, used = false;

		for (uint32_t i = 0; i < g->nev; i++) {
			if (g->ev[i].e->thread == t)
				used = true;
			if (g->ev[i].e->op == IORR_OP_thread_create &&
			    g->ev[i].e->f[0] == t)
				created = true;
		}
		if (used && !created) {
			snprintf(g->errbuf, sizeof(g->errbuf), "thread %d: "
				 "started without a recorded pthread_create",
				 iorr_reader_thread(g->r, t)->tid);
			k = -ENOTSUP;
			goto out;
		}
	}
	for (uint32_t t = 0; t < nthreads && !k; t++) {
		bool used = false;

		for (uint32_t i = 0; i < g->nev; i++)
			used |= g->ev[i].e->thread == t;
		if (used && t != main_t)
			k = thread_code(g, f, t, false);
	}
	if (!k && main_t != NONE32)
		k = thread_code(g, f, main_t, true);
	if (!k)
		k = setup_code(g, s);
	if (!k)
		k = final_code(g, s);
	fclose(f);
	fclose(s);
	f = s = NULL;
	if (k)
		goto out;

	/* header */
	fprintf(out, "/*\n * Reproducer generated by iorr export-c from %s\n"
		" * (%s).\n", g->trace, cmdline);
	fprintf(out, " * Schedule: %s", o->order == IORR_ORDER_RECORDED ?
		"the recorded order" : o->order == IORR_ORDER_RANDOM ?
		"seeded random order" : "seeded PCT order");
	if (o->order != IORR_ORDER_RECORDED || o->jitter != IORR_JITTER_NONE)
		fprintf(out, ", seed %" PRIu64, o->seed);
	fprintf(out, "; one call at a time.\n"
		" * cc -o repro repro.c%s%s -lpthread && ./repro DIR  (DIR: the "
		"recorded %s)\n"
		" * Exit 0: as recorded; 1: differences (DIFF lines); 2: setup "
		"failed.\n */\n", g->use_uring ? " -luring" : "",
		g->use_aio ? " -laio" : "", g->base);
	fprintf(out, "#define _GNU_SOURCE\n#include <errno.h>\n#include "
		"<fcntl.h>\n#include <limits.h>\n#include <linux/futex.h>\n"
		"#include <pthread.h>\n#include <stdio.h>\n#include <stdlib.h>\n"
		"#include <string.h>\n");
	if (strstr(body, "flock("))
		fprintf(out, "#include <sys/file.h>\n");
	fprintf(out, "#include <sys/stat.h>\n#include <sys/syscall.h>\n");
	if (g->use_iov)
		fprintf(out, "#include <sys/uio.h>\n");
	if (g->use_delay)
		fprintf(out, "#include <time.h>\n");
	fprintf(out, "#include <unistd.h>\n");
	if (g->use_aio)
		fprintf(out, "#include <libaio.h>\n");
	if (g->use_uring)
		fprintf(out, "#include <liburing.h>\n");
	/* globals */
	char *glob = NULL;
	size_t glen = 0;
	FILE *gf = open_memstream(&glob, &glen);

	if (!gf) {
		k = -ENOMEM;
		goto out;
	}
	if (g->use_aio || g->use_uring) {
		fprintf(gf, helper_async, g->use_aio ? "\tstruct iocb cb;\n" :
			"");
		fprintf(gf, "static struct req rq[%" PRIu64 "];\n",
			g->maxreq + 1);
	}
	for (size_t k2 = 0; k2 < g->nctxs; k2++)
		fprintf(gf, "static io_context_t ctx%" PRIu64 ";\n",
			g->ctxs[k2]);
	for (size_t k2 = 0; k2 < g->nrings; k2++)
		fprintf(gf, "static struct io_uring ring%" PRIu64 ";\n",
			g->rings[k2]);
	/* iovecs of async requests live until completion */
	for (uint32_t i = 0; i < g->nev; i++)
		if (g->ev[i].call != NONE32 && g->ev[i].e->nvec)
			fprintf(gf, "static struct iovec iov_%" PRId64
				"[%u];\n", fs(g->ev[i].e, "req"),
				g->ev[i].e->nvec);
	if (g->nfds) {
		fprintf(gf, "static int");
		for (size_t k2 = 0; k2 < g->nfds; k2++)
			fprintf(gf, "%s fd%d = -1", k2 ? "," : "",
				g->fds[k2]);
		fprintf(gf, ";\t/* the recorded fds */\n");
	}
	fclose(gf);
	fprintf(out, "\n%s%s", helpers_vars, glob);
	/* helpers in dependency order: one used by a later one comes first */
	const struct helper hs[] = {
		{ "P", helper_p }, { "P2", helper_p2 },
		{ "step", helper_step }, { "res", helper_res },
		{ "same", helper_same }, { "abuf", helper_abuf },
		{ "getbuf", helper_getbuf }, { "pattern", helper_pattern },
		{ "same_hash", helper_hash }, { "pause_ns", helper_delay },
		{ "submitted", helper_submitted }, { "aio_wait", helper_aio },
		{ "uring_wait", helper_uring }, { "final_file", helper_final },
		{ "final_gone", helper_gone }, { "mkdirs", helper_mkdirs },
	};
	size_t nh = sizeof(hs) / sizeof(hs[0]);
	bool used[sizeof(hs) / sizeof(hs[0])] = { 0 };
	char pat[64];

	/* a helper is used when the code or a used helper calls it */
	for (int pass = 0; pass < 3; pass++)
		for (size_t h = 0; h < nh; h++) {
			snprintf(pat, sizeof(pat), "%s(", hs[h].name);
			used[h] |= strstr(body, pat) || strstr(setup, pat);
			for (size_t h2 = 0; h2 < nh; h2++)
				if (used[h2] && h2 != h &&
				    strstr(hs[h2].text, pat))
					used[h] = true;
		}
	/* "P(" is also in "P2(": P2 only when the code has it */
	for (size_t h = 0; h < nh; h++) {
		const char *t = hs[h].text, *w = strstr(t, "} B, W;");

		if (!used[h])
			continue;
		if (w && !strstr(body, "&W") && !strstr(setup, "&W"))
			/* no expected bytes in a buffer: W unused */
			fprintf(out, "%.*s} B;%s", (int)(w - t), t, w + 7);
		else
			fputs(t, out);
	}
	free(glob);
	unsigned nth = 0;

	for (uint32_t t = 0; t < nthreads; t++)
		if (t != main_t)
			for (uint32_t i = 0; i < g->nev; i++)
				if (g->ev[i].e->op == IORR_OP_thread_create &&
				    g->ev[i].e->f[0] == t) {
					fprintf(out, "%s th_%d", nth++ ?
						"," : "static pthread_t",
						iorr_reader_thread(g->r, t)->tid);
					break;
				}
	if (nth)
		fprintf(out, ";\n");
	fputs(setup, out);
	fputs(body, out);
	char tn[48];

	fprintf(out, "\nint main(int argc, char **argv)\n{\n"
		"\tif (argc != 2) {\n\t\tfprintf(stderr, \"usage: %%s DIR\\n\", "
		"argv[0]);\n\t\treturn 2;\n\t}\n"
		"\t/* absolute: the recorded calls may chdir */\n"
		"\tif ((mkdir(argv[1], 0755) < 0 && errno != EEXIST) ||\n"
		"\t    !(dir = realpath(argv[1], NULL))) {\n"
		"\t\tperror(argv[1]);\n\t\treturn 2;\n\t}\n"
		"\tsetup();\n");
	/* every thread starts now and waits for its turns */
	for (uint32_t t = 0; t < nthreads; t++) {
		if (t == main_t)
			continue;
		for (uint32_t i = 0; i < g->nev; i++)
			if (g->ev[i].e->op == IORR_OP_thread_create &&
			    g->ev[i].e->f[0] == t) {
				tname(g, t, tn, sizeof(tn));
				fprintf(out, "\tif (pthread_create(&th_%s, NULL, "
					"%s, NULL))\n\t\treturn 2;\n", tn + 7,
					tn);
				break;
			}
	}
	uint32_t nsteps = 0;

	for (uint32_t i = 0; i < g->nev; i++)
		nsteps += g->ev[i].step != NONE32;
	fprintf(out, "\t%s(NULL);\n\tstep(%u);\t/* every call issued */\n"
		"\tcheck_final();\n"
		"\tif (fails) {\n\t\tprintf(\"DIVERGED: %%d differences\\n\", "
		"fails);\n\t\treturn 1;\n\t}\n"
		"\tprintf(\"OK: every result, read and final file as "
		"expected\\n\");\n\treturn 0;\n}\n",
		main_t == NONE32 ? "(void)" : tname(g, main_t, tn, sizeof(tn)),
		nsteps);
out:
	if (f)
		fclose(f);
	if (s)
		fclose(s);
	free(body);
	free(setup);
	return k;
}

/* ---- fio iolog ---------------------------------------------------------- */

static int fio_log(struct gen *g, FILE *out)
{
	struct { int64_t fd; char name[1024]; int64_t pos; bool open; }
		*fdt = calloc(1024, sizeof(*fdt));
	char **files = NULL;
	size_t nfiles = 0;

	if (!fdt)
		return -ENOMEM;
	/* files first: every path a successful open named */
	for (uint32_t i = 0; i < g->nev; i++) {
		const struct iorr_event *e = g->ev[i].e;

		if ((e->op != IORR_OP_open && e->op != IORR_OP_openat &&
		     e->op != IORR_OP_creat && e->op != IORR_OP_fopen) ||
		    e->result < 0 || e->err)
			continue;
		char p[1024];

		path_of(g, i, "path", p, sizeof(p));
		bool seen = false;

		for (size_t k = 0; k < nfiles; k++)
			seen |= !strcmp(files[k], p);
		if (!seen) {
			char **nf = realloc(files, (nfiles + 1) * sizeof(*nf));

			if (!nf)
				break;
			files = nf;
			files[nfiles++] = strdup(p);
		}
	}
	fprintf(out, "fio version 3 iolog\n");
	for (size_t k = 0; k < nfiles; k++)
		fprintf(out, "0 %s add\n", files[k]);
	for (uint32_t i = 0; i < g->nev; i++) {
		const struct iorr_event *e = g->ev[i].e;
		const struct iorr_op_desc *d = iorr_op_get(e->op);
		uint64_t ms = (e->start_ns - g->t0) / 1000000;
		int64_t fd = has(e, "fd") ? fs(e, "fd") : -1;

		if (e->op == IORR_OP_aio_complete || e->op == IORR_OP_uring_cqe) {
			/* the request's I/O, as it completed */
			for (uint32_t j = 0; j < g->nev; j++) {
				const struct iorr_event *s = g->ev[j].e;

				if (g->ev[j].call == NONE32 ||
				    s->f[0] != e->f[0] || s->f[1] != e->f[1])
					continue;
				d = iorr_op_get(s->op);
				fd = fs(s, "fd");
				if (fd < 0 || fd >= 1024 || !fdt[fd].open ||
				    e->result < 0)
					break;
				if (d->cls == IORR_CLASS_READ ||
				    d->cls == IORR_CLASS_WRITE) {
					if (e->result > 0)
						fprintf(out, "%" PRIu64 " %s %s %"
							PRId64 " %" PRId64 "\n",
							ms, fdt[fd].name,
							d->cls == IORR_CLASS_READ
							? "read" : "write",
							fs(s, "off"), e->result);
				} else if (d->cls == IORR_CLASS_SYNC) {
					fprintf(out, "%" PRIu64 " %s %s\n", ms,
						fdt[fd].name,
						s->op == IORR_OP_aio_fdsync ?
						"datasync" : "sync");
				}
				break;
			}
			continue;
		}
		if (d->kind != IORR_KIND_SYNC || e->result < 0 || e->err)
			continue;
		switch (e->op) {
		case IORR_OP_open:
		case IORR_OP_openat:
		case IORR_OP_creat:
		case IORR_OP_fopen:
			if (e->result < 1024) {
				path_of(g, i, "path", fdt[e->result].name,
					sizeof(fdt[0].name));
				fdt[e->result].open = true;
				fdt[e->result].pos = 0;
				fprintf(out, "%" PRIu64 " %s open\n", ms,
					fdt[e->result].name);
			}
			continue;
		default:
			break;
		}
		if (fd < 0 || fd >= 1024 || !fdt[fd].open)
			continue;
		const char *name = fdt[fd].name;

		switch (e->op) {
		case IORR_OP_close:
		case IORR_OP_fclose:
			fprintf(out, "%" PRIu64 " %s close\n", ms, name);
			fdt[fd].open = false;
			break;
		case IORR_OP_lseek:
			fdt[fd].pos = e->result;
			break;
		case IORR_OP_fseek:
			/* only the absolute form is followed */
			if (fs(e, "whence") == SEEK_SET)
				fdt[fd].pos = fs(e, "off");
			break;
		case IORR_OP_fsync:
			fprintf(out, "%" PRIu64 " %s sync\n", ms, name);
			break;
		case IORR_OP_fdatasync:
			fprintf(out, "%" PRIu64 " %s datasync\n", ms, name);
			break;
		case IORR_OP_fallocate:
			if (fs(e, "mode") & FALLOC_FL_PUNCH_HOLE)
				fprintf(out, "%" PRIu64 " %s trim %" PRId64 " %"
					PRId64 "\n", ms, name, fs(e, "off"),
					fs(e, "len"));
			break;
		default:
			if ((d->cls != IORR_CLASS_READ &&
			     d->cls != IORR_CLASS_WRITE) ||
			    (!has(e, "buf") && !has(e, "nmemb")) ||
			    e->result <= 0)
				break;
			int64_t off = has(e, "off") ? fs(e, "off") : -1;
			/* stdio counts items */
			int64_t n = e->result * (has(e, "nmemb") ?
						 fs(e, "size") : 1);

			if (off < 0) {
				off = fdt[fd].pos;
				fdt[fd].pos += n;
			}
			fprintf(out, "%" PRIu64 " %s %s %" PRId64 " %" PRId64
				"\n", ms, name, d->cls == IORR_CLASS_READ ?
				"read" : "write", off, n);
			break;
		}
	}
	for (size_t k = 0; k < 1024; k++)
		if (fdt[k].open)
			fprintf(out, "%" PRIu64 " %s close\n",
				(g->ev[g->nev - 1].e->end_ns - g->t0) / 1000000,
				fdt[k].name);
	for (size_t k = 0; k < nfiles; k++)
		free(files[k]);
	free(files);
	free(fdt);
	return 0;
}

/* ---- the command -------------------------------------------------------- */

static int load_events(struct gen *g, struct iorr_replay *rp, char *msg,
		       size_t len)
{
	uint64_t *seqs, *delays;
	size_t n;
	int k = iorr_replay_schedule(rp, 0, &seqs, &n, &delays, msg, len);

	if (k < 0)
		return k;
	g->ev = calloc(n ? n : 1, sizeof(*g->ev));
	if (!g->ev) {
		free(seqs);
		free(delays);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		g->ev[i].e = iorr_replay_event(rp, seqs[i]);
		g->ev[i].step = NONE32;
	}
	g->nev = (uint32_t)n;
	g->t0 = n ? g->ev[0].e->start_ns : 0;
	free(seqs);
	free(delays);
	return 0;
}

static int ev_by_seq(const struct gen *g, uint64_t seq)
{
	uint32_t lo = 0, hi = g->nev;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (g->ev[mid].e->seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->nev && g->ev[lo].e->seq == seq ? (int)lo : -1;
}

static int assign_steps(struct gen *g, const uint64_t *seqs,
			const uint64_t *delays, size_t n)
{
	uint32_t step = 0;

	for (size_t k = 0; k < n; k++) {
		int i = ev_by_seq(g, seqs[k]);

		if (i < 0)
			return -EINVAL;
		if (role_of(g->ev[i].e) != R_STEP)
			continue;
		/* -EINTR getevents and the like: nothing to issue */
		g->ev[i].step = step++;
		g->ev[i].delay = delays ? delays[k] : 0;
	}
	return 0;
}

int cmd_export_c(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'O' },
		{ "format", required_argument, NULL, 'f' },
		{ "order", required_argument, NULL, 'R' },
		{ "seed", required_argument, NULL, 'S' },
		{ "jitter", required_argument, NULL, 'J' },
		{ "flip-conflicts", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct iorr_replay_opts o = { .order = IORR_ORDER_RECORDED };
	struct iorr_replay_opts fo = { .order = IORR_ORDER_RECORDED };
	struct gen g = { 0 };
	struct iorr_replay *rp = NULL, *sp = NULL;
	const struct iorr_replay_report *rep;
	const char *outpath = NULL, *format = "c";
	char msg[1024];
	uint64_t *seqs = NULL, *delays = NULL;
	size_t nseq = 0;
	FILE *out = NULL;
	int c, k, ret = EXIT_ERROR;
	char *cmdline = cli_shell_quote_argv(argc, argv);

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			free(cmdline);
			return EXIT_OK;
		case 'R':
			if (cli_replay_parse_opt('o', optarg, &o) < 0)
				goto out;
			break;
		case 'o':
		case 'O':
			outpath = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'S':
		case 'J':
		case 'F':
			if (cli_replay_parse_opt(c, optarg, &o) < 0)
				goto out;
			break;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (optind != argc - 1) {
		cli_error("export-c: expected one TRACE (try 'iorr export-c "
			  "--help')");
		goto out;
	}
	if (!outpath) {
		cli_error("export-c: -o FILE is required");
		goto out;
	}
	if (strcmp(format, "c") && strcmp(format, "fio")) {
		cli_error("export-c: --format %s: expected c or fio", format);
		goto out;
	}
	if (o.order == IORR_ORDER_FREE) {
		cli_error("export-c: --order free: not supported yet (the "
			  "program issues one call at a time; use recorded, "
			  "random or pct:D)");
		goto out;
	}
	if (o.flip_conflicts && o.order == IORR_ORDER_RECORDED) {
		cli_error("--flip-conflicts: needs --order random or pct:D");
		goto out;
	}
	g.trace = argv[optind];
	pthread_mutex_init(&g.caps.lock, NULL);

	/* 0. ops the program cannot express: refused by name, up front */
	k = iorr_replay_load(g.trace, &rp, msg, sizeof(msg));
	if (k < 0) {
		cli_error("%s", msg);
		goto out;
	}
	k = load_events(&g, rp, msg, sizeof(msg));
	for (uint32_t i = 0; !k && i < g.nev; i++)
		if (role_of(g.ev[i].e) == R_REFUSE) {
			cli_error("export-c: %s: not supported yet",
				  iorr_op_get(g.ev[i].e->op)->name);
			goto out;
		}
	if (k < 0) {
		cli_error("export-c: %s: %s", g.trace, msg);
		goto out;
	}
	free(g.ev);
	g.ev = NULL;
	iorr_replay_free(rp);
	rp = NULL;

	/* 1. the faithful replay: expected results, reads, final files */
	fo.trace = g.trace;
	fo.quiet_limits = true;
	fo.read_hook = capture;
	fo.hook_arg = &g.caps;
	k = iorr_replay_prepare(&fo, &rp, msg, sizeof(msg));
	if (k < 0) {
		if (k == -ENOTSUP)
			cli_error("export-c: %s", msg);
		else
			cli_error("%s", msg);
		goto out;
	}
	k = iorr_replay_run(rp, &rep, msg, sizeof(msg));
	if (k < 0) {
		cli_error("export-c: %s: the faithful replay failed: %s",
			  g.trace, msg);
		goto out;
	}
	if (rep->ndiv || g.caps.err) {
		cli_error("export-c: %s: the trace does not replay faithfully "
			  "in recorded order (%" PRIu64 " divergences; see "
			  "'iorr replay %s'): no expected values to check "
			  "against", g.trace, rep->ndiv, g.trace);
		goto out;
	}
	qsort(g.caps.v, g.caps.n, sizeof(*g.caps.v), cap_cmp);
	g.rp = rp;
	g.r = iorr_replay_reader(rp);
	k = load_events(&g, rp, msg, sizeof(msg));
	if (k < 0) {
		cli_error("export-c: %s: %s", g.trace, msg[0] ? msg :
			  strerror(-k));
		goto out;
	}

	/* 2. the schedule: the issue order iorr replay uses for the seed */
	if (o.order != IORR_ORDER_RECORDED || o.jitter != IORR_JITTER_NONE) {
		struct iorr_replay_opts so = o;

		so.trace = g.trace;
		so.quiet_limits = true;
		k = iorr_replay_prepare(&so, &sp, msg, sizeof(msg));
		if (!k)
			k = iorr_replay_schedule(sp, o.seed, &seqs, &nseq,
						 &delays, msg, sizeof(msg));
	} else {
		k = iorr_replay_schedule(rp, 0, &seqs, &nseq, &delays, msg,
					 sizeof(msg));
	}
	if (k < 0) {
		cli_error("export-c: %s: %s", g.trace, msg);
		goto out;
	}
	k = analyze(&g);
	if (!k)
		k = assign_steps(&g, seqs, delays, nseq);
	if (k < 0) {
		if (k == -ENOTSUP)
			cli_error("export-c: %s: not supported yet", g.errbuf);
		else
			cli_error("export-c: %s: %s", g.trace, strerror(-k));
		goto out;
	}
	out = fopen(outpath, "w");
	if (!out) {
		cli_error("export-c: %s: %s", outpath, strerror(errno));
		goto out;
	}
	if (!strcmp(format, "fio"))
		k = fio_log(&g, out);
	else
		k = c_program(&g, out, cmdline, &o);
	if (k < 0) {
		if (k == -ENOTSUP)
			cli_error("export-c: %s: not supported yet", g.errbuf);
		else
			cli_error("export-c: %s: %s", g.trace, g.errbuf[0] ?
				  g.errbuf : strerror(-k));
		fclose(out);
		out = NULL;
		unlink(outpath);
		goto out;
	}
	if (fclose(out) != 0) {
		out = NULL;
		cli_error("export-c: %s: %s", outpath, strerror(errno));
		goto out;
	}
	out = NULL;
	ret = EXIT_OK;
out:
	if (out)
		fclose(out);
	free(seqs);
	free(delays);
	for (size_t i = 0; i < g.caps.n; i++)
		free(g.caps.v[i].b);
	free(g.caps.v);
	for (uint32_t i = 0; g.cwd && i < g.nev; i++)
		free(g.cwd[i]);
	free(g.cwd);
	for (uint32_t i = 0; g.file && i < g.nev; i++)
		free(g.file[i]);
	free(g.file);
	free(g.ev);
	free(g.base);
	free(g.fds);
	free(g.rings);
	free(g.ctxs);
	iorr_replay_free(sp);
	iorr_replay_free(rp);
	free(cmdline);
	return ret;
}
