#!/usr/bin/env python3
"""End-to-end check of fix uq/harvest and compute uq/grade.

Runs tests/lammps/grade_md.in (NVE MD with grade_every 10 and fix uq/harvest
every 30 steps, window [0.95, 3), max_frames 4) serially and on NP ranks, then
checks every harvested frame independently of LAMMPS:
  - exactly MAX_FRAMES frames, steps multiples of 30, increasing; atom ids 1..N
    once each; element names from the pair_coeff mapping;
  - the header's max_gamma lies in [lower, upper) and equals the max of the
    per-atom gamma column;
  - `aceuq eval --asi` on the frame (the file is read as written: extended
    XYZ with extra columns) reproduces the per-atom gamma, ACE energies and
    forces (tolerances cover the 10-digit positions in the file: gamma and
    energies 1e-6 absolute, forces 1e-5 eV/A);
  - the frames written on NP ranks equal the serial ones (same steps; atoms
    matched by position, since create_atoms numbers them in a rank-dependent
    order: positions within 1e-6 A modulo the periodic box, gamma 1e-6).

usage: check_harvest.py LMP ACEUQ POT ASI NP
"""
import json
import re
import os
import subprocess
import sys
import tempfile

from lmp_command import lmp_command

LOWER, UPPER, EVERY, MAX_FRAMES = 0.95, 3.0, 30, 4
HERE = os.path.dirname(os.path.abspath(__file__))


def run_lammps(lmp, pot, asi, np_, scratch):
    out = os.path.join(scratch, "harvest_np%d.xyz" % np_)
    cmd = lmp_command(lmp, os.path.join(HERE, "grade_md.in"), np_,
                      ["-var", "pot", pot, "-var", "asi", asi, "-var", "harvest", out])
    res = subprocess.run(cmd, cwd=scratch, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit("LAMMPS failed on %d rank(s):\n%s" % (np_, (res.stdout + res.stderr)[-3000:]))
    return out


def read_frames(path):
    frames = []
    with open(path) as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        n = int(lines[i])
        header = lines[i + 1]
        kv = {k: (q if q else v) for k, v, q in re.findall(r'(\w+)=("([^"]*)"|\S+)', header)}
        atoms = [l.split() for l in lines[i + 2:i + 2 + n]]
        frames.append({"text": "\n".join(lines[i:i + 2 + n]) + "\n", "step": int(kv["step"]),
                       "max_gamma": float(kv["max_gamma"]), "header": header,
                       "species": [a[0] for a in atoms], "pos": [list(map(float, a[1:4])) for a in atoms],
                       "forces": [list(map(float, a[4:7])) for a in atoms], "energy": [float(a[7]) for a in atoms],
                       "gamma": [float(a[8]) for a in atoms], "id": [int(a[9]) for a in atoms]})
        i += 2 + n
    return frames


def check_frame(aceuq, pot, asi, fr, scratch):
    errors = []
    if not (LOWER <= fr["max_gamma"] < UPPER):
        errors.append("max_gamma %g outside [%g, %g)" % (fr["max_gamma"], LOWER, UPPER))
    if abs(max(fr["gamma"]) - fr["max_gamma"]) > 1e-7 * fr["max_gamma"]:
        errors.append("header max_gamma %g != max of the gamma column %g" % (fr["max_gamma"], max(fr["gamma"])))
    if sorted(fr["id"]) != list(range(1, len(fr["id"]) + 1)):
        errors.append("atom ids are not 1..N once each")
    if set(fr["species"]) != {"Cu"}:
        errors.append("species %s, expected Cu" % sorted(set(fr["species"])))
    xyz = os.path.join(scratch, "frame.xyz")
    with open(xyz, "w") as f:
        f.write(fr["text"])
    res = subprocess.run([aceuq, "eval", pot, xyz, "--asi", asi], capture_output=True, text=True)
    if res.returncode != 0:
        return errors + ["aceuq eval failed: " + res.stderr.strip()], (float("nan"),) * 3
    ev = json.loads(res.stdout)
    dg = max(abs(a - b) for a, b in zip(ev["gamma"], fr["gamma"]))
    de = max(abs(a - b) for a, b in zip(ev["energies"], fr["energy"]))
    df = max(abs(a - b) for fa, fb in zip(ev["forces"], fr["forces"]) for a, b in zip(fa, fb))
    if dg > 1e-6 or de > 1e-6 or df > 1e-5:
        errors.append("aceuq eval differs: gamma %.1e, energies %.1e, forces %.1e" % (dg, de, df))
    return errors, (dg, de, df)


def main():
    lmp, aceuq, pot, asi, np_ = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    if not (os.path.isfile(pot) and os.path.isfile(asi)):
        print("SKIP: %s or %s missing (../shared reference data)" % (pot, asi))
        return 77
    failures = 0
    with tempfile.TemporaryDirectory(prefix="aceuq_harvest_") as scratch:
        serial = read_frames(run_lammps(lmp, pot, asi, 1, scratch))
        parallel = read_frames(run_lammps(lmp, pot, asi, np_, scratch)) if np_ > 1 else serial
        steps = [f["step"] for f in serial]
        if len(serial) != MAX_FRAMES or any(s % EVERY for s in steps) or steps != sorted(set(steps)):
            print("FAIL frames: %d written at steps %s (expected %d, multiples of %d)" % (len(serial), steps,
                                                                                         MAX_FRAMES, EVERY))
            failures += 1
        for fr in serial:
            errors, devs = check_frame(aceuq, pot, asi, fr, scratch)
            failures += bool(errors)
            print("%-4s step %4d max_gamma %.6f  aceuq eval: gamma %.1e energies %.1e forces %.1e %s" % (
                "FAIL" if errors else "ok", fr["step"], fr["max_gamma"], *devs, "; ".join(errors)))
        if np_ > 1:
            if [f["step"] for f in parallel] != steps:
                print("FAIL %d ranks wrote steps %s, serial %s" % (np_, [f["step"] for f in parallel], steps))
                failures += 1
            else:
                worst = worst_g = 0.0
                for a, b in zip(serial, parallel):
                    # create_atoms numbers atoms in a rank-dependent order: match atoms by wrapped position
                    box = [float(w) for w in re.search(r'Lattice="([^"]*)"', a["header"]).group(1).split()][::4]

                    def keyed(fr):
                        rows = [([x % L for x, L in zip(p, box)], g) for p, g in zip(fr["pos"], fr["gamma"])]
                        return sorted(rows, key=lambda r: [round(x, 3) % L for x, L in zip(r[0], box)])
                    for (pa, ga), (pb, gb) in zip(keyed(a), keyed(b)):
                        d = [(x - y) - L * round((x - y) / L) for x, y, L in zip(pa, pb, box)]
                        worst = max([worst] + [abs(x) for x in d])
                        worst_g = max(worst_g, abs(ga - gb))
                ok = worst <= 1e-6 and worst_g <= 1e-6
                failures += not ok
                print("%-4s frames on %d ranks vs serial: max position difference %.1e A, gamma %.1e" % (
                    "ok" if ok else "FAIL", np_, worst, worst_g))
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
