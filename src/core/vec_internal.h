/* vec_internal.h -- ACEUQ_DOUBLE_VECTOR(T, lanes) / ACEUQ_FLOAT_VECTOR(T, lanes): a vector type T
 * of `lanes` doubles / floats (GCC/Clang vector extension) for the ACEUQ_HOT kernels, with
 * unaligned T_load(p) and T_store(p, v) from and to arrays of the element type.
 * The helpers are always inlined into each target clone, so the vector-argument ABI that GCC
 * warns about (-Wpsabi) never crosses a call (an out-of-line copy would also be slow). */
#ifndef ACEUQ_VEC_INTERNAL_H
#define ACEUQ_VEC_INTERNAL_H

#include <string.h>

#pragma GCC diagnostic ignored "-Wpsabi"

#define ACEUQ_VECTOR(T, E, lanes)                                                      \
  typedef E T __attribute__((vector_size((lanes) * sizeof(E))));                       \
  static inline __attribute__((always_inline)) T T##_load(const E *p)                 \
  {                                                                                    \
    T v_;                                                                              \
    memcpy(&v_, p, sizeof v_);                                                         \
    return v_;                                                                         \
  }                                                                                    \
  static inline __attribute__((always_inline)) void T##_store(E *p, T v) { memcpy(p, &v, sizeof v); }

#define ACEUQ_DOUBLE_VECTOR(T, lanes) ACEUQ_VECTOR(T, double, lanes)
#define ACEUQ_FLOAT_VECTOR(T, lanes) ACEUQ_VECTOR(T, float, lanes)

#endif
