/* bench_dopt.c -- speed of the D-optimality extrapolation grade
 *
 *   gamma_i = max_k | sum_j b_ij Ainv[j*K + k] |
 *
 * for the active-set sizes of the reference potentials (K = 82 / 164: Cu-I
 * linear / non-linear projections; 684 / 1368: Cu.pbe.in linear /
 * non-linear) and n = 2000 atoms, random Ainv and projections (fixed seed).
 * Measured in the same run:
 *   (a) aceuq_dopt_grade_batch: one dgemm per chunk of rows, then max |.|;
 *   (b) scalar per-atom loops, the way ML-PACE / LAMMPS pace/extrapolation
 *       grades one atom at a time (O(K^2) per atom):
 *       column access -- for each k, sum_j b_j Ainv[j*K + k] (their loop);
 *       row access    -- c += b_j Ainv[j*K + :] into a K-vector, then max |c|.
 *       The faster of the two is the fair baseline; both are printed.
 * Each timing is repeated until it takes >= 0.2 s, best of 3; single-thread
 * BLAS.  The grades of (a) and (b) must agree to 1e-10 of the round-off scale
 * max_k sum_j |b_j Ainv[j,k]| (else exit 1).  Not a test: prints timings.
 *   usage: bench_dopt [--quick]     (--quick: small K and n, smoke test)
 * Note: OpenBLAS picks its kernels from the CPU model; on VMs that hide it,
 * OPENBLAS_CORETYPE=Haswell (or SkylakeX) may be needed for full speed. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "aceuq.h"
#include "cli/blas_select.h" /* generic OpenBLAS kernels -> re-run with the matching ones */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned long long rng_state = 0x9E3779B97F4A7C15ULL;
static double uniform_pm1(void) /* xorshift64, uniform in (-1, 1) */
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return 2.0 * (((double)(rng_state >> 11) + 0.5) / 9007199254740992.0) - 1.0;
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
  const double *Ainv, *proj;
  size_t K, n;
  double *gamma;  /* n */
  double *c;      /* K scratch (row access) */
  aceuq_grade_workspace *ws;
  aceuq_error *err;
  int failed;
} bench_case;

/* scalar, column access (ML-PACE): gamma = max_k |sum_j b_j A[j,k]| */
static double grade_col(const double *Ainv, size_t K, const double *b)
{
  double g = 0.0;
  for (size_t k = 0; k < K; ++k) {
    double s = 0.0;
    for (size_t j = 0; j < K; ++j) s += b[j] * Ainv[j * K + k];
    s = fabs(s);
    if (s > g) g = s;
  }
  return g;
}

/* scalar, row access: c = sum_j b_j A[j,:], gamma = max_k |c_k| */
static double grade_row(const double *Ainv, size_t K, const double *b, double *c)
{
  for (size_t k = 0; k < K; ++k) c[k] = 0.0;
  for (size_t j = 0; j < K; ++j) {
    const double bj = b[j];
    const double *a = Ainv + j * K;
    for (size_t k = 0; k < K; ++k) c[k] += bj * a[k];
  }
  double g = 0.0;
  for (size_t k = 0; k < K; ++k) {
    double v = fabs(c[k]);
    if (v > g) g = v;
  }
  return g;
}

/* A "unit" of work: one atom for the scalar loops (cycling over the n
 * atoms), one call over all n atoms for the batch. */
static void run_col(bench_case *b, size_t units)
{
  for (size_t u = 0; u < units; ++u) {
    size_t i = u % b->n;
    b->gamma[i] = grade_col(b->Ainv, b->K, b->proj + i * b->K);
  }
}

static void run_row(bench_case *b, size_t units)
{
  for (size_t u = 0; u < units; ++u) {
    size_t i = u % b->n;
    b->gamma[i] = grade_row(b->Ainv, b->K, b->proj + i * b->K, b->c);
  }
}

static void run_batch(bench_case *b, size_t units)
{
  for (size_t u = 0; u < units; ++u)
    if (aceuq_dopt_grade_batch(b->ws, b->Ainv, b->K, b->proj, b->n, b->gamma, NULL, b->err)) b->failed = 1;
}

/* seconds per unit: double the unit count until one timing takes >= min_time,
 * then the best of 3 timings of that many units */
static double time_per_unit(void (*run)(bench_case *, size_t), bench_case *b, double min_time)
{
  size_t units = 1;
  for (;;) {
    double t0 = now();
    run(b, units);
    double t = now() - t0;
    if (t >= min_time) break;
    /* jump close to the target, at least doubling */
    double f = t > 0 ? 1.2 * min_time / t : 16.0;
    units = f < 2.0 ? 2 * units : (size_t)((double)units * (f > 1024.0 ? 1024.0 : f)) + 1;
  }
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    double t0 = now();
    run(b, units);
    double t = now() - t0;
    if (t < best) best = t;
  }
  return best / (double)units;
}

int main(int argc, char **argv)
{
  aceuq_select_blas_kernels(argv);
  int quick = 0;
  for (int a = 1; a < argc; ++a) {
    if (!strcmp(argv[a], "--quick")) {
      quick = 1;
    } else {
      fprintf(stderr, "usage: bench_dopt [--quick]\n");
      return 2;
    }
  }
  aceuq_blas_set_threads(1);
  char blas[256];
  aceuq_blas_info(blas, sizeof blas);
  printf("aceuq %s, %s, BLAS threads %d\n", aceuq_version(), blas, aceuq_blas_get_threads());

  static const size_t Ks_full[] = {82, 164, 684, 1368};
  static const char *what_full[] = {"Cu-I linear", "Cu-I non-linear", "Cu.pbe.in linear", "Cu.pbe.in non-linear"};
  static const size_t Ks_quick[] = {82, 164}; /* the first two of Ks_full */
  const size_t *Ks = quick ? Ks_quick : Ks_full;
  const int nK = quick ? 2 : 4;
  const size_t n = quick ? 256 : 2000;
  const double min_time = quick ? 0.02 : 0.2;
  const size_t maxK = Ks[nK - 1];

  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_grade_workspace *ws = NULL;
  double *Ainv = malloc(sizeof *Ainv * maxK * maxK), *proj = malloc(sizeof *proj * n * maxK);
  double *g_batch = malloc(sizeof *g_batch * n), *g_col = malloc(sizeof *g_col * n);
  double *g_row = malloc(sizeof *g_row * n), *scale = malloc(sizeof *scale * n);
  double *c = malloc(sizeof *c * maxK);
  if (!Ainv || !proj || !g_batch || !g_col || !g_row || !scale || !c) {
    fprintf(stderr, "bench_dopt: out of memory\n");
    return 1;
  }
  if (aceuq_grade_workspace_create(maxK, &ws, &err)) goto fail;
  printf("extrapolation grade gamma_i = max_k |sum_j b_ij Ainv_jk|, n = %zu atoms, random Ainv and b in (-1, 1),\n"
         "each timing >= %.2f s, best of 3; grade workspace %.2f MB%s\n",
         n, min_time, (double)aceuq_grade_workspace_bytes(ws) / 1048576.0, quick ? " (--quick)" : "");
  printf("%-22s %5s %11s %11s %11s %9s %9s %10s %10s\n", "active set", "K", "batch", "scalar col", "scalar row",
         "vs col", "vs best", "max |dg|/g", "max |dg|/s");
  printf("%-22s %5s %11s %11s %11s %9s %9s\n", "", "", "us/atom", "us/atom", "us/atom", "speed-up", "speed-up");

  double min_ratio = 1e30, max_ratio = 0.0, worst_dev = 0.0;
  int bad = 0;
  for (int ik = 0; ik < nK; ++ik) {
    const size_t K = Ks[ik];
    for (size_t i = 0; i < K * K; ++i) Ainv[i] = uniform_pm1();
    for (size_t i = 0; i < n * K; ++i) proj[i] = uniform_pm1();
    bench_case b = {Ainv, proj, K, n, NULL, c, ws, &err, 0};

    /* agreement: all n atoms by all three methods, against the round-off scale */
    if (aceuq_dopt_grade_batch(ws, Ainv, K, proj, n, g_batch, scale, &err)) goto fail;
    b.gamma = g_col;
    run_col(&b, n);
    b.gamma = g_row;
    run_row(&b, n);
    double dev = 0.0, rel = 0.0; /* max |dg| / round-off scale, max |dg| / gamma */
    for (size_t i = 0; i < n; ++i) {
      double dg = fmax(fabs(g_batch[i] - g_col[i]), fabs(g_batch[i] - g_row[i]));
      double d = dg / scale[i], r = dg / g_batch[i];
      if (!(d <= dev)) dev = d; /* a NaN sticks */
      if (!(r <= rel)) rel = r;
    }
    if (!(dev <= 1e-10)) bad = 1;
    if (!(dev <= worst_dev)) worst_dev = dev;

    b.gamma = g_batch;
    double t_batch = time_per_unit(run_batch, &b, min_time) / (double)n;
    if (b.failed) goto fail;
    b.gamma = g_col;
    double t_col = time_per_unit(run_col, &b, min_time);
    b.gamma = g_row;
    double t_row = time_per_unit(run_row, &b, min_time);
    double t_best = fmin(t_col, t_row), ratio = t_best / t_batch;
    if (ratio < min_ratio) min_ratio = ratio;
    if (ratio > max_ratio) max_ratio = ratio;
    printf("%-22s %5zu %11.3f %11.3f %11.3f %8.1fx %8.1fx %10.2e %10.2e\n", what_full[ik], K,
           1e6 * t_batch, 1e6 * t_col, 1e6 * t_row, t_col / t_batch, ratio, rel, dev);
    fflush(stdout);
  }
  printf("summary: batch (dgemm) grades are %.1fx to %.1fx faster than the best scalar per-atom loop "
         "(K = %zu..%zu, n = %zu); max |gamma_batch - gamma_scalar| / round-off scale = %.2e%s\n",
         min_ratio, max_ratio, Ks[0], maxK, n, worst_dev, bad ? "  > 1e-10: MISMATCH" : "");

  aceuq_grade_workspace_free(ws);
  free(Ainv);
  free(proj);
  free(g_batch);
  free(g_col);
  free(g_row);
  free(scale);
  free(c);
  if (bad) {
    fprintf(stderr, "bench_dopt: batch and scalar grades differ by more than 1e-10 of the round-off scale\n");
    return 1;
  }
  return 0;
fail:
  fprintf(stderr, "bench_dopt: %s\n", err.message);
  return 1;
}
