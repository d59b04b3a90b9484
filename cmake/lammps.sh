#!/usr/bin/env bash
# Build LAMMPS with the PLUGIN package from Debian's *source* package `lammps`
# and cache the build outside the clone.
#
#   bash cmake/lammps.sh            -> prints the cached LAMMPS directory on stdout
#                                      (DIR/src = sources, DIR/build = lmp + liblammps.so)
# Environment:
#   ACEUQ_CACHE_DIR   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/aceuq)
#   ACEUQ_JOBS        parallel build jobs (default: all cores)
#   ACEUQ_LAMMPS_SUITE take the source package from another Debian suite than
#                     the system's (e.g. trixie: LAMMPS 4Feb2025; used by the
#                     compat tests to run the plugin in a newer LAMMPS)
#
# The cache entry is keyed by the Debian source version, the CMake options, the
# compilers and this recipe's revision; an entry is only used when its build
# finished (marker file), so a half-finished earlier build is redone.
# apt's deb-src entries are enabled in a private apt configuration that reuses
# the URIs/Suites/Components of the system's sources (cmake/apt-private.sh).
set -euo pipefail

RECIPE=2
LAMMPS_OPTIONS=(
  -DCMAKE_BUILD_TYPE=Release
  -DBUILD_MPI=on -DBUILD_OMP=off
  -DBUILD_SHARED_LIBS=on
  -DPKG_PLUGIN=on -DPKG_MANYBODY=on
  -DLAMMPS_EXCEPTIONS=on
  -DLAMMPS_SIZES=smallbig
)

log() { echo "aceuq/lammps: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cache=${ACEUQ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aceuq}
jobs=${ACEUQ_JOBS:-$(nproc)}
mkdir -p "$cache/lammps"

# shellcheck source=apt-private.sh
. "$(dirname "${BASH_SOURCE[0]}")/apt-private.sh"
suite=${ACEUQ_LAMMPS_SUITE:-}
aptdir=$cache/apt${suite:+-$suite}
apt_private_setup "$aptdir" "$suite"

command -v dpkg-source >/dev/null || die "dpkg-source not found: install dpkg-dev (run cmake/deps.sh)"

srcver=""
if "${APT[@]}" update >"$aptdir/update.log" 2>&1; then
  srcver=$(apt_private_source_version lammps)
fi

toolchain="$(c++ --version 2>/dev/null | head -1) | $(mpicxx --showme:version 2>/dev/null || true)"
# (the suite enters the key only when set, so the default entry keeps its key)
key_of() { printf '%s\n' "recipe=$RECIPE" "src=$1" ${suite:+"suite=$suite"} "${LAMMPS_OPTIONS[@]}" "$toolchain" |
             sha256sum | cut -c1-16; }

if [ -z "$srcver" ]; then
  # offline: reuse a finished build made with the same options and toolchain
  for d in "$cache"/lammps/*/; do
    [ -f "$d/.complete" ] || continue
    v=$(cat "$d/.srcver")
    if [ "$(basename "$d")" = "$(key_of "$v")" ]; then
      log "apt source lists unavailable; reusing cached build $d"; echo "${d%/}"; exit 0
    fi
  done
  die "cannot read Debian's source package list (see $aptdir/update.log) and no cached LAMMPS build exists"
fi

key=$(key_of "$srcver")
dir="$cache/lammps/$key"
exec 9>"$dir.lock"
flock 9   # one build at a time per cache entry

if [ -f "$dir/.complete" ] && [ -x "$dir/build/lmp" ]; then
  log "using cached LAMMPS $srcver ($dir)"
  echo "$dir"; exit 0
fi

log "building LAMMPS $srcver with PLUGIN in $dir (one-time, a few minutes)"
rm -rf "$dir"; mkdir -p "$dir/dl"
# Debian's patches are not applied: they only serve the Debian packaging (e.g.
# one hard-codes the potentials folder and would disable LAMMPS_POTENTIALS).
# Some mirrors miss a suite's .dsc: then the upstream tarball alone is unpacked
# (equivalent, since the patches are skipped anyway).
( cd "$dir/dl" && "${APT[@]}" source --download-only "lammps=$srcver" &&
  dpkg-source --skip-patches -x ./*.dsc ) >"$dir/source.log" 2>&1 ||
( cd "$dir/dl" && rm -rf ./* && "${APT[@]}" source --tar-only "lammps=$srcver" &&
  tar -xJf ./*.orig.tar.xz ) >>"$dir/source.log" 2>&1 ||
  { tail -20 "$dir/source.log" >&2; die "apt-get source lammps=$srcver failed (log: $dir/source.log)"; }
tree=$(find "$dir/dl" -mindepth 1 -maxdepth 1 -type d -name 'lammps-*' | head -1)
[ -f "$tree/src/version.h" ] || die "unpacked source tree not found in $dir/dl"
mv "$tree" "$dir/src-tree"; rm -rf "$dir/dl"
ln -s src-tree/src "$dir/src"

# RPATH: the build tree's lmp finds its own liblammps.so first (never a system liblammps0)
cmake -S "$dir/src-tree/cmake" -B "$dir/build" "${LAMMPS_OPTIONS[@]}" \
  -DCMAKE_BUILD_RPATH="$dir/build" -DCMAKE_SKIP_BUILD_RPATH=off \
  >"$dir/configure.log" 2>&1 ||
  { tail -30 "$dir/configure.log" >&2; die "LAMMPS configure failed (log: $dir/configure.log)"; }
cmake --build "$dir/build" -j "$jobs" >"$dir/build.log" 2>&1 ||
  { tail -30 "$dir/build.log" >&2; die "LAMMPS build failed (log: $dir/build.log)"; }
[ -x "$dir/build/lmp" ] || die "LAMMPS build produced no lmp binary"
printf '%s\n' "$srcver" > "$dir/.srcver"
touch "$dir/.complete"
log "LAMMPS ready: $dir/build/lmp"
echo "$dir"
