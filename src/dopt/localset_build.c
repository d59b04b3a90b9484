/* localset_build.c -- training of a clustering-enhanced local active set for
 * one element (the rules are documented in aceuq.h and docs/asil_format.md).
 *
 * The one invariant that matters at run time: a training environment is
 * graded with the inverse of the cluster aceuq_cluster_assign puts it in.
 * The builder therefore assigns its rows with the same feature and
 * nearest-centroid routines (localset_internal.h) as the run-time code, and
 * selects each cluster's active set from exactly those rows; the k-means
 * labels themselves are only used to place the centroids.
 *
 * Row order: every sum over rows (PCA, feature variances) and the rows handed
 * to each cluster's selection run in a canonical order (rows sorted
 * lexicographically), and k-means is order-independent itself, so the local
 * set does not depend on the order of the training rows. */
#include "aceuq.h"

#include "error_internal.h"
#include "localset_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
  AUTO_MAX_CLUSTERS = 8,       /* the auto rule tries k = 2 .. 8 */
  AUTO_MIN_ROWS_PER_RANK = 4,  /* auto: every cluster >= 4 r rows */
  MERGE_MIN_ROWS_PER_RANK = 2, /* merge rule: clusters < 2 r rows are dissolved */
  KMEANS_MAX_ITERS = 300,
  FEATURES_MAX = 10,
  REFERENCE_MAX_ROWS = 4096 /* rows of the Gaussian null reference */
};
/* auto: the smallest silhouette gain over the Gaussian null reference that
 * counts as cluster structure.  Calibrated on synthetic feature sets (see
 * docs/asil_format.md): homogeneous clouds (isotropic, strongly anisotropic,
 * uniform) reach at most 0.07, 2..5 Gaussian groups separated by 2 standard
 * deviations per coordinate at least 0.13. */
static const double AUTO_MIN_SILHOUETTE_GAIN = 0.10;
/* seeds the null reference's generator apart from k-means' */
static const uint64_t REFERENCE_SEED_SALT = 0xA5F0C3E1D2B49687ULL;

void aceuq_localset_result_release(aceuq_localset_result *r)
{
  if (!r) return;
  free(r->storage_);
  free(r->reports);
  free(r->cluster);
  memset(r, 0, sizeof *r);
}

/* ---- canonical row order ---------------------------------------------------- */
typedef struct row_ref {
  const double *row;
  size_t len;
} row_ref;

static int row_compare(const void *pa, const void *pb)
{
  const row_ref *a = pa, *b = pb;
  for (size_t j = 0; j < a->len; ++j) {
    if (a->row[j] < b->row[j]) return -1;
    if (a->row[j] > b->row[j]) return 1;
  }
  return 0;
}

/* order[i] = index of the i-th row of X (n x len) in lexicographic order;
 * *distinct (may be NULL) = number of distinct rows */
static aceuq_status canonical_order(const double *X, size_t n, size_t len, size_t *order, size_t *distinct,
                                    aceuq_error *err)
{
  row_ref *r = malloc(n * sizeof *r);
  if (!r) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "local active set: out of memory (%zu rows)", n);
  for (size_t i = 0; i < n; ++i) r[i] = (row_ref){X + i * len, len};
  qsort(r, n, sizeof *r, row_compare);
  size_t c = n ? 1 : 0;
  for (size_t i = 0; i < n; ++i) {
    order[i] = (size_t)(r[i].row - X) / len;
    if (i) c += row_compare(&r[i - 1], &r[i]) != 0;
  }
  free(r);
  if (distinct) *distinct = c;
  return ACEUQ_OK;
}

/* ---- assignment and silhouettes ------------------------------------------------- */

/* rows -> nearest of the nc centroids (the run-time rule); counts[c] */
static void assign_rows(const double *F, size_t n, size_t d, const double *centroids, size_t nc, int *cluster,
                        size_t *counts)
{
  memset(counts, 0, nc * sizeof *counts);
  for (size_t i = 0; i < n; ++i) {
    cluster[i] = aceuq_cluster_nearest(centroids, nc, d, F + i * d);
    ++counts[cluster[i]];
  }
}

/* Mean centroid silhouette of the nearest-centroid assignment: per row
 * s = (b - a) / b, a = distance to the nearest centroid (its own), b = to the
 * second nearest (0 when b = 0); in [0, 1]; 0 for one cluster.  Summed in the
 * given order (NULL: 0..n-1). */
static double silhouette(const double *F, const size_t *order, size_t n, size_t d, const double *centroids,
                         size_t nc)
{
  if (nc < 2 || n == 0) return 0.0;
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double *f = F + (order ? order[i] : i) * d;
    double a2 = INFINITY, b2 = INFINITY;
    for (size_t c = 0; c < nc; ++c) {
      double s2 = 0.0;
      for (size_t j = 0; j < d; ++j) {
        const double u = f[j] - centroids[c * d + j];
        s2 += u * u;
      }
      if (s2 < a2) {
        b2 = a2;
        a2 = s2;
      } else if (s2 < b2) {
        b2 = s2;
      }
    }
    const double a = sqrt(a2), b = sqrt(b2);
    sum += b > 0.0 ? (b - a) / b : 0.0;
  }
  return sum / (double)n;
}

/* ---- Gaussian null reference ------------------------------------------------------ */
static uint64_t splitmix64(uint64_t *state)
{
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* nr x d rows of independent normals with the per-feature variances of F
 * (the features are principal components: uncorrelated), Box-Muller from a
 * splitmix64 stream seeded by seed */
static void reference_rows(const double *F, const size_t *order, size_t n, size_t d, unsigned long long seed,
                           double *R, size_t nr)
{
  double sd[FEATURES_MAX];
  for (size_t j = 0; j < d; ++j) {
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < n; ++i) m += F[order[i] * d + j];
    m /= (double)n;
    for (size_t i = 0; i < n; ++i) v += (F[order[i] * d + j] - m) * (F[order[i] * d + j] - m);
    sd[j] = sqrt(v / (double)n);
  }
  uint64_t state = (uint64_t)seed ^ REFERENCE_SEED_SALT;
  for (size_t i = 0; i < nr * d; i += 2) {
    const double u1 = ((double)(splitmix64(&state) >> 11) + 0.5) * (1.0 / 9007199254740992.0); /* (0, 1) */
    const double u2 = (double)(splitmix64(&state) >> 11) * (1.0 / 9007199254740992.0);
    const double rad = sqrt(-2.0 * log(u1)), ang = 6.283185307179586 * u2;
    R[i] = rad * cos(ang) * sd[i % d];
    if (i + 1 < nr * d) R[i + 1] = rad * sin(ang) * sd[(i + 1) % d];
  }
}

/* silhouette of k-means with k clusters on the reference rows */
static aceuq_status reference_silhouette(const double *R, size_t nr, size_t d, size_t k, unsigned long long seed,
                                         double *centroids, double *out, aceuq_error *err)
{
  aceuq_status st = aceuq_kmeans(R, nr, d, k, seed, KMEANS_MAX_ITERS, centroids, NULL, NULL, err);
  if (st) return st;
  *out = silhouette(R, NULL, nr, d, centroids, k);
  return ACEUQ_OK;
}

/* remove centroid c (rows c+1.. move up) */
static void remove_centroid(double *centroids, size_t *nc, size_t d, size_t c)
{
  memmove(centroids + c * d, centroids + (c + 1) * d, (*nc - c - 1) * d * sizeof *centroids);
  --*nc;
}

aceuq_status aceuq_localset_build(const double *B, size_t n, size_t K, size_t nclusters,
                                  const aceuq_activeset_build_options *opt, unsigned long long seed,
                                  aceuq_localset_result *out, aceuq_error *err)
{
  if (!out) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "local active set: no output");
  memset(out, 0, sizeof *out);
  if (!B || n == 0 || K == 0)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "local active set: no training projections (%zu x %zu)", n, K);
  if (n > SIZE_MAX / K || K > SIZE_MAX / sizeof(double) / K)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "local active set: %zu x %zu is too large", n, K);
  aceuq_activeset_build_options defaults;
  if (!opt) {
    aceuq_activeset_build_options_default(&defaults);
    opt = &defaults;
  }

  const size_t dmax = K < FEATURES_MAX ? K : FEATURES_MAX;
  /* k-means never makes more clusters than rows */
  size_t kcap = nclusters ? (nclusters < n ? nclusters : n) : (AUTO_MAX_CLUSTERS < n ? AUTO_MAX_CLUSTERS : n);
  if (kcap > (SIZE_MAX / sizeof(double) - 2 * K - K * dmax - K * K) / (K * K + dmax))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "local active set: %zu clusters of %zu x %zu inverses is too large",
                           kcap, K, K);
  const size_t nref = n < REFERENCE_MAX_ROWS ? n : REFERENCE_MAX_ROWS;
  /* storage: mean K | scale K | components K x dmax | centroids kcap x dmax | global K x K | Ainv kcap x K x K */
  const size_t total = 2 * K + K * dmax + kcap * dmax + K * K + kcap * K * K;
  out->storage_ = malloc(total * sizeof(double));
  out->reports = calloc(kcap, sizeof *out->reports);
  out->cluster = malloc(n * sizeof *out->cluster);
  size_t *order = malloc(n * sizeof *order);
  double *F = malloc(n * dmax * sizeof *F);
  size_t *counts = malloc(kcap * sizeof *counts);
  double *trial = malloc(kcap * dmax * sizeof *trial); /* centroids of the k being tried */
  double *refc = malloc(kcap * dmax * sizeof *refc);   /* centroids of the null reference */
  double *R = NULL, *rowsbuf = NULL;
  aceuq_status st = ACEUQ_OK;
  if (!out->storage_ || !out->reports || !out->cluster || !order || !F || !counts || !trial || !refc) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "local active set: out of memory (%zu rows, K = %zu, %zu clusters)",
                         n, K, kcap);
    goto done;
  }
  double *mean = out->storage_, *scale = mean + K, *components = scale + K, *centroids = components + K * dmax;
  double *global = centroids + kcap * dmax, *Ainv = global + K * K;
  out->global_Ainv = global;

  /* 1. global active set: the rank r (also checks the options and that B is finite) */
  st = aceuq_activeset_select(B, n, K, opt, global, NULL, &out->global, err);
  if (st) {
    aceuq_error_prefix(err, "local active set: global selection over all %zu rows", n);
    goto done;
  }
  const size_t r = out->global.rank ? out->global.rank : 1;

  /* 2. feature transform (sums in canonical order) and features */
  if ((st = canonical_order(B, n, K, order, NULL, err))) goto done;
  size_t d = 0;
  st = aceuq_pca_fit_ordered(B, order, n, K, dmax, opt->rank_rtol, mean, scale, components, &d, NULL, err);
  if (st) goto done;
  aceuq_cluster_transform t = {K, d, 1, mean, scale, components, centroids};
  for (size_t i = 0; i < n; ++i) aceuq_cluster_feature_row(&t, B + i * K, F + i * d);
  size_t distinct = 0;
  {
    size_t *forder = malloc(n * sizeof *forder);
    if (!forder) {
      st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "local active set: out of memory (%zu rows)", n);
      goto done;
    }
    st = canonical_order(F, n, d, forder, &distinct, err);
    free(forder);
    if (st) goto done;
  }
  if (kcap > distinct) kcap = distinct;

  /* 3. k-means: the requested k, or the auto rule */
  size_t nc = 0;
  if (nclusters) {
    nc = kcap;
    st = aceuq_kmeans(F, n, d, nc, seed, KMEANS_MAX_ITERS, centroids, NULL, NULL, err);
  } else {
    /* auto: k in 2..8 with every cluster >= 4 r rows and the largest gain of
     * the mean silhouette over a Gaussian null reference with the same
     * feature variances; the gain must be >= 0.10 (ties -> smaller k) */
    size_t kmax = n / (AUTO_MIN_ROWS_PER_RANK * r);
    if (kmax > kcap) kmax = kcap;
    if (kmax >= 2) {
      R = malloc(nref * d * sizeof *R);
      if (!R) {
        st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "local active set: out of memory (null reference)");
        goto done;
      }
      reference_rows(F, order, n, d, seed, R, nref);
    }
    double best = -INFINITY;
    for (size_t k = 2; k <= kmax && !st; ++k) {
      st = aceuq_kmeans(F, n, d, k, seed, KMEANS_MAX_ITERS, trial, NULL, NULL, err);
      if (st) break;
      assign_rows(F, n, d, trial, k, out->cluster, counts);
      size_t smallest = n;
      for (size_t c = 0; c < k; ++c)
        if (counts[c] < smallest) smallest = counts[c];
      if (smallest < AUTO_MIN_ROWS_PER_RANK * r) continue;
      const double sil = silhouette(F, order, n, d, trial, k);
      double sref = 0.0;
      if ((st = reference_silhouette(R, nref, d, k, seed, refc, &sref, err))) break;
      if (sil - sref >= AUTO_MIN_SILHOUETTE_GAIN && sil - sref > best) {
        best = sil - sref;
        nc = k;
        memcpy(centroids, trial, k * d * sizeof *centroids);
      }
    }
    if (!st && !nc) {
      nc = 1;
      st = aceuq_kmeans(F, n, d, 1, seed, KMEANS_MAX_ITERS, centroids, NULL, NULL, err);
    }
  }
  if (st) {
    aceuq_error_prefix(err, "local active set: clustering");
    goto done;
  }
  out->initial_clusters = nc;

  /* 4./5. merge rule and per-cluster selection */
  for (;;) {
    assign_rows(F, n, d, centroids, nc, out->cluster, counts);
    if (nc == 1) { /* one cluster = all rows: the global active set */
      memcpy(Ainv, global, K * K * sizeof *Ainv);
      out->reports[0] = out->global;
      break;
    }
    size_t small = nc;
    for (size_t c = 0; c < nc; ++c)
      if (counts[c] < MERGE_MIN_ROWS_PER_RANK * r && (small == nc || counts[c] < counts[small])) small = c;
    if (small < nc) {
      remove_centroid(centroids, &nc, d, small);
      ++out->dissolved;
      continue;
    }
    size_t failed = nc;
    for (size_t c = 0; c < nc && failed == nc; ++c) {
      free(rowsbuf);
      rowsbuf = malloc(counts[c] * K * sizeof *rowsbuf);
      if (!rowsbuf) {
        st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "local active set: out of memory (cluster %zu, %zu rows)", c,
                             counts[c]);
        goto done;
      }
      size_t m = 0;
      for (size_t i = 0; i < n; ++i) /* canonical order */
        if ((size_t)out->cluster[order[i]] == c) memcpy(rowsbuf + (m++) * K, B + order[i] * K, K * sizeof *rowsbuf);
      aceuq_error cerr;
      aceuq_error_clear(&cerr);
      aceuq_status cst = aceuq_activeset_select(rowsbuf, m, K, opt, Ainv + c * K * K, NULL, &out->reports[c], &cerr);
      if (cst == ACEUQ_ERR_NOMEM || cst == ACEUQ_ERR_INTERNAL) {
        st = aceuq_error_set(err, cst, "local active set: cluster %zu of %zu (%zu rows): %s", c, nc, m,
                             cerr.message);
        goto done;
      }
      if (cst) failed = c;
    }
    if (failed == nc) break;
    remove_centroid(centroids, &nc, d, failed);
    ++out->dissolved;
  }

  /* diagnostics: silhouette of the final clusters and of the null reference */
  out->silhouette = silhouette(F, order, n, d, centroids, nc);
  if (nc >= 2 && nref >= nc) {
    if (!R) {
      R = malloc(nref * d * sizeof *R);
      if (!R) {
        st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "local active set: out of memory (null reference)");
        goto done;
      }
      reference_rows(F, order, n, d, seed, R, nref);
    }
    st = reference_silhouette(R, nref, d, nc, seed, refc, &out->silhouette_reference, err);
    if (st) {
      aceuq_error_prefix(err, "local active set: null reference");
      goto done;
    }
  }
  t.nclusters = nc;
  out->element.transform = t;
  out->element.Ainv = Ainv;

done:
  free(order);
  free(F);
  free(counts);
  free(trial);
  free(refc);
  free(R);
  free(rowsbuf);
  return st;
}
