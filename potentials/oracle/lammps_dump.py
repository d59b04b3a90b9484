"""Read LAMMPS `dump custom ... id type x y z` snapshots (orthogonal or triclinic box, any boundary)
and write them as extended XYZ; split extended XYZ files into frames.  Used by sample.py, make.py and
the examples (entropy, uq_benchmark, active_learning, uq_study)."""


def xyz_frames(path):
    """Yield (frame text, comment line, atom lines) per frame of an extended XYZ file."""
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines) and lines[i].strip():
        n = int(lines[i])
        yield "\n".join(lines[i:i + n + 2]) + "\n", lines[i + 1], lines[i + 2:i + 2 + n]
        i += n + 2


def frames(path):
    """Yield (cell rows a, b, c, pbc flags, atoms) per snapshot; atoms = list of dicts column -> text.

    Triclinic boxes ("ITEM: BOX BOUNDS xy xz yz ..."): the bounds are those of the enclosing
    orthogonal box; lo/hi of the parallelepiped follow LAMMPS's documented relation."""
    lines = open(path).read().splitlines()
    i = 0
    while i < len(lines):
        assert lines[i].startswith("ITEM: TIMESTEP"), "%s: expected ITEM: TIMESTEP, got %r" % (path, lines[i])
        n = int(lines[i + 3])
        head = lines[i + 4].split()
        rows = [list(map(float, lines[i + 5 + d].split())) for d in range(3)]
        triclinic = "xy" in head
        flags = head[-3:]
        xy, xz, yz = (rows[0][2], rows[1][2], rows[2][2]) if triclinic else (0.0, 0.0, 0.0)
        xlo = rows[0][0] - min(0.0, xy, xz, xy + xz)
        xhi = rows[0][1] - max(0.0, xy, xz, xy + xz)
        ylo, yhi = rows[1][0] - min(0.0, yz), rows[1][1] - max(0.0, yz)
        zlo, zhi = rows[2][0], rows[2][1]
        cell = [[xhi - xlo, 0.0, 0.0], [xy, yhi - ylo, 0.0], [xz, yz, zhi - zlo]]
        pbc = [f == "pp" for f in flags]
        cols = lines[i + 8].split()[2:]
        atoms = [dict(zip(cols, lines[i + 9 + a].split())) for a in range(n)]
        yield cell, pbc, atoms
        i += 9 + n


def write_frame(out, cell, pbc, atoms, elements, config_type=None, precision=12):
    """One extended XYZ frame: species from the type column (elements[type - 1])."""
    fmt = "%%.%dg" % precision
    out.write("%d\n" % len(atoms))
    out.write('Lattice="%s" Properties=species:S:1:pos:R:3 pbc="%s"%s\n' % (
        " ".join(fmt % x for row in cell for x in row), " ".join("T" if p else "F" for p in pbc),
        " config_type=%s" % config_type if config_type else ""))
    for a in atoms:
        out.write("%s %s %s %s\n" % (elements[int(a["type"]) - 1], a["x"], a["y"], a["z"]))
