/* SPDX-License-Identifier: MIT */
/*
 * The reader validates: a trace cut anywhere reads as truncated or fails
 * with an error (and a cut at a chunk boundary keeps every event before
 * it); checksums, chunk order, version, limits and trailing garbage are
 * checked, with the offset of the damage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "iorr/trace.h"
#include "trace/format.h"
#include "util/bytes.h"

/* A small trace in memory and where its chunks are. */
struct trace {
	uint8_t *p;
	size_t len;
	size_t off[64];		/* chunk header offsets */
	uint8_t type[64];
	size_t nchunks;
	/* events contained in chunks [0, i) */
	unsigned events_before[65];
};

static struct trace T;

#define NEVENTS 10

static void build(void)
{
	char path[] = "/tmp/iorr-unit.XXXXXX";
	int fd = mkstemp(path);
	struct iorr_writer_opts opts = { .events_per_chunk = 4 };
	struct iorr_writer *w;
	struct iorr_event ev = { 0 };
	static const uint8_t content[300] = { 1, 2, 3 };

	assert_true(fd >= 0);
	assert_int_equal(iorr_writer_open_fd(fd, "{\"small\":true}", &opts,
					     &w), 0);
	assert_int_equal(iorr_writer_thread(w, 5, 5, UINT32_MAX), 0);
	assert_int_equal(iorr_writer_path(w, "/data/f"), 0);
	assert_int_equal(iorr_writer_blob(w, content, sizeof(content)), 0);
	assert_int_equal(iorr_writer_note(w, "k", "\"v\""), 0);
	for (unsigned i = 0; i < NEVENTS; i++) {
		ev.op = IORR_OP_pwrite;
		ev.nfields = iorr_op_table[IORR_OP_pwrite].nfields;
		ev.seq = i + 1;
		ev.start_ns = 1000 * (i + 1);
		ev.end_ns = ev.start_ns + 10;
		ev.result = 300;
		ev.f[iorr_op_field_index(IORR_OP_pwrite, "data")] = 1;
		assert_int_equal(iorr_writer_event(w, &ev), 0);
	}
	struct iorr_file_state st = { .path = 0, .flags = IORR_FS_EXISTS,
				      .size = 300 };

	assert_int_equal(iorr_writer_state(w, IORR_STATE_FINAL, &st), 0);
	assert_int_equal(iorr_writer_close(w), 0);

	FILE *f = fopen(path, "rb");

	T.p = malloc(1 << 16);
	T.len = fread(T.p, 1, 1 << 16, f);
	fclose(f);
	unlink(path);
	assert_true(T.len > 0 && T.len < (1 << 16));

	size_t pos = IORR_FILE_HEADER_SIZE + get_le32(T.p + 16);
	unsigned ev_count = 0;

	T.nchunks = 0;
	while (pos < T.len) {
		assert_true(T.nchunks < 64);
		T.events_before[T.nchunks] = ev_count;
		T.off[T.nchunks] = pos;
		T.type[T.nchunks] = T.p[pos + 4];
		if (T.p[pos + 4] == IORR_CHUNK_EVENTS)
			ev_count += get_le32(T.p + pos + 20);
		T.nchunks++;
		pos += IORR_CHUNK_HEADER_SIZE + get_le32(T.p + pos + 12);
	}
	T.events_before[T.nchunks] = ev_count;
	assert_int_equal(pos, T.len);
	assert_int_equal(ev_count, NEVENTS);
}

static int setup(void **state)
{
	build();
	return 0;
}

static int teardown(void **state)
{
	free(T.p);
	return 0;
}

/* A private exact-size copy, so ASan sees any read past the end. */
static uint8_t *copy(size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	memcpy(p, T.p, len < T.len ? len : T.len);
	return p;
}

/*
 * Read everything.  @return the reader's last result (0 or -errno); the
 * status and error are stored.
 */
static int read_all(const uint8_t *p, size_t len,
		    const struct iorr_reader_limits *lim,
		    struct iorr_reader_status *st, struct iorr_error *err,
		    int *opened)
{
	struct iorr_reader *r;
	int k;

	memset(st, 0, sizeof(*st));
	memset(err, 0, sizeof(*err));
	k = iorr_reader_open_mem(p, len, lim, &r, err);
	*opened = k == 0;
	if (k < 0)
		return k;
	k = iorr_reader_finish(r, err);
	iorr_reader_status(r, st);
	iorr_reader_close(r);
	return k;
}

static void trace_layout_is_as_expected(void **state)
{
	struct iorr_reader_status st;
	struct iorr_error err;
	int opened;

	/* threads, paths, blobs, notes? events x3, final, notes, trailer */
	assert_true(T.nchunks >= 7);
	assert_int_equal(T.type[T.nchunks - 1], IORR_CHUNK_TRAILER);
	assert_int_equal(read_all(T.p, T.len, NULL, &st, &err, &opened), 0);
	assert_true(st.complete);
	assert_false(st.truncated);
	assert_int_equal(st.events, NEVENTS);
	assert_int_equal(st.chunks, T.nchunks);
}

static void cut_at_every_byte(void **state)
{
	unsigned at_boundary = 0;

	for (size_t cut = 0; cut < T.len; cut++) {
		uint8_t *p = copy(cut);
		struct iorr_reader_status st;
		struct iorr_error err;
		int opened;
		int k = read_all(p, cut, NULL, &st, &err, &opened);

		free(p);
		if (!opened) {
			/* Only the header and metadata fail to open. */
			assert_int_equal(k, -EBADMSG);
			assert_true(cut < T.off[0]);
			assert_true(err.msg[0] != '\0');
			continue;
		}
		assert_true(cut >= T.off[0]);
		assert_false(st.complete);
		if (k < 0) {
			/* A trace cut short must not be called corrupt. */
			fail_msg("cut at %zu: error %d: %s (offset %llu)", cut,
				 k, err.msg, (unsigned long long)err.offset);
		}
		assert_true(st.truncated);
		assert_true(st.truncated_at <= cut);
		assert_true(st.events <= NEVENTS);

		size_t c;

		for (c = 0; c < T.nchunks && T.off[c] < cut; c++)
			;
		if (c < T.nchunks && T.off[c] == cut) {
			/* At a boundary: everything before it is there. */
			assert_int_equal(st.truncated_at, cut);
			assert_int_equal(st.events, T.events_before[c]);
			at_boundary++;
		} else {
			/* Inside chunk c - 1: it is lost, the rest kept. */
			assert_int_equal(st.truncated_at, T.off[c - 1]);
			assert_int_equal(st.events, T.events_before[c - 1]);
		}
	}
	assert_int_equal(at_boundary, T.nchunks);
}

/* A flipped checksum or payload bit is -EBADMSG at that chunk. */
static void checksum_mismatch_names_the_chunk(void **state)
{
	for (size_t c = 0; c < T.nchunks; c++) {
		size_t where[2] = { T.off[c] + 24,
				    T.off[c] + IORR_CHUNK_HEADER_SIZE };

		for (int w = 0; w < 2; w++) {
			uint8_t *p = copy(T.len);
			struct iorr_reader_status st;
			struct iorr_error err;
			int opened;

			p[where[w]] ^= 0x10;
			int k = read_all(p, T.len, NULL, &st, &err, &opened);

			free(p);
			assert_true(opened);
			assert_int_equal(k, -EBADMSG);
			assert_int_equal(err.code, -EBADMSG);
			assert_int_equal(err.offset, T.off[c]);
			assert_non_null(strstr(err.msg, "checksum"));
			assert_int_equal(st.events, T.events_before[c]);
		}
	}
	/* The file header's checksum covers the metadata. */
	uint8_t *p = copy(T.len);
	struct iorr_reader *r;
	struct iorr_error err;

	p[IORR_FILE_HEADER_SIZE + 2] ^= 1;
	assert_int_equal(iorr_reader_open_mem(p, T.len, NULL, &r, &err),
			 -EBADMSG);
	assert_null(r);
	assert_int_equal(err.offset, 24);
	free(p);
}

/* Two chunks swapped, each intact: the sequence check catches it. */
static void reordered_chunks_are_detected(void **state)
{
	size_t c;

	for (c = 0; c + 1 < T.nchunks; c++)
		if (T.type[c] == IORR_CHUNK_EVENTS &&
		    T.type[c + 1] == IORR_CHUNK_EVENTS)
			break;
	assert_true(c + 1 < T.nchunks);

	size_t a = T.off[c], b = T.off[c + 1], end = T.off[c + 2];
	uint8_t *p = copy(T.len);

	memcpy(p + a, T.p + b, end - b);
	memcpy(p + a + (end - b), T.p + a, b - a);

	struct iorr_reader_status st;
	struct iorr_error err;
	int opened;
	int k = read_all(p, T.len, NULL, &st, &err, &opened);

	free(p);
	assert_int_equal(k, -EBADMSG);
	assert_int_equal(err.offset, a);
	assert_non_null(strstr(err.msg, "sequence"));
	assert_int_equal(st.events, T.events_before[c]);
}

/* A chunk missing from the middle is detected too. */
static void dropped_chunk_is_detected(void **state)
{
	for (size_t c = 0; c + 1 < T.nchunks; c++) {
		size_t a = T.off[c], b = T.off[c + 1];
		uint8_t *p = malloc(T.len - (b - a));

		memcpy(p, T.p, a);
		memcpy(p + a, T.p + b, T.len - b);

		struct iorr_reader_status st;
		struct iorr_error err;
		int opened;
		int k = read_all(p, T.len - (b - a), NULL, &st, &err, &opened);

		free(p);
		assert_int_equal(k, -EBADMSG);
		assert_int_equal(err.offset, a);
	}
}

static void unsupported_major_version(void **state)
{
	uint8_t *p = copy(T.len);
	struct iorr_reader *r;
	struct iorr_error err;

	put_le16(p + 8, IORR_FORMAT_MAJOR + 1);
	assert_int_equal(iorr_reader_open_mem(p, T.len, NULL, &r, &err),
			 -EPROTO);
	assert_null(r);
	assert_int_equal(err.code, -EPROTO);
	assert_int_equal(err.offset, 8);
	assert_non_null(strstr(err.msg, "not supported"));
	put_le16(p + 8, 0);
	assert_int_equal(iorr_reader_open_mem(p, T.len, NULL, &r, &err),
			 -EPROTO);
	free(p);
}

/* A newer minor version of the same major is read. */
static void newer_minor_version_is_read(void **state)
{
	uint8_t *p = copy(T.len);
	size_t mlen = get_le32(p + 16);
	struct iorr_reader_status st;
	struct iorr_error err;
	XXH3_state_t hs;
	int opened;

	put_le16(p + 10, IORR_FORMAT_MINOR + 3);
	XXH3_64bits_reset(&hs);
	XXH3_64bits_update(&hs, p, 24);
	XXH3_64bits_update(&hs, p + IORR_FILE_HEADER_SIZE, mlen);
	put_le64(p + 24, XXH3_64bits_digest(&hs));
	assert_int_equal(read_all(p, T.len, NULL, &st, &err, &opened), 0);
	assert_true(st.complete);
	assert_int_equal(st.events, NEVENTS);
	free(p);
}

static void bad_magic_and_short_files(void **state)
{
	uint8_t *p = copy(T.len);
	struct iorr_reader *r;
	struct iorr_error err;

	p[1] = 'X';
	assert_int_equal(iorr_reader_open_mem(p, T.len, NULL, &r, &err),
			 -EBADMSG);
	assert_int_equal(err.offset, 0);
	assert_int_equal(iorr_reader_open_mem(NULL, 0, NULL, &r, &err),
			 -EBADMSG);
	assert_int_equal(iorr_reader_open_mem(T.p, 12, NULL, &r, &err),
			 -EBADMSG);
	free(p);
}

static void garbage_after_trailer(void **state)
{
	uint8_t *p = malloc(T.len + 5);
	struct iorr_reader_status st;
	struct iorr_error err;
	int opened;

	memcpy(p, T.p, T.len);
	memset(p + T.len, 0, 5);
	assert_int_equal(read_all(p, T.len + 5, NULL, &st, &err, &opened),
			 -EBADMSG);
	assert_int_equal(err.offset, T.len);
	assert_false(st.complete);
	free(p);
}

/* A chunk bigger than the caller's limit is -EFBIG, not an allocation. */
static void limits_are_enforced(void **state)
{
	struct iorr_reader_limits lim;
	struct iorr_reader_status st;
	struct iorr_error err;
	int opened;

	iorr_reader_default_limits(&lim);
	assert_true(lim.max_chunk_bytes >= (64u << 20));
	lim.max_chunk_bytes = 8;
	assert_int_equal(read_all(T.p, T.len, &lim, &st, &err, &opened),
			 -EFBIG);

	size_t c;

	for (c = 0; c < T.nchunks; c++)
		if (get_le32(T.p + T.off[c] + 12) > 8 ||
		    get_le32(T.p + T.off[c] + 16) > 8)
			break;
	assert_int_equal(err.offset, T.off[c]);

	iorr_reader_default_limits(&lim);
	lim.max_total_blob_bytes = 100;	/* the blob has 300 bytes */
	assert_int_equal(read_all(T.p, T.len, &lim, &st, &err, &opened),
			 -EFBIG);

	iorr_reader_default_limits(&lim);
	lim.max_paths = 0;
	assert_true(read_all(T.p, T.len, &lim, &st, &err, &opened) < 0);
	iorr_reader_default_limits(&lim);
	lim.max_blobs = 0;
	assert_true(read_all(T.p, T.len, &lim, &st, &err, &opened) < 0);
	iorr_reader_default_limits(&lim);
	lim.max_threads = 0;
	assert_true(read_all(T.p, T.len, &lim, &st, &err, &opened) < 0);
}

/* Every single bit flip is caught (checksums cover every byte). */
static void every_bit_flip_is_an_error(void **state)
{
	uint8_t *p = copy(T.len);

	for (size_t i = 0; i < T.len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			struct iorr_reader_status st;
			struct iorr_error err;
			int opened;

			p[i] ^= (uint8_t)(1u << bit);
			int k = read_all(p, T.len, NULL, &st, &err, &opened);

			p[i] ^= (uint8_t)(1u << bit);
			/*
			 * A flipped length can make a chunk run past the
			 * end: that reads as a truncation, never as whole.
			 */
			if (k == 0 && (st.complete || !st.truncated))
				fail_msg("flip of bit %u at %zu accepted "
					 "(complete %d truncated %d)", bit, i,
					 st.complete, st.truncated);
			if (k == 0)
				continue;
			assert_true(err.msg[0] != '\0');
			assert_true(err.offset <= T.len);
		}
	}
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trace_layout_is_as_expected),
		cmocka_unit_test(cut_at_every_byte),
		cmocka_unit_test(checksum_mismatch_names_the_chunk),
		cmocka_unit_test(reordered_chunks_are_detected),
		cmocka_unit_test(dropped_chunk_is_detected),
		cmocka_unit_test(unsupported_major_version),
		cmocka_unit_test(newer_minor_version_is_read),
		cmocka_unit_test(bad_magic_and_short_files),
		cmocka_unit_test(garbage_after_trailer),
		cmocka_unit_test(limits_are_enforced),
		cmocka_unit_test(every_bit_flip_is_an_error),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
