/* ace_evaluator.h -- energy, dE/dr_ij and projections of one atom (product
 * algorithm with adjoint weights, ../shared/docs/ace.md section 8).
 *
 * An ace_evaluator is built once from a model (read-only afterwards, shared by
 * all threads); every thread owns an ace_atom_workspace, reused for all its
 * atoms (it grows only when an atom has more neighbours than any before).
 *
 * For atom i of species mu_i with neighbours j (species mu_j, r_ij = x_j - x_i):
 *   E_i          energy: F(rho) * f_cut(rho_core) + rho_core + E0 (density and
 *                distance inner cutoffs), F f + rho_core (1 - f) + E0 (zbl)
 *   dE_drij[j]   dE_i / d r_ij; LAMMPS-style forces are f_i += dE_drij[j],
 *                f_j -= dE_drij[j]; virial W_ab = sum -r_ij,a dE_drij,b
 *   projections  (optional, B-basis models only) linear b_f in basis order
 *                (rank-1 first; = .asi column order), or non-linear
 *                dF/drho_p * b_f (density-major, index p*K + f; dF/drho_p
 *                before the rho_core switch, as ML-PACE).
 * Neighbours at or beyond the pair cutoff are ignored (dE_drij = 0).
 */
#ifndef ACEUQ_ACE_EVALUATOR_H
#define ACEUQ_ACE_EVALUATOR_H

#include "ace_model.h"
#include "aceuq.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ace_evaluator ace_evaluator;
typedef struct ace_atom_workspace ace_atom_workspace;

typedef enum ace_projection_kind {
  ACE_PROJECTIONS_NONE = 0,
  ACE_PROJECTIONS_LINEAR = 1,
  ACE_PROJECTIONS_NONLINEAR = 2
} ace_projection_kind;

/* Takes ownership of the model (freed with the evaluator).  For a B-basis
 * model (.yaml) the C-tilde basis and the projection basis are built here. */
aceuq_status ace_evaluator_create(ace_model *model, ace_evaluator **out, aceuq_error *err);
void ace_evaluator_free(ace_evaluator *ev);
const ace_model *ace_evaluator_model(const ace_evaluator *ev);
/* The projection basis (B-basis functions in projection order; NULL for .yace). */
const struct ace_bbasis *ace_evaluator_bbasis(const ace_evaluator *ev);
/* Largest pair cutoff, and the cutoff of one species pair. */
double ace_evaluator_cutoff(const ace_evaluator *ev, int mu_i, int mu_j);
/* Number of projections of species mu (0 if the model has no B-basis). */
size_t ace_evaluator_projection_size(const ace_evaluator *ev, int mu, ace_projection_kind kind);
/* Pairs of B functions with equal ML-PACE sort keys (order unspecified). */
size_t ace_evaluator_ordering_ties(const ace_evaluator *ev);

aceuq_status ace_atom_workspace_create(const ace_evaluator *ev, ace_atom_workspace **out, aceuq_error *err);
void ace_atom_workspace_free(ace_atom_workspace *ws);

/* One atom.  mu_j[n], rij[3n]; dE_drij[3n] output (may be NULL: energy only);
 * projections: NULL or ace_evaluator_projection_size(ev, mu_i, kind) doubles. */
aceuq_status ace_evaluate_atom(const ace_evaluator *ev, ace_atom_workspace *ws, int mu_i, size_t n,
                               const int *mu_j, const double *rij, double *energy, double *dE_drij,
                               ace_projection_kind kind, double *projections, aceuq_error *err);

/* Linear projections b_f of one atom (as ace_evaluate_atom with
 * ACE_PROJECTIONS_LINEAR) and their gradients with respect to the neighbour
 * vectors: db_drij[(j * 3 + a) * K + f] = d b_f / d r_ij,a (0 for neighbours
 * beyond the cutoff), K = ace_evaluator_projection_size(ev, mu_i, LINEAR):
 * K * n * 3 doubles.  The rows of a design matrix: E = sum_f c_f b_f and
 * F_j = -sum_i sum_f c_f db_f(i)/dr_j.  B-basis models only. */
aceuq_status ace_projection_gradients(const ace_evaluator *ev, ace_atom_workspace *ws, int mu_i, size_t n,
                                      const int *mu_j, const double *rij, double *projections, double *db_drij,
                                      aceuq_error *err);

#ifdef __cplusplus
}
#endif

#endif
