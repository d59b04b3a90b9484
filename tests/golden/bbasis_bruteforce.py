#!/usr/bin/python3
"""Brute-force evaluation of a pacemaker B-basis potential (.yaml), written from the formulas.

usage: bbasis_bruteforce.py POT.yaml STRUCTURE.(xyz|json) [--frame N] [--forces fd|none]
                            [--fd-h 1e-5] [--fd-atoms 0,3,...] [--radial spline|exact] [--details]

Prints JSON: energy, energies (per atom), forces (central finite differences of the total
energy, F = -dE/dx, step --fd-h), plus with --details the per-atom densities rho_p, rho_core
and the values B_f of the functions of the atom's element in file order (block order, then
nbody order; "functions" lists their labels, element by element).

Independent of the project's C code (no shared tables, no C-tilde conversion): every basis
function of the file is evaluated on its own,

  A^{mu}_{n l m}(i) = sum_{j in mu, r_ij < rc(mu_i,mu)} R^{mu_i mu}_{n l}(r_ij) Y_{l m}(r^_ij)
  B_f(i)            = sum over ALL m-tuples (sum m = 0) of  gen_cg(ls, lint; ms) * prod_t A^{mu_t}_{n_t l_t m_t}
                      (rank 1: B_f = sum_{j in mu_1} g^{mu_i mu_1}_{n_1 - 1}(r_ij))
  rho_p(i)          = sum_{f of mu_i} c_{f,p} B_f(i)
  E_i               = F_{mu_i}(rho) * f_cut(rho_core) + rho_core          (density / distance)
                      F * f + rho_core * (1 - f), f from the nearest neighbour (zbl)

Conventions (those of ML-PACE, which defines the file format):
- species index = position in the sorted set of element symbols of all speciesblock keys;
- a neighbour j of atom i counts iff r_ij < rcut of the bond (mu_i, mu_j) (strict);
- complex spherical harmonics with Condon-Shortley phase, normalised to Y_00 = 1
  (sqrt(4 pi) times the orthonormal ones), computed here from the Legendre polynomial's
  derivatives (not a recursion): Y_lm = sqrt((2l+1)(l-m)!/(l+m)!) (-1)^m P_l^(m)(z) (x+iy)^m;
- generalised Clebsch-Gordan: product over ML-PACE's coupling tree (leaves paired (0,1),(2,3),..
  into intermediates L_1.., intermediates paired in FIFO order, an odd leftover leaf coupled
  last; root L = 0) of standard Condon-Shortley CG coefficients C(l_a m_a l_b m_b | L M),
  computed exactly (Racah's formula in rational arithmetic, one square root at the end);
  the full m-sum is used (no half basis); Im(B) must vanish and is reported;
- radial bases ChebExpCos, ChebPow, ChebLinear, SBessel (and TEST_*: zero), Chebyshev
  polynomials from numpy.polynomial; R_nl = sum_k crad[n][l][k] g_k; inner cutoff types
  density / distance / zbl; core repulsion c(r) summed into rho_core;
- ML-PACE evaluates g_k, R_nl and c(r) through cubic Hermite splines (knots every
  DeltaSplineBins up to the bond's rcut, values and derivatives of the analytic functions at
  the knots).  --radial spline (default) reproduces that interpolation by evaluating the
  analytic functions at the two knots that bracket r; --radial exact uses the analytic
  functions (energies then differ from ML-PACE by 1e-13..2e-12 relative on its reference data).
- embeddings FinnisSinclair and FinnisSinclairShiftedScaled, E0 = 0 (YAML files);
- file rules of ML-PACE's reader: a binary block without radial basis (or core repulsion) takes
  it from its dual block "B A"; a bond whose dual block does not exist stays one-sided (B atoms
  do not see A); the functions of a unary/binary block must fit that block's own radial basis
  (n <= nradmaxi, l <= lmaxi, lint <= 2 lmaxi, rank-1 n <= nradbaseij), otherwise the file is
  rejected; one inner_cutoff_type for all unary/binary blocks (absent: density).

Structure files: extended XYZ (Properties with species:S:1 and pos:R:3, optional Lattice and
pbc; Lattice given => periodic unless pbc says otherwise) or JSON
{"species": [...], "positions": [[x,y,z],...], "cell": [[..],[..],[..]] | null, "pbc": [b,b,b]}.
Slow by design (pure numpy); meant for small cells.  Needs numpy and PyYAML (/usr/bin/python3).
"""
import argparse
import json
import math
import re
import shlex
import sys
from fractions import Fraction
from functools import lru_cache

import numpy as np
import yaml

# --------------------------------------------------------------------------------------
# potential file


def _f(x):
    """float of a YAML scalar (PyYAML reads '1e-5' as a string)"""
    return float(x)


def _reshape_radcoefficients(raw, nradmax, lmax, nradbase):
    """crad[n][l][k]; a flat list is ML-PACE's old layout (k outermost, then n, then l)"""
    crad = np.zeros((nradmax, lmax + 1, nradbase))
    if nradmax == 0 or nradbase == 0:
        return crad
    if isinstance(raw, list) and raw and not isinstance(raw[0], list):
        flat = [_f(v) for v in raw]
        j = 0
        for k in range(nradbase):
            for n in range(nradmax):
                for l in range(lmax + 1):
                    crad[n, l, k] = flat[j]
                    j += 1
        return crad
    for n in range(nradmax):
        for l in range(lmax + 1):
            for k in range(nradbase):
                crad[n, l, k] = _f(raw[n][l][k])
    return crad


class Bond:
    """radial basis and core repulsion of one ordered pair (mu_i, mu_j)"""

    def __init__(self, blk):
        self.lmax = int(blk["lmaxi"])
        self.nradmax = int(blk["nradmaxi"])
        self.nradbase = int(blk["nradbaseij"])
        self.radbase = str(blk["radbase"])
        self.lam = _f(blk["radparameters"][0])
        self.rcut = _f(blk["rcutij"])
        self.dcut = _f(blk["dcutij"])
        self.crad = _reshape_radcoefficients(blk["radcoefficients"], self.nradmax, self.lmax, self.nradbase)
        self.r_in = _f(blk.get("r_in", 0.0))
        self.delta_in = _f(blk.get("delta_in", 0.0))
        self.prehc, self.lamhc = 0.0, 0.0
        self.Zi = self.Zj = 0

    def signature(self):
        return (self.lmax, self.nradmax, self.nradbase, self.radbase, self.lam, self.rcut, self.dcut,
                self.r_in, self.delta_in, self.crad.tobytes())


ELEMENTS = ("H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se "
            "Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb "
            "Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm "
            "Bk Cf Es Fm Md No Lr").split()


class Function:
    def __init__(self, mu0, mus, ns, ls, lint, coeff, label):
        self.mu0, self.mus, self.ns, self.ls, self.lint = mu0, mus, ns, ls, lint
        self.rank = len(mus)
        self.coeff = np.array(coeff, dtype=float)
        self.label = label


class Potential:
    def __init__(self, path):
        with open(path) as fh:
            doc = yaml.safe_load(fh)
        self.delta = _f(doc["global"]["DeltaSplineBins"])
        if not self.delta > 0:
            raise ValueError("DeltaSplineBins must be > 0")
        blocks = doc["species"]
        keys = [str(b["speciesblock"]).split() for b in blocks]
        self.elements = sorted({el for k in keys for el in k})
        idx = {el: i for i, el in enumerate(self.elements)}
        ne = len(self.elements)
        self.index = idx

        # embeddings (unary blocks)
        self.emb = {}
        for k, b in zip(keys, blocks):
            if len(set(k)) == 1:
                mu = idx[k[0]]
                if mu in self.emb:
                    raise ValueError("two unary blocks for %s" % k[0])
                P = int(b["ndensityi"])
                par = [_f(v) for v in b["parameters"]]
                if len(par) != 2 * P:
                    raise ValueError("parameters of %s: need 2*ndensityi values" % k[0])
                npoti = str(b["npoti"])
                if npoti not in ("FinnisSinclair", "FinnisSinclairShiftedScaled"):
                    raise ValueError("unknown npoti %s" % npoti)
                self.emb[mu] = dict(ndensity=P, npoti=npoti, w=par[0::2], m=par[1::2],
                                    rho_cut=_f(b.get("rho_core_cut", 100000.0)),
                                    drho_cut=_f(b.get("drho_core_cut", 250.0)))

        # bonds: from unary / binary blocks that define the radial basis; a binary block without
        # one takes it (and, if it has none itself, the core repulsion) from its dual block
        def pair_of(k):
            if len(set(k)) == 1:
                return (idx[k[0]], idx[k[0]])
            if len(set(k)) == 2:
                if len(k) != 2:
                    raise ValueError("binary block key %r must have two symbols" % " ".join(k))
                return (idx[k[0]], idx[k[1]])
            return None

        pair_blocks = {}
        for k, b in zip(keys, blocks):
            p = pair_of(k)
            if p is not None:
                if p in pair_blocks:
                    raise ValueError("two blocks for bond %r" % (k,))
                pair_blocks[p] = b
        radial_keys = ("nradmaxi", "nradbaseij", "radbase", "radparameters", "radcoefficients")
        self.bonds = {}
        inner_types = set()
        for p, b in pair_blocks.items():
            dual = pair_blocks.get((p[1], p[0]), b)
            src = b if "lmaxi" in b else (dual if "lmaxi" in dual else None)
            if src is None:
                if any(kk in b for kk in radial_keys):
                    raise ValueError("radial basis partially defined in a block")
                raise ValueError("no radial basis for bond %s-%s" % (self.elements[p[0]], self.elements[p[1]]))
            bond = Bond(src)
            # r_in / delta_in / inner_cutoff_type / core repulsion: own block, or the dual's
            # when only the dual defines the core repulsion
            crsrc = b if ("core-repulsion" in b or "core-repulsion" not in dual) else dual
            cr = crsrc.get("core-repulsion", [0.0, 0.0])
            bond.prehc, bond.lamhc = _f(cr[0]), _f(cr[1])
            bond.r_in = _f(crsrc.get("r_in", 0.0))
            bond.delta_in = _f(crsrc.get("delta_in", 0.0))
            inner_types.add(str(crsrc.get("inner_cutoff_type", "density")))
            if "lmaxi" in b and "lmaxi" in dual and dual is not b:
                if Bond(b).signature()[:7] != Bond(dual).signature()[:7] or \
                        not np.array_equal(Bond(b).crad, Bond(dual).crad):
                    raise ValueError("bond %s-%s: the two blocks disagree" % (self.elements[p[0]], self.elements[p[1]]))
            bond.Zi = ELEMENTS.index(self.elements[p[0]]) + 1 if self.elements[p[0]] in ELEMENTS else 0
            bond.Zj = ELEMENTS.index(self.elements[p[1]]) + 1 if self.elements[p[1]] in ELEMENTS else 0
            self.bonds[p] = bond
        # a bond written only as "A B" with no "B A" block at all stays one-sided, as in ML-PACE
        # (its reader copies a bond only into an existing dual block): B atoms then do not see A
        # neighbours (ML-PACE: cut(B, A) keeps its default 1 A, prehc 0), and a function of B
        # with an A neighbour cannot exist (it would have to be in a "B A" block)
        if len(inner_types) > 1:
            raise ValueError("inner_cutoff_type differs between blocks: %s" % sorted(inner_types))
        self.inner = inner_types.pop() if inner_types else "density"
        if self.inner not in ("density", "distance", "zbl"):
            raise ValueError("unknown inner_cutoff_type %s" % self.inner)
        if self.inner == "zbl":
            for (a, c), bond in self.bonds.items():
                if not (bond.Zi and bond.Zj):
                    raise ValueError("zbl needs real element symbols")
        self.lmax = max(b.lmax for b in self.bonds.values())
        self.nradmax = max(b.nradmax for b in self.bonds.values())
        self.nradbase = max(b.nradbase for b in self.bonds.values())
        self.cutmax = max(b.rcut for b in self.bonds.values())

        # basis functions, in file order
        self.functions = {mu: [] for mu in range(ne)}
        self.file_order = []
        for k, b in zip(keys, blocks):
            mu0 = idx[k[0]]
            for fs in b.get("nbody", []) or []:
                if fs.get("skip", False):
                    continue
                t = str(fs["type"]).split()
                if t[0] != k[0]:
                    raise ValueError("function %s in block %s" % (fs["type"], " ".join(k)))
                mus = [idx[e] for e in t[1:]]
                rank = len(mus)
                ns = [int(v) for v in fs["nr"]]
                ls = [int(v) for v in fs["nl"]]
                lint = [int(v) for v in fs.get("lint", [])] if rank > 2 else []
                c = fs["c"]
                c = [_f(v) for v in c] if isinstance(c, list) else [_f(c)]
                if mu0 not in self.emb:
                    raise ValueError("no embedding for %s" % k[0])
                if len(c) != self.emb[mu0]["ndensity"]:
                    raise ValueError("function %s: %d coefficients, ndensity %d" % (fs["type"], len(c), self.emb[mu0]["ndensity"]))
                ls, lint = _expand_ls_lint(rank, ls, lint)
                _validate(rank, ns, ls, lint)
                p = pair_of(k)
                if p is not None:
                    # ML-PACE's reader checks the functions of a unary / binary block against that
                    # block's own bond (not the bond of each leaf): rank 1 n <= nradbaseij, rank > 1
                    # every n <= nradmaxi, every l <= lmaxi, every lint <= 2 lmaxi; files that fail
                    # are rejected there, so they have no defined value
                    blk = self.bonds[p]
                    if (rank == 1 and max(ns) > blk.nradbase) or (rank > 1 and max(ns) > blk.nradmax) or \
                            max(ls) > blk.lmax or (lint and max(lint) > 2 * blk.lmax):
                        raise ValueError("function %s nr=%s nl=%s lint=%s exceeds the radial basis of its block %s "
                                         "(ML-PACE rejects the file)" % (fs["type"], ns, ls, lint, " ".join(k)))
                for t_, mu in enumerate(mus):
                    bond = self.bonds.get((mu0, mu))
                    if bond is None:
                        raise ValueError("function %s: no bond %s-%s" % (fs["type"], k[0], self.elements[mu]))
                    if rank == 1 and ns[t_] > bond.nradbase:
                        raise ValueError("function %s: n > nradbaseij of its bond" % fs["type"])
                    if rank > 1 and ns[t_] > bond.nradmax:
                        raise ValueError("function %s: n > nradmaxi of its bond" % fs["type"])
                    if ls[t_] > bond.lmax:
                        raise ValueError("function %s: l > lmaxi of its bond" % fs["type"])
                label = "%s nr=%s nl=%s lint=%s" % (fs["type"], ns, ls, lint)
                fn = Function(mu0, mus, ns, ls, lint, c, label)
                self.functions[mu0].append(fn)
                self.file_order.append(fn)
        self._prepare()

    # flat A index: ((mu * nradmax + n) * (lmax+1)^2 + l*l + l + m); the last entry is 1
    def a_index(self, mu, n, l, m):
        L2 = (self.lmax + 1) ** 2
        return (mu * self.nradmax + n) * L2 + l * l + l + m

    def _prepare(self):
        ne = len(self.elements)
        self.a_size = ne * self.nradmax * (self.lmax + 1) ** 2
        self.groups = {}
        for mu0, funcs in self.functions.items():
            r1_mu, r1_n, r1_f = [], [], []
            idx_rows, cg, fid = [], [], []
            rankmax = max([f.rank for f in funcs] + [1])
            for fi, f in enumerate(funcs):
                if f.rank == 1:
                    r1_mu.append(f.mus[0]); r1_n.append(f.ns[0] - 1); r1_f.append(fi)
                    continue
                for ms, c in gen_cg_list(tuple(f.ls), tuple(f.lint)):
                    row = [self.a_index(f.mus[t], f.ns[t] - 1, f.ls[t], ms[t]) for t in range(f.rank)]
                    row += [self.a_size] * (rankmax - f.rank)
                    idx_rows.append(row); cg.append(c); fid.append(fi)
            self.groups[mu0] = dict(
                nf=len(funcs),
                coeff=np.array([f.coeff for f in funcs]).reshape(len(funcs), -1) if funcs else np.zeros((0, 1)),
                r1=(np.array(r1_mu, int), np.array(r1_n, int), np.array(r1_f, int)),
                idx=np.array(idx_rows, int).reshape(-1, rankmax), cg=np.array(cg, float), fid=np.array(fid, int))


def _expand_ls_lint(rank, ls, lint):
    ls, lint = list(ls), list(lint)
    if rank == 1 and not ls:
        ls = [0]
    elif rank == 2 and len(ls) == 1:
        ls = ls * 2
    elif rank == 3 and not lint and len(ls) == 3:
        lint = [ls[2]]
    elif rank == 4 and len(lint) == 1:
        lint = lint * 2
    elif rank == 5 and len(lint) == 2 and len(ls) == 5:
        lint = lint + [ls[4]]
    elif rank == 6 and len(lint) == 3 and len(ls) == 6:
        lint = lint + [lint[-1]]
    return ls, lint


def _validate(rank, ns, ls, lint):
    if len(ns) != rank or len(ls) != rank:
        raise ValueError("nr/nl length != rank")
    if rank <= 2 and lint:
        raise ValueError("lint given for rank <= 2")
    if rank > 2 and len(lint) != rank - 2:
        raise ValueError("lint needs rank-2 entries")
    if rank == 1 and ls[0] != 0:
        raise ValueError("rank 1 needs nl = [0]")
    if rank == 2 and ls[0] != ls[1]:
        raise ValueError("rank 2 needs l1 = l2")
    if sum(ls) % 2:
        raise ValueError("sum of nl must be even")
    if min(ns) < 1:
        raise ValueError("nr are 1-based")


# --------------------------------------------------------------------------------------
# Clebsch-Gordan coefficients and the coupling tree


@lru_cache(maxsize=None)
def cg_squared_signed(j1, m1, j2, m2, J, M):
    """C(j1 m1 j2 m2 | J M) as (sign, C^2 as a Fraction), Racah's formula (integer j)"""
    if m1 + m2 != M or abs(m1) > j1 or abs(m2) > j2 or abs(M) > J or J < abs(j1 - j2) or J > j1 + j2:
        return 0, Fraction(0)
    fa = math.factorial
    pre = Fraction((2 * J + 1) * fa(J + j1 - j2) * fa(J - j1 + j2) * fa(j1 + j2 - J), fa(j1 + j2 + J + 1))
    pre *= fa(J + M) * fa(J - M) * fa(j1 - m1) * fa(j1 + m1) * fa(j2 - m2) * fa(j2 + m2)
    s = Fraction(0)
    for k in range(0, j1 + j2 - J + 1):
        d = [k, j1 + j2 - J - k, j1 - m1 - k, j2 + m2 - k, J - j2 + m1 + k, J - j1 - m2 + k]
        if min(d) < 0:
            continue
        den = 1
        for x in d:
            den *= fa(x)
        s += Fraction((-1) ** k, den)
    if s == 0:
        return 0, Fraction(0)
    return (1 if s > 0 else -1), pre * s * s


def coupling_tree(rank):
    """list of nodes (a, b, parent): leaves 0..rank-1, intermediates rank..2rank-3, root = -1"""
    if rank < 2:
        return []
    leaves = list(range(rank))
    inter = list(range(rank, 2 * rank - 2))
    nodes, queue = [], []
    for _ in range(rank // 2):
        a, b = leaves.pop(0), leaves.pop(0)
        p = inter.pop(0) if inter else -1
        nodes.append((a, b, p)); queue.append(p)
    p = queue[-1] if queue else -1
    while len(queue) > 1 and p != -1:
        a, b = queue.pop(0), queue.pop(0)
        p = inter.pop(0) if inter else -1
        nodes.append((a, b, p)); queue.append(p)
    if p != -1:
        a, b = queue.pop(0), leaves.pop(0)
        nodes.append((a, b, -1))
    assert len(nodes) == rank - 1 and not inter and not leaves
    return nodes


@lru_cache(maxsize=None)
def gen_cg_list(ls, lint):
    """all (ms, generalised CG) with sum(ms) = 0 and a non-zero coefficient"""
    rank = len(ls)
    nodes = coupling_tree(rank)
    Ls = list(ls) + list(lint) + [0]
    root = 2 * rank - 2
    out = []

    def rec(t, ms):
        if t == rank:
            if sum(ms) != 0:
                return
            M = list(ms) + [0] * (rank - 1)
            sign, sq = 1, Fraction(1)
            for a, b, p in nodes:
                p = root if p == -1 else p
                M[p] = M[a] + M[b]
                s, q = cg_squared_signed(Ls[a], M[a], Ls[b], M[b], Ls[p], M[p])
                if s == 0:
                    return
                sign *= s; sq *= q
            out.append((tuple(ms), sign * math.sqrt(sq)))
            return
        for m in range(-ls[t], ls[t] + 1):
            rec(t + 1, ms + [m])

    rec(0, [])
    return tuple(out)


# --------------------------------------------------------------------------------------
# spherical harmonics


@lru_cache(maxsize=None)
def _legendre_derivative_coeffs(l, m):
    """power-series coefficients (lowest first) of d^m/dz^m P_l(z)"""
    c = [Fraction(0)] * (l + 1)
    for k in range(l // 2 + 1):   # P_l = 2^-l sum_k (-1)^k C(l,k) C(2l-2k,l) z^(l-2k)
        c[l - 2 * k] += Fraction((-1) ** k * math.comb(l, k) * math.comb(2 * l - 2 * k, l), 2 ** l)
    for _ in range(m):
        c = [c[i] * i for i in range(1, len(c))] or [Fraction(0)]
    return tuple(float(v) for v in c)


def ylm(rhat, lmax):
    """Y[j, l*l + l + m] for m = -l..l (Y_00 = 1, Condon-Shortley)"""
    x, y, z = rhat[:, 0], rhat[:, 1], rhat[:, 2]
    xy = x + 1j * y
    out = np.zeros((len(rhat), (lmax + 1) ** 2), dtype=complex)
    for l in range(lmax + 1):
        for m in range(l + 1):
            norm = math.sqrt((2 * l + 1) * math.factorial(l - m) / math.factorial(l + m))
            poly = np.polynomial.polynomial.polyval(z, _legendre_derivative_coeffs(l, m))
            v = norm * (-1) ** m * poly * xy ** m
            out[:, l * l + l + m] = v
            if m:
                out[:, l * l + l - m] = (-1) ** m * np.conj(v)
    return out


# --------------------------------------------------------------------------------------
# radial functions


def poly_switch(r, r_in, delta):
    """P(r; r_in, delta): 1 below r_in - delta, 0 above r_in, quintic in between; and dP/dr"""
    r = np.asarray(r, float)
    p = np.where(r <= r_in - delta, 1.0, 0.0)
    dp = np.zeros_like(r)
    mid = (r > r_in - delta) & (r < r_in)
    if np.any(mid):
        x = 1.0 - 2.0 * (1.0 + (r[mid] - r_in) / delta)
        p[mid] = 0.5 + 7.5 / 2.0 * (x / 4.0 - x ** 3 / 6.0 + x ** 5 / 20.0)
        dp[mid] = -7.5 / delta * (0.25 - x * x / 2.0 + x ** 4 / 4.0)
    return p, dp


def _cheb(x, kmax):
    """T_k(x) and T_k'(x), k = 0..kmax, rows = points"""
    T = np.zeros((len(x), kmax + 1)); dT = np.zeros((len(x), kmax + 1))
    for k in range(kmax + 1):
        e = np.zeros(k + 1); e[k] = 1.0
        T[:, k] = np.polynomial.chebyshev.chebval(x, e)
        dT[:, k] = np.polynomial.chebyshev.chebval(x, np.polynomial.chebyshev.chebder(e)) if k else 0.0
    return T, dT


def radial_basis_exact(bond, inner, r, K):
    """g_k(r), g_k'(r), k = 0..K-1 (K = the potential's global nradbase)"""
    r = np.asarray(r, float)
    g = np.zeros((len(r), K)); dg = np.zeros((len(r), K))
    rc, lam = bond.rcut, bond.lam
    r_in, d_in = bond.r_in, bond.delta_in
    if inner == "zbl":
        r_in = 1.0 if d_in == 0 else 0.0   # ML-PACE resets the basis' inner cutoff for zbl
    ok = (r > r_in - d_in) & (r < rc)
    if not np.any(ok) or K == 0:
        return g, dg
    rr = r[ok]
    name = bond.radbase
    if name == "ChebExpCos":
        y1 = np.exp(-lam * rr / rc); y2 = math.exp(-lam)
        x = 1.0 - 2.0 * (y1 - y2) / (1.0 - y2)
        dx = 2.0 * (lam / rc) * y1 / (1.0 - y2)
        T, dT = _cheb(x, K)
        G = 0.5 - 0.5 * T[:, :K]; dG = -0.5 * dT[:, :K] * dx[:, None]
        G[:, 0] = 1.0; dG[:, 0] = 0.0
        env = 0.5 * (1.0 + np.cos(math.pi * rr / rc)); denv = -0.5 * np.sin(math.pi * rr / rc) * math.pi / rc
        dG = dG * env[:, None] + G * denv[:, None]; G = G * env[:, None]
        rt = rc - bond.dcut
        tap = rr > rt
        if np.any(tap):
            fc = 0.5 * (1.0 + np.cos(math.pi * (rr[tap] - rt) / bond.dcut))
            dfc = -0.5 * np.sin(math.pi * (rr[tap] - rt) / bond.dcut) * math.pi / bond.dcut
            dG[tap] = dG[tap] * fc[:, None] + G[tap] * dfc[:, None]; G[tap] = G[tap] * fc[:, None]
    elif name in ("ChebPow", "ChebLinear"):
        if name == "ChebPow":
            t = 1.0 - rr / rc
            y = t ** lam
            x = 1.0 - 2.0 * y
            dx = 2.0 * lam / rc * t ** (lam - 1.0)
        else:
            x = 1.0 - rr / rc
            dx = np.full_like(rr, -1.0 / rc)
        T, dT = _cheb(x, K + 1)
        G = 0.5 - 0.5 * T[:, 1:K + 1]; dG = -0.5 * dT[:, 1:K + 1] * dx[:, None]
    elif name in ("SBessel", "TEST_SBessel"):
        G = np.zeros((len(rr), K)); dG = np.zeros((len(rr), K))

        def fn(n):
            a, b = n + 1.0, n + 2.0
            pre = (-1.0) ** n * math.sqrt(2.0) * math.pi / rc ** 1.5 * a * b / math.sqrt(a * a + b * b)
            ka, kb = a * math.pi / rc, b * math.pi / rc
            xa, xb = rr * ka, rr * kb
            f = pre * (np.sin(xa) / xa + np.sin(xb) / xb)
            df = pre * ((np.cos(xa) * xa - np.sin(xa)) / xa ** 2 * ka + (np.cos(xb) * xb - np.sin(xb)) / xb ** 2 * kb)
            return f, df
        G[:, 0], dG[:, 0] = fn(0)
        dprev = 1.0
        for n in range(1, K):
            e = n * n * (n + 2.0) ** 2 / (4.0 * (n + 1.0) ** 4 + 1.0)
            d = 1.0 - e / dprev
            f, df = fn(n)
            G[:, n] = (f + math.sqrt(e / dprev) * G[:, n - 1]) / math.sqrt(d)
            dG[:, n] = (df + math.sqrt(e / dprev) * dG[:, n - 1]) / math.sqrt(d)
            dprev = d
    elif name.startswith("TEST_"):
        G = np.zeros((len(rr), K)); dG = np.zeros((len(rr), K))
    else:
        raise ValueError("unknown radial basis %s" % name)
    if inner in ("distance", "zbl"):
        p, dp = poly_switch(rr, r_in, d_in)
        fc, dfc = 1.0 - p, -dp
        dG = dG * fc[:, None] + G * dfc[:, None]; G = G * fc[:, None]
    g[ok] = G; dg[ok] = dG
    return g, dg


def _zbl_E(r, a):
    c = (0.18175, 0.50986, 0.28022, 0.02817); b = (-3.19980, -0.94229, -0.40290, -0.20162)
    x = r / a
    phi = sum(ci * np.exp(bi * x) for ci, bi in zip(c, b))
    dphi = sum(ci * bi * np.exp(bi * x) for ci, bi in zip(c, b)) / a
    d2phi = sum(ci * bi * bi * np.exp(bi * x) for ci, bi in zip(c, b)) / (a * a)
    E = phi / r
    dE = -phi / r ** 2 + dphi / r
    d2E = 2 * phi / r ** 3 - 2 * dphi / r ** 2 + d2phi / r
    return E, dE, d2E


def core_exact(bond, inner, r):
    """c(r), c'(r) of the core repulsion"""
    r = np.asarray(r, float)
    c = np.zeros_like(r); dc = np.zeros_like(r)
    if inner in ("density", "distance"):
        pre, lam = abs(bond.prehc), abs(bond.lamhc)
        lr2 = lam * r * r
        ok = (lr2 < 50.0) & (r > 0)
        y = np.exp(-lr2[ok]); rr = r[ok]
        cr = pre * y / rr
        dcr = -pre * y * (2.0 * lr2[ok] + 1.0) / rr ** 2
        env = 0.5 * (1.0 + np.cos(math.pi * rr / bond.rcut))
        denv = -0.5 * np.sin(math.pi * rr / bond.rcut) * math.pi / bond.rcut
        c[ok] = cr * env; dc[ok] = dcr * env + cr * denv
        if inner == "distance":
            p, dp = poly_switch(r, bond.r_in, bond.delta_in)
            dc = dc * p + c * dp; c = c * p
    else:  # zbl between rc - dcut and rc
        Zi, Zj = bond.Zi, bond.Zj
        a = 0.46850 / (Zi ** 0.23 + Zj ** 0.23)
        K = 14.399645351950543
        r2, r1 = bond.rcut, bond.rcut - bond.dcut
        ok = r < r2
        rr = r[ok]
        E, dE, _ = _zbl_E(rr, a)
        Ec, dEc, d2Ec = _zbl_E(np.array([r2]), a)
        Ec, dEc, d2Ec = Ec[0], dEc[0], d2Ec[0]
        D = r2 - r1
        A = (-3 * dEc + D * d2Ec) / D ** 2
        B = (2 * dEc - D * d2Ec) / D ** 3
        C = -Ec + 0.5 * D * dEc - D * D * d2Ec / 12.0
        S = np.where(rr <= r1, C, A / 3 * (rr - r1) ** 3 + B / 4 * (rr - r1) ** 4 + C)
        dS = np.where((rr > r1), A * (rr - r1) ** 2 + B * (rr - r1) ** 3, 0.0)
        cr = bond.prehc * K / 2 * Zi * Zj * (E + S)
        dcr = bond.prehc * K / 2 * Zi * Zj * (dE + dS)
        p, dp = poly_switch(rr, r2, D)
        c[ok] = cr * p; dc[ok] = dcr * p + cr * dp
    return c, dc


class Radial:
    """g_k, R_nl and c(r) of every bond, spline-interpolated as ML-PACE does (or exact)"""

    def __init__(self, pot, mode):
        self.pot, self.mode = pot, mode

    def _analytic(self, bond, r):
        K = self.pot.nradbase
        g, dg = radial_basis_exact(bond, self.pot.inner, r, K)
        R = np.einsum("nlk,jk->jnl", bond.crad, g[:, :bond.nradbase])
        dR = np.einsum("nlk,jk->jnl", bond.crad, dg[:, :bond.nradbase])
        c, dc = core_exact(bond, self.pot.inner, r)
        return g, dg, R, dR, c, dc

    def evaluate(self, bond, r):
        """(g[j,k], R[j,n,l], c[j]) at distances r (all < bond.rcut)"""
        if self.mode == "exact":
            g, _, R, _, c, _ = self._analytic(bond, r)
            return g, R, c
        nlut = int(bond.rcut / self.pot.delta)
        s = float(nlut) / bond.rcut
        h = 1.0 / s
        x = r * s
        n = np.floor(x).astype(int)
        if np.any(n <= 0):
            raise ValueError("Encountered very small distance (r < rcut/nlut)")
        inside = n < nlut
        w = x - n
        f0 = self._analytic(bond, h * n.astype(float))
        f1 = self._analytic(bond, h * (n + 1).astype(float))
        out = []
        for (v0, d0, v1, d1) in ((f0[0], f0[1], f1[0], f1[1]), (f0[2], f0[3], f1[2], f1[3]), (f0[4], f0[5], f1[4], f1[5])):
            shape = (-1,) + (1,) * (v0.ndim - 1)
            ww = w.reshape(shape)
            d0h, d1h = d0 * h, d1 * h
            c2 = 3.0 * (v1 - v0) - d1h - 2.0 * d0h
            c3 = -2.0 * (v1 - v0) + d1h + d0h
            val = v0 + d0h * ww + c2 * ww ** 2 + c3 * ww ** 3
            val = val * inside.reshape(shape)
            out.append(val)
        return out[0], out[1], out[2]


# --------------------------------------------------------------------------------------
# embedding


def embedding(emb, rho):
    F = 0.0
    for p in range(emb["ndensity"]):
        w, m, x = emb["w"][p], emb["m"][p], rho[p]
        if emb["npoti"] == "FinnisSinclair":
            W = 1.0e6
            lam = (1.0 / W) ** (m - 1.0)
            if abs(x) > 1e-10:
                a = abs(x)
                w3 = (W * a) ** 3
                g = 0.0 if w3 > 30.0 else math.exp(-w3)
                phi = math.copysign(1.0, x) * ((1.0 - g) * a ** m + lam * g * a)
            else:
                phi = lam * x
        else:
            if abs(m - 1.0) < 1e-10:
                phi = x
            else:
                a = abs(x)
                nu = 1.0 / m
                xoff = nu ** (nu / (1.0 - nu)) * math.exp(-a)
                yoff = nu ** (1.0 / (1.0 - nu)) * math.exp(-a)
                phi = math.copysign(1.0, x) * ((xoff + a) ** m - yoff)
        F += w * phi
    return F


# --------------------------------------------------------------------------------------
# structures and neighbours


def read_structure(path, frame=0):
    if path.endswith(".json"):
        with open(path) as fh:
            d = json.load(fh)
        cell = d.get("cell")
        pbc = d.get("pbc", [cell is not None] * 3)
        return list(d["species"]), np.array(d["positions"], float), (np.array(cell, float) if cell else None), [bool(b) for b in pbc]
    with open(path) as fh:
        lines = fh.read().splitlines()
    pos = 0
    for _ in range(frame):
        pos += int(lines[pos].split()[0]) + 2
    nat = int(lines[pos].split()[0])
    header = lines[pos + 1]
    kv = {}
    for tok in shlex.split(header):
        if "=" in tok:
            k, v = tok.split("=", 1)
            kv[k.strip().lower()] = v
    props = kv.get("properties", "species:S:1:pos:R:3").split(":")
    cols, c = {}, 0
    for i in range(0, len(props), 3):
        name, n = props[i].lower(), int(props[i + 2])
        cols[name] = (c, n); c += n
    cs, _ = cols["species"]; cp, _ = cols["pos"]
    species, X = [], []
    for line in lines[pos + 2:pos + 2 + nat]:
        t = line.split()
        species.append(t[cs]); X.append([float(v) for v in t[cp:cp + 3]])
    cell = None
    if "lattice" in kv:
        cell = np.array([float(v) for v in kv["lattice"].split()]).reshape(3, 3)
    if "pbc" in kv:
        pbc = [v.upper() in ("T", "TRUE", "1") for v in kv["pbc"].split()]
    else:
        pbc = [cell is not None] * 3
    return species, np.array(X), cell, pbc


def image_shifts(cell, pbc, X, rcut):
    if cell is None or not any(pbc):
        return np.zeros((1, 3))
    inv = np.linalg.inv(cell)          # rows of cell = lattice vectors; frac = X @ inv
    frac = X @ inv
    ranges = []
    for k in range(3):
        if not pbc[k]:
            ranges.append([0]); continue
        d = 1.0 / np.linalg.norm(inv[:, k])   # distance between lattice planes k
        span = frac[:, k].max() - frac[:, k].min()
        nk = int(math.ceil(rcut / d + span)) + 1
        ranges.append(range(-nk, nk + 1))
    sh = np.array([[a, b, c] for a in ranges[0] for b in ranges[1] for c in ranges[2]], float)
    return sh @ cell


# --------------------------------------------------------------------------------------
# evaluation


class Evaluator:
    def __init__(self, pot, radial_mode="spline"):
        self.pot = pot
        self.radial = Radial(pot, radial_mode)
        self.max_imag = 0.0

    def energies(self, species, X, cell, pbc, shifts=None, details=False):
        pot = self.pot
        mu = np.array([pot.index[s] for s in species])
        if shifts is None:
            shifts = image_shifts(cell, pbc, X, pot.cutmax)
        N = len(X)
        E = np.zeros(N)
        info = []
        jmu_all = np.tile(mu, len(shifts))
        L2 = (pot.lmax + 1) ** 2
        for i in range(N):
            D = (X[None, :, :] + shifts[:, None, :] - X[i][None, None, :]).reshape(-1, 3)
            r = np.linalg.norm(D, axis=1)
            mui = mu[i]
            A = np.zeros(pot.a_size + 1, dtype=complex)
            A[pot.a_size] = 1.0
            A1 = np.zeros((len(pot.elements), pot.nradbase))
            rho_core = 0.0
            dmin, jmin_mu = pot.cutmax, None
            for muj in range(len(pot.elements)):
                bond = pot.bonds.get((mui, muj))
                if bond is None:
                    continue
                sel = (jmu_all == muj) & (r < bond.rcut) & (r > 0)
                if not np.any(sel):
                    continue
                rr = r[sel]
                rhat = D[sel] / rr[:, None]
                g, R, c = self.radial.evaluate(bond, rr)
                A1[muj, :] += g.sum(axis=0)
                rho_core += c.sum()
                if bond.nradmax and bond.lmax >= 0:
                    Y = ylm(rhat, bond.lmax)
                    for n in range(bond.nradmax):
                        for l in range(bond.lmax + 1):
                            v = (R[:, n, l][:, None] * Y[:, l * l:(l + 1) ** 2]).sum(axis=0)
                            base = (muj * pot.nradmax + n) * L2 + l * l
                            A[base:base + 2 * l + 1] += v
                if pot.inner == "zbl":
                    d = rr - (bond.r_in - bond.delta_in)
                    k = int(np.argmin(d))
                    if d[k] < dmin:
                        dmin, jmin_mu = d[k], muj
            grp = pot.groups[mui]
            B = np.zeros(grp["nf"])
            r1_mu, r1_n, r1_f = grp["r1"]
            if len(r1_f):
                B[r1_f] = A1[r1_mu, r1_n]
            if len(grp["cg"]):
                prod = A[grp["idx"]].prod(axis=1) * grp["cg"]
                Bre = np.bincount(grp["fid"], weights=prod.real, minlength=grp["nf"])
                Bim = np.bincount(grp["fid"], weights=prod.imag, minlength=grp["nf"])
                hi = np.bincount(grp["fid"], weights=np.abs(prod), minlength=grp["nf"])
                mask = np.bincount(grp["fid"], minlength=grp["nf"]) > 0
                B[mask] = Bre[mask]
                if np.any(hi > 0):
                    self.max_imag = max(self.max_imag, float(np.max(np.abs(Bim) / np.maximum(hi, 1e-300))))
            emb = pot.emb[mui]
            rho = grp["coeff"].T @ B if grp["nf"] else np.zeros(emb["ndensity"])
            F = embedding(emb, rho)
            if pot.inner == "zbl":
                if jmin_mu is None:
                    f = 1.0
                else:
                    dcin = pot.bonds[(mui, jmin_mu)].delta_in
                    f = float(poly_switch(np.array([dcin - dmin]), dcin, dcin)[0][0])
                E[i] = F * f + rho_core * (1.0 - f)
            else:
                rc_, drc = emb["rho_cut"], emb["drho_cut"]
                if rho_core >= rc_:
                    fcut = 0.0
                elif rho_core <= rc_ - drc:
                    fcut = 1.0
                else:
                    fcut = float(poly_switch(np.array([rho_core]), rc_, drc)[0][0])
                E[i] = F * fcut + rho_core
            if details:
                info.append(dict(rho=[float(v) for v in rho], rho_core=rho_core, B=[float(v) for v in B]))
        return E, info


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("potential")
    ap.add_argument("structure")
    ap.add_argument("--frame", type=int, default=0)
    ap.add_argument("--forces", choices=("fd", "none"), default="fd")
    ap.add_argument("--fd-h", type=float, default=1e-5)
    ap.add_argument("--fd-atoms", default="", help="comma-separated atom indices (default: all)")
    ap.add_argument("--radial", choices=("spline", "exact"), default="spline")
    ap.add_argument("--details", action="store_true")
    a = ap.parse_args(argv)
    pot = Potential(a.potential)
    species, X, cell, pbc = read_structure(a.structure, a.frame)
    for s in species:
        if s not in pot.index:
            raise SystemExit("element %s is not in the potential (%s)" % (s, " ".join(pot.elements)))
    ev = Evaluator(pot, a.radial)
    # image shifts fixed for the whole run (displacements of 1e-5 A do not need new images)
    shifts = image_shifts(cell, pbc, X, pot.cutmax + 0.1)
    E, info = ev.energies(species, X, cell, pbc, shifts, details=a.details)
    out = dict(potential=a.potential, structure=a.structure, frame=a.frame, natoms=len(X), species=species,
               elements=pot.elements, radial=a.radial, energy=float(E.sum()), energies=[float(v) for v in E])
    if a.forces == "fd":
        atoms = [int(v) for v in a.fd_atoms.split(",")] if a.fd_atoms else list(range(len(X)))
        Fo = [[None] * 3 for _ in range(len(X))]
        h = a.fd_h
        for k in atoms:
            for d in range(3):
                Xp = X.copy(); Xp[k, d] += h
                Xm = X.copy(); Xm[k, d] -= h
                ep = ev.energies(species, Xp, cell, pbc, shifts)[0].sum()
                em = ev.energies(species, Xm, cell, pbc, shifts)[0].sum()
                Fo[k][d] = -(ep - em) / (2.0 * h)
        out["forces"] = Fo
        out["fd_h"] = h
        out["fd_atoms"] = atoms
    out["max_rel_imag_B"] = ev.max_imag
    if a.details:
        out["atoms"] = info
        out["functions"] = [f.label for mu in range(len(pot.elements)) for f in pot.functions[mu]]
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
