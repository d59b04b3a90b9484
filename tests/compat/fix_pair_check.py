#!/usr/bin/env python3
"""Runtime check of stock `fix pair N ace/uq gamma 1` in a newer LAMMPS.

Runs fix_pair_gamma.in (grade_every 0: grades only through fix pair's trigger,
every 7 steps, dumped with 15 digits) on NP ranks and checks each dumped frame
independently of LAMMPS: `aceuq eval --asi` on the same positions must give
the same per-atom gamma (1e-9 absolute), frames at steps 0, 7, ..., 28, and
gamma must be non-trivial (max > 0.1: a trigger that never fires leaves 0).

usage: fix_pair_check.py LMP ACEUQ POT ASI NP
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lammps"))
from lmp_command import lmp_command  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = [0, 7, 14, 21, 28]
TOL = 1e-9


def read_dump(path):
    """Frames of a `dump custom` with columns id type x y z f_fp (orthogonal box)."""
    frames, lines, i = [], open(path).read().splitlines(), 0
    while i < len(lines):
        assert lines[i] == "ITEM: TIMESTEP", lines[i]
        step, n = int(lines[i + 1]), int(lines[i + 3])
        box = [list(map(float, lines[i + 5 + k].split()[:2])) for k in range(3)]
        cols = lines[i + 8].split()[2:]
        rows = [dict(zip(cols, l.split())) for l in lines[i + 9:i + 9 + n]]
        frames.append({"step": step, "box": box, "rows": rows})
        i += 9 + n
    return frames


def to_extxyz(frame):
    (xl, xh), (yl, yh), (zl, zh) = frame["box"]
    out = ["%d" % len(frame["rows"]),
           'Lattice="%r 0 0 0 %r 0 0 0 %r" Properties=species:S:1:pos:R:3 pbc="T T T"' % (xh - xl, yh - yl, zh - zl)]
    for r in frame["rows"]:
        out.append("Cu %s %s %s" % (float(r["x"]) - xl, float(r["y"]) - yl, float(r["z"]) - zl))
    return "\n".join(out) + "\n"


def run(lmp, np_, scratch, **variables):
    extra = [w for k, v in variables.items() for w in ("-var", k, v)]
    cmd = lmp_command(lmp, os.path.join(HERE, "fix_pair_gamma.in"), np_, extra)
    return subprocess.run(cmd, cwd=scratch, capture_output=True, text=True)


def main():
    lmp, aceuq, pot, asi, np_ = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    if not (os.path.isfile(pot) and os.path.isfile(asi)):
        print("SKIP: %s or %s missing (../shared reference data)" % (pot, asi))
        return 77
    failures = 0
    with tempfile.TemporaryDirectory(prefix="aceuq_fixpair_") as scratch:
        dump = os.path.join(scratch, "fp.dump")
        # without an active set, the trigger must give a clear error, not zeros
        res = run(lmp, np_, scratch, pot=pot, asi="", dump=dump)
        want = "pair ace/uq: gamma needs an active set (pair_coeff * * pot.yaml pot.asi El ...)"
        ok = res.returncode != 0 and want in res.stdout + res.stderr
        failures += not ok
        print("%-4s fix pair without .asi: %s" % ("ok" if ok else "FAIL", "clear error" if ok else
                                                   (res.stdout + res.stderr)[-2000:]))
        res = run(lmp, np_, scratch, pot=pot, asi=asi, dump=dump)
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
            ev = subprocess.run([aceuq, "eval", pot, xyz, "--asi", asi], capture_output=True, text=True)
            if ev.returncode != 0:
                print("FAIL aceuq eval: " + ev.stderr.strip())
                return 1
            ref = json.loads(ev.stdout)["gamma"]
            got = [float(r["f_fp"]) for r in fr["rows"]]
            dev = max(abs(a - b) for a, b in zip(ref, got))
            ok = dev <= TOL and max(got) > 0.1
            failures += not ok
            print("%-4s step %2d  fix pair max gamma %.6f, aceuq eval %.6f, max |difference| %.1e" % (
                "ok" if ok else "FAIL", fr["step"], max(got), max(ref), dev))
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
