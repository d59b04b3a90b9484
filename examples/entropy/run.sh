#!/usr/bin/env bash
# Cu heated through melting with compute uq/entropy (about 30 s on 2 cores).
# Output in <build>/examples/entropy: log files, entropy.dat, entropy.png.
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
example_setup entropy

echo "== 1. crystalline reference: 300 K MD snapshots -> QUESTS descriptors"
"${mpi[@]}" "$build/lmp" -nocite -log crystal.log -screen none -in "$here/in.crystal"
python3 "$here/dump2xyz.py" crystal.dump crystal.xyz Cu
"$build/aceuq" descriptors crystal.xyz -o crystal_ref.npy --k 32 --cutoff 5.0

echo "== 2. heating through melting with compute uq/entropy"
"${mpi[@]}" "$build/lmp" -nocite -log melt.log -in "$here/in.melt"

echo "== 3. plot"
gnuplot "$here/plot.gp"
awk '!/^#/ { if (NR == 2) first = $0; last = $0 } END {
  split(first, a); split(last, b);
  printf "start: T = %s K, H = %.3f, max dH = %.2f\nend:   T = %s K, H = %.3f, max dH = %.2f\n",
         a[5], a[2], a[3], b[5], b[2], b[3] }' entropy.dat
echo "plot: $out/entropy.png"
