#!/usr/bin/env python3
"""Rank-count invariance during MD: run the same input serially and on NP
ranks and compare every thermo row (all columns): |a - b| <= RTOL max(|a|,|b|)
+ ATOL (the absolute part covers values that are zero up to round-off).
Atoms migrate between subdomains during the run, so this also checks that the
styles under test follow them.  Input files must print thermo with
`thermo_modify format float %.15g`.

usage: compare_ranks.py LMP INPUT NP RTOL ATOL [-var name value ...]
"""
import os
import subprocess
import sys
import tempfile

from lmp_command import lmp_command


def thermo_rows(out):
    rows, header = [], None
    for line in out.splitlines():
        words = line.split()
        if words and words[0] == "Step":
            header = words
            continue
        if header and len(words) == len(header):
            try:
                rows.append([float(w) for w in words])
            except ValueError:
                header = None
        elif header:
            header = None
    return rows


def run(lmp, inp, np_, extra):
    cmd = lmp_command(lmp, inp, np_, extra)
    with tempfile.TemporaryDirectory() as scratch:
        res = subprocess.run(cmd, cwd=scratch, capture_output=True, text=True)
    if res.returncode != 0:
        print(res.stdout[-3000:], res.stderr[-3000:])
        raise SystemExit("LAMMPS failed on %d rank(s)" % np_)
    return thermo_rows(res.stdout)


def main():
    lmp, inp, np_ = sys.argv[1], os.path.abspath(sys.argv[2]), int(sys.argv[3])
    rtol, atol, extra = float(sys.argv[4]), float(sys.argv[5]), sys.argv[6:]
    serial, parallel = run(lmp, inp, 1, extra), run(lmp, inp, np_, extra)
    if not serial or len(serial) != len(parallel):
        raise SystemExit("thermo rows: %d serial, %d on %d ranks" % (len(serial), len(parallel), np_))
    worst = 0.0  # largest |a - b| / (RTOL max(|a|,|b|) + ATOL); <= 1 passes
    worst_rel = 0.0
    for a, b in zip(serial, parallel):
        for x, y in zip(a, b):
            worst = max(worst, abs(x - y) / (rtol * max(abs(x), abs(y)) + atol))
            if abs(x - y) > atol:
                worst_rel = max(worst_rel, abs(x - y) / max(abs(x), abs(y)))
    print("%d thermo rows, 1 vs %d ranks: max relative difference %.2e (above ATOL), "
          "tolerance used %.2f of RTOL %.0e + ATOL %.0e" % (len(serial), np_, worst_rel, worst, rtol, atol))
    return 0 if worst <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
