/* fit_posterior.c -- Bayesian posterior of a linear fit: seeded samples and the
 * posterior file (aceuq.h: aceuq_fit_posterior_*; format in docs/posterior_format.md).
 *
 * Samples c_s = mean + Q diag(sqrt(max(w, 0))) z_s with Sigma = Q diag(w) Q^T
 * (symmetric eigendecomposition, LAPACK dsyev: robust for the rank-deficient,
 * merely positive semi-definite covariances of real bases) and z_s standard
 * normal from a splitmix64 + Box-Muller stream of the seed: the same seed gives
 * the same samples on every machine and thread count (no BLAS in the loop). */
#include "aceuq.h"

#include "error_internal.h"
#include "npz_internal.h"
#include "rng_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                   double *work, const int *lwork, int *info);

aceuq_status aceuq_fit_posterior_samples(const double *mean, const double *covariance, size_t K, size_t nsamples,
                                         unsigned long long seed, double *samples, aceuq_error *err)
{
  if (K == 0 || K > 100000) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "posterior: %zu coefficients", K);
  double *Q = malloc(K * K * sizeof *Q), *w = malloc(K * sizeof *w), *z = malloc(K * sizeof *z), q;
  aceuq_status st = ACEUQ_OK;
  if (!Q || !w || !z) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "posterior: out of memory (%zu coefficients)", K);
    goto done;
  }
  for (size_t i = 0; i < K * K; ++i) {
    if (!isfinite(covariance[i])) {
      st = aceuq_error_set(err, ACEUQ_ERR_VALUE, "posterior: covariance entry %zu is not finite", i);
      goto done;
    }
    Q[i] = covariance[i]; /* symmetric: row- and column-major alike */
  }
  const int n = (int)K;
  int lwork = -1, info = 0;
  dsyev_("V", "U", &n, Q, &n, w, &q, &lwork, &info);
  lwork = (int)q + 1;
  double *work = malloc((size_t)lwork * sizeof *work);
  if (!work) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "posterior: out of memory");
    goto done;
  }
  dsyev_("V", "U", &n, Q, &n, w, work, &lwork, &info);
  free(work);
  if (info != 0) {
    st = aceuq_error_set(err, ACEUQ_ERR_LINALG, "posterior: eigendecomposition failed (dsyev info %d)", info);
    goto done;
  }
  /* eigenvalues within K eps lambda_max of 0 are round-off of a null direction (dsyev returns them
   * with either sign, ~1e-16 lambda_max): 0, so that samples keep the null space of S exactly
   * (a square root of 1e-16 would put 1e-8 into it) */
  const double wmax = w[K - 1] > 0.0 ? w[K - 1] : 0.0, wfloor = (double)K * DBL_EPSILON * wmax;
  for (size_t k = 0; k < K; ++k) w[k] = w[k] > wfloor ? sqrt(w[k]) : 0.0;
  unsigned long long state = seed;
  for (size_t sidx = 0; sidx < nsamples; ++sidx) {
    for (size_t k = 0; k < K; k += 2) { /* Box-Muller pairs */
      const double u1 = rng_uniform(&state), u2 = rng_uniform(&state), r = sqrt(-2.0 * log(u1));
      z[k] = r * cos(6.283185307179586 * u2) * w[k];
      if (k + 1 < K) z[k + 1] = r * sin(6.283185307179586 * u2) * w[k + 1];
    }
    double *c = &samples[sidx * K];
    for (size_t i = 0; i < K; ++i) {
      double v = mean[i];
      for (size_t k = 0; k < K; ++k) v += Q[i + k * K] * z[k]; /* column k = eigenvector k */
      c[i] = v;
    }
  }
done:
  free(Q);
  free(w);
  free(z);
  return st;
}

int aceuq_fit_bootstrap_count(unsigned long long seed, size_t member, size_t index)
{
  /* one short stream per (member, structure): independent of the order of the passes */
  unsigned long long state = seed ^ (0xD1B54A32D192ED03ULL * (member + 1)) ^ (0x8CB92BA72F3D8DD7ULL * (index + 1));
  rng_next(&state);
  return rng_poisson1(&state);
}

aceuq_status aceuq_fit_posterior_write(const char *path, const aceuq_potential *pot, const aceuq_fit_posterior *post,
                                       aceuq_error *err)
{
  const int nel = aceuq_potential_num_elements(pot);
  size_t K = 0;
  double *sizes = malloc((size_t)nel * sizeof *sizes), meta[4];
  if (!sizes) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", path);
  for (int e = 0; e < nel; ++e) {
    sizes[e] = (double)aceuq_potential_projection_size(pot, e, ACEUQ_PROJECTIONS_LINEAR);
    K += (size_t)sizes[e];
  }
  meta[0] = 2.0; /* format version */
  meta[1] = post->alpha;
  meta[2] = post->lambda;
  meta[3] = (double)post->seed;
  const char *keys[8];
  const double *data[8];
  size_t rows[8], cols[8], n = 0;
#define MEMBER(k, d, r, c) (keys[n] = (k), data[n] = (d), rows[n] = (r), cols[n] = (c), ++n)
  MEMBER("format", meta, 1, 4);
  MEMBER("sizes", sizes, 1, (size_t)nel);
  MEMBER("mean", post->mean, 1, K);
  MEMBER("covariance", post->covariance, K, K);
  if (post->nsamples) MEMBER("samples", post->samples, post->nsamples, K);
  if (post->npops) MEMBER("pops_samples", post->pops_samples, post->npops, K);
  if (post->npops && post->pops_sigma_mis) MEMBER("pops_sigma_mis", post->pops_sigma_mis, K, K);
  if (post->ncommittee) MEMBER("committee", post->committee, post->ncommittee, K);
#undef MEMBER
  aceuq_status st = aceuq_npz_write_file(path, n, keys, data, rows, cols, err);
  free(sizes);
  return st;
}

/* ---- reading ---------------------------------------------------------------- */

struct aceuq_posterior {
  size_t K;
  aceuq_npz_member *members;
  size_t count;
  const aceuq_array2d *mean, *sets[3]; /* Bayesian samples, POPS samples, committee (NULL: absent) */
  const aceuq_array2d *covariance;     /* Sigma_epi, K x K (NULL: absent) */
};

static const char *const member_keys[3] = {"samples", "pops_samples", "committee"};

void aceuq_posterior_free(aceuq_posterior *p)
{
  if (!p) return;
  aceuq_npz_members_free(p->members, p->count);
  free(p);
}

static const aceuq_array2d *find_member(const aceuq_posterior *p, const char *key)
{
  for (size_t i = 0; i < p->count; ++i)
    if (!strcmp(p->members[i].key, key)) return &p->members[i].array;
  return NULL;
}

aceuq_status aceuq_posterior_load(const char *path, const aceuq_potential *pot, aceuq_posterior **out,
                                  aceuq_error *err)
{
  *out = NULL;
  aceuq_posterior *p = calloc(1, sizeof *p);
  if (!p) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", path);
  aceuq_status st = aceuq_npz_read_file(path, &p->members, &p->count, err);
  const aceuq_array2d *fmt = st ? NULL : find_member(p, "format"), *sizes = st ? NULL : find_member(p, "sizes");
  if (!st && (!fmt || !sizes || !(p->mean = find_member(p, "mean"))))
    st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: not a posterior file (members format, sizes and mean are "
                         "required; see docs/posterior_format.md)", path);
  if (!st && (fmt->rows * fmt->cols < 1 || (fmt->data[0] != 1.0 && fmt->data[0] != 2.0)))
    st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: format: unknown version %g (this aceuq reads 1 and 2)", path,
                         (fmt->rows * fmt->cols) != 0 ? fmt->data[0] : -1.0);
  const int nel = aceuq_potential_num_elements(pot);
  if (!st && sizes->rows * sizes->cols != (size_t)nel)
    st = aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "%s: sizes: %zu elements, the potential has %d", path,
                         sizes->rows * sizes->cols, nel);
  for (int e = 0; !st && e < nel; ++e) {
    const size_t k = aceuq_potential_projection_size(pot, e, ACEUQ_PROJECTIONS_LINEAR);
    if (sizes->data[e] != (double)k)
      st = aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "%s: sizes[%d] = %g functions of %s, the potential has %zu "
                           "(a posterior of another potential?)", path, e, sizes->data[e],
                           aceuq_potential_element(pot, e), k);
    p->K += k;
  }
  if (!st && p->mean->rows * p->mean->cols != p->K)
    st = aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "%s: mean has %zu values, expected %zu", path,
                         p->mean->rows * p->mean->cols, p->K);
  for (int k = 0; !st && k < 3; ++k) {
    p->sets[k] = find_member(p, member_keys[k]);
    if (p->sets[k] && p->sets[k]->cols != p->K)
      st = aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "%s: %s has %zu columns, expected %zu", path, member_keys[k],
                           p->sets[k]->cols, p->K);
    for (size_t i = 0; !st && p->sets[k] && i < p->sets[k]->rows * p->K; ++i)
      if (!isfinite(p->sets[k]->data[i]))
        st = aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: %s: value %zu is not finite", path, member_keys[k], i);
  }
  p->covariance = st ? NULL : find_member(p, "covariance");
  if (!st && p->covariance && (p->covariance->rows != p->K || p->covariance->cols != p->K))
    st = aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "%s: covariance is %zu x %zu, expected %zu x %zu", path,
                         p->covariance->rows, p->covariance->cols, p->K, p->K);
  for (size_t i = 0; !st && p->covariance && i < p->K * p->K; ++i)
    if (!isfinite(p->covariance->data[i]))
      st = aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: covariance: value %zu is not finite", path, i);
  if (st) {
    aceuq_posterior_free(p);
    return st;
  }
  *out = p;
  return ACEUQ_OK;
}

const double *aceuq_posterior_covariance(const aceuq_posterior *p)
{
  return p->covariance ? p->covariance->data : NULL;
}

size_t aceuq_posterior_size(const aceuq_posterior *p) { return p->K; }
const double *aceuq_posterior_mean(const aceuq_posterior *p) { return p->mean->data; }

size_t aceuq_posterior_num_members(const aceuq_posterior *p, aceuq_member_kind kind)
{
  return (unsigned)kind < 3 && p->sets[kind] ? p->sets[kind]->rows : 0;
}

const double *aceuq_posterior_members(const aceuq_posterior *p, aceuq_member_kind kind)
{
  return (unsigned)kind < 3 && p->sets[kind] ? p->sets[kind]->data : NULL;
}
