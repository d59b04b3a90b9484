/* bench_fit.c -- cost of the linear-ACE fit, per stage:
 *   (a) design rows of a structure (aceuq_fit_design_rows: projections and their
 *       gradients for every atom, force and virial assembly): microseconds per atom,
 *       and the ratio to one energy+force evaluation of the same potential
 *       (aceuq_evaluate_atom with forces) measured in the same run;
 *   (b) the streamed QR (aceuq_fit_accumulator_add): microseconds per row;
 *   (c) the Bayesian ridge solve (SVD of R + evidence iteration + covariance).
 * Structures: rattled fcc Cu, 108 atoms (a = 3.615 A, +-0.1 A, fixed seed).  Basis
 * potentials: Cu-I (K = 82) and Cu.pbe.in (K = 684) of ../shared/reference (skipped
 * when absent), or the files given on the command line.  Single-thread BLAS.
 * Prints timings; not a test.   usage: bench_fit [--quick] [POT.yaml ...] */
#define _POSIX_C_SOURCE 200809L
#include "aceuq.h"
#include "bench_util.h"
#include "cli/blas_select.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* energy + forces of all atoms with the evaluator (the cost a fit row is compared with) */
static double eval_seconds(const aceuq_potential *pot, size_t n, const int *mu, const double *pos, const double *cell,
                           int reps)
{
  const int pbc[3] = {1, 1, 1};
  aceuq_error err;
  aceuq_neighbor_list *nl = NULL;
  aceuq_workspace *ws = NULL;
  aceuq_neighbor_list_build(n, pos, cell, pbc, aceuq_potential_cutoff(pot, -1, -1), &nl, &err);
  aceuq_workspace_create(pot, &ws, &err);
  int *mj = malloc(4096 * sizeof *mj);
  double *dE = malloc(3 * 4096 * sizeof *dE), e, t0 = bench_now();
  for (int r = 0; r < reps; ++r)
    for (size_t i = 0; i < n; ++i) {
      const size_t *index;
      const double *disp;
      const size_t m = aceuq_neighbor_list_get(nl, i, &index, &disp, NULL);
      for (size_t q = 0; q < m; ++q) mj[q] = mu[index[q]];
      aceuq_evaluate_atom(pot, ws, mu[i], m, mj, disp, &e, dE, ACEUQ_PROJECTIONS_NONE, NULL, &err);
    }
  const double t = (bench_now() - t0) / reps;
  free(mj);
  free(dE);
  aceuq_workspace_free(ws);
  aceuq_neighbor_list_free(nl);
  return t;
}

static void bench(const char *path, int quick)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_potential *pot = NULL;
  if (aceuq_potential_load_basis(path, &pot, &err) != ACEUQ_OK) {
    printf("%s: %s (skipped)\n", path, err.message);
    return;
  }
  const int n1 = quick ? 2 : 3;
  const size_t n = (size_t)4 * n1 * n1 * n1, nc = aceuq_fit_design_columns(pot), K = nc - 1;
  const double a = 3.615, cell[9] = {n1 * a, 0, 0, 0, n1 * a, 0, 0, 0, n1 * a};
  const int pbc[3] = {1, 1, 1};
  const double base[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
  double *pos = malloc(3 * n * sizeof *pos);
  int *mu = calloc(n, sizeof *mu);
  unsigned long long s = 42;
  size_t i = 0;
  for (int x = 0; x < n1; ++x)
    for (int y = 0; y < n1; ++y)
      for (int z = 0; z < n1; ++z)
        for (int b = 0; b < 4; ++b, ++i) {
          pos[3 * i] = (x + base[b][0]) * a + 0.2 * bench_uniform(&s);
          pos[3 * i + 1] = (y + base[b][1]) * a + 0.2 * bench_uniform(&s);
          pos[3 * i + 2] = (z + base[b][2]) * a + 0.2 * bench_uniform(&s);
        }
  double *erow = malloc(nc * sizeof *erow), *frows = malloc(3 * n * nc * sizeof *frows),
         *vrows = malloc(6 * nc * sizeof *vrows);
  const int reps = quick ? 1 : 3;
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const double t0 = bench_now();
    aceuq_fit_design_rows(pot, n, mu, pos, cell, pbc, erow, frows, vrows, &err);
    const double t = bench_now() - t0;
    if (t < best) best = t;
  }
  const double te = eval_seconds(pot, n, mu, pos, cell, reps);
  printf("%s: K = %zu, %zu atoms: design rows %.1f us/atom, energy+forces %.1f us/atom, ratio %.1f\n", path, K, n,
         1e6 * best / (double)n, 1e6 * te / (double)n, best / te);

  /* streamed QR and Bayesian solve on rows of this structure, repeated with noise */
  const size_t nrows = quick ? 2000 : 20000;
  double *rows = malloc(nrows * K * sizeof *rows), *y = malloc(nrows * sizeof *y), *c = malloc(K * sizeof *c);
  for (size_t r = 0; r < nrows; ++r) {
    const double *src = &frows[(r % (3 * n)) * nc];
    for (size_t k = 0; k < K; ++k) rows[r * K + k] = src[k] * (1.0 + 0.01 * bench_uniform(&s));
    y[r] = bench_uniform(&s);
  }
  aceuq_fit_accumulator *acc = NULL;
  aceuq_fit_accumulator_create(K, &acc, &err);
  double t0 = bench_now();
  aceuq_fit_accumulator_add(acc, rows, y, NULL, nrows, &err);
  const double tq = bench_now() - t0;
  t0 = bench_now();
  aceuq_fit_bayes_result br;
  double *cov = malloc(K * K * sizeof *cov);
  aceuq_fit_solve_bayes(acc, NULL, c, cov, &br, &err);
  const double ts = bench_now() - t0;
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  printf("%s: streamed QR %.2f us/row (%zu rows), Bayesian ridge + covariance %.3f s (%d iterations), peak "
         "memory %.1f MB\n", path, 1e6 * tq / (double)nrows, nrows, ts, br.iterations, (double)u.ru_maxrss / 1024.0);
  aceuq_fit_accumulator_free(acc);
  free(rows);
  free(y);
  free(c);
  free(cov);
  free(erow);
  free(frows);
  free(vrows);
  free(pos);
  free(mu);
  aceuq_potential_free(pot);
}

int main(int argc, char **argv)
{
  aceuq_select_blas_kernels(argv);
  aceuq_blas_set_threads(1);
  int quick = 0, given = 0;
  char blas[256];
  aceuq_blas_info(blas, sizeof blas);
  printf("BLAS: %s\n", blas);
  for (int k = 1; k < argc; ++k) quick |= !strcmp(argv[k], "--quick");
  for (int k = 1; k < argc; ++k)
    if (strcmp(argv[k], "--quick")) {
      bench(argv[k], quick);
      given = 1;
    }
  if (!given) {
    const char *names[] = {"Cu-I.yaml", "Cu.pbe.in.yaml"};
    for (int k = 0; k < (quick ? 1 : 2); ++k) {
      char path[4096];
      snprintf(path, sizeof path, "%s/reference/ace/potentials/%s", ACEUQ_SHARED_DIR, names[k]);
      bench(path, quick);
    }
  }
  return 0;
}
