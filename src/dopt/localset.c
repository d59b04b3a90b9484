/* localset.c -- clustering-enhanced local D-optimality: the `.asil` file
 * (reader, writer, accessors) and the nearest-centroid assignment of atoms.
 *
 * An .asil file is an uncompressed .npz archive of float64 C-order arrays
 * (docs/asil_format.md):
 *   format_version        1 x 1, value 1
 *   kind                  1 x 1, 1 = linear, 2 = non-linear projections
 *   per element El of the potential:
 *     El__mean            1 x K   (1-D arrays of length K are accepted too)
 *     El__scale           1 x K   all > 0
 *     El__components      K x d   1 <= d <= K
 *     El__centroids       n_c x d n_c >= 1
 *     El__asi_0 .. El__asi_{n_c-1}   K x K each
 * K is the projection length of El for the kind (as for an .asi).  Every
 * member must be one of these: unknown members are errors (a misspelt key
 * must not be silently ignored). */
#include "aceuq.h"

#include "error_internal.h"
#include "localset_internal.h"
#include "npz_internal.h"
#include "potential_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASIL_VERSION 1
#define ASIL_SEP "__"
enum { ASIL_MAX_CLUSTERS = 1 << 20, ASIL_MAX_SYMBOL = 32 };

typedef struct localset_element {
  size_t K, d, nc;
  double *mean, *scale, *components, *centroids; /* owned */
  double **asi;                                  /* nc, owned */
} localset_element;

struct aceuq_localset {
  int nelements;
  aceuq_projection_kind kind;
  localset_element *el;
};

/* ---- accessors -------------------------------------------------------------- */

void aceuq_localset_free(aceuq_localset *ls)
{
  if (!ls) return;
  for (int mu = 0; ls->el && mu < ls->nelements; ++mu) {
    localset_element *e = &ls->el[mu];
    free(e->mean);
    free(e->scale);
    free(e->components);
    free(e->centroids);
    for (size_t c = 0; e->asi && c < e->nc; ++c) free(e->asi[c]);
    free(e->asi);
  }
  free(ls->el);
  free(ls);
}

aceuq_projection_kind aceuq_localset_kind(const aceuq_localset *ls)
{
  return ls ? ls->kind : ACEUQ_PROJECTIONS_NONE;
}

static const localset_element *element_at(const aceuq_localset *ls, int mu)
{
  return (ls && mu >= 0 && mu < ls->nelements) ? &ls->el[mu] : NULL;
}

size_t aceuq_localset_size(const aceuq_localset *ls, int mu)
{
  const localset_element *e = element_at(ls, mu);
  return e ? e->K : 0;
}

size_t aceuq_localset_num_clusters(const aceuq_localset *ls, int mu)
{
  const localset_element *e = element_at(ls, mu);
  return e ? e->nc : 0;
}

const double *aceuq_localset_matrix(const aceuq_localset *ls, int mu, size_t c)
{
  const localset_element *e = element_at(ls, mu);
  return (e && c < e->nc) ? e->asi[c] : NULL;
}

aceuq_status aceuq_localset_transform(const aceuq_localset *ls, int mu, aceuq_cluster_transform *out,
                                      aceuq_error *err)
{
  const localset_element *e = element_at(ls, mu);
  if (!out) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "local active set: no output transform");
  if (!e)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "local active set: species index %d out of range (0..%d)", mu,
                           ls ? ls->nelements - 1 : -1);
  *out = (aceuq_cluster_transform){e->K, e->d, e->nc, e->mean, e->scale, e->components, e->centroids};
  return ACEUQ_OK;
}

/* ---- features and assignment ---------------------------------------------------- */

void aceuq_cluster_feature_row(const aceuq_cluster_transform *t, const double *b, double *f)
{
  const size_t K = t->K, d = t->d;
  for (size_t j = 0; j < d; ++j) f[j] = 0.0;
  for (size_t k = 0; k < K; ++k) {
    const double z = (b[k] - t->mean[k]) / t->scale[k];
    const double *p = t->components + k * d;
    for (size_t j = 0; j < d; ++j) f[j] += z * p[j];
  }
}

int aceuq_cluster_nearest(const double *centroids, size_t nclusters, size_t d, const double *f)
{
  int best = 0;
  double bd = 0.0;
  for (size_t c = 0; c < nclusters; ++c) {
    const double *m = centroids + c * d;
    double s = 0.0;
    for (size_t j = 0; j < d; ++j) {
      const double u = f[j] - m[j];
      s += u * u;
    }
    if (c == 0 || s < bd) { /* strict: ties keep the lowest index; a NaN distance never wins */
      bd = s;
      best = (int)c;
    }
  }
  return best;
}

static aceuq_status check_transform(const aceuq_cluster_transform *t, const char *who, aceuq_error *err)
{
  if (!t) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: no transform", who);
  if (t->K == 0 || t->d == 0 || t->nclusters == 0 || t->nclusters > INT_MAX)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: transform with K = %zu, d = %zu, %zu clusters (all must be "
                           ">= 1)", who, t->K, t->d, t->nclusters);
  if (!t->mean || !t->scale || !t->components || !t->centroids)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: transform with a NULL array", who);
  return ACEUQ_OK;
}

aceuq_status aceuq_cluster_features(const aceuq_cluster_transform *t, const double *proj, size_t n,
                                    double *features, aceuq_error *err)
{
  aceuq_status st = check_transform(t, "cluster features", err);
  if (st) return st;
  if (n && (!proj || !features)) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "cluster features: NULL argument");
  for (size_t i = 0; i < n; ++i) aceuq_cluster_feature_row(t, proj + i * t->K, features + i * t->d);
  return ACEUQ_OK;
}

aceuq_status aceuq_cluster_assign(const aceuq_cluster_transform *t, const double *proj, size_t n, int *cluster,
                                  double *work, aceuq_error *err)
{
  aceuq_status st = check_transform(t, "cluster assignment", err);
  if (st) return st;
  if (n && (!proj || !cluster || !work))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "cluster assignment: NULL argument");
  for (size_t i = 0; i < n; ++i) {
    aceuq_cluster_feature_row(t, proj + i * t->K, work);
    cluster[i] = aceuq_cluster_nearest(t->centroids, t->nclusters, t->d, work);
  }
  return ACEUQ_OK;
}

/* ---- reader --------------------------------------------------------------------- */

typedef enum member_role {
  ROLE_MEAN = 0,
  ROLE_SCALE,
  ROLE_COMPONENTS,
  ROLE_CENTROIDS,
  ROLE_NFIXED, /* per-element members with fixed names */
  ROLE_ASI = ROLE_NFIXED
} member_role;

static const char *const role_name[ROLE_NFIXED] = {"mean", "scale", "components", "centroids"};

static const char expected_members[] =
    "an .asil file holds 'format_version', 'kind' and per element El 'El__mean', 'El__scale', 'El__components', "
    "'El__centroids', 'El__asi_0' .. 'El__asi_<n-1>'";

static const char *kind_name(int kind)
{
  return kind == ACEUQ_PROJECTIONS_LINEAR ? "linear" : "non-linear";
}

/* value of a scalar member (one value, any 1- or 2-D shape holding exactly one) */
static aceuq_status scalar_member(const char *path, const aceuq_npz_member *m, double *value, aceuq_error *err)
{
  const aceuq_array2d *a = &m->array;
  if (a->rows * a->cols != 1)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: member '%s.npy' has shape (%zu, %zu); expected a single value "
                           "(1 x 1)", path, m->key, a->rows, a->cols);
  *value = a->data[0];
  return ACEUQ_OK;
}

/* every entry finite */
static aceuq_status finite_member(const char *path, const aceuq_npz_member *m, aceuq_error *err)
{
  const aceuq_array2d *a = &m->array;
  for (size_t i = 0; i < a->rows * a->cols; ++i)
    if (!isfinite(a->data[i]))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: member '%s.npy': entry (%zu, %zu) is not finite (%g)", path,
                             m->key, i / a->cols, i % a->cols, a->data[i]);
  return ACEUQ_OK;
}

/* Split key "El__role" into element and role; *asi_index for "asi_<c>".
 * Returns 0 (and sets err) for a key that is not of that form. */
static int parse_key(const char *path, const char *key, char *el, size_t elsize, member_role *role,
                     size_t *asi_index, aceuq_error *err)
{
  const char *sep = strstr(key, ASIL_SEP);
  if (!sep || sep == key || (size_t)(sep - key) >= elsize) {
    aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: member '%s.npy' is not part of an .asil file (%s)", path, key,
                    expected_members);
    return 0;
  }
  memcpy(el, key, (size_t)(sep - key));
  el[sep - key] = '\0';
  const char *r = sep + strlen(ASIL_SEP);
  for (int i = 0; i < ROLE_NFIXED; ++i)
    if (!strcmp(r, role_name[i])) {
      *role = (member_role)i;
      return 1;
    }
  if (!strncmp(r, "asi_", 4)) {
    /* decimal without sign or leading zeros, below ASIL_MAX_CLUSTERS */
    const char *p = r + 4;
    size_t v = 0, len = strlen(p);
    int ok = len >= 1 && len <= 7 && !(p[0] == '0' && len > 1);
    for (size_t i = 0; ok && i < len; ++i) {
      ok = p[i] >= '0' && p[i] <= '9';
      v = 10 * v + (size_t)(p[i] - '0');
    }
    if (ok && v < ASIL_MAX_CLUSTERS) {
      *role = ROLE_ASI;
      *asi_index = v;
      return 1;
    }
  }
  aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: member '%s.npy' is not part of an .asil file (%s)", path, key,
                  expected_members);
  return 0;
}

/* member -> (element, role, cluster) map */
typedef struct member_slot {
  int mu;           /* -1 for format_version / kind */
  member_role role; /* per-element role */
  size_t asi;       /* cluster index of an asi member */
} member_slot;

/* the vector members mean/scale: 1 x K (or 1-D of length K) */
static aceuq_status check_vector(const char *path, const aceuq_npz_member *m, size_t K, const char *el, int kind,
                                 aceuq_error *err)
{
  const aceuq_array2d *a = &m->array;
  size_t len = a->ndim == 1 ? a->rows : a->cols;
  if (a->ndim == 2 && a->rows != 1)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: member '%s.npy' has shape (%zu, %zu); expected a row vector "
                           "(1 x %zu)", path, m->key, a->rows, a->cols, K);
  if (len != K)
    return aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "%s: member '%s.npy' has %zu values, but element %s has K = %zu "
                           "%s projections in the potential -- is this the local active set of another potential "
                           "(or of the other kind)?", path, m->key, len, el, K, kind_name(kind));
  return finite_member(path, m, err);
}

static aceuq_status check_matrix(const char *path, const aceuq_npz_member *m, size_t rows, size_t cols,
                                 const char *what, aceuq_error *err)
{
  const aceuq_array2d *a = &m->array;
  if (a->ndim != 2 || a->rows != rows || a->cols != cols)
    return aceuq_error_set(err, a->ndim == 2 ? ACEUQ_ERR_MISMATCH : ACEUQ_ERR_FORMAT,
                           "%s: member '%s.npy' is %s%zu x %zu; expected %zu x %zu (%s)", path, m->key,
                           a->ndim == 2 ? "" : "1-D, ", a->rows, a->cols, rows, cols, what);
  return finite_member(path, m, err);
}

/* Validate element mu's members (idx[role] = member index, asi_idx[c]) and
 * move their arrays into e. */
static aceuq_status load_element(const char *path, const aceuq_potential *pot, int mu, int kind,
                                 aceuq_npz_member *m, size_t count, const member_slot *slot, localset_element *e,
                                 aceuq_error *err)
{
  const char *el = aceuq_potential_element(pot, mu);
  const size_t K = aceuq_potential_projection_size(pot, mu, (aceuq_projection_kind)kind);
  size_t idx[ROLE_NFIXED];
  for (int r = 0; r < ROLE_NFIXED; ++r) idx[r] = count;
  for (size_t i = 0; i < count; ++i)
    if (slot[i].mu == mu && slot[i].role < ROLE_NFIXED) idx[slot[i].role] = i;
  for (int r = 0; r < ROLE_NFIXED; ++r)
    if (idx[r] == count)
      return aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "%s: no member '%s" ASIL_SEP "%s.npy': every element of the "
                             "potential needs its mean, scale, components, centroids and one inverse per cluster",
                             path, el, role_name[r]);
  aceuq_status st;
  if ((st = check_vector(path, &m[idx[ROLE_MEAN]], K, el, kind, err))) return st;
  if ((st = check_vector(path, &m[idx[ROLE_SCALE]], K, el, kind, err))) return st;
  const aceuq_array2d *sc = &m[idx[ROLE_SCALE]].array;
  for (size_t k = 0; k < K; ++k)
    if (!(sc->data[k] > 0.0))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: member '%s.npy': entry %zu is %g; every scale must be > 0",
                             path, m[idx[ROLE_SCALE]].key, k, sc->data[k]);
  const aceuq_array2d *pc = &m[idx[ROLE_COMPONENTS]].array;
  if (pc->ndim != 2 || pc->rows != K || pc->cols == 0 || pc->cols > K)
    return aceuq_error_set(err, pc->ndim == 2 && pc->rows != K ? ACEUQ_ERR_MISMATCH : ACEUQ_ERR_FORMAT,
                           "%s: member '%s.npy' is %s%zu x %zu; expected K x d with K = %zu (element %s, %s "
                           "projections) and 1 <= d <= K", path, m[idx[ROLE_COMPONENTS]].key,
                           pc->ndim == 2 ? "" : "1-D, ", pc->rows, pc->cols, K, el, kind_name(kind));
  if ((st = finite_member(path, &m[idx[ROLE_COMPONENTS]], err))) return st;
  const size_t d = pc->cols;
  const aceuq_array2d *ce = &m[idx[ROLE_CENTROIDS]].array;
  if (ce->ndim != 2 || ce->cols != d || ce->rows == 0 || ce->rows > ASIL_MAX_CLUSTERS)
    return aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "%s: member '%s.npy' is %s%zu x %zu; expected n_clusters x %zu "
                           "(d = %zu from '%s.npy', at least one cluster)", path, m[idx[ROLE_CENTROIDS]].key,
                           ce->ndim == 2 ? "" : "1-D, ", ce->rows, ce->cols, d, d, m[idx[ROLE_COMPONENTS]].key);
  if ((st = finite_member(path, &m[idx[ROLE_CENTROIDS]], err))) return st;
  const size_t nc = ce->rows;

  e->asi = calloc(nc, sizeof *e->asi);
  size_t *asi_idx = malloc(nc * sizeof *asi_idx);
  if (!e->asi || !asi_idx) {
    free(asi_idx);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", path);
  }
  e->nc = nc; /* so that aceuq_localset_free frees what was moved in */
  for (size_t c = 0; c < nc; ++c) asi_idx[c] = count;
  for (size_t i = 0; i < count; ++i) {
    if (slot[i].mu != mu || slot[i].role != ROLE_ASI) continue;
    if (slot[i].asi >= nc) {
      free(asi_idx);
      return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: member '%s.npy' is extra: element %s has %zu clusters "
                             "('%s.npy' has %zu rows), so its inverses are %s" ASIL_SEP "asi_0 .. %s" ASIL_SEP
                             "asi_%zu", path, m[i].key, el, nc, m[idx[ROLE_CENTROIDS]].key, nc, el, el, nc - 1);
    }
    asi_idx[slot[i].asi] = i;
  }
  for (size_t c = 0; c < nc; ++c) {
    if (asi_idx[c] == count) {
      free(asi_idx);
      return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: no member '%s" ASIL_SEP "asi_%zu.npy': element %s has %zu "
                             "clusters ('%s.npy' has %zu rows) and needs one inverse for each", path, el, c, el,
                             nc, m[idx[ROLE_CENTROIDS]].key, nc);
    }
    if ((st = check_matrix(path, &m[asi_idx[c]], K, K, "K x K inverse of the cluster's active set", err))) {
      free(asi_idx);
      return st;
    }
  }
  /* valid: take ownership */
  e->K = K;
  e->d = d;
  e->mean = m[idx[ROLE_MEAN]].array.data;
  e->scale = m[idx[ROLE_SCALE]].array.data;
  e->components = m[idx[ROLE_COMPONENTS]].array.data;
  e->centroids = m[idx[ROLE_CENTROIDS]].array.data;
  for (int r = 0; r < ROLE_NFIXED; ++r) m[idx[r]].array.data = NULL;
  for (size_t c = 0; c < nc; ++c) {
    e->asi[c] = m[asi_idx[c]].array.data;
    m[asi_idx[c]].array.data = NULL;
  }
  free(asi_idx);
  return ACEUQ_OK;
}

aceuq_status aceuq_localset_load(const char *path, const aceuq_potential *pot, aceuq_localset **out,
                                 aceuq_error *err)
{
  if (!out) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "aceuq_localset_load: no output handle");
  *out = NULL;
  if (!path || !pot) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "aceuq_localset_load: no file or potential");
  aceuq_status st = potential_require_bbasis(pot, path, "local active sets", err);
  if (st) return st;
  aceuq_npz_member *m = NULL;
  size_t count = 0;
  st = aceuq_npz_read_file(path, &m, &count, err);
  if (st) return st;

  const int nel = aceuq_potential_num_elements(pot);
  member_slot *slot = malloc(count * sizeof *slot);
  aceuq_localset *ls = calloc(1, sizeof *ls);
  if (ls) ls->el = calloc((size_t)nel, sizeof *ls->el);
  if (!slot || !ls || !ls->el) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", path);
    goto done;
  }
  ls->nelements = nel;

  /* format_version first: it decides how everything else is read */
  size_t iv = count, ik = count;
  for (size_t i = 0; i < count; ++i) {
    if (!strcmp(m[i].key, "format_version")) iv = i;
    if (!strcmp(m[i].key, "kind")) ik = i;
  }
  if (iv == count) {
    st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: no member 'format_version.npy': not a local active set (.asil) "
                         "file%s", path,
                         aceuq_potential_element_index(pot, m[0].key) >= 0
                             ? " (it looks like a global .asi active set: one '<El>.npy' matrix per element)"
                             : "");
    goto done;
  }
  double version = 0.0, kindv = 0.0;
  if ((st = scalar_member(path, &m[iv], &version, err))) goto done;
  if (version != ASIL_VERSION) {
    st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: member 'format_version.npy': version %g is not supported (this "
                         "aceuq reads .asil format version %d only)", path, version, ASIL_VERSION);
    goto done;
  }
  if (ik == count) {
    st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: no member 'kind.npy' (1 = linear, 2 = non-linear projections)",
                         path);
    goto done;
  }
  if ((st = scalar_member(path, &m[ik], &kindv, err))) goto done;
  if (kindv != 1.0 && kindv != 2.0) {
    st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: member 'kind.npy': value %g; expected 1 (linear) or 2 "
                         "(non-linear projections)", path, kindv);
    goto done;
  }
  const int kind = (int)kindv;
  ls->kind = (aceuq_projection_kind)kind;

  /* classify the other members */
  char known[512];
  potential_element_list(pot, known, sizeof known);
  for (size_t i = 0; i < count; ++i) {
    slot[i] = (member_slot){-1, ROLE_MEAN, 0};
    if (i == iv || i == ik) continue;
    char el[ASIL_MAX_SYMBOL];
    if (!parse_key(path, m[i].key, el, sizeof el, &slot[i].role, &slot[i].asi, err)) {
      st = ACEUQ_ERR_FORMAT;
      goto done;
    }
    slot[i].mu = aceuq_potential_element_index(pot, el);
    if (slot[i].mu < 0) {
      st = aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "%s: member '%s.npy': '%s' is not an element of the potential "
                           "(elements: %s)", path, m[i].key, el, known);
      goto done;
    }
  }
  for (int mu = 0; mu < nel && !st; ++mu)
    st = load_element(path, pot, mu, kind, m, count, slot, &ls->el[mu], err);

done:
  aceuq_npz_members_free(m, count);
  free(slot);
  if (st) {
    aceuq_localset_free(ls);
    return st;
  }
  *out = ls;
  return ACEUQ_OK;
}

/* ---- writer ----------------------------------------------------------------------- */

static aceuq_status check_finite_array(const char *path, const char *el, const char *what, const double *a,
                                       size_t n, aceuq_error *err)
{
  for (size_t i = 0; i < n; ++i)
    if (!isfinite(a[i]))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element %s: %s entry %zu is not finite (%g)", path, el, what,
                             i, a[i]);
  return ACEUQ_OK;
}

static aceuq_status check_write_element(const char *path, const char *el, const aceuq_localset_element *e,
                                        aceuq_error *err)
{
  const aceuq_cluster_transform *t = &e->transform;
  if (!el || !el[0] || strlen(el) >= ASIL_MAX_SYMBOL || strstr(el, ASIL_SEP) || strchr(el, '/'))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: invalid element symbol '%s'", path, el ? el : "(null)");
  if (t->K == 0 || t->d == 0 || t->d > t->K || t->nclusters == 0 || t->nclusters > ASIL_MAX_CLUSTERS)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element %s: K = %zu, d = %zu, %zu clusters: need K >= 1, "
                           "1 <= d <= K, 1 <= clusters <= %d", path, el, t->K, t->d, t->nclusters, ASIL_MAX_CLUSTERS);
  if (t->K > (size_t)INT_MAX / t->K)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element %s: K = %zu is too large", path, el, t->K);
  if (!t->mean || !t->scale || !t->components || !t->centroids || !e->Ainv)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element %s: NULL array", path, el);
  aceuq_status st;
  if ((st = check_finite_array(path, el, "mean", t->mean, t->K, err))) return st;
  if ((st = check_finite_array(path, el, "scale", t->scale, t->K, err))) return st;
  for (size_t k = 0; k < t->K; ++k)
    if (!(t->scale[k] > 0.0))
      return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element %s: scale entry %zu is %g; must be > 0", path, el, k,
                             t->scale[k]);
  if ((st = check_finite_array(path, el, "components", t->components, t->K * t->d, err))) return st;
  if ((st = check_finite_array(path, el, "centroids", t->centroids, t->nclusters * t->d, err))) return st;
  for (size_t c = 0; c < t->nclusters; ++c) {
    char what[64];
    snprintf(what, sizeof what, "inverse of cluster %zu,", c);
    if ((st = check_finite_array(path, el, what, e->Ainv + c * t->K * t->K, t->K * t->K, err))) return st;
  }
  return ACEUQ_OK;
}

aceuq_status aceuq_localset_write(const char *path, aceuq_projection_kind kind, int nelements,
                                  const char *const *elements, const aceuq_localset_element *data, aceuq_error *err)
{
  if (!path) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "aceuq_localset_write: no file name");
  if (kind != ACEUQ_PROJECTIONS_LINEAR && kind != ACEUQ_PROJECTIONS_NONLINEAR)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: kind %d; must be 1 (linear) or 2 (non-linear)", path,
                           (int)kind);
  if (nelements < 1 || !elements || !data)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: no elements to write", path);
  aceuq_status st;
  size_t count = 2;
  for (int mu = 0; mu < nelements; ++mu) {
    if ((st = check_write_element(path, elements[mu], &data[mu], err))) return st;
    for (int nu = 0; nu < mu; ++nu)
      if (!strcmp(elements[nu], elements[mu]))
        return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: element %s given twice", path, elements[mu]);
    count += ROLE_NFIXED + data[mu].transform.nclusters;
  }
  enum { KEY = 64 };
  char *keys = malloc(count * KEY);
  const char **key = malloc(count * sizeof *key);
  const double **arr = malloc(count * sizeof *arr);
  size_t *rows = malloc(count * sizeof *rows), *cols = malloc(count * sizeof *cols);
  if (!keys || !key || !arr || !rows || !cols) {
    st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", path);
  } else {
    const double version = ASIL_VERSION, kindv = (double)kind;
    size_t i = 0;
#define ADD(fmt_, el_, a_, r_, c_, ...)                                                                               \
  do {                                                                                                             \
    snprintf(keys + i * KEY, KEY, fmt_, el_, __VA_ARGS__);                                                         \
    key[i] = keys + i * KEY;                                                                                       \
    arr[i] = (a_);                                                                                                 \
    rows[i] = (r_);                                                                                                \
    cols[i] = (c_);                                                                                                \
    ++i;                                                                                                           \
  } while (0)
    ADD("%s%s", "format_version", &version, 1, 1, "");
    ADD("%s%s", "kind", &kindv, 1, 1, "");
    for (int mu = 0; mu < nelements; ++mu) {
      const aceuq_cluster_transform *t = &data[mu].transform;
      const char *el = elements[mu];
      ADD("%s" ASIL_SEP "%s", el, t->mean, 1, t->K, "mean");
      ADD("%s" ASIL_SEP "%s", el, t->scale, 1, t->K, "scale");
      ADD("%s" ASIL_SEP "%s", el, t->components, t->K, t->d, "components");
      ADD("%s" ASIL_SEP "%s", el, t->centroids, t->nclusters, t->d, "centroids");
      for (size_t c = 0; c < t->nclusters; ++c)
        ADD("%s" ASIL_SEP "asi_%zu", el, data[mu].Ainv + c * t->K * t->K, t->K, t->K, c);
    }
#undef ADD
    st = aceuq_npz_write_file(path, count, key, arr, rows, cols, err);
  }
  free(keys);
  free(key);
  free(arr);
  free(rows);
  free(cols);
  return st;
}
