#!/usr/bin/env bash
# The three spread targets of issue 14 as paired ratios: 4000-atom fcc Cu (10x10x10, 600 K, NVE),
# potentials/Cu.yaml, one LAMMPS process.  After 10 warm-up steps, ROUNDS rounds; in each round every
# target case runs one block of STEPS steps between two blocks of energies + forces only
# (E+F, case 1, E+F, case 2, E+F, case 3, E+F, ...; the case order rotates from round to round and the
# trajectory continues).  A block's ratio is its time over the mean of the two E+F blocks around it, so
# a slow minute of a shared machine moves both and cancels.  Per case it prints the median of the
# ratios, their quartiles, and a distribution-free 95 % confidence interval of the median (order
# statistics of the binomial(n, 1/2)); the verdict is "met" when the interval lies at or below the
# target, "missed" when it lies above, "undecided" otherwise.  Where code and data land differs from
# process to process and moves the ratios by a few per cent (bench/README.md, session 16), more than
# one process's interval shows: with PROCESSES > 1 a target is met (missed) only if every process
# says so.
#   usage: bench_spread_targets.sh [NP]      env: ROUNDS (default 12), STEPS (default 40), PROCESSES (default 1:
#                                            LAMMPS processes, one after the other), WARM (default 3:
#                                            untimed steps at the start of each block),
#                                            VERBOSE=1 also prints every block (us/atom/step) and ratio
set -euo pipefail
np=${1:-1}
rounds=${ROUNDS:-12}
steps=${STEPS:-40}
warm=${WARM:-3}
processes=${PROCESSES:-1}
NP=$np source "$(dirname "${BASH_SOURCE[0]}")/cu_md_common.sh"

post="grade_every 1 posterior $pots/Cu.posterior.npz"
# name | pair_style ace/uq arguments | target ratio (issue 14)
cases=(
  "energy spreads, Bayesian 32|$post members bayes|1.10"
  "energy + force spreads, committee 8 (single)|$post members committee spread forces spread_precision single|1.5"
  "energy + force spreads, Bayesian 32 (single)|$post members bayes spread forces spread_precision single|2.5"
)
nc=${#cases[@]}

# each block: WARM untimed steps after the style is (re)defined (first-step allocations and cold rows
# are not what an MD run sees), then STEPS timed steps continuing without a new setup
timed() { printf '%s\n' "run $warm post no" "run $steps pre no post no"; }
ef_block() { printf '%s\n' "pair_style ace/uq" "pair_coeff * * $pots/Cu.yaml Cu"; timed; }
{
  cu_md_start "plugin load aceuqplugin.so" "$steps"
  ef_block
  for ((r = 0; r < rounds; ++r)); do
    for ((j = 0; j < nc; ++j)); do
      c=$(( (j + r) % nc ))
      IFS='|' read -r name args target <<< "${cases[$c]}"
      echo "# case $c"
      printf '%s\n' "pair_style ace/uq $args" "pair_coeff * * $pots/Cu.yaml Cu" "compute s all uq/spread" \
        "$(timed)" "uncompute s"
      ef_block
    done
  done
} > in.bench
per=$((4000 * steps))
names=$(printf '%s\n' "${cases[@]}" | cut -d'|' -f1 | paste -sd'|')
targets=$(printf '%s\n' "${cases[@]}" | awk -F'|' '{ printf "%s%s=%s", (NR > 1 ? "|" : ""), $1, $3 }')
echo "pair_style ace/uq spread targets: 4000-atom fcc Cu, potentials/Cu.yaml, $np rank(s); $processes process(es) of" \
  "$rounds rounds, each case's block of $steps timed steps between two E+F blocks"
for ((p = 1; p <= processes; ++p)); do
  "${mpi[@]}" "$build/lmp" -nocite -log none -in in.bench > out.txt
  # blocks: the warm-up, E+F, then per round nc pairs (case, E+F) in the rotated order of the input
  rm -f blocks.txt
  awk -v nc="$nc" -v rounds="$rounds" -v per="$per" -v verbose="${VERBOSE:-0}" -v names="$names" -v p="$p" '
    /^Loop time of/ { if (++nl == 1 || nl % 2 == 1) t[++nb] = $4 * 1e6 / per }   # the warm-up, then the timed runs
    END {
      split(names, nm, "|")
      if (nb != 2 + 2 * nc * rounds) { printf "unexpected number of blocks: %d\n", nb > "/dev/stderr"; exit 1 }
      b = 2; printf "%.4f\n", t[b] >> "ef.txt"
      for (r = 0; r < rounds; ++r)
        for (j = 0; j < nc; ++j) {
          c = (j + r) % nc; ratio = t[b + 1] / (0.5 * (t[b] + t[b + 2])); printf "%.4f\n", t[b + 2] >> "ef.txt"
          printf "%s\t%.6f\n", nm[c + 1], ratio
          if (verbose) printf "    round %2d  E+F %6.2f  %-46s %6.2f  E+F %6.2f  ratio %.3f\n", r + 1, t[b], nm[c + 1],
                              t[b + 1], t[b + 2], ratio > "blocks.txt"
          b += 2
        }
    }' out.txt > "ratios.$p.txt"
  [ -f blocks.txt ] && cat blocks.txt
  [ "$processes" -gt 1 ] && echo "process $p:"
  awk -v targets="$targets" -f "$here/paired_stats.awk" "ratios.$p.txt" | tee "summary.$p.txt"
done
sort -g ef.txt | awk '{ v[++n] = $1 } END { printf "  %-46s %.2f us/atom/step median of %d blocks (%.2f-%.2f)\n",
                                            "energies + forces", v[int((n + 1) / 2)], n, v[1], v[n] }'
if [ "$processes" -gt 1 ]; then
  # a target is met (missed) only if every process's interval says so; the pooled median for reference
  echo "all $processes processes (pooled ratios; verdict: the same in every process, else undecided):"
  cat ratios.*.txt | awk -f "$here/paired_stats.awk" | while IFS= read -r line; do
    for ((c = 0; c < nc; ++c)); do
      IFS='|' read -r name args target <<< "${cases[$c]}"
      [[ $line == *"$name"* ]] || continue
      v=$(cat summary.*.txt | grep -F "$name" | sed 's/.*: //' | sort -u)
      [ "$(echo "$v" | wc -l)" -eq 1 ] || v=undecided
      line+="   target <= $target: $v"
    done
    echo "$line"
  done
fi
