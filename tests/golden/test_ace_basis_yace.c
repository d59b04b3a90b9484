/* Golden test: the C-tilde basis built from a pacemaker B-basis .yaml equals
 * the .yace that ML-PACE wrote for the same potential (count and order of the
 * functions, rank/mu0/mus/ns/ls/num_ms_combs/ms_combs exactly, ctildes to
 * 1e-12 relative).  Also reports B-function order ties.
 * Usage: test_ace_basis_yace <reference/ace/potentials>; exits 77 when the
 * reference files are missing. */
#include "ace_basis.h"
#include "ace_io.h"
#include "check.h"

#include <math.h>
#include <stdio.h>

static const char *pairs[] = {"Cu-I", "multispecies_AlNi", "Al-Ni_opt_all", "Cu.pbe.in"};
#define NPAIRS ((int)(sizeof pairs / sizeof pairs[0]))

static int same_ints(const int *a, const int *b, int n)
{
  for (int i = 0; i < n; ++i)
    if (a[i] != b[i]) return 0;
  return 1;
}

static void compare_pair(const char *dir, const char *name)
{
  char yaml[4096], yace[4096];
  snprintf(yaml, sizeof yaml, "%s/%s.yaml", dir, name);
  snprintf(yace, sizeof yace, "%s/%s.yace", dir, name);
  aceuq_error err = {0};
  ace_model *b = NULL, *c = NULL;
  ace_bbasis *bb = NULL;
  CHECK(ace_model_read_yaml(yaml, &b, &err) == ACEUQ_OK);
  if (!b) {
    fprintf(stderr, "%s\n", err.message);
    return;
  }
  CHECK(ace_model_read_yace(yace, &c, &err) == ACEUQ_OK);
  if (!c) {
    fprintf(stderr, "%s\n", err.message);
    ace_model_free(b);
    return;
  }
  CHECK(ace_basis_build(b, &bb, &err) == ACEUQ_OK);
  if (!bb) {
    fprintf(stderr, "%s\n", err.message);
    ace_model_free(b), ace_model_free(c);
    return;
  }
  CHECK(b->nelements == c->nelements);
  double max_rel = 0.0;
  size_t nfunc = 0, ntuples = 0, bad_funcs = 0;
  for (int mu = 0; mu < b->nelements && mu < c->nelements; ++mu) {
    CHECK(strcmp(b->elements[mu], c->elements[mu]) == 0);
    CHECK(b->nctilde[mu] == c->nctilde[mu]);
    size_t n = b->nctilde[mu] < c->nctilde[mu] ? b->nctilde[mu] : c->nctilde[mu];
    for (size_t i = 0; i < n; ++i) {
      const ace_ctilde_func *x = &b->ctilde[mu][i], *y = &c->ctilde[mu][i];
      int same = x->rank == y->rank && x->mu0 == y->mu0 && x->ndensity == y->ndensity &&
                 same_ints(x->mus, y->mus, x->rank) && same_ints(x->ns, y->ns, x->rank) &&
                 same_ints(x->ls, y->ls, x->rank) && x->num_ms_combs == y->num_ms_combs &&
                 same_ints(x->ms_combs, y->ms_combs, x->num_ms_combs * x->rank);
      CHECK(same);
      if (!same) {
        if (++bad_funcs <= 3)
          fprintf(stderr, "%s: species %d function %zu differs (rank %d/%d, %d/%d ms combinations)\n", name,
                  mu, i, x->rank, y->rank, x->num_ms_combs, y->num_ms_combs);
        continue;
      }
      ++nfunc;
      ntuples += (size_t)x->num_ms_combs;
      for (int k = 0; k < x->num_ms_combs * x->ndensity; ++k) {
        double ref = y->ctildes[k], d = fabs(x->ctildes[k] - ref);
        double rel = ref != 0.0 ? d / fabs(ref) : d;
        if (rel > max_rel) max_rel = rel;
      }
    }
  }
  printf("%-18s %zu C-tilde functions, %zu ms combinations equal; max relative ctilde deviation %.3g; "
         "B-function order ties: %zu\n",
         name, nfunc, ntuples, max_rel, bb->nties);
  CHECK(max_rel < 1e-12);
  CHECK(nfunc > 0);
  ace_bbasis_free(bb);
  ace_model_free(b);
  ace_model_free(c);
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: %s <reference/ace/potentials>\n", argv[0]);
    return 2;
  }
  for (int i = 0; i < NPAIRS; ++i) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.yace", argv[1], pairs[i]);
    FILE *f = fopen(path, "r");
    if (!f) {
      printf("SKIP: reference potential %s missing (set ACEUQ_SHARED_DIR)\n", path);
      return 77;
    }
    fclose(f);
  }
  for (int i = 0; i < NPAIRS; ++i) compare_pair(argv[1], pairs[i]);
  return check_summary("test_ace_basis_yace");
}
