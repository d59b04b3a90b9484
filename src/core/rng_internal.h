/* rng_internal.h -- the project's deterministic random stream (splitmix64):
 * the same seed gives the same numbers on every machine and thread count.
 * Used wherever a fit draws samples (posterior, POPS hypercube, bootstrap). */
#ifndef ACEUQ_RNG_INTERNAL_H
#define ACEUQ_RNG_INTERNAL_H

#include <math.h>

/* next 64 random bits of the stream *state */
static inline unsigned long long rng_next(unsigned long long *state)
{
  unsigned long long z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* uniform in the open interval (0, 1) */
static inline double rng_uniform(unsigned long long *state)
{
  return ((double)(rng_next(state) >> 11) + 0.5) / 9007199254740992.0;
}

/* Poisson(1) by inversion: k with probability e^-1 / k! */
static inline int rng_poisson1(unsigned long long *state)
{
  const double u = rng_uniform(state);
  double p = 0.36787944117144233, cdf = p; /* e^-1 */
  int k = 0;
  while (u > cdf && k < 30) {
    ++k;
    p /= k;
    cdf += p;
  }
  return k;
}

#endif
