# Sourced by examples/*/run.sh: resolves the build directory (ACEUQ_BUILD_DIR,
# default <repo>/build), makes and enters <build>/examples/<name>, and sets
# `mpi` to the mpirun prefix for 2 ranks (root needs --allow-run-as-root).
#   example_setup NAME     -> variables: here (example dir), build, out, mpi
example_setup() {
  here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
  build=${ACEUQ_BUILD_DIR:-$here/../../build}
  build=$(cd "$build" && pwd)
  out="$build/examples/$1"
  mkdir -p "$out"
  cd "$out"
  mpi=(mpirun -np 2 --oversubscribe)
  if [ "$(id -u)" -eq 0 ]; then mpi+=(--allow-run-as-root); fi
}
