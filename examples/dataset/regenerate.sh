#!/bin/sh
# Regenerates the shipped Li-P-O(-N) data set from scratch (examples/dataset/README.md):
#   structures -> GFN1-xTB labels -> second pass for the charge-check refusals -> train/test files.
# Every step restarts where it stopped when run again. Several hours on one loaded core; the PBE
# reference subset (label-pbe.sh, about an hour more) runs only with --pbe.
set -e
cd "$(dirname "$0")"
sh ./make-structures.sh
sh ./label.sh
sh ./label-retry.sh
[ "$1" = "--pbe" ] && sh ./label-pbe.sh
sh ./assemble.sh
cd ../..
/usr/bin/python3 examples/dataset/stats.py
[ "$1" = "--pbe" ] && /usr/bin/python3 examples/dataset/compare-pbe.py
exit 0
