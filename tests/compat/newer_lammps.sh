#!/usr/bin/env bash
# Compile check of the LAMMPS glue against a newer LAMMPS (the `lammps` source
# package of a newer Debian suite, default trixie: LAMMPS 4Feb2025), so that
# the version guards in plugin/aceuq_lammps_compat.h are exercised on both
# sides.  Only headers are needed: the plugin is compiled and linked (its
# LAMMPS symbols stay undefined, as in any plugin), not loaded.
#
#   newer_lammps.sh SOURCE_DIR WORK_DIR     (exit 77 = skipped: suite unavailable)
# The unpacked tree is cached in ${ACEUQ_CACHE_DIR:-~/.cache/aceuq}/lammps-newer.
set -euo pipefail
src=$1; work=$2
suite=${ACEUQ_NEWER_SUITE:-trixie}
cache=${ACEUQ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aceuq}/lammps-newer
mkdir -p "$cache"
# shellcheck source=../../cmake/apt-private.sh
. "$src/cmake/apt-private.sh"

tree=$(find "$cache" -mindepth 2 -maxdepth 2 -type d -name 'lammps-*' 2>/dev/null | head -1)
if [ -z "$tree" ] || [ ! -f "$cache/.complete" ]; then
  apt_private_setup "$cache/apt" "$suite"
  if ! "${APT[@]}" update >"$cache/update.log" 2>&1; then
    echo "SKIP: Debian suite '$suite' source lists unavailable (see $cache/update.log)"; exit 77
  fi
  ver=$(apt_private_source_version lammps)
  [ -n "$ver" ] || { echo "SKIP: no lammps source package in suite '$suite'"; exit 77; }
  rm -rf "$cache/dl" "$cache/.complete"; mkdir -p "$cache/dl"
  # only the upstream tarball's src/ is needed (headers): no .dsc, no Debian patches
  ( cd "$cache/dl" && "${APT[@]}" source --tar-only "lammps=$ver" &&
    tar -xJf ./*.orig.tar.xz --wildcards '*/src/*' && rm -f ./*.tar.* ) >"$cache/source.log" 2>&1 ||
    { tail -5 "$cache/source.log"; echo "SKIP: could not fetch lammps $ver from '$suite'"; exit 77; }
  touch "$cache/.complete"
  tree=$(find "$cache" -mindepth 2 -maxdepth 2 -type d -name 'lammps-*' | head -1)
fi
echo "newer LAMMPS tree: $tree ($(grep -h '^#define LAMMPS_VERSION ' "$tree/src/version.h"))"

rm -rf "$work"
cmake -S "$src" -B "$work" -DLAMMPS_SOURCE_DIR="$tree/src" -DACEUQ_BUILD_TESTS=off >"$work.log" 2>&1 ||
  { cat "$work.log"; exit 1; }
cmake --build "$work" --target aceuqplugin -j 2 2>&1 | grep -Ev "^\[|^Consolidate|^gmake" || true
test -f "$work/aceuqplugin.so" || { echo "FAILED: plugin did not build against $tree"; exit 1; }
nm -D --defined-only "$work/aceuqplugin.so" | grep -q " T lammpsplugin_init$"
echo "OK: aceuqplugin.so compiles against LAMMPS $(sed -n "s/^#define LAMMPS_VERSION \"\(.*\)\"/\1/p" "$tree/src/version.h")"
