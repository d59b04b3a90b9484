# Sourced by cmake/lammps.sh and tests/compat/newer_lammps.sh.
# A private apt configuration with deb-src entries: the URIs/Suites/Components
# of the system's sources (deb822 files in /etc/apt/sources.list.d and the
# one-line /etc/apt/sources.list) with the type changed to deb-src, optionally
# with the release codename replaced by another one (bookworm-updates ->
# trixie-updates, ...).  The system's apt configuration is never modified; no
# host name is written here.
#
#   apt_private_setup DIR [SUITE]   -> defines the arrays APT and APTCACHE
apt_private_setup() {
  local dir=$1 suite=${2:-} f codename
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] || suite=""
  mkdir -p "$dir/sources" "$dir/lists/partial"
  rm -f "$dir/sources/"*
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    if [ -n "$suite" ]; then
      sed -E -e 's/^Types:.*$/Types: deb-src/' -e "/^Suites:/ s/\\b$codename\\b/$suite/g" "$f"
    else
      sed -E 's/^Types:.*$/Types: deb-src/' "$f"
    fi > "$dir/sources/$(basename "$f")"
  done
  if [ -r /etc/apt/sources.list ]; then
    grep -E '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list |
      sed -E 's/^[[:space:]]*deb[[:space:]]/deb-src /' |
      if [ -n "$suite" ]; then sed -E "s/\\b$codename\\b/$suite/g"; else cat; fi \
      > "$dir/sources/system.list" || true
  fi
  APT=(apt-get -q -o Dir::Etc::SourceParts="$dir/sources" -o Dir::Etc::SourceList=/dev/null
       -o Dir::State::Lists="$dir/lists" -o Debug::NoLocking=1)
  APTCACHE=(apt-cache -o Dir::Etc::SourceParts="$dir/sources" -o Dir::Etc::SourceList=/dev/null
       -o Dir::State::Lists="$dir/lists")
}

# apt_private_source_version PACKAGE -> newest source version known, or empty
apt_private_source_version() {
  "${APTCACHE[@]}" showsrc "$1" 2>/dev/null |
    awk '/^Version:/ { print $2 }' | sort -V | tail -1
}
