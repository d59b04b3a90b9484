/* tsqr_internal.h -- the streamed (tall-skinny) QR shared by the active-set
 * builder and the fits: fold a block of rows into an upper-triangular factor. */
#ifndef ACEUQ_TSQR_INTERNAL_H
#define ACEUQ_TSQR_INTERNAL_H

#include "aceuq.h"

#include <stddef.h>

/* inner block size of the Householder reflections */
enum { TSQR_NB = 32 };

/* doubles of scratch tsqr_fold needs for n columns (dtpqrt's T and work) */
static inline size_t tsqr_scratch_size(size_t n) { return 2 * (size_t)TSQR_NB * n; }

/* [R; B] = Q [R'; 0]: R (n x n upper triangle, column-major, ld n) is replaced
 * by R', the triangular factor of the rows seen so far and the m rows of B
 * (column-major m x n, overwritten).  Householder, LAPACK dtpqrt: the normal
 * equations are never formed.  what names the caller in the (internal) error. */
aceuq_status tsqr_fold(double *R, size_t n, double *B, size_t m, double *scratch, const char *what,
                       aceuq_error *err);

#endif
