/* Streamed least squares (fit_solve.c): exact recovery of noiseless data (ridge with lambda 0,
 * rows in uneven chunks across the QR block size), rank deficiency refused for plain least
 * squares but fine with lambda > 0 and for the Bayesian solver, and bad input (NaN targets or
 * rows, negative weights, no rows, no columns) as clear errors.  The comparison with an
 * independent implementation (scikit-learn) is golden.fit_solve_sklearn. */
#include "aceuq.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double uniform(unsigned long long *s)
{
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(*s >> 11) / 9007199254740992.0 - 0.5;
}

int main(void)
{
  enum { N = 1500, P = 9 };
  static double X[N * P], y[N], w[N];
  double c[P], got[P], rss;
  unsigned long long s = 3;
  for (int k = 0; k < P; ++k) c[k] = 4.0 * uniform(&s);
  for (int i = 0; i < N; ++i) {
    y[i] = 0.0;
    for (int k = 0; k < P; ++k) {
      X[i * P + k] = uniform(&s) * (1.0 + k);
      y[i] += X[i * P + k] * c[k];
    }
    w[i] = 0.5 + uniform(&s) + 0.5;
  }
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_fit_accumulator *a = NULL;
  CHECK(aceuq_fit_accumulator_create(P, &a, &err) == ACEUQ_OK);
  const size_t chunks[] = {1, 7, 600, 511, 381}; /* 1500 rows */
  size_t at = 0;
  for (size_t k = 0; k < sizeof chunks / sizeof *chunks; ++k) {
    CHECK(aceuq_fit_accumulator_add(a, X + at * P, y + at, w + at, chunks[k], &err) == ACEUQ_OK);
    at += chunks[k];
  }
  CHECK(at == N && aceuq_fit_accumulator_rows(a) == N);
  CHECK(aceuq_fit_solve_ridge(a, 0.0, got, &rss, &err) == ACEUQ_OK);
  double worst = 0.0;
  for (int k = 0; k < P; ++k) worst = fmax(worst, fabs(got[k] - c[k]));
  printf("noiseless recovery: max |c - c_true| %.2e, rss %.2e\n", worst, rss);
  CHECK(worst < 1e-12 && rss < 1e-20);
  /* bad rows leave the accumulator unchanged */
  double bad[P] = {0}, t = NAN, one = 1.0, neg = -1.0;
  CHECK(aceuq_fit_accumulator_add(a, bad, &t, NULL, 1, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "row 1500: target nan is not finite");
  CHECK(aceuq_fit_accumulator_add(a, bad, &one, &neg, 1, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "weight -1 is not a finite number >= 0");
  bad[4] = INFINITY;
  CHECK(aceuq_fit_accumulator_add(a, bad, &one, NULL, 1, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "row 1500, column 4: inf is not finite");
  CHECK(aceuq_fit_accumulator_rows(a) == N);
  CHECK(aceuq_fit_solve_ridge(a, -1.0, got, NULL, &err) == ACEUQ_ERR_VALUE);
  aceuq_fit_accumulator_free(a);

  /* a duplicated column: least squares refused, ridge and Bayesian ridge fine */
  for (int i = 0; i < N; ++i) X[i * P + 8] = X[i * P + 2];
  CHECK(aceuq_fit_accumulator_create(P, &a, &err) == ACEUQ_OK);
  CHECK(aceuq_fit_accumulator_add(a, X, y, NULL, N, &err) == ACEUQ_OK);
  CHECK(aceuq_fit_solve_ridge(a, 0.0, got, NULL, &err) == ACEUQ_ERR_LINALG);
  CHECK_STR_CONTAINS(err.message, "rank-deficient");
  CHECK(aceuq_fit_solve_ridge(a, 1e-6, got, NULL, &err) == ACEUQ_OK);
  printf("ridge lambda 1e-6 on the duplicated column: c2 %.12f, c8 %.12f\n", got[2], got[8]);
  CHECK(fabs(got[2] - got[8]) < 1e-6); /* a duplicated column gets the even split */
  aceuq_fit_bayes_result r;
  CHECK(aceuq_fit_solve_bayes(a, NULL, got, NULL, &r, &err) == ACEUQ_OK);
  CHECK(r.converged && r.alpha > 0 && r.lambda > 0 && r.gamma > 7.5 && r.gamma < 8.5);
  printf("rank-deficient Bayesian ridge: gamma %.3f (8 independent columns), %d iterations\n", r.gamma,
         r.iterations);
  aceuq_fit_accumulator_free(a);

  /* no rows, no columns */
  CHECK(aceuq_fit_accumulator_create(0, &a, &err) == ACEUQ_ERR_VALUE && a == NULL);
  CHECK(aceuq_fit_accumulator_create(3, &a, &err) == ACEUQ_OK);
  CHECK(aceuq_fit_solve_bayes(a, NULL, got, NULL, &r, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "no rows");
  aceuq_fit_accumulator_free(a);
  return check_summary("test_fit_solve");
}
