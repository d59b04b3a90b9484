#!/usr/bin/env python3
"""Novelty detection by global gamma, local gamma and descriptor dH: ROC-AUC table and ROC data.

usage: analyze.py ACEUQ POT ASI ASIL REF_DESCRIPTORS.npy TRAIN_CLASSES NOVEL_CLASSES

For every environment of the in-distribution test sets (test_<class>.xyz: later snapshots of
the training classes, label 0) and of the held-out classes (novel_<class>.xyz, label 1):
  gamma        global D-optimality grade (`aceuq eval --asi`)
  gamma_local  clustering-enhanced local grade (`aceuq eval --asil`)
  dH           QUESTS differential entropy against the training descriptors (`aceuq dH`)
ROC-AUC = P(score of a random novel environment > score of a random in-distribution one)
(Mann-Whitney, ties count 1/2), per novel class and for all novel classes together; also the
fraction of environments flagged at the natural thresholds (gamma > 1, dH > 0).
Writes results.md (table), results.json (numbers, read by the test) and roc_<score>.dat.
"""
import json
import os
import subprocess
import sys

SCORES = ("gamma", "gamma_local", "dH")


def run_json(cmd):
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(cmd), res.stderr))
    return json.loads(res.stdout)


def count_frames(path):
    n = 0
    with open(path) as f:
        while True:
            line = f.readline()
            if not line:
                return n
            natoms = int(line)
            for _ in range(natoms + 1):
                f.readline()
            n += 1


def scores_of(aceuq, pot, asi, asil, ref, xyz):
    out = {s: [] for s in SCORES}
    for frame in range(count_frames(xyz)):
        ev = run_json([aceuq, "eval", pot, xyz, "--frame", str(frame), "--asi", asi, "--asil", asil,
                       "--projections", "linear"])
        out["gamma"] += ev["gamma"]
        out["gamma_local"] += ev["gamma_local"]
    out["dH"] = [float(x) for x in run_json([aceuq, "dH", xyz, ref])["delta_entropy"]]
    return out


def auc(neg, pos):
    """P(pos > neg) + 0.5 P(pos == neg), by sorting (O(n log n))."""
    items = sorted([(v, 0) for v in neg] + [(v, 1) for v in pos])
    rank_sum, i = 0.0, 0
    while i < len(items):  # average ranks over ties
        j = i
        while j < len(items) and items[j][0] == items[i][0]:
            j += 1
        avg = (i + j + 1) / 2.0
        rank_sum += avg * sum(1 for k in range(i, j) if items[k][1] == 1)
        i = j
    npos, nneg = len(pos), len(neg)
    return (rank_sum - npos * (npos + 1) / 2.0) / (npos * nneg)


def roc(neg, pos, path):
    thresholds = sorted(set(neg + pos), reverse=True)
    with open(path, "w") as f:
        f.write("# false positive rate, true positive rate\n0 0\n")
        step = max(1, len(thresholds) // 400)
        for t in thresholds[::step]:
            f.write("%.6f %.6f\n" % (sum(v >= t for v in neg) / len(neg), sum(v >= t for v in pos) / len(pos)))
        f.write("1 1\n")


def main():
    aceuq, pot, asi, asil, ref = sys.argv[1:6]
    train, novel = sys.argv[6].split(","), sys.argv[7].split(",")
    indist = {s: [] for s in SCORES}
    per_class = {}
    for c in train:
        sc = scores_of(aceuq, pot, asi, asil, ref, "test_%s.xyz" % c)
        per_class["test_" + c] = sc
        for s in SCORES:
            indist[s] += sc[s]
    novel_all = {s: [] for s in SCORES}
    for c in novel:
        sc = scores_of(aceuq, pot, asi, asil, ref, "novel_%s.xyz" % c)
        per_class["novel_" + c] = sc
        for s in SCORES:
            novel_all[s] += sc[s]
    result = {"auc": {}, "flagged": {}, "environments": {k: len(v["gamma"]) for k, v in per_class.items()}}
    for c in novel + ["all"]:
        pos = novel_all if c == "all" else per_class["novel_" + c]
        result["auc"][c] = {s: auc(indist[s], pos[s]) for s in SCORES}
    thr = {"gamma": 1.0, "gamma_local": 1.0, "dH": 0.0}
    for k, sc in list(per_class.items()):
        result["flagged"][k] = {s: sum(v > thr[s] for v in sc[s]) / len(sc[s]) for s in SCORES}
    for s in SCORES:
        roc(indist[s], novel_all[s], "roc_%s.dat" % s)
    json.dump(result, open("results.json", "w"), indent=1)
    lines = ["| held-out class | environments | ROC-AUC gamma (global) | ROC-AUC gamma_local | ROC-AUC dH |",
             "|---|---|---|---|---|"]
    for c in novel + ["all"]:
        n = sum(result["environments"]["novel_" + x] for x in novel) if c == "all" else \
            result["environments"]["novel_" + c]
        a = result["auc"][c]
        lines.append("| %s | %d | %.3f | %.3f | %.3f |" % (c, n, a["gamma"], a["gamma_local"], a["dH"]))
    lines += ["", "| set | environments | gamma > 1 | gamma_local > 1 | dH > 0 |", "|---|---|---|---|---|"]
    for k in per_class:
        f = result["flagged"][k]
        lines.append("| %s | %d | %.1f %% | %.1f %% | %.1f %% |" % (
            k, result["environments"][k], 100 * f["gamma"], 100 * f["gamma_local"], 100 * f["dH"]))
    open("results.md", "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
