/* SPDX-License-Identifier: MIT */
/*
 * Filtered, mapped copies of a trace (include/iorr/rewrite.h).
 *
 * Two readers: the first reads the whole input (definitions, states,
 * notes), the second streams its events into the writer.  Paths and
 * blobs are defined in the output on first use, through the mappings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iorr/rewrite.h"

struct rw {
	const struct iorr_rewrite *cb;
	struct iorr_reader *r;
	struct iorr_writer *w;
	int64_t *pmap, *bmap;
	uint32_t npaths, nblobs;
	uint8_t *buf;
	size_t bufcap;
	struct iorr_rewrite_stats st;
};

static int64_t map_path(struct rw *x, uint32_t id)
{
	if (id >= x->npaths)
		return -EINVAL;
	if (x->pmap[id] >= 0)
		return x->pmap[id];
	const char *p = iorr_reader_path(x->r, id);
	char *np = x->cb->path ? x->cb->path(x->cb->arg, p) : NULL;
	int64_t k = iorr_writer_path(x->w, np ? np : p);

	free(np);
	if (k >= 0) {
		x->pmap[id] = k;
		x->st.paths_out++;
	}
	return k;
}

static int64_t map_blob(struct rw *x, uint32_t id)
{
	if (id >= x->nblobs)
		return -EINVAL;
	if (x->bmap[id] >= 0)
		return x->bmap[id];
	const struct iorr_blob *b = iorr_reader_blob(x->r, id);
	int64_t k;

	if (!b)
		return -EINVAL;
	if (!b->data) {
		k = iorr_writer_blob_hash(x->w, &b->hash, b->size);
	} else if (x->cb->blob) {
		if (b->size > x->bufcap) {
			uint8_t *nb = realloc(x->buf, b->size);

			if (!nb)
				return -ENOMEM;
			x->buf = nb;
			x->bufcap = b->size;
		}
		int e = x->cb->blob(x->cb->arg, b, x->buf);

		if (e < 0)
			return e;
		k = iorr_writer_blob(x->w, x->buf, b->size);
	} else {
		k = iorr_writer_blob(x->w, b->data, b->size);
	}
	if (k >= 0) {
		x->bmap[id] = k;
		x->st.blobs_out++;
	}
	return k;
}

static int copy_states(struct rw *x, enum iorr_state_kind kind)
{
	size_t n = iorr_reader_nstates(x->r, kind);

	for (size_t i = 0; i < n; i++) {
		struct iorr_file_state s = *iorr_reader_state(x->r, kind, i);
		struct iorr_extent *ext = NULL;
		char *link = NULL;
		int k = 1;

		if (x->cb->state)
			k = x->cb->state(x->cb->arg, kind, i, &s);
		if (k <= 0) {
			if (k < 0)
				return k;
			continue;
		}
		int64_t p = map_path(x, s.path);

		if (p < 0)
			return (int)p;
		s.path = (uint32_t)p;
		if (s.nextents) {
			ext = malloc(s.nextents * sizeof(*ext));
			if (!ext)
				return -ENOMEM;
			for (uint32_t e = 0; e < s.nextents; e++) {
				int64_t b = map_blob(x, s.extents[e].blob);

				if (b < 0) {
					free(ext);
					return (int)b;
				}
				ext[e] = s.extents[e];
				ext[e].blob = (uint32_t)b;
			}
			s.extents = ext;
		}
		if (s.link && x->cb->path) {
			link = x->cb->path(x->cb->arg, s.link);
			if (link)
				s.link = link;
		}
		k = iorr_writer_state(x->w, kind, &s);
		free(ext);
		free(link);
		if (k < 0)
			return k;
	}
	return 0;
}

static int copy_events(struct rw *x, const char *in, char *msg, size_t len)
{
	struct iorr_reader *r2;
	struct iorr_error err;
	struct iorr_event ev;
	int k = iorr_reader_open(in, NULL, &r2, &err);

	if (k < 0) {
		snprintf(msg, len, "%s: %s", in, err.msg);
		return k;
	}
	while ((k = iorr_reader_next(r2, &ev, &err)) > 0) {
		const struct iorr_op_desc *d = iorr_op_get(ev.op);

		x->st.events_in++;
		if (x->cb->event) {
			k = x->cb->event(x->cb->arg, x->r, &ev);
			if (k < 0) {
				snprintf(msg, len, "seq %llu: %s",
					 (unsigned long long)ev.seq,
					 strerror(-k));
				break;
			}
			if (!k)
				continue;
		}
		for (unsigned f = 0; d && f < ev.nfields; f++) {
			int64_t m;

			if (d->fields[f].type == IORR_FT_PATH) {
				m = map_path(x, (uint32_t)ev.f[f]);
				if (m < 0) {
					k = (int)m;
					break;
				}
				ev.f[f] = (uint64_t)m;
			} else if (d->fields[f].type == IORR_FT_DATA &&
				   ev.f[f]) {
				m = map_blob(x, (uint32_t)(ev.f[f] - 1));
				if (m < 0) {
					k = (int)m;
					break;
				}
				ev.f[f] = (uint64_t)m + 1;
			}
		}
		if (k < 0 || (k = iorr_writer_event(x->w, &ev)) < 0) {
			snprintf(msg, len, "seq %llu: cannot copy: %s",
				 (unsigned long long)ev.seq, strerror(-k));
			break;
		}
		x->st.events_out++;
	}
	if (k < 0 && !msg[0])
		snprintf(msg, len, "%s: %s", in, err.msg);
	iorr_reader_close(r2);
	return k < 0 ? k : 0;
}

int iorr_rewrite_trace(const char *in, const char *out,
		       const struct iorr_rewrite *cb,
		       struct iorr_rewrite_stats *st, char *msg, size_t len)
{
	static const struct iorr_rewrite none;
	struct rw x = { .cb = cb ? cb : &none };
	struct iorr_error err;
	char *meta = NULL;
	int k;

	msg[0] = '\0';
	k = iorr_reader_open(in, NULL, &x.r, &err);
	if (k < 0 || (k = iorr_reader_finish(x.r, &err)) < 0) {
		snprintf(msg, len, "%s: %s", in, err.msg);
		goto out;
	}
	x.npaths = iorr_reader_npaths(x.r);
	x.nblobs = iorr_reader_nblobs(x.r);
	x.pmap = malloc((x.npaths + 1) * sizeof(*x.pmap));
	x.bmap = malloc((x.nblobs + 1) * sizeof(*x.bmap));
	if (!x.pmap || !x.bmap) {
		k = -ENOMEM;
		goto out;
	}
	memset(x.pmap, 0xff, (x.npaths + 1) * sizeof(*x.pmap));
	memset(x.bmap, 0xff, (x.nblobs + 1) * sizeof(*x.bmap));
	if (x.cb->metadata)
		meta = x.cb->metadata(x.cb->arg, iorr_reader_metadata(x.r));
	k = iorr_writer_open(out, meta ? meta : iorr_reader_metadata(x.r),
			     NULL, &x.w);
	if (k < 0) {
		snprintf(msg, len, "%s: %s", out, strerror(-k));
		goto out;
	}
	for (uint32_t t = 0; t < iorr_reader_nthreads(x.r); t++) {
		const struct iorr_thread *th = iorr_reader_thread(x.r, t);

		k = iorr_writer_thread(x.w, th->pid, th->tid, th->parent);
		if (k < 0)
			break;
	}
	if (k >= 0)
		k = copy_states(&x, IORR_STATE_INITIAL);
	if (k >= 0)
		k = copy_events(&x, in, msg, len);
	if (k >= 0)
		k = copy_states(&x, IORR_STATE_FINAL);
	for (size_t i = 0; k >= 0 && i < iorr_reader_nnotes(x.r); i++) {
		const char *key, *val;

		iorr_reader_note(x.r, i, &key, &val);
		k = iorr_writer_note(x.w, key, val);
	}
	for (size_t i = 0; k >= 0 && i < x.cb->nnotes; i++)
		k = iorr_writer_note(x.w, x.cb->note_keys[i],
				     x.cb->note_values[i]);
	if (k < 0 && !msg[0])
		snprintf(msg, len, "%s: %s", out, strerror(-k));
	{
		int c = iorr_writer_close(x.w);

		x.w = NULL;
		if (k >= 0 && c < 0) {
			k = c;
			snprintf(msg, len, "%s: %s", out, strerror(-c));
		}
	}
	if (k > 0)
		k = 0;
out:
	if (st)
		*st = x.st;
	free(meta);
	free(x.pmap);
	free(x.bmap);
	free(x.buf);
	iorr_reader_close(x.r);
	return k;
}
