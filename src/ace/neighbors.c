/* neighbors.c -- neighbour lists by linked-cell binning in fractional
 * coordinates of a (possibly triclinic, possibly partly periodic) cell.
 *
 * With cell rows a, b, c (x = s . C) and heights h_a = V / |b x c| etc., a
 * sphere of radius rc spans |delta s_a| <= rc / h_a.  Along axis a the
 * atoms are put in n_a bins of equal fractional width, so a neighbour can be
 * at most reach_a = ceil(rc * n_a / H_a) bins away (H_a = height covered by
 * the n_a bins).  Periodic axes wrap bin indices and record the lattice
 * translation T; a cell thinner than rc has n_a = 1 and reach_a > 1, which
 * visits the same bin with several translations.  Non-periodic axes clip. */
#include "error_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct aceuq_neighbor_list {
  size_t natoms;
  size_t *offset;   /* natoms + 1: neighbours of i are offset[i] .. offset[i+1]-1 */
  size_t *index;    /* atom j */
  double *disp;     /* 3 per neighbour: r_j + T - r_i */
  double *dist;     /* |disp| */
  size_t count, capacity;
};

void aceuq_neighbor_list_free(aceuq_neighbor_list *list)
{
  if (!list) return;
  free(list->offset);
  free(list->index);
  free(list->disp);
  free(list->dist);
  free(list);
}

size_t aceuq_neighbor_list_natoms(const aceuq_neighbor_list *list)
{
  return list ? list->natoms : 0;
}

size_t aceuq_neighbor_list_get(const aceuq_neighbor_list *list, size_t i, const size_t **index,
                               const double **displacement, const double **distance)
{
  if (!list || i >= list->natoms) return 0;
  size_t o = list->offset[i];
  if (index) *index = list->index + o;
  if (displacement) *displacement = list->disp + 3 * o;
  if (distance) *distance = list->dist + o;
  return list->offset[i + 1] - o;
}

/* capacity for at least cap pairs; 0 when out of memory */
static int list_reserve(aceuq_neighbor_list *l, size_t cap)
{
  if (cap <= l->capacity) return 1;
  size_t *ni = realloc(l->index, cap * sizeof *ni);
  if (ni) l->index = ni;
  double *nd = realloc(l->disp, 3 * cap * sizeof *nd);
  if (nd) l->disp = nd;
  double *nr = realloc(l->dist, cap * sizeof *nr);
  if (nr) l->dist = nr;
  if (!ni || !nd || !nr) return 0;
  l->capacity = cap;
  return 1;
}

static int list_push(aceuq_neighbor_list *l, size_t j, const double d[3], double r)
{
  if (l->count == l->capacity && !list_reserve(l, l->capacity ? 2 * l->capacity : 1024)) return 0;
  l->index[l->count] = j;
  memcpy(l->disp + 3 * l->count, d, 3 * sizeof(double));
  l->dist[l->count] = r;
  ++l->count;
  return 1;
}

/* inverse of the 3x3 row-major matrix m; returns the determinant */
static double invert3(const double *m, double *inv)
{
  double c00 = m[4] * m[8] - m[5] * m[7], c01 = m[5] * m[6] - m[3] * m[8], c02 = m[3] * m[7] - m[4] * m[6];
  double det = m[0] * c00 + m[1] * c01 + m[2] * c02;
  if (det == 0.0) return 0.0;
  double id = 1.0 / det;
  inv[0] = c00 * id;
  inv[1] = (m[2] * m[7] - m[1] * m[8]) * id;
  inv[2] = (m[1] * m[5] - m[2] * m[4]) * id;
  inv[3] = c01 * id;
  inv[4] = (m[0] * m[8] - m[2] * m[6]) * id;
  inv[5] = (m[2] * m[3] - m[0] * m[5]) * id;
  inv[6] = c02 * id;
  inv[7] = (m[1] * m[6] - m[0] * m[7]) * id;
  inv[8] = (m[0] * m[4] - m[1] * m[3]) * id;
  return det;
}

static double norm3(const double *v)
{
  return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

static void cross3(const double *a, const double *b, double *c)
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

/* Binning geometry of one axis. */
typedef struct bin_axis {
  int periodic;
  long nbins, reach;
  double lo, width; /* fractional coordinate of bin 0's start, fractional bin width */
  double height;    /* Cartesian height covered by all bins */
} bin_axis;

static void axis_set_bins(bin_axis *ax, long nbins, double cutoff)
{
  ax->nbins = nbins;
  double r = ax->height > 0.0 ? ceil(cutoff * (double)nbins / ax->height) : (double)nbins;
  if (!(r < 1e9)) r = 1e9;
  ax->reach = r < 1.0 ? 1 : (long)r;
  if (!ax->periodic && ax->reach > nbins - 1) ax->reach = nbins - 1;
  ax->width = ax->periodic ? 1.0 / (double)nbins : ax->width;
}

aceuq_status aceuq_neighbor_list_build(size_t natoms, const double *positions, const double *cell, const int *pbc,
                                       double cutoff, aceuq_neighbor_list **out, aceuq_error *err)
{
  if (!out) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "neighbour list: no output given");
  *out = NULL;
  if (!(cutoff > 0.0) || !isfinite(cutoff))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "neighbour list: cutoff must be positive and finite, got %g",
                           cutoff);
  if (natoms && !positions) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "neighbour list: no positions given");
  int per[3] = {0, 0, 0};
  if (pbc)
    for (int a = 0; a < 3; ++a) per[a] = pbc[a] != 0;
  int any_periodic = per[0] || per[1] || per[2];
  for (size_t i = 0; i < 3 * natoms; ++i)
    if (!isfinite(positions[i]))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "neighbour list: position of atom %zu is not finite", i / 3);

  /* basis: the cell if any axis is periodic, else the Cartesian axes */
  double C[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, Cinv[9] = {0};
  if (any_periodic) {
    if (!cell) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "neighbour list: periodic but no cell given");
    for (int i = 0; i < 9; ++i) {
      if (!isfinite(cell[i]))
        return aceuq_error_set(err, ACEUQ_ERR_VALUE, "neighbour list: cell entry %d is not finite", i);
      C[i] = cell[i];
    }
  }
  double det = invert3(C, Cinv);
  double scale = norm3(C) * norm3(C + 3) * norm3(C + 6);
  if (!(fabs(det) > 1e-10 * scale))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "neighbour list: the cell is singular (volume %g)", det);

  aceuq_neighbor_list *l = calloc(1, sizeof *l);
  double *frac = malloc(sizeof(double) * 3 * (natoms ? natoms : 1));  /* wrapped fractional coords */
  double *image = malloc(sizeof(double) * 3 * (natoms ? natoms : 1)); /* x = x_wrapped + image . C */
  long *bin_of = malloc(sizeof(long) * (natoms ? natoms : 1));
  size_t *order = malloc(sizeof(size_t) * (natoms ? natoms : 1));
  double *xs = malloc(sizeof(double) * 3 * (natoms ? natoms : 1)); /* wrapped positions in bin order */
  long *bin_start = NULL;
  aceuq_status st = ACEUQ_OK;
  if (!l || !frac || !image || !bin_of || !order || !xs ||
      !(l->offset = malloc(sizeof(size_t) * (natoms + 1)))) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "neighbour list: out of memory for %zu atoms", natoms);
    goto done;
  }
  l->natoms = natoms;

  /* fractional coordinates, wrapped into [0, 1) along periodic axes */
  for (size_t i = 0; i < natoms; ++i) {
    const double *x = positions + 3 * i;
    for (int a = 0; a < 3; ++a) {
      double s = x[0] * Cinv[a] + x[1] * Cinv[3 + a] + x[2] * Cinv[6 + a];
      double n = 0.0;
      if (per[a]) {
        n = floor(s);
        s -= n;
        if (s >= 1.0) { /* s slightly below an integer rounds up */
          s -= 1.0;
          n += 1.0;
        }
      }
      frac[3 * i + a] = s;
      image[3 * i + a] = n;
    }
  }

  /* bins per axis */
  bin_axis ax[3];
  double cr[3][3];
  cross3(C + 3, C + 6, cr[0]);
  cross3(C + 6, C, cr[1]);
  cross3(C, C + 3, cr[2]);
  for (int a = 0; a < 3; ++a) {
    double h = fabs(det) / norm3(cr[a]); /* distance between lattice planes of axis a */
    ax[a].periodic = per[a];
    if (per[a]) {
      ax[a].lo = 0.0;
      ax[a].height = h;
    } else {
      double lo = 0.0, hi = 0.0;
      for (size_t i = 0; i < natoms; ++i) {
        double s = frac[3 * i + a];
        if (i == 0 || s < lo) lo = s;
        if (i == 0 || s > hi) hi = s;
      }
      ax[a].lo = lo;
      ax[a].height = (hi - lo) * h;
      ax[a].width = hi > lo ? (hi - lo) : 1.0;
    }
    double nb = floor(ax[a].height / cutoff);
    if (!(nb >= 1.0)) nb = 1.0;
    if (nb > 1e6) nb = 1e6;
    axis_set_bins(&ax[a], (long)nb, cutoff);
    if (!per[a]) ax[a].width /= (double)ax[a].nbins;
  }
  /* bound the number of bins by the number of atoms (sparse systems) */
  double max_bins = natoms * 2.0 + 64.0;
  while ((double)ax[0].nbins * (double)ax[1].nbins * (double)ax[2].nbins > max_bins) {
    int a = ax[0].nbins >= ax[1].nbins && ax[0].nbins >= ax[2].nbins ? 0 : ax[1].nbins >= ax[2].nbins ? 1 : 2;
    long nb = (ax[a].nbins + 1) / 2;
    if (!per[a]) ax[a].width *= (double)ax[a].nbins / (double)nb;
    axis_set_bins(&ax[a], nb, cutoff);
  }
  long nbins = ax[0].nbins * ax[1].nbins * ax[2].nbins;
  bin_start = calloc((size_t)nbins + 1, sizeof *bin_start);
  if (!bin_start) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "neighbour list: out of memory for %ld bins", nbins);
    goto done;
  }
  /* counting sort of atoms into bins */
  long b3[3];
  for (size_t i = 0; i < natoms; ++i) {
    for (int a = 0; a < 3; ++a) {
      double t = floor((frac[3 * i + a] - ax[a].lo) / ax[a].width);
      long b = t < 0.0 ? 0 : t >= (double)ax[a].nbins ? ax[a].nbins - 1 : (long)t;
      b3[a] = b;
    }
    bin_of[i] = (b3[0] * ax[1].nbins + b3[1]) * ax[2].nbins + b3[2];
    ++bin_start[bin_of[i] + 1];
  }
  for (long b = 0; b < nbins; ++b) bin_start[b + 1] += bin_start[b];
  for (size_t i = 0; i < natoms; ++i) order[bin_start[bin_of[i]]++] = i;
  for (long b = nbins; b > 0; --b) bin_start[b] = bin_start[b - 1];
  bin_start[0] = 0;

  /* atoms in bin order, wrapped: xs = x - image . C (= x for atoms in the cell) */
  for (size_t p = 0; p < natoms; ++p) {
    const size_t j = order[p];
    const double *im = image + 3 * j;
    for (int c = 0; c < 3; ++c)
      xs[3 * p + c] = positions[3 * j + c] - (im[0] * C[c] + im[1] * C[3 + c] + im[2] * C[6 + c]);
  }
  /* room for about the expected number of pairs (density of the cell) */
  if (any_periodic) {
    double expect = 4.19 * cutoff * cutoff * cutoff * (double)natoms / fabs(det) * 1.2 + 16.0;
    if (expect * (double)natoms < 1e9 && !list_reserve(l, (size_t)(expect * (double)natoms))) {
      st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "neighbour list: out of memory (%zu atoms)", natoms);
      goto done;
    }
  }

  const double rc2 = cutoff * cutoff;
  for (size_t i = 0; i < natoms; ++i) {
    l->offset[i] = l->count;
    long bi[3] = {bin_of[i] / (ax[1].nbins * ax[2].nbins), (bin_of[i] / ax[2].nbins) % ax[1].nbins,
                  bin_of[i] % ax[2].nbins};
    const double *xi = positions + 3 * i, *mi = image + 3 * i;
    double xw[3]; /* wrapped position of i */
    for (int c = 0; c < 3; ++c) xw[c] = xi[c] - (mi[0] * C[c] + mi[1] * C[3 + c] + mi[2] * C[6 + c]);
    long off[3], tb[3], T[3];
    for (off[0] = -ax[0].reach; off[0] <= ax[0].reach; ++off[0])
      for (off[1] = -ax[1].reach; off[1] <= ax[1].reach; ++off[1])
        for (off[2] = -ax[2].reach; off[2] <= ax[2].reach; ++off[2]) {
          int skip = 0;
          for (int a = 0; a < 3; ++a) {
            long b = bi[a] + off[a];
            if (ax[a].periodic) {
              /* floor division: translation T and wrapped bin */
              long q = b >= 0 ? b / ax[a].nbins : -((-b + ax[a].nbins - 1) / ax[a].nbins);
              T[a] = q;
              tb[a] = b - q * ax[a].nbins;
            } else {
              if (b < 0 || b >= ax[a].nbins) skip = 1;
              T[a] = 0;
              tb[a] = b;
            }
          }
          if (skip) continue;
          long tbin = (tb[0] * ax[1].nbins + tb[1]) * ax[2].nbins + tb[2];
          int zero_shift = T[0] == 0 && T[1] == 0 && T[2] == 0;
          /* d = (xs_j - xs_i) + T . C */
          double S[3];
          for (int c = 0; c < 3; ++c) S[c] = (double)T[0] * C[c] + (double)T[1] * C[3 + c] + (double)T[2] * C[6 + c];
          for (long p = bin_start[tbin]; p < bin_start[tbin + 1]; ++p) {
            const double *xj = xs + 3 * p;
            double d[3] = {(xj[0] - xw[0]) + S[0], (xj[1] - xw[1]) + S[1], (xj[2] - xw[2]) + S[2]};
            double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            if (r2 >= rc2) continue;
            size_t j = order[p];
            if (j == i && zero_shift) continue;
            if (!list_push(l, j, d, sqrt(r2))) {
              st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "neighbour list: out of memory (%zu pairs)", l->count);
              goto done;
            }
          }
        }
  }
  l->offset[natoms] = l->count;

done:
  free(frac);
  free(image);
  free(bin_of);
  free(order);
  free(xs);
  free(bin_start);
  if (st) {
    aceuq_neighbor_list_free(l);
    return st;
  }
  *out = l;
  return ACEUQ_OK;
}
