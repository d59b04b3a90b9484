/* bench_spread.c -- the member energies of a spread (aceuq_spread_deviations: per atom, the
 * projection row times every member's coefficient offsets), against one dgemm of the same shape
 * from the linked BLAS, for 8 .. 256 members of potentials/Cu.yaml's 213 projections and chunks
 * of 128 atoms (the pair style's).  Prints microseconds per atom for both, their ratio, and the
 * largest difference of the two results (round-off).  Up to ROW_DOTS_MAX_MEMBERS (64) members
 * the library uses its register kernel, above it the BLAS (the last rows show the BLAS against
 * itself).  usage: bench_spread [--quick] [POT.yaml] */
#define _POSIX_C_SOURCE 200809L
#include "aceuq.h"
#include "bench_util.h"
#include "cli/blas_select.h" /* generic OpenBLAS kernels -> re-run with the matching ones */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
                   const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
                   const double *beta, double *c, const int *ldc);

int main(int argc, char **argv)
{
  aceuq_select_blas_kernels(argv);
  int quick = 0;
  const char *path = ACEUQ_SOURCE_DIR "/potentials/Cu.yaml";
  for (int k = 1; k < argc; ++k) {
    if (!strcmp(argv[k], "--quick")) quick = 1;
    else path = argv[k];
  }
  aceuq_error err = {0};
  aceuq_potential *pot = NULL;
  if (aceuq_potential_load(path, &pot, &err)) {
    fprintf(stderr, "bench_spread: %s\n", err.message);
    return 1;
  }
  const size_t K = aceuq_potential_projection_size(pot, 0, ACEUQ_PROJECTIONS_LINEAR), n = 128;
  const int members[] = {8, 32, 64, 128, 256};
  const int reps = quick ? 2 : 200, rounds = quick ? 1 : 7;
  aceuq_blas_set_threads(1);
  char blas[256];
  aceuq_blas_info(blas, sizeof blas);
  printf("aceuq %s, %s, BLAS threads %d\n", aceuq_version(), blas, aceuq_blas_get_threads());
  printf("bench_spread: %s, %zu projections, chunks of %zu atoms, best of %d\n", path, K, n, rounds);
  double *P = malloc(n * K * sizeof *P);
  unsigned long long seed = 12345;
  for (size_t i = 0; i < n * K; ++i) P[i] = bench_uniform(&seed);
  for (size_t c = 0; c < sizeof members / sizeof *members; ++c) {
    const size_t M = (size_t)members[c];
    double *D = malloc(M * K * sizeof *D), *a = malloc(n * M * sizeof *a), *b = malloc(n * M * sizeof *b);
    for (size_t i = 0; i < M * K; ++i) D[i] = 1e-3 * bench_uniform(&seed);
    aceuq_spread *sp = NULL;
    if (aceuq_spread_create_shared(pot, M, D, &sp, &err)) {
      fprintf(stderr, "bench_spread: %s\n", err.message);
      return 1;
    }
    const int Mi = (int)M, ni = (int)n, Ki = (int)K;
    const double one = 1.0, zero = 0.0;
    double tl = HUGE_VAL, tb = HUGE_VAL;
    for (int r = 0; r < rounds; ++r) {
      double t = bench_now();
      for (int it = 0; it < reps; ++it) aceuq_spread_deviations(sp, 0, n, P, a, &err);
      t = bench_now() - t;
      if (t < tl) tl = t;
      t = bench_now();
      for (int it = 0; it < reps; ++it) dgemm_("T", "N", &Mi, &ni, &Ki, &one, D, &Ki, P, &Ki, &zero, b, &Mi);
      t = bench_now() - t;
      if (t < tb) tb = t;
    }
    double diff = 0.0, scale = 0.0;
    for (size_t i = 0; i < n * M; ++i) {
      diff = fmax(diff, fabs(a[i] - b[i]));
      scale = fmax(scale, fabs(b[i]));
    }
    const double us = 1e6 / ((double)reps * (double)n);
    printf("  %3zu members   aceuq_spread_deviations %7.3f us/atom   dgemm %7.3f us/atom   x%.2f   "
           "difference %.1e of %.1e\n", M, tl * us, tb * us, tb / tl, diff, scale);
    aceuq_spread_free(sp);
    free(D);
    free(a);
    free(b);
  }
  free(P);
  aceuq_potential_free(pot);
  return 0;
}
