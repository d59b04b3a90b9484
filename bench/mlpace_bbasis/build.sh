#!/bin/sh
# build.sh -- build the ML-PACE library (github ICAMS/lammps-user-pace) at a tag and our driver
# mlpace_eval against it, outside the repository (benchmark side; nothing in the tests needs it).
#
# usage: bench/mlpace_bbasis/build.sh [TAG ...]          (default: v.2025.12.4 v.2023.11.25.fix2)
# Result: $CACHE/bin/mlpace_eval-<TAG>, CACHE = ${ACEUQ_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/aceuq}/mlpace-ref,
# and $CACHE/bin/mlpace_eval-<TAG>-ndensityfix: the same with ace_recursive.cpp patched to use the
# central species' ndensity instead of the global ndensitymax when it converts the C-tilde basis
# for ACERecursiveEvaluator (the experiment of docs/multielement_parity.md; the patched copy of
# that one file is compiled into the driver, the library itself stays as released).
# The library's source tree must be in $CACHE/src-<TAG> (nothing is downloaded here): with a local
# mirror of the repository (e.g. from the search tool's fetch, github:ICAMS/lammps-user-pace),
#   mkdir -p $CACHE/src-TAG && git --git-dir=MIRROR archive TAG | tar -x -C $CACHE/src-TAG
# Single-threaded (ACEUQ_JOBS overrides), about 4 minutes per tag on one core; cmake, g++ (C++14).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${ACEUQ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aceuq}/mlpace-ref
jobs=${ACEUQ_JOBS:-1}
[ $# -gt 0 ] || set -- v.2025.12.4 v.2023.11.25.fix2
mkdir -p "$cache/bin"
for tag in "$@"; do
  src=$cache/src-$tag
  bld=$cache/build-$tag
  if [ ! -f "$src/CMakeLists.txt" ]; then
    echo "build.sh: no ML-PACE source tree in $src: unpack tag $tag of a mirror of ICAMS/lammps-user-pace there" \
         "(see the head of this script)" >&2
    exit 1
  fi
  if [ ! -f "$bld/libpace.a" ]; then
    cmake -S "$src" -B "$bld" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-O2 >"$cache/cmake-$tag.log"
    make -C "$bld" -j"$jobs" pace >"$cache/make-$tag.log"
  fi
  # EXTRA_C_PROJECTIONS and COMPUTE_B_GRAD change the evaluator classes' layout: they must match
  # the definitions the library was compiled with (its CMakeLists sets both).
  g++ -std=c++14 -O2 -DEXTRA_C_PROJECTIONS -DCOMPUTE_B_GRAD \
    -I"$src/ML-PACE" -I"$src/yaml-cpp/include" -I"$src" \
    "$here/mlpace_eval.cpp" -o "$cache/bin/mlpace_eval-$tag" \
    "$bld/libpace.a" "$bld/build-yaml-cpp/libyaml-cpp-pace.a" "$bld/libcnpy.a"
  echo "$cache/bin/mlpace_eval-$tag"
  # the one-line experiment: ACERecursiveEvaluator::acejlformat strides the C-tilde coefficients
  # with basis_set->ndensitymax; the basis functions store ndensity(mu0) values per ms-combination
  patched=$cache/ace_recursive-$tag-ndensityfix.cpp
  sed 's/const DENSITY_TYPE ndensity = basis_set->ndensitymax;/const DENSITY_TYPE ndensity = basis_set->map_embedding_specifications[mu0].ndensity; \/\/ aceuq experiment/' \
    "$src/ML-PACE/ace-evaluator/ace_recursive.cpp" >"$patched"
  grep -q "aceuq experiment" "$patched" || { echo "build.sh: patch did not apply to $tag" >&2; exit 1; }
  g++ -std=c++14 -O2 -DEXTRA_C_PROJECTIONS -DCOMPUTE_B_GRAD \
    -I"$src/ML-PACE" -I"$src/yaml-cpp/include" -I"$src" -I"$src/wigner-cpp/include" \
    "$here/mlpace_eval.cpp" "$patched" -o "$cache/bin/mlpace_eval-$tag-ndensityfix" \
    "$bld/libpace.a" "$bld/build-yaml-cpp/libyaml-cpp-pace.a" "$bld/libcnpy.a"
  echo "$cache/bin/mlpace_eval-$tag-ndensityfix"
done
