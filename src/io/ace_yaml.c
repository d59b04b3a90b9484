/* ace_yaml.c -- reader of pacemaker B-basis potentials (.yaml), see
 * docs/ace.md section 2 and docs/potential_files.md (which key is read where).
 *
 * Top level: metadata and auxdata (ignored), global {DeltaSplineBins > 0},
 * species: a list of blocks keyed by `speciesblock: "El0 [El1 ...]"`.
 * Every key means what it means to ML-PACE's reader; keys ML-PACE does not
 * read are ignored with a note (ace_notes.h), never an error:
 *  - species index = position in the ASCII-sorted set of all block symbols;
 *  - a block with one distinct symbol carries the embedding of El0 (embedding
 *    keys anywhere else are ignored, noted when their value differs) and the
 *    bond (El0, El0); two distinct symbols: the bond (El0, El1), joined with
 *    the block "El1 El0" as ML-PACE does (radial basis copied from the block
 *    that has it, core-repulsion with the inner cutoff likewise; both blocks
 *    must end up identical), or copied to (El1, El0) when that block is
 *    missing; three or more: only `nbody`;
 *  - radcoefficients: nested [n][l][k], or the old flat list with k
 *    outermost, then n, then l:  flat[(k*nradmax + n)*(lmax+1) + l];
 *  - inner_cutoff_type: "density" in a block that does not give it; the same
 *    in all 1- and 2-species blocks;
 *  - nbody: B-basis functions, validated (rank rules, index ranges, elements
 *    of the block) with the short lint forms expanded (r=3: L1=l3; r=4:
 *    L2=L1; r=5: L3=l5; r=6: L4=L3).
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
  /* what this block says about its bond (1- and 2-species blocks), before
   * the exchange with the dual block "B A" */
  int has_radial;                             /* lmaxi given: the radial basis is defined here */
  int has_corerep;                            /* core-repulsion given */
  ace_bond bond;                              /* crad owned here until moved into the model */
  ace_inner_cutoff_type ict;                  /* "density" unless the block says otherwise */
} block;

typedef struct reader {
  ace_ydoc d;
  ace_notes notes;
  ace_model *m;
  size_t nblocks;
  block *blocks;
  int *embedding_block;   /* [ne] */
} reader;

/* Keys and where ML-PACE reads them (docs/potential_files.md):
 *  - embedding keys: only in a single-species block; elsewhere ignored;
 *  - radial keys: a block with lmaxi defines the radial basis of its bond
 *    (1- and 2-species blocks; ignored in larger ones), the others without
 *    lmaxi are an error ("partially defined"), except the cutoff keys;
 *  - core keys: core-repulsion and the inner cutoff of the bond, read in
 *    every block, used in 1- and 2-species blocks;
 *  - nbody everywhere. */
static const char *const top_keys[] = {"metadata", "auxdata", "global", "species", NULL};
static const char *const global_keys[] = {"DeltaSplineBins", NULL};
static const char *const embedding_keys[] = {"ndensityi", "npoti", "parameters", "rho_core_cut", "drho_core_cut", NULL};
static const char *const radial_defining_keys[] = {"nradmaxi", "nradbaseij", "radbase", "radparameters",
                                                   "radcoefficients", NULL};
static const char *const radial_cutoff_keys[] = {"rcutij", "dcutij", "NameOfCutoffFunctionij", NULL};
static const char *const core_bond_keys[] = {"core-repulsion", "r_in", "delta_in", NULL};
static const char *const block_keys[] = {"speciesblock", "nbody", "ndensityi", "npoti", "parameters",
                                         "rho_core_cut", "drho_core_cut", "lmaxi", "nradmaxi", "nradbaseij",
                                         "radbase", "radparameters", "radcoefficients", "rcutij", "dcutij",
                                         "NameOfCutoffFunctionij", "core-repulsion", "inner_cutoff_type", "r_in",
                                         "delta_in", NULL};
static const char *const pair_block_keys[] = {"lmaxi", "nradmaxi", "nradbaseij", "radbase", "radparameters",
                                              "radcoefficients", "rcutij", "dcutij", "NameOfCutoffFunctionij",
                                              "core-repulsion", "inner_cutoff_type", "r_in", "delta_in", NULL};
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

/* note every key of keys present in the block as ignored, with why */
static void note_ignored_keys(reader *r, const block *bl, const char *const *keys, const char *why)
{
  char kpath[ACE_YPATH_MAX];
  for (; *keys; ++keys) {
    const yaml_node_t *n = ace_ymap_find(&r->d, bl->node, *keys);
    if (!n) continue;
    ace_ypath_key(kpath, bl->path, *keys);
    ace_ydoc_note(&r->d, n, kpath, "ignored: %s", why);
  }
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

static int block_has_symbol(const block *bl, const char *sym)
{
  for (int i = 0; i < bl->nsym; ++i)
    if (!strcmp(bl->sym[i], sym)) return 1;
  return 0;
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
    if (st == ACEUQ_OK) st = ace_ymap_note_unknown_keys(d, bl->node, bl->path, block_keys, err);
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
    r->embedding_block = malloc(n * sizeof *r->embedding_block);
    r->m->nbfuncs = calloc(n, sizeof *r->m->nbfuncs);
    r->m->bfuncs = calloc(n, sizeof *r->m->bfuncs);
    if (!r->embedding_block || !r->m->nbfuncs || !r->m->bfuncs)
      st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", r->d.name);
    else {
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

/* The radial basis keys of a block with lmaxi (ML-PACE requires them all). */
static aceuq_status read_radial(reader *r, const block *bl, ace_bond *b, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  const yaml_node_t *map = bl->node;
  char name[64], kpath[ACE_YPATH_MAX];
  aceuq_status st = ace_ymap_int(d, map, bl->path, "nradmaxi", 1, &b->nradmax, err);
  if (st == ACEUQ_OK) st = ace_ymap_int(d, map, bl->path, "lmaxi", 1, &b->lmax, err);
  if (st == ACEUQ_OK) st = ace_ymap_int(d, map, bl->path, "nradbaseij", 1, &b->nradbase, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, map, bl->path, "rcutij", 1, &b->rcut, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, map, bl->path, "dcutij", 1, &b->dcut, err);
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

  ace_ypath_key(kpath, bl->path, "radcoefficients");
  st = ace_ymap_require(d, map, bl->path, "radcoefficients", YAML_SEQUENCE_NODE, &n, err);
  if (st != ACEUQ_OK) return st;
  if (ace_yseq_size(n) > 0 && ace_yseq_item(d, n, 0)->type == YAML_SCALAR_NODE)
    return read_crad_flat(d, n, kpath, b, err);
  return ace_read_crad_nested(d, n, kpath, b->nradmax, b->lmax, b->nradbase, &b->crad, err);
}

/* core-repulsion, inner_cutoff_type (default density), r_in, delta_in (default 0) */
static aceuq_status read_core(reader *r, block *bl, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  char kpath[ACE_YPATH_MAX], name[32];
  ace_bond *b = &bl->bond;
  aceuq_status st = ace_ymap_double(d, bl->node, bl->path, "r_in", 0, &b->r_in, err);
  if (st == ACEUQ_OK) st = ace_ymap_double(d, bl->node, bl->path, "delta_in", 0, &b->delta_in, err);
  if (st == ACEUQ_OK && (!(b->r_in >= 0) || !(b->delta_in >= 0)))
    st = ace_ydoc_fail(d, bl->node, bl->path, err, ACEUQ_ERR_VALUE, "the inner cutoff r_in and its width must be >= 0");
  if (st != ACEUQ_OK) return st;
  yaml_node_t *n = ace_ymap_find(d, bl->node, "core-repulsion");
  if (n) {
    double *v = NULL;
    size_t len;
    ace_ypath_key(kpath, bl->path, "core-repulsion");
    st = ace_ynode_doubles(d, n, kpath, 0, &v, &len, err);
    if (st == ACEUQ_OK && len != 2)
      st = ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_MISMATCH, "expected [prefactor, lambda], got %zu values", len);
    if (st == ACEUQ_OK) {
      b->prehc = v[0];
      b->lambdahc = v[1];
      bl->has_corerep = 1;
    }
    free(v);
    if (st != ACEUQ_OK) return st;
  }
  bl->ict = ACE_INNER_CUTOFF_DENSITY;
  n = ace_ymap_find(d, bl->node, "inner_cutoff_type");
  if (!n) return ACEUQ_OK;
  ace_ypath_key(kpath, bl->path, "inner_cutoff_type");
  st = ace_ynode_string(d, n, kpath, name, sizeof name, err);
  if (st == ACEUQ_OK && !ace_inner_cutoff_parse(name, &bl->ict))
    st = ace_ydoc_fail(d, n, kpath, err, ACEUQ_ERR_VALUE,
                       "unknown inner cutoff type '%s' (expected density, distance or zbl)", name);
  return st;
}

/* What one block defines, read as ML-PACE reads it (see the key lists). */
static aceuq_status read_block_parts(reader *r, size_t b, aceuq_error *err)
{
  ace_ydoc *d = &r->d;
  block *bl = &r->blocks[b];
  const char *key;
  char kpath[ACE_YPATH_MAX];
  aceuq_status st;
  if (bl->ndistinct == 1) {
    if (r->embedding_block[bl->mu0] >= 0)
      return ace_ydoc_fail(d, bl->node, bl->path, err, ACEUQ_ERR_FORMAT,
                           "second single-species block for %s (first at %s)", bl->sym[0],
                           r->blocks[r->embedding_block[bl->mu0]].path);
    st = read_embedding(r, bl, err);
    if (st != ACEUQ_OK) return st;
    r->embedding_block[bl->mu0] = (int)b;
  }
  bl->has_radial = ace_ymap_find(d, bl->node, "lmaxi") != NULL;
  if (!bl->has_radial && any_key_present(d, bl->node, radial_defining_keys, &key)) {
    ace_ypath_key(kpath, bl->path, key);
    return ace_ydoc_fail(d, ace_ymap_find(d, bl->node, key), kpath, err, ACEUQ_ERR_FORMAT,
                         "radial basis partially defined: '%s' given without 'lmaxi'", key);
  }
  if (bl->ndistinct >= 3) {
    note_ignored_keys(r, bl, pair_block_keys, "a block of three or more species only contributes nbody functions");
    return ACEUQ_OK;
  }
  if (!bl->has_radial)
    note_ignored_keys(r, bl, radial_cutoff_keys, "the block defines no radial basis (no 'lmaxi')");
  st = read_core(r, bl, err);
  if (st == ACEUQ_OK && bl->has_radial) st = read_radial(r, bl, &bl->bond, err);
  if (st == ACEUQ_OK && bl->ndistinct == 1 && !bl->has_radial) /* no bond El0-El0 to carry them */
    note_ignored_keys(r, bl, core_bond_keys, "the block defines no radial basis (no 'lmaxi')");
  return st;
}

/* first differing field of the radial bases of two bonds, NULL if identical */
static const char *radial_difference(const ace_bond *a, const ace_bond *b)
{
  if (a->radbase != b->radbase) return "radbase";
  if (a->lambda != b->lambda) return "radparameters";
  if (a->rcut != b->rcut) return "rcutij";
  if (a->dcut != b->dcut) return "dcutij";
  if (a->nradmax != b->nradmax) return "nradmaxi";
  if (a->lmax != b->lmax) return "lmaxi";
  if (a->nradbase != b->nradbase) return "nradbaseij";
  size_t n = (size_t)a->nradmax * (size_t)(a->lmax + 1) * (size_t)a->nradbase;
  for (size_t i = 0; i < n; ++i)
    if (a->crad[i] != b->crad[i]) return "radcoefficients";
  return NULL;
}

static const char *inner_difference(const block *a, const block *b)
{
  if (a->bond.r_in != b->bond.r_in) return "r_in";
  if (a->bond.delta_in != b->bond.delta_in) return "delta_in";
  if (a->ict != b->ict) return "inner_cutoff_type";
  return NULL;
}

static aceuq_status copy_radial(reader *r, const ace_bond *from, ace_bond *to, aceuq_error *err)
{
  size_t n = (size_t)from->nradmax * (size_t)(from->lmax + 1) * (size_t)from->nradbase;
  double *crad = malloc((n ? n : 1) * sizeof *crad);
  if (!crad) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", r->d.name);
  memcpy(crad, from->crad, n * sizeof *crad);
  double prehc = to->prehc, lambdahc = to->lambdahc, r_in = to->r_in, delta_in = to->delta_in;
  free(to->crad);
  *to = *from;
  to->crad = crad;
  to->prehc = prehc;
  to->lambdahc = lambdahc;
  to->r_in = r_in;
  to->delta_in = delta_in;
  return ACEUQ_OK;
}

static void copy_core(const block *from, block *to)
{
  to->bond.prehc = from->bond.prehc;
  to->bond.lambdahc = from->bond.lambdahc;
  to->bond.r_in = from->bond.r_in;
  to->bond.delta_in = from->bond.delta_in;
  to->ict = from->ict;
  to->has_corerep = 1;
}

static aceuq_status pair_fail(reader *r, const block *a, const block *b, aceuq_error *err, const char *what,
                              const char *field)
{
  return ace_ydoc_fail(&r->d, b->node, b->path, err, ACEUQ_ERR_MISMATCH,
                       "%s of '%s' differs from that of '%s' (line %zu) in %s; ML-PACE requires the bond of a pair "
                       "to be the same in both orders", what, b->text, a->text, a->node->start_mark.line + 1, field);
}

/* The two blocks "A B" and "B A" of one pair, as ML-PACE joins them: the
 * radial basis given in one is copied to the other (not r_in, delta_in,
 * inner_cutoff_type), core-repulsion given in one is copied with r_in,
 * delta_in and inner_cutoff_type; what both give must agree, and so must the
 * complete bonds afterwards. a comes first in the file. */
static aceuq_status join_pair(reader *r, block *a, block *b, aceuq_error *err)
{
  const char *diff;
  aceuq_status st = ACEUQ_OK;
  if (!a->has_radial && !b->has_radial)
    return ace_ydoc_fail(&r->d, a->node, a->path, err, ACEUQ_ERR_FORMAT,
                         "no radial basis for the pair %s-%s: neither '%s' nor '%s' (line %zu) gives one (lmaxi, "
                         "nradmaxi, ...)", a->sym[0], r->m->elements[a->mu1], a->text, b->text,
                         b->node->start_mark.line + 1);
  if (a->has_radial && b->has_radial) {
    if ((diff = radial_difference(&a->bond, &b->bond)) || (diff = inner_difference(a, b)))
      return pair_fail(r, a, b, err, "radial basis", diff);
  } else {
    st = a->has_radial ? copy_radial(r, &a->bond, &b->bond, err) : copy_radial(r, &b->bond, &a->bond, err);
    if (st != ACEUQ_OK) return st;
  }
  if (a->has_corerep && b->has_corerep) {
    if (a->bond.prehc != b->bond.prehc || a->bond.lambdahc != b->bond.lambdahc)
      return pair_fail(r, a, b, err, "core-repulsion", "core-repulsion");
    if ((diff = inner_difference(a, b)) && strcmp(diff, "inner_cutoff_type"))
      return pair_fail(r, a, b, err, "inner cutoff", diff);
  } else if (a->has_corerep) {
    copy_core(a, b);
  } else if (b->has_corerep) {
    copy_core(b, a);
  }
  if ((diff = inner_difference(a, b)))
    return ace_ydoc_fail(&r->d, b->node, b->path, err, ACEUQ_ERR_MISMATCH,
                         "%s of '%s' differs from that of '%s' (line %zu); ML-PACE requires the bond of a pair to be "
                         "the same in both orders and copies r_in, delta_in and inner_cutoff_type from one block to "
                         "the other only together with core-repulsion: give them in both blocks",
                         diff, b->text, a->text, a->node->start_mark.line + 1);
  return ACEUQ_OK;
}

/* Move the bond of block bl into the model's (mu_i, mu_j) slot (copy for the
 * second slot of a one-order pair). */
static aceuq_status store_bond(reader *r, block *bl, int mu_i, int mu_j, int copy, aceuq_error *err)
{
  ace_bond *to = &r->m->bonds[mu_i * r->m->nelements + mu_j];
  if (copy) {
    *to = bl->bond;
    to->crad = NULL;
    aceuq_status st = copy_radial(r, &bl->bond, to, err);
    if (st != ACEUQ_OK) return st;
  } else {
    *to = bl->bond;
    bl->bond.crad = NULL;
  }
  to->defined = 1;
  return ACEUQ_OK;
}

static block *find_block(reader *r, int mu0, int mu1, int ndistinct)
{
  for (size_t b = 0; b < r->nblocks; ++b)
    if (r->blocks[b].ndistinct == ndistinct && r->blocks[b].mu0 == mu0 && r->blocks[b].mu1 == mu1)
      return &r->blocks[b];
  return NULL;
}

/* bonds of the model from the blocks; one inner cutoff type for all */
static aceuq_status resolve_bonds(reader *r, aceuq_error *err)
{
  aceuq_status st = ACEUQ_OK;
  const block *first = NULL;
  for (size_t b = 0; b < r->nblocks && st == ACEUQ_OK; ++b) {
    block *bl = &r->blocks[b];
    if (bl->ndistinct > 2) continue;
    if (bl->ndistinct == 2) {
      block *dual = find_block(r, bl->mu1, bl->mu0, 2);
      if (dual && dual < bl) continue; /* joined when the first of the two was visited */
      if (dual) {
        st = join_pair(r, bl, dual, err);
        if (st == ACEUQ_OK) st = store_bond(r, bl, bl->mu0, bl->mu1, 0, err);
        if (st == ACEUQ_OK) st = store_bond(r, dual, dual->mu0, dual->mu1, 0, err);
      } else if (bl->has_radial) {
        ace_ydoc_note(&r->d, bl->node, bl->path, "no block '%s %s': the bond of '%s' is used for %s-%s as well",
                      r->m->elements[bl->mu1], bl->sym[0], bl->text, r->m->elements[bl->mu1], bl->sym[0]);
        st = store_bond(r, bl, bl->mu0, bl->mu1, 1, err);
        if (st == ACEUQ_OK) st = store_bond(r, bl, bl->mu1, bl->mu0, 0, err);
      }
    } else if (bl->has_radial) {
      st = store_bond(r, bl, bl->mu0, bl->mu0, 0, err);
    }
  }
  /* ML-PACE: one inner cutoff type, the same in every 1- and 2-species block
   * (after the copies above; "density" where a block does not say) */
  for (size_t b = 0; b < r->nblocks && st == ACEUQ_OK; ++b) {
    const block *bl = &r->blocks[b];
    if (bl->ndistinct > 2) continue;
    if (!first) {
      first = bl;
      r->m->inner_cutoff_type = bl->ict;
    } else if (bl->ict != first->ict) {
      const yaml_node_t *n = ace_ymap_find(&r->d, bl->node, "inner_cutoff_type");
      st = ace_ydoc_fail(&r->d, n ? n : bl->node, bl->path, err, ACEUQ_ERR_MISMATCH,
                         "inner_cutoff_type '%s' of '%s' differs from '%s' of '%s' (line %zu); it must be the same "
                         "in all one- and two-species blocks (a block that does not give it means 'density')",
                         ace_inner_cutoff_name(bl->ict), bl->text, ace_inner_cutoff_name(first->ict), first->text,
                         first->node->start_mark.line + 1);
    }
  }
  return st;
}

/* Embedding keys outside the single-species block are not read by ML-PACE:
 * note each one whose value differs from the one used. */
static void note_foreign_embedding_keys(reader *r, const block *bl)
{
  ace_ydoc *d = &r->d;
  const ace_embedding *e = &r->m->embeddings[bl->mu0];
  const block *home = &r->blocks[r->embedding_block[bl->mu0]];
  char kpath[ACE_YPATH_MAX], text[64], used[64];
  aceuq_error ignore;
  for (const char *const *key = embedding_keys; *key; ++key) {
    yaml_node_t *n = ace_ymap_find(d, bl->node, *key);
    if (!n) continue;
    ace_ypath_key(kpath, bl->path, *key);
    int same = 0;
    if (!strcmp(*key, "ndensityi")) {
      int v;
      same = ace_ynode_int(d, n, kpath, &v, &ignore) == ACEUQ_OK && v == e->ndensity;
      snprintf(used, sizeof used, "%d", e->ndensity);
    } else if (!strcmp(*key, "npoti")) {
      same = ace_ynode_string(d, n, kpath, text, sizeof text, &ignore) == ACEUQ_OK &&
             !strcmp(text, ace_embedding_name(e->type));
      snprintf(used, sizeof used, "%s", ace_embedding_name(e->type));
    } else if (!strcmp(*key, "parameters")) {
      double *v = NULL;
      size_t len = 0;
      same = ace_ynode_doubles(d, n, kpath, 0, &v, &len, &ignore) == ACEUQ_OK && len == 2 * (size_t)e->ndensity;
      for (size_t i = 0; same && i < len; ++i) same = v[i] == e->params[i];
      free(v);
      snprintf(used, sizeof used, "the %d values given there", 2 * e->ndensity);
    } else {
      double v, want = !strcmp(*key, "rho_core_cut") ? e->rho_core_cut : e->drho_core_cut;
      same = ace_ynode_double(d, n, kpath, &v, &ignore) == ACEUQ_OK && v == want;
      snprintf(used, sizeof used, "%.17g", want);
    }
    if (!same)
      ace_ydoc_note(d, n, kpath, "ignored (its value differs from the one used): ML-PACE takes %s of %s from "
                    "its single-species block '%s' (line %zu): %s", *key, bl->sym[0], home->text,
                    home->node->start_mark.line + 1, used);
  }
}

static aceuq_status read_block_bodies(reader *r, aceuq_error *err)
{
  int ne = r->m->nelements;
  aceuq_status st = ACEUQ_OK;
  for (size_t b = 0; b < r->nblocks && st == ACEUQ_OK; ++b) st = read_block_parts(r, b, err);
  if (st != ACEUQ_OK) return st;
  for (int e = 0; e < ne; ++e)
    if (r->embedding_block[e] < 0)
      return ace_ydoc_fail(&r->d, r->blocks[0].node, "species", err, ACEUQ_ERR_FORMAT,
                           "element %s has no single-species block (speciesblock: %s) with its embedding",
                           r->m->elements[e], r->m->elements[e]);
  for (size_t b = 0; b < r->nblocks; ++b)
    if (r->blocks[b].ndistinct > 1) note_foreign_embedding_keys(r, &r->blocks[b]);
  return resolve_bonds(r, err);
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
  if (st == ACEUQ_OK) st = ace_ymap_note_unknown_keys(d, fn, path, nbody_keys, err);
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
    if (!block_has_symbol(bl, sym[t + 1]))
      return ace_ydoc_fail(d, tn, kpath, err, ACEUQ_ERR_MISMATCH, "element '%s' of '%s' is not one of the "
                           "block's species '%s'", sym[t + 1], text, bl->text);
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
  if (bl->ndistinct <= 2) { /* ML-PACE: a unary/binary block's functions (skipped ones too) fit the
                              * block's own radial basis, whatever the bonds of their other leaves allow */
    const ace_bond *bb = &m->bonds[bl->mu0 * ne + bl->mu1];
    for (int t = 0; t < f->rank; ++t) {
      const int nmax = f->rank == 1 ? bb->nradbase : bb->nradmax;
      if (f->ns[t] > nmax)
        return ace_ydoc_fail(d, in[0], np, err, ACEUQ_ERR_VALUE, "nr[%d] = %d is larger than %s = %d of the block "
                             "'%s' (ML-PACE requires the functions of a block to fit its radial basis)",
                             t, f->ns[t], f->rank == 1 ? "nradbaseij" : "nradmaxi", nmax, bl->text);
      if (f->rank > 1 && f->ls[t] > bb->lmax)
        return ace_ydoc_fail(d, in[1], lp, err, ACEUQ_ERR_VALUE, "nl[%d] = %d is larger than lmaxi = %d of the block "
                             "'%s' (ML-PACE requires the functions of a block to fit its radial basis)",
                             t, f->ls[t], bb->lmax, bl->text);
    }
    lmaxf = bb->lmax;
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
  if (st == ACEUQ_OK && ace_ymap_find(d, root, "functions") && !ace_ymap_find(d, root, "species"))
    return ace_ydoc_fail(d, root, "", err, ACEUQ_ERR_FORMAT,
                         "this is a basis specification (the input of aceuq fit), not a potential: fit it first");
  if (st == ACEUQ_OK) st = ace_ymap_note_unknown_keys(d, root, "", top_keys, err);
  if (st == ACEUQ_OK) st = ace_ymap_require(d, root, "", "global", YAML_MAPPING_NODE, &global, err);
  if (st == ACEUQ_OK) st = ace_ymap_note_unknown_keys(d, global, "global", global_keys, err);
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
  r.d.notes = &r.notes;
  st = read_document(&r, err);
  ace_ydoc_free(&r.d);
  for (size_t b = 0; r.blocks && b < r.nblocks; ++b) free(r.blocks[b].bond.crad);
  free(r.blocks);
  free(r.embedding_block);
  if (st != ACEUQ_OK) {
    ace_notes_free(&r.notes);
    ace_model_free(r.m);
    return st;
  }
  r.m->notes = r.notes;
  ace_model_publish(r.m, out);
  return ACEUQ_OK;
}

aceuq_status ace_model_read_yaml(const char *path, ace_model **out, aceuq_error *err)
{
  return ace_model_read_file_with(path, ace_model_read_yaml_buffer, out, err);
}
