#!/usr/bin/env python3
"""Finite-difference check of ACE forces and virial (`aceuq eval`).

usage: ace_fd.py ACEUQ SHARED_DIR POTENTIALS_DIR [CASE ...]

Independent of any reference data: for every case (potential, configuration)
the analytic forces and virial printed by `aceuq eval` are compared with
finite differences of the printed total energy E (4-point central stencil
f' = [8(f(h) - f(-h)) - (f(2h) - f(-2h))] / 12h):
  forces   F_ia = -dE/dx_ia for every coordinate of at least 3 atoms (an atom of
           the closest pair, the first atom of every species, then others),
           step h = H_POS;
  virial   W_ab = -dE/d(eps) for the homogeneous deformation x_b -> x_b + eps x_a
           of all positions AND the cell rows (LAMMPS pair->virial convention),
           all 6 components [xx yy zz xy xz yz]; step eps = H_POS / max|coordinate|
           so that no coordinate moves by more than H_POS.
Pass: max |analytic - FD| <= RTOL * max(1, max |F| resp. max |W| of the
configuration) + 1.5 * NOISE * sum_i |E_i| / step.

Step and tolerance (measured on all cases below, see the printed deviations).
- Radial functions are cubic Hermite splines with knots every 0.001 A: C1, with
  jumps of E'' at the knots.  A stencil straddling knots has an error ~ step *
  (jump of E''), which does not shrink like step^4: with the 4-point stencil
  the deviations grow ~linearly from step 3e-4 A (up to 1e-5 relative at 3e-3 A).
- Round-off: the printed E carries noise of up to 2.5e-13 * sum_i |E_i|
  (Cu.pbe.in, 684 functions; ~1e-15 for Cu-I), amplified by 1.5 / step.
- H_POS = 1e-4 A balances the two: largest deviation 7.5e-9 relative to max|F|
  or max|W| (chebexpcos/zbl/distance on the squeezed cell) and 1.7e-7 eV/A,
  1.5e-5 eV for Cu.pbe.in, which is round-off.  (2-point stencil, h = 1e-5 A:
  up to 1.5e-6 relative; h = 1e-4 A: up to 1.7e-7, truncation.)
- RTOL = 1e-6 and NOISE = 1e-12 (4x the measured noise) leave a margin >= 100
  on truncation and >= 4 on round-off; a wrong derivative (sign, factor, missing
  term) gives deviations of order 1e-3..1 relative.  ChebPow energies are
  ~2e4 eV/atom: there both criteria scale with the huge energies and forces.

Cases meant for a short-distance regime (pairs inside the radial inner-cutoff
switch r_in - delta_in < r < r_in, atoms in the partial ZBL blend, rho_core
switch partly or fully off) also check, from the bond parameters printed by
`aceuq info` and analytic (unsplined) formulas, that the regime is really hit
(a case that misses it fails), and check forces on the atom most involved.

SHARED_DIR/reference/ace provides most potentials and configurations; when it is
missing those cases are skipped and the project's own potential
(POTENTIALS_DIR/AlNi_cheblinear_test.yaml, configurations generated here) still
runs.  Exit 0 all passed, 1 any failure, 77 if no case could run at all.
ACEUQ_FD_H, ACEUQ_FD_STENCIL (2|4) and ACEUQ_FD_RTOL override the defaults (for
measurements).  Python 3 standard library only.
"""
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile

H_POS = float(os.environ.get("ACEUQ_FD_H", "1e-4"))   # Angstrom; the strain step moves no coordinate further
STENCIL = int(os.environ.get("ACEUQ_FD_STENCIL", "4"))  # 4-point (default) or 2-point central differences
RTOL = float(os.environ.get("ACEUQ_FD_RTOL", "1e-6"))    # truncation / spline allowance, relative
NOISE = 1e-12   # round-off of the printed total energy, relative to sum_i |E_i| (measured <= 2.5e-13)
OWN_POT = "AlNi_cheblinear_test.yaml"

# (name, potential, configuration, required regime or None)
#   potential: "shared:<file>" (SHARED/reference/ace/potentials) or "own:<file>" (POTENTIALS_DIR)
#   configuration: "shared:<name>" (SHARED/reference/ace/configs/<name>.xyz) or "gen:<name>"
CASES = [
    ("chebexpcos.triclinic27", "shared:Cu-I.yaml", "shared:CuI_triclinic27", None),
    ("chebexpcos.squeezed", "shared:Cu-I.yaml", "shared:CuI_fcc222_squeezed", None),
    ("sbessel.rattle", "shared:Cu-I.sbessel.yaml", "shared:CuI_fcc333_rattle", None),
    ("chebpow.rattle", "shared:Cu-I.chebpow.yaml", "shared:CuI_fcc333_rattle", None),
    ("zbl.rattle", "shared:Cu-I.zbl.yaml", "shared:CuI_fcc333_rattle", None),
    ("zbl.squeezed", "shared:Cu-I.zbl.yaml", "shared:CuI_fcc222_squeezed", "zbl"),
    ("zbl.dimer_short", "shared:Cu-I.zbl.yaml", "shared:CuI_dimer_short", "zbl"),
    ("density.compressed", "shared:Cu-I.corerep_density.yaml", "shared:CuI_fcc222_compressed", None),
    ("density_active.compressed", "shared:Cu-I.corerep_density_active.yaml", "shared:CuI_fcc222_compressed",
     "density"),
    ("density_active.squeezed", "shared:Cu-I.corerep_density_active.yaml", "shared:CuI_fcc222_squeezed",
     "density"),
    ("distance.rattle", "shared:Cu-I.corerep_distance.yaml", "shared:CuI_fcc333_rattle", None),
    ("distance.squeezed", "shared:Cu-I.corerep_distance.yaml", "shared:CuI_fcc222_squeezed", "distance"),
    ("distance.dimer_short", "shared:Cu-I.corerep_distance.yaml", "shared:CuI_dimer_short", "distance_core"),
    ("AlNi.triclinic27", "shared:multispecies_AlNi.yaml", "shared:AlNi_triclinic27", None),
    ("CuPBE.rattle", "shared:Cu.pbe.in.yaml", "shared:CuPBE_fcc333_rattle", None),
    ("cheblinear.triclinic", "own:" + OWN_POT, "gen:triclinic", None),
    # steep core repulsion inside r_in: the strain moves all 40 short pairs across spline knots at once, so the
    # virial deviation is spline truncation linear in the step (measured 4.5e-3 / 1.5e-3 / 4.5e-4 / 1.5e-4 at
    # 3e-4 / 1e-4 / 3e-5 / 1e-5 A, i.e. ~4e-6 relative at 1e-4): this case uses the smaller step 1e-5 A.
    ("cheblinear.compressed", "own:" + OWN_POT, "gen:compressed", "distance", 1e-5),
]


# ---- configurations ---------------------------------------------------------------
class Config:
    def __init__(self, species, pos, cell, pbc):
        self.species = list(species)
        self.pos = [list(p) for p in pos]
        self.cell = [list(v) for v in cell] if cell else None
        self.pbc = pbc

    def copy(self):
        return Config(self.species, self.pos, self.cell, self.pbc)


def read_xyz(path):
    with open(path) as f:
        n = int(f.readline())
        header = f.readline()
        lines = [f.readline().split() for _ in range(n)]
    fields = dict((m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
                  for m in re.finditer(r'(\w+)=(?:"([^"]*)"|(\S+))', header))
    cell = None
    if "Lattice" in fields:
        v = [float(x) for x in fields["Lattice"].split()]
        cell = [v[0:3], v[3:6], v[6:9]]
    pbc = fields.get("pbc", "T T T" if cell else "F F F")
    props = fields.get("Properties", "species:S:1:pos:R:3").split(":")
    col, i_sp, i_pos = 0, None, None
    for k in range(0, len(props) - 2, 3):
        if props[k] == "species":
            i_sp = col
        elif props[k] == "pos":
            i_pos = col
        col += int(props[k + 2])
    species = [t[i_sp] for t in lines]
    pos = [[float(x) for x in t[i_pos:i_pos + 3]] for t in lines]
    return Config(species, pos, cell, pbc)


def write_xyz(path, cfg):
    with open(path, "w") as f:
        f.write("%d\n" % len(cfg.species))
        if cfg.cell:
            f.write('Lattice="%s" ' % " ".join("%.17g" % x for v in cfg.cell for x in v))
        f.write('Properties=species:S:1:pos:R:3 pbc="%s"\n' % cfg.pbc)
        for s, p in zip(cfg.species, cfg.pos):
            f.write("%-2s %.17g %.17g %.17g\n" % (s, p[0], p[1], p[2]))


def generate(kind):
    """Rattled two-element fcc 2x2x2 (32 atoms) in a triclinic (LAMMPS-form) cell."""
    rng = random.Random({"triclinic": 7301, "compressed": 7302}[kind])
    a0, rattle = {"triclinic": (3.95, 0.12), "compressed": (3.0, 0.25)}[kind]
    # fractional -> Cartesian: rows of the cell (a along x, b in the xy plane)
    L = 2 * a0
    cell = [[L, 0.0, 0.0], [0.31 * L, 0.96 * L, 0.0], [-0.17 * L, 0.22 * L, 1.03 * L]]
    basis = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
    species, pos = [], []
    for i in range(2):
        for j in range(2):
            for k in range(2):
                for b in basis:
                    s = [(i + b[0]) / 2.0, (j + b[1]) / 2.0, (k + b[2]) / 2.0]
                    x = [sum(s[m] * cell[m][d] for m in range(3)) for d in range(3)]
                    pos.append([x[d] + rng.uniform(-rattle, rattle) for d in range(3)])
                    species.append("Al" if rng.random() < 0.5 else "Ni")
    return Config(species, pos, cell, "T T T")


def pairs_within(cfg, rmax):
    """All pairs (i, j, r) with r < rmax, periodic images included (i <= j)."""
    n = len(cfg.pos)
    shifts = [(0.0, 0.0, 0.0)]
    if cfg.cell:
        a, b, c = cfg.cell
        cross = lambda u, v: [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]
        vol = abs(sum(x * y for x, y in zip(a, cross(b, c))))
        per = [t == "T" for t in cfg.pbc.split()]
        reach = []
        for ax, (u, v) in enumerate(((b, c), (c, a), (a, b))):
            height = vol / math.sqrt(sum(x * x for x in cross(u, v)))
            reach.append(int(math.ceil(rmax / height)) + 1 if per[ax] else 0)
        shifts = [[p * a[d] + q * b[d] + s * c[d] for d in range(3)]
                  for p in range(-reach[0], reach[0] + 1)
                  for q in range(-reach[1], reach[1] + 1)
                  for s in range(-reach[2], reach[2] + 1)]
    out = []
    for i in range(n):
        xi = cfg.pos[i]
        for j in range(i, n):
            xj = cfg.pos[j]
            d0 = [xj[0] - xi[0], xj[1] - xi[1], xj[2] - xi[2]]
            for t in shifts:
                dx, dy, dz = d0[0] + t[0], d0[1] + t[1], d0[2] + t[2]
                r2 = dx * dx + dy * dy + dz * dz
                if r2 < rmax * rmax and (i != j or r2 > 1e-12):
                    out.append((i, j, math.sqrt(r2)))
    return out


# ---- aceuq ----------------------------------------------------------------------------
def run_eval(aceuq, pot, xyz):
    res = subprocess.run([aceuq, "eval", pot, xyz, "--projections", "none"], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError("aceuq eval %s %s failed: %s" % (pot, xyz, res.stderr.strip()))
    return json.loads(res.stdout)


def potential_info(aceuq, pot):
    """Inner cutoff type, per-bond parameters and per-element rho_core switch from `aceuq info`."""
    res = subprocess.run([aceuq, "info", pot], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError("aceuq info %s failed: %s" % (pot, res.stderr.strip()))
    info = {"bonds": {}, "rho_cut": {}}
    element = None
    num = r"([-+0-9.eEinfa]+)"
    for line in res.stdout.splitlines():
        m = re.match(r"inner cutoff type: (\w+)", line)
        if m:
            info["inner"] = m.group(1)
        m = re.match(r"element (\S+) ", line)
        if m:
            element = m.group(1)
        m = re.search(r"rho_core_cut %s, drho_core_cut %s" % (num, num), line)
        if m and element:
            info["rho_cut"][element] = (float(m.group(1)), float(m.group(2)))
        m = re.match(r"bond (\S+)-(\S+): .*rcut %s, dcut %s, core repulsion \[%s, %s\], r_in %s, delta_in %s"
                     % ((num,) * 6), line)
        if m:
            info["bonds"][(m.group(1), m.group(2))] = dict(
                zip(("rcut", "dcut", "pre", "lam", "r_in", "delta_in"), map(float, m.groups()[2:])))
    return info


def regime(cfg, info, need):
    """(summary, hit, focus) for the short-distance regime the case is meant to exercise;
    focus = the atom most involved in it (checked first), None without a regime."""
    bonds = info["bonds"]
    pairs = pairs_within(cfg, max(b["rcut"] for b in bonds.values()))
    rmin = min((r for _, _, r in pairs), default=float("inf"))
    text = "r_min %.3f" % rmin
    if need is None:
        return text, True, None
    sp = cfg.species
    score = [0.0] * len(sp)
    if need == "distance":   # radial inner cutoff switch between r_in - delta_in and r_in; core repulsion below r_in
        window = below = 0
        for i, j, r in pairs:
            bd = bonds[(sp[i], sp[j])]
            if bd["r_in"] - bd["delta_in"] < r < bd["r_in"]:
                window += 1
                score[i] += 1
                score[j] += 1
            elif r <= bd["r_in"] - bd["delta_in"]:
                below += 1
        text += ", r < r_in: %d pairs in the switch, %d below" % (window, below)
        hit = window > 0
    elif need == "distance_core":  # core repulsion only: pairs closer than r_in - delta_in
        below = sum(1 for i, j, r in pairs if r <= bonds[(sp[i], sp[j])]["r_in"] - bonds[(sp[i], sp[j])]["delta_in"])
        text += ", %d pairs below r_in - delta_in" % below
        hit = below > 0
    else:
        nearest = [float("inf")] * len(sp)
        rho = [0.0] * len(sp)
        for i, j, r in pairs:
            for a, b in ((i, j), (j, i)):
                bd = bonds[(sp[a], sp[b])]
                if r < bd["rcut"]:
                    nearest[a] = min(nearest[a], r)
                    lam = abs(bd["lam"])
                    if lam * r * r < 50:
                        rho[a] += (abs(bd["pre"]) * math.exp(-lam * r * r) / r
                                   * 0.5 * (1 + math.cos(math.pi * r / bd["rcut"])))
                    if i == j:
                        break
        part = full = 0
        if need == "zbl":        # energy blended with ZBL when the nearest neighbour is closer than r_in
            for a, r in enumerate(nearest):
                bd = bonds[(sp[a], sp[a])]
                if r <= bd["r_in"] - bd["delta_in"]:
                    full += 1
                elif r < bd["r_in"]:
                    part += 1
                    score[a] = 1
            text += ", ZBL blend: %d atoms partial, %d full" % (part, full)
            hit = part > 0
        elif need == "density":  # rho_core switch f_cut(rho_core) partly or fully off
            for a, x in enumerate(rho):
                cut, dcut = info["rho_cut"][sp[a]]
                if x >= cut:
                    full += 1
                elif x > cut - dcut:
                    part += 1
                    score[a] = 1
            text += ", rho_core %.2f..%.2f, switch: %d atoms partial, %d off" % (min(rho), max(rho), part, full)
            hit = part + full > 0
        else:
            raise ValueError(need)
    best = max(range(len(sp)), key=lambda a: score[a])
    return text, hit, best if score[best] > 0 else None


def pick_atoms(cfg, focus):
    """focus (or an atom of the closest pair), the first atom of each species, then spread indices; >= 3."""
    n = len(cfg.species)
    if focus is None:
        pairs = pairs_within(cfg, 3.0)
        focus = min(pairs, key=lambda p: p[2])[0] if pairs else 0
    chosen = [focus]
    for s in sorted(set(cfg.species)):
        i = cfg.species.index(s)
        if i not in chosen:
            chosen.append(i)
    for i in (n // 2, n - 1, 1, 0):
        if len(chosen) >= min(3, n):
            break
        if i not in chosen:
            chosen.append(i)
    return chosen


def derivative(f, h):
    """df/dt at t = 0 from the 4-point central stencil (error O(h^4))."""
    if STENCIL == 2:
        return (f(h) - f(-h)) / (2 * h)
    return (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h)


def moved(cfg, i, d, t):
    out = cfg.copy()
    out.pos[i][d] += t
    return out


def deformed(cfg, a, b, eps):
    """x_b -> x_b + eps x_a for all positions and cell rows."""
    out = cfg.copy()
    for v in out.pos + (out.cell or []):
        v[b] += eps * v[a]
    return out


VIRIAL = [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)]   # xx yy zz xy xz yz


def dev(a, b):
    """|a - b|, infinite if either is not finite (max() would silently drop a NaN)."""
    d = abs(a - b)
    return d if d < float("inf") else float("inf")


def check_case(aceuq, pot, cfg, focus, workdir, h_pos):
    xyz = os.path.join(workdir, "fd.xyz")

    def energy(c):
        write_xyz(xyz, c)
        return run_eval(aceuq, pot, xyz)["energy"]

    write_xyz(xyz, cfg)
    ref = run_eval(aceuq, pot, xyz)
    atoms = pick_atoms(cfg, focus)
    e_abs = sum(abs(x) for x in ref["energies"])
    eps = h_pos / max(abs(x) for v in cfg.pos + (cfg.cell or []) for x in v)
    f_tol = RTOL * max(1.0, max(abs(x) for f in ref["forces"] for x in f)) + 1.5 * NOISE * e_abs / h_pos
    w_tol = RTOL * max(1.0, max(abs(x) for x in ref["virial"])) + 1.5 * NOISE * e_abs / eps
    f_dev = 0.0
    for i in atoms:
        for d in range(3):
            fd = -derivative(lambda t: energy(moved(cfg, i, d, t)), h_pos)
            f_dev = max(f_dev, dev(fd, ref["forces"][i][d]))
    w_dev = 0.0
    for k, (a, b) in enumerate(VIRIAL):
        fd = -derivative(lambda t: energy(deformed(cfg, a, b, t)), eps)
        w_dev = max(w_dev, dev(fd, ref["virial"][k]))
    return atoms, ref["energy"], (f_dev, f_tol), (w_dev, w_tol)


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    aceuq, shared, own_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    only = set(sys.argv[4:])
    ref_dir = os.path.join(shared, "reference", "ace")
    passed = failed = skipped = 0
    with tempfile.TemporaryDirectory(prefix="aceuq_fd_") as tmp:
        for name, pot_spec, cfg_spec, need, *step in CASES:
            if only and name not in only:
                continue
            where, fname = pot_spec.split(":", 1)
            pot = os.path.join(ref_dir, "potentials", fname) if where == "shared" else os.path.join(own_dir, fname)
            ckind, cname = cfg_spec.split(":", 1)
            xyz = os.path.join(ref_dir, "configs", cname + ".xyz") if ckind == "shared" else None
            missing = [p for p in (pot, xyz) if p and not os.path.isfile(p)]
            if missing:
                print("SKIP %-26s %s missing" % (name, missing[0]))
                skipped += 1
                continue
            try:
                cfg = read_xyz(xyz) if xyz else generate(cname)
                info = potential_info(aceuq, pot)
                reg_text, reg_ok, focus = regime(cfg, info, need)
                atoms, e, (fd, fs), (wd, ws) = check_case(aceuq, pot, cfg, focus, tmp,
                                                              step[0] if step and "ACEUQ_FD_H" not in os.environ else H_POS)
                ok = reg_ok and fd <= fs and wd <= ws
                msg = ("N %3d E/N %10.4g atoms %-9s force dev %.1e (tol %.0e)  virial dev %.1e (tol %.0e)  %s%s"
                       % (len(cfg.species), e / len(cfg.species), ",".join(map(str, atoms)), fd, fs, wd, ws,
                          reg_text, "" if reg_ok else "  [regime NOT hit]"))
            except (RuntimeError, OSError, ValueError, KeyError) as exc:
                ok, msg = False, "error: %s" % exc
            passed += ok
            failed += not ok
            print("%-4s %-26s %s" % ("ok" if ok else "FAIL", name, msg), flush=True)
    if skipped:
        print("SKIP: %d cases not run, their input is missing (shared reference data: %s)" % (skipped, ref_dir))
    print("%d passed, %d failed" % (passed, failed))
    if failed:
        return 1
    return 0 if passed else 77


if __name__ == "__main__":
    sys.exit(main())
