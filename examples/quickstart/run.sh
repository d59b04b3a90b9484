#!/usr/bin/env bash
# Runs the quick-start example on 2 MPI ranks in <build>/examples/quickstart: pair_style ace/uq
# with potentials/Cu.yaml + Cu.asi, heated until gamma passes the upper threshold; then plots
# max gamma against temperature (gamma_vs_T.png, gnuplot).
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
example_setup quickstart
pots=$(cd "$here/../../potentials" && pwd)
echo "aceuq quick start: $("$build/aceuq" --version); running LAMMPS on 2 MPI ranks in $out"
"${mpi[@]}" "$build/lmp" -nocite -in "$here/in.quickstart" -var pots "$pots"
frames=$(grep -c '^[0-9][0-9]*$' harvested.xyz || true)
echo "quickstart: $frames harvested frame(s) in $out/harvested.xyz (2 <= max gamma < 10)"
if command -v gnuplot > /dev/null; then
  gnuplot <<'GP'
set terminal pngcairo size 800,500 font ',11' noenhanced
set output 'gamma_vs_T.png'
set xlabel 'temperature (K)'; set ylabel 'max extrapolation grade gamma'
set logscale y; set grid; set key top left
set title 'pair_style ace/uq, potentials/Cu.yaml + Cu.asi: 256 Cu atoms heated at 1 K/fs'
set arrow from graph 0, first 2 to graph 1, first 2 nohead dt 2 lc rgb '#888888'
set arrow from graph 0, first 10 to graph 1, first 10 nohead dt 2 lc rgb '#cc0000'
plot 'gamma_vs_T.dat' u 2:3 w p pt 7 ps 0.5 t 'max gamma (every 10 steps)', \
     1/0 dt 2 lc rgb '#888888' t 'lower 2: harvest', 1/0 dt 2 lc rgb '#cc0000' t 'upper 10: fix halt'
GP
  echo "quickstart: wrote $out/gamma_vs_T.png"
fi
