#!/usr/bin/env bash
# Cost of run-time energy and force spreads in LAMMPS, side by side in one run: 4000-atom fcc Cu (10x10x10,
# 600 K, NVE) with the project's potentials/Cu.yaml.  One LAMMPS process runs, after 10 warm-up steps,
# REPEATS rounds of blocks of STEPS steps, one block per case, redefining pair_style ace/uq between blocks
# (the same trajectory continues): energies + forces only; grades every step (Cu.asi); spreads every step
# without grades (posterior Cu.posterior.npz, no active set: committee 8, Bayesian 32, POPS 256 members),
# energy only and with force spreads (`spread forces`, in double and with `spread_precision single`); grades
# + force spreads.  Prints, per case, the best block in us/atom/step and its ratio to the best E+F block
# (the best of several alternating blocks is robust against a busy or noisy machine), and the range.
#   usage: bench_spread_lammps.sh [NP]        env: REPEATS (default 3), STEPS (default 100)
set -euo pipefail
np=${1:-1}
repeats=${REPEATS:-3}
steps=${STEPS:-100}
NP=$np source "$(dirname "${BASH_SOURCE[0]}")/cu_md_common.sh"

post="posterior $pots/Cu.posterior.npz"
# name | pair_style ace/uq arguments | pair_coeff files (the spread cases define compute uq/spread)
cases=(
  "energies + forces||$pots/Cu.yaml"
  "+ grades every step|grade_every 1|$pots/Cu.yaml $pots/Cu.asi"
  "+ committee energy spreads every step|grade_every 1 $post members committee|$pots/Cu.yaml"
  "+ bayes energy spreads every step|grade_every 1 $post members bayes|$pots/Cu.yaml"
  "+ pops energy spreads every step|grade_every 1 $post members pops|$pots/Cu.yaml"
  "+ committee energy+force spreads every step|grade_every 1 $post members committee spread forces|$pots/Cu.yaml"
  "+ committee energy+force spreads (single)|grade_every 1 $post members committee spread forces spread_precision single|$pots/Cu.yaml"
  "+ bayes energy+force spreads every step|grade_every 1 $post members bayes spread forces|$pots/Cu.yaml"
  "+ bayes energy+force spreads (single)|grade_every 1 $post members bayes spread forces spread_precision single|$pots/Cu.yaml"
  "+ grades + bayes energy+force spreads|grade_every 1 $post members bayes spread forces|$pots/Cu.yaml $pots/Cu.asi"
  "+ grades + committee energy+force spreads|grade_every 1 $post members committee spread forces|$pots/Cu.yaml $pots/Cu.asi"
)

{
  cu_md_start "plugin load aceuqplugin.so" "$steps"
  for ((r = 0; r < repeats; ++r)); do
    for c in "${cases[@]}"; do
      IFS='|' read -r name args files <<< "$c"
      printf '%s\n' "pair_style ace/uq $args" "pair_coeff * * $files Cu"
      [[ $args == *posterior* ]] && echo "compute s all uq/spread"
      echo "run $steps"
      [[ $args == *posterior* ]] && echo "uncompute s"
    done
  done
} > in.bench
"${mpi[@]}" "$build/lmp" -nocite -log none -in in.bench > out.txt
natoms=4000
echo "pair_style ace/uq spreads: 4000-atom fcc Cu, potentials/Cu.yaml (213 functions), $np rank(s);" \
  "best of $repeats alternating blocks of $steps steps"
awk -v nc="${#cases[@]}" -v per=$((natoms * steps)) -v names="$(printf '%s\n' "${cases[@]}" | cut -d'|' -f1 |
  paste -sd'|')" '
  /^Loop time of/ { if (++k == 1) next; c = (k - 2) % nc; t = $4 * 1e6 / per
                    if (!(c in best) || t < best[c]) best[c] = t; if (!(c in worst) || t > worst[c]) worst[c] = t }
  END { split(names, nm, "|")
        for (c = 0; c < nc; ++c)
          printf "  %-44s %8.2f us/atom/step   x%.3f of E+F   (blocks %.2f-%.2f)\n", nm[c + 1], best[c],
                 best[c] / best[0], best[c], worst[c] }' out.txt
