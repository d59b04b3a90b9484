/* quadrature.h -- Gauss-Legendre nodes and weights for the unit tests
 * (independent of the library: Newton iteration on the Legendre recursion). */
#ifndef ACEUQ_TEST_QUADRATURE_H
#define ACEUQ_TEST_QUADRATURE_H

#include <math.h>

/* n nodes x[i] in (-1, 1) and weights w[i]: sum_i w[i] p(x[i]) = int_-1^1 p
 * exactly for polynomials of degree <= 2n - 1. */
static void gauss_legendre(int n, double *x, double *w)
{
  const double pi = 3.14159265358979323846;
  for (int i = 0; i < n; ++i) {
    double t = cos(pi * (i + 0.75) / (n + 0.5)), dp = 1.0;
    for (int it = 0; it < 100; ++it) {
      double p0 = 1.0, p1 = t; /* P_0, P_1; after the loop p1 = P_n */
      for (int k = 2; k <= n; ++k) {
        double p2 = ((2.0 * k - 1.0) * t * p1 - (k - 1.0) * p0) / k;
        p0 = p1, p1 = p2;
      }
      dp = n * (t * p1 - p0) / (t * t - 1.0);
      double step = p1 / dp;
      t -= step;
      if (fabs(step) < 1e-16) break;
    }
    x[i] = t;
    w[i] = 2.0 / ((1.0 - t * t) * dp * dp);
  }
}

#endif
