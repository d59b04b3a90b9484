#!/usr/bin/env python3
"""aceuq yace: the C-tilde (.yace) form of the reference pacemaker potentials, against ML-PACE's own conversion.

For Cu-I, multispecies_AlNi and Cu.pbe.in: `aceuq yace POT.yaml -o ours.yace`; then
  - the same number of C-tilde functions and m-combinations per file as ML-PACE's .yace in ../shared;
  - aceuq eval of ours.yace on every reference configuration of the potential: energy, per-atom energies,
    forces and virial identical (==) to the .yaml's C-tilde path (`--projections none`), within 1e-12
    (relative energy, 1e-10 eV/A forces) of the .yaml's projection path (rho from the B functions) and of
    ML-PACE's .yace, and the ML-PACE reference values with ace_eval.py's tolerances.
usage: yace_write.py ACEUQ SHARED_DIR      Exit 77 without ../shared.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ace_eval import compare  # noqa: E402

POTS = {"CuI": "Cu-I", "AlNi": "multispecies_AlNi", "CuPBE": "Cu.pbe.in"}


def counts(path):
    fn = open(path).read().split("functions:")[1]
    return len(re.findall(r"mu0:", fn)), sum(int(x) for x in re.findall(r"num_ms_combs: (\d+)", fn))


def evaluate(aceuq, pot, xyz, *extra):
    res = subprocess.run([aceuq, "eval", pot, xyz, *extra], capture_output=True, text=True)
    if res.returncode:
        raise RuntimeError(res.stderr)
    d = json.loads(res.stdout)
    d.pop("potential", None)
    return d


def main():
    aceuq, shared = sys.argv[1], sys.argv[2]
    ref = os.path.join(shared, "reference", "ace")
    if not os.path.isdir(ref):
        print("SKIP: %s not found" % ref)
        return 77
    failures = count = 0
    with tempfile.TemporaryDirectory() as d:
        for tag, name in POTS.items():
            yaml, theirs = os.path.join(ref, "potentials", name + ".yaml"), os.path.join(ref, "potentials", name + ".yace")
            ours = os.path.join(d, name + ".yace")
            res = subprocess.run([aceuq, "yace", yaml, "-o", ours], capture_output=True, text=True)
            count += 1
            ok = res.returncode == 0 and counts(ours) == counts(theirs)
            failures += not ok
            print("%-4s %-18s aceuq yace: %s functions/m-combinations, ML-PACE's .yace %s" % (
                "ok" if ok else "FAIL", name, counts(ours) if res.returncode == 0 else res.stderr.strip(), counts(theirs)))
            if res.returncode:
                continue
            for cfg in sorted(glob.glob(os.path.join(ref, "configs", tag + "_*.xyz"))):
                cname = os.path.basename(cfg)[:-4]
                jpath = os.path.join(ref, "ref", cname + ".json")
                if not os.path.exists(jpath):
                    continue
                count += 1
                a, c = evaluate(aceuq, ours, cfg), evaluate(aceuq, theirs, cfg)
                b = evaluate(aceuq, yaml, cfg, "--projections", "none")
                bp = evaluate(aceuq, yaml, cfg)
                same = all(a[k] == b[k] for k in ("energy", "energies", "forces", "virial"))

                def differences(x, y):
                    de = abs(x["energy"] - y["energy"]) / max(abs(y["energy"]), 1e-300)
                    df = max(abs(u - v) for fx, fy in zip(x["forces"], y["forces"]) for u, v in zip(fx, fy))
                    return de, df
                de, df = differences(a, c)
                dpe, dpf = differences(a, bp)
                rok, rsum = compare(a, json.load(open(jpath)), False)
                ok = same and de < 1e-12 and df < 1e-10 and dpe < 1e-12 and dpf < 1e-10 and rok
                failures += not ok
                print("%-4s %-28s identical to the .yaml's C-tilde path: %s; vs its projection path: energy %.1e, "
                      "forces %.1e; vs ML-PACE .yace: energy %.1e, forces %.1e; vs reference: %s" % (
                          "ok" if ok else "FAIL", cname, same, dpe, dpf, de, df, rsum))
    print("%d passed, %d failed" % (count - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
