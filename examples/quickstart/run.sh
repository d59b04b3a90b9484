#!/usr/bin/env bash
# Runs the quick-start example on 2 MPI ranks in <build>/examples/quickstart.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${ACEUQ_BUILD_DIR:-$here/../../build}
build=$(cd "$build" && pwd)
out="$build/examples/quickstart"; mkdir -p "$out"; cd "$out"
mpi=(mpirun -np 2 --oversubscribe); [ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
echo "aceuq quick start: $("$build/aceuq" --version); running LAMMPS on 2 MPI ranks in $out"
"${mpi[@]}" "$build/lmp" -nocite -in "$here/in.quickstart"
