/* fit_posterior.c -- Bayesian posterior of a linear fit: seeded samples and the
 * posterior file (aceuq.h: aceuq_fit_posterior_*; format in docs/posterior_format.md).
 *
 * Samples c_s = mean + Q diag(sqrt(max(w, 0))) z_s with Sigma = Q diag(w) Q^T
 * (symmetric eigendecomposition, LAPACK dsyev: robust for the rank-deficient,
 * merely positive semi-definite covariances of real bases) and z_s standard
 * normal from a splitmix64 + Box-Muller stream of the seed: the same seed gives
 * the same samples on every machine and thread count (no BLAS in the loop). */
#include "aceuq.h"

#include "error_internal.h"
#include "npz_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                   double *work, const int *lwork, int *info);

static double next_uniform(unsigned long long *state) /* splitmix64 -> (0, 1) */
{
  unsigned long long z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

aceuq_status aceuq_fit_posterior_samples(const double *mean, const double *covariance, size_t K, size_t nsamples,
                                         unsigned long long seed, double *samples, aceuq_error *err)
{
  if (K == 0 || K > 100000) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "posterior: %zu coefficients", K);
  double *Q = malloc(K * K * sizeof *Q), *w = malloc(K * sizeof *w), *z = malloc(K * sizeof *z), q;
  aceuq_status st = ACEUQ_OK;
  if (!Q || !w || !z) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "posterior: out of memory (%zu coefficients)", K);
    goto done;
  }
  for (size_t i = 0; i < K * K; ++i) {
    if (!isfinite(covariance[i])) {
      st = aceuq_error_set(err, ACEUQ_ERR_VALUE, "posterior: covariance entry %zu is not finite", i);
      goto done;
    }
    Q[i] = covariance[i]; /* symmetric: row- and column-major alike */
  }
  const int n = (int)K;
  int lwork = -1, info = 0;
  dsyev_("V", "U", &n, Q, &n, w, &q, &lwork, &info);
  lwork = (int)q + 1;
  double *work = malloc((size_t)lwork * sizeof *work);
  if (!work) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "posterior: out of memory");
    goto done;
  }
  dsyev_("V", "U", &n, Q, &n, w, work, &lwork, &info);
  free(work);
  if (info != 0) {
    st = aceuq_error_set(err, ACEUQ_ERR_LINALG, "posterior: eigendecomposition failed (dsyev info %d)", info);
    goto done;
  }
  for (size_t k = 0; k < K; ++k) w[k] = sqrt(w[k] > 0.0 ? w[k] : 0.0);
  unsigned long long state = seed;
  for (size_t sidx = 0; sidx < nsamples; ++sidx) {
    for (size_t k = 0; k < K; k += 2) { /* Box-Muller pairs */
      const double u1 = next_uniform(&state), u2 = next_uniform(&state), r = sqrt(-2.0 * log(u1));
      z[k] = r * cos(6.283185307179586 * u2) * w[k];
      if (k + 1 < K) z[k + 1] = r * sin(6.283185307179586 * u2) * w[k + 1];
    }
    double *c = &samples[sidx * K];
    for (size_t i = 0; i < K; ++i) {
      double v = mean[i];
      for (size_t k = 0; k < K; ++k) v += Q[i + k * K] * z[k]; /* column k = eigenvector k */
      c[i] = v;
    }
  }
done:
  free(Q);
  free(w);
  free(z);
  return st;
}

aceuq_status aceuq_fit_posterior_write(const char *path, const aceuq_potential *pot, const double *mean,
                                       const double *covariance, const double *samples, size_t nsamples,
                                       double alpha, double lambda, unsigned long long seed, aceuq_error *err)
{
  const int nel = aceuq_potential_num_elements(pot);
  size_t K = 0;
  double *sizes = malloc((size_t)nel * sizeof *sizes), meta[4];
  if (!sizes) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", path);
  for (int e = 0; e < nel; ++e) {
    sizes[e] = (double)aceuq_potential_projection_size(pot, e, ACEUQ_PROJECTIONS_LINEAR);
    K += (size_t)sizes[e];
  }
  meta[0] = 1.0; /* format version */
  meta[1] = alpha;
  meta[2] = lambda;
  meta[3] = (double)seed;
  const char *keys[5] = {"format", "sizes", "mean", "covariance", "samples"};
  const double *data[5] = {meta, sizes, mean, covariance, samples};
  const size_t rows[5] = {1, 1, 1, K, nsamples}, cols[5] = {4, (size_t)nel, K, K, K};
  aceuq_status st = aceuq_npz_write_file(path, nsamples ? 5 : 4, keys, data, rows, cols, err);
  free(sizes);
  return st;
}
