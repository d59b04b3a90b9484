#!/usr/bin/env bash
# Run LAMMPS (serially or under mpirun) and check its output.
#
#   run_lmp.sh [--np N] [--exit CODE] [--expect REGEX]... [--reject REGEX]...
#              [--count REGEX=N]... -- LMP [LAMMPS arguments]
#
# Runs in a fresh scratch directory (log files stay out of the tree), and
# fails with the full output when: the exit code differs from CODE (default
# 0), an --expect pattern (grep -E) is absent, a --reject pattern is
# present, or a --count pattern does not occur exactly N times.
set -uo pipefail

np=1; want_exit=0; expects=(); rejects=(); counts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --np) np=$2; shift 2 ;;
    --exit) want_exit=$2; shift 2 ;;
    --expect) expects+=("$2"); shift 2 ;;
    --reject) rejects+=("$2"); shift 2 ;;
    --count) counts+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "run_lmp.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -ge 1 ] || { echo "run_lmp.sh: no LAMMPS command given" >&2; exit 2; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/aceuq-lmp.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cd "$scratch" || exit 2

if [ "$np" -gt 1 ]; then
  mpi=(mpirun -np "$np" --oversubscribe)
  [ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
  cmd=("${mpi[@]}" "$@")
else
  cmd=("$@")
fi
out=$(timeout 600 "${cmd[@]}" 2>&1 </dev/null)
code=$?

fail=0
problem() { echo "run_lmp.sh: $*" >&2; fail=1; }
[ "$code" -eq "$want_exit" ] || problem "exit code $code, expected $want_exit"
for re in ${expects[@]+"${expects[@]}"}; do
  grep -Eq -- "$re" <<<"$out" || problem "expected output matching: $re"
done
for re in ${rejects[@]+"${rejects[@]}"}; do
  grep -Eq -- "$re" <<<"$out" && problem "unexpected output matching: $re"
done
for c in ${counts[@]+"${counts[@]}"}; do
  re=${c%=*}; n=${c##*=}
  got=$(grep -Ec -- "$re" <<<"$out")
  [ "$got" -eq "$n" ] || problem "'$re' occurs $got times, expected $n"
done
if [ "$fail" -ne 0 ]; then
  echo "---- command: ${cmd[*]}" >&2
  echo "---- output:" >&2
  echo "$out" >&2
  exit 1
fi
echo "$out"
echo "run_lmp.sh: ok (np=$np)"
