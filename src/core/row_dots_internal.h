/* row_dots_internal.h -- every dot product of n rows with M rows: out[i][s] = sum_k P[i][k] D[s][k]
 * (P: n rows of K, leading dimension ldp; D: M rows of K, leading dimension ldd; out: n rows of
 * M).  The member energies of a spread (M a few dozen, K a few hundred, n a chunk of atoms): a
 * register-blocked kernel over k that reads both operands in place -- D stays where the caller
 * keeps it (node-shared), nothing is packed.  On an AVX-512 CPU it is faster than OpenBLAS' AVX2
 * (Haswell) kernels (x1.7-2.3 for 8 members, x1.3-1.4 for 32 on an AMD EPYC) and about as fast as its
 * AVX-512 ones (x0.8-1.0); without AVX-512 its 8-lane sums spill (x0.1-0.2 of dgemm).  So
 * aceuq_spread_deviations uses it only on an AVX-512 CPU whose BLAS runs AVX2 or older kernels
 * (bench/bench_spread; bench/README, sessions 15 and 16).  Sums in 8 lanes over k, then across
 * the lanes: the same products as a GEMM, added in another order. */
#ifndef ACEUQ_ROW_DOTS_INTERNAL_H
#define ACEUQ_ROW_DOTS_INTERNAL_H

#include <stddef.h>

/* members up to which row_dots is at least as fast as OpenBLAS' AVX2 dgemm for K ~ 200 (above it
 * dgemm wins: x0.7-0.9 for 128 and 256 members) */
enum { ROW_DOTS_MAX_MEMBERS = 64 };

void row_dots(size_t n, size_t M, size_t K, const double *P, size_t ldp, const double *D, size_t ldd, double *out);

#endif
