/* ace_ylm.c -- complex Y_lm with Y_00 = 1 and their tangential gradients
 * (recursions in ace_ylm.h). */
#include "ace_ylm.h"

#include <math.h>

static ace_complex cmul(ace_complex a, ace_complex b)
{
  ace_complex c = {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
  return c;
}

static ace_complex cscale(ace_complex a, double s)
{
  ace_complex c = {a.re * s, a.im * s};
  return c;
}

/* store Y = p (x+iy)^m and, if dY, its tangential gradient from
 * grad Y = (p m (x+iy)^(m-1), i p m (x+iy)^(m-1), dp (x+iy)^m) */
static void store(int l, int m, double p, double dp, ace_complex xym, ace_complex xym1, const double *rh,
                  ace_complex *Y, ace_complex *dY)
{
  const int idx = ace_ylm_index(l, m);
  Y[idx] = cscale(xym, p);
  if (!dY) return;
  const ace_complex gx = cscale(xym1, p * m);
  const ace_complex gy = {-gx.im, gx.re};
  const ace_complex gz = cscale(xym, dp);
  const ace_complex dot = {rh[0] * gx.re + rh[1] * gy.re + rh[2] * gz.re,
                           rh[0] * gx.im + rh[1] * gy.im + rh[2] * gz.im};
  const ace_complex g[3] = {gx, gy, gz};
  for (int a = 0; a < 3; ++a) {
    dY[3 * idx + a].re = g[a].re - dot.re * rh[a];
    dY[3 * idx + a].im = g[a].im - dot.im * rh[a];
  }
}

void ace_ylm_eval(int lmax, const double rhat[3], ace_complex *Y, ace_complex *dY)
{
  const double z = rhat[2];
  const ace_complex xy = {rhat[0], rhat[1]};
  ace_complex xym = {1.0, 0.0}, xym1 = {0.0, 0.0}; /* (x+iy)^m, (x+iy)^(m-1) */
  double pmm = 1.0;                                 /* Pbar_mm */
  for (int m = 0; m <= lmax; ++m) {
    if (m > 0) {
      pmm *= -sqrt(1.0 + 1.0 / (2.0 * m));
      xym1 = xym;
      xym = cmul(xym, xy);
    }
    store(m, m, pmm, 0.0, xym, xym1, rhat, Y, dY);
    if (m + 1 > lmax) break;
    /* p2, dp2 = Pbar_{l-2,m} and derivative; p1, dp1 = Pbar_{l-1,m} */
    double p2 = pmm, dp2 = 0.0;
    double p1 = sqrt(2.0 * m + 3.0) * z * pmm, dp1 = sqrt(2.0 * m + 3.0) * pmm;
    store(m + 1, m, p1, dp1, xym, xym1, rhat, Y, dY);
    for (int l = m + 2; l <= lmax; ++l) {
      const double ll = (double)l * l, mm = (double)m * m, lm1 = (l - 1.0) * (l - 1.0);
      const double a = sqrt((4.0 * ll - 1.0) / (ll - mm));
      const double b = -sqrt((lm1 - mm) / (4.0 * lm1 - 1.0));
      const double p = a * (z * p1 + b * p2);
      const double dp = a * (p1 + z * dp1 + b * dp2);
      store(l, m, p, dp, xym, xym1, rhat, Y, dY);
      p2 = p1, dp2 = dp1;
      p1 = p, dp1 = dp;
    }
  }
}
