#!/usr/bin/python3
"""Write the small three-element structures of check_bruteforce.py (committed; rerun to remake).

usage: make_structures.py OUTDIR
  CrFeNi_trimer.xyz      Cr, Fe, Ni, no cell, distances 2.3..2.5 A
  CrFeNi_tetramer.xyz    Cr, Fe, Ni, Cr, distorted tetrahedron, no cell
  CrFeNi_short.xyz       trimer with a Cr-Ni pair at 1.55 A, inside the inner-cutoff switch
                         (r_in - delta_in = 1.3 .. r_in = 1.7 A) where core repulsion and basis blend
  CrFeNi_triclinic6.xyz  6 atoms (Cr Fe Ni Cr Fe Ni) in a triclinic cell of 4.6..5.1 A edges:
                         the 5.3 A cutoff reaches periodic images, including each atom's own
  CrFeNi_fcc32.xyz       fcc a = 3.6 A, 2x2x2 (7.2 A box), Cr Fe Ni in turn, Gaussian rattle 0.1 A
                         (numpy default_rng(18), via cells.py's fcc_positions)
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cells import fcc_positions, write_xyz  # noqa: E402


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write_xyz(os.path.join(out, "CrFeNi_trimer.xyz"), ["Cr", "Fe", "Ni"],
              np.array([[0, 0, 0], [2.3, 0.1, 0.0], [0.9, 2.1, 0.4]]), None, "trimer")
    write_xyz(os.path.join(out, "CrFeNi_tetramer.xyz"), ["Cr", "Fe", "Ni", "Cr"],
              np.array([[0, 0, 0], [2.4, 0.0, 0.1], [1.1, 2.2, -0.2], [1.3, 0.8, 2.1]]), None, "tetramer")
    write_xyz(os.path.join(out, "CrFeNi_short.xyz"), ["Cr", "Ni", "Fe"],
              np.array([[0, 0, 0], [1.55, 0.05, 0.0], [0.7, 2.3, 0.2]]), None, "short Cr-Ni pair")
    cell = np.array([[4.6, 0.0, 0.0], [1.3, 4.8, 0.0], [-0.9, 1.1, 5.1]])
    frac = np.array([[0.02, 0.01, 0.03], [0.51, 0.04, 0.47], [0.03, 0.49, 0.52],
                     [0.48, 0.52, 0.05], [0.27, 0.74, 0.26], [0.76, 0.23, 0.77]])
    write_xyz(os.path.join(out, "CrFeNi_triclinic6.xyz"), ["Cr", "Fe", "Ni", "Cr", "Fe", "Ni"], frac @ cell, cell,
              "triclinic 6 atoms")
    X = fcc_positions(3.6, 2, 0.1, 18)
    write_xyz(os.path.join(out, "CrFeNi_fcc32.xyz"), [["Cr", "Fe", "Ni"][k % 3] for k in range(len(X))], X,
              np.eye(3) * 7.2, "fcc a=3.6 2x2x2 rattle 0.1 seed 18, Cr Fe Ni in turn")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
