#!/usr/bin/env python3
"""aceuq fit: recovery of a known linear ACE potential, the written .yaml, and bad input.

Frames (rattled two-element fcc cells, a slab and a cluster; fixed seed) are labelled with
`aceuq label` by pair_style ace/uq running the project's linear test potential
potentials/AlNi_linear_test.yaml (E_i = sum_f c_f b_f exactly). `aceuq fit` on the same basis must
  - reproduce every training label: energy RMSE < 1e-6 meV/atom and force RMSE < 1e-5 meV/A, with
    ridge (lambda 1e-12) and with Bayesian ridge (whose prior shrinks the directions the data barely
    determine: a held-out frame within 0.01 meV/atom, 0.1 meV/A);
  - ridge: write a .yaml that aceuq eval evaluates like the original potential on a held-out frame
    (energy 1e-9 relative, forces 1e-8 eV/A), and its .yace twin exactly like the .yaml;
Bayesian ridge also writes NAME.posterior.npz (mean, covariance, 32 samples). A basis specification
(elements Ni, Al; SBessel; nmax/lmax per rank) fitted once gives P1; frames labelled by P1 are fitted
back to P1 from the specification (to round-off), and P1's file with its functions in reversed
order fits the same potential;
and refuse with a clear message: a frame without energy, an element the basis lacks, a .yace basis,
missing --train.

usage: fit_check.py ACEUQ LMP POTENTIALS_DIR
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

failures = 0


def check(ok, what):
    global failures
    failures += not ok
    print("%-4s %s" % ("ok" if ok else "FAIL", what))


def frame(rng, a, n, slab=False, cluster=False):
    base = [(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0)]
    pos = [[(i + b[0]) * a + rng.uniform(-0.12, 0.12), (j + b[1]) * a + rng.uniform(-0.12, 0.12),
            (k + b[2]) * a + rng.uniform(-0.12, 0.12)] for i in range(n) for j in range(n) for k in range(n)
           for b in base]
    sym = [rng.choice(["Al", "Ni"]) for _ in pos]
    L = n * a
    if cluster:
        head = 'Properties=species:S:1:pos:R:3 config_type=cluster'
    else:
        head = 'Lattice="%.12g 0 0 0 %.12g 0 0 0 %.12g" Properties=species:S:1:pos:R:3 pbc="T T %s" config_type=%s' % (
            L, L, L + (12.0 if slab else 0.0), "F" if slab else "T", "slab" if slab else "bulk")
    return "%d\n%s\n" % (len(pos), head) + "".join("%s %.12g %.12g %.12g\n" % (s, *p) for s, p in zip(sym, pos))


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def rmse(out, set_name):
    m = re.search(r"%s errors.*?\n(?:.*\n)*?\s+all\s+\d+ frames\s+energy\s+([0-9.eE+-]+) meV/atom\s+forces\s+"
                  r"([0-9.eE+-]+) meV/A" % set_name, out)
    return (float(m.group(1)), float(m.group(2))) if m else (None, None)


def main():
    aceuq, lmp, pots = sys.argv[1], sys.argv[2], sys.argv[3]
    pot = os.path.join(pots, "AlNi_linear_test.yaml")
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="aceuq_fit_") as d:
        raw, held = os.path.join(d, "raw.xyz"), os.path.join(d, "held.xyz")
        open(raw, "w").write("".join(frame(rng, 3.9, 2) for _ in range(6)) + frame(rng, 3.9, 2, slab=True) +
                             frame(rng, 3.9, 1, cluster=True))
        open(held, "w").write(frame(rng, 3.85, 2))
        lab, lab_held = os.path.join(d, "lab.xyz"), os.path.join(d, "lab_held.xyz")
        for src, dst in ((raw, lab), (held, lab_held)):
            res = run([aceuq, "label", src, "-o", dst, "--lmp", lmp, "--elements", "Al,Ni", "--command",
                       "plugin load aceuqplugin.so", "--pair-style", "ace/uq", "--pair-coeff", "* * %s Al Ni" % pot])
            check(res.returncode == 0, "labelled with ace/uq + AlNi_linear_test.yaml: %s" % (res.stdout + res.stderr).strip())
            if res.returncode:
                return 1
        for solver, held_tol in ((["--ridge", "1e-12"], (1e-5, 1e-4)), (["--bayes"], (1e-2, 1e-1))):
            out = os.path.join(d, "fit.yaml")
            res = run([aceuq, "fit", pot, "--train", lab, "--test", lab_held, "-o", out, "--virial-weight", "1"] + solver)
            e, f = rmse(res.stdout, "train")
            te, tf = rmse(res.stdout, "test")
            check(res.returncode == 0 and e is not None and e < 1e-6 and f < 1e-5 and te < held_tol[0] and
                  tf < held_tol[1],
                  "fit %s: train RMSE %s meV/atom, %s meV/A; held-out %s, %s%s" % (
                      " ".join(solver), e, f, te, tf, "" if res.returncode == 0 else ": " + res.stderr.strip()))
            post = out[:-5] + ".posterior.npz"
            if solver[0] == "--bayes" and res.returncode == 0:
                import zipfile
                with zipfile.ZipFile(post) as z:
                    names = sorted(z.namelist())
                    nbytes = z.getinfo("samples.npy").file_size
                k = int(re.search(r"(\d+) functions", res.stdout).group(1))
                check(names == ["covariance.npy", "format.npy", "mean.npy", "samples.npy", "sizes.npy"] and
                      32 * k * 8 < nbytes < 32 * k * 8 + 256,
                      "posterior file %s: members %s, 32 samples of %d coefficients" % (
                          os.path.basename(post), ",".join(names), k))
            if res.returncode or solver[0] != "--ridge":
                continue
            a = json.loads(run([aceuq, "eval", out, lab_held]).stdout)
            b = json.loads(run([aceuq, "eval", pot, lab_held]).stdout)
            de = abs(a["energy"] - b["energy"]) / abs(b["energy"])
            df = max(abs(x - y) for fa, fb in zip(a["forces"], b["forces"]) for x, y in zip(fa, fb))
            check(de < 1e-9 and df < 1e-8, "written .yaml (%s) on the held-out frame: energy %.1e rel, forces "
                  "%.1e eV/A of the original" % (" ".join(solver), de, df))
            y = json.loads(run([aceuq, "eval", out[:-5] + ".yace", lab_held]).stdout)
            check(y["energy"] == a["energy"] and y["forces"] == a["forces"],
                  "the .yace twin (pair_style pace format) evaluates exactly like the written .yaml")
        # a basis specification: fit it (P1), label with P1, fit the spec again -> P1 recovered; the same
        # basis with its functions in reversed order fits the same predictions
        spec = os.path.join(d, "spec.yaml")
        open(spec, "w").write("elements: [Ni, Al]\ncutoff: 5.2\nradial: {basis: SBessel}\n"
                              "functions: {nmax: [4, 2, 1, 1], lmax: [0, 1, 1, 1]}\n")
        p1 = os.path.join(d, "p1.yaml")
        res = run([aceuq, "fit", spec, "--train", lab, "-o", p1, "--ridge", "1e-8"])
        check(res.returncode == 0, "fit of a basis specification: %s" % (res.stdout.splitlines()[:1] if res.returncode == 0
                                                                          else res.stderr.strip()))
        lab1, lab1_held = os.path.join(d, "lab1.xyz"), os.path.join(d, "lab1_held.xyz")
        raw1 = os.path.join(d, "raw1.xyz")  # enough frames to determine all 116 functions well
        open(raw1, "w").write("".join(frame(rng, 3.8 + 0.01 * i, 2) for i in range(24)) +
                              frame(rng, 3.9, 2, slab=True) + frame(rng, 3.9, 1, cluster=True))
        for src, dst in ((raw1, lab1), (held, lab1_held)):
            res = run([aceuq, "label", src, "-o", dst, "--lmp", lmp, "--elements", "Al,Ni", "--command",
                       "plugin load aceuqplugin.so", "--pair-style", "ace/uq", "--pair-coeff", "* * %s Al Ni" % p1])
            check(res.returncode == 0, "labelled with the fitted specification")
        p2 = os.path.join(d, "p2.yaml")
        res = run([aceuq, "fit", spec, "--train", lab1, "--test", lab1_held, "-o", p2, "--ridge", "1e-12",
                   "--virial-weight", "1"])
        e, f = rmse(res.stdout, "train")
        te, tf = rmse(res.stdout, "test")
        check(res.returncode == 0 and e is not None and e < 1e-6 and f < 1e-5 and te < 1e-5 and tf < 1e-4,
              "specification recovers its own potential: train %s meV/atom, %s meV/A; held-out %s, %s" % (e, f, te, tf))
        # reversed function order inside every block (same basis, other column order)
        lines = open(p1).read().split("\n")
        outl, block = [], []
        for ln in lines + [""]:
            if ln.startswith("      - {"):
                block.append(ln)
                continue
            outl += block[::-1]
            block = []
            outl.append(ln)
        rev = os.path.join(d, "p1_reversed.yaml")
        open(rev, "w").write("\n".join(outl[:-1]))
        p3 = os.path.join(d, "p3.yaml")
        res = run([aceuq, "fit", rev, "--train", lab1, "-o", p3, "--ridge", "1e-12"])
        e3, f3 = rmse(res.stdout, "train")
        a = json.loads(run([aceuq, "eval", p3, lab1_held]).stdout)
        b = json.loads(run([aceuq, "eval", p2, lab1_held]).stdout)
        de = abs(a["energy"] - b["energy"]) / abs(b["energy"])
        check(res.returncode == 0 and e3 is not None and e3 < 1e-6 and f3 < 1e-5 and de < 1e-9,
              "the basis in reversed order fits the same potential as in file order: train %s meV/atom, %s meV/A, held-out energy "
              "%.1e rel" % (e3, f3, de))
        # bad input
        out = os.path.join(d, "bad.yaml")
        res = run([aceuq, "fit", pot, "--train", raw, "-o", out])
        check(res.returncode == 1 and "has no energy= label" in res.stderr and not os.path.exists(out),
              "unlabelled frame: %s" % res.stderr.strip())
        cu = os.path.join(d, "cu.xyz")
        open(cu, "w").write(open(lab).read().replace("\nAl ", "\nCu ", 1))
        res = run([aceuq, "fit", pot, "--train", cu, "-o", out])
        check(res.returncode == 1 and "element Cu is not in the basis" in res.stderr, "unknown element: %s" %
              res.stderr.strip())
        res = run([aceuq, "fit", pot, "-o", out])
        check(res.returncode == 2 and "needs BASIS.yaml, --train and -o" in res.stderr, "no --train: usage")
        res = run([aceuq, "fit", pot, "--train", lab, "-o", out, "--ridge", "0"])
        check(res.returncode == 1 and "rank-deficient" in res.stderr, "plain least squares on a rank-deficient basis: "
              "%s" % res.stderr.strip()[:120])
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
