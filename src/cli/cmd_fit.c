/* cmd_fit.c -- `aceuq fit BASIS.yaml --train A.xyz... [--test B.xyz...] -o OUT.yaml
 * [--ridge LAMBDA | --bayes] [--energy-weight 1] [--force-weight 1]
 * [--virial-weight 0] [--samples 32] [--seed 12345] [--threads 1]`: a linear ACE potential on the B-basis
 * (radial bases and B-functions) of BASIS.yaml, fitted to labelled frames.
 *
 * Rows per training frame (aceuq_fit_design_rows): the energy per atom
 * (row / N, target E / N, weight energy-weight), the 3N force components
 * (weight force-weight / (3N): every frame's forces count as much as its
 * energy), the 6 virial components per atom (weight virial-weight), streamed
 * into the QR (memory O(K^2)).  Frames without forces / virial contribute
 * what they have; a frame without energy is an error.  The .yaml format has
 * no reference energies, so the model has none: E(isolated atom) = 0, as for
 * the EAM and Stillinger-Weber oracles.  Solver: Bayesian ridge (default;
 * evidence-optimal alpha, lambda) or ridge with a fixed lambda.  With
 * Bayesian ridge, NAME.posterior.npz holds the posterior (mean, covariance,
 * --samples seeded samples; docs/posterior_format.md).
 * Report: per config_type and overall, energy RMSE (meV/atom) and force RMSE
 * (meV/A) on train and test, the solver's numbers, time and peak memory.
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

typedef struct fit_opts {
  const char *basis, *out;
  const char *train[MAX_FILES], *test[MAX_FILES];
  int ntrain, ntest, bayes;
  double lambda, we, wf, wv;
  long threads, samples;
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
                  "                 [--virial-weight 0] [--samples 32] [--seed 12345] [--threads 1]\n");
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int parse(int argc, char **argv, fit_opts *o)
{
  memset(o, 0, sizeof *o);
  o->bayes = 1;
  o->we = o->wf = 1.0;
  o->threads = 1;
  o->samples = 32;
  o->seed = 12345;
  const char **list = NULL; /* the file list being filled (after --train / --test) */
  int *count = NULL;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const int has = i + 1 < argc;
    char *end = NULL;
    if (!strcmp(a, "--train")) list = o->train, count = &o->ntrain;
    else if (!strcmp(a, "--test")) list = o->test, count = &o->ntest;
    else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && has) o->out = argv[++i], list = NULL;
    else if (!strcmp(a, "--bayes")) o->bayes = 1, list = NULL;
    else if (!strcmp(a, "--ridge") && has) {
      o->bayes = 0;
      o->lambda = strtod(argv[++i], &end);
      if (*end || !(o->lambda >= 0)) return fprintf(stderr, "aceuq fit: --ridge needs a number >= 0\n"), 2;
      list = NULL;
    } else if ((!strcmp(a, "--energy-weight") || !strcmp(a, "--force-weight") || !strcmp(a, "--virial-weight")) &&
               has) {
      double v = strtod(argv[++i], &end);
      if (*end || !(v >= 0)) return fprintf(stderr, "aceuq fit: %s needs a number >= 0\n", a), 2;
      *(a[2] == 'e' ? &o->we : a[2] == 'f' ? &o->wf : &o->wv) = v;
      list = NULL;
    } else if (!strcmp(a, "--samples") && has) {
      o->samples = strtol(argv[++i], &end, 10);
      if (*end || o->samples < 0 || o->samples > 100000) return fprintf(stderr, "aceuq fit: bad --samples\n"), 2;
      list = NULL;
    } else if (!strcmp(a, "--seed") && has) {
      o->seed = strtoull(argv[++i], &end, 10);
      if (*end) return fprintf(stderr, "aceuq fit: bad --seed\n"), 2;
      list = NULL;
    } else if (!strcmp(a, "--threads") && has) {
      o->threads = strtol(argv[++i], &end, 10);
      if (*end || o->threads < 1 || o->threads > 1024) return fprintf(stderr, "aceuq fit: bad --threads\n"), 2;
      list = NULL;
    } else if (a[0] == '-') {
      fprintf(stderr, "aceuq fit: unknown option or missing value: %s\n", a);
      return 2;
    } else if (list) {
      if (*count == MAX_FILES) return fprintf(stderr, "aceuq fit: at most %d files per list\n", MAX_FILES), 2;
      list[(*count)++] = a;
    } else if (!o->basis) o->basis = a;
    else return fprintf(stderr, "aceuq fit: unexpected argument %s\n", a), 2;
  }
  if (!o->basis || !o->out || !o->ntrain) return fprintf(stderr, "aceuq fit: needs BASIS.yaml, --train and -o\n"), 2;
  return 0;
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
  double *erow, *frows, *vrows, *rows, *targets, *weights;
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
    r->frows = malloc(3 * n * nc * sizeof *r->frows);
    r->mu = malloc(n * sizeof *r->mu);
    r->rows = malloc(nrow * K * sizeof *r->rows);
    r->targets = malloc(nrow * sizeof *r->targets);
    r->weights = malloc(nrow * sizeof *r->weights);
    if (!r->frows || !r->mu || !r->rows || !r->targets || !r->weights) {
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

/* pass over files: accumulate (acc != NULL) or evaluate errors with coef */
static int pass(const fit_opts *o, const aceuq_potential *pot, const char *const *files, int nfiles, frame_rows *r,
                aceuq_fit_accumulator *acc, const double *coef, const char *set)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  const size_t K = r->ncols - (size_t)aceuq_potential_num_elements(pot);
  err_stats all, cls[MAX_CLASSES];
  memset(&all, 0, sizeof all);
  int ncls = 0;
  for (int k = 0; k < nfiles; ++k) {
    aceuq_frame *frames = NULL;
    size_t nf = 0;
    if (aceuq_extxyz_read_file(files[k], &frames, &nf, &err) != ACEUQ_OK) return cli_report(files[k], &err);
    for (size_t f = 0; f < nf; ++f) {
      const aceuq_frame *fr = &frames[f];
      if (!fr->has_energy) {
        fprintf(stderr, "aceuq fit: %s frame %zu (line %zu) has no energy= label (label it with aceuq label)\n",
                files[k], f, fr->line);
        aceuq_frames_free(frames, nf);
        return 1;
      }
      if (fr->natoms == 0) continue;
      if (frame_rows_make(r, pot, fr, files[k], f, &err)) {
        aceuq_frames_free(frames, nf);
        return 1;
      }
      const double N = (double)fr->natoms;
      /* rows without the E0 columns (the .yaml has none) */
      size_t nrow = 0;
      const size_t nforce = fr->forces ? 3 * fr->natoms : 0, nvir = fr->has_virial ? 6 : 0;
      const int ab[6] = {0, 4, 8, 1, 2, 5};
      for (size_t c = 0; c < K; ++c) r->rows[c] = r->erow[c] / N;
      r->targets[0] = fr->energy / N;
      r->weights[0] = o->we;
      nrow = 1;
      for (size_t q = 0; q < nforce; ++q, ++nrow) {
        memcpy(&r->rows[nrow * K], &r->frows[q * r->ncols], K * sizeof *r->rows);
        r->targets[nrow] = fr->forces[q];
        r->weights[nrow] = o->wf / (double)nforce;
      }
      for (size_t v = 0; v < nvir; ++v, ++nrow) {
        for (size_t c = 0; c < K; ++c) r->rows[nrow * K + c] = r->vrows[v * r->ncols + c] / N;
        r->targets[nrow] = fr->virial[ab[v]] / N;
        r->weights[nrow] = o->wv / 6.0;
      }
      if (acc) {
        if (aceuq_fit_accumulator_add(acc, r->rows, r->targets, r->weights, nrow, &err) != ACEUQ_OK) {
          char ctx[4200];
          snprintf(ctx, sizeof ctx, "%s frame %zu", files[k], f);
          aceuq_frames_free(frames, nf);
          return cli_report(ctx, &err);
        }
      } else {
        double pred_e = 0.0, se_f = 0.0;
        for (size_t c = 0; c < K; ++c) pred_e += r->rows[c] * coef[c];
        for (size_t q = 0; q < nforce; ++q) {
          double p = 0.0;
          for (size_t c = 0; c < K; ++c) p += r->rows[(1 + q) * K + c] * coef[c];
          se_f += (p - fr->forces[q]) * (p - fr->forces[q]);
        }
        stats_add(&all, cls, &ncls, fr->config_type[0] ? fr->config_type : "(none)", pred_e - fr->energy / N,
                  se_f, nforce);
      }
    }
    aceuq_frames_free(frames, nf);
  }
  if (!acc) print_stats(set, &all, cls, ncls);
  return 0;
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
  aceuq_fit_accumulator *acc = NULL;
  double *coef = NULL, *cov = NULL;
  frame_rows r;
  memset(&r, 0, sizeof r);
  rc = 1;
  if (aceuq_potential_load_basis(o.basis, &pot, &err) != ACEUQ_OK) {
    cli_report(o.basis, &err);
    goto done;
  }
  cli_print_notes(pot);
  r.ncols = aceuq_fit_design_columns(pot);
  const size_t K = r.ncols - (size_t)aceuq_potential_num_elements(pot);
  if (K == 0) {
    fprintf(stderr, "aceuq fit: %s has no B-basis (a .yace file?): the basis comes from a pacemaker .yaml\n",
            o.basis);
    goto done;
  }
  /* row buffers grow with the largest frame (frame_rows_make) */
  r.erow = malloc(r.ncols * sizeof *r.erow);
  r.vrows = malloc(6 * r.ncols * sizeof *r.vrows);
  coef = calloc(K, sizeof *coef);
  if (!r.erow || !r.vrows || !coef || aceuq_fit_accumulator_create(K, &acc, &err) != ACEUQ_OK) {
    if (err.message[0]) cli_report("fit", &err);
    else fprintf(stderr, "aceuq fit: out of memory\n");
    goto done;
  }
  printf("aceuq fit: basis %s, %zu functions, %s, weights energy %g force %g virial %g, %ld BLAS thread(s)\n",
         o.basis, K, o.bayes ? "Bayesian ridge" : "ridge", o.we, o.wf, o.wv, o.threads);
  if (pass(&o, pot, o.train, o.ntrain, &r, acc, NULL, "train")) goto done;
  const double t_rows = now();
  aceuq_fit_bayes_result br;
  memset(&br, 0, sizeof br);
  if (o.bayes) {
    cov = malloc(K * K * sizeof *cov);
    if (!cov) {
      fprintf(stderr, "aceuq fit: out of memory (covariance %zu x %zu)\n", K, K);
      goto done;
    }
    if (aceuq_fit_solve_bayes(acc, NULL, coef, cov, &br, &err) != ACEUQ_OK) {
      cli_report("Bayesian ridge", &err);
      goto done;
    }
    printf("Bayesian ridge: alpha %.6g, lambda %.6g, effective parameters %.2f of %zu, %d iterations%s, "
           "weighted rss %.6g over %zu rows\n", br.alpha, br.lambda, br.gamma, K, br.iterations,
           br.converged ? "" : " (NOT converged)", br.rss, aceuq_fit_accumulator_rows(acc));
  } else {
    double rss;
    if (aceuq_fit_solve_ridge(acc, o.lambda, coef, &rss, &err) != ACEUQ_OK) {
      cli_report("ridge", &err);
      goto done;
    }
    printf("ridge: lambda %g, weighted rss %.6g over %zu rows\n", o.lambda, rss, aceuq_fit_accumulator_rows(acc));
  }
  const double t_solve = now();
  char comment[512];
  snprintf(comment, sizeof comment, "aceuq fit on the basis of %s, %zu rows", o.basis,
           aceuq_fit_accumulator_rows(acc));
  if (aceuq_potential_write_linear_yaml(pot, coef, o.out, comment, &err) != ACEUQ_OK) {
    cli_report(o.out, &err);
    goto done;
  }
  /* the .yace twin (pair_style pace): the written .yaml, loaded, in C-tilde form */
  char yace[4200];
  const size_t len = strlen(o.out);
  if (len > 5 && !strcmp(o.out + len - 5, ".yaml") && len < sizeof yace) {
    snprintf(yace, sizeof yace, "%.*s.yace", (int)(len - 5), o.out);
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
  if (o.bayes && len > 5 && len + 20 < sizeof yace) { /* NAME.posterior.npz */
    const size_t stem = !strcmp(o.out + len - 5, ".yaml") ? len - 5 : len;
    snprintf(yace, sizeof yace, "%.*s.posterior.npz", (int)stem, o.out);
    double *samples = o.samples ? malloc((size_t)o.samples * K * sizeof *samples) : NULL;
    if ((o.samples && !samples) ||
        (o.samples && aceuq_fit_posterior_samples(coef, cov, K, (size_t)o.samples, o.seed, samples, &err)) ||
        aceuq_fit_posterior_write(yace, pot, coef, cov, samples, (size_t)o.samples, br.alpha, br.lambda, o.seed,
                                  &err) != ACEUQ_OK) {
      free(samples);
      cli_report(yace, &err);
      goto done;
    }
    free(samples);
    printf("wrote %s (posterior: mean, covariance, %ld samples, seed %llu)\n", yace, o.samples, o.seed);
  }
  if (pass(&o, pot, o.train, o.ntrain, &r, NULL, coef, "train")) goto done;
  if (o.ntest && pass(&o, pot, o.test, o.ntest, &r, NULL, coef, "test")) goto done;
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  printf("wrote %s; rows %.2f s, solve %.2f s, total %.2f s, peak memory %.1f MB\n", o.out, t_rows - t0,
         t_solve - t_rows, now() - t0, (double)u.ru_maxrss / 1024.0);
  rc = 0;
done:
  free(cov);
  free(r.erow);
  free(r.frows);
  free(r.vrows);
  free(r.rows);
  free(r.targets);
  free(r.weights);
  free(r.mu);
  free(coef);
  aceuq_fit_accumulator_free(acc);
  aceuq_potential_free(pot);
  return rc;
}
