/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness of the trace reader.
 *
 * LLVMFuzzerTestOneInput() opens the input with iorr_reader_open_mem() and
 * reads everything a consumer of the trace would: every event, every
 * thread, path and blob an event refers to, the file states with their
 * extents and links, the notes and the status.  Besides memory errors
 * (ASan) and undefined behaviour (UBSan) it aborts when the reader breaks
 * its own contract: a reference that does not resolve, seq not increasing,
 * an error without message or with an offset outside the file.
 *
 * Built with -DIORR_LIBFUZZER (clang -fsanitize=fuzzer) it is a libFuzzer
 * target with a structure-aware mutator: every chunk is checksummed, so
 * plain byte mutations would almost never get past the checksum.  The
 * mutator decompresses a chunk, mutates its content, stores it
 * uncompressed and recomputes the checksums.
 *
 * Built without it (any compiler) main() runs the inputs named on the
 * command line, files or directories, and every prefix of the small ones;
 * with no argument it runs $top_srcdir/tests/fuzz/corpus.  Exit 0 when
 * everything ran, 99 when there was nothing to run.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>
#include <zstd.h>

#include "iorr/trace.h"
#include "trace/format.h"
#include "util/bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reader broke its contract: report it and crash, so the fuzzer keeps
 * the input. */
static void broken(const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "fuzz_reader: contract violated: %s (%llu, %llu)\n",
		what, (unsigned long long)a, (unsigned long long)b);
	abort();
}

static void check_error(const struct iorr_error *e, int code, size_t size)
{
	if (e->code != code)
		broken("error code differs from the return value",
		       (uint64_t)-e->code, (uint64_t)-code);
	if (e->msg[0] == '\0' || !memchr(e->msg, '\0', sizeof(e->msg)))
		broken("error without a message", (uint64_t)-code, 0);
	if (e->offset > size)
		broken("error offset beyond the file", e->offset, size);
}

/* Touch every byte a consumer could read, so ASan sees stale pointers. */
static volatile uint8_t sink;

static void touch(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t x = 0;

	for (size_t i = 0; i < n; i++)
		x ^= b[i];
	sink ^= x;
}

static void check_blob(const struct iorr_reader *r, uint32_t id)
{
	const struct iorr_blob *b = iorr_reader_blob(r, id);

	if (!b)
		broken("undefined blob", id, iorr_reader_nblobs(r));
	if (b->id != id)
		broken("blob id differs from its index", b->id, id);
	if (b->flags & IORR_BLOB_HASH_ONLY) {
		if (b->data)
			broken("hash-only blob has data", id, b->size);
		return;
	}
	if (b->size && !b->data)
		broken("blob without data", id, b->size);
	touch(b->data, (size_t)b->size);
}

static void check_path(const struct iorr_reader *r, uint64_t id)
{
	const char *p = id <= UINT32_MAX ?
			iorr_reader_path(r, (uint32_t)id) : NULL;

	if (!p)
		broken("undefined path", id, iorr_reader_npaths(r));
	if (p[0] == '\0')
		broken("empty path", id, 0);
	touch(p, strlen(p));
}

static void check_thread(const struct iorr_reader *r, uint64_t id)
{
	const struct iorr_thread *t = id <= UINT32_MAX ?
				      iorr_reader_thread(r, (uint32_t)id) : NULL;

	if (!t)
		broken("undefined thread", id, iorr_reader_nthreads(r));
	if (t->index != id)
		broken("thread index differs", t->index, id);
	if (t->parent != UINT32_MAX && t->parent >= t->index)
		broken("thread parent not defined before it", t->parent,
		       t->index);
}

static void check_event(const struct iorr_reader *r,
			const struct iorr_event *ev)
{
	const struct iorr_op_desc *d = iorr_op_get(ev->op);

	if (!d)
		broken("event with unknown op", ev->op, 0);
	if (ev->nfields != d->nfields)
		broken("event field count", ev->nfields, d->nfields);
	if (ev->end_ns < ev->start_ns)
		broken("event ends before it starts", ev->start_ns,
		       ev->end_ns);
	if (ev->err > 4095)
		broken("errno out of range", ev->err, 0);
	check_thread(r, ev->thread);

	int vf = iorr_op_vec_field(d);

	if (vf < 0 && (ev->nvec || ev->vec))
		broken("vector on an op without IOV field", ev->op, ev->nvec);
	if (vf >= 0) {
		if (ev->nvec != ev->f[vf])
			broken("nvec differs from the IOV field", ev->nvec,
			       ev->f[vf]);
		if (ev->nvec && !ev->vec)
			broken("vector missing", ev->op, ev->nvec);
		touch(ev->vec, ev->nvec * sizeof(*ev->vec));
	}
	for (unsigned i = 0; i < d->nfields; i++) {
		uint64_t v = ev->f[i];

		switch (d->fields[i].type) {
		case IORR_FT_PATH:
			check_path(r, v);
			break;
		case IORR_FT_DATA:
			if (v > UINT32_MAX)
				broken("data field out of range", v, 0);
			if (v)
				check_blob(r, (uint32_t)(v - 1));
			break;
		case IORR_FT_THREAD:
			check_thread(r, v);
			break;
		}
	}
	for (unsigned i = d->nfields; i < IORR_MAX_FIELDS; i++)
		if (ev->f[i])
			broken("field beyond the op's fields is set", ev->op, i);
}

static void check_states(const struct iorr_reader *r, enum iorr_state_kind k)
{
	size_t n = iorr_reader_nstates(r, k);

	for (size_t i = 0; i < n; i++) {
		const struct iorr_file_state *st = iorr_reader_state(r, k, i);

		if (!st)
			broken("state lookup failed", k, i);
		check_path(r, st->path);
		if (st->nextents && !st->extents)
			broken("state extents missing", i, st->nextents);
		for (uint32_t x = 0; x < st->nextents; x++) {
			const struct iorr_extent *e = &st->extents[x];
			const struct iorr_blob *b = iorr_reader_blob(r, e->blob);

			check_blob(r, e->blob);
			if (b->size != e->len || e->off + e->len < e->off ||
			    e->off + e->len > st->size)
				broken("extent outside the file", e->off,
				       e->len);
		}
		if (st->link)
			touch(st->link, strlen(st->link));
	}
	if (iorr_reader_state(r, k, n))
		broken("state lookup past the end succeeded", k, n);
}

static struct iorr_reader_limits fuzz_limits(void)
{
	struct iorr_reader_limits lim;

	/* Bounded well below libFuzzer's 2 GB RSS limit. */
	iorr_reader_default_limits(&lim);
	lim.max_chunk_bytes = 4u << 20;
	lim.max_total_blob_bytes = 64u << 20;
	lim.max_paths = 1u << 16;
	lim.max_threads = 1u << 16;
	lim.max_blobs = 1u << 16;
	return lim;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iorr_reader_limits lim = fuzz_limits();
	struct iorr_reader *r;
	struct iorr_error err;
	struct iorr_event ev;
	struct iorr_reader_status st;
	uint64_t prev_seq = 0, n = 0;
	int k;

	memset(&err, 0, sizeof(err));
	k = iorr_reader_open_mem(data, size, &lim, &r, &err);
	if (k < 0) {
		if (r)
			broken("failed open returned a reader", 0, 0);
		check_error(&err, k, size);
		return 0;
	}
	const char *meta = iorr_reader_metadata(r);
	unsigned major, minor;

	touch(meta, strlen(meta));
	iorr_reader_version(r, &major, &minor);
	if (major != IORR_FORMAT_MAJOR)
		broken("opened an unsupported major version", major, 0);

	while ((k = iorr_reader_next(r, &ev, &err)) > 0) {
		if (n && ev.seq <= prev_seq)
			broken("seq not increasing", prev_seq, ev.seq);
		check_event(r, &ev);
		prev_seq = ev.seq;
		n++;
	}
	if (k < 0) {
		check_error(&err, k, size);
		/* The reader stays at the error. */
		int k2 = iorr_reader_next(r, &ev, &err);

		if (k2 != k)
			broken("reader did not stay at its error",
			       (uint64_t)-k, (uint64_t)-k2);
	} else if (iorr_reader_next(r, &ev, &err) != 0) {
		broken("events after the end", n, 0);
	}

	iorr_reader_status(r, &st);
	if (st.events != n)
		broken("status event count", st.events, n);
	if (st.file_size != size)
		broken("status file size", st.file_size, size);
	if (st.complete && st.truncated)
		broken("complete and truncated", 0, 0);
	if (k == 0 && !st.complete && !st.truncated)
		broken("clean end neither complete nor truncated", 0, 0);
	if (st.truncated && st.truncated_at > size)
		broken("truncated_at beyond the file", st.truncated_at, size);

	for (uint32_t i = 0; i < iorr_reader_nthreads(r); i++)
		check_thread(r, i);
	if (iorr_reader_thread(r, iorr_reader_nthreads(r)))
		broken("thread lookup past the end succeeded", 0, 0);
	for (uint32_t i = 0; i < iorr_reader_npaths(r); i++)
		check_path(r, i);
	if (iorr_reader_path(r, iorr_reader_npaths(r)))
		broken("path lookup past the end succeeded", 0, 0);
	for (uint32_t i = 0; i < iorr_reader_nblobs(r); i++)
		check_blob(r, i);
	if (iorr_reader_blob(r, iorr_reader_nblobs(r)))
		broken("blob lookup past the end succeeded", 0, 0);
	check_states(r, IORR_STATE_INITIAL);
	check_states(r, IORR_STATE_FINAL);

	size_t nn = iorr_reader_nnotes(r);

	for (size_t i = 0; i < nn; i++) {
		const char *key, *val;

		iorr_reader_note(r, i, &key, &val);
		if (!key || !val || !key[0])
			broken("note lookup", i, nn);
		for (size_t j = 0; j < i; j++) {
			const char *k2, *v2;

			iorr_reader_note(r, j, &k2, &v2);
			if (strcmp(key, k2) == 0)
				broken("duplicate note key", i, j);
		}
		touch(val, strlen(val));
	}
	iorr_reader_close(r);
	return 0;
}

#ifdef IORR_LIBFUZZER
/* ------------------------------------------------------------------ */
/* Structure-aware mutation (libFuzzer only)                           */
/* ------------------------------------------------------------------ */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

struct span {
	size_t off, len;	/* header offset, header + payload length */
};

#define MAX_SPANS 4096

/* @return the number of whole chunks found from the file header on. */
static size_t find_chunks(const uint8_t *d, size_t size, struct span *s)
{
	size_t n = 0, pos;

	if (size < IORR_FILE_HEADER_SIZE)
		return 0;
	pos = IORR_FILE_HEADER_SIZE + get_le32(d + 16);
	while (n < MAX_SPANS && pos >= IORR_FILE_HEADER_SIZE &&
	       pos + IORR_CHUNK_HEADER_SIZE <= size) {
		size_t stored = get_le32(d + pos + 12);

		if (stored > size - pos - IORR_CHUNK_HEADER_SIZE)
			break;
		s[n].off = pos;
		s[n].len = IORR_CHUNK_HEADER_SIZE + stored;
		pos += s[n].len;
		n++;
	}
	return n;
}

static uint64_t sum2(const uint8_t *a, size_t alen, const uint8_t *b,
		     size_t blen)
{
	XXH3_state_t hs;

	XXH3_64bits_reset(&hs);
	XXH3_64bits_update(&hs, a, alen);
	XXH3_64bits_update(&hs, b, blen);
	return XXH3_64bits_digest(&hs);
}

/* Recompute the header's and every whole chunk's checksum. */
static void fix_checksums(uint8_t *d, size_t size)
{
	struct span *s;
	size_t n, mlen;

	if (size < IORR_FILE_HEADER_SIZE)
		return;
	mlen = get_le32(d + 16);
	if (mlen <= size - IORR_FILE_HEADER_SIZE)
		put_le64(d + 24, sum2(d, 24, d + IORR_FILE_HEADER_SIZE, mlen));
	s = malloc(MAX_SPANS * sizeof(*s));
	if (!s)
		return;
	n = find_chunks(d, size, s);
	for (size_t i = 0; i < n; i++) {
		uint8_t *h = d + s[i].off;

		put_le64(h + 24, sum2(h, 24, h + IORR_CHUNK_HEADER_SIZE,
				      s[i].len - IORR_CHUNK_HEADER_SIZE));
	}
	free(s);
}

/*
 * Replace chunk @c by a stored (uncompressed) chunk whose content is the
 * old content mutated.  @return the new size, or 0 if it did not fit.
 */
static size_t mutate_chunk(uint8_t *d, size_t size, size_t max_size,
			   const struct span *c, unsigned seed)
{
	const uint8_t *h = d + c->off;
	size_t stored = c->len - IORR_CHUNK_HEADER_SIZE;
	size_t rawlen = get_le32(h + 16), cap, newlen, total;
	uint8_t *raw;

	/* The header's sizes may be mutated: room for whichever is larger. */
	if (rawlen < stored)
		rawlen = stored;
	if (rawlen > (1u << 20))
		return 0;
	cap = rawlen + 256 + rawlen / 4;
	raw = malloc(cap);
	if (!raw)
		return 0;
	if (h[5] == IORR_CODEC_ZSTD) {
		size_t z = ZSTD_decompress(raw, cap, h + IORR_CHUNK_HEADER_SIZE,
					   stored);

		rawlen = ZSTD_isError(z) ? 0 : z;
	} else {
		rawlen = stored;
		memcpy(raw, h + IORR_CHUNK_HEADER_SIZE, stored);
	}
	newlen = LLVMFuzzerMutate(raw, rawlen, cap);
	total = size - c->len + IORR_CHUNK_HEADER_SIZE + newlen;
	if (total > max_size) {
		free(raw);
		return 0;
	}
	uint8_t hdr[IORR_CHUNK_HEADER_SIZE];

	memcpy(hdr, h, sizeof(hdr));
	hdr[5] = IORR_CODEC_STORED;
	put_le32(hdr + 12, (uint32_t)newlen);
	put_le32(hdr + 16, (uint32_t)newlen);
	/* Now and then the record count too. */
	if (seed % 8 == 0)
		put_le32(hdr + 20, get_le32(hdr + 20) + (seed >> 3) % 3 - 1);
	memmove(d + c->off + IORR_CHUNK_HEADER_SIZE + newlen, d + c->off + c->len,
		size - c->off - c->len);
	memcpy(d + c->off, hdr, sizeof(hdr));
	memcpy(d + c->off + IORR_CHUNK_HEADER_SIZE, raw, newlen);
	free(raw);
	return total;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	struct span *s;
	size_t n, r;

	switch (seed % 8) {
	case 0:
		/* Raw bytes, checksums left as they are. */
		return LLVMFuzzerMutate(data, size, max_size);
	case 1:
		r = LLVMFuzzerMutate(data, size, max_size);
		fix_checksums(data, r);
		return r;
	default:
		break;
	}
	s = malloc(MAX_SPANS * sizeof(*s));
	if (!s)
		return LLVMFuzzerMutate(data, size, max_size);
	n = find_chunks(data, size, s);
	r = n ? mutate_chunk(data, size, max_size, &s[(seed >> 3) % n],
			     seed >> 6) : 0;
	free(s);
	if (!r) {
		r = LLVMFuzzerMutate(data, size, max_size);
	}
	fix_checksums(data, r);
	return r;
}

#else /* !IORR_LIBFUZZER */
/* ------------------------------------------------------------------ */
/* Standalone driver: replay files and directories                     */
/* ------------------------------------------------------------------ */

/* Inputs up to this size are also run cut at every length. */
#define PREFIX_MAX 16384

static unsigned long runs, files;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "fuzz_reader: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *p = realloc(buf, cap);

			if (!p) {
				fclose(f);
				free(buf);
				return -1;
			}
			buf = p;
		}
		size_t k = fread(buf + len, 1, cap - len, f);

		if (k == 0)
			break;
		len += k;
	}
	fclose(f);
	/* An exact-size copy, so ASan catches reads past the input. */
	uint8_t *exact = malloc(len ? len : 1);

	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	runs++;
	if (len <= PREFIX_MAX) {
		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *p = malloc(cut ? cut : 1);

			if (!p)
				break;
			memcpy(p, exact, cut);
			LLVMFuzzerTestOneInput(p, cut);
			free(p);
			runs++;
		}
	}
	free(exact);
	files++;
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "fuzz_reader: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);

	struct dirent **ents;
	int n = scandir(path, &ents, NULL, alphasort), ret = 0;

	if (n < 0) {
		fprintf(stderr, "fuzz_reader: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path,
				 ents[i]->d_name);
			if (run_path(sub) < 0)
				ret = -1;
		}
		free(ents[i]);
	}
	free(ents);
	return ret;
}

int main(int argc, char **argv)
{
	int ret = 0;

	if (argc < 2) {
		const char *top = getenv("top_srcdir");
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus",
			 top ? top : ".");
		ret = run_path(dir);
	}
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i]) < 0)
			ret = -1;
	printf("fuzz_reader: %lu inputs, %lu runs (prefixes included)\n",
	       files, runs);
	if (ret < 0 || files == 0)
		return 99;
	return 0;
}
#endif /* IORR_LIBFUZZER */
