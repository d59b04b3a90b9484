#!/usr/bin/env python3
"""Local (clustered) extrapolation grades in LAMMPS vs `aceuq eval`, on NP ranks.

1. training set: fcc Cu cells (a = 3.52 .. 3.74 A, thermal noise), a vacancy cell and a
   (100) slab, generated here (fixed seed);
2. `aceuq activeset Cu-I.yaml train.xyz -o t.asi --local 3` -> t.asi + t.asil;
3. test configurations (rattled fcc, compressed fcc, slab, liquid-like random cell) through
   LAMMPS (pair_style ace/uq grade_every 1 local t.asil, compute uq/grade: per-atom gamma,
   gamma_local, cluster in a dump) on NP ranks and through `aceuq eval --asi --asil`:
   cluster indices identical, gamma and gamma_local within 1e-9 x max(1, gamma);
   the compute's scalar (max gamma_local by default) equals the max over atoms.
usage: local_grades.py LMP ACEUQ SHARED_DIR NP      (exit 77 without the shared data)
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

from lmp_command import lmp_command


def fcc(a, n, noise, rng, drop=None, vacuum_z=0.0):
    basis = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
    pos = [((i + u) * a + rng.gauss(0, noise), (j + v) * a + rng.gauss(0, noise), (k + w) * a + rng.gauss(0, noise))
           for i in range(n) for j in range(n) for k in range(n) for u, v, w in basis]
    if drop is not None:
        del pos[drop]
    return pos, (n * a, n * a, n * a + vacuum_z)


def write_xyz(f, pos, cell):
    f.write("%d\nLattice=\"%r 0 0 0 %r 0 0 0 %r\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n" % (
        len(pos), cell[0], cell[1], cell[2]))
    for p in pos:
        f.write("Cu %r %r %r\n" % p)


def training(path, rng):
    with open(path, "w") as f:
        for k in range(12):
            write_xyz(f, *fcc(3.52 + 0.02 * k, 3, 0.06, rng))
        for k in range(3):
            write_xyz(f, *fcc(3.615, 3, 0.08, rng, drop=13 * k))
        for k in range(3):
            write_xyz(f, *fcc(3.615, 3, 0.05, rng, vacuum_z=8.0))


def tests(rng):
    liquid = [(rng.uniform(0, 10.0), rng.uniform(0, 10.0), rng.uniform(0, 10.0)) for _ in range(60)]
    return {"rattled": fcc(3.63, 3, 0.1, rng), "compressed": fcc(3.35, 3, 0.03, rng),
            "slab": fcc(3.615, 3, 0.05, rng, vacuum_z=8.0), "random": (liquid, (10.0, 10.0, 10.0))}


def run(cmd, cwd=None):
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if res.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(cmd), (res.stdout + res.stderr)[-3000:]))
    return res.stdout


def lammps(lmp, aceuq, np_, pot, xyz, scratch):
    data = os.path.join(scratch, "c.data")
    run([aceuq, "lammps-data", xyz, data])
    dump = os.path.join(scratch, "g.dump")
    inp = os.path.join(scratch, "in.local")
    with open(inp, "w") as f:
        f.write(f"""plugin load aceuqplugin.so
units metal
atom_modify map array
read_data {data}
mass 1 63.546
pair_style ace/uq grade_every 1 local {scratch}/t.asil
pair_coeff * * {pot} {scratch}/t.asi Cu
compute g all uq/grade
thermo_style custom step c_g c_g[2]
thermo_modify format float %.17g
dump d all custom 1 {dump} id c_g[1] c_g[2] c_g[3]
dump_modify d format float %.17g sort id
run 0
""")
    out = run(lmp_command(lmp, inp, np_), cwd=scratch).splitlines()
    row = out[next(i for i, l in enumerate(out) if l.split()[:1] == ["Step"]) + 1].split()
    lines = open(dump).read().splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("ITEM: ATOMS")) + 1
    vals = [l.split() for l in lines[start:]]
    return float(row[1]), [float(v[1]) for v in vals], [float(v[2]) for v in vals], [int(float(v[3])) for v in vals]


def main():
    lmp, aceuq, shared, np_ = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    pot = os.path.join(shared, "reference", "ace", "potentials", "Cu-I.yaml")
    if not os.path.isfile(pot):
        print("SKIP: %s not found (../shared is missing)" % pot)
        return 77
    rng = random.Random(2024)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="aceuq_local_") as scratch:
        train = os.path.join(scratch, "train.xyz")
        training(train, rng)
        print(run([aceuq, "activeset", pot, train, "-o", os.path.join(scratch, "t.asi"), "--local", "3"]).strip())
        for name, (pos, cell) in tests(rng).items():
            xyz = os.path.join(scratch, name + ".xyz")
            with open(xyz, "w") as f:
                write_xyz(f, pos, cell)
            ev = json.loads(run([aceuq, "eval", pot, xyz, "--asi", os.path.join(scratch, "t.asi"),
                                 "--asil", os.path.join(scratch, "t.asil")]))
            scalar, g, gl, cl = lammps(lmp, aceuq, np_, pot, xyz, scratch)
            dg = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(g, ev["gamma"]))
            dgl = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(gl, ev["gamma_local"]))
            same_cl = cl == ev["cluster"]
            ds = abs(scalar - max(ev["gamma_local"])) / max(1.0, max(ev["gamma_local"]))
            ok = dg <= 1e-9 and dgl <= 1e-9 and same_cl and ds <= 1e-9
            failures += not ok
            print("%-4s np=%d %-10s max gamma %8.3f  max gamma_local %8.3f  clusters used %s  dev gamma %.1e "
                  "gamma_local %.1e scalar %.1e%s" % ("ok" if ok else "FAIL", np_, name, max(ev["gamma"]),
                                                      max(ev["gamma_local"]), sorted(set(cl)), dg, dgl, ds,
                                                      "" if same_cl else "  CLUSTERS DIFFER"))
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
