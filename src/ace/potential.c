/* potential.c -- public ACE potential API (aceuq.h) over the internal
 * reader + evaluator (ace_io.h, ace_evaluator.h). */
#include "aceuq.h"

#include "ace_basis.h"
#include "ace_evaluator.h"
#include "ace_io.h"
#include "ace_spec.h"
#include "error_internal.h"
#include "potential_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct aceuq_potential {
  ace_evaluator *ev;
};

struct aceuq_workspace {
  ace_atom_workspace *ws;
};

/* internal and public projection kinds have the same values */
_Static_assert((int)ACEUQ_PROJECTIONS_LINEAR == (int)ACE_PROJECTIONS_LINEAR &&
                   (int)ACEUQ_PROJECTIONS_NONLINEAR == (int)ACE_PROJECTIONS_NONLINEAR,
               "projection kinds differ");

/* a potential around the model that read() makes of path */
static aceuq_status potential_from(aceuq_status (*read)(const char *, ace_model **, aceuq_error *), const char *path,
                                   aceuq_potential **out, aceuq_error *err)
{
  *out = NULL;
  aceuq_potential *p = calloc(1, sizeof *p);
  if (!p) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory");
  ace_model *model = NULL;
  aceuq_status st = read(path, &model, err);
  if (!st) st = ace_evaluator_create(model, &p->ev, err); /* takes the model */
  if (st) {
    free(p);
    return st;
  }
  *out = p;
  return ACEUQ_OK;
}

aceuq_status aceuq_potential_load(const char *path, aceuq_potential **out, aceuq_error *err)
{
  return potential_from(ace_model_read, path, out, err);
}

aceuq_status aceuq_potential_load_basis(const char *path, aceuq_potential **out, aceuq_error *err)
{
  return potential_from(ace_model_read_basis, path, out, err);
}

void aceuq_potential_free(aceuq_potential *pot)
{
  if (!pot) return;
  ace_evaluator_free(pot->ev);
  free(pot);
}

int aceuq_potential_num_elements(const aceuq_potential *pot)
{
  return ace_evaluator_model(pot->ev)->nelements;
}

const char *aceuq_potential_element(const aceuq_potential *pot, int mu)
{
  const ace_model *m = ace_evaluator_model(pot->ev);
  return (mu >= 0 && mu < m->nelements) ? m->elements[mu] : NULL;
}

int aceuq_potential_element_index(const aceuq_potential *pot, const char *symbol)
{
  const ace_model *m = ace_evaluator_model(pot->ev);
  for (int e = 0; e < m->nelements; ++e)
    if (!strcmp(m->elements[e], symbol)) return e;
  return -1;
}

double aceuq_potential_cutoff(const aceuq_potential *pot, int mu_i, int mu_j)
{
  return ace_evaluator_cutoff(pot->ev, mu_i, mu_j);
}

size_t aceuq_potential_projection_size(const aceuq_potential *pot, int mu, aceuq_projection_kind kind)
{
  return ace_evaluator_projection_size(pot->ev, mu, (ace_projection_kind)kind);
}

const struct ace_evaluator *potential_evaluator(const aceuq_potential *pot) { return pot->ev; }

size_t aceuq_potential_num_notes(const aceuq_potential *pot)
{
  return ace_evaluator_model(pot->ev)->notes.count;
}

const char *aceuq_potential_note(const aceuq_potential *pot, size_t i)
{
  const ace_notes *n = &ace_evaluator_model(pot->ev)->notes;
  return i < n->count ? n->text[i] : NULL;
}

size_t aceuq_potential_notes_dropped(const aceuq_potential *pot)
{
  return ace_evaluator_model(pot->ev)->notes.dropped;
}

size_t aceuq_potential_ordering_ties(const aceuq_potential *pot)
{
  return ace_evaluator_ordering_ties(pot->ev);
}

aceuq_status aceuq_workspace_create(const aceuq_potential *pot, aceuq_workspace **out, aceuq_error *err)
{
  *out = NULL;
  aceuq_workspace *w = calloc(1, sizeof *w);
  if (!w) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "out of memory");
  aceuq_status st = ace_atom_workspace_create(pot->ev, &w->ws, err);
  if (st) {
    free(w);
    return st;
  }
  *out = w;
  return ACEUQ_OK;
}

void aceuq_workspace_free(aceuq_workspace *ws)
{
  if (!ws) return;
  ace_atom_workspace_free(ws->ws);
  free(ws);
}

aceuq_status aceuq_evaluate_atom(const aceuq_potential *pot, aceuq_workspace *ws, int mu_i, size_t n,
                                 const int *mu_j, const double *rij, double *energy, double *dE_drij,
                                 aceuq_projection_kind kind, double *projections, aceuq_error *err)
{
  return ace_evaluate_atom(pot->ev, ws->ws, mu_i, n, mu_j, rij, energy, dE_drij, (ace_projection_kind)kind,
                           projections, err);
}

void potential_element_list(const aceuq_potential *pot, char *buf, size_t size)
{
  size_t used = 0;
  buf[0] = '\0';
  for (int mu = 0; mu < aceuq_potential_num_elements(pot) && used + 1 < size; ++mu) {
    int n = snprintf(buf + used, size - used, "%s%s", mu ? " " : "", aceuq_potential_element(pot, mu));
    if (n < 0) break;
    used += (size_t)n;
  }
}

aceuq_status potential_require_bbasis(const aceuq_potential *pot, const char *path, const char *what,
                                            aceuq_error *err)
{
  if (aceuq_potential_projection_size(pot, 0, ACEUQ_PROJECTIONS_LINEAR) > 0) return ACEUQ_OK;
  return aceuq_error_set(err, ACEUQ_ERR_MISMATCH,
                         "%s: the potential has no B-basis (a .yace file?): %s and extrapolation grades need the "
                         "pacemaker .yaml potential", path, what);
}

ace_atom_workspace *workspace_atom_cache(aceuq_workspace *ws) { return ws->ws; }

/* E_i = b(i) . c exactly: one density, F(rho) = rho (m = 1, weight 1), no core
 * repulsion (rho_core = 0, so the rho_core switch is 1) and no zbl blend. */
aceuq_status potential_require_linear(const aceuq_potential *pot, const char *what, aceuq_error *err)
{
  const ace_model *m = ace_evaluator_model(pot->ev);
  if (m->inner_cutoff_type == ACE_INNER_CUTOFF_ZBL)
    return aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "%s: %s needs a linear potential; this one has a zbl inner cutoff",
                           m->source, what);
  for (int e = 0; e < m->nelements; ++e) {
    const ace_embedding *emb = &m->embeddings[e];
    if (emb->ndensity != 1 || fabs(emb->params[0] - 1.0) > 1e-12 || fabs(emb->params[1] - 1.0) > 1e-12)
      return aceuq_error_set(err, ACEUQ_ERR_MISMATCH,
                             "%s: %s needs a linear potential (one density, embedding parameters [1, 1], as aceuq "
                             "fit writes); element %s has %d densities, parameters [%g, %g%s]",
                             m->source, what, m->elements[e], emb->ndensity, emb->params[0], emb->params[1],
                             emb->ndensity > 1 ? ", ..." : "");
    if (!(emb->rho_core_cut - emb->drho_core_cut > 0.0))
      return aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "%s: %s needs a linear potential; element %s switches the "
                             "energy off at rho_core = 0 (rho_core_cut %g, drho_core_cut %g)",
                             m->source, what, m->elements[e], emb->rho_core_cut, emb->drho_core_cut);
  }
  for (int p = 0; p < m->nelements * m->nelements; ++p)
    if (m->bonds[p].defined && m->bonds[p].prehc != 0.0)
      return aceuq_error_set(err, ACEUQ_ERR_MISMATCH, "%s: %s needs a linear potential; bond %s-%s has core "
                             "repulsion (prefactor %g)", m->source, what, m->elements[p / m->nelements],
                             m->elements[p % m->nelements], m->bonds[p].prehc);
  return ACEUQ_OK;
}
