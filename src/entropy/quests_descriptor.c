/* quests_descriptor.c -- per-atom QUESTS descriptor (formulas in aceuq.h).
 *
 * For the m <= k neighbours inside the cutoff (the only ones with w > 0):
 * each full row a of the k x k matrix Q holds k - m + 1 zeros (diagonal and
 * the absent or out-of-cutoff neighbours) followed by the m - 1 values
 * Q_ab, b != a.  Hence with v_a = the m - 1 values sorted ascending,
 *   x2[j] = (1/k) sum_{a<m} v_a[m-2-j]  for j <= m-2,   x2[j] = 0 otherwise,
 * and rows of absent neighbours (all zero) contribute nothing.
 *
 * Equivalently, with every row padded by zeros to P >= m entries and sorted
 * ascending (s_a), x2[j] = (1/k) sum_a s_a[P-1-j] (all Q >= 0, so the zeros
 * come first).  The rows are sorted eight at a time: Q is symmetric, so entry
 * b of rows a..a+7 is the contiguous run Q_b,a..a+7, one vector; a bitonic
 * network of min/max on P = 2^ceil(log2 m) such vectors sorts the eight rows
 * at once (no branches, no data-dependent moves). */
#include "error_internal.h"
#include "hot_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* a neighbour candidate: ordering key (r^2, dx, dy, dz) */
typedef struct quests_neighbor {
  double r2, d[3];
} quests_neighbor;

#define ROW_LANES 8 /* rows sorted at once */

struct aceuq_quests_workspace {
  int k;
  double cutoff;
  quests_neighbor *heap; /* k best candidates so far, max-heap by key */
  double *w;             /* k + ROW_LANES weights of the selected neighbours (0 past them) */
  double *pos;           /* 3 x (k + ROW_LANES): the selected displacements, one coordinate per row */
  double *rows;          /* P x ROW_LANES, 64-byte aligned: entry b of ROW_LANES rows of Q (P = pow2 >= k) */
};

/* smallest power of two >= n (n >= 1) */
static int pow2_at_least(int n)
{
  int p = 1;
  while (p < n) p *= 2;
  return p;
}

size_t aceuq_quests_descriptor_length(int k)
{
  return k >= 1 ? (size_t)(2 * k - 1) : 0;
}

void aceuq_quests_workspace_free(aceuq_quests_workspace *ws)
{
  if (!ws) return;
  free(ws->heap);
  free(ws->w);
  free(ws->pos);
  free(ws->rows);
  free(ws);
}

aceuq_status aceuq_quests_workspace_create(int k, double cutoff, aceuq_quests_workspace **out, aceuq_error *err)
{
  if (!out) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "QUESTS descriptor: no output given");
  *out = NULL;
  if (k < 2 || k > 4096)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "QUESTS descriptor: k must be in [2, 4096], got %d", k);
  if (!(cutoff > 0.0) || !isfinite(cutoff))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "QUESTS descriptor: cutoff must be positive, got %g", cutoff);
  aceuq_quests_workspace *ws = calloc(1, sizeof *ws);
  if (ws) {
    ws->k = k;
    ws->cutoff = cutoff;
    ws->heap = malloc(sizeof *ws->heap * (size_t)k);
    ws->w = calloc((size_t)k + ROW_LANES, sizeof(double));
    ws->pos = calloc(3 * ((size_t)k + ROW_LANES), sizeof(double));
    ws->rows = aligned_alloc(64, sizeof(double) * ROW_LANES * (size_t)pow2_at_least(k));
  }
  if (!ws || !ws->heap || !ws->w || !ws->pos || !ws->rows) {
    aceuq_quests_workspace_free(ws);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "QUESTS descriptor: out of memory (k = %d)", k);
  }
  *out = ws;
  return ACEUQ_OK;
}

/* strict "a comes after b" in the neighbour order (r^2, dx, dy, dz) */
static int after(const quests_neighbor *a, const quests_neighbor *b)
{
  if (a->r2 != b->r2) return a->r2 > b->r2;
  for (int c = 0; c < 3; ++c)
    if (a->d[c] != b->d[c]) return a->d[c] > b->d[c];
  return 0;
}

static void sift_down(quests_neighbor *h, int n, int i)
{
  for (;;) {
    int l = 2 * i + 1, r = l + 1, top = i;
    if (l < n && after(&h[l], &h[top])) top = l;
    if (r < n && after(&h[r], &h[top])) top = r;
    if (top == i) return;
    quests_neighbor t = h[i];
    h[i] = h[top];
    h[top] = t;
    i = top;
  }
}

static void sift_up(quests_neighbor *h, int i)
{
  while (i > 0) {
    int p = (i - 1) / 2;
    if (!after(&h[i], &h[p])) return;
    quests_neighbor t = h[i];
    h[i] = h[p];
    h[p] = t;
    i = p;
  }
}

/* rows[b * ROW_LANES + l] = Q_{a0+l, b} for b < P: sqrt(w_a w_b) / (|d_a - d_b| + 1e-15),
 * 0 on the diagonal, for rows a >= m and for b >= m.  pos: x, y, z rows of
 * stride ks; w and pos hold ROW_LANES entries past m, w = 0 there. */
ACEUQ_HOT static void fill_rows(const double *restrict w, const double *restrict pos, int ks, int m, int a0, int P,
                                double *restrict rows)
{
  const double *restrict px = pos + a0, *restrict py = pos + ks + a0, *restrict pz = pos + 2 * ks + a0,
                         *restrict wa = w + a0;
  for (int b = 0; b < m; ++b) {
    double *restrict out = rows + (size_t)b * ROW_LANES;
    const double xb = pos[b], yb = pos[ks + b], zb = pos[2 * ks + b], wb = w[b];
    for (int l = 0; l < ROW_LANES; ++l) {
      double dx = px[l] - xb, dy = py[l] - yb, dz = pz[l] - zb;
      out[l] = sqrt(wa[l] * wb) / (sqrt(dx * dx + dy * dy + dz * dz) + 1e-15);
    }
    if (b >= a0 && b < a0 + ROW_LANES) out[b - a0] = 0.0;
  }
  memset(rows + (size_t)m * ROW_LANES, 0, sizeof(double) * ROW_LANES * (size_t)(P - m));
}

#if defined(__GNUC__)
typedef double row_vd __attribute__((vector_size(ROW_LANES * sizeof(double))));
typedef long long row_vi __attribute__((vector_size(ROW_LANES * sizeof(long long))));

/* (*a, *b) = (min, max) lane by lane */
static inline void order_pair(row_vd *a, row_vd *b)
{
  row_vi lt = *a < *b;
  row_vd lo = (row_vd)(((row_vi)*a & lt) | ((row_vi)*b & ~lt));
  row_vd hi = (row_vd)(((row_vi)*b & lt) | ((row_vi)*a & ~lt));
  *a = lo;
  *b = hi;
}

/* Sort P (a power of two) vectors ascending, lane by lane: bitonic network
 * with every comparator pointing up -- per merge size s, entry i against its
 * mirror within the block of s, then half-cleaners of strides s/4 .. 1. */
ACEUQ_HOT static void sort_lanes(double *rows, int P)
{
  row_vd *v = (row_vd *)rows;
  for (int size = 2; size <= P; size *= 2) {
    for (int i = 0; i < P; i += size)
      for (int j = 0; j < size / 2; ++j) order_pair(&v[i + j], &v[i + size - 1 - j]);
    for (int stride = size / 4; stride > 0; stride /= 2)
      for (int i = 0; i < P; i += 2 * stride)
        for (int j = i; j < i + stride; ++j) order_pair(&v[j], &v[j + stride]);
  }
}
#else
static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* portable fallback: each lane's column sorted on its own */
static void sort_lanes(double *rows, int P)
{
  double col[4096];
  for (int l = 0; l < ROW_LANES; ++l) {
    for (int b = 0; b < P; ++b) col[b] = rows[b * ROW_LANES + l];
    qsort(col, (size_t)P, sizeof *col, compare_double);
    for (int b = 0; b < P; ++b) rows[b * ROW_LANES + l] = col[b];
  }
}
#endif

aceuq_status aceuq_quests_descriptor(aceuq_quests_workspace *ws, size_t n, const double *disp, double *out,
                                     aceuq_error *err)
{
  if (!ws || !out || (n && !disp))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "QUESTS descriptor: NULL argument");
  const int k = ws->k;
  const double rc = ws->cutoff, rc2 = rc * rc;
  quests_neighbor *heap = ws->heap;

  /* the (at most k) nearest neighbours inside the cutoff: bounded max-heap */
  int m = 0;
  for (size_t p = 0; p < n; ++p) {
    const double *d = disp + 3 * p;
    if (!isfinite(d[0]) || !isfinite(d[1]) || !isfinite(d[2]))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "QUESTS descriptor: displacement %zu is not finite", p);
    quests_neighbor c = {d[0] * d[0] + d[1] * d[1] + d[2] * d[2], {d[0], d[1], d[2]}};
    if (!(c.r2 < rc2)) continue;
    if (m < k) {
      heap[m] = c;
      sift_up(heap, m++);
    } else if (after(&heap[0], &c)) {
      heap[0] = c;
      sift_down(heap, m, 0);
    }
  }
  /* heap sort: ascending order of the key */
  for (int end = m - 1; end > 0; --end) {
    quests_neighbor t = heap[0];
    heap[0] = heap[end];
    heap[end] = t;
    sift_down(heap, end, 0);
  }

  double *x1 = out, *x2 = out + k;
  memset(out, 0, sizeof(double) * (size_t)(2 * k - 1));
  double *w = ws->w;
  for (int a = 0; a < m; ++a) {
    double r = sqrt(heap[a].r2);
    double t = 1.0 - (r / rc) * (r / rc);
    w[a] = t * t;
    x1[a] = w[a] / (r + 1e-16);
    for (int c = 0; c < 3; ++c) ws->pos[c * (k + ROW_LANES) + a] = heap[a].d[c];
  }
  for (int a = m; a < m + ROW_LANES; ++a) w[a] = 0.0;
  /* x2[j] = (1/k) sum_a (row a sorted)[P-1-j], rows in the order a = 0..m-1 */
  if (m >= 2) {
    const int P = pow2_at_least(m);
    double *rows = ws->rows;
    for (int a0 = 0; a0 < m; a0 += ROW_LANES) {
      fill_rows(w, ws->pos, k + ROW_LANES, m, a0, P, rows);
      sort_lanes(rows, P);
      const int lanes = m - a0 < ROW_LANES ? m - a0 : ROW_LANES;
      for (int j = 0; j <= m - 2; ++j) {
        const double *e = rows + (size_t)(P - 1 - j) * ROW_LANES;
        for (int l = 0; l < lanes; ++l) x2[j] += e[l];
      }
    }
  }
  for (int j = 0; j <= m - 2; ++j) x2[j] /= (double)k;
  return ACEUQ_OK;
}

aceuq_status aceuq_quests_structure_descriptors(size_t natoms, const double *positions, const double *cell,
                                                const int *pbc, int k, double cutoff, double *out,
                                                aceuq_error *err)
{
  aceuq_quests_workspace *ws = NULL;
  aceuq_neighbor_list *list = NULL;
  aceuq_status st = aceuq_quests_workspace_create(k, cutoff, &ws, err);
  if (!st) st = aceuq_neighbor_list_build(natoms, positions, cell, pbc, cutoff, &list, err);
  size_t len = aceuq_quests_descriptor_length(k);
  for (size_t i = 0; !st && i < natoms; ++i) {
    const double *disp;
    size_t n = aceuq_neighbor_list_get(list, i, NULL, &disp, NULL);
    st = aceuq_quests_descriptor(ws, n, disp, out + i * len, err);
  }
  aceuq_neighbor_list_free(list);
  aceuq_quests_workspace_free(ws);
  return st;
}

aceuq_status aceuq_quests_frame_descriptors(const aceuq_frame *frame, int k, double cutoff, double *out,
                                            aceuq_error *err)
{
  if (!frame) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "QUESTS descriptor: no frame given");
  int periodic = frame->has_cell && frame->pbc[0] && frame->pbc[1] && frame->pbc[2];
  static const int all_periodic[3] = {1, 1, 1};
  return aceuq_quests_structure_descriptors(frame->natoms, frame->positions, periodic ? frame->cell : NULL,
                                            periodic ? all_periodic : NULL, k, cutoff, out, err);
}
