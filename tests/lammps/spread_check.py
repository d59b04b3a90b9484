#!/usr/bin/env python3
"""compute uq/spread (pair_style ace/uq ... posterior FILE) on NP MPI ranks against aceuq eval --posterior.

A rattled 108-atom fcc Cu crystal (fixed seed) with the project's potentials/Cu.yaml, Cu.asi and
Cu.posterior.npz, run 0 in LAMMPS: for each member kind (bayes, pops, committee) the per-atom std / lo /
hi (dump, sorted by id) and the group totals (thermo: std, lo, hi, rms, max and mean atom std) must equal
aceuq eval --posterior on the same frame (itself tested against brute-force member evaluation) to 1e-10
eV; a group of half the atoms checks the group total against the sum over those atoms' members. With
`spread forces`: the per-atom force spread and its max/mean equal aceuq eval's, the forces are unchanged.
POPS members: the per-atom epistemic and full standard deviations (columns 5, 6) equal aceuq eval's.
spread_precision single (members' force deviations in float, summed into float rows): the per-atom force spread
equals aceuq eval --force-precision single's to 1e-6 of its largest value (the same float arithmetic per centre;
the float rows are summed in another order: ghost rows and reverse communication here, periodic images straight
into the owner's row there) and the double one's to 2e-3 (the sum over the centres cancels: 1.5e-4 for this
crystal, where each centre's member gradients agree to 3e-7), the forces are the double ones.
Bad input: a posterior without a linear active set, members without posterior, compute uq/spread
without a posterior: clear errors.
usage: spread_check.py ACEUQ LMP POTENTIALS_DIR NP
"""
import json
import os
import random
import subprocess
import sys
import tempfile

failures = 0


def check(ok, what):
    global failures
    failures += not ok
    print("%-4s %s" % ("ok" if ok else "FAIL", what))


def main():
    aceuq, lmp, pots, np_ = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    mpi = []
    if np_ > 1:
        mpi = ["mpirun", "-np", str(np_), "--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])
    rng = random.Random(3)
    a, n = 3.615, 3
    base = [(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0)]
    pos = [[(i + b[0]) * a + rng.uniform(-.15, .15), (j + b[1]) * a + rng.uniform(-.15, .15),
            (k + b[2]) * a + rng.uniform(-.15, .15)] for i in range(n) for j in range(n) for k in range(n) for b in base]
    L = n * a
    P = os.path.join(pots, "Cu")
    with tempfile.TemporaryDirectory(prefix="aceuq_spread_") as d:
        xyz, data = os.path.join(d, "f.xyz"), os.path.join(d, "f.data")
        open(xyz, "w").write('%d\nLattice="%.12g 0 0 0 %.12g 0 0 0 %.12g" Properties=species:S:1:pos:R:3 pbc="T T T"\n'
                             % (len(pos), L, L, L) + "".join("Cu %.12f %.12f %.12f\n" % tuple(p) for p in pos))
        subprocess.run([aceuq, "lammps-data", xyz, data, "--elements", "Cu"], check=True, capture_output=True)

        def lammps(pair, extra, tag, asi=True):
            inp = os.path.join(d, "in." + tag)
            coeff = "pair_coeff * * %s.yaml %s.asi Cu" % (P, P) if asi else "pair_coeff * * %s.yaml Cu" % P
            open(inp, "w").write("\n".join([
                "plugin load aceuqplugin.so", "units metal", "atom_style atomic", "atom_modify map array",
                "read_data %s" % data, "mass 1 63.546", pair, coeff] + extra +
                ["run 0"]) + "\n")
            return subprocess.run(mpi + [lmp, "-nocite", "-log", "none", "-in", inp], capture_output=True, text=True,
                                  cwd=d)

        for kind in ("bayes", "pops", "committee"):
            dump = os.path.join(d, "s_%s.dump" % kind)
            res = lammps("pair_style ace/uq grade_every 1 posterior %s.posterior.npz members %s spread forces" % (P, kind), [
                "compute s all uq/spread", "group half id <= 54", "compute h half uq/spread",
                "dump d all custom 1 %s id c_s[1] c_s[2] c_s[3] c_s[4] fx fy fz c_s[5] c_s[6]" % dump,
                "dump_modify d sort id format float %.17g",
                "thermo_style custom step c_s[1] c_s[2] c_s[3] c_s[4] c_s[5] c_s[6] c_h[1] c_h[2] c_h[3] c_s[7] c_s[8]",
                "thermo_modify format float %.17g"], kind)
            if res.returncode:
                check(False, "%s on %d rank(s): LAMMPS failed: %s" % (kind, np_, (res.stdout + res.stderr)[-600:]))
                continue
            lines = res.stdout.split("\n")
            head = [i for i, ln in enumerate(lines) if ln.split()[:2] == ["Step", "c_s[1]"]][0]
            vals = [float(v) for v in lines[head + 1].split()[1:]]
            ev = json.loads(subprocess.run([aceuq, "eval", P + ".yaml", xyz, "--posterior", P + ".posterior.npz",
                                            "--members", kind], capture_output=True, text=True).stdout)["spread"]
            rows = [[float(v) for v in ln.split()] for ln in open(dump).read().split("ITEM: ATOMS")[1].split("\n")[1:]
                    if ln.strip()]
            datom = max(max(abs(r[1] - ev["energy_std"][k]), abs(r[2] - ev["energy_lo"][k]),
                            abs(r[3] - ev["energy_hi"][k])) for k, r in enumerate(rows))
            ref = [ev["total_std"], ev["total_lo"], ev["total_hi"], ev["total_rms"], max(ev["energy_std"]),
                   sum(ev["energy_std"]) / len(ev["energy_std"])]
            dtot = max(abs(x - y) for x, y in zip(vals[:6], ref))
            check(len(rows) == len(pos) and datom < 1e-10 and dtot < 1e-10,
                  "%s, %d rank(s): per-atom std/lo/hi of %d atoms %.1e eV, totals (std %.4g, lo %.4g, hi %.4g eV) "
                  "%.1e eV from aceuq eval" % (kind, np_, len(rows), datom, vals[0], vals[1], vals[2], dtot))
            # POPS: the epistemic std sqrt(b' Sigma_epi b) and the full std sqrt(rms^2 + b' Sigma_epi b)
            # (aceuq eval's, which epistemic_vs_numpy.py checks against numpy); 0 for the other kinds
            if kind == "pops":
                depi = max(max(abs(r[8] - ev["energy_std_epi"][k]), abs(r[9] - ev["energy_std_pops"][k]))
                           for k, r in enumerate(rows))
                check(depi < 1e-10 and min(r[8] for r in rows) > 0 and all(r[9] >= r[1] * 0.999 for r in rows),
                      "pops, %d rank(s): per-atom epistemic std (max %.3g eV) and full POPS std (max %.3g eV) "
                      "%.1e eV from aceuq eval" % (np_, max(r[8] for r in rows), max(r[9] for r in rows), depi))
            else:
                check(all(r[8] == 0 and r[9] == 0 for r in rows) and "energy_std_epi" not in ev,
                      "%s: no epistemic columns (POPS only)" % kind)
            # force spreads (ghost atoms' member forces come back by reverse communication): per atom and
            # max / mean against aceuq eval (whose member forces are tested member by member in fit_check.py);
            # the mean potential's forces are untouched
            dfs = max(abs(r[4] - ev["force_std"][k]) for k, r in enumerate(rows))
            dfm = max(abs(vals[9] - max(ev["force_std"])), abs(vals[10] - sum(ev["force_std"]) / len(rows)))
            base = json.loads(subprocess.run([aceuq, "eval", P + ".yaml", xyz], capture_output=True, text=True).stdout)
            dfo = max(abs(r[5 + a] + 0.0 - base["forces"][k][a]) for k, r in enumerate(rows) for a in range(3))
            check(dfs < 1e-10 * max(1.0, max(ev["force_std"])) and dfm < 1e-10 and dfo < 1e-10 and vals[9] > 0,
                  "%s, %d rank(s): per-atom force spread %.1e eV/A from aceuq eval (max %.4g, mean %.4g eV/A; "
                  "max/mean %.1e), forces %.1e eV/A" % (kind, np_, dfs, vals[9], vals[10], dfm, dfo))
            # the group total: sum over the members of the half's deviations; bounded by the atoms' bounds
            lo_sum = sum(ev["energy_lo"][:54])
            hi_sum = sum(ev["energy_hi"][:54])
            check(lo_sum - 1e-12 <= vals[7] <= vals[8] <= hi_sum + 1e-12 and vals[6] > 0,
                  "%s, %d rank(s): group total std %.4g eV, bounds [%.4g, %.4g] inside the sums of the atoms' bounds "
                  "[%.4g, %.4g]" % (kind, np_, vals[6], vals[7], vals[8], lo_sum, hi_sum))
        # single-precision member forces: the same float arithmetic as aceuq eval's, close to double, and the
        # potential's forces (the own lane, double) untouched
        dump = os.path.join(d, "s_single.dump")
        res = lammps("pair_style ace/uq grade_every 1 posterior %s.posterior.npz members bayes spread forces "
                     "spread_precision single" % P, [
                         "compute s all uq/spread", "dump d all custom 1 %s id c_s[4] fx fy fz" % dump,
                         "dump_modify d sort id format float %.17g"], "single")
        rows = ([[float(v) for v in ln.split()] for ln in open(dump).read().split("ITEM: ATOMS")[1].split("\n")[1:]
                 if ln.strip()] if res.returncode == 0 else [])
        evs, evd = [json.loads(subprocess.run([aceuq, "eval", P + ".yaml", xyz, "--posterior", P + ".posterior.npz",
                                               "--members", "bayes", "--force-precision", prec], capture_output=True,
                                              text=True).stdout) for prec in ("single", "double")]
        base = json.loads(subprocess.run([aceuq, "eval", P + ".yaml", xyz], capture_output=True, text=True).stdout)
        fs, fd = evs["spread"]["force_std"], evd["spread"]["force_std"]
        d_same = max([abs(r[1] - fs[k]) for k, r in enumerate(rows)] or [float("nan")])
        d_dbl = max(abs(x - y) for x, y in zip(fs, fd)) / max(fd)
        d_f = max([abs(r[2 + a] - base["forces"][k][a]) for k, r in enumerate(rows) for a in range(3)] or [1.0])
        # float adjoint sums and contractions: the members' gradients to ~5e-7 of the largest; the spreads of this
        # nearly perfect crystal are tiny sums of cancelling terms (1.5e-4 relative measured, ~2e-8 eV/A), far
        # below the sampling error of a spread of M members (~1/sqrt(2M)); a wrong lane or set is O(1).  The
        # float rows of LAMMPS and aceuq eval sum the same terms in different orders (2.6e-7 relative measured)
        check(len(rows) == len(pos) and d_same < 1e-6 * max(fs) and 0 < d_dbl < 2e-3 and d_f < 1e-10,
              "spread_precision single, %d rank(s): per-atom force spread %.1e eV/A from aceuq eval --force-precision "
              "single, %.1e relative from double (max %.4g eV/A), forces %.1e eV/A%s" % (
                  np_, d_same, d_dbl, max(fd), d_f, "" if res.returncode == 0 else ": " + (res.stdout + res.stderr)[-400:]))
        res = lammps("pair_style ace/uq posterior %s.posterior.npz spread_precision single" % P, [], "prec_noforces")
        check(res.returncode != 0 and "spread_precision single applies to force spreads: add spread forces"
              in res.stdout, "spread_precision without spread forces: a clear error")
        res = lammps("pair_style ace/uq posterior %s.posterior.npz spread forces spread_precision half" % P, [],
                     "prec_bad")
        check(res.returncode != 0 and "spread_precision must be double or single (got 'half')" in res.stdout,
              "spread_precision with a bad value: a clear error")
        bad = subprocess.run([aceuq, "eval", P + ".yaml", xyz, "--posterior", P + ".posterior.npz",
                              "--force-precision", "half"], capture_output=True, text=True)
        check(bad.returncode != 0 and "--force-precision must be double or single, got half" in bad.stderr,
              "aceuq eval --force-precision with a bad value: a clear error")
        # a posterior alone (no active set): the same spreads on the UQ steps of grade_every, without gamma
        dump = os.path.join(d, "s_noasi.dump")
        res = lammps("pair_style ace/uq grade_every 1 posterior %s.posterior.npz members bayes spread forces" % P, [
            "compute s all uq/spread", "dump d all custom 1 %s id c_s[1] c_s[2] c_s[3] c_s[4]" % dump,
            "dump_modify d sort id format float %.17g", "thermo_style custom step c_s[1] c_s[7]",
            "thermo_modify format float %.17g"], "noasi", asi=False)
        ev = json.loads(subprocess.run([aceuq, "eval", P + ".yaml", xyz, "--posterior", P + ".posterior.npz",
                                        "--members", "bayes"], capture_output=True, text=True).stdout)["spread"]
        rows = ([[float(v) for v in ln.split()] for ln in open(dump).read().split("ITEM: ATOMS")[1].split("\n")[1:]
                 if ln.strip()] if res.returncode == 0 else [])
        dno = max([max(abs(r[1] - ev["energy_std"][k]), abs(r[2] - ev["energy_lo"][k]), abs(r[3] - ev["energy_hi"][k]),
                       abs(r[4] - ev["force_std"][k])) for k, r in enumerate(rows)] or [float("nan")])
        check(len(rows) == len(pos) and dno < 1e-10,
              "posterior without an active set, %d rank(s): per-atom energy std/lo/hi and force std %.1e from aceuq "
              "eval%s" % (np_, dno, "" if res.returncode == 0 else ": " + (res.stdout + res.stderr)[-400:]))
        res = lammps("pair_style ace/uq grade_every 1 posterior %s.posterior.npz" % P,
                     ["compute g all uq/grade", "thermo_style custom step c_g"], "noasi_gamma", asi=False)
        check(res.returncode != 0 and "uq/grade: pair_style ace/uq has no active set" in res.stdout,
              "gamma without an active set: a clear error")
        res = lammps("pair_style ace/uq grade_every 1 posterior %s.posterior.npz" % P,
                     ["fix h all uq/harvest 1 %s" % os.path.join(d, "g.xyz")], "noasi_harvest", asi=False)
        check(res.returncode != 0 and "signal gamma needs an active set" in res.stdout,
              "harvest on gamma without an active set: a clear error")
        res = lammps("pair_style ace/uq grade_every 5", [], "noasi_nopost", asi=False)
        check(res.returncode != 0 and "grade_every 5 needs an active set" in res.stdout and "or a posterior"
              in res.stdout, "grade_every without an active set or a posterior: a clear error")
        # fix uq/harvest on any per-atom signal: the frame's max_signal is the largest per-atom value
        # (energy_std with a posterior alone)
        for sig, key in (("force_std", "force_std"), ("energy_std", "energy_std")):
            hx = os.path.join(d, "h_%s.xyz" % sig)
            res = lammps("pair_style ace/uq grade_every 1 posterior %s.posterior.npz members committee spread forces" % P,
                         ["fix h all uq/harvest 1 %s lower 0 upper 1e9 signal %s" % (hx, sig)], "harvest_" + sig,
                         asi=sig != "energy_std")
            ev = json.loads(subprocess.run([aceuq, "eval", P + ".yaml", xyz, "--posterior", P + ".posterior.npz",
                                            "--members", "committee"], capture_output=True, text=True).stdout)["spread"]
            head = open(hx).read().split("\n")[1] if res.returncode == 0 and os.path.exists(hx) else ""
            got = float(head.split("max_signal=")[1].split()[0]) if "max_signal=" in head else float("nan")
            check(("signal=%s" % sig) in head and abs(got - max(ev[key])) <= 1e-7 * max(ev[key]),
                  "fix uq/harvest signal %s, %d rank(s): harvested with max_signal %.8g (aceuq eval: max %.8g)" % (
                      sig, np_, got, max(ev[key])))
        res = lammps("pair_style ace/uq grade_every 1 posterior %s.posterior.npz" % P,
                     ["fix h all uq/harvest 1 %s lower 0 upper 1e9 signal force_std" % os.path.join(d, "x.xyz")],
                     "harvest_nof")
        check(res.returncode != 0 and "signal force_std needs pair_style ace/uq ... posterior FILE spread forces"
              in res.stdout, "harvest on force_std without spread forces: a clear error")
        res = lammps("pair_style ace/uq spread forces", [], "spreadnopost")
        check(res.returncode != 0 and "spread forces needs posterior" in res.stdout, "spread without posterior")
        res = lammps("pair_style ace/uq posterior %s.posterior.npz spread force" % P, [], "spreadbad")
        check(res.returncode != 0 and "spread must be energy or forces (got 'force')" in res.stdout,
              "spread with a bad value")
        res = lammps("pair_style ace/uq members pops", [], "members")
        check(res.returncode != 0 and "members pops needs posterior" in res.stdout, "members without posterior")
        res = lammps("pair_style ace/uq grade_every 1", ["compute s all uq/spread", "thermo_style custom step c_s"],
                     "nopost")
        check(res.returncode != 0 and "has no posterior" in res.stdout, "compute uq/spread without a posterior")
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
