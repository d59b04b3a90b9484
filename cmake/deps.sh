#!/usr/bin/env bash
# Make sure the Debian packages aceuq needs are installed.
# As root, missing packages are installed with apt-get; otherwise the exact
# command is printed and the script fails.  Prints nothing when all is there.
#   ACEUQ_DEPS_CHECK_ONLY=1   never install, only report (also used by the tests)
#   ACEUQ_DEPS_EXTRA="p1 p2"  additional packages to require
set -euo pipefail

ACEUQ_DEBS=(
  cmake make g++ gcc pkg-config      # build tools
  dpkg-dev xz-utils                  # apt-get source (LAMMPS from Debian's source package)
  libopenmpi-dev openmpi-bin         # MPI (Debian OpenMPI)
  libopenblas-dev liblapack-dev      # BLAS/LAPACK (OpenBLAS explicitly, see CMakeLists.txt)
  libyaml-dev                        # pacemaker .yaml potentials
  libzip-dev zlib1g-dev              # .npz active sets
  gnuplot-nox                        # plots written by the examples
  python3                            # test checkers and example helpers (standard library only)
  python3-numpy python3-sklearn      # independent references of the fitting tests (/usr/bin/python3)
  python3-yaml                       # the brute-force B-basis reference (tests/golden/bbasis_bruteforce.py)
)

# shellcheck disable=SC2206
ACEUQ_DEBS+=(${ACEUQ_DEPS_EXTRA:-})
missing=()
for p in "${ACEUQ_DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ] || [ "${ACEUQ_DEPS_CHECK_ONLY:-0}" = 1 ]; then
  echo "aceuq: missing Debian packages: ${missing[*]}" >&2
  echo "aceuq: install them (as root) with: apt-get update && $cmd" >&2
  exit 1
fi
echo "aceuq: installing missing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends ${missing[*]} >/dev/null
