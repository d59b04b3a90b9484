#!/usr/bin/python3
"""bbasis_bruteforce.py against the ML-PACE reference data (../shared/reference/ace).

usage: validate_reference.py SHARED_DIR [--forces] [--max-atoms N] [NAME ...]
For every ref/<pot>_<name>.json (and ref_variants/<variant>__<config>.json) the brute-force
energy is compared with the reference (relative), per-atom energies (absolute, relative to the
largest), and with --forces the finite-difference forces of configurations with at most
--max-atoms atoms (default 32).  Prints one line per case and a JSON summary; exit 1 if an
energy differs by more than 1e-10 relative or a force by more than 1e-6 x max(1, max|F|),
77 (skip) if SHARED_DIR/reference/ace is missing or /usr/bin/python3 lacks numpy / PyYAML.
Run time: 30-50 s for the energies of all 55 cases; --forces --max-atoms 3 adds the dimers and
trimers (32 s in all), --forces (<= 32 atoms) 10-13 minutes.
"""
import glob
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BF = os.path.join(HERE, "..", "bbasis_bruteforce.py")
POT = {"CuI": "Cu-I", "AlNi": "multispecies_AlNi", "CuPBE": "Cu.pbe.in"}


def cases(ref):
    for js in sorted(glob.glob(os.path.join(ref, "ref", "*.json"))):
        name = os.path.basename(js)[:-5]
        pot, cfg = name.split("_", 1)
        yield name, os.path.join(ref, "potentials", POT[pot] + ".yaml"), os.path.join(ref, "configs", name + ".xyz"), js
    for js in sorted(glob.glob(os.path.join(ref, "ref_variants", "*.json"))):
        name = os.path.basename(js)[:-5]
        var, cfg = name.split("__")
        pot = "Cu-I.yaml" if var == "base" else "Cu-I.%s.yaml" % var
        yield name, os.path.join(ref, "potentials", pot), os.path.join(ref, "configs", "CuI_" + cfg + ".xyz"), js


def natoms(xyz):
    with open(xyz) as fh:
        return int(fh.readline().split()[0])


def main():
    try:
        import numpy  # noqa: F401  (bbasis_bruteforce.py needs them)
        import yaml  # noqa: F401
    except ImportError as e:
        print("skip: %s" % e)
        return 77
    args = sys.argv[1:]
    forces = "--forces" in args
    maxat = 32
    if "--max-atoms" in args:
        maxat = int(args[args.index("--max-atoms") + 1])
        del args[args.index("--max-atoms"):args.index("--max-atoms") + 2]
    args = [a for a in args if a != "--forces"]
    ref = os.path.join(args[0], "reference", "ace")
    if not os.path.isdir(os.path.join(ref, "ref")):
        print("skip: %s not found" % ref)
        return 77
    only = set(args[1:])
    worst_e = worst_f = 0.0
    bad = 0
    rows = []
    for name, pot, xyz, js in cases(ref):
        if only and name not in only:
            continue
        want = json.load(open(js))
        fd = forces and natoms(xyz) <= maxat
        t0 = time.time()
        cmd = [sys.executable, BF, pot, xyz, "--forces", "fd" if fd else "none"]
        got = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        dt = time.time() - t0
        de = abs(got["energy"] - want["energy"]) / max(abs(want["energy"]), 1e-300)
        scale = max(abs(v) for v in want["energies"])
        dea = max(abs(a - b) for a, b in zip(got["energies"], want["energies"])) / max(scale, 1.0)
        line = "%-40s N=%3d  E %.15g  ref %.15g  dE/E %.1e  max dE_i/max(1,|E_i|) %.1e" % (
            name, len(want["energies"]), got["energy"], want["energy"], de, dea)
        df = None
        if fd:
            fmax = max(abs(c) for f in want["forces"] for c in f)
            df = max(abs(a - b) for fa, fb in zip(got["forces"], want["forces"]) for a, b in zip(fa, fb))
            line += "  max|dF| %.1e (max|F| %.3g)" % (df, fmax)
            ok_f = df <= 1e-6 * max(1.0, fmax)
            worst_f = max(worst_f, df / max(1.0, fmax))
        else:
            ok_f = True
        ok = de <= 1e-10 and ok_f
        bad += not ok
        worst_e = max(worst_e, de)
        print(line + "  %.1fs%s" % (dt, "" if ok else "  FAIL"), flush=True)
        rows.append(dict(case=name, rel_energy=de, max_dF=df, seconds=round(dt, 2)))
    print(json.dumps(dict(cases=len(rows), failed=bad, worst_rel_energy=worst_e, worst_rel_force=worst_f)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
