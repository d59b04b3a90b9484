/* ace_ylm.c -- complex Y_lm with Y_00 = 1 and their tangential gradients
 * (recursions in ace_ylm.h).  The square roots of the recursion are taken
 * once, into a table (ace_ylm_table_create), so an evaluation is only
 * multiply-adds: it runs once per neighbour pair. */
#include "ace_ylm.h"

#include "hot_internal.h"

#include <math.h>
#include <stdlib.h>

struct ace_ylm_table {
  int lmax;
  double *diag; /* [m]: Pbar_mm = diag[m] Pbar_{m-1,m-1}, diag[m] = -sqrt(1 + 1/(2m)) */
  double *sub;  /* [m]: Pbar_{m+1,m} = sub[m] z Pbar_mm, sub[m] = sqrt(2m + 3) */
  double *a, *b; /* [ace_ylm_index(l, m)], l >= m + 2: the three-term recursion */
};

void ace_ylm_table_free(ace_ylm_table *t)
{
  if (!t) return;
  free(t->diag);
  free(t->sub);
  free(t->a);
  free(t->b);
  free(t);
}

ace_ylm_table *ace_ylm_table_create(int lmax)
{
  if (lmax < 0) lmax = 0;
  ace_ylm_table *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  const int n = ace_ylm_count(lmax);
  t->lmax = lmax;
  t->diag = calloc((size_t)lmax + 1, sizeof *t->diag);
  t->sub = calloc((size_t)lmax + 1, sizeof *t->sub);
  t->a = calloc((size_t)n, sizeof *t->a);
  t->b = calloc((size_t)n, sizeof *t->b);
  if (!t->diag || !t->sub || !t->a || !t->b) {
    ace_ylm_table_free(t);
    return NULL;
  }
  for (int m = 0; m <= lmax; ++m) {
    t->diag[m] = m > 0 ? -sqrt(1.0 + 1.0 / (2.0 * m)) : 1.0;
    t->sub[m] = sqrt(2.0 * m + 3.0);
    for (int l = m + 2; l <= lmax; ++l) {
      const double ll = (double)l * l, mm = (double)m * m, lm1 = (l - 1.0) * (l - 1.0);
      t->a[ace_ylm_index(l, m)] = sqrt((4.0 * ll - 1.0) / (ll - mm));
      t->b[ace_ylm_index(l, m)] = -sqrt((lm1 - mm) / (4.0 * lm1 - 1.0));
    }
  }
  return t;
}

int ace_ylm_table_lmax(const ace_ylm_table *t) { return t->lmax; }

/* Y = p w^m (w = x + iy, wm = w^m, wm1 = w^(m-1)) and its tangential gradient
 * dY = g - (rhat . g) rhat with g = (p m w^(m-1), i p m w^(m-1), dp w^m). */
static inline void store(int idx, int m, double p, double dp, double wr, double wi, double w1r, double w1i,
                         const double *rh, ace_complex *restrict Y, ace_complex *restrict dY)
{
  Y[idx].re = p * wr;
  Y[idx].im = p * wi;
  if (!dY) return;
  const double pm = p * m;
  const double gxr = pm * w1r, gxi = pm * w1i; /* g_y = i g_x = (-gxi, gxr) */
  const double gzr = dp * wr, gzi = dp * wi;
  const double dr = rh[0] * gxr - rh[1] * gxi + rh[2] * gzr;
  const double di = rh[0] * gxi + rh[1] * gxr + rh[2] * gzi;
  ace_complex *d = &dY[3 * idx];
  d[0].re = gxr - dr * rh[0];
  d[0].im = gxi - di * rh[0];
  d[1].re = -gxi - dr * rh[1];
  d[1].im = gxr - di * rh[1];
  d[2].re = gzr - dr * rh[2];
  d[2].im = gzi - di * rh[2];
}

void ace_ylm_eval(const ace_ylm_table *t, const double rhat[3], ace_complex *restrict Y, ace_complex *restrict dY)
{
  const int lmax = t->lmax;
  const double z = rhat[2], x = rhat[0], y = rhat[1];
  double wr = 1.0, wi = 0.0, w1r = 0.0, w1i = 0.0; /* (x+iy)^m, (x+iy)^(m-1) */
  double pmm = 1.0;                                 /* Pbar_mm */
  for (int m = 0; m <= lmax; ++m) {
    if (m > 0) {
      pmm *= t->diag[m];
      w1r = wr;
      w1i = wi;
      wr = w1r * x - w1i * y;
      wi = w1r * y + w1i * x;
    }
    store(ace_ylm_index(m, m), m, pmm, 0.0, wr, wi, w1r, w1i, rhat, Y, dY);
    if (m + 1 > lmax) break;
    /* p2, dp2 = Pbar_{l-2,m} and derivative; p1, dp1 = Pbar_{l-1,m} */
    double p2 = pmm, dp2 = 0.0;
    double p1 = t->sub[m] * z * pmm, dp1 = t->sub[m] * pmm;
    store(ace_ylm_index(m + 1, m), m, p1, dp1, wr, wi, w1r, w1i, rhat, Y, dY);
    for (int l = m + 2; l <= lmax; ++l) {
      const int idx = ace_ylm_index(l, m);
      const double a = t->a[idx], b = t->b[idx];
      const double p = a * (z * p1 + b * p2);
      const double dp = a * (p1 + z * dp1 + b * dp2);
      store(idx, m, p, dp, wr, wi, w1r, w1i, rhat, Y, dY);
      p2 = p1, dp2 = dp1;
      p1 = p, dp1 = dp;
    }
  }
}

/* ---- many directions at once ------------------------------------------------------
 * The same recursion over blocks of YLM_LANES directions held as separate x, y, z
 * arrays, so that every step is a short fixed-length loop the compiler turns into
 * vector instructions; the results are written out per direction (the layout of
 * ace_ylm_eval). */
#define YLM_LANES 8

typedef struct ylm_lanes {
  double x[YLM_LANES], y[YLM_LANES], z[YLM_LANES];
  double wr[YLM_LANES], wi[YLM_LANES], w1r[YLM_LANES], w1i[YLM_LANES];
} ylm_lanes;

static inline void store_lanes(int idx, int m, const double *p, const double *dp, const ylm_lanes *L, int nl,
                               int nylm, ace_complex *restrict Y, ace_complex *restrict dY)
{
  double yr[YLM_LANES], yi[YLM_LANES], d[6][YLM_LANES];
  for (int k = 0; k < YLM_LANES; ++k) {
    const double pm = p[k] * m, wr = L->wr[k], wi = L->wi[k];
    const double gxr = pm * L->w1r[k], gxi = pm * L->w1i[k], gzr = dp[k] * wr, gzi = dp[k] * wi;
    const double x = L->x[k], y = L->y[k], z = L->z[k];
    const double dr = x * gxr - y * gxi + z * gzr, di = x * gxi + y * gxr + z * gzi;
    yr[k] = p[k] * wr;
    yi[k] = p[k] * wi;
    d[0][k] = gxr - dr * x;
    d[1][k] = gxi - di * x;
    d[2][k] = -gxi - dr * y;
    d[3][k] = gxr - di * y;
    d[4][k] = gzr - dr * z;
    d[5][k] = gzi - di * z;
  }
  for (int k = 0; k < nl; ++k) {
    Y[(size_t)k * nylm + idx].re = yr[k];
    Y[(size_t)k * nylm + idx].im = yi[k];
    ace_complex *o = &dY[3 * ((size_t)k * nylm + idx)];
    o[0].re = d[0][k];
    o[0].im = d[1][k];
    o[1].re = d[2][k];
    o[1].im = d[3][k];
    o[2].re = d[4][k];
    o[2].im = d[5][k];
  }
}

ACEUQ_HOT void ace_ylm_eval_many(const ace_ylm_table *t, size_t n, const double *rhat, ace_complex *restrict Y,
                                 ace_complex *restrict dY)
{
  const int lmax = t->lmax, nylm = ace_ylm_count(lmax);
  for (size_t q0 = 0; q0 < n; q0 += YLM_LANES) {
    const int nl = n - q0 < YLM_LANES ? (int)(n - q0) : YLM_LANES;
    ylm_lanes L;
    double pmm[YLM_LANES], p1[YLM_LANES], dp1[YLM_LANES], p2[YLM_LANES], dp2[YLM_LANES], p[YLM_LANES],
        dp[YLM_LANES], zero[YLM_LANES];
    for (int k = 0; k < YLM_LANES; ++k) {
      const double *r = &rhat[3 * (q0 + (size_t)(k < nl ? k : 0))]; /* idle lanes repeat the first */
      L.x[k] = r[0];
      L.y[k] = r[1];
      L.z[k] = r[2];
      L.wr[k] = 1.0;
      L.wi[k] = L.w1r[k] = L.w1i[k] = 0.0;
      pmm[k] = 1.0;
      zero[k] = 0.0;
    }
    ace_complex *Yq = Y + q0 * (size_t)nylm, *dYq = dY + 3 * q0 * (size_t)nylm;
    for (int m = 0; m <= lmax; ++m) {
      if (m > 0) {
        const double dg = t->diag[m];
        for (int k = 0; k < YLM_LANES; ++k) {
          pmm[k] *= dg;
          L.w1r[k] = L.wr[k];
          L.w1i[k] = L.wi[k];
          L.wr[k] = L.w1r[k] * L.x[k] - L.w1i[k] * L.y[k];
          L.wi[k] = L.w1r[k] * L.y[k] + L.w1i[k] * L.x[k];
        }
      }
      store_lanes(ace_ylm_index(m, m), m, pmm, zero, &L, nl, nylm, Yq, dYq);
      if (m + 1 > lmax) break;
      const double sb = t->sub[m];
      for (int k = 0; k < YLM_LANES; ++k) {
        p2[k] = pmm[k];
        dp2[k] = 0.0;
        p1[k] = sb * L.z[k] * pmm[k];
        dp1[k] = sb * pmm[k];
      }
      store_lanes(ace_ylm_index(m + 1, m), m, p1, dp1, &L, nl, nylm, Yq, dYq);
      for (int l = m + 2; l <= lmax; ++l) {
        const int idx = ace_ylm_index(l, m);
        const double a = t->a[idx], b = t->b[idx];
        for (int k = 0; k < YLM_LANES; ++k) {
          p[k] = a * (L.z[k] * p1[k] + b * p2[k]);
          dp[k] = a * (p1[k] + L.z[k] * dp1[k] + b * dp2[k]);
          p2[k] = p1[k];
          dp2[k] = dp1[k];
          p1[k] = p[k];
          dp1[k] = dp[k];
        }
        store_lanes(idx, m, p, dp, &L, nl, nylm, Yq, dYq);
      }
    }
  }
}
