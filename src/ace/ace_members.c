/* ace_members.c -- see ace_members.h. */
#include "ace_members.h"

#include "ace_evaluator_internal.h"
#include "error_internal.h"
#include "hot_internal.h"
#include "vec_internal.h"

#include <stdlib.h>
#include <string.h>

/* Members are processed LANES at a time with the GCC/Clang vector extension
 * (one AVX2 or two SSE2 registers; 8 lanes spill registers on AVX2). */
#define LANES 4
ACEUQ_DOUBLE_VECTOR(member_vd, LANES)

/* One species: rank-1 terms h1[f][s] on A1[idx1[f]], and the unique products
 * of rank > 1 (idx sorted ascending, so equal products compare equal). */
typedef struct member_species {
  size_t n1;
  int *idx1;
  double *h1;       /* [n1][Mp] */
  size_t nu;
  int *rank;        /* [nu] */
  int *idx;         /* [nu][ACE_MAX_RANK] */
  double *h;        /* [nu][Mp] */
} member_species;

struct ace_member_basis {
  int nel;
  size_t M;
  size_t Mp;        /* M rounded up to whole vectors of LANES; the padding members are 0 */
  member_species *sp;
};

typedef struct term_entry {
  int rank;
  int idx[ACE_MAX_RANK];
  size_t f;         /* B function (0-based among rank > 1) */
  double g;         /* its generalised CG coefficient for this product */
} term_entry;

static int term_compare(const void *pa, const void *pb)
{
  const term_entry *a = pa, *b = pb;
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  for (int k = 0; k < a->rank; ++k)
    if (a->idx[k] != b->idx[k]) return a->idx[k] < b->idx[k] ? -1 : 1;
  return 0;
}

static void sort_small(int *v, int n)
{
  for (int i = 1; i < n; ++i)
    for (int k = i; k > 0 && v[k - 1] > v[k]; --k) {
      const int t = v[k];
      v[k] = v[k - 1];
      v[k - 1] = t;
    }
}

void ace_member_basis_free(ace_member_basis *mb)
{
  if (!mb) return;
  for (int e = 0; mb->sp && e < mb->nel; ++e) {
    member_species *m = &mb->sp[e];
    free(m->idx1);
    free(m->h1);
    free(m->rank);
    free(m->idx);
    free(m->h);
  }
  free(mb->sp);
  free(mb);
}

size_t ace_member_basis_members(const ace_member_basis *mb) { return mb->M; }

size_t ace_member_basis_products(const ace_member_basis *mb, int mu)
{
  return mu >= 0 && mu < mb->nel ? mb->sp[mu].nu : 0;
}

/* h_u,s = sum over the terms (f, t) of product u of g_t d_s,f. */
static aceuq_status member_species_build(const species_eval *se, size_t M, size_t Mp, const double *D, size_t ldd,
                                         size_t off, member_species *m, aceuq_error *err)
{
  const flat_terms *pb = &se->pb;
  m->n1 = se->nproj1;
  m->idx1 = malloc((m->n1 ? m->n1 : 1) * sizeof *m->idx1);
  m->h1 = calloc((m->n1 ? m->n1 : 1) * Mp, sizeof *m->h1);
  term_entry *t = malloc((pb->nterms ? pb->nterms : 1) * sizeof *t);
  if (!m->idx1 || !m->h1 || !t) {
    free(t);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member basis: out of memory (%zu terms)", pb->nterms);
  }
  for (size_t f = 0; f < m->n1; ++f) {
    m->idx1[f] = se->p1_idx[f];
    for (size_t s = 0; s < M; ++s) m->h1[f * Mp + s] = D[s * ldd + off + f];
  }
  size_t nt = 0;
  for (size_t f = 0; f < pb->nfunc; ++f)
    for (size_t k = pb->first[f]; k < pb->first[f + 1]; ++k, ++nt) {
      t[nt].rank = pb->rank[f];
      memcpy(t[nt].idx, &pb->idx[k * ACE_MAX_RANK], (size_t)pb->rank[f] * sizeof(int));
      sort_small(t[nt].idx, t[nt].rank);
      t[nt].f = f;
      t[nt].g = pb->coef[k];
    }
  qsort(t, nt, sizeof *t, term_compare);
  size_t nu = 0;
  for (size_t k = 0; k < nt; ++k)
    if (k == 0 || term_compare(&t[k - 1], &t[k])) ++nu;
  m->rank = malloc((nu ? nu : 1) * sizeof *m->rank);
  m->idx = malloc((nu ? nu : 1) * ACE_MAX_RANK * sizeof *m->idx);
  m->h = calloc((nu ? nu : 1) * Mp, sizeof *m->h);
  if (!m->rank || !m->idx || !m->h) {
    free(t);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member basis: out of memory (%zu products x %zu members)", nu, M);
  }
  size_t u = (size_t)-1;
  for (size_t k = 0; k < nt; ++k) {
    if (k == 0 || term_compare(&t[k - 1], &t[k])) {
      ++u;
      m->rank[u] = t[k].rank;
      memcpy(&m->idx[u * ACE_MAX_RANK], t[k].idx, sizeof t[k].idx);
    }
    const double *d = &D[off + se->nproj1 + t[k].f];
    for (size_t s = 0; s < M; ++s) m->h[u * Mp + s] += t[k].g * d[s * ldd];
  }
  m->nu = nu;
  free(t);
  return ACEUQ_OK;
}

aceuq_status ace_member_basis_create(const ace_evaluator *ev, size_t M, const double *D, size_t ldd,
                                     const size_t *offset, int with_own, ace_member_basis **out, aceuq_error *err)
{
  *out = NULL;
  if (!ev->bbasis)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: member forces need a B-basis (.yaml) potential",
                           ev->model->source);
  if (M == 0) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "member basis: no members");
  const size_t lanes = M + (with_own ? 1 : 0);
  ace_member_basis *mb = calloc(1, sizeof *mb);
  double *Dx = malloc(lanes * ldd * sizeof *Dx);
  if (mb) mb->sp = calloc((size_t)ev->nel, sizeof *mb->sp);
  if (!mb || !mb->sp || !Dx) {
    free(Dx);
    ace_member_basis_free(mb);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member basis: out of memory");
  }
  /* the members' rows, then (with_own) the potential's own coefficients in projection order */
  memcpy(Dx, D, M * ldd * sizeof *Dx);
  for (int e = 0; with_own && e < ev->nel; ++e)
    for (size_t f = 0; f < ev->bbasis->nfuncs[e]; ++f) Dx[M * ldd + offset[e] + f] = ev->bbasis->funcs[e][f].coeffs[0];
  mb->nel = ev->nel;
  mb->M = lanes;
  mb->Mp = (lanes + LANES - 1) / LANES * LANES;
  aceuq_status st = ACEUQ_OK;
  for (int e = 0; !st && e < ev->nel; ++e)
    st = member_species_build(&ev->sp[e], lanes, mb->Mp, Dx, ldd, offset[e], &mb->sp[e], err);
  free(Dx);
  if (st) {
    ace_member_basis_free(mb);
    return st;
  }
  *out = mb;
  return ACEUQ_OK;
}

static aceuq_status member_reserve(const ace_evaluator *ev, ace_atom_workspace *ws, size_t M, aceuq_error *err)
{
  if (M <= ws->mcap) return ACEUQ_OK;
  const size_t na = (size_t)ev->nel * ev->nradmax * ev->nlm, na1 = (size_t)ev->nel * ev->nradbase + 1;
  double *r = realloc(ws->mWr, na * M * sizeof *r), *i = realloc(ws->mWi, na * M * sizeof *i);
  if (r) ws->mWr = r;
  if (i) ws->mWi = i;
  double *w1 = realloc(ws->mW1, na1 * M * sizeof *w1), *acc = realloc(ws->macc, 4 * M * sizeof *acc);
  if (w1) ws->mW1 = w1;
  if (acc) ws->macc = acc;
  if (!r || !i || !w1 || !acc) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member gradients: out of memory");
  ws->mcap = M;
  return ACEUQ_OK;
}

/* Wc (Mp x 2 ncs) and C (Mp x 3 neighbours) for the GEMM of the force contraction, and the
 * evaluator's dA/dr buffers for n neighbours. */
static aceuq_status member_buffers_reserve(const ace_evaluator *ev, ace_atom_workspace *ws, size_t Mp, size_t n,
                                           aceuq_error *err)
{
  aceuq_status st = ace_gradient_buffers_reserve(ev, ws, 0, n, err);
  if (st) return st;
  const size_t ncs = (size_t)ev->nradmax * ev->nylm;
  if (ws->mWc_cap < Mp) {
    double *w = realloc(ws->mWc, 2 * ncs * Mp * sizeof *w);
    if (!w) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member gradients: out of memory");
    ws->mWc = w;
    ws->mWc_cap = Mp;
  }
  if (ws->mC_cap < 3 * ws->gcap * Mp) {
    double *c = realloc(ws->mC, 3 * ws->gcap * Mp * sizeof *c);
    if (!c) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member gradients: out of memory (%zu neighbours)", n);
    ws->mC = c;
    ws->mC_cap = 3 * ws->gcap * Mp;
  }
  return ACEUQ_OK;
}

/* W_s(e) for all members: one prefix/suffix pass per product, M-wide updates;
 * then W_s+(m) = W_s(m) + (-1)^m conj W_s(-m) for m > 0.  Arrays are [.][Mp]. */
ACEUQ_HOT static void member_adjoints(const ace_evaluator *ev, const member_species *m, ace_atom_workspace *ws,
                                        size_t Mp)
{
  const size_t na = (size_t)ev->nel * ev->nradmax * ev->nlm, na1 = (size_t)ev->nel * ev->nradbase;
  double *Wr = ws->mWr, *Wi = ws->mWi, *W1 = ws->mW1;
  memset(Wr, 0, na * Mp * sizeof *Wr);
  memset(Wi, 0, na * Mp * sizeof *Wi);
  memset(W1, 0, na1 * Mp * sizeof *W1);
  for (size_t f = 0; f < m->n1; ++f) {
    double *w = &W1[(size_t)m->idx1[f] * Mp];
    const double *h = &m->h1[f * Mp];
    for (size_t s = 0; s < Mp; s += LANES) member_vd_store(&w[s], member_vd_load(&w[s]) + member_vd_load(&h[s]));
  }
  ace_complex pre[ACE_MAX_RANK + 1];
  for (size_t u = 0; u < m->nu; ++u) {
    const int rank = m->rank[u], *idx = &m->idx[u * ACE_MAX_RANK];
    const double *h = &m->h[u * Mp];
    pre[0].re = 1.0;
    pre[0].im = 0.0;
    for (int a = 0; a < rank; ++a) pre[a + 1] = cmul(pre[a], ws->A[idx[a]]);
    ace_complex suf = {1.0, 0.0};
    for (int a = rank - 1; a >= 0; --a) {
      const ace_complex d = cmul(pre[a], suf);
      double *wr = &Wr[(size_t)idx[a] * Mp], *wi = &Wi[(size_t)idx[a] * Mp];
      for (size_t s = 0; s < Mp; s += LANES) {
        const member_vd hv = member_vd_load(&h[s]);
        member_vd_store(&wr[s], member_vd_load(&wr[s]) + hv * d.re);
        member_vd_store(&wi[s], member_vd_load(&wi[s]) + hv * d.im);
      }
      suf = cmul(suf, ws->A[idx[a]]);
    }
  }
  for (int m0 = 0; m0 < ev->nel; ++m0)
    for (int n = 0; n < ev->nradmax; ++n)
      for (int l = 1; l <= ev->lmax; ++l)
        for (int mm = 1; mm <= l; ++mm) {
          const size_t p = (size_t)a_index(ev, m0, n, l, mm) * Mp, q = (size_t)a_index(ev, m0, n, l, -mm) * Mp;
          const double sg = (mm & 1) ? -1.0 : 1.0;
          for (size_t s = 0; s < Mp; s += LANES) {
            member_vd_store(&Wr[p + s], member_vd_load(&Wr[p + s]) + sg * member_vd_load(&Wr[q + s]));
            member_vd_store(&Wi[p + s], member_vd_load(&Wi[p + s]) - sg * member_vd_load(&Wi[q + s]));
          }
        }
}


extern void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
                   const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
                   const double *beta, double *c, const int *ldc);

/* The neighbours of species mu (cnt of them, in ws->gq, their dA/dr columns in ws->gD):
 *   C (Mp x 3 cnt) = Wc (Mp x 2 ncs) gD,   Wc column 2c = Re W_s+(c), 2c + 1 = Im W_s+(c),
 * so C[s, 3u + a] = Re sum_c W_s+(c) dA_c/dr_a (one GEMM for all members); the rank-1 part adds
 * sum_k W1_s(k) g_k' rhat_a.  out[(j M + s) 3 + a] for neighbour j = nb_src[gq[u]]. */
static void member_contract_group(const ace_evaluator *ev, ace_atom_workspace *ws, int mu, size_t cnt, size_t M,
                                  size_t Mp, double *out)
{
  const int nk = ev->nradbase;
  const size_t ncs = (size_t)ev->nradmax * ev->nylm;
  double *Wc = ws->mWc, *C = ws->mC, *rad = ws->macc;
  for (int nn = 0; nn < ev->nradmax; ++nn)
    for (int l = 0; l <= ev->lmax; ++l)
      for (int mm = 0; mm <= l; ++mm) {
        const size_t c = (size_t)nn * ev->nylm + (size_t)ace_ylm_index(l, mm);
        const size_t e = (size_t)a_index(ev, mu, nn, l, mm) * Mp;
        memcpy(&Wc[2 * c * Mp], &ws->mWr[e], Mp * sizeof *Wc);
        memcpy(&Wc[(2 * c + 1) * Mp], &ws->mWi[e], Mp * sizeof *Wc);
      }
  const int m = (int)M, ld = (int)Mp, ncol = (int)(3 * cnt), k = (int)(2 * ncs);
  const double one = 1.0, zero = 0.0;
  dgemm_("N", "N", &m, &ncol, &k, &one, Wc, &ld, ws->gD, &k, &zero, C, &ld); /* the M lanes, not the padding */
  for (size_t u = 0; u < cnt; ++u) {
    const size_t q = ws->gq[u];
    const double *dg = &ws->nb_dg[q * nk], *rh = &ws->nb_rhat[3 * q];
    for (size_t s = 0; s < Mp; ++s) rad[s] = 0.0;
    for (int kk = 0; kk < nk; ++kk) {
      const double *w1 = &ws->mW1[(size_t)(mu * nk + kk) * Mp];
      for (size_t s = 0; s < Mp; ++s) rad[s] += w1[s] * dg[kk];
    }
    double *o = &out[ws->nb_src[q] * M * 3];
    const double *cu = &C[3 * u * Mp];
    for (size_t s = 0; s < M; ++s)
      for (int a = 0; a < 3; ++a) o[3 * s + (size_t)a] = cu[(size_t)a * Mp + s] + rad[s] * rh[a];
  }
}

aceuq_status ace_member_gradients(const ace_evaluator *ev, const ace_member_basis *mb, ace_atom_workspace *ws,
                                  int mu_i, size_t n, double *dev_drij, aceuq_error *err)
{
  if (mb->nel != ev->nel) return aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "member gradients: other potential");
  if (mu_i != ws->last_mu || n != ws->last_n)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "member gradients: the workspace holds another atom (evaluate the atom first)");
  const size_t M = mb->M, Mp = mb->Mp;
  aceuq_status st = ace_rank1_cache_fill(ev, ws, err);
  if (st) return st;
  st = member_reserve(ev, ws, Mp, err);
  if (st) return st;
  memset(dev_drij, 0, n * M * 3 * sizeof *dev_drij);
  member_adjoints(ev, &mb->sp[mu_i], ws, Mp);
  st = member_buffers_reserve(ev, ws, Mp, ws->last_nq, err);
  if (st) return st;
  for (int mu = 0; mu < ev->nel; ++mu) {
    const size_t cnt = ace_neighbour_group(ev, ws, mu);
    if (!cnt) continue;
    ace_dA_dr_columns(ev, ws, mu_i, mu, cnt);
    member_contract_group(ev, ws, mu, cnt, M, Mp, dev_drij);
  }
  return ACEUQ_OK;
}
