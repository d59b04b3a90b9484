/* dopt_grade.c -- D-optimality extrapolation grades for a batch of atoms.
 *
 *   gamma_i = max_k | sum_j b_ij Ainv[j,k] |          (= ||b_i Ainv||_inf)
 *
 * for n atoms of one element at once: C = B Ainv is one dgemm over a chunk
 * of rows (bounded workspace), then a row-wise max |.|.  Optionally also the
 * round-off scale s_i = max_k sum_j |b_ij Ainv[j,k]|: gamma is a sum with
 * cancellations and is only determined to ~1e-16 * s_i (the absolute
 * tolerance of the reference data). */
#include "aceuq.h"

#include "error_internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

/* dgemm from the linked BLAS (Fortran interface, column-major) */
extern void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
                   const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
                   const double *beta, double *c, const int *ldc);

/* rows per dgemm: enough to run at BLAS-3 speed, at most ~4 MB of C */
enum { GRADE_CHUNK_BYTES = 4 << 20, GRADE_CHUNK_MAX_ROWS = 512 };

struct aceuq_grade_workspace {
  size_t max_K;
  size_t rows; /* chunk rows */
  double *c;   /* rows x max_K */
  double *s;   /* max_K: round-off accumulator */
};

aceuq_status aceuq_grade_workspace_create(size_t max_K, aceuq_grade_workspace **out, aceuq_error *err)
{
  if (!out) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "grade workspace: no output handle");
  *out = NULL;
  if (max_K == 0 || max_K > INT_MAX)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "grade workspace: matrix size %zu out of range", max_K);
  aceuq_grade_workspace *ws = calloc(1, sizeof *ws);
  if (!ws) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "grade workspace: out of memory");
  ws->max_K = max_K;
  ws->rows = GRADE_CHUNK_BYTES / (8 * max_K);
  if (ws->rows < 1) ws->rows = 1;
  if (ws->rows > GRADE_CHUNK_MAX_ROWS) ws->rows = GRADE_CHUNK_MAX_ROWS;
  ws->c = malloc(ws->rows * max_K * sizeof *ws->c);
  ws->s = malloc(max_K * sizeof *ws->s);
  if (!ws->c || !ws->s) {
    aceuq_grade_workspace_free(ws);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "grade workspace: cannot allocate %zu x %zu doubles", ws->rows,
                           max_K);
  }
  *out = ws;
  return ACEUQ_OK;
}

void aceuq_grade_workspace_free(aceuq_grade_workspace *ws)
{
  if (!ws) return;
  free(ws->c);
  free(ws->s);
  free(ws);
}

size_t aceuq_grade_workspace_bytes(const aceuq_grade_workspace *ws)
{
  return ws ? (ws->rows + 1) * ws->max_K * sizeof(double) : 0;
}

/* max_k |row_k|; a NaN anywhere makes the result NaN (never silently dropped) */
static double row_max_abs(const double *row, size_t K)
{
  double m = 0.0;
  for (size_t k = 0; k < K; ++k) {
    double v = fabs(row[k]);
    if (!(v <= m)) m = v;
  }
  return m;
}

/* s = max_k sum_j |b_j Ainv[j,k]|, O(K^2), no K^2 scratch */
static double roundoff_scale(const double *Ainv, size_t K, const double *b, double *s)
{
  for (size_t k = 0; k < K; ++k) s[k] = 0.0;
  for (size_t j = 0; j < K; ++j) {
    const double bj = fabs(b[j]);
    const double *a = Ainv + j * K;
    for (size_t k = 0; k < K; ++k) s[k] += bj * fabs(a[k]);
  }
  return row_max_abs(s, K);
}

aceuq_status aceuq_dopt_grade_batch(aceuq_grade_workspace *ws, const double *Ainv, size_t K, const double *proj,
                                    size_t n, double *gamma, double *roundoff, aceuq_error *err)
{
  if (!ws || (!Ainv && K) || (!proj && n && K) || (!gamma && n))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "extrapolation grades: NULL argument");
  if (K > ws->max_K)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "extrapolation grades: active set of size %zu exceeds the workspace size %zu", K,
                           ws->max_K);
  if (K == 0) {
    for (size_t i = 0; i < n; ++i) gamma[i] = 0.0;
    if (roundoff)
      for (size_t i = 0; i < n; ++i) roundoff[i] = 0.0;
    return ACEUQ_OK;
  }
  const int k = (int)K;
  const double one = 1.0, zero = 0.0;
  for (size_t i0 = 0; i0 < n; i0 += ws->rows) {
    const size_t m = n - i0 < ws->rows ? n - i0 : ws->rows;
    const int mi = (int)m;
    /* row-major C (m x K) = B (m x K) Ainv (K x K)  <=>  column-major C^T = Ainv^T B^T */
    dgemm_("N", "N", &k, &mi, &k, &one, Ainv, &k, proj + i0 * K, &k, &zero, ws->c, &k);
    for (size_t r = 0; r < m; ++r) gamma[i0 + r] = row_max_abs(ws->c + r * K, K);
  }
  if (roundoff)
    for (size_t i = 0; i < n; ++i) roundoff[i] = roundoff_scale(Ainv, K, proj + i * K, ws->s);
  return ACEUQ_OK;
}
