/* ace_yaml.c -- reader of pacemaker B-basis potentials (.yaml), see
 * docs/ace.md section 2.
 *
 * Top level: metadata and auxdata (ignored), global {DeltaSplineBins > 0},
 * species: a list of blocks keyed by `speciesblock: "El0 [El1 ...]"`.
 *  - species index = position in the ASCII-sorted set of all block symbols;
 *  - a block with one distinct symbol carries the embedding of El0 and the
 *    radial basis of the bond (El0, El0); two distinct symbols: the bond
 *    (El0, El1), copied to (El1, El0) when that order is not given (both
 *    orders given: they must be identical); three or more: only `nbody`;
 *  - radcoefficients: nested [n][l][k], or the old flat list with k
 *    outermost, then n, then l:  flat[(k*nradmax + n)*(lmax+1) + l];
 *  - inner_cutoff_type: "density" when no block gives it, else the same in
 *    every block that does;
 *  - nbody: B-basis functions, validated (rank rules, index ranges) with the
 *    short lint forms expanded (r=3: L1=l3; r=4: L2=L1; r=5: L3=l5; r=6: L4=L3).
 * Every error names file, line and key path, e.g. species[1].nbody[12].nl. */
#include "ace_io_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SYMBOLS (ACE_MAX_RANK + 1)
#define MAX_NDENSITY 64

typedef struct block {
  yaml_node_t *node;
  char path[ACE_YPATH_MAX];
  char text[128];                             /* speciesblock as written */
  int nsym;                                   /* symbols in the key */
  char sym[MAX_SYMBOLS][ACE_MAX_ELEMENT_NAME];
  int ndistinct;
  int mu0, mu1;                               /* bond of the block (mu1 = mu0 for unary) */
} block;

typedef struct reader {
  ace_ydoc d;
  ace_model *m;
  size_t nblocks;
  block *blocks;
  int *bond_block;        /* [ne*ne]: block that defined the bond, -1 if none or copied */
  int *embedding_block;   /* [ne] */
  const yaml_node_t *ict_node; /* first inner_cutoff_type seen */
  char ict_path[ACE_YPATH_MAX];
} reader;

static const char *const top_keys[] = {"metadata", "auxdata", "global", "species", NULL};
static const char *const global_keys[] = {"DeltaSplineBins", NULL};
static const char *const embedding_keys[] = {"ndensityi", "npoti", "parameters", "rho_core_cut", "drho_core_cut", NULL};
static const char *const bond_required_keys[] = {"nradmaxi", "lmaxi",  "nradbaseij", "radbase",
                                                 "radparameters", "radcoefficients", "rcutij", "dcutij", NULL};
static const char *const bond_optional_keys[] = {"NameOfCutoffFunctionij", "core-repulsion", "inner_cutoff_type",
                                                 "r_in", "delta_in", NULL};
static const char *const block_keys[] = {"speciesblock", "nbody", "ndensityi", "npoti", "parameters",
                                         "rho_core_cut", "drho_core_cut", "nradmaxi", "lmaxi", "nradbaseij",
                                         "radbase", "radparameters", "radcoefficients", "rcutij", "dcutij",
                                         "NameOfCutoffFunctionij", "core-repulsion", "inner_cutoff_type", "r_in",
                                         "delta_in", NULL};
static const char *const nbody_keys[] = {"type", "nr", "nl", "lint", "c", "skip", NULL};

static int any_key_present(ace_ydoc *d, const yaml_node_t *map, const char *const *keys, const char **which)
{
  for (; *keys; ++keys)
    if (ace_ymap_find(d, map, *keys)) {
      *which = *keys;
      return 1;
    }
  return 0;
}

/* split s at blanks into at most MAX_SYMBOLS symbols shorter than ACE_MAX_ELEMENT_NAME;
 * returns the count, -1 if too many, -2 if a symbol is too long */
static int split_symbols(const char *s, char sym[MAX_SYMBOLS][ACE_MAX_ELEMENT_NAME])
{
  int n = 0;
  while (*s) {
    while (*s == ' ' || *s == '\t') ++s;
    if (!*s) break;
    size_t len = strcspn(s, " \t");
    if (n == MAX_SYMBOLS) return -1;
    if (len >= ACE_MAX_ELEMENT_NAME) return -2;
    memcpy(sym[n], s, len);
    sym[n][len] = '\0';
    ++n;
    s += len;
  }
  return n;
}

static int element_index(const ace_model *m, const char *sym)
{
  for (int e = 0; e < m->nelements; ++e)
    if (!strcmp(m->elements[e], sym)) return e;
  return -1;
}

static int cmp_symbols(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* ---- blocks and elements ------------------------------------------------- */

static aceuq_status read_block_keys(reader *r, const yaml_node_t *species, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  r->nblocks = ace_yseq_size(species);
  if (r->nblocks == 0) return ace_ydoc_fail(d, species, "species", err, ACEUQ_ERR_FORMAT, "no species blocks");
  r->blocks = calloc(r->nblocks, sizeof *r->blocks);
  if (!r->blocks) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", d->name);
  for (size_t b = 0; b < r->nblocks; ++b) {
    block *bl = &r->blocks[b];
    bl->node = ace_yseq_item(d, species, b);
    ace_ypath_index(bl->path, "species", b);
    aceuq_status st = ace_ynode_expect(d, bl->node, bl->path, YAML_MAPPING_NODE, err);
    if (st == ACEUQ_OK) st = ace_ymap_check_keys(d, bl->node, bl->path, block_keys, err);
    if (st == ACEUQ_OK)
      st = ace_ymap_string(d, bl->node, bl->path, "speciesblock", 1, bl->text, sizeof bl->text, err);
    if (st != ACEUQ_OK) return st;
    char kpath[ACE_YPATH_MAX];
    ace_ypath_key(kpath, bl->path, "speciesblock");
    const yaml_node_t *kn = ace_ymap_find(d, bl->node, "speciesblock");
    bl->nsym = split_symbols(bl->text, bl->sym);
    if (bl->nsym == 0) return ace_ydoc_fail(d, kn, kpath, err, ACEUQ_ERR_FORMAT, "empty species list");
    if (bl->nsym == -1)
      return ace_ydoc_fail(d, kn, kpath, err, ACEUQ_ERR_VALUE, "'%s' has more than %d symbols", bl->text, MAX_SYMBOLS);
    if (bl->nsym == -2)
      return ace_ydoc_fail(d, kn, kpath, err, ACEUQ_ERR_VALUE, "'%s' has a symbol of more than %d characters",
                           bl->text, ACE_MAX_ELEMENT_NAME - 1);
    for (size_t o = 0; o < b; ++o) {
      const block *other = &r->blocks[o];
      int same = other->nsym == bl->nsym;
      for (int i = 0; same && i < bl->nsym; ++i) same = !strcmp(other->sym[i], bl->sym[i]);
      if (same)
        return ace_ydoc_fail(d, kn, kpath, err, ACEUQ_ERR_FORMAT, "duplicate speciesblock '%s' (first at line %zu)",
                             bl->text, other->node->start_mark.line + 1);
    }
  }
  return ACEUQ_OK;
}

/* elements = sorted set of block symbols; allocate the model */
static aceuq_status make_model(reader *r, aceuq_error *err)
{
  size_t cap = r->nblocks * MAX_SYMBOLS, n = 0;
  char(*all)[ACE_MAX_ELEMENT_NAME] = malloc(cap * sizeof *all);
  if (!all) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", r->d.name);
  for (size_t b = 0; b < r->nblocks; ++b)
    for (int i = 0; i < r->blocks[b].nsym; ++i) {
      size_t j = 0;
      while (j < n && strcmp(all[j], r->blocks[b].sym[i])) ++j;
      if (j == n) memcpy(all[n++], r->blocks[b].sym[i], ACE_MAX_ELEMENT_NAME);
    }
  qsort(all, n, sizeof *all, cmp_symbols);
  aceuq_status st = ace_model_alloc(r->d.name, (int)n, &r->m, err);
  if (st == ACEUQ_OK) {
    memcpy(r->m->elements, all, n * sizeof *all);
    r->bond_block = malloc(n * n * sizeof *r->bond_block);
    r->embedding_block = malloc(n * sizeof *r->embedding_block);
    r->m->nbfuncs = calloc(n, sizeof *r->m->nbfuncs);
    r->m->bfuncs = calloc(n, sizeof *r->m->bfuncs);
    if (!r->bond_block || !r->embedding_block || !r->m->nbfuncs || !r->m->bfuncs)
      st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", r->d.name);
    else {
      for (size_t i = 0; i < n * n; ++i) r->bond_block[i] = -1;
      for (size_t i = 0; i < n; ++i) r->embedding_block[i] = -1;
    }
  }
  free(all);
  if (st != ACEUQ_OK) return st;
  for (size_t b = 0; b < r->nblocks; ++b) {
    block *bl = &r->blocks[b];
    bl->mu0 = bl->mu1 = element_index(r->m, bl->sym[0]);
    bl->ndistinct = 1;
    for (int i = 1; i < bl->nsym; ++i) {
      int seen = 0;
      for (int j = 0; j < i && !seen; ++j) seen = !strcmp(bl->sym[i], bl->sym[j]);
      if (seen) continue;
      if (++bl->ndistinct == 2) bl->mu1 = element_index(r->m, bl->sym[i]);
    }
  }
  return ACEUQ_OK;
}

/* ---- embedding ------------------------------------------------------------- */

static aceuq_status read_embedding(reader *r, const block *bl, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  ace_embedding *e = &r->m->embeddings[bl->mu0];
  char name[64], kpath[ACE_YPATH_MAX];
  e->rho_core_cut = 100000.0;
  e->drho_core_cut = 250.0;
  aceuq_status st = ace_ymap_int(d, bl->node, bl->path, "ndensityi", 1, &e->ndensity, err);
  if (st == ACEUQ_OK) st = ace_ymap_string(d, bl->node, bl->path, "npoti", 1, name, sizeof name, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, bl->node, bl->path, "rho_core_cut", 0, &e->rho_core_cut, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, bl->node, bl->path, "drho_core_cut", 0, &e->drho_core_cut, err);
  if (st != ACEUQ_OK) return st;
  ace_ypath_key(kpath, bl->path, "ndensityi");
  if (e->ndensity < 1 || e->ndensity > MAX_NDENSITY)
    return ace_ydoc_fail(d, ace_ymap_find(d, bl->node, "ndensityi"), kpath, err, ACEUQ_ERR_VALUE,
                         "ndensityi = %d must be between 1 and %d", e->ndensity, MAX_NDENSITY);
  ace_ypath_key(kpath, bl->path, "npoti");
  if (!ace_embedding_parse(name, &e->type))
    return ace_ydoc_fail(d, ace_ymap_find(d, bl->node, "npoti"), kpath, err, ACEUQ_ERR_VALUE,
                         "unknown embedding '%s' (expected FinnisSinclair or FinnisSinclairShiftedScaled)", name);
  yaml_node_t *pn;
  size_t np;
  st = ace_ymap_require(d, bl->node, bl->path, "parameters", YAML_SEQUENCE_NODE, &pn, err);
  ace_ypath_key(kpath, bl->path, "parameters");
  if (st == ACEUQ_OK) st = ace_ynode_doubles(d, pn, kpath, 0, &e->params, &np, err);
  if (st == ACEUQ_OK && np != 2 * (size_t)e->ndensity)
    st = ace_ydoc_fail(d, pn, kpath, err, ACEUQ_ERR_MISMATCH,
                       "expected 2*ndensityi = %d values (prefactor, exponent per density), got %zu",
                       2 * e->ndensity, np);
  return st;
}

/* ---- radial basis of a bond ------------------------------------------------ */

/* old flat radcoefficients: k outermost, then n, then l */
static aceuq_status read_crad_flat(ace_ydoc *d, const yaml_node_t *n, const char *path, ace_bond *b,
                                   aceuq_error *err)
{
  double *flat;
  size_t len;
  aceuq_status st = ace_ynode_doubles(d, n, path, 0, &flat, &len, err);
  if (st != ACEUQ_OK) return st;
  size_t nl = (size_t)b->lmax + 1, nn = (size_t)b->nradmax, nk = (size_t)b->nradbase;
  if (len != nn * nl * nk) {
    free(flat);
    return ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_MISMATCH,
                         "flat list has %zu values, expected nradmaxi*(lmaxi+1)*nradbaseij = %zu", len, nn * nl * nk);
  }
  b->crad = calloc(len ? len : 1, sizeof *b->crad);
  if (!b->crad) {
    free(flat);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", d->name);
  }
  for (size_t k = 0; k < nk; ++k)
    for (size_t i = 0; i < nn; ++i)
      for (size_t l = 0; l < nl; ++l) b->crad[(i * nl + l) * nk + k] = flat[(k * nn + i) * nl + l];
  free(flat);
  return ACEUQ_OK;
}

static aceuq_status read_bond(reader *r, const block *bl, ace_bond *b, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  const yaml_node_t *map = bl->node;
  char name[64], kpath[ACE_YPATH_MAX];
  aceuq_status st = ace_ymap_int(d, map, bl->path, "nradmaxi", 1, &b->nradmax, err);
  if (st == ACEUQ_OK) st = ace_ymap_int(d, map, bl->path, "lmaxi", 1, &b->lmax, err);
  if (st == ACEUQ_OK) st = ace_ymap_int(d, map, bl->path, "nradbaseij", 1, &b->nradbase, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, map, bl->path, "rcutij", 1, &b->rcut, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, map, bl->path, "dcutij", 1, &b->dcut, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, map, bl->path, "r_in", 0, &b->r_in, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, map, bl->path, "delta_in", 0, &b->delta_in, err);
  if (st == ACEUQ_OK) st = ace_check_bond(d, map, bl->path, b, err);
  if (st == ACEUQ_OK) st = ace_ymap_string(d, map, bl->path, "radbase", 1, name, sizeof name, err);
  if (st != ACEUQ_OK) return st;
  ace_ypath_key(kpath, bl->path, "radbase");
  if (!ace_radbase_parse(name, &b->radbase))
    return ace_ydoc_fail(d, ace_ymap_find(d, map, "radbase"), kpath, err, ACEUQ_ERR_VALUE,
                         "unknown radial basis '%s' (expected ChebExpCos, ChebPow, ChebLinear or SBessel)", name);

  yaml_node_t *n;
  double *v = NULL;
  size_t len;
  ace_ypath_key(kpath, bl->path, "radparameters");
  st = ace_ymap_require(d, map, bl->path, "radparameters", YAML_SEQUENCE_NODE, &n, err);
  if (st == ACEUQ_OK) st = ace_ynode_doubles(d, n, kpath, 0, &v, &len, err);
  if (st == ACEUQ_OK && len < 1) st = ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_VALUE, "needs at least one value");
  if (st == ACEUQ_OK) b->lambda = v[0];
  free(v);
  if (st != ACEUQ_OK) return st;

  n = ace_ymap_find(d, map, "core-repulsion");
  if (n) {
    ace_ypath_key(kpath, bl->path, "core-repulsion");
    st = ace_ynode_doubles(d, n, kpath, 0, &v, &len, err);
    if (st == ACEUQ_OK && len != 2)
      st = ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_MISMATCH, "expected [prefactor, lambda], got %zu values", len);
    if (st == ACEUQ_OK) {
      b->prehc = v[0];
      b->lambdahc = v[1];
    }
    free(v);
    if (st != ACEUQ_OK) return st;
  }

  ace_ypath_key(kpath, bl->path, "radcoefficients");
  st = ace_ymap_require(d, map, bl->path, "radcoefficients", YAML_SEQUENCE_NODE, &n, err);
  if (st != ACEUQ_OK) return st;
  if (ace_yseq_size(n) > 0 && ace_yseq_item(d, n, 0)->type == YAML_SCALAR_NODE)
    st = read_crad_flat(d, n, kpath, b, err);
  else
    st = ace_read_crad_nested(d, n, kpath, b->nradmax, b->lmax, b->nradbase, &b->crad, err);
  if (st == ACEUQ_OK) b->defined = 1;
  return st;
}

static aceuq_status read_inner_cutoff_type(reader *r, const block *bl, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  const yaml_node_t *n = ace_ymap_find(d, bl->node, "inner_cutoff_type");
  if (!n) return ACEUQ_OK;
  char name[32], kpath[ACE_YPATH_MAX];
  ace_inner_cutoff_type t;
  ace_ypath_key(kpath, bl->path, "inner_cutoff_type");
  aceuq_status st = ace_ynode_string(d, n, kpath, name, sizeof name, err);
  if (st != ACEUQ_OK) return st;
  if (!ace_inner_cutoff_parse(name, &t))
    return ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_VALUE, "unknown inner cutoff type '%s' (expected density, "
                         "distance or zbl)", name);
  if (r->ict_node && t != r->m->inner_cutoff_type)
    return ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_MISMATCH,
                         "inner_cutoff_type '%s' differs from '%s' given at %s (line %zu); it must be the same "
                         "in all blocks", name, ace_inner_cutoff_name(r->m->inner_cutoff_type), r->ict_path,
                         r->ict_node->start_mark.line + 1);
  if (!r->ict_node) {
    r->ict_node = n;
    snprintf(r->ict_path, sizeof r->ict_path, "%s", kpath);
  }
  r->m->inner_cutoff_type = t;
  return ACEUQ_OK;
}

/* first differing field of two bonds, NULL if identical */
static const char *bond_difference(const ace_bond *a, const ace_bond *b)
{
  if (a->radbase != b->radbase) return "radbase";
  if (a->lambda != b->lambda) return "radparameters";
  if (a->rcut != b->rcut) return "rcutij";
  if (a->dcut != b->dcut) return "dcutij";
  if (a->nradmax != b->nradmax) return "nradmaxi";
  if (a->lmax != b->lmax) return "lmaxi";
  if (a->nradbase != b->nradbase) return "nradbaseij";
  if (a->prehc != b->prehc || a->lambdahc != b->lambdahc) return "core-repulsion";
  if (a->r_in != b->r_in) return "r_in";
  if (a->delta_in != b->delta_in) return "delta_in";
  size_t n = (size_t)a->nradmax * (size_t)(a->lmax + 1) * (size_t)a->nradbase;
  for (size_t i = 0; i < n; ++i)
    if (a->crad[i] != b->crad[i]) return "radcoefficients";
  return NULL;
}

static aceuq_status read_block_bodies(reader *r, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  int ne = r->m->nelements;
  for (size_t b = 0; b < r->nblocks; ++b) {
    const block *bl = &r->blocks[b];
    const char *key;
    aceuq_status st = ACEUQ_OK;
    char kpath[ACE_YPATH_MAX];
    if (bl->ndistinct >= 3 &&
        (any_key_present(d, bl->node, bond_required_keys, &key) || any_key_present(d, bl->node, bond_optional_keys, &key) ||
         any_key_present(d, bl->node, embedding_keys, &key))) {
      ace_ypath_key(kpath, bl->path, key);
      return ace_ydoc_fail(d, ace_ymap_find(d, bl->node, key), kpath, err, ACEUQ_ERR_FORMAT,
                           "a block of three or more species ('%s') may only hold nbody", bl->text);
    }
    if (bl->ndistinct == 1 || any_key_present(d, bl->node, embedding_keys, &key)) {
      if (bl->ndistinct != 1) {
        ace_ypath_key(kpath, bl->path, key);
        return ace_ydoc_fail(d, ace_ymap_find(d, bl->node, key), kpath, err, ACEUQ_ERR_FORMAT,
                             "embedding keys belong in the single-species block of %s", bl->sym[0]);
      }
      if (r->embedding_block[bl->mu0] >= 0)
        return ace_ydoc_fail(d, bl->node, bl->path, err, ACEUQ_ERR_FORMAT,
                             "second single-species block for %s (first at %s)", bl->sym[0],
                             r->blocks[r->embedding_block[bl->mu0]].path);
      st = read_embedding(r, bl, err);
      if (st != ACEUQ_OK) return st;
      r->embedding_block[bl->mu0] = (int)b;
    }
    int has_required = any_key_present(d, bl->node, bond_required_keys, &key);
    int has_optional = has_required || any_key_present(d, bl->node, bond_optional_keys, &key);
    if (has_optional && !has_required)
      return ace_ydoc_fail(d, bl->node, bl->path, err, ACEUQ_ERR_FORMAT,
                           "'%s' given without a radial basis (missing required key 'nradmaxi')", key);
    if (has_required) {
      ace_bond *bond = &r->m->bonds[bl->mu0 * ne + bl->mu1];
      if (bond->defined)
        return ace_ydoc_fail(d, bl->node, bl->path, err, ACEUQ_ERR_FORMAT,
                             "second radial basis for the pair %s-%s (first at %s)", bl->sym[0],
                             r->m->elements[bl->mu1], r->blocks[r->bond_block[bl->mu0 * ne + bl->mu1]].path);
      st = read_bond(r, bl, bond, err);
      if (st == ACEUQ_OK) st = read_inner_cutoff_type(r, bl, err);
      if (st != ACEUQ_OK) return st;
      r->bond_block[bl->mu0 * ne + bl->mu1] = (int)b;
    }
  }
  for (int e = 0; e < ne; ++e)
    if (r->embedding_block[e] < 0)
      return ace_ydoc_fail(d, r->blocks[0].node, "species", err, ACEUQ_ERR_FORMAT,
                           "element %s has no single-species block (speciesblock: %s) with its embedding",
                           r->m->elements[e], r->m->elements[e]);
  /* copy a bond given in one order only to the other; both given: identical */
  for (int a = 0; a < ne; ++a)
    for (int c = a + 1; c < ne; ++c) {
      ace_bond *ab = &r->m->bonds[a * ne + c], *ba = &r->m->bonds[c * ne + a];
      if (ab->defined && ba->defined) {
        const char *diff = bond_difference(ab, ba);
        int i1 = r->bond_block[a * ne + c], i2 = r->bond_block[c * ne + a];
        const block *first = &r->blocks[i1 < i2 ? i1 : i2], *second = &r->blocks[i1 < i2 ? i2 : i1];
        if (diff)
          return ace_ydoc_fail(d, second->node, second->path, err, ACEUQ_ERR_MISMATCH,
                               "radial basis of '%s' differs from that of '%s' (line %zu) in %s; a bond given in "
                               "both orders must be identical", second->text, first->text,
                               first->node->start_mark.line + 1, diff);
      } else if (ab->defined || ba->defined) {
        ace_bond *from = ab->defined ? ab : ba, *to = ab->defined ? ba : ab;
        size_t n = (size_t)from->nradmax * (size_t)(from->lmax + 1) * (size_t)from->nradbase;
        *to = *from;
        to->crad = malloc((n ? n : 1) * sizeof *to->crad);
        if (!to->crad) {
          to->defined = 0;
          return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", d->name);
        }
        memcpy(to->crad, from->crad, n * sizeof *to->crad);
      }
    }
  return ACEUQ_OK;
}

/* ---- nbody: B-basis functions ------------------------------------------------ */

/* Complete lint to rank-2 values (short forms omit the last one, which the
 * coupling tree fixes) and check the tree rule:
 *   r=3: L1 = l3;  r=4: L1 = L2;  r=5: L3 = l5;  r=6: L4 = L3. */
static const char *expand_lint(int rank, const int *ls, int *lint, size_t given, int *nlint)
{
  *nlint = rank > 2 ? rank - 2 : 0;
  if (rank <= 2) return given ? "lint is only allowed for rank > 2" : NULL;
  if (given != (size_t)*nlint && given + 1 != (size_t)*nlint) return "lint must have rank-2 (or rank-3) values";
  int last = *nlint - 1;
  int must = rank == 3 || rank == 5 ? ls[rank - 1] : lint[last - 1]; /* value of the last intermediate */
  if (given + 1 == (size_t)*nlint) {
    if (rank == 3 || rank == 5)
      lint[last] = ls[rank - 1];
    else
      lint[last] = lint[last - 1];
    return NULL;
  }
  if (lint[last] != must) {
    switch (rank) {
    case 3: return "rank-3 coupling needs lint[0] = nl[2]";
    case 4: return "rank-4 coupling needs lint[0] = lint[1]";
    case 5: return "rank-5 coupling needs lint[2] = nl[4]";
    default: return "rank-6 coupling needs lint[3] = lint[2]";
    }
  }
  return NULL;
}

static aceuq_status read_function(reader *r, const block *bl, const yaml_node_t *fn, const char *path,
                                  ace_bfunc *f, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  const ace_model *m = r->m;
  int ne = m->nelements;
  char text[128], sym[MAX_SYMBOLS][ACE_MAX_ELEMENT_NAME], kpath[ACE_YPATH_MAX];
  aceuq_status st = ace_ynode_expect(d, fn, path, YAML_MAPPING_NODE, err);
  if (st == ACEUQ_OK) st = ace_ymap_check_keys(d, fn, path, nbody_keys, err);
  if (st == ACEUQ_OK) st = ace_ymap_string(d, fn, path, "type", 1, text, sizeof text, err);
  if (st != ACEUQ_OK) return st;

  const yaml_node_t *tn = ace_ymap_find(d, fn, "type");
  ace_ypath_key(kpath, path, "type");
  int nsym = split_symbols(text, sym);
  if (nsym < 2)
    return ace_ydoc_fail(d, tn, kpath, err, ACEUQ_ERR_VALUE,
                         "'%s' needs the central element and 1 to %d neighbour elements", text, ACE_MAX_RANK);
  if (strcmp(sym[0], bl->sym[0]))
    return ace_ydoc_fail(d, tn, kpath, err, ACEUQ_ERR_MISMATCH, "'%s' must start with the block's element %s", text,
                         bl->sym[0]);
  f->rank = nsym - 1;
  f->mu0 = bl->mu0;
  for (int t = 0; t < f->rank; ++t) {
    f->mus[t] = element_index(m, sym[t + 1]);
    if (f->mus[t] < 0)
      return ace_ydoc_fail(d, tn, kpath, err, ACEUQ_ERR_VALUE, "element '%s' of '%s' has no speciesblock",
                           sym[t + 1], text);
    if (!m->bonds[f->mu0 * ne + f->mus[t]].defined)
      return ace_ydoc_fail(d, tn, kpath, err, ACEUQ_ERR_VALUE, "no radial basis for the pair %s-%s", sym[0],
                           sym[t + 1]);
  }

  /* nr, nl, lint */
  const char *const ikeys[3] = {"nr", "nl", "lint"};
  int *iv[3] = {f->ns, f->ls, f->lint};
  size_t ilen[3] = {0, 0, 0};
  yaml_node_t *in[3];
  for (int k = 0; k < 3; ++k) {
    ace_ypath_key(kpath, path, ikeys[k]);
    in[k] = ace_ymap_find(d, fn, ikeys[k]);
    if (!in[k]) {
      if (k < 2) return ace_ydoc_fail(d, fn, path, err, ACEUQ_ERR_FORMAT, "missing required key '%s'", ikeys[k]);
      continue;
    }
    st = ace_ynode_ints(d, in[k], kpath, iv[k], ACE_MAX_RANK, &ilen[k], err);
    if (st != ACEUQ_OK) return st;
    if (k < 2 && ilen[k] != (size_t)f->rank)
      return ace_ydoc_fail(d, in[k], kpath, err, ACEUQ_ERR_MISMATCH, "expected %d values (the rank of '%s'), got %zu",
                           f->rank, text, ilen[k]);
  }
  char np[ACE_YPATH_MAX], lp[ACE_YPATH_MAX];
  ace_ypath_key(np, path, "nr");
  ace_ypath_key(lp, path, "nl");
  int lsum = 0, lmaxf = 0;
  for (int t = 0; t < f->rank; ++t) {
    const ace_bond *b = &m->bonds[f->mu0 * ne + f->mus[t]];
    int nmax = f->rank == 1 ? b->nradbase : b->nradmax;
    if (f->ns[t] < 1 || f->ns[t] > nmax)
      return ace_ydoc_fail(d, in[0], np, err, ACEUQ_ERR_VALUE, "nr[%d] = %d is outside 1..%s = %d of the pair %s-%s",
                           t, f->ns[t], f->rank == 1 ? "nradbaseij" : "nradmaxi", nmax, sym[0], sym[t + 1]);
    if (f->ls[t] < 0 || (f->rank > 1 && f->ls[t] > b->lmax))
      return ace_ydoc_fail(d, in[1], lp, err, ACEUQ_ERR_VALUE, "nl[%d] = %d is outside 0..lmaxi = %d of the pair %s-%s",
                           t, f->ls[t], b->lmax, sym[0], sym[t + 1]);
    lsum += f->ls[t];
    if (b->lmax > lmaxf) lmaxf = b->lmax;
  }
  if (f->rank == 1 && f->ls[0] != 0)
    return ace_ydoc_fail(d, in[1], lp, err, ACEUQ_ERR_VALUE, "a rank-1 function needs nl: [0]");
  if (f->rank == 2 && f->ls[0] != f->ls[1])
    return ace_ydoc_fail(d, in[1], lp, err, ACEUQ_ERR_VALUE, "a rank-2 function needs nl[0] = nl[1]");
  if (lsum % 2)
    return ace_ydoc_fail(d, in[1], lp, err, ACEUQ_ERR_VALUE, "the sum of nl must be even (got %d)", lsum);
  ace_ypath_key(kpath, path, "lint");
  const char *problem = expand_lint(f->rank, f->ls, f->lint, ilen[2], &f->nlint);
  if (problem) return ace_ydoc_fail(d, in[2] ? in[2] : fn, kpath, err, ACEUQ_ERR_VALUE, "%s", problem);
  for (int i = 0; i < f->nlint; ++i)
    if (f->lint[i] < 0 || f->lint[i] > 2 * lmaxf)
      return ace_ydoc_fail(d, in[2] ? in[2] : fn, kpath, err, ACEUQ_ERR_VALUE,
                           "lint[%d] = %d is outside 0..2*lmaxi = %d", i, f->lint[i], 2 * lmaxf);

  /* c: one coefficient per density of the central element */
  yaml_node_t *cn;
  size_t nc;
  int ndens = m->embeddings[f->mu0].ndensity;
  ace_ypath_key(kpath, path, "c");
  cn = ace_ymap_find(d, fn, "c");
  if (!cn) return ace_ydoc_fail(d, fn, path, err, ACEUQ_ERR_FORMAT, "missing required key 'c'");
  st = ace_ynode_doubles(d, cn, kpath, 1, &f->coeffs, &nc, err);
  if (st == ACEUQ_OK && nc != (size_t)ndens)
    st = ace_ydoc_fail(d, cn, kpath, err, ACEUQ_ERR_MISMATCH, "expected %d coefficients (ndensityi of %s), got %zu",
                       ndens, sym[0], nc);
  if (st != ACEUQ_OK) return st;
  yaml_node_t *sn = ace_ymap_find(d, fn, "skip");
  ace_ypath_key(kpath, path, "skip");
  if (sn) st = ace_ynode_bool(d, sn, kpath, &f->skip, err);
  return st;
}

static aceuq_status read_functions(reader *r, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  ace_model *m = r->m;
  char path[ACE_YPATH_MAX], fpath[ACE_YPATH_MAX];
  /* nbody lists (absent or empty = none), counted per central species */
  for (size_t b = 0; b < r->nblocks; ++b) {
    yaml_node_t *nb = ace_ymap_find(d, r->blocks[b].node, "nbody");
    ace_ypath_key(path, r->blocks[b].path, "nbody");
    if (!nb || ace_ynode_is_null(nb)) continue;
    aceuq_status st = ace_ynode_expect(d, nb, path, YAML_SEQUENCE_NODE, err);
    if (st != ACEUQ_OK) return st;
    m->nbfuncs[r->blocks[b].mu0] += ace_yseq_size(nb);
  }
  for (int e = 0; e < m->nelements; ++e) {
    m->bfuncs[e] = calloc(m->nbfuncs[e] ? m->nbfuncs[e] : 1, sizeof **m->bfuncs);
    if (!m->bfuncs[e]) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", d->name);
  }
  size_t *filled = calloc((size_t)m->nelements, sizeof *filled);
  if (!filled) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", d->name);
  aceuq_status st = ACEUQ_OK;
  for (size_t b = 0; b < r->nblocks && st == ACEUQ_OK; ++b) {
    const block *bl = &r->blocks[b];
    yaml_node_t *nb = ace_ymap_find(d, bl->node, "nbody");
    if (!nb || ace_ynode_is_null(nb)) continue;
    ace_ypath_key(path, bl->path, "nbody");
    for (size_t i = 0; i < ace_yseq_size(nb) && st == ACEUQ_OK; ++i) {
      ace_ypath_index(fpath, path, i);
      st = read_function(r, bl, ace_yseq_item(d, nb, i), fpath, &m->bfuncs[bl->mu0][filled[bl->mu0]++], err);
    }
  }
  free(filled);
  return st;
}

/* ---- entry points ------------------------------------------------------------ */

static aceuq_status read_document(reader *r, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  yaml_node_t *root = ace_ydoc_root(d), *global, *species;
  aceuq_status st = ace_ynode_expect(d, root, "", YAML_MAPPING_NODE, err);
  if (st == ACEUQ_OK) st = ace_ymap_check_keys(d, root, "", top_keys, err);
  if (st == ACEUQ_OK) st = ace_ymap_require(d, root, "", "global", YAML_MAPPING_NODE, &global, err);
  if (st == ACEUQ_OK) st = ace_ymap_check_keys(d, global, "global", global_keys, err);
  if (st == ACEUQ_OK) st = ace_ymap_require(d, root, "", "species", YAML_SEQUENCE_NODE, &species, err);
  if (st == ACEUQ_OK) st = read_block_keys(r, species, err);
  if (st == ACEUQ_OK) st = make_model(r, err);
  if (st != ACEUQ_OK) return st;
  st = ace_ymap_double(d, global, "global", "DeltaSplineBins", 1, &r->m->delta_spline_bins, err);
  if (st == ACEUQ_OK && !(r->m->delta_spline_bins > 0))
    st = ace_ydoc_fail(d, ace_ymap_find(d, global, "DeltaSplineBins"), "global.DeltaSplineBins", err,
                       ACEUQ_ERR_VALUE, "must be > 0 (got %g)", r->m->delta_spline_bins);
  if (st == ACEUQ_OK) st = read_block_bodies(r, err);
  if (st == ACEUQ_OK) st = read_functions(r, err);
  return st;
}

aceuq_status ace_model_read_yaml_buffer(const char *text, size_t size, const char *name, ace_model **out,
                                        aceuq_error *err)
{
  *out = NULL;
  reader r;
  memset(&r, 0, sizeof r);
  aceuq_status st = ace_ydoc_load(&r.d, text, size, name, err);
  if (st != ACEUQ_OK) return st;
  st = read_document(&r, err);
  ace_ydoc_free(&r.d);
  free(r.blocks);
  free(r.bond_block);
  free(r.embedding_block);
  if (st != ACEUQ_OK) {
    ace_model_free(r.m);
    return st;
  }
  ace_model_publish(r.m, out);
  return ACEUQ_OK;
}

aceuq_status ace_model_read_yaml(const char *path, ace_model **out, aceuq_error *err)
{
  return ace_model_read_file_with(path, ace_model_read_yaml_buffer, out, err);
}
