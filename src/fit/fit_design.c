/* fit_design.c -- rows of the linear-ACE design matrix of one structure
 * (aceuq.h: aceuq_fit_design_rows).
 *
 * With E = sum_i sum_f c_f b_f(i) + sum_i E0[mu_i] and r_ij = x_j + image - x_i:
 *   energy row      sum_i b_f(i) (column of f in species mu_i's block), counts
 *   force row k,a   F_k = -dE/dx_k = sum_i sum_j c.(d b(i)/d r_ij) (delta_ik - delta_jk)
 *   virial row ab   W_ab = sum_i sum_j -r_ij,a c.(d b(i)/d r_ij,b)
 * so that (rows) c reproduces aceuq eval's energy, forces and virial of the
 * linear model.  The gradients come from ace_projection_gradients. */
#include "aceuq.h"

#include "ace_evaluator.h"
#include "error_internal.h"
#include "potential_internal.h"

#include <stdlib.h>
#include <string.h>

size_t aceuq_fit_design_columns(const aceuq_potential *pot)
{
  const int nel = aceuq_potential_num_elements(pot);
  size_t n = (size_t)nel;
  for (int mu = 0; mu < nel; ++mu) n += aceuq_potential_projection_size(pot, mu, ACEUQ_PROJECTIONS_LINEAR);
  return n;
}

aceuq_status aceuq_fit_design_rows(const aceuq_potential *pot, size_t natoms, const int *mu,
                                   const double *positions, const double *cell, const int *pbc,
                                   double *energy_row, double *force_rows, double *virial_rows, aceuq_error *err)
{
  const ace_evaluator *ev = potential_evaluator(pot);
  const int nel = aceuq_potential_num_elements(pot);
  const size_t ncols = aceuq_fit_design_columns(pot);
  if (ncols == (size_t)nel)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "design matrix: the potential has no B-basis (a .yace file?)");
  for (size_t i = 0; i < natoms; ++i)
    if (mu[i] < 0 || mu[i] >= nel)
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "design matrix: atom %zu: species index %d out of range (0..%d)",
                             i + 1, mu[i], nel - 1);
  size_t *offset = malloc(((size_t)nel + 1) * sizeof *offset), kmax = 0;
  if (!offset) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "design matrix: out of memory");
  offset[0] = 0;
  for (int m = 0; m < nel; ++m) {
    const size_t K = aceuq_potential_projection_size(pot, m, ACEUQ_PROJECTIONS_LINEAR);
    offset[m + 1] = offset[m] + K;
    if (K > kmax) kmax = K;
  }
  memset(energy_row, 0, ncols * sizeof *energy_row);
  if (force_rows) memset(force_rows, 0, 3 * natoms * ncols * sizeof *force_rows);
  if (virial_rows) memset(virial_rows, 0, 6 * ncols * sizeof *virial_rows);

  aceuq_neighbor_list *nl = NULL;
  ace_atom_workspace *ws = NULL;
  int *mu_j = NULL;
  double *b = malloc((kmax ? kmax : 1) * sizeof *b), *db = NULL;
  size_t cap = 0;
  aceuq_status st = aceuq_neighbor_list_build(natoms, positions, cell, pbc, aceuq_potential_cutoff(pot, -1, -1),
                                              &nl, err);
  if (!st) st = ace_atom_workspace_create(ev, &ws, err);
  if (!st && !b) st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "design matrix: out of memory");
  for (size_t i = 0; !st && i < natoms; ++i) {
    const size_t *index;
    const double *disp;
    const size_t n = aceuq_neighbor_list_get(nl, i, &index, &disp, NULL);
    const size_t K = offset[mu[i] + 1] - offset[mu[i]];
    if (n > cap) { /* grows with the largest neighbourhood only */
      cap = n + n / 2 + 8;
      int *mj = realloc(mu_j, cap * sizeof *mu_j);
      double *d = realloc(db, kmax * cap * 3 * sizeof *db);
      if (mj) mu_j = mj;
      if (d) db = d;
      if (!mj || !d) {
        st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "design matrix: out of memory (%zu neighbours)", n);
        break;
      }
    }
    for (size_t q = 0; q < n; ++q) mu_j[q] = mu[index[q]];
    st = ace_projection_gradients(ev, ws, mu[i], n, mu_j, disp, b, db, err);
    if (st) {
      aceuq_error_prefix(err, "design matrix: atom %zu", i + 1);
      break;
    }
    double *erow = energy_row + offset[mu[i]];
    for (size_t f = 0; f < K; ++f) erow[f] += b[f];
    energy_row[offset[nel] + (size_t)mu[i]] += 1.0;
    /* neighbour-major gradients: db[(q * 3 + a) * K + f], contiguous in f like the rows */
    const size_t col0 = offset[mu[i]];
    const int ab[6][2] = {{0, 0}, {1, 1}, {2, 2}, {0, 1}, {0, 2}, {1, 2}};
    for (size_t q = 0; q < n; ++q) {
      const double *r = &disp[3 * q];
      for (int a = 0; a < 3; ++a) {
        const double *g = &db[(q * 3 + (size_t)a) * K];
        if (force_rows) {
          double *fi = &force_rows[(3 * i + (size_t)a) * ncols + col0];
          double *fj = &force_rows[(3 * index[q] + (size_t)a) * ncols + col0];
          for (size_t f = 0; f < K; ++f) {
            fi[f] += g[f];
            fj[f] -= g[f];
          }
        }
      }
      if (virial_rows)
        for (int v = 0; v < 6; ++v) {
          const double *g = &db[(q * 3 + (size_t)ab[v][1]) * K];
          const double x = r[ab[v][0]];
          double *w = &virial_rows[(size_t)v * ncols + col0];
          for (size_t f = 0; f < K; ++f) w[f] -= x * g[f];
        }
    }
  }
  aceuq_neighbor_list_free(nl);
  ace_atom_workspace_free(ws);
  free(mu_j);
  free(db);
  free(b);
  free(offset);
  return st;
}
