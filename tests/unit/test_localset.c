/* Unit tests: clustering-enhanced local D-optimality (.asil files).
 *
 *  - k-means: well-separated Gaussian blobs are recovered for many seeds;
 *    the result is deterministic for a seed and identical (bit for bit, same
 *    labels) for any order of the rows; the returned assignment is the
 *    brute-force nearest centroid with lowest-index ties; degenerate inputs
 *    (duplicates, k = n, k = 1) and bad arguments;
 *  - standardisation + PCA against a brute-force correlation matrix:
 *    eigen-equation, orthonormality, sign rule, zero-variance columns,
 *    numerical rank and d = min(10, rank);
 *  - aceuq_cluster_assign against a brute-force feature transform and
 *    nearest centroid, ties and NaN rows;
 *  - .asil writer -> reader round trips keep every bit; every malformed file
 *    gives an error that starts with the file name and names the member and
 *    the problem; writer argument checks; a fixed-seed fuzz (byte flips and
 *    truncations) never crashes and never loads an invalid set;
 *  - the local builder on synthetic groups of rank r < K: the groups become
 *    the clusters, every training row has gamma_local <= tol with its own
 *    cluster's inverse, the auto rule finds the groups, the merge rule
 *    dissolves a too small group, one group gives the global active set, and
 *    a built set written and loaded grades its training rows the same way.
 *
 * The potential is the 2-element test potential of ace_test_inputs.h
 * (Al: 1 density, K = 5; Ni: 2 densities, K = 2, K*P = 4). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "aceuq.h"
#include "ace_test_inputs.h"
#include "check.h"
#include "npz_internal.h"
#include "scratch_dir.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <zip.h>

static double gauss(void)
{
  double u = check_uniform(), v = check_uniform();
  return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

static double *alloc_doubles(size_t n)
{
  double *a = malloc((n ? n : 1) * sizeof *a);
  if (!a) {
    fprintf(stderr, "test setup: out of memory\n");
    exit(2);
  }
  return a;
}

/* brute-force nearest centroid, ties -> lowest index */
static int brute_nearest(const double *f, const double *centroids, size_t nc, size_t d)
{
  int best = 0;
  double bd = INFINITY;
  for (size_t c = 0; c < nc; ++c) {
    double s = 0.0;
    for (size_t j = 0; j < d; ++j) s += (f[j] - centroids[c * d + j]) * (f[j] - centroids[c * d + j]);
    if (s < bd) {
      bd = s;
      best = (int)c;
    }
  }
  return best;
}

/* the labels a and b (n each) describe the same partition */
static int same_partition(const int *a, const int *b, size_t n, size_t k)
{
  int map[64], back[64];
  for (size_t c = 0; c < 64; ++c) map[c] = back[c] = -1;
  for (size_t i = 0; i < n; ++i) {
    if (a[i] < 0 || b[i] < 0 || (size_t)a[i] >= k || (size_t)b[i] >= 64) return 0;
    if (map[a[i]] < 0 && back[b[i]] < 0) {
      map[a[i]] = b[i];
      back[b[i]] = a[i];
    }
    if (map[a[i]] != b[i] || back[b[i]] != a[i]) return 0;
  }
  return 1;
}

/* ---- 1. k-means --------------------------------------------------------------- */

static void test_kmeans_blobs(void)
{
  enum { NB = 4, PER = 50, N = NB * PER, D = 3 };
  static const double centre[NB][D] = {{0, 0, 0}, {20, 0, 0}, {0, 20, 0}, {0, 0, 20}};
  double *X = alloc_doubles(N * D), *Xp = alloc_doubles(N * D);
  int truth[N], assign[N], assign2[N], assignp[N];
  size_t perm[N], sizes[NB];
  check_rng_state = 12345;
  for (size_t i = 0; i < N; ++i) { /* interleaved blobs */
    truth[i] = (int)(i % NB);
    for (size_t j = 0; j < D; ++j) X[i * D + j] = centre[truth[i]][j] + 0.5 * gauss();
  }
  double c1[NB * D], c2[NB * D], cp[NB * D];
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_kmeans(X, N, D, NB, 42, 100, c1, assign, sizes, &err) == ACEUQ_OK);
  CHECK(same_partition(truth, assign, N, NB));
  for (size_t c = 0; c < NB; ++c) CHECK(sizes[c] == PER);
  /* each centroid is its blob's mean */
  for (int b = 0; b < NB; ++b) {
    int lab = assign[b];
    for (size_t j = 0; j < D; ++j) {
      double m = 0.0;
      for (size_t i = (size_t)b; i < N; i += NB) m += X[i * D + j];
      CHECK_CLOSE(c1[(size_t)lab * D + j], m / PER, 1e-12);
    }
  }
  /* deterministic */
  CHECK(aceuq_kmeans(X, N, D, NB, 42, 100, c2, assign2, NULL, &err) == ACEUQ_OK);
  CHECK(!memcmp(c1, c2, sizeof c1) && !memcmp(assign, assign2, sizeof assign));
  /* independent of the row order: same centroids and labels, bit for bit */
  for (size_t i = 0; i < N; ++i) perm[i] = i;
  for (size_t i = N - 1; i > 0; --i) {
    size_t j = (size_t)(check_uniform() * (double)(i + 1)), t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  for (size_t i = 0; i < N; ++i) memcpy(Xp + i * D, X + perm[i] * D, D * sizeof *X);
  CHECK(aceuq_kmeans(Xp, N, D, NB, 42, 100, cp, assignp, NULL, &err) == ACEUQ_OK);
  CHECK(!memcmp(c1, cp, sizeof c1));
  int moved_ok = 1;
  for (size_t i = 0; i < N; ++i) moved_ok &= assignp[i] == assign[perm[i]];
  CHECK(moved_ok);
  /* other seeds: the same partition (up to labels), every time */
  int recovered = 0;
  for (unsigned long long seed = 0; seed < 30; ++seed) {
    CHECK(aceuq_kmeans(X, N, D, NB, seed * 7919 + 1, 100, c2, assign2, NULL, &err) == ACEUQ_OK);
    recovered += same_partition(truth, assign2, N, NB);
  }
  CHECK(recovered == 30);
  /* k = 1: the mean */
  CHECK(aceuq_kmeans(X, N, D, 1, 3, 100, c2, assign2, sizes, &err) == ACEUQ_OK);
  CHECK(sizes[0] == N);
  for (size_t j = 0; j < D; ++j) {
    double m = 0.0;
    for (size_t i = 0; i < N; ++i) m += X[i * D + j];
    CHECK_CLOSE(c2[j], m / N, 1e-12);
  }
  free(X);
  free(Xp);
}

/* random small problems with many duplicates and exact ties: the returned
 * assignment is the brute-force nearest centroid, sizes match, k > distinct
 * rows is a clear error */
static void test_kmeans_stress(void)
{
  check_rng_state = 777;
  int bad = 0, errors = 0, runs = 0;
  for (int it = 0; it < 300; ++it) {
    size_t n = 5 + (size_t)(36 * check_uniform()), d = 1 + (size_t)(3 * check_uniform());
    size_t k = 1 + (size_t)(check_uniform() * (double)(n < 12 ? n : 12));
    double *X = alloc_doubles(n * d), C[12 * 4];
    int assign[64];
    size_t sizes[12];
    for (size_t i = 0; i < n * d; ++i) X[i] = floor(4 * check_uniform()); /* integer grid: duplicates, ties */
    /* distinct rows, brute force */
    size_t distinct = 0;
    for (size_t i = 0; i < n; ++i) {
      int dup = 0;
      for (size_t j = 0; j < i && !dup; ++j) dup = !memcmp(X + i * d, X + j * d, d * sizeof *X);
      distinct += !dup;
    }
    aceuq_error err;
    aceuq_error_clear(&err);
    aceuq_status st = aceuq_kmeans(X, n, d, k, (unsigned long long)it, 50, C, assign, sizes, &err);
    if (k > distinct) {
      errors += st == ACEUQ_ERR_VALUE && strstr(err.message, "distinct rows") != NULL;
      bad += st != ACEUQ_ERR_VALUE;
    } else {
      ++runs;
      size_t count[12] = {0};
      int ok = st == ACEUQ_OK;
      for (size_t i = 0; ok && i < n; ++i) {
        ok = assign[i] == brute_nearest(X + i * d, C, k, d);
        ++count[assign[i]];
      }
      for (size_t c = 0; ok && c < k; ++c) ok = count[c] == sizes[c];
      for (size_t j = 0; ok && j < k * d; ++j) ok = isfinite(C[j]);
      if (!ok && bad < 3) fprintf(stderr, "  stress %d: n %zu d %zu k %zu: %s\n", it, n, d, k, err.message);
      bad += !ok;
    }
    free(X);
  }
  CHECK(bad == 0);
  CHECK(runs > 100 && errors > 10);
}

static void test_kmeans_errors(void)
{
  double X[6] = {0, 1, 2, 3, 4, 5}, C[6];
  int assign[3];
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_kmeans(NULL, 3, 2, 1, 0, 10, C, assign, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_kmeans(X, 3, 2, 0, 0, 10, C, assign, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_kmeans(X, 3, 2, 4, 0, 10, C, assign, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "4 clusters requested from 3 rows");
  CHECK(aceuq_kmeans(X, 3, 2, 2, 0, 0, C, assign, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "max_iters");
  X[3] = NAN;
  CHECK(aceuq_kmeans(X, 3, 2, 2, 0, 10, C, assign, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "entry (1, 1) of the data is not finite");
  double same[6] = {1, 2, 1, 2, 1, 2};
  CHECK(aceuq_kmeans(same, 3, 2, 2, 0, 10, C, assign, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "only 1 distinct rows");
  /* k = n: every row its own cluster */
  double three[3] = {5, -1, 2};
  size_t sizes[3];
  CHECK(aceuq_kmeans(three, 3, 1, 3, 9, 10, C, assign, sizes, &err) == ACEUQ_OK);
  CHECK(sizes[0] == 1 && sizes[1] == 1 && sizes[2] == 1);
  CHECK(C[assign[0]] == 5 && C[assign[1]] == -1 && C[assign[2]] == 2);
}

/* ---- 2. standardisation + PCA ------------------------------------------------ */

static void test_pca(void)
{
  enum { N = 300, K = 8 };
  double *B = alloc_doubles(N * K);
  double A[5][3];
  check_rng_state = 4242;
  for (int k = 0; k < 5; ++k)
    for (int a = 0; a < 3; ++a) A[k][a] = gauss();
  for (size_t i = 0; i < N; ++i) {
    double z[3] = {3 * gauss(), gauss(), 0.3 * gauss()};
    for (int k = 0; k < 5; ++k) B[i * K + k] = 10.0 * k + A[k][0] * z[0] + A[k][1] * z[1] + A[k][2] * z[2];
    B[i * K + 5] = 7.25;                                     /* constant */
    B[i * K + 6] = 1e-3 * (1.0 + 1e-15 * (double)(i % 3)); /* constant up to round-off */
    B[i * K + 7] = 1e-3 * gauss();                          /* small but real variance */
  }
  double mean[K], scale[K], comp[K * 10], w[K];
  size_t d = 0, rank = 0;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_pca_fit(B, N, K, 0, 1e-6, mean, scale, comp, &d, &rank, &err) == ACEUQ_OK);
  CHECK(rank == 4 && d == 4);
  /* brute force mean, std, correlation */
  double m[K], s[K], R[K][K];
  for (size_t k = 0; k < K; ++k) {
    m[k] = 0.0;
    for (size_t i = 0; i < N; ++i) m[k] += B[i * K + k];
    m[k] /= N;
    s[k] = 0.0;
    for (size_t i = 0; i < N; ++i) s[k] += (B[i * K + k] - m[k]) * (B[i * K + k] - m[k]);
    s[k] = sqrt(s[k] / N);
    CHECK_CLOSE(mean[k], m[k], 1e-12 * (1 + fabs(m[k])));
  }
  for (size_t k = 0; k < K; ++k)
    if (k == 5 || k == 6) {
      CHECK(scale[k] == 1.0);
      for (size_t c = 0; c < d; ++c) CHECK(comp[k * d + c] == 0.0);
    } else {
      CHECK_CLOSE(scale[k] / s[k], 1.0, 1e-10);
    }
  for (size_t a = 0; a < K; ++a)
    for (size_t b = 0; b < K; ++b) {
      R[a][b] = 0.0;
      if (a == 5 || a == 6 || b == 5 || b == 6) continue;
      for (size_t i = 0; i < N; ++i) R[a][b] += (B[i * K + a] - m[a]) * (B[i * K + b] - m[b]);
      R[a][b] /= N * s[a] * s[b];
    }
  for (size_t c = 0; c < d; ++c) {
    /* orthonormal columns */
    for (size_t c2 = 0; c2 <= c; ++c2) {
      double dot = 0.0;
      for (size_t k = 0; k < K; ++k) dot += comp[k * d + c] * comp[k * d + c2];
      CHECK_CLOSE(dot, c == c2 ? 1.0 : 0.0, 1e-12);
    }
    /* R v = lambda v, lambda descending; the largest |entry| is positive */
    double Rv[K], lam = 0.0;
    for (size_t a = 0; a < K; ++a) {
      Rv[a] = 0.0;
      for (size_t b = 0; b < K; ++b) Rv[a] += R[a][b] * comp[b * d + c];
      lam += comp[a * d + c] * Rv[a];
    }
    w[c] = lam;
    for (size_t a = 0; a < K; ++a) CHECK_CLOSE(Rv[a], lam * comp[a * d + c], 1e-10);
    size_t at = 0;
    for (size_t a = 1; a < K; ++a)
      if (fabs(comp[a * d + c]) > fabs(comp[at * d + c])) at = a;
    CHECK(comp[at * d + c] > 0.0);
    if (c) CHECK(w[c] <= w[c - 1] + 1e-12);
  }
  CHECK(w[3] > 0.5); /* column 7: an eigenvalue 1 of its own */
  /* fewer components: the same leading vectors */
  double comp2[K * 2];
  size_t d2 = 0;
  CHECK(aceuq_pca_fit(B, N, K, 2, 1e-6, mean, scale, comp2, &d2, NULL, &err) == ACEUQ_OK);
  CHECK(d2 == 2);
  for (size_t k = 0; k < K; ++k)
    for (size_t c = 0; c < 2; ++c) CHECK(comp2[k * 2 + c] == comp[k * d + c]);
  /* one row: nothing varies -> d = 1, a zero component, scale 1 */
  CHECK(aceuq_pca_fit(B, 1, K, 0, 1e-6, mean, scale, comp, &d, &rank, &err) == ACEUQ_OK);
  CHECK(d == 1 && rank == 0);
  for (size_t k = 0; k < K; ++k) CHECK(scale[k] == 1.0 && comp[k] == 0.0 && mean[k] == B[k]);
  /* errors */
  CHECK(aceuq_pca_fit(B, N, K, 0, 1.0, mean, scale, comp, &d, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "rank_rtol");
  B[17] = INFINITY;
  CHECK(aceuq_pca_fit(B, N, K, 0, 1e-6, mean, scale, comp, &d, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "entry (2, 1) is not finite");
  CHECK(aceuq_pca_fit(B, 0, K, 0, 1e-6, mean, scale, comp, &d, NULL, &err) == ACEUQ_ERR_VALUE);
  free(B);
}

/* ---- 3. assignment ---------------------------------------------------------------- */

static void test_assign(void)
{
  enum { K = 7, D = 3, NC = 5, N = 500 };
  double mean[K], scale[K], comp[K * D], cen[NC * D], work[D];
  check_rng_state = 99;
  for (size_t k = 0; k < K; ++k) {
    mean[k] = gauss();
    scale[k] = 0.5 + 1.5 * check_uniform();
  }
  for (size_t i = 0; i < K * D; ++i) comp[i] = gauss();
  for (size_t i = 0; i < NC * D; ++i) cen[i] = 2 * gauss();
  aceuq_cluster_transform t = {K, D, NC, mean, scale, comp, cen};
  double *P = alloc_doubles(N * K), *F = alloc_doubles(N * D);
  for (size_t i = 0; i < N * K; ++i) P[i] = 1.5 * gauss();
  int cl[N];
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_cluster_assign(&t, P, N, cl, work, &err) == ACEUQ_OK);
  CHECK(aceuq_cluster_features(&t, P, N, F, &err) == ACEUQ_OK);
  int agree = 0, agree_bits = 0, used[NC] = {0};
  for (size_t i = 0; i < N; ++i) {
    double f[D];
    for (size_t j = 0; j < D; ++j) {
      f[j] = 0.0;
      for (size_t k = 0; k < K; ++k) f[j] += (P[i * K + k] - mean[k]) / scale[k] * comp[k * D + j];
      CHECK_CLOSE(F[i * D + j], f[j], 1e-12);
    }
    agree += cl[i] == brute_nearest(f, cen, NC, D);
    agree_bits += cl[i] == brute_nearest(F + i * D, cen, NC, D);
    ++used[cl[i]];
  }
  CHECK(agree == N && agree_bits == N);
  for (size_t c = 0; c < NC; ++c) CHECK(used[c] > 0);
  /* a duplicated centroid never wins over the first copy */
  memcpy(cen + 3 * D, cen + 1 * D, D * sizeof *cen);
  CHECK(aceuq_cluster_assign(&t, P, N, cl, work, &err) == ACEUQ_OK);
  int none3 = 1;
  for (size_t i = 0; i < N; ++i) none3 &= cl[i] != 3;
  CHECK(none3);
  /* exact ties -> lowest index; NaN -> 0 */
  double m1 = 0, s1 = 1, c1 = 1, cen1[3] = {-1, 1, 5}, rows[4] = {0, 3, 4.5, NAN}, w1;
  aceuq_cluster_transform t1 = {1, 1, 3, &m1, &s1, &c1, cen1};
  int cl1[4];
  CHECK(aceuq_cluster_assign(&t1, rows, 4, cl1, &w1, &err) == ACEUQ_OK);
  CHECK(cl1[0] == 0 && cl1[1] == 1 && cl1[2] == 2 && cl1[3] == 0);
  /* arguments */
  CHECK(aceuq_cluster_assign(NULL, P, N, cl, work, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_cluster_assign(&t, P, N, cl, NULL, &err) == ACEUQ_ERR_VALUE);
  t1.d = 0;
  CHECK(aceuq_cluster_assign(&t1, rows, 4, cl1, &w1, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "d = 0");
  CHECK(aceuq_cluster_assign(&t, NULL, 0, NULL, NULL, &err) == ACEUQ_OK);
  free(P);
  free(F);
}

/* ---- 4. files: members as a list ------------------------------------------------- */

typedef struct member {
  char key[64];
  double *data;
  size_t rows, cols;
} member;

typedef struct member_list {
  member m[40];
  size_t n;
} member_list;

static void ml_add(member_list *l, const char *key, const double *data, size_t rows, size_t cols)
{
  member *m = &l->m[l->n++];
  snprintf(m->key, sizeof m->key, "%s", key);
  m->rows = rows;
  m->cols = cols;
  m->data = alloc_doubles(rows * cols);
  if (rows * cols != 0) memcpy(m->data, data, rows * cols * sizeof *data);
}

static member *ml_get(member_list *l, const char *key)
{
  for (size_t i = 0; i < l->n; ++i)
    if (!strcmp(l->m[i].key, key)) return &l->m[i];
  fprintf(stderr, "test bug: no member %s\n", key);
  exit(2);
}

static void ml_drop(member_list *l, const char *key)
{
  member *m = ml_get(l, key);
  free(m->data);
  size_t i = (size_t)(m - l->m);
  memmove(l->m + i, l->m + i + 1, (l->n - i - 1) * sizeof *m);
  --l->n;
}

/* replace a member's array */
static void ml_set(member_list *l, const char *key, const double *data, size_t rows, size_t cols)
{
  member *m = ml_get(l, key);
  free(m->data);
  m->rows = rows;
  m->cols = cols;
  m->data = alloc_doubles(rows * cols);
  if (rows * cols != 0) memcpy(m->data, data, rows * cols * sizeof *data);
}

static void ml_free(member_list *l)
{
  for (size_t i = 0; i < l->n; ++i) free(l->m[i].data);
  l->n = 0;
}

static void ml_write(const member_list *l, const char *path)
{
  const char *keys[40];
  const double *data[40];
  size_t rows[40], cols[40];
  for (size_t i = 0; i < l->n; ++i) {
    keys[i] = l->m[i].key;
    data[i] = l->m[i].data;
    rows[i] = l->m[i].rows;
    cols[i] = l->m[i].cols;
  }
  aceuq_error err;
  aceuq_error_clear(&err);
  if (aceuq_npz_write_file(path, l->n, keys, data, rows, cols, &err) != ACEUQ_OK) {
    fprintf(stderr, "test setup: %s\n", err.message);
    exit(2);
  }
}

/* a valid set: Al (K = 5, d = 2, 3 clusters), Ni (K = 2 linear or 4
 * non-linear, d = 1, 2 clusters) */
static void valid_members(member_list *l, int kind)
{
  l->n = 0;
  double v = 1, kd = kind, buf[64];
  ml_add(l, "format_version", &v, 1, 1);
  ml_add(l, "kind", &kd, 1, 1);
  static const struct { const char *el; size_t K[3], d, nc; } spec[2] = {{"Al", {0, 5, 5}, 2, 3},
                                                                         {"Ni", {0, 2, 4}, 1, 2}};
  for (int e = 0; e < 2; ++e) {
    size_t K = spec[e].K[kind], d = spec[e].d, nc = spec[e].nc;
    char key[64];
    for (size_t i = 0; i < K; ++i) buf[i] = gauss();
    snprintf(key, sizeof key, "%s__mean", spec[e].el);
    ml_add(l, key, buf, 1, K);
    for (size_t i = 0; i < K; ++i) buf[i] = 0.5 + check_uniform();
    snprintf(key, sizeof key, "%s__scale", spec[e].el);
    ml_add(l, key, buf, 1, K);
    for (size_t i = 0; i < K * d; ++i) buf[i] = gauss();
    snprintf(key, sizeof key, "%s__components", spec[e].el);
    ml_add(l, key, buf, K, d);
    for (size_t i = 0; i < nc * d; ++i) buf[i] = gauss();
    snprintf(key, sizeof key, "%s__centroids", spec[e].el);
    ml_add(l, key, buf, nc, d);
    for (size_t c = 0; c < nc; ++c) {
      for (size_t i = 0; i < K * K; ++i) buf[i] = gauss();
      snprintf(key, sizeof key, "%s__asi_%zu", spec[e].el, c);
      ml_add(l, key, buf, K, K);
    }
  }
}

/* drop every member of element el */
static void drop_element(member_list *l, const char *el)
{
  size_t len = strlen(el);
  for (size_t i = 0; i < l->n;)
    if (!strncmp(l->m[i].key, el, len) && !strncmp(l->m[i].key + len, "__", 2)) ml_drop(l, l->m[i].key);
    else ++i;
}

/* the load must fail with code; the message starts with the file name and
 * contains both problem strings (either may be NULL) */
static void expect_load_error(const char *path, const aceuq_potential *pot, aceuq_status code, const char *problem,
                              const char *problem2)
{
  aceuq_localset *ls = (aceuq_localset *)1;
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_status st = aceuq_localset_load(path, pot, &ls, &err);
  CHECK(st == code);
  CHECK(err.code == st);
  CHECK(ls == NULL);
  CHECK(strncmp(err.message, path, strlen(path)) == 0);
  if (problem) CHECK_STR_CONTAINS(err.message, problem);
  if (problem2) CHECK_STR_CONTAINS(err.message, problem2);
  if (st != code) fprintf(stderr, "  (expected status %d, got %d: %s)\n", (int)code, (int)st, err.message);
  if (st == ACEUQ_OK) aceuq_localset_free(ls);
}

/* write the valid list modified by `edit`, expect the error */
#define MALFORMED(name, kind, edit, code, p1, p2)                                                                    \
  do {                                                                                                             \
    member_list l_;                                                                                                \
    valid_members(&l_, kind);                                                                                      \
    { member_list *l = &l_; (void)l; edit; }                                                                       \
    ml_write(&l_, tpath(name));                                                                                    \
    expect_load_error(tpath(name), pot, code, p1, p2);                                                             \
    ml_free(&l_);                                                                                                  \
  } while (0)

/* ---- 5. round trips ----------------------------------------------------------------- */

/* n values with -0.0, the smallest subnormal and the largest double in front */
static void fill_special(double *a, size_t n, int positive)
{
  for (size_t i = 0; i < n; ++i) {
    a[i] = (2 * check_uniform() - 1) * pow(10.0, floor(6 * check_uniform()) - 3);
    if (positive) a[i] = fabs(a[i]) + 1e-300;
  }
  if (n > 0) a[0] = positive ? 4.9406564584124654e-324 : -0.0;
  if (n > 1) a[1] = positive ? 1.7976931348623157e308 : 4.9406564584124654e-324;
  if (n > 2 && !positive) a[2] = 1.7976931348623157e308;
}

static void round_trip(const aceuq_potential *pot, aceuq_projection_kind kind, const char *name)
{
  const char *elements[2] = {"Ni", "Al"}; /* not the potential's order */
  size_t d[2] = {1, 3}, nc[2] = {2, 4};
  aceuq_localset_element data[2];
  double *arrays[2][5];
  for (int e = 0; e < 2; ++e) {
    size_t K = aceuq_potential_projection_size(pot, aceuq_potential_element_index(pot, elements[e]), kind);
    for (int a = 0; a < 5; ++a) {
      size_t n = a < 2 ? K : a == 2 ? K * d[e] : a == 3 ? nc[e] * d[e] : nc[e] * K * K;
      arrays[e][a] = alloc_doubles(n);
      fill_special(arrays[e][a], n, a == 1);
    }
    data[e].transform = (aceuq_cluster_transform){K, d[e], nc[e], arrays[e][0], arrays[e][1], arrays[e][2],
                                                  arrays[e][3]};
    data[e].Ainv = arrays[e][4];
  }
  const char *path = tpath(name);
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_localset_write(path, kind, 2, elements, data, &err) == ACEUQ_OK);
  /* uncompressed, format_version first */
  int zerr = 0;
  zip_t *za = zip_open(path, ZIP_RDONLY, &zerr);
  CHECK(za != NULL);
  if (za) {
    zip_stat_t st;
    CHECK(zip_get_num_entries(za, 0) == 2 + 2 * 4 + 2 + 4);
    CHECK(zip_stat_index(za, 0, 0, &st) == 0 && !strcmp(st.name, "format_version.npy"));
    int stored = 1;
    for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); ++i)
      stored &= zip_stat_index(za, (zip_uint64_t)i, 0, &st) == 0 && st.comp_method == ZIP_CM_STORE;
    CHECK(stored);
    zip_discard(za);
  }
  aceuq_localset *ls = NULL;
  CHECK(aceuq_localset_load(path, pot, &ls, &err) == ACEUQ_OK);
  if (!ls) {
    fprintf(stderr, "  round trip %s: %s\n", name, err.message);
  } else {
    CHECK(aceuq_localset_kind(ls) == kind);
    for (int e = 0; e < 2; ++e) {
      int mu = aceuq_potential_element_index(pot, elements[e]);
      const aceuq_cluster_transform *w = &data[e].transform;
      aceuq_cluster_transform t;
      CHECK(aceuq_localset_transform(ls, mu, &t, &err) == ACEUQ_OK);
      CHECK(aceuq_localset_size(ls, mu) == w->K && aceuq_localset_num_clusters(ls, mu) == w->nclusters);
      CHECK(t.K == w->K && t.d == w->d && t.nclusters == w->nclusters);
      CHECK(!memcmp(t.mean, w->mean, w->K * 8) && !memcmp(t.scale, w->scale, w->K * 8));
      CHECK(!memcmp(t.components, w->components, w->K * w->d * 8));
      CHECK(!memcmp(t.centroids, w->centroids, w->nclusters * w->d * 8));
      for (size_t c = 0; c < w->nclusters; ++c)
        CHECK(aceuq_localset_matrix(ls, mu, c) &&
              !memcmp(aceuq_localset_matrix(ls, mu, c), data[e].Ainv + c * w->K * w->K, w->K * w->K * 8));
      CHECK(aceuq_localset_matrix(ls, mu, w->nclusters) == NULL);
    }
    CHECK(aceuq_localset_size(ls, 2) == 0 && aceuq_localset_num_clusters(ls, -1) == 0);
    CHECK(aceuq_localset_matrix(ls, -1, 0) == NULL);
    aceuq_cluster_transform t;
    CHECK(aceuq_localset_transform(ls, 2, &t, &err) == ACEUQ_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "species index 2 out of range");
  }
  aceuq_localset_free(ls);
  for (int e = 0; e < 2; ++e)
    for (int a = 0; a < 5; ++a) free(arrays[e][a]);
}

static void test_round_trips(const aceuq_potential *pot)
{
  round_trip(pot, ACEUQ_PROJECTIONS_LINEAR, "lin.asil");
  round_trip(pot, ACEUQ_PROJECTIONS_NONLINEAR, "nonlin.asil");
  /* a 1-D mean/scale (as numpy writes np.zeros(K)) is accepted: a file written
   * with libzip, .npy headers patched from (1, K) to (K,) */
  member_list l;
  valid_members(&l, 1);
  const char *path = tpath("one_d.asil");
  int zerr = 0, ok = 1;
  zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  for (size_t i = 0; za && ok && i < l.n; ++i) {
    unsigned char *bytes;
    size_t size;
    aceuq_error err;
    ok = aceuq_npy_encode(l.m[i].data, l.m[i].rows, l.m[i].cols, l.m[i].key, &bytes, &size, &err) ==
         ACEUQ_OK;
    if (ok && (strstr(l.m[i].key, "__mean") || strstr(l.m[i].key, "__scale"))) {
      char from[32], to[32];
      snprintf(from, sizeof from, "(1, %zu), }", l.m[i].cols);
      snprintf(to, sizeof to, "(%zu,), }  ", l.m[i].cols);
      char *at = strstr((char *)bytes + 10, from);
      ok = at != NULL && strlen(from) == strlen(to);
      if (ok) memcpy(at, to, strlen(to));
    }
    char name[80];
    snprintf(name, sizeof name, "%s.npy", l.m[i].key);
    zip_source_t *src = ok ? zip_source_buffer(za, bytes, size, 1) : NULL;
    ok = src && zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8) >= 0;
  }
  ok = ok && za && zip_close(za) == 0;
  CHECK(ok);
  aceuq_localset *ls = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_localset_load(path, pot, &ls, &err) == ACEUQ_OK);
  if (ls) {
    aceuq_cluster_transform t;
    CHECK(aceuq_localset_transform(ls, 0, &t, &err) == ACEUQ_OK);
    CHECK(t.K == 5 && !memcmp(t.scale, ml_get(&l, "Al__scale")->data, 5 * 8));
  } else {
    fprintf(stderr, "  1-D members: %s\n", err.message);
  }
  aceuq_localset_free(ls);
  ml_free(&l);
}

/* ---- 6. malformed files ------------------------------------------------------------- */

static void test_malformed(const aceuq_potential *pot, const aceuq_potential *yace)
{
  double two = 2, three = 3, nan = NAN, pair[2] = {1, 1}, m25[10] = {0}, m33[9] = {0}, m44[16] = {0};
  double m42[8] = {0}, m23[6] = {0};
  /* version */
  MALFORMED("no_version.asil", 1, ml_drop(l, "format_version"), ACEUQ_ERR_FORMAT, "no member 'format_version.npy'",
            "not a local active set (.asil) file");
  MALFORMED("version2.asil", 1, ml_set(l, "format_version", &two, 1, 1), ACEUQ_ERR_FORMAT,
            "member 'format_version.npy': version 2 is not supported", "reads .asil format version 1 only");
  MALFORMED("version_nan.asil", 1, ml_set(l, "format_version", &nan, 1, 1), ACEUQ_ERR_FORMAT,
            "version nan is not supported", NULL);
  MALFORMED("version_shape.asil", 1, ml_set(l, "format_version", pair, 1, 2), ACEUQ_ERR_FORMAT,
            "member 'format_version.npy' has shape (1, 2)", "expected a single value");
  /* an .asi file */
  {
    member_list l = {.n = 0};
    ml_add(&l, "Al", m44, 1, 1);
    ml_add(&l, "Ni", m44, 1, 1);
    ml_write(&l, tpath("global.asil"));
    expect_load_error(tpath("global.asil"), pot, ACEUQ_ERR_FORMAT, "no member 'format_version.npy'",
                      "looks like a global .asi active set");
    ml_free(&l);
  }
  /* kind */
  MALFORMED("no_kind.asil", 1, ml_drop(l, "kind"), ACEUQ_ERR_FORMAT, "no member 'kind.npy'", NULL);
  MALFORMED("kind3.asil", 1, ml_set(l, "kind", &three, 1, 1), ACEUQ_ERR_FORMAT, "member 'kind.npy': value 3",
            "expected 1 (linear) or 2");
  /* elements */
  MALFORMED("unknown_element.asil", 1, ml_add(l, "Xx__mean", pair, 1, 2), ACEUQ_ERR_MISMATCH,
            "member 'Xx__mean.npy': 'Xx' is not an element of the potential", "(elements: Al Ni)");
  MALFORMED("missing_element.asil", 1, drop_element(l, "Ni"), ACEUQ_ERR_MISMATCH, "no member 'Ni__mean.npy'",
            "every element of the potential needs");
  MALFORMED("missing_centroids.asil", 1, ml_drop(l, "Al__centroids"), ACEUQ_ERR_MISMATCH,
            "no member 'Al__centroids.npy'", NULL);
  MALFORMED("missing_scale.asil", 2, ml_drop(l, "Ni__scale"), ACEUQ_ERR_MISMATCH, "no member 'Ni__scale.npy'",
            NULL);
  /* K of the kind */
  MALFORMED("kind2_linear_sizes.asil", 1, ml_set(l, "kind", &two, 1, 1), ACEUQ_ERR_MISMATCH,
            "member 'Ni__mean.npy' has 2 values, but element Ni has K = 4 non-linear projections",
            "another potential");
  MALFORMED("kind1_nonlinear_sizes.asil", 2, ml_set(l, "kind", (double[]){1}, 1, 1), ACEUQ_ERR_MISMATCH,
            "member 'Ni__mean.npy' has 4 values, but element Ni has K = 2 linear projections", NULL);
  MALFORMED("mean_shape.asil", 1, ml_set(l, "Al__mean", m25, 2, 5), ACEUQ_ERR_FORMAT,
            "member 'Al__mean.npy' has shape (2, 5)", "expected a row vector (1 x 5)");
  MALFORMED("scale_len.asil", 1, ml_set(l, "Al__scale", pair, 1, 2), ACEUQ_ERR_MISMATCH,
            "member 'Al__scale.npy' has 2 values, but element Al has K = 5", NULL);
  /* components, centroids */
  MALFORMED("components_rows.asil", 1, ml_set(l, "Al__components", m42, 4, 2), ACEUQ_ERR_MISMATCH,
            "member 'Al__components.npy' is 4 x 2", "expected K x d with K = 5 (element Al, linear projections)");
  MALFORMED("components_d.asil", 1, ml_set(l, "Ni__components", m23, 2, 3), ACEUQ_ERR_FORMAT,
            "member 'Ni__components.npy' is 2 x 3", "1 <= d <= K");
  MALFORMED("centroid_dim.asil", 1, ml_set(l, "Al__centroids", m33, 3, 3), ACEUQ_ERR_MISMATCH,
            "member 'Al__centroids.npy' is 3 x 3", "expected n_clusters x 2 (d = 2 from 'Al__components.npy'");
  MALFORMED("no_centroids.asil", 1, ml_set(l, "Al__centroids", m33, 0, 2), ACEUQ_ERR_MISMATCH,
            "member 'Al__centroids.npy' is 0 x 2", "at least one cluster");
  /* cluster inverses */
  MALFORMED("missing_inverse.asil", 1, ml_drop(l, "Al__asi_1"), ACEUQ_ERR_FORMAT, "no member 'Al__asi_1.npy'",
            "element Al has 3 clusters ('Al__centroids.npy' has 3 rows)");
  MALFORMED("extra_inverse.asil", 1, ml_add(l, "Al__asi_3", m44, 1, 1), ACEUQ_ERR_FORMAT,
            "member 'Al__asi_3.npy' is extra", "its inverses are Al__asi_0 .. Al__asi_2");
  MALFORMED("inverse_size.asil", 1, ml_set(l, "Al__asi_2", m44, 4, 4), ACEUQ_ERR_MISMATCH,
            "member 'Al__asi_2.npy' is 4 x 4; expected 5 x 5", NULL);
  /* unknown members */
  static const char *const unknown[] = {"junk", "Al__foo", "Al__asi_01", "Al__asi_x", "Al__asi_", "__mean",
                                        "Al__asi_-1", "Al__Mean"};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; ++i) {
    char msg[128];
    snprintf(msg, sizeof msg, "member '%s.npy' is not part of an .asil file", unknown[i]);
    MALFORMED("unknown_member.asil", 1, ml_add(l, unknown[i], pair, 1, 1), ACEUQ_ERR_FORMAT, msg,
              "per element El 'El__mean'");
  }
  /* values */
  MALFORMED("nan_components.asil", 1, ml_get(l, "Al__components")->data[2] = NAN, ACEUQ_ERR_VALUE,
            "member 'Al__components.npy': entry (1, 0) is not finite (nan)", NULL);
  MALFORMED("inf_centroid.asil", 1, ml_get(l, "Ni__centroids")->data[1] = -INFINITY, ACEUQ_ERR_VALUE,
            "member 'Ni__centroids.npy': entry (1, 0) is not finite (-inf)", NULL);
  MALFORMED("nan_inverse.asil", 2, ml_get(l, "Ni__asi_1")->data[15] = NAN, ACEUQ_ERR_VALUE,
            "member 'Ni__asi_1.npy': entry (3, 3) is not finite", NULL);
  MALFORMED("nan_mean.asil", 1, ml_get(l, "Al__mean")->data[4] = NAN, ACEUQ_ERR_VALUE,
            "member 'Al__mean.npy': entry (0, 4) is not finite", NULL);
  MALFORMED("zero_scale.asil", 1, ml_get(l, "Al__scale")->data[2] = 0.0, ACEUQ_ERR_VALUE,
            "member 'Al__scale.npy': entry 2 is 0; every scale must be > 0", NULL);
  MALFORMED("negative_scale.asil", 1, ml_get(l, "Ni__scale")->data[0] = -1.5, ACEUQ_ERR_VALUE,
            "member 'Ni__scale.npy': entry 0 is -1.5", NULL);
  MALFORMED("nan_scale.asil", 1, ml_get(l, "Ni__scale")->data[1] = NAN, ACEUQ_ERR_VALUE,
            "member 'Ni__scale.npy': entry (0, 1) is not finite", NULL);

  /* not an archive, empty, missing; a .yace potential; arguments */
  const char *path = tpath("text.asil");
  write_bytes(path, "format_version: 1\n", 18);
  expect_load_error(path, pot, ACEUQ_ERR_FORMAT, "cannot open as .npz (zip) archive", NULL);
  path = tpath("empty.asil");
  write_bytes(path, "", 0);
  expect_load_error(path, pot, ACEUQ_ERR_FORMAT, NULL, NULL);
  expect_load_error(tpath("no_such_file.asil"), pot, ACEUQ_ERR_IO, "No such file", NULL);
  {
    member_list l;
    valid_members(&l, 1);
    ml_write(&l, tpath("valid.asil"));
    ml_free(&l);
  }
  expect_load_error(tpath("valid.asil"), yace, ACEUQ_ERR_MISMATCH, "the potential has no B-basis", NULL);
  aceuq_localset *ls = (aceuq_localset *)1;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_localset_load(tpath("valid.asil"), pot, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_localset_load(NULL, pot, &ls, &err) == ACEUQ_ERR_VALUE && ls == NULL);
  CHECK(aceuq_localset_load(tpath("valid.asil"), NULL, &ls, &err) == ACEUQ_ERR_VALUE && ls == NULL);
  CHECK(aceuq_localset_load(tpath("valid.asil"), pot, &ls, &err) == ACEUQ_OK);
  aceuq_localset_free(ls);
  CHECK(aceuq_localset_kind(NULL) == ACEUQ_PROJECTIONS_NONE && aceuq_localset_size(NULL, 0) == 0);
  CHECK(aceuq_localset_matrix(NULL, 0, 0) == NULL && aceuq_localset_num_clusters(NULL, 0) == 0);
  aceuq_localset_free(NULL);
}

/* ---- 7. writer checks -------------------------------------------------------------- */

static void expect_write_error(const char *name, aceuq_projection_kind kind, int nel, const char *const *els,
                               const aceuq_localset_element *data, aceuq_status code, const char *problem)
{
  const char *path = tpath(name);
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_status st = aceuq_localset_write(path, kind, nel, els, data, &err);
  CHECK(st == code);
  CHECK(!strncmp(err.message, path, strlen(path)));
  CHECK_STR_CONTAINS(err.message, problem);
  CHECK(access(path, F_OK) != 0);
}

static void test_writer_errors(void)
{
  double mean[3] = {0, 1, 2}, scale[3] = {1, 1, 1}, comp[6] = {1, 0, 0, 1, 0, 0}, cen[4] = {0, 0, 1, 1};
  double ainv[18] = {0};
  aceuq_localset_element e = {{3, 2, 2, mean, scale, comp, cen}, ainv}, two[2] = {e, e};
  const char *al[1] = {"Al"}, *alal[2] = {"Al", "Al"}, *bad[1] = {"A__l"};
  expect_write_error("w_kind.asil", ACEUQ_PROJECTIONS_NONE, 1, al, &e, ACEUQ_ERR_VALUE, "kind 0");
  expect_write_error("w_dup.asil", ACEUQ_PROJECTIONS_LINEAR, 2, alal, two, ACEUQ_ERR_VALUE, "element Al given twice");
  expect_write_error("w_sym.asil", ACEUQ_PROJECTIONS_LINEAR, 1, bad, &e, ACEUQ_ERR_VALUE,
                     "invalid element symbol 'A__l'");
  scale[1] = 0.0;
  expect_write_error("w_scale.asil", ACEUQ_PROJECTIONS_LINEAR, 1, al, &e, ACEUQ_ERR_VALUE,
                     "element Al: scale entry 1 is 0");
  scale[1] = 1.0;
  ainv[9 + 4] = NAN;
  expect_write_error("w_nan.asil", ACEUQ_PROJECTIONS_LINEAR, 1, al, &e, ACEUQ_ERR_VALUE,
                     "element Al: inverse of cluster 1, entry 4 is not finite");
  ainv[9 + 4] = 0.0;
  e.transform.d = 4;
  expect_write_error("w_d.asil", ACEUQ_PROJECTIONS_LINEAR, 1, al, &e, ACEUQ_ERR_VALUE, "d = 4");
  e.transform.d = 2;
  e.transform.nclusters = 0;
  expect_write_error("w_nc.asil", ACEUQ_PROJECTIONS_LINEAR, 1, al, &e, ACEUQ_ERR_VALUE, "0 clusters");
  e.transform.nclusters = 2;
  e.Ainv = NULL;
  expect_write_error("w_null.asil", ACEUQ_PROJECTIONS_LINEAR, 1, al, &e, ACEUQ_ERR_VALUE, "NULL array");
  e.Ainv = ainv;
  aceuq_error err;
  aceuq_error_clear(&err);
  const char *nodir = "/nonexistent_aceuq_dir/x.asil";
  CHECK(aceuq_localset_write(nodir, ACEUQ_PROJECTIONS_LINEAR, 1, al, &e, &err) == ACEUQ_ERR_IO);
  CHECK(!strncmp(err.message, nodir, strlen(nodir)));
  CHECK(aceuq_localset_write(tpath("w_ok.asil"), ACEUQ_PROJECTIONS_LINEAR, 1, al, &e, &err) == ACEUQ_OK);
}

/* ---- 8. fuzz -------------------------------------------------------------------------- */

/* 1 loaded (and valid), 0 clean failure, -1 bad outcome */
static int robust_load(const char *path, const aceuq_potential *pot)
{
  aceuq_localset *ls = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_status st = aceuq_localset_load(path, pot, &ls, &err);
  if (st != ACEUQ_OK) {
    size_t pl = strlen(path);
    int ok = ls == NULL && err.code == st && !strncmp(err.message, path, pl) && strlen(err.message) > pl + 4;
    if (!ok) fprintf(stderr, "  bad failure (status %d): '%s'\n", (int)st, err.message);
    return ok ? 0 : -1;
  }
  aceuq_projection_kind kind = aceuq_localset_kind(ls);
  int ok = kind == ACEUQ_PROJECTIONS_LINEAR || kind == ACEUQ_PROJECTIONS_NONLINEAR;
  for (int mu = 0; ok && mu < aceuq_potential_num_elements(pot); ++mu) {
    aceuq_cluster_transform t;
    ok = aceuq_localset_transform(ls, mu, &t, &err) == ACEUQ_OK;
    ok = ok && t.K == aceuq_potential_projection_size(pot, mu, kind) && t.d >= 1 && t.d <= t.K && t.nclusters >= 1;
    for (size_t k = 0; ok && k < t.K; ++k) ok = isfinite(t.mean[k]) && t.scale[k] > 0 && isfinite(t.scale[k]);
    for (size_t i = 0; ok && i < t.K * t.d; ++i) ok = isfinite(t.components[i]);
    for (size_t i = 0; ok && i < t.nclusters * t.d; ++i) ok = isfinite(t.centroids[i]);
    for (size_t c = 0; ok && c < t.nclusters; ++c) {
      const double *a = aceuq_localset_matrix(ls, mu, c);
      ok = a != NULL;
      for (size_t i = 0; ok && i < t.K * t.K; ++i) ok = isfinite(a[i]);
    }
  }
  if (!ok) fprintf(stderr, "  a load succeeded with an invalid local set\n");
  aceuq_localset_free(ls);
  return ok ? 1 : -1;
}

static void test_fuzz(const aceuq_potential *pot)
{
  member_list l;
  check_rng_state = 2024;
  valid_members(&l, 2);
  ml_write(&l, tpath("fuzz_base.asil"));
  ml_free(&l);
  CHECK(robust_load(tpath("fuzz_base.asil"), pot) == 1);
  size_t size;
  unsigned char *base = read_bytes(tpath("fuzz_base.asil"), &size), *b = malloc(size);
  const char *path = tpath("fuzz.asil");
  int counts[3] = {0, 0, 0};
  check_rng_state = 0x5eed5eedULL;
  for (int it = 0; it < 200; ++it) {
    memcpy(b, base, size);
    size_t len = size;
    int mode = it % 3; /* 0: flip bytes, 1: truncate, 2: both */
    if (mode != 1) {
      int nflip = 1 + (int)(4 * check_uniform());
      for (int f = 0; f < nflip; ++f) {
        size_t pos = (size_t)(check_uniform() * (double)size);
        b[pos] ^= (unsigned char)(1 + (int)(255 * check_uniform()));
      }
    }
    if (mode != 0) len = (size_t)(check_uniform() * (double)size);
    write_bytes(path, b, len);
    int r = robust_load(path, pot);
    ++counts[r + 1];
    if (r < 0) fprintf(stderr, "  fuzz iteration %d (mode %d, %zu bytes)\n", it, mode, len);
  }
  CHECK(counts[0] == 0);
  CHECK(counts[1] > 100); /* most corruptions are detected (CRC, headers, values) */
  printf("fuzz: %d clean failures, %d loads of still-valid files\n", counts[1], counts[2]);
  free(base);
  free(b);
}

/* ---- 9. the local builder -------------------------------------------------------------- */

/* n rows of K values in ng groups (row i in group i % ng unless sizes are
 * given), group g spanned by r random directions around an offset; returns
 * the group of each row in group[] */
static double *grouped_rows(size_t K, size_t r, size_t ng, const size_t *sizes, size_t *n_out, int *group)
{
  size_t n = 0;
  for (size_t g = 0; g < ng; ++g) n += sizes[g];
  double *B = alloc_doubles(n * K), *U = alloc_doubles(ng * r * K), *off = alloc_doubles(ng * r);
  for (size_t i = 0; i < ng * r * K; ++i) U[i] = gauss();
  for (size_t i = 0; i < ng * r; ++i) off[i] = 3.0 + check_uniform();
  size_t left[16], row = 0;
  for (size_t g = 0; g < ng; ++g) left[g] = sizes[g];
  for (size_t g = 0; row < n; g = (g + 1) % ng) { /* interleave while rows are left */
    if (!left[g]) continue;
    --left[g];
    group[row] = (int)g;
    double z[16];
    for (size_t a = 0; a < r; ++a) z[a] = off[g * r + a] + 0.3 * gauss();
    for (size_t k = 0; k < K; ++k) {
      double v = 0.0;
      for (size_t a = 0; a < r; ++a) v += z[a] * U[(g * r + a) * K + k];
      B[row * K + k] = v;
    }
    ++row;
  }
  free(U);
  free(off);
  *n_out = n;
  return B;
}

/* every row graded with its own cluster's inverse: max gamma */
static double max_local_gamma(const aceuq_localset_result *res, const double *B, size_t n, size_t K)
{
  aceuq_grade_workspace *ws = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  if (aceuq_grade_workspace_create(K, &ws, &err) != ACEUQ_OK) return INFINITY;
  double worst = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double g = INFINITY;
    aceuq_dopt_grade_batch(ws, res->element.Ainv + (size_t)res->cluster[i] * K * K, K, B + i * K, 1, &g, NULL, &err);
    if (!(g <= worst)) worst = g;
  }
  aceuq_grade_workspace_free(ws);
  return worst;
}

static void check_runtime_assignment(const aceuq_localset_result *res, const double *B, size_t n)
{
  int *cl = malloc(n * sizeof *cl);
  double work[16];
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_cluster_assign(&res->element.transform, B, n, cl, work, &err) == ACEUQ_OK);
  CHECK(!memcmp(cl, res->cluster, n * sizeof *cl));
  free(cl);
}

static void test_builder(const aceuq_potential *pot)
{
  enum { K = 12, R = 3 };
  aceuq_activeset_build_options opt;
  aceuq_activeset_build_options_default(&opt);
  const double tol = opt.tol + 1e-9;
  aceuq_error err;
  aceuq_error_clear(&err);
  int group[400];
  size_t n, sizes3[3] = {80, 80, 80};
  check_rng_state = 31337;
  double *B = grouped_rows(K, R, 3, sizes3, &n, group);

  /* three groups, three clusters: the groups */
  aceuq_localset_result res, res2;
  CHECK(aceuq_localset_build(B, n, K, 3, &opt, 7, &res, &err) == ACEUQ_OK);
  if (err.code) fprintf(stderr, "  build: %s\n", err.message);
  const aceuq_cluster_transform *t = &res.element.transform;
  CHECK(res.global.rank == 3 * R);
  CHECK(t->K == K && t->d == 9 && t->nclusters == 3 && res.initial_clusters == 3 && res.dissolved == 0);
  CHECK(same_partition(group, res.cluster, n, 3));
  for (size_t c = 0; c < t->nclusters; ++c)
    CHECK(res.reports[c].rank == R && res.reports[c].environments == 80 && res.reports[c].max_gamma <= tol);
  CHECK(max_local_gamma(&res, B, n, K) <= tol);
  CHECK(res.silhouette > 0.5);
  check_runtime_assignment(&res, B, n);
  /* deterministic */
  CHECK(aceuq_localset_build(B, n, K, 3, &opt, 7, &res2, &err) == ACEUQ_OK);
  {
    const aceuq_cluster_transform *t2 = &res2.element.transform;
    CHECK(t2->d == t->d && t2->nclusters == t->nclusters);
    CHECK(!memcmp(t->mean, t2->mean, K * 8) && !memcmp(t->scale, t2->scale, K * 8));
    CHECK(!memcmp(t->components, t2->components, K * t->d * 8));
    CHECK(!memcmp(t->centroids, t2->centroids, t->nclusters * t->d * 8));
    CHECK(!memcmp(res.element.Ainv, res2.element.Ainv, t->nclusters * K * K * 8));
    CHECK(!memcmp(res.global_Ainv, res2.global_Ainv, K * K * 8));
    CHECK(!memcmp(res.cluster, res2.cluster, n * sizeof(int)));
  }
  aceuq_localset_result_release(&res2);
  CHECK(res.silhouette - res.silhouette_reference > 0.3);
  /* independent of the row order: the same element, bit for bit */
  {
    size_t perm[240];
    double *Bp = alloc_doubles(n * K);
    for (size_t i = 0; i < n; ++i) perm[i] = i;
    for (size_t i = n - 1; i > 0; --i) {
      size_t j = (size_t)(check_uniform() * (double)(i + 1)), tmp = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
    }
    for (size_t i = 0; i < n; ++i) memcpy(Bp + i * K, B + perm[i] * K, K * sizeof *B);
    CHECK(aceuq_localset_build(Bp, n, K, 3, &opt, 7, &res2, &err) == ACEUQ_OK);
    const aceuq_cluster_transform *t2 = &res2.element.transform;
    CHECK(t2->d == t->d && t2->nclusters == t->nclusters);
    CHECK(!memcmp(t->mean, t2->mean, K * 8) && !memcmp(t->scale, t2->scale, K * 8));
    CHECK(!memcmp(t->components, t2->components, K * t->d * 8));
    CHECK(!memcmp(t->centroids, t2->centroids, t->nclusters * t->d * 8));
    CHECK(!memcmp(res.element.Ainv, res2.element.Ainv, t->nclusters * K * K * 8));
    int moved = 1;
    for (size_t i = 0; i < n; ++i) moved &= res2.cluster[i] == res.cluster[perm[i]];
    CHECK(moved);
    aceuq_localset_result_release(&res2);
    free(Bp);
  }
  /* auto: the silhouette finds the three groups */
  CHECK(aceuq_localset_build(B, n, K, 0, &opt, 7, &res2, &err) == ACEUQ_OK);
  CHECK(res2.element.transform.nclusters == 3 && res2.initial_clusters == 3);
  CHECK(same_partition(group, res2.cluster, n, 3));
  CHECK(max_local_gamma(&res2, B, n, K) <= tol);
  aceuq_localset_result_release(&res2);
  /* more clusters than groups: still every row <= tol with its own cluster */
  CHECK(aceuq_localset_build(B, n, K, 6, &opt, 11, &res2, &err) == ACEUQ_OK);
  CHECK(res2.initial_clusters == 6 && res2.element.transform.nclusters + res2.dissolved == 6);
  for (size_t c = 0; c < res2.element.transform.nclusters; ++c) CHECK(res2.reports[c].environments >= 2 * 3 * R);
  CHECK(max_local_gamma(&res2, B, n, K) <= tol);
  check_runtime_assignment(&res2, B, n);
  aceuq_localset_result_release(&res2);
  aceuq_localset_result_release(&res);
  free(B);

  /* merge rule: a group of 10 rows (< 2 x global rank 9) is dissolved */
  size_t sizes_small[3] = {80, 80, 10};
  B = grouped_rows(K, R, 3, sizes_small, &n, group);
  CHECK(aceuq_localset_build(B, n, K, 3, &opt, 5, &res, &err) == ACEUQ_OK);
  CHECK(res.initial_clusters == 3 && res.dissolved == 1 && res.element.transform.nclusters == 2);
  CHECK(res.global.rank == 3 * R);
  size_t total = 0;
  for (size_t c = 0; c < res.element.transform.nclusters; ++c) total += res.reports[c].environments;
  CHECK(total == n);
  CHECK(max_local_gamma(&res, B, n, K) <= tol);
  check_runtime_assignment(&res, B, n);
  aceuq_localset_result_release(&res);
  free(B);

  /* one homogeneous cloud of rank 10 (features: 10-D Gaussian, silhouette
   * ~0.15 for every k): auto gives one cluster = the global active set */
  size_t sizes1[1] = {400};
  B = grouped_rows(K, 10, 1, sizes1, &n, group);
  CHECK(aceuq_localset_build(B, n, K, 0, NULL, 1, &res, &err) == ACEUQ_OK);
  CHECK(res.element.transform.nclusters == 1 && res.initial_clusters == 1 && res.silhouette == 0.0);
  CHECK(!memcmp(res.element.Ainv, res.global_Ainv, K * K * sizeof(double)));
  CHECK(res.reports[0].rank == 10 && max_local_gamma(&res, B, n, K) <= tol);
  aceuq_localset_result_release(&res);
  free(B);

  /* errors */
  CHECK(aceuq_localset_build(NULL, 10, K, 0, NULL, 1, &res, &err) == ACEUQ_ERR_VALUE);
  aceuq_localset_result_release(&res);
  double nanrows[2 * K] = {0};
  nanrows[5] = NAN;
  CHECK(aceuq_localset_build(nanrows, 2, K, 0, NULL, 1, &res, &err) != ACEUQ_OK);
  CHECK_STR_CONTAINS(err.message, "local active set");
  aceuq_localset_result_release(&res);

  /* the pipeline: build Al (2 groups, rank 2) and Ni, write, load, grade */
  const int mal = aceuq_potential_element_index(pot, "Al"), mni = aceuq_potential_element_index(pot, "Ni");
  const size_t kal = aceuq_potential_projection_size(pot, mal, ACEUQ_PROJECTIONS_LINEAR);
  const size_t kni = aceuq_potential_projection_size(pot, mni, ACEUQ_PROJECTIONS_LINEAR);
  size_t nal, nni, s2[2] = {40, 40}, s1[1] = {30};
  double *Bal = grouped_rows(kal, 2, 2, s2, &nal, group);
  double *Bni = grouped_rows(kni, 2, 1, s1, &nni, group);
  aceuq_localset_result rs[2];
  CHECK(aceuq_localset_build(Bal, nal, kal, 0, &opt, 3, &rs[0], &err) == ACEUQ_OK);
  CHECK(aceuq_localset_build(Bni, nni, kni, 0, &opt, 3, &rs[1], &err) == ACEUQ_OK);
  CHECK(rs[0].element.transform.nclusters == 2 && rs[1].element.transform.nclusters == 1);
  const char *els[2] = {"Al", "Ni"};
  aceuq_localset_element data[2] = {rs[0].element, rs[1].element};
  if (mal != 0) { /* elements in the potential's order is not required; keep it simple */
    els[0] = "Ni";
    els[1] = "Al";
    data[0] = rs[1].element;
    data[1] = rs[0].element;
  }
  const char *path = tpath("built.asil");
  CHECK(aceuq_localset_write(path, ACEUQ_PROJECTIONS_LINEAR, 2, els, data, &err) == ACEUQ_OK);
  aceuq_localset *ls = NULL;
  CHECK(aceuq_localset_load(path, pot, &ls, &err) == ACEUQ_OK);
  if (ls) {
    aceuq_cluster_transform tl;
    CHECK(aceuq_localset_transform(ls, mal, &tl, &err) == ACEUQ_OK);
    int *cl = malloc(nal * sizeof *cl);
    double work[16];
    CHECK(aceuq_cluster_assign(&tl, Bal, nal, cl, work, &err) == ACEUQ_OK);
    CHECK(!memcmp(cl, rs[0].cluster, nal * sizeof *cl));
    aceuq_grade_workspace *ws = NULL;
    CHECK(aceuq_grade_workspace_create(kal, &ws, &err) == ACEUQ_OK);
    double worst = 0.0;
    for (size_t i = 0; i < nal; ++i) {
      double g = INFINITY;
      aceuq_dopt_grade_batch(ws, aceuq_localset_matrix(ls, mal, (size_t)cl[i]), kal, Bal + i * kal, 1, &g, NULL,
                             &err);
      if (!(g <= worst)) worst = g;
    }
    CHECK(worst <= tol);
    aceuq_grade_workspace_free(ws);
    free(cl);
  } else {
    fprintf(stderr, "  built.asil: %s\n", err.message);
  }
  aceuq_localset_free(ls);
  aceuq_localset_result_release(&rs[0]);
  aceuq_localset_result_release(&rs[1]);
  free(Bal);
  free(Bni);
}

int main(void)
{
  scratch_create("localset");
  aceuq_potential *pot = load_potential("pot.yaml", ace_test_yaml);
  aceuq_potential *yace = load_potential("pot.yace", ace_test_yace);
  test_kmeans_blobs();
  test_kmeans_stress();
  test_kmeans_errors();
  test_pca();
  test_assign();
  test_round_trips(pot);
  test_malformed(pot, yace);
  test_writer_errors();
  test_fuzz(pot);
  test_builder(pot);
  aceuq_potential_free(pot);
  aceuq_potential_free(yace);
  scratch_remove();
  return check_summary("test_localset");
}
