/* Unit tests: blocked GEMM kernel sums against the direct loops (sizes that
 * are not multiples of the block size, several blocks), log-sum-exp
 * accumulation over blocks and merges, underflow (QUESTS +inf vs finite),
 * entropy/diversity against direct formulas, argument errors. */
#include "aceuq.h"
#include "check.h"
#include "quests_kernel_internal.h"

#include <stdlib.h>

static double *random_matrix(size_t rows, size_t d, double spread)
{
  double *m = malloc(sizeof *m * (rows ? rows : 1) * d);
  for (size_t i = 0; i < rows * d; ++i) m[i] = 0.3 + spread * (check_uniform() - 0.5);
  return m;
}

int main(void)
{
  check_rng_state = 0x2545F4914F6CDD1DULL;
  aceuq_blas_set_threads(1);
  aceuq_error err;
  aceuq_error_clear(&err);
  const size_t sizes[][3] = {{1, 1, 5}, {7, 13, 63}, {513, 1030, 31}, {1100, 300, 63}, {45, 2049, 9}};
  for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; ++t) {
    size_t ny = sizes[t][0], nx = sizes[t][1], d = sizes[t][2];
    double *Y = random_matrix(ny, d, 0.2), *X = random_matrix(nx, d, 0.2);
    for (int hb = 0; hb < 3; ++hb) {
      double h = hb == 0 ? 0.015 : hb == 1 ? 0.05 : 0.3;
      aceuq_kernel_row *a = malloc(sizeof *a * ny), *b = malloc(sizeof *b * ny);
      aceuq_kernel_rows_init(a, ny);
      aceuq_kernel_rows_init(b, ny);
      aceuq_kernel_workspace *ws;
      CHECK(aceuq_kernel_workspace_create(d, &ws, &err) == ACEUQ_OK);
      /* X in two uneven blocks for the GEMM path (as an MPI ring would), whole for direct */
      size_t split = nx / 3;
      CHECK(aceuq_kernel_accumulate(ws, Y, ny, X, split, d, h, a, &err) == ACEUQ_OK);
      CHECK(aceuq_kernel_accumulate(ws, Y, ny, X + split * d, nx - split, d, h, a, &err) == ACEUQ_OK);
      CHECK(aceuq_kernel_accumulate_direct(Y, ny, X, nx, d, h, b, &err) == ACEUQ_OK);
      double worst = 0, worst_plain = 0;
      for (size_t i = 0; i < ny; ++i) {
        worst = fmax(worst, fabs(aceuq_kernel_row_log(&a[i]) - aceuq_kernel_row_log(&b[i])));
        double pa = aceuq_kernel_row_log_plain(&a[i]), pb = aceuq_kernel_row_log_plain(&b[i]);
        if (isinf(pa) || isinf(pb)) CHECK(pa == pb);
        else worst_plain = fmax(worst_plain, fabs(pa - pb));
      }
      /* a = -d^2/(2h^2): GEMM cancellation error ~ eps |x|^2 / h^2 */
      double tol = 1e-13 * d / (h * h);
      CHECK_CLOSE(worst, 0.0, tol);
      CHECK_CLOSE(worst_plain, 0.0, tol);
      aceuq_kernel_workspace_free(ws);
      free(a);
      free(b);
    }
    free(Y);
    free(X);
  }

  /* far apart sets: every kernel underflows -> QUESTS +inf, finite value = d^2/(2h^2) */
  {
    const size_t d = 4;
    double Y[4] = {0, 0, 0, 0}, X[8] = {1, 0, 0, 0, 0, 2, 0, 0};
    double plain, finite;
    CHECK(aceuq_quests_delta_entropy(Y, 1, X, 2, d, 0.015, &plain, &finite, &err) == ACEUQ_OK);
    CHECK(isinf(plain) && plain > 0);
    CHECK_CLOSE(finite, 1.0 / (2 * 0.015 * 0.015) - log1p(exp(-3.0 / (2 * 0.015 * 0.015))), 1e-9);
    /* subnormal range: single neighbour at a^2/(2h^2) = 720 -> plain sum is subnormal, finite */
    double h = 1.0, dist = sqrt(2 * 720.0);
    double X1[4] = {dist, 0, 0, 0};
    CHECK(aceuq_quests_delta_entropy(Y, 1, X1, 1, d, h, &plain, &finite, &err) == ACEUQ_OK);
    CHECK(!isinf(plain));
    CHECK_CLOSE(plain, 720.0, 1e-6);
    CHECK_CLOSE(finite, 720.0, 1e-9);
    /* many underflowing terms: log-sum-exp stays exact: n terms at 800 -> 800 - ln n */
    double Xn[4 * 100];
    for (size_t j = 0; j < 100; ++j) {
      double r = sqrt(2 * 800.0);
      Xn[4 * j] = r * cos(0.01 * j), Xn[4 * j + 1] = r * sin(0.01 * j), Xn[4 * j + 2] = Xn[4 * j + 3] = 0;
    }
    CHECK(aceuq_quests_delta_entropy(Y, 1, Xn, 100, d, h, &plain, &finite, &err) == ACEUQ_OK);
    CHECK(isinf(plain));
    CHECK_CLOSE(finite, 800.0 - log(100.0), 1e-9);
  }

  /* a later block much closer than the first ones: its terms lie above the
   * row's shift (by 30 kernel units: one pass with e^(a - shift) > 1) or far
   * above it (by 1000: the block pass is re-done with the block's own max);
   * columns 0..599 far (first GEMM block and part of the second), the rest
   * near; both as one call and as two calls, against the closed form */
  {
    const size_t d = 2, nx = 700;
    const double h = 1.0, Y[2] = {0, 0};
    for (int c = 0; c < 2; ++c) {
      const double far = c ? 1000.0 : 30.0; /* a_far - a_near in kernel units */
      double *X = calloc(nx * d, sizeof *X);
      for (size_t j = 0; j < nx; ++j) {
        double a = j < 600 ? far + 2.0 : 2.0, r = sqrt(2 * a); /* a_j = -(a) */
        X[d * j] = r * cos(0.001 * j), X[d * j + 1] = r * sin(0.001 * j);
      }
      const double expect = -2.0 + log(100.0 + 600.0 * exp(-far));
      aceuq_kernel_workspace *ws;
      CHECK(aceuq_kernel_workspace_create(d, &ws, &err) == ACEUQ_OK);
      aceuq_kernel_row one, two;
      aceuq_kernel_rows_init(&one, 1);
      aceuq_kernel_rows_init(&two, 1);
      CHECK(aceuq_kernel_accumulate(ws, Y, 1, X, nx, d, h, &one, &err) == ACEUQ_OK);
      CHECK(aceuq_kernel_accumulate(ws, Y, 1, X, 300, d, h, &two, &err) == ACEUQ_OK);
      CHECK(aceuq_kernel_accumulate(ws, Y, 1, X + 300 * d, nx - 300, d, h, &two, &err) == ACEUQ_OK);
      CHECK_CLOSE(aceuq_kernel_row_log(&one), expect, 1e-10);
      CHECK_CLOSE(aceuq_kernel_row_log(&two), expect, 1e-10);
      CHECK_CLOSE(aceuq_kernel_row_log_plain(&one), expect, 1e-10);
      CHECK(one.max == -2.0 || fabs(one.max + 2.0) < 1e-9);
      aceuq_kernel_workspace_free(ws);
      free(X);
    }
  }

  /* merge of block states == one state over all terms */
  {
    aceuq_kernel_row a, b, c;
    aceuq_kernel_rows_init(&a, 1);
    aceuq_kernel_rows_init(&b, 1);
    aceuq_kernel_rows_init(&c, 1);
    double Y[2] = {0, 0}, X[6] = {0.01, 0, 0.5, 0.2, 0.03, 0.04};
    aceuq_kernel_accumulate_direct(Y, 1, X, 1, 2, 0.05, &a, &err);
    aceuq_kernel_accumulate_direct(Y, 1, X + 2, 2, 2, 0.05, &b, &err);
    aceuq_kernel_accumulate_direct(Y, 1, X, 3, 2, 0.05, &c, &err);
    aceuq_kernel_row_merge(&b, &a);
    double expect = log(exp(-0.0001 / 0.005) + exp(-0.29 / 0.005) + exp(-0.0025 / 0.005));
    CHECK_CLOSE(aceuq_kernel_row_log(&b), expect, 1e-13);
    CHECK_CLOSE(aceuq_kernel_row_log(&c), expect, 1e-13);
    aceuq_kernel_rows_init(&a, 1);
    CHECK(isinf(aceuq_kernel_row_log(&a)));
  }

  /* entropy and diversity against the direct double loop */
  {
    const size_t n = 700, d = 15;
    double *X = random_matrix(n, d, 0.05);
    for (int hb = 0; hb < 2; ++hb) {
      double h = hb ? 0.05 : 0.015, H, D;
      CHECK(aceuq_quests_entropy(X, n, d, h, &H, &D, &err) == ACEUQ_OK);
      double sH = 0, sD = 0;
      for (size_t i = 0; i < n; ++i) {
        double p = 0;
        for (size_t j = 0; j < n; ++j) {
          double d2 = 0;
          for (size_t l = 0; l < d; ++l) d2 += (X[i * d + l] - X[j * d + l]) * (X[i * d + l] - X[j * d + l]);
          p += exp(-d2 / (2 * h * h));
        }
        sH += log(p / n);
        sD += 1 / p;
      }
      CHECK_CLOSE(H, -sH / n, 1e-10);
      CHECK_CLOSE(D, log(sD), 1e-10);
    }
    free(X);
  }

  /* self and cross sums (the symmetric ring's primitives) against the direct
   * double loop; sizes over several blocks, not multiples of 8 or 512 */
  {
    const size_t ny = 530, nx = 611, d = 9;
    const double h = 0.05;
    double *Y = random_matrix(ny, d, 0.12), *X = random_matrix(nx, d, 0.12);
    double *rs = calloc(ny, sizeof *rs), *cs = calloc(nx, sizeof *cs), *ss = calloc(nx, sizeof *ss);
    aceuq_kernel_workspace *ws;
    CHECK(aceuq_kernel_workspace_create(d, &ws, &err) == ACEUQ_OK);
    CHECK(aceuq_kernel_cross_sums(ws, Y, ny, X, nx, d, h, rs, cs, &err) == ACEUQ_OK);
    CHECK(aceuq_kernel_self_sums(ws, X, nx, d, h, ss, &err) == ACEUQ_OK);
    double *rref = calloc(ny, sizeof *rref), *cref = calloc(nx, sizeof *cref), *sref = calloc(nx, sizeof *sref);
    for (size_t i = 0; i < ny + nx; ++i)
      for (size_t j = 0; j < nx; ++j) {
        const double *y = i < ny ? Y + i * d : X + (i - ny) * d;
        double d2 = 0;
        for (size_t l = 0; l < d; ++l) d2 += (y[l] - X[j * d + l]) * (y[l] - X[j * d + l]);
        double k = exp(-d2 / (2 * h * h));
        if (i < ny) {
          rref[i] += k;
          cref[j] += k;
        } else {
          sref[i - ny] += k;
        }
      }
    double worst = 0, smallest = HUGE_VAL;
    for (size_t i = 0; i < ny; ++i) worst = fmax(worst, fabs(rs[i] / rref[i] - 1)), smallest = fmin(smallest, rref[i]);
    for (size_t j = 0; j < nx; ++j) worst = fmax(worst, fabs(cs[j] / cref[j] - 1));
    for (size_t j = 0; j < nx; ++j) worst = fmax(worst, fabs(ss[j] / sref[j] - 1));
    CHECK(smallest > 1e-3); /* the sets overlap: the sums are not all self terms */
    CHECK_CLOSE(worst, 0.0, 1e-11);
    /* split into uneven blocks of rows and columns: the sums add up to the same */
    double *rs2 = calloc(ny, sizeof *rs2), *cs2 = calloc(nx, sizeof *cs2);
    CHECK(aceuq_kernel_cross_sums(ws, Y, 100, X, nx, d, h, rs2, cs2, &err) == ACEUQ_OK);
    CHECK(aceuq_kernel_cross_sums(ws, Y + 100 * d, ny - 100, X, 300, d, h, rs2 + 100, cs2, &err) == ACEUQ_OK);
    CHECK(aceuq_kernel_cross_sums(ws, Y + 100 * d, ny - 100, X + 300 * d, nx - 300, d, h, rs2 + 100, cs2 + 300,
                                  &err) == ACEUQ_OK);
    worst = 0;
    for (size_t i = 0; i < ny; ++i) worst = fmax(worst, fabs(rs2[i] / rs[i] - 1));
    for (size_t j = 0; j < nx; ++j) worst = fmax(worst, fabs(cs2[j] / cs[j] - 1));
    CHECK_CLOSE(worst, 0.0, 1e-13);
    CHECK(aceuq_kernel_cross_sums(ws, Y, ny, X, nx, d, h, rs, NULL, &err) == ACEUQ_ERR_VALUE);
    CHECK(aceuq_kernel_self_sums(ws, X, nx, d + 1, h, ss, &err) == ACEUQ_ERR_MISMATCH);
    aceuq_kernel_workspace_free(ws);
    free(Y), free(X), free(rs), free(cs), free(ss), free(rref), free(cref), free(sref), free(rs2), free(cs2);
  }

  /* errors */
  {
    double Y[3] = {0, 0, 0}, X[3] = {0, NAN, 0}, v;
    CHECK(aceuq_quests_delta_entropy(Y, 1, X, 1, 3, 0.015, &v, NULL, &err) == ACEUQ_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "second matrix row 0 column 1 is not finite");
    CHECK(aceuq_quests_delta_entropy(Y, 1, Y, 1, 3, 0.0, &v, NULL, &err) == ACEUQ_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "bandwidth must be positive");
    CHECK(aceuq_quests_entropy(Y, 1, 3, -1.0, &v, NULL, &err) == ACEUQ_ERR_VALUE);
    CHECK(aceuq_quests_delta_entropy(Y, 1, Y, 0, 3, 0.015, &v, NULL, &err) == ACEUQ_ERR_VALUE);
    aceuq_kernel_workspace *ws;
    aceuq_kernel_row r;
    aceuq_kernel_rows_init(&r, 1);
    CHECK(aceuq_kernel_workspace_create(3, &ws, &err) == ACEUQ_OK);
    CHECK(aceuq_kernel_accumulate(ws, Y, 1, Y, 1, 2, 0.015, &r, &err) == ACEUQ_ERR_MISMATCH);
    CHECK_STR_CONTAINS(err.message, "dimension 2, workspace made for 3");
    aceuq_kernel_workspace_free(ws);
  }
  return check_summary("test_quests_kernel");
}
