/* Unit tests: QUESTS descriptor against an independent implementation of
 * the full k x k definition (brute-force neighbours over images, full rows
 * sorted), analytic dimer values, invariance under atom permutation, list
 * order and rigid translation, and argument errors. */
#include "aceuq.h"
#include "check.h"

#include <stdlib.h>

typedef struct nb {
  double r2, d[3];
} nb;

static int nb_cmp(const void *pa, const void *pb)
{
  const nb *a = pa, *b = pb;
  if (a->r2 != b->r2) return a->r2 < b->r2 ? -1 : 1;
  for (int c = 0; c < 3; ++c)
    if (a->d[c] != b->d[c]) return a->d[c] < b->d[c] ? -1 : 1;
  return 0;
}

static int dbl_cmp(const void *pa, const void *pb)
{
  double a = *(const double *)pa, b = *(const double *)pb;
  return (a > b) - (a < b);
}

/* descriptor of atom i straight from the definition: k nearest of ALL images
 * (also beyond the cutoff), full k x k Q with zero rows, rows sorted */
static void reference_descriptor(size_t n, const double *x, const double *C, int M, size_t i, int k, double rc,
                                 double *out)
{
  size_t cnt = 0;
  nb *all = malloc(sizeof *all * n * (size_t)((2 * M + 1) * (2 * M + 1) * (2 * M + 1)));
  for (size_t j = 0; j < n; ++j)
    for (int t0 = -M; t0 <= M; ++t0)
      for (int t1 = -M; t1 <= M; ++t1)
        for (int t2 = -M; t2 <= M; ++t2) {
          if (j == i && !t0 && !t1 && !t2) continue;
          nb *e = &all[cnt++];
          e->r2 = 0;
          for (int c = 0; c < 3; ++c) {
            e->d[c] = x[3 * j + c] - x[3 * i + c] + (C ? t0 * C[c] + t1 * C[3 + c] + t2 * C[6 + c] : 0.0);
            e->r2 += e->d[c] * e->d[c];
          }
        }
  qsort(all, cnt, sizeof *all, nb_cmp);
  double *w = calloc((size_t)k, sizeof *w), *Q = calloc((size_t)(k * k), sizeof *Q);
  for (int a = 0; a < k; ++a) {
    double r = (size_t)a < cnt ? sqrt(all[a].r2) : rc, t = r < rc ? 1 - (r / rc) * (r / rc) : 0;
    w[a] = t * t;
    out[a] = w[a] / (r + 1e-16); /* 0 for absent neighbours */
  }
  for (int a = 0; a < k && (size_t)a < cnt; ++a)
    for (int b = 0; b < k && (size_t)b < cnt; ++b) {
      if (a == b) continue;
      double dd = 0;
      for (int c = 0; c < 3; ++c) dd += (all[a].d[c] - all[b].d[c]) * (all[a].d[c] - all[b].d[c]);
      Q[a * k + b] = sqrt(w[a] * w[b]) / (sqrt(dd) + 1e-15);
    }
  for (int a = 0; a < k; ++a) qsort(Q + a * k, (size_t)k, sizeof *Q, dbl_cmp);
  for (int l = 1; l < k; ++l) {
    double s = 0;
    for (int a = 0; a < k; ++a) s += Q[a * k + l];
    out[k + (k - 1 - l)] = s / k;
  }
  free(all);
  free(w);
  free(Q);
}

int main(void)
{
  check_rng_state = 0x9E3779B97F4A7C15ULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  const int k = 12;
  const double rc = 4.0;
  const size_t len = aceuq_quests_descriptor_length(k);
  CHECK(len == 23);

  /* random periodic structure (about 16 neighbours within rc: k = 12 has atoms
   * with more and with fewer) and a cluster; the other k: a pair of rows (k = 2),
   * partly filled lane blocks (5), more than one block and 64 sorted entries (33) */
  const size_t n = 40;
  double C[9] = {9.0, 0, 0, 1.5, 8.5, 0, -1.0, 0.7, 8.8};
  double *x = malloc(sizeof *x * 3 * n), *y = malloc(sizeof *y * 3 * n);
  for (size_t i = 0; i < n; ++i) {
    double s[3] = {check_uniform(), check_uniform(), check_uniform()};
    for (int c = 0; c < 3; ++c) x[3 * i + c] = s[0] * C[c] + s[1] * C[3 + c] + s[2] * C[6 + c];
  }
  int pbc[3] = {1, 1, 1};
  double *desc = malloc(sizeof *desc * n * len), *ref = malloc(sizeof *ref * len);
  static const int other_k[3] = {2, 5, 33};
  for (int t = 0; t < 3; ++t) {
    const int kt = other_k[t];
    const size_t lt = aceuq_quests_descriptor_length(kt);
    double *dt = malloc(sizeof *dt * n * lt), *rt = malloc(sizeof *rt * lt), worst = 0;
    CHECK(aceuq_quests_structure_descriptors(n, x, C, pbc, kt, rc, dt, &err) == ACEUQ_OK);
    for (size_t i = 0; i < n; ++i) {
      reference_descriptor(n, x, C, 2, i, kt, rc, rt);
      for (size_t c = 0; c < lt; ++c) worst = fmax(worst, fabs(dt[i * lt + c] - rt[c]));
    }
    CHECK_CLOSE(worst, 0.0, 1e-13);
    free(dt);
    free(rt);
  }
  for (int periodic = 0; periodic < 2; ++periodic) {
    CHECK(aceuq_quests_structure_descriptors(n, x, periodic ? C : NULL, periodic ? pbc : NULL, k, rc, desc, &err) ==
          ACEUQ_OK);
    double worst = 0;
    for (size_t i = 0; i < n; ++i) {
      reference_descriptor(n, x, periodic ? C : NULL, periodic ? 2 : 0, i, k, rc, ref);
      for (size_t c = 0; c < len; ++c) worst = fmax(worst, fabs(desc[i * len + c] - ref[c]));
    }
    CHECK_CLOSE(worst, 0.0, 1e-13);

    /* permutation of atoms: rows permute, bit for bit */
    size_t *perm = malloc(sizeof *perm * n);
    for (size_t i = 0; i < n; ++i) perm[i] = i;
    for (size_t i = n - 1; i > 0; --i) {
      size_t j = (size_t)(check_uniform() * (double)(i + 1)), t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    for (size_t i = 0; i < n; ++i) memcpy(y + 3 * i, x + 3 * perm[i], 3 * sizeof *y);
    double *d2 = malloc(sizeof *d2 * n * len);
    CHECK(aceuq_quests_structure_descriptors(n, y, periodic ? C : NULL, periodic ? pbc : NULL, k, rc, d2, &err) ==
          ACEUQ_OK);
    int same = 1;
    for (size_t i = 0; i < n; ++i) same &= memcmp(d2 + i * len, desc + perm[i] * len, len * sizeof *d2) == 0;
    CHECK(same);
    /* rigid translation (for the periodic case also beyond the cell) */
    double shift[3] = {3.3 + 10 * check_uniform(), -7.1, 0.25};
    for (size_t i = 0; i < 3 * n; ++i) y[i] = x[i] + shift[i % 3];
    CHECK(aceuq_quests_structure_descriptors(n, y, periodic ? C : NULL, periodic ? pbc : NULL, k, rc, d2, &err) ==
          ACEUQ_OK);
    worst = 0;
    for (size_t i = 0; i < n * len; ++i) worst = fmax(worst, fabs(d2[i] - desc[i]));
    CHECK_CLOSE(worst, 0.0, 1e-12);
    free(perm);
    free(d2);
  }

  /* single atom: order of the neighbour list and extra far neighbours do not matter */
  aceuq_quests_workspace *ws;
  CHECK(aceuq_quests_workspace_create(k, rc, &ws, &err) == ACEUQ_OK);
  const size_t m = 30;
  double disp[3 * (m + 5)], out1[23], out2[23];
  for (size_t p = 0; p < m; ++p)
    for (int c = 0; c < 3; ++c) disp[3 * p + c] = 6 * check_uniform() - 3;
  disp[3] = -disp[0], disp[4] = -disp[1], disp[5] = -disp[2]; /* an exact distance tie */
  CHECK(aceuq_quests_descriptor(ws, m, disp, out1, &err) == ACEUQ_OK);
  for (size_t p = m - 1; p > 0; --p) { /* shuffle */
    size_t q = (size_t)(check_uniform() * (double)(p + 1));
    for (int c = 0; c < 3; ++c) {
      double t = disp[3 * p + c];
      disp[3 * p + c] = disp[3 * q + c];
      disp[3 * q + c] = t;
    }
  }
  for (size_t p = m; p < m + 5; ++p) { /* beyond the cutoff */
    disp[3 * p] = rc + p * 0.01;
    disp[3 * p + 1] = disp[3 * p + 2] = 0.0;
  }
  disp[3 * m] = rc; /* exactly at rc: weight 0 */
  CHECK(aceuq_quests_descriptor(ws, m + 5, disp, out2, &err) == ACEUQ_OK);
  CHECK(memcmp(out1, out2, sizeof out1) == 0);

  /* dimer: x1 = (w/r, 0, ...), x2 = (2 Q / k, 0, ...) with Q = w / (2r + 1e-15) */
  double pair[6] = {1.1, 0.4, -0.2, -1.1, -0.4, 0.2};
  CHECK(aceuq_quests_descriptor(ws, 2, pair, out1, &err) == ACEUQ_OK);
  double r = sqrt(1.1 * 1.1 + 0.4 * 0.4 + 0.2 * 0.2), w = pow(1 - r * r / (rc * rc), 2);
  CHECK_CLOSE(out1[0], w / r, 1e-15);
  CHECK_CLOSE(out1[1], w / r, 1e-15);
  CHECK_CLOSE(out1[k], 2 * (w / (2 * r + 1e-15)) / k, 1e-15);
  double rest = 0;
  for (int c = 2; c < k; ++c) rest += fabs(out1[c]);
  for (int c = k + 1; c < 2 * k - 1; ++c) rest += fabs(out1[c]);
  CHECK(rest == 0.0);
  /* no neighbours at all: zeros */
  CHECK(aceuq_quests_descriptor(ws, 0, NULL, out1, &err) == ACEUQ_OK);
  CHECK(out1[0] == 0 && out1[2 * k - 2] == 0);

  /* errors */
  pair[4] = NAN;
  CHECK(aceuq_quests_descriptor(ws, 2, pair, out1, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "displacement 1 is not finite");
  aceuq_quests_workspace_free(ws);
  CHECK(aceuq_quests_workspace_create(1, rc, &ws, &err) == ACEUQ_ERR_VALUE && ws == NULL);
  CHECK_STR_CONTAINS(err.message, "k must be in [2, 4096], got 1");
  CHECK(aceuq_quests_workspace_create(4, -1.0, &ws, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "cutoff must be positive");
  free(x);
  free(y);
  free(desc);
  free(ref);
  return check_summary("test_quests_descriptor");
}
