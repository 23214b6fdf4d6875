/* SPDX-License-Identifier: MIT */
/*
 * Writer -> reader round trips: random events of every op across many
 * chunks, blobs and their deduplication, path interning, file states,
 * notes, metadata; and the writer's rejection of inconsistent input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "iorr/trace.h"

static uint64_t rng_state = 4711;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A random value of any magnitude, small ones more often. */
static uint64_t rnd_any(void)
{
	return rnd() >> (rnd() % 65 == 64 ? 63 : rnd() % 64);
}

static char tmpl[64];

static const char *tmp_path(void)
{
	int fd;

	snprintf(tmpl, sizeof(tmpl), "/tmp/iorr-unit.XXXXXX");
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	close(fd);
	return tmpl;
}

static struct iorr_reader *open_read(const char *path)
{
	struct iorr_reader *r = NULL;
	struct iorr_error err;
	int k = iorr_reader_open(path, NULL, &r, &err);

	if (k < 0)
		fail_msg("open %s: %s", path, err.msg);
	return r;
}

/* Read to the end and check the trace was complete. */
static void finish_complete(struct iorr_reader *r, uint64_t events)
{
	struct iorr_error err;
	struct iorr_reader_status st;
	int k = iorr_reader_finish(r, &err);

	if (k < 0)
		fail_msg("reading: %s (offset %llu)", err.msg,
			 (unsigned long long)err.offset);
	iorr_reader_status(r, &st);
	assert_true(st.complete);
	assert_false(st.truncated);
	assert_true(st.events == events);
	assert_true(st.skipped_chunks == 0);
}

struct expect {
	struct iorr_event ev;
	uint64_t vec[8];
};

/*
 * Random events of every op in the table, interleaved with new threads,
 * paths and blobs, in chunks of 7 events: every field read back equals
 * what was written.
 */
static void every_op_round_trips_across_chunks(void **state)
{
	enum { N = 3000 };
	const char *path = tmp_path();
	struct iorr_writer_opts opts = { .events_per_chunk = 7 };
	struct iorr_writer *w;
	struct expect *x = calloc(N, sizeof(*x));
	uint32_t nthreads = 0, npaths = 0, nblobs = 0;
	uint64_t seq = rnd() % 1000, t = rnd() >> 2;
	char name[64];

	assert_int_equal(iorr_writer_open(path, "{\"test\":1}", &opts, &w), 0);
	assert_int_equal(iorr_writer_thread(w, 10, 10, UINT32_MAX), 0);
	nthreads = 1;
	assert_int_equal(iorr_writer_path(w, "/p0"), 0);
	npaths = 1;

	for (size_t i = 0; i < N; i++) {
		struct iorr_event *ev = &x[i].ev;
		unsigned op = (unsigned)(i % IORR_OP__COUNT);
		const struct iorr_op_desc *d = iorr_op_get(op);

		if (rnd() % 50 == 0) {
			assert_int_equal(iorr_writer_thread(w, (int32_t)rnd(),
				(int32_t)rnd(), (uint32_t)(rnd() % nthreads)),
				nthreads);
			nthreads++;
		}
		if (rnd() % 20 == 0) {
			snprintf(name, sizeof(name), "/p%u", npaths);
			assert_true(iorr_writer_path(w, name) == npaths);
			npaths++;
		}
		if (rnd() % 20 == 0) {
			uint64_t content[4] = { i, rnd(), rnd(), 7 };

			assert_true(iorr_writer_blob(w, content,
				1 + rnd() % sizeof(content)) == nblobs);
			nblobs++;
		}
		ev->seq = seq += 1 + (rnd() % 4 ? 0 : rnd_any() % 100000);
		/* Threads' clocks interleave: start may go backwards. */
		t += (uint64_t)((int64_t)(rnd() % 20000) - 5000);
		ev->start_ns = t;
		ev->end_ns = t + (rnd() % 8 ? rnd() % 100000 : rnd_any() >> 3);
		ev->result = (int64_t)rnd_any() * (rnd() % 2 ? 1 : -1);
		ev->err = (uint32_t)(rnd() % 4 ? 0 : rnd() % 4096);
		ev->thread = (uint32_t)(rnd() % nthreads);
		ev->op = (uint16_t)op;
		ev->nfields = d->nfields;
		for (unsigned f = 0; f < d->nfields; f++) {
			uint64_t v;

			switch (d->fields[f].type) {
			case IORR_FT_PATH:
				v = rnd() % npaths;
				break;
			case IORR_FT_DATA:
				v = rnd() % (nblobs + 1);
				break;
			case IORR_FT_THREAD:
				v = rnd() % nthreads;
				break;
			case IORR_FT_IOV:
				v = rnd() % 9;
				ev->nvec = (uint32_t)v;
				for (uint32_t k = 0; k < ev->nvec; k++)
					x[i].vec[k] = rnd_any();
				ev->vec = x[i].vec;
				break;
			default:
				v = rnd_any();
				if (iorr_field_type_signed(d->fields[f].type) &&
				    rnd() % 2)
					v = -v;
				break;
			}
			ev->f[f] = v;
		}
		int k = iorr_writer_event(w, ev);

		if (k < 0)
			fail_msg("event %zu (%s): %d", i, d->name, k);
	}
	struct iorr_writer_stats ws;

	iorr_writer_get_stats(w, &ws);
	assert_true(ws.events == N);
	assert_true(ws.threads == nthreads);
	assert_true(ws.paths == npaths);
	assert_true(ws.blobs == nblobs);
	assert_int_equal(iorr_writer_close(w), 0);

	struct iorr_reader *r = open_read(path);
	struct iorr_event ev;
	struct iorr_error err;
	unsigned major, minor;

	assert_string_equal(iorr_reader_metadata(r), "{\"test\":1}");
	iorr_reader_version(r, &major, &minor);
	assert_int_equal(major, IORR_FORMAT_MAJOR);
	assert_int_equal(minor, IORR_FORMAT_MINOR);
	for (size_t i = 0; i < N; i++) {
		const struct iorr_event *e = &x[i].ev;
		int k = iorr_reader_next(r, &ev, &err);

		if (k != 1)
			fail_msg("event %zu: %d %s", i, k, err.msg);
		assert_true(ev.seq == e->seq);
		assert_true(ev.start_ns == e->start_ns);
		assert_true(ev.end_ns == e->end_ns);
		assert_true(ev.result == e->result);
		assert_int_equal(ev.err, e->err);
		assert_int_equal(ev.thread, e->thread);
		assert_int_equal(ev.op, e->op);
		assert_int_equal(ev.nfields, e->nfields);
		for (unsigned f = 0; f < IORR_MAX_FIELDS; f++)
			if (ev.f[f] != (f < e->nfields ? e->f[f] : 0))
				fail_msg("event %zu (%s) field %u: %#llx, "
					 "want %#llx", i,
					 iorr_op_table[e->op].name, f,
					 (unsigned long long)ev.f[f],
					 (unsigned long long)e->f[f]);
		assert_int_equal(ev.nvec, e->nvec);
		for (uint32_t k2 = 0; k2 < e->nvec; k2++)
			assert_true(ev.vec[k2] == e->vec[k2]);
	}
	assert_int_equal(iorr_reader_next(r, &ev, &err), 0);
	finish_complete(r, N);

	struct iorr_reader_status st;

	iorr_reader_status(r, &st);
	assert_true(st.chunks > N / 7);
	assert_int_equal(iorr_reader_nthreads(r), nthreads);
	assert_int_equal(iorr_reader_npaths(r), npaths);
	assert_int_equal(iorr_reader_nblobs(r), nblobs);
	for (uint32_t i = 0; i < npaths; i++) {
		snprintf(name, sizeof(name), "/p%u", i);
		assert_string_equal(iorr_reader_path(r, i), name);
	}
	assert_null(iorr_reader_path(r, npaths));
	assert_int_equal(iorr_reader_thread(r, 0)->pid, 10);
	assert_true(iorr_reader_thread(r, 0)->parent == UINT32_MAX);
	iorr_reader_close(r);
	unlink(path);
	free(x);
}

/* Equal content gets the same blob id and is stored once. */
static void blobs_are_deduplicated(void **state)
{
	const char *path = tmp_path();
	struct iorr_writer *w;
	struct iorr_writer_stats st;
	static uint8_t a[5000], b[5000];

	for (size_t i = 0; i < sizeof(a); i++) {
		a[i] = (uint8_t)rnd();
		b[i] = a[i];
	}
	b[4999] ^= 1;
	assert_int_equal(iorr_writer_open(path, NULL, NULL, &w), 0);
	assert_true(iorr_writer_blob(w, a, sizeof(a)) == 0);
	assert_true(iorr_writer_blob(w, b, sizeof(b)) == 1);
	assert_true(iorr_writer_blob(w, a, sizeof(a)) == 0);
	assert_true(iorr_writer_blob(w, a, 100) == 2);	/* a prefix differs */
	assert_true(iorr_writer_blob(w, b, sizeof(b)) == 1);
	assert_true(iorr_writer_blob(w, "", 0) == 3);
	assert_true(iorr_writer_blob(w, "", 0) == 3);

	struct iorr_hash128 h = iorr_hash128(a, sizeof(a));

	/* Hash-only is a different blob from the stored content. */
	assert_true(iorr_writer_blob_hash(w, &h, sizeof(a)) == 4);
	assert_true(iorr_writer_blob_hash(w, &h, sizeof(a)) == 4);
	iorr_writer_get_stats(w, &st);
	assert_true(st.blobs == 5);
	assert_true(st.dedup_hits == 4);
	assert_true(st.blob_bytes == sizeof(a) + sizeof(b) + 100);
	assert_int_equal(iorr_writer_close(w), 0);

	struct iorr_reader *r = open_read(path);

	finish_complete(r, 0);
	assert_int_equal(iorr_reader_nblobs(r), 5);
	const struct iorr_blob *ba = iorr_reader_blob(r, 0);
	const struct iorr_blob *bb = iorr_reader_blob(r, 1);
	const struct iorr_blob *bp = iorr_reader_blob(r, 2);
	const struct iorr_blob *be = iorr_reader_blob(r, 3);
	const struct iorr_blob *bh = iorr_reader_blob(r, 4);

	assert_true(ba->size == sizeof(a));
	assert_memory_equal(ba->data, a, sizeof(a));
	assert_true(ba->hash.lo == h.lo && ba->hash.hi == h.hi);
	assert_int_equal(ba->flags, 0);
	assert_memory_equal(bb->data, b, sizeof(b));
	assert_true(bp->size == 100);
	assert_memory_equal(bp->data, a, 100);
	assert_true(be->size == 0);
	assert_int_equal(bh->flags, IORR_BLOB_HASH_ONLY);
	assert_null(bh->data);
	assert_true(bh->size == sizeof(a));
	assert_true(bh->hash.lo == h.lo && bh->hash.hi == h.hi);
	assert_null(iorr_reader_blob(r, 5));
	iorr_reader_close(r);
	unlink(path);
}

/* Many blobs spread over many blob chunks (small blob_chunk_bytes). */
static void blobs_across_chunks(void **state)
{
	const char *path = tmp_path();
	struct iorr_writer_opts opts = { .blob_chunk_bytes = 3000 };
	struct iorr_writer *w;
	uint8_t buf[1000];

	assert_int_equal(iorr_writer_open(path, NULL, &opts, &w), 0);
	for (unsigned i = 0; i < 200; i++) {
		memset(buf, (int)i, sizeof(buf));
		assert_true(iorr_writer_blob(w, buf, 10 + i * 4) == i);
	}
	assert_int_equal(iorr_writer_close(w), 0);

	struct iorr_reader *r = open_read(path);
	struct iorr_reader_status st;

	finish_complete(r, 0);
	iorr_reader_status(r, &st);
	assert_true(st.chunks > 20);	/* 81600 bytes in 3000 */
	for (unsigned i = 0; i < 200; i++) {
		const struct iorr_blob *b = iorr_reader_blob(r, i);

		memset(buf, (int)i, sizeof(buf));
		assert_non_null(b);
		assert_true(b->size == 10 + i * 4);
		assert_memory_equal(b->data, buf, b->size);
	}
	iorr_reader_close(r);
	unlink(path);
}

static void paths_are_interned(void **state)
{
	const char *path = tmp_path();
	struct iorr_writer *w;
	struct iorr_writer_stats st;
	char longp[3000];

	memset(longp, 'x', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(iorr_writer_open(path, NULL, NULL, &w), 0);
	assert_true(iorr_writer_path(w, "/a") == 0);
	assert_true(iorr_writer_path(w, "/b") == 1);
	assert_true(iorr_writer_path(w, "/a") == 0);
	assert_true(iorr_writer_path(w, "/a/") == 2);
	assert_true(iorr_writer_path(w, longp) == 3);
	assert_true(iorr_writer_path(w, "/b") == 1);
	assert_true(iorr_writer_path(w, "relative/\xc3\xa9") == 4);
	iorr_writer_get_stats(w, &st);
	assert_true(st.paths == 5);
	assert_int_equal(iorr_writer_close(w), 0);

	struct iorr_reader *r = open_read(path);

	finish_complete(r, 0);
	assert_int_equal(iorr_reader_npaths(r), 5);
	assert_string_equal(iorr_reader_path(r, 0), "/a");
	assert_string_equal(iorr_reader_path(r, 1), "/b");
	assert_string_equal(iorr_reader_path(r, 2), "/a/");
	assert_string_equal(iorr_reader_path(r, 3), longp);
	assert_string_equal(iorr_reader_path(r, 4), "relative/\xc3\xa9");
	iorr_reader_close(r);
	unlink(path);
}

static void states_and_notes_round_trip(void **state)
{
	const char *path = tmp_path();
	struct iorr_writer *w;
	static uint8_t c0[4096], c1[100];

	memset(c0, 0xab, sizeof(c0));
	memset(c1, 0xcd, sizeof(c1));
	assert_int_equal(iorr_writer_open(path, NULL, NULL, &w), 0);
	assert_int_equal(iorr_writer_path(w, "/f"), 0);
	assert_int_equal(iorr_writer_path(w, "/l"), 1);
	assert_int_equal(iorr_writer_blob(w, c0, sizeof(c0)), 0);
	assert_int_equal(iorr_writer_blob(w, c1, sizeof(c1)), 1);

	struct iorr_extent ext[2] = {
		{ .off = 0, .len = sizeof(c0), .blob = 0 },
		{ .off = 1ull << 40, .len = sizeof(c1), .blob = 1 },
	};
	struct iorr_file_state in = {
		.path = 0, .flags = IORR_FS_EXISTS, .mode = 0100600,
		.size = (1ull << 40) + 100, .nextents = 2, .extents = ext,
	};
	struct iorr_file_state big = {
		.path = 1, .flags = IORR_FS_EXISTS | IORR_FS_CONTENT_MISSING,
		.mode = 0100644, .size = UINT64_MAX,
	};
	struct iorr_file_state fin = {
		.path = 0, .flags = IORR_FS_EXISTS | IORR_FS_HASHED,
		.mode = 0100600, .size = 12345,
		.hash = { 0x1122334455667788ull, 0x99aabbccddeeff00ull },
	};
	struct iorr_file_state lnk = {
		.path = 1, .flags = IORR_FS_EXISTS, .mode = 0120777,
		.link = "../target with space",
	};
	struct iorr_file_state gone = { .path = 1 };

	assert_int_equal(iorr_writer_state(w, IORR_STATE_INITIAL, &in), 0);
	assert_int_equal(iorr_writer_state(w, IORR_STATE_INITIAL, &big), 0);
	assert_int_equal(iorr_writer_note(w, "loss", "{\"events\":1}"), 0);
	assert_int_equal(iorr_writer_note(w, "gaps", "[1,2]"), 0);
	assert_int_equal(iorr_writer_flush(w), 0);
	assert_int_equal(iorr_writer_state(w, IORR_STATE_FINAL, &fin), 0);
	assert_int_equal(iorr_writer_state(w, IORR_STATE_FINAL, &lnk), 0);
	assert_int_equal(iorr_writer_state(w, IORR_STATE_FINAL, &gone), 0);
	/* A later note with the same key overrides the earlier one. */
	assert_int_equal(iorr_writer_note(w, "loss", "{\"events\":3}"), 0);
	assert_int_equal(iorr_writer_note(w, "empty", ""), 0);
	assert_int_equal(iorr_writer_close(w), 0);

	struct iorr_reader *r = open_read(path);

	finish_complete(r, 0);
	assert_int_equal(iorr_reader_nstates(r, IORR_STATE_INITIAL), 2);
	assert_int_equal(iorr_reader_nstates(r, IORR_STATE_FINAL), 3);

	const struct iorr_file_state *s;

	s = iorr_reader_state(r, IORR_STATE_INITIAL, 0);
	assert_int_equal(s->path, 0);
	assert_int_equal(s->flags, IORR_FS_EXISTS);
	assert_int_equal(s->mode, 0100600);
	assert_true(s->size == (1ull << 40) + 100);
	assert_int_equal(s->nextents, 2);
	assert_true(s->extents[1].off == 1ull << 40);
	assert_true(s->extents[1].len == sizeof(c1));
	assert_int_equal(s->extents[1].blob, 1);
	assert_true(s->extents[0].len == sizeof(c0));
	assert_null(s->link);
	s = iorr_reader_state(r, IORR_STATE_INITIAL, 1);
	assert_true(s->size == UINT64_MAX);
	assert_int_equal(s->flags, IORR_FS_EXISTS | IORR_FS_CONTENT_MISSING);
	s = iorr_reader_state(r, IORR_STATE_FINAL, 0);
	assert_true(s->hash.lo == fin.hash.lo && s->hash.hi == fin.hash.hi);
	assert_true(s->size == 12345);
	assert_int_equal(s->nextents, 0);
	s = iorr_reader_state(r, IORR_STATE_FINAL, 1);
	assert_string_equal(s->link, "../target with space");
	assert_int_equal(s->mode, 0120777);
	s = iorr_reader_state(r, IORR_STATE_FINAL, 2);
	assert_int_equal(s->flags, 0);
	assert_null(iorr_reader_state(r, IORR_STATE_FINAL, 3));

	const char *k, *v;

	assert_int_equal(iorr_reader_nnotes(r), 3);
	iorr_reader_note(r, 0, &k, &v);
	assert_string_equal(k, "loss");
	assert_string_equal(v, "{\"events\":3}");
	iorr_reader_note(r, 1, &k, &v);
	assert_string_equal(k, "gaps");
	assert_string_equal(v, "[1,2]");
	iorr_reader_note(r, 2, &k, &v);
	assert_string_equal(k, "empty");
	assert_string_equal(v, "");
	iorr_reader_note(r, 3, &k, &v);
	assert_null(k);
	iorr_reader_close(r);
	unlink(path);
}

static void set_valid_pread(struct iorr_event *ev, uint64_t seq)
{
	memset(ev, 0, sizeof(*ev));
	ev->op = IORR_OP_pread;
	ev->nfields = iorr_op_table[IORR_OP_pread].nfields;
	ev->seq = seq;
	ev->start_ns = 100 * seq;
	ev->end_ns = 100 * seq + 50;
	ev->result = 4096;
}

/* Inconsistent events and states are refused, and the writer goes on. */
static void writer_rejects_inconsistent_input(void **state)
{
	const char *path = tmp_path();
	struct iorr_writer *w;
	struct iorr_event ev;
	uint64_t vec[2] = { 1, 2 };
	int pwv = IORR_OP_pwritev;
	int iov = iorr_op_field_index(IORR_OP_pwritev, "iov");
	int pathf = iorr_op_field_index(IORR_OP_open, "path");
	int dataf = iorr_op_field_index(IORR_OP_pwrite, "data");
	int thrf = iorr_op_field_index(IORR_OP_thread_join, "target");

	assert_true(iov >= 0 && pathf >= 0 && dataf >= 0 && thrf >= 0);
	assert_int_equal(iorr_writer_open(path, NULL, NULL, &w), 0);
	/* Events need a defined thread. */
	set_valid_pread(&ev, 1);
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);
	assert_int_equal(iorr_writer_thread(w, 1, 1, 5), -EINVAL);
	assert_int_equal(iorr_writer_thread(w, 1, 1, UINT32_MAX), 0);
	assert_int_equal(iorr_writer_event(w, &ev), 0);

	set_valid_pread(&ev, 1);		/* seq not increasing */
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);
	set_valid_pread(&ev, 2);
	ev.op = IORR_OP__COUNT;			/* unknown op */
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);
	set_valid_pread(&ev, 2);
	ev.nfields--;				/* wrong field count */
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);
	set_valid_pread(&ev, 2);
	ev.thread = 1;				/* undefined thread */
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);
	set_valid_pread(&ev, 2);
	ev.end_ns = ev.start_ns - 1;		/* ends before it starts */
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);
	set_valid_pread(&ev, 2);
	ev.nvec = 1;				/* vector without IOV field */
	ev.vec = vec;
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);

	set_valid_pread(&ev, 2);
	ev.op = (uint16_t)pwv;
	ev.nfields = iorr_op_table[pwv].nfields;
	ev.f[iov] = 2;				/* count != nvec */
	ev.nvec = 1;
	ev.vec = vec;
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);
	ev.nvec = 2;
	ev.vec = NULL;				/* no vector */
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);
	ev.f[iov] = ev.nvec = 1025;		/* beyond IORR_MAX_IOV */
	ev.vec = calloc(1025, sizeof(uint64_t));
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);
	free((void *)ev.vec);

	set_valid_pread(&ev, 2);
	ev.op = IORR_OP_open;
	ev.nfields = iorr_op_table[IORR_OP_open].nfields;
	ev.f[pathf] = 0;			/* undefined path */
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);
	set_valid_pread(&ev, 2);
	ev.op = IORR_OP_pwrite;
	ev.nfields = iorr_op_table[IORR_OP_pwrite].nfields;
	ev.f[dataf] = 1;			/* blob 0 undefined */
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);
	set_valid_pread(&ev, 2);
	ev.op = IORR_OP_thread_join;
	ev.nfields = iorr_op_table[IORR_OP_thread_join].nfields;
	ev.f[thrf] = 1;				/* thread 1 undefined */
	assert_int_equal(iorr_writer_event(w, &ev), -EINVAL);

	struct iorr_extent ext = { .off = 0, .len = 1, .blob = 0 };
	struct iorr_file_state st = { .path = 0, .nextents = 1,
				      .extents = &ext };

	assert_int_equal(iorr_writer_state(w, IORR_STATE_FINAL, &st), -EINVAL);
	assert_int_equal(iorr_writer_path(w, "/x"), 0);
	assert_int_equal(iorr_writer_state(w, IORR_STATE_FINAL, &st), -EINVAL);

	/* Rejections are not sticky: valid input still goes through. */
	set_valid_pread(&ev, 5);
	assert_int_equal(iorr_writer_event(w, &ev), 0);
	ev.op = IORR_OP_open;
	ev.nfields = iorr_op_table[IORR_OP_open].nfields;
	ev.seq = 6;
	assert_int_equal(iorr_writer_event(w, &ev), 0);
	assert_int_equal(iorr_writer_close(w), 0);

	struct iorr_reader *r = open_read(path);
	struct iorr_error err;

	assert_int_equal(iorr_reader_next(r, &ev, &err), 1);
	assert_true(ev.seq == 1);
	assert_int_equal(iorr_reader_next(r, &ev, &err), 1);
	assert_true(ev.seq == 5 && ev.op == IORR_OP_pread);
	assert_int_equal(iorr_reader_next(r, &ev, &err), 1);
	assert_true(ev.seq == 6 && ev.op == IORR_OP_open);
	finish_complete(r, 3);
	iorr_reader_close(r);
	unlink(path);
}

/*
 * Whatever the writer accepts, the reader must read back: a writer that
 * writes an unreadable trace loses the whole recording.  @what adds one
 * questionable item to an otherwise valid trace; if the writer accepts it,
 * the trace must read to its end.
 */
enum odd_input { ODD_ERRNO, ODD_EMPTY_PATH, ODD_EMPTY_NOTE_KEY, ODD_EXTENT };

static void accepted_means_readable(enum odd_input what)
{
	const char *path = tmp_path();
	struct iorr_writer *w;
	struct iorr_event ev;
	static uint8_t c[10];
	int accepted = 0;

	assert_int_equal(iorr_writer_open(path, NULL, NULL, &w), 0);
	assert_int_equal(iorr_writer_thread(w, 1, 1, UINT32_MAX), 0);
	assert_int_equal(iorr_writer_path(w, "/f"), 0);
	assert_int_equal(iorr_writer_blob(w, c, sizeof(c)), 0);
	set_valid_pread(&ev, 1);
	assert_int_equal(iorr_writer_event(w, &ev), 0);
	switch (what) {
	case ODD_ERRNO:
		set_valid_pread(&ev, 2);
		ev.result = -1;
		ev.err = 5000;		/* beyond the errno range */
		accepted = iorr_writer_event(w, &ev) == 0;
		break;
	case ODD_EMPTY_PATH:
		accepted = iorr_writer_path(w, "") >= 0;
		break;
	case ODD_EMPTY_NOTE_KEY:
		accepted = iorr_writer_note(w, "", "1") == 0;
		break;
	case ODD_EXTENT: {
		/* Extent longer than its blob and beyond the file's size. */
		struct iorr_extent ext = { .off = 0, .len = 20, .blob = 0 };
		struct iorr_file_state st = { .path = 0, .size = 5,
					      .nextents = 1, .extents = &ext };

		accepted = iorr_writer_state(w, IORR_STATE_INITIAL, &st) == 0;
		break;
	}
	}
	assert_int_equal(iorr_writer_close(w), 0);

	struct iorr_reader *r = open_read(path);
	struct iorr_error err;
	int k = iorr_reader_finish(r, &err);

	if (k < 0 && accepted)
		fail_msg("the writer accepted it, the reader fails: %s",
			 err.msg);
	if (!accepted)
		assert_int_equal(k, 0);
	iorr_reader_close(r);
	unlink(path);
}

static void errno_beyond_4095_round_trips_or_is_refused(void **state)
{
	accepted_means_readable(ODD_ERRNO);
}

static void empty_path_round_trips_or_is_refused(void **state)
{
	accepted_means_readable(ODD_EMPTY_PATH);
}

static void empty_note_key_round_trips_or_is_refused(void **state)
{
	accepted_means_readable(ODD_EMPTY_NOTE_KEY);
}

static void bad_extent_round_trips_or_is_refused(void **state)
{
	accepted_means_readable(ODD_EXTENT);
}

/*
 * Long vectors: the reader bounds a chunk's vector values
 * (IORR_MAX_CHUNK_VECTOR, 4 Mi); the writer must cut chunks to fit.
 */
static void long_vectors_stay_readable(void **state)
{
	const char *path = tmp_path();
	struct iorr_writer *w;
	struct iorr_event ev;
	int iov = iorr_op_field_index(IORR_OP_preadv, "iov");
	enum { NV = 1024, NEV = 4200 };	/* 4.3 M values */
	uint64_t *vec = malloc(NV * sizeof(*vec));

	for (unsigned i = 0; i < NV; i++)
		vec[i] = 512 + i;
	assert_int_equal(iorr_writer_open(path, NULL, NULL, &w), 0);
	assert_int_equal(iorr_writer_thread(w, 1, 1, UINT32_MAX), 0);
	for (unsigned i = 0; i < NEV; i++) {
		set_valid_pread(&ev, i + 1);
		ev.op = IORR_OP_preadv;
		ev.nfields = iorr_op_table[IORR_OP_preadv].nfields;
		ev.f[iov] = ev.nvec = NV;
		ev.vec = vec;
		assert_int_equal(iorr_writer_event(w, &ev), 0);
	}
	assert_int_equal(iorr_writer_close(w), 0);

	struct iorr_reader *r = open_read(path);
	struct iorr_error err;
	int k;
	unsigned n = 0;

	while ((k = iorr_reader_next(r, &ev, &err)) > 0) {
		assert_int_equal(ev.nvec, NV);
		assert_true(ev.vec[NV - 1] == 512 + NV - 1);
		n++;
	}
	if (k < 0)
		fail_msg("after %u events: %s", n, err.msg);
	assert_int_equal(n, NEV);
	iorr_reader_close(r);
	unlink(path);
	free(vec);
}

/* open_mem reads what open reads. */
static void memory_and_file_readers_agree(void **state)
{
	const char *path = tmp_path();
	struct iorr_writer_opts opts = { .events_per_chunk = 3 };
	struct iorr_writer *w;
	struct iorr_event ev, ev2;
	struct iorr_error err;

	assert_int_equal(iorr_writer_open(path, "{}", &opts, &w), 0);
	assert_int_equal(iorr_writer_thread(w, 1, 1, UINT32_MAX), 0);
	for (unsigned i = 0; i < 20; i++) {
		set_valid_pread(&ev, 10 + i);
		ev.f[0] = i;
		assert_int_equal(iorr_writer_event(w, &ev), 0);
	}
	assert_int_equal(iorr_writer_close(w), 0);

	FILE *f = fopen(path, "rb");
	static uint8_t buf[65536];
	size_t len = fread(buf, 1, sizeof(buf), f);

	fclose(f);
	assert_true(len > 0 && len < sizeof(buf));

	struct iorr_reader *rf = open_read(path), *rm;

	assert_int_equal(iorr_reader_open_mem(buf, len, NULL, &rm, &err), 0);
	for (unsigned i = 0; i < 20; i++) {
		assert_int_equal(iorr_reader_next(rf, &ev, &err), 1);
		assert_int_equal(iorr_reader_next(rm, &ev2, &err), 1);
		assert_true(ev.seq == ev2.seq && ev.seq == 10 + i);
		assert_true(ev.f[0] == ev2.f[0] && ev.f[0] == i);
	}
	finish_complete(rf, 20);
	finish_complete(rm, 20);
	iorr_reader_close(rf);
	iorr_reader_close(rm);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_op_round_trips_across_chunks),
		cmocka_unit_test(blobs_are_deduplicated),
		cmocka_unit_test(blobs_across_chunks),
		cmocka_unit_test(paths_are_interned),
		cmocka_unit_test(states_and_notes_round_trip),
		cmocka_unit_test(writer_rejects_inconsistent_input),
		cmocka_unit_test(errno_beyond_4095_round_trips_or_is_refused),
		cmocka_unit_test(empty_path_round_trips_or_is_refused),
		cmocka_unit_test(empty_note_key_round_trips_or_is_refused),
		cmocka_unit_test(bad_extent_round_trips_or_is_refused),
		cmocka_unit_test(long_vectors_stay_readable),
		cmocka_unit_test(memory_and_file_readers_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
