/* SPDX-License-Identifier: MIT */
/*
 * iorr stat: counts, bytes and latency percentiles per op, per thread and
 * per file, from one pass over the trace; per I/O engine (libaio,
 * io_uring, synchronous calls) the queue depth over time and the latency
 * of requests from submission to completion.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <uthash.h>

#include "cli/cli.h"
#include "util/hist.h"

struct agg {
	uint64_t count, errors, bytes_read, bytes_written;
	struct hist lat;
};

struct file_agg {
	UT_hash_handle hh;
	uint32_t path;
	struct agg a;
};

/* (pid, fd) -> path id, so ops on fds are attributed to files. */
struct fd_key {
	int32_t pid;
	int32_t fd;
};

struct fd_ent {
	UT_hash_handle hh;
	struct fd_key key;
	uint32_t path;
};

/* A request in flight (by trace-wide request id). */
struct inflight {
	UT_hash_handle hh;
	uint64_t req;
};

struct qd_sample {
	uint64_t t, depth;
};

enum { ENG_SYNC, ENG_LIBAIO, ENG_URING, ENG__COUNT };
static const char *const eng_name[ENG__COUNT] = { "sync", "libaio",
						  "io_uring" };

/* Queue depth sampled at every submission and completion, and latency. */
struct engine {
	uint64_t submitted, completed, depth, depth_sum;
	struct hist qd, lat;
	struct inflight *live;
	struct qd_sample *s;
	size_t ns, cap;
};

#define QD_SERIES 20	/* buckets of the time series (--json) */

struct stat_ctx {
	struct engine eng[ENG__COUNT];
	struct agg ops[IORR_OP__COUNT];
	struct agg *threads;
	uint32_t nthreads;
	struct file_agg *files;
	struct fd_ent *fds;
	uint64_t events, t_first, t_last;
	int err;		/* -ENOMEM seen */
};

static void agg_add(struct agg *a, const struct iorr_event *ev,
		    uint64_t rd, uint64_t wr)
{
	a->count++;
	if (ev->err || (ev->result < 0 && ev->result > -4096 &&
			iorr_op_get(ev->op)->kind == IORR_KIND_COMPLETE))
		a->errors++;
	a->bytes_read += rd;
	a->bytes_written += wr;
	hist_add(&a->lat, ev->end_ns - ev->start_ns);
}

static int field(const struct iorr_event *ev, const char *name, uint64_t *v)
{
	int i = iorr_op_field_index(ev->op, name);

	if (i < 0)
		return -1;
	*v = ev->f[i];
	return 0;
}

static struct fd_ent *fdmap_find(struct stat_ctx *c, int32_t pid, int64_t fd)
{
	struct fd_key k = { pid, (int32_t)fd };
	struct fd_ent *e;

	HASH_FIND(hh, c->fds, &k, sizeof(k), e);
	return e;
}

static void fdmap_set(struct stat_ctx *c, int32_t pid, int64_t fd,
		      uint32_t path)
{
	struct fd_ent *e = fdmap_find(c, pid, fd);

	if (fd < 0 || fd > INT32_MAX)
		return;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e) {
			c->err = -ENOMEM;
			return;
		}
		e->key = (struct fd_key){ pid, (int32_t)fd };
		HASH_ADD(hh, c->fds, key, sizeof(e->key), e);
	}
	e->path = path;
}

static void fdmap_close(struct stat_ctx *c, int32_t pid, int64_t fd)
{
	struct fd_ent *e = fdmap_find(c, pid, fd);

	if (e) {
		HASH_DEL(c->fds, e);
		free(e);
	}
}

/* A forked child starts with a copy of its parent's descriptors. */
static void fdmap_fork(struct stat_ctx *c, int32_t parent, int32_t child)
{
	struct fd_ent *e, *t;

	HASH_ITER(hh, c->fds, e, t) {
		if (e->key.pid == parent)
			fdmap_set(c, child, e->key.fd, e->path);
	}
}

static struct file_agg *file_get(struct stat_ctx *c, uint32_t path)
{
	struct file_agg *f;

	HASH_FIND(hh, c->files, &path, sizeof(path), f);
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f) {
			c->err = -ENOMEM;
			return NULL;
		}
		f->path = path;
		HASH_ADD(hh, c->files, path, sizeof(f->path), f);
	}
	return f;
}

/* Track descriptors: opens, dups and closes that succeeded. */
static void track_fds(struct stat_ctx *c, const struct iorr_event *ev,
		      int32_t pid)
{
	uint64_t v, p;

	if (ev->err || ev->result < 0)
		return;
	switch (ev->op) {
	case IORR_OP_open:
	case IORR_OP_openat:
	case IORR_OP_openat2:
	case IORR_OP_creat:
	case IORR_OP_fopen:
		if (field(ev, "path", &p) == 0)
			fdmap_set(c, pid, ev->result, (uint32_t)p);
		break;
	case IORR_OP_fd_path:
		if (field(ev, "path", &p) == 0 && field(ev, "fd", &v) == 0)
			fdmap_set(c, pid, (int64_t)v, (uint32_t)p);
		break;
	case IORR_OP_dup:
	case IORR_OP_dup2:
	case IORR_OP_dup3: {
		struct fd_ent *e;

		if (field(ev, "oldfd", &v) == 0 &&
		    (e = fdmap_find(c, pid, (int64_t)v)))
			fdmap_set(c, pid, ev->result, e->path);
		break;
	}
	case IORR_OP_close:
	case IORR_OP_fclose:
		if (field(ev, "fd", &v) == 0)
			fdmap_close(c, pid, (int64_t)v);
		break;
	case IORR_OP_fork:
		fdmap_fork(c, pid, (int32_t)ev->result);
		break;
	default:
		break;
	}
}

/* Bytes a successful sync call moved: (read, written). */
static void sync_bytes(const struct iorr_event *ev, uint64_t *rd, uint64_t *wr)
{
	const struct iorr_op_desc *d = iorr_op_get(ev->op);
	uint64_t n = ev->result > 0 ? (uint64_t)ev->result : 0, size;

	*rd = *wr = 0;
	if (d->kind != IORR_KIND_SYNC || ev->err)
		return;
	if ((ev->op == IORR_OP_fread || ev->op == IORR_OP_fwrite) &&
	    field(ev, "size", &size) == 0)
		n *= size;
	if (ev->op == IORR_OP_ftruncate || ev->op == IORR_OP_truncate ||
	    ev->op == IORR_OP_fallocate || ev->op == IORR_OP_posix_fallocate ||
	    ev->op == IORR_OP_ficlone || ev->op == IORR_OP_ficlonerange ||
	    ev->op == IORR_OP_fidedupe)
		return;
	if (d->cls == IORR_CLASS_READ)
		*rd = n;
	else if (d->cls == IORR_CLASS_WRITE)
		*wr = n;
}

/* @return the engine of an async op, or -1. */
static int engine_of(unsigned op)
{
	if (op >= IORR_OP_aio_setup && op <= IORR_OP_aio_cancel)
		return ENG_LIBAIO;
	if (op >= IORR_OP_uring_setup && op <= IORR_OP_uring_missed)
		return ENG_URING;
	return -1;
}

static int qd_sample(struct engine *g, uint64_t t)
{
	if (g->ns == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 1024;
		struct qd_sample *s = realloc(g->s, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		g->s = s;
		g->cap = cap;
	}
	g->s[g->ns++] = (struct qd_sample){ t, g->depth };
	hist_add(&g->qd, g->depth);
	g->depth_sum += g->depth;
	return 0;
}

/*
 * Queue depth and latency: a SUBMIT record puts its request in flight, the
 * COMPLETE record with the same id takes it out (an io_uring CQE with
 * IORING_CQE_F_MORE leaves it in); the depth is sampled after each.
 */
static int track_engines(struct stat_ctx *c, const struct iorr_event *ev)
{
	const struct iorr_op_desc *d = iorr_op_get(ev->op);
	int e = engine_of(ev->op);
	struct engine *g;
	struct inflight *q;
	uint64_t req, flags = 0;

	if (e < 0) {
		if (d->kind == IORR_KIND_SYNC &&
		    (d->cls == IORR_CLASS_READ || d->cls == IORR_CLASS_WRITE ||
		     d->cls == IORR_CLASS_SYNC)) {
			g = &c->eng[ENG_SYNC];
			g->submitted++;
			g->completed++;
			hist_add(&g->lat, ev->end_ns - ev->start_ns);
		}
		return 0;
	}
	if ((d->kind != IORR_KIND_SUBMIT && d->kind != IORR_KIND_COMPLETE) ||
	    field(ev, "req", &req) < 0)
		return 0;
	g = &c->eng[e];
	HASH_FIND(hh, g->live, &req, sizeof(req), q);
	if (d->kind == IORR_KIND_SUBMIT) {
		g->submitted++;
		if (!q) {
			q = malloc(sizeof(*q));
			if (!q)
				return -ENOMEM;
			q->req = req;
			HASH_ADD(hh, g->live, req, sizeof(q->req), q);
			g->depth++;
		}
		return qd_sample(g, ev->end_ns);
	}
	g->completed++;
	hist_add(&g->lat, ev->end_ns >= ev->start_ns ?
		 ev->end_ns - ev->start_ns : 0);
	if (e == ENG_URING)
		field(ev, "cqe_flags", &flags);
	if (q && !(flags & 2 /* IORING_CQE_F_MORE */)) {
		HASH_DEL(g->live, q);
		free(q);
		g->depth--;
	}
	return qd_sample(g, ev->end_ns);
}

static int collect(struct stat_ctx *c, struct iorr_reader *r,
		   struct iorr_error *e)
{
	struct iorr_event ev;
	int k;

	while ((k = iorr_reader_next(r, &ev, e)) > 0) {
		const struct iorr_thread *t = iorr_reader_thread(r, ev.thread);
		uint64_t rd, wr, fd;

		if (c->events++ == 0)
			c->t_first = ev.start_ns;
		if (ev.end_ns > c->t_last)
			c->t_last = ev.end_ns;
		if (ev.thread >= c->nthreads) {
			uint32_t n = iorr_reader_nthreads(r);
			struct agg *a = realloc(c->threads, n * sizeof(*a));

			if (!a)
				return -ENOMEM;
			memset(a + c->nthreads, 0,
			       (n - c->nthreads) * sizeof(*a));
			c->threads = a;
			c->nthreads = n;
		}
		sync_bytes(&ev, &rd, &wr);
		agg_add(&c->ops[ev.op], &ev, rd, wr);
		agg_add(&c->threads[ev.thread], &ev, rd, wr);
		if (field(&ev, "fd", &fd) == 0) {
			struct fd_ent *fe = fdmap_find(c, t->pid, (int64_t)fd);
			struct file_agg *f = fe ? file_get(c, fe->path) : NULL;

			if (f)
				agg_add(&f->a, &ev, rd, wr);
		}
		track_fds(c, &ev, t->pid);
		if (track_engines(c, &ev) < 0)
			return -ENOMEM;
		if (c->err)
			return c->err;
	}
	return k;
}

static void fmt_ns(char *buf, size_t size, uint64_t ns)
{
	if (ns < 10000)
		snprintf(buf, size, "%" PRIu64 "ns", ns);
	else if (ns < 10000000)
		snprintf(buf, size, "%.1fus", ns / 1e3);
	else if (ns < 10000000000ull)
		snprintf(buf, size, "%.1fms", ns / 1e6);
	else
		snprintf(buf, size, "%.2fs", ns / 1e9);
}

static void print_row(const char *name, const struct agg *a)
{
	char p50[16], p99[16], max[16];

	fmt_ns(p50, sizeof(p50), hist_quantile(&a->lat, 0.50));
	fmt_ns(p99, sizeof(p99), hist_quantile(&a->lat, 0.99));
	fmt_ns(max, sizeof(max), a->lat.max);
	printf("  %-24s %9" PRIu64 " %7" PRIu64 " %13" PRIu64 " %13" PRIu64
	       " %9s %9s %9s\n", name, a->count, a->errors, a->bytes_read,
	       a->bytes_written, p50, p99, max);
}

static void print_header(const char *what)
{
	printf("\n  %-24s %9s %7s %13s %13s %9s %9s %9s\n", what, "count",
	       "errors", "bytes_read", "bytes_written", "p50", "p99", "max");
}

static double qd_mean(const struct engine *g)
{
	return g->ns ? (double)g->depth_sum / (double)g->ns : 0.0;
}

/* Per engine: queue depth (max mean p50 p99) and latency percentiles. */
static void print_engines(struct stat_ctx *c)
{
	bool any = false;

	for (unsigned e = 0; e < ENG__COUNT; e++) {
		const struct engine *g = &c->eng[e];
		char l50[16], l90[16], l99[16], lmax[16];

		if (!g->submitted && !g->completed)
			continue;
		if (!any)
			printf("\n  %-9s %9s %9s %6s %7s %6s %6s %9s %9s %9s "
			       "%9s\n", "engine", "submitted", "completed",
			       "qd_max", "qd_mean", "qd_p50", "qd_p99",
			       "lat_p50", "lat_p90", "lat_p99", "lat_max");
		any = true;
		fmt_ns(l50, sizeof(l50), hist_quantile(&g->lat, 0.50));
		fmt_ns(l90, sizeof(l90), hist_quantile(&g->lat, 0.90));
		fmt_ns(l99, sizeof(l99), hist_quantile(&g->lat, 0.99));
		fmt_ns(lmax, sizeof(lmax), g->lat.max);
		if (e == ENG_SYNC)
			printf("  %-9s %9" PRIu64 " %9" PRIu64
			       " %6s %7s %6s %6s %9s %9s %9s %9s\n",
			       eng_name[e], g->submitted, g->completed, "-",
			       "-", "-", "-", l50, l90, l99, lmax);
		else
			printf("  %-9s %9" PRIu64 " %9" PRIu64 " %6" PRIu64
			       " %7.2f %6" PRIu64 " %6" PRIu64
			       " %9s %9s %9s %9s\n", eng_name[e],
			       g->submitted, g->completed, g->qd.max,
			       qd_mean(g), hist_quantile(&g->qd, 0.50),
			       hist_quantile(&g->qd, 0.99), l50, l90, l99,
			       lmax);
	}
}

static void print_text(struct stat_ctx *c, struct iorr_reader *r,
		       const char *path)
{
	struct iorr_reader_status st;
	char dur[16], name[64];

	iorr_reader_status(r, &st);
	fmt_ns(dur, sizeof(dur), c->events ? c->t_last - c->t_first : 0);
	printf("%s: %" PRIu64 " events, %" PRIu32 " threads, %u files, "
	       "%s, %s\n", path, c->events, iorr_reader_nthreads(r),
	       HASH_COUNT(c->files), dur,
	       st.complete ? "complete" : "truncated");
	if (cli_redacted(r))
		printf("redacted: %s (payload bytes generated; see "
		       "iorr-redact(1))\n", cli_redacted(r));

	print_header("op");
	for (unsigned op = 0; op < IORR_OP__COUNT; op++)
		if (c->ops[op].count)
			print_row(iorr_op_get(op)->name, &c->ops[op]);
	print_header("thread (pid/tid)");
	for (uint32_t i = 0; i < c->nthreads; i++) {
		const struct iorr_thread *t = iorr_reader_thread(r, i);

		if (!c->threads[i].count)
			continue;
		snprintf(name, sizeof(name), "T%" PRIu32 " (%d/%d)", i,
			 t->pid, t->tid);
		print_row(name, &c->threads[i]);
	}
	if (c->files) {
		print_header("file");
		for (struct file_agg *f = c->files; f; f = f->hh.next)
			print_row(iorr_reader_path(r, f->path), &f->a);
	}
	print_engines(c);
}

static json_t *agg_json(const struct agg *a)
{
	return json_pack("{sI sI sI sI sI sI sI}",
			 "count", (json_int_t)a->count,
			 "errors", (json_int_t)a->errors,
			 "bytes_read", (json_int_t)a->bytes_read,
			 "bytes_written", (json_int_t)a->bytes_written,
			 "lat_p50_ns",
			 (json_int_t)hist_quantile(&a->lat, 0.50),
			 "lat_p99_ns",
			 (json_int_t)hist_quantile(&a->lat, 0.99),
			 "lat_max_ns", (json_int_t)a->lat.max);
}

static json_t *lat_json(const struct hist *h)
{
	return json_pack("{sI sI sI sI sI}", "count", (json_int_t)h->n,
			 "p50_ns", (json_int_t)hist_quantile(h, 0.50),
			 "p90_ns", (json_int_t)hist_quantile(h, 0.90),
			 "p99_ns", (json_int_t)hist_quantile(h, 0.99),
			 "max_ns", (json_int_t)h->max);
}

/* The depth over QD_SERIES equal slices of the trace's duration. */
static json_t *series_json(const struct stat_ctx *c, const struct engine *g)
{
	uint64_t span = c->t_last > c->t_first ? c->t_last - c->t_first : 1;
	uint64_t width = (span + QD_SERIES - 1) / QD_SERIES;
	uint64_t mx[QD_SERIES] = { 0 }, sum[QD_SERIES] = { 0 };
	uint64_t n[QD_SERIES] = { 0 };
	json_t *jmax = json_array(), *jmean = json_array();

	for (size_t i = 0; i < g->ns; i++) {
		uint64_t t = g->s[i].t > c->t_first ? g->s[i].t - c->t_first : 0;
		unsigned b = (unsigned)(t / width);

		if (b >= QD_SERIES)
			b = QD_SERIES - 1;
		if (g->s[i].depth > mx[b])
			mx[b] = g->s[i].depth;
		sum[b] += g->s[i].depth;
		n[b]++;
	}
	for (unsigned b = 0; b < QD_SERIES; b++) {
		json_array_append_new(jmax, json_integer((json_int_t)mx[b]));
		json_array_append_new(jmean, json_real(n[b] ? (double)sum[b] /
						       (double)n[b] : 0.0));
	}
	return json_pack("{sI sI so so}", "t0_ns", (json_int_t)c->t_first,
			 "slice_ns", (json_int_t)width, "max", jmax, "mean",
			 jmean);
}

static json_t *engines_json(const struct stat_ctx *c)
{
	json_t *o = json_object();

	for (unsigned e = 0; e < ENG__COUNT; e++) {
		const struct engine *g = &c->eng[e];
		json_t *x;

		if (!g->submitted && !g->completed)
			continue;
		x = json_pack("{sI sI so}", "submitted",
			      (json_int_t)g->submitted, "completed",
			      (json_int_t)g->completed, "latency",
			      lat_json(&g->lat));
		if (e != ENG_SYNC)
			json_object_set_new(x, "queue_depth", json_pack(
				"{sI sf sI sI so}", "max",
				(json_int_t)g->qd.max, "mean", qd_mean(g),
				"p50", (json_int_t)hist_quantile(&g->qd, 0.50),
				"p99", (json_int_t)hist_quantile(&g->qd, 0.99),
				"series", series_json(c, g)));
		json_object_set_new(o, eng_name[e], x);
	}
	return o;
}

static int print_json(struct stat_ctx *c, struct iorr_reader *r)
{
	struct iorr_reader_status st;
	json_t *ops = json_object(), *threads = json_array();
	json_t *files = json_array();

	iorr_reader_status(r, &st);
	for (unsigned op = 0; op < IORR_OP__COUNT; op++)
		if (c->ops[op].count)
			json_object_set_new(ops, iorr_op_get(op)->name,
					    agg_json(&c->ops[op]));
	for (uint32_t i = 0; i < c->nthreads; i++) {
		const struct iorr_thread *t = iorr_reader_thread(r, i);
		json_t *o;

		if (!c->threads[i].count)
			continue;
		o = agg_json(&c->threads[i]);
		json_object_set_new(o, "thread", json_integer(i));
		json_object_set_new(o, "pid", json_integer(t->pid));
		json_object_set_new(o, "tid", json_integer(t->tid));
		json_array_append_new(threads, o);
	}
	for (struct file_agg *f = c->files; f; f = f->hh.next) {
		json_t *o = agg_json(&f->a);

		json_object_set_new(o, "path",
				    json_string(iorr_reader_path(r, f->path)));
		json_array_append_new(files, o);
	}
	json_t *root = json_pack(
		"{sI sI sb sI so so so so}", "events", (json_int_t)c->events,
		"duration_ns",
		(json_int_t)(c->events ? c->t_last - c->t_first : 0),
		"complete", st.complete, "truncated_at",
		(json_int_t)(st.complete ? 0 : st.truncated_at), "ops", ops,
		"threads", threads, "files", files, "engines",
		engines_json(c));

	if (root && cli_redacted(r)) {
		json_error_t je;
		json_t *v = json_loads(cli_redacted(r), JSON_DECODE_ANY, &je);

		json_object_set_new(root, "redacted", v ? v : json_true());
	}

	if (!root)
		return -ENOMEM;
	int k = json_dumpf(root, stdout, JSON_INDENT(2));

	putchar('\n');
	json_decref(root);
	return k < 0 ? -EIO : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iorr stat [--json] TRACE\n"
		"\n"
		"Summarise TRACE: per op, per thread and per file, the number\n"
		"of events, failed calls, bytes read and written, and latency\n"
		"(call duration) p50, p99 and max; per I/O engine (libaio,\n"
		"io_uring, sync) the queue depth sampled at each submission\n"
		"and completion (max, mean, p50, p99; a time series in --json)\n"
		"and the submit-to-complete latency p50, p90, p99 and max.\n"
		"\n"
		"  --json      print one JSON document instead of tables\n"
		"  -h, --help  this text\n");
}

static void ctx_free(struct stat_ctx *c)
{
	struct fd_ent *e, *et;
	struct file_agg *f, *ft;

	HASH_ITER(hh, c->fds, e, et) {
		HASH_DEL(c->fds, e);
		free(e);
	}
	HASH_ITER(hh, c->files, f, ft) {
		HASH_DEL(c->files, f);
		hist_free(&f->a.lat);
		free(f);
	}
	for (unsigned op = 0; op < IORR_OP__COUNT; op++)
		hist_free(&c->ops[op].lat);
	for (unsigned g = 0; g < ENG__COUNT; g++) {
		struct inflight *q, *qt;

		HASH_ITER(hh, c->eng[g].live, q, qt) {
			HASH_DEL(c->eng[g].live, q);
			free(q);
		}
		hist_free(&c->eng[g].qd);
		hist_free(&c->eng[g].lat);
		free(c->eng[g].s);
	}
	for (uint32_t i = 0; i < c->nthreads; i++)
		hist_free(&c->threads[i].lat);
	free(c->threads);
}

int cmd_stat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_ERROR;
	}
	const char *path = argv[optind];
	struct iorr_reader *r = cli_open_trace(path);
	struct stat_ctx *ctx;
	struct iorr_error e;
	int ret = EXIT_OK;

	if (!r)
		return EXIT_ERROR;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		cli_error("%s: out of memory", path);
		iorr_reader_close(r);
		return EXIT_ERROR;
	}
	int k = collect(ctx, r, &e);

	if (k == -ENOMEM) {
		cli_error("%s: out of memory", path);
		ret = EXIT_ERROR;
	} else if (k < 0) {
		cli_trace_error(path, &e);
		ret = EXIT_ERROR;
	} else {
		cli_report_truncation(path, r);
		if (json && print_json(ctx, r) < 0)
			ret = EXIT_ERROR;
		else if (!json)
			print_text(ctx, r, path);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			cli_error("stdout: write failed");
			ret = EXIT_ERROR;
		}
	}
	ctx_free(ctx);
	free(ctx);
	iorr_reader_close(r);
	return ret;
}
