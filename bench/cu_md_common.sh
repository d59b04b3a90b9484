# cu_md_common.sh -- sourced by the LAMMPS benchmark scripts of the spreads (bench_spread_lammps.sh,
# bench_spread_targets.sh, bench_ab_plugins.sh).  Sets here, build (ACEUQ_BUILD_DIR, default ../build),
# pots (potentials/), mpi (the launcher for NP ranks: empty for 1), and a scratch directory that is
# the working directory and is removed on exit; cu_md_start prints the common start of the inputs:
# 4000-atom fcc Cu (10x10x10, a = 3.615), NVE at 600 K from a fixed seed, potentials/Cu.yaml, 10 steps.
#   usage: NP=... ; source cu_md_common.sh;  cu_md_start "plugin load FILE" THERMO_EVERY
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
build=$(cd "${ACEUQ_BUILD_DIR:-$here/../build}" && pwd)
pots=$(cd "$here/../potentials" && pwd)
mpi=()
if [ "${NP:-1}" -gt 1 ]; then
  mpi=(mpirun -np "$NP" --oversubscribe)
  [ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; cd "$work"

cu_md_start() {
  printf '%s\n' "$1" "units metal" "lattice fcc 3.615" "region box block 0 10 0 10 0 10" "create_box 1 box" \
    "create_atoms 1 box" "mass 1 63.546" "neighbor 1.0 bin" "velocity all create 600.0 4928459 loop geom" \
    "fix nve all nve" "timestep 0.001" "thermo $2" "pair_style ace/uq" "pair_coeff * * $pots/Cu.yaml Cu" "run 10"
}
