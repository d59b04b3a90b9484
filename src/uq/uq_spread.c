/* uq_spread.c -- energy spreads of the members of a posterior (aceuq.h:
 * aceuq_spread_*): the first piece of the uncertainty engine.
 *
 * Every member of a linear-ACE posterior shares the basis, so with the
 * offsets d_s = c_s - mean (per element block) a member's atomic energy is
 *   E_i(c_s) = E_i(mean) + b(i) . d_s              (exact for a linear potential),
 * and n atoms of one element need one GEMM  W = P D^T  (n x K times K x M).
 * Per atom, over the M members: std (centred), rms = sqrt(mean_s w_s^2)
 * (uncentred: POPS's Sigma_mis form), lo = min_s w_s, hi = max_s w_s (bounds
 * relative to the mean potential's energy).  Extensive quantities use the
 * summed projections x = sum_i b(i) (all elements concatenated): the atoms'
 * deviations are fully correlated, so sigma_E is computed from x . d_s, never
 * as sqrt(sum_i sigma_i^2).
 * Epistemic variance with the posterior covariance Sigma_epi (block S_mu of
 * element mu): var_i = b(i)' S_mu b(i) (one GEMM per block of atoms, then row
 * dots); POPS's full std is sqrt(rms^2 + var) (docs/posterior_format.md).
 * Forces: the gradients of b(i) . d_s for all members at once (ace_members.h),
 * per atom the spread of the member force vectors
 *   sigma_F,i = sqrt(mean_s |dF_s,i - mean_s dF_s,i|^2)   (DeePMD's model deviation). */
#include "aceuq.h"

#include "ace_members.h"
#include "blas_internal.h"
#include "error_internal.h"
#include "hot_internal.h"
#include "potential_internal.h"
#include "row_dots_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

extern void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
                   const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
                   const double *beta, double *c, const int *ldc);

struct aceuq_spread {
  int nel;
  size_t K, M;
  size_t *offset, *size; /* element blocks of the columns */
  const double *D;       /* M x K row-major: d_s = c_s - mean (owned, or the caller's: shared) */
  double *D_owned;
  const double *S;       /* K x K Sigma_epi (owned copy, or the caller's), NULL: none */
  double *S_owned;
  const aceuq_potential *pot;
  ace_member_basis *forces; /* NULL until aceuq_spread_enable_forces */
  aceuq_force_precision forces_precision;
  int use_row_dots;      /* member energies (up to ROW_DOTS_MAX_MEMBERS) from row_dots, not dgemm */
};

void aceuq_spread_free(aceuq_spread *sp)
{
  if (!sp) return;
  free(sp->offset);
  free(sp->size);
  free(sp->D_owned);
  free(sp->S_owned);
  ace_member_basis_free(sp->forces);
  free(sp);
}

/* a spread without offsets yet: the element blocks of the K columns (an error if they do not add up
 * to K, or if the potential is not linear) */
static aceuq_status spread_new(const aceuq_potential *pot, size_t M, size_t K, aceuq_spread **out, aceuq_error *err)
{
  *out = NULL;
  aceuq_status st = potential_require_linear(pot, "posterior spreads", err);
  if (st) return st;
  aceuq_spread *sp = calloc(1, sizeof *sp);
  const int nel = aceuq_potential_num_elements(pot);
  if (sp) {
    sp->nel = nel;
    sp->pot = pot;
    sp->K = K;
    sp->M = M;
    sp->use_row_dots = cpu_wide_registers() && !blas_avx512_kernels();
    sp->offset = malloc((size_t)nel * sizeof *sp->offset);
    sp->size = malloc((size_t)nel * sizeof *sp->size);
  }
  if (!sp || !sp->offset || !sp->size) {
    aceuq_spread_free(sp);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "spread: out of memory");
  }
  size_t off = 0;
  for (int e = 0; e < nel; ++e) {
    sp->offset[e] = off;
    sp->size[e] = aceuq_potential_projection_size(pot, e, ACEUQ_PROJECTIONS_LINEAR);
    off += sp->size[e];
  }
  if (off != K) { /* the posterior was checked against a potential: this must be the same one */
    aceuq_spread_free(sp);
    return aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "spread: the potential has %zu functions, the posterior %zu", off,
                           K);
  }
  *out = sp;
  return ACEUQ_OK;
}

static const char *const member_names[3] = {"Bayesian samples", "POPS samples", "committee members"};

aceuq_status aceuq_posterior_offsets(const aceuq_posterior *post, aceuq_member_kind kind, double *D, aceuq_error *err)
{
  if ((unsigned)kind > 2u) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: unknown member kind %d", (int)kind);
  const size_t M = aceuq_posterior_num_members(post, kind), K = aceuq_posterior_size(post);
  const double *mean = aceuq_posterior_mean(post), *c = aceuq_posterior_members(post, kind);
  for (size_t s = 0; s < M; ++s)
    for (size_t k = 0; k < K; ++k) D[s * K + k] = c[s * K + k] - mean[k];
  return ACEUQ_OK;
}

aceuq_status aceuq_spread_create(const aceuq_posterior *post, const aceuq_potential *pot, aceuq_member_kind kind,
                                 aceuq_spread **out, aceuq_error *err)
{
  *out = NULL;
  if ((unsigned)kind > 2u) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: unknown member kind %d", (int)kind);
  const size_t M = aceuq_posterior_num_members(post, kind), K = aceuq_posterior_size(post);
  if (M < 2)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: the posterior has %zu %s (at least 2 are needed)", M,
                           member_names[kind]);
  aceuq_spread *sp;
  aceuq_status st = spread_new(pot, M, K, &sp, err);
  if (st) return st;
  sp->D = sp->D_owned = malloc(M * K * sizeof *sp->D_owned);
  if (!sp->D_owned) {
    aceuq_spread_free(sp);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "spread: out of memory (%zu members x %zu)", M, K);
  }
  aceuq_posterior_offsets(post, kind, sp->D_owned, err);
  const double *cov = aceuq_posterior_covariance(post);
  if (cov) {
    sp->S = sp->S_owned = malloc(K * K * sizeof *sp->S_owned);
    if (!sp->S_owned) {
      aceuq_spread_free(sp);
      return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "spread: out of memory (covariance %zu x %zu)", K, K);
    }
    memcpy(sp->S_owned, cov, K * K * sizeof *sp->S_owned);
  }
  *out = sp;
  return ACEUQ_OK;
}

void aceuq_spread_set_covariance(aceuq_spread *sp, const double *S)
{
  free(sp->S_owned);
  sp->S_owned = NULL;
  sp->S = S;
}

int aceuq_spread_has_covariance(const aceuq_spread *sp) { return sp->S != NULL; }

aceuq_status aceuq_spread_epistemic(const aceuq_spread *sp, int mu, size_t n, const double *proj, double *var,
                                    double *work, aceuq_error *err)
{
  if (!sp->S) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: the posterior has no covariance");
  if (mu < 0 || mu >= sp->nel) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: species %d out of range", mu);
  if (n == 0) return ACEUQ_OK;
  if (n > (size_t)1 << 30) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: %zu rows in one call", n);
  const int Kmu = (int)sp->size[mu], nn = (int)n, lds = (int)sp->K;
  const double one = 1.0, zero = 0.0, *S_mu = sp->S + sp->offset[mu] * sp->K + sp->offset[mu];
  /* column-major view: work (Kmu x n) = S_mu (Kmu x Kmu, symmetric) . proj^T (Kmu x n) */
  dgemm_("N", "N", &Kmu, &nn, &Kmu, &one, S_mu, &lds, proj, &Kmu, &zero, work, &Kmu);
  for (size_t i = 0; i < n; ++i) {
    double v = 0.0;
    for (size_t k = 0; k < (size_t)Kmu; ++k) v += work[i * (size_t)Kmu + k] * proj[i * (size_t)Kmu + k];
    var[i] = v > 0.0 ? v : 0.0; /* positive semi-definite: a negative value is round-off */
  }
  return ACEUQ_OK;
}

double aceuq_spread_full_std(double rms, double epistemic_var) { return sqrt(rms * rms + epistemic_var); }

aceuq_status aceuq_spread_total_epistemic(const aceuq_spread *sp, const double *x, double *var, aceuq_error *err)
{
  if (!sp->S) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: the posterior has no covariance");
  double v = 0.0;
  for (size_t k = 0; k < sp->K; ++k) {
    double row = 0.0;
    for (size_t l = 0; l < sp->K; ++l) row += sp->S[k * sp->K + l] * x[l];
    v += x[k] * row;
  }
  *var = v > 0.0 ? v : 0.0;
  return ACEUQ_OK;
}

aceuq_status aceuq_spread_create_shared(const aceuq_potential *pot, size_t members, const double *D,
                                        aceuq_spread **out, aceuq_error *err)
{
  *out = NULL;
  if (members < 2) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: %zu members (at least 2 are needed)", members);
  size_t K = 0;
  for (int e = 0; e < aceuq_potential_num_elements(pot); ++e)
    K += aceuq_potential_projection_size(pot, e, ACEUQ_PROJECTIONS_LINEAR);
  aceuq_spread *sp;
  aceuq_status st = spread_new(pot, members, K, &sp, err);
  if (st) return st;
  sp->D = D;
  *out = sp;
  return ACEUQ_OK;
}

size_t aceuq_spread_members(const aceuq_spread *sp) { return sp->M; }

void aceuq_spread_reduce(const double *w, size_t M, double *std, double *rms, double *lo, double *hi)
{
  double s1 = 0.0, s2 = 0.0, mn = w[0], mx = w[0];
  for (size_t s = 0; s < M; ++s) {
    s1 += w[s];
    s2 += w[s] * w[s];
    if (w[s] < mn) mn = w[s];
    if (w[s] > mx) mx = w[s];
  }
  const double m1 = s1 / (double)M, var = s2 / (double)M - m1 * m1;
  if (std) *std = sqrt(var > 0.0 ? var : 0.0);
  if (rms) *rms = sqrt(s2 / (double)M);
  if (lo) *lo = mn;
  if (hi) *hi = mx;
}

aceuq_status aceuq_spread_deviations(const aceuq_spread *sp, int mu, size_t n, const double *proj, double *dev,
                                     aceuq_error *err)
{
  if (mu < 0 || mu >= sp->nel) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: species %d out of range", mu);
  if (n == 0) return ACEUQ_OK;
  if (n > (size_t)1 << 30) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: %zu rows in one call", n);
  /* dev[i][s] = proj_i . D_s (the members' rows of species mu, leading dimension K): the register
   * kernel for committees and Bayesian samples on an AVX-512 CPU whose OpenBLAS runs AVX2 (or older)
   * kernels; else the BLAS -- with AVX-512 kernels, or for hundreds of members (POPS), its packing
   * and cache blocking win, and without AVX-512 the kernel's 8-lane sums spill (bench/bench_spread) */
  if (sp->M <= ROW_DOTS_MAX_MEMBERS && sp->use_row_dots) {
    row_dots(n, sp->M, sp->size[mu], proj, sp->size[mu], sp->D + sp->offset[mu], sp->K, dev);
    return ACEUQ_OK;
  }
  const int Kmu = (int)sp->size[mu], M = (int)sp->M, nn = (int)n, ldd = (int)sp->K;
  const double one = 1.0, zero = 0.0;
  /* column-major view: dev (M x n) = D_mu (M x Kmu, rows of D with leading dim K) . proj^T (Kmu x n) */
  dgemm_("T", "N", &M, &nn, &Kmu, &one, sp->D + sp->offset[mu], &ldd, proj, &Kmu, &zero, dev, &M);
  return ACEUQ_OK;
}

aceuq_status aceuq_spread_atoms(const aceuq_spread *sp, int mu, size_t n, const double *proj, double *std, double *rms,
                                double *lo, double *hi, double *work, aceuq_error *err)
{
  aceuq_status st = aceuq_spread_deviations(sp, mu, n, proj, work, err);
  for (size_t i = 0; !st && i < n; ++i)
    aceuq_spread_reduce(&work[i * sp->M], sp->M, std ? &std[i] : NULL, rms ? &rms[i] : NULL, lo ? &lo[i] : NULL,
                        hi ? &hi[i] : NULL);
  return st;
}

aceuq_status aceuq_spread_total(const aceuq_spread *sp, const double *x, double *std, double *rms, double *lo,
                                double *hi, aceuq_error *err)
{
  double *w = malloc(sp->M * sizeof *w);
  if (!w) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "spread: out of memory");
  for (size_t s = 0; s < sp->M; ++s) {
    double v = 0.0;
    for (size_t k = 0; k < sp->K; ++k) v += sp->D[s * sp->K + k] * x[k];
    w[s] = v;
  }
  aceuq_spread_reduce(w, sp->M, std, rms, lo, hi);
  free(w);
  return ACEUQ_OK;
}

aceuq_status aceuq_spread_enable_forces(aceuq_spread *sp, aceuq_force_precision precision, aceuq_error *err)
{
  if (precision != ACEUQ_FORCES_DOUBLE && precision != ACEUQ_FORCES_SINGLE)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: unknown force precision %d", (int)precision);
  if (sp->forces && sp->forces_precision == precision) return ACEUQ_OK;
  ace_member_basis *mb = NULL;
  const aceuq_status st = ace_member_basis_create(potential_evaluator(sp->pot), sp->M, sp->D, sp->K, sp->offset, 1,
                                                  precision == ACEUQ_FORCES_SINGLE, &mb, err);
  if (st) return st;
  ace_member_basis_free(sp->forces);
  sp->forces = mb;
  sp->forces_precision = precision;
  return ACEUQ_OK;
}

int aceuq_spread_has_forces(const aceuq_spread *sp) { return sp->forces != NULL; }

aceuq_status aceuq_spread_gradients(const aceuq_spread *sp, aceuq_workspace *ws, int mu_i, size_t n,
                                    double *dev_drij, aceuq_error *err)
{
  if (!sp->forces) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: force spreads not enabled");
  if (mu_i < 0 || mu_i >= sp->nel) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: species %d out of range", mu_i);
  return ace_member_gradients(potential_evaluator(sp->pot), sp->forces, workspace_atom_cache(ws), mu_i, n,
                              dev_drij, err);
}

static aceuq_status spread_forces(const aceuq_spread *sp, aceuq_workspace *ws, int mu_i, size_t n, const int *row_of,
                                  int row_i, double *dF, float *dFf, double *dE_drij, aceuq_error *err)
{
  if (!sp->forces) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: force spreads not enabled");
  if (mu_i < 0 || mu_i >= sp->nel)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: species %d out of range", mu_i);
  return ace_member_forces(potential_evaluator(sp->pot), sp->forces, workspace_atom_cache(ws), mu_i, n, row_of, row_i,
                           dF, dFf, dE_drij, err);
}

aceuq_status aceuq_spread_forces(const aceuq_spread *sp, aceuq_workspace *ws, int mu_i, size_t n, const int *row_of,
                                 int row_i, double *dF, double *dE_drij, aceuq_error *err)
{
  return spread_forces(sp, ws, mu_i, n, row_of, row_i, dF, NULL, dE_drij, err);
}

aceuq_status aceuq_spread_forces_float(const aceuq_spread *sp, aceuq_workspace *ws, int mu_i, size_t n,
                                       const int *row_of, int row_i, float *dF, double *dE_drij, aceuq_error *err)
{
  if (sp->forces && sp->forces_precision != ACEUQ_FORCES_SINGLE)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "spread: float force rows need ACEUQ_FORCES_SINGLE");
  return spread_forces(sp, ws, mu_i, n, row_of, row_i, NULL, dF, dE_drij, err);
}

/* sqrt(mean_s |dF_s - mean dF|^2) from the sums over the members of dF_s,a (m) and of |dF_s|^2 (s2) */
static double force_std_from_sums(const double m[3], double s2, size_t M)
{
  const double var = s2 / (double)M - (m[0] * m[0] + m[1] * m[1] + m[2] * m[2]) / ((double)M * (double)M);
  return sqrt(var > 0.0 ? var : 0.0);
}

double aceuq_spread_force_std(const double *dF, size_t M)
{
  double m[3] = {0.0, 0.0, 0.0}, s2 = 0.0;
  for (int a = 0; a < 3; ++a)
    for (size_t s = 0; s < M; ++s) {
      m[a] += dF[(size_t)a * M + s];
      s2 += dF[(size_t)a * M + s] * dF[(size_t)a * M + s];
    }
  return force_std_from_sums(m, s2, M);
}

double aceuq_spread_force_std_float(const float *dF, size_t M)
{
  double m[3] = {0.0, 0.0, 0.0}, s2 = 0.0;
  for (int a = 0; a < 3; ++a)
    for (size_t s = 0; s < M; ++s) {
      const double d = dF[(size_t)a * M + s];
      m[a] += d;
      s2 += d * d;
    }
  return force_std_from_sums(m, s2, M);
}
