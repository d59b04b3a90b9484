/* ace_enumerate.c -- the independent rotation- and permutation-invariant
 * couplings of a multiset of single-particle labels (mu, n, l): the core of
 * the basis enumeration (ace_enumerate.h).
 *
 * For the labels in their given order, every coupling tree value LS of
 * ace_coupling_tree (each node a triangle, the root 0) defines the invariant
 *   B_LS = sum_ms genCG(ls, LS, ms) prod_t A[label_t](m_t)      (full m sum).
 * The coupled states of one complete binary tree span all invariants of the
 * tensor product, so one order suffices.  Identical labels make the product
 * symmetric: B is written as a polynomial in the A variables, i.e. a vector
 * over monomials = multisets of (label class, m), and couplings that are
 * linear combinations of earlier ones (Gram-Schmidt, relative residual
 * <= 1e-9) are dropped.  What is left is a basis of the invariants of the
 * multiset, in enumeration order of LS (lexicographic). */
#include "ace_enumerate.h"

#include "ace_basis.h"
#include "error_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct monomial {
  int key[ACE_MAX_RANK][2]; /* sorted (class, m) pairs */
} monomial;

static int cmp_pair(const void *a, const void *b)
{
  const int *x = a, *y = b;
  return x[0] != y[0] ? x[0] - y[0] : x[1] - y[1];
}

static int triangle(int a, int b, int c) { return c >= abs(a - b) && c <= a + b; }

/* index of the monomial of key in *mons (appended if new) */
static long monomial_index(monomial **mons, size_t *n, size_t *cap, const int key[][2], int rank)
{
  for (size_t i = 0; i < *n; ++i)
    if (!memcmp((*mons)[i].key, key, (size_t)rank * sizeof key[0])) return (long)i;
  if (*n == *cap) {
    size_t nc = *cap ? 2 * *cap : 64;
    monomial *g = realloc(*mons, nc * sizeof *g);
    if (!g) return -1;
    *mons = g;
    *cap = nc;
  }
  memset(&(*mons)[*n], 0, sizeof **mons);
  memcpy((*mons)[*n].key, key, (size_t)rank * sizeof key[0]);
  return (long)(*n)++;
}

aceuq_status ace_independent_couplings(int rank, const ace_label *labels, ace_cg_cache *cg,
                                       int lints[][ACE_MAX_RANK], int max_out, int *count, aceuq_error *err)
{
  *count = 0;
  if (rank < 2 || rank > ACE_MAX_RANK) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "rank %d", rank);
  int ls[ACE_MAX_RANK], cls[ACE_MAX_RANK], lsum = 0;
  for (int t = 0; t < rank; ++t) {
    ls[t] = labels[t].l;
    lsum += ls[t];
    cls[t] = t;
    for (int s = 0; s < t; ++s)
      if (labels[s].mu == labels[t].mu && labels[s].n == labels[t].n && labels[s].l == labels[t].l) {
        cls[t] = cls[s];
        break;
      }
  }
  if (lsum % 2) return ACEUQ_OK; /* odd parity: no invariant */
  int nodes[ACE_MAX_RANK][3];
  ace_coupling_tree(rank, nodes);
  const int nint = rank - 2;
  int L[ACE_MAX_RANK] = {0};
  monomial *mons = NULL;
  size_t nmons = 0, capm = 0;
  double **kept = NULL; /* orthonormalised kept vectors over the monomials */
  size_t *klen = NULL;   /* their lengths (monomials known when kept; zero beyond) */
  size_t nkept = 0;
  aceuq_status st = ACEUQ_OK;
  for (;;) {
    /* is the tree valid for L? */
    int lsLS[2 * ACE_MAX_RANK];
    for (int t = 0; t < rank; ++t) lsLS[t] = ls[t];
    for (int i = 0; i < nint; ++i) lsLS[rank + i] = L[i];
    lsLS[2 * rank - 2] = 0;
    int valid = 1;
    for (int k = 0; k < rank - 1 && valid; ++k)
      valid = triangle(lsLS[nodes[k][0]], lsLS[nodes[k][1]], lsLS[nodes[k][2]]);
    if (valid) {
      int *ms = NULL, nms = 0;
      double *gc = NULL;
      st = ace_coupling_ms_list(rank, ls, L, 0, cg, &ms, &gc, &nms, err);
      if (st) break;
      double *v = calloc(nmons + (size_t)nms + 1, sizeof *v); /* a tuple adds at most one monomial */
      for (int c = 0; v && c < nms; ++c) {
        int key[ACE_MAX_RANK][2];
        for (int t = 0; t < rank; ++t) {
          key[t][0] = cls[t];
          key[t][1] = ms[c * rank + t];
        }
        qsort(key, (size_t)rank, sizeof key[0], cmp_pair);
        const long idx = monomial_index(&mons, &nmons, &capm, (const int(*)[2])key, rank);
        if (idx < 0) {
          free(v);
          v = NULL;
          break;
        }
        v[idx] += gc[c];
      }
      free(ms);
      free(gc);
      if (!v) {
        st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "coupling enumeration: out of memory");
        break;
      }
      /* Gram-Schmidt against the kept ones (their vectors are zero beyond their own length) */
      double norm0 = 0.0;
      for (size_t i = 0; i < nmons; ++i) norm0 += v[i] * v[i];
      for (size_t q = 0; q < nkept && norm0 > 0.0; ++q) {
        double d = 0.0;
        for (size_t i = 0; i < klen[q]; ++i) d += kept[q][i] * v[i];
        for (size_t i = 0; i < klen[q]; ++i) v[i] -= d * kept[q][i];
      }
      double norm = 0.0;
      for (size_t i = 0; i < nmons; ++i) norm += v[i] * v[i];
      if (norm0 > 0.0 && norm > 1e-18 * norm0 && *count < max_out) {
        const double s = 1.0 / sqrt(norm);
        for (size_t i = 0; i < nmons; ++i) v[i] *= s;
        double **g = realloc(kept, (nkept + 1) * sizeof *g);
        size_t *gl = g ? realloc(klen, (nkept + 1) * sizeof *gl) : NULL;
        if (g) kept = g;
        if (gl) klen = gl;
        if (!g || !gl) {
          free(v);
          st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "coupling enumeration: out of memory");
          break;
        }
        kept[nkept] = v;
        klen[nkept++] = nmons;
        for (int i = 0; i < nint; ++i) lints[*count][i] = L[i];
        ++*count;
      } else {
        free(v);
      }
    }
    /* next L (lexicographic, each 0..lsum) */
    int i = nint - 1;
    while (i >= 0 && L[i] == lsum) L[i--] = 0;
    if (i < 0) break;
    ++L[i];
  }
  for (size_t q = 0; q < nkept; ++q) free(kept[q]);
  free(kept);
  free(klen);
  free(mons);
  return st;
}
