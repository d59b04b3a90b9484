/* ace_core_repulsion.h -- per-neighbour core term c(r) of one ordered species
 * pair (ace.md section 4); rho_core = sum_j c(r_ij).
 *
 * density  (legacy):  c(r) = |pre| exp(-|lam| r^2)/r * (1 + cos(pi r/rc))/2
 *                     if |lam| r^2 < 50, else 0            (pre, lam = prehc, lambdahc)
 * distance:           c(r) = (density formula) * P(r; r_in, delta_in)
 *                     (repulsion only below the inner cutoff r_in)
 * zbl:                c(r) = pre (K_e/2) Z_i Z_j [E(r) + S(r)] * P(r; rc, dc)
 *   E(r) = phi(r/a)/r,  phi(x) = sum_k c_k exp(b_k x),
 *   a = 0.46850/(Z_i^0.23 + Z_j^0.23),  K_e = 14.399645351950543 eV A,
 *   S = the cubic/quartic shift between r1 = rc - dc and r2 = rc that makes
 *   E + S, (E + S)' and (E + S)'' vanish at r2 and is constant (= C) below r1:
 *   with E, E', E'' taken at r2 and D = r2 - r1,
 *     A = (-3E' + D E'')/D^2,  B = (2E' - D E'')/D^3,  C = -E + D E'/2 - D^2 E''/12,
 *     S = C (r <= r1);  A/3 t^3 + B/4 t^4 + C (r1 < r < r2, t = r - r1);  0 (r >= r2).
 * Every mode gives c = c' = 0 for r >= rc.
 */
#ifndef ACEUQ_ACE_CORE_REPULSION_H
#define ACEUQ_ACE_CORE_REPULSION_H

#include "ace_model.h"
#include "aceuq.h"

/* Coulomb constant e^2/(4 pi eps0) in eV A (the value ML-PACE uses). */
#define ACE_ZBL_KE 14.399645351950543

typedef struct ace_core_repulsion {
  ace_inner_cutoff_type type;
  double rcut, dcut;
  /* density / distance */
  double pre, lambda;         /* |prehc|, |lambdahc| */
  double r_in, delta_in;
  /* zbl */
  int z_i, z_j;
  double zbl_scale;           /* prehc * K_e / 2 * Z_i * Z_j */
  double zbl_a;               /* screening length a */
  double zbl_r1;              /* rc - dc: start of the shift */
  double zbl_A, zbl_B, zbl_C; /* shift coefficients */
} ace_core_repulsion;

/* Atomic number of an element symbol "H".."Lr" (1..103); 0 if unknown. */
int ace_atomic_number(const char *symbol);

/* Set up c(r) for a bond.  element_i / element_j are only used (and must be
 * real element symbols) for zbl; they may be NULL otherwise. */
aceuq_status ace_core_repulsion_init(ace_core_repulsion *core, const ace_bond *bond,
                                     ace_inner_cutoff_type type, const char *element_i,
                                     const char *element_j, aceuq_error *err);

/* c(r); *dc (may be NULL) receives dc/dr.  r > 0. */
double ace_core_repulsion_eval(const ace_core_repulsion *core, double r, double *dc);

/* zbl only: the untapered shifted energy  zbl_scale * (E(r) + S(r)) and its
 * derivative (what c(r) is before the outer taper P(r; rc, dc)). */
double ace_zbl_shifted(const ace_core_repulsion *core, double r, double *dvalue);

#endif
