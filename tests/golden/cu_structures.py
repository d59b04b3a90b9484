"""Cu training structures for the active-set golden tests (activeset_build.py,
activeset_local.py): rattled fcc, random liquid, (100) slab, written as
multi-frame extended XYZ with 12-digit positions."""


def fcc(a, n=3):
    basis = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
    pos = [[(i + u) * a, (j + v) * a, (k + w) * a] for i in range(n) for j in range(n) for k in range(n)
           for u, v, w in basis]
    L = n * a
    return pos, [L, L, L], "T T T"


def rattle(rng, pos, sigma):
    return [[x + rng.gauss(0, sigma) for x in p] for p in pos]


def liquid(rng, natoms=64, L=9.297, dmin=2.0):
    pos = []
    while len(pos) < natoms:
        p = [rng.uniform(0, L) for _ in range(3)]
        ok = True
        for q in pos:
            d = [p[c] - q[c] for c in range(3)]
            d = [x - L * round(x / L) for x in d]
            if d[0] ** 2 + d[1] ** 2 + d[2] ** 2 < dmin * dmin:
                ok = False
                break
        if ok:
            pos.append(p)
    return pos, [L, L, L], "T T T"


def slab100(rng, a=3.62, n=3, layers=4, vacuum=12.0):
    """(100) slab of n x n cells and `layers` atomic layers, rattled by 0.03 A, vacuum along z"""
    pos = []
    for i in range(n):
        for j in range(n):
            for k in range(layers // 2):
                for u, v, w in [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]:
                    pos.append([(i + u) * a, (j + v) * a, (k + w) * a])
    return rattle(rng, pos, 0.03), [n * a, n * a, (layers // 2) * a + vacuum], "T T F"


def write_frames(path, frames):
    with open(path, "w") as f:
        for pos, cell, pbc, comment in frames:
            f.write("%d\n" % len(pos))
            f.write('Lattice="%r 0 0 0 %r 0 0 0 %r" Properties=species:S:1:pos:R:3 pbc="%s" comment="%s"\n' % (
                cell[0], cell[1], cell[2], pbc, comment))
            for p in pos:
                f.write("Cu %.12f %.12f %.12f\n" % tuple(p))
