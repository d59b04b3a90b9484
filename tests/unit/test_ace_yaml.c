/* Reference potentials (shared/reference/ace/potentials, read-only; exit 77
 * when absent): every .yaml and .yace parses; facts stated in the reference
 * README and docs/ace.md hold; the variants carry their changed keys; and
 * each .yaml/.yace twin (the same potential written by pacemaker and by
 * ML-PACE) agrees exactly in elements, embeddings, bonds (incl. every radial
 * coefficient -- the test of the flat-list reshape of Cu.pbe.in.yaml),
 * inner cutoff type and rank-1 coefficients. */
#include "ace_io.h"
#include "check.h"

#include <stdlib.h>
#include <sys/stat.h>

static char dir[1024];

static ace_model *load(const char *file)
{
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  ace_model *m = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_status st = ace_model_read(path, &m, &err);
  CHECK(st == ACEUQ_OK && m != NULL);
  if (st != ACEUQ_OK) fprintf(stderr, "%s: %s\n", file, err.message);
  return m;
}

static size_t count_rank(const ace_model *m, int mu, int rank)
{
  size_t n = 0;
  for (size_t f = 0; f < m->nbfuncs[mu]; ++f) n += m->bfuncs[mu][f].rank == rank;
  return n;
}

static void compare_twins(const char *yaml, const char *yace)
{
  ace_model *a = load(yaml), *b = load(yace);
  if (!a || !b) goto done;
  int ne = a->nelements;
  CHECK(b->nelements == ne);
  if (b->nelements != ne) goto done;
  CHECK(a->delta_spline_bins == b->delta_spline_bins);
  CHECK(a->inner_cutoff_type == b->inner_cutoff_type);
  for (int e = 0; e < ne; ++e) {
    CHECK(!strcmp(a->elements[e], b->elements[e]));
    const ace_embedding *x = &a->embeddings[e], *y = &b->embeddings[e];
    CHECK(x->ndensity == y->ndensity && x->type == y->type);
    CHECK(x->rho_core_cut == y->rho_core_cut && x->drho_core_cut == y->drho_core_cut);
    for (int p = 0; x->ndensity == y->ndensity && p < 2 * x->ndensity; ++p) CHECK(x->params[p] == y->params[p]);
  }
  for (int i = 0; i < ne * ne; ++i) {
    const ace_bond *x = &a->bonds[i], *y = &b->bonds[i];
    CHECK(x->defined && y->defined);
    CHECK(x->radbase == y->radbase && x->lambda == y->lambda && x->rcut == y->rcut && x->dcut == y->dcut);
    CHECK(x->nradmax == y->nradmax && x->lmax == y->lmax && x->nradbase == y->nradbase);
    CHECK(x->prehc == y->prehc && x->lambdahc == y->lambdahc && x->r_in == y->r_in && x->delta_in == y->delta_in);
    if (x->nradmax != y->nradmax || x->lmax != y->lmax || x->nradbase != y->nradbase) continue;
    size_t n = (size_t)x->nradmax * (size_t)(x->lmax + 1) * (size_t)x->nradbase, diff = 0;
    for (size_t k = 0; k < n; ++k) diff += x->crad[k] != y->crad[k];
    CHECK(diff == 0);
    if (diff) fprintf(stderr, "%s: bond %d: %zu of %zu radial coefficients differ from %s\n", yaml, i, diff, n, yace);
  }
  /* rank-1 C-tilde functions are the rank-1 B-functions (c~ = c) */
  for (int e = 0; e < ne; ++e) {
    size_t n1 = 0;
    for (size_t f = 0; f < b->nctilde[e]; ++f) {
      const ace_ctilde_func *c = &b->ctilde[e][f];
      if (c->rank != 1) continue;
      ++n1;
      int found = 0;
      for (size_t g = 0; g < a->nbfuncs[e] && !found; ++g) {
        const ace_bfunc *bf = &a->bfuncs[e][g];
        if (bf->rank != 1 || bf->mus[0] != c->mus[0] || bf->ns[0] != c->ns[0]) continue;
        found = 1;
        for (int p = 0; p < c->ndensity; ++p) CHECK(bf->coeffs[p] == c->ctildes[p]);
      }
      CHECK(found);
    }
    CHECK(n1 == count_rank(a, e, 1));
  }
done:
  ace_model_free(a);
  ace_model_free(b);
}

static void check_cu_i_base(const ace_model *m, ace_radbase_type rb, double lambda)
{
  CHECK(m->nelements == 1 && !strcmp(m->elements[0], "Cu"));
  CHECK(m->nbfuncs[0] == 82 && count_rank(m, 0, 1) == 15);
  CHECK(m->embeddings[0].ndensity == 2 && m->embeddings[0].type == ACE_EMBEDDING_FINNIS_SINCLAIR_SHIFTED_SCALED);
  const double fs[4] = {1, 1, 1, 0.5};
  for (int p = 0; p < 4; ++p) CHECK(m->embeddings[0].params[p] == fs[p]);
  const ace_bond *b = &m->bonds[0];
  CHECK(b->radbase == rb && b->lambda == lambda && b->rcut == 7.0 && b->dcut == 0.01);
  CHECK(b->nradmax == 3 && b->lmax == 2 && b->nradbase == 15);
  /* first and last radial coefficient as written in the file */
  CHECK(b->crad[0] == 1.0139372381840386 && b->crad[1] == 0.00079862452081194116);
  CHECK(m->E0[0] == 0.0 && m->delta_spline_bins == 0.001);
}

int main(int argc, char **argv)
{
  snprintf(dir, sizeof dir, "%s/reference/ace/potentials", argc > 1 ? argv[1] : ACEUQ_SHARED_DIR);
  struct stat sb;
  if (stat(dir, &sb) != 0) {
    printf("SKIP: reference potentials %s missing\n", dir);
    return 77;
  }
  ace_model *m;

  if ((m = load("Cu-I.yaml"))) {
    check_cu_i_base(m, ACE_RADBASE_CHEBEXPCOS, 5.25);
    CHECK(m->inner_cutoff_type == ACE_INNER_CUTOFF_DISTANCE && m->bonds[0].r_in == 0 && m->bonds[0].delta_in == 0);
    CHECK(m->bonds[0].prehc == 0 && m->bonds[0].lambdahc == 0);
    CHECK(m->embeddings[0].rho_core_cut == 100000 && m->embeddings[0].drho_core_cut == 250);
    CHECK(m->rankmax == 5 && m->cutoffmax == 7.0);
    ace_model_free(m);
  }
  if ((m = load("Cu-I.sbessel.yaml"))) {
    check_cu_i_base(m, ACE_RADBASE_SBESSEL, 5.25);
    ace_model_free(m);
  }
  if ((m = load("Cu-I.chebpow.yaml"))) {
    check_cu_i_base(m, ACE_RADBASE_CHEBPOW, 2.0);
    ace_model_free(m);
  }
  if ((m = load("Cu-I.zbl.yaml"))) {
    check_cu_i_base(m, ACE_RADBASE_CHEBEXPCOS, 5.25);
    CHECK(m->inner_cutoff_type == ACE_INNER_CUTOFF_ZBL && m->bonds[0].r_in == 1.5 && m->bonds[0].delta_in == 0.5);
    CHECK(m->bonds[0].prehc == 1.0 && m->bonds[0].lambdahc == 1.0);
    ace_model_free(m);
  }
  if ((m = load("Cu-I.corerep_density.yaml"))) {
    check_cu_i_base(m, ACE_RADBASE_CHEBEXPCOS, 5.25);
    CHECK(m->inner_cutoff_type == ACE_INNER_CUTOFF_DENSITY && m->bonds[0].prehc == 100 && m->bonds[0].lambdahc == 1);
    CHECK(m->embeddings[0].rho_core_cut == 100 && m->embeddings[0].drho_core_cut == 50);
    ace_model_free(m);
  }
  if ((m = load("Cu-I.corerep_density_active.yaml"))) {
    CHECK(m->inner_cutoff_type == ACE_INNER_CUTOFF_DENSITY && m->bonds[0].prehc == 100);
    CHECK(m->embeddings[0].rho_core_cut == 2.0 && m->embeddings[0].drho_core_cut == 1.0);
    ace_model_free(m);
  }
  if ((m = load("Cu-I.corerep_distance.yaml"))) {
    check_cu_i_base(m, ACE_RADBASE_CHEBEXPCOS, 5.25);
    CHECK(m->inner_cutoff_type == ACE_INNER_CUTOFF_DISTANCE && m->bonds[0].r_in == 2.0 && m->bonds[0].delta_in == 0.3);
    CHECK(m->bonds[0].prehc == 50 && m->bonds[0].lambdahc == 1.5);
    ace_model_free(m);
  }
  if ((m = load("Cu.pbe.in.yaml"))) {
    CHECK(m->nelements == 1 && m->nbfuncs[0] == 684 && m->embeddings[0].ndensity == 2);
    CHECK(m->bonds[0].rcut == 7.4 && m->bonds[0].radbase == ACE_RADBASE_CHEBPOW && m->bonds[0].lambda == 2.0);
    /* no inner_cutoff_type in the file -> density */
    CHECK(m->inner_cutoff_type == ACE_INNER_CUTOFF_DENSITY);
    /* flat list: first value is (k=0, n=0, l=0), second (k=0, n=0, l=1) */
    const ace_bond *b = &m->bonds[0];
    CHECK(b->crad[0] == 0.9096008989392217);
    CHECK(b->crad[(size_t)1 * (size_t)b->nradbase] == 2.6524658183207226);
    ace_model_free(m);
  }
  if ((m = load("multispecies_AlNi.yaml"))) {
    CHECK(m->nelements == 2 && !strcmp(m->elements[0], "Al") && !strcmp(m->elements[1], "Ni"));
    CHECK(m->embeddings[0].ndensity == 1 && m->embeddings[1].ndensity == 2);
    CHECK(m->nbfuncs[0] == 9 && m->nbfuncs[1] == 8); /* ASI Al (9,9), Ni (8,8) */
    ace_model_free(m);
  }
  compare_twins("Cu-I.yaml", "Cu-I.yace");
  compare_twins("multispecies_AlNi.yaml", "multispecies_AlNi.yace");
  compare_twins("Al-Ni_opt_all.yaml", "Al-Ni_opt_all.yace");
  compare_twins("Cu.pbe.in.yaml", "Cu.pbe.in.yace");
  return check_summary("test_ace_yaml");
}
