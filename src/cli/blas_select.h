/* blas_select.h -- start-up helper of the `aceuq` tool and the benchmarks:
 * when OpenBLAS fell back to its generic kernels on a CPU it does not know
 * (aceuq_blas_preferred_coretype), run the program again, once, with
 * OPENBLAS_CORETYPE set to the matching kernels.  An OPENBLAS_CORETYPE given
 * by the user is always respected (also "Prescott"); if the exec fails the
 * program simply continues with the generic kernels.
 * Needs _POSIX_C_SOURCE >= 200112L (setenv) before the first include. */
#ifndef ACEUQ_CLI_BLAS_SELECT_H
#define ACEUQ_CLI_BLAS_SELECT_H

#include "aceuq.h"

#include <stdlib.h>
#include <unistd.h>

static inline void aceuq_select_blas_kernels(char **argv)
{
  const char *core = aceuq_blas_preferred_coretype();
  if (!core || getenv("OPENBLAS_CORETYPE")) return;
  if (setenv("OPENBLAS_CORETYPE", core, 1) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("OPENBLAS_CORETYPE"); /* exec failed: keep the kernels we have */
}

#endif
