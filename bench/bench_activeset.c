/* bench_activeset.c -- time and peak memory of the active-set builders
 *
 * Synthetic data (not ACE): n environments x K projections,
 *   b_i = p_i diag(s) Q diag(c) + noise,   p_i uniform in (-1, 1)^K (its own
 *   seeded generator per row: the same rows whatever the batching),
 *   Q random K x K, s_t = 10^(-6.5 t / K) (singular values decaying smoothly
 *   through the 1e-6 rank cut, no gap, as in ACE bases: rank ~ 0.93 K),
 *   column scales c_k = 10^(k % 5 - 2), noise 1e-13 (relative).
 * Two builders on the same rows, each in its own forked process so that
 * ru_maxrss is its own peak:
 *   in memory  -- all n x K rows generated into memory, aceuq_activeset_select
 *                 (includes the max gamma over all rows);
 *   streaming  -- aceuq_activeset_builder with batches of m rows regenerated
 *                 on every pass (statistics, candidates, refinements until no
 *                 row is above tol, at most 5), finish, then one more pass
 *                 for the max gamma of all rows with the final matrix.
 * Printed: builder seconds (row generation excluded, timed separately),
 * verification seconds (streaming), peak RSS in MB, rank, swaps, max gamma
 * (must be <= tol: else exit 1).  BLAS single-threaded unless --threads.
 *   usage: bench_activeset [--quick] [--n N] [--K K] [--batch M] [--threads T]
 *          [--refinements R (5)] [--only memory|streaming] [--verbose]
 *   defaults: n = 100000, K = 700, batch 10000; --quick: n 3000, K 100, batch 500 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "aceuq.h"
#include "cli/blas_select.h" /* generic OpenBLAS kernels -> re-run with the matching ones */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
                   const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
                   const double *beta, double *c, const int *ldc);

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double peak_mb(void)
{
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_maxrss / 1024.0;
}

static unsigned long long splitmix(unsigned long long *s)
{
  unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static double upm1(unsigned long long *s) { return 2.0 * ((double)(splitmix(s) >> 11) / 9007199254740992.0) - 1.0; }

typedef struct generator {
  size_t K;
  double *Q;     /* K x K row-major: diag(s) Q diag(c) */
  double *c;     /* column scales */
  double *P;     /* work: max_rows x K */
  size_t max_rows;
  double seconds; /* time spent generating */
} generator;

static int generator_init(generator *g, size_t K, size_t max_rows)
{
  g->K = K;
  g->max_rows = max_rows;
  g->seconds = 0.0;
  g->Q = malloc(K * K * sizeof *g->Q);
  g->c = malloc(K * sizeof *g->c);
  g->P = malloc(max_rows * K * sizeof *g->P);
  if (!g->Q || !g->c || !g->P) return 1;
  unsigned long long s = 20240611;
  for (size_t k = 0; k < K; ++k) g->c[k] = pow(10.0, (double)(k % 5) - 2.0);
  for (size_t t = 0; t < K; ++t)
    for (size_t k = 0; k < K; ++k) g->Q[t * K + k] = upm1(&s) * pow(10.0, -6.5 * (double)t / (double)K) * g->c[k];
  return 0;
}

static void generator_free(generator *g)
{
  free(g->Q);
  free(g->c);
  free(g->P);
}

/* rows first .. first + m - 1 (m <= max_rows) into out (m x K row-major) */
static void generate(generator *g, size_t first, size_t m, double *out)
{
  const double t0 = now();
  const size_t K = g->K;
  for (size_t i = 0; i < m; ++i) {
    unsigned long long s = 0xA5A5A5A5ULL ^ ((first + i) * 0x9E3779B97F4A7C15ULL);
    for (size_t t = 0; t < K; ++t) g->P[i * K + t] = upm1(&s);
  }
  const int k = (int)K, mm = (int)m;
  const double one = 1.0, zero = 0.0;
  /* out^T (K x m) = Q^T (K x K) P^T (K x m), all column-major views */
  dgemm_("N", "N", &k, &mm, &k, &one, g->Q, &k, g->P, &k, &zero, out, &k);
  for (size_t i = 0; i < m; ++i) {
    unsigned long long s = 0x5A5A5A5AULL ^ ((first + i) * 0xD1B54A32D192ED03ULL);
    for (size_t kk = 0; kk < K; ++kk) out[i * K + kk] += 1e-13 * g->c[kk] * upm1(&s);
  }
  g->seconds += now() - t0;
}

typedef struct config {
  size_t n, K, batch;
  int threads, verbose, refinements;
} config;

static int fail(const char *what, const aceuq_error *err)
{
  fprintf(stderr, "bench_activeset: %s: %s\n", what, err->message);
  return 1;
}

static int run_memory(const config *cf)
{
  const size_t n = cf->n, K = cf->K;
  generator g;
  double *B = malloc(n * K * sizeof *B), *Ainv = malloc(K * K * sizeof *Ainv);
  size_t *sel = malloc(K * sizeof *sel);
  if (generator_init(&g, K, 4096) || !B || !Ainv || !sel) {
    fprintf(stderr, "bench_activeset: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < n; i += 4096) generate(&g, i, n - i < 4096 ? n - i : 4096, B + i * K);
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_activeset_report rep;
  const double t0 = now();
  if (aceuq_activeset_select(B, n, K, NULL, Ainv, sel, &rep, &err) != ACEUQ_OK) return fail("in memory", &err);
  const double t = now() - t0;
  printf("%-10s %8zu %5zu %7s %9.2f %8.2f %8s %9.1f %6zu %6d %6s %12.9f\n", "in memory", n, K, "-", t, g.seconds, "-",
         peak_mb(), rep.rank, rep.iterations, "-", rep.max_gamma);
  fflush(stdout);
  generator_free(&g);
  free(B);
  free(Ainv);
  free(sel);
  return rep.max_gamma <= 1.01 + 1e-9 ? 0 : 1;
}

static int run_streaming(const config *cf)
{
  const size_t n = cf->n, K = cf->K, m = cf->batch;
  generator g;
  double *rows = malloc(m * K * sizeof *rows), *Ainv = malloc(K * K * sizeof *Ainv), *gamma = malloc(m * sizeof *gamma);
  size_t *sel = malloc(K * sizeof *sel);
  aceuq_grade_workspace *ws = NULL;
  aceuq_activeset_builder *b = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  if (generator_init(&g, K, m) || !rows || !Ainv || !gamma || !sel) {
    fprintf(stderr, "bench_activeset: out of memory\n");
    return 1;
  }
  const double t0 = now();
  if (aceuq_activeset_builder_create(K, NULL, &b, &err)) return fail("create", &err);
  for (size_t i = 0; i < n; i += m) {
    const size_t c = n - i < m ? n - i : m;
    generate(&g, i, c, rows);
    if (aceuq_activeset_builder_add_statistics(b, rows, c, &err)) return fail("statistics", &err);
  }
  if (aceuq_activeset_builder_prepare(b, &err)) return fail("prepare", &err);
  for (size_t i = 0; i < n; i += m) {
    const size_t c = n - i < m ? n - i : m;
    generate(&g, i, c, rows);
    if (aceuq_activeset_builder_add_candidates(b, rows, c, i, &err)) return fail("candidates", &err);
  }
  int passes = 0;
  size_t over = 1;
  if (cf->verbose)
    printf("  streaming: rank %zu, candidates done after %.2f s (generation %.2f s)\n",
           aceuq_activeset_builder_rank(b), now() - t0 - g.seconds, g.seconds);
  for (; passes < cf->refinements && over; ++passes) {
    for (size_t i = 0; i < n; i += m) {
      const size_t c = n - i < m ? n - i : m;
      generate(&g, i, c, rows);
      if (aceuq_activeset_builder_refine(b, rows, c, i, &err)) return fail("refine", &err);
    }
    double gmax;
    if (aceuq_activeset_builder_end_refinement(b, &over, &gmax, &err)) return fail("end_refinement", &err);
    if (cf->verbose)
      printf("  refinement %d: %zu rows above tol, max gamma %.6f (%.2f s)\n", passes + 1, over, gmax,
             now() - t0 - g.seconds);
    fflush(stdout);
  }
  aceuq_activeset_report rep;
  if (aceuq_activeset_builder_finish(b, Ainv, sel, &rep, &err)) return fail("finish", &err);
  const double t = now() - t0 - g.seconds;
  const double gen = g.seconds;
  /* verification pass: max gamma of all rows with the final matrix */
  const double t1 = now();
  double gmax = 0.0;
  if (aceuq_grade_workspace_create(K, &ws, &err)) return fail("grades", &err);
  for (size_t i = 0; i < n; i += m) {
    const size_t c = n - i < m ? n - i : m;
    generate(&g, i, c, rows);
    if (aceuq_dopt_grade_batch(ws, Ainv, K, rows, c, gamma, NULL, &err)) return fail("grades", &err);
    for (size_t j = 0; j < c; ++j)
      if (!(gamma[j] <= gmax)) gmax = gamma[j];
  }
  const double tv = now() - t1 - (g.seconds - gen);
  printf("%-10s %8zu %5zu %7zu %9.2f %8.2f %8.2f %9.1f %6zu %6d %6d %12.9f\n", "streaming", n, K, m, t, gen, tv,
         peak_mb(), rep.rank, rep.iterations, passes, gmax);
  fflush(stdout);
  aceuq_grade_workspace_free(ws);
  aceuq_activeset_builder_free(b);
  generator_free(&g);
  free(rows);
  free(Ainv);
  free(gamma);
  free(sel);
  return gmax <= 1.01 + 1e-9 ? 0 : 1;
}

/* run f in a child process: its own peak memory */
static int in_child(int (*f)(const config *), const config *cf)
{
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return f(cf);
  if (pid == 0) {
    aceuq_blas_set_threads(cf->threads);
    _exit(f(cf));
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return 1;
  return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
  aceuq_select_blas_kernels(argv);
  config cf = {100000, 700, 10000, 1, 0, 5};
  int quick = 0, only = 0; /* 1 memory, 2 streaming */
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--quick")) {
      quick = 1;
      cf.n = 3000;
      cf.K = 100;
      cf.batch = 500;
    } else if (!strcmp(argv[i], "--n") && i + 1 < argc) cf.n = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--K") && i + 1 < argc) cf.K = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--batch") && i + 1 < argc) cf.batch = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) cf.threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--refinements") && i + 1 < argc) cf.refinements = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--verbose")) cf.verbose = 1;
    else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
      ++i;
      only = !strcmp(argv[i], "memory") ? 1 : !strcmp(argv[i], "streaming") ? 2 : -1;
    } else only = -1;
    if (only < 0 || cf.n == 0 || cf.K == 0 || cf.batch == 0 || cf.threads < 1) {
      fprintf(stderr, "usage: bench_activeset [--quick] [--n N] [--K K] [--batch M] [--threads T] "
                      "[--refinements R] [--only memory|streaming] [--verbose]\n");
      return 2;
    }
  }
  char blas[256];
  aceuq_blas_info(blas, sizeof blas);
  printf("bench_activeset: synthetic rows, singular values 10^(-6.5 t/K), tol 1.01, rank_rtol 1e-6; BLAS %s, "
         "%d thread(s)%s\n", blas, cf.threads, quick ? " (quick)" : "");
  printf("%-10s %8s %5s %7s %9s %8s %8s %9s %6s %6s %6s %12s\n", "builder", "n", "K", "batch", "build s", "gen s",
         "verify s", "peak MB", "rank", "swaps", "passes", "max gamma");
  int rc = 0;
  if (only != 2) rc |= in_child(run_memory, &cf);
  if (only != 1) rc |= in_child(run_streaming, &cf);
  if (rc) fprintf(stderr, "bench_activeset: FAILED (max gamma above tol or an error)\n");
  return rc;
}
