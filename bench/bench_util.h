/* bench_util.h -- the clock and the seeded generator the C benchmarks share. */
#ifndef ACEUQ_BENCH_UTIL_H
#define ACEUQ_BENCH_UTIL_H

#include <time.h>

/* monotonic wall time in seconds */
static inline double bench_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* uniform in [-1/2, 1/2) from a 64-bit LCG state */
static inline double bench_uniform(unsigned long long *s)
{
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(*s >> 11) / 9007199254740992.0 - 0.5;
}

#endif
