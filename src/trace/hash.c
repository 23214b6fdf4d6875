/* SPDX-License-Identifier: MIT */
/* Content hashes of traces: xxh3-64 for reads, xxh3-128 for blobs. */
#include <xxhash.h>

#include "iorr/trace.h"

uint64_t iorr_hash64(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

struct iorr_hash128 iorr_hash128(const void *data, size_t len)
{
	XXH128_hash_t h = XXH3_128bits(data, len);

	return (struct iorr_hash128){ .lo = h.low64, .hi = h.high64 };
}
