#!/usr/bin/python3
"""Small seeded structures for the multi-element parity study (issue 18) and its test.

usage: cells.py OUTDIR EL1 [EL2 [EL3]] [--seed 18] [--rattle 0.1] [--lattice 4.0]

Writes extended XYZ files (species, positions; Lattice and pbc for the crystals):
  fcc_all.xyz        fcc a = LATTICE, 2x2x2 conventional cells (32 atoms, 8 A box), the
                     elements EL1, EL2, .. assigned in turn (atom k gets element k mod n; atoms in
                     the order cell (i,j,k) with k fastest, basis (0,0,0), (0,1/2,1/2), (1/2,0,1/2),
                     (1/2,1/2,0)), every coordinate displaced by a Gaussian of sigma RATTLE A
                     (numpy default_rng(SEED)) -- the issue-18 cell;
  fcc_<A>.xyz        the same positions, all atoms of element A (one file per element);
  fcc_<A><B>.xyz     the same positions, A and B in turn (one file per element pair);
  dimer_<A><B>.xyz   A at the origin, B at (2.45, 0.13, -0.07) (no cell);
  trimer_<A><B><C>.xyz  A, B, C at (0,0,0), (2.45,0,0), (0.8,2.3,0.3) (no cell), for every
                     ordered triple of the elements (n^3 files).
Byte-reproducible for a given numpy version (default_rng(seed).normal).
"""
import argparse
import itertools
import os

import numpy as np

BASIS = np.array([[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]])


def fcc_positions(a, nrep, rattle, seed):
    pts = []
    for i, j, k in itertools.product(range(nrep), repeat=3):
        for b in BASIS:
            pts.append((np.array([i, j, k]) + b) * a)
    X = np.array(pts)
    rng = np.random.default_rng(seed)
    return X + rng.normal(0.0, rattle, X.shape)


def write_xyz(path, species, X, cell=None, comment=""):
    with open(path, "w") as fh:
        fh.write("%d\n" % len(species))
        head = ""
        if cell is not None:
            head += 'Lattice="%s" ' % " ".join("%.16f" % v for v in np.asarray(cell).ravel())
        head += "Properties=species:S:1:pos:R:3 "
        head += 'pbc="%s"' % ("T T T" if cell is not None else "F F F")
        if comment:
            head += ' comment="%s"' % comment
        fh.write(head + "\n")
        for s, x in zip(species, X):
            fh.write("%-3s %22.16f %22.16f %22.16f\n" % (s, x[0], x[1], x[2]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("elements", nargs="+")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--rattle", type=float, default=0.1)
    ap.add_argument("--lattice", type=float, default=4.0)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    els = a.elements
    X = fcc_positions(a.lattice, 2, a.rattle, a.seed)
    cell = np.eye(3) * 2 * a.lattice
    note = "fcc a=%g 2x2x2 rattle sigma %g seed %d" % (a.lattice, a.rattle, a.seed)
    write_xyz(os.path.join(a.outdir, "fcc_all.xyz"), [els[k % len(els)] for k in range(len(X))], X, cell,
              note + ", elements " + " ".join(els) + " in turn")
    for e in els:
        write_xyz(os.path.join(a.outdir, "fcc_%s.xyz" % e), [e] * len(X), X, cell, note + ", all " + e)
    for e1, e2 in itertools.combinations(els, 2):
        write_xyz(os.path.join(a.outdir, "fcc_%s%s.xyz" % (e1, e2)), [(e1, e2)[k % 2] for k in range(len(X))], X,
                  cell, note + ", %s %s in turn" % (e1, e2))
    for e1, e2 in itertools.product(els, repeat=2):
        write_xyz(os.path.join(a.outdir, "dimer_%s%s.xyz" % (e1, e2)), [e1, e2],
                  np.array([[0, 0, 0], [2.45, 0.13, -0.07]]), None, "dimer")
    tri = np.array([[0, 0, 0], [2.45, 0, 0], [0.8, 2.3, 0.3]])
    for sp in itertools.product(els, repeat=3):
        write_xyz(os.path.join(a.outdir, "trimer_%s.xyz" % "".join(sp)), list(sp), tri, None, "trimer")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
