#!/usr/bin/python3
"""Write a random three-element B-basis potential in pacemaker's .yaml format (our own, seeded).

usage: make_potential.py OUT.yaml [--seed 1807]

A test object, not physics: Cr, Fe, Ni with everything that makes multi-element files differ
from single-element ones --
- per-species embeddings and densities: Cr FinnisSinclairShiftedScaled with 2 densities,
  Fe FinnisSinclair with 1, Ni FinnisSinclairShiftedScaled with 3 (ndensity 1 < 2 < 3 = ndensitymax,
  the case ML-PACE's ACERecursiveEvaluator gets wrong, docs/multielement_parity.md);
- per-bond radial bases: ChebExpCos, ChebPow, SBessel on different bonds, different nradbase,
  nradmax, lmax, rcut, dcut and core repulsion per bond; the bond parameters of a binary pair
  written in the "A B" block only (the "B A" block copies them, as ML-PACE's reader does), the
  Cr-Ni bond written in both blocks;
- inner cutoff type "distance" (r_in 1.7, delta_in 0.4 on every bond) with core repulsion;
- ranks 1..5 in unary, binary and ternary blocks; neighbour elements of a function in a random
  order (not only the sorted order pacemaker writes), intermediate couplings not symmetric under
  swapping the coupled pairs, e.g. nl [1, 0, 1] with lint [1].
Coefficients ~ N(0, 1) scaled down with the rank so that energies stay O(1..100) eV per atom.
Deterministic for a given seed (Python's random module, Mersenne Twister).
"""
import argparse
import itertools
import random

ELEMENTS = ["Cr", "Fe", "Ni"]
EMBEDDING = {
    "Cr": ("FinnisSinclairShiftedScaled", [1.0, 1.0, 1.0, 0.5]),
    "Fe": ("FinnisSinclair", [1.0, 1.0]),
    "Ni": ("FinnisSinclairShiftedScaled", [1.0, 1.0, 0.5, 0.5, 0.3, 0.75]),
}
# bond parameters, keyed by the block that writes them
BONDS = {
    ("Cr", "Cr"): dict(radbase="ChebExpCos", lam=5.25, nradbase=4, nradmax=3, lmax=3, rcut=5.2, dcut=0.1),
    ("Fe", "Fe"): dict(radbase="SBessel", lam=1.0, nradbase=5, nradmax=2, lmax=2, rcut=4.8, dcut=0.01),
    ("Ni", "Ni"): dict(radbase="ChebPow", lam=2.5, nradbase=3, nradmax=2, lmax=2, rcut=5.0, dcut=0.01),
    ("Cr", "Fe"): dict(radbase="ChebExpCos", lam=3.1, nradbase=3, nradmax=2, lmax=2, rcut=5.1, dcut=0.2),
    ("Fe", "Ni"): dict(radbase="SBessel", lam=1.0, nradbase=4, nradmax=2, lmax=1, rcut=4.9, dcut=0.01),
    ("Cr", "Ni"): dict(radbase="ChebPow", lam=3.0, nradbase=3, nradmax=3, lmax=2, rcut=5.3, dcut=0.01),
}
WRITTEN_TWICE = {("Cr", "Ni")}        # also written in the dual block "Ni Cr"
CORE = {("Cr", "Cr"): [40.0, 2.0], ("Fe", "Fe"): [30.0, 1.5], ("Ni", "Ni"): [50.0, 2.5],
        ("Cr", "Fe"): [35.0, 1.8], ("Fe", "Ni"): [45.0, 2.2], ("Cr", "Ni"): [38.0, 2.1]}
R_IN, DELTA_IN = 1.7, 0.4


def bond_of(a, b):
    return BONDS.get((a, b)) or BONDS[(b, a)]


def ls_choices(rank, lmax_of):
    """(ls, lint) lists valid for the per-leaf l limits lmax_of[t]"""
    out = []
    ranges = [range(lmax_of[t] + 1) for t in range(rank)]
    for ls in itertools.product(*ranges):
        if sum(ls) % 2:
            continue
        if rank == 1:
            if ls == (0,):
                out.append((list(ls), []))
        elif rank == 2:
            if ls[0] == ls[1]:
                out.append((list(ls), []))
        elif rank == 3:
            L = ls[2]
            if abs(ls[0] - ls[1]) <= L <= ls[0] + ls[1]:
                out.append((list(ls), [L]))
        elif rank == 4:
            for L in range(max(abs(ls[0] - ls[1]), abs(ls[2] - ls[3])), min(ls[0] + ls[1], ls[2] + ls[3]) + 1):
                out.append((list(ls), [L, L]))
        elif rank == 5:
            for L1 in range(abs(ls[0] - ls[1]), ls[0] + ls[1] + 1):
                for L2 in range(abs(ls[2] - ls[3]), ls[2] + ls[3] + 1):
                    L3 = ls[4]
                    if abs(L1 - L2) <= L3 <= L1 + L2:
                        out.append((list(ls), [L1, L2, L3]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1807)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    ndens = {e: len(EMBEDDING[e][1]) // 2 for e in ELEMENTS}

    def coeffs(mu0, rank):
        scale = 0.6 / 4.0 ** (rank - 1)
        return [round(rng.gauss(0.0, 1.0) * scale, 12) for _ in range(ndens[mu0])]

    def functions(mu0, block_elements):
        """a random selection of functions whose elements are exactly block_elements"""
        others = [e for e in ELEMENTS if e in block_elements]
        funcs = []
        per_rank = {1: 3, 2: 4, 3: 4, 4: 3, 5: 2}
        for rank in range(1, 6):
            combos = [c for c in itertools.combinations_with_replacement(others, rank)
                      if set(c) | {mu0} == set(block_elements)]
            if not combos:
                continue
            chosen = 0
            tries = 0
            while chosen < per_rank[rank] and tries < 200:
                tries += 1
                nb = list(rng.choice(combos))
                if rng.random() < 0.5:
                    rng.shuffle(nb)
                bonds = [bond_of(mu0, e) for e in nb]
                if len(block_elements) == 2:
                    # ML-PACE's reader checks a unary/binary block's functions against the block's
                    # own bond: every n <= its nradmaxi, every l <= its lmaxi (lint <= 2 lmaxi)
                    blk = bond_of(block_elements[0], block_elements[1])
                    bonds = [dict(b, nradmax=min(b["nradmax"], blk["nradmax"]), lmax=min(b["lmax"], blk["lmax"]))
                             for b in bonds]
                if rank == 1:
                    ns = [rng.randint(1, bonds[0]["nradbase"])]
                    ls, lint = [0], []
                else:
                    lim = [min(b["lmax"], 2 if rank <= 3 else 1) for b in bonds]
                    opts = ls_choices(rank, lim)
                    if not opts:
                        continue
                    ls, lint = rng.choice(opts)
                    ns = [rng.randint(1, min(b["nradmax"], 2 if rank > 3 else 3)) for b in bonds]
                key = (tuple(nb), tuple(ns), tuple(ls), tuple(lint))
                if any(f[0] == key for f in funcs):
                    continue
                funcs.append((key, coeffs(mu0, rank)))
                chosen += 1
        lines = []
        for (nb, ns, ls, lint), c in funcs:
            s = "      - {type: %s, nr: [%s], nl: [%s]" % (" ".join([mu0] + list(nb)), ", ".join(map(str, ns)),
                                                           ", ".join(map(str, ls)))
            if lint:
                s += ", lint: [%s]" % ", ".join(map(str, lint))
            s += ", c: [%s]}" % ", ".join(repr(v) for v in c)
            lines.append(s)
        return lines

    def bond_lines(key):
        b = BONDS[key]
        lines = ["    nradmaxi: %d" % b["nradmax"], "    lmaxi: %d" % b["lmax"],
                 "    nradbaseij: %d" % b["nradbase"], "    radbase: %s" % b["radbase"],
                 "    radparameters: [%r]" % b["lam"], "    rcutij: %r" % b["rcut"], "    dcutij: %r" % b["dcut"]]
        crad = [[[round(rng.gauss(0.0, 1.0) * (1.0 if k == n else 0.3), 12) for k in range(b["nradbase"])]
                 for l in range(b["lmax"] + 1)] for n in range(b["nradmax"])]
        lines.append("    radcoefficients: " + repr(crad))
        return lines, crad

    def core_lines(key):
        return ["    core-repulsion: [%r, %r]" % tuple(CORE[key]), "    inner_cutoff_type: distance",
                "    r_in: %r" % R_IN, "    delta_in: %r" % DELTA_IN]

    out = ["# Random three-element B-basis potential for aceuq's tests (tests/golden/multielement).",
           "# Made by make_potential.py --seed %d; not fitted to anything, not physics." % a.seed,
           "global: {DeltaSplineBins: 0.001}", "species:"]
    crad_written = {}
    for e in ELEMENTS:
        name, par = EMBEDDING[e]
        out += ["  - speciesblock: %s" % e, "    ndensityi: %d" % ndens[e], "    npoti: %s" % name,
                "    parameters: %r" % par, "    rho_core_cut: 100000", "    drho_core_cut: 250"]
        bl, crad_written[(e, e)] = bond_lines((e, e))
        out += bl + core_lines((e, e)) + ["    nbody:"] + functions(e, [e])
    for e1, e2 in itertools.permutations(ELEMENTS, 2):
        out.append("  - speciesblock: %s %s" % (e1, e2))
        if (e1, e2) in BONDS:
            bl, crad_written[(e1, e2)] = bond_lines((e1, e2))
            out += bl + core_lines((e1, e2))
        elif (e2, e1) in WRITTEN_TWICE:
            # the same bond written again in the dual block (must be identical): reuse the numbers
            b = BONDS[(e2, e1)]
            out += ["    nradmaxi: %d" % b["nradmax"], "    lmaxi: %d" % b["lmax"],
                    "    nradbaseij: %d" % b["nradbase"], "    radbase: %s" % b["radbase"],
                    "    radparameters: [%r]" % b["lam"], "    rcutij: %r" % b["rcut"], "    dcutij: %r" % b["dcut"],
                    "    radcoefficients: " + repr(crad_written[(e2, e1)])] + core_lines((e2, e1))
        out += ["    nbody:"] + functions(e1, [e1, e2])
    for e in ELEMENTS:
        rest = sorted(x for x in ELEMENTS if x != e)
        out += ["  - speciesblock: %s" % " ".join([e] + rest), "    nbody:"] + functions(e, ELEMENTS)
    with open(a.out, "w") as fh:
        fh.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
