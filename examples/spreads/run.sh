#!/usr/bin/env bash
# The spreads example on 2 MPI ranks in <build>/examples/spreads/MEMBERS: heated Cu with the posterior of
# potentials/Cu.yaml (members: pops, bayes or committee), every frame labelled afterwards with the
# oracle; prints how many frames the members' bounds and +-2 sigma contain the oracle's energy and
# plots both against temperature (spreads.png).
#   usage: run.sh [MEMBERS=pops] [NSTEPS=6000]
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
example_setup spreads
pots=$(cd "$here/../../potentials" && pwd)
members=${1:-pops}; nsteps=${2:-6000}
mkdir -p "$members"; cd "$members"; out=$out/$members
rm -f frames.xyz labelled.xyz spreads.dat
"${mpi[@]}" "$build/lmp" -nocite -log log.lammps -in "$here/in.spreads" -var pots "$pots" -var members "$members" \
  -var nsteps "$nsteps" > lammps.out
"$build/aceuq" label frames.xyz -o labelled.xyz --lmp "$build/lmp" --elements Cu --pair-style eam/alloy \
  --pair-coeff "* * Cu_mishin1.eam.alloy Cu" > label.log
/usr/bin/python3 "$here/compare.py" spreads.dat frames.xyz labelled.xyz "$members" > compare.dat
tail -n 1 compare.dat | sed 's/^# //'
if command -v gnuplot > /dev/null; then
  gnuplot <<GP
set terminal pngcairo size 900,560 font ',11' noenhanced
set output 'spreads.png'
set xlabel 'time (ps); NPT ramp 300 K -> 2500 K, melting near 1500-2000 K'; set ylabel 'E - E_ACE (meV/atom)'
set grid; set key top left
set title 'pair_style ace/uq potentials/Cu.yaml: ${members} members at run time vs the oracle (256 Cu atoms)'
plot 'compare.dat' u (\$1*0.002):4:5 w filledcurves lc rgb '#c6dbef' t '${members} bounds (min..max over members)', \
     '' u (\$1*0.002):(-2*\$3) w l lc rgb '#08519c' dt 2 t '-2 sigma', '' u (\$1*0.002):(2*\$3) w l lc rgb '#08519c' dt 2 t '+2 sigma', \
     '' u (\$1*0.002):6 w p pt 7 ps 0.6 lc rgb '#cb181d' t 'oracle (Cu_mishin1.eam.alloy) - ACE'
GP
  echo "spreads: wrote $out/spreads.png"
fi
