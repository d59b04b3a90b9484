#!/usr/bin/env python3
"""Oracle data for aceuq's own potentials: configurations of many classes, made and labelled with LAMMPS.

usage: sample.py SYSTEM OUTDIR [--quick] [--seed N] [--classes C1,C2,..] [--runs N] [--lmp LMP] [--aceuq ACEUQ]
  SYSTEM  Cu (Cu_mishin1.eam.alloy), CuNi (CuNi.eam.alloy), Si (Si.sw): the potentials that come
          with LAMMPS (found through LAMMPS_POTENTIALS, which build/lmp sets)
  OUTDIR  gets train/<class>.xyz and test/<class>.xyz (labelled extended XYZ: energy, forces,
          virial, stress, config_type=<class>) and manifest.json (counts, seeds, settings)

Every class is sampled by independent runs of in.sample (LAMMPS builds the structure, runs MD with
the oracle, dumps snapshots); train and test come from different runs (different seeds), so test
frames are not neighbours of training frames in time.  Classes:
  strain        bulk with a random strain (box scales 0.95..1.05, tilts +-3 %), NVT 300 K
  md300 .. md1200  bulk NPT at 300, 600, 900, 1200 K
  vacancy       one atom removed, NPT 300..900 K        interstitial  one atom added, NPT 300..900 K
  slab100 slab110 slab111   films with free surfaces (vacuum along z, pbc T T F), NVT 300..900 K
  cluster       spheres of 13..90 atoms cut from the crystal (pbc F F F), NVT 300..900 K
  liquid        melted at Tmelt, NPT in the liquid
  CuNi: every run draws the Ni fraction uniformly from 0..1 (random alloy, Vegard lattice constant).
Deterministic: Python's random with the seed, LAMMPS serial with seeds from it; the same binary
gives the same files.  --quick: 1 run per class and split, 2 snapshots, small cells (CI).
--classes: only these classes; --runs N: N independent runs per class and split (with --quick, or
instead of the full set's count), e.g. a larger held-out set of a few classes.
Labels come from `aceuq label` with the oracle (the same command the active-learning loop uses).
"""
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lammps_dump import frames, write_frame  # noqa: E402

SYSTEMS = {
    "Cu": dict(elements=["Cu"], masses=[63.546], lat="fcc", a=[3.615], pstyle="eam/alloy",
               pcoeff="* * Cu_mishin1.eam.alloy Cu", dt=0.002, tmelt=2500.0, tliq=(1500.0, 2000.0)),
    "CuNi": dict(elements=["Cu", "Ni"], masses=[63.546, 58.693], lat="fcc", a=[3.615, 3.52],
                 pstyle="eam/alloy", pcoeff="* * CuNi.eam.alloy Cu Ni", dt=0.002, tmelt=2800.0,
                 tliq=(1700.0, 2200.0)),
    "Si": dict(elements=["Si"], masses=[28.085], lat="diamond", a=[5.431], pstyle="sw",
               pcoeff="* * Si.sw Si", dt=0.001, tmelt=3000.0, tliq=(1800.0, 2500.0)),
}
# surface orientations and the repeat lengths (units of a) along the rotated axes; the same for
# fcc and diamond (diamond = fcc + a basis)
ORIENT = {"slab100": ("orient x 1 0 0 orient y 0 1 0 orient z 0 0 1", (1.0, 1.0, 1.0)),
          "slab110": ("orient x 0 0 1 orient y 1 -1 0 orient z 1 1 0", (1.0, 0.5 ** 0.5, 0.5 ** 0.5)),
          "slab111": ("orient x 1 -1 0 orient y 1 1 -2 orient z 1 1 1", (0.5 ** 0.5, 1.5 ** 0.5, 3 ** 0.5))}
# (runs per split, snapshots per run) for the full data set
# (1064 frames per split: the fits train on more than 1000 structures)
FULL = {"strain": (50, 3), "md300": (5, 20), "md600": (5, 20), "md900": (5, 20), "md1200": (5, 20),
        "vacancy": (10, 10), "interstitial": (10, 8), "slab100": (5, 10), "slab110": (5, 10),
        "slab111": (5, 10), "cluster": (25, 4), "liquid": (7, 12)}


def run_settings(system, cls, rng, quick):
    """LAMMPS variables of one run of class cls."""
    s = SYSTEMS[system]
    x2 = rng.random() if len(s["elements"]) > 1 else 0.0
    a = s["a"][0] * (1 - x2) + (s["a"][1] * x2 if x2 else 0.0)
    diamond = s["lat"] == "diamond"
    n = 2 if (diamond or quick) else 3
    v = dict(lat=s["lat"], a="%.6f" % a, n=n, nz=2, ntypes=len(s["elements"]), m1=s["masses"][0],
             m2=s["masses"][-1], xtype2="%.6f" % x2, pstyle=s["pstyle"], pcoeff=s["pcoeff"], sx=1, sy=1, sz=1,
             txy=0, txz=0, tyz=0, rattle="0.02", victim=1, ix=0, iy=0, iz=0, radius=1.0, orient=ORIENT["slab100"][0],
             spacing="1 1 1", ny=n, vac=1,
             T=300.0, Tmelt=300.0, ensemble="npt", dt=s["dt"], shape="bulk")
    if cls == "strain":
        v.update(sx="%.5f" % rng.uniform(0.95, 1.05), sy="%.5f" % rng.uniform(0.95, 1.05),
                 sz="%.5f" % rng.uniform(0.95, 1.05), txy="%.5f" % rng.uniform(-0.03, 0.03),
                 txz="%.5f" % rng.uniform(-0.03, 0.03), tyz="%.5f" % rng.uniform(-0.03, 0.03), ensemble="nvt")
    elif cls.startswith("md"):
        v.update(T=float(cls[2:]))
    elif cls in ("vacancy", "interstitial"):
        natoms = (8 if diamond else 4) * n ** 3
        site = (0.5, 0.5, 0.5) if not diamond else (0.5, 0.5, 0.5)  # octahedral (fcc), tetrahedral (diamond)
        v.update(shape=cls, T=rng.choice([300.0, 600.0, 900.0]), victim=rng.randrange(1, natoms + 1),
                 ix=site[0] + rng.randrange(n), iy=site[1] + rng.randrange(n), iz=site[2] + rng.randrange(n))
    elif cls in ORIENT:
        orient, period = ORIENT[cls]
        lateral, thick = (7.0, 9.0) if quick else (10.0, 12.0)   # A
        reps = [max(1, math.ceil(L / (a * p))) for L, p in zip((lateral, lateral, thick), period)]
        v.update(shape="slab", orient=orient, spacing=" ".join("%.12g" % p for p in period), n=reps[0], ny=reps[1],
                 nz=reps[2], vac=math.ceil(8.0 / (a * period[2])), ensemble="nvt",
                 T=rng.choice([300.0, 600.0, 900.0]))
    elif cls == "cluster":
        v.update(shape="cluster", radius="%.3f" % rng.uniform(0.75, 1.1 if quick else 1.6), ensemble="nvt",
                 ix="%.3f" % rng.uniform(-0.25, 0.25), iy="%.3f" % rng.uniform(-0.25, 0.25),
                 iz="%.3f" % rng.uniform(-0.25, 0.25), T=rng.choice([300.0, 600.0, 900.0]))
    elif cls == "liquid":
        v.update(shape="liquid", Tmelt=s["tmelt"], T="%.1f" % rng.uniform(*s["tliq"]))
    v["Tmelt"] = v["Tmelt"] if cls == "liquid" else v["T"]
    return v


def sample_class(system, cls, split, seed, quick, lmp, scratch, nruns=None):
    runs, nsnap = (1, 2) if quick else FULL[cls]
    runs = nruns or runs
    rng = random.Random("%s/%s/%s/%d" % (system, cls, split, seed))
    out = []
    for r in range(runs):
        v = run_settings(system, cls, rng, quick)
        every = 50 if quick else 200
        equil = every * (2 if quick else 10)
        dump = os.path.join(scratch, "%s_%s_%d.dump" % (cls, split, r))
        v.update(seed=rng.randrange(1, 899999999), nsnap=nsnap, every=every, equil=equil, out=dump)  # LAMMPS: <= 9e8
        log = os.path.join(scratch, "run.log")
        # unbuffered, so that an error on one rank (MPI_Abort, no flush) still reaches the log
        cmd = (["stdbuf", "-o0"] if shutil.which("stdbuf") else []) + [
            lmp, "-nocite", "-log", log, "-screen", "none", "-in", os.path.join(HERE, "in.sample")]
        for k, val in v.items():
            cmd += ["-var", k, str(val)]
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=scratch)
        if res.returncode != 0:
            raise SystemExit("sample.py: LAMMPS failed for %s %s run %d (%s):\n%s" % (
                system, cls, r, " ".join("%s=%s" % kv for kv in v.items()),
                (open(log).read() if os.path.exists(log) else "")[-1500:] + res.stderr[-500:]))
        snaps = list(frames(dump))
        if len(snaps) != nsnap:
            raise SystemExit("sample.py: %s %s run %d: %d snapshots, expected %d" % (system, cls, r, len(snaps), nsnap))
        out += snaps
    return out


def main():
    args = sys.argv[1:]
    if len(args) < 2 or args[0] not in SYSTEMS:
        raise SystemExit(__doc__)
    system, outdir = args[0], args[1]
    quick = "--quick" in args
    opt = lambda name, default: args[args.index(name) + 1] if name in args else default
    seed = int(opt("--seed", "2026"))
    classes = opt("--classes", ",".join(FULL)).split(",")
    unknown = [c for c in classes if c not in FULL]
    if unknown:
        raise SystemExit("sample.py: unknown class %s (classes: %s)" % (",".join(unknown), " ".join(FULL)))
    nruns = int(opt("--runs", "0"))
    if nruns < 0:
        raise SystemExit("sample.py: --runs %d: give a positive number of runs" % nruns)
    build = os.path.join(HERE, "..", "..", "build")
    lmp, aceuq = opt("--lmp", os.path.join(build, "lmp")), opt("--aceuq", os.path.join(build, "aceuq"))
    spec = SYSTEMS[system]
    manifest = dict(system=system, seed=seed, quick=quick, oracle="pair_style %s; pair_coeff %s" % (
        spec["pstyle"], spec["pcoeff"]), classes={}, runs={
        k: [nruns or (1 if quick else FULL[k][0]), 2 if quick else FULL[k][1]] for k in classes})
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="aceuq_oracle_") as scratch:
        for split in ("train", "test"):
            os.makedirs(os.path.join(outdir, split), exist_ok=True)
            for cls in classes:
                snaps = sample_class(system, cls, split, seed, quick, lmp, scratch, nruns)
                raw = os.path.join(scratch, "%s_%s.xyz" % (cls, split))
                with open(raw, "w") as f:
                    for cell, pbc, atoms in snaps:
                        write_frame(f, cell, pbc, atoms, spec["elements"], cls)
                dst = os.path.join(outdir, split, cls + ".xyz")
                cmd = [aceuq, "label", raw, "-o", dst, "--lmp", lmp, "--pair-style", spec["pstyle"],
                       "--pair-coeff", spec["pcoeff"], "--elements", ",".join(spec["elements"])]
                res = subprocess.run(cmd, capture_output=True, text=True)
                if res.returncode != 0:
                    raise SystemExit("sample.py: labelling %s %s failed:\n%s" % (cls, split, res.stderr))
                entry = manifest["classes"].setdefault(cls, {})
                entry[split] = dict(frames=len(snaps), atoms=sum(len(a) for _, _, a in snaps))
                print("%-5s %-6s %-13s %4d frames %6d atoms" % (system, split, cls, len(snaps), entry[split]["atoms"]))
    manifest["seconds"] = round(time.time() - t0, 1)
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    total = sum(e[s]["frames"] for e in manifest["classes"].values() for s in e)
    print("%s: %d labelled frames in %s (%.0f s)" % (system, total, outdir, manifest["seconds"]))


if __name__ == "__main__":
    main()
