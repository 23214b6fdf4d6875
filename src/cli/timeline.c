/* SPDX-License-Identifier: MIT */
/*
 * iorr timeline: a picture of a trace (iorr-timeline(1)).
 *
 * The trace is decoded once, by the replay library (iorr_replay_load()):
 * every event of it becomes a bar (start, end, lane, color class); the
 * file accesses and the conflicting unordered pairs come from the
 * library's analysis (iorr_replay_accesses(), iorr_replay_conflicts_upto():
 * the pairs `iorr dump --conflicts` lists).  The sweep for pairs stops
 * once the drawn ones are found and --max-count more are counted, so a
 * trace with millions of pairs costs no more than one with thousands; the
 * page then says "more than N".  The output is either
 *
 *   HTML	one self-contained page: the data as JSON in <script
 *		type="application/json"> tags and the viewer (timeline.js,
 *		timeline.css, embedded at build time).  The viewer draws SVG:
 *		individual bars when few events are in view, otherwise
 *		per-lane time buckets counted here at several resolutions, so
 *		a trace of millions of events opens fast;
 *   SVG	(--svg) a static image of the whole trace, no script.
 *
 * The data tags are split by when the viewer needs them: "tl-data" (the
 * overview: lanes, files, buckets, conflicts, marks) is parsed on load,
 * "tl-detail" (one entry per bar, columnar, delta-coded) on the first zoom
 * into detail, "tl-text" (the dump lines) on the first hover.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <uthash.h>

#include "cli/cli.h"
#include "iorr/replay.h"
#include "src/cli/timeline_assets.h"

/* Color classes of bars; the viewer's CSS has one rule per name. */
enum tl_cat {
	CAT_READ, CAT_WRITE, CAT_SYNC, CAT_META, CAT_ASYNC, CAT_LOCK,
	CAT_THREAD, CAT__COUNT
};

static const char *const cat_names[CAT__COUNT] = {
	"read", "write", "sync", "meta", "async", "lock", "thread",
};

/* SVG colors of the classes (the HTML viewer takes them from its CSS). */
static const char *const cat_colors[CAT__COUNT] = {
	"#3b82c4", "#e0522d", "#8e5cc2", "#9aa3ad", "#2aa198", "#c9a227",
	"#5d6b78",
};

/* Highlights from a replay report. */
enum {
	MARK_DIVERGENT = 1,
	MARK_EXPECTED = 2,
	MARK_ACTUAL = 4,
};

enum {
	EVF_HIDDEN = 1,		/* a completion drawn as part of its SUBMIT */
	EVF_ASYNC = 2,		/* an async request: submission..completion */
	EVF_ERROR = 4,		/* the call failed */
};

struct tl_ev {
	uint64_t seq, start, end;
	uint64_t text;		/* offset + 1 in the text buffer, 0: none */
	uint64_t text2;		/* the completion's line (async), 0: none */
	uint32_t thread;
	uint32_t pos;		/* index among drawn bars, in time order */
	uint16_t op;
	uint8_t cat;
	uint8_t flags;
	uint8_t mark;
};

struct tl_acc {
	uint32_t ev;		/* index in tl->ev */
	uint32_t file;		/* index in tl->files */
	uint64_t off, len;
	bool write;
	uint64_t data;		/* DATA field of a write */
};

struct req_ent {
	UT_hash_handle hh;
	uint64_t id;
	uint32_t ev;
};

struct path_ent {
	UT_hash_handle hh;
	const char *name;	/* the normalized path (the replay's) */
	uint32_t file;
};

/* A conflicting unordered pair of two ops on one file's bytes. */
struct tl_conf {
	uint64_t a, b;		/* seqs, a < b */
	uint32_t file;		/* index in tl->files */
	bool overlapped;	/* the two ran at the same time */
};

/* Length of an access that reaches to the end of the file. */
#define TL_TO_END UINT64_MAX

/* A divergence of the report, resolved against the trace. */
struct tl_div {
	uint64_t seq, writer_seq, actual_seq;	/* UINT64_MAX: none */
	bool actual_inferred;
	char *kind, *cls, *what, *path;
	uint64_t off, len;
	uint64_t diff_off, win_off;
	uint8_t *actual;
	size_t nactual;
};

struct tl {
	const char *trace;
	const struct iorr_reader *r;	/* the replay's (path, thread, blob) */
	struct tl_ev *ev;
	size_t nev, evcap;
	char *text;
	size_t textlen, textcap;
	size_t max_text;
	struct tl_acc *acc;
	size_t nacc, acccap;
	const char **files;	/* file index -> normalized path */
	uint64_t *extent;	/* file index -> drawn extent */
	uint32_t nfiles;
	struct path_ent *paths;
	const char *last_name;	/* add_access(): the last file looked up */
	uint32_t last_file;
	struct req_ent *reqs;
	struct iorr_replay *rp;	/* the trace, loaded for the analysis */
	struct tl_conf *conf;	/* conflicts kept to draw */
	size_t nconf;
	uint64_t conf_total;	/* conflicting pairs of file bytes */
	bool conf_exact;	/* else more than conf_total exist */
	uint64_t t0, t1;
	/* drawn bars in time order: ev indices */
	uint32_t *order;
	size_t ndrawn;
	/* lanes: lane -> thread, thread -> lane */
	uint32_t *lane_thread, *thread_lane;
	uint32_t nlanes, nthreads;
	/* report */
	struct tl_div *divs;
	size_t ndivs;
	json_t *report;
	uint64_t *mark_seqs;	/* seqs the report names, sorted */
	size_t nmark_seqs;
};

/* ---- output helpers ------------------------------------------------- */

/*
 * The output stream is written by one thread and set to
 * FSETLOCKING_BYCALLER: the unlocked putc, a macro, is a store into the
 * buffer (a page of a million events writes tens of millions of them).
 */
#define fputc(c, f) putc_unlocked(c, f)

static void put_u64(FILE *f, uint64_t v)
{
	char b[24];
	int i = sizeof(b);

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i < (int)sizeof(b))
		putc_unlocked(b[i++], f);
}

static void put_i64(FILE *f, int64_t v)
{
	if (v < 0) {
		fputc('-', f);
		put_u64(f, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(f, (uint64_t)v);
	}
}

/*
 * A JSON string that is also safe inside an HTML <script> element: '<',
 * '>' and '&' are escaped, so "</script>" and "<!--" cannot appear.
 */
static void put_jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '<':
		case '>':
		case '&':
			fprintf(f, "\\u%04x", *p);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Text for XML (SVG) content and attribute values. */
static void put_xml(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			/* XML 1.0 forbids most control characters */
			fputc(*p < 0x20 && *p != '\n' && *p != '\t' ? '?' :
			      *p, f);
		}
	}
}

/* ---- collection ------------------------------------------------------ */

/* Field indices of the ops, looked up once (-1: the op has no such field). */
struct op_fields {
	int8_t req, data, nmemb, len, iov, size;
	bool fallocate;
};

static struct op_fields op_fields[IORR_OP__COUNT];

static void op_fields_init(void)
{
	for (unsigned op = 0; op < IORR_OP__COUNT; op++) {
		struct op_fields *o = &op_fields[op];

		o->req = (int8_t)iorr_op_field_index(op, "req");
		o->data = (int8_t)iorr_op_field_index(op, "data");
		o->nmemb = (int8_t)iorr_op_field_index(op, "nmemb");
		o->len = (int8_t)iorr_op_field_index(op, "len");
		o->iov = (int8_t)iorr_op_field_index(op, "iov");
		o->size = (int8_t)iorr_op_field_index(op, "size");
		o->fallocate = strstr(iorr_op_get(op)->name, "fallocate");
	}
}

static const struct op_fields *fields_of(unsigned op)
{
	static const struct op_fields none = {
		-1, -1, -1, -1, -1, -1, false
	};

	return op < IORR_OP__COUNT ? &op_fields[op] : &none;
}

static uint8_t ev_cat(const struct iorr_op_desc *d)
{
	switch (d->cls) {
	case IORR_CLASS_READ:
		return CAT_READ;
	case IORR_CLASS_WRITE:
		return CAT_WRITE;
	case IORR_CLASS_SYNC:
		return CAT_SYNC;
	case IORR_CLASS_AIO:
		return CAT_ASYNC;
	case IORR_CLASS_LOCK:
		return CAT_LOCK;
	case IORR_CLASS_THREAD:
		return CAT_THREAD;
	default:
		return CAT_META;
	}
}

static bool seq_marked(const struct tl *tl, uint64_t seq)
{
	size_t lo = 0, hi = tl->nmark_seqs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (tl->mark_seqs[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < tl->nmark_seqs && tl->mark_seqs[lo] == seq;
}

/* Store the dump line of @ev.  @return its reference (offset + 1), 0 on
 * failure to allocate. */
static uint64_t keep_text(struct tl *tl, const struct iorr_event *ev)
{
	char line[8192];
	size_t n = cli_format_event(tl->r, ev, tl->t0, line, sizeof(line));

	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	if (tl->textlen + n + 1 > tl->textcap) {
		size_t cap = tl->textcap ? tl->textcap * 2 : 1 << 16;

		while (cap < tl->textlen + n + 1)
			cap *= 2;
		char *t = realloc(tl->text, cap);

		if (!t)
			return 0;
		tl->text = t;
		tl->textcap = cap;
	}
	memcpy(tl->text + tl->textlen, line, n);
	tl->text[tl->textlen + n] = '\0';
	uint64_t ref = tl->textlen + 1;

	tl->textlen += n + 1;
	return ref;
}

static int file_index(struct tl *tl, const char *name, uint32_t *out)
{
	struct path_ent *p;

	HASH_FIND_STR(tl->paths, name, p);
	if (p) {
		*out = p->file;
		return 0;
	}
	if ((tl->nfiles & (tl->nfiles - 1)) == 0) {
		uint32_t cap = tl->nfiles ? tl->nfiles * 2 : 8;
		const char **f = realloc(tl->files, cap * sizeof(*f));
		uint64_t *x = f ? realloc(tl->extent, cap * sizeof(*x)) : NULL;

		if (f)
			tl->files = f;
		if (!x)
			return -ENOMEM;
		tl->extent = x;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->name = name;
	p->file = tl->nfiles;
	tl->files[tl->nfiles] = name;
	tl->extent[tl->nfiles] = 0;
	tl->nfiles++;
	HASH_ADD_KEYPTR(hh, tl->paths, p->name, strlen(p->name), p);
	*out = p->file;
	return 0;
}

/* Index of the event with @seq (events are kept in seq order), or -1. */
static ssize_t ev_by_seq(const struct tl *tl, uint64_t seq)
{
	size_t lo = 0, hi = tl->nev;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (tl->ev[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < tl->nev && tl->ev[lo].seq == seq ? (ssize_t)lo : -1;
}

/* The DATA field of @ev (a write, or an async write's completion). */
static uint64_t data_of(const struct iorr_event *ev)
{
	int k = ev ? fields_of(ev->op)->data : -1;

	return k >= 0 ? ev->f[k] : 0;
}

/*
 * The bytes op @ev moved when its result (@dn's: the completion of an
 * async request, or @ev itself) counts them: reads, writes, copies; to
 * draw a short read as what it read.  @return false when it does not.
 */
static bool moved_bytes(const struct iorr_event *ev,
			const struct iorr_event *dn, uint64_t *n)
{
	const struct iorr_op_desc *d = iorr_op_get(ev->op);
	const struct op_fields *o = fields_of(ev->op);
	int nmemb = o->nmemb;

	if ((d->cls != IORR_CLASS_READ && d->cls != IORR_CLASS_WRITE) ||
	    o->fallocate || dn->result < 0 ||
	    (nmemb < 0 && o->len < 0 && o->iov < 0))
		return false;
	*n = (uint64_t)dn->result;
	int k = o->size;

	if (nmemb >= 0 && k >= 0)
		*n *= ev->f[k];
	return true;
}

/*
 * Add access @a.  The accesses come in trace order and tl->ev holds every
 * event of the trace in that order: *@cur, the index of the previous
 * access's event, moves forward to @a's.
 */
static int add_access(struct tl *tl, const struct iorr_access *a,
		      size_t *cur)
{
	size_t e = *cur;
	uint32_t file;

	while (e < tl->nev && tl->ev[e].seq < a->seq)
		e++;
	if (e >= tl->nev || tl->ev[e].seq != a->seq) {
		ssize_t x = ev_by_seq(tl, a->seq);	/* not in order */

		if (x < 0)
			return 0;
		e = (size_t)x;
	}
	*cur = e;
	const struct iorr_event *ev = iorr_replay_event_at(tl->rp, e);
	const struct iorr_event *dn = a->done_seq == a->seq ? ev :
		a->done_seq ? iorr_replay_event(tl->rp, a->done_seq) : NULL;

	/* a failed call (or request) touched no bytes */
	if (!ev || (dn && (dn->err || dn->result < 0)))
		return 0;
	/* the names are the replay's: one pointer per file */
	if (a->file == tl->last_name) {
		file = tl->last_file;
	} else {
		if (file_index(tl, a->file, &file) < 0)
			return -ENOMEM;
		tl->last_name = a->file;
		tl->last_file = file;
	}
	if (tl->nacc == tl->acccap) {
		size_t cap = tl->acccap ? tl->acccap * 2 : 4096;
		struct tl_acc *n = realloc(tl->acc, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		tl->acc = n;
		tl->acccap = cap;
	}
	uint64_t data = 0, len = a->end == UINT64_MAX ? TL_TO_END :
				 a->end - a->off, moved;

	if (len != TL_TO_END && dn && moved_bytes(ev, dn, &moved) &&
	    moved < len) {
		if (!moved)
			return 0;	/* at the end of the file: nothing */
		len = moved;
	}
	if (a->write) {
		data = data_of(ev);
		if (!data && dn != ev)
			data = data_of(dn);
	}
	tl->acc[tl->nacc++] = (struct tl_acc){
		.ev = (uint32_t)e, .file = file, .off = a->off,
		.len = len,
		.write = a->write, .data = data,
	};
	return 0;
}

/*
 * The file accesses and the conflicting unordered pairs on file bytes,
 * from the replay library's analysis of the trace: at most @max pairs are
 * kept to draw, and the count stops past @count_max (0: counts all).
 * @return 0, -ENOMEM, or another -errno with @msg.
 */
static int analyze(struct tl *tl, size_t max, uint64_t count_max, char *msg,
		   size_t len)
{
	struct iorr_access *acc = NULL;
	struct iorr_conflict *cl = NULL;
	size_t nacc = 0, ncl = 0, cur = 0, other = 0;
	uint64_t total = 0;
	bool exact = true;
	int k = iorr_replay_accesses(tl->rp, &acc, &nacc);

	if (k == 0 && nacc) {
		tl->acc = malloc(nacc * sizeof(*tl->acc));
		if (!tl->acc)
			k = -ENOMEM;
		tl->acccap = tl->acc ? nacc : 0;
	}
	for (size_t i = 0; k == 0 && i < nacc; i++)
		k = add_access(tl, &acc[i], &cur);
	free(acc);
	if (k == 0)
		k = iorr_replay_conflicts_upto(tl->rp, max, count_max,
					       IORR_CONFLICT_BYTES, &cl, &ncl,
					       &total, &exact);
	if (k == 0 && ncl && !(tl->conf = calloc(ncl, sizeof(*tl->conf))))
		k = -ENOMEM;
	for (size_t i = 0; k == 0 && i < ncl; i++) {
		struct path_ent *p;

		/* a file whose every access failed has no lane */
		HASH_FIND_STR(tl->paths, cl[i].file, p);
		if (!p) {
			other++;
			continue;
		}
		tl->conf[tl->nconf++] = (struct tl_conf){
			.a = cl[i].seq[0], .b = cl[i].seq[1], .file = p->file,
			.overlapped = cl[i].overlapped,
		};
	}
	free(cl);
	tl->conf_total = total - other;
	tl->conf_exact = exact;
	if (k < 0 && k != -ENOMEM)
		snprintf(msg, len, "%s: cannot compute the conflicts: %s",
			 tl->trace, strerror(-k));
	return k;
}

/* One bar per event of the loaded trace, in trace order. */
static int collect(struct tl *tl)
{
	size_t n = iorr_replay_nevents(tl->rp);

	if (n > UINT32_MAX)
		return -EFBIG;
	tl->ev = malloc((n ? n : 1) * sizeof(*tl->ev));
	if (!tl->ev)
		return -ENOMEM;
	tl->evcap = n;
	for (size_t i = 0; i < n; i++) {
		const struct iorr_event *ev = iorr_replay_event_at(tl->rp, i);
		const struct iorr_op_desc *d = iorr_op_get(ev->op);
		struct tl_ev *e;

		if (tl->nev == 0)
			tl->t0 = ev->start_ns;
		e = &tl->ev[tl->nev++];
		memset(e, 0, sizeof(*e));
		e->seq = ev->seq;
		e->start = ev->start_ns < tl->t0 ? tl->t0 : ev->start_ns;
		e->end = ev->end_ns < e->start ? e->start : ev->end_ns;
		e->thread = ev->thread;
		e->op = ev->op;
		e->cat = ev_cat(d);
		if (ev->err || (d->kind == IORR_KIND_COMPLETE && ev->result < 0))
			e->flags |= EVF_ERROR;
		bool text = tl->nev <= tl->max_text || seq_marked(tl, ev->seq);

		if (text && !(e->text = keep_text(tl, ev)))
			return -ENOMEM;
		if (ev->thread >= tl->nthreads)
			tl->nthreads = ev->thread + 1;

		int id = fields_of(ev->op)->req;

		if (d->kind == IORR_KIND_SUBMIT && id >= 0) {
			struct req_ent *q;
			uint64_t rid = ev->f[id];

			HASH_FIND(hh, tl->reqs, &rid, sizeof(rid), q);
			if (!q) {
				q = calloc(1, sizeof(*q));
				if (!q)
					return -ENOMEM;
				q->id = rid;
				HASH_ADD(hh, tl->reqs, id, sizeof(q->id), q);
			}
			q->ev = (uint32_t)(tl->nev - 1);
			e->flags |= EVF_ASYNC;
		} else if (d->kind == IORR_KIND_COMPLETE && id >= 0) {
			struct req_ent *q;
			uint64_t rid = ev->f[id];

			HASH_FIND(hh, tl->reqs, &rid, sizeof(rid), q);
			if (q) {
				/* one bar from submission to completion */
				struct tl_ev *s = &tl->ev[q->ev];

				if (e->end > s->end)
					s->end = e->end;
				s->flags |= e->flags & EVF_ERROR;
				s->text2 = e->text;
				e->flags |= EVF_HIDDEN;
				HASH_DEL(tl->reqs, q);
				free(q);
			}
		}
	}
	return 0;
}

/* ---- report ---------------------------------------------------------- */

static uint64_t jseq(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 ?
	       (uint64_t)json_integer_value(v) : UINT64_MAX;
}

static char *jstrdup(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint8_t *hex_decode(const char *s, size_t *n)
{
	size_t len = s ? strlen(s) : 0;
	uint8_t *b;

	*n = 0;
	if (!s || len % 2 || !(b = malloc(len / 2 + 1)))
		return NULL;
	for (size_t i = 0; i < len; i += 2) {
		unsigned v;

		if (sscanf(s + i, "%2x", &v) != 1) {
			free(b);
			return NULL;
		}
		b[i / 2] = (uint8_t)v;
	}
	*n = len / 2;
	return b;
}

/*
 * Read an `iorr replay --json` report (or any object with such a
 * "divergences" array, as hunt writes).  @return 0, or -1 (message printed).
 */
static int load_report(struct tl *tl, const char *path)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je), *divs;

	if (!root) {
		cli_error("%s: line %d: %s", path, je.line, je.text);
		return -1;
	}
	divs = json_object_get(root, "divergences");
	if (!json_is_array(divs)) {
		cli_error("%s: not a replay report (no \"divergences\" array)",
			  path);
		json_decref(root);
		return -1;
	}
	tl->report = root;
	tl->ndivs = json_array_size(divs);
	tl->divs = calloc(tl->ndivs + 1, sizeof(*tl->divs));
	tl->mark_seqs = calloc(3 * tl->ndivs + 1, sizeof(*tl->mark_seqs));
	if (!tl->divs || !tl->mark_seqs) {
		cli_error("%s: out of memory", path);
		return -1;
	}
	for (size_t i = 0; i < tl->ndivs; i++) {
		json_t *o = json_array_get(divs, i);
		struct tl_div *d = &tl->divs[i];

		d->seq = jseq(o, "seq");
		d->writer_seq = jseq(o, "writer_seq");
		d->actual_seq = jseq(o, "actual_writer_seq");
		d->kind = jstrdup(o, "kind");
		d->cls = jstrdup(o, "class");
		d->what = jstrdup(o, "what");
		d->path = jstrdup(o, "path");
		d->off = jseq(o, "off");
		d->len = jseq(o, "len");
		d->diff_off = jseq(o, "diff_off");
		d->win_off = jseq(o, "window_off");
		json_t *a = json_object_get(o, "actual");

		d->actual = hex_decode(json_string_value(a), &d->nactual);
		if (d->seq != UINT64_MAX)
			tl->mark_seqs[tl->nmark_seqs++] = d->seq;
		if (d->writer_seq != UINT64_MAX)
			tl->mark_seqs[tl->nmark_seqs++] = d->writer_seq;
		if (d->actual_seq != UINT64_MAX)
			tl->mark_seqs[tl->nmark_seqs++] = d->actual_seq;
	}
	qsort(tl->mark_seqs, tl->nmark_seqs, sizeof(*tl->mark_seqs), cmp_u64);
	return 0;
}

/* Does write @a's payload hold @d's actual bytes where the two overlap? */
static bool payload_matches(const struct tl *tl, const struct tl_acc *a,
			    const struct tl_div *d)
{
	const struct iorr_blob *b;

	if (!a->write || !a->data || a->len == TL_TO_END)
		return false;
	b = iorr_reader_blob(tl->r, (uint32_t)(a->data - 1));
	if (!b || !b->data || d->diff_off < a->off ||
	    d->diff_off >= a->off + a->len || d->diff_off - a->off >= b->size)
		return false;
	uint64_t lo = a->off > d->win_off ? a->off : d->win_off;
	uint64_t hi = a->off + a->len;

	if (hi > a->off + b->size)
		hi = a->off + b->size;
	if (hi > d->win_off + d->nactual)
		hi = d->win_off + d->nactual;
	for (uint64_t o = lo; o < hi; o++)
		if (b->data[o - a->off] != d->actual[o - d->win_off])
			return false;
	return true;
}

/*
 * A replay report names the op that should have produced the bytes, not
 * the one that did.  When the trace holds write payloads, the actual
 * writer is inferred: the write to the file, other than the expected
 * writer, whose payload holds the actual bytes, nearest to the divergent
 * op in the recorded order.
 */
static void infer_actual(struct tl *tl, struct tl_div *d)
{
	ssize_t de = d->seq == UINT64_MAX ? -1 : ev_by_seq(tl, d->seq);
	uint32_t file = UINT32_MAX;
	uint64_t best = UINT64_MAX, bestdist = UINT64_MAX;

	if (d->actual_seq != UINT64_MAX || !d->actual || de < 0 ||
	    d->diff_off == UINT64_MAX || d->win_off == UINT64_MAX)
		return;
	for (size_t i = 0; i < tl->nacc; i++)
		if (tl->acc[i].ev == (uint32_t)de)
			file = tl->acc[i].file;
	if (file == UINT32_MAX)
		return;
	for (size_t i = 0; i < tl->nacc; i++) {
		const struct tl_acc *a = &tl->acc[i];
		uint64_t s = tl->ev[a->ev].seq;
		uint64_t dist = s > d->seq ? s - d->seq : d->seq - s;

		if (a->file != file || s == d->writer_seq || s == d->seq ||
		    !payload_matches(tl, a, d))
			continue;
		if (dist < bestdist) {
			best = s;
			bestdist = dist;
		}
	}
	d->actual_seq = best;
	d->actual_inferred = best != UINT64_MAX;
}

static void apply_marks(struct tl *tl)
{
	for (size_t i = 0; i < tl->ndivs; i++) {
		struct tl_div *d = &tl->divs[i];
		ssize_t e;

		infer_actual(tl, d);
		if (d->seq != UINT64_MAX && (e = ev_by_seq(tl, d->seq)) >= 0)
			tl->ev[e].mark |= MARK_DIVERGENT;
		if (d->writer_seq != UINT64_MAX &&
		    (e = ev_by_seq(tl, d->writer_seq)) >= 0)
			tl->ev[e].mark |= MARK_EXPECTED;
		if (d->actual_seq != UINT64_MAX &&
		    (e = ev_by_seq(tl, d->actual_seq)) >= 0)
			tl->ev[e].mark |= MARK_ACTUAL;
	}
}

/* ---- layout ----------------------------------------------------------- */

static const struct tl *sort_tl;

static int cmp_start(const void *a, const void *b)
{
	const struct tl_ev *x = &sort_tl->ev[*(const uint32_t *)a];
	const struct tl_ev *y = &sort_tl->ev[*(const uint32_t *)b];

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_lane(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct iorr_thread *tx = iorr_reader_thread(sort_tl->r, x);
	const struct iorr_thread *ty = iorr_reader_thread(sort_tl->r, y);

	/* group a process's threads; processes by their first thread */
	if (tx->pid != ty->pid) {
		uint32_t fx = x, fy = y;

		for (uint32_t t = 0; t < sort_tl->nthreads; t++) {
			const struct iorr_thread *th =
				iorr_reader_thread(sort_tl->r, t);

			if (th->pid == tx->pid && t < fx)
				fx = t;
			if (th->pid == ty->pid && t < fy)
				fy = t;
		}
		return fx < fy ? -1 : 1;
	}
	return x < y ? -1 : x > y;
}

static int layout(struct tl *tl)
{
	bool *used;

	tl->order = malloc((tl->nev + 1) * sizeof(*tl->order));
	tl->thread_lane = malloc((tl->nthreads + 1) * sizeof(uint32_t));
	tl->lane_thread = malloc((tl->nthreads + 1) * sizeof(uint32_t));
	used = calloc(tl->nthreads + 1, sizeof(*used));
	if (!tl->order || !tl->thread_lane || !tl->lane_thread || !used) {
		free(used);
		return -ENOMEM;
	}
	tl->t1 = tl->t0;
	for (size_t i = 0; i < tl->nev; i++) {
		if (tl->ev[i].flags & EVF_HIDDEN)
			continue;
		tl->order[tl->ndrawn++] = (uint32_t)i;
		used[tl->ev[i].thread] = true;
		if (tl->ev[i].end > tl->t1)
			tl->t1 = tl->ev[i].end;
	}
	sort_tl = tl;
	qsort(tl->order, tl->ndrawn, sizeof(*tl->order), cmp_start);
	for (size_t p = 0; p < tl->ndrawn; p++)
		tl->ev[tl->order[p]].pos = (uint32_t)p;
	for (uint32_t t = 0; t < tl->nthreads; t++)
		if (used[t])
			tl->lane_thread[tl->nlanes++] = t;
	qsort(tl->lane_thread, tl->nlanes, sizeof(uint32_t), cmp_lane);
	for (uint32_t t = 0; t < tl->nthreads; t++)
		tl->thread_lane[t] = UINT32_MAX;
	for (uint32_t l = 0; l < tl->nlanes; l++)
		tl->thread_lane[tl->lane_thread[l]] = l;
	free(used);
	/* a file's extent: its initial size and the ends of its accesses */
	size_t ns = iorr_reader_nstates(tl->r, IORR_STATE_INITIAL);

	for (size_t i = 0; i < ns; i++) {
		const struct iorr_file_state *st =
			iorr_reader_state(tl->r, IORR_STATE_INITIAL, i);
		const char *name = iorr_reader_path(tl->r, st->path);
		struct path_ent *p;

		if (!name || !(st->flags & IORR_FS_EXISTS))
			continue;
		HASH_FIND_STR(tl->paths, name, p);
		if (p && st->size > tl->extent[p->file])
			tl->extent[p->file] = st->size;
	}
	for (size_t i = 0; i < tl->nacc; i++) {
		const struct tl_acc *a = &tl->acc[i];
		uint64_t end = a->len == TL_TO_END ? a->off + 1 :
			       a->off + a->len;

		if (end > tl->extent[a->file])
			tl->extent[a->file] = end;
	}
	return 0;
}

/* ---- time buckets ------------------------------------------------------ */

/*
 * Count, for each of @nb buckets over [t0, t1] and each class, the bars of
 * lane @lane that overlap the bucket, into @cnt[nb * CAT__COUNT] (zeroed by
 * the caller).  Difference arrays keep it O(bars + buckets) however long
 * the bars are.
 */
static void lane_buckets(const struct tl *tl, const uint32_t *bars,
			 size_t nbars, uint32_t nb, int32_t *cnt)
{
	double span = (double)(tl->t1 - tl->t0) + 1;

	for (size_t k = 0; k < nbars; k++) {
		const struct tl_ev *e = &tl->ev[bars[k]];
		uint32_t b0 = (uint32_t)((double)(e->start - tl->t0) / span *
					 nb);
		uint32_t b1 = (uint32_t)((double)(e->end - tl->t0) / span * nb);

		if (b0 >= nb)
			b0 = nb - 1;
		if (b1 >= nb)
			b1 = nb - 1;
		cnt[b0 * CAT__COUNT + e->cat]++;
		if (b1 + 1 < nb)
			cnt[(b1 + 1) * CAT__COUNT + e->cat]--;
	}
	for (uint32_t b = 1; b < nb; b++)
		for (int c = 0; c < CAT__COUNT; c++)
			cnt[b * CAT__COUNT + c] += cnt[(b - 1) * CAT__COUNT + c];
}

/* Bars of each lane, in time order: lane_bars[lane_off[l] .. [l+1]). */
static int bars_by_lane(const struct tl *tl, uint32_t **bars, size_t **off)
{
	size_t *o = calloc(tl->nlanes + 1, sizeof(*o));
	uint32_t *b = malloc((tl->ndrawn + 1) * sizeof(*b));
	size_t *fill = calloc(tl->nlanes + 1, sizeof(*fill));

	if (!o || !b || !fill) {
		free(o);
		free(b);
		free(fill);
		return -ENOMEM;
	}
	for (size_t p = 0; p < tl->ndrawn; p++)
		o[tl->thread_lane[tl->ev[tl->order[p]].thread] + 1]++;
	for (uint32_t l = 0; l < tl->nlanes; l++)
		o[l + 1] += o[l];
	for (size_t p = 0; p < tl->ndrawn; p++) {
		uint32_t l = tl->thread_lane[tl->ev[tl->order[p]].thread];

		b[o[l] + fill[l]++] = tl->order[p];
	}
	free(fill);
	*bars = b;
	*off = o;
	return 0;
}

/* ---- HTML -------------------------------------------------------------- */

/* Bars in view at most for the viewer's detail mode (timeline.js). */
#define DETAIL_MAX 6000

static const uint32_t levels[] = { 1024, 8192, 65536 };
#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

/* File grid: time buckets x offset rows, for zoomed-out file lanes. */
static const uint32_t flevels[] = { 1024, 8192 };
#define NFLEVELS (sizeof(flevels) / sizeof(flevels[0]))
#define FROWS 32

static void put_meta(FILE *f, const struct tl *tl)
{
	const char *meta = iorr_reader_metadata(tl->r);
	json_t *m = json_loads(meta, 0, NULL);
	json_t *desc = m ? json_object_get(m, "description") : NULL;
	json_t *cmd = m ? json_object_get(m, "cmdline") : NULL;

	fputs("\"trace\":", f);
	put_jstr(f, tl->trace);
	if (json_is_string(desc)) {
		fputs(",\"description\":", f);
		put_jstr(f, json_string_value(desc));
	}
	if (json_is_array(cmd)) {
		size_t i;
		json_t *a;

		fputs(",\"cmdline\":[", f);
		json_array_foreach(cmd, i, a) {
			if (i)
				fputc(',', f);
			put_jstr(f, json_is_string(a) ? json_string_value(a) :
				 "?");
		}
		fputc(']', f);
	}
	json_decref(m);
}

static void put_levels(FILE *f, const struct tl *tl, const uint32_t *bars,
		       const size_t *boff, int32_t *cnt)
{
	fputs(",\"levels\":[", f);
	for (size_t lv = 0; lv < NLEVELS; lv++) {
		uint32_t nb = levels[lv];

		/* no finer level than there are bars */
		if (lv && levels[lv - 1] >= tl->ndrawn)
			break;
		fprintf(f, "%s{\"n\":%" PRIu32 ",\"lanes\":[", lv ? "," : "",
			nb);
		for (uint32_t l = 0; l < tl->nlanes; l++) {
			int64_t prev = -1;

			memset(cnt, 0, (size_t)nb * CAT__COUNT * sizeof(*cnt));
			lane_buckets(tl, bars + boff[l], boff[l + 1] - boff[l],
				     nb, cnt);
			/* sparse: [bucket delta, class mask, counts...] */
			fputs(l ? ",[" : "[", f);
			bool first = true;

			for (uint32_t b = 0; b < nb; b++) {
				const int32_t *c = cnt + (size_t)b * CAT__COUNT;
				unsigned mask = 0;

				for (int k = 0; k < CAT__COUNT; k++)
					if (c[k] > 0)
						mask |= 1u << k;
				if (!mask)
					continue;
				if (!first)
					fputc(',', f);
				first = false;
				put_u64(f, (uint64_t)((int64_t)b - prev));
				fputc(',', f);
				put_u64(f, mask);
				for (int k = 0; k < CAT__COUNT; k++) {
					if (!(mask & (1u << k)))
						continue;
					fputc(',', f);
					put_u64(f, (uint64_t)c[k]);
				}
				prev = b;
			}
			fputc(']', f);
		}
		fputs("]}", f);
	}
	fputc(']', f);
}

/* Accesses of each file, in time order of their bars. */
static int acc_by_file(const struct tl *tl, uint32_t **out, size_t **offp)
{
	size_t *o = calloc(tl->nfiles + 1, sizeof(*o));
	size_t *fill = calloc(tl->nfiles + 1, sizeof(*fill));
	uint32_t *a = malloc((tl->nacc + 1) * sizeof(*a));

	if (!o || !fill || !a) {
		free(o);
		free(fill);
		free(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < tl->nacc; i++)
		o[tl->acc[i].file + 1]++;
	for (uint32_t k = 0; k < tl->nfiles; k++)
		o[k + 1] += o[k];
	for (size_t i = 0; i < tl->nacc; i++)
		a[o[tl->acc[i].file] + fill[tl->acc[i].file]++] = (uint32_t)i;
	free(fill);
	*out = a;
	*offp = o;
	return 0;
}

/* The offset rows [r0, r1] access @a covers in a file of @extent bytes. */
static void acc_rows(const struct tl_acc *a, uint64_t extent, unsigned rows,
		     unsigned *r0, unsigned *r1)
{
	double ext = extent ? (double)extent : 1;
	double end = a->len == TL_TO_END ? ext :
		     (double)a->off + (double)a->len;

	*r0 = (unsigned)((double)a->off / ext * rows);
	*r1 = end > (double)a->off ? (unsigned)((end - 1) / ext * rows) : *r0;
	if (*r0 >= rows)
		*r0 = rows - 1;
	if (*r1 >= rows)
		*r1 = rows - 1;
}

/*
 * Reads and writes per (time bucket, offset row) of one file: @grid holds
 * nb * rows * 2 counters (zeroed by the caller).
 */
static void file_grid(const struct tl *tl, const uint32_t *accs, size_t n,
		      uint32_t file, uint32_t nb, unsigned rows,
		      uint32_t *grid)
{
	double span = (double)(tl->t1 - tl->t0) + 1;

	for (size_t k = 0; k < n; k++) {
		const struct tl_acc *a = &tl->acc[accs[k]];
		const struct tl_ev *e = &tl->ev[a->ev];
		uint32_t b0 = (uint32_t)((double)(e->start - tl->t0) / span *
					 nb);
		uint32_t b1 = (uint32_t)((double)(e->end - tl->t0) / span * nb);
		unsigned r0, r1;

		acc_rows(a, tl->extent[file], rows, &r0, &r1);
		if (b1 >= nb)
			b1 = nb - 1;
		/* NOTE: long accesses count in their first 64 buckets only */
		if (b1 > b0 + 63)
			b1 = b0 + 63;
		for (uint32_t b = b0; b <= b1; b++)
			for (unsigned r = r0; r <= r1; r++)
				grid[((size_t)b * rows + r) * 2 + a->write]++;
	}
}

static int put_file_levels(FILE *f, const struct tl *tl, const uint32_t *accs,
			   const size_t *aoff)
{
	uint32_t *grid = malloc((size_t)flevels[NFLEVELS - 1] * FROWS * 2 *
				sizeof(*grid));

	if (!grid)
		return -ENOMEM;
	fputs(",\"flevels\":[", f);
	for (size_t lv = 0; lv < NFLEVELS; lv++) {
		uint32_t nb = flevels[lv];

		fprintf(f, "%s{\"n\":%" PRIu32 ",\"rows\":%d,\"files\":[",
			lv ? "," : "", nb, FROWS);
		for (uint32_t file = 0; file < tl->nfiles; file++) {
			int64_t prev = -1;
			bool first = true;

			memset(grid, 0, (size_t)nb * FROWS * 2 * sizeof(*grid));
			file_grid(tl, accs + aoff[file], aoff[file + 1] -
				  aoff[file], file, nb, FROWS, grid);
			/* sparse: [cell delta, reads, writes] */
			fputs(file ? ",[" : "[", f);
			for (uint32_t cell = 0; cell < nb * FROWS; cell++) {
				uint32_t rd = grid[cell * 2], wr = grid[cell * 2 + 1];

				if (!rd && !wr)
					continue;
				if (!first)
					fputc(',', f);
				first = false;
				put_u64(f, (uint64_t)((int64_t)cell - prev));
				fputc(',', f);
				put_u64(f, rd);
				fputc(',', f);
				put_u64(f, wr);
				prev = cell;
			}
			fputc(']', f);
		}
		fputs("]}", f);
	}
	fputc(']', f);
	free(grid);
	return 0;
}

static void put_marks(FILE *f, const struct tl *tl)
{
	fputs(",\"divergences\":[", f);
	for (size_t i = 0; i < tl->ndivs; i++) {
		const struct tl_div *d = &tl->divs[i];
		ssize_t e;

		fprintf(f, "%s{", i ? "," : "");
		fputs("\"kind\":", f);
		put_jstr(f, d->kind ? d->kind : "?");
		fputs(",\"class\":", f);
		put_jstr(f, d->cls ? d->cls : "?");
		fputs(",\"what\":", f);
		put_jstr(f, d->what ? d->what : "");
		if (d->path) {
			fputs(",\"path\":", f);
			put_jstr(f, d->path);
		}
		if (d->off != UINT64_MAX && d->len != UINT64_MAX) {
			fputs(",\"off\":", f);
			put_u64(f, d->off);
			fputs(",\"len\":", f);
			put_u64(f, d->len);
		}
		const struct {
			const char *key;
			uint64_t seq;
		} refs[] = {
			{ "op", d->seq },
			{ "expected", d->writer_seq },
			{ "actual", d->actual_seq },
		};
		for (size_t k = 0; k < 3; k++) {
			if (refs[k].seq == UINT64_MAX)
				continue;
			fprintf(f, ",\"%s_seq\":", refs[k].key);
			put_u64(f, refs[k].seq);
			e = ev_by_seq(tl, refs[k].seq);
			if (e < 0 || (tl->ev[e].flags & EVF_HIDDEN))
				continue;
			/* where to draw its marker, without the detail */
			fprintf(f, ",\"%s\":", refs[k].key);
			put_u64(f, tl->ev[e].pos);
			fprintf(f, ",\"%s_t\":", refs[k].key);
			put_u64(f, tl->ev[e].start - tl->t0);
			fprintf(f, ",\"%s_d\":", refs[k].key);
			put_u64(f, tl->ev[e].end - tl->ev[e].start);
			fprintf(f, ",\"%s_l\":", refs[k].key);
			put_u64(f, tl->thread_lane[tl->ev[e].thread]);
		}
		if (d->actual_inferred)
			fputs(",\"actual_inferred\":true", f);
		fputc('}', f);
	}
	fputc(']', f);
	if (tl->report) {
		json_t *v = json_object_get(tl->report, "verdict");
		json_t *c = json_object_get(tl->report, "command");

		if (json_is_string(v)) {
			fputs(",\"verdict\":", f);
			put_jstr(f, json_string_value(v));
		}
		if (json_is_string(c)) {
			fputs(",\"command\":", f);
			put_jstr(f, json_string_value(c));
		}
	}
}

static void put_conflicts(FILE *f, const struct tl *tl)
{
	size_t n = tl->nconf;
	const struct tl_conf *cl = tl->conf;
	const char *const keys[] = { "a", "b", "f", "ov" };

	fputs(",\"conflicts\":{\"total\":", f);
	put_u64(f, tl->conf_total);
	/* the count stopped: more than total exist */
	fputs(tl->conf_exact ? ",\"more\":false" : ",\"more\":true", f);
	for (size_t k = 0; k < 4; k++) {
		bool first = true;

		fprintf(f, ",\"%s\":[", keys[k]);
		for (size_t i = 0; i < n; i++) {
			ssize_t a = ev_by_seq(tl, cl[i].a);
			ssize_t b = ev_by_seq(tl, cl[i].b);

			if (a < 0 || b < 0)
				continue;
			if (!first)
				fputc(',', f);
			first = false;
			switch (k) {
			case 0:
				put_u64(f, tl->ev[a].pos);
				break;
			case 1:
				put_u64(f, tl->ev[b].pos);
				break;
			case 2:
				put_u64(f, cl[i].file);
				break;
			default:
				put_u64(f, cl[i].overlapped);
			}
		}
		fputc(']', f);
	}
	fputc('}', f);
}

static int put_overview(FILE *f, const struct tl *tl)
{
	uint32_t *bars, *accs;
	size_t *boff, *aoff;
	int32_t *cnt;

	fputs("{\"version\":1,", f);
	put_meta(f, tl);
	fputs(",\"events\":", f);
	put_u64(f, tl->nev);
	fputs(",\"bars\":", f);
	put_u64(f, tl->ndrawn);
	fputs(",\"span\":", f);
	put_u64(f, tl->t1 - tl->t0);
	fprintf(f, ",\"detailMax\":%d,\"cats\":[", DETAIL_MAX);
	for (int c = 0; c < CAT__COUNT; c++) {
		if (c)
			fputc(',', f);
		put_jstr(f, cat_names[c]);
	}
	fputs("],\"ops\":[", f);
	for (unsigned op = 0; op < IORR_OP__COUNT; op++) {
		if (op)
			fputc(',', f);
		put_jstr(f, iorr_op_get(op)->name);
	}
	fputs("],\"opcat\":[", f);
	for (unsigned op = 0; op < IORR_OP__COUNT; op++) {
		if (op)
			fputc(',', f);
		put_u64(f, ev_cat(iorr_op_get(op)));
	}
	fputs("],\"lanes\":[", f);
	for (uint32_t l = 0; l < tl->nlanes; l++) {
		const struct iorr_thread *t =
			iorr_reader_thread(tl->r, tl->lane_thread[l]);

		fprintf(f, "%s{\"thread\":%" PRIu32 ",\"pid\":%d,\"tid\":%d}",
			l ? "," : "", tl->lane_thread[l], t->pid, t->tid);
	}
	fputs("],\"files\":[", f);
	for (uint32_t k = 0; k < tl->nfiles; k++) {
		const char *p = tl->files[k];

		fputs(k ? ",{\"path\":" : "{\"path\":", f);
		put_jstr(f, p ? p : "?");
		fputs(",\"extent\":", f);
		put_u64(f, tl->extent[k]);
		fputc('}', f);
	}
	fputc(']', f);
	if (tl->ndrawn > DETAIL_MAX) {
		if (bars_by_lane(tl, &bars, &boff) < 0)
			return -ENOMEM;
		cnt = malloc((size_t)levels[NLEVELS - 1] * CAT__COUNT *
			     sizeof(*cnt));
		if (!cnt) {
			free(bars);
			free(boff);
			return -ENOMEM;
		}
		put_levels(f, tl, bars, boff, cnt);
		free(cnt);
		free(bars);
		free(boff);
	}
	if (tl->nacc > DETAIL_MAX) {
		if (acc_by_file(tl, &accs, &aoff) < 0)
			return -ENOMEM;
		int k = put_file_levels(f, tl, accs, aoff);

		free(accs);
		free(aoff);
		if (k < 0)
			return k;
	}
	put_conflicts(f, tl);
	put_marks(f, tl);
	fputc('}', f);
	return 0;
}

/* One column of the detail tag: @what picks the value of bar @p. */
enum col { COL_SEQ, COL_LANE, COL_T, COL_DUR, COL_OP };

static void put_column(FILE *f, const struct tl *tl, const char *name,
		       enum col what)
{
	int64_t prev = 0;

	fprintf(f, "\"%s\":[", name);
	for (size_t p = 0; p < tl->ndrawn; p++) {
		const struct tl_ev *e = &tl->ev[tl->order[p]];
		int64_t v;

		if (p)
			fputc(',', f);
		switch (what) {
		case COL_SEQ:
			/* delta-coded: mostly small in time order */
			v = (int64_t)e->seq - prev;
			prev = (int64_t)e->seq;
			break;
		case COL_LANE:
			v = tl->thread_lane[e->thread];
			break;
		case COL_T:
			v = (int64_t)(e->start - tl->t0) - prev;
			prev = (int64_t)(e->start - tl->t0);
			break;
		case COL_DUR:
			v = (int64_t)(e->end - e->start);
			break;
		default:
			v = e->op;
		}
		put_i64(f, v);
	}
	fputc(']', f);
}

static int put_detail(FILE *f, const struct tl *tl)
{
	static const struct {
		const char *name;
		enum col col;
	} cols[] = {
		{ "s", COL_SEQ }, { "l", COL_LANE }, { "t", COL_T },
		{ "d", COL_DUR }, { "o", COL_OP },
	};
	uint32_t *ord = malloc((tl->nacc + 1) * sizeof(*ord));
	uint32_t *at = calloc(tl->ndrawn + 1, sizeof(*at));

	if (!ord || !at) {
		free(ord);
		free(at);
		return -ENOMEM;
	}
	fputc('{', f);
	for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
		if (k)
			fputc(',', f);
		put_column(f, tl, cols[k].name, cols[k].col);
	}
	/* flags and marks, sparse: most bars have none */
	for (size_t k = 0; k < 2; k++) {
		bool first = true;

		fputs(k ? ",\"xv\":[" : ",\"xi\":[", f);
		for (size_t p = 0; p < tl->ndrawn; p++) {
			const struct tl_ev *e = &tl->ev[tl->order[p]];
			unsigned v = (e->flags & ~EVF_HIDDEN) | e->mark << 4;

			if (!v)
				continue;
			if (!first)
				fputc(',', f);
			first = false;
			put_u64(f, k ? v : p);
		}
		fputc(']', f);
	}
	/*
	 * Accesses in time order of their bars, so the viewer can bisect; a
	 * bar's own in trace order (a counting sort by bar position: stable).
	 */
	for (size_t i = 0; i < tl->nacc; i++)
		at[tl->ev[tl->acc[i].ev].pos]++;
	for (size_t p = 0, sum = 0; p < tl->ndrawn; p++) {
		uint32_t c = at[p];

		at[p] = (uint32_t)sum;
		sum += c;
	}
	for (size_t i = 0; i < tl->nacc; i++)
		ord[at[tl->ev[tl->acc[i].ev].pos]++] = (uint32_t)i;
	free(at);
	const char *const an[] = { "e", "f", "o", "n", "w" };

	fputs(",\"acc\":{", f);
	for (size_t k = 0; k < 5; k++) {
		int64_t prev = 0;

		fprintf(f, "%s\"%s\":[", k ? "," : "", an[k]);
		for (size_t i = 0; i < tl->nacc; i++) {
			const struct tl_acc *a = &tl->acc[ord[i]];
			uint64_t len = a->len == TL_TO_END ?
				       (tl->extent[a->file] > a->off ?
					tl->extent[a->file] - a->off : 1) :
				       a->len;

			if (i)
				fputc(',', f);
			switch (k) {
			case 0:
				put_i64(f, (int64_t)tl->ev[a->ev].pos - prev);
				prev = tl->ev[a->ev].pos;
				break;
			case 1:
				put_u64(f, a->file);
				break;
			case 2:
				put_u64(f, a->off);
				break;
			case 3:
				put_u64(f, len);
				break;
			default:
				put_u64(f, a->write);
			}
		}
		fputc(']', f);
	}
	fputs("}}", f);
	free(ord);
	return 0;
}

/*
 * A dump line without "seq time pid/tid ", which the viewer rebuilds from
 * the columns (it saves a third of the text).
 */
static const char *line_body(const char *s)
{
	const char *p = s;

	while (*p == ' ')
		p++;
	for (int k = 0; k < 3; k++) {
		p = strchr(p, ' ');
		if (!p)
			return s;
		p++;
	}
	return p;
}

static void put_text(FILE *f, const struct tl *tl)
{
	bool all = true;

	for (size_t p = 0; p < tl->ndrawn && all; p++)
		all = tl->ev[tl->order[p]].text != 0;
	fputc('{', f);
	if (!all) {
		bool first = true;

		fputs("\"i\":[", f);
		for (size_t p = 0; p < tl->ndrawn; p++) {
			if (!tl->ev[tl->order[p]].text)
				continue;
			if (!first)
				fputc(',', f);
			first = false;
			put_u64(f, p);
		}
		fputs("],", f);
	}
	fputs("\"s\":[", f);
	bool first = true;

	for (size_t p = 0; p < tl->ndrawn; p++) {
		const struct tl_ev *e = &tl->ev[tl->order[p]];
		char *both = NULL;

		if (!e->text)
			continue;
		if (!first)
			fputc(',', f);
		first = false;
		/* an async request: its completion's whole line too */
		if (e->text2 &&
		    asprintf(&both, "%s\n%s", line_body(tl->text + e->text - 1),
			     tl->text + e->text2 - 1) > 0) {
			put_jstr(f, both);
			free(both);
		} else {
			put_jstr(f, line_body(tl->text + e->text - 1));
		}
	}
	fputs("]}", f);
}

static int write_html(FILE *f, const struct tl *tl)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"generator\" content=\"iorr timeline\">\n"
	      "<title>iorr timeline: ", f);
	put_xml(f, tl->trace);
	fputs("</title>\n<style>\n", f);
	fputs(timeline_css, f);
	fputs("</style>\n</head>\n<body>\n", f);
	fputs("<header id=\"hdr\"><div id=\"title\"></div>"
	      "<div id=\"legend\"></div></header>\n"
	      "<div id=\"view\"></div>\n"
	      "<div id=\"tip\" hidden></div>\n"
	      "<footer id=\"info\"></footer>\n", f);
	fputs("<script type=\"application/json\" id=\"tl-data\">", f);
	int k = put_overview(f, tl);

	if (k < 0)
		return k;
	fputs("</script>\n<script type=\"application/json\" "
	      "id=\"tl-detail\">", f);
	if ((k = put_detail(f, tl)) < 0)
		return k;
	fputs("</script>\n<script type=\"application/json\" id=\"tl-text\">",
	      f);
	put_text(f, tl);
	fputs("</script>\n<script>\n", f);
	fputs(timeline_js, f);
	fputs("</script>\n</body>\n</html>\n", f);
	return 0;
}

/* ---- static SVG -------------------------------------------------------- */

#define SVG_W 1400
#define SVG_LEFT 150
#define SVG_RIGHT 20
#define SVG_TOP 56
#define SVG_LANE 26
#define SVG_FILE 90
#define SVG_GAP 16
#define SVG_MAXBARS 5000

static double svg_x(const struct tl *tl, uint64_t t)
{
	double span = (double)(tl->t1 - tl->t0);

	return SVG_LEFT + (span > 0 ? (double)(t - tl->t0) / span : 0) *
	       (SVG_W - SVG_LEFT - SVG_RIGHT);
}

static void fmt_time(char *b, size_t n, double ns)
{
	if (ns < 1e3)
		snprintf(b, n, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(b, n, "%.4g us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(b, n, "%.4g ms", ns / 1e6);
	else
		snprintf(b, n, "%.4g s", ns / 1e9);
}

static double lane_y(uint32_t lane)
{
	return SVG_TOP + lane * SVG_LANE;
}

static double file_y(const struct tl *tl, uint32_t file)
{
	return SVG_TOP + tl->nlanes * SVG_LANE + SVG_GAP +
	       file * (SVG_FILE + SVG_GAP);
}

static void svg_axis(FILE *f, const struct tl *tl, double h)
{
	double span = (double)(tl->t1 - tl->t0);
	double step = 1;
	char b[32];

	while (span / step > 10)
		step *= span / step > 50 ? 10 : span / step > 20 ? 5 : 2;
	if (span <= 0)
		return;
	for (double t = 0; t <= span; t += step) {
		double x = svg_x(tl, tl->t0 + (uint64_t)t);

		fmt_time(b, sizeof(b), t);
		fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" "
			"x2=\"%.1f\" y2=\"%.1f\"/><text class=\"axis\" "
			"x=\"%.1f\" y=\"%d\">%s</text>\n", x, SVG_TOP - 4, x,
			h, x + 2, SVG_TOP - 8, b);
	}
}

static void svg_bars(FILE *f, const struct tl *tl)
{
	if (tl->ndrawn <= SVG_MAXBARS) {
		for (size_t p = 0; p < tl->ndrawn; p++) {
			const struct tl_ev *e = &tl->ev[tl->order[p]];
			double x0 = svg_x(tl, e->start), x1 = svg_x(tl, e->end);
			double y = lane_y(tl->thread_lane[e->thread]) + 4;

			fprintf(f, "<rect class=\"bar %s%s%s%s\" x=\"%.2f\" "
				"y=\"%.1f\" width=\"%.2f\" height=\"%d\" "
				"fill=\"%s\"><title>", cat_names[e->cat],
				e->mark & MARK_DIVERGENT ? " divergent" : "",
				e->mark & MARK_EXPECTED ? " expected-writer" :
				"", e->mark & MARK_ACTUAL ? " actual-writer" :
				"", x0, y, x1 - x0 < 1 ? 1 : x1 - x0,
				SVG_LANE - 8, cat_colors[e->cat]);
			if (e->text)
				put_xml(f, tl->text + e->text - 1);
			else
				put_xml(f, iorr_op_get(e->op)->name);
			fputs("</title></rect>\n", f);
		}
		return;
	}
	/* aggregated: one path per (lane, class), height by share */
	uint32_t nb = (SVG_W - SVG_LEFT - SVG_RIGHT) / 2;
	int32_t *cnt = calloc((size_t)nb * CAT__COUNT, sizeof(*cnt));
	uint32_t *bars;
	size_t *boff;

	if (!cnt || bars_by_lane(tl, &bars, &boff) < 0) {
		free(cnt);
		return;
	}
	for (uint32_t l = 0; l < tl->nlanes; l++) {
		memset(cnt, 0, (size_t)nb * CAT__COUNT * sizeof(*cnt));
		lane_buckets(tl, bars + boff[l], boff[l + 1] - boff[l], nb, cnt);
		for (int c = 0; c < CAT__COUNT; c++) {
			bool any = false;

			for (uint32_t b = 0; b < nb; b++) {
				const int32_t *v = cnt + (size_t)b * CAT__COUNT;
				int32_t tot = 0, below = 0;

				if (v[c] <= 0)
					continue;
				for (int k = 0; k < CAT__COUNT; k++) {
					tot += v[k] > 0 ? v[k] : 0;
					if (k < c && v[k] > 0)
						below += v[k];
				}
				double h = SVG_LANE - 8;
				double y = lane_y(l) + 4 + h * below / tot;

				if (!any)
					fprintf(f, "<path class=\"agg %s\" "
						"fill=\"%s\" d=\"",
						cat_names[c], cat_colors[c]);
				any = true;
				fprintf(f, "M%.1f %.2fh2v%.2fh-2z",
					SVG_LEFT + b * 2.0, y,
					h * v[c] / tot);
			}
			if (any)
				fputs("\"/>\n", f);
		}
	}
	free(bars);
	free(boff);
	free(cnt);
}

static void svg_files(FILE *f, const struct tl *tl)
{
	for (uint32_t k = 0; k < tl->nfiles; k++) {
		double y0 = file_y(tl, k);
		const char *p = tl->files[k];

		fprintf(f, "<rect class=\"filebg\" x=\"%d\" y=\"%.1f\" "
			"width=\"%d\" height=\"%d\" fill=\"#f6f7f9\" "
			"stroke=\"#d5d9de\"/>\n<text class=\"label\" x=\"8\" "
			"y=\"%.1f\">", SVG_LEFT, y0,
			SVG_W - SVG_LEFT - SVG_RIGHT, SVG_FILE, y0 + 14);
		put_xml(f, p ? p : "?");
		fprintf(f, "</text><text class=\"small\" x=\"8\" y=\"%.1f\">"
			"0..%" PRIu64 " bytes</text>\n", y0 + 28,
			tl->extent[k]);
	}
	if (tl->nacc <= SVG_MAXBARS) {
		for (size_t i = 0; i < tl->nacc; i++) {
			const struct tl_acc *a = &tl->acc[i];
			const struct tl_ev *e = &tl->ev[a->ev];
			unsigned r0, r1;
			double x0 = svg_x(tl, e->start), x1 = svg_x(tl, e->end);

			acc_rows(a, tl->extent[a->file], SVG_FILE, &r0, &r1);
			fprintf(f, "<rect class=\"acc %s\" x=\"%.2f\" "
				"y=\"%.1f\" width=\"%.2f\" height=\"%u\" "
				"fill=\"%s\" fill-opacity=\"0.7\"/>\n",
				a->write ? "write" : "read", x0,
				file_y(tl, a->file) + r0,
				x1 - x0 < 1.5 ? 1.5 : x1 - x0, r1 - r0 + 1,
				cat_colors[a->write ? CAT_WRITE : CAT_READ]);
		}
		return;
	}
	uint32_t nb = (SVG_W - SVG_LEFT - SVG_RIGHT) / 4;
	uint32_t *grid = malloc((size_t)nb * FROWS * 2 * sizeof(*grid));
	uint32_t *accs;
	size_t *aoff;

	if (!grid || acc_by_file(tl, &accs, &aoff) < 0) {
		free(grid);
		return;
	}
	for (uint32_t k = 0; k < tl->nfiles; k++) {
		uint32_t max = 1;

		memset(grid, 0, (size_t)nb * FROWS * 2 * sizeof(*grid));
		file_grid(tl, accs + aoff[k], aoff[k + 1] - aoff[k], k, nb,
			  FROWS, grid);
		for (size_t c = 0; c < (size_t)nb * FROWS * 2; c++)
			if (grid[c] > max)
				max = grid[c];
		for (uint32_t b = 0; b < nb; b++)
			for (unsigned r = 0; r < FROWS; r++)
				for (int w = 1; w >= 0; w--) {
					uint32_t v = grid[((size_t)b * FROWS +
							   r) * 2 + w];

					if (!v)
						continue;
					fprintf(f, "<rect x=\"%u\" y=\"%.2f\" "
						"width=\"4\" height=\"%.2f\" "
						"fill=\"%s\" fill-opacity="
						"\"%.2f\"/>\n",
						SVG_LEFT + b * 4,
						file_y(tl, k) + r * (double)
						SVG_FILE / FROWS,
						(double)SVG_FILE / FROWS,
						cat_colors[w ? CAT_WRITE :
							   CAT_READ],
						0.25 + 0.75 * v / max);
					break;
				}
	}
	free(grid);
	free(accs);
	free(aoff);
}

static void svg_links(FILE *f, const struct tl *tl)
{
	size_t n = tl->nconf;
	const struct tl_conf *cl = tl->conf;

	if (n > 2000)
		return;
	for (size_t i = 0; i < n; i++) {
		ssize_t a = ev_by_seq(tl, cl[i].a), b = ev_by_seq(tl, cl[i].b);

		if (a < 0 || b < 0)
			continue;
		const struct tl_ev *ea = &tl->ev[a], *eb = &tl->ev[b];
		double xa = (svg_x(tl, ea->start) + svg_x(tl, ea->end)) / 2;
		double xb = (svg_x(tl, eb->start) + svg_x(tl, eb->end)) / 2;
		double ya = lane_y(tl->thread_lane[ea->thread]) + SVG_LANE / 2.0;
		double yb = lane_y(tl->thread_lane[eb->thread]) + SVG_LANE / 2.0;

		fprintf(f, "<path class=\"conflict%s\" d=\"M%.2f %.1f C%.2f "
			"%.1f %.2f %.1f %.2f %.1f\" fill=\"none\" "
			"stroke=\"%s\" stroke-width=\"%s\" "
			"stroke-opacity=\"0.8\"/>\n",
			cl[i].overlapped ? " overlapped" : "", xa, ya,
			xa, (ya + yb) / 2, xb, (ya + yb) / 2, xb, yb,
			cl[i].overlapped ? "#d7263d" : "#f28e2b",
			cl[i].overlapped ? "2" : "1");
	}
}

static int write_svg(FILE *f, const struct tl *tl)
{
	double h = file_y(tl, tl->nfiles) + 28;
	char dur[32];

	fmt_time(dur, sizeof(dur), (double)(tl->t1 - tl->t0));
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<style>.label{font-size:12px;fill:#1f2933}"
		".small,.axis{font-size:10px;fill:#52606d}"
		".tick{stroke:#e4e7eb}"
		".divergent{stroke:#d7263d;stroke-width:3}"
		".expected-writer{stroke:#1a9641;stroke-width:3}"
		".actual-writer{stroke:#b5179e;stroke-width:3}</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
		"<text class=\"label\" x=\"8\" y=\"18\" font-weight=\"bold\">"
		"iorr timeline: ", SVG_W, h, SVG_W, h);
	put_xml(f, tl->trace);
	fprintf(f, "</text><text class=\"small\" x=\"8\" y=\"34\">%zu "
		"events, %" PRIu32 " threads, %" PRIu32 " files, %s</text>\n",
		tl->nev, tl->nlanes, tl->nfiles, dur);
	svg_axis(f, tl, h - 28);
	for (uint32_t l = 0; l < tl->nlanes; l++) {
		const struct iorr_thread *t =
			iorr_reader_thread(tl->r, tl->lane_thread[l]);

		fprintf(f, "<rect class=\"lane\" x=\"%d\" y=\"%.1f\" "
			"width=\"%d\" height=\"%d\" fill=\"%s\"/>"
			"<text class=\"label\" x=\"8\" y=\"%.1f\">"
			"T%" PRIu32 " %d/%d</text>\n", SVG_LEFT, lane_y(l),
			SVG_W - SVG_LEFT - SVG_RIGHT, SVG_LANE,
			l % 2 ? "#f6f7f9" : "#eef1f4", lane_y(l) + 17,
			tl->lane_thread[l], t->pid, t->tid);
	}
	svg_bars(f, tl);
	svg_files(f, tl);
	svg_links(f, tl);
	fputs("</svg>\n", f);
	return 0;
}

/* ---- command ------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iorr timeline [OPTIONS] TRACE\n"
		"\n"
		"Draw TRACE as one self-contained HTML page (SVG and a little\n"
		"JavaScript; nothing is loaded from the network): a lane per\n"
		"thread with a bar per op, a lane per file with the byte\n"
		"ranges read and written, and links between conflicting ops\n"
		"that no happens-before edge orders.\n"
		"\n"
		"  -o, --output FILE         write to FILE ('-': standard\n"
		"                            output; default: TRACE with\n"
		"                            .html or .svg for .iorr)\n"
		"  --replay-report REPORT    highlight the divergences of an\n"
		"                            'iorr replay --json' report\n"
		"  --svg                     a static SVG image, no script\n"
		"  --max-text N              keep the dump lines of at most N\n"
		"                            events for hovering (default\n"
		"                            100000)\n"
		"  --max-conflicts N         draw at most N conflicting pairs\n"
		"                            (default 10000)\n"
		"  --max-count N             stop counting conflicting pairs\n"
		"                            past N (default 1000000; 0: count\n"
		"                            them all)\n"
		"  -h, --help                this text\n");
}

static char *default_output(const char *trace, bool svg)
{
	size_t n = strlen(trace);
	const char *ext = svg ? ".svg" : ".html";
	char *out;

	if (n > 5 && strcmp(trace + n - 5, ".iorr") == 0)
		n -= 5;
	out = malloc(n + strlen(ext) + 1);
	if (out) {
		memcpy(out, trace, n);
		strcpy(out + n, ext);
	}
	return out;
}

static bool parse_count(const char *s, size_t *v)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || n > SIZE_MAX / 2)
		return false;
	*v = (size_t)n;
	return true;
}

static void tl_free(struct tl *tl)
{
	struct req_ent *q, *qt;
	struct path_ent *p, *pt;

	HASH_ITER(hh, tl->reqs, q, qt) {
		HASH_DEL(tl->reqs, q);
		free(q);
	}
	HASH_ITER(hh, tl->paths, p, pt) {
		HASH_DEL(tl->paths, p);
		free(p);
	}
	for (size_t i = 0; i < tl->ndivs; i++) {
		free(tl->divs[i].kind);
		free(tl->divs[i].cls);
		free(tl->divs[i].what);
		free(tl->divs[i].path);
		free(tl->divs[i].actual);
	}
	free(tl->divs);
	free(tl->mark_seqs);
	json_decref(tl->report);
	free(tl->conf);
	free(tl->ev);
	free(tl->text);
	free(tl->acc);
	free(tl->files);
	free(tl->extent);
	free(tl->order);
	free(tl->lane_thread);
	free(tl->thread_lane);
	iorr_replay_free(tl->rp);
}

int cmd_timeline(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "replay-report", required_argument, NULL, 'R' },
		{ "svg", no_argument, NULL, 'S' },
		{ "max-text", required_argument, NULL, 'T' },
		{ "max-conflicts", required_argument, NULL, 'C' },
		{ "max-count", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct tl tl = { .max_text = 100000 };
	const char *out = NULL, *report = NULL;
	size_t max_conflicts = 10000, max_count = 1000000;
	bool svg = false;
	char *outbuf = NULL;
	int c, ret = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'R':
			report = optarg;
			break;
		case 'S':
			svg = true;
			break;
		case 'T':
		case 'C':
		case 'N':
			if (!parse_count(optarg, c == 'T' ? &tl.max_text :
					 c == 'C' ? &max_conflicts :
					 &max_count)) {
				cli_error("--%s: '%s': expected a count",
					  c == 'T' ? "max-text" : c == 'C' ?
					  "max-conflicts" : "max-count",
					  optarg);
				return EXIT_ERROR;
			}
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
	tl.trace = argv[optind];
	if (!out) {
		out = outbuf = default_output(tl.trace, svg);
		if (!out) {
			cli_error("out of memory");
			return EXIT_ERROR;
		}
	}
	if (report && load_report(&tl, report) < 0)
		goto done;

	char msg[1024];
	int k = iorr_replay_load(tl.trace, &tl.rp, msg, sizeof(msg));

	if (k < 0) {
		cli_error("%s", msg);
		goto done;
	}
	tl.r = iorr_replay_reader(tl.rp);
	op_fields_init();
	k = collect(&tl);
	if (k < 0) {
		cli_error("%s: %s", tl.trace, strerror(-k));
		goto done;
	}
	cli_report_truncation(tl.trace, tl.r);
	k = analyze(&tl, max_conflicts, max_count, msg, sizeof(msg));
	if (k == -ENOMEM) {
		cli_error("out of memory");
		goto done;
	}
	if (k < 0) {
		cli_error("%s", msg);
		goto done;
	}
	if (layout(&tl) < 0) {
		cli_error("out of memory");
		goto done;
	}
	apply_marks(&tl);
	for (size_t i = 0; i < tl.ndivs; i++)
		if (tl.divs[i].seq != UINT64_MAX &&
		    ev_by_seq(&tl, tl.divs[i].seq) < 0)
			cli_warn("%s: the report's op seq %" PRIu64
				 " is not in %s (another trace?)", report,
				 tl.divs[i].seq, tl.trace);

	FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;

	if (!f) {
		cli_error("%s: %s", out, strerror(errno));
		goto done;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	/* one thread writes it: no lock per number written */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	k = svg ? write_svg(f, &tl) : write_html(f, &tl);
	if (fflush(f) != 0 || ferror(f))
		k = k < 0 ? k : -EIO;
	if (f != stdout && fclose(f) != 0 && k >= 0)
		k = -EIO;
	if (k < 0) {
		cli_error("%s: %s", out, strerror(-k));
		goto done;
	}
	ret = EXIT_OK;
done:
	tl_free(&tl);
	free(outbuf);
	return ret;
}
