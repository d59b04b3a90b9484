#!/usr/bin/env bash
# The uncertainty study (examples/uq_study/study.py) in <build>/examples/uq_study: every signal aceuq
# offers on one Cu potential (results in the folder itself) and one Si potential (in Si/), against
# the oracle's errors.  Uses the oracle data of potentials/make.py (<build>/oracle/Cu, Si) or makes
# them (~6 min each); ~5 min more per system on 2 cores.
#   usage: run.sh [--quick] [--per-class N]     (--quick: small data, Cu only: the CI test)
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
example_setup uq_study
# Debian's python3 has numpy (cmake/deps.sh installs python3-numpy)
/usr/bin/python3 "$here/study.py" "$out" --system Cu --aceuq "$build/aceuq" --lmp "$build/lmp" "$@"
echo "uq study: wrote $out/results.md, metrics.json, scatter.png, roc.png"
case " $* " in *" --quick "*) exit 0 ;; esac
/usr/bin/python3 "$here/study.py" "$out/Si" --system Si --aceuq "$build/aceuq" --lmp "$build/lmp" "$@"
echo "uq study: wrote $out/Si/results.md, metrics.json, scatter.png, roc.png"
