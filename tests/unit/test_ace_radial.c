/* Unit tests of the radial part (ace_radial.c, ace_core_repulsion.c):
 *  - closed forms of the first g_k of ChebExpCos, ChebPow, ChebLinear written
 *    out from the Chebyshev polynomials;
 *  - g_k', R_nl', c' against central finite differences for every basis type
 *    and inner-cutoff mode (analytic functions and splines);
 *  - inner cutoff semantics (distance: (1 - P) factor, zero below
 *    r_in - delta_in; zbl: basis not cut, zero for r <= 1 if delta_in = 0);
 *  - SBessel orthonormality int_0^rc g_m g_n r^2 dr = delta_mn (Gauss-Legendre);
 *  - core repulsion closed forms (density, distance), ZBL shift (E + S and its
 *    first two derivatives vanish at rc, C2 at rc - dc, constant shift below);
 *    element table and errors;
 *  - splines: exact at the knots, within the cubic Hermite error bound
 *    h^4/384 max|f''''| between knots, zero beyond the last knot, the
 *    "very small distance" error. */
#include "ace_core_repulsion.h"
#include "ace_radial.h"
#include "ace_switch.h"
#include "check.h"
#include "quadrature.h"

#include <stdint.h>
#include <stdlib.h>

static const double pi = 3.14159265358979323846;

#define KMAX 12
#define NRMAX 3
#define LMAXB 3
#define NFMAX (NRMAX * (LMAXB + 1))
#define SLOTMAX 64 /* slot sums of the test bonds' energy tables (ace_bond_splines_sum_slots) */

/* g and dg (dg may be NULL) of the energy table's basis block alone: ace_bond_splines_eval_basis's
 * slot sums from 0, read out by ace_bond_splines_basis_sums */
static aceuq_status basis_values(const ace_bond_splines *sp, double r, double *g, double *dg, aceuq_error *err)
{
  double sums[SLOTMAX] = {0};
  const aceuq_status st = ace_bond_splines_eval_basis(sp, r, sums, dg, err);
  if (!st) ace_bond_splines_basis_sums(sp, sums, g);
  return st;
}

static ace_bond make_bond(ace_radbase_type type, int K, double lambda, double rc, double dc)
{
  ace_bond b;
  memset(&b, 0, sizeof b);
  b.defined = 1;
  b.radbase = type;
  b.lambda = lambda;
  b.rcut = rc;
  b.dcut = dc;
  b.nradbase = K;
  b.nradmax = NRMAX;
  b.lmax = LMAXB;
  b.crad = malloc(sizeof(double) * NRMAX * (LMAXB + 1) * K);
  for (int i = 0; i < NRMAX * (LMAXB + 1) * K; ++i) b.crad[i] = 2.0 * check_uniform() - 1.0;
  return b;
}

static double cheb_t(int n, double x) { return cos(n * acos(x)); } /* |x| <= 1 */

/* analytic g and R of a bond */
static void analytic(const ace_bond *b, ace_inner_cutoff_type t, double r, double *g, double *dg, double *R,
                     double *dR)
{
  ace_radial_basis(b, t, r, g, dg);
  ace_radial_functions(b, g, dg, R, dR);
}

/* max over g_k, R_nl of |fd - derivative| / (1 + |derivative|) */
static double fd_error_basis(const ace_bond *b, ace_inner_cutoff_type t, double r, double h)
{
  double g[KMAX], dg[KMAX], R[NFMAX], dR[NFMAX], gp[KMAX], gm[KMAX], Rp[NFMAX], Rm[NFMAX], tmp[KMAX], tmpR[NFMAX];
  analytic(b, t, r, g, dg, R, dR);
  analytic(b, t, r + h, gp, tmp, Rp, tmpR);
  analytic(b, t, r - h, gm, tmp, Rm, tmpR);
  double worst = 0;
  for (int k = 0; k < b->nradbase; ++k) worst = fmax(worst, fabs((gp[k] - gm[k]) / (2 * h) - dg[k]) / (1 + fabs(dg[k])));
  for (int f = 0; f < NFMAX; ++f) worst = fmax(worst, fabs((Rp[f] - Rm[f]) / (2 * h) - dR[f]) / (1 + fabs(dR[f])));
  return worst;
}

static int near_any(double r, const double *kinks, int n, double d)
{
  for (int i = 0; i < n; ++i)
    if (fabs(r - kinks[i]) < d) return 1;
  return 0;
}

int main(void)
{
  check_rng_state = 0xA0761D6478BD642FULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  const double rc = 5.0, dc = 0.3;

  /* ---- closed forms ---------------------------------------------------------- */
  {
    ace_bond bl = make_bond(ACE_RADBASE_CHEBLINEAR, 4, 1.0, rc, dc);
    ace_bond bp = make_bond(ACE_RADBASE_CHEBPOW, 4, 2.5, rc, dc);
    ace_bond be = make_bond(ACE_RADBASE_CHEBEXPCOS, 4, 5.25, rc, dc);
    double worst = 0, g[4], dg[4];
    for (int t = 0; t < 300; ++t) {
      const double r = 0.01 + (rc - 0.011) * check_uniform();
      /* ChebLinear / ChebPow: g_k = 1/2 - T_{k+1}(x)/2 */
      double x = 1 - r / rc;
      const double want_l[4] = {0.5 - 0.5 * x, 1 - x * x, 0.5 - 0.5 * (4 * x * x * x - 3 * x),
                                0.5 - 0.5 * (8 * pow(x, 4) - 8 * x * x + 1)};
      ace_radial_basis(&bl, ACE_INNER_CUTOFF_DENSITY, r, g, dg);
      for (int k = 0; k < 4; ++k) worst = fmax(worst, fabs(g[k] - want_l[k]));
      x = 1 - 2 * pow(1 - r / rc, 2.5);
      ace_radial_basis(&bp, ACE_INNER_CUTOFF_DENSITY, r, g, dg);
      for (int k = 0; k < 4; ++k) worst = fmax(worst, fabs(g[k] - (0.5 - 0.5 * cheb_t(k + 1, x))));
      /* ChebExpCos: g_0 = 1, g_k = 1/2 - T_k(x)/2, times the envelope and taper */
      x = 1 - 2 * (exp(-5.25 * r / rc) - exp(-5.25)) / (1 - exp(-5.25));
      double env = 0.5 * (1 + cos(pi * r / rc));
      if (r > rc - dc) env *= 0.5 * (1 + cos(pi * (r - rc + dc) / dc));
      const double want_e[4] = {env, (0.5 - 0.5 * x) * env, (1 - x * x) * env,
                                (0.5 - 0.5 * (4 * x * x * x - 3 * x)) * env};
      ace_radial_basis(&be, ACE_INNER_CUTOFF_DENSITY, r, g, dg);
      for (int k = 0; k < 4; ++k) worst = fmax(worst, fabs(g[k] - want_e[k]));
    }
    printf("closed forms: max error %.3g\n", worst);
    CHECK_CLOSE(worst, 0.0, 1e-13);
    /* zero at and beyond rc */
    ace_radial_basis(&be, ACE_INNER_CUTOFF_DENSITY, rc, g, dg);
    CHECK(g[0] == 0 && g[3] == 0 && dg[1] == 0);
    free(bl.crad), free(bp.crad), free(be.crad);
  }

  /* ---- derivatives, all types x modes; inner cutoff semantics ----------------- */
  const ace_radbase_type types[4] = {ACE_RADBASE_CHEBEXPCOS, ACE_RADBASE_CHEBPOW, ACE_RADBASE_CHEBLINEAR,
                                     ACE_RADBASE_SBESSEL};
  const double lambdas[4] = {5.25, 2.0, 1.0, 1.0};
  for (int it = 0; it < 4; ++it) {
    ace_bond b = make_bond(types[it], 10, lambdas[it], rc, dc);
    b.r_in = 1.5, b.delta_in = 0.5;
    const double kinks[] = {1.0, 1.5, rc - dc, rc};
    double worst[3] = {0, 0, 0}, worst_cut = 0;
    for (int t = 0; t < 400; ++t) {
      const double r = 0.05 + (rc - 0.05) * check_uniform();
      if (near_any(r, kinks, 4, 1e-4)) continue;
      for (int mode = 0; mode < 3; ++mode)
        worst[mode] = fmax(worst[mode], fd_error_basis(&b, (ace_inner_cutoff_type)mode, r, 1e-6));
      /* against the bare basis (no inner cut at all): density and distance
       * are 0 for r <= r_in - delta_in = 1; distance = (1 - P(r; r_in, delta_in)) bare;
       * zbl (delta_in != 0) = bare */
      ace_bond bare = b;
      bare.r_in = bare.delta_in = 0;
      double g0[10], dg0[10], gd[10], dgd[10], gx[10], dgx[10], gz[10], dgz[10];
      ace_radial_basis(&bare, ACE_INNER_CUTOFF_DENSITY, r, g0, dg0);
      ace_radial_basis(&b, ACE_INNER_CUTOFF_DENSITY, r, gd, dgd);
      ace_radial_basis(&b, ACE_INNER_CUTOFF_DISTANCE, r, gx, dgx);
      ace_radial_basis(&b, ACE_INNER_CUTOFF_ZBL, r, gz, dgz);
      const double p = r <= 1.0 ? 1.0 : r >= 1.5 ? 0.0 : ace_switch_poly(r, 1.5, 0.5, NULL);
      for (int k = 0; k < 10; ++k) {
        worst_cut = fmax(worst_cut, fabs(gd[k] - (r <= 1.0 ? 0.0 : g0[k])));
        worst_cut = fmax(worst_cut, fabs(gx[k] - (1 - p) * g0[k]));
        worst_cut = fmax(worst_cut, fabs(gz[k] - g0[k]) + fabs(dgz[k] - dg0[k]));
        if (r <= 1.0) worst_cut = fmax(worst_cut, fabs(gx[k]) + fabs(dgx[k]));
      }
    }
    /* zbl with delta_in = 0: ML-PACE sets the inner cut to 1 A: g = 0 for r <= 1 */
    b.delta_in = 0;
    for (int t = 0; t < 50; ++t) {
      const double r = 0.05 + 2.0 * check_uniform();
      ace_bond bare = b;
      bare.r_in = 0;
      double g0[10], dg0[10], gz[10], dgz[10];
      ace_radial_basis(&bare, ACE_INNER_CUTOFF_DENSITY, r, g0, dg0);
      ace_radial_basis(&b, ACE_INNER_CUTOFF_ZBL, r, gz, dgz);
      for (int k = 0; k < 10; ++k) worst_cut = fmax(worst_cut, fabs(gz[k] - (r <= 1.0 ? 0.0 : g0[k])));
    }
    printf("type %d: FD error density %.3g distance %.3g zbl %.3g; inner-cut relation %.3g\n", it, worst[0],
           worst[1], worst[2], worst_cut);
    for (int mode = 0; mode < 3; ++mode) CHECK_CLOSE(worst[mode], 0.0, 2e-7);
    CHECK_CLOSE(worst_cut, 0.0, 1e-15);
    free(b.crad);
  }

  /* ---- SBessel orthonormality on [0, rc] with weight r^2 ------------------------ */
  {
    enum { NQ = 200, KS = 12 };
    ace_bond b = make_bond(ACE_RADBASE_SBESSEL, KS, 1.0, 3.7, 0.0);
    double xq[NQ], wq[NQ], gram[KS][KS] = {{0}};
    gauss_legendre(NQ, xq, wq);
    for (int q = 0; q < NQ; ++q) {
      const double r = 0.5 * 3.7 * (xq[q] + 1), w = 0.5 * 3.7 * wq[q] * r * r;
      double g[KS], dg[KS];
      ace_radial_basis(&b, ACE_INNER_CUTOFF_DENSITY, r, g, dg);
      for (int m = 0; m < KS; ++m)
        for (int n = 0; n < KS; ++n) gram[m][n] += w * g[m] * g[n];
    }
    double worst = 0;
    for (int m = 0; m < KS; ++m)
      for (int n = 0; n < KS; ++n) worst = fmax(worst, fabs(gram[m][n] - (m == n)));
    printf("SBessel: max |int g_m g_n r^2 dr - delta_mn| = %.3g\n", worst);
    CHECK_CLOSE(worst, 0.0, 1e-12);
    free(b.crad);
  }

  /* ---- core repulsion ----------------------------------------------------------- */
  {
    ace_bond b = make_bond(ACE_RADBASE_CHEBEXPCOS, 4, 5.25, rc, dc);
    b.prehc = -50.0, b.lambdahc = -1.5, b.r_in = 2.0, b.delta_in = 0.3;
    ace_core_repulsion cd, cx, cz;
    CHECK(ace_core_repulsion_init(&cd, &b, ACE_INNER_CUTOFF_DENSITY, NULL, NULL, &err) == ACEUQ_OK);
    CHECK(ace_core_repulsion_init(&cx, &b, ACE_INNER_CUTOFF_DISTANCE, NULL, NULL, &err) == ACEUQ_OK);
    b.prehc = 1.0;
    CHECK(ace_core_repulsion_init(&cz, &b, ACE_INNER_CUTOFF_ZBL, "Cu", "Al", &err) == ACEUQ_OK);
    double worst_cf = 0, worst_fd = 0;
    for (int t = 0; t < 400; ++t) {
      const double r = 0.2 + (rc - 0.1) * check_uniform();
      double want = r < rc && 1.5 * r * r < 50 ? 50 * exp(-1.5 * r * r) / r * 0.5 * (1 + cos(pi * r / rc)) : 0;
      worst_cf = fmax(worst_cf, fabs(ace_core_repulsion_eval(&cd, r, NULL) - want) / fmax(1, want));
      want *= ace_switch_poly(r, 2.0, 0.3, NULL);
      worst_cf = fmax(worst_cf, fabs(ace_core_repulsion_eval(&cx, r, NULL) - want) / fmax(1, want));
      const double kinks[] = {1.7, 2.0, rc - dc, rc};
      if (near_any(r, kinks, 4, 1e-4)) continue;
      const ace_core_repulsion *cs[3] = {&cd, &cx, &cz};
      for (int m = 0; m < 3; ++m) {
        double d;
        ace_core_repulsion_eval(cs[m], r, &d);
        const double h = 1e-6;
        const double fd = (ace_core_repulsion_eval(cs[m], r + h, NULL) - ace_core_repulsion_eval(cs[m], r - h, NULL)) / (2 * h);
        worst_fd = fmax(worst_fd, fabs(fd - d) / (1 + fabs(d)));
      }
    }
    printf("core repulsion: closed forms %.3g, FD %.3g\n", worst_cf, worst_fd);
    CHECK_CLOSE(worst_cf, 0.0, 1e-14);
    CHECK_CLOSE(worst_fd, 0.0, 1e-7);
    /* exponent cut: |lambda| r^2 >= 50 -> 0 */
    b.lambdahc = 10.0;
    CHECK(ace_core_repulsion_init(&cd, &b, ACE_INNER_CUTOFF_DENSITY, NULL, NULL, &err) == ACEUQ_OK);
    CHECK(ace_core_repulsion_eval(&cd, 2.3, NULL) == 0.0);
    CHECK(ace_core_repulsion_eval(&cd, 2.2, NULL) > 0.0);

    /* ZBL: Z table, a, shift; own bond rc = 2, dc = 0.5 so that E(rc) is not tiny */
    CHECK(ace_atomic_number("H") == 1 && ace_atomic_number("Cu") == 29 && ace_atomic_number("Al") == 13);
    CHECK(ace_atomic_number("Lr") == 103 && ace_atomic_number("W") == 74 && ace_atomic_number("Xx") == 0);
    CHECK(ace_atomic_number("cu") == 0 && ace_atomic_number("") == 0 && ace_atomic_number(NULL) == 0);
    ace_bond bz = b;
    bz.rcut = 2.0, bz.dcut = 0.5, bz.prehc = 1.0;
    CHECK(ace_core_repulsion_init(&cz, &bz, ACE_INNER_CUTOFF_ZBL, "Cu", "Al", &err) == ACEUQ_OK);
    const double rz = 2.0, r1 = 1.5;
    const double a = 0.46850 / (pow(29, 0.23) + pow(13, 0.23)), scale = 1.0 * 14.399645351950543 / 2 * 29 * 13;
    const double cc[4] = {0.18175, 0.50986, 0.28022, 0.02817}, bb[4] = {-3.19980, -0.94229, -0.40290, -0.20162};
    /* below r1: c = scale (phi(r/a)/r + C) with a constant C */
    double shift[5];
    for (int t = 0; t < 5; ++t) {
      const double r = 0.2 + t * 0.3;
      double phi = 0;
      for (int k = 0; k < 4; ++k) phi += cc[k] * exp(bb[k] * r / a);
      shift[t] = ace_core_repulsion_eval(&cz, r, NULL) / scale - phi / r;
    }
    for (int t = 1; t < 5; ++t) CHECK_CLOSE(shift[t], shift[0], 1e-13);
    /* bare E = phi(r/a)/r and E'' at rc, by central differences: what the shift must cancel */
    double Erc[3];
    for (int j = 0; j < 3; ++j) {
      const double r = rz + (j - 1) * 1e-3;
      Erc[j] = 0;
      for (int k = 0; k < 4; ++k) Erc[j] += cc[k] * exp(bb[k] * r / a) / r;
    }
    const double E2rc = (Erc[2] - 2 * Erc[1] + Erc[0]) / 1e-6;
    printf("ZBL at rc: E %.3g, E'' %.3g, shift C %.3g\n", Erc[1], E2rc, shift[0]);
    CHECK(Erc[1] > 1e-4 && E2rc > 1e-3 && fabs(shift[0]) > 1e-4);
    /* E + S, (E + S)', (E + S)'' -> 0 at rc (from the left) */
    double d_lo, d_lo2;
    const double e = 1e-5;
    const double v_lo = ace_zbl_shifted(&cz, rz - e, &d_lo);
    ace_zbl_shifted(&cz, rz - 2 * e, &d_lo2);
    CHECK_CLOSE(v_lo / scale, 0.0, 1e-12);
    CHECK_CLOSE(d_lo / scale, 0.0, 1e-9);
    /* FD curvature at rc - 1.5e: O(e (E+S)''') ~ 1e-6, vs E''(rc) ~ 5e-3 */
    CHECK_CLOSE((d_lo - d_lo2) / e / scale, 0.0, 1e-5);
    /* C2 at r1 = rc - dc: one-sided values, slopes (extrapolated to r1) and
     * curvatures agree (S''' may jump: curvature tolerance O(e S''')) */
    double dm, dp_, dm2, dp2;
    const double vm = ace_zbl_shifted(&cz, r1 - e, &dm), vp = ace_zbl_shifted(&cz, r1 + e, &dp_);
    ace_zbl_shifted(&cz, r1 - 2 * e, &dm2);
    ace_zbl_shifted(&cz, r1 + 2 * e, &dp2);
    CHECK_CLOSE((vp - vm) / scale, e * (dm + dp_) / scale, 1e-12);
    CHECK_CLOSE((2 * dp_ - dp2) / scale, (2 * dm - dm2) / scale, 1e-9);
    CHECK_CLOSE((dp2 - dp_) / e / scale, (dm - dm2) / e / scale, 1e-4);
    /* c and c' vanish at and beyond rc */
    double dz;
    CHECK(ace_core_repulsion_eval(&cz, rz, &dz) == 0.0 && dz == 0.0);
    CHECK(ace_core_repulsion_eval(&cz, rz + 1, &dz) == 0.0 && dz == 0.0);
    /* unknown element */
    CHECK(ace_core_repulsion_init(&cz, &b, ACE_INNER_CUTOFF_ZBL, "Cu", "Qq", &err) == ACEUQ_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "'Qq' is not an element");
    free(b.crad);
  }

  /* ---- splines ------------------------------------------------------------------- */
  for (int it = 0; it < 4; ++it) {
    for (int mode = 0; mode < 3; ++mode) {
      ace_bond b = make_bond(types[it], 8, lambdas[it], rc, dc);
      b.prehc = mode == 2 ? 1.0 : 20.0, b.lambdahc = 1.0, b.r_in = 1.5, b.delta_in = 0.5;
      const ace_inner_cutoff_type t = (ace_inner_cutoff_type)mode;
      const double kinks[] = {1.0, 1.5, rc - dc, rc};
      ace_core_repulsion core;
      CHECK(ace_core_repulsion_init(&core, &b, t, "Ni", "Ni", &err) == ACEUQ_OK);
      const int NR = NRMAX * (LMAXB + 1), nf = 8 + NR + 1;
      /* exactness at the knots (Delta = 0.003: nlut = 1666, h = 5/1666) */
      ace_bond_splines sp;
      CHECK(ace_bond_splines_build(&sp, &b, t, "Ni", "Ni", 0.003, &err) == ACEUQ_OK);
      CHECK(sp.nlut == 1666 && sp.nfunc == nf);
      CHECK(sp.scale == 1666.0 / rc);
      double worst_knot = 0;
      const double h = 1.0 / sp.scale;
      for (int n = 1; n < sp.nlut; n += 7) {
        const double r = h * n;
        double g[8], dg[8], R[NFMAX], dR[NFMAX], c, dc_, ga[8], dga[8], Ra[NFMAX], dRa[NFMAX];
        CHECK(ace_bond_splines_eval(&sp, r, g, dg, R, dR, &c, &dc_, &err) == ACEUQ_OK);
        analytic(&b, t, r, ga, dga, Ra, dRa);
        double dca;
        const double ca = ace_core_repulsion_eval(&core, r, &dca);
        for (int k = 0; k < 8; ++k)
          worst_knot = fmax(worst_knot, (fabs(g[k] - ga[k]) + fabs(dg[k] - dga[k]) / sp.scale) / (1 + fabs(ga[k]) + fabs(dga[k]) / sp.scale));
        for (int f = 0; f < NR; ++f)
          worst_knot = fmax(worst_knot, (fabs(R[f] - Ra[f]) + fabs(dR[f] - dRa[f]) / sp.scale) / (1 + fabs(Ra[f]) + fabs(dRa[f]) / sp.scale));
        worst_knot = fmax(worst_knot, (fabs(c - ca) + fabs(dc_ - dca) / sp.scale) / (1 + fabs(ca) + fabs(dca) / sp.scale));
      }
      CHECK_CLOSE(worst_knot, 0.0, 1e-14);
      /* beyond the last knot and beyond rc: zero */
      double g[8], dg[8], R[NFMAX], dR[NFMAX], c = 1, dc_ = 1;
      for (int k = 0; k < 3; ++k) {
        const double r = k == 0 ? h * sp.nlut : k == 1 ? rc : rc + 2.0;
        CHECK(ace_bond_splines_eval(&sp, r, g, dg, R, dR, &c, &dc_, &err) == ACEUQ_OK);
        int zero = c == 0 && dc_ == 0;
        for (int q = 0; q < 8; ++q) zero &= g[q] == 0 && dg[q] == 0;
        for (int q = 0; q < NR; ++q) zero &= R[q] == 0 && dR[q] == 0;
        CHECK(zero);
      }
      /* very small distance */
      aceuq_error_clear(&err);
      CHECK(ace_bond_splines_eval(&sp, 0.5 * h, g, dg, R, dR, &c, &dc_, &err) == ACEUQ_ERR_VALUE);
      CHECK_STR_CONTAINS(err.message, "very small distance");
      CHECK(ace_bond_splines_eval(&sp, 1.0 * h, g, dg, NULL, NULL, NULL, NULL, &err) == ACEUQ_OK);
      /* the energy table's basis block: the full table's g_k and g_k' exactly (a copy of the
       * same knot data, the same Hermite formula), with or without derivatives; its energy
       * block's R_nl too; the same errors */
      const double wcon[2 * 8] = {1, -0.5, 0.25, 0, 0, 0, 0.3, 0.1, 0, 1, 0, 0, 0, 0, 0, 0};
      CHECK(ace_bond_splines_contract(&sp, 2, wcon, &err) == ACEUQ_OK);
      /* rows of whole 64-byte lines, each starting on one; G_1 = 1 g_1 exactly, so g_1 shares
       * G_1's column (random crad: no R_nl equals another function) */
      CHECK(sp.shared && sp.neu == NR + 2 + 1 && sp.nbu == 7 && sp.umap[NR + 2 + 1 + 1] == NR + 1);
      CHECK(sp.estride == ((4 * (size_t)(NR + 2 + 1 + 7) + 7) & ~(size_t)7));
      CHECK(((uintptr_t)sp.ecoef & 63) == 0);
      /* the energy path's basis as slot sums: one call's sums give g, many calls' the sum of their
       * g in the same order (gsum), bit for bit */
      const int nslot = ace_bond_splines_sum_slots(&sp);
      CHECK(nslot == sp.neu + sp.nbu && nslot <= SLOTMAX);
      int same = 1;
      double acc[SLOTMAX] = {0}, gsum[8] = {0}, gacc[8];
      for (int n = 3; n < sp.nlut + 40; n += 11) {
        const double r = h * (n + 0.37);
        double gb[8], dgb[8], gv[8], Rb[NFMAX], dRb[NFMAX], G[2], dG[2], cb, dcb, ge[8], dge[8], gev[8];
        double se[SLOTMAX] = {0}, sv[SLOTMAX] = {0};
        CHECK(ace_bond_splines_eval(&sp, r, g, dg, R, dR, &c, &dc_, &err) == ACEUQ_OK);
        CHECK(basis_values(&sp, r, gb, dgb, &err) == ACEUQ_OK);
        CHECK(basis_values(&sp, r, gv, NULL, &err) == ACEUQ_OK);
        CHECK(ace_bond_splines_eval_energy(&sp, r, Rb, dRb, G, dG, &cb, &dcb, se, dge, &err) == ACEUQ_OK);
        CHECK(ace_bond_splines_eval_energy(&sp, r, Rb, dRb, G, dG, &cb, &dcb, sv, NULL, &err) == ACEUQ_OK);
        CHECK(ace_bond_splines_eval_energy(&sp, r, Rb, dRb, G, dG, &cb, &dcb, acc, NULL, &err) == ACEUQ_OK);
        ace_bond_splines_basis_sums(&sp, se, ge);
        ace_bond_splines_basis_sums(&sp, sv, gev);
        for (int k = 0; k < 8; ++k) same &= gb[k] == g[k] && dgb[k] == dg[k] && gv[k] == g[k];
        for (int k = 0; k < 8; ++k) same &= ge[k] == g[k] && dge[k] == dg[k] && gev[k] == g[k];
        for (int k = 0; k < 8; ++k) gsum[k] += g[k];
        for (int f = 0; f < NR; ++f) same &= Rb[f] == R[f] && dRb[f] == dR[f];
        same &= cb == c && dcb == dc_ && fabs(G[1] - g[1]) <= 1e-15 * (1 + fabs(g[1]));
      }
      ace_bond_splines_basis_sums(&sp, acc, gacc);
      for (int k = 0; k < 8; ++k) same &= gacc[k] == gsum[k] && gsum[k] != 0;
      CHECK(same);
      aceuq_error_clear(&err);
      CHECK(basis_values(&sp, 0.5 * h, g, dg, &err) == ACEUQ_ERR_VALUE);
      CHECK_STR_CONTAINS(err.message, "very small distance");
      /* without the full table (as evaluators hold it): the energy table gives the same values,
       * the full table's users get an error, not a crash */
      {
        const double r = h * (sp.nlut / 2 + 0.37);
        double gb[8], dgb[8], Rb[NFMAX], dRb[NFMAX], G[2], dG[2], cb, dcb;
        double ga[8], dga[8], Ra[NFMAX], dRa[NFMAX], Ga[2], dGa[2], ca, dca;
        CHECK(basis_values(&sp, r, gb, dgb, &err) == ACEUQ_OK);
        CHECK(ace_bond_splines_eval_energy(&sp, r, Rb, dRb, G, dG, &cb, &dcb, NULL, NULL, &err) == ACEUQ_OK);
        ace_bond_splines_release_full(&sp);
        CHECK(sp.coef == NULL);
        CHECK(basis_values(&sp, r, ga, dga, &err) == ACEUQ_OK);
        CHECK(ace_bond_splines_eval_energy(&sp, r, Ra, dRa, Ga, dGa, &ca, &dca, NULL, NULL, &err) == ACEUQ_OK);
        int kept = ca == cb && dca == dcb && Ga[0] == G[0] && Ga[1] == G[1];
        for (int k = 0; k < 8; ++k) kept &= ga[k] == gb[k] && dga[k] == dgb[k];
        for (int f = 0; f < NR; ++f) kept &= Ra[f] == Rb[f] && dRa[f] == dRb[f];
        CHECK(kept);
        aceuq_error_clear(&err);
        CHECK(ace_bond_splines_eval(&sp, r, g, dg, R, dR, &c, &dc_, &err) == ACEUQ_ERR_VALUE);
        CHECK_STR_CONTAINS(err.message, "full table was released");
        aceuq_error_clear(&err);
        CHECK(ace_bond_splines_contract(&sp, 2, wcon, &err) == ACEUQ_ERR_VALUE);
        CHECK_STR_CONTAINS(err.message, "full table was released");
      }
      ace_bond_splines_free(&sp);

      /* between knots: |f - p| <= h^4/384 max|f''''| on the interval (smooth
       * intervals only), with f'''' from differences of the analytic f' */
      CHECK(ace_bond_splines_build(&sp, &b, t, "Ni", "Ni", 0.05, &err) == ACEUQ_OK);
      const double hh = 1.0 / sp.scale, e4 = 2e-3;
      double worst_ratio = 0, worst_fd = 0;
      for (int s = 0; s < 300; ++s) {
        const int n = 1 + (int)(check_uniform() * (sp.nlut - 2));
        const double r = hh * (n + check_uniform());
        if (near_any(hh * n + 0.5 * hh, kinks, 4, 0.5 * hh + 3 * e4) || hh * n < 0.3) continue;
        double vals[4][KMAX + NFMAX + 1], ders[5][KMAX + NFMAX + 1];
        /* spline at r; analytic f at r; analytic f' at 5 points for f'''' */
        CHECK(ace_bond_splines_eval(&sp, r, vals[0], ders[0], vals[0] + 8, ders[0] + 8, vals[0] + 8 + NR,
                                    ders[0] + 8 + NR, &err) == ACEUQ_OK);
        analytic(&b, t, r, vals[1], ders[1], vals[1] + 8, ders[1] + 8);
        vals[1][8 + NR] = ace_core_repulsion_eval(&core, r, &ders[1][8 + NR]);
        double m4[KMAX + NFMAX + 1] = {0};
        for (int q = 0; q < 3; ++q) { /* sample f'''' at both ends and the middle */
          const double rq = hh * (n + 0.5 * q);
          double dd[5][KMAX + NFMAX + 1], tmp[KMAX + NFMAX + 1];
          for (int j = 0; j < 5; ++j) {
            const double rj = rq + (j - 2) * e4;
            analytic(&b, t, rj, tmp, dd[j], tmp + 8, dd[j] + 8);
            ace_core_repulsion_eval(&core, rj, &dd[j][8 + NR]);
          }
          for (int f = 0; f < nf; ++f)
            m4[f] = fmax(m4[f], fabs(dd[4][f] - 2 * dd[3][f] + 2 * dd[1][f] - dd[0][f]) / (2 * e4 * e4 * e4));
        }
        for (int f = 0; f < nf; ++f) {
          const double bound = 2.0 * pow(hh, 4) / 384 * m4[f] + 1e-13 * (1 + fabs(vals[1][f]));
          worst_ratio = fmax(worst_ratio, fabs(vals[0][f] - vals[1][f]) / bound);
          /* spline derivative is the derivative of the spline values */
          const double fd_h = 1e-7;
          double vp[KMAX + NFMAX + 1], vm[KMAX + NFMAX + 1], tmp[KMAX + NFMAX + 1];
          if (f == 0) {
            ace_bond_splines_eval(&sp, r + fd_h, vp, tmp, vp + 8, tmp + 8, vp + 8 + NR, tmp + 8 + NR, &err);
            ace_bond_splines_eval(&sp, r - fd_h, vm, tmp, vm + 8, tmp + 8, vm + 8 + NR, tmp + 8 + NR, &err);
            for (int q = 0; q < nf; ++q)
              worst_fd = fmax(worst_fd, fabs((vp[q] - vm[q]) / (2 * fd_h) - ders[0][q]) / (1 + fabs(ders[0][q])));
          }
        }
      }
      printf("splines type %d mode %d: knots %.3g, |f - p| / Hermite bound %.3g, FD of spline %.3g\n", it, mode,
             worst_knot, worst_ratio, worst_fd);
      CHECK(worst_ratio <= 1.0);
      CHECK_CLOSE(worst_fd, 0.0, 1e-6);
      ace_bond_splines_free(&sp);
      free(b.crad);
    }
  }

  /* ---- shared columns: crad rows that are unit vectors, as in linear potentials --------
   * R_nl = g_n for every l: the energy block holds g_0..g_3, G_0 and the core repulsion (6
   * columns instead of 4*3 + 1 + 1), the basis block g_4..g_7; every value is the full table's */
  for (int mode = 0; mode < 3; ++mode) {
    ace_bond b = make_bond(ACE_RADBASE_SBESSEL, 8, 0.0, rc, dc);
    b.prehc = 3.0, b.lambdahc = 1.0, b.r_in = 1.5, b.delta_in = 0.5;
    for (int n = 0; n < NRMAX; ++n)
      for (int l = 0; l <= LMAXB; ++l)
        for (int k = 0; k < 8; ++k) b.crad[((size_t)n * (LMAXB + 1) + l) * 8 + k] = k == n;
    const int NR = NRMAX * (LMAXB + 1);
    ace_bond_splines sp;
    CHECK(ace_bond_splines_build(&sp, &b, (ace_inner_cutoff_type)mode, "Cu", "Cu", 0.003, &err) == ACEUQ_OK);
    const double wcon[8] = {0.5, -1, 0.25, 0, 0.1, 0, 0.3, 0.1};
    CHECK(ace_bond_splines_contract(&sp, 1, wcon, &err) == ACEUQ_OK);
    CHECK(sp.shared && sp.neu == NRMAX + 2 && sp.nbu == 8 - NRMAX);
    CHECK(sp.estride == ((4 * (size_t)(NRMAX + 2 + 8 - NRMAX) + 7) & ~(size_t)7));
    const double h = 1.0 / sp.scale;
    /* 16 slots (two 8-lane vectors) where the CPU has wide registers, else the distinct columns */
    const int nslot = ace_bond_splines_sum_slots(&sp);
    CHECK(nslot == (sp.uslot ? 16 : sp.neu + sp.nbu) && nslot <= SLOTMAX);
    int same = 1, nonzero = 0;
    double acc[SLOTMAX] = {0}, gsum[8] = {0}, gacc[8];
    for (int n = 1; n < sp.nlut + 40; n += 5) {
      const double r = h * (n + 0.61);
      double g[8], dg[8], R[NFMAX], dR[NFMAX], c, dc_, ge[8], dge[8], gv[8], gb[8], dgb[8], gbv[8];
      double Re[NFMAX], dRe[NFMAX], Rv[NFMAX], dRv[NFMAX], G, dG, ce, dce, se[SLOTMAX] = {0}, sv[SLOTMAX] = {0};
      CHECK(ace_bond_splines_eval(&sp, r, g, dg, R, dR, &c, &dc_, &err) == ACEUQ_OK);
      CHECK(ace_bond_splines_eval_energy(&sp, r, Re, dRe, &G, &dG, &ce, &dce, se, dge, &err) == ACEUQ_OK);
      CHECK(ace_bond_splines_eval_energy(&sp, r, Rv, dRv, &G, &dG, &ce, &dce, sv, NULL, &err) == ACEUQ_OK);
      CHECK(ace_bond_splines_eval_energy(&sp, r, Rv, dRv, &G, &dG, &ce, &dce, acc, NULL, &err) == ACEUQ_OK);
      ace_bond_splines_basis_sums(&sp, se, ge);
      ace_bond_splines_basis_sums(&sp, sv, gv);
      for (int k = 0; k < 8; ++k) gsum[k] += g[k];
      CHECK(basis_values(&sp, r, gb, dgb, &err) == ACEUQ_OK);
      CHECK(basis_values(&sp, r, gbv, NULL, &err) == ACEUQ_OK);
      double Gf = 0, dGf = 0;
      for (int k = 0; k < 8; ++k) {
        same &= ge[k] == g[k] && dge[k] == dg[k] && gv[k] == g[k] && gb[k] == g[k] && dgb[k] == dg[k] &&
                gbv[k] == g[k];
        Gf += wcon[k] * g[k], dGf += wcon[k] * dg[k];
        nonzero |= g[k] != 0;
      }
      for (int f = 0; f < NR; ++f) same &= Re[f] == R[f] && dRe[f] == dR[f] && Rv[f] == R[f] && dRv[f] == dR[f];
      same &= ce == c && dce == dc_ && fabs(G - Gf) <= 1e-14 * (1 + fabs(Gf)) &&
              fabs(dG - dGf) <= 1e-12 * (1 + fabs(dGf));
    }
    ace_bond_splines_basis_sums(&sp, acc, gacc);
    for (int k = 0; k < 8; ++k) same &= gacc[k] == gsum[k];
    CHECK(same && nonzero);
    ace_bond_splines_free(&sp);
    free(b.crad);
  }

  /* ---- argument errors ---------------------------------------------------------- */
  {
    ace_bond b = make_bond(ACE_RADBASE_CHEBEXPCOS, 4, 5.25, rc, dc);
    ace_bond_splines sp;
    CHECK(ace_bond_splines_build(&sp, &b, ACE_INNER_CUTOFF_DENSITY, NULL, NULL, 0.0, &err) == ACEUQ_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "DeltaSplineBins");
    CHECK(sp.coef == NULL);
    CHECK(ace_bond_splines_build(&sp, &b, ACE_INNER_CUTOFF_ZBL, "Cu", "Unobtainium", 0.001, &err) == ACEUQ_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "'Unobtainium' is not an element");
    b.lambda = 0;
    CHECK(ace_bond_splines_build(&sp, &b, ACE_INNER_CUTOFF_DENSITY, NULL, NULL, 0.001, &err) == ACEUQ_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "ChebExpCos");
    ace_bond_splines_free(&sp);
    free(b.crad);
  }
  return check_summary("test_ace_radial");
}
