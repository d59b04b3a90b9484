/* fit_internal.h -- what the fit's solvers share (fit_solve.c, fit_pops.c). */
#ifndef ACEUQ_FIT_INTERNAL_H
#define ACEUQ_FIT_INTERNAL_H

#include "aceuq.h"

#include <stddef.h>

/* SVD of the accumulated P x P factor R = U diag(s) V^T (column-major U, VT;
 * s descending), z = Q^T sqrt(w) y, utz = U^T z, rho2 = ||y||^2 - ||z||^2
 * (the residual no coefficient vector can remove). */
typedef struct fit_svd {
  size_t P;
  double *U, *s, *VT, *z, *utz;
  double rho2;
} fit_svd;

aceuq_status fit_svd_make(const aceuq_fit_accumulator *a, fit_svd *d, aceuq_error *err);
void fit_svd_free(fit_svd *d);

#endif
