/* Unit tests: active-set construction (maxvol.c, activeset_build.c).
 *
 *  - aceuq_maxvol on random matrices against brute force: after convergence
 *    no single row swap increases |det| of the selected block by more than
 *    the factor tol (every swap checked with its own LU), the reported max|C|
 *    is max |A A[sel]^-1|, max_iters = 0 gives the LU pivot rows, tol < 1 is
 *    1, exact ties go to the first row, errors (rank < r, NaN, n < r);
 *  - aceuq_activeset_select: on full-rank input the same rows as
 *    aceuq_maxvol on the raw matrix; rank-deficient input (product of
 *    n x r and r x K factors + 1e-14 noise, columns of very different scale)
 *    gives rank r, gamma <= tol on all rows, moderate Ainv, zero columns
 *    r..K-1; B[selected] Ainv = unit vectors; zero-variance columns counted
 *    and inert; reordering the rows gives the same environments and gammas;
 *  - the streaming builder vs the in-memory selection on the same data
 *    (batches larger and smaller than the rank): same rank and zero columns,
 *    gamma <= tol on every row after the refinement passes, a valid
 *    pseudo-inverse of its own selection; with a single batch (rank < K) the
 *    selection equals the in-memory one; the order of the calls is enforced;
 *  - aceuq_activeset_write -> aceuq_activeset_load round trip with the test
 *    potential (linear and non-linear sizes) and the writer's errors. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "aceuq.h"
#include "ace_test_inputs.h"
#include "check.h"
#include "scratch_dir.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

static double urand(void) { return 2.0 * check_uniform() - 1.0; }

static double *random_rows(size_t n, size_t K)
{
  double *a = malloc(n * K * sizeof *a);
  for (size_t i = 0; i < n * K; ++i) a[i] = urand();
  return a;
}

/* log |det| of the r x r row-major matrix M (LU with partial pivoting);
 * -inf when singular.  M is destroyed. */
static double logdet(double *M, size_t r)
{
  double ld = 0.0;
  for (size_t k = 0; k < r; ++k) {
    size_t p = k;
    for (size_t i = k + 1; i < r; ++i)
      if (fabs(M[i * r + k]) > fabs(M[p * r + k])) p = i;
    if (M[p * r + k] == 0.0) return -HUGE_VAL;
    if (p != k)
      for (size_t c = 0; c < r; ++c) {
        double t = M[k * r + c];
        M[k * r + c] = M[p * r + c];
        M[p * r + c] = t;
      }
    ld += log(fabs(M[k * r + k]));
    for (size_t i = k + 1; i < r; ++i) {
      double l = M[i * r + k] / M[k * r + k];
      for (size_t c = k; c < r; ++c) M[i * r + c] -= l * M[k * r + c];
    }
  }
  return ld;
}

static double logdet_rows(const double *A, size_t r, const size_t *rows, double *work)
{
  for (size_t i = 0; i < r; ++i) memcpy(work + i * r, A + rows[i] * r, r * sizeof *work);
  return logdet(work, r);
}

/* X = A[rows]^-1 (r x r) by Gauss-Jordan, for max |A A[rows]^-1| */
static void inverse_rows(const double *A, size_t r, const size_t *rows, double *inv)
{
  double *m = malloc(r * 2 * r * sizeof *m);
  for (size_t i = 0; i < r; ++i)
    for (size_t c = 0; c < 2 * r; ++c) m[i * 2 * r + c] = c < r ? A[rows[i] * r + c] : (c - r == i);
  for (size_t k = 0; k < r; ++k) {
    size_t p = k;
    for (size_t i = k + 1; i < r; ++i)
      if (fabs(m[i * 2 * r + k]) > fabs(m[p * 2 * r + k])) p = i;
    for (size_t c = 0; c < 2 * r; ++c) {
      double t = m[k * 2 * r + c];
      m[k * 2 * r + c] = m[p * 2 * r + c];
      m[p * 2 * r + c] = t;
    }
    double d = m[k * 2 * r + k];
    for (size_t c = 0; c < 2 * r; ++c) m[k * 2 * r + c] /= d;
    for (size_t i = 0; i < r; ++i)
      if (i != k) {
        double l = m[i * 2 * r + k];
        for (size_t c = 0; c < 2 * r; ++c) m[i * 2 * r + c] -= l * m[k * 2 * r + c];
      }
  }
  for (size_t i = 0; i < r; ++i) memcpy(inv + i * r, m + i * 2 * r + r, r * sizeof *inv);
  free(m);
}

static int distinct_in_range(const size_t *rows, size_t r, size_t n)
{
  for (size_t i = 0; i < r; ++i) {
    if (rows[i] >= n) return 0;
    for (size_t j = 0; j < i; ++j)
      if (rows[i] == rows[j]) return 0;
  }
  return 1;
}

/* ---- MaxVol ------------------------------------------------------------------ */

static void maxvol_brute(size_t n, size_t r, double tol)
{
  double *A = random_rows(n, r);
  size_t *rows = malloc(r * sizeof *rows), *trial = malloc(r * sizeof *trial);
  double *work = malloc(r * r * sizeof *work), *inv = malloc(r * r * sizeof *inv);
  int iters = -1;
  double max_c = -1;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_maxvol(A, n, r, tol, 10000, rows, &iters, &max_c, &err) == ACEUQ_OK);
  CHECK(distinct_in_range(rows, r, n));
  CHECK(max_c <= tol && max_c >= 1.0 - 1e-12);
  CHECK(iters >= 0 && (r == n || iters > 0 || max_c <= tol));
  /* no single swap gains more than the factor tol */
  const double base = logdet_rows(A, r, rows, work);
  double worst = -HUGE_VAL;
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < r; ++i) {
      memcpy(trial, rows, r * sizeof *trial);
      trial[i] = j;
      double ld = logdet_rows(A, r, trial, work);
      if (ld - base > worst) worst = ld - base;
    }
  CHECK(worst <= log(tol) + 1e-9);
  /* max_c = max |A A[rows]^-1| */
  inverse_rows(A, r, rows, inv);
  double mc = 0.0;
  for (size_t j = 0; j < n; ++j)
    for (size_t c = 0; c < r; ++c) {
      double s = 0.0;
      for (size_t k = 0; k < r; ++k) s += A[j * r + k] * inv[k * r + c];
      if (fabs(s) > mc) mc = fabs(s);
    }
  CHECK_CLOSE(mc, max_c, 1e-9 * mc);
  CHECK_CLOSE(exp(worst), mc, 1e-7 * mc); /* the best single swap gains exactly max |C| */
  printf("maxvol %zu x %zu tol %g: %d swaps, max|C| %.6f, best swap gain %.6f\n", n, r, tol, iters, max_c,
         exp(worst));
  free(A);
  free(rows);
  free(trial);
  free(work);
  free(inv);
}

/* plain LU with partial pivoting (first largest pivot): the start rows */
static void lu_pivot_rows(const double *A, size_t n, size_t r, size_t *rows)
{
  double *a = malloc(n * r * sizeof *a);
  size_t *perm = malloc(n * sizeof *perm);
  memcpy(a, A, n * r * sizeof *a);
  for (size_t i = 0; i < n; ++i) perm[i] = i;
  for (size_t k = 0; k < r; ++k) {
    size_t p = k;
    for (size_t i = k + 1; i < n; ++i)
      if (fabs(a[i * r + k]) > fabs(a[p * r + k])) p = i;
    for (size_t c = 0; c < r; ++c) {
      double t = a[k * r + c];
      a[k * r + c] = a[p * r + c];
      a[p * r + c] = t;
    }
    size_t t = perm[k];
    perm[k] = perm[p];
    perm[p] = t;
    for (size_t i = k + 1; i < n; ++i) {
      double l = a[i * r + k] / a[k * r + k];
      for (size_t c = k; c < r; ++c) a[i * r + c] -= l * a[k * r + c];
    }
  }
  memcpy(rows, perm, r * sizeof *rows);
  free(a);
  free(perm);
}

static void test_maxvol(void)
{
  maxvol_brute(40, 4, 1.01);
  maxvol_brute(120, 12, 1.01);
  maxvol_brute(300, 25, 1.01);
  maxvol_brute(200, 10, 1.5);
  maxvol_brute(16, 16, 1.01); /* square: the LU start is final */
  aceuq_error err;
  aceuq_error_clear(&err);
  size_t rows[8], ref[8];
  int iters;
  double max_c;

  /* max_iters = 0: the LU pivot rows */
  double *A = random_rows(60, 8);
  CHECK(aceuq_maxvol(A, 60, 8, 1.01, 0, rows, &iters, &max_c, &err) == ACEUQ_OK);
  lu_pivot_rows(A, 60, 8, ref);
  CHECK(iters == 0);
  CHECK(!memcmp(rows, ref, sizeof rows));
  CHECK(max_c > 1.01); /* random start is not optimal */

  /* tol < 1 is taken as 1: converges to max|C| = 1 */
  CHECK(aceuq_maxvol(A, 60, 8, 0.5, 10000, rows, &iters, &max_c, &err) == ACEUQ_OK);
  CHECK(max_c <= 1.0 && max_c >= 1.0);

  /* exact ties: rows 30..59 copy rows 0..29; only first copies are chosen */
  memcpy(A + 30 * 8, A, 30 * 8 * sizeof *A);
  CHECK(aceuq_maxvol(A, 60, 8, 1.0, 10000, rows, &iters, &max_c, &err) == ACEUQ_OK);
  for (int i = 0; i < 8; ++i) CHECK(rows[i] < 30);

  /* errors */
  CHECK(aceuq_maxvol(A, 7, 8, 1.01, 10, rows, NULL, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "7 rows < 8 columns");
  for (size_t i = 0; i < 60; ++i) A[i * 8 + 3] = 0.0; /* rank 7 */
  CHECK(aceuq_maxvol(A, 60, 8, 1.01, 10, rows, NULL, NULL, &err) == ACEUQ_ERR_LINALG);
  CHECK_STR_CONTAINS(err.message, "rank < 8");
  A[5 * 8 + 2] = NAN;
  CHECK(aceuq_maxvol(A, 60, 8, 1.01, 10, rows, NULL, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "entry (5, 2) is not finite");
  CHECK(aceuq_maxvol(A, 60, 0, 1.01, 10, rows, &iters, &max_c, &err) == ACEUQ_OK && iters == 0);
  free(A);
}

/* ---- selection helpers -------------------------------------------------------- */

/* gamma of row b with Ainv (brute force) */
static double gamma_of(const double *b, const double *Ainv, size_t K)
{
  double g = 0.0;
  for (size_t k = 0; k < K; ++k) {
    double s = 0.0;
    for (size_t j = 0; j < K; ++j) s += b[j] * Ainv[j * K + k];
    if (fabs(s) > g) g = fabs(s);
  }
  return g;
}

static double max_gamma_rows(const double *B, size_t n, const double *Ainv, size_t K)
{
  double m = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double g = gamma_of(B + i * K, Ainv, K);
    if (!(g <= m)) m = g;
  }
  return m;
}

/* max deviation of B[sel[i]] Ainv from e_i (first r columns; others 0) */
static double pinv_defect(const double *B, size_t K, const size_t *sel, size_t r, const double *Ainv)
{
  double d = 0.0;
  for (size_t i = 0; i < r; ++i)
    for (size_t k = 0; k < K; ++k) {
      double s = 0.0;
      for (size_t j = 0; j < K; ++j) s += B[sel[i] * K + j] * Ainv[j * K + k];
      double e = fabs(s - (k == i ? 1.0 : 0.0));
      if (!(e <= d)) d = e;
    }
  return d;
}

/* n x K matrix of rank r: (n x r)(r x K), column k scaled by 10^(k % 5 - 2),
 * plus noise */
static double *low_rank(size_t n, size_t K, size_t r, double noise)
{
  double *P = random_rows(n, r), *Q = random_rows(r, K), *B = malloc(n * K * sizeof *B);
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < K; ++k) {
      double s = 0.0;
      for (size_t t = 0; t < r; ++t) s += P[i * r + t] * Q[t * K + k];
      B[i * K + k] = (s + noise * urand()) * pow(10.0, (double)(k % 5) - 2.0);
    }
  free(P);
  free(Q);
  return B;
}

static void test_full_rank_is_maxvol(void)
{
  const size_t n = 300, K = 20;
  double *B = random_rows(n, K);
  for (size_t i = 0; i < n; ++i) /* very different column scales: D matters */
    for (size_t k = 0; k < K; ++k) B[i * K + k] *= pow(10.0, (double)(k % 7) - 3.0);
  double *Ainv = malloc(K * K * sizeof *Ainv);
  size_t sel[20], rows[20];
  aceuq_activeset_report rep;
  aceuq_activeset_build_options opt;
  aceuq_activeset_build_options_default(&opt);
  CHECK(opt.tol == 1.01 && opt.max_iters == 300 && opt.rank_rtol == 1e-6);
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_activeset_select(B, n, K, &opt, Ainv, sel, &rep, &err) == ACEUQ_OK);
  int iters;
  double max_c;
  CHECK(aceuq_maxvol(B, n, K, opt.tol, opt.max_iters, rows, &iters, &max_c, &err) == ACEUQ_OK);
  /* same set of rows (select returns them sorted) */
  for (size_t i = 0; i < K; ++i)
    for (size_t j = i + 1; j < K; ++j)
      if (rows[j] < rows[i]) {
        size_t t = rows[i];
        rows[i] = rows[j];
        rows[j] = t;
      }
  CHECK(!memcmp(sel, rows, sizeof sel));
  CHECK(rep.iterations == iters);
  CHECK_CLOSE(rep.max_c, max_c, 1e-9);
  CHECK(rep.rank == K && rep.environments == n && rep.functions == K && rep.zero_columns == 0);
  CHECK(rep.max_gamma <= opt.tol + 1e-9);
  CHECK_CLOSE(rep.max_gamma, max_c, 1e-9); /* full rank: gamma = |C| */
  CHECK(pinv_defect(B, K, sel, K, Ainv) < 1e-10);
  printf("full rank %zu x %zu: %d swaps, max|C| %.6f, same rows as aceuq_maxvol(B): %s, cond %.3g\n", n, K, iters,
         max_c, memcmp(sel, rows, sizeof sel) ? "NO" : "yes", rep.condition);
  free(B);
  free(Ainv);
}

static void test_rank_deficient(void)
{
  const size_t n = 400, K = 30, r = 12;
  double *B = low_rank(n, K, r, 1e-14);
  double *Ainv = malloc(K * K * sizeof *Ainv);
  size_t sel[30];
  aceuq_activeset_report rep;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_activeset_select(B, n, K, NULL, Ainv, sel, &rep, &err) == ACEUQ_OK);
  CHECK(rep.rank == r);
  CHECK(rep.zero_columns == 0);
  CHECK(distinct_in_range(sel, r, n));
  for (size_t i = 1; i < r; ++i) CHECK(sel[i] > sel[i - 1]);
  double amax = 0.0;
  int finite = 1, zero_tail = 1;
  for (size_t j = 0; j < K; ++j)
    for (size_t k = 0; k < K; ++k) {
      double v = Ainv[j * K + k];
      finite &= isfinite(v);
      if (fabs(v) > amax) amax = fabs(v);
      if (k >= r) zero_tail &= v == 0.0;
    }
  CHECK(finite && zero_tail);
  CHECK(amax < 1e4); /* columns scaled down to 1e-2: entries up to ~1e2 x O(10) */
  const double g = max_gamma_rows(B, n, Ainv, K);
  CHECK(g <= 1.01 + 1e-9);
  CHECK_CLOSE(g, rep.max_gamma, 1e-12 * (1 + g));
  CHECK(rep.max_c <= 1.01);
  CHECK(pinv_defect(B, K, sel, r, Ainv) < 1e-10);
  /* a combination of two selected rows: gamma = the larger coefficient */
  double b[30];
  for (size_t k = 0; k < K; ++k) b[k] = 0.3 * B[sel[2] * K + k] - 0.6 * B[sel[7] * K + k];
  CHECK_CLOSE(gamma_of(b, Ainv, K), 0.6, 1e-10);
  printf("rank-deficient %zu x %zu (rank %zu + 1e-14 noise): rank %zu, %d swaps, max gamma %.12f, cond %.3g, "
         "max |Ainv| %.3g\n", n, K, r, rep.rank, rep.iterations, rep.max_gamma, rep.condition, amax);

  /* without the rank treatment the square pseudo-inverse would be useless:
   * the rank must not depend on the noise level as long as it is tiny */
  double *B2 = low_rank(n, K, r, 1e-11);
  CHECK(aceuq_activeset_select(B2, n, K, NULL, Ainv, sel, &rep, &err) == ACEUQ_OK);
  CHECK(rep.rank == r);
  CHECK(max_gamma_rows(B2, n, Ainv, K) <= 1.01 + 1e-9);
  free(B2);
  free(B);
  free(Ainv);
}

/* singular values decaying smoothly through the rank cut (as in ACE bases:
 * no gap): gamma of every row is MaxVol's |C|, so max gamma = max|C| <= tol */
static void test_graded_spectrum(void)
{
  const size_t n = 700, K = 60;
  double *P = random_rows(n, K), *Q = random_rows(K, K), *B = malloc(n * K * sizeof *B);
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < K; ++k) {
      double s = 0.0;
      for (size_t t = 0; t < K; ++t) s += P[i * K + t] * pow(10.0, -9.0 * (double)t / (double)K) * Q[t * K + k];
      B[i * K + k] = s;
    }
  double *Ainv = malloc(K * K * sizeof *Ainv);
  size_t sel[60];
  aceuq_activeset_report rep;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_activeset_select(B, n, K, NULL, Ainv, sel, &rep, &err) == ACEUQ_OK);
  CHECK(rep.rank > 35 && rep.rank < 50);
  const double g = max_gamma_rows(B, n, Ainv, K);
  CHECK(g <= 1.01 + 1e-9);
  CHECK_CLOSE(g, rep.max_c, 1e-9);
  CHECK(pinv_defect(B, K, sel, rep.rank, Ainv) < 1e-8);
  printf("graded spectrum %zu x %zu (10^-9 over K): rank %zu, %d swaps, max gamma %.12f = max|C| %.12f, cond %.3g\n",
         n, K, rep.rank, rep.iterations, g, rep.max_c, rep.condition);
  free(P);
  free(Q);
  free(B);
  free(Ainv);
}

static void test_zero_variance(void)
{
  const size_t n = 200, K = 10;
  double *B = random_rows(n, K);
  for (size_t i = 0; i < n; ++i) {
    B[i * K + 3] = 0.0; /* never active */
    B[i * K + 7] = 2.5; /* constant */
  }
  double *Ainv = malloc(K * K * sizeof *Ainv);
  size_t sel[10];
  aceuq_activeset_report rep;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_activeset_select(B, n, K, NULL, Ainv, sel, &rep, &err) == ACEUQ_OK);
  CHECK(rep.zero_columns == 2);
  CHECK(rep.rank == K - 1); /* the constant column is a direction, the zero column is not */
  int zero_row = 1;
  for (size_t k = 0; k < K; ++k) zero_row &= Ainv[3 * K + k] == 0.0;
  CHECK(zero_row);
  CHECK(max_gamma_rows(B, n, Ainv, K) <= 1.01 + 1e-9);
  CHECK(pinv_defect(B, K, sel, rep.rank, Ainv) < 1e-10);
  double b[10];
  memcpy(b, B + 17 * K, sizeof b);
  double g0 = gamma_of(b, Ainv, K);
  b[3] = 5.0; /* activating the never-active function does not change gamma */
  CHECK(gamma_of(b, Ainv, K) == g0);

  /* all zero: an error that says so */
  memset(B, 0, n * K * sizeof *B);
  CHECK(aceuq_activeset_select(B, n, K, NULL, Ainv, sel, &rep, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "are zero");
  B[4] = INFINITY;
  CHECK(aceuq_activeset_select(B, n, K, NULL, Ainv, sel, &rep, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "projection 4 of environment 0 is not finite");
  aceuq_activeset_build_options opt;
  aceuq_activeset_build_options_default(&opt);
  opt.rank_rtol = 0.0;
  CHECK(aceuq_activeset_select(B, n, K, &opt, Ainv, sel, &rep, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "rank_rtol");
  free(B);
  free(Ainv);
}

/* reordering rows gives the same environments and the same gammas */
static void permutation_case(double *B, size_t n, size_t K)
{
  size_t *perm = malloc(n * sizeof *perm);
  for (size_t i = 0; i < n; ++i) perm[i] = i;
  for (size_t i = n - 1; i > 0; --i) {
    size_t j = (size_t)(check_uniform() * (double)(i + 1));
    size_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  double *P = malloc(n * K * sizeof *P); /* P[i] = B[perm[i]] */
  for (size_t i = 0; i < n; ++i) memcpy(P + i * K, B + perm[i] * K, K * sizeof *P);
  double *A1 = malloc(K * K * sizeof *A1), *A2 = malloc(K * K * sizeof *A2);
  size_t *s1 = malloc(K * sizeof *s1), *s2 = malloc(K * sizeof *s2);
  aceuq_activeset_report r1, r2;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_activeset_select(B, n, K, NULL, A1, s1, &r1, &err) == ACEUQ_OK);
  CHECK(aceuq_activeset_select(P, n, K, NULL, A2, s2, &r2, &err) == ACEUQ_OK);
  CHECK(r1.rank == r2.rank);
  size_t same = 0;
  for (size_t i = 0; i < r2.rank; ++i)
    for (size_t j = 0; j < r1.rank; ++j) same += perm[s2[i]] == s1[j];
  CHECK(same == r1.rank);
  double dg = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double d = fabs(gamma_of(P + i * K, A2, K) - gamma_of(B + perm[i] * K, A1, K));
    if (!(d <= dg)) dg = d;
  }
  CHECK(dg < 1e-10);
  printf("row permutation %zu x %zu (rank %zu): %zu of %zu environments shared, max |d gamma| %.2g\n", n, K, r1.rank,
         same, r1.rank, dg);
  free(perm);
  free(P);
  free(A1);
  free(A2);
  free(s1);
  free(s2);
}

static void test_permutation(void)
{
  double *B = random_rows(250, 15);
  permutation_case(B, 250, 15);
  free(B);
  B = low_rank(300, 24, 9, 1e-14);
  permutation_case(B, 300, 24);
  free(B);
}

/* ---- streaming builder ---------------------------------------------------------- */

/* all passes with batches of m rows; returns the status of finish */
static aceuq_status stream(const double *B, size_t n, size_t K, size_t m, int refinements, double *Ainv,
                           size_t *sel, aceuq_activeset_report *rep, int *passes, aceuq_error *err)
{
  aceuq_activeset_builder *b = NULL;
  aceuq_status st = aceuq_activeset_builder_create(K, NULL, &b, err);
  for (size_t i = 0; !st && i < n; i += m)
    st = aceuq_activeset_builder_add_statistics(b, B + i * K, n - i < m ? n - i : m, err);
  if (!st) st = aceuq_activeset_builder_prepare(b, err);
  for (size_t i = 0; !st && i < n; i += m)
    st = aceuq_activeset_builder_add_candidates(b, B + i * K, n - i < m ? n - i : m, i, err);
  *passes = 0;
  for (int p = 0; !st && p < refinements; ++p) {
    for (size_t i = 0; !st && i < n; i += m)
      st = aceuq_activeset_builder_refine(b, B + i * K, n - i < m ? n - i : m, i, err);
    size_t over = 0;
    double g = 0.0;
    if (!st) st = aceuq_activeset_builder_end_refinement(b, &over, &g, err);
    ++*passes;
    if (!st && over == 0) break;
  }
  if (!st) st = aceuq_activeset_builder_finish(b, Ainv, sel, rep, err);
  aceuq_activeset_builder_free(b);
  return st;
}

static void stream_case(const double *B, size_t n, size_t K, size_t m, const aceuq_activeset_report *mem,
                        const size_t *mem_sel)
{
  double *Ainv = malloc(K * K * sizeof *Ainv);
  size_t *sel = malloc(K * sizeof *sel);
  aceuq_activeset_report rep;
  aceuq_error err;
  aceuq_error_clear(&err);
  int passes = 0;
  aceuq_status st = stream(B, n, K, m, 10, Ainv, sel, &rep, &passes, &err);
  CHECK(st == ACEUQ_OK);
  if (st) {
    fprintf(stderr, "streaming builder: %s\n", err.message);
    goto done;
  }
  CHECK(rep.rank == mem->rank && rep.zero_columns == mem->zero_columns && rep.environments == n);
  CHECK(distinct_in_range(sel, rep.rank, n));
  for (size_t i = 1; i < rep.rank; ++i) CHECK(sel[i] > sel[i - 1]);
  const double g = max_gamma_rows(B, n, Ainv, K);
  CHECK(g <= 1.01 + 1e-9);
  CHECK(rep.max_gamma <= 1.01 + 1e-9); /* converged: not NaN */
  CHECK_CLOSE(rep.max_gamma, g, 1e-9);   /* the refinement grades are those of the written matrix */
  CHECK(pinv_defect(B, K, sel, rep.rank, Ainv) < 1e-9);
  size_t shared = 0;
  for (size_t i = 0; i < rep.rank; ++i)
    for (size_t j = 0; j < mem->rank; ++j) shared += sel[i] == mem_sel[j];
  if (m >= n && mem->rank < K) CHECK(shared == mem->rank); /* one batch = the in-memory selection */
  printf("streaming %zu x %zu, batch %zu: rank %zu, %d refinement passes, %d swaps, max gamma %.9f "
         "(in memory %.9f), %zu of %zu rows shared with the in-memory selection\n",
         n, K, m, rep.rank, passes, rep.iterations, g, mem->max_gamma, shared, mem->rank);
done:
  free(Ainv);
  free(sel);
}

static void test_streaming(void)
{
  const size_t n = 1500, K = 40;
  double *B = low_rank(n, K, 25, 1e-14);
  for (size_t i = 0; i < n; ++i) B[i * K + 11] = 0.0;
  double *Ainv = malloc(K * K * sizeof *Ainv);
  size_t sel[40];
  aceuq_activeset_report mem;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_activeset_select(B, n, K, NULL, Ainv, sel, &mem, &err) == ACEUQ_OK);
  CHECK(mem.rank == 25 && mem.zero_columns == 1);
  stream_case(B, n, K, 200, &mem, sel);
  stream_case(B, n, K, 10, &mem, sel); /* batches smaller than the rank */
  stream_case(B, n, K, 1, &mem, sel);
  stream_case(B, n, K, n, &mem, sel);
  free(B);

  double *F = random_rows(800, 30); /* full rank */
  CHECK(aceuq_activeset_select(F, 800, 30, NULL, Ainv, sel, &mem, &err) == ACEUQ_OK);
  stream_case(F, 800, 30, 64, &mem, sel);

  /* a first batch that spans one direction only (identical rows) */
  for (size_t i = 0; i < 100; ++i) memcpy(F + i * 30, F, 30 * sizeof *F);
  CHECK(aceuq_activeset_select(F, 800, 30, NULL, Ainv, sel, &mem, &err) == ACEUQ_OK);
  stream_case(F, 800, 30, 100, &mem, sel);

  /* order of the calls */
  aceuq_activeset_builder *b = NULL;
  CHECK(aceuq_activeset_builder_create(30, NULL, &b, &err) == ACEUQ_OK);
  CHECK(aceuq_activeset_builder_rank(b) == 0);
  CHECK(aceuq_activeset_builder_add_candidates(b, F, 10, 0, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "prepare() first");
  CHECK(aceuq_activeset_builder_prepare(b, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "no environments");
  CHECK(aceuq_activeset_builder_add_statistics(b, F, 800, &err) == ACEUQ_OK);
  CHECK(aceuq_activeset_builder_prepare(b, &err) == ACEUQ_OK);
  CHECK(aceuq_activeset_builder_rank(b) == 30);
  CHECK(aceuq_activeset_builder_add_statistics(b, F, 800, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_activeset_builder_finish(b, Ainv, sel, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "no candidates");
  CHECK(aceuq_activeset_builder_end_refinement(b, NULL, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_activeset_builder_add_candidates(b, F + 200 * 30, 5, 200, &err) == ACEUQ_OK); /* 5 < rank 30 */
  CHECK(aceuq_activeset_builder_finish(b, Ainv, sel, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "only 5 of the 30 rows");
  CHECK(aceuq_activeset_builder_refine(b, F, 400, 0, &err) == ACEUQ_OK);
  CHECK(aceuq_activeset_builder_add_candidates(b, F, 5, 0, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_activeset_builder_finish(b, Ainv, sel, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_activeset_builder_refine(b, F + 400 * 30, 400, 400, &err) == ACEUQ_OK);
  size_t over = 0;
  double g = 0.0;
  CHECK(aceuq_activeset_builder_end_refinement(b, &over, &g, &err) == ACEUQ_OK);
  CHECK(over > 0 && g > 1e3); /* placeholders left: rows far above tol */
  for (int p = 0; p < 10 && over; ++p) {
    CHECK(aceuq_activeset_builder_refine(b, F, 800, 0, &err) == ACEUQ_OK);
    CHECK(aceuq_activeset_builder_end_refinement(b, &over, &g, &err) == ACEUQ_OK);
  }
  CHECK(over == 0);
  aceuq_activeset_report rep;
  CHECK(aceuq_activeset_builder_finish(b, Ainv, sel, &rep, &err) == ACEUQ_OK);
  CHECK(max_gamma_rows(F, 800, Ainv, 30) <= 1.01 + 1e-9);
  CHECK(aceuq_activeset_builder_finish(b, Ainv, sel, &rep, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "already called");
  aceuq_activeset_builder_free(b);
  free(F);
  free(Ainv);
}

/* ---- .asi writer ----------------------------------------------------------------- */

static void write_round_trip(const aceuq_potential *pot, aceuq_projection_kind kind)
{
  const char *els[2] = {"Ni", "Al"}; /* not the potential's order */
  size_t K[2];
  double *A[2];
  aceuq_error err;
  aceuq_error_clear(&err);
  for (int e = 0; e < 2; ++e) {
    K[e] = aceuq_potential_projection_size(pot, aceuq_potential_element_index(pot, els[e]), kind);
    double *B = random_rows(50, K[e]);
    A[e] = malloc(K[e] * K[e] * sizeof *A[e]);
    CHECK(aceuq_activeset_select(B, 50, K[e], NULL, A[e], NULL, NULL, &err) == ACEUQ_OK);
    free(B);
  }
  const char *path = tpath(kind == ACEUQ_PROJECTIONS_LINEAR ? "lin.asi" : "nonlin.asi");
  CHECK(aceuq_activeset_write(path, 2, els, (const double *const *)A, K, &err) == ACEUQ_OK);
  aceuq_activeset *as = NULL;
  CHECK(aceuq_activeset_load(path, pot, &as, &err) == ACEUQ_OK);
  if (as) {
    CHECK(aceuq_activeset_kind(as) == kind);
    for (int e = 0; e < 2; ++e) {
      int mu = aceuq_potential_element_index(pot, els[e]);
      CHECK(aceuq_activeset_size(as, mu) == K[e]);
      CHECK(!memcmp(aceuq_activeset_matrix(as, mu), A[e], K[e] * K[e] * sizeof(double)));
    }
  } else {
    fprintf(stderr, "load: %s\n", err.message);
  }
  aceuq_activeset_free(as);
  printf("write -> load (%s): Al %zu x %zu, Ni %zu x %zu bit-identical\n",
         kind == ACEUQ_PROJECTIONS_LINEAR ? "linear" : "non-linear", K[1], K[1], K[0], K[0]);

  /* writer errors */
  const char *dup[2] = {"Al", "Al"}, *bad[2] = {"Al", "N/i"};
  CHECK(aceuq_activeset_write(path, 2, dup, (const double *const *)A, K, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "element Al is given twice");
  CHECK(aceuq_activeset_write(path, 2, bad, (const double *const *)A, K, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "'N/i' is not a chemical symbol");
  A[1][3] = NAN;
  CHECK(aceuq_activeset_write(path, 2, els, (const double *const *)A, K, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "element Al: entry (0, 3) is not finite");
  A[1][3] = 0.0;
  CHECK(aceuq_activeset_write("/nonexistent-dir/x.asi", 2, els, (const double *const *)A, K, &err) ==
        ACEUQ_ERR_IO);
  CHECK_STR_CONTAINS(err.message, "/nonexistent-dir/x.asi");
  CHECK(aceuq_activeset_write(path, 0, els, (const double *const *)A, K, &err) == ACEUQ_ERR_VALUE);
  /* the failed writes left the good file in place */
  CHECK(aceuq_activeset_load(path, pot, &as, &err) == ACEUQ_OK);
  aceuq_activeset_free(as);
  remove(path);
  free(A[0]);
  free(A[1]);
}

static void test_write(void)
{
  scratch_create("asbuild");
  aceuq_potential *pot = load_potential("pot.yaml", ace_test_yaml);
  write_round_trip(pot, ACEUQ_PROJECTIONS_LINEAR);
  write_round_trip(pot, ACEUQ_PROJECTIONS_NONLINEAR);
  aceuq_potential_free(pot);
  scratch_remove();
}

int main(void)
{
  aceuq_blas_set_threads(1);
  test_maxvol();
  test_full_rank_is_maxvol();
  test_rank_deficient();
  test_graded_spectrum();
  test_zero_variance();
  test_permutation();
  test_streaming();
  test_write();
  return check_summary("test_activeset_build");
}
