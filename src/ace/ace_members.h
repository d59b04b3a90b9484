/* ace_members.h -- forces of the members of a linear-ACE posterior, all
 * members at once (not public API; aceuq.h: aceuq_spread_forces, aceuq_spread_gradients).
 *
 * Member s of a posterior has the coefficients mean + d_s; for a linear
 * potential its atomic energy deviates from the mean potential's by
 *   dE_i(s) = b(i) . d_s = sum_f d_s,f Re sum_t g_t prod_a A_{t,a}     (rank > 1)
 *                        + sum_f d_s,f A1_f                             (rank 1),
 * so every member shares A, the splines, Y_lm and the products; only the
 * adjoint weights differ.  A member basis merges the terms of all B functions
 * with the same product of A entries (one product, M coefficients
 *   h_u,s = sum_{(f,t) -> u} g_t d_s,f ),
 * and the gradients of one atom are M-wide versions of the evaluator's
 * adjoint pass:
 *   W_s(e) = sum_u h_u,s d(prod_u)/dA_e    (the update values d(prod_u)/dA_e once per
 *            atom; then per entry e the sum over its updates, M members in registers),
 *   d dE_i(s)/dr_ij = Re sum_{m>=0} W_s+(e) dA_e/dr_ij + sum_k W1_s(k) g_k'(r_ij) rhat
 *            (the evaluator's neighbour blocks, ace_weighted_gradients: one gather of
 *            R, R', Y, dY, g' per block of neighbours, one contraction per member with
 *            the rank-1 part in it),
 * instead of M evaluations.  Profiled alternatives: a GEMM over dA/dr columns of all
 * neighbours (members x entries times entries x 3 neighbours) was 1.5-2x slower (the
 * columns are written and read once per atom); product-major adjoint updates (M-wide
 * read-modify-write of W per factor) 2x slower than the entry-major sums. */
#ifndef ACEUQ_ACE_MEMBERS_H
#define ACEUQ_ACE_MEMBERS_H

#include "ace_evaluator.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ace_member_basis ace_member_basis;

/* D: M x ldd row-major member offsets d_s; the columns of species mu start at
 * offset[mu] and follow the projection order (rank-1 first), K_mu =
 * ace_evaluator_projection_size(ev, mu, LINEAR) of them.  with_own: one more
 * lane, s = M, with the potential's own coefficients, whose "deviation" is the
 * potential's E_i itself (exact for a linear potential): its gradients are the
 * atom's dE_i/dr_ij, so a caller that needs member forces can evaluate the
 * atom without forces and take them from that lane (one contraction instead of
 * two).  ace_member_basis_members() counts the lanes.  B-basis models only.
 * single: the M members' adjoints and gradients in float (relative error ~1e-6 of
 * each member's deviation; the own lane stays double, the same bits as without). */
aceuq_status ace_member_basis_create(const ace_evaluator *ev, size_t M, const double *D, size_t ldd,
                                     const size_t *offset, int with_own, int single, ace_member_basis **out,
                                     aceuq_error *err);
void ace_member_basis_free(ace_member_basis *mb);
size_t ace_member_basis_members(const ace_member_basis *mb);
/* Unique products of rank > 1 of species mu (for benchmarks and messages). */
size_t ace_member_basis_products(const ace_member_basis *mb, int mu);

/* Gradients of every member's energy deviation of the atom last evaluated in
 * ws (by ace_evaluate_atom or ace_projection_gradients with this mu_i and n):
 *   dev_drij[(j * 3 + a) * M + s] = d dE_i(s) / d r_ij,a    (n * 3 * M doubles;
 * 0 for neighbours beyond the cutoff).  LAMMPS-style member force deviations:
 * f_i,s += dev_drij[j][.][s], f_j,s -= dev_drij[j][.][s]. */
aceuq_status ace_member_gradients(const ace_evaluator *ev, const ace_member_basis *mb, ace_atom_workspace *ws,
                                  int mu_i, size_t n, double *dev_drij, aceuq_error *err);
/* The same summed into member force deviations, LAMMPS-style, without the n x 3 x M array: for
 * the members s < M' (M' = M without the own lane) and each neighbour j inside the cutoff,
 *   dF[(row_of[j] 3 + a) M' + s] -= g_j,a,s,   dF[(row_i 3 + a) M' + s] += sum_j g_j,a,s,
 * and, if dE_drij is not NULL (needs the own lane), dE_drij[3 j + a] = dE_i / dr_ij,a of the
 * potential (0 beyond the cutoff).  row_of[j] may repeat and equal row_i (periodic images).
 * The rows are doubles (dF) or, single precision only, floats (dFf; half the memory the sums
 * touch); the other pointer is NULL. */
aceuq_status ace_member_forces(const ace_evaluator *ev, const ace_member_basis *mb, ace_atom_workspace *ws, int mu_i,
                               size_t n, const int *row_of, int row_i, double *dF, float *dFf, double *dE_drij,
                               aceuq_error *err);

#ifdef __cplusplus
}
#endif

#endif
