#!/usr/bin/env bash
# refit.sh I NEXT STEP -- one active-learning step, called by in.active_learning through `shell`
# (MPI rank 0 only) after potential I halted at STEP:
#   label iter_I/harvest.xyz with the oracle (iter_I/labelled.xyz), fit the specification on the
#   initial + every labelled frame into iter_NEXT/ (pot.yaml, pot.yace, pot.asi, fit.log; never over an
#   existing folder), append a line to report.dat and write iter_I/refit.status for `include`:
#   a message, or the error and `quit 1` (the run stops; earlier potentials and data are kept).
# Environment (set by run.sh): ACEUQ, LMP, AL_SPEC, AL_TRAIN0, AL_TEST (held-out frames), and
# AL_FIT_ARGS: more `aceuq fit` arguments; the labelled frames carry config_type=harvested, so e.g.
# AL_FIT_ARGS="--weight harvested=3" weights the frames the loop added against the initial ones.
# AL_ORACLE_COEFF: the oracle's pair_coeff (default "* * Cu_mishin1.eam.alloy Cu", with eam/alloy).
set -u
i=$1; next=$2; step=$3
t0=$(date +%s.%N)
status=iter_$i/refit.status
fail() {
  printf 'print "active learning: ERROR in iteration %s (potential %s halted at step %s): %s"\nquit 1\n' \
    "$i" "$i" "$step" "$1" > "$status"
  exit 0
}
# a LAMMPS started from inside an mpirun job must not think it is one of its ranks
for v in $(env | sed -n 's/^\(OMPI_[^=]*\|PMIX_[^=]*\|PMI_[^=]*\)=.*/\1/p'); do unset "$v"; done
[ -s "iter_$i/harvest.xyz" ] || fail "no frame was harvested before the halt (iter_$i/harvest.xyz is empty)"
[ -e "iter_$next" ] && fail "iter_$next exists already: it is not overwritten"
mkdir "iter_$next"
"$ACEUQ" label "iter_$i/harvest.xyz" -o "iter_$i/labelled.xyz" --lmp "$LMP" --elements Cu --pair-style eam/alloy \
  --pair-coeff "${AL_ORACLE_COEFF:-* * Cu_mishin1.eam.alloy Cu}" > "iter_$i/label.log" 2>&1 ||
  fail "labelling with the oracle failed (iter_$i/label.log)"
# tag the labelled frames (comment line = the line after each atom count) for --weight harvested=W
awk 'p && !/config_type=/ {$0 = $0 " config_type=harvested"} {p = /^[0-9]+[[:space:]]*$/; print}' \
  "iter_$i/labelled.xyz" > "iter_$i/labelled.tmp" && mv "iter_$i/labelled.tmp" "iter_$i/labelled.xyz"
train=("$AL_TRAIN0")
for k in $(seq 1 "$i"); do [ -s "iter_$k/labelled.xyz" ] && train+=("iter_$k/labelled.xyz"); done
# shellcheck disable=SC2086
"$ACEUQ" fit "$AL_SPEC" --train "${train[@]}" --test "$AL_TEST" -o "iter_$next/pot.yaml" --energy-weight 10 \
  --no-pops --samples 0 --local none ${AL_FIT_ARGS:-} > "iter_$next/fit.log" 2>&1 ||
  fail "the refit failed (iter_$next/fit.log)"
bash "$(dirname "$0")/report_line.sh" "$next" "$(date +%s.%N)" "$t0" "${train[@]}" >> report.dat
printf 'print "active learning: potential %s fitted on %s frames, held-out RMSE %s meV/atom, %s meV/A"\n' \
  "$next" "$(awk 'END {print $2}' report.dat)" "$(awk 'END {print $4}' report.dat)" "$(awk 'END {print $5}' report.dat)" \
  > "$status"
