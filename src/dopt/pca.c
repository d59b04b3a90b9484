/* pca.c -- standardisation + principal components of projection vectors: the
 * feature transform of the clustering-enhanced local active sets (.asil).
 *
 *   mean_k  = (1/n) sum_i B_ik
 *   s_k     = sqrt((1/n) sum_i (B_ik - mean_k)^2)      (population std)
 *   scale_k = s_k, or 1 for a zero-variance column (s_k <= 1e-12 max_i |B_ik|:
 *             constant up to round-off); such a column gets a zero row in the
 *             components, so it has no weight in the features
 *   R       = correlation matrix of the other columns (K x K, Z^T Z / n with
 *             Z the standardised matrix; zero rows/columns for the constant
 *             columns)
 *   components = eigenvectors of R for its d largest eigenvalues, i.e. the
 *             leading right singular vectors of Z, each with its largest
 *             |entry| positive (first such entry on ties): a deterministic sign
 *   rank    = number of eigenvalues > rank_rtol^2 * largest  (singular values
 *             of Z > rank_rtol * largest)
 *   d       = min(max_components, rank), at least 1.
 * The n x K matrix Z is never formed: the centred Gram matrix is accumulated
 * over row blocks with dsyrk (memory O(K^2 + block*K)), then dsyev.  The
 * sums run over the rows in the order given (aceuq_pca_fit_ordered), so a
 * canonical order makes the result independent of the order of B. */
#include "aceuq.h"

#include "error_internal.h"
#include "localset_internal.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK/BLAS, Fortran interface (column-major); the trailing size_t are the
 * hidden lengths of the character arguments (gfortran calling convention). */
extern void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha,
                   const double *a, const int *lda, const double *beta, double *c, const int *ldc, size_t luplo,
                   size_t ltrans);
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                   double *work, const int *lwork, int *info, size_t ljobz, size_t luplo);

enum { PCA_BLOCK_ROWS = 256, PCA_DEFAULT_COMPONENTS = 10 };

aceuq_status aceuq_pca_fit(const double *B, size_t n, size_t K, size_t max_components, double rank_rtol,
                           double *mean, double *scale, double *components, size_t *d, size_t *rank,
                           aceuq_error *err)
{
  return aceuq_pca_fit_ordered(B, NULL, n, K, max_components, rank_rtol, mean, scale, components, d, rank, err);
}

aceuq_status aceuq_pca_fit_ordered(const double *B, const size_t *order, size_t n, size_t K, size_t max_components,
                                   double rank_rtol, double *mean, double *scale, double *components, size_t *d,
                                   size_t *rank, aceuq_error *err)
{
  if (!B || !mean || !scale || !components || !d)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "feature transform (PCA): NULL argument");
  if (n == 0 || K == 0 || K > INT_MAX / 2)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "feature transform (PCA): %zu rows of %zu values: need at least "
                           "one row and 1 <= K <= %d", n, K, INT_MAX / 2);
  if (!(rank_rtol >= 0.0 && rank_rtol < 1.0))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "feature transform (PCA): rank_rtol = %g; must be in [0, 1)",
                           rank_rtol);
  if (n > SIZE_MAX / K || K > SIZE_MAX / sizeof(double) / K)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "feature transform (PCA): %zu x %zu is too large", n, K);
  const size_t dmax = (max_components ? max_components : PCA_DEFAULT_COMPONENTS) < K
                          ? (max_components ? max_components : PCA_DEFAULT_COMPONENTS)
                          : K;
  for (size_t i = 0; i < n * K; ++i)
    if (!isfinite(B[i]))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "feature transform (PCA): entry (%zu, %zu) is not finite (%g)",
                             i / K, i % K, B[i]);

  const size_t block = PCA_BLOCK_ROWS;
  double *G = calloc(K * K, sizeof *G);
  double *Z = malloc(block * K * sizeof *Z);
  double *w = malloc(K * sizeof *w);
  double *amax = calloc(K, sizeof *amax);
  double *work = NULL;
  aceuq_status st = ACEUQ_OK;
  if (!G || !Z || !w || !amax) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "feature transform (PCA): cannot allocate %zu x %zu doubles", K, K);
    goto done;
  }

  /* pass 1: means and max |B| per column (rows in the given order) */
  for (size_t k = 0; k < K; ++k) mean[k] = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double *b = B + (order ? order[i] : i) * K;
    for (size_t k = 0; k < K; ++k) {
      mean[k] += b[k];
      if (fabs(b[k]) > amax[k]) amax[k] = fabs(b[k]);
    }
  }
  for (size_t k = 0; k < K; ++k) mean[k] /= (double)n;

  /* pass 2: centred Gram matrix G = sum_i (b_i - mean)(b_i - mean)^T, upper
   * triangle (the row-major block is a column-major K x m matrix) */
  const int Ki = (int)K;
  const double one = 1.0;
  for (size_t i0 = 0; i0 < n; i0 += block) {
    const size_t m = n - i0 < block ? n - i0 : block;
    for (size_t r = 0; r < m; ++r) {
      const double *b = B + (order ? order[i0 + r] : i0 + r) * K;
      for (size_t k = 0; k < K; ++k) Z[r * K + k] = b[k] - mean[k];
    }
    const int mi = (int)m;
    dsyrk_("U", "N", &Ki, &mi, &one, Z, &Ki, &one, G, &Ki, 1, 1);
  }

  /* standard deviations, zero-variance columns, correlation matrix */
  for (size_t k = 0; k < K; ++k) {
    double s = sqrt(G[k * K + k] / (double)n);
    scale[k] = (s > 1e-12 * amax[k] && s > 0.0) ? s : 0.0; /* 0 marks a zero-variance column for now */
  }
  for (size_t j = 0; j < K; ++j)
    for (size_t i = 0; i <= j; ++i) /* column-major upper: G(i, j) at G[j*K + i] */
      G[j * K + i] = (scale[i] > 0.0 && scale[j] > 0.0) ? G[j * K + i] / ((double)n * scale[i] * scale[j]) : 0.0;

  /* eigen-decomposition (ascending eigenvalues, eigenvectors in the columns of G) */
  int info = 0, lwork = -1;
  double wq = 0.0;
  dsyev_("V", "U", &Ki, G, &Ki, w, &wq, &lwork, &info, 1, 1);
  lwork = info == 0 && wq >= 1.0 && wq < (double)INT_MAX ? (int)wq : 3 * Ki;
  if (lwork < 3 * Ki) lwork = 3 * Ki;
  work = malloc((size_t)lwork * sizeof *work);
  if (!work) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "feature transform (PCA): out of memory (LAPACK workspace)");
    goto done;
  }
  dsyev_("V", "U", &Ki, G, &Ki, w, work, &lwork, &info, 1, 1);
  if (info != 0) {
    st = aceuq_error_set(err, ACEUQ_ERR_LINALG, "feature transform (PCA): the eigen-decomposition of the %zu x %zu "
                         "correlation matrix failed (LAPACK dsyev info = %d)", K, K, info);
    goto done;
  }
  const double lmax = w[K - 1];
  size_t r = 0;
  for (size_t k = 0; k < K; ++k)
    if (lmax > 0.0 && w[k] > rank_rtol * rank_rtol * lmax) ++r;
  if (rank) *rank = r;
  size_t nd = r < dmax ? r : dmax;

  if (nd == 0) { /* no variance at all: one zero component (every row maps to f = 0) */
    for (size_t k = 0; k < K; ++k) components[k] = 0.0;
    nd = 1;
  } else {
    for (size_t c = 0; c < nd; ++c) {
      const double *v = G + (K - 1 - c) * K; /* c-th largest eigenvalue */
      size_t at = 0;
      for (size_t k = 1; k < K; ++k)
        if (fabs(v[k]) > fabs(v[at])) at = k;
      const double sign = v[at] < 0.0 ? -1.0 : 1.0;
      for (size_t k = 0; k < K; ++k) components[k * nd + c] = scale[k] > 0.0 ? sign * v[k] : 0.0;
    }
  }
  for (size_t k = 0; k < K; ++k)
    if (!(scale[k] > 0.0)) scale[k] = 1.0;
  *d = nd;

done:
  free(G);
  free(Z);
  free(w);
  free(amax);
  free(work);
  return st;
}
