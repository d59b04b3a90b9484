/* cmd_activeset.c -- `aceuq activeset pot.yaml train1.xyz [train2.xyz ...]
 * -o pot.asi [--nonlinear] [--tol 1.01] [--max-iters 300] [--rank-rtol 1e-6]
 * [--batch N] [--refinements 5] [--env-table FILE] [--local K|auto]
 * [--seed 12345] [--threads 1]`: a D-optimality active
 * set (.asi) from the projections of every atom of every frame of the
 * training files, one matrix per element (aceuq_activeset_select: explicit
 * numerical rank, well-conditioned inverse).
 *
 * Without --batch the projections of all environments are held in memory
 * (n x K doubles per element).  With --batch N the files are streamed (each
 * file is read, one at a time, once per pass) through the streaming builder
 * in batches of N environments per element: pass 1 statistics, pass 2
 * candidates, up to --refinements refinement passes (until no environment has
 * gamma > tol), and a last pass for the grades with the written matrix; the
 * memory is O(K^2 + N K) per element plus one file's frames.
 *
 * Environments are numbered per element in the order file, frame, atom.  The
 * report (stdout) gives per element the environments, K, zero-variance
 * columns, numerical rank, selected rows, MaxVol swaps and final max|C|, the
 * max gamma over all training environments recomputed with the written file,
 * and the condition number of the selected (column-scaled) block; then the
 * peak memory (ru_maxrss).  --env-table FILE writes one line per environment:
 * element, file, frame, atom (0-based), gamma, selected (0/1).
 *
 * --local K|auto (in memory only) also writes a clustering-enhanced local
 * active set, <output without .asi>.asil (docs/asil_format.md): per element
 * aceuq_localset_build on its projections with K clusters (auto: the
 * silhouette rule, 0 to the library) and k-means seed --seed; the .asi is
 * then the builder's global active set (the same aceuq_activeset_select call
 * as without --local).  The .asil is read back, every training environment
 * is assigned and graded with it (gamma_local, cluster inverse), and the
 * report adds per element the clusters (k-means' k, dissolved, silhouettes)
 * and per cluster environments, rank, selected rows, max gamma_local of its
 * training environments and condition number.
 *
 * BLAS runs on --threads threads (default 1, whatever OPENBLAS_NUM_THREADS
 * or the machine's core count say), so that a given command line writes the
 * same file on every machine; the report names the number.
 *
 * Reordering the atoms of a frame changes the selection (in memory) only
 * through exact ties, i.e. environments whose projections are equal to the
 * last bit (see aceuq_activeset_select); the streaming selection depends on
 * the batch boundaries and is not order-independent (gamma <= tol holds for
 * both when converged). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static void usage(void)
{
  fprintf(stderr, "usage: aceuq activeset pot.yaml train.xyz [train2.xyz ...] -o pot.asi [--nonlinear] "
                  "[--tol 1.01] [--max-iters 300] [--rank-rtol 1e-6] [--batch N] [--refinements 5] "
                  "[--env-table FILE] [--local K|auto] [--seed 12345] [--threads 1]\n");
}

typedef struct origin {
  int file;
  size_t frame, atom;
} origin;

typedef struct element_state {
  size_t K;
  double *rows; /* cap x K */
  origin *from; /* cap */
  size_t n, cap;
  size_t count; /* environments delivered in this pass before rows[0] */
  /* selection */
  aceuq_activeset_builder *builder;
  double *Ainv;
  size_t *selected;
  aceuq_activeset_report report;
  int converged;
  double gamma_max; /* with the written matrix */
  size_t total;     /* environments (pass 1 / in memory) */
  /* --local */
  aceuq_localset_result local;
  double *local_gamma_max; /* per cluster, recomputed with the written .asil */
  size_t local_moved;      /* rows the written .asil assigns to another cluster than the builder */
} element_state;

typedef enum pass_kind { PASS_COLLECT, PASS_STATISTICS, PASS_CANDIDATES, PASS_REFINE, PASS_GRADES } pass_kind;

typedef struct run {
  const aceuq_potential *pot;
  aceuq_projection_kind kind;
  int nel;
  char **files;
  int nfiles;
  size_t batch; /* 0: in memory */
  int local;    /* --local given */
  size_t local_k; /* clusters, 0: auto */
  unsigned long long seed;
  int need_selected; /* --env-table: the selected rows are needed (also with --local) */
  element_state *el;
  unsigned char *want; /* elements evaluated in this pass */
  pass_kind pass;
  const aceuq_activeset *as; /* PASS_GRADES */
  aceuq_uq_engine *eng;      /* the grades with the written files (the core's uncertainty engine) */
  double *gamma;             /* batch */
  int *cluster;              /* batch */
  FILE *table;
  aceuq_workspace *ws;
  int *mu_j;
  double *rij;
  size_t nb_cap;
} run;

static double seconds(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double peak_mb(void)
{
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_maxrss / 1024.0; /* kB on Linux */
}

static int is_selected(const element_state *e, size_t index)
{
  size_t lo = 0, hi = e->report.rank;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (e->selected[mid] == index) return 1;
    if (e->selected[mid] < index) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}

static int write_table(run *R, int mu, const double *gamma, const origin *from, size_t n, size_t first)
{
  const element_state *e = &R->el[mu];
  for (size_t i = 0; i < n; ++i)
    if (fprintf(R->table, "%s\t%s\t%zu\t%zu\t%.17g\t%d\n", aceuq_potential_element(R->pot, mu),
                R->files[from[i].file], from[i].frame, from[i].atom, gamma[i], is_selected(e, first + i)) < 0) {
      fprintf(stderr, "aceuq: cannot write the environment table: %s\n", strerror(errno));
      return 1;
    }
  return 0;
}

/* max gamma of rows with the written matrix of element mu (+ table) */
static int grade_rows(run *R, int mu, const double *rows, const origin *from, size_t n, size_t first)
{
  element_state *e = &R->el[mu];
  aceuq_error err;
  aceuq_error_clear(&err);
  const size_t chunk = 4096;
  for (size_t i0 = 0; i0 < n; i0 += chunk) {
    const size_t m = n - i0 < chunk ? n - i0 : chunk;
    const aceuq_uq_block out = {R->gamma, NULL, NULL, NULL, NULL, NULL};
    if (aceuq_uq_evaluate(R->eng, mu, m, rows + i0 * e->K, &out, &err) != ACEUQ_OK) return cli_report("grades", &err);
    for (size_t i = 0; i < m; ++i)
      if (!(R->gamma[i] <= e->gamma_max)) e->gamma_max = R->gamma[i];
    if (R->table && write_table(R, mu, R->gamma, from + i0, m, first + i0)) return 1;
  }
  return 0;
}

/* hand the buffered rows of element mu to the pass */
static int flush(run *R, int mu)
{
  element_state *e = &R->el[mu];
  if (e->n == 0) return 0;
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_status st = ACEUQ_OK;
  switch (R->pass) {
  case PASS_COLLECT: return 0; /* keep everything */
  case PASS_STATISTICS: st = aceuq_activeset_builder_add_statistics(e->builder, e->rows, e->n, &err); break;
  case PASS_CANDIDATES:
    st = aceuq_activeset_builder_add_candidates(e->builder, e->rows, e->n, e->count, &err);
    break;
  case PASS_REFINE: st = aceuq_activeset_builder_refine(e->builder, e->rows, e->n, e->count, &err); break;
  case PASS_GRADES:
    if (grade_rows(R, mu, e->rows, e->from, e->n, e->count)) return 1;
    break;
  }
  if (st) {
    char ctx[64];
    snprintf(ctx, sizeof ctx, "element %s", aceuq_potential_element(R->pot, mu));
    return cli_report(ctx, &err);
  }
  e->count += e->n;
  e->n = 0;
  return 0;
}

/* room for one more row of element mu */
static int reserve(run *R, int mu)
{
  element_state *e = &R->el[mu];
  if (e->n < e->cap) return 0;
  size_t cap = e->cap ? 2 * e->cap : 1024;
  double *rows = realloc(e->rows, cap * e->K * sizeof *rows);
  if (rows) e->rows = rows;
  origin *from = realloc(e->from, cap * sizeof *from);
  if (from) e->from = from;
  if (!rows || !from) {
    fprintf(stderr, "aceuq: out of memory (%zu environments of %zu projections)\n", cap, e->K);
    return 1;
  }
  e->cap = cap;
  return 0;
}

static int frame_environments(run *R, int file, size_t fi, const aceuq_frame *f)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  int *mu = malloc((f->natoms ? f->natoms : 1) * sizeof *mu);
  int rc = 1, any = 0;
  aceuq_neighbor_list *nl = NULL;
  if (!mu) {
    fprintf(stderr, "aceuq: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < f->natoms; ++i) {
    mu[i] = aceuq_potential_element_index(R->pot, f->species[i]);
    if (mu[i] < 0) {
      fprintf(stderr, "aceuq: %s: frame %zu (line %zu), atom %zu is %s, which the potential does not have\n",
              R->files[file], fi, f->line, i, f->species[i]);
      goto done;
    }
    any |= R->want[mu[i]];
  }
  if (!any) {
    rc = 0;
    goto done;
  }
  int pbc[3] = {0, 0, 0};
  if (f->has_cell) memcpy(pbc, f->pbc, sizeof pbc);
  if (aceuq_neighbor_list_build(f->natoms, f->positions, f->has_cell ? f->cell : NULL, pbc,
                                aceuq_potential_cutoff(R->pot, -1, -1), &nl, &err) != ACEUQ_OK) {
    char ctx[600];
    snprintf(ctx, sizeof ctx, "%s: frame %zu: neighbours", R->files[file], fi);
    cli_report(ctx, &err);
    goto done;
  }
  for (size_t i = 0; i < f->natoms; ++i) {
    if (!R->want[mu[i]]) continue;
    const size_t *index;
    const double *disp;
    const size_t nb = aceuq_neighbor_list_get(nl, i, &index, &disp, NULL);
    if (nb > R->nb_cap) {
      int *a = realloc(R->mu_j, nb * sizeof *a);
      if (a) R->mu_j = a;
      double *b = realloc(R->rij, 3 * nb * sizeof *b);
      if (b) R->rij = b;
      if (!a || !b) {
        fprintf(stderr, "aceuq: out of memory\n");
        goto done;
      }
      R->nb_cap = nb;
    }
    for (size_t k = 0; k < nb; ++k) R->mu_j[k] = mu[index[k]];
    if (nb) memcpy(R->rij, disp, 3 * nb * sizeof *R->rij);
    element_state *e = &R->el[mu[i]];
    if (reserve(R, mu[i])) goto done;
    double energy;
    if (aceuq_evaluate_atom(R->pot, R->ws, mu[i], nb, R->mu_j, R->rij, &energy, NULL, R->kind,
                            e->rows + e->n * e->K, &err) != ACEUQ_OK) {
      char ctx[600];
      snprintf(ctx, sizeof ctx, "%s: frame %zu, atom %zu", R->files[file], fi, i);
      cli_report(ctx, &err);
      goto done;
    }
    e->from[e->n].file = file;
    e->from[e->n].frame = fi;
    e->from[e->n].atom = i;
    ++e->n;
    if (R->batch && e->n == R->batch && flush(R, mu[i])) goto done;
  }
  rc = 0;
done:
  aceuq_neighbor_list_free(nl);
  free(mu);
  return rc;
}

/* one pass over all frames of all files */
static int traverse(run *R, pass_kind pass)
{
  R->pass = pass;
  for (int mu = 0; mu < R->nel; ++mu) {
    R->el[mu].n = 0;
    R->el[mu].count = 0;
  }
  for (int file = 0; file < R->nfiles; ++file) {
    aceuq_error err;
    aceuq_error_clear(&err);
    aceuq_frame *frames = NULL;
    size_t nframes = 0;
    if (aceuq_extxyz_read_file(R->files[file], &frames, &nframes, &err) != ACEUQ_OK)
      return cli_report(R->files[file], &err);
    int rc = 0;
    for (size_t fi = 0; !rc && fi < nframes; ++fi) rc = frame_environments(R, file, fi, &frames[fi]);
    aceuq_frames_free(frames, nframes);
    if (rc) return rc;
  }
  for (int mu = 0; mu < R->nel; ++mu)
    if (R->want[mu] && flush(R, mu)) return 1;
  return 0;
}

static int parse_double(const char *s, double *out)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end || errno || !isfinite(v)) return 1;
  *out = v;
  return 0;
}

static int parse_size(const char *s, long lo, long *out)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (end == s || *end || errno || v < lo) return 1;
  *out = v;
  return 0;
}

static int parse_seed(const char *s, unsigned long long *out)
{
  char *end;
  errno = 0;
  while (*s == ' ') ++s;
  if (*s == '-' || *s == '+') return 1;
  unsigned long long v = strtoull(s, &end, 0);
  if (end == s || *end || errno) return 1;
  *out = v;
  return 0;
}

/* --local: the local active set of element mu from its in-memory rows; the
 * global active set is the builder's (result.global_Ainv / result.global) */
static int build_local(run *R, int mu, const aceuq_activeset_build_options *opt)
{
  element_state *e = &R->el[mu];
  const char *el = aceuq_potential_element(R->pot, mu);
  aceuq_error err;
  aceuq_error_clear(&err);
  char ctx[64];
  snprintf(ctx, sizeof ctx, "element %s", el);
  if (R->need_selected) {
    /* the environment table marks the global selection, which the local
     * builder does not return: the same call it makes (same rows, same
     * options), so the same selection and inverse */
    if (aceuq_activeset_select(e->rows, e->n, e->K, opt, e->Ainv, e->selected, &e->report, &err) != ACEUQ_OK)
      return cli_report(ctx, &err);
  }
  if (aceuq_localset_build(e->rows, e->n, e->K, R->local_k, opt, R->seed, &e->local, &err) != ACEUQ_OK)
    return cli_report(ctx, &err);
  if (R->need_selected && memcmp(e->Ainv, e->local.global_Ainv, e->K * e->K * sizeof *e->Ainv) != 0)
    fprintf(stderr, "aceuq: warning: element %s: the global selection of the local builder differs from a separate "
                    "one in the last bits; the 'selected' column of the environment table is the separate one\n", el);
  memcpy(e->Ainv, e->local.global_Ainv, e->K * e->K * sizeof *e->Ainv);
  e->report = e->local.global;
  e->local_gamma_max = calloc(e->local.element.transform.nclusters, sizeof *e->local_gamma_max);
  if (!e->local_gamma_max) {
    fprintf(stderr, "aceuq: out of memory\n");
    return 1;
  }
  return 0;
}

/* "<out without .asi>.asil" (or "<out>.asil") */
static char *local_path(const char *out)
{
  const size_t len = strlen(out);
  const size_t stem = len >= 4 && !strcmp(out + len - 4, ".asi") ? len - 4 : len;
  char *p = malloc(stem + 6);
  if (!p) return NULL;
  memcpy(p, out, stem);
  memcpy(p + stem, ".asil", 6);
  return p;
}

/* write the .asil, read it back (validates it against the potential) and
 * grade every training environment with it: cluster as at run time, gamma
 * with that cluster's inverse; max per cluster into local_gamma_max */
static int write_local(run *R, const char *path)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  const char **names = malloc((size_t)R->nel * sizeof *names);
  aceuq_localset_element *data = malloc((size_t)R->nel * sizeof *data);
  aceuq_localset *ls = NULL;
  aceuq_uq_engine *eng = NULL;
  int rc = 1;
  if (!names || !data) {
    fprintf(stderr, "aceuq: out of memory\n");
    goto done;
  }
  for (int mu = 0; mu < R->nel; ++mu) {
    names[mu] = aceuq_potential_element(R->pot, mu);
    data[mu] = R->el[mu].local.element;
  }
  if (aceuq_localset_write(path, R->kind, R->nel, names, data, &err) != ACEUQ_OK ||
      aceuq_localset_load(path, R->pot, &ls, &err) != ACEUQ_OK) {
    cli_report(path, &err);
    goto done;
  }
  if (aceuq_localset_kind(ls) != R->kind) {
    fprintf(stderr, "aceuq: %s: read back as a %s local active set\n", path,
            aceuq_localset_kind(ls) == ACEUQ_PROJECTIONS_LINEAR ? "linear" : "non-linear");
    goto done;
  }
  /* the rows graded with the written file: the engine (cluster assignment + cluster inverse) */
  const size_t chunk = 4096;
  if (aceuq_uq_engine_create_from_sets(R->pot, NULL, ls, NULL, &eng, &err) != ACEUQ_OK) {
    cli_report("local grades", &err);
    goto done;
  }
  for (int mu = 0; mu < R->nel; ++mu) {
    element_state *e = &R->el[mu];
    e->local_moved = 0;
    for (size_t c = 0; c < aceuq_localset_num_clusters(ls, mu); ++c) e->local_gamma_max[c] = 0.0;
    for (size_t i0 = 0; i0 < e->n; i0 += chunk) {
      const size_t m = e->n - i0 < chunk ? e->n - i0 : chunk;
      const aceuq_uq_block out = {NULL, NULL, R->gamma, R->cluster, NULL, NULL};
      if (aceuq_uq_evaluate(eng, mu, m, e->rows + i0 * e->K, &out, &err) != ACEUQ_OK) {
        cli_report("local grades", &err);
        goto done;
      }
      for (size_t r = 0; r < m; ++r) {
        const size_t c = (size_t)R->cluster[r];
        e->local_moved += R->cluster[r] != e->local.cluster[i0 + r];
        if (!(R->gamma[r] <= e->local_gamma_max[c])) e->local_gamma_max[c] = R->gamma[r];
      }
    }
  }
  rc = 0;
done:
  aceuq_uq_engine_free(eng);
  aceuq_localset_free(ls);
  free(names);
  free(data);
  return rc;
}

static int select_in_memory(run *R, const aceuq_activeset_build_options *opt)
{
  for (int mu = 0; mu < R->nel; ++mu) R->want[mu] = 1;
  if (traverse(R, PASS_COLLECT)) return 1;
  for (int mu = 0; mu < R->nel; ++mu) {
    element_state *e = &R->el[mu];
    const char *el = aceuq_potential_element(R->pot, mu);
    e->total = e->n;
    if (e->n == 0) {
      fprintf(stderr, "aceuq: no environment of element %s in the training files: the active set needs every "
                      "element of the potential\n", el);
      return 1;
    }
    if (R->local) {
      if (build_local(R, mu, opt)) return 1;
      continue;
    }
    aceuq_error err;
    aceuq_error_clear(&err);
    if (aceuq_activeset_select(e->rows, e->n, e->K, opt, e->Ainv, e->selected, &e->report, &err) != ACEUQ_OK) {
      char ctx[64];
      snprintf(ctx, sizeof ctx, "element %s", el);
      return cli_report(ctx, &err);
    }
  }
  return 0;
}

/* every pass must see the environments of pass 1 (the files must not change) */
static int same_environments(const run *R)
{
  for (int mu = 0; mu < R->nel; ++mu)
    if (R->want[mu] && R->el[mu].count != R->el[mu].total) {
      fprintf(stderr, "aceuq: element %s: this pass read %zu environments, pass 1 read %zu: did the training files "
                      "change?\n", aceuq_potential_element(R->pot, mu), R->el[mu].count, R->el[mu].total);
      return 1;
    }
  return 0;
}

static int select_streaming(run *R, const aceuq_activeset_build_options *opt, int refinements)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  for (int mu = 0; mu < R->nel; ++mu) {
    R->want[mu] = 1;
    if (aceuq_activeset_builder_create(R->el[mu].K, opt, &R->el[mu].builder, &err) != ACEUQ_OK)
      return cli_report("active-set builder", &err);
  }
  double t0 = seconds();
  if (traverse(R, PASS_STATISTICS)) return 1;
  for (int mu = 0; mu < R->nel; ++mu) {
    element_state *e = &R->el[mu];
    const char *el = aceuq_potential_element(R->pot, mu);
    e->total = e->count;
    if (e->total == 0) {
      fprintf(stderr, "aceuq: no environment of element %s in the training files: the active set needs every "
                      "element of the potential\n", el);
      return 1;
    }
    if (aceuq_activeset_builder_prepare(e->builder, &err) != ACEUQ_OK) {
      char ctx[64];
      snprintf(ctx, sizeof ctx, "element %s", el);
      return cli_report(ctx, &err);
    }
    printf("pass 1 (statistics): element %s: %zu environments, numerical rank %zu of %zu (%.1f s)\n", el, e->total,
           aceuq_activeset_builder_rank(e->builder), e->K, seconds() - t0);
  }
  t0 = seconds();
  if (traverse(R, PASS_CANDIDATES) || same_environments(R)) return 1;
  printf("pass 2 (candidates, batches of %zu): %.1f s\n", R->batch, seconds() - t0);
  for (int p = 1; p <= refinements; ++p) {
    int any = 0;
    for (int mu = 0; mu < R->nel; ++mu) any |= R->want[mu] = !R->el[mu].converged;
    if (!any) break;
    t0 = seconds();
    if (traverse(R, PASS_REFINE) || same_environments(R)) return 1;
    for (int mu = 0; mu < R->nel; ++mu) {
      if (!R->want[mu]) continue;
      size_t over = 0;
      double g = 0.0;
      if (aceuq_activeset_builder_end_refinement(R->el[mu].builder, &over, &g, &err) != ACEUQ_OK)
        return cli_report("refinement", &err);
      printf("pass %d (refinement %d): element %s: %zu environments with gamma > tol (max gamma %.6g)%s "
             "(%.1f s)\n", p + 2, p, aceuq_potential_element(R->pot, mu), over, g,
             over ? ", merged" : ", converged", seconds() - t0);
      R->el[mu].converged = over == 0;
    }
  }
  for (int mu = 0; mu < R->nel; ++mu) {
    element_state *e = &R->el[mu];
    if (aceuq_activeset_builder_finish(e->builder, e->Ainv, e->selected, &e->report, &err) != ACEUQ_OK) {
      char ctx[64];
      snprintf(ctx, sizeof ctx, "element %s", aceuq_potential_element(R->pot, mu));
      return cli_report(ctx, &err);
    }
  }
  return 0;
}

int cli_cmd_activeset(int argc, char **argv)
{
  const char *pot_path = NULL, *out = NULL, *table_path = NULL;
  char *asil_path = NULL;
  int local = 0;
  long local_k = 0; /* 0: auto */
  unsigned long long seed = 12345;
  aceuq_activeset_build_options opt;
  aceuq_activeset_build_options_default(&opt);
  long batch = 0, refinements = 5, iters = opt.max_iters, threads = 1;
  aceuq_projection_kind kind = ACEUQ_PROJECTIONS_LINEAR;
  char **files = calloc((size_t)argc, sizeof *files);
  int nfiles = 0;
  if (!files) return 1;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int has = i + 1 < argc, bad = 0;
    if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && has) out = argv[++i];
    else if (!strcmp(a, "--nonlinear")) kind = ACEUQ_PROJECTIONS_NONLINEAR;
    else if (!strcmp(a, "--tol") && has) bad = parse_double(argv[++i], &opt.tol) || !(opt.tol > 0);
    else if (!strcmp(a, "--max-iters") && has) bad = parse_size(argv[++i], 0, &iters) || iters > 1000000000L;
    else if (!strcmp(a, "--rank-rtol") && has)
      bad = parse_double(argv[++i], &opt.rank_rtol) || !(opt.rank_rtol > 0 && opt.rank_rtol < 1);
    else if (!strcmp(a, "--batch") && has) bad = parse_size(argv[++i], 1, &batch);
    else if (!strcmp(a, "--refinements") && has) bad = parse_size(argv[++i], 0, &refinements);
    else if (!strcmp(a, "--env-table") && has) table_path = argv[++i];
    else if (!strcmp(a, "--local") && has) {
      local = 1;
      ++i;
      local_k = 0;
      if (strcmp(argv[i], "auto")) bad = parse_size(argv[i], 1, &local_k) || local_k > 1000000L;
    } else if (!strcmp(a, "--seed") && has) bad = parse_seed(argv[++i], &seed);
    else if (!strcmp(a, "--threads") && has) bad = parse_size(argv[++i], 1, &threads) || threads > 1024;
    else if (a[0] == '-') {
      fprintf(stderr, "aceuq activeset: unknown option or missing value: %s\n", a);
      usage();
      free(files);
      return 2;
    } else if (!pot_path) pot_path = a;
    else files[nfiles++] = argv[i];
    if (bad) {
      fprintf(stderr, "aceuq activeset: invalid value for %s: %s\n", a, argv[i]);
      usage();
      free(files);
      return 2;
    }
  }
  opt.max_iters = (int)iters;
  if (!pot_path || !nfiles || !out) {
    usage();
    free(files);
    return 2;
  }
  if (local && batch) {
    fprintf(stderr, "aceuq activeset: --local needs the in-memory mode (no --batch)\n");
    usage();
    free(files);
    return 2;
  }
  if (local && !(asil_path = local_path(out))) {
    fprintf(stderr, "aceuq: out of memory\n");
    free(files);
    return 1;
  }

  aceuq_blas_set_threads((int)threads); /* fixed, not the machine's: the same file everywhere */
  const double t_start = seconds();
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_potential *pot = NULL;
  aceuq_activeset *as = NULL;
  run R;
  memset(&R, 0, sizeof R);
  int rc = 1;
  if (aceuq_potential_load(pot_path, &pot, &err) != ACEUQ_OK) {
    cli_report(pot_path, &err);
    goto done;
  }
  cli_print_notes(pot);
  if (aceuq_potential_projection_size(pot, 0, ACEUQ_PROJECTIONS_LINEAR) == 0) {
    fprintf(stderr, "aceuq: %s has no B-basis (a .yace file?): active sets need the pacemaker .yaml potential\n",
            pot_path);
    goto done;
  }
  R.pot = pot;
  R.kind = kind;
  R.nel = aceuq_potential_num_elements(pot);
  R.files = files;
  R.nfiles = nfiles;
  R.batch = (size_t)batch;
  R.local = local;
  R.local_k = (size_t)local_k;
  R.seed = seed;
  R.need_selected = table_path != NULL;
  R.el = calloc((size_t)R.nel, sizeof *R.el);
  R.want = calloc((size_t)R.nel, 1);
  size_t max_K = 1;
  int ok = R.el && R.want && aceuq_workspace_create(pot, &R.ws, &err) == ACEUQ_OK;
  for (int mu = 0; ok && mu < R.nel; ++mu) {
    element_state *e = &R.el[mu];
    e->K = aceuq_potential_projection_size(pot, mu, kind);
    if (e->K > max_K) max_K = e->K;
    e->Ainv = malloc(e->K * e->K * sizeof *e->Ainv);
    e->selected = malloc(e->K * sizeof *e->selected);
    ok = e->Ainv && e->selected;
    if (ok && batch) { /* fixed batch buffers */
      e->cap = (size_t)batch;
      e->rows = malloc(e->cap * e->K * sizeof *e->rows);
      e->from = malloc(e->cap * sizeof *e->from);
      ok = e->rows && e->from;
    }
  }
  if (!ok) {
    if (err.code) cli_report(pot_path, &err);
    else fprintf(stderr, "aceuq: out of memory\n");
    goto done;
  }
  printf("aceuq activeset: %s, %d training file%s, %s projections, tol %g, max-iters %d, rank-rtol %g, %s\n",
         pot_path, nfiles, nfiles == 1 ? "" : "s", kind == ACEUQ_PROJECTIONS_LINEAR ? "linear" : "non-linear",
         opt.tol, opt.max_iters, opt.rank_rtol, batch ? "streaming" : "in memory");
  printf("BLAS threads: %d (--threads; default 1)\n", aceuq_blas_get_threads());
  if (batch) printf("streaming: batches of %ld environments per element, up to %ld refinement passes\n", batch,
                    refinements);
  if (local) {
    if (local_k) printf("local active sets: %ld clusters requested, seed %llu, -> %s\n", local_k, seed, asil_path);
    else printf("local active sets: number of clusters automatic (2..8 or 1), seed %llu, -> %s\n", seed, asil_path);
  }
  fflush(stdout);
  if (batch ? select_streaming(&R, &opt, (int)refinements) : select_in_memory(&R, &opt)) goto done;

  /* write, read back (validates the file against the potential), grade */
  {
    const char **names = malloc((size_t)R.nel * sizeof *names);
    const double **mats = malloc((size_t)R.nel * sizeof *mats);
    size_t *sizes = malloc((size_t)R.nel * sizeof *sizes);
    aceuq_status st = ACEUQ_ERR_NOMEM;
    if (names && mats && sizes) {
      for (int mu = 0; mu < R.nel; ++mu) {
        names[mu] = aceuq_potential_element(pot, mu);
        mats[mu] = R.el[mu].Ainv;
        sizes[mu] = R.el[mu].K;
      }
      st = aceuq_activeset_write(out, R.nel, names, mats, sizes, &err);
    }
    free(names);
    free(mats);
    free(sizes);
    if (st) {
      cli_report(out, &err);
      goto done;
    }
  }
  if (aceuq_activeset_load(out, pot, &as, &err) != ACEUQ_OK) {
    cli_report(out, &err);
    goto done;
  }
  if (aceuq_activeset_kind(as) != kind) {
    fprintf(stderr, "aceuq: %s: read back as a %s active set\n", out,
            aceuq_activeset_kind(as) == ACEUQ_PROJECTIONS_LINEAR ? "linear" : "non-linear");
    goto done;
  }
  R.as = as;
  R.gamma = malloc(4096 * sizeof *R.gamma);
  R.cluster = malloc(4096 * sizeof *R.cluster);
  if (!R.gamma || !R.cluster) {
    fprintf(stderr, "aceuq: out of memory\n");
    goto done;
  }
  if (aceuq_uq_engine_create_from_sets(R.pot, as, NULL, NULL, &R.eng, &err) != ACEUQ_OK) {
    cli_report("grades", &err);
    goto done;
  }
  if (table_path) {
    R.table = fopen(table_path, "w");
    if (!R.table) {
      fprintf(stderr, "aceuq: cannot open %s for writing: %s\n", table_path, strerror(errno));
      goto done;
    }
    fprintf(R.table, "# element\tfile\tframe\tatom\tgamma\tselected  (frame, atom: 0-based; gamma with %s)\n", out);
  }
  for (int mu = 0; mu < R.nel; ++mu) R.el[mu].gamma_max = 0.0;
  if (batch) {
    for (int mu = 0; mu < R.nel; ++mu) R.want[mu] = 1;
    if (traverse(&R, PASS_GRADES) || same_environments(&R)) goto done;
  } else {
    for (int mu = 0; mu < R.nel; ++mu)
      if (grade_rows(&R, mu, R.el[mu].rows, R.el[mu].from, R.el[mu].n, 0)) goto done;
  }
  if (R.table) {
    int bad = fclose(R.table) != 0;
    R.table = NULL;
    if (bad) {
      fprintf(stderr, "aceuq: cannot write %s\n", table_path);
      goto done;
    }
  }
  if (local && write_local(&R, asil_path)) goto done;

  int converged = 1;
  for (int mu = 0; mu < R.nel; ++mu) {
    const element_state *e = &R.el[mu];
    const aceuq_activeset_report *p = &e->report;
    const char *el = aceuq_potential_element(pot, mu);
    printf("element %s: environments %zu, K %zu, zero-variance columns %zu, numerical rank %zu, selected %zu\n", el,
           p->environments, p->functions, p->zero_columns, p->rank, p->rank);
    printf("element %s: MaxVol swaps %d, final max|C| %.6f\n", el, p->iterations, p->max_c);
    printf("element %s: max gamma over the training data %.9f (tol %g, recomputed with %s)\n", el, e->gamma_max,
           opt.tol, out);
    printf("element %s: condition number of the selected block %.4g\n", el, p->condition);
    if (!(e->gamma_max <= (opt.tol > 1 ? opt.tol : 1) + 1e-9)) {
      converged = 0;
      fprintf(stderr, "aceuq: warning: element %s: max gamma %.6g over the training data exceeds tol %g (%s)\n",
              el, e->gamma_max, opt.tol,
              batch ? "more --refinements or a larger --max-iters may help" : "MaxVol stopped at --max-iters");
    }
  }
  int local_converged = 1;
  for (int mu = 0; local && mu < R.nel; ++mu) {
    const element_state *e = &R.el[mu];
    const aceuq_localset_result *L = &e->local;
    const size_t nc = L->element.transform.nclusters;
    const char *el = aceuq_potential_element(pot, mu);
    printf("element %s: local: %zu cluster%s (k-means %zu, dissolved %zu), %zu features, mean silhouette %.4f "
           "(null reference %.4f, gain %.4f)\n", el, nc, nc == 1 ? "" : "s", L->initial_clusters, L->dissolved,
           L->element.transform.d, L->silhouette, L->silhouette_reference,
           L->silhouette - L->silhouette_reference);
    for (size_t c = 0; c < nc; ++c) {
      const aceuq_activeset_report *p = &L->reports[c];
      printf("element %s: cluster %zu: environments %zu, numerical rank %zu, selected %zu, max gamma_local %.9f, "
             "condition number %.4g\n", el, c, p->environments, p->rank, p->rank, e->local_gamma_max[c],
             p->condition);
      if (!(e->local_gamma_max[c] <= (opt.tol > 1 ? opt.tol : 1) + 1e-9)) {
        local_converged = 0;
        fprintf(stderr, "aceuq: warning: element %s, cluster %zu: max gamma_local %.6g over its training data "
                        "exceeds tol %g (MaxVol stopped at --max-iters)\n", el, c, e->local_gamma_max[c], opt.tol);
      }
    }
    if (e->local_moved) {
      local_converged = 0;
      fprintf(stderr, "aceuq: warning: element %s: %s assigns %zu training environments to another cluster than "
                      "the builder did\n", el, asil_path, e->local_moved);
    }
  }
  printf("wrote %s (%d element%s, %s)%s\n", out, R.nel, R.nel == 1 ? "" : "s",
         kind == ACEUQ_PROJECTIONS_LINEAR ? "linear" : "non-linear", converged ? "" : ", NOT CONVERGED");
  if (local)
    printf("wrote %s (%d element%s, %s; max gamma_local recomputed with it)%s\n", asil_path, R.nel,
           R.nel == 1 ? "" : "s", kind == ACEUQ_PROJECTIONS_LINEAR ? "linear" : "non-linear",
           local_converged ? "" : ", NOT CONVERGED");
  printf("elapsed %.2f s, peak memory %.1f MB (ru_maxrss)\n", seconds() - t_start, peak_mb());
  rc = 0;
done:
  if (R.table) fclose(R.table);
  if (R.el)
    for (int mu = 0; mu < R.nel; ++mu) {
      aceuq_activeset_builder_free(R.el[mu].builder);
      free(R.el[mu].rows);
      free(R.el[mu].from);
      free(R.el[mu].Ainv);
      free(R.el[mu].selected);
      aceuq_localset_result_release(&R.el[mu].local);
      free(R.el[mu].local_gamma_max);
    }
  free(R.el);
  free(R.want);
  free(R.gamma);
  free(R.mu_j);
  free(R.rij);
  aceuq_uq_engine_free(R.eng);
  free(R.cluster);
  aceuq_workspace_free(R.ws);
  aceuq_activeset_free(as);
  aceuq_potential_free(pot);
  free(files);
  free(asil_path);
  return rc;
}
