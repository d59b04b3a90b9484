#!/usr/bin/env bash
# The active-learning example in <build>/examples/active_learning, on 2 MPI ranks:
#   1. initial data: a few frames of fcc Cu at 300 K from the oracle (potentials/oracle/sample.py
#      --quick; its liquid / defect / hot frames of other runs are the held-out test set, with 24
#      liquid and 40 crystal frames of 108 atoms from independent runs (seed 2027) for the targets);
#   2. the initial, deliberately poor potential pot_1.yaml (+ .asi) on that data (aceuq fit);
#   3. in.active_learning: MD with halt -> label -> refit -> reload, until the run reaches its end;
#   4. report.md (a table per iteration) and active_learning.png (gnuplot).
#   usage: run.sh [NSTEPS=8000] [MAXIT=9]   (MAXIT potentials at most, i.e. MAXIT-1 refits)
#   AL_VARS="-var NAME VALUE ..." passes more LAMMPS variables (harvest_lower, harvest_max, halt_gamma);
#   AL_NAME=DIR writes into <build>/examples/DIR instead (the tests run two loops side by side).
#   Exit status 1 when the loop stopped on an error (the message names the iteration and the step).
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
example_setup "${AL_NAME:-active_learning}"
nsteps=${1:-8000}; maxit=${2:-9}
root=$(cd "$here/../.." && pwd)
export ACEUQ="$build/aceuq" LMP="$build/lmp" AL_SPEC="${AL_SPEC:-$here/al.spec.yaml}" AL_TRAIN0="$out/train0.xyz" \
       AL_TEST="$out/heldout.xyz"
rm -rf iter_* md_report.dat report.dat report.md gamma_T.dat halts.dat
t0=$(date +%s)
python3 "$root/potentials/oracle/sample.py" Cu oracle --quick --lmp "$LMP" --aceuq "$ACEUQ" > sample.log
cp oracle/train/md300.xyz train0.xyz
python3 "$root/potentials/oracle/sample.py" Cu oracle_targets --classes md300,liquid --runs 2 --seed 2027 \
  --lmp "$LMP" --aceuq "$ACEUQ" > sample_targets.log
cat oracle/test/md300.xyz oracle/test/liquid.xyz oracle/test/vacancy.xyz oracle/test/interstitial.xyz \
    oracle/test/md1200.xyz oracle_targets/test/md300.xyz oracle_targets/test/liquid.xyz > heldout.xyz
mkdir iter_1
t1=$(date +%s.%N)
"$ACEUQ" fit "$AL_SPEC" --train train0.xyz --test heldout.xyz -o iter_1/pot.yaml --energy-weight 10 --no-pops \
  --samples 0 --local none > iter_1/fit.log
bash "$here/report_line.sh" 1 "$(date +%s.%N)" "$t1" train0.xyz > report.dat
cp "$here/refit.sh" "$here/report_line.sh" .
echo "active learning: initial potential iter_1/pot.yaml on $(grep -c '^[0-9][0-9]*$' train0.xyz) frames; MD on 2 ranks in $out"
# shellcheck disable=SC2086
"${mpi[@]}" "$LMP" -nocite -log log.lammps -in "$here/in.active_learning" -var nsteps "$nsteps" -var maxit "$maxit" \
  ${AL_VARS:-} > lammps.out 2>&1 || true
grep -E "^active learning|Fix halt|ERROR" lammps.out || true
if grep -q "^active learning: ERROR\|^ERROR" lammps.out; then
  echo "active learning: the loop stopped on an error ($out/lammps.out); everything before it is kept in $out/iter_*" >&2
  exit 1
fi
wall=$(( $(date +%s) - t0 ))
# the table: md_report.dat (potential, step, T, max gamma at the end of its run), report.dat
# (potential, training frames, frames added, held-out energy / force RMSE, refit seconds)
{
  echo "| potential | training frames | frames added | held-out RMSE: all / liquid / 300 K crystal (meV/atom; meV/Å) | MD with it: steps | T reached (K) | max gamma at its end | refit (s) |"
  echo "|---|---|---|---|---|---|---|---|"
  prev=0
  while read -r p frames added e f el fl em fm dt; do
    md=$(awk -v p="$p" '$1 == p' md_report.dat)
    step=$(echo "$md" | awk '{print $2}'); T=$(echo "$md" | awk '{print $3}'); g=$(echo "$md" | awk '{print $4}')
    echo "| $p | $frames | $added | $e / $el / $em; $f / $fl / $fm | ${prev}–${step:-not run} | ${T:--} | ${g:--} | $dt |"
    prev=${step:-$prev}
  done < report.dat
  echo
  echo "Wall time of the whole loop (oracle data, fits, MD on 2 ranks): ${wall} s."
  echo
  # the issue's targets: the last potential on the liquid vs the start domain (300 K crystal), and
  # vs the first potential on the liquid (report.dat columns: 6/7 liquid, 8/9 crystal, energy/forces)
  awk 'NR == 1 {e0 = $6; f0 = $7} {p = $1; e = $6; f = $7; ec = $8; fc = $9}
       END {printf "Targets, potential %d: held-out liquid / 300 K crystal RMSE: energy %.2fx, forces %.2fx " \
                   "(target <= 2x); potential 1 / potential %d on the liquid: energy %.0fx, forces %.1fx (target >= 5x).\n",
                   p, e / ec, f / fc, p, e0 / e, f0 / f}' report.dat
} > report.md
cat report.md
last=$(tail -n 1 md_report.dat)
if [ "$(echo "$last" | awk '{print $2}')" -ge "$nsteps" ]; then
  echo "active learning: reached step $nsteps with potential $(echo "$last" | awk '{print $1}') without a halt"
else
  echo "active learning: stopped at step $(echo "$last" | awk '{print $2}') (no potential reached step $nsteps)"
fi
if command -v gnuplot > /dev/null; then
  awk 'NR > 1 && $1 > 0 {print $2}' md_report.dat > halts.dat
  gnuplot <<'GP'
set terminal pngcairo size 1000,420 font ',10' noenhanced
set output 'active_learning.png'
set multiplot layout 1,2
set xlabel 'time (ps)'; set ylabel 'max gamma'; set y2label 'T (K)'; set logscale y; set y2tics; set ytics nomirror
set grid; set key top left
set title 'MD with refits (dashed: halt at gamma > 8, label, refit, reload, continue)'
set yrange [0.5:20]
plot 'gamma_T.dat' u ($1*0.002):3 w l lw 1.5 t 'max gamma', '' u ($1*0.002):2 axes x1y2 w l lc rgb '#cc6600' t 'T', \
     'halts.dat' u ($1*0.002):(0.5):(0):(19.5) w vectors nohead dt 2 lc rgb '#888888' t 'refit'
unset logscale y; unset y2tics; unset y2label; set ytics mirror; set autoscale y
set title 'held-out RMSE per potential'; set xlabel 'potential'; set ylabel 'energy (meV/atom)'; set key top right
set y2label 'forces (meV/A)'; set y2tics; set ytics nomirror
set logscale y; set logscale y2
plot 'report.dat' u 1:4 w lp pt 7 t 'energy, all', '' u 1:6 w lp pt 6 t 'energy, liquid', \
     '' u 1:5 axes x1y2 w lp pt 5 t 'forces, all', '' u 1:7 axes x1y2 w lp pt 4 t 'forces, liquid'
unset multiplot
GP
  echo "active learning: wrote $out/active_learning.png and $out/report.md"
fi
