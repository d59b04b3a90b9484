/* ace_ylm.h -- complex spherical harmonics in the ML-PACE convention
 * (ace.md section 5): Condon-Shortley phase, normalised to Y_00 = 1, i.e.
 * sqrt(4 pi) times the orthonormal Y_lm, so that
 *   int Y_lm conj(Y_l'm') dOmega = 4 pi delta_ll' delta_mm',
 *   |Y_l0|^2 + 2 sum_{m>0} |Y_lm|^2 = 2l + 1.
 * For a unit vector (x, y, z):  Y_lm = Pbar_lm(z) (x + i y)^m,  m = 0..l, with
 *   Pbar_00 = 1,  Pbar_ll = -sqrt(1 + 1/(2l)) Pbar_{l-1,l-1},
 *   Pbar_{l,l-1} = sqrt(2l + 1) z Pbar_{l-1,l-1},
 *   Pbar_lm = a_lm (z Pbar_{l-1,m} + b_lm Pbar_{l-2,m})  (m < l - 1),
 *   a_lm = sqrt((4l^2 - 1)/(l^2 - m^2)),  b_lm = -sqrt(((l-1)^2 - m^2)/(4(l-1)^2 - 1)).
 * Negative m are not computed: Y_{l,-m} = (-1)^m conj(Y_lm).
 * The gradient is the tangential one, dY = grad Y - (rhat . grad Y) rhat
 * (the gradient of Y(v/|v|) at |v| = 1), so dY(r_vec)/dr_vec = dY / r.
 */
#ifndef ACEUQ_ACE_YLM_H
#define ACEUQ_ACE_YLM_H

#include <stddef.h>

/* A complex number as two doubles (same layout as double[2] / C99 complex). */
typedef struct ace_complex {
  double re, im;
} ace_complex;

/* index of (l, m), 0 <= m <= l, in the arrays of ace_ylm_eval */
static inline int ace_ylm_index(int l, int m) { return l * (l + 1) / 2 + m; }
/* number of (l, m) pairs with l <= lmax, m >= 0 */
static inline int ace_ylm_count(int lmax) { return (lmax + 1) * (lmax + 2) / 2; }

/* The recursion coefficients (square roots) for l <= lmax, made once per
 * evaluator; read-only afterwards, so one table serves every thread. */
typedef struct ace_ylm_table ace_ylm_table;
/* NULL when out of memory. */
ace_ylm_table *ace_ylm_table_create(int lmax);
void ace_ylm_table_free(ace_ylm_table *t);
int ace_ylm_table_lmax(const ace_ylm_table *t);

/* One direction (the reference for ace_ylm_eval_many, which the evaluator uses):
 * Y[ace_ylm_index(l, m)] for l = 0..lmax (the table's), m = 0..l, from the
 * unit vector rhat; dY (may be NULL) [3 * ace_ylm_count(lmax)]: dY[3*index + a]
 * is the tangential derivative along Cartesian direction a.  No allocation. */
void ace_ylm_eval(const ace_ylm_table *t, const double rhat[3], ace_complex *Y, ace_complex *dY);

/* The same for n unit vectors rhat[3 q + a]: Y[q * count + index], dY[3 (q * count + index) + a]
 * (count = ace_ylm_count(lmax)); vectorised over directions, equal to ace_ylm_eval to rounding. */
void ace_ylm_eval_many(const ace_ylm_table *t, size_t n, const double *rhat, ace_complex *Y, ace_complex *dY);

#endif
