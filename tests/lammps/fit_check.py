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
import math
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


def npz_arrays(path):
    """the float64 members of an .npz (numpy-free: the tests run with any python3)"""
    import ast
    import struct
    import zipfile
    out = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            b = z.read(name)
            hlen = struct.unpack("<H", b[8:10])[0]
            hdr = ast.literal_eval(b[10:10 + hlen].decode("latin1"))
            shape = hdr["shape"]
            n = 1
            for d in shape:
                n *= d
            vals = struct.unpack("<%dd" % n, b[10 + hlen:10 + hlen + 8 * n])
            cols = shape[-1] if shape else 1
            out[name[:-4]] = [list(vals[i:i + cols]) for i in range(0, n, cols)] if len(shape) == 2 else list(vals)
    return out


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
        for solver, held_tol in ((["--ridge", "1e-12"], (1e-5, 1e-4)), (["--bayes", "--committee", "3"], (1e-2, 1e-1))):
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
                check(names == ["committee.npy", "covariance.npy", "format.npy", "mean.npy", "pops_samples.npy",
                                "pops_sigma_mis.npy", "samples.npy", "sizes.npy"] and
                      32 * k * 8 < nbytes < 32 * k * 8 + 256,
                      "posterior file %s: members %s, 32 samples of %d coefficients" % (
                          os.path.basename(post), ",".join(names), k))
                check(os.path.exists(out[:-5] + ".asi") and os.path.exists(out[:-5] + ".asil"),
                      "the fit wrote its active sets %s.asi and .asil" % os.path.basename(out[:-5]))
                # a member of each kind, written as a potential, evaluates to mean + sum_i b_i . (c_s - mean):
                # the posterior's columns are in projection order
                arr = npz_arrays(post)
                sizes = [int(v) for v in arr["sizes"][0]]
                mean = arr["mean"][0]
                proj = json.loads(run([aceuq, "eval", out, lab_held, "--projections", "linear"]).stdout)
                species = [ln.split()[0] for ln in open(lab_held).read().split("\n")[2:] if ln.strip()]
                offset = {"Al": 0, "Ni": sizes[0]}
                for kind, key in (("bayes", "samples"), ("pops", "pops_samples"), ("committee", "committee")):
                    idx = len(arr[key]) - 1
                    mem = os.path.join(d, "member_%s.yaml" % kind)
                    r2 = run([aceuq, "member", out, post, kind, str(idx), "-o", mem])
                    c = arr[key][idx]
                    pred = proj["energy"] + sum(b * (c[offset[sp] + j] - mean[offset[sp] + j])
                                                for sp, bi in zip(species, proj["projections"]) for j, b in enumerate(bi))
                    em = json.loads(run([aceuq, "eval", mem, lab_held]).stdout)["energy"] if r2.returncode == 0 else None
                    check(em is not None and abs(em - pred) < 1e-9 * abs(pred) and abs(em - proj["energy"]) > 0,
                          "%s member %d as a potential: E = %s, mean + b.(c - mean) = %.12g" % (kind, idx, em, pred))
                r2 = run([aceuq, "member", out, post, "committee", "3", "-o", os.path.join(d, "m.yaml")])
                check(r2.returncode == 1 and "has 3 committee members: index 3 is out of range" in r2.stderr,
                      "member out of range: %s" % r2.stderr.strip())
                bayes_post = post
                # deterministic: the same command gives the same files, byte for byte
                out2 = os.path.join(d, "fit_again.yaml")
                run([aceuq, "fit", pot, "--train", lab, "--test", lab_held, "-o", out2, "--virial-weight", "1"] + solver)
                same = all(open(out[:-5] + ext, "rb").read() == open(out2[:-5] + ext, "rb").read()
                           for ext in (".yaml", ".yace", ".posterior.npz", ".asi", ".asil")
                           ) if os.path.exists(out2) else False
                check(same, "the fit is deterministic: .yaml, .yace, posterior, .asi and .asil identical on a rerun")
            if res.returncode or solver[0] != "--ridge":
                continue
            a = json.loads(run([aceuq, "eval", out, lab_held]).stdout)
            b = json.loads(run([aceuq, "eval", pot, lab_held]).stdout)
            de = abs(a["energy"] - b["energy"]) / abs(b["energy"])
            df = max(abs(x - y) for fa, fb in zip(a["forces"], b["forces"]) for x, y in zip(fa, fb))
            check(de < 1e-9 and df < 1e-8, "written .yaml (%s) on the held-out frame: energy %.1e rel, forces "
                  "%.1e eV/A of the original" % (" ".join(solver), de, df))
            # the C-tilde path of the .yaml (no projections) is the .yace's: bit for bit; with projections
            # the densities come from the B functions (round-off apart)
            y = json.loads(run([aceuq, "eval", out[:-5] + ".yace", lab_held]).stdout)
            ac = json.loads(run([aceuq, "eval", out, lab_held, "--projections", "none"]).stdout)
            dp = max(abs(x - z) for fa, fc in zip(a["forces"], ac["forces"]) for x, z in zip(fa, fc))
            check(y["energy"] == ac["energy"] and y["forces"] == ac["forces"]
                  and abs(a["energy"] - ac["energy"]) <= 1e-12 * abs(ac["energy"]) and dp <= 1e-10,
                  "the .yace twin (pair_style pace format) evaluates exactly like the written .yaml without "
                  "projections (with them: energy %.1e rel, forces %.1e eV/A)"
                  % (abs(a["energy"] - ac["energy"]) / abs(ac["energy"]), dp))
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
        # energy spreads (aceuq eval --posterior) against brute force: every member written as a potential
        # and evaluated; per atom std / rms / min / max of E_s(i) - E(i), and of the total energy
        sp = os.path.join(d, "sp.yaml")
        res = run([aceuq, "fit", pot, "--train", lab, "-o", sp, "--samples", "5", "--pops-samples", "6",
                   "--committee", "4", "--no-activeset"])
        base = json.loads(run([aceuq, "eval", sp, lab_held]).stdout)
        for kind, count in (("bayes", 5), ("pops", 6), ("committee", 4)):
            got = json.loads(run([aceuq, "eval", sp, lab_held, "--posterior", sp[:-5] + ".posterior.npz",
                                  "--members", kind, "--member-values"]).stdout)["spread"]
            dev, fdev = [], []
            for m in range(count):
                run([aceuq, "member", sp, sp[:-5] + ".posterior.npz", kind, str(m), "-o", os.path.join(d, "m.yaml")])
                e = json.loads(run([aceuq, "eval", os.path.join(d, "m.yaml"), lab_held]).stdout)
                dev.append([a - b for a, b in zip(e["energies"] + [e["energy"]], base["energies"] + [base["energy"]])])
                fdev.append([[a - b for a, b in zip(fa, fb)] for fa, fb in zip(e["forces"], base["forces"])])
            # forces member by member: member s's forces - the mean potential's = the M-wide adjoint path
            nat = len(base["energies"])
            fscale = max(abs(v) for fm in fdev for row in fm for v in row)
            fworst = max(abs(got["member_force_deviations"][i][3 * m + a] - fdev[m][i][a]) / fscale
                         for m in range(count) for i in range(nat) for a in range(3))
            eworst = max(abs(got["member_energy_deviations"][i][m] - dev[m][i]) for m in range(count) for i in range(nat))
            fstd_ref = []
            for i in range(nat):
                mean = [sum(fdev[m][i][a] for m in range(count)) / count for a in range(3)]
                fstd_ref.append(math.sqrt(sum((fdev[m][i][a] - mean[a]) ** 2 for m in range(count)
                                              for a in range(3)) / count))
            sworst = max(abs(a - b) for a, b in zip(got["force_std"], fstd_ref)) / max(fstd_ref)
            check(fworst < 1e-8 and sworst < 1e-8 and eworst < 1e-10 and
                  abs(got["max_force_std"] - max(got["force_std"])) == 0.0,
                  "%s: forces of each member as a potential vs the member-force path: %.1e of the largest force "
                  "deviation (%.3g eV/A); per-atom force std %.1e; energies %.1e eV" % (
                      kind, fworst, fscale, sworst, eworst))
            worst = 0.0
            scale = max(abs(v) for row in dev for v in row)
            for i in range(len(base["energies"]) + 1):
                col = [row[i] for row in dev]
                mean = sum(col) / count
                ref = (math.sqrt(max(sum(v * v for v in col) / count - mean * mean, 0.0)),
                       math.sqrt(sum(v * v for v in col) / count), min(col), max(col))
                if i < len(base["energies"]):
                    ours = (got["energy_std"][i], got["energy_rms"][i], got["energy_lo"][i], got["energy_hi"][i])
                else:
                    ours = (got["total_std"], got["total_rms"], got["total_lo"], got["total_hi"])
                worst = max(worst, max(abs(a - b) for a, b in zip(ours, ref)) / scale)
            atom_std = math.sqrt(sum(v * v for v in got["energy_std"]))
            check(got["count"] == count and worst < 1e-8,
                  "spread of the %d %s members vs brute force (each member as a potential): %.1e of the largest "
                  "deviation; total-energy std %.3g eV (from the summed projections; the atoms' quadrature sum would "
                  "say %.3g)" % (count, kind, worst, got["total_std"], atom_std))
        # spreads need a linear potential: the same file with a non-linear embedding is refused with the reason
        nl = os.path.join(d, "nonlinear.yaml")
        open(nl, "w").write(open(sp).read().replace("parameters: [1, 1]", "parameters: [1, 0.5]"))
        r2 = run([aceuq, "eval", nl, lab_held, "--posterior", sp[:-5] + ".posterior.npz"])
        check(r2.returncode != 0 and "posterior spreads needs a linear potential" in r2.stderr and "[1, 0.5]" in r2.stderr,
              "posterior spreads of a non-linear potential: %s" % r2.stderr.strip()[-160:])
        r2 = run([aceuq, "member", p1, bayes_post, "pops", "0", "-o", os.path.join(d, "m.yaml")])
        check(r2.returncode == 1 and "a posterior of another potential?" in r2.stderr,
              "posterior of another potential: %s" % r2.stderr.strip())
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
        res = run([aceuq, "fit", pot, "--train", lab, "-o", out, "--weight", "slabs=2"])
        check(res.returncode == 1 and "no training frame has config_type=slabs" in res.stderr and
              not os.path.exists(out), "--weight of a class that is not there: %s" % res.stderr.strip())
        res = run([aceuq, "fit", pot, "--train", lab, "-o", out, "--weight", "slab=3", "--no-activeset"])
        check(res.returncode == 0 and "slab x3" in res.stdout, "--weight slab=3 is applied")
        os.remove(out)
        empty = os.path.join(d, "empty.xyz")
        open(empty, "w").write("")
        res = run([aceuq, "fit", pot, "--train", empty, "-o", out])
        check(res.returncode == 1 and "empty.xyz: no frames" in res.stderr and not os.path.exists(out),
              "empty training file: %s" % res.stderr.strip())
        nan = os.path.join(d, "nan.xyz")
        open(nan, "w").write(re.sub(r"energy=[-0-9.eE+]+", "energy=nan", open(lab).read(), count=1))
        res = run([aceuq, "fit", pot, "--train", nan, "-o", out])
        check(res.returncode == 1 and "nan.xyz" in res.stderr and not os.path.exists(out),
              "NaN label: %s" % res.stderr.strip()[:160])
        one = os.path.join(d, "one.xyz")
        open(one, "w").write("".join(open(lab).readlines()[:34]))  # the first frame (32 atoms) alone
        res = run([aceuq, "fit", spec, "--train", one, "-o", out])
        check(res.returncode == 1 and "more functions than" in res.stderr and not os.path.exists(out),
              "more columns than rows: %s" % res.stderr.strip()[:160])
        res = run([aceuq, "fit", pot, "--train", lab, "-o", out, "--ridge", "0"])
        check(res.returncode == 1 and "rank-deficient" in res.stderr, "plain least squares on a rank-deficient basis: "
              "%s" % res.stderr.strip()[:120])
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
