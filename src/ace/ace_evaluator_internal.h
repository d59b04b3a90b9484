/* ace_evaluator_internal.h -- the evaluator's data layout, shared by the
 * files that extend one atom's evaluation (ace_evaluator.c: energy, forces,
 * projections and their gradients; ace_members.c: gradients of posterior
 * members).  Not public API.
 *
 * A entries are indexed a_index(mu, n0, l, m) for m = -l..l (ace.md section 8);
 * a workspace holds the last atom's neighbour caches and A until the next
 * call, so member gradients can reuse them without recomputing. */
#ifndef ACEUQ_ACE_EVALUATOR_INTERNAL_H
#define ACEUQ_ACE_EVALUATOR_INTERNAL_H

#include "ace_basis.h"
#include "ace_evaluator.h"
#include "ace_radial.h"
#include "ace_ylm.h"

#include <math.h>

/* Products of A entries: function f owns terms first[f] .. first[f+1]-1;
 * term t multiplies A at idx[t*ACE_MAX_RANK + a], a < rank[f], with
 * coefficients coef[t*ncoef .. +ncoef). */
typedef struct flat_terms {
  size_t nfunc;
  size_t *first;
  int *rank;
  size_t nterms;
  int *idx;
  double *coef;
} flat_terms;

#define FORCE_LANES 8

typedef struct species_eval {
  int ndensity;
  size_t n1;          /* rank-1 C-tilde functions */
  int *r1_idx;        /* A1 index */
  double *r1_c;       /* [n1][ndensity] */
  flat_terms ct;      /* rank > 1 C-tilde, ndensity coefficients per term */
  size_t nproj1;      /* rank-1 B functions (projection order) */
  int *p1_idx;
  flat_terms pb;      /* rank > 1 B functions, one gen_cg per term */
  double *pb_c;       /* [pb.nfunc][ndensity]: their coefficients, rho_p = rho1_p + sum_f pb_c[f][p] b_f */
} species_eval;

struct ace_evaluator {
  ace_model *model;
  ace_bbasis *bbasis;
  int nel, lmax, nradmax, nradbase, nlm, nylm, ndensmax;
  ace_bond_splines *splines; /* [nel*nel] */
  int sum_slots;             /* most slot sums of a bond (ace_bond_splines_sum_slots) */
  double *cut;               /* [nel*nel] */
  species_eval *sp;          /* [nel] */
  ace_ylm_table *ylm;        /* recursion coefficients up to lmax */
};

/* The rank-1 basis of the cached atom: not evaluated (the energy table's contracted G only),
 * A1 (projections), or also dg_k/dr of every neighbour, nb_dg (projection and member gradients). */
typedef enum rank1_cache { RANK1_NONE = 0, RANK1_VALUES = 1, RANK1_GRADIENTS = 2 } rank1_cache;

struct ace_atom_workspace {
  size_t cap;
  size_t *nb_src;
  int *nb_mu;
  double *nb_r, *nb_rhat, *nb_dc;
  double *nb_dg, *nb_R, *nb_dR;
  double *nb_G, *nb_dG;      /* [cap][ndensmax]: contracted rank-1 radial functions (energy table) */
  ace_complex *nb_Y, *nb_dY;
  ace_complex *A, *W;
  double *A1;                /* rank-1 basis sum_j g_k (only with projections / gradients) */
  double *slot_sums;         /* [nel][sum_slots]: spline slots summed over the neighbours of each species,
                              * from which atomic_base reads A1 (ace_bond_splines_basis_sums) */
  double *rho, *dF, *dE_drho;
  double *rho1;              /* [ndensmax]: rank-1 part of rho from the energy table */
  ace_complex *prefix;       /* [ACE_MAX_RANK + 1] */
  double *fblk;              /* FORCE_LANES neighbours at once, lane-minor: R, R' [nrl][lanes], Y (re, im)
                              * [2 nylm][lanes], dY (re, im) [6 nylm][lanes]; the lane-wise sums of A
                              * [nradmax][nylm][2][lanes] */
  float *fblk_f;             /* 2 FORCE_LANES neighbours in float: R, R', Y, dY, g' as in fblk */
  double *zeros;             /* [nradmax (lmax+1) + nradbase] zeros: the rows of empty lanes */
  /* projection gradients (ace_projection_gradients), allocated on first use: */
  size_t gcap;               /* neighbours the D and G buffers hold */
  size_t gkmax;              /* columns of G per row */
  double *gW;                /* [2 nC][Kmax] column-major: adjoints of all projections on A (re, im) */
  double *gD;                /* [3 gcap][2 nCs]: dA/dr of the neighbours of one species (re, -im) */
  double *gG;                /* [3 gcap][Kmax]: gradients of one species group */
  size_t *gq;                /* [gcap]: neighbours of the group */
  /* the atom whose neighbour caches and A are held (set by every evaluation) */
  int last_mu;               /* species of the centre, -1 before the first atom */
  size_t last_n, last_nq;    /* neighbours given, neighbours inside the cutoff (cached) */
  rank1_cache last_rank1;    /* whether nb_dg holds the atom's g_k' (RANK1_GRADIENTS) */
  /* member gradients (ace_members.c), allocated on first use for mcap members: */
  size_t mcap;
  double *mWr, *mWi;         /* [nA][mcap]: adjoints of every member's energy on A (m >= 0 entries, folded);
                              * single precision: the own lane's only, [nA] */
  double *mupd;              /* [2 mupd_cap + 2 nA]: the adjoint update values of one atom in the blocked product
                              * order of ace_members.c (real parts, then imaginary parts), then A as re and im arrays */
  float *mupdf;              /* [2 mupdf_cap]: single precision, the values rounded to float (the same order) */
  size_t mupd_cap, mupdf_cap;
  float *mWf;                /* [2 nA][mfcap]: the members' adjoints in single precision (re, then im) */
  size_t mfcap;              /* members per row of mWf */
};

/* Make the cached atom's nb_dg available (after an evaluation without gradients it is not; A1 is
 * read only by the evaluation itself, rho_and_projections). */
aceuq_status ace_rank1_cache_fill(const ace_evaluator *ev, ace_atom_workspace *ws, aceuq_error *err);

/* Buffers gD, gG (kmax values per row) and gq for n neighbours. */
aceuq_status ace_gradient_buffers_reserve(const ace_evaluator *ev, ace_atom_workspace *ws, size_t kmax, size_t n,
                                          aceuq_error *err);
/* The cached neighbours of the last atom that have species mu, into ws->gq; returns their number. */
size_t ace_neighbour_group(const ace_evaluator *ev, ace_atom_workspace *ws, int mu);
/* For the cnt neighbours in ws->gq (species mu, centre mu_i): ws->gD column 3u + a, rows
 * (2c, 2c + 1) = (Re, -Im) dA_c / dr_a with c = n nylm + ylm(l, m >= 0), 2 nradmax nylm rows;
 * Re(w dA_c) = Re w * gD[2c] + Im w * gD[2c + 1]. */
void ace_dA_dr_columns(const ace_evaluator *ev, ace_atom_workspace *ws, int mu_i, int mu, size_t cnt);

/* Where ace_weighted_gradients puts g = d E_s / d r_q,a of weight set s along a neighbour q of the
 * cached atom (j = nb_src[q], the caller's index of that neighbour):
 *   row_of == NULL: out[(j 3 + a) ldo + s] = g;
 *   else the LAMMPS-style force sums out[(row_of[j] 3 + a) ldo + s] -= g and, summed over q,
 *        out[(row_i 3 + a) ldo + s] += g (rows of 3 ldo values, one per atom). */
typedef struct grad_sink {
  double *out;
  size_t ldo;
  const int *row_of;
  int row_i;
  float *outf;      /* not NULL: the rows are floats (out is NULL; single-precision sets, with row_of) */
} grad_sink;
static inline size_t grad_sink_row(const grad_sink *sk, size_t j)
{
  return (sk->row_of ? (size_t)sk->row_of[j] : j) * 3 * sk->ldo;
}
static inline size_t grad_sink_centre(const grad_sink *sk) { return (size_t)sk->row_i * 3 * sk->ldo; }

/* Gradients of ns weighted sums of the cached atom's basis, E_s = Re sum_e w_s(e) A_e +
 * sum_{mu,k} W1[(mu nradbase + k) ld + s] A1[mu][k], with the adjoints folded onto m >= 0
 * (w_s(e) = Wr[e ld + s] + i Wi[e ld + s], e = a_index(mu, n, l, m >= 0)); needs nb_dg.  Sets
 * s < ns go to sink, and with own != NULL set ns to own (as its set 0), for every neighbour inside
 * the cutoff (other entries untouched).  Neighbour blocks as in the atom's own forces: one gather
 * per block, one contraction per weight set. */
void ace_weighted_gradients(const ace_evaluator *ev, ace_atom_workspace *ws, size_t ns, const double *Wr,
                            const double *Wi, const double *W1, size_t ld, const grad_sink *sink,
                            const grad_sink *own);
/* The same for ns sets in single precision (float weights Wr, Wi, W1 with row length ldf; the
 * blocks rounded to float, 2 FORCE_LANES neighbours per vector; the gradients into sink's float
 * rows if sink->outf, else converted to double) and, if own is not NULL, one more set in double
 * (Wor, Woi, Wo1, row length ld) into own. */
void ace_weighted_gradients_mixed(const ace_evaluator *ev, ace_atom_workspace *ws, size_t ns, const float *Wr,
                                  const float *Wi, const float *W1, size_t ldf, const grad_sink *sink,
                                  const double *Wor, const double *Woi, const double *Wo1, size_t ld,
                                  const grad_sink *own);

static inline int a_index(const ace_evaluator *ev, int mu, int n0, int l, int m)
{
  return ((mu * ev->nradmax + n0) * ev->nlm) + l * l + l + m;
}

/* The entry with m >= 0 that A entry e folds onto, and the multipliers (fre, fim) of an adjoint
 * on e there: Re(w dA(l,-m)) = Re((-1)^m conj(w) dA(l,m)), i.e. (1, 1) for m >= 0 and
 * ((-1)^m, -(-1)^m) for m < 0. */
static inline int a_index_folded(const ace_evaluator *ev, int e, double *fre, double *fim)
{
  const int lm = e % ev->nlm, l = (int)sqrt((double)lm + 0.5), m = lm - l * l - l;
  *fre = *fim = 1.0;
  if (m >= 0) return e;
  const double sg = (m & 1) ? -1.0 : 1.0;
  *fre = sg;
  *fim = -sg;
  return e - 2 * m;
}

static inline ace_complex cmul(ace_complex a, ace_complex b)
{
  ace_complex c = {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
  return c;
}

#endif
