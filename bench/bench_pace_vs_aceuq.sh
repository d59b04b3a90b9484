#!/usr/bin/env bash
# bench_pace_vs_aceuq.sh -- pair_style ace/uq against ML-PACE's pair_style pace, side by side in
# one LAMMPS process: 4000-atom fcc Cu (a = 3.63 A, 10x10x10), 600 K, NVE, dt 1 fs, neighbor 1.0
# bin; after 10 warm-up steps, blocks of 100 steps alternate between `pair_style pace recursive`
# and `pair_style ace/uq` (same .yace file, same trajectory: both give the same forces), REPEATS
# times; the best block of each is reported in us/atom/step with the ratio ace/uq / pace.
# Case "grades": ace/uq with the .yaml + .asi and grades every step against plain pace.
#
# Needs the reference LAMMPS with ML-PACE (bench/mlpace_lammps/build.sh, LAMMPS 4Feb2025 + ML-PACE
# v.2023.11.25.fix2; benchmarks only); the plugin is compiled against that LAMMPS tree next to it
# (incrementally on every run); ACEUQ_BUILD_DIR (default ../build) gives the `aceuq` tool.  The potentials: Cu-I and Cu.pbe.in of
# ../shared/reference (skipped when absent) and the project's potentials/Cu.
#   usage: bench/bench_pace_vs_aceuq.sh [NP ...]          (default: 1 2)
#   env:   REPEATS (default 3), STEPS (default 100), CASES (default "cui cupbe cu cui-grades cupbe-grades")
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${ACEUQ_BUILD_DIR:-$here/../build}" && pwd)
shared=${ACEUQ_SHARED_DIR:-$here/../../shared}
ref=${ACEUQ_MLPACE_LAMMPS:-$(bash "$here/mlpace_lammps/build.sh")}
[ -x "$ref/lmp" ] || { echo "bench_pace_vs_aceuq: no reference LAMMPS in $ref (run bench/mlpace_lammps/build.sh)"; exit 1; }
# the plugin compiled against that LAMMPS tree (incremental: picks up changes of the sources)
tree=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=\(.*\)\/cmake$/\1/p' "$ref/CMakeCache.txt")
plugin=$(dirname "$ref")/plugin
if [ ! -f "$plugin/CMakeCache.txt" ]; then
  cmake -S "$here/.." -B "$plugin" -DCMAKE_BUILD_TYPE=Release -DACEUQ_BUILD_TESTS=off \
    -DLAMMPS_SOURCE_DIR="$tree/src" -DLAMMPS_BUILD_DIR="$ref" >"$plugin.log" 2>&1 || { cat "$plugin.log"; exit 1; }
fi
cmake --build "$plugin" --target aceuqplugin -j "$(nproc)" >"$plugin.build.log" 2>&1 || { tail "$plugin.build.log"; exit 1; }
repeats=${REPEATS:-3}; steps=${STEPS:-100}
cases=${CASES:-cui cupbe cu cui-grades cupbe-grades}
[ $# -gt 0 ] || set -- 1 2
pots=$shared/reference/ace/potentials
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; cd "$work"
# the reference LAMMPS's liblammps first, then the plugin and its core library
export LD_LIBRARY_PATH="$ref:$plugin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  core=$("$build/aceuq" blas-kernels 2>/dev/null || true); [ -n "$core" ] && export OPENBLAS_CORETYPE=$core
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

case_files() {  # case -> "pace-file aceuq-pair_coeff-args aceuq-pair_style-args"
  case $1 in
    cui) echo "$pots/Cu-I.yace|$pots/Cu-I.yace|" ;;
    cupbe) echo "$pots/Cu.pbe.in.yace|$pots/Cu.pbe.in.yace|" ;;
    cu) echo "$here/../potentials/Cu.yace|$here/../potentials/Cu.yace|" ;;
    cui-grades) echo "$pots/Cu-I.yace|$pots/Cu-I.yaml $pots/Cu-I.wellcond.asi|grade_every 1" ;;
    cupbe-grades) echo "$pots/Cu.pbe.in.yace|$pots/Cu.pbe.in.yaml $pots/Cu.pbe.in.asi|grade_every 1" ;;
  esac
}

printf 'pair_style ace/uq vs pair_style pace recursive (ML-PACE %s): 4000-atom fcc Cu, %s NVE steps per block, best of %s\n' \
  "$(basename "$(ls -d "$ref"/lammps-user-pace-* 2>/dev/null | head -1)" | sed 's/lammps-user-pace-//')" "$steps" "$repeats"
printf '  %-14s %5s %14s %14s %8s\n' case ranks "pace us/at/st" "ace/uq us/at/st" ratio
for np in "$@"; do
  mpi=(); if [ "$np" -gt 1 ]; then mpi=(mpirun -np "$np" --oversubscribe -x LD_LIBRARY_PATH -x OPENBLAS_CORETYPE); [ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root); fi
  for c in $cases; do
    IFS='|' read -r pace_file uq_args uq_style <<<"$(case_files "$c")"
    set -- $uq_args
    [ -f "$pace_file" ] && [ -f "$1" ] || { printf '  %-14s skipped (no %s)\n' "$c" "$pace_file"; continue; }
    {
      printf '%s\n' "plugin load $plugin/aceuqplugin.so" "units metal" "lattice fcc 3.63" \
        "region box block 0 10 0 10 0 10" "create_box 1 box" "create_atoms 1 box" "mass 1 63.546" \
        "neighbor 1.0 bin" "velocity all create 600.0 4928459 loop geom" "fix nve all nve" "timestep 0.001" \
        "thermo $steps" "pair_style pace recursive" "pair_coeff * * $pace_file Cu" "run 10"
      for r in $(seq "$repeats"); do
        printf '%s\n' "pair_style pace recursive" "pair_coeff * * $pace_file Cu" "run $steps" \
          "pair_style ace/uq $uq_style" "pair_coeff * * $uq_args Cu" "run $steps"
      done
    } >in.$c
    "${mpi[@]}" "$ref/lmp" -nocite -log none -in in.$c >out.$c 2>&1 || { echo "  $c: LAMMPS failed:"; tail -5 out.$c; continue; }
    awk -v c="$c" -v np="$np" -v steps="$steps" '/^Loop time of/ {
        n++; if (n == 1) next;                     # warm-up
        t = $4 * 1e6 / (4000 * steps); k = (n % 2 == 0) ? "pace" : "uq"
        if (!(k in best) || t < best[k]) best[k] = t }
      END { printf "  %-14s %5d %14.2f %14.2f %8.3f\n", c, np, best["pace"], best["uq"], best["uq"] / best["pace"] }' out.$c
  done
done
