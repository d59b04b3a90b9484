#!/usr/bin/env python3
"""Split the sampled classes into training / in-distribution test / novel sets.
usage: make_sets.py TRAIN_CLASSES NOVEL_CLASSES   (comma-separated class names;
<class>.dump in the current directory).  Training classes: the first half of the
snapshots -> train.xyz, the second half -> test_<class>.xyz.  Novel classes: all
snapshots -> novel_<class>.xyz."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "entropy"))
from dump2xyz import frames  # noqa: E402


def write(out, bounds, atoms):
    l = [hi - lo for lo, hi in bounds]
    out.write("%d\n" % len(atoms))
    out.write('Lattice="%.10f 0 0 0 %.10f 0 0 0 %.10f" Properties=species:S:1:pos:R:3 pbc="T T T"\n' % tuple(l))
    for a in atoms:
        out.write("Cu %.10f %.10f %.10f\n" % tuple(float(a[c]) - bounds[d][0] for d, c in enumerate("xyz")))


def main():
    train, novel = sys.argv[1].split(","), sys.argv[2].split(",")
    counts = []
    with open("train.xyz", "w") as tr:
        for c in train:
            snaps = list(frames(c + ".dump"))
            half = len(snaps) // 2
            with open("test_%s.xyz" % c, "w") as te:
                for k, (b, atoms) in enumerate(snaps):
                    write(tr if k < half else te, b, atoms)
            counts.append("%s: %d train + %d test environments" % (
                c, sum(len(a) for _, a in snaps[:half]), sum(len(a) for _, a in snaps[half:])))
    for c in novel:
        snaps = list(frames(c + ".dump"))
        with open("novel_%s.xyz" % c, "w") as nv:
            for b, atoms in snaps:
                write(nv, b, atoms)
        counts.append("%s: %d novel environments" % (c, sum(len(a) for _, a in snaps)))
    print("\n".join(counts))


if __name__ == "__main__":
    main()
