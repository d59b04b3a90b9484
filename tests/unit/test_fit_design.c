/* Design-matrix rows of a linear ACE model (aceuq_fit_design_rows) against the evaluator:
 * with the coefficients of a linear potential (potentials/AlNi_linear_test.yaml, F(rho) = rho,
 * no core repulsion) in column order and E0 columns c = e0, the rows must give
 *   energy_row . c = sum_i E_i + sum_i e0[mu_i],  force_rows c = forces,  virial_rows c = virial
 * of the same structure computed by aceuq_evaluate_atom (its own force/virial assembly, as
 * `aceuq eval`), to round-off: a rattled two-element triclinic periodic cell (atoms that see their
 * own images), a slab (pbc T T F) and a free cluster.  Also: column count, a bad species index.
 * The .yaml writer: random coefficients written with aceuq_potential_write_linear_yaml, loaded
 * back and evaluated, must give energy_row . c and force_rows c (the column -> function mapping
 * and the linear embedding are right for every function, not only for a fitted combination). */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include "ace_basis.h"
#include "ace_evaluator.h"
#include "aceuq.h"
#include "check.h"
#include "potential_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double uniform(unsigned long long *s)
{
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(*s >> 11) / 9007199254740992.0;
}

/* reference energy, forces, virial with the evaluator (as cmd_ace_eval.c assembles them) */
static void evaluate(const aceuq_potential *pot, size_t natoms, const int *mu, const double *pos,
                     const double *cell, const int *pbc, double *energy, double *forces, double *virial)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_neighbor_list *nl = NULL;
  aceuq_workspace *ws = NULL;
  CHECK(aceuq_neighbor_list_build(natoms, pos, cell, pbc, aceuq_potential_cutoff(pot, -1, -1), &nl, &err) == ACEUQ_OK);
  CHECK(aceuq_workspace_create(pot, &ws, &err) == ACEUQ_OK);
  *energy = 0.0;
  memset(forces, 0, 3 * natoms * sizeof *forces);
  memset(virial, 0, 6 * sizeof *virial);
  for (size_t i = 0; i < natoms; ++i) {
    const size_t *index;
    const double *disp;
    const size_t n = aceuq_neighbor_list_get(nl, i, &index, &disp, NULL);
    int *mj = malloc((n + 1) * sizeof *mj);
    double *dE = malloc((3 * n + 3) * sizeof *dE), e;
    for (size_t q = 0; q < n; ++q) mj[q] = mu[index[q]];
    CHECK(aceuq_evaluate_atom(pot, ws, mu[i], n, mj, disp, &e, dE, ACEUQ_PROJECTIONS_NONE, NULL, &err) == ACEUQ_OK);
    *energy += e;
    for (size_t q = 0; q < n; ++q) {
      const double *d = &dE[3 * q], *r = &disp[3 * q];
      for (int a = 0; a < 3; ++a) {
        forces[3 * i + a] += d[a];
        forces[3 * index[q] + a] -= d[a];
      }
      virial[0] -= r[0] * d[0];
      virial[1] -= r[1] * d[1];
      virial[2] -= r[2] * d[2];
      virial[3] -= r[0] * d[1];
      virial[4] -= r[0] * d[2];
      virial[5] -= r[1] * d[2];
    }
    free(mj);
    free(dE);
  }
  aceuq_workspace_free(ws);
  aceuq_neighbor_list_free(nl);
}

static double dot(const double *a, const double *b, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

static void check_structure(const aceuq_potential *pot, const double *c, const char *what, size_t natoms,
                            const int *mu, const double *pos, const double *cell, const int *pbc, const double *e0)
{
  const size_t ncols = aceuq_fit_design_columns(pot);
  double *erow = malloc(ncols * sizeof *erow), *frows = malloc(3 * natoms * ncols * sizeof *frows),
         *vrows = malloc(6 * ncols * sizeof *vrows), *fref = malloc(3 * natoms * sizeof *fref), vref[6], eref;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_fit_design_rows(pot, natoms, mu, pos, cell, pbc, erow, frows, vrows, &err) == ACEUQ_OK);
  evaluate(pot, natoms, mu, pos, cell, pbc, &eref, fref, vref);
  for (size_t i = 0; i < natoms; ++i) eref += e0[mu[i]];
  double de = fabs(dot(erow, c, ncols) - eref), df = 0.0, dv = 0.0, fbig = 0.0, vmax = 0.0;
  for (size_t k = 0; k < 3 * natoms; ++k) {
    df = fmax(df, fabs(dot(&frows[k * ncols], c, ncols) - fref[k]));
    fbig = fmax(fbig, fabs(fref[k]));
  }
  for (int v = 0; v < 6; ++v) {
    dv = fmax(dv, fabs(dot(&vrows[v * ncols], c, ncols) - vref[v]));
    vmax = fmax(vmax, fabs(vref[v]));
  }
  printf("%s: %zu atoms, %zu columns: energy %.6f eV (|diff| %.1e), max |F| %.3f (|diff| %.1e), max |W| %.3f "
         "(|diff| %.1e)\n", what, natoms, ncols, eref, de, fbig, df, vmax, dv);
  CHECK(de <= 1e-11 * fmax(fabs(eref), 1.0));
  CHECK(df <= 1e-11 * fmax(fbig, 1.0));
  CHECK(dv <= 1e-11 * fmax(vmax, 1.0));
  CHECK(fbig > 0.1 && vmax > 0.1); /* a non-trivial structure */
  free(erow);
  free(frows);
  free(vrows);
  free(fref);
}

int main(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  aceuq_potential *pot = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  if (aceuq_potential_load(ACEUQ_POTENTIALS_DIR "/AlNi_linear_test.yaml", &pot, &err) != ACEUQ_OK) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  /* coefficients in column order: each species' B-functions (projection order), then E0 */
  const ace_evaluator *ev = potential_evaluator(pot);
  const ace_bbasis *bb = ace_evaluator_bbasis(ev);
  const size_t ncols = aceuq_fit_design_columns(pot);
  const double e0[2] = {-0.25, 0.75};
  double *c = malloc(ncols * sizeof *c);
  size_t col = 0;
  for (int m = 0; m < 2; ++m)
    for (size_t f = 0; f < bb->nfuncs[m]; ++f) c[col++] = bb->funcs[m][f].coeffs[0];
  CHECK(col + 2 == ncols);
  c[col] = e0[0];
  c[col + 1] = e0[1];

  unsigned long long seed = 77;
  enum { NA = 24 };
  int mu[NA], pbc_all[3] = {1, 1, 1}, pbc_slab[3] = {1, 1, 0}, pbc_none[3] = {0, 0, 0};
  double pos[3 * NA];
  /* triclinic cell smaller than twice the cutoff: atoms see their own images */
  const double cell[9] = {7.9, 0.0, 0.0, 1.1, 7.7, 0.0, 0.6, -0.8, 8.1};
  for (int i = 0; i < NA; ++i) mu[i] = i % 3 == 0 ? 1 : 0;
  /* a rattled 3 x 3 x 3 grid minus three sites: atoms apart, moderate energies */
  for (int i = 0; i < NA; ++i) {
    const int ix = i % 3, iy = (i / 3) % 3, iz = i / 9;
    const double s[3] = {(ix + 0.5 + 0.3 * (uniform(&seed) - 0.5)) / 3, (iy + 0.5 + 0.3 * (uniform(&seed) - 0.5)) / 3,
                         (iz + 0.5 + 0.3 * (uniform(&seed) - 0.5)) / 3};
    for (int a = 0; a < 3; ++a) pos[3 * i + a] = s[0] * cell[a] + s[1] * cell[3 + a] + s[2] * cell[6 + a];
  }
  check_structure(pot, c, "triclinic periodic", NA, mu, pos, cell, pbc_all, e0);
  const double slab_cell[9] = {7.9, 0.0, 0.0, 1.1, 7.7, 0.0, 0.0, 0.0, 30.0};
  check_structure(pot, c, "slab (pbc T T F)", NA, mu, pos, slab_cell, pbc_slab, e0);
  check_structure(pot, c, "cluster", NA, mu, pos, NULL, pbc_none, e0);

  /* energy row only; counts in the E0 columns */
  double *erow = malloc(ncols * sizeof *erow);
  CHECK(aceuq_fit_design_rows(pot, NA, mu, pos, cell, pbc_all, erow, NULL, NULL, &err) == ACEUQ_OK);
  CHECK(erow[ncols - 2] == 16.0 && erow[ncols - 1] == 8.0);
  /* bad species index: clear error */
  mu[5] = 7;
  CHECK(aceuq_fit_design_rows(pot, NA, mu, pos, cell, pbc_all, erow, NULL, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "atom 6: species index 7 out of range");
  mu[5] = 0;

  /* writer: random coefficients -> .yaml -> load -> evaluate == rows . c */
  const size_t K = ncols - 2;
  double *cr = malloc(ncols * sizeof *cr);
  for (size_t k = 0; k < K; ++k) cr[k] = 2.0 * uniform(&seed) - 1.0;
  cr[K] = cr[K + 1] = 0.0;
  char path[] = "/tmp/aceuq_test_write_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  char yaml[64];
  snprintf(yaml, sizeof yaml, "%s.yaml", path);
  CHECK(aceuq_potential_write_linear_yaml(pot, cr, yaml, "test", &err) == ACEUQ_OK);
  aceuq_potential *written = NULL;
  CHECK(aceuq_potential_load(yaml, &written, &err) == ACEUQ_OK);
  if (written) {
    double *rows = malloc(ncols * sizeof *rows), *frows = malloc(3 * NA * ncols * sizeof *frows), eref, vref[6],
           *fref = malloc(3 * NA * sizeof *fref);
    CHECK(aceuq_fit_design_rows(pot, NA, mu, pos, cell, pbc_all, rows, frows, NULL, &err) == ACEUQ_OK);
    evaluate(written, NA, mu, pos, cell, pbc_all, &eref, fref, vref);
    double de = fabs(dot(rows, cr, ncols) - eref), df = 0.0;
    for (size_t k = 0; k < 3 * NA; ++k) df = fmax(df, fabs(dot(&frows[k * ncols], cr, ncols) - fref[k]));
    printf("written .yaml with random coefficients: energy %.6f eV (|diff| %.1e), forces |diff| %.1e\n", eref, de, df);
    CHECK(de <= 1e-11 * fmax(fabs(eref), 1.0) && df <= 1e-11);
    free(rows);
    free(frows);
    free(fref);
    aceuq_potential_free(written);
  }
  remove(yaml);
  remove(path);
  free(cr);
  free(erow);
  free(c);
  aceuq_potential_free(pot);
  return check_summary("test_fit_design");
}
