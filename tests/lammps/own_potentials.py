#!/usr/bin/env python3
"""The potentials aceuq made (potentials/Cu, CuNi, Si: make.py) are complete and consistent.

For each: every file is there (spec, .yaml, .yace, posterior, .asi, .asil, fit log); on a rattled crystal
(fixed seed) labelled in LAMMPS by pair_style ace/uq
  - the .yaml and its .yace twin give the same energy (1e-12 relative) and forces (1e-9 eV/A);
  - the energy per atom and the forces are close to the oracle's (the LAMMPS potential it was fitted
    to, run by the same LAMMPS): within 10 meV/atom and 0.1 eV/A RMS -- a coarse check that catches
    a broken file or evaluator, not the accuracy study (potentials/README.md);
  - the posterior belongs to the potential (aceuq member writes a member of every kind) and the
    active sets load (aceuq eval --asi --asil: finite grades).
usage: own_potentials.py ACEUQ LMP POTENTIALS_DIR
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

failures = 0
SYSTEMS = {"Cu": (["Cu"], "fcc", 3.615, "eam/alloy", "* * Cu_mishin1.eam.alloy Cu"),
           "CuNi": (["Cu", "Ni"], "fcc", 3.57, "eam/alloy", "* * CuNi.eam.alloy Cu Ni"),
           "Si": (["Si"], "diamond", 5.431, "sw", "* * Si.sw Si")}


def check(ok, what):
    global failures
    failures += not ok
    print("%-4s %s" % ("ok" if ok else "FAIL", what))


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def crystal(rng, els, lattice, a, n=2):
    base = [(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0)]
    if lattice == "diamond":
        base += [(x + .25, y + .25, z + .25) for x, y, z in base]
    pos = [[(i + b[0]) * a + rng.uniform(-0.1, 0.1), (j + b[1]) * a + rng.uniform(-0.1, 0.1),
            (k + b[2]) * a + rng.uniform(-0.1, 0.1)] for i in range(n) for j in range(n) for k in range(n) for b in base]
    sym = [els[q % len(els)] for q in range(len(pos))]
    L = n * a
    head = 'Lattice="%.12g 0 0 0 %.12g 0 0 0 %.12g" Properties=species:S:1:pos:R:3 pbc="T T T" config_type=test' % (
        L, L, L)
    return "%d\n%s\n" % (len(pos), head) + "".join("%s %.12g %.12g %.12g\n" % (s, *p) for s, p in zip(sym, pos))


def labels(path):
    """energy and forces of a labelled extxyz frame"""
    lines = open(path).read().split("\n")
    n = int(lines[0])
    energy = float(lines[1].split("energy=")[1].split()[0])
    forces = [[float(v) for v in ln.split()[4:7]] for ln in lines[2:2 + n]]
    return energy, forces, n


def main():
    aceuq, lmp, pots = sys.argv[1], sys.argv[2], sys.argv[3]
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory(prefix="aceuq_own_") as d:
        for system, (els, lattice, a, pstyle, pcoeff) in SYSTEMS.items():
            stem = os.path.join(pots, system)
            files = [system + ".spec.yaml", system + ".yaml", system + ".yace", system + ".posterior.npz",
                     system + ".asi", system + ".asil", system + ".fit.log"]
            missing = [f for f in files if not os.path.exists(os.path.join(pots, f))]
            check(not missing, "%s: files %s%s" % (system, ", ".join(files), " MISSING: " + ", ".join(missing)
                                                   if missing else ""))
            if missing:
                continue
            raw = os.path.join(d, system + ".xyz")
            open(raw, "w").write(crystal(rng, els, lattice, a))
            got = {}
            for tag, style, coeff, cmd in (
                    ("yaml", "ace/uq", "* * %s.yaml %s" % (stem, " ".join(els)), ["--command", "plugin load aceuqplugin.so"]),
                    ("yace", "ace/uq", "* * %s.yace %s" % (stem, " ".join(els)), ["--command", "plugin load aceuqplugin.so"]),
                    ("oracle", pstyle, pcoeff, [])):
                dst = os.path.join(d, "%s_%s.xyz" % (system, tag))
                res = run([aceuq, "label", raw, "-o", dst, "--lmp", lmp, "--elements", ",".join(els), "--pair-style",
                           style, "--pair-coeff", coeff] + cmd)
                check(res.returncode == 0, "%s: labelled with %s (%s)" % (system, style, tag) +
                      ("" if res.returncode == 0 else ": " + res.stderr.strip()[-300:]))
                if res.returncode == 0:
                    got[tag] = labels(dst)
            if len(got) < 3:
                continue
            (ey, fy, n), (ec, fc, _), (eo, fo, _) = got["yaml"], got["yace"], got["oracle"]
            df = max(abs(x - y) for u, v in zip(fy, fc) for x, y in zip(u, v))
            check(abs(ey - ec) <= 1e-12 * abs(ey) and df < 1e-9,
                  "%s: .yaml and .yace in LAMMPS: energy %.1e rel, forces %.1e eV/A" % (system, abs(ey - ec) / abs(ey), df))
            de = abs(ey - eo) / n
            frms = math.sqrt(sum((x - y) ** 2 for u, v in zip(fy, fo) for x, y in zip(u, v)) / (3 * n))
            check(de < 0.010 and frms < 0.1, "%s: against the oracle %s on a rattled crystal: %.2f meV/atom, %.1f meV/A"
                  % (system, pstyle, 1e3 * de, 1e3 * frms))
            for kind in ("bayes", "pops", "committee"):
                res = run([aceuq, "member", stem + ".yaml", stem + ".posterior.npz", kind, "0", "-o",
                           os.path.join(d, "member.yaml")])
                check(res.returncode == 0, "%s: posterior member %s 0: %s" % (system, kind,
                                                                        (res.stdout + res.stderr).strip()[:200]))
            res = run([aceuq, "eval", stem + ".yaml", raw, "--asi", stem + ".asi", "--asil", stem + ".asil"])
            ok = res.returncode == 0
            g = json.loads(res.stdout) if ok else {}
            check(ok and all(math.isfinite(x) for x in g["gamma"] + g["gamma_local"]),
                  "%s: grades with the .asi and .asil: max gamma %s, max local gamma %s" % (
                      system, g.get("max_gamma"), max(g["gamma_local"]) if ok else res.stderr.strip()[:200]))
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
