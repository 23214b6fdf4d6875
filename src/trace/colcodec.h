/* SPDX-License-Identifier: MIT */
/*
 * Column codec of event chunks: a column of n 64-bit values is stored as a
 * constant, or as a frame-of-reference bit-packed array with exceptions
 * (PFOR), optionally after a delta transform and a shift that removes
 * trailing zero bits common to all values.  See doc/trace-format.md.
 */
#ifndef IORR_TRACE_COLCODEC_H
#define IORR_TRACE_COLCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "util/bytes.h"

/* Append the encoding of @v[0..n) to @out (n >= 1). */
void col_encode(struct bbuf *out, const uint64_t *v, size_t n);

/* A decoded column: a constant, or @n values in @vals. */
struct col {
	uint64_t cval;
	uint64_t *vals;		/* NULL for a constant column */
	size_t n;
};

static inline uint64_t col_get(const struct col *c, size_t i)
{
	return c->vals ? c->vals[i] : c->cval;
}

/*
 * Decode @len bytes holding a column of exactly @n values.
 * @return 0, or -EBADMSG for malformed input, -ENOMEM.
 */
int col_decode(struct col *c, const uint8_t *p, size_t len, size_t n);
void col_free(struct col *c);

#endif
