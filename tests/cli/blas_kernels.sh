#!/usr/bin/env bash
# OpenBLAS kernel selection of the `aceuq` tool (aceuq_blas_preferred_coretype):
#  - an OPENBLAS_CORETYPE given by the user is kept (also the generic "Prescott");
#  - `aceuq blas-kernels` prints nothing, "SkylakeX" or "Haswell";
#  - when OpenBLAS is forced onto its generic kernels and the CPU has better ones,
#    blas-kernels names them, and without the variable the tool never runs on the
#    generic kernels (re-run with the named ones, or OpenBLAS knew the CPU).
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
exit $fail
