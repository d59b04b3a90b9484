#!/usr/bin/env bash
# pair_style ace/uq speed in LAMMPS, the setting of the reference speed anchors
# (../shared/reference/ace/README.md): 4000-atom fcc Cu (a = 3.63 A, 10x10x10),
# 600 K, NVE, dt 1 fs, 100 steps, neighbor 1.0 bin.  Prints microseconds per
# atom per step and the ratio to ML-PACE's numbers measured on the same
# machine class (pair_style pace, recursive evaluator: Cu-I 39.7 us serial,
# 20.0 on 2 ranks; Cu.pbe.in 184 / 98; product evaluator Cu-I 42.4 / 22.6).
# Mode "grades": extrapolation grades never / every 20 steps / every step (with the
# active sets Cu-I.wellcond.asi and Cu.pbe.in.asi), ratios to the run without an
# active set, next to upstream pace/extrapolation's ratios on the anchor machine
# (Cu-I: x1.02 / x1.07 / x1.26 of pair pace; Cu.pbe.in: x1.09 / x1.25 / x4.04).
# Mode "local": Cu-I with grades every step, global active set only vs global + local
# model (.asil): the cost of gamma_local (ASI, ASIL default to the files that
# examples/uq_benchmark/run.sh writes into <build>/examples/uq_benchmark).
#   usage: bench_ace_lammps.sh [NP] [cui|cupbe|all|grades|local]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${ACEUQ_BUILD_DIR:-$here/../build}" && pwd)
shared=${ACEUQ_SHARED_DIR:-$here/../../shared}
np=${1:-1}; which=${2:-all}
pots="$shared/reference/ace/potentials"
[ -f "$pots/Cu-I.yaml" ] || { echo "bench_ace_lammps: $pots not found (needs ../shared)"; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; cd "$work"
mpi=(); if [ "$np" -gt 1 ]; then mpi=(mpirun -np "$np" --oversubscribe); [ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root); fi

run_case() {  # $1 = potential [$2 = active set, $3 = grade_every, $4 = local model]; prints the loop time
  printf '%s\n' "plugin load aceuqplugin.so" "units metal" "lattice fcc 3.63" \
    "region box block 0 10 0 10 0 10" "create_box 1 box" "create_atoms 1 box" "mass 1 63.546" \
    "pair_style ace/uq ${3:+grade_every $3} ${4:+local $4}" "pair_coeff * * $1 ${2:-} Cu" "neighbor 1.0 bin" \
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
if [ "$which" = grades ]; then
  for p in "Cu-I.yaml Cu-I.wellcond.asi" "Cu.pbe.in.yaml Cu.pbe.in.asi"; do
    set -- $p
    t0=$(run_case "$pots/$1")
    report "$1 no active set" "$t0" "$(if [ "$1" = Cu-I.yaml ]; then [ "$np" -gt 1 ] && echo 20.0 || echo 39.7
                                        else [ "$np" -gt 1 ] && echo 98 || echo 184; fi)"
    for every in 0 20 1; do
      t=$(run_case "$pots/$1" "$pots/$2" "$every")
      awk -v n="$1" -v e="$every" -v t="$t" -v t0="$t0" -v np="$np" 'BEGIN {
        printf "  %-28s %8.2f us/atom/step on %d rank(s)   ratio to no active set %.3f\n",
               n " grade_every " e, t * 1e6 / 400000, np, t / t0 }'
    done
  done
fi
if [ "$which" = local ]; then
  asi=${ASI:-$build/examples/uq_benchmark/cu.asi}; asil=${ASIL:-$build/examples/uq_benchmark/cu.asil}
  [ -f "$asi" ] && [ -f "$asil" ] || { echo "bench_ace_lammps: run examples/uq_benchmark/run.sh first"; exit 1; }
  t0=$(run_case "$pots/Cu-I.yaml")
  # interleaved repeats, best of 3: this VM drifts by ~10 % over minutes
  tg=1e9; tl=1e9
  for rep in 1 2 3; do
    t=$(run_case "$pots/Cu-I.yaml" "$asi" 1); tg=$(awk -v a="$t" -v b="$tg" 'BEGIN {print (a < b) ? a : b}')
    t=$(run_case "$pots/Cu-I.yaml" "$asi" 1 "$asil"); tl=$(awk -v a="$t" -v b="$tl" 'BEGIN {print (a < b) ? a : b}')
  done
  awk -v t0="$t0" -v tg="$tg" -v tl="$tl" -v np="$np" 'BEGIN {
    printf "  Cu-I no grades                %8.2f us/atom/step on %d rank(s)\n", t0 * 2.5, np
    printf "  grades every step, global     %8.2f us/atom/step   ratio to no grades %.3f\n", tg * 2.5, tg / t0
    printf "  grades every step, + local    %8.2f us/atom/step   ratio to global only %.3f\n", tl * 2.5, tl / tg }'
fi
