/* ace_switch.h -- the quintic polynomial switch P of ML-PACE (ace.md section 4).
 *
 *   P(r; r_in, delta) = 1                                  r <= r_in - delta
 *                     = 0                                  r >= r_in
 *                     = 1/2 + (15/4)(x/4 - x^3/6 + x^5/20) otherwise,
 *   with x = 1 - 2 (1 + (r - r_in)/delta) in (-1, 1),
 *   dP/dr = -(7.5/delta)(1/4 - x^2/2 + x^4/4).
 * P falls from 1 to 0 on [r_in - delta, r_in]; P' and P'' vanish at both
 * ends (C2).  The tests are evaluated in the order above, so delta = 0 gives
 * a step (1 for r <= r_in, 0 beyond) and never divides by zero.
 * Used for the radial inner cutoff (1 - P), the distance-mode core repulsion,
 * the ZBL outer taper, the ZBL energy blend and the rho_core energy switch.
 */
#ifndef ACEUQ_ACE_SWITCH_H
#define ACEUQ_ACE_SWITCH_H

/* Returns P(r; r_in, delta); *dP (may be NULL) receives dP/dr. */
double ace_switch_poly(double r, double r_in, double delta, double *dP);

#endif
