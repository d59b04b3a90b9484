/* fit_solve.c -- weighted linear least squares for the fits, streamed
 * (aceuq.h: aceuq_fit_accumulator_*, aceuq_fit_solve_*).
 *
 * Rows arrive in blocks; sqrt(w) [x | y] is folded into the R factor of the
 * augmented matrix by Householder TSQR (tsqr_fold, as the active-set builder): memory O(P^2) for P
 * columns, whatever the number of rows, and the normal equations X^T X are
 * never formed (the condition number is not squared).  With
 *   R_aug = [R z; 0 rho],  R = U S V^T (SVD of the P x P factor):
 *   ||y - X c||^2 = ||z - R c||^2 + rho^2,  X^T y = V S U^T z,
 *   ridge      c = V diag(s / (s^2 + lambda)) U^T z
 *   Bayesian   precisions alpha (noise) and lambda (weights) by evidence
 *              maximisation, the fixed-point iteration of sklearn's
 *              BayesianRidge (MacKay): c = V diag(s / (s^2 + lambda/alpha)) U^T z,
 *              gamma = sum alpha s^2 / (lambda + alpha s^2),
 *              lambda <- (gamma + 2 l1) / (|c|^2 + 2 l2),
 *              alpha  <- (n - gamma + 2 a1) / (rss + 2 a2),
 *              until sum |c_new - c_old| < tol; posterior covariance
 *              Sigma = V diag(1 / (alpha s^2 + lambda)) V^T. */
#include "aceuq.h"

#include "error_internal.h"
#include "fit_internal.h"
#include "tsqr_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

extern void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s, double *u,
                    const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork, int *iwork,
                    int *info);

enum { FIT_QR_ROWS = 512 };

struct aceuq_fit_accumulator {
  size_t P;        /* columns of X */
  double *R;       /* (P+1) x (P+1) column-major, upper triangle of sqrt(w) [X | y] */
  double *blk;     /* FIT_QR_ROWS x (P+1) column-major block */
  double *scratch; /* tsqr_fold's */
  size_t nrows;
  double sum_y, sum_y2; /* of sqrt(w) y, for the initial noise precision */
};

aceuq_status aceuq_fit_accumulator_create(size_t ncols, aceuq_fit_accumulator **out, aceuq_error *err)
{
  *out = NULL;
  if (ncols == 0 || ncols > 100000)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "fit: %zu columns (expected 1..100000)", ncols);
  aceuq_fit_accumulator *a = calloc(1, sizeof *a);
  if (!a) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "fit: out of memory");
  const size_t Q = ncols + 1;
  a->P = ncols;
  a->R = calloc(Q * Q, sizeof *a->R);
  a->blk = malloc((size_t)FIT_QR_ROWS * Q * sizeof *a->blk);
  a->scratch = malloc(tsqr_scratch_size(Q) * sizeof *a->scratch);
  if (!a->R || !a->blk || !a->scratch) {
    aceuq_fit_accumulator_free(a);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "fit: out of memory for %zu columns (%.1f MB)", ncols,
                           (double)Q * Q * 8e-6);
  }
  *out = a;
  return ACEUQ_OK;
}

void aceuq_fit_accumulator_free(aceuq_fit_accumulator *a)
{
  if (!a) return;
  free(a->R);
  free(a->blk);
  free(a->scratch);
  free(a);
}

size_t aceuq_fit_accumulator_rows(const aceuq_fit_accumulator *a) { return a ? a->nrows : 0; }

aceuq_status aceuq_fit_accumulator_add(aceuq_fit_accumulator *a, const double *rows, const double *targets,
                                       const double *weights, size_t n, aceuq_error *err)
{
  const size_t P = a->P, Q = P + 1;
  for (size_t i = 0; i < n; ++i) {
    const double w = weights ? weights[i] : 1.0;
    if (!(w >= 0.0) || !isfinite(w))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "fit: row %zu: weight %g is not a finite number >= 0",
                             a->nrows + i, w);
    if (!isfinite(targets[i]))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "fit: row %zu: target %g is not finite", a->nrows + i,
                             targets[i]);
    for (size_t c = 0; c < P; ++c)
      if (!isfinite(rows[i * P + c]))
        return aceuq_error_set(err, ACEUQ_ERR_VALUE, "fit: row %zu, column %zu: %g is not finite", a->nrows + i,
                               c, rows[i * P + c]);
  }
  for (size_t i0 = 0; i0 < n; i0 += FIT_QR_ROWS) {
    const size_t m = n - i0 < FIT_QR_ROWS ? n - i0 : FIT_QR_ROWS;
    for (size_t i = 0; i < m; ++i) {
      const double s = sqrt(weights ? weights[i0 + i] : 1.0), y = s * targets[i0 + i];
      for (size_t c = 0; c < P; ++c) a->blk[i + c * m] = s * rows[(i0 + i) * P + c];
      a->blk[i + P * m] = y;
      a->sum_y += y;
      a->sum_y2 += y * y;
    }
    aceuq_status st = tsqr_fold(a->R, Q, a->blk, m, a->scratch, "fit", err);
    if (st) return st;
  }
  a->nrows += n;
  return ACEUQ_OK;
}

void fit_svd_free(fit_svd *d)
{
  free(d->U);
  free(d->s);
  free(d->VT);
  free(d->z);
  free(d->utz);
}

aceuq_status fit_svd_make(const aceuq_fit_accumulator *a, fit_svd *d, aceuq_error *err)
{
  const size_t P = a->P, Q = P + 1;
  memset(d, 0, sizeof *d);
  d->P = P;
  if (a->nrows == 0) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "fit: no rows (no training data)");
  double *Rx = malloc(P * P * sizeof *Rx);
  d->U = malloc(P * P * sizeof *d->U);
  d->s = malloc(P * sizeof *d->s);
  d->VT = malloc(P * P * sizeof *d->VT);
  d->z = malloc(P * sizeof *d->z);
  d->utz = malloc(P * sizeof *d->utz);
  int *iwork = malloc(8 * P * sizeof *iwork);
  aceuq_status st = ACEUQ_OK;
  if (!Rx || !d->U || !d->s || !d->VT || !d->z || !d->utz || !iwork) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "fit: out of memory (SVD of %zu columns)", P);
    goto done;
  }
  for (size_t c = 0; c < P; ++c)
    for (size_t r = 0; r < P; ++r) Rx[r + c * P] = r <= c ? a->R[r + c * Q] : 0.0;
  for (size_t r = 0; r < P; ++r) d->z[r] = a->R[r + P * Q];
  d->rho2 = a->R[P + P * Q] * a->R[P + P * Q];
  const int n = (int)P;
  int lwork = -1, info = 0;
  double q;
  dgesdd_("S", &n, &n, Rx, &n, d->s, d->U, &n, d->VT, &n, &q, &lwork, iwork, &info);
  lwork = (int)q + 1;
  double *work = malloc((size_t)lwork * sizeof *work);
  if (!work) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "fit: out of memory (SVD workspace)");
    goto done;
  }
  dgesdd_("S", &n, &n, Rx, &n, d->s, d->U, &n, d->VT, &n, work, &lwork, iwork, &info);
  free(work);
  if (info != 0) {
    st = aceuq_error_set(err, ACEUQ_ERR_LINALG, "fit: SVD did not converge (dgesdd info %d)", info);
    goto done;
  }
  for (size_t k = 0; k < P; ++k) { /* U^T z */
    double v = 0.0;
    for (size_t r = 0; r < P; ++r) v += d->U[r + k * P] * d->z[r];
    d->utz[k] = v;
  }
done:
  free(Rx);
  free(iwork);
  if (st) fit_svd_free(d);
  return st;
}

/* c = V diag(s / (s^2 + ratio)) U^T z; returns ||y - X c||^2 */
static double fit_coef(const fit_svd *d, double ratio, double *c, double *tmp)
{
  const size_t P = d->P;
  for (size_t k = 0; k < P; ++k) tmp[k] = d->s[k] / (d->s[k] * d->s[k] + ratio) * d->utz[k];
  for (size_t i = 0; i < P; ++i) {
    double v = 0.0;
    for (size_t k = 0; k < P; ++k) v += d->VT[k + i * P] * tmp[k];
    c[i] = v;
  }
  /* ||z - R c||^2 + rho^2 = ||U^T z - S V^T c||^2 + rho^2 */
  double rss = d->rho2;
  for (size_t k = 0; k < P; ++k) {
    double vc = 0.0;
    for (size_t i = 0; i < P; ++i) vc += d->VT[k + i * P] * c[i];
    const double r = d->utz[k] - d->s[k] * vc;
    rss += r * r;
  }
  return rss;
}

aceuq_status aceuq_fit_solve_ridge(const aceuq_fit_accumulator *a, double lambda, double *coef, double *rss,
                                   aceuq_error *err)
{
  if (!(lambda >= 0.0) || !isfinite(lambda))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "fit: ridge lambda %g must be a finite number >= 0", lambda);
  fit_svd d;
  aceuq_status st = fit_svd_make(a, &d, err);
  if (st) return st;
  double *tmp = malloc(a->P * sizeof *tmp);
  if (!tmp) {
    fit_svd_free(&d);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "fit: out of memory");
  }
  if (lambda == 0.0 && d.s[a->P - 1] <= d.s[0] * 1e-14) {
    st = aceuq_error_set(err, ACEUQ_ERR_LINALG, "fit: the design matrix is rank-deficient (singular values %.3g "
                         "... %.3g): use lambda > 0 or the Bayesian solver", d.s[0], d.s[a->P - 1]);
  } else {
    const double r = fit_coef(&d, lambda, coef, tmp);
    if (rss) *rss = r;
  }
  free(tmp);
  fit_svd_free(&d);
  return st;
}

void aceuq_fit_bayes_options_default(aceuq_fit_bayes_options *o)
{
  o->max_iter = 300;
  o->tol = 1e-3;
  o->alpha_1 = o->alpha_2 = o->lambda_1 = o->lambda_2 = 1e-6;
  o->alpha_init = 0.0;
  o->lambda_init = 1.0;
}

aceuq_status aceuq_fit_solve_bayes(const aceuq_fit_accumulator *a, const aceuq_fit_bayes_options *opt, double *coef,
                                   double *covariance, aceuq_fit_bayes_result *res, aceuq_error *err)
{
  aceuq_fit_bayes_options o;
  if (opt) o = *opt;
  else aceuq_fit_bayes_options_default(&o);
  if (o.max_iter < 1 || !(o.tol >= 0.0) || !(o.lambda_init > 0.0) || !(o.alpha_init >= 0.0))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "fit: Bayesian options out of range");
  fit_svd d;
  aceuq_status st = fit_svd_make(a, &d, err);
  if (st) return st;
  const size_t P = a->P;
  const double n = (double)a->nrows;
  double *tmp = malloc(P * sizeof *tmp), *old = malloc(P * sizeof *old);
  if (!tmp || !old) {
    free(tmp);
    free(old);
    fit_svd_free(&d);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "fit: out of memory");
  }
  const double mean = a->sum_y / n, var = fmax(a->sum_y2 / n - mean * mean, 0.0);
  double alpha = o.alpha_init > 0.0 ? o.alpha_init : 1.0 / (var + DBL_EPSILON), lambda = o.lambda_init;
  double rss = 0.0, gamma = 0.0;
  int it = 0;
  for (; it < o.max_iter; ++it) {
    rss = fit_coef(&d, lambda / alpha, coef, tmp);
    double c2 = 0.0;
    gamma = 0.0;
    for (size_t k = 0; k < P; ++k) {
      const double e = d.s[k] * d.s[k];
      gamma += alpha * e / (lambda + alpha * e);
      c2 += coef[k] * coef[k];
    }
    lambda = (gamma + 2.0 * o.lambda_1) / (c2 + 2.0 * o.lambda_2);
    alpha = (n - gamma + 2.0 * o.alpha_1) / (rss + 2.0 * o.alpha_2);
    double change = 0.0;
    for (size_t k = 0; k < P; ++k) change += fabs(old[k] - coef[k]);
    if (it != 0 && change < o.tol) break;
    memcpy(old, coef, P * sizeof *old);
  }
  rss = fit_coef(&d, lambda / alpha, coef, tmp);
  if (covariance) /* Sigma = V diag(1 / (alpha s^2 + lambda)) V^T */
    for (size_t i = 0; i < P; ++i)
      for (size_t j = 0; j < P; ++j) {
        double v = 0.0;
        for (size_t k = 0; k < P; ++k)
          v += d.VT[k + i * P] * d.VT[k + j * P] / (alpha * d.s[k] * d.s[k] + lambda);
        covariance[i * P + j] = v;
      }
  if (res) {
    res->alpha = alpha;
    res->lambda = lambda;
    res->gamma = gamma;
    res->rss = rss;
    res->iterations = it < o.max_iter ? it + 1 : o.max_iter;
    res->converged = it < o.max_iter;
  }
  free(tmp);
  free(old);
  fit_svd_free(&d);
  return ACEUQ_OK;
}
