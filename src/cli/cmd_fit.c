/* cmd_fit.c -- `aceuq fit BASIS.yaml --train A.xyz... [--test B.xyz...] -o OUT.yaml
 * [--ridge LAMBDA | --bayes] [--energy-weight 1] [--force-weight 1] [--virial-weight 0]
 * [--weight CLASS=W ...] [--samples 32] [--pops-samples 256] [--no-pops] [--committee 0]
 * [--no-activeset] [--local auto] [--seed 12345] [--threads 1]`: a linear ACE potential on the
 * B-basis of BASIS.yaml (a basis specification, docs/basis_spec.md, or a pacemaker potential),
 * fitted to labelled frames, with its posteriors and active sets.
 *
 * Rows per training frame (aceuq_fit_design_rows): the energy per atom
 * (row / N, target E / N, weight energy-weight), the 3N force components
 * (weight force-weight / (3N): every frame's forces count as much as its
 * energy), the 6 virial components per atom (weight virial-weight / 6); all
 * of a frame's weights times its config_type's --weight (default 1).  Frames
 * without forces / virial contribute what they have; a frame without energy
 * is an error.  The .yaml format has no reference energies, so the model has
 * none: E(isolated atom) = 0, as for the EAM and Stillinger-Weber oracles.
 * Passes over the training files (rows recomputed each time; memory O(K^2)):
 *   1. the streamed QR of the fit, and of each committee member (frame k
 *      counted aceuq_fit_bootstrap_count(seed, m, k) times);
 *   2. training errors and the first POPS pass; 3. the second POPS pass;
 *   then the test errors.  Written: OUT.yaml, OUT.yace, NAME.posterior.npz
 *   (Bayesian: mean, covariance, samples; POPS samples and Sigma_mis;
 *   committee members), NAME.asi and NAME.asil (aceuq activeset on the
 *   written potential and the training files).
 * BLAS on --threads threads (default 1: the same result on every machine). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_FILES 256
#define MAX_CLASSES 64
#define MAX_COMMITTEE 64

typedef struct class_weight {
  char name[64];
  double w;
} class_weight;

typedef struct fit_opts {
  const char *basis, *out;
  const char *train[MAX_FILES], *test[MAX_FILES];
  int ntrain, ntest, bayes, pops, activeset;
  double lambda, we, wf, wv;
  class_weight cw[MAX_CLASSES];
  int ncw;
  long threads, samples, pops_samples, committee;
  const char *local;
  unsigned long long seed;
} fit_opts;

typedef struct err_stats {
  char name[64];
  size_t frames, ncomp_f; /* energies (one per frame), force components */
  double se_e, se_f;
} err_stats;

static void usage(void)
{
  fprintf(stderr, "usage: aceuq fit BASIS.yaml --train A.xyz [...] [--test B.xyz ...] -o OUT.yaml\n"
                  "                 [--ridge LAMBDA | --bayes] [--energy-weight 1] [--force-weight 1]\n"
                  "                 [--virial-weight 0] [--weight CONFIG_TYPE=W ...] [--samples 32]\n"
                  "                 [--pops-samples 256] [--no-pops] [--committee 0] [--no-activeset]\n"
                  "                 [--local auto|K] [--seed 12345] [--threads 1]\n");
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int parse_count(const char *opt, const char *v, long max, long *out)
{
  char *end = NULL;
  *out = strtol(v, &end, 10);
  if (*end || *out < 0 || *out > max)
    return fprintf(stderr, "aceuq fit: %s needs an integer between 0 and %ld\n", opt, max), 2;
  return 0;
}

static int parse(int argc, char **argv, fit_opts *o)
{
  memset(o, 0, sizeof *o);
  o->bayes = o->pops = o->activeset = 1;
  o->we = o->wf = 1.0;
  o->threads = 1;
  o->samples = 32;
  o->pops_samples = 256;
  o->seed = 12345;
  o->local = "auto";
  const char **list = NULL; /* the file list being filled (after --train / --test) */
  int *count = NULL;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const int has = i + 1 < argc;
    char *end = NULL;
    int rc = 0;
    if (!strcmp(a, "--train")) {
      list = o->train, count = &o->ntrain;
      continue;
    }
    if (!strcmp(a, "--test")) {
      list = o->test, count = &o->ntest;
      continue;
    }
    if (a[0] != '-') {
      if (list) {
        if (*count == MAX_FILES) return fprintf(stderr, "aceuq fit: at most %d files per list\n", MAX_FILES), 2;
        list[(*count)++] = a;
      } else if (!o->basis) o->basis = a;
      else return fprintf(stderr, "aceuq fit: unexpected argument %s\n", a), 2;
      continue;
    }
    list = NULL;
    if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && has) o->out = argv[++i];
    else if (!strcmp(a, "--bayes")) o->bayes = 1;
    else if (!strcmp(a, "--no-pops")) o->pops = 0;
    else if (!strcmp(a, "--no-activeset")) o->activeset = 0;
    else if (!strcmp(a, "--ridge") && has) {
      o->bayes = 0;
      o->lambda = strtod(argv[++i], &end);
      if (*end || !(o->lambda >= 0)) return fprintf(stderr, "aceuq fit: --ridge needs a number >= 0\n"), 2;
    } else if ((!strcmp(a, "--energy-weight") || !strcmp(a, "--force-weight") || !strcmp(a, "--virial-weight")) &&
               has) {
      double v = strtod(argv[++i], &end);
      if (*end || !(v >= 0)) return fprintf(stderr, "aceuq fit: %s needs a number >= 0\n", a), 2;
      *(a[2] == 'e' ? &o->we : a[2] == 'f' ? &o->wf : &o->wv) = v;
    } else if (!strcmp(a, "--weight") && has) {
      const char *v = argv[++i], *eq = strchr(v, '=');
      if (!eq || eq == v || (size_t)(eq - v) >= sizeof o->cw[0].name || o->ncw == MAX_CLASSES)
        return fprintf(stderr, "aceuq fit: --weight needs CONFIG_TYPE=W (at most %d), got '%s'\n", MAX_CLASSES, v), 2;
      class_weight *c = &o->cw[o->ncw++];
      snprintf(c->name, sizeof c->name, "%.*s", (int)(eq - v), v);
      c->w = strtod(eq + 1, &end);
      if (*end || !(c->w >= 0) || !isfinite(c->w))
        return fprintf(stderr, "aceuq fit: --weight %s: the weight must be a number >= 0\n", v), 2;
    } else if (!strcmp(a, "--samples") && has) rc = parse_count(a, argv[++i], 100000, &o->samples);
    else if (!strcmp(a, "--pops-samples") && has) rc = parse_count(a, argv[++i], 100000, &o->pops_samples);
    else if (!strcmp(a, "--committee") && has) rc = parse_count(a, argv[++i], MAX_COMMITTEE, &o->committee);
    else if (!strcmp(a, "--local") && has) o->local = argv[++i];
    else if (!strcmp(a, "--seed") && has) {
      o->seed = strtoull(argv[++i], &end, 10);
      if (*end) return fprintf(stderr, "aceuq fit: bad --seed\n"), 2;
    } else if (!strcmp(a, "--threads") && has) {
      rc = parse_count(a, argv[++i], 1024, &o->threads);
      if (!rc && o->threads < 1) {
        fprintf(stderr, "aceuq fit: --threads needs at least 1\n");
        rc = 2;
      }
    } else return fprintf(stderr, "aceuq fit: unknown option or missing value: %s\n", a), 2;
    if (rc) return rc;
  }
  if (!o->basis || !o->out || !o->ntrain) return fprintf(stderr, "aceuq fit: needs BASIS.yaml, --train and -o\n"), 2;
  if (!o->bayes) o->pops = 0; /* POPS needs the Bayesian metric */
  return 0;
}

static double class_weight_of(const fit_opts *o, const char *cls)
{
  for (int c = 0; c < o->ncw; ++c)
    if (!strcmp(o->cw[c].name, cls)) return o->cw[c].w;
  return 1.0;
}

/* species indices of a frame in the potential; 1 with a message if an element is unknown */
static int frame_species(const aceuq_potential *pot, const char *file, size_t k, const aceuq_frame *f, int *mu)
{
  for (size_t i = 0; i < f->natoms; ++i) {
    mu[i] = aceuq_potential_element_index(pot, f->species[i]);
    if (mu[i] < 0) {
      fprintf(stderr, "aceuq fit: %s frame %zu atom %zu: element %s is not in the basis\n", file, k, i + 1,
              f->species[i]);
      return 1;
    }
  }
  return 0;
}

/* The rows of one frame: energy / N, forces, virial / N with weights; targets from the labels. */
typedef struct frame_rows {
  size_t cap_atoms, ncols;
  double *erow, *frows, *vrows, *rows, *targets, *weights, *wtmp;
  int *mu;
} frame_rows;

static int frame_rows_make(frame_rows *r, const aceuq_potential *pot, const aceuq_frame *f, const char *file,
                           size_t k, aceuq_error *err)
{
  const size_t n = f->natoms, nc = r->ncols;
  if (n > r->cap_atoms) { /* grows with the largest frame only */
    const size_t K = nc - (size_t)aceuq_potential_num_elements(pot), nrow = 1 + 3 * n + 6;
    r->cap_atoms = n;
    free(r->frows);
    free(r->mu);
    free(r->rows);
    free(r->targets);
    free(r->weights);
    free(r->wtmp);
    r->frows = malloc(3 * n * nc * sizeof *r->frows);
    r->mu = malloc(n * sizeof *r->mu);
    r->rows = malloc(nrow * K * sizeof *r->rows);
    r->targets = malloc(nrow * sizeof *r->targets);
    r->weights = malloc(nrow * sizeof *r->weights);
    r->wtmp = malloc(nrow * sizeof *r->wtmp);
    if (!r->frows || !r->mu || !r->rows || !r->targets || !r->weights || !r->wtmp) {
      r->cap_atoms = 0;
      return fprintf(stderr, "aceuq fit: out of memory (%zu atoms)\n", n), 1;
    }
  }
  if (frame_species(pot, file, k, f, r->mu)) return 1;
  int *pbc = (int[3]){0, 0, 0};
  if (f->has_cell) pbc = (int *)f->pbc;
  if (aceuq_fit_design_rows(pot, n, r->mu, f->positions, f->has_cell ? f->cell : NULL, pbc, r->erow,
                            r->frows, r->vrows, err) != ACEUQ_OK) {
    char ctx[4200];
    snprintf(ctx, sizeof ctx, "%s frame %zu", file, k);
    return cli_report(ctx, err);
  }
  return 0;
}

static void stats_add(err_stats *all, err_stats *cls, int *ncls, const char *name, double de_atom, double se_f,
                      size_t ncomp)
{
  err_stats *s = NULL;
  for (int c = 0; c < *ncls && !s; ++c)
    if (!strcmp(cls[c].name, name)) s = &cls[c];
  if (!s && *ncls < MAX_CLASSES) {
    s = &cls[(*ncls)++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
  }
  err_stats *both[2] = {all, s};
  for (int b = 0; b < 2; ++b) {
    if (!both[b]) continue;
    both[b]->frames += 1;
    both[b]->se_e += de_atom * de_atom;
    both[b]->se_f += se_f;
    both[b]->ncomp_f += ncomp;
  }
}

static void print_stats(const char *set, const err_stats *all, const err_stats *cls, int ncls)
{
  printf("%s errors (energy RMSE per atom, force RMSE per component):\n", set);
  for (int c = 0; c < ncls; ++c)
    printf("  %-14s %5zu frames  energy %9.3f meV/atom  forces %9.2f meV/A\n", cls[c].name, cls[c].frames,
           1e3 * sqrt(cls[c].se_e / (double)cls[c].frames),
           cls[c].ncomp_f ? 1e3 * sqrt(cls[c].se_f / (double)cls[c].ncomp_f) : 0.0);
  printf("  %-14s %5zu frames  energy %9.3f meV/atom  forces %9.2f meV/A\n", "all", all->frames,
         1e3 * sqrt(all->se_e / (double)(all->frames ? all->frames : 1)),
         all->ncomp_f ? 1e3 * sqrt(all->se_f / (double)all->ncomp_f) : 0.0);
}

/* what a pass over the frames does with each frame's rows */
typedef enum pass_kind { PASS_ACCUMULATE, PASS_ERRORS_POPS, PASS_POPS, PASS_ERRORS } pass_kind;

typedef struct fit_state {
  const fit_opts *o;
  const aceuq_potential *pot;
  frame_rows r;
  aceuq_fit_accumulator *acc, *members[MAX_COMMITTEE];
  aceuq_fit_pops *pops;
  const double *coef;
  int cw_seen[MAX_CLASSES];
} fit_state;

/* fill r->rows/targets/weights of frame fr (K columns without E0); returns the row count */
static size_t frame_to_rows(const fit_opts *o, frame_rows *r, size_t K, const aceuq_frame *fr)
{
  const double N = (double)fr->natoms, cw = class_weight_of(o, fr->config_type);
  const size_t nforce = fr->forces ? 3 * fr->natoms : 0, nvir = fr->has_virial ? 6 : 0;
  const int ab[6] = {0, 4, 8, 1, 2, 5};
  size_t nrow = 0;
  if (cw == 0.0) return 0; /* rows of weight 0 are not data (they would count as observations) */
  if (o->we > 0.0) {
    for (size_t c = 0; c < K; ++c) r->rows[c] = r->erow[c] / N;
    r->targets[0] = fr->energy / N;
    r->weights[0] = cw * o->we;
    nrow = 1;
  }
  for (size_t q = 0; o->wf > 0.0 && q < nforce; ++q, ++nrow) {
    memcpy(&r->rows[nrow * K], &r->frows[q * r->ncols], K * sizeof *r->rows);
    r->targets[nrow] = fr->forces[q];
    r->weights[nrow] = cw * o->wf / (double)nforce;
  }
  for (size_t v = 0; o->wv > 0.0 && v < nvir; ++v, ++nrow) {
    for (size_t c = 0; c < K; ++c) r->rows[nrow * K + c] = r->vrows[v * r->ncols + c] / N;
    r->targets[nrow] = fr->virial[ab[v]] / N;
    r->weights[nrow] = cw * o->wv / 6.0;
  }
  return nrow;
}

static int use_rows(fit_state *S, pass_kind kind, size_t K, const aceuq_frame *fr, size_t index, size_t nrow,
                    err_stats *all, err_stats *cls, int *ncls, aceuq_error *err)
{
  frame_rows *r = &S->r;
  if (kind == PASS_ACCUMULATE) {
    for (int c = 0; c < S->o->ncw; ++c) S->cw_seen[c] |= !strcmp(S->o->cw[c].name, fr->config_type);
    if (aceuq_fit_accumulator_add(S->acc, r->rows, r->targets, r->weights, nrow, err)) return 1;
    for (long m = 0; m < S->o->committee; ++m) {
      const int count = aceuq_fit_bootstrap_count(S->o->seed, (size_t)m, index);
      if (!count) continue;
      for (size_t q = 0; q < nrow; ++q) r->wtmp[q] = count * r->weights[q];
      if (aceuq_fit_accumulator_add(S->members[m], r->rows, r->targets, r->wtmp, nrow, err)) return 1;
    }
    return 0;
  }
  if (kind != PASS_ERRORS && S->pops && aceuq_fit_pops_add(S->pops, r->rows, r->targets, r->weights, nrow, err))
    return 1;
  if (kind == PASS_POPS) return 0;
  const size_t nforce = fr->forces ? 3 * fr->natoms : 0;
  double pred_e = 0.0, se_f = 0.0;
  for (size_t c = 0; c < K; ++c) pred_e += r->erow[c] * S->coef[c];
  pred_e /= (double)fr->natoms;
  for (size_t q = 0; q < nforce; ++q) {
    double p = 0.0;
    for (size_t c = 0; c < K; ++c) p += r->frows[q * r->ncols + c] * S->coef[c];
    se_f += (p - fr->forces[q]) * (p - fr->forces[q]);
  }
  stats_add(all, cls, ncls, fr->config_type[0] ? fr->config_type : "(none)", pred_e - fr->energy / (double)fr->natoms,
            se_f, nforce);
  return 0;
}

/* one pass over files */
static int pass(fit_state *S, pass_kind kind, const char *const *files, int nfiles, const char *set)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  const size_t K = S->r.ncols - (size_t)aceuq_potential_num_elements(S->pot);
  err_stats all, cls[MAX_CLASSES];
  memset(&all, 0, sizeof all);
  int ncls = 0;
  size_t index = 0; /* structure index over all files (the bootstrap's key) */
  static const char *const pass_names[] = {"design rows + QR", "training errors + POPS pass 1", "POPS pass 2",
                                           "errors"};
  const double t_start = now();
  double t_note = t_start;
  for (int k = 0; k < nfiles; ++k) {
    aceuq_frame *frames = NULL;
    size_t nf = 0;
    if (aceuq_extxyz_read_file(files[k], &frames, &nf, &err) != ACEUQ_OK) return cli_report("fit", &err);
    if (nf == 0) {
      fprintf(stderr, "aceuq fit: %s has no frames\n", files[k]);
      return 1;
    }
    for (size_t f = 0; f < nf; ++f, ++index) {
      const aceuq_frame *fr = &frames[f];
      if (!fr->has_energy) {
        fprintf(stderr, "aceuq fit: %s frame %zu (line %zu) has no energy= label (label it with aceuq label)\n",
                files[k], f, fr->line);
        aceuq_frames_free(frames, nf);
        return 1;
      }
      if (fr->natoms == 0) continue;
      if (frame_rows_make(&S->r, S->pot, fr, files[k], f, &err)) {
        aceuq_frames_free(frames, nf);
        return 1;
      }
      const size_t nrow = frame_to_rows(S->o, &S->r, K, fr);
      if (now() - t_note > 15.0) { /* a progress line on long fits (stderr: the report stays clean) */
        t_note = now();
        fprintf(stderr, "aceuq fit: %s (%s): %zu frames, file %d of %d, %.0f s\n", pass_names[kind], set, index + 1,
                k + 1, nfiles, t_note - t_start);
      }
      if (use_rows(S, kind, K, fr, index, nrow, &all, cls, &ncls, &err)) {
        char ctx[4200];
        snprintf(ctx, sizeof ctx, "%s frame %zu", files[k], f);
        aceuq_frames_free(frames, nf);
        return cli_report(ctx, &err);
      }
    }
    aceuq_frames_free(frames, nf);
  }
  if (kind == PASS_ERRORS || kind == PASS_ERRORS_POPS) print_stats(set, &all, cls, ncls);
  if (kind == PASS_ACCUMULATE) /* a --weight that names no training class is a typo, not a no-op */
    for (int c = 0; c < S->o->ncw; ++c)
      if (!S->cw_seen[c]) {
        fprintf(stderr, "aceuq fit: --weight %s=%g: no training frame has config_type=%s\n", S->o->cw[c].name,
                S->o->cw[c].w, S->o->cw[c].name);
        return 1;
      }
  return 0;
}

/* solve acc with the chosen solver; Bayesian: covariance (may be NULL) and result */
static int solve(const fit_opts *o, const aceuq_fit_accumulator *acc, double *coef, double *cov,
                 aceuq_fit_bayes_result *br, const char *what)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  if (o->bayes) {
    if (aceuq_fit_solve_bayes(acc, NULL, coef, cov, br, &err) != ACEUQ_OK) return cli_report(what, &err);
  } else {
    double rss;
    if (aceuq_fit_solve_ridge(acc, o->lambda, coef, &rss, &err) != ACEUQ_OK) return cli_report(what, &err);
    if (br) br->rss = rss;
  }
  return 0;
}

/* NAME + suffix for OUT.yaml (NAME = OUT without .yaml) */
static void sibling(char *dst, size_t cap, const char *out, const char *suffix)
{
  const size_t len = strlen(out);
  const size_t stem = len > 5 && !strcmp(out + len - 5, ".yaml") ? len - 5 : len;
  snprintf(dst, cap, "%.*s%s", (int)stem, out, suffix);
}

static int write_posterior(const fit_opts *o, fit_state *S, size_t K, const double *coef, const double *cov,
                           const aceuq_fit_bayes_result *br, const double *committee)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  char path[4200];
  sibling(path, sizeof path, o->out, ".posterior.npz");
  aceuq_fit_posterior post;
  memset(&post, 0, sizeof post);
  post.mean = coef;
  post.covariance = cov;
  post.alpha = br->alpha;
  post.lambda = br->lambda;
  post.seed = o->seed;
  double *samples = o->samples ? malloc((size_t)o->samples * K * sizeof *samples) : NULL;
  double *pops = S->pops && o->pops_samples ? malloc((size_t)o->pops_samples * K * sizeof *pops) : NULL;
  double *mis = pops ? malloc(K * K * sizeof *mis) : NULL;
  int rc = 1;
  if ((o->samples && !samples) || (S->pops && o->pops_samples && (!pops || !mis))) {
    fprintf(stderr, "aceuq fit: out of memory (posterior samples)\n");
    goto done;
  }
  if (samples && aceuq_fit_posterior_samples(coef, cov, K, (size_t)o->samples, o->seed, samples, &err)) goto fail;
  if (pops && aceuq_fit_pops_samples(S->pops, (size_t)o->pops_samples, o->seed + 1, pops, mis, &err)) goto fail;
  post.samples = samples;
  post.nsamples = (size_t)o->samples;
  post.pops_samples = pops;
  post.pops_sigma_mis = mis;
  post.npops = pops ? (size_t)o->pops_samples : 0;
  post.committee = committee;
  post.ncommittee = committee ? (size_t)o->committee : 0;
  if (aceuq_fit_posterior_write(path, S->pot, &post, &err)) goto fail;
  printf("wrote %s (Bayesian: mean, covariance, %ld samples; ", path, o->samples);
  if (pops) printf("POPS: %ld samples and Sigma_mis; ", o->pops_samples);
  printf("committee: %ld members; seed %llu)\n", committee ? o->committee : 0L, o->seed);
  rc = 0;
  goto done;
fail:
  rc = cli_report(path, &err);
done:
  free(samples);
  free(pops);
  free(mis);
  return rc;
}

/* NAME.asi (and NAME.asil with --local): aceuq activeset on the written potential */
static int build_activeset(const fit_opts *o)
{
  char asi[4200];
  sibling(asi, sizeof asi, o->out, ".asi");
  char threads[32];
  snprintf(threads, sizeof threads, "%ld", o->threads);
  const char *argv[MAX_FILES + 16];
  int argc = 0;
  argv[argc++] = "activeset";
  argv[argc++] = o->out;
  for (int k = 0; k < o->ntrain; ++k) argv[argc++] = o->train[k];
  argv[argc++] = "-o";
  argv[argc++] = asi;
  if (strcmp(o->local, "none")) {
    argv[argc++] = "--local";
    argv[argc++] = o->local;
  }
  argv[argc++] = "--threads";
  argv[argc++] = threads;
  argv[argc] = NULL;
  fflush(stdout);
  return cli_cmd_activeset(argc, (char **)argv);
}

int cli_cmd_fit(int argc, char **argv)
{
  fit_opts o;
  int rc = parse(argc, argv, &o);
  if (rc) {
    usage();
    return rc;
  }
  aceuq_blas_set_threads((int)o.threads);
  const double t0 = now();
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_potential *pot = NULL;
  fit_state S;
  memset(&S, 0, sizeof S);
  S.o = &o;
  double *coef = NULL, *cov = NULL, *committee = NULL;
  rc = 1;
  if (aceuq_potential_load_basis(o.basis, &pot, &err) != ACEUQ_OK) {
    cli_report(o.basis, &err);
    goto done;
  }
  cli_print_notes(pot);
  S.pot = pot;
  S.r.ncols = aceuq_fit_design_columns(pot);
  const size_t K = S.r.ncols - (size_t)aceuq_potential_num_elements(pot);
  if (K == 0) {
    fprintf(stderr, "aceuq fit: %s has no B-basis (a .yace file?): the basis comes from a specification or a "
                    "pacemaker .yaml\n", o.basis);
    goto done;
  }
  /* row buffers grow with the largest frame (frame_rows_make) */
  S.r.erow = malloc(S.r.ncols * sizeof *S.r.erow);
  S.r.vrows = malloc(6 * S.r.ncols * sizeof *S.r.vrows);
  coef = calloc(K, sizeof *coef);
  cov = o.bayes ? malloc(K * K * sizeof *cov) : NULL;
  committee = o.committee ? malloc((size_t)o.committee * K * sizeof *committee) : NULL;
  int ok = S.r.erow && S.r.vrows && coef && (!o.bayes || cov) && (!o.committee || committee) &&
           aceuq_fit_accumulator_create(K, &S.acc, &err) == ACEUQ_OK;
  for (long m = 0; ok && m < o.committee; ++m) ok = aceuq_fit_accumulator_create(K, &S.members[m], &err) == ACEUQ_OK;
  if (!ok) {
    if (err.message[0]) cli_report("fit", &err);
    else fprintf(stderr, "aceuq fit: out of memory (%zu functions)\n", K);
    goto done;
  }
  printf("aceuq fit: basis %s, %zu functions, %s, weights energy %g force %g virial %g", o.basis, K,
         o.bayes ? "Bayesian ridge" : "ridge", o.we, o.wf, o.wv);
  for (int c = 0; c < o.ncw; ++c) printf(", %s x%g", o.cw[c].name, o.cw[c].w);
  printf(", %ld BLAS thread(s)\n", o.threads);
  fflush(stdout);
  if (pass(&S, PASS_ACCUMULATE, o.train, o.ntrain, "train")) goto done;
  if (aceuq_fit_accumulator_rows(S.acc) < K) {
    fprintf(stderr, "aceuq fit: %zu data rows (energies, force and virial components of weight > 0) for %zu "
                    "functions: more functions than data; add frames or use a smaller basis\n",
            aceuq_fit_accumulator_rows(S.acc), K);
    goto done;
  }
  const double t_rows = now();
  aceuq_fit_bayes_result br;
  memset(&br, 0, sizeof br);
  if (solve(&o, S.acc, coef, cov, &br, o.bayes ? "Bayesian ridge" : "ridge")) goto done;
  if (o.bayes)
    printf("Bayesian ridge: alpha %.6g, lambda %.6g, effective parameters %.2f of %zu, %d iterations%s, "
           "weighted rss %.6g over %zu rows\n", br.alpha, br.lambda, br.gamma, K, br.iterations,
           br.converged ? "" : " (NOT converged)", br.rss, aceuq_fit_accumulator_rows(S.acc));
  else
    printf("ridge: lambda %g, weighted rss %.6g over %zu rows\n", o.lambda, br.rss, aceuq_fit_accumulator_rows(S.acc));
  for (long m = 0; m < o.committee; ++m) {
    char what[64];
    snprintf(what, sizeof what, "committee member %ld", m);
    aceuq_fit_bayes_result mr;
    if (solve(&o, S.members[m], &committee[(size_t)m * K], NULL, &mr, what)) goto done;
  }
  if (o.committee)
    printf("committee: %ld members fitted on Poisson bootstrap resamples of the %s structures (seed %llu)\n",
           o.committee, "training", o.seed);
  const double t_solve = now();
  S.coef = coef;
  if (o.pops && aceuq_fit_pops_create(S.acc, coef, br.alpha, br.lambda, 0.01, &S.pops, &err)) {
    cli_report("POPS", &err);
    goto done;
  }
  char comment[512];
  snprintf(comment, sizeof comment, "aceuq fit on the basis of %s, %zu rows", o.basis,
           aceuq_fit_accumulator_rows(S.acc));
  if (aceuq_potential_write_linear_yaml(pot, coef, o.out, comment, &err) != ACEUQ_OK) {
    cli_report(o.out, &err);
    goto done;
  }
  /* the .yace twin (pair_style pace): the written .yaml, loaded, in C-tilde form */
  const size_t len = strlen(o.out);
  if (len > 5 && !strcmp(o.out + len - 5, ".yaml")) {
    char yace[4200];
    sibling(yace, sizeof yace, o.out, ".yace");
    aceuq_potential *fitted = NULL;
    if (aceuq_potential_load(o.out, &fitted, &err) != ACEUQ_OK ||
        aceuq_potential_write_yace(fitted, yace, &err) != ACEUQ_OK) {
      aceuq_potential_free(fitted);
      cli_report(yace, &err);
      goto done;
    }
    aceuq_potential_free(fitted);
    printf("wrote %s (C-tilde form for pair_style pace)\n", yace);
  }
  if (pass(&S, o.pops ? PASS_ERRORS_POPS : PASS_ERRORS, o.train, o.ntrain, "train")) goto done;
  if (S.pops) {
    size_t prow, pkept, pmodes;
    if (aceuq_fit_pops_end_pass(S.pops, &err)) {
      cli_report("POPS", &err);
      goto done;
    }
    if (pass(&S, PASS_POPS, o.train, o.ntrain, "train")) goto done;
    if (aceuq_fit_pops_end_pass(S.pops, &err)) {
      cli_report("POPS", &err);
      goto done;
    }
    aceuq_fit_pops_info(S.pops, &prow, &pkept, &pmodes);
    printf("POPS: %zu of %zu rows above 0.01 x RMSE, hypercube of %zu modes\n", pkept, prow, pmodes);
  }
  if (o.bayes && write_posterior(&o, &S, K, coef, cov, &br, committee)) goto done;
  const double t_post = now();
  if (o.ntest && pass(&S, PASS_ERRORS, o.test, o.ntest, "test")) goto done;
  const double t_test = now();
  if (o.activeset && build_activeset(&o)) goto done;
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  printf("wrote %s; rows %.2f s, solve %.2f s, errors and POPS %.2f s, test %.2f s, total %.2f s, peak memory "
         "%.1f MB\n", o.out, t_rows - t0, t_solve - t_rows, t_post - t_solve, t_test - t_post, now() - t0,
         (double)u.ru_maxrss / 1024.0);
  rc = 0;
done:
  free(cov);
  free(committee);
  free(S.r.erow);
  free(S.r.frows);
  free(S.r.vrows);
  free(S.r.rows);
  free(S.r.targets);
  free(S.r.weights);
  free(S.r.wtmp);
  free(S.r.mu);
  free(coef);
  aceuq_fit_accumulator_free(S.acc);
  for (long m = 0; m < o.committee; ++m) aceuq_fit_accumulator_free(S.members[m]);
  aceuq_fit_pops_free(S.pops);
  aceuq_potential_free(pot);
  return rc;
}
