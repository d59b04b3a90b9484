#!/usr/bin/env bash
# build.sh -- a reference LAMMPS with ML-PACE (pair_style pace) *and* PLUGIN, for the speed
# comparison of bench/bench_pace_vs_aceuq.sh only.  Nothing in the set-up, the tests or CI needs it.
#
# It reuses an unpacked Debian LAMMPS source tree of cmake/lammps.sh -- by default Debian trixie's
# (LAMMPS 4Feb2025, ACEUQ_LAMMPS_SUITE=trixie, the tree the compat tests use) -- and configures a
# second build of it with the same options plus -DPKG_ML-PACE=on.  A plugin compiled against that
# tree (bench/bench_pace_vs_aceuq.sh does it) loads into this lmp, so one LAMMPS process can run
# `pair_style pace` and `pair_style ace/uq` one after the other.
#
# Why not LAMMPS 29Sep2021 (the project's own LAMMPS): its ML-PACE pins the library tag v.2021.4.9,
# which reads only the old text `.ace` format -- not the `.yace` files pacemaker writes today and
# that the reference and the project's potentials come in ("couldn't read 'nelements'").
# ACEUQ_LAMMPS_SUITE= (empty) still builds that combination.
#
# ML-PACE downloads its library (ICAMS/lammps-user-pace, the tag in ML-PACE.cmake) at configure
# time; here nothing is downloaded: the tarball is made from a local mirror of that repository
# (the search tool's fetch, github:ICAMS/lammps-user-pace) and CMake is pointed at it
# (PACELIB_URL=file://..., PACELIB_MD5 of that tarball).
#
# usage: bench/mlpace_lammps/build.sh [MIRROR_GIT_DIR]
#   MIRROR_GIT_DIR  default $ACEUQ_PACE_MIRROR or /work/.mirror/ICAMS+lammps-user-pace/repo
# Result (printed): $CACHE/mlpace-lammps/<key>/build with lmp and liblammps.so,
#   CACHE = ${ACEUQ_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/aceuq}.  About 5 minutes on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${ACEUQ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aceuq}
mirror=${1:-${ACEUQ_PACE_MIRROR:-/work/.mirror/ICAMS+lammps-user-pace/repo}}
jobs=${ACEUQ_JOBS:-$(nproc)}
log() { echo "mlpace_lammps: $*" >&2; }

lammps_dir=$(ACEUQ_LAMMPS_SUITE=${ACEUQ_LAMMPS_SUITE-trixie} bash "$here/../../cmake/lammps.sh")
tree=$lammps_dir/src-tree
[ -f "$tree/cmake/Modules/Packages/ML-PACE.cmake" ] || { log "no ML-PACE package in $tree"; exit 1; }
tag=$(sed -n 's/.*archive\/refs\/tags\/\(v\.[0-9.a-z_]*\)\.tar\.gz.*/\1/p' "$tree/cmake/Modules/Packages/ML-PACE.cmake")
[ -n "$tag" ] || { log "cannot read the library tag from ML-PACE.cmake"; exit 1; }
git --git-dir="$mirror" rev-parse -q --verify "refs/tags/$tag" >/dev/null ||
  { log "tag $tag not in the mirror $mirror (fetch github:ICAMS/lammps-user-pace)"; exit 1; }

key=$(printf '%s\n' "$lammps_dir" "$tag" "$(c++ --version | head -1)" | sha256sum | cut -c1-16)
out=$cache/mlpace-lammps/$key
if [ -f "$out/.complete" ]; then echo "$out/build"; exit 0; fi
rm -rf "$out"; mkdir -p "$out"
tarball=$out/lammps-user-pace-$tag.tar.gz
git --git-dir="$mirror" archive --format=tar.gz --prefix="lammps-user-pace-$tag/" "$tag" >"$tarball"
md5=$(md5sum "$tarball" | cut -d' ' -f1)
log "configuring LAMMPS + ML-PACE ($tag from $mirror) in $out/build"
cmake -S "$tree/cmake" -B "$out/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_MPI=on -DBUILD_OMP=off \
  -DBUILD_SHARED_LIBS=on -DPKG_PLUGIN=on -DPKG_MANYBODY=on -DPKG_ML-PACE=on -DLAMMPS_EXCEPTIONS=on \
  -DLAMMPS_SIZES=smallbig -DPACELIB_URL="file://$tarball" -DPACELIB_MD5="$md5" >"$out/configure.log" 2>&1 ||
  { log "configure failed, see $out/configure.log"; exit 1; }
log "building (log $out/build.log)"
cmake --build "$out/build" -j"$jobs" >"$out/build.log" 2>&1 || { log "build failed, see $out/build.log"; exit 1; }
touch "$out/.complete"
echo "$out/build"
