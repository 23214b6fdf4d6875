/* SPDX-License-Identifier: MIT */
/*
 * Validating streaming reader of trace format v1.
 *
 * Traces come from strangers: every length, count, offset, reference and
 * checksum is checked before it is used, every allocation is bounded by the
 * limits or by bytes actually present, and every loop is bounded by the
 * input.  A file that ends inside a chunk (a crashed recorder) reads up to
 * its last whole chunk and is reported as truncated, not as an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>
#include <zstd.h>

#include "iorr/trace.h"
#include "trace/colcodec.h"
#include "trace/format.h"
#include "util/bytes.h"

#define NCOLS (IORR_COL_FIELD0 + IORR_MAX_FIELDS)

struct note {
	char *key, *value;
};

/* Decompressed chunk buffers that blobs point into. */
struct keep {
	struct keep *next;
	uint8_t data[];
};

struct opstate {
	struct col c[NCOLS];
	uint8_t present[NCOLS];
	size_t count;		/* events of this op in the chunk */
	size_t next;		/* next event index within the op */
	size_t vnext;		/* next vector value */
	size_t vtotal;
};

struct iorr_reader {
	int fd;			/* -1 for memory input */
	const uint8_t *mem;
	uint64_t size;
	uint64_t pos;		/* next chunk header */
	struct iorr_reader_limits lim;

	char *meta;
	unsigned major, minor;
	ZSTD_DCtx *dc;

	uint8_t *stored;
	size_t stored_cap;
	uint8_t *raw;		/* current chunk, decompressed */
	size_t raw_cap;

	struct iorr_thread *threads;
	uint32_t nthreads, threads_cap;
	char **paths;
	uint32_t npaths, paths_cap;
	struct iorr_blob *blobs;
	uint32_t nblobs, blobs_cap;
	uint64_t blob_bytes;
	struct keep *keep;
	struct iorr_file_state *states[2];
	size_t nstates[2], states_cap[2];
	struct note *notes;
	size_t nnotes, notes_cap;

	/* Events chunk being iterated. */
	uint64_t chunk_off;
	size_t ev_n, ev_i;
	struct col gop, gseq;
	struct opstate *ops;	/* IORR_OP__COUNT entries */
	uint64_t base_seq, base_time, prev_seq, prev_start;
	/* The current event's vector, when its column is a constant. */
	uint64_t vec[IORR_MAX_IOV];

	uint32_t chunk_seq;
	uint64_t *chunk_offs;	/* offsets of the chunks read, for the trailer */
	size_t chunk_offs_cap;
	uint64_t note_records;
	bool any_event, done, complete, truncated;
	uint64_t truncated_at, events, chunks, skipped;
	int err;
	struct iorr_error errinfo;
};

static int set_err(struct iorr_reader *r, struct iorr_error *e, int code,
		   uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int set_err(struct iorr_reader *r, struct iorr_error *e, int code,
		   uint64_t off, const char *fmt, ...)
{
	va_list ap;

	r->err = code;
	r->errinfo.code = code;
	r->errinfo.offset = off;
	va_start(ap, fmt);
	vsnprintf(r->errinfo.msg, sizeof(r->errinfo.msg), fmt, ap);
	va_end(ap);
	if (e)
		*e = r->errinfo;
	return code;
}

void iorr_reader_default_limits(struct iorr_reader_limits *l)
{
	l->max_chunk_bytes = 256ull << 20;
	l->max_total_blob_bytes = 4ull << 30;
	l->max_paths = 16u << 20;
	l->max_threads = 16u << 20;
	l->max_blobs = 64u << 20;
}

/* Read @n bytes at @off. @return bytes read (short at the end) or -errno. */
static ssize_t src_read(struct iorr_reader *r, uint64_t off, void *buf,
			size_t n)
{
	if (off >= r->size)
		return 0;
	if (n > r->size - off)
		n = (size_t)(r->size - off);
	if (r->mem) {
		memcpy(buf, r->mem + off, n);
		return (ssize_t)n;
	}
	size_t done = 0;

	while (done < n) {
		ssize_t k = pread(r->fd, (uint8_t *)buf + done, n - done,
				  (off_t)(off + done));

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		done += (size_t)k;
	}
	return (ssize_t)done;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 16;

	while (c < need)
		c *= 2;
	void *q = realloc(*p, c * elem);

	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static int open_common(struct iorr_reader *r, struct iorr_error *e)
{
	uint8_t hdr[IORR_FILE_HEADER_SIZE];
	ssize_t n = src_read(r, 0, hdr, sizeof(hdr));

	if (n < 0)
		return set_err(r, e, (int)n, 0, "read failed: %s",
			       strerror((int)-n));
	if (n < 8 || memcmp(hdr, IORR_FILE_MAGIC, 8) != 0)
		return set_err(r, e, -EBADMSG, 0,
			       "not an iorr trace (bad magic)");
	if (n < (ssize_t)sizeof(hdr))
		return set_err(r, e, -EBADMSG, (uint64_t)n,
			       "truncated file header");
	r->major = get_le16(hdr + 8);
	r->minor = get_le16(hdr + 10);
	if (r->major != IORR_FORMAT_MAJOR)
		return set_err(r, e, -EPROTO, 8,
			       "trace format version %u.%u is not supported "
			       "(this iorr reads %u.x)", r->major, r->minor,
			       IORR_FORMAT_MAJOR);
	uint32_t mlen = get_le32(hdr + 16);

	if (mlen > IORR_MAX_METADATA)
		return set_err(r, e, -EFBIG, 16,
			       "metadata length %" PRIu32 " exceeds the limit",
			       mlen);
	if (r->size - sizeof(hdr) < mlen)
		return set_err(r, e, -EBADMSG, sizeof(hdr),
			       "truncated metadata (%" PRIu32
			       " bytes declared)", mlen);
	r->meta = malloc(mlen + 1);
	if (!r->meta)
		return set_err(r, e, -ENOMEM, 0, "out of memory");
	n = src_read(r, sizeof(hdr), r->meta, mlen);
	if (n != (ssize_t)mlen)
		return set_err(r, e, n < 0 ? (int)n : -EIO, sizeof(hdr),
			       "cannot read metadata");
	r->meta[mlen] = '\0';
	if (memchr(r->meta, '\0', mlen))
		return set_err(r, e, -EBADMSG, sizeof(hdr),
			       "metadata contains a NUL byte");

	XXH3_state_t hs;

	XXH3_64bits_reset(&hs);
	XXH3_64bits_update(&hs, hdr, 24);
	XXH3_64bits_update(&hs, r->meta, mlen);
	if (XXH3_64bits_digest(&hs) != get_le64(hdr + 24))
		return set_err(r, e, -EBADMSG, 24, "header checksum mismatch");
	r->pos = sizeof(hdr) + mlen;
	r->dc = ZSTD_createDCtx();
	r->ops = calloc(IORR_OP__COUNT, sizeof(*r->ops));
	if (!r->dc || !r->ops)
		return set_err(r, e, -ENOMEM, 0, "out of memory");
	return 0;
}

static int reader_new(const struct iorr_reader_limits *lim,
		      struct iorr_reader **out)
{
	struct iorr_reader *r = calloc(1, sizeof(*r));

	*out = r;
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	if (lim)
		r->lim = *lim;
	else
		iorr_reader_default_limits(&r->lim);
	return 0;
}

int iorr_reader_open(const char *path, const struct iorr_reader_limits *lim,
		     struct iorr_reader **out, struct iorr_error *e)
{
	struct iorr_reader *r;
	struct stat st;
	int ret;

	*out = NULL;
	if (reader_new(lim, &r) < 0) {
		if (e)
			*e = (struct iorr_error){ .code = -ENOMEM,
						  .msg = "out of memory" };
		return -ENOMEM;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) < 0) {
		ret = set_err(r, e, -errno, 0, "%s", strerror(errno));
		iorr_reader_close(r);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = set_err(r, e, -EINVAL, 0, "not a regular file");
		iorr_reader_close(r);
		return ret;
	}
	r->size = (uint64_t)st.st_size;
	ret = open_common(r, e);
	if (ret < 0) {
		iorr_reader_close(r);
		return ret;
	}
	*out = r;
	return 0;
}

int iorr_reader_open_mem(const void *buf, size_t len,
			 const struct iorr_reader_limits *lim,
			 struct iorr_reader **out, struct iorr_error *e)
{
	struct iorr_reader *r;
	int ret;

	*out = NULL;
	if (reader_new(lim, &r) < 0)
		return -ENOMEM;
	r->mem = buf ? buf : (const uint8_t *)"";
	r->size = len;
	ret = open_common(r, e);
	if (ret < 0) {
		iorr_reader_close(r);
		return ret;
	}
	*out = r;
	return 0;
}

static void free_events_chunk(struct iorr_reader *r)
{
	col_free(&r->gop);
	col_free(&r->gseq);
	for (unsigned op = 0; r->ops && op < IORR_OP__COUNT; op++) {
		struct opstate *o = &r->ops[op];

		for (unsigned f = 0; f < NCOLS; f++)
			col_free(&o->c[f]);
		memset(o, 0, sizeof(*o));
	}
	r->ev_n = r->ev_i = 0;
}

void iorr_reader_close(struct iorr_reader *r)
{
	if (!r)
		return;
	free_events_chunk(r);
	free(r->ops);
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dc);
	free(r->meta);
	free(r->stored);
	free(r->raw);
	free(r->threads);
	for (uint32_t i = 0; i < r->npaths; i++)
		free(r->paths[i]);
	free(r->paths);
	free(r->blobs);
	while (r->keep) {
		struct keep *k = r->keep->next;

		free(r->keep);
		r->keep = k;
	}
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < r->nstates[k]; i++)
			free((void *)r->states[k][i].extents);
		for (size_t i = 0; i < r->nstates[k]; i++)
			free((void *)r->states[k][i].link);
		free(r->states[k]);
	}
	for (size_t i = 0; i < r->nnotes; i++) {
		free(r->notes[i].key);
		free(r->notes[i].value);
	}
	free(r->notes);
	free(r->chunk_offs);
	free(r);
}

const char *iorr_reader_metadata(const struct iorr_reader *r)
{
	return r->meta;
}

void iorr_reader_version(const struct iorr_reader *r, unsigned *major,
			 unsigned *minor)
{
	*major = r->major;
	*minor = r->minor;
}

/* Iterate length-prefixed records of a definitions chunk. */
struct recs {
	struct cursor c;
	uint32_t left;
};

static int next_record(struct recs *rs, struct cursor *rec)
{
	uint64_t len;
	const uint8_t *p;

	if (rs->left == 0)
		return 0;
	if (cursor_varint(&rs->c, &len) < 0 || len > cursor_left(&rs->c) ||
	    cursor_bytes(&rs->c, &p, (size_t)len) < 0)
		return -1;
	cursor_init(rec, p, (size_t)len);
	rs->left--;
	return 1;
}

static int parse_threads(struct iorr_reader *r, struct recs *rs,
			 struct iorr_error *e)
{
	struct cursor c;
	int k;

	while ((k = next_record(rs, &c)) > 0) {
		uint64_t pid, tid, parent;

		if (cursor_varint(&c, &pid) < 0 ||
		    cursor_varint(&c, &tid) < 0 ||
		    cursor_varint(&c, &parent) < 0)
			return -1;
		if (parent > r->nthreads)
			return -1;
		if (r->nthreads >= r->lim.max_threads)
			return set_err(r, e, -EFBIG, r->chunk_off,
				       "more threads than the limit (%" PRIu64
				       ")", r->lim.max_threads);
		size_t cap = r->threads_cap;

		if (grow((void **)&r->threads, &cap, r->nthreads + 1,
			 sizeof(*r->threads)) < 0)
			return set_err(r, e, -ENOMEM, r->chunk_off,
				       "out of memory");
		r->threads_cap = (uint32_t)cap;
		r->threads[r->nthreads] = (struct iorr_thread){
			.index = r->nthreads,
			.pid = (int32_t)unzigzag(pid),
			.tid = (int32_t)unzigzag(tid),
			.parent = parent ? (uint32_t)(parent - 1) : UINT32_MAX,
		};
		r->nthreads++;
	}
	return k;
}

static int parse_paths(struct iorr_reader *r, struct recs *rs,
		       struct iorr_error *e)
{
	struct cursor c;
	int k;

	while ((k = next_record(rs, &c)) > 0) {
		size_t len = cursor_left(&c);

		if (len == 0 || memchr(c.p, '\0', len))
			return -1;
		if (r->npaths >= r->lim.max_paths)
			return set_err(r, e, -EFBIG, r->chunk_off,
				       "more paths than the limit (%" PRIu64
				       ")", r->lim.max_paths);
		size_t cap = r->paths_cap;

		if (grow((void **)&r->paths, &cap, r->npaths + 1,
			 sizeof(*r->paths)) < 0)
			return set_err(r, e, -ENOMEM, r->chunk_off,
				       "out of memory");
		r->paths_cap = (uint32_t)cap;
		char *s = malloc(len + 1);

		if (!s)
			return set_err(r, e, -ENOMEM, r->chunk_off,
				       "out of memory");
		memcpy(s, c.p, len);
		s[len] = '\0';
		r->paths[r->npaths++] = s;
	}
	return k;
}

/* Blobs point into the chunk buffer, which is handed over to r->keep. */
static int parse_blobs(struct iorr_reader *r, struct recs *rs,
		       struct iorr_error *e)
{
	struct cursor c;
	int k;

	while ((k = next_record(rs, &c)) > 0) {
		uint8_t flags;
		uint64_t lo, hi, size;
		const uint8_t *data = NULL;

		if (cursor_u8(&c, &flags) < 0 || cursor_le64(&c, &lo) < 0 ||
		    cursor_le64(&c, &hi) < 0 || cursor_varint(&c, &size) < 0)
			return -1;
		if (flags & ~IORR_BLOB_HASH_ONLY)
			return -1;
		if (r->nblobs >= r->lim.max_blobs)
			return set_err(r, e, -EFBIG, r->chunk_off,
				       "more blobs than the limit (%" PRIu64
				       ")", r->lim.max_blobs);
		if (!(flags & IORR_BLOB_HASH_ONLY)) {
			if (size > cursor_left(&c) ||
			    cursor_bytes(&c, &data, (size_t)size) < 0)
				return -1;
			struct iorr_hash128 h;

			h = iorr_hash128(data, (size_t)size);
			if (h.lo != lo || h.hi != hi)
				return set_err(r, e, -EBADMSG, r->chunk_off,
					       "blob %" PRIu32 ": content does "
					       "not match its hash", r->nblobs);
		}
		size_t cap = r->blobs_cap;

		if (grow((void **)&r->blobs, &cap, r->nblobs + 1,
			 sizeof(*r->blobs)) < 0)
			return set_err(r, e, -ENOMEM, r->chunk_off,
				       "out of memory");
		r->blobs_cap = (uint32_t)cap;
		r->blobs[r->nblobs] = (struct iorr_blob){
			.id = r->nblobs,
			.flags = flags,
			.size = size,
			.hash = { lo, hi },
			.data = data,
		};
		r->nblobs++;
	}
	return k;
}

static int parse_states(struct iorr_reader *r, struct recs *rs, int kind,
			struct iorr_error *e)
{
	struct cursor c;
	int k;

	while ((k = next_record(rs, &c)) > 0) {
		uint64_t path, flags, mode, size, lo, hi, next, ll;
		struct iorr_file_state st = { 0 };

		if (cursor_varint(&c, &path) < 0 ||
		    cursor_varint(&c, &flags) < 0 ||
		    cursor_varint(&c, &mode) < 0 ||
		    cursor_varint(&c, &size) < 0 || cursor_le64(&c, &lo) < 0 ||
		    cursor_le64(&c, &hi) < 0 || cursor_varint(&c, &next) < 0)
			return -1;
		/* Each extent takes at least three bytes. */
		if (path >= r->npaths || next > IORR_MAX_EXTENTS ||
		    next > cursor_left(&c) / 3 || flags > UINT32_MAX ||
		    mode > UINT32_MAX)
			return -1;
		struct iorr_extent *ext = calloc(next ? next : 1, sizeof(*ext));

		if (!ext)
			return set_err(r, e, -ENOMEM, r->chunk_off,
				       "out of memory");
		for (uint64_t i = 0; i < next; i++) {
			uint64_t off, len, blob;

			if (cursor_varint(&c, &off) < 0 ||
			    cursor_varint(&c, &len) < 0 ||
			    cursor_varint(&c, &blob) < 0 || blob >= r->nblobs ||
			    r->blobs[blob].size != len || off + len < off ||
			    off + len > size) {
				free(ext);
				return -1;
			}
			ext[i] = (struct iorr_extent){ off, len,
						    (uint32_t)blob };
		}
		char *link = NULL;

		if (cursor_varint(&c, &ll) < 0 || ll > cursor_left(&c) + 1) {
			free(ext);
			return -1;
		}
		if (ll) {
			const uint8_t *p;

			link = malloc(ll);
			if (!link || cursor_bytes(&c, &p, ll - 1) < 0 ||
			    memchr(p, '\0', ll - 1)) {
				free(link);
				free(ext);
				return link ? -1 : set_err(r, e, -ENOMEM,
					r->chunk_off, "out of memory");
			}
			memcpy(link, p, ll - 1);
			link[ll - 1] = '\0';
		}
		st.path = (uint32_t)path;
		st.flags = (uint32_t)flags;
		st.mode = (uint32_t)mode;
		st.size = size;
		st.hash = (struct iorr_hash128){ lo, hi };
		st.nextents = (uint32_t)next;
		st.extents = ext;
		st.link = link;
		if (grow((void **)&r->states[kind], &r->states_cap[kind],
			 r->nstates[kind] + 1, sizeof(st)) < 0) {
			free(ext);
			free(link);
			return set_err(r, e, -ENOMEM, r->chunk_off,
				       "out of memory");
		}
		r->states[kind][r->nstates[kind]++] = st;
	}
	return k;
}

static int parse_notes(struct iorr_reader *r, struct recs *rs,
		       struct iorr_error *e)
{
	struct cursor c;
	int k;

	while ((k = next_record(rs, &c)) > 0) {
		uint64_t kl, vl;
		const uint8_t *kp, *vp;

		if (cursor_varint(&c, &kl) < 0 || kl > cursor_left(&c) ||
		    cursor_bytes(&c, &kp, kl) < 0 ||
		    cursor_varint(&c, &vl) < 0 || vl > cursor_left(&c) ||
		    cursor_bytes(&c, &vp, vl) < 0 || kl == 0 ||
		    memchr(kp, '\0', kl) || memchr(vp, '\0', vl))
			return -1;
		r->note_records++;
		char *key = strndup((const char *)kp, kl);
		char *val = strndup((const char *)vp, vl);
		size_t i;

		if (!key || !val) {
			free(key);
			free(val);
			return set_err(r, e, -ENOMEM, r->chunk_off,
				       "out of memory");
		}
		for (i = 0; i < r->nnotes; i++)
			if (strcmp(r->notes[i].key, key) == 0)
				break;
		if (i < r->nnotes) {
			free(key);
			free(r->notes[i].value);
			r->notes[i].value = val;
			continue;
		}
		if (grow((void **)&r->notes, &r->notes_cap, r->nnotes + 1,
			 sizeof(*r->notes)) < 0) {
			free(key);
			free(val);
			return set_err(r, e, -ENOMEM, r->chunk_off,
				       "out of memory");
		}
		r->notes[r->nnotes++] = (struct note){ key, val };
	}
	return k;
}

static int parse_trailer(struct iorr_reader *r, const uint8_t *p, size_t len,
			 uint64_t end, struct iorr_error *e)
{
	struct cursor c;
	uint64_t v[8], off = 0;

	cursor_init(&c, p, len);
	for (int i = 0; i < 8; i++)
		if (cursor_varint(&c, &v[i]) < 0)
			return set_err(r, e, -EBADMSG, r->chunk_off,
				       "malformed trailer");
	/* The index must list exactly the chunks read before it. */
	for (uint64_t i = 0; v[7] == r->chunks - 1 && i < v[7]; i++) {
		uint64_t d;

		if (cursor_varint(&c, &d) < 0 || off + d < off ||
		    off + d != r->chunk_offs[i])
			return set_err(r, e, -EBADMSG, r->chunk_off,
				       "trailer index does not match the "
				       "chunks (entry %" PRIu64 ")", i);
		off += d;
	}
	if (v[0] != r->events || v[1] != r->nthreads || v[2] != r->npaths ||
	    v[3] != r->nblobs || v[4] != r->nstates[0] ||
	    v[5] != r->nstates[1] || v[6] != r->note_records ||
	    v[7] != r->chunks - 1 || cursor_left(&c) != 0)
		return set_err(r, e, -EBADMSG, r->chunk_off,
			       "trailer counts do not match the trace "
			       "(%" PRIu64 " events listed, %" PRIu64 " read)",
			       v[0], r->events);
	if (end != r->size)
		return set_err(r, e, -EBADMSG, end,
			       "%" PRIu64 " bytes of garbage after the trailer",
			       r->size - end);
	r->complete = true;
	r->done = true;
	return 0;
}

/* Decode one column whose directory entry is at hand. */
static int load_col(struct iorr_reader *r, struct col *c, const uint8_t *p,
		    size_t len, uint64_t nvalues, size_t expect,
		    struct iorr_error *e, const char *what)
{
	if (nvalues != expect)
		return set_err(r, e, -EBADMSG, r->chunk_off,
			       "events chunk: column %s has %" PRIu64
			       " values, expected %zu", what, nvalues, expect);
	int k = col_decode(c, p, len, expect);

	if (k == -ENOMEM)
		return set_err(r, e, k, r->chunk_off, "out of memory");
	if (k < 0)
		return set_err(r, e, k, r->chunk_off,
			       "events chunk: malformed column %s", what);
	return 0;
}

struct dirent_col {
	uint64_t key, fid, nvalues, len;
	const uint8_t *p;
};

static int parse_events(struct iorr_reader *r, const uint8_t *p, size_t len,
			struct iorr_error *e)
{
	struct cursor c;
	uint64_t n, ncols;
	struct dirent_col *dir = NULL;
	int ret = -EBADMSG;

	free_events_chunk(r);
	cursor_init(&c, p, len);
	if (cursor_varint(&c, &n) < 0 || cursor_varint(&c, &r->base_seq) < 0 ||
	    cursor_varint(&c, &r->base_time) < 0 ||
	    cursor_varint(&c, &ncols) < 0)
		goto bad;
	if (n == 0 || n > IORR_MAX_CHUNK_EVENTS ||
	    ncols > (uint64_t)(IORR_OP__COUNT + 1) * (NCOLS + 8) ||
	    ncols > cursor_left(&c) / 4)
		goto bad;
	dir = calloc(ncols ? ncols : 1, sizeof(*dir));
	if (!dir)
		return set_err(r, e, -ENOMEM, r->chunk_off, "out of memory");
	for (uint64_t i = 0; i < ncols; i++) {
		struct dirent_col *d = &dir[i];

		if (cursor_varint(&c, &d->key) < 0 ||
		    cursor_varint(&c, &d->fid) < 0 ||
		    cursor_varint(&c, &d->nvalues) < 0 ||
		    cursor_varint(&c, &d->len) < 0)
			goto bad;
	}
	for (uint64_t i = 0; i < ncols; i++) {
		if (dir[i].len > cursor_left(&c) ||
		    cursor_bytes(&c, &dir[i].p, (size_t)dir[i].len) < 0)
			goto bad;
	}
	if (cursor_left(&c) != 0)
		goto bad;

	/* Global columns first: they give the per-op counts. */
	bool have_op = false, have_seq = false;

	for (uint64_t i = 0; i < ncols; i++) {
		struct dirent_col *d = &dir[i];

		if (d->key != 0)
			continue;
		if (d->fid == IORR_GCOL_OP && !have_op) {
			if ((ret = load_col(r, &r->gop, d->p, d->len,
					    d->nvalues, n, e, "op")) < 0)
				goto out;
			have_op = true;
		} else if (d->fid == IORR_GCOL_SEQ && !have_seq) {
			if ((ret = load_col(r, &r->gseq, d->p, d->len,
					    d->nvalues, n, e, "seq")) < 0)
				goto out;
			have_seq = true;
		} else {
			goto bad;
		}
	}
	if (!have_op || !have_seq)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		uint64_t op = col_get(&r->gop, i);

		if (op >= IORR_OP__COUNT) {
			ret = set_err(r, e, -EPROTO, r->chunk_off,
				      "events chunk: opcode %" PRIu64 " is "
				      "unknown to this iorr (trace from a "
				      "newer version?)", op);
			goto out;
		}
		r->ops[op].count++;
	}

	for (uint64_t i = 0; i < ncols; i++) {
		struct dirent_col *d = &dir[i];

		if (d->key == 0)
			continue;
		if (d->key > IORR_OP__COUNT)
			goto bad;
		unsigned op = (unsigned)(d->key - 1);
		struct opstate *o = &r->ops[op];
		const struct iorr_op_desc *desc = iorr_op_get(op);

		if (o->count == 0)
			goto bad;
		/* A field this reader does not know: a newer writer's. */
		if (d->fid >= (uint64_t)IORR_COL_FIELD0 + desc->nfields) {
			if (d->nvalues != o->count)
				goto bad;
			continue;
		}
		if (d->fid == IORR_COL_VECTOR)
			continue;	/* loaded below: needs the counts */
		if (o->present[d->fid])
			goto bad;
		char what[64];

		snprintf(what, sizeof(what), "%s.%" PRIu64, desc->name, d->fid);
		if ((ret = load_col(r, &o->c[d->fid], d->p, d->len, d->nvalues,
				    o->count, e, what)) < 0)
			goto out;
		o->present[d->fid] = 1;
	}
	/* Every op present needs all its columns; then its vector. */
	for (unsigned op = 0; op < IORR_OP__COUNT; op++) {
		struct opstate *o = &r->ops[op];
		const struct iorr_op_desc *desc = iorr_op_get(op);

		if (!o->count)
			continue;
		unsigned ncol = IORR_COL_FIELD0 + (unsigned)desc->nfields;

		for (unsigned f = 0; f < ncol; f++) {
			if (f == IORR_COL_VECTOR || o->present[f])
				continue;
			/*
			 * A field appended by a later minor version is absent
			 * from older traces: it reads as 0.
			 */
			if (f >= IORR_COL_FIELD0 &&
			    (int)r->minor < IORR_FORMAT_MINOR) {
				o->c[f] = (struct col){ .cval = 0,
							.n = o->count };
				continue;
			}
			ret = set_err(r, e, -EBADMSG, r->chunk_off,
				      "events chunk: column %s.%u missing",
				      desc->name, f);
			goto out;
		}
		int vf = iorr_op_vec_field(desc);
		uint64_t total = 0;

		if (vf >= 0) {
			struct col *vc = &o->c[IORR_COL_FIELD0 + vf];

			for (size_t i = 0; i < o->count; i++) {
				uint64_t k = col_get(vc, i);

				if (k > IORR_MAX_IOV) {
					ret = set_err(r, e, -EBADMSG,
						      r->chunk_off,
						      "iovec count %" PRIu64
						      " too large", k);
					goto out;
				}
				total += k;
			}
		}
		if (total > IORR_MAX_CHUNK_VECTOR)
			goto bad;
		bool found = false;

		for (uint64_t i = 0; i < ncols; i++) {
			struct dirent_col *d = &dir[i];

			if (d->key != op + 1u || d->fid != IORR_COL_VECTOR)
				continue;
			if (found || total == 0)
				goto bad;
			if ((ret = load_col(r, &o->c[IORR_COL_VECTOR], d->p,
					    d->len, d->nvalues, total, e,
					    "vector")) < 0)
				goto out;
			found = true;
		}
		if (total && !found)
			goto bad;
		o->vtotal = total;
		o->present[IORR_COL_VECTOR] = found;
	}
	free(dir);
	r->ev_n = (size_t)n;
	r->ev_i = 0;
	return 0;
bad:
	ret = set_err(r, e, -EBADMSG, r->chunk_off, "malformed events chunk");
out:
	free(dir);
	free_events_chunk(r);
	return ret;
}

/*
 * Read the chunk at r->pos and act on it.  @return 1 if it was an events
 * chunk (now loaded), 0 for other chunks or the end (r->done), -errno.
 */
static int read_chunk(struct iorr_reader *r, struct iorr_error *e)
{
	uint8_t hdr[IORR_CHUNK_HEADER_SIZE];
	uint64_t off = r->pos;
	ssize_t n;

	if (off == r->size) {
		/* The recorder never wrote its trailer: cut off. */
		r->truncated = true;
		r->truncated_at = off;
		r->done = true;
		return 0;
	}
	r->chunk_off = off;
	n = src_read(r, off, hdr, sizeof(hdr));
	if (n < 0)
		return set_err(r, e, (int)n, off, "read failed: %s",
			       strerror((int)-n));
	if (n < (ssize_t)sizeof(hdr)) {
		r->truncated = true;
		r->truncated_at = off;
		r->done = true;
		return 0;
	}
	if (memcmp(hdr, IORR_CHUNK_MAGIC, 4) != 0)
		return set_err(r, e, -EBADMSG, off, "bad chunk magic");
	unsigned type = hdr[4], codec = hdr[5];
	uint32_t seq = get_le32(hdr + 8);
	uint32_t stored = get_le32(hdr + 12), rawlen = get_le32(hdr + 16);
	uint32_t count = get_le32(hdr + 20);

	if (r->size - off - sizeof(hdr) < stored) {
		r->truncated = true;
		r->truncated_at = off;
		r->done = true;
		return 0;
	}
	if (stored > r->lim.max_chunk_bytes || rawlen > r->lim.max_chunk_bytes)
		return set_err(r, e, -EFBIG, off,
			       "chunk of %" PRIu32 " bytes exceeds the limit",
			       rawlen > stored ? rawlen : stored);
	if (grow((void **)&r->stored, &r->stored_cap, stored ? stored : 1,
		 1) < 0)
		return set_err(r, e, -ENOMEM, off, "out of memory");
	n = src_read(r, off + sizeof(hdr), r->stored, stored);
	if (n != (ssize_t)stored)
		return set_err(r, e, n < 0 ? (int)n : -EIO, off,
			       "cannot read chunk");

	XXH3_state_t hs;

	XXH3_64bits_reset(&hs);
	XXH3_64bits_update(&hs, hdr, 24);
	XXH3_64bits_update(&hs, r->stored, stored);
	if (XXH3_64bits_digest(&hs) != get_le64(hdr + 24))
		return set_err(r, e, -EBADMSG, off, "chunk checksum mismatch");
	if (seq != r->chunk_seq)
		return set_err(r, e, -EBADMSG, off,
			       "chunk sequence %" PRIu32 ", expected %" PRIu32
			       " (chunks missing or reordered)", seq,
			       r->chunk_seq);
	if (grow((void **)&r->chunk_offs, &r->chunk_offs_cap, r->chunks + 1,
		 sizeof(*r->chunk_offs)) < 0)
		return set_err(r, e, -ENOMEM, off, "out of memory");
	r->chunk_offs[r->chunks] = off;
	r->chunk_seq++;
	r->chunks++;
	r->pos = off + sizeof(hdr) + stored;

	/* Blob chunks are kept (blobs point into them); others reuse r->raw. */
	uint8_t *raw;
	struct keep *keep = NULL;

	if (type == IORR_CHUNK_BLOBS) {
		if (r->blob_bytes + rawlen > r->lim.max_total_blob_bytes)
			return set_err(r, e, -EFBIG, off,
				       "blob data exceeds the limit of %" PRIu64
				       " bytes", r->lim.max_total_blob_bytes);
		keep = malloc(sizeof(*keep) + rawlen);
		if (!keep)
			return set_err(r, e, -ENOMEM, off, "out of memory");
		keep->next = r->keep;
		r->keep = keep;
		r->blob_bytes += rawlen;
		raw = keep->data;
	} else {
		if (grow((void **)&r->raw, &r->raw_cap, rawlen ? rawlen : 1,
			 1) < 0)
			return set_err(r, e, -ENOMEM, off, "out of memory");
		raw = r->raw;
	}
	if (codec == IORR_CODEC_STORED) {
		if (stored != rawlen)
			return set_err(r, e, -EBADMSG, off,
				       "stored chunk length mismatch");
		memcpy(raw, r->stored, stored);
	} else if (codec == IORR_CODEC_ZSTD) {
		size_t z = ZSTD_decompressDCtx(r->dc, raw, rawlen, r->stored,
					       stored);

		if (ZSTD_isError(z) || z != rawlen)
			return set_err(r, e, -EBADMSG, off,
				       "chunk does not decompress to its "
				       "declared %" PRIu32 " bytes", rawlen);
	} else {
		return set_err(r, e, -EBADMSG, off, "unknown codec %u", codec);
	}

	struct recs rs;
	int k = 0;

	cursor_init(&rs.c, raw, rawlen);
	rs.left = count;
	switch (type) {
	case IORR_CHUNK_EVENTS:
		if (parse_events(r, raw, rawlen, e) < 0)
			return r->err;
		if (count != r->ev_n)
			return set_err(r, e, -EBADMSG, off,
				       "events chunk count mismatch");
		return 1;
	case IORR_CHUNK_THREADS:
		k = parse_threads(r, &rs, e);
		break;
	case IORR_CHUNK_PATHS:
		k = parse_paths(r, &rs, e);
		break;
	case IORR_CHUNK_BLOBS:
		k = parse_blobs(r, &rs, e);
		break;
	case IORR_CHUNK_INITIAL:
		k = parse_states(r, &rs, IORR_STATE_INITIAL, e);
		break;
	case IORR_CHUNK_FINAL:
		k = parse_states(r, &rs, IORR_STATE_FINAL, e);
		break;
	case IORR_CHUNK_NOTES:
		k = parse_notes(r, &rs, e);
		break;
	case IORR_CHUNK_TRAILER:
		return parse_trailer(r, raw, rawlen, r->pos, e);
	default:
		r->skipped++;
		return 0;
	}
	if (r->err)
		return r->err;
	if (k < 0 || rs.left != 0 || cursor_left(&rs.c) != 0)
		return set_err(r, e, -EBADMSG, off,
			       "malformed record in chunk of type %u", type);
	return 0;
}

/* Fill @ev with event r->ev_i of the loaded chunk. */
static int decode_event(struct iorr_reader *r, struct iorr_event *ev,
			struct iorr_error *e)
{
	size_t i = r->ev_i;
	unsigned op = (unsigned)col_get(&r->gop, i);
	struct opstate *o = &r->ops[op];
	const struct iorr_op_desc *d = iorr_op_get(op);
	size_t j = o->next;
	uint64_t sd = col_get(&r->gseq, i);

	if (i == 0) {
		ev->seq = r->base_seq + sd;
		ev->start_ns = r->base_time;
	} else {
		ev->seq = r->prev_seq + 1 + sd;
		ev->start_ns = r->prev_start;
	}
	if (ev->seq < sd || (r->any_event && ev->seq <= r->prev_seq))
		return set_err(r, e, -EBADMSG, r->chunk_off,
			       "event seq %" PRIu64 " out of order", ev->seq);
	ev->start_ns += (uint64_t)unzigzag(col_get(&o->c[IORR_COL_START], j));
	uint64_t dur = col_get(&o->c[IORR_COL_DURATION], j);

	ev->end_ns = ev->start_ns + dur;
	if (ev->end_ns < ev->start_ns)
		return set_err(r, e, -EBADMSG, r->chunk_off,
			       "event %" PRIu64 ": time overflow", ev->seq);
	ev->op = (uint16_t)op;
	ev->thread = (uint32_t)col_get(&o->c[IORR_COL_THREAD], j);
	ev->result = unzigzag(col_get(&o->c[IORR_COL_RESULT], j));
	uint64_t err = col_get(&o->c[IORR_COL_ERRNO], j);

	if (ev->thread >= r->nthreads || err > 4095)
		return set_err(r, e, -EBADMSG, r->chunk_off,
			       "event %" PRIu64 ": undefined thread %" PRIu32
			       " or bad errno", ev->seq, ev->thread);
	ev->err = (uint32_t)err;
	ev->nfields = d->nfields;
	ev->nvec = 0;
	ev->vec = NULL;
	for (unsigned k = 0; k < d->nfields; k++) {
		uint64_t v = col_get(&o->c[IORR_COL_FIELD0 + k], j);
		unsigned t = d->fields[k].type;

		if (iorr_field_type_signed(t))
			v = (uint64_t)unzigzag(v);
		ev->f[k] = v;
		if ((t == IORR_FT_PATH && v >= r->npaths) ||
		    (t == IORR_FT_DATA && v > r->nblobs) ||
		    (t == IORR_FT_THREAD && v >= r->nthreads))
			return set_err(r, e, -EBADMSG, r->chunk_off,
				       "event %" PRIu64 " (%s): field %s "
				       "refers to an undefined %s %" PRIu64,
				       ev->seq,
				       d->name, d->fields[k].name,
				       iorr_field_type_name(t), v);
		if (t == IORR_FT_IOV) {
			/* Counts were summed and bounded when loading. */
			ev->nvec = (uint32_t)v;
			if (v) {
				struct col *vc = &o->c[IORR_COL_VECTOR];

				if (vc->vals) {
					ev->vec = vc->vals + o->vnext;
				} else {
					for (uint64_t x = 0; x < v; x++)
						r->vec[x] = vc->cval;
					ev->vec = r->vec;
				}
				o->vnext += v;
			}
		}
	}
	for (unsigned k = d->nfields; k < IORR_MAX_FIELDS; k++)
		ev->f[k] = 0;
	o->next++;
	r->ev_i++;
	r->prev_seq = ev->seq;
	r->prev_start = ev->start_ns;
	r->any_event = true;
	r->events++;
	return 1;
}

int iorr_reader_next(struct iorr_reader *r, struct iorr_event *ev,
		     struct iorr_error *e)
{
	if (r->err) {
		if (e)
			*e = r->errinfo;
		return r->err;
	}
	while (r->ev_i >= r->ev_n) {
		if (r->done)
			return 0;
		int k = read_chunk(r, e);

		if (k < 0)
			return k;
	}
	return decode_event(r, ev, e);
}

int iorr_reader_finish(struct iorr_reader *r, struct iorr_error *e)
{
	struct iorr_event ev;
	int k;

	while ((k = iorr_reader_next(r, &ev, e)) > 0)
		;
	return k;
}

void iorr_reader_status(const struct iorr_reader *r,
			struct iorr_reader_status *st)
{
	st->complete = r->complete;
	st->truncated = r->truncated;
	st->truncated_at = r->truncated_at;
	st->events = r->events;
	st->chunks = r->chunks;
	st->skipped_chunks = r->skipped;
	st->file_size = r->size;
}

const struct iorr_thread *iorr_reader_thread(const struct iorr_reader *r,
					     uint32_t index)
{
	return index < r->nthreads ? &r->threads[index] : NULL;
}

uint32_t iorr_reader_nthreads(const struct iorr_reader *r)
{
	return r->nthreads;
}

const char *iorr_reader_path(const struct iorr_reader *r, uint32_t id)
{
	return id < r->npaths ? r->paths[id] : NULL;
}

uint32_t iorr_reader_npaths(const struct iorr_reader *r)
{
	return r->npaths;
}

const struct iorr_blob *iorr_reader_blob(const struct iorr_reader *r,
					 uint32_t id)
{
	return id < r->nblobs ? &r->blobs[id] : NULL;
}

uint32_t iorr_reader_nblobs(const struct iorr_reader *r)
{
	return r->nblobs;
}

size_t iorr_reader_nstates(const struct iorr_reader *r,
			   enum iorr_state_kind kind)
{
	return kind <= IORR_STATE_FINAL ? r->nstates[kind] : 0;
}

const struct iorr_file_state *iorr_reader_state(const struct iorr_reader *r,
						enum iorr_state_kind kind,
						size_t i)
{
	if (kind > IORR_STATE_FINAL || i >= r->nstates[kind])
		return NULL;
	return &r->states[kind][i];
}

size_t iorr_reader_nnotes(const struct iorr_reader *r)
{
	return r->nnotes;
}

void iorr_reader_note(const struct iorr_reader *r, size_t i, const char **key,
		      const char **json_value)
{
	*key = i < r->nnotes ? r->notes[i].key : NULL;
	*json_value = i < r->nnotes ? r->notes[i].value : NULL;
}
