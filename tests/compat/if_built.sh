#!/usr/bin/env bash
# if_built.sh LMP COMMAND...  -- run COMMAND when the newer LAMMPS wrapper LMP
# exists (built by compat.newer_lammps), else skip (exit 77) with the reason.
lmp=$1; shift
[ -x "$lmp" ] || { echo "SKIP: $lmp missing: the newer LAMMPS was not built (see compat.newer_lammps)"; exit 77; }
exec "$@"
