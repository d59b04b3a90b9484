#!/usr/bin/env bash
# Extrapolation grades in LAMMPS scripts: (a) monitoring, (b) halting, (c) harvesting.
# Uses the realistic Cu potential Cu.pbe.in.yaml (684 B-functions) and its well-conditioned
# active set Cu.pbe.in.asi from the shared reference data (not part of this repository):
# ACEUQ_SHARED_DIR (default <repo>/../shared). About a minute on 2 cores.
# Output in <build>/examples/grades: logs, grades.dump, halted.data, extrapolative.xyz.
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
example_setup grades
shared=${ACEUQ_SHARED_DIR:-$here/../../../shared}
pot=$shared/reference/ace/potentials/Cu.pbe.in.yaml
asi=$shared/reference/ace/potentials/Cu.pbe.in.asi
if [ ! -f "$pot" ] || [ ! -f "$asi" ]; then
  echo "SKIP: $pot or $asi not found (set ACEUQ_SHARED_DIR to the shared reference data)"
  exit 77
fi
lmp=("${mpi[@]}" "$build/lmp" -nocite -var pot "$pot" -var asi "$asi")

echo "== (a) monitoring: heating 300 -> 2500 K, grades every 20 steps"
"${lmp[@]}" -log monitor.log -in "$here/in.monitor" | awk '/^ *Step/ {p = 1} p && NF == 8 {print} /^Loop/ {p = 0}'

echo "== (b) halting: compression until max gamma > 25, then the script continues"
"${lmp[@]}" -log halt.log -in "$here/in.halt" | grep -E "^(HALTED|AFTER-RELEASE)|Fix halt condition"

echo "== (c) harvesting: heating 1500 -> 3000 K, frames with 5 <= max gamma < 25"
"${lmp[@]}" -log harvest.log -in "$here/in.harvest" | grep -E "^HARVESTED|uq/harvest"
grep -o 'step=[0-9]* max_gamma=[0-9.e+-]*' extrapolative.xyz || true
echo "frames: $out/extrapolative.xyz"
