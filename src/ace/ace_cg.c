/* ace_cg.c -- exact Wigner 3j / Clebsch-Gordan coefficients (method in ace_cg.h). */
#include "ace_cg.h"

#include "error_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- primes and factorials as prime exponents ---------------------------- */

/* all primes <= ACE_CG_MAX_JSUM + 1 */
static const int cg_primes[] = {2,  3,  5,  7,  11, 13, 17, 19, 23, 29, 31, 37, 41,
                                43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101};
#define CG_NPRIMES ((int)(sizeof cg_primes / sizeof cg_primes[0]))

/* e[i] += sign * (exponent of cg_primes[i] in n!)   (Legendre: sum_k floor(n / p^k)) */
static void add_factorial_exponents(int *e, int n, int sign)
{
  for (int i = 0; i < CG_NPRIMES && cg_primes[i] <= n; ++i) {
    int count = 0;
    for (int q = n / cg_primes[i]; q > 0; q /= cg_primes[i]) count += q;
    e[i] += sign * count;
  }
}

/* e[i] += sign * (exponent of cg_primes[i] in n), 1 <= n <= ACE_CG_MAX_JSUM + 1 */
static void add_integer_exponents(int *e, int n, int sign)
{
  for (int i = 0; i < CG_NPRIMES && n > 1; ++i)
    while (n % cg_primes[i] == 0) {
      n /= cg_primes[i];
      e[i] += sign;
    }
}

/* ---- unsigned big integers, little-endian 32-bit limbs --------------------
 * Bounds (jsum <= 100): the Racah sum over the common denominator is below
 * 51 * 100! < 2^532; the numerator/denominator of the final ratio below 2^900. */
#define BIG_LIMBS 40

typedef struct big_uint {
  int n;                   /* limbs in use; 0 means the value 0 */
  uint32_t limb[BIG_LIMBS];
} big_uint;

static void big_set(big_uint *a, uint32_t v)
{
  a->n = v ? 1 : 0;
  a->limb[0] = v;
}

/* a *= v (v > 0); the bounds above keep a within BIG_LIMBS */
static void big_mul_small(big_uint *a, uint32_t v)
{
  uint64_t carry = 0;
  for (int i = 0; i < a->n; ++i) {
    uint64_t t = (uint64_t)a->limb[i] * v + carry;
    a->limb[i] = (uint32_t)t;
    carry = t >> 32;
  }
  if (carry && a->n < BIG_LIMBS) a->limb[a->n++] = (uint32_t)carry;
}

/* a *= p^e, in chunks of powers that fit 32 bits */
static void big_mul_prime_power(big_uint *a, int p, int e)
{
  while (e > 0) {
    uint32_t chunk = 1;
    while (e > 0 && chunk <= UINT32_MAX / (uint32_t)p) {
      chunk *= (uint32_t)p;
      --e;
    }
    big_mul_small(a, chunk);
  }
}

static int big_cmp(const big_uint *a, const big_uint *b)
{
  if (a->n != b->n) return a->n < b->n ? -1 : 1;
  for (int i = a->n - 1; i >= 0; --i)
    if (a->limb[i] != b->limb[i]) return a->limb[i] < b->limb[i] ? -1 : 1;
  return 0;
}

/* a += b */
static void big_add(big_uint *a, const big_uint *b)
{
  uint64_t carry = 0;
  int n = a->n > b->n ? a->n : b->n;
  for (int i = 0; i < n; ++i) {
    uint64_t t = carry + (i < a->n ? a->limb[i] : 0) + (i < b->n ? b->limb[i] : 0);
    a->limb[i] = (uint32_t)t;
    carry = t >> 32;
  }
  a->n = n;
  if (carry && a->n < BIG_LIMBS) a->limb[a->n++] = (uint32_t)carry;
}

/* a -= b, requires a >= b */
static void big_sub(big_uint *a, const big_uint *b)
{
  int64_t borrow = 0;
  for (int i = 0; i < a->n; ++i) {
    int64_t t = (int64_t)a->limb[i] - (i < b->n ? b->limb[i] : 0) - borrow;
    borrow = t < 0;
    a->limb[i] = (uint32_t)(t + (borrow ? ((int64_t)1 << 32) : 0));
  }
  while (a->n > 0 && a->limb[a->n - 1] == 0) --a->n;
}

/* nearest long double (the top 96 bits are rounded once) */
static long double big_to_long_double(const big_uint *a)
{
  if (a->n == 0) return 0.0L;
  if (a->n == 1) return (long double)a->limb[0];
  int top = a->n - 1;
  uint64_t hi = ((uint64_t)a->limb[top] << 32) | a->limb[top - 1];
  if (a->n == 2) return (long double)hi;
  long double x = (long double)hi * 4294967296.0L + (long double)a->limb[top - 2];
  return ldexpl(x, 32 * (a->n - 3));
}

/* ---- the Racah sum ---------------------------------------------------------- */

/* sign * sqrt(scale) * (j1 j2 j3; m1 m2 m3) with the integer scale >= 1 folded
 * into the exact part (scale = 1 for 3j, 2J+1 for CG). */
static double scaled_wigner3j(int j1, int j2, int j3, int m1, int m2, int m3, int scale)
{
  if (j1 < 0 || j2 < 0 || j3 < 0) return 0.0;
  if (m1 + m2 + m3 != 0) return 0.0;
  if (abs(m1) > j1 || abs(m2) > j2 || abs(m3) > j3) return 0.0;
  if (j3 < abs(j1 - j2) || j3 > j1 + j2) return 0.0;
  if (j1 + j2 + j3 > ACE_CG_MAX_JSUM) return NAN;

  /* k runs over the range where all six factorial arguments are >= 0 */
  int kmin = 0;
  if (j2 - j3 - m1 > kmin) kmin = j2 - j3 - m1;
  if (j1 - j3 + m2 > kmin) kmin = j1 - j3 + m2;
  int kmax = j1 + j2 - j3;
  if (j1 - m1 < kmax) kmax = j1 - m1;
  if (j2 + m2 < kmax) kmax = j2 + m2;
  if (kmin > kmax) return 0.0;

  /* exponents of the denominators D_k and of their lcm L */
  int dexp[ACE_CG_MAX_JSUM + 1][CG_NPRIMES];
  int lexp[CG_NPRIMES] = {0};
  for (int k = kmin; k <= kmax; ++k) {
    int *e = dexp[k - kmin];
    for (int i = 0; i < CG_NPRIMES; ++i) e[i] = 0;
    add_factorial_exponents(e, k, 1);
    add_factorial_exponents(e, j3 - j2 + k + m1, 1);
    add_factorial_exponents(e, j3 - j1 + k - m2, 1);
    add_factorial_exponents(e, j1 + j2 - j3 - k, 1);
    add_factorial_exponents(e, j1 - k - m1, 1);
    add_factorial_exponents(e, j2 - k + m2, 1);
    for (int i = 0; i < CG_NPRIMES; ++i)
      if (e[i] > lexp[i]) lexp[i] = e[i];
  }

  /* L * sum_k (-1)^k / D_k = sum_k (-1)^k (L / D_k), exactly */
  big_uint plus, minus, term;
  big_set(&plus, 0);
  big_set(&minus, 0);
  for (int k = kmin; k <= kmax; ++k) {
    big_set(&term, 1);
    for (int i = 0; i < CG_NPRIMES; ++i)
      big_mul_prime_power(&term, cg_primes[i], lexp[i] - dexp[k - kmin][i]);
    big_add((k % 2 == 0) ? &plus : &minus, &term);
  }
  int c = big_cmp(&plus, &minus);
  if (c == 0) return 0.0; /* an exact zero */
  big_uint *sum = &plus;
  if (c > 0) {
    big_sub(&plus, &minus);
  } else {
    big_sub(&minus, &plus);
    sum = &minus;
  }
  int sign = (c > 0) ? 1 : -1;
  if ((((j1 - j2 - m3) % 2) + 2) % 2 == 1) sign = -sign;

  /* value^2 = scale * P / (Q L^2) * sum^2 with
   * P = (j1+j2-j3)!(j1-j2+j3)!(-j1+j2+j3)! prod (j_i +- m_i)!,  Q = (j1+j2+j3+1)! */
  int f[CG_NPRIMES] = {0};
  add_factorial_exponents(f, j1 + j2 - j3, 1);
  add_factorial_exponents(f, j1 - j2 + j3, 1);
  add_factorial_exponents(f, -j1 + j2 + j3, 1);
  add_factorial_exponents(f, j1 + m1, 1);
  add_factorial_exponents(f, j1 - m1, 1);
  add_factorial_exponents(f, j2 + m2, 1);
  add_factorial_exponents(f, j2 - m2, 1);
  add_factorial_exponents(f, j3 + m3, 1);
  add_factorial_exponents(f, j3 - m3, 1);
  add_factorial_exponents(f, j1 + j2 + j3 + 1, -1);
  add_integer_exponents(f, scale, 1);

  /* |value| = sum * prod p^(f_p/2 - lexp_p) = (num / den) * sqrt(squarefree) */
  big_uint den, squarefree;
  big_set(&den, 1);
  big_set(&squarefree, 1);
  for (int i = 0; i < CG_NPRIMES; ++i) {
    int odd = ((f[i] % 2) + 2) % 2;
    int half = (f[i] - odd) / 2 - lexp[i];
    if (odd) big_mul_small(&squarefree, (uint32_t)cg_primes[i]);
    if (half > 0) big_mul_prime_power(sum, cg_primes[i], half);
    if (half < 0) big_mul_prime_power(&den, cg_primes[i], -half);
  }
  long double v = big_to_long_double(sum) / big_to_long_double(&den);
  v *= sqrtl(big_to_long_double(&squarefree));
  return (double)(sign * v);
}

double ace_wigner3j(int j1, int j2, int j3, int m1, int m2, int m3)
{
  return scaled_wigner3j(j1, j2, j3, m1, m2, m3, 1);
}

double ace_clebsch_gordan(int j1, int m1, int j2, int m2, int J, int M)
{
  if (M != m1 + m2 || J < 0) return 0.0;
  double w = scaled_wigner3j(j1, j2, J, m1, m2, -M, 2 * J + 1);
  int phase = -j1 + j2 - M;
  return (((phase % 2) + 2) % 2) ? -w : w;
}

int ace_cg_zero_is_exact_in_recursion(int j1, int m1, int j2, int m2, int J, int M)
{
  if (j1 < 0 || j2 < 0 || J < 0 || abs(m1) > j1 || abs(m2) > j2 || abs(M) > J || M != m1 + m2) return 1;
  if (J < abs(j1 - j2) || J > j1 + j2) return 1;
  return m1 == m2 && (m1 == 0 || j1 == j2);
}

/* ---- cache ------------------------------------------------------------------ */

struct ace_cg_cache {
  int jmax;
  double **blocks; /* [(j1 * (jmax+1) + j2) * (jmax+1) + J], NULL until first use */
};

aceuq_status ace_cg_cache_create(int jmax, ace_cg_cache **out, aceuq_error *err)
{
  *out = NULL;
  if (jmax < 0 || 3 * jmax > ACE_CG_MAX_JSUM)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "Clebsch-Gordan table: angular momentum %d out of range 0..%d", jmax,
                           ACE_CG_MAX_JSUM / 3);
  ace_cg_cache *c = calloc(1, sizeof *c);
  size_t n = (size_t)(jmax + 1) * (size_t)(jmax + 1) * (size_t)(jmax + 1);
  if (c) c->blocks = calloc(n, sizeof *c->blocks);
  if (!c || !c->blocks) {
    free(c);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "Clebsch-Gordan table: out of memory");
  }
  c->jmax = jmax;
  *out = c;
  return ACEUQ_OK;
}

void ace_cg_cache_free(ace_cg_cache *cache)
{
  if (!cache) return;
  size_t n = (size_t)(cache->jmax + 1) * (size_t)(cache->jmax + 1) * (size_t)(cache->jmax + 1);
  for (size_t i = 0; i < n; ++i) free(cache->blocks[i]);
  free(cache->blocks);
  free(cache);
}

aceuq_status ace_cg_cache_block(ace_cg_cache *cache, int j1, int j2, int J, const double **block,
                                aceuq_error *err)
{
  *block = NULL;
  int jm = cache->jmax;
  if (j1 < 0 || j2 < 0 || J < 0 || j1 > jm || j2 > jm || J > jm)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "Clebsch-Gordan (%d %d | %d): angular momentum above the table's %d", j1, j2,
                           J, jm);
  size_t key = ((size_t)j1 * (size_t)(jm + 1) + (size_t)j2) * (size_t)(jm + 1) + (size_t)J;
  if (!cache->blocks[key]) {
    int w2 = 2 * j2 + 1;
    double *b = malloc((size_t)(2 * j1 + 1) * (size_t)w2 * sizeof *b);
    if (!b) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "Clebsch-Gordan table: out of memory");
    for (int m1 = -j1; m1 <= j1; ++m1)
      for (int m2 = -j2; m2 <= j2; ++m2)
        b[(m1 + j1) * w2 + (m2 + j2)] = ace_clebsch_gordan(j1, m1, j2, m2, J, m1 + m2);
    cache->blocks[key] = b;
  }
  *block = cache->blocks[key];
  return ACEUQ_OK;
}
