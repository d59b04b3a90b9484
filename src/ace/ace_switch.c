/* ace_switch.c -- quintic polynomial switch P (see ace_switch.h). */
#include "ace_switch.h"

#include <math.h>

double ace_switch_poly(double r, double r_in, double delta, double *dP)
{
  double p, dp;
  if (r <= r_in - delta) {
    p = 1.0, dp = 0.0;
  } else if (r >= r_in) {
    p = 0.0, dp = 0.0;
  } else {
    const double x = 1.0 - 2.0 * (1.0 + (r - r_in) / delta);
    p = 0.5 + 7.5 / 2.0 * (x / 4.0 - pow(x, 3) / 6.0 + pow(x, 5) / 20.0);
    dp = -7.5 / delta * (0.25 - x * x / 2.0 + pow(x, 4) / 4.0);
  }
  if (dP) *dP = dp;
  return p;
}
