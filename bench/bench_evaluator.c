/* bench_evaluator.c -- the ACE evaluator alone (no LAMMPS): microseconds per atom of
 * aceuq_evaluate_atom for energy only, energy + forces, and energy + forces + linear
 * projections (a grade step), on 500-atom fcc Cu (a = 3.63 A, 5x5x5, +-0.05 A rattle,
 * fixed seed: about the disorder of 600 K MD).  The loop over atoms and neighbours is
 * the pair style's, so this is the part of `pair_style ace/uq` the evaluator owns;
 * bench/bench_pace_vs_aceuq.sh measures the whole pair style against ML-PACE.
 * Each timing repeats the pass over all atoms for >= 0.3 s, best of 3.  Also prints
 * the total energy and sum |F| so that a change of the evaluator that moves numbers
 * beyond round-off is visible.  For a linear .yaml also the member forces of a posterior
 * (what `spread forces` does per atom): energy + projections, then aceuq_spread_forces
 * (the member force deviations of 8 and 32 random members summed into per-atom rows, and the
 * potential's own forces from the same pass, which replaces the force pass) -- compare with
 * E+F; then the same with the members in single precision
 * (spread_precision single).   usage: bench_evaluator [POT.yaml|POT.yace ...]
 * (default: the Cu potentials of ../shared/reference and potentials/Cu.yaml) */
#define _POSIX_C_SOURCE 200809L
#include "aceuq.h"
#include "bench_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct env {
  size_t n;
  int *mu;
  double *pos, cell[9];
  aceuq_neighbor_list *nl;
  int *mj, *row;
  double *dE, *proj;
} env;

/* one pass over all atoms; returns the total energy, adds sum |dE/dr| to *fsum; with sp (not
 * NULL) also the member force deviations, summed into dF (one row of 3 x members per atom) */
static double pass(const aceuq_potential *pot, aceuq_workspace *ws, env *e, int forces, int proj,
                   const aceuq_spread *sp, double *dF, double *fsum)
{
  aceuq_error err;
  double total = 0.0;
  for (size_t i = 0; i < e->n; ++i) {
    const size_t *index;
    const double *disp;
    const size_t m = aceuq_neighbor_list_get(e->nl, i, &index, &disp, NULL);
    for (size_t q = 0; q < m; ++q) {
      e->mj[q] = e->mu[index[q]];
      e->row[q] = (int)index[q];
    }
    double en;
    if (aceuq_evaluate_atom(pot, ws, e->mu[i], m, e->mj, disp, &en, forces ? e->dE : NULL,
                            proj ? ACEUQ_PROJECTIONS_LINEAR : ACEUQ_PROJECTIONS_NONE, proj ? e->proj : NULL,
                            &err) != ACEUQ_OK ||
        (sp && aceuq_spread_forces(sp, ws, e->mu[i], m, e->row, (int)i, dF, e->dE, &err) != ACEUQ_OK)) {
      fprintf(stderr, "bench_evaluator: %s\n", err.message);
      exit(1);
    }
    total += en;
    if (forces && fsum)
      for (size_t q = 0; q < 3 * m; ++q) *fsum += fabs(e->dE[q]);
  }
  return total;
}

static double time_passes(const aceuq_potential *pot, aceuq_workspace *ws, env *e, int forces, int proj,
                          const aceuq_spread *sp, double *dF)
{
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    int k = 0;
    const double t0 = bench_now();
    double t;
    do {
      pass(pot, ws, e, forces, proj, sp, dF, NULL);
      ++k;
      t = bench_now() - t0;
    } while (t < 0.3);
    if (t / k < best) best = t / k;
  }
  return 1e6 * best / (double)e->n;
}

/* energy + projections, then every member's force deviations (and the potential's own forces) */
static double time_members(const aceuq_potential *pot, aceuq_workspace *ws, env *e, size_t M,
                           aceuq_force_precision precision)
{
  aceuq_error err;
  size_t K = 0;
  for (int mu = 0; mu < aceuq_potential_num_elements(pot); ++mu)
    K += aceuq_potential_projection_size(pot, mu, ACEUQ_PROJECTIONS_LINEAR);
  double *D = malloc(M * K * sizeof *D), *dF = calloc(e->n * 3 * M, sizeof *dF);
  unsigned long long seed = 7;
  for (size_t q = 0; q < M * K; ++q) D[q] = 1e-3 * (bench_uniform(&seed) - 0.5);
  aceuq_spread *sp = NULL;
  double best = -1.0;
  if (aceuq_spread_create_shared(pot, M, D, &sp, &err) == ACEUQ_OK &&
      aceuq_spread_enable_forces(sp, precision, &err) == ACEUQ_OK)
    best = time_passes(pot, ws, e, 0, 1, sp, dF);
  aceuq_spread_free(sp);
  free(D);
  free(dF);
  return best;
}

static void bench(const char *path)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_potential *pot = NULL;
  if (aceuq_potential_load(path, &pot, &err) != ACEUQ_OK) {
    printf("%-40s skipped: %s\n", path, err.message);
    return;
  }
  env e = {0};
  const int n1 = 5;
  const double a = 3.63;
  const double base[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
  const int pbc[3] = {1, 1, 1};
  e.n = (size_t)4 * n1 * n1 * n1;
  e.cell[0] = e.cell[4] = e.cell[8] = n1 * a;
  e.pos = malloc(3 * e.n * sizeof *e.pos);
  e.mu = calloc(e.n, sizeof *e.mu);
  unsigned long long s = 4928459;
  size_t i = 0;
  for (int x = 0; x < n1; ++x)
    for (int y = 0; y < n1; ++y)
      for (int z = 0; z < n1; ++z)
        for (int b = 0; b < 4; ++b, ++i) {
          e.pos[3 * i] = (x + base[b][0]) * a + 0.1 * bench_uniform(&s);
          e.pos[3 * i + 1] = (y + base[b][1]) * a + 0.1 * bench_uniform(&s);
          e.pos[3 * i + 2] = (z + base[b][2]) * a + 0.1 * bench_uniform(&s);
        }
  if (aceuq_neighbor_list_build(e.n, e.pos, e.cell, pbc, aceuq_potential_cutoff(pot, -1, -1), &e.nl, &err)) {
    printf("%-40s skipped: %s\n", path, err.message);
    aceuq_potential_free(pot);
    return;
  }
  size_t nmax = 0, nsum = 0;
  for (i = 0; i < e.n; ++i) {
    const size_t *index;
    const double *disp;
    const size_t m = aceuq_neighbor_list_get(e.nl, i, &index, &disp, NULL);
    nsum += m;
    if (m > nmax) nmax = m;
  }
  e.mj = malloc(nmax * sizeof *e.mj);
  e.row = malloc(nmax * sizeof *e.row);
  e.dE = malloc(3 * nmax * sizeof *e.dE);
  const size_t K = aceuq_potential_projection_size(pot, 0, ACEUQ_PROJECTIONS_LINEAR);
  e.proj = malloc((K ? K : 1) * sizeof *e.proj);
  aceuq_workspace *ws = NULL;
  aceuq_workspace_create(pot, &ws, &err);
  double fsum = 0.0;
  const double etot = pass(pot, ws, &e, 1, 0, NULL, NULL, &fsum);
  const double te = time_passes(pot, ws, &e, 0, 0, NULL, NULL), tf = time_passes(pot, ws, &e, 1, 0, NULL, NULL);
  const double tp = K ? time_passes(pot, ws, &e, 1, 1, NULL, NULL) : 0.0;
  printf("%-40s %6.1f nbrs  E %8.2f  E+F %8.2f  E+F+proj %8.2f us/atom   E = %.12f eV  sum|dE/dr| = %.10f\n", path,
         (double)nsum / (double)e.n, te, tf, tp, etot, fsum);
  for (int single = 0; single <= 1; ++single)
    for (size_t M = 8; K && M <= 32; M *= 4) {
      const double tm = time_members(pot, ws, &e, M, single ? ACEUQ_FORCES_SINGLE : ACEUQ_FORCES_DOUBLE);
      if (tm > 0)
        printf("%-40s   member forces (%s), %2zu members + own: E+proj+gradients %8.2f us/atom = %.2f x E+F\n", "",
               single ? "single" : "double", M, tm, tm / tf);
    }
  aceuq_workspace_free(ws);
  aceuq_neighbor_list_free(e.nl);
  free(e.mj);
  free(e.row);
  free(e.dE);
  free(e.proj);
  free(e.pos);
  free(e.mu);
  aceuq_potential_free(pot);
}

int main(int argc, char **argv)
{
  printf("bench_evaluator: 500-atom rattled fcc Cu, one thread, best of 3\n");
  if (argc > 1) {
    for (int k = 1; k < argc; ++k) bench(argv[k]);
    return 0;
  }
  const char *defaults[] = {ACEUQ_SHARED_DIR "/reference/ace/potentials/Cu-I.yaml",
                            ACEUQ_SHARED_DIR "/reference/ace/potentials/Cu-I.yace",
                            ACEUQ_SHARED_DIR "/reference/ace/potentials/Cu.pbe.in.yaml",
                            ACEUQ_SOURCE_DIR "/potentials/Cu.yaml"};
  for (size_t k = 0; k < sizeof defaults / sizeof *defaults; ++k) bench(defaults[k]);
  return 0;
}
