/* quests_kernel.c -- Gaussian kernel sums K = exp(-|x - y|^2 / (2 h^2)) with
 * per-row log-sum-exp accumulators; entropy, diversity and dH on top.
 *
 * Blocked evaluation: for a block of rows Y_I and a block X_J,
 *   G = (1/h^2) Y_I X_J^T                     (dgemm)
 *   a_ij = min(G_ij - |y_i|^2/(2h^2) - |x_j|^2/(2h^2), 0) = -|y_i - x_j|^2/(2h^2)
 * (the clamp is the clamp of the squared distance at 0).  Row state update:
 *   max' = max(max, max_j a_ij),  scaled_sum' = scaled_sum e^(max - max')
 *          + sum_j e^(max(a_ij - max', -80)),
 * in one pass over the block once a row has a state (row_add_block).  A term
 * more than 80 below the running max counts as e^-80 of it (a floor instead
 * of a branch or mask): the sum of n terms is overestimated by at most
 * n e^-80 = n 1.8e-35 of itself. */
#include "error_internal.h"
#include "hot_internal.h"
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
#define KERNEL_FLOOR 80.0    /* terms below max - 80 count as e^-80 of max */
#define KERNEL_REDO 600.0    /* a block pass shifted by less than its max - 600 is re-done */
#define KERNEL_TINY (-708.0) /* e^a may be subnormal below this (ln DBL_MIN = -708.4) */
#define KERNEL_ZERO (-746.0) /* e^a == 0 in double below this (-745.13) */

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


#if defined(__GNUC__)
/* GCC/Clang vector extension: 8 doubles (one AVX-512, two AVX2 or four SSE2 registers) */
#define KERNEL_LANES 8
typedef double kernel_vd __attribute__((vector_size(8 * sizeof(double))));
typedef long long kernel_vi __attribute__((vector_size(8 * sizeof(long long))));

/* *out = e^in lane by lane for -708 <= in <= 709 (2^n must stay normal;
 * callers floor the input):  x = n ln2 + r, |r| <= ln2/2, r = x - n ln2 in
 * one multiply-add (the rounding of ln2 costs |n| 5.6e-17 <= 6.5e-15 of
 * relative accuracy for x >= -80, the range of almost every term); e^r by
 * the degree-8 polynomial interpolating it at the Chebyshev nodes of
 * [-ln2/2, ln2/2] (relative error < 1.1e-12, far below the 1e-10 the
 * entropies are compared at; the degree-11 Taylor series with a two-constant
 * reduction, 7e-15, cost 5 % more dH time); 2^n from the exponent bits, n read
 * from the low bits of x/ln2 + 1.5*2^52 (round to nearest).  Vectors go by
 * pointer: their by-value ABI differs between target clones. */
static inline void exp_v(const kernel_vd *in, kernel_vd *out)
{
  const double log2e = 1.4426950408889634, ln2 = 0.6931471805599453, shifter = 6755399441055744.0;
  const kernel_vd x = *in;
  kernel_vd t = x * log2e + shifter;
  kernel_vd n = t - shifter;
  kernel_vd r = x - n * ln2;
  kernel_vd p = r * 2.4876033328082607e-05 + 1.991586711480908e-04;
  p = p * r + 1.3888822003730985e-03;
  p = p * r + 8.333266097350609e-03;
  p = p * r + 4.1666666888564304e-02;
  p = p * r + 1.6666666891050466e-01;
  p = p * r + 4.9999999999802575e-01;
  p = p * r + 9.999999999797857e-01;
  p = p * r + 1.0000000000000004e+00;
  kernel_vi scale_bits = (((kernel_vi)t - 0x4338000000000000LL) + 1023) << 52;
  *out = p * (kernel_vd)scale_bits;
}

/* *s = the shifted terms min(g - cys - cx, top) of 8 consecutive columns:
 * a - shift with a = min(g - cy - cx, 0), for cys = cy + shift, top = -shift */
static inline void terms_v(const double *g, const double *cx, double cys, double top, kernel_vd *s)
{
  kernel_vd vg, vx;
  memcpy(&vg, g, sizeof vg);
  memcpy(&vx, cx, sizeof vx);
  kernel_vd t = (vg - cys) - vx;
  for (int c = 0; c < KERNEL_LANES; ++c) t[c] = t[c] < top ? t[c] : top; /* one min instruction */
  *s = t;
}

/* *e = e^max(s, -KERNEL_FLOOR) lane by lane */
static inline void floored_exp_v(const kernel_vd *s, kernel_vd *e)
{
  kernel_vd x = *s;
  for (int c = 0; c < KERNEL_LANES; ++c) x[c] = x[c] > -KERNEL_FLOOR ? x[c] : -KERNEL_FLOOR; /* one max */
  exp_v(&x, e);
}

/* *m = max(*m, *a) lane by lane */
static inline void max_v(kernel_vd *m, const kernel_vd *a)
{
  kernel_vd r = *m;
  for (int c = 0; c < KERNEL_LANES; ++c) r[c] = (*a)[c] > r[c] ? (*a)[c] : r[c]; /* one max instruction */
  *m = r;
}
#endif

/* the scalar terms of the loop tails, as terms_v */
static inline double term(double g, double cx, double cys, double top)
{
  double a = (g - cys) - cx;
  return a < top ? a : top;
}

/* max_j a_j over one row of a block: a_j = min(g_j - cy - cx_j, 0) */
ACEUQ_HOT static double row_max(const double *g, const double *cx, size_t n, double cy)
{
  double m = -HUGE_VAL;
  size_t j = 0;
#if defined(__GNUC__)
  kernel_vd vm = {-HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
  for (; j + KERNEL_LANES <= n; j += KERNEL_LANES) {
    kernel_vd a;
    terms_v(g + j, cx + j, cy, 0.0, &a);
    max_v(&vm, &a);
  }
  for (int c = 0; c < KERNEL_LANES; ++c) m = vm[c] > m ? vm[c] : m;
#endif
  for (; j < n; ++j) {
    double a = term(g[j], cx[j], cy, 0.0);
    m = a > m ? a : m;
  }
  return m;
}

/* One pass over one row of a block: returns sum_j e^max(a_j - shift, -KERNEL_FLOOR)
 * and sets *bmax = max_j a_j.  Needs a_j - shift <= 709
 * for the kept terms (callers ensure max_j a_j <= shift + KERNEL_REDO).  The
 * shift is folded into the row constant: a_j - shift = g_j - (cy + shift) - cx_j. */
ACEUQ_HOT static double row_sum(const double *g, const double *cx, size_t n, double cy, double shift, double *bmax)
{
  const double cys = cy + shift, top = -shift;
  double sum = 0.0, m = -HUGE_VAL;
  size_t j = 0;
#if defined(__GNUC__)
  kernel_vd acc = {0, 0, 0, 0, 0, 0, 0, 0};
  kernel_vd vm = {-HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
  for (; j + KERNEL_LANES <= n; j += KERNEL_LANES) {
    kernel_vd s, e;
    terms_v(g + j, cx + j, cys, top, &s);
    max_v(&vm, &s);
    floored_exp_v(&s, &e);
    acc += e;
  }
  sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (int c = 0; c < KERNEL_LANES; ++c) m = vm[c] > m ? vm[c] : m;
#endif
  for (; j < n; ++j) {
    double t = term(g[j], cx[j], cys, top);
    m = t > m ? t : m;
    sum += exp(t > -KERNEL_FLOOR ? t : -KERNEL_FLOOR);
  }
  *bmax = m + shift;
  return sum;
}

/* Add the terms of one block row to a row state.  A row with a state takes
 * one pass, shifted by its current max (re-done with the block max in the
 * rare case that it exceeds the shift by more than KERNEL_REDO); a new row
 * takes a max pass first.  With M' = max(M, block max):
 *   S' = S e^(M - M') + sum_b e^(shift - M').
 * Terms below KERNEL_TINY also go into plain_tiny. */
static void row_add_block(aceuq_kernel_row *s, const double *g, const double *cx, size_t n, double cy)
{
  if (n == 0) return;
  double bm, shift = s->max > -HUGE_VAL ? s->max : row_max(g, cx, n, cy);
  double sum = row_sum(g, cx, n, cy, shift, &bm);
  if (bm > shift + KERNEL_REDO) {
    shift = bm;
    sum = row_sum(g, cx, n, cy, shift, &bm);
  }
  const double top = bm > s->max ? bm : s->max;
  const double old = s->max > -HUGE_VAL ? s->scaled_sum * (s->max == top ? 1.0 : exp(s->max - top)) : 0.0;
  s->scaled_sum = old + sum * (shift == top ? 1.0 : exp(shift - top));
  s->max = top;
  if (bm < KERNEL_TINY) {
    double tiny = 0.0;
    for (size_t j = 0; j < n; ++j) {
      double a = term(g[j], cx[j], cy, 0.0);
      if (a > KERNEL_ZERO) tiny += exp(a);
    }
    s->plain_tiny += tiny;
  }
}

/* Entropy block with every row state at max 0 (each row of the entropy has
 * its self term e^0 = 1, and a <= 0): for each pair (i, j) of the block,
 * rsum[i] += e^(a_ij) and csum[j] += e^(a_ij), a_ij floored at -KERNEL_FLOOR.
 * A diagonal block (X_J = Y_I, diag != 0) visits only j > i and adds the
 * self term 1 exactly.  One exponential per pair, one pass. */
ACEUQ_HOT static void entropy_block(const double *g, size_t my, size_t mx, const double *cy, const double *cx,
                                     int diag, double *rsum, double *csum)
{
  for (size_t i = 0; i < my; ++i) {
    const double *gi = g + i * mx;
    double sum = diag ? 1.0 : 0.0;
    size_t j = diag ? i + 1 : 0;
#if defined(__GNUC__)
    kernel_vd acc = {0, 0, 0, 0, 0, 0, 0, 0};
    for (; j + KERNEL_LANES <= mx; j += KERNEL_LANES) {
      kernel_vd a, e, c;
      terms_v(gi + j, cx + j, cy[i], 0.0, &a);
      floored_exp_v(&a, &e);
      acc += e;
      memcpy(&c, csum + j, sizeof c);
      c += e;
      memcpy(csum + j, &c, sizeof c);
    }
    sum += ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
#endif
    for (; j < mx; ++j) {
      double a = term(gi[j], cx[j], cy[i], 0.0), e = exp(a > -KERNEL_FLOOR ? a : -KERNEL_FLOOR);
      sum += e;
      csum[j] += e;
    }
    rsum[i] += sum;
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

struct aceuq_kernel_workspace {
  size_t d;
  double *g;          /* KERNEL_BLOCK_ROWS x KERNEL_BLOCK_COLS: (1/h^2) Y_I X_J^T */
  double *cx;         /* |x|^2/(2h^2) of the current block of X */
  double *csum;       /* column sums of one block (symmetric entropy) */
  double *norms;      /* |y|^2/(2h^2) of all rows of a call (grown on demand) */
  size_t norms_cap;
};

void aceuq_kernel_workspace_free(aceuq_kernel_workspace *ws)
{
  if (!ws) return;
  free(ws->g);
  free(ws->cx);
  free(ws->csum);
  free(ws->norms);
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
    ws->cx = malloc(sizeof(double) * KERNEL_BLOCK_COLS);
    ws->csum = malloc(sizeof(double) * KERNEL_BLOCK_COLS);
  }
  if (!ws || !ws->g || !ws->cx || !ws->csum) {
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

/* ws->norms with room for n values */
static aceuq_status reserve_norms(aceuq_kernel_workspace *ws, size_t n, aceuq_error *err)
{
  if (n <= ws->norms_cap) return ACEUQ_OK;
  double *p = realloc(ws->norms, sizeof(double) * n);
  if (!p) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "kernel sum: out of memory for %zu rows", n);
  ws->norms = p;
  ws->norms_cap = n;
  return ACEUQ_OK;
}

/* ws->g (my x mx, row-major) = (1/h^2) Y[0..my) X[0..mx)^T, so that with the
 * scaled norms cy, cx: a_ij = min(g_ij - cy_i - cx_j, 0) (see term()). */
static void block_gemm(aceuq_kernel_workspace *ws, const double *Y, size_t my, const double *X, size_t mx, double h)
{
  const int m = (int)mx, n = (int)my, kd = (int)ws->d;
  const double alpha = 2.0 * (1.0 / (2.0 * h * h)), zero = 0.0; /* 2 x the norms' scale */
  /* column-major: G^T (mx x my) = X_blk Y_blk^T, with the row-major blocks
   * read as column-major d x m matrices */
  dgemm_("T", "N", &m, &n, &kd, &alpha, X, &kd, Y, &kd, &zero, ws->g, &m);
}

static aceuq_status check_workspace(const aceuq_kernel_workspace *ws, size_t d, aceuq_error *err)
{
  if (!ws) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "kernel sum: NULL workspace");
  if (d != ws->d)
    return aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "kernel sum: descriptor dimension %zu, workspace made for %zu",
                           d, ws->d);
  return ACEUQ_OK;
}

aceuq_status aceuq_kernel_accumulate(aceuq_kernel_workspace *ws, const double *Y, size_t ny, const double *X,
                                     size_t nx, size_t d, double h, aceuq_kernel_row *rows, aceuq_error *err)
{
  aceuq_status st = check_workspace(ws, d, err);
  if (st) return st;
  if (ny && !rows) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "kernel sum: NULL argument");
  if ((st = check_args(Y, ny, X, nx, d, h, err)) || (st = reserve_norms(ws, ny, err))) return st;
  const double inv2h2 = 1.0 / (2.0 * h * h);
  double *cy = ws->norms;
  scaled_norms(Y, ny, d, inv2h2, cy);
  for (size_t j0 = 0; j0 < nx; j0 += KERNEL_BLOCK_COLS) {
    size_t mx = nx - j0 < KERNEL_BLOCK_COLS ? nx - j0 : KERNEL_BLOCK_COLS;
    scaled_norms(X + j0 * d, mx, d, inv2h2, ws->cx);
    for (size_t i0 = 0; i0 < ny; i0 += KERNEL_BLOCK_ROWS) {
      size_t my = ny - i0 < KERNEL_BLOCK_ROWS ? ny - i0 : KERNEL_BLOCK_ROWS;
      block_gemm(ws, Y + i0 * d, my, X + j0 * d, mx, h);
      for (size_t i = 0; i < my; ++i) row_add_block(&rows[i0 + i], ws->g + i * mx, ws->cx, mx, cy[i0 + i]);
    }
  }
  return ACEUQ_OK;
}

/* K is symmetric: blocks (I, J) with J >= I; an off-diagonal block adds its
 * terms to the rows of I and (as columns) to the rows of J; a diagonal block
 * only its pairs i < j, as row and column, plus K_ii = 1. */
aceuq_status aceuq_kernel_self_sums(aceuq_kernel_workspace *ws, const double *X, size_t n, size_t d, double h,
                                    double *sums, aceuq_error *err)
{
  aceuq_status st = check_workspace(ws, d, err);
  if (st) return st;
  if (n && !sums) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "kernel sum: NULL argument");
  if ((st = check_args(X, n, X, n, d, h, err)) || (st = reserve_norms(ws, n, err))) return st;
  double *c = ws->norms;
  scaled_norms(X, n, d, 1.0 / (2.0 * h * h), c);
  const size_t B = KERNEL_BLOCK_ROWS < KERNEL_BLOCK_COLS ? KERNEL_BLOCK_ROWS : KERNEL_BLOCK_COLS;
  for (size_t i0 = 0; i0 < n; i0 += B) {
    size_t my = n - i0 < B ? n - i0 : B;
    for (size_t j0 = i0; j0 < n; j0 += B) {
      size_t mx = n - j0 < B ? n - j0 : B;
      block_gemm(ws, X + i0 * d, my, X + j0 * d, mx, h);
      memset(ws->csum, 0, sizeof(double) * mx);
      entropy_block(ws->g, my, mx, c + i0, c + j0, j0 == i0, sums + i0, ws->csum);
      for (size_t j = 0; j < mx; ++j) sums[j0 + j] += ws->csum[j];
    }
  }
  return ACEUQ_OK;
}

aceuq_status aceuq_kernel_cross_sums(aceuq_kernel_workspace *ws, const double *Y, size_t ny, const double *X,
                                     size_t nx, size_t d, double h, double *rsum, double *csum, aceuq_error *err)
{
  aceuq_status st = check_workspace(ws, d, err);
  if (st) return st;
  if ((ny && !rsum) || (nx && !csum)) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "kernel sum: NULL argument");
  if ((st = check_args(Y, ny, X, nx, d, h, err)) || (st = reserve_norms(ws, ny + nx, err))) return st;
  double *cy = ws->norms, *cx = ws->norms + ny;
  scaled_norms(Y, ny, d, 1.0 / (2.0 * h * h), cy);
  scaled_norms(X, nx, d, 1.0 / (2.0 * h * h), cx);
  for (size_t i0 = 0; i0 < ny; i0 += KERNEL_BLOCK_ROWS) {
    size_t my = ny - i0 < KERNEL_BLOCK_ROWS ? ny - i0 : KERNEL_BLOCK_ROWS;
    for (size_t j0 = 0; j0 < nx; j0 += KERNEL_BLOCK_COLS) {
      size_t mx = nx - j0 < KERNEL_BLOCK_COLS ? nx - j0 : KERNEL_BLOCK_COLS;
      block_gemm(ws, Y + i0 * d, my, X + j0 * d, mx, h);
      entropy_block(ws->g, my, mx, cy + i0, cx + j0, 0, rsum + i0, csum + j0);
    }
  }
  return ACEUQ_OK;
}

aceuq_status aceuq_quests_entropy(const double *X, size_t n, size_t d, double h, double *entropy,
                                  double *diversity, aceuq_error *err)
{
  aceuq_status st = check_args(X, n, X, n, d, h, err);
  if (st) return st;
  if (n == 0) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "entropy: no environments");
  aceuq_kernel_workspace *ws = NULL;
  double *sums = calloc(n, sizeof *sums);
  if (!sums) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "entropy: out of memory for %zu rows", n);
  st = aceuq_kernel_workspace_create(d, &ws, err);
  if (!st) st = aceuq_kernel_self_sums(ws, X, n, d, h, sums, err);
  if (!st) {
    /* H = ln N - mean_i L_i;  D = ln sum_i e^(-L_i), L_i = ln sum_j K_ij >= 0 */
    double mean = 0.0, s = 0.0;
    for (size_t i = 0; i < n; ++i) {
      mean += log(sums[i]);
      s += 1.0 / sums[i];
    }
    mean /= (double)n;
    if (entropy) *entropy = log((double)n) - mean;
    if (diversity) *diversity = log(s);
  }
  aceuq_kernel_workspace_free(ws);
  free(sums);
  return st;
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
