/* SPDX-License-Identifier: MIT */
/*
 * Seeded pseudo-random numbers for schedules and perturbations:
 * xoshiro256** seeded through splitmix64.
 *
 * RATIONALE: every random choice of a replay must be a pure function of
 * (trace, options, seed), the same on every machine and build; so no time,
 * no addresses, no libc rand().  Independent streams (one per recorded
 * thread, one per perturbation) come from rng_init() with distinct stream
 * numbers, so adding a draw to one stream never shifts another.
 */
#ifndef IORR_UTIL_RNG_H
#define IORR_UTIL_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* One step of splitmix64 on *@x. */
uint64_t rng_splitmix64(uint64_t *x);

/* Seed @r for stream @stream of @seed. */
void rng_init(struct rng *r, uint64_t seed, uint64_t stream);

/* Next 64 random bits. */
uint64_t rng_next(struct rng *r);

/* Uniform in [0, n) (n > 0), without modulo bias. */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Uniform double in [0, 1). */
double rng_unit(struct rng *r);

/* true with probability @p (0..1). */
int rng_chance(struct rng *r, double p);

/* Exponentially distributed with mean @mean (rounded down). */
uint64_t rng_exp(struct rng *r, double mean);

#endif /* IORR_UTIL_RNG_H */
