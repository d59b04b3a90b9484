/* ace_model.c -- ownership and global maxima of the in-memory ACE potential. */
#include "ace_model.h"

#include <stdlib.h>

void ace_model_free(ace_model *m)
{
  if (!m) return;
  int ne = m->nelements;
  if (m->embeddings)
    for (int e = 0; e < ne; ++e) free(m->embeddings[e].params);
  if (m->bonds)
    for (int b = 0; b < ne * ne; ++b) free(m->bonds[b].crad);
  if (m->bfuncs) {
    for (int e = 0; e < ne; ++e) {
      if (!m->bfuncs[e]) continue;
      for (size_t f = 0; f < m->nbfuncs[e]; ++f) free(m->bfuncs[e][f].coeffs);
      free(m->bfuncs[e]);
    }
  }
  if (m->ctilde) {
    for (int e = 0; e < ne; ++e) {
      if (!m->ctilde[e]) continue;
      for (size_t f = 0; f < m->nctilde[e]; ++f) {
        free(m->ctilde[e][f].ms_combs);
        free(m->ctilde[e][f].ctildes);
      }
      free(m->ctilde[e]);
    }
  }
  free(m->bfuncs);
  free(m->nbfuncs);
  free(m->ctilde);
  free(m->nctilde);
  free(m->embeddings);
  free(m->bonds);
  free(m->E0);
  free(m->elements);
  ace_notes_free(&m->notes);
  free(m->source);
  free(m);
}

/* cutoffmax, lmax, nradmax, nradbase: maxima over the defined bonds;
 * ndensitymax over the embeddings; rankmax over B- and C-tilde functions. */
void ace_model_finalize(ace_model *m)
{
  int ne = m->nelements;
  m->cutoffmax = 0.0;
  m->lmax = m->nradmax = m->nradbase = m->rankmax = m->ndensitymax = 0;
  for (int b = 0; m->bonds && b < ne * ne; ++b) {
    const ace_bond *bd = &m->bonds[b];
    if (!bd->defined) continue;
    if (bd->rcut > m->cutoffmax) m->cutoffmax = bd->rcut;
    if (bd->lmax > m->lmax) m->lmax = bd->lmax;
    if (bd->nradmax > m->nradmax) m->nradmax = bd->nradmax;
    if (bd->nradbase > m->nradbase) m->nradbase = bd->nradbase;
  }
  for (int e = 0; m->embeddings && e < ne; ++e)
    if (m->embeddings[e].ndensity > m->ndensitymax) m->ndensitymax = m->embeddings[e].ndensity;
  for (int e = 0; e < ne; ++e) {
    for (size_t f = 0; m->bfuncs && m->bfuncs[e] && f < m->nbfuncs[e]; ++f)
      if (m->bfuncs[e][f].rank > m->rankmax) m->rankmax = m->bfuncs[e][f].rank;
    for (size_t f = 0; m->ctilde && m->ctilde[e] && f < m->nctilde[e]; ++f)
      if (m->ctilde[e][f].rank > m->rankmax) m->rankmax = m->ctilde[e][f].rank;
  }
}
