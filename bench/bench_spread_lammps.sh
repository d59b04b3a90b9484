#!/usr/bin/env bash
# Cost of run-time energy and force spreads in LAMMPS, side by side in one run: 4000-atom fcc Cu (10x10x10,
# 600 K, NVE, 100 steps) with the project's potentials/Cu.yaml: energies + forces only; grades every
# step (Cu.asi); spreads every step without grades (posterior Cu.posterior.npz, no active set: committee 8,
# Bayesian 32, POPS 256 members), energy only and with force spreads (pair_style ... spread forces, in double
# and with spread_precision single); then
# grades + force spreads.  Prints us/atom/step and the ratios to E+F.   usage: bench_spread_lammps.sh [NP]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${ACEUQ_BUILD_DIR:-$here/../build}" && pwd)
pots=$(cd "$here/../potentials" && pwd)
np=${1:-1}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; cd "$work"
mpi=(); if [ "$np" -gt 1 ]; then mpi=(mpirun -np "$np" --oversubscribe); [ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root); fi
run_case() {  # pair_style arguments, pair_coeff files, extra command -> loop time
  printf '%s\n' "plugin load aceuqplugin.so" "units metal" "lattice fcc 3.615" \
    "region box block 0 10 0 10 0 10" "create_box 1 box" "create_atoms 1 box" "mass 1 63.546" \
    "pair_style ace/uq $1" "pair_coeff * * $2 Cu" "$3" "neighbor 1.0 bin" \
    "velocity all create 600.0 4928459 loop geom" "fix nve all nve" "timestep 0.001" \
    "thermo 50" "run 10" "run 100" > in.bench
  "${mpi[@]}" "$build/lmp" -nocite -log none -in in.bench | awk '/^Loop time of/ {t = $4} END {print t}'
}
echo "pair_style ace/uq spreads: 4000-atom fcc Cu, 100 NVE steps, potentials/Cu.yaml (213 functions), $np rank(s)"
t0=$(run_case "" "$pots/Cu.yaml" "")
tg=$(run_case "grade_every 1" "$pots/Cu.yaml $pots/Cu.asi" "")
report() { awk -v n="$1" -v t="$2" -v t0="$t0" 'BEGIN { printf "  %-44s %8.2f us/atom/step   x%.3f of E+F\n", n, t * 1e6 / 400000, t / t0 }'; }
report "energies + forces" "$t0"
report "+ grades every step" "$tg"
# spreads alone (posterior, no active set: the projections and one GEMM per block; with spread forces
# the member force pass replaces the force pass), then together with grades
for m in committee bayes pops; do
  t=$(run_case "grade_every 1 posterior $pots/Cu.posterior.npz members $m" "$pots/Cu.yaml" "compute s all uq/spread")
  report "+ $m energy spreads every step" "$t"
done
for m in committee bayes; do
  t=$(run_case "grade_every 1 posterior $pots/Cu.posterior.npz members $m spread forces" "$pots/Cu.yaml" \
       "compute s all uq/spread")
  report "+ $m energy+force spreads every step" "$t"
  t=$(run_case "grade_every 1 posterior $pots/Cu.posterior.npz members $m spread forces spread_precision single" \
       "$pots/Cu.yaml" "compute s all uq/spread")
  report "+ $m energy+force spreads (single)" "$t"
done
for m in bayes committee; do
  t=$(run_case "grade_every 1 posterior $pots/Cu.posterior.npz members $m spread forces" "$pots/Cu.yaml $pots/Cu.asi" \
       "compute s all uq/spread")
  report "+ grades + $m energy+force spreads" "$t"
done
