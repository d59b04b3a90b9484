/* hot_internal.h -- ACEUQ_HOT: a function compiled three times on x86-64 GCC,
 * for baseline SSE2, x86-64-v3 (AVX2 + FMA) and x86-64-v4 (AVX-512), the copy chosen
 * once at load time by the CPU (ifunc).  The copies agree to rounding (FMA
 * contracts a*b + c).  Callees inlined into a hot function are compiled with it.
 * Elsewhere (other compilers, other CPUs) a plain function. */
#ifndef ACEUQ_HOT_INTERNAL_H
#define ACEUQ_HOT_INTERNAL_H

#if defined(ACEUQ_EMULATE_AVX2) && defined(__GNUC__) && defined(__x86_64__)
/* cmake -DACEUQ_EMULATE_AVX2=ON: only the x86-64-v3 code, and the 16-register paths -- what an
 * AVX2-only CPU runs, measurable and testable on an AVX-512 machine */
#define ACEUQ_HOT __attribute__((target("arch=x86-64-v3")))
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define ACEUQ_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ACEUQ_HOT
#endif

/* 1 if the CPU has 32 vector registers of 512 bits (AVX-512F): kernels that keep many vector
 * accumulators live choose their width by it at run time (a clone cannot test its own target). */
static inline int cpu_wide_registers(void)
{
#if defined(ACEUQ_EMULATE_AVX2)
  return 0;
#elif defined(__GNUC__) && defined(__x86_64__)
  return __builtin_cpu_supports("avx512f");
#else
  return 0;
#endif
}

#endif
