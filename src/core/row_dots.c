/* row_dots.c -- see row_dots_internal.h. */
#include "row_dots_internal.h"

#include "hot_internal.h"
#include "vec_internal.h"

/* k is taken DOT_LANES at a time; blocks of up to DOT_BLOCK rows of P by DOT_BLOCK rows of D keep
 * their DOT_BLOCK^2 sums in registers (16 of the 32 AVX-512 registers: aceuq_spread_deviations calls
 * this kernel only on AVX-512 CPUs; elsewhere it is correct but slower than the BLAS) */
#define DOT_LANES 8
#define DOT_BLOCK 4
ACEUQ_DOUBLE_VECTOR(dot_vd, DOT_LANES)
typedef double dot_v4 __attribute__((vector_size(4 * sizeof(double))));
typedef double dot_v2 __attribute__((vector_size(2 * sizeof(double))));

/* the sum of the lanes, pairwise (lane l + lane l + 4, then + 2, then + 1) */
static inline __attribute__((always_inline)) double dot_lanes_sum(dot_vd v)
{
  const dot_v4 a = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
  const dot_v2 b = __builtin_shufflevector(a, a, 0, 1) + __builtin_shufflevector(a, a, 2, 3);
  return b[0] + b[1];
}

/* out[a][b] (a < ri, b < rs; row stride ldo) for one block; ri and rs constants in each inlined
 * copy, so that the ri * rs sums stay in registers */
static inline __attribute__((always_inline)) void dots_block(int ri, int rs, size_t K, const double *P, size_t ldp,
                                                             const double *D, size_t ldd, double *out, size_t ldo)
{
  dot_vd acc[DOT_BLOCK][DOT_BLOCK] = {{{0}}};
  size_t k = 0;
  for (; k + DOT_LANES <= K; k += DOT_LANES) {
    dot_vd p[DOT_BLOCK], d[DOT_BLOCK];
    for (int a = 0; a < ri; ++a) p[a] = dot_vd_load(P + (size_t)a * ldp + k);
    for (int b = 0; b < rs; ++b) d[b] = dot_vd_load(D + (size_t)b * ldd + k);
    for (int a = 0; a < ri; ++a)
      for (int b = 0; b < rs; ++b) acc[a][b] += p[a] * d[b];
  }
  if (k < K) { /* the last K - k < DOT_LANES columns, zero-padded to one more vector step */
    double pt[DOT_BLOCK][DOT_LANES] = {{0}}, dt[DOT_BLOCK][DOT_LANES] = {{0}};
    for (int a = 0; a < ri; ++a)
      for (size_t t = k; t < K; ++t) pt[a][t - k] = P[(size_t)a * ldp + t];
    for (int b = 0; b < rs; ++b)
      for (size_t t = k; t < K; ++t) dt[b][t - k] = D[(size_t)b * ldd + t];
    for (int a = 0; a < ri; ++a)
      for (int b = 0; b < rs; ++b) acc[a][b] += dot_vd_load(pt[a]) * dot_vd_load(dt[b]);
  }
  for (int a = 0; a < ri; ++a)
    for (int b = 0; b < rs; ++b) out[(size_t)a * ldo + b] = dot_lanes_sum(acc[a][b]);
}

/* dots_block with ri, rs in 1..DOT_BLOCK as constants */
static inline __attribute__((always_inline)) void dots_block_any(int ri, int rs, size_t K, const double *P,
                                                                 size_t ldp, const double *D, size_t ldd, double *out,
                                                                 size_t ldo)
{
#define DOTS_(a, b)                                                                                                  \
  case (a) * 8 + (b): dots_block(a, b, K, P, ldp, D, ldd, out, ldo); break;
  switch (ri * 8 + rs) {
    DOTS_(1, 1) DOTS_(1, 2) DOTS_(1, 3) DOTS_(1, 4)
    DOTS_(2, 1) DOTS_(2, 2) DOTS_(2, 3) DOTS_(2, 4)
    DOTS_(3, 1) DOTS_(3, 2) DOTS_(3, 3) DOTS_(3, 4)
    DOTS_(4, 1) DOTS_(4, 2) DOTS_(4, 3) DOTS_(4, 4)
    default: break;
  }
#undef DOTS_
}

ACEUQ_HOT void row_dots(size_t n, size_t M, size_t K, const double *P, size_t ldp, const double *D, size_t ldd,
                        double *out)
{
  for (size_t i = 0; i < n; i += DOT_BLOCK) {
    const int ri = (int)(n - i < DOT_BLOCK ? n - i : DOT_BLOCK);
    for (size_t s = 0; s < M; s += DOT_BLOCK) {
      const int rs = (int)(M - s < DOT_BLOCK ? M - s : DOT_BLOCK);
      dots_block_any(ri, rs, K, P + i * ldp, ldp, D + s * ldd, ldd, out + i * M + s, M);
    }
  }
}
