/* SPDX-License-Identifier: MIT */
/* Content hashes of traces: xxh3-64 for reads, xxh3-128 for blobs. */
#include <xxhash.h>

#include "iorr/trace.h"

/* The shared library's functions (before the inlined copy renames them). */
static uint64_t lib_hash64(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

static struct iorr_hash128 lib_hash128(const void *data, size_t len)
{
	XXH128_hash_t h = XXH3_128bits(data, len);

	return (struct iorr_hash128){ .lo = h.low64, .hi = h.high64 };
}

/*
 * RATIONALE: `iorr record` hashes every payload (--data=full: a blob per
 * write) and every read.  The shared libxxhash is built for the baseline
 * x86-64 (SSE2); on a CPU with AVX2 an inlined AVX2 build of the same
 * functions hashes 4 KiB in about half the time (xxh3 gives the same
 * value whatever the vector width).  Chosen once, at the first call.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC target("avx2")
#define XXH_INLINE_ALL
#define XXH_VECTOR 2	/* XXH_AVX2 */
#include <xxhash.h>
#pragma GCC pop_options
#define IORR_HASH_AVX2 1

static int use_avx2 = -1;

static inline bool hash_avx2(void)
{
	int v = __atomic_load_n(&use_avx2, __ATOMIC_RELAXED);

	if (__builtin_expect(v < 0, 0)) {
		__builtin_cpu_init();
		v = __builtin_cpu_supports("avx2") ? 1 : 0;
		__atomic_store_n(&use_avx2, v, __ATOMIC_RELAXED);
	}
	return v;
}

__attribute__((target("avx2")))
static uint64_t hash64_avx2(const void *data, size_t len)
{
	return XXH_INLINE_XXH3_64bits(data, len);
}

__attribute__((target("avx2")))
static struct iorr_hash128 hash128_avx2(const void *data, size_t len)
{
	__auto_type h = XXH_INLINE_XXH3_128bits(data, len);

	return (struct iorr_hash128){ .lo = h.low64, .hi = h.high64 };
}
#endif

uint64_t iorr_hash64(const void *data, size_t len)
{
#ifdef IORR_HASH_AVX2
	if (len >= 256 && hash_avx2())
		return hash64_avx2(data, len);
#endif
	return lib_hash64(data, len);
}

struct iorr_hash128 iorr_hash128(const void *data, size_t len)
{
#ifdef IORR_HASH_AVX2
	if (len >= 256 && hash_avx2())
		return hash128_avx2(data, len);
#endif
	return lib_hash128(data, len);
}
