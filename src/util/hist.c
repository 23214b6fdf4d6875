/* SPDX-License-Identifier: MIT */
#include <stdlib.h>

#include "util/hist.h"

static unsigned bucket_of(uint64_t v)
{
	if (v < (1u << HIST_SUB_BITS))
		return (unsigned)v;
	unsigned e = 63 - (unsigned)__builtin_clzll(v);
	unsigned sub = (unsigned)(v >> (e - HIST_SUB_BITS)) &
		       ((1u << HIST_SUB_BITS) - 1);

	return ((e - HIST_SUB_BITS + 1) << HIST_SUB_BITS) + sub;
}

/* Lowest value of bucket @i and its width. */
static void bucket_range(unsigned i, uint64_t *lo, uint64_t *width)
{
	if (i < (1u << HIST_SUB_BITS)) {
		*lo = i;
		*width = 1;
		return;
	}
	unsigned e = (i >> HIST_SUB_BITS) + HIST_SUB_BITS - 1;
	uint64_t sub = i & ((1u << HIST_SUB_BITS) - 1);

	*width = 1ull << (e - HIST_SUB_BITS);
	*lo = (1ull << e) + sub * *width;
}

void hist_add(struct hist *h, uint64_t v)
{
	if (!h->b && !h->oom) {
		h->b = calloc(HIST_BUCKETS, sizeof(*h->b));
		if (!h->b)
			h->oom = 1;
	}
	if (h->n == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->n++;
	if (h->b)
		h->b[bucket_of(v)]++;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	if (!h->n || !h->b)
		return h->max;
	uint64_t rank = (uint64_t)(q * (double)(h->n - 1)) + 1, seen = 0;

	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen < rank)
			continue;
		uint64_t lo, w;

		bucket_range(i, &lo, &w);
		uint64_t v = lo + w / 2;

		if (v < h->min)
			v = h->min;
		return v > h->max ? h->max : v;
	}
	return h->max;
}

void hist_free(struct hist *h)
{
	free(h->b);
	h->b = NULL;
}
