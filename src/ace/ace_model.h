/* ace_model.h -- internal in-memory form of an ACE potential (not public API).
 *
 * Filled by the readers (ace_yaml.c: pacemaker B-basis .yaml; ace_yace.c:
 * ML-PACE C-tilde .yace), completed by the basis builder (ace_basis.c:
 * B-basis -> C-tilde, projection order), consumed by the evaluator.
 * Conventions (see ../shared/docs/ace.md):
 *  - species index = position of the symbol in `elements` (ASCII-sorted set of
 *    the symbols of all speciesblock keys for .yaml; the file's list for .yace);
 *  - radial index n is stored 1-based in ns[] exactly as in the files;
 *    crad is indexed with internal n-1;
 *  - bonds are per ordered pair, bonds[mu_i * nelements + mu_j]; a bond given
 *    only as "A B" is copied to "B A" by the reader.
 */
#ifndef ACEUQ_ACE_MODEL_H
#define ACEUQ_ACE_MODEL_H

#include "ace_notes.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ACE_MAX_RANK 6
#define ACE_MAX_ELEMENT_NAME 8

typedef enum ace_radbase_type {
  ACE_RADBASE_CHEBEXPCOS = 0,
  ACE_RADBASE_CHEBPOW = 1,
  ACE_RADBASE_CHEBLINEAR = 2,
  ACE_RADBASE_SBESSEL = 3,
  ACE_RADBASE_TEST_ZERO = 4   /* ML-PACE's "TEST_<anything>" stub: g_k = 0 */
} ace_radbase_type;

typedef enum ace_embedding_type {
  ACE_EMBEDDING_FINNIS_SINCLAIR = 0,
  ACE_EMBEDDING_FINNIS_SINCLAIR_SHIFTED_SCALED = 1
} ace_embedding_type;

typedef enum ace_inner_cutoff_type {
  ACE_INNER_CUTOFF_DENSITY = 0, /* default when the key is absent */
  ACE_INNER_CUTOFF_DISTANCE = 1,
  ACE_INNER_CUTOFF_ZBL = 2
} ace_inner_cutoff_type;

/* Embedding of one species: F(rho_1..rho_P) = sum_p w_p Phi(rho_p; m_p). */
typedef struct ace_embedding {
  int ndensity;               /* P >= 1 */
  ace_embedding_type type;
  double *params;             /* 2P values: w_1, m_1, w_2, m_2, ... */
  double rho_core_cut;        /* default 100000 */
  double drho_core_cut;       /* default 250 */
} ace_embedding;

/* Radial basis and core repulsion of one ordered species pair. */
typedef struct ace_bond {
  int defined;                /* 0 if the pair has no bond block */
  ace_radbase_type radbase;
  double lambda;              /* radparameters[0] */
  double rcut, dcut;
  int nradmax;                /* max n for rank > 1 */
  int lmax;
  int nradbase;               /* K, number of g_k */
  double *crad;               /* [nradmax][lmax+1][nradbase], row-major */
  double prehc, lambdahc;     /* core-repulsion: [prehc, lambdahc], default 0, 0 */
  double r_in, delta_in;      /* inner cutoff, default 0, 0 */
} ace_bond;

/* One B-basis function (pacemaker `nbody` entry). */
typedef struct ace_bfunc {
  int rank;                   /* 1..ACE_MAX_RANK */
  int mu0;                    /* central species */
  int mus[ACE_MAX_RANK];      /* neighbour species */
  int ns[ACE_MAX_RANK];       /* 1-based radial indices */
  int ls[ACE_MAX_RANK];
  int nlint;                  /* rank - 2 for rank > 2, else 0 (short forms expanded) */
  int lint[ACE_MAX_RANK];     /* intermediate couplings L_1 .. L_{rank-2} */
  double *coeffs;             /* ndensity of mu0 */
  int skip;                   /* `skip: true` in the file */
} ace_bfunc;

/* One C-tilde function (a .yace `functions` entry, or built from B-functions). */
typedef struct ace_ctilde_func {
  int rank;
  int mu0;
  int ndensity;
  int mus[ACE_MAX_RANK];
  int ns[ACE_MAX_RANK];       /* 1-based */
  int ls[ACE_MAX_RANK];
  int num_ms_combs;
  int *ms_combs;              /* [num_ms_combs][rank] */
  double *ctildes;            /* [num_ms_combs][ndensity] */
} ace_ctilde_func;

typedef struct ace_model {
  char *source;               /* file name, for messages */
  int nelements;
  char (*elements)[ACE_MAX_ELEMENT_NAME];
  double delta_spline_bins;   /* > 0 */
  ace_inner_cutoff_type inner_cutoff_type;
  double *E0;                 /* per species; all 0 for .yaml */
  ace_embedding *embeddings;  /* [nelements] */
  ace_bond *bonds;            /* [nelements * nelements] */

  /* B-basis (.yaml only; NULL/0 for .yace): per species, in file order */
  size_t *nbfuncs;            /* [nelements] */
  ace_bfunc **bfuncs;         /* [nelements][nbfuncs[mu]] */

  /* C-tilde basis: from the .yace file, or built by ace_basis.c */
  size_t *nctilde;            /* [nelements] */
  ace_ctilde_func **ctilde;   /* [nelements][nctilde[mu]]: rank-1 first, then rank > 1 */

  /* what the reader ignored or assumed, for the user's log (ace_notes.h) */
  ace_notes notes;

  /* global maxima over bonds / functions (filled by ace_model_finalize) */
  double cutoffmax;
  int lmax, nradmax, nradbase, rankmax, ndensitymax;
} ace_model;

/* Release everything the model owns (NULL is ignored). */
void ace_model_free(ace_model *m);
/* Fill the global maxima from bonds, embeddings and functions. */
void ace_model_finalize(ace_model *m);

#ifdef __cplusplus
}
#endif

#endif
