/* maxvol_internal.h -- the pieces of MaxVol (maxvol.c) that the active-set
 * builders (activeset_build.c) combine; not part of the public API.
 *
 * All matrices here are column-major (LAPACK layout): element (j, c) of an
 * n x r matrix F is F[j + c * n].  The functions work in place on F, so a
 * MaxVol over n rows needs n * r doubles plus O(n + r^2) scratch. */
#ifndef ACEUQ_MAXVOL_INTERNAL_H
#define ACEUQ_MAXVOL_INTERNAL_H

#include "aceuq.h"

/* LU start: dgetrf with partial pivoting on F (n x r, n >= r >= 1); F is
 * overwritten with C = F F[basis]^-1 in the original row order (rows of the
 * basis are exact unit vectors), basis[0..r-1] = the first r pivot rows
 * (basis[i] is the row whose C row is e_i), *logvol = log |det F[basis]|.
 * An exactly singular F (zero pivot) is ACEUQ_ERR_LINALG. */
aceuq_status aceuq_maxvol_lu_start(double *F, size_t n, size_t r, size_t *basis, double *logvol, aceuq_error *err);

/* Given start: F is overwritten with C = F F[start]^-1 (start: r distinct row
 * indices; their C rows are set to exact unit vectors).  A singular start
 * block is ACEUQ_ERR_LINALG. */
aceuq_status aceuq_maxvol_given_start(double *F, size_t n, size_t r, const size_t *start, aceuq_error *err);

/* Swap phase on C (n x r, as left by one of the two starts) and its basis:
 * while max |C_ji| > tol (tol < 1 is taken as 1) and fewer than max_iters
 * swaps: basis[i] = j and C -= (1/C_ji) C[:,i] (C[j,:] - e_i).  (j, i) is the
 * first strict maximum in row-major order (smallest row j, then smallest
 * column i).  *iters = swaps made, *max_c = final max |C|.  A non-finite C
 * (overflow) is ACEUQ_ERR_LINALG. */
aceuq_status aceuq_maxvol_swaps(double *C, size_t n, size_t r, size_t *basis, double tol, int max_iters,
                                int *iters, double *max_c, aceuq_error *err);

#endif
