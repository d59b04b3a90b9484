#!/usr/bin/env bash
# The plugin in a newer LAMMPS: Debian trixie's `lammps` source package
# (LAMMPS 4Feb2025), built with PLUGIN by cmake/lammps.sh and cached next to
# the 29Sep2021 build (tests/run.sh builds it before ctest).  Compiles the glue
# against it, so that the version guards in plugin/aceuq_lammps_compat.h are
# exercised on both sides; the runtime checks (fix_pair_check.py) then use
# WORK_DIR/lmp and WORK_DIR/aceuqplugin.so.
#
#   newer_lammps.sh SOURCE_DIR WORK_DIR     (exit 77 = skipped: suite unavailable)
# Environment: ACEUQ_NEWER_SUITE (default trixie).
set -euo pipefail
src=$1; work=$2
suite=${ACEUQ_NEWER_SUITE:-trixie}

rm -rf "$work"
if ! lammps=$(ACEUQ_LAMMPS_SUITE=$suite bash "$src/cmake/lammps.sh" 2>"$work.lammps.log"); then
  tail -5 "$work.lammps.log"
  echo "SKIP: no LAMMPS from Debian suite '$suite' (source lists or download unavailable, see above)"; exit 77
fi
echo "newer LAMMPS: $lammps ($(grep -h '^#define LAMMPS_VERSION ' "$lammps/src/version.h"))"

cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=Release -DACEUQ_BUILD_TESTS=off \
  -DLAMMPS_SOURCE_DIR="$lammps/src" -DLAMMPS_BUILD_DIR="$lammps/build" >"$work.log" 2>&1 ||
  { cat "$work.log"; exit 1; }
cmake --build "$work" --target aceuqplugin -j 2 2>&1 | grep -Ev "^\[|^Consolidate|^gmake" || true
test -f "$work/aceuqplugin.so" || { echo "FAILED: plugin did not build against $lammps"; exit 1; }
nm -D --defined-only "$work/aceuqplugin.so" | grep -q " T lammpsplugin_init$"
test -x "$work/lmp" || { echo "FAILED: no lmp wrapper in $work"; exit 1; }
echo "OK: aceuqplugin.so compiles against LAMMPS $(sed -n "s/^#define LAMMPS_VERSION \"\(.*\)\"/\1/p" "$lammps/src/version.h")"
