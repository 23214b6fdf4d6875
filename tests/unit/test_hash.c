/* SPDX-License-Identifier: MIT */
/*
 * iorr_hash64/iorr_hash128 give what libxxhash gives (XXH3_64bits,
 * XXH3_128bits) at every length and alignment, whichever implementation
 * (src/trace/hash.c: an AVX2 copy when the CPU has it) they use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <xxhash.h>

#include "iorr/trace.h"

static void same_as_libxxhash(void **state)
{
	static unsigned char b[70000];
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (size_t i = 0; i < sizeof(b); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (unsigned char)x;
	}
	for (size_t n = 0; n + 8 <= sizeof(b); n = n < 300 ? n + 1 : n * 5 / 4) {
		for (size_t a = 0; a < 8; a += 3) {
			XXH128_hash_t h = XXH3_128bits(b + a, n);
			struct iorr_hash128 g = iorr_hash128(b + a, n);

			assert_int_equal(g.lo, h.low64);
			assert_int_equal(g.hi, h.high64);
			assert_int_equal(iorr_hash64(b + a, n),
					 XXH3_64bits(b + a, n));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_as_libxxhash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
