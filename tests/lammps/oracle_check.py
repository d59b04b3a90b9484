#!/usr/bin/env python3
"""potentials/oracle/sample.py --quick: every class, labelled by the oracle, physically sane, deterministic.

usage: oracle_check.py SYSTEM LMP ACEUQ [--twice]
Checks on the labelled train/test files:
  - every class of sample.py in both splits, config_type = the class, frame counts as in manifest.json;
  - labels present and finite; periodic frames: forces sum to zero (translation invariance, 1e-8 eV/A);
  - energies per atom in the physical order: md300 below md1200, liquid, slabs and clusters (bulk is
    the most stable), md300 within 0.05 eV of the oracle's 0 K cohesive energy (Cu -3.54, Si -4.3366;
    CuNi: between Cu's -3.54 and Ni's -4.45);
  - CuNi: both elements, Ni fractions that vary from frame to frame (random alloys);
  - --twice: a second run writes byte-identical files (seeded, deterministic); --classes liquid
    --runs 2 writes only that class, 2 runs x 2 snapshots per split, the first run's frames the same
    as the quick set's; an unknown class is refused with its name.
"""
import filecmp
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "..", "potentials", "oracle", "sample.py")
COHESIVE = {"Cu": (-3.54, -3.54), "Si": (-4.3366, -4.3366), "CuNi": (-4.45, -3.54)}
failures = 0


def check(ok, what):
    global failures
    failures += not ok
    print("%-4s %s" % ("ok" if ok else "FAIL", what))


def read(path):
    out, lines, i = [], open(path).read().splitlines(), 0
    while i < len(lines):
        n, c = int(lines[i]), lines[i + 1]
        atoms = [l.split() for l in lines[i + 2:i + 2 + n]]
        out.append(dict(n=n, energy=float(c.split("energy=")[1].split()[0]),
                        pbc=c.split('pbc="')[1].split('"')[0], config_type=c.split("config_type=")[1].split()[0],
                        species=[a[0] for a in atoms], forces=[list(map(float, a[4:7])) for a in atoms]))
        i += 2 + n
    return out


def run(system, out, lmp, aceuq, *extra):
    res = subprocess.run([sys.executable, SAMPLE, system, out, "--quick", "--lmp", lmp, "--aceuq", aceuq, *extra],
                         capture_output=True, text=True)
    print(res.stdout.strip().splitlines()[-1] if res.stdout.strip() else res.stderr[-2000:])
    return res.returncode == 0


def check_subset(system, quick_out, d, lmp, aceuq):
    """--classes liquid --runs 2: that class only, twice the runs, the first run = the quick set's"""
    out = os.path.join(d, "subset")
    if not run(system, out, lmp, aceuq, "--classes", "liquid", "--runs", "2"):
        check(False, "sample.py --classes liquid --runs 2 ran")
        return
    files = sorted(os.listdir(os.path.join(out, "test")))
    for split in ("train", "test"):
        quick = open(os.path.join(quick_out, split, "liquid.xyz")).read()
        sub = open(os.path.join(out, split, "liquid.xyz")).read()
        check(files == ["liquid.xyz"] and len(read(os.path.join(out, split, "liquid.xyz"))) == 4 and
              sub.startswith(quick) and len(sub) > len(quick),
              "--classes liquid --runs 2, %s: only liquid.xyz (%s), 4 frames, the first 2 = the quick set's" % (
                  split, " ".join(files)))
    res = subprocess.run([sys.executable, SAMPLE, system, os.path.join(d, "bad"), "--quick", "--classes",
                          "liquid,nosuch", "--lmp", lmp, "--aceuq", aceuq], capture_output=True, text=True)
    check(res.returncode != 0 and "unknown class nosuch" in res.stderr,
          "--classes liquid,nosuch refused: %s" % res.stderr.strip()[-200:])


def main():
    system, lmp, aceuq = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory(prefix="aceuq_oracle_check_") as d:
        out = os.path.join(d, "a")
        if not run(system, out, lmp, aceuq):
            check(False, "sample.py %s --quick ran" % system)
            return 1
        manifest = json.load(open(os.path.join(out, "manifest.json")))
        classes = sorted(manifest["classes"])
        e_atom = {}
        for split in ("train", "test"):
            for cls in classes:
                frames = read(os.path.join(out, split, cls + ".xyz"))
                good = (len(frames) == manifest["classes"][cls][split]["frames"] > 0 and
                        all(f["config_type"] == cls for f in frames) and
                        all(math.isfinite(f["energy"]) and all(math.isfinite(x) for v in f["forces"] for x in v)
                            for f in frames))
                fsum = max((max(abs(sum(v[k] for v in f["forces"])) for k in range(3)) for f in frames
                            if f["pbc"] == "T T T"), default=0.0)
                check(good and fsum < 1e-8, "%s %s/%s: %d frames, config_type %s, labels finite, sum of forces %.1e" % (
                    system, split, cls, len(frames), cls, fsum))
                e_atom.setdefault(cls, []).extend(f["energy"] / f["n"] for f in frames)
                if system == "CuNi":
                    e_atom.setdefault("_xni", []).extend(f["species"].count("Ni") / f["n"] for f in frames)
        mean = {c: sum(v) / len(v) for c, v in e_atom.items()}
        lo, hi = COHESIVE[system]
        check(lo - 0.05 <= mean["md300"] <= hi + 0.1,
              "md300: %.4f eV/atom, oracle cohesive energy %s" % (mean["md300"], "%.4f" % lo if lo == hi else
                                                                   "%.2f..%.2f" % (lo, hi)))
        if system != "CuNi":  # composition moves the energy of a random alloy more than the class does
            order = [c for c in ("md1200", "liquid", "slab100", "slab110", "slab111", "cluster")
                     if mean[c] <= mean["md300"]]
            check(not order, "bulk at 300 K below md1200, liquid, slabs and clusters (%s)" % ", ".join(
                "%s %.3f" % (c, mean[c]) for c in ("md300", "md1200", "liquid", "slab111", "cluster")))
        else:
            x = e_atom["_xni"]
            check(min(x) < 0.3 and max(x) > 0.6 and len(set(round(v, 3) for v in x)) >= 10,
                  "random alloys: Ni fraction %.2f..%.2f over %d frames" % (min(x), max(x), len(x)))
        if "--twice" in sys.argv:
            again = os.path.join(d, "b")
            same = run(system, again, lmp, aceuq) and all(
                filecmp.cmp(os.path.join(out, s, c + ".xyz"), os.path.join(again, s, c + ".xyz"), shallow=False)
                for s in ("train", "test") for c in classes)
            check(same, "second run: byte-identical labelled files (deterministic)")
            check_subset(system, out, d, lmp, aceuq)
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
