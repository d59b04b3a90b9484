/* potential_internal.h -- helpers about a loaded potential for the core's own modules (the .asi
 * and .asil readers, the writers, the fit and the spreads); internal, so without the public prefix. */
#ifndef ACEUQ_POTENTIAL_INTERNAL_H
#define ACEUQ_POTENTIAL_INTERNAL_H

#include "aceuq.h"

struct ace_evaluator;

/* "Cu I": the potential's element symbols, space-separated, for messages
 * (truncated to size, always NUL-terminated). */
void potential_element_list(const aceuq_potential *pot, char *buf, size_t size);

/* ACEUQ_OK if pot has a B-basis (projections); otherwise a mismatch error
 * "<path>: the potential has no B-basis (a .yace file?): <what> and
 * extrapolation grades need the pacemaker .yaml potential". */
aceuq_status potential_require_bbasis(const aceuq_potential *pot, const char *path, const char *what,
                                            aceuq_error *err);

/* ACEUQ_OK if E_i = b(i) . c exactly (what member spreads assume: one density,
 * F(rho) = rho, no core repulsion, no zbl); otherwise a mismatch error naming
 * what needs it and the first element or bond that is not linear. */
aceuq_status potential_require_linear(const aceuq_potential *pot, const char *what, aceuq_error *err);

/* The per-atom workspace behind a public one (the last atom's caches). */
struct ace_atom_workspace *workspace_atom_cache(aceuq_workspace *ws);

/* The evaluator behind a potential (for the core's own modules: fitting). */
const struct ace_evaluator *potential_evaluator(const aceuq_potential *pot);

#endif
