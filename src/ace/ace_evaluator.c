/* ace_evaluator.c -- see ace_evaluator.h.
 *
 * Per atom i (ace.md section 8):
 *   A1[mu][k]      = sum_{j in mu} g_k(r_ij)
 *   A[mu][n][l][m] = sum_{j in mu} R_nl(r_ij) Y_lm(rhat_ij),  m = 0..l;
 *                    A[..][l][-m] = (-1)^m conj(A[..][l][m])
 *   rho_p = sum_{rank-1 f} c_f[p] A1[mu_f][n_f-1]
 *         + sum_{f, ms} c_{f,ms}[p] Re prod_t A[mu_t][n_t-1][l_t][m_t],
 * the rank-1 sum taken as sum_j G_p(r_ij) with G_p = sum_f c_f[p] g_{n_f} splined once per
 * bond (the energy table; A1 itself is built only for projections and gradients).  When the
 * projections b_f are computed anyway, the rank > 1 part is taken from them instead,
 * rho_p = rho1_p + sum_f c_f[p] b_f (the C-tilde terms regroup this sum by product).
 * Adjoint: with theta = sum_p dE/drho_p c_{f,ms}[p] and dB_t = prod_{s != t} A_s,
 *   dE = Re sum_{all m} W(m) dA(m),  W(m_t) += theta dB_t,
 * folded onto m >= 0 with dA(-m) = (-1)^m conj(dA(m)):
 *   W+(m) = W(m) + (-1)^m conj(W(-m))   (m > 0),   dE = Re sum_{m >= 0} W+(m) dA(m),
 * and per neighbour dA(m)/dr_ij = R'_nl Y_lm rhat + R_nl dY_lm / r.
 */
#include "ace_evaluator.h"
#include "ace_evaluator_internal.h"

#include "ace_basis.h"
#include "ace_embedding.h"
#include "ace_radial.h"
#include "ace_switch.h"
#include "ace_ylm.h"
#include "error_internal.h"
#include "hot_internal.h"
#include "vec_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The force contraction and the A sums run over FORCE_LANES neighbours at once (one AVX-512
 * register, two AVX2 ones in the x86-64-v3 clone). */
ACEUQ_DOUBLE_VECTOR(force_vd, FORCE_LANES)

static void flat_terms_free(flat_terms *t)
{
  free(t->first);
  free(t->rank);
  free(t->idx);
  free(t->coef);
  memset(t, 0, sizeof *t);
}

static aceuq_status flat_terms_alloc(flat_terms *t, size_t nfunc, size_t nterms, int ncoef, aceuq_error *err)
{
  t->nfunc = nfunc;
  t->nterms = nterms;
  t->first = calloc(nfunc + 1, sizeof *t->first);
  t->rank = calloc(nfunc ? nfunc : 1, sizeof *t->rank);
  t->idx = calloc((nterms ? nterms : 1) * ACE_MAX_RANK, sizeof *t->idx);
  t->coef = calloc((nterms ? nterms : 1) * (size_t)ncoef, sizeof *t->coef);
  if (!t->first || !t->rank || !t->idx || !t->coef)
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory building the evaluator");
  return ACEUQ_OK;
}

/* Flat A index of term component a; validates ranges against the bond. */
static aceuq_status term_index(const ace_evaluator *ev, int mu0, int mu, int n, int l, int m, int *out,
                               aceuq_error *err)
{
  const ace_bond *b = &ev->model->bonds[mu0 * ev->nel + mu];
  if (mu < 0 || mu >= ev->nel || n < 1 || n > b->nradmax || l < 0 || l > b->lmax || m < -l || m > l)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT,
                           "%s: function of species %s uses (mu=%d, n=%d, l=%d, m=%d) outside the "
                           "radial basis of the bond (nradmax %d, lmax %d)",
                           ev->model->source, ev->model->elements[mu0], mu, n, l, m, b->nradmax, b->lmax);
  *out = a_index(ev, mu, n - 1, l, m);
  return ACEUQ_OK;
}

static aceuq_status flatten_ctilde(ace_evaluator *ev, int mu, aceuq_error *err)
{
  species_eval *s = &ev->sp[mu];
  const ace_model *m = ev->model;
  size_t nf = m->nctilde[mu], n1 = 0, nterms = 0;
  for (size_t f = 0; f < nf; ++f) {
    const ace_ctilde_func *c = &m->ctilde[mu][f];
    if (c->ndensity != s->ndensity)
      return aceuq_error_set(err, ACEUQ_ERR_MISMATCH,
                             "%s: function %zu of species %s has ndensity %d, the embedding %d", m->source,
                             f, m->elements[mu], c->ndensity, s->ndensity);
    if (c->rank == 1) ++n1;
    else nterms += (size_t)c->num_ms_combs;
  }
  s->n1 = n1;
  s->r1_idx = calloc(n1 ? n1 : 1, sizeof *s->r1_idx);
  s->r1_c = calloc((n1 ? n1 : 1) * (size_t)s->ndensity, sizeof *s->r1_c);
  if (!s->r1_idx || !s->r1_c) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory");
  aceuq_status st = flat_terms_alloc(&s->ct, nf - n1, nterms, s->ndensity, err);
  if (st) return st;
  size_t i1 = 0, fi = 0, t = 0;
  for (size_t f = 0; f < nf; ++f) {
    const ace_ctilde_func *c = &m->ctilde[mu][f];
    if (c->rank == 1) {
      const ace_bond *b = &m->bonds[mu * ev->nel + c->mus[0]];
      if (c->ns[0] < 1 || c->ns[0] > b->nradbase)
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: rank-1 function of %s uses n=%d > nradbase %d",
                               m->source, m->elements[mu], c->ns[0], b->nradbase);
      s->r1_idx[i1] = c->mus[0] * ev->nradbase + c->ns[0] - 1;
      memcpy(&s->r1_c[i1 * s->ndensity], c->ctildes, sizeof(double) * s->ndensity);
      ++i1;
      continue;
    }
    s->ct.first[fi] = t;
    s->ct.rank[fi] = c->rank;
    for (int k = 0; k < c->num_ms_combs; ++k, ++t) {
      for (int a = 0; a < c->rank; ++a) {
        st = term_index(ev, mu, c->mus[a], c->ns[a], c->ls[a], c->ms_combs[k * c->rank + a],
                        &s->ct.idx[t * ACE_MAX_RANK + a], err);
        if (st) return st;
      }
      memcpy(&s->ct.coef[t * s->ndensity], &c->ctildes[(size_t)k * s->ndensity],
             sizeof(double) * s->ndensity);
    }
    ++fi;
  }
  s->ct.first[fi] = t;
  return ACEUQ_OK;
}

static aceuq_status flatten_projections(ace_evaluator *ev, int mu, aceuq_error *err)
{
  species_eval *s = &ev->sp[mu];
  const ace_bbasis *bb = ev->bbasis;
  size_t nf = bb->nfuncs[mu], n1 = bb->nfuncs_rank1[mu], nterms = 0;
  for (size_t f = n1; f < nf; ++f) nterms += (size_t)bb->funcs[mu][f].num_ms_combs;
  s->nproj1 = n1;
  s->p1_idx = calloc(n1 ? n1 : 1, sizeof *s->p1_idx);
  if (!s->p1_idx) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory");
  aceuq_status st = flat_terms_alloc(&s->pb, nf - n1, nterms, 1, err);
  if (st) return st;
  const int nd = s->ndensity;
  s->pb_c = calloc((nf > n1 ? nf - n1 : 1) * (size_t)(nd > 0 ? nd : 1), sizeof *s->pb_c);
  if (!s->pb_c) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory");
  size_t t = 0;
  for (size_t f = 0; f < nf; ++f) {
    const ace_bbasis_func *b = &bb->funcs[mu][f];
    if (f < n1) {
      s->p1_idx[f] = b->mus[0] * ev->nradbase + b->ns[0] - 1;
      continue;
    }
    s->pb.first[f - n1] = t;
    s->pb.rank[f - n1] = b->rank;
    memcpy(&s->pb_c[(f - n1) * (size_t)nd], b->coeffs, (size_t)nd * sizeof *s->pb_c);
    for (int k = 0; k < b->num_ms_combs; ++k, ++t) {
      for (int a = 0; a < b->rank; ++a) {
        st = term_index(ev, mu, b->mus[a], b->ns[a], b->ls[a], b->ms_combs[k * b->rank + a],
                        &s->pb.idx[t * ACE_MAX_RANK + a], err);
        if (st) return st;
      }
      s->pb.coef[t] = b->gen_cgs[k];
    }
  }
  s->pb.first[nf - n1] = t;
  return ACEUQ_OK;
}

/* The energy table of bond (mu_i, mu_j): G_p = sum of the rank-1 C-tilde functions of mu_i
 * on neighbours mu_j, c_f[p] g_{n_f}, so that rho_p's rank-1 part is sum_j G_p(r_ij). */
static aceuq_status contract_rank1(ace_evaluator *ev, int mu_i, int mu_j, aceuq_error *err)
{
  const species_eval *s = &ev->sp[mu_i];
  ace_bond_splines *sp = &ev->splines[mu_i * ev->nel + mu_j];
  const int nd = s->ndensity, K = sp->nradbase;
  double *w = calloc((size_t)(nd > 0 ? nd : 1) * (K > 0 ? K : 1), sizeof *w);
  if (!w) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory");
  for (size_t f = 0; f < s->n1; ++f) {
    const int mu = s->r1_idx[f] / ev->nradbase, k = s->r1_idx[f] % ev->nradbase;
    if (mu != mu_j) continue;
    for (int p = 0; p < nd; ++p) w[p * K + k] += s->r1_c[f * nd + p];
  }
  const aceuq_status st = ace_bond_splines_contract(sp, nd, w, err);
  free(w);
  return st;
}

void ace_evaluator_free(ace_evaluator *ev)
{
  if (!ev) return;
  if (ev->sp)
    for (int mu = 0; mu < ev->nel; ++mu) {
      free(ev->sp[mu].r1_idx);
      free(ev->sp[mu].r1_c);
      free(ev->sp[mu].p1_idx);
      free(ev->sp[mu].pb_c);
      flat_terms_free(&ev->sp[mu].ct);
      flat_terms_free(&ev->sp[mu].pb);
    }
  if (ev->splines)
    for (int p = 0; p < ev->nel * ev->nel; ++p) ace_bond_splines_free(&ev->splines[p]);
  free(ev->splines);
  free(ev->cut);
  free(ev->sp);
  ace_ylm_table_free(ev->ylm);
  ace_bbasis_free(ev->bbasis);
  ace_model_free(ev->model);
  free(ev);
}

aceuq_status ace_evaluator_create(ace_model *model, ace_evaluator **out, aceuq_error *err)
{
  *out = NULL;
  ace_evaluator *ev = calloc(1, sizeof *ev);
  if (!ev) {
    ace_model_free(model);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory");
  }
  ev->model = model;
  aceuq_status st = ACEUQ_OK;
  if (model->bfuncs) st = ace_basis_build(model, &ev->bbasis, err);
  if (!st && !model->ctilde)
    st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: the potential has no basis functions", model->source);
  if (st) {
    ace_evaluator_free(ev);
    return st;
  }
  ace_model_finalize(model);
  ev->nel = model->nelements;
  ev->lmax = model->lmax;
  ev->nradmax = model->nradmax > 0 ? model->nradmax : 1;
  ev->nradbase = model->nradbase;
  ev->nlm = (ev->lmax + 1) * (ev->lmax + 1);
  ev->nylm = ace_ylm_count(ev->lmax);
  ev->ndensmax = model->ndensitymax;
  const int npair = ev->nel * ev->nel;
  ev->splines = calloc(npair, sizeof *ev->splines);
  ev->cut = calloc(npair, sizeof *ev->cut);
  ev->sp = calloc(ev->nel, sizeof *ev->sp);
  ev->ylm = ace_ylm_table_create(ev->lmax);
  if (!ev->splines || !ev->cut || !ev->sp || !ev->ylm) st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory");
  for (int p = 0; !st && p < npair; ++p) {
    const ace_bond *b = &model->bonds[p];
    const int mi = p / ev->nel, mj = p % ev->nel;
    if (!b->defined) {
      st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: no bond (radial basis) for the pair %s %s",
                           model->source, model->elements[mi], model->elements[mj]);
      break;
    }
    ev->cut[p] = b->rcut;
    st = ace_bond_splines_build(&ev->splines[p], b, model->inner_cutoff_type, model->elements[mi],
                                model->elements[mj], model->delta_spline_bins, err);
    if (st) aceuq_error_prefix(err, "%s: bond %s %s", model->source, model->elements[mi], model->elements[mj]);
  }
  for (int mu = 0; !st && mu < ev->nel; ++mu) {
    ev->sp[mu].ndensity = model->embeddings[mu].ndensity;
    st = flatten_ctilde(ev, mu, err);
    if (!st && ev->bbasis) st = flatten_projections(ev, mu, err);
  }
  for (int p = 0; !st && p < npair; ++p) {
    st = contract_rank1(ev, p / ev->nel, p % ev->nel, err);
    if (!st) ace_bond_splines_release_full(&ev->splines[p]); /* only the energy table is read from here on */
    if (!st && ace_bond_splines_sum_slots(&ev->splines[p]) > ev->sum_slots)
      ev->sum_slots = ace_bond_splines_sum_slots(&ev->splines[p]);
  }
  if (st) {
    ace_evaluator_free(ev);
    return st;
  }
  *out = ev;
  return ACEUQ_OK;
}

const ace_model *ace_evaluator_model(const ace_evaluator *ev) { return ev->model; }

const struct ace_bbasis *ace_evaluator_bbasis(const ace_evaluator *ev) { return ev->bbasis; }

double ace_evaluator_cutoff(const ace_evaluator *ev, int mu_i, int mu_j)
{
  if (mu_i < 0 || mu_j < 0) return ev->model->cutoffmax;
  return ev->cut[mu_i * ev->nel + mu_j];
}

size_t ace_evaluator_projection_size(const ace_evaluator *ev, int mu, ace_projection_kind kind)
{
  if (!ev->bbasis || kind == ACE_PROJECTIONS_NONE) return 0;
  size_t k = ev->bbasis->nfuncs[mu];
  return kind == ACE_PROJECTIONS_NONLINEAR ? k * (size_t)ev->sp[mu].ndensity : k;
}

size_t ace_evaluator_ordering_ties(const ace_evaluator *ev)
{
  return ev->bbasis ? ev->bbasis->nties : 0;
}

void ace_atom_workspace_free(ace_atom_workspace *ws)
{
  if (!ws) return;
  free(ws->nb_src);
  free(ws->nb_mu);
  free(ws->nb_r);
  free(ws->nb_rhat);
  free(ws->nb_dc);
  free(ws->nb_dg);
  free(ws->nb_R);
  free(ws->nb_dR);
  free(ws->nb_G);
  free(ws->nb_dG);
  free(ws->rho1);
  free(ws->nb_Y);
  free(ws->nb_dY);
  free(ws->A);
  free(ws->W);
  free(ws->A1);
  free(ws->slot_sums);
  free(ws->rho);
  free(ws->dF);
  free(ws->dE_drho);
  free(ws->prefix);
  free(ws->fblk);
  free(ws->zeros);
  free(ws->gW);
  free(ws->gD);
  free(ws->gG);
  free(ws->gq);
  free(ws->mWr);
  free(ws->mWi);
  free(ws->mupd);
  free(ws->mupdf);
  free(ws->mWf);
  free(ws->fblk_f);
  free(ws);
}

/* Rows of a gathered block of neighbours (block_areas): R, R' (nradmax (lmax+1) each), Y (2 nylm),
 * dY (6 nylm), g' (nradbase). */
static size_t block_rows(const ace_evaluator *ev)
{
  return 2 * (size_t)ev->nradmax * (ev->lmax + 1) + 8 * (size_t)ev->nylm + (size_t)ev->nradbase;
}

aceuq_status ace_atom_workspace_create(const ace_evaluator *ev, ace_atom_workspace **out, aceuq_error *err)
{
  ace_atom_workspace *ws = calloc(1, sizeof *ws);
  if (!ws) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory");
  ws->last_mu = -1;
  const size_t na = (size_t)ev->nel * ev->nradmax * ev->nlm, na1 = (size_t)ev->nel * ev->nradbase;
  const size_t nd = ev->ndensmax > 0 ? ev->ndensmax : 1;
  ws->A = calloc(na, sizeof *ws->A);
  ws->W = calloc(na, sizeof *ws->W);
  ws->A1 = calloc(na1 ? na1 : 1, sizeof *ws->A1);
  ws->slot_sums = calloc((size_t)ev->nel * ev->sum_slots + 1, sizeof *ws->slot_sums);
  ws->rho = calloc(nd, sizeof *ws->rho);
  ws->dF = calloc(nd, sizeof *ws->dF);
  ws->dE_drho = calloc(nd, sizeof *ws->dE_drho);
  ws->rho1 = calloc(nd, sizeof *ws->rho1);
  ws->prefix = calloc(ACE_MAX_RANK + 1, sizeof *ws->prefix);
  const size_t nrows = block_rows(ev);
  ws->fblk = calloc((nrows + 2 * (size_t)ev->nradmax * ev->nylm) * FORCE_LANES, sizeof *ws->fblk);
  ws->zeros = calloc((size_t)ev->nradmax * (ev->lmax + 1) + (size_t)ev->nradbase, sizeof *ws->zeros);
  ws->fblk_f = calloc(nrows * 2 * FORCE_LANES, sizeof *ws->fblk_f);
  if (!ws->A || !ws->W || !ws->A1 || !ws->slot_sums || !ws->rho || !ws->dF || !ws->dE_drho || !ws->rho1 ||
      !ws->prefix || !ws->fblk || !ws->fblk_f || !ws->zeros) {
    ace_atom_workspace_free(ws);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory");
  }
  *out = ws;
  return ACEUQ_OK;
}

/* Grow the per-neighbour caches to hold n neighbours (only when an atom has
 * more neighbours than any before). */
static aceuq_status workspace_reserve(const ace_evaluator *ev, ace_atom_workspace *ws, size_t n, aceuq_error *err)
{
  if (n <= ws->cap) return ACEUQ_OK;
  size_t cap = n + n / 2 + 8;
  const size_t nrl = (size_t)ev->nradmax * (ev->lmax + 1), nk = ev->nradbase > 0 ? ev->nradbase : 1;
  const size_t nd = ev->ndensmax > 0 ? (size_t)ev->ndensmax : 1;
#define GROW(ptr, count)                                                         \
  do {                                                                           \
    void *p_ = realloc((ptr), (count) * sizeof *(ptr));                          \
    if (!p_) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory (%zu neighbours)", n); \
    (ptr) = p_;                                                                  \
  } while (0)
  GROW(ws->nb_src, cap);
  GROW(ws->nb_mu, cap);
  GROW(ws->nb_r, cap);
  GROW(ws->nb_rhat, 3 * cap);
  GROW(ws->nb_dc, cap);
  GROW(ws->nb_dg, cap * nk);
  GROW(ws->nb_R, cap * nrl);
  GROW(ws->nb_dR, cap * nrl);
  GROW(ws->nb_G, cap * nd);
  GROW(ws->nb_dG, cap * nd);
  GROW(ws->nb_Y, cap * ev->nylm);
  GROW(ws->nb_dY, 3 * cap * ev->nylm);
#undef GROW
  ws->cap = cap;
  return ACEUQ_OK;
}

/* Re prod_a A[idx[a]] of a term of rank >= 2; ranks 2 and 3 (almost all terms) written out */
static inline double product_re(const ace_complex *A, const int *idx, int rank)
{
  const ace_complex a = A[idx[0]], b = A[idx[1]];
  const double re = a.re * b.re - a.im * b.im;
  if (rank == 2) return re;
  const double im = a.re * b.im + a.im * b.re;
  const ace_complex c = A[idx[2]];
  if (rank == 3) return re * c.re - im * c.im;
  ace_complex p = {re * c.re - im * c.im, re * c.im + im * c.re};
  for (int k = 3; k < rank; ++k) p = cmul(p, A[idx[k]]);
  return p.re;
}

/* rho_p += sum over the C-tilde terms of coef_t[p] Re prod A (densities in registers for nd <= 2) */
ACEUQ_HOT static void ctilde_densities(const flat_terms *ct, const ace_complex *A, int nd, double *rho)
{
  double r0 = 0.0, r1 = 0.0;
  for (size_t f = 0; f < ct->nfunc; ++f) {
    const int rank = ct->rank[f];
    for (size_t t = ct->first[f]; t < ct->first[f + 1]; ++t) {
      const double b = product_re(A, &ct->idx[t * ACE_MAX_RANK], rank);
      const double *c = &ct->coef[t * nd];
      if (nd <= 2) {
        r0 += b * c[0];
        if (nd == 2) r1 += b * c[1];
      } else {
        for (int p = 0; p < nd; ++p) rho[p] += b * c[p];
      }
    }
  }
  if (nd <= 2) {
    rho[0] += r0;
    if (nd == 2) rho[1] += r1;
  }
}

/* rho and the projections of the requested kind (A1 then holds the rank-1 basis).  The rank-1
 * part of rho is sum_j G_p(r_ij) from the energy table either way.  Without projections the
 * rank > 1 part is the C-tilde sum; with them, each product of A is computed once, for the B
 * functions b_f, and rho_p = rho1_p + sum_f c_f[p] b_f (the C-tilde coefficients are these
 * sums regrouped by product: the same rho to round-off, and the C-tilde pass is not needed). */
ACEUQ_HOT static void rho_and_projections(const ace_evaluator *ev, ace_atom_workspace *ws, int mu,
                                          ace_projection_kind kind, double *proj)
{
  const species_eval *s = &ev->sp[mu];
  const int nd = s->ndensity;
  for (int p = 0; p < nd; ++p) ws->rho[p] = ws->rho1[p];
  if (kind == ACE_PROJECTIONS_NONE || !proj || !ev->bbasis) {
    if (nd > 0) ctilde_densities(&s->ct, ws->A, nd, ws->rho);
    return;
  }
  for (size_t f = 0; f < s->nproj1; ++f) proj[f] = ws->A1[s->p1_idx[f]];
  double *b2 = proj + s->nproj1;
  for (size_t f = 0; f < s->pb.nfunc; ++f) {
    const int rank = s->pb.rank[f];
    double b = 0.0;
    for (size_t t = s->pb.first[f]; t < s->pb.first[f + 1]; ++t)
      b += s->pb.coef[t] * product_re(ws->A, &s->pb.idx[t * ACE_MAX_RANK], rank);
    b2[f] = b;
    for (int p = 0; p < nd; ++p) ws->rho[p] += b * s->pb_c[f * nd + p];
  }
}

/* W+(m) = W(m) + (-1)^m conj(W(-m)) for m > 0 (dE = Re sum_{m >= 0} W+(m) dA(m)) */
static void fold_adjoint_weights(const ace_evaluator *ev, ace_complex *W)
{
  for (int m0 = 0; m0 < ev->nel; ++m0)
    for (int n = 0; n < ev->nradmax; ++n)
      for (int l = 1; l <= ev->lmax; ++l)
        for (int m = 1; m <= l; ++m) {
          ace_complex *wp = &W[a_index(ev, m0, n, l, m)];
          const ace_complex wn = W[a_index(ev, m0, n, l, -m)];
          const double sg = (m & 1) ? -1.0 : 1.0;
          wp->re += sg * wn.re;
          wp->im -= sg * wn.im;
        }
}

/* W[e] += s z */
static inline void adjoint_add(ace_complex *restrict W, int e, double s, ace_complex z)
{
  W[e].re += s * z.re;
  W[e].im += s * z.im;
}

/* W(m_t) += theta prod_{s != t} A_s for every term, then fold onto m >= 0.  Ranks 2 to 4
 * written out; higher ranks by prefix products and a suffix product carried backwards. */
ACEUQ_HOT static void adjoint_weights(const ace_evaluator *ev, ace_atom_workspace *ws, int mu)
{
  const species_eval *s = &ev->sp[mu];
  const int nd = s->ndensity;
  const size_t na = (size_t)ev->nel * ev->nradmax * ev->nlm;
  ace_complex *restrict W = ws->W;
  const ace_complex *restrict A = ws->A;
  memset(W, 0, na * sizeof *W);
  ace_complex pre[ACE_MAX_RANK + 1];
  const double d0 = nd > 0 ? ws->dE_drho[0] : 0.0, d1 = nd > 1 ? ws->dE_drho[1] : 0.0;
  for (size_t f = 0; f < s->ct.nfunc; ++f) {
    const int rank = s->ct.rank[f];
    for (size_t t = s->ct.first[f]; t < s->ct.first[f + 1]; ++t) {
      const double *c = &s->ct.coef[t * nd];
      double theta;
      if (nd == 1) theta = d0 * c[0];
      else if (nd == 2) theta = d0 * c[0] + d1 * c[1];
      else {
        theta = 0.0;
        for (int p = 0; p < nd; ++p) theta += ws->dE_drho[p] * c[p];
      }
      if (theta == 0.0) continue;
      const int *idx = &s->ct.idx[t * ACE_MAX_RANK];
      const ace_complex a = A[idx[0]], b = A[idx[1]];
      if (rank == 2) {
        adjoint_add(W, idx[0], theta, b);
        adjoint_add(W, idx[1], theta, a);
        continue;
      }
      if (rank == 3) {
        const ace_complex c3 = A[idx[2]];
        adjoint_add(W, idx[0], theta, cmul(b, c3));
        adjoint_add(W, idx[1], theta, cmul(a, c3));
        adjoint_add(W, idx[2], theta, cmul(a, b));
        continue;
      }
      if (rank == 4) {
        const ace_complex c3 = A[idx[2]], d4 = A[idx[3]], ab = cmul(a, b), cd = cmul(c3, d4);
        adjoint_add(W, idx[0], theta, cmul(b, cd));
        adjoint_add(W, idx[1], theta, cmul(a, cd));
        adjoint_add(W, idx[2], theta, cmul(ab, d4));
        adjoint_add(W, idx[3], theta, cmul(ab, c3));
        continue;
      }
      /* pre[k] = prod_{s < k} A_s */
      pre[0].re = 1.0;
      pre[0].im = 0.0;
      for (int k = 0; k < rank; ++k) pre[k + 1] = cmul(pre[k], A[idx[k]]);
      ace_complex suf = {theta, 0.0};
      for (int k = rank - 1; k >= 0; --k) {
        const ace_complex d = cmul(pre[k], suf);
        W[idx[k]].re += d.re;
        W[idx[k]].im += d.im;
        suf = cmul(suf, A[idx[k]]);
      }
    }
  }
  fold_adjoint_weights(ev, W);
}

/* dst[j FORCE_LANES + k] = src[k][j] for j < n and the FORCE_LANES (8) lanes k: 4 x 4 blocks
 * transposed in registers (two-input shuffles: unpack, then 128-bit halves), the last n % 4
 * columns one by one; unless fdst is NULL also rounded to float into fdst[2 j FORCE_LANES + k]
 * (one half of a float block's rows). */
ACEUQ_DOUBLE_VECTOR(quad_d, 4)
ACEUQ_FLOAT_VECTOR(quad_f, 4)
typedef long long lanes_v4i __attribute__((vector_size(4 * sizeof(long long))));
_Static_assert(FORCE_LANES == 8, "lanes_transpose is written for 8 lanes");
static inline __attribute__((always_inline)) void lanes_transpose(const double *const src[FORCE_LANES], size_t n,
                                                                  double *restrict dst, float *restrict fdst)
{
  const lanes_v4i even = {0, 4, 2, 6}, odd = {1, 5, 3, 7}, lo = {0, 1, 4, 5}, hi = {2, 3, 6, 7};
  size_t j = 0;
  for (; j + 4 <= n; j += 4)
    for (int h = 0; h < FORCE_LANES; h += 4) {
      const quad_d r0 = quad_d_load(src[h] + j), r1 = quad_d_load(src[h + 1] + j), r2 = quad_d_load(src[h + 2] + j),
                   r3 = quad_d_load(src[h + 3] + j);
      const quad_d t0 = __builtin_shuffle(r0, r1, even), t1 = __builtin_shuffle(r0, r1, odd),
                   t2 = __builtin_shuffle(r2, r3, even), t3 = __builtin_shuffle(r2, r3, odd);
      const quad_d c[4] = {__builtin_shuffle(t0, t2, lo), __builtin_shuffle(t1, t3, lo),
                           __builtin_shuffle(t0, t2, hi), __builtin_shuffle(t1, t3, hi)};
      for (size_t i = 0; i < 4; ++i) {
        quad_d_store(&dst[(j + i) * FORCE_LANES + (size_t)h], c[i]);
        if (fdst) quad_f_store(&fdst[(j + i) * 2 * FORCE_LANES + (size_t)h], __builtin_convertvector(c[i], quad_f));
      }
    }
  for (; j < n; ++j)
    for (int k = 0; k < FORCE_LANES; ++k) {
      dst[j * FORCE_LANES + (size_t)k] = src[k][j];
      if (fdst) fdst[j * 2 * FORCE_LANES + (size_t)k] = (float)src[k][j];
    }
}

/* Neighbours blk[0..nb) of bond b, lane-minor (lane k = neighbour blk[k]; lanes beyond nb have
 * R = R' = 0, so that they add nothing, and repeat lane 0's Y):
 * Rb[i][k] = R_i, Yb[2c (+1)][k] = Re (Im) Y_c; with derivatives also dRb and
 * dYb[6c + 2a (+1)][k] = Re (Im) dY_c/dx_a; unless fb is NULL the same rows in float into the
 * rows of fb (2 FORCE_LANES floats each; row i of the double block, counted from Rb, is row i). */
static inline __attribute__((always_inline)) void block_gather(const ace_evaluator *ev, const ace_atom_workspace *ws,
                                                               const ace_bond *b, const size_t *blk, int nb,
                                                               double *restrict Rb, double *restrict dRb,
                                                               double *restrict Yb, double *restrict dYb,
                                                               float *restrict fb)
{
#define FLOAT_ROWS_(p) (fb ? fb + (size_t)((p) - Rb) / FORCE_LANES * 2 * FORCE_LANES : NULL)
  const int nylm = ev->nylm, nyb = ace_ylm_count(b->lmax);
  const size_t nrl = (size_t)ev->nradmax * (ev->lmax + 1), nrb = (size_t)b->nradmax * (b->lmax + 1);
  const double *R[FORCE_LANES], *Y[FORCE_LANES];
  for (int k = 0; k < FORCE_LANES; ++k) {
    R[k] = k < nb ? &ws->nb_R[blk[k] * nrl] : ws->zeros;
    Y[k] = &ws->nb_Y[(k < nb ? blk[k] : blk[0]) * (size_t)nylm].re;
  }
  lanes_transpose(R, nrb, Rb, FLOAT_ROWS_(Rb));
  lanes_transpose(Y, 2 * (size_t)nyb, Yb, FLOAT_ROWS_(Yb));
  if (dRb) {
    for (int k = 0; k < FORCE_LANES; ++k) {
      R[k] = k < nb ? &ws->nb_dR[blk[k] * nrl] : ws->zeros;
      Y[k] = &ws->nb_dY[3 * (k < nb ? blk[k] : blk[0]) * (size_t)nylm].re;
    }
    lanes_transpose(R, nrb, dRb, FLOAT_ROWS_(dRb));
    lanes_transpose(Y, 6 * (size_t)nyb, dYb, FLOAT_ROWS_(dYb));
  }
#undef FLOAT_ROWS_
}

/* dgb[c][k] = g_c' of lane k's neighbour blk[k] (0 beyond nb), c < nkb (rows of nk in nb_dg); unless
 * fdgb is NULL also in float into fdgb[c][k] (rows of 2 FORCE_LANES). */
static inline __attribute__((always_inline)) void block_gather_dg(const ace_atom_workspace *ws, const size_t *blk,
                                                                  int nb, int nk, int nkb, double *restrict dgb,
                                                                  float *restrict fdgb)
{
  const double *G[FORCE_LANES];
  for (int k = 0; k < FORCE_LANES; ++k) G[k] = k < nb ? &ws->nb_dg[blk[k] * (size_t)nk] : ws->zeros;
  lanes_transpose(G, (size_t)nkb, dgb, fdgb);
}

#define CONTRACT_SETS 3 /* weight sets per call of block_contract */

/* shuffle index vectors of the double (8 lanes) and float (16 lanes) blocks */
typedef long long force_md __attribute__((vector_size(FORCE_LANES * sizeof(long long))));
typedef int force_mf __attribute__((vector_size(2 * FORCE_LANES * sizeof(int))));
#define LANE_LIST8(F, x) {F(0, x), F(1, x), F(2, x), F(3, x), F(4, x), F(5, x), F(6, x), F(7, x)}
#define LANE_LIST16(F, x)                                                                                      \
  {F(0, x), F(1, x), F(2, x), F(3, x), F(4, x), F(5, x), F(6, x), F(7, x),                                      \
   F(8, x), F(9, x), F(10, x), F(11, x), F(12, x), F(13, x), F(14, x), F(15, x)}
_Static_assert(FORCE_LANES == 8, "the lane lists are written for 8 double / 16 float lanes");
ACEUQ_DOUBLE_VECTOR(pair_d, 2)
ACEUQ_FLOAT_VECTOR(pair_f, 2)
ACEUQ_FLOAT_VECTOR(force_vf, 2 * FORCE_LANES)
ACEUQ_DOUBLE_VECTOR(force_vd2, 2 * FORCE_LANES)
/* a block's lane vector as doubles; a float vector converted as a whole (converting 4 lanes at a
 * time, as the sinks read them, compiled to spills and 128-bit converts) */
static inline __attribute__((always_inline)) void store_as_double(double *dst, force_vd v)
{
  memcpy(dst, &v, sizeof v);
}
static inline __attribute__((always_inline)) void store_as_double_single(double *dst, force_vf v)
{
  const force_vd2 d = __builtin_convertvector(v, force_vd2);
  memcpy(dst, &d, sizeof d);
}

/* block_contract on half of a block (FORCE_LANES / 2 of the double lanes, FORCE_LANES of the float
 * ones: one 256-bit vector) for CPUs without AVX-512: the full block's accumulators need twice their
 * 16 registers, and GCC then keeps them on the stack (bench_evaluator E+F x2.4 of AVX-512 in the
 * ACEUQ_EMULATE_AVX2 build); per lane the same operations as the full block */
ACEUQ_DOUBLE_VECTOR(half_vd, FORCE_LANES / 2)
ACEUQ_FLOAT_VECTOR(half_vf, FORCE_LANES)
#define NB_REAL double
#define NB_LANES (FORCE_LANES / 2)
#define NB_STRIDE FORCE_LANES
#define NB_VEC half_vd
#define NB_VEC_LOAD half_vd_load
#define NB_CONTRACT_ONLY 1
#define NB(name) name##_half
#include "ace_block_contract.h"

#define NB_REAL float
#define NB_LANES FORCE_LANES
#define NB_STRIDE (2 * FORCE_LANES)
#define NB_VEC half_vf
#define NB_VEC_LOAD half_vf_load
#define NB_CONTRACT_ONLY 1
#define NB(name) name##_single_half
#include "ace_block_contract.h"

/* block_areas, block_contract and block_gradients in double (FORCE_LANES neighbours per vector) and
 * in float (the _single copies, 2 FORCE_LANES neighbours per vector); their contractions in halves
 * (above) without AVX-512 */
#define NB_REAL double
#define NB_FLOAT_ROWS 0
#define NB_LANES FORCE_LANES
#define NB_VEC force_vd
#define NB_VEC_LOAD force_vd_load
#define NB_MASK force_md
#define NB_LANE_LIST LANE_LIST8
#define NB(name) name
#define NB_HALF(name) name##_half
#define NB_HALF_VEC half_vd
#include "ace_block_contract.h"

#define NB_REAL float
#define NB_FLOAT_ROWS 1
#define NB_LANES (2 * FORCE_LANES)
#define NB_VEC force_vf
#define NB_VEC_LOAD force_vf_load
#define NB_MASK force_mf
#define NB_LANE_LIST LANE_LIST16
#define NB(name) name##_single
#define NB_HALF(name) name##_single_half
#define NB_HALF_VEC half_vf
#include "ace_block_contract.h"

/* A[mj][n][l][m >= 0] = sum over the nq cached neighbours of species mj of R_nl Y_lm,
 * FORCE_LANES neighbours at a time into lane-wise sums (ws->fblk), added up at the end. */
ACEUQ_HOT static void density_block_sums(const ace_evaluator *ev, ace_atom_workspace *ws, int mu_i, int mj, size_t nq)
{
  const ace_bond *b = &ev->model->bonds[mu_i * ev->nel + mj];
  const int L1 = b->lmax + 1, nyb = ace_ylm_count(b->lmax);
  double *Rb, *dRb, *Yb, *dYb, *dgb;
  block_areas(ev, ws->fblk, &Rb, &dRb, &Yb, &dYb, &dgb);
  double *restrict acc = dgb + (size_t)ev->nradbase * FORCE_LANES; /* [n][c][re, im][lanes] */
  memset(acc, 0, (size_t)b->nradmax * nyb * 2 * FORCE_LANES * sizeof *acc);
  size_t blk[FORCE_LANES];
  int nb = 0, any = 0;
  for (size_t q = 0; q <= nq; ++q) {
    if (q < nq && ws->nb_mu[q] == mj) blk[nb++] = q;
    if (nb == 0 || (nb < FORCE_LANES && q < nq)) continue;
    block_gather(ev, ws, b, blk, nb, Rb, NULL, Yb, NULL, NULL);
    for (int nn = 0; nn < b->nradmax; ++nn)
      for (int l = 0; l < L1; ++l) {
        const force_vd Rv = force_vd_load(&Rb[(size_t)(nn * L1 + l) * FORCE_LANES]);
        for (int m = 0; m <= l; ++m) {
          const size_t c = (size_t)ace_ylm_index(l, m);
          double *a = &acc[((size_t)nn * nyb + c) * 2 * FORCE_LANES];
          force_vd_store(a, force_vd_load(a) + Rv * force_vd_load(&Yb[2 * c * FORCE_LANES]));
          if (m > 0) /* Y_l0 is real: its imaginary sums stay 0 */
            force_vd_store(a + FORCE_LANES,
                           force_vd_load(a + FORCE_LANES) + Rv * force_vd_load(&Yb[(2 * c + 1) * FORCE_LANES]));
        }
      }
    nb = 0;
    any = 1;
  }
  if (!any) return;
  for (int nn = 0; nn < b->nradmax; ++nn)
    for (int l = 0; l < L1; ++l)
      for (int m = 0; m <= l; ++m) {
        const double *a = &acc[((size_t)nn * nyb + (size_t)ace_ylm_index(l, m)) * 2 * FORCE_LANES];
        ace_complex *A = &ws->A[a_index(ev, mj, nn, l, m)];
        for (int k = 0; k < FORCE_LANES; ++k) {
          A->re += a[k];
          A->im += a[FORCE_LANES + k];
        }
      }
}

/* Step 1 of an atom: the neighbours inside the pair cutoff (splines, Y_lm,
 * cached in ws, *nq of them) and the atomic base A (with A(l,-m) =
 * (-1)^m conj A(l,m)), and as much of the rank-1 basis as rank1 asks for
 * (A1, or also nb_dg); rho_core and, for zbl, the closest neighbour
 * qmin ((size_t)-1 if none). */
ACEUQ_HOT static aceuq_status atomic_base(const ace_evaluator *ev, ace_atom_workspace *ws, int mu_i, size_t n,
                                          const int *mu_j, const double *rij, rank1_cache rank1,
                                          double *rho_core_out, size_t *nq_out, size_t *qmin_out, aceuq_error *err)
{
  const int nd = ev->sp[mu_i < 0 || mu_i >= ev->nel ? 0 : mu_i].ndensity;
  const ace_model *model = ev->model;
  const int nel = ev->nel, lmax = ev->lmax, nk = ev->nradbase;
  const size_t nrl = (size_t)ev->nradmax * (lmax + 1);
  if (mu_i < 0 || mu_i >= nel)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "species index %d out of range", mu_i);
  aceuq_status st = workspace_reserve(ev, ws, n, err);
  if (st) return st;
  memset(ws->A, 0, (size_t)nel * ev->nradmax * ev->nlm * sizeof *ws->A);
  if (rank1 != RANK1_NONE) memset(ws->slot_sums, 0, (size_t)nel * ev->sum_slots * sizeof *ws->slot_sums);
  for (int p = 0; p < nd; ++p) ws->rho1[p] = 0.0;

  const int zbl = model->inner_cutoff_type == ACE_INNER_CUTOFF_ZBL;
  double rho_core = 0.0, dmin = HUGE_VAL;
  size_t q = 0, qmin = (size_t)-1;
  enum { AHEAD = 8 }; /* neighbours whose spline rows are requested before they are needed */
  for (size_t j = 0; j < n; ++j) {
    const int mj = mu_j[j];
    if (mj < 0 || mj >= nel)
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "neighbour %zu: species index %d out of range", j, mj);
    if (j + AHEAD < n && mu_j[j + AHEAD] >= 0 && mu_j[j + AHEAD] < nel) {
      const double *e = &rij[3 * (j + AHEAD)];
      ace_bond_splines_prefetch(&ev->splines[mu_i * nel + mu_j[j + AHEAD]],
                                sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]), rank1 != RANK1_NONE);
    }
    const double *d = &rij[3 * j];
    const double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    const int pair = mu_i * nel + mj;
    if (!(r < ev->cut[pair])) {
      if (r != r) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "neighbour %zu: distance is not a number", j);
      continue;
    }
    double *R = &ws->nb_R[q * nrl], *dR = &ws->nb_dR[q * nrl], c;
    const ace_bond *b = &model->bonds[pair];
    double *G = &ws->nb_G[q * ev->ndensmax];
    /* with rank1, the rank-1 basis itself from the same row: its sum over the neighbours (slot sums,
     * for A1), and for gradients every neighbour's derivatives */
    double *sums = rank1 != RANK1_NONE ? &ws->slot_sums[(size_t)mj * ev->sum_slots] : NULL;
    st = ace_bond_splines_eval_energy(&ev->splines[pair], r, R, dR, G, &ws->nb_dG[q * ev->ndensmax], &c,
                                      &ws->nb_dc[q], sums, rank1 == RANK1_GRADIENTS ? &ws->nb_dg[q * nk] : NULL, err);
    for (int p = 0; !st && p < nd; ++p) ws->rho1[p] += G[p];
    if (st) return aceuq_error_prefix(err, "neighbour at distance %.6g of a %s atom", r, model->elements[mu_i]);
    double *rh = &ws->nb_rhat[3 * q];
    rh[0] = d[0] / r;
    rh[1] = d[1] / r;
    rh[2] = d[2] / r;
    rho_core += c;
    if (zbl) {
      const double dz = r - (b->r_in - b->delta_in);
      if (dz < dmin) {
        dmin = dz;
        qmin = q;
      }
    }
    ws->nb_src[q] = j;
    ws->nb_mu[q] = mj;
    ws->nb_r[q] = r;
    ++q;
  }
  /* A1[mu][k] = sum_q g_k(r_q) over the neighbours of species mu (k < the bond's nradbase) */
  if (rank1 != RANK1_NONE) memset(ws->A1, 0, (size_t)nel * nk * sizeof *ws->A1);
  for (int mj = 0; rank1 != RANK1_NONE && mj < nel; ++mj)
    ace_bond_splines_basis_sums(&ev->splines[mu_i * nel + mj], &ws->slot_sums[(size_t)mj * ev->sum_slots],
                                &ws->A1[(size_t)mj * nk]);
  /* Y_lm of all neighbours at once, then A[mu_j][n][l][m] += R_nl Y_lm */
  ace_ylm_eval_many(ev->ylm, q, ws->nb_rhat, ws->nb_Y, ws->nb_dY);
  for (int mj = 0; mj < nel; ++mj) density_block_sums(ev, ws, mu_i, mj, q);
  /* A(l,-m) = (-1)^m conj A(l,m) */
  for (int m0 = 0; m0 < nel; ++m0)
    for (int nn = 0; nn < ev->nradmax; ++nn)
      for (int l = 1; l <= lmax; ++l)
        for (int m = 1; m <= l; ++m) {
          const ace_complex a = ws->A[a_index(ev, m0, nn, l, m)];
          const double sg = (m & 1) ? -1.0 : 1.0;
          ace_complex *neg = &ws->A[a_index(ev, m0, nn, l, -m)];
          neg->re = sg * a.re;
          neg->im = -sg * a.im;
        }
  *rho_core_out = rho_core;
  ws->last_mu = mu_i;
  ws->last_n = n;
  ws->last_nq = q;
  ws->last_rank1 = rank1;
  *nq_out = q;
  *qmin_out = qmin;
  return ACEUQ_OK;
}

/* The angular part of dE/dr_ij for nb <= FORCE_LANES neighbours of one species mj (ws->nb_*
 * indices blk[]) with the atom's adjoints ws->W: radial[k] and tang[k][a] of block_contract;
 * lanes beyond nb hold zeros. */
ACEUQ_HOT static void force_block(const ace_evaluator *ev, ace_atom_workspace *ws, int mu_i, int mj, const size_t *blk,
                                  int nb, double *radial, double *tang)
{
  const ace_bond *b = &ev->model->bonds[mu_i * ev->nel + mj];
  double *Rb, *dRb, *Yb, *dYb, *dgb;
  block_areas(ev, ws->fblk, &Rb, &dRb, &Yb, &dYb, &dgb);
  block_gather(ev, ws, b, blk, nb, Rb, dRb, Yb, dYb, NULL);
  force_vd rad, t[3];
  contract_sets(ev, b, mj, Rb, dRb, Yb, dYb, &ws->W[0].re, &ws->W[0].im, 2, 1, NULL, NULL, 0, &rad, t);
  for (int k = 0; k < nb; ++k) {
    radial[k] = rad[k];
    tang[3 * k] = t[0][k];
    tang[3 * k + 1] = t[1][k];
    tang[3 * k + 2] = t[2][k];
  }
}

/* See ace_evaluator_internal.h.  Per block of neighbours: one gather, then the weight sets
 * CONTRACT_SETS at a time. */
ACEUQ_HOT void ace_weighted_gradients(const ace_evaluator *ev, ace_atom_workspace *ws, size_t ns, const double *Wr,
                                      const double *Wi, const double *W1, size_t ld, const grad_sink *sink,
                                      const grad_sink *own)
{
  const int mu_i = ws->last_mu, nk = ev->nradbase;
  const size_t nq = ws->last_nq;
  double *Rb, *dRb, *Yb, *dYb, *dgb;
  block_areas(ev, ws->fblk, &Rb, &dRb, &Yb, &dYb, &dgb);
  for (int mj = 0; mj < ev->nel; ++mj) {
    const ace_bond *b = &ev->model->bonds[mu_i * ev->nel + mj];
    const int nkb = b->nradbase;
    const double *W1mj = &W1[(size_t)mj * nk * ld];
    size_t blk[FORCE_LANES];
    int nb = 0;
    for (size_t q = 0; q <= nq; ++q) {
      if (q < nq && ws->nb_mu[q] == mj) blk[nb++] = q;
      if (nb == 0 || (nb < FORCE_LANES && q < nq)) continue;
      block_gather(ev, ws, b, blk, nb, Rb, dRb, Yb, dYb, NULL);
      block_gather_dg(ws, blk, nb, nk, nkb, dgb, NULL);
      block_gradients(ev, ws, b, mj, blk, nb, Rb, dRb, Yb, dYb, dgb, Wr, Wi, W1mj, ld, ns, sink, own);
      nb = 0;
    }
  }
}

/* The float sets of one float block (2 FORCE_LANES lanes, nb16 of them neighbours blk16[]). */
static inline __attribute__((always_inline)) void mixed_float_block(const ace_evaluator *ev, ace_atom_workspace *ws,
                                                                    const ace_bond *b, int mj, const size_t *blk16,
                                                                    int nb16, size_t ns, const float *Wr,
                                                                    const float *Wi, const float *W1mj, size_t ldf,
                                                                    const grad_sink *sink)
{
  float *Rb, *dRb, *Yb, *dYb, *dgb;
  block_areas_single(ev, ws->fblk_f, &Rb, &dRb, &Yb, &dYb, &dgb);
  block_gradients_single(ev, ws, b, mj, blk16, nb16, Rb, dRb, Yb, dYb, dgb, Wr, Wi, W1mj, ldf, ns, sink, NULL);
}

/* See ace_evaluator_internal.h.  Blocks of FORCE_LANES neighbours are gathered in double as for
 * ace_weighted_gradients (the double set is contracted there) and, in the same pass, rounded into
 * one half of a float block (one gather serves both precisions); a full float block, or the
 * species' last, is contracted with the float sets. */
ACEUQ_HOT void ace_weighted_gradients_mixed(const ace_evaluator *ev, ace_atom_workspace *ws, size_t ns,
                                            const float *Wr, const float *Wi, const float *W1, size_t ldf,
                                            const grad_sink *sink, const double *Wor, const double *Woi,
                                            const double *Wo1, size_t ld, const grad_sink *own)
{
  const int mu_i = ws->last_mu, nk = ev->nradbase;
  const size_t nq = ws->last_nq;
  double *Rb, *dRb, *Yb, *dYb, *dgb;
  block_areas(ev, ws->fblk, &Rb, &dRb, &Yb, &dYb, &dgb);
  for (int mj = 0; mj < ev->nel; ++mj) {
    const ace_bond *b = &ev->model->bonds[mu_i * ev->nel + mj];
    const int nkb = b->nradbase;
    size_t blk[FORCE_LANES], blk16[2 * FORCE_LANES];
    int nb = 0, half = 0, nb16 = 0; /* the next half of the float block; its neighbours so far */
    for (size_t q = 0; q <= nq; ++q) {
      if (q < nq && ws->nb_mu[q] == mj) blk[nb++] = q;
      if (nb == 0 || (nb < FORCE_LANES && q < nq)) continue;
      /* the double block, and in float into the next half of the float block */
      float *fb = ws->fblk_f + half * FORCE_LANES;
      block_gather(ev, ws, b, blk, nb, Rb, dRb, Yb, dYb, fb);
      block_gather_dg(ws, blk, nb, nk, nkb, dgb, fb + (size_t)(dgb - Rb) / FORCE_LANES * 2 * FORCE_LANES);
      if (own) /* the double set */
        block_gradients(ev, ws, b, mj, blk, nb, Rb, dRb, Yb, dYb, dgb, Wor, Woi, &Wo1[(size_t)mj * nk * ld], ld, 0,
                        NULL, own);
      for (int k = 0; k < nb; ++k) blk16[half * FORCE_LANES + k] = blk[k];
      nb16 = half * FORCE_LANES + nb; /* a first half is full unless it is the species' last block */
      if (half) mixed_float_block(ev, ws, b, mj, blk16, nb16, ns, Wr, Wi, &W1[(size_t)mj * nk * ldf], ldf, sink);
      half = !half;
      nb = 0;
    }
    /* a first half alone (lanes never mix: the second half's old values go to lanes not written) */
    if (half) mixed_float_block(ev, ws, b, mj, blk16, nb16, ns, Wr, Wi, &W1[(size_t)mj * nk * ldf], ldf, sink);
  }
}

aceuq_status ace_rank1_cache_fill(const ace_evaluator *ev, ace_atom_workspace *ws, aceuq_error *err)
{
  if (ws->last_rank1 == RANK1_GRADIENTS || ws->last_mu < 0) return ACEUQ_OK;
  const int nk = ev->nradbase;
  for (size_t q = 0; q < ws->last_nq; ++q) {
    const aceuq_status st = ace_bond_splines_eval_basis(&ev->splines[ws->last_mu * ev->nel + ws->nb_mu[q]],
                                                        ws->nb_r[q], NULL, &ws->nb_dg[q * nk], err);
    if (st) return st;
  }
  ws->last_rank1 = RANK1_GRADIENTS;
  return ACEUQ_OK;
}

ACEUQ_HOT aceuq_status ace_evaluate_atom(const ace_evaluator *ev, ace_atom_workspace *ws, int mu_i, size_t n,
                               const int *mu_j, const double *rij, double *energy, double *dE_drij,
                               ace_projection_kind kind, double *projections, aceuq_error *err)
{
  const ace_model *model = ev->model;
  const int nel = ev->nel;
  const int zbl = model->inner_cutoff_type == ACE_INNER_CUTOFF_ZBL;
  if (dE_drij) memset(dE_drij, 0, 3 * n * sizeof *dE_drij);
  double rho_core = 0.0;
  size_t nq = 0, qmin = (size_t)-1, q;
  /* the rank-1 basis for projections; its radial derivatives too when the forces are not asked
   * for, i.e. when they will come from member gradients (aceuq_spread_forces or
   * aceuq_spread_gradients), which would otherwise evaluate them again (ace_rank1_cache_fill) */
  const rank1_cache rank1 = kind == ACE_PROJECTIONS_NONE || !projections ? RANK1_NONE
                            : dE_drij                                  ? RANK1_VALUES
                                                                       : RANK1_GRADIENTS;
  aceuq_status st = atomic_base(ev, ws, mu_i, n, mu_j, rij, rank1, &rho_core, &nq, &qmin, err);
  if (st) return st;

  /* 2. densities, embedding, energy */
  rho_and_projections(ev, ws, mu_i, kind, projections);
  const ace_embedding *emb = &model->embeddings[mu_i];
  const int nd = ev->sp[mu_i].ndensity;
  const double F = ace_embedding_eval(emb, ws->rho, ws->dF);
  double E, dE_drho_core, blend = 1.0, dblend_dr = 0.0;
  if (zbl) {
    if (qmin != (size_t)-1) {
      const ace_bond *b = &model->bonds[mu_i * nel + ws->nb_mu[qmin]];
      double dP;
      /* f = P(r_in - r_min; delta_in, delta_in): 1 beyond r_in, 0 below r_in - delta_in */
      blend = ace_switch_poly(b->r_in - ws->nb_r[qmin], b->delta_in, b->delta_in, &dP);
      dblend_dr = -dP;
    }
    E = F * blend + rho_core * (1.0 - blend);
    for (int p = 0; p < nd; ++p) ws->dE_drho[p] = ws->dF[p] * blend;
    dE_drho_core = 1.0 - blend;
  } else {
    double dfcut;
    const double fcut = ace_rho_core_switch(rho_core, emb->rho_core_cut, emb->drho_core_cut, &dfcut);
    E = F * fcut + rho_core;
    for (int p = 0; p < nd; ++p) ws->dE_drho[p] = ws->dF[p] * fcut;
    dE_drho_core = F * dfcut + 1.0;
  }
  *energy = E + (model->E0 ? model->E0[mu_i] : 0.0);
  if (kind == ACE_PROJECTIONS_NONLINEAR && projections) {
    /* dF/drho_p * b_f, density-major; b was written to the first K slots */
    const size_t K = ev->sp[mu_i].nproj1 + ev->sp[mu_i].pb.nfunc;
    for (int p = nd - 1; p >= 0; --p)
      for (size_t f = 0; f < K; ++f) projections[(size_t)p * K + f] = ws->dF[p] * projections[f];
  }
  if (!dE_drij) return ACEUQ_OK;

  /* 3. adjoint weights and dE/dr_ij, FORCE_LANES neighbours of one species at a time */
  adjoint_weights(ev, ws, mu_i);
  for (int mj = 0; mj < nel; ++mj) {
    size_t blk[FORCE_LANES];
    double rad[FORCE_LANES], tang[3 * FORCE_LANES];
    int nb = 0;
    for (q = 0; q <= nq; ++q) {
      if (q < nq && ws->nb_mu[q] == mj) blk[nb++] = q;
      if (nb == 0 || (nb < FORCE_LANES && q < nq)) continue;
      force_block(ev, ws, mu_i, mj, blk, nb, rad, tang);
      for (int k = 0; k < nb; ++k) {
        const size_t u = blk[k];
        const double r = ws->nb_r[u], *rh = &ws->nb_rhat[3 * u];
        double radial = rad[k] + dE_drho_core * ws->nb_dc[u];
        for (int p = 0; p < nd; ++p) radial += ws->dE_drho[p] * ws->nb_dG[u * ev->ndensmax + p];
        if (u == qmin) radial += (F - rho_core) * dblend_dr;
        double *out = &dE_drij[3 * ws->nb_src[u]];
        for (int a = 0; a < 3; ++a) out[a] = radial * rh[a] + tang[3 * k + a] / r;
      }
      nb = 0;
    }
  }
  return ACEUQ_OK;
}

/* Compact index of the A entries with m >= 0: ((mu * nradmax + n) * nlmh + l(l+1)/2 + m). */
static int compact_of(const ace_evaluator *ev, int e)
{
  const int nlmh = ev->nylm, lm = e % ev->nlm, l = (int)sqrt((double)lm + 0.5), m = lm - l * l - l;
  return (e / ev->nlm) * nlmh + ace_ylm_index(l, m < 0 ? -m : m);
}

/* W[f][c] += w for the A entry e (any m) of projection f, folded onto m >= 0 (a_index_folded). */
static void add_adjoint(const ace_evaluator *ev, double *W, size_t ld, size_t f, int e, ace_complex w)
{
  double fre, fim;
  const size_t c = (size_t)compact_of(ev, a_index_folded(ev, e, &fre, &fim));
  W[f + 2 * c * ld] += fre * w.re;
  W[f + (2 * c + 1) * ld] += fim * w.im;
}

extern void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
                   const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
                   const double *beta, double *c, const int *ldc);

/* D and G buffers and the neighbour groups for n neighbours (G: kmax columns per row) */
aceuq_status ace_gradient_buffers_reserve(const ace_evaluator *ev, ace_atom_workspace *ws, size_t kmax, size_t n,
                                          aceuq_error *err)
{
  const size_t ncs = (size_t)ev->nradmax * ev->nylm;
  if (n <= ws->gcap && kmax <= ws->gkmax) return ACEUQ_OK;
  const size_t cap = n > ws->gcap ? n + n / 2 + 8 : ws->gcap, kk = kmax > ws->gkmax ? kmax : ws->gkmax;
  double *D = realloc(ws->gD, 3 * cap * 2 * ncs * sizeof *D), *G = realloc(ws->gG, 3 * cap * (kk ? kk : 1) * sizeof *G);
  size_t *q = realloc(ws->gq, cap * sizeof *q);
  if (D) ws->gD = D;
  if (G) ws->gG = G;
  if (q) ws->gq = q;
  if (!D || !G || !q) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory (%zu neighbours)", n);
  ws->gcap = cap;
  ws->gkmax = kk;
  return ACEUQ_OK;
}

static aceuq_status gradient_reserve(const ace_evaluator *ev, ace_atom_workspace *ws, size_t kmax, size_t n,
                                     aceuq_error *err)
{
  const size_t ncs = (size_t)ev->nradmax * ev->nylm, nc = (size_t)ev->nel * ncs;
  if (!ws->gW) {
    ws->gW = malloc(2 * nc * (kmax ? kmax : 1) * sizeof *ws->gW);
    if (!ws->gW) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory (projection gradients)");
  }
  return ace_gradient_buffers_reserve(ev, ws, kmax, n, err);
}

size_t ace_neighbour_group(const ace_evaluator *ev, ace_atom_workspace *ws, int mu)
{
  (void)ev;
  size_t cnt = 0;
  for (size_t q = 0; q < ws->last_nq; ++q)
    if (ws->nb_mu[q] == mu) ws->gq[cnt++] = q;
  return cnt;
}

void ace_dA_dr_columns(const ace_evaluator *ev, ace_atom_workspace *ws, int mu_i, int mu, size_t cnt)
{
  const ace_bond *b = &ev->model->bonds[mu_i * ev->nel + mu];
  const size_t nrl = (size_t)ev->nradmax * (ev->lmax + 1), rows = 2 * (size_t)ev->nradmax * ev->nylm;
  /* entries beyond the bond's nradmax / lmax stay 0 */
  if (b->nradmax < ev->nradmax || b->lmax < ev->lmax) memset(ws->gD, 0, 3 * cnt * rows * sizeof *ws->gD);
  for (size_t u = 0; u < cnt; ++u) {
    const size_t q = ws->gq[u];
    const double ir = 1.0 / ws->nb_r[q], *rh = &ws->nb_rhat[3 * q];
    const double *R = &ws->nb_R[q * nrl], *dR = &ws->nb_dR[q * nrl];
    const ace_complex *Y = &ws->nb_Y[q * ev->nylm], *dY = &ws->nb_dY[3 * q * ev->nylm];
    double *cx = &ws->gD[3 * u * rows], *cy = cx + rows, *cz = cy + rows;
    for (int nn = 0; nn < b->nradmax; ++nn)
      for (int l = 0; l <= b->lmax; ++l) {
        /* dA/dr_a = R' rhat_a Y + (R / r) dY_a */
        const double Rr = R[nn * (b->lmax + 1) + l] * ir, dRv = dR[nn * (b->lmax + 1) + l];
        const double gx = dRv * rh[0], gy = dRv * rh[1], gz = dRv * rh[2];
        for (int m = 0; m <= l; ++m) {
          const int ylm = ace_ylm_index(l, m);
          const size_t c = 2 * ((size_t)nn * ev->nylm + (size_t)ylm);
          const ace_complex y = Y[ylm], *d = &dY[3 * ylm];
          cx[c] = gx * y.re + Rr * d[0].re;
          cx[c + 1] = -(gx * y.im + Rr * d[0].im);
          cy[c] = gy * y.re + Rr * d[1].re;
          cy[c + 1] = -(gy * y.im + Rr * d[1].im);
          cz[c] = gz * y.re + Rr * d[2].re;
          cz[c + 1] = -(gz * y.im + Rr * d[2].im);
        }
      }
  }
}

aceuq_status ace_projection_gradients(const ace_evaluator *ev, ace_atom_workspace *ws, int mu_i, size_t n,
                                      const int *mu_j, const double *rij, double *projections, double *db_drij,
                                      aceuq_error *err)
{
  if (!ev->bbasis)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: projection gradients need a B-basis (.yaml) potential",
                           ev->model->source);
  double rho_core;
  size_t nq = 0, qmin;
  aceuq_status st = atomic_base(ev, ws, mu_i, n, mu_j, rij, RANK1_GRADIENTS, &rho_core, &nq, &qmin, err);
  if (st) return st;
  rho_and_projections(ev, ws, mu_i, ACE_PROJECTIONS_LINEAR, projections);
  const species_eval *s = &ev->sp[mu_i];
  const int nk = ev->nradbase;
  const size_t K = s->nproj1 + s->pb.nfunc, K2 = s->pb.nfunc;
  size_t kmax = 0;
  for (int m = 0; m < ev->nel; ++m)
    if (ev->sp[m].pb.nfunc > kmax) kmax = ev->sp[m].pb.nfunc;
  st = gradient_reserve(ev, ws, kmax, nq, err);
  if (st) return st;
  memset(db_drij, 0, K * n * 3 * sizeof *db_drij);

  /* rank 1: b = A1[mu, k] = sum_q g_k(r_q) over neighbours of species mu: db/dr_q = g_k'(r_q) rhat_q */
  for (size_t f = 0; f < s->nproj1; ++f) {
    const int mu = s->p1_idx[f] / nk, k = s->p1_idx[f] % nk;
    for (size_t q = 0; q < nq; ++q) {
      if (ws->nb_mu[q] != mu) continue;
      const double dg = ws->nb_dg[q * nk + k], *rh = &ws->nb_rhat[3 * q];
      double *out = &db_drij[ws->nb_src[q] * 3 * K + f];
      for (int a = 0; a < 3; ++a) out[(size_t)a * K] = dg * rh[a];
    }
  }
  if (K2 == 0) return ACEUQ_OK;
  /* rank > 1: b_f = Re sum_t c_t prod_a A_a.  W[f][e] = d b_f / d A_e (folded onto m >= 0,
   * re and im columns), then for the neighbours q of each species mu
   *   d b_f / d r_q = sum_e Re(W[f][e] dA_e/dr_q),  dA/dr = R' Y rhat + R grad Y / r,
   * one dgemm G = W[:, block mu] D_mu with D_mu[(e re, e im)][3q + a] = (Re, -Im) dA_e/dr_q,a. */
  const size_t ncs = (size_t)ev->nradmax * ev->nylm, nc = (size_t)ev->nel * ncs;
  double *W = ws->gW;
  memset(W, 0, 2 * nc * K2 * sizeof *W);
  ace_complex *pre = ws->prefix;
  for (size_t f = 0; f < K2; ++f) {
    const int rank = s->pb.rank[f];
    for (size_t t = s->pb.first[f]; t < s->pb.first[f + 1]; ++t) {
      const int *idx = &s->pb.idx[t * ACE_MAX_RANK];
      pre[0].re = 1.0;
      pre[0].im = 0.0;
      for (int a = 0; a < rank; ++a) pre[a + 1] = cmul(pre[a], ws->A[idx[a]]);
      ace_complex suf = {s->pb.coef[t], 0.0};
      for (int a = rank - 1; a >= 0; --a) {
        add_adjoint(ev, W, K2, f, idx[a], cmul(pre[a], suf));
        suf = cmul(suf, ws->A[idx[a]]);
      }
    }
  }
  const int rows = (int)(2 * ncs), Ki = (int)K2;
  const double one = 1.0, zero = 0.0;
  for (int mu = 0; mu < ev->nel; ++mu) {
    const size_t cnt = ace_neighbour_group(ev, ws, mu);
    if (!cnt) continue;
    ace_dA_dr_columns(ev, ws, mu_i, mu, cnt);
    const int ncol = (int)(3 * cnt);
    dgemm_("N", "N", &Ki, &ncol, &rows, &one, W + 2 * (size_t)mu * ncs * K2, &Ki, ws->gD, &rows, &zero, ws->gG, &Ki);
    for (size_t u = 0; u < cnt; ++u) {
      const size_t j = ws->nb_src[ws->gq[u]];
      for (int a = 0; a < 3; ++a)
        memcpy(&db_drij[(j * 3 + (size_t)a) * K + s->nproj1], &ws->gG[(3 * u + (size_t)a) * K2], K2 * sizeof *db_drij);
    }
  }
  return ACEUQ_OK;
}
