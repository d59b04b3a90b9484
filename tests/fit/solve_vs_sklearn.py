#!/usr/bin/python3
"""aceuq's streamed ridge and Bayesian ridge against scikit-learn (Debian's python3-sklearn), an independent
implementation that works on the full matrix (SVD of X, no streaming).

usage: solve_vs_sklearn.py FIT_SOLVE_CLI
Problems (fixed seeds): a well-conditioned one (1300 rows x 12 columns, rows added in chunks of 37 so
that the QR is streamed across calls and blocks), an ill-conditioned one (columns nearly dependent,
condition number ~1e7) and a rank-deficient one (a duplicated column: Bayesian ridge still defined).
Weighted rows (sample_weight). Compared: ridge coefficients (sklearn Ridge, solver svd), Bayesian
posterior mean, alpha_, lambda_, n_iter_ and the posterior covariance sigma_ (BayesianRidge,
fit_intercept=False, the same tol and iteration limit). Must be run by Debian's /usr/bin/python3.
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from sklearn.linear_model import BayesianRidge, Ridge
except ImportError as e:  # cmake/deps.sh installs python3-numpy and python3-sklearn
    print("SKIP: %s (Debian's python3-numpy and python3-sklearn are needed)" % e)
    sys.exit(77)
import fit_checks  # noqa: E402  (tests/fit: check, rel, the failure count)
from fit_checks import check, rel  # noqa: E402


def bayes(tol, max_iter):
    try:
        return BayesianRidge(fit_intercept=False, tol=tol, max_iter=max_iter)
    except TypeError:  # sklearn < 1.3 calls it n_iter
        return BayesianRidge(fit_intercept=False, tol=tol, n_iter=max_iter)


def case(cli, name, X, y, w, lam, tol, max_iter, chunk, tol_coef, same_steps=True):
    with tempfile.TemporaryDirectory() as d:
        for k, a in (("X", X), ("y", y), ("w", w)):
            np.save(os.path.join(d, k + ".npy"), np.ascontiguousarray(a, dtype=np.float64))
        res = subprocess.run([cli, os.path.join(d, "X.npy"), os.path.join(d, "y.npy"), os.path.join(d, "w.npy"),
                              repr(lam), repr(tol), str(max_iter), str(chunk)], capture_output=True, text=True)
    if res.returncode != 0:
        check(False, "%s: fit_solve_cli ran: %s" % (name, res.stderr.strip()))
        return
    got = json.loads(res.stdout)
    check(got["rows"] == len(y), "%s: %d rows accumulated in chunks of %d" % (name, got["rows"], chunk))
    ref = Ridge(alpha=lam, fit_intercept=False, solver="svd").fit(X, y, sample_weight=w)
    check(rel(got["ridge"], ref.coef_) < tol_coef, "%s: ridge (lambda %g) vs sklearn Ridge: %.1e rel" % (
        name, lam, rel(got["ridge"], ref.coef_)))
    rss = float(np.sum(w * (y - X @ ref.coef_) ** 2))
    check(abs(got["ridge_rss"] - rss) <= 1e-8 * rss, "%s: ridge weighted rss %.10g vs %.10g" % (
        name, got["ridge_rss"], rss))
    br = bayes(tol, max_iter).fit(X, y, sample_weight=w)
    # the stopping test sum |c_new - c_old| < tol sits below round-off x condition number in the
    # ill-conditioned case, so only there the number of steps may differ (the fixed point does not)
    check(got["n_iter"] == br.n_iter_ or not same_steps, "%s: Bayesian ridge iterations %d vs sklearn %d%s" % (
        name, got["n_iter"], br.n_iter_, "" if same_steps else " (not compared: tol below round-off)"))
    check(rel(got["bayes"], br.coef_) < tol_coef, "%s: posterior mean vs sklearn BayesianRidge: %.1e rel" % (
        name, rel(got["bayes"], br.coef_)))
    check(abs(got["alpha"] - br.alpha_) < 1e-7 * br.alpha_ and abs(got["lambda"] - br.lambda_) < 1e-7 * br.lambda_,
          "%s: alpha %.8g (sklearn %.8g), lambda %.8g (sklearn %.8g)" % (
              name, got["alpha"], br.alpha_, got["lambda"], br.lambda_))
    sig = np.array(got["sigma"]).reshape(X.shape[1], X.shape[1])
    check(rel(sig, br.sigma_) < 1e-6, "%s: posterior covariance vs sklearn sigma_: %.1e rel" % (
        name, rel(sig, br.sigma_)))


def main():
    cli = sys.argv[1]
    rng = np.random.default_rng(20261203)
    n, p = 1300, 12
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 10.0, size=p)
    c = rng.normal(size=p)
    y = X @ c + 0.05 * rng.normal(size=n)
    w = rng.uniform(0.2, 3.0, size=n)
    case(cli, "well-conditioned", X, y, w, 0.3, 1e-12, 1000, 37, 1e-9)
    # nearly dependent columns: condition number ~1e7
    Xi = X.copy()
    Xi[:, 5] = Xi[:, 4] + 1e-6 * rng.normal(size=n)
    yi = Xi @ c + 0.01 * rng.normal(size=n)
    cond = np.linalg.cond(Xi * np.sqrt(w)[:, None])
    print("     ill-conditioned problem: condition number %.2g" % cond)
    case(cli, "ill-conditioned", Xi, yi, w, 1e-3, 1e-12, 1000, 600, 1e-6, same_steps=False)
    # a duplicated column: rank-deficient, least squares undefined, Bayesian ridge fine
    Xd = X.copy()
    Xd[:, 7] = Xd[:, 3]
    yd = Xd @ c + 0.05 * rng.normal(size=n)
    case(cli, "rank-deficient", Xd, yd, w, 0.5, 1e-12, 1000, 1300, 1e-8)
    # default tol 1e-3 and 300 iterations: the same stopping step as sklearn
    case(cli, "sklearn defaults", X, y, w, 1.0, 1e-3, 300, 100, 1e-8)
    print("%d failure(s)" % fit_checks.failures)
    return 1 if fit_checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
