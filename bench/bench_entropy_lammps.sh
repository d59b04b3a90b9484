#!/usr/bin/env bash
# Cost of compute uq/entropy inside MD, measured in one run each:
# 4000-atom fcc Cu (EAM, 10x10x10 cells) at 600 K, 1000 steps, (a) without
# the compute, (b) with H + dH against a 20000-environment reference set
# evaluated every 100 steps (thermo), (c) every 10 steps, (d) H alone (no
# reference: descriptors + the kernel sums over all pairs of the frame) every
# 10 steps.  Prints microseconds/atom/step, ratios and the time of one
# evaluation.   usage: bench_entropy_lammps.sh [NP]
# ACEUQ_BUILD_DIR_B=<other build>: the same cases with that build's lmp and
# plugin alternately in the same run (e.g. an older commit), and the ratios.
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

run_case() {  # $1 = build dir, $2 = extra input commands; prints the loop time of the 1000-step run
  {
    printf '%s\n' "plugin load aceuqplugin.so" "units metal" "lattice fcc 3.615" \
      "region box block 0 10 0 10 0 10" "create_box 1 box" "create_atoms 1 box" "mass 1 63.546" \
      "pair_style eam" "pair_coeff 1 1 Cu_u3.eam" "velocity all create 600.0 4928459" "fix nve all nve"
    printf '%s\n' "$2" "run 100" "run 1000"
  } > in.bench
  "${mpi[@]}" "$1/lmp" -nocite -log none -in in.bench | awk '/^Loop time of/ {t = $4} END {print t}'
}
cases=("thermo 100"
"compute ent all uq/entropy reference ref.npy
thermo_style custom step pe c_ent c_ent[3]
thermo 100"
"compute ent all uq/entropy reference ref.npy
thermo_style custom step pe c_ent c_ent[3]
thermo 10"
"compute ent all uq/entropy
thermo_style custom step pe c_ent
thermo 10")
builds=("$build"); [ -n "${ACEUQ_BUILD_DIR_B:-}" ] && builds+=("$(cd "$ACEUQ_BUILD_DIR_B" && pwd)")
declare -A t
for c in 0 1 2 3; do for b in "${!builds[@]}"; do t[$b,$c]=$(run_case "${builds[$b]}" "${cases[$c]}"); done; done
report() {  # $1 = build index
  awk -v np="$np" -v t0="${t[$1,0]}" -v t1="${t[$1,1]}" -v t2="${t[$1,2]}" -v t3="${t[$1,3]}" -v b="${builds[$1]}" 'BEGIN {
  us = 1e6 / (4000 * 1000)
  printf "compute uq/entropy benchmark (%s): 4000 atoms, 1000 MD steps, %d MPI rank(s), reference 20000 envs\n", b, np
  printf "  EAM only                       %8.3f us/atom/step\n", t0 * us
  printf "  + uq/entropy every 100 steps   %8.3f us/atom/step  (x%.2f of the EAM-only run)\n", t1 * us, t1 / t0
  printf "  + uq/entropy every 10 steps    %8.3f us/atom/step  (x%.2f of the EAM-only run)\n", t2 * us, t2 / t0
  printf "  + H alone every 10 steps       %8.3f us/atom/step  (x%.2f of the EAM-only run)\n", t3 * us, t3 / t0
  printf "  one evaluation (descriptors + H + dH of 4000 atoms): %.4f s = %.1f us/atom\n",
         (t2 - t0) / 100, (t2 - t0) / 100 / 4000 * 1e6
  printf "  one evaluation of H alone (descriptors + H):         %.4f s = %.1f us/atom\n",
         (t3 - t0) / 100, (t3 - t0) / 100 / 4000 * 1e6 }'
}
report 0
if [ "${#builds[@]}" -gt 1 ]; then
  report 1
  awk -v a2="${t[0,2]}" -v a3="${t[0,3]}" -v a0="${t[0,0]}" -v b2="${t[1,2]}" -v b3="${t[1,3]}" -v b0="${t[1,0]}" 'BEGIN {
    printf "speed-up of the first build over the second: H + dH evaluation %.2fx, H alone %.2fx\n",
           (b2 - b0) / (a2 - a0), (b3 - b0) / (a3 - a0) }'
fi
