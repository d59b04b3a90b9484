/* row_dots_internal.h -- every dot product of n rows with M rows: out[i][s] = sum_k P[i][k] D[s][k]
 * (P: n rows of K, leading dimension ldp; D: M rows of K, leading dimension ldd; out: n rows of
 * M).  The member energies of a spread (M a few dozen, K a few hundred, n a chunk of atoms): a
 * register-blocked kernel over k that reads both operands in place -- D stays where the caller
 * keeps it (node-shared), nothing is packed -- and at this size is several times faster than the
 * BLAS call it replaces (bench/README, "Member energies without the BLAS").  Sums in 8 lanes over k,
 * then across the lanes: the same products as a GEMM, added in another order. */
#ifndef ACEUQ_ROW_DOTS_INTERNAL_H
#define ACEUQ_ROW_DOTS_INTERNAL_H

#include <stddef.h>

/* members up to which row_dots beats OpenBLAS' dgemm for K ~ 200 (bench/README) */
enum { ROW_DOTS_MAX_MEMBERS = 64 };

void row_dots(size_t n, size_t M, size_t K, const double *P, size_t ldp, const double *D, size_t ldd, double *out);

#endif
