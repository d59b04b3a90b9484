/* ace_members.c -- see ace_members.h. */
#include "ace_members.h"

#include "ace_evaluator_internal.h"
#include "error_internal.h"
#include "hot_internal.h"
#include "vec_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Members are processed LANES at a time with the GCC/Clang vector extension
 * (one AVX-512, two AVX2 or four SSE2 registers). */
#define LANES 8
ACEUQ_DOUBLE_VECTOR(member_vd, LANES)
/* products per vector of the update values (one AVX-512 register of doubles) */
#define UPD_LANES 8
ACEUQ_DOUBLE_VECTOR(upd_vd, UPD_LANES)
ACEUQ_FLOAT_VECTOR(upd_vf, UPD_LANES)
/* single precision: the members' adjoints in float, FLOAT_LANES at a time */
#define FLOAT_LANES 16
ACEUQ_FLOAT_VECTOR(member_vf, FLOAT_LANES)
/* member vectors whose adjoint sums member_adjoints keeps in registers in one pass over the
 * updates: 5 (10 AVX-512 registers re + im, members + own up to 40 in one pass: each coefficient
 * row is read once per atom), 2 on machines with 16 registers (summed there as 4 vectors of 4
 * doubles / 8 floats: the _narrow instance of ace_member_sums.h) */
#define CHUNK_VECTORS 5
#define CHUNK_VECTORS_NARROW 2
/* CALL(nv) for the member vectors left from c0 (left of them, at most chunk <= MAXV per pass):
 * nv a constant in each branch, so that the inlined sums keep their accumulators in registers */
#define BY_CHUNK_(left, chunk, MAXV, CALL)                                                         \
  switch ((left) >= (chunk) ? (int)(chunk) : (int)(left)) {                                        \
    case 1: CALL(1); break;                                                                        \
    case 2: CALL(2); break;                                                                        \
    case 3: CALL(3); break;                                                                        \
    case 4: CALL(4); break;                                                                        \
    default: CALL(MAXV); break;                                                                    \
  }
/* updates whose coefficient rows (at random places, 40 KB .. 1 MB) the member sums request
 * before they are needed */
enum { ROWS_AHEAD = 8 };

/* One species.  The unique products of rank > 1 (idx sorted ascending, so equal products compare
 * equal) with their member coefficients h[u][s]; the adjoint updates of a product, one per factor,
 * d(prod_u)/dA_e = prod_{b != a} A_b, go to the folded entry e' = e (m >= 0) or (l, -m) (m < 0,
 * times (-1)^m conj); they are listed by target so that each target's sum stays in registers. */
typedef struct member_species {
  double *W1;       /* [nel nradbase][Mp]: rank-1 adjoints sum_f h1_f,s on A1 (the same for every atom) */
  float *W1f;       /* single: [nel nradbase][Mf] the members' W1 in float, else NULL */
  float *hf;        /* single: [nu][Mf] the members' h in float, else NULL */
  double *h_own;    /* single with the own lane: [nu] its h, else NULL */
  double *W1_own;   /* single with the own lane: [nel nradbase] its W1, else NULL */
  size_t nu;
  int *rank;        /* [nu] */
  int *idx;         /* [nu][ACE_MAX_RANK] */
  double *h;        /* [nu][Mp] (double precision; NULL in single) */
  size_t nupd;
  int *upd_u;       /* [nupd]: the product of each update */
  /* the update values are computed UPD_LANES products of one rank at a time (vectors over the
   * products): the products of rank r form blocks [r factors][UPD_LANES products] from gbase[r]
   * (gblocks[r] of them, the last padded with products of A entry 0 and fold 0), their real parts
   * in one array and their imaginary parts in another (nval apart); update k (target order) reads
   * its value at upd_pos[k] */
  size_t nval;      /* values in the blocked order, padding included */
  size_t gbase[ACE_MAX_RANK + 1], gblocks[ACE_MAX_RANK + 1];
  int *bidx;        /* [nval]: at (block, a, p) the A index of factor a of product p */
  double *bfold;    /* [2][nval]: the fold factors (re, then im) in the blocked order */
  int *upd_pos;     /* [nupd] */
  size_t ntarget;   /* every entry e with m >= 0 */
  int *target;      /* [ntarget] */
  size_t *tfirst;   /* [ntarget + 1]: updates of target i are tfirst[i] .. tfirst[i+1]-1 */
} member_species;

struct ace_member_basis {
  int nel;
  size_t M;         /* lanes: the members, then the own lane if own */
  size_t Mp;        /* M rounded up to whole vectors of LANES; the padding members are 0 */
  int own;          /* lane M - 1 is the potential's own coefficients */
  int single;       /* the members' (not the own lane's) adjoints and gradients in float */
  size_t Mf;        /* single: row length of the float weights (the members, M - own, rounded up to
                     * FLOAT_LANES; the padding members are 0) */
  size_t nval_max;  /* largest blocked value list of a species */
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
    free(m->W1);
    free(m->W1f);
    free(m->hf);
    free(m->h_own);
    free(m->W1_own);
    free(m->rank);
    free(m->idx);
    free(m->h);
    free(m->upd_u);
    free(m->bidx);
    free(m->bfold);
    free(m->upd_pos);
    free(m->target);
    free(m->tfirst);
  }
  free(mb->sp);
  free(mb);
}

size_t ace_member_basis_members(const ace_member_basis *mb) { return mb->M; }

size_t ace_member_basis_products(const ace_member_basis *mb, int mu)
{
  return mu >= 0 && mu < mb->nel ? mb->sp[mu].nu : 0;
}

/* The blocked order of the update values (see member_species): the products are sorted by rank,
 * those of rank r fill gblocks[r] blocks of UPD_LANES from gbase[r].  slot [nu][ACE_MAX_RANK]: the
 * position of update (u, a) in target order; fold [nu][ACE_MAX_RANK][2]: its fold factors, (1, 1)
 * for m >= 0, ((-1)^m, -(-1)^m) for m < 0. */
static aceuq_status member_blocks_build(member_species *m, const int *slot, const double *fold, aceuq_error *err)
{
  size_t first[ACE_MAX_RANK + 2] = {0}, n = 0;
  for (int r = 0; r <= ACE_MAX_RANK; ++r) {
    size_t c = 0;
    for (size_t u = 0; u < m->nu; ++u) c += m->rank[u] == r;
    m->gbase[r] = n;
    m->gblocks[r] = (c + UPD_LANES - 1) / UPD_LANES;
    n += m->gblocks[r] * (size_t)r * UPD_LANES;
  }
  m->nval = n;
  m->bidx = calloc(n ? n : 1, sizeof *m->bidx);
  m->bfold = calloc(2 * (n ? n : 1), sizeof *m->bfold);
  m->upd_pos = malloc((m->nupd ? m->nupd : 1) * sizeof *m->upd_pos);
  if (!m->bidx || !m->bfold || !m->upd_pos)
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member basis: out of memory (%zu update values)", n);
  for (size_t u = 0; u < m->nu; ++u) {
    const int r = m->rank[u];
    const size_t j = first[r]++, blk = j / UPD_LANES, p = j % UPD_LANES;
    for (int a = 0; a < r; ++a) {
      const size_t v = m->gbase[r] + (blk * (size_t)r + (size_t)a) * UPD_LANES + p, ua = u * ACE_MAX_RANK + (size_t)a;
      m->bidx[v] = m->idx[ua];
      m->bfold[v] = fold[2 * ua];
      m->bfold[n + v] = fold[2 * ua + 1];
      m->upd_pos[slot[ua]] = (int)v;
    }
  }
  return ACEUQ_OK;
}

/* The update lists of m's products: every m >= 0 entry is a target (those without updates get
 * zero adjoints), updates in target order (a counting sort). */
static aceuq_status member_updates_build(const ace_evaluator *ev, member_species *m, aceuq_error *err)
{
  const size_t na = (size_t)ev->nel * ev->nradmax * ev->nlm;
  int *pos = malloc(na * sizeof *pos), *slot = malloc((m->nu ? m->nu : 1) * ACE_MAX_RANK * sizeof *slot);
  size_t *cnt = calloc(na + 1, sizeof *cnt);
  double *fold = malloc((m->nu ? m->nu : 1) * ACE_MAX_RANK * 2 * sizeof *fold);
  m->target = malloc(na * sizeof *m->target);
  m->tfirst = malloc((na + 1) * sizeof *m->tfirst);
  aceuq_status st = ACEUQ_OK;
  if (!pos || !cnt || !slot || !fold || !m->target || !m->tfirst) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member basis: out of memory (%zu products)", m->nu);
    goto done;
  }
  m->nupd = 0;
  for (size_t u = 0; u < m->nu; ++u)
    for (int a = 0; a < m->rank[u]; ++a) {
      double fre, fim;
      ++cnt[a_index_folded(ev, m->idx[u * ACE_MAX_RANK + a], &fre, &fim)];
      ++m->nupd;
    }
  m->upd_u = malloc((m->nupd ? m->nupd : 1) * sizeof *m->upd_u);
  if (!m->upd_u) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member basis: out of memory (%zu updates)", m->nupd);
    goto done;
  }
  m->ntarget = 0;
  size_t at = 0;
  for (size_t e = 0; e < na; ++e) {
    double fre, fim;
    if (a_index_folded(ev, (int)e, &fre, &fim) != (int)e) continue; /* m < 0: never a target */
    pos[e] = (int)at;
    m->target[m->ntarget] = (int)e;
    m->tfirst[m->ntarget++] = at;
    at += cnt[e];
  }
  m->tfirst[m->ntarget] = at;
  for (size_t u = 0; u < m->nu; ++u)
    for (int a = 0; a < m->rank[u]; ++a) {
      double *f = &fold[(u * ACE_MAX_RANK + (size_t)a) * 2];
      const int e = a_index_folded(ev, m->idx[u * ACE_MAX_RANK + a], &f[0], &f[1]);
      slot[u * ACE_MAX_RANK + (size_t)a] = pos[e];
      m->upd_u[pos[e]++] = (int)u;
    }
  st = member_blocks_build(m, slot, fold, err);
done:
  free(pos);
  free(cnt);
  free(slot);
  free(fold);
  return st;
}

/* W1_s(k) = sum over the rank-1 functions f on A1 entry k of d_s,f;  h_u,s = sum over the terms
 * (f, t) of product u of g_t d_s,f. */
static aceuq_status member_species_build(const ace_evaluator *ev, const species_eval *se, size_t M, size_t Mp,
                                         const double *D, size_t ldd, size_t off, member_species *m,
                                         aceuq_error *err)
{
  const flat_terms *pb = &se->pb;
  m->W1 = calloc((size_t)ev->nel * ev->nradbase * Mp, sizeof *m->W1);
  term_entry *t = malloc((pb->nterms ? pb->nterms : 1) * sizeof *t);
  if (!m->W1 || !t) {
    free(t);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member basis: out of memory (%zu terms)", pb->nterms);
  }
  for (size_t f = 0; f < se->nproj1; ++f)
    for (size_t s = 0; s < M; ++s) m->W1[(size_t)se->p1_idx[f] * Mp + s] += D[s * ldd + off + f];
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
  return member_updates_build(ev, m, err);
}

/* Single precision: the members' h and W1 in float (rows of Mf), the own lane's (if any) apart in
 * double, from the double rows of Mp built by member_species_build. */
static aceuq_status member_basis_floats(const ace_evaluator *ev, ace_member_basis *mb, aceuq_error *err)
{
  const size_t nm = mb->M - (size_t)mb->own, Mp = mb->Mp, nk1 = (size_t)ev->nel * ev->nradbase;
  mb->Mf = (nm + FLOAT_LANES - 1) / FLOAT_LANES * FLOAT_LANES;
  for (int e = 0; e < ev->nel; ++e) {
    member_species *m = &mb->sp[e];
    const size_t nu = m->nu ? m->nu : 1;
    m->W1f = calloc((nk1 ? nk1 : 1) * mb->Mf, sizeof *m->W1f);
    m->hf = calloc(nu * mb->Mf, sizeof *m->hf);
    if (mb->own) {
      m->h_own = malloc(nu * sizeof *m->h_own);
      m->W1_own = malloc((nk1 ? nk1 : 1) * sizeof *m->W1_own);
    }
    if (!m->W1f || !m->hf || (mb->own && (!m->h_own || !m->W1_own)))
      return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member basis: out of memory");
    for (size_t k = 0; k < nk1; ++k) {
      for (size_t s = 0; s < nm; ++s) m->W1f[k * mb->Mf + s] = (float)m->W1[k * Mp + s];
      if (mb->own) m->W1_own[k] = m->W1[k * Mp + nm];
    }
    for (size_t u = 0; u < m->nu; ++u) {
      for (size_t s = 0; s < nm; ++s) m->hf[u * mb->Mf + s] = (float)m->h[u * Mp + s];
      if (mb->own) m->h_own[u] = m->h[u * Mp + nm];
    }
    free(m->h); /* the double rows are not read in single precision */
    m->h = NULL;
  }
  return ACEUQ_OK;
}

aceuq_status ace_member_basis_create(const ace_evaluator *ev, size_t M, const double *D, size_t ldd,
                                     const size_t *offset, int with_own, int single, ace_member_basis **out,
                                     aceuq_error *err)
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
  mb->own = with_own != 0;
  mb->single = single != 0;
  aceuq_status st = ACEUQ_OK;
  for (int e = 0; !st && e < ev->nel; ++e)
    st = member_species_build(ev, &ev->sp[e], lanes, mb->Mp, Dx, ldd, offset[e], &mb->sp[e], err);
  if (!st && single) st = member_basis_floats(ev, mb, err);
  for (int e = 0; !st && e < ev->nel; ++e)
    if (mb->sp[e].nval > mb->nval_max) mb->nval_max = mb->sp[e].nval;
  free(Dx);
  if (st) {
    ace_member_basis_free(mb);
    return st;
  }
  *out = mb;
  return ACEUQ_OK;
}

/* The adjoints of every member on A ([nA][Mp], m >= 0 entries) and the update values of one
 * atom; single precision also their float copies [2 nA][Mf]. */
static aceuq_status member_reserve(const ace_evaluator *ev, ace_atom_workspace *ws, const ace_member_basis *mb,
                                   aceuq_error *err)
{
  const size_t na = (size_t)ev->nel * ev->nradmax * ev->nlm, Mp = mb->Mp;
  if (Mp > ws->mcap) {
    double *r = realloc(ws->mWr, na * Mp * sizeof *r), *i = realloc(ws->mWi, na * Mp * sizeof *i);
    if (r) ws->mWr = r;
    if (i) ws->mWi = i;
    if (!r || !i) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member gradients: out of memory");
    ws->mcap = Mp;
  }
  if (mb->nval_max > ws->mupd_cap) {
    double *d = realloc(ws->mupd, (2 * mb->nval_max + 2 * na) * sizeof *d);
    if (!d)
      return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member gradients: out of memory (%zu updates)", mb->nval_max);
    ws->mupd = d;
    ws->mupd_cap = mb->nval_max;
  }
  if (!mb->single) return ACEUQ_OK;
  if (mb->nval_max > ws->mupdf_cap) {
    float *d = realloc(ws->mupdf, 2 * mb->nval_max * sizeof *d);
    if (!d)
      return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member gradients: out of memory (%zu updates)", mb->nval_max);
    ws->mupdf = d;
    ws->mupdf_cap = mb->nval_max;
  }
  if (mb->Mf > ws->mfcap) {
    float *f = realloc(ws->mWf, 2 * na * mb->Mf * sizeof *f);
    if (!f) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "member gradients: out of memory");
    ws->mWf = f;
    ws->mfcap = mb->Mf;
  }
  return ACEUQ_OK;
}

/* UPD_LANES complex numbers, one per product of a block */
typedef struct upd_cv {
  upd_vd re, im;
} upd_cv;

static inline __attribute__((always_inline)) upd_cv upd_cmul(upd_cv a, upd_cv b)
{
  const upd_cv c = {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
  return c;
}

/* The update values of the atom, UPD_LANES products of one rank at a time (the same operations,
 * in the same order, as one product at a time): A (re, im arrays Ar, Ai) gathered per factor, the
 * products of the other factors (ranks 2 to 4 written out, higher ranks by prefix products and a
 * suffix product carried backwards), folded, into d [2 nval] (real parts, then imaginary parts,
 * in the blocked order) and, unless f is NULL, rounded to float into f. */
static inline __attribute__((always_inline)) void member_update_values_(const member_species *m, const double *Ar,
                                                                        const double *Ai, double *d, float *f)
{
  const size_t n = m->nval;
  for (int r = 2; r <= ACE_MAX_RANK; ++r)
    for (size_t blk = 0; blk < m->gblocks[r]; ++blk) {
      const size_t o = m->gbase[r] + blk * (size_t)r * UPD_LANES;
      upd_cv A[ACE_MAX_RANK], v[ACE_MAX_RANK];
      for (int a = 0; a < r; ++a) {
        const int *ix = &m->bidx[o + (size_t)a * UPD_LANES];
        for (int p = 0; p < UPD_LANES; ++p) {
          A[a].re[p] = Ar[ix[p]];
          A[a].im[p] = Ai[ix[p]];
        }
      }
      if (r == 2) {
        v[0] = A[1];
        v[1] = A[0];
      } else if (r == 3) {
        v[0] = upd_cmul(A[1], A[2]);
        v[1] = upd_cmul(A[0], A[2]);
        v[2] = upd_cmul(A[0], A[1]);
      } else if (r == 4) {
        const upd_cv ab = upd_cmul(A[0], A[1]), ce = upd_cmul(A[2], A[3]);
        v[0] = upd_cmul(A[1], ce);
        v[1] = upd_cmul(A[0], ce);
        v[2] = upd_cmul(ab, A[3]);
        v[3] = upd_cmul(ab, A[2]);
      } else {
        upd_cv pre[ACE_MAX_RANK + 1], suf;
        for (int p = 0; p < UPD_LANES; ++p) pre[0].re[p] = suf.re[p] = 1.0, pre[0].im[p] = suf.im[p] = 0.0;
        for (int a = 0; a < r; ++a) pre[a + 1] = upd_cmul(pre[a], A[a]);
        for (int a = r - 1; a >= 0; --a) {
          v[a] = upd_cmul(pre[a], suf);
          suf = upd_cmul(suf, A[a]);
        }
      }
      for (int a = 0; a < r; ++a) {
        const size_t q = o + (size_t)a * UPD_LANES;
        const upd_vd x = v[a].re * upd_vd_load(m->bfold + q), y = v[a].im * upd_vd_load(m->bfold + n + q);
        upd_vd_store(d + q, x);
        upd_vd_store(d + n + q, y);
        if (f) {
          upd_vf_store(f + q, __builtin_convertvector(x, upd_vf));
          upd_vf_store(f + n + q, __builtin_convertvector(y, upd_vf));
        }
      }
    }
}

/* one instance per precision: the double one has no float stores (f NULL is a constant there) */
ACEUQ_HOT static void member_update_values(const member_species *m, const double *Ar, const double *Ai, double *d)
{
  member_update_values_(m, Ar, Ai, d, NULL);
}
ACEUQ_HOT static void member_update_values_single(const member_species *m, const double *Ar, const double *Ai,
                                                  double *d, float *f)
{
  member_update_values_(m, Ar, Ai, d, f);
}

/* The member sums per target, for AVX-512 (8 doubles / 16 floats per vector, up to CHUNK_VECTORS
 * vectors in one pass) and, under the _narrow names, for 256-bit vectors (4 doubles / 8 floats, up
 * to 2 CHUNK_VECTORS_NARROW): without AVX-512, GCC keeps arrays of the wider vectors on the stack
 * (bench_evaluator member forces, ACEUQ_EMULATE_AVX2: see bench/README). */
ACEUQ_DOUBLE_VECTOR(member_vd4, 4)
ACEUQ_FLOAT_VECTOR(member_vf8, 8)
#define MS_VD member_vd
#define MS_VD_LOAD member_vd_load
#define MS_VD_STORE member_vd_store
#define MS_LANES LANES
#define MS_VF member_vf
#define MS_VF_LOAD member_vf_load
#define MS_VF_STORE member_vf_store
#define MS_FLOAT_LANES FLOAT_LANES
#define MS_MAX_VECTORS CHUNK_VECTORS
#define MS(name) name
#include "ace_member_sums.h"

#define MS_VD member_vd4
#define MS_VD_LOAD member_vd4_load
#define MS_VD_STORE member_vd4_store
#define MS_LANES 4
#define MS_VF member_vf8
#define MS_VF_LOAD member_vf8_load
#define MS_VF_STORE member_vf8_store
#define MS_FLOAT_LANES 8
#define MS_MAX_VECTORS (2 * CHUNK_VECTORS_NARROW)
#define MS(name) name##_narrow
#include "ace_member_sums.h"

/* W_s+(e) for all members and the m >= 0 entries e (the fold is in the update values): in double
 * into ws->mWr, mWi (rows of Mp, the own lane last), or single precision the members in float into
 * ws->mWf (rows of Mf, re then im) and the own lane (if any) into mWr, mWi (one per entry). */
ACEUQ_HOT static void member_adjoints(const ace_evaluator *ev, const ace_member_basis *mb, const member_species *m,
                                      ace_atom_workspace *ws)
{
  const int wide = cpu_wide_registers();
  const size_t chunk = wide ? CHUNK_VECTORS : CHUNK_VECTORS_NARROW;
  const size_t na = (size_t)ev->nel * ev->nradmax * ev->nlm;
  double *d = ws->mupd, *Ar = d + 2 * mb->nval_max, *Ai = Ar + na;
  for (size_t e = 0; e < na; ++e) Ar[e] = ws->A[e].re, Ai[e] = ws->A[e].im;
  if (mb->single) {
    member_update_values_single(m, Ar, Ai, d, ws->mupdf);
    const size_t Mf = mb->Mf;
    float *Wr = ws->mWf, *Wi = ws->mWf + na * Mf;
    for (size_t c0 = 0; c0 < Mf; c0 += chunk * FLOAT_LANES) {
      const int own = mb->own && c0 == 0;
      if (wide) {
#define SUMS_SINGLE_(nv) member_target_sums_single(m, d, ws->mupdf, Mf, c0, nv, own, Wr, Wi, ws->mWr, ws->mWi)
        BY_CHUNK_((Mf - c0) / FLOAT_LANES, chunk, CHUNK_VECTORS, SUMS_SINGLE_)
#undef SUMS_SINGLE_
      } else { /* the same members as 8-float vectors */
#define SUMS_SINGLE_(nv) member_target_sums_single_narrow(m, d, ws->mupdf, Mf, c0, nv, own, Wr, Wi, ws->mWr, ws->mWi)
        BY_CHUNK_((Mf - c0) / 8, 2 * chunk, 2 * CHUNK_VECTORS_NARROW, SUMS_SINGLE_)
#undef SUMS_SINGLE_
      }
    }
    return;
  }
  member_update_values(m, Ar, Ai, d);
  const size_t Mp = mb->Mp;
  for (size_t c0 = 0; c0 < Mp; c0 += chunk * LANES) {
    if (wide) {
#define SUMS_(nv) member_target_sums(m, d, Mp, c0, nv, ws->mWr, ws->mWi)
      BY_CHUNK_((Mp - c0) / LANES, chunk, CHUNK_VECTORS, SUMS_)
#undef SUMS_
    } else { /* the same members as 4-double vectors */
#define SUMS_(nv) member_target_sums_narrow(m, d, Mp, c0, nv, ws->mWr, ws->mWi)
      BY_CHUNK_((Mp - c0) / 4, 2 * chunk, 2 * CHUNK_VECTORS_NARROW, SUMS_)
#undef SUMS_
    }
  }
}

/* The members' adjoints of the atom cached in ws, then their gradients into sink (the members) and
 * own (the own lane; NULL: not written). */
static aceuq_status member_pass(const ace_evaluator *ev, const ace_member_basis *mb, ace_atom_workspace *ws, int mu_i,
                                size_t n, const grad_sink *sink, const grad_sink *own, aceuq_error *err)
{
  if (mb->nel != ev->nel) return aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "member gradients: other potential");
  if (mu_i != ws->last_mu || n != ws->last_n)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "member gradients: the workspace holds another atom (evaluate the atom first)");
  aceuq_status st = ace_rank1_cache_fill(ev, ws, err);
  if (st) return st;
  st = member_reserve(ev, ws, mb, err);
  if (st) return st;
  const member_species *m = &mb->sp[mu_i];
  const size_t nm = mb->M - (size_t)mb->own;
  if (!mb->own) own = NULL;
  member_adjoints(ev, mb, m, ws);
  if (!mb->single) {
    ace_weighted_gradients(ev, ws, nm, ws->mWr, ws->mWi, m->W1, mb->Mp, sink, own);
  } else {
    /* the members in float, the own lane in double (its adjoints one per entry) */
    const size_t na = (size_t)ev->nel * ev->nradmax * ev->nlm;
    ace_weighted_gradients_mixed(ev, ws, nm, ws->mWf, ws->mWf + na * mb->Mf, m->W1f, mb->Mf, sink, ws->mWr,
                                 ws->mWi, m->W1_own, 1, own);
  }
  return ACEUQ_OK;
}

aceuq_status ace_member_gradients(const ace_evaluator *ev, const ace_member_basis *mb, ace_atom_workspace *ws,
                                  int mu_i, size_t n, double *dev_drij, aceuq_error *err)
{
  const size_t nm = mb->M - (size_t)mb->own;
  const grad_sink sink = {dev_drij, mb->M, NULL, 0, NULL}, own = {dev_drij + nm, mb->M, NULL, 0, NULL};
  memset(dev_drij, 0, n * mb->M * 3 * sizeof *dev_drij);
  return member_pass(ev, mb, ws, mu_i, n, &sink, &own, err);
}

aceuq_status ace_member_forces(const ace_evaluator *ev, const ace_member_basis *mb, ace_atom_workspace *ws, int mu_i,
                               size_t n, const int *row_of, int row_i, double *dF, float *dFf, double *dE_drij,
                               aceuq_error *err)
{
  const size_t nm = mb->M - (size_t)mb->own;
  const grad_sink sink = {dF, nm, row_of, row_i, dFf}, own = {dE_drij, 1, NULL, 0, NULL};
  if (!dF == !dFf)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "member forces: give either double or float rows");
  if (dFf && !mb->single)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "member forces: float rows need single precision");
  if (dE_drij && !mb->own)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "member forces: the potential's own lane was not built");
  if (dE_drij) memset(dE_drij, 0, 3 * n * sizeof *dE_drij);
  return member_pass(ev, mb, ws, mu_i, n, &sink, dE_drij ? &own : NULL, err);
}
