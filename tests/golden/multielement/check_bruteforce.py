#!/usr/bin/python3
"""`aceuq eval` on a three-element potential against the brute-force B-basis evaluator.

usage: check_bruteforce.py ACEUQ [--keep DIR]

The potential is our own (CrFeNi_random.yaml, made by make_potential.py: per-species ndensity
2 / 1 / 3, per-bond ChebExpCos / ChebPow / SBessel, ranks 1..5, unary, binary and ternary
blocks, distance inner cutoff with core repulsion); the structures in structures/ (made by
make_structures.py): trimer, tetramer, a trimer with a pair inside the inner-cutoff switch, a
6-atom triclinic cell whose cutoff reaches periodic images, a rattled 32-atom fcc cell.

Checks, per structure:
- total energy: |E_aceuq - E_bf| <= 1e-10 |E_bf|;
- per-atom energies: max |dE_i| <= 1e-10 max(1, max |E_i|);
- forces: aceuq's analytic forces against central finite differences of the brute-force total
  energy (h = 1e-5 A; all atoms of the clusters and of the 6-atom cell, atoms 0, 1, 2 -- one of
  each element -- of the 32-atom cell): max |dF| <= 1e-6 max(1, max |F|).
  (Splines are C1 with knots every 1e-3 A; measured deviations are ~1e-9 relative.)
bbasis_bruteforce.py is independent of the C code (formulas only, no C-tilde conversion; its
own validation against ML-PACE's reference data: tests/golden/multielement/validate_reference.py).
Exit 0 pass, 1 fail, 77 skip (numpy or PyYAML missing for /usr/bin/python3).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BF = os.path.join(HERE, "..", "bbasis_bruteforce.py")
POT = os.path.join(HERE, "CrFeNi_random.yaml")
STRUCT = os.path.join(HERE, "structures")
# structure -> atoms whose forces are checked by finite differences ("" = all)
CASES = [("CrFeNi_trimer", ""), ("CrFeNi_tetramer", ""), ("CrFeNi_short", ""),
         ("CrFeNi_triclinic6", ""), ("CrFeNi_fcc32", "0,1,2")]
E_RTOL, F_RTOL = 1e-10, 1e-6


def main():
    try:
        import numpy  # noqa: F401
        import yaml  # noqa: F401
    except ImportError as e:
        print("skip: %s" % e)
        return 77
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    aceuq = sys.argv[1]
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    if keep:
        os.makedirs(keep, exist_ok=True)
    failed = 0
    for name, atoms in CASES:
        xyz = os.path.join(STRUCT, name + ".xyz")
        t0 = time.time()
        p = subprocess.run([aceuq, "eval", POT, xyz, "--projections", "none"], capture_output=True, text=True)
        if p.returncode != 0:
            print("%s: aceuq eval failed: %s" % (name, p.stderr.strip()))
            failed += 1
            continue
        got = json.loads(p.stdout)
        cmd = [sys.executable, BF, POT, xyz, "--forces", "fd", "--fd-h", "1e-5"]
        if atoms:
            cmd += ["--fd-atoms", atoms]
        ref = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        if keep:
            for tag, d in (("aceuq", got), ("bruteforce", ref)):
                with open(os.path.join(keep, "%s.%s.json" % (name, tag)), "w") as fh:
                    json.dump(d, fh, indent=1)
        de = abs(got["energy"] - ref["energy"]) / abs(ref["energy"])
        escale = max(1.0, max(abs(v) for v in ref["energies"]))
        dei = max(abs(a - b) for a, b in zip(got["energies"], ref["energies"])) / escale
        fscale = max(1.0, max(abs(c) for f in got["forces"] for c in f))
        df = max(abs(got["forces"][k][d] - ref["forces"][k][d]) for k in ref["fd_atoms"] for d in range(3)) / fscale
        ok = de <= E_RTOL and dei <= E_RTOL and df <= F_RTOL
        failed += not ok
        print("%-18s N=%2d  E %.15g (bf %.15g)  dE/E %.1e  dE_i %.1e  dF/max(1,|F|) %.1e (%d atoms FD)  %.1fs  %s" % (
            name, len(ref["energies"]), got["energy"], ref["energy"], de, dei, df, len(ref["fd_atoms"]),
            time.time() - t0, "ok" if ok else "FAIL"), flush=True)
    print("%d of %d structures failed" % (failed, len(CASES)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
