/* check.h -- minimal assertion macros for the C unit tests.  A test program
 * runs all its checks, prints each failure with file:line, and exits 1 if
 * any failed (ctest counts the program as one test). */
#ifndef ACEUQ_TEST_CHECK_H
#define ACEUQ_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures = 0;
static int check_count = 0;

#define CHECK(cond)                                                              \
  do {                                                                           \
    ++check_count;                                                               \
    if (!(cond)) {                                                               \
      ++check_failures;                                                          \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                            \
  } while (0)

/* |a - b| <= tol, with NaN counted as failure */
#define CHECK_CLOSE(a, b, tol)                                                   \
  do {                                                                           \
    double check_a_ = (a), check_b_ = (b);                                       \
    ++check_count;                                                               \
    if (!(fabs(check_a_ - check_b_) <= (tol))) {                                 \
      ++check_failures;                                                          \
      fprintf(stderr, "%s:%d: CHECK_CLOSE failed: %s = %.17g, %s = %.17g, tol %g\n", \
              __FILE__, __LINE__, #a, check_a_, #b, check_b_, (double)(tol));    \
    }                                                                            \
  } while (0)

#define CHECK_STR_CONTAINS(haystack, needle)                                     \
  do {                                                                           \
    ++check_count;                                                               \
    if (!strstr((haystack), (needle))) {                                         \
      ++check_failures;                                                          \
      fprintf(stderr, "%s:%d: expected \"%s\" in \"%s\"\n", __FILE__, __LINE__,  \
              (needle), (haystack));                                             \
    }                                                                            \
  } while (0)

/* deterministic xorshift64 generator for test data: uniform in [0, 1);
 * a test may set check_rng_state to choose its own sequence */
static unsigned long long check_rng_state = 88172645463325252ULL;
static inline double check_uniform(void)
{
  check_rng_state ^= check_rng_state << 13;
  check_rng_state ^= check_rng_state >> 7;
  check_rng_state ^= check_rng_state << 17;
  return (double)(check_rng_state >> 11) / 9007199254740992.0;
}

static inline int check_summary(const char *name)
{
  printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
  return check_failures ? 1 : 0;
}

#endif
