/* tsqr.c -- one step of the streamed QR (tsqr_internal.h). */
#include "tsqr_internal.h"

#include "error_internal.h"

extern void dtpqrt_(const int *m, const int *n, const int *l, const int *nb, double *a, const int *lda, double *b,
                    const int *ldb, double *t, const int *ldt, double *work, int *info);

aceuq_status tsqr_fold(double *R, size_t n, double *B, size_t m, double *scratch, const char *what,
                       aceuq_error *err)
{
  if (m == 0) return ACEUQ_OK;
  const int M = (int)m, N = (int)n, L = 0, NB = (int)(n < TSQR_NB ? n : TSQR_NB);
  int info = 0;
  dtpqrt_(&M, &N, &L, &NB, R, &N, B, &M, scratch, &NB, scratch + (size_t)NB * n, &info);
  if (info != 0) return aceuq_error_set(err, ACEUQ_ERR_INTERNAL, "%s: dtpqrt info %d", what, info);
  return ACEUQ_OK;
}
