#!/usr/bin/python3
"""aceuq's POPS posterior (aceuq_fit_pops_*) against the POPS steps written here in plain numpy on the
full matrix, on top of scikit-learn's BayesianRidge (Debian's python3-numpy / python3-sklearn).

usage: pops_vs_numpy.py FIT_POPS_CLI
The reference (Swinburne & Perez 2025; popsregression's fit, hypercube posterior):
  A^-1 = (Xw^T Xw + lambda/alpha I)^-1 with BayesianRidge's alpha_, lambda_ (weighted rows Xw = sqrt(w) X),
  e_i = yw_i - xw_i.coef, h_i = max(xw_i^T A^-1 xw_i, 1e-6), dw_i = A^-1 xw_i e_i / h_i,
  rows with |e_i| >= 0.01 RMSE(e) kept, moment = mean dw_i dw_i^T,
  modes = eigenvectors of sum dw dw^T with eigenvalue > 1e-8 max, box = [min, max] of the projections;
  for a probe x the hypercube bounds are sum over modes of min/max(c lo, c hi), c = x . mode.
Checked: kept rows, number of modes, moment, the probes' bounds; samples inside the box and in the span
of the modes, sigma_mis = mean of their dw dw^T, the same samples for the same seed (another seed: other
samples). Problems: a misspecified one (quadratic truth, linear features + noise-free targets), the same
with a duplicated column (rank-deficient), and one whose rows come in chunks of 7.
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from sklearn.linear_model import BayesianRidge
except ImportError as e:
    print("SKIP: %s (Debian's python3-numpy and python3-sklearn are needed)" % e)
    sys.exit(77)
import fit_checks  # noqa: E402  (tests/fit: check, rel, the failure count)
from fit_checks import check, rel  # noqa: E402


def reference(X, y, w, probes):
    br = BayesianRidge(fit_intercept=False, tol=1e-3).fit(X, y, sample_weight=w)
    s = np.sqrt(w)
    Xw, yw = X * s[:, None], y * s
    Ainv = np.linalg.inv(Xw.T @ Xw + (br.lambda_ / br.alpha_) * np.eye(X.shape[1]))
    e = yw - Xw @ br.coef_
    h = np.maximum(np.einsum("ij,jk,ik->i", Xw, Ainv, Xw), 1e-6)
    dw = (Xw @ Ainv) * (e / h)[:, None]
    keep = np.abs(e) >= 0.01 * np.sqrt(np.mean(e ** 2))
    dw = dw[keep]
    M = dw.T @ dw
    ev, evec = np.linalg.eigh(M)
    modes = evec[:, ev > 1e-8 * ev.max()]
    u = dw @ modes
    lo, hi = u.min(axis=0), u.max(axis=0)
    c = probes @ modes
    blo = np.minimum(c * lo, c * hi).sum(axis=1)
    bhi = np.maximum(c * lo, c * hi).sum(axis=1)
    return dict(coef=br.coef_, kept=int(keep.sum()), modes=modes, lo=lo, hi=hi, moment=M / keep.sum(), blo=blo,
                bhi=bhi)


def run(cli, d, X, y, w, P, chunk, S, seed):
    for k, a in (("X", X), ("y", y), ("w", w), ("P", P)):
        np.save(os.path.join(d, k + ".npy"), np.ascontiguousarray(a, dtype=np.float64))
    res = subprocess.run([cli] + [os.path.join(d, k + ".npy") for k in "XywP"] + [str(chunk), str(S), str(seed)],
                         capture_output=True, text=True)
    if res.returncode:
        return None, res.stderr.strip()
    return json.loads(res.stdout), ""


def case(cli, name, X, y, w, chunk):
    rng = np.random.default_rng(5)
    P = np.vstack([X[:4], rng.normal(size=(3, X.shape[1]))])
    K, S = X.shape[1], 400
    with tempfile.TemporaryDirectory() as d:
        got, msg = run(cli, d, X, y, w, P, chunk, S, 99)
        again, _ = run(cli, d, X, y, w, P, chunk, S, 99)
        other, _ = run(cli, d, X, y, w, P, chunk, S, 100)
    if got is None:
        check(False, "%s: fit_pops_cli: %s" % (name, msg))
        return
    ref = reference(X, y, w, P)
    check(rel(got["coef"], ref["coef"]) < 1e-6, "%s: Bayesian coefficients as sklearn's (%.1e)" % (
        name, rel(got["coef"], ref["coef"])))
    check(got["kept"] == ref["kept"] and got["modes"] == ref["modes"].shape[1],
          "%s: %d of %d rows kept (numpy %d), %d modes (numpy %d)" % (
              name, got["kept"], got["rows"], ref["kept"], got["modes"], ref["modes"].shape[1]))
    mom = np.array(got["moment"]).reshape(K, K)
    check(rel(mom, ref["moment"]) < 1e-6, "%s: second moment of the corrections: %.1e rel" % (
        name, rel(mom, ref["moment"])))
    scale = max(np.max(np.abs(ref["blo"])), np.max(np.abs(ref["bhi"])))
    dlo = np.max(np.abs(np.array(got["lo"]) - ref["blo"])) / scale
    dhi = np.max(np.abs(np.array(got["hi"]) - ref["bhi"])) / scale
    check(dlo < 1e-6 and dhi < 1e-6, "%s: hypercube bounds of %d probes: %.1e / %.1e rel" % (name, len(P), dlo, dhi))
    dw = np.array(got["samples"]).reshape(S, K) - np.array(got["coef"])
    u = dw @ ref["modes"]
    span = np.linalg.norm(dw - u @ ref["modes"].T) / np.linalg.norm(dw)
    width = ref["hi"] - ref["lo"]
    inside = np.all(u >= ref["lo"] - 1e-6 * width) and np.all(u <= ref["hi"] + 1e-6 * width)
    fill = np.min((u.max(axis=0) - u.min(axis=0)) / width)
    check(inside and span < 1e-8 and fill > 0.8, "%s: %d samples inside the box, in the span of the modes (%.1e), "
          "spread over >= %.0f %% of every side" % (name, S, span, 100 * fill))
    mis = np.array(got["sigma_mis"]).reshape(K, K)
    check(rel(mis, dw.T @ dw / S) < 1e-10, "%s: Sigma_mis = mean of the samples' dw dw^T" % name)
    check(again["samples"] == got["samples"] and other["samples"] != got["samples"],
          "%s: the same seed gives the same samples, another seed others" % name)


def main():
    cli = sys.argv[1]
    rng = np.random.default_rng(20261203)
    n, p = 900, 8
    X = rng.normal(size=(n, p))
    y = X @ rng.normal(size=p) + 0.3 * (X[:, 0] ** 2 - 1.0) + 0.2 * X[:, 1] * X[:, 2]  # misspecified, no noise
    w = rng.uniform(0.5, 2.0, size=n)
    case(cli, "misspecified", X, y, w, 128)
    Xd = X.copy()
    Xd[:, 5] = Xd[:, 3]
    case(cli, "rank-deficient", Xd, y, w, 300)
    case(cli, "chunks of 7", X[:200], y[:200], w[:200], 7)
    print("%d failure(s)" % fit_checks.failures)
    return 1 if fit_checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
