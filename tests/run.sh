#!/usr/bin/env bash
# The whole test suite, from a fresh clone: set up (cmake/setup.sh --no-demo:
# packages, cached LAMMPS, build) and run ctest (unit, golden, CLI, LAMMPS on
# 1/2/4 MPI ranks, examples).  Extra arguments go to ctest, e.g. -L unit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ACEUQ_BUILD_DIR:-$root/build}
bash "$root/cmake/setup.sh" --no-demo
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" "$@"
