/* SPDX-License-Identifier: MIT */
/* Varints, zigzag, little-endian helpers, byte buffers and the cursor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/bytes.h"

static uint64_t rng_state = 12345;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void varint_lengths_and_round_trip(void **state)
{
	static const struct {
		uint64_t v;
		size_t len;
	} cases[] = {
		{ 0, 1 }, { 1, 1 }, { 127, 1 }, { 128, 2 }, { 16383, 2 },
		{ 16384, 3 }, { 1ull << 32, 5 }, { (1ull << 56) - 1, 8 },
		{ 1ull << 56, 9 }, { (1ull << 63) - 1, 9 }, { 1ull << 63, 10 },
		{ UINT64_MAX, 10 },
	};
	struct bbuf b = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cursor c;
		uint64_t out = 1;

		b.len = 0;
		bbuf_put_varint(&b, cases[i].v);
		assert_int_equal(b.len, cases[i].len);
		assert_int_equal(varint_len(cases[i].v), cases[i].len);
		cursor_init(&c, b.p, b.len);
		assert_int_equal(cursor_varint(&c, &out), 0);
		assert_true(out == cases[i].v);
		assert_int_equal(cursor_left(&c), 0);
		assert_false(c.bad);
	}
	/* A stream of random varints decodes back in order. */
	uint64_t vals[1000];

	b.len = 0;
	for (int i = 0; i < 1000; i++) {
		vals[i] = rnd() >> (rnd() % 64);
		bbuf_put_varint(&b, vals[i]);
	}
	struct cursor c;

	cursor_init(&c, b.p, b.len);
	for (int i = 0; i < 1000; i++) {
		uint64_t out;

		assert_int_equal(cursor_varint(&c, &out), 0);
		assert_true(out == vals[i]);
	}
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(b.err, 0);
	bbuf_free(&b);
}

static void varint_rejects_truncated_and_overlong(void **state)
{
	static const uint8_t trunc[] = { 0x80 };
	static const uint8_t trunc9[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff };
	/* Tenth byte may only hold bit 63. */
	static const uint8_t over[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0xff, 0x02 };
	static const uint8_t eleven[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					  0x80, 0x80, 0x80, 0x80, 0x00 };
	static const uint8_t max[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0xff, 0x01 };
	struct cursor c;
	uint64_t out;

	cursor_init(&c, trunc, 0);
	assert_int_equal(cursor_varint(&c, &out), -1);
	assert_true(c.bad);
	cursor_init(&c, trunc, sizeof(trunc));
	assert_int_equal(cursor_varint(&c, &out), -1);
	assert_true(out == 0);
	assert_true(c.bad);
	cursor_init(&c, trunc9, sizeof(trunc9));
	assert_int_equal(cursor_varint(&c, &out), -1);
	cursor_init(&c, over, sizeof(over));
	assert_int_equal(cursor_varint(&c, &out), -1);
	cursor_init(&c, eleven, sizeof(eleven));
	assert_int_equal(cursor_varint(&c, &out), -1);
	cursor_init(&c, max, sizeof(max));
	assert_int_equal(cursor_varint(&c, &out), 0);
	assert_true(out == UINT64_MAX);
}

static void zigzag_maps_small_magnitudes_to_small_codes(void **state)
{
	assert_true(zigzag(0) == 0);
	assert_true(zigzag(-1) == 1);
	assert_true(zigzag(1) == 2);
	assert_true(zigzag(-2) == 3);
	assert_true(zigzag(INT64_MAX) == UINT64_MAX - 1);
	assert_true(zigzag(INT64_MIN) == UINT64_MAX);
	assert_true(unzigzag(UINT64_MAX) == INT64_MIN);
	assert_true(unzigzag(UINT64_MAX - 1) == INT64_MAX);
	for (int i = 0; i < 10000; i++) {
		int64_t v = (int64_t)rnd() >> (rnd() % 64);

		assert_true(unzigzag(zigzag(v)) == v);
		assert_true(zigzag(unzigzag((uint64_t)v)) == (uint64_t)v);
	}
}

static void little_endian_helpers(void **state)
{
	uint8_t b[8];

	put_le16(b, 0x1234);
	assert_int_equal(b[0], 0x34);
	assert_int_equal(b[1], 0x12);
	assert_int_equal(get_le16(b), 0x1234);
	put_le32(b, 0xdeadbeef);
	assert_int_equal(b[0], 0xef);
	assert_int_equal(b[3], 0xde);
	assert_true(get_le32(b) == 0xdeadbeef);
	put_le64(b, 0x0102030405060708ull);
	assert_int_equal(b[0], 0x08);
	assert_int_equal(b[7], 0x01);
	assert_true(get_le64(b) == 0x0102030405060708ull);
	put_le64(b, UINT64_MAX);
	assert_true(get_le64(b) == UINT64_MAX);
}

static void bbuf_grows_and_keeps_content(void **state)
{
	struct bbuf b = { 0 };

	for (unsigned i = 0; i < 100000; i++)
		bbuf_put_u8(&b, (uint8_t)(i * 7));
	bbuf_put_le64(&b, 0x1122334455667788ull);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, 100008);
	assert_true(b.cap >= b.len);
	for (unsigned i = 0; i < 100000; i++)
		assert_int_equal(b.p[i], (uint8_t)(i * 7));
	assert_true(get_le64(b.p + 100000) == 0x1122334455667788ull);
	bbuf_put(&b, NULL, 0);
	assert_int_equal(b.len, 100008);
	bbuf_free(&b);
	assert_null(b.p);
}

static void cursor_never_reads_past_the_end(void **state)
{
	static const uint8_t data[] = { 1, 2, 3, 4, 5, 6, 7 };
	struct cursor c;
	const uint8_t *p;
	uint64_t v;
	uint8_t u;

	cursor_init(&c, data, sizeof(data));
	assert_int_equal(cursor_le64(&c, &v), -1);
	assert_true(v == 0);
	assert_true(c.bad);
	/* A failed get does not consume. */
	assert_int_equal(cursor_left(&c), 7);
	assert_int_equal(cursor_bytes(&c, &p, 8), -1);
	assert_null(p);
	assert_int_equal(cursor_bytes(&c, &p, 3), 0);
	assert_ptr_equal(p, data);
	assert_int_equal(cursor_u8(&c, &u), 0);
	assert_int_equal(u, 4);
	assert_int_equal(cursor_bytes(&c, &p, 3), 0);
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_u8(&c, &u), -1);
	assert_int_equal(u, 0);
	assert_int_equal(cursor_bytes(&c, &p, 0), 0);
	assert_int_equal(cursor_bytes(&c, &p, SIZE_MAX), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(varint_lengths_and_round_trip),
		cmocka_unit_test(varint_rejects_truncated_and_overlong),
		cmocka_unit_test(zigzag_maps_small_magnitudes_to_small_codes),
		cmocka_unit_test(little_endian_helpers),
		cmocka_unit_test(bbuf_grows_and_keeps_content),
		cmocka_unit_test(cursor_never_reads_past_the_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
