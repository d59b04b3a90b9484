/* fit_solve_cli -- test driver of the streamed least-squares solvers:
 *   fit_solve_cli X.npy y.npy w.npy LAMBDA TOL MAX_ITER CHUNK
 * adds the rows in chunks of CHUNK (exercising the streamed QR across calls and
 * blocks), solves ridge (LAMBDA) and Bayesian ridge (TOL, MAX_ITER, sklearn's
 * other defaults), prints JSON: ridge, ridge_rss, bayes, alpha, lambda, gamma,
 * n_iter, sigma (row-major), rows. */
#include "aceuq.h"
#include "print_json.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
  if (argc != 8) {
    fprintf(stderr, "usage: fit_solve_cli X.npy y.npy w.npy LAMBDA TOL MAX_ITER CHUNK\n");
    return 2;
  }
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_array2d X = {0}, y = {0}, w = {0};
  if (aceuq_npy_read_file(argv[1], &X, &err) || aceuq_npy_read_file(argv[2], &y, &err) ||
      aceuq_npy_read_file(argv[3], &w, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  const size_t n = X.rows, P = X.cols, chunk = (size_t)atol(argv[7]);
  aceuq_fit_accumulator *acc = NULL;
  if (aceuq_fit_accumulator_create(P, &acc, &err)) goto fail;
  for (size_t i = 0; i < n; i += chunk) {
    const size_t m = n - i < chunk ? n - i : chunk;
    if (aceuq_fit_accumulator_add(acc, X.data + i * P, y.data + i, w.data + i, m, &err)) goto fail;
  }
  double *ridge = malloc(P * sizeof *ridge), *bayes = malloc(P * sizeof *bayes), *sigma = malloc(P * P * sizeof *sigma),
         rss;
  if (aceuq_fit_solve_ridge(acc, atof(argv[4]), ridge, &rss, &err)) goto fail;
  aceuq_fit_bayes_options o;
  aceuq_fit_bayes_options_default(&o);
  o.tol = atof(argv[5]);
  o.max_iter = atoi(argv[6]);
  aceuq_fit_bayes_result r;
  if (aceuq_fit_solve_bayes(acc, &o, bayes, sigma, &r, &err)) goto fail;
  printf("{\n");
  print_array("ridge", ridge, P, 0);
  printf("\"ridge_rss\": %.17g,\n", rss);
  print_array("bayes", bayes, P, 0);
  printf("\"alpha\": %.17g, \"lambda\": %.17g, \"gamma\": %.17g, \"n_iter\": %d, \"converged\": %d, \"rows\": %zu,\n",
         r.alpha, r.lambda, r.gamma, r.iterations, r.converged, aceuq_fit_accumulator_rows(acc));
  print_array("sigma", sigma, P * P, 1);
  printf("}\n");
  free(ridge);
  free(bayes);
  free(sigma);
  aceuq_fit_accumulator_free(acc);
  aceuq_array2d_release(&X);
  aceuq_array2d_release(&y);
  aceuq_array2d_release(&w);
  return 0;
fail:
  fprintf(stderr, "fit_solve_cli: %s\n", err.message);
  return 1;
}
