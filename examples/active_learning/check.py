#!/usr/bin/env python3
"""Checks a finished examples/active_learning run (the CI test runs a reduced loop, then this):
  - the loop converged: the last potential's run reached NSTEPS without a halt;
  - every reload took: each frame that fix uq/harvest wrote while potential N drove the MD carries
    that potential's energies and grades -- aceuq eval of iter_N/pot.yaml (+ iter_N/pot.asi) on the
    frame gives the same total energy (1e-6 relative; positions are written with 10 digits) and the
    same max gamma (1e-4 relative);
  - earlier potentials are kept: every iter_N/ holds its pot.yaml, pot.yace, pot.asi and fit.log.
usage: check.py RUN_DIR NSTEPS ACEUQ
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "potentials", "oracle"))
from lammps_dump import xyz_frames as frames  # noqa: E402


def main():
    d, nsteps, aceuq = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    failures = 0

    def check(ok, what):
        nonlocal failures
        failures += not ok
        print("%-4s %s" % ("ok" if ok else "FAIL", what))

    md = [ln.split() for ln in open(os.path.join(d, "md_report.dat")) if ln.strip()]
    last = md[-1]
    check(int(last[1]) >= nsteps, "converged: potential %s ran to step %s (target %d) at %s K; %d potentials" % (
        last[0], last[1], nsteps, last[2], len(md)))
    iters = sorted(int(x.split("_")[1]) for x in os.listdir(d) if x.startswith("iter_"))
    for n in iters:
        it = os.path.join(d, "iter_%d" % n)
        have = all(os.path.exists(os.path.join(it, f)) for f in ("pot.yaml", "pot.yace", "pot.asi", "fit.log"))
        check(have, "iter_%d keeps pot.yaml, pot.yace, pot.asi and fit.log" % n)
        harvest = os.path.join(it, "harvest.xyz")
        if not have or not os.path.exists(harvest) or not os.path.getsize(harvest):
            continue
        worst_e = worst_g = 0.0
        count = 0
        for text, head, atoms in frames(harvest):
            e_frame = sum(float(a.split()[7]) for a in atoms)
            g_frame = float(head.split("max_gamma=")[1].split()[0])
            tmp = os.path.join(d, "check_frame.xyz")
            open(tmp, "w").write(text)
            res = subprocess.run([aceuq, "eval", os.path.join(it, "pot.yaml"), tmp, "--asi", os.path.join(it, "pot.asi")],
                                 capture_output=True, text=True)
            if res.returncode:
                check(False, "aceuq eval on a frame of %s: %s" % (harvest, res.stderr.strip()))
                break
            got = json.loads(res.stdout)
            worst_e = max(worst_e, abs(got["energy"] - e_frame) / abs(e_frame))
            worst_g = max(worst_g, abs(got["max_gamma"] - g_frame) / g_frame)
            count += 1
        check(count > 0 and worst_e < 1e-6 and worst_g < 1e-4,
              "potential %d was the one in the MD: %d harvested frames re-evaluated with iter_%d/pot.yaml + pot.asi: "
              "energy %.1e, max gamma %.1e relative" % (n, count, n, worst_e, worst_g))
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
