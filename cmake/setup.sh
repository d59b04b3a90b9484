#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a working aceuq:
#   1. Debian packages (installed when root, else the apt-get line is printed)
#   2. LAMMPS 29Sep2021 with the PLUGIN package from Debian's source package,
#      built once and cached in ${XDG_CACHE_HOME:-~/.cache}/aceuq
#   3. aceuq itself in build/ (build/lmp, build/aceuqplugin.so, build/aceuq)
#   4. the demos: quick start (plugin check + short MD) and the entropy demo
#      (Cu heated through melting with compute uq/entropy; skip both with --no-demo)
#
#   bash cmake/setup.sh [--no-demo]
# Environment: ACEUQ_BUILD_DIR (default <repo>/build), ACEUQ_CACHE_DIR, ACEUQ_JOBS.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
demo=1
for a in "$@"; do
  case "$a" in
    --no-demo) demo=0 ;;
    *) echo "usage: bash cmake/setup.sh [--no-demo]" >&2; exit 2 ;;
  esac
done
build=${ACEUQ_BUILD_DIR:-$root/build}
jobs=${ACEUQ_JOBS:-$(nproc)}

bash "$root/cmake/deps.sh"
lammps=$(bash "$root/cmake/lammps.sh")
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DLAMMPS_SOURCE_DIR="$lammps/src" -DLAMMPS_BUILD_DIR="$lammps/build" >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log" >&2; echo "aceuq: configure failed" >&2; exit 1; }
rm -f "$build.configure.log"
if ! cmake --build "$build" -j "$jobs" >"$build/build.log" 2>&1; then
  grep -E -A5 "error|Error" "$build/build.log" | head -60 >&2
  echo "aceuq: build failed (full log: $build/build.log)" >&2; exit 1
fi
grep -E "warning:" "$build/build.log" >&2 || true
echo "aceuq: ready: $build/lmp, $build/aceuqplugin.so, $build/aceuq"

if [ "$demo" -eq 1 ]; then
  bash "$root/examples/quickstart/run.sh" | tail -n 30
  bash "$root/examples/entropy/run.sh"
fi
