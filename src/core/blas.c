/* blas.c -- the one place that talks to OpenBLAS about its configuration.
 * The build links OpenBLAS explicitly (never the reference BLAS, which is
 * many times slower); see CMakeLists.txt. */
#include "aceuq.h"
#include "blas_internal.h"

#include <stdio.h>
#include <string.h>

/* Declared by OpenBLAS' cblas.h; repeated here so that this file does not
 * depend on which cblas.h the include path resolves to. */
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);

void aceuq_blas_info(char *buf, size_t size)
{
  if (!buf || size == 0) return;
  snprintf(buf, size, "%s", openblas_get_config());
}

void aceuq_blas_set_threads(int nthreads)
{
  openblas_set_num_threads(nthreads < 1 ? 1 : nthreads);
}

int aceuq_blas_get_threads(void)
{
  return openblas_get_num_threads();
}

/* 1 if name is one of the OpenBLAS cores in names (case-insensitive) */
static int core_in(const char *name, const char *const *names, size_t count)
{
  char lower[32];
  size_t n = 0;
  for (; name && name[n] && n + 1 < sizeof lower; ++n)
    lower[n] = (char)(name[n] >= 'A' && name[n] <= 'Z' ? name[n] - 'A' + 'a' : name[n]);
  lower[n] = '\0';
  for (size_t i = 0; i < count; ++i)
    if (strcmp(lower, names[i]) == 0) return 1;
  return 0;
}

/* OpenBLAS cores with SSE-only (or AVX without FMA) double-precision kernels:
 * what a DYNAMIC_ARCH OpenBLAS falls back to when it does not know the CPU
 * model (Debian's 0.3.21 on e.g. Intel family 6 model 207). */
static int generic_core(const char *name)
{
  static const char *const generic[] = {"prescott", "core2",       "penryn",   "dunnington", "nehalem",
                                        "atom",     "sandybridge", "katmai",   "coppermine", "northwood",
                                        "banias",   "opteron",     "barcelona"};
  return core_in(name, generic, sizeof generic / sizeof generic[0]);
}

/* OpenBLAS cores with AVX2 kernels at most: below an AVX-512 CPU when an OpenBLAS release maps a
 * newer AMD CPU to "Zen", or when OPENBLAS_CORETYPE forces them (on an AMD EPYC of the Zen 5 class
 * Haswell kernels make the grade GEMMs 1.4-1.6x slower than SkylakeX; 0.3.21 itself picks
 * Cooperlake there) */
static int avx2_core(const char *name)
{
  static const char *const avx2[] = {"haswell", "zen", "excavator"};
  return core_in(name, avx2, sizeof avx2 / sizeof avx2[0]);
}

int blas_avx512_kernels(void)
{
  static const char *const avx512[] = {"skylakex", "cooperlake", "sapphirerapids"};
  return core_in(openblas_get_corename(), avx512, sizeof avx512 / sizeof avx512[0]);
}

const char *aceuq_blas_preferred_coretype(void)
{
#if defined(__GNUC__) && defined(__x86_64__)
  const char *core = openblas_get_corename();
  const int generic = generic_core(core);
  if (!generic && !avx2_core(core)) return NULL;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512cd"))
    return "SkylakeX";
  if (generic && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return NULL;
}
