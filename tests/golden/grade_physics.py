#!/usr/bin/env python3
"""Physical sanity of the extrapolation grade with well-conditioned active sets.

The reference README (../shared/reference/ace/README.md) gives max gamma of
perfect fcc Cu (3x3x3 cubic cells) at a = 3.63 / 3.45 / 3.40 / 3.30 / 3.20 A:
  Cu.pbe.in + Cu.pbe.in.asi      0.45 / 0.54 / 1.75 / 10.8 / 42.4
  Cu-I.yaml + Cu-I.wellcond.asi  0.94 / 1.80 / 5.71 / 24.9 / 64.2
The active sets were built from fcc cells with a = 3.50 .. 3.77 A (plus noise,
defects, surfaces, liquids).  `aceuq eval --asi` must reproduce the values (to
the printed 3 digits: |d| <= 0.006 or 0.6 %); gamma must stay <= 1 for perfect
crystals inside the training range (a = 3.50 .. 3.77 A, step 0.01 A; there it
fluctuates between 0.43 and 0.95, it is not monotonic) and rise strictly
monotonically under compression beyond it (a = 3.48 .. 3.20 A, step 0.02 A).
In a perfect crystal all atoms are equivalent: the per-atom spread must be
round-off.

usage: grade_physics.py ACEUQ SHARED_DIR     (exit 77 when the data is missing)
"""
import json
import os
import subprocess
import sys
import tempfile

CASES = [  # potential, active set, {a: max gamma from the README}
    ("Cu.pbe.in.yaml", "Cu.pbe.in.asi", {3.63: 0.45, 3.45: 0.54, 3.40: 1.75, 3.30: 10.8, 3.20: 42.4}),
    ("Cu-I.yaml", "Cu-I.wellcond.asi", {3.63: 0.94, 3.45: 1.80, 3.40: 5.71, 3.30: 24.9, 3.20: 64.2}),
]
INSIDE = [3.50 + 0.01 * i for i in range(28)]    # 3.50 .. 3.77: the training lattice constants
COMPRESSED = [3.48 - 0.02 * i for i in range(15)]  # 3.48 .. 3.20: compression beyond them


def fcc_xyz(path, a, n=3):
    basis = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
    pos = [((i + u) * a, (j + v) * a, (k + w) * a) for i in range(n) for j in range(n) for k in range(n)
           for u, v, w in basis]
    L = n * a
    with open(path, "w") as f:
        f.write("%d\nLattice=\"%r 0 0 0 %r 0 0 0 %r\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n" % (
            len(pos), L, L, L))
        for p in pos:
            f.write("Cu %r %r %r\n" % p)


def grades(aceuq, pot, asi, a, scratch):
    xyz = os.path.join(scratch, "fcc.xyz")
    fcc_xyz(xyz, a)
    res = subprocess.run([aceuq, "eval", pot, xyz, "--asi", asi, "--projections", "linear"],
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError("aceuq eval failed: " + res.stderr.strip())
    g = json.loads(res.stdout)["gamma"]
    return max(g), min(g)


def main():
    aceuq, shared = sys.argv[1], sys.argv[2]
    pots = os.path.join(shared, "reference", "ace", "potentials")
    if not os.path.isdir(pots):
        print("SKIP: %s not found (../shared is missing)" % pots)
        return 77
    failures = 0
    with tempfile.TemporaryDirectory(prefix="aceuq_gphys_") as scratch:
        for potname, asiname, expected in CASES:
            pot, asi = os.path.join(pots, potname), os.path.join(pots, asiname)
            for a, want in sorted(expected.items(), reverse=True):
                gmax, gmin = grades(aceuq, pot, asi, a, scratch)
                ok = abs(gmax - want) <= max(0.006, 0.006 * want) and gmax - gmin <= 1e-9 * max(1.0, gmax)
                if a == 3.63:
                    ok = ok and gmax <= 1.0
                failures += not ok
                print("%-4s %-14s a = %.2f A: max gamma %8.4f (README %5g), spread %.1e" % (
                    "ok" if ok else "FAIL", asiname, a, gmax, want, gmax - gmin))
            inside = [grades(aceuq, pot, asi, a, scratch)[0] for a in INSIDE]
            ok = max(inside) <= 1.0
            failures += not ok
            print("%-4s %-14s a = %.2f .. %.2f A (training range): max gamma %.3f .. %.3f <= 1" % (
                "ok" if ok else "FAIL", asiname, INSIDE[0], INSIDE[-1], min(inside), max(inside)))
            curve = [grades(aceuq, pot, asi, a, scratch)[0] for a in COMPRESSED]
            rising = all(y > x for x, y in zip(curve, curve[1:]))
            failures += not rising
            print("%-4s %-14s compression a = %.2f .. %.2f A: max gamma rises %s" % (
                "ok" if rising else "FAIL", asiname, COMPRESSED[0], COMPRESSED[-1],
                " ".join("%.3g" % g for g in curve)))
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
