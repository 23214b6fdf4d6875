/* SPDX-License-Identifier: MIT */
/*
 * Trace writer: buffers definitions and events, and writes them as
 * checksummed, independently compressed chunks (doc/trace-format.md).
 *
 * NOTE: definitions (threads, paths, blobs) are always written before the
 * first chunk that refers to them, so a reader can validate every reference
 * as it streams, and a trace cut anywhere is self-consistent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <uthash.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>
#include <zstd.h>

#include "iorr/trace.h"
#include "trace/colcodec.h"
#include "trace/format.h"
#include "util/bytes.h"

#define NCOLS (IORR_COL_FIELD0 + IORR_MAX_FIELDS)

struct colbuf {
	uint64_t *v;
	size_t n, cap;
};

struct opcols {
	struct colbuf c[NCOLS];
	size_t nev;
};

struct path_ent {
	UT_hash_handle hh;
	uint32_t id;
	char s[];
};

struct blob_key {
	struct iorr_hash128 hash;
	uint64_t size;
	uint32_t hash_only;
	uint32_t pad;
};

/*
 * A slot of the blob index: open addressing, linear probing, at most half
 * full.  RATIONALE: with one blob per write (--data=full), the index holds
 * millions of entries; uthash chains about ten separately allocated
 * entries per bucket, and walking them cost a cache miss each (1 us per
 * blob at 100,000 blobs).  Here a lookup is about one cache miss.
 */
struct blob_slot {
	struct blob_key key;
	uint64_t id1;		/* blob id + 1; 0: empty slot */
};

/* Records of one chunk type waiting to be written. */
struct pending {
	struct bbuf b;
	uint32_t count;
};

struct iorr_writer {
	int fd;
	int err;		/* first failure, sticky */
	uint64_t off;
	uint32_t chunk_seq;
	ZSTD_CCtx *zc;
	int level;		/* zstd level of every chunk but BLOBS */
	int blob_level;		/* of BLOBS chunks */
	unsigned per_chunk;
	size_t blob_chunk_bytes;

	struct pending threads, paths, blobs, initial, final, notes;
	uint32_t nthreads, npaths, nblobs;
	uint64_t ninitial, nfinal, nnotes;
	struct path_ent *path_hash;
	struct blob_slot *blob_slots;
	size_t blob_mask;	/* slots - 1 (a power of two), 0: none yet */
	uint64_t blob_seed;	/* per writer: probe order not predictable */
	uint64_t *blob_sizes;	/* by blob id */
	size_t blob_sizes_cap;

	/* Events of the chunk being built. */
	struct colbuf gop, gseq;
	struct opcols *ops[IORR_OP__COUNT];
	size_t nev;
	size_t nvec;		/* vector values in the chunk */
	uint64_t base_seq, base_time, prev_seq, prev_start;
	bool any_event;		/* an event was ever written (prev_seq valid) */

	uint64_t *chunk_offs;
	size_t nchunks, chunk_cap;

	struct bbuf scratch, zbuf;
	struct iorr_writer_stats st;
};

static int fail(struct iorr_writer *w, int err)
{
	if (!w->err)
		w->err = err;
	return w->err;
}

static int colbuf_push(struct colbuf *c, uint64_t v)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		uint64_t *p = realloc(c->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->v = p;
		c->cap = cap;
	}
	c->v[c->n++] = v;
	return 0;
}

static int write_all(struct iorr_writer *w, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t r = write(w->fd, b, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return fail(w, -errno);
		}
		b += r;
		n -= (size_t)r;
		w->off += (uint64_t)r;
		w->st.file_bytes += (uint64_t)r;
	}
	return 0;
}

/* Compress @raw and write it as one chunk of @type holding @count records. */
static int write_chunk(struct iorr_writer *w, unsigned type, uint32_t count,
		       const uint8_t *raw, size_t rawlen)
{
	uint8_t hdr[IORR_CHUNK_HEADER_SIZE];
	const uint8_t *payload = raw;
	size_t stored = rawlen;
	unsigned codec = IORR_CODEC_STORED;

	if (w->err)
		return w->err;
	if (rawlen > UINT32_MAX)
		return fail(w, -EFBIG);
	if (rawlen >= 64) {
		size_t bound = ZSTD_compressBound(rawlen);

		w->zbuf.len = 0;
		if (bbuf_reserve(&w->zbuf, bound) < 0)
			return fail(w, -ENOMEM);
		size_t z = ZSTD_compressCCtx(w->zc, w->zbuf.p, bound, raw,
					     rawlen, type == IORR_CHUNK_BLOBS ?
					     w->blob_level : w->level);

		if (!ZSTD_isError(z) && z < rawlen) {
			payload = w->zbuf.p;
			stored = z;
			codec = IORR_CODEC_ZSTD;
		}
	}

	memcpy(hdr, IORR_CHUNK_MAGIC, 4);
	hdr[4] = (uint8_t)type;
	hdr[5] = (uint8_t)codec;
	put_le16(hdr + 6, 0);
	put_le32(hdr + 8, w->chunk_seq);
	put_le32(hdr + 12, (uint32_t)stored);
	put_le32(hdr + 16, (uint32_t)rawlen);
	put_le32(hdr + 20, count);

	XXH3_state_t hs;

	XXH3_64bits_reset(&hs);
	XXH3_64bits_update(&hs, hdr, 24);
	XXH3_64bits_update(&hs, payload, stored);
	put_le64(hdr + 24, XXH3_64bits_digest(&hs));

	if (w->nchunks == w->chunk_cap) {
		size_t cap = w->chunk_cap ? w->chunk_cap * 2 : 64;
		uint64_t *p = realloc(w->chunk_offs, cap * sizeof(*p));

		if (!p)
			return fail(w, -ENOMEM);
		w->chunk_offs = p;
		w->chunk_cap = cap;
	}
	w->chunk_offs[w->nchunks++] = w->off;
	w->chunk_seq++;
	if (write_all(w, hdr, sizeof(hdr)) < 0)
		return w->err;
	return write_all(w, payload, stored);
}

static int flush_pending(struct iorr_writer *w, struct pending *p,
			 unsigned type)
{
	int r = 0;

	if (p->b.err)
		return fail(w, p->b.err);
	if (p->count)
		r = write_chunk(w, type, p->count, p->b.p, p->b.len);
	p->b.len = 0;
	p->count = 0;
	return r;
}

static int flush_definitions(struct iorr_writer *w)
{
	int r;

	if ((r = flush_pending(w, &w->threads, IORR_CHUNK_THREADS)) < 0 ||
	    (r = flush_pending(w, &w->paths, IORR_CHUNK_PATHS)) < 0 ||
	    (r = flush_pending(w, &w->blobs, IORR_CHUNK_BLOBS)) < 0)
		return r;
	return 0;
}

/* Append one length-prefixed record from w->scratch to @p. */
static int add_record(struct iorr_writer *w, struct pending *p)
{
	if (w->scratch.err)
		return fail(w, w->scratch.err);
	bbuf_put_varint(&p->b, w->scratch.len);
	bbuf_put(&p->b, w->scratch.p, w->scratch.len);
	if (p->b.err)
		return fail(w, p->b.err);
	p->count++;
	return 0;
}

static void put_col(struct iorr_writer *w, struct bbuf *dir, struct bbuf *data,
		    unsigned key, unsigned fid, const struct colbuf *c)
{
	size_t before = data->len;

	col_encode(data, c->v, c->n);
	bbuf_put_varint(dir, key);
	bbuf_put_varint(dir, fid);
	bbuf_put_varint(dir, c->n);
	bbuf_put_varint(dir, data->len - before);
}

static int flush_events(struct iorr_writer *w)
{
	struct bbuf dir = { 0 }, data = { 0 };
	unsigned ncols = 2;
	int r;

	if (w->nev == 0)
		return 0;
	if ((r = flush_definitions(w)) < 0)
		return r;

	put_col(w, &dir, &data, 0, IORR_GCOL_OP, &w->gop);
	put_col(w, &dir, &data, 0, IORR_GCOL_SEQ, &w->gseq);
	for (unsigned op = 0; op < IORR_OP__COUNT; op++) {
		struct opcols *oc = w->ops[op];

		if (!oc || !oc->nev)
			continue;
		const struct iorr_op_desc *d = iorr_op_get(op);
		unsigned last = IORR_COL_FIELD0 + d->nfields;

		for (unsigned fid = 0; fid < last; fid++) {
			if (fid == IORR_COL_VECTOR && oc->c[fid].n == 0)
				continue;
			put_col(w, &dir, &data, op + 1, fid, &oc->c[fid]);
			ncols++;
		}
	}

	struct bbuf *out = &w->scratch;

	out->len = 0;
	bbuf_put_varint(out, w->nev);
	bbuf_put_varint(out, w->base_seq);
	bbuf_put_varint(out, w->base_time);
	bbuf_put_varint(out, ncols);
	bbuf_put(out, dir.p, dir.len);
	bbuf_put(out, data.p, data.len);
	r = dir.err ? dir.err : data.err ? data.err : out->err;
	bbuf_free(&dir);
	bbuf_free(&data);
	if (r < 0)
		return fail(w, r);
	r = write_chunk(w, IORR_CHUNK_EVENTS, (uint32_t)w->nev, out->p,
			out->len);

	w->gop.n = w->gseq.n = 0;
	for (unsigned op = 0; op < IORR_OP__COUNT; op++) {
		if (!w->ops[op])
			continue;
		for (unsigned fid = 0; fid < NCOLS; fid++)
			w->ops[op]->c[fid].n = 0;
		w->ops[op]->nev = 0;
	}
	w->nev = 0;
	w->nvec = 0;
	return r;
}

static int write_header(struct iorr_writer *w, const char *meta)
{
	size_t mlen = meta ? strlen(meta) : 2;
	uint8_t hdr[IORR_FILE_HEADER_SIZE];

	if (!meta)
		meta = "{}";
	if (mlen > IORR_MAX_METADATA)
		return fail(w, -EFBIG);
	memcpy(hdr, IORR_FILE_MAGIC, 8);
	put_le16(hdr + 8, IORR_FORMAT_MAJOR);
	put_le16(hdr + 10, IORR_FORMAT_MINOR);
	put_le32(hdr + 12, 0);
	put_le32(hdr + 16, (uint32_t)mlen);
	put_le32(hdr + 20, 0);

	XXH3_state_t hs;

	XXH3_64bits_reset(&hs);
	XXH3_64bits_update(&hs, hdr, 24);
	XXH3_64bits_update(&hs, meta, mlen);
	put_le64(hdr + 24, XXH3_64bits_digest(&hs));
	if (write_all(w, hdr, sizeof(hdr)) < 0)
		return w->err;
	return write_all(w, meta, mlen);
}

int iorr_writer_open_fd(int fd, const char *metadata_json,
			const struct iorr_writer_opts *opts,
			struct iorr_writer **out)
{
	struct iorr_writer *w = calloc(1, sizeof(*w));
	int r;

	*out = NULL;
	if (!w) {
		close(fd);
		return -ENOMEM;
	}
	w->fd = fd;
	if (getrandom(&w->blob_seed, sizeof(w->blob_seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(w->blob_seed))
		w->blob_seed = (uint64_t)(uintptr_t)w * 0x9e3779b97f4a7c15ull;
	w->level = opts && opts->zstd_level ? opts->zstd_level : 3;
	/*
	 * RATIONALE: BLOBS chunks carry the payloads (--data=full), nearly
	 * all the bytes zstd has to read, and `iorr record` compresses them
	 * while the workload may wait for ring space.  By default they use
	 * zstd's fast level -3.  4 MiB chunks of 4 KiB blobs shaped like
	 * fio's (random, a few bytes scrambled per write): 1101 ns a blob at
	 * -3, 1440 at 1, 1826 at 3, for 134.7, 132.1 and 131.8 stored bytes
	 * a blob (2% more than level 1); incompressible blobs: about 1.4 us
	 * at -3 against 5-13 us at level 1 (positive levels search hard
	 * before giving up).  A level the caller chose applies to every
	 * chunk.
	 */
	w->blob_level = opts && opts->zstd_level ? opts->zstd_level : -3;
	w->per_chunk = opts && opts->events_per_chunk ?
		       opts->events_per_chunk : 65536;
	if (w->per_chunk > IORR_MAX_CHUNK_EVENTS)
		w->per_chunk = IORR_MAX_CHUNK_EVENTS;
	w->blob_chunk_bytes = opts && opts->blob_chunk_bytes ?
			      opts->blob_chunk_bytes : 4u << 20;
	w->zc = ZSTD_createCCtx();
	if (!w->zc) {
		iorr_writer_close(w);
		return -ENOMEM;
	}
	r = write_header(w, metadata_json);
	if (r < 0) {
		iorr_writer_close(w);
		return r;
	}
	*out = w;
	return 0;
}

int iorr_writer_open(const char *path, const char *metadata_json,
		     const struct iorr_writer_opts *opts,
		     struct iorr_writer **out)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	*out = NULL;
	if (fd < 0)
		return -errno;
	return iorr_writer_open_fd(fd, metadata_json, opts, out);
}

int iorr_writer_thread(struct iorr_writer *w, int32_t pid, int32_t tid,
		       uint32_t parent)
{
	if (w->err)
		return w->err;
	if (parent != UINT32_MAX && parent >= w->nthreads)
		return -EINVAL;
	w->scratch.len = 0;
	bbuf_put_varint(&w->scratch, zigzag(pid));
	bbuf_put_varint(&w->scratch, zigzag(tid));
	bbuf_put_varint(&w->scratch, parent == UINT32_MAX ? 0 : parent + 1ull);
	if (add_record(w, &w->threads) < 0)
		return w->err;
	w->st.threads++;
	return (int)w->nthreads++;
}

int64_t iorr_writer_path(struct iorr_writer *w, const char *path)
{
	struct path_ent *e;
	size_t len = strlen(path);

	if (w->err)
		return w->err;
	if (len == 0)
		return -EINVAL;
	HASH_FIND(hh, w->path_hash, path, len, e);
	if (e)
		return e->id;
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return fail(w, -ENOMEM);
	memcpy(e->s, path, len + 1);
	e->id = w->npaths;
	HASH_ADD_KEYPTR(hh, w->path_hash, e->s, len, e);
	w->scratch.len = 0;
	bbuf_put(&w->scratch, path, len);
	if (add_record(w, &w->paths) < 0)
		return w->err;
	w->st.paths++;
	return w->npaths++;
}

static size_t blob_home(const struct iorr_writer *w, const struct blob_key *k)
{
	/*
	 * The hash is xxh3, but a trace being imported may carry chosen
	 * hashes: mix in the seed so that they cannot force long probes.
	 */
	uint64_t x = (k->hash.lo ^ w->blob_seed) + k->hash.hi + k->size +
		     k->hash_only;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (size_t)x & w->blob_mask;
}

static bool blob_key_eq(const struct blob_key *a, const struct blob_key *b)
{
	return a->hash.lo == b->hash.lo && a->hash.hi == b->hash.hi &&
	       a->size == b->size && a->hash_only == b->hash_only;
}

/* The slot holding @k, or the empty slot where it goes. */
static struct blob_slot *blob_find(const struct iorr_writer *w,
				   const struct blob_key *k)
{
	size_t i = blob_home(w, k);

	while (w->blob_slots[i].id1 && !blob_key_eq(&w->blob_slots[i].key, k))
		i = (i + 1) & w->blob_mask;
	return &w->blob_slots[i];
}

/* Make room for one more blob: keep the index at most half full. */
static int blob_index_grow(struct iorr_writer *w)
{
	size_t n = w->blob_mask ? w->blob_mask + 1 : 0;

	if ((uint64_t)(w->nblobs + 1) * 2 <= n)
		return 0;
	size_t ncap = n ? n * 2 : 1024;
	struct blob_slot *old = w->blob_slots;

	w->blob_slots = calloc(ncap, sizeof(*w->blob_slots));
	if (!w->blob_slots) {
		w->blob_slots = old;
		return -ENOMEM;
	}
	w->blob_mask = ncap - 1;
	for (size_t i = 0; i < n; i++)
		if (old[i].id1)
			*blob_find(w, &old[i].key) = old[i];
	free(old);
	return 0;
}

static int64_t add_blob(struct iorr_writer *w, const struct blob_key *k,
			const void *data)
{
	struct blob_slot *e;

	if (w->err)
		return w->err;
	if (k->size > IORR_MAX_BLOB_SIZE)
		return -EFBIG;
	if (blob_index_grow(w) < 0)
		return fail(w, -ENOMEM);
	e = blob_find(w, k);
	if (e->id1) {
		w->st.dedup_hits++;
		return (int64_t)(e->id1 - 1);
	}
	if (w->nblobs == w->blob_sizes_cap) {
		size_t cap = w->blob_sizes_cap ? w->blob_sizes_cap * 2 : 256;
		uint64_t *p = realloc(w->blob_sizes, cap * sizeof(*p));

		if (!p)
			return fail(w, -ENOMEM);
		w->blob_sizes = p;
		w->blob_sizes_cap = cap;
	}
	w->blob_sizes[w->nblobs] = k->size;
	e->key = *k;
	e->id1 = (uint64_t)w->nblobs + 1;

	struct pending *p = &w->blobs;
	size_t n = k->hash_only ? 0 : (size_t)k->size;

	bbuf_put_varint(&p->b, 1 + 16 + varint_len(k->size) + n);
	bbuf_put_u8(&p->b, k->hash_only ? IORR_BLOB_HASH_ONLY : 0);
	bbuf_put_le64(&p->b, k->hash.lo);
	bbuf_put_le64(&p->b, k->hash.hi);
	bbuf_put_varint(&p->b, k->size);
	bbuf_put(&p->b, data, n);
	if (p->b.err)
		return fail(w, p->b.err);
	p->count++;
	w->st.blobs++;
	w->st.blob_bytes += n;
	if (p->b.len >= w->blob_chunk_bytes &&
	    flush_pending(w, p, IORR_CHUNK_BLOBS) < 0)
		return w->err;
	return w->nblobs++;
}

int64_t iorr_writer_blob(struct iorr_writer *w, const void *data, size_t len)
{
	struct blob_key k = { .size = len };

	k.hash = iorr_hash128(data, len);
	return add_blob(w, &k, data);
}

int64_t iorr_writer_blob_hash(struct iorr_writer *w,
			      const struct iorr_hash128 *hash, uint64_t size)
{
	struct blob_key k = { .hash = *hash, .size = size, .hash_only = 1 };

	return add_blob(w, &k, NULL);
}

/* Check an event against the op table and what has been defined. */
static int check_event(const struct iorr_writer *w, const struct iorr_event *ev)
{
	const struct iorr_op_desc *d = iorr_op_get(ev->op);

	if (!d || ev->nfields != d->nfields || ev->thread >= w->nthreads ||
	    ev->end_ns < ev->start_ns || ev->err > 4095)
		return -EINVAL;
	if (w->any_event && ev->seq <= w->prev_seq)
		return -EINVAL;
	int vf = iorr_op_vec_field(d);

	if (vf >= 0 && (ev->f[vf] != ev->nvec || ev->nvec > IORR_MAX_IOV ||
			(ev->nvec && !ev->vec)))
		return -EINVAL;
	if (vf < 0 && ev->nvec)
		return -EINVAL;
	for (unsigned i = 0; i < d->nfields; i++) {
		uint64_t v = ev->f[i];

		switch (d->fields[i].type) {
		case IORR_FT_PATH:
			if (v >= w->npaths)
				return -EINVAL;
			break;
		case IORR_FT_DATA:
			if (v > w->nblobs)
				return -EINVAL;
			break;
		case IORR_FT_THREAD:
			if (v >= w->nthreads)
				return -EINVAL;
			break;
		}
	}
	return 0;
}

int iorr_writer_event(struct iorr_writer *w, const struct iorr_event *ev)
{
	int r;

	if (w->err)
		return w->err;
	if ((r = check_event(w, ev)) < 0)
		return r;
	/* Keep within what a reader accepts in one chunk. */
	if (w->nvec + ev->nvec > IORR_MAX_CHUNK_VECTOR &&
	    (r = flush_events(w)) < 0)
		return r;

	struct opcols *oc = w->ops[ev->op];

	if (!oc) {
		oc = calloc(1, sizeof(*oc));
		if (!oc)
			return fail(w, -ENOMEM);
		w->ops[ev->op] = oc;
	}
	if (w->nev == 0) {
		/*
		 * RATIONALE: the first start delta of a chunk is taken from
		 * the previous chunk's last start, like every other, so it
		 * does not widen the column's range.
		 */
		w->base_seq = ev->seq;
		if (!w->any_event)
			w->prev_start = ev->start_ns;
		w->base_time = w->prev_start;
	}
	uint64_t seqd = w->nev == 0 ? 0 : ev->seq - w->prev_seq - 1;
	const struct iorr_op_desc *d = iorr_op_get(ev->op);

	r = colbuf_push(&w->gop, ev->op);
	r |= colbuf_push(&w->gseq, seqd);
	r |= colbuf_push(&oc->c[IORR_COL_THREAD], ev->thread);
	r |= colbuf_push(&oc->c[IORR_COL_START],
			 zigzag((int64_t)(ev->start_ns - w->prev_start)));
	r |= colbuf_push(&oc->c[IORR_COL_DURATION], ev->end_ns - ev->start_ns);
	r |= colbuf_push(&oc->c[IORR_COL_RESULT], zigzag(ev->result));
	r |= colbuf_push(&oc->c[IORR_COL_ERRNO], ev->err);
	for (uint32_t i = 0; i < ev->nvec; i++)
		r |= colbuf_push(&oc->c[IORR_COL_VECTOR], ev->vec[i]);
	for (unsigned i = 0; i < d->nfields; i++) {
		uint64_t v = ev->f[i];

		if (iorr_field_type_signed(d->fields[i].type))
			v = zigzag((int64_t)v);
		r |= colbuf_push(&oc->c[IORR_COL_FIELD0 + i], v);
	}
	if (r)
		return fail(w, -ENOMEM);
	oc->nev++;
	w->nev++;
	w->nvec += ev->nvec;
	w->prev_seq = ev->seq;
	w->prev_start = ev->start_ns;
	w->any_event = true;
	w->st.events++;
	if (w->nev >= w->per_chunk)
		return flush_events(w);
	return 0;
}

int iorr_writer_state(struct iorr_writer *w, enum iorr_state_kind kind,
		      const struct iorr_file_state *st)
{
	struct bbuf *s = &w->scratch;

	if (w->err)
		return w->err;
	if (st->path >= w->npaths || st->nextents > IORR_MAX_EXTENTS)
		return -EINVAL;
	for (uint32_t i = 0; i < st->nextents; i++) {
		const struct iorr_extent *x = &st->extents[i];

		/* An extent is exactly one blob, inside the file. */
		if (x->blob >= w->nblobs || x->len != w->blob_sizes[x->blob] ||
		    x->off + x->len < x->off || x->off + x->len > st->size)
			return -EINVAL;
	}
	s->len = 0;
	bbuf_put_varint(s, st->path);
	bbuf_put_varint(s, st->flags);
	bbuf_put_varint(s, st->mode);
	bbuf_put_varint(s, st->size);
	bbuf_put_le64(s, st->hash.lo);
	bbuf_put_le64(s, st->hash.hi);
	bbuf_put_varint(s, st->nextents);
	for (uint32_t i = 0; i < st->nextents; i++) {
		bbuf_put_varint(s, st->extents[i].off);
		bbuf_put_varint(s, st->extents[i].len);
		bbuf_put_varint(s, st->extents[i].blob);
	}
	size_t ll = st->link ? strlen(st->link) : 0;

	bbuf_put_varint(s, st->link ? ll + 1 : 0);
	bbuf_put(s, st->link, ll);
	if (kind == IORR_STATE_INITIAL) {
		w->ninitial++;
		return add_record(w, &w->initial);
	}
	w->nfinal++;
	return add_record(w, &w->final);
}

int iorr_writer_note(struct iorr_writer *w, const char *key,
		     const char *json_value)
{
	size_t kl = strlen(key), vl = strlen(json_value);

	if (w->err)
		return w->err;
	if (kl == 0)
		return -EINVAL;
	w->scratch.len = 0;
	bbuf_put_varint(&w->scratch, kl);
	bbuf_put(&w->scratch, key, kl);
	bbuf_put_varint(&w->scratch, vl);
	bbuf_put(&w->scratch, json_value, vl);
	w->nnotes++;
	return add_record(w, &w->notes);
}

int iorr_writer_flush(struct iorr_writer *w)
{
	int r;

	if (w->err)
		return w->err;
	if ((r = flush_definitions(w)) < 0 || (r = flush_events(w)) < 0 ||
	    (r = flush_pending(w, &w->initial, IORR_CHUNK_INITIAL)) < 0 ||
	    (r = flush_pending(w, &w->final, IORR_CHUNK_FINAL)) < 0 ||
	    (r = flush_pending(w, &w->notes, IORR_CHUNK_NOTES)) < 0)
		return r;
	return 0;
}

static int write_trailer(struct iorr_writer *w)
{
	struct bbuf *s = &w->scratch;
	uint64_t prev = 0;
	size_t n = w->nchunks;

	s->len = 0;
	bbuf_put_varint(s, w->st.events);
	bbuf_put_varint(s, w->nthreads);
	bbuf_put_varint(s, w->npaths);
	bbuf_put_varint(s, w->nblobs);
	bbuf_put_varint(s, w->ninitial);
	bbuf_put_varint(s, w->nfinal);
	bbuf_put_varint(s, w->nnotes);
	bbuf_put_varint(s, n);
	for (size_t i = 0; i < n; i++) {
		bbuf_put_varint(s, w->chunk_offs[i] - prev);
		prev = w->chunk_offs[i];
	}
	if (s->err)
		return fail(w, s->err);
	return write_chunk(w, IORR_CHUNK_TRAILER, (uint32_t)n, s->p, s->len);
}

static void free_pending(struct pending *p)
{
	bbuf_free(&p->b);
}

int iorr_writer_close(struct iorr_writer *w)
{
	int r = 0;

	if (!w)
		return 0;
	if (w->fd >= 0 && w->zc) {
		iorr_writer_flush(w);
		if (!w->err)
			write_trailer(w);
	}
	r = w->err;
	if (w->fd >= 0 && close(w->fd) < 0 && !r)
		r = -errno;

	struct path_ent *pe, *pt;

	HASH_ITER(hh, w->path_hash, pe, pt) {
		HASH_DEL(w->path_hash, pe);
		free(pe);
	}
	free(w->blob_slots);
	for (unsigned op = 0; op < IORR_OP__COUNT; op++) {
		if (!w->ops[op])
			continue;
		for (unsigned fid = 0; fid < NCOLS; fid++)
			free(w->ops[op]->c[fid].v);
		free(w->ops[op]);
	}
	free(w->gop.v);
	free(w->gseq.v);
	free_pending(&w->threads);
	free_pending(&w->paths);
	free_pending(&w->blobs);
	free_pending(&w->initial);
	free_pending(&w->final);
	free_pending(&w->notes);
	bbuf_free(&w->scratch);
	bbuf_free(&w->zbuf);
	free(w->chunk_offs);
	free(w->blob_sizes);
	ZSTD_freeCCtx(w->zc);
	free(w);
	return r;
}

void iorr_writer_get_stats(const struct iorr_writer *w,
			   struct iorr_writer_stats *st)
{
	*st = w->st;
}
