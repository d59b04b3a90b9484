/* print_json.h -- JSON output of the fit test drivers (fit_solve_cli, fit_pops_cli). */
#ifndef ACEUQ_TEST_PRINT_JSON_H
#define ACEUQ_TEST_PRINT_JSON_H

#include <stdio.h>

/* "name": [v0, v1, ...] with 17 significant digits, and a comma unless last */
static inline void print_array(const char *name, const double *v, size_t n, int last)
{
  printf("\"%s\": [", name);
  for (size_t i = 0; i < n; ++i) printf("%s%.17g", i ? ", " : "", v[i]);
  printf("]%s\n", last ? "" : ",");
}

#endif
