#!/usr/bin/env bash
# Runs the quick-start example on 2 MPI ranks in <build>/examples/quickstart.
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
example_setup quickstart
echo "aceuq quick start: $("$build/aceuq" --version); running LAMMPS on 2 MPI ranks in $out"
"${mpi[@]}" "$build/lmp" -nocite -in "$here/in.quickstart"
