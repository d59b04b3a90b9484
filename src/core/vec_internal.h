/* vec_internal.h -- ACEUQ_DOUBLE_VECTOR(T, lanes): a vector type T of `lanes` doubles (GCC/Clang
 * vector extension) for the ACEUQ_HOT kernels, with unaligned T_load(p) and T_store(p, v).
 * The helpers are always inlined into each target clone, so the vector-argument ABI that GCC
 * warns about (-Wpsabi) never crosses a call (an out-of-line copy would also be slow). */
#ifndef ACEUQ_VEC_INTERNAL_H
#define ACEUQ_VEC_INTERNAL_H

#include <string.h>

#pragma GCC diagnostic ignored "-Wpsabi"

#define ACEUQ_DOUBLE_VECTOR(T, lanes)                                                  \
  typedef double T __attribute__((vector_size((lanes) * sizeof(double))));            \
  static inline __attribute__((always_inline)) T T##_load(const double *p)            \
  {                                                                                    \
    T v_;                                                                              \
    memcpy(&v_, p, sizeof v_);                                                         \
    return v_;                                                                         \
  }                                                                                    \
  static inline __attribute__((always_inline)) void T##_store(double *p, T v) { memcpy(p, &v, sizeof v); }

/* The same for `lanes` floats (loads and stores from float arrays). */
#define ACEUQ_FLOAT_VECTOR(T, lanes)                                                   \
  typedef float T __attribute__((vector_size((lanes) * sizeof(float))));               \
  static inline __attribute__((always_inline)) T T##_load(const float *p)             \
  {                                                                                    \
    T v_;                                                                              \
    memcpy(&v_, p, sizeof v_);                                                         \
    return v_;                                                                         \
  }                                                                                    \
  static inline __attribute__((always_inline)) void T##_store(float *p, T v) { memcpy(p, &v, sizeof v); }

#endif
