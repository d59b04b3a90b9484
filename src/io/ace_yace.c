/* ace_yace.c -- reader of ML-PACE C-tilde potentials (.yace), see
 * docs/ace.md section 3.
 *
 *   elements: [El, ...]           species index = position in this list
 *   E0: [...]                     optional, per species (default 0)
 *   deltaSplineBins: > 0
 *   embeddings: {i: {ndensity, FS_parameters (2*ndensity), npoti,
 *                    rho_core_cutoff, drho_core_cutoff}}   one per species
 *   bonds: {[i, j]: {nradmax, lmax, nradbasemax, radbasename, radparameters,
 *                    radcoefficients [n][l][k], prehc, lambdahc, rcut, dcut,
 *                    rcut_in = 0, dcut_in = 0, inner_cutoff_type = density}}
 *   functions: {i: [{mu0, rank, ndensity, num_ms_combs, mus, ns, ls,
 *                    ms_combs [num_ms_combs][rank], ctildes [num_ms_combs][ndensity]}]}
 * Functions are kept in file order except that rank-1 functions are moved
 * (stably) before the others, as ML-PACE stores them.  Each ms tuple must
 * satisfy |m_t| <= l_t and sum_t m_t = 0.  Unknown keys are ignored with a
 * note (ace_notes.h), as ML-PACE ignores them.  The inner cutoff type is
 * the one ML-PACE ends up with: that of the last bond [n-1, n-1] (density
 * when it does not say; a note for every bond that says otherwise).
 * The SHIPs radial basis (radbasename "ACE.jl...") is not supported. */
#include "ace_io_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_NDENSITY 64
#define MAX_MS_COMBS 1000000

static const char *const embedding_keys[] = {"ndensity", "FS_parameters", "npoti", "rho_core_cutoff",
                                             "drho_core_cutoff", NULL};
static const char *const bond_keys[] = {"nradmax", "lmax", "nradbasemax", "radbasename", "radparameters",
                                        "radcoefficients", "prehc", "lambdahc", "rcut", "dcut", "rcut_in",
                                        "dcut_in", "inner_cutoff_type", NULL};
static const char *const function_keys[] = {"mu0", "rank", "ndensity", "num_ms_combs", "mus", "ns", "ls",
                                            "ms_combs", "ctildes", NULL};

static const char *const top_keys[] = {"elements", "E0", "deltaSplineBins", "embeddings", "bonds", "functions",
                                       NULL};

typedef struct yreader {
  ace_ydoc d;
  ace_notes notes;
  ace_model *m;
  ace_inner_cutoff_type *ict;     /* [ne*ne]: per bond, density unless given */
  const yaml_node_t **ict_node;   /* [ne*ne]: its inner_cutoff_type node, else the bond's node */
} yreader;

/* species index written as a map key */
static aceuq_status species_key(yreader *r, const yaml_node_t *k, const char *path, int *mu, aceuq_error *err)
{
  aceuq_status st = ace_ynode_int(&r->d, k, path, mu, err);
  if (st == ACEUQ_OK && (*mu < 0 || *mu >= r->m->nelements))
    st = ace_ydoc_fail(&r->d, k, path, err, ACEUQ_ERR_VALUE, "species index %d is outside 0..%d", *mu,
                       r->m->nelements - 1);
  return st;
}

static aceuq_status read_elements(yreader *r, const yaml_node_t *root, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  yaml_node_t *el;
  aceuq_status st = ace_ymap_require(d, root, "", "elements", YAML_SEQUENCE_NODE, &el, err);
  if (st != ACEUQ_OK) return st;
  size_t ne = ace_yseq_size(el);
  if (ne == 0 || ne > 128)
    return ace_ydoc_fail(d, el, "elements", err, ACEUQ_ERR_VALUE, "expected 1 to 128 elements, got %zu", ne);
  st = ace_model_alloc(d->name, (int)ne, &r->m, err);
  if (st != ACEUQ_OK) return st;
  char path[ACE_YPATH_MAX];
  for (size_t e = 0; e < ne; ++e) {
    ace_ypath_index(path, "elements", e);
    yaml_node_t *n = ace_yseq_item(d, el, e);
    st = ace_ynode_string(d, n, path, r->m->elements[e], ACE_MAX_ELEMENT_NAME, err);
    if (st != ACEUQ_OK) return st;
    if (!r->m->elements[e][0] || strcspn(r->m->elements[e], " \t") != strlen(r->m->elements[e]))
      return ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_VALUE, "'%s' is not an element symbol", r->m->elements[e]);
    for (size_t o = 0; o < e; ++o)
      if (!strcmp(r->m->elements[o], r->m->elements[e]))
        return ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_VALUE, "element %s is listed twice", r->m->elements[e]);
  }
  yaml_node_t *e0 = ace_ymap_find(d, root, "E0");
  if (e0) {
    double *v;
    size_t len;
    st = ace_ynode_doubles(d, e0, "E0", 0, &v, &len, err);
    if (st != ACEUQ_OK) return st;
    if (len != ne) {
      free(v);
      return ace_ydoc_fail(d, e0, "E0", err, ACEUQ_ERR_MISMATCH, "expected %zu values (one per element), got %zu", ne,
                           len);
    }
    memcpy(r->m->E0, v, ne * sizeof *v);
    free(v);
  }
  st = ace_ymap_double(d, root, "", "deltaSplineBins", 1, &r->m->delta_spline_bins, err);
  if (st == ACEUQ_OK && !(r->m->delta_spline_bins > 0))
    st = ace_ydoc_fail(d, ace_ymap_find(d, root, "deltaSplineBins"), "deltaSplineBins", err, ACEUQ_ERR_VALUE,
                       "must be > 0 (got %g)", r->m->delta_spline_bins);
  return st;
}

static aceuq_status read_embeddings(yreader *r, const yaml_node_t *root, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  ace_model *m = r->m;
  yaml_node_t *map;
  aceuq_status st = ace_ymap_require(d, root, "", "embeddings", YAML_MAPPING_NODE, &map, err);
  if (st == ACEUQ_OK) st = ace_ymap_check_keys(d, map, "embeddings", NULL, err);
  if (st != ACEUQ_OK) return st;
  for (size_t i = 0; i < ace_ymap_size(map) && st == ACEUQ_OK; ++i) {
    yaml_node_t *k = ace_ymap_key_at(d, map, i), *v = ace_ymap_value_at(d, map, i);
    int mu;
    char path[ACE_YPATH_MAX], name[64], kpath[ACE_YPATH_MAX];
    st = species_key(r, k, "embeddings", &mu, err);
    if (st != ACEUQ_OK) return st;
    snprintf(path, sizeof path, "embeddings.%d", mu);
    ace_embedding *e = &m->embeddings[mu];
    if (e->ndensity) return ace_ydoc_fail(d, k, path, err, ACEUQ_ERR_FORMAT, "second embedding for species %d", mu);
    e->rho_core_cut = 100000.0;
    e->drho_core_cut = 250.0;
    st = ace_ynode_expect(d, v, path, YAML_MAPPING_NODE, err);
    if (st == ACEUQ_OK) st = ace_ymap_note_unknown_keys(d, v, path, embedding_keys, err);
    if (st == ACEUQ_OK) st = ace_ymap_int(d, v, path, "ndensity", 1, &e->ndensity, err);
    if (st == ACEUQ_OK && (e->ndensity < 1 || e->ndensity > MAX_NDENSITY))
      st = ace_ydoc_fail(d, v, path, err, ACEUQ_ERR_VALUE, "ndensity = %d must be between 1 and %d", e->ndensity,
                         MAX_NDENSITY);
    if (st == ACEUQ_OK) st = ace_ymap_string(d, v, path, "npoti", 1, name, sizeof name, err);
    if (st == ACEUQ_OK && !ace_embedding_parse(name, &e->type))
      st = ace_ydoc_fail(d, v, path, err, ACEUQ_ERR_VALUE,
                         "unknown npoti '%s' (expected FinnisSinclair or FinnisSinclairShiftedScaled)", name);
    if (st == ACEUQ_OK) st = ace_ymap_double(d, v, path, "rho_core_cutoff", 0, &e->rho_core_cut, err);
    if (st == ACEUQ_OK) st = ace_ymap_double(d, v, path, "drho_core_cutoff", 0, &e->drho_core_cut, err);
    yaml_node_t *pn = NULL;
    size_t np;
    if (st == ACEUQ_OK) st = ace_ymap_require(d, v, path, "FS_parameters", YAML_SEQUENCE_NODE, &pn, err);
    ace_ypath_key(kpath, path, "FS_parameters");
    if (st == ACEUQ_OK) st = ace_ynode_doubles(d, pn, kpath, 0, &e->params, &np, err);
    if (st == ACEUQ_OK && np != 2 * (size_t)e->ndensity)
      st = ace_ydoc_fail(d, pn, kpath, err, ACEUQ_ERR_MISMATCH, "expected 2*ndensity = %d values, got %zu",
                         2 * e->ndensity, np);
  }
  for (int mu = 0; mu < m->nelements && st == ACEUQ_OK; ++mu)
    if (m->embeddings[mu].ndensity == 0)
      st = ace_ydoc_fail(d, map, "embeddings", err, ACEUQ_ERR_FORMAT, "no embedding for species %d (%s)", mu,
                         m->elements[mu]);
  return st;
}

/* bond key: a flow sequence [i, j] */
static aceuq_status bond_key(yreader *r, const yaml_node_t *k, int *i, int *j, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  int v[2];
  size_t len;
  aceuq_status st = ace_ynode_ints(d, k, "bonds", v, 2, &len, err);
  if (st == ACEUQ_OK && len != 2)
    st = ace_ydoc_fail(d, k, "bonds", err, ACEUQ_ERR_FORMAT, "a bond key must be a pair [i, j]");
  for (int t = 0; t < 2 && st == ACEUQ_OK; ++t)
    if (v[t] < 0 || v[t] >= r->m->nelements)
      st = ace_ydoc_fail(d, k, "bonds", err, ACEUQ_ERR_VALUE, "species index %d is outside 0..%d", v[t],
                         r->m->nelements - 1);
  *i = v[0];
  *j = v[1];
  return st;
}

static aceuq_status read_bond(yreader *r, const yaml_node_t *v, const char *path, ace_bond *b, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  char name[64], kpath[ACE_YPATH_MAX];
  aceuq_status st = ace_ynode_expect(d, v, path, YAML_MAPPING_NODE, err);
  if (st == ACEUQ_OK) st = ace_ymap_string(d, v, path, "radbasename", 1, name, sizeof name, err);
  if (st != ACEUQ_OK) return st;
  ace_ypath_key(kpath, path, "radbasename");
  if (!strncmp(name, "ACE.jl", 6))
    return ace_ydoc_fail(d, ace_ymap_find(d, v, "radbasename"), kpath, err, ACEUQ_ERR_VALUE,
                         "radial basis '%s' (ACE.jl / SHIPs) is not supported", name);
  if (!ace_radbase_parse(name, &b->radbase))
    return ace_ydoc_fail(d, ace_ymap_find(d, v, "radbasename"), kpath, err, ACEUQ_ERR_VALUE,
                         "unknown radial basis '%s' (expected ChebExpCos, ChebPow, ChebLinear or SBessel)", name);
  st = ace_ymap_note_unknown_keys(d, v, path, bond_keys, err);
  if (st == ACEUQ_OK) st = ace_ymap_int(d, v, path, "nradmax", 1, &b->nradmax, err);
  if (st == ACEUQ_OK) st = ace_ymap_int(d, v, path, "lmax", 1, &b->lmax, err);
  if (st == ACEUQ_OK) st = ace_ymap_int(d, v, path, "nradbasemax", 1, &b->nradbase, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, v, path, "prehc", 1, &b->prehc, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, v, path, "lambdahc", 1, &b->lambdahc, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, v, path, "rcut", 1, &b->rcut, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, v, path, "dcut", 1, &b->dcut, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, v, path, "rcut_in", 0, &b->r_in, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, v, path, "dcut_in", 0, &b->delta_in, err);
  if (st == ACEUQ_OK) st = ace_check_bond(d, v, path, b, err);
  if (st != ACEUQ_OK) return st;

  yaml_node_t *n;
  double *p;
  size_t len;
  ace_ypath_key(kpath, path, "radparameters");
  st = ace_ymap_require(d, v, path, "radparameters", YAML_SEQUENCE_NODE, &n, err);
  if (st == ACEUQ_OK) st = ace_ynode_doubles(d, n, kpath, 0, &p, &len, err);
  if (st != ACEUQ_OK) return st;
  if (len < 1) return ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_VALUE, "needs at least one value");
  b->lambda = p[0];
  free(p);
  ace_ypath_key(kpath, path, "radcoefficients");
  st = ace_ymap_require(d, v, path, "radcoefficients", YAML_SEQUENCE_NODE, &n, err);
  if (st == ACEUQ_OK) st = ace_read_crad_nested(d, n, kpath, b->nradmax, b->lmax, b->nradbase, &b->crad, err);
  if (st != ACEUQ_OK) return st;
  b->defined = 1;

  size_t slot = (size_t)(b - r->m->bonds);
  r->ict_node[slot] = v; /* where a note points when the bond does not say */
  n = ace_ymap_find(d, v, "inner_cutoff_type");
  if (!n) return ACEUQ_OK;
  ace_ypath_key(kpath, path, "inner_cutoff_type");
  st = ace_ynode_string(d, n, kpath, name, sizeof name, err);
  if (st != ACEUQ_OK) return st;
  if (!ace_inner_cutoff_parse(name, &r->ict[slot]))
    return ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_VALUE,
                         "unknown inner cutoff type '%s' (expected density, distance or zbl)", name);
  r->ict_node[slot] = n;
  return ACEUQ_OK;
}

/* ML-PACE sets the inner cutoff type bond after bond and keeps the last,
 * [n-1, n-1] (an absent bond means "distance" there) */
static void choose_inner_cutoff_type(yreader *r)
{
  ace_model *m = r->m;
  size_t ne = (size_t)m->nelements, last = ne * ne - 1;
  m->inner_cutoff_type = m->bonds[last].defined ? r->ict[last] : ACE_INNER_CUTOFF_DISTANCE;
  for (size_t b = 0; b < last; ++b)
    if (m->bonds[b].defined && r->ict[b] != m->inner_cutoff_type)
      ace_ydoc_note(&r->d, r->ict_node[b], "", "bonds[%zu, %zu].inner_cutoff_type '%s' ignored: ML-PACE uses the "
                    "type of the last bond [%zu, %zu] for all bonds: '%s'", b / ne, b % ne,
                    ace_inner_cutoff_name(r->ict[b]), ne - 1, ne - 1, ace_inner_cutoff_name(m->inner_cutoff_type));
}

static aceuq_status read_bonds(yreader *r, const yaml_node_t *root, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  int ne = r->m->nelements;
  yaml_node_t *map;
  aceuq_status st = ace_ymap_require(d, root, "", "bonds", YAML_MAPPING_NODE, &map, err);
  if (st != ACEUQ_OK) return st;
  r->ict = calloc((size_t)(ne * ne), sizeof *r->ict); /* calloc: density */
  r->ict_node = calloc((size_t)(ne * ne), sizeof *r->ict_node);
  if (!r->ict || !r->ict_node) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", d->name);
  for (size_t i = 0; i < ace_ymap_size(map) && st == ACEUQ_OK; ++i) {
    yaml_node_t *k = ace_ymap_key_at(d, map, i);
    int a, b;
    char path[ACE_YPATH_MAX];
    st = bond_key(r, k, &a, &b, err);
    if (st != ACEUQ_OK) return st;
    snprintf(path, sizeof path, "bonds[%d, %d]", a, b);
    ace_bond *bond = &r->m->bonds[a * ne + b];
    if (bond->defined) return ace_ydoc_fail(d, k, path, err, ACEUQ_ERR_FORMAT, "duplicate bond");
    st = read_bond(r, ace_ymap_value_at(d, map, i), path, bond, err);
  }
  if (st == ACEUQ_OK) choose_inner_cutoff_type(r);
  return st;
}

static aceuq_status read_function(yreader *r, const yaml_node_t *v, const char *path, int mu_key,
                                  ace_ctilde_func *f, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  const ace_model *m = r->m;
  int ne = m->nelements;
  char kpath[ACE_YPATH_MAX];
  aceuq_status st = ace_ynode_expect(d, v, path, YAML_MAPPING_NODE, err);
  if (st == ACEUQ_OK) st = ace_ymap_note_unknown_keys(d, v, path, function_keys, err);
  if (st == ACEUQ_OK) st = ace_ymap_int(d, v, path, "mu0", 1, &f->mu0, err);
  if (st == ACEUQ_OK) st = ace_ymap_int(d, v, path, "rank", 1, &f->rank, err);
  if (st == ACEUQ_OK) st = ace_ymap_int(d, v, path, "ndensity", 1, &f->ndensity, err);
  if (st == ACEUQ_OK) st = ace_ymap_int(d, v, path, "num_ms_combs", 1, &f->num_ms_combs, err);
  if (st != ACEUQ_OK) return st;
  if (f->mu0 != mu_key)
    return ace_ydoc_fail(d, v, path, err, ACEUQ_ERR_MISMATCH, "mu0 = %d but the function is listed under species %d",
                         f->mu0, mu_key);
  if (f->rank < 1 || f->rank > ACE_MAX_RANK)
    return ace_ydoc_fail(d, v, path, err, ACEUQ_ERR_VALUE, "rank = %d is outside 1..%d", f->rank, ACE_MAX_RANK);
  if (f->ndensity != m->embeddings[f->mu0].ndensity)
    return ace_ydoc_fail(d, v, path, err, ACEUQ_ERR_MISMATCH, "ndensity = %d but the embedding of species %d has %d",
                         f->ndensity, f->mu0, m->embeddings[f->mu0].ndensity);
  if (f->num_ms_combs < 1 || f->num_ms_combs > MAX_MS_COMBS)
    return ace_ydoc_fail(d, v, path, err, ACEUQ_ERR_VALUE, "num_ms_combs = %d is outside 1..%d", f->num_ms_combs,
                         MAX_MS_COMBS);

  const char *const ikeys[3] = {"mus", "ns", "ls"};
  int *iv[3] = {f->mus, f->ns, f->ls};
  for (int k = 0; k < 3; ++k) {
    yaml_node_t *n;
    size_t len;
    ace_ypath_key(kpath, path, ikeys[k]);
    st = ace_ymap_require(d, v, path, ikeys[k], YAML_SEQUENCE_NODE, &n, err);
    if (st == ACEUQ_OK) st = ace_ynode_ints(d, n, kpath, iv[k], ACE_MAX_RANK, &len, err);
    if (st != ACEUQ_OK) return st;
    if (len != (size_t)f->rank)
      return ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_MISMATCH, "expected rank = %d values, got %zu", f->rank, len);
  }
  for (int t = 0; t < f->rank; ++t) {
    if (f->mus[t] < 0 || f->mus[t] >= ne)
      return ace_ydoc_fail(d, v, path, err, ACEUQ_ERR_VALUE, "mus[%d] = %d is outside 0..%d", t, f->mus[t], ne - 1);
    const ace_bond *b = &m->bonds[f->mu0 * ne + f->mus[t]];
    if (!b->defined)
      return ace_ydoc_fail(d, v, path, err, ACEUQ_ERR_VALUE, "no bond [%d, %d] for mus[%d]", f->mu0, f->mus[t], t);
    int nmax = f->rank == 1 ? b->nradbase : b->nradmax, lmax = f->rank == 1 ? 0 : b->lmax;
    if (f->ns[t] < 1 || f->ns[t] > nmax)
      return ace_ydoc_fail(d, v, path, err, ACEUQ_ERR_VALUE, "ns[%d] = %d is outside 1..%d", t, f->ns[t], nmax);
    if (f->ls[t] < 0 || f->ls[t] > lmax)
      return ace_ydoc_fail(d, v, path, err, ACEUQ_ERR_VALUE, "ls[%d] = %d is outside 0..%d", t, f->ls[t], lmax);
  }

  size_t nms = (size_t)f->num_ms_combs * (size_t)f->rank, len;
  yaml_node_t *n;
  ace_ypath_key(kpath, path, "ms_combs");
  f->ms_combs = malloc(nms * sizeof *f->ms_combs);
  if (!f->ms_combs) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", d->name);
  st = ace_ymap_require(d, v, path, "ms_combs", YAML_SEQUENCE_NODE, &n, err);
  if (st == ACEUQ_OK) st = ace_ynode_ints(d, n, kpath, f->ms_combs, nms, &len, err);
  if (st != ACEUQ_OK) return st;
  if (len != nms)
    return ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_MISMATCH, "expected num_ms_combs*rank = %zu values, got %zu", nms,
                         len);
  for (int c = 0; c < f->num_ms_combs; ++c) {
    const int *ms = f->ms_combs + (size_t)c * (size_t)f->rank;
    int sum = 0;
    for (int t = 0; t < f->rank; ++t) {
      if (ms[t] < -f->ls[t] || ms[t] > f->ls[t])
        return ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_VALUE, "tuple %d: m = %d is outside -l..l for l = %d", c,
                             ms[t], f->ls[t]);
      sum += ms[t];
    }
    if (sum) return ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_VALUE, "tuple %d: the m values do not sum to 0", c);
  }
  ace_ypath_key(kpath, path, "ctildes");
  st = ace_ymap_require(d, v, path, "ctildes", YAML_SEQUENCE_NODE, &n, err);
  if (st == ACEUQ_OK) st = ace_ynode_doubles(d, n, kpath, 0, &f->ctildes, &len, err);
  if (st == ACEUQ_OK && len != (size_t)f->num_ms_combs * (size_t)f->ndensity)
    st = ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_MISMATCH, "expected num_ms_combs*ndensity = %zu values, got %zu",
                       (size_t)f->num_ms_combs * (size_t)f->ndensity, len);
  return st;
}

/* stable partition: rank-1 functions first */
static void rank1_first(ace_ctilde_func *f, size_t n)
{
  size_t next = 0;
  for (size_t i = 0; i < n; ++i)
    if (f[i].rank == 1) {
      ace_ctilde_func tmp = f[i];
      memmove(f + next + 1, f + next, (i - next) * sizeof *f);
      f[next++] = tmp;
    }
}

static aceuq_status read_functions(yreader *r, const yaml_node_t *root, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  ace_model *m = r->m;
  size_t ne = (size_t)m->nelements;
  m->nctilde = calloc(ne, sizeof *m->nctilde);
  m->ctilde = calloc(ne, sizeof *m->ctilde);
  if (!m->nctilde || !m->ctilde) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", d->name);
  yaml_node_t *map;
  aceuq_status st = ace_ymap_require(d, root, "", "functions", YAML_MAPPING_NODE, &map, err);
  if (st == ACEUQ_OK) st = ace_ymap_check_keys(d, map, "functions", NULL, err);
  if (st != ACEUQ_OK) return st;
  for (size_t i = 0; i < ace_ymap_size(map) && st == ACEUQ_OK; ++i) {
    yaml_node_t *k = ace_ymap_key_at(d, map, i), *list = ace_ymap_value_at(d, map, i);
    int mu;
    char path[ACE_YPATH_MAX], fpath[ACE_YPATH_MAX];
    st = species_key(r, k, "functions", &mu, err);
    if (st != ACEUQ_OK) return st;
    snprintf(path, sizeof path, "functions.%d", mu);
    if (m->ctilde[mu]) return ace_ydoc_fail(d, k, path, err, ACEUQ_ERR_FORMAT, "second function list for species %d", mu);
    st = ace_ynode_expect(d, list, path, YAML_SEQUENCE_NODE, err);
    if (st != ACEUQ_OK) return st;
    size_t nf = ace_yseq_size(list);
    m->ctilde[mu] = calloc(nf ? nf : 1, sizeof **m->ctilde);
    if (!m->ctilde[mu]) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", d->name);
    m->nctilde[mu] = nf;
    for (size_t f = 0; f < nf && st == ACEUQ_OK; ++f) {
      ace_ypath_index(fpath, path, f);
      st = read_function(r, ace_yseq_item(d, list, f), fpath, mu, &m->ctilde[mu][f], err);
    }
    if (st == ACEUQ_OK) rank1_first(m->ctilde[mu], nf);
  }
  return st;
}

aceuq_status ace_model_read_yace_buffer(const char *text, size_t size, const char *name, ace_model **out,
                                        aceuq_error *err)
{
  *out = NULL;
  yreader r;
  memset(&r, 0, sizeof r);
  aceuq_status st = ace_ydoc_load(&r.d, text, size, name, err);
  if (st != ACEUQ_OK) return st;
  r.d.notes = &r.notes;
  yaml_node_t *root = ace_ydoc_root(&r.d);
  st = ace_ynode_expect(&r.d, root, "", YAML_MAPPING_NODE, err);
  if (st == ACEUQ_OK) st = ace_ymap_note_unknown_keys(&r.d, root, "", top_keys, err);
  if (st == ACEUQ_OK) st = read_elements(&r, root, err);
  if (st == ACEUQ_OK) st = read_embeddings(&r, root, err);
  if (st == ACEUQ_OK) st = read_bonds(&r, root, err);
  if (st == ACEUQ_OK) st = read_functions(&r, root, err);
  ace_ydoc_free(&r.d);
  free(r.ict);
  free(r.ict_node);
  if (st != ACEUQ_OK) {
    ace_notes_free(&r.notes);
    ace_model_free(r.m);
    return st;
  }
  r.m->notes = r.notes;
  ace_model_publish(r.m, out);
  return ACEUQ_OK;
}

aceuq_status ace_model_read_yace(const char *path, ace_model **out, aceuq_error *err)
{
  return ace_model_read_file_with(path, ace_model_read_yace_buffer, out, err);
}
