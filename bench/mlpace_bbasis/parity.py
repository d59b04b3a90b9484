#!/usr/bin/python3
"""Issue 18: multi-element parity of ace/uq, the brute-force B-basis evaluator and ML-PACE.

usage: parity.py POTDIR OUTDIR [--aceuq build/aceuq] [--mlpace BIN ...] [--fd] [--only SUBSTR]
       parity.py --table OUTDIR          (table.md from OUTDIR/results.json)

POTDIR holds pacemaker's test potentials (ICAMS/python-ace tests/: multispecies_AlNi.yaml,
Al-Ni_opt_all.yaml, multispecies_AlNiCu.yaml, ternary_AlCuZn.yaml; kept outside the repository).
OUTDIR receives the cells (tests/golden/multielement/cells.py, seed 18), Al-Ni_opt_all cut
down to Al (Al_from_Al-Ni_opt_all.yaml), one JSON per evaluator and case, results.json and
table.md.  --mlpace: ML-PACE drivers built by build.sh (mlpace_eval-<TAG>[-ndensityfix]); each
gives the columns B, ctilde, product, recursive.  --fd: brute-force finite-difference forces for
the dimers, trimers and the 32-atom cells (slow: ~1-2 min per 32-atom cell).
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BF = os.path.join(ROOT, "tests", "golden", "bbasis_bruteforce.py")
CELLS = os.path.join(ROOT, "tests", "golden", "multielement", "cells.py")

POTS = [("multispecies_AlNi", ["Al", "Ni"]), ("Al-Ni_opt_all", ["Al", "Ni"]),
        ("multispecies_AlNiCu", ["Al", "Ni", "Cu"]), ("ternary_AlCuZn", ["Al", "Cu", "Zn"])]


def cut_to(src, dst, keep):
    """the potential restricted to the elements `keep` (blocks and functions of other elements dropped)"""
    with open(src) as fh:
        doc = yaml.safe_load(fh)
    out = []
    for b in doc["species"]:
        if not set(str(b["speciesblock"]).split()) <= set(keep):
            continue
        b = dict(b)
        b["nbody"] = [f for f in b.get("nbody", []) if set(str(f["type"]).split()) <= set(keep)]
        out.append(b)
    doc["species"] = out
    with open(dst, "w") as fh:
        yaml.safe_dump(doc, fh, default_flow_style=None, sort_keys=False, width=1000)


def run_json(cmd):
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return {"error": (p.stderr or p.stdout).strip()[-400:]}, time.time() - t0
    return json.loads(p.stdout), time.time() - t0


def _energy(row, key):
    v = row["columns"].get(key, {})
    return v.get("energy")


def _forces(row, key):
    v = row["columns"].get(key, {})
    f = v.get("forces")
    if not f or f[0][0] is None:
        return None
    return f


def table(outdir):
    """markdown: energies of every case, then the worst deviations of every column from brute force"""
    with open(os.path.join(outdir, "results.json")) as fh:
        results = json.load(fh)
    cols = []
    for r in results:
        for k in r["columns"]:
            if k not in cols and "energy" in r["columns"][k]:
                cols.append(k)
    lines = ["| case | N | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]
    worst = {k: [0.0, "", 0.0] for k in cols}
    for r in results:
        eb = _energy(r, "bruteforce")
        fb = _forces(r, "bruteforce") or _forces(r, "aceuq")
        n = len(r["columns"]["bruteforce"].get("energies", []))
        cells = []
        for k in cols:
            e = _energy(r, k)
            if e is None:
                cells.append("–")
                continue
            d = abs(e - eb) / max(abs(eb), 1e-300)
            cells.append(("%.9f" % e) + ("" if d <= 1e-9 else " ✗"))
            if d > worst[k][0]:
                worst[k][0], worst[k][1] = d, r["case"]
            f = _forces(r, k)
            if f is not None and fb is not None and k != "bruteforce":
                fm = max(1.0, max(abs(c) for a in fb for c in a))
                df = max(abs(x - y) for a, b in zip(f, fb) for x, y in zip(a, b)) / fm
                worst[k][2] = max(worst[k][2], df)
        lines.append("| %s | %d | %s |" % (r["case"], n, " | ".join(cells)))
    lines += ["", "| column | max rel. energy difference to brute force (case) | max force difference / max(1, max abs F) |",
              "|---|---|---|"]
    for k in cols:
        lines.append("| %s | %.1e (%s) | %.1e |" % (k, worst[k][0], worst[k][1] or "–", worst[k][2]))
    with open(os.path.join(outdir, "table.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--table":
        table(sys.argv[2])
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("potdir")
    ap.add_argument("outdir")
    ap.add_argument("--aceuq", default=os.path.join(ROOT, "build", "aceuq"))
    ap.add_argument("--mlpace", nargs="*", default=[])
    ap.add_argument("--fd", action="store_true")
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    cases = []
    for pot, els in POTS:
        cdir = os.path.join(a.outdir, "cells", "".join(els))
        subprocess.run(["/usr/bin/python3", CELLS, cdir] + els, check=True)
        ppath = os.path.join(a.potdir, pot + ".yaml")
        for xyz in sorted(glob.glob(os.path.join(cdir, "*.xyz"))):
            cases.append((pot, ppath, xyz))
    cut = os.path.join(a.outdir, "Al_from_Al-Ni_opt_all.yaml")
    cut_to(os.path.join(a.potdir, "Al-Ni_opt_all.yaml"), cut, ["Al"])
    alcell = os.path.join(a.outdir, "cells", "AlNi", "fcc_Al.xyz")
    cases.append(("Al_from_Al-Ni_opt_all", cut, alcell))
    results = []
    for pot, ppath, xyz in cases:
        name = "%s/%s" % (pot, os.path.basename(xyz)[:-4])
        if a.only and a.only not in name:
            continue
        row = dict(case=name, potential=ppath, structure=xyz, columns={}, seconds={})
        small = os.path.basename(xyz).startswith(("dimer", "trimer")) or os.path.basename(xyz).startswith("fcc_all")
        fd = a.fd and small
        d, dt = run_json(["/usr/bin/python3", BF, ppath, xyz, "--forces", "fd" if fd else "none"])
        row["columns"]["bruteforce"] = d; row["seconds"]["bruteforce"] = round(dt, 2)
        d, dt = run_json([a.aceuq, "eval", ppath, xyz, "--projections", "none"])
        row["columns"]["aceuq"] = d; row["seconds"]["aceuq"] = round(dt, 3)
        for binpath in a.mlpace:
            tag = os.path.basename(binpath).replace("mlpace_eval-", "")
            d, dt = run_json([binpath, ppath, xyz])
            row["seconds"]["mlpace-" + tag] = round(dt, 3)
            for ev, v in d.get("evaluators", {}).items():
                row["columns"]["%s %s" % (tag, ev)] = v
            if "error" in d:
                row["columns"][tag] = d
        results.append(row)
        e = lambda k: row["columns"].get(k, {}).get("energy")
        print("%-42s bf %.12g aceuq %.12g" % (name, e("bruteforce") or float("nan"), e("aceuq") or float("nan")),
              " ".join("%s=%.10g" % (k, v["energy"]) for k, v in row["columns"].items()
                       if k not in ("bruteforce", "aceuq") and "energy" in v), flush=True)
    with open(os.path.join(a.outdir, "results.json"), "w") as fh:
        json.dump(results, fh, indent=1)
    table(a.outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
