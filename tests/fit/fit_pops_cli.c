/* fit_pops_cli -- test driver of the POPS posterior (aceuq_fit_pops_*):
 *   fit_pops_cli X.npy y.npy w.npy P.npy CHUNK NSAMPLES SEED
 * accumulates the rows in chunks of CHUNK, solves Bayesian ridge (sklearn's defaults), streams the
 * rows through both POPS passes (the second pass in reverse chunk order: the result must not depend
 * on the order), prints JSON: coef, alpha, lambda, rows, kept, modes, moment (K x K, row-major), the
 * hypercube bounds lo/hi of every probe row of P.npy, samples (NSAMPLES x K) and sigma_mis. */
#include "aceuq.h"
#include "print_json.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
  if (argc != 8) {
    fprintf(stderr, "usage: fit_pops_cli X.npy y.npy w.npy P.npy CHUNK NSAMPLES SEED\n");
    return 2;
  }
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_array2d X = {0}, y = {0}, w = {0}, P = {0};
  if (aceuq_npy_read_file(argv[1], &X, &err) || aceuq_npy_read_file(argv[2], &y, &err) ||
      aceuq_npy_read_file(argv[3], &w, &err) || aceuq_npy_read_file(argv[4], &P, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  const size_t n = X.rows, K = X.cols, chunk = (size_t)atol(argv[5]), S = (size_t)atol(argv[6]);
  const unsigned long long seed = strtoull(argv[7], NULL, 10);
  aceuq_fit_accumulator *acc = NULL;
  aceuq_fit_pops *pops = NULL;
  double *coef = malloc(K * sizeof *coef), *moment = malloc(K * K * sizeof *moment),
         *samples = malloc(S * K * sizeof *samples), *mis = malloc(K * K * sizeof *mis),
         *lo = malloc(P.rows * sizeof *lo), *hi = malloc(P.rows * sizeof *hi);
  if (aceuq_fit_accumulator_create(K, &acc, &err)) goto fail;
  for (size_t i = 0; i < n; i += chunk) {
    const size_t m = n - i < chunk ? n - i : chunk;
    if (aceuq_fit_accumulator_add(acc, X.data + i * K, y.data + i, w.data + i, m, &err)) goto fail;
  }
  aceuq_fit_bayes_result r;
  if (aceuq_fit_solve_bayes(acc, NULL, coef, NULL, &r, &err)) goto fail;
  if (aceuq_fit_pops_create(acc, coef, r.alpha, r.lambda, 0.01, &pops, &err)) goto fail;
  for (size_t i = 0; i < n; i += chunk) {
    const size_t m = n - i < chunk ? n - i : chunk;
    if (aceuq_fit_pops_add(pops, X.data + i * K, y.data + i, w.data + i, m, &err)) goto fail;
  }
  if (aceuq_fit_pops_end_pass(pops, &err) || aceuq_fit_pops_moment(pops, moment, &err)) goto fail;
  for (size_t i0 = ((n - 1) / chunk) * chunk + chunk; i0 > 0; i0 -= chunk) { /* reverse order */
    const size_t i = i0 - chunk, m = n - i < chunk ? n - i : chunk;
    if (aceuq_fit_pops_add(pops, X.data + i * K, y.data + i, w.data + i, m, &err)) goto fail;
  }
  if (aceuq_fit_pops_end_pass(pops, &err)) goto fail;
  for (size_t q = 0; q < P.rows; ++q)
    if (aceuq_fit_pops_bounds(pops, P.data + q * K, &lo[q], &hi[q], &err)) goto fail;
  if (aceuq_fit_pops_samples(pops, S, seed, samples, mis, &err)) goto fail;
  size_t rows, kept, modes;
  aceuq_fit_pops_info(pops, &rows, &kept, &modes);
  printf("{\n");
  print_array("coef", coef, K, 0);
  printf("\"alpha\": %.17g, \"lambda\": %.17g, \"rows\": %zu, \"kept\": %zu, \"modes\": %zu,\n", r.alpha, r.lambda,
         rows, kept, modes);
  print_array("moment", moment, K * K, 0);
  print_array("lo", lo, P.rows, 0);
  print_array("hi", hi, P.rows, 0);
  print_array("samples", samples, S * K, 0);
  print_array("sigma_mis", mis, K * K, 1);
  printf("}\n");
  aceuq_fit_pops_free(pops);
  aceuq_fit_accumulator_free(acc);
  return 0;
fail:
  fprintf(stderr, "fit_pops_cli: %s\n", err.message);
  return 1;
}
