/* ace_radial.h -- radial basis g_k(r), radial functions R_nl(r) and their
 * per-bond cubic Hermite spline tables, as ML-PACE evaluates them
 * (ace.md section 4).
 *
 * Radial basis of one ordered pair (lambda, rc, dc, K = nradbase); T_n, U_n
 * Chebyshev polynomials of the 1st/2nd kind, dT_n/dx = n U_{n-1}:
 *   ChebExpCos: y1 = exp(-lambda r/rc), y2 = exp(-lambda),
 *               x = 1 - 2 (y1 - y2)/(1 - y2);  g_0 = 1, g_k = 1/2 - T_k(x)/2 (k >= 1),
 *               all times env = (1 + cos(pi r/rc))/2 and, for r > rc - dc,
 *               times (1 + cos(pi (r - rc + dc)/dc))/2.
 *   ChebPow:    x = 2 (1 - (1 - r/rc)^lambda) - 1;  g_k = 1/2 - T_{k+1}(x)/2.
 *   ChebLinear: x = 1 - r/rc;                       g_k = 1/2 - T_{k+1}(x)/2.
 *   SBessel:    f_n(r) = (-1)^n sqrt2 pi rc^-3/2 (n+1)(n+2)/sqrt((n+1)^2 + (n+2)^2)
 *                        [sinc((n+1) pi r/rc) + sinc((n+2) pi r/rc)],
 *               g_0 = f_0, d_0 = 1, e_n = n^2 (n+2)^2/(4 (n+1)^4 + 1), d_n = 1 - e_n/d_{n-1},
 *               g_n = (f_n + sqrt(e_n/d_{n-1}) g_{n-1})/sqrt(d_n)
 *               (orthonormal: int_0^rc g_m g_n r^2 dr = delta_mn).
 * Inner cutoff (ML-PACE semantics, r_in/delta_in of the bond):
 *   every mode:       g = 0 for r <= r_in' - delta_in and for r >= rc;
 *   distance and zbl: g *= 1 - P(r; r_in', delta_in)   (P: ace_switch.h);
 *   r_in' = r_in, except zbl: r_in' = (delta_in == 0 ? 1 : 0), i.e. the basis
 *   is not inner-cut in zbl mode (ML-PACE quirk: with delta_in = 0 it is zero
 *   for r <= 1 A).
 * Radial functions: R_nl = sum_k crad[n][l][k] g_k, n < nradmax, l <= lmax.
 */
#ifndef ACEUQ_ACE_RADIAL_H
#define ACEUQ_ACE_RADIAL_H

#include "ace_model.h"
#include "aceuq.h"

/* Most functions of one energy-table row that may share columns (more: none are shared). */
#define ACE_SPLINE_SHARED_MAX 128

/* Check that a bond's radial parameters can be evaluated (sizes, rcut > 0,
 * crad present, ChebExpCos lambda != 0). */
aceuq_status ace_radial_check_bond(const ace_bond *bond, aceuq_error *err);

/* Analytic g_k(r) and dg_k/dr, k = 0..nradbase-1, inner cutoff included.
 * r > 0.  No allocation. */
void ace_radial_basis(const ace_bond *bond, ace_inner_cutoff_type type, double r, double *g, double *dg);

/* R[n*(lmax+1) + l] = sum_k crad[n][l][k] g[k] (and dR from dg). */
void ace_radial_functions(const ace_bond *bond, const double *g, const double *dg, double *R, double *dR);

/* Spline tables of one bond: the nradbase g_k, the nradmax*(lmax+1) R_nl and
 * c(r), on nlut = (int)(rcut/Delta) intervals of width h = 1/s,
 * s = nlut/rcut, knots r_n = h n (n = 1..nlut), plus the point n = nlut+1
 * with value and slope 0.  With f_n = f(r_n), f'_n = f'(r_n) h, row n holds
 *   c0 = f_n, c1 = f'_n, c2 = 3(f_{n+1} - f_n) - f'_{n+1} - 2 f'_n,
 *   c3 = -2(f_{n+1} - f_n) + f'_{n+1} + f'_n,
 * and at x = r s, n = floor(x), w = x - n:
 *   f = c0 + c1 w + c2 w^2 + c3 w^3,  f' = (c1 + 2 c2 w + 3 c3 w^2) s;
 * n <= 0 is an error ("very small distance"), n >= nlut gives 0.
 * Layout: coef[n][4][nfunc], all functions of one knot contiguous, function
 * index f = k (g_k), then nradbase + n*(lmax+1) + l (R_nl), then the last (c). */
typedef struct ace_bond_splines {
  int nradbase, nradmax, lmax;
  int nfunc;                  /* nradbase + nradmax*(lmax+1) + 1 */
  int nlut;
  double rcut;
  double scale;               /* s = nlut / rcut */
  double *coef;               /* [(nlut+1)][4][nfunc]; row 0 unused; NULL once released */
  /* the energy table (ace_bond_splines_contract): the nefunc energy functions -- R_nl, ncontract
   * linear combinations G_p of the g_k, the core repulsion -- which are what an energy and force
   * evaluation needs when the rank-1 functions enter only through densities, then the basis
   * functions g_k themselves (projections and gradients), so that a projection step reads one
   * contiguous row.  Functions whose tables are equal are stored once (shared): the row holds the
   * neu distinct energy functions ([4][neu], the energy block), then the nbu g_k that are none of
   * them ([4][nbu], the basis block); umap[c] is the slot of function c (c < nefunc energy,
   * nefunc + k the g_k), slots >= neu in the basis block.  Unshared: neu = nefunc, nbu = nradbase,
   * umap the identity. */
  int ncontract, nefunc;      /* nefunc = nradmax*(lmax+1) + ncontract + 1 */
  int neu, nbu, shared;
  int *umap;                  /* [nefunc + nradbase] */
  long long *uslot;           /* shared with at most 8 energy and 8 basis slots: vector permute indices of
                               * the energy functions (padded to whole vectors of 8), then of the g_k --
                               * slot u < neu is u, slot neu + j is 8 + j; else NULL */
  size_t estride;             /* 4 (neu + nbu), rounded up to whole 64-byte lines (rows are aligned) */
  double *ecoef;              /* [(nlut+1)][estride]; NULL until contracted */
} ace_bond_splines;

/* Build the tables.  element_i/element_j (symbols of the pair) are needed
 * for zbl only.  On failure *sp is left empty (safe to free). */
aceuq_status ace_bond_splines_build(ace_bond_splines *sp, const ace_bond *bond, ace_inner_cutoff_type type,
                                    const char *element_i, const char *element_j, double delta_spline_bins,
                                    aceuq_error *err);
void ace_bond_splines_free(ace_bond_splines *sp);

/* Spline values at distance r into caller arrays: g, dg [nradbase];
 * R, dR [nradmax*(lmax+1)] (index n*(lmax+1) + l); c, dc [1].  Any output
 * pair may be NULL (skipped).  No allocation.  Fails (ACEUQ_ERR_VALUE,
 * "very small distance") if r < 1/s (r is not finite likewise). */
aceuq_status ace_bond_splines_eval(const ace_bond_splines *sp, double r, double *g, double *dg, double *R,
                                   double *dR, double *c, double *dc, aceuq_error *err);

/* The energy table with G_p(r) = sum_k w[p * nradbase + k] g_k(r), p < ncontract.
 * A Hermite cubic is linear in its knot data, so the G_p rows are the same
 * combinations of the g_k rows: G_p from this table equals sum_k w g_k from the
 * full one up to round-off, and every other function is a copy of the full table's
 * (bit for bit the same values); equal columns are stored once (see umap). */
aceuq_status ace_bond_splines_contract(ace_bond_splines *sp, int ncontract, const double *w, aceuq_error *err);

/* Free the full table (coef) once the energy table is built: evaluators read only the
 * energy table, and the full one is as large (megabytes per bond).  Afterwards
 * ace_bond_splines_eval and ace_bond_splines_contract fail with ACEUQ_ERR_VALUE. */
void ace_bond_splines_release_full(ace_bond_splines *sp);

/* Ask for the energy-table row of distance r (with the basis block when basis) ahead of its
 * evaluation: the tables are megabytes and each neighbour reads a row at a random place.
 * No effect on any value. */
static inline void ace_bond_splines_prefetch(const ace_bond_splines *sp, double r, int basis)
{
  const double x = r * sp->scale;
  if (!(x >= 1.0 && x < (double)sp->nlut) || !sp->ecoef) return;
  const double *row = sp->ecoef + (size_t)x * sp->estride;
  const size_t len = basis ? sp->estride : 4 * (size_t)sp->neu;
  for (size_t k = 0; k < len; k += 8) __builtin_prefetch(row + k);
}

/* From the energy table: R, dR [nradmax*(lmax+1)], G, dG [ncontract], c, dc [1]; and from the basis
 * block of the same row, unless sums is NULL, the values of the row's slots added to sums
 * [ace_bond_splines_sum_slots(sp)], and unless dg is NULL, dg [nradbase] (the g_k' of ace_bond_splines_eval,
 * bit for bit).  Over the neighbours of one bond (sums starting at 0), ace_bond_splines_basis_sums then
 * gives sum_j g_k(r_j): the slots hold the g_k values, only not permuted into place, so these are the
 * additions of summing each call's g, in the same order.  Same distance checks as ace_bond_splines_eval. */
aceuq_status ace_bond_splines_eval_energy(const ace_bond_splines *sp, double r, double *R, double *dR, double *G,
                                          double *dG, double *c, double *dc, double *sums, double *dg,
                                          aceuq_error *err);
/* Length of the slot sums of ace_bond_splines_eval_energy: 16 with uslot, else neu + nbu. */
int ace_bond_splines_sum_slots(const ace_bond_splines *sp);
/* g [nradbase] from the slot sums: g[k] = sums[slot of g_k]. */
void ace_bond_splines_basis_sums(const ace_bond_splines *sp, const double *sums, double *g);
/* From the energy table's basis block only: as ace_bond_splines_eval_energy's sums and dg (either
 * NULL: skipped); the g_k of one call are ace_bond_splines_basis_sums of sums that start at 0, the
 * same values as ace_bond_splines_eval's, and so are the dg. */
aceuq_status ace_bond_splines_eval_basis(const ace_bond_splines *sp, double r, double *sums, double *dg,
                                         aceuq_error *err);

#endif
