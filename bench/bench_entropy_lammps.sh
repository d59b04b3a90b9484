#!/usr/bin/env bash
# Cost of compute uq/entropy inside MD, measured in one run each:
# 4000-atom fcc Cu (EAM, 10x10x10 cells) at 600 K, 1000 steps, (a) without
# the compute, (b) with H + dH against a 20000-environment reference set
# evaluated every 100 steps (thermo), (c) every 10 steps.
# Prints microseconds/atom/step and ratios.   usage: bench_entropy_lammps.sh [NP]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${ACEUQ_BUILD_DIR:-$here/../build}" && pwd)
np=${1:-1}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; cd "$work"
mpi=(); if [ "$np" -gt 1 ]; then mpi=(mpirun -np "$np" --oversubscribe); [ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root); fi

# reference: 5 frames of 4000 atoms with 0.1 A noise (the QUESTS speed anchor)
python3 - <<'PY'
import random
random.seed(7)
a, n = 3.615, 10
basis = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
with open("ref.xyz", "w") as f:
    for frame in range(5):
        f.write("%d\nLattice=\"%g 0 0 0 %g 0 0 0 %g\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n"
                % (4 * n ** 3, a * n, a * n, a * n))
        for i in range(n):
            for j in range(n):
                for k in range(n):
                    for b in basis:
                        x = [a * (c + d) + random.gauss(0, 0.1) for c, d in zip((i, j, k), b)]
                        f.write("Cu %.8f %.8f %.8f\n" % tuple(x))
PY
"$build/aceuq" descriptors ref.xyz -o ref.npy

run_case() {  # $1 = extra input commands; prints the loop time of the 1000-step run
  {
    printf '%s\n' "plugin load aceuqplugin.so" "units metal" "lattice fcc 3.615" \
      "region box block 0 10 0 10 0 10" "create_box 1 box" "create_atoms 1 box" "mass 1 63.546" \
      "pair_style eam" "pair_coeff 1 1 Cu_u3.eam" "velocity all create 600.0 4928459" "fix nve all nve"
    printf '%s\n' "$1" "run 100" "run 1000"
  } > in.bench
  "${mpi[@]}" "$build/lmp" -nocite -log none -in in.bench | awk '/^Loop time of/ {t = $4} END {print t}'
}
t0=$(run_case "thermo 100")
t1=$(run_case "compute ent all uq/entropy reference ref.npy
thermo_style custom step pe c_ent c_ent[3]
thermo 100")
t2=$(run_case "compute ent all uq/entropy reference ref.npy
thermo_style custom step pe c_ent c_ent[3]
thermo 10")
awk -v np="$np" -v t0="$t0" -v t1="$t1" -v t2="$t2" 'BEGIN {
  us = 1e6 / (4000 * 1000)
  printf "compute uq/entropy benchmark: 4000 atoms, 1000 MD steps, %d MPI rank(s), reference 20000 envs\n", np
  printf "  EAM only                       %8.3f us/atom/step\n", t0 * us
  printf "  + uq/entropy every 100 steps   %8.3f us/atom/step  (x%.2f of the EAM-only run)\n", t1 * us, t1 / t0
  printf "  + uq/entropy every 10 steps    %8.3f us/atom/step  (x%.2f of the EAM-only run)\n", t2 * us, t2 / t0
  printf "  one evaluation (descriptors + H + dH of 4000 atoms): %.3f s = %.1f us/atom\n",
         (t2 - t0) / 100, (t2 - t0) / 100 / 4000 * 1e6 }'
