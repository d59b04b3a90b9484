/* kmeans.c -- k-means clustering (k-means++ initialisation, Lloyd iterations)
 * for the clustering-enhanced local active sets (.asil).
 *
 * Determinism: the result depends only on (the set of rows of X, k, seed,
 * max_iters), not on the order of the rows.  All work is done in a canonical
 * order -- the rows sorted lexicographically (identical rows are
 * interchangeable) -- so that the k-means++ draws, the tie breaks and the
 * floating-point summation order of the means are the same for any
 * permutation of X.  The random numbers come from a local splitmix64
 * generator seeded by the caller (no global state).
 *
 *   init   greedy k-means++: c_0 = a row drawn uniformly; for c_j,
 *          2 + floor(ln k) candidate rows are drawn with probability
 *          proportional to D(x)^2, the squared distance to the nearest
 *          centroid chosen so far (Arthur & Vassilvitskii 2007), and the one
 *          that lowers sum_x D(x)^2 most is kept (the greedy variant, which
 *          rarely starts in a poor local minimum);
 *   Lloyd  assign every row to its nearest centroid (squared Euclidean
 *          distance, ties -> lowest index); move every centroid to the mean
 *          of its rows; repeat until no assignment changes or max_iters
 *          updates were made;
 *   empty  a cluster left without rows is re-seeded with the row farthest
 *          from its own centroid (each such row used once; ties -> first row
 *          in the canonical order).
 * On return assign[] is always the nearest-centroid assignment for the
 * returned centroids; at convergence the centroids are also the means of
 * their rows. */
#include "aceuq.h"

#include "error_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- splitmix64 (Steele, Lea, Flood 2014): the caller's seed, no global state */
typedef struct kmeans_rng {
  uint64_t state;
} kmeans_rng;

static uint64_t rng_next(kmeans_rng *r)
{
  uint64_t z = (r->state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* uniform in [0, 1) with 53 random bits */
static double rng_uniform(kmeans_rng *r)
{
  return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- canonical order: rows sorted lexicographically -------------------------- */
typedef struct row_ref {
  const double *row;
  size_t d;
} row_ref;

static int row_compare(const void *pa, const void *pb)
{
  const row_ref *a = pa, *b = pb;
  for (size_t j = 0; j < a->d; ++j) {
    if (a->row[j] < b->row[j]) return -1;
    if (a->row[j] > b->row[j]) return 1;
  }
  return 0; /* identical rows are interchangeable: any order gives the same result */
}

static double dist2(const double *x, const double *c, size_t d)
{
  double s = 0.0;
  for (size_t j = 0; j < d; ++j) {
    double t = x[j] - c[j];
    s += t * t;
  }
  return s;
}

/* nearest centroid (ties -> lowest index) and its squared distance */
static int nearest(const double *x, const double *centroids, size_t k, size_t d, double *best_d2)
{
  int best = 0;
  double bd = dist2(x, centroids, d);
  for (size_t c = 1; c < k; ++c) {
    double t = dist2(x, centroids + c * d, d);
    if (t < bd) {
      bd = t;
      best = (int)c;
    }
  }
  if (best_d2) *best_d2 = bd;
  return best;
}

/* One D^2-weighted draw: the first row whose cumulative weight exceeds
 * u * total (rounding may leave none: then the last row of positive weight). */
static size_t draw_d2(const double *D, size_t n, double total, kmeans_rng *rng)
{
  const double target = rng_uniform(rng) * total;
  size_t last_positive = n;
  double cum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (D[i] <= 0.0) continue;
    last_positive = i;
    cum += D[i];
    if (cum > target) return i;
  }
  return last_positive;
}

/* Greedy k-means++: c_0 uniform; then for each further centroid L = 2 +
 * floor(ln k) candidates are drawn with D^2 weights and the one giving the
 * smallest potential sum_i min(D_i, |x_i - cand|^2) is kept (first drawn on
 * ties).  The caller made sure there are at least k distinct rows, so the
 * weights never all vanish before k centroids are chosen.  D: n doubles
 * (on return the squared distance of each row to its nearest centroid). */
static void kmeanspp(const row_ref *rows, size_t n, size_t d, size_t k, kmeans_rng *rng, double *centroids,
                     double *D)
{
  size_t first = (size_t)(rng_uniform(rng) * (double)n);
  if (first >= n) first = n - 1;
  memcpy(centroids, rows[first].row, d * sizeof *centroids);
  for (size_t i = 0; i < n; ++i) D[i] = dist2(rows[i].row, centroids, d);
  const int trials = 2 + (int)log((double)k);
  for (size_t c = 1; c < k; ++c) {
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) total += D[i];
    size_t best = n;
    double best_pot = 0.0;
    for (int t = 0; t < trials; ++t) {
      size_t cand = draw_d2(D, n, total, rng);
      if (cand >= n) continue; /* cannot happen with >= k distinct rows */
      double pot = 0.0;
      for (size_t i = 0; i < n; ++i) {
        double v = dist2(rows[i].row, rows[cand].row, d);
        pot += v < D[i] ? v : D[i];
      }
      if (best == n || pot < best_pot) {
        best = cand;
        best_pot = pot;
      }
    }
    if (best == n) best = first; /* unreachable; keeps the centroids defined */
    double *cc = centroids + c * d;
    memcpy(cc, rows[best].row, d * sizeof *cc);
    for (size_t i = 0; i < n; ++i) {
      double v = dist2(rows[i].row, cc, d);
      if (v < D[i]) D[i] = v;
    }
  }
}

aceuq_status aceuq_kmeans(const double *X, size_t n, size_t d, size_t k, unsigned long long seed, int max_iters,
                          double *centroids, int *assign, size_t *sizes, aceuq_error *err)
{
  if (!X || !centroids)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "k-means: NULL data or centroid array");
  if (n == 0 || d == 0 || k == 0)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "k-means: %zu rows of dimension %zu into %zu clusters: all must be "
                           ">= 1", n, d, k);
  if (k > n || k > (size_t)INT32_MAX)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "k-means: %zu clusters requested from %zu rows", k, n);
  if (max_iters < 1)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "k-means: max_iters = %d; must be >= 1", max_iters);
  if (n > SIZE_MAX / d || d > SIZE_MAX / sizeof(double) / k)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "k-means: problem size %zu x %zu is too large", n, d);
  for (size_t i = 0; i < n * d; ++i)
    if (!isfinite(X[i]))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "k-means: entry (%zu, %zu) of the data is not finite (%g)",
                             i / d, i % d, X[i]);

  row_ref *rows = malloc(n * sizeof *rows);
  size_t *order = malloc(n * sizeof *order); /* order[i] = original index of canonical row i */
  int *lab = malloc(n * sizeof *lab);         /* labels in canonical order */
  double *D = malloc(n * sizeof *D);
  double *sum = malloc(k * d * sizeof *sum);
  size_t *count = malloc(k * sizeof *count);
  unsigned char *used = malloc(n);
  aceuq_status st = ACEUQ_OK;
  if (!rows || !order || !lab || !D || !sum || !count || !used) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "k-means: out of memory (%zu rows)", n);
    goto done;
  }
  for (size_t i = 0; i < n; ++i) rows[i] = (row_ref){X + i * d, d};
  qsort(rows, n, sizeof *rows, row_compare);
  for (size_t i = 0; i < n; ++i) order[i] = (size_t)(rows[i].row - X) / d;

  size_t distinct = 1;
  for (size_t i = 1; i < n; ++i) distinct += row_compare(&rows[i - 1], &rows[i]) != 0;
  if (k > distinct) {
    st = aceuq_error_set(err, ACEUQ_ERR_VALUE, "k-means: the data has only %zu distinct rows, fewer than the %zu "
                         "clusters requested", distinct, k);
    goto done;
  }

  kmeans_rng rng = {(uint64_t)seed};
  kmeanspp(rows, n, d, k, &rng, centroids, D);
  for (size_t i = 0; i < n; ++i) lab[i] = nearest(rows[i].row, centroids, k, d, &D[i]);

  for (int it = 0; it < max_iters; ++it) {
    /* update: means in canonical order */
    memset(sum, 0, k * d * sizeof *sum);
    memset(count, 0, k * sizeof *count);
    for (size_t i = 0; i < n; ++i) {
      double *s = sum + (size_t)lab[i] * d;
      for (size_t j = 0; j < d; ++j) s[j] += rows[i].row[j];
      ++count[lab[i]];
    }
    int reseeded = 0;
    for (size_t c = 0; c < k; ++c)
      if (count[c])
        for (size_t j = 0; j < d; ++j) centroids[c * d + j] = sum[c * d + j] / (double)count[c];
    for (size_t c = 0; c < k; ++c) {
      if (count[c]) continue;
      if (!reseeded) {
        memset(used, 0, n);
        for (size_t i = 0; i < n; ++i) D[i] = dist2(rows[i].row, centroids + (size_t)lab[i] * d, d);
      }
      size_t far = n;
      for (size_t i = 0; i < n; ++i)
        if (!used[i] && (far == n || D[i] > D[far])) far = i;
      if (far < n) { /* always, as k <= n */
        used[far] = 1;
        memcpy(centroids + c * d, rows[far].row, d * sizeof *centroids);
      }
      reseeded = 1;
    }
    /* assignment */
    int changed = 0;
    for (size_t i = 0; i < n; ++i) {
      int c = nearest(rows[i].row, centroids, k, d, NULL);
      if (c != lab[i]) {
        lab[i] = c;
        changed = 1;
      }
    }
    if (!changed && !reseeded) break;
  }

  if (sizes) memset(sizes, 0, k * sizeof *sizes);
  for (size_t i = 0; i < n; ++i) {
    if (assign) assign[order[i]] = lab[i];
    if (sizes) ++sizes[lab[i]];
  }

done:
  free(rows);
  free(order);
  free(lab);
  free(D);
  free(sum);
  free(count);
  free(used);
  return st;
}
