#!/usr/bin/env bash
# The code an AVX2-only CPU runs, built and tested on this machine: a second build of the core,
# the tool and the unit tests with -DACEUQ_EMULATE_AVX2=ON (hot kernels for x86-64-v3 only, their
# 16-register paths: 2 x 2 row_dots blocks, two-vector member chunks, spline outputs one by one),
# then its unit tests and the golden evaluator tests (energies, forces, projections and grades
# against ML-PACE's numbers, brute force).  Skipped (77) on CPUs without AVX2 + FMA.
#   usage: emulated_avx2.sh SOURCE_DIR BUILD_DIR SHARED_DIR
set -uo pipefail
src=$1 build=$2 shared=$3
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
for f in avx2 fma bmi2; do
  grep -qw "$f" <<<"$flags" || { echo "skip: this CPU lacks $f (x86-64-v3)"; exit 77; }
done
cmake -S "$src" -B "$build" -DACEUQ_EMULATE_AVX2=ON -DACEUQ_BUILD_PLUGIN=OFF -DCMAKE_BUILD_TYPE=Release \
  -DACEUQ_SHARED_DIR="$shared" > "$build.configure.log" 2>&1 || { tail -20 "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" > "$build.build.log" 2>&1 || { grep -E "error|Error" "$build.build.log" | head -20; exit 1; }
if objdump -d "$build/src/libaceuq_core.a" | grep -q zmm; then
  echo "FAIL: the emulated build still contains AVX-512 code"; exit 1
fi
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" \
  -R "^unit\.|golden\.ace_eval|golden\.bruteforce_reference|golden\.multielement_bruteforce"
