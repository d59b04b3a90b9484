#!/usr/bin/env python3
"""Golden test of the ACE evaluator (`aceuq eval`) against ML-PACE reference data.

usage: ace_eval.py ACEUQ SHARED_DIR SET [NAME ...]
  SET = ref | ref_nonlinear | ref_variants | yace
  ref           every configs/<pot>_<name>.xyz with its ref/<pot>_<name>.json,
                extrapolation grades with the potential's .asi (`aceuq eval --asi`)
  ref_nonlinear non-linear projections and grades with Cu-I.nonlinear.asi
                (ref_nonlinear/CuI_*.json)
  ref_variants  ref_variants/<variant>__<config>.json with potentials/Cu-I.<variant>.yaml
  yace          the .yace twin of each potential against ref/ (no projections)
Tolerances (reference README): energy 1e-10 relative, per-atom energies 1e-9 eV,
forces 1e-8 eV/A, virial 1e-9 relative (of the largest component),
projections 1e-10 relative (of each atom's largest |b|), gamma 1e-11 x the
reference's gamma_roundoff_scale per atom (absolute: the reference active sets
are ill-conditioned, gamma is a sum with large cancellations).  ChebPow energies are
huge (1e6..1e8 eV): per-atom energies and forces are then compared relatively.
Exit 77 (skip) when SHARED_DIR/reference/ace is missing.
"""
import glob
import json
import os
import subprocess
import sys

POT = {"CuI": "Cu-I", "AlNi": "multispecies_AlNi", "CuPBE": "Cu.pbe.in"}
ASI = {"ref": ".asi", "ref_nonlinear": ".nonlinear.asi"}   # active set = potential name + this


def run_eval(aceuq, pot, xyz, kind, asi=None):
    cmd = [aceuq, "eval", pot, xyz, "--projections", kind] + (["--asi", asi] if asi else [])
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError("aceuq eval %s %s failed: %s" % (pot, xyz, res.stderr.strip()))
    return json.loads(res.stdout)


def max_abs(a, b):
    return max((abs(x - y) for x, y in zip(a, b)), default=0.0)


def compare(got, ref, projections, relative_atoms=False, grades=False):
    """Returns (ok, summary) for one configuration."""
    errs = {}
    e_ref = ref["energy"]
    errs["energy"] = (abs(got["energy"] - e_ref) / max(abs(e_ref), 1e-300), 1e-10)
    scale_e = max(max(abs(x) for x in ref["energies"]), 1.0) if relative_atoms else 1.0
    errs["energies"] = (max_abs(got["energies"], ref["energies"]) / scale_e, 1e-9 if not relative_atoms else 1e-10)
    fg = [x for f in got["forces"] for x in f]
    fr = [x for f in ref["forces"] for x in f]
    scale_f = max(max(abs(x) for x in fr), 1.0) if relative_atoms else 1.0
    errs["forces"] = (max_abs(fg, fr) / scale_f, 1e-8 if not relative_atoms else 1e-10)
    vmax = max(max(abs(x) for x in ref["virial"]), 1e-300)
    errs["virial"] = (max_abs(got["virial"], ref["virial"]) / vmax, 1e-9)
    if projections:
        worst = 0.0
        for pg, pr in zip(got["projections"], ref["projections"]):
            if len(pg) != len(pr):
                return False, "projection length %d, reference %d" % (len(pg), len(pr))
            worst = max(worst, max_abs(pg, pr) / max(max(abs(x) for x in pr), 1e-300))
        errs["projections"] = (worst, 1e-10)
    if grades and "gamma" not in got:
        return False, "no gamma in the output"
    if grades:
        worst = max(abs(g - r) / s for g, r, s in zip(got["gamma"], ref["gamma"], ref["gamma_roundoff_scale"]))
        errs["gamma/scale"] = (worst, 1e-11)
        errs["max_gamma"] = (abs(got["max_gamma"] - ref["max_gamma"]) / max(ref["gamma_roundoff_scale"]), 1e-11)
    ok = len(got["energies"]) == len(ref["energies"]) and all(e <= tol for e, tol in errs.values())
    return ok, "  ".join("%s %.1e" % (k, e) for k, (e, tol) in errs.items())


def cases(ref_dir, which, names):
    if which in ("ref", "yace", "ref_nonlinear"):
        sub = "ref_nonlinear" if which == "ref_nonlinear" else "ref"
        for path in sorted(glob.glob(os.path.join(ref_dir, sub, "*.json"))):
            name = os.path.basename(path)[:-5]
            if names and name not in names:
                continue
            pot = POT[name.split("_")[0]] + (".yace" if which == "yace" else ".yaml")
            yield name, os.path.join(ref_dir, "potentials", pot), os.path.join(ref_dir, "configs", name + ".xyz"), path
    else:
        for path in sorted(glob.glob(os.path.join(ref_dir, "ref_variants", "*.json"))):
            name = os.path.basename(path)[:-5]
            if names and name not in names:
                continue
            variant, config = name.split("__")
            pot = "Cu-I.yaml" if variant == "base" else "Cu-I.%s.yaml" % variant
            yield name, os.path.join(ref_dir, "potentials", pot), os.path.join(ref_dir, "configs", "CuI_" + config + ".xyz"), path


def main():
    aceuq, shared, which, names = sys.argv[1], sys.argv[2], sys.argv[3], set(sys.argv[4:])
    ref_dir = os.path.join(shared, "reference", "ace")
    if not os.path.isdir(ref_dir):
        print("SKIP: ACE reference data not found at %s (../shared is missing)" % ref_dir)
        return 77
    kind = {"ref": "linear", "ref_nonlinear": "nonlinear", "ref_variants": "none", "yace": "none"}[which]
    failures = count = 0
    for name, pot, xyz, ref_path in cases(ref_dir, which, names):
        ref = json.load(open(ref_path))
        count += 1
        try:
            asi = pot[:-5] + ASI[which] if which in ASI else None
            got = run_eval(aceuq, pot, xyz, kind, asi)
            ok, summary = compare(got, ref, kind != "none", relative_atoms=name.startswith("chebpow"),
                                  grades=asi is not None)
        except RuntimeError as e:
            ok, summary = False, str(e)
        failures += not ok
        print("%-4s %-40s %s" % ("ok" if ok else "FAIL", name, summary))
    print("%d passed, %d failed" % (count - failures, failures))
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
