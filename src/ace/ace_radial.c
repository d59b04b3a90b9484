/* ace_radial.c -- analytic radial basis and functions, per-bond spline
 * tables (formulas and layout in ace_radial.h). */
#include "ace_radial.h"

#include "ace_core_repulsion.h"
#include "ace_switch.h"
#include "error_internal.h"
#include "hot_internal.h"
#include "vec_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double ace_pi = 3.14159265358979323846;

/* shared spline rows of at most 8 energy and 8 basis slots: outputs by variable vector permutes
 * (GCC's __builtin_shuffle) on AVX-512 CPUs (one two-source permute per 8 outputs); elsewhere one by
 * one -- without AVX-512 GCC builds the permutes element by element through memory, and the spline
 * rows took 3x as long (E 6.4 -> 19.7 us/atom in bench_evaluator, ACEUQ_EMULATE_AVX2) */
#if defined(__GNUC__) && !defined(__clang__)
#define ACE_SPLINE_SLOT_SHUFFLE 1
ACEUQ_DOUBLE_VECTOR(slot_vd, 8)
typedef long long slot_vi __attribute__((vector_size(8 * sizeof(long long))));
#else
#define ACE_SPLINE_SLOT_SHUFFLE 0
#endif

aceuq_status ace_radial_check_bond(const ace_bond *bond, aceuq_error *err)
{
  if (!bond->defined) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "radial basis: the bond is not defined");
  if (!(bond->rcut > 0) || !isfinite(bond->rcut))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "radial basis: rcut must be > 0 (got %g)", bond->rcut);
  if (bond->nradbase < 0 || bond->nradmax < 0 || bond->lmax < 0)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "radial basis: negative size (nradbase %d, nradmax %d, lmax %d)",
                           bond->nradbase, bond->nradmax, bond->lmax);
  if (!bond->crad && bond->nradmax > 0 && bond->nradbase > 0)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "radial basis: radcoefficients missing");
  switch (bond->radbase) {
  case ACE_RADBASE_CHEBEXPCOS:
    if (bond->lambda == 0)
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "radial basis ChebExpCos: radparameters[0] must be != 0");
    break;
  case ACE_RADBASE_CHEBPOW:
  case ACE_RADBASE_CHEBLINEAR:
  case ACE_RADBASE_SBESSEL:
  case ACE_RADBASE_TEST_ZERO:
    break;
  default:
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "radial basis: unknown type %d", (int)bond->radbase);
  }
  return ACEUQ_OK;
}

/* g_k = 1/2 - T_{k+shift}(x)/2 for k + shift >= 1 (g_0 = T_0 = 1 if shift = 0),
 * dg_k = -(k+shift) U_{k+shift-1}(x) dx/2, k = 0..K-1 */
static void chebyshev_basis(int K, int shift, double x, double dx, double *g, double *dg)
{
  const double twox = 2.0 * x;
  double t_prev = 1.0, t = x;      /* T_{m-1}, T_m */
  double u_prev = 1.0, u = twox;   /* U_{m-1}, U_m */
  int k = 0;
  if (shift == 0 && K > 0) g[0] = 1.0, dg[0] = 0.0, k = 1;
  for (int m = k + shift; k < K; ++k, ++m) { /* m >= 1 */
    g[k] = 0.5 - 0.5 * t;
    dg[k] = -0.5 * (m * u_prev) * dx;
    const double t_next = twox * t - t_prev, u_next = twox * u - u_prev;
    t_prev = t, t = t_next;
    u_prev = u, u = u_next;
  }
}

static double sinc(double x) { return x != 0.0 ? sin(x) / x : 1.0; }
static double dsinc(double x) { return x != 0.0 ? (cos(x) * x - sin(x)) / (x * x) : 0.0; }

/* f_n(r) and f_n'(r) of the simplified spherical Bessel basis */
static void sbessel_aux(int n, double r, double rc, double *f, double *df)
{
  const double a = n + 1.0, b = n + 2.0;
  const double pre = ((n & 1) ? -1.0 : 1.0) * sqrt(2.0) * ace_pi / pow(rc, 1.5) * a * b / sqrt(a * a + b * b);
  const double ka = a * ace_pi / rc, kb = b * ace_pi / rc;
  *f = pre * (sinc(r * ka) + sinc(r * kb));
  *df = pre * (dsinc(r * ka) * ka + dsinc(r * kb) * kb);
}

static void sbessel_basis(int K, double r, double rc, double *g, double *dg)
{
  if (K <= 0) return;
  sbessel_aux(0, r, rc, &g[0], &dg[0]);
  double d_prev = 1.0;
  for (int n = 1; n < K; ++n) {
    const double e = (double)n * n * (n + 2.0) * (n + 2.0) / (4.0 * pow(n + 1.0, 4) + 1.0);
    const double d = 1.0 - e / d_prev;
    const double mix = sqrt(e / d_prev), norm = 1.0 / sqrt(d);
    double f, df;
    sbessel_aux(n, r, rc, &f, &df);
    g[n] = norm * (f + mix * g[n - 1]);
    dg[n] = norm * (df + mix * dg[n - 1]);
    d_prev = d;
  }
}

/* g *= s, dg = dg s + g ds for all K functions */
static void scale_basis(int K, double s, double ds, double *g, double *dg)
{
  for (int k = 0; k < K; ++k) {
    dg[k] = dg[k] * s + g[k] * ds;
    g[k] *= s;
  }
}

void ace_radial_basis(const ace_bond *bond, ace_inner_cutoff_type type, double r, double *g, double *dg)
{
  const int K = bond->nradbase;
  const double rc = bond->rcut, lam = bond->lambda;
  const double delta_in = bond->delta_in;
  const double r_in = type == ACE_INNER_CUTOFF_ZBL ? (delta_in == 0 ? 1.0 : 0.0) : bond->r_in;
  if (r <= r_in - delta_in || r >= rc) {
    for (int k = 0; k < K; ++k) g[k] = dg[k] = 0.0;
    return;
  }
  switch (bond->radbase) {
  case ACE_RADBASE_CHEBEXPCOS: {
    const double y1 = exp(-lam * r / rc), y2 = exp(-lam);
    const double x = 1.0 - 2.0 * ((y1 - y2) / (1.0 - y2));
    const double dx = 2.0 * (lam / rc) * (y1 / (1.0 - y2));
    chebyshev_basis(K, 0, x, dx, g, dg);
    scale_basis(K, 0.5 * (1.0 + cos(ace_pi * r / rc)), -0.5 * sin(ace_pi * r / rc) * ace_pi / rc, g, dg);
    const double r_taper = rc - bond->dcut, dc = bond->dcut;
    if (r > r_taper)
      scale_basis(K, 0.5 * (1.0 + cos(ace_pi * (r - r_taper) / dc)),
                  -0.5 * sin(ace_pi * (r - r_taper) / dc) * ace_pi / dc, g, dg);
    break;
  }
  case ACE_RADBASE_CHEBPOW: {
    const double t = 1.0 - r / rc, tpow = pow(t, lam - 1.0);
    const double y = tpow * t, dy = -lam / rc * tpow;
    chebyshev_basis(K, 1, 2.0 * (1.0 - y) - 1.0, -2.0 * dy, g, dg);
    break;
  }
  case ACE_RADBASE_CHEBLINEAR:
    chebyshev_basis(K, 1, 1.0 - r / rc, -1.0 / rc, g, dg);
    break;
  case ACE_RADBASE_SBESSEL:
    sbessel_basis(K, r, rc, g, dg);
    break;
  case ACE_RADBASE_TEST_ZERO:
  default:
    for (int k = 0; k < K; ++k) g[k] = dg[k] = 0.0;
    return;
  }
  if (type == ACE_INNER_CUTOFF_DISTANCE || type == ACE_INNER_CUTOFF_ZBL) {
    double dp;
    const double p = ace_switch_poly(r, r_in, delta_in, &dp);
    scale_basis(K, 1.0 - p, -dp, g, dg);
  }
}

void ace_radial_functions(const ace_bond *bond, const double *g, const double *dg, double *R, double *dR)
{
  const int K = bond->nradbase, nfun = bond->nradmax * (bond->lmax + 1);
  for (int f = 0; f < nfun; ++f) {
    const double *c = bond->crad + (size_t)f * K;
    double v = 0.0, d = 0.0;
    for (int k = 0; k < K; ++k) {
      v += c[k] * g[k];
      d += c[k] * dg[k];
    }
    R[f] = v;
    dR[f] = d;
  }
}

void ace_bond_splines_free(ace_bond_splines *sp)
{
  if (!sp) return;
  free(sp->coef);
  free(sp->ecoef);
  free(sp->umap);
  free(sp->uslot);
  memset(sp, 0, sizeof *sp);
}

aceuq_status ace_bond_splines_build(ace_bond_splines *sp, const ace_bond *bond, ace_inner_cutoff_type type,
                                    const char *element_i, const char *element_j, double delta_spline_bins,
                                    aceuq_error *err)
{
  memset(sp, 0, sizeof *sp);
  aceuq_status st = ace_radial_check_bond(bond, err);
  if (st != ACEUQ_OK) return st;
  if (!(delta_spline_bins > 0) || !isfinite(delta_spline_bins))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "DeltaSplineBins must be > 0 (got %g)", delta_spline_bins);
  const double bins = bond->rcut / delta_spline_bins;
  if (bins < 1.0 || bins > 1e8)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "spline tables: rcut/DeltaSplineBins = %g/%g must be between 1 and 1e8", bond->rcut,
                           delta_spline_bins);
  ace_core_repulsion core;
  st = ace_core_repulsion_init(&core, bond, type, element_i, element_j, err);
  if (st != ACEUQ_OK) return st;

  const int K = bond->nradbase, NR = bond->nradmax * (bond->lmax + 1), nf = K + NR + 1;
  const int nlut = (int)bins;
  /* one block for the table and the work arrays of the tabulation:
   * g, dg [K], values and slopes at r_n [nf], at r_{n+1} [nf] */
  const size_t ncoef = (size_t)(nlut + 1) * 4 * nf, nwork = 2 * (size_t)K + 4 * (size_t)nf;
  double *coef = calloc(ncoef + nwork, sizeof *coef);
  if (!coef) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "spline tables: out of memory (%d knots)", nlut);
  double *g = coef + ncoef, *dg = g + K, *f0 = dg + K, *d0 = f0 + nf, *f1 = d0 + nf, *d1 = f1 + nf;

  const double s = (double)nlut / bond->rcut, h = 1.0 / s;
  /* from the last knot down; f1, d1 hold the point n + 1 ((0, 0) beyond the last knot) */
  for (int n = nlut; n >= 1; --n) {
    const double r = h * (double)n;
    ace_radial_basis(bond, type, r, g, dg);
    ace_radial_functions(bond, g, dg, f0 + K, d0 + K);
    memcpy(f0, g, sizeof *g * (size_t)K);
    memcpy(d0, dg, sizeof *dg * (size_t)K);
    f0[nf - 1] = ace_core_repulsion_eval(&core, r, &d0[nf - 1]);
    double *row = coef + (size_t)n * 4 * nf;
    for (int f = 0; f < nf; ++f) {
      const double v0 = f0[f], s0 = d0[f] * h, v1 = f1[f], s1 = d1[f];
      row[f] = v0;
      row[nf + f] = s0;
      row[2 * nf + f] = 3.0 * (v1 - v0) - s1 - 2.0 * s0;
      row[3 * nf + f] = -2.0 * (v1 - v0) + s1 + s0;
      f1[f] = v0;
      d1[f] = s0;
    }
  }
  sp->nradbase = K;
  sp->nradmax = bond->nradmax;
  sp->lmax = bond->lmax;
  sp->nfunc = nf;
  sp->nlut = nlut;
  sp->rcut = bond->rcut;
  sp->scale = s;
  sp->coef = coef;
  return ACEUQ_OK;
}

/* Hermite cubic of functions [first, first + count) of one table row, values (unless v is NULL)
 * stored into v or, with add, added to it, and (unless d is NULL) derivatives d; always inlined,
 * so that it is compiled (vectorised) with each ACEUQ_HOT clone of its callers */
static inline __attribute__((always_inline)) void hermite_eval(const double *row, int nf, int first, int count,
                                                               double w, double s, double *v, int add, double *d)
{
  const double w2 = w * w, w3 = w2 * w, tw = 2.0 * w, tw2 = 3.0 * w2;
  const double *c0 = row + first, *c1 = c0 + nf, *c2 = c1 + nf, *c3 = c2 + nf;
  for (int f = 0; v && f < count; ++f) {
    const double x = c0[f] + c1[f] * w + c2[f] * w2 + c3[f] * w3;
    v[f] = add ? v[f] + x : x;
  }
  if (d)
    for (int f = 0; f < count; ++f) d[f] = (c1[f] + c2[f] * tw + c3[f] * tw2) * s;
}
static inline __attribute__((always_inline)) void hermite_range(const double *row, int nf, int first, int count,
                                                                double w, double s, double *v, double *d)
{
  hermite_eval(row, nf, first, count, w, s, v, 0, d);
}

/* The knot interval of r in a table with rows of `stride` doubles: *row and *w, or *row = NULL
 * beyond the last knot (all functions 0 there); an error below the first knot. */
static aceuq_status spline_locate(const ace_bond_splines *sp, double r, const double *table, size_t stride,
                                  const double **row, double *w, aceuq_error *err)
{
  const double x = r * sp->scale, fl = floor(x);
  *row = NULL;
  if (!(fl >= 1.0)) {
    if (!isfinite(r)) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "radial splines: distance is %g", r);
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "Encountered very small distance r = %.17g (the radial splines start at %.17g)", r,
                           1.0 / sp->scale);
  }
  if (fl >= (double)sp->nlut) return ACEUQ_OK;
  const int n = (int)fl;
  *w = x - (double)n;
  *row = table + (size_t)n * stride;
  return ACEUQ_OK;
}

ACEUQ_HOT aceuq_status ace_bond_splines_eval(const ace_bond_splines *sp, double r, double *g, double *dg, double *R,
                                             double *dR, double *c, double *dc, aceuq_error *err)
{
  const int K = sp->nradbase, NR = sp->nradmax * (sp->lmax + 1), nf = sp->nfunc;
  const double *row = NULL, s = sp->scale;
  double w = 0.0;
  if (!sp->coef)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "radial splines: the full table was released (energy table only)");
  const aceuq_status st = spline_locate(sp, r, sp->coef, 4 * (size_t)nf, &row, &w, err);
  if (st) return st;
  if (!row) {
    if (g && dg)
      for (int k = 0; k < K; ++k) g[k] = dg[k] = 0.0;
    if (R && dR)
      for (int f = 0; f < NR; ++f) R[f] = dR[f] = 0.0;
    if (c && dc) *c = *dc = 0.0;
    return ACEUQ_OK;
  }
  if (g && dg) hermite_range(row, nf, 0, K, w, s, g, dg);
  if (R && dR) hermite_range(row, nf, K, NR, w, s, R, dR);
  if (c && dc) hermite_range(row, nf, nf - 1, 1, w, s, c, dc);
  return ACEUQ_OK;
}

/* Columns of the energy table before sharing: c < ne the energy functions (R_nl, the G_p, the
 * core repulsion), ne + k the basis function g_k; value of column c, coefficient a, knot n. */
static double candidate_column(const ace_bond_splines *sp, int ncontract, const double *w, int c, int n, int a)
{
  const int K = sp->nradbase, NR = sp->nradmax * (sp->lmax + 1), nf = sp->nfunc, ne = NR + ncontract + 1;
  const double *src = sp->coef + ((size_t)n * 4 + a) * nf;
  if (c < NR) return src[K + c];
  if (c < ne - 1) {
    const double *wp = w + (size_t)(c - NR) * K;
    double v = 0.0;
    for (int k = 0; k < K; ++k) v += wp[k] * src[k];
    return v;
  }
  if (c == ne - 1) return src[nf - 1];
  return src[c - ne];
}

/* The first column e < c equal to column c at every knot and coefficient, or -1. */
static int first_equal_column(const double *cand, size_t nrow, int nc, int c)
{
  for (int e = 0; e < c; ++e) {
    int eq = 1;
    for (size_t r = 4; r < nrow && eq; ++r) eq = cand[r * nc + c] == cand[r * nc + e];
    if (eq) return e;
  }
  return -1;
}

/* Rows of the energy table: the energy block [4][neu] of the distinct energy functions, then the
 * basis block [4][nbu] of the g_k that are none of them.  Columns equal at every knot (all four
 * coefficients, ==) are stored once: in linear potentials R_nl = g_n for every l, so for
 * potentials/Cu the 18 R_nl are 6 columns and 6 of the 12 g_k are those same columns -- a row of
 * 7 cache lines instead of 16, an energy block of 4 instead of 10.  A column's Hermite cubic
 * depends only on its coefficients, so shared columns give the same values bit for bit. */
aceuq_status ace_bond_splines_contract(ace_bond_splines *sp, int ncontract, const double *w, aceuq_error *err)
{
  const int K = sp->nradbase, NR = sp->nradmax * (sp->lmax + 1), ne = NR + ncontract + 1, nc = ne + K;
  if (!sp->coef)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "radial splines: the full table was released (energy table only)");
  /* the candidate columns, knot-major ([n][a][c]), to compare and to copy from */
  const size_t nrow = (size_t)(sp->nlut + 1) * 4;
  double *cand = malloc(sizeof *cand * nrow * (size_t)nc);
  int *umap = malloc(sizeof *umap * (size_t)nc);
  if (!cand || !umap) {
    free(cand);
    free(umap);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "spline tables: out of memory");
  }
  for (int n = 1; n <= sp->nlut; ++n)
    for (int a = 0; a < 4; ++a)
      for (int c = 0; c < nc; ++c) cand[((size_t)n * 4 + a) * nc + c] = candidate_column(sp, ncontract, w, c, n, a);
  /* column c shares the slot of the first equal column before it; the energy columns come first,
   * so their slots are 0..neu-1 and neu is final when the basis columns get neu..neu+nbu-1 */
  int neu = 0, nbu = 0;
  for (int c = 0; c < nc; ++c) {
    const int same = nc <= ACE_SPLINE_SHARED_MAX ? first_equal_column(cand, nrow, nc, c) : -1;
    umap[c] = same >= 0 ? umap[same] : c < ne ? neu++ : neu + nbu++;
  }
  /* rows start on 64-byte lines: a neighbour's energy block then touches ceil(32 neu / 64) lines, not one more */
  const size_t stride = (4 * (size_t)(neu + nbu) + 7) & ~(size_t)7;
  const size_t bytes = (size_t)(sp->nlut + 1) * stride * sizeof *sp->ecoef;
  free(sp->ecoef);
  free(sp->umap);
  sp->ecoef = aligned_alloc(64, bytes);
  sp->umap = umap;
  if (!sp->ecoef) {
    free(cand);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "spline tables: out of memory");
  }
  memset(sp->ecoef, 0, bytes);
  for (int n = 1; n <= sp->nlut; ++n)
    for (int a = 0; a < 4; ++a)
      for (int c = 0; c < nc; ++c) {
        const int u = umap[c];
        double *row = sp->ecoef + (size_t)n * stride;
        double *dst = u < neu ? row + (size_t)a * neu + u : row + 4 * (size_t)neu + (size_t)a * nbu + (u - neu);
        *dst = cand[((size_t)n * 4 + a) * nc + c];
      }
  free(cand);
  /* the slots of the energy outputs (ne, padded with 0 to whole vectors of 8), then of the g_k */
  free(sp->uslot);
  sp->uslot = NULL;
  const int nepad = (ne + 7) & ~7;
  if (ACE_SPLINE_SLOT_SHUFFLE && cpu_wide_registers() && (neu < ne || nbu < K) && neu <= 8 && nbu <= 8) {
    /* permute indices into (energy vector, basis vector): energy slot u -> u, basis slot neu + j -> 8 + j */
    sp->uslot = calloc((size_t)nepad + (size_t)((K + 7) & ~7), sizeof *sp->uslot);
    if (!sp->uslot) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "spline tables: out of memory");
    for (int c = 0; c < nc; ++c) {
      const int u = umap[c];
      sp->uslot[c < ne ? c : nepad + (c - ne)] = u < neu ? u : 8 + (u - neu);
    }
  }
  sp->ncontract = ncontract;
  sp->nefunc = ne;
  sp->neu = neu;
  sp->nbu = nbu;
  sp->shared = neu < ne || nbu < K;
  sp->estride = stride;
  return ACEUQ_OK;
}

void ace_bond_splines_release_full(ace_bond_splines *sp)
{
  free(sp->coef);
  sp->coef = NULL;
}

/* Unshared layout: the basis block of an energy-table row at w (slots nefunc .. nefunc + nradbase - 1)
 * added to sums and its derivatives into dg (either NULL: skipped) */
static inline __attribute__((always_inline)) void unshared_basis_eval(const ace_bond_splines *sp, const double *row,
                                                                      double w, double *sums, double *dg)
{
  const int K = sp->nradbase, ne = sp->nefunc;
  if (sums || dg) hermite_eval(row + 4 * (size_t)ne, K, 0, K, w, sp->scale, sums ? sums + ne : NULL, 1, dg);
}

#if ACE_SPLINE_SLOT_SHUFFLE
/* hermite_range of the first 8 functions of a block with nf per coefficient, as vectors (the same
 * operations per lane; lanes >= nf read the next coefficients' values and are never used -- a
 * looked-up row n < nlut is followed by row n + 1 of the table, so the loads stay inside it) */
static inline __attribute__((always_inline)) void hermite_vec(const double *blk, int nf, double w, double s,
                                                              slot_vd *v, slot_vd *d)
{
  const double w2 = w * w, w3 = w2 * w, tw = 2.0 * w, tw2 = 3.0 * w2;
  const slot_vd c0 = slot_vd_load(blk), c1 = slot_vd_load(blk + nf), c2 = slot_vd_load(blk + 2 * nf),
                c3 = slot_vd_load(blk + 3 * nf);
  *v = c0 + c1 * w + c2 * w2 + c3 * w3;
  *d = (c1 + c2 * tw + c3 * tw2) * s;
}
#endif

/* Shared layout: every output from the slot umap[c] of its column.  With uslot (at most 8 energy
 * and 8 basis slots) the slots stay in two vectors (energy, basis) and 8 outputs come from one
 * pair of vector permutes; else the distinct columns go through U, dU [neu + nbu].  Energy outputs
 * unless R is NULL; the basis block only when sums or dg is asked for: the slot values added to sums
 * (ace_bond_splines_sum_slots), the derivatives g_k' into dg. */
static inline __attribute__((always_inline)) void shared_row_eval(const ace_bond_splines *sp, const double *row,
                                                                  double w, double *R, double *dR, double *G,
                                                                  double *dG, double *c, double *dc, double *dg,
                                                                  double *sums)
{
  const int NR = sp->nradmax * (sp->lmax + 1), nc = sp->ncontract, ne = sp->nefunc, K = sp->nradbase;
  const int neu = sp->neu, nbu = sp->nbu;
  const int *um = sp->umap;
#if ACE_SPLINE_SLOT_SHUFFLE
  if (sp->uslot) {
    slot_vd e, de, b = {0}, db = {0};
    hermite_vec(row, neu, w, sp->scale, &e, &de);
    if ((dg || sums) && nbu > 0) hermite_vec(row + 4 * (size_t)neu, nbu, w, sp->scale, &b, &db);
    if (sums) { /* lanes past neu / nbu add values that ace_bond_splines_basis_sums never reads */
      slot_vd_store(sums, slot_vd_load(sums) + e);
      slot_vd_store(sums + 8, slot_vd_load(sums + 8) + b);
    }
    double t[8], dt[8];
    for (int o = 0; R && o < ne; o += 8) { /* energy outputs o: R_nl (o < NR), G_p, c */
      slot_vi ix;
      memcpy(&ix, sp->uslot + o, sizeof ix);
      const slot_vd v = __builtin_shuffle(e, b, ix), dv = __builtin_shuffle(de, db, ix);
      if (o + 8 <= NR) {
        slot_vd_store(R + o, v);
        slot_vd_store(dR + o, dv);
        continue;
      }
      slot_vd_store(t, v);
      slot_vd_store(dt, dv);
      for (int f = o; f < o + 8 && f < ne; ++f) {
        double *x = f < NR ? R + f : f < ne - 1 ? G + (f - NR) : c;
        double *dx = f < NR ? dR + f : f < ne - 1 ? dG + (f - NR) : dc;
        *x = t[f - o], *dx = dt[f - o];
      }
    }
    for (int o = 0; dg && o < K; o += 8) { /* basis derivatives g_k' */
      slot_vi ix;
      memcpy(&ix, sp->uslot + ((ne + 7) & ~7) + o, sizeof ix); /* after the energy outputs' whole vectors */
      const slot_vd dv = __builtin_shuffle(de, db, ix);
      if (o + 8 <= K) {
        slot_vd_store(dg + o, dv);
        continue;
      }
      slot_vd_store(dt, dv);
      for (int k = o; k < K; ++k) dg[k] = dt[k - o];
    }
    return;
  }
#endif
  double U[ACE_SPLINE_SHARED_MAX], dU[ACE_SPLINE_SHARED_MAX];
  hermite_range(row, neu, 0, neu, w, sp->scale, U, dU);
  if ((dg || sums) && nbu > 0)
    hermite_range(row + 4 * (size_t)neu, nbu, 0, nbu, w, sp->scale, U + neu, dg ? dU + neu : NULL);
  for (int u = 0; sums && u < neu + nbu; ++u) sums[u] += U[u];
  if (R) {
    for (int f = 0; f < NR; ++f) R[f] = U[um[f]], dR[f] = dU[um[f]];
    for (int p = 0; p < nc; ++p) G[p] = U[um[NR + p]], dG[p] = dU[um[NR + p]];
    *c = U[um[ne - 1]], *dc = dU[um[ne - 1]];
  }
  if (dg)
    for (int k = 0; k < K; ++k) dg[k] = dU[um[ne + k]];
}

ACEUQ_HOT aceuq_status ace_bond_splines_eval_energy(const ace_bond_splines *sp, double r, double *R, double *dR,
                                                    double *G, double *dG, double *c, double *dc, double *sums,
                                                    double *dg, aceuq_error *err)
{
  const int NR = sp->nradmax * (sp->lmax + 1), nc = sp->ncontract, ne = sp->nefunc;
  const double *row = NULL, s = sp->scale;
  double w = 0.0;
  const aceuq_status st = spline_locate(sp, r, sp->ecoef, sp->estride, &row, &w, err);
  if (st) return st;
  if (!row) { /* beyond the last knot: all 0, nothing to add */
    for (int f = 0; f < NR; ++f) R[f] = dR[f] = 0.0;
    for (int p = 0; p < nc; ++p) G[p] = dG[p] = 0.0;
    *c = *dc = 0.0;
    for (int k = 0; dg && k < sp->nradbase; ++k) dg[k] = 0.0;
    return ACEUQ_OK;
  }
  if (sp->shared) {
    shared_row_eval(sp, row, w, R, dR, G, dG, c, dc, dg, sums);
    return ACEUQ_OK;
  }
  unshared_basis_eval(sp, row, w, sums, dg);
  hermite_range(row, ne, 0, NR, w, s, R, dR);
  hermite_range(row, ne, NR, nc, w, s, G, dG);
  hermite_range(row, ne, ne - 1, 1, w, s, c, dc);
  return ACEUQ_OK;
}

int ace_bond_splines_sum_slots(const ace_bond_splines *sp) { return sp->uslot ? 16 : sp->neu + sp->nbu; }

void ace_bond_splines_basis_sums(const ace_bond_splines *sp, const double *sums, double *g)
{
  const int ne = sp->nefunc;
  for (int k = 0; k < sp->nradbase; ++k) g[k] = sums[sp->uslot ? sp->uslot[((ne + 7) & ~7) + k] : sp->umap[ne + k]];
}

ACEUQ_HOT aceuq_status ace_bond_splines_eval_basis(const ace_bond_splines *sp, double r, double *sums, double *dg,
                                                   aceuq_error *err)
{
  const double *row = NULL;
  double w = 0.0;
  const aceuq_status st = spline_locate(sp, r, sp->ecoef, sp->estride, &row, &w, err);
  if (st) return st;
  if (!row)
    for (int k = 0; dg && k < sp->nradbase; ++k) dg[k] = 0.0;
  else if (sp->shared)
    shared_row_eval(sp, row, w, NULL, NULL, NULL, NULL, NULL, NULL, dg, sums);
  else
    unshared_basis_eval(sp, row, w, sums, dg);
  return ACEUQ_OK;
}
