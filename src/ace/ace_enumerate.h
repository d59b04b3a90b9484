/* ace_enumerate.h -- enumeration of rotation- and permutation-invariant
 * B-functions (internal; the basis specification of `aceuq fit` builds on it). */
#ifndef ACEUQ_ACE_ENUMERATE_H
#define ACEUQ_ACE_ENUMERATE_H

#include "ace_cg.h"
#include "ace_model.h"

/* One single-particle label of a B-function: neighbour species, radial index (1-based), l. */
typedef struct ace_label {
  int mu, n, l;
} ace_label;

/* The independent invariants of the multiset labels[0..rank-1] (rank 2..ACE_MAX_RANK): the
 * intermediate couplings lints[k][0..rank-3] (tree of ace_coupling_tree, lexicographic order) of
 * a maximal linearly independent set, *count of them (at most max_out).  Identical labels are
 * accounted for (a coupling that is a combination of earlier ones after symmetrisation is
 * dropped); an odd sum of l gives 0.  cg must hold j up to the sum of the ls. */
aceuq_status ace_independent_couplings(int rank, const ace_label *labels, ace_cg_cache *cg,
                                       int lints[][ACE_MAX_RANK], int max_out, int *count, aceuq_error *err);

#endif
