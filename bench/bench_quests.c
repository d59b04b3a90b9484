/* bench_quests.c -- speed of the QUESTS descriptor entropy against the
 * QUESTS speed anchor (shared/reference/quests/README.md: 2-core VM, single
 * thread, after JIT warm-up): 4000-atom fcc Cu (a = 3.615, 10x10x10 cells)
 * with 0.1 A Gaussian noise; reference = 5 such frames (20000 environments);
 * QUESTS: descriptors 0.19 s, entropy of the 4000 0.30 s, dH of 4000 vs
 * 20000 1.5 s.  Single-thread BLAS.  Not a test: prints timings only.
 * Note: OpenBLAS picks its kernels from the CPU model; on VMs that hide it,
 * OPENBLAS_CORETYPE=Haswell (or SkylakeX) may be needed for full speed. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "aceuq.h"
#include "cli/blas_select.h" /* generic OpenBLAS kernels -> re-run with the matching ones */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned long long rng_state = 0x853C49E6748FEA9BULL;
static double uniform(void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

static double gaussian(void) /* Box-Muller */
{
  return sqrt(-2.0 * log(uniform())) * cos(2.0 * 3.14159265358979323846 * uniform());
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* fcc a x (10 x 10 x 10) with N(0, sigma) noise per coordinate */
static void noisy_fcc(double a, int cells, double sigma, double *x, double *cell)
{
  static const double basis[4][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
  size_t n = 0;
  for (int i = 0; i < cells; ++i)
    for (int j = 0; j < cells; ++j)
      for (int k = 0; k < cells; ++k)
        for (int b = 0; b < 4; ++b) {
          x[3 * n] = a * (i + basis[b][0]) + sigma * gaussian();
          x[3 * n + 1] = a * (j + basis[b][1]) + sigma * gaussian();
          x[3 * n + 2] = a * (k + basis[b][2]) + sigma * gaussian();
          ++n;
        }
  for (int c = 0; c < 9; ++c) cell[c] = c % 4 == 0 ? a * cells : 0.0;
}

/* dgemm from the linked BLAS (Fortran interface) */
extern void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
                   const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
                   const double *beta, double *c, const int *ldc);

/* Time of the inner products alone: Y X^T for all ny x nx pairs (blocks of 512
 * x 512 like the kernel sums), the floor under any exact GEMM-based dH. */
static double gemm_floor(const double *Y, size_t ny, const double *X, size_t nx, int d)
{
  enum { B = 512 };
  double *g = malloc(sizeof *g * B * B), best = 1e30;
  const double one = 1.0, zero = 0.0;
  for (int rep = 0; rep < 3; ++rep) {
    double t0 = now();
    for (size_t j0 = 0; j0 < nx; j0 += B)
      for (size_t i0 = 0; i0 < ny; i0 += B) {
        int m = (int)(nx - j0 < B ? nx - j0 : B), n = (int)(ny - i0 < B ? ny - i0 : B);
        dgemm_("T", "N", &m, &n, &d, &one, X + j0 * d, &d, Y + i0 * d, &d, &zero, g, &m);
      }
    best = fmin(best, now() - t0);
  }
  free(g);
  return best;
}

static void report(const char *what, double seconds, size_t atoms, double anchor)
{
  printf("%-34s %8.4f s  %8.2f us/atom   QUESTS %.2f s   speed-up %5.1fx\n", what, seconds,
         1e6 * seconds / (double)atoms, anchor, anchor / seconds);
}

int main(int argc, char **argv)
{
  aceuq_select_blas_kernels(argv);
  (void)argc;
  aceuq_blas_set_threads(1);
  char blas[256];
  aceuq_blas_info(blas, sizeof blas);
  printf("aceuq %s, %s, BLAS threads %d\n", aceuq_version(), blas, aceuq_blas_get_threads());
  const int k = 32, cells = 10;
  const double rc = 5.0, h = 0.015;
  const size_t natoms = 4 * cells * cells * cells, nref = 5 * natoms, len = aceuq_quests_descriptor_length(k);
  int pbc[3] = {1, 1, 1};
  double cell[9];
  double *x = malloc(sizeof *x * 3 * natoms);
  double *test = malloc(sizeof *test * natoms * len), *ref = malloc(sizeof *ref * nref * len);
  double *dH = malloc(sizeof *dH * natoms);
  aceuq_error err;
  aceuq_error_clear(&err);

  /* reference: 5 noisy frames (also warms up caches and BLAS) */
  for (int f = 0; f < 5; ++f) {
    noisy_fcc(3.615, cells, 0.1, x, cell);
    if (aceuq_quests_structure_descriptors(natoms, x, cell, pbc, k, rc, ref + (size_t)f * natoms * len, &err))
      goto fail;
  }
  noisy_fcc(3.615, cells, 0.1, x, cell);
  double best_desc = 1e30, best_H = 1e30, best_dH = 1e30, H = 0;
  for (int rep = 0; rep < 3; ++rep) {
    double t0 = now();
    if (aceuq_quests_structure_descriptors(natoms, x, cell, pbc, k, rc, test, &err)) goto fail;
    double t1 = now();
    if (aceuq_quests_entropy(test, natoms, len, h, &H, NULL, &err)) goto fail;
    double t2 = now();
    if (aceuq_quests_delta_entropy(test, natoms, ref, nref, len, h, dH, NULL, &err)) goto fail;
    double t3 = now();
    best_desc = fmin(best_desc, t1 - t0);
    best_H = fmin(best_H, t2 - t1);
    best_dH = fmin(best_dH, t3 - t2);
  }
  double mean_dH = 0;
  for (size_t i = 0; i < natoms; ++i) mean_dH += dH[i] / (double)natoms;
  printf("4000-atom fcc Cu, 0.1 A noise, k = %d, cutoff %.1f, h = %.3f (best of 3)\n", k, rc, h);
  printf("H = %.6f nats, mean dH vs 20000 = %.4f\n", H, mean_dH);
  report("descriptors (4000 atoms)", best_desc, natoms, 0.19);
  report("entropy H (4000 envs)", best_H, natoms, 0.30);
  report("dH 4000 vs 20000 envs", best_dH, natoms, 1.5);
  double floor_dH = gemm_floor(test, natoms, ref, nref, (int)len);
  printf("inner products of dH alone (dgemm, %.2g flop) %.4f s = %.1f Gflop/s: %.0f %% of the dH time; "
         "speed-up bound of any exact GEMM-based dH here %.1fx\n",
         2.0 * natoms * nref * len, floor_dH, 2.0 * natoms * nref * len / floor_dH * 1e-9, 100 * floor_dH / best_dH,
         1.5 / floor_dH);
  free(x);
  free(test);
  free(ref);
  free(dH);
  return 0;
fail:
  fprintf(stderr, "bench_quests: %s\n", err.message);
  return 1;
}
