/* Unit tests: neighbour lists against a brute-force search over all lattice
 * images, on random triclinic cells (including cells thinner than the
 * cutoff), partial periodicity and open clusters. */
#include "aceuq.h"
#include "check.h"

#include <stdlib.h>

typedef struct pair {
  size_t i, j;
  double d[3];
} pair;

static int pair_cmp(const void *pa, const void *pb)
{
  const pair *a = pa, *b = pb;
  if (a->i != b->i) return a->i < b->i ? -1 : 1;
  if (a->j != b->j) return a->j < b->j ? -1 : 1;
  for (int c = 0; c < 3; ++c) /* displacements compared after rounding (1e-9 A) */
    if (fabs(a->d[c] - b->d[c]) > 1e-9) return a->d[c] < b->d[c] ? -1 : 1;
  return 0;
}

/* all (i, j, T) with |x_j + T.C - x_i| < rc by looping over |T_a| <= M_a */
static size_t brute_force(size_t n, const double *x, const double *C, const int *pbc, double rc, pair **out)
{
  static const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  if (!C) C = identity;
  double vol = fabs(C[0] * (C[4] * C[8] - C[5] * C[7]) - C[1] * (C[3] * C[8] - C[5] * C[6]) +
                    C[2] * (C[3] * C[7] - C[4] * C[6]));
  int M[3];
  for (int a = 0; a < 3; ++a) {
    const double *u = C + 3 * ((a + 1) % 3), *v = C + 3 * ((a + 2) % 3);
    double cx = u[1] * v[2] - u[2] * v[1], cy = u[2] * v[0] - u[0] * v[2], cz = u[0] * v[1] - u[1] * v[0];
    double h = vol / sqrt(cx * cx + cy * cy + cz * cz);
    /* positions may lie outside the cell: add the spread of the fractional coordinates */
    M[a] = pbc && pbc[a] ? (int)ceil(rc / h) + 3 : 0;
  }
  size_t cnt = 0, cap = 1024;
  pair *p = malloc(cap * sizeof *p);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      for (int t0 = -M[0]; t0 <= M[0]; ++t0)
        for (int t1 = -M[1]; t1 <= M[1]; ++t1)
          for (int t2 = -M[2]; t2 <= M[2]; ++t2) {
            if (i == j && !t0 && !t1 && !t2) continue;
            double d[3], r2 = 0;
            for (int c = 0; c < 3; ++c) {
              d[c] = x[3 * j + c] - x[3 * i + c] + t0 * C[c] + t1 * C[3 + c] + t2 * C[6 + c];
              r2 += d[c] * d[c];
            }
            if (r2 >= rc * rc) continue;
            if (cnt == cap) p = realloc(p, (cap *= 2) * sizeof *p);
            p[cnt].i = i;
            p[cnt].j = j;
            memcpy(p[cnt].d, d, sizeof d);
            ++cnt;
          }
  *out = p;
  return cnt;
}

static void compare(size_t n, const double *x, const double *C, const int *pbc, double rc, const char *what)
{
  aceuq_neighbor_list *list;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_neighbor_list_build(n, x, C, pbc, rc, &list, &err) == ACEUQ_OK);
  if (err.code) fprintf(stderr, "%s: %s\n", what, err.message);
  pair *ref;
  size_t nref = brute_force(n, x, C, pbc, rc, &ref);
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += aceuq_neighbor_list_get(list, i, NULL, NULL, NULL);
  pair *got = malloc((total + 1) * sizeof *got);
  size_t k = 0;
  int dist_ok = 1;
  for (size_t i = 0; i < n; ++i) {
    const size_t *idx;
    const double *d, *r;
    size_t m = aceuq_neighbor_list_get(list, i, &idx, &d, &r);
    for (size_t p = 0; p < m; ++p, ++k) {
      got[k].i = i;
      got[k].j = idx[p];
      memcpy(got[k].d, d + 3 * p, 3 * sizeof(double));
      dist_ok &= fabs(r[p] - sqrt(d[3 * p] * d[3 * p] + d[3 * p + 1] * d[3 * p + 1] + d[3 * p + 2] * d[3 * p + 2])) <
                 1e-12;
    }
  }
  CHECK(dist_ok);
  qsort(ref, nref, sizeof *ref, pair_cmp);
  qsort(got, total, sizeof *got, pair_cmp);
  int same = nref == total;
  for (size_t p = 0; same && p < nref; ++p) same = pair_cmp(&ref[p], &got[p]) == 0;
  CHECK(same);
  if (!same) fprintf(stderr, "%s: %zu pairs, brute force %zu\n", what, total, nref);
  free(ref);
  free(got);
  aceuq_neighbor_list_free(list);
}

int main(void)
{
  for (int trial = 0; trial < 60; ++trial) {
    /* random lower-triangular-ish triclinic cell; every 3rd trial thinner than the cutoff */
    double scale = trial % 3 == 0 ? 1.5 + 2.0 * check_uniform() : 4.0 + 8.0 * check_uniform();
    double C[9] = {scale * (0.8 + 0.4 * check_uniform()), 0, 0,
                   scale * (check_uniform() - 0.5), scale * (0.8 + 0.4 * check_uniform()), 0,
                   scale * (check_uniform() - 0.5), scale * (check_uniform() - 0.5), scale * (0.8 + 0.4 * check_uniform())};
    if (trial % 4 == 1) { /* a general rotation-free but fully dense matrix */
      C[1] = scale * 0.3 * (check_uniform() - 0.5);
      C[2] = scale * 0.3 * (check_uniform() - 0.5);
      C[5] = scale * 0.3 * (check_uniform() - 0.5);
    }
    size_t n = 1 + (size_t)(check_uniform() * (trial % 3 == 0 ? 4 : 40));
    double *x = malloc(sizeof *x * 3 * n);
    for (size_t i = 0; i < n; ++i) { /* fractional in [-0.5, 1.5): atoms outside the cell too */
      double s[3] = {2 * check_uniform() - 0.5, 2 * check_uniform() - 0.5, 2 * check_uniform() - 0.5};
      for (int c = 0; c < 3; ++c) x[3 * i + c] = s[0] * C[c] + s[1] * C[3 + c] + s[2] * C[6 + c];
    }
    double rc = 2.0 + 4.0 * check_uniform();
    int pbc[3] = {1, 1, 1};
    char what[64];
    snprintf(what, sizeof what, "trial %d (periodic)", trial);
    compare(n, x, C, pbc, rc, what);
    int partial[3] = {trial % 2, 1, (trial / 2) % 2};
    snprintf(what, sizeof what, "trial %d (pbc %d %d %d)", trial, partial[0], partial[1], partial[2]);
    compare(n, x, C, partial, rc, what);
    snprintf(what, sizeof what, "trial %d (cluster)", trial);
    compare(n, x, NULL, NULL, rc, what);
    free(x);
  }
  /* one-atom fcc primitive cell: 12 nearest images at a/sqrt(2), 42 within 5 A */
  double a = 3.615, C[9] = {0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0}, x0[3] = {0, 0, 0};
  int pbc[3] = {1, 1, 1};
  aceuq_neighbor_list *list;
  aceuq_error err;
  CHECK(aceuq_neighbor_list_build(1, x0, C, pbc, 5.0, &list, &err) == ACEUQ_OK);
  const double *r;
  size_t m = aceuq_neighbor_list_get(list, 0, NULL, NULL, &r);
  size_t nn = 0;
  for (size_t p = 0; p < m; ++p) nn += fabs(r[p] - a / sqrt(2.0)) < 1e-9;
  CHECK(m == 42 && nn == 12);
  aceuq_neighbor_list_free(list);
  /* a larger system exercises many bins */
  size_t n = 700;
  double big[9] = {20, 0, 0, 3, 19, 0, -2, 4, 18};
  double *x = malloc(sizeof *x * 3 * n);
  for (size_t i = 0; i < 3 * n; ++i) x[i] = 19 * check_uniform();
  compare(n, x, big, pbc, 4.5, "700 atoms");
  free(x);
  /* errors */
  CHECK(aceuq_neighbor_list_build(1, x0, C, pbc, 0.0, &list, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "cutoff must be positive");
  double flat[9] = {1, 0, 0, 2, 0, 0, 0, 0, 1};
  CHECK(aceuq_neighbor_list_build(1, x0, flat, pbc, 1.0, &list, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "singular");
  double bad[3] = {0, NAN, 0};
  CHECK(aceuq_neighbor_list_build(1, bad, NULL, NULL, 1.0, &list, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "atom 0 is not finite");
  return check_summary("test_neighbors");
}
