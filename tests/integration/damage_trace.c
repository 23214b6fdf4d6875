/* SPDX-License-Identifier: MIT */
/*
 * damage_trace: write a damaged copy of a trace, for tests/integration/
 * damage.sh.
 *
 *   damage_trace IN OUT SEED
 *
 * SEED picks one damage and prints what it did on one line:
 *   truncate N              cut the file to N bytes (N < size)
 *   flip OFF BIT            flip one bit
 *   overwrite OFF LEN       xor LEN (1..8) bytes with nonzero values
 *   header CHUNK FIELD      change a chunk header field (type, codec, seq,
 *                           stored, rawlen, count), checksum left stale
 *   fixed CHUNK FIELD       the same with the chunk checksum recomputed,
 *                           so the reader parses the changed chunk
 * The output always differs from the input.  Exit 0, or 1 with a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iorr/trace.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void set_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Trace layout constants (doc/trace-format.md). */
#define FILE_HDR 32
#define CHUNK_HDR 32

/* @return the number of chunk offsets stored in @offs (at most @max). */
static size_t chunks(const uint8_t *d, size_t size, size_t *offs, size_t max)
{
	size_t n = 0, pos;

	if (size < FILE_HDR)
		return 0;
	pos = FILE_HDR + le32(d + 16);
	while (n < max && pos + CHUNK_HDR <= size) {
		offs[n++] = pos;
		pos += CHUNK_HDR + (size_t)le32(d + pos + 12);
	}
	return n;
}

static void fix_checksum(uint8_t *h, size_t avail)
{
	size_t stored = le32(h + 12);

	if (stored > avail - CHUNK_HDR)
		return;
	uint8_t *tmp = malloc(24 + stored);

	if (!tmp)
		return;
	memcpy(tmp, h, 24);
	memcpy(tmp + 24, h + CHUNK_HDR, stored);
	uint64_t sum = iorr_hash64(tmp, 24 + stored);

	for (int i = 0; i < 8; i++)
		h[24 + i] = (uint8_t)(sum >> (8 * i));
	free(tmp);
}

int main(int argc, char **argv)
{
	static const char *const fields[] = {
		"type", "codec", "seq", "stored", "rawlen", "count",
	};
	static const unsigned field_off[] = { 4, 5, 8, 12, 16, 20 };
	FILE *f;
	uint8_t *d;
	long size;

	if (argc != 4) {
		fprintf(stderr, "usage: damage_trace IN OUT SEED\n");
		return 2;
	}
	rng_state = strtoull(argv[3], NULL, 0);
	f = fopen(argv[1], "rb");
	if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) <= FILE_HDR) {
		fprintf(stderr, "damage_trace: cannot read %s\n", argv[1]);
		return 1;
	}
	rewind(f);
	d = malloc((size_t)size);
	if (!d || fread(d, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "damage_trace: cannot read %s\n", argv[1]);
		return 1;
	}
	fclose(f);

	size_t n = (size_t)size, offs[4096];
	size_t nch = chunks(d, n, offs, 4096);
	unsigned kind = (unsigned)(rnd() % 5);

	if (kind >= 3 && nch == 0)
		kind = 1;
	switch (kind) {
	case 0:
		n = (size_t)(rnd() % (uint64_t)size);
		printf("truncate %zu\n", n);
		break;
	case 1: {
		size_t off = (size_t)(rnd() % n);
		unsigned bit = (unsigned)(rnd() % 8);

		d[off] ^= (uint8_t)(1u << bit);
		printf("flip %zu %u\n", off, bit);
		break;
	}
	case 2: {
		size_t len = 1 + (size_t)(rnd() % 8);
		size_t off = (size_t)(rnd() % (n - len));

		for (size_t i = 0; i < len; i++)
			d[off + i] ^= (uint8_t)(1 + rnd() % 255);
		printf("overwrite %zu %zu\n", off, len);
		break;
	}
	default: {
		size_t c = (size_t)(rnd() % nch);
		unsigned fi = (unsigned)(rnd() % 6);
		uint8_t *h = d + offs[c];

		if (fi < 2) {
			h[field_off[fi]] ^= (uint8_t)(1 + rnd() % 255);
		} else {
			uint32_t v = le32(h + field_off[fi]), nv;

			/* Small steps and wild values both. */
			do {
				nv = rnd() % 2 ? v + (uint32_t)(rnd() % 5) - 2
					       : (uint32_t)rnd();
			} while (nv == v);
			set_le32(h + field_off[fi], nv);
		}
		if (kind == 4)
			fix_checksum(h, n - offs[c]);
		printf("%s %zu %s\n", kind == 4 ? "fixed" : "header", c,
		       fields[fi]);
		break;
	}
	}

	f = fopen(argv[2], "wb");
	if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "damage_trace: cannot write %s\n", argv[2]);
		return 1;
	}
	free(d);
	return 0;
}
