/* SPDX-License-Identifier: MIT */
/*
 * iorr_replay_recheck(): recompute a trace's checks (read results and
 * hashes, lseek results, final states) with the content model, for traces
 * whose ops or payloads were changed after recording (shrink, redact).
 *
 * The model is stepped in recorded order; before each read the model gives
 * the file's size and bytes at the read's offset, so the read returns
 * min(len, size - off) bytes whose hash is that of the model's bytes.  What
 * the model cannot know (initial content missing, files it does not
 * follow) becomes unchecked (hash 0) or keeps its recorded value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iorr/rewrite.h"
#include "replay/replay_int.h"

struct fix {
	bool set;
	int64_t result;
	uint64_t hash;
};

struct ctx {
	struct replay *rp;
	struct fix *fix;	/* per event index */
	struct iorr_file_state *finals;
	int8_t *final_keep;	/* 1 keep (changed or not), 0 drop */
};

static uint64_t req_len(const struct rp_ev *ev)
{
	uint64_t l;

	if (rp_field(ev, "len", &l) == 0)
		return l;
	if (ev->e.op == IORR_OP_fread)
		return rp_fu(ev, "size") * rp_fu(ev, "nmemb");
	l = 0;
	for (uint32_t k = 0; k < ev->e.nvec; k++)
		l += ev->e.vec[k];
	return l;
}

/* Recompute read event @i (before the model steps it). */
static void fix_read(struct ctx *c, struct rp_model *m, uint32_t i,
		     struct iorr_recheck_stats *st)
{
	struct replay *rp = c->rp;
	struct rp_ev *ev = &rp->ev[i];
	const struct rp_ev *req = ev;
	uint32_t at = i;
	int hf = iorr_op_field_index(ev->e.op, "hash");
	uint64_t pos, size, off, n, unit = 1;

	if (hf < 0 || ev->e.result < 0 || ev->e.err)
		return;
	if (iorr_op_get(ev->e.op)->kind == IORR_KIND_COMPLETE) {
		if (ev->submit == RP_NONE)
			return;
		req = &rp->ev[ev->submit];
		at = ev->submit;
		if (iorr_op_get(req->e.op)->cls != IORR_CLASS_READ)
			return;
	}
	if (rp_model_fd_at(m, at, rp_fsigned(req, "fd"), &pos, &size) < 0)
		return;
	st->reads++;
	off = rp_field(req, "off", &off) == 0 && (int64_t)off >= 0 ? off : pos;
	n = req_len(req);
	n = off >= size ? 0 : n < size - off ? n : size - off;
	if (ev->e.op == IORR_OP_fread) {
		unit = rp_fu(ev, "size");
		if (!unit)
			return;
		n -= n % unit;
	}
	struct rp_expect x;
	uint64_t h = 0;

	if (rp_model_expect(m, i, off, n, &x) < 0)
		return;
	if (x.known)
		h = iorr_hash64(x.bytes, n);
	rp_expect_free(&x);
	int64_t res = (int64_t)(n / unit);
	uint64_t old = ev->e.f[hf];

	if (!old)
		h = 0;
	else if (!h)
		st->reads_unchecked++;
	if (res != ev->e.result || h != old) {
		st->reads_changed++;
		c->fix[i] = (struct fix){ true, res, h };
		ev->e.result = res;	/* the model advances by it */
		ev->e.f[hf] = h;
	}
}

static void fix_seek(struct ctx *c, struct rp_model *m, uint32_t i,
		     struct iorr_recheck_stats *st)
{
	struct rp_ev *ev = &c->rp->ev[i];
	uint64_t pos, size;
	int64_t off = (int64_t)ev->e.f[1], res;

	if (ev->e.result < 0 || ev->e.err ||
	    rp_model_fd_at(m, i, (int64_t)ev->e.f[0], &pos, &size) < 0)
		return;
	switch (ev->e.f[2]) {
	case SEEK_SET:
		res = off;
		break;
	case SEEK_CUR:
		res = (int64_t)pos + off;
		break;
	case SEEK_END:
		res = (int64_t)size + off;
		break;
	default:
		return;
	}
	if (res >= 0 && res != ev->e.result) {
		st->seeks_changed++;
		c->fix[i] = (struct fix){ true, res, 0 };
		ev->e.result = res;
	}
}

static void fix_final(struct ctx *c, struct rp_model *m, size_t k,
		      unsigned flags, struct iorr_recheck_stats *st)
{
	struct replay *rp = c->rp;
	struct iorr_file_state *s = &c->finals[k];
	const char *rec = iorr_reader_path(rp->r, s->path);
	char *j = rec ? rp_path_join(rp->trace_cwd, rec) : NULL;
	char *spath = j ? rp_path_norm(j) : NULL;
	uint8_t *bytes = NULL;
	uint64_t size = 0;
	bool known = false;
	int e;

	free(j);
	st->finals++;
	c->final_keep[k] = 1;
	if (!spath)
		return;
	bool reg = (s->flags & IORR_FS_EXISTS) && S_ISREG(s->mode);

	e = reg ? rp_model_final(m, spath, &bytes, &size, &known) : -ENOENT;
	if (e < 0) {
		if (flags & IORR_RECHECK_DROP_FINALS) {
			c->final_keep[k] = 0;
			st->finals_dropped++;
		}
		free(spath);
		free(bytes);
		return;
	}
	struct iorr_file_state n = *s;

	n.size = size;
	if (known) {
		n.hash = iorr_hash128(bytes, size);
		n.flags |= IORR_FS_HASHED;
	} else {
		n.flags &= ~IORR_FS_HASHED;
		memset(&n.hash, 0, sizeof(n.hash));
	}
	if (n.size != s->size || n.flags != s->flags ||
	    n.hash.lo != s->hash.lo || n.hash.hi != s->hash.hi) {
		st->finals_changed++;
		*s = n;
	}
	free(spath);
	free(bytes);
}

static int on_event(void *arg, const struct iorr_reader *r,
		    struct iorr_event *ev)
{
	struct ctx *c = arg;
	uint32_t i = rp_find_seq(c->rp, ev->seq);
	int hf;

	(void)r;
	if (i == RP_NONE || !c->fix[i].set)
		return 1;
	ev->result = c->fix[i].result;
	hf = iorr_op_field_index(ev->op, "hash");
	if (hf >= 0)
		ev->f[hf] = c->fix[i].hash;
	return 1;
}

static int on_state(void *arg, enum iorr_state_kind kind, size_t i,
		    struct iorr_file_state *st)
{
	struct ctx *c = arg;

	if (kind != IORR_STATE_FINAL)
		return 1;
	if (!c->final_keep[i])
		return 0;
	st->size = c->finals[i].size;
	st->flags = c->finals[i].flags;
	st->hash = c->finals[i].hash;
	return 1;
}

int iorr_replay_recheck(const char *in, const char *out, unsigned flags,
			struct iorr_recheck_stats *stp, char *msg, size_t len)
{
	struct iorr_replay *x = NULL;
	struct iorr_recheck_stats st = { 0 };
	struct ctx c = { 0 };
	struct rp_model *m = NULL;
	int k = iorr_replay_load(in, &x, msg, len);

	if (k < 0)
		goto out;
	c.rp = (struct replay *)x;
	size_t nf = iorr_reader_nstates(c.rp->r, IORR_STATE_FINAL);

	c.fix = calloc(c.rp->nev + 1, sizeof(*c.fix));
	c.finals = calloc(nf + 1, sizeof(*c.finals));
	c.final_keep = calloc(nf + 1, 1);
	m = rp_model_new(c.rp);
	if (!c.fix || !c.finals || !c.final_keep || !m) {
		snprintf(msg, len, "out of memory");
		k = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < c.rp->nev; i++) {
		const struct iorr_op_desc *d = iorr_op_get(c.rp->ev[i].e.op);

		if (c.rp->ev[i].e.op == IORR_OP_lseek)
			fix_seek(&c, m, i, &st);
		else if ((d->cls == IORR_CLASS_READ &&
			  d->kind == IORR_KIND_SYNC &&
			  c.rp->ev[i].e.op != IORR_OP_sendfile) ||
			 d->kind == IORR_KIND_COMPLETE)
			fix_read(&c, m, i, &st);
		rp_model_step(m, i);
	}
	for (size_t f = 0; f < nf; f++) {
		c.finals[f] = *iorr_reader_state(c.rp->r, IORR_STATE_FINAL, f);
		fix_final(&c, m, f, flags, &st);
	}
	struct iorr_rewrite rw = {
		.arg = &c, .event = on_event, .state = on_state,
	};

	k = iorr_rewrite_trace(in, out, &rw, NULL, msg, len);
out:
	if (m)
		rp_model_free(m);
	free(c.fix);
	free(c.finals);
	free(c.final_keep);
	iorr_replay_free(x);
	if (stp)
		*stp = st;
	return k;
}
