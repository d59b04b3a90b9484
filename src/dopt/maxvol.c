/* maxvol.c -- MaxVol (Goreinov, Tyrtyshnikov et al.): r rows of an n x r
 * matrix whose r x r block has locally maximal |det|.
 *
 * The algorithm is the one of maxvolpy (used by pacemaker's pace_activeset),
 * written from its description (../shared/docs/dopt.md section 4):
 *   1. LU with partial pivoting of A (dgetrf); the first r pivot rows are the
 *      starting basis.  A zero pivot (rank < r) is an error.
 *   2. C = A A[basis]^-1 (n x r).  With P A = L U and L = [L1; L2] this is
 *      P^T [I; L2 L1^-1]: one triangular solve with the unit lower L1 instead
 *      of two with U and L1 (the same matrix; the basis rows come out as exact
 *      unit vectors and no copy of A is needed beside the factors).
 *   3. Swaps: (j, i) = argmax |C_ji|; stop when |C_ji| <= tol or after
 *      max_iters swaps; else basis[i] = j and the rank-1 update
 *      C -= (1/C_ji) C[:,i] (C[j,:] - e_i), which is C for the new basis.
 *      Each swap multiplies |det A[basis]| by |C_ji| > tol >= 1, so the loop
 *      cannot cycle.
 * Ties in step 3 go to the first strict maximum in row-major order (smallest
 * row, then smallest column); ties in step 1 are those of dgetrf (the first
 * row with the largest |pivot|).  Both depend on the row order only when two
 * candidates are equal to the last bit.
 *
 * Everything is column-major and in place (n * r doubles for C, plus
 * O(n + r^2) scratch); the swap loop fuses the rank-1 update with the
 * column maxima, one pass over C per swap. */
#include "aceuq.h"

#include "error_internal.h"
#include "maxvol_internal.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK / BLAS from the linked OpenBLAS (Fortran interface, column-major) */
extern void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
extern void dtrsm_(const char *side, const char *uplo, const char *transa, const char *diag, const int *m,
                   const int *n, const double *alpha, const double *a, const int *lda, double *b, const int *ldb);

aceuq_status aceuq_maxvol_lu_start(double *F, size_t n, size_t r, size_t *basis, double *logvol, aceuq_error *err)
{
  if (r == 0 || n < r || n > INT_MAX)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "MaxVol: %zu x %zu matrix out of range (need n >= r >= 1)", n, r);
  const int N = (int)n, R = (int)r;
  int info = 0;
  int *ipiv = malloc(r * sizeof *ipiv);
  size_t *perm = malloc(n * sizeof *perm);
  double *L1 = malloc(r * r * sizeof *L1);
  double *tmp = malloc(n * sizeof *tmp);
  aceuq_status st = ACEUQ_OK;
  if (!ipiv || !perm || !L1 || !tmp) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "MaxVol: out of memory (%zu x %zu)", n, r);
    goto done;
  }
  dgetrf_(&N, &R, F, &N, ipiv, &info);
  if (info < 0) {
    st = aceuq_error_set(err, ACEUQ_ERR_INTERNAL, "MaxVol: dgetrf argument %d is invalid", -info);
    goto done;
  }
  if (info > 0) {
    st = aceuq_error_set(err, ACEUQ_ERR_LINALG,
                         "MaxVol: the %zu x %zu matrix has rank < %zu (zero pivot in column %d of its LU "
                         "factorisation): no non-singular starting block", n, r, r, info);
    goto done;
  }
  double lv = 0.0;
  for (size_t i = 0; i < r; ++i) lv += log(fabs(F[i + i * n]));
  *logvol = lv;
  for (size_t p = 0; p < n; ++p) perm[p] = p;
  for (size_t k = 0; k < r; ++k) {
    size_t p = (size_t)ipiv[k] - 1, t = perm[k];
    perm[k] = perm[p];
    perm[p] = t;
  }
  /* L1 (unit lower) out of the factors; the top block of C is I */
  for (size_t c = 0; c < r; ++c)
    for (size_t i = 0; i < r; ++i) {
      L1[i + c * r] = i > c ? F[i + c * n] : (i == c ? 1.0 : 0.0);
      F[i + c * n] = i == c ? 1.0 : 0.0;
    }
  if (n > r) { /* L2 := L2 L1^-1 */
    const int M2 = (int)(n - r);
    const double one = 1.0;
    dtrsm_("R", "L", "N", "U", &M2, &R, &one, L1, &R, F + r, &N);
  }
  /* row p of the pivoted C is row perm[p] of C */
  for (size_t c = 0; c < r; ++c) {
    double *col = F + c * n;
    for (size_t p = 0; p < n; ++p) tmp[perm[p]] = col[p];
    memcpy(col, tmp, n * sizeof *col);
  }
  for (size_t i = 0; i < r; ++i) basis[i] = perm[i];
done:
  free(ipiv);
  free(perm);
  free(L1);
  free(tmp);
  return st;
}

aceuq_status aceuq_maxvol_given_start(double *F, size_t n, size_t r, const size_t *start, aceuq_error *err)
{
  if (r == 0 || n < r || n > INT_MAX)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "MaxVol: %zu x %zu matrix out of range (need n >= r >= 1)", n, r);
  const int N = (int)n, R = (int)r;
  int info = 0;
  int *ipiv = malloc(r * sizeof *ipiv);
  double *Fs = malloc(r * r * sizeof *Fs);
  aceuq_status st = ACEUQ_OK;
  if (!ipiv || !Fs) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "MaxVol: out of memory (%zu x %zu)", r, r);
    goto done;
  }
  for (size_t c = 0; c < r; ++c)
    for (size_t i = 0; i < r; ++i) {
      if (start[i] >= n) {
        st = aceuq_error_set(err, ACEUQ_ERR_INTERNAL, "MaxVol: start row %zu out of range", start[i]);
        goto done;
      }
      Fs[i + c * r] = F[start[i] + c * n];
    }
  dgetrf_(&R, &R, Fs, &R, ipiv, &info);
  if (info != 0) {
    st = aceuq_error_set(err, ACEUQ_ERR_LINALG, "MaxVol: the %zu x %zu starting block is singular (dgetrf info %d)",
                         r, r, info);
    goto done;
  }
  /* P Fs = L U  =>  F Fs^-1 = (F U^-1 L^-1) P: two solves, then the column
   * interchanges of P in reverse order */
  const double one = 1.0;
  dtrsm_("R", "U", "N", "N", &N, &R, &one, Fs, &R, F, &N);
  dtrsm_("R", "L", "N", "U", &N, &R, &one, Fs, &R, F, &N);
  for (size_t k = r; k-- > 0;) {
    size_t p = (size_t)ipiv[k] - 1;
    if (p != k) {
      double *a = F + k * n, *b = F + p * n;
      for (size_t j = 0; j < n; ++j) {
        double t = a[j];
        a[j] = b[j];
        b[j] = t;
      }
    }
  }
  for (size_t i = 0; i < r; ++i)
    for (size_t c = 0; c < r; ++c) F[start[i] + c * n] = c == i ? 1.0 : 0.0;
done:
  free(ipiv);
  free(Fs);
  return st;
}

/* max |col[j]|; *nan |= any NaN (vectorisable: no branches) */
static double column_max(const double *col, size_t n, int *nan)
{
  double m = 0.0;
  int bad = 0;
  for (size_t j = 0; j < n; ++j) {
    double v = fabs(col[j]);
    m = v > m ? v : m;
    bad |= v != v;
  }
  *nan |= bad;
  return m;
}

/* first strict maximum of |C| in row-major order, from the column maxima */
static double find_max(const double *C, size_t n, size_t r, const double *colmax, size_t *bj, size_t *bi)
{
  double best = 0.0;
  for (size_t c = 0; c < r; ++c)
    if (colmax[c] > best) best = colmax[c];
  *bj = n;
  *bi = 0;
  for (size_t c = 0; c < r; ++c) {
    if (colmax[c] != best) continue;
    const double *col = C + c * n;
    for (size_t j = 0; j < n && j < *bj; ++j)
      if (fabs(col[j]) == best) {
        *bj = j; /* smaller row wins; equal rows: the earlier column stays */
        *bi = c;
        break;
      }
  }
  if (*bj == n) *bj = 0; /* C == 0 cannot happen (basis rows hold 1) */
  return best;
}

aceuq_status aceuq_maxvol_swaps(double *C, size_t n, size_t r, size_t *basis, double tol, int max_iters,
                                int *iters, double *max_c, aceuq_error *err)
{
  if (!(tol >= 1.0)) tol = 1.0; /* also NaN -> 1 (callers validate) */
  if (max_iters < 0) max_iters = 0;
  double *colmax = malloc(r * sizeof *colmax);
  double *x = malloc(n * sizeof *x);
  double *y = malloc(r * sizeof *y);
  aceuq_status st = ACEUQ_OK;
  int it = 0, nan = 0;
  double best = 0.0;
  if (!colmax || !x || !y) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "MaxVol: out of memory (%zu rows)", n);
    goto done;
  }
  for (size_t c = 0; c < r; ++c) colmax[c] = column_max(C + c * n, n, &nan);
  size_t j, i;
  best = find_max(C, n, r, colmax, &j, &i);
  while (!nan && isfinite(best) && best > tol && it < max_iters) {
    basis[i] = j;
    const double alpha = -1.0 / C[j + i * n];
    memcpy(x, C + i * n, n * sizeof *x);
    for (size_t c = 0; c < r; ++c) y[c] = C[j + c * n] - (c == i ? 1.0 : 0.0);
    for (size_t c = 0; c < r; ++c) {
      const double a = alpha * y[c];
      if (a == 0.0) continue; /* column unchanged, its maximum too */
      double *col = C + c * n, m = 0.0;
      int bad = 0;
      for (size_t k = 0; k < n; ++k) {
        col[k] += a * x[k];
        double v = fabs(col[k]);
        m = v > m ? v : m;
        bad |= v != v;
      }
      colmax[c] = m;
      nan |= bad;
    }
    /* row j is e_i up to rounding: make it exact (then the other basis rows
     * stay exact too, their entries in column i being exact zeros) */
    for (size_t c = 0; c < r; ++c) C[j + c * n] = c == i ? 1.0 : 0.0;
    colmax[i] = column_max(C + i * n, n, &nan);
    ++it;
    best = find_max(C, n, r, colmax, &j, &i);
  }
  if (nan || !isfinite(best))
    st = aceuq_error_set(err, ACEUQ_ERR_LINALG,
                         "MaxVol: non-finite coefficients after %d swaps (overflow: the %zu x %zu matrix is too "
                         "ill-conditioned)", it, n, r);
done:
  *iters = it;
  *max_c = best;
  free(colmax);
  free(x);
  free(y);
  return st;
}

aceuq_status aceuq_maxvol(const double *A, size_t n, size_t r, double tol, int max_iters, size_t *rows, int *iters,
                          double *max_c, aceuq_error *err)
{
  int it = 0;
  double mc = 0.0;
  if (iters) *iters = 0;
  if (max_c) *max_c = 0.0;
  if (r == 0) return ACEUQ_OK;
  if (!A || !rows) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "aceuq_maxvol: NULL matrix or output");
  if (n < r)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "aceuq_maxvol: %zu rows < %zu columns: MaxVol needs at least as many rows as columns", n,
                           r);
  if (n > INT_MAX || r > INT_MAX / 2 || n > SIZE_MAX / sizeof(double) / r)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "aceuq_maxvol: %zu x %zu matrix is too large for LAPACK", n, r);
  if (tol != tol || max_iters < 0)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "aceuq_maxvol: invalid tol (%g) or max_iters (%d)", tol,
                           max_iters);
  for (size_t k = 0; k < n * r; ++k)
    if (!isfinite(A[k]))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "aceuq_maxvol: entry (%zu, %zu) is not finite (%g)", k / r,
                             k % r, A[k]);
  double *F = malloc(n * r * sizeof *F);
  if (!F) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "aceuq_maxvol: cannot allocate %zu x %zu doubles", n, r);
  for (size_t j = 0; j < n; ++j)
    for (size_t c = 0; c < r; ++c) F[j + c * n] = A[j * r + c];
  double logvol;
  aceuq_status st = aceuq_maxvol_lu_start(F, n, r, rows, &logvol, err);
  if (!st) st = aceuq_maxvol_swaps(F, n, r, rows, tol, max_iters, &it, &mc, err);
  free(F);
  if (iters) *iters = it;
  if (max_c) *max_c = mc;
  return st;
}
