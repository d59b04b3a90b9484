#!/usr/bin/env bash
# pair_style ace/uq speed in LAMMPS, the setting of the reference speed anchors
# (../shared/reference/ace/README.md): 4000-atom fcc Cu (a = 3.63 A, 10x10x10),
# 600 K, NVE, dt 1 fs, 100 steps, neighbor 1.0 bin.  Prints microseconds per
# atom per step and the ratio to ML-PACE's numbers measured on the same
# machine class (pair_style pace, recursive evaluator: Cu-I 39.7 us serial,
# 20.0 on 2 ranks; Cu.pbe.in 184 / 98; product evaluator Cu-I 42.4 / 22.6).
#   usage: bench_ace_lammps.sh [NP] [cui|cupbe|all]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${ACEUQ_BUILD_DIR:-$here/../build}" && pwd)
shared=${ACEUQ_SHARED_DIR:-$here/../../shared}
np=${1:-1}; which=${2:-all}
pots="$shared/reference/ace/potentials"
[ -f "$pots/Cu-I.yaml" ] || { echo "bench_ace_lammps: $pots not found (needs ../shared)"; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; cd "$work"
mpi=(); if [ "$np" -gt 1 ]; then mpi=(mpirun -np "$np" --oversubscribe); [ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root); fi

run_case() {  # $1 = potential file; prints loop time of the 100-step run
  printf '%s\n' "plugin load aceuqplugin.so" "units metal" "lattice fcc 3.63" \
    "region box block 0 10 0 10 0 10" "create_box 1 box" "create_atoms 1 box" "mass 1 63.546" \
    "pair_style ace/uq" "pair_coeff * * $1 Cu" "neighbor 1.0 bin" \
    "velocity all create 600.0 4928459 loop geom" "fix nve all nve" "timestep 0.001" \
    "thermo 50" "run 10" "run 100" > in.bench
  "${mpi[@]}" "$build/lmp" -nocite -log none -in in.bench | awk '/^Loop time of/ {t = $4} END {print t}'
}
report() {  # name, loop time, ML-PACE anchor (us/atom/step) for this rank count
  awk -v name="$1" -v t="$2" -v ref="$3" -v np="$np" 'BEGIN {
    us = t * 1e6 / (4000 * 100)
    printf "  %-28s %8.2f us/atom/step on %d rank(s)   ML-PACE pair pace (anchor) %6.1f   ratio %.2f\n",
           name, us, np, ref, us / ref }'
}
echo "pair_style ace/uq: 4000-atom fcc Cu, 100 NVE steps"
if [ "$which" = all ] || [ "$which" = cui ]; then
  report "Cu-I (82 functions)" "$(run_case "$pots/Cu-I.yaml")" "$([ "$np" -gt 1 ] && echo 20.0 || echo 39.7)"
fi
if [ "$which" = all ] || [ "$which" = cupbe ]; then
  report "Cu.pbe.in (684 functions)" "$(run_case "$pots/Cu.pbe.in.yaml")" "$([ "$np" -gt 1 ] && echo 98 || echo 184)"
fi
