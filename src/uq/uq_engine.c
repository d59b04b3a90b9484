/* uq_engine.c -- the uncertainty engine (aceuq.h: aceuq_uq_*): every per-atom
 * uncertainty the loaded files allow, from blocks of projection rows, in one
 * recipe that the pair style, `aceuq eval` and `aceuq activeset` share.
 *
 * For n rows b(i) of one element (row-major n x K):
 *   gamma_i        = max_k |b(i) . Ainv[:, k]|                  (one GEMM per block)
 *   cluster_i      = argmin_c |f(b(i)) - centroid_c|,  f = PCA of the scaled b
 *   gamma_local_i  = max_k |b(i) . Ainv_c[:, k]|, c = cluster_i   (rows gathered per
 *                    cluster, one GEMM per cluster present in the block)
 *   dev_i,s        = b(i) . d_s for every posterior member s     (one GEMM per block)
 * Blocks longer than the engine's block size are processed in pieces, so its
 * buffers stay bounded (block x K doubles) whatever n is.  The inverses and
 * transforms stay where the caller keeps them (node-shared memory in LAMMPS). */
#include "aceuq.h"

#include "error_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rows per block.  Per block the engine streams the matrices it multiplies the rows with (the
 * members' M x K offsets, an active set's K x K inverse), and between blocks the caller fills the
 * row buffer (rows x K doubles) while it evaluates atoms.  Few rows re-read the matrices often;
 * many rows make the buffer evict what the evaluator keeps in cache.  Spreads alone: rows =
 * sqrt(8 M), a multiple of 8 in [8, 256] (committee 8 -> 8, 32 members -> 16, 256 -> 48;
 * LAMMPS, 4000-atom Cu, K = 213, 32 members: energy spreads +5.0 us/atom/step over E+F with 256
 * rows, +2.5 with 16).  With a K x K matrix (an active set's inverse, POPS's covariance) 256: it is
 * the larger one (Cu.pbe.in, K = 684: grades 105-108 us/atom/step with 256 rows, 115 with 72;
 * K = 213: grades the same with 40, POPS 256 energy spreads 23.6-23.8 with 256, 25.1-25.3 with 48). */
static size_t block_rows(size_t M, int square_matrix)
{
  if (square_matrix) return 256;
  const size_t rows = 8 * (size_t)floor(sqrt(8.0 * (double)M) / 8.0 + 0.5);
  return rows < 8 ? 8 : rows > 256 ? 256 : rows;
}

typedef struct uq_element {
  size_t K;
  const double *Ainv;
  aceuq_cluster_transform local; /* nclusters == 0: no local model */
  const double **local_Ainv;    /* nclusters pointers, copied (the matrices stay the caller's) */
} uq_element;

struct aceuq_uq_engine {
  int nel;
  uq_element *el;
  const aceuq_spread *spread;
  size_t M, block, maxK;
  aceuq_grade_workspace *gws;
  double *rows;      /* block x maxK: rows of one cluster */
  size_t *row_of;    /* block: where each gathered row came from */
  double *gamma;     /* block */
  double *feat;      /* max d: cluster assignment work */
  int *cluster;      /* block */
};

void aceuq_uq_engine_free(aceuq_uq_engine *e)
{
  if (!e) return;
  for (int mu = 0; e->el && mu < e->nel; ++mu) free(e->el[mu].local_Ainv);
  free(e->el);
  aceuq_grade_workspace_free(e->gws);
  free(e->rows);
  free(e->row_of);
  free(e->gamma);
  free(e->feat);
  free(e->cluster);
  free(e);
}

aceuq_status aceuq_uq_engine_create(int nelements, const aceuq_uq_element *el, const aceuq_spread *spread,
                                    aceuq_uq_engine **out, aceuq_error *err)
{
  *out = NULL;
  if (nelements < 1) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "uncertainty engine: no elements");
  aceuq_uq_engine *e = calloc(1, sizeof *e);
  if (!e || !(e->el = calloc((size_t)nelements, sizeof *e->el))) {
    free(e);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "uncertainty engine: out of memory");
  }
  e->nel = nelements;
  e->spread = spread;
  e->M = spread ? aceuq_spread_members(spread) : 0;
  size_t maxd = 1;
  int active_set = 0;
  for (int mu = 0; mu < nelements; ++mu) {
    uq_element *u = &e->el[mu];
    u->K = el[mu].K;
    u->Ainv = el[mu].Ainv;
    if (el[mu].local) {
      u->local = *el[mu].local;
      if (u->local.K != u->K || !el[mu].local_Ainv || u->local.nclusters == 0) {
        aceuq_uq_engine_free(e);
        return aceuq_error_set(err, ACEUQ_ERR_MISMATCH,
                               "uncertainty engine: element %d: local model for %zu functions (%zu clusters), "
                               "projections have %zu", mu, u->local.K, u->local.nclusters, u->K);
      }
      u->local_Ainv = malloc(u->local.nclusters * sizeof *u->local_Ainv);
      if (!u->local_Ainv) {
        aceuq_uq_engine_free(e);
        return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "uncertainty engine: out of memory");
      }
      memcpy(u->local_Ainv, el[mu].local_Ainv, u->local.nclusters * sizeof *u->local_Ainv);
      if (u->local.d > maxd) maxd = u->local.d;
    }
    if (u->K > e->maxK) e->maxK = u->K;
    active_set |= u->Ainv != NULL;
  }
  const size_t K = e->maxK ? e->maxK : 1;
  e->block = block_rows(e->M, active_set || (spread && aceuq_spread_has_covariance(spread)));
  e->rows = malloc(e->block * K * sizeof *e->rows);
  e->row_of = malloc(e->block * sizeof *e->row_of);
  e->gamma = malloc(e->block * sizeof *e->gamma);
  e->feat = malloc(maxd * sizeof *e->feat);
  e->cluster = malloc(e->block * sizeof *e->cluster);
  aceuq_status st = ACEUQ_OK;
  if (!e->rows || !e->row_of || !e->gamma || !e->feat || !e->cluster)
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "uncertainty engine: out of memory (%zu x %zu rows)", e->block, K);
  if (!st) st = aceuq_grade_workspace_create(K, &e->gws, err);
  if (st) {
    aceuq_uq_engine_free(e);
    return st;
  }
  *out = e;
  return ACEUQ_OK;
}

aceuq_status aceuq_uq_engine_create_from_sets(const aceuq_potential *pot, const aceuq_activeset *as,
                                              const aceuq_localset *ls, const aceuq_spread *spread,
                                              aceuq_uq_engine **out, aceuq_error *err)
{
  *out = NULL;
  const int nel = aceuq_potential_num_elements(pot);
  const aceuq_projection_kind kind = as ? aceuq_activeset_kind(as) : ls ? aceuq_localset_kind(ls)
                                                                       : ACEUQ_PROJECTIONS_LINEAR;
  size_t ninv = 0;
  for (int mu = 0; ls && mu < nel; ++mu) ninv += aceuq_localset_num_clusters(ls, mu);
  aceuq_uq_element *el = calloc((size_t)nel, sizeof *el);
  aceuq_cluster_transform *t = calloc((size_t)nel, sizeof *t);
  const double **inv = calloc(ninv ? ninv : 1, sizeof *inv);
  aceuq_status st = (!el || !t || !inv) ? aceuq_error_set(err, ACEUQ_ERR_NOMEM, "uncertainty engine: out of memory")
                                        : ACEUQ_OK;
  for (int mu = 0, k = 0; !st && mu < nel; ++mu) {
    el[mu].K = aceuq_potential_projection_size(pot, mu, kind);
    el[mu].Ainv = as ? aceuq_activeset_matrix(as, mu) : NULL;
    if (!ls) continue;
    st = aceuq_localset_transform(ls, mu, &t[mu], err);
    el[mu].local = &t[mu];
    el[mu].local_Ainv = &inv[k];
    for (size_t c = 0; !st && c < t[mu].nclusters; ++c) inv[k++] = aceuq_localset_matrix(ls, mu, c);
  }
  if (!st) st = aceuq_uq_engine_create(nel, el, spread, out, err);
  free(el);
  free(t);
  free(inv);
  return st;
}

size_t aceuq_uq_engine_block_rows(const aceuq_uq_engine *e) { return e->block; }

int aceuq_uq_engine_has(const aceuq_uq_engine *e, int mu, aceuq_uq_signal what)
{
  if (mu < 0 || mu >= e->nel) return 0;
  switch (what) {
  case ACEUQ_UQ_GAMMA: return e->el[mu].Ainv != NULL;
  case ACEUQ_UQ_GAMMA_LOCAL: return e->el[mu].local.nclusters > 0;
  case ACEUQ_UQ_DEVIATIONS: return e->spread != NULL;
  }
  return 0;
}

/* gamma_local and cluster of m <= block rows: assignment, then one GEMM per cluster present */
static aceuq_status local_grades(aceuq_uq_engine *e, const uq_element *u, size_t m, const double *proj,
                                 double *gamma_local, int *cluster, aceuq_error *err)
{
  int *cl = cluster ? cluster : e->cluster;
  aceuq_status st = aceuq_cluster_assign(&u->local, proj, m, cl, e->feat, err);
  for (size_t c = 0; !st && c < u->local.nclusters; ++c) {
    size_t k = 0;
    for (size_t r = 0; r < m; ++r) {
      if (cl[r] != (int)c) continue;
      memcpy(&e->rows[k * u->K], &proj[r * u->K], u->K * sizeof *e->rows);
      e->row_of[k++] = r;
    }
    if (k == 0 || !gamma_local) continue;
    st = aceuq_dopt_grade_batch(e->gws, u->local_Ainv[c], u->K, e->rows, k, e->gamma, NULL, err);
    for (size_t r = 0; !st && r < k; ++r) gamma_local[e->row_of[r]] = e->gamma[r];
  }
  return st;
}

aceuq_status aceuq_uq_evaluate(aceuq_uq_engine *e, int mu, size_t n, const double *proj, const aceuq_uq_block *out,
                               aceuq_error *err)
{
  if (mu < 0 || mu >= e->nel)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "uncertainty engine: species %d out of range", mu);
  const uq_element *u = &e->el[mu];
  if ((out->gamma || out->gamma_scale) && !u->Ainv)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "uncertainty engine: gamma requested without an active set");
  if ((out->gamma_local || out->cluster) && u->local.nclusters == 0)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "uncertainty engine: local grades requested without a local model");
  if (out->deviations && !e->spread)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "uncertainty engine: member deviations requested without a posterior");
  if (out->epistemic && !(e->spread && aceuq_spread_has_covariance(e->spread)))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "uncertainty engine: epistemic variances requested without a posterior covariance");
  aceuq_status st = ACEUQ_OK;
  for (size_t i0 = 0; !st && i0 < n; i0 += e->block) {
    const size_t m = n - i0 < e->block ? n - i0 : e->block;
    const double *b = proj + i0 * u->K;
    if (out->gamma || out->gamma_scale) {
      st = aceuq_dopt_grade_batch(e->gws, u->Ainv, u->K, b, m, out->gamma ? out->gamma + i0 : e->gamma,
                                  out->gamma_scale ? out->gamma_scale + i0 : NULL, err);
    }
    if (!st && (out->gamma_local || out->cluster))
      st = local_grades(e, u, m, b, out->gamma_local ? out->gamma_local + i0 : NULL,
                        out->cluster ? out->cluster + i0 : NULL, err);
    if (!st && out->deviations) st = aceuq_spread_deviations(e->spread, mu, m, b, out->deviations + i0 * e->M, err);
    if (!st && out->epistemic) st = aceuq_spread_epistemic(e->spread, mu, m, b, out->epistemic + i0, e->rows, err);
  }
  return st;
}
