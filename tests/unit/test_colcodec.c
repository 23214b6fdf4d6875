/* SPDX-License-Identifier: MIT */
/* Column codec: round trips, sizes, and rejection of malformed columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trace/colcodec.h"
#include "trace/format.h"

static uint64_t rng_state = 777;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t mask(unsigned w)
{
	return w >= 64 ? UINT64_MAX : (1ull << w) - 1;
}

/*
 * Encode @v[0..n), decode it back and compare; every strict prefix of the
 * encoding must be rejected.  @return the encoded size.
 */
static size_t round_trip(const uint64_t *v, size_t n, int check_prefixes)
{
	struct bbuf b = { 0 };
	struct col c;

	col_encode(&b, v, n);
	assert_int_equal(b.err, 0);
	assert_true(b.len > 0);
	assert_int_equal(col_decode(&c, b.p, b.len, n), 0);
	assert_int_equal(c.n, n);
	for (size_t i = 0; i < n; i++)
		if (col_get(&c, i) != v[i])
			fail_msg("value %zu of %zu: got %#llx, want %#llx", i,
				 n, (unsigned long long)col_get(&c, i),
				 (unsigned long long)v[i]);
	col_free(&c);
	if (check_prefixes) {
		for (size_t cut = 0; cut < b.len; cut++) {
			uint8_t *p = malloc(cut ? cut : 1);

			memcpy(p, b.p, cut);
			if (col_decode(&c, p, cut, n) != -EBADMSG)
				fail_msg("prefix %zu of %zu accepted", cut,
					 b.len);
			free(p);
		}
	}
	size_t len = b.len;

	bbuf_free(&b);
	return len;
}

static void constant_column_is_tiny(void **state)
{
	uint64_t v[1000];
	struct bbuf b = { 0 };
	struct col c;

	for (int i = 0; i < 1000; i++)
		v[i] = 4096;
	col_encode(&b, v, 1000);
	assert_int_equal(b.len, 3);	/* encoding byte + 2-byte varint */
	assert_int_equal(b.p[0], IORR_COLENC_CONST);
	assert_int_equal(col_decode(&c, b.p, b.len, 1000), 0);
	assert_null(c.vals);
	assert_true(c.cval == 4096);
	assert_true(col_get(&c, 999) == 4096);
	col_free(&c);
	bbuf_free(&b);
	for (int i = 0; i < 1000; i++)
		v[i] = UINT64_MAX;
	assert_int_equal(round_trip(v, 1000, 1), 11);
}

static void single_value_columns(void **state)
{
	static const uint64_t vals[] = { 0, 1, 127, 128, 1ull << 63,
					 UINT64_MAX };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		round_trip(&vals[i], 1, 1);
}

/* Values of every bit width pack into about width bits each. */
static void random_widths_0_to_64(void **state)
{
	enum { N = 1000 };
	uint64_t *v = malloc(N * sizeof(*v));

	for (unsigned w = 0; w <= 64; w++) {
		for (size_t i = 0; i < N; i++)
			v[i] = rnd() & mask(w);
		size_t len = round_trip(v, N, w % 16 == 0);

		/* At most the packed bits plus a header. */
		assert_true(len <= (N * w + 7) / 8 + 24);
		/* Not much less either: random bits do not compress. */
		if (w > 4)
			assert_true(len >= (N * (w - 1)) / 8);
	}
	free(v);
}

static void exceptions_keep_outliers_cheap(void **state)
{
	enum { N = 10000 };
	uint64_t *v = malloc(N * sizeof(*v));

	for (size_t i = 0; i < N; i++)
		v[i] = rnd() % 16;
	for (int k = 0; k < 10; k++)
		v[rnd() % N] = rnd() | (1ull << 63);
	v[0] = UINT64_MAX;
	v[N - 1] = 1ull << 40;
	size_t len = round_trip(v, N, 0);

	/* 4 bits a value plus 12 outliers at <= 14 bytes each. */
	assert_true(len <= N / 2 + 12 * 14 + 24);
	free(v);
}

static void delta_transform_for_monotonic_columns(void **state)
{
	enum { N = 5000 };
	uint64_t *v = malloc(N * sizeof(*v));
	uint64_t t = 1000000000000ull;

	for (size_t i = 0; i < N; i++)
		v[i] = t += 1000 + rnd() % 16;
	size_t len = round_trip(v, N, 0);

	assert_true(len <= N / 2 + 24);
	/* Decreasing across the wrap of uint64_t. */
	t = 5000;
	for (size_t i = 0; i < N; i++)
		v[i] = t -= 3;
	len = round_trip(v, N, 1);
	assert_true(len <= N / 2 + 24);
	/* Big jumps both ways. */
	for (size_t i = 0; i < N; i++)
		v[i] = i % 2 ? UINT64_MAX - i : i;
	round_trip(v, N, 0);
	free(v);
}

static void shift_removes_common_trailing_zeros(void **state)
{
	enum { N = 4096 };
	uint64_t *v = malloc(N * sizeof(*v));

	for (size_t i = 0; i < N; i++)
		v[i] = (rnd() % 16384) * 4096;	/* 4 KiB blocks of 64 MiB */
	size_t len = round_trip(v, N, 0);

	assert_true(len <= (N * 14 + 7) / 8 + 24);
	for (size_t i = 0; i < N; i++)
		v[i] = (rnd() & 1) << 63;	/* only bit 63 varies */
	v[0] = 0;
	len = round_trip(v, N, 1);
	assert_true(len <= N / 8 + 24);
	free(v);
}

static void huge_values(void **state)
{
	uint64_t v[64];

	for (int i = 0; i < 64; i++)
		v[i] = i % 2 ? UINT64_MAX : 0;
	round_trip(v, 64, 1);
	for (int i = 0; i < 64; i++)
		v[i] = UINT64_MAX - (uint64_t)(rnd() % 3);
	round_trip(v, 64, 1);
	for (int i = 0; i < 64; i++)
		v[i] = 1ull << (i % 64);
	round_trip(v, 64, 1);
	for (int i = 0; i < 64; i++)
		v[i] = rnd();
	round_trip(v, 64, 1);
}

/* A chunk's largest column: 2^18 values of mixed widths. */
static void max_chunk_column(void **state)
{
	size_t n = IORR_MAX_CHUNK_EVENTS;
	uint64_t *v = malloc(n * sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = rnd() >> (rnd() % 64);
	round_trip(v, n, 0);
	/*
	 * NOTE: a linear column costs a bit a value, not nothing: the first
	 * delta (from 0) is the column's minimum and base, so every other
	 * delta needs one bit above it.
	 */
	for (size_t i = 0; i < n; i++)
		v[i] = i * 4096;
	assert_true(round_trip(v, n, 0) <= n / 8 + 64);
	free(v);
}

/* Hand-made column: header, packed bytes, then exception bytes. */
static int decode_bytes(const uint8_t *p, size_t len, size_t n)
{
	struct col c;
	int r = col_decode(&c, p, len, n);

	if (r == 0)
		col_free(&c);
	return r;
}

static void malformed_columns_are_rejected(void **state)
{
	/* enc xf shift width base nexc | bits... | gap high ... */
	static const uint8_t ok[] = { 1, 0, 0, 8, 0, 0, 1, 2, 3, 4 };
	static const uint8_t ok_exc[] = { 1, 0, 0, 8, 0, 1, 1, 2, 3, 4, 2, 1 };

	assert_int_equal(decode_bytes(ok, sizeof(ok), 4), 0);
	assert_int_equal(decode_bytes(ok_exc, sizeof(ok_exc), 4), 0);
	{
		struct col c;

		assert_int_equal(col_decode(&c, ok_exc, sizeof(ok_exc), 4), 0);
		assert_true(col_get(&c, 2) == 3 + 256);
		assert_true(col_get(&c, 3) == 4);
		col_free(&c);
	}

	assert_int_equal(decode_bytes(ok, 0, 4), -EBADMSG);
	/* Unknown encoding, transform, shift, width. */
	static const uint8_t enc2[] = { 2, 0 };
	static const uint8_t xf2[] = { 1, 2, 0, 8, 0, 0, 1, 2, 3, 4 };
	static const uint8_t sh64[] = { 1, 0, 64, 8, 0, 0, 1, 2, 3, 4 };
	static const uint8_t w65[] = { 1, 0, 0, 65, 0, 0, 1, 2, 3, 4 };

	assert_int_equal(decode_bytes(enc2, sizeof(enc2), 4), -EBADMSG);
	assert_int_equal(decode_bytes(xf2, sizeof(xf2), 4), -EBADMSG);
	assert_int_equal(decode_bytes(sh64, sizeof(sh64), 4), -EBADMSG);
	assert_int_equal(decode_bytes(w65, sizeof(w65), 4), -EBADMSG);
	/* Truncated constant varint. */
	static const uint8_t ctrunc[] = { 0, 0x80 };

	assert_int_equal(decode_bytes(ctrunc, sizeof(ctrunc), 4), -EBADMSG);
	/* Width 64 cannot have exceptions. */
	uint8_t w64[2 + 4 + 8 + 2] = { 1, 0, 0, 64, 0, 1 };

	w64[14] = 0;
	w64[15] = 1;
	assert_int_equal(decode_bytes(w64, sizeof(w64), 1), -EBADMSG);
	/* More exceptions than values. */
	static const uint8_t nexc[] = { 1, 0, 0, 0, 0, 3, 0, 1, 0, 1, 0, 1 };

	assert_int_equal(decode_bytes(nexc, sizeof(nexc), 2), -EBADMSG);
	/* Packed bits missing, trailing garbage. */
	static const uint8_t nobits[] = { 1, 0, 0, 8, 0, 0, 1, 2, 3 };
	static const uint8_t trail[] = { 1, 0, 0, 8, 0, 0, 1, 2, 3, 4, 9 };

	assert_int_equal(decode_bytes(nobits, sizeof(nobits), 4), -EBADMSG);
	assert_int_equal(decode_bytes(trail, sizeof(trail), 4), -EBADMSG);
	/* Declared exceptions missing. */
	static const uint8_t fewexc[] = { 1, 0, 0, 8, 0, 2, 1, 2, 3, 4, 2, 1 };

	assert_int_equal(decode_bytes(fewexc, sizeof(fewexc), 4), -EBADMSG);
	/* Exception index beyond n (gap 4 of 4 values; then gap past it). */
	static const uint8_t excidx[] = { 1, 0, 0, 8, 0, 1, 1, 2, 3, 4, 4, 1 };
	static const uint8_t excidx2[] = { 1, 0, 0, 8, 0, 2, 1, 2, 3, 4,
					   2, 1, 1, 1 };

	assert_int_equal(decode_bytes(excidx, sizeof(excidx), 4), -EBADMSG);
	assert_int_equal(decode_bytes(excidx2, sizeof(excidx2), 4), -EBADMSG);
	/* Exception adding no bits, or bits past 64. */
	static const uint8_t exc0[] = { 1, 0, 0, 8, 0, 1, 1, 2, 3, 4, 0, 0 };
	static const uint8_t exc_wide[] = { 1, 0, 0, 60, 0, 1,
					    0, 0, 0, 0, 0, 0, 0, 0,
					    0, 16 };

	assert_int_equal(decode_bytes(exc0, sizeof(exc0), 4), -EBADMSG);
	assert_int_equal(decode_bytes(exc_wide, sizeof(exc_wide), 1),
			 -EBADMSG);
	/* The same with a high part that fits is accepted. */
	static const uint8_t exc_fit[] = { 1, 0, 0, 60, 0, 1,
					   0, 0, 0, 0, 0, 0, 0, 0,
					   0, 15 };

	assert_int_equal(decode_bytes(exc_fit, sizeof(exc_fit), 1), 0);
	/* A count the column does not hold. */
	assert_int_equal(decode_bytes(ok, sizeof(ok), 5), -EBADMSG);
	assert_int_equal(decode_bytes(ok, sizeof(ok), 3), -EBADMSG);
}

/* Random corruption of valid columns never crashes the decoder. */
static void corrupted_columns_do_not_crash(void **state)
{
	uint64_t v[300];
	struct bbuf b = { 0 };

	for (int round = 0; round < 2000; round++) {
		size_t n = 1 + rnd() % 300;

		for (size_t i = 0; i < n; i++)
			v[i] = (rnd() >> (rnd() % 64)) & mask(rnd() % 65);
		b.len = 0;
		col_encode(&b, v, n);
		uint8_t *p = malloc(b.len);

		memcpy(p, b.p, b.len);
		p[rnd() % b.len] ^= (uint8_t)(1u << (rnd() % 8));
		int r = decode_bytes(p, b.len, n);

		assert_true(r == 0 || r == -EBADMSG);
		free(p);
	}
	bbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(constant_column_is_tiny),
		cmocka_unit_test(single_value_columns),
		cmocka_unit_test(random_widths_0_to_64),
		cmocka_unit_test(exceptions_keep_outliers_cheap),
		cmocka_unit_test(delta_transform_for_monotonic_columns),
		cmocka_unit_test(shift_removes_common_trailing_zeros),
		cmocka_unit_test(huge_values),
		cmocka_unit_test(max_chunk_column),
		cmocka_unit_test(malformed_columns_are_rejected),
		cmocka_unit_test(corrupted_columns_do_not_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
