/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace/colcodec.h"
#include "trace/format.h"

static inline unsigned bitlen(uint64_t v)
{
	return v ? 64 - (unsigned)__builtin_clzll(v) : 0;
}

/* Parameters of one PFOR layout and its estimated size in bytes. */
struct layout {
	unsigned xf, shift, width;
	uint64_t base;
	size_t nexc;
	size_t cost;
};

static inline uint64_t xf_value(unsigned xf, const uint64_t *v, size_t i)
{
	if (xf == IORR_COLXF_RAW)
		return v[i];
	return zigzag((int64_t)(v[i] - (i ? v[i - 1] : 0)));
}

/*
 * Choose shift, base and width for transform @xf.  RATIONALE: an exception
 * costs its index gap and high bits as varints; about 2 bytes plus the high
 * bits.  Width is chosen to minimise packed bits plus exception bytes.
 */
static void plan(const uint64_t *v, size_t n, unsigned xf, struct layout *l)
{
	uint64_t orbits = 0, min = UINT64_MAX;
	size_t hist[65] = { 0 };

	for (size_t i = 0; i < n; i++)
		orbits |= xf_value(xf, v, i);
	unsigned shift = orbits ? (unsigned)__builtin_ctzll(orbits) : 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t t = xf_value(xf, v, i) >> shift;

		if (t < min)
			min = t;
	}
	for (size_t i = 0; i < n; i++)
		hist[bitlen((xf_value(xf, v, i) >> shift) - min)]++;

	size_t best = SIZE_MAX, best_exc = 0;
	unsigned best_w = 64;

	for (unsigned w = 0; w <= 64; w++) {
		size_t exc = 0, exc_bytes = 0;

		for (unsigned b = w + 1; b <= 64; b++) {
			exc += hist[b];
			exc_bytes += hist[b] * (2 + (b - w + 6) / 7);
		}
		if (w == 64 && exc)
			continue;
		size_t cost = (n * w + 7) / 8 + exc_bytes + varint_len(exc);

		if (cost < best) {
			best = cost;
			best_w = w;
			best_exc = exc;
		}
	}
	l->xf = xf;
	l->shift = shift;
	l->width = best_w;
	l->base = min;
	l->nexc = best_exc;
	l->cost = best + varint_len(min) + 4;
}

void col_encode(struct bbuf *out, const uint64_t *v, size_t n)
{
	size_t i;

	for (i = 1; i < n && v[i] == v[0]; i++)
		;
	if (i >= n) {
		bbuf_put_u8(out, IORR_COLENC_CONST);
		bbuf_put_varint(out, v[0]);
		return;
	}

	struct layout raw, delta, *l;

	plan(v, n, IORR_COLXF_RAW, &raw);
	plan(v, n, IORR_COLXF_DELTA, &delta);
	l = delta.cost < raw.cost ? &delta : &raw;

	bbuf_put_u8(out, IORR_COLENC_PACKED);
	bbuf_put_u8(out, (uint8_t)l->xf);
	bbuf_put_u8(out, (uint8_t)l->shift);
	bbuf_put_u8(out, (uint8_t)l->width);
	bbuf_put_varint(out, l->base);
	bbuf_put_varint(out, l->nexc);

	size_t nbytes = (n * l->width + 7) / 8;

	if (bbuf_reserve(out, nbytes + 8) < 0)
		return;
	uint8_t *dst = out->p + out->len;

	memset(dst, 0, nbytes + 8);
	uint64_t mask = l->width == 64 ? UINT64_MAX : (1ull << l->width) - 1;

	if (l->width) {
		size_t bit = 0;

		for (i = 0; i < n; i++, bit += l->width) {
			uint64_t u = ((xf_value(l->xf, v, i) >> l->shift) -
				      l->base) & mask;
			size_t byte = bit / 8;
			unsigned sh = bit % 8;

			/* Up to 64 + 7 bits: the low word then the spill. */
			uint64_t lo = get_le64(dst + byte) | (u << sh);

			put_le64(dst + byte, lo);
			if (sh && l->width + sh > 64)
				dst[byte + 8] |= (uint8_t)(u >> (64 - sh));
		}
	}
	out->len += nbytes;

	if (l->nexc == 0)
		return;
	size_t prev = 0;
	int first = 1;

	for (i = 0; i < n; i++) {
		uint64_t u = (xf_value(l->xf, v, i) >> l->shift) - l->base;

		if (l->width < 64 && (u >> l->width) != 0) {
			bbuf_put_varint(out, first ? i : i - prev - 1);
			bbuf_put_varint(out, u >> l->width);
			prev = i;
			first = 0;
		}
	}
}

static inline uint64_t unpack(const uint8_t *p, size_t len, size_t bit,
			      unsigned width)
{
	size_t byte = bit / 8;
	unsigned sh = bit % 8;
	uint8_t tmp[9] = { 0 };
	const uint8_t *src = p + byte;

	if (byte + 9 > len) {
		size_t avail = len > byte ? len - byte : 0;

		memcpy(tmp, src, avail > 9 ? 9 : avail);
		src = tmp;
	}
	uint64_t v = get_le64(src) >> sh;

	if (sh && width + sh > 64)
		v |= (uint64_t)src[8] << (64 - sh);
	return width == 64 ? v : v & ((1ull << width) - 1);
}

int col_decode(struct col *c, const uint8_t *p, size_t len, size_t n)
{
	struct cursor cur;
	uint8_t enc, xf, shift, width;
	uint64_t base, nexc;

	memset(c, 0, sizeof(*c));
	c->n = n;
	cursor_init(&cur, p, len);
	if (cursor_u8(&cur, &enc) < 0)
		return -EBADMSG;
	if (enc == IORR_COLENC_CONST) {
		if (cursor_varint(&cur, &c->cval) < 0 || cursor_left(&cur) != 0)
			return -EBADMSG;
		return 0;
	}
	if (enc != IORR_COLENC_PACKED)
		return -EBADMSG;
	if (cursor_u8(&cur, &xf) < 0 || cursor_u8(&cur, &shift) < 0 ||
	    cursor_u8(&cur, &width) < 0 || cursor_varint(&cur, &base) < 0 ||
	    cursor_varint(&cur, &nexc) < 0)
		return -EBADMSG;
	if (xf > IORR_COLXF_DELTA || shift > 63 || width > 64 || nexc > n ||
	    (width == 64 && nexc))
		return -EBADMSG;

	size_t nbytes = (n * width + 7) / 8;
	const uint8_t *bits;

	if (n > SIZE_MAX / 64 || cursor_bytes(&cur, &bits, nbytes) < 0)
		return -EBADMSG;
	/* Every exception takes at least two bytes. */
	if (nexc > cursor_left(&cur) / 2)
		return -EBADMSG;

	uint64_t *vals = malloc((n ? n : 1) * sizeof(*vals));

	if (!vals)
		return -ENOMEM;
	size_t bit = 0;

	for (size_t i = 0; i < n; i++, bit += width)
		vals[i] = width ? unpack(bits, nbytes, bit, width) : 0;

	size_t idx = 0;

	for (uint64_t e = 0; e < nexc; e++) {
		uint64_t gap, high;

		if (cursor_varint(&cur, &gap) < 0 ||
		    cursor_varint(&cur, &high) < 0)
			goto bad;
		uint64_t at = e == 0 ? gap : idx + 1 + gap;

		if (at >= n || (e && at <= idx) || high == 0 ||
		    (width && (high >> (64 - width)) != 0))
			goto bad;
		idx = (size_t)at;
		vals[idx] |= high << width;
	}
	if (cursor_left(&cur) != 0)
		goto bad;

	uint64_t prev = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t t = (vals[i] + base) << shift;

		if (xf == IORR_COLXF_DELTA) {
			prev += (uint64_t)unzigzag(t);
			vals[i] = prev;
		} else {
			vals[i] = t;
		}
	}
	c->vals = vals;
	return 0;
bad:
	free(vals);
	return -EBADMSG;
}

void col_free(struct col *c)
{
	free(c->vals);
	c->vals = NULL;
}
