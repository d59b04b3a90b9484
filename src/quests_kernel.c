/* quests_kernel.c -- Gaussian kernel sums K = exp(-|x - y|^2 / (2 h^2)) with
 * per-row log-sum-exp accumulators; entropy, diversity and dH on top.
 *
 * Blocked evaluation: for a block of rows Y_I and a block X_J,
 *   G = (1/h^2) Y_I X_J^T                     (dgemm)
 *   a_ij = min(G_ij - |y_i|^2/(2h^2) - |x_j|^2/(2h^2), 0) = -|y_i - x_j|^2/(2h^2)
 * (the clamp is the clamp of the squared distance at 0).  Row state update:
 *   max' = max(max, max_j a_ij),  scaled_sum' = scaled_sum e^(max - max')
 *          + sum_{a_ij > max' - 64} e^(a_ij - max').
 * Dropped terms are below e^-64 = 1.6e-28 of the sum each. */
#include "error_internal.h"
#include "quests_kernel_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* dgemm from the linked BLAS (Fortran interface, column-major) */
extern void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
                   const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
                   const double *beta, double *c, const int *ldc);

#define KERNEL_BLOCK_ROWS 512
#define KERNEL_BLOCK_COLS 512
#define KERNEL_DROP 64.0     /* terms below max - 64 are dropped */
#define KERNEL_TINY (-708.0) /* e^a may be subnormal below this (ln DBL_MIN = -708.4) */
#define KERNEL_ZERO (-746.0) /* e^a == 0 in double below this (-745.13) */

struct aceuq_kernel_workspace {
  size_t d;
  double *g;       /* KERNEL_BLOCK_ROWS x KERNEL_BLOCK_COLS */
  double *cy, *cx; /* |y|^2/(2h^2), |x|^2/(2h^2) of the current blocks */
  aceuq_kernel_row *cols; /* column states of one block (symmetric entropy) */
  double *col_max, *col_sum; /* scratch of cols_add_terms */
};

/* ---- accumulator states ------------------------------------------------- */

void aceuq_kernel_rows_init(aceuq_kernel_row *rows, size_t n)
{
  for (size_t i = 0; i < n; ++i) {
    rows[i].max = -HUGE_VAL;
    rows[i].scaled_sum = 0.0;
    rows[i].plain_tiny = 0.0;
  }
}

void aceuq_kernel_row_merge(aceuq_kernel_row *a, const aceuq_kernel_row *b)
{
  if (b->max > a->max) {
    a->scaled_sum = a->scaled_sum * exp(a->max - b->max) + b->scaled_sum;
    a->max = b->max;
  } else if (b->max > -HUGE_VAL) {
    a->scaled_sum += b->scaled_sum * exp(b->max - a->max);
  }
  a->plain_tiny += b->plain_tiny;
}

double aceuq_kernel_row_log(const aceuq_kernel_row *row)
{
  if (!(row->max > -HUGE_VAL)) return -HUGE_VAL;
  return row->max + log(row->scaled_sum);
}

double aceuq_kernel_row_log_plain(const aceuq_kernel_row *row)
{
  if (row->max >= KERNEL_TINY) return aceuq_kernel_row_log(row);
  return log(row->plain_tiny); /* -inf when every term underflowed */
}

/* Hot loops are compiled twice on x86-64 GCC: baseline SSE2 and AVX2,
 * chosen at load time by the CPU (the results agree to rounding). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define KERNEL_HOT __attribute__((target_clones("avx2", "default")))
#else
#define KERNEL_HOT
#endif

#define KERNEL_LANES 8 /* independent partial maxima so that the loop vectorises */

/* max of a[0..n) (n >= 1) */
KERNEL_HOT static double block_max(const double *a, size_t n)
{
  double m[KERNEL_LANES];
  for (int c = 0; c < KERNEL_LANES; ++c) m[c] = -HUGE_VAL;
  size_t j = 0;
  for (; j + KERNEL_LANES <= n; j += KERNEL_LANES)
    for (int c = 0; c < KERNEL_LANES; ++c) m[c] = a[j + c] > m[c] ? a[j + c] : m[c];
  double bm = -HUGE_VAL;
  for (; j < n; ++j) bm = a[j] > bm ? a[j] : bm;
  for (int c = 0; c < KERNEL_LANES; ++c) bm = m[c] > bm ? m[c] : bm;
  return bm;
}

#if defined(__GNUC__)
/* GCC/Clang vector extension: 4 doubles (two SSE2 or one AVX2 register) */
typedef double kernel_v4d __attribute__((vector_size(32)));
typedef long long kernel_v4i __attribute__((vector_size(32)));

/* *out = e^in lane by lane, see exp_nonpositive below (vectors passed by
 * pointer: their by-value ABI differs between the target clones) */
static inline void exp_nonpositive_v4(const kernel_v4d *in, kernel_v4d *out)
{
  kernel_v4d x = *in;
  const double log2e = 1.4426950408889634, ln2_hi = 6.93147180369123816490e-01,
               ln2_lo = 1.90821492927058770002e-10, shifter = 6755399441055744.0;
  const kernel_v4d lo = {-708.0, -708.0, -708.0, -708.0};
  kernel_v4i below = x < lo;
  x = (kernel_v4d)(((kernel_v4i)x & ~below) | ((kernel_v4i)lo & below));
  kernel_v4d t = x * log2e + shifter;
  kernel_v4d n = t - shifter;
  kernel_v4d r = (x - n * ln2_hi) - n * ln2_lo;
  kernel_v4d p = r * (1.0 / 6227020800.0) + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  kernel_v4i scale_bits = (((kernel_v4i)t - 0x4338000000000000LL) + 1023) << 52;
  *out = p * (kernel_v4d)scale_bits;
}
#endif

/* e^x for -745 < x <= 0 without calling libm, 4 lanes at a time (GCC/Clang vector
 * extension; libm exp elsewhere):  x = n ln2 + r, |r| <= ln2/2 (Cody-Waite split
 * of ln2), e^r by its Taylor series to degree 13 (truncation < 5e-18),
 * 2^n from the exponent bits.  n is read from the low bits of
 * x/ln2 + 1.5*2^52 (round to nearest).  Relative error ~2e-16.  Inputs
 * below -708 are clamped (2^n must stay normal); callers only use it for
 * x >= -64 - 1. */
static inline double exp_nonpositive(double x)
{
#if defined(__GNUC__)
  kernel_v4d v = {x, x, x, x}, e;
  exp_nonpositive_v4(&v, &e);
  return e[0];
#else
  return exp(x < -708.0 ? -708.0 : x);
#endif
}

/* sum over a_j > max - KERNEL_DROP of e^(a_j - max) */
KERNEL_HOT static double block_scaled_sum(const double *a, size_t n, double max)
{
  const double thr = max - KERNEL_DROP;
  double sum = 0.0;
  size_t j = 0;
#if defined(__GNUC__)
  kernel_v4d acc = {0.0, 0.0, 0.0, 0.0};
  for (; j + 4 <= n; j += 4) {
    kernel_v4d v;
    memcpy(&v, a + j, sizeof v);
    kernel_v4i keep = v > thr;
    kernel_v4d shifted = v - max, e;
    exp_nonpositive_v4(&shifted, &e);
    acc += (kernel_v4d)((kernel_v4i)e & keep);
  }
  sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
#endif
  for (; j < n; ++j) sum += a[j] > thr ? exp_nonpositive(a[j] - max) : 0.0;
  return sum;
}

/* Add the terms a[0..n) (stride 1) to one row state. */
static void row_add_terms(aceuq_kernel_row *s, const double *a, size_t n)
{
  if (n == 0) return;
  double bm = block_max(a, n);
  if (bm > s->max) {
    s->scaled_sum *= exp(s->max - bm);
    s->max = bm;
  }
  s->scaled_sum += block_scaled_sum(a, n, s->max);
  if (bm < KERNEL_TINY) {
    double tiny = 0.0;
    for (size_t j = 0; j < n; ++j)
      if (a[j] > KERNEL_ZERO) tiny += exp(a[j]);
    s->plain_tiny += tiny;
  }
}

/* ---- validation -------------------------------------------------------- */

static aceuq_status check_finite(const double *v, size_t rows, size_t d, const char *what, aceuq_error *err)
{
  for (size_t i = 0; i < rows * d; ++i)
    if (!isfinite(v[i]))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "kernel sum: %s row %zu column %zu is not finite (%g)", what,
                             i / d, i % d, v[i]);
  return ACEUQ_OK;
}

static aceuq_status check_args(const double *Y, size_t ny, const double *X, size_t nx, size_t d, double h,
                               aceuq_error *err)
{
  if (!(h > 0.0) || !isfinite(h))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "kernel sum: bandwidth must be positive and finite, got %g", h);
  if (d == 0) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "kernel sum: descriptor dimension is 0");
  if ((ny && !Y) || (nx && !X)) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "kernel sum: NULL matrix");
  if (d > 1000000 || ny > 0x7fffffff / 2 || nx > 0x7fffffff / 2)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "kernel sum: matrix too large (%zu, %zu rows of %zu)", ny, nx, d);
  aceuq_status st = check_finite(Y, ny, d, "first matrix", err);
  return st ? st : check_finite(X, nx, d, "second matrix", err);
}

/* ---- workspace ----------------------------------------------------------- */

void aceuq_kernel_workspace_free(aceuq_kernel_workspace *ws)
{
  if (!ws) return;
  free(ws->g);
  free(ws->cy);
  free(ws->cx);
  free(ws->cols);
  free(ws->col_max);
  free(ws->col_sum);
  free(ws);
}

aceuq_status aceuq_kernel_workspace_create(size_t d, aceuq_kernel_workspace **out, aceuq_error *err)
{
  if (!out) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "kernel workspace: no output given");
  *out = NULL;
  if (d == 0 || d > 1000000)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "kernel workspace: bad descriptor dimension %zu", d);
  aceuq_kernel_workspace *ws = calloc(1, sizeof *ws);
  if (ws) {
    ws->d = d;
    ws->g = malloc(sizeof(double) * KERNEL_BLOCK_ROWS * KERNEL_BLOCK_COLS);
    ws->cy = malloc(sizeof(double) * KERNEL_BLOCK_ROWS);
    ws->cx = malloc(sizeof(double) * KERNEL_BLOCK_COLS);
    ws->cols = malloc(sizeof(aceuq_kernel_row) * KERNEL_BLOCK_COLS);
    ws->col_max = malloc(sizeof(double) * KERNEL_BLOCK_COLS);
    ws->col_sum = malloc(sizeof(double) * KERNEL_BLOCK_COLS);
  }
  if (!ws || !ws->g || !ws->cy || !ws->cx || !ws->cols || !ws->col_max || !ws->col_sum) {
    aceuq_kernel_workspace_free(ws);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "kernel workspace: out of memory");
  }
  *out = ws;
  return ACEUQ_OK;
}

/* c[i] = |v_i|^2 * scale for n rows of length d */
static void scaled_norms(const double *v, size_t n, size_t d, double scale, double *c)
{
  for (size_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (size_t l = 0; l < d; ++l) s += v[i * d + l] * v[i * d + l];
    c[i] = s * scale;
  }
}

/* ws->g (my x mx, row-major) = a_ij for rows Y[0..my) and X[0..mx). */
static void block_terms(aceuq_kernel_workspace *ws, const double *Y, size_t my, const double *X, size_t mx,
                        double h)
{
  const int m = (int)mx, n = (int)my, kd = (int)ws->d;
  const double inv2h2 = 1.0 / (2.0 * h * h), alpha = 2.0 * inv2h2, zero = 0.0;
  scaled_norms(Y, my, ws->d, inv2h2, ws->cy);
  scaled_norms(X, mx, ws->d, inv2h2, ws->cx);
  /* column-major view: G^T (mx x my) = X (mx x d, i.e. X^T stored d x mx) ^T ... as
   * G^T = X_blk * Y_blk^T with X_blk, Y_blk row-major = column-major d x m. */
  dgemm_("T", "N", &m, &n, &kd, &alpha, X, &kd, Y, &kd, &zero, ws->g, &m);
  for (size_t i = 0; i < my; ++i) {
    double *g = ws->g + i * mx;
    const double cyi = ws->cy[i], *cx = ws->cx;
    for (size_t j = 0; j < mx; ++j) {
      double a = g[j] - cyi - cx[j];
      g[j] = a < 0.0 ? a : 0.0;
    }
  }
}

aceuq_status aceuq_kernel_accumulate(aceuq_kernel_workspace *ws, const double *Y, size_t ny, const double *X,
                                     size_t nx, size_t d, double h, aceuq_kernel_row *rows, aceuq_error *err)
{
  if (!ws || (ny && !rows)) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "kernel sum: NULL argument");
  if (d != ws->d)
    return aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "kernel sum: descriptor dimension %zu, workspace made for %zu",
                           d, ws->d);
  aceuq_status st = check_args(Y, ny, X, nx, d, h, err);
  if (st) return st;
  for (size_t j0 = 0; j0 < nx; j0 += KERNEL_BLOCK_COLS) {
    size_t mx = nx - j0 < KERNEL_BLOCK_COLS ? nx - j0 : KERNEL_BLOCK_COLS;
    for (size_t i0 = 0; i0 < ny; i0 += KERNEL_BLOCK_ROWS) {
      size_t my = ny - i0 < KERNEL_BLOCK_ROWS ? ny - i0 : KERNEL_BLOCK_ROWS;
      block_terms(ws, Y + i0 * d, my, X + j0 * d, mx, h);
      for (size_t i = 0; i < my; ++i) row_add_terms(&rows[i0 + i], ws->g + i * mx, mx);
    }
  }
  return ACEUQ_OK;
}

/* Column version of row_add_terms for a whole block: state cols[j] gets the
 * terms a_ij, i = 0..my-1 (row-major passes over the block; the inner loops
 * run along j and vectorise).  Only used for entropy, where every row has
 * its self term, so the plain_tiny part is never needed. */
KERNEL_HOT static void cols_add_terms(aceuq_kernel_row *cols, const double *g, size_t my, size_t mx, double *cmax,
                                      double *csum)
{
  for (size_t j = 0; j < mx; ++j) {
    cmax[j] = -HUGE_VAL;
    csum[j] = 0.0;
  }
  for (size_t i = 0; i < my; ++i)
    for (size_t j = 0; j < mx; ++j) cmax[j] = g[i * mx + j] > cmax[j] ? g[i * mx + j] : cmax[j];
  for (size_t i = 0; i < my; ++i)
    for (size_t j = 0; j < mx; ++j) {
      double a = g[i * mx + j], e = exp_nonpositive(a - cmax[j]);
      csum[j] += a > cmax[j] - KERNEL_DROP ? e : 0.0;
    }
  for (size_t j = 0; j < mx; ++j) {
    cols[j].max = cmax[j];
    cols[j].scaled_sum = csum[j];
    cols[j].plain_tiny = 0.0;
  }
}

aceuq_status aceuq_quests_entropy(const double *X, size_t n, size_t d, double h, double *entropy,
                                  double *diversity, aceuq_error *err)
{
  aceuq_status st = check_args(X, n, X, n, d, h, err);
  if (st) return st;
  if (n == 0) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "entropy: no environments");
  aceuq_kernel_workspace *ws = NULL;
  aceuq_kernel_row *rows = malloc(sizeof *rows * n);
  if (!rows) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "entropy: out of memory for %zu rows", n);
  st = aceuq_kernel_workspace_create(d, &ws, err);
  if (st) {
    free(rows);
    return st;
  }
  aceuq_kernel_rows_init(rows, n);
  /* K is symmetric: blocks (I, J) with J >= I; an off-diagonal block adds its
   * terms to the rows of I and (as columns) to the rows of J. */
  const size_t B = KERNEL_BLOCK_ROWS < KERNEL_BLOCK_COLS ? KERNEL_BLOCK_ROWS : KERNEL_BLOCK_COLS;
  for (size_t i0 = 0; i0 < n; i0 += B) {
    size_t my = n - i0 < B ? n - i0 : B;
    for (size_t j0 = i0; j0 < n; j0 += B) {
      size_t mx = n - j0 < B ? n - j0 : B;
      block_terms(ws, X + i0 * d, my, X + j0 * d, mx, h);
      for (size_t i = 0; i < my; ++i) row_add_terms(&rows[i0 + i], ws->g + i * mx, mx);
      if (j0 != i0) {
        cols_add_terms(ws->cols, ws->g, my, mx, ws->col_max, ws->col_sum);
        for (size_t j = 0; j < mx; ++j) aceuq_kernel_row_merge(&rows[j0 + j], &ws->cols[j]);
      }
    }
  }
  /* H = ln N - mean_i L_i;  D = ln sum_i e^(-L_i), L_i = ln sum_j K_ij */
  double mean = 0.0, top = -HUGE_VAL;
  for (size_t i = 0; i < n; ++i) {
    double L = aceuq_kernel_row_log(&rows[i]);
    rows[i].max = -L; /* reuse: -L_i */
    mean += L;
    if (-L > top) top = -L;
  }
  mean /= (double)n;
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) s += exp(rows[i].max - top);
  if (entropy) *entropy = log((double)n) - mean;
  if (diversity) *diversity = top + log(s);
  aceuq_kernel_workspace_free(ws);
  free(rows);
  return ACEUQ_OK;
}

aceuq_status aceuq_quests_delta_entropy(const double *Y, size_t ny, const double *X, size_t nx, size_t d, double h,
                                        double *dH_plain, double *dH_finite, aceuq_error *err)
{
  aceuq_status st = check_args(Y, ny, X, nx, d, h, err);
  if (st) return st;
  if (nx == 0) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "dH: empty reference set");
  aceuq_kernel_workspace *ws = NULL;
  aceuq_kernel_row *rows = malloc(sizeof *rows * (ny ? ny : 1));
  if (!rows) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "dH: out of memory for %zu rows", ny);
  st = aceuq_kernel_workspace_create(d, &ws, err);
  if (!st) {
    aceuq_kernel_rows_init(rows, ny);
    st = aceuq_kernel_accumulate(ws, Y, ny, X, nx, d, h, rows, err);
  }
  for (size_t i = 0; !st && i < ny; ++i) {
    if (dH_plain) dH_plain[i] = -aceuq_kernel_row_log_plain(&rows[i]);
    if (dH_finite) dH_finite[i] = -aceuq_kernel_row_log(&rows[i]);
  }
  aceuq_kernel_workspace_free(ws);
  free(rows);
  return st;
}

/* ---- direct reference ---------------------------------------------------- */

aceuq_status aceuq_kernel_accumulate_direct(const double *Y, size_t ny, const double *X, size_t nx, size_t d,
                                            double h, aceuq_kernel_row *rows, aceuq_error *err)
{
  aceuq_status st = check_args(Y, ny, X, nx, d, h, err);
  if (st) return st;
  const double inv2h2 = 1.0 / (2.0 * h * h);
  for (size_t i = 0; i < ny; ++i) {
    aceuq_kernel_row b = {-HUGE_VAL, 0.0, 0.0};
    for (int pass = 0; pass < 2; ++pass)
      for (size_t j = 0; j < nx; ++j) {
        double d2 = 0.0;
        for (size_t l = 0; l < d; ++l) {
          double t = Y[i * d + l] - X[j * d + l];
          d2 += t * t;
        }
        double a = -d2 * inv2h2;
        if (pass == 0) {
          if (a > b.max) b.max = a;
        } else {
          b.scaled_sum += exp(a - b.max);
          if (b.max < KERNEL_TINY) b.plain_tiny += exp(a);
        }
      }
    if (nx) aceuq_kernel_row_merge(&rows[i], &b);
  }
  return ACEUQ_OK;
}
