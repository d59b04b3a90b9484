/* ace_embedding.c -- Finnis-Sinclair embeddings and the rho_core switch
 * (formulas in ace_embedding.h). */
#include "ace_embedding.h"

#include "ace_switch.h"
#include "error_internal.h"

#include <math.h>

double ace_fs_phi(double x, double m, double *dphi)
{
  const double w = 1.0e6, eps = 1e-10;
  const double lam = pow(1.0 / w, m - 1.0);
  double phi, d;
  if (fabs(x) > eps) {
    const double a = fabs(x), am = pow(a, m), w3a3 = pow(w * a, 3);
    const double g = w3a3 > 30.0 ? 0.0 : exp(-w3a3);
    const double dg = -3.0 * w * w * w * a * a * g;
    phi = (signbit(x) ? -1.0 : 1.0) * ((1.0 - g) * am + lam * g * a);
    d = m * pow(a, m - 1.0) * (1.0 - g) - am * dg + lam * dg * a + lam * g;
  } else {
    phi = lam * x;
    d = lam;
  }
  if (dphi) *dphi = d;
  return phi;
}

double ace_fsss_phi(double rho, double m, double *dphi)
{
  double phi, d;
  if (fabs(m - 1.0) < 1e-10) {
    phi = rho;
    d = 1.0;
  } else {
    const double a = fabs(rho), ea = exp(-a), nu = 1.0 / m;
    const double x_off = pow(nu, nu / (1.0 - nu)) * ea, y_off = pow(nu, 1.0 / (1.0 - nu)) * ea;
    phi = (signbit(rho) ? -1.0 : 1.0) * (pow(x_off + a, m) - y_off);
    d = y_off + m * (1.0 - x_off) * pow(x_off + a, m - 1.0);
  }
  if (dphi) *dphi = d;
  return phi;
}

aceuq_status ace_embedding_check(const ace_embedding *e, aceuq_error *err)
{
  if (e->ndensity < 1) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "embedding: ndensity must be >= 1 (got %d)", e->ndensity);
  if (!e->params) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "embedding: parameters missing");
  if (e->type != ACE_EMBEDDING_FINNIS_SINCLAIR && e->type != ACE_EMBEDDING_FINNIS_SINCLAIR_SHIFTED_SCALED)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "embedding: unknown type %d", (int)e->type);
  return ACEUQ_OK;
}

double ace_embedding_eval(const ace_embedding *e, const double *rho, double *dF_drho)
{
  double F = 0.0;
  for (int p = 0; p < e->ndensity; ++p) {
    const double w = e->params[2 * p], m = e->params[2 * p + 1];
    double d;
    const double phi = e->type == ACE_EMBEDDING_FINNIS_SINCLAIR ? ace_fs_phi(rho[p], m, &d)
                                                                  : ace_fsss_phi(rho[p], m, &d);
    F += w * phi;
    if (dF_drho) dF_drho[p] = w * d;
  }
  return F;
}

double ace_rho_core_switch(double rho_core, double rho_cut, double drho_cut, double *df)
{
  double f, d = 0.0;
  if (rho_core >= rho_cut) f = 0.0;
  else if (rho_core <= rho_cut - drho_cut) f = 1.0;
  else f = ace_switch_poly(rho_core, rho_cut, drho_cut, &d);
  if (df) *df = d;
  return f;
}
