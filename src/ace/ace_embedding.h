/* ace_embedding.h -- embedding F(rho_1..rho_P) = sum_p w_p Phi(rho_p; m_p) and
 * the rho_core energy switch (ace.md sections 4 and 6).
 *
 * FinnisSinclair, w = 1e6, lam = w^-(m-1):
 *   |x| > 1e-10: a = |x|, g = exp(-(w a)^3) (g = 0 if (w a)^3 > 30),
 *                Phi = sign(x) [(1 - g) a^m + lam g a],
 *                Phi' = m a^(m-1) (1 - g) - a^m g' + lam (g' a + g), g' = -3 w^3 a^2 g;
 *   else:        Phi = lam x, Phi' = lam.
 * FinnisSinclairShiftedScaled:
 *   |m - 1| < 1e-10: Phi = rho, Phi' = 1;
 *   else a = |rho|, nu = 1/m, x_off = nu^(nu/(1-nu)) e^-a, y_off = nu^(1/(1-nu)) e^-a,
 *        Phi = sign(rho) [(x_off + a)^m - y_off],
 *        Phi' = y_off + m (1 - x_off)(x_off + a)^(m-1)   (Phi(0) = 0, finite slope).
 * Both Phi are odd in their argument, Phi' even.
 * rho_core switch (current ML-PACE): f = 0 for rho_core >= rho_cut,
 *   1 for rho_core <= rho_cut - drho_cut, else P(rho_core; rho_cut, drho_cut).
 */
#ifndef ACEUQ_ACE_EMBEDDING_H
#define ACEUQ_ACE_EMBEDDING_H

#include "ace_model.h"
#include "aceuq.h"

/* Phi(x; m) of FinnisSinclair; *dphi (may be NULL) = dPhi/dx. */
double ace_fs_phi(double x, double m, double *dphi);
/* Phi(rho; m) of FinnisSinclairShiftedScaled; *dphi (may be NULL) = dPhi/drho. */
double ace_fsss_phi(double rho, double m, double *dphi);

/* Check type, ndensity >= 1 and params (the evaluation trusts them). */
aceuq_status ace_embedding_check(const ace_embedding *e, aceuq_error *err);

/* F = sum_p w_p Phi(rho[p]; m_p) for p < e->ndensity; dF_drho[p] (may be
 * NULL) = w_p Phi'(rho[p]; m_p). */
double ace_embedding_eval(const ace_embedding *e, const double *rho, double *dF_drho);

/* f_cut(rho_core) and *df (may be NULL) = df_cut/drho_core. */
double ace_rho_core_switch(double rho_core, double rho_cut, double drho_cut, double *df);

#endif
