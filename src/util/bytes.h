/* SPDX-License-Identifier: MIT */
/*
 * Growable byte buffers, LEB128 varints, zigzag and little-endian helpers
 * shared by the trace writer and reader.
 */
#ifndef IORR_UTIL_BYTES_H
#define IORR_UTIL_BYTES_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct bbuf {
	uint8_t *p;
	size_t len, cap;
	int err;		/* sticky -ENOMEM */
};

/* Make room for @n more bytes. @return 0 or -ENOMEM (also made sticky). */
int bbuf_reserve(struct bbuf *b, size_t n);
void bbuf_free(struct bbuf *b);

static inline void bbuf_put(struct bbuf *b, const void *src, size_t n)
{
	if (n == 0 || bbuf_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static inline void bbuf_put_u8(struct bbuf *b, uint8_t v)
{
	bbuf_put(b, &v, 1);
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v; p[1] = v >> 8;
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline void bbuf_put_le64(struct bbuf *b, uint64_t v)
{
	uint8_t t[8];

	put_le64(t, v);
	bbuf_put(b, t, 8);
}

static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static inline void bbuf_put_varint(struct bbuf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;

	while (v >= 0x80) {
		t[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	t[n++] = (uint8_t)v;
	bbuf_put(b, t, n);
}

/*
 * A bounds-checked cursor over untrusted bytes.  Every getter fails (and
 * makes the cursor fail) instead of reading past the end.
 */
struct cursor {
	const uint8_t *p, *end;
	int bad;
};

static inline void cursor_init(struct cursor *c, const void *p, size_t len)
{
	c->p = p;
	c->end = c->p + len;
	c->bad = 0;
}

static inline size_t cursor_left(const struct cursor *c)
{
	return (size_t)(c->end - c->p);
}

/* @return 0 or -1 (truncated or overlong varint). */
static inline int cursor_varint(struct cursor *c, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (c->p >= c->end)
			break;
		uint8_t byte = *c->p++;

		if (shift == 63 && byte > 1)
			break;
		v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			*out = v;
			return 0;
		}
	}
	c->bad = 1;
	*out = 0;
	return -1;
}

static inline int cursor_bytes(struct cursor *c, const uint8_t **out,
			       size_t n)
{
	if (cursor_left(c) < n) {
		c->bad = 1;
		*out = NULL;
		return -1;
	}
	*out = c->p;
	c->p += n;
	return 0;
}

static inline int cursor_u8(struct cursor *c, uint8_t *out)
{
	const uint8_t *p;

	if (cursor_bytes(c, &p, 1) < 0) {
		*out = 0;
		return -1;
	}
	*out = *p;
	return 0;
}

static inline int cursor_le64(struct cursor *c, uint64_t *out)
{
	const uint8_t *p;

	if (cursor_bytes(c, &p, 8) < 0) {
		*out = 0;
		return -1;
	}
	*out = get_le64(p);
	return 0;
}

#endif /* IORR_UTIL_BYTES_H */
