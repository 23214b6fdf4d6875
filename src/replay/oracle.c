/* SPDX-License-Identifier: MIT */
/*
 * Oracles.  During the run: each op's result and errno against the
 * recording, each read's bytes against the recorded xxh3-64.  Mismatches
 * are kept (with the bytes read) as pending divergences.  After the run:
 * the final state of every touched file against the recording, and every
 * divergence classified by the content model (model.c), which is stepped
 * through the trace in seq order up to each divergent op.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "iorr/xlat.h"
#include "replay/replay_int.h"

static char *schedule_context(struct replay *rp, uint32_t i);

/* Bytes of reads kept for classification, over all pending divergences. */
#define PENDING_BYTES_MAX (256u << 20)

uint64_t rp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void rp_limit(struct replay *rp, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	for (size_t k = 0; k < rp->rep.nlimits; k++) {
		if (!strcmp(rp->rep.limits[k], s)) {
			free(s);
			return;
		}
	}
	char **l = realloc(rp->rep.limits, (rp->rep.nlimits + 1) * sizeof(*l));

	if (!l) {
		free(s);
		return;
	}
	rp->rep.limits = l;
	l[rp->rep.nlimits++] = s;
}

const char *iorr_div_kind_name(enum iorr_div_kind k)
{
	static const char *const n[] = { "result", "read", "final",
					 "refused", "failed" };

	return k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

const char *iorr_div_class_name(enum iorr_div_class c)
{
	static const char *const n[] = { "impossible", "order-dependent",
					 "unclassified" };

	return c < sizeof(n) / sizeof(n[0]) ? n[c] : "?";
}

void rp_pending_add(struct replay *rp, uint32_t i, enum iorr_div_kind kind,
		    const uint8_t *bytes, size_t nbytes, uint64_t off,
		    const char *what)
{
	struct rp_pending *p = calloc(1, sizeof(*p));

	if (!p)
		return;
	p->ev = i;
	p->kind = kind;
	p->off = off;
	snprintf(p->what, sizeof(p->what), "%s", what ? what : "");
	pthread_mutex_lock(&rp->pend_lock);
	if (bytes && rp->pending_bytes + nbytes <= PENDING_BYTES_MAX) {
		p->bytes = malloc(nbytes ? nbytes : 1);
		if (p->bytes) {
			memcpy(p->bytes, bytes, nbytes);
			p->nbytes = nbytes;
			rp->pending_bytes += nbytes;
		}
	}
	p->next = rp->pending;
	rp->pending = p;
	pthread_mutex_unlock(&rp->pend_lock);
}

static bool returns_fd(const struct rp_ev *ev)
{
	const struct iorr_op_desc *d = iorr_op_get(ev->e.op);

	if (d->cls == IORR_CLASS_OPEN && ev->e.op != IORR_OP_fd_path &&
	    d->kind == IORR_KIND_SYNC)
		return true;
	return ev->e.op == IORR_OP_dup || ev->e.op == IORR_OP_dup2 ||
	       ev->e.op == IORR_OP_dup3 || ev->e.op == IORR_OP_fcntl;
}

/* Recorded (result, errno) in the -1/errno form the executor produces. */
static void recorded(const struct rp_ev *ev, int64_t *res, int *err)
{
	*res = ev->e.result;
	*err = (int)ev->e.err;
	if ((ev->e.op == IORR_OP_posix_fallocate ||
	     ev->e.op == IORR_OP_fadvise) && *res > 0 && !*err) {
		*err = (int)*res;
		*res = -1;
	}
}

static bool result_matches(struct replay *rp, uint32_t i)
{
	const struct rp_ev *ev = &rp->ev[i];
	const struct rp_out *o = &rp->out[i];
	int64_t res;
	int err;

	recorded(ev, &res, &err);
	if (o->err == RP_EREFUSED)
		return false;
	if (returns_fd(ev))
		return (res >= 0) == (o->result >= 0) && err == o->err;
	return res == o->result && err == o->err;
}

static void describe(char *buf, size_t len, int64_t res, int err)
{
	if (err == RP_EREFUSED)
		snprintf(buf, len, "refused by the sandbox");
	else if (err)
		snprintf(buf, len, "%" PRId64 " %s", res,
			 iorr_errno_name(err) ? iorr_errno_name(err) : "E?");
	else
		snprintf(buf, len, "%" PRId64, res);
}

void rp_check_result(struct replay *rp, uint32_t i)
{
	struct rp_out *o = &rp->out[i];
	char a[64], b[64], what[200];
	int64_t res;
	int err;

	if (o->state != RP_DONE || result_matches(rp, i))
		return;
	if (o->hashed)
		return;		/* a read: reported with its bytes */
	recorded(&rp->ev[i], &res, &err);
	describe(a, sizeof(a), o->result, o->err);
	describe(b, sizeof(b), res, err);
	snprintf(what, sizeof(what), "returned %s, recorded %s", a, b);
	rp_pending_add(rp, i, o->err == RP_EREFUSED ? IORR_DIV_REFUSED :
		       IORR_DIV_RESULT, NULL, 0, 0, what);
}

void rp_check_read(struct replay *rp, uint32_t i, const uint8_t *buf,
		   size_t len, uint64_t off, uint64_t hash)
{
	struct rp_out *o = &rp->out[i];
	bool same_result = result_matches(rp, i);

	o->hashed = true;
	o->hash = iorr_hash64(buf, len);
	if (rp->o.read_hook)
		rp->o.read_hook(rp->o.hook_arg, rp->ev[i].e.seq, buf, len);
	pthread_mutex_lock(&rp->pend_lock);
	if (hash)
		rp->rep.reads_checked++;
	else
		rp->rep.reads_unchecked++;
	pthread_mutex_unlock(&rp->pend_lock);
	if (same_result && (!hash || o->hash == hash))
		return;
	char what[200];

	if (!same_result) {
		char a[64], b[64];
		int64_t res;
		int err;

		recorded(&rp->ev[i], &res, &err);
		describe(a, sizeof(a), o->result, o->err);
		describe(b, sizeof(b), res, err);
		snprintf(what, sizeof(what), "returned %s, recorded %s", a, b);
	} else {
		snprintf(what, sizeof(what), "read %zu bytes whose xxh3-64 is "
			 "%016" PRIx64 ", recorded %016" PRIx64, len, o->hash,
			 hash);
	}
	rp_pending_add(rp, i, same_result ? IORR_DIV_READ : IORR_DIV_RESULT,
		       buf, len, off, what);
}

/* ---- classification ------------------------------------------------ */

static struct iorr_divergence *div_new(struct replay *rp)
{
	struct iorr_replay_report *r = &rp->rep;
	struct iorr_divergence *d = realloc(r->divs, (r->ndiv + 1) *
					    sizeof(*d));

	if (!d)
		return NULL;
	r->divs = d;
	d = &r->divs[r->ndiv++];
	memset(d, 0, sizeof(*d));
	d->writer_seq = UINT64_MAX;
	d->pair[0] = d->pair[1] = UINT64_MAX;
	d->racing_seq = UINT64_MAX;
	d->cls = IORR_DIV_UNCLASSIFIED;
	return d;
}

/* Fill the hexdump windows around the first difference. */
static void window(struct iorr_divergence *d, const uint8_t *want,
		   const uint8_t *got, uint64_t base, uint64_t n,
		   uint64_t diff)
{
	uint64_t rel = diff - base;
	uint64_t start = rel > 16 ? (rel - 16) & ~15ull : 0;
	uint64_t cnt = n - start < IORR_DIV_WINDOW ? n - start :
		       IORR_DIV_WINDOW;

	d->have_bytes = true;
	d->diff_off = diff;
	d->win_off = base + start;
	d->win_len = (uint32_t)cnt;
	memcpy(d->want, want + start, cnt);
	memcpy(d->got, got + start, cnt);
}

static uint64_t first_diff(const uint8_t *a, const uint8_t *b, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++)
		if (a[k] != b[k])
			return k;
	return n;
}

static bool all_zero(const uint8_t *p, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++)
		if (p[k])
			return false;
	return true;
}

#define PAGE 4096u
#define MAX_CAND 16

/* Every page of @got is one of the page's legal contents. */
static bool legal_pages(struct rp_model *m, uint32_t i, const uint8_t *got,
			uint64_t off, uint64_t n)
{
	for (uint64_t p = off & ~(uint64_t)(PAGE - 1); p < off + n; p += PAGE) {
		uint64_t a = p > off ? p : off;
		uint64_t b = p + PAGE < off + n ? p + PAGE : off + n;
		uint8_t *cand[MAX_CAND];
		int nc = rp_model_page_candidates(m, i, a, b - a, cand,
						  MAX_CAND);
		bool found = false;

		for (int k = 0; k < nc; k++) {
			if (!found && !memcmp(cand[k], got + (a - off), b - a))
				found = true;
			free(cand[k]);
		}
		if (!found)
			return false;
	}
	return true;
}

/* Was event @a issued before event @b in this replay? */
static bool ran_before(const struct replay *rp, uint32_t a, uint32_t b)
{
	return rp->xpos ? rp->xpos[a] < rp->xpos[b] : a < b;
}

/*
 * Name the conflicting pair behind an order-dependent read: the op that
 * wrote the first differing byte in the recorded order (rec_writer, from
 * the first pass) and the one that wrote it in this replay.
 */
static void name_pair(struct replay *rp, struct iorr_divergence *d,
		      uint32_t obs, uint64_t wrec, uint64_t wrep)
{
	uint32_t r = wrec == UINT64_MAX ? RP_NONE : rp_find_seq(rp, wrec);
	uint32_t p = wrep == UINT64_MAX ? RP_NONE : rp_find_seq(rp, wrep);

	if (r != RP_NONE && obs != RP_NONE && ran_before(rp, obs, r)) {
		/* it wrote before the read when recorded, after it here */
		d->pair[0] = wrec;
		d->pair[1] = rp->ev[obs].e.seq;
	} else if (p != RP_NONE && obs != RP_NONE && p > obs) {
		/* it wrote after the read when recorded, before it here */
		d->pair[0] = rp->ev[obs].e.seq;
		d->pair[1] = wrep;
	} else if (r != RP_NONE && p != RP_NONE && r != p) {
		/* two writes of the byte swapped */
		d->pair[0] = wrep;
		d->pair[1] = wrec;
	}
}

static void order_pair(struct replay *rp, struct rp_pending *p,
		       struct iorr_divergence *d, const char *path)
{
	if (!p->rec || p->rec_diff == UINT64_MAX || !p->bytes)
		return;
	window(d, p->rec, p->bytes, p->off, p->nbytes, p->rec_diff);
	d->have_recorded = true;
	d->writer_seq = p->rec_writer;
	name_pair(rp, d, p->ev, p->rec_writer,
		  rp_model_writer(rp->model, path, p->rec_diff));
}

static void classify_read(struct replay *rp, struct rp_pending *p,
			  struct iorr_divergence *d)
{
	struct rp_expect x;
	const struct rp_ev *ev = &rp->ev[p->ev];

	d->off = p->off;
	d->len = p->nbytes;
	if (!p->bytes || rp_model_expect(rp->model, p->ev, p->off, p->nbytes,
					 &x) < 0) {
		snprintf(d->what, sizeof(d->what), "%s; the model cannot tell "
			 "what it should have read", p->what);
		return;
	}
	d->path = strdup(x.path);
	if (!x.known) {
		snprintf(d->what, sizeof(d->what), "%s; the file's content is "
			 "not known to the model", p->what);
		rp_expect_free(&x);
		return;
	}
	uint64_t k = first_diff(x.bytes, p->bytes, p->nbytes);

	if (k == p->nbytes) {
		/* the replay read what the serial order gives */
		d->cls = IORR_DIV_ORDER;
		snprintf(d->what, sizeof(d->what), "%s; the replay read what "
			 "this schedule writes there, the recording read "
			 "something else (%s)", p->what, rp->xpos ?
			 "the order of a conflicting pair differs" :
			 "it raced a write?");
		order_pair(rp, p, d, x.path);
		rp_expect_free(&x);
		return;
	}
	d->writer_seq = rp_model_writer(rp->model, x.path, p->off + k);
	window(d, x.bytes, p->bytes, p->off, p->nbytes, p->off + k);
	if (legal_pages(rp->model, p->ev, p->bytes, p->off, p->nbytes)) {
		d->cls = IORR_DIV_ORDER;
		snprintf(d->what, sizeof(d->what), "%s; legal for this "
			 "schedule (it raced a write), unlike the recording",
			 p->what);
		order_pair(rp, p, d, x.path);
	} else {
		uint64_t pg = (p->off + k) & ~(uint64_t)(PAGE - 1);
		uint64_t a = pg > p->off ? pg - p->off : 0;
		uint64_t b = pg + PAGE - p->off < p->nbytes ?
			     pg + PAGE - p->off : p->nbytes;

		d->cls = IORR_DIV_IMPOSSIBLE;
		if (all_zero(p->bytes + a, b - a))
			snprintf(d->what, sizeof(d->what), "%s; zeros where "
				 "a completed write put data", p->what);
		else
			snprintf(d->what, sizeof(d->what), "%s; content no "
				 "legal execution of this schedule gives",
				 p->what);
	}
	(void)ev;
	rp_expect_free(&x);
}

static void classify_result(struct replay *rp, struct rp_pending *p,
			    struct iorr_divergence *d)
{
	const struct rp_ev *ev = &rp->ev[p->ev];
	const struct rp_out *o = &rp->out[p->ev];
	const struct iorr_op_desc *desc = iorr_op_get(ev->e.op);
	struct rp_expect x;

	snprintf(d->what, sizeof(d->what), "%s", p->what);
	if (desc->cls != IORR_CLASS_READ || !p->bytes || o->result < 0)
		return;
	/* a short read inside the file's size: the seeds' MariaDB case */
	uint64_t want = (uint64_t)ev->e.result;

	if (ev->e.op == IORR_OP_fread)
		want *= rp_fu(ev, "size");
	d->off = p->off;
	d->len = want > p->nbytes ? want : p->nbytes;
	if (rp_model_expect(rp->model, p->ev, p->off, d->len, &x) < 0)
		return;
	d->path = strdup(x.path);
	if ((uint64_t)o->result < (uint64_t)ev->e.result &&
	    p->off + p->nbytes < x.size) {
		d->cls = IORR_DIV_IMPOSSIBLE;
		snprintf(d->what, sizeof(d->what), "%s; a short read inside "
			 "the file's size (%" PRIu64 ")", p->what, x.size);
		if (x.known && p->nbytes < d->len) {
			/* show where the data stopped */
			uint8_t *got = calloc(1, d->len);

			if (got) {
				memcpy(got, p->bytes, p->nbytes);
				window(d, x.bytes, got, p->off, d->len,
				       p->off + p->nbytes);
				d->writer_seq = rp_model_writer(rp->model,
					x.path, p->off + p->nbytes);
				free(got);
			}
		}
	} else if (x.known && x.size >= p->off &&
		   (uint64_t)o->result == (x.size - p->off < d->len ?
					   x.size - p->off : d->len)) {
		d->cls = IORR_DIV_ORDER;
		snprintf(d->what, sizeof(d->what), "%s; the size this schedule "
			 "gives, unlike the recording", p->what);
	}
	rp_expect_free(&x);
}

static int cmp_pending(const void *a, const void *b)
{
	const struct rp_pending *x = *(struct rp_pending *const *)a;
	const struct rp_pending *y = *(struct rp_pending *const *)b;

	return x->ev < y->ev ? -1 : x->ev > y->ev;
}

static int read_all(int fd, uint8_t **out, uint64_t size)
{
	uint8_t *b = malloc(size ? size : 1);
	uint64_t done = 0;

	if (!b)
		return -ENOMEM;
	while (done < size) {
		ssize_t k = pread(fd, b + done, size - done, (off_t)done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		done += (uint64_t)k;
	}
	if (done < size)
		memset(b + done, 0, size - done);
	*out = b;
	return 0;
}

/* The recorded order's final content against this replay's. */
static void final_pair(struct replay *rp, struct iorr_divergence *d,
		       const char *spath, const uint8_t *got, uint64_t gsize)
{
	uint8_t *rec = NULL;
	uint64_t rsize = 0;
	bool known = false;

	if (!rp->recmodel || rp_model_final(rp->recmodel, spath, &rec,
					    &rsize, &known) < 0 || !known) {
		free(rec);
		return;
	}
	uint64_t n = rsize < gsize ? rsize : gsize;
	uint64_t k = first_diff(rec, got, n);

	if (k < n) {
		window(d, rec, got, 0, n, k);
		d->have_recorded = true;
		d->writer_seq = rp_model_writer(rp->recmodel, spath, k);
		name_pair(rp, d, RP_NONE, d->writer_seq,
			  rp_model_writer(rp->model, spath, k));
	}
	free(rec);
}

static void check_final(struct replay *rp, const struct iorr_file_state *st)
{
	const char *rec = iorr_reader_path(rp->r, st->path);
	char *j = rp_path_join(rp->trace_cwd, rec);
	char *spath = j ? rp_path_norm(j) : NULL;
	struct iorr_divergence *d;
	struct stat sb;
	char what[256] = "";
	int fd = -1;
	uint8_t *got = NULL, *want = NULL;

	free(j);
	if (!spath)
		return;
	rp->rep.finals_checked++;
	fd = rp_sb_open(rp, spath, O_PATH | O_NOFOLLOW, 0);
	bool exists = fd >= 0 && fstat(fd, &sb) == 0;

	if (!(st->flags & IORR_FS_EXISTS)) {
		if (exists)
			snprintf(what, sizeof(what), "exists, but did not "
				 "after the recording");
		goto out;
	}
	if (!exists) {
		snprintf(what, sizeof(what), "missing, but existed after the "
			 "recording (size %" PRIu64 ")", st->size);
		goto out;
	}
	if ((sb.st_mode & S_IFMT) != (st->mode & S_IFMT) ||
	    (sb.st_mode & 07777) != (st->mode & 07777)) {
		snprintf(what, sizeof(what), "mode 0%o, recorded 0%o",
			 sb.st_mode, st->mode);
		goto out;
	}
	if (!S_ISREG(sb.st_mode))
		goto out;
	if ((uint64_t)sb.st_size != st->size) {
		snprintf(what, sizeof(what), "size %" PRIu64 ", recorded %"
			 PRIu64, (uint64_t)sb.st_size, st->size);
	}
	if (!(st->flags & IORR_FS_HASHED) && !what[0])
		goto out;
	close(fd);
	fd = rp_sb_open(rp, spath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	if (fd < 0 || (uint64_t)sb.st_size > (1ull << 30) ||
	    read_all(fd, &got, (uint64_t)sb.st_size) < 0) {
		if (!what[0])
			snprintf(what, sizeof(what), "cannot read it back");
		goto out;
	}
	if (!what[0]) {
		struct iorr_hash128 h = iorr_hash128(got, (size_t)sb.st_size);

		if (h.lo == st->hash.lo && h.hi == st->hash.hi)
			goto out;
		snprintf(what, sizeof(what), "content hash differs from the "
			 "recording");
	}
out:
	if (what[0]) {
		uint64_t msize = 0;
		bool known = false;

		d = div_new(rp);
		if (!d)
			goto done;
		d->kind = IORR_DIV_FINAL;
		d->seq = UINT64_MAX;
		d->path = strdup(spath);
		d->len = st->size;
		snprintf(d->what, sizeof(d->what), "%s", what);
		if (got && rp_model_final(rp->model, spath, &want, &msize,
					  &known) == 0 && known) {
			uint64_t n = msize < (uint64_t)sb.st_size ? msize :
				     (uint64_t)sb.st_size;
			uint64_t k = first_diff(want, got, n);

			if (k == n && msize == (uint64_t)sb.st_size) {
				if (rp->hash_only) {
					/* stand-in bytes: the model is the
					 * reference, and it agrees */
					free(d->path);
					rp->rep.ndiv--;
					goto done;
				}
				d->cls = IORR_DIV_ORDER;
				snprintf(d->what, sizeof(d->what), "%s; it is "
					 "what the trace's ops give in this "
					 "schedule, unlike the recording", what);
				final_pair(rp, d, spath, got,
					   (uint64_t)sb.st_size);
			} else {
				d->cls = IORR_DIV_IMPOSSIBLE;
				if (k < n) {
					window(d, want, got, 0, n, k);
					d->writer_seq = rp_model_writer(
						rp->model, spath, k);
				}
				snprintf(d->what, sizeof(d->what), "%s; the "
					 "trace's ops give %s", what,
					 k < n ? "other bytes" : "another size");
				d->context = schedule_context(rp, rp->nev ?
							      rp->nev - 1 : 0);
			}
		}
	}
done:
	if (fd >= 0)
		close(fd);
	free(got);
	free(want);
	free(spath);
}

static int cmp_xpos(const void *a, const void *b, void *arg)
{
	const struct replay *rp = arg;
	uint32_t x = rp->xpos[(*(struct rp_pending *const *)a)->ev];
	uint32_t y = rp->xpos[(*(struct rp_pending *const *)b)->ev];

	return x < y ? -1 : x > y;
}

static int cmp_issue(const void *a, const void *b, void *arg)
{
	const struct replay *rp = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t tx = rp->out[x].issue_ns, ty = rp->out[y].issue_ns;

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * The order the events were issued in: the plan of a serial order, the
 * issue times in free order; none (the recorded order) otherwise.
 */
static int exec_order(struct replay *rp)
{
	free(rp->xorder);
	free(rp->xpos);
	rp->xorder = rp->xpos = NULL;
	if (rp->o.order == IORR_ORDER_RECORDED)
		return 0;
	rp->xorder = malloc((rp->nev ? rp->nev : 1) * sizeof(uint32_t));
	rp->xpos = malloc((rp->nev ? rp->nev : 1) * sizeof(uint32_t));
	if (!rp->xorder || !rp->xpos)
		return -ENOMEM;
	for (uint32_t i = 0; i < rp->nev; i++)
		rp->xorder[i] = rp->plan.order ? rp->plan.order[i] : i;
	if (!rp->plan.order)
		qsort_r(rp->xorder, rp->nev, sizeof(uint32_t), cmp_issue, rp);
	for (uint32_t k = 0; k < rp->nev; k++)
		rp->xpos[rp->xorder[k]] = k;
	return 0;
}

/*
 * The recorded order's content where each divergent read was (pending
 * list sorted by event index), and, for the final states, kept in
 * rp->recmodel.
 */
static int recorded_view(struct replay *rp, struct rp_pending **v, size_t n)
{
	uint32_t next = 0;

	rp_model_free(rp->recmodel);
	rp->recmodel = NULL;
	if (rp->o.order == IORR_ORDER_RECORDED)
		return 0;
	rp->recmodel = rp_model_new(rp);
	if (!rp->recmodel)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		struct rp_pending *p = v[k];
		struct rp_expect x;

		p->rec_diff = p->rec_writer = UINT64_MAX;
		while (next < p->ev)
			rp_model_step(rp->recmodel, next++);
		if (p->kind != IORR_DIV_READ || !p->bytes ||
		    rp_model_expect(rp->recmodel, p->ev, p->off, p->nbytes,
				    &x) < 0)
			continue;
		if (x.known) {
			uint64_t d = first_diff(x.bytes, p->bytes, p->nbytes);

			if (d < p->nbytes) {
				p->rec = x.bytes;
				x.bytes = NULL;
				p->rec_diff = p->off + d;
				p->rec_writer = rp_model_writer(rp->recmodel,
								x.path,
								p->off + d);
			}
		}
		rp_expect_free(&x);
	}
	while (next < rp->nev)
		rp_model_step(rp->recmodel, next++);
	return 0;
}

static void cat(char **s, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cat(char **s, size_t *len, const char *fmt, ...)
{
	va_list ap;
	char *add;

	va_start(ap, fmt);
	if (vasprintf(&add, fmt, ap) < 0)
		add = NULL;
	va_end(ap);
	if (!add)
		return;
	char *n = realloc(*s, *len + strlen(add) + 1);

	if (n) {
		strcpy(n + *len, add);
		*len += strlen(add);
		*s = n;
	}
	free(add);
}

/*
 * What this schedule did before event @i that the recording did not: the
 * last injections and the conflicting pairs issued out of recorded order
 * (at most 8 of each), one per line.
 */
static char *schedule_context(struct replay *rp, uint32_t i)
{
	static const char *const names[] = { "dropcache before",
		"fsync after", "short (split in two calls)", "reap delayed" };
	uint32_t at = rp->xpos ? rp->xpos[i] : i;
	char *s = NULL;
	size_t len = 0;
	unsigned shown = 0;

	for (uint32_t k = at + 1; rp->plan.inj && k-- > 0 && shown < 8;) {
		uint32_t j = rp->xorder ? rp->xorder[k] : k;
		uint8_t inj = rp->plan.inj[j];

		for (unsigned b = 0; b < 4; b++) {
			if (!(inj & (1u << b)))
				continue;
			cat(&s, &len, "injection: %s seq %" PRIu64 " (%s)%s\n",
			    names[b], rp->ev[j].e.seq,
			    iorr_op_get(rp->ev[j].e.op)->name,
			    b == 3 && rp->plan.delay ? "" : "");
			shown++;
		}
	}
	shown = 0;
	for (size_t e = 0; rp->xpos && e < rp->hb.n && shown < 8; e++) {
		uint32_t a = rp->hb.from[e], b = rp->hb.to[e];

		if (!(rp->hb.kind[e] & RP_EDGE_CONFLICT) ||
		    rp->xpos[b] > rp->xpos[a] || rp->xpos[a] > at)
			continue;
		cat(&s, &len, "reordered: seq %" PRIu64 " (thread %" PRIu32
		    ", %s) ran before seq %" PRIu64 " (thread %" PRIu32
		    ", %s), recorded after it\n", rp->ev[b].e.seq,
		    rp->ev[b].e.thread, iorr_op_get(rp->ev[b].e.op)->name,
		    rp->ev[a].e.seq, rp->ev[a].e.thread,
		    iorr_op_get(rp->ev[a].e.op)->name);
		shown++;
	}
	return s;
}

/*
 * In free order: an op of another thread that touched overlapping bytes
 * of the same file while event @i ran (replay times), or UINT64_MAX.
 */
static uint64_t racing(struct replay *rp, uint32_t i)
{
	const struct rp_hb *g = &rp->hb;
	uint64_t best = UINT64_MAX;

	if (rp->o.order != IORR_ORDER_FREE)
		return best;
	uint32_t ie = rp->ev[i].submit != RP_NONE ? rp->ev[i].submit : i;

	for (size_t a = 0; a < g->nacc; a++) {
		if (g->acc[a].ev != ie)
			continue;
		for (size_t b = 0; b < g->nacc; b++) {
			const struct rp_access *x = &g->acc[a], *y = &g->acc[b];
			uint32_t j = y->ev;

			if (y->file != x->file || y->off >= x->end ||
			    x->off >= y->end || j == ie ||
			    rp->ev[j].e.thread == rp->ev[ie].e.thread ||
			    !((x->flags | y->flags) & RP_ACC_WRITE) ||
			    rp->out[j].state != RP_DONE)
				continue;
			if (rp->out[j].issue_ns <= rp->out[i].end_ns &&
			    rp->out[i].issue_ns <= rp->out[j].end_ns)
				return rp->ev[j].e.seq;
		}
	}
	return best;
}

int rp_finish_report(struct replay *rp, char *msg, size_t len)
{
	struct rp_pending **v = NULL, *p;
	size_t n = 0;
	int ret = 0;

	for (p = rp->pending; p; p = p->next)
		n++;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (p = rp->pending; p; p = p->next)
		v[n++] = p;
	qsort(v, n, sizeof(*v), cmp_pending);

	/*
	 * First pass, in recorded order: what the recording's order reads
	 * where this replay diverged (for the two orders of a report).
	 */
	ret = recorded_view(rp, v, n);
	if (ret < 0) {
		free(v);
		snprintf(msg, len, "out of memory");
		return ret;
	}
	ret = exec_order(rp);
	if (ret < 0) {
		free(v);
		snprintf(msg, len, "out of memory");
		return ret;
	}
	if (rp->xpos)
		qsort_r(v, n, sizeof(*v), cmp_xpos, rp);
	rp_model_free(rp->model);
	rp->model = rp_model_new(rp);
	if (!rp->model) {
		free(v);
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	/* second pass, in the order the replay issued the events */
	uint32_t next = 0;

	for (size_t k = 0; k < n; k++) {
		p = v[k];
		uint32_t at = rp->xpos ? rp->xpos[p->ev] : p->ev;

		while (next < at)
			rp_model_step(rp->model, rp->xorder ?
				      rp->xorder[next++] : next++);
		struct iorr_divergence *d = div_new(rp);

		if (!d) {
			ret = -ENOMEM;
			break;
		}
		const struct rp_out *o = &rp->out[p->ev];

		d->kind = p->kind;
		d->seq = rp->ev[p->ev].e.seq;
		recorded(&rp->ev[p->ev], &d->want_result, &d->want_err);
		d->got_result = o->result;
		d->got_err = o->err;
		if (p->kind == IORR_DIV_READ) {
			classify_read(rp, p, d);
			if (d->cls == IORR_DIV_ORDER && rp->hash_only &&
			    strstr(d->what, "what this schedule writes")) {
				/* stand-in bytes read back as the model says */
				free(d->path);
				rp->rep.ndiv--;
				continue;
			}
		} else if (p->kind == IORR_DIV_RESULT) {
			classify_result(rp, p, d);
		} else {
			snprintf(d->what, sizeof(d->what), "%s", p->what);
		}
		if (d->cls != IORR_DIV_ORDER)
			d->context = schedule_context(rp, p->ev);
		d->racing_seq = racing(rp, p->ev);
	}
	while (next < rp->nev)
		rp_model_step(rp->model, rp->xorder ? rp->xorder[next++] :
			      next++);
	free(v);

	/* final state */
	size_t nf = iorr_reader_nstates(rp->r, IORR_STATE_FINAL);

	if (nf == 0)
		rp_limit(rp, "the trace has no final state: final contents "
			 "are not checked");
	for (size_t k = 0; k < nf; k++)
		check_final(rp, iorr_reader_state(rp->r, IORR_STATE_FINAL, k));
	if (rp->hash_only)
		rp_limit(rp, "the trace stores only hashes of written data "
			 "(--data=hash): writes used stand-in bytes, reads and "
			 "final contents were checked against the content "
			 "model, not the recording");
	for (uint64_t k = 0; k < rp->rep.ndiv; k++) {
		if (rp->rep.divs[k].cls == IORR_DIV_IMPOSSIBLE)
			rp->rep.nimpossible++;
		else if (rp->rep.divs[k].cls == IORR_DIV_ORDER)
			rp->rep.norder++;
	}
	return ret;
}
