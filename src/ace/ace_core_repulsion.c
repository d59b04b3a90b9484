/* ace_core_repulsion.c -- core term c(r): density, distance and ZBL modes
 * (formulas in ace_core_repulsion.h). */
#include "ace_core_repulsion.h"

#include "ace_switch.h"
#include "error_internal.h"

#include <math.h>
#include <string.h>

static const double ace_pi = 3.14159265358979323846;

/* element symbols by atomic number (index 0 unused) */
static const char *const element_symbols[] = {
    "",   "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si",
    "P",  "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu",
    "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru",
    "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr",
    "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",
    "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac",
    "Th", "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr"};

int ace_atomic_number(const char *symbol)
{
  if (!symbol || !*symbol) return 0;
  const int n = (int)(sizeof element_symbols / sizeof element_symbols[0]);
  for (int z = 1; z < n; ++z)
    if (strcmp(symbol, element_symbols[z]) == 0) return z;
  return 0;
}

/* universal ZBL screening function phi(x) = sum_k c_k exp(b_k x) */
static const double zbl_c[4] = {0.18175, 0.50986, 0.28022, 0.02817};
static const double zbl_b[4] = {-3.19980, -0.94229, -0.40290, -0.20162};

/* E(r) = phi(r/a)/r with E' and E'' */
static void zbl_bare(double r, double a, double *E, double *dE, double *d2E)
{
  double phi = 0.0, dphi = 0.0, d2phi = 0.0;
  for (int k = 0; k < 4; ++k) {
    double t = zbl_c[k] * exp(zbl_b[k] * (r / a));
    phi += t;
    t *= zbl_b[k];
    dphi += t;
    t *= zbl_b[k];
    d2phi += t;
  }
  *E = phi / r;
  *dE = -phi / (r * r) + dphi / (a * r);
  if (d2E) *d2E = 2.0 * phi / (r * r * r) - 2.0 * dphi / (a * r * r) + d2phi / (a * a * r);
}

aceuq_status ace_core_repulsion_init(ace_core_repulsion *core, const ace_bond *bond,
                                     ace_inner_cutoff_type type, const char *element_i,
                                     const char *element_j, aceuq_error *err)
{
  memset(core, 0, sizeof *core);
  core->type = type;
  core->rcut = bond->rcut;
  core->dcut = bond->dcut;
  core->pre = fabs(bond->prehc);
  core->lambda = fabs(bond->lambdahc);
  core->r_in = bond->r_in;
  core->delta_in = bond->delta_in;
  if (!(bond->rcut > 0))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "core repulsion: rcut must be > 0 (got %g)", bond->rcut);
  switch (type) {
  case ACE_INNER_CUTOFF_DENSITY:
  case ACE_INNER_CUTOFF_DISTANCE:
    return ACEUQ_OK;
  case ACE_INNER_CUTOFF_ZBL:
    break;
  default:
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "core repulsion: unknown inner_cutoff_type %d", (int)type);
  }
  core->z_i = ace_atomic_number(element_i);
  core->z_j = ace_atomic_number(element_j);
  if (!core->z_i || !core->z_j)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "inner_cutoff_type zbl needs real element symbols: '%s' is not an element (H..Lr)",
                           !core->z_i ? (element_i ? element_i : "(null)") : element_j);
  if (!(bond->dcut > 0 && bond->dcut < bond->rcut))
    return aceuq_error_set(err, ACEUQ_ERR_VALUE,
                           "inner_cutoff_type zbl needs 0 < dcut < rcut (got dcut %g, rcut %g)", bond->dcut,
                           bond->rcut);
  core->zbl_scale = bond->prehc * ACE_ZBL_KE / 2 * core->z_i * core->z_j;
  core->zbl_a = 0.46850 / (pow(core->z_i, 0.23) + pow(core->z_j, 0.23));
  core->zbl_r1 = bond->rcut - bond->dcut;
  double E, dE, d2E;
  zbl_bare(bond->rcut, core->zbl_a, &E, &dE, &d2E);
  const double D = bond->rcut - core->zbl_r1;
  core->zbl_A = (-3.0 * dE + D * d2E) / (D * D);
  core->zbl_B = (2.0 * dE - D * d2E) / (D * D * D);
  core->zbl_C = -E + 0.5 * D * dE - D * D * d2E / 12.0;
  return ACEUQ_OK;
}

double ace_zbl_shifted(const ace_core_repulsion *core, double r, double *dvalue)
{
  double E, dE;
  zbl_bare(r, core->zbl_a, &E, &dE, NULL);
  double S, dS;
  if (r <= core->zbl_r1) {
    S = core->zbl_C, dS = 0.0;
  } else if (r >= core->rcut) {
    S = 0.0, dS = 0.0;
  } else {
    const double t = r - core->zbl_r1;
    S = core->zbl_A / 3.0 * pow(t, 3) + core->zbl_B / 4.0 * pow(t, 4) + core->zbl_C;
    dS = core->zbl_A * t * t + core->zbl_B * pow(t, 3);
  }
  if (dvalue) *dvalue = core->zbl_scale * (dE + dS);
  return core->zbl_scale * (E + S);
}

double ace_core_repulsion_eval(const ace_core_repulsion *core, double r, double *dc)
{
  double c = 0.0, d = 0.0;
  if (r >= core->rcut) {
    /* c = c' = 0 */
  } else if (core->type == ACE_INNER_CUTOFF_ZBL) {
    double dv, dp;
    const double v = ace_zbl_shifted(core, r, &dv);
    const double p = ace_switch_poly(r, core->rcut, core->rcut - core->zbl_r1, &dp);
    c = v * p;
    d = dv * p + v * dp;
  } else {
    const double r2 = r * r, lr2 = core->lambda * r2;
    if (lr2 < 50.0) {
      /* pre e^{-lam r^2}/r and its derivative -pre e^{-lam r^2}(2 lam r^2 + 1)/r^2 */
      const double y = exp(-lr2);
      const double v = core->pre * y / r;
      const double dv = -core->pre * y * (2.0 * lr2 + 1.0) / r2;
      const double env = 0.5 * (1.0 + cos(ace_pi * r / core->rcut));
      const double denv = -0.5 * sin(ace_pi * r / core->rcut) * ace_pi / core->rcut;
      c = v * env;
      d = dv * env + v * denv;
    }
    if (core->type == ACE_INNER_CUTOFF_DISTANCE) {
      double dp;
      const double p = ace_switch_poly(r, core->r_in, core->delta_in, &dp);
      d = d * p + c * dp;
      c = c * p;
    }
  }
  if (dc) *dc = d;
  return c;
}
