/* Unit tests: error reporting, version, BLAS linkage, the row dot-product kernel. */
#include "aceuq.h"
#include "check.h"
#include "error_internal.h"
#include "rng_internal.h"
#include "row_dots_internal.h"

#include <stdlib.h>

/* reference BLAS-free product for the linkage test: C = A B, row-major */
static void naive_matmul(int m, int n, int k, const double *a, const double *b, double *c)
{
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0.0;
      for (int l = 0; l < k; ++l) s += a[i * k + l] * b[l * n + j];
      c[i * n + j] = s;
    }
}

extern void dgemm_(const char *, const char *, const int *, const int *, const int *,
                   const double *, const double *, const int *, const double *, const int *,
                   const double *, double *, const int *);

static void test_errors(void)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(err.code == ACEUQ_OK && err.message[0] == '\0');
  CHECK(aceuq_error_set(&err, ACEUQ_ERR_FORMAT, "pot.yaml: key '%s': %s", "nradmax",
                        "expected an integer") == ACEUQ_ERR_FORMAT);
  CHECK(err.code == ACEUQ_ERR_FORMAT);
  CHECK(strcmp(err.message, "pot.yaml: key 'nradmax': expected an integer") == 0);
  CHECK(aceuq_error_prefix(&err, "element %s", "Cu") == ACEUQ_ERR_FORMAT);
  CHECK(strcmp(err.message, "element Cu: pot.yaml: key 'nradmax': expected an integer") == 0);
  /* NULL report is allowed and the code still comes back */
  CHECK(aceuq_error_set(NULL, ACEUQ_ERR_IO, "x") == ACEUQ_ERR_IO);
  /* prefix on a clear report changes nothing */
  aceuq_error_clear(&err);
  CHECK(aceuq_error_prefix(&err, "ctx") == ACEUQ_OK && err.message[0] == '\0');
  /* overlong messages are truncated, always terminated */
  char big[3000];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  aceuq_error_set(&err, ACEUQ_ERR_VALUE, "%s", big);
  CHECK(strlen(err.message) == ACEUQ_ERROR_MESSAGE_SIZE - 1);
  for (int c = ACEUQ_OK; c <= ACEUQ_ERR_INTERNAL; ++c)
    CHECK(strcmp(aceuq_status_name((aceuq_status)c), "unknown status") != 0);
}

static void test_version(void)
{
  char expect[64];
  snprintf(expect, sizeof expect, "%d.%d.%d", ACEUQ_VERSION_MAJOR, ACEUQ_VERSION_MINOR,
           ACEUQ_VERSION_PATCH);
  CHECK(strcmp(aceuq_version(), expect) == 0);
}

static void test_blas(void)
{
  char info[512];
  aceuq_blas_info(info, sizeof info);
  CHECK_STR_CONTAINS(info, "OpenBLAS");
  aceuq_blas_set_threads(1);
  CHECK(aceuq_blas_get_threads() == 1);

  /* dgemm through the linked BLAS equals the naive product (column-major
   * call computing the row-major C = A B as C^T = B^T A^T) */
  const int m = 37, n = 29, k = 41;
  double *a = malloc(sizeof(double) * m * k), *b = malloc(sizeof(double) * k * n);
  double *c = malloc(sizeof(double) * m * n), *ref = malloc(sizeof(double) * m * n);
  unsigned s = 12345u;
  for (int i = 0; i < m * k; ++i) a[i] = (double)((s = s * 1103515245u + 12345u) >> 16) / 65536.0 - 0.5;
  for (int i = 0; i < k * n; ++i) b[i] = (double)((s = s * 1103515245u + 12345u) >> 16) / 65536.0 - 0.5;
  naive_matmul(m, n, k, a, b, ref);
  const double one = 1.0, zero = 0.0;
  dgemm_("N", "N", &n, &m, &k, &one, b, &n, a, &k, &zero, c, &n);
  double maxdiff = 0.0;
  for (int i = 0; i < m * n; ++i) maxdiff = fmax(maxdiff, fabs(c[i] - ref[i]));
  CHECK_CLOSE(maxdiff, 0.0, 1e-12);
  free(a); free(b); free(c); free(ref);
}

/* row_dots against plain sums in long double, every block shape (n and M 1..9: full 4 x 4 blocks
 * and every edge), K below, at and above whole vectors of 8, leading dimensions longer than K;
 * the entries just before and after the n x M output stay untouched */
static void test_row_dots(void)
{
  enum { NMAX = 9, MMAX = 9, LD = 230 };
  static double P[NMAX * LD], D[MMAX * LD];
  unsigned long long s = 7;
  for (size_t i = 0; i < NMAX * LD; ++i) P[i] = rng_uniform(&s) - 0.5;
  for (size_t i = 0; i < MMAX * LD; ++i) D[i] = rng_uniform(&s) - 0.5;
  const size_t Ks[] = {1, 5, 8, 13, 16, 213};
  double worst = 0.0;
  int guard_ok = 1;
  for (size_t c = 0; c < sizeof Ks / sizeof *Ks; ++c)
    for (size_t n = 1; n <= NMAX; ++n)
      for (size_t M = 1; M <= MMAX; ++M) {
        double out[NMAX * MMAX + 2];
        for (size_t i = 0; i < NMAX * MMAX + 2; ++i) out[i] = -7.0;
        row_dots(n, M, Ks[c], P, LD, D, LD - 3, out + 1);
        guard_ok &= out[0] == -7.0 && out[n * M + 1] == -7.0;
        for (size_t i = 0; i < n; ++i)
          for (size_t m = 0; m < M; ++m) {
            long double ref = 0.0L;
            for (size_t k = 0; k < Ks[c]; ++k) ref += (long double)P[i * LD + k] * D[m * (LD - 3) + k];
            worst = fmax(worst, fabs((double)(out[1 + i * M + m] - ref)));
          }
      }
  printf("row_dots vs long-double sums (n, M 1..9, K 1..213): largest difference %.1e\n", worst);
  CHECK(worst < 1e-13);
  CHECK(guard_ok);
}

int main(void)
{
  test_errors();
  test_version();
  test_blas();
  test_row_dots();
  return check_summary("test_core_basics");
}
