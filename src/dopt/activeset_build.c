/* activeset_build.c -- construction of D-optimality active sets (.asi) that
 * stay well-conditioned when the B-basis is numerically rank-deficient.
 *
 * For the n x K projections B of one element (one row per environment):
 *   D     = column rms of B (an all-zero column gets 1; columns whose values
 *           are all equal are counted as "zero-variance": they add no
 *           direction beyond a constant and an all-zero one none at all);
 *   X     = B D^-1 (the column-scaled data);
 *   R     = the K x K triangular factor of B = Q R, accumulated block by
 *           block (TSQR: [R; next rows] = Q' R', LAPACK dtpqrt);
 *   X = Q (R D^-1), so the SVD R D^-1 = W diag(sigma) V^T (dgesdd) gives the
 *           singular values sigma and right singular vectors V of X;
 *   r     = #{sigma_i > rank_rtol sigma_max}: the numerical rank;
 *   F     = X V_r Sigma_r^-1 = B T (n x r, T = D^-1 V_r Sigma_r^-1):
 *           the coordinates of the rows in the leading r right-singular
 *           directions (= the leading left singular vectors U_r of X);
 *   sel   = MaxVol(F): r rows with locally maximal |det F[sel]|;
 *   Ainv[:, :r] = T F[sel]^-1 = D^-1 V_r (X[sel] V_r)^-1
 *               = D^-1 pinv(X[sel] V_r V_r^T),  Ainv[:, r:] = 0   (K x K):
 *           the pseudo-inverse of the selected rows truncated to the
 *           numerical rank (see selection_operator).
 * gamma(b) = max_k |(b Ainv)_k| is then exactly the max-norm of MaxVol's
 * coefficients C of b: 1 for a selected row, <= tol for every row MaxVol saw.
 *
 * Why an R factor and not the Gram matrix G = X^T X (= D^-1 R^T R D^-1):
 * both are K x K whatever n and can be accumulated batch by batch (the
 * streaming builder needs nothing else), but G squares the conditioning.
 * Its eigenvalues are sigma^2, resolved to ~1e-16 lambda_max: the 1e-6 cut
 * on sigma is a 1e-12 cut on lambda, decided with only 3-4 digits to spare,
 * and its eigenvectors near the cut move by ~1e-16 lambda_max / (lambda_r -
 * lambda_{r+1}).  ACE spectra have no gap at the cut (Cu.pbe.in: sigma_r =
 * 1.12e-6, sigma_{r+1} = 0.98e-6 sigma_max), so with the Gram matrix merely
 * reordering the atoms changed grades by 3e-6.  Householder QR is backward
 * stable column by column (so scaling R by D^-1 afterwards is as good as
 * factoring X) and the SVD of R resolves sigma to ~1e-16 sigma_max and V to
 * ~1e-16 sigma_max / (sigma_r - sigma_{r+1}).  Cost: ~2 n K^2 flops (twice
 * a dsyrk) + one K x K SVD.
 *
 * MaxVol is invariant under right-multiplication of the matrix by an
 * invertible r x r matrix M in its swap phase (C = A A[sel]^-1 does not
 * change) but not in its LU start (partial pivoting looks at the columns of
 * A M).  The LU start is invariant under column scaling, though.  So when X
 * has full numerical rank (r = K), aceuq_activeset_select runs MaxVol on
 * X = B D^-1 itself: the same pivots and swaps as MaxVol on B, i.e.
 * pacemaker's selection (tested against aceuq_maxvol(B)).  When r < K it
 * runs on F (pacemaker has no equivalent: it would pivot on round-off).
 *
 * The streaming builder keeps the statistics (R, column sums and ranges), then an
 * active set of r rows (raw rows, their F coordinates and global indices)
 * and merges batches into it with MaxVol(active U batch).  See aceuq.h for
 * the passes and the memory bound. */
#include "aceuq.h"

#include "error_internal.h"
#include "maxvol_internal.h"
#include "npz_internal.h"
#include "tsqr_internal.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK / BLAS from the linked OpenBLAS (Fortran interface, column-major) */
extern void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s, double *u,
                    const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork, int *iwork,
                    int *info);
extern void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
                   const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
                   const double *beta, double *c, const int *ldc);
extern void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
extern void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
                    const int *ipiv, double *b, const int *ldb, int *info);

/* Keys of placeholder rows (see prepare): above every environment index. */
#define PLACEHOLDER_BASE ((size_t)1 << (sizeof(size_t) * CHAR_BIT - 2))
/* rows per dgemm call (keeps LAPACK's int arguments in range) */
enum { BLOCK_ROWS = 1 << 16 };
/* rows per TSQR step, and its inner block size */
enum { QR_ROWS = 1024 };
/* refinement keeps at most this many x r rows above tol per pass */
enum { REFINE_CAP_FACTOR = 4 };

void aceuq_activeset_build_options_default(aceuq_activeset_build_options *opt)
{
  if (!opt) return;
  opt->tol = 1.01;
  opt->max_iters = 300;
  opt->rank_rtol = 1e-6;
}

static aceuq_status check_options(const aceuq_activeset_build_options *o, aceuq_error *err)
{
  if (!(o->tol > 0.0) || !isfinite(o->tol))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active set: tol must be a finite number > 0 (got %g)", o->tol);
  if (o->max_iters < 0)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active set: max_iters must be >= 0 (got %d)", o->max_iters);
  if (!(o->rank_rtol > 0.0 && o->rank_rtol < 1.0))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active set: rank_rtol must be in (0, 1) (got %g)", o->rank_rtol);
  return ACEUQ_OK;
}

/* ---- the builder state (shared by the in-memory and streaming paths) ------ */

enum { STAGE_STATISTICS = 0, STAGE_SELECTION = 1, STAGE_FINISHED = 2 };

struct aceuq_activeset_builder {
  size_t K;
  aceuq_activeset_build_options opt;
  int stage;
  int raw_coords; /* F = B D^-1 (full rank, in-memory) instead of B T */
  /* pass 1 */
  size_t nstat;
  double *R;     /* K x K column-major upper triangular: B = Q R */
  double *qbuf;  /* QR_ROWS x K column-major block, then tsqr_fold's scratch */
  double *colsq; /* column sums of squares */
  double *cmin, *cmax;
  /* model */
  double *D;
  unsigned char *null_col; /* all values 0: the row of Ainv is set to exact zeros */
  size_t zero_columns;
  size_t r;
  double *T;  /* K x r column-major */
  double eps; /* placeholder scale */
  /* active set: r rows sorted by key */
  size_t *key;
  double *raw; /* r x K row-major (zeros for placeholders) */
  double *Fa;  /* r x r row-major: F coordinates */
  double logvol;
  int iterations;
  double max_c;
  size_t max_batch; /* largest batch of candidates: sets the refinement buffer */
  /* refinement pass */
  int pass_open;
  double *M; /* K x K row-major: T Fa^-1 padded with zero columns */
  aceuq_grade_workspace *gws;
  double *gamma;
  size_t gamma_cap;
  size_t cap, ncol;
  size_t *heap; /* slots, min-heap by extremeness */
  double *col_raw, *col_g;
  size_t *col_key;
  size_t pass_exceeded;
  double pass_max;
  int converged;
  double converged_gamma;
};

void aceuq_activeset_builder_free(aceuq_activeset_builder *b)
{
  if (!b) return;
  free(b->R);
  free(b->qbuf);
  free(b->colsq);
  free(b->cmin);
  free(b->cmax);
  free(b->D);
  free(b->null_col);
  free(b->T);
  free(b->key);
  free(b->raw);
  free(b->Fa);
  free(b->M);
  aceuq_grade_workspace_free(b->gws);
  free(b->gamma);
  free(b->heap);
  free(b->col_raw);
  free(b->col_g);
  free(b->col_key);
  free(b);
}

aceuq_status aceuq_activeset_builder_create(size_t K, const aceuq_activeset_build_options *opt,
                                            aceuq_activeset_builder **out, aceuq_error *err)
{
  if (!out) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: no output handle");
  *out = NULL;
  aceuq_activeset_build_options o;
  aceuq_activeset_build_options_default(&o);
  if (opt) o = *opt;
  aceuq_status st = check_options(&o, err);
  if (st) return st;
  if (K == 0 || K > 46340) /* K^2 must fit LAPACK's int */
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: projection length %zu out of range (1..46340)",
                           K);
  aceuq_activeset_builder *b = calloc(1, sizeof *b);
  if (!b) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active-set builder: out of memory");
  b->K = K;
  b->opt = o;
  b->R = calloc(K * K, sizeof *b->R);
  b->qbuf = malloc((QR_ROWS * K + tsqr_scratch_size(K)) * sizeof *b->qbuf);
  b->colsq = calloc(K, sizeof *b->colsq);
  b->cmin = malloc(K * sizeof *b->cmin);
  b->cmax = malloc(K * sizeof *b->cmax);
  if (!b->R || !b->qbuf || !b->colsq || !b->cmin || !b->cmax) {
    aceuq_activeset_builder_free(b);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active-set builder: cannot allocate the %zu x %zu R factor", K,
                           K);
  }
  for (size_t k = 0; k < K; ++k) {
    b->cmin[k] = HUGE_VAL;
    b->cmax[k] = -HUGE_VAL;
  }
  b->max_c = 0.0;
  *out = b;
  return ACEUQ_OK;
}

size_t aceuq_activeset_builder_rank(const aceuq_activeset_builder *b)
{
  return b && b->stage >= STAGE_SELECTION ? b->r : 0;
}

static aceuq_status check_rows(const double *rows, size_t n, size_t K, size_t first, aceuq_error *err)
{
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < K; ++k)
      if (!isfinite(rows[i * K + k]))
        return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                               "active set: projection %zu of environment %zu is not finite (%g)", k, first + i,
                               rows[i * K + k]);
  return ACEUQ_OK;
}

static aceuq_status accumulate_statistics(aceuq_activeset_builder *b, const double *rows, size_t n,
                                          aceuq_error *err)
{
  const size_t K = b->K;
  for (size_t i0 = 0; i0 < n; i0 += QR_ROWS) {
    const size_t m = n - i0 < QR_ROWS ? n - i0 : QR_ROWS;
    double *blk = b->qbuf;
    for (size_t i = 0; i < m; ++i) /* column-major m x K copy of the rows */
      for (size_t c = 0; c < K; ++c) blk[i + c * m] = rows[(i0 + i) * K + c];
    aceuq_status st = tsqr_fold(b->R, K, blk, m, b->qbuf + QR_ROWS * K, "active set", err);
    if (st) return st;
  }
  for (size_t i = 0; i < n; ++i) {
    const double *row = rows + i * K;
    for (size_t c = 0; c < K; ++c) {
      b->colsq[c] += row[c] * row[c];
      if (row[c] < b->cmin[c]) b->cmin[c] = row[c];
      if (row[c] > b->cmax[c]) b->cmax[c] = row[c];
    }
  }
  b->nstat += n;
  return ACEUQ_OK;
}

aceuq_status aceuq_activeset_builder_add_statistics(aceuq_activeset_builder *b, const double *rows, size_t n,
                                                    aceuq_error *err)
{
  if (!b || (!rows && n)) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: NULL argument");
  if (b->stage != STAGE_STATISTICS)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: statistics added after prepare()");
  aceuq_status st = check_rows(rows, n, b->K, b->nstat, err);
  if (st) return st;
  return accumulate_statistics(b, rows, n, err);
}

/* log |det| of the r x r row-major matrix (-inf if singular) */
static double log_abs_det(const double *A, size_t r, aceuq_error *err, aceuq_status *st)
{
  const int R = (int)r;
  int info = 0;
  double *a = malloc(r * r * sizeof *a);
  int *ipiv = malloc(r * sizeof *ipiv);
  double lv = -HUGE_VAL;
  if (!a || !ipiv) {
    *st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active set: out of memory (%zu x %zu)", r, r);
  } else {
    memcpy(a, A, r * r * sizeof *a); /* the transpose has the same determinant */
    dgetrf_(&R, &R, a, &R, ipiv, &info);
    if (info == 0) {
      lv = 0.0;
      for (size_t i = 0; i < r; ++i) lv += log(fabs(a[i + i * r]));
    }
  }
  free(a);
  free(ipiv);
  return lv;
}

/* D, zero-variance columns, SVD of R D^-1, rank r, T */
static aceuq_status prepare_model(aceuq_activeset_builder *b, int in_memory, aceuq_error *err)
{
  const size_t K = b->K, N = b->nstat;
  if (N == 0)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active set: no environments (an active set needs at least one)");
  b->D = malloc(K * sizeof *b->D);
  b->null_col = malloc(K);
  double *sv = malloc(K * sizeof *sv), *VT = malloc(K * K * sizeof *VT);
  double *work = NULL;
  int *iwork = malloc(8 * K * sizeof *iwork);
  aceuq_status st = ACEUQ_OK;
  if (!b->D || !b->null_col || !sv || !VT || !iwork) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active set: out of memory (SVD of %zu x %zu)", K, K);
    goto done;
  }
  b->zero_columns = 0;
  for (size_t k = 0; k < K; ++k) {
    double d = sqrt(b->colsq[k] / (double)N);
    b->D[k] = d > 0.0 && isfinite(1.0 / d) ? d : 1.0;
    if (b->cmin[k] == b->cmax[k]) ++b->zero_columns;
    b->null_col[k] = b->cmin[k] == 0.0 && b->cmax[k] == 0.0;
  }
  for (size_t c = 0; c < K; ++c) /* R D^-1 = R factor of X = B D^-1 (zero below the diagonal) */
    for (size_t i = 0; i < K; ++i) b->R[i + c * K] = i <= c ? b->R[i + c * K] / b->D[c] : 0.0;
  const int k = (int)K, one = 1;
  int info = 0, lwork = -1;
  double wq = 0.0, dummy = 0.0;
  dgesdd_("O", &k, &k, b->R, &k, sv, &dummy, &one, VT, &k, &wq, &lwork, iwork, &info);
  lwork = (int)wq + 1;
  work = malloc((size_t)lwork * sizeof *work);
  if (!work) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active set: out of memory (SVD of %zu x %zu)", K, K);
    goto done;
  }
  dgesdd_("O", &k, &k, b->R, &k, sv, &dummy, &one, VT, &k, work, &lwork, iwork, &info);
  if (info != 0) {
    st = aceuq_error_set(err, ACEUQ_ERR_LINALG, "active set: SVD of the %zu x %zu R factor failed (dgesdd info %d)",
                         K, K, info);
    goto done;
  }
  const double smax = sv[0];
  if (!(smax > 0.0) || !isfinite(smax)) {
    st = aceuq_error_set(err, ACEUQ_ERR_VALUE,
                         "active set: all %zu projections of all %zu environments are zero: nothing to select", K, N);
    goto done;
  }
  size_t r = 0;
  for (size_t i = 0; i < K; ++i) r += sv[i] > b->opt.rank_rtol * smax;
  if (r > N) r = N;
  b->r = r;
  b->raw_coords = in_memory && r == K;
  b->T = malloc(K * r * sizeof *b->T);
  if (!b->T) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active set: out of memory");
    goto done;
  }
  for (size_t c = 0; c < r; ++c) /* V[kk, c] = VT[c, kk]; largest sigma first */
    for (size_t kk = 0; kk < K; ++kk)
      b->T[kk + c * K] = b->null_col[kk] ? 0.0 : VT[c + kk * K] / (sv[c] * b->D[kk]);
  /* the statistics are no longer needed */
  free(b->R);
  free(b->qbuf);
  free(b->colsq);
  free(b->cmin);
  free(b->cmax);
  b->R = b->qbuf = b->colsq = b->cmin = b->cmax = NULL;
  b->stage = STAGE_SELECTION;
done:
  free(sv);
  free(VT);
  free(work);
  free(iwork);
  return st;
}

/* Placeholder active set of the streaming builder: row k = eps e_k in F
 * coordinates, key PLACEHOLDER_BASE + k.  F^T F = I over all N environments,
 * so while a placeholder k is in the set, sum_j C_jk^2 >= 1/eps^2 over the
 * data and some environment has |C_jk| >= 1/(eps sqrt N) = 1e4 tol: the
 * candidate pass replaces it by any real row with a component above
 * 1e-4 / sqrt(N), and a refinement pass always finds one if it remains. */
static aceuq_status init_placeholders(aceuq_activeset_builder *b, aceuq_error *err)
{
  const size_t r = b->r, K = b->K;
  const double tol = b->opt.tol > 1.0 ? b->opt.tol : 1.0;
  b->eps = 1e-4 / (tol * sqrt((double)b->nstat));
  b->key = malloc(r * sizeof *b->key);
  b->raw = calloc(r * K, sizeof *b->raw);
  b->Fa = calloc(r * r, sizeof *b->Fa);
  if (!b->key || !b->raw || !b->Fa)
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active-set builder: out of memory (%zu x %zu active set)", r, K);
  for (size_t i = 0; i < r; ++i) {
    b->key[i] = PLACEHOLDER_BASE + i;
    b->Fa[i * r + i] = b->eps;
  }
  b->logvol = (double)r * log(b->eps);
  return ACEUQ_OK;
}

aceuq_status aceuq_activeset_builder_prepare(aceuq_activeset_builder *b, aceuq_error *err)
{
  if (!b) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: NULL argument");
  if (b->stage != STAGE_STATISTICS)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: prepare() called twice");
  aceuq_status st = prepare_model(b, 0, err);
  if (!st) st = init_placeholders(b, err);
  if (!st) st = aceuq_grade_workspace_create(b->K, &b->gws, err);
  return st;
}

/* F[0:n, :] (column-major, leading dimension ldf) = coordinates of n rows */
static void coordinates(const aceuq_activeset_builder *b, const double *rows, size_t n, double *F, size_t ldf)
{
  const size_t K = b->K, r = b->r;
  if (b->raw_coords) {
    for (size_t i = 0; i < n; ++i)
      for (size_t c = 0; c < K; ++c) F[i + c * ldf] = rows[i * K + c] / b->D[c];
    return;
  }
  const int k = (int)K, R = (int)r, ld = (int)ldf;
  const double one = 1.0, zero = 0.0;
  for (size_t i0 = 0; i0 < n; i0 += BLOCK_ROWS) {
    const int m = (int)(n - i0 < BLOCK_ROWS ? n - i0 : BLOCK_ROWS);
    /* F (m x r) = rows (m x K) T (K x r); rows = column-major K x m */
    dgemm_("T", "N", &m, &R, &k, &one, rows + i0 * K, &k, b->T, &k, &zero, F + i0, &ld);
  }
}

/* The grade operator of a selection with coordinates Fsel (r x r row-major,
 * row i = coordinates of selected row i):
 *   Ainv[:, :r] = T Fsel^-1,  Ainv[:, r:] = 0     (K x K row-major)
 * T = D^-1 V_r Sigma_r^-1, or D^-1 in raw coordinates.  b Ainv = (b T)
 * Fsel^-1 are exactly the MaxVol coefficients C of b, so every row MaxVol has
 * seen has gamma <= tol.  Equivalently Ainv[:, :r] = D^-1 pinv(P_r(sel D^-1))
 * with P_r the projection on the leading r right-singular vectors V_r of the
 * data: the pseudo-inverse of the selected rows truncated to the numerical
 * rank (= D^-1 pinv(sel D^-1) when r = K).  Without the truncation the
 * selected rows' components below the rank cut tilt their row space: on
 * Cu.pbe.in training data that changed single grades by up to 0.18 and could
 * push rows MaxVol accepted above tol. */
static aceuq_status selection_operator(const aceuq_activeset_builder *b, const double *Fsel, double *Ainv,
                                       aceuq_error *err)
{
  const size_t K = b->K, r = b->r;
  const int R = (int)r, k = (int)K;
  int info = 0;
  double *lu = malloc(r * r * sizeof *lu);
  int *ipiv = malloc(r * sizeof *ipiv);
  aceuq_status st = ACEUQ_OK;
  if (!lu || !ipiv) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active set: out of memory (%zu x %zu)", r, r);
    goto done;
  }
  for (size_t i = 0; i < r; ++i) /* column-major Fsel */
    for (size_t c = 0; c < r; ++c) lu[i + c * r] = Fsel[i * r + c];
  dgetrf_(&R, &R, lu, &R, ipiv, &info);
  if (info != 0) {
    st = aceuq_error_set(err, ACEUQ_ERR_LINALG,
                         "active set: the %zu selected rows are linearly dependent (dgetrf info %d)", r, info);
    goto done;
  }
  /* column-major view of Ainv (leading dimension K): its rows 0..r-1 are
   * (T Fsel^-1)^T; solve Fsel^T Y = T^T */
  memset(Ainv, 0, K * K * sizeof *Ainv);
  for (size_t j = 0; j < r; ++j)
    for (size_t kk = 0; kk < K; ++kk)
      Ainv[j + kk * K] = b->raw_coords ? (j == kk ? 1.0 / b->D[kk] : 0.0) : b->T[kk + j * K];
  dgetrs_("T", &R, &k, lu, &R, ipiv, Ainv, &k, &info);
  if (info != 0) st = aceuq_error_set(err, ACEUQ_ERR_INTERNAL, "active set: dgetrs info %d", info);
  for (size_t i = 0; !st && i < K * K; ++i)
    if (!isfinite(Ainv[i])) {
      st = aceuq_error_set(err, ACEUQ_ERR_LINALG,
                           "active set: the inverse of the selected block overflows (entry (%zu, %zu))", i / K,
                           i % K);
      break;
    }
done:
  free(lu);
  free(ipiv);
  return st;
}

/* sigma_max / sigma_min of the r x K selected, column-scaled rows sel D^-1 */
static aceuq_status selection_condition(const aceuq_activeset_builder *b, const double *sel, double *cond,
                                        aceuq_error *err)
{
  const size_t K = b->K, r = b->r;
  const int k = (int)K, R = (int)r, one = 1;
  double *S = malloc(K * r * sizeof *S), *s = malloc(r * sizeof *s), *work = NULL;
  int *iwork = malloc(8 * r * sizeof *iwork);
  aceuq_status st = ACEUQ_OK;
  int info = 0, lwork = -1;
  double wq = 0.0, dummy = 0.0;
  if (!S || !s || !iwork) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active set: out of memory (%zu x %zu SVD)", r, K);
    goto done;
  }
  /* S row-major r x K = column-major K x r matrix S^T: same singular values */
  for (size_t i = 0; i < r; ++i)
    for (size_t c = 0; c < K; ++c) S[i * K + c] = sel[i * K + c] / b->D[c];
  dgesdd_("N", &k, &R, S, &k, s, &dummy, &one, &dummy, &one, &wq, &lwork, iwork, &info);
  lwork = (int)wq + 1;
  work = malloc((size_t)lwork * sizeof *work);
  if (!work) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active set: out of memory (%zu x %zu SVD)", r, K);
    goto done;
  }
  dgesdd_("N", &k, &R, S, &k, s, &dummy, &one, &dummy, &one, work, &lwork, iwork, &info);
  *cond = info == 0 && s[r - 1] > 0.0 ? s[0] / s[r - 1] : HUGE_VAL;
done:
  free(S);
  free(s);
  free(work);
  free(iwork);
  return st;
}

/* coordinates of the r x K raw rows sel as an r x r row-major matrix */
static aceuq_status selection_coordinates(const aceuq_activeset_builder *b, const double *sel, double *Fsel,
                                          aceuq_error *err)
{
  const size_t r = b->r;
  double *F = malloc(r * r * sizeof *F);
  if (!F) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active set: out of memory");
  coordinates(b, sel, r, F, r);
  for (size_t i = 0; i < r; ++i)
    for (size_t c = 0; c < r; ++c) Fsel[i * r + c] = F[i + c * r];
  free(F);
  return ACEUQ_OK;
}

static int cmp_size(const void *a, const void *b)
{
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

/* max gamma of n rows with the K x K matrix A */
static aceuq_status max_gamma_of(aceuq_grade_workspace *ws, const double *A, size_t K, const double *rows, size_t n,
                                 double *gmax, aceuq_error *err)
{
  double g[256];
  double m = 0.0;
  for (size_t i0 = 0; i0 < n; i0 += 256) {
    const size_t c = n - i0 < 256 ? n - i0 : 256;
    aceuq_status st = aceuq_dopt_grade_batch(ws, A, K, rows + i0 * K, c, g, NULL, err);
    if (st) return st;
    for (size_t i = 0; i < c; ++i)
      if (!(g[i] <= m)) m = g[i];
  }
  *gmax = m;
  return ACEUQ_OK;
}

aceuq_status aceuq_activeset_select(const double *B, size_t n, size_t K, const aceuq_activeset_build_options *opt,
                                    double *Ainv, size_t *selected, aceuq_activeset_report *report,
                                    aceuq_error *err)
{
  if (!B || !Ainv) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active set: NULL projections or output matrix");
  if (n == 0) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active set: no environments");
  if (n > INT_MAX)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "active set: %zu environments exceed the in-memory limit (%d): use the streaming builder",
                           n, INT_MAX);
  aceuq_activeset_builder *b = NULL;
  aceuq_status st = aceuq_activeset_builder_create(K, opt, &b, err);
  if (st) return st;
  double *F = NULL, *sel = NULL, *Fsel = NULL;
  size_t *basis = NULL;
  aceuq_grade_workspace *ws = NULL;
  int iters = 0;
  double max_c = 0.0, cond = 0.0, gmax = 0.0;
  st = check_rows(B, n, K, 0, err);
  if (!st) st = accumulate_statistics(b, B, n, err);
  if (!st) st = prepare_model(b, 1, err);
  if (st) goto done;
  const size_t r = b->r;
  F = malloc(n * r * sizeof *F);
  basis = malloc(r * sizeof *basis);
  sel = malloc(r * K * sizeof *sel);
  if (!F || !basis || !sel) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active set: cannot allocate the %zu x %zu MaxVol matrix", n, r);
    goto done;
  }
  coordinates(b, B, n, F, n);
  double logvol;
  st = aceuq_maxvol_lu_start(F, n, r, basis, &logvol, err);
  if (!st) st = aceuq_maxvol_swaps(F, n, r, basis, b->opt.tol, b->opt.max_iters, &iters, &max_c, err);
  free(F);
  F = NULL;
  if (st) goto done;
  /* the order of the rows only permutes the columns of Ainv: use ascending
   * environment index, so Ainv does not depend on MaxVol's internal order */
  qsort(basis, r, sizeof *basis, cmp_size);
  for (size_t i = 0; i < r; ++i) memcpy(sel + i * K, B + basis[i] * K, K * sizeof *sel);
  Fsel = malloc(r * r * sizeof *Fsel);
  if (!Fsel) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active set: out of memory");
    goto done;
  }
  st = selection_coordinates(b, sel, Fsel, err);
  if (!st) st = selection_operator(b, Fsel, Ainv, err);
  if (!st) st = selection_condition(b, sel, &cond, err);
  if (!st) st = aceuq_grade_workspace_create(K, &ws, err);
  if (!st) st = max_gamma_of(ws, Ainv, K, B, n, &gmax, err);
  if (st) goto done;
  if (selected) memcpy(selected, basis, r * sizeof *selected);
  if (report) {
    report->environments = n;
    report->functions = K;
    report->rank = r;
    report->zero_columns = b->zero_columns;
    report->iterations = iters;
    report->max_c = max_c;
    report->max_gamma = gmax;
    report->condition = cond;
  }
done:
  free(F);
  free(basis);
  free(sel);
  free(Fsel);
  aceuq_grade_workspace_free(ws);
  aceuq_activeset_builder_free(b);
  return st;
}

/* ---- streaming builder: merging rows into the active set ------------------ */

/* F coordinates of the r x K active raw rows (placeholders keep eps e_k) */
static aceuq_status refresh_active_coordinates(aceuq_activeset_builder *b, aceuq_error *err)
{
  const size_t r = b->r;
  double *F = malloc(r * r * sizeof *F);
  if (!F) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active-set builder: out of memory");
  coordinates(b, b->raw, r, F, r);
  for (size_t i = 0; i < r; ++i)
    if (b->key[i] < PLACEHOLDER_BASE)
      for (size_t c = 0; c < r; ++c) b->Fa[i * r + c] = F[i + c * r];
  free(F);
  aceuq_status st = ACEUQ_OK;
  b->logvol = log_abs_det(b->Fa, r, err, &st);
  return st;
}

/* union (active rows first, then rows) in F coordinates, column-major */
static void fill_union(const aceuq_activeset_builder *b, const double *rows, size_t n, double *F)
{
  const size_t r = b->r, m = r + n;
  for (size_t i = 0; i < r; ++i)
    for (size_t c = 0; c < r; ++c) F[i + c * m] = b->Fa[i * r + c];
  coordinates(b, rows, n, F + r, m);
}

typedef struct keyed {
  size_t key, from; /* from < r: active row; else rows[from - r] */
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
  size_t x = ((const keyed *)a)->key, y = ((const keyed *)b)->key;
  return x < y ? -1 : x > y;
}

/* active set <- MaxVol(active U rows).  The start is the better (by volume)
 * of the LU start on the union and the current active set, so the volume of
 * the active set never decreases. */
static aceuq_status merge_rows(aceuq_activeset_builder *b, const double *rows, const size_t *keys, size_t n,
                               aceuq_error *err)
{
  const size_t r = b->r, K = b->K, m = r + n;
  if (n == 0) return ACEUQ_OK;
  if (m > INT_MAX)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: batch of %zu rows is too large", n);
  double *F = malloc(m * r * sizeof *F);
  size_t *basis = malloc(r * sizeof *basis);
  keyed *order = malloc(r * sizeof *order);
  size_t *nkey = malloc(r * sizeof *nkey);
  double *nraw = malloc(r * K * sizeof *nraw), *nF = malloc(r * r * sizeof *nF);
  aceuq_status st = ACEUQ_OK;
  if (!F || !basis || !order || !nkey || !nraw || !nF) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active-set builder: cannot allocate the %zu x %zu MaxVol matrix", m,
                         r);
    goto done;
  }
  fill_union(b, rows, n, F);
  double lv = -HUGE_VAL;
  aceuq_error lu_err;
  aceuq_error_clear(&lu_err);
  aceuq_status lu = aceuq_maxvol_lu_start(F, m, r, basis, &lv, &lu_err);
  if (lu == ACEUQ_ERR_NOMEM) {
    st = aceuq_error_set(err, lu, "%s", lu_err.message);
    goto done;
  }
  if (lu != ACEUQ_OK || !(lv >= b->logvol)) { /* start from the active set */
    fill_union(b, rows, n, F);
    for (size_t i = 0; i < r; ++i) basis[i] = i;
    st = aceuq_maxvol_given_start(F, m, r, basis, err);
    if (st) goto done;
  }
  int it = 0;
  double mc = 0.0;
  st = aceuq_maxvol_swaps(F, m, r, basis, b->opt.tol, b->opt.max_iters, &it, &mc, err);
  if (st) goto done;
  b->iterations += it;
  b->max_c = mc;
  for (size_t i = 0; i < r; ++i) {
    order[i].from = basis[i];
    order[i].key = basis[i] < r ? b->key[basis[i]] : keys[basis[i] - r];
  }
  qsort(order, r, sizeof *order, cmp_keyed);
  int changed = 0;
  for (size_t i = 0; i < r; ++i) {
    const size_t f = order[i].from;
    nkey[i] = order[i].key;
    changed |= nkey[i] != b->key[i];
    memcpy(nraw + i * K, f < r ? b->raw + f * K : rows + (f - r) * K, K * sizeof *nraw);
    if (f < r) memcpy(nF + i * r, b->Fa + f * r, r * sizeof *nF);
    /* rows from the batch get their coordinates in refresh_active_coordinates */
  }
  if (changed) {
    double *t;
    size_t *tk = b->key;
    b->key = nkey;
    nkey = tk;
    t = b->raw;
    b->raw = nraw;
    nraw = t;
    t = b->Fa;
    b->Fa = nF;
    nF = t;
    st = refresh_active_coordinates(b, err);
    b->converged = 0;
  }
done:
  free(F);
  free(basis);
  free(order);
  free(nkey);
  free(nraw);
  free(nF);
  return st;
}

aceuq_status aceuq_activeset_builder_add_candidates(aceuq_activeset_builder *b, const double *rows, size_t n,
                                                    size_t first_index, aceuq_error *err)
{
  if (!b || (!rows && n)) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: NULL argument");
  if (b->stage != STAGE_SELECTION)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: candidates need prepare() first%s",
                           b->stage == STAGE_FINISHED ? " (and no finish())" : "");
  if (b->pass_open)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "active-set builder: candidates added during a refinement pass (end it first)");
  if (first_index >= PLACEHOLDER_BASE || n > PLACEHOLDER_BASE - first_index)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: environment index %zu out of range",
                           first_index);
  aceuq_status st = check_rows(rows, n, b->K, first_index, err);
  if (st || n == 0) return st;
  size_t *keys = malloc(n * sizeof *keys);
  if (!keys) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active-set builder: out of memory");
  for (size_t i = 0; i < n; ++i) keys[i] = first_index + i;
  if (n > b->max_batch) b->max_batch = n;
  st = merge_rows(b, rows, keys, n, err);
  free(keys);
  return st;
}

/* ---- refinement passes ------------------------------------------------------ */

/* a is less extreme than c: smaller gamma, or equal gamma and larger index */
static int less_extreme(const aceuq_activeset_builder *b, size_t a, size_t c)
{
  return b->col_g[a] < b->col_g[c] || (b->col_g[a] == b->col_g[c] && b->col_key[a] > b->col_key[c]);
}

static void heap_down(aceuq_activeset_builder *b, size_t h)
{
  for (;;) {
    size_t l = 2 * h + 1, best = h;
    if (l < b->ncol && less_extreme(b, b->heap[l], b->heap[best])) best = l;
    if (l + 1 < b->ncol && less_extreme(b, b->heap[l + 1], b->heap[best])) best = l + 1;
    if (best == h) return;
    size_t t = b->heap[h];
    b->heap[h] = b->heap[best];
    b->heap[best] = t;
    h = best;
  }
}

static void heap_up(aceuq_activeset_builder *b, size_t h)
{
  while (h > 0) {
    size_t p = (h - 1) / 2;
    if (!less_extreme(b, b->heap[h], b->heap[p])) return;
    size_t t = b->heap[h];
    b->heap[h] = b->heap[p];
    b->heap[p] = t;
    h = p;
  }
}

/* keep the row if it is among the cap most extreme seen in this pass */
static void collect(aceuq_activeset_builder *b, const double *row, size_t key, double g)
{
  size_t slot;
  int replace = b->ncol == b->cap;
  if (replace) { /* full: replace the least extreme (the root) if this one is more extreme */
    slot = b->heap[0];
    if (!(g > b->col_g[slot] || (g == b->col_g[slot] && key < b->col_key[slot]))) return;
  } else {
    slot = b->ncol;
    b->heap[b->ncol++] = slot;
  }
  b->col_g[slot] = g;
  b->col_key[slot] = key;
  memcpy(b->col_raw + slot * b->K, row, b->K * sizeof *row);
  if (replace) heap_down(b, 0);
  else heap_up(b, b->ncol - 1);
}

/* M = the grade operator of the current selection (= what finish() writes) */
static aceuq_status begin_pass(aceuq_activeset_builder *b, aceuq_error *err)
{
  const size_t K = b->K, r = b->r;
  if (!b->M) {
    b->cap = REFINE_CAP_FACTOR * r > b->max_batch ? REFINE_CAP_FACTOR * r : b->max_batch;
    b->M = malloc(K * K * sizeof *b->M);
    b->heap = malloc(b->cap * sizeof *b->heap);
    b->col_g = malloc(b->cap * sizeof *b->col_g);
    b->col_key = malloc(b->cap * sizeof *b->col_key);
    b->col_raw = malloc(b->cap * K * sizeof *b->col_raw);
    if (!b->M || !b->heap || !b->col_g || !b->col_key || !b->col_raw)
      return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active-set builder: out of memory (refinement buffers)");
  }
  aceuq_status st = selection_operator(b, b->Fa, b->M, err);
  b->ncol = 0;
  b->pass_exceeded = 0;
  b->pass_max = 0.0;
  if (!st) b->pass_open = 1;
  return st;
}

static int is_active(const aceuq_activeset_builder *b, size_t key)
{
  return bsearch(&key, b->key, b->r, sizeof *b->key, cmp_size) != NULL;
}

aceuq_status aceuq_activeset_builder_refine(aceuq_activeset_builder *b, const double *rows, size_t n,
                                            size_t first_index, aceuq_error *err)
{
  if (!b || (!rows && n)) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: NULL argument");
  if (b->stage != STAGE_SELECTION)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: refinement needs prepare() first%s",
                           b->stage == STAGE_FINISHED ? " (and no finish())" : "");
  if (first_index >= PLACEHOLDER_BASE || n > PLACEHOLDER_BASE - first_index)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: environment index %zu out of range",
                           first_index);
  aceuq_status st = check_rows(rows, n, b->K, first_index, err);
  if (!st && !b->pass_open) st = begin_pass(b, err);
  if (st || n == 0) return st;
  if (n > b->gamma_cap) {
    double *g = realloc(b->gamma, n * sizeof *g);
    if (!g) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active-set builder: out of memory (%zu grades)", n);
    b->gamma = g;
    b->gamma_cap = n;
  }
  st = aceuq_dopt_grade_batch(b->gws, b->M, b->K, rows, n, b->gamma, NULL, err);
  if (st) return st;
  const double tol = b->opt.tol > 1.0 ? b->opt.tol : 1.0;
  size_t over = 0;
  for (size_t i = 0; i < n; ++i) {
    const double g = b->gamma[i];
    if (g > b->pass_max) b->pass_max = g;
    if (g > tol) ++over;
    if (!is_active(b, first_index + i)) collect(b, rows + i * b->K, first_index + i, g);
  }
  b->pass_exceeded += over;
  return ACEUQ_OK;
}

aceuq_status aceuq_activeset_builder_end_refinement(aceuq_activeset_builder *b, size_t *exceeded,
                                                    double *max_gamma, aceuq_error *err)
{
  if (exceeded) *exceeded = 0;
  if (max_gamma) *max_gamma = 0.0;
  if (!b) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: NULL argument");
  if (b->stage != STAGE_SELECTION)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: refinement needs prepare() first%s",
                           b->stage == STAGE_FINISHED ? " (and no finish())" : "");
  if (!b->pass_open)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "active-set builder: end_refinement() without a refinement pass (call refine() first)");
  aceuq_status st = ACEUQ_OK;
  b->pass_open = 0;
  if (exceeded) *exceeded = b->pass_exceeded;
  if (max_gamma) *max_gamma = b->pass_max;
  if (b->pass_exceeded == 0) {
    b->converged = 1;
    b->converged_gamma = b->pass_max;
    return ACEUQ_OK;
  }
  /* MaxVol(active U collected), collected rows in ascending index order
   * (sorted in place: no second copy of the buffer) */
  const size_t K = b->K, c = b->ncol;
  keyed *order = malloc(c * sizeof *order);
  double *tmp = malloc(K * sizeof *tmp);
  if (!order || !tmp) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "active-set builder: out of memory");
  } else {
    for (size_t i = 0; i < c; ++i) {
      order[i].key = b->col_key[i];
      order[i].from = i;
    }
    qsort(order, c, sizeof *order, cmp_keyed);
    /* position i takes slot order[i].from: follow the cycles, marking done
     * positions with from = SIZE_MAX */
    for (size_t i = 0; i < c; ++i) {
      if (order[i].from == SIZE_MAX || order[i].from == i) continue;
      memcpy(tmp, b->col_raw + i * K, K * sizeof *tmp);
      size_t pos = i;
      for (;;) {
        const size_t from = order[pos].from;
        order[pos].from = SIZE_MAX;
        if (from == i) {
          memcpy(b->col_raw + pos * K, tmp, K * sizeof *tmp);
          break;
        }
        memcpy(b->col_raw + pos * K, b->col_raw + from * K, K * sizeof *tmp);
        pos = from;
      }
    }
    for (size_t i = 0; i < c; ++i) b->col_key[i] = order[i].key;
    st = merge_rows(b, b->col_raw, b->col_key, c, err);
  }
  b->ncol = 0;
  free(order);
  free(tmp);
  return st;
}

aceuq_status aceuq_activeset_builder_finish(aceuq_activeset_builder *b, double *Ainv, size_t *selected,
                                            aceuq_activeset_report *report, aceuq_error *err)
{
  if (!b || !Ainv) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: NULL argument");
  if (b->stage != STAGE_SELECTION)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: finish() needs prepare() first%s",
                           b->stage == STAGE_FINISHED ? " (finish() was already called)" : "");
  if (b->pass_open)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "active-set builder: finish() during a refinement pass (call end_refinement() first)");
  const size_t r = b->r;
  size_t placeholders = 0;
  for (size_t i = 0; i < r; ++i) placeholders += b->key[i] >= PLACEHOLDER_BASE;
  if (placeholders == r)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "active-set builder: no candidates were added");
  if (placeholders)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "active-set builder: only %zu of the %zu rows of the active set (numerical rank) are "
                           "environments after the candidate pass: the batches seen so far do not cover %zu "
                           "directions of the data; run (more) refinement passes over all the data",
                           r - placeholders, r, placeholders);
  double cond = 0.0;
  aceuq_status st = selection_operator(b, b->Fa, Ainv, err);
  if (!st) st = selection_condition(b, b->raw, &cond, err);
  if (st) return st;
  if (selected) memcpy(selected, b->key, r * sizeof *selected);
  if (report) {
    report->environments = b->nstat;
    report->functions = b->K;
    report->rank = r;
    report->zero_columns = b->zero_columns;
    report->iterations = b->iterations;
    report->max_c = b->max_c;
    report->max_gamma = b->converged ? b->converged_gamma : NAN;
    report->condition = cond;
  }
  b->stage = STAGE_FINISHED;
  return ACEUQ_OK;
}

/* ---- .asi writer ------------------------------------------------------------ */

aceuq_status aceuq_activeset_write(const char *path, int nelements, const char *const *elements,
                                   const double *const *Ainv, const size_t *K, aceuq_error *err)
{
  if (!path || !elements || !Ainv || !K || nelements < 1)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: active set to write: no file name, no elements or NULL data",
                           path ? path : "(null)");
  for (int e = 0; e < nelements; ++e) {
    const char *el = elements[e];
    if (!el || !el[0] || strlen(el) > 16)
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element %d has an empty or too long name", path, e);
    for (const char *p = el; *p; ++p)
      if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
        return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element name '%s' is not a chemical symbol", path, el);
    for (int f = 0; f < e; ++f)
      if (!strcmp(elements[f], el))
        return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element %s is given twice", path, el);
    if (K[e] == 0 || !Ainv[e])
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element %s: empty matrix", path, el);
    if (K[e] > SIZE_MAX / sizeof(double) / K[e])
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element %s: matrix size %zu too large", path, el, K[e]);
    for (size_t i = 0; i < K[e] * K[e]; ++i)
      if (!isfinite(Ainv[e][i]))
        return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element %s: entry (%zu, %zu) is not finite (%g)", path, el,
                               i / K[e], i % K[e], Ainv[e][i]);
  }
  return aceuq_npz_write_file(path, (size_t)nelements, elements, Ainv, K, K, err);
}
