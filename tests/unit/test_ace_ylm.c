/* Unit tests of the complex spherical harmonics (ace_ylm.c): closed forms
 * for l <= 3 (sqrt(4 pi) x the textbook orthonormal Y_lm, Condon-Shortley
 * phase), orthogonality by exact quadrature on the sphere, the addition
 * theorem, rotation invariance of sum_m Y_lm(a) conj(Y_lm(b)), and the
 * tangential gradient against central finite differences of Y(v/|v|). */
#include "ace_ylm.h"
#include "check.h"
#include "quadrature.h"

#include <complex.h>

#define LMAX 8
#define NLM ((LMAX + 1) * (LMAX + 2) / 2)

static const double pi = 3.14159265358979323846;

static double complex cx(ace_complex a) { return a.re + I * a.im; }

static void random_unit(double v[3])
{
  double n2;
  do {
    for (int a = 0; a < 3; ++a) v[a] = 2.0 * check_uniform() - 1.0;
    n2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
  } while (n2 < 0.01 || n2 > 1.0);
  for (int a = 0; a < 3; ++a) v[a] /= sqrt(n2);
}

/* textbook Y_lm (l <= 3, m >= 0) times sqrt(4 pi), written with x + i y */
static double complex closed_form(int l, int m, const double v[3])
{
  const double z = v[2];
  const double complex w = v[0] + I * v[1];
  switch (10 * l + m) {
  case 0: return 1.0;
  case 10: return sqrt(3.0) * z;
  case 11: return -sqrt(1.5) * w;
  case 20: return sqrt(5.0) / 2.0 * (3.0 * z * z - 1.0);
  case 21: return -sqrt(7.5) * z * w;
  case 22: return 0.5 * sqrt(7.5) * w * w;
  case 30: return sqrt(7.0) / 2.0 * (5.0 * z * z * z - 3.0 * z);
  case 31: return -0.25 * sqrt(21.0) * (5.0 * z * z - 1.0) * w;
  case 32: return 0.5 * sqrt(52.5) * z * w * w;
  case 33: return -0.25 * sqrt(35.0) * w * w * w;
  }
  return NAN;
}

static double legendre(int l, double t)
{
  double p0 = 1.0, p1 = t;
  if (l == 0) return 1.0;
  for (int k = 2; k <= l; ++k) {
    double p2 = ((2.0 * k - 1.0) * t * p1 - (k - 1.0) * p0) / k;
    p0 = p1, p1 = p2;
  }
  return p1;
}

/* sum_{m=-l..l} Y_lm(a) conj(Y_lm(b)) from the m >= 0 values */
static double complex pair_sum(int l, const ace_complex *Ya, const ace_complex *Yb)
{
  double complex s = cx(Ya[ace_ylm_index(l, 0)]) * conj(cx(Yb[ace_ylm_index(l, 0)]));
  for (int m = 1; m <= l; ++m) {
    /* m and -m: Y_{l,-m} = (-1)^m conj(Y_lm) -> conj term of the m one */
    double complex t = cx(Ya[ace_ylm_index(l, m)]) * conj(cx(Yb[ace_ylm_index(l, m)]));
    s += t + conj(t);
  }
  return s;
}

int main(void)
{
  check_rng_state = 0x9E3779B97F4A7C15ULL;
  ace_complex Y[NLM], dY[3 * NLM];
  ace_ylm_table *tab = ace_ylm_table_create(LMAX), *t3 = ace_ylm_table_create(3);
  CHECK(tab && t3 && ace_ylm_table_lmax(tab) == LMAX);
  CHECK(ace_ylm_count(LMAX) == NLM);
  CHECK(ace_ylm_index(LMAX, LMAX) == NLM - 1);

  /* closed forms, including the poles and the equator */
  double worst_closed = 0;
  for (int t = 0; t < 200; ++t) {
    double v[3];
    if (t == 0) v[0] = v[1] = 0, v[2] = 1;
    else if (t == 1) v[0] = v[1] = 0, v[2] = -1;
    else if (t == 2) v[0] = 0.6, v[1] = -0.8, v[2] = 0;
    else random_unit(v);
    ace_ylm_eval(t3, v, Y, NULL);
    for (int l = 0; l <= 3; ++l)
      for (int m = 0; m <= l; ++m)
        worst_closed = fmax(worst_closed, cabs(cx(Y[ace_ylm_index(l, m)]) - closed_form(l, m, v)));
  }
  CHECK_CLOSE(worst_closed, 0.0, 1e-14);

  /* orthogonality: Gauss-Legendre in z (exact for degree <= 2*LMAX) x uniform
   * phi (exact for |m - m'| <= LMAX < nphi) */
  {
    enum { NZ = LMAX + 2, NPHI = 2 * LMAX + 3 };
    double zq[NZ], wq[NZ];
    gauss_legendre(NZ, zq, wq);
    static double complex gram[NLM][NLM];
    for (int iz = 0; iz < NZ; ++iz)
      for (int ip = 0; ip < NPHI; ++ip) {
        const double phi = 2.0 * pi * (ip + 0.37) / NPHI, s = sqrt(1.0 - zq[iz] * zq[iz]);
        const double v[3] = {s * cos(phi), s * sin(phi), zq[iz]};
        const double w = wq[iz] * 2.0 * pi / NPHI;
        ace_ylm_eval(tab, v, Y, NULL);
        for (int a = 0; a < NLM; ++a)
          for (int b = 0; b < NLM; ++b) gram[a][b] += w * cx(Y[a]) * conj(cx(Y[b]));
      }
    double worst = 0;
    for (int a = 0; a < NLM; ++a)
      for (int b = 0; b < NLM; ++b) worst = fmax(worst, cabs(gram[a][b] - (a == b ? 4.0 * pi : 0.0)));
    printf("orthogonality: max |int Y conj Y - 4 pi delta| = %.3g\n", worst);
    CHECK_CLOSE(worst, 0.0, 1e-12);
  }

  /* addition theorem and rotation invariance */
  double worst_add = 0, worst_rot = 0;
  for (int t = 0; t < 200; ++t) {
    double a[3], b[3], axis[3];
    random_unit(a), random_unit(b), random_unit(axis);
    ace_complex Ya[NLM], Yb[NLM], Yra[NLM], Yrb[NLM];
    ace_ylm_eval(tab, a, Ya, NULL);
    ace_ylm_eval(tab, b, Yb, NULL);
    /* Rodrigues rotation by angle th about axis */
    const double th = 2.0 * pi * check_uniform(), c = cos(th), s = sin(th);
    double ra[3], rb[3];
    for (int k = 0; k < 2; ++k) {
      const double *v = k ? b : a;
      double *o = k ? rb : ra;
      const double kd = axis[0] * v[0] + axis[1] * v[1] + axis[2] * v[2];
      const double kx[3] = {axis[1] * v[2] - axis[2] * v[1], axis[2] * v[0] - axis[0] * v[2],
                            axis[0] * v[1] - axis[1] * v[0]};
      for (int d = 0; d < 3; ++d) o[d] = v[d] * c + kx[d] * s + axis[d] * kd * (1.0 - c);
    }
    ace_ylm_eval(tab, ra, Yra, NULL);
    ace_ylm_eval(tab, rb, Yrb, NULL);
    const double cosab = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    for (int l = 0; l <= LMAX; ++l) {
      worst_add = fmax(worst_add, fabs(creal(pair_sum(l, Ya, Ya)) - (2 * l + 1)));
      const double complex sab = pair_sum(l, Ya, Yb), srot = pair_sum(l, Yra, Yrb);
      worst_rot = fmax(worst_rot, cabs(sab - (2 * l + 1) * legendre(l, cosab)));
      worst_rot = fmax(worst_rot, cabs(srot - sab));
    }
  }
  printf("addition theorem %.3g, rotation invariance %.3g\n", worst_add, worst_rot);
  CHECK_CLOSE(worst_add, 0.0, 1e-12);
  CHECK_CLOSE(worst_rot, 0.0, 1e-12);

  /* tangential gradient: d/dv Y(v/|v|) at |v| = 1 by central differences */
  double worst_fd = 0, worst_radial = 0;
  const double h = 1e-6;
  for (int t = 0; t < 200; ++t) {
    double v[3];
    if (t == 0) v[0] = v[1] = 0, v[2] = 1;
    else if (t == 1) v[0] = 0, v[1] = 1, v[2] = 0;
    else random_unit(v);
    ace_ylm_eval(tab, v, Y, dY);
    for (int a = 0; a < 3; ++a) {
      ace_complex Yp[NLM], Ym[NLM];
      double vp[3] = {v[0], v[1], v[2]}, vm[3] = {v[0], v[1], v[2]};
      vp[a] += h, vm[a] -= h;
      const double np = sqrt(vp[0] * vp[0] + vp[1] * vp[1] + vp[2] * vp[2]);
      const double nm = sqrt(vm[0] * vm[0] + vm[1] * vm[1] + vm[2] * vm[2]);
      for (int d = 0; d < 3; ++d) vp[d] /= np, vm[d] /= nm;
      ace_ylm_eval(tab, vp, Yp, NULL);
      ace_ylm_eval(tab, vm, Ym, NULL);
      for (int l = 0; l <= LMAX; ++l)
        for (int m = 0; m <= l; ++m) {
          const int i = ace_ylm_index(l, m);
          const double complex fd = (cx(Yp[i]) - cx(Ym[i])) / (2 * h);
          /* scale: |dY| grows like l^2 times the Y magnitude sqrt(2l+1) */
          worst_fd = fmax(worst_fd, cabs(fd - cx(dY[3 * i + a])) / ((l + 1) * (l + 1) * sqrt(2 * l + 1.0)));
        }
    }
    for (int i = 0; i < NLM; ++i) {
      double complex dot = 0;
      for (int a = 0; a < 3; ++a) dot += v[a] * cx(dY[3 * i + a]);
      worst_radial = fmax(worst_radial, cabs(dot));
    }
  }
  printf("dY vs finite differences: max scaled error %.3g; max |rhat . dY| %.3g\n", worst_fd, worst_radial);
  CHECK_CLOSE(worst_fd, 0.0, 1e-8);
  CHECK_CLOSE(worst_radial, 0.0, 1e-12);

  /* many directions at once (every block length, incl. a partial last block and the poles)
   * = one direction at a time, to rounding */
  enum { NDIR = 29 };
  static double dirs[3 * NDIR];
  static ace_complex Ym_[NDIR * NLM], dYm_[3 * NDIR * NLM];
  for (int q = 0; q < NDIR; ++q) {
    if (q == 0) dirs[0] = dirs[1] = 0, dirs[2] = 1;
    else if (q == 1) dirs[3] = dirs[4] = 0, dirs[5] = -1;
    else random_unit(&dirs[3 * q]);
  }
  double worst_many = 0;
  for (int n = 0; n <= NDIR; n += (n < 10 ? 1 : 9)) {
    ace_ylm_eval_many(tab, (size_t)n, dirs, Ym_, dYm_);
    for (int q = 0; q < n; ++q) {
      ace_ylm_eval(tab, &dirs[3 * q], Y, dY);
      for (int i = 0; i < NLM; ++i) {
        worst_many = fmax(worst_many, cabs(cx(Y[i]) - cx(Ym_[q * NLM + i])));
        for (int a = 0; a < 3; ++a)
          worst_many = fmax(worst_many, cabs(cx(dY[3 * i + a]) - cx(dYm_[3 * (q * NLM + i) + a])) / (LMAX + 1));
      }
    }
  }
  printf("ace_ylm_eval_many vs ace_ylm_eval: max difference %.3g\n", worst_many);
  CHECK_CLOSE(worst_many, 0.0, 1e-13);
  ace_ylm_table_free(tab);
  ace_ylm_table_free(t3);
  return check_summary("test_ace_ylm");
}
