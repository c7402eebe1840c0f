#!/bin/sh
# Install the Debian 12 packages aion needs to build, test and compare with
# peers. Skips apt when everything is already there. Run as root (or via sudo).
#   --test   also the packages only tests need: chromium (~350 MB; renders the
#            pipeline report for tests/cli/pipeline_report.sh, which skips without it)
set -e
PKGS="build-essential clang libclang-rt-14-dev libfftw3-dev liblapack-dev libopenblas-dev libsymspg-dev libcjson-dev libyaml-dev
      lammps cp2k python3 python3-numpy python3-scipy python3-ase python3-pymatgen python3-mdanalysis"
[ "${1:-}" = "--test" ] && PKGS="$PKGS chromium"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
