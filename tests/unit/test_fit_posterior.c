/* Posterior samples (aceuq_fit_posterior_samples): 40000 draws from N(m, S) for a
 * 6-dimensional S with correlations and one zero eigenvalue (rank 5, as real bases give):
 * sample mean within 4 standard errors of m, sample covariance within 3 % (Frobenius) of S,
 * the null direction exactly 0 in every sample, the same seed -> bit-identical samples, another
 * seed -> different ones; non-finite covariance refused.  The posterior file is exercised by
 * lammps.fit_recovery. */
#include "aceuq.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
  enum { K = 6, M = 40000 };
  /* S = B B^T with B (6 x 5): rank 5, null vector v = (1, -1, 0, 0, 0, 0)/sqrt2 by construction */
  double B[K][5] = {{1.0, 0.2, 0.0, 0.3, 0.1}, {1.0, 0.2, 0.0, 0.3, 0.1}, {0.0, 0.5, 0.4, 0.0, 0.2},
                    {0.3, 0.0, 1.2, 0.1, 0.0},  {0.0, 0.0, 0.3, 0.7, 0.0},  {0.1, 0.1, 0.0, 0.0, 0.9}};
  double S[K * K], m[K] = {1.0, -2.0, 0.5, 3.0, 0.0, -1.0};
  for (int i = 0; i < K; ++i)
    for (int j = 0; j < K; ++j) {
      double v = 0.0;
      for (int k = 0; k < 5; ++k) v += B[i][k] * B[j][k];
      S[i * K + j] = v;
    }
  double *x = malloc((size_t)M * K * sizeof *x), *y = malloc((size_t)M * K * sizeof *y);
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_fit_posterior_samples(m, S, K, M, 2026, x, &err) == ACEUQ_OK);
  CHECK(aceuq_fit_posterior_samples(m, S, K, M, 2026, y, &err) == ACEUQ_OK);
  CHECK(memcmp(x, y, (size_t)M * K * sizeof *x) == 0);
  CHECK(aceuq_fit_posterior_samples(m, S, K, 4, 7, y, &err) == ACEUQ_OK);
  CHECK(memcmp(x, y, 4 * K * sizeof *x) != 0);
  double mean[K] = {0}, C[K * K] = {0}, worst_mean = 0.0, null_max = 0.0;
  for (int s = 0; s < M; ++s) {
    for (int i = 0; i < K; ++i) mean[i] += x[s * K + i] / M;
    null_max = fmax(null_max, fabs((x[s * K] - m[0]) - (x[s * K + 1] - m[1])));
  }
  for (int s = 0; s < M; ++s)
    for (int i = 0; i < K; ++i)
      for (int j = 0; j < K; ++j) C[i * K + j] += (x[s * K + i] - mean[i]) * (x[s * K + j] - mean[j]) / (M - 1);
  double diff = 0.0, norm = 0.0;
  for (int i = 0; i < K; ++i) {
    worst_mean = fmax(worst_mean, fabs(mean[i] - m[i]) / sqrt(S[i * K + i] / M));
    for (int j = 0; j < K; ++j) {
      diff += (C[i * K + j] - S[i * K + j]) * (C[i * K + j] - S[i * K + j]);
      norm += S[i * K + j] * S[i * K + j];
    }
  }
  printf("posterior samples: mean within %.2f standard errors, covariance %.2f %% (Frobenius), null direction "
         "%.1e\n", worst_mean, 100 * sqrt(diff / norm), null_max);
  CHECK(worst_mean < 4.0);
  CHECK(sqrt(diff / norm) < 0.03);
  CHECK(null_max < 1e-12);
  S[3] = NAN;
  CHECK(aceuq_fit_posterior_samples(m, S, K, 1, 1, y, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "not finite");
  free(x);
  free(y);
  return check_summary("test_fit_posterior");
}
