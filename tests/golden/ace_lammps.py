#!/usr/bin/env python3
"""LAMMPS golden test of pair_style ace/uq against the ML-PACE reference data.

Each configuration is written as a LAMMPS data file by `aceuq lammps-data`
(the reference cells are already in LAMMPS form, so nothing is rotated), run
with `run 0` on NP ranks, and per-atom energies (compute pe/atom), forces,
total energy and virial (compute pressure ... virial, W = P V / nktv2p) are
compared with the reference with the tolerances of ace_eval.py.  The per-atom
virial (compute stress/atom) must sum to the global virial (1e-10 relative).
With SET split (configurations of `ref`), every odd-ID atom of type 1 gets an
extra atom type mapped to the same element: results must not change.
For ref, ref_nonlinear and split the potential's active set is loaded
(pair_coeff * * pot.yaml pot.asi ...; grade_every 1) and the per-atom gamma of
compute uq/grade (dump) and its max (thermo) are compared with the reference
(1e-11 x gamma_roundoff_scale, as in ace_eval.py).

usage: ace_lammps.py LMP ACEUQ SHARED_DIR NP SET [NAME ...]
       (SET: ref | ref_nonlinear | ref_variants | yace | split)
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ace_eval import ASI, cases, compare  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lammps"))
from lmp_command import lmp_command  # noqa: E402

NKTV2P_METAL = 1.6021765e6


def run_lammps(lmp, aceuq, np_, pot, xyz, scratch, split=False, asi=None):
    data = os.path.join(scratch, "config.data")
    subprocess.run([aceuq, "lammps-data", xyz, data], check=True)
    header = open(data).readline()
    boundary = header.split("boundary ")[1].split(";")[0]
    elements = [t.split("=")[1] for t in header.split("types:")[1].split()]
    split_cmds = ""
    if split:
        split_cmds = "group odd id 1:100000:2\ngroup odd1 intersect odd t1\nset group odd1 type %d\n" % (len(elements) + 1)
        elements.append(elements[0])
    dump = os.path.join(scratch, "atoms.dump")
    inp = os.path.join(scratch, "in.ace")
    with open(inp, "w") as f:
        f.write(f"""plugin load aceuqplugin.so
units metal
boundary {boundary}
atom_modify map array
read_data {data} extra/atom/types {1 if split else 0}
group t1 type 1
{split_cmds}mass * 1.0
pair_style ace/uq{" grade_every 1" if asi else ""}
pair_coeff * * {pot} {asi or ""} {' '.join(elements)}
compute pea all pe/atom
{"compute g all uq/grade" if asi else "variable g atom 0.0"}
compute vir all pressure NULL virial
compute sa all stress/atom NULL virial
compute ssum all reduce sum c_sa[1] c_sa[2] c_sa[3] c_sa[4] c_sa[5] c_sa[6]
thermo_style custom step pe vol c_vir[1] c_vir[2] c_vir[3] c_vir[4] c_vir[5] c_vir[6] c_ssum[1] c_ssum[2] c_ssum[3] c_ssum[4] c_ssum[5] c_ssum[6] {"c_g c_g[2] c_g[3] c_g[4]" if asi else "pe"}
thermo_modify format float %.17g
dump d all custom 1 {dump} id fx fy fz c_pea {"c_g" if asi else "v_g"}
dump_modify d format float %.17g sort id
run 0
""")
    res = subprocess.run(lmp_command(lmp, inp, np_), cwd=scratch, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError("LAMMPS failed: " + (res.stdout + res.stderr)[-2000:])
    lines = res.stdout.splitlines()
    row = lines[next(i for i, l in enumerate(lines) if l.split()[:2] == ["Step", "PotEng"]) + 1].split()
    pe, vol = float(row[1]), float(row[2])
    virial = [float(v) * vol / NKTV2P_METAL for v in row[3:9]]
    # stress/atom (pressure * volume units) sums to -P V
    peratom = [-float(v) / NKTV2P_METAL for v in row[9:15]]
    vmax = max(max(abs(v) for v in virial), 1e-300)
    if max(abs(a - b) for a, b in zip(virial, peratom)) > 1e-10 * vmax:
        raise RuntimeError("per-atom virial sum %s differs from the global virial %s" % (peratom, virial))
    atoms = open(dump).read().splitlines()
    start = next(i for i, l in enumerate(atoms) if l.startswith("ITEM: ATOMS")) + 1
    vals = [[float(v) for v in l.split()] for l in atoms[start:]]
    got = {"energy": pe, "energies": [v[4] for v in vals], "forces": [v[1:4] for v in vals], "virial": virial,
           "log": res.stdout}
    if asi:
        got["gamma"] = [v[5] for v in vals]
        got["max_gamma"] = float(row[15])
        got["gamma_vector"] = [float(v) for v in row[16:19]]  # mean, count > 5, count > 25 (defaults)
    return got


def check_gamma_vector(got, ref):
    """compute uq/grade's global vector against the reference per-atom gamma: the mean within
    1e-11 x the round-off scale, the counts above the default bounds 5 and 25 exactly (a
    reference gamma within that tolerance of a bound may count either way)."""
    tol = 1e-11 * max(ref["gamma_roundoff_scale"])
    mean, above_lower, above_upper = got["gamma_vector"]
    errors = []
    if abs(mean - sum(ref["gamma"]) / len(ref["gamma"])) > tol:
        errors.append("mean gamma %.17g, reference %.17g" % (mean, sum(ref["gamma"]) / len(ref["gamma"])))
    for bound, count in ((5.0, above_lower), (25.0, above_upper)):
        lo = sum(g > bound + tol for g in ref["gamma"])
        hi = sum(g > bound - tol for g in ref["gamma"])
        if not lo <= count <= hi:
            errors.append("count > %g: %g, reference %d..%d" % (bound, count, lo, hi))
    return errors


def main():
    lmp, aceuq, shared, np_, which = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    names = set(sys.argv[6:])
    ref_dir = os.path.join(shared, "reference", "ace")
    if not os.path.isdir(ref_dir):
        print("SKIP: ACE reference data not found at %s (../shared is missing)" % ref_dir)
        return 77
    failures = count = 0
    split = which == "split"
    for name, pot, xyz, ref_path in cases(ref_dir, "ref" if split else which, names):
        ref = json.load(open(ref_path))
        count += 1
        with tempfile.TemporaryDirectory() as scratch:
            try:
                kind = "ref" if split else which
                asi = pot[:-5] + ASI[kind] if kind in ASI else None
                got = run_lammps(lmp, aceuq, np_, pot, xyz, scratch, split, asi)
                ok, summary = compare(got, ref, False, relative_atoms=name.startswith("chebpow"),
                                      grades=asi is not None)
                if asi and "gamma_vector" in got:
                    vector_errors = check_gamma_vector(got, ref)
                    ok = ok and not vector_errors
                    summary += "  vector [mean %.4g, >5: %d, >25: %d] %s" % (
                        got["gamma_vector"][0], got["gamma_vector"][1], got["gamma_vector"][2],
                        "; ".join(vector_errors) or "ok")
            except (RuntimeError, StopIteration, subprocess.CalledProcessError) as e:
                ok, summary = False, str(e)
        failures += not ok
        print("%-4s np=%d %-40s %s" % ("ok" if ok else "FAIL", np_, name, summary))
    print("%d passed, %d failed" % (count - failures, failures))
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
