/* SPDX-License-Identifier: MIT */
/*
 * Log-linear histogram of 64-bit values (latencies in ns): 32 sub-buckets
 * per power of two, so a quantile is within 3.2% of the true value; values
 * below 32 are exact.  Buckets are allocated on the first add.
 */
#ifndef IORR_UTIL_HIST_H
#define IORR_UTIL_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 5
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) << HIST_SUB_BITS)

struct hist {
	uint32_t *b;		/* HIST_BUCKETS counters, or NULL */
	uint64_t n, min, max;
	int oom;		/* an allocation failed: counts are partial */
};

void hist_add(struct hist *h, uint64_t v);
/* @return the value at quantile @q (0..1), 0 for an empty histogram. */
uint64_t hist_quantile(const struct hist *h, double q);
void hist_free(struct hist *h);

#endif
