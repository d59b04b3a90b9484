/* blas.c -- the one place that talks to OpenBLAS about its configuration.
 * The build links OpenBLAS explicitly (never the reference BLAS, which is
 * many times slower); see CMakeLists.txt. */
#include "aceuq.h"

#include <stdio.h>

/* Declared by OpenBLAS' cblas.h; repeated here so that this file does not
 * depend on which cblas.h the include path resolves to. */
extern char *openblas_get_config(void);
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
