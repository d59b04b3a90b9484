/* Unit tests of the embeddings and the rho_core switch (ace_embedding.c):
 * derivatives against central finite differences, closed forms (FSSS with
 * m = 1/2, FS far from 0), Phi(0) = 0 and Phi'(0) = 1.25 for FSSS m = 1/2,
 * the |m - 1| < 1e-10 identity branch, continuity of the FS |x| <= 1e-10
 * linear branch, oddness, F = sum_p w_p Phi_p, and the switch P: C2 ends,
 * values, derivative. */
#include "ace_embedding.h"
#include "ace_switch.h"
#include "check.h"

/* relative central-difference error of f' at x */
static double fd_error(double (*f)(double, double, double *), double x, double m, double h)
{
  double d;
  f(x, m, &d);
  const double fd = (f(x + h, m, NULL) - f(x - h, m, NULL)) / (2 * h);
  return fabs(fd - d) / fmax(1.0, fabs(d));
}

int main(void)
{
  check_rng_state = 0xD1B54A32D192ED03ULL;
  const double ms[] = {0.5, 0.75, 1.0, 1.5, 2.0, 0.3};

  /* derivatives, away from 0 (FS has the (w a)^3 = 30 clamp near 3.1e-6) */
  double worst_fs = 0, worst_fsss = 0;
  for (size_t im = 0; im < sizeof ms / sizeof ms[0]; ++im)
    for (int t = 0; t < 200; ++t) {
      double x = (check_uniform() - 0.5) * 20.0;
      if (fabs(x) < 1e-3) continue;
      /* relative step: the third derivative grows like |x|^(m-3) */
      worst_fs = fmax(worst_fs, fd_error(ace_fs_phi, x, ms[im], 1e-5 * fabs(x)));
      worst_fsss = fmax(worst_fsss, fd_error(ace_fsss_phi, x, ms[im], 1e-5 * fabs(x)));
    }
  /* FS in its smooth transition region |x| ~ 1e-6 (scale of w = 1e6) */
  double worst_fs_small = 0;
  for (int t = 0; t < 200; ++t) {
    double x = (0.1 + 2.9 * check_uniform()) * 1e-6 * (t % 2 ? 1 : -1);
    for (size_t im = 0; im < sizeof ms / sizeof ms[0]; ++im)
      worst_fs_small = fmax(worst_fs_small, fd_error(ace_fs_phi, x, ms[im], 1e-12));
  }
  /* FSSS through rho = 0 (kink-free: Phi' is continuous and even) */
  double worst_fsss0 = 0;
  for (int t = 0; t < 50; ++t) {
    double x = (check_uniform() - 0.5) * 1e-3;
    worst_fsss0 = fmax(worst_fsss0, fd_error(ace_fsss_phi, x, 0.5, 1e-7));
  }
  printf("FD: FS %.3g (small x %.3g), FSSS %.3g (near 0 %.3g)\n", worst_fs, worst_fs_small, worst_fsss,
         worst_fsss0);
  CHECK_CLOSE(worst_fs, 0.0, 1e-7);
  CHECK_CLOSE(worst_fs_small, 0.0, 1e-4); /* h = 1e-12 on x ~ 1e-6: FD round-off ~1e-5 */
  CHECK_CLOSE(worst_fsss, 0.0, 1e-7);
  CHECK_CLOSE(worst_fsss0, 0.0, 1e-5);

  /* FSSS closed form for m = 1/2: nu = 2, x_off = e^-a/4, y_off = e^-a/2 */
  double worst_cf = 0;
  for (int t = 0; t < 100; ++t) {
    const double rho = (check_uniform() - 0.5) * 30.0, a = fabs(rho);
    const double want = (rho < 0 ? -1 : 1) * (sqrt(exp(-a) / 4 + a) - exp(-a) / 2);
    worst_cf = fmax(worst_cf, fabs(ace_fsss_phi(rho, 0.5, NULL) - want));
  }
  CHECK_CLOSE(worst_cf, 0.0, 1e-14);
  double d0;
  CHECK_CLOSE(ace_fsss_phi(0.0, 0.5, &d0), 0.0, 1e-16);
  CHECK_CLOSE(d0, 1.25, 1e-15);
  /* Phi(0) = 0 for other exponents too: (nu^(nu/(1-nu)))^m = nu^(1/(1-nu)) */
  CHECK_CLOSE(ace_fsss_phi(0.0, 1.7, NULL), 0.0, 1e-15);
  CHECK_CLOSE(ace_fsss_phi(0.0, 0.25, NULL), 0.0, 1e-15);
  /* identity branch */
  double d1;
  CHECK(ace_fsss_phi(-3.25, 1.0, &d1) == -3.25 && d1 == 1.0);
  CHECK(ace_fsss_phi(7.5, 1.0 + 5e-11, &d1) == 7.5 && d1 == 1.0);
  /* just outside the branch it is the generic formula, still ~ rho */
  CHECK_CLOSE(ace_fsss_phi(7.5, 1.0 + 1e-6, NULL), 7.5, 1e-4);

  /* FS: far from 0, Phi = sign(x)|x|^m exactly (g = 0) */
  double worst_far = 0;
  for (int t = 0; t < 100; ++t) {
    const double x = (check_uniform() - 0.5) * 10.0, m = ms[t % 6];
    if (fabs(x) < 1e-3) continue;
    double d;
    const double f = ace_fs_phi(x, m, &d);
    worst_far = fmax(worst_far, fabs(f - copysign(pow(fabs(x), m), x)));
    worst_far = fmax(worst_far, fabs(d - m * pow(fabs(x), m - 1)) / fmax(1.0, fabs(d)));
  }
  CHECK_CLOSE(worst_far, 0.0, 1e-14);
  /* linear branch |x| <= 1e-10: Phi = lam x with lam = 1e-6^(m-1), and
   * continuity across |x| = 1e-10 */
  for (size_t im = 0; im < sizeof ms / sizeof ms[0]; ++im) {
    const double m = ms[im], lam = pow(1e-6, m - 1);
    double d;
    CHECK_CLOSE(ace_fs_phi(5e-11, m, &d), lam * 5e-11, 1e-12 * lam * 5e-11);
    CHECK_CLOSE(d, lam, 1e-15 * lam);
    const double in = ace_fs_phi(1e-10, m, NULL), out = ace_fs_phi(1e-10 * (1 + 1e-9), m, NULL);
    CHECK_CLOSE(out, in, 1e-8 * fabs(in));
    CHECK_CLOSE(ace_fs_phi(-1e-10 * (1 + 1e-9), m, NULL), -out, 0.0);
  }
  /* oddness */
  for (int t = 0; t < 50; ++t) {
    const double x = check_uniform() * 5, m = ms[t % 6];
    CHECK(ace_fs_phi(-x, m, NULL) == -ace_fs_phi(x, m, NULL));
    CHECK(ace_fsss_phi(-x, m, NULL) == -ace_fsss_phi(x, m, NULL));
  }

  /* F = sum_p w_p Phi_p, dF/drho_p */
  {
    double params[6] = {1.5, 1.0, -0.7, 0.5, 2.0, 0.8};
    ace_embedding e = {3, ACE_EMBEDDING_FINNIS_SINCLAIR_SHIFTED_SCALED, params, 1e5, 250};
    aceuq_error err;
    aceuq_error_clear(&err);
    CHECK(ace_embedding_check(&e, &err) == ACEUQ_OK);
    const double rho[3] = {2.5, -0.4, 3.3};
    double dF[3];
    for (int type = 0; type < 2; ++type) {
      e.type = type ? ACE_EMBEDDING_FINNIS_SINCLAIR_SHIFTED_SCALED : ACE_EMBEDDING_FINNIS_SINCLAIR;
      double (*phi)(double, double, double *) = type ? ace_fsss_phi : ace_fs_phi;
      const double F = ace_embedding_eval(&e, rho, dF);
      double want = 0;
      for (int p = 0; p < 3; ++p) want += params[2 * p] * phi(rho[p], params[2 * p + 1], NULL);
      CHECK_CLOSE(F, want, 1e-14);
      for (int p = 0; p < 3; ++p) {
        double rp[3] = {rho[0], rho[1], rho[2]}, rm[3] = {rho[0], rho[1], rho[2]};
        rp[p] += 1e-6, rm[p] -= 1e-6;
        CHECK_CLOSE(dF[p], (ace_embedding_eval(&e, rp, NULL) - ace_embedding_eval(&e, rm, NULL)) / 2e-6, 1e-8);
      }
    }
    e.ndensity = 0;
    CHECK(ace_embedding_check(&e, &err) == ACEUQ_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "ndensity");
  }

  /* polynomial switch: ends, midpoint, C2 at both ends, derivative */
  {
    const double r_in = 2.0, delta = 0.3;
    double d;
    CHECK(ace_switch_poly(r_in - delta, r_in, delta, &d) == 1.0 && d == 0.0);
    CHECK(ace_switch_poly(r_in, r_in, delta, &d) == 0.0 && d == 0.0);
    CHECK(ace_switch_poly(1.0, r_in, delta, NULL) == 1.0);
    CHECK(ace_switch_poly(3.0, r_in, delta, NULL) == 0.0);
    CHECK_CLOSE(ace_switch_poly(r_in - delta / 2, r_in, delta, NULL), 0.5, 1e-15);
    /* near the ends: P - end value = O(eps^3), P' = O(eps^2), P'' = O(eps) */
    const double eps = 1e-4;
    double dl, dr;
    const double pl = ace_switch_poly(r_in - delta + eps, r_in, delta, &dl);
    const double pr = ace_switch_poly(r_in - eps, r_in, delta, &dr);
    CHECK_CLOSE(pl, 1.0, 100 * eps * eps * eps / (delta * delta * delta));
    CHECK_CLOSE(pr, 0.0, 100 * eps * eps * eps / (delta * delta * delta));
    CHECK_CLOSE(dl, 0.0, 100 * eps * eps / (delta * delta * delta));
    CHECK_CLOSE(dr, 0.0, 100 * eps * eps / (delta * delta * delta));
    /* P'' from finite differences of P' tends to 0 at the ends: P'' = O(eps/delta^3),
     * while max |P''| ~ 10/delta^2 */
    double dpa, dpb;
    ace_switch_poly(r_in - delta + 2e-6, r_in, delta, &dpa);
    ace_switch_poly(r_in - delta + 1e-6, r_in, delta, &dpb);
    CHECK_CLOSE((dpa - dpb) / 1e-6, 0.0, 100 * 2e-6 / (delta * delta * delta));
    ace_switch_poly(r_in - 2e-6, r_in, delta, &dpa);
    ace_switch_poly(r_in - 1e-6, r_in, delta, &dpb);
    CHECK_CLOSE((dpa - dpb) / 1e-6, 0.0, 100 * 2e-6 / (delta * delta * delta));
    double worst = 0, prev = 1.0;
    int monotone = 1;
    for (int t = 1; t < 1000; ++t) {
      const double r = r_in - delta + delta * t / 1000.0;
      double dd;
      const double p = ace_switch_poly(r, r_in, delta, &dd);
      monotone &= p <= prev;
      prev = p;
      const double fd = (ace_switch_poly(r + 1e-7, r_in, delta, NULL) - ace_switch_poly(r - 1e-7, r_in, delta, NULL)) / 2e-7;
      worst = fmax(worst, fabs(fd - dd));
    }
    CHECK(monotone);
    CHECK_CLOSE(worst, 0.0, 1e-7);
    /* delta = 0: a step, no division by zero */
    CHECK(ace_switch_poly(0.5, 0.0, 0.0, &d) == 0.0 && d == 0.0);
    CHECK(ace_switch_poly(0.0, 0.0, 0.0, &d) == 1.0 && d == 0.0);
  }

  /* rho_core switch: 1 below rho_cut - drho_cut, 0 at/above rho_cut, P between */
  {
    double d;
    CHECK(ace_rho_core_switch(1.0, 2.0, 1.0, &d) == 1.0 && d == 0.0);
    CHECK(ace_rho_core_switch(2.0, 2.0, 1.0, &d) == 0.0 && d == 0.0);
    CHECK(ace_rho_core_switch(5.0, 2.0, 0.0, &d) == 0.0);
    CHECK(ace_rho_core_switch(2.0, 2.0, 0.0, &d) == 0.0); /* rho >= rho_cut is tested first */
    CHECK_CLOSE(ace_rho_core_switch(1.5, 2.0, 1.0, &d), 0.5, 1e-15);
    /* quintic, not cosine: f(rho_low + delta/4) = 1/2 + (15/4)(x/4 - x^3/6 + x^5/20), x = 1/2 */
    const double x = 0.5;
    CHECK_CLOSE(ace_rho_core_switch(1.25, 2.0, 1.0, &d), 0.5 + 3.75 * (x / 4 - x * x * x / 6 + pow(x, 5) / 20), 1e-15);
    CHECK_CLOSE(d, -7.5 * (0.25 - x * x / 2 + pow(x, 4) / 4), 1e-14);
    const double fd = (ace_rho_core_switch(1.25 + 1e-6, 2.0, 1.0, NULL) - ace_rho_core_switch(1.25 - 1e-6, 2.0, 1.0, NULL)) / 2e-6;
    CHECK_CLOSE(d, fd, 1e-8);
  }
  return check_summary("test_ace_embedding");
}
