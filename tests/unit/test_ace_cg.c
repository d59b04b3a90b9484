/* Unit tests: exact Wigner 3j / Clebsch-Gordan (ace_cg.c) against an
 * independent long-double Racah formula, orthogonality, symmetries, exact zeros. */
#include "ace_cg.h"
#include "check.h"

#include <math.h>
#include <stdlib.h>

/* ---- independent reference: Racah's CG formula in long double ------------- */
static long double fact(int n)
{
  long double f = 1.0L;
  for (int i = 2; i <= n; ++i) f *= i;
  return f;
}

/* CG(j1 m1 j2 m2 | J M) from the textbook closed form (Condon-Shortley) */
static long double ref_cg(int j1, int m1, int j2, int m2, int J, int M)
{
  if (M != m1 + m2 || abs(m1) > j1 || abs(m2) > j2 || abs(M) > J) return 0.0L;
  if (J < abs(j1 - j2) || J > j1 + j2) return 0.0L;
  long double pre = (2 * J + 1) * fact(J + j1 - j2) * fact(J - j1 + j2) * fact(j1 + j2 - J) /
                    fact(j1 + j2 + J + 1);
  pre *= fact(J + M) * fact(J - M) * fact(j1 - m1) * fact(j1 + m1) * fact(j2 - m2) * fact(j2 + m2);
  long double s = 0.0L;
  for (int k = 0; k <= j1 + j2 + J; ++k) {
    int a = j1 + j2 - J - k, b = j1 - m1 - k, c = j2 + m2 - k, d = J - j2 + m1 + k, e = J - j1 - m2 + k;
    if (a < 0 || b < 0 || c < 0 || d < 0 || e < 0) continue;
    long double t = 1.0L / (fact(k) * fact(a) * fact(b) * fact(c) * fact(d) * fact(e));
    s += (k % 2) ? -t : t;
  }
  return sqrtl(pre) * s;
}

static int parity_sign(int n) { return (((n % 2) + 2) % 2) ? -1 : 1; }

static void test_against_reference(void)
{
  double max_err = 0.0;
  int nonzero = 0, zeros = 0, nontrivial_zeros = 0, zero_mismatch = 0;
  for (int j1 = 0; j1 <= 6; ++j1)
    for (int j2 = 0; j2 <= 6; ++j2)
      for (int J = 0; J <= 12; ++J)
        for (int m1 = -j1; m1 <= j1; ++m1)
          for (int m2 = -j2; m2 <= j2; ++m2) {
            int M = m1 + m2;
            double c = ace_clebsch_gordan(j1, m1, j2, m2, J, M);
            long double r = ref_cg(j1, m1, j2, m2, J, M);
            double e = fabs(c - (double)r);
            if (e > max_err) max_err = e;
            /* mathematically zero <=> exactly 0.0 (the reference is good to ~1e-17 here) */
            if (c == 0.0) {
              ++zeros;
              if (fabsl(r) > 1e-14L) ++zero_mismatch;
              if (fabsl(r) == 0.0L && abs(M) <= J && J >= abs(j1 - j2) && J <= j1 + j2) ++nontrivial_zeros;
            } else {
              ++nonzero;
              if (fabsl(r) < 1e-14L) ++zero_mismatch;
            }
            /* and the 3j relation */
            double w = ace_wigner3j(j1, j2, J, m1, m2, -M);
            CHECK(w * parity_sign(-j1 + j2 - M) * sqrt(2.0 * J + 1.0) - c == 0.0 ||
                  fabs(w * parity_sign(-j1 + j2 - M) * sqrt(2.0 * J + 1.0) - c) <= 4e-16 * fabs(c));
          }
  printf("CG vs long-double Racah (j1,j2 <= 6): max |diff| = %.3g over %d non-zero, %d zero values "
         "(%d zeros inside the selection rules)\n",
         max_err, nonzero, zeros, nontrivial_zeros);
  CHECK(max_err < 1e-14);
  CHECK(zero_mismatch == 0);
}

static void test_known_values(void)
{
  CHECK_CLOSE(ace_clebsch_gordan(1, 1, 1, -1, 0, 0), 1.0 / sqrt(3.0), 2e-16);
  CHECK_CLOSE(ace_clebsch_gordan(1, 0, 1, 0, 0, 0), -1.0 / sqrt(3.0), 2e-16);
  CHECK_CLOSE(ace_clebsch_gordan(1, 1, 1, 0, 2, 1), sqrt(0.5), 2e-16);
  CHECK_CLOSE(ace_clebsch_gordan(1, 1, 1, 0, 1, 1), sqrt(0.5), 2e-16);
  CHECK_CLOSE(ace_clebsch_gordan(1, 0, 1, 1, 1, 1), -sqrt(0.5), 2e-16);
  CHECK_CLOSE(ace_wigner3j(1, 1, 0, 0, 0, 0), -1.0 / sqrt(3.0), 2e-16);
  CHECK_CLOSE(ace_wigner3j(2, 2, 2, 0, 0, 0), -sqrt(2.0 / 35.0), 2e-16);
  CHECK(ace_clebsch_gordan(0, 0, 0, 0, 0, 0) == 1.0);
  /* (l1 0 l2 0 | L 0) with odd l1+l2+L: exactly zero */
  int odd_zeros = 0, odd_total = 0;
  for (int l1 = 0; l1 <= 12; ++l1)
    for (int l2 = 0; l2 <= 12; ++l2)
      for (int L = abs(l1 - l2); L <= l1 + l2 && L <= 24; ++L)
        if ((l1 + l2 + L) % 2) {
          ++odd_total;
          odd_zeros += ace_clebsch_gordan(l1, 0, l2, 0, L, 0) == 0.0;
        }
  CHECK(odd_zeros == odd_total && odd_total > 0);
  /* selection rules */
  CHECK(ace_clebsch_gordan(1, 1, 1, 1, 1, 1) == 0.0);  /* M != m1+m2 */
  CHECK(ace_clebsch_gordan(1, 1, 1, 1, 1, 2) == 0.0);  /* |M| > J */
  CHECK(ace_clebsch_gordan(1, 0, 1, 0, 3, 0) == 0.0);  /* triangle */
  CHECK(ace_clebsch_gordan(1, 2, 1, -2, 0, 0) == 0.0); /* |m| > j */
  CHECK(isnan(ace_wigner3j(40, 40, 40, 0, 0, 0)));     /* beyond ACE_CG_MAX_JSUM */
  CHECK(!isnan(ace_wigner3j(30, 30, 40, 0, 0, 0)));
}

/* sum_{m1,m2} C(j1m1j2m2|JM) C(j1m1j2m2|J'M') = delta_JJ' delta_MM'  (j1, j2 <= 10, J up to 20) */
static void test_orthogonality(void)
{
  double max_err = 0.0;
  for (int j1 = 0; j1 <= 10; ++j1)
    for (int j2 = 0; j2 <= 10; j2 += (j2 < 4 ? 1 : 3))
      for (int J = abs(j1 - j2); J <= j1 + j2; ++J)
        for (int Jp = abs(j1 - j2); Jp <= j1 + j2; ++Jp)
          for (int M = -J; M <= J; ++M) {
            double s = 0.0;
            for (int m1 = -j1; m1 <= j1; ++m1) {
              int m2 = M - m1;
              if (abs(m2) > j2) continue;
              s += ace_clebsch_gordan(j1, m1, j2, m2, J, M) * ace_clebsch_gordan(j1, m1, j2, m2, Jp, M);
            }
            double e = fabs(s - (J == Jp ? 1.0 : 0.0));
            if (e > max_err) max_err = e;
          }
  /* completeness: sum_{J} C(j1m1j2m2|JM) C(j1m1'j2m2'|JM) = delta */
  for (int j1 = 0; j1 <= 8; j1 += 2)
    for (int j2 = 1; j2 <= 7; j2 += 3)
      for (int m1 = -j1; m1 <= j1; ++m1)
        for (int m1p = -j1; m1p <= j1; ++m1p)
          for (int M = -(j1 + j2); M <= j1 + j2; ++M) {
            int m2 = M - m1, m2p = M - m1p;
            if (abs(m2) > j2 || abs(m2p) > j2) continue;
            double s = 0.0;
            for (int J = abs(j1 - j2); J <= j1 + j2; ++J)
              s += ace_clebsch_gordan(j1, m1, j2, m2, J, M) * ace_clebsch_gordan(j1, m1p, j2, m2p, J, M);
            double e = fabs(s - (m1 == m1p ? 1.0 : 0.0));
            if (e > max_err) max_err = e;
          }
  printf("orthogonality/completeness: max |diff| = %.3g\n", max_err);
  CHECK(max_err < 1e-14);
}

static void test_symmetries(void)
{
  int bad = 0;
  for (int j1 = 0; j1 <= 7; ++j1)
    for (int j2 = 0; j2 <= 7; ++j2)
      for (int J = abs(j1 - j2); J <= j1 + j2; ++J)
        for (int m1 = -j1; m1 <= j1; ++m1)
          for (int m2 = -j2; m2 <= j2; ++m2) {
            int M = m1 + m2;
            double c = ace_clebsch_gordan(j1, m1, j2, m2, J, M);
            int s = parity_sign(j1 + j2 - J);
            /* exchange and m-reversal symmetries hold bit for bit (same exact magnitude) */
            bad += ace_clebsch_gordan(j2, m2, j1, m1, J, M) != s * c;
            bad += ace_clebsch_gordan(j1, -m1, j2, -m2, J, -M) != s * c;
            /* 3j: cyclic permutations invariant, odd permutations give (-1)^(j1+j2+j3) */
            double w = ace_wigner3j(j1, j2, J, m1, m2, -M);
            bad += ace_wigner3j(j2, J, j1, m2, -M, m1) != w;
            bad += ace_wigner3j(J, j1, j2, -M, m1, m2) != w;
            bad += ace_wigner3j(j2, j1, J, m2, m1, -M) != parity_sign(j1 + j2 + J) * w;
          }
  CHECK(bad == 0);
}

static void test_cache(void)
{
  aceuq_error err = {0};
  ace_cg_cache *cache = NULL;
  CHECK(ace_cg_cache_create(34, &cache, &err) == ACEUQ_ERR_VALUE);
  CHECK(cache == NULL);
  CHECK_STR_CONTAINS(err.message, "out of range");
  CHECK(ace_cg_cache_create(8, &cache, &err) == ACEUQ_OK);
  const double *b = NULL;
  int bad = 0;
  for (int j1 = 0; j1 <= 8; j1 += 3)
    for (int j2 = 0; j2 <= 8; j2 += 2)
      for (int J = 0; J <= 8; ++J) {
        CHECK(ace_cg_cache_block(cache, j1, j2, J, &b, &err) == ACEUQ_OK);
        const double *again = NULL;
        CHECK(ace_cg_cache_block(cache, j1, j2, J, &again, &err) == ACEUQ_OK && again == b);
        for (int m1 = -j1; m1 <= j1; ++m1)
          for (int m2 = -j2; m2 <= j2; ++m2)
            bad += b[(m1 + j1) * (2 * j2 + 1) + m2 + j2] != ace_clebsch_gordan(j1, m1, j2, m2, J, m1 + m2);
      }
  CHECK(bad == 0);
  CHECK(ace_cg_cache_block(cache, 9, 1, 8, &b, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "above the table's 8");
  ace_cg_cache_free(cache);
  ace_cg_cache_free(NULL);
}

int main(void)
{
  test_against_reference();
  test_known_values();
  test_orthogonality();
  test_symmetries();
  test_cache();
  return check_summary("test_ace_cg");
}
