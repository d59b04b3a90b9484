/* fit_pops.c -- POPS: the misspecification-aware posterior of a linear fit
 * (Swinburne & Perez, MLST 6, 015008 (2025); aceuq.h: aceuq_fit_pops_*).
 *
 * For the Bayesian-ridge solution w (precisions alpha, lambda) of the weighted
 * rows x_i = sqrt(w_i) row_i, y_i = sqrt(w_i) target_i, with the metric
 *   A^-1 = alpha Sigma_epi = (X^T X + (lambda/alpha) I)^-1 = V diag(1/(s^2 + r)) V^T,
 * every training row gets its pointwise optimal correction, the smallest
 * change in the A metric that makes the row exact:
 *   e_i = y_i - x_i.w,  h_i = max(x_i^T A^-1 x_i, 1e-6),  dw_i = A^-1 x_i e_i / h_i.
 * Rows with |e_i| < min_relative_error * RMSE (RMSE of the weighted residuals)
 * are left out.  Hypercube posterior: the eigenvectors of sum_i dw_i dw_i^T with
 * eigenvalue > 1e-8 of the largest span the corrections; along each of them
 * the box [min_i, max_i] of the projections; samples are uniform in the box
 * (seeded stream), Sigma_mis = mean of dw_s dw_s^T over the samples.
 * The rows are streamed twice (pass 1: second moment, pass 2: box), so memory
 * is O(K^2).  Everything is computed in the V basis: t_i = V^T dw_i
 * = diag(1/(s^2 + r)) (V^T x_i) e_i / h_i. */
#include "aceuq.h"

#include "error_internal.h"
#include "fit_internal.h"
#include "rng_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

extern void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
                   const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
                   const double *beta, double *c, const int *ldc);
extern void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha,
                   const double *a, const int *lda, const double *beta, double *c, const int *ldc);
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                   double *work, const int *lwork, int *info);

enum { POPS_BLOCK = 256 };

struct aceuq_fit_pops {
  size_t K;
  double *V;       /* K x K column-major: column k = right singular vector k */
  double *scale;   /* 1 / (s_k^2 + lambda/alpha) */
  double *coef;    /* w */
  double threshold; /* rows with |e| < threshold are left out */
  int pass;        /* 1: second moment, 2: box, 3: done */
  size_t rows, kept;
  double *M;       /* sum t t^T (K x K, column-major, upper triangle) */
  size_t nmodes;
  double *W;       /* K x nmodes: the kept eigenvectors of M (V basis) */
  double *lo, *hi; /* box along each mode */
  double *xt, *tt, *ut; /* block workspaces: rows^T, t's, projections */
};

void aceuq_fit_pops_free(aceuq_fit_pops *p)
{
  if (!p) return;
  free(p->V);
  free(p->scale);
  free(p->coef);
  free(p->M);
  free(p->W);
  free(p->lo);
  free(p->hi);
  free(p->xt);
  free(p->tt);
  free(p->ut);
  free(p);
}

aceuq_status aceuq_fit_pops_create(const aceuq_fit_accumulator *a, const double *coef, double alpha, double lambda,
                                   double min_relative_error, aceuq_fit_pops **out, aceuq_error *err)
{
  *out = NULL;
  if (!(alpha > 0) || !(lambda > 0) || !isfinite(alpha) || !isfinite(lambda) || !(min_relative_error >= 0))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "POPS: alpha %g and lambda %g must be > 0, the relative error "
                           "threshold %g >= 0", alpha, lambda, min_relative_error);
  fit_svd d;
  aceuq_status st = fit_svd_make(a, &d, err);
  if (st) return st;
  const size_t K = d.P;
  aceuq_fit_pops *p = calloc(1, sizeof *p);
  if (p) {
    p->K = K;
    p->V = malloc(K * K * sizeof *p->V);
    p->scale = malloc(K * sizeof *p->scale);
    p->coef = malloc(K * sizeof *p->coef);
    p->M = calloc(K * K, sizeof *p->M);
    p->xt = malloc(POPS_BLOCK * K * sizeof *p->xt);
    p->tt = malloc(POPS_BLOCK * K * sizeof *p->tt);
  }
  if (!p || !p->V || !p->scale || !p->coef || !p->M || !p->xt || !p->tt) {
    fit_svd_free(&d);
    aceuq_fit_pops_free(p);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "POPS: out of memory (%zu coefficients)", K);
  }
  const double ratio = lambda / alpha;
  for (size_t k = 0; k < K; ++k) {
    p->scale[k] = 1.0 / (d.s[k] * d.s[k] + ratio);
    for (size_t i = 0; i < K; ++i) p->V[i + k * K] = d.VT[k + i * K];
  }
  memcpy(p->coef, coef, K * sizeof *coef);
  /* weighted rss of w: ||U^T z - S V^T w||^2 + rho^2 */
  double rss = d.rho2;
  for (size_t k = 0; k < K; ++k) {
    double vw = 0.0;
    for (size_t i = 0; i < K; ++i) vw += d.VT[k + i * K] * coef[i];
    const double r = d.utz[k] - d.s[k] * vw;
    rss += r * r;
  }
  p->threshold = min_relative_error * sqrt(rss / (double)aceuq_fit_accumulator_rows(a));
  p->pass = 1;
  fit_svd_free(&d);
  *out = p;
  return ACEUQ_OK;
}

/* t's of the m rows in p->xt (column j = x_j); kept ones packed into p->tt, count returned */
static size_t pops_block(aceuq_fit_pops *p, const double *ys, int m)
{
  const int K = (int)p->K;
  const double one = 1.0, zero = 0.0;
  /* tt = V^T xt (K x m) */
  dgemm_("T", "N", &K, &m, &K, &one, p->V, &K, p->xt, &K, &zero, p->tt, &K);
  size_t kept = 0;
  for (int j = 0; j < m; ++j) {
    const double *x = &p->xt[(size_t)j * K];
    double *t = &p->tt[(size_t)j * K];
    double pred = 0.0, h = 0.0;
    for (int k = 0; k < K; ++k) {
      pred += x[k] * p->coef[k];
      h += t[k] * t[k] * p->scale[k];
    }
    const double e = ys[j] - pred;
    if (!(fabs(e) >= p->threshold)) continue;
    const double f = e / (h > 1e-6 ? h : 1e-6);
    double *dst = &p->tt[kept * K]; /* kept <= j: packing in place is safe */
    for (int k = 0; k < K; ++k) dst[k] = t[k] * p->scale[k] * f;
    ++kept;
  }
  return kept;
}

aceuq_status aceuq_fit_pops_add(aceuq_fit_pops *p, const double *rows, const double *targets, const double *weights,
                                size_t n, aceuq_error *err)
{
  if (p->pass > 2) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "POPS: both passes are done");
  const size_t K = p->K;
  double ys[POPS_BLOCK];
  for (size_t i0 = 0; i0 < n; i0 += POPS_BLOCK) {
    const int m = (int)(n - i0 < POPS_BLOCK ? n - i0 : POPS_BLOCK);
    for (int j = 0; j < m; ++j) {
      const double w = weights ? weights[i0 + j] : 1.0;
      if (!(w >= 0) || !isfinite(w) || !isfinite(targets[i0 + j]))
        return aceuq_error_set(err, ACEUQ_ERR_VALUE, "POPS: row %zu: weight %g or target %g is not finite",
                               p->rows + i0 + j, w, targets[i0 + j]);
      const double s = sqrt(w);
      ys[j] = s * targets[i0 + j];
      for (size_t c = 0; c < K; ++c) p->xt[(size_t)j * K + c] = s * rows[(i0 + j) * K + c];
    }
    const int kept = (int)pops_block(p, ys, m);
    const int Ki = (int)K;
    if (p->pass == 1) {
      p->kept += (size_t)kept;
      const double one = 1.0;
      if (kept) dsyrk_("U", "N", &Ki, &kept, &one, p->tt, &Ki, &one, p->M, &Ki);
    } else if (kept && p->nmodes) { /* u = W^T t: box along the modes */
      const int nm = (int)p->nmodes;
      const double one = 1.0, zero = 0.0;
      dgemm_("T", "N", &nm, &kept, &Ki, &one, p->W, &Ki, p->tt, &Ki, &zero, p->ut, &nm);
      for (int j = 0; j < kept; ++j)
        for (int q = 0; q < nm; ++q) {
          const double u = p->ut[(size_t)j * nm + q];
          if (u < p->lo[q]) p->lo[q] = u;
          if (u > p->hi[q]) p->hi[q] = u;
        }
    }
  }
  if (p->pass == 1) p->rows += n;
  return ACEUQ_OK;
}

aceuq_status aceuq_fit_pops_end_pass(aceuq_fit_pops *p, aceuq_error *err)
{
  const size_t K = p->K;
  if (p->pass == 2) {
    p->pass = 3;
    return ACEUQ_OK;
  }
  if (p->pass != 1) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "POPS: both passes are done");
  if (p->kept == 0)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "POPS: no training row has a residual above the threshold "
                           "(%zu rows): the fit is exact, there is no misspecification to sample", p->rows);
  double *Q = malloc(K * K * sizeof *Q), *ev = malloc(K * sizeof *ev), q;
  aceuq_status st = (Q && ev) ? ACEUQ_OK : aceuq_error_set(err, ACEUQ_ERR_NOMEM, "POPS: out of memory");
  const int n = (int)K;
  int lwork = -1, info = 0;
  if (!st) {
    memcpy(Q, p->M, K * K * sizeof *Q);
    dsyev_("V", "U", &n, Q, &n, ev, &q, &lwork, &info);
    lwork = (int)q + 1;
    double *work = malloc((size_t)lwork * sizeof *work);
    if (!work) st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "POPS: out of memory");
    else dsyev_("V", "U", &n, Q, &n, ev, work, &lwork, &info);
    free(work);
    if (!st && info != 0)
      st = aceuq_error_set(err, ACEUQ_ERR_LINALG, "POPS: eigendecomposition failed (dsyev info %d)", info);
  }
  if (!st) { /* modes with eigenvalue > 1e-8 of the largest (dsyev: ascending) */
    size_t first = K;
    while (first > 0 && ev[first - 1] > 1e-8 * ev[K - 1]) --first;
    p->nmodes = K - first;
    p->W = malloc(K * p->nmodes * sizeof *p->W);
    p->lo = malloc(p->nmodes * sizeof *p->lo);
    p->hi = malloc(p->nmodes * sizeof *p->hi);
    p->ut = malloc(POPS_BLOCK * p->nmodes * sizeof *p->ut);
    if (!p->W || !p->lo || !p->hi || !p->ut) st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "POPS: out of memory");
    for (size_t q2 = 0; !st && q2 < p->nmodes; ++q2) {
      memcpy(&p->W[q2 * K], &Q[(first + q2) * K], K * sizeof *p->W);
      p->lo[q2] = INFINITY;
      p->hi[q2] = -INFINITY;
    }
    if (!st) p->pass = 2;
  }
  free(Q);
  free(ev);
  return st;
}

void aceuq_fit_pops_info(const aceuq_fit_pops *p, size_t *rows, size_t *kept, size_t *modes)
{
  if (rows) *rows = p->rows;
  if (kept) *kept = p->kept;
  if (modes) *modes = p->nmodes;
}

/* coefficient-space vector V y of a V-basis vector y */
static void from_v_basis(const aceuq_fit_pops *p, const double *y, double *out)
{
  const size_t K = p->K;
  for (size_t i = 0; i < K; ++i) {
    double v = 0.0;
    for (size_t k = 0; k < K; ++k) v += p->V[i + k * K] * y[k];
    out[i] = v;
  }
}

aceuq_status aceuq_fit_pops_moment(const aceuq_fit_pops *p, double *moment, aceuq_error *err)
{
  if (p->pass < 2) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "POPS: the first pass is not finished");
  const size_t K = p->K;
  double *col = malloc(K * sizeof *col), *tmp = malloc(K * K * sizeof *tmp);
  if (!col || !tmp) {
    free(col);
    free(tmp);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "POPS: out of memory");
  }
  /* V (M / kept) V^T: tmp = V M (M symmetric, upper triangle stored) */
  for (size_t j = 0; j < K; ++j) {
    for (size_t k = 0; k < K; ++k) col[k] = (k <= j ? p->M[k + j * K] : p->M[j + k * K]) / (double)p->kept;
    from_v_basis(p, col, &tmp[j * K]);
  }
  for (size_t i = 0; i < K; ++i) { /* moment[i][j] = sum_k V[j,k] tmp[k][i] */
    for (size_t k = 0; k < K; ++k) col[k] = tmp[k * K + i];
    from_v_basis(p, col, &moment[i * K]);
  }
  free(col);
  free(tmp);
  return ACEUQ_OK;
}

aceuq_status aceuq_fit_pops_bounds(const aceuq_fit_pops *p, const double *x, double *lo, double *hi, aceuq_error *err)
{
  if (p->pass != 3) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "POPS: the second pass is not finished");
  const size_t K = p->K;
  *lo = *hi = 0.0;
  for (size_t q = 0; q < p->nmodes; ++q) { /* c_q = x . V W_q */
    double c = 0.0;
    for (size_t k = 0; k < K; ++k) {
      double vk = 0.0;
      for (size_t i = 0; i < K; ++i) vk += x[i] * p->V[i + k * K];
      c += vk * p->W[q * K + k];
    }
    const double a = c * p->lo[q], b = c * p->hi[q];
    *lo += a < b ? a : b;
    *hi += a < b ? b : a;
  }
  return ACEUQ_OK;
}

aceuq_status aceuq_fit_pops_samples(const aceuq_fit_pops *p, size_t nsamples, unsigned long long seed,
                                    double *samples, double *sigma_mis, aceuq_error *err)
{
  if (p->pass != 3) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "POPS: the second pass is not finished");
  const size_t K = p->K, nm = p->nmodes;
  double *u = malloc((nm ? nm : 1) * sizeof *u), *y = malloc(K * sizeof *y), *dw = malloc(K * sizeof *dw);
  if (!u || !y || !dw) {
    free(u);
    free(y);
    free(dw);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "POPS: out of memory");
  }
  if (sigma_mis) memset(sigma_mis, 0, K * K * sizeof *sigma_mis);
  unsigned long long state = seed;
  for (size_t s = 0; s < nsamples; ++s) {
    for (size_t q = 0; q < nm; ++q) u[q] = p->lo[q] + (p->hi[q] - p->lo[q]) * rng_uniform(&state);
    for (size_t k = 0; k < K; ++k) { /* y = W u (V basis) */
      double v = 0.0;
      for (size_t q = 0; q < nm; ++q) v += p->W[q * K + k] * u[q];
      y[k] = v;
    }
    from_v_basis(p, y, dw);
    for (size_t i = 0; i < K; ++i) samples[s * K + i] = p->coef[i] + dw[i];
    if (sigma_mis)
      for (size_t i = 0; i < K; ++i)
        for (size_t j = 0; j < K; ++j) sigma_mis[i * K + j] += dw[i] * dw[j] / (double)nsamples;
  }
  free(u);
  free(y);
  free(dw);
  return ACEUQ_OK;
}
