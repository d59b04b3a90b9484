/* ace_yace_write.c -- write a potential in ML-PACE's C-tilde format .yace
 * (aceuq.h: aceuq_potential_write_yace), the file `pair_style pace` reads.
 *
 * The C-tilde basis is the one the evaluator runs: built from the B-basis
 * at load for a .yaml (ML-PACE's to_ACECTildeBasisSet, see ace_basis.h), or
 * as read from a .yace.  Layout as ML-PACE's ACECTildeBasisSet::save_yaml
 * (keys elements, E0, deltaSplineBins, embeddings, bonds, functions; rank-1
 * functions first), numbers with 17 significant digits, so that reading the
 * file back gives the same potential bit for bit. */
#include "aceuq.h"

#include "ace_evaluator.h"
#include "ace_io.h"
#include "error_internal.h"
#include "potential_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void write_ints(FILE *out, const int *v, int n)
{
  fputc('[', out);
  for (int i = 0; i < n; ++i) fprintf(out, "%s%d", i ? ", " : "", v[i]);
  fputc(']', out);
}

static void write_doubles(FILE *out, const double *v, size_t n)
{
  fputc('[', out);
  for (size_t i = 0; i < n; ++i) fprintf(out, "%s%.17g", i ? ", " : "", v[i]);
  fputc(']', out);
}

static void write_model(FILE *out, const ace_model *m)
{
  const int ne = m->nelements;
  fprintf(out, "elements: [");
  for (int e = 0; e < ne; ++e) fprintf(out, "%s%s", e ? ", " : "", m->elements[e]);
  fprintf(out, "]\nE0: ");
  write_doubles(out, m->E0, (size_t)ne);
  fprintf(out, "\ndeltaSplineBins: %.17g\nembeddings:\n", m->delta_spline_bins);
  for (int e = 0; e < ne; ++e) {
    const ace_embedding *emb = &m->embeddings[e];
    fprintf(out, "  %d: {ndensity: %d, FS_parameters: ", e, emb->ndensity);
    write_doubles(out, emb->params, 2 * (size_t)emb->ndensity);
    fprintf(out, ", npoti: %s, rho_core_cutoff: %.17g, drho_core_cutoff: %.17g}\n", ace_embedding_name(emb->type),
            emb->rho_core_cut, emb->drho_core_cut);
  }
  fprintf(out, "bonds:\n");
  for (int i = 0; i < ne; ++i)
    for (int j = 0; j < ne; ++j) {
      const ace_bond *b = &m->bonds[i * ne + j];
      if (!b->defined) continue;
      fprintf(out, "  [%d, %d]: {nradmax: %d, lmax: %d, nradbasemax: %d, radbasename: %s, radparameters: [%.17g], "
              "radcoefficients: [", i, j, b->nradmax, b->lmax, b->nradbase, ace_radbase_name(b->radbase), b->lambda);
      for (int n = 0; n < b->nradmax; ++n) {
        fprintf(out, "%s[", n ? ", " : "");
        for (int l = 0; l <= b->lmax; ++l) {
          fputs(l ? ", " : "", out);
          write_doubles(out, &b->crad[((size_t)n * (b->lmax + 1) + l) * b->nradbase], (size_t)b->nradbase);
        }
        fputc(']', out);
      }
      fprintf(out, "], prehc: %.17g, lambdahc: %.17g, rcut: %.17g, dcut: %.17g, rcut_in: %.17g, dcut_in: %.17g, "
              "inner_cutoff_type: %s}\n", b->prehc, b->lambdahc, b->rcut, b->dcut, b->r_in, b->delta_in,
              ace_inner_cutoff_name(m->inner_cutoff_type));
    }
  fprintf(out, "functions:\n");
  for (int e = 0; e < ne; ++e) {
    fprintf(out, "  %d:\n", e);
    if (!m->nctilde[e]) fprintf(out, "    []\n");
    for (size_t f = 0; f < m->nctilde[e]; ++f) {
      const ace_ctilde_func *c = &m->ctilde[e][f];
      fprintf(out, "    - {mu0: %d, rank: %d, ndensity: %d, num_ms_combs: %d, mus: ", c->mu0, c->rank, c->ndensity,
              c->num_ms_combs);
      write_ints(out, c->mus, c->rank);
      fprintf(out, ", ns: ");
      write_ints(out, c->ns, c->rank);
      fprintf(out, ", ls: ");
      write_ints(out, c->ls, c->rank);
      fprintf(out, ", ms_combs: ");
      write_ints(out, c->ms_combs, c->num_ms_combs * c->rank);
      fprintf(out, ", ctildes: ");
      write_doubles(out, c->ctildes, (size_t)c->num_ms_combs * (size_t)c->ndensity);
      fprintf(out, "}\n");
    }
  }
}

aceuq_status aceuq_potential_write_yace(const aceuq_potential *pot, const char *path, aceuq_error *err)
{
  const ace_model *m = ace_evaluator_model(potential_evaluator(pot));
  if (!m->ctilde) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: the potential has no C-tilde basis", path);
  char tmp[4200];
  if (strlen(path) + 5 > sizeof tmp) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: path too long", path);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *out = fopen(tmp, "w");
  if (!out) return aceuq_error_set(err, ACEUQ_ERR_IO, "%s: cannot write (%s)", tmp, strerror(errno));
  write_model(out, m);
  aceuq_status st = ACEUQ_OK;
  if (ferror(out)) st = aceuq_error_set(err, ACEUQ_ERR_IO, "%s: write error", tmp);
  if (fclose(out) != 0 && !st) st = aceuq_error_set(err, ACEUQ_ERR_IO, "%s: write error", tmp);
  if (!st && rename(tmp, path) != 0)
    st = aceuq_error_set(err, ACEUQ_ERR_IO, "%s: cannot rename %s into place (%s)", path, tmp, strerror(errno));
  if (st) remove(tmp);
  return st;
}
