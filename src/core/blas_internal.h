/* blas_internal.h -- what the library needs to know about the BLAS in use (blas.c). */
#ifndef ACEUQ_BLAS_INTERNAL_H
#define ACEUQ_BLAS_INTERNAL_H

/* 1 if OpenBLAS runs its AVX-512 kernels (SkylakeX, Cooperlake, SapphireRapids) in this process */
int blas_avx512_kernels(void);

#endif
