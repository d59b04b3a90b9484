/* quests_descriptor.c -- per-atom QUESTS descriptor (formulas in aceuq.h).
 *
 * For the m <= k neighbours inside the cutoff (the only ones with w > 0):
 * each full row a of the k x k matrix Q holds k - m + 1 zeros (diagonal and
 * the absent or out-of-cutoff neighbours) followed by the m - 1 values
 * Q_ab, b != a.  Hence with v_a = the m - 1 values sorted ascending,
 *   x2[j] = (1/k) sum_{a<m} v_a[m-2-j]  for j <= m-2,   x2[j] = 0 otherwise,
 * and rows of absent neighbours (all zero) contribute nothing. */
#include "error_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* a neighbour candidate: ordering key (r^2, dx, dy, dz) */
typedef struct quests_neighbor {
  double r2, d[3];
} quests_neighbor;

struct aceuq_quests_workspace {
  int k;
  double cutoff;
  quests_neighbor *heap; /* k best candidates so far, max-heap by key */
  double *w;             /* k weights of the selected neighbours */
  double *q;             /* k x k matrix Q of the selected neighbours */
  double *row;           /* k scratch for one sorted row */
};

size_t aceuq_quests_descriptor_length(int k)
{
  return k >= 1 ? (size_t)(2 * k - 1) : 0;
}

void aceuq_quests_workspace_free(aceuq_quests_workspace *ws)
{
  if (!ws) return;
  free(ws->heap);
  free(ws->w);
  free(ws->q);
  free(ws->row);
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
    ws->w = malloc(sizeof(double) * (size_t)k);
    ws->q = malloc(sizeof(double) * (size_t)k * (size_t)k);
    ws->row = malloc(sizeof(double) * (size_t)k);
  }
  if (!ws || !ws->heap || !ws->w || !ws->q || !ws->row) {
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

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void sort_ascending(double *v, int n)
{
  if (n > 48) {
    qsort(v, (size_t)n, sizeof *v, compare_double);
    return;
  }
  for (int i = 1; i < n; ++i) {
    double x = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > x) {
      v[j + 1] = v[j];
      --j;
    }
    v[j + 1] = x;
  }
}

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
  }
  /* Q_ab = sqrt(w_a w_b) / (|d_a - d_b| + 1e-15), symmetric */
  double *q = ws->q;
  for (int a = 0; a < m; ++a)
    for (int b = a + 1; b < m; ++b) {
      double dx = heap[a].d[0] - heap[b].d[0], dy = heap[a].d[1] - heap[b].d[1], dz = heap[a].d[2] - heap[b].d[2];
      double v = sqrt(w[a] * w[b]) / (sqrt(dx * dx + dy * dy + dz * dz) + 1e-15);
      q[a * k + b] = q[b * k + a] = v;
    }
  double *row = ws->row;
  for (int a = 0; a < m; ++a) {
    int nv = 0;
    for (int b = 0; b < m; ++b)
      if (b != a) row[nv++] = q[a * k + b];
    sort_ascending(row, nv);
    for (int j = 0; j <= m - 2; ++j) x2[j] += row[m - 2 - j];
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
