/* cmd_ace_info.c -- `aceuq info POT.(yaml|yml|yace)`: human-readable summary
 * of an ACE potential: elements, spline step, inner cutoff type, per element
 * the embedding and the number of functions per rank, per ordered pair the
 * radial basis and cutoffs. */
#include "ace_io.h"
#include "ace_spec.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void print_counts(const ace_model *m, int mu)
{
  size_t per_rank[ACE_MAX_RANK + 1] = {0}, total = 0;
  const char *kind = m->bfuncs ? "B-basis" : "C-tilde";
  size_t n = m->bfuncs ? m->nbfuncs[mu] : m->nctilde ? m->nctilde[mu] : 0;
  for (size_t f = 0; f < n; ++f) {
    int r = m->bfuncs ? m->bfuncs[mu][f].rank : m->ctilde[mu][f].rank;
    if (r >= 1 && r <= ACE_MAX_RANK) ++per_rank[r];
    ++total;
  }
  printf("    %s functions: %zu (", kind, total);
  const char *sep = "";
  for (int r = 1; r <= ACE_MAX_RANK; ++r)
    if (per_rank[r]) {
      printf("%srank %d: %zu", sep, r, per_rank[r]);
      sep = ", ";
    }
  printf(")\n");
}

int cli_cmd_ace_info(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: aceuq info POTENTIAL.(yaml|yml|yace)\n");
    return 2;
  }
  ace_model *m;
  aceuq_error err;
  aceuq_error_clear(&err);
  if (ace_model_read_basis(argv[1], &m, &err) != ACEUQ_OK) return cli_report("info", &err);
  int ne = m->nelements;
  printf("potential: %s (%s)\n", m->source, m->bfuncs ? "pacemaker B-basis" : "ML-PACE C-tilde");
  printf("elements (%d):", ne);
  for (int e = 0; e < ne; ++e) printf(" %s", m->elements[e]);
  printf("\nDeltaSplineBins: %g\ninner cutoff type: %s\ncutoffmax: %g\n", m->delta_spline_bins,
         ace_inner_cutoff_name(m->inner_cutoff_type), m->cutoffmax);
  printf("global maxima: rank %d, lmax %d, nradmax %d, nradbase %d, ndensity %d\n", m->rankmax, m->lmax,
         m->nradmax, m->nradbase, m->ndensitymax);
  for (int e = 0; e < ne; ++e) {
    const ace_embedding *emb = &m->embeddings[e];
    printf("element %s (species %d):\n    E0: %g\n    embedding: %s, ndensity %d, parameters [", m->elements[e],
           e, m->E0[e], ace_embedding_name(emb->type), emb->ndensity);
    for (int p = 0; p < 2 * emb->ndensity; ++p) printf("%s%g", p ? ", " : "", emb->params[p]);
    printf("], rho_core_cut %g, drho_core_cut %g\n", emb->rho_core_cut, emb->drho_core_cut);
    print_counts(m, e);
  }
  for (int i = 0; i < ne; ++i)
    for (int j = 0; j < ne; ++j) {
      const ace_bond *b = &m->bonds[i * ne + j];
      printf("bond %s-%s: ", m->elements[i], m->elements[j]);
      if (!b->defined) {
        printf("not defined\n");
        continue;
      }
      printf("%s, lambda %g, nradbase %d, nradmax %d, lmax %d, rcut %g, dcut %g, core repulsion [%g, %g], "
             "r_in %g, delta_in %g\n", ace_radbase_name(b->radbase), b->lambda, b->nradbase, b->nradmax, b->lmax,
             b->rcut, b->dcut, b->prehc, b->lambdahc, b->r_in, b->delta_in);
    }
  /* what the reader ignored, as ML-PACE does (docs/potential_files.md) */
  printf("notes: %zu\n", m->notes.count + m->notes.dropped);
  for (size_t i = 0; i < m->notes.count; ++i) printf("    %s\n", m->notes.text[i]);
  if (m->notes.dropped) printf("    ... and %zu more\n", m->notes.dropped);
  ace_model_free(m);
  return 0;
}

/* aceuq yace POT.(yaml|yace) -o OUT.yace: the C-tilde form ML-PACE's pair_style pace reads */
int cli_cmd_yace(int argc, char **argv)
{
  const char *in = NULL, *out = NULL;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
    else if (!in && argv[i][0] != '-') in = argv[i];
    else {
      fprintf(stderr, "usage: aceuq yace POTENTIAL.(yaml|yml|yace) -o OUT.yace\n");
      return 2;
    }
  }
  if (!in || !out) {
    fprintf(stderr, "usage: aceuq yace POTENTIAL.(yaml|yml|yace) -o OUT.yace\n");
    return 2;
  }
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_potential *pot = NULL;
  if (aceuq_potential_load(in, &pot, &err) != ACEUQ_OK) return cli_report(in, &err);
  cli_print_notes(pot);
  int rc = aceuq_potential_write_yace(pot, out, &err) == ACEUQ_OK ? 0 : cli_report(out, &err);
  if (!rc) printf("wrote %s (C-tilde basis of %s)\n", out, in);
  aceuq_potential_free(pot);
  return rc;
}
