#!/usr/bin/env python3
"""aceuq label: energies, forces and virial of frames from a LAMMPS potential, checked independently.

With the oracle Cu_mishin1.eam.alloy (potentials folder of the LAMMPS that is built):
  - perfect fcc Cu at Mishin's a0 = 3.615 A: -3.54 eV/atom (his cohesive energy), zero forces, zero stress
    within the fit's precision; 3 % compressed: positive pressure (ASE stress < 0);
  - forces = -dE/dx by central finite differences of labelled displaced frames (h = 1e-4 A), and
    virial W_ab = -dE/d(eps_ab) by finite differences of strained frames (all in one aceuq label run);
  - a triclinic cell given with a not along x: the labelled frame is its LAMMPS form (rotated rigidly),
    same energy as the unrotated cell, per-atom |F| unchanged; atom order and config_type kept;
  - CuNi.eam.alloy with --elements Cu,Ni: a Ni atom in Cu changes the energy, types follow --elements.
With SHARED_DIR: pair_style ace/uq (plugin) + Cu-I.yaml on the ML-PACE reference configurations gives the
reference energies, forces and virial (1e-10 rel., 1e-8 eV/A, 1e-9 rel.).
110 frames in one run (past LAMMPS's 100-warning limit).
Bad input: an unknown pair style and a missing potential file (LAMMPS's ERROR line reported, no output written), two elements without
--elements, an element missing from --elements.

usage: label_check.py ACEUQ LMP POTENTIALS_DIR [SHARED_DIR]
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

failures = 0


def check(ok, what):
    global failures
    failures += not ok
    print("%-4s %s" % ("ok" if ok else "FAIL", what))


def frame_text(symbols, positions, cell=None, pbc="T T T", config_type=None):
    head = 'Properties=species:S:1:pos:R:3'
    if cell is not None:
        head = 'Lattice="%s" %s pbc="%s"' % (" ".join("%.17g" % x for row in cell for x in row), head, pbc)
    if config_type:
        head += " config_type=%s" % config_type
    lines = [str(len(symbols)), head]
    lines += ["%s %.17g %.17g %.17g" % (s, *p) for s, p in zip(symbols, positions)]
    return "\n".join(lines) + "\n"


def read_labelled(path):
    """[(info dict, symbols, positions, forces)]"""
    out, lines, i = [], open(path).read().splitlines(), 0
    while i < len(lines):
        n, comment = int(lines[i]), lines[i + 1]
        info = {}
        for key in ("energy", "config_type"):
            if key + "=" in comment:
                info[key] = comment.split(key + "=")[1].split()[0]
        for key in ("virial", "stress", "Lattice", "pbc"):
            if key + '="' in comment:
                info[key] = comment.split(key + '="')[1].split('"')[0]
        atoms = [l.split() for l in lines[i + 2:i + 2 + n]]
        out.append((info, [a[0] for a in atoms], [list(map(float, a[1:4])) for a in atoms],
                    [list(map(float, a[4:7])) for a in atoms]))
        i += 2 + n
    return out


def label(aceuq, lmp, frames_path, out, pair_style, pair_coeff, extra=()):
    cmd = [aceuq, "label", frames_path, "-o", out, "--lmp", lmp, "--pair-style", pair_style,
           "--pair-coeff", pair_coeff] + list(extra)
    return subprocess.run(cmd, capture_output=True, text=True)


def fcc(a, n=2, scale=(1, 1, 1)):
    base = [(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0)]
    pos = [((i + b[0]) * a * scale[0], (j + b[1]) * a * scale[1], (k + b[2]) * a * scale[2])
           for i in range(n) for j in range(n) for k in range(n) for b in base]
    cell = [[n * a * scale[0], 0, 0], [0, n * a * scale[1], 0], [0, 0, n * a * scale[2]]]
    return pos, cell


def oracle_checks(aceuq, lmp, pots, d):
    eam = os.path.join(pots, "Cu_mishin1.eam.alloy")
    rng = random.Random(5)
    frames = []
    pos, cell = fcc(3.615)
    frames.append(frame_text(["Cu"] * len(pos), pos, cell, config_type="bulk"))
    cpos, ccell = fcc(3.615 * 0.97)
    frames.append(frame_text(["Cu"] * len(cpos), cpos, ccell, config_type="compressed"))
    # rattled cell: finite differences of one atom's coordinates and of the strain
    rpos = [[x + rng.uniform(-0.1, 0.1) for x in p] for p in pos]
    h, eps = 1e-4, 1e-5
    frames.append(frame_text(["Cu"] * len(rpos), rpos, cell, config_type="rattled"))
    moved = []
    for atom, comp in ((3, 0), (7, 1), (12, 2)):
        for sign in (1, -1):
            p = [list(q) for q in rpos]
            p[atom][comp] += sign * h
            frames.append(frame_text(["Cu"] * len(p), p, cell))
            moved.append((atom, comp, sign))
    strains = []
    for a_, b_ in ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)):
        for sign in (1, -1):
            e = [[1.0 if i == j else 0.0 for j in range(3)] for i in range(3)]
            e[a_][b_] += sign * eps / (1 if a_ == b_ else 2)
            e[b_][a_] += 0 if a_ == b_ else sign * eps / 2
            sp = [[sum(e[i][j] * q[j] for j in range(3)) for i in range(3)] for q in rpos]
            sc = [[sum(e[i][j] * v[j] for j in range(3)) for i in range(3)] for v in cell]
            frames.append(frame_text(["Cu"] * len(sp), sp, sc))
            strains.append((a_, b_, sign))
    # triclinic cell with a not along x (rotated about z by 30 degrees)
    c, s = math.cos(math.pi / 6), math.sin(math.pi / 6)
    tcell = [[4.0, 0.3, 0.0], [1.2, 3.8, 0.0], [0.4, 0.5, 4.1]]
    tfrac = [[rng.random() for _ in range(3)] for _ in range(5)]
    tpos = [[sum(f[k] * tcell[k][i] for k in range(3)) for i in range(3)] for f in tfrac]
    rot = lambda v: [c * v[0] - s * v[1], s * v[0] + c * v[1], v[2]]
    frames.append(frame_text(["Cu"] * 5, tpos, tcell, config_type="tri"))
    frames.append(frame_text(["Cu"] * 5, [rot(p) for p in tpos], [rot(v) for v in tcell], config_type="tri_rot"))
    src, out = os.path.join(d, "in.xyz"), os.path.join(d, "out.xyz")
    open(src, "w").write("".join(frames))
    res = label(aceuq, lmp, src, out, "eam/alloy", "* * %s Cu" % eam)
    check(res.returncode == 0, "aceuq label with eam/alloy: %s" % (res.stdout.strip() or res.stderr.strip()))
    if res.returncode:
        return
    lab = read_labelled(out)
    check(len(lab) == len(frames), "%d labelled frames for %d" % (len(lab), len(frames)))
    info, sym, p, f = lab[0]
    e_atom = float(info["energy"]) / len(sym)
    fmax = max(abs(x) for fa in f for x in fa)
    smax = max(abs(float(x)) for x in info["stress"].split())
    check(abs(e_atom + 3.54) < 1e-3 and fmax < 1e-10 and smax < 2e-4,
          "fcc Cu a0 = 3.615 A: %.6f eV/atom (Mishin: -3.54), max |F| %.1e, max |stress| %.1e eV/A^3" % (
              e_atom, fmax, smax))
    info_c = lab[1][0]
    stress_c = [float(x) for x in info_c["stress"].split()]
    virial_c = [float(x) for x in info_c["virial"].split()]
    check(all(stress_c[k] < -1e-3 for k in (0, 4, 8)) and all(virial_c[k] > 0 for k in (0, 4, 8)),
          "3 %% compressed: virial diagonal > 0 (%.3f eV), ASE stress < 0 (%.4f eV/A^3)" % (virial_c[0], stress_c[0]))
    check(info["config_type"] == "bulk" and lab[1][0]["config_type"] == "compressed" and "config_type" not in lab[3][0],
          "config_type kept (bulk, compressed; none where none was given)")
    check(all(abs(a - b) < 1e-9 for pa, pb in zip(lab[0][2], pos) for a, b in zip(pa, pb)),
          "atoms in input order, orthogonal cell: positions unchanged")
    # forces by finite differences
    rat = lab[2]
    worst = 0.0
    for k, (atom, comp, sign) in enumerate(moved[::2]):
        ep, em = float(lab[3 + 2 * k][0]["energy"]), float(lab[4 + 2 * k][0]["energy"])
        worst = max(worst, abs(-(ep - em) / (2 * h) - rat[3][atom][comp]))
    check(worst < 1e-6, "forces = -dE/dx (central differences, h = %g A): max deviation %.1e eV/A" % (h, worst))
    base = 3 + len(moved)
    w = [float(x) for x in rat[0]["virial"].split()]
    worst = 0.0
    for k, (a_, b_, sign) in enumerate(strains[::2]):
        ep, em = float(lab[base + 2 * k][0]["energy"]), float(lab[base + 2 * k + 1][0]["energy"])
        worst = max(worst, abs(-(ep - em) / (2 * eps) - w[3 * a_ + b_]))
    check(worst < 1e-4 * max(abs(x) for x in w) + 1e-6,
          "virial W_ab = -dE/d(eps_ab) (central differences, eps = %g): max deviation %.1e eV (|W| up to %.2f)" % (
              eps, worst, max(abs(x) for x in w)))
    t, tr = lab[-2], lab[-1]
    lat = [float(x) for x in tr[0]["Lattice"].split()]
    de = abs(float(t[0]["energy"]) - float(tr[0]["energy"]))
    dnorm = max(abs(math.sqrt(sum(x * x for x in fa)) - math.sqrt(sum(x * x for x in fb))) for fa, fb in zip(t[3], tr[3]))
    check(lat[1] == 0 and lat[2] == 0 and lat[5] == 0 and de < 1e-9 and dnorm < 1e-9,
          "rotated triclinic cell: LAMMPS form (a along x), energy as unrotated (%.1e eV), per-atom |F| kept (%.1e)" % (
              de, dnorm))
    # more than 100 frames: LAMMPS's "Too many warnings" line lands between a thermo header and its row
    pos4, cell4 = fcc(3.615, n=1)
    many = "".join(frame_text(["Cu"] * 4, [[x + 0.01 * k for x in p] if i == 0 else p for i, p in enumerate(pos4)],
                              cell4) for k in range(110))
    msrc, mout = os.path.join(d, "many.xyz"), os.path.join(d, "many_out.xyz")
    open(msrc, "w").write(many)
    res = label(aceuq, lmp, msrc, mout, "eam/alloy", "* * %s Cu" % eam)
    check(res.returncode == 0 and len(read_labelled(mout)) == 110, "110 frames labelled in one run: %s" % (
        res.stdout.strip() or res.stderr.strip()))
    # binary oracle
    cuni = os.path.join(pots, "CuNi.eam.alloy")
    bsym = ["Cu"] * len(pos)
    bsym[5] = "Ni"
    bsrc, bout = os.path.join(d, "bin.xyz"), os.path.join(d, "bin_out.xyz")
    open(bsrc, "w").write(frame_text(["Cu"] * len(pos), pos, cell) + frame_text(bsym, pos, cell))
    res = label(aceuq, lmp, bsrc, bout, "eam/alloy", "* * %s Cu Ni" % cuni, ["--elements", "Cu,Ni"])
    ok = res.returncode == 0
    if ok:
        blab = read_labelled(bout)
        ok = blab[1][1][5] == "Ni" and blab[1][1][4] == "Cu" and blab[0][0]["energy"] != blab[1][0]["energy"]
    check(ok, "CuNi.eam.alloy with --elements Cu,Ni: types and species kept, Ni changes the energy")
    # bad input
    res = label(aceuq, lmp, src, os.path.join(d, "bad.xyz"), "no/such/style", "* *")
    check(res.returncode == 1 and "ERROR" in res.stderr and "no/such/style" in res.stderr and
          not os.path.exists(os.path.join(d, "bad.xyz")),
          "unknown pair style: exit 1, LAMMPS's ERROR line reported, nothing written: %s" % res.stderr.strip()[:150])
    # a one-rank error (error->one: LAMMPS 29Sep2021 aborts without flushing) still reaches the user
    res = label(aceuq, lmp, src, os.path.join(d, "bad.xyz"), "eam/alloy", "* * no_such_oracle.eam.alloy Cu")
    check(res.returncode == 1 and "ERROR" in res.stderr and "no_such_oracle.eam.alloy" in res.stderr and
          not os.path.exists(os.path.join(d, "bad.xyz")),
          "missing potential file: exit 1, LAMMPS's ERROR line reported: %s" % res.stderr.strip()[:150])
    res = label(aceuq, lmp, bsrc, os.path.join(d, "bad.xyz"), "eam/alloy", "* * %s Cu Ni" % cuni)
    check(res.returncode == 1 and "give --elements" in res.stderr, "two elements without --elements: clear error")
    res = label(aceuq, lmp, bsrc, os.path.join(d, "bad.xyz"), "eam/alloy", "* * %s Cu" % cuni, ["--elements", "Cu"])
    check(res.returncode == 1 and "element Ni is not in --elements Cu" in res.stderr,
          "element missing from --elements: clear error")


def reference_checks(aceuq, lmp, shared, d):
    ref_dir = os.path.join(shared, "reference", "ace")
    names = ["CuI_fcc333_rattle", "CuI_slab100", "CuI_dimer", "CuI_triclinic27", "CuI_liquid64"]
    src = os.path.join(d, "ref.xyz")
    open(src, "w").write("".join(open(os.path.join(ref_dir, "configs", n + ".xyz")).read() for n in names))
    out = os.path.join(d, "ref_out.xyz")
    res = label(aceuq, lmp, src, out, "ace/uq", "* * %s Cu" % os.path.join(ref_dir, "potentials", "Cu-I.yaml"),
                ["--command", "plugin load aceuqplugin.so"])
    check(res.returncode == 0, "aceuq label with pair_style ace/uq (plugin): %s" % (res.stdout + res.stderr).strip())
    if res.returncode:
        return
    for (info, sym, p, f), name in zip(read_labelled(out), names):
        ref = json.load(open(os.path.join(ref_dir, "ref", name + ".json")))
        w = [float(x) for x in info["virial"].split()]
        w6 = [w[0], w[4], w[8], w[1], w[2], w[5]]
        de = abs(float(info["energy"]) - ref["energy"]) / abs(ref["energy"])
        df = max(abs(a - b) for fa, fb in zip(f, ref["forces"]) for a, b in zip(fa, fb))
        dw = max(abs(a - b) for a, b in zip(w6, ref["virial"])) / max(abs(x) for x in ref["virial"])
        check(de < 1e-10 and df < 1e-8 and dw < 1e-9,
              "%s vs ML-PACE reference: energy %.1e rel, forces %.1e eV/A, virial %.1e rel" % (name, de, df, dw))


def main():
    aceuq, lmp, pots = sys.argv[1], sys.argv[2], sys.argv[3]
    shared = sys.argv[4] if len(sys.argv) > 4 else None
    with tempfile.TemporaryDirectory(prefix="aceuq_label_") as d:
        oracle_checks(aceuq, lmp, pots, d)
        if shared and os.path.isdir(os.path.join(shared, "reference", "ace")):
            reference_checks(aceuq, lmp, shared, d)
        else:
            print("note: ML-PACE reference part skipped (../shared/reference/ace not found)")
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
