/* ace_spec.c -- a basis specification (the input of `aceuq fit`,
 * docs/basis_spec.md) -> a B-basis model with zero coefficients.
 *
 * The model is what pacemaker writes for a linear ACE potential: one density
 * per element with F(rho) = rho (FinnisSinclairShiftedScaled [1, 1]), every
 * ordered element pair with the same radial basis, crad[n][l][k] = delta_nk
 * (R_nl = g_n: the fit sees the raw radial functions), and the B-functions
 *   rank 1:  (mu, n, 0) for n <= nmax[0]                     (sum_j g_n(r_ij))
 *   rank r:  every multiset of r labels (mu, n, l), n <= nmax[r-1],
 *            l <= lmax[r-1], sum l even (and sum(n + l) <= degree[r-1] if
 *            given), with every independent coupling of
 *            ace_independent_couplings (linearly dependent ones dropped).
 * Canonical order per central element: rank, then the neighbour species,
 * then n, then l (as tuples), then the intermediate couplings; inside a
 * function the labels are sorted by (mu, n, l). */
#include "ace_spec.h"

#include "ace_cg.h"
#include "ace_core_repulsion.h"
#include "ace_enumerate.h"
#include "ace_io_internal.h"
#include "error_internal.h"
#include "file_internal.h"

#include <stdlib.h>
#include <string.h>

#define SPEC_MAX_ELEMENTS 16
#define SPEC_MAX_FUNCTIONS 200000 /* per element: far beyond what a linear fit can use */
#define SPEC_MAX_COUPLINGS 512
#define SPEC_MAX_MULTISETS 1e6 /* label multisets examined per rank (seconds of enumeration) */

typedef struct spec {
  int nelem;
  char elements[SPEC_MAX_ELEMENTS][ACE_MAX_ELEMENT_NAME];
  double rcut, dcut, lambda, dsb;
  ace_radbase_type radbase;
  int nradbase;                 /* 0: max of nmax */
  int nranks;                   /* functions of rank 1..nranks */
  int nmax[ACE_MAX_RANK], lmax[ACE_MAX_RANK], degree[ACE_MAX_RANK];
  int has_degree;
  ace_inner_cutoff_type inner_type;
  double r_in, delta_in, prehc, lambdahc;
} spec;

static const char *const top_keys[] = {"elements", "cutoff", "radial", "functions", "inner_cutoff",
                                       "core_repulsion", "delta_spline_bins", "comment", NULL};
static const char *const radial_keys[] = {"basis", "lambda", "dcut", "nradbase", NULL};
static const char *const function_keys[] = {"nmax", "lmax", "degree", NULL};
static const char *const inner_keys[] = {"type", "r_in", "delta_in", NULL};

int ace_spec_detect(const char *text, size_t size)
{
  ace_ydoc d;
  aceuq_error err;
  aceuq_error_clear(&err);
  if (ace_ydoc_load(&d, text, size, "", &err) != ACEUQ_OK) return 0;
  yaml_node_t *root = ace_ydoc_root(&d);
  const int is = root && root->type == YAML_MAPPING_NODE && ace_ymap_find(&d, root, "functions") &&
                 !ace_ymap_find(&d, root, "species");
  ace_ydoc_free(&d);
  return is;
}

static aceuq_status read_elements(ace_ydoc *d, yaml_node_t *root, spec *s, aceuq_error *err)
{
  yaml_node_t *n;
  aceuq_status st = ace_ymap_require(d, root, "", "elements", YAML_SEQUENCE_NODE, &n, err);
  if (st) return st;
  const size_t count = ace_yseq_size(n);
  if (count == 0 || count > SPEC_MAX_ELEMENTS)
    return ace_ydoc_fail(d, n, "elements", err, ACEUQ_ERR_VALUE, "expected 1 to %d element symbols, got %zu",
                         SPEC_MAX_ELEMENTS, count);
  for (size_t i = 0; i < count; ++i) {
    char path[ACE_YPATH_MAX];
    ace_ypath_index(path, "elements", i);
    yaml_node_t *item = ace_yseq_item(d, n, i);
    st = ace_ynode_string(d, item, path, s->elements[i], ACE_MAX_ELEMENT_NAME, err);
    if (st) return st;
    if (ace_atomic_number(s->elements[i]) == 0)
      return ace_ydoc_fail(d, item, path, err, ACEUQ_ERR_VALUE, "unknown element '%s' (a symbol such as Cu, Ni, Si)",
                           s->elements[i]);
    for (size_t j = 0; j < i; ++j)
      if (!strcmp(s->elements[i], s->elements[j]))
        return ace_ydoc_fail(d, item, path, err, ACEUQ_ERR_VALUE, "element '%s' is listed twice", s->elements[i]);
  }
  s->nelem = (int)count;
  /* species order of every model: ASCII-sorted symbols */
  qsort(s->elements, count, sizeof s->elements[0], (int (*)(const void *, const void *))strcmp);
  return ACEUQ_OK;
}

static aceuq_status read_radial(ace_ydoc *d, yaml_node_t *root, spec *s, aceuq_error *err)
{
  s->radbase = ACE_RADBASE_SBESSEL;
  s->lambda = 5.25;
  s->dcut = 0.01;
  aceuq_status st = ace_ymap_double(d, root, "", "cutoff", 1, &s->rcut, err);
  if (!st && !(s->rcut > 0 && s->rcut < 100))
    st = ace_ydoc_fail(d, ace_ymap_find(d, root, "cutoff"), "cutoff", err, ACEUQ_ERR_VALUE,
                       "must be between 0 and 100 Angstrom (got %g)", s->rcut);
  yaml_node_t *rad = ace_ymap_find(d, root, "radial");
  if (st || !rad) return st;
  st = ace_ynode_expect(d, rad, "radial", YAML_MAPPING_NODE, err);
  if (!st) st = ace_ymap_check_keys(d, rad, "radial", radial_keys, err);
  char name[64] = "SBessel";
  if (!st) st = ace_ymap_string(d, rad, "radial", "basis", 0, name, sizeof name, err);
  if (!st && (!ace_radbase_parse(name, &s->radbase) || s->radbase == ACE_RADBASE_TEST_ZERO))
    st = ace_ydoc_fail(d, ace_ymap_find(d, rad, "basis"), "radial.basis", err, ACEUQ_ERR_VALUE,
                       "unknown radial basis '%s' (expected SBessel, ChebExpCos, ChebPow or ChebLinear)", name);
  if (!st) st = ace_ymap_double(d, rad, "radial", "lambda", 0, &s->lambda, err);
  if (!st) st = ace_ymap_double(d, rad, "radial", "dcut", 0, &s->dcut, err);
  if (!st) st = ace_ymap_int(d, rad, "radial", "nradbase", 0, &s->nradbase, err);
  if (!st && !(s->dcut >= 0 && s->dcut < s->rcut))
    st = ace_ydoc_fail(d, ace_ymap_find(d, rad, "dcut"), "radial.dcut", err, ACEUQ_ERR_VALUE,
                       "must be >= 0 and below the cutoff (got %g)", s->dcut);
  if (!st && s->nradbase < 0)
    st = ace_ydoc_fail(d, ace_ymap_find(d, rad, "nradbase"), "radial.nradbase", err, ACEUQ_ERR_VALUE,
                       "must be >= 1 (got %d)", s->nradbase);
  return st;
}

/* one per-rank list of functions.* (length nranks once known) */
static aceuq_status read_rank_list(ace_ydoc *d, yaml_node_t *fn, const char *key, int required, int *v, spec *s,
                                   int *present, aceuq_error *err)
{
  char path[ACE_YPATH_MAX];
  ace_ypath_key(path, "functions", key);
  yaml_node_t *n = ace_ymap_find(d, fn, key);
  *present = n != NULL;
  if (!n) return required ? ace_ydoc_fail(d, fn, "functions", err, ACEUQ_ERR_FORMAT, "missing required key '%s'",
                                          key)
                          : ACEUQ_OK;
  size_t len;
  aceuq_status st = ace_ynode_ints(d, n, path, v, ACE_MAX_RANK - 1, &len, err);
  if (st) return st;
  if (len == 0)
    return ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_VALUE, "expected one value per rank (1 to %d), got none",
                         ACE_MAX_RANK - 1);
  if (!s->nranks) s->nranks = (int)len;
  else if ((int)len != s->nranks)
    return ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_MISMATCH, "%zu values, but functions.nmax has %d (one per rank)",
                         len, s->nranks);
  for (size_t i = 0; i < len; ++i)
    if (v[i] < 0 || v[i] > 64) {
      char ip[ACE_YPATH_MAX];
      ace_ypath_index(ip, path, i);
      return ace_ydoc_fail(d, ace_yseq_item(d, n, i), ip, err, ACEUQ_ERR_VALUE, "must be between 0 and 64 (got %d)",
                           v[i]);
    }
  return ACEUQ_OK;
}

static aceuq_status read_functions(ace_ydoc *d, yaml_node_t *root, spec *s, aceuq_error *err)
{
  yaml_node_t *fn;
  int present;
  aceuq_status st = ace_ymap_require(d, root, "", "functions", YAML_MAPPING_NODE, &fn, err);
  if (!st) st = ace_ymap_check_keys(d, fn, "functions", function_keys, err);
  if (!st) st = read_rank_list(d, fn, "nmax", 1, s->nmax, s, &present, err);
  if (!st) st = read_rank_list(d, fn, "lmax", 1, s->lmax, s, &present, err);
  if (!st) st = read_rank_list(d, fn, "degree", 0, s->degree, s, &s->has_degree, err);
  if (st) return st;
  if (s->lmax[0] != 0)
    return ace_ydoc_fail(d, ace_ymap_find(d, fn, "lmax"), "functions.lmax[0]", err, ACEUQ_ERR_VALUE,
                         "rank-1 functions are radial only: lmax[0] must be 0 (got %d)", s->lmax[0]);
  for (int r = 1; r < s->nranks; ++r)
    if (s->lmax[r] * (r + 1) > ACE_CG_MAX_JSUM / 2)
      return ace_ydoc_fail(d, ace_ymap_find(d, fn, "lmax"), "functions.lmax", err, ACEUQ_ERR_VALUE,
                           "lmax %d at rank %d is too large", s->lmax[r], r + 1);
  int nrad = s->nmax[0];
  for (int r = 1; r < s->nranks; ++r) nrad = s->nmax[r] > nrad ? s->nmax[r] : nrad;
  if (nrad == 0)
    return ace_ydoc_fail(d, fn, "functions.nmax", err, ACEUQ_ERR_VALUE, "every nmax is 0: no functions");
  if (!s->nradbase) s->nradbase = nrad;
  for (int r = 0; r < s->nranks; ++r)
    if (s->nmax[r] > s->nradbase)
      return ace_ydoc_fail(d, fn, "functions.nmax", err, ACEUQ_ERR_VALUE,
                           "nmax %d at rank %d exceeds radial.nradbase %d", s->nmax[r], r + 1, s->nradbase);
  return ACEUQ_OK;
}

static aceuq_status read_inner(ace_ydoc *d, yaml_node_t *root, spec *s, aceuq_error *err)
{
  s->inner_type = ACE_INNER_CUTOFF_DENSITY; /* without inner_cutoff: none (rho_core_cut is never reached) */
  s->dsb = 0.001;
  aceuq_status st = ace_ymap_double(d, root, "", "delta_spline_bins", 0, &s->dsb, err);
  if (!st && !(s->dsb > 0 && s->dsb <= 0.1))
    return ace_ydoc_fail(d, ace_ymap_find(d, root, "delta_spline_bins"), "delta_spline_bins", err, ACEUQ_ERR_VALUE,
                         "must be in (0, 0.1] Angstrom (got %g)", s->dsb);
  yaml_node_t *in = ace_ymap_find(d, root, "inner_cutoff");
  if (!st && in) {
    st = ace_ynode_expect(d, in, "inner_cutoff", YAML_MAPPING_NODE, err);
    if (!st) st = ace_ymap_check_keys(d, in, "inner_cutoff", inner_keys, err);
    char name[32] = "distance";
    if (!st) st = ace_ymap_string(d, in, "inner_cutoff", "type", 0, name, sizeof name, err);
    if (!st && !ace_inner_cutoff_parse(name, &s->inner_type))
      st = ace_ydoc_fail(d, ace_ymap_find(d, in, "type"), "inner_cutoff.type", err, ACEUQ_ERR_VALUE,
                         "unknown inner cutoff '%s' (expected distance, density or zbl)", name);
    if (!st) st = ace_ymap_double(d, in, "inner_cutoff", "r_in", 1, &s->r_in, err);
    if (!st) st = ace_ymap_double(d, in, "inner_cutoff", "delta_in", 1, &s->delta_in, err);
    if (!st && !(s->r_in >= 0 && s->delta_in >= 0 && s->r_in + s->delta_in < s->rcut))
      st = ace_ydoc_fail(d, in, "inner_cutoff", err, ACEUQ_ERR_VALUE,
                         "needs r_in >= 0, delta_in >= 0 and r_in + delta_in below the cutoff");
  }
  yaml_node_t *core = ace_ymap_find(d, root, "core_repulsion");
  if (!st && core) {
    double *v = NULL;
    size_t nv = 0;
    st = ace_ynode_doubles(d, core, "core_repulsion", 0, &v, &nv, err);
    if (!st && nv != 2)
      st = ace_ydoc_fail(d, core, "core_repulsion", err, ACEUQ_ERR_MISMATCH,
                         "expected [prefactor, lambda] (2 numbers), got %zu", nv);
    if (!st && !(v[0] >= 0 && v[1] >= 0))
      st = ace_ydoc_fail(d, core, "core_repulsion", err, ACEUQ_ERR_VALUE, "prefactor and lambda must be >= 0");
    if (!st) s->prehc = v[0], s->lambdahc = v[1];
    free(v);
  }
  return st;
}

/* ---- enumeration ------------------------------------------------------------ */

typedef struct func_list {
  ace_bfunc *f;
  size_t n, cap;
} func_list;

static aceuq_status push_function(func_list *fl, int mu0, int rank, const ace_label *lab, const int *lint,
                                  const char *name, aceuq_error *err)
{
  if (fl->n == SPEC_MAX_FUNCTIONS)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: more than %d functions per element: reduce nmax / lmax", name,
                           SPEC_MAX_FUNCTIONS);
  if (fl->n == fl->cap) {
    size_t nc = fl->cap ? 2 * fl->cap : 256;
    ace_bfunc *g = realloc(fl->f, nc * sizeof *g);
    if (!g) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", name);
    fl->f = g;
    fl->cap = nc;
  }
  ace_bfunc *f = &fl->f[fl->n];
  memset(f, 0, sizeof *f);
  f->coeffs = calloc(1, sizeof *f->coeffs);
  if (!f->coeffs) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", name);
  f->rank = rank;
  f->mu0 = mu0;
  for (int t = 0; t < rank; ++t) {
    f->mus[t] = lab[t].mu;
    f->ns[t] = lab[t].n;
    f->ls[t] = lab[t].l;
  }
  f->nlint = rank > 2 ? rank - 2 : 0;
  for (int t = 0; t < f->nlint; ++t) f->lint[t] = lint[t];
  ++fl->n;
  return ACEUQ_OK;
}

static int cmp_ints(const int *a, const int *b, int n)
{
  for (int i = 0; i < n; ++i)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

static int cmp_functions(const void *pa, const void *pb)
{
  const ace_bfunc *a = pa, *b = pb;
  int c;
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  if ((c = cmp_ints(a->mus, b->mus, a->rank))) return c;
  if ((c = cmp_ints(a->ns, b->ns, a->rank))) return c;
  if ((c = cmp_ints(a->ls, b->ls, a->rank))) return c;
  return cmp_ints(a->lint, b->lint, a->nlint);
}

/* can the ls couple to 0 at all?  (the largest must not exceed the sum of the others) */
static int ls_admissible(const ace_label *lab, int rank)
{
  int sum = 0, max = 0;
  for (int t = 0; t < rank; ++t) {
    sum += lab[t].l;
    if (lab[t].l > max) max = lab[t].l;
  }
  return sum % 2 == 0 && 2 * max <= sum;
}

static aceuq_status enumerate_rank(const spec *s, int mu0, int rank, ace_cg_cache *cg, func_list *fl,
                                   const char *name, aceuq_error *err)
{
  const int nmax = s->nmax[rank - 1], lmax = s->lmax[rank - 1];
  if (nmax == 0) return ACEUQ_OK;
  const int nlab = s->nelem * nmax * (lmax + 1);
  ace_label *labels = malloc((size_t)nlab * sizeof *labels);
  if (!labels) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", name);
  for (int i = 0; i < nlab; ++i) { /* ordered by (mu, n, l) */
    labels[i].mu = i / (nmax * (lmax + 1));
    labels[i].n = 1 + i / (lmax + 1) % nmax;
    labels[i].l = i % (lmax + 1);
  }
  int (*li)[ACE_MAX_RANK] = malloc(SPEC_MAX_COUPLINGS * sizeof *li);
  aceuq_status st = li ? ACEUQ_OK : aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", name);
  int idx[ACE_MAX_RANK] = {0};
  while (!st) { /* every non-decreasing index sequence = every multiset */
    ace_label lab[ACE_MAX_RANK];
    int deg = 0;
    for (int t = 0; t < rank; ++t) {
      lab[t] = labels[idx[t]];
      deg += lab[t].n + lab[t].l;
    }
    if (!s->has_degree || deg <= s->degree[rank - 1]) {
      if (rank == 1) {
        st = push_function(fl, mu0, 1, lab, NULL, name, err);
      } else if (ls_admissible(lab, rank)) {
        int count = 0;
        st = ace_independent_couplings(rank, lab, cg, li, SPEC_MAX_COUPLINGS, &count, err);
        for (int c = 0; !st && c < count; ++c) st = push_function(fl, mu0, rank, lab, li[c], name, err);
      }
    }
    int t = rank - 1;
    while (t >= 0 && idx[t] == nlab - 1) --t;
    if (t < 0) break;
    ++idx[t];
    for (int u = t + 1; u < rank; ++u) idx[u] = idx[t];
  }
  free(li);
  free(labels);
  return st;
}

static aceuq_status build_model(const spec *s, const char *name, ace_model **out, aceuq_error *err)
{
  ace_model *m = NULL;
  aceuq_status st = ace_model_alloc(name, s->nelem, &m, err);
  if (st) return st;
  const int ne = s->nelem;
  memcpy(m->elements, s->elements, (size_t)ne * sizeof s->elements[0]);
  m->delta_spline_bins = s->dsb;
  m->inner_cutoff_type = s->inner_type;
  m->nbfuncs = calloc((size_t)ne, sizeof *m->nbfuncs);
  m->bfuncs = calloc((size_t)ne, sizeof *m->bfuncs);
  if (!m->nbfuncs || !m->bfuncs) st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", name);
  int nradmax = 0, lmax = 0, jmax = 1;
  for (int r = 1; r < s->nranks; ++r) {
    if (s->nmax[r] > nradmax) nradmax = s->nmax[r];
    if (s->nmax[r] && s->lmax[r] > lmax) lmax = s->lmax[r];
    if (s->nmax[r] && (r + 1) * s->lmax[r] > jmax) jmax = (r + 1) * s->lmax[r];
  }
  for (int e = 0; !st && e < ne; ++e) {
    ace_embedding *emb = &m->embeddings[e];
    emb->ndensity = 1;
    emb->type = ACE_EMBEDDING_FINNIS_SINCLAIR_SHIFTED_SCALED;
    emb->rho_core_cut = 100000.0;
    emb->drho_core_cut = 250.0;
    emb->params = malloc(2 * sizeof *emb->params);
    if (!emb->params) st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", name);
    else emb->params[0] = emb->params[1] = 1.0;
    for (int o = 0; !st && o < ne; ++o) {
      ace_bond *b = &m->bonds[e * ne + o];
      b->defined = 1;
      b->radbase = s->radbase;
      b->lambda = s->lambda;
      b->rcut = s->rcut;
      b->dcut = s->dcut;
      b->nradmax = nradmax;
      b->lmax = lmax;
      b->nradbase = s->nradbase;
      b->prehc = s->prehc;
      b->lambdahc = s->lambdahc;
      b->r_in = s->r_in;
      b->delta_in = s->delta_in;
      const size_t nc = (size_t)nradmax * (size_t)(lmax + 1) * (size_t)s->nradbase;
      b->crad = calloc(nc ? nc : 1, sizeof *b->crad);
      if (!b->crad) st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", name);
      for (int n = 0; !st && n < nradmax; ++n) /* R_nl = g_n */
        for (int l = 0; l <= lmax; ++l) b->crad[((size_t)n * (lmax + 1) + l) * s->nradbase + n] = 1.0;
    }
  }
  /* the enumeration visits every multiset of labels: C(nlab + r - 1, r) per rank */
  for (int r = 1; !st && r <= s->nranks; ++r) {
    const double nlab = (double)ne * s->nmax[r - 1] * (s->lmax[r - 1] + 1);
    double multisets = 1.0;
    for (int t = 0; t < r; ++t) multisets *= (nlab + t) / (t + 1);
    if (multisets > SPEC_MAX_MULTISETS)
      st = aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "%s: functions: rank %d has %.3g label combinations to examine (at most %g): reduce "
                           "nmax / lmax at that rank",
                           name, r, multisets, SPEC_MAX_MULTISETS);
  }
  ace_cg_cache *cg = NULL;
  if (!st) st = ace_cg_cache_create(jmax, &cg, err);
  for (int e = 0; !st && e < ne; ++e) {
    func_list fl = {NULL, 0, 0};
    for (int r = 1; !st && r <= s->nranks; ++r) st = enumerate_rank(s, e, r, cg, &fl, name, err);
    if (!st) qsort(fl.f, fl.n, sizeof *fl.f, cmp_functions);
    m->bfuncs[e] = fl.f; /* owned by the model from here, also on failure */
    m->nbfuncs[e] = fl.n;
  }
  ace_cg_cache_free(cg);
  if (st) {
    ace_model_free(m);
    return st;
  }
  ace_model_publish(m, out);
  return ACEUQ_OK;
}

aceuq_status ace_model_read_spec_buffer(const char *text, size_t size, const char *name, ace_model **out,
                                        aceuq_error *err)
{
  *out = NULL;
  ace_ydoc d;
  aceuq_status st = ace_ydoc_load(&d, text, size, name, err);
  if (st) return st;
  spec s;
  memset(&s, 0, sizeof s);
  yaml_node_t *root = ace_ydoc_root(&d);
  st = ace_ynode_expect(&d, root, "", YAML_MAPPING_NODE, err);
  if (!st) st = ace_ymap_check_keys(&d, root, "", top_keys, err);
  if (!st) st = read_elements(&d, root, &s, err);
  if (!st) st = read_radial(&d, root, &s, err);
  if (!st) st = read_functions(&d, root, &s, err);
  if (!st) st = read_inner(&d, root, &s, err);
  ace_ydoc_free(&d);
  if (!st) st = build_model(&s, name, out, err);
  return st;
}

aceuq_status ace_model_read_spec(const char *path, ace_model **out, aceuq_error *err)
{
  return ace_model_read_file_with(path, ace_model_read_spec_buffer, out, err);
}

aceuq_status ace_model_read_basis(const char *path, ace_model **out, aceuq_error *err)
{
  *out = NULL;
  char *text;
  size_t size;
  aceuq_status st = aceuq_file_read_all(path, &text, &size, err);
  if (st) return st;
  const int is_spec = ace_spec_detect(text, size);
  if (is_spec) st = ace_model_read_spec_buffer(text, size, path, out, err);
  free(text);
  return is_spec ? st : ace_model_read(path, out, err);
}
