/* ace_io_common.c -- names, allocation and radial coefficients shared by the
 * .yaml and .yace readers; ace_model_read dispatching by extension. */
#include "ace_io_internal.h"

#include "file_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const radbase_names[] = {"ChebExpCos", "ChebPow", "ChebLinear", "SBessel", "TEST_"};
static const char *const embedding_names[] = {"FinnisSinclair", "FinnisSinclairShiftedScaled"};
static const char *const inner_cutoff_names[] = {"density", "distance", "zbl"};

const char *ace_radbase_name(ace_radbase_type t)
{
  return (unsigned)t < 5 ? radbase_names[t] : "?";
}
const char *ace_embedding_name(ace_embedding_type t)
{
  return (unsigned)t < 2 ? embedding_names[t] : "?";
}
const char *ace_inner_cutoff_name(ace_inner_cutoff_type t)
{
  return (unsigned)t < 3 ? inner_cutoff_names[t] : "?";
}

int ace_radbase_parse(const char *name, ace_radbase_type *t)
{
  for (int i = 0; i < 4; ++i)
    if (!strcmp(name, radbase_names[i])) {
      *t = (ace_radbase_type)i;
      return 1;
    }
  if (!strcmp(name, "TEST_SBessel")) {
    *t = ACE_RADBASE_SBESSEL;
    return 1;
  }
  if (!strncmp(name, "TEST_", 5)) { /* ML-PACE: any other TEST_ name is a zero basis (for testing) */
    *t = ACE_RADBASE_TEST_ZERO;
    return 1;
  }
  return 0;
}

int ace_embedding_parse(const char *name, ace_embedding_type *t)
{
  for (int i = 0; i < 2; ++i)
    if (!strcmp(name, embedding_names[i])) {
      *t = (ace_embedding_type)i;
      return 1;
    }
  return 0;
}

int ace_inner_cutoff_parse(const char *name, ace_inner_cutoff_type *t)
{
  for (int i = 0; i < 3; ++i)
    if (!strcmp(name, inner_cutoff_names[i])) {
      *t = (ace_inner_cutoff_type)i;
      return 1;
    }
  return 0;
}

aceuq_status ace_model_alloc(const char *source, int nelements, ace_model **out, aceuq_error *err)
{
  *out = NULL;
  ace_model *m = calloc(1, sizeof *m);
  if (!m) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", source);
  size_t ne = (size_t)nelements;
  m->nelements = nelements;
  m->source = malloc(strlen(source) + 1);
  m->elements = calloc(ne, sizeof *m->elements);
  m->E0 = calloc(ne, sizeof *m->E0);
  m->embeddings = calloc(ne, sizeof *m->embeddings);
  m->bonds = calloc(ne * ne, sizeof *m->bonds);
  if (!m->source || !m->elements || !m->E0 || !m->embeddings || !m->bonds) {
    ace_model_free(m);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", source);
  }
  strcpy(m->source, source);
  m->inner_cutoff_type = ACE_INNER_CUTOFF_DENSITY;
  *out = m;
  return ACEUQ_OK;
}

aceuq_status ace_read_crad_nested(ace_ydoc *d, const yaml_node_t *n, const char *path, int nradmax, int lmax,
                                  int nradbase, double **crad, aceuq_error *err)
{
  const size_t dims[3] = {(size_t)nradmax, (size_t)lmax + 1, (size_t)nradbase};
  static const char *const dim_names[3] = {"n (nradmax)", "l (lmax+1)", "k (nradbase)"};
  size_t total = dims[0] * dims[1] * dims[2];
  double *c = calloc(total ? total : 1, sizeof *c);
  if (!c) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", d->name);
  aceuq_status st = ACEUQ_OK;
  /* level[1] = crad[n], level[2] = crad[n][l] */
  const yaml_node_t *level[3] = {n, NULL, NULL};
  char p0[ACE_YPATH_MAX], p1[ACE_YPATH_MAX], p2[ACE_YPATH_MAX];
  st = ace_ynode_expect(d, n, path, YAML_SEQUENCE_NODE, err);
  if (st == ACEUQ_OK && ace_yseq_size(n) != dims[0])
    st = ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_MISMATCH, "expected %zu entries along %s, got %zu", dims[0],
                       dim_names[0], ace_yseq_size(n));
  for (size_t i = 0; i < dims[0] && st == ACEUQ_OK; ++i) {
    level[1] = ace_yseq_item(d, n, i);
    ace_ypath_index(p0, path, i);
    st = ace_ynode_expect(d, level[1], p0, YAML_SEQUENCE_NODE, err);
    if (st == ACEUQ_OK && ace_yseq_size(level[1]) != dims[1])
      st = ace_ydoc_fail(d, level[1], p0, err, ACEUQ_ERR_MISMATCH, "expected %zu entries along %s, got %zu",
                         dims[1], dim_names[1], ace_yseq_size(level[1]));
    for (size_t l = 0; l < dims[1] && st == ACEUQ_OK; ++l) {
      level[2] = ace_yseq_item(d, level[1], l);
      ace_ypath_index(p1, p0, l);
      st = ace_ynode_expect(d, level[2], p1, YAML_SEQUENCE_NODE, err);
      if (st == ACEUQ_OK && ace_yseq_size(level[2]) != dims[2])
        st = ace_ydoc_fail(d, level[2], p1, err, ACEUQ_ERR_MISMATCH, "expected %zu entries along %s, got %zu",
                           dims[2], dim_names[2], ace_yseq_size(level[2]));
      for (size_t k = 0; k < dims[2] && st == ACEUQ_OK; ++k) {
        ace_ypath_index(p2, p1, k);
        st = ace_ynode_double(d, ace_yseq_item(d, level[2], k), p2, &c[(i * dims[1] + l) * dims[2] + k], err);
      }
    }
  }
  if (st != ACEUQ_OK) {
    free(c);
    return st;
  }
  *crad = c;
  return ACEUQ_OK;
}

aceuq_status ace_check_bond(const ace_ydoc *d, const yaml_node_t *node, const char *path, const ace_bond *b,
                            aceuq_error *err)
{
  const char *problem = NULL;
  if (b->nradmax < 0) problem = "nradmax must be >= 0";
  else if (b->lmax < 0) problem = "lmax must be >= 0";
  else if (b->nradbase < 1) problem = "nradbase must be >= 1";
  else if (b->nradmax > 1000 || b->lmax > 100 || b->nradbase > 10000) problem = "nradmax, lmax or nradbase is unreasonably large";
  else if (!(b->rcut > 0)) problem = "the cutoff must be > 0";
  else if (!(b->dcut >= 0)) problem = "the cutoff smoothing width must be >= 0";
  else if (!(b->r_in >= 0) || !(b->delta_in >= 0)) problem = "the inner cutoff r_in and its width must be >= 0";
  if (problem) return ace_ydoc_fail(d, node, path, err, ACEUQ_ERR_VALUE, "%s", problem);
  return ACEUQ_OK;
}

void ace_model_publish(ace_model *m, ace_model **out)
{
  ace_model_finalize(m);
  *out = m;
}

aceuq_status ace_model_read_file_with(const char *path, ace_buffer_reader read, ace_model **out, aceuq_error *err)
{
  char *text;
  size_t size;
  *out = NULL;
  aceuq_status st = aceuq_file_read_all(path, &text, &size, err);
  if (st != ACEUQ_OK) return st;
  st = read(text, size, path, out, err);
  free(text);
  return st;
}

static int has_suffix(const char *s, const char *suffix)
{
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcmp(s + n - k, suffix);
}

aceuq_status ace_model_read(const char *path, ace_model **out, aceuq_error *err)
{
  *out = NULL;
  if (has_suffix(path, ".yaml") || has_suffix(path, ".yml")) return ace_model_read_yaml(path, out, err);
  if (has_suffix(path, ".yace")) return ace_model_read_yace(path, out, err);
  return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                         "%s: unknown potential format (expected a pacemaker .yaml/.yml or an ML-PACE .yace file)",
                         path);
}
