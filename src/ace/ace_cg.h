/* ace_cg.h -- Wigner 3j symbols and Clebsch-Gordan coefficients for integer
 * angular momenta, computed exactly (internal, see ../shared/docs/ace.md §7).
 *
 * Convention (ML-PACE):
 *   CG(j1 m1 j2 m2 | J M) = (-1)^(-j1+j2-M) sqrt(2J+1) (j1 j2 J; m1 m2 -M).
 *
 * Method: the Racah sum
 *   (j1 j2 j3; m1 m2 m3) = (-1)^(j1-j2-m3) sqrt(Delta (j1+m1)!(j1-m1)!(j2+m2)!(j2-m2)!(j3+m3)!(j3-m3)!)
 *        * sum_k (-1)^k / [k! (j3-j2+k+m1)! (j3-j1+k-m2)! (j1+j2-j3-k)! (j1-k-m1)! (j2-k+m2)!],
 *   Delta = (j1+j2-j3)!(j1-j2+j3)!(-j1+j2+j3)! / (j1+j2+j3+1)!,
 * is evaluated with every factorial held as prime exponents and the sum as
 * an exact big integer over the common denominator lcm(D_k).  A symbol is
 * therefore exactly 0.0 iff it is mathematically zero (selection rules and
 * the "non-trivial" zeros alike).  The square root of the remaining rational
 * is split into integer * sqrt(square-free) and formed in long double from
 * three exact big integers (about six roundings of 2^-64), so a non-zero
 * double result is the correctly rounded value except in rare near-halfway
 * cases (then 1 ulp).  The CG folds (2J+1) into the exact part as well.
 */
#ifndef ACEUQ_ACE_CG_H
#define ACEUQ_ACE_CG_H

#include "aceuq.h"

/* Largest j1 + j2 + j3 handled (factorials up to (ACE_CG_MAX_JSUM + 1)!). */
#define ACE_CG_MAX_JSUM 100

/* (j1 j2 j3; m1 m2 m3).  0.0 when a selection rule fails (m1+m2+m3 != 0,
 * |m_i| > j_i, triangle, negative j) or the symbol vanishes; NaN when
 * j1+j2+j3 > ACE_CG_MAX_JSUM. */
double ace_wigner3j(int j1, int j2, int j3, int m1, int m2, int m3);

/* CG(j1 m1 j2 m2 | J M); 0.0 unless M = m1 + m2 and the 3j is non-zero;
 * NaN beyond ACE_CG_MAX_JSUM. */
double ace_clebsch_gordan(int j1, int m1, int j2, int m2, int J, int M);

/* Whether ML-PACE's CG (wigner-cpp's three-term recursion in J) returns an
 * exact 0.0 for a coefficient that is mathematically zero.  Model: the
 * selection-rule zeros (|m| > j, |M| > J, M != m1+m2, triangle) are exact
 * by explicit checks; inside the rules the recursion
 *   J A(J+1) f(J+1) + B(J) f(J) + (J+1) A(J) f(J-1) = 0,
 *   B(J) = -(2J+1) [(j1(j1+1) - j2(j2+1)) m3 - J(J+1)(m2 - m1)],  m3 = -m1-m2,
 * has B = 0 for every J exactly when m1 = m2 and (m1 = 0 or j1 = j2): its
 * zeros (every other J) come out exactly 0.0.  All other ("accidental")
 * zeros come out as round-off (~1e-17), which ML-PACE keeps as non-zero.
 * Meaningful only where ace_clebsch_gordan(...) == 0.0. */
int ace_cg_zero_is_exact_in_recursion(int j1, int m1, int j2, int m2, int J, int M);

/* Cache of CG blocks for j1, j2, J <= jmax, each block filled on first use. */
typedef struct ace_cg_cache ace_cg_cache;

/* 0 <= jmax and 3 jmax <= ACE_CG_MAX_JSUM. */
aceuq_status ace_cg_cache_create(int jmax, ace_cg_cache **out, aceuq_error *err);
void ace_cg_cache_free(ace_cg_cache *cache);

/* *block = CG(j1 m1 j2 m2 | J m1+m2) for m1 = -j1..j1, m2 = -j2..j2 at
 * (*block)[(m1 + j1) * (2 j2 + 1) + (m2 + j2)] (0.0 where |m1+m2| > J).
 * The pointer stays valid until the cache is freed. */
aceuq_status ace_cg_cache_block(ace_cg_cache *cache, int j1, int j2, int J, const double **block,
                                aceuq_error *err);

#endif
