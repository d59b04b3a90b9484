#!/usr/bin/python3
"""Pairs the spreads written during the run (spreads.dat: step T pe std lo hi max_force_spread
max_gamma, eV) with the oracle's energies of the same frames (labelled.xyz, aceuq label of the
frames fix uq/harvest wrote to frames.xyz, in the same order) and prints per frame, in meV/atom relative to the ACE energy:
step T std lo hi oracle-ACE inside_bounds inside_2sigma max_force_spread max_gamma; the last line
is a summary (fraction of frames whose oracle energy lies inside the bounds / +-2 sigma).
usage: compare.py spreads.dat frames.xyz labelled.xyz MEMBERS"""
import sys

rows = {}
for ln in open(sys.argv[1]):
    if ln.startswith("#") or not ln.strip():
        continue
    v = ln.split()
    rows[int(v[0])] = [float(x) for x in v[1:]]


def comments(path):
    """(comment line, atom count) of every frame of an extended XYZ file"""
    lines, k, out = open(path).read().split("\n"), 0, []
    while k < len(lines):
        if lines[k].strip():
            n = int(lines[k])
            out.append((lines[k + 1], n))
            k += n + 2
        else:
            k += 1
    return out


steps = [int(h.split("step=")[1].split()[0]) for h, _ in comments(sys.argv[2])]
labelled = comments(sys.argv[3])
if len(steps) != len(labelled):
    raise SystemExit("compare.py: %d harvested frames but %d labelled ones" % (len(steps), len(labelled)))
oracle = {st: (float(h.split("energy=")[1].split()[0]), n) for st, (h, n) in zip(steps, labelled)}
inside = inside2 = 0
out = []
for step in sorted(set(rows) & set(oracle)):
    T, pe, std, lo, hi, fs, g = rows[step]
    e, n = oracle[step]
    d = e - pe  # the correction the bounds should contain
    a, b = lo <= d <= hi, abs(d) <= 2 * std
    inside += a
    inside2 += b
    s = 1e3 / n
    out.append("%d %.1f %.6g %.6g %.6g %.6g %d %d %.4g %.4g" % (step, T, std * s, lo * s, hi * s, d * s, a, b, fs, g))
print("# step T std lo hi oracle-ACE (meV/atom) inside_bounds inside_2sigma max_force_spread(eV/A) max_gamma")
print("\n".join(out))
m = len(out)
print("# %s: %d frames; the oracle's energy is inside the members' bounds in %d (%.0f %%), inside +-2 sigma in %d "
      "(%.0f %%)" % (sys.argv[4], m, inside, 100.0 * inside / max(m, 1), inside2, 100.0 * inside2 / max(m, 1)))
sys.exit(0 if m > 0 else 1)
