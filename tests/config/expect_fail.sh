#!/usr/bin/env bash
# expect_fail.sh REGEX -- COMMAND...: passes when COMMAND fails and its output
# matches REGEX (grep -E); used for set-up error messages.  Line breaks and
# runs of blanks are folded to one space first (CMake wraps its messages).
set -uo pipefail
re=$1; shift; [ "$1" = "--" ] && shift
out=$("$@" 2>&1); code=$?
if [ "$code" -eq 0 ]; then echo "expected failure, got success:"; echo "$out"; exit 1; fi
flat=$(tr -s ' \n\t' '   ' <<<"$out")
if ! grep -Eq -- "$re" <<<"$flat"; then echo "message does not match '$re':"; echo "$out"; exit 1; fi
echo "$out"
echo "ok: failed with the expected message"
