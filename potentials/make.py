#!/usr/bin/env python3
"""Remake aceuq's own potentials (Cu, CuNi, Si) from the LAMMPS oracles, deterministically.

usage: make.py [--systems Cu,CuNi,Si] [--data DIR] [--resample] [--no-curves] [--no-cost]
               [--lmp LMP] [--aceuq ACEUQ] [--out DIR]
For every system:
  1. oracle data: oracle/sample.py SYSTEM DATA/SYSTEM (seed 2026; reused when DATA/SYSTEM/manifest.json
     exists with the same seed and runs per class, --resample to redo it);
  2. the fit: aceuq fit SYSTEM.spec.yaml --train DATA/SYSTEM/train/*.xyz --test DATA/SYSTEM/test/*.xyz
     -o OUT/SYSTEM.yaml --energy-weight 10 --committee 8 --seed 2026 (Bayesian ridge, POPS, committee,
     .asi, .asil);
     its report is kept as OUT/SYSTEM.fit.log;
  3. the MD cost: 100 NVE steps of a ~4000-atom crystal at 600 K with pair_style ace/uq (the fitted
     potential, no grades / grades every step with the .asi) and with the oracle, same input, one rank;
then (Cu, unless --no-curves) learning curves: test errors vs the number of training frames (every
8th, 4th, 2nd, all frames of every class) and vs the basis size (three specifications), a table and
learning_curve.png (gnuplot). Everything is summarised in OUT/summary.json and in the tables of
OUT/README.md between the markers <!-- make.py:begin --> and <!-- make.py:end -->.
The data (about 20 MB per system) stay in DATA (default build/oracle), outside the repository.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "oracle"))
from sample import FULL  # noqa: E402  (the runs per class: stale data are remade)
from lammps_dump import xyz_frames  # noqa: E402

SEED = 2026
ORACLE = {"Cu": ("eam/alloy", "* * Cu_mishin1.eam.alloy Cu", "fcc 3.615", ["Cu"], [63.546]),
          "CuNi": ("eam/alloy", "* * CuNi.eam.alloy Cu Ni", "fcc 3.57", ["Cu", "Ni"], [63.546, 58.693]),
          "Si": ("sw", "* * Si.sw Si", "diamond 5.431", ["Si"], [28.085])}
FIT_ARGS = ["--energy-weight", "10"]  # energies per atom 10x the frame's forces (the force error is already low)
CLASS_ORDER = ["md300", "md600", "md900", "md1200", "strain", "vacancy", "interstitial", "slab100", "slab110",
               "slab111", "cluster", "liquid"]


def opt(args, name, default):
    return args[args.index(name) + 1] if name in args else default


def run(cmd, log=None, **kw):
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if res.returncode != 0:
        raise SystemExit("make.py: %s failed:\n%s%s" % (" ".join(cmd[:3]), res.stdout[-3000:], res.stderr[-3000:]))
    if log:
        with open(log, "w") as f:
            f.write(res.stdout)
    return res.stdout


def parse_errors(text, which):
    """{class: (frames, meV/atom, meV/A)} of the 'which errors' block of an aceuq fit report"""
    block = text.split("%s errors" % which, 1)[1].split("\n", 1)[1]
    out = {}
    for line in block.split("\n"):
        m = re.match(r"\s+(\S+)\s+(\d+) frames\s+energy\s+([0-9.]+) meV/atom\s+forces\s+([0-9.]+) meV/A", line)
        if not m:
            break
        out[m.group(1)] = (int(m.group(2)), float(m.group(3)), float(m.group(4)))
    return out


def fit(aceuq, spec, train, test, out, extra):
    t0 = time.time()
    text = run([aceuq, "fit", spec, "--train"] + train + ["--test"] + test + ["-o", out, "--seed", str(SEED)] + extra,
               log=out[:-5] + ".fit.log" if "--no-activeset" not in extra else None)
    funcs = int(re.search(r"(\d+) functions", text).group(1))
    peak = float(re.search(r"peak memory ([0-9.]+) MB", text).group(1))
    rows = int(re.search(r"over (\d+) rows", text).group(1))
    return dict(functions=funcs, rows=rows, seconds=round(time.time() - t0, 1), peak_mb=peak,
                test=parse_errors(text, "test"), train=parse_errors(text, "train"))


def md_cost(lmp, system, pot, asi, work):
    """us/atom/step of ace/uq (no grades, grades every step) and of the oracle on ~4000 atoms"""
    pstyle, pcoeff, lat, els, masses = ORACLE[system]
    n = 8 if system == "Si" else 10
    out = {}
    cases = [("oracle", "pair_style %s\npair_coeff %s" % (pstyle, pcoeff)),
             ("ace/uq", "plugin load aceuqplugin.so\npair_style ace/uq\npair_coeff * * %s %s" % (pot, " ".join(els))),
             ("ace/uq + grades every step", "plugin load aceuqplugin.so\npair_style ace/uq grade_every 1\n"
              "pair_coeff * * %s %s %s" % (pot, asi, " ".join(els)))]
    for name, pair in cases:
        lines = ["units metal", "atom_modify map array", "lattice %s" % lat, "region box block 0 %d 0 %d 0 %d" % (n, n, n),
                 "create_box %d box" % len(els), "create_atoms 1 box"]
        if len(els) == 2:
            lines.append("set type 1 type/fraction 2 0.5 %d" % SEED)
        lines += ["mass %d %g" % (i + 1, m) for i, m in enumerate(masses)]
        lines += [pair, "neighbor 1.0 bin", "velocity all create 600.0 %d loop geom" % SEED, "fix nve all nve",
                  "timestep 0.001", "thermo 50", "run 10", "run 100"]
        with open(os.path.join(work, "in.cost"), "w") as f:
            f.write("\n".join(lines) + "\n")
        text = run([lmp, "-nocite", "-log", "none", "-in", "in.cost"], cwd=work)
        natoms = int(re.findall(r"Loop time of [0-9.eE+-]+ on \d+ procs for \d+ steps with (\d+) atoms", text)[-1])
        loop = float(re.findall(r"Loop time of ([0-9.eE+-]+)", text)[-1])
        out[name] = round(loop * 1e6 / (natoms * 100), 2)
    out["atoms"] = natoms
    return out


def subsample(files, every, work, tag):
    """every k-th frame of every file (the class mix is kept)"""
    out = []
    for path in files:
        frames = [text for text, _, _ in xyz_frames(path)]
        dst = os.path.join(work, "%s_%s" % (tag, os.path.basename(path)))
        with open(dst, "w") as f:
            f.write("".join(frames[::every]))
        out.append(dst)
    return out


def learning_curves(aceuq, spec, train, test, work, outdir):
    rows = []
    for every in (8, 4, 2, 1):
        sub = subsample(train, every, work, "every%d" % every)
        nframes = sum(open(p).read().count("config_type=") for p in sub)
        r = fit(aceuq, spec, sub, test, os.path.join(work, "lc.yaml"), FIT_ARGS + ["--no-pops", "--no-activeset", "--samples", "0"])
        rows.append(dict(kind="data", frames=nframes, functions=r["functions"], energy=r["test"]["all"][1],
                         forces=r["test"]["all"][2], seconds=r["seconds"], rows=r["rows"], peak_mb=r["peak_mb"]))
        print("  learning curve: %5d frames -> %.3f meV/atom, %.2f meV/A" % (nframes, rows[-1]["energy"],
                                                                          rows[-1]["forces"]), flush=True)
    base = open(spec).read()
    for nmax, lmax in (("[8, 4, 2]", "[0, 1, 1]"), ("[10, 5, 3, 2]", "[0, 2, 1, 0]"), ("[14, 8, 5, 3, 2]", "[0, 2, 1, 1, 0]")):
        s = os.path.join(work, "basis.yaml")
        with open(s, "w") as f:
            f.write(re.sub(r"functions:.*", "functions: {nmax: %s, lmax: %s}" % (nmax, lmax), base, flags=re.S) + "\n")
        r = fit(aceuq, s, train, test, os.path.join(work, "lc.yaml"), FIT_ARGS + ["--no-pops", "--no-activeset", "--samples", "0"])
        rows.append(dict(kind="basis", frames=sum(open(p).read().count("config_type=") for p in train),
                         functions=r["functions"], nmax=nmax, lmax=lmax, energy=r["test"]["all"][1],
                         forces=r["test"]["all"][2], seconds=r["seconds"], rows=r["rows"], peak_mb=r["peak_mb"]))
        print("  learning curve: %5d functions -> %.3f meV/atom, %.2f meV/A" % (r["functions"], rows[-1]["energy"],
                                                                             rows[-1]["forces"]), flush=True)
    return rows


def plot_curves(rows, ntest, work, outdir):
    """learning_curve.png: test RMSE vs training frames and vs functions (gnuplot)"""
    if not shutil.which("gnuplot"):
        return
    dat = os.path.join(work, "lc.dat")
    with open(dat, "w") as f:
        for r in rows:
            if r["kind"] == "data":
                f.write("%d %g %g\n" % (r["frames"], r["energy"], r["forces"]))
        f.write("\n\n")
        for r in sorted((r for r in rows if r["kind"] == "basis"), key=lambda r: r["functions"]):
            f.write("%d %g %g\n" % (r["functions"], r["energy"], r["forces"]))
    png = os.path.join(outdir, "learning_curve.png")
    script = """set terminal pngcairo size 1000,420 font ',10'
set output '%s'
set multiplot layout 1,2 title 'Cu (oracle Cu\\_mishin1.eam.alloy): test RMSE on %d held-out frames'
set logscale xy; set grid; set key top right
set xlabel 'training frames (all classes, basis of Cu.spec.yaml)'; set ylabel 'RMSE'
plot '%s' index 0 u 1:2 w lp pt 7 t 'energy (meV/atom)', '' index 0 u 1:3 w lp pt 5 t 'forces (meV/A)'
set xlabel 'functions (all training frames)'
plot '%s' index 1 u 1:2 w lp pt 7 t 'energy (meV/atom)', '' index 1 u 1:3 w lp pt 5 t 'forces (meV/A)'
unset multiplot
""" % (png, ntest, dat, dat)
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def tables(summary):
    out = ["| potential | functions per element | test energy RMSE (meV/atom) | test force RMSE (meV/A) | "
           "target | fit time | ace/uq MD cost (us/atom/step) | oracle cost | with grades every step |",
           "|---|---|---|---|---|---|---|---|---|"]
    targets = {"Cu": "2 / 25", "CuNi": "3 / 40", "Si": "5 / 80"}
    for system, s in summary["systems"].items():
        f = s["fit"]
        c = s.get("cost", {})
        out.append("| `%s.yaml` | %s | %.2f | %.1f | %s | %.0f s, %.0f MB | %s | %s | %s |" % (
            system, s["functions_per_element"], f["test"]["all"][1], f["test"]["all"][2], targets[system], f["seconds"],
            f["peak_mb"], c.get("ace/uq", "-"), c.get("oracle", "-"), c.get("ace/uq + grades every step", "-")))
    out += ["", "Test errors per class (energy meV/atom / forces meV/A; frames held out from independent runs):", ""]
    systems = list(summary["systems"])
    out.append("| class | " + " | ".join(systems) + " |")
    out.append("|---|" + "---|" * len(systems))
    for cls in CLASS_ORDER + ["all"]:
        cells = []
        for system in systems:
            t = summary["systems"][system]["fit"]["test"].get(cls)
            cells.append("%.2f / %.1f" % (t[1], t[2]) if t else "-")
        out.append("| %s | %s |" % (cls, " | ".join(cells)))
    if summary.get("learning_curve"):
        out += ["", "Learning curve (Cu, test RMSE on all held-out frames; `learning_curve.png`):", "",
                "| training frames | rows | functions | energy (meV/atom) | forces (meV/A) | fit time (s, no "
                "posteriors, one core) | peak memory (MB) |",
                "|---|---|---|---|---|---|---|"]
        for r in summary["learning_curve"]:
            what = " (`Cu.yaml` itself: fit with POPS, committee, .asi/.asil)" if r.get("potential") else \
                " (nmax %s, lmax %s)" % (r["nmax"], r["lmax"]) if r["kind"] == "basis" else ""
            out.append("| %d | %d | %d%s | %.3f | %.2f | %.0f | %.0f |" % (
                r["frames"], r["rows"], r["functions"], what, r["energy"], r["forces"], r["seconds"], r["peak_mb"]))
    return "\n".join(out)


def main():
    args = sys.argv[1:]
    if "-h" in args or "--help" in args:
        print(__doc__)
        return 0
    build = os.path.join(HERE, "..", "build")
    lmp, aceuq = opt(args, "--lmp", os.path.join(build, "lmp")), opt(args, "--aceuq", os.path.join(build, "aceuq"))
    data = os.path.abspath(opt(args, "--data", os.path.join(build, "oracle")))
    outdir = os.path.abspath(opt(args, "--out", HERE))
    systems = opt(args, "--systems", "Cu,CuNi,Si").split(",")
    summary_path = os.path.join(outdir, "summary.json")
    summary = {"systems": {}}
    for system in systems:
        d = os.path.join(data, system)
        man = os.path.join(d, "manifest.json")
        m = json.load(open(man)) if os.path.exists(man) else {}
        if "--resample" in args or m.get("seed") != SEED or m.get("quick") or \
                m.get("runs") != {k: list(v) for k, v in FULL.items()}:
            print("%s: oracle data -> %s" % (system, d), flush=True)
            run([sys.executable, os.path.join(HERE, "oracle", "sample.py"), system, d, "--seed", str(SEED), "--lmp", lmp,
                 "--aceuq", aceuq])
        else:
            print("%s: reusing the oracle data in %s (seed %d; --resample to remake them)" % (system, d, SEED))
        train = sorted(os.path.join(d, "train", f) for f in os.listdir(os.path.join(d, "train")))
        test = sorted(os.path.join(d, "test", f) for f in os.listdir(os.path.join(d, "test")))
        out = os.path.join(outdir, system + ".yaml")
        print("%s: fitting %s.spec.yaml" % (system, system), flush=True)
        r = fit(aceuq, os.path.join(HERE, system + ".spec.yaml"), train, test, out, FIT_ARGS + ["--committee", "8"])
        nel = len(ORACLE[system][3])
        s = dict(fit=r, functions_per_element=r["functions"] // nel, oracle=ORACLE[system][1])
        print("%s: %d functions, test %.3f meV/atom, %.2f meV/A, %.0f s" % (system, r["functions"], r["test"]["all"][1],
                                                                      r["test"]["all"][2], r["seconds"]), flush=True)
        if "--no-cost" not in args:
            with tempfile.TemporaryDirectory(prefix="aceuq_cost_") as work:
                s["cost"] = md_cost(os.path.abspath(lmp), system, out, out[:-5] + ".asi", work)
            print("%s: MD cost %s" % (system, s["cost"]), flush=True)
        update = {"systems": {system: s}}
        if system == "Cu" and "--no-curves" not in args:
            with tempfile.TemporaryDirectory(prefix="aceuq_lc_") as work:
                lc = learning_curves(aceuq, os.path.join(HERE, "Cu.spec.yaml"), train, test, work, outdir)
                # the potential itself is the basis curve's point with the specification's basis
                lc.append(dict(kind="basis", frames=[x for x in lc if x["kind"] == "data"][-1]["frames"],
                               functions=r["functions"], nmax="Cu.spec.yaml",
                               lmax="Cu.spec.yaml", energy=r["test"]["all"][1], forces=r["test"]["all"][2],
                               seconds=r["seconds"], rows=r["rows"], peak_mb=r["peak_mb"], potential=True))
                plot_curves(lc, r["test"]["all"][0], work, outdir)
                update["learning_curve"] = lc
        # merge into the file as it is now (another make.py may have written other systems meanwhile)
        summary = json.load(open(summary_path)) if os.path.exists(summary_path) else {"systems": {}}
        summary["seed"] = SEED
        summary["systems"].update(update["systems"])
        if "learning_curve" in update:
            summary["learning_curve"] = update["learning_curve"]
        with open(summary_path, "w") as f:
            json.dump(summary, f, indent=1, sort_keys=True)
    summary = json.load(open(summary_path)) if os.path.exists(summary_path) else summary
    readme = os.path.join(outdir, "README.md")
    if os.path.exists(readme) and summary["systems"]:
        text = open(readme).read()
        a, b = "<!-- make.py:begin -->", "<!-- make.py:end -->"
        if a in text and b in text:
            text = text.split(a)[0] + a + "\n" + tables(summary) + "\n" + b + text.split(b)[1]
            with open(readme, "w") as f:
                f.write(text)
    print("make.py: wrote %s" % summary_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
