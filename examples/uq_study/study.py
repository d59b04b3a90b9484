#!/usr/bin/python3
"""Which uncertainty signal should a user trust?  Every signal aceuq offers, on one potential, side by side.

usage: study.py OUTDIR [--system Cu|Si] [--data DIR] [--per-class N] [--aceuq ACEUQ] [--lmp LMP] [--quick]
  --system     Cu (default; oracle Cu_mishin1.eam.alloy) or Si (oracle Si.sw), basis potentials/SYSTEM.spec.yaml
  --data DIR   oracle data of potentials/oracle/sample.py SYSTEM (default <build>/oracle/SYSTEM, made by
               potentials/make.py; made here if missing; --quick: sample.py --quick data, for CI)
  --per-class  test frames per class (default 16)

1. A Cu (or Si) potential (potentials/SYSTEM.spec.yaml, oracle of potentials/oracle) is fitted by aceuq fit on the
   training frames of the in-domain classes only (bulk 300-900 K, strained bulk, vacancies, (100)
   slabs), with Bayesian, POPS and committee (8) posteriors and its .asi/.asil.
2. On test frames of every class (other MD runs) aceuq computes: global gamma and local gamma (max over
   the frame's atoms), descriptor entropy dH against the training descriptors (max over atoms), and the
   energy spreads of the POPS, Bayesian and committee members (aceuq eval --posterior): total-energy std
   and bounds, per-atom std; the force spreads of the same members (per atom sqrt(mean_s |F_s - <F>|^2),
   per frame its max over atoms: the *_fstd signals).
3. Against the oracle's labels: the energy error per atom |dE|/N and the largest force error of each
   frame, the per-atom force error |dF_i|.
4. Metrics per signal: Spearman rank correlation with the errors (per frame; per atom with |dF_i|),
   ROC-AUC for telling the held-out classes (md1200, interstitial, slab110, slab111, cluster, liquid)
   from in-domain test frames, coverage of the true energy error by the POPS bounds and by +-2 sigma, of
   the per-atom force errors by 2 sigma_F, and the calibration ratio median(|dF_i| / sigma_F,i).
Writes OUTDIR/results.md, results.json, scatter.png and roc.png (gnuplot).  Deterministic (seeded data
and fits, one BLAS thread).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "potentials", "oracle"))
from lammps_dump import xyz_frames as frames  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
IN_DOMAIN = ["md300", "md600", "md900", "strain", "vacancy", "slab100"]
HELD_OUT = ["md1200", "interstitial", "slab110", "slab111", "cluster", "liquid"]
ORACLE = {"Cu": "Cu_mishin1.eam.alloy", "Si": "Si.sw"}
SIGNALS = ["gamma", "gamma_local", "dH", "pops_std", "bayes_std", "committee_std", "pops_fstd", "bayes_fstd",
           "committee_fstd"]


def opt(args, name, default):
    return args[args.index(name) + 1] if name in args else default


def run(cmd, **kw):
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if res.returncode:
        raise SystemExit("study.py: %s failed:\n%s%s" % (" ".join(cmd[:3]), res.stdout[-2000:], res.stderr[-2000:]))
    return res.stdout


def ranks(x):
    """ranks with ties averaged (1-based)"""
    x = np.asarray(x, float)
    order = np.argsort(x, kind="mergesort")
    r = np.empty(len(x))
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and x[order[j + 1]] == x[order[i]]:
            j += 1
        r[order[i:j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    return r


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ra -= ra.mean()
    rb -= rb.mean()
    den = np.sqrt((ra * ra).sum() * (rb * rb).sum())
    return float((ra * rb).sum() / den) if den > 0 else float("nan")


def roc_auc(score, positive):
    """Mann-Whitney: probability that a positive scores above a negative (ties count half)"""
    r = ranks(score)
    pos = np.asarray(positive, bool)
    n1, n0 = pos.sum(), (~pos).sum()
    return float((r[pos].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0)) if n1 and n0 else float("nan")


def roc_curve(score, positive):
    order = np.argsort(-np.asarray(score, float), kind="mergesort")
    pos = np.asarray(positive, bool)[order]
    tpr = np.concatenate([[0.0], np.cumsum(pos) / max(pos.sum(), 1)])
    fpr = np.concatenate([[0.0], np.cumsum(~pos) / max((~pos).sum(), 1)])
    return fpr, tpr


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        raise SystemExit(__doc__)
    out = os.path.abspath(args[0])
    os.makedirs(out, exist_ok=True)
    build = os.path.join(ROOT, "build")
    aceuq = os.path.abspath(opt(args, "--aceuq", os.path.join(build, "aceuq")))
    lmp = os.path.abspath(opt(args, "--lmp", os.path.join(build, "lmp")))
    quick = "--quick" in args
    system = opt(args, "--system", "Cu")
    if system not in ORACLE:
        raise SystemExit("study.py: --system must be one of %s" % ", ".join(ORACLE))
    data = os.path.abspath(opt(args, "--data", os.path.join(out, "oracle") if quick else os.path.join(build, "oracle",
                                                                                                    system)))
    per_class = int(opt(args, "--per-class", "16"))
    if not os.path.exists(os.path.join(data, "manifest.json")):
        print("study: oracle data -> %s" % data, flush=True)
        run([sys.executable, os.path.join(ROOT, "potentials", "oracle", "sample.py"), system, data, "--lmp", lmp,
             "--aceuq", aceuq] + (["--quick"] if quick else []))
    train = [os.path.join(data, "train", c + ".xyz") for c in IN_DOMAIN]
    pot = os.path.join(out, "study.yaml")
    print("study: fitting on the in-domain classes %s" % ", ".join(IN_DOMAIN), flush=True)
    fit_log = run([aceuq, "fit", os.path.join(ROOT, "potentials", system + ".spec.yaml"), "--train"] + train +
                  ["-o", pot, "--energy-weight", "10", "--committee", "8", "--seed", "2026"])
    open(os.path.join(out, "fit.log"), "w").write(fit_log)
    stem = pot[:-5]
    ref = os.path.join(out, "ref_descriptors.npy")
    run([aceuq, "descriptors"] + train + ["-o", ref])
    rows, atoms = [], []
    with tempfile.TemporaryDirectory(prefix="aceuq_study_") as work:
        for cls in IN_DOMAIN + HELD_OUT:
            for k, (text, head, lines) in enumerate(frames(os.path.join(data, "test", cls + ".xyz"))):
                if k >= per_class:
                    break
                f = os.path.join(work, "frame.xyz")
                open(f, "w").write(text)
                n = len(lines)
                e_true = float(head.split("energy=")[1].split()[0])
                f_true = np.array([[float(v) for v in ln.split()[4:7]] for ln in lines])
                sig = {}
                for kind in ("pops", "bayes", "committee"):
                    extra = ["--asi", stem + ".asi", "--asil", stem + ".asil"] if kind == "pops" else []
                    r = json.loads(run([aceuq, "eval", pot, f, "--posterior", stem + ".posterior.npz", "--members",
                                        kind] + extra))
                    if kind == "pops":
                        base = r
                    sig[kind] = r["spread"]
                dh = json.loads(run([aceuq, "dH", f, ref]))["delta_entropy"]
                dh = [v if v is not None and np.isfinite(v) else 1e3 for v in dh]
                de = base["energy"] - e_true
                df = np.linalg.norm(np.array(base["forces"]) - f_true, axis=1)
                rows.append(dict(cls=cls, held_out=cls in HELD_OUT, natoms=n, de=de, de_atom=abs(de) / n,
                                 df_max=float(df.max()), gamma=max(base["gamma"]), gamma_local=max(base["gamma_local"]),
                                 dH=max(dh), pops_std=sig["pops"]["total_std"] / n,
                                 pops_lo=sig["pops"]["total_lo"], pops_hi=sig["pops"]["total_hi"],
                                 bayes_std=sig["bayes"]["total_std"] / n, committee_std=sig["committee"]["total_std"] / n,
                                 **{k + "_fstd": sig[k]["max_force_std"] for k in sig}))
                for i in range(n):
                    atoms.append(dict(df=float(df[i]), gamma=base["gamma"][i], gamma_local=base["gamma_local"][i],
                                      dH=dh[i], pops_std=sig["pops"]["energy_std"][i],
                                      bayes_std=sig["bayes"]["energy_std"][i],
                                      committee_std=sig["committee"]["energy_std"][i],
                                      **{k + "_fstd": sig[k]["force_std"][i] for k in sig}))
            print("study: %-13s %d frames evaluated" % (cls, min(per_class, k + 1)), flush=True)
    json.dump(dict(frames=rows), open(os.path.join(out, "results.json"), "w"), indent=1)
    held = np.array([r["held_out"] for r in rows])
    de = np.array([r["de_atom"] for r in rows])
    dfm = np.array([r["df_max"] for r in rows])
    dfa = np.array([a["df"] for a in atoms])
    table = ["| signal | Spearman vs \\|dE\\|/N (frames) | Spearman vs max \\|dF\\| (frames) | Spearman vs \\|dF_i\\| "
             "(atoms) | ROC-AUC held-out classes | coverage of dE |", "|---|---|---|---|---|---|"]
    res = {}
    for s in SIGNALS:
        x = np.array([r[s] for r in rows])
        xa = np.array([a[s] for a in atoms])
        cov = "-"
        if s.endswith("_std"):
            err = np.array([-r["de"] for r in rows])  # oracle - ace, the correction the bounds should contain
            sigma = x * np.array([r["natoms"] for r in rows])
            c2 = float(np.mean(np.abs(err) <= 2 * sigma))
            cov = "±2σ %.0f %%" % (100 * c2)
            if s == "pops_std":
                cb = float(np.mean([(r["pops_lo"] <= -r["de"] <= r["pops_hi"]) for r in rows]))
                cov += ", bounds %.0f %%" % (100 * cb)
                res["pops_bounds_coverage"] = cb
                cbh = float(np.mean([(r["pops_lo"] <= -r["de"] <= r["pops_hi"]) for r in rows if r["held_out"]]))
                res["pops_bounds_coverage_held_out"] = cbh
                cov += " (held-out %.0f %%)" % (100 * cbh)
            res[s + "_coverage_2sigma"] = c2
        if s.endswith("_fstd"):  # per atom: |dF_i| inside 2 sigma_F,i, and the typical error / sigma ratio
            c2 = float(np.mean(dfa <= 2 * xa))
            ratio = float(np.median(dfa / np.maximum(xa, 1e-300)))
            cov = "atoms \\|dF_i\\| ≤ 2σ_F %.0f %%, median \\|dF_i\\|/σ_F %.2g" % (100 * c2, ratio)
            res[s + "_coverage_2sigma"] = c2
            res[s + "_median_ratio"] = ratio
        res[s] = dict(spearman_energy=spearman(x, de), spearman_force=spearman(x, dfm), spearman_atom=spearman(xa, dfa),
                      auc=roc_auc(x, held))
        table.append("| %s | %.2f | %.2f | %.2f | %.3f | %s |" % (s, res[s]["spearman_energy"], res[s]["spearman_force"],
                                                                 res[s]["spearman_atom"], res[s]["auc"], cov))
    nh = int(held.sum())
    summary = ["# Uncertainty signals side by side (%s, oracle %s)" % (system, ORACLE[system]), "",
               "%d test frames (%d of held-out classes: %s; %d in-domain: %s), %d atoms." % (
                   len(rows), nh, ", ".join(HELD_OUT), len(rows) - nh, ", ".join(IN_DOMAIN), len(atoms)), "",
               "Errors: in-domain |dE|/N median %.3f meV/atom, held-out %.3f meV/atom; max |dF| median %.0f / %.0f "
               "meV/A." % (1e3 * np.median(de[~held]), 1e3 * np.median(de[held]), 1e3 * np.median(dfm[~held]),
                            1e3 * np.median(dfm[held])), ""] + table
    open(os.path.join(out, "results.md"), "w").write("\n".join(summary) + "\n")
    res["frames"], res["held_out_frames"], res["atoms"] = len(rows), nh, len(atoms)
    json.dump(res, open(os.path.join(out, "metrics.json"), "w"), indent=1, sort_keys=True)
    print("\n".join(summary))
    # plots
    dat = os.path.join(out, "frames.dat")
    with open(dat, "w") as f:
        for r in rows:
            f.write("%d %g %g %g %g %g %g %g %g\n" % (r["held_out"], 1e3 * r["de_atom"], r["gamma"], r["gamma_local"],
                                                       r["dH"], 1e3 * r["pops_std"], 1e3 * r["bayes_std"],
                                                       1e3 * r["committee_std"], 1e3 * r["df_max"]))
    roc = os.path.join(out, "roc.dat")
    with open(roc, "w") as f:
        for s in SIGNALS:
            fpr, tpr = roc_curve([r[s] for r in rows], held)
            f.write("".join("%g %g\n" % (a, b) for a, b in zip(fpr, tpr)) + "\n\n")
    gp = """set terminal pngcairo size 1200,800 font ',10' noenhanced
set output '%(out)s/scatter.png'
set multiplot layout 2,3 title 'error vs signal per frame (x: in-domain, o: held-out classes)'
set logscale xy; set grid; set ylabel '|dE|/N (meV/atom)'; unset key
do for [c in "3 4 5 6 7 8"] {
  set xlabel word("gamma gamma_local dH POPS_std(meV/atom) Bayes_std(meV/atom) committee_std(meV/atom)", int(c)-2)
  if (int(c) == 5) { unset logscale x } else { set logscale x }
  plot '%(dat)s' u (column(int(c))):($1 == 0 ? $2 : 1/0) pt 2 lc rgb '#1f77b4', \
       '' u (column(int(c))):($1 == 1 ? $2 : 1/0) pt 6 lc rgb '#d62728'
}
unset multiplot
set output '%(out)s/roc.png'
set terminal pngcairo size 600,500 font ',10' noenhanced
unset logscale; set xrange [0:1]; set yrange [0:1]; set key bottom right
set xlabel 'false positive rate (in-domain frames flagged)'; set ylabel 'true positive rate (held-out frames flagged)'
set title 'detecting held-out classes'
plot for [i=0:5] '%(roc)s' index i w l lw 2 t word("gamma gamma_local dH POPS_std Bayes_std committee_std", i+1), x w l dt 2 lc rgb '#888888' t ''
""" % dict(out=out, dat=dat, roc=roc)
    subprocess.run(["gnuplot"], input=gp, text=True, check=False, capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
