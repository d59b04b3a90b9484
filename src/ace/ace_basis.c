/* ace_basis.c -- couplings, half basis, compression, function order and the
 * B -> C-tilde conversion (formulas and conventions in ace_basis.h). */
#include "ace_basis.h"

#include "error_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- coupling tree ------------------------------------------------------------ */

void ace_coupling_tree(int rank, int nodes[ACE_MAX_RANK][3])
{
  /* node k gets the id r + k, except the last one (k = r - 2), which is the root 2r - 2 */
  int queue[2 * ACE_MAX_RANK];
  int head = 0, tail = 0, k = 0;
  for (int i = 0; i + 1 < rank; i += 2, ++k) {
    nodes[k][0] = i;
    nodes[k][1] = i + 1;
    nodes[k][2] = (k == rank - 2) ? 2 * rank - 2 : rank + k;
    queue[tail++] = nodes[k][2];
  }
  while (tail - head >= 2) {
    nodes[k][0] = queue[head++];
    nodes[k][1] = queue[head++];
    nodes[k][2] = (k == rank - 2) ? 2 * rank - 2 : rank + k;
    queue[tail++] = nodes[k][2];
    ++k;
  }
  if (rank % 2 == 1 && rank > 1) { /* last intermediate with the leftover leaf */
    nodes[k][0] = queue[head];
    nodes[k][1] = rank - 1;
    nodes[k][2] = 2 * rank - 2;
  }
}

/* ---- generalized Clebsch-Gordan lists ---------------------------------------- */

aceuq_status ace_coupling_ms_list(int rank, const int *ls, const int *lint, int flags, ace_cg_cache *cg,
                                  int **ms_out, double **cg_out, int *count, aceuq_error *err)
{
  int half_basis = (flags & ACE_COUPLING_HALF_BASIS) != 0;
  int mlpace_zeros = (flags & ACE_COUPLING_MLPACE_ZEROS) != 0;
  *ms_out = NULL;
  *cg_out = NULL;
  *count = 0;
  if (rank < 1 || rank > ACE_MAX_RANK)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "rank %d is not in 1..%d", rank, ACE_MAX_RANK);
  int lsLS[2 * ACE_MAX_RANK]; /* leaves, intermediates, root */
  int lsum = 0;
  for (int t = 0; t < rank; ++t) {
    if (ls[t] < 0) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "negative l = %d", ls[t]);
    lsLS[t] = ls[t];
    lsum += ls[t];
  }
  if (lsum % 2 != 0) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "sum of ls (%d) is not even", lsum);
  for (int i = 0; i < rank - 2; ++i) {
    if (lint[i] < 0) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "negative L = %d", lint[i]);
    lsLS[rank + i] = lint[i];
  }
  lsLS[2 * rank - 2] = 0;

  int nodes[ACE_MAX_RANK][3];
  ace_coupling_tree(rank, nodes);
  const double *blocks[ACE_MAX_RANK];
  for (int k = 0; k < rank - 1; ++k) {
    aceuq_status st = ace_cg_cache_block(cg, lsLS[nodes[k][0]], lsLS[nodes[k][1]], lsLS[nodes[k][2]],
                                         &blocks[k], err);
    if (st) return st;
  }

  /* size of the m-space; the list grows by doubling */
  size_t cap = 16, n = 0;
  int *ms = malloc(cap * (size_t)rank * sizeof *ms);
  double *gc = malloc(cap * sizeof *gc);
  if (!ms || !gc) goto nomem;

  int m[ACE_MAX_RANK];
  for (int t = 0; t < rank; ++t) m[t] = -ls[t];
  for (;;) {
    int sum = 0;
    for (int t = 0; t < rank; ++t) sum += m[t];
    if (sum == 0) {
      int sign = 0; /* sign of the first non-zero m */
      for (int t = 0; t < rank && !sign; ++t) sign = (m[t] > 0) - (m[t] < 0);
      if (!(half_basis && sign < 0)) {
        int mM[2 * ACE_MAX_RANK];
        for (int t = 0; t < rank; ++t) mM[t] = m[t];
        double prod = 1.0;
        int valid = 1;
        for (int k = 0; k < rank - 1 && valid; ++k) {
          int a = nodes[k][0], b = nodes[k][1], c = nodes[k][2];
          mM[c] = mM[a] + mM[b];
          if (abs(mM[c]) > lsLS[c]) {
            valid = 0;
            break;
          }
          double c_node = blocks[k][(mM[a] + lsLS[a]) * (2 * lsLS[b] + 1) + (mM[b] + lsLS[b])];
          if (c_node == 0.0 &&
              (!mlpace_zeros ||
               ace_cg_zero_is_exact_in_recursion(lsLS[a], mM[a], lsLS[b], mM[b], lsLS[c], mM[c]))) {
            valid = 0;
            break;
          }
          prod *= c_node;
        }
        if (valid) {
          if (half_basis && sign > 0) prod *= 2.0;
          if (n == cap) {
            cap *= 2;
            int *ms2 = realloc(ms, cap * (size_t)rank * sizeof *ms);
            if (!ms2) goto nomem;
            ms = ms2;
            double *gc2 = realloc(gc, cap * sizeof *gc);
            if (!gc2) goto nomem;
            gc = gc2;
          }
          memcpy(ms + n * (size_t)rank, m, (size_t)rank * sizeof *m);
          gc[n++] = prod;
        }
      }
    }
    /* next tuple, m_1 fastest */
    int t = 0;
    while (t < rank && m[t] == ls[t]) {
      m[t] = -ls[t];
      ++t;
    }
    if (t == rank) break;
    ++m[t];
  }
  if (n == 0) {
    free(ms);
    free(gc);
    return ACEUQ_OK;
  }
  *ms_out = ms;
  *cg_out = gc;
  *count = (int)n;
  return ACEUQ_OK;
nomem:
  free(ms);
  free(gc);
  return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "generalized Clebsch-Gordan list: out of memory");
}

/* ---- order ------------------------------------------------------------------------ */

static int cmp_int_arrays(const int *a, const int *b, size_t n)
{
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

int ace_basis_compare(int rank_a, int mu0_a, const int *mus_a, const int *ns_a, const int *ls_a,
                      int nms_a, const int *ms_a, int rank_b, int mu0_b, const int *mus_b,
                      const int *ns_b, const int *ls_b, int nms_b, const int *ms_b)
{
  if (rank_a != rank_b) return rank_a < rank_b ? -1 : 1;
  if (mu0_a != mu0_b) return mu0_a < mu0_b ? -1 : 1;
  size_t r = (size_t)rank_a;
  int c;
  if ((c = cmp_int_arrays(mus_a, mus_b, r))) return c;
  if ((c = cmp_int_arrays(ns_a, ns_b, r))) return c;
  if ((c = cmp_int_arrays(ls_a, ls_b, r))) return c;
  if (nms_a != nms_b) return nms_a < nms_b ? -1 : 1;
  return cmp_int_arrays(ms_a, ms_b, (size_t)nms_a * r);
}

/* stable merge sort of idx[0..n) with cmp(a, b, ctx); tmp has n entries */
typedef int (*index_cmp)(size_t a, size_t b, const void *ctx);

static void stable_sort(size_t *idx, size_t *tmp, size_t n, index_cmp cmp, const void *ctx)
{
  if (n < 2) return;
  size_t h = n / 2;
  stable_sort(idx, tmp, h, cmp, ctx);
  stable_sort(idx + h, tmp, n - h, cmp, ctx);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = (cmp(idx[j], idx[i], ctx) < 0) ? idx[j++] : idx[i++];
  while (i < h) tmp[k++] = idx[i++];
  while (j < n) tmp[k++] = idx[j++];
  memcpy(idx, tmp, n * sizeof *idx);
}

static int cmp_bfunc(size_t a, size_t b, const void *ctx)
{
  const ace_bbasis_func *f = ctx;
  const ace_bbasis_func *x = &f[a], *y = &f[b];
  return ace_basis_compare(x->rank, x->mu0, x->mus, x->ns, x->ls, x->num_ms_combs, x->ms_combs, y->rank,
                           y->mu0, y->mus, y->ns, y->ls, y->num_ms_combs, y->ms_combs);
}

static int cmp_ctilde(size_t a, size_t b, const void *ctx)
{
  const ace_ctilde_func *f = ctx;
  const ace_ctilde_func *x = &f[a], *y = &f[b];
  return ace_basis_compare(x->rank, x->mu0, x->mus, x->ns, x->ls, x->num_ms_combs, x->ms_combs, y->rank,
                           y->mu0, y->mus, y->ns, y->ls, y->num_ms_combs, y->ms_combs);
}

/* ---- compression -------------------------------------------------------------------- */

/* one rank position of a tuple: (mu, n, l, m, position) */
typedef struct slot {
  int key[5];
} slot;

static int cmp_slot(const void *a, const void *b)
{
  return cmp_int_arrays(((const slot *)a)->key, ((const slot *)b)->key, 5);
}

typedef struct ms_rows {
  const int *ms; /* [count][rank] */
  int rank;
} ms_rows;

static int cmp_ms_rows(size_t a, size_t b, const void *ctx)
{
  const ms_rows *r = ctx;
  return cmp_int_arrays(r->ms + a * (size_t)r->rank, r->ms + b * (size_t)r->rank, (size_t)r->rank);
}

aceuq_status ace_bbasis_func_compress(ace_bbasis_func *f, int *applied, aceuq_error *err)
{
  *applied = 0;
  int r = f->rank;
  size_t n = (size_t)f->num_ms_combs;
  if (n == 0) return ACEUQ_OK;
  int *sorted = malloc(n * (size_t)r * sizeof *sorted);
  size_t *idx = malloc(n * sizeof *idx);
  size_t *tmp = malloc(n * sizeof *tmp);
  int *new_ms = malloc(n * (size_t)r * sizeof *new_ms);
  double *new_cg = malloc(n * sizeof *new_cg);
  if (!sorted || !idx || !tmp || !new_ms || !new_cg) {
    free(sorted), free(idx), free(tmp), free(new_ms), free(new_cg);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "basis compression: out of memory");
  }
  /* the sorted (mu, n, l) sequence is the same for every tuple: it is the
   * sorted multiset of the function's (mu, n, l) triples */
  int new_mus[ACE_MAX_RANK], new_ns[ACE_MAX_RANK], new_ls[ACE_MAX_RANK];
  for (size_t k = 0; k < n; ++k) {
    slot s[ACE_MAX_RANK];
    for (int t = 0; t < r; ++t) {
      s[t].key[0] = f->mus[t];
      s[t].key[1] = f->ns[t];
      s[t].key[2] = f->ls[t];
      s[t].key[3] = f->ms_combs[k * (size_t)r + (size_t)t];
      s[t].key[4] = t;
    }
    qsort(s, (size_t)r, sizeof *s, cmp_slot); /* keys are unique (position) */
    for (int t = 0; t < r; ++t) {
      sorted[k * (size_t)r + (size_t)t] = s[t].key[3];
      if (k == 0) {
        new_mus[t] = s[t].key[0];
        new_ns[t] = s[t].key[1];
        new_ls[t] = s[t].key[2];
      }
    }
    idx[k] = k;
  }
  /* merge equal sorted tuples; sums run in list order (stable sort) */
  ms_rows rows = {sorted, r};
  stable_sort(idx, tmp, n, cmp_ms_rows, &rows);
  size_t kept = 0;
  for (size_t a = 0; a < n;) {
    size_t b = a;
    double s = 0.0;
    while (b < n && cmp_ms_rows(idx[a], idx[b], &rows) == 0) s += f->gen_cgs[idx[b++]];
    if (fabs(s) >= 1e-15) {
      memcpy(new_ms + kept * (size_t)r, sorted + idx[a] * (size_t)r, (size_t)r * sizeof *new_ms);
      new_cg[kept++] = s;
    }
    a = b;
  }
  free(sorted);
  free(idx);
  free(tmp);
  if (kept < n) {
    memcpy(f->mus, new_mus, sizeof new_mus);
    memcpy(f->ns, new_ns, sizeof new_ns);
    memcpy(f->ls, new_ls, sizeof new_ls);
    free(f->ms_combs);
    free(f->gen_cgs);
    f->ms_combs = new_ms;
    f->gen_cgs = new_cg;
    f->num_ms_combs = (int)kept;
    *applied = 1;
  } else {
    free(new_ms);
    free(new_cg);
  }
  return ACEUQ_OK;
}

/* ---- B -> C-tilde --------------------------------------------------------------------- */

static int cmp_group_key(size_t a, size_t b, const void *ctx)
{
  const ace_bbasis_func *f = ctx;
  const ace_bbasis_func *x = &f[a], *y = &f[b];
  if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
  size_t r = (size_t)x->rank;
  int c;
  if ((c = cmp_int_arrays(x->mus, y->mus, r))) return c;
  if ((c = cmp_int_arrays(x->ns, y->ns, r))) return c;
  return cmp_int_arrays(x->ls, y->ls, r);
}

/* one (B-function, tuple) contribution of a group */
typedef struct contribution {
  const int *ms;
  const ace_bbasis_func *f;
  int k;
} contribution;

static int cmp_contribution(size_t a, size_t b, const void *ctx)
{
  const contribution *c = ctx;
  return cmp_int_arrays(c[a].ms, c[b].ms, (size_t)c[a].f->rank);
}

static void ctilde_release(ace_ctilde_func *c, size_t n)
{
  if (!c) return;
  for (size_t i = 0; i < n; ++i) {
    free(c[i].ms_combs);
    free(c[i].ctildes);
  }
  free(c);
}

/* C-tilde functions of one species from its (compressed, ordered) B-functions */
static aceuq_status build_ctilde(const ace_bbasis_func *bf, size_t nb, ace_ctilde_func **out, size_t *nout,
                                 aceuq_error *err)
{
  *out = NULL;
  *nout = 0;
  if (nb == 0) return ACEUQ_OK;
  size_t *idx = malloc(nb * sizeof *idx);
  size_t *tmp = malloc(nb * sizeof *tmp);
  ace_ctilde_func *ct = calloc(nb, sizeof *ct);
  size_t nct = 0;
  size_t ncontrib_max = 0;
  for (size_t i = 0; i < nb; ++i) ncontrib_max += (size_t)bf[i].num_ms_combs;
  contribution *con = malloc((ncontrib_max + 1) * sizeof *con);
  size_t *cidx = malloc((ncontrib_max + 1) * sizeof *cidx);
  size_t *ctmp = malloc((ncontrib_max + 1) * sizeof *ctmp);
  if (!idx || !tmp || !ct || !con || !cidx || !ctmp) goto nomem;

  for (size_t i = 0; i < nb; ++i) idx[i] = i;
  stable_sort(idx, tmp, nb, cmp_group_key, bf); /* groups keep the basis order inside */
  for (size_t a = 0; a < nb;) {
    size_t b = a;
    size_t ncon = 0;
    while (b < nb && cmp_group_key(idx[a], idx[b], bf) == 0) {
      const ace_bbasis_func *f = &bf[idx[b++]];
      for (int k = 0; k < f->num_ms_combs; ++k) {
        con[ncon].ms = f->ms_combs + (size_t)k * (size_t)f->rank;
        con[ncon].f = f;
        con[ncon].k = k;
        cidx[ncon] = ncon;
        ++ncon;
      }
    }
    const ace_bbasis_func *first = &bf[idx[a]];
    stable_sort(cidx, ctmp, ncon, cmp_contribution, con);
    size_t ntup = 0;
    for (size_t i = 0; i < ncon; ++i)
      if (i == 0 || cmp_contribution(cidx[i - 1], cidx[i], con) != 0) ++ntup;
    ace_ctilde_func *c = &ct[nct++];
    int r = first->rank, nd = first->ndensity;
    c->rank = r;
    c->mu0 = first->mu0;
    c->ndensity = nd;
    memcpy(c->mus, first->mus, sizeof c->mus);
    memcpy(c->ns, first->ns, sizeof c->ns);
    memcpy(c->ls, first->ls, sizeof c->ls);
    c->num_ms_combs = (int)ntup;
    if (ntup > 0) {
      c->ms_combs = malloc(ntup * (size_t)r * sizeof *c->ms_combs);
      c->ctildes = calloc(ntup * (size_t)nd, sizeof *c->ctildes);
      if (!c->ms_combs || !c->ctildes) goto nomem;
    }
    /* c~[ms][p] = sum over contributions in basis order of coeff_B[p] * gen_cg_B(ms) */
    size_t t = 0;
    for (size_t i = 0; i < ncon; ++i) {
      const contribution *q = &con[cidx[i]];
      int new_tuple = (i == 0) || cmp_contribution(cidx[i - 1], cidx[i], con) != 0;
      if (new_tuple && i > 0) ++t;
      if (new_tuple) memcpy(c->ms_combs + t * (size_t)r, q->ms, (size_t)r * sizeof *c->ms_combs);
      for (int p = 0; p < nd; ++p)
        c->ctildes[t * (size_t)nd + (size_t)p] += q->f->coeffs[p] * q->f->gen_cgs[q->k];
    }
    a = b;
  }

  /* final order: ace_basis_compare (keys are unique: one function per (mus, ns, ls)) */
  for (size_t i = 0; i < nct; ++i) idx[i] = i;
  stable_sort(idx, tmp, nct, cmp_ctilde, ct);
  ace_ctilde_func *sorted = malloc((nct ? nct : 1) * sizeof *sorted);
  if (!sorted) goto nomem;
  for (size_t i = 0; i < nct; ++i) sorted[i] = ct[idx[i]];
  free(ct);
  free(idx), free(tmp), free(con), free(cidx), free(ctmp);
  *out = sorted;
  *nout = nct;
  return ACEUQ_OK;
nomem:
  ctilde_release(ct, nct);
  free(idx), free(tmp), free(con), free(cidx), free(ctmp);
  return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "C-tilde basis: out of memory");
}

/* ---- the whole basis ------------------------------------------------------------------ */

void ace_bbasis_free(ace_bbasis *b)
{
  if (!b) return;
  for (int mu = 0; b->funcs && mu < b->nelements; ++mu) {
    if (!b->funcs[mu]) continue;
    for (size_t i = 0; i < b->nfuncs[mu]; ++i) {
      free(b->funcs[mu][i].ms_combs);
      free(b->funcs[mu][i].gen_cgs);
      free(b->funcs[mu][i].coeffs);
    }
    free(b->funcs[mu]);
  }
  free(b->funcs);
  free(b->nfuncs);
  free(b->nfuncs_rank1);
  free(b->ties);
  free(b);
}

/* checks of what the couplings rely on; the readers validate the rest */
static aceuq_status check_bfunc(const ace_model *m, int mu, size_t i, const ace_bfunc *f, aceuq_error *err)
{
  const char *el = m->elements ? m->elements[mu] : "?";
  if (f->rank < 1 || f->rank > ACE_MAX_RANK)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "element %s, B-function %zu: rank %d is not in 1..%d", el,
                           i, f->rank, ACE_MAX_RANK);
  if (f->mu0 != mu)
    return aceuq_error_set(err, ACEUQ_ERR_INTERNAL,
                           "element %s, B-function %zu: central species %d stored under species %d", el, i,
                           f->mu0, mu);
  int want = f->rank > 2 ? f->rank - 2 : 0;
  if (f->nlint != want)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "element %s, B-function %zu: rank %d needs %d intermediate L, got %d", el, i,
                           f->rank, want, f->nlint);
  for (int t = 0; t < f->rank; ++t) {
    if (f->mus[t] < 0 || f->mus[t] >= m->nelements)
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "element %s, B-function %zu: species %d out of range",
                             el, i, f->mus[t]);
    if (f->ns[t] < 1)
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "element %s, B-function %zu: n = %d is not >= 1", el,
                             i, f->ns[t]);
    if (f->ls[t] < 0 || f->ls[t] > ACE_CG_MAX_JSUM / 3)
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "element %s, B-function %zu: l = %d out of range 0..%d",
                             el, i, f->ls[t], ACE_CG_MAX_JSUM / 3);
  }
  for (int t = 0; t < f->nlint; ++t)
    if (f->lint[t] < 0 || f->lint[t] > ACE_CG_MAX_JSUM / 3)
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "element %s, B-function %zu: L = %d out of range 0..%d",
                             el, i, f->lint[t], ACE_CG_MAX_JSUM / 3);
  if (f->rank == 1 && f->ls[0] != 0)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "element %s, B-function %zu: rank 1 needs l = 0", el, i);
  if (!f->coeffs)
    return aceuq_error_set(err, ACEUQ_ERR_INTERNAL, "element %s, B-function %zu: no coefficients", el, i);
  return ACEUQ_OK;
}

/* the B-functions of species mu: couplings, ML-PACE order, ties, compression */
static aceuq_status build_species(const ace_model *m, int mu, ace_cg_cache *cg, ace_bbasis *bb,
                                  aceuq_error *err)
{
  size_t nfile = m->nbfuncs[mu], n = 0;
  for (size_t i = 0; i < nfile; ++i) n += !m->bfuncs[mu][i].skip;
  int nd = m->embeddings[mu].ndensity;
  ace_bbasis_func *f = calloc(n ? n : 1, sizeof *f);
  size_t *idx = malloc((n ? n : 1) * sizeof *idx);
  size_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
  aceuq_status st = ACEUQ_OK;
  size_t made = 0;
  if (!f || !idx || !tmp) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "B-basis: out of memory");
    goto done;
  }
  for (size_t i = 0; i < nfile; ++i) {
    const ace_bfunc *src = &m->bfuncs[mu][i];
    if (src->skip) continue; /* ML-PACE leaves `skip: true` functions out of the basis */
    if ((st = check_bfunc(m, mu, i, src, err))) goto done;
    ace_bbasis_func *d = &f[made++];
    d->rank = src->rank;
    d->mu0 = src->mu0;
    d->ndensity = nd;
    memcpy(d->mus, src->mus, sizeof d->mus);
    memcpy(d->ns, src->ns, sizeof d->ns);
    memcpy(d->ls, src->ls, sizeof d->ls);
    d->nlint = src->nlint;
    memcpy(d->lint, src->lint, sizeof d->lint);
    d->source_index = i;
    d->coeffs = malloc((size_t)nd * sizeof *d->coeffs);
    if (!d->coeffs) {
      st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "B-basis: out of memory");
      goto done;
    }
    memcpy(d->coeffs, src->coeffs, (size_t)nd * sizeof *d->coeffs);
    st = ace_coupling_ms_list(d->rank, d->ls, d->lint, ACE_COUPLING_HALF_BASIS | ACE_COUPLING_MLPACE_ZEROS,
                              cg, &d->ms_combs, &d->gen_cgs, &d->num_ms_combs, err);
    if (st) {
      aceuq_error_prefix(err, "element %s, B-function %zu", m->elements ? m->elements[mu] : "?", i);
      goto done;
    }
  }

  /* ML-PACE order, decided before compression */
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  stable_sort(idx, tmp, n, cmp_bfunc, f);
  size_t nties = 0;
  for (size_t i = 0; i + 1 < n; ++i) nties += cmp_bfunc(idx[i], idx[i + 1], f) == 0;
  if (nties) {
    ace_basis_tie *t = realloc(bb->ties, (bb->nties + nties) * sizeof *t);
    if (!t) {
      st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "B-basis: out of memory");
      goto done;
    }
    bb->ties = t;
    for (size_t i = 0; i + 1 < n; ++i)
      if (cmp_bfunc(idx[i], idx[i + 1], f) == 0) {
        t[bb->nties].mu = mu;
        t[bb->nties].first = i;
        t[bb->nties].second = i + 1;
        ++bb->nties;
      }
  }
  ace_bbasis_func *ordered = malloc((n ? n : 1) * sizeof *ordered);
  if (!ordered) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "B-basis: out of memory");
    goto done;
  }
  size_t nrank1 = 0;
  for (size_t i = 0; i < n; ++i) {
    ordered[i] = f[idx[i]];
    nrank1 += ordered[i].rank == 1;
  }
  free(f);
  f = ordered;
  bb->funcs[mu] = f;
  bb->nfuncs[mu] = n;
  bb->nfuncs_rank1[mu] = nrank1;
  f = NULL; /* owned by bb now */
  for (size_t i = 0; i < n; ++i) {
    int applied;
    if ((st = ace_bbasis_func_compress(&bb->funcs[mu][i], &applied, err))) goto done;
  }
done:
  if (f) {
    for (size_t i = 0; i < made; ++i) {
      free(f[i].ms_combs);
      free(f[i].gen_cgs);
      free(f[i].coeffs);
    }
    free(f);
  }
  free(idx);
  free(tmp);
  return st;
}

aceuq_status ace_basis_build(ace_model *m, ace_bbasis **out, aceuq_error *err)
{
  *out = NULL;
  const char *src = m->source ? m->source : "model";
  if (!m->bfuncs || !m->nbfuncs)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: no B-basis functions (a .yace C-tilde potential?)",
                           src);
  if (m->ctilde || m->nctilde)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: the model already has a C-tilde basis", src);
  if (!m->embeddings)
    return aceuq_error_set(err, ACEUQ_ERR_INTERNAL, "%s: no embeddings", src);

  int ne = m->nelements;
  int jmax = 0;
  for (int mu = 0; mu < ne; ++mu)
    for (size_t i = 0; m->bfuncs[mu] && i < m->nbfuncs[mu]; ++i) {
      const ace_bfunc *f = &m->bfuncs[mu][i];
      for (int t = 0; t < f->rank && t < ACE_MAX_RANK; ++t)
        if (f->ls[t] > jmax) jmax = f->ls[t];
      for (int t = 0; t < f->nlint && t < ACE_MAX_RANK; ++t)
        if (f->lint[t] > jmax) jmax = f->lint[t];
    }
  if (jmax > ACE_CG_MAX_JSUM / 3) jmax = ACE_CG_MAX_JSUM / 3; /* larger l are reported per function */

  aceuq_status st;
  ace_cg_cache *cg = NULL;
  if ((st = ace_cg_cache_create(jmax, &cg, err))) return aceuq_error_prefix(err, "%s", src);
  ace_bbasis *bb = calloc(1, sizeof *bb);
  size_t *nct = calloc((size_t)(ne ? ne : 1), sizeof *nct);
  ace_ctilde_func **ct = calloc((size_t)(ne ? ne : 1), sizeof *ct);
  if (bb) {
    bb->nelements = ne;
    bb->nfuncs = calloc((size_t)(ne ? ne : 1), sizeof *bb->nfuncs);
    bb->nfuncs_rank1 = calloc((size_t)(ne ? ne : 1), sizeof *bb->nfuncs_rank1);
    bb->funcs = calloc((size_t)(ne ? ne : 1), sizeof *bb->funcs);
  }
  if (!bb || !nct || !ct || !bb->nfuncs || !bb->nfuncs_rank1 || !bb->funcs) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: B-basis: out of memory", src);
    goto fail;
  }
  for (int mu = 0; mu < ne; ++mu) {
    if ((st = build_species(m, mu, cg, bb, err))) goto fail_prefixed;
    if ((st = build_ctilde(bb->funcs[mu], bb->nfuncs[mu], &ct[mu], &nct[mu], err))) goto fail_prefixed;
  }
  ace_cg_cache_free(cg);
  m->ctilde = ct;
  m->nctilde = nct;
  *out = bb;
  return ACEUQ_OK;
fail_prefixed:
  aceuq_error_prefix(err, "%s", src);
fail:
  for (int mu = 0; ct && mu < ne; ++mu) ctilde_release(ct[mu], nct[mu]);
  free(ct);
  free(nct);
  ace_bbasis_free(bb);
  ace_cg_cache_free(cg);
  return st;
}
