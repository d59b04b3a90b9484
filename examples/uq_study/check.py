#!/usr/bin/env python3
"""The reduced uncertainty study ran: every metric is a number, and the signals that must see the
held-out classes do (ROC-AUC of gamma and of the POPS spread above 0.7 -- clusters, surfaces and the
liquid are far from bulk training data).   usage: check.py OUTDIR"""
import json
import math
import sys

m = json.load(open(sys.argv[1] + "/metrics.json"))
bad = [k for k in ("gamma", "gamma_local", "dH", "pops_std", "bayes_std", "committee_std")
       if not all(math.isfinite(v) for v in m[k].values())]
ok = not bad and m["gamma"]["auc"] > 0.7 and m["pops_std"]["auc"] > 0.7 and 0 <= m["pops_bounds_coverage"] <= 1
print("%s uq study: %d frames, AUC gamma %.3f, local %.3f, dH %.3f, POPS %.3f, Bayes %.3f, committee %.3f; POPS bounds "
      "cover %.0f %% of the energy errors%s" % ("ok" if ok else "FAIL", m["frames"], m["gamma"]["auc"],
                                                m["gamma_local"]["auc"], m["dH"]["auc"], m["pops_std"]["auc"],
                                                m["bayes_std"]["auc"], m["committee_std"]["auc"],
                                                100 * m["pops_bounds_coverage"],
                                                "" if not bad else "; not finite: " + ", ".join(bad)))
sys.exit(0 if ok else 1)
