#!/usr/bin/env python3
"""Convert a LAMMPS `dump custom ... id type x y z` file of an orthogonal,
periodic box into extended XYZ (one frame per snapshot).
usage: dump2xyz.py in.dump out.xyz El1 [El2 ...]   (element of type 1, 2, ...)"""
import sys


def frames(path):
    lines = open(path).read().splitlines()
    i = 0
    while i < len(lines):
        assert lines[i].startswith("ITEM: TIMESTEP"), lines[i]
        n = int(lines[i + 3])
        bounds = [tuple(map(float, lines[i + 5 + d].split()[:2])) for d in range(3)]
        cols = lines[i + 8].split()[2:]
        atoms = [dict(zip(cols, lines[i + 9 + a].split())) for a in range(n)]
        yield bounds, atoms
        i += 9 + n


def main():
    src, dst, elements = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(dst, "w") as out:
        for bounds, atoms in frames(src):
            l = [hi - lo for lo, hi in bounds]
            out.write("%d\n" % len(atoms))
            out.write('Lattice="%.10f 0 0 0 %.10f 0 0 0 %.10f" Properties=species:S:1:pos:R:3 pbc="T T T"\n'
                      % tuple(l))
            for a in atoms:
                x = [float(a[c]) - bounds[d][0] for d, c in enumerate("xyz")]
                out.write("%s %.10f %.10f %.10f\n" % (elements[int(a["type"]) - 1], *x))


if __name__ == "__main__":
    main()
