#!/usr/bin/env bash
# Two builds of the plugin side by side in one LAMMPS process: is B faster than A, and by how much?
# 4000-atom fcc Cu (10x10x10, 600 K, NVE), potentials/Cu.yaml.  Per round and case, one block with
# plugin A and one with plugin B (order A B / B A alternating, so that a drift of the machine cancels);
# between them all of the plugin's styles are unloaded (`plugin unload`) and the other build is loaded.
# The plugin exports only lammpsplugin_init and binds its own symbols (-Bsymbolic), so the two copies
# do not mix.  Each block: WARM untimed steps after the pair style is defined, then STEPS timed steps.
# Prints per case the median of the per-round ratios t_B / t_A with quartiles and a 95 % confidence
# interval (paired_stats.awk): an interval that excludes 1 is a difference; else there is none to see.
#   usage: bench_ab_plugins.sh A.so B.so [CASE...]    cases (default: ef c8s):
#     ef  energies + forces            b32e / c8e / pops  energy spreads (Bayesian 32, committee 8, POPS 256)
#     c8s / b32s  energy + force spreads in single precision, c8d / b32d in double;  grades  grades every step
#   env: ROUNDS (default 8), STEPS (default 30), WARM (default 3), VERBOSE=1 (every block), NP (ranks, default 1)
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
plug_a=$(realpath "$1"); plug_b=$(realpath "$2"); shift 2
for p in "$plug_a" "$plug_b"; do [ -f "$p" ] || { echo "bench_ab_plugins.sh: no plugin file $p" >&2; exit 2; }; done
[ "$plug_a" != "$plug_b" ] || { echo "bench_ab_plugins.sh: A and B are the same file (copy one to compare a build with itself)" >&2; exit 2; }
cases=("$@"); [ ${#cases[@]} -gt 0 ] || cases=(ef c8s)
rounds=${ROUNDS:-8} steps=${STEPS:-30} warm=${WARM:-3} np=${NP:-1}
source "$(dirname "${BASH_SOURCE[0]}")/cu_md_common.sh"
post="grade_every 1 posterior $pots/Cu.posterior.npz"
declare -A args=(
  [ef]="" [grades]="grade_every 1" [b32e]="$post members bayes" [c8e]="$post members committee"
  [pops]="$post members pops" [c8s]="$post members committee spread forces spread_precision single"
  [b32s]="$post members bayes spread forces spread_precision single" [c8d]="$post members committee spread forces"
  [b32d]="$post members bayes spread forces"
)
for c in "${cases[@]}"; do [ -n "${args[$c]+x}" ] || { echo "bench_ab_plugins.sh: unknown case '$c'" >&2; exit 2; }; done

current=""
switch_to() { # unload the loaded build's styles (the last one closes it), load the other
  if [ -n "$current" ]; then
    printf 'plugin unload %s\n' "command aceuq" "pair ace/uq" "compute uq/grade" "compute uq/spread" \
      "fix uq/harvest" "compute uq/entropy"
  fi
  echo "plugin load $1"; current=$1
}
block() { # block CASE PLUGIN: one timed block, and its label into blocks.txt
  [ "$current" = "$2" ] || switch_to "$2"
  local files="$pots/Cu.yaml"; [ "$1" = grades ] && files+=" $pots/Cu.asi"
  printf '%s\n' "pair_style ace/uq ${args[$1]}" "pair_coeff * * $files Cu"
  [[ ${args[$1]} == *posterior* ]] && echo "compute s all uq/spread"
  printf '%s\n' "run $warm post no" "run $steps pre no post no"
  [[ ${args[$1]} == *posterior* ]] && echo "uncompute s"
  printf '%s\t%s\n' "$1" "$([ "$2" = "$plug_a" ] && echo A || echo B)" >> blocks.txt
}
{
  cu_md_start "$(switch_to "$plug_a")" "$steps"; current=$plug_a
  for ((r = 0; r < rounds; ++r)); do
    for ((j = 0; j < ${#cases[@]}; ++j)); do
      if (( (r + j) % 2 == 0 )); then block "${cases[$j]}" "$plug_a"; block "${cases[$j]}" "$plug_b"
      else block "${cases[$j]}" "$plug_b"; block "${cases[$j]}" "$plug_a"; fi
    done
  done
} > in.ab
"${mpi[@]}" "$build/lmp" -nocite -log none -in in.ab > out.txt 2>&1 || { tail -20 out.txt >&2; exit 1; }
echo "plugins A = $plug_a, B = $plug_b: 4000-atom fcc Cu, $np rank(s), $rounds rounds of $steps-step blocks per case"
# the timed runs: every second Loop time line after the warm-up's; pairs of blocks in file order
awk -v per=$((4000 * steps)) -v verbose="${VERBOSE:-0}" 'FNR == NR { c[++n] = $1; p[n] = $2; next }
  /^Loop time of/ { if (++nl > 1 && nl % 2 == 1) t[++nb] = $4 * 1e6 / per }
  END { if (nb != n) { printf "bench_ab_plugins.sh: %d timed blocks, %d expected\n", nb, n > "/dev/stderr"; exit 1 }
        for (i = 1; i < n; i += 2) {
          ta = p[i] == "A" ? t[i] : t[i + 1]; tb = p[i] == "A" ? t[i + 1] : t[i]
          printf "%s B/A\t%.6f\n", c[i], tb / ta
          if (verbose) printf "    %-5s A %7.2f  B %7.2f us/atom/step  B/A %.3f\n", c[i], ta, tb, tb / ta > "verbose.txt"
        } }' blocks.txt out.txt > ratios.txt
[ -f verbose.txt ] && cat verbose.txt
awk -f "$here/paired_stats.awk" ratios.txt
