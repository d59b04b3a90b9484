#!/usr/bin/env python3
"""Runtime check of stock `fix pair N ace/uq gamma 1 gamma_local 1 energy_std 1 energy_lo 0
energy_hi 0 force_std 1 energy_std_epi 0 energy_std_pops 0` in a newer LAMMPS, with the project's Cu
potential (POPS members).

Runs fix_pair_spread.in (grade_every 0: projections only through fix pair's triggers, every 7
steps) on NP ranks and checks every dumped frame against `aceuq eval --asi --asil --posterior` on
the same positions (1e-9 absolute): frames at steps 0, 7, ..., 28, non-trivial values (a trigger
that never fires leaves zeros; only the force spread of the perfect lattice at step 0 is 0). Also: asking for a value the pair has no data for
(energy_std without a posterior) stops with a clear error.

usage: fix_pair_spread_check.py LMP ACEUQ POTENTIALS_DIR NP
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lammps"))
from fix_pair_check import read_dump, to_extxyz  # noqa: E402
from lmp_command import lmp_command  # noqa: E402

STEPS = [0, 7, 14, 21, 28]
TOL = 1e-9
COLUMNS = [("f_fp[1]", "gamma"), ("f_fp[2]", "gamma_local"), ("f_fp[3]", "energy_std"),
           ("f_fp[4]", "energy_lo"), ("f_fp[5]", "energy_hi"), ("f_fp[6]", "force_std"),
           ("f_fp[7]", "energy_std_epi"), ("f_fp[8]", "energy_std_pops")]


def run(lmp, np_, scratch, infile, **variables):
    extra = [w for k, v in variables.items() for w in ("-var", k, v)]
    return subprocess.run(lmp_command(lmp, infile, np_, extra), cwd=scratch, capture_output=True, text=True)


def main():
    lmp, aceuq, pots, np_ = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    files = {k: os.path.join(pots, "Cu." + ext) for k, ext in
             (("pot", "yaml"), ("asi", "asi"), ("asil", "asil"), ("post", "posterior.npz"))}
    failures = 0
    with tempfile.TemporaryDirectory(prefix="aceuq_fixpair_spread_") as scratch:
        dump = os.path.join(scratch, "fp.dump")
        # energy_std without a posterior: a clear error naming what is missing
        bad = os.path.join(scratch, "bad.in")
        with open(os.path.join(HERE, "fix_pair_spread.in")) as f:
            text = f.read().replace(" posterior ${post} spread forces", "")
        with open(bad, "w") as f:
            f.write(text)
        res = run(lmp, np_, scratch, bad, dump=dump, **files)
        want = "pair ace/uq: energy_std needs a posterior (pair_style ace/uq posterior FILE)"
        ok = res.returncode != 0 and want in res.stdout + res.stderr
        failures += not ok
        print("%-4s fix pair energy_std without a posterior: %s" % (
            "ok" if ok else "FAIL", "clear error" if ok else (res.stdout + res.stderr)[-2000:]))
        res = run(lmp, np_, scratch, os.path.join(HERE, "fix_pair_spread.in"), dump=dump, **files)
        if res.returncode != 0:
            print("FAIL LAMMPS on %d rank(s):\n%s" % (np_, (res.stdout + res.stderr)[-3000:]))
            return 1
        frames = read_dump(dump)
        if [f["step"] for f in frames] != STEPS:
            print("FAIL dumped steps %s, expected %s" % ([f["step"] for f in frames], STEPS))
            failures += 1
        for fr in frames:
            xyz = os.path.join(scratch, "frame.xyz")
            with open(xyz, "w") as f:
                f.write(to_extxyz(fr))
            ev = subprocess.run([aceuq, "eval", files["pot"], xyz, "--asi", files["asi"], "--asil", files["asil"],
                                 "--posterior", files["post"]], capture_output=True, text=True)
            if ev.returncode != 0:
                print("FAIL aceuq eval: " + ev.stderr.strip())
                return 1
            out = json.loads(ev.stdout)
            ref_all = dict(out["spread"], gamma=out["gamma"], gamma_local=out["gamma_local"])
            for col, key in COLUMNS:
                got = [float(r[col]) for r in fr["rows"]]
                ref = ref_all[key]
                dev = max(abs(a - b) for a, b in zip(ref, got))
                size = max(abs(v) for v in got)
                # at step 0 (perfect lattice) the forces of every member vanish by symmetry
                trivial_ok = key == "force_std" and fr["step"] == 0
                ok = dev <= TOL and (size > 1e-6 or trivial_ok)
                failures += not ok
                print("%-4s step %2d  %-11s max |value| %.6g, max |difference| to aceuq eval %.1e" % (
                    "ok" if ok else "FAIL", fr["step"], key, size, dev))
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
