/* Gradients of the B-basis projections (ace_projection_gradients), the force rows of a
 * design matrix, against central finite differences of the projections themselves:
 *   d b_f / d r_ij,a  ~  (b_f(r_ij + h e_a) - b_f(r_ij - h e_a)) / 2h,  h = 1e-5 A,
 * for every function f (ranks 1..6 over the potentials, several elements, mixed-species neighbourhoods) and
 * every neighbour, including one beyond the cutoff (gradient exactly 0).  Potentials: the
 * project's own two-element test potential (ChebLinear, per-pair inner cutoffs, ranks 1..4), its
 * fitted CuNi (SBessel, two elements, ranks 1..5, enumerated from a specification) and Si, and,
 * when the reference data are there, Cu-I, Cu.pbe.in and multispecies_AlNi.
 * Also: the projections equal those of ace_evaluate_atom bit for bit; member gradients
 * (ace_member_gradients, the force spreads) do not depend on how the atom was evaluated before
 * (energy only, forces, projections, projections + forces, projection gradients: the workspace
 * holds the rank-1 basis, its derivatives or neither), bit for bit, and their own lane is the
 * atom's dE_i/dr_ij for a linear potential; in single precision (float blocks of 16 neighbours,
 * neighbourhoods of 1..40 neighbours so that blocks are full, half and partial) the members agree
 * with double to 1e-5 of their largest gradient and the own lane is the double one bit for bit;
 * the member force sums of ace_member_forces equal the scattered gradients (check_member_forces), also
 * through the public aceuq_spread_forces / aceuq_spread_gradients with their errors. */
#include "ace_evaluator.h"
#include "ace_io.h"
#include "ace_members.h"
#include "aceuq.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NNB 14

/* deterministic pseudo-random numbers in [0, 1) */
static double uniform(unsigned long long *s)
{
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(*s >> 11) / 9007199254740992.0;
}

/* r times a random unit vector, into d[0..2] */
static void random_bond(unsigned long long *seed, double r, double *d)
{
  const double z = 2.0 * uniform(seed) - 1.0, phi = 6.283185307179586 * uniform(seed), s = sqrt(1.0 - z * z);
  d[0] = r * s * cos(phi);
  d[1] = r * s * sin(phi);
  d[2] = r * z;
}

/* Where each species' columns start in a member matrix (projection order); returns the row length. */
static size_t member_offsets(const ace_evaluator *ev, size_t offset[8])
{
  size_t ldd = 0;
  for (int mu = 0; mu < ace_evaluator_model(ev)->nelements && mu < 8; ++mu) {
    offset[mu] = ldd;
    ldd += ace_evaluator_projection_size(ev, mu, ACE_PROJECTIONS_LINEAR);
  }
  return ldd;
}

static void neighbourhood(const ace_evaluator *ev, int nel, unsigned long long *seed, int *mu, double *rij)
{
  const double rmax = ace_evaluator_cutoff(ev, -1, -1);
  for (int j = 0; j < NNB; ++j) {
    const double r = j == NNB - 1 ? rmax + 0.5 : 2.0 + (rmax - 2.2) * uniform(seed); /* the last: beyond the cutoff */
    random_bond(seed, r, &rij[3 * j]);
    mu[j] = (int)(uniform(seed) * nel) % nel;
  }
}

/* Member gradients after each way of evaluating the atom: the same numbers bit for bit; the
 * potential's own lane (with_own) equals the forces of ace_evaluate_atom to round-off. */
static void check_member_gradients(const ace_evaluator *ev, ace_atom_workspace *ws, const char *path, int linear)
{
  const int nel = ace_evaluator_model(ev)->nelements;
  enum { M = 3 };
  size_t offset[8];
  const size_t ldd = member_offsets(ev, offset);
  unsigned long long seed = 777;
  double *D = malloc(M * ldd * sizeof *D);
  for (size_t k = 0; k < M * ldd; ++k) D[k] = uniform(&seed) - 0.5;
  ace_member_basis *mb = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(ace_member_basis_create(ev, M, D, ldd, offset, 1, 0, &mb, &err) == ACEUQ_OK);
  if (!mb) {
    fprintf(stderr, "%s: %s\n", path, err.message);
    free(D);
    return;
  }
  const size_t L = ace_member_basis_members(mb);
  for (int mu_i = 0; mu_i < nel; ++mu_i) {
    const size_t K = ace_evaluator_projection_size(ev, mu_i, ACE_PROJECTIONS_LINEAR);
    double *b = malloc(K * sizeof *b), *bg = malloc(K * NNB * 3 * sizeof *bg), *ref = malloc(NNB * L * 3 * sizeof *ref),
           *dev = malloc(NNB * L * 3 * sizeof *dev), dE[3 * NNB], e, worst_own = 0.0, fmax_ = 0.0;
    int mu[NNB], mu2[NNB], same = 1;
    double rij[3 * NNB], rij2[3 * NNB];
    neighbourhood(ev, nel, &seed, mu, rij);
    neighbourhood(ev, nel, &seed, mu2, rij2); /* another atom, evaluated in between: stale caches show */
    /* 0: projections without forces (what the pair style does), the reference */
    CHECK(ace_evaluate_atom(ev, ws, mu_i, NNB, mu, rij, &e, NULL, ACE_PROJECTIONS_LINEAR, b, &err) == ACEUQ_OK);
    CHECK(ace_member_gradients(ev, mb, ws, mu_i, NNB, ref, &err) == ACEUQ_OK);
    for (int how = 1; how <= 4; ++how) {
      aceuq_status st = ace_evaluate_atom(ev, ws, mu_i, NNB, mu2, rij2, &e, NULL, ACE_PROJECTIONS_LINEAR, b, &err);
      CHECK(st == ACEUQ_OK);
      if (how == 1) st = ace_evaluate_atom(ev, ws, mu_i, NNB, mu, rij, &e, NULL, ACE_PROJECTIONS_NONE, NULL, &err);
      if (how == 2) st = ace_evaluate_atom(ev, ws, mu_i, NNB, mu, rij, &e, dE, ACE_PROJECTIONS_NONE, NULL, &err);
      if (how == 3) st = ace_evaluate_atom(ev, ws, mu_i, NNB, mu, rij, &e, dE, ACE_PROJECTIONS_LINEAR, b, &err);
      if (how == 4) st = ace_projection_gradients(ev, ws, mu_i, NNB, mu, rij, b, bg, &err);
      CHECK(st == ACEUQ_OK);
      CHECK(ace_member_gradients(ev, mb, ws, mu_i, NNB, dev, &err) == ACEUQ_OK);
      same &= memcmp(dev, ref, NNB * L * 3 * sizeof *dev) == 0;
      if (how == 3)
        for (int j = 0; j < NNB; ++j)
          for (int a = 0; a < 3; ++a) {
            worst_own = fmax(worst_own, fabs(ref[((size_t)j * 3 + a) * L + M] - dE[3 * j + a]));
            fmax_ = fmax(fmax_, fabs(dE[3 * j + a]));
          }
    }
    printf("%s: species %s: member gradients after 5 kinds of evaluation %s; own lane vs forces %.1e (max %.3g)\n",
           path, ace_evaluator_model(ev)->elements[mu_i], same ? "identical" : "DIFFER", worst_own, fmax_);
    CHECK(same);
    if (linear) CHECK(worst_own <= 1e-12 * fmax(1.0, fmax_));
    free(b);
    free(bg);
    free(ref);
    free(dev);
  }
  ace_member_basis_free(mb);
  free(D);
}

/* Single-precision member gradients against double: the same member basis built both ways. */
static void check_single_precision(const ace_evaluator *ev, ace_atom_workspace *ws, const char *path)
{
  const int nel = ace_evaluator_model(ev)->nelements;
  enum { NMAX = 40 };
  static const size_t counts[] = {1, 3, 20}; /* members: 3 sets of block_contract, 1 left over, both */
  size_t offset[8];
  const size_t ldd = member_offsets(ev, offset);
  unsigned long long seed = 4242;
  const double rmax = ace_evaluator_cutoff(ev, -1, -1);
  double worst = 0.0;
  int own_same = 1;
  for (size_t c = 0; c < sizeof counts / sizeof counts[0]; ++c) {
    const size_t M = counts[c];
    double *D = malloc(M * ldd * sizeof *D);
    for (size_t k = 0; k < M * ldd; ++k) D[k] = 1e-2 * (uniform(&seed) - 0.5);
    ace_member_basis *md = NULL, *ms = NULL;
    aceuq_error err;
    aceuq_error_clear(&err);
    CHECK(ace_member_basis_create(ev, M, D, ldd, offset, 1, 0, &md, &err) == ACEUQ_OK);
    CHECK(ace_member_basis_create(ev, M, D, ldd, offset, 1, 1, &ms, &err) == ACEUQ_OK);
    const size_t L = M + 1;
    double *gd = malloc(NMAX * 3 * L * sizeof *gd), *gs = malloc(NMAX * 3 * L * sizeof *gs);
    for (int n = 1; md && ms && n <= NMAX; n += 3) /* 1, 4, .., 16, .., 40: single and two-half blocks */
      for (int mu_i = 0; mu_i < nel; ++mu_i) {
        int mu[NMAX];
        double rij[3 * NMAX], e, scale = 0.0, dmax = 0.0;
        for (int j = 0; j < n; ++j) {
          random_bond(&seed, 2.0 + (rmax - 2.2) * uniform(&seed), &rij[3 * j]);
          mu[j] = j % 5 == 4 ? (nel - 1) : 0; /* mostly one species: long runs of it */
        }
        CHECK(ace_evaluate_atom(ev, ws, mu_i, (size_t)n, mu, rij, &e, NULL, ACE_PROJECTIONS_LINEAR, NULL, &err) ==
              ACEUQ_OK);
        CHECK(ace_member_gradients(ev, md, ws, mu_i, (size_t)n, gd, &err) == ACEUQ_OK);
        CHECK(ace_member_gradients(ev, ms, ws, mu_i, (size_t)n, gs, &err) == ACEUQ_OK);
        for (int j = 0; j < n; ++j)
          for (int a = 0; a < 3; ++a) {
            const size_t row = ((size_t)j * 3 + (size_t)a) * L;
            own_same &= gd[row + M] == gs[row + M];
            for (size_t s = 0; s < M; ++s) {
              scale = fmax(scale, fabs(gd[row + s]));
              dmax = fmax(dmax, fabs(gd[row + s] - gs[row + s]));
            }
          }
        if (scale > 0) worst = fmax(worst, dmax / scale);
      }
    free(gd);
    free(gs);
    ace_member_basis_free(md);
    ace_member_basis_free(ms);
    free(D);
  }
  printf("%s: single-precision member gradients (1, 3, 20 members; 1..40 neighbours): %.1e of the largest; "
         "own lane %s\n", path, worst, own_same ? "identical" : "DIFFERS");
  CHECK(worst > 0.0 && worst < 1e-5);
  CHECK(own_same);
}

/* ace_member_forces (the sums a force loop needs, straight from the blocks) against the gradients of
 * ace_member_gradients scattered here in double, in both precisions, members 8 and 20 (sets stored
 * three at a time and one at a time); rows repeat and meet the centre's row (periodic images), and
 * dF starts non-zero (the pass adds).  Also the member gradients of 20 members against 20 bases of
 * one member each (one set per contraction: the grouped stores checked lane by lane). */
/* The reference for summed member forces: the gradients g[(j 3 + a) (M + 1) + s] of an atom's n
 * neighbours scattered by hand, ref[row_i][a][s] += g, ref[row_of[j]][a][s] -= g (rows of 3 M);
 * returns the largest |g| of the members. */
static double scatter_member_gradients(const double *g, int n, size_t M, const int *row_of, int row_i, double *ref)
{
  double scale = 0.0;
  for (int j = 0; j < n; ++j)
    for (size_t a = 0; a < 3; ++a)
      for (size_t s = 0; s < M; ++s) {
        const double v = g[((size_t)j * 3 + a) * (M + 1) + s];
        ref[((size_t)row_i * 3 + a) * M + s] += v;
        ref[((size_t)row_of[j] * 3 + a) * M + s] -= v;
        scale = fmax(scale, fabs(v));
      }
  return scale;
}

static void check_member_forces(const ace_evaluator *ev, ace_atom_workspace *ws, const char *path)
{
  const int nel = ace_evaluator_model(ev)->nelements;
  enum { NMAX = 40, ROWS = 6 };
  static const size_t counts[] = {8, 20};
  size_t offset[8];
  const size_t ldd = member_offsets(ev, offset);
  unsigned long long seed = 99173;
  const double rmax = ace_evaluator_cutoff(ev, -1, -1);
  double worst = 0.0, worst_one = 0.0, worst_float = 0.0;
  int own_same = 1;
  aceuq_error err;
  aceuq_error_clear(&err);
  for (size_t c = 0; c < sizeof counts / sizeof counts[0]; ++c)
    for (int single = 0; single <= 1; ++single) {
      const size_t M = counts[c], L = M + 1;
      double *D = malloc(M * ldd * sizeof *D);
      for (size_t k = 0; k < M * ldd; ++k) D[k] = 1e-2 * (uniform(&seed) - 0.5);
      ace_member_basis *mb = NULL, *one[20] = {NULL};
      CHECK(ace_member_basis_create(ev, M, D, ldd, offset, 1, single, &mb, &err) == ACEUQ_OK);
      const int by_one = M == 20 && !single;
      for (size_t s = 0; by_one && s < M; ++s)
        CHECK(ace_member_basis_create(ev, 1, D + s * ldd, ldd, offset, 1, 0, &one[s], &err) == ACEUQ_OK);
      double *g = malloc(NMAX * 3 * L * sizeof *g), *g1 = malloc(NMAX * 3 * 2 * sizeof *g1);
      double ref[ROWS * 3 * 20], dF[ROWS * 3 * 20], init[ROWS * 3 * 20], dE[3 * NMAX];
      for (int n = 1; mb && n <= NMAX; n += 3)
        for (int mu_i = 0; mu_i < nel; ++mu_i) {
          int mu[NMAX], row_of[NMAX];
          double rij[3 * NMAX], e, dmax = 0.0;
          const int row_i = (int)(uniform(&seed) * ROWS) % ROWS;
          for (int j = 0; j < n; ++j) {
            random_bond(&seed, j == n - 1 && n > 4 ? rmax + 0.3 : 2.0 + (rmax - 2.2) * uniform(&seed), &rij[3 * j]);
            mu[j] = j % 5 == 4 ? (nel - 1) : 0;
            row_of[j] = (int)(uniform(&seed) * ROWS) % ROWS;
          }
          CHECK(ace_evaluate_atom(ev, ws, mu_i, (size_t)n, mu, rij, &e, NULL, ACE_PROJECTIONS_LINEAR, NULL, &err) ==
                ACEUQ_OK);
          CHECK(ace_member_gradients(ev, mb, ws, mu_i, (size_t)n, g, &err) == ACEUQ_OK);
          for (size_t k = 0; k < ROWS * 3 * M; ++k) init[k] = dF[k] = ref[k] = uniform(&seed) - 0.5;
          const double scale = scatter_member_gradients(g, n, M, row_of, row_i, ref);
          CHECK(ace_member_forces(ev, mb, ws, mu_i, (size_t)n, row_of, row_i, dF, NULL, dE, &err) == ACEUQ_OK);
          for (size_t k = 0; k < ROWS * 3 * M; ++k) dmax = fmax(dmax, fabs((dF[k] - init[k]) - (ref[k] - init[k])));
          if (single) { /* float rows (starting at values of the size of the gradients) */
            float dFf[ROWS * 3 * 20], initf[ROWS * 3 * 20];
            double fmax_ = 0.0, dE2[3 * NMAX];
            for (size_t k = 0; k < ROWS * 3 * M; ++k) dFf[k] = initf[k] = (float)(scale * init[k]);
            CHECK(ace_member_forces(ev, mb, ws, mu_i, (size_t)n, row_of, row_i, NULL, dFf, dE2, &err) == ACEUQ_OK);
            for (size_t k = 0; k < ROWS * 3 * M; ++k)
              fmax_ = fmax(fmax_, fabs(((double)dFf[k] - initf[k]) - (ref[k] - init[k])));
            if (scale > 0) worst_float = fmax(worst_float, fmax_ / scale);
            for (int k = 0; k < 3 * n; ++k) own_same &= dE2[k] == dE[k];
          }
          for (int j = 0; j < n; ++j)
            for (int a = 0; a < 3; ++a) own_same &= dE[3 * j + a] == g[((size_t)j * 3 + a) * L + M];
          if (scale > 0) worst = fmax(worst, dmax / scale);
          for (size_t s = 0; by_one && s < M; ++s) {
            CHECK(ace_member_gradients(ev, one[s], ws, mu_i, (size_t)n, g1, &err) == ACEUQ_OK);
            for (int j = 0; j < n; ++j)
              for (int a = 0; a < 3; ++a)
                worst_one = fmax(worst_one, fabs(g1[((size_t)j * 3 + a) * 2] - g[((size_t)j * 3 + a) * L + s]) /
                                                fmax(scale, 1e-300));
          }
        }
      for (size_t s = 0; by_one && s < M; ++s) ace_member_basis_free(one[s]);
      free(g);
      free(g1);
      ace_member_basis_free(mb);
      free(D);
    }
  printf("%s: member forces summed by the pass vs scattered gradients (8, 20 members; double, single): %.1e of "
         "the largest gradient; single into float rows: %.1e; forces %s; 20 members vs one at a time: %.1e\n",
         path, worst, worst_float, own_same ? "identical" : "DIFFER", worst_one);
  CHECK(worst < 1e-12);
  CHECK(worst_float > 0.0 && worst_float < 1e-5); /* float rounding, not exact: the float rows were written */
  CHECK(own_same);
  CHECK(worst_one < 1e-12);
}

static void check_potential(const char *path, int linear)
{
  ace_model *m = NULL;
  ace_evaluator *ev = NULL;
  ace_atom_workspace *ws = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  if (ace_model_read(path, &m, &err) != ACEUQ_OK || ace_evaluator_create(m, &ev, &err) != ACEUQ_OK ||
      ace_atom_workspace_create(ev, &ws, &err) != ACEUQ_OK) {
    CHECK(0);
    fprintf(stderr, "%s: %s\n", path, err.message);
    return;
  }
  const int nel = ace_evaluator_model(ev)->nelements;
  unsigned long long seed = 20261203;
  const double h = 1e-5;
  for (int mu_i = 0; mu_i < nel; ++mu_i) {
    const size_t K = ace_evaluator_projection_size(ev, mu_i, ACE_PROJECTIONS_LINEAR);
    double *b = malloc(K * sizeof *b), *b0 = malloc(K * sizeof *b0), *bp = malloc(K * sizeof *bp),
           *bm = malloc(K * sizeof *bm), *g = malloc(K * NNB * 3 * sizeof *g);
    int mu[NNB];
    double rij[3 * NNB], e, worst = 0.0, scale = 0.0;
    neighbourhood(ev, nel, &seed, mu, rij);
    CHECK(ace_projection_gradients(ev, ws, mu_i, NNB, mu, rij, b, g, &err) == ACEUQ_OK);
    CHECK(ace_evaluate_atom(ev, ws, mu_i, NNB, mu, rij, &e, NULL, ACE_PROJECTIONS_LINEAR, b0, &err) == ACEUQ_OK);
    CHECK(memcmp(b, b0, K * sizeof *b) == 0);
    size_t nonzero = 0;
    for (int j = 0; j < NNB; ++j)
      for (int a = 0; a < 3; ++a) {
        const double x = rij[3 * j + a];
        rij[3 * j + a] = x + h;
        ace_evaluate_atom(ev, ws, mu_i, NNB, mu, rij, &e, NULL, ACE_PROJECTIONS_LINEAR, bp, &err);
        rij[3 * j + a] = x - h;
        ace_evaluate_atom(ev, ws, mu_i, NNB, mu, rij, &e, NULL, ACE_PROJECTIONS_LINEAR, bm, &err);
        rij[3 * j + a] = x;
        for (size_t f = 0; f < K; ++f) {
          const double fd = (bp[f] - bm[f]) / (2.0 * h), an = g[((size_t)j * 3 + (size_t)a) * K + f];
          worst = fmax(worst, fabs(fd - an));
          scale = fmax(scale, fabs(an));
          nonzero += an != 0.0;
          if (j == NNB - 1) CHECK(an == 0.0);
        }
      }
    /* FD error ~ h^2 b''' and round-off ~ eps |b| / h */
    double bmax = 0.0;
    for (size_t f = 0; f < K; ++f) bmax = fmax(bmax, fabs(b[f]));
    const double tol = 1e-7 * fmax(scale, 1.0) + 1e-12 * bmax / h;
    printf("%s: species %s: K = %zu, max |d b/dr| %.3g, max |analytic - FD| %.2e (tol %.1e), %zu nonzero\n", path,
           ace_evaluator_model(ev)->elements[mu_i], K, scale, worst, tol, nonzero);
    CHECK(worst <= tol);
    CHECK(nonzero > K); /* the gradients are not trivially zero */
    free(b);
    free(b0);
    free(bp);
    free(bm);
    free(g);
  }
  check_member_gradients(ev, ws, path, linear);
  if (linear) check_single_precision(ev, ws, path);
  if (linear) check_member_forces(ev, ws, path);
  ace_atom_workspace_free(ws);
  ace_evaluator_free(ev);
}

/* The public force-spread calls: aceuq_spread_forces equals aceuq_spread_gradients scattered (5 members,
 * a 30-neighbour atom with two periodic images of one neighbour), and so do aceuq_spread_forces_float's
 * float rows in single precision (to float rounding) with their spreads; the errors: force spreads
 * not enabled, a species out of range, float rows in double precision. */
static void check_public_spread_api(const char *path)
{
  enum { M = 5, N = 30 };
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_potential *pot = NULL;
  aceuq_workspace *ws = NULL;
  aceuq_spread *sp = NULL;
  CHECK(aceuq_potential_load(path, &pot, &err) == ACEUQ_OK && aceuq_workspace_create(pot, &ws, &err) == ACEUQ_OK);
  if (!pot || !ws) return;
  size_t K = 0;
  for (int mu = 0; mu < aceuq_potential_num_elements(pot); ++mu)
    K += aceuq_potential_projection_size(pot, mu, ACEUQ_PROJECTIONS_LINEAR);
  double *D = malloc(M * K * sizeof *D), rij[3 * N], g[N * 3 * (M + 1)], ref[4 * 3 * M] = {0}, dF[4 * 3 * M] = {0},
         dE[3 * N], e;
  int mu[N], row[N];
  unsigned long long seed = 31337;
  for (size_t k = 0; k < M * K; ++k) D[k] = 1e-2 * (uniform(&seed) - 0.5);
  for (int j = 0; j < N; ++j) {
    random_bond(&seed, 2.2 + 3.0 * uniform(&seed), &rij[3 * j]);
    mu[j] = 0;
    row[j] = j < 2 ? 3 : 1 + j % 3; /* rows 1..3; the atom itself is row 0 */
  }
  CHECK(aceuq_spread_create_shared(pot, M, D, &sp, &err) == ACEUQ_OK);
  CHECK(aceuq_evaluate_atom(pot, ws, 0, N, mu, rij, &e, NULL, ACEUQ_PROJECTIONS_LINEAR, NULL, &err) == ACEUQ_OK);
  CHECK(aceuq_spread_forces(sp, ws, 0, N, row, 0, dF, dE, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "not enabled");
  CHECK(aceuq_spread_enable_forces(sp, ACEUQ_FORCES_DOUBLE, &err) == ACEUQ_OK);
  CHECK(aceuq_spread_forces(sp, ws, 7, N, row, 0, dF, dE, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "out of range");
  CHECK(aceuq_spread_gradients(sp, ws, 0, N, g, &err) == ACEUQ_OK);
  CHECK(aceuq_spread_forces(sp, ws, 0, N, row, 0, dF, dE, &err) == ACEUQ_OK);
  double worst = 0.0;
  const double scale = scatter_member_gradients(g, N, M, row, 0, ref);
  int own = 1;
  for (int j = 0; j < N; ++j)
    for (int a = 0; a < 3; ++a) own &= dE[3 * j + a] == g[((size_t)j * 3 + (size_t)a) * (M + 1) + M];
  for (int k = 0; k < 4 * 3 * M; ++k) worst = fmax(worst, fabs(dF[k] - ref[k]));
  printf("%s: aceuq_spread_forces vs aceuq_spread_gradients scattered: %.1e of the largest gradient %.2g; forces %s\n",
         path, worst / scale, scale, own ? "identical" : "DIFFER");
  CHECK(scale > 0.0 && worst <= 1e-13 * scale);
  CHECK(own);
  /* float rows: single precision only; the same sums to float rounding, the same own forces */
  float dFf[4 * 3 * M] = {0};
  double dE2[3 * N];
  CHECK(aceuq_spread_forces_float(sp, ws, 0, N, row, 0, dFf, dE2, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "ACEUQ_FORCES_SINGLE");
  CHECK(aceuq_spread_enable_forces(sp, ACEUQ_FORCES_SINGLE, &err) == ACEUQ_OK);
  CHECK(aceuq_spread_forces_float(sp, ws, 0, N, row, 0, dFf, dE2, &err) == ACEUQ_OK);
  double worst_f = 0.0, sd_diff = 0.0;
  for (int k = 0; k < 4 * 3 * M; ++k) worst_f = fmax(worst_f, fabs(dFf[k] - ref[k]));
  for (int k = 0; k < 3 * N; ++k) own &= dE2[k] == dE[k];
  for (int r = 0; r < 4; ++r)
    sd_diff = fmax(sd_diff, fabs(aceuq_spread_force_std_float(&dFf[r * 3 * M], M) -
                                 aceuq_spread_force_std(&ref[r * 3 * M], M)));
  printf("%s: aceuq_spread_forces_float (single) vs double scattered: %.1e of the largest gradient; force spreads "
         "%.1e; forces %s\n", path, worst_f / scale, sd_diff / scale, own ? "identical" : "DIFFER");
  CHECK(worst_f > 0.0 && worst_f <= 1e-5 * scale && sd_diff <= 1e-5 * scale);
  CHECK(own);
  aceuq_spread_free(sp);
  aceuq_workspace_free(ws);
  aceuq_potential_free(pot);
  free(D);
}

int main(int argc, char **argv)
{
  /* linear: E_i = c . b(i), so the members' own lane is dE_i/dr_ij (the others have a
   * non-linear embedding, or core repulsion outside c . b) */
  check_potential(ACEUQ_POTENTIALS_DIR "/AlNi_cheblinear_test.yaml", 0);
  check_potential(ACEUQ_POTENTIALS_DIR "/CuNi.yaml", 1); /* aceuq fit's own: SBessel, two elements, rank 5 */
  check_potential(ACEUQ_POTENTIALS_DIR "/Si.yaml", 0);
  check_potential(ACEUQ_POTENTIALS_DIR "/Cu.yaml", 1);
  check_public_spread_api(ACEUQ_POTENTIALS_DIR "/Cu.yaml");
  char path[4096];
  const char *shared = argc > 1 ? argv[1] : ACEUQ_SHARED_DIR;
  const char *names[] = {"Cu-I.yaml", "Cu.pbe.in.yaml", "multispecies_AlNi.yaml"};
  for (int i = 0; i < 3; ++i) {
    snprintf(path, sizeof path, "%s/reference/ace/potentials/%s", shared, names[i]);
    FILE *f = fopen(path, "r");
    if (!f) {
      printf("note: %s not found: reference potentials skipped\n", path);
      break;
    }
    fclose(f);
    check_potential(path, 0);
  }
  /* no B-basis: a clear error */
  snprintf(path, sizeof path, "%s/reference/ace/potentials/Cu-I.yace", shared);
  FILE *f = fopen(path, "r");
  if (f) {
    fclose(f);
    ace_model *m = NULL;
    ace_evaluator *ev = NULL;
    ace_atom_workspace *ws = NULL;
    aceuq_error err;
    aceuq_error_clear(&err);
    CHECK(ace_model_read(path, &m, &err) == ACEUQ_OK && ace_evaluator_create(m, &ev, &err) == ACEUQ_OK &&
          ace_atom_workspace_create(ev, &ws, &err) == ACEUQ_OK);
    int mu = 0;
    double rij[3] = {2.5, 0, 0}, b[1], g[3];
    CHECK(ace_projection_gradients(ev, ws, 0, 1, &mu, rij, b, g, &err) == ACEUQ_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "need a B-basis");
    ace_atom_workspace_free(ws);
    ace_evaluator_free(ev);
  }
  return check_summary("test_projection_gradients");
}
