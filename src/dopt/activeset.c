/* activeset.c -- D-optimality active sets: the pacemaker `.asi` file.
 *
 * An .asi file is an .npz archive with one member "<El>.npy" per element of
 * the potential: the float64 C-order square matrix Ainv (= pseudo-inverse of
 * the active-set rows, row-vector convention gamma = max_k |(b Ainv)_k|).
 * Its size is K_mu (linear projections b) or K_mu * P_mu (non-linear
 * projections dF/drho_p * b, P_mu densities); the kind is decided from the
 * shapes and must be the same for all elements (an element with P_mu = 1 is
 * compatible with both; if all are, the set is linear, as in ML-PACE). */
#include "aceuq.h"

#include "error_internal.h"
#include "npz_internal.h"
#include "potential_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct aceuq_activeset {
  int nelements;
  aceuq_projection_kind kind;
  size_t *size;    /* [nelements] */
  double **matrix; /* [nelements] row-major size x size, owned */
};

void aceuq_activeset_free(aceuq_activeset *as)
{
  if (!as) return;
  for (int mu = 0; mu < as->nelements; ++mu) free(as->matrix[mu]);
  free(as->matrix);
  free(as->size);
  free(as);
}

aceuq_projection_kind aceuq_activeset_kind(const aceuq_activeset *as)
{
  return as ? as->kind : ACEUQ_PROJECTIONS_NONE;
}

size_t aceuq_activeset_size(const aceuq_activeset *as, int mu)
{
  return (as && mu >= 0 && mu < as->nelements) ? as->size[mu] : 0;
}

const double *aceuq_activeset_matrix(const aceuq_activeset *as, int mu)
{
  return (as && mu >= 0 && mu < as->nelements) ? as->matrix[mu] : NULL;
}

/* Bitmask of the kinds (1 linear, 2 non-linear) an n x n matrix fits for mu. */
static int fitting_kinds(const aceuq_potential *pot, int mu, size_t n)
{
  size_t k = aceuq_potential_projection_size(pot, mu, ACEUQ_PROJECTIONS_LINEAR);
  size_t kp = aceuq_potential_projection_size(pot, mu, ACEUQ_PROJECTIONS_NONLINEAR);
  return (n == k ? 1 : 0) | (n == kp ? 2 : 0);
}

static aceuq_status check_member(const char *path, const aceuq_potential *pot, int mu,
                                 const aceuq_npz_member *m, aceuq_error *err)
{
  const aceuq_array2d *a = &m->array;
  const char *el = aceuq_potential_element(pot, mu);
  if (a->ndim != 2 || a->rows != a->cols)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: element %s: the matrix is %s%zu x %zu; expected a square "
                           "matrix", path, el, a->ndim == 2 ? "" : "1-D, ", a->rows, a->cols);
  if (!fitting_kinds(pot, mu, a->rows)) {
    size_t k = aceuq_potential_projection_size(pot, mu, ACEUQ_PROJECTIONS_LINEAR);
    size_t kp = aceuq_potential_projection_size(pot, mu, ACEUQ_PROJECTIONS_NONLINEAR);
    return aceuq_error_set(err, ACEUQ_ERR_MISMATCH,
                           "%s: element %s: the matrix is %zu x %zu, but the potential has %zu B-functions for %s: "
                           "expected %zu x %zu (linear) or %zu x %zu (non-linear, %zu densities) -- is this the "
                           "active set of another potential?",
                           path, el, a->rows, a->cols, k, el, k, k, kp, kp, k ? kp / k : 0);
  }
  for (size_t i = 0; i < a->rows * a->cols; ++i)
    if (!isfinite(a->data[i]))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element %s: entry (%zu, %zu) is not finite (%g)", path, el,
                             i / a->cols, i % a->cols, a->data[i]);
  return ACEUQ_OK;
}

/* Match members to elements; order[mu] = member index. */
static aceuq_status match_elements(const char *path, const aceuq_potential *pot, const aceuq_npz_member *m,
                                   size_t count, size_t *order, aceuq_error *err)
{
  int nel = aceuq_potential_num_elements(pot);
  char known[512];
  potential_element_list(pot, known, sizeof known);
  for (int mu = 0; mu < nel; ++mu) order[mu] = count;
  for (size_t i = 0; i < count; ++i) {
    int mu = aceuq_potential_element_index(pot, m[i].key);
    if (mu < 0)
      return aceuq_error_set(err, ACEUQ_ERR_MISMATCH,
                             "%s: member '%s.npy': '%s' is not an element of the potential (elements: %s)", path,
                             m[i].key, m[i].key, known);
    order[mu] = i;
  }
  for (int mu = 0; mu < nel; ++mu)
    if (order[mu] == count)
      return aceuq_error_set(err, ACEUQ_ERR_MISMATCH,
                             "%s: no matrix for element %s (member '%s.npy'); an active set needs one per element "
                             "of the potential (%s)", path, aceuq_potential_element(pot, mu),
                             aceuq_potential_element(pot, mu), known);
  return ACEUQ_OK;
}

/* Linear or non-linear, consistent over all elements. */
static aceuq_status decide_kind(const char *path, const aceuq_potential *pot, const aceuq_npz_member *m,
                                const size_t *order, aceuq_projection_kind *kind, aceuq_error *err)
{
  int nel = aceuq_potential_num_elements(pot), allowed = 3;
  for (int mu = 0; mu < nel; ++mu) allowed &= fitting_kinds(pot, mu, m[order[mu]].array.rows);
  if (!allowed)
    return aceuq_error_set(err, ACEUQ_ERR_MISMATCH,
                           "%s: the matrices mix linear and non-linear sizes (e.g. %s: %zu x %zu); all elements must "
                           "be of one kind", path, aceuq_potential_element(pot, 0), m[order[0]].array.rows,
                           m[order[0]].array.rows);
  *kind = (allowed & 1) ? ACEUQ_PROJECTIONS_LINEAR : ACEUQ_PROJECTIONS_NONLINEAR;
  return ACEUQ_OK;
}

aceuq_status aceuq_activeset_load(const char *path, const aceuq_potential *pot, aceuq_activeset **out,
                                  aceuq_error *err)
{
  if (!out) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "aceuq_activeset_load: no output handle");
  *out = NULL;
  if (!path || !pot) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "aceuq_activeset_load: no file or potential");
  aceuq_status st = potential_require_bbasis(pot, path, "active sets", err);
  if (st) return st;
  aceuq_npz_member *m = NULL;
  size_t count = 0;
  st = aceuq_npz_read_file(path, &m, &count, err);
  if (st) return st;
  int nel = aceuq_potential_num_elements(pot);
  size_t *order = malloc((size_t)nel * sizeof *order);
  aceuq_activeset *as = calloc(1, sizeof *as);
  if (as) {
    as->size = calloc((size_t)nel, sizeof *as->size);
    as->matrix = calloc((size_t)nel, sizeof *as->matrix);
  }
  if (!order || !as || !as->size || !as->matrix) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", path);
  } else {
    as->nelements = nel;
    st = match_elements(path, pot, m, count, order, err);
  }
  for (int mu = 0; !st && mu < nel; ++mu) st = check_member(path, pot, mu, &m[order[mu]], err);
  if (!st) st = decide_kind(path, pot, m, order, &as->kind, err);
  for (int mu = 0; !st && mu < nel; ++mu) { /* take ownership of the matrices */
    as->size[mu] = m[order[mu]].array.rows;
    as->matrix[mu] = m[order[mu]].array.data;
    m[order[mu]].array.data = NULL;
  }
  aceuq_npz_members_free(m, count);
  free(order);
  if (st) {
    aceuq_activeset_free(as);
    return st;
  }
  *out = as;
  return ACEUQ_OK;
}
