/* ace_basis.h -- B-basis functions: couplings, half basis, compression, the
 * ML-PACE function order, and the B -> C-tilde conversion (internal; see
 * ../shared/docs/ace.md §7).
 *
 * For a B-function (rank r, ls, intermediate couplings LS) the generalized
 * Clebsch-Gordan coefficient of an m-tuple (sum m = 0) is the product over
 * the nodes of the coupling tree of CG(L_a M_a, L_b M_b | L_c M_a+M_b), in
 * tree order, starting from 1.0.  Tree (leaves 0..r-1, intermediates
 * r..2r-3 = LS[0..r-3], root 2r-2 with L = 0): leaves are paired (0,1),
 * (2,3), ...; the pair nodes are then coupled first-in-first-out; for odd r
 * the last intermediate couples with the leftover leaf r-1.
 * Tuples are enumerated with m_1 fastest; a tuple is dropped when an
 * intermediate |M| > L or the product is exactly 0.0.
 * Half basis: tuples whose first non-zero m is > 0 are kept with factor 2,
 * the all-zero tuple with factor 1, the others dropped; then
 *   B = sum_kept gen_cg(ms) Re(prod_t A[mu_t][n_t][l_t][m_t])
 * equals the full-m sum (which is real for even sum l).
 */
#ifndef ACEUQ_ACE_BASIS_H
#define ACEUQ_ACE_BASIS_H

#include "ace_cg.h"
#include "ace_model.h"

#include <stddef.h>

/* The tree of rank r: node k couples indices node[k][0], node[k][1] of the
 * (ls, LS, 0) array into node[k][2]; r - 1 nodes (none for r = 1). */
void ace_coupling_tree(int rank, int nodes[ACE_MAX_RANK][3]);

/* Options of ace_coupling_ms_list. */
enum {
  /* the half basis (factor 2 included); otherwise every tuple with factor 1 */
  ACE_COUPLING_HALF_BASIS = 1,
  /* keep the tuples ML-PACE keeps: a mathematically zero product is dropped
   * only if one of its node CGs is an exact 0.0 in wigner-cpp (see
   * ace_cg_zero_is_exact_in_recursion); the others stay with gen_cg = 0.0
   * (ML-PACE: ~1e-17).  They count in num_ms_combs and ms_combs for the
   * function order, and compression drops them (|sum| < 1e-15) -- which
   * also makes compression "reduce" and hence apply to such a function. */
  ACE_COUPLING_MLPACE_ZEROS = 2
};

/* All m-tuples of one coupling with their generalized CG, in enumeration
 * order (m_1 fastest).  flags: ACE_COUPLING_* (0: full m-sum, exact zeros
 * dropped).  lint holds LS[0..rank-3].
 * Requirements: 1 <= rank <= ACE_MAX_RANK, sum of ls even, all l and L
 * within the cache's jmax.  Allocates *ms ([*count][rank]) and *gen_cg
 * ([*count]); both NULL when *count == 0. */
aceuq_status ace_coupling_ms_list(int rank, const int *ls, const int *lint, int flags, ace_cg_cache *cg,
                                  int **ms, double **gen_cg, int *count, aceuq_error *err);

/* One B-function as the evaluator projects it:
 *   b = sum_{k < num_ms_combs} gen_cgs[k] Re(prod_t A[mus[t]][ns[t]-1][ls[t]][ms_combs[k*rank+t]]).
 * mus/ns/ls are those after compression (ML-PACE sorts (mu,n,l,m) within
 * each tuple when that reduces the number of tuples, which may permute
 * them relative to the file); lint is the file's LS. */
typedef struct ace_bbasis_func {
  int rank;
  int mu0;
  int ndensity;
  int mus[ACE_MAX_RANK];
  int ns[ACE_MAX_RANK];       /* 1-based */
  int ls[ACE_MAX_RANK];
  int nlint;
  int lint[ACE_MAX_RANK];
  int num_ms_combs;
  int *ms_combs;              /* [num_ms_combs][rank] */
  double *gen_cgs;            /* [num_ms_combs] */
  double *coeffs;             /* [ndensity], copy of the B coefficients */
  size_t source_index;        /* index in model->bfuncs[mu0] */
} ace_bbasis_func;

/* Two neighbouring B-functions of one species whose order keys are equal:
 * ML-PACE's std::sort leaves their order unspecified (positions in funcs[mu]). */
typedef struct ace_basis_tie {
  int mu;
  size_t first, second;
} ace_basis_tie;

/* The projection basis: per species the ML-PACE B-basis order (= .asi
 * column order): rank-1 functions, then rank > 1, each group sorted by
 * ace_basis_compare (stable: ties keep file order).  Functions with
 * `skip: true` are not part of the basis (ML-PACE drops them on load). */
typedef struct ace_bbasis {
  int nelements;
  size_t *nfuncs;             /* [nelements] */
  size_t *nfuncs_rank1;       /* [nelements], the first nfuncs_rank1[mu] have rank 1 */
  ace_bbasis_func **funcs;    /* [nelements][nfuncs[mu]] */
  size_t nties;
  ace_basis_tie *ties;        /* [nties] */
} ace_bbasis;

/* The ML-PACE `compare` order: rank, mu0, mus[], ns[], ls[], num_ms_combs,
 * ms_combs[] (flattened, lexicographic); LS is not a key.  <0, 0, >0. */
int ace_basis_compare(int rank_a, int mu0_a, const int *mus_a, const int *ns_a, const int *ls_a,
                      int nms_a, const int *ms_a, int rank_b, int mu0_b, const int *mus_b,
                      const int *ns_b, const int *ls_b, int nms_b, const int *ms_b);

/* Compression of one function: sort (mu, n, l, m) within every tuple, merge
 * equal tuples (sum of gen_cg in list order), drop |sum| < 1e-15; applied
 * (mus/ns/ls/ms_combs/gen_cgs replaced, tuples in lexicographic order) only
 * if it reduces the number of tuples.  *applied tells whether it was. */
aceuq_status ace_bbasis_func_compress(ace_bbasis_func *f, int *applied, aceuq_error *err);

/* From m->bfuncs (a B-basis .yaml model): build the projection basis
 * (*out) and fill m->nctilde / m->ctilde with the C-tilde basis exactly as
 * ML-PACE's to_ACECTildeBasisSet: B-functions grouped by (mu0, mus, ns, ls),
 * for every tuple ms c~[ms][p] = sum_{B in group, basis order} coeff_B[p] gen_cg_B(ms),
 * tuples in lexicographic order, functions sorted by ace_basis_compare.
 * Errors: no B-basis, C-tilde already present, invalid function (rank,
 * species, l, LS count, odd sum of l), out of memory.  On error the model's
 * C-tilde is left empty and *out NULL. */
aceuq_status ace_basis_build(ace_model *m, ace_bbasis **out, aceuq_error *err);

void ace_bbasis_free(ace_bbasis *b);

#endif
