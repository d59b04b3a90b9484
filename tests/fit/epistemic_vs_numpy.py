#!/usr/bin/env python3
"""aceuq eval --posterior: POPS's epistemic and full standard deviations against numpy.

For the project's Cu (one element) and CuNi (two elements: the covariance's element blocks) potentials
and a rattled fcc frame (fixed seed, random Cu/Ni species for CuNi), numpy computes from the posterior
file's `covariance` (Sigma_epi) and the linear projections b(i) that aceuq eval prints:
  energy_std_epi[i] = sqrt(b(i)' S_mu b(i)),   energy_std_pops[i] = sqrt(energy_rms[i]^2 + b' S b),
  total_std_epi = sqrt(x' S x), total_std_pops = sqrt(total_rms^2 + x' S x), x = summed projections,
and their variances must equal aceuq eval's within 1e-12 of the round-off scale |b|' |S| |b| (the
quadratic form cancels strongly: S inverts an ill-conditioned Gram matrix).  Also: a covariance of the wrong shape is refused.
usage: epistemic_vs_numpy.py ACEUQ POTENTIALS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

failures = 0


def check(ok, what):
    global failures
    failures += not ok
    print("%-4s %s" % ("ok" if ok else "FAIL", what))


def frame(path, species, seed):
    rng = np.random.default_rng(seed)
    a, n = 3.6, 3
    base = np.array([(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0)])
    pos = np.array([(np.array((i, j, k)) + b) * a for i in range(n) for j in range(n) for k in range(n) for b in base])
    pos += rng.uniform(-0.2, 0.2, pos.shape)
    sym = [species[int(rng.integers(len(species)))] for _ in range(len(pos))]
    L = n * a
    with open(path, "w") as f:
        f.write('%d\nLattice="%r 0 0 0 %r 0 0 0 %r" Properties=species:S:1:pos:R:3 pbc="T T T"\n' % (len(pos), L, L, L))
        for s, p in zip(sym, pos):
            f.write("%s %.12f %.12f %.12f\n" % (s, p[0], p[1], p[2]))
    return sym


def main():
    aceuq, pots = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="aceuq_epi_") as d:
        for name, species in (("Cu", ["Cu"]), ("CuNi", ["Cu", "Ni"])):
            P = os.path.join(pots, name)
            xyz = os.path.join(d, name + ".xyz")
            sym = frame(xyz, species, 11)
            res = subprocess.run([aceuq, "eval", P + ".yaml", xyz, "--projections", "linear", "--posterior",
                                  P + ".posterior.npz", "--members", "pops"], capture_output=True, text=True)
            if res.returncode:
                check(False, "%s: aceuq eval failed: %s" % (name, res.stderr.strip()))
                continue
            out = json.loads(res.stdout)
            sp = out["spread"]
            npz = np.load(P + ".posterior.npz")
            S, sizes = npz["covariance"], [int(v) for v in np.ravel(npz["sizes"])]
            offsets = np.concatenate([[0], np.cumsum(sizes)])
            order = {s: k for k, s in enumerate(species)}  # the potential's element order (checked below)
            x = np.zeros(S.shape[0])
            var, scale = [], []
            for i, s in enumerate(sym):
                mu = order[s]
                b = np.array(out["projections"][i][:sizes[mu]])
                o = offsets[mu]
                Smu = S[o:o + sizes[mu], o:o + sizes[mu]]
                var.append(b @ Smu @ b)
                scale.append(np.abs(b) @ np.abs(Smu) @ np.abs(b))  # round-off scale of the quadratic form
                x[o:o + sizes[mu]] += b
            var, scale = np.array(var), np.array(scale)
            tv, tscale = x @ S @ x, np.abs(x) @ np.abs(S) @ np.abs(x)
            # compare variances within 1e-12 of their round-off scale: b' S b cancels strongly (S is the
            # inverse of an ill-conditioned Gram matrix), so any two summation orders differ there
            v_epi = np.array(sp["energy_std_epi"]) ** 2
            v_pops = np.array(sp["energy_std_pops"]) ** 2 - np.array(sp["energy_rms"]) ** 2
            d1 = float(np.max(np.abs(v_epi - var) / scale))
            d2 = float(np.max(np.abs(v_pops - var) / (scale + np.array(sp["energy_rms"]) ** 2)))
            d3 = max(abs(sp["total_std_epi"] ** 2 - tv) / tscale,
                     abs(sp["total_std_pops"] ** 2 - sp["total_rms"] ** 2 - tv) / (tscale + sp["total_rms"] ** 2))
            check(max(d1, d2, d3) < 1e-12 and var.min() > 0,
                  "%s (%d atoms, %s): per-atom epistemic std (max %.3g eV), full POPS std and totals (std %.3g eV): "
                  "variances within %.1e, %.1e, %.1e of their round-off scale from numpy"
                  % (name, len(sym), "+".join(species), np.sqrt(var.max()), np.sqrt(tv), d1, d2, d3))
            if name == "Cu":  # the element order of a one-element potential is trivially right
                continue
            info = subprocess.run([aceuq, "info", P + ".yaml"], capture_output=True, text=True).stdout
            check("elements (2): Cu Ni" in info, "CuNi: element order Cu, Ni as assumed")
        # a covariance of the wrong shape: a clear error naming the file
        P = os.path.join(pots, "Cu")
        npz = dict(np.load(P + ".posterior.npz"))
        npz["covariance"] = npz["covariance"][:-1, :-1]
        bad = os.path.join(d, "bad.posterior.npz")
        np.savez(bad, **npz)
        res = subprocess.run([aceuq, "eval", P + ".yaml", os.path.join(d, "Cu.xyz"), "--posterior", bad],
                             capture_output=True, text=True)
        check(res.returncode != 0 and "bad.posterior.npz: covariance is" in res.stderr,
              "covariance of the wrong shape: %s" % res.stderr.strip()[:160])
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
