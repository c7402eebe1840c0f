#!/bin/sh
# Every label an `aion learn` run made, screened with examples/dataset/check-charges.py (Li up to 1.3 e; the
# xtb-nocheck.inp labels have CP2K's own charge check off), into one file with a new config_type.
# Usage (repository root): examples/potential/screen-labels.sh LEARN_DIR OUT.xyz CONFIG_TYPE
# Used by learn-audit.sh and learn-contact.sh.
set -eu
AION=${AION:-build/aion}
RUN=$1
OUT=$2
CT=$3
: > "$OUT"
for it in "$RUN"/iter-*; do
    [ -s "$it/labelled.xyz" ] || continue
    for k in $(/usr/bin/python3 examples/dataset/check-charges.py --li-max 1.3 "$it/label" "$it/labelled.xyz" \
               examples/data/lipon-xtb-train.xyz); do
        $AION convert "$it/labelled.xyz" "$OUT" --frames "$k" --append --info "config_type=$CT"
    done
done
