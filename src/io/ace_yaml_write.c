/* ace_yaml_write.c -- write a fitted linear ACE potential as a pacemaker
 * B-basis .yaml (aceuq.h: aceuq_potential_write_linear_yaml).
 *
 * The basis (elements, radial bases, core repulsion, inner cutoff, B-functions
 * in file order) is that of the potential the fit was made on; the embedding
 * becomes the linear one pacemaker uses for linear ACE (one density,
 * FinnisSinclairShiftedScaled [1, 1]: F(rho) = rho, so E_i = sum_f c_f b_f(i)),
 * and every function gets its fitted coefficient (columns in projection
 * order, mapped back to the file's functions; `skip: true` functions, which
 * are not in the basis, are written with c = 0 and skip kept).  Blocks as
 * pacemaker writes them: one per element with its embedding and own bond,
 * both orders of every pair with the full bond (identical, so ML-PACE's
 * pair rules hold), and blocks of three or more species with nbody only; a
 * function lives in the block of its central element and the set of its
 * neighbour elements.  Numbers with 17 significant digits (exact round trip). */
#include "aceuq.h"

#include "ace_basis.h"
#include "ace_evaluator.h"
#include "ace_io.h"
#include "error_internal.h"
#include "potential_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* species set of a function: bit mask over the elements */
static unsigned long long species_mask(const ace_bfunc *f)
{
  unsigned long long m = 1ULL << f->mu0;
  for (int t = 0; t < f->rank; ++t) m |= 1ULL << f->mus[t];
  return m;
}

static void write_block_key(FILE *out, const ace_model *m, int mu0, unsigned long long mask)
{
  fprintf(out, "  - speciesblock: %s", m->elements[mu0]);
  for (int e = 0; e < m->nelements; ++e)
    if (e != mu0 && (mask >> e & 1ULL)) fprintf(out, " %s", m->elements[e]);
  fputc('\n', out);
}

static void write_bond(FILE *out, const ace_model *m, const ace_bond *b)
{
  fprintf(out, "    nradmaxi: %d\n    lmaxi: %d\n    nradbaseij: %d\n    radbase: %s\n", b->nradmax, b->lmax,
          b->nradbase, ace_radbase_name(b->radbase));
  fprintf(out, "    radparameters: [%.17g]\n    radcoefficients: [", b->lambda);
  for (int n = 0; n < b->nradmax; ++n) {
    fprintf(out, "%s[", n ? ", " : "");
    for (int l = 0; l <= b->lmax; ++l) {
      fprintf(out, "%s[", l ? ", " : "");
      for (int k = 0; k < b->nradbase; ++k)
        fprintf(out, "%s%.17g", k ? ", " : "", b->crad[((size_t)n * (b->lmax + 1) + l) * b->nradbase + k]);
      fputc(']', out);
    }
    fputc(']', out);
  }
  fprintf(out, "]\n    rcutij: %.17g\n    dcutij: %.17g\n    NameOfCutoffFunctionij: cos\n", b->rcut, b->dcut);
  fprintf(out, "    r_in: %.17g\n    delta_in: %.17g\n    inner_cutoff_type: %s\n", b->r_in, b->delta_in,
          ace_inner_cutoff_name(m->inner_cutoff_type));
  fprintf(out, "    core-repulsion: [%.17g, %.17g]\n", b->prehc, b->lambdahc);
}

static void write_function(FILE *out, const ace_model *m, const ace_bfunc *f, double c)
{
  fprintf(out, "      - {type: %s", m->elements[f->mu0]);
  for (int t = 0; t < f->rank; ++t) fprintf(out, " %s", m->elements[f->mus[t]]);
  fprintf(out, ", nr: [");
  for (int t = 0; t < f->rank; ++t) fprintf(out, "%s%d", t ? ", " : "", f->ns[t]);
  fprintf(out, "], nl: [");
  for (int t = 0; t < f->rank; ++t) fprintf(out, "%s%d", t ? ", " : "", f->ls[t]);
  fputc(']', out);
  if (f->nlint) {
    fprintf(out, ", lint: [");
    for (int t = 0; t < f->nlint; ++t) fprintf(out, "%s%d", t ? ", " : "", f->lint[t]);
    fputc(']', out);
  }
  fprintf(out, ", c: [%.17g]%s}\n", c, f->skip ? ", skip: true" : "");
}

aceuq_status aceuq_potential_write_linear_yaml(const aceuq_potential *pot, const double *coef, const char *path,
                                               const char *comment, aceuq_error *err)
{
  const ace_evaluator *ev = potential_evaluator(pot);
  const ace_model *m = ace_evaluator_model(ev);
  const ace_bbasis *bb = ace_evaluator_bbasis(ev);
  if (!bb || !m->bfuncs)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: the basis has no B-functions (a .yace file?)", path);
  if (m->nelements > 64) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: more than 64 elements", path);
  /* coefficient of every file function: projection column -> source index */
  double **c = calloc((size_t)m->nelements, sizeof *c);
  if (!c) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", path);
  aceuq_status st = ACEUQ_OK;
  size_t col = 0;
  for (int e = 0; e < m->nelements && !st; ++e) {
    c[e] = calloc(m->nbfuncs[e] ? m->nbfuncs[e] : 1, sizeof **c);
    if (!c[e]) st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", path);
    for (size_t f = 0; !st && f < bb->nfuncs[e]; ++f) c[e][bb->funcs[e][f].source_index] = coef[col++];
  }
  char tmp[4200];
  FILE *out = NULL;
  if (!st && strlen(path) + 5 > sizeof tmp) st = aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: path too long", path);
  if (!st) {
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    out = fopen(tmp, "w");
    if (!out) st = aceuq_error_set(err, ACEUQ_ERR_IO, "%s: cannot write (%s)", tmp, strerror(errno));
  }
  if (!st) {
    fprintf(out, "# linear ACE potential written by aceuq %s%s%s\n", aceuq_version(), comment ? ": " : "",
            comment ? comment : "");
    fprintf(out, "global:\n  DeltaSplineBins: %.17g\nspecies:\n", m->delta_spline_bins);
    /* blocks: for every central element, every species set its functions use (the own set first) */
    for (int e = 0; e < m->nelements; ++e) {
      unsigned long long sets[256];
      int nsets = 0;
      sets[nsets++] = 1ULL << e;
      for (int o = 0; o < m->nelements; ++o) /* every pair block with a bond, even without functions */
        if (o != e && m->bonds[e * m->nelements + o].defined) sets[nsets++] = (1ULL << e) | (1ULL << o);
      for (size_t f = 0; f < m->nbfuncs[e]; ++f) {
        const unsigned long long s = species_mask(&m->bfuncs[e][f]);
        int seen = 0;
        for (int k = 0; k < nsets && !seen; ++k) seen = sets[k] == s;
        if (!seen && nsets < 256) sets[nsets++] = s;
      }
      for (int k = 0; k < nsets; ++k) {
        write_block_key(out, m, e, sets[k]);
        int other = -1, count = 0;
        for (int o = 0; o < m->nelements; ++o)
          if (sets[k] >> o & 1ULL) {
            ++count;
            if (o != e) other = o;
          }
        if (count == 1) {
          const ace_embedding *emb = &m->embeddings[e];
          fprintf(out, "    ndensityi: 1\n    npoti: FinnisSinclairShiftedScaled\n    parameters: [1, 1]\n");
          fprintf(out, "    rho_core_cut: %.17g\n    drho_core_cut: %.17g\n", emb->rho_core_cut, emb->drho_core_cut);
          if (m->bonds[e * m->nelements + e].defined) write_bond(out, m, &m->bonds[e * m->nelements + e]);
        } else if (count == 2 && m->bonds[e * m->nelements + other].defined) {
          write_bond(out, m, &m->bonds[e * m->nelements + other]);
        }
        fprintf(out, "    nbody:\n");
        int any = 0;
        for (size_t f = 0; f < m->nbfuncs[e]; ++f)
          if (species_mask(&m->bfuncs[e][f]) == sets[k]) {
            write_function(out, m, &m->bfuncs[e][f], c[e][f]);
            any = 1;
          }
        if (!any) fprintf(out, "      []\n");
      }
    }
    if (ferror(out)) st = aceuq_error_set(err, ACEUQ_ERR_IO, "%s: write error", tmp);
    if (fclose(out) != 0 && !st) st = aceuq_error_set(err, ACEUQ_ERR_IO, "%s: write error", tmp);
    if (!st && rename(tmp, path) != 0)
      st = aceuq_error_set(err, ACEUQ_ERR_IO, "%s: cannot rename %s into place (%s)", path, tmp, strerror(errno));
    if (st) remove(tmp);
  }
  for (int e = 0; e < m->nelements; ++e) free(c ? c[e] : NULL);
  free(c);
  return st;
}
