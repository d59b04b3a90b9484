"""check() and rel() of the fit's numpy/sklearn comparisons (solve_vs_sklearn.py, pops_vs_numpy.py)."""
import numpy as np

failures = 0


def check(ok, what):
    global failures
    failures += not ok
    print("%-4s %s" % ("ok" if ok else "FAIL", what))


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))
