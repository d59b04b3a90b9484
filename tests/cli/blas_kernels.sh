#!/usr/bin/env bash
# OpenBLAS kernel selection of the `aceuq` tool (aceuq_blas_preferred_coretype):
#  - an OPENBLAS_CORETYPE given by the user is kept (also the generic "Prescott");
#  - `aceuq blas-kernels` prints nothing, "SkylakeX" or "Haswell";
#  - when OpenBLAS is forced onto its generic kernels and the CPU has better ones,
#    blas-kernels names them, and without the variable the tool never runs on the
#    generic kernels (re-run with the named ones, or OpenBLAS knew the CPU);
#  - on a CPU with AVX-512 (F, BW, VL, DQ, CD), OpenBLAS on its AVX2 "Haswell" kernels is not
#    good enough either: blas-kernels names SkylakeX, and without the variable the tool runs
#    AVX-512 kernels; with SkylakeX forced it asks for nothing more.
#   usage: blas_kernels.sh ACEUQ
set -u
aceuq=$1; fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }

forced=$(OPENBLAS_CORETYPE=Prescott "$aceuq" version)
check "user's OPENBLAS_CORETYPE=Prescott is kept" 'grep -q " Prescott " <<<"$forced"'
want=$(OPENBLAS_CORETYPE=Prescott "$aceuq" blas-kernels)
check "blas-kernels under Prescott prints '$want'" '[[ "$want" =~ ^(|SkylakeX|Haswell)$ ]]'
free=$(env -u OPENBLAS_CORETYPE "$aceuq" version)
echo "without OPENBLAS_CORETYPE: $(grep BLAS <<<"$free")"
if [ -n "$want" ]; then
  check "no generic kernels when $want is available" '! grep -Eq " (Prescott|Core2|Nehalem|Sandybridge) " <<<"$free"'
fi
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
avx512=1
for f in avx512f avx512bw avx512vl avx512dq avx512cd; do grep -qw "$f" <<<"$flags" || avx512=0; done
if [ $avx512 -eq 1 ]; then
  want=$(OPENBLAS_CORETYPE=Haswell "$aceuq" blas-kernels)
  check "blas-kernels under Haswell on an AVX-512 CPU prints SkylakeX (got '$want')" '[ "$want" = SkylakeX ]'
  forced=$(OPENBLAS_CORETYPE=Haswell "$aceuq" version)
  check "user's OPENBLAS_CORETYPE=Haswell is kept" 'grep -q " Haswell " <<<"$forced"'
  check "without OPENBLAS_CORETYPE the tool runs AVX-512 kernels" \
    'grep -Eq " (SkylakeX|Cooperlake|SapphireRapids) " <<<"$free"'
  best=$(OPENBLAS_CORETYPE=SkylakeX "$aceuq" blas-kernels)
  check "blas-kernels under SkylakeX asks for nothing (got '$best')" '[ -z "$best" ]'
else
  echo "skip AVX-512 checks: this CPU lacks part of AVX-512 F/BW/VL/DQ/CD"
fi
exit $fail
